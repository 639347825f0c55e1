//! The audit log: one row per change, written in the same transaction as the change, chained
//! by hash per organization. Before/after snapshots live in an erasable payload row that the
//! chain covers by its digest.

use crate::Actor;
use crate::kernel::actor::Principal;
use crate::{App, AppError};
use baton_domain::chain::{self, Link};
use baton_store::entity::{audit_log, audit_payload};
use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

/// Who acted, for the audit log.
#[derive(Debug, Clone, Copy)]
pub struct AuditActor {
    pub id: Option<Uuid>,
    pub kind: &'static str,
}

impl From<&Actor> for AuditActor {
    fn from(a: &Actor) -> Self {
        match a.principal {
            Principal::User(id) => AuditActor { id: Some(id), kind: "user" },
            Principal::ApiToken(id) => AuditActor { id: Some(id), kind: "api_token" },
        }
    }
}

impl AuditActor {
    /// Operator commands and the scheduler (`baton org create`, `baton seed`, jobs).
    pub const SYSTEM: AuditActor = AuditActor { id: None, kind: "system" };
}

fn snapshot<T: Serialize>(v: Option<&T>) -> serde_json::Value {
    v.and_then(|v| serde_json::to_value(v).ok()).unwrap_or(serde_json::Value::Null)
}

/// The canonical text of a payload (serde_json sorts object keys).
fn canonical(before: &serde_json::Value, after: &serde_json::Value) -> String {
    json!({ "before": before, "after": after }).to_string()
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn actor_text(kind: &str, id: Option<Uuid>) -> String {
    format!("{kind}:{}", id.map(|i| i.to_string()).unwrap_or_default())
}

fn link<'a>(row: &'a audit_log::Model, org: &'a str, actor: &'a str, entity: &'a str, at: &'a str) -> Link<'a> {
    Link {
        seq: row.seq.unwrap_or(0),
        organization_id: org,
        actor,
        action: &row.action,
        entity_type: &row.entity_type,
        entity_id: entity,
        created_at: at,
        payload_digest: row.payload_digest.as_deref().unwrap_or(""),
    }
}

/// Wakes the sealer: a transaction has written rows that wait for their place in the chain.
static PENDING: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// One change to audit: what was done to which entity, with its before/after snapshots.
#[derive(Debug, Clone)]
pub struct Entry {
    pub action: String,
    pub entity_type: &'static str,
    pub entity_id: Uuid,
    pub before: serde_json::Value,
    pub after: serde_json::Value,
}

impl Entry {
    pub fn new<B: Serialize, A: Serialize>(
        action: &str,
        entity_type: &'static str,
        entity_id: Uuid,
        before: Option<&B>,
        after: Option<&A>,
    ) -> Self {
        Entry { action: action.to_owned(), entity_type, entity_id, before: snapshot(before), after: snapshot(after) }
    }
}

