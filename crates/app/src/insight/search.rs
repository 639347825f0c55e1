//! `search`: one ranked list over leads, accounts, contacts, opportunities, contracts, invoices
//! and feature requests.
//!
//! The database finds and ranks candidates in `search_documents` (kept in step with the
//! objects' tables by triggers, see migration 33):
//! - documents containing the text (a substring, any case) rank first: PostgreSQL finds them
//!   through `pg_trgm`'s GIN index, SQLite through FTS5's trigram index;
//! - then documents holding every word of the text, each word as typed or, when the
//!   organization's word list (`search_words`, migration 83) has no word starting with it, as
//!   one of the list's words within one or two edits of it; the word being typed may be the
//!   start of a word. PostgreSQL finds them through a full-text index of the documents' words,
//!   SQLite through FTS5 (as substrings). On PostgreSQL a text of several words is found this
//!   way in one statement, its exact matches ranked first.
//!
//! Each set is ranked among the first `POOL` documents found, so a text that a hundred thousand
//! documents contain costs what a rare one costs. Leads and opportunities outside the caller's
//! owner scope are left out in SQL; every remaining candidate is then read through its kind's
//! own getter, so a hit the caller may not read does not exist, and a hit shows what that
//! getter shows.

use crate::insight::node::{NodeKind, Object};
use crate::kernel::sql::Sql;
use crate::{Actor, App, AppError, Owners};
use baton_domain::permission::Action;
use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};
use std::collections::HashSet;
use uuid::Uuid;

/// The kinds `search` covers, with their `search_documents.kind`.
pub const SEARCHABLE: [(NodeKind, &str); 7] = [
    (NodeKind::Lead, "LEAD"),
    (NodeKind::Account, "ACCOUNT"),
    (NodeKind::Contact, "CONTACT"),
    (NodeKind::Opportunity, "OPPORTUNITY"),
    (NodeKind::Contract, "CONTRACT"),
    (NodeKind::Invoice, "INVOICE"),
    (NodeKind::FeatureRequest, "FEATURE_REQUEST"),
];

/// Longest search text accepted.
pub const MAX_TEXT: usize = 200;
/// Default and largest page.
pub const DEFAULT_PAGE: usize = 20;
pub const MAX_PAGE: usize = 100;
/// At most this many candidates are read through the getters for one page: a caller who may
/// read few of the best matches gets a shorter page (with `hasNextPage`) rather than a slow one.
pub const MAX_CANDIDATES: usize = 500;

/// How many documents are ranked for one page (at least): the first found of those containing
/// the text, and again of those containing its words.
const POOL: usize = 300;
/// At most this many spellings stand for one typed word.
const SPELLINGS: usize = 3;
/// Words longer than this are not in the word list (migration 83).
const MAX_WORD: usize = 40;

/// One hit: the object, its score (higher is better; comparable within one search), a label,
/// and the cursor to continue after it.
#[derive(Debug, Clone)]
pub struct Hit {
    pub object: Object,
    pub score: f64,
    pub snippet: String,
    pub cursor: String,
}

/// A page of hits.
#[derive(Debug, Clone)]
pub struct SearchPage {
    pub hits: Vec<Hit>,
    pub has_next_page: bool,
}

struct Candidate {
    kind: NodeKind,
    id: Uuid,
    score: f64,
    title: String,
}

/// `text` as the search compares it: trimmed, lower-cased, 2 to `MAX_TEXT` characters.
fn normalize(text: &str) -> Result<String, AppError> {
    let t = text.trim().to_lowercase();
    let n = t.chars().count();
    if n < 2 {
        return Err(AppError::bad_input("text", "give at least 2 characters to search for"));
    }
    if n > MAX_TEXT {
        return Err(AppError::bad_input("text", format!("is longer than {MAX_TEXT} characters")));
    }
    Ok(t)
}

/// A `LIKE` pattern matching `t` anywhere, with `\` escaping LIKE's wildcards.
fn contains_pattern(t: &str) -> String {
    let mut p = String::with_capacity(t.len() + 2);
    p.push('%');
    for c in t.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

fn parse_cursor(after: Option<&str>) -> Result<usize, AppError> {
    match after {
        None => Ok(0),
        Some(c) => c
            .strip_prefix("search:")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| AppError::bad_input("after", "is not a cursor of this search")),
    }
}

