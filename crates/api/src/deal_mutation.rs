//! Mutations of the backbone: opportunities, quotes, contracts, signing, finance, hand-offs.

use crate::deal::{Activity, ChangeOrder, Contract, HandoffPackage, Invoice, Quote};
use crate::enums::*;
use crate::id_arg;
use crate::mutation::MoneyInput;
use crate::scalars::Decimal;
use crate::scalars::Timestamp;
use crate::types::{Contact, Opportunity};
use crate::{Gql, actor, app};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use baton_app::{customer_success::handoffs, finance::invoices, legal::contracts, sales::opportunities, sales::quotes};
use baton_domain::invoice::PaymentSchedule as DSchedule;
use baton_domain::opportunity::{ActivityKind as DActivity, ContactRole as DRole, Stage};

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

/// What the account executive fills in before handing the customer over.
#[derive(InputObject, Default)]
pub struct HandoffPackageInput {
    /// The needs document.
    pub needs_document: Option<String>,
    /// Special requirements; write "none" when there are none.
    pub special_requirements: Option<String>,
    /// What success looks like for the customer.
    pub success_criteria: Option<String>,
    /// The customer's contact for the kickoff.
    pub kickoff_contact_id: Option<ID>,
}

/// A payment received on an invoice.
#[derive(InputObject)]
pub struct PaymentInput {
    /// The amount received, in the invoice's currency.
    pub amount: MoneyInput,
    /// When the money arrived (default: now).
    pub received_at: Option<Timestamp>,
    /// The bank or payment reference.
    pub reference: Option<String>,
    /// A key unique to this payment: a retry with the same key and payload returns the recorded result.
    pub idempotency_key: String,
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
        crate::roles::refuse_hidden_writes(ctx, a, "Contact")?;
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
        crate::roles::refuse_hidden_writes(ctx, a, "Contact")?;
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
        crate::roles::refuse_hidden_writes(ctx, a, "Opportunity")?;
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
        crate::roles::refuse_hidden_writes(ctx, a, "Quote")?;
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
        crate::roles::refuse_hidden_writes(ctx, a, "Quote")?;
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

    /// Fills in the hand-off package (DRAFT or RETURNED).
    async fn update_handoff_package(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The package.")] package_id: ID,
        #[graphql(desc = "The changes.")] input: HandoffPackageInput,
    ) -> Result<HandoffPackage> {
        let a = actor(ctx)?;
        let id = id_arg("packageId", &package_id)?;
        let patch = handoffs::PackagePatch {
            needs_document: input.needs_document,
            special_requirements: input.special_requirements,
            success_criteria: input.success_criteria,
            kickoff_contact_id: input.kickoff_contact_id.as_ref().map(|c| id_arg("kickoffContactId", c)).transpose()?,
        };
        Ok(HandoffPackage(app(ctx).update_handoff(a, id, patch).await.gql()?))
    }

    /// Submits the package to customer success; HANDOFF_INCOMPLETE names every missing item.
    async fn submit_handoff_package(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The package.")] package_id: ID,
    ) -> Result<HandoffPackage> {
        let a = actor(ctx)?;
        let id = id_arg("packageId", &package_id)?;
        Ok(HandoffPackage(app(ctx).submit_handoff(a, id).await.gql()?))
    }

    /// Customer success takes the customer over; the account's CS owner becomes `csOwnerId` (default: the caller) and onboarding starts.
    async fn accept_handoff(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The package.")] package_id: ID,
        #[graphql(desc = "The customer success owner (default: the caller).")] cs_owner_id: Option<ID>,
    ) -> Result<HandoffPackage> {
        let a = actor(ctx)?;
        let id = id_arg("packageId", &package_id)?;
        let owner = cs_owner_id.as_ref().map(|o| id_arg("csOwnerId", o)).transpose()?;
        Ok(HandoffPackage(app(ctx).accept_handoff(a, id, owner).await.gql()?))
    }

    /// Returns the package to the account executive with a reason.
    async fn return_handoff(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The package.")] package_id: ID,
        #[graphql(desc = "What is missing or wrong.")] reason: String,
    ) -> Result<HandoffPackage> {
        let a = actor(ctx)?;
        let id = id_arg("packageId", &package_id)?;
        Ok(HandoffPackage(app(ctx).return_handoff(a, id, &reason).await.gql()?))
    }

    /// Records a payment (FINANCE). The idempotency key is checked first: the same key and payload return the recorded result; another payload is a CONFLICT. Overpayment is BAD_USER_INPUT.
    async fn record_payment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invoice.")] invoice_id: ID,
        #[graphql(desc = "The payment.")] input: PaymentInput,
    ) -> Result<Invoice> {
        let a = actor(ctx)?;
        crate::roles::refuse_hidden_writes(ctx, a, "Payment")?;
        let id = id_arg("invoiceId", &invoice_id)?;
        let p = invoices::PaymentInput {
            amount: input.amount.amount.0,
            currency: input.amount.currency,
            received_at: input.received_at.map(Into::into),
            reference: input.reference,
            idempotency_key: input.idempotency_key,
        };
        Ok(Invoice(app(ctx).record_payment(a, id, p).await.gql()?))
    }

    /// Refunds (part of) a payment with a reason (FINANCE).
    async fn refund_payment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The payment.")] payment_id: ID,
        #[graphql(desc = "The amount to refund.")] amount: MoneyInput,
        #[graphql(desc = "Why.")] reason: String,
        #[graphql(desc = "A key unique to this refund.")] idempotency_key: String,
    ) -> Result<Invoice> {
        let a = actor(ctx)?;
        let id = id_arg("paymentId", &payment_id)?;
        Ok(Invoice(
            app(ctx).refund_payment(a, id, amount.amount.0, &amount.currency, &reason, &idempotency_key).await.gql()?,
        ))
    }

    /// Voids an invoice with a reason (FINANCE); not once money was received on it.
    async fn void_invoice(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invoice.")] invoice_id: ID,
        #[graphql(desc = "Why.")] reason: String,
    ) -> Result<Invoice> {
        let a = actor(ctx)?;
        let id = id_arg("invoiceId", &invoice_id)?;
        Ok(Invoice(app(ctx).void_invoice(a, id, &reason).await.gql()?))
    }
}
