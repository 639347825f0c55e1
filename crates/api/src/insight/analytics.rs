//! KPIs with their drill-down rows, and win/loss reviews.

use crate::id_arg;
use crate::kernel::scalars::Decimal;
use crate::kernel::scalars::Timestamp;
use crate::kernel::types::User;
use crate::kernel::types::id;
use crate::kernel::types::load_user;
use crate::{Gql, actor, app};
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use baton_app::entity::win_loss_review;
use baton_app::insight::analytics::{Figure, Unit, WinLoss as AppWinLoss};
use baton_domain::Scope;

/// How wide a KPI looks; never wider than the caller may see.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum KpiScope {
    /// The caller's own work (a rep).
    Rep,
    /// The caller's team.
    Team,
    /// The whole organization.
    Org,
}

impl KpiScope {
    pub fn domain(self) -> Scope {
        match self {
            KpiScope::Rep => Scope::Own,
            KpiScope::Team => Scope::Team,
            KpiScope::Org => Scope::Org,
        }
    }
}

/// What a figure's value measures; the value is written with the unit's decimals.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum KpiUnit {
    /// A number of things (no decimals).
    Count,
    /// An amount in the organization's currency (two decimals).
    Money,
    /// A share between 0 and 1 (four decimals).
    Rate,
    /// A number of days (two decimals).
    Days,
    /// One amount divided by another (two decimals).
    Ratio,
}

impl From<Unit> for KpiUnit {
    fn from(u: Unit) -> Self {
        // Minutes and years only ever measure a numerator or a denominator, never a value.
        match u {
            Unit::Count | Unit::Minutes => KpiUnit::Count,
            Unit::Money => KpiUnit::Money,
            Unit::Rate => KpiUnit::Rate,
            Unit::Days | Unit::Years => KpiUnit::Days,
            Unit::Ratio => KpiUnit::Ratio,
        }
    }
}

/// One row a figure was computed from.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct KpiRow {
    /// The kind of object (lead, opportunity, contract, invoice, activity, campaign).
    pub entity_type: String,
    /// The object's id.
    pub entity_id: ID,
    #[graphql(skip)]
    pub entity_uuid: uuid::Uuid,
    /// A readable label.
    pub label: String,
    /// The row's contribution, when it has one (an amount or a number of days, two decimals).
    pub value: Option<Decimal>,
}

#[async_graphql::ComplexObject]
impl KpiRow {
    /// The object, typed (a Lead, Opportunity, Contract, Invoice), through its own getter; null when the caller may not read it, and for activities and campaigns, which are not nodes.
    async fn entity(&self, ctx: &Context<'_>) -> Result<Option<crate::insight::node::Node>> {
        crate::insight::node::subject(ctx, Some(&self.entity_type), Some(self.entity_uuid)).await
    }
}

/// A KPI: its value, what it was computed from, and the rows behind it.
#[derive(SimpleObject)]
pub struct KpiFigure {
    /// The figure: leadConversionRate (also per source, leadConversionRate:SEO), winRate, averageSalesCycleDays, renewalRate, revenue, revenuePerRep, collectionRate, activities:CALL (and other kinds), slaBreachRate, customerAcquisitionCost, lifetimeValue, ltvToCac, funnel:STAGE (deals created in the period that reached the stage), timeInStageDays:STAGE.
    pub key: String,
    /// What the value measures.
    pub unit: KpiUnit,
    /// The value, with its unit's decimals.
    pub value: Decimal,
    /// The numerator (or the total for counts and sums), with its own unit's decimals: counts have none, amounts two, `timeInStageDays` sums minutes.
    pub numerator: Decimal,
    /// The denominator, with its own unit's decimals (a count, an amount, or the expected lifetime in years for `lifetimeValue`).
    pub denominator: Decimal,
    /// The rows the figure was computed from: the first 100 of each kind, in id order (activities in the order they happened); the figure counts them all.
    pub rows: Vec<KpiRow>,
}

impl From<Figure> for KpiFigure {
    fn from(f: Figure) -> Self {
        KpiFigure {
            key: f.key,
            unit: f.units[0].into(),
            value: Decimal::scaled(f.value, f.units[0].scale()),
            numerator: Decimal::scaled(f.numerator, f.units[1].scale()),
            denominator: Decimal::scaled(f.denominator, f.units[2].scale()),
            rows: f
                .rows
                .into_iter()
                .map(|r| KpiRow {
                    entity_type: r.entity_type,
                    entity_id: id(r.entity_id),
                    entity_uuid: r.entity_id,
                    label: r.label,
                    value: r.value.map(|v| Decimal::scaled(v, 2)),
                })
                .collect(),
        }
    }
}

