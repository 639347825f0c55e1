//! Automation: the shared lead pool, cadences that produce tasks and outbox e-mails, and the
//! outbox delivered by a pluggable sender with retries and backoff, never twice.

use crate::kernel::notifications::notify;
use crate::kernel::outbox::{Mail, queue_email};
use crate::kernel::page::{Page, PageRequest};
use crate::kernel::tx::Versioned;
use crate::{Actor, App, AppError, kernel::audit};
use anyhow::Context;
use baton_domain::Rule;
use baton_domain::lead::LeadStatus;
use baton_domain::outbox::{self as mail_rules, MailStatus};
use baton_domain::permission::Action;
use baton_store::entity::{
    activity, audit_log, cadence_definition, cadence_enrollment, lead, organization, outbox_email,
};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::sync::Arc;
use uuid::Uuid;

/// The SaaS free-trial cadence: (day, e-mail subject, e-mail body, task for the owner).
pub const TRIAL_CADENCE: [(i64, &str, &str, &str); 3] = [
    (
        1,
        "Getting started with your trial",
        "Here is the usage guide to get your team going.",
        "Check the trial got started",
    ),
    (3, "Any problems so far?", "Is anything in the way? Reply and we will help.", "Ask about problems in the trial"),
    (7, "Choosing your plan", "Here are the paid plans: Basic, Professional and Enterprise.", "Present the paid plans"),
];

/// One step of a cadence: (day, e-mail subject, e-mail body, task for the owner).
pub type Step = (i64, String, String, String);

/// Delivers outbox e-mails. [`LogSender`] logs them; the server plugs in its SMTP client
/// (infrastructure, outside `app`). Called from a blocking task with no transaction open.
pub trait Sender: Send + Sync {
    /// Sends one plain-text e-mail; the error text is kept on the outbox row as its last error
    /// (it must not carry credentials).
    fn send(&self, to: &str, subject: &str, body: &str) -> Result<(), String>;
}

/// Logs every e-mail instead of sending it (development and tests).
pub struct LogSender;

impl Sender for LogSender {
    fn send(&self, to: &str, subject: &str, _body: &str) -> Result<(), String> {
        // The address is personal data: log the domain only.
        let domain = to.split_once('@').map(|(_, d)| d).unwrap_or("");
        tracing::info!(to_domain = domain, subject, "outbox e-mail (log sender)");
        Ok(())
    }
}

/// How long a claimed e-mail is left to its sender before another runner may try it again.
const SEND_LEASE: Duration = Duration::minutes(5);

fn open(status: &str) -> bool {
    matches!(LeadStatus::parse(status), Some(LeadStatus::New | LeadStatus::Contacted | LeadStatus::Qualified))
}

/// Enrolls many self sign-ups in the trial cadence at once (an import).
pub(crate) async fn enroll_trials<C: ConnectionTrait>(db: &C, org: Uuid, leads: &[Uuid]) -> Result<(), AppError> {
    for chunk in leads.chunks(500) {
        let rows = chunk.iter().map(|l| cadence_enrollment::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(org),
            lead_id: Set(*l),
            cadence: Set("TRIAL".into()),
            next_step: Set(0),
            started_at: Set(Utc::now()),
            stopped_at: Set(None),
            stop_reason: Set(None),
        });
        cadence_enrollment::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(())
}

