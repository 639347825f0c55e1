//! The six department views. Each root field authorizes once through the permission table and
//! carries the caller's scope into its lists.

use crate::deal::{Contract, ContractTemplate, HandoffPackage, Invoice, Product};
use crate::enums::*;
use crate::id_arg;
use crate::loops::{Campaign, FeatureRequest, Messaging};
use crate::scalars::Decimal;
use crate::scalars::Timestamp;
use crate::types::{Account, Lead, Money, Opportunity, SourceCount};
use crate::{Gql, actor, app};
use async_graphql::connection::PageInfo;
use async_graphql::{Context, Object, Result, SimpleObject};
use baton_app::kernel::page::{Page, PageRequest};
use baton_domain::Scope;
use chrono::Utc;

/// A page of a list: a Relay connection with the total count.
#[derive(SimpleObject)]
#[graphql(
    concrete(name = "LeadConnection", params(Lead)),
    concrete(name = "OpportunityConnection", params(Opportunity)),
    concrete(name = "AccountConnection", params(Account)),
    concrete(name = "ContractConnection", params(Contract)),
    concrete(name = "InvoiceConnection", params(Invoice)),
    concrete(name = "HandoffPackageConnection", params(HandoffPackage)),
    concrete(name = "FeatureRequestConnection", params(FeatureRequest)),
    concrete(name = "AuditEntryConnection", params(crate::audit::AuditEntry)),
    concrete(name = "ConsentConnection", params(crate::compliance::Consent)),
    concrete(name = "GiftConnection", params(crate::compliance::Gift)),
    concrete(name = "WebhookDeliveryConnection", params(crate::webhooks::WebhookDelivery))
)]
pub struct Conn<T: async_graphql::OutputType>
where
    Edge<T>: async_graphql::OutputType,
{
    /// The items of this page, each with its cursor.
    pub edges: Vec<Edge<T>>,
    /// Where this page stands in the whole list.
    pub page_info: PageInfo,
    /// How many items match, across all pages.
    pub total_count: i64,
}

/// One item of a page and its cursor.
#[derive(SimpleObject)]
#[graphql(
    concrete(name = "LeadEdge", params(Lead)),
    concrete(name = "OpportunityEdge", params(Opportunity)),
    concrete(name = "AccountEdge", params(Account)),
    concrete(name = "ContractEdge", params(Contract)),
    concrete(name = "InvoiceEdge", params(Invoice)),
    concrete(name = "HandoffPackageEdge", params(HandoffPackage)),
    concrete(name = "FeatureRequestEdge", params(FeatureRequest)),
    concrete(name = "AuditEntryEdge", params(crate::audit::AuditEntry)),
    concrete(name = "ConsentEdge", params(crate::compliance::Consent)),
    concrete(name = "GiftEdge", params(crate::compliance::Gift)),
    concrete(name = "WebhookDeliveryEdge", params(crate::webhooks::WebhookDelivery))
)]
pub struct Edge<T: async_graphql::OutputType> {
    /// The cursor to pass as `after` to continue after this item.
    pub cursor: String,
    /// The item.
    pub node: T,
}

/// The page a list field was asked for; the total is counted only when the query selects
/// `totalCount`.
pub fn page_request(ctx: &Context<'_>, first: Option<i32>, after: Option<&str>) -> Result<PageRequest> {
    let req = PageRequest::parse(first, after).gql()?;
    Ok(req.counting(ctx.look_ahead().field("totalCount").exists()))
}

/// The page of a list that pages both ways and sorts: the total is counted only when the
/// query selects `totalCount`, and the far side of a cursor probed only when it selects
/// `hasPreviousPage` (or `hasNextPage`, paging backward).
pub fn ordered_page_request(
    ctx: &Context<'_>,
    first: Option<i32>,
    after: Option<&str>,
    last: Option<i32>,
    before: Option<&str>,
    order: baton_app::kernel::page::Order,
) -> Result<PageRequest> {
    let req = PageRequest::parse_ordered(first, after, last, before, order).gql()?;
    let look = ctx.look_ahead();
    let info = look.field("pageInfo");
    let probe = if req.backward { info.field("hasNextPage").exists() } else { info.field("hasPreviousPage").exists() };
    Ok(req.counting(look.field("totalCount").exists()).probing(probe))
}

/// Builds a connection from a page of rows, with the id as cursor (or the page's own
/// cursors, for a list in another order).
pub fn connection<M, T>(page: Page<M>, key: impl Fn(&M) -> uuid::Uuid, wrap: impl Fn(M) -> T) -> Conn<T>
where
    T: async_graphql::OutputType,
    Edge<T>: async_graphql::OutputType,
{
    let mut cursors = page.cursors.into_iter();
    let edges: Vec<Edge<T>> = page
        .items
        .into_iter()
        .map(|m| Edge { cursor: cursors.next().unwrap_or_else(|| key(&m).to_string()), node: wrap(m) })
        .collect();
    Conn {
        page_info: PageInfo {
            has_previous_page: page.has_previous_page,
            has_next_page: page.has_next_page,
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
        },
        edges,
        total_count: page.total_count as i64,
    }
}

