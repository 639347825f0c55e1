//! Incentives: commission earned on collected cash and clawed back on refunds, statements per
//! rep and period, quotas and attainment.

use crate::{Actor, App, AppError, Owners, kernel::audit};
use anyhow::Context;
use baton_domain::commission::{self, Deal, Plan};
use baton_domain::contract::TemplateKind;
use baton_domain::kpi::rate;
use baton_domain::permission::Action;
use baton_store::entity::{commission_entry, contract, invoice, opportunity, payment, quota, user};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

/// A rep's quota for a period and how much of it was signed.
#[derive(Debug, Clone)]
pub struct Attainment {
    pub user: user::Model,
    pub quota: quota::Model,
    pub signed_minor: i64,
    pub rate: Decimal,
}

/// Books the commission a payment (positive cash) or refund (negative cash) earns, inside the
/// payment's transaction: one entry per plan component for the deal's owner, and the team bonus
/// also for the customer success person credited on a renewal or upsell.
pub(crate) async fn accrue<C: ConnectionTrait>(
    db: &C,
    pay: &payment::Model,
    inv: &invoice::Model,
    opp: &opportunity::Model,
    cash_minor: i64,
) -> Result<(), AppError> {
    let c = contract::Entity::find_by_id(inv.contract_id).one(db).await?.context("contract row")?;
    let org = crate::kernel::tx::load_org(db, pay.organization_id).await?;
    let unit = crate::kernel::money::ledger_unit_of(&pay.currency);
    let plan = Plan {
        base_bp: i64::from(org.commission_base_bp),
        retention_bp: i64::from(org.commission_retention_bp),
        big_deal_bp: i64::from(org.commission_big_deal_bp),
        big_deal_minor: org.commission_big_deal_minor,
        team_bp: i64::from(org.commission_team_bp),
    };
    let deal = Deal {
        renewal: opp.kind == "RENEWAL",
        expansion: opp.kind == "EXPANSION",
        custom_software: TemplateKind::parse(&c.kind) == Some(TemplateKind::CustomDevelopment),
        contract_value_minor: c.value_minor,
        cs_credited: opp.cs_credit_id.is_some(),
    };
    let mut entries: Vec<(Uuid, &'static str, i64, i64)> =
        commission::earn(cash_minor, &commission::components(&plan, &deal), unit)
            .into_iter()
            .map(|(n, bp, amt)| (opp.owner_id, n, bp, amt))
            .collect();
    if let Some(cs) = opp.cs_credit_id.filter(|_| deal.renewal || deal.expansion) {
        entries.extend(
            commission::earn(cash_minor, &[("TEAM", plan.team_bp)], unit)
                .into_iter()
                .map(|(n, bp, amt)| (cs, n, bp, amt)),
        );
    }
    for (user_id, component, bp, amount) in entries {
        commission_entry::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(pay.organization_id),
            user_id: Set(user_id),
            payment_id: Set(pay.id),
            opportunity_id: Set(opp.id),
            component: Set(component.to_owned()),
            rate_bp: Set(i32::try_from(bp).unwrap_or(0)),
            basis_minor: Set(cash_minor),
            amount_minor: Set(amount),
            currency: Set(pay.currency.clone()),
            earned_at: Set(Utc::now()),
        }
        .insert(db)
        .await?;
    }
    Ok(())
}

/// A team's quota (the sum of its members' running quotas) and what the team signed.
#[derive(Debug, Clone)]
pub struct TeamAttainment {
    pub team: baton_store::entity::team::Model,
    pub quota_minor: i64,
    pub signed_minor: i64,
    pub rate: Decimal,
}

/// The gate of `setQuota`: the person is of the caller's organization and among the people
/// the caller sets quotas for (a manager's team).
pub(crate) async fn gate_quota<C: ConnectionTrait>(db: &C, actor: &Actor, user_id: Uuid) -> Result<(), AppError> {
    let scope = actor.authorize(Action::SetQuota)?;
    if !actor.owners(scope).contains(Some(user_id)) {
        return Err(AppError::Forbidden(vec!["quotas are set for your team's members".into()]));
    }
    user::Entity::find_by_id(user_id)
        .filter(user::Column::OrganizationId.eq(actor.org_id))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("user"))?;
    Ok(())
}

