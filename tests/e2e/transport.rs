//! Subscriptions over a real WebSocket, and the promise that list fields batch their lookups.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::flow::*;
use baton_tests::*;
use futures_util::SinkExt;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio_tungstenite::tungstenite::Message;

both!(legal_hears_contracts_enter_and_leave_the_queue_over_a_websocket, |engine| async move {
    let t = spawn_app(engine).await;
    let d = quoted(&t).await;
    let mut ws = ws_connect(&t, &d.legal).await;
    let sub = json!({ "id": "q", "type": "subscribe", "payload": { "query": "subscription { legalQueueChanged { id status version } }" } });
    ws.send(Message::text(sub.to_string())).await.unwrap();
    // Give the server a moment to register the subscription before the event happens.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let d = submitted_from(&t, d).await;
    let (contract, version) = (d.contract.clone(), d.contract_version);

    let entered = ws_next(&mut ws).await;
    assert_eq!(entered["type"], "next", "{entered}");
    assert_eq!(entered["id"], "q");
    assert_eq!(
        entered["payload"]["data"]["legalQueueChanged"],
        json!({ "id": contract, "status": "IN_LEGAL_REVIEW", "version": version })
    );

    ok(
        &t,
        &d.legal,
        "mutation($c: ID!) { requestContractChanges(contractId: $c, comments: \"cap liability\") { status } }",
        json!({ "c": contract }),
    )
    .await;
    let left = ws_next(&mut ws).await;
    assert_eq!(left["payload"]["data"]["legalQueueChanged"]["status"], "CHANGES_REQUESTED", "{left}");
    t.stop().await;
});

/// Counts the SQL statements one GraphQL query issues against a server's database.
async fn statements_for(t: &TestApp, token: &str, query: &str) -> usize {
    let counter = Arc::new(AtomicUsize::new(0));
    let mut db = baton_app::DatabaseConnection::clone(&t.app().db);
    // A fresh pool on the same database, so only this query is counted.
    if let Ok(fresh) = baton_store::connect(&t.database_url, 2, std::time::Duration::from_secs(10)).await {
        db = fresh;
    }
    let c = counter.clone();
    db.set_metric_callback(move |info| {
        if std::env::var_os("BATON_TEST_PRINT_SQL").is_some() {
            eprintln!("SQL: {}", info.statement);
        }
        c.fetch_add(1, Ordering::SeqCst);
    });
    let app = baton_app::App::new(db, t.app().jwt.clone());
    let actor = baton_app::kernel::auth::authenticate(&app.db, &app.jwt, token).await.unwrap();
    let org = actor.org_id;
    let schema = baton_api::build_schema(app.clone(), baton_api::Limits::default());
    counter.store(0, Ordering::SeqCst);
    let req =
        baton_api::attach_loaders(async_graphql::Request::new(query).data(baton_api::Auth::Actor(actor)), &app, org);
    let resp = schema.execute(req).await;
    assert!(resp.errors.is_empty(), "{:?}", resp.errors);
    counter.load(Ordering::SeqCst)
}

