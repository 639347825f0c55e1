//! Data-subject rights: export holds the person from every table, erasure leaves no trace of
//! them anywhere while finance's records stay; PIPL cross-border basis; the 30-day deadline;
//! the retention purge of disqualified leads.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::flow::*;
use baton_tests::*;
use chrono::{Duration, Utc};
use serde_json::{Value, json};

const OPEN: &str = "mutation($i: OpenDataSubjectRequestInput!) { openDataSubjectRequest(input: $i) { id status dueAt overdue subjectEmail } }";
const EXPORT: &str = "mutation($r: ID!, $d: String!) { exportPersonalData(requestId: $r, destinationJurisdiction: $d) { request { status completedAt destinationJurisdiction } data } }";
const ERASE: &str = "mutation($r: ID!) { erasePersonalData(requestId: $r) { request { status subjectEmail subjectDigest outcome } leads contacts activities outboxEmails mentions auditPayloads } }";
const CONSENT: &str = "mutation($l: ID!) { recordConsent(leadId: $l, purpose: SALES_CONTACT, lawfulBasis: CONSENT, source: \"web form\", noticeVersion: \"2026-03\") { id } }";

const NAME: &str = "Zelda Quintero";
const EMAIL: &str = "zelda.q@acme.example";
const PHONE: &str = "+49 30 5550199";

async fn open(t: &TestApp, privacy: &str, kind: &str, email: &str) -> String {
    let r = ok(t, privacy, OPEN, json!({ "i": { "kind": kind, "email": email } })).await;
    assert_eq!(r["openDataSubjectRequest"]["status"], "OPEN");
    r["openDataSubjectRequest"]["id"].as_str().unwrap().to_owned()
}

async fn invoice_total(t: &TestApp, d: &Deal) -> Value {
    let mut total = 0.0_f64;
    for i in &d.invoices {
        let r = ok(t, &d.finance, "query($i: ID!) { invoice(id: $i) { amount { amount } } }", json!({ "i": i })).await;
        total += r["invoice"]["amount"]["amount"].as_str().unwrap().parse::<f64>().unwrap();
    }
    json!(format!("{total:.2}"))
}

