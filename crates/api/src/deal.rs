//! The backbone's object types: quotes, contracts, invoices, payments, hand-off packages,
//! activities, products and templates.

use crate::enums::*;
use crate::loaders::loaders;
use crate::scalars::Decimal;
use crate::scalars::Timestamp;
use crate::types::{Account, Contact, Money, Opportunity, User, id, load_user};
use crate::{Gql, actor, app};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use baton_app::entity::{
    activity, change_order, contract, contract_template, handoff_package, invoice, onboarding_milestone, payment,
    product, quote, quote_line, template_clause,
};
use chrono::{NaiveDate, Utc};

pub fn invoice_status(s: &str) -> InvoiceStatus {
    match s {
        "SCHEDULED" => InvoiceStatus::Scheduled,
        "PARTIALLY_PAID" => InvoiceStatus::PartiallyPaid,
        "PAID" => InvoiceStatus::Paid,
        "VOID" => InvoiceStatus::Void,
        _ => InvoiceStatus::Issued,
    }
}

pub fn contract_status(s: &str) -> ContractStatus {
    match s {
        "IN_LEGAL_REVIEW" => ContractStatus::InLegalReview,
        "CHANGES_REQUESTED" => ContractStatus::ChangesRequested,
        "APPROVED" => ContractStatus::Approved,
        "SIGNED" => ContractStatus::Signed,
        "VOIDED" => ContractStatus::Voided,
        _ => ContractStatus::Draft,
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

/// A standard contract template maintained by legal.
pub struct ContractTemplate(pub contract_template::Model, pub Vec<template_clause::Model>);

/// A standard contract template maintained by legal.
#[Object]
impl ContractTemplate {
    /// The template's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The template's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// SAAS_SERVICE_AGREEMENT or CUSTOM_DEVELOPMENT.
    async fn kind(&self) -> Result<crate::enums::ContractKind> {
        crate::enums::stored(&self.0.kind)
    }
    /// The standard clauses, in order.
    async fn clauses(&self) -> Vec<TemplateClause> {
        self.1.iter().map(|c| TemplateClause { key: c.key.clone(), text: c.text.clone() }).collect()
    }
}

/// A clause of a template.
#[derive(SimpleObject)]
pub struct TemplateClause {
    /// The clause key: scope, service_level, liability, data_protection, ip or payment_terms.
    pub key: String,
    /// The standard wording.
    pub text: String,
}

/// A priced offer on an opportunity.
pub struct Quote(pub quote::Model);

/// A priced offer on an opportunity.
#[Object(guard = "crate::roles::FieldRule(\"Quote\")")]
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
    async fn gifts(&self, ctx: &Context<'_>) -> Result<Vec<crate::compliance::Gift>> {
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

async fn deal_gifts(ctx: &Context<'_>, org: uuid::Uuid, deal: uuid::Uuid) -> Result<Vec<crate::compliance::Gift>> {
    Ok(app(ctx).gifts_of(org, deal).await.gql()?.into_iter().map(crate::compliance::Gift).collect())
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

/// A contract drafted from a template, reviewed by legal and signed by the customer.
pub struct Contract(pub contract::Model);

/// A contract drafted from a template, reviewed by legal and signed by the customer.
#[Object(guard = "crate::roles::FieldRule(\"Contract\")")]
impl Contract {
    /// When the contract was created.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    /// When the contract last changed (for delta sync: lists take `updatedSince`).
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
    /// The contract's id.
    pub(crate) async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Where the contract stands.
    async fn status(&self) -> ContractStatus {
        contract_status(&self.0.status)
    }
    /// Incremented on every change; an approval is bound to one version.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The version legal approved; signing needs it to be the current version.
    async fn approved_version(&self) -> Option<i32> {
        self.0.approved_version
    }
    /// True when the review policy, not a legal reviewer, approved the approved version (standard or pre-approved wording only).
    async fn approved_by_policy(&self) -> bool {
        self.0.approved_by_policy
    }
    /// Why the policy sent the last submitted version to legal: ALL_CONTRACTS, VALUE_ABOVE_THRESHOLD, CUSTOM_DEVELOPMENT, CLAUSE_DEVIATION:<key>, CLAUSE_REVIEW:<key>.
    async fn review_reasons(&self) -> Vec<String> {
        self.0.review_reasons.as_deref().unwrap_or("").split(',').filter(|r| !r.is_empty()).map(String::from).collect()
    }
    /// SAAS_SERVICE_AGREEMENT or CUSTOM_DEVELOPMENT.
    async fn kind(&self) -> Result<crate::enums::ContractKind> {
        crate::enums::stored(&self.0.kind)
    }
    /// The clauses, each marked when it deviates from the template.
    async fn clauses(&self, ctx: &Context<'_>) -> Result<Vec<ContractClause>> {
        let rows = loaders(ctx)?.clauses_by_contract.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows
            .into_iter()
            .map(|c| ContractClause {
                deviates_from_template: c.text != c.template_text,
                key: c.key,
                text: c.text,
                template_text: c.template_text,
            })
            .collect())
    }
    /// The keys of the clauses that deviate from the template: what legal must look at.
    async fn deviating_clauses(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        let rows = loaders(ctx)?.clauses_by_contract.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().filter(|c| c.text != c.template_text).map(|c| c.key).collect())
    }
    /// The contract value (the accepted quote's total).
    async fn value(&self) -> Money {
        Money::from_minor(self.0.value_minor, &self.0.currency)
    }
    /// How the value is invoiced.
    async fn payment_schedule(&self) -> PaymentSchedule {
        match self.0.payment_schedule.as_str() {
            "ANNUAL" => PaymentSchedule::Annual,
            "QUARTERLY" => PaymentSchedule::Quarterly,
            "MONTHLY" => PaymentSchedule::Monthly,
            "MILESTONES" => PaymentSchedule::Milestones,
            _ => PaymentSchedule::Upfront,
        }
    }
    /// The term in months.
    async fn term_months(&self) -> i32 {
        self.0.term_months
    }
    /// The deal the contract closes: for its own readers, and for whoever may read the contract (legal).
    async fn opportunity(&self, ctx: &Context<'_>) -> Result<Option<Opportunity>> {
        let a = actor(ctx)?;
        if let Some(o) = app(ctx).opportunity(a, self.0.opportunity_id).await.gql()? {
            return Ok(Some(Opportunity(o)));
        }
        // A reader of the contract (legal) reads the deal through it.
        Ok(app(ctx).contract_deal(a, self.0.id).await.ok().map(|(o, _)| Opportunity(o)))
    }
    /// Gifts and hospitality recorded on the contract's deal, so whoever approves the contract sees them.
    async fn gifts(&self, ctx: &Context<'_>) -> Result<Vec<crate::compliance::Gift>> {
        deal_gifts(ctx, self.0.organization_id, self.0.opportunity_id).await
    }
    /// The quote the contract prices from: for its own readers, and for whoever may read the contract (legal).
    async fn quote(&self, ctx: &Context<'_>) -> Result<Option<Quote>> {
        let a = actor(ctx)?;
        if let Ok(q) = app(ctx).quote(a, self.0.quote_id).await {
            return Ok(Some(Quote(q)));
        }
        Ok(app(ctx).contract_deal(a, self.0.id).await.ok().and_then(|(_, q)| q).map(Quote))
    }
    /// The account executive who drafted it.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, Some(self.0.created_by)).await
    }
    /// When it entered the legal queue (last submission).
    async fn submitted_at(&self) -> Option<Timestamp> {
        self.0.submitted_at.map(Timestamp)
    }
    /// Seconds the contract has been waiting in the legal queue; null when not in review.
    async fn waiting_seconds(&self) -> Option<i64> {
        (self.0.status == "IN_LEGAL_REVIEW")
            .then(|| self.0.submitted_at.map(|t| (Utc::now() - t).num_seconds()))
            .flatten()
    }
    /// The lawyer who approved it.
    async fn approved_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.approved_by).await
    }
    /// When it was approved.
    async fn approved_at(&self) -> Option<Timestamp> {
        self.0.approved_at.map(Timestamp)
    }
    /// Legal's note on approval.
    async fn review_note(&self) -> Option<&str> {
        self.0.review_note.as_deref()
    }
    /// Legal's comments when it asked for changes.
    async fn changes_comments(&self) -> Option<&str> {
        self.0.changes_comments.as_deref()
    }
    /// When the customer signed.
    async fn signed_at(&self) -> Option<Timestamp> {
        self.0.signed_at.map(Timestamp)
    }
    /// Why it was voided.
    async fn void_reason(&self) -> Option<&str> {
        self.0.void_reason.as_deref()
    }
    /// Paid change orders against the contract (custom development), oldest first.
    async fn change_orders(&self, ctx: &Context<'_>) -> Result<Vec<ChangeOrder>> {
        Ok(app(ctx)
            .change_orders_of(self.0.organization_id, self.0.id)
            .await
            .gql()?
            .into_iter()
            .map(ChangeOrder)
            .collect())
    }
}