both!(the_opportunity_list_issues_as_many_statements_for_fifty_rows_as_for_five, |engine| async move {
    let t = spawn_app(engine).await;
    let d = quoted(&t).await;
    // Fifty-four more converted leads, each its own account, contact and opportunity.
    for i in 0..54 {
        let r = ok(&t, &d.sdr, "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }", json!({ "i": { "companyName": format!("Co {i}"), "contactName": "Buyer", "contactEmail": format!("b@co{i}.example"), "source": "EVENT" } })).await;
        let id = r["createLead"]["id"].as_str().unwrap().to_owned();
        ok(&t, &d.sdr, "mutation($id: ID!) { recordLeadContact(leadId: $id) { status } }", json!({ "id": id })).await;
        ok(&t, &d.sdr, "mutation($id: ID!) { qualifyLead(leadId: $id, input: { budgetConfirmed: true, authorityConfirmed: true, needConfirmed: true, timeline: WITHIN_6_MONTHS }) { status } }", json!({ "id": id })).await;
        ok(&t, &d.sdr, "mutation($id: ID!, $ae: ID!) { convertLead(leadId: $id, input: { accountExecutiveId: $ae, opportunityName: \"Deal\", estimatedValue: { amount: \"1000\", currency: \"USD\" } }) { lead { id } } }", json!({ "id": id, "ae": d.ae_id })).await;
    }
    let q = |n: usize| {
        format!(
            "{{ salesView {{ opportunities(first: {n}) {{ edges {{ node {{ name account {{ name }} owner {{ name }} contacts {{ name }} quotes {{ id status lines {{ quantity }} }} }} }} }} }} }}"
        )
    };
    let five = statements_for(&t, &d.ae, &q(5)).await;
    let fifty = statements_for(&t, &d.ae, &q(50)).await;
    assert!(five > 0);
    assert_eq!(fifty, five, "the statement count must not grow with the page size (5 rows: {five}, 50 rows: {fifty})");
    // Three levels, one statement each: the deals with their accounts (one join), their
    // owners, the accounts' contacts; a count only when `totalCount` is asked for.
    let page = "{ salesView { opportunities(first: 50) { edges { node { id name stage account { name contacts { name } } owner { email } } } } } }";
    assert_eq!(statements_for(&t, &d.ae, page).await, 3);
    let counted = page.replace("opportunities(first: 50) {", "opportunities(first: 50) { totalCount");
    assert_eq!(statements_for(&t, &d.ae, &counted).await, 4);
    let r = ok(&t, &d.ae, page, json!({})).await;
    let edges = r["salesView"]["opportunities"]["edges"].as_array().unwrap();
    assert_eq!(edges.len(), 50);
    assert!(
        edges.iter().all(|e| e["node"]["account"]["name"].is_string() && e["node"]["account"]["contacts"].is_array()),
        "{r}"
    );
    t.stop().await;
});

both!(a_lookup_by_id_with_its_account_is_one_statement_and_keeps_the_scope, |engine| async move {
    let t = spawn_app(engine).await;
    let d = quoted(&t).await;
    let q = format!("{{ opportunity(id: \"{}\") {{ id name account {{ name }} }} }}", d.opportunity);
    assert_eq!(statements_for(&t, &d.ae, &q).await, 1, "the deal and its account are read together");
    let r = ok(&t, &d.ae, &q, json!({})).await;
    assert_eq!(r["opportunity"]["id"], d.opportunity.as_str());
    assert!(r["opportunity"]["account"]["name"].is_string(), "{r}");
    // Without the account it is the one statement too; someone else's rep finds nothing.
    let bare = format!("{{ opportunity(id: \"{}\") {{ id }} }}", d.opportunity);
    assert_eq!(statements_for(&t, &d.ae, &bare).await, 1);
    let other = t.login("sdr@demo.test").await;
    let r = t.gql(Some(&other), &q, json!({})).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    assert!(r["data"]["opportunity"].is_null(), "{r}");
    t.stop().await;
});

/// Two instances on one PostgreSQL: an event raised on one reaches subscribers of the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contract_submitted_on_one_instance_reaches_legal_subscribed_to_another() {
    let t = spawn_app(Engine::Postgres).await;
    let d = quoted(&t).await;
    let (_, ws_url, second) = t.second_instance().await;
    let mut on_second = ws_connect_to(&ws_url, &d.legal).await;
    let sub = json!({ "id": "q", "type": "subscribe", "payload": { "query": "subscription { legalQueueChanged { id status } }" } });
    on_second.send(Message::text(sub.to_string())).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    // The AE works on the first instance.
    let d = submitted_from(&t, d).await;
    let contract = d.contract.clone();

    let got = ws_next(&mut on_second).await;
    assert_eq!(
        got["payload"]["data"]["legalQueueChanged"],
        json!({ "id": contract, "status": "IN_LEGAL_REVIEW" }),
        "{got}"
    );
    second.stop().await;
    t.stop().await;
}

