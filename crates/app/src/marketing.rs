//! Marketing: campaigns linked to leads with their efficiency, and versioned messaging that
//! sales repeats.

use crate::{Actor, App, AppError, audit};
use anyhow::Context;
use baton_domain::Money;
use baton_domain::insight::{CampaignMetrics, Channel};
use baton_domain::lead::LeadStatus;
use baton_domain::opportunity::Stage;
use baton_domain::permission::Action;
use baton_domain::text;
use baton_store::entity::{campaign, lead, messaging_version, opportunity, organization};
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set};
use uuid::Uuid;

/// Raw input of `createCampaign`.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    pub name: String,
    pub channel: Channel,
    pub budget: Decimal,
    pub currency: String,
    pub starts_on: NaiveDate,
    pub ends_on: Option<NaiveDate>,
}

fn money_field(field: &str, amount: Decimal, currency: &str, org: &organization::Model) -> Result<i64, AppError> {
    let m = Money::parse_non_negative(amount, currency).map_err(|e| AppError::bad_input(field, e))?;
    if m.currency.as_str() != org.currency {
        return Err(AppError::bad_input(field, format!("must be in {}", org.currency)));
    }
    crate::leads::to_minor(m.amount)
}

impl App {
    /// `createCampaign` (MARKETING).
    pub async fn create_campaign(&self, actor: &Actor, c: NewCampaign) -> Result<campaign::Model, AppError> {
        let name = text::required_short(&c.name).map_err(AppError::text("name"))?;
        if c.ends_on.is_some_and(|e| e < c.starts_on) {
            return Err(AppError::bad_input("endsOn", "must not be before startsOn"));
        }
        actor.authorize(Action::CreateCampaign)?;
        let author =
            actor.user_id().ok_or_else(|| AppError::Forbidden(vec!["campaigns are created by people".into()]))?;
        let txn = self.tx().await?;
        let org = organization::Entity::find_by_id(actor.org_id).one(&txn).await?.context("organization row")?;
        let budget = money_field("budget", c.budget, &c.currency, &org)?;
        let now = Utc::now();
        let row = campaign::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            name: Set(name),
            channel: Set(c.channel.as_str().to_owned()),
            budget_minor: Set(budget),
            spend_minor: Set(0),
            currency: Set(org.currency.clone()),
            starts_on: Set(c.starts_on),
            ends_on: Set(c.ends_on),
            created_by: Set(author),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        audit::record(&txn, actor.org_id, actor, "createCampaign", "campaign", row.id, None::<&()>, Some(&row)).await?;
        txn.commit().await?;
        Ok(row)
    }