/// An empty connection, for views whose objects arrive with later features.
pub fn empty<T: async_graphql::OutputType>() -> Conn<T>
where
    Edge<T>: async_graphql::OutputType,
{
    let page_info = PageInfo { has_previous_page: false, has_next_page: false, start_cursor: None, end_cursor: None };
    Conn { edges: vec![], page_info, total_count: 0 }
}

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
        let page =
            app(ctx).opportunities(actor(ctx)?, self.scope, stage.map(|s| s.as_str()), &filter, req).await.gql()?;
        crate::loaders::prime_opportunities(ctx, &page.items).await?;
        Ok(connection(page, |o| o.id, Opportunity))
    }

    /// The caller's open tasks, soonest first; only those due before `dueBefore` when given.
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only tasks due before this time.")] due_before: Option<Timestamp>,
    ) -> Result<Vec<crate::work::Task>> {
        my_tasks(ctx, due_before).await
    }

    /// KPIs for the period `[from, to)`: conversion, win rate, cycle, revenue, collection, renewals, activities, SLA breaches, CAC; each with its rows.
    async fn kpis(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The start of the period (inclusive).")] from: Timestamp,
        #[graphql(desc = "The end of the period (exclusive).")] to: Timestamp,
        #[graphql(desc = "Rep, team or organization; default the widest the caller may see.")] scope: Option<
            crate::analytics::KpiScope,
        >,
    ) -> Result<Vec<crate::analytics::KpiFigure>> {
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
            crate::analytics::KpiScope,
        >,
    ) -> Result<crate::analytics::WinLossSummary> {
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
    async fn pool_activity(&self, ctx: &Context<'_>) -> Result<Vec<crate::automation::PoolEvent>> {
        Ok(app(ctx).pool_activity(actor(ctx)?).await.gql()?.into_iter().map(Into::into).collect())
    }

    /// A commission statement for `[from, to)`: the caller's, or a team member's for a manager.
    async fn commission_statement(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The start of the period (inclusive).")] from: Timestamp,
        #[graphql(desc = "The end of the period (exclusive).")] to: Timestamp,
        #[graphql(desc = "The rep (default: the caller).")] user_id: Option<async_graphql::ID>,
    ) -> Result<crate::automation::CommissionStatement> {
        let a = actor(ctx)?;
        let u = user_id.as_ref().map(|u| id_arg("userId", u)).transpose()?;
        let (who, rows) = app(ctx).commission_statement(a, u, from.0, to.0).await.gql()?;
        let currency = app(ctx).org_settings(a).await.gql()?.currency;
        Ok(crate::automation::CommissionStatement(who, rows, currency))
    }

    /// Quotas running today (or on `day`) in the caller's scope, with what was signed against them.
    async fn quota_attainment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The day (default: today).")] day: Option<chrono::NaiveDate>,
    ) -> Result<Vec<crate::automation::QuotaAttainment>> {
        let day = day.unwrap_or_else(|| Utc::now().date_naive());
        Ok(app(ctx)
            .quota_attainment(actor(ctx)?, day)
            .await
            .gql()?
            .into_iter()
            .map(crate::automation::QuotaAttainment)
            .collect())
    }

    /// Quota attainment of the teams the caller manages (every team for an administrator).
    async fn team_quota_attainment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The day (default: today).")] day: Option<chrono::NaiveDate>,
    ) -> Result<Vec<crate::automation::TeamQuotaAttainment>> {
        let a = actor(ctx)?;
        let day = day.unwrap_or_else(|| Utc::now().date_naive());
        let currency = app(ctx).org_settings(a).await.gql()?.currency;
        Ok(app(ctx)
            .team_attainment(a, day)
            .await
            .gql()?
            .into_iter()
            .map(|t| crate::automation::TeamQuotaAttainment(t, currency.clone()))
            .collect())
    }

    /// SLA clocks that ran out: the caller's, or the team's for a manager; newest first.
    async fn sla_breaches(&self, ctx: &Context<'_>) -> Result<Vec<crate::work::SlaClock>> {
        Ok(app(ctx).sla_breaches(actor(ctx)?).await.gql()?.into_iter().map(crate::work::SlaClock).collect())
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
    async fn release_notes(&self, ctx: &Context<'_>) -> Result<Vec<crate::loops::ReleaseNote>> {
        release_notes(ctx).await
    }

    /// Channel partners with their leads, deals and rebates: a rep's figures count its own leads and deals, sales management's the whole channel.
    async fn partners(&self, ctx: &Context<'_>) -> Result<Vec<crate::enablement::Partner>> {
        partners(ctx).await
    }

    /// Training programmes.
    async fn training_programmes(&self, ctx: &Context<'_>) -> Result<Vec<crate::enablement::TrainingProgramme>> {
        Ok(app(ctx)
            .training_programmes(actor(ctx)?)
            .await
            .gql()?
            .into_iter()
            .map(crate::enablement::TrainingProgramme)
            .collect())
    }

    /// The programmes each member of the caller's team has not completed (the caller's own gaps for a rep).
    async fn training_gaps(&self, ctx: &Context<'_>) -> Result<Vec<crate::enablement::TrainingGapView>> {
        Ok(app(ctx)
            .training_gaps(actor(ctx)?)
            .await
            .gql()?
            .into_iter()
            .map(crate::enablement::TrainingGapView)
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

/// The marketing department's view: campaigns and lead sources.
pub struct MarketingView;

/// The marketing department's view: campaigns and lead sources.
#[Object]
impl MarketingView {
    /// The caller's open tasks, soonest first; only those due before `dueBefore` when given.
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only tasks due before this time.")] due_before: Option<Timestamp>,
    ) -> Result<Vec<crate::work::Task>> {
        my_tasks(ctx, due_before).await
    }
    /// Marketing campaigns, newest first, with leads, qualified leads, opportunities, won revenue and costs per lead and customer.
    async fn campaigns(&self, ctx: &Context<'_>) -> Result<Vec<Campaign>> {
        Ok(app(ctx).campaigns(actor(ctx)?).await.gql()?.into_iter().map(|(c, m)| Campaign(c, m)).collect())
    }
    /// The messaging currently published (what sales repeats).
    async fn messaging(&self, ctx: &Context<'_>) -> Result<Option<Messaging>> {
        Ok(app(ctx).current_messaging(actor(ctx)?).await.gql()?.map(Messaging))
    }
    /// Leads per source, every source listed (zeros included), with won deals and the cost per lead and customer (campaign spend on the channel of the same name).
    async fn leads_by_source(&self, ctx: &Context<'_>) -> Result<Vec<SourceCount>> {
        let a = actor(ctx)?;
        let currency = app(ctx).org_settings(a).await.gql()?.currency;
        let m = |x: i64| Money::from_minor(x, &currency);
        Ok(app(ctx)
            .leads_by_source(a)
            .await
            .gql()?
            .into_iter()
            .map(|s| SourceCount {
                source: s.source.into(),
                count: s.count as i64,
                qualified: s.qualified as i64,
                converted: s.converted as i64,
                customers: s.metrics.customers,
                won_revenue: m(s.metrics.won_revenue_minor),
                spend: m(s.metrics.spend_minor),
                cost_per_lead: s.metrics.cost_per_lead_minor.filter(|_| s.metrics.spend_minor > 0).map(m),
                cost_per_customer: s.metrics.cost_per_customer_minor.map(m),
            })
            .collect())
    }
}

/// The product department's view: feature requests with the revenue behind them.
pub struct ProductView;

/// The product department's view: feature requests with the revenue behind them.
#[Object]
impl ProductView {
    /// The caller's open tasks, soonest first; only those due before `dueBefore` when given.
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only tasks due before this time.")] due_before: Option<Timestamp>,
    ) -> Result<Vec<crate::work::Task>> {
        my_tasks(ctx, due_before).await
    }
    /// Release notes with who in sales and customer success has and has not learned them.
    async fn release_notes(&self, ctx: &Context<'_>) -> Result<Vec<crate::loops::ReleaseNote>> {
        release_notes(ctx).await
    }
    /// Feature requests, ranked by revenue at stake unless `orderBy` says otherwise.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn feature_requests(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only requests matching every condition given.")] filter: Option<FeatureRequestFilter>,
        #[graphql(desc = "The order: default the ranking, most revenue at stake first.")] order_by: Option<
            FeatureRequestOrder,
        >,
        #[graphql(desc = "Only rows changed at or after this time: delta sync.")] updated_since: Option<Timestamp>,
        #[graphql(desc = "Page size: default 20, at most 100.")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted back from `before` (or from the end): at most 100.")] last: Option<i32>,
        #[graphql(desc = "The cursor before which the page ends.")] before: Option<String>,
    ) -> Result<Conn<FeatureRequest>> {
        // A request's id is its cursor in every order (its place is read from the ranking).
        let by_id = ordered(baton_app::kernel::page::SortKey::Created, OrderDirection::Desc);
        let req = ordered_page_request(ctx, first, after.as_deref(), last, before.as_deref(), by_id)?;
        let mut filter = filter.map(FeatureRequestFilter::into_app).transpose()?.unwrap_or_default();
        since(&mut filter.common, updated_since);
        let order = order_by
            .map_or((baton_app::product::requests::RequestOrder::RevenueAtStake, true), FeatureRequestOrder::order);
        let a = actor(ctx)?;
        let currency = app(ctx).org_settings(a).await.gql()?.currency;
        let page = app(ctx).ranked_feature_requests(a, &filter, order, req).await.gql()?;
        Ok(connection(page, |r| r.request.id, |r| FeatureRequest(r, currency.clone())))
    }
}