/// Every scheduled job that takes a clock, run once by `app` as of `at`: what each did.
async fn run_jobs(app: &baton_app::App, at: chrono::DateTime<chrono::Utc>) -> Vec<(&'static str, usize)> {
    let day = at.date_naive();
    let (warned, breached) = app.check_clocks(at).await.unwrap();
    vec![
        ("issuing invoices", app.issue_due_invoices(day).await.unwrap()),
        ("opening renewals", app.open_due_renewals(day).await.unwrap()),
        ("warning SLA clocks", warned),
        ("breaching SLA clocks", breached),
        ("returning stale leads", app.return_stale_leads(at).await.unwrap()),
        ("running cadences", app.run_cadences(at).await.unwrap()),
        ("reminding of data-subject requests", app.remind_data_subject_requests(at).await.unwrap()),
    ]
}

both!(two_schedulers_on_one_database_never_run_a_job_twice, |engine| async move {
    let t = spawn_app(engine).await;
    // Work for every job: a signed deal (quarterly invoices still scheduled, a 12-month
    // subscription to renew), five fresh leads with first-contact clocks, a data-subject request.
    let (d, _) = signed(&t).await;
    let privacy = t.login("privacy@demo.test").await;
    let dsr = "mutation($i: OpenDataSubjectRequestInput!) { openDataSubjectRequest(input: $i) { id } }";
    ok(&t, &privacy, dsr, json!({ "i": { "kind": "EXPORT", "email": "someone@example.com" } })).await;
    for i in 0..5 {
        ok(
            &t,
            &d.sdr,
            "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }",
            json!({ "i": { "companyName": format!("Late {i}"), "contactName": "L", "source": "SEO" } }),
        )
        .await;
    }
    let (_, _, second) = t.second_instance().await;
    // A year on, every job has work in the demo organization: scheduled invoices come due,
    // subscriptions near their end, clocks run out, leads go stale.
    let later = chrono::Utc::now() + chrono::Duration::days(400);
    let (a, b) = tokio::join!(run_jobs(t.app(), later), run_jobs(&second.app, later));
    let done: Vec<(&str, usize)> = a.iter().zip(&b).map(|((job, x), (_, y))| (*job, x + y)).collect();
    let busy = done.iter().filter(|(_, n)| *n > 0).count();
    assert!(busy >= 5, "most jobs had work, so the race was real: {done:?}");
    let breached = done.iter().find(|(j, _)| *j == "breaching SLA clocks").map(|(_, n)| *n).unwrap_or(0);
    assert!(breached >= 5, "the five new leads' clocks breached once across both: {done:?}");

    // No job did any row twice: every system change is audited once per row and action ...
    let twice = t
        .scalar(
            "SELECT COUNT(*) AS n FROM (SELECT action, entity_id FROM audit_log WHERE actor_kind = 'system' \
             GROUP BY action, entity_id HAVING COUNT(*) > 1) AS d",
        )
        .await;
    assert_eq!(twice, 0, "a row changed twice by the schedulers");
    // ... and running them all again, on both, finds nothing left to do.
    let (a, b) = tokio::join!(run_jobs(t.app(), later), run_jobs(&second.app, later));
    let again: Vec<(&str, usize)> = a.into_iter().chain(b).filter(|(_, n)| *n > 0).collect();
    assert!(again.is_empty(), "a second round did work again: {again:?}");
    second.stop().await;
    t.stop().await;
});