both!(export_holds_the_person_from_every_table_and_erasure_leaves_no_trace, |engine| async move {
    let t = spawn_app(engine).await;
    let lead = json!({ "companyName": "Acme Retail", "contactName": NAME, "contactEmail": EMAIL, "contactPhone": PHONE, "source": "SEO", "jurisdiction": "de" });
    let d = converted_with(&t, lead).await;
    let privacy = t.login("privacy@demo.test").await;
    // The person's trail: consent, a sales e-mail, notes and free text naming them, a gift.
    ok(&t, &privacy, CONSENT, json!({ "l": d.lead })).await;
    ok(
        &t,
        &d.sdr,
        "mutation($l: ID!) { sendLeadEmail(leadId: $l, subject: \"Your trial\", body: \"Hello Zelda Quintero, welcome.\") { id } }",
        json!({ "l": d.lead }),
    )
    .await;
    ok(
        &t,
        &d.ae,
        "mutation($o: ID!) { logActivity(opportunityId: $o, kind: CALL, notes: \"Call with Zelda Quintero (zelda.q@acme.example) on rollout\") { id } }",
        json!({ "o": d.opportunity }),
    )
    .await;
    let d = quoted_from(&t, d).await;
    ok(
        &t,
        &d.ae,
        "mutation($i: GiftInput!) { recordGift(input: $i) { id } }",
        json!({ "i": { "given": true, "description": "Book for Zelda Quintero", "value": { "amount": "30", "currency": "USD" }, "accountId": d.account, "opportunityId": d.opportunity, "purpose": "Thank-you" } }),
    )
    .await;
    let (d, _) = signed_from(&t, approved_from(&t, submitted_from(&t, d).await).await).await;
    let total = invoice_total(&t, &d).await;
    // The win/loss review names the person in its primary reason.
    ok(
        &t,
        &d.manager,
        "mutation($o: ID!) { recordWinLossReview(opportunityId: $o, primaryReason: \"Zelda Quintero championed the rollout\", lessons: \"Keep Zelda Quintero close\") { id } }",
        json!({ "o": d.opportunity }),
    )
    .await;

    // Export: every table that holds the person shows up in the export.
    let req = open(&t, &privacy, "EXPORT", "Zelda.Q@Acme.example").await;
    // The search index is derived from the objects' columns (app::privacy::DERIVED): it follows
    // them, and the export covers the objects themselves.
    let derived =
        |h: &String| h.starts_with("search_fts") || baton_app::legal::privacy::classification_of(h) == Some("derived");
    let holders: Vec<String> =
        [t.text_hits(EMAIL).await, t.text_hits(NAME).await].concat().into_iter().filter(|h| !derived(h)).collect();
    assert!(holders.iter().any(|h| h.starts_with("leads.")) && holders.iter().any(|h| h.starts_with("contacts.")));
    let audit_before = t.count("audit_log").await;
    let r = ok(&t, &privacy, EXPORT, json!({ "r": req, "d": "DE" })).await;
    let x = &r["exportPersonalData"]["data"];
    assert_eq!(r["exportPersonalData"]["request"]["status"], "COMPLETED");
    assert_eq!(x["leads"][0]["contact_email"], EMAIL);
    assert_eq!(x["leads"][0]["jurisdiction"], "DE");
    assert_eq!(x["contacts"][0]["name"], NAME);
    assert_eq!(x["consents"][0]["purpose"], "SALES_CONTACT");
    assert_eq!(x["outboxEmails"][0]["to_address"], EMAIL);
    assert!(
        x["activities"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "CONTACT_ATTEMPT" || a["lead_id"] == d.lead.as_str()),
        "{x}"
    );
    assert!(x["auditTrail"].to_string().contains(EMAIL));
    let mentioned: Vec<&str> = x["mentions"].as_array().unwrap().iter().map(|m| m["table"].as_str().unwrap()).collect();
    let sections = [
        ("leads", "leads"),
        ("contacts", "contacts"),
        ("outbox_emails", "outboxEmails"),
        ("audit_payloads", "auditTrail"),
        ("data_subject_requests", "dataSubjectRequests"),
    ];
    for h in &holders {
        let table = h.split('.').next().unwrap();
        let covered = sections.iter().any(|(tb, key)| *tb == table && !x[*key].as_array().unwrap().is_empty())
            || mentioned.contains(&table);
        assert!(covered, "{h} holds the person but the export has nothing from {table}: {x}");
    }
    assert!(mentioned.contains(&"activities") && mentioned.contains(&"gifts"), "{mentioned:?}");
    // The read is audited, without the data.
    assert_eq!(t.count("audit_log").await, audit_before + 1);
    let log =
        ok(&t, &privacy, "{ auditLog(action: \"exportPersonalData\") { edges { node { after } } } }", json!({})).await;
    let logged = log["auditLog"]["edges"][0]["node"]["after"].to_string();
    assert!(logged.contains("\"destination\":\"DE\"") && !logged.contains(EMAIL), "{logged}");
    // A completed request cannot be answered twice; an export request is not an erasure.
    assert_eq!(
        t.gql(Some(&privacy), EXPORT, json!({ "r": req, "d": "DE" })).await["errors"][0]["extensions"]["rule"],
        "INVALID_TRANSITION"
    );
    assert_eq!(
        t.gql(Some(&privacy), ERASE, json!({ "r": req })).await["errors"][0]["extensions"]["rule"],
        "INVALID_TRANSITION"
    );

    // Nobody else answers requests.
    let erasure = open(&t, &privacy, "ERASURE", EMAIL).await;
    assert_eq!(code(&t.gql(Some(&d.legal), ERASE, json!({ "r": erasure })).await), "FORBIDDEN");
    assert_eq!(
        code(&t.gql(Some(&d.sdr), OPEN, json!({ "i": { "kind": "EXPORT", "email": EMAIL } })).await),
        "FORBIDDEN"
    );

    // Erasure: no personal value left in any text column of any table.
    let r = ok(&t, &privacy, ERASE, json!({ "r": erasure })).await;
    let e = &r["erasePersonalData"];
    assert_eq!(e["request"]["status"], "COMPLETED");
    assert!(e["request"]["subjectEmail"].is_null());
    assert_eq!((e["leads"].as_i64(), e["contacts"].as_i64()), (Some(1), Some(1)), "{e}");
    assert!(e["auditPayloads"].as_i64().unwrap() > 0 && e["mentions"].as_i64().unwrap() >= 2, "{e}");
    for needle in [EMAIL, NAME, PHONE, "Zelda"] {
        assert_eq!(t.text_hits(needle).await, Vec::<String>::new(), "`{needle}` survived the erasure");
    }
    // The queued e-mail to the person is never sent now.
    assert_eq!(t.count("outbox_emails WHERE status = 'PENDING'").await, 0);
    assert_eq!(t.count("outbox_emails WHERE status = 'CANCELLED'").await, 1);
    // Finance keeps its records, pseudonymised; the chain still verifies.
    assert_eq!(invoice_total(&t, &d).await, total);
    let r = ok(
        &t,
        &d.ae,
        "query($a: ID!) { account(id: $a) { contacts { name email erasedAt } } }",
        json!({ "a": d.account }),
    )
    .await;
    let erased: Vec<&Value> =
        r["account"]["contacts"].as_array().unwrap().iter().filter(|c| !c["erasedAt"].is_null()).collect();
    assert_eq!(erased.len(), 1, "{r}");
    assert!(erased[0]["name"].as_str().unwrap().starts_with("Erased subject "));
    assert!(erased[0]["email"].is_null());
    assert!(matches!(t.app().verify_audit().await.unwrap(), baton_app::kernel::audit::Verdict::Intact { .. }));
    // Legal can show what was erased and when: the request keeps the digest of the address.
    let list = ok(&t, &privacy, "{ dataSubjectRequests { kind status subjectDigest completedAt } }", json!({})).await;
    let digests: Vec<&Value> =
        list["dataSubjectRequests"].as_array().unwrap().iter().map(|r| &r["subjectDigest"]).collect();
    assert!(digests.iter().all(|x| *x == digests[0]), "one person, one digest: {list}");
    t.stop().await;
});

