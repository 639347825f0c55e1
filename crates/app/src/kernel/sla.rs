//! SLA clocks and tasks. A clock starts with the state it watches (a new lead, a conversion, a
//! contract in review), creates a task for its owner, warns at three quarters of its working
//! time, breaches at its deadline (the owner's managers are told and the breach is kept for the
//! KPIs), and stops when its condition is met.

use crate::kernel::notifications::notify;
use crate::{Actor, App, AppError, Owners, kernel::audit};
use anyhow::Context;
use baton_domain::Role;
use baton_domain::permission::Action;
use baton_domain::sla::{self as task_rules, TaskStatus};
use baton_domain::sla::{Calendar, ClockKind, deadlines, parse_work_days};
use baton_domain::text;
use baton_store::entity::{organization, sla_clock, task, team, team_member, user};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use std::collections::BTreeSet;
use uuid::Uuid;

/// The organization's business-hours calendar.
pub fn calendar_of(org: &organization::Model) -> Calendar {
    let mut cal = Calendar::office(org.time_zone.parse().unwrap_or(chrono_tz::UTC));
    if let Ok(days) = parse_work_days(&org.work_days) {
        cal.work_days = days;
    }
    if let (Ok(s), Ok(e)) =
        (NaiveTime::parse_from_str(&org.work_start, "%H:%M"), NaiveTime::parse_from_str(&org.work_end, "%H:%M"))
    {
        cal.start = s;
        cal.end = e;
    }
    cal.holidays =
        org.holidays.split(',').filter_map(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok()).collect();
    cal
}

fn hours_for(org: &organization::Model, kind: ClockKind) -> i64 {
    i64::from(match kind {
        ClockKind::FirstContact => org.first_contact_sla_hours,
        ClockKind::NeedsAnalysis => org.needs_analysis_sla_hours,
        ClockKind::Demo => org.demo_sla_hours,
        ClockKind::LegalReview => org.legal_review_sla_hours,
        // The first payment's deadline is the invoice's due date (see `start_clock_until`).
        ClockKind::FirstPayment => 0,
    })
}

/// Starts a clock whose deadline is a date rather than working hours (the first payment is due
/// on the invoice's due date); it warns seven days before.
pub(crate) async fn start_clock_until<C: ConnectionTrait>(
    db: &C,
    org_id: Uuid,
    kind: ClockKind,
    entity: (&str, Uuid),
    owner: Uuid,
    due: DateTime<Utc>,
    title: &str,
) -> Result<sla_clock::Model, AppError> {
    let now = Utc::now();
    let clock = sla_clock::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org_id),
        kind: Set(kind.as_str().to_owned()),
        entity_type: Set(entity.0.to_owned()),
        entity_id: Set(entity.1),
        owner_id: Set(Some(owner)),
        started_at: Set(now),
        warn_at: Set((due - Duration::days(7)).max(now)),
        due_at: Set(due),
        warned_at: Set(None),
        breached_at: Set(None),
        stopped_at: Set(None),
    }
    .insert(db)
    .await?;
    insert_task(db, org_id, owner, title, due, Some(entity), Some(clock.id), owner).await?;
    Ok(clock)
}

/// Starts a clock on an entity; with an owner, also a task due at the deadline.
pub(crate) async fn start_clock<C: ConnectionTrait>(
    db: &C,
    org_id: Uuid,
    kind: ClockKind,
    entity_type: &str,
    entity_id: Uuid,
    owner: Option<Uuid>,
    title: &str,
) -> Result<sla_clock::Model, AppError> {
    let clocks = start_clocks(db, org_id, kind, entity_type, vec![(entity_id, owner, title.to_owned())]).await?;
    clocks.into_iter().next().context("the started clock").map_err(AppError::from)
}

/// Clocks and tasks written by one statement each at most.
const CLOCK_BATCH: usize = 500;

