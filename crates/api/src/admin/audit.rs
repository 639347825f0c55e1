//! The `auditLog` query.

use crate::id_arg;
use crate::kernel::connection::Conn;
use crate::kernel::connection::connection;
use crate::kernel::scalars::Timestamp;
use crate::kernel::types::id;
use crate::{Gql, actor, app};
use async_graphql::{Context, ID, Object, Result};
use baton_app::entity::{audit_log, audit_payload};
use baton_app::kernel::audit::AuditFilter;

/// One audit row: who did what to which object, when, with the snapshots before and after.
pub struct AuditEntry(pub audit_log::Model, pub Option<audit_payload::Model>);

/// One audit row: who did what to which object, when, with the snapshots before and after.
#[Object]
impl AuditEntry {
    /// The row's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Its place in the organization's chain.
    async fn seq(&self) -> Option<i64> {
        self.0.seq
    }
    /// When.
    async fn at(&self) -> Timestamp {
        self.0.created_at.into()
    }
    /// Who acted: user, api_token or system.
    async fn actor_kind(&self) -> &str {
        &self.0.actor_kind
    }
    /// The user or API token that acted.
    async fn actor_id(&self) -> Option<ID> {
        self.0.actor_id.map(id)
    }
    /// The mutation or job.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// The kind of object.
    async fn entity_type(&self) -> &str {
        &self.0.entity_type
    }
    /// The object's id.
    async fn entity_id(&self) -> ID {
        id(self.0.entity_id)
    }
    /// The object before the change (null once erased).
    async fn before(&self) -> Option<async_graphql::Json<serde_json::Value>> {
        self.1.as_ref().and_then(|p| p.before.clone()).map(async_graphql::Json)
    }
    /// The object after the change (null once erased).
    async fn after(&self) -> Option<async_graphql::Json<serde_json::Value>> {
        self.1.as_ref().and_then(|p| p.after.clone()).map(async_graphql::Json)
    }
    /// The row's hash in the chain.
    async fn hash(&self) -> Option<&str> {
        self.0.hash.as_deref()
    }
}

/// The filters of `auditLog` and `exportAuditLog`, parsed.
pub fn audit_filter(
    actor_id: Option<ID>,
    entity_id: Option<ID>,
    action: Option<String>,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
) -> Result<AuditFilter> {
    Ok(AuditFilter {
        actor_id: actor_id.as_ref().map(|x| id_arg("actorId", x)).transpose()?,
        entity_id: entity_id.as_ref().map(|x| id_arg("entityId", x)).transpose()?,
        action,
        from: from.map(Into::into),
        to: to.map(Into::into),
    })
}

/// Builds the `auditLog` page.
#[allow(clippy::too_many_arguments)] // the query's filters
pub async fn audit_log(
    ctx: &Context<'_>,
    actor_id: Option<ID>,
    entity_id: Option<ID>,
    action: Option<String>,
    from: Option<Timestamp>,
    to: Option<Timestamp>,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Conn<AuditEntry>> {
    let a = actor(ctx)?;
    let req = crate::kernel::connection::page_request(ctx, first, after.as_deref())?;
    let filter = audit_filter(actor_id, entity_id, action, from, to)?;
    let page = app(ctx).audit_entries(a, filter, req).await.gql()?;
    Ok(connection(page, |(r, _)| r.id, |(r, p)| AuditEntry(r, p)))
}
