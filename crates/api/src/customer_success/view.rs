//! `customerSuccessView`, with the hand-off queue's order and filter.

use crate::customer_success::handoffs::HandoffPackage;
use crate::kernel::connection::{Conn, OLDEST_FIRST, connection, list_filter, ordered_page_request, range, since};
use crate::kernel::scalars::Timestamp;
use crate::kernel::sla::my_tasks;
use crate::product::requests::release_notes;
use crate::sales::deals::{Account, Opportunity};
use crate::sales::view::{AccountFilter, AccountOrder};
use crate::{Gql, actor, app};
use async_graphql::{Context, Object, Result};

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
    ) -> Result<Vec<crate::kernel::sla::Task>> {
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
    async fn release_notes(&self, ctx: &Context<'_>) -> Result<Vec<crate::product::requests::ReleaseNote>> {
        release_notes(ctx).await
    }
    /// Renewal opportunities still open, soonest end date first.
    async fn renewals_due(&self, ctx: &Context<'_>) -> Result<Vec<Opportunity>> {
        Ok(app(ctx).renewals_due(actor(ctx)?).await.gql()?.into_iter().map(Opportunity).collect())
    }
    /// Rewards customers earned by referring new customers.
    async fn referral_rewards(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<crate::customer_success::success::ReferralReward>> {
        Ok(app(ctx)
            .referral_rewards(actor(ctx)?)
            .await
            .gql()?
            .into_iter()
            .map(crate::customer_success::success::ReferralReward)
            .collect())
    }
}

crate::kernel::connection::list_order! {
    /// What incoming hand-offs can be sorted by.
    HandoffOrderField {
        /// When the package was started.
        CreatedAt => Created,
        /// When it was (last) submitted to customer success.
        SubmittedAt => Submitted,
        /// When it last changed.
        UpdatedAt => Updated,
    }
    /// An order of `customerSuccessView.incomingHandoffs`; ties are broken by creation.
    HandoffOrder
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
    pub(crate) fn into_app(self) -> Result<baton_app::kernel::scope::HandoffFilter> {
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
