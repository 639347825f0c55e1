//! Webhooks: the company's other systems hear what happened.
//!
//! A delivery is derived from the change's audit row, which is written in the change's own
//! transaction: the sealer, chaining committed audit rows under the organization's lock, writes
//! one delivery per subscribed webhook in the same transaction that seals the row. So a
//! committed change is always announced (its audit row is sealed sooner or later, on some
//! instance), a rolled-back one never is (it has no audit row), and each is announced once (a
//! row is sealed once; `(webhook, audit row)` is unique).
//!
//! Sending follows the outbox's claim, send, record: a delivery is claimed under a row lock
//! with a lease, sent holding no transaction, and its outcome recorded; another instance never
//! sends it while the lease runs. The receiver de-duplicates by `webhook-id` (a retry after a
//! crash mid-send is possible: delivery is at least once). Requests follow the Standard Webhooks
//! signature scheme.

use crate::kernel::hooks::{EVENTS, WAKE, events_of};
use crate::kernel::page::{Page, PageRequest};
use crate::kernel::tx::Versioned;
use crate::{Actor, App, AppError, kernel::audit};
use base64::Engine;
use baton_domain::permission::Action;
use baton_domain::text;
use baton_store::entity::{api_token, webhook, webhook_delivery};
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
    Set,
};
use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;
use uuid::Uuid;

/// Attempts before a delivery fails for good (and its webhook is paused).
pub const MAX_ATTEMPTS: i32 = 6;
/// How long a claimed delivery is someone's to send.
const SEND_LEASE: Duration = Duration::seconds(60);
/// The longest retry delay.
const MAX_BACKOFF_MS: u64 = 3_600_000;

/// Sends one signed request; infrastructure the server provides (an HTTP client that refuses
/// private addresses unless the webhook allows them).
pub trait WebhookTransport: Send + Sync {
    /// POSTs `body` with `headers` to `url`; the response's status code, or why nothing came back.
    fn post<'a>(
        &'a self,
        url: &'a str,
        headers: Vec<(String, String)>,
        body: String,
        allow_private_network: bool,
    ) -> Pin<Box<dyn Future<Output = Result<u16, String>> + Send + 'a>>;
}

/// True for an address a webhook may reach without the private-network allowance: not
/// loopback, private, link-local, shared (CGNAT), unspecified, broadcast, multicast or
/// documentation space (and the same for IPv4 inside IPv6).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1])))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80)
        }
    }
}

/// A new webhook as an ADMIN asks for it.
#[derive(Debug, Clone)]
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<String>,
    pub description: Option<String>,
    pub api_token_id: Option<Uuid>,
    pub allow_private_network: bool,
}

/// A webhook with its secret, shown once.
#[derive(Debug, Clone)]
pub struct WebhookWithSecret {
    pub webhook: webhook::Model,
    pub secret: String,
}

/// One attempt of a delivery.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub error: Option<String>,
}

/// The attempts of a delivery, oldest first.
pub fn attempts_of(d: &webhook_delivery::Model) -> Vec<Attempt> {
    serde_json::from_str(&d.history).unwrap_or_default()
}

fn new_secret() -> String {
    let mut key = Vec::with_capacity(32);
    key.extend_from_slice(Uuid::new_v4().as_bytes());
    key.extend_from_slice(Uuid::new_v4().as_bytes());
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(key))
}

/// The Standard Webhooks signature of a message: base64 HMAC-SHA256 over `id.timestamp.body`
/// with the secret's key (the base64 after `whsec_`).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    let key = secret
        .strip_prefix("whsec_")
        .and_then(|k| base64::engine::general_purpose::STANDARD.decode(k).ok())
        .unwrap_or_else(|| secret.as_bytes().to_vec());
    // HMAC takes a key of any length: this never fails.
    let Ok(mut mac) = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&key) else { return String::new() };
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Checks a webhook URL: absolute http(s) with a host; https only, and no private address
/// literal, unless the private network is allowed. Host names are checked when sent to.
fn check_url(url: &str, allow_private_network: bool) -> Result<String, AppError> {
    let url = url.trim();
    let bad = |m: &str| AppError::bad_input("url", m);
    let (scheme, rest) = url.split_once("://").ok_or_else(|| bad("is not an absolute URL"))?;
    let host_port = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host_port.is_empty() || host_port.contains('@') || url.len() > 2000 || url.chars().any(char::is_whitespace) {
        return Err(bad("needs a host (and no user name or password)"));
    }
    match scheme {
        "https" => {}
        "http" if allow_private_network => {}
        "http" => return Err(bad("must be https (http only with allowPrivateNetwork)")),
        _ => return Err(bad("must be an https URL")),
    }
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.rsplit_once(':').map_or(host_port, |(h, _)| h),
    };
    if let Ok(ip) = host.parse::<IpAddr>()
        && !is_public(ip)
        && !allow_private_network
    {
        return Err(bad("points at a private, loopback or link-local address"));
    }
    if !allow_private_network && (host.eq_ignore_ascii_case("localhost") || host.ends_with(".localhost")) {
        return Err(bad("points at a private, loopback or link-local address"));
    }
    Ok(url.to_owned())
}

