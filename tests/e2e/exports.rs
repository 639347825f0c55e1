//! CSV exports end to end: the rows of the caller's view, paged, field rules, search, refusals
//! with stable codes, and one audit row per export.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::flow::{self, ok};
use baton_tests::*;
use serde_json::{Value, json};
use std::collections::HashSet;

const LEAD_COLUMNS: [&str; 14] = [
    "id",
    "companyName",
    "contactName",
    "contactEmail",
    "contactPhone",
    "industry",
    "companySize",
    "source",
    "status",
    "priority",
    "jurisdiction",
    "owner",
    "firstContactedAt",
    "createdAt",
];

/// `GET /export/<path>` with an optional bearer token.
async fn get(t: &TestApp, token: Option<&str>, path: &str) -> reqwest::Response {
    let mut req = t.http.get(format!("{}/export/{path}", t.base));
    if let Some(tok) = token {
        req = req.bearer_auth(tok);
    }
    req.send().await.unwrap()
}

/// A CSV file read back: its header and records, keyed by header.
struct Csv {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    body: String,
}

impl Csv {
    fn column(&self, name: &str) -> Vec<String> {
        let i = self.headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"));
        self.rows.iter().map(|r| r[i].clone()).collect()
    }
}

async fn export(t: &TestApp, token: &str, path: &str) -> Csv {
    let r = get(t, Some(token), path).await;
    assert_eq!(r.status(), 200, "{path}");
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename="));
    let body = r.text().await.unwrap();
    let text = body.strip_prefix('\u{feff}').expect("an export starts with a byte-order mark");
    let table = baton_domain::import::read(text, b',').unwrap_or_else(|e| panic!("{e:?}"));
    assert!(table.errors.is_empty(), "{:?}", table.errors);
    Csv { headers: table.headers, rows: table.rows.into_iter().map(|r| r.cells).collect(), body }
}

/// A refused export: its status and `extensions`.
async fn refused(t: &TestApp, token: Option<&str>, path: &str) -> (u16, Value) {
    let r = get(t, token, path).await;
    let status = r.status().as_u16();
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("application/json"), "{path}");
    let v: Value = r.json().await.unwrap();
    (status, v["errors"][0]["extensions"].clone())
}

/// The `exportCsv` audit rows, oldest first (read as the ADMIN).
async fn export_audits(t: &TestApp) -> Vec<Value> {
    let admin = t.login("admin@demo.test").await;
    let d = ok(
        t,
        &admin,
        "{ auditLog(action: \"exportCsv\", first: 100) { edges { node { actorId entityType entityId after } } } }",
        json!({}),
    )
    .await;
    let mut rows: Vec<Value> = d["auditLog"]["edges"].as_array().unwrap().iter().map(|e| e["node"].clone()).collect();
    rows.reverse();
    rows
}

async fn total(t: &TestApp, token: &str, query: &str, path: &[&str]) -> usize {
    let mut v = ok(t, token, query, json!({})).await;
    for p in path {
        v = v[*p].clone();
    }
    v["totalCount"].as_u64().unwrap_or_else(|| panic!("{v}")) as usize
}

/// Imports `n` leads as marketing (routed round-robin over the SDRs).
async fn import_leads(t: &TestApp, n: usize) {
    let marketing = t.login("marketing@demo.test").await;
    let mut csv = String::from("Company,Contact,E-mail\n");
    for i in 0..n {
        csv.push_str(&format!("Export Co {i},Person {i},p{i}@export{i}.example\n"));
    }
    let mapping = json!({
        "columns": [
            { "column": "Company", "field": "companyName" },
            { "column": "Contact", "field": "contactName" },
            { "column": "E-mail", "field": "contactEmail" },
        ],
        "source": "EVENT",
        "commit": "PER_ROW",
    });
    let d = ok(
        t,
        &marketing,
        "mutation($csv: String!, $m: ImportMappingInput!) { importLeads(csv: $csv, mapping: $m, dryRun: false, duplicates: CREATE_ANYWAY) { status created } }",
        json!({ "csv": csv, "m": mapping }),
    )
    .await;
    assert_eq!(d["importLeads"]["created"], n, "{d}");
}

const LEADS_TOTAL: &str = "{ salesView { leads { totalCount } } }";