/// The customer success view: incoming hand-offs and the accounts taken over.
pub struct CustomerSuccessView;

/// The customer success view: incoming hand-offs and the accounts taken over.
#[Object]
impl CustomerSuccessView {
    /// The caller's open tasks, soonest first; only those due before `dueBefore` when given.
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only tasks due before this time.")] due_before: Option<Timestamp>,
    ) -> Result<Vec<crate::work::Task>> {
        my_tasks(ctx, due_before).await
    }
    /// Hand-off packages submitted to customer success, oldest first unless `orderBy` says otherwise.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn incoming_handoffs(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only packages matching every condition given.")] filter: Option<HandoffFilter>,
        #[graphql(desc = "The order: default oldest first.")] order_by: Option<HandoffOrder>,
        #[graphql(desc = "Only rows changed at or after this time: delta sync.")] updated_since: Option<Timestamp>,
        #[graphql(desc = "Page size: default 20, at most 100.")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted back from `before` (or from the end): at most 100.")] last: Option<i32>,
        #[graphql(desc = "The cursor before which the page ends.")] before: Option<String>,
    ) -> Result<Conn<HandoffPackage>> {
        let order = order_by.map(HandoffOrder::order).unwrap_or(OLDEST_FIRST);
        let req = ordered_page_request(ctx, first, after.as_deref(), last, before.as_deref(), order)?;
        let mut filter = filter.map(HandoffFilter::into_app).transpose()?.unwrap_or_default();
        since(&mut filter.common, updated_since);
        let page = app(ctx).incoming_handoffs(actor(ctx)?, &filter, req).await.gql()?;
        Ok(connection(page, |p| p.id, HandoffPackage))
    }
    /// Accounts customer success has taken over, newest first unless `orderBy` says otherwise.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn accounts(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only VIP accounts (true) or only those served by automated programmes (false).")] vip: Option<
            bool,
        >,
        #[graphql(desc = "Only accounts matching every condition given.")] filter: Option<AccountFilter>,
        #[graphql(desc = "The order: default newest first.")] order_by: Option<AccountOrder>,
        #[graphql(desc = "Only rows changed at or after this time: delta sync (see `tombstones` for erased rows).")]
        updated_since: Option<Timestamp>,
        #[graphql(desc = "Page size: default 20, at most 100.")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted back from `before` (or from the end): at most 100.")] last: Option<i32>,
        #[graphql(desc = "The cursor before which the page ends.")] before: Option<String>,
    ) -> Result<Conn<Account>> {
        let order = order_by.map(AccountOrder::order).unwrap_or_default();
        let req = ordered_page_request(ctx, first, after.as_deref(), last, before.as_deref(), order)?;
        let mut filter = filter.map(AccountFilter::into_app).transpose()?.unwrap_or_default();
        since(&mut filter, updated_since);
        let page = app(ctx).cs_accounts(actor(ctx)?, vip, &filter, req).await.gql()?;
        Ok(connection(page, |a| a.id, Account))
    }
    /// Release notes to learn, newest first.
    async fn release_notes(&self, ctx: &Context<'_>) -> Result<Vec<crate::loops::ReleaseNote>> {
        release_notes(ctx).await
    }
    /// Renewal opportunities still open, soonest end date first.
    async fn renewals_due(&self, ctx: &Context<'_>) -> Result<Vec<Opportunity>> {
        Ok(app(ctx).renewals_due(actor(ctx)?).await.gql()?.into_iter().map(Opportunity).collect())
    }
    /// Rewards customers earned by referring new customers.
    async fn referral_rewards(&self, ctx: &Context<'_>) -> Result<Vec<crate::success::ReferralReward>> {
        Ok(app(ctx)
            .referral_rewards(actor(ctx)?)
            .await
            .gql()?
            .into_iter()
            .map(crate::success::ReferralReward)
            .collect())
    }
}

