//! Contracts, change orders and templates: types and mutations, signing included.

use crate::customer_success::handoffs::HandoffPackage;
use crate::finance::invoices::Invoice;
use crate::kernel::enums::*;
use crate::kernel::loaders::loaders;
use crate::kernel::scalars::Timestamp;
use crate::kernel::types::{Money, MoneyInput, User, id, load_user};
use crate::sales::deals::{Opportunity, Quote, deal_gifts};
use crate::{Gql, actor, app, id_arg};
use async_graphql::{Context, ID, Object, Result, SimpleObject};
use baton_app::entity::{change_order, contract, contract_template, template_clause};
use baton_app::legal::contracts;
use baton_domain::invoice::PaymentSchedule as DSchedule;
use chrono::Utc;

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
    async fn kind(&self) -> Result<crate::kernel::enums::ContractKind> {
        crate::kernel::enums::stored(&self.0.kind)
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

/// A contract drafted from a template, reviewed by legal and signed by the customer.
pub struct Contract(pub contract::Model);

/// A contract drafted from a template, reviewed by legal and signed by the customer.
#[Object(guard = "crate::admin::roles::FieldRule(\"Contract\")")]
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
    async fn kind(&self) -> Result<crate::kernel::enums::ContractKind> {
        crate::kernel::enums::stored(&self.0.kind)
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
    async fn gifts(&self, ctx: &Context<'_>) -> Result<Vec<crate::legal::compliance::Gift>> {
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

/// Everything signing created.
#[derive(SimpleObject)]
pub struct SignContractPayload {
    /// The signed contract.
    pub contract: Contract,
    /// The won opportunity.
    pub opportunity: Opportunity,
    /// The whole payment schedule: the first invoice ISSUED, later ones SCHEDULED.
    pub invoices: Vec<Invoice>,
    /// The hand-off package, drafted from the deal.
    pub handoff_package: HandoffPackage,
}

/// Contracts, change orders and templates: types and mutations, signing included.
#[derive(Default)]
pub struct ContractMutation;

#[Object]
impl ContractMutation {
    /// Drafts a contract from a template and a quote of the opportunity; the template's clauses are copied in.
    async fn draft_contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The opportunity.")] opportunity_id: ID,
        #[graphql(desc = "The contract template.")] template_id: ID,
        #[graphql(desc = "The quote the contract prices from.")] quote_id: ID,
        #[graphql(desc = "How the value is invoiced (default: ANNUAL for SaaS, MILESTONES for custom development).")]
        payment_schedule: Option<PaymentSchedule>,
    ) -> Result<Contract> {
        let a = actor(ctx)?;
        let (o, t, q) = (
            id_arg("opportunityId", &opportunity_id)?,
            id_arg("templateId", &template_id)?,
            id_arg("quoteId", &quote_id)?,
        );
        let schedule = payment_schedule.map(|s| match s {
            PaymentSchedule::Upfront => DSchedule::Upfront,
            PaymentSchedule::Annual => DSchedule::Annual,
            PaymentSchedule::Quarterly => DSchedule::Quarterly,
            PaymentSchedule::Monthly => DSchedule::Monthly,
            PaymentSchedule::Milestones => DSchedule::Milestones,
        });
        Ok(Contract(app(ctx).draft_contract(a, o, t, q, schedule).await.gql()?))
    }

    /// Rewrites a clause: a new version, back in DRAFT (a previous approval no longer counts).
    async fn update_contract_clause(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract.")] contract_id: ID,
        #[graphql(desc = "The clause key, such as `liability`.")] clause_key: String,
        #[graphql(desc = "The new wording.")] text: String,
        #[graphql(desc = "The version the edit is based on; a stale one is a CONFLICT.")] expected_version: i32,
    ) -> Result<Contract> {
        let a = actor(ctx)?;
        let id = id_arg("contractId", &contract_id)?;
        Ok(Contract(app(ctx).update_contract_clause(a, id, &clause_key, &text, expected_version).await.gql()?))
    }

    /// Submits a draft to the legal approval queue (ACCOUNT_EXECUTIVE).
    async fn submit_contract_for_review(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract.")] contract_id: ID,
    ) -> Result<Contract> {
        let a = actor(ctx)?;
        let id = id_arg("contractId", &contract_id)?;
        Ok(Contract(app(ctx).submit_contract(a, id).await.gql()?))
    }

    /// Approves the version legal reviewed (LEGAL); never a version the reviewer drafted or edited.
    async fn approve_contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract.")] contract_id: ID,
        #[graphql(desc = "The version reviewed; a stale one is a CONFLICT.")] expected_version: i32,
        #[graphql(desc = "A note for the account executive.")] note: Option<String>,
    ) -> Result<Contract> {
        let a = actor(ctx)?;
        let id = id_arg("contractId", &contract_id)?;
        Ok(Contract(app(ctx).approve_contract(a, id, expected_version, note).await.gql()?))
    }

    /// Sends the contract back to the account executive with comments (LEGAL).
    async fn request_contract_changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract.")] contract_id: ID,
        #[graphql(desc = "What must change.")] comments: String,
    ) -> Result<Contract> {
        let a = actor(ctx)?;
        let id = id_arg("contractId", &contract_id)?;
        Ok(Contract(app(ctx).request_contract_changes(a, id, &comments).await.gql()?))
    }

    /// Signs the contract (ACCOUNT_EXECUTIVE): LEGAL_REVIEW_REQUIRED unless the current version is approved, then QUOTE_NOT_ACCEPTED, then SIGNATORY_NOT_DECISION_MAKER. In one transaction it wins the deal, creates the invoices, the subscription or delivery project, and the hand-off package.
    async fn sign_contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract.")] contract_id: ID,
        #[graphql(desc = "The customer's signatory, a decision maker of the account.")] signatory_contact_id: ID,
    ) -> Result<SignContractPayload> {
        let a = actor(ctx)?;
        let (c, s) = (id_arg("contractId", &contract_id)?, id_arg("signatoryContactId", &signatory_contact_id)?);
        let r: contracts::Signed = app(ctx).sign_contract(a, c, s).await.gql()?;
        Ok(SignContractPayload {
            contract: Contract(r.contract),
            opportunity: Opportunity(r.opportunity),
            invoices: r.invoices.into_iter().map(Invoice).collect(),
            handoff_package: HandoffPackage(r.handoff),
        })
    }

    /// Voids a contract with a reason: the account executive before signing, LEGAL after.
    async fn void_contract(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The contract.")] contract_id: ID,
        #[graphql(desc = "Why.")] reason: String,
    ) -> Result<Contract> {
        let a = actor(ctx)?;
        let id = id_arg("contractId", &contract_id)?;
        Ok(Contract(app(ctx).void_contract(a, id, &reason).await.gql()?))
    }

    /// Records a paid change order against a signed custom-development contract; its invoice is issued at once.
    async fn create_change_order(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The signed custom-development contract.")] contract_id: ID,
        #[graphql(desc = "What changes.")] description: String,
        #[graphql(desc = "The agreed price of the change.")] amount: MoneyInput,
    ) -> Result<ChangeOrder> {
        let a = actor(ctx)?;
        let id = id_arg("contractId", &contract_id)?;
        let (co, _) =
            app(ctx).create_change_order(a, id, &description, amount.amount.0, &amount.currency).await.gql()?;
        Ok(ChangeOrder(co))
    }
}
