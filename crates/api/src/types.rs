//! GraphQL object types. Each wraps a row the caller was allowed to see; links resolve
//! through the per-request loaders or through scoped reads.

use crate::enums::*;
use crate::loaders::loaders;
use crate::scalars::Decimal;
use crate::scalars::Timestamp;
use crate::{Gql, actor, app};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use baton_app::entity::{account, api_token, contact, lead, opportunity, organization, team, user};
use baton_app::kernel::money::from_minor;
use chrono::Utc;

/// Formats an id for the API.
pub fn id(u: uuid::Uuid) -> ID {
    ID(u.to_string())
}

/// An amount of money in a currency.
#[derive(SimpleObject, Clone, Debug)]
pub struct Money {
    /// The amount, a decimal string such as "1200.50".
    pub amount: Decimal,
    /// The ISO-4217 currency code, such as "USD".
    pub currency: String,
}

impl Money {
    pub fn from_minor(minor: i64, currency: &str) -> Self {
        Money { amount: Decimal(from_minor(minor)), currency: currency.to_owned() }
    }
}

pub(crate) async fn load_user(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> Result<Option<User>> {
    let Some(id) = id else { return Ok(None) };
    Ok(loaders(ctx)?.users.load_one(id).await?.map(User))
}

/// A person who works in the organization.
pub struct User(pub user::Model);

/// A person who works in the organization.
#[Object]
impl User {
    /// When the user last changed (for delta sync: lists take `updatedSince`).
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
    /// The user's id.
    pub(crate) async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The login e-mail address, unique across organizations.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// The roles the user holds now.
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<Role>> {
        Ok(app(ctx).roles(self.0.id).await.gql()?.into_iter().map(Role::from).collect())
    }
    /// The organization's custom roles the user holds (not retired).
    async fn custom_roles(&self, ctx: &Context<'_>) -> Result<Vec<crate::roles::CustomRole>> {
        let rows = app(ctx).custom_roles_of(self.0.organization_id, self.0.id).await.gql()?;
        Ok(rows.into_iter().filter(|r| r.retired_at.is_none()).map(crate::roles::CustomRole).collect())
    }
    /// False once an administrator deactivated the user; its tokens no longer work.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// The first team the user belongs to.
    async fn team(&self, ctx: &Context<'_>) -> Result<Option<Team>> {
        Ok(app(ctx).team_of(self.0.organization_id, self.0.id).await.gql()?.map(Team))
    }
    /// Incremented on every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the user was created.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
}

/// A sales team with its manager.
pub struct Team(pub team::Model);

/// A sales team with its manager.
#[Object]
impl Team {
    /// The team's id.
    pub(crate) async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The team's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Direct, channel or key account.
    async fn kind(&self) -> TeamKind {
        TeamKind::parse(&self.0.kind)
    }
    /// The manager, who sees the team's leads and pipeline.
    async fn manager(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, Some(self.0.manager_id)).await
    }
    /// The members of the team.
    async fn members(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        Ok(app(ctx).team_members(self.0.organization_id, self.0.id).await.gql()?.into_iter().map(User).collect())
    }
}

/// The organization's settings that rules depend on.
pub struct OrgSettings(pub organization::Model);