both!(a_pipl_subject_leaves_its_jurisdiction_only_with_a_recorded_basis, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let privacy = t.login("privacy@demo.test").await;
    let r = ok(
        &t,
        &sdr,
        "mutation($i: CreateLeadInput!) { createLead(input: $i) { id jurisdiction } }",
        json!({ "i": { "companyName": "Shanghai Trading", "contactName": "Li Wei", "contactEmail": "li.wei@trade.example", "source": "EVENT", "jurisdiction": "CN" } }),
    )
    .await;
    assert_eq!(r["createLead"]["jurisdiction"], "CN");
    let lead = r["createLead"]["id"].as_str().unwrap().to_owned();
    let bad = t
        .gql(
            Some(&sdr),
            "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }",
            json!({ "i": { "companyName": "X", "contactName": "Y", "source": "EVENT", "jurisdiction": "China" } }),
        )
        .await;
    assert_eq!(code(&bad), "BAD_USER_INPUT");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "jurisdiction");
    assert_eq!(t.count("leads WHERE company_name = 'X'").await, 0, "a refused lead is not written");

    let req = open(&t, &privacy, "EXPORT", "li.wei@trade.example").await;
    let audit = t.count("audit_log").await;
    let r = t.gql(Some(&privacy), EXPORT, json!({ "r": req, "d": "DE" })).await;
    assert_eq!(r["errors"][0]["extensions"]["rules"], json!(["CROSS_BORDER_BASIS_REQUIRED"]), "{r}");
    assert_eq!(t.count("audit_log").await, audit, "a refused export changes nothing");
    let list = ok(&t, &privacy, "{ dataSubjectRequests(openOnly: true) { id status } }", json!({})).await;
    assert_eq!(list["dataSubjectRequests"][0]["id"], req.as_str());

    let set = "mutation($s: ID!, $b: CrossBorderBasis) { setDataResidency(subjectId: $s, jurisdiction: \"CN\", crossBorderBasis: $b) { jurisdiction crossBorderBasis } }";
    assert_eq!(code(&t.gql(Some(&sdr), set, json!({ "s": lead, "b": "STANDARD_CONTRACT" })).await), "FORBIDDEN");
    let r = ok(&t, &privacy, set, json!({ "s": lead, "b": "STANDARD_CONTRACT" })).await;
    assert_eq!(r["setDataResidency"]["crossBorderBasis"], "STANDARD_CONTRACT");
    let r = ok(&t, &privacy, EXPORT, json!({ "r": req, "d": "DE" })).await;
    assert_eq!(r["exportPersonalData"]["request"]["destinationJurisdiction"], "DE");
    assert_eq!(r["exportPersonalData"]["data"]["leads"][0]["cross_border_basis"], "STANDARD_CONTRACT");

    // The deadline: 30 days from receipt; a request received 40 days ago is overdue.
    let received = (Utc::now() - Duration::days(40)).to_rfc3339();
    let r = ok(
        &t,
        &privacy,
        OPEN,
        json!({ "i": { "kind": "ERASURE", "email": "late@trade.example", "receivedAt": received } }),
    )
    .await;
    assert_eq!(r["openDataSubjectRequest"]["overdue"], true);
    // The privacy officer is reminded once a day of what is overdue or due within a week.
    let now = Utc::now();
    assert_eq!(t.app().remind_data_subject_requests(now).await.unwrap(), 1, "the export request is not due yet");
    assert_eq!(t.app().remind_data_subject_requests(now + Duration::hours(1)).await.unwrap(), 0, "once a day");
    let n = ok(&t, &privacy, "{ notifications { title body } }", json!({})).await;
    assert_eq!(n["notifications"][0]["title"], "Data-subject request overdue", "{n}");
    let (requests, audit) = (t.count("data_subject_requests").await, t.count("audit_log").await);
    let future = (Utc::now() + Duration::days(1)).to_rfc3339();
    let r = t
        .gql(
            Some(&privacy),
            OPEN,
            json!({ "i": { "kind": "ERASURE", "email": "x@trade.example", "receivedAt": future } }),
        )
        .await;
    assert_eq!(code(&r), "BAD_USER_INPUT");
    let r = t.gql(Some(&privacy), OPEN, json!({ "i": { "kind": "ERASURE", "email": "not an address" } })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT");
    assert_eq!(
        (t.count("data_subject_requests").await, t.count("audit_log").await),
        (requests, audit),
        "refused requests write nothing"
    );
    t.stop().await;
});

