//! CSV imports end to end: per-row errors, dry runs, commit modes, encodings, duplicate
//! policies, authorization, and imported rows treated like created ones.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use base64::Engine as _;
use baton_store::entity::lead;
use baton_tests::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

const JOB: &str = "id status dryRun total processed created updated skipped failed errors { row field message }";

fn import_leads() -> String {
    format!(
        "mutation($csv: String!, $m: ImportMappingInput!, $dry: Boolean!, $dup: DuplicatePolicy!) {{
           importLeads(csv: $csv, mapping: $m, dryRun: $dry, duplicates: $dup) {{ {JOB} }} }}"
    )
}

/// The mapping of the leads files below.
fn leads_mapping(commit: &str) -> Value {
    json!({
        "columns": [
            { "column": "Company", "field": "companyName" },
            { "column": "Contact", "field": "contactName" },
            { "column": "E-mail", "field": "contactEmail" },
            { "column": "Employees", "field": "companySize" },
        ],
        "source": "EVENT",
        "commit": commit,
    })
}

/// One good row and three bad ones (rows 3, 4, 5).
const MIXED: &str = "Company,Contact,E-mail,Employees\n\
    Acme Retail,Ann Buyer,ann@acme.example,120\n\
    Beta Foods,Bob Cook,not-an-address,40\n\
    ,Cid Nobody,cid@gamma.example,10\n\
    Delta Ltd,Dee Count,dee@delta.example,many\n";

async fn import(t: &TestApp, token: &str, csv: &str, mapping: Value, dry: bool, dup: &str) -> Value {
    let r = t.gql(Some(token), &import_leads(), json!({ "csv": csv, "m": mapping, "dry": dry, "dup": dup })).await;
    assert!(r["errors"].is_null(), "{r}");
    r["data"]["importLeads"].clone()
}

async fn leads_with(t: &TestApp, email: &str) -> Vec<lead::Model> {
    lead::Entity::find().filter(lead::Column::ContactEmail.eq(email)).all(&t.app().db).await.unwrap()
}

