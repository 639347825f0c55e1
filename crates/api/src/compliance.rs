//! The gifts and hospitality register.

use crate::mutation::MoneyInput;
use crate::types::{Money, User, id, load_user};
use crate::{Gql, actor, app};
use async_graphql::{Context, ID, InputObject, Object, Result};
use baton_app::compliance::GiftInput;
use baton_app::entity::gift;
use baton_app::parse_id;
use chrono::{DateTime, Utc};

fn id_arg(field: &str, id: &ID) -> Result<uuid::Uuid> {
    parse_id(field, id).gql()
}

/// A gift or hospitality given or received.
pub struct Gift(pub gift::Model);

/// A gift or hospitality given or received.
#[Object]
impl Gift {
    /// The entry's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// GIVEN or RECEIVED.
    async fn direction(&self) -> &str {
        &self.0.direction
    }
    /// What it was.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// Its value.
    async fn value(&self) -> Money {
        Money::from_minor(self.0.value_minor, &self.0.currency)
    }
    /// The business purpose.
    async fn purpose(&self) -> &str {
        &self.0.purpose
    }
    /// RECORDED (under the threshold), PENDING_APPROVAL, APPROVED or REJECTED.
    async fn status(&self) -> &str {
        &self.0.status
    }
    /// The counterpart account.
    async fn account_id(&self) -> ID {
        id(self.0.account_id)
    }
    /// The deal it relates to.
    async fn opportunity_id(&self) -> Option<ID> {
        self.0.opportunity_id.map(id)
    }
    /// Who recorded it.
    async fn recorded_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, Some(self.0.recorded_by)).await
    }
    /// Who approved or rejected it.
    async fn decided_by(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, self.0.decided_by).await
    }
    /// When it was recorded.
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

/// A gift or hospitality to record.
#[derive(InputObject)]
#[graphql(name = "GiftInput")]
pub struct GiftInputGql {
    /// True when the company gives it, false when it receives it.
    pub given: bool,
    /// What it is.
    pub description: String,
    /// Its value.
    pub value: MoneyInput,
    /// The counterpart account.
    pub account_id: ID,
    /// The deal it relates to.
    pub opportunity_id: Option<ID>,
    /// The business purpose.
    pub purpose: String,
}

/// Compliance mutations.
#[derive(Default)]
pub struct ComplianceMutation;

#[Object]
impl ComplianceMutation {
    /// Records a gift or hospitality; above the organization's threshold it needs compliance approval before it is given.
    async fn record_gift(&self, ctx: &Context<'_>, #[graphql(desc = "The gift.")] input: GiftInputGql) -> Result<Gift> {
        let a = actor(ctx)?;
        let g = GiftInput {
            given: input.given,
            description: input.description,
            value: input.value.amount.0,
            currency: input.value.currency,
            account_id: id_arg("accountId", &input.account_id)?,
            opportunity_id: input.opportunity_id.as_ref().map(|o| id_arg("opportunityId", o)).transpose()?,
            purpose: input.purpose,
        };
        Ok(Gift(app(ctx).record_gift(a, g).await.gql()?))
    }

    /// Approves a gift waiting for compliance (LEGAL); never one the approver recorded.
    async fn approve_gift(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The gift.")] gift_id: ID,
        #[graphql(desc = "A note.")] note: Option<String>,
    ) -> Result<Gift> {
        let a = actor(ctx)?;
        let id = id_arg("giftId", &gift_id)?;
        Ok(Gift(app(ctx).decide_gift(a, id, true, note).await.gql()?))
    }

    /// Rejects a gift waiting for compliance (LEGAL): it may not be given.
    async fn reject_gift(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The gift.")] gift_id: ID,
        #[graphql(desc = "Why.")] note: Option<String>,
    ) -> Result<Gift> {
        let a = actor(ctx)?;
        let id = id_arg("giftId", &gift_id)?;
        Ok(Gift(app(ctx).decide_gift(a, id, false, note).await.gql()?))
    }
}
