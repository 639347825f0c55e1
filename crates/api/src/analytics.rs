//! KPIs with their drill-down rows, and win/loss reviews.

use crate::scalars::Decimal;
use crate::types::id;
use crate::{Gql, actor, app};
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use baton_app::analytics::{Figure, WinLoss as AppWinLoss};
use baton_app::parse_id;
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

/// One row a figure was computed from.
#[derive(SimpleObject)]
pub struct KpiRow {
    /// The kind of object (lead, opportunity, contract, invoice, activity).
    pub entity_type: String,
    /// The object's id.
    pub entity_id: ID,
    /// A readable label.
    pub label: String,
    /// The row's contribution, when it has one (an amount, a number of days).
    pub value: Option<Decimal>,
}

/// A KPI: its value, what it was computed from, and the rows behind it.
#[derive(SimpleObject)]
pub struct KpiFigure {
    /// The figure: leadConversionRate (also per source, leadConversionRate:SEO), winRate, averageSalesCycleDays, renewalRate, revenue, revenuePerRep, collectionRate, activities:CALL (and other kinds), slaBreachRate, customerAcquisitionCost, lifetimeValue, ltvToCac, funnel:STAGE (deals created in the period that reached the stage), timeInStageDays:STAGE.
    pub key: String,
    /// The value.
    pub value: Decimal,
    /// The numerator (or the total for counts and sums).
    pub numerator: Decimal,
    /// The denominator.
    pub denominator: Decimal,
    /// The rows the figure was computed from.
    pub rows: Vec<KpiRow>,
}

impl From<Figure> for KpiFigure {
    fn from(f: Figure) -> Self {
        KpiFigure {
            key: f.key,
            value: Decimal(f.value),
            numerator: Decimal(f.numerator),
            denominator: Decimal(f.denominator),
            rows: f
                .rows
                .into_iter()
                .map(|r| KpiRow {
                    entity_type: r.entity_type,
                    entity_id: id(r.entity_id),
                    label: r.label,
                    value: r.value.map(Decimal),
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
    ) -> Result<ID> {
        let a = actor(ctx)?;
        let o = parse_id("opportunityId", &opportunity_id).gql()?;
        Ok(id(app(ctx).record_win_loss(a, o, &primary_reason, competitor, lessons).await.gql()?.id))
    }
}