/// Writes one audit row: who did what to which entity, with before/after snapshots. The row is
/// written unsealed, in the caller's transaction and without taking any lock; [`App::seal_audit`]
/// gives it its place in the organization's chain once it has committed.
#[allow(clippy::too_many_arguments)] // each argument is one column of the row; a struct would only rename them
pub async fn record<C: ConnectionTrait, B: Serialize, A: Serialize>(
    conn: &C,
    org_id: Uuid,
    actor: impl Into<AuditActor>,
    action: &str,
    entity_type: &str,
    entity_id: Uuid,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<(), DbErr> {
    let (b, a) = (snapshot(before), snapshot(after));
    let row = unsealed(org_id, actor.into(), action, entity_type, entity_id, &b, &a);
    let id = row.id;
    audit_log::ActiveModel::from(row).reset_all().insert(conn).await?;
    payload(org_id, id, b, a).insert(conn).await?;
    PENDING.notify_one();
    Ok(())
}

/// How an audited write ends: its audit row, written in the write's own transaction, then the
/// commit. It takes the transaction, so it is the last step of the use case: nothing is written
/// after the audit row, and the change cannot commit without it.
pub async fn commit(txn: DatabaseTransaction, actor: &Actor, entry: Entry) -> Result<(), AppError> {
    record_all(&txn, actor.org_id, actor, vec![entry]).await?;
    txn.commit().await?;
    Ok(())
}

/// Audit rows written by one statement each (for the log and the payloads) at most: within
/// both engines' limits on bound parameters.
const RECORD_BATCH: usize = 500;

/// Writes the audit rows of many changes by one actor, as [`record`] writes each, with a few
/// multi-row statements instead of two per change (imports).
pub async fn record_all<C: ConnectionTrait>(
    conn: &C,
    org_id: Uuid,
    actor: impl Into<AuditActor>,
    entries: Vec<Entry>,
) -> Result<(), DbErr> {
    let actor = actor.into();
    let mut entries = entries.into_iter().peekable();
    while entries.peek().is_some() {
        let mut logs = Vec::with_capacity(RECORD_BATCH);
        let mut payloads = Vec::with_capacity(RECORD_BATCH);
        for e in entries.by_ref().take(RECORD_BATCH) {
            let row = unsealed(org_id, actor, &e.action, e.entity_type, e.entity_id, &e.before, &e.after);
            payloads.push(payload(org_id, row.id, e.before, e.after));
            logs.push(audit_log::ActiveModel::from(row).reset_all());
        }
        audit_log::Entity::insert_many(logs).exec(conn).await?;
        audit_payload::Entity::insert_many(payloads).exec(conn).await?;
    }
    PENDING.notify_one();
    Ok(())
}

/// An audit row as a use case writes it: without its place in the chain, with its payload's digest.
fn unsealed(
    org_id: Uuid,
    actor: AuditActor,
    action: &str,
    entity_type: &str,
    entity_id: Uuid,
    before: &serde_json::Value,
    after: &serde_json::Value,
) -> audit_log::Model {
    audit_log::Model {
        id: Uuid::now_v7(),
        organization_id: org_id,
        actor_id: actor.id,
        actor_kind: actor.kind.to_owned(),
        action: action.to_owned(),
        entity_type: entity_type.to_owned(),
        entity_id,
        before: None,
        after: None,
        request_id: None,
        created_at: Utc::now().trunc_subsecs(6),
        seq: None,
        prev_hash: None,
        hash: None,
        payload_digest: Some(chain::digest(&canonical(before, after))),
    }
}

fn payload(
    org_id: Uuid,
    audit_id: Uuid,
    before: serde_json::Value,
    after: serde_json::Value,
) -> audit_payload::ActiveModel {
    audit_payload::ActiveModel {
        audit_id: Set(audit_id),
        organization_id: Set(org_id),
        before: Set(Some(before)),
        after: Set(Some(after)),
        erased_at: Set(None),
    }
}

/// A row's place in the chain: its id, seq, previous hash and hash.
type Sealed = (Uuid, i64, String, String);

/// Rows one sealing transaction chains at most.
const SEAL_BATCH: u64 = 500;

/// How long the sealer waits after being woken, so the transaction that woke it has committed
/// and its neighbours are sealed in the same batch.
const SEAL_GATHER: std::time::Duration = std::time::Duration::from_millis(5);

/// How often the sealer looks for pending rows without being woken (rows written by another
/// instance or by a command-line run).
const SEAL_INTERVAL: std::time::Duration = std::time::Duration::from_millis(500);

impl App {
    /// Chains every committed, unsealed audit row (rows from before the chain existed have no
    /// payload digest and stay outside it): per organization, oldest first, each gets the
    /// next `seq`, the previous row's hash and its own hash, and the organization's counter
    /// moves to the last. Sealers serialize on the organization row, so two instances never give
    /// out one place twice. Returns how many rows were sealed.
    #[tracing::instrument(skip_all)]
    pub async fn seal_audit(&self) -> Result<usize, DbErr> {
        use sea_orm::QuerySelect;
        let orgs: Vec<Uuid> = audit_log::Entity::find()
            .select_only()
            .column(audit_log::Column::OrganizationId)
            .filter(audit_log::Column::Seq.is_null())
            .filter(audit_log::Column::PayloadDigest.is_not_null())
            .distinct()
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut sealed = 0;
        for org in orgs {
            loop {
                let n = self.seal_batch(org).await?;
                sealed += n;
                if n < SEAL_BATCH as usize {
                    break;
                }
            }
        }
        Ok(sealed)
    }

    /// Seals up to [`SEAL_BATCH`] of one organization's pending rows in one transaction.
    async fn seal_batch(&self, org_id: Uuid) -> Result<usize, DbErr> {
        use baton_store::entity::organization;
        use sea_orm::QuerySelect;
        use sea_orm::sea_query::Expr;
        let txn = self.tx().await?;
        // The first write: it holds the organization row until commit, so sealers queue here.
        organization::Entity::update_many()
            .col_expr(organization::Column::AuditSeq, Expr::col(organization::Column::AuditSeq))
            .filter(organization::Column::Id.eq(org_id))
            .exec(&txn)
            .await?;
        let Some(org) = organization::Entity::find_by_id(org_id).one(&txn).await? else {
            return Ok(0);
        };
        let pending = audit_log::Entity::find()
            .filter(audit_log::Column::OrganizationId.eq(org_id))
            .filter(audit_log::Column::Seq.is_null())
            .filter(audit_log::Column::PayloadDigest.is_not_null())
            .order_by_asc(audit_log::Column::Id)
            .limit(SEAL_BATCH)
            .all(&txn)
            .await?;
        if pending.is_empty() {
            return Ok(0);
        }
        let mut prev = match org.audit_seq {
            0 => String::new(),
            head => audit_log::Entity::find()
                .filter(audit_log::Column::OrganizationId.eq(org_id))
                .filter(audit_log::Column::Seq.eq(head))
                .one(&txn)
                .await?
                .and_then(|r| r.hash)
                .unwrap_or_default(),
        };
        let mut seq = org.audit_seq;
        let org_text = org_id.to_string();
        let mut links = Vec::with_capacity(pending.len());
        for mut row in pending.iter().cloned() {
            seq += 1;
            row.seq = Some(seq);
            let (who, entity, at) =
                (actor_text(&row.actor_kind, row.actor_id), row.entity_id.to_string(), stamp(row.created_at));
            let hash = chain::hash(&prev, &link(&row, &org_text, &who, &entity, &at));
            links.push((row.id, seq, std::mem::replace(&mut prev, hash.clone()), hash));
        }
        // One statement for the batch: each column is a CASE over the rows' ids.
        let case = |value: &dyn Fn(&Sealed) -> sea_orm::Value| {
            let mut c = sea_orm::sea_query::CaseStatement::new();
            for l in &links {
                c = c.case(audit_log::Column::Id.eq(l.0), Expr::val(value(l)));
            }
            c
        };
        audit_log::Entity::update_many()
            .col_expr(audit_log::Column::Seq, case(&|l| l.1.into()).into())
            .col_expr(audit_log::Column::PrevHash, case(&|l| l.2.clone().into()).into())
            .col_expr(audit_log::Column::Hash, case(&|l| l.3.clone().into()).into())
            .filter(audit_log::Column::Id.is_in(links.iter().map(|l| l.0)))
            .filter(audit_log::Column::Seq.is_null())
            .exec(&txn)
            .await?;
        let sealed: Vec<(audit_log::Model, i64)> = pending.iter().cloned().zip(links.iter().map(|l| l.1)).collect();
        crate::kernel::hooks::fan_out(&txn, org_id, &sealed).await?;
        organization::Entity::update_many()
            .col_expr(organization::Column::AuditSeq, Expr::value(seq))
            .filter(organization::Column::Id.eq(org_id))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(pending.len())
    }

    /// Starts the sealer: woken by every audited write (and every [`SEAL_INTERVAL`] for rows
    /// written elsewhere), it chains what has committed. A failed round is retried on the next.
    pub fn spawn_sealer(&self) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            let mut failures = 0_u32;
            loop {
                tokio::select! {
                    _ = PENDING.notified() => {}
                    _ = tokio::time::sleep(SEAL_INTERVAL) => {}
                }
                tokio::time::sleep(SEAL_GATHER).await;
                match app.seal_audit().await {
                    Ok(_) => failures = 0,
                    Err(e) => {
                        failures += 1;
                        if failures == 1 {
                            tracing::warn!(error = %crate::kernel::error::chain(&e), "sealing audit rows failed; retrying with backoff");
                        }
                        // While the database is away, try less and less often (up to 30 s).
                        tokio::time::sleep(SEAL_INTERVAL * 2_u32.pow(failures.min(6))).await;
                    }
                }
            }
        })
    }
}

