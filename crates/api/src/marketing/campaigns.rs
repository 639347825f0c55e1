//! Campaigns and messaging: types and mutations.

use crate::kernel::scalars::Timestamp;
use crate::kernel::types::{Money, MoneyInput, User, id, load_user};
use crate::{Gql, actor, app, id_arg};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result};
use baton_app::entity::{campaign, messaging_version};
use baton_app::marketing::campaigns;
use baton_domain::insight::{CampaignMetrics, Channel as DChannel};
use chrono::NaiveDate;

/// A marketing channel.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CampaignChannel {
    /// Organic search.
    Seo,
    /// Paid search.
    Sem,
    /// Social media.
    Social,
    /// Trade shows and seminars.
    Event,
    /// White papers and case studies.
    Content,
    /// Webinars.
    Webinar,
}

impl CampaignChannel {
    fn domain(self) -> DChannel {
        match self {
            CampaignChannel::Seo => DChannel::Seo,
            CampaignChannel::Sem => DChannel::Sem,
            CampaignChannel::Social => DChannel::Social,
            CampaignChannel::Event => DChannel::Event,
            CampaignChannel::Content => DChannel::Content,
            CampaignChannel::Webinar => DChannel::Webinar,
        }
    }
}

/// A marketing campaign and what it produced.
pub struct Campaign(pub campaign::Model, pub CampaignMetrics);

/// A marketing campaign and what it produced.
#[Object]
impl Campaign {
    /// The campaign's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The campaign's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The channel.
    async fn channel(&self) -> Result<CampaignChannel> {
        crate::kernel::enums::stored(&self.0.channel)
    }
    /// The budget.
    async fn budget(&self) -> Money {
        Money::from_minor(self.0.budget_minor, &self.0.currency)
    }
    /// What was spent so far.
    async fn spend(&self) -> Money {
        Money::from_minor(self.0.spend_minor, &self.0.currency)
    }
    /// The first day.
    async fn starts_on(&self) -> NaiveDate {
        self.0.starts_on
    }
    /// The last day, if set.
    async fn ends_on(&self) -> Option<NaiveDate> {
        self.0.ends_on
    }
    /// Leads that came from the campaign.
    async fn leads(&self) -> i64 {
        self.1.leads
    }
    /// Of those, leads qualified (including converted ones).
    async fn qualified_leads(&self) -> i64 {
        self.1.qualified
    }
    /// Opportunities created from the campaign's leads.
    async fn opportunities(&self) -> i64 {
        self.1.opportunities
    }
    /// Won deals from the campaign's leads.
    async fn customers(&self) -> i64 {
        self.1.customers
    }
    /// The value of the contracts signed for the won deals (the figure sales reports as revenue).
    async fn won_revenue(&self) -> Money {
        Money::from_minor(self.1.won_revenue_minor, &self.0.currency)
    }
    /// Spend divided by leads; null without leads.
    async fn cost_per_lead(&self) -> Option<Money> {
        self.1.cost_per_lead_minor.map(|m| Money::from_minor(m, &self.0.currency))
    }
    /// Spend divided by won customers; null without customers.
    async fn cost_per_customer(&self) -> Option<Money> {
        self.1.cost_per_customer_minor.map(|m| Money::from_minor(m, &self.0.currency))
    }
}

/// A version of the value claims marketing publishes and sales repeats.
pub struct Messaging(pub messaging_version::Model);

/// A version of the value claims marketing publishes and sales repeats.
#[Object]
impl Messaging {
    /// The version's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The version number, 1 and up.
    async fn number(&self) -> i32 {
        self.0.number
    }
    /// The headline.
    async fn title(&self) -> &str {
        &self.0.title
    }
    /// The claims, as marketing wrote them.
    async fn claims(&self) -> &str {
        &self.0.claims
    }
    /// Who published it.
    async fn published_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, Some(self.0.published_by)).await
    }
    /// When it was published.
    async fn published_at(&self) -> Timestamp {
        self.0.published_at.into()
    }
}

/// A new campaign.
#[derive(InputObject)]
pub struct CampaignInput {
    /// The campaign's name.
    pub name: String,
    /// The channel.
    pub channel: CampaignChannel,
    /// The budget, in the organization's currency.
    pub budget: MoneyInput,
    /// The first day.
    pub starts_on: NaiveDate,
    /// The last day.
    pub ends_on: Option<NaiveDate>,
}

/// Campaigns and messaging: types and mutations.
#[derive(Default)]
pub struct CampaignMutation;

#[Object]
impl CampaignMutation {
    /// Creates a campaign (MARKETING).
    async fn create_campaign(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign.")] input: CampaignInput,
    ) -> Result<Campaign> {
        let a = actor(ctx)?;
        let c = campaigns::NewCampaign {
            name: input.name,
            channel: input.channel.domain(),
            budget: input.budget.amount.0,
            currency: input.budget.currency,
            starts_on: input.starts_on,
            ends_on: input.ends_on,
        };
        let row = app(ctx).create_campaign(a, c).await.gql()?;
        Ok(Campaign(row, CampaignMetrics::default()))
    }

    /// Records what a campaign has spent so far (MARKETING).
    async fn record_campaign_spend(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The campaign.")] campaign_id: ID,
        #[graphql(desc = "The total spent so far.")] spend: MoneyInput,
    ) -> Result<Campaign> {
        let a = actor(ctx)?;
        let id = id_arg("campaignId", &campaign_id)?;
        app(ctx).record_campaign_spend(a, id, spend.amount.0, &spend.currency).await.gql()?;
        let all = app(ctx).campaigns(a).await.gql()?;
        let (c, m) = all
            .into_iter()
            .find(|(c, _)| c.id == id)
            .ok_or_else(|| crate::to_gql(baton_app::AppError::NotFound("campaign")))?;
        Ok(Campaign(c, m))
    }

    /// Publishes a new version of the messaging sales must repeat (MARKETING).
    async fn publish_messaging(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The headline.")] title: String,
        #[graphql(desc = "The value claims.")] claims: String,
    ) -> Result<Messaging> {
        let a = actor(ctx)?;
        Ok(Messaging(app(ctx).publish_messaging(a, &title, &claims).await.gql()?))
    }
}