both!(an_export_holds_the_rows_of_the_callers_view_over_several_pages_and_is_audited_once, |engine| async move {
    let t = spawn_app(engine).await;
    import_leads(&t, 1_000).await;
    let admin = t.login("admin@demo.test").await;
    let sdr = t.login("sdr@demo.test").await;
    let i = json!({ "companyName": "Own Lead Co", "contactName": "Oona Own", "source": "SEO" });
    ok(&t, &sdr, "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }", json!({ "i": i })).await;
    // One lead goes to the account executive, outside the SDR's scope.
    let manager = t.login("salesmanager@demo.test").await;
    let i = json!({ "companyName": "Handed On Co", "contactName": "Hal Handed", "source": "SEO" });
    let d =
        ok(&t, &manager, "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }", json!({ "i": i })).await;
    let ae_id = t.user_id(&manager, "ae@demo.test").await;
    ok(
        &t,
        &manager,
        "mutation($l: ID!, $o: ID!) { assignLead(leadId: $l, ownerId: $o) { id } }",
        json!({ "l": d["createLead"]["id"], "o": ae_id }),
    )
    .await;

    // The ADMIN's view holds every lead: more than two pages of the export.
    let all = export(&t, &admin, "leads.csv").await;
    assert_eq!(all.headers, LEAD_COLUMNS);
    let view_total = total(&t, &admin, LEADS_TOTAL, &["salesView", "leads"]).await;
    assert!(view_total > 2 * 500, "more than two pages");
    assert_eq!(all.rows.len(), view_total);
    let ids: HashSet<String> = all.column("id").into_iter().collect();
    assert_eq!(ids.len(), view_total, "every row once");
    assert!(all.column("contactEmail").contains(&"p999@export999.example".to_owned()));

    // The SDR's export holds exactly the SDR's own leads, as the view does.
    let mine = export(&t, &sdr, "leads.csv").await;
    assert_eq!(mine.rows.len(), total(&t, &sdr, LEADS_TOTAL, &["salesView", "leads"]).await);
    assert!(!mine.rows.is_empty() && mine.rows.len() < all.rows.len(), "{} of {}", mine.rows.len(), all.rows.len());
    assert!(mine.column("owner").iter().all(|o| o == "sdr@demo.test"));

    // A filter is the view's argument.
    let new = export(&t, &admin, "leads.csv?status=NEW").await;
    let new_total =
        total(&t, &admin, "{ salesView { leads(status: NEW) { totalCount } } }", &["salesView", "leads"]).await;
    assert_eq!(new.rows.len(), new_total);
    assert!(new.column("status").iter().all(|s| s == "NEW"));

    // One audit row per export, naming the list, the filter, the personal columns and the rows.
    let audits = export_audits(&t).await;
    assert_eq!(audits.len(), 3, "{audits:?}");
    let admin_id = t.user_id(&admin, "admin@demo.test").await;
    let sdr_id = t.user_id(&admin, "sdr@demo.test").await;
    assert_eq!(audits[0]["actorId"], admin_id);
    assert_eq!(audits[0]["entityType"], "export");
    let after = &audits[0]["after"];
    assert_eq!(after["list"], "leads");
    assert_eq!(after["rows"], view_total);
    assert_eq!(after["personalColumns"], json!(["contactName", "contactEmail", "contactPhone"]));
    assert_eq!(after["hiddenColumns"], json!([]));
    assert_eq!(audits[1]["actorId"], sdr_id);
    assert_eq!(audits[1]["after"]["rows"], mine.rows.len());
    assert_eq!(audits[2]["after"]["filter"], json!({ "status": "NEW" }));
    assert_eq!(audits[2]["after"]["rows"], new_total);
    t.stop().await;
});

