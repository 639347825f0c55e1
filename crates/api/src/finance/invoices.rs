//! Invoices and payments: types and mutations.

use crate::kernel::enums::*;
use crate::kernel::loaders::loaders;
use crate::kernel::scalars::Timestamp;
use crate::kernel::types::{Money, MoneyInput, id};
use crate::sales::deals::Account;
use crate::{Gql, actor, app, id_arg};
use async_graphql::{Context, ID, InputObject, Object, Result};
use baton_app::entity::{invoice, payment};
use baton_app::finance::invoices;
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

/// An invoice of a signed contract's payment schedule.
pub struct Invoice(pub invoice::Model);

/// An invoice of a signed contract's payment schedule.
#[Object(guard = "crate::admin::roles::FieldRule(\"Invoice\")")]
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
#[Object(guard = "crate::admin::roles::FieldRule(\"Payment\")")]
impl Payment {
    /// The payment's id (refunds name it).
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// PAYMENT, REFUND, or CREDIT (a referral reward applied to the invoice; no cash moved).
    async fn kind(&self) -> Result<crate::kernel::enums::PaymentKind> {
        crate::kernel::enums::stored(&self.0.kind)
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

/// Invoices and payments: types and mutations.
#[derive(Default)]
pub struct FinanceMutation;

#[Object]
impl FinanceMutation {
    /// Records a payment (FINANCE). The idempotency key is checked first: the same key and payload return the recorded result; another payload is a CONFLICT. Overpayment is BAD_USER_INPUT.
    async fn record_payment(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The invoice.")] invoice_id: ID,
        #[graphql(desc = "The payment.")] input: PaymentInput,
    ) -> Result<Invoice> {
        let a = actor(ctx)?;
        crate::admin::roles::refuse_hidden_writes(ctx, a, "Payment")?;
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
