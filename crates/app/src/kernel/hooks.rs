//! The webhook event catalogue and its fan-out: the audit sealer turns each sealed row into
//! one delivery per subscribed webhook, in the sealing transaction (`admin::webhooks` manages
//! the subscriptions and sends the deliveries).

use crate::{Actor, AppError};
use baton_domain::permission::{Action, Scope};
use baton_store::entity::{api_token, audit_log, audit_payload, webhook, webhook_delivery};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use uuid::Uuid;

/// An event a webhook can subscribe to: its wire name, the audited action and entity it comes
/// from, a condition on the change's `after` snapshot, the read that lets the webhook's API
/// token see the object in the payload, and the object's GraphQL type (whose field rules the
/// payload follows).
pub struct EventDef {
    pub name: &'static str,
    action: &'static str,
    entity: &'static str,
    when: Option<(&'static str, &'static str)>,
    read: Option<Action>,
    type_name: &'static str,
}

pub const EVENTS: &[EventDef] = &[
    EventDef {
        name: "lead.created",
        action: "createLead",
        entity: "lead",
        when: None,
        read: Some(Action::ReadLead),
        type_name: "Lead",
    },
    EventDef {
        name: "opportunity.stage_changed",
        action: "moveOpportunity",
        entity: "opportunity",
        when: None,
        read: Some(Action::ReadOpportunity),
        type_name: "Opportunity",
    },
    EventDef {
        name: "contract.submitted",
        action: "submitContractForReview",
        entity: "contract",
        when: None,
        read: Some(Action::ReadContract),
        type_name: "Contract",
    },
    EventDef {
        name: "contract.approved",
        action: "approveContract",
        entity: "contract",
        when: None,
        read: Some(Action::ReadContract),
        type_name: "Contract",
    },
    EventDef {
        name: "contract.signed",
        action: "signContract",
        entity: "contract",
        when: None,
        read: Some(Action::ReadContract),
        type_name: "Contract",
    },
    EventDef {
        name: "invoice.issued",
        action: "issueInvoice",
        entity: "invoice",
        when: None,
        read: Some(Action::ReadInvoice),
        type_name: "Invoice",
    },
    EventDef {
        name: "invoice.paid",
        action: "recordPayment",
        entity: "invoice",
        when: Some(("status", "PAID")),
        read: Some(Action::ReadInvoice),
        type_name: "Invoice",
    },
    EventDef {
        name: "handoff.accepted",
        action: "acceptHandoff",
        entity: "handoff_package",
        when: None,
        read: Some(Action::ReadHandoffPackage),
        type_name: "HandoffPackage",
    },
    EventDef {
        name: "gift.pending",
        action: "recordGift",
        entity: "gift",
        when: Some(("status", "PENDING")),
        read: None,
        type_name: "Gift",
    },
];

/// The events a webhook subscribes to.
pub fn events_of(w: &webhook::Model) -> Vec<String> {
    serde_json::from_str(&w.events).unwrap_or_default()
}

