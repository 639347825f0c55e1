//! The catalog and quotes: pricing from products, discounts within limits, approval and
//! acceptance.

use crate::kernel::error::check_version;
use crate::kernel::gate::{self, Access};
use crate::kernel::tx::Versioned;
use crate::sales::opportunities::stage_of;
use crate::{Actor, App, AppError, kernel::audit};
use baton_domain::opportunity as opp_rules;
use baton_domain::permission::Action;
use baton_domain::quote::{self as rules, Limits, Line, PricingModel, QuoteStatus};
use baton_store::entity::{contract_template, opportunity, organization, product, quote, quote_line, template_clause};
use chrono::Utc;
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use uuid::Uuid;

/// One requested line.
#[derive(Debug, Clone)]
pub struct LineInput {
    pub product_id: Uuid,
    pub quantity: i32,
    pub term_months: Option<i32>,
}

/// Raw input of `createQuote` / `updateQuote`.
#[derive(Debug, Clone)]
pub struct QuoteInput {
    pub lines: Vec<LineInput>,
    pub discount_percent: Option<Decimal>,
}

/// A quote with its lines.
#[derive(Debug, Clone)]
pub struct QuoteView {
    pub quote: quote::Model,
    pub lines: Vec<quote_line::Model>,
}

/// The default term of per-seat and per-module lines.
pub const DEFAULT_TERM_MONTHS: i32 = 12;

fn discount_bp(p: Option<Decimal>) -> Result<i32, AppError> {
    let p = p.unwrap_or(Decimal::ZERO);
    if p < Decimal::ZERO || p > Decimal::ONE_HUNDRED || p.normalize().scale() > 2 {
        return Err(AppError::bad_input("discountPercent", "must be between 0 and 100 with at most two decimals"));
    }
    i32::try_from((p * Decimal::ONE_HUNDRED).round())
        .map_err(|_| AppError::bad_input("discountPercent", "is out of range"))
}

fn check_lines(lines: &[LineInput]) -> Result<(), AppError> {
    if lines.is_empty() {
        return Err(AppError::bad_input("lines", "a quote needs at least one line"));
    }
    if lines.len() > 50 {
        return Err(AppError::bad_input("lines", "a quote has at most 50 lines"));
    }
    for l in lines {
        if !(1..=100_000).contains(&l.quantity) {
            return Err(AppError::bad_input("quantity", "must be between 1 and 100000"));
        }
        if l.term_months.is_some_and(|t| !(1..=120).contains(&t)) {
            return Err(AppError::bad_input("termMonths", "must be between 1 and 120"));
        }
    }
    Ok(())
}

pub(crate) fn limits(org: &organization::Model) -> Limits {
    Limits { rep_bp: i64::from(org.discount_limit_rep_bp), manager_bp: i64::from(org.discount_limit_manager_bp) }
}

/// Prices the lines from the catalog and computes the totals in `domain`.
async fn price<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    lines: &[LineInput],
    bp: i32,
) -> Result<(Vec<(LineInput, product::Model, i64)>, rules::Totals, i32), AppError> {
    let mut priced = Vec::with_capacity(lines.len());
    let mut domain_lines = Vec::with_capacity(lines.len());
    let mut term = 0;
    for l in lines {
        let p = product::Entity::find_by_id(l.product_id)
            .filter(product::Column::OrganizationId.eq(org.id))
            .filter(product::Column::Active.eq(true))
            .one(db)
            .await?
            .ok_or(AppError::NotFound("product"))?;
        if p.currency != org.currency {
            return Err(AppError::bad_input(
                "productId",
                format!("the product is priced in {}, the organization quotes in {}", p.currency, org.currency),
            ));
        }
        let model = crate::kernel::error::stored(&p.pricing_model, PricingModel::parse, "pricing model")?;
        let months = if model == PricingModel::FixedPrice { 1 } else { l.term_months.unwrap_or(DEFAULT_TERM_MONTHS) };
        if model != PricingModel::FixedPrice {
            term = term.max(months);
        }
        let line = Line {
            model,
            unit_price_minor: p.unit_price_minor,
            quantity: i64::from(l.quantity),
            term_months: i64::from(months),
        };
        let total = line.total_minor().ok_or_else(|| AppError::bad_input("quantity", "the line total is too large"))?;
        domain_lines.push(line);
        priced.push((LineInput { term_months: Some(months), ..l.clone() }, p, total));
    }
    let totals = rules::totals(&domain_lines, i64::from(bp), crate::kernel::money::ledger_unit_of(&org.currency))
        .ok_or_else(|| AppError::bad_input("lines", "the quote total is too large"))?;
    Ok((priced, totals, term))
}