/// A reason (or competitor, or stage) and how often it came up.
#[derive(SimpleObject)]
pub struct ReasonCount {
    /// The reason.
    pub reason: String,
    /// How many deals or leads.
    pub count: i64,
}

/// Why deals were won and lost in a period, against whom, and where leads were lost.
#[derive(SimpleObject)]
pub struct WinLossSummary {
    /// Reasons of won deals, most frequent first.
    pub won_by_reason: Vec<ReasonCount>,
    /// Reasons of lost deals, most frequent first.
    pub lost_by_reason: Vec<ReasonCount>,
    /// Competitors named in reviews.
    pub competitors: Vec<ReasonCount>,
    /// Disqualified leads by the furthest stage they reached (NEW, CONTACTED, QUALIFIED).
    pub leads_lost_by_stage: Vec<ReasonCount>,
    /// The newest 100 reviews of the deals closed in the period, newest first, with their lessons (the counts cover every review).
    pub reviews: Vec<WinLossReview>,
}

/// Why one closed deal was won or lost, and what to do differently.
pub struct WinLossReview(pub win_loss_review::Model, pub String);

/// Why one closed deal was won or lost, and what to do differently.
#[Object]
impl WinLossReview {
    /// The review's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The reviewed opportunity's id.
    async fn opportunity_id(&self) -> ID {
        id(self.0.opportunity_id)
    }
    /// The reviewed opportunity, when the caller may read it.
    async fn opportunity(&self, ctx: &Context<'_>) -> Result<Option<crate::sales::deals::Opportunity>> {
        crate::insight::node::opportunity(ctx, self.0.opportunity_id).await
    }
    /// The reviewed opportunity's name.
    async fn opportunity_name(&self) -> &str {
        &self.1
    }
    /// WON or LOST.
    async fn outcome(&self) -> Result<crate::kernel::enums::DealOutcome> {
        crate::kernel::enums::stored(&self.0.outcome)
    }
    /// The main reason.
    async fn primary_reason(&self) -> &str {
        &self.0.primary_reason
    }
    /// The competitor, if one was named.
    async fn competitor(&self) -> Option<&str> {
        self.0.competitor.as_deref()
    }
    /// What to do differently next time.
    async fn lessons(&self) -> Option<&str> {
        self.0.lessons.as_deref()
    }
    /// Who wrote the review.
    async fn reviewed_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, Some(self.0.reviewed_by)).await
    }
    /// When it was written.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
}

fn counts(v: Vec<(String, i64)>) -> Vec<ReasonCount> {
    v.into_iter().map(|(reason, count)| ReasonCount { reason, count }).collect()
}

impl From<AppWinLoss> for WinLossSummary {
    fn from(w: AppWinLoss) -> Self {
        WinLossSummary {
            won_by_reason: counts(w.won_by_reason),
            lost_by_reason: counts(w.lost_by_reason),
            competitors: counts(w.competitors),
            leads_lost_by_stage: counts(w.leads_lost_by_stage),
            reviews: w.reviews.into_iter().map(|(r, name)| WinLossReview(r, name)).collect(),
        }
    }
}

/// Review mutations.
#[derive(Default)]
pub struct ReviewMutation;

#[Object]
impl ReviewMutation {
    /// Records why a closed deal was won or lost, the competitor, and the lesson.
    async fn record_win_loss_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The closed opportunity.")] opportunity_id: ID,
        #[graphql(desc = "The main reason.")] primary_reason: String,
        #[graphql(desc = "The competitor, if any.")] competitor: Option<String>,
        #[graphql(desc = "What to do differently.")] lessons: Option<String>,
    ) -> Result<WinLossReview> {
        let a = actor(ctx)?;
        let o = id_arg("opportunityId", &opportunity_id)?;
        let review = app(ctx).record_win_loss(a, o, &primary_reason, competitor, lessons).await.gql()?;
        let name = app(ctx).opportunity(a, o).await.gql()?.map(|d| d.name).unwrap_or_default();
        Ok(WinLossReview(review, name))
    }
}
