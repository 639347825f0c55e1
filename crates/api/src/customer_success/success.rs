//! Customer success types and mutations: health, usage, business reviews, subscriptions,
//! tiers, churn, expansion and referrals.

use crate::finance::invoices::Invoice;
use crate::id_arg;
use crate::kernel::scalars::Timestamp;
use crate::kernel::types::Money;
use crate::kernel::types::MoneyInput;
use crate::kernel::types::id;
use crate::sales::deals::Account;
use crate::sales::deals::Opportunity;
use crate::{Gql, actor, app};
use async_graphql::{Context, Enum, ID, InputObject, Object, Result, SimpleObject};
use baton_app::customer_success::success;
use baton_app::entity::{business_review, referral_reward, subscription, usage_snapshot};
use chrono::{NaiveDate, Utc};

/// One factor of the health score.
#[derive(SimpleObject)]
pub struct HealthFactor {
    /// The factor: adoption, issues, payment or businessReview.
    pub key: String,
    /// The points this factor contributes.
    pub points: i32,
    /// The most it can contribute.
    pub max_points: i32,
    /// Why, in plain words.
    pub detail: String,
}

/// An account's health: the computed score with its factors, and any manual override.
#[derive(SimpleObject)]
pub struct AccountHealth {
    /// The score customer success works with: the override when set, else the computed one.
    pub score: i32,
    /// GOOD (70 and up), AT_RISK (40 to 69) or CRITICAL.
    pub band: String,
    /// The score computed from the factors.
    pub computed_score: i32,
    /// The contributing factors.
    pub factors: Vec<HealthFactor>,
    /// True when a person overrode the computed score.
    pub overridden: bool,
    /// Why it was overridden.
    pub override_reason: Option<String>,
}

impl From<success::AccountHealth> for AccountHealth {
    fn from(h: success::AccountHealth) -> Self {
        let score = h.override_score.map(i64::from).unwrap_or(h.computed.score);
        AccountHealth {
            score: score as i32,
            band: baton_domain::health::band(score).to_owned(),
            computed_score: h.computed.score as i32,
            factors: h
                .computed
                .factors
                .into_iter()
                .map(|f| HealthFactor {
                    key: f.key.to_owned(),
                    points: f.points as i32,
                    max_points: f.max_points as i32,
                    detail: f.detail,
                })
                .collect(),
            overridden: h.override_score.is_some(),
            override_reason: h.override_reason,
        }
    }
}

/// A SaaS subscription created by signing.
pub struct Subscription(pub subscription::Model);

/// A SaaS subscription created by signing.
#[Object(name = "CustomerSubscription")]
impl Subscription {
    /// The subscription's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// BASIC, PROFESSIONAL or ENTERPRISE (null for module-only subscriptions).
    async fn tier(&self) -> Result<Option<crate::kernel::enums::PlanTier>> {
        crate::kernel::enums::stored_opt(self.0.tier.as_deref())
    }
    /// Seats under contract.
    async fn seats(&self) -> i32 {
        self.0.seats
    }
    /// The first day.
    async fn starts_on(&self) -> NaiveDate {
        self.0.start_on
    }
    /// The last day; the renewal opens ahead of it.
    async fn ends_on(&self) -> NaiveDate {
        self.0.end_on
    }
    /// The first day.
    #[graphql(deprecation = "Use `startsOn`, the name every other period uses.")]
    async fn start_on(&self) -> NaiveDate {
        self.0.start_on
    }
    /// The last day.
    #[graphql(deprecation = "Use `endsOn`, the name every other period uses.")]
    async fn end_on(&self) -> NaiveDate {
        self.0.end_on
    }
    /// Monthly recurring revenue.
    async fn monthly_recurring_revenue(&self) -> Money {
        Money::from_minor(self.0.mrr_minor, &self.0.currency)
    }
    /// ACTIVE or CHURNED.
    async fn status(&self) -> Result<crate::kernel::enums::SubscriptionStatus> {
        crate::kernel::enums::stored(&self.0.status)
    }
    /// The add-on modules the subscription includes, from the quote its contract was signed from.
    async fn modules(&self, ctx: &Context<'_>) -> Result<Vec<SubscribedModule>> {
        let rows = app(ctx).subscription_modules(self.0.organization_id, &self.0).await.gql()?;
        Ok(rows.into_iter().map(|(p, seats)| SubscribedModule { name: p.name, sku: p.sku, seats }).collect())
    }
}