both!(the_retention_job_purges_disqualified_leads_once_their_time_is_up, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let admin = t.login("admin@demo.test").await;
    let create = "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }";
    let mut ids = vec![];
    for (name, email) in [
        ("Old Prospect", "old@gone.example"),
        ("Fresh Prospect", "fresh@gone.example"),
        ("Open Prospect", "open@gone.example"),
    ] {
        let r = ok(
            &t,
            &sdr,
            create,
            json!({ "i": { "companyName": "Gone Ltd", "contactName": name, "contactEmail": email, "source": "SEO" } }),
        )
        .await;
        ids.push(r["createLead"]["id"].as_str().unwrap().to_owned());
    }
    let disq = "mutation($l: ID!) { disqualifyLead(leadId: $l, reason: \"no budget\") { status } }";
    ok(&t, &sdr, disq, json!({ "l": ids[0] })).await;
    ok(&t, &sdr, disq, json!({ "l": ids[1] })).await;
    let bad = t.gql(Some(&admin), "mutation { updateOrgSettings(input: { disqualifiedLeadRetentionDays: 0 }) { disqualifiedLeadRetentionDays } }", json!({})).await;
    assert_eq!(code(&bad), "BAD_USER_INPUT");
    let r = ok(&t, &admin, "{ orgSettings { disqualifiedLeadRetentionDays } }", json!({})).await;
    assert_eq!(r["orgSettings"]["disqualifiedLeadRetentionDays"], 365, "a refused setting changes nothing");
    let r = ok(&t, &admin, "mutation { updateOrgSettings(input: { disqualifiedLeadRetentionDays: 90 }) { disqualifiedLeadRetentionDays } }", json!({})).await;
    assert_eq!(r["updateOrgSettings"]["disqualifiedLeadRetentionDays"], 90);
    let long_ago = (Utc::now() - Duration::days(91)).format("%Y-%m-%d %H:%M:%S").to_string();
    t.exec(&format!("UPDATE leads SET disqualified_at = '{long_ago}' WHERE contact_email = 'old@gone.example'")).await;

    assert_eq!(t.app().purge_expired_leads().await.unwrap(), 1);
    assert_eq!(t.app().purge_expired_leads().await.unwrap(), 0, "a purged lead is not purged again");
    assert_eq!(t.text_hits("old@gone.example").await, Vec::<String>::new());
    assert_eq!(t.text_hits("Old Prospect").await, Vec::<String>::new());
    assert!(!t.text_hits("fresh@gone.example").await.is_empty(), "inside its retention");
    assert!(!t.text_hits("open@gone.example").await.is_empty(), "not disqualified");
    let r = ok(
        &t,
        &sdr,
        "query($l: ID!) { lead(id: $l) { contactName contactEmail erasedAt status } }",
        json!({ "l": ids[0] }),
    )
    .await;
    assert!(r["lead"]["contactName"].as_str().unwrap().starts_with("Erased subject "));
    assert!(r["lead"]["contactEmail"].is_null() && !r["lead"]["erasedAt"].is_null());
    assert_eq!(r["lead"]["status"], "DISQUALIFIED");
    let log = ok(
        &t,
        &admin,
        "{ auditLog(action: \"purgeLead\") { totalCount edges { node { actorKind entityId } } } }",
        json!({}),
    )
    .await;
    assert_eq!(log["auditLog"]["edges"][0]["node"]["actorKind"], "system");
    assert_eq!(log["auditLog"]["edges"][0]["node"]["entityId"], ids[0].as_str());
    assert!(matches!(t.app().verify_audit().await.unwrap(), baton_app::kernel::audit::Verdict::Intact { .. }));
    t.stop().await;
});

