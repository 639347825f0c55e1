//! Channel partners with their rebates on collected cash, and sales training with the gaps
//! managers see in their teams.

use crate::{Actor, App, AppError, kernel::audit};
use baton_domain::Scope;
use baton_domain::enablement::{PartnerKind, TrainingLevel, TrainingTopic, rebate};
use baton_domain::opportunity::Stage;
use baton_domain::permission::Action;
use baton_domain::text;
use baton_store::entity::{
    invoice, lead, opportunity, partner, payment, training_completion, training_programme, user,
};
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
        let leads: Vec<lead::Model> = lead::Entity::find()
            .filter(lead::Column::OrganizationId.eq(actor.org_id))
            .filter(lead::Column::PartnerId.is_not_null())
            .all(&self.db)
            .await?
            .into_iter()
            .filter(|l| owners.contains(l.owner_id))
            .collect();
        let opps: Vec<opportunity::Model> = opportunity::Entity::find()
            .filter(opportunity::Column::OrganizationId.eq(actor.org_id))
            .filter(opportunity::Column::PartnerId.is_not_null())
            .all(&self.db)
            .await?
            .into_iter()
            .filter(|o| owners.contains(Some(o.owner_id)))
            .collect();
        let invoices: HashMap<Uuid, Uuid> = invoice::Entity::find()
            .filter(invoice::Column::OpportunityId.is_in(opps.iter().map(|o| o.id)))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|i| (i.id, i.opportunity_id))
            .collect();
        // Cash, not what the invoices count as settled: a referral credit is no money collected.
        let paid: HashMap<Uuid, i64> = payment::Entity::find()
            .filter(payment::Column::InvoiceId.is_in(invoices.keys().copied()))
            .all(&self.db)
            .await?
            .into_iter()
            .fold(HashMap::new(), |mut m, p| {
                let cash = match p.kind.as_str() {
                    "PAYMENT" => p.amount_minor,
                    "REFUND" => -p.amount_minor,
                    _ => 0,
                };
                if let Some(o) = invoices.get(&p.invoice_id) {
                    *m.entry(*o).or_default() += cash;
                }
                m
            });
        Ok(partners
            .into_iter()
            .map(|p| {
                let mine: Vec<&opportunity::Model> = opps.iter().filter(|o| o.partner_id == Some(p.id)).collect();
                let collected: i64 = mine.iter().map(|o| paid.get(&o.id).copied().unwrap_or(0)).sum();
                PartnerStanding {
                    leads: leads.iter().filter(|l| l.partner_id == Some(p.id)).count() as i64,
                    deals: mine.len() as i64,
                    won_deals: mine.iter().filter(|o| o.stage == Stage::ClosedWon.as_str()).count() as i64,
                    collected_minor: collected,
                    rebate_owed_minor: rebate(collected, i64::from(p.rebate_bp)),
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