/// Stops a lead's running cadences (it converted, opted out or was disqualified).
/// The steps of an organization's cadence, as `createCadence` stored them.
pub fn definition_steps(def: &cadence_definition::Model) -> Vec<Step> {
    def.steps
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    let text = |k: &str| s.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned();
                    (s.get("day").and_then(|v| v.as_i64()).unwrap_or(0), text("subject"), text("body"), text("task"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Stops the lead's running cadences; returns them as stopped.
pub(crate) async fn stop_cadences<C: ConnectionTrait>(
    db: &C,
    lead_id: Uuid,
    reason: &str,
) -> Result<Vec<cadence_enrollment::Model>, AppError> {
    let mut stopped = vec![];
    for e in cadence_enrollment::Entity::find()
        .filter(cadence_enrollment::Column::LeadId.eq(lead_id))
        .filter(cadence_enrollment::Column::StoppedAt.is_null())
        .order_by_asc(cadence_enrollment::Column::Id)
        .all(db)
        .await?
    {
        let mut am = e.into_active_model();
        am.stopped_at = Set(Some(Utc::now()));
        am.stop_reason = Set(Some(reason.to_owned()));
        stopped.push(am.update(db).await?);
    }
    Ok(stopped)
}

impl App {
    /// Returns to the pool every open lead whose owner did nothing on it for the organization's
    /// follow-up days. Returns how many went back.
    #[tracing::instrument(skip_all)]
    pub async fn return_stale_leads(&self, now: DateTime<Utc>) -> Result<usize, AppError> {
        // Only candidates are read, a page at a time: an open, owned lead untouched since the
        // organization's cut-off (its last change bounds its last activity from below). The
        // rest of the check runs per lead, under its lock.
        const PAGE: u64 = 500;
        let mut returned = 0;
        for org in organization::Entity::find().all(&self.db).await? {
            let cutoff = now - Duration::days(i64::from(org.pool_follow_up_days));
            let mut after: Option<Uuid> = None;
            loop {
                let mut q = lead::Entity::find()
                    .filter(lead::Column::OrganizationId.eq(org.id))
                    .filter(lead::Column::OwnerId.is_not_null())
                    .filter(lead::Column::Status.is_in([
                        LeadStatus::New.as_str(),
                        LeadStatus::Contacted.as_str(),
                        LeadStatus::Qualified.as_str(),
                    ]))
                    .filter(lead::Column::UpdatedAt.lt(cutoff))
                    .order_by_asc(lead::Column::Id)
                    .limit(PAGE);
                if let Some(a) = after {
                    q = q.filter(lead::Column::Id.gt(a));
                }
                let page = q.all(&self.db).await?;
                after = page.last().map(|l| l.id);
                let full = page.len() as u64 == PAGE;
                for l in page {
                    if self.return_if_stale(l, now).await? {
                        returned += 1;
                    }
                }
                if !full {
                    break;
                }
            }
        }
        Ok(returned)
    }

    /// Returns one owned lead to the pool when it had no follow-up within the organization's
    /// days; re-checked under the lead's lock.
    async fn return_if_stale(&self, l: lead::Model, now: DateTime<Utc>) -> Result<bool, AppError> {
        let txn = self.tx().await?;
        let org = crate::kernel::tx::load_org(&txn, l.organization_id).await?;
        let last_activity = activity::Entity::find()
            .filter(activity::Column::LeadId.eq(l.id))
            .order_by_desc(activity::Column::OccurredAt)
            .one(&txn)
            .await?
            .map(|a| a.occurred_at);
        let last = last_activity.unwrap_or(l.created_at).max(l.updated_at);
        if now - last < Duration::days(i64::from(org.pool_follow_up_days)) {
            return Ok(false);
        }
        let Some(cur) = lead::Entity::find_by_id(l.id).lock_exclusive().one(&txn).await? else { return Ok(false) };
        if cur.owner_id.is_none() || cur.version != l.version {
            return Ok(false);
        }
        let mut am = cur.clone().into_active_model();
        am.owner_id = Set(None);
        am.pooled_at = Set(Some(now));
        am.bump(cur.version, now);
        let after = am.update(&txn).await?;
        audit::record(
            &txn,
            cur.organization_id,
            audit::AuditActor::SYSTEM,
            "returnToPool",
            "lead",
            cur.id,
            Some(&cur),
            Some(&after),
        )
        .await?;
        if let Some(owner) = cur.owner_id {
            notify(
                &txn,
                cur.organization_id,
                owner,
                "A lead went back to the pool",
                &format!("{} had no follow-up for {} days.", cur.company_name, org.pool_follow_up_days),
            )
            .await?;
        }
        txn.commit().await?;
        Ok(true)
    }

    /// The shared pool: open leads without an owner, filtered, in the request's order (oldest
    /// first by default).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn lead_pool(
        &self,
        actor: &Actor,
        filter: &crate::kernel::scope::LeadFilter,
        req: PageRequest,
    ) -> Result<Page<lead::Model>, AppError> {
        actor.authorize(Action::SalesView)?;
        let open = vec![LeadStatus::New, LeadStatus::Contacted, LeadStatus::Qualified];
        let q = lead::Entity::find()
            .filter(lead::Column::OrganizationId.eq(actor.org_id))
            .filter(lead::Column::OwnerId.is_null())
            .filter(lead::Column::Status.is_in(open.iter().map(|s| s.as_str())));
        // In the lead counts a lead without an owner counts under the nil id.
        let counted =
            crate::kernel::scope::LeadTally { owners: crate::Owners::Only(vec![Uuid::nil()]), statuses: Some(open) };
        self.lead_page(q, actor.org_id, filter, req, counted).await
    }

    /// `claimLead`: an SDR takes a lead from the pool, within the claim limit per day.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn claim_lead(&self, actor: &Actor, id: Uuid) -> Result<lead::Model, AppError> {
        // Refused before the transaction, so a refused caller never holds the write lock.
        actor.authorize(Action::ClaimLead)?;
        let txn = self.tx().await?;
        let (before, me) = claimable(&txn, actor, id).await?;
        let mut am = before.clone().into_active_model();
        am.owner_id = Set(Some(me));
        am.pooled_at = Set(None);
        am.bump(before.version, Utc::now());
        let after = am.update(&txn).await?;
        crate::kernel::sla::reassign_clocks(&txn, id, me).await?;
        audit::commit(txn, actor, audit::Entry::new("claimLead", "lead", id, Some(&before), Some(&after))).await?;
        Ok(after)
    }

    /// Returns and claims of the pool, newest first, for the manager's view.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn pool_activity(&self, actor: &Actor) -> Result<Vec<audit_log::Model>, AppError> {
        actor.authorize(Action::ReadPoolActivity)?;
        Ok(audit_log::Entity::find()
            .filter(audit_log::Column::OrganizationId.eq(actor.org_id))
            .filter(audit_log::Column::Action.is_in(["returnToPool", "claimLead"]))
            .order_by_desc(audit_log::Column::Id)
            .limit(100)
            .all(&self.db)
            .await?)
    }

    /// `optOutOfCadence`: the lead asked not to be contacted by the cadence. Returns the
    /// enrollments it stopped.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn opt_out_of_cadence(
        &self,
        actor: &Actor,
        lead_id: Uuid,
    ) -> Result<Vec<cadence_enrollment::Model>, AppError> {
        let txn = self.tx().await?;
        let l = crate::kernel::gate::lead(&txn, actor, lead_id, Action::OptOutOfCadence).await?;
        let stopped = stop_cadences(&txn, l.id, "OPTED_OUT").await?;
        audit::commit(txn, actor, audit::Entry::new("optOutOfCadence", "lead", l.id, None::<&()>, Some(&"OPTED_OUT")))
            .await?;
        Ok(stopped)
    }

    /// Runs the due steps of every running cadence: an e-mail to the lead and a task for its
    /// owner. Returns how many steps ran.
    #[tracing::instrument(skip_all)]
    pub async fn run_cadences(&self, now: DateTime<Utc>) -> Result<usize, AppError> {
        let running = cadence_enrollment::Entity::find()
            .filter(cadence_enrollment::Column::StoppedAt.is_null())
            .all(&self.db)
            .await?;
        let mut ran = 0;
        for e in running {
            let txn = self.tx().await?;
            let Some(cur) = cadence_enrollment::Entity::find_by_id(e.id).lock_exclusive().one(&txn).await? else {
                continue;
            };
            let steps = self.steps_of(&txn, &cur.cadence).await?;
            let Some((day, subject, body, task)) =
                steps.get(usize::try_from(cur.next_step).unwrap_or(usize::MAX)).cloned()
            else {
                continue;
            };
            let (subject, body, task) = (subject.as_str(), body.as_str(), task.as_str());
            if cur.stopped_at.is_some() || cur.started_at + Duration::days(day) > now {
                continue;
            }
            let l = lead::Entity::find_by_id(cur.lead_id).one(&txn).await?.context("lead row")?;
            // Marketing e-mail needs a live consent: without one the step waits (CONSENT_REQUIRED)
            // and runs once consent is recorded.
            if let Some(to) = &l.contact_email {
                if !crate::marketing::consent::has_consent(&txn, l.id, "MARKETING_EMAIL").await? {
                    tracing::debug!(lead = %l.id, "cadence step waits: CONSENT_REQUIRED");
                    continue;
                }
                let mail = Mail { to, subject, body, lead: Some(l.id), purpose: Some("MARKETING_EMAIL") };
                queue_email(&txn, cur.organization_id, mail, now).await?;
            }
            if let Some(owner) = l.owner_id {
                let due = now + Duration::days(1);
                crate::kernel::sla::insert_task_for(
                    &txn,
                    cur.organization_id,
                    owner,
                    &format!("{task}: {}", l.company_name),
                    due,
                    ("lead", l.id),
                )
                .await?;
            }
            let mut am = cur.clone().into_active_model();
            am.next_step = Set(cur.next_step + 1);
            if cur.next_step as usize + 1 >= steps.len() {
                am.stopped_at = Set(Some(now));
                am.stop_reason = Set(Some("COMPLETED".into()));
            }
            am.update(&txn).await?;
            txn.commit().await?;
            ran += 1;
        }
        Ok(ran)
    }

    /// Delivers due outbox e-mails with `sender`; a failure is retried with exponential backoff
    /// (1, 2, 4, 8 minutes) and given up after five attempts. Each row is locked and re-checked,
    /// so no e-mail is sent twice. Returns (sent, failed attempts).
    #[tracing::instrument(skip_all)]
    pub async fn deliver_outbox(
        &self,
        sender: Arc<dyn Sender>,
        now: DateTime<Utc>,
    ) -> Result<(usize, usize), AppError> {
        let due = outbox_email::Entity::find()
            .filter(outbox_email::Column::Status.eq(MailStatus::Pending.as_str()))
            .filter(outbox_email::Column::NextAttemptAt.lte(now))
            .all(&self.db)
            .await?;
        let (mut sent, mut failed) = (0, 0);
        for m in due {
            let Some(cur) = self.claim_email(m.id, now).await? else { continue };
            // Senders do blocking network I/O: keep it off the async workers, and hold no
            // transaction (on SQLite, the write lock) while the mail server takes its time.
            let (s, to, subject, body) =
                (sender.clone(), cur.to_address.clone(), cur.subject.clone(), cur.body.clone());
            let outcome = tokio::task::spawn_blocking(move || s.send(&to, &subject, &body))
                .await
                .unwrap_or_else(|e| Err(format!("sender panicked: {e}")));
            let mut am = cur.clone().into_active_model();
            let (status, retry_in) = mail_rules::after_attempt(cur.attempts, outcome.is_ok());
            am.status = Set(status.as_str().to_owned());
            if let Some(minutes) = retry_in {
                am.next_attempt_at = Set(now + Duration::minutes(minutes));
            }
            match outcome {
                Ok(()) => {
                    am.sent_at = Set(Some(now));
                    sent += 1;
                }
                Err(e) => {
                    am.last_error = Set(Some(e));
                    failed += 1;
                }
            }
            am.update(&self.db).await?;
        }
        Ok((sent, failed))
    }

    /// Claims one due e-mail for sending, in a short transaction of its own: re-read under a
    /// lock, still PENDING, consent still live (else it is cancelled), then the attempt is
    /// counted and the e-mail leased for [`SEND_LEASE`] so no other runner takes it meanwhile.
    /// A runner that dies while sending leaves the lease to run out and the e-mail is tried
    /// again: delivery is at least once.
    async fn claim_email(&self, id: Uuid, now: DateTime<Utc>) -> Result<Option<outbox_email::Model>, AppError> {
        let txn = self.tx().await?;
        let Some(cur) = outbox_email::Entity::find_by_id(id).lock_exclusive().one(&txn).await? else {
            return Ok(None);
        };
        if MailStatus::parse(&cur.status) != Some(MailStatus::Pending) || cur.next_attempt_at > now {
            return Ok(None);
        }
        // Consent is checked when the e-mail leaves, not only when it was queued.
        if let (Some(purpose), Some(lead)) = (cur.purpose.as_deref(), cur.lead_id)
            && !crate::marketing::consent::has_consent(&txn, lead, purpose).await?
        {
            let reason = format!("{}: no live {purpose} consent at delivery", Rule::ConsentRequired);
            let mut am = cur.clone().into_active_model();
            am.status = Set(MailStatus::Cancelled.as_str().to_owned());
            am.last_error = Set(Some(reason));
            am.update(&txn).await?;
            txn.commit().await?;
            return Ok(None);
        }
        let attempts = cur.attempts + 1;
        let mut am = cur.into_active_model();
        am.attempts = Set(attempts);
        am.next_attempt_at = Set(now + SEND_LEASE);
        let claimed = am.update(&txn).await?;
        txn.commit().await?;
        Ok(Some(claimed))
    }

    /// The steps of a cadence: the built-in trial cadence, or an organization's definition.
    async fn steps_of<C: ConnectionTrait>(&self, db: &C, cadence: &str) -> Result<Vec<Step>, AppError> {
        if cadence == "TRIAL" {
            return Ok(TRIAL_CADENCE
                .iter()
                .map(|(d, s, b, t)| (*d, (*s).to_owned(), (*b).to_owned(), (*t).to_owned()))
                .collect());
        }
        let Ok(id) = Uuid::parse_str(cadence) else { return Ok(vec![]) };
        let Some(def) = cadence_definition::Entity::find_by_id(id).one(db).await? else { return Ok(vec![]) };
        Ok(definition_steps(&def))
    }

    /// `createCadence` (MARKETING, SALES_MANAGER): an organization's own cadence of e-mails and tasks.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn create_cadence(
        &self,
        actor: &Actor,
        name: &str,
        steps: Vec<Step>,
    ) -> Result<cadence_definition::Model, AppError> {
        let name = baton_domain::text::required_short(name).map_err(AppError::text("name"))?;
        if steps.is_empty() || steps.len() > 20 {
            return Err(AppError::bad_input("steps", "a cadence has 1 to 20 steps"));
        }
        let mut last = -1;
        let mut json_steps = Vec::with_capacity(steps.len());
        for (day, subject, body, task) in &steps {
            if *day <= last || *day > 365 {
                return Err(AppError::bad_input("day", "step days must increase and stay within a year"));
            }
            last = *day;
            let subject = baton_domain::text::required_short(subject).map_err(AppError::text("subject"))?;
            let body = baton_domain::text::required_long(body).map_err(AppError::text("body"))?;
            let task = baton_domain::text::required_short(task).map_err(AppError::text("task"))?;
            json_steps.push(serde_json::json!({ "day": day, "subject": subject, "body": body, "task": task }));
        }
        actor.authorize(Action::DefineCadence)?;
        let me = actor.person(Action::DefineCadence)?;
        let txn = self.tx().await?;
        let c = cadence_definition::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            name: Set(name),
            steps: Set(serde_json::Value::Array(json_steps)),
            created_by: Set(me),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new("createCadence", "cadence_definition", c.id, None::<&()>, Some(&c)),
        )
        .await?;
        Ok(c)
    }

    /// `enrollInCadence`: puts a lead on one of the organization's cadences.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn enroll_in_cadence(
        &self,
        actor: &Actor,
        lead_id: Uuid,
        cadence_id: Uuid,
    ) -> Result<cadence_enrollment::Model, AppError> {
        let txn = self.tx().await?;
        let l = crate::kernel::gate::lead(&txn, actor, lead_id, Action::EnrollInCadence).await?;
        let def = cadence_definition::Entity::find_by_id(cadence_id)
            .filter(cadence_definition::Column::OrganizationId.eq(actor.org_id))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("cadence"))?;
        enrollable(&l)?;
        let e = cadence_enrollment::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            lead_id: Set(l.id),
            cadence: Set(def.id.to_string()),
            next_step: Set(0),
            started_at: Set(Utc::now()),
            stopped_at: Set(None),
            stop_reason: Set(None),
        }
        .insert(&txn)
        .await?;
        audit::commit(txn, actor, audit::Entry::new("enrollInCadence", "lead", l.id, None::<&()>, Some(&def.name)))
            .await?;
        Ok(e)
    }

    /// One of the organization's own cadences (every member may read the definitions).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn cadence(&self, actor: &Actor, id: Uuid) -> Result<Option<cadence_definition::Model>, AppError> {
        Ok(cadence_definition::Entity::find_by_id(id)
            .filter(cadence_definition::Column::OrganizationId.eq(actor.org_id))
            .one(&self.db)
            .await?)
    }

    /// The outbox e-mails of a lead (for the lead's owner and for tests).
    #[tracing::instrument(skip_all)]
    pub async fn outbox_of(&self, org: Uuid, lead_id: Uuid) -> Result<Vec<outbox_email::Model>, AppError> {
        Ok(outbox_email::Entity::find()
            .filter(outbox_email::Column::OrganizationId.eq(org))
            .filter(outbox_email::Column::LeadId.eq(lead_id))
            .order_by_asc(outbox_email::Column::Id)
            .all(&self.db)
            .await?)
    }
}

