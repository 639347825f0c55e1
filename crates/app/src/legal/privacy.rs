//! Data-subject rights (GDPR, China's PIPL), handled by the privacy officer.
//!
//! A request names a person by e-mail address and is due 30 days after it was received.
//! **Export** gathers everything Baton holds about the person, as JSON: the leads and contacts
//! with that address, what hangs off them (consents, activities, e-mail, cadences, tasks, their
//! audit trail) and every free-text mention of the person elsewhere. A PIPL subject's data leaves
//! its jurisdiction only with a recorded cross-border basis (`CROSS_BORDER_BASIS_REQUIRED`).
//! **Erasure** anonymises the person everywhere: identity fields are cleared or pseudonymised,
//! notes about them are replaced, mentions in free text are redacted and audit payloads that
//! hold their data are erased (the hash chain covers payloads by digest, so it still verifies).
//! Invoices, payments and contract values are kept: they reference the account, never the person.
//!
//! The same sweep purges disqualified leads when the organization's retention runs out.

use crate::kernel::audit::{self, AuditActor};
use crate::kernel::tx::Versioned;
use crate::{Actor, App, AppError};
use anyhow::Context;
use baton_domain::outbox::{self as mail_rules, MailStatus};
use baton_domain::permission::Action;
use baton_domain::privacy::{self as privacy_rules, RequestKind, RequestStatus};
use baton_domain::text::{self, Email, PIPL_JURISDICTIONS};
use baton_domain::{Rule, Violation};
use baton_store::entity::{
    activity, audit_log, audit_payload, cadence_enrollment, consent, contact, data_subject_request, lead, organization,
    outbox_email, task,
};
use chrono::{Duration, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Func, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use serde_json::{Value, json};
use uuid::Uuid;

/// Days the organization has to answer a data-subject request.
pub const DEADLINE_DAYS: i64 = 30;
/// Privacy officers are reminded daily of open requests due within this many days.
pub const REMIND_DAYS: i64 = 7;
/// The recorded bases on which a PIPL subject's data may leave its jurisdiction.
pub const CROSS_BORDER_BASES: [&str; 4] =
    ["STANDARD_CONTRACT", "SECURITY_ASSESSMENT", "CERTIFICATION", "SEPARATE_CONSENT"];

/// Free-text columns that may mention a person, by table: exported as mentions, redacted on
/// erasure. Identity columns (names, addresses, phones) are handled by name below. The
/// end-to-end erasure test scans every text column of every table for the person's values, so
/// a new column that can hold them and is missing here fails it.
pub const FREE_TEXT: &[(&str, &[&str])] = &[
    ("accounts", &["health_override_reason", "churn_reason"]),
    ("activities", &["notes"]),
    ("business_reviews", &["attendees", "outcomes", "new_needs"]),
    ("change_orders", &["description"]),
    ("contract_clauses", &["text"]),
    ("consents", &["source"]),
    ("contracts", &["review_note", "changes_comments", "void_reason"]),
    ("feature_asks", &["pain_point"]),
    ("feature_requests", &["title", "description"]),
    ("gifts", &["description", "purpose", "decision_note"]),
    ("invoices", &["void_reason"]),
    ("handoff_packages", &["needs_document", "special_requirements", "success_criteria", "return_reason"]),
    ("leads", &["pain_points", "qualification_notes", "disqualification_reason", "timeline"]),
    ("notifications", &["title", "body"]),
    ("opportunities", &["name", "needs_analysis", "loss_reason"]),
    ("outbox_emails", &["subject", "body", "last_error"]),
    ("payments", &["reference", "reason"]),
    ("tasks", &["title"]),
    ("win_loss_reviews", &["primary_reason", "competitor", "lessons"]),
    ("webhook_deliveries", &["payload"]),
];

/// The columns that identify a person and are replaced or cleared by name on erasure (the
/// lead's and the contact's name, address and phone; a request's address once answered).
pub const IDENTITY: &[(&str, &[&str])] = &[
    ("contacts", &["name", "email", "phone"]),
    ("data_subject_requests", &["subject_email"]),
    ("leads", &["contact_name", "contact_email", "email_domain", "contact_phone"]),
    ("outbox_emails", &["to_address"]),
];

/// Text columns that hold no personal data: codes, statuses, currencies, hashes, and names of
/// things (products, templates, campaigns, teams, companies as organizations). Users are the
/// organization's staff, not data subjects. Every text column of the schema is in exactly one
/// of [`FREE_TEXT`], [`IDENTITY`] and this list; a test reads the live schema and fails on a
/// column that is in none, so a new column cannot escape erasure unclassified.
pub const NOT_PERSONAL: &[(&str, &[&str])] = &[
    ("accounts", &["name", "domain", "industry", "tier"]),
    ("activities", &["kind"]),
    ("api_tokens", &["name", "token_hash", "roles"]),
    ("audit_log", &["actor_kind", "action", "entity_type", "request_id", "prev_hash", "hash", "payload_digest"]),
    ("cadence_definitions", &["name"]),
    ("cadence_enrollments", &["cadence", "stop_reason"]),
    ("campaigns", &["name", "channel", "currency"]),
    ("change_orders", &["currency"]),
    ("clause_fallbacks", &["template_kind", "clause_key", "text"]),
    ("commission_entries", &["component", "currency"]),
    ("conduct_acknowledgements", &["kind"]),
    ("consents", &["subject_type", "purpose", "lawful_basis", "notice_version"]),
    ("contacts", &["role", "jurisdiction", "cross_border_basis"]),
    ("contract_clauses", &["key", "template_text"]),
    ("contract_templates", &["name", "kind"]),
    ("contracts", &["kind", "status", "payment_schedule", "currency", "editors", "review_reasons"]),
    ("data_subject_requests", &["kind", "subject_digest", "status", "destination_jurisdiction", "outcome"]),
    ("delivery_projects", &["status"]),
    ("feature_requests", &["status"]),
    ("gifts", &["direction", "currency", "status"]),
    ("handoff_packages", &["status"]),
    ("import_jobs", &["kind", "status", "commit_mode", "duplicates"]),
    ("invoices", &["status", "currency"]),
    ("leads", &["company_name", "industry", "source", "status", "priority", "jurisdiction", "cross_border_basis"]),
    ("login_throttles", &["key"]),
    ("messaging_versions", &["title", "claims"]),
    ("onboarding_milestones", &["key"]),
    ("opportunities", &["stage", "currency", "kind"]),
    (
        "organizations",
        &["name", "currency", "time_zone", "work_days", "work_start", "work_end", "holidays", "review_clause_keys"],
    ),
    ("outbox_emails", &["status", "purpose"]),
    ("partners", &["name", "kind"]),
    ("payments", &["kind", "currency", "idempotency_key", "request_hash"]),
    ("persisted_queries", &["hash", "name", "document"]),
    ("products", &["name", "sku", "tier", "pricing_model", "currency"]),
    ("quotas", &["currency"]),
    ("quotes", &["status", "currency"]),
    ("referral_rewards", &["currency", "status"]),
    ("release_notes", &["title", "body"]),
    ("role_grants", &["role"]),
    ("sla_clocks", &["kind", "entity_type"]),
    ("subscriptions", &["tier", "currency", "status"]),
    ("tasks", &["status", "entity_type"]),
    ("teams", &["name", "kind"]),
    ("template_clauses", &["key", "text"]),
    ("training_programmes", &["name", "level", "topic"]),
    ("usage_snapshots", &["adoption"]),
    ("users", &["email", "name", "password_hash"]),
    ("win_loss_reviews", &["outcome"]),
    ("custom_roles", &["name", "description", "grants", "readable_fields"]),
    ("search_documents", &["kind"]),
    ("daily_counts", &["fact", "dim"]),
    ("lead_counts", &["status", "source"]),
    ("webhooks", &["url", "events", "description", "secret", "previous_secret", "status"]),
    ("webhook_deliveries", &["event", "status", "last_error", "history"]),
];

/// Columns the database derives, by trigger, from classified columns: the search index and its
/// word list. Erasure rewrites their sources and the triggers rewrite them in the same
/// transaction (a word leaves the list with the last document holding it), so they never hold
/// what their sources no longer hold.
pub const DERIVED: &[(&str, &[&str])] = &[("search_documents", &["title", "body"]), ("search_words", &["word"])];

/// The class of a text column: `Some("free text")`, `Some("identity")`, `Some("not personal")`,
/// `Some("derived")`, or `None` when it is unclassified (which the schema test refuses).
pub fn classification(table: &str, column: &str) -> Option<&'static str> {
    let has = |list: &[(&str, &[&str])]| list.iter().any(|(t, cs)| *t == table && cs.contains(&column));
    if has(DERIVED) {
        Some("derived")
    } else if has(FREE_TEXT) {
        Some("free text")
    } else if has(IDENTITY) {
        Some("identity")
    } else if has(NOT_PERSONAL) {
        Some("not personal")
    } else {
        None
    }
}

