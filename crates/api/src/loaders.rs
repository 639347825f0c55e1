//! Per-request batch loaders, so lists never issue one query per row.

use async_graphql::dataloader::{DataLoader, Loader};
use baton_app::entity::{account, user};
use baton_app::{App, AppError};
use std::collections::HashMap;
use uuid::Uuid;

/// Loads users of one organization by id.
pub struct UserLoader {
    pub app: App,
    pub org: Uuid,
}

impl Loader<Uuid> for UserLoader {
    type Value = user::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = self.app.users_by_ids(self.org, keys).await.map_err(crate::to_gql)?;
        Ok(rows.into_iter().map(|u| (u.id, u)).collect())
    }
}

/// Loads accounts of one organization by id. Callers load only ids of rows they already
/// authorized (an opportunity's account).
pub struct AccountLoader {
    pub app: App,
    pub org: Uuid,
}

impl Loader<Uuid> for AccountLoader {
    type Value = account::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[Uuid]) -> Result<HashMap<Uuid, Self::Value>, Self::Error> {
        let rows = self.app.accounts_by_ids(self.org, keys).await.map_err(crate::to_gql)?;
        Ok(rows.into_iter().map(|a| (a.id, a)).collect())
    }
}

/// Adds this request's loaders, bound to the caller's organization.
pub fn attach(req: async_graphql::Request, app: &App, org: Uuid) -> async_graphql::Request {
    req.data(DataLoader::new(UserLoader { app: app.clone(), org }, tokio::spawn))
        .data(DataLoader::new(AccountLoader { app: app.clone(), org }, tokio::spawn))
}

/// Turns a missing loader (a schema used without [`attach`]) into an internal error.
pub fn missing() -> async_graphql::Error {
    crate::to_gql(AppError::Internal(anyhow_free("request loaders are missing")))
}

fn anyhow_free(msg: &'static str) -> anyhow::Error {
    anyhow::Error::msg(msg)
}