impl App {
    /// `search(text, types, first, after)`.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn search(
        &self,
        actor: &Actor,
        text: &str,
        kinds: Option<&[NodeKind]>,
        first: Option<i32>,
        after: Option<&str>,
    ) -> Result<SearchPage, AppError> {
        let text = normalize(text)?;
        let first = match first {
            None => DEFAULT_PAGE,
            Some(n) if n >= 1 && (n as usize) <= MAX_PAGE => n as usize,
            Some(_) => return Err(AppError::bad_input("first", format!("must be between 1 and {MAX_PAGE}"))),
        };
        let mut offset = parse_cursor(after)?;
        let kinds: Vec<NodeKind> = match kinds {
            Some(k) if !k.is_empty() => SEARCHABLE.iter().map(|(k, _)| *k).filter(|s| k.contains(s)).collect(),
            _ => SEARCHABLE.iter().map(|(k, _)| *k).collect(),
        };
        let mut hits = Vec::new();
        let mut scanned = 0usize;
        let mut has_next_page = false;
        while hits.len() <= first && scanned < MAX_CANDIDATES {
            let want = (first + 1 - hits.len()).max(8).min(MAX_CANDIDATES - scanned);
            let batch = self.candidates(actor, &text, &kinds, offset, want).await?;
            let exhausted = batch.len() < want;
            let read = futures_read(self, actor, &batch).await?;
            for (c, object) in batch.into_iter().zip(read) {
                offset += 1;
                scanned += 1;
                let Some(object) = object else { continue };
                if hits.len() == first {
                    has_next_page = true;
                    break;
                }
                hits.push(Hit { object, score: c.score, snippet: c.title, cursor: format!("search:{offset}") });
            }
            if has_next_page || exhausted {
                break;
            }
            if scanned >= MAX_CANDIDATES {
                has_next_page = true;
            }
        }
        Ok(SearchPage { hits, has_next_page })
    }

    /// Up to `limit` candidates from `offset` in rank order (see the module's documentation).
    async fn candidates(
        &self,
        actor: &Actor,
        text: &str,
        kinds: &[NodeKind],
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Candidate>, AppError> {
        let Some(scope) = Scope::of(actor, text, kinds) else { return Ok(vec![]) };
        let typed = Typed::of(text);
        if self.db.get_database_backend() != DbBackend::Postgres {
            return ranked(&self.db, &scope, text, &typed, offset, limit).await;
        }
        // Each search's plan for its own values (a common text is best read in table order
        // until the pool is full, a rare one through the index), and the word list's trigram
        // matches down to the similarity a one-letter typo in a short word keeps. A read in
        // table order starts at the table's start: PostgreSQL would otherwise start a scan of
        // a large table where the last one stopped (synchronized scans), so the pool, and the
        // page a cursor continues, would depend on what ran before, and a scan starting among
        // rows the caller may not read took 120-225 ms where one from the start takes 15.
        let txn = self.db.begin().await?;
        txn.execute_unprepared(&format!(
            "SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL synchronize_seqscans = off; \
             SET LOCAL pg_trgm.similarity_threshold = {SPELLING_CANDIDATES}"
        ))
        .await?;
        let found = ranked(&txn, &scope, text, &typed, offset, limit).await?;
        txn.commit().await?;
        Ok(found)
    }
}

/// The page: the documents containing the text, and, when they do not reach the page, those
/// holding its words. On PostgreSQL a text of several words is found through its words (which
/// its exact matches have too) in one statement, the exact matches first, unless its last word
/// is too short to narrow the search.
async fn ranked<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    text: &str,
    typed: &Typed,
    offset: usize,
    limit: usize,
) -> Result<Vec<Candidate>, AppError> {
    let need = offset + limit;
    let by_words = db.get_database_backend() == DbBackend::Postgres
        && typed.words.len() >= 2
        && (!typed.open_end || typed.last_len() >= 3);
    let mut ranked = if by_words { Vec::new() } else { matches(db, scope, text, Find::Text, need).await? };
    if ranked.len() < need
        && let Some(terms) = spellings(db, scope.org, typed).await?
    {
        let find = Find::Words { terms: &terms, with_text: by_words };
        ranked.extend(matches(db, scope, text, find, need - ranked.len()).await?);
    }
    Ok(ranked.into_iter().skip(offset).take(limit).collect())
}

/// The words of a typed text (split where the word list splits: at every character that is
/// neither a letter nor a digit), and whether its last word may still be growing (the text
/// does not end between words).
struct Typed {
    words: Vec<String>,
    open_end: bool,
}

