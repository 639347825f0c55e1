//! Customer success after the takeover: usage, health, business reviews, tiers, churn,
//! renewals opened ahead of the end date, expansion handed back to sales, and referrals.

use crate::kernel::notifications::notify;
use crate::kernel::tx::Versioned;
use crate::{Actor, App, AppError, kernel::audit};
use anyhow::Context;
use baton_domain::Rule;
use baton_domain::assignment::Assignment;
use baton_domain::health::{self, Health, HealthInputs};
use baton_domain::invoice::{InvoiceStatus, days_overdue, status_after_payment};
use baton_domain::opportunity::{self as opp_rules, Stage};
use baton_domain::permission::Action;
use baton_domain::quote::PricingModel;
use baton_domain::sla::ClockKind;
use baton_domain::text;
use baton_store::entity::{
    account, business_review, contract, invoice, opportunity, organization, payment, product, quote_line,
    referral_reward, subscription, usage_snapshot,
};
use chrono::{Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use std::collections::HashMap;
use uuid::Uuid;

/// Raw input of `recordUsage`.
#[derive(Debug, Clone)]
pub struct UsageInput {
    pub active_users: i32,
    pub seats_used: i32,
    pub open_issues: i32,
    /// (module, percent of users using it).
    pub adoption: Vec<(String, i32)>,
}

/// Raw input of `recordBusinessReview`.
#[derive(Debug, Clone)]
pub struct ReviewInput {
    pub held_on: NaiveDate,
    pub attendees: String,
    pub outcomes: String,
    pub new_needs: Option<String>,
}

/// The kinds of expansion customer success hands back to sales.
pub const UPSELL_KINDS: [&str; 3] = ["MORE_SEATS", "HIGHER_TIER", "ADD_ON"];

/// An account's computed health, and the manual override if any.
#[derive(Debug, Clone)]
pub struct AccountHealth {
    pub computed: Health,
    pub override_score: Option<i32>,
    pub override_reason: Option<String>,
}

fn count(field: &'static str, n: i32) -> Result<i32, AppError> {
    if (0..=10_000_000).contains(&n) {
        Ok(n)
    } else {
        Err(AppError::bad_input(field, "must be between 0 and 10000000"))
    }
}

async fn save_account<C: ConnectionTrait>(
    db: &C,
    mut am: account::ActiveModel,
    version: i32,
) -> Result<account::Model, AppError> {
    am.bump(version, Utc::now());
    Ok(am.update(db).await?)
}

impl App {
    /// `recordUsage`: a usage snapshot, usually from an integration's API token.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn record_usage(
        &self,
        actor: &Actor,
        account_id: Uuid,
        u: UsageInput,
    ) -> Result<(usage_snapshot::Model, account::Model), AppError> {
        count("activeUsers", u.active_users)?;
        count("seatsUsed", u.seats_used)?;
        count("openIssues", u.open_issues)?;
        let mut adoption = Vec::with_capacity(u.adoption.len());
        for (module, pct) in &u.adoption {
            let m = text::required_short(module).map_err(AppError::text("module"))?;
            if !(0..=100).contains(pct) {
                return Err(AppError::bad_input("percent", "must be between 0 and 100"));
            }
            adoption.push(format!("{m}={pct}"));
        }
        let txn = self.tx().await?;
        let acc = crate::kernel::gate::account(&txn, actor, account_id, Action::RecordUsage).await?;
        let row = usage_snapshot::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            account_id: Set(acc.id),
            active_users: Set(u.active_users),
            seats_used: Set(u.seats_used),
            open_issues: Set(u.open_issues),
            adoption: Set(adoption.join(";")),
            recorded_by: Set(actor.principal_id()),
            recorded_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        audit::commit(txn, actor, audit::Entry::new("recordUsage", "usage_snapshot", row.id, None::<&()>, Some(&row)))
            .await?;
        Ok((row, acc))
    }

    /// The latest usage snapshot of an account.
    #[tracing::instrument(skip_all)]
    pub async fn latest_usage(&self, account_id: Uuid) -> Result<Option<usage_snapshot::Model>, AppError> {
        Ok(usage_snapshot::Entity::find()
            .filter(usage_snapshot::Column::AccountId.eq(account_id))
            .order_by_desc(usage_snapshot::Column::Id)
            .one(&self.db)
            .await?)
    }

    /// The account's health on `today`: computed in `domain` from its usage, issues, invoices
    /// and last business review, with the manual override shown beside it.
    #[tracing::instrument(skip_all)]
    pub async fn account_health(&self, a: &account::Model, today: NaiveDate) -> Result<AccountHealth, AppError> {
        let usage = self.latest_usage(a.id).await?;
        let seats: i64 = subscription::Entity::find()
            .filter(subscription::Column::AccountId.eq(a.id))
            .filter(subscription::Column::Status.eq("ACTIVE"))
            .all(&self.db)
            .await?
            .iter()
            .map(|s| i64::from(s.seats))
            .sum();
        let overdue = invoice::Entity::find()
            .filter(invoice::Column::AccountId.eq(a.id))
            .filter(
                invoice::Column::Status.is_in([InvoiceStatus::Issued.as_str(), InvoiceStatus::PartiallyPaid.as_str()]),
            )
            .all(&self.db)
            .await?
            .iter()
            .map(|i| days_overdue(i.due_on, today))
            .max()
            .unwrap_or(0);
        let last_review = business_review::Entity::find()
            .filter(business_review::Column::AccountId.eq(a.id))
            .order_by_desc(business_review::Column::HeldOn)
            .one(&self.db)
            .await?;
        let computed = health::score(&HealthInputs {
            seats,
            active_users: usage.as_ref().map(|u| i64::from(u.active_users)),
            open_issues: usage.as_ref().map(|u| i64::from(u.open_issues)),
            max_days_overdue: overdue,
            days_since_review: last_review.map(|r| (today - r.held_on).num_days().max(0)),
        });
        Ok(AccountHealth {
            computed,
            override_score: a.health_override,
            override_reason: a.health_override_reason.clone(),
        })
    }

    /// `overrideHealth`: a manual score with a reason; `None` clears it.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn override_health(
        &self,
        actor: &Actor,
        account_id: Uuid,
        score: Option<i32>,
        reason: Option<String>,
    ) -> Result<account::Model, AppError> {
        let reason = text::optional(reason.as_deref(), text::LONG_TEXT_MAX).map_err(AppError::text("reason"))?;
        if score.is_some_and(|s| !(0..=100).contains(&s)) {
            return Err(AppError::bad_input("score", "must be between 0 and 100"));
        }
        if score.is_some() && reason.is_none() {
            return Err(AppError::bad_input("reason", "an override needs a reason"));
        }
        let txn = self.tx().await?;
        let before = crate::kernel::gate::account(&txn, actor, account_id, Action::OverrideHealth).await?;
        let mut am = before.clone().into_active_model();
        am.health_override = Set(score);
        am.health_override_reason = Set(score.and(reason));
        let after = save_account(&txn, am, before.version).await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new("overrideHealth", "account", account_id, Some(&before), Some(&after)),
        )
        .await?;
        Ok(after)
    }

    /// `recordBusinessReview`: a quarterly business review with its outcomes and new needs.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn record_business_review(
        &self,
        actor: &Actor,
        account_id: Uuid,
        r: ReviewInput,
    ) -> Result<business_review::Model, AppError> {
        let attendees = text::required_long(&r.attendees).map_err(AppError::text("attendees"))?;
        let outcomes = text::required_long(&r.outcomes).map_err(AppError::text("outcomes"))?;
        let needs = text::optional(r.new_needs.as_deref(), text::LONG_TEXT_MAX).map_err(AppError::text("newNeeds"))?;
        if r.held_on > Utc::now().date_naive() {
            return Err(AppError::bad_input("heldOn", "a review is recorded once held"));
        }
        let author = actor.person(Action::RecordBusinessReview)?;
        let txn = self.tx().await?;
        let acc = crate::kernel::gate::account(&txn, actor, account_id, Action::RecordBusinessReview).await?;
        let row = business_review::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            account_id: Set(acc.id),
            held_on: Set(r.held_on),
            attendees: Set(attendees),
            outcomes: Set(outcomes),
            new_needs: Set(needs),
            recorded_by: Set(author),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new("recordBusinessReview", "business_review", row.id, None::<&()>, Some(&row)),
        )
        .await?;
        Ok(row)
    }

    /// The business reviews of an account, newest first.
    #[tracing::instrument(skip_all)]
    pub async fn business_reviews(&self, account_id: Uuid) -> Result<Vec<business_review::Model>, AppError> {
        Ok(business_review::Entity::find()
            .filter(business_review::Column::AccountId.eq(account_id))
            .order_by_desc(business_review::Column::HeldOn)
            .all(&self.db)
            .await?)
    }

    /// The subscriptions of an account.
    #[tracing::instrument(skip_all)]
    pub async fn subscriptions_of(&self, account_id: Uuid) -> Result<Vec<subscription::Model>, AppError> {
        Ok(subscription::Entity::find()
            .filter(subscription::Column::AccountId.eq(account_id))
            .order_by_asc(subscription::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// The add-on modules a subscription includes: the per-module lines of the quote its
    /// contract was signed from, in quote order. The plan itself shows as the tier and seats.
    #[tracing::instrument(skip_all)]
    pub async fn subscription_modules(
        &self,
        org: Uuid,
        s: &subscription::Model,
    ) -> Result<Vec<(product::Model, i32)>, AppError> {
        let Some(c) = contract::Entity::find_by_id(s.contract_id)
            .filter(contract::Column::OrganizationId.eq(org))
            .one(&self.db)
            .await?
        else {
            return Ok(vec![]);
        };
        let lines = quote_line::Entity::find()
            .filter(quote_line::Column::QuoteId.eq(c.quote_id))
            .order_by_asc(quote_line::Column::Position)
            .all(&self.db)
            .await?;
        let modules: HashMap<Uuid, product::Model> = product::Entity::find()
            .filter(product::Column::OrganizationId.eq(org))
            .filter(product::Column::Id.is_in(lines.iter().map(|l| l.product_id)))
            .filter(product::Column::PricingModel.eq(PricingModel::PerModule.as_str()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|p| (p.id, p))
            .collect();
        Ok(lines.into_iter().filter_map(|l| modules.get(&l.product_id).map(|p| (p.clone(), l.quantity))).collect())
    }

    /// `recordChurn`: the customer left; its active subscriptions end.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn record_churn(
        &self,
        actor: &Actor,
        account_id: Uuid,
        reason: &str,
    ) -> Result<account::Model, AppError> {
        let reason = text::required_long(reason).map_err(AppError::text("reason"))?;
        let txn = self.tx().await?;
        let before = crate::kernel::gate::account(&txn, actor, account_id, Action::RecordChurn).await?;
        not_churned(&before)?;
        for s in subscription::Entity::find()
            .filter(subscription::Column::AccountId.eq(account_id))
            .filter(subscription::Column::Status.eq("ACTIVE"))
            .all(&txn)
            .await?
        {
            let mut sam = s.clone().into_active_model();
            sam.status = Set("CHURNED".into());
            let after = sam.update(&txn).await?;
            audit::record(&txn, actor.org_id, actor, "recordChurn", "subscription", s.id, Some(&s), Some(&after))
                .await?;
        }
        // A customer that left renews nothing: its open renewal is lost, for the churn's reason,
        // so it drops out of the renewals due and the pipeline and counts against the renewal rate.
        let now = Utc::now();
        let mut sent = Vec::new();
        for o in opportunity::Entity::find()
            .filter(opportunity::Column::OrganizationId.eq(actor.org_id))
            .filter(opportunity::Column::AccountId.eq(account_id))
            .filter(opportunity::Column::Kind.eq("RENEWAL"))
            .all(&txn)
            .await?
        {
            let stage = crate::sales::opportunities::stage_of(&o)?;
            if opp_rules::close_lost(stage).is_err() {
                continue;
            }
            let mut oam = o.clone().into_active_model();
            oam.stage = Set(Stage::ClosedLost.as_str().to_owned());
            oam.loss_reason = Set(Some(format!("Customer churned: {reason}")));
            oam.closed_at = Set(Some(now));
            oam.bump(o.version, now);
            let lost = oam.update(&txn).await?;
            audit::record(&txn, actor.org_id, actor, "recordChurn", "opportunity", o.id, Some(&o), Some(&lost)).await?;
            for kind in [ClockKind::NeedsAnalysis, ClockKind::Demo] {
                crate::kernel::sla::stop_clocks(&txn, o.id, kind).await?;
            }
            sent.push(notify(&txn, actor.org_id, o.owner_id, "Renewal lost: the customer churned", &lost.name).await?);
        }
        let mut am = before.clone().into_active_model();
        am.churned_at = Set(Some(now));
        am.churn_reason = Set(Some(reason));
        let after = save_account(&txn, am, before.version).await?;
        audit::commit(txn, actor, audit::Entry::new("recordChurn", "account", account_id, Some(&before), Some(&after)))
            .await?;
        self.publish_notifications(sent);
        Ok(after)
    }

    /// `flagUpsell`: customer success found an expansion need; it becomes an opportunity for the
    /// account executive, with the CS person credited on it.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn flag_upsell(
        &self,
        actor: &Actor,
        account_id: Uuid,
        kind: &str,
        notes: Option<String>,
        value: Decimal,
        currency: &str,
    ) -> Result<opportunity::Model, AppError> {
        if !UPSELL_KINDS.contains(&kind) {
            return Err(AppError::bad_input("kind", "must be MORE_SEATS, HIGHER_TIER or ADD_ON"));
        }
        let notes = text::optional(notes.as_deref(), text::LONG_TEXT_MAX).map_err(AppError::text("notes"))?;
        let money = baton_domain::Money::parse_non_negative(value, currency)
            .map_err(|m| AppError::bad_input("estimatedValue", m))?;
        let credit = actor.person(Action::FlagUpsell)?;
        let txn = self.tx().await?;
        let acc = crate::kernel::gate::account(&txn, actor, account_id, Action::FlagUpsell).await?;
        let org = crate::kernel::tx::load_org(&txn, actor.org_id).await?;
        if money.currency.as_str() != org.currency {
            return Err(AppError::bad_input("estimatedValue", format!("must be in {}", org.currency)));
        }
        let owner = upsell_owner(&acc)?;
        let now = Utc::now();
        let o = opportunity::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            account_id: Set(acc.id),
            owner_id: Set(owner),
            lead_id: Set(None),
            name: Set(format!("Expansion ({kind}): {}", acc.name)),
            stage: Set("DISCOVERY".into()),
            estimated_value_minor: Set(crate::kernel::money::minor("estimatedValue", &money)?),
            currency: Set(org.currency.clone()),
            expected_close_date: Set(None),
            probability: Set(None),
            needs_analysis: Set(notes),
            loss_reason: Set(None),
            closed_at: Set(None),
            kind: Set("EXPANSION".into()),
            cs_credit_id: Set(Some(credit)),
            renewal_of: Set(None),
            partner_id: Set(None),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        notify(&txn, actor.org_id, owner, "Expansion opportunity from customer success", &o.name).await?;
        audit::commit(txn, actor, audit::Entry::new("flagUpsell", "opportunity", o.id, None::<&()>, Some(&o))).await?;
        Ok(o)
    }

    /// `setAccountTier` (CS_MANAGER): VIP accounts get a named account manager from customer
    /// success; the others are served by automated programmes.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn set_account_tier(
        &self,
        actor: &Actor,
        account_id: Uuid,
        vip: bool,
        manager: Option<Uuid>,
    ) -> Result<account::Model, AppError> {
        if vip && manager.is_none() {
            return Err(AppError::bad_input("accountManagerId", "a VIP account needs a named account manager"));
        }
        let txn = self.tx().await?;
        let before = crate::kernel::gate::account(&txn, actor, account_id, Action::SetAccountTier).await?;
        if let Some(m) = manager {
            let roles = crate::kernel::auth::roles_of(&txn, m).await?;
            let u = baton_store::entity::user::Entity::find_by_id(m)
                .filter(baton_store::entity::user::Column::OrganizationId.eq(actor.org_id))
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound("user"))?;
            Assignment::AccountManager.check(u.active, &roles).map_err(AppError::Rule)?;
        }
        let mut am = before.clone().into_active_model();
        am.tier = Set(if vip { "VIP" } else { "STANDARD" }.into());
        am.account_manager_id = Set(if vip { manager } else { None });
        let after = save_account(&txn, am, before.version).await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new("setAccountTier", "account", account_id, Some(&before), Some(&after)),
        )
        .await?;
        Ok(after)
    }

    /// Opens a renewal opportunity for every active subscription ending within the
    /// organization's renewal lead time, owned by the account executive with customer success
    /// attached. Idempotent: one renewal per subscription (a unique index backs it).
    ///
    /// Only the candidates the database selects ([`due_renewal_candidates`]) are read, each
    /// in its own transaction.
    #[tracing::instrument(skip_all)]
    pub async fn open_due_renewals(&self, today: NaiveDate) -> Result<usize, AppError> {
        let subs = due_renewal_candidates(&self.db, today).await?;
        let mut opened = 0;
        for s in subs {
            let txn = self.tx().await?;
            let org = crate::kernel::tx::load_org(&txn, s.organization_id).await?;
            let opens_on = s.end_on.checked_sub_days(renewal_lead(org.renewal_lead_days)).unwrap_or(s.end_on);
            if opens_on > today {
                continue;
            }
            // Racing job runners queue on the subscription's row; the one that comes second
            // finds the renewal the first opened and moves on.
            subscription::Entity::find_by_id(s.id).lock_exclusive().one(&txn).await?;
            let exists = opportunity::Entity::find().filter(opportunity::Column::RenewalOf.eq(s.id)).one(&txn).await?;
            let acc = account::Entity::find_by_id(s.account_id).one(&txn).await?.context("account row")?;
            let (Some(owner), None) = (acc.account_executive_id, exists) else { continue };
            let now = Utc::now();
            let o = opportunity::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(s.organization_id),
                account_id: Set(acc.id),
                owner_id: Set(owner),
                lead_id: Set(None),
                name: Set(format!("Renewal: {}", acc.name)),
                stage: Set("DISCOVERY".into()),
                estimated_value_minor: Set(s.mrr_minor.saturating_mul(12)),
                currency: Set(s.currency.clone()),
                expected_close_date: Set(s.end_on.and_hms_opt(0, 0, 0).map(|d| d.and_utc())),
                probability: Set(None),
                needs_analysis: Set(None),
                loss_reason: Set(None),
                closed_at: Set(None),
                kind: Set("RENEWAL".into()),
                cs_credit_id: Set(acc.cs_owner_id),
                renewal_of: Set(Some(s.id)),
                partner_id: Set(None),
                version: Set(1),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&txn)
            .await?;
            audit::record(
                &txn,
                s.organization_id,
                audit::AuditActor::SYSTEM,
                "openRenewal",
                "opportunity",
                o.id,
                None::<&()>,
                Some(&o),
            )
            .await?;
            txn.commit().await?;
            opened += 1;
        }
        Ok(opened)
    }

    /// Referral rewards earned by customers, newest first (customer success and finance).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn referral_rewards(&self, actor: &Actor) -> Result<Vec<referral_reward::Model>, AppError> {
        if actor.authorize(Action::CustomerSuccessView).is_err() {
            actor.authorize(Action::FinanceView)?;
        }
        Ok(referral_reward::Entity::find()
            .filter(referral_reward::Column::OrganizationId.eq(actor.org_id))
            .order_by_desc(referral_reward::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// Renewal opportunities still open, soonest first (for customer success).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn renewals_due(&self, actor: &Actor) -> Result<Vec<opportunity::Model>, AppError> {
        actor.authorize(Action::CustomerSuccessView)?;
        Ok(opportunity::Entity::find()
            .filter(opportunity::Column::OrganizationId.eq(actor.org_id))
            .filter(opportunity::Column::Kind.eq("RENEWAL"))
            .filter(opportunity::Column::Stage.is_not_in(["CLOSED_WON", "CLOSED_LOST"]))
            .order_by_asc(opportunity::Column::ExpectedCloseDate)
            .all(&self.db)
            .await?)
    }
}