/// `baton jobs run-once` is its own process beside `serve`: what it raises reaches live
/// subscriptions through PostgreSQL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notifications_raised_by_jobs_run_once_reach_live_subscriptions() {
    use clap::Parser;
    use futures_util::SinkExt;
    let t = spawn_app(Engine::Postgres).await;
    let privacy = t.login("privacy@demo.test").await;
    let received = (Utc::now() - Duration::days(40)).to_rfc3339();
    ok(
        &t,
        &privacy,
        OPEN,
        json!({ "i": { "kind": "ERASURE", "email": "late@trade.example", "receivedAt": received } }),
    )
    .await;
    let mut ws = ws_connect(&t, &privacy).await;
    let sub = json!({ "id": "n", "type": "subscribe", "payload": { "query": "subscription { notifications { id title createdAt readAt } }" } });
    ws.send(tokio_tungstenite::tungstenite::Message::text(sub.to_string())).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let cli = baton_server::cli::Cli::try_parse_from([
        "baton",
        "--database-url",
        t.database_url.as_str(),
        "--jwt-secret",
        SECRET,
        "jobs",
        "run-once",
    ])
    .unwrap();
    baton_server::cli::run(cli).await.unwrap();

    let got = ws_next(&mut ws).await;
    let live = &got["payload"]["data"]["notifications"];
    assert_eq!(live["title"], "Data-subject request overdue", "{got}");
    // One type, one object: the query answers the same notification with the same times.
    let listed = ok(&t, &privacy, "{ notifications { id title createdAt readAt } }", json!({})).await;
    let same = listed["notifications"].as_array().unwrap().iter().find(|n| n["id"] == live["id"]).cloned();
    assert_eq!(same.as_ref(), Some(live), "{listed}");
    assert!(live["readAt"].is_null());
    t.stop().await;
}

/// The text columns of the live schema, as (table, column).
/// Every text column of the schema; on SQLite not the FTS5 index of `search_documents` (its
/// virtual and shadow tables), which holds what `search_documents` holds.
async fn text_columns(t: &TestApp) -> Vec<(String, String)> {
    use sea_orm::{ConnectionTrait, Statement};
    let db = &t.app().db;
    let sql = match t.engine {
        Engine::Postgres => "SELECT table_name AS t, column_name AS c FROM information_schema.columns \
             WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'character') \
             AND table_name <> 'seaql_migrations' ORDER BY 1, 2"
            .to_owned(),
        Engine::Sqlite => "SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'seaql_migrations' \
             AND m.name NOT LIKE 'search_fts%' \
             AND (lower(p.type) IN ('text', '') OR lower(p.type) LIKE 'varchar%' OR lower(p.type) LIKE 'char%' \
                  OR lower(p.type) LIKE 'string%') \
             ORDER BY 1, 2"
            .to_owned(),
    };
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.try_get::<String>("", "t").unwrap(), r.try_get::<String>("", "c").unwrap()))
        .collect()
}

both!(every_text_column_is_classified_for_erasure, |engine| async move {
    let t = spawn_app(engine).await;
    let columns = text_columns(&t).await;
    assert!(columns.len() > 100, "the schema was read: {columns:?}");
    let unclassified: Vec<String> = columns
        .iter()
        .filter(|(tab, col)| baton_app::legal::privacy::classification(tab, col).is_none())
        .map(|(tab, col)| format!("{tab}.{col}"))
        .collect();
    assert!(
        unclassified.is_empty(),
        "classify these text columns as free text, identity or not personal (app::privacy): {unclassified:?}"
    );
    // And no class names a column that is gone.
    for list in [
        baton_app::legal::privacy::FREE_TEXT,
        baton_app::legal::privacy::IDENTITY,
        baton_app::legal::privacy::NOT_PERSONAL,
        baton_app::legal::privacy::DERIVED,
    ] {
        for (tab, cols) in list {
            for col in *cols {
                assert!(
                    columns.iter().any(|(t2, c2)| t2 == tab && c2 == col),
                    "{tab}.{col} is classified but does not exist"
                );
            }
        }
    }
    t.stop().await;
});
