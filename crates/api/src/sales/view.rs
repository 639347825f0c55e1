//! `salesView`: the sales department's lists, with their orders and filters.

use crate::kernel::connection::{Conn, OLDEST_FIRST, connection, list_filter, minor, ordered_page_request, since};
use crate::kernel::enums::*;
use crate::kernel::scalars::{Decimal, Timestamp};
use crate::kernel::sla::my_tasks;
use crate::legal::contracts::ContractTemplate;
use crate::marketing::campaigns::Messaging;
use crate::product::requests::release_notes;
use crate::sales::deals::{Opportunity, Product};
use crate::sales::enablement::partners;
use crate::sales::leads::Lead;
use crate::{Gql, actor, app, id_arg};
use async_graphql::{Context, Object, Result};
use baton_domain::Scope;
use chrono::Utc;

/// The sales department's view: leads, pipeline, tasks, catalog and templates.
pub struct SalesView {
    pub scope: Scope,
}

/// The sales department's view: leads, pipeline, tasks, catalog and templates.
#[Object]
impl SalesView {
    /// Leads under the caller's scope (own for reps, the team's for managers), newest first unless `orderBy` says otherwise.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn leads(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only leads in this status; all statuses when absent.")] status: Option<LeadStatus>,
        #[graphql(desc = "Only leads matching every condition given.")] filter: Option<LeadFilter>,
        #[graphql(desc = "The order: default newest first.")] order_by: Option<LeadOrder>,
        #[graphql(desc = "Only rows changed at or after this time: delta sync (see `tombstones` for erased rows).")]
        updated_since: Option<Timestamp>,
        #[graphql(desc = "Page size: default 20, at most 100.")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted back from `before` (or from the end): at most 100.")] last: Option<i32>,
        #[graphql(desc = "The cursor before which the page ends.")] before: Option<String>,
    ) -> Result<Conn<Lead>> {
        let order = order_by.map(LeadOrder::order).unwrap_or_default();
        let req = ordered_page_request(ctx, first, after.as_deref(), last, before.as_deref(), order)?;
        let mut filter = filter.map(LeadFilter::into_app).transpose()?.unwrap_or_default();
        since(&mut filter.common, updated_since);
        let page = app(ctx).leads(actor(ctx)?, self.scope, status.map(Into::into), &filter, req).await.gql()?;
        Ok(connection(page, |l| l.id, Lead))
    }

    /// Opportunities under the caller's scope, newest first unless `orderBy` says otherwise.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn opportunities(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only opportunities in this stage; all stages when absent.")] stage: Option<OpportunityStage>,
        #[graphql(desc = "Only opportunities matching every condition given.")] filter: Option<OpportunityFilter>,
        #[graphql(desc = "The order: default newest first.")] order_by: Option<OpportunityOrder>,
        #[graphql(desc = "Only rows changed at or after this time: delta sync (see `tombstones` for erased rows).")]
        updated_since: Option<Timestamp>,
        #[graphql(desc = "Page size: default 20, at most 100.")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted back from `before` (or from the end): at most 100.")] last: Option<i32>,
        #[graphql(desc = "The cursor before which the page ends.")] before: Option<String>,
    ) -> Result<Conn<Opportunity>> {
        let order = order_by.map(OpportunityOrder::order).unwrap_or_default();
        let req = ordered_page_request(ctx, first, after.as_deref(), last, before.as_deref(), order)?;
        let mut filter = filter.map(OpportunityFilter::into_app).transpose()?.unwrap_or_default();
        since(&mut filter.common, updated_since);
        let (a, stage) = (actor(ctx)?, stage.map(|s| s.as_str()));
        // The accounts the rows will be asked for come in the page's own statement, into the
        // request's loader.
        let with_accounts = ctx.look_ahead().field("edges").field("node").field("account").exists();
        let page = if with_accounts {
            let page = app(ctx).opportunities_with_accounts(a, self.scope, stage, &filter, req).await.gql()?;
            let mut accounts = std::collections::HashMap::new();
            let page = page.map(|(o, account)| {
                accounts.extend(account.map(|a| (a.id, a)));
                o
            });
            crate::kernel::loaders::loaders(ctx)?.accounts.feed_many(accounts).await;
            page
        } else {
            app(ctx).opportunities(a, self.scope, stage, &filter, req).await.gql()?
        };
        crate::kernel::loaders::prime_opportunities(ctx, &page.items).await?;
        Ok(connection(page, |o| o.id, Opportunity))
    }

    /// The caller's open tasks, soonest first; only those due before `dueBefore` when given.
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only tasks due before this time.")] due_before: Option<Timestamp>,
    ) -> Result<Vec<crate::kernel::sla::Task>> {
        my_tasks(ctx, due_before).await
    }

    /// KPIs for the period `[from, to)`: conversion, win rate, cycle, revenue, collection, renewals, activities, SLA breaches, CAC; each with its rows.
    async fn kpis(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The start of the period (inclusive).")] from: Timestamp,
        #[graphql(desc = "The end of the period (exclusive).")] to: Timestamp,
        #[graphql(desc = "Rep, team or organization; default the widest the caller may see.")] scope: Option<
            crate::insight::analytics::KpiScope,
        >,
    ) -> Result<Vec<crate::insight::analytics::KpiFigure>> {
        let figures = app(ctx).kpis(actor(ctx)?, from.0, to.0, scope.map(|s| s.domain())).await.gql()?;
        Ok(figures.into_iter().map(Into::into).collect())
    }

    /// Win/loss reasons of the deals closed in `[from, to)`, and where leads were lost.
    async fn win_loss(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The start of the period (inclusive).")] from: Timestamp,
        #[graphql(desc = "The end of the period (exclusive).")] to: Timestamp,
        #[graphql(desc = "Rep, team or organization; default the widest the caller may see.")] scope: Option<
            crate::insight::analytics::KpiScope,
        >,
    ) -> Result<crate::insight::analytics::WinLossSummary> {
        Ok(app(ctx).win_loss(actor(ctx)?, from.0, to.0, scope.map(|s| s.domain())).await.gql()?.into())
    }

    /// The shared lead pool: open leads without an owner, oldest first unless `orderBy` says otherwise (claim with `claimLead`).
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn lead_pool(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only leads matching every condition given (an owner or team matches no pooled lead).")]
        filter: Option<LeadFilter>,
        #[graphql(desc = "The order: default oldest first.")] order_by: Option<LeadOrder>,
        #[graphql(desc = "Only rows changed at or after this time: delta sync.")] updated_since: Option<Timestamp>,
        #[graphql(desc = "Page size: default 20, at most 100.")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted back from `before` (or from the end): at most 100.")] last: Option<i32>,
        #[graphql(desc = "The cursor before which the page ends.")] before: Option<String>,
    ) -> Result<Conn<Lead>> {
        let order = order_by.map(LeadOrder::order).unwrap_or(OLDEST_FIRST);
        let req = ordered_page_request(ctx, first, after.as_deref(), last, before.as_deref(), order)?;
        let mut filter = filter.map(LeadFilter::into_app).transpose()?.unwrap_or_default();
        since(&mut filter.common, updated_since);
        let page = app(ctx).lead_pool(actor(ctx)?, &filter, req).await.gql()?;
        Ok(connection(page, |l| l.id, Lead))
    }

    /// Leads returned to the pool and claimed from it, newest first (SALES_MANAGER).
    async fn pool_activity(&self, ctx: &Context<'_>) -> Result<Vec<crate::sales::automation::PoolEvent>> {
        Ok(app(ctx).pool_activity(actor(ctx)?).await.gql()?.into_iter().map(Into::into).collect())
    }

    /// A commission statement for `[from, to)`: the caller's, or a team member's for a manager.
    async fn commission_statement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The start of the period (inclusive).")] from: Timestamp,
        #[graphql(desc = "The end of the period (exclusive).")] to: Timestamp,
        #[graphql(desc = "The rep (default: the caller).")] user_id: Option<async_graphql::ID>,
    ) -> Result<crate::sales::automation::CommissionStatement> {
        let a = actor(ctx)?;
        let u = user_id.as_ref().map(|u| id_arg("userId", u)).transpose()?;
        let (who, rows) = app(ctx).commission_statement(a, u, from.0, to.0).await.gql()?;
        let currency = app(ctx).org_settings(a).await.gql()?.currency;
        Ok(crate::sales::automation::CommissionStatement(who, rows, currency))
    }

    /// Quotas running today (or on `day`) in the caller's scope, with what was signed against them.
    async fn quota_attainment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The day (default: today).")] day: Option<chrono::NaiveDate>,
    ) -> Result<Vec<crate::sales::automation::QuotaAttainment>> {
        let day = day.unwrap_or_else(|| Utc::now().date_naive());
        Ok(app(ctx)
            .quota_attainment(actor(ctx)?, day)
            .await
            .gql()?
            .into_iter()
            .map(crate::sales::automation::QuotaAttainment)
            .collect())
    }

    /// Quota attainment of the teams the caller manages (every team for an administrator).
    async fn team_quota_attainment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The day (default: today).")] day: Option<chrono::NaiveDate>,
    ) -> Result<Vec<crate::sales::automation::TeamQuotaAttainment>> {
        let a = actor(ctx)?;
        let day = day.unwrap_or_else(|| Utc::now().date_naive());
        let currency = app(ctx).org_settings(a).await.gql()?.currency;
        Ok(app(ctx)
            .team_attainment(a, day)
            .await
            .gql()?
            .into_iter()
            .map(|t| crate::sales::automation::TeamQuotaAttainment(t, currency.clone()))
            .collect())
    }

    /// SLA clocks that ran out: the caller's, or the team's for a manager; newest first.
    async fn sla_breaches(&self, ctx: &Context<'_>) -> Result<Vec<crate::kernel::sla::SlaClock>> {
        Ok(app(ctx).sla_breaches(actor(ctx)?).await.gql()?.into_iter().map(crate::kernel::sla::SlaClock).collect())
    }

    /// The product catalog that quotes are built from.
    async fn products(&self, ctx: &Context<'_>) -> Result<Vec<Product>> {
        Ok(app(ctx).products(actor(ctx)?).await.gql()?.into_iter().map(Product).collect())
    }

    /// The current messaging marketing published: the value claims to repeat.
    async fn messaging(&self, ctx: &Context<'_>) -> Result<Option<Messaging>> {
        Ok(app(ctx).current_messaging(actor(ctx)?).await.gql()?.map(Messaging))
    }

    /// Release notes to learn, newest first (acknowledge each with `acknowledgeReleaseNote`).
    async fn release_notes(&self, ctx: &Context<'_>) -> Result<Vec<crate::product::requests::ReleaseNote>> {
        release_notes(ctx).await
    }

    /// Channel partners with their leads, deals and rebates: a rep's figures count its own leads and deals, sales management's the whole channel.
    async fn partners(&self, ctx: &Context<'_>) -> Result<Vec<crate::sales::enablement::Partner>> {
        partners(ctx).await
    }

    /// Training programmes.
    async fn training_programmes(&self, ctx: &Context<'_>) -> Result<Vec<crate::sales::enablement::TrainingProgramme>> {
        Ok(app(ctx)
            .training_programmes(actor(ctx)?)
            .await
            .gql()?
            .into_iter()
            .map(crate::sales::enablement::TrainingProgramme)
            .collect())
    }

    /// The programmes each member of the caller's team has not completed (the caller's own gaps for a rep).
    async fn training_gaps(&self, ctx: &Context<'_>) -> Result<Vec<crate::sales::enablement::TrainingGapView>> {
        Ok(app(ctx)
            .training_gaps(actor(ctx)?)
            .await
            .gql()?
            .into_iter()
            .map(crate::sales::enablement::TrainingGapView)
            .collect())
    }

    /// The contract templates legal maintains, with their clauses.
    async fn contract_templates(&self, ctx: &Context<'_>) -> Result<Vec<ContractTemplate>> {
        Ok(app(ctx)
            .contract_templates(actor(ctx)?)
            .await
            .gql()?
            .into_iter()
            .map(|(t, c)| ContractTemplate(t, c))
            .collect())
    }
}