/// [`classification`] of a `table.column` name.
pub fn classification_of(qualified: &str) -> Option<&'static str> {
    let (t, c) = qualified.split_once('.')?;
    classification(t, c)
}

/// What identifies a person in free text: the address, names and phone numbers, lower-cased.
/// They match whole words only ("Tom" is not found in "custom"), whatever the case, in any
/// script.
#[derive(Debug, Default)]
struct Needles(Vec<String>);

/// The byte length of `text`'s prefix that equals `needle` (lower case) when lower-cased.
fn prefix_match(text: &str, needle: &str) -> Option<usize> {
    let mut want = needle.chars();
    let mut pending: Vec<char> = vec![];
    for (i, c) in text.char_indices() {
        pending.extend(c.to_lowercase());
        for p in pending.drain(..) {
            if want.next() != Some(p) {
                return None;
            }
        }
        if want.clone().next().is_none() {
            return Some(i + c.len_utf8());
        }
    }
    None
}

fn is_word(c: Option<char>) -> bool {
    c.is_some_and(char::is_alphanumeric)
}

impl Needles {
    fn add(&mut self, v: Option<&str>, min_chars: usize) {
        if let Some(v) = v.map(str::trim).filter(|v| v.chars().count() >= min_chars) {
            let v = v.to_lowercase();
            if !self.0.contains(&v) {
                self.0.push(v);
                // Longest first, so a full name wins over a part of it.
                self.0.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
            }
        }
    }

