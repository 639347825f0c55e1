//! Marketing: campaigns linked to leads with their efficiency, and versioned messaging that
//! sales repeats.

use crate::kernel::tx::Versioned;
use crate::{Actor, App, AppError, kernel::audit};
use baton_domain::Money;
use baton_domain::insight::{CampaignMetrics, Channel};
use baton_domain::lead::LeadStatus;
use baton_domain::opportunity::Stage;
use baton_domain::permission::Action;
use baton_domain::text;
use baton_store::entity::{campaign, messaging_version, organization};
use chrono::{NaiveDate, Utc};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use std::collections::HashMap;
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
    crate::kernel::money::minor(field, &m)
}

/// What one campaign's leads produced, as the database counted it.
#[derive(Debug, Clone, Copy, Default)]
struct CampaignFigures {
    leads: i64,
    qualified: i64,
    opportunities: i64,
    customers: i64,
    won_minor: i64,
}

/// Per campaign of the organization: its leads; of those, the qualified ones (QUALIFIED or
/// CONVERTED); the organization's opportunities those leads became; the won ones (CLOSED_WON);
/// and their won revenue, the value of their signed contracts (as
/// `crate::kernel::revenue::PER_DEAL_SQL` counts it). `$1` organization, `$2`/`$3` the qualified statuses, `$4` the won stage.
const CAMPAIGN_FIGURES_SQL: &str = "\
WITH leads_of AS ( \
    SELECT campaign_id, COUNT(*) AS leads, SUM(CASE WHEN status IN ($2, $3) THEN 1 ELSE 0 END) AS qualified \
    FROM leads WHERE organization_id = $1 AND campaign_id IS NOT NULL GROUP BY campaign_id \
), deals AS ( \
    SELECT l.campaign_id, o.id, o.stage FROM opportunities o JOIN leads l ON l.id = o.lead_id \
    WHERE o.organization_id = $1 AND l.organization_id = $1 AND l.campaign_id IS NOT NULL \
), deals_of AS ( \
    SELECT campaign_id, COUNT(*) AS opportunities, SUM(CASE WHEN stage = $4 THEN 1 ELSE 0 END) AS customers \
    FROM deals GROUP BY campaign_id \
), revenue_of AS ( \
    SELECT d.campaign_id, SUM(c.value_minor) AS won FROM deals d JOIN contracts c ON c.opportunity_id = d.id \
    WHERE d.stage = $4 AND c.organization_id = $1 AND c.signed_at IS NOT NULL GROUP BY d.campaign_id \
) \
SELECT c.id, CAST(COALESCE(l.leads, 0) AS BIGINT) AS leads, CAST(COALESCE(l.qualified, 0) AS BIGINT) AS qualified, \
    CAST(COALESCE(d.opportunities, 0) AS BIGINT) AS opportunities, \
    CAST(COALESCE(d.customers, 0) AS BIGINT) AS customers, CAST(COALESCE(r.won, 0) AS BIGINT) AS won \
FROM campaigns c \
LEFT JOIN leads_of l ON l.campaign_id = c.id \
LEFT JOIN deals_of d ON d.campaign_id = c.id \
LEFT JOIN revenue_of r ON r.campaign_id = c.id \
WHERE c.organization_id = $1";

/// The figures of every campaign of the organization, by campaign id, in one statement.
async fn campaign_figures<C: ConnectionTrait>(db: &C, org: Uuid) -> Result<HashMap<Uuid, CampaignFigures>, AppError> {
    let values: Vec<sea_orm::Value> = vec![
        org.into(),
        LeadStatus::Qualified.as_str().into(),
        LeadStatus::Converted.as_str().into(),
        Stage::ClosedWon.as_str().into(),
    ];
    let rows = db.query_all_raw(crate::kernel::sql::statement(db, CAMPAIGN_FIGURES_SQL, values)).await?;
    let mut out = HashMap::with_capacity(rows.len());
    for r in rows {
        let figures = CampaignFigures {
            leads: r.try_get("", "leads")?,
            qualified: r.try_get("", "qualified")?,
            opportunities: r.try_get("", "opportunities")?,
            customers: r.try_get("", "customers")?,
            won_minor: r.try_get("", "won")?,
        };
        out.insert(r.try_get("", "id")?, figures);
    }
    Ok(out)
}