crate::kernel::connection::list_order! {
    /// What leads can be sorted by.
    LeadOrderField {
        /// When the lead was captured.
        CreatedAt => Created,
        /// When the lead last changed.
        UpdatedAt => Updated,
        /// The company's name.
        CompanyName => Name,
    }
    /// An order of `salesView.leads`; ties are broken by creation, so cursors stay exact.
    LeadOrder
}

crate::kernel::connection::list_order! {
    /// What opportunities can be sorted by.
    OpportunityOrderField {
        /// When the opportunity was created.
        CreatedAt => Created,
        /// When it last changed.
        UpdatedAt => Updated,
        /// The estimated value (in minor units of its currency).
        Value => Value,
        /// The expected close date; opportunities without one come after every dated one.
        CloseDate => CloseDate,
        /// The opportunity's name.
        Name => Name,
    }
    /// An order of `salesView.opportunities`; ties are broken by creation, so cursors stay exact.
    OpportunityOrder
}

/// Conditions on `salesView.leads`; a lead is listed when it meets every one given.
#[derive(async_graphql::InputObject, Clone, Debug, Default)]
pub struct LeadFilter {
    /// Owned by this user.
    pub owner_id: Option<async_graphql::ID>,
    /// Owned by a member of this team.
    pub team_id: Option<async_graphql::ID>,
    /// In one of these statuses.
    pub statuses: Option<Vec<LeadStatus>>,
    /// From one of these sources.
    pub sources: Option<Vec<LeadSource>>,
    /// Captured at or after this time.
    pub created_after: Option<Timestamp>,
    /// Captured before this time.
    pub created_before: Option<Timestamp>,
    /// Changed at or after this time.
    pub updated_after: Option<Timestamp>,
    /// Changed before this time.
    pub updated_before: Option<Timestamp>,
    /// Contained in the company's or the contact's name (any case).
    pub text: Option<String>,
}