/// The organization's settings that rules depend on.
#[Object]
impl OrgSettings {
    /// The organization's id.
    async fn organization_id(&self) -> ID {
        id(self.0.id)
    }
    /// The organization's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The currency of quotes, contracts and invoices.
    async fn currency(&self) -> &str {
        &self.0.currency
    }
    /// At or above this estimated value an opportunity needs the IT, business and executive decision chain.
    async fn enterprise_threshold(&self) -> Money {
        Money::from_minor(self.0.enterprise_threshold_minor, &self.0.currency)
    }
    /// The discount (percent) a sales rep may give without approval.
    async fn discount_limit_rep(&self) -> Decimal {
        Decimal(baton_app::admin::org::bp_to_percent(self.0.discount_limit_rep_bp))
    }
    /// The discount (percent) a sales manager may approve; finance approves any.
    async fn discount_limit_manager(&self) -> Decimal {
        Decimal(baton_app::admin::org::bp_to_percent(self.0.discount_limit_manager_bp))
    }
    /// Working hours within which a new lead must be contacted (8: one working day, the handbook's 24 h).
    async fn first_contact_sla_hours(&self) -> i32 {
        self.0.first_contact_sla_hours
    }
    /// Working hours within which legal reviews a submitted contract.
    async fn legal_review_sla_hours(&self) -> i32 {
        self.0.legal_review_sla_hours
    }
    /// Customer success starts onboarding only once the first invoice is paid.
    async fn onboarding_requires_first_payment(&self) -> bool {
        self.0.onboarding_requires_first_payment
    }
    /// The time zone of the business-hours calendar SLA clocks run on.
    async fn time_zone(&self) -> &str {
        &self.0.time_zone
    }
    /// Working days.
    async fn work_days(&self) -> &str {
        &self.0.work_days
    }
    /// Start of the working day, HH:MM.
    async fn work_start(&self) -> &str {
        &self.0.work_start
    }
    /// End of the working day, HH:MM.
    async fn work_end(&self) -> &str {
        &self.0.work_end
    }
    /// Holidays, comma-separated dates.
    async fn holidays(&self) -> &str {
        &self.0.holidays
    }
    /// Working hours for the needs-analysis report after conversion.
    async fn needs_analysis_sla_hours(&self) -> i32 {
        self.0.needs_analysis_sla_hours
    }
    /// Working hours for the demo after conversion.
    async fn demo_sla_hours(&self) -> i32 {
        self.0.demo_sla_hours
    }
    /// Days before a subscription ends that its renewal opportunity opens.
    async fn renewal_lead_days(&self) -> i32 {
        self.0.renewal_lead_days
    }
    /// The reward a customer earns for a referred deal that is won.
    async fn referral_reward(&self) -> Money {
        Money::from_minor(self.0.referral_reward_minor, &self.0.currency)
    }
    /// Gifts above this value need compliance approval.
    async fn gift_threshold(&self) -> Money {
        Money::from_minor(self.0.gift_threshold_minor, &self.0.currency)
    }
    /// Days a disqualified lead's personal data is kept before the retention job erases it.
    async fn disqualified_lead_retention_days(&self) -> i32 {
        self.0.disqualified_lead_retention_days
    }
    /// Days into the year (or after joining) before missing conduct acknowledgements are overdue.
    async fn conduct_grace_days(&self) -> i32 {
        self.0.conduct_grace_days
    }
    /// Days without follow-up after which a lead returns to the pool.
    async fn pool_follow_up_days(&self) -> i32 {
        self.0.pool_follow_up_days
    }
    /// Leads an SDR may claim from the pool per day.
    async fn pool_claim_limit(&self) -> i32 {
        self.0.pool_claim_limit
    }
    /// Commission: the base rate on collected cash, in percent.
    async fn commission_base_percent(&self) -> Decimal {
        Decimal(baton_app::admin::org::bp_to_percent(self.0.commission_base_bp))
    }
    /// Commission: the retention bonus on SaaS renewals, in percent.
    async fn commission_retention_percent(&self) -> Decimal {
        Decimal(baton_app::admin::org::bp_to_percent(self.0.commission_retention_bp))
    }
    /// Commission: the big-deal bonus on custom software, in percent.
    async fn commission_big_deal_percent(&self) -> Decimal {
        Decimal(baton_app::admin::org::bp_to_percent(self.0.commission_big_deal_bp))
    }
    /// Commission: the contract value from which the big-deal bonus applies.
    async fn commission_big_deal_threshold(&self) -> Money {
        Money::from_minor(self.0.commission_big_deal_minor, &self.0.currency)
    }
    /// Commission: the team bonus on renewals and upsells won with customer success, in percent.
    async fn commission_team_percent(&self) -> Decimal {
        Decimal(baton_app::admin::org::bp_to_percent(self.0.commission_team_bp))
    }
    /// Incremented on every change; pass it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// The result of a successful login.
pub struct AuthPayload {
    pub token: String,
    pub expires_at: Timestamp,
    pub user: user::Model,
}

/// The result of a successful login.
#[Object]
impl AuthPayload {
    /// A JWT to send as `Authorization: Bearer <token>`.
    async fn token(&self) -> &str {
        &self.token
    }
    /// When the token stops working.
    async fn expires_at(&self) -> Timestamp {
        self.expires_at
    }
    /// The user who logged in.
    async fn user(&self) -> User {
        User(self.user.clone())
    }
}

/// An API token for an integration.
pub struct ApiToken(pub api_token::Model);

/// An API token for an integration.
#[Object]
impl ApiToken {
    /// The token's id (not its secret).
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// What the token is for.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The roles the token acts with.
    async fn roles(&self) -> Vec<Role> {
        baton_app::kernel::auth::parse_roles(&self.0.roles).into_iter().map(Role::from).collect()
    }
    /// The organization's custom roles the token acts with (not retired).
    async fn custom_roles(&self, ctx: &Context<'_>) -> Result<Vec<crate::roles::CustomRole>> {
        let rows = app(ctx).custom_roles_of_token(self.0.organization_id, self.0.id).await.gql()?;
        Ok(rows.into_iter().filter(|r| r.retired_at.is_none()).map(crate::roles::CustomRole).collect())
    }
    /// When the token stops working, if ever.
    async fn expires_at(&self) -> Option<Timestamp> {
        self.0.expires_at.map(Timestamp)
    }
    /// When the token was revoked, if it was.
    async fn revoked_at(&self) -> Option<Timestamp> {
        self.0.revoked_at.map(Timestamp)
    }
    /// When the token was created.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
}

/// A new API token and its secret.
pub struct ApiTokenPayload {
    pub token: api_token::Model,
    pub secret: String,
}

/// A new API token and its secret.
#[Object]
impl ApiTokenPayload {
    /// The token.
    async fn api_token(&self) -> ApiToken {
        ApiToken(self.token.clone())
    }
    /// The bearer secret. It is shown only once and stored only as a hash.
    async fn secret(&self) -> &str {
        &self.secret
    }
}

/// A prospective customer, from capture to conversion.
pub struct Lead(pub lead::Model);

/// A prospective customer, from capture to conversion.
#[Object(guard = "crate::roles::FieldRule(\"Lead\")")]
impl Lead {
    /// The lead's id.
    pub(crate) async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Where the lead stands.
    async fn status(&self) -> Result<LeadStatus> {
        stored(&self.0.status)
    }
    /// The priority derived from BANT; null until qualified.
    async fn priority(&self) -> Option<Priority> {
        self.0.priority.as_deref().and_then(baton_domain::lead::Priority::parse).map(Priority::from)
    }
    /// The company's name.
    async fn company_name(&self) -> &str {
        &self.0.company_name
    }
    /// The contact person's name.
    async fn contact_name(&self) -> &str {
        &self.0.contact_name
    }
    /// The contact's e-mail address.
    async fn contact_email(&self) -> Option<&str> {
        self.0.contact_email.as_deref()
    }
    /// The contact's phone number.
    async fn contact_phone(&self) -> Option<&str> {
        self.0.contact_phone.as_deref()
    }
    /// Where the person's data resides (ISO 3166-1 alpha-2), when known.
    async fn jurisdiction(&self) -> Option<&str> {
        self.0.jurisdiction.as_deref()
    }
    /// The recorded basis on which the person's data may leave its jurisdiction (PIPL).
    async fn cross_border_basis(&self) -> Option<&str> {
        self.0.cross_border_basis.as_deref()
    }
    /// When the person's data was erased (a data-subject request or retention).
    async fn erased_at(&self) -> Option<crate::scalars::Timestamp> {
        self.0.erased_at.map(crate::scalars::Timestamp)
    }
    /// The company's industry.
    async fn industry(&self) -> Option<&str> {
        self.0.industry.as_deref()
    }
    /// The company's number of employees.
    async fn company_size(&self) -> Option<i32> {
        self.0.company_size
    }
    /// Where the lead came from.
    async fn source(&self) -> Result<LeadSource> {
        stored(&self.0.source)
    }
    /// The pain points the customer named.
    async fn pain_points(&self) -> Option<&str> {
        self.0.pain_points.as_deref()
    }
    /// BANT: the budget is confirmed (null until qualified).
    async fn budget_confirmed(&self) -> Option<bool> {
        self.0.budget_confirmed
    }
    /// BANT: a decision maker is involved (null until qualified).
    async fn authority_confirmed(&self) -> Option<bool> {
        self.0.authority_confirmed
    }
    /// BANT: the need is real (null until qualified).
    async fn need_confirmed(&self) -> Option<bool> {
        self.0.need_confirmed
    }
    /// BANT: when the customer plans to buy (null until qualified).
    async fn timeline(&self) -> Option<PurchaseTimeline> {
        self.0.timeline.as_deref().and_then(baton_domain::lead::PurchaseTimeline::parse).map(PurchaseTimeline::from)
    }
    /// Why the lead was disqualified.
    async fn disqualification_reason(&self) -> Option<&str> {
        self.0.disqualification_reason.as_deref()
    }
    /// The SDR who owns the lead; it keeps its owner after conversion.
    async fn owner(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.owner_id).await
    }
    /// When the lead was first contacted.
    async fn first_contacted_at(&self) -> Option<Timestamp> {
        self.0.first_contacted_at.map(Timestamp)
    }
    /// When the lead was converted.
    async fn converted_at(&self) -> Option<Timestamp> {
        self.0.converted_at.map(Timestamp)
    }
    /// The account the lead was converted into, if the caller may see it.
    async fn converted_account(&self, ctx: &Context<'_>) -> Result<Option<Account>> {
        match self.0.converted_account_id {
            Some(a) => Ok(app(ctx).account(actor(ctx)?, a).await.gql()?.map(Account)),
            None => Ok(None),
        }
    }
    /// The opportunity the lead was converted into, if the caller may see it.
    async fn converted_opportunity(&self, ctx: &Context<'_>) -> Result<Option<Opportunity>> {
        match self.0.converted_opportunity_id {
            Some(o) => Ok(app(ctx).opportunity(actor(ctx)?, o).await.gql()?.map(Opportunity)),
            None => Ok(None),
        }
    }
    /// The lead's consents, oldest first.
    async fn consents(&self, ctx: &Context<'_>) -> Result<Vec<crate::compliance::Consent>> {
        Ok(app(ctx)
            .consents_of(self.0.organization_id, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(crate::compliance::Consent)
            .collect())
    }
    /// The lead's SLA clocks (first contact).
    async fn sla_clocks(&self, ctx: &Context<'_>) -> Result<Vec<crate::work::SlaClock>> {
        Ok(app(ctx)
            .clocks_of(self.0.organization_id, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(crate::work::SlaClock)
            .collect())
    }
    /// Other leads with the same e-mail address or company e-mail domain that the caller may see.
    async fn possible_duplicates(&self, ctx: &Context<'_>) -> Result<Vec<Lead>> {
        Ok(app(ctx).possible_duplicates(actor(ctx)?, &self.0).await.gql()?.into_iter().map(Lead).collect())
    }
    /// Incremented on every change; pass it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the lead was captured.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    /// When the lead last changed.
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
}

/// A customer company.
pub struct Account(pub account::Model);

/// A customer company.
#[Object(guard = "crate::roles::FieldRule(\"Account\")")]
impl Account {
    /// When the account last changed (for delta sync: lists take `updatedSince`).
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
    /// The account's id.
    pub(crate) async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The company's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The company's e-mail domain.
    async fn domain(&self) -> Option<&str> {
        self.0.domain.as_deref()
    }
    /// The company's industry.
    async fn industry(&self) -> Option<&str> {
        self.0.industry.as_deref()
    }
    /// The people at the company and their part in the decision chain.
    async fn contacts(&self, ctx: &Context<'_>) -> Result<Vec<Contact>> {
        let rows = loaders(ctx)?.contacts_by_account.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(Contact).collect())
    }
    /// The account executive responsible for the account.
    async fn account_executive(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.account_executive_id).await
    }
    /// The customer success owner, once customer success took the account over.
    async fn cs_owner(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.cs_owner_id).await
    }
    /// VIP (a named account manager) or STANDARD (automated programmes).
    async fn tier(&self) -> Result<crate::enums::AccountTier> {
        crate::enums::stored(&self.0.tier)
    }
    /// The named account manager of a VIP account.
    async fn account_manager(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.account_manager_id).await
    }
    /// Health: the score with its contributing factors (usage, issues, payment, business reviews).
    async fn health(&self, ctx: &Context<'_>) -> Result<crate::success::AccountHealth> {
        Ok(app(ctx).account_health(&self.0, Utc::now().date_naive()).await.gql()?.into())
    }
    /// The latest usage snapshot.
    async fn latest_usage(&self, ctx: &Context<'_>) -> Result<Option<crate::success::Usage>> {
        Ok(app(ctx).latest_usage(self.0.id).await.gql()?.map(crate::success::Usage))
    }
    /// The subscriptions (SaaS).
    async fn subscriptions(&self, ctx: &Context<'_>) -> Result<Vec<crate::success::Subscription>> {
        Ok(app(ctx).subscriptions_of(self.0.id).await.gql()?.into_iter().map(crate::success::Subscription).collect())
    }
    /// Business reviews, newest first.
    async fn business_reviews(&self, ctx: &Context<'_>) -> Result<Vec<crate::success::BusinessReview>> {
        Ok(app(ctx).business_reviews(self.0.id).await.gql()?.into_iter().map(crate::success::BusinessReview).collect())
    }
    /// When the customer left, if it did.
    async fn churned_at(&self) -> Option<Timestamp> {
        self.0.churned_at.map(Timestamp)
    }
    /// Why the customer left.
    async fn churn_reason(&self) -> Option<&str> {
        self.0.churn_reason.as_deref()
    }
    /// Incremented on every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the account was created.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
}

