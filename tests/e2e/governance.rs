//! Governance: conduct acknowledgements per user and year, the contract review policy as data
//! with pre-approved clause fallbacks, and the audited audit-log export.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::flow::*;
use baton_tests::*;
use chrono::{Datelike, Utc};
use serde_json::{Value, json};

const STATUS: &str = "query($y: Int) { conductStatus(year: $y) { user { email } codeOfConductAt trainingAt overdue } }";
const POLICY: &str = "mutation($i: ContractReviewPolicyInput!) { updateContractReviewPolicy(input: $i) { reviewAllContracts reviewAboveValue { amount } reviewDeviations reviewCustomDevelopment reviewClauseKeys } }";
const SUBMIT: &str = "mutation($c: ID!) { submitContractForReview(contractId: $c) { status version approvedVersion approvedByPolicy reviewReasons } }";

fn standing<'a>(r: &'a Value, email: &str) -> &'a Value {
    r["conductStatus"].as_array().unwrap().iter().find(|s| s["user"]["email"] == email).unwrap()
}

both!(managers_see_who_is_overdue_with_conduct_and_training, |engine| async move {
    let t = spawn_app(engine).await;
    let d = people(&t).await;
    // Everyone joined at the start of the year, so the 30-day grace has run out.
    let jan = format!("{}-01-01 00:00:00", Utc::now().year());
    t.exec(&format!("UPDATE users SET created_at = '{jan}'")).await;
    let ack = "mutation($k: ConductKind!) { acknowledgeConduct(kind: $k) { id kind year acknowledgedAt } }";
    let r = ok(&t, &d.sdr, ack, json!({ "k": "CODE_OF_CONDUCT" })).await;
    assert_eq!(r["acknowledgeConduct"]["year"], Utc::now().year());
    let again = ok(&t, &d.sdr, ack, json!({ "k": "CODE_OF_CONDUCT" })).await;
    assert_eq!(again["acknowledgeConduct"]["acknowledgedAt"], r["acknowledgeConduct"]["acknowledgedAt"], "kept once");
    assert!(r["acknowledgeConduct"]["id"].is_string());
    assert_eq!(again["acknowledgeConduct"]["id"], r["acknowledgeConduct"]["id"], "the same acknowledgement");
    ok(&t, &d.ae, ack, json!({ "k": "CODE_OF_CONDUCT" })).await;
    ok(&t, &d.ae, ack, json!({ "k": "COMPLIANCE_TRAINING" })).await;

    let r = ok(&t, &d.manager, STATUS, json!({})).await;
    let (sdr, ae) = (standing(&r, "sdr@demo.test"), standing(&r, "ae@demo.test"));
    assert!(!sdr["codeOfConductAt"].is_null() && sdr["trainingAt"].is_null());
    assert_eq!(sdr["overdue"], true, "training missing");
    assert_eq!(ae["overdue"], false);
    assert!(
        r["conductStatus"].as_array().unwrap().iter().all(|s| s["user"]["email"] != "finance@demo.test"),
        "a sales manager sees the team only: {r}"
    );
    assert_eq!(r["conductStatus"][0]["overdue"], true, "overdue first");
    let r = ok(&t, &d.legal, STATUS, json!({})).await;
    assert_eq!(standing(&r, "finance@demo.test")["overdue"], true, "legal sees everyone");
    let last_year = Utc::now().year() - 1;
    let r = ok(&t, &d.legal, STATUS, json!({ "y": last_year })).await;
    assert_eq!(r["conductStatus"], json!([]), "nobody owes a year that ended before they joined");
    t.exec(&format!("UPDATE users SET created_at = '{last_year}-01-01 00:00:00'")).await;
    let r = ok(&t, &d.legal, STATUS, json!({ "y": last_year })).await;
    let ae = standing(&r, "ae@demo.test");
    assert!(ae["codeOfConductAt"].is_null(), "acknowledgements count per year");
    assert_eq!(ae["overdue"], true);
    assert_eq!(code(&t.gql(Some(&d.sdr), STATUS, json!({})).await), "FORBIDDEN");
    assert_eq!(code(&t.gql(Some(&d.legal), STATUS, json!({ "y": 1900 })).await), "BAD_USER_INPUT");
    t.stop().await;
});

