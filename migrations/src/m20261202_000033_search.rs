//! Search: one `search_documents` row per searchable object (lead, account, contact,
//! opportunity, contract, invoice, feature request) holding its label and its lower-cased
//! searchable text, kept in step by triggers on the objects' tables, so that every write path
//! (use cases, the seed, erasure) updates it in its own transaction. PostgreSQL indexes the text
//! with trigrams (`pg_trgm`, GIN); SQLite with an FTS5 table using the trigram tokenizer, whose
//! rows follow `search_documents` by `doc_id`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// What one table contributes: its kind, the row's owner (for the row-scope prefilter; NULL
/// where the scope is not an owner), its label and its searchable text, as SQL over the row
/// `R`. `invoice` numbers are formatted per engine (`{inv}`).
struct Source {
    table: &'static str,
    kind: &'static str,
    owner: &'static str,
    title: &'static str,
    body: &'static str,
}

const SOURCES: &[Source] = &[
    Source {
        table: "leads",
        kind: "LEAD",
        owner: "R.owner_id",
        title: "R.company_name || ' — ' || R.contact_name",
        body: "R.company_name || ' ' || R.contact_name || ' ' || COALESCE(R.contact_email, '') || ' ' || COALESCE(R.email_domain, '')",
    },
    Source {
        table: "accounts",
        kind: "ACCOUNT",
        owner: "NULL",
        title: "R.name",
        body: "R.name || ' ' || COALESCE(R.domain, '')",
    },
    Source {
        table: "contacts",
        kind: "CONTACT",
        owner: "NULL",
        title: "R.name",
        body: "R.name || ' ' || COALESCE(R.email, '')",
    },
    Source { table: "opportunities", kind: "OPPORTUNITY", owner: "R.owner_id", title: "R.name", body: "R.name" },
    Source {
        table: "contracts",
        kind: "CONTRACT",
        owner: "NULL",
        title: "COALESCE((SELECT o.name FROM opportunities o WHERE o.id = R.opportunity_id), '')",
        body: "COALESCE((SELECT o.name FROM opportunities o WHERE o.id = R.opportunity_id), '')",
    },
    Source { table: "invoices", kind: "INVOICE", owner: "NULL", title: "{inv}", body: "{inv}" },
    Source {
        table: "feature_requests",
        kind: "FEATURE_REQUEST",
        owner: "NULL",
        title: "R.title",
        body: "R.title || ' ' || COALESCE(R.description, '')",
    },
];

const SQLITE_INVOICE: &str = "CASE WHEN R.number IS NULL THEN '' ELSE printf('INV-%06d', R.number) END";
const POSTGRES_INVOICE: &str = "CASE WHEN R.number IS NULL THEN '' ELSE 'INV-' || lpad(R.number::text, 6, '0') END";

impl Source {
    fn expr(&self, e: &str, row: &str, inv: &str) -> String {
        e.replace("{inv}", inv).replace("R.", &format!("{row}."))
    }

    /// The document columns' values for `row` (NEW in a trigger, the table itself in the
    /// backfill).
    fn values(&self, row: &str, inv: &str) -> String {
        format!(
            "{row}.id, {row}.organization_id, '{kind}', {owner}, {title}, lower({body})",
            kind = self.kind,
            owner = self.expr(self.owner, row, inv),
            title = self.expr(self.title, row, inv),
            body = self.expr(self.body, row, inv),
        )
    }

    fn backfill(&self, inv: &str) -> String {
        format!(
            "INSERT INTO search_documents (entity_id, organization_id, kind, owner_id, title, body) \
             SELECT {} FROM {t} AS src",
            self.values("src", inv),
            t = self.table
        )
    }
}

/// A contract's label is its deal's name: renaming the deal relabels its contracts.
const CONTRACT_RELABEL: &str = "UPDATE search_documents SET title = NEW.name, body = lower(NEW.name) \
     WHERE kind = 'CONTRACT' AND entity_id IN (SELECT c.id FROM contracts c WHERE c.opportunity_id = NEW.id)";

