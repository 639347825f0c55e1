//! The lead pool, cadences, commission statements and quotas.

use crate::id_arg;
use crate::kernel::scalars::Decimal;
use crate::kernel::scalars::Timestamp;
use crate::kernel::types::Money;
use crate::kernel::types::MoneyInput;
use crate::kernel::types::User;
use crate::kernel::types::id;
use crate::sales::leads::Lead;
use crate::{Gql, actor, app};
use async_graphql::{ComplexObject, Context, ID, Object, Result, SimpleObject};
use baton_app::entity::{audit_log, cadence_definition, cadence_enrollment, commission_entry, quota};
use baton_app::sales::incentives::Attainment;
use chrono::NaiveDate;

/// A lead returned to the pool or claimed from it.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct PoolEvent {
    /// The event's id (its audit entry's).
    pub id: ID,
    /// What happened: returnToPool or claimLead.
    pub action: String,
    /// The lead's id.
    pub lead_id: ID,
    /// Who claimed it (null when the scheduler returned it).
    pub actor_id: Option<ID>,
    /// When.
    pub at: Timestamp,
}

#[ComplexObject]
impl PoolEvent {
    /// The lead, when the caller may read it (null once it is another rep's).
    async fn lead(&self, ctx: &Context<'_>) -> Result<Option<Lead>> {
        crate::insight::node::lead(ctx, crate::id_arg("leadId", &self.lead_id)?).await
    }
}

impl From<audit_log::Model> for PoolEvent {
    fn from(a: audit_log::Model) -> Self {
        PoolEvent {
            id: id(a.id),
            action: a.action,
            lead_id: id(a.entity_id),
            actor_id: a.actor_id.map(id),
            at: a.created_at.into(),
        }
    }
}

/// One commission line: a component of the plan on one payment (negative for a clawback).
pub struct CommissionLine(pub commission_entry::Model);

/// One commission line: a component of the plan on one payment (negative for a clawback).
#[Object]
impl CommissionLine {
    /// The line's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// BASE, RETENTION, BIG_DEAL or TEAM.
    async fn component(&self) -> Result<crate::kernel::enums::CommissionComponent> {
        crate::kernel::enums::stored(&self.0.component)
    }
    /// The rate in percent.
    async fn rate_percent(&self) -> Decimal {
        Decimal(baton_app::admin::org::bp_to_percent(self.0.rate_bp))
    }
    /// The cash it was computed on (negative for a refund).
    async fn basis(&self) -> Money {
        Money::from_minor(self.0.basis_minor, &self.0.currency)
    }
    /// The commission.
    async fn amount(&self) -> Money {
        Money::from_minor(self.0.amount_minor, &self.0.currency)
    }
    /// The deal's id.
    async fn opportunity_id(&self) -> ID {
        id(self.0.opportunity_id)
    }
    /// The deal, when the caller may read it.
    async fn opportunity(&self, ctx: &Context<'_>) -> Result<Option<crate::sales::deals::Opportunity>> {
        crate::insight::node::opportunity(ctx, self.0.opportunity_id).await
    }
    /// When the cash came in (or went back).
    async fn earned_at(&self) -> Timestamp {
        self.0.earned_at.into()
    }
}

/// A rep's commission for a period.
pub struct CommissionStatement(pub uuid::Uuid, pub Vec<commission_entry::Model>, pub String);

/// A rep's commission for a period.
#[Object]
impl CommissionStatement {
    /// The rep's id.
    async fn user_id(&self) -> ID {
        id(self.0)
    }
    /// The rep.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        crate::kernel::types::load_user(ctx, Some(self.0)).await
    }
    /// The sum of the lines.
    async fn total(&self) -> Money {
        Money::from_minor(self.1.iter().map(|e| e.amount_minor).sum(), &self.2)
    }
    /// The lines, oldest first.
    async fn lines(&self) -> Vec<CommissionLine> {
        self.1.iter().cloned().map(CommissionLine).collect()
    }
}

/// A rep's quota and how much of it is signed.
pub struct QuotaAttainment(pub Attainment);