/// Writes the deliveries of freshly sealed audit rows (called by the sealer in its transaction).
pub(crate) async fn fan_out(
    txn: &DatabaseTransaction,
    org: Uuid,
    rows: &[(audit_log::Model, i64)],
) -> Result<(), sea_orm::DbErr> {
    let relevant: Vec<&(audit_log::Model, i64)> =
        rows.iter().filter(|(r, _)| EVENTS.iter().any(|e| e.action == r.action && e.entity == r.entity_type)).collect();
    if relevant.is_empty() {
        return Ok(());
    }
    let hooks = webhook::Entity::find()
        .filter(webhook::Column::OrganizationId.eq(org))
        .filter(webhook::Column::Status.eq("ACTIVE"))
        .all(txn)
        .await?;
    if hooks.is_empty() {
        return Ok(());
    }
    let ids: Vec<Uuid> = relevant.iter().map(|(r, _)| r.id).collect();
    let payloads: std::collections::HashMap<Uuid, serde_json::Value> = audit_payload::Entity::find()
        .filter(audit_payload::Column::AuditId.is_in(ids))
        .all(txn)
        .await?
        .into_iter()
        .map(|p| (p.audit_id, p.after.unwrap_or(serde_json::Value::Null)))
        .collect();
    let mut readers = std::collections::HashMap::new();
    for h in &hooks {
        readers.insert(h.id, token_reader(txn, h).await.map_err(|e| sea_orm::DbErr::Custom(e.to_string()))?);
    }
    let now = Utc::now();
    for (row, seq) in relevant {
        let after = payloads.get(&row.id).cloned().unwrap_or(serde_json::Value::Null);
        let Some(def) = EVENTS.iter().find(|e| {
            e.action == row.action
                && e.entity == row.entity_type
                && e.when.is_none_or(|(k, v)| after.get(k).and_then(|x| x.as_str()) == Some(v))
        }) else {
            continue;
        };
        for h in hooks.iter().filter(|h| events_of(h).iter().any(|e| e == def.name)) {
            let object = readers.get(&h.id).and_then(Option::as_ref).and_then(|r| visible_object(r, def, &after));
            let id = Uuid::now_v7();
            let body = serde_json::json!({
                "id": id,
                "type": def.name,
                "timestamp": row.created_at,
                "data": {
                    "entityType": row.entity_type,
                    "entityId": row.entity_id,
                    "auditSeq": seq,
                    "object": object,
                },
            });
            webhook_delivery::ActiveModel {
                id: Set(id),
                organization_id: Set(org),
                webhook_id: Set(h.id),
                audit_id: Set(row.id),
                event: Set(def.name.to_owned()),
                payload: Set(body.to_string()),
                status: Set("PENDING".into()),
                attempts: Set(0),
                next_attempt_at: Set(now),
                last_status_code: Set(None),
                last_error: Set(None),
                history: Set("[]".into()),
                delivered_at: Set(None),
                created_at: Set(now),
            }
            .insert(txn)
            .await?;
        }
    }
    WAKE.notify_one();
    Ok(())
}

/// Wakes the deliverer when the sealer wrote deliveries.
pub static WAKE: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// The webhook's API token as it reads now (none without a token, or when it is revoked).
async fn token_reader<C: ConnectionTrait>(db: &C, h: &webhook::Model) -> Result<Option<Actor>, AppError> {
    let Some(token_id) = h.api_token_id else { return Ok(None) };
    let Some(token) = api_token::Entity::find_by_id(token_id).one(db).await? else { return Ok(None) };
    if token.revoked_at.is_some() {
        return Ok(None);
    }
    Ok(Some(crate::kernel::auth::actor_for_token(db, &token).await?))
}

/// The changed object as the webhook's token may see it: only when the token reads the kind
/// across the organization (a token owns nothing, so a narrower scope reaches nothing), and
/// then only the fields its roles read. A field the token's custom roles do not read is left
/// out, so a payload never carries a value its receiver could not read through the API.
pub fn visible_object(reader: &Actor, def: &EventDef, after: &serde_json::Value) -> Option<serde_json::Value> {
    let read = def.read?;
    if reader.permission(read) != Ok(Scope::Org) {
        return None;
    }
    let serde_json::Value::Object(fields) = after else { return Some(after.clone()) };
    let kept = fields
        .iter()
        .filter(|(key, _)| readable_key(reader, def.type_name, key))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Some(serde_json::Value::Object(kept))
}

/// True when a snapshot's column (`contact_phone`) is a field the reader reads: its GraphQL
/// field (`contactPhone`), or for a reference (`owner_id`) the field it links (`owner`). The
/// id is always readable; a column with no field of its name is kept only when the type is not
/// restricted at all.
fn readable_key(reader: &Actor, type_name: &str, key: &str) -> bool {
    key == "id"
        || reader.may_read_field(type_name, &camel(key))
        || key.strip_suffix("_id").is_some_and(|k| reader.may_read_field(type_name, &camel(k)))
}

/// `contact_phone` as `contactPhone`.
fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}
