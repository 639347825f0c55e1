//! Shared object types: ids, money, users and teams.

use crate::kernel::enums::*;
use crate::kernel::loaders::loaders;
use crate::kernel::scalars::{Decimal, Timestamp};
use crate::{Gql, app};
use async_graphql::{Context, ID, InputObject, Object, Result, SimpleObject};
use baton_app::entity::{team, user};
use baton_app::kernel::money::amount_of;

/// Formats an id for the API.
pub fn id(u: uuid::Uuid) -> ID {
    ID(u.to_string())
}

/// An amount of money in a currency.
#[derive(SimpleObject, Clone, Debug)]
pub struct Money {
    /// The amount at the currency's minor digits, a decimal string such as "1200.50" (USD) or "1200" (JPY).
    pub amount: Decimal,
    /// The ISO-4217 currency code, such as "USD".
    pub currency: String,
}

impl Money {
    pub fn from_minor(minor: i64, currency: &str) -> Self {
        Money { amount: Decimal(amount_of(minor, currency)), currency: currency.to_owned() }
    }
}

pub(crate) async fn load_user(ctx: &Context<'_>, id: Option<uuid::Uuid>) -> Result<Option<User>> {
    let Some(id) = id else { return Ok(None) };
    Ok(loaders(ctx)?.users.load_one(id).await?.map(User))
}

/// A person who works in the organization.
pub struct User(pub user::Model);

/// A person who works in the organization.
#[Object]
impl User {
    /// When the user last changed (for delta sync: lists take `updatedSince`).
    async fn updated_at(&self) -> Timestamp {
        self.0.updated_at.into()
    }
    /// The user's id.
    pub(crate) async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The login e-mail address, unique across organizations.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// The roles the user holds now.
    async fn roles(&self, ctx: &Context<'_>) -> Result<Vec<Role>> {
        Ok(app(ctx).roles(self.0.id).await.gql()?.into_iter().map(Role::from).collect())
    }
    /// The organization's custom roles the user holds (not retired).
    async fn custom_roles(&self, ctx: &Context<'_>) -> Result<Vec<crate::admin::roles::CustomRole>> {
        let rows = app(ctx).custom_roles_of(self.0.organization_id, self.0.id).await.gql()?;
        Ok(rows.into_iter().filter(|r| r.retired_at.is_none()).map(crate::admin::roles::CustomRole).collect())
    }
    /// False once an administrator deactivated the user; its tokens no longer work.
    async fn active(&self) -> bool {
        self.0.active
    }
    /// The first team the user belongs to.
    async fn team(&self, ctx: &Context<'_>) -> Result<Option<Team>> {
        Ok(app(ctx).team_of(self.0.organization_id, self.0.id).await.gql()?.map(Team))
    }
    /// Incremented on every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the user was created.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
}

/// A sales team with its manager.
pub struct Team(pub team::Model);

/// A sales team with its manager.
#[Object]
impl Team {
    /// The team's id.
    pub(crate) async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The team's name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// Direct, channel or key account.
    async fn kind(&self) -> TeamKind {
        TeamKind::parse(&self.0.kind)
    }
    /// The manager, who sees the team's leads and pipeline.
    async fn manager(&self, ctx: &Context<'_>) -> Result<Option<User>> {
        load_user(ctx, Some(self.0.manager_id)).await
    }
    /// The members of the team.
    async fn members(&self, ctx: &Context<'_>) -> Result<Vec<User>> {
        Ok(app(ctx).team_members(self.0.organization_id, self.0.id).await.gql()?.into_iter().map(User).collect())
    }
}

/// An amount of money.
#[derive(InputObject)]
pub struct MoneyInput {
    /// The amount, a decimal string with at most the currency's minor digits, such as "1200.50" (USD) or "1200" (JPY).
    pub amount: Decimal,
    /// The ISO-4217 currency code, such as "USD".
    pub currency: String,
}