/// A rep's quota and how much of it is signed.
#[Object]
impl QuotaAttainment {
    /// The rep.
    async fn user(&self) -> User {
        User(self.0.user.clone())
    }
    /// The first day of the quota period.
    async fn starts_on(&self) -> NaiveDate {
        self.0.quota.starts_on
    }
    /// The last day of the quota period.
    async fn ends_on(&self) -> NaiveDate {
        self.0.quota.ends_on
    }
    /// The quota.
    async fn quota(&self) -> Money {
        Money::from_minor(self.0.quota.amount_minor, &self.0.quota.currency)
    }
    /// Contract value the rep signed in the period.
    async fn signed(&self) -> Money {
        Money::from_minor(self.0.signed_minor, &self.0.quota.currency)
    }
    /// Signed divided by quota.
    async fn attainment(&self) -> Decimal {
        Decimal::rate(self.0.rate)
    }
}

/// A rep's quota for a period.
pub struct Quota(pub quota::Model);

/// A rep's quota for a period.
#[Object]
impl Quota {
    /// The quota's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The rep.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        crate::kernel::types::load_user(ctx, Some(self.0.user_id)).await
    }
    /// The first day of the period.
    async fn starts_on(&self) -> NaiveDate {
        self.0.starts_on
    }
    /// The last day of the period.
    async fn ends_on(&self) -> NaiveDate {
        self.0.ends_on
    }
    /// The quota of signed contract value.
    async fn amount(&self) -> Money {
        Money::from_minor(self.0.amount_minor, &self.0.currency)
    }
    /// When it was set.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
}

/// One of the organization's own cadences of e-mails and tasks.
pub struct Cadence(pub cadence_definition::Model);

/// One step of a cadence.
#[derive(SimpleObject)]
pub struct CadenceStep {
    /// Days after enrollment.
    pub day: i32,
    /// The e-mail's subject.
    pub subject: String,
    /// The e-mail's text.
    pub body: String,
    /// The task for the lead's owner.
    pub task: String,
}

/// One of the organization's own cadences of e-mails and tasks.
#[Object]
impl Cadence {
    /// The cadence's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The cadence's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The steps, by increasing day.
    async fn steps(&self) -> Vec<CadenceStep> {
        baton_app::marketing::automation::definition_steps(&self.0)
            .into_iter()
            .map(|(day, subject, body, task)| CadenceStep {
                day: i32::try_from(day).unwrap_or(i32::MAX),
                subject,
                body,
                task,
            })
            .collect()
    }
    /// Who defined it.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        crate::kernel::types::load_user(ctx, Some(self.0.created_by)).await
    }
    /// When it was defined.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
}

/// A lead on a cadence: which step comes next, and whether and why it stopped.
pub struct CadenceEnrollment(pub cadence_enrollment::Model);

/// A lead on a cadence: which step comes next, and whether and why it stopped.
#[Object]
impl CadenceEnrollment {
    /// The enrollment's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The lead, when the caller may read it.
    async fn lead(&self, ctx: &Context<'_>) -> Result<Option<Lead>> {
        crate::insight::node::lead(ctx, self.0.lead_id).await
    }
    /// The organization's cadence; null for the built-in trial cadence.
    async fn cadence(&self, ctx: &Context<'_>) -> Result<Option<Cadence>> {
        let Ok(def) = uuid::Uuid::parse_str(&self.0.cadence) else { return Ok(None) };
        Ok(app(ctx).cadence(actor(ctx)?, def).await.gql()?.map(Cadence))
    }
    /// The index of the next step to run (0 for the first).
    async fn next_step(&self) -> i32 {
        self.0.next_step
    }
    /// When the lead was enrolled.
    async fn started_at(&self) -> Timestamp {
        self.0.started_at.into()
    }
    /// When it stopped (null while it runs).
    async fn stopped_at(&self) -> Option<Timestamp> {
        self.0.stopped_at.map(Timestamp)
    }
    /// Why it stopped: OPTED_OUT, DISQUALIFIED, CONVERTED, ERASED or COMPLETED.
    async fn stop_reason(&self) -> Option<&str> {
        self.0.stop_reason.as_deref()
    }
}