/// The renewal lead time an organization's `renewal_lead_days` stands for (90 days when it is
/// negative).
fn renewal_lead(days: i32) -> Days {
    Days::new(u64::try_from(days).unwrap_or(90))
}

/// The latest end date of a subscription that is due for renewal on `today` with this lead
/// time: due when `end_on - lead <= today`, that is `end_on <= today + lead`. `None` when that
/// date is past the calendar's end (every end date is then due).
fn renewal_cutoff(today: NaiveDate, lead_days: i32) -> Option<NaiveDate> {
    today.checked_add_days(renewal_lead(lead_days))
}

/// The active subscriptions the renewal job looks at on `today`: inside their organization's
/// renewal window, without a renewal yet, on an account with an account executive to own one.
/// Each is checked again under its row lock before a renewal is opened.
async fn due_renewal_candidates<C: ConnectionTrait>(
    db: &C,
    today: NaiveDate,
) -> Result<Vec<subscription::Model>, AppError> {
    use sea_orm::sea_query::ExprTrait;
    // Organizations share a handful of lead times; each is one cutoff on the end date.
    let lead_days: Vec<i32> = organization::Entity::find()
        .select_only()
        .column(organization::Column::RenewalLeadDays)
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    if lead_days.is_empty() {
        return Ok(vec![]);
    }
    let mut window = Condition::any();
    for days in lead_days {
        let orgs = Query::select()
            .column(organization::Column::Id)
            .from(organization::Entity)
            .and_where(organization::Column::RenewalLeadDays.eq(days))
            .to_owned();
        let mut due = Condition::all().add(subscription::Column::OrganizationId.in_subquery(orgs));
        if let Some(cutoff) = renewal_cutoff(today, days) {
            due = due.add(subscription::Column::EndOn.lte(cutoff));
        }
        window = window.add(due);
    }
    let renewal = Query::select()
        .expr(Expr::val(1))
        .from(opportunity::Entity)
        .and_where(
            Expr::col((opportunity::Entity, opportunity::Column::RenewalOf))
                .equals((subscription::Entity, subscription::Column::Id)),
        )
        .to_owned();
    let staffed = Query::select()
        .column(account::Column::Id)
        .from(account::Entity)
        .and_where(account::Column::AccountExecutiveId.is_not_null())
        .to_owned();
    Ok(subscription::Entity::find()
        .filter(subscription::Column::Status.eq("ACTIVE"))
        .filter(window)
        .filter(Expr::not_exists(renewal))
        .filter(subscription::Column::AccountId.in_subquery(staffed))
        .order_by_asc(subscription::Column::Id)
        .all(db)
        .await?)
}