/// Reads a socket until the server closes it; returns the close code and reason.
async fn closed_with(ws: &mut Ws) -> (u16, String) {
    use futures_util::StreamExt;
    loop {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
            .await
            .expect("the server closes the socket within ten seconds");
        match msg {
            Some(Ok(Message::Close(Some(frame)))) => return (u16::from(frame.code), frame.reason.to_string()),
            Some(Ok(Message::Close(None))) | None => return (0, String::new()),
            Some(Ok(Message::Text(t))) => {
                let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
                assert!(v["type"] == "ping" || v["type"] == "pong", "no event may reach a refused caller: {v}");
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => panic!("socket error before the close frame: {e}"),
        }
    }
}

async fn subscribe_to_queue(ws: &mut Ws) {
    let sub = json!({ "id": "q", "type": "subscribe", "payload": { "query": "subscription { legalQueueChanged { id status } }" } });
    ws.send(Message::text(sub.to_string())).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
}

both!(a_subscription_ends_when_its_caller_is_deactivated_demoted_or_revoked, |engine| async move {
    let t = spawn_app(engine).await;
    let d = quoted(&t).await;
    let admin = t.login("admin@demo.test").await;
    let legal_id = t.user_id(&d.legal, "legal@demo.test").await;

    // An API token with the LEGAL role, revoked while subscribed: 4401 at once, no event.
    let r = ok(
        &t,
        &admin,
        "mutation { createApiToken(name: \"queue\", roles: [LEGAL]) { apiToken { id } secret } }",
        json!({}),
    )
    .await;
    let (token_id, secret) = (
        r["createApiToken"]["apiToken"]["id"].as_str().unwrap().to_owned(),
        r["createApiToken"]["secret"].as_str().unwrap().to_owned(),
    );
    let mut by_token = ws_connect(&t, &secret).await;
    subscribe_to_queue(&mut by_token).await;
    // Legal as a person, demoted while subscribed: the next event closes the socket with 4403.
    let mut demoted = ws_connect(&t, &d.legal).await;
    subscribe_to_queue(&mut demoted).await;

    ok(&t, &admin, "mutation($id: ID!) { revokeApiToken(tokenId: $id) }", json!({ "id": token_id })).await;
    let (close, reason) = closed_with(&mut by_token).await;
    assert_eq!(close, 4401, "{reason}");
    assert!(reason.contains("revoked"), "{reason}");

    ok(&t, &admin, "mutation($u: ID!) { setUserRoles(userId: $u, roles: [FINANCE]) { id } }", json!({ "u": legal_id }))
        .await;
    let d = submitted_from(&t, d).await;
    let (close, reason) = closed_with(&mut demoted).await;
    assert_eq!(close, 4403, "{reason}");

    // Given the role back and deactivated while subscribed: 4401 without waiting for an event.
    ok(&t, &admin, "mutation($u: ID!) { setUserRoles(userId: $u, roles: [LEGAL]) { id } }", json!({ "u": legal_id }))
        .await;
    let mut deactivated = ws_connect(&t, &d.legal).await;
    subscribe_to_queue(&mut deactivated).await;
    ok(&t, &admin, "mutation($u: ID!) { deactivateUser(userId: $u) { id } }", json!({ "u": legal_id })).await;
    let (close, reason) = closed_with(&mut deactivated).await;
    assert_eq!(close, 4401, "{reason}");
    assert!(reason.contains("deactivated"), "{reason}");
    // And the same credential is refused over HTTP on the next request.
    let r = t.gql(Some(&d.legal), "{ me { id } }", json!({})).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
    t.stop().await;
});

/// A role change on one instance reaches a socket open on another within seconds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_demotion_on_one_instance_ends_the_subscription_on_another() {
    let t = spawn_app(Engine::Postgres).await;
    let d = quoted(&t).await;
    let admin = t.login("admin@demo.test").await;
    let legal_id = t.user_id(&d.legal, "legal@demo.test").await;
    let (_, ws_url, second) = t.second_instance().await;
    let mut on_second = ws_connect_to(&ws_url, &d.legal).await;
    subscribe_to_queue(&mut on_second).await;

    ok(&t, &admin, "mutation($u: ID!) { setUserRoles(userId: $u, roles: [FINANCE]) { id } }", json!({ "u": legal_id }))
        .await;
    // The second instance heard of the change before the contract reaches its queue.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let _ = submitted_from(&t, d).await;
    let (close, reason) = closed_with(&mut on_second).await;
    assert_eq!(close, 4403, "{reason}");
    second.stop().await;
    t.stop().await;
}