/// The legal department's view: the approval queue.
pub struct LegalView;

/// The legal department's view: the approval queue.
#[Object]
impl LegalView {
    /// The caller's open tasks, soonest first; only those due before `dueBefore` when given.
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only tasks due before this time.")] due_before: Option<Timestamp>,
    ) -> Result<Vec<crate::work::Task>> {
        my_tasks(ctx, due_before).await
    }
    /// Gifts above the threshold waiting for compliance approval, oldest first.
    async fn pending_gifts(&self, ctx: &Context<'_>) -> Result<Vec<crate::compliance::Gift>> {
        Ok(app(ctx).pending_gifts(actor(ctx)?).await.gql()?.into_iter().map(crate::compliance::Gift).collect())
    }
    /// Contracts in legal review, oldest submission first unless `orderBy` says otherwise.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn approval_queue(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only contracts matching every condition given.")] filter: Option<ContractFilter>,
        #[graphql(desc = "The order: default oldest submission first.")] order_by: Option<ContractOrder>,
        #[graphql(desc = "Only rows changed at or after this time: delta sync.")] updated_since: Option<Timestamp>,
        #[graphql(desc = "Page size: default 20, at most 100.")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted back from `before` (or from the end): at most 100.")] last: Option<i32>,
        #[graphql(desc = "The cursor before which the page ends.")] before: Option<String>,
    ) -> Result<Conn<Contract>> {
        let oldest_submission =
            baton_app::kernel::page::Order { key: baton_app::kernel::page::SortKey::Submitted, descending: false };
        let order = order_by.map(ContractOrder::order).unwrap_or(oldest_submission);
        let req = ordered_page_request(ctx, first, after.as_deref(), last, before.as_deref(), order)?;
        let mut filter = filter.map(ContractFilter::into_app).transpose()?.unwrap_or_default();
        since(&mut filter.common, updated_since);
        let page = app(ctx).approval_queue(actor(ctx)?, &filter, req).await.gql()?;
        Ok(connection(page, |c| c.id, Contract))
    }
    /// Contracts the review policy approved on its own, newest first, for legal to look at afterwards.
    async fn policy_approved_contracts(&self, ctx: &Context<'_>) -> Result<Vec<Contract>> {
        Ok(app(ctx).policy_approved(actor(ctx)?).await.gql()?.into_iter().map(Contract).collect())
    }
}

/// The finance department's view: invoices and collections.
pub struct FinanceView;