impl App {
    /// `createWebhook` (ADMIN): the secret is shown once, in the answer.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn create_webhook(&self, actor: &Actor, new: NewWebhook) -> Result<WebhookWithSecret, AppError> {
        actor.authorize(Action::CreateWebhook)?;
        let url = check_url(&new.url, new.allow_private_network)?;
        if new.events.is_empty() {
            return Err(AppError::bad_input("events", "a webhook subscribes to at least one event"));
        }
        let mut events = Vec::new();
        for e in &new.events {
            if !EVENTS.iter().any(|d| d.name == e) {
                return Err(AppError::bad_input("events", format!("`{e}` is not an event")));
            }
            if !events.contains(e) {
                events.push(e.clone());
            }
        }
        let description =
            text::optional(new.description.as_deref(), text::LONG_TEXT_MAX).map_err(AppError::text("description"))?;
        let txn = self.tx().await?;
        if let Some(t) = new.api_token_id {
            api_token::Entity::find_by_id(t)
                .filter(api_token::Column::OrganizationId.eq(actor.org_id))
                .one(&txn)
                .await?
                .filter(|t| t.revoked_at.is_none())
                .ok_or(AppError::NotFound("API token"))?;
        }
        let secret = new_secret();
        let now = Utc::now();
        let w = webhook::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(actor.org_id),
            url: Set(url),
            events: Set(serde_json::to_string(&events).map_err(anyhow::Error::from)?),
            description: Set(description),
            secret: Set(secret.clone()),
            previous_secret: Set(None),
            previous_secret_until: Set(None),
            api_token_id: Set(new.api_token_id),
            allow_private_network: Set(new.allow_private_network),
            status: Set("ACTIVE".into()),
            consecutive_failures: Set(0),
            created_by: Set(actor.principal_id()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&txn)
        .await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new("createWebhook", "webhook", w.id, None::<&()>, Some(&snapshot(&w))),
        )
        .await?;
        Ok(WebhookWithSecret { webhook: w, secret })
    }

    /// `rotateWebhookSecret` (ADMIN): a new secret, shown once; the old one still signs (as a
    /// second signature) for `overlap_hours`.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn rotate_webhook_secret(
        &self,
        actor: &Actor,
        id: Uuid,
        overlap_hours: i32,
    ) -> Result<WebhookWithSecret, AppError> {
        actor.authorize(Action::CreateWebhook)?;
        if !(0..=168).contains(&overlap_hours) {
            return Err(AppError::bad_input("overlapHours", "must be between 0 and 168"));
        }
        let txn = self.tx().await?;
        let w = find_webhook(&txn, actor.org_id, id).await?;
        let secret = new_secret();
        let mut am = w.clone().into_active_model();
        am.previous_secret = Set(Some(w.secret.clone()));
        am.previous_secret_until = Set(Some(Utc::now() + Duration::hours(overlap_hours.into())));
        am.secret = Set(secret.clone());
        am.bump(w.version, Utc::now());
        let after = am.update(&txn).await?;
        let (b, a) = (snapshot(&w), snapshot(&after));
        audit::commit(txn, actor, audit::Entry::new("rotateWebhookSecret", "webhook", w.id, Some(&b), Some(&a)))
            .await?;
        Ok(WebhookWithSecret { webhook: after, secret })
    }

    /// The organization's webhooks (ADMIN).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn webhooks(&self, actor: &Actor) -> Result<Vec<webhook::Model>, AppError> {
        actor.authorize(Action::ReadWebhooks)?;
        Ok(webhook::Entity::find()
            .filter(webhook::Column::OrganizationId.eq(actor.org_id))
            .order_by_asc(webhook::Column::CreatedAt)
            .all(&self.db)
            .await?)
    }

    /// A webhook of the caller's organization (ADMIN).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn webhook(&self, actor: &Actor, id: Uuid) -> Result<webhook::Model, AppError> {
        actor.authorize(Action::ReadWebhooks)?;
        find_webhook(&self.db, actor.org_id, id).await
    }

    /// `webhookDeliveries` (ADMIN): a webhook's deliveries, newest first.
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn webhook_deliveries(
        &self,
        actor: &Actor,
        webhook_id: Uuid,
        status: Option<&str>,
        req: PageRequest,
    ) -> Result<Page<webhook_delivery::Model>, AppError> {
        actor.authorize(Action::ReadWebhooks)?;
        find_webhook(&self.db, actor.org_id, webhook_id).await?;
        let mut q = webhook_delivery::Entity::find().filter(webhook_delivery::Column::WebhookId.eq(webhook_id));
        if let Some(s) = status {
            q = q.filter(webhook_delivery::Column::Status.eq(s));
        }
        crate::kernel::page::keyset(&self.db, q, webhook_delivery::Column::Id, req).await
    }

    /// `redeliverWebhook` (ADMIN): sends a delivery again now (and resumes a paused webhook).
    #[tracing::instrument(skip_all, fields(org = %actor.org_id))]
    pub async fn redeliver_webhook(&self, actor: &Actor, id: Uuid) -> Result<webhook_delivery::Model, AppError> {
        actor.authorize(Action::RedeliverWebhook)?;
        let txn = self.tx().await?;
        let d = webhook_delivery::Entity::find_by_id(id)
            .filter(webhook_delivery::Column::OrganizationId.eq(actor.org_id))
            .lock_exclusive()
            .one(&txn)
            .await?
            .ok_or(AppError::NotFound("webhook delivery"))?;
        let w = find_webhook(&txn, actor.org_id, d.webhook_id).await?;
        if w.status != "ACTIVE" {
            let mut am = w.clone().into_active_model();
            am.status = Set("ACTIVE".into());
            am.consecutive_failures = Set(0);
            am.bump(w.version, Utc::now());
            am.update(&txn).await?;
        }
        let mut am = d.clone().into_active_model();
        am.status = Set("PENDING".into());
        am.attempts = Set(0);
        am.next_attempt_at = Set(Utc::now());
        let after = am.update(&txn).await?;
        audit::commit(
            txn,
            actor,
            audit::Entry::new("redeliverWebhook", "webhook_delivery", d.id, None::<&()>, None::<&()>),
        )
        .await?;
        WAKE.notify_one();
        Ok(after)
    }

    /// Sends every due delivery of an active webhook once: claim, send with no transaction
    /// open, record. A failure is retried after `base_ms` doubling per attempt (with jitter, at
    /// most an hour); after [`MAX_ATTEMPTS`] the delivery fails, its webhook is paused and the
    /// organization's ADMINs are notified. Returns (delivered, failed attempts).
    #[tracing::instrument(skip_all)]
    pub async fn deliver_webhooks(
        &self,
        transport: &dyn WebhookTransport,
        base_ms: u64,
    ) -> Result<(usize, usize), AppError> {
        let now = Utc::now();
        let due = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::Status.eq("PENDING"))
            .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
            .order_by_asc(webhook_delivery::Column::NextAttemptAt)
            .limit(100)
            .all(&self.db)
            .await?;
        let (mut delivered, mut failed) = (0, 0);
        for d in due {
            let Some((d, w)) = self.claim_delivery(d.id).await? else { continue };
            let timestamp = Utc::now().timestamp();
            let id = d.id.to_string();
            let mut signatures = vec![format!("v1,{}", sign(&w.secret, &id, timestamp, &d.payload))];
            if let (Some(old), Some(until)) = (&w.previous_secret, w.previous_secret_until)
                && until > Utc::now()
            {
                signatures.push(format!("v1,{}", sign(old, &id, timestamp, &d.payload)));
            }
            let headers = vec![
                ("content-type".to_owned(), "application/json".to_owned()),
                ("webhook-id".to_owned(), id),
                ("webhook-timestamp".to_owned(), timestamp.to_string()),
                ("webhook-signature".to_owned(), signatures.join(" ")),
            ];
            let outcome = transport.post(&w.url, headers, d.payload.clone(), w.allow_private_network).await;
            if matches!(outcome, Ok(code) if (200..300).contains(&code)) {
                delivered += 1;
            } else {
                failed += 1;
            }
            self.record_attempt(d, w, outcome, base_ms).await?;
        }
        Ok((delivered, failed))
    }

    /// Claims a due delivery of an active webhook under a lock: counts the attempt and leases it.
    async fn claim_delivery(&self, id: Uuid) -> Result<Option<(webhook_delivery::Model, webhook::Model)>, AppError> {
        let txn = self.tx().await?;
        let Some(d) = webhook_delivery::Entity::find_by_id(id).lock_exclusive().one(&txn).await? else {
            return Ok(None);
        };
        let now = Utc::now();
        if d.status != "PENDING" || d.next_attempt_at > now {
            return Ok(None);
        }
        let Some(w) = webhook::Entity::find_by_id(d.webhook_id).one(&txn).await? else { return Ok(None) };
        if w.status != "ACTIVE" {
            return Ok(None);
        }
        let mut am = d.clone().into_active_model();
        am.attempts = Set(d.attempts + 1);
        am.next_attempt_at = Set(now + SEND_LEASE);
        let claimed = am.update(&txn).await?;
        txn.commit().await?;
        Ok(Some((claimed, w)))
    }

    /// Records one attempt's outcome.
    async fn record_attempt(
        &self,
        d: webhook_delivery::Model,
        w: webhook::Model,
        outcome: Result<u16, String>,
        base_ms: u64,
    ) -> Result<(), AppError> {
        let now = Utc::now();
        let (code, error) = match &outcome {
            Ok(c) => (Some(i32::from(*c)), (!(200..300).contains(c)).then(|| format!("HTTP {c}"))),
            Err(e) => (None, Some(e.clone())),
        };
        let mut history = attempts_of(&d);
        history.push(Attempt { at: now, status_code: code, error: error.clone() });
        let txn = self.tx().await?;
        let mut am = d.clone().into_active_model();
        am.history = Set(serde_json::to_string(&history).map_err(anyhow::Error::from)?);
        am.last_status_code = Set(code);
        am.last_error = Set(error.clone());
        let mut hook = w.clone().into_active_model();
        if error.is_none() {
            am.status = Set("DELIVERED".into());
            am.delivered_at = Set(Some(now));
            hook.consecutive_failures = Set(0);
        } else if d.attempts >= MAX_ATTEMPTS {
            am.status = Set("FAILED".into());
            hook.status = Set("PAUSED".into());
            hook.consecutive_failures = Set(w.consecutive_failures + 1);
            let body = format!(
                "Webhook {} was paused: delivery {} failed {} times (last: {}). Fix the receiver, then redeliver.",
                w.url,
                d.id,
                d.attempts,
                error.as_deref().unwrap_or("")
            );
            for admin in admins(&txn, w.organization_id).await? {
                crate::kernel::notifications::notify(&txn, w.organization_id, admin, "Webhook paused", &body).await?;
            }
        } else {
            let exp = base_ms.saturating_mul(1u64 << (d.attempts - 1).clamp(0, 20)).min(MAX_BACKOFF_MS);
            // Jitter: between half and all of the delay, so retries of many receivers spread out.
            let jitter = (Uuid::new_v4().as_u128() % 1000) as u64;
            let delay = exp / 2 + exp / 2 * jitter / 1000;
            am.next_attempt_at = Set(now + Duration::milliseconds(i64::try_from(delay).unwrap_or(i64::MAX)));
            hook.consecutive_failures = Set(w.consecutive_failures + 1);
        }
        am.update(&txn).await?;
        if hook.is_changed() {
            hook.update(&txn).await?;
        }
        txn.commit().await?;
        Ok(())
    }

    /// Starts the deliverer: woken when deliveries are written, and every second for retries.
    pub fn spawn_webhook_deliverer(
        &self,
        transport: std::sync::Arc<dyn WebhookTransport>,
        base_ms: u64,
    ) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = WAKE.notified() => {}
                    _ = tokio::time::sleep(std::time::Duration::from_secs(1)) => {}
                }
                if let Err(e) = app.deliver_webhooks(transport.as_ref(), base_ms).await {
                    tracing::warn!(error = %crate::kernel::error::chain(&e), "delivering webhooks failed; retrying");
                    tokio::time::sleep(std::time::Duration::from_secs(5)).await;
                }
            }
        })
    }
}

/// What the audit log records of a webhook: never its secret.
fn snapshot(w: &webhook::Model) -> serde_json::Value {
    serde_json::json!({
        "shape": 1,
        "url": w.url,
        "events": events_of(w),
        "description": w.description,
        "apiTokenId": w.api_token_id,
        "allowPrivateNetwork": w.allow_private_network,
        "status": w.status,
        "version": w.version,
    })
}

async fn find_webhook<C: ConnectionTrait>(db: &C, org: Uuid, id: Uuid) -> Result<webhook::Model, AppError> {
    webhook::Entity::find_by_id(id)
        .filter(webhook::Column::OrganizationId.eq(org))
        .one(db)
        .await?
        .ok_or(AppError::NotFound("webhook"))
}

async fn admins<C: ConnectionTrait>(db: &C, org: Uuid) -> Result<Vec<Uuid>, AppError> {
    Ok(crate::kernel::auth::holders_of(org, &[baton_domain::Role::Admin])
        .all(db)
        .await?
        .into_iter()
        .map(|u| u.id)
        .collect())
}