impl LeadFilter {
    pub(crate) fn into_app(self) -> Result<baton_app::kernel::scope::LeadFilter> {
        let common = list_filter(
            self.owner_id,
            self.team_id,
            [self.created_after, self.created_before, self.updated_after, self.updated_before],
            self.text,
        )?;
        Ok(baton_app::kernel::scope::LeadFilter {
            common,
            statuses: self.statuses.unwrap_or_default().into_iter().map(Into::into).collect(),
            sources: self.sources.unwrap_or_default().into_iter().map(Into::into).collect(),
        })
    }
}

/// Conditions on `salesView.opportunities`; an opportunity is listed when it meets every one given.
#[derive(async_graphql::InputObject, Clone, Debug, Default)]
pub struct OpportunityFilter {
    /// Owned by this user.
    pub owner_id: Option<async_graphql::ID>,
    /// Owned by a member of this team.
    pub team_id: Option<async_graphql::ID>,
    /// In one of these stages.
    pub stages: Option<Vec<OpportunityStage>>,
    /// An estimated value of at least this amount (in the opportunity's currency).
    pub value_at_least: Option<Decimal>,
    /// An estimated value of at most this amount (in the opportunity's currency).
    pub value_at_most: Option<Decimal>,
    /// Expected to close at or after this time.
    pub closes_after: Option<Timestamp>,
    /// Expected to close before this time.
    pub closes_before: Option<Timestamp>,
    /// Created at or after this time.
    pub created_after: Option<Timestamp>,
    /// Created before this time.
    pub created_before: Option<Timestamp>,
    /// Changed at or after this time.
    pub updated_after: Option<Timestamp>,
    /// Changed before this time.
    pub updated_before: Option<Timestamp>,
    /// Contained in the opportunity's name (any case).
    pub text: Option<String>,
}