impl App {
    /// `createCampaign` (MARKETING).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn create_campaign(&self, actor: &Actor, c: NewCampaign) -> Result<campaign::Model, AppError> {
        let name = text::required_short(&c.name).map_err(AppError::text("name"))?;
        if c.ends_on.is_some_and(|e| e < c.starts_on) {
            return Err(AppError::bad_input("endsOn", "must not be before startsOn"));
        }
        actor.authorize(Action::CreateCampaign)?;
        let author = actor.person(Action::CreateCampaign)?;
        let txn = self.tx().await?;
        let org = crate::kernel::tx::load_org(&txn, actor.org_id).await?;
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
        audit::commit(txn, actor, audit::Entry::new("createCampaign", "campaign", row.id, None::<&()>, Some(&row)))
            .await?;
        Ok(row)
    }

    /// `recordCampaignSpend` (MARKETING): the campaign's spend so far.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
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
        let org = crate::kernel::tx::load_org(&txn, actor.org_id).await?;
        let minor = money_field("spend", spend, currency, &org)?;
        let mut am = before.clone().into_active_model();
        am.spend_minor = Set(minor);
        am.bump(before.version, Utc::now());
        let after = am.update(&txn).await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new("recordCampaignSpend", "campaign", id, Some(&before), Some(&after)),
        )
        .await?;
        Ok(after)
    }

    /// The organization's campaigns with what each produced, newest first. The figures are
    /// grouped by the database (see [`CAMPAIGN_FIGURES_SQL`]), one row per campaign.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn campaigns(&self, actor: &Actor) -> Result<Vec<(campaign::Model, CampaignMetrics)>, AppError> {
        actor.authorize(Action::MarketingView)?;
        let campaigns = campaign::Entity::find()
            .filter(campaign::Column::OrganizationId.eq(actor.org_id))
            .order_by_desc(campaign::Column::Id)
            .all(&self.db)
            .await?;
        let mut figures = campaign_figures(&self.db, actor.org_id).await?;
        Ok(campaigns
            .into_iter()
            .map(|c| {
                let f = figures.remove(&c.id).unwrap_or_default();
                let metrics = CampaignMetrics::compute(
                    f.leads,
                    f.qualified,
                    f.opportunities,
                    f.customers,
                    f.won_minor,
                    c.spend_minor,
                    crate::kernel::money::ledger_unit_of(&c.currency),
                );
                (c, metrics)
            })
            .collect())
    }

    /// `publishMessaging` (MARKETING): a new version of the value claims sales must repeat.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn publish_messaging(
        &self,
        actor: &Actor,
        title: &str,
        claims: &str,
    ) -> Result<messaging_version::Model, AppError> {
        let title = text::required_short(title).map_err(AppError::text("title"))?;
        let claims = text::required_long(claims).map_err(AppError::text("claims"))?;
        actor.authorize(Action::PublishMessaging)?;
        let author = actor.person(Action::PublishMessaging)?;
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
        audit::commit(
            txn,
            actor,
            audit::Entry::new("publishMessaging", "messaging_version", row.id, None::<&()>, Some(&row)),
        )
        .await?;
        Ok(row)
    }

    /// The current messaging: what sales says this week.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn current_messaging(&self, actor: &Actor) -> Result<Option<messaging_version::Model>, AppError> {
        Ok(messaging_version::Entity::find()
            .filter(messaging_version::Column::OrganizationId.eq(actor.org_id))
            .order_by_desc(messaging_version::Column::Number)
            .one(&self.db)
            .await?)
    }
}