    /// The needle that starts at byte `i` of `text` as a whole word, and its byte length there.
    fn at(&self, text: &str, i: usize) -> Option<usize> {
        if is_word(text[..i].chars().next_back()) {
            return None;
        }
        self.0.iter().find_map(|n| {
            let len = prefix_match(&text[i..], n)?;
            (!is_word(text[i + len..].chars().next())).then_some(len)
        })
    }

    fn found_in(&self, text: &str) -> bool {
        text.char_indices().any(|(i, _)| self.at(text, i).is_some())
    }

    /// Replaces every whole-word occurrence of every needle in one left-to-right pass (the
    /// replacement is never searched again).
    fn redact(&self, text: &str, with: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        while i < text.len() {
            if let Some(len) = self.at(text, i) {
                out.push_str(with);
                i += len;
            } else {
                let c = text[i..].chars().next().unwrap_or_default();
                out.push(c);
                i += c.len_utf8().max(1);
            }
        }
        out
    }

    /// True when the database can pre-filter with LOWER/LIKE (it folds ASCII case only).
    fn all_ascii(&self) -> bool {
        self.0.iter().all(|n| n.is_ascii())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needles(v: &[&str]) -> Needles {
        let mut n = Needles::default();
        for x in v {
            n.add(Some(x), 3);
        }
        n
    }

    #[test]
    fn whole_words_any_case_any_script_one_pass() {
        let n = needles(&["Tom", "Tom Ras"]);
        assert_eq!(n.redact("Tom Ras met TOM; custom tomato", "X"), "X met X; custom tomato");
        assert!(!n.found_in("CUSTOM_DEVELOPMENT"));
        let n = needles(&["ras"]);
        assert_eq!(n.redact("ras", "Erased subject ras"), "Erased subject ras", "never searched again");
        let n = needles(&["Émile Durand", "jane doe"]);
        assert_eq!(n.redact("Call ÉMILE DURAND in İzmir with JANE DOE.", "X"), "Call X in İzmir with X.");
        assert!(n.found_in("{\"name\":\"émile durand\"}"));
        assert!(!n.all_ascii());
        let n = needles(&["ann@acme.example"]);
        assert_eq!(n.redact("to: Ann@Acme.Example, cc: bob", "X"), "to: X, cc: bob");
    }
}

/// The person's records: leads and contacts with their address, and what identifies them.
struct Person {
    leads: Vec<lead::Model>,
    contacts: Vec<contact::Model>,
    /// The person's e-mail addresses, lower case.
    addresses: Vec<String>,
    needles: Needles,
}

impl Person {
    fn ids(&self) -> Vec<Uuid> {
        self.leads.iter().map(|l| l.id).chain(self.contacts.iter().map(|c| c.id)).collect()
    }
    fn lead_ids(&self) -> Vec<Uuid> {
        self.leads.iter().map(|l| l.id).collect()
    }
}

async fn find_person<C: ConnectionTrait>(db: &C, org: Uuid, email: &str) -> Result<Person, AppError> {
    let leads = lead::Entity::find()
        .filter(lead::Column::OrganizationId.eq(org))
        .filter(lead::Column::ContactEmail.eq(email))
        .order_by_asc(lead::Column::Id)
        .all(db)
        .await?;
    let contacts = contact::Entity::find()
        .filter(contact::Column::OrganizationId.eq(org))
        .filter(contact::Column::Email.eq(email))
        .order_by_asc(contact::Column::Id)
        .all(db)
        .await?;
    let mut needles = Needles::default();
    needles.add(Some(email), 3);
    for l in &leads {
        needles.add(Some(&l.contact_name), 3);
        needles.add(l.contact_phone.as_deref(), 6);
    }
    for c in &contacts {
        needles.add(Some(&c.name), 3);
        needles.add(c.phone.as_deref(), 6);
    }
    Ok(Person { leads, contacts, addresses: vec![email.to_lowercase()], needles })
}

fn lead_person(l: &lead::Model) -> Person {
    let mut needles = Needles::default();
    needles.add(l.contact_email.as_deref(), 3);
    needles.add(Some(&l.contact_name), 3);
    needles.add(l.contact_phone.as_deref(), 6);
    let addresses = l.contact_email.iter().map(|e| e.to_lowercase()).collect();
    Person { leads: vec![l.clone()], contacts: vec![], addresses, needles }
}

/// One free-text cell that mentions the person.
struct Mention {
    table: &'static str,
    column: &'static str,
    id: Uuid,
    text: String,
}

/// Every free-text cell of the organization that mentions the person (`only`: restricted to
/// rows with these ids).
async fn mentions<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    needles: &Needles,
    only: Option<&[Uuid]>,
) -> Result<Vec<Mention>, AppError> {
    let mut found = vec![];
    if needles.0.is_empty() {
        return Ok(found);
    }
    for (table, columns) in FREE_TEXT {
        for column in *columns {
            let mut q = Query::select();
            q.column(Alias::new("id"))
                .column(Alias::new(*column))
                .from(Alias::new(*table))
                .and_where(Expr::col(Alias::new("organization_id")).eq(org))
                .and_where(Expr::col(Alias::new(*column)).is_not_null());
            // The database folds ASCII case only: with a non-ASCII needle every row is read
            // and matched here.
            if needles.all_ascii() {
                let mut any = Expr::val(false);
                for n in &needles.0 {
                    any = any.or(Expr::expr(Func::lower(Expr::col(Alias::new(*column)))).like(format!("%{n}%")));
                }
                q.and_where(any);
            }
            if let Some(ids) = only {
                q.and_where(Expr::col(Alias::new("id")).is_in(ids.iter().copied()));
            }
            for row in db.query_all(&q).await? {
                let id: Uuid = row.try_get("", "id")?;
                let text: Option<String> = row.try_get("", column)?;
                if let Some(text) = text.filter(|t| needles.found_in(t)) {
                    found.push(Mention { table, column, id, text });
                }
            }
        }
    }
    Ok(found)
}