fn errors(job: &Value) -> Vec<(i64, String)> {
    job["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["row"].as_i64().unwrap(), e["field"].as_str().unwrap().to_owned()))
        .collect()
}

both!(a_dry_run_reports_every_bad_row_by_number_and_field_and_changes_nothing, |engine| async move {
    let t = spawn_app(engine).await;
    let marketing = t.login("marketing@demo.test").await;
    let (leads, audit) = (t.count("leads").await, t.count("audit_log").await);

    let job = import(&t, &marketing, MIXED, leads_mapping("PER_ROW"), true, "SKIP").await;

    assert_eq!(job["status"], "COMPLETED", "{job}");
    assert_eq!(job["dryRun"], true);
    assert_eq!((job["total"].as_i64(), job["processed"].as_i64()), (Some(4), Some(4)));
    assert_eq!((job["created"].as_i64(), job["failed"].as_i64()), (Some(1), Some(3)), "{job}");
    assert_eq!(
        errors(&job),
        vec![(3, "contactEmail".to_owned()), (4, "companyName".to_owned()), (5, "companySize".to_owned())]
    );
    assert_eq!(t.count("leads").await, leads, "a dry run creates nothing");
    assert_eq!(t.count("audit_log").await, audit, "a dry run audits nothing");
    t.stop().await;
});

both!(all_or_nothing_writes_nothing_on_an_error_and_per_row_writes_the_good_rows, |engine| async move {
    let t = spawn_app(engine).await;
    let marketing = t.login("marketing@demo.test").await;
    let leads = t.count("leads").await;

    let job = import(&t, &marketing, MIXED, leads_mapping("ALL_OR_NOTHING"), false, "SKIP").await;
    assert_eq!(job["status"], "FAILED", "{job}");
    assert_eq!(errors(&job).len(), 3);
    assert_eq!(job["created"], 0);
    assert_eq!(t.count("leads").await, leads, "all or nothing: nothing");

    let job = import(&t, &marketing, MIXED, leads_mapping("PER_ROW"), false, "SKIP").await;
    assert_eq!(job["status"], "COMPLETED", "{job}");
    assert_eq!((job["created"].as_i64(), job["failed"].as_i64()), (Some(1), Some(3)));
    assert_eq!(t.count("leads").await, leads + 1, "per row: the good row");
    assert_eq!(leads_with(&t, "ann@acme.example").await.len(), 1);

    // The job is the creator's to read, and the administrator's; anyone else gets NOT_FOUND.
    let q = format!("query($id: ID!) {{ importJob(id: $id) {{ {JOB} }} }}");
    let id = job["id"].clone();
    let r = t.gql(Some(&marketing), &q, json!({ "id": id })).await;
    assert_eq!(r["data"]["importJob"]["created"], 1, "{r}");
    let admin = t.login("admin@demo.test").await;
    assert_eq!(t.gql(Some(&admin), &q, json!({ "id": id })).await["data"]["importJob"]["id"], id);
    let sdr = t.login("sdr@demo.test").await;
    assert_eq!(code(&t.gql(Some(&sdr), &q, json!({ "id": id })).await), "NOT_FOUND");
    t.stop().await;
});

both!(utf8_with_a_byte_order_mark_excel_quoting_and_gbk_read_alike, |engine| async move {
    let t = spawn_app(engine).await;
    let marketing = t.login("marketing@demo.test").await;
    let mut mapping = leads_mapping("ALL_OR_NOTHING");
    mapping["columns"].as_array_mut().unwrap().push(json!({ "column": "Notes", "field": "painPoints" }));

    let csv = "\u{feff}Company,Contact,E-mail,Employees,Notes\r\n\
               \"Acme, Inc.\",Ann Buyer,ann@acme.example,\"1,200\",\"said \"\"call me\"\"\r\nnext week\"\r\n";
    let job = import(&t, &marketing, csv, mapping.clone(), false, "SKIP").await;
    assert_eq!(job["created"], 1, "{job}");
    let l = &leads_with(&t, "ann@acme.example").await[0];
    assert_eq!(l.company_name, "Acme, Inc.", "the byte-order mark is not part of the first header");
    assert_eq!(l.company_size, Some(1200));
    assert_eq!(l.pain_points.as_deref(), Some("said \"call me\"\r\nnext week"));

    // GBK travels as the base64 of the file's bytes.
    let (bytes, _, _) = encoding_rs::GBK
        .encode("Company,Contact,E-mail,Employees,Notes\r\n阿里巴巴,张伟,zhang@alibaba.example,500,展会\r\n");
    let csv = base64::engine::general_purpose::STANDARD.encode(&bytes);
    mapping["encoding"] = json!("GBK");
    let job = import(&t, &marketing, &csv, mapping.clone(), false, "SKIP").await;
    assert_eq!(job["created"], 1, "{job}");
    let l = &leads_with(&t, "zhang@alibaba.example").await[0];
    assert_eq!((l.company_name.as_str(), l.contact_name.as_str()), ("阿里巴巴", "张伟"));
    assert_eq!(l.pain_points.as_deref(), Some("展会"));

    // Text that is not base64 GBK is refused as a whole.
    let r = t
        .gql(
            Some(&marketing),
            &import_leads(),
            json!({ "csv": "Company\nx", "m": mapping, "dry": true, "dup": "SKIP" }),
        )
        .await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "csv");
    t.stop().await;
});

