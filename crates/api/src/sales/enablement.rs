//! Channel partners and training: types and mutations.

use crate::kernel::scalars::{Decimal, Timestamp};
use crate::kernel::types::{Money, User, id};
use crate::{Gql, actor, app, id_arg};
use async_graphql::{Context, Enum, ID, Object, Result};
use baton_app::entity::{training_completion, training_programme};
use baton_app::sales::enablement::{PartnerStanding, TrainingGap};
use baton_domain::enablement as d;

/// A kind of channel partner.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum PartnerKind {
    /// Resells the product.
    Reseller,
    /// Integrates and delivers projects.
    SystemIntegrator,
    /// A cloud vendor's marketplace.
    CloudMarketplace,
}

/// Who a training programme is for.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TrainingLevel {
    /// New hires: product, selling, industry.
    NewHire,
    /// Veterans: strategic negotiation, complex projects, vertical solutions.
    Veteran,
    /// Managers: coaching, process, data.
    Manager,
}

/// What a training programme teaches.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TrainingTopic {
    /// Features, strengths and scenarios.
    Product,
    /// Lead discovery, needs and negotiation.
    Selling,
    /// Customer pain and competitors.
    Industry,
    /// Strategic negotiation.
    StrategicNegotiation,
    /// Complex projects.
    ComplexProjects,
    /// Vertical solutions such as healthcare or finance.
    VerticalSolutions,
    /// Coaching and motivation.
    Coaching,
    /// The sales process.
    Process,
    /// Data-driven decisions.
    Data,
}

fn parse<T: Copy>(all: &[(T, &str)], s: &str) -> Option<T> {
    all.iter().find(|(_, n)| *n == s).map(|(t, _)| *t)
}

const KINDS: [(PartnerKind, &str); 3] = [
    (PartnerKind::Reseller, "RESELLER"),
    (PartnerKind::SystemIntegrator, "SYSTEM_INTEGRATOR"),
    (PartnerKind::CloudMarketplace, "CLOUD_MARKETPLACE"),
];
const LEVELS: [(TrainingLevel, &str); 3] =
    [(TrainingLevel::NewHire, "NEW_HIRE"), (TrainingLevel::Veteran, "VETERAN"), (TrainingLevel::Manager, "MANAGER")];
const TOPICS: [(TrainingTopic, &str); 9] = [
    (TrainingTopic::Product, "PRODUCT"),
    (TrainingTopic::Selling, "SELLING"),
    (TrainingTopic::Industry, "INDUSTRY"),
    (TrainingTopic::StrategicNegotiation, "STRATEGIC_NEGOTIATION"),
    (TrainingTopic::ComplexProjects, "COMPLEX_PROJECTS"),
    (TrainingTopic::VerticalSolutions, "VERTICAL_SOLUTIONS"),
    (TrainingTopic::Coaching, "COACHING"),
    (TrainingTopic::Process, "PROCESS"),
    (TrainingTopic::Data, "DATA"),
];

