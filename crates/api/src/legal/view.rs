//! `legalView`, with the review queue's order and filter.

use crate::kernel::connection::{Conn, connection, list_filter, minor, ordered_page_request, range, since};
use crate::kernel::scalars::{Decimal, Timestamp};
use crate::kernel::sla::my_tasks;
use crate::legal::contracts::Contract;
use crate::{Gql, actor, app};
use async_graphql::{Context, Object, Result};

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
    ) -> Result<Vec<crate::kernel::sla::Task>> {
        my_tasks(ctx, due_before).await
    }
    /// Gifts above the threshold waiting for compliance approval, oldest first.
    async fn pending_gifts(&self, ctx: &Context<'_>) -> Result<Vec<crate::legal::compliance::Gift>> {
        Ok(app(ctx).pending_gifts(actor(ctx)?).await.gql()?.into_iter().map(crate::legal::compliance::Gift).collect())
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

crate::kernel::connection::list_order! {
    /// What the approval queue can be sorted by.
    ContractOrderField {
        /// When the contract was submitted for review.
        SubmittedAt => Submitted,
        /// When the contract was drafted.
        CreatedAt => Created,
        /// When it last changed.
        UpdatedAt => Updated,
        /// The contract's value (in minor units of its currency).
        Value => Value,
    }
    /// An order of `legalView.approvalQueue`; ties are broken by creation.
    ContractOrder
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
    pub(crate) fn into_app(self) -> Result<baton_app::kernel::scope::ContractFilter> {
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