both!(each_duplicate_policy_does_what_it_says, |engine| async move {
    let t = spawn_app(engine).await;
    // The sales manager may update the team's leads; marketing creates leads but may not.
    let manager = t.login("salesmanager@demo.test").await;
    let marketing = t.login("marketing@demo.test").await;
    let r = t
        .gql(
            Some(&manager),
            "mutation { createLead(input: { companyName: \"Acme\", contactName: \"Ann\", contactEmail: \"ann@acme.example\", source: SEO }) { id } }",
            json!({}),
        )
        .await;
    assert!(r["errors"].is_null(), "{r}");
    let csv = "Company,Contact,E-mail,Employees\nAcme Retail,Ann Buyer,ANN@acme.example,120\n";

    let job = import(&t, &manager, csv, leads_mapping("PER_ROW"), false, "SKIP").await;
    assert_eq!((job["created"].as_i64(), job["skipped"].as_i64()), (Some(0), Some(1)), "{job}");
    assert_eq!(leads_with(&t, "ann@acme.example").await[0].company_name, "Acme");

    let job = import(&t, &manager, csv, leads_mapping("PER_ROW"), false, "UPDATE").await;
    assert_eq!(job["updated"], 1, "{job}");
    let found = leads_with(&t, "ann@acme.example").await;
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].company_name.as_str(), found[0].company_size, found[0].version),
        ("Acme Retail", Some(120), 2)
    );

    let job = import(&t, &marketing, csv, leads_mapping("PER_ROW"), false, "UPDATE").await;
    assert!(job["errors"][0]["message"].as_str().unwrap().contains("`updateLead` needs one of the roles"), "{job}");

    let job = import(&t, &manager, csv, leads_mapping("PER_ROW"), false, "CREATE_ANYWAY").await;
    assert_eq!(job["created"], 1, "{job}");
    assert_eq!(leads_with(&t, "ann@acme.example").await.len(), 2);

    // A file repeating an address is told so, row by row.
    let twice = "Company,Contact,E-mail,Employees\nZeta,Zoe,zoe@zeta.example,5\nZeta,Zoe again,zoe@zeta.example,5\n";
    let job = import(&t, &manager, twice, leads_mapping("PER_ROW"), true, "SKIP").await;
    assert_eq!(job["errors"], json!([{ "row": 3, "field": "contactEmail", "message": "repeats row 2 of this file" }]));
    t.stop().await;
});

