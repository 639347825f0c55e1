//! Customer success after the takeover: usage, health, business reviews, tiers, churn,
//! renewals opened ahead of the end date, expansion handed back to sales, and referrals.

use crate::opportunities::gate_account;
use crate::product::notify;
use crate::{Actor, App, AppError, audit};
use anyhow::Context;
use baton_domain::Role;
use baton_domain::health::{self, Health, HealthInputs};
use baton_domain::invoice::{InvoiceStatus, days_overdue};
use baton_domain::permission::Action;
use baton_domain::text;
use baton_store::entity::{
    account, business_review, invoice, opportunity, organization, referral_reward, subscription, usage_snapshot,
};
use chrono::{Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
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
    am.version = Set(version + 1);
    am.updated_at = Set(Utc::now());
    Ok(am.update(db).await?)
}

impl App {
    /// `recordUsage`: a usage snapshot, usually from an integration's API token.
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
        let acc = gate_account(&txn, actor, account_id, Action::RecordUsage).await?;
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
        audit::record(&txn, actor.org_id, actor, "recordUsage", "usage_snapshot", row.id, None::<&()>, Some(&row))
            .await?;
        txn.commit().await?;
        Ok((row, acc))
    }

    /// The latest usage snapshot of an account.
    pub async fn latest_usage(&self, account_id: Uuid) -> Result<Option<usage_snapshot::Model>, AppError> {
        Ok(usage_snapshot::Entity::find()
            .filter(usage_snapshot::Column::AccountId.eq(account_id))
            .order_by_desc(usage_snapshot::Column::Id)
            .one(&self.db)
            .await?)
    }

    /// The account's health on `today`: computed in `domain` from its usage, issues, invoices
    /// and last business review, with the manual override shown beside it.
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
        let before = gate_account(&txn, actor, account_id, Action::OverrideHealth).await?;
        let mut am = before.clone().into_active_model();
        am.health_override = Set(score);
        am.health_override_reason = Set(score.and(reason));
        let after = save_account(&txn, am, before.version).await?;
        audit::record(&txn, actor.org_id, actor, "overrideHealth", "account", account_id, Some(&before), Some(&after))
            .await?;
        txn.commit().await?;
        Ok(after)
    }

    /// `recordBusinessReview`: a quarterly business review with its outcomes and new needs.
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
        let author =
            actor.user_id().ok_or_else(|| AppError::Forbidden(vec!["reviews are recorded by people".into()]))?;
        let txn = self.tx().await?;
        let acc = gate_account(&txn, actor, account_id, Action::RecordBusinessReview).await?;
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
        audit::record(
            &txn,
            actor.org_id,
            actor,
            "recordBusinessReview",
            "business_review",
            row.id,
            None::<&()>,
            Some(&row),
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }

    /// The business reviews of an account, newest first.
    pub async fn business_reviews(&self, account_id: Uuid) -> Result<Vec<business_review::Model>, AppError> {
        Ok(business_review::Entity::find()
            .filter(business_review::Column::AccountId.eq(account_id))
            .order_by_desc(business_review::Column::HeldOn)
            .all(&self.db)
            .await?)
    }

    /// The subscriptions of an account.
    pub async fn subscriptions_of(&self, account_id: Uuid) -> Result<Vec<subscription::Model>, AppError> {
        Ok(subscription::Entity::find()
            .filter(subscription::Column::AccountId.eq(account_id))
            .order_by_asc(subscription::Column::Id)
            .all(&self.db)
            .await?)
    }

    /// `recordChurn`: the customer left; its active subscriptions end.
    pub async fn record_churn(
        &self,
        actor: &Actor,
        account_id: Uuid,
        reason: &str,
    ) -> Result<account::Model, AppError> {
        let reason = text::required_long(reason).map_err(AppError::text("reason"))?;
        let txn = self.tx().await?;
        let before = gate_account(&txn, actor, account_id, Action::RecordChurn).await?;
        if before.churned_at.is_some() {
            return Err(AppError::rule("ALREADY_CHURNED", "the account's churn is already recorded"));
        }
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
        let mut am = before.clone().into_active_model();
        am.churned_at = Set(Some(Utc::now()));
        am.churn_reason = Set(Some(reason));
        let after = save_account(&txn, am, before.version).await?;
        audit::record(&txn, actor.org_id, actor, "recordChurn", "account", account_id, Some(&before), Some(&after))
            .await?;
        txn.commit().await?;
        Ok(after)
    }

    /// `flagUpsell`: customer success found an expansion need; it becomes an opportunity for the
    /// account executive, with the CS person credited on it.
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
        let credit =
            actor.user_id().ok_or_else(|| AppError::Forbidden(vec!["upsells are flagged by people".into()]))?;
        let txn = self.tx().await?;
        let acc = gate_account(&txn, actor, account_id, Action::FlagUpsell).await?;
        let org = organization::Entity::find_by_id(actor.org_id).one(&txn).await?.context("organization row")?;
        if money.currency.as_str() != org.currency {
            return Err(AppError::bad_input("estimatedValue", format!("must be in {}", org.currency)));
        }
        let owner = acc.account_executive_id.ok_or_else(|| {
            AppError::rule("NO_ACCOUNT_EXECUTIVE", "the account has no account executive to hand the upsell to")
        })?;
        let now = Utc::now();
        let o = opportunity::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            account_id: Set(acc.id),
            owner_id: Set(owner),
            lead_id: Set(None),
            name: Set(format!("Expansion ({kind}): {}", acc.name)),
            stage: Set("DISCOVERY".into()),
            estimated_value_minor: Set(crate::leads::to_minor(money.amount)?),
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
        audit::record(&txn, actor.org_id, actor, "flagUpsell", "opportunity", o.id, None::<&()>, Some(&o)).await?;
        txn.commit().await?;
        Ok(o)
    }

    /// `setAccountTier` (CS_MANAGER): VIP accounts get a named account manager from customer
    /// success; the others are served by automated programmes.
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
        let before = gate_account(&txn, actor, account_id, Action::SetAccountTier).await?;
        if let Some(m) = manager {
            let roles = crate::auth::roles_of(&txn, m).await?;
            let u = baton_store::entity::user::Entity::find_by_id(m)
                .filter(baton_store::entity::user::Column::OrganizationId.eq(actor.org_id))
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound("user"))?;
            if !u.active || !(roles.contains(&Role::CustomerSuccess) || roles.contains(&Role::CsManager)) {
                return Err(AppError::rule(
                    "CS_OWNER_NOT_CS",
                    "the account manager must be an active customer success user",
                ));
            }
        }
        let mut am = before.clone().into_active_model();
        am.tier = Set(if vip { "VIP" } else { "STANDARD" }.into());
        am.account_manager_id = Set(if vip { manager } else { None });
        let after = save_account(&txn, am, before.version).await?;
        audit::record(&txn, actor.org_id, actor, "setAccountTier", "account", account_id, Some(&before), Some(&after))
            .await?;
        txn.commit().await?;
        Ok(after)
    }

    /// Opens a renewal opportunity for every active subscription ending within the
    /// organization's renewal lead time, owned by the account executive with customer success
    /// attached. Idempotent: one renewal per subscription (a unique index backs it).
    pub async fn open_due_renewals(&self, today: NaiveDate) -> Result<usize, AppError> {
        let subs = subscription::Entity::find().filter(subscription::Column::Status.eq("ACTIVE")).all(&self.db).await?;
        let mut opened = 0;
        for s in subs {
            let txn = self.tx().await?;
            let org =
                organization::Entity::find_by_id(s.organization_id).one(&txn).await?.context("organization row")?;
            let opens_on = s
                .end_on
                .checked_sub_days(Days::new(u64::try_from(org.renewal_lead_days).unwrap_or(90)))
                .unwrap_or(s.end_on);
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
        }
        .insert(db)
        .await?,
    ))
}
