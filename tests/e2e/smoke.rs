//! The server answers health, readiness, GraphiQL, and the demo users log in.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::*;
use serde_json::json;

both!(health_readiness_and_graphiql_answer, |engine| async move {
    let t = spawn_app(engine).await;
    let get = |p: &str| t.http.get(format!("{}{p}", t.base)).send();
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
    assert_eq!(get("/readyz").await.unwrap().status(), 200);
    let page = get("/graphql").await.unwrap().text().await.unwrap();
    assert!(page.contains("graphiql"), "GET /graphql serves GraphiQL");
    let metrics = get("/metrics").await.unwrap().text().await.unwrap();
    assert!(metrics.contains("baton_graphql_requests_total"));
    t.stop().await;
});

both!(every_demo_user_logs_in_and_sees_its_roles, |engine| async move {
    let t = spawn_app(engine).await;
    for (email, _, role) in baton_app::admin::seed::DEMO_USERS {
        let token = t.login(email).await;
        let me = t.gql(Some(&token), "{ me { email roles active } }", json!({})).await;
        assert_eq!(me["data"]["me"]["email"], email);
        assert_eq!(me["data"]["me"]["roles"], json!([role.as_str()]));
        assert_eq!(me["data"]["me"]["active"], true);
    }
    t.stop().await;
});

/// The GraphQL answer's `data`, failing on any error.
async fn data(t: &TestApp, token: &str, query: &str) -> serde_json::Value {
    let r = t.gql(Some(token), query, json!({})).await;
    assert!(r["errors"].is_null(), "{query}: {r}");
    r["data"].clone()
}

fn len(v: &serde_json::Value) -> usize {
    v.as_array().map(Vec::len).unwrap_or(0)
}