fn name_of<T: Copy + PartialEq>(all: &[(T, &'static str)], v: T) -> &'static str {
    all.iter().find(|(t, _)| *t == v).map(|(_, n)| *n).unwrap_or("")
}

/// A channel partner, with what it brought and the rebate it earned on collected cash.
pub struct Partner(pub PartnerStanding, pub String);

/// A channel partner, with what it brought and the rebate it earned on collected cash.
#[Object]
impl Partner {
    /// The partner's id.
    async fn id(&self) -> ID {
        id(self.0.partner.id)
    }
    /// The partner's name.
    async fn name(&self) -> &str {
        &self.0.partner.name
    }
    /// The kind of partner.
    async fn kind(&self) -> Option<PartnerKind> {
        parse(&KINDS, &self.0.partner.kind)
    }
    /// The rebate rate in percent of collected cash.
    async fn rebate_percent(&self) -> Decimal {
        Decimal(baton_app::admin::org::bp_to_percent(self.0.partner.rebate_bp))
    }
    /// Leads the partner brought.
    async fn leads(&self) -> i64 {
        self.0.leads
    }
    /// Opportunities from the partner's leads.
    async fn deals(&self) -> i64 {
        self.0.deals
    }
    /// Of those, the won ones.
    async fn won_deals(&self) -> i64 {
        self.0.won_deals
    }
    /// Cash collected on the partner's deals (paid invoices, net of refunds).
    async fn collected(&self) -> Money {
        Money::from_minor(self.0.collected_minor, &self.1)
    }
    /// The rebate owed: collected cash times the rebate rate.
    async fn rebate_owed(&self) -> Money {
        Money::from_minor(self.0.rebate_owed_minor, &self.1)
    }
}

/// A training programme.
pub struct TrainingProgramme(pub training_programme::Model);

/// A training programme.
#[Object]
impl TrainingProgramme {
    /// The programme's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The programme's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Who it is for.
    async fn level(&self) -> Option<TrainingLevel> {
        parse(&LEVELS, &self.0.level)
    }
    /// What it teaches.
    async fn topic(&self) -> Option<TrainingTopic> {
        parse(&TOPICS, &self.0.topic)
    }
}

/// A team member's completion of a training programme.
pub struct TrainingCompletion(pub training_completion::Model);

/// A team member's completion of a training programme.
#[Object]
impl TrainingCompletion {
    /// The completion's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The programme.
    async fn programme(&self, ctx: &Context<'_>) -> Result<Option<TrainingProgramme>> {
        let a = actor(ctx)?;
        let all = app(ctx).training_programmes(a).await.gql()?;
        Ok(all.into_iter().find(|p| p.id == self.0.programme_id).map(TrainingProgramme))
    }
    /// Who completed it.
    async fn user(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        crate::kernel::types::load_user(ctx, Some(self.0.user_id)).await
    }
    /// When it was recorded.
    async fn completed_at(&self) -> Timestamp {
        self.0.completed_at.into()
    }
}

/// A team member and the programmes not yet completed.
pub struct TrainingGapView(pub TrainingGap);

/// A team member and the programmes not yet completed.
#[Object(name = "TrainingGap")]
impl TrainingGapView {
    /// The team member.
    async fn user(&self) -> User {
        User(self.0.user.clone())
    }
    /// The programmes still to complete.
    async fn missing(&self) -> Vec<TrainingProgramme> {
        self.0.missing.iter().cloned().map(TrainingProgramme).collect()
    }
}

/// Partner and training mutations.
#[derive(Default)]
pub struct EnablementMutation;

#[Object]
impl EnablementMutation {
    /// Registers a channel partner with its rebate rate (SALES_MANAGER, ADMIN).
    async fn create_partner(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The partner's name.")] name: String,
        #[graphql(desc = "The kind of partner.")] kind: PartnerKind,
        #[graphql(desc = "The rebate in percent of collected cash, 0 to 50.")] rebate_percent: Decimal,
    ) -> Result<Partner> {
        let a = actor(ctx)?;
        let k = d::PartnerKind::parse(name_of(&KINDS, kind)).unwrap_or(d::PartnerKind::Reseller);
        let partner = app(ctx).create_partner(a, &name, k, rebate_percent.0).await.gql()?;
        let currency = app(ctx).org_settings(a).await.gql()?.currency;
        // A new partner has brought nothing yet.
        let standing =
            PartnerStanding { partner, leads: 0, deals: 0, won_deals: 0, collected_minor: 0, rebate_owed_minor: 0 };
        Ok(Partner(standing, currency))
    }

    /// Creates a training programme; the topic must belong to the level (SALES_MANAGER, ADMIN).
    async fn create_training_programme(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The programme's name.")] name: String,
        #[graphql(desc = "Who it is for.")] level: TrainingLevel,
        #[graphql(desc = "What it teaches.")] topic: TrainingTopic,
    ) -> Result<TrainingProgramme> {
        let a = actor(ctx)?;
        let l = d::TrainingLevel::parse(name_of(&LEVELS, level)).unwrap_or(d::TrainingLevel::NewHire);
        let t = d::TrainingTopic::parse(name_of(&TOPICS, topic)).unwrap_or(d::TrainingTopic::Product);
        Ok(TrainingProgramme(app(ctx).create_training_programme(a, &name, l, t).await.gql()?))
    }

    /// Records that a person completed a programme: the caller, or a member of a manager's team.
    async fn record_training_completion(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The programme.")] programme_id: ID,
        #[graphql(desc = "Who completed it (default: the caller).")] user_id: Option<ID>,
    ) -> Result<TrainingCompletion> {
        let a = actor(ctx)?;
        let p = id_arg("programmeId", &programme_id)?;
        let u = user_id.as_ref().map(|u| id_arg("userId", u)).transpose()?;
        Ok(TrainingCompletion(app(ctx).record_training(a, p, u).await.gql()?))
    }
}

pub(crate) async fn partners(ctx: &Context<'_>) -> Result<Vec<crate::sales::enablement::Partner>> {
    let a = actor(ctx)?;
    let currency = app(ctx).org_settings(a).await.gql()?.currency;
    Ok(app(ctx)
        .partner_standings(a)
        .await
        .gql()?
        .into_iter()
        .map(|p| crate::sales::enablement::Partner(p, currency.clone()))
        .collect())
}