/// The payloads of some audit rows, by row id.
async fn payloads_of<C: ConnectionTrait>(
    db: &C,
    rows: &[audit_log::Model],
) -> Result<std::collections::HashMap<Uuid, audit_payload::Model>, DbErr> {
    Ok(audit_payload::Entity::find()
        .filter(audit_payload::Column::AuditId.is_in(rows.iter().map(|r| r.id)))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.audit_id, p))
        .collect())
}

/// What `baton audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every chained row checks out.
    Intact { rows: usize, organizations: usize },
    /// The first row that does not.
    Broken { organization: Uuid, seq: i64, id: Uuid, reason: String },
}

impl App {
    /// Checks every organization's chain: each row's link to its predecessor, its own hash, and
    /// (unless erased) its payload's digest; a chain starts at seq 1 and ends at the
    /// organization's counter. Pending rows are sealed first. Names the first broken row.
    #[tracing::instrument(skip_all)]
    pub async fn verify_audit(&self) -> Result<Verdict, AppError> {
        self.verify_chains(None).await
    }

    /// `auditChainVerification` (ADMIN, LEGAL, PRIVACY_OFFICER): the caller's own chain.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn verify_own_audit(&self, actor: &Actor) -> Result<Verdict, AppError> {
        actor.authorize(baton_domain::Action::ReadAuditLog)?;
        self.verify_chains(Some(actor.org_id)).await
    }

    /// Walks each organization's chain in pages of [`VERIFY_PAGE`] rows, so memory stays bounded.
    async fn verify_chains(&self, only: Option<Uuid>) -> Result<Verdict, AppError> {
        use baton_store::entity::organization;
        use sea_orm::QuerySelect;
        // What has committed but not yet been chained is chained first, so it is verified too.
        self.seal_audit().await?;
        let mut orgs = organization::Entity::find().order_by_asc(organization::Column::Id);
        if let Some(o) = only {
            orgs = orgs.filter(organization::Column::Id.eq(o));
        }
        let (mut rows, mut chains) = (0, 0);
        for o in orgs.all(&self.db).await? {
            let (mut next, mut prev_hash, mut last_id) = (1_i64, String::new(), Uuid::nil());
            loop {
                let page = audit_log::Entity::find()
                    .filter(audit_log::Column::OrganizationId.eq(o.id))
                    .filter(audit_log::Column::Seq.gte(next))
                    .order_by_asc(audit_log::Column::Seq)
                    .limit(VERIFY_PAGE)
                    .all(&self.db)
                    .await?;
                if page.is_empty() {
                    break;
                }
                let payloads = payloads_of(&self.db, &page).await?;
                for r in &page {
                    let seq = r.seq.unwrap_or(0);
                    let broken = |reason: String| Verdict::Broken { organization: o.id, seq, id: r.id, reason };
                    if seq != next {
                        return Ok(broken(if next == 1 {
                            format!("the chain starts at {seq}: the rows before it are missing")
                        } else {
                            format!("sequence jumps from {} to {seq}: a row is missing", next - 1)
                        }));
                    }
                    if r.prev_hash.as_deref().unwrap_or("") != prev_hash {
                        return Ok(broken("its link to the previous row does not match".into()));
                    }
                    let (org, who, entity, at) = (
                        r.organization_id.to_string(),
                        actor_text(&r.actor_kind, r.actor_id),
                        r.entity_id.to_string(),
                        stamp(r.created_at),
                    );
                    let recomputed = chain::hash(&prev_hash, &link(r, &org, &who, &entity, &at));
                    if r.hash.as_deref() != Some(recomputed.as_str()) {
                        return Ok(broken("its contents do not match its hash".into()));
                    }
                    match payloads.get(&r.id) {
                        Some(p) if p.erased_at.is_none() => {
                            let text = canonical(
                                p.before.as_ref().unwrap_or(&serde_json::Value::Null),
                                p.after.as_ref().unwrap_or(&serde_json::Value::Null),
                            );
                            if Some(chain::digest(&text)) != r.payload_digest {
                                return Ok(broken("its before/after snapshot was altered".into()));
                            }
                        }
                        Some(_) => {}
                        None => return Ok(broken("its before/after snapshot is missing".into())),
                    }
                    prev_hash = recomputed;
                    last_id = r.id;
                    next += 1;
                    rows += 1;
                }
            }
            // The newest rows: the chain ends where the organization's counter stands.
            if next - 1 != o.audit_seq {
                return Ok(Verdict::Broken {
                    organization: o.id,
                    seq: next,
                    id: last_id,
                    reason: format!(
                        "the chain ends at {} but {} rows were written: the newest are missing",
                        next - 1,
                        o.audit_seq
                    ),
                });
            }
            if next > 1 {
                chains += 1;
            }
        }
        Ok(Verdict::Intact { rows, organizations: chains })
    }

    /// `auditLog` (ADMIN, LEGAL): the organization's audit rows with their snapshots, newest
    /// first, filtered by actor, entity, action and time.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn audit_entries(
        &self,
        actor: &Actor,
        filter: AuditFilter,
        req: crate::kernel::page::PageRequest,
    ) -> Result<crate::kernel::page::Page<(audit_log::Model, Option<audit_payload::Model>)>, AppError> {
        use sea_orm::QuerySelect;
        actor.authorize(baton_domain::Action::ReadAuditLog)?;
        self.seal_audit().await?;
        let q = filter.query(actor.org_id);
        let total = crate::kernel::page::total(&q, &req, &self.db).await?;
        let mut q = q.order_by_desc(audit_log::Column::Id);
        if let Some(after) = req.after {
            q = q.filter(audit_log::Column::Id.lt(after));
        }
        let rows = q.limit(req.first + 1).all(&self.db).await?;
        let payloads = payloads_of(&self.db, &rows).await?;
        let items = rows.into_iter().map(|r| {
            let p = payloads.get(&r.id).cloned();
            (r, p)
        });
        Ok(crate::kernel::page::Page::from_fetched(items.collect(), req, total))
    }
}