/// A person at a customer company.
pub struct Contact(pub contact::Model);

/// A person at a customer company.
#[Object(guard = "crate::roles::FieldRule(\"Contact\")")]
impl Contact {
    /// When the contact was created.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    /// When the contact last changed (for delta sync: lists take `updatedSince`).
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
    /// The contact's id.
    pub(crate) async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The contact's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The contact's e-mail address.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// The contact's phone number.
    async fn phone(&self) -> Option<&str> {
        self.0.phone.as_deref()
    }
    /// The contact's part in the decision chain.
    async fn role(&self) -> ContactRole {
        ContactRole::parse(&self.0.role)
    }
    /// True when the contact may sign for the customer.
    async fn decision_maker(&self) -> bool {
        self.0.decision_maker
    }
    /// Where the person's data resides (ISO 3166-1 alpha-2), when known.
    async fn jurisdiction(&self) -> Option<&str> {
        self.0.jurisdiction.as_deref()
    }
    /// The recorded basis on which the person's data may leave its jurisdiction (PIPL).
    async fn cross_border_basis(&self) -> Option<&str> {
        self.0.cross_border_basis.as_deref()
    }
    /// When the person's data was erased (a data-subject request or retention).
    async fn erased_at(&self) -> Option<crate::scalars::Timestamp> {
        self.0.erased_at.map(crate::scalars::Timestamp)
    }
    /// The contact's consents, oldest first.
    async fn consents(&self, ctx: &Context<'_>) -> Result<Vec<crate::compliance::Consent>> {
        Ok(app(ctx)
            .consents_of(self.0.organization_id, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(crate::compliance::Consent)
            .collect())
    }
    /// Incremented on every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// A deal an account executive works towards a signed contract.
pub struct Opportunity(pub opportunity::Model);

/// A deal an account executive works towards a signed contract.
#[Object(guard = "crate::roles::FieldRule(\"Opportunity\")")]
impl Opportunity {
    /// The opportunity's id.
    pub(crate) async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The opportunity's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The sales stage.
    async fn stage(&self) -> Result<OpportunityStage> {
        stored(&self.0.stage)
    }
    /// The customer.
    async fn account(&self, ctx: &Context<'_>) -> Result<Option<Account>> {
        Ok(loaders(ctx)?.accounts.load_one(self.0.account_id).await?.map(Account))
    }
    /// The account executive who owns the deal.
    async fn owner(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, Some(self.0.owner_id)).await
    }
    /// The expected value of the deal.
    async fn estimated_value(&self) -> Money {
        Money::from_minor(self.0.estimated_value_minor, &self.0.currency)
    }
    /// When the deal is expected to close.
    async fn expected_close_date(&self) -> Option<Timestamp> {
        self.0.expected_close_date.map(Timestamp)
    }
    /// The chance of winning, in percent.
    async fn probability(&self) -> Option<i32> {
        self.0.probability
    }
    /// The needs-analysis report (needed before DEMO).
    async fn needs_analysis(&self) -> Option<&str> {
        self.0.needs_analysis.as_deref()
    }
    /// Why the deal was lost.
    async fn loss_reason(&self) -> Option<&str> {
        self.0.loss_reason.as_deref()
    }
    /// When the deal was won or lost.
    async fn closed_at(&self) -> Option<Timestamp> {
        self.0.closed_at.map(Timestamp)
    }
    /// The customer's contacts: the decision chain.
    async fn contacts(&self, ctx: &Context<'_>) -> Result<Vec<Contact>> {
        let rows = loaders(ctx)?.contacts_by_account.load_one(self.0.account_id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(Contact).collect())
    }
    /// The quotes of the deal, oldest first.
    async fn quotes(&self, ctx: &Context<'_>) -> Result<Vec<crate::deal::Quote>> {
        let rows = loaders(ctx)?.quotes_by_opportunity.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(crate::deal::Quote).collect())
    }
    /// The contracts of the deal, oldest first.
    async fn contracts(&self, ctx: &Context<'_>) -> Result<Vec<crate::deal::Contract>> {
        let rows = loaders(ctx)?.contracts_by_opportunity.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(crate::deal::Contract).collect())
    }
    /// The invoices of the deal, in schedule order.
    async fn invoices(&self, ctx: &Context<'_>) -> Result<Vec<crate::deal::Invoice>> {
        let rows = loaders(ctx)?.invoices_by_opportunity.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(crate::deal::Invoice).collect())
    }
    /// The status of the deal's first invoice: what the account executive follows up until paid; null before signing.
    async fn first_payment_status(&self, ctx: &Context<'_>) -> Result<Option<InvoiceStatus>> {
        let rows = loaders(ctx)?.invoices_by_opportunity.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.iter().find(|i| i.sequence == 1).map(|i| crate::deal::invoice_status(&i.status)))
    }
    /// Gifts and hospitality recorded on the deal.
    async fn gifts(&self, ctx: &Context<'_>) -> Result<Vec<crate::compliance::Gift>> {
        Ok(app(ctx)
            .gifts_of(self.0.organization_id, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(crate::compliance::Gift)
            .collect())
    }
    /// The deal's SLA clocks (needs analysis, demo).
    async fn sla_clocks(&self, ctx: &Context<'_>) -> Result<Vec<crate::work::SlaClock>> {
        Ok(app(ctx)
            .clocks_of(self.0.organization_id, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(crate::work::SlaClock)
            .collect())
    }
    /// Calls, e-mails, meetings, demos and visits, oldest first.
    async fn activities(&self, ctx: &Context<'_>) -> Result<Vec<crate::deal::Activity>> {
        Ok(app(ctx).activities_of(actor(ctx)?, self.0.id).await.gql()?.into_iter().map(crate::deal::Activity).collect())
    }
    /// NEW_BUSINESS, RENEWAL or EXPANSION.
    async fn kind(&self) -> Result<crate::enums::OpportunityKind> {
        crate::enums::stored(&self.0.kind)
    }
    /// The customer success person credited on a renewal or upsell.
    async fn cs_credit(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.cs_credit_id).await
    }
    /// Incremented on every change; pass it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the opportunity was created.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    /// When the opportunity last changed.
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
}

/// What one lead source produced, and at what cost.
#[derive(SimpleObject)]
pub struct SourceCount {
    /// The source.
    pub source: LeadSource,
    /// All leads from the source.
    pub count: i64,
    /// Leads from the source that were qualified (including those converted since).
    pub qualified: i64,
    /// Leads from the source that were converted into opportunities.
    pub converted: i64,
    /// Won deals from the source's leads.
    pub customers: i64,
    /// The value of the contracts signed for those won deals (the figure sales reports as revenue).
    pub won_revenue: Money,
    /// The spend of the campaigns on the channel of the same name.
    pub spend: Money,
    /// Spend per lead; null without leads or spend.
    pub cost_per_lead: Option<Money>,
    /// Spend per won customer; null without customers.
    pub cost_per_customer: Option<Money>,
}