both!(the_review_policy_lets_pre_approved_fallbacks_through_and_names_why_legal_reviews, |engine| async move {
    let t = spawn_app(engine).await;
    let d = quoted(&t).await;
    let privacy = t.login("privacy@demo.test").await;
    // Legal relaxes the default (review everything) to deviations, custom development and size.
    assert_eq!(code(&t.gql(Some(&d.ae), POLICY, json!({ "i": { "reviewAllContracts": false } })).await), "FORBIDDEN");
    let r = ok(
        &t,
        &d.legal,
        POLICY,
        json!({ "i": { "reviewAllContracts": false, "reviewAboveValue": "100000", "reviewClauseKeys": ["data_protection"] } }),
    )
    .await;
    assert_eq!(r["updateContractReviewPolicy"]["reviewAllContracts"], false);
    assert_eq!(r["updateContractReviewPolicy"]["reviewClauseKeys"], json!(["data_protection"]));
    let bad = t.gql(Some(&d.legal), POLICY, json!({ "i": { "reviewAllContracts": true, "reviewSlaHours": 0 } })).await;
    assert_eq!(
        (code(&bad), bad["errors"][0]["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("reviewSlaHours"))
    );
    let r = ok(&t, &d.legal, "{ contractReviewPolicy { reviewAllContracts reviewSlaHours } }", json!({})).await;
    assert_eq!(r["contractReviewPolicy"]["reviewAllContracts"], false, "a refused change changes nothing");
    let add = "mutation($k: String!, $c: String!, $x: String!) { addClauseFallback(templateKind: $k, clauseKey: $c, text: $x) { id clauseKey } }";
    assert_eq!(
        code(
            &t.gql(Some(&d.legal), add, json!({ "k": "SAAS_SERVICE_AGREEMENT", "c": "no_such_clause", "x": "t" }))
                .await
        ),
        "BAD_USER_INPUT"
    );
    assert_eq!(t.count("clause_fallbacks WHERE clause_key = 'no_such_clause'").await, 0);
    let wording =
        "Each party's total liability is limited to the fees paid in the twenty-four months before the claim.";
    let fb = ok(&t, &d.legal, add, json!({ "k": "SAAS_SERVICE_AGREEMENT", "c": "liability", "x": wording })).await;
    let fallback = fb["addClauseFallback"]["id"].as_str().unwrap().to_owned();
    let custom = ok(&t, &d.legal, add, json!({ "k": "CUSTOM_DEVELOPMENT", "c": "liability", "x": wording })).await;
    let library = ok(&t, &d.ae, "{ clauseFallbacks { id clauseKey text } }", json!({})).await;
    let ids: Vec<&str> =
        library["clauseFallbacks"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&fallback.as_str()) && ids.len() >= 2, "{library}");

    // The AE picks the fallback: a new version, which the policy approves on its own.
    let tpl = template(&t, &d.ae, "SAAS_SERVICE_AGREEMENT").await;
    let r = ok(
        &t,
        &d.ae,
        "mutation($o: ID!, $t: ID!, $q: ID!) { draftContract(opportunityId: $o, templateId: $t, quoteId: $q, paymentSchedule: QUARTERLY) { id version } }",
        json!({ "o": d.opportunity, "t": tpl, "q": d.quote }),
    )
    .await;
    let contract = r["draftContract"]["id"].as_str().unwrap().to_owned();
    let version = r["draftContract"]["version"].as_i64().unwrap();
    let use_fb = "mutation($c: ID!, $f: ID!, $v: Int!) { useClauseFallback(contractId: $c, fallbackId: $f, expectedVersion: $v) { version status clauses { key text } } }";
    let wrong = t
        .gql(Some(&d.ae), use_fb, json!({ "c": contract, "f": custom["addClauseFallback"]["id"], "v": version }))
        .await;
    assert_eq!(code(&wrong), "BAD_USER_INPUT", "a custom-development fallback on a SaaS contract");
    let r = ok(&t, &d.ae, use_fb, json!({ "c": contract, "f": fallback, "v": version })).await;
    assert_eq!(r["useClauseFallback"]["version"], version + 1);
    let r = ok(&t, &d.ae, SUBMIT, json!({ "c": contract })).await;
    let s = &r["submitContractForReview"];
    assert_eq!(s["status"], "APPROVED", "{r}");
    assert_eq!((s["approvedByPolicy"].as_bool(), s["reviewReasons"].clone()), (Some(true), json!([])));
    assert_eq!(s["approvedVersion"], s["version"]);
    let lv = ok(
        &t,
        &d.legal,
        "{ legalView { policyApprovedContracts { id approvedByPolicy } approvalQueue { totalCount } } }",
        json!({}),
    )
    .await;
    assert_eq!(lv["legalView"]["policyApprovedContracts"][0]["id"], contract.as_str());
    assert_eq!(lv["legalView"]["approvalQueue"]["totalCount"], 0);

    // Own wording on a clause legal always looks at: back into the queue, with the reasons.
    let edit = "mutation($c: ID!, $v: Int!) { updateContractClause(contractId: $c, clauseKey: \"data_protection\", text: \"Data may be processed anywhere.\", expectedVersion: $v) { version status } }";
    let v = s["version"].as_i64().unwrap();
    ok(&t, &d.ae, edit, json!({ "c": contract, "v": v })).await;
    let r = ok(&t, &d.ae, SUBMIT, json!({ "c": contract })).await;
    let s = &r["submitContractForReview"];
    assert_eq!(s["status"], "IN_LEGAL_REVIEW");
    assert_eq!(s["reviewReasons"], json!(["CLAUSE_DEVIATION:data_protection", "CLAUSE_REVIEW:data_protection"]));
    assert_eq!(s["approvedByPolicy"], true, "the earlier version's approval");
    let sign = t.gql(Some(&d.ae), SIGN, json!({ "c": contract, "s": d.signer })).await;
    assert_eq!(sign["errors"][0]["extensions"]["rules"], json!(["LEGAL_REVIEW_REQUIRED"]), "{sign}");
    let q =
        ok(&t, &d.legal, "{ legalView { approvalQueue { edges { node { id reviewReasons } } } } }", json!({})).await;
    assert_eq!(q["legalView"]["approvalQueue"]["edges"][0]["node"]["reviewReasons"], s["reviewReasons"]);

    // The audit export carries the policy change and is itself audited.
    let export = "mutation($a: String) { exportAuditLog(action: $a) { rows data } }";
    assert_eq!(code(&t.gql(Some(&d.ae), export, json!({ "a": null })).await), "FORBIDDEN");
    let r = ok(&t, &privacy, export, json!({ "a": "updateContractReviewPolicy" })).await;
    assert_eq!(r["exportAuditLog"]["rows"], 1);
    assert_eq!(r["exportAuditLog"]["data"][0]["after"]["reviewAllContracts"], false);
    assert!(r["exportAuditLog"]["data"][0]["hash"].is_string());
    let log = ok(
        &t,
        &d.legal,
        "{ auditLog(action: \"exportAuditLog\") { totalCount edges { node { actorId after } } } }",
        json!({}),
    )
    .await;
    assert_eq!(log["auditLog"]["totalCount"], 1);
    assert_eq!(log["auditLog"]["edges"][0]["node"]["after"]["rows"], 1);
    assert_eq!(log["auditLog"]["edges"][0]["node"]["after"]["action"], "updateContractReviewPolicy");
    t.stop().await;
});

both!(by_default_every_contract_goes_to_legal_with_its_reason, |engine| async move {
    let t = spawn_app(engine).await;
    let d = submitted(&t).await;
    let r = ok(
        &t,
        &d.legal,
        "query($c: ID!) { contract(id: $c) { status reviewReasons approvedByPolicy } }",
        json!({ "c": d.contract }),
    )
    .await;
    assert_eq!(r["contract"]["status"], "IN_LEGAL_REVIEW");
    assert_eq!(r["contract"]["reviewReasons"], json!(["ALL_CONTRACTS"]));
    let r =
        ok(&t, &d.legal, "{ contractReviewPolicy { reviewAllContracts reviewDeviations reviewSlaHours } }", json!({}))
            .await;
    assert_eq!(r["contractReviewPolicy"]["reviewAllContracts"], true);
    let d = approved_from(&t, d).await;
    let r =
        ok(&t, &d.legal, "query($c: ID!) { contract(id: $c) { status approvedByPolicy } }", json!({ "c": d.contract }))
            .await;
    assert_eq!(r["contract"]["approvedByPolicy"], false);
    t.stop().await;
});
