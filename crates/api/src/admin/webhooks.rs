//! Webhooks: subscriptions, deliveries and redelivery (ADMIN).

use crate::id_arg;
use crate::kernel::connection::Conn;
use crate::kernel::connection::connection;
use crate::kernel::connection::page_request;
use crate::kernel::scalars::Timestamp;
use crate::kernel::types::id;
use crate::{Gql, actor, app};
use async_graphql::{Context, Enum, ID, Object, Result, SimpleObject};
use baton_app::admin::webhooks;
use baton_app::entity::{webhook, webhook_delivery};

/// An event a webhook can subscribe to; the payload's `type` is its wire name (`lead.created`).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum WebhookEvent {
    /// `lead.created`: a lead was captured.
    LeadCreated,
    /// `opportunity.stage_changed`: an opportunity moved to another stage.
    OpportunityStageChanged,
    /// `contract.submitted`: a contract went to legal review.
    ContractSubmitted,
    /// `contract.approved`: legal approved a contract version.
    ContractApproved,
    /// `contract.signed`: a contract was signed.
    ContractSigned,
    /// `invoice.issued`: an invoice was issued.
    InvoiceIssued,
    /// `invoice.paid`: a payment settled an invoice in full.
    InvoicePaid,
    /// `handoff.accepted`: customer success took a customer over.
    HandoffAccepted,
    /// `gift.pending`: a gift entry waits for legal's decision.
    GiftPending,
}

impl WebhookEvent {
    const ALL: [(WebhookEvent, &'static str); 9] = [
        (WebhookEvent::LeadCreated, "lead.created"),
        (WebhookEvent::OpportunityStageChanged, "opportunity.stage_changed"),
        (WebhookEvent::ContractSubmitted, "contract.submitted"),
        (WebhookEvent::ContractApproved, "contract.approved"),
        (WebhookEvent::ContractSigned, "contract.signed"),
        (WebhookEvent::InvoiceIssued, "invoice.issued"),
        (WebhookEvent::InvoicePaid, "invoice.paid"),
        (WebhookEvent::HandoffAccepted, "handoff.accepted"),
        (WebhookEvent::GiftPending, "gift.pending"),
    ];

    fn wire(self) -> &'static str {
        Self::ALL.iter().find(|(e, _)| *e == self).map(|(_, w)| *w).unwrap_or("")
    }

    fn from_wire(w: &str) -> Option<Self> {
        Self::ALL.iter().find(|(_, x)| *x == w).map(|(e, _)| *e)
    }
}

/// Where a delivery stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum WebhookDeliveryStatus {
    /// Waiting for its first or next attempt.
    Pending,
    /// The receiver answered 2xx.
    Delivered,
    /// Every attempt failed; the webhook was paused.
    Failed,
}

impl WebhookDeliveryStatus {
    fn as_str(self) -> &'static str {
        match self {
            WebhookDeliveryStatus::Pending => "PENDING",
            WebhookDeliveryStatus::Delivered => "DELIVERED",
            WebhookDeliveryStatus::Failed => "FAILED",
        }
    }
}

/// Where a webhook stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum WebhookStatus {
    /// Deliveries are sent.
    Active,
    /// Paused after a delivery failed every attempt; `redeliverWebhook` resumes it.
    Paused,
}

/// A subscription of another system to Baton's events.
pub struct Webhook(pub webhook::Model);

/// A subscription of another system to Baton's events.
#[Object]
impl Webhook {
    /// The webhook's id.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// Where deliveries are POSTed.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// The events it receives.
    async fn events(&self) -> Vec<WebhookEvent> {
        baton_app::kernel::hooks::events_of(&self.0).iter().filter_map(|e| WebhookEvent::from_wire(e)).collect()
    }
    /// What it is for.
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// Active or paused.
    async fn status(&self) -> WebhookStatus {
        if self.0.status == "ACTIVE" { WebhookStatus::Active } else { WebhookStatus::Paused }
    }
    /// The API token whose reads decide what the payloads carry; without one a payload carries only the event and the changed object's id.
    async fn api_token_id(&self) -> Option<ID> {
        self.0.api_token_id.map(id)
    }
    /// True when http and private, loopback or link-local addresses are allowed.
    async fn allow_private_network(&self) -> bool {
        self.0.allow_private_network
    }
    /// Failed attempts since the last success.
    async fn consecutive_failures(&self) -> i32 {
        self.0.consecutive_failures
    }
    /// Incremented on every change.
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// When the webhook was created.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
}

/// A webhook with its signing secret, shown only in this answer.
#[derive(SimpleObject)]
pub struct WebhookPayload {
    /// The webhook.
    pub webhook: Webhook,
    /// The signing secret (`whsec_` and base64, as Standard Webhooks has it); keep it, it is not shown again.
    pub secret: String,
}

/// One attempt to deliver.
#[derive(SimpleObject)]
pub struct WebhookAttempt {
    /// When it was made.
    pub at: Timestamp,
    /// The receiver's HTTP status code; null when none came back.
    pub status_code: Option<i32>,
    /// What went wrong; null for a 2xx answer.
    pub error: Option<String>,
}

/// One event announced to one webhook, with its attempts.
pub struct WebhookDelivery(pub webhook_delivery::Model);