/// A paid change to a signed custom-development contract.
pub struct ChangeOrder(pub change_order::Model);

/// A paid change to a signed custom-development contract.
#[Object]
impl ChangeOrder {
    /// The change order's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// What changes.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// The agreed price.
    async fn amount(&self) -> Money {
        Money::from_minor(self.0.amount_minor, &self.0.currency)
    }
    /// The invoice issued for it.
    async fn invoice(&self, ctx: &Context<'_>) -> Result<Option<Invoice>> {
        Ok(app(ctx).invoice(actor(ctx)?, self.0.invoice_id).await.ok().map(Invoice))
    }
    /// Who recorded it.
    async fn created_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, Some(self.0.created_by)).await
    }
    /// When it was recorded.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
}

/// A clause of a contract.
#[derive(SimpleObject)]
pub struct ContractClause {
    /// The clause key.
    pub key: String,
    /// The wording in this contract.
    pub text: String,
    /// The template's wording.
    pub template_text: String,
    /// True when the wording differs from the template.
    pub deviates_from_template: bool,
}

/// An invoice of a signed contract's payment schedule.
pub struct Invoice(pub invoice::Model);

/// An invoice of a signed contract's payment schedule.
#[Object(guard = "crate::roles::FieldRule(\"Invoice\")")]
impl Invoice {
    /// When the invoice was created.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    /// When the invoice last changed (for delta sync: lists take `updatedSince`).
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
    /// The invoice's id.
    pub(crate) async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The invoice number, sequential per organization without gaps; given when the invoice is issued (null while SCHEDULED).
    async fn number(&self) -> Option<String> {
        self.0.number.map(|n| format!("INV-{n:06}"))
    }
    /// Where the invoice stands.
    async fn status(&self) -> InvoiceStatus {
        invoice_status(&self.0.status)
    }
    /// Its place in the payment schedule (1 is the first payment).
    async fn sequence(&self) -> i32 {
        self.0.sequence
    }
    /// The invoiced amount.
    async fn amount(&self) -> Money {
        Money::from_minor(self.0.amount_minor, &self.0.currency)
    }
    /// Settled so far: payments net of refunds, and any referral credit applied (see `amountCredited`).
    async fn amount_paid(&self) -> Money {
        Money::from_minor(self.0.paid_minor, &self.0.currency)
    }
    /// Referral credits applied to the invoice: settled without cash, included in `amountPaid`.
    async fn amount_credited(&self, ctx: &Context<'_>) -> Result<Money> {
        let rows = loaders(ctx)?.payments_by_invoice.load_one(self.0.id).await?.unwrap_or_default();
        let credited = rows.iter().filter(|p| p.kind == "CREDIT").map(|p| p.amount_minor).sum();
        Ok(Money::from_minor(credited, &self.0.currency))
    }
    /// Still to be paid.
    async fn amount_due(&self) -> Money {
        Money::from_minor(
            if self.0.status == "VOID" { 0 } else { self.0.amount_minor - self.0.paid_minor },
            &self.0.currency,
        )
    }
    /// The date the invoice is (or was) issued on.
    async fn issue_on(&self) -> NaiveDate {
        self.0.issue_on
    }
    /// When it was issued.
    async fn issued_at(&self) -> Option<Timestamp> {
        self.0.issued_at.map(Timestamp)
    }
    /// The due date (30 days after issue).
    async fn due_at(&self) -> NaiveDate {
        self.0.due_on
    }
    /// Days past the due date while unpaid (0 when not overdue).
    async fn days_overdue(&self) -> i64 {
        if matches!(self.0.status.as_str(), "ISSUED" | "PARTIALLY_PAID") {
            baton_domain::invoice::days_overdue(self.0.due_on, Utc::now().date_naive())
        } else {
            0
        }
    }
    /// 0 none, 1 reminder (1–14 days overdue), 2 second notice (15–30), 3 final notice (31–60), 4 collections (over 60).
    async fn dunning_level(&self) -> i32 {
        if matches!(self.0.status.as_str(), "ISSUED" | "PARTIALLY_PAID") {
            baton_domain::invoice::dunning_level(baton_domain::invoice::days_overdue(
                self.0.due_on,
                Utc::now().date_naive(),
            ))
        } else {
            0
        }
    }
    /// The customer.
    async fn account(&self, ctx: &Context<'_>) -> Result<Option<Account>> {
        Ok(loaders(ctx)?.accounts.load_one(self.0.account_id).await?.map(Account))
    }
    /// Payments and refunds, oldest first.
    async fn payments(&self, ctx: &Context<'_>) -> Result<Vec<Payment>> {
        let rows = loaders(ctx)?.payments_by_invoice.load_one(self.0.id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(Payment).collect())
    }
    /// Why it was voided.
    async fn void_reason(&self) -> Option<&str> {
        self.0.void_reason.as_deref()
    }
    /// Incremented on every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// Money received on an invoice, or refunded.
pub struct Payment(pub payment::Model);

/// Money received on an invoice, or refunded.
#[Object(guard = "crate::roles::FieldRule(\"Payment\")")]
impl Payment {
    /// The payment's id (refunds name it).
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// PAYMENT, REFUND, or CREDIT (a referral reward applied to the invoice; no cash moved).
    async fn kind(&self) -> Result<crate::enums::PaymentKind> {
        crate::enums::stored(&self.0.kind)
    }
    /// The amount (always positive; a refund reduces what was paid).
    async fn amount(&self) -> Money {
        Money::from_minor(self.0.amount_minor, &self.0.currency)
    }
    /// When the money arrived (or was sent back).
    async fn received_at(&self) -> Timestamp {
        self.0.received_at.into()
    }
    /// The bank or payment reference.
    async fn reference(&self) -> Option<&str> {
        self.0.reference.as_deref()
    }
    /// Why a refund was made.
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
}

/// The takeover package from the account executive to customer success.
pub struct HandoffPackage(pub handoff_package::Model);

/// The takeover package from the account executive to customer success.
#[Object]
impl HandoffPackage {
    /// When the package was created.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    /// When the package last changed (for delta sync: lists take `updatedSince`).
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
    /// The package's id.
    pub(crate) async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Where the package stands.
    async fn status(&self) -> HandoffStatus {
        match self.0.status.as_str() {
            "SUBMITTED" => HandoffStatus::Submitted,
            "ACCEPTED" => HandoffStatus::Accepted,
            "RETURNED" => HandoffStatus::Returned,
            _ => HandoffStatus::Draft,
        }
    }
    /// The customer.
    async fn account(&self, ctx: &Context<'_>) -> Result<Option<Account>> {
        Ok(loaders(ctx)?.accounts.load_one(self.0.account_id).await?.map(Account))
    }
    /// The won opportunity, if the caller may see it.
    async fn opportunity(&self, ctx: &Context<'_>) -> Result<Option<Opportunity>> {
        Ok(app(ctx).opportunity(actor(ctx)?, self.0.opportunity_id).await.gql()?.map(Opportunity))
    }
    /// The needs document (pre-filled from the needs analysis).
    async fn needs_document(&self) -> Option<&str> {
        self.0.needs_document.as_deref()
    }
    /// The decision chain: the account's contacts.
    async fn decision_chain(&self, ctx: &Context<'_>) -> Result<Vec<Contact>> {
        let rows = loaders(ctx)?.contacts_by_account.load_one(self.0.account_id).await?.unwrap_or_default();
        Ok(rows.into_iter().map(Contact).collect())
    }
    /// Special requirements ("none" when there are none).
    async fn special_requirements(&self) -> Option<&str> {
        self.0.special_requirements.as_deref()
    }
    /// What success looks like for the customer.
    async fn success_criteria(&self) -> Option<&str> {
        self.0.success_criteria.as_deref()
    }
    /// The customer's contact for the kickoff.
    async fn kickoff_contact(&self, ctx: &Context<'_>) -> Result<Option<Contact>> {
        match self.0.kickoff_contact_id {
            Some(c) => Ok(loaders(ctx)?.contacts.load_one(c).await?.map(Contact)),
            None => Ok(None),
        }
    }
    /// What is still missing before the package can be submitted, one sentence per item.
    async fn missing_items(&self, ctx: &Context<'_>) -> Result<Vec<String>> {
        app(ctx).missing_items(&app(ctx).db, &self.0).await.gql()
    }
    /// Why customer success returned it.
    async fn return_reason(&self) -> Option<&str> {
        self.0.return_reason.as_deref()
    }
    /// When it was (last) submitted.
    async fn submitted_at(&self) -> Option<Timestamp> {
        self.0.submitted_at.map(Timestamp)
    }
    /// When customer success accepted it.
    async fn accepted_at(&self) -> Option<Timestamp> {
        self.0.accepted_at.map(Timestamp)
    }
    /// Onboarding milestones, once accepted.
    async fn milestones(&self, ctx: &Context<'_>) -> Result<Vec<Milestone>> {
        Ok(app(ctx).milestones_of(self.0.organization_id, self.0.id).await.gql()?.into_iter().map(Milestone).collect())
    }
    /// Incremented on every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
}

/// An onboarding milestone.
pub struct Milestone(pub onboarding_milestone::Model);

/// An onboarding milestone.
#[Object]
impl Milestone {
    /// The milestone's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// ACCOUNTS_OPENED, TRAINING, GO_LIVE (SaaS) or BUILD, TEST, GO_LIVE (custom software).
    async fn key(&self) -> &str {
        &self.0.key
    }
    /// When it was reached.
    async fn done_at(&self) -> Option<Timestamp> {
        self.0.done_at.map(Timestamp)
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