/// Records the referrer's reward when a referred deal is won (called inside signing).
pub(crate) async fn reward_referral<C: ConnectionTrait>(
    db: &C,
    org: &organization::Model,
    lead_id: Option<Uuid>,
    opportunity_id: Uuid,
) -> Result<Option<referral_reward::Model>, AppError> {
    let Some(lead_id) = lead_id else { return Ok(None) };
    let Some(referrer) =
        baton_store::entity::lead::Entity::find_by_id(lead_id).one(db).await?.and_then(|l| l.referred_by_account_id)
    else {
        return Ok(None);
    };
    Ok(Some(
        referral_reward::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(org.id),
            referrer_account_id: Set(referrer),
            referred_opportunity_id: Set(opportunity_id),
            amount_minor: Set(org.referral_reward_minor),
            currency: Set(org.currency.clone()),
            status: Set("EARNED".into()),
            created_at: Set(Utc::now()),
            applied_invoice_id: Set(None),
            applied_at: Set(None),
        }
        .insert(db)
        .await?,
    ))
}

/// Applies the referrer's earned rewards as credits on one of its invoices being issued (called
/// inside the issuing transaction). A credit is a ledger entry of kind CREDIT on the invoice:
/// it settles part of it, so the amount due drops by exactly the credit, but it is no cash, so
/// it earns no commission and no partner rebate. A reward larger than what is still due waits
/// for a larger invoice. Returns the invoice as it stands afterwards.
pub(crate) async fn apply_referral_credits<C: ConnectionTrait>(
    db: &C,
    issued: invoice::Model,
) -> Result<invoice::Model, AppError> {
    let rewards = referral_reward::Entity::find()
        .filter(referral_reward::Column::OrganizationId.eq(issued.organization_id))
        .filter(referral_reward::Column::ReferrerAccountId.eq(issued.account_id))
        .filter(referral_reward::Column::Status.eq("EARNED"))
        .filter(referral_reward::Column::Currency.eq(issued.currency.clone()))
        .order_by_asc(referral_reward::Column::Id)
        .lock_exclusive()
        .all(db)
        .await?;
    let mut current = issued;
    for r in rewards {
        if r.amount_minor <= 0 || r.amount_minor > current.amount_minor - current.paid_minor {
            continue;
        }
        let now = Utc::now();
        let credit = payment::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(current.organization_id),
            invoice_id: Set(current.id),
            kind: Set("CREDIT".into()),
            amount_minor: Set(r.amount_minor),
            currency: Set(current.currency.clone()),
            received_at: Set(now),
            reference: Set(Some("referral reward".into())),
            reason: Set(None),
            refund_of: Set(None),
            idempotency_key: Set(format!("referral-credit:{}", r.id)),
            request_hash: Set(baton_domain::chain::digest(&format!(
                "credit:{}:{}:{}",
                r.id, current.id, r.amount_minor
            ))),
            created_by: Set(None),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
        let paid = current.paid_minor + r.amount_minor;
        let mut am = current.clone().into_active_model();
        am.paid_minor = Set(paid);
        am.status = Set(status_after_payment(current.amount_minor, paid).as_str().to_owned());
        am.bump(current.version, now);
        let after = am.update(db).await?;
        let mut ram = r.clone().into_active_model();
        ram.status = Set("APPLIED".into());
        ram.applied_invoice_id = Set(Some(current.id));
        ram.applied_at = Set(Some(now));
        let applied = ram.update(db).await?;
        let (org, system) = (current.organization_id, audit::AuditActor::SYSTEM);
        audit::record(db, org, system, "applyReferralCredit", "payment", credit.id, None::<&()>, Some(&credit)).await?;
        audit::record(db, org, system, "applyReferralCredit", "invoice", current.id, Some(&current), Some(&after))
            .await?;
        audit::record(db, org, system, "applyReferralCredit", "referral_reward", r.id, Some(&r), Some(&applied))
            .await?;
        if after.status == InvoiceStatus::Paid.as_str() {
            crate::kernel::sla::stop_clocks(db, after.id, ClockKind::FirstPayment).await?;
        }
        current = after;
    }
    Ok(current)
}

/// `recordChurn`'s rule: an account churns once.
pub(crate) fn not_churned(a: &account::Model) -> Result<(), AppError> {
    match a.churned_at {
        Some(_) => Err(AppError::rule(Rule::AlreadyChurned, "the account's churn is already recorded")),
        None => Ok(()),
    }
}

/// `flagUpsell`'s rule: the upsell goes to the account's account executive, so it needs one.
pub(crate) fn upsell_owner(a: &account::Model) -> Result<Uuid, AppError> {
    a.account_executive_id.ok_or_else(|| {
        AppError::rule(Rule::NoAccountExecutive, "the account has no account executive to hand the upsell to")
    })
}
