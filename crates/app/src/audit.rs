//! Audit rows, written in the same transaction as the change they describe.

use crate::Actor;
use crate::actor::Principal;
use baton_store::entity::audit_log;
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use serde::Serialize;
use uuid::Uuid;

/// Who acted, for the audit log.
#[derive(Debug, Clone, Copy)]
pub struct AuditActor {
    pub id: Option<Uuid>,
    pub kind: &'static str,
}

impl From<&Actor> for AuditActor {
    fn from(a: &Actor) -> Self {
        match a.principal {
            Principal::User(id) => AuditActor { id: Some(id), kind: "user" },
            Principal::ApiToken(id) => AuditActor { id: Some(id), kind: "api_token" },
        }
    }
}

impl AuditActor {
    /// Operator commands run from the command line (`baton org create`, `baton seed`).
    pub const SYSTEM: AuditActor = AuditActor { id: None, kind: "system" };
}

fn snapshot<T: Serialize>(v: Option<&T>) -> Option<serde_json::Value> {
    v.and_then(|v| serde_json::to_value(v).ok())
}

/// Writes one audit row: who did what to which entity, with before/after snapshots.
#[allow(clippy::too_many_arguments)] // each argument is one column of the row; a struct would only rename them
pub async fn record<C: ConnectionTrait, B: Serialize, A: Serialize>(
    conn: &C,
    org_id: Uuid,
    actor: impl Into<AuditActor>,
    action: &str,
    entity_type: &str,
    entity_id: Uuid,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<(), DbErr> {
    let actor = actor.into();
    audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(org_id),
        actor_id: Set(actor.id),
        actor_kind: Set(actor.kind.to_owned()),
        action: Set(action.to_owned()),
        entity_type: Set(entity_type.to_owned()),
        entity_id: Set(entity_id),
        before: Set(snapshot(before)),
        after: Set(snapshot(after)),
        request_id: Set(None),
        created_at: Set(Utc::now()),
    }
    .insert(conn)
    .await
    .map(|_| ())
}
