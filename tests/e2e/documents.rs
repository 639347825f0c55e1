//! How documents reach the server: Apollo's persisted queries over POST and GET, the
//! allow-list mode, CORS for browser clients, and refused WebSocket handshakes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_app::kernel::persisted::{hash_of, parse_manifest};
use baton_server::config::PersistedQueries;
use baton_tests::*;
use futures_util::SinkExt;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const ME: &str = "query Me { me { email } }";

fn persisted(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

async fn post(t: &TestApp, token: &str, body: Value) -> Value {
    let r = t.http.post(format!("{}/graphql", t.base)).bearer_auth(token).json(&body).send().await.unwrap();
    r.json().await.unwrap()
}

async fn get(t: &TestApp, token: &str, params: &[(&str, String)]) -> (u16, Value) {
    let enc = |v: &str| -> String {
        v.bytes()
            .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
            .collect()
    };
    let qs: Vec<String> = params.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect();
    let url = format!("{}/graphql?{}", t.base, qs.join("&"));
    let r = t.http.get(url).bearer_auth(token).send().await.unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

both!(a_persisted_query_runs_by_its_hash_after_the_client_sent_it_once, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let hash = hash_of(ME);

    // An unknown hash: the client is told to send the document.
    let r = post(&t, &sdr, json!({ "extensions": persisted(&hash) })).await;
    assert_eq!(code(&r), "PERSISTED_QUERY_NOT_FOUND", "{r}");
    assert_eq!(r["errors"][0]["message"], "PersistedQueryNotFound", "{r}");
    assert!(r.get("data").is_none_or(Value::is_null), "{r}");

    // Sent with its hash, it runs and is kept; afterwards the hash alone is enough, also by GET.
    let r = post(&t, &sdr, json!({ "query": ME, "extensions": persisted(&hash) })).await;
    assert_eq!(r["data"]["me"]["email"], "sdr@demo.test", "{r}");
    let r = post(&t, &sdr, json!({ "extensions": persisted(&hash), "operationName": "Me" })).await;
    assert_eq!(r["data"]["me"]["email"], "sdr@demo.test", "{r}");
    let (status, r) = get(&t, &sdr, &[("extensions", persisted(&hash).to_string())]).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["data"]["me"]["email"], "sdr@demo.test", "{r}");

    // In a batch each operation is resolved on its own.
    let other = hash_of("{ me { id } }");
    let r = post(&t, &sdr, json!([{ "extensions": persisted(&hash) }, { "extensions": persisted(&other) }])).await;
    assert_eq!(r[0]["data"]["me"]["email"], "sdr@demo.test", "{r}");
    assert_eq!(r[1]["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_FOUND", "{r}");

    // A hash that is not the document's, a bad version or a malformed hash: refused, not run.
    let leads = t.count("leads").await;
    let create = "mutation { createLead(input: { companyName: \"Hashed Co\", contactName: \"Ann Buyer\", contactEmail: \"ann@hashed.example\", source: SEO, companySize: 10 }) { id } }";
    let r = post(&t, &sdr, json!({ "query": create, "extensions": persisted(&hash) })).await;
    assert_eq!(code(&r), "BAD_REQUEST", "{r}");
    let r = post(
        &t,
        &sdr,
        json!({ "query": ME, "extensions": { "persistedQuery": { "version": 2, "sha256Hash": hash } } }),
    )
    .await;
    assert_eq!(code(&r), "BAD_REQUEST", "{r}");
    let r = post(&t, &sdr, json!({ "extensions": persisted("abc") })).await;
    assert_eq!(code(&r), "BAD_REQUEST", "{r}");
    assert_eq!(t.count("leads").await, leads);

    // A mutation sent once by POST is not run by its hash over GET.
    let r = post(&t, &sdr, json!({ "query": create, "extensions": persisted(&hash_of(create)) })).await;
    assert!(r["data"]["createLead"]["id"].is_string(), "{r}");
    let (status, r) = get(&t, &sdr, &[("extensions", persisted(&hash_of(create)).to_string())]).await;
    assert_eq!(status, 405, "{r}");
    assert_eq!(t.count("leads").await, leads + 1, "only the POST created a lead");
    t.stop().await;
});

both!(the_allow_list_mode_runs_only_registered_operations, |engine| async move {
    let t = spawn_app_with(engine, |c| c.persisted_queries = PersistedQueries::AllowList).await;
    // The test's own login document is not registered; a token is issued as `baton token` does.
    let sdr = t.app().token_for_email("sdr@demo.test").await.unwrap();
    let manifest = json!({
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{ "id": hash_of(ME), "name": "Me", "type": "query", "body": ME }]
    });
    let ops = parse_manifest(&manifest.to_string()).unwrap();
    assert_eq!(t.app().register_persisted(&ops).await.unwrap(), 1);
    // Registering again changes nothing.
    assert_eq!(t.app().register_persisted(&ops).await.unwrap(), 1);
    assert_eq!(t.count("persisted_queries").await, 1);

    // Registered: by hash (no instance has seen the text) and in full.
    let r = post(&t, &sdr, json!({ "extensions": persisted(&hash_of(ME)) })).await;
    assert_eq!(r["data"]["me"]["email"], "sdr@demo.test", "{r}");
    let r = t.gql(Some(&sdr), ME, json!({})).await;
    assert_eq!(r["data"]["me"]["email"], "sdr@demo.test", "{r}");

    // Anything else is refused before it runs, sent in full or with its hash.
    let leads = t.count("leads").await;
    let create = "mutation { createLead(input: { companyName: \"Listed Co\", contactName: \"Ann Buyer\", contactEmail: \"ann@listed.example\", source: SEO, companySize: 10 }) { id } }";
    let r = t.gql(Some(&sdr), create, json!({})).await;
    assert_eq!(code(&r), "PERSISTED_QUERY_NOT_IN_LIST", "{r}");
    let r = post(&t, &sdr, json!({ "query": create, "extensions": persisted(&hash_of(create)) })).await;
    assert_eq!(code(&r), "PERSISTED_QUERY_NOT_IN_LIST", "{r}");
    let r = post(&t, &sdr, json!({ "extensions": persisted(&hash_of(create)) })).await;
    assert_eq!(code(&r), "PERSISTED_QUERY_NOT_FOUND", "{r}");
    assert_eq!(t.count("leads").await, leads, "nothing unregistered ran");

    // A manifest whose id is not its document's SHA-256 is refused whole.
    let bad = json!({ hash_of("{ me { id } }"): ME, hash_of(ME): ME });
    assert!(parse_manifest(&bad.to_string()).is_err());
    t.stop().await;
});