/// One step of a cadence.
#[derive(async_graphql::InputObject)]
pub struct CadenceStepInput {
    /// Days after enrollment.
    pub day: i32,
    /// The e-mail's subject (sent only with a live marketing consent).
    pub subject: String,
    /// The e-mail's text.
    pub body: String,
    /// The task for the lead's owner.
    pub task: String,
}

/// Automation and incentive mutations.
#[derive(Default)]
pub struct AutomationMutation;

#[Object]
impl AutomationMutation {
    /// Takes a lead from the shared pool (SDR), within the organization's claim limit per day.
    async fn claim_lead(&self, ctx: &Context<'_>, #[graphql(desc = "The pooled lead.")] lead_id: ID) -> Result<Lead> {
        let a = actor(ctx)?;
        let id = id_arg("leadId", &lead_id)?;
        Ok(Lead(app(ctx).claim_lead(a, id).await.gql()?))
    }

    /// Defines a cadence of e-mails and tasks for the organization (MARKETING, SALES_MANAGER).
    async fn create_cadence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The cadence's name.")] name: String,
        #[graphql(desc = "The steps, by increasing day.")] steps: Vec<CadenceStepInput>,
    ) -> Result<Cadence> {
        let a = actor(ctx)?;
        let steps = steps.into_iter().map(|s| (i64::from(s.day), s.subject, s.body, s.task)).collect();
        Ok(Cadence(app(ctx).create_cadence(a, &name, steps).await.gql()?))
    }

    /// Enrolls an open lead in one of the organization's cadences.
    async fn enroll_in_cadence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead.")] lead_id: ID,
        #[graphql(desc = "The cadence.")] cadence_id: ID,
    ) -> Result<CadenceEnrollment> {
        let a = actor(ctx)?;
        let (l, c) = (id_arg("leadId", &lead_id)?, id_arg("cadenceId", &cadence_id)?);
        Ok(CadenceEnrollment(app(ctx).enroll_in_cadence(a, l, c).await.gql()?))
    }

    /// Stops the lead's cadences: the lead asked not to be contacted by them. Answers the enrollments it stopped.
    async fn opt_out_of_cadence(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The lead.")] lead_id: ID,
    ) -> Result<Vec<CadenceEnrollment>> {
        let a = actor(ctx)?;
        let id = id_arg("leadId", &lead_id)?;
        Ok(app(ctx).opt_out_of_cadence(a, id).await.gql()?.into_iter().map(CadenceEnrollment).collect())
    }

    /// Sets a rep's quota for a period (SALES_MANAGER for the team, ADMIN).
    async fn set_quota(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The rep.")] user_id: ID,
        #[graphql(desc = "The first day.")] starts_on: NaiveDate,
        #[graphql(desc = "The last day.")] ends_on: NaiveDate,
        #[graphql(desc = "The quota of signed contract value.")] amount: MoneyInput,
    ) -> Result<Quota> {
        let a = actor(ctx)?;
        let u = id_arg("userId", &user_id)?;
        Ok(Quota(app(ctx).set_quota(a, u, starts_on, ends_on, amount.amount.0, &amount.currency).await.gql()?))
    }
}

/// A team's quota and what the team signed against it.
pub struct TeamQuotaAttainment(pub baton_app::sales::incentives::TeamAttainment, pub String);

/// A team's quota and what the team signed against it.
#[Object]
impl TeamQuotaAttainment {
    /// The team's name.
    async fn team_name(&self) -> &str {
        &self.0.team.name
    }
    /// The sum of the members' running quotas.
    async fn quota(&self) -> Money {
        Money::from_minor(self.0.quota_minor, &self.1)
    }
    /// What the members signed in their quota periods.
    async fn signed(&self) -> Money {
        Money::from_minor(self.0.signed_minor, &self.1)
    }
    /// Signed divided by quota.
    async fn attainment(&self) -> Decimal {
        Decimal::rate(self.0.rate)
    }
}
