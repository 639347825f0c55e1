//! `financeView`: invoices, collections and aging.

use crate::finance::invoices::Invoice;
use crate::kernel::connection::{Conn, connection, list_filter, minor, ordered_page_request, range, since};
use crate::kernel::enums::*;
use crate::kernel::scalars::{Decimal, Timestamp};
use crate::kernel::sla::my_tasks;
use crate::kernel::types::Money;
use crate::sales::enablement::partners;
use crate::{Gql, actor, app};
use async_graphql::{Context, Object, Result, SimpleObject};

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
    ) -> Result<Vec<crate::kernel::sla::Task>> {
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
    async fn partner_rebates(&self, ctx: &Context<'_>) -> Result<Vec<crate::sales::enablement::Partner>> {
        partners(ctx).await
    }
    /// Referral credits customers earned, to apply as discounts on their next invoices.
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

crate::kernel::connection::list_order! {
    /// What invoices can be sorted by.
    InvoiceOrderField {
        /// When the invoice was created (scheduled).
        CreatedAt => Created,
        /// When it last changed.
        UpdatedAt => Updated,
        /// Its due date.
        DueAt => DueDate,
        /// Its amount (in minor units of its currency).
        Amount => Value,
    }
    /// An order of `financeView.invoices`; ties are broken by creation.
    InvoiceOrder
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
    pub(crate) fn into_app(self) -> Result<baton_app::kernel::scope::InvoiceFilter> {
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

/// The domain's invoice status of the API's.
pub(crate) fn invoice_status(s: InvoiceStatus) -> baton_domain::invoice::InvoiceStatus {
    use baton_domain::invoice::InvoiceStatus as D;
    match s {
        InvoiceStatus::Scheduled => D::Scheduled,
        InvoiceStatus::Issued => D::Issued,
        InvoiceStatus::PartiallyPaid => D::PartiallyPaid,
        InvoiceStatus::Paid => D::Paid,
        InvoiceStatus::Void => D::Void,
    }
}
