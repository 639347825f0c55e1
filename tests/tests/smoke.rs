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