both!(browser_clients_may_send_apollo_headers_and_read_the_request_id, |engine| async move {
    let t = spawn_app(engine).await;
    let r = t
        .http
        .request(reqwest::Method::OPTIONS, format!("{}/graphql", t.base))
        .header("origin", "http://app.example")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization,content-type,apollographql-client-name,apollographql-client-version,apollo-require-preflight",
        )
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let allowed = r.headers().get("access-control-allow-headers").and_then(|v| v.to_str().ok()).unwrap_or("");
    for h in ["apollographql-client-name", "apollographql-client-version", "apollo-require-preflight", "authorization"]
    {
        assert!(allowed.to_ascii_lowercase().contains(h), "{h} in {allowed}");
    }
    let r = t
        .http
        .post(format!("{}/graphql", t.base))
        .header("origin", "http://app.example")
        .json(&json!({ "query": "{ __typename }" }))
        .send()
        .await
        .unwrap();
    let exposed = r.headers().get("access-control-expose-headers").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(exposed.to_ascii_lowercase().contains("x-request-id"), "{exposed}");
    assert!(r.headers().get("x-request-id").is_some());
    t.stop().await;
});

/// Opens `/graphql/ws`, sends `connection_init` with `payload`, and returns the close code.
async fn init_closes_with(t: &TestApp, payload: Value) -> u16 {
    use futures_util::StreamExt;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = t.ws.as_str().into_client_request().unwrap();
    req.headers_mut().insert("sec-websocket-protocol", "graphql-transport-ws".parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    ws.send(Message::text(json!({ "type": "connection_init", "payload": payload }).to_string())).await.unwrap();
    loop {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next()).await.expect("a close frame");
        match msg {
            Some(Ok(Message::Close(Some(frame)))) => return u16::from(frame.code),
            Some(Ok(Message::Text(t))) => panic!("no message before the close: {t}"),
            Some(Ok(_)) => {}
            other => panic!("the socket ended without a close frame: {other:?}"),
        }
    }
}

both!(a_refused_connection_init_closes_with_4401, |engine| async move {
    let t = spawn_app(engine).await;
    assert_eq!(init_closes_with(&t, json!({})).await, 4401, "no credential");
    assert_eq!(init_closes_with(&t, json!({ "Authorization": "Bearer not-a-token" })).await, 4401, "a bad credential");
    assert_eq!(init_closes_with(&t, json!({ "Authorization": "Basic abc" })).await, 4401, "not a bearer credential");
    // A good credential is acknowledged.
    let sdr = t.login("sdr@demo.test").await;
    let _ws = ws_connect(&t, &sdr).await;
    t.stop().await;
});

both!(an_errored_field_is_null_and_a_non_null_one_nulls_its_parent, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    // `legalView: LegalView!` refused at the root: `data` itself is null, with the one error.
    let r = t.gql(Some(&sdr), "{ me { email } legalView { pendingGifts { id } } }", json!({})).await;
    assert!(r["data"].is_null(), "a non-null root field's error nulls data: {r}");
    assert_eq!(r["errors"].as_array().unwrap().len(), 1, "{r}");
    assert_eq!(r["errors"][0]["path"], json!(["legalView"]), "{r}");
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    // A nullable field that errors stays in `data` as null beside its siblings.
    let missing = uuid::Uuid::new_v4().to_string();
    let r = t.gql(Some(&sdr), "query($id: ID!) { me { email } node(id: $id) { id } }", json!({ "id": missing })).await;
    assert_eq!(r["data"]["me"]["email"], "sdr@demo.test", "{r}");
    assert!(r["data"].as_object().unwrap().contains_key("node"), "the errored field is present as null: {r}");
    assert!(r["data"]["node"].is_null(), "{r}");
    assert_eq!(r["errors"][0]["path"], json!(["node"]), "{r}");
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    t.stop().await;
});