both!(field_rules_leave_the_columns_a_role_does_not_read_out_of_an_export, |engine| async move {
    let t = spawn_app(engine).await;
    let admin = t.login("admin@demo.test").await;
    let sdr = t.login("sdr@demo.test").await;
    ok(
        &t,
        &sdr,
        "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }",
        json!({ "i": { "companyName": "Quiet Quarry", "contactName": "Hidden Person", "contactEmail": "hidden@quarry.example", "source": "SEO" } }),
    )
    .await;
    let role = json!({
        "name": "Lead counter",
        "grants": [
            { "action": "salesView", "scope": "ORG" },
            { "action": "lead", "scope": "ORG" },
            { "action": "exportCsv", "scope": "ORG" }
        ],
        "readableFields": [{ "type": "Lead", "fields": ["companyName", "status"] }]
    });
    let d = ok(&t, &admin, "mutation($i: RoleInput!) { createRole(input: $i) { id } }", json!({ "i": role })).await;
    let role_id = d["createRole"]["id"].as_str().unwrap().to_owned();
    let d = ok(
        &t,
        &admin,
        "mutation($i: CreateUserInput!) { createUser(input: $i) { id } }",
        json!({ "i": { "email": "counter@demo.test", "name": "Cy Counter", "password": "counter-pass", "roles": [] } }),
    )
    .await;
    let user_id = d["createUser"]["id"].as_str().unwrap().to_owned();
    ok(
        &t,
        &admin,
        "mutation($u: ID!, $r: ID!) { grantRole(userId: $u, roleId: $r) { id } }",
        json!({ "u": user_id, "r": role_id }),
    )
    .await;
    let counter = t.login_with("counter@demo.test", "counter-pass").await.unwrap();

    let csv = export(&t, &counter, "leads.csv").await;
    assert_eq!(csv.headers, ["id", "companyName", "status"]);
    assert!(csv.column("companyName").contains(&"Quiet Quarry".to_owned()));
    assert!(!csv.body.contains("hidden@quarry.example") && !csv.body.contains("Hidden Person"));
    // The same person's label is left out of a search export too.
    let hits = export(&t, &counter, "search.csv?text=quiet%20quarry").await;
    assert_eq!(hits.column("kind"), ["LEAD"]);
    assert_eq!(hits.column("label"), [""]);
    assert!(!hits.body.contains("Hidden Person"));

    let audits = export_audits(&t).await;
    assert_eq!(audits.len(), 2);
    assert_eq!(audits[0]["after"]["columns"], json!(["id", "companyName", "status"]));
    assert_eq!(audits[0]["after"]["personalColumns"], json!([]));
    let hidden = audits[0]["after"]["hiddenColumns"].as_array().unwrap();
    assert!(hidden.contains(&json!("contactEmail")) && hidden.contains(&json!("owner")), "{hidden:?}");
    t.stop().await;
});

both!(a_search_export_lists_the_readable_hits_and_defuses_formulas, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let create = "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }";
    for (company, contact) in [("Zebracorn Ltd", "Zed Zebra"), ("=Zebracorn(1)", "Zoe, \"Z\" Zebra")] {
        let i = json!({ "companyName": company, "contactName": contact, "source": "SEO" });
        ok(&t, &sdr, create, json!({ "i": i })).await;
    }
    let csv = export(&t, &sdr, "search.csv?text=zebracorn").await;
    assert_eq!(csv.headers, ["kind", "id", "label", "score"]);
    assert_eq!(csv.column("kind"), ["LEAD", "LEAD"]);
    let labels: HashSet<String> = csv.column("label").into_iter().collect();
    assert!(labels.contains("Zebracorn Ltd — Zed Zebra"), "{labels:?}");
    // A cell a spreadsheet would run as a formula starts with a quote.
    assert!(labels.contains("'=Zebracorn(1) — Zoe, \"Z\" Zebra"), "{labels:?}");
    let leads = export(&t, &sdr, "leads.csv").await;
    assert!(leads.column("companyName").contains(&"'=Zebracorn(1)".to_owned()));

    let admin = t.login("admin@demo.test").await;
    let other = export(&t, &admin, "search.csv?text=zebracorn").await;
    assert_eq!(other.rows.len(), 2, "the ADMIN reads every lead");
    let audits = export_audits(&t).await;
    assert_eq!(audits[0]["after"]["filter"], json!({ "text": "zebracorn" }));
    assert_eq!(audits[0]["after"]["personalColumns"], json!(["label"]));
    assert_eq!(audits[0]["after"]["rows"], 2);
    t.stop().await;
});