/// The finance department's view: invoices and collections.
#[Object]
impl FinanceView {
    /// The caller's open tasks, soonest first; only those due before `dueBefore` when given.
    async fn tasks(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only tasks due before this time.")] due_before: Option<Timestamp>,
    ) -> Result<Vec<crate::work::Task>> {
        my_tasks(ctx, due_before).await
    }
    /// Invoices, newest first unless `orderBy` says otherwise.
    #[graphql(complexity = "first.or(last).unwrap_or(20).max(0) as usize * child_complexity")]
    #[allow(clippy::too_many_arguments)]
    async fn invoices(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only invoices in this status.")] status: Option<InvoiceStatus>,
        #[graphql(desc = "Only invoices matching every condition given.")] filter: Option<InvoiceFilter>,
        #[graphql(desc = "The order: default newest first.")] order_by: Option<InvoiceOrder>,
        #[graphql(desc = "Only rows changed at or after this time: delta sync (see `tombstones` for erased rows).")]
        updated_since: Option<Timestamp>,
        #[graphql(desc = "Page size: default 20, at most 100.")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
        #[graphql(desc = "Page size counted back from `before` (or from the end): at most 100.")] last: Option<i32>,
        #[graphql(desc = "The cursor before which the page ends.")] before: Option<String>,
    ) -> Result<Conn<Invoice>> {
        let order = order_by.map(InvoiceOrder::order).unwrap_or_default();
        let req = ordered_page_request(ctx, first, after.as_deref(), last, before.as_deref(), order)?;
        let mut filter = filter.map(InvoiceFilter::into_app).transpose()?.unwrap_or_default();
        since(&mut filter.common, updated_since);
        let status = status.map(invoice_status);
        let page = app(ctx).invoices(actor(ctx)?, status, &filter, req).await.gql()?;
        Ok(connection(page, |i| i.id, Invoice))
    }
    /// Receivables: outstanding, overdue, collection rate and the five aging buckets (zeros included).
    async fn collections(&self, ctx: &Context<'_>) -> Result<Collections> {
        let c = app(ctx).collections(actor(ctx)?, chrono::Utc::now().date_naive()).await.gql()?;
        Ok(Collections {
            outstanding: Money::from_minor(c.outstanding_minor, &c.currency),
            overdue: Money::from_minor(c.overdue_minor, &c.currency),
            collection_rate: Decimal::rate(c.collection_rate),
            aging: c
                .aging
                .into_iter()
                .map(|(b, amount, count)| AgingBucket {
                    bucket: b.to_owned(),
                    amount: Money::from_minor(amount, &c.currency),
                    count: count as i32,
                })
                .collect(),
        })
    }
    /// Rebates owed to channel partners on the cash collected from their deals.
    async fn partner_rebates(&self, ctx: &Context<'_>) -> Result<Vec<crate::enablement::Partner>> {
        partners(ctx).await
    }
    /// Referral credits customers earned, to apply as discounts on their next invoices.
    async fn referral_rewards(&self, ctx: &Context<'_>) -> Result<Vec<crate::success::ReferralReward>> {
        Ok(app(ctx)
            .referral_rewards(actor(ctx)?)
            .await
            .gql()?
            .into_iter()
            .map(crate::success::ReferralReward)
            .collect())
    }
    /// First invoices of won deals that are not paid yet, earliest due first: the first payments the account executives follow up.
    async fn first_payments_pending(&self, ctx: &Context<'_>) -> Result<Vec<Invoice>> {
        Ok(app(ctx).first_payments_pending(actor(ctx)?).await.gql()?.into_iter().map(Invoice).collect())
    }
}

/// Receivables at a glance.
#[derive(SimpleObject)]
pub struct Collections {
    /// Issued and not yet paid.
    pub outstanding: Money,
    /// Outstanding and past the due date.
    pub overdue: Money,
    /// Paid divided by invoiced (issued invoices); 0 when nothing was invoiced.
    pub collection_rate: Decimal,
    /// Outstanding amounts in five buckets: CURRENT, DAYS_1_30, DAYS_31_60, DAYS_61_90, DAYS_90_PLUS.
    pub aging: Vec<AgingBucket>,
}

/// Outstanding invoices of one age.
#[derive(SimpleObject)]
pub struct AgingBucket {
    /// CURRENT (not yet due), DAYS_1_30, DAYS_31_60, DAYS_61_90 or DAYS_90_PLUS.
    pub bucket: String,
    /// The outstanding amount.
    pub amount: Money,
    /// How many invoices.
    pub count: i32,
}

async fn partners(ctx: &Context<'_>) -> Result<Vec<crate::enablement::Partner>> {
    let a = actor(ctx)?;
    let currency = app(ctx).org_settings(a).await.gql()?.currency;
    Ok(app(ctx)
        .partner_standings(a)
        .await
        .gql()?
        .into_iter()
        .map(|p| crate::enablement::Partner(p, currency.clone()))
        .collect())
}

async fn release_notes(ctx: &Context<'_>) -> Result<Vec<crate::loops::ReleaseNote>> {
    Ok(app(ctx).release_notes(actor(ctx)?).await.gql()?.into_iter().map(crate::loops::ReleaseNote).collect())
}

async fn my_tasks(ctx: &Context<'_>, due_before: Option<Timestamp>) -> Result<Vec<crate::work::Task>> {
    Ok(app(ctx)
        .tasks(actor(ctx)?, due_before.map(Into::into))
        .await
        .gql()?
        .into_iter()
        .map(crate::work::Task)
        .collect())
}

/// Which way a list runs.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OrderDirection {
    /// Smallest, earliest or A first.
    Asc,
    /// Largest, latest or Z first.
    Desc,
}

/// Creation order, oldest first: the default of the queues (the pool, incoming hand-offs).
const OLDEST_FIRST: baton_app::kernel::page::Order =
    baton_app::kernel::page::Order { key: baton_app::kernel::page::SortKey::Created, descending: false };

/// An order of `key` in `direction`.
fn ordered(key: baton_app::kernel::page::SortKey, direction: OrderDirection) -> baton_app::kernel::page::Order {
    baton_app::kernel::page::Order { key, descending: direction == OrderDirection::Desc }
}

/// What leads can be sorted by.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum LeadOrderField {
    /// When the lead was captured.
    CreatedAt,
    /// When the lead last changed.
    UpdatedAt,
    /// The company's name.
    CompanyName,
}

/// An order of `salesView.leads`; ties are broken by creation, so cursors stay exact.
#[derive(async_graphql::InputObject, Clone, Copy, Debug)]
pub struct LeadOrder {
    /// The field to sort by.
    pub field: LeadOrderField,
    /// The direction (default descending).
    #[graphql(default_with = "OrderDirection::Desc")]
    pub direction: OrderDirection,
}

impl LeadOrder {
    fn order(self) -> baton_app::kernel::page::Order {
        use baton_app::kernel::page::SortKey;
        let key = match self.field {
            LeadOrderField::CreatedAt => SortKey::Created,
            LeadOrderField::UpdatedAt => SortKey::Updated,
            LeadOrderField::CompanyName => SortKey::Name,
        };
        ordered(key, self.direction)
    }
}

