//! The lead slice end to end: capture, contact, qualification, conversion, and every gate.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::*;
use serde_json::{Value, json};

const CREATE: &str = "mutation($i: CreateLeadInput!) { createLead(input: $i) { id status version owner { email } possibleDuplicates { id } } }";
const CONTACT: &str =
    "mutation($id: ID!) { recordLeadContact(leadId: $id, notes: \"called\") { status firstContactedAt version } }";
const QUALIFY: &str =
    "mutation($id: ID!, $q: QualifyLeadInput!) { qualifyLead(leadId: $id, input: $q) { status priority version } }";
const CONVERT: &str = "mutation($id: ID!, $c: ConvertLeadInput!) { convertLead(leadId: $id, input: $c) {
    lead { status owner { email } }
    account { id name accountExecutive { email } contacts { name email } }
    opportunity { id stage owner { email } estimatedValue { amount currency } account { id } } } }";

fn lead_input(company: &str, email: &str) -> Value {
    json!({ "companyName": company, "contactName": "Ann Buyer", "contactEmail": email, "source": "SEO", "companySize": 120, "industry": "Retail" })
}

fn bant(all: bool, timeline: &str) -> Value {
    json!({ "budgetConfirmed": true, "authorityConfirmed": all, "needConfirmed": true, "timeline": timeline })
}

async fn new_lead(t: &TestApp, token: &str, company: &str, email: &str) -> String {
    let r = t.gql(Some(token), CREATE, json!({ "i": lead_input(company, email) })).await;
    r["data"]["createLead"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned()
}

async fn qualified_lead(t: &TestApp, token: &str, all: bool) -> String {
    let id = new_lead(t, token, "Acme Retail", "ann@acme.example").await;
    t.gql(Some(token), CONTACT, json!({ "id": id })).await;
    let q = t.gql(Some(token), QUALIFY, json!({ "id": id, "q": bant(all, "WITHIN_6_MONTHS") })).await;
    assert_eq!(q["data"]["qualifyLead"]["status"], "QUALIFIED", "{q}");
    id
}

both!(the_lead_slice_runs_from_capture_to_conversion, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let ae_id = t.user_id(&sdr, "ae@demo.test").await;

    let r = t.gql(Some(&sdr), CREATE, json!({ "i": lead_input("Acme Retail", "ann@acme.example") })).await;
    let lead = &r["data"]["createLead"];
    assert_eq!(lead["status"], "NEW");
    assert_eq!(lead["owner"]["email"], "sdr@demo.test", "the creating SDR owns the lead");
    let id = lead["id"].as_str().unwrap().to_owned();

    // A second lead from the same company domain is flagged as a possible duplicate.
    let r = t.gql(Some(&sdr), CREATE, json!({ "i": lead_input("ACME Retail Inc", "bob@acme.example") })).await;
    assert_eq!(r["data"]["createLead"]["possibleDuplicates"], json!([{ "id": id }]));

    let r = t.gql(Some(&sdr), CONTACT, json!({ "id": id })).await;
    assert_eq!(r["data"]["recordLeadContact"]["status"], "CONTACTED");
    assert!(r["data"]["recordLeadContact"]["firstContactedAt"].is_string());

    let r = t.gql(Some(&sdr), QUALIFY, json!({ "id": id, "q": bant(true, "WITHIN_3_MONTHS") })).await;
    assert_eq!(r["data"]["qualifyLead"]["priority"], "HIGH");

    let audit_before = t.count("audit_log").await;
    let r = t
        .gql(
            Some(&sdr),
            CONVERT,
            json!({ "id": id, "c": { "accountExecutiveId": ae_id, "opportunityName": "Acme POS rollout",
                     "estimatedValue": { "amount": "24000.00", "currency": "USD" } } }),
        )
        .await;
    let p = &r["data"]["convertLead"];
    assert_eq!(p["lead"]["status"], "CONVERTED", "{r}");
    assert_eq!(p["lead"]["owner"]["email"], "sdr@demo.test", "a lead keeps its owner after conversion");
    assert_eq!(p["account"]["name"], "Acme Retail");
    assert_eq!(p["account"]["accountExecutive"]["email"], "ae@demo.test");
    assert_eq!(p["account"]["contacts"], json!([{ "name": "Ann Buyer", "email": "ann@acme.example" }]));
    assert_eq!(p["opportunity"]["stage"], "DISCOVERY");
    assert_eq!(p["opportunity"]["owner"]["email"], "ae@demo.test");
    assert_eq!(p["opportunity"]["estimatedValue"], json!({ "amount": "24000.00", "currency": "USD" }));
    assert_eq!(p["opportunity"]["account"]["id"], p["account"]["id"]);
    // Lead, account, contact and opportunity each leave an audit row in the same transaction.
    assert_eq!(t.count("audit_log").await, audit_before + 4);

    // The AE now sees the opportunity in the sales view; the SDR does not own it.
    let ae = t.login("ae@demo.test").await;
    let q = "{ salesView { opportunities { totalCount edges { node { name account { name } } } } } }";
    let r = t.gql(Some(&ae), q, json!({})).await;
    assert_eq!(r["data"]["salesView"]["opportunities"]["totalCount"], 1);
    assert_eq!(r["data"]["salesView"]["opportunities"]["edges"][0]["node"]["account"]["name"], "Acme Retail");
    let r = t.gql(Some(&sdr), q, json!({})).await;
    assert_eq!(r["data"]["salesView"]["opportunities"]["totalCount"], 0);

    // Converting a second lead of the same company reuses the account.
    let second = r#"{ salesView { leads(status: NEW) { totalCount edges { node { id } } } } }"#;
    let r = t.gql(Some(&sdr), second, json!({})).await;
    let other = r["data"]["salesView"]["leads"]["edges"][0]["node"]["id"].as_str().unwrap().to_owned();
    t.gql(Some(&sdr), CONTACT, json!({ "id": other })).await;
    t.gql(Some(&sdr), QUALIFY, json!({ "id": other, "q": bant(true, "WITHIN_12_MONTHS") })).await;
    let r = t
        .gql(
            Some(&sdr),
            CONVERT,
            json!({ "id": other, "c": { "accountExecutiveId": ae_id, "opportunityName": "Acme add-on",
                     "estimatedValue": { "amount": "5000", "currency": "USD" } } }),
        )
        .await;
    assert_eq!(r["data"]["convertLead"]["account"]["id"], p["account"]["id"], "{r}");
    assert_eq!(t.count("accounts").await, 1);
    t.stop().await;
});