async fn write_lines(
    txn: &DatabaseTransaction,
    org: uuid::Uuid,
    quote_id: Uuid,
    priced: &[(LineInput, product::Model, i64)],
) -> Result<Vec<quote_line::Model>, AppError> {
    quote_line::Entity::delete_many().filter(quote_line::Column::QuoteId.eq(quote_id)).exec(txn).await?;
    let mut out = Vec::with_capacity(priced.len());
    for (i, (l, p, total)) in priced.iter().enumerate() {
        out.push(
            quote_line::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(org),
                quote_id: Set(quote_id),
                product_id: Set(p.id),
                position: Set(i as i32),
                quantity: Set(l.quantity),
                term_months: Set(l.term_months.unwrap_or(1)),
                unit_price_minor: Set(p.unit_price_minor),
                line_total_minor: Set(*total),
            }
            .insert(txn)
            .await?,
        );
    }
    Ok(out)
}

/// Loads a quote through the gate for `action`; the quote belongs to its opportunity's owner.
pub(crate) async fn gate_quote<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    action: Action,
) -> Result<(quote::Model, opportunity::Model), AppError> {
    actor.authorize(action)?;
    let q = quote::Entity::find_by_id(id)
        .filter(quote::Column::OrganizationId.eq(actor.org_id))
        .lock_exclusive()
        .one(db)
        .await?;
    let opp = match &q {
        Some(q) => opportunity::Entity::find_by_id(q.opportunity_id).one(db).await?,
        None => None,
    };
    let pair = q.zip(opp);
    gate::check(actor, action, Action::ReadQuote, "quote", pair, |(_, o)| Access::owned_by(Some(o.owner_id)))
}

