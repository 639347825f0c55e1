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
    for (email, role) in [
        ("sdr@demo.test", "SDR"),
        ("ae@demo.test", "ACCOUNT_EXECUTIVE"),
        ("salesmanager@demo.test", "SALES_MANAGER"),
        ("marketing@demo.test", "MARKETING"),
        ("product@demo.test", "PRODUCT"),
        ("cs@demo.test", "CUSTOMER_SUCCESS"),
        ("csmanager@demo.test", "CS_MANAGER"),
        ("legal@demo.test", "LEGAL"),
        ("finance@demo.test", "FINANCE"),
        ("admin@demo.test", "ADMIN"),
    ] {
        let token = t.login(email).await;
        let me = t.gql(Some(&token), "{ me { email roles active } }", json!({})).await;
        assert_eq!(me["data"]["me"]["email"], email);
        assert_eq!(me["data"]["me"]["roles"], json!([role]));
        assert_eq!(me["data"]["me"]["active"], true);
    }
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