both!(conversion_gates_refuse_with_their_rule_and_write_nothing, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let ae_id = t.user_id(&sdr, "ae@demo.test").await;
    let sdr_id = t.user_id(&sdr, "sdr@demo.test").await;
    let convert = |id: &str, to: &str| {
        json!({ "id": id, "c": { "accountExecutiveId": to, "opportunityName": "Deal",
                 "estimatedValue": { "amount": "1000", "currency": "USD" } } })
    };

    // An unqualified lead, converted to someone who is not an AE: both gates, in order.
    let id = new_lead(&t, &sdr, "Beta Corp", "c@beta.example").await;
    let before = (t.count("opportunities").await, t.count("accounts").await, t.count("audit_log").await);
    let r = t.gql(Some(&sdr), CONVERT, convert(&id, &sdr_id)).await;
    assert_eq!(code(&r), "RULE_VIOLATION", "{r}");
    let ext = &r["errors"][0]["extensions"];
    assert_eq!(ext["rule"], "LEAD_NOT_QUALIFIED");
    assert_eq!(ext["rules"], json!(["LEAD_NOT_QUALIFIED", "ASSIGNEE_NOT_AE"]));
    assert_eq!(ext["reasons"].as_array().unwrap().len(), 2);
    assert!(r["data"].is_null());

    // A MEDIUM lead: the SDR may not convert it.
    let medium = qualified_lead(&t, &sdr, false).await;
    let r = t.gql(Some(&sdr), CONVERT, convert(&medium, &ae_id)).await;
    assert_eq!(r["errors"][0]["extensions"]["rule"], "LEAD_NOT_QUALIFIED", "{r}");
    // A HIGH lead to a non-AE.
    let high = qualified_lead(&t, &sdr, true).await;
    let r = t.gql(Some(&sdr), CONVERT, convert(&high, &sdr_id)).await;
    assert_eq!(r["errors"][0]["extensions"]["rules"], json!(["ASSIGNEE_NOT_AE"]), "{r}");

    let audit_after_setup = t.count("audit_log").await;
    assert_eq!(t.count("opportunities").await, before.0);
    assert_eq!(t.count("accounts").await, before.1);
    assert!(audit_after_setup > before.2, "only the setup mutations were audited");
    let lead = t.gql(Some(&sdr), "query($id: ID!) { lead(id: $id) { status version } }", json!({ "id": high })).await;
    assert_eq!(lead["data"]["lead"]["status"], "QUALIFIED");

    // blockers answers the same without acting.
    let b = t
        .gql(
            Some(&sdr),
            "query($id: ID!) { blockers(entityId: $id, action: \"convertLead\") }",
            json!({ "id": medium }),
        )
        .await;
    assert_eq!(b["data"]["blockers"].as_array().unwrap().len(), 1, "{b}");
    assert!(b["data"]["blockers"][0].as_str().unwrap().starts_with("LEAD_NOT_QUALIFIED"));
    let b = t
        .gql(Some(&sdr), "query($id: ID!) { blockers(entityId: $id, action: \"convertLead\") }", json!({ "id": high }))
        .await;
    assert_eq!(b["data"]["blockers"], json!([]));
    let b = t
        .gql(Some(&sdr), "query($id: ID!) { blockers(entityId: $id, action: \"flyToTheMoon\") }", json!({ "id": high }))
        .await;
    assert_eq!(code(&b), "BAD_USER_INPUT");

    // The sales manager may convert the MEDIUM lead as an audited override.
    let mgr = t.login("salesmanager@demo.test").await;
    let r = t.gql(Some(&mgr), CONVERT, convert(&medium, &ae_id)).await;
    assert_eq!(r["data"]["convertLead"]["lead"]["status"], "CONVERTED", "{r}");
    assert_eq!(t.count("audit_log WHERE action = 'convertLead:managerOverride'").await, 1);
    t.stop().await;
});