both!(scale_data_fills_every_department_view, |engine| async move {
    // No scheduler: a tick during the test would return the seed's untouched leads to the pool.
    let t = spawn_app_with(engine, |c| c.jobs = false).await;
    let audited = t.count("audit_log").await;
    let report = t.app().seed_scale(2_000).await.expect("scale seed");
    let rows = |table: &str| report.tables.iter().find(|(n, _)| *n == table).map(|(_, n)| *n).unwrap_or(0);
    assert_eq!(rows("leads"), 2_000);
    assert_eq!(rows("accounts"), 200);
    assert_eq!(rows("contacts"), 600);
    assert_eq!(t.count("leads").await, 2_000);
    assert_eq!(t.count("audit_log").await, audited, "benchmark data writes no audit rows");

    let sdr = t.login("sdr@demo.test").await;
    let d = data(
        &t,
        &sdr,
        "{ salesView { leads(first: 20) { totalCount edges { node { id status owner { email } } } } \
           leadPool(first: 5) { totalCount } tasks { id } } }",
    )
    .await;
    let leads = &d["salesView"]["leads"];
    assert!(leads["totalCount"].as_i64().unwrap() > 1_000, "the demo SDR owns most leads: {leads}");
    assert!(leads["edges"].as_array().unwrap().iter().all(|e| e["node"]["owner"]["email"] == "sdr@demo.test"));
    assert!(d["salesView"]["leadPool"]["totalCount"].as_i64().unwrap() > 0);
    assert!(len(&d["salesView"]["tasks"]) > 0);
    for status in ["NEW", "CONTACTED", "QUALIFIED", "DISQUALIFIED", "CONVERTED"] {
        let q = format!("{{ salesView {{ leads(first: 1, status: {status}) {{ totalCount }} }} }}");
        assert!(data(&t, &sdr, &q).await["salesView"]["leads"]["totalCount"].as_i64().unwrap() > 0, "{status}");
    }

    let ae = t.login("ae@demo.test").await;
    let d = data(
        &t,
        &ae,
        "{ salesView { opportunities(first: 50) { totalCount edges { node { id stage owner { email } \
           account { name contacts { name } } } } } } }",
    )
    .await;
    let opps = &d["salesView"]["opportunities"];
    assert!(opps["totalCount"].as_i64().unwrap() > 50, "the demo AE owns most deals: {opps}");
    let edges = opps["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 50);
    assert!(edges.iter().all(|e| len(&e["node"]["account"]["contacts"]) == 3), "three contacts per account");
    let stages: std::collections::BTreeSet<&str> = edges.iter().filter_map(|e| e["node"]["stage"].as_str()).collect();
    assert!(stages.len() >= 4, "deals across stages: {stages:?}");

    let finance = t.login("finance@demo.test").await;
    let d = data(
        &t,
        &finance,
        "{ financeView { invoices(first: 5) { totalCount edges { node { id status } } } \
           collections { aging { bucket count } } firstPaymentsPending { id } } }",
    )
    .await;
    assert!(d["financeView"]["invoices"]["totalCount"].as_i64().unwrap() > 50);
    for b in d["financeView"]["collections"]["aging"].as_array().unwrap() {
        assert!(b["count"].as_i64().unwrap() > 0, "every aging bucket holds invoices: {b}");
    }
    for status in ["SCHEDULED", "ISSUED", "PARTIALLY_PAID", "PAID"] {
        let q = format!("{{ financeView {{ invoices(first: 1, status: {status}) {{ totalCount }} }} }}");
        assert!(
            data(&t, &finance, &q).await["financeView"]["invoices"]["totalCount"].as_i64().unwrap() > 0,
            "{status}"
        );
    }

    let legal = t.login("legal@demo.test").await;
    let d = data(
        &t,
        &legal,
        "{ legalView { approvalQueue(first: 5) { totalCount edges { node { id status } } } pendingGifts { id } \
           policyApprovedContracts { id } tasks { id } } }",
    )
    .await;
    let queue = &d["legalView"]["approvalQueue"];
    assert!(queue["totalCount"].as_i64().unwrap() > 0, "{queue}");
    assert!(queue["edges"].as_array().unwrap().iter().all(|e| e["node"]["status"] == "IN_LEGAL_REVIEW"));
    assert!(len(&d["legalView"]["pendingGifts"]) > 0);
    assert!(len(&d["legalView"]["policyApprovedContracts"]) > 0);

    let cs = t.login("cs@demo.test").await;
    let d = data(
        &t,
        &cs,
        "{ customerSuccessView { accounts(first: 5) { totalCount edges { node { id name } } } \
           incomingHandoffs(first: 5) { totalCount } tasks { id } } }",
    )
    .await;
    assert!(d["customerSuccessView"]["accounts"]["totalCount"].as_i64().unwrap() > 0);
    assert!(d["customerSuccessView"]["incomingHandoffs"]["totalCount"].as_i64().unwrap() > 0);

    let product = t.login("product@demo.test").await;
    let d =
        data(&t, &product, "{ productView { featureRequests(first: 5) { totalCount edges { node { id } } } } }").await;
    assert!(d["productView"]["featureRequests"]["totalCount"].as_i64().unwrap() > 0);

    let marketing = t.login("marketing@demo.test").await;
    let d = data(&t, &marketing, "{ marketingView { campaigns { id } leadsBySource { source count } } }").await;
    assert!(len(&d["marketingView"]["campaigns"]) > 0);
    assert!(d["marketingView"]["leadsBySource"].as_array().unwrap().iter().all(|s| s["count"].as_i64().unwrap() > 0));

    // The audit chain is untouched, and a second run is refused.
    assert!(matches!(t.app().verify_audit().await.unwrap(), baton_app::kernel::audit::Verdict::Intact { .. }));
    let again = t.app().seed_scale(2_000).await;
    assert!(matches!(again, Err(baton_app::AppError::Conflict(_))), "{again:?}");
    assert_eq!(t.count("leads").await, 2_000);
    t.stop().await;
});

/// GraphiQL renders in a real headless browser with no network beyond this server: its
/// scripts and styles come from the binary, not a CDN.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_renders_in_a_headless_browser_without_internet() {
    let t = spawn_app(Engine::Sqlite).await;
    let page = t.http.get(format!("{}/graphql", t.base)).header("accept", "text/html").send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(!html.contains("https://") && !html.contains("http://"), "the page loads nothing from elsewhere");
    let chromium = std::env::var("BATON_TEST_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&chromium).exists(),
        "the GraphiQL test needs Chromium at {chromium} (scripts/test.sh installs the distribution's package)"
    );
    let profile = std::env::temp_dir().join(format!("baton-chromium-{}", uuid::Uuid::new_v4().simple()));
    let out = tokio::process::Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=15000",
            &format!("--user-data-dir={}", profile.display()),
            "--dump-dom",
            &format!("{}/graphql", t.base),
        ])
        .output()
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&profile);
    let dom = String::from_utf8_lossy(&out.stdout);
    assert!(dom.contains("graphiql-container"), "GraphiQL rendered: {}", &dom[..dom.len().min(2000)]);
    assert!(dom.contains("graphiql-editor"), "with its editors");
    assert!(!dom.contains("Loading…"), "not stuck loading");
    // With GraphiQL disabled, neither the page nor its assets are served.
    t.stop().await;
    let t = spawn_app_with(Engine::Sqlite, |c| c.graphiql = false).await;
    let r = t.http.get(format!("{}/graphiql/graphiql.min.js", t.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 404);
    t.stop().await;
}
