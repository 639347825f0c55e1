//! The root query: the caller, the directory, the department views and the getters.

use crate::admin::org::ApiToken;
use crate::admin::org::OrgSettings;
use crate::customer_success::view::CustomerSuccessView;
use crate::finance::view::FinanceView;
use crate::id_arg;
use crate::kernel::types::Team;
use crate::kernel::types::User;
use crate::legal::view::LegalView;
use crate::marketing::view::MarketingView;
use crate::product::view::ProductView;
use crate::sales::deals::Account;
use crate::sales::deals::Opportunity;
use crate::sales::leads::Lead;
use crate::sales::view::SalesView;
use crate::{Gql, actor, app};
use async_graphql::{Context, ID, Object, Result};
use baton_app::AppError;
use baton_domain::permission::Action;

/// Every read of Baton.
#[derive(async_graphql::MergedObject, Default)]
pub struct Query(
    CoreQuery,
    crate::legal::privacy::PrivacyQuery,
    crate::legal::governance::GovernanceQuery,
    crate::insight::node::NodeQuery,
    crate::insight::search::SearchQuery,
    crate::admin::roles::RoleQuery,
    crate::admin::webhooks::WebhookQuery,
    crate::admin::imports::ImportQuery,
);

/// The caller, the directory, the department views and the getters.
#[derive(Default)]
pub struct CoreQuery;

/// Every read of Baton.
#[Object]
impl CoreQuery {
    /// The caller.
    async fn me(&self, ctx: &Context<'_>) -> Result<User> {
        let a = actor(ctx)?;
        let id = a.user_id().ok_or_else(|| crate::to_gql(AppError::NotFound("user (an API token is not a user)")))?;
        Ok(User(app(ctx).user(a, id).await.gql()?))
    }

    /// Everyone in the caller's organization.
    async fn users(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        Ok(app(ctx).users(actor(ctx)?).await.gql()?.into_iter().map(User).collect())
    }

    /// The organization's teams.
    async fn teams(&self, ctx: &Context<'_>) -> Result<Vec<Team>> {
        Ok(app(ctx).teams(actor(ctx)?).await.gql()?.into_iter().map(Team).collect())
    }

    /// The organization's settings.
    async fn org_settings(&self, ctx: &Context<'_>) -> Result<OrgSettings> {
        Ok(OrgSettings(app(ctx).org_settings(actor(ctx)?).await.gql()?))
    }

    /// Leads and contacts the caller reads that were erased at or after `since`, oldest first (at most 500; continue from the last `removedAt`): drop them from a local copy.
    async fn tombstones(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The time of the client's last sync.")] since: crate::kernel::scalars::Timestamp,
    ) -> Result<Vec<crate::kernel::connection::Tombstone>> {
        let rows = app(ctx).tombstones(actor(ctx)?, since.0).await.gql()?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// The organization's API tokens (ADMIN).
    async fn api_tokens(&self, ctx: &Context<'_>) -> Result<Vec<ApiToken>> {
        Ok(app(ctx).api_tokens(actor(ctx)?).await.gql()?.into_iter().map(ApiToken).collect())
    }

    /// The caller's notifications, newest first (at most 100).
    async fn notifications(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only unread notifications.")] unread_only: Option<bool>,
    ) -> Result<Vec<crate::kernel::notifications::NotificationRow>> {
        let a = actor(ctx)?;
        Ok(app(ctx)
            .notifications(a, unread_only.unwrap_or(false))
            .await
            .gql()?
            .into_iter()
            .map(crate::kernel::notifications::NotificationRow)
            .collect())
    }

    /// The audit log (ADMIN, LEGAL), newest first, with the snapshots before and after each change.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Only changes by this user or API token.")] actor_id: Option<ID>,
        #[graphql(desc = "Only changes to this object.")] entity_id: Option<ID>,
        #[graphql(desc = "Only this action (the mutation's name).")] action: Option<String>,
        #[graphql(desc = "From this time (inclusive).")] from: Option<crate::kernel::scalars::Timestamp>,
        #[graphql(desc = "Until this time (exclusive).")] to: Option<crate::kernel::scalars::Timestamp>,
        #[graphql(desc = "Page size: default 20, at most 100.")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
    ) -> Result<crate::kernel::connection::Conn<crate::admin::audit::AuditEntry>> {
        crate::admin::audit::audit_log(ctx, actor_id, entity_id, action, from, to, first, after).await
    }

    /// The sales view (SDR, ACCOUNT_EXECUTIVE, SALES_MANAGER, ADMIN).
    async fn sales_view(&self, ctx: &Context<'_>) -> Result<SalesView> {
        Ok(SalesView { scope: actor(ctx)?.authorize(Action::SalesView).gql()? })
    }

    /// The marketing view (MARKETING, ADMIN).
    async fn marketing_view(&self, ctx: &Context<'_>) -> Result<MarketingView> {
        actor(ctx)?.authorize(Action::MarketingView).gql()?;
        Ok(MarketingView)
    }