both!(lead_transitions_refuse_out_of_order_moves_and_stale_versions, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let id = new_lead(&t, &sdr, "Gamma GmbH", "g@gamma.example").await;

    // Qualifying before any contact is out of order.
    let r = t.gql(Some(&sdr), QUALIFY, json!({ "id": id, "q": bant(true, "WITHIN_3_MONTHS") })).await;
    assert_eq!(r["errors"][0]["extensions"]["rule"], "INVALID_TRANSITION", "{r}");

    // A stale expectedVersion is a CONFLICT and changes nothing.
    let upd = "mutation($id: ID!, $v: Int) { updateLead(leadId: $id, input: { industry: \"Logistics\" }, expectedVersion: $v) { industry version } }";
    let r = t.gql(Some(&sdr), upd, json!({ "id": id, "v": 7 })).await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    let r = t.gql(Some(&sdr), upd, json!({ "id": id, "v": 1 })).await;
    assert_eq!(r["data"]["updateLead"], json!({ "industry": "Logistics", "version": 2 }));

    // Disqualification needs a reason and closes the lead for further work.
    let dq = "mutation($id: ID!, $r: String!) { disqualifyLead(leadId: $id, reason: $r) { status version } }";
    let r = t.gql(Some(&sdr), dq, json!({ "id": id, "r": "   " })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT");
    assert_eq!(r["errors"][0]["extensions"]["field"], "reason");
    let r = t.gql(Some(&sdr), dq, json!({ "id": id, "r": "no budget this year" })).await;
    assert_eq!(r["data"]["disqualifyLead"]["status"], "DISQUALIFIED");
    let r = t.gql(Some(&sdr), CONTACT, json!({ "id": id })).await;
    assert_eq!(r["errors"][0]["extensions"]["rule"], "INVALID_TRANSITION");
    t.stop().await;
});