fn sqlite_up() -> Vec<String> {
    let mut s = vec![
        "CREATE TABLE search_documents (doc_id INTEGER PRIMARY KEY, entity_id uuid_text NOT NULL UNIQUE, \
         organization_id uuid_text NOT NULL, kind TEXT NOT NULL, owner_id uuid_text, title TEXT NOT NULL, \
         body TEXT NOT NULL)"
            .to_owned(),
        "CREATE INDEX ix_search_documents_org ON search_documents (organization_id, kind)".to_owned(),
        "CREATE VIRTUAL TABLE search_fts USING fts5(body, tokenize = 'trigram')".to_owned(),
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
    ];
    for src in SOURCES {
        let t = src.table;
        let inv = SQLITE_INVOICE;
        s.push(format!(
            "CREATE TRIGGER search_{t}_ai AFTER INSERT ON {t} BEGIN \
             INSERT INTO search_documents (entity_id, organization_id, kind, owner_id, title, body) VALUES ({}); END",
            src.values("NEW", inv)
        ));
        let relabel = if t == "opportunities" { format!("{CONTRACT_RELABEL}; ") } else { String::new() };
        s.push(format!(
            "CREATE TRIGGER search_{t}_au AFTER UPDATE ON {t} BEGIN \
             UPDATE search_documents SET owner_id = {owner}, title = {title}, body = lower({body}) \
             WHERE entity_id = NEW.id; {relabel}END",
            owner = src.expr(src.owner, "NEW", inv),
            title = src.expr(src.title, "NEW", inv),
            body = src.expr(src.body, "NEW", inv),
        ));
        s.push(format!(
            "CREATE TRIGGER search_{t}_ad AFTER DELETE ON {t} BEGIN \
             DELETE FROM search_documents WHERE entity_id = OLD.id; END"
        ));
        s.push(src.backfill(inv));
    }
    s
}

fn sqlite_down() -> Vec<String> {
    let mut s: Vec<String> = SOURCES
        .iter()
        .flat_map(|src| ["ai", "au", "ad"].map(|w| format!("DROP TRIGGER IF EXISTS search_{}_{w}", src.table)))
        .collect();
    s.extend(["search_fts_ai", "search_fts_ad", "search_fts_au"].map(|t| format!("DROP TRIGGER IF EXISTS {t}")));
    s.push("DROP TABLE IF EXISTS search_fts".to_owned());
    s.push("DROP TABLE IF EXISTS search_documents".to_owned());
    s
}

fn postgres_up() -> Vec<String> {
    let mut s = vec![
        "CREATE EXTENSION IF NOT EXISTS pg_trgm".to_owned(),
        "CREATE TABLE search_documents (entity_id uuid PRIMARY KEY, organization_id uuid NOT NULL, \
         kind text NOT NULL, owner_id uuid, title text NOT NULL, body text NOT NULL)"
            .to_owned(),
        "CREATE INDEX ix_search_documents_body ON search_documents USING gin (body gin_trgm_ops)".to_owned(),
        "CREATE INDEX ix_search_documents_org ON search_documents (organization_id, kind)".to_owned(),
    ];
    for src in SOURCES {
        let t = src.table;
        let inv = POSTGRES_INVOICE;
        let relabel = if t == "opportunities" { format!("{CONTRACT_RELABEL}; ") } else { String::new() };
        s.push(format!(
            "CREATE FUNCTION baton_search_{t}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
               IF TG_OP = 'DELETE' THEN DELETE FROM search_documents WHERE entity_id = OLD.id; RETURN OLD; END IF; \
               INSERT INTO search_documents (entity_id, organization_id, kind, owner_id, title, body) VALUES ({}) \
               ON CONFLICT (entity_id) DO UPDATE SET owner_id = EXCLUDED.owner_id, title = EXCLUDED.title, \
               body = EXCLUDED.body; \
               IF TG_OP = 'UPDATE' THEN {relabel}NULL; END IF; \
               RETURN NEW; \
             END $$",
            src.values("NEW", inv)
        ));
        s.push(format!(
            "CREATE TRIGGER search_{t} AFTER INSERT OR UPDATE OR DELETE ON {t} \
             FOR EACH ROW EXECUTE FUNCTION baton_search_{t}()"
        ));
        s.push(src.backfill(inv));
    }
    s
}

fn postgres_down() -> Vec<String> {
    let mut s: Vec<String> = SOURCES
        .iter()
        .flat_map(|src| {
            [
                format!("DROP TRIGGER IF EXISTS search_{t} ON {t}", t = src.table),
                format!("DROP FUNCTION IF EXISTS baton_search_{}()", src.table),
            ]
        })
        .collect();
    s.push("DROP TABLE IF EXISTS search_documents".to_owned());
    s
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