/// What hangs off the person's leads and contacts, loaded once for export and erasure.
struct Linked {
    consents: Vec<consent::Model>,
    activities: Vec<activity::Model>,
    /// E-mail to the person's leads or addresses.
    emails: Vec<outbox_email::Model>,
    cadences: Vec<cadence_enrollment::Model>,
    tasks: Vec<task::Model>,
    clocks: Vec<Uuid>,
}

impl Linked {
    async fn load<C: ConnectionTrait>(db: &C, org: Uuid, person: &Person) -> Result<Self, AppError> {
        use baton_store::entity::sla_clock;
        let (ids, lead_ids) = (person.ids(), person.lead_ids());
        Ok(Linked {
            consents: consent::Entity::find()
                .filter(consent::Column::OrganizationId.eq(org))
                .filter(consent::Column::SubjectId.is_in(ids.clone()))
                .order_by_asc(consent::Column::Id)
                .all(db)
                .await?,
            activities: activity::Entity::find()
                .filter(activity::Column::OrganizationId.eq(org))
                .filter(activity::Column::LeadId.is_in(lead_ids.clone()))
                .order_by_asc(activity::Column::Id)
                .all(db)
                .await?,
            emails: outbox_email::Entity::find()
                .filter(outbox_email::Column::OrganizationId.eq(org))
                .filter(sea_orm::Condition::any().add(outbox_email::Column::LeadId.is_in(lead_ids.clone())).add(
                    Expr::expr(Func::lower(Expr::col(outbox_email::Column::ToAddress))).is_in(person.addresses.clone()),
                ))
                .order_by_asc(outbox_email::Column::Id)
                .all(db)
                .await?,
            cadences: cadence_enrollment::Entity::find()
                .filter(cadence_enrollment::Column::OrganizationId.eq(org))
                .filter(cadence_enrollment::Column::LeadId.is_in(lead_ids))
                .order_by_asc(cadence_enrollment::Column::Id)
                .all(db)
                .await?,
            tasks: task::Entity::find()
                .filter(task::Column::OrganizationId.eq(org))
                .filter(task::Column::EntityId.is_in(ids.clone()))
                .order_by_asc(task::Column::Id)
                .all(db)
                .await?,
            clocks: sla_clock::Entity::find()
                .filter(sla_clock::Column::OrganizationId.eq(org))
                .filter(sla_clock::Column::EntityId.is_in(ids))
                .all(db)
                .await?
                .into_iter()
                .map(|c| c.id)
                .collect(),
        })
    }

    /// The ids of the person's records and of what hangs off them: the audit rows about any of
    /// them are about the person.
    fn ids(&self, person: &Person) -> Vec<Uuid> {
        let mut out = person.ids();
        out.extend(self.consents.iter().map(|c| c.id));
        out.extend(self.emails.iter().map(|m| m.id));
        out.extend(self.cadences.iter().map(|e| e.id));
        out.extend(self.tasks.iter().map(|t| t.id));
        out.extend(self.clocks.iter().copied());
        out
    }
}

/// Payloads are scanned for mentions in pages of this many rows, so memory stays bounded.
const SCAN_PAGE: u64 = 1_000;

/// Audit rows about the person's records (by entity id, indexed) and, when `org_wide`, every
/// other row whose snapshot mentions them (a paged scan), with their payloads, oldest first.
async fn audit_trail<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    person: &Person,
    ids: &[Uuid],
    org_wide: bool,
) -> Result<Vec<(audit_log::Model, audit_payload::Model)>, AppError> {
    let mut hit: std::collections::BTreeSet<Uuid> = audit_log::Entity::find()
        .filter(audit_log::Column::OrganizationId.eq(org))
        .filter(audit_log::Column::EntityId.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.id)
        .collect();
    if org_wide {
        let mut after: Option<Uuid> = None;
        loop {
            let mut q = audit_payload::Entity::find()
                .filter(audit_payload::Column::OrganizationId.eq(org))
                .filter(audit_payload::Column::ErasedAt.is_null());
            if let Some(a) = after {
                q = q.filter(audit_payload::Column::AuditId.gt(a));
            }
            let page = q.order_by_asc(audit_payload::Column::AuditId).limit(SCAN_PAGE).all(db).await?;
            let Some(last) = page.last().map(|p| p.audit_id) else { break };
            for p in &page {
                let text = format!(
                    "{} {}",
                    p.before.as_ref().map(Value::to_string).unwrap_or_default(),
                    p.after.as_ref().map(Value::to_string).unwrap_or_default()
                );
                if person.needles.found_in(&text) {
                    hit.insert(p.audit_id);
                }
            }
            after = Some(last);
        }
    }
    let mut out = vec![];
    for chunk in hit.into_iter().collect::<Vec<_>>().chunks(500) {
        let rows = audit_log::Entity::find().filter(audit_log::Column::Id.is_in(chunk.to_vec())).all(db).await?;
        let mut payloads: std::collections::HashMap<Uuid, audit_payload::Model> = audit_payload::Entity::find()
            .filter(audit_payload::Column::AuditId.is_in(chunk.to_vec()))
            .filter(audit_payload::Column::ErasedAt.is_null())
            .all(db)
            .await?
            .into_iter()
            .map(|p| (p.audit_id, p))
            .collect();
        out.extend(rows.into_iter().filter_map(|r| payloads.remove(&r.id).map(|p| (r, p))));
    }
    out.sort_by_key(|(r, _)| r.id);
    Ok(out)
}

