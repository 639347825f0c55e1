//! Tasks and SLA clocks.

use crate::kernel::scalars::Timestamp;
use crate::kernel::types::{User, id, load_user};
use crate::{Gql, actor, app, id_arg};
use async_graphql::{Context, ID, Object, Result};
use baton_app::entity::{sla_clock, task};
use baton_app::kernel::sla::TaskChange;

/// Something to do by a time: from an SLA clock, or created by a person.
pub struct Task(pub task::Model);

/// Something to do by a time: from an SLA clock, or created by a person.
#[Object]
impl Task {
    /// The task's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// What to do.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// When it is due.
    async fn due_at(&self) -> Timestamp {
        self.0.due_at.into()
    }
    /// OPEN or DONE.
    async fn status(&self) -> Result<crate::kernel::enums::TaskStatus> {
        crate::kernel::enums::stored(&self.0.status)
    }
    /// Snoozed until this time.
    async fn snoozed_until(&self) -> Option<Timestamp> {
        self.0.snoozed_until.map(Timestamp)
    }
    /// The kind of object the task is about (lead, opportunity, contract).
    async fn entity_type(&self) -> Option<&str> {
        self.0.entity_type.as_deref()
    }
    /// The id of the object the task is about.
    async fn entity_id(&self) -> Option<ID> {
        self.0.entity_id.map(id)
    }
    /// The object the task is about, typed (a Lead, Opportunity, Contract, Invoice, ...); null when the task is about nothing or the caller may not read it.
    async fn subject(&self, ctx: &Context<'_>) -> Result<Option<crate::insight::node::Node>> {
        crate::insight::node::subject(ctx, self.0.entity_type.as_deref(), self.0.entity_id).await
    }
    /// Who has to do it.
    async fn owner(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, Some(self.0.owner_id)).await
    }
    /// True when an SLA clock created it (it completes itself when the clock stops).
    async fn from_sla(&self) -> bool {
        self.0.clock_id.is_some()
    }
    /// When the task was created.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    /// When it was completed; null while open.
    async fn completed_at(&self) -> Option<Timestamp> {
        self.0.completed_at.map(Timestamp)
    }
    /// Incremented on every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// An SLA clock on an object.
pub struct SlaClock(pub sla_clock::Model);

/// An SLA clock on an object.
#[Object]
impl SlaClock {
    /// The clock's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// FIRST_CONTACT, NEEDS_ANALYSIS, DEMO or LEGAL_REVIEW.
    async fn kind(&self) -> Result<crate::kernel::enums::SlaClockKind> {
        crate::kernel::enums::stored(&self.0.kind)
    }
    /// The kind of object the clock watches.
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// The id of the object the clock watches.
    async fn entity_id(&self) -> ID {
        id(self.0.entity_id)
    }
    /// The object the clock watches, typed (a Lead, Contract, Invoice, ...); null when the caller may not read it.
    async fn subject(&self, ctx: &Context<'_>) -> Result<Option<crate::insight::node::Node>> {
        crate::insight::node::subject(ctx, Some(&self.0.entity_type), Some(self.0.entity_id)).await
    }
    /// Who must act.
    async fn owner(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.owner_id).await
    }
    /// When it started.
    async fn started_at(&self) -> Timestamp {
        self.0.started_at.into()
    }
    /// When it warns (three quarters of its working time).
    async fn warn_at(&self) -> Timestamp {
        self.0.warn_at.into()
    }
    /// The deadline, in working time of the organization's calendar.
    async fn due_at(&self) -> Timestamp {
        self.0.due_at.into()
    }
    /// When it ran out, if it did.
    async fn breached_at(&self) -> Option<Timestamp> {
        self.0.breached_at.map(Timestamp)
    }
    /// When its condition was met.
    async fn stopped_at(&self) -> Option<Timestamp> {
        self.0.stopped_at.map(Timestamp)
    }
}

/// Task mutations.
#[derive(Default)]
pub struct WorkMutation;

#[Object]
impl WorkMutation {
    /// Creates a reminder for the caller, or for a member of a manager's team.
    async fn create_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "What to do.")] title: String,
        #[graphql(desc = "When it is due.")] due_at: Timestamp,
        #[graphql(desc = "Who has to do it (default: the caller).")] owner_id: Option<ID>,
    ) -> Result<Task> {
        let a = actor(ctx)?;
        let owner = owner_id.as_ref().map(|o| id_arg("ownerId", o)).transpose()?;
        Ok(Task(app(ctx).create_task(a, &title, due_at.into(), owner).await.gql()?))
    }

    /// Marks a task done.
    async fn complete_task(&self, ctx: &Context<'_>, #[graphql(desc = "The task.")] task_id: ID) -> Result<Task> {
        let a = actor(ctx)?;
        let id = id_arg("taskId", &task_id)?;
        Ok(Task(app(ctx).change_task(a, id, TaskChange::Complete).await.gql()?))
    }

    /// Snoozes a task until a later time.
    async fn snooze_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The task.")] task_id: ID,
        #[graphql(desc = "Until when.")] until: Timestamp,
    ) -> Result<Task> {
        let a = actor(ctx)?;
        let id = id_arg("taskId", &task_id)?;
        Ok(Task(app(ctx).change_task(a, id, TaskChange::Snooze(until.into())).await.gql()?))
    }

    /// Gives a task to someone else (yourself or, for a manager, a team member).
    async fn reassign_task(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The task.")] task_id: ID,
        #[graphql(desc = "The new owner.")] owner_id: ID,
    ) -> Result<Task> {
        let a = actor(ctx)?;
        let (t, o) = (id_arg("taskId", &task_id)?, id_arg("ownerId", &owner_id)?);
        Ok(Task(app(ctx).change_task(a, t, TaskChange::Reassign(o)).await.gql()?))
    }
}

pub(crate) async fn my_tasks(
    ctx: &Context<'_>,
    due_before: Option<Timestamp>,
) -> Result<Vec<crate::kernel::sla::Task>> {
    Ok(app(ctx)
        .tasks(actor(ctx)?, due_before.map(Into::into))
        .await
        .gql()?
        .into_iter()
        .map(crate::kernel::sla::Task)
        .collect())
}