both!(importing_needs_the_single_row_permission, |engine| async move {
    let t = spawn_app(engine).await;
    let csv = "Company,Contact,E-mail,Employees\nAcme,Ann,ann@acme.example,1\n";
    for who in ["product@demo.test", "ae@demo.test", "finance@demo.test"] {
        let token = t.login(who).await;
        let r = t
            .gql(
                Some(&token),
                &import_leads(),
                json!({ "csv": csv, "m": leads_mapping("PER_ROW"), "dry": true, "dup": "SKIP" }),
            )
            .await;
        assert_eq!(code(&r), "FORBIDDEN", "{who}: {r}");
    }
    let product = t.login("product@demo.test").await;
    let r = t
        .gql(
            Some(&product),
            "mutation { importAccounts(csv: \"Name\\nAcme\", mapping: { columns: [{ column: \"Name\", field: \"name\" }] }, dryRun: true, duplicates: SKIP) { id } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    t.stop().await;
});

both!(imported_leads_are_routed_audited_clocked_and_consented_like_created_ones, |engine| async move {
    let t = spawn_app(engine).await;
    let marketing = t.login("marketing@demo.test").await;
    let mut mapping = leads_mapping("ALL_OR_NOTHING");
    mapping["columns"].as_array_mut().unwrap().push(json!({ "column": "Opt-in", "field": "consent" }));
    mapping["consent"] = json!({ "purpose": "MARKETING_EMAIL", "lawfulBasis": "CONSENT", "noticeVersion": "2026-10", "source": "trade show sheet" });
    let csv = "Company,Contact,E-mail,Employees,Opt-in\n\
               Acme,Ann,ann@acme.example,10,yes\n\
               Beta,Bob,bob@beta.example,20,no\n";

    let job = import(&t, &marketing, csv, mapping, false, "SKIP").await;
    assert_eq!(job["created"], 2, "{job}");

    let q = "query($id: ID!) { lead(id: $id) { owner { email } status source consents { purpose lawfulBasis } slaClocks { kind } } }";
    let ann = leads_with(&t, "ann@acme.example").await.remove(0);
    let r = t.gql(Some(&marketing), q, json!({ "id": ann.id.to_string() })).await;
    let l = &r["data"]["lead"];
    assert_eq!(l["owner"]["email"], "sdr@demo.test", "the round-robin routed it: {r}");
    assert_eq!((l["status"].as_str(), l["source"].as_str()), (Some("NEW"), Some("EVENT")));
    assert_eq!(l["consents"], json!([{ "purpose": "MARKETING_EMAIL", "lawfulBasis": "CONSENT" }]));
    assert_eq!(l["slaClocks"][0]["kind"], "FIRST_CONTACT");
    let bob = leads_with(&t, "bob@beta.example").await.remove(0);
    let r = t.gql(Some(&marketing), q, json!({ "id": bob.id.to_string() })).await;
    assert_eq!(r["data"]["lead"]["consents"], json!([]), "the file said no: {r}");

    // Audited as createLead, by the importer, in the sealed chain.
    let admin = t.login("admin@demo.test").await;
    let r = t
        .gql(
            Some(&admin),
            "query($e: ID) { auditLog(entityId: $e) { edges { node { action actorId seq } } } }",
            json!({ "e": ann.id.to_string() }),
        )
        .await;
    assert_eq!(r["data"]["auditLog"]["edges"][0]["node"]["action"], "createLead", "{r}");
    let marketing_id = t.user_id(&admin, "marketing@demo.test").await;
    assert_eq!(r["data"]["auditLog"]["edges"][0]["node"]["actorId"], marketing_id.as_str());
    assert!(r["data"]["auditLog"]["edges"][0]["node"]["seq"].is_i64(), "sealed into the chain: {r}");
    t.stop().await;
});

both!(a_large_file_runs_in_the_background_and_reports_its_progress, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let mut csv = String::from("Company,Contact,E-mail,Employees\n");
    for i in 0..1500 {
        if i == 700 {
            csv.push_str("Broken,Row,broken,1\n");
        } else {
            csv.push_str(&format!("Company {i},Person {i},p{i}@c{i}.example,{}\n", i + 1));
        }
    }
    let job = import(&t, &sdr, &csv, leads_mapping("PER_ROW"), false, "SKIP").await;
    assert_eq!(job["total"], 1500);
    let q = format!("query($id: ID!) {{ importJob(id: $id) {{ {JOB} }} }}");
    let mut done = job.clone();
    for _ in 0..600 {
        if done["status"] != "RUNNING" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        done = t.gql(Some(&sdr), &q, json!({ "id": job["id"] })).await["data"]["importJob"].clone();
    }
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert_eq!((done["processed"].as_i64(), done["created"].as_i64()), (Some(1500), Some(1499)));
    assert_eq!(
        done["errors"],
        json!([{ "row": 702, "field": "contactEmail", "message": "is not a valid e-mail address" }])
    );
    let mine =
        lead::Entity::find().filter(lead::Column::ContactEmail.like("p%@c%.example")).all(&t.app().db).await.unwrap();
    assert_eq!(mine.len(), 1499);
    let sdr_id = t.user_id(&sdr, "sdr@demo.test").await;
    assert!(
        mine.iter().all(|l| l.owner_id.map(|o| o.to_string()) == Some(sdr_id.clone())),
        "the importing SDR owns them"
    );
    t.stop().await;
});

