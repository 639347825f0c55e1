//! Channel partners with their rebates on collected cash, and sales training with the gaps
//! managers see in their teams.

use crate::kernel::sql::{Sql, int};
use crate::{Actor, App, AppError, kernel::audit};
use baton_domain::Scope;
use baton_domain::enablement::{PartnerKind, TrainingLevel, TrainingTopic, rebate};
use baton_domain::opportunity::Stage;
use baton_domain::permission::Action;
use baton_domain::text;
use baton_store::entity::{partner, training_completion, training_programme, user};
use chrono::Utc;
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use std::collections::HashMap;
use uuid::Uuid;

/// What a partner brought and earned.
#[derive(Debug, Clone)]
pub struct PartnerStanding {
    pub partner: partner::Model,
    pub leads: i64,
    pub deals: i64,
    pub won_deals: i64,
    pub collected_minor: i64,
    pub rebate_owed_minor: i64,
}

/// One team member's missing programmes.
#[derive(Debug, Clone)]
pub struct TrainingGap {
    pub user: user::Model,
    pub missing: Vec<training_programme::Model>,
}

impl App {
    /// `createPartner` (SALES_MANAGER, ADMIN): a reseller, system integrator or marketplace with
    /// its rebate rate.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn create_partner(
        &self,
        actor: &Actor,
        name: &str,
        kind: PartnerKind,
        rebate_percent: Decimal,
    ) -> Result<partner::Model, AppError> {
        let name = text::required_short(name).map_err(AppError::text("name"))?;
        if rebate_percent < Decimal::ZERO
            || rebate_percent > Decimal::from(50)
            || rebate_percent.normalize().scale() > 2
        {
            return Err(AppError::bad_input("rebatePercent", "must be between 0 and 50 with at most two decimals"));
        }
        actor.authorize(Action::ManagePartners)?;
        let bp = i32::try_from((rebate_percent * Decimal::ONE_HUNDRED).round())
            .map_err(|_| AppError::bad_input("rebatePercent", "is out of range"))?;
        let txn = self.tx().await?;
        let p = partner::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            name: Set(name),
            kind: Set(kind.as_str().to_owned()),
            rebate_bp: Set(bp),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        audit::commit(txn, actor, audit::Entry::new("createPartner", "partner", p.id, None::<&()>, Some(&p))).await?;
        Ok(p)
    }

    /// Partners with their leads, deals, collected cash and the rebates owed on it. Finance and
    /// sales management see every partner's whole standing; a rep works channel deals too, so
    /// it sees every partner (to name one on a lead) with the figures of its own leads and deals.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn partner_standings(&self, actor: &Actor) -> Result<Vec<PartnerStanding>, AppError> {
        let owners = match (actor.authorize(Action::FinanceView), actor.authorize(Action::ManagePartners)) {
            (Ok(_), _) | (_, Ok(_)) => crate::Owners::All,
            _ => actor.owners(actor.authorize(Action::SalesView)?),
        };
        let partners = partner::Entity::find()
            .filter(partner::Column::OrganizationId.eq(actor.org_id))
            .order_by_asc(partner::Column::Name)
            .all(&self.db)
            .await?;
        // Per partner, counted and summed by the database over the caller's rows: leads;
        // deals and the won ones; cash collected on the deals' invoices (payments less
        // refunds: a referral credit is no money collected).
        let scoped = || {
            let mut q = Sql::default();
            q.bind(actor.org_id);
            let scope = q.owned_by("owner_id", &owners);
            (q, scope)
        };
        let (q, scope) = scoped();
        let sql = format!(
            "SELECT partner_id, CAST(COUNT(*) AS BIGINT) AS n FROM leads \
             WHERE organization_id = $1 AND partner_id IS NOT NULL{scope} GROUP BY partner_id"
        );
        let leads = per_partner(&q.all(&self.db, &sql).await?, "n")?;
        let (mut q, scope) = scoped();
        let won = q.bind(Stage::ClosedWon.as_str());
        let sql = format!(
            "SELECT partner_id, CAST(COUNT(*) AS BIGINT) AS n, \
             CAST(COALESCE(SUM(CASE WHEN stage = {won} THEN 1 ELSE 0 END), 0) AS BIGINT) AS won \
             FROM opportunities WHERE organization_id = $1 AND partner_id IS NOT NULL{scope} GROUP BY partner_id"
        );
        let rows = q.all(&self.db, &sql).await?;
        let (deals, won_deals) = (per_partner(&rows, "n")?, per_partner(&rows, "won")?);
        let (q, scope) = scoped();
        let sql = format!(
            "SELECT o.partner_id AS partner_id, CAST(COALESCE(SUM(CASE p.kind WHEN 'PAYMENT' THEN p.amount_minor \
             WHEN 'REFUND' THEN -p.amount_minor ELSE 0 END), 0) AS BIGINT) AS n \
             FROM payments p JOIN invoices i ON i.id = p.invoice_id \
             JOIN (SELECT id, partner_id FROM opportunities WHERE organization_id = $1 \
                   AND partner_id IS NOT NULL{scope}) o ON o.id = i.opportunity_id \
             GROUP BY o.partner_id"
        );
        let paid = per_partner(&q.all(&self.db, &sql).await?, "n")?;
        let unit = crate::kernel::money::org_unit(&self.db, actor.org_id).await?;
        let of = |m: &HashMap<Uuid, i64>, p: Uuid| m.get(&p).copied().unwrap_or_default();
        Ok(partners
            .into_iter()
            .map(|p| {
                let collected = of(&paid, p.id);
                PartnerStanding {
                    leads: of(&leads, p.id),
                    deals: of(&deals, p.id),
                    won_deals: of(&won_deals, p.id),
                    collected_minor: collected,
                    rebate_owed_minor: rebate(collected, i64::from(p.rebate_bp), unit),
                    partner: p,
                }
            })
            .collect())
    }

    /// `createTrainingProgramme` (SALES_MANAGER, ADMIN): the topic must belong to the level.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn create_training_programme(
        &self,
        actor: &Actor,
        name: &str,
        level: TrainingLevel,
        topic: TrainingTopic,
    ) -> Result<training_programme::Model, AppError> {
        let name = text::required_short(name).map_err(AppError::text("name"))?;
        if !level.topics().contains(&topic) {
            let allowed: Vec<&str> = level.topics().iter().map(|t| t.as_str()).collect();
            return Err(AppError::bad_input(
                "topic",
                format!("{} training covers {}", level.as_str(), allowed.join(", ")),
            ));
        }
        actor.authorize(Action::ManageTraining)?;
        let txn = self.tx().await?;
        let p = training_programme::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            name: Set(name),
            level: Set(level.as_str().to_owned()),
            topic: Set(topic.as_str().to_owned()),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new("createTrainingProgramme", "training_programme", p.id, None::<&()>, Some(&p)),
        )
        .await?;
        Ok(p)
    }

    /// `recordTrainingCompletion`: a rep records its own; a manager records its team's.
    /// Recording twice keeps the first completion.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn record_training(
        &self,
        actor: &Actor,
        programme_id: Uuid,
        user_id: Option<Uuid>,
    ) -> Result<training_completion::Model, AppError> {
        let scope = actor.authorize(Action::RecordTraining)?;
        let who = user_id
            .or(actor.user_id())
            .ok_or_else(|| AppError::bad_input("userId", "name the person who completed it"))?;
        if !actor.owners(scope).contains(Some(who)) && scope != Scope::Org {
            return Err(AppError::Forbidden(vec![
                "`recordTrainingCompletion` is limited to yourself, or your team for a manager".into(),
            ]));
        }
        let txn = self.tx().await?;
        let p = training_programme::Entity::find_by_id(programme_id)
            .filter(training_programme::Column::OrganizationId.eq(actor.org_id))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("training programme"))?;
        user::Entity::find_by_id(who)
            .filter(user::Column::OrganizationId.eq(actor.org_id))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        if let Some(done) = training_completion::Entity::find()
            .filter(training_completion::Column::ProgrammeId.eq(p.id))
            .filter(training_completion::Column::UserId.eq(who))
            .one(&txn)
            .await?
        {
            return Ok(done);
        }
        let c = training_completion::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            programme_id: Set(p.id),
            user_id: Set(who),
            completed_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new("recordTrainingCompletion", "training_completion", c.id, None::<&()>, Some(&c)),
        )
        .await?;
        Ok(c)
    }

    /// The organization's training programmes.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn training_programmes(&self, actor: &Actor) -> Result<Vec<training_programme::Model>, AppError> {
        Ok(training_programme::Entity::find()
            .filter(training_programme::Column::OrganizationId.eq(actor.org_id))
            .order_by_asc(training_programme::Column::Name)
            .all(&self.db)
            .await?)
    }

    /// The programmes each member of the caller's team (the caller included) has not completed.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn training_gaps(&self, actor: &Actor) -> Result<Vec<TrainingGap>, AppError> {
        let scope = actor.authorize(Action::SalesView)?;
        let programmes = training_programme::Entity::find()
            .filter(training_programme::Column::OrganizationId.eq(actor.org_id))
            .order_by_asc(training_programme::Column::Name)
            .all(&self.db)
            .await?;
        let mut members = user::Entity::find()
            .filter(user::Column::OrganizationId.eq(actor.org_id))
            .filter(user::Column::Active.eq(true));
        if let crate::Owners::Only(ids) = actor.owners(scope) {
            members = members.filter(user::Column::Id.is_in(ids));
        }
        let members = members.order_by_asc(user::Column::Name).all(&self.db).await?;
        let done = training_completion::Entity::find()
            .filter(training_completion::Column::OrganizationId.eq(actor.org_id))
            .all(&self.db)
            .await?;
        Ok(members
            .into_iter()
            .map(|u| {
                let missing = programmes
                    .iter()
                    .filter(|p| !done.iter().any(|c| c.programme_id == p.id && c.user_id == u.id))
                    .cloned()
                    .collect();
                TrainingGap { user: u, missing }
            })
            .collect())
    }
}

/// One BIGINT column of grouped `partner_id` rows, by partner.
fn per_partner(rows: &[sea_orm::QueryResult], column: &str) -> Result<HashMap<Uuid, i64>, AppError> {
    let mut by = HashMap::new();
    for r in rows {
        by.insert(r.try_get::<Uuid>("", "partner_id")?, int(Some(r), column)?);
    }
    Ok(by)
}
