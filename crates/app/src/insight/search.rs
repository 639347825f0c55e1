//! `search`: one ranked list over leads, accounts, contacts, opportunities, contracts, invoices
//! and feature requests.
//!
//! The database finds and ranks candidates in `search_documents` (kept in step with the
//! objects' tables by triggers, see migration 33): on PostgreSQL by trigram word similarity
//! (`pg_trgm`), on SQLite by FTS5's trigram index and bm25, an exact substring ranking first on
//! both. Leads and opportunities outside the caller's owner scope are left out in SQL; every
//! remaining candidate is then read through its kind's own getter, so a hit the caller may not
//! read does not exist, and a hit shows what that getter shows.

use crate::insight::node::{NodeKind, Object};
use crate::{Actor, App, AppError, Owners};
use baton_domain::permission::Action;
use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait, Value};
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

/// The least similarity of a fuzzy match (pg_trgm's word-similarity threshold on PostgreSQL,
/// whose default of 0.6 refuses most one-letter typos in short names).
const FUZZY_THRESHOLD: &str = "0.4";
const FUZZY_THRESHOLD_VALUE: f64 = 0.4;
/// How many exact and how many fuzzy matches PostgreSQL ranks for one page (at least).
const PG_POOL: usize = 1000;
/// How many trigram matches SQLite scores for one page.
const SQLITE_POOL: usize = 1000;

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

/// FTS5's query for any trigram of `t` (each a quoted string), or `None` below 3 characters.
fn trigram_query(t: &str) -> Option<String> {
    let chars: Vec<char> = t.chars().collect();
    let grams: Vec<String> = chars
        .windows(3)
        .map(|w| w.iter().collect::<String>())
        .filter(|g| !g.trim().is_empty())
        .map(|g| format!("\"{}\"", g.replace('"', "\"\"")))
        .collect();
    (!grams.is_empty()).then(|| grams.join(" OR "))
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

    /// Up to `limit` candidates from `offset` in rank order.
    async fn candidates(
        &self,
        actor: &Actor,
        text: &str,
        kinds: &[NodeKind],
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Candidate>, AppError> {
        // Kinds whose owner scope is empty are left out; the others filtered by owner.
        let mut values: Vec<Value> = vec![actor.org_id.into(), contains_pattern(text).into()];
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
                let mut marks = Vec::new();
                for id in ids {
                    values.push((*id).into());
                    marks.push(format!("${}", values.len()));
                }
                scoped.push(format!("(d.kind <> '{name}' OR d.owner_id IN ({}))", marks.join(", ")));
            }
            kind_names.push(format!("'{name}'"));
        }
        if kind_names.is_empty() {
            return Ok(vec![]);
        }
        let mut filter = format!("d.organization_id = $1 AND d.kind IN ({})", kind_names.join(", "));
        for s in scoped {
            filter.push_str(" AND ");
            filter.push_str(&s);
        }
        let exact = "CASE WHEN d.body LIKE $2 ESCAPE '\\' THEN 1.0 ELSE 0.0 END";
        if self.db.get_database_backend() == DbBackend::Sqlite {
            return self.sqlite_candidates(text, &filter, values, exact, offset, limit).await;
        }
        // Exact substrings rank above every fuzzy match (score at least 0.5 against at most 0.5),
        // so each set is gathered on its own, bounded, and the fuzzy one only when the exact
        // matches do not fill the page. Ranking a bounded set keeps a broad text (a company
        // name fifty thousand leads share) as quick as a rare one; among more than `pool`
        // exact matches, which all contain the text, the page is ranked among the first found.
        let fz = values.len() + 1;
        let need = offset + limit;
        let pool = need.max(PG_POOL);
        let sql = format!(
            "WITH exact AS MATERIALIZED (SELECT d.entity_id, d.kind, d.title, d.body FROM search_documents d \
               WHERE d.body LIKE $2 ESCAPE '\\' AND {filter} LIMIT {pool}), \
             fuzzy AS MATERIALIZED (SELECT d.entity_id, d.kind, d.title, d.body FROM search_documents d \
               WHERE ${fz} <% d.body AND NOT (d.body LIKE $2 ESCAPE '\\') AND {filter} \
               AND (SELECT count(*) FROM exact) < {need} LIMIT {pool}) \
             SELECT entity_id, kind, title, (1.0 + word_similarity(${fz}, body)) / 2.0 AS score FROM exact \
             UNION ALL \
             SELECT entity_id, kind, title, word_similarity(${fz}, body) / 2.0 AS score FROM fuzzy \
             ORDER BY score DESC, entity_id LIMIT {limit} OFFSET {offset}"
        );
        values.push(text.into());
        let txn = self.db.begin().await?;
        txn.execute_unprepared(&format!("SET LOCAL pg_trgm.word_similarity_threshold = {FUZZY_THRESHOLD}")).await?;
        let rows = txn.query_all_raw(crate::kernel::sql::statement(&txn, &sql, values)).await?;
        txn.commit().await?;
        rows.iter().map(|r| candidate(r, r.try_get("", "score")?)).collect()
    }

    /// SQLite: FTS5's trigram index finds the documents sharing a trigram with the text (the
    /// best `SQLITE_POOL` by bm25); they are then scored as PostgreSQL would (the share of the
    /// text's word trigrams the document has, at least `FUZZY_THRESHOLD`, an exact substring
    /// first) and the page cut from that order. Below 3 characters only substrings match.
    async fn sqlite_candidates(
        &self,
        text: &str,
        filter: &str,
        mut values: Vec<Value>,
        exact: &str,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<Candidate>, AppError> {
        let sql = match trigram_query(text) {
            Some(q) => {
                values.push(q.into());
                format!(
                    "SELECT d.entity_id, d.kind, d.title, d.body, {exact} AS exact \
                     FROM search_fts JOIN search_documents d ON d.doc_id = search_fts.rowid \
                     WHERE search_fts MATCH ${} AND {filter} ORDER BY bm25(search_fts) LIMIT {SQLITE_POOL}",
                    values.len()
                )
            }
            None => format!(
                "SELECT d.entity_id, d.kind, d.title, d.body, 1.0 AS exact FROM search_documents d \
                 WHERE d.body LIKE $2 ESCAPE '\\' AND {filter} LIMIT {SQLITE_POOL}"
            ),
        };
        let rows = self.db.query_all_raw(crate::kernel::sql::statement(&self.db, &sql, values)).await?;
        let wanted = trigrams(text);
        let mut scored = Vec::with_capacity(rows.len());
        for r in &rows {
            let exact: f64 = r.try_get("", "exact")?;
            let body: String = r.try_get("", "body")?;
            let share = share_of(&wanted, &body);
            if exact > 0.0 || share >= FUZZY_THRESHOLD_VALUE {
                scored.push(candidate(r, (exact + share) / 2.0)?);
            }
        }
        scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
        Ok(scored.into_iter().skip(offset).take(limit).collect())
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