/// Starts one clock of a kind on each of many entities (entity, owner, task title), as
/// [`start_clock`] does for one, with a few multi-row statements.
pub(crate) async fn start_clocks<C: ConnectionTrait>(
    db: &C,
    org_id: Uuid,
    kind: ClockKind,
    entity_type: &str,
    entities: Vec<(Uuid, Option<Uuid>, String)>,
) -> Result<Vec<sla_clock::Model>, AppError> {
    let org = crate::kernel::tx::load_org(db, org_id).await?;
    let now = Utc::now();
    let (warn, due) = deadlines(&calendar_of(&org), now, Duration::hours(hours_for(&org, kind)));
    // A clock without an individual owner belongs to a department (legal's review): every
    // member gets the task, as an owner would; stopping the clock completes them all.
    let department =
        if entities.iter().any(|(_, o, _)| o.is_none()) { responsible(db, org_id, None).await? } else { vec![] };
    let mut started = Vec::with_capacity(entities.len());
    for chunk in entities.chunks(CLOCK_BATCH) {
        let mut clocks = Vec::with_capacity(chunk.len());
        let mut tasks = Vec::with_capacity(chunk.len());
        for (entity_id, owner, title) in chunk {
            let clock = sla_clock::Model {
                id: Uuid::now_v7(),
                organization_id: org_id,
                kind: kind.as_str().to_owned(),
                entity_type: entity_type.to_owned(),
                entity_id: *entity_id,
                owner_id: *owner,
                started_at: now,
                warn_at: warn,
                due_at: due,
                warned_at: None,
                breached_at: None,
                stopped_at: None,
            };
            let holders = match owner {
                Some(o) => std::slice::from_ref(o),
                None => department.as_slice(),
            };
            for o in holders {
                tasks.push(task_row(org_id, *o, title, due, Some((entity_type, *entity_id)), Some(clock.id), *o));
            }
            clocks.push(clock);
        }
        sla_clock::Entity::insert_many(clocks.iter().cloned().map(|c| sla_clock::ActiveModel::from(c).reset_all()))
            .exec(db)
            .await?;
        for t in tasks.chunks(CLOCK_BATCH) {
            task::Entity::insert_many(t.iter().cloned().map(|t| task::ActiveModel::from(t).reset_all()))
                .exec(db)
                .await?;
        }
        started.extend(clocks);
    }
    Ok(started)
}