impl OpportunityFilter {
    pub(crate) fn into_app(self) -> Result<baton_app::kernel::scope::OpportunityFilter> {
        let common = list_filter(
            self.owner_id,
            self.team_id,
            [self.created_after, self.created_before, self.updated_after, self.updated_before],
            self.text,
        )?;
        Ok(baton_app::kernel::scope::OpportunityFilter {
            common,
            stages: self.stages.unwrap_or_default().into_iter().map(|s| s.as_str().to_owned()).collect(),
            value_at_least: minor("filter.valueAtLeast", self.value_at_least)?,
            value_at_most: minor("filter.valueAtMost", self.value_at_most)?,
            closes_after: self.closes_after.map(Into::into),
            closes_before: self.closes_before.map(Into::into),
        })
    }
}

crate::kernel::connection::list_order! {
    /// What customer success's accounts can be sorted by.
    AccountOrderField {
        /// When the account was created.
        CreatedAt => Created,
        /// When it last changed.
        UpdatedAt => Updated,
        /// The account's name.
        Name => Name,
    }
    /// An order of `customerSuccessView.accounts`; ties are broken by creation.
    AccountOrder
}

/// Conditions on `customerSuccessView.accounts`; an account is listed when it meets every one given.
#[derive(async_graphql::InputObject, Clone, Debug, Default)]
pub struct AccountFilter {
    /// Served by this customer success manager.
    pub cs_owner_id: Option<async_graphql::ID>,
    /// Served by a member of this team.
    pub team_id: Option<async_graphql::ID>,
    /// Created at or after this time.
    pub created_after: Option<Timestamp>,
    /// Created before this time.
    pub created_before: Option<Timestamp>,
    /// Changed at or after this time.
    pub updated_after: Option<Timestamp>,
    /// Changed before this time.
    pub updated_before: Option<Timestamp>,
    /// Contained in the account's name or domain (any case).
    pub text: Option<String>,
}

impl AccountFilter {
    pub(crate) fn into_app(self) -> Result<baton_app::kernel::scope::ListFilter> {
        list_filter(
            self.cs_owner_id,
            self.team_id,
            [self.created_after, self.created_before, self.updated_after, self.updated_before],
            self.text,
        )
    }
}