impl App {
    /// The attainment of the teams the caller manages (every team for an administrator).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn team_attainment(&self, actor: &Actor, day: NaiveDate) -> Result<Vec<TeamAttainment>, AppError> {
        use baton_store::entity::team;
        let scope = actor.authorize(Action::SalesView)?;
        let mut teams = team::Entity::find().filter(team::Column::OrganizationId.eq(actor.org_id));
        if scope != baton_domain::Scope::Org {
            teams = teams.filter(team::Column::ManagerId.eq(actor.user_id().unwrap_or_default()));
        }
        let teams = teams.all(&self.db).await?;
        let people = self.quota_attainment(actor, day).await?;
        let mut out = Vec::new();
        for t in teams {
            let members = self.team_member_ids(actor.org_id, t.id).await?;
            let mine: Vec<&Attainment> = people.iter().filter(|a| members.contains(&a.user.id)).collect();
            let quota_minor: i64 = mine.iter().map(|a| a.quota.amount_minor).sum();
            let signed_minor: i64 = mine.iter().map(|a| a.signed_minor).sum();
            out.push(TeamAttainment { team: t, quota_minor, signed_minor, rate: rate(signed_minor, quota_minor) });
        }
        Ok(out)
    }

    /// The people whose numbers the caller may see: itself, or its team for a manager.
    fn people_in_scope(&self, actor: &Actor, user_id: Option<Uuid>) -> Result<Uuid, AppError> {
        let me = actor.user_id().ok_or_else(|| AppError::Forbidden(vec!["statements belong to people".into()]))?;
        let who = user_id.unwrap_or(me);
        let scope = actor.authorize(Action::SalesView).or_else(|_| actor.authorize(Action::CustomerSuccessView))?;
        if who == me || actor.owners(scope).contains(Some(who)) { Ok(who) } else { Err(AppError::NotFound("user")) }
    }

    /// A commission statement: the entries earned (and clawed back) in `[from, to)`.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn commission_statement(
        &self,
        actor: &Actor,
        user_id: Option<Uuid>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<(Uuid, Vec<commission_entry::Model>), AppError> {
        if to <= from {
            return Err(AppError::bad_input("to", "must be after from"));
        }
        let who = self.people_in_scope(actor, user_id)?;
        let rows = commission_entry::Entity::find()
            .filter(commission_entry::Column::OrganizationId.eq(actor.org_id))
            .filter(commission_entry::Column::UserId.eq(who))
            .filter(commission_entry::Column::EarnedAt.gte(from))
            .filter(commission_entry::Column::EarnedAt.lt(to))
            .order_by_asc(commission_entry::Column::Id)
            .all(&self.db)
            .await?;
        Ok((who, rows))
    }

    /// `setQuota` (SALES_MANAGER for the team, ADMIN): a rep's quota for a period, replacing one
    /// that starts the same day.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn set_quota(
        &self,
        actor: &Actor,
        user_id: Uuid,
        starts_on: NaiveDate,
        ends_on: NaiveDate,
        amount: Decimal,
        currency: &str,
    ) -> Result<quota::Model, AppError> {
        if ends_on <= starts_on {
            return Err(AppError::bad_input("endsOn", "must be after startsOn"));
        }
        let money =
            baton_domain::Money::parse_non_negative(amount, currency).map_err(|m| AppError::bad_input("amount", m))?;
        let txn = self.tx().await?;
        gate_quota(&txn, actor, user_id).await?;
        quota::Entity::delete_many()
            .filter(quota::Column::UserId.eq(user_id))
            .filter(quota::Column::StartsOn.eq(starts_on))
            .exec(&txn)
            .await?;
        let q = quota::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            user_id: Set(user_id),
            starts_on: Set(starts_on),
            ends_on: Set(ends_on),
            amount_minor: Set(crate::kernel::money::minor("amount", &money)?),
            currency: Set(money.currency.as_str().to_owned()),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        audit::commit(txn, actor, audit::Entry::new("setQuota", "quota", q.id, None::<&()>, Some(&q))).await?;
        Ok(q)
    }

    /// Quota attainment on `day`: for every quota running then, in the caller's scope, the
    /// contract value its rep signed in the quota's period.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn quota_attainment(&self, actor: &Actor, day: NaiveDate) -> Result<Vec<Attainment>, AppError> {
        let scope = actor.authorize(Action::SalesView)?;
        let owners = actor.owners(scope);
        let quotas = quota::Entity::find()
            .filter(quota::Column::OrganizationId.eq(actor.org_id))
            .filter(quota::Column::StartsOn.lte(day))
            .filter(quota::Column::EndsOn.gte(day))
            .all(&self.db)
            .await?;
        let mut out = Vec::new();
        for q in quotas.into_iter().filter(|q| owners.contains(Some(q.user_id)) || owners == Owners::All) {
            let Some(u) = user::Entity::find_by_id(q.user_id).one(&self.db).await? else { continue };
            let opps: Vec<Uuid> = opportunity::Entity::find()
                .filter(opportunity::Column::OwnerId.eq(q.user_id))
                .all(&self.db)
                .await?
                .into_iter()
                .map(|o| o.id)
                .collect();
            let from = q.starts_on.and_hms_opt(0, 0, 0).map(|d| d.and_utc());
            let to = q.ends_on.succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|d| d.and_utc());
            let (Some(from), Some(to)) = (from, to) else { continue };
            let signed: i64 = contract::Entity::find()
                .filter(contract::Column::OpportunityId.is_in(opps))
                .filter(contract::Column::SignedAt.gte(from))
                .filter(contract::Column::SignedAt.lt(to))
                .all(&self.db)
                .await?
                .iter()
                .map(|c| c.value_minor)
                .sum();
            out.push(Attainment { rate: rate(signed, q.amount_minor), user: u, quota: q, signed_minor: signed });
        }
        Ok(out)
    }
}