/// What an erasure changed, by kind of record.
#[derive(Debug, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ErasureCounts {
    pub leads: usize,
    pub contacts: usize,
    pub activities: usize,
    pub outbox_emails: usize,
    pub mentions: usize,
    pub audit_payloads: usize,
}

/// Anonymises the person in one transaction. `org_wide`: redact mentions anywhere in the
/// organization (a data-subject erasure), not only in rows linked to the person (retention).
async fn erase<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    person: &Person,
    source: Uuid,
    org_wide: bool,
) -> Result<ErasureCounts, AppError> {
    // The pseudonym's tag: the end of the request's (or the purged lead's) id.
    let tag: String = source.simple().to_string().chars().rev().take(8).collect();
    let now = Utc::now();
    let pseudonym = format!("Erased subject {tag}");
    let mut n = ErasureCounts::default();
    let lead_ids = person.lead_ids();
    // Collected before the identity fields change, so the trail still matches.
    let linked = Linked::load(db, org, person).await?;
    let related = linked.ids(person);
    let trail = audit_trail(db, org, person, &related, org_wide).await?;
    for l in &person.leads {
        let mut am = l.clone().into_active_model();
        am.contact_name = Set(pseudonym.clone());
        am.contact_email = Set(None);
        am.contact_phone = Set(None);
        am.email_domain = Set(None);
        am.pain_points = Set(None);
        am.qualification_notes = Set(None);
        am.erased_at = Set(Some(now));
        am.bump(l.version, now);
        am.update(db).await?;
        n.leads += 1;
    }
    for c in &person.contacts {
        let mut am = c.clone().into_active_model();
        am.name = Set(pseudonym.clone());
        am.email = Set(None);
        am.phone = Set(None);
        am.erased_at = Set(Some(now));
        am.bump(c.version, now);
        am.update(db).await?;
        n.contacts += 1;
    }
    let notes = activity::Entity::update_many()
        .col_expr(activity::Column::Notes, Expr::value("[erased]"))
        .filter(activity::Column::OrganizationId.eq(org))
        .filter(activity::Column::LeadId.is_in(lead_ids.clone()))
        .filter(activity::Column::Notes.is_not_null())
        .exec(db)
        .await?;
    n.activities = notes.rows_affected as usize;
    for l in &person.leads {
        crate::marketing::automation::stop_cadences(db, l.id, "ERASED").await?;
    }
    for m in linked.emails {
        let pending = MailStatus::parse(&m.status).is_some_and(mail_rules::cancellable);
        let mut am = m.into_active_model();
        if pending {
            // Never sent now: the address is gone.
            am.status = Set(MailStatus::Cancelled.as_str().to_owned());
        }
        am.to_address = Set(format!("erased-{tag}@erased.invalid"));
        am.subject = Set("[erased]".into());
        am.body = Set("[erased]".into());
        am.update(db).await?;
        n.outbox_emails += 1;
    }
    let only = if org_wide { None } else { Some(related.as_slice()) };
    for m in mentions(db, org, &person.needles, only).await? {
        let redacted = person.needles.redact(&m.text, &pseudonym);
        let mut q = Query::update();
        q.table(Alias::new(m.table))
            .value(Alias::new(m.column), redacted)
            .and_where(Expr::col(Alias::new("id")).eq(m.id))
            .and_where(Expr::col(Alias::new("organization_id")).eq(org));
        db.execute(&q).await?;
        n.mentions += 1;
    }
    for (_, p) in trail {
        let mut am = p.into_active_model();
        am.before = Set(None);
        am.after = Set(None);
        am.erased_at = Set(Some(now));
        am.update(db).await?;
        n.audit_payloads += 1;
    }
    Ok(n)
}

/// Raw input of `openDataSubjectRequest`.
#[derive(Debug, Clone)]
pub struct NewRequest {
    /// EXPORT or ERASURE.
    pub kind: String,
    pub email: String,
    /// When the person made the request (defaults to now; the 30 days run from it).
    pub received_at: Option<chrono::DateTime<Utc>>,
}

/// The result of `exportPersonalData`.
pub struct Export {
    pub request: data_subject_request::Model,
    pub data: Value,
}

async fn open_request<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    doing: RequestKind,
) -> Result<data_subject_request::Model, AppError> {
    actor.authorize(Action::HandleDataSubjectRequest)?;
    let r = data_subject_request::Entity::find_by_id(id)
        .filter(data_subject_request::Column::OrganizationId.eq(actor.org_id))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(AppError::NotFound("data-subject request"))?;
    let status = crate::kernel::error::stored(&r.status, RequestStatus::parse, "data-subject request status")?;
    let kind = crate::kernel::error::stored(&r.kind, RequestKind::parse, "data-subject request kind")?;
    privacy_rules::complete(status, kind, doing).map_err(AppError::Rule)?;
    Ok(r)
}

