//! `marketingView`.

use crate::kernel::scalars::Timestamp;
use crate::kernel::sla::my_tasks;
use crate::kernel::types::Money;
use crate::marketing::campaigns::{Campaign, Messaging};
use crate::sales::leads::SourceCount;
use crate::{Gql, actor, app};
use async_graphql::{Context, Object, Result};

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
    ) -> Result<Vec<crate::kernel::sla::Task>> {
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
