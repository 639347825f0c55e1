//! Accounts, contacts, opportunities, quotes, products and activities: types and mutations.

use crate::kernel::enums::*;
use crate::kernel::loaders::loaders;
use crate::kernel::scalars::{Decimal, Timestamp};
use crate::kernel::types::{Money, MoneyInput, User, id, load_user};
use crate::{Gql, actor, app, id_arg};
use async_graphql::{Context, ID, InputObject, Object, Result};
use baton_app::entity::{account, activity, contact, opportunity, product, quote, quote_line};
use baton_app::{sales::opportunities, sales::quotes};
use baton_domain::opportunity::{ActivityKind as DActivity, ContactRole as DRole, Stage};
use chrono::Utc;

/// A customer company.
pub struct Account(pub account::Model);

/// A customer company.
#[Object(guard = "crate::admin::roles::FieldRule(\"Account\")")]
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
    async fn tier(&self) -> Result<crate::kernel::enums::AccountTier> {
        crate::kernel::enums::stored(&self.0.tier)
    }
    /// The named account manager of a VIP account.
    async fn account_manager(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.account_manager_id).await
    }
    /// Health: the score with its contributing factors (usage, issues, payment, business reviews).
    async fn health(&self, ctx: &Context<'_>) -> Result<crate::customer_success::success::AccountHealth> {
        Ok(app(ctx).account_health(&self.0, Utc::now().date_naive()).await.gql()?.into())
    }
    /// The latest usage snapshot.
    async fn latest_usage(&self, ctx: &Context<'_>) -> Result<Option<crate::customer_success::success::Usage>> {
        Ok(app(ctx).latest_usage(self.0.id).await.gql()?.map(crate::customer_success::success::Usage))
    }
    /// The subscriptions (SaaS).
    async fn subscriptions(&self, ctx: &Context<'_>) -> Result<Vec<crate::customer_success::success::Subscription>> {
        Ok(app(ctx)
            .subscriptions_of(self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(crate::customer_success::success::Subscription)
            .collect())
    }
    /// Business reviews, newest first.
    async fn business_reviews(
        &self,
        ctx: &Context<'_>,
    ) -> Result<Vec<crate::customer_success::success::BusinessReview>> {
        Ok(app(ctx)
            .business_reviews(self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(crate::customer_success::success::BusinessReview)
            .collect())
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
#[Object(guard = "crate::admin::roles::FieldRule(\"Contact\")")]
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
    async fn erased_at(&self) -> Option<crate::kernel::scalars::Timestamp> {
        self.0.erased_at.map(crate::kernel::scalars::Timestamp)
    }
    /// The contact's consents, oldest first.
    async fn consents(&self, ctx: &Context<'_>) -> Result<Vec<crate::legal::compliance::Consent>> {
        Ok(app(ctx)
            .consents_of(self.0.organization_id, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(crate::legal::compliance::Consent)
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
#[Object(guard = "crate::admin::roles::FieldRule(\"Opportunity\")")]
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
    async fn quotes(&self, ctx: &Context<'_>) -> Result<Vec<crate::sales::deals::Quote>> {
        let rows = loaders(ctx)?.quotes_by_opportunity.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(crate::sales::deals::Quote).collect())
    }
    /// The contracts of the deal, oldest first.
    async fn contracts(&self, ctx: &Context<'_>) -> Result<Vec<crate::legal::contracts::Contract>> {
        let rows = loaders(ctx)?.contracts_by_opportunity.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(crate::legal::contracts::Contract).collect())
    }
    /// The invoices of the deal, in schedule order.
    async fn invoices(&self, ctx: &Context<'_>) -> Result<Vec<crate::finance::invoices::Invoice>> {
        let rows = loaders(ctx)?.invoices_by_opportunity.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(crate::finance::invoices::Invoice).collect())
    }
    /// The status of the deal's first invoice: what the account executive follows up until paid; null before signing.
    async fn first_payment_status(&self, ctx: &Context<'_>) -> Result<Option<InvoiceStatus>> {
        let rows = loaders(ctx)?.invoices_by_opportunity.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.iter().find(|i| i.sequence == 1).map(|i| crate::finance::invoices::invoice_status(&i.status)))
    }
    /// Gifts and hospitality recorded on the deal.
    async fn gifts(&self, ctx: &Context<'_>) -> Result<Vec<crate::legal::compliance::Gift>> {
        Ok(app(ctx)
            .gifts_of(self.0.organization_id, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(crate::legal::compliance::Gift)
            .collect())
    }
    /// The deal's SLA clocks (needs analysis, demo).
    async fn sla_clocks(&self, ctx: &Context<'_>) -> Result<Vec<crate::kernel::sla::SlaClock>> {
        Ok(app(ctx)
            .clocks_of(self.0.organization_id, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(crate::kernel::sla::SlaClock)
            .collect())
    }
    /// Calls, e-mails, meetings, demos and visits, oldest first.
    async fn activities(&self, ctx: &Context<'_>) -> Result<Vec<crate::sales::deals::Activity>> {
        Ok(app(ctx)
            .activities_of(actor(ctx)?, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(crate::sales::deals::Activity)
            .collect())
    }
    /// NEW_BUSINESS, RENEWAL or EXPANSION.
    async fn kind(&self) -> Result<crate::kernel::enums::OpportunityKind> {
        crate::kernel::enums::stored(&self.0.kind)
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

fn pricing_model(s: &str) -> PricingModel {
    match s {
        "PER_SEAT" => PricingModel::PerSeat,
        "PER_MODULE" => PricingModel::PerModule,
        _ => PricingModel::FixedPrice,
    }
}

fn tier(s: Option<&str>) -> Option<PlanTier> {
    match s? {
        "BASIC" => Some(PlanTier::Basic),
        "PROFESSIONAL" => Some(PlanTier::Professional),
        "ENTERPRISE" => Some(PlanTier::Enterprise),
        _ => None,
    }
}

/// A product of the catalog.
pub struct Product(pub product::Model);

/// A product of the catalog.
#[Object]
impl Product {
    /// The product's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The product's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The stock-keeping unit.
    async fn sku(&self) -> &str {
        &self.0.sku
    }
    /// The plan tier, for tiered plans.
    async fn tier(&self) -> Option<PlanTier> {
        tier(self.0.tier.as_deref())
    }
    /// How the product is priced.
    async fn pricing_model(&self) -> PricingModel {
        pricing_model(&self.0.pricing_model)
    }
    /// The price per unit: per seat per month, per module per seat per month, or fixed.
    async fn unit_price(&self) -> Money {
        Money::from_minor(self.0.unit_price_minor, &self.0.currency)
    }
}

/// A priced offer on an opportunity.
pub struct Quote(pub quote::Model);

/// A priced offer on an opportunity.
#[Object(guard = "crate::admin::roles::FieldRule(\"Quote\")")]
impl Quote {
    /// When the quote last changed (for delta sync: lists take `updatedSince`).
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
    /// The quote's id.
    pub(crate) async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Where the quote stands.
    async fn status(&self) -> QuoteStatus {
        match self.0.status.as_str() {
            "PENDING_APPROVAL" => QuoteStatus::PendingApproval,
            "ACCEPTED" => QuoteStatus::Accepted,
            "SUPERSEDED" => QuoteStatus::Superseded,
            "VOIDED" => QuoteStatus::Voided,
            _ => QuoteStatus::Approved,
        }
    }
    /// The priced lines.
    async fn lines(&self, ctx: &Context<'_>) -> Result<Vec<QuoteLine>> {
        let rows = loaders(ctx)?.lines_by_quote.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(|l| QuoteLine(l, self.0.currency.clone())).collect())
    }
    /// The sum of the lines before the discount.
    async fn subtotal(&self) -> Money {
        Money::from_minor(self.0.subtotal_minor, &self.0.currency)
    }
    /// The discount in percent.
    async fn discount_percent(&self) -> Decimal {
        Decimal(baton_app::admin::org::bp_to_percent(self.0.discount_bp))
    }
    /// The discount amount, rounded to the cent.
    async fn discount(&self) -> Money {
        Money::from_minor(self.0.discount_minor, &self.0.currency)
    }
    /// What the customer pays: subtotal minus discount.
    async fn total(&self) -> Money {
        Money::from_minor(self.0.total_minor, &self.0.currency)
    }
    /// The longest term of the subscription lines, in months.
    async fn term_months(&self) -> i32 {
        self.0.term_months
    }
    /// The author of the current version (who may not approve it).
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, Some(self.0.created_by)).await
    }
    /// Who approved the discount; null when approved on creation or not approved.
    async fn approved_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.approved_by).await
    }
    /// When the quote was approved.
    async fn approved_at(&self) -> Option<Timestamp> {
        self.0.approved_at.map(Timestamp)
    }
    /// When the customer accepted it.
    async fn accepted_at(&self) -> Option<Timestamp> {
        self.0.accepted_at.map(Timestamp)
    }
    /// The opportunity, if the caller may see it.
    async fn opportunity(&self, ctx: &Context<'_>) -> Result<Option<Opportunity>> {
        Ok(app(ctx).opportunity(actor(ctx)?, self.0.opportunity_id).await.gql()?.map(Opportunity))
    }
    /// Gifts and hospitality recorded on the quote's deal, so whoever approves its discount sees them.
    async fn gifts(&self, ctx: &Context<'_>) -> Result<Vec<crate::legal::compliance::Gift>> {
        deal_gifts(ctx, self.0.organization_id, self.0.opportunity_id).await
    }
    /// Incremented on every change; pass it as `expectedVersion`.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the quote was created.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
}

pub(crate) async fn deal_gifts(
    ctx: &Context<'_>,
    org: uuid::Uuid,
    deal: uuid::Uuid,
) -> Result<Vec<crate::legal::compliance::Gift>> {
    Ok(app(ctx).gifts_of(org, deal).await.gql()?.into_iter().map(crate::legal::compliance::Gift).collect())
}

/// One priced line of a quote.
pub struct QuoteLine(pub quote_line::Model, pub String);

/// One priced line of a quote.
#[Object]
impl QuoteLine {
    /// The line's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The product.
    async fn product(&self, ctx: &Context<'_>) -> Result<Option<Product>> {
        Ok(loaders(ctx)?.products.load_one(self.0.product_id).await?.map(Product))
    }
    /// Seats, modules or units.
    async fn quantity(&self) -> i32 {
        self.0.quantity
    }
    /// Months of the term (1 for fixed prices).
    async fn term_months(&self) -> i32 {
        self.0.term_months
    }
    /// The unit price at the time of quoting.
    async fn unit_price(&self) -> Money {
        Money::from_minor(self.0.unit_price_minor, &self.1)
    }
    /// Unit price times quantity times months (fixed prices: times quantity).
    async fn total(&self) -> Money {
        Money::from_minor(self.0.line_total_minor, &self.1)
    }
}

/// A call, e-mail, meeting, demo or visit.
pub struct Activity(pub activity::Model);

/// A call, e-mail, meeting, demo or visit.
#[Object]
impl Activity {
    /// The activity's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// What kind of activity.
    async fn kind(&self) -> ActivityKind {
        match self.0.kind.as_str() {
            "EMAIL" => ActivityKind::Email,
            "MEETING" => ActivityKind::Meeting,
            "DEMO" => ActivityKind::Demo,
            "VISIT" => ActivityKind::Visit,
            _ => ActivityKind::Call,
        }
    }
    /// Notes.
    async fn notes(&self) -> Option<&str> {
        self.0.notes.as_deref()
    }
    /// When it happened.
    async fn occurred_at(&self) -> Timestamp {
        self.0.occurred_at.into()
    }
}

/// The deal-to-handoff backbone.
#[derive(Default)]
pub struct DealMutation;

/// A person at the customer.
#[derive(InputObject)]
pub struct ContactInput {
    /// The contact's name.
    pub name: String,
    /// The contact's e-mail address.
    pub email: Option<String>,
    /// The contact's phone number.
    pub phone: Option<String>,
    /// The contact's part in the decision chain.
    pub role: ContactRole,
    /// True when the contact may sign for the customer.
    pub decision_maker: bool,
    /// Where the person's data resides (ISO 3166-1 alpha-2 country code, e.g. DE or CN).
    pub jurisdiction: Option<String>,
}

/// Changes to an opportunity's forecast inputs; absent fields stay as they are.
#[derive(InputObject, Default)]
pub struct UpdateOpportunityInput {
    /// The opportunity's name.
    pub name: Option<String>,
    /// The expected value of the deal.
    pub estimated_value: Option<MoneyInput>,
    /// When the deal is expected to close.
    pub expected_close_date: Option<Timestamp>,
    /// The chance of winning, 0 to 100.
    pub probability: Option<i32>,
}

/// One line of a quote.
#[derive(InputObject)]
pub struct QuoteLineInput {
    /// The product.
    pub product_id: ID,
    /// Seats, modules or units, at least 1.
    pub quantity: i32,
    /// Months of the term for per-seat and per-module products (default 12).
    pub term_months: Option<i32>,
}

/// The lines and discount of a quote.
#[derive(InputObject)]
pub struct QuoteInput {
    /// The lines, at least one.
    pub lines: Vec<QuoteLineInput>,
    /// The discount in percent, 0 to 100.
    pub discount_percent: Option<Decimal>,
}

fn role(r: ContactRole) -> DRole {
    match r {
        ContactRole::It => DRole::It,
        ContactRole::Business => DRole::Business,
        ContactRole::Executive => DRole::Executive,
        ContactRole::Procurement => DRole::Procurement,
        ContactRole::Other => DRole::Other,
    }
}

fn contact_input(i: ContactInput) -> opportunities::ContactInput {
    opportunities::ContactInput {
        name: i.name,
        email: i.email,
        phone: i.phone,
        role: role(i.role),
        decision_maker: i.decision_maker,
        jurisdiction: i.jurisdiction,
    }
}

fn quote_input(i: QuoteInput) -> Result<quotes::QuoteInput> {
    let lines = i
        .lines
        .iter()
        .map(|l| {
            Ok(quotes::LineInput {
                product_id: id_arg("productId", &l.product_id)?,
                quantity: l.quantity,
                term_months: l.term_months,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(quotes::QuoteInput { lines, discount_percent: i.discount_percent.map(|d| d.0) })
}

fn stage(s: OpportunityStage) -> Stage {
    Stage::parse(s.as_str()).unwrap_or(Stage::Discovery)
}

#[Object]
impl DealMutation {
    /// Adds a contact to an account (the decision chain).
    async fn add_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The account.")] account_id: ID,
        #[graphql(desc = "The contact.")] input: ContactInput,
    ) -> Result<Contact> {
        let a = actor(ctx)?;
        crate::admin::roles::refuse_hidden_writes(ctx, a, "Contact")?;
        let id = id_arg("accountId", &account_id)?;
        Ok(Contact(app(ctx).add_contact(a, id, contact_input(input)).await.gql()?))
    }

    /// Changes a contact.
    async fn update_contact(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contact.")] contact_id: ID,
        #[graphql(desc = "The contact's new details.")] input: ContactInput,
    ) -> Result<Contact> {
        let a = actor(ctx)?;
        crate::admin::roles::refuse_hidden_writes(ctx, a, "Contact")?;
        let id = id_arg("contactId", &contact_id)?;
        Ok(Contact(app(ctx).update_contact(a, id, contact_input(input)).await.gql()?))
    }

    /// Changes the forecast inputs of an open opportunity.
    async fn update_opportunity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The opportunity.")] opportunity_id: ID,
        #[graphql(desc = "The changes.")] input: UpdateOpportunityInput,
        #[graphql(desc = "The version the change is based on; a stale one is a CONFLICT.")] expected_version: Option<
            i32,
        >,
    ) -> Result<Opportunity> {
        let a = actor(ctx)?;
        crate::admin::roles::refuse_hidden_writes(ctx, a, "Opportunity")?;
        let id = id_arg("opportunityId", &opportunity_id)?;
        let p = opportunities::OpportunityPatch {
            name: input.name,
            estimated_value: input.estimated_value.map(|m| (m.amount.0, m.currency)),
            expected_close_date: input.expected_close_date.map(Into::into),
            probability: input.probability,
        };
        Ok(Opportunity(app(ctx).update_opportunity(a, id, p, expected_version).await.gql()?))
    }

    /// Records the needs-analysis report that the DEMO stage needs.
    async fn record_needs_analysis(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The opportunity.")] opportunity_id: ID,
        #[graphql(desc = "The report.")] report: String,
    ) -> Result<Opportunity> {
        let a = actor(ctx)?;
        let id = id_arg("opportunityId", &opportunity_id)?;
        Ok(Opportunity(app(ctx).record_needs_analysis(a, id, &report).await.gql()?))
    }

    /// Logs a call, e-mail, meeting, demo or visit.
    async fn log_activity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The opportunity.")] opportunity_id: ID,
        #[graphql(desc = "What kind of activity.")] kind: ActivityKind,
        #[graphql(desc = "Notes.")] notes: Option<String>,
    ) -> Result<Activity> {
        let a = actor(ctx)?;
        let id = id_arg("opportunityId", &opportunity_id)?;
        let kind = match kind {
            ActivityKind::Call => DActivity::Call,
            ActivityKind::Email => DActivity::Email,
            ActivityKind::Meeting => DActivity::Meeting,
            ActivityKind::Demo => DActivity::Demo,
            ActivityKind::Visit => DActivity::Visit,
        };
        Ok(Activity(app(ctx).log_activity(a, id, kind, notes).await.gql()?))
    }

    /// Moves an opportunity one stage forward through its gate (STAGE_GATE lists every unmet condition), or back.
    async fn move_opportunity(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The opportunity.")] opportunity_id: ID,
        #[graphql(desc = "The target stage.")] stage: OpportunityStage,
        #[graphql(desc = "The version the move is based on; a stale one is a CONFLICT.")] expected_version: Option<i32>,
    ) -> Result<Opportunity> {
        let a = actor(ctx)?;
        let id = id_arg("opportunityId", &opportunity_id)?;
        Ok(Opportunity(app(ctx).move_opportunity(a, id, self::stage(stage), expected_version).await.gql()?))
    }

    /// Closes an open opportunity as lost, with a reason.
    async fn close_opportunity_lost(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The opportunity.")] opportunity_id: ID,
        #[graphql(desc = "Why the deal was lost.")] reason: String,
    ) -> Result<Opportunity> {
        let a = actor(ctx)?;
        let id = id_arg("opportunityId", &opportunity_id)?;
        Ok(Opportunity(app(ctx).close_opportunity_lost(a, id, &reason).await.gql()?))
    }

    /// Creates a quote; within the creator's discount limit it is APPROVED at once, else PENDING_APPROVAL. Earlier open quotes are superseded.
    async fn create_quote(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The opportunity.")] opportunity_id: ID,
        #[graphql(desc = "Lines and discount.")] input: QuoteInput,
    ) -> Result<Quote> {
        let a = actor(ctx)?;
        crate::admin::roles::refuse_hidden_writes(ctx, a, "Quote")?;
        let id = id_arg("opportunityId", &opportunity_id)?;
        let input = quote_input(input)?;
        Ok(Quote(app(ctx).create_quote(a, id, input).await.gql()?.quote))
    }

    /// Changes a quote's lines or discount; the approval is cleared and evaluated again.
    async fn update_quote(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The quote.")] quote_id: ID,
        #[graphql(desc = "Lines and discount.")] input: QuoteInput,
        #[graphql(desc = "The version the change is based on; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<Quote> {
        let a = actor(ctx)?;
        crate::admin::roles::refuse_hidden_writes(ctx, a, "Quote")?;
        let id = id_arg("quoteId", &quote_id)?;
        let input = quote_input(input)?;
        Ok(Quote(app(ctx).update_quote(a, id, input, expected_version).await.gql()?.quote))
    }

    /// Approves a pending discount: a SALES_MANAGER up to the manager limit, FINANCE any; never the quote's author.
    async fn approve_quote(&self, ctx: &Context<'_>, #[graphql(desc = "The quote.")] quote_id: ID) -> Result<Quote> {
        let a = actor(ctx)?;
        let id = id_arg("quoteId", &quote_id)?;
        Ok(Quote(app(ctx).approve_quote(a, id).await.gql()?))
    }

    /// Records that the customer accepted an approved quote.
    async fn accept_quote(&self, ctx: &Context<'_>, #[graphql(desc = "The quote.")] quote_id: ID) -> Result<Quote> {
        let a = actor(ctx)?;
        let id = id_arg("quoteId", &quote_id)?;
        Ok(Quote(app(ctx).accept_quote(a, id).await.gql()?))
    }
}