both!(opportunities_accounts_and_invoices_export_as_their_views_show_them, |engine| async move {
    let t = spawn_app(engine).await;
    let d = flow::taken_over(&t).await;

    let opps = export(&t, &d.ae, "opportunities.csv").await;
    let n = total(&t, &d.ae, "{ salesView { opportunities { totalCount } } }", &["salesView", "opportunities"]).await;
    assert_eq!(opps.rows.len(), n);
    let i = opps.column("id").iter().position(|id| *id == d.opportunity).expect("the deal is exported");
    assert_eq!(opps.column("stage")[i], "CLOSED_WON");
    assert_eq!(opps.column("estimatedValue")[i], "24000.00");
    assert_eq!(opps.column("currency")[i], "USD");
    let won = export(&t, &d.ae, "opportunities.csv?stage=CLOSED_WON").await;
    assert!(won.column("stage").iter().all(|s| s == "CLOSED_WON") && won.column("id").contains(&d.opportunity));

    let accounts = export(&t, &d.cs, "accounts.csv").await;
    let n =
        total(&t, &d.cs, "{ customerSuccessView { accounts { totalCount } } }", &["customerSuccessView", "accounts"])
            .await;
    assert_eq!(accounts.rows.len(), n);
    assert!(accounts.column("id").contains(&d.account));
    assert!(accounts.column("csOwner").contains(&"cs@demo.test".to_owned()));

    let invoices = export(&t, &d.finance, "invoices.csv?status=ISSUED").await;
    let view = ok(
        &t,
        &d.finance,
        "{ financeView { invoices(status: ISSUED) { totalCount edges { node { id number amount { amount } } } } } }",
        json!({}),
    )
    .await;
    let edges = view["financeView"]["invoices"]["edges"].as_array().unwrap();
    assert_eq!(invoices.rows.len(), view["financeView"]["invoices"]["totalCount"].as_u64().unwrap() as usize);
    let first = &edges[0]["node"];
    let i = invoices.column("id").iter().position(|id| id == first["id"].as_str().unwrap()).unwrap();
    assert_eq!(invoices.column("number")[i], first["number"].as_str().unwrap());
    assert_eq!(invoices.column("amount")[i], first["amount"]["amount"].as_str().unwrap());
    assert_eq!(export_audits(&t).await.len(), 4);
    t.stop().await;
});

both!(a_refused_export_answers_a_stable_code_and_writes_no_audit_row, |engine| async move {
    let t = spawn_app(engine).await;
    let admin = t.login("admin@demo.test").await;
    let sdr = t.login("sdr@demo.test").await;
    let legal = t.login("legal@demo.test").await;

    let (status, ext) = refused(&t, None, "leads.csv").await;
    assert_eq!((status, ext["code"].as_str().unwrap()), (401, "UNAUTHENTICATED"));
    let (status, ext) = refused(&t, Some("not-a-token"), "leads.csv").await;
    assert_eq!((status, ext["code"].as_str().unwrap()), (401, "UNAUTHENTICATED"));
    // Legal may not export at all; an SDR may export, but not finance's list.
    let (status, ext) = refused(&t, Some(&legal), "leads.csv").await;
    assert_eq!((status, ext["code"].as_str().unwrap()), (403, "FORBIDDEN"));
    assert!(ext["reasons"][0].as_str().unwrap().contains("exportCsv"), "{ext}");
    let (status, ext) = refused(&t, Some(&sdr), "invoices.csv").await;
    assert_eq!((status, ext["code"].as_str().unwrap()), (403, "FORBIDDEN"));

    for (path, field) in [
        ("contracts.csv", "list"),
        ("leads", "list"),
        ("leads.csv?colour=red", "colour"),
        ("leads.csv?status=MAYBE", "status"),
        ("leads.csv?status=NEW&status=QUALIFIED", "status"),
        ("accounts.csv?vip=yes", "vip"),
        ("search.csv", "text"),
        ("search.csv?text=a", "text"),
    ] {
        let (status, ext) = refused(&t, Some(&admin), path).await;
        assert_eq!(status, 400, "{path}");
        assert_eq!(ext["code"], "BAD_USER_INPUT", "{path}");
        assert_eq!(ext["field"], field, "{path}");
    }
    assert!(export_audits(&t).await.is_empty(), "a refused export is not audited");
    t.stop().await;
});
