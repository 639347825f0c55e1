//! Finance: invoices, gap-free numbering at issue, payments and refunds with idempotency keys,
//! voiding, collections (outstanding, overdue, rate, aging) and dunning.

use crate::kernel::gate::{self, Access};
use crate::kernel::money::minor;
use crate::kernel::page::{Page, PageRequest};
use crate::kernel::scope::owned_by;
use crate::kernel::tx::Versioned;
use crate::kernel::tx::{Counter, next_counter};
use crate::{Actor, App, AppError, kernel::audit};
use baton_domain::invoice::{self as rules, AGING_BUCKETS, InvoiceStatus};
use baton_domain::money::Money;
use baton_domain::permission::Action;
use baton_domain::{Scope, text};
use baton_store::entity::{invoice, opportunity, payment};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// Raw input of `recordPayment`.
#[derive(Debug, Clone)]
pub struct PaymentInput {
    pub amount: Decimal,
    pub currency: String,
    pub received_at: Option<DateTime<Utc>>,
    pub reference: Option<String>,
    pub idempotency_key: String,
}

/// Receivables at a glance, in minor units.
#[derive(Debug, Clone)]
pub struct Collections {
    pub currency: String,
    pub outstanding_minor: i64,
    pub overdue_minor: i64,
    /// Paid divided by invoiced, over issued invoices; zero when nothing was invoiced.
    pub collection_rate: Decimal,
    /// (bucket, amount, count) for the five buckets, zeros included.
    pub aging: Vec<(&'static str, i64, i64)>,
}

fn key_field(k: &str) -> Result<String, AppError> {
    text::required_short(k).map_err(AppError::text("idempotencyKey"))
}

fn request_hash(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn status_of(i: &invoice::Model) -> Result<InvoiceStatus, AppError> {
    crate::kernel::error::stored(&i.status, InvoiceStatus::parse, "invoice status")
}

/// A payment row already recorded under this key, if any: the same request gets the recorded
/// result; another request with the same key is a CONFLICT.
async fn replay(txn: &DatabaseTransaction, org: Uuid, key: &str, hash: &str) -> Result<Option<Uuid>, AppError> {
    let found = payment::Entity::find()
        .filter(payment::Column::OrganizationId.eq(org))
        .filter(payment::Column::IdempotencyKey.eq(key))
        .one(txn)
        .await?;
    match found {
        Some(p) if p.request_hash == hash => Ok(Some(p.invoice_id)),
        Some(_) => Err(AppError::Conflict("this idempotency key was already used for a different request".into())),
        None => Ok(None),
    }
}

async fn apply_paid(
    txn: &DatabaseTransaction,
    before: &invoice::Model,
    paid_minor: i64,
) -> Result<invoice::Model, AppError> {
    let mut am = before.clone().into_active_model();
    am.paid_minor = Set(paid_minor);
    am.status = Set(rules::status_after_payment(before.amount_minor, paid_minor).as_str().to_owned());
    am.bump(before.version, Utc::now());
    Ok(am.update(txn).await?)
}

/// The gate of `refundPayment`: a payment (not a refund or credit) of the caller's
/// organization, on an invoice whose deal the caller reaches.
pub(crate) async fn gate_payment<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    payment_id: Uuid,
) -> Result<(payment::Model, invoice::Model, opportunity::Model), AppError> {
    actor.authorize(Action::RefundPayment)?;
    let original = payment::Entity::find_by_id(payment_id)
        .filter(payment::Column::OrganizationId.eq(actor.org_id))
        .filter(payment::Column::Kind.eq("PAYMENT"))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("payment"))?;
    let (invoice, deal) =
        crate::kernel::gate::invoice_deal(db, actor, original.invoice_id, Action::RefundPayment).await?;
    Ok((original, invoice, deal))
}

