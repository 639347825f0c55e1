//! Compliance: the gifts and hospitality register. Gifts above the organization's threshold
//! need legal (compliance) approval before they are given, and a deal with a gift still waiting
//! cannot be signed.

use crate::{Actor, App, AppError, kernel::audit};
use baton_domain::compliance::{self as gift_rules, GiftStatus};
use baton_domain::permission::Action;
use baton_domain::{Money, text};
use baton_store::entity::{gift, opportunity};
use chrono::Utc;
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use uuid::Uuid;

/// Raw input of `recordGift`.
#[derive(Debug, Clone)]
pub struct GiftInput {
    pub given: bool,
    pub description: String,
    pub value: Decimal,
    pub currency: String,
    pub account_id: Uuid,
    pub opportunity_id: Option<Uuid>,
    pub purpose: String,
}

impl App {
    /// `recordGift`: a gift given or received; above the threshold it waits for compliance.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn record_gift(&self, actor: &Actor, g: GiftInput) -> Result<gift::Model, AppError> {
        let description = text::required_short(&g.description).map_err(AppError::text("description"))?;
        let purpose = text::required_long(&g.purpose).map_err(AppError::text("purpose"))?;
        let value = Money::parse_non_negative(g.value, &g.currency).map_err(|m| AppError::bad_input("value", m))?;
        let me = actor.person(Action::RecordGift)?;
        let txn = self.tx().await?;
        let acc = crate::kernel::gate::account(&txn, actor, g.account_id, Action::RecordGift).await?;
        if let Some(o) = g.opportunity_id {
            opportunity::Entity::find_by_id(o)
                .filter(opportunity::Column::OrganizationId.eq(actor.org_id))
                .filter(opportunity::Column::AccountId.eq(acc.id))
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound("opportunity"))?;
        }
        let org = crate::kernel::tx::load_org(&txn, actor.org_id).await?;
        if value.currency.as_str() != org.currency {
            return Err(AppError::bad_input("value", format!("must be in {}", org.currency)));
        }
        let minor = crate::kernel::money::minor("value", &value)?;
        let status = gift_rules::recorded(minor, org.gift_threshold_minor).as_str();
        let row = gift::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            direction: Set(if g.given { "GIVEN" } else { "RECEIVED" }.into()),
            description: Set(description),
            value_minor: Set(minor),
            currency: Set(org.currency.clone()),
            account_id: Set(acc.id),
            opportunity_id: Set(g.opportunity_id),
            purpose: Set(purpose),
            status: Set(status.into()),
            recorded_by: Set(me),
            decided_by: Set(None),
            decision_note: Set(None),
            created_at: Set(Utc::now()),
        }
        .insert(&txn)
        .await?;
        audit::commit(txn, actor, audit::Entry::new("recordGift", "gift", row.id, None::<&()>, Some(&row))).await?;
        Ok(row)
    }

    /// `approveGift` / `rejectGift` (LEGAL): never a gift the reviewer recorded.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn decide_gift(
        &self,
        actor: &Actor,
        id: Uuid,
        approve: bool,
        note: Option<String>,
    ) -> Result<gift::Model, AppError> {
        let note = text::optional(note.as_deref(), text::LONG_TEXT_MAX).map_err(AppError::text("note"))?;
        // Refused before the transaction, so a refused caller never holds the write lock.
        actor.authorize(if approve { Action::ApproveGift } else { Action::RejectGift })?;
        let txn = self.tx().await?;
        let (before, decided) = gift_decision(&txn, actor, id, approve).await?;
        let mut am = before.clone().into_active_model();
        am.status = Set(decided.as_str().to_owned());
        am.decided_by = Set(actor.user_id());
        am.decision_note = Set(note);
        let after = am.update(&txn).await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new(
                if approve { "approveGift" } else { "rejectGift" },
                "gift",
                id,
                Some(&before),
                Some(&after),
            ),
        )
        .await?;
        Ok(after)
    }

    /// `giftRegister` (LEGAL, PRIVACY_OFFICER, ADMIN): every gift, newest first; only those in
    /// `statuses` when any are given.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn gift_register(
        &self,
        actor: &Actor,
        statuses: &[&str],
        req: crate::kernel::page::PageRequest,
    ) -> Result<crate::kernel::page::Page<gift::Model>, AppError> {
        actor.authorize(Action::ReadComplianceRegister)?;
        let mut q = gift::Entity::find().filter(gift::Column::OrganizationId.eq(actor.org_id));
        if !statuses.is_empty() {
            q = q.filter(gift::Column::Status.is_in(statuses.iter().copied()));
        }
        crate::kernel::page::keyset(&self.db, q, gift::Column::Id, req).await
    }

    /// Gifts waiting for compliance, oldest first (LEGAL).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn pending_gifts(&self, actor: &Actor) -> Result<Vec<gift::Model>, AppError> {
        actor.authorize(Action::LegalView)?;
        Ok(gift::Entity::find()
            .filter(gift::Column::OrganizationId.eq(actor.org_id))
            .filter(gift::Column::Status.eq("PENDING_APPROVAL"))
            .order_by_asc(gift::Column::Id)
            .limit(200)
            .all(&self.db)
            .await?)
    }

    /// The gifts of a deal, shown with the deal and with its quotes and contracts, so that
    /// whoever approves its discounts (sales managers, finance) or its contract (legal) sees them
    /// without reading the opportunity itself. Callers pass a deal whose opportunity, quote or
    /// contract they already loaded under the caller's scope.
    #[tracing::instrument(skip_all)]
    pub async fn gifts_of(&self, org: Uuid, opportunity_id: Uuid) -> Result<Vec<gift::Model>, AppError> {
        Ok(gift::Entity::find()
            .filter(gift::Column::OrganizationId.eq(org))
            .filter(gift::Column::OpportunityId.eq(opportunity_id))
            .order_by_asc(gift::Column::Id)
            .all(&self.db)
            .await?)
    }
}

/// The gift `approveGift` (or `rejectGift`) would decide, locked on PostgreSQL, and the status
/// the decision gives it: the action's permission, the register's row of the organization,
/// and `decide`'s rules (waiting for approval, not decided by who recorded it).
pub(crate) async fn gift_decision<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
    approve: bool,
) -> Result<(gift::Model, GiftStatus), AppError> {
    actor.authorize(if approve { Action::ApproveGift } else { Action::RejectGift })?;
    let gift = gift::Entity::find_by_id(id)
        .filter(gift::Column::OrganizationId.eq(actor.org_id))
        .lock_exclusive()
        .one(db)
        .await?
        .ok_or(AppError::NotFound("gift"))?;
    let status = crate::kernel::error::stored(&gift.status, GiftStatus::parse, "gift status")?;
    let decided =
        gift_rules::decide(status, actor.user_id() == Some(gift.recorded_by), approve).map_err(AppError::Rule)?;
    Ok((gift, decided))
}