/// Who answers for a clock: its owner, or for a department's clock (no owner) every active
/// user of the responsible role.
async fn responsible<C: ConnectionTrait>(db: &C, org: Uuid, owner: Option<Uuid>) -> Result<Vec<Uuid>, AppError> {
    if let Some(o) = owner {
        return Ok(vec![o]);
    }
    Ok(crate::kernel::auth::holders_of(org, &[Role::Legal])
        .filter(baton_store::entity::user::Column::Active.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}

/// What a clock is about, in words a notice can carry: the contract and its deal, the lead's
/// company, the opportunity's name, the invoice's number.
async fn subject_of<C: ConnectionTrait>(db: &C, c: &sla_clock::Model) -> Result<String, AppError> {
    use baton_store::entity::{contract, invoice, lead, opportunity};
    let label = match c.entity_type.as_str() {
        "contract" => match contract::Entity::find_by_id(c.entity_id).one(db).await? {
            Some(k) => {
                let deal = opportunity::Entity::find_by_id(k.opportunity_id).one(db).await?.map(|o| o.name);
                format!("contract {} (version {}) for \"{}\"", k.id, k.version, deal.unwrap_or_default())
            }
            None => format!("contract {}", c.entity_id),
        },
        "lead" => match lead::Entity::find_by_id(c.entity_id).one(db).await? {
            Some(l) => format!("lead {} ({})", l.id, l.company_name),
            None => format!("lead {}", c.entity_id),
        },
        "opportunity" => match opportunity::Entity::find_by_id(c.entity_id).one(db).await? {
            Some(o) => format!("opportunity {} (\"{}\")", o.id, o.name),
            None => format!("opportunity {}", c.entity_id),
        },
        "invoice" => match invoice::Entity::find_by_id(c.entity_id).one(db).await? {
            Some(i) => {
                format!("invoice {}", i.number.map(|n| format!("INV-{n:06}")).unwrap_or_else(|| i.id.to_string()))
            }
            None => format!("invoice {}", c.entity_id),
        },
        other => format!("{other} {}", c.entity_id),
    };
    Ok(label)
}

#[allow(clippy::too_many_arguments)] // one argument per column of the task row
async fn insert_task<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    owner: Uuid,
    title: &str,
    due: DateTime<Utc>,
    entity: Option<(&str, Uuid)>,
    clock: Option<Uuid>,
    created_by: Uuid,
) -> Result<task::Model, AppError> {
    Ok(task::ActiveModel::from(task_row(org, owner, title, due, entity, clock, created_by))
        .reset_all()
        .insert(db)
        .await?)
}

/// A new open task.
fn task_row(
    org: Uuid,
    owner: Uuid,
    title: &str,
    due: DateTime<Utc>,
    entity: Option<(&str, Uuid)>,
    clock: Option<Uuid>,
    created_by: Uuid,
) -> task::Model {
    task::Model {
        id: Uuid::now_v7(),
        organization_id: org,
        owner_id: owner,
        // Titles are composed from names; keep them within a name's length.
        title: title.chars().take(baton_domain::text::SHORT_TEXT_MAX).collect(),
        due_at: due,
        status: TaskStatus::Open.as_str().to_owned(),
        snoozed_until: None,
        entity_type: entity.map(|e| e.0.to_owned()),
        entity_id: entity.map(|e| e.1),
        clock_id: clock,
        created_by,
        version: 1,
        created_at: Utc::now(),
        completed_at: None,
    }
}

/// A task for an owner about an entity, outside any clock (cadence steps).
pub(crate) async fn insert_task_for<C: ConnectionTrait>(
    db: &C,
    org: Uuid,
    owner: Uuid,
    title: &str,
    due: DateTime<Utc>,
    entity: (&str, Uuid),
) -> Result<task::Model, AppError> {
    insert_task(db, org, owner, title, due, Some(entity), None, owner).await
}

/// Stops the running clocks of a kind on an entity (the condition is met) and completes their tasks.
pub(crate) async fn stop_clocks<C: ConnectionTrait>(db: &C, entity_id: Uuid, kind: ClockKind) -> Result<(), AppError> {
    let now = Utc::now();
    for c in sla_clock::Entity::find()
        .filter(sla_clock::Column::EntityId.eq(entity_id))
        .filter(sla_clock::Column::Kind.eq(kind.as_str()))
        .filter(sla_clock::Column::StoppedAt.is_null())
        .all(db)
        .await?
    {
        let id = c.id;
        let mut am = c.into_active_model();
        am.stopped_at = Set(Some(now));
        am.update(db).await?;
        for t in task::Entity::find()
            .filter(task::Column::ClockId.eq(id))
            .filter(task::Column::Status.eq(TaskStatus::Open.as_str()))
            .all(db)
            .await?
        {
            let mut tam = t.clone().into_active_model();
            tam.status = Set(TaskStatus::Done.as_str().to_owned());
            tam.completed_at = Set(Some(now));
            tam.version = Set(t.version + 1);
            tam.update(db).await?;
        }
    }
    Ok(())
}

/// Gives the open clock tasks of an entity to a new owner (a lead was reassigned).
pub(crate) async fn reassign_clocks<C: ConnectionTrait>(db: &C, entity_id: Uuid, owner: Uuid) -> Result<(), AppError> {
    for c in sla_clock::Entity::find()
        .filter(sla_clock::Column::EntityId.eq(entity_id))
        .filter(sla_clock::Column::StoppedAt.is_null())
        .all(db)
        .await?
    {
        let id = c.id;
        let mut am = c.into_active_model();
        am.owner_id = Set(Some(owner));
        am.update(db).await?;
        for t in task::Entity::find()
            .filter(task::Column::ClockId.eq(id))
            .filter(task::Column::Status.eq(TaskStatus::Open.as_str()))
            .all(db)
            .await?
        {
            let mut tam = t.clone().into_active_model();
            tam.owner_id = Set(owner);
            tam.version = Set(t.version + 1);
            tam.update(db).await?;
        }
    }
    Ok(())
}

/// Whom a breach is reported to: the managers of the owner's teams, or for clocks without an
/// owner (the legal review), every user of the responsible role.
async fn escalation<C: ConnectionTrait>(db: &C, c: &sla_clock::Model) -> Result<BTreeSet<Uuid>, AppError> {
    let mut to = BTreeSet::new();
    match c.owner_id {
        Some(owner) => {
            let teams: Vec<Uuid> = team_member::Entity::find()
                .filter(team_member::Column::UserId.eq(owner))
                .all(db)
                .await?
                .into_iter()
                .map(|m| m.team_id)
                .collect();
            to.extend(
                team::Entity::find()
                    .filter(team::Column::Id.is_in(teams))
                    .all(db)
                    .await?
                    .into_iter()
                    .map(|t| t.manager_id),
            );
            to.insert(owner);
        }
        None => {
            to.extend(
                crate::kernel::auth::holders_of(c.organization_id, &[Role::Legal])
                    .all(db)
                    .await?
                    .into_iter()
                    .map(|u| u.id),
            );
        }
    }
    Ok(to)
}

impl App {
    /// Warns clocks past three quarters of their time and breaches clocks past their deadline.
    /// Each clock is re-read under a lock, so several schedulers never warn or breach twice.
    /// Returns (warned, breached).
    #[tracing::instrument(skip_all)]
    pub async fn check_clocks(&self, now: DateTime<Utc>) -> Result<(usize, usize), AppError> {
        let due = sla_clock::Entity::find()
            .filter(sla_clock::Column::StoppedAt.is_null())
            .filter(sla_clock::Column::BreachedAt.is_null())
            .filter(sla_clock::Column::WarnAt.lte(now))
            .all(&self.db)
            .await?;
        let (mut warned, mut breached) = (0, 0);
        for c in due {
            let txn = self.tx().await?;
            let Some(cur) = sla_clock::Entity::find_by_id(c.id).lock_exclusive().one(&txn).await? else { continue };
            if cur.stopped_at.is_some() || cur.breached_at.is_some() {
                continue;
            }
            let mut am = cur.clone().into_active_model();
            let mut sent = vec![];
            if cur.due_at <= now {
                am.breached_at = Set(Some(now));
                let about = subject_of(&txn, &cur).await?;
                for u in escalation(&txn, &cur).await? {
                    sent.push(
                        notify(
                            &txn,
                            cur.organization_id,
                            u,
                            &format!("SLA breached: {}", cur.kind),
                            &format!("The {} clock on {about} ran out at {}.", cur.kind, cur.due_at),
                        )
                        .await?,
                    );
                }
                breached += 1;
            } else if cur.warned_at.is_none() {
                am.warned_at = Set(Some(now));
                let about = subject_of(&txn, &cur).await?;
                for o in responsible(&txn, cur.organization_id, cur.owner_id).await? {
                    sent.push(
                        notify(
                            &txn,
                            cur.organization_id,
                            o,
                            &format!("SLA due soon: {}", cur.kind),
                            &format!("The {} clock on {about} runs out at {}.", cur.kind, cur.due_at),
                        )
                        .await?,
                    );
                }
                warned += 1;
            } else {
                continue;
            }
            let after = am.update(&txn).await?;
            audit::record(
                &txn,
                cur.organization_id,
                audit::AuditActor::SYSTEM,
                "checkSla",
                "sla_clock",
                cur.id,
                Some(&cur),
                Some(&after),
            )
            .await?;
            txn.commit().await?;
            self.publish_notifications(sent);
        }
        Ok((warned, breached))
    }

    /// The caller's open tasks, soonest first, due before `before` when given.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn tasks(&self, actor: &Actor, before: Option<DateTime<Utc>>) -> Result<Vec<task::Model>, AppError> {
        let Some(me) = actor.user_id() else { return Ok(vec![]) };
        let mut q = task::Entity::find()
            .filter(task::Column::OwnerId.eq(me))
            .filter(task::Column::Status.eq(TaskStatus::Open.as_str()));
        if let Some(b) = before {
            q = q.filter(task::Column::DueAt.lt(b));
        }
        Ok(q.order_by_asc(task::Column::DueAt).all(&self.db).await?)
    }

    /// `createTask`: a reminder for the caller (or, for a manager, for a team member).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn create_task(
        &self,
        actor: &Actor,
        title: &str,
        due: DateTime<Utc>,
        owner: Option<Uuid>,
    ) -> Result<task::Model, AppError> {
        let title = text::required_short(title).map_err(AppError::text("title"))?;
        let me = actor.user_id().ok_or_else(|| AppError::Forbidden(vec!["tasks belong to people".into()]))?;
        let owner = owner.unwrap_or(me);
        let txn = self.tx().await?;
        self.task_target(&txn, actor, owner).await?;
        let t = insert_task(&txn, actor.org_id, owner, &title, due, None, None, me).await?;
        audit::commit(txn, actor, audit::Entry::new("createTask", "task", t.id, None::<&()>, Some(&t))).await?;
        Ok(t)
    }

    /// A task's owner must be the caller or, for managers, someone in their team.
    async fn task_target<C: ConnectionTrait>(&self, db: &C, actor: &Actor, owner: Uuid) -> Result<(), AppError> {
        user::Entity::find_by_id(owner)
            .filter(user::Column::OrganizationId.eq(actor.org_id))
            .one(db)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        let team = match actor.authorize(Action::SalesView) {
            Ok(scope) => actor.owners(scope),
            Err(_) => Owners::Only(actor.user_id().into_iter().collect()),
        };
        if actor.user_id() == Some(owner) || team.contains(Some(owner)) {
            Ok(())
        } else {
            Err(AppError::Forbidden(vec!["tasks are given only to yourself or, for a manager, to your team".into()]))
        }
    }

    async fn own_task<C: ConnectionTrait>(&self, db: &C, actor: &Actor, id: Uuid) -> Result<task::Model, AppError> {
        let t = task::Entity::find_by_id(id)
            .filter(task::Column::OrganizationId.eq(actor.org_id))
            .one(db)
            .await?
            .ok_or(AppError::NotFound("task"))?;
        self.task_target(db, actor, t.owner_id).await.map_err(|_| AppError::NotFound("task"))?;
        Ok(t)
    }

    /// `completeTask`, `snoozeTask` and `reassignTask` in one place: the change is applied to a
    /// task of the caller (or of a manager's team member).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn change_task(&self, actor: &Actor, id: Uuid, change: TaskChange) -> Result<task::Model, AppError> {
        let txn = self.tx().await?;
        let before = self.own_task(&txn, actor, id).await?;
        let status = crate::kernel::error::stored(&before.status, TaskStatus::parse, "task status")?;
        task_rules::change_task(status).map_err(AppError::Rule)?;
        let mut am = before.clone().into_active_model();
        let action = match change {
            TaskChange::Complete => {
                am.status = Set(TaskStatus::Done.as_str().to_owned());
                am.completed_at = Set(Some(Utc::now()));
                "completeTask"
            }
            TaskChange::Snooze(until) => {
                if until <= Utc::now() {
                    return Err(AppError::bad_input("until", "must be in the future"));
                }
                am.snoozed_until = Set(Some(until));
                am.due_at = Set(until.max(before.due_at));
                "snoozeTask"
            }
            TaskChange::Reassign(to) => {
                self.task_target(&txn, actor, to).await?;
                am.owner_id = Set(to);
                "reassignTask"
            }
        };
        am.version = Set(before.version + 1);
        let after = am.update(&txn).await?;
        audit::commit(txn, actor, audit::Entry::new(action, "task", id, Some(&before), Some(&after))).await?;
        Ok(after)
    }

    /// Breached clocks of the caller's scope (a manager: the team's), newest first.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn sla_breaches(&self, actor: &Actor) -> Result<Vec<sla_clock::Model>, AppError> {
        let scope = actor.authorize(Action::SalesView)?;
        let mut q = sla_clock::Entity::find()
            .filter(sla_clock::Column::OrganizationId.eq(actor.org_id))
            .filter(sla_clock::Column::BreachedAt.is_not_null());
        if let Owners::Only(ids) = actor.owners(scope) {
            q = q.filter(sla_clock::Column::OwnerId.is_in(ids));
        }
        Ok(q.order_by_desc(sla_clock::Column::BreachedAt).all(&self.db).await?)
    }

    /// The clocks of one entity (running and finished), oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn clocks_of(&self, org: Uuid, entity_id: Uuid) -> Result<Vec<sla_clock::Model>, AppError> {
        Ok(sla_clock::Entity::find()
            .filter(sla_clock::Column::OrganizationId.eq(org))
            .filter(sla_clock::Column::EntityId.eq(entity_id))
            .order_by_asc(sla_clock::Column::Id)
            .all(&self.db)
            .await?)
    }
}

/// What `change_task` does.
#[derive(Debug, Clone, Copy)]
pub enum TaskChange {
    Complete,
    Snooze(DateTime<Utc>),
    Reassign(Uuid),
}