/// Rows `baton audit verify` reads at a time.
const VERIFY_PAGE: u64 = 1_000;

/// The most rows one `exportAuditLog` returns.
pub const EXPORT_LIMIT: u64 = 10_000;

impl App {
    /// `exportAuditLog` (ADMIN, LEGAL, PRIVACY_OFFICER): the filtered audit rows with their
    /// snapshots, oldest first, as JSON. Snapshots hold personal data, so the export itself is
    /// audited: who exported which filter and how many rows.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn export_audit(&self, actor: &Actor, filter: AuditFilter) -> Result<serde_json::Value, AppError> {
        use sea_orm::QuerySelect;
        actor.authorize(baton_domain::Action::ReadAuditLog)?;
        self.seal_audit().await?;
        let q = filter.query(actor.org_id);
        let txn = self.tx().await?;
        let rows = q.order_by_asc(audit_log::Column::Id).limit(EXPORT_LIMIT).all(&txn).await?;
        let payloads = payloads_of(&txn, &rows).await?;
        let out: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                let p = payloads.get(&r.id);
                json!({
                    "id": r.id, "seq": r.seq, "at": r.created_at, "actorKind": r.actor_kind, "actorId": r.actor_id,
                    "action": r.action, "entityType": r.entity_type, "entityId": r.entity_id, "hash": r.hash,
                    "prevHash": r.prev_hash, "payloadDigest": r.payload_digest,
                    "before": p.and_then(|p| p.before.clone()), "after": p.and_then(|p| p.after.clone()),
                    "erasedAt": p.and_then(|p| p.erased_at),
                })
            })
            .collect();
        let logged = json!({
            "rows": out.len(), "actorId": filter.actor_id, "entityId": filter.entity_id, "action": filter.action,
            "from": filter.from, "to": filter.to,
        });
        record(&txn, actor.org_id, actor, "exportAuditLog", "audit_log", actor.org_id, None::<&()>, Some(&logged))
            .await?;
        txn.commit().await?;
        Ok(serde_json::Value::Array(out))
    }
}

/// Filters of `auditLog` and `exportAuditLog`.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_id: Option<Uuid>,
    pub entity_id: Option<Uuid>,
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

impl AuditFilter {
    /// The organization's audit rows that pass the filter.
    fn query(&self, org: Uuid) -> sea_orm::Select<audit_log::Entity> {
        let mut q = audit_log::Entity::find().filter(audit_log::Column::OrganizationId.eq(org));
        if let Some(a) = self.actor_id {
            q = q.filter(audit_log::Column::ActorId.eq(a));
        }
        if let Some(e) = self.entity_id {
            q = q.filter(audit_log::Column::EntityId.eq(e));
        }
        if let Some(a) = &self.action {
            q = q.filter(audit_log::Column::Action.eq(a.clone()));
        }
        if let Some(f) = self.from {
            q = q.filter(audit_log::Column::CreatedAt.gte(f));
        }
        if let Some(t) = self.to {
            q = q.filter(audit_log::Column::CreatedAt.lt(t));
        }
        q
    }
}