    /// The product view (PRODUCT, ADMIN).
    async fn product_view(&self, ctx: &Context<'_>) -> Result<ProductView> {
        actor(ctx)?.authorize(Action::ProductView).gql()?;
        Ok(ProductView)
    }

    /// The customer success view (CUSTOMER_SUCCESS, CS_MANAGER, ADMIN).
    async fn customer_success_view(&self, ctx: &Context<'_>) -> Result<CustomerSuccessView> {
        actor(ctx)?.authorize(Action::CustomerSuccessView).gql()?;
        Ok(CustomerSuccessView)
    }

    /// The legal view (LEGAL, ADMIN).
    async fn legal_view(&self, ctx: &Context<'_>) -> Result<LegalView> {
        actor(ctx)?.authorize(Action::LegalView).gql()?;
        Ok(LegalView)
    }

    /// The finance view (FINANCE, ADMIN).
    async fn finance_view(&self, ctx: &Context<'_>) -> Result<FinanceView> {
        actor(ctx)?.authorize(Action::FinanceView).gql()?;
        Ok(FinanceView)
    }

    /// Why the caller cannot do `action` to the object now; an empty list means it can.
    async fn blockers(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The object the action would apply to.")] entity_id: ID,
        #[graphql(desc = "The mutation's name, such as `convertLead`.")] action: String,
    ) -> Result<Vec<String>> {
        let a = actor(ctx)?;
        let id = id_arg("entityId", &entity_id)?;
        app(ctx).blockers(a, id, &action).await.gql()
    }

    /// A lead within the caller's scope; NOT_FOUND when it does not exist, belongs to another organization or lies outside the caller's scope.
    async fn lead(&self, ctx: &Context<'_>, #[graphql(desc = "The lead's id.")] id: ID) -> Result<Option<Lead>> {
        let a = actor(ctx)?;
        Ok(Some(Lead(app(ctx).lead(a, id_arg("id", &id)?).await.gql()?.ok_or(AppError::NotFound("lead")).gql()?)))
    }

    /// An account within the caller's scope; NOT_FOUND otherwise.
    async fn account(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account's id.")] id: ID,
    ) -> Result<Option<Account>> {
        let a = actor(ctx)?;
        Ok(Some(Account(
            app(ctx).account(a, id_arg("id", &id)?).await.gql()?.ok_or(AppError::NotFound("account")).gql()?,
        )))
    }

    /// A quote within the caller's scope; NOT_FOUND otherwise.
    async fn quote(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The quote's id.")] id: ID,
    ) -> Result<Option<crate::sales::deals::Quote>> {
        let a = actor(ctx)?;
        Ok(Some(crate::sales::deals::Quote(app(ctx).quote(a, id_arg("id", &id)?).await.gql()?)))
    }

    /// A contract within the caller's scope; NOT_FOUND otherwise.
    async fn contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract's id.")] id: ID,
    ) -> Result<Option<crate::legal::contracts::Contract>> {
        let a = actor(ctx)?;
        Ok(Some(crate::legal::contracts::Contract(app(ctx).contract(a, id_arg("id", &id)?).await.gql()?)))
    }

    /// An invoice within the caller's scope; NOT_FOUND otherwise.
    async fn invoice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invoice's id.")] id: ID,
    ) -> Result<Option<crate::finance::invoices::Invoice>> {
        let a = actor(ctx)?;
        Ok(Some(crate::finance::invoices::Invoice(app(ctx).invoice(a, id_arg("id", &id)?).await.gql()?)))
    }

    /// A hand-off package within the caller's scope; NOT_FOUND otherwise.
    async fn handoff_package(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The package's id.")] id: ID,
    ) -> Result<Option<crate::customer_success::handoffs::HandoffPackage>> {
        let a = actor(ctx)?;
        Ok(Some(crate::customer_success::handoffs::HandoffPackage(
            app(ctx).handoff(a, id_arg("id", &id)?).await.gql()?,
        )))
    }

    /// An opportunity within the caller's scope; NOT_FOUND otherwise.
    async fn opportunity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The opportunity's id.")] id: ID,
    ) -> Result<Option<Opportunity>> {
        let (a, id) = (actor(ctx)?, id_arg("id", &id)?);
        let missing = || AppError::NotFound("opportunity");
        if !ctx.look_ahead().field("account").exists() {
            return Ok(Some(Opportunity(app(ctx).opportunity(a, id).await.gql()?.ok_or_else(missing).gql()?)));
        }
        // The account it will be asked for comes in the same statement, into the loader's cache.
        let (o, account) = app(ctx).opportunity_with_account(a, id).await.gql()?.ok_or_else(missing).gql()?;
        if let Some(account) = account {
            crate::kernel::loaders::loaders(ctx)?.accounts.feed_one(account.id, account).await;
        }
        Ok(Some(Opportunity(o)))
    }
}