/// What opportunities can be sorted by.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum OpportunityOrderField {
    /// When the opportunity was created.
    CreatedAt,
    /// When it last changed.
    UpdatedAt,
    /// The estimated value (in minor units of its currency).
    Value,
    /// The expected close date; opportunities without one come after every dated one.
    CloseDate,
    /// The opportunity's name.
    Name,
}

/// An order of `salesView.opportunities`; ties are broken by creation, so cursors stay exact.
#[derive(async_graphql::InputObject, Clone, Copy, Debug)]
pub struct OpportunityOrder {
    /// The field to sort by.
    pub field: OpportunityOrderField,
    /// The direction (default descending).
    #[graphql(default_with = "OrderDirection::Desc")]
    pub direction: OrderDirection,
}

impl OpportunityOrder {
    fn order(self) -> baton_app::kernel::page::Order {
        use baton_app::kernel::page::SortKey;
        let key = match self.field {
            OpportunityOrderField::CreatedAt => SortKey::Created,
            OpportunityOrderField::UpdatedAt => SortKey::Updated,
            OpportunityOrderField::Value => SortKey::Value,
            OpportunityOrderField::CloseDate => SortKey::CloseDate,
            OpportunityOrderField::Name => SortKey::Name,
        };
        ordered(key, self.direction)
    }
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
    fn into_app(self) -> Result<baton_app::kernel::scope::LeadFilter> {
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
    fn into_app(self) -> Result<baton_app::kernel::scope::OpportunityFilter> {
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

/// The conditions every list's filter shares, checked: ids are ids, a range is not empty
/// the wrong way round, a text is at most 200 characters.
fn list_filter(
    owner_id: Option<async_graphql::ID>,
    team_id: Option<async_graphql::ID>,
    [created_after, created_before, updated_after, updated_before]: [Option<Timestamp>; 4],
    text: Option<String>,
) -> Result<baton_app::kernel::scope::ListFilter> {
    range("filter.createdBefore", created_after, created_before)?;
    range("filter.updatedBefore", updated_after, updated_before)?;
    if text.as_ref().is_some_and(|t| t.chars().count() > 200) {
        return Err(crate::to_gql(baton_app::AppError::bad_input("filter.text", "must be at most 200 characters")));
    }
    Ok(baton_app::kernel::scope::ListFilter {
        owner_id: owner_id.as_ref().map(|i| id_arg("filter.ownerId", i)).transpose()?,
        team_id: team_id.as_ref().map(|i| id_arg("filter.teamId", i)).transpose()?,
        created_after: created_after.map(Into::into),
        created_before: created_before.map(Into::into),
        updated_after: updated_after.map(Into::into),
        updated_before: updated_before.map(Into::into),
        text,
    })
}

/// What customer success's accounts can be sorted by.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum AccountOrderField {
    /// When the account was created.
    CreatedAt,
    /// When it last changed.
    UpdatedAt,
    /// The account's name.
    Name,
}

/// An order of `customerSuccessView.accounts`; ties are broken by creation.
#[derive(async_graphql::InputObject, Clone, Copy, Debug)]
pub struct AccountOrder {
    /// The field to sort by.
    pub field: AccountOrderField,
    /// The direction (default descending).
    #[graphql(default_with = "OrderDirection::Desc")]
    pub direction: OrderDirection,
}

impl AccountOrder {
    fn order(self) -> baton_app::kernel::page::Order {
        use baton_app::kernel::page::SortKey;
        let key = match self.field {
            AccountOrderField::CreatedAt => SortKey::Created,
            AccountOrderField::UpdatedAt => SortKey::Updated,
            AccountOrderField::Name => SortKey::Name,
        };
        ordered(key, self.direction)
    }
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
    fn into_app(self) -> Result<baton_app::kernel::scope::ListFilter> {
        list_filter(
            self.cs_owner_id,
            self.team_id,
            [self.created_after, self.created_before, self.updated_after, self.updated_before],
            self.text,
        )
    }
}

/// What invoices can be sorted by.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum InvoiceOrderField {
    /// When the invoice was created (scheduled).
    CreatedAt,
    /// When it last changed.
    UpdatedAt,
    /// Its due date.
    DueAt,
    /// Its amount (in minor units of its currency).
    Amount,
}

/// An order of `financeView.invoices`; ties are broken by creation.
#[derive(async_graphql::InputObject, Clone, Copy, Debug)]
pub struct InvoiceOrder {
    /// The field to sort by.
    pub field: InvoiceOrderField,
    /// The direction (default descending).
    #[graphql(default_with = "OrderDirection::Desc")]
    pub direction: OrderDirection,
}

impl InvoiceOrder {
    fn order(self) -> baton_app::kernel::page::Order {
        use baton_app::kernel::page::SortKey;
        let key = match self.field {
            InvoiceOrderField::CreatedAt => SortKey::Created,
            InvoiceOrderField::UpdatedAt => SortKey::Updated,
            InvoiceOrderField::DueAt => SortKey::DueDate,
            InvoiceOrderField::Amount => SortKey::Value,
        };
        ordered(key, self.direction)
    }
}

/// Conditions on `financeView.invoices`; an invoice is listed when it meets every one given.
#[derive(async_graphql::InputObject, Clone, Debug, Default)]
pub struct InvoiceFilter {
    /// In one of these statuses.
    pub statuses: Option<Vec<InvoiceStatus>>,
    /// Due on or after this day.
    pub due_after: Option<chrono::NaiveDate>,
    /// Due before this day.
    pub due_before: Option<chrono::NaiveDate>,
    /// An amount of at least this (in the invoice's currency).
    pub amount_at_least: Option<Decimal>,
    /// An amount of at most this (in the invoice's currency).
    pub amount_at_most: Option<Decimal>,
    /// Created at or after this time.
    pub created_after: Option<Timestamp>,
    /// Created before this time.
    pub created_before: Option<Timestamp>,
    /// Changed at or after this time.
    pub updated_after: Option<Timestamp>,
    /// Changed before this time.
    pub updated_before: Option<Timestamp>,
}

impl InvoiceFilter {
    fn into_app(self) -> Result<baton_app::kernel::scope::InvoiceFilter> {
        let common = list_filter(
            None,
            None,
            [self.created_after, self.created_before, self.updated_after, self.updated_before],
            None,
        )?;
        range("filter.dueBefore", self.due_after, self.due_before)?;
        Ok(baton_app::kernel::scope::InvoiceFilter {
            common,
            statuses: self
                .statuses
                .unwrap_or_default()
                .into_iter()
                .map(|s| invoice_status(s).as_str().to_owned())
                .collect(),
            due_after: self.due_after,
            due_before: self.due_before,
            amount_at_least: minor("filter.amountAtLeast", self.amount_at_least)?,
            amount_at_most: minor("filter.amountAtMost", self.amount_at_most)?,
        })
    }
}

/// An amount in minor units, or `BAD_USER_INPUT` naming `field`.
fn minor(field: &str, v: Option<Decimal>) -> Result<Option<i64>> {
    v.map(|d| {
        baton_app::kernel::money::to_minor(d.0).map_err(|_| baton_app::AppError::bad_input(field, "is too large"))
    })
    .transpose()
    .gql()
}

/// The domain's invoice status of the API's.
fn invoice_status(s: InvoiceStatus) -> baton_domain::invoice::InvoiceStatus {
    use baton_domain::invoice::InvoiceStatus as D;
    match s {
        InvoiceStatus::Scheduled => D::Scheduled,
        InvoiceStatus::Issued => D::Issued,
        InvoiceStatus::PartiallyPaid => D::PartiallyPaid,
        InvoiceStatus::Paid => D::Paid,
        InvoiceStatus::Void => D::Void,
    }
}

/// `updatedSince` narrows a list as `filter.updatedAfter` does (the later of the two holds).
fn since(f: &mut baton_app::kernel::scope::ListFilter, updated_since: Option<Timestamp>) {
    f.updated_after = f.updated_after.max(updated_since.map(Into::into));
}

/// What kind of object a tombstone stands for.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum TombstoneKind {
    /// A `Lead`.
    Lead,
    /// A `Contact`.
    Contact,
}