impl Typed {
    fn of(text: &str) -> Typed {
        let mut words: Vec<String> = Vec::new();
        for w in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
            if !words.iter().any(|k| k == w) {
                words.push(w.to_owned());
            }
        }
        Typed { words, open_end: text.chars().last().is_some_and(char::is_alphanumeric) }
    }

    fn last_len(&self) -> usize {
        self.words.last().map_or(0, |w| w.chars().count())
    }
}

/// One typed word as a document may hold it: one of `spellings`, whole or (`prefix`) as the
/// start of a word.
struct Term {
    spellings: Vec<String>,
    prefix: bool,
}

/// What a statement of `matches` looks for.
#[derive(Clone, Copy)]
enum Find<'a> {
    /// Documents containing the text.
    Text,
    /// Documents holding every term; `with_text` ranks those containing the text first (else
    /// they are left out, having been found by `Text`).
    Words { terms: &'a [Term], with_text: bool },
}

/// A word of the list may stand for a typed word when it is this close (Damerau–Levenshtein,
/// to the whole word or, for a word still being typed, to its start): none below 3 letters,
/// one edit up to 5, two beyond.
fn allowed_edits(len: usize) -> usize {
    match len {
        0..=2 => 0,
        3..=5 => 1,
        _ => 2,
    }
}

/// The least trigram similarity of the word list's words the database proposes for a typed
/// word (pg_trgm's `%`); the edit distance then decides.
const SPELLING_CANDIDATES: &str = "0.2";

/// The text's terms: a word is kept as typed when it is short, holds a digit, or is (the start
/// of, for the last word of an open text) a word of the organization's list; otherwise it is
/// replaced by the list's words within `allowed_edits` of it (the closest `SPELLINGS`). `None`
/// when a word has no spelling at all, so that no document can hold every word.
async fn spellings<C: ConnectionTrait>(db: &C, org: Uuid, typed: &Typed) -> Result<Option<Vec<Term>>, AppError> {
    let correctable = |w: &str| (3..=MAX_WORD).contains(&w.chars().count()) && !w.chars().any(|c| c.is_numeric());
    let sqlite = db.get_database_backend() == DbBackend::Sqlite;
    let mut proposed: Vec<Vec<String>> = vec![Vec::new(); typed.words.len()];
    if typed.words.iter().any(|w| correctable(w)) {
        let mut q = Sql::default();
        q.bind(org);
        let sql = if sqlite {
            // SQLite proposes the organization's whole list for every word.
            "SELECT word FROM search_words WHERE organization_id = $1".to_owned()
        } else {
            let mut parts = Vec::new();
            for (i, w) in typed.words.iter().enumerate().filter(|(_, w)| correctable(w)) {
                let (similar, starting) = (q.bind(w.clone()), q.bind(format!("{w}%")));
                parts.push(format!(
                    "SELECT {i} AS n, word FROM search_words WHERE organization_id = $1 \
                     AND (word % {similar} OR word LIKE {starting})"
                ));
            }
            parts.join(" UNION ALL ")
        };
        for r in db.query_all_raw(q.statement(db, &sql)).await? {
            let word: String = r.try_get("", "word")?;
            if sqlite {
                proposed.iter_mut().for_each(|p| p.push(word.clone()));
                continue;
            }
            let n: i32 = r.try_get("", "n")?;
            if let Some(p) = usize::try_from(n).ok().and_then(|i| proposed.get_mut(i)) {
                p.push(word);
            }
        }
    }
    let last = typed.words.len().saturating_sub(1);
    let mut terms = Vec::with_capacity(typed.words.len());
    for (i, (w, list)) in typed.words.iter().zip(proposed).enumerate() {
        let growing = typed.open_end && i == last;
        if !correctable(w) {
            terms.push(Term { spellings: vec![w.clone()], prefix: growing });
            continue;
        }
        if list.iter().any(|k| k == w) && !growing {
            terms.push(Term { spellings: vec![w.clone()], prefix: false });
            continue;
        }
        if list.iter().any(|k| k.starts_with(w.as_str())) {
            terms.push(Term { spellings: vec![w.clone()], prefix: true });
            continue;
        }
        let typed_chars: Vec<char> = w.chars().collect();
        let edits = allowed_edits(typed_chars.len());
        let mut close: Vec<(usize, String)> = list
            .into_iter()
            .filter_map(|k| {
                let d = edit_distance(&typed_chars, &k.chars().collect::<Vec<_>>(), growing);
                (d <= edits).then_some((d, k))
            })
            .collect();
        if close.is_empty() {
            return Ok(None);
        }
        close.sort();
        let spellings = close.into_iter().take(SPELLINGS).map(|(_, k)| k).collect();
        terms.push(Term { spellings, prefix: growing });
    }
    Ok(Some(terms))
}

