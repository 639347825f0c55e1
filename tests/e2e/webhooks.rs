//! Webhooks end to end: a receiver on loopback gets signed deliveries, exactly once across two
//! instances and a restart mid-delivery; a failing receiver is retried, then the webhook is
//! paused and the ADMIN told.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine;
use baton_tests::flow;
use baton_tests::*;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the receiver got: its headers of interest and body.
#[derive(Clone, Debug)]
struct Received {
    id: String,
    timestamp: String,
    signature: String,
    body: Value,
    raw: String,
}

/// A webhook receiver on 127.0.0.1 answering with a status code the test sets.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Received>>>,
    status: Arc<AtomicU16>,
    /// When set, the next request is taken in and never answered (a minute's wait).
    hold_next: Arc<AtomicBool>,
}

async fn receiver() -> Receiver {
    use axum::http::{HeaderMap, StatusCode};
    let got: Arc<Mutex<Vec<Received>>> = Arc::default();
    let status = Arc::new(AtomicU16::new(200));
    let hold_next = Arc::new(AtomicBool::new(false));
    let (g, s, hold) = (got.clone(), status.clone(), hold_next.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let (g, s, hold) = (g.clone(), s.clone(), hold.clone());
            async move {
                let h = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                g.lock().unwrap().push(Received {
                    id: h("webhook-id"),
                    timestamp: h("webhook-timestamp"),
                    signature: h("webhook-signature"),
                    body: serde_json::from_str(&body).unwrap_or(Value::Null),
                    raw: body,
                });
                if hold.swap(false, Ordering::SeqCst) {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
                StatusCode::from_u16(s.load(Ordering::SeqCst)).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.ok() });
    Receiver { url: format!("http://{addr}/hook"), got, status, hold_next }
}

impl Receiver {
    fn of_type(&self, t: &str) -> Vec<Received> {
        self.got.lock().unwrap().iter().filter(|r| r.body["type"] == t).cloned().collect()
    }

    /// Waits until `n` requests of type `t` arrived (at most 20 s).
    async fn wait_for(&self, t: &str, n: usize) -> Vec<Received> {
        for _ in 0..200 {
            if self.of_type(t).len() >= n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.of_type(t)
    }
}

const CREATE: &str = "mutation($u: String!, $e: [WebhookEvent!]!, $p: Boolean) {
    createWebhook(url: $u, events: $e, description: \"ERP\", allowPrivateNetwork: $p) { secret webhook { id status events } } }";
const DELIVERIES: &str = "query($w: ID!, $s: WebhookDeliveryStatus) { webhookDeliveries(webhookId: $w, status: $s) {
    edges { node { id event status attempts { statusCode error } } } } }";

/// The Standard Webhooks signature, computed here independently of the server.
fn expected_signature(secret: &str, r: &Received) -> String {
    let key = base64::engine::general_purpose::STANDARD.decode(secret.strip_prefix("whsec_").unwrap()).unwrap();
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.raw).as_bytes());
    format!("v1,{}", base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes()))
}

