//! Search's word list: `search_words` holds, per organization, every word of at least three
//! letters (no digits) that some `search_documents.body` contains. `search` corrects a typed
//! word against this short list instead of scoring every document that shares a trigram with
//! the text, which at a million documents took seconds. On PostgreSQL the documents' words are
//! also indexed as full-text lexemes (`baton_search_vector`, GIN), so that the documents holding
//! every word of a text are found from the rarest word's entries.
//!
//! Words follow the documents in the writer's transaction: a document's new words are added
//! when it is written, and a word it no longer has is removed once no document of the
//! organization contains it (so an erased person's name does not survive in the list). Words
//! are split at every character that is not a letter or a digit on PostgreSQL; SQLite, whose
//! SQL has no regular expressions, splits at white space, `@`, `.`, `-` and `_` (names, e-mail
//! addresses and domains) and trims other punctuation off the words' ends.
//!
//! On SQLite the word triggers are one with the FTS5 triggers of migration 33 (dropped and
//! created again here), so that the FTS index, which the removal consults, is up to date first.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The longest word kept.
const MAX_WORD: usize = 40;

/// SQLite: the words of `body` as rows of `w` (a `FROM` list and the word expression): the text
/// split at white space, then each piece at `@`, `.`, `-` and `_` (one `json_each` per
/// separator, each the pieces of the one before as a JSON array), with the punctuation of
/// names trimmed off its ends. The two characters JSON escapes and the line breaks are made
/// spaces first; a text that is still not JSON (a rare control character) gives no words.
/// One join per separator rather than nested `replace`s, whose depth SQLite's parser (the
/// command-line shell's too) bounds.
fn sqlite_split(body: &str) -> (String, String) {
    let mut clean = body.to_owned();
    for c in ["'\"'", "'\\'", "char(9)", "char(10)", "char(13)"] {
        clean = format!("replace({clean}, {c}, ' ')");
    }
    let first = format!("'[\"' || replace({clean}, ' ', '\",\"') || '\"]'");
    let mut from = vec![format!("json_each(CASE WHEN json_valid({first}) THEN {first} ELSE '[]' END) AS s0")];
    for (i, sep) in ["@", ".", "-", "_"].iter().enumerate() {
        from.push(format!("json_each('[\"' || replace(s{i}.value, '{sep}', '\",\"') || '\"]') AS s{}", i + 1));
    }
    (from.join(", "), "trim(s4.value, '''(),&+:;!?/')".to_owned())
}

/// SQLite: the words of `body`, as a subquery of `w`.
fn sqlite_words(body: &str) -> String {
    let (from, w) = sqlite_split(body);
    format!("(SELECT {w} AS w FROM {from} WHERE {})", sqlite_word(&w))
}

/// SQLite: which words the list keeps.
fn sqlite_word(w: &str) -> String {
    format!("length({w}) BETWEEN 3 AND {MAX_WORD} AND {w} NOT GLOB '*[0-9]*'")
}

/// SQLite: adds the words of the row `NEW`.
fn sqlite_add() -> String {
    format!(
        "INSERT OR IGNORE INTO search_words (organization_id, word) SELECT DISTINCT NEW.organization_id, w FROM {}",
        sqlite_words("NEW.body")
    )
}

/// SQLite: removes the words of the row `OLD` (that the row `NEW` lacks, on an update) that no
/// document of its organization contains any longer (the FTS index is up to date before).
fn sqlite_prune(update: bool) -> String {
    let kept = if update { format!("AND word NOT IN {} ", sqlite_words("NEW.body")) } else { String::new() };
    format!(
        "DELETE FROM search_words WHERE organization_id = OLD.organization_id AND word IN {} {kept}\
         AND NOT EXISTS (SELECT 1 FROM search_fts CROSS JOIN search_documents d ON d.doc_id = search_fts.rowid \
           WHERE search_fts MATCH '\"' || search_words.word || '\"' AND d.organization_id = OLD.organization_id)",
        sqlite_words("OLD.body")
    )
}

fn sqlite_up() -> Vec<String> {
    vec![
        "CREATE TABLE search_words (organization_id uuid_text NOT NULL, word TEXT NOT NULL, \
         PRIMARY KEY (organization_id, word)) WITHOUT ROWID"
            .to_owned(),
        "DROP TRIGGER search_fts_ai".to_owned(),
        "DROP TRIGGER search_fts_ad".to_owned(),
        "DROP TRIGGER search_fts_au".to_owned(),
        format!(
            "CREATE TRIGGER search_fts_ai AFTER INSERT ON search_documents BEGIN \
             INSERT INTO search_fts (rowid, body) VALUES (NEW.doc_id, NEW.body); {}; END",
            sqlite_add()
        ),
        format!(
            "CREATE TRIGGER search_fts_ad AFTER DELETE ON search_documents BEGIN \
             DELETE FROM search_fts WHERE rowid = OLD.doc_id; {}; END",
            sqlite_prune(false)
        ),
        format!(
            "CREATE TRIGGER search_fts_au AFTER UPDATE OF body ON search_documents WHEN OLD.body IS NOT NEW.body BEGIN \
             DELETE FROM search_fts WHERE rowid = OLD.doc_id; \
             INSERT INTO search_fts (rowid, body) VALUES (NEW.doc_id, NEW.body); {}; {}; END",
            sqlite_add(),
            sqlite_prune(true)
        ),
        {
            let (from, w) = sqlite_split("d.body");
            format!(
                "INSERT OR IGNORE INTO search_words (organization_id, word) \
                 SELECT DISTINCT d.organization_id, {w} FROM search_documents d, {from} WHERE {}",
                sqlite_word(&w)
            )
        },
    ]
}