/// An add-on module a subscription includes.
#[derive(SimpleObject)]
pub struct SubscribedModule {
    /// The module's catalog name.
    pub name: String,
    /// The module's catalog SKU.
    pub sku: String,
    /// Seats licensed for the module.
    pub seats: i32,
}

/// A usage snapshot.
pub struct Usage(pub usage_snapshot::Model);

/// A usage snapshot.
#[Object(name = "UsageSnapshot")]
impl Usage {
    /// Users active in the period.
    async fn active_users(&self) -> i32 {
        self.0.active_users
    }
    /// Seats in use.
    async fn seats_used(&self) -> i32 {
        self.0.seats_used
    }
    /// Open issue reports (custom software and support).
    async fn open_issues(&self) -> i32 {
        self.0.open_issues
    }
    /// Feature adoption per module.
    async fn adoption(&self) -> Vec<ModuleAdoption> {
        self.0
            .adoption
            .split(';')
            .filter_map(|p| p.split_once('='))
            .map(|(m, v)| ModuleAdoption { module: m.to_owned(), percent: v.parse().unwrap_or(0) })
            .collect()
    }
    /// When it was recorded.
    async fn recorded_at(&self) -> Timestamp {
        self.0.recorded_at.into()
    }
}

/// How many users use a module.
#[derive(SimpleObject, InputObject)]
#[graphql(input_name = "ModuleAdoptionInput")]
pub struct ModuleAdoption {
    /// The module.
    pub module: String,
    /// Percent of users using it.
    pub percent: i32,
}

/// A quarterly business review.
pub struct BusinessReview(pub business_review::Model);

/// A quarterly business review.
#[Object]
impl BusinessReview {
    /// The review's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// When it was held.
    async fn held_on(&self) -> NaiveDate {
        self.0.held_on
    }
    /// Who attended.
    async fn attendees(&self) -> &str {
        &self.0.attendees
    }
    /// What came out of it.
    async fn outcomes(&self) -> &str {
        &self.0.outcomes
    }
    /// New needs found (to pass to sales).
    async fn new_needs(&self) -> Option<&str> {
        self.0.new_needs.as_deref()
    }
}

/// A reward a customer earned by referring a new customer.
pub struct ReferralReward(pub referral_reward::Model);

/// A reward a customer earned by referring a new customer.
#[Object]
impl ReferralReward {
    /// The reward's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The referring customer.
    async fn referrer(&self, ctx: &Context<'_>) -> Result<Option<Account>> {
        Ok(crate::kernel::loaders::loaders(ctx)?.accounts.load_one(self.0.referrer_account_id).await?.map(Account))
    }
    /// The credit, applied as a discount on the referrer's next invoice.
    async fn amount(&self) -> Money {
        Money::from_minor(self.0.amount_minor, &self.0.currency)
    }
    /// EARNED (waiting for the referrer's next invoice) or APPLIED (credited on it).
    async fn status(&self) -> Result<crate::kernel::enums::ReferralRewardStatus> {
        crate::kernel::enums::stored(&self.0.status)
    }
    /// When the referred deal was won.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    /// When the credit was applied to the referrer's invoice; null while EARNED.
    async fn applied_at(&self) -> Option<Timestamp> {
        self.0.applied_at.map(Timestamp)
    }
    /// The invoice the credit was applied to, if the caller may read invoices (finance does).
    async fn applied_invoice(&self, ctx: &Context<'_>) -> Result<Option<Invoice>> {
        let Some(i) = self.0.applied_invoice_id else { return Ok(None) };
        match app(ctx).invoice(actor(ctx)?, i).await {
            Ok(row) => Ok(Some(Invoice(row))),
            Err(baton_app::AppError::NotFound(_) | baton_app::AppError::Forbidden(_)) => Ok(None),
            Err(e) => Err(crate::to_gql(e)),
        }
    }
}

/// What kind of expansion customer success found.
#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum UpsellKind {
    /// More seats on the current plan.
    MoreSeats,
    /// A higher plan tier.
    HigherTier,
    /// An add-on module or service.
    AddOn,
}

/// A usage snapshot from an integration.
#[derive(InputObject)]
pub struct UsageInput {
    /// Users active in the period.
    pub active_users: i32,
    /// Seats in use.
    pub seats_used: i32,
    /// Open issue reports.
    pub open_issues: i32,
    /// Feature adoption per module.
    pub adoption: Option<Vec<ModuleAdoption>>,
}