/// The optimal-string-alignment distance (Damerau–Levenshtein without repeated edits of one
/// substring) from `a` to `b`, or, with `to_start`, to the closest start of `b`.
fn edit_distance(a: &[char], b: &[char], to_start: bool) -> usize {
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    if to_start { d[n].iter().copied().min().unwrap_or(n) } else { d[n][m] }
}

/// The best `n` documents in the scope that `find` finds, ranked among the first
/// `max(n, POOL)` found. A document containing the text scores `(1 + s) / 2`, any other `s / 2`,
/// where `s` is the text's word similarity to the document, so every exact match ranks above
/// every word match.
async fn matches<C: ConnectionTrait>(
    db: &C,
    scope: &Scope,
    text: &str,
    find: Find<'_>,
    n: usize,
) -> Result<Vec<Candidate>, AppError> {
    let pool = n.max(POOL);
    let mut q = scope.sql.clone();
    let sqlite = db.get_database_backend() == DbBackend::Sqlite;
    let filter = &scope.filter;
    let contains = |body: &str| format!("{body} LIKE $2 ESCAPE '\\'");
    if sqlite {
        // FTS5's trigram index finds substrings of 3 characters or more; shorter ones are
        // tested with LIKE.
        let mut conditions = Vec::new();
        let mut fts = Vec::new();
        match find {
            Find::Text => {
                conditions.push(contains("d.body"));
                if text.chars().count() >= 3 {
                    fts.push(format!("\"{}\"", text.replace('"', "\"\"")));
                }
            }
            Find::Words { terms, .. } => {
                conditions.push(format!("NOT ({})", contains("d.body")));
                for t in terms {
                    if t.spellings.iter().all(|w| w.chars().count() >= 3) {
                        let any: Vec<String> = t.spellings.iter().map(|w| format!("\"{w}\"")).collect();
                        fts.push(format!("({})", any.join(" OR ")));
                    } else {
                        let any: Vec<String> = t
                            .spellings
                            .iter()
                            .map(|w| format!("d.body LIKE {} ESCAPE '\\'", q.bind(contains_pattern(w))))
                            .collect();
                        conditions.push(format!("({})", any.join(" OR ")));
                    }
                }
            }
        }
        let conditions = conditions.join(" AND ");
        let sql = if fts.is_empty() {
            format!(
                "SELECT d.entity_id, d.kind, d.title, d.body FROM search_documents d \
                 WHERE {conditions} AND {filter} LIMIT {pool}"
            )
        } else {
            let m = q.bind(fts.join(" AND "));
            format!(
                "SELECT d.entity_id, d.kind, d.title, d.body \
                 FROM search_fts CROSS JOIN search_documents d ON d.doc_id = search_fts.rowid \
                 WHERE search_fts MATCH {m} AND {conditions} AND {filter} LIMIT {pool}"
            )
        };
        let rows = db.query_all_raw(q.statement(db, &sql)).await?;
        let wanted = trigrams(text);
        let base = if matches!(find, Find::Text) { 1.0 } else { 0.0 };
        let mut scored = Vec::with_capacity(rows.len());
        for r in &rows {
            let body: String = r.try_get("", "body")?;
            scored.push(candidate(r, (base + share_of(&wanted, &body)) / 2.0)?);
        }
        scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        scored.truncate(n);
        return Ok(scored);
    }
    let (condition, exact) = match find {
        Find::Text => (contains("d.body"), "1.0".to_owned()),
        Find::Words { terms, with_text } => {
            let query: Vec<String> = terms
                .iter()
                .map(|t| {
                    let star = if t.prefix { ":*" } else { "" };
                    let any: Vec<String> = t.spellings.iter().map(|w| format!("{w}{star}")).collect();
                    format!("({})", any.join(" | "))
                })
                .collect();
            let words = format!("baton_search_vector(d.body) @@ to_tsquery('simple', {})", q.bind(query.join(" & ")));
            if with_text {
                (words, format!("CASE WHEN {} THEN 1.0 ELSE 0.0 END", contains("body")))
            } else {
                (format!("{words} AND NOT ({})", contains("d.body")), "0.0".to_owned())
            }
        }
    };
    let t = q.bind(text);
    let sql = format!(
        "SELECT entity_id, kind, title, ({exact} + word_similarity({t}, body)) / 2.0 AS score \
         FROM (SELECT d.entity_id, d.kind, d.title, d.body FROM search_documents d \
               WHERE {condition} AND {filter} LIMIT {pool}) AS found \
         ORDER BY score DESC, entity_id LIMIT {n}"
    );
    let rows = db.query_all_raw(q.statement(db, &sql)).await?;
    rows.iter().map(|r| candidate(r, r.try_get("", "score")?)).collect()
}