fn rows<T: serde::Serialize>(v: &[T]) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

impl App {
    /// `openDataSubjectRequest` (PRIVACY_OFFICER): records a request; it is due in 30 days.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn open_data_subject_request(
        &self,
        actor: &Actor,
        input: NewRequest,
    ) -> Result<data_subject_request::Model, AppError> {
        if RequestKind::parse(&input.kind).is_none() {
            return Err(AppError::bad_input("kind", "must be EXPORT or ERASURE"));
        }
        let email = Email::parse(&input.email).map_err(AppError::text("email"))?;
        let now = Utc::now();
        let received = input.received_at.unwrap_or(now);
        if received > now {
            return Err(AppError::bad_input("receivedAt", "must not be in the future"));
        }
        actor.authorize(Action::HandleDataSubjectRequest)?;
        let me = actor.person(Action::HandleDataSubjectRequest)?;
        let txn = self.tx().await?;
        let r = data_subject_request::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            kind: Set(input.kind),
            // The SHA-256 of the normalized address: how the request is matched once the
            // address is erased.
            subject_digest: Set(baton_domain::chain::digest(email.as_str())),
            subject_email: Set(Some(email.as_str().to_owned())),
            status: Set(RequestStatus::Open.as_str().to_owned()),
            received_at: Set(received),
            due_at: Set(received + Duration::days(DEADLINE_DAYS)),
            opened_by: Set(me),
            completed_at: Set(None),
            completed_by: Set(None),
            destination_jurisdiction: Set(None),
            outcome: Set(None),
            reminded_at: Set(None),
        }
        .insert(&txn)
        .await?;
        // The address stays out of the audit payload: the digest identifies the person.
        let logged = json!({ "kind": r.kind, "subjectDigest": r.subject_digest, "dueAt": r.due_at });
        audit::commit(
            txn,
            actor,
            audit::Entry::new("openDataSubjectRequest", "data_subject_request", r.id, None::<&()>, Some(&logged)),
        )
        .await?;
        Ok(r)
    }

    /// `exportPersonalData` (PRIVACY_OFFICER): everything Baton holds about the person, as JSON,
    /// for delivery to `destination`. Completes the request; the read is audited.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn export_personal_data(&self, actor: &Actor, id: Uuid, destination: &str) -> Result<Export, AppError> {
        let destination = text::jurisdiction(destination).map_err(AppError::text("destinationJurisdiction"))?;
        let txn = self.tx().await?;
        let r = open_request(&txn, actor, id, RequestKind::Export).await?;
        let email = r.subject_email.clone().context("an open request keeps its address")?;
        let org = actor.org_id;
        let person = find_person(&txn, org, &email).await?;
        let mut blocked = vec![];
        for (kind, id, j, basis) in person
            .leads
            .iter()
            .map(|l| ("lead", l.id, &l.jurisdiction, &l.cross_border_basis))
            .chain(person.contacts.iter().map(|c| ("contact", c.id, &c.jurisdiction, &c.cross_border_basis)))
        {
            if let Some(j) = j.as_deref().filter(|j| PIPL_JURISDICTIONS.contains(j) && *j != destination)
                && basis.is_none()
            {
                blocked.push(Violation::new(
                    Rule::CrossBorderBasisRequired,
                    format!("{kind} {id} resides in {j} (PIPL); record a cross-border basis before exporting to {destination}"),
                ));
            }
        }
        if !blocked.is_empty() {
            return Err(AppError::Rule(blocked));
        }
        let linked = Linked::load(&txn, org, &person).await?;
        let trail = audit_trail(&txn, org, &person, &linked.ids(&person), true).await?;
        let mentioned = mentions(&txn, org, &person.needles, None).await?;
        let requests = data_subject_request::Entity::find()
            .filter(data_subject_request::Column::OrganizationId.eq(org))
            .filter(data_subject_request::Column::SubjectDigest.eq(r.subject_digest.clone()))
            .order_by_asc(data_subject_request::Column::Id)
            .all(&txn)
            .await?;
        let data = json!({
            "subject": { "email": email, "requestId": r.id, "generatedAt": Utc::now() },
            "leads": rows(&person.leads),
            "contacts": rows(&person.contacts),
            "consents": rows(&linked.consents),
            "activities": rows(&linked.activities),
            "outboxEmails": rows(&linked.emails),
            "cadenceEnrollments": rows(&linked.cadences),
            "tasks": rows(&linked.tasks),
            "auditTrail": trail.iter().map(|(a, p)| json!({
                "at": a.created_at, "action": a.action, "entityType": a.entity_type, "entityId": a.entity_id,
                "before": p.before, "after": p.after,
            })).collect::<Vec<_>>(),
            "mentions": mentioned.iter().map(|m| json!({
                "table": m.table, "column": m.column, "id": m.id, "text": m.text,
            })).collect::<Vec<_>>(),
            "dataSubjectRequests": rows(&requests),
        });
        let sections: Vec<(&str, usize)> = [
            "leads",
            "contacts",
            "consents",
            "activities",
            "outboxEmails",
            "cadenceEnrollments",
            "tasks",
            "auditTrail",
            "mentions",
        ]
        .into_iter()
        .map(|k| (k, data[k].as_array().map_or(0, Vec::len)))
        .collect();
        let outcome = sections.iter().map(|(k, n)| format!("{k}={n}")).collect::<Vec<_>>().join(" ");
        let before = r.clone();
        let mut am = r.into_active_model();
        am.status = Set(RequestStatus::Completed.as_str().to_owned());
        am.completed_at = Set(Some(Utc::now()));
        am.completed_by = Set(actor.user_id());
        am.destination_jurisdiction = Set(Some(destination.clone()));
        am.outcome = Set(Some(format!("exported to {destination}: {outcome}")));
        let after = am.update(&txn).await?;
        // The read of personal data is logged: what was read and where it went, not the data.
        let logged = json!({ "destination": destination, "records": sections.iter().map(|(k, n)| (k.to_string(), *n)).collect::<std::collections::BTreeMap<_, _>>(), "subjectDigest": before.subject_digest });
        audit::record(
            &txn,
            org,
            actor,
            "exportPersonalData",
            "data_subject_request",
            after.id,
            None::<&()>,
            Some(&logged),
        )
        .await?;
        txn.commit().await?;
        Ok(Export { request: after, data })
    }

    /// `erasePersonalData` (PRIVACY_OFFICER): anonymises the person everywhere; financial
    /// records stay, pseudonymised. Completes the request; audited without the erased values.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn erase_personal_data(
        &self,
        actor: &Actor,
        id: Uuid,
    ) -> Result<(data_subject_request::Model, ErasureCounts), AppError> {
        let txn = self.tx().await?;
        let r = open_request(&txn, actor, id, RequestKind::Erasure).await?;
        let email = r.subject_email.clone().context("an open request keeps its address")?;
        let person = find_person(&txn, actor.org_id, &email).await?;
        let counts = erase(&txn, actor.org_id, &person, r.id, true).await?;
        // Earlier requests of the same person forget the address too; the digest remains.
        data_subject_request::Entity::update_many()
            .col_expr(data_subject_request::Column::SubjectEmail, Expr::value(Option::<String>::None))
            .filter(data_subject_request::Column::OrganizationId.eq(actor.org_id))
            .filter(data_subject_request::Column::SubjectDigest.eq(r.subject_digest.clone()))
            .filter(data_subject_request::Column::Status.ne(RequestStatus::Open.as_str()))
            .exec(&txn)
            .await?;
        let mut am = r.into_active_model();
        am.status = Set(RequestStatus::Completed.as_str().to_owned());
        am.subject_email = Set(None);
        am.completed_at = Set(Some(Utc::now()));
        am.completed_by = Set(actor.user_id());
        am.outcome = Set(Some(serde_json::to_string(&counts).unwrap_or_default()));
        let after = am.update(&txn).await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new("erasePersonalData", "data_subject_request", after.id, None::<&()>, Some(&counts)),
        )
        .await?;
        Ok((after, counts))
    }

    /// `dataSubjectRequests` (PRIVACY_OFFICER, LEGAL, ADMIN): open requests first by due date,
    /// then the rest.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn data_subject_requests(
        &self,
        actor: &Actor,
        open_only: bool,
    ) -> Result<Vec<data_subject_request::Model>, AppError> {
        actor.authorize(Action::ReadComplianceRegister)?;
        let mut q =
            data_subject_request::Entity::find().filter(data_subject_request::Column::OrganizationId.eq(actor.org_id));
        if open_only {
            q = q.filter(data_subject_request::Column::Status.eq(RequestStatus::Open.as_str()));
        }
        // "OPEN" sorts after "COMPLETED": descending puts open requests first.
        Ok(q.order_by_desc(data_subject_request::Column::Status)
            .order_by_asc(data_subject_request::Column::DueAt)
            .limit(500)
            .all(&self.db)
            .await?)
    }

    /// `setDataResidency` (PRIVACY_OFFICER): a lead's or contact's jurisdiction and the recorded
    /// basis on which its data may leave it.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn set_data_residency(
        &self,
        actor: &Actor,
        subject_id: Uuid,
        jurisdiction: Option<&str>,
        basis: Option<&str>,
    ) -> Result<(Option<String>, Option<String>), AppError> {
        let jurisdiction = jurisdiction.map(text::jurisdiction).transpose().map_err(AppError::text("jurisdiction"))?;
        if let Some(b) = basis.filter(|b| !CROSS_BORDER_BASES.contains(b)) {
            return Err(AppError::bad_input(
                "crossBorderBasis",
                format!("`{b}` must be one of {}", CROSS_BORDER_BASES.join(", ")),
            ));
        }
        let basis = basis.map(str::to_owned);
        actor.authorize(Action::SetDataResidency)?;
        let txn = self.tx().await?;
        let org = actor.org_id;
        let kind = if let Some(l) =
            lead::Entity::find_by_id(subject_id).filter(lead::Column::OrganizationId.eq(org)).one(&txn).await?
        {
            let mut am = l.clone().into_active_model();
            am.jurisdiction = Set(jurisdiction.clone());
            am.cross_border_basis = Set(basis.clone());
            am.bump(l.version, Utc::now());
            am.update(&txn).await?;
            "lead"
        } else if let Some(c) =
            contact::Entity::find_by_id(subject_id).filter(contact::Column::OrganizationId.eq(org)).one(&txn).await?
        {
            let mut am = c.clone().into_active_model();
            am.jurisdiction = Set(jurisdiction.clone());
            am.cross_border_basis = Set(basis.clone());
            am.bump(c.version, Utc::now());
            am.update(&txn).await?;
            "contact"
        } else {
            return Err(AppError::NotFound("lead or contact"));
        };
        let logged = json!({ "jurisdiction": jurisdiction, "crossBorderBasis": basis });
        audit::record(&txn, org, actor, "setDataResidency", kind, subject_id, None::<&()>, Some(&logged)).await?;
        txn.commit().await?;
        Ok((jurisdiction, basis))
    }

    /// Reminds the privacy officers, once a day, of open requests due within a week or overdue.
    /// Each request is re-read under a lock, so several schedulers never remind twice.
    #[tracing::instrument(skip_all)]
    pub async fn remind_data_subject_requests(&self, now: chrono::DateTime<Utc>) -> Result<usize, AppError> {
        let due = data_subject_request::Entity::find()
            .filter(data_subject_request::Column::Status.eq(RequestStatus::Open.as_str()))
            .filter(data_subject_request::Column::DueAt.lte(now + Duration::days(REMIND_DAYS)))
            .filter(
                sea_orm::Condition::any()
                    .add(data_subject_request::Column::RemindedAt.is_null())
                    .add(data_subject_request::Column::RemindedAt.lte(now - Duration::days(1))),
            )
            .all(&self.db)
            .await?;
        let mut reminded = 0;
        for r in due {
            let txn = self.tx().await?;
            let Some(cur) = data_subject_request::Entity::find_by_id(r.id).lock_exclusive().one(&txn).await? else {
                continue;
            };
            if cur.status != RequestStatus::Open.as_str()
                || cur.reminded_at.is_some_and(|t| t > now - Duration::days(1))
            {
                continue;
            }
            let officers = crate::kernel::auth::holders_of(cur.organization_id, &[baton_domain::Role::PrivacyOfficer])
                .all(&txn)
                .await?;
            let title = if cur.due_at < now { "Data-subject request overdue" } else { "Data-subject request due soon" };
            let body = format!(
                "The {} request received {} is due {}.",
                cur.kind.to_lowercase(),
                cur.received_at.format("%Y-%m-%d"),
                cur.due_at.format("%Y-%m-%d")
            );
            let mut sent = vec![];
            for o in officers {
                sent.push(crate::kernel::notifications::notify(&txn, cur.organization_id, o.id, title, &body).await?);
            }
            let mut am = cur.into_active_model();
            am.reminded_at = Set(Some(now));
            am.update(&txn).await?;
            txn.commit().await?;
            self.publish_notifications(sent);
            reminded += 1;
        }
        Ok(reminded)
    }

    /// `consentRegister` (PRIVACY_OFFICER, LEGAL, ADMIN): every consent of the organization,
    /// newest first, by purpose and subject.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn consent_register(
        &self,
        actor: &Actor,
        purpose: Option<&str>,
        subject: Option<Uuid>,
        req: crate::kernel::page::PageRequest,
    ) -> Result<crate::kernel::page::Page<consent::Model>, AppError> {
        actor.authorize(Action::ReadComplianceRegister)?;
        let mut q = consent::Entity::find().filter(consent::Column::OrganizationId.eq(actor.org_id));
        if let Some(p) = purpose {
            q = q.filter(consent::Column::Purpose.eq(p));
        }
        if let Some(s) = subject {
            q = q.filter(consent::Column::SubjectId.eq(s));
        }
        crate::kernel::page::keyset(&self.db, q, consent::Column::Id, req).await
    }

    /// The retention job: disqualified leads whose retention ran out lose their personal data.
    /// Returns how many leads were purged.
    #[tracing::instrument(skip_all)]
    pub async fn purge_expired_leads(&self) -> Result<usize, AppError> {
        let now = Utc::now();
        let mut purged = 0;
        for org in organization::Entity::find().all(&self.db).await? {
            let cutoff = now - Duration::days(i64::from(Ord::max(org.disqualified_lead_retention_days, 1)));
            let due = lead::Entity::find()
                .filter(lead::Column::OrganizationId.eq(org.id))
                .filter(lead::Column::Status.eq("DISQUALIFIED"))
                .filter(lead::Column::ErasedAt.is_null())
                .filter(lead::Column::DisqualifiedAt.lt(cutoff))
                .limit(200)
                .all(&self.db)
                .await?;
            for l in due {
                let txn = self.tx().await?;
                let Some(l) = lead::Entity::find_by_id(l.id).lock_exclusive().one(&txn).await? else { continue };
                if l.status != "DISQUALIFIED" || l.erased_at.is_some() || l.disqualified_at.is_none_or(|t| t >= cutoff)
                {
                    continue;
                }
                let counts = erase(&txn, org.id, &lead_person(&l), l.id, false).await?;
                let logged = json!({ "reason": "retention", "retentionDays": org.disqualified_lead_retention_days, "erased": counts });
                audit::record(&txn, org.id, AuditActor::SYSTEM, "purgeLead", "lead", l.id, None::<&()>, Some(&logged))
                    .await?;
                txn.commit().await?;
                purged += 1;
            }
        }
        Ok(purged)
    }
}