/// A business review that was held.
#[derive(InputObject)]
pub struct BusinessReviewInput {
    /// When it was held (not in the future).
    pub held_on: NaiveDate,
    /// Who attended.
    pub attendees: String,
    /// What came out of it.
    pub outcomes: String,
    /// New needs found.
    pub new_needs: Option<String>,
}

/// Customer success mutations.
#[derive(Default)]
pub struct SuccessMutation;

#[Object]
impl SuccessMutation {
    /// Records a usage snapshot for an account customer success took over (CS users and integrations' API tokens); returns the account's health after it.
    async fn record_usage(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account.")] account_id: ID,
        #[graphql(desc = "The snapshot.")] input: UsageInput,
    ) -> Result<AccountHealth> {
        let a = actor(ctx)?;
        let id = id_arg("accountId", &account_id)?;
        let u = success::UsageInput {
            active_users: input.active_users,
            seats_used: input.seats_used,
            open_issues: input.open_issues,
            adoption: input.adoption.unwrap_or_default().into_iter().map(|m| (m.module, m.percent)).collect(),
        };
        let (_, acc) = app(ctx).record_usage(a, id, u).await.gql()?;
        Ok(app(ctx).account_health(&acc, Utc::now().date_naive()).await.gql()?.into())
    }

    /// Overrides the computed health score with a reason; a null score clears the override.
    async fn override_health(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account.")] account_id: ID,
        #[graphql(desc = "The score, 0 to 100; null clears the override.")] score: Option<i32>,
        #[graphql(desc = "Why (required with a score).")] reason: Option<String>,
    ) -> Result<Account> {
        let a = actor(ctx)?;
        let id = id_arg("accountId", &account_id)?;
        Ok(Account(app(ctx).override_health(a, id, score, reason).await.gql()?))
    }

    /// Records a quarterly business review held with the customer.
    async fn record_business_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account.")] account_id: ID,
        #[graphql(desc = "The review.")] input: BusinessReviewInput,
    ) -> Result<BusinessReview> {
        let a = actor(ctx)?;
        let id = id_arg("accountId", &account_id)?;
        let r = success::ReviewInput {
            held_on: input.held_on,
            attendees: input.attendees,
            outcomes: input.outcomes,
            new_needs: input.new_needs,
        };
        Ok(BusinessReview(app(ctx).record_business_review(a, id, r).await.gql()?))
    }

    /// Records that the customer left, with a reason; its subscriptions end.
    async fn record_churn(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account.")] account_id: ID,
        #[graphql(desc = "Why the customer left.")] reason: String,
    ) -> Result<Account> {
        let a = actor(ctx)?;
        let id = id_arg("accountId", &account_id)?;
        Ok(Account(app(ctx).record_churn(a, id, &reason).await.gql()?))
    }

    /// Hands an expansion need to the account executive as an opportunity; the caller is credited on it.
    async fn flag_upsell(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account.")] account_id: ID,
        #[graphql(desc = "What kind of expansion.")] kind: UpsellKind,
        #[graphql(desc = "The estimated value.")] estimated_value: MoneyInput,
        #[graphql(desc = "What the customer needs.")] notes: Option<String>,
    ) -> Result<Opportunity> {
        let a = actor(ctx)?;
        let id = id_arg("accountId", &account_id)?;
        let k = match kind {
            UpsellKind::MoreSeats => "MORE_SEATS",
            UpsellKind::HigherTier => "HIGHER_TIER",
            UpsellKind::AddOn => "ADD_ON",
        };
        Ok(Opportunity(
            app(ctx).flag_upsell(a, id, k, notes, estimated_value.amount.0, &estimated_value.currency).await.gql()?,
        ))
    }

    /// Makes an account VIP with a named account manager, or returns it to the automated programme (CS_MANAGER).
    async fn set_account_tier(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account.")] account_id: ID,
        #[graphql(desc = "True for VIP.")] vip: bool,
        #[graphql(desc = "The customer success user who manages a VIP account.")] account_manager_id: Option<ID>,
    ) -> Result<Account> {
        let a = actor(ctx)?;
        let id = id_arg("accountId", &account_id)?;
        let m = account_manager_id.as_ref().map(|m| id_arg("accountManagerId", m)).transpose()?;
        Ok(Account(app(ctx).set_account_tier(a, id, vip, m).await.gql()?))
    }
}