/// The documents a caller may find: the organization, the kinds asked for, and for leads and
/// opportunities the owners the caller reads. `$1` is the organization, `$2` the text as a
/// substring pattern.
struct Scope {
    org: Uuid,
    filter: String,
    sql: Sql,
}

impl Scope {
    /// `None` when the caller can find nothing of the kinds asked for.
    fn of(actor: &Actor, text: &str, kinds: &[NodeKind]) -> Option<Scope> {
        // Kinds whose owner scope is empty are left out; the others filtered by owner.
        let mut q = Sql::default();
        q.bind(actor.org_id);
        q.bind(contains_pattern(text));
        let mut kind_names = Vec::new();
        let mut scoped = Vec::new();
        for (kind, name) in SEARCHABLE.iter().filter(|(k, _)| kinds.contains(k)) {
            let owners = match kind {
                NodeKind::Lead => Some(actor.readable(Action::ReadLead)),
                NodeKind::Opportunity => Some(actor.readable(Action::ReadOpportunity)),
                _ => None,
            };
            if let Some(Owners::Only(ids)) = &owners {
                if ids.is_empty() {
                    continue;
                }
                let marks: Vec<String> = ids.iter().map(|id| q.bind(*id)).collect();
                scoped.push(format!("(d.kind <> '{name}' OR d.owner_id IN ({}))", marks.join(", ")));
            }
            kind_names.push(format!("'{name}'"));
        }
        if kind_names.is_empty() {
            return None;
        }
        let mut filter = format!("d.organization_id = $1 AND d.kind IN ({})", kind_names.join(", "));
        for s in scoped {
            filter.push_str(" AND ");
            filter.push_str(&s);
        }
        Some(Scope { org: actor.org_id, filter, sql: q })
    }
}

fn candidate(r: &sea_orm::QueryResult, score: f64) -> Result<Candidate, AppError> {
    let kind: String = r.try_get("", "kind")?;
    let kind = SEARCHABLE
        .iter()
        .find(|(_, n)| *n == kind)
        .map(|(k, _)| *k)
        .ok_or_else(|| anyhow::anyhow!("search_documents holds an unknown kind {kind:?}"))?;
    Ok(Candidate { kind, id: r.try_get("", "entity_id")?, score, title: r.try_get("", "title")? })
}

/// pg_trgm's trigrams of `s`: per word (a run of letters and digits), lower-cased and padded
/// with two spaces before and one after.
fn trigrams(s: &str) -> HashSet<String> {
    let mut out = HashSet::new();
    for word in s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let padded: Vec<char> = format!("  {} ", word.to_lowercase()).chars().collect();
        for w in padded.windows(3) {
            out.insert(w.iter().collect());
        }
    }
    out
}

/// The share of `wanted`'s trigrams that `body` has (0 when `wanted` has none).
fn share_of(wanted: &HashSet<String>, body: &str) -> f64 {
    if wanted.is_empty() {
        return 0.0;
    }
    let have = trigrams(body);
    wanted.intersection(&have).count() as f64 / wanted.len() as f64
}

/// Reads each candidate through its kind's getter, side by side; `None` for one the caller
/// may not read.
async fn futures_read(app: &App, actor: &Actor, batch: &[Candidate]) -> Result<Vec<Option<Object>>, AppError> {
    let mut set = tokio::task::JoinSet::new();
    for (i, c) in batch.iter().enumerate() {
        let (app, actor, kind, id) = (app.clone(), actor.clone(), c.kind, c.id);
        set.spawn(async move { (i, app.read_object(&actor, kind, id).await) });
    }
    let mut out: Vec<Option<Object>> = vec![None; batch.len()];
    while let Some(joined) = set.join_next().await {
        let (i, read) = joined.map_err(|e| anyhow::anyhow!("a search read stopped: {e}"))?;
        match read {
            Ok(o) => out[i] = Some(o),
            Err(AppError::NotFound(_) | AppError::Forbidden(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}