    /// `recordCampaignSpend` (MARKETING): the campaign's spend so far.
    pub async fn record_campaign_spend(
        &self,
        actor: &Actor,
        id: Uuid,
        spend: Decimal,
        currency: &str,
    ) -> Result<campaign::Model, AppError> {
        actor.authorize(Action::UpdateCampaign)?;
        let txn = self.tx().await?;
        let before = campaign::Entity::find_by_id(id)
            .filter(campaign::Column::OrganizationId.eq(actor.org_id))
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("campaign"))?;
        let org = organization::Entity::find_by_id(actor.org_id).one(&txn).await?.context("organization row")?;
        let minor = money_field("spend", spend, currency, &org)?;
        let mut am = before.clone().into_active_model();
        am.spend_minor = Set(minor);
        am.version = Set(before.version + 1);
        am.updated_at = Set(Utc::now());
        let after = am.update(&txn).await?;
        audit::record(&txn, actor.org_id, actor, "recordCampaignSpend", "campaign", id, Some(&before), Some(&after))
            .await?;
        txn.commit().await?;
        Ok(after)
    }

    /// The organization's campaigns with what each produced, newest first.
    pub async fn campaigns(&self, actor: &Actor) -> Result<Vec<(campaign::Model, CampaignMetrics)>, AppError> {
        actor.authorize(Action::MarketingView)?;
        let campaigns = campaign::Entity::find()
            .filter(campaign::Column::OrganizationId.eq(actor.org_id))
            .order_by_desc(campaign::Column::Id)
            .all(&self.db)
            .await?;
        let leads = lead::Entity::find()
            .filter(lead::Column::OrganizationId.eq(actor.org_id))
            .filter(lead::Column::CampaignId.is_not_null())
            .all(&self.db)
            .await?;
        let opps = opportunity::Entity::find()
            .filter(opportunity::Column::OrganizationId.eq(actor.org_id))
            // A subquery rather than a list of ids, which would pass the bound-parameter limit.
            .filter(
                opportunity::Column::LeadId.in_subquery(
                    sea_orm::sea_query::Query::select()
                        .column(lead::Column::Id)
                        .from(lead::Entity)
                        .and_where(lead::Column::OrganizationId.eq(actor.org_id))
                        .and_where(lead::Column::CampaignId.is_not_null())
                        .to_owned(),
                ),
            )
            .all(&self.db)
            .await?;
        let signed = crate::analytics::signed_contracts(&self.db, actor.org_id, None).await?;
        Ok(campaigns
            .into_iter()
            .map(|c| {
                let mine: Vec<&lead::Model> = leads.iter().filter(|l| l.campaign_id == Some(c.id)).collect();
                let qualified = mine
                    .iter()
                    .filter(|l| {
                        l.status == LeadStatus::Qualified.as_str() || l.status == LeadStatus::Converted.as_str()
                    })
                    .count() as i64;
                let their_opps: Vec<&opportunity::Model> =
                    opps.iter().filter(|o| mine.iter().any(|l| Some(l.id) == o.lead_id)).collect();
                let won: Vec<&&opportunity::Model> =
                    their_opps.iter().filter(|o| o.stage == Stage::ClosedWon.as_str()).collect();
                let metrics = CampaignMetrics::compute(
                    mine.len() as i64,
                    qualified,
                    their_opps.len() as i64,
                    won.len() as i64,
                    won.iter().map(|o| crate::analytics::won_revenue(&signed, o.id)).sum(),
                    c.spend_minor,
                );
                (c, metrics)
            })
            .collect())
    }

    /// `publishMessaging` (MARKETING): a new version of the value claims sales must repeat.
    pub async fn publish_messaging(
        &self,
        actor: &Actor,
        title: &str,
        claims: &str,
    ) -> Result<messaging_version::Model, AppError> {
        let title = text::required_short(title).map_err(AppError::text("title"))?;
        let claims = text::required_long(claims).map_err(AppError::text("claims"))?;
        actor.authorize(Action::PublishMessaging)?;
        let author =
            actor.user_id().ok_or_else(|| AppError::Forbidden(vec!["messaging is published by people".into()]))?;
        let txn = self.tx().await?;
        let last = messaging_version::Entity::find()
            .filter(messaging_version::Column::OrganizationId.eq(actor.org_id))
            .order_by_desc(messaging_version::Column::Number)
            .one(&txn)
            .await?;
        let row = messaging_version::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            number: Set(last.map(|m| m.number).unwrap_or(0) + 1),
            title: Set(title),
            claims: Set(claims),
            published_by: Set(author),
            published_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            actor.org_id,
            actor,
            "publishMessaging",
            "messaging_version",
            row.id,
            None::<&()>,
            Some(&row),
        )
        .await?;
        txn.commit().await?;
        Ok(row)
    }

    /// The current messaging: what sales says this week.
    pub async fn current_messaging(&self, actor: &Actor) -> Result<Option<messaging_version::Model>, AppError> {
        Ok(messaging_version::Entity::find()
            .filter(messaging_version::Column::OrganizationId.eq(actor.org_id))
            .order_by_desc(messaging_version::Column::Number)
            .one(&self.db)
            .await?)
    }
}