/// The pooled lead a caller would claim, locked on PostgreSQL, and the caller: the action's
/// permission (a person's), a lead of the shared pool (unowned and open), and the caller's
/// claims of the last 24 hours under the organization's limit.
pub(crate) async fn claimable<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
) -> Result<(lead::Model, Uuid), AppError> {
    actor.authorize(Action::ClaimLead)?;
    let me = actor.person(Action::ClaimLead)?;
    let before = lead::Entity::find_by_id(id)
        .filter(lead::Column::OrganizationId.eq(actor.org_id))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(AppError::NotFound("lead"))?;
    if before.owner_id.is_some() || !open(&before.status) {
        return Err(AppError::rule(Rule::LeadNotInPool, "the lead is not in the shared pool"));
    }
    let org = crate::kernel::tx::load_org(db, actor.org_id).await?;
    let claimed_today = audit_log::Entity::find()
        .filter(audit_log::Column::OrganizationId.eq(actor.org_id))
        .filter(audit_log::Column::ActorId.eq(me))
        .filter(audit_log::Column::Action.eq("claimLead"))
        .filter(audit_log::Column::CreatedAt.gte(Utc::now() - Duration::days(1)))
        .count(db)
        .await?;
    if claimed_today >= u64::try_from(org.pool_claim_limit).unwrap_or(0) {
        return Err(AppError::rule(
            Rule::ClaimLimitReached,
            format!("you claimed {claimed_today} leads in the last 24 hours; the limit is {}", org.pool_claim_limit),
        ));
    }
    Ok((before, me))
}

/// `enrollInCadence`'s rule: only an open lead is enrolled.
pub(crate) fn enrollable(l: &lead::Model) -> Result<(), AppError> {
    if !open(&l.status) {
        return Err(AppError::rule(Rule::InvalidTransition, "only an open lead is enrolled in a cadence"));
    }
    Ok(())
}