/// An object that was erased: a client drops its copy (the object answers no more personal data).
#[derive(SimpleObject, Clone, Debug)]
pub struct Tombstone {
    /// The erased object's id (as `node(id)` takes it).
    pub id: async_graphql::ID,
    /// The erased object's type.
    pub kind: TombstoneKind,
    /// When it was erased.
    pub removed_at: Timestamp,
}

impl From<baton_app::kernel::scope::Tombstone> for Tombstone {
    fn from(t: baton_app::kernel::scope::Tombstone) -> Self {
        let kind = match t.kind {
            baton_app::kernel::scope::ErasedKind::Lead => TombstoneKind::Lead,
            baton_app::kernel::scope::ErasedKind::Contact => TombstoneKind::Contact,
        };
        Tombstone { id: t.id.into(), kind, removed_at: t.removed_at.into() }
    }
}

/// Conditions on `productView.featureRequests`; a request is listed when it meets every one given.
#[derive(async_graphql::InputObject, Clone, Debug, Default)]
pub struct FeatureRequestFilter {
    /// In one of these statuses.
    pub statuses: Option<Vec<crate::loops::FeatureRequestStatus>>,
    /// First filed at or after this time.
    pub created_after: Option<Timestamp>,
    /// First filed before this time.
    pub created_before: Option<Timestamp>,
    /// Changed at or after this time.
    pub updated_after: Option<Timestamp>,
    /// Changed before this time.
    pub updated_before: Option<Timestamp>,
    /// Contained in the title (any case).
    pub text: Option<String>,
}

impl FeatureRequestFilter {
    fn into_app(self) -> Result<baton_app::product::requests::RequestFilter> {
        let common = list_filter(
            None,
            None,
            [self.created_after, self.created_before, self.updated_after, self.updated_before],
            self.text,
        )?;
        let statuses = self.statuses.unwrap_or_default().into_iter().map(|s| s.domain()).collect();
        Ok(baton_app::product::requests::RequestFilter { common, statuses })
    }
}

/// What feature requests can be sorted by.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum FeatureRequestOrderField {
    /// Revenue at stake, then the number of asks: the ranking.
    RevenueAtStake,
    /// When the request was first filed.
    CreatedAt,
    /// When it last changed.
    UpdatedAt,
    /// The title.
    Title,
}

/// An order of `productView.featureRequests`; ties are broken by creation, so cursors stay exact.
#[derive(async_graphql::InputObject, Clone, Copy, Debug)]
pub struct FeatureRequestOrder {
    /// The field to sort by.
    pub field: FeatureRequestOrderField,
    /// The direction (default descending).
    #[graphql(default_with = "OrderDirection::Desc")]
    pub direction: OrderDirection,
}

impl FeatureRequestOrder {
    fn order(self) -> (baton_app::product::requests::RequestOrder, bool) {
        use baton_app::product::requests::RequestOrder as O;
        let key = match self.field {
            FeatureRequestOrderField::RevenueAtStake => O::RevenueAtStake,
            FeatureRequestOrderField::CreatedAt => O::Created,
            FeatureRequestOrderField::UpdatedAt => O::Updated,
            FeatureRequestOrderField::Title => O::Title,
        };
        (key, self.direction == OrderDirection::Desc)
    }
}