impl App {
    /// `recordPayment`: the idempotency key is checked first; partial payments add up;
    /// overpayment is refused.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn record_payment(
        &self,
        actor: &Actor,
        invoice_id: Uuid,
        p: PaymentInput,
    ) -> Result<invoice::Model, AppError> {
        let key = key_field(&p.idempotency_key)?;
        let money = Money::parse_positive(p.amount, &p.currency).map_err(|m| AppError::bad_input("amount", m))?;
        let currency = &money.currency;
        let reference =
            text::optional(p.reference.as_deref(), text::SHORT_TEXT_MAX).map_err(AppError::text("reference"))?;
        let amount = minor("amount", &money)?;
        let hash = request_hash(&[
            "payment",
            &invoice_id.to_string(),
            &amount.to_string(),
            currency.as_str(),
            &p.received_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
            reference.as_deref().unwrap_or(""),
        ]);
        let txn = self.tx().await?;
        let (before, deal) = crate::kernel::gate::invoice_deal(&txn, actor, invoice_id, Action::RecordPayment).await?;
        if let Some(id) = replay(&txn, actor.org_id, &key, &hash).await? {
            return invoice::Entity::find_by_id(id).one(&txn).await?.ok_or(AppError::NotFound("invoice"));
        }
        rules::pay(status_of(&before)?).map_err(AppError::Rule)?;
        if currency.as_str() != before.currency {
            return Err(AppError::bad_input("amount", format!("the invoice is in {}", before.currency)));
        }
        let open = before.amount_minor - before.paid_minor;
        if amount > open {
            return Err(AppError::bad_input(
                "amount",
                format!(
                    "overpayment: only {} {} is outstanding",
                    crate::kernel::money::amount_of(open, &before.currency),
                    before.currency
                ),
            ));
        }
        let now = Utc::now();
        let pay = payment::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            invoice_id: Set(invoice_id),
            kind: Set("PAYMENT".into()),
            amount_minor: Set(amount),
            currency: Set(before.currency.clone()),
            received_at: Set(p.received_at.unwrap_or(now)),
            reference: Set(reference),
            reason: Set(None),
            refund_of: Set(None),
            idempotency_key: Set(key),
            request_hash: Set(hash),
            created_by: Set(Some(actor.principal_id())),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let after = apply_paid(&txn, &before, before.paid_minor + amount).await?;
        crate::sales::incentives::accrue(&txn, &pay, &before, &deal, amount).await?;
        if after.status == InvoiceStatus::Paid.as_str() {
            crate::kernel::sla::stop_clocks(&txn, invoice_id, baton_domain::sla::ClockKind::FirstPayment).await?;
        }
        audit::record_all(
            &txn,
            actor.org_id,
            actor,
            vec![
                audit::Entry::new("recordPayment", "payment", pay.id, None::<&()>, Some(&pay)),
                audit::Entry::new("recordPayment", "invoice", invoice_id, Some(&before), Some(&after)),
            ],
        )
        .await?;
        txn.commit().await?;
        Ok(after)
    }

    /// `refundPayment`: money back on a payment, with a reason; never more than was paid.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn refund_payment(
        &self,
        actor: &Actor,
        payment_id: Uuid,
        amount: Decimal,
        currency: &str,
        reason: &str,
        key: &str,
    ) -> Result<invoice::Model, AppError> {
        let key = key_field(key)?;
        let reason = text::required_long(reason).map_err(AppError::text("reason"))?;
        let money = Money::parse_positive(amount, currency).map_err(|m| AppError::bad_input("amount", m))?;
        let currency = &money.currency;
        let amount = minor("amount", &money)?;
        let hash = request_hash(&["refund", &payment_id.to_string(), &amount.to_string(), currency.as_str(), &reason]);
        let txn = self.tx().await?;
        let (original, before, deal) = gate_payment(&txn, actor, payment_id).await?;
        if let Some(id) = replay(&txn, actor.org_id, &key, &hash).await? {
            return invoice::Entity::find_by_id(id).one(&txn).await?.ok_or(AppError::NotFound("invoice"));
        }
        let refunded: i64 = payment::Entity::find()
            .filter(payment::Column::RefundOf.eq(payment_id))
            .all(&txn)
            .await?
            .iter()
            .map(|r| r.amount_minor)
            .sum();
        if currency.as_str() != original.currency {
            return Err(AppError::bad_input("amount", format!("the payment is in {}", original.currency)));
        }
        if amount > original.amount_minor - refunded {
            return Err(AppError::bad_input("amount", "the refund exceeds what is left of the payment"));
        }
        let now = Utc::now();
        let r = payment::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            invoice_id: Set(before.id),
            kind: Set("REFUND".into()),
            amount_minor: Set(amount),
            currency: Set(original.currency.clone()),
            received_at: Set(now),
            reference: Set(None),
            reason: Set(Some(reason)),
            refund_of: Set(Some(payment_id)),
            idempotency_key: Set(key),
            request_hash: Set(hash),
            created_by: Set(Some(actor.principal_id())),
            created_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let after = apply_paid(&txn, &before, before.paid_minor - amount).await?;
        crate::sales::incentives::accrue(&txn, &r, &before, &deal, -amount).await?;
        audit::record_all(
            &txn,
            actor.org_id,
            actor,
            vec![
                audit::Entry::new("refundPayment", "payment", r.id, None::<&()>, Some(&r)),
                audit::Entry::new("refundPayment", "invoice", before.id, Some(&before), Some(&after)),
            ],
        )
        .await?;
        txn.commit().await?;
        Ok(after)
    }

    /// `voidInvoice`: with a reason, never once money was received.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn void_invoice(&self, actor: &Actor, id: Uuid, reason: &str) -> Result<invoice::Model, AppError> {
        let reason = text::required_long(reason).map_err(AppError::text("reason"))?;
        let txn = self.tx().await?;
        let before = crate::kernel::gate::invoice(&txn, actor, id, Action::VoidInvoice).await?;
        rules::void(status_of(&before)?, before.paid_minor).map_err(AppError::Rule)?;
        let mut am = before.clone().into_active_model();
        am.status = Set(InvoiceStatus::Void.as_str().to_owned());
        am.void_reason = Set(Some(reason));
        am.bump(before.version, Utc::now());
        let after = am.update(&txn).await?;
        audit::commit(txn, actor, audit::Entry::new("voidInvoice", "invoice", id, Some(&before), Some(&after))).await?;
        Ok(after)
    }

    /// Issues every scheduled invoice whose date has come, numbering each in turn. Returns how
    /// many were issued. Run by the server's scheduler and by `baton jobs run-once`.
    #[tracing::instrument(skip_all)]
    pub async fn issue_due_invoices(&self, today: NaiveDate) -> Result<usize, AppError> {
        let due = invoice::Entity::find()
            .filter(invoice::Column::Status.eq(InvoiceStatus::Scheduled.as_str()))
            .filter(invoice::Column::IssueOn.lte(today))
            .order_by_asc(invoice::Column::IssueOn)
            .order_by_asc(invoice::Column::Id)
            .all(&self.db)
            .await?;
        let mut issued = 0;
        for i in due {
            let txn = self.tx().await?;
            // Another instance may have issued it meanwhile: re-read under the lock.
            let Some(cur) = invoice::Entity::find_by_id(i.id).lock_exclusive().one(&txn).await? else { continue };
            if cur.status != InvoiceStatus::Scheduled.as_str() {
                continue;
            }
            let number = next_counter(&txn, cur.organization_id, Counter::Invoice).await?;
            let mut am = cur.clone().into_active_model();
            am.status = Set(InvoiceStatus::Issued.as_str().to_owned());
            am.number = Set(Some(number));
            am.issued_at = Set(Some(Utc::now()));
            am.bump(cur.version, Utc::now());
            let after = am.update(&txn).await?;
            audit::record(
                &txn,
                cur.organization_id,
                audit::AuditActor::SYSTEM,
                "issueInvoice",
                "invoice",
                cur.id,
                Some(&cur),
                Some(&after),
            )
            .await?;
            crate::customer_success::success::apply_referral_credits(&txn, after).await?;
            txn.commit().await?;
            issued += 1;
        }
        Ok(issued)
    }

    /// Invoices under the caller's scope, newest first (`financeView.invoices`).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn invoices(
        &self,
        actor: &Actor,
        status: Option<InvoiceStatus>,
        filter: &crate::kernel::scope::InvoiceFilter,
        req: PageRequest,
    ) -> Result<Page<invoice::Model>, AppError> {
        use crate::kernel::page::{KeyValue, Sort, SortKey};
        use invoice::Column as I;
        use sea_orm::sea_query::Expr;
        let scope = actor.authorize(Action::ReadInvoice)?;
        let mut q = invoice::Entity::find().filter(invoice::Column::OrganizationId.eq(actor.org_id));
        if scope != Scope::Org {
            let opps = owned_by(
                opportunity::Entity::find().filter(opportunity::Column::OrganizationId.eq(actor.org_id)),
                opportunity::Column::OwnerId,
                &actor.owners(scope),
            )
            .select_only()
            .column(opportunity::Column::Id)
            .into_tuple::<Uuid>()
            .all(&self.db)
            .await?;
            q = q.filter(invoice::Column::OpportunityId.is_in(opps));
        }
        if let Some(s) = status {
            q = q.filter(invoice::Column::Status.eq(s.as_str()));
        }
        if !filter.statuses.is_empty() {
            q = q.filter(I::Status.is_in(filter.statuses.iter().map(String::as_str)));
        }
        if let Some(d) = filter.due_after {
            q = q.filter(I::DueOn.gte(d));
        }
        if let Some(d) = filter.due_before {
            q = q.filter(I::DueOn.lt(d));
        }
        if let Some(v) = filter.amount_at_least {
            q = q.filter(I::AmountMinor.gte(v));
        }
        if let Some(v) = filter.amount_at_most {
            q = q.filter(I::AmountMinor.lte(v));
        }
        let q = self.narrowed(q, actor.org_id, &filter.common, (None, I::CreatedAt, I::UpdatedAt), &[]).await?;
        let sorts = [
            Sort {
                key: SortKey::Updated,
                expr: || Expr::col(I::UpdatedAt),
                value: |i: &invoice::Model| KeyValue::Time(i.updated_at),
            },
            Sort {
                key: SortKey::DueDate,
                expr: || Expr::col(I::DueOn),
                value: |i: &invoice::Model| KeyValue::Date(i.due_on),
            },
            Sort {
                key: SortKey::Value,
                expr: || Expr::col(I::AmountMinor),
                value: |i: &invoice::Model| KeyValue::Int(i.amount_minor),
            },
        ];
        crate::kernel::page::sorted(&self.db, q, I::Id, &sorts, req).await
    }

    /// `invoice(id)` under the caller's scope.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn invoice(&self, actor: &Actor, id: Uuid) -> Result<invoice::Model, AppError> {
        let i = invoice::Entity::find_by_id(id)
            .filter(invoice::Column::OrganizationId.eq(actor.org_id))
            .one(&self.db)
            .await?;
        let opp = match &i {
            Some(i) => opportunity::Entity::find_by_id(i.opportunity_id).one(&self.db).await?,
            None => None,
        };
        match i.zip(opp) {
            Some((i, o)) if gate::reaches(actor, Action::ReadInvoice, Access::owned_by(Some(o.owner_id))) => Ok(i),
            _ => Err(AppError::NotFound("invoice")),
        }
    }

    /// Payments and refunds of invoices, for the API's batch loader.
    #[tracing::instrument(skip_all)]
    pub async fn payments_of(&self, org: Uuid, invoice_ids: &[Uuid]) -> Result<Vec<payment::Model>, AppError> {
        Ok(payment::Entity::find()
            .filter(payment::Column::OrganizationId.eq(org))
            .filter(payment::Column::InvoiceId.is_in(invoice_ids.iter().copied()))
            .order_by_asc(payment::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// Invoices of opportunities, for the first-payment status sales sees.
    #[tracing::instrument(skip_all)]
    pub async fn invoices_of_opportunities(&self, org: Uuid, ids: &[Uuid]) -> Result<Vec<invoice::Model>, AppError> {
        Ok(invoice::Entity::find()
            .filter(invoice::Column::OrganizationId.eq(org))
            .filter(invoice::Column::OpportunityId.is_in(ids.iter().copied()))
            .order_by_asc(invoice::Column::Sequence)
            .all(&self.db)
            .await?)
    }

    /// Receivables of the organization on `today`.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn collections(&self, actor: &Actor, today: NaiveDate) -> Result<Collections, AppError> {
        actor.authorize(Action::FinanceView)?;
        let org = crate::kernel::tx::load_org(&self.db, actor.org_id).await?;
        // One grouped statement: per aging bucket (by due date against today) the invoiced and
        // paid totals and what is still open. The bucket bounds are the domain's
        // `aging_bucket`: overdue by 1–30, 31–60, 61–90 and more days.
        let day = |n: i64| today - chrono::Duration::days(n);
        let sql = "SELECT \
                CAST(CASE WHEN due_on >= $1 THEN 0 WHEN due_on >= $2 THEN 1 WHEN due_on >= $3 THEN 2 \
                     WHEN due_on >= $4 THEN 3 ELSE 4 END AS BIGINT) AS bucket, \
                CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) AS invoiced, \
                CAST(COALESCE(SUM(paid_minor), 0) AS BIGINT) AS paid, \
                CAST(COALESCE(SUM(CASE WHEN amount_minor > paid_minor THEN amount_minor - paid_minor ELSE 0 END), 0) AS BIGINT) AS open, \
                CAST(COALESCE(SUM(CASE WHEN amount_minor > paid_minor THEN 1 ELSE 0 END), 0) AS BIGINT) AS open_count \
            FROM invoices WHERE organization_id = $5 AND status IN ($6, $7, $8) GROUP BY 1";
        let values: Vec<sea_orm::Value> = vec![
            today.into(),
            day(30).into(),
            day(60).into(),
            day(90).into(),
            actor.org_id.into(),
            InvoiceStatus::Issued.as_str().into(),
            InvoiceStatus::PartiallyPaid.as_str().into(),
            InvoiceStatus::Paid.as_str().into(),
        ];
        let rows = self.db.query_all_raw(crate::kernel::sql::statement(&self.db, sql, values)).await?;
        let mut aging: Vec<(&'static str, i64, i64)> = AGING_BUCKETS.iter().map(|b| (*b, 0, 0)).collect();
        let (mut outstanding, mut overdue, mut invoiced, mut paid) = (0i64, 0i64, 0i64, 0i64);
        for r in rows {
            let bucket: i64 = r.try_get("", "bucket")?;
            let open: i64 = r.try_get("", "open")?;
            invoiced += r.try_get::<i64>("", "invoiced")?;
            paid += r.try_get::<i64>("", "paid")?;
            outstanding += open;
            if bucket > 0 {
                overdue += open;
            }
            if let Some(b) = usize::try_from(bucket).ok().and_then(|i| aging.get_mut(i)) {
                b.1 += open;
                b.2 += r.try_get::<i64>("", "open_count")?;
            }
        }
        let collection_rate =
            if invoiced == 0 { Decimal::ZERO } else { (Decimal::from(paid) / Decimal::from(invoiced)).round_dp(4) };
        Ok(Collections {
            currency: org.currency,
            outstanding_minor: outstanding,
            overdue_minor: overdue,
            collection_rate,
            aging,
        })
    }

    /// Deals whose first invoice is not paid yet, oldest first.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn first_payments_pending(&self, actor: &Actor) -> Result<Vec<invoice::Model>, AppError> {
        actor.authorize(Action::FinanceView)?;
        Ok(invoice::Entity::find()
            .filter(invoice::Column::OrganizationId.eq(actor.org_id))
            .filter(invoice::Column::Sequence.eq(1))
            .filter(
                invoice::Column::Status.is_in([InvoiceStatus::Issued.as_str(), InvoiceStatus::PartiallyPaid.as_str()]),
            )
            .order_by_asc(invoice::Column::DueOn)
            .all(&self.db)
            .await?)
    }
}