both!(a_signed_contract_is_announced_once_signed_across_two_instances, |engine| async move {
    let t = spawn_app(engine).await;
    let rx = receiver().await;
    let admin = t.login("admin@demo.test").await;
    let r = t.gql(Some(&admin), CREATE, json!({ "u": rx.url, "e": ["CONTRACT_SIGNED"], "p": true })).await;
    let secret = r["data"]["createWebhook"]["secret"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let hook = r["data"]["createWebhook"]["webhook"]["id"].as_str().unwrap().to_owned();
    assert_eq!(r["data"]["createWebhook"]["webhook"]["status"], "ACTIVE");
    let (_b, _w, second) = t.second_instance().await;

    let (deal, _) = flow::signed(&t).await;
    let got = rx.wait_for("contract.signed", 1).await;
    // Both instances' deliverers are running: give a duplicate every chance to arrive.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got_now = rx.of_type("contract.signed");
    assert_eq!(got_now.len(), 1, "exactly once: {got_now:?}");
    let d = &got[0];
    assert_eq!(d.body["data"]["entityType"], "contract");
    assert_eq!(d.body["data"]["entityId"], json!(deal.contract));
    assert_eq!(d.body["id"], json!(d.id), "the body carries the delivery id");
    assert_eq!(d.signature, expected_signature(&secret, d), "signed with the webhook's secret");
    assert!((chrono::Utc::now().timestamp() - d.timestamp.parse::<i64>().unwrap()).abs() < 60);
    // Nothing else was subscribed to.
    assert_eq!(rx.got.lock().unwrap().len(), 1);

    let r = t.gql(Some(&admin), DELIVERIES, json!({ "w": hook, "s": "DELIVERED" })).await;
    let edges = r["data"]["webhookDeliveries"]["edges"].as_array().unwrap_or_else(|| panic!("{r}"));
    assert_eq!(edges.len(), 1, "{r}");
    assert_eq!(edges[0]["node"]["event"], "CONTRACT_SIGNED");
    assert_eq!(edges[0]["node"]["attempts"], json!([{ "statusCode": 200, "error": null }]));
    second.stop().await;
});

both!(a_delivery_cut_off_by_a_restart_is_sent_once_by_another_instance_after_its_lease, |engine| async move {
    use baton_store::entity::webhook_delivery;
    use sea_orm::{EntityTrait, sea_query::Expr};
    let mut t = spawn_app(engine).await;
    let rx = receiver().await;
    rx.hold_next.store(true, Ordering::SeqCst);
    let admin = t.login("admin@demo.test").await;
    let r = t.gql(Some(&admin), CREATE, json!({ "u": rx.url, "e": ["LEAD_CREATED"], "p": true })).await;
    let hook = r["data"]["createWebhook"]["webhook"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let sdr = t.login("sdr@demo.test").await;
    let i = json!({ "companyName": "Quokka Quarries", "contactName": "Ann Buyer", "source": "SEO" });
    flow::ok(&t, &sdr, "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }", json!({ "i": i })).await;

    // The first instance claimed the delivery and is sending it: the receiver has the request
    // and holds its answer. Another instance starts, and the first one goes down mid-send.
    let first = rx.wait_for("lead.created", 1).await;
    assert_eq!(first.len(), 1);
    let (_b, _w, second) = t.second_instance().await;
    t.restart().await;
    // While the dead instance's lease runs, neither the restarted instance nor the other sends it.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(rx.of_type("lead.created").len(), 1, "not sent while leased");
    let r = t.gql(Some(&admin), DELIVERIES, json!({ "w": hook, "s": "PENDING" })).await;
    let node = &r["data"]["webhookDeliveries"]["edges"][0]["node"];
    assert_eq!(node["attempts"], json!([]), "the cut-off attempt has no outcome: {r}");

    // The lease runs out (the clock moved on): one instance sends it, once.
    webhook_delivery::Entity::update_many()
        .col_expr(
            webhook_delivery::Column::NextAttemptAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .exec(&t.app().db)
        .await
        .unwrap();
    let got = rx.wait_for("lead.created", 2).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got_now = rx.of_type("lead.created");
    assert_eq!(got_now.len(), 2, "sent again once: {got_now:?}");
    assert_eq!(got[1].id, first[0].id, "the same webhook-id, so the receiver can drop the repeat");
    let r = t.gql(Some(&admin), DELIVERIES, json!({ "w": hook, "s": "DELIVERED" })).await;
    let edges = r["data"]["webhookDeliveries"]["edges"].as_array().unwrap_or_else(|| panic!("{r}"));
    assert_eq!(edges.len(), 1, "{r}");
    assert_eq!(edges[0]["node"]["attempts"], json!([{ "statusCode": 200, "error": null }]));
    second.stop().await;
    t.stop().await;
});

both!(a_failing_receiver_is_retried_then_paused_and_redelivered, |engine| async move {
    let t = spawn_app_with(engine, |c| c.webhook_retry_base_ms = 20).await;
    let rx = receiver().await;
    rx.status.store(500, Ordering::SeqCst);
    let admin = t.login("admin@demo.test").await;
    let r = t.gql(Some(&admin), CREATE, json!({ "u": rx.url, "e": ["LEAD_CREATED"], "p": true })).await;
    let hook = r["data"]["createWebhook"]["webhook"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let sdr = t.login("sdr@demo.test").await;
    let i = json!({ "companyName": "Numbat Networks", "contactName": "Ann Buyer", "contactEmail": "ann@numbat.example", "source": "SEO" });
    flow::ok(&t, &sdr, "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }", json!({ "i": i })).await;

    let tries = rx.wait_for("lead.created", 6).await;
    assert_eq!(tries.len(), 6, "six attempts: {tries:?}");
    assert!(tries.iter().all(|x| x.id == tries[0].id), "one delivery id across retries");
    let mut paused = false;
    for _ in 0..50 {
        let r = t.gql(Some(&admin), "{ webhooks { status consecutiveFailures } }", json!({})).await;
        if r["data"]["webhooks"][0]["status"] == "PAUSED" {
            paused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(paused, "the webhook is paused after the last attempt");
    let r = t.gql(Some(&admin), DELIVERIES, json!({ "w": hook, "s": "FAILED" })).await;
    let node = &r["data"]["webhookDeliveries"]["edges"][0]["node"];
    assert_eq!(node["attempts"].as_array().unwrap().len(), 6, "{r}");
    assert_eq!(node["attempts"][0]["statusCode"], 500);
    let delivery = node["id"].as_str().unwrap().to_owned();
    let r = t.gql(Some(&admin), "{ notifications { title } }", json!({})).await;
    assert!(r["data"]["notifications"].as_array().unwrap().iter().any(|n| n["title"] == "Webhook paused"), "{r}");
    // Paused: a new lead is not sent.
    flow::ok(&t, &sdr, "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }", json!({ "i": i })).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(rx.of_type("lead.created").len(), 6);

    // Fixed receiver: redelivery resumes the webhook.
    rx.status.store(204, Ordering::SeqCst);
    let r = t
        .gql(
            Some(&admin),
            "mutation($d: ID!) { redeliverWebhook(deliveryId: $d) { status } }",
            json!({ "d": delivery }),
        )
        .await;
    assert_eq!(r["data"]["redeliverWebhook"]["status"], "PENDING", "{r}");
    let got = rx.wait_for("lead.created", 8).await;
    assert!(got.len() >= 7, "{got:?}");
    let r = t.gql(Some(&admin), "{ webhooks { status } }", json!({})).await;
    assert_eq!(r["data"]["webhooks"][0]["status"], "ACTIVE", "{r}");
});

both!(a_webhook_that_could_reach_the_private_network_is_refused, |engine| async move {
    let t = spawn_app(engine).await;
    let admin = t.login("admin@demo.test").await;
    let before = t.count("webhooks").await;
    for (url, events, field) in [
        ("http://127.0.0.1:9/hook", json!(["LEAD_CREATED"]), "url"),
        ("https://10.1.2.3/hook", json!(["LEAD_CREATED"]), "url"),
        ("https://[::1]/hook", json!(["LEAD_CREATED"]), "url"),
        ("https://169.254.169.254/latest/meta-data", json!(["LEAD_CREATED"]), "url"),
        ("https://localhost/hook", json!(["LEAD_CREATED"]), "url"),
        ("ftp://example.com/hook", json!(["LEAD_CREATED"]), "url"),
        ("https://user:pw@example.com/hook", json!(["LEAD_CREATED"]), "url"),
        ("https://example.com/hook", json!([]), "events"),
    ] {
        let r = t.gql(Some(&admin), CREATE, json!({ "u": url, "e": events })).await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{url}: {r}");
        assert_eq!(r["errors"][0]["extensions"]["field"], field, "{url}: {r}");
    }
    let legal = t.login("legal@demo.test").await;
    let r = t.gql(Some(&legal), CREATE, json!({ "u": "https://example.com/hook", "e": ["LEAD_CREATED"] })).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    assert_eq!(t.count("webhooks").await, before, "nothing was saved");
    // A public https URL is accepted; its secret is never in the audit log.
    let r = t.gql(Some(&admin), CREATE, json!({ "u": "https://hooks.example.com/baton", "e": ["INVOICE_PAID"] })).await;
    let secret = r["data"]["createWebhook"]["secret"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(t.text_hits(&secret).await, vec!["webhooks.secret".to_owned()], "never in the audit log");
});

both!(a_payload_carries_only_the_fields_the_webhooks_token_reads, |engine| async move {
    let t = spawn_app(engine).await;
    let admin = t.login("admin@demo.test").await;
    // A custom role that reads leads org-wide but not their contact's phone, on a token.
    let role = json!({
        "name": "Lead feed",
        "grants": [{ "action": "lead", "scope": "ORG" }],
        "readableFields": [{ "type": "Lead", "fields": ["companyName", "contactName", "contactEmail", "status", "source"] }]
    });
    let r =
        t.gql(Some(&admin), "mutation($i: RoleInput!) { createRole(input: $i) { id } }", json!({ "i": role })).await;
    let role_id = r["data"]["createRole"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let token = "mutation($n: String!, $r: [Role!]!, $c: [ID!]) { createApiToken(name: $n, roles: $r, customRoleIds: $c) { apiToken { id } } }";
    let r = t.gql(Some(&admin), token, json!({ "n": "lead feed", "r": [], "c": [role_id] })).await;
    let hidden = r["data"]["createApiToken"]["apiToken"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    // A token with a built-in role that reads leads org-wide and every field.
    let r = t.gql(Some(&admin), token, json!({ "n": "marketing feed", "r": ["MARKETING"] })).await;
    let full = r["data"]["createApiToken"]["apiToken"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();

    let hook = "mutation($u: String!, $t: ID) { createWebhook(url: $u, events: [LEAD_CREATED], apiTokenId: $t, allowPrivateNetwork: true) { webhook { id } } }";
    let (rx_hidden, rx_full, rx_none) = (receiver().await, receiver().await, receiver().await);
    for (rx, tok) in [(&rx_hidden, Some(&hidden)), (&rx_full, Some(&full)), (&rx_none, None)] {
        let r = t.gql(Some(&admin), hook, json!({ "u": rx.url, "t": tok })).await;
        assert!(r["data"]["createWebhook"]["webhook"]["id"].is_string(), "{r}");
    }

    let sdr = t.login("sdr@demo.test").await;
    let i = json!({ "companyName": "Bilby Bakeries", "contactName": "Ann Buyer", "contactEmail": "ann@bilby.example", "contactPhone": "+1 555 0163", "source": "SEO" });
    flow::ok(&t, &sdr, "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }", json!({ "i": i })).await;

    // The custom role's token: the lead without the phone, which is nowhere in the request.
    let got = rx_hidden.wait_for("lead.created", 1).await;
    assert_eq!(got.len(), 1, "{got:?}");
    let object = &got[0].body["data"]["object"];
    assert_eq!(object["company_name"], "Bilby Bakeries", "{object}");
    assert_eq!(object["contact_email"], "ann@bilby.example", "{object}");
    assert!(object["id"].is_string(), "{object}");
    assert!(object.get("contact_phone").is_none(), "the hidden field is left out: {object}");
    assert!(!got[0].raw.contains("555 0163"), "the hidden value never travels: {}", got[0].raw);
    // Columns that are no field the role lists are left out too.
    assert!(object.get("email_domain").is_none() && object.get("owner_id").is_none(), "{object}");

    // The built-in role's token: the whole lead. No token: no object.
    let got = rx_full.wait_for("lead.created", 1).await;
    assert_eq!(got[0].body["data"]["object"]["contact_phone"], "+1 555 0163", "{:?}", got[0].body);
    let got = rx_none.wait_for("lead.created", 1).await;
    assert_eq!(got[0].body["data"]["object"], Value::Null, "{:?}", got[0].body);
    assert_eq!(got[0].body["data"]["entityType"], "lead");
});