both!(subscription_errors_carry_the_http_error_codes, |engine| async move {
    let t = spawn_app(engine).await;
    let d = people(&t).await;
    // The SDR may not read the legal queue: the error message says FORBIDDEN, as over HTTP.
    let mut ws = ws_connect(&t, &d.sdr).await;
    let sub =
        json!({ "id": "s", "type": "subscribe", "payload": { "query": "subscription { legalQueueChanged { id } }" } });
    ws.send(Message::text(sub.to_string())).await.unwrap();
    let got = ws_next(&mut ws).await;
    let errors = if got["type"] == "error" { got["payload"].clone() } else { got["payload"]["errors"].clone() };
    assert_eq!(errors[0]["extensions"]["code"], "FORBIDDEN", "{got}");
    // A document that does not validate is GRAPHQL_VALIDATION_FAILED, as over HTTP.
    let bad = json!({ "id": "b", "type": "subscribe", "payload": { "query": "subscription { noSuchField }" } });
    ws.send(Message::text(bad.to_string())).await.unwrap();
    let mut got = ws_next(&mut ws).await;
    while got["type"] == "complete" && got["id"] == "s" {
        got = ws_next(&mut ws).await;
    }
    let errors = if got["type"] == "error" { got["payload"].clone() } else { got["payload"]["errors"].clone() };
    assert_eq!(errors[0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{got}");
    t.stop().await;
});

both!(an_unselected_total_count_costs_no_statement_and_a_by_id_lookup_two, |engine| async move {
    let t = spawn_app(engine).await;
    let d = quoted(&t).await;
    let with_total =
        statements_for(&t, &d.ae, "{ salesView { opportunities(first: 5) { totalCount edges { node { id } } } } }")
            .await;
    let without =
        statements_for(&t, &d.ae, "{ salesView { opportunities(first: 5) { edges { node { id } } } } }").await;
    assert_eq!(with_total, without + 1, "totalCount is one COUNT, and only when selected");
    let by_id = format!("{{ opportunity(id: \"{}\") {{ name account {{ name }} }} }}", d.opportunity);
    let n = statements_for(&t, &d.ae, &by_id).await;
    assert!(n <= 2, "a by-id lookup with its account's name takes at most two statements, took {n}");

    // An already-seen caller is not read again until something about them changes.
    let counter = Arc::new(AtomicUsize::new(0));
    let mut db = baton_store::connect(&t.database_url, 2, std::time::Duration::from_secs(10)).await.unwrap();
    let c = counter.clone();
    db.set_metric_callback(move |_| {
        c.fetch_add(1, Ordering::SeqCst);
    });
    let app = baton_app::App::new(db, t.app().jwt.clone());
    let first = app.authenticate(&d.ae).await.unwrap();
    let reads = counter.load(Ordering::SeqCst);
    assert!(reads > 0);
    let again = app.authenticate(&d.ae).await.unwrap();
    assert_eq!(counter.load(Ordering::SeqCst), reads, "the second request reads no user, role or team");
    assert_eq!(again.roles, first.roles);
    app.principals_changed(first.org_id);
    app.authenticate(&d.ae).await.unwrap();
    assert!(counter.load(Ordering::SeqCst) > reads, "a principal change makes the next request read again");
    t.stop().await;
});

both!(two_job_runners_racing_for_a_renewal_open_it_once_and_neither_fails, |engine| async move {
    let t = spawn_app(engine).await;
    let (_d, _) = signed(&t).await;
    let soon = (chrono::Utc::now().date_naive() + chrono::Duration::days(30)).format("%Y-%m-%d").to_string();
    t.exec(&format!("UPDATE subscriptions SET end_on = '{soon}'")).await;
    let (_, _, second) = t.second_instance().await;
    let today = chrono::Utc::now().date_naive();
    for _ in 0..3 {
        let (a, b) = tokio::join!(t.app().open_due_renewals(today), second.app.open_due_renewals(today));
        let (a, b) = (a.expect("the first runner does not fail"), b.expect("the losing runner does not fail"));
        assert!(a + b <= 1, "opened {a} + {b}");
    }
    assert_eq!(t.count("opportunities WHERE kind = 'RENEWAL'").await, 1);
    second.stop().await;
    t.stop().await;
});