both!(accounts_and_contacts_are_imported_with_duplicates_found_by_domain_and_address, |engine| async move {
    let t = spawn_app(engine).await;
    let d = flow::converted(&t).await;
    let accounts = "mutation($csv: String!, $dup: DuplicatePolicy!) { importAccounts(csv: $csv, mapping: { columns: [
        { column: \"Name\", field: \"name\" }, { column: \"Website\", field: \"domain\" }, { column: \"Industry\", field: \"industry\" }],
        commit: PER_ROW }, dryRun: false, duplicates: $dup) { status created updated skipped failed errors { row field message } } }";
    let csv = "Name,Website,Industry\nAcme Retail Group,https://www.acme.example/,Retail\nNew Co,newco.example,Software\nBad,not a domain,x\n";
    let r = t.gql(Some(&d.ae), accounts, json!({ "csv": csv, "dup": "SKIP" })).await;
    let job = &r["data"]["importAccounts"];
    assert_eq!((job["created"].as_i64(), job["skipped"].as_i64()), (Some(1), Some(1)), "{r}");
    assert_eq!(
        job["errors"],
        json!([{ "row": 4, "field": "domain", "message": "is not a domain name (example.com)" }])
    );
    let r = t.gql(Some(&d.ae), accounts, json!({ "csv": csv, "dup": "UPDATE" })).await;
    assert_eq!(r["data"]["importAccounts"]["updated"], 2, "{r}");
    let r =
        t.gql(Some(&d.ae), "query($id: ID!) { account(id: $id) { name industry } }", json!({ "id": d.account })).await;
    assert_eq!(r["data"]["account"], json!({ "name": "Acme Retail Group", "industry": "Retail" }));

    let contacts = "mutation($csv: String!) { importContacts(csv: $csv, mapping: { columns: [
        { column: \"Name\", field: \"name\" }, { column: \"E-mail\", field: \"email\" }, { column: \"Company\", field: \"accountDomain\" },
        { column: \"Role\", field: \"role\" }, { column: \"Decides\", field: \"decisionMaker\" }], commit: PER_ROW },
        dryRun: false, duplicates: SKIP) { created skipped errors { row field message } } }";
    let csv = "Name,E-mail,Company,Role,Decides\nAnn Buyer,ann@acme.example,acme.example,business,yes\n\
               Eve Chief,eve@acme.example,acme.example,Executive,yes\nNo One,no@one.example,nowhere.example,IT,no\n";
    let r = t.gql(Some(&d.ae), contacts, json!({ "csv": csv })).await;
    let job = &r["data"]["importContacts"];
    assert_eq!((job["created"].as_i64(), job["skipped"].as_i64()), (Some(1), Some(1)), "{r}");
    assert_eq!(
        job["errors"],
        json!([{ "row": 4, "field": "accountDomain", "message": "names no account you may read" }])
    );
    let r = t
        .gql(
            Some(&d.ae),
            "query($id: ID!) { account(id: $id) { contacts { name role decisionMaker } } }",
            json!({ "id": d.account }),
        )
        .await;
    assert!(
        r["data"]["account"]["contacts"]
            .as_array()
            .unwrap()
            .contains(&json!({ "name": "Eve Chief", "role": "EXECUTIVE", "decisionMaker": true })),
        "{r}"
    );
    // An SDR may not add contacts.
    let r = t.gql(Some(&d.sdr), contacts, json!({ "csv": csv })).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    t.stop().await;
});

/// The `importJobChanged` states a socket receives until the subscription completes.
async fn job_states(ws: &mut Ws, id: &str) -> Vec<Value> {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let q = "subscription($id: ID!) { importJobChanged(id: $id) { id status processed total created } }";
    let sub = json!({ "id": "j", "type": "subscribe", "payload": { "query": q, "variables": { "id": id } } });
    ws.send(Message::text(sub.to_string())).await.unwrap();
    let mut states = Vec::new();
    for _ in 0..10_000 {
        let got = ws_next(ws).await;
        match got["type"].as_str() {
            Some("next") => {
                assert!(got["payload"]["errors"].is_null(), "{got}");
                states.push(got["payload"]["data"]["importJobChanged"].clone());
            }
            Some("complete") => return states,
            _ => panic!("unexpected message {got}"),
        }
    }
    panic!("the subscription did not complete");
}