both!(leads_without_an_sdr_creator_are_assigned_round_robin_and_managers_reassign, |engine| async move {
    let t = spawn_app(engine).await;
    let admin = t.login("admin@demo.test").await;
    let create_sdr = "mutation($e: String!) { createUser(input: { name: \"Second SDR\", email: $e, password: \"password123\", roles: [SDR] }) { id } }";
    let r = t.gql(Some(&admin), create_sdr, json!({ "e": "sdr2@demo.test" })).await;
    assert!(r["data"]["createUser"]["id"].is_string(), "{r}");

    let mkt = t.login("marketing@demo.test").await;
    let mut owners = vec![];
    for i in 0..4 {
        let r = t
            .gql(Some(&mkt), CREATE, json!({ "i": lead_input(&format!("Co {i}"), &format!("x{i}@co{i}.example")) }))
            .await;
        owners.push(r["data"]["createLead"]["owner"]["email"].as_str().unwrap().to_owned());
    }
    // Two SDRs alternate.
    assert_ne!(owners[0], owners[1]);
    assert_eq!(owners[0], owners[2]);
    assert_eq!(owners[1], owners[3]);

    // Marketing sees every lead; only a sales manager may reassign.
    let r = t.gql(Some(&mkt), "{ marketingView { leadsBySource { source count } } }", json!({})).await;
    let seo = r["data"]["marketingView"]["leadsBySource"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "SEO")
        .unwrap()
        .clone();
    assert_eq!(seo["count"], 4);
    assert_eq!(
        r["data"]["marketingView"]["leadsBySource"].as_array().unwrap().len(),
        9,
        "every source, zeros included"
    );

    let mgr = t.login("salesmanager@demo.test").await;
    let sdr = t.login("sdr@demo.test").await;
    let ae_id = t.user_id(&mgr, "ae@demo.test").await;
    let mine = t.gql(Some(&sdr), "{ salesView { leads { edges { node { id } } } } }", json!({})).await;
    let lead_id = mine["data"]["salesView"]["leads"]["edges"][0]["node"]["id"].as_str().unwrap().to_owned();
    let assign = "mutation($l: ID!, $o: ID!) { assignLead(leadId: $l, ownerId: $o) { owner { email } } }";
    let r = t.gql(Some(&sdr), assign, json!({ "l": lead_id, "o": ae_id })).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    let r = t.gql(Some(&mgr), assign, json!({ "l": lead_id, "o": ae_id })).await;
    assert_eq!(r["data"]["assignLead"]["owner"]["email"], "ae@demo.test", "{r}");
    t.stop().await;
});

both!(each_department_view_is_open_to_its_roles_only, |engine| async move {
    let t = spawn_app(engine).await;
    let views = [
        ("salesView", "{ salesView { leads { totalCount } } }", vec!["sdr", "ae", "salesmanager", "admin"]),
        ("marketingView", "{ marketingView { leadsBySource { count } } }", vec!["marketing", "admin"]),
        ("productView", "{ productView { featureRequests { totalCount } } }", vec!["product", "admin"]),
        (
            "customerSuccessView",
            "{ customerSuccessView { accounts { totalCount } } }",
            vec!["cs", "csmanager", "admin"],
        ),
        ("legalView", "{ legalView { approvalQueue { totalCount } } }", vec!["legal", "admin"]),
        ("financeView", "{ financeView { collections { aging { bucket } } } }", vec!["finance", "admin"]),
    ];
    let users = ["sdr", "ae", "salesmanager", "marketing", "product", "cs", "csmanager", "legal", "finance", "admin"];
    for user in users {
        let token = t.login(&format!("{user}@demo.test")).await;
        for (view, q, allowed) in &views {
            let r = t.gql(Some(&token), q, json!({})).await;
            if allowed.contains(&user) {
                assert!(r["errors"].is_null(), "{user} on {view}: {r}");
                assert!(r["data"][view].is_object());
            } else {
                assert_eq!(code(&r), "FORBIDDEN", "{user} on {view}: {r}");
                assert!(r["errors"][0]["extensions"]["reasons"][0].as_str().unwrap().contains(view));
            }
        }
    }
    let fin = t.login("finance@demo.test").await;
    let r = t
        .gql(Some(&fin), "{ financeView { collections { aging { bucket count amount { amount } } } } }", json!({}))
        .await;
    let buckets: Vec<&str> = r["data"]["financeView"]["collections"]["aging"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["bucket"].as_str().unwrap())
        .collect();
    assert_eq!(buckets, ["CURRENT", "DAYS_1_30", "DAYS_31_60", "DAYS_61_90", "DAYS_90_PLUS"]);
    t.stop().await;
});