/// What the approval queue can be sorted by.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ContractOrderField {
    /// When the contract was submitted for review.
    SubmittedAt,
    /// When the contract was drafted.
    CreatedAt,
    /// When it last changed.
    UpdatedAt,
    /// The contract's value (in minor units of its currency).
    Value,
}

/// An order of `legalView.approvalQueue`; ties are broken by creation.
#[derive(async_graphql::InputObject, Clone, Copy, Debug)]
pub struct ContractOrder {
    /// The field to sort by.
    pub field: ContractOrderField,
    /// The direction (default descending).
    #[graphql(default_with = "OrderDirection::Desc")]
    pub direction: OrderDirection,
}

impl ContractOrder {
    fn order(self) -> baton_app::kernel::page::Order {
        use baton_app::kernel::page::SortKey;
        let key = match self.field {
            ContractOrderField::SubmittedAt => SortKey::Submitted,
            ContractOrderField::CreatedAt => SortKey::Created,
            ContractOrderField::UpdatedAt => SortKey::Updated,
            ContractOrderField::Value => SortKey::Value,
        };
        ordered(key, self.direction)
    }
}

/// Conditions on `legalView.approvalQueue`; a contract is listed when it meets every one given.
#[derive(async_graphql::InputObject, Clone, Debug, Default)]
pub struct ContractFilter {
    /// A value of at least this amount (in the contract's currency).
    pub value_at_least: Option<Decimal>,
    /// A value of at most this amount (in the contract's currency).
    pub value_at_most: Option<Decimal>,
    /// Submitted for review at or after this time.
    pub submitted_after: Option<Timestamp>,
    /// Submitted for review before this time.
    pub submitted_before: Option<Timestamp>,
    /// Drafted at or after this time.
    pub created_after: Option<Timestamp>,
    /// Drafted before this time.
    pub created_before: Option<Timestamp>,
    /// Changed at or after this time.
    pub updated_after: Option<Timestamp>,
    /// Changed before this time.
    pub updated_before: Option<Timestamp>,
}

impl ContractFilter {
    fn into_app(self) -> Result<baton_app::kernel::scope::ContractFilter> {
        let common = list_filter(
            None,
            None,
            [self.created_after, self.created_before, self.updated_after, self.updated_before],
            None,
        )?;
        range("filter.submittedBefore", self.submitted_after, self.submitted_before)?;
        Ok(baton_app::kernel::scope::ContractFilter {
            common,
            value_at_least: minor("filter.valueAtLeast", self.value_at_least)?,
            value_at_most: minor("filter.valueAtMost", self.value_at_most)?,
            submitted_after: self.submitted_after.map(Into::into),
            submitted_before: self.submitted_before.map(Into::into),
        })
    }
}

/// What incoming hand-offs can be sorted by.
#[derive(async_graphql::Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum HandoffOrderField {
    /// When the package was started.
    CreatedAt,
    /// When it was (last) submitted to customer success.
    SubmittedAt,
    /// When it last changed.
    UpdatedAt,
}

/// An order of `customerSuccessView.incomingHandoffs`; ties are broken by creation.
#[derive(async_graphql::InputObject, Clone, Copy, Debug)]
pub struct HandoffOrder {
    /// The field to sort by.
    pub field: HandoffOrderField,
    /// The direction (default descending).
    #[graphql(default_with = "OrderDirection::Desc")]
    pub direction: OrderDirection,
}

impl HandoffOrder {
    fn order(self) -> baton_app::kernel::page::Order {
        use baton_app::kernel::page::SortKey;
        let key = match self.field {
            HandoffOrderField::CreatedAt => SortKey::Created,
            HandoffOrderField::SubmittedAt => SortKey::Submitted,
            HandoffOrderField::UpdatedAt => SortKey::Updated,
        };
        ordered(key, self.direction)
    }
}

/// Conditions on `customerSuccessView.incomingHandoffs`; a package is listed when it meets every one given.
#[derive(async_graphql::InputObject, Clone, Debug, Default)]
pub struct HandoffFilter {
    /// Submitted at or after this time.
    pub submitted_after: Option<Timestamp>,
    /// Submitted before this time.
    pub submitted_before: Option<Timestamp>,
    /// Started at or after this time.
    pub created_after: Option<Timestamp>,
    /// Started before this time.
    pub created_before: Option<Timestamp>,
    /// Changed at or after this time.
    pub updated_after: Option<Timestamp>,
    /// Changed before this time.
    pub updated_before: Option<Timestamp>,
}

impl HandoffFilter {
    fn into_app(self) -> Result<baton_app::kernel::scope::HandoffFilter> {
        let common = list_filter(
            None,
            None,
            [self.created_after, self.created_before, self.updated_after, self.updated_before],
            None,
        )?;
        range("filter.submittedBefore", self.submitted_after, self.submitted_before)?;
        Ok(baton_app::kernel::scope::HandoffFilter {
            common,
            submitted_after: self.submitted_after.map(Into::into),
            submitted_before: self.submitted_before.map(Into::into),
        })
    }
}

/// A filter's range is not empty the wrong way round: `BAD_USER_INPUT` naming its end
/// (`field`) when it comes before the start.
fn range<T: PartialOrd>(field: &str, start: Option<T>, end: Option<T>) -> Result<()> {
    match (start, end) {
        (Some(a), Some(b)) if b < a => {
            Err(crate::to_gql(baton_app::AppError::bad_input(field, "is earlier than the range's start")))
        }
        _ => Ok(()),
    }
}