fn sqlite_down() -> Vec<String> {
    vec![
        "DROP TRIGGER search_fts_ai".to_owned(),
        "DROP TRIGGER search_fts_ad".to_owned(),
        "DROP TRIGGER search_fts_au".to_owned(),
        "CREATE TRIGGER search_fts_ai AFTER INSERT ON search_documents BEGIN \
         INSERT INTO search_fts (rowid, body) VALUES (NEW.doc_id, NEW.body); END"
            .to_owned(),
        "CREATE TRIGGER search_fts_ad AFTER DELETE ON search_documents BEGIN \
         DELETE FROM search_fts WHERE rowid = OLD.doc_id; END"
            .to_owned(),
        "CREATE TRIGGER search_fts_au AFTER UPDATE OF body ON search_documents WHEN OLD.body IS NOT NEW.body BEGIN \
         DELETE FROM search_fts WHERE rowid = OLD.doc_id; \
         INSERT INTO search_fts (rowid, body) VALUES (NEW.doc_id, NEW.body); END"
            .to_owned(),
        "DROP TABLE search_words".to_owned(),
    ]
}

fn postgres_up() -> Vec<String> {
    vec![
        "CREATE TABLE search_words (organization_id uuid NOT NULL, word text NOT NULL, \
         PRIMARY KEY (organization_id, word))"
            .to_owned(),
        "CREATE INDEX ix_search_words_trgm ON search_words USING gin (word gin_trgm_ops)".to_owned(),
        // The documents' words as full-text lexemes, split where the word list splits them.
        "CREATE FUNCTION baton_search_vector(body text) RETURNS tsvector LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ \
           SELECT to_tsvector('simple'::regconfig, regexp_replace(body, '[^[:alnum:]]+', ' ', 'g')) $$"
            .to_owned(),
        "CREATE INDEX ix_search_documents_words ON search_documents USING gin (baton_search_vector(body))".to_owned(),
        format!(
            "CREATE FUNCTION baton_search_words_of(body text) RETURNS SETOF text LANGUAGE sql IMMUTABLE AS $$ \
               SELECT DISTINCT w FROM regexp_split_to_table(body, '[^[:alnum:]]+') AS w \
               WHERE length(w) BETWEEN 3 AND {MAX_WORD} AND w !~ '[0-9]' $$"
        ),
        "CREATE FUNCTION baton_search_words() RETURNS trigger LANGUAGE plpgsql AS $$ \
         DECLARE kept text := ''; \
         BEGIN \
           IF TG_OP <> 'DELETE' THEN \
             kept := NEW.body; \
             INSERT INTO search_words (organization_id, word) \
             SELECT NEW.organization_id, w FROM baton_search_words_of(NEW.body) AS w ON CONFLICT DO NOTHING; \
           END IF; \
           IF TG_OP <> 'INSERT' THEN \
             DELETE FROM search_words s WHERE s.organization_id = OLD.organization_id \
               AND s.word IN (SELECT baton_search_words_of(OLD.body) EXCEPT SELECT baton_search_words_of(kept)) \
               AND NOT EXISTS (SELECT 1 FROM search_documents d \
                 WHERE d.organization_id = OLD.organization_id AND d.body LIKE '%' || s.word || '%'); \
           END IF; \
           RETURN NULL; \
         END $$"
            .to_owned(),
        "CREATE TRIGGER search_words_insert_delete AFTER INSERT OR DELETE ON search_documents \
         FOR EACH ROW EXECUTE FUNCTION baton_search_words()"
            .to_owned(),
        "CREATE TRIGGER search_words_update AFTER UPDATE OF body ON search_documents \
         FOR EACH ROW WHEN (OLD.body IS DISTINCT FROM NEW.body) EXECUTE FUNCTION baton_search_words()"
            .to_owned(),
        "INSERT INTO search_words (organization_id, word) \
         SELECT DISTINCT d.organization_id, w FROM search_documents d, baton_search_words_of(d.body) AS w \
         ON CONFLICT DO NOTHING"
            .to_owned(),
    ]
}

fn postgres_down() -> Vec<String> {
    vec![
        "DROP TRIGGER IF EXISTS search_words_update ON search_documents".to_owned(),
        "DROP TRIGGER IF EXISTS search_words_insert_delete ON search_documents".to_owned(),
        "DROP FUNCTION IF EXISTS baton_search_words()".to_owned(),
        "DROP FUNCTION IF EXISTS baton_search_words_of(text)".to_owned(),
        "DROP TABLE IF EXISTS search_words".to_owned(),
        "DROP INDEX IF EXISTS ix_search_documents_words".to_owned(),
        "DROP FUNCTION IF EXISTS baton_search_vector(text)".to_owned(),
    ]
}

/// Runs the statements as one string, so that on SQLite they run on one connection, in order.
async fn run(m: &SchemaManager<'_>, sql: Vec<String>) -> Result<(), DbErr> {
    m.get_connection().execute_unprepared(&sql.join("; ")).await.map(|_| ())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DatabaseBackend::Sqlite => run(m, sqlite_up()).await,
            _ => run(m, postgres_up()).await,
        }
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        match m.get_database_backend() {
            DatabaseBackend::Sqlite => run(m, sqlite_down()).await,
            _ => run(m, postgres_down()).await,
        }
    }
}