/// One event announced to one webhook, with its attempts.
#[Object]
impl WebhookDelivery {
    /// The delivery's id, sent as `webhook-id` for de-duplication.
    async fn id(&self) -> ID {
        id(self.0.id)
    }
    /// The webhook.
    async fn webhook_id(&self) -> ID {
        id(self.0.webhook_id)
    }
    /// The event.
    async fn event(&self) -> Option<WebhookEvent> {
        WebhookEvent::from_wire(&self.0.event)
    }
    /// Where it stands.
    async fn status(&self) -> WebhookDeliveryStatus {
        match self.0.status.as_str() {
            "DELIVERED" => WebhookDeliveryStatus::Delivered,
            "FAILED" => WebhookDeliveryStatus::Failed,
            _ => WebhookDeliveryStatus::Pending,
        }
    }
    /// The JSON body sent.
    async fn payload(&self) -> &str {
        &self.0.payload
    }
    /// Its attempts, oldest first, with the receiver's status codes.
    async fn attempts(&self) -> Vec<WebhookAttempt> {
        webhooks::attempts_of(&self.0)
            .into_iter()
            .map(|a| WebhookAttempt { at: a.at.into(), status_code: a.status_code, error: a.error })
            .collect()
    }
    /// The last status code received.
    async fn last_status_code(&self) -> Option<i32> {
        self.0.last_status_code
    }
    /// When the next attempt is due (while pending).
    async fn next_attempt_at(&self) -> Option<Timestamp> {
        (self.0.status == "PENDING").then_some(self.0.next_attempt_at).map(Timestamp)
    }
    /// When the receiver accepted it.
    async fn delivered_at(&self) -> Option<Timestamp> {
        self.0.delivered_at.map(Timestamp)
    }
    /// When the change was announced.
    async fn created_at(&self) -> Timestamp {
        self.0.created_at.into()
    }
}

/// `webhooks` and `webhookDeliveries`.
#[derive(Default)]
pub struct WebhookQuery;

#[Object]
impl WebhookQuery {
    /// The organization's webhooks (ADMIN).
    async fn webhooks(&self, ctx: &Context<'_>) -> Result<Vec<Webhook>> {
        Ok(app(ctx).webhooks(actor(ctx)?).await.gql()?.into_iter().map(Webhook).collect())
    }

    /// A webhook's deliveries, newest first, with their attempts (ADMIN).
    #[graphql(complexity = "first.unwrap_or(20).max(0) as usize * child_complexity")]
    async fn webhook_deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook.")] webhook_id: ID,
        #[graphql(desc = "Only deliveries in this status.")] status: Option<WebhookDeliveryStatus>,
        #[graphql(desc = "Page size: default 20, at most 100.")] first: Option<i32>,
        #[graphql(desc = "The cursor after which the page starts.")] after: Option<String>,
    ) -> Result<Conn<WebhookDelivery>> {
        let req = page_request(ctx, first, after.as_deref())?;
        let w = id_arg("webhookId", &webhook_id)?;
        let page =
            app(ctx).webhook_deliveries(actor(ctx)?, w, status.map(WebhookDeliveryStatus::as_str), req).await.gql()?;
        Ok(connection(page, |d| d.id, WebhookDelivery))
    }
}

/// Creating webhooks, rotating their secrets, redelivering.
#[derive(Default)]
pub struct WebhookMutation;

#[Object]
impl WebhookMutation {
    /// Subscribes a URL to events (ADMIN); the signing secret is in the answer, once. Only https, and never a private, loopback or link-local address, unless `allowPrivateNetwork`.
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Where deliveries are POSTed.")] url: String,
        #[graphql(desc = "The events to receive.")] events: Vec<WebhookEvent>,
        #[graphql(desc = "What the webhook is for.")] description: Option<String>,
        #[graphql(desc = "The API token whose reads decide what payloads carry.")] api_token_id: Option<ID>,
        #[graphql(desc = "Allow http and private network addresses (for receivers inside the company network).")]
        allow_private_network: Option<bool>,
    ) -> Result<WebhookPayload> {
        let a = actor(ctx)?;
        let new = webhooks::NewWebhook {
            url,
            events: events.into_iter().map(|e| e.wire().to_owned()).collect(),
            description,
            api_token_id: api_token_id.as_ref().map(|t| id_arg("apiTokenId", t)).transpose()?,
            allow_private_network: allow_private_network.unwrap_or(false),
        };
        let w = app(ctx).create_webhook(a, new).await.gql()?;
        Ok(WebhookPayload { webhook: Webhook(w.webhook), secret: w.secret })
    }

    /// Gives a webhook a new secret (ADMIN), shown once; the old one keeps signing, as a second signature, for `overlapHours`.
    async fn rotate_webhook_secret(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook.")] webhook_id: ID,
        #[graphql(desc = "Hours the old secret still signs (0 to 168).")] overlap_hours: i32,
    ) -> Result<WebhookPayload> {
        let a = actor(ctx)?;
        let w = app(ctx).rotate_webhook_secret(a, id_arg("webhookId", &webhook_id)?, overlap_hours).await.gql()?;
        Ok(WebhookPayload { webhook: Webhook(w.webhook), secret: w.secret })
    }

    /// Sends a delivery again now (ADMIN), resuming its webhook if it was paused.
    async fn redeliver_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The delivery.")] delivery_id: ID,
    ) -> Result<WebhookDelivery> {
        let a = actor(ctx)?;
        Ok(WebhookDelivery(app(ctx).redeliver_webhook(a, id_arg("deliveryId", &delivery_id)?).await.gql()?))
    }
}