impl App {
    /// The organization's active products.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn products(&self, actor: &Actor) -> Result<Vec<product::Model>, AppError> {
        Ok(product::Entity::find()
            .filter(product::Column::OrganizationId.eq(actor.org_id))
            .filter(product::Column::Active.eq(true))
            .order_by_asc(product::Column::Sku)
            .all(&self.db)
            .await?)
    }

    /// The organization's contract templates with their clauses.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn contract_templates(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(contract_template::Model, Vec<template_clause::Model>)>, AppError> {
        let templates = contract_template::Entity::find()
            .filter(contract_template::Column::OrganizationId.eq(actor.org_id))
            .order_by_asc(contract_template::Column::Name)
            .all(&self.db)
            .await?;
        let clauses = template_clause::Entity::find()
            .filter(template_clause::Column::OrganizationId.eq(actor.org_id))
            .order_by_asc(template_clause::Column::Position)
            .all(&self.db)
            .await?;
        Ok(templates
            .into_iter()
            .map(|t| {
                let cs = clauses.iter().filter(|c| c.template_id == t.id).cloned().collect();
                (t, cs)
            })
            .collect())
    }

    /// `createQuote`: approved on creation within the organization's free discount; earlier open
    /// quotes of the opportunity are superseded.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn create_quote(
        &self,
        actor: &Actor,
        opportunity_id: Uuid,
        input: QuoteInput,
    ) -> Result<QuoteView, AppError> {
        check_lines(&input.lines)?;
        let bp = discount_bp(input.discount_percent)?;
        let txn = self.tx().await?;
        let opp = crate::kernel::gate::opportunity(&txn, actor, opportunity_id, Action::CreateQuote).await?;
        opp_rules::edit(stage_of(&opp)?).map_err(AppError::Rule)?;
        let org = crate::kernel::tx::load_org(&txn, actor.org_id).await?;
        let (priced, totals, term) = price(&txn, &org, &input.lines, bp).await?;
        let creator = actor.person(Action::CreateQuote)?;
        let status = rules::initial_status(i64::from(bp), limits(&org));
        let open = quote::Entity::find()
            .filter(quote::Column::OpportunityId.eq(opp.id))
            .filter(
                quote::Column::Status.is_in([QuoteStatus::PendingApproval.as_str(), QuoteStatus::Approved.as_str()]),
            )
            .all(&txn)
            .await?;
        for old in open {
            let mut am = old.clone().into_active_model();
            am.status = Set(QuoteStatus::Superseded.as_str().to_owned());
            am.bump(old.version, Utc::now());
            let after = am.update(&txn).await?;
            audit::record(
                &txn,
                actor.org_id,
                actor,
                "createQuote:supersede",
                "quote",
                old.id,
                Some(&old),
                Some(&after),
            )
            .await?;
        }
        let now = Utc::now();
        let approved = status == QuoteStatus::Approved;
        let q = quote::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            opportunity_id: Set(opp.id),
            status: Set(status.as_str().to_owned()),
            discount_bp: Set(bp),
            subtotal_minor: Set(totals.subtotal_minor),
            discount_minor: Set(totals.discount_minor),
            total_minor: Set(totals.total_minor),
            currency: Set(org.currency.clone()),
            term_months: Set(term),
            created_by: Set(creator),
            approved_by: Set(None),
            approved_at: Set(approved.then_some(now)),
            accepted_at: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        let lines = write_lines(&txn, actor.org_id, q.id, &priced).await?;
        audit::commit(txn, actor, audit::Entry::new("createQuote", "quote", q.id, None::<&()>, Some(&q))).await?;
        Ok(QuoteView { quote: q, lines })
    }

    /// `updateQuote`: new lines or discount; the approval is cleared and evaluated again with
    /// the editor as the quote's author.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn update_quote(
        &self,
        actor: &Actor,
        id: Uuid,
        input: QuoteInput,
        expected_version: i32,
    ) -> Result<QuoteView, AppError> {
        check_lines(&input.lines)?;
        let bp = discount_bp(input.discount_percent)?;
        let txn = self.tx().await?;
        let (before, _) = gate_quote(&txn, actor, id, Action::UpdateQuote).await?;
        check_version(Some(expected_version), before.version)?;
        rules::edit(crate::kernel::error::stored(&before.status, QuoteStatus::parse, "quote status")?)
            .map_err(AppError::Rule)?;
        let org = crate::kernel::tx::load_org(&txn, actor.org_id).await?;
        let (priced, totals, term) = price(&txn, &org, &input.lines, bp).await?;
        let editor = actor.person(Action::UpdateQuote)?;
        let status = rules::initial_status(i64::from(bp), limits(&org));
        let now = Utc::now();
        let mut am = before.clone().into_active_model();
        am.status = Set(status.as_str().to_owned());
        am.discount_bp = Set(bp);
        am.subtotal_minor = Set(totals.subtotal_minor);
        am.discount_minor = Set(totals.discount_minor);
        am.total_minor = Set(totals.total_minor);
        am.term_months = Set(term);
        am.created_by = Set(editor);
        am.approved_by = Set(None);
        am.approved_at = Set((status == QuoteStatus::Approved).then_some(now));
        am.bump(before.version, now);
        let after = am.update(&txn).await?;
        let lines = write_lines(&txn, actor.org_id, id, &priced).await?;
        audit::commit(txn, actor, audit::Entry::new("updateQuote", "quote", id, Some(&before), Some(&after))).await?;
        Ok(QuoteView { quote: after, lines })
    }

    /// `approveQuote`: a sales manager up to the manager limit, finance any; never the author.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn approve_quote(&self, actor: &Actor, id: Uuid) -> Result<quote::Model, AppError> {
        let txn = self.tx().await?;
        let (before, _) = gate_quote(&txn, actor, id, Action::ApproveQuote).await?;
        let org = crate::kernel::tx::load_org(&txn, actor.org_id).await?;
        rules::approve(
            crate::kernel::error::stored(&before.status, QuoteStatus::parse, "quote status")?,
            actor.permission(Action::ApproveQuote).ok(),
            actor.user_id() == Some(before.created_by),
            i64::from(before.discount_bp),
            limits(&org),
        )
        .map_err(AppError::Rule)?;
        let now = Utc::now();
        let mut am = before.clone().into_active_model();
        am.status = Set(QuoteStatus::Approved.as_str().to_owned());
        am.approved_by = Set(actor.user_id());
        am.approved_at = Set(Some(now));
        am.bump(before.version, now);
        let after = am.update(&txn).await?;
        audit::commit(txn, actor, audit::Entry::new("approveQuote", "quote", id, Some(&before), Some(&after))).await?;
        Ok(after)
    }

    /// `acceptQuote`: the customer accepted an approved quote.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn accept_quote(&self, actor: &Actor, id: Uuid) -> Result<quote::Model, AppError> {
        let txn = self.tx().await?;
        let (before, _) = gate_quote(&txn, actor, id, Action::AcceptQuote).await?;
        rules::accept(crate::kernel::error::stored(&before.status, QuoteStatus::parse, "quote status")?)
            .map_err(AppError::Rule)?;
        let now = Utc::now();
        let mut am = before.clone().into_active_model();
        am.status = Set(QuoteStatus::Accepted.as_str().to_owned());
        am.accepted_at = Set(Some(now));
        am.bump(before.version, now);
        let after = am.update(&txn).await?;
        audit::commit(txn, actor, audit::Entry::new("acceptQuote", "quote", id, Some(&before), Some(&after))).await?;
        Ok(after)
    }

    /// `quote(id)` under the caller's scope.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn quote(&self, actor: &Actor, id: Uuid) -> Result<quote::Model, AppError> {
        let q =
            quote::Entity::find_by_id(id).filter(quote::Column::OrganizationId.eq(actor.org_id)).one(&self.db).await?;
        let opp = match &q {
            Some(q) => opportunity::Entity::find_by_id(q.opportunity_id).one(&self.db).await?,
            None => None,
        };
        match q.zip(opp) {
            Some((q, o)) if gate::reaches(actor, Action::ReadQuote, Access::owned_by(Some(o.owner_id))) => Ok(q),
            _ => Err(AppError::NotFound("quote")),
        }
    }

    /// Lines of quotes, for the API's batch loader.
    #[tracing::instrument(skip_all)]
    pub async fn lines_of_quotes(&self, org: Uuid, quote_ids: &[Uuid]) -> Result<Vec<quote_line::Model>, AppError> {
        Ok(quote_line::Entity::find()
            .filter(quote_line::Column::OrganizationId.eq(org))
            .filter(quote_line::Column::QuoteId.is_in(quote_ids.iter().copied()))
            .order_by_asc(quote_line::Column::Position)
            .all(&self.db)
            .await?)
    }

    /// Quotes of opportunities, for the API's batch loader (callers pass authorized ids).
    #[tracing::instrument(skip_all)]
    pub async fn quotes_of_opportunities(&self, org: Uuid, ids: &[Uuid]) -> Result<Vec<quote::Model>, AppError> {
        Ok(quote::Entity::find()
            .filter(quote::Column::OrganizationId.eq(org))
            .filter(quote::Column::OpportunityId.is_in(ids.iter().copied()))
            .order_by_asc(quote::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// Products by id, for the API's batch loader.
    #[tracing::instrument(skip_all)]
    pub async fn products_by_ids(&self, org: Uuid, ids: &[Uuid]) -> Result<Vec<product::Model>, AppError> {
        Ok(product::Entity::find()
            .filter(product::Column::OrganizationId.eq(org))
            .filter(product::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?)
    }
}