both!(an_import_job_subscription_follows_a_background_job_to_its_end, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let admin = t.login("admin@demo.test").await;
    let mut csv = String::from("Company,Contact,E-mail,Employees\n");
    for i in 0..4000 {
        csv.push_str(&format!("Firm {i},Person {i},p{i}@f{i}.example,{}\n", i + 1));
    }
    // The creator's socket is open before the file is sent; the ADMIN subscribes once the id is
    // known, on PostgreSQL through another instance (events cross instances there).
    let mut mine = ws_connect(&t, &sdr).await;
    let job = import(&t, &sdr, &csv, leads_mapping("PER_ROW"), false, "SKIP").await;
    let id = job["id"].as_str().unwrap().to_owned();
    let second = if engine == Engine::Postgres { Some(t.second_instance().await) } else { None };
    let admin_ws = second.as_ref().map(|(_, ws, _)| ws.clone()).unwrap_or_else(|| t.ws.clone());
    let mut theirs = ws_connect_to(&admin_ws, &admin).await;
    let (states, admin_states) = tokio::join!(job_states(&mut mine, &id), job_states(&mut theirs, &id));

    for s in [&states, &admin_states] {
        // Progress only advances, and the last state is the end, with every row processed.
        let processed: Vec<i64> = s.iter().map(|x| x["processed"].as_i64().unwrap()).collect();
        assert!(processed.windows(2).all(|w| w[0] <= w[1]), "{processed:?}");
        let last = s.last().unwrap();
        assert_eq!((last["status"].as_str(), last["processed"].as_i64()), (Some("COMPLETED"), Some(4000)), "{s:?}");
        assert_eq!(last["created"], 4000);
        assert!(s[..s.len() - 1].iter().all(|x| x["status"] == "RUNNING"), "{s:?}");
    }
    // The job is a Node: `node(id)` answers it to its creator, NOT_FOUND to others.
    let q = "query($id: ID!) { node(id: $id) { id ... on ImportJob { status total } } }";
    let r = t.gql(Some(&sdr), q, json!({ "id": id })).await;
    assert_eq!(r["data"]["node"], json!({ "id": id, "status": "COMPLETED", "total": 4000 }), "{r}");
    let ae = t.login("ae@demo.test").await;
    assert_eq!(code(&t.gql(Some(&ae), q, json!({ "id": id })).await), "NOT_FOUND");
    if let Some((_, _, running)) = second {
        running.stop().await;
    }
    t.stop().await;
});

both!(an_import_job_subscription_is_refused_to_others_and_for_a_bad_id, |engine| async move {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message;
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let job = import(&t, &sdr, MIXED, leads_mapping("PER_ROW"), true, "SKIP").await;
    let q = "subscription($id: ID!) { importJobChanged(id: $id) { id status } }";
    // A finished job: its creator gets its final state and the subscription completes.
    let mut ws = ws_connect(&t, &sdr).await;
    let states = job_states(&mut ws, job["id"].as_str().unwrap()).await;
    assert_eq!(states.len(), 1, "{states:?}");
    assert_eq!((states[0]["status"].as_str(), states[0]["processed"].as_i64()), (Some("COMPLETED"), Some(4)));
    // Someone else: NOT_FOUND, as `importJob` answers; a malformed id: BAD_USER_INPUT.
    let ae = t.login("ae@demo.test").await;
    let mut other = ws_connect(&t, &ae).await;
    for (n, id, want) in [("a", job["id"].as_str().unwrap(), "NOT_FOUND"), ("b", "not-an-id", "BAD_USER_INPUT")] {
        let sub = json!({ "id": n, "type": "subscribe", "payload": { "query": q, "variables": { "id": id } } });
        other.send(Message::text(sub.to_string())).await.unwrap();
        let mut got = ws_next(&mut other).await;
        while got["type"] == "complete" {
            got = ws_next(&mut other).await;
        }
        let errors = if got["type"] == "error" { got["payload"].clone() } else { got["payload"]["errors"].clone() };
        assert_eq!(errors[0]["extensions"]["code"], want, "{got}");
    }
    t.stop().await;
});
