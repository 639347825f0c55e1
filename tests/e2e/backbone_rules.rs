//! The rules of the deal-to-handoff backbone end to end: every gate refuses with its exact code
//! (and rule), and a refused operation changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::flow::*;
use baton_tests::*;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

const OPP: &str = "query($id: ID!) { opportunity(id: $id) { stage version estimatedValue { amount } lossReason } }";
const MOVE_V: &str = "mutation($id: ID!, $s: OpportunityStage!, $v: Int) { moveOpportunity(opportunityId: $id, stage: $s, expectedVersion: $v) { stage version } }";
const UPDATE_OPP: &str = "mutation($id: ID!, $v: Int, $a: Decimal!) { updateOpportunity(opportunityId: $id, expectedVersion: $v, input: { estimatedValue: { amount: $a, currency: \"USD\" } }) { version estimatedValue { amount } } }";
const CLOSE_LOST: &str =
    "mutation($id: ID!, $r: String!) { closeOpportunityLost(opportunityId: $id, reason: $r) { stage lossReason } }";
const NEEDS: &str =
    "mutation($id: ID!) { recordNeedsAnalysis(opportunityId: $id, report: \"Cut stock-outs by half\") { version } }";
const ACTIVITY: &str =
    "mutation($id: ID!, $k: ActivityKind!) { logActivity(opportunityId: $id, kind: $k, notes: \"met\") { id } }";
const ADD_CONTACT: &str = "mutation($a: ID!, $n: String!, $r: ContactRole!, $dm: Boolean!) { addContact(accountId: $a, input: { name: $n, role: $r, decisionMaker: $dm }) { id } }";

const CREATE_QUOTE: &str = "mutation($id: ID!, $p: ID!, $d: Decimal!) { createQuote(opportunityId: $id, input: { lines: [{ productId: $p, quantity: 20, termMonths: 12 }], discountPercent: $d }) { id status version approvedBy { email } total { amount } } }";
const UPDATE_QUOTE: &str = "mutation($q: ID!, $v: Int!, $p: ID!, $d: Decimal!) { updateQuote(quoteId: $q, expectedVersion: $v, input: { lines: [{ productId: $p, quantity: 20, termMonths: 12 }], discountPercent: $d }) { status version approvedBy { email } createdBy { email } total { amount } } }";
const APPROVE_QUOTE: &str = "mutation($q: ID!) { approveQuote(quoteId: $q) { status version approvedBy { email } } }";
const ACCEPT_QUOTE: &str = "mutation($q: ID!) { acceptQuote(quoteId: $q) { status version } }";
const QUOTE: &str = "query($id: ID!) { quote(id: $id) { status version approvedBy { email } total { amount } } }";

const CONTRACT: &str = "query($id: ID!) { contract(id: $id) { status version approvedVersion approvedBy { email } changesComments deviatingClauses clauses { key text templateText deviatesFromTemplate } } }";
const APPROVE_CONTRACT: &str = "mutation($c: ID!, $v: Int!) { approveContract(contractId: $c, expectedVersion: $v) { status version approvedVersion approvedBy { email } } }";
const EDIT_CLAUSE: &str = "mutation($c: ID!, $v: Int!, $k: String!, $x: String!) { updateContractClause(contractId: $c, expectedVersion: $v, clauseKey: $k, text: $x) { status version approvedVersion deviatingClauses } }";
const SUBMIT_CONTRACT: &str = "mutation($c: ID!) { submitContractForReview(contractId: $c) { status version } }";
const REQUEST_CHANGES: &str = "mutation($c: ID!, $m: String!) { requestContractChanges(contractId: $c, comments: $m) { status version changesComments } }";
const VOID_CONTRACT: &str =
    "mutation($c: ID!) { voidContract(contractId: $c, reason: \"customer withdrew\") { status version voidReason } }";
const LEGAL_QUEUE: &str = "{ legalView { approvalQueue { totalCount } } }";

const INVOICE: &str = "query($id: ID!) { invoice(id: $id) { status version number amountPaid { amount } voidReason payments { id kind amount { amount } } } }";
const PAY_IN: &str = "mutation($i: ID!, $a: Decimal!, $c: String!, $k: String!) { recordPayment(invoiceId: $i, input: { amount: { amount: $a, currency: $c }, reference: \"wire\", idempotencyKey: $k }) { status amountPaid { amount } } }";
const REFUND: &str = "mutation($p: ID!, $a: Decimal!, $k: String!) { refundPayment(paymentId: $p, amount: { amount: $a, currency: \"USD\" }, reason: \"goodwill credit\", idempotencyKey: $k) { status version amountPaid { amount } payments { kind amount { amount } } } }";
const VOID_INVOICE: &str =
    "mutation($i: ID!) { voidInvoice(invoiceId: $i, reason: \"billed by mistake\") { status version voidReason } }";
const SCHEDULED: &str =
    "{ financeView { invoices(status: SCHEDULED) { totalCount edges { node { id status number sequence } } } } }";

const HANDOFF: &str =
    "query($id: ID!) { handoffPackage(id: $id) { status version returnReason missingItems successCriteria } }";
const UPDATE_HANDOFF: &str = "mutation($id: ID!, $s: String, $c: String) { updateHandoffPackage(packageId: $id, input: { specialRequirements: $s, successCriteria: $c }) { status version missingItems } }";
const SUBMIT_HANDOFF: &str = "mutation($id: ID!) { submitHandoffPackage(packageId: $id) { status version } }";
const RETURN_HANDOFF: &str =
    "mutation($id: ID!, $r: String!) { returnHandoff(packageId: $id, reason: $r) { status version returnReason } }";
const ACCEPT_HANDOFF: &str = "mutation($id: ID!) { acceptHandoff(packageId: $id) { status } }";

const CREATE_USER: &str = "mutation($n: String!, $e: String!, $r: [Role!]!) { createUser(input: { name: $n, email: $e, password: \"password123\", roles: $r }) { id } }";

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The tables a refusal must leave alone.
const TABLES: [&str; 13] = [
    "audit_log",
    "opportunities",
    "activities",
    "contacts",
    "quotes",
    "quote_lines",
    "contracts",
    "contract_clauses",
    "invoices",
    "payments",
    "subscriptions",
    "delivery_projects",
    "handoff_packages",
];

/// The row count of every table a refusal must leave alone.
async fn rows(t: &TestApp) -> Vec<(&'static str, i64)> {
    let mut out = Vec::with_capacity(TABLES.len());
    for table in TABLES {
        out.push((table, t.count(table).await));
    }
    out
}

/// Sends an operation that must be refused with `want` and returns the response.
async fn refused(t: &TestApp, token: &str, q: &str, vars: Value, want: &str) -> Value {
    let r = t.gql(Some(token), q, vars).await;
    assert_eq!(code(&r), want, "{q}\n=> {r}");
    r
}

/// Asserts a RULE_VIOLATION with exactly these rules (one reason each) and returns the reasons.
fn assert_rules(r: &Value, want: &[&str]) -> Vec<String> {
    assert_eq!(code(r), "RULE_VIOLATION", "{r}");
    let x = &r["errors"][0]["extensions"];
    assert_eq!(x["rule"], want[0], "{r}");
    let mut distinct: Vec<&str> = Vec::new();
    for w in want {
        if !distinct.contains(w) {
            distinct.push(w);
        }
    }
    assert_eq!(x["rules"], json!(distinct), "each unmet rule once: {r}");
    let reasons: Vec<String> =
        x["reasons"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect();
    assert_eq!(reasons.len(), want.len(), "one reason per unmet condition: {r}");
    let paired: Vec<(&str, &str)> = x["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["rule"].as_str().unwrap(), v["reason"].as_str().unwrap()))
        .collect();
    let expected: Vec<(&str, &str)> = want.iter().copied().zip(reasons.iter().map(String::as_str)).collect();
    assert_eq!(paired, expected, "each reason paired with its rule: {r}");
    reasons
}

/// Asserts a BAD_USER_INPUT on `field`.
fn assert_bad_input(r: &Value, field: &str) {
    assert_eq!(code(r), "BAD_USER_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], field, "{r}");
}

/// Reads one object through a `query($id: ID!) { field(id: $id) { … } }` operation.
async fn read(t: &TestApp, token: &str, q: &str, field: &str, id: &str) -> Value {
    ok(t, token, q, json!({ "id": id })).await[field].clone()
}

/// An id of a response, as a string.
fn id_of(v: &Value) -> String {
    v.as_str().unwrap_or_else(|| panic!("no id: {v}")).to_owned()
}

/// An admin of the demo organization creates a user with `roles`; returns the user's token.
async fn new_user(t: &TestApp, email: &str, roles: Value) -> String {
    let admin = t.login("admin@demo.test").await;
    ok(t, &admin, CREATE_USER, json!({ "n": "Second user", "e": email, "r": roles })).await;
    t.login_with(email, "password123").await.unwrap()
}

/// The converted deal of [`converted`] walked to PROPOSAL (needs analysis and a logged demo),
/// with no quote and no contact beyond the one conversion created.
async fn at_proposal(t: &TestApp) -> Deal {
    let d = converted(t).await;
    ok(t, &d.ae, NEEDS, json!({ "id": d.opportunity })).await;
    ok(t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "NEEDS_ANALYSIS" })).await;
    ok(t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "DEMO" })).await;
    ok(t, &d.ae, ACTIVITY, json!({ "id": d.opportunity, "k": "DEMO" })).await;
    ok(t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "PROPOSAL" })).await;
    d
}

/// Adds a contact to the deal's account and returns its id.
async fn add_contact(t: &TestApp, d: &Deal, name: &str, role: &str, decision_maker: bool) -> String {
    let r = ok(t, &d.ae, ADD_CONTACT, json!({ "a": d.account, "n": name, "r": role, "dm": decision_maker })).await;
    id_of(&r["addContact"]["id"])
}

/// A refused signing created nothing and left the deal in CONTRACTING.
async fn nothing_signed(t: &TestApp, d: &Deal) {
    assert_eq!(t.count("invoices").await, 0);
    assert_eq!(t.count("handoff_packages").await, 0);
    assert_eq!(t.count("subscriptions").await, 0);
    assert_eq!(read(t, &d.ae, OPP, "opportunity", &d.opportunity).await["stage"], "CONTRACTING");
}

// ---------------------------------------------------------------------------------------------
// 1. Stage gates
// ---------------------------------------------------------------------------------------------

both!(stage_gates_name_every_unmet_condition_and_move_nothing, |engine| async move {
    let t = spawn_app(engine).await;
    let d = converted(&t).await;
    let opp = json!({ "id": d.opportunity });
    let at = |s: &str| json!({ "id": d.opportunity, "s": s });

    // Skipping stages lists the skip and every missing piece of evidence.
    let before = rows(&t).await;
    let v0 = read(&t, &d.ae, OPP, "opportunity", &d.opportunity).await;
    assert_eq!(v0["stage"], "DISCOVERY");
    let r = refused(&t, &d.ae, MOVE, at("DEMO"), "RULE_VIOLATION").await;
    let reasons = assert_rules(&r, &["STAGE_GATE", "STAGE_GATE"]);
    assert!(reasons[0].contains("cannot be skipped"), "{reasons:?}");
    assert!(reasons[1].contains("needs-analysis"), "{reasons:?}");
    let r = refused(&t, &d.ae, MOVE, at("PROPOSAL"), "RULE_VIOLATION").await;
    assert_rules(&r, &["STAGE_GATE"; 3]);
    let r = refused(&t, &d.ae, MOVE, at("CONTRACTING"), "RULE_VIOLATION").await;
    assert_rules(&r, &["STAGE_GATE"; 5]);
    assert_eq!(read(&t, &d.ae, OPP, "opportunity", &d.opportunity).await, v0);
    assert_eq!(rows(&t).await, before);

    // DEMO needs the needs analysis.
    ok(&t, &d.ae, MOVE, at("NEEDS_ANALYSIS")).await;
    let before = (rows(&t).await, read(&t, &d.ae, OPP, "opportunity", &d.opportunity).await);
    let r = refused(&t, &d.ae, MOVE, at("DEMO"), "RULE_VIOLATION").await;
    assert!(assert_rules(&r, &["STAGE_GATE"])[0].contains("needs-analysis"), "{r}");
    assert_eq!((rows(&t).await, read(&t, &d.ae, OPP, "opportunity", &d.opportunity).await), before);
    ok(&t, &d.ae, NEEDS, opp.clone()).await;
    ok(&t, &d.ae, MOVE, at("DEMO")).await;

    // PROPOSAL needs a logged DEMO activity; a call is not a demo.
    ok(&t, &d.ae, ACTIVITY, json!({ "id": d.opportunity, "k": "CALL" })).await;
    let before = (rows(&t).await, read(&t, &d.ae, OPP, "opportunity", &d.opportunity).await);
    let r = refused(&t, &d.ae, MOVE, at("PROPOSAL"), "RULE_VIOLATION").await;
    assert!(assert_rules(&r, &["STAGE_GATE"])[0].contains("logged demo"), "{r}");
    assert_eq!((rows(&t).await, read(&t, &d.ae, OPP, "opportunity", &d.opportunity).await), before);
    ok(&t, &d.ae, ACTIVITY, json!({ "id": d.opportunity, "k": "DEMO" })).await;
    ok(&t, &d.ae, MOVE, at("PROPOSAL")).await;

    // NEGOTIATION needs an approved quote; CLOSED_WON comes only from signing, CLOSED_LOST
    // only with a reason.
    let before = (rows(&t).await, read(&t, &d.ae, OPP, "opportunity", &d.opportunity).await);
    let r = refused(&t, &d.ae, MOVE, at("NEGOTIATION"), "RULE_VIOLATION").await;
    assert!(assert_rules(&r, &["STAGE_GATE"])[0].contains("approved quote"), "{r}");
    let r = refused(&t, &d.ae, MOVE, at("CLOSED_WON"), "RULE_VIOLATION").await;
    assert!(assert_rules(&r, &["STAGE_GATE"])[0].contains("signing"), "{r}");
    let r = refused(&t, &d.ae, MOVE, at("CLOSED_LOST"), "RULE_VIOLATION").await;
    assert!(assert_rules(&r, &["STAGE_GATE"])[0].contains("closeOpportunityLost"), "{r}");
    for blank in ["", "   "] {
        let r = refused(&t, &d.ae, CLOSE_LOST, json!({ "id": d.opportunity, "r": blank }), "BAD_USER_INPUT").await;
        assert_bad_input(&r, "reason");
    }
    assert_eq!((rows(&t).await, read(&t, &d.ae, OPP, "opportunity", &d.opportunity).await), before);

    // Stale versions are conflicts.
    let v = before.1["version"].as_i64().unwrap();
    let r = refused(&t, &d.ae, MOVE_V, json!({ "id": d.opportunity, "s": "DEMO", "v": v - 1 }), "CONFLICT").await;
    assert!(r["errors"][0]["message"].as_str().unwrap().contains("version"), "{r}");
    refused(&t, &d.ae, UPDATE_OPP, json!({ "id": d.opportunity, "v": v - 1, "a": "60000" }), "CONFLICT").await;
    assert_eq!((rows(&t).await, read(&t, &d.ae, OPP, "opportunity", &d.opportunity).await), before);

    // An enterprise-sized deal needs the IT, business and executive contacts, one reason each.
    let r = ok(&t, &d.ae, UPDATE_OPP, json!({ "id": d.opportunity, "v": v, "a": "60000" })).await;
    assert_eq!(r["updateOpportunity"]["version"], v + 1);
    assert_eq!(r["updateOpportunity"]["estimatedValue"]["amount"], "60000.00");
    let pro = product(&t, &d.ae, "PLAN-PRO").await;
    let r = ok(&t, &d.ae, CREATE_QUOTE, json!({ "id": d.opportunity, "p": pro, "d": "5" })).await;
    assert_eq!(r["createQuote"]["status"], "APPROVED");
    let before = (rows(&t).await, read(&t, &d.ae, OPP, "opportunity", &d.opportunity).await);
    let r = refused(&t, &d.ae, MOVE, at("NEGOTIATION"), "RULE_VIOLATION").await;
    let reasons = assert_rules(&r, &["STAGE_GATE"; 3]);
    for (reason, words) in reasons.iter().zip(["an IT", "a business", "an executive"]) {
        assert!(reason.contains(&format!("needs {words} contact")), "{reasons:?}");
    }
    add_contact(&t, &d, "Ivan IT", "IT", false).await;
    let r = refused(&t, &d.ae, MOVE, at("NEGOTIATION"), "RULE_VIOLATION").await;
    let reasons = assert_rules(&r, &["STAGE_GATE"; 2]);
    assert!(reasons.iter().all(|x| !x.contains("an IT contact")), "{reasons:?}");
    assert_eq!(read(&t, &d.ae, OPP, "opportunity", &d.opportunity).await, before.1);
    add_contact(&t, &d, "Bea Business", "BUSINESS", false).await;
    add_contact(&t, &d, "Eve Exec", "EXECUTIVE", true).await;
    let r = ok(&t, &d.ae, MOVE_V, json!({ "id": d.opportunity, "s": "NEGOTIATION", "v": v + 1 })).await;
    assert_eq!(r["moveOpportunity"]["stage"], "NEGOTIATION");
    assert_eq!(r["moveOpportunity"]["version"], v + 2);

    // A lost deal is history.
    let r = ok(&t, &d.ae, CLOSE_LOST, json!({ "id": d.opportunity, "r": "budget frozen" })).await;
    assert_eq!(r["closeOpportunityLost"]["stage"], "CLOSED_LOST");
    let before = (rows(&t).await, read(&t, &d.ae, OPP, "opportunity", &d.opportunity).await);
    let r = refused(&t, &d.ae, MOVE, at("PROPOSAL"), "RULE_VIOLATION").await;
    assert!(assert_rules(&r, &["STAGE_GATE"])[0].contains("closed"), "{r}");
    assert_eq!((rows(&t).await, read(&t, &d.ae, OPP, "opportunity", &d.opportunity).await), before);
    t.stop().await;
});

// ---------------------------------------------------------------------------------------------
// 2. Quotes
// ---------------------------------------------------------------------------------------------

both!(discounts_above_the_reps_limit_wait_for_the_right_approver, |engine| async move {
    let t = spawn_app(engine).await;
    let d = at_proposal(&t).await;
    let pro = product(&t, &d.ae, "PLAN-PRO").await;

    // 15 % is above the rep's 10 %: pending, and the customer cannot accept it yet.
    let r = ok(&t, &d.ae, CREATE_QUOTE, json!({ "id": d.opportunity, "p": pro, "d": "15" })).await;
    let q = &r["createQuote"];
    assert_eq!(q["status"], "PENDING_APPROVAL");
    assert!(q["approvedBy"].is_null());
    assert_eq!(q["total"]["amount"], "16116.00");
    let quote = id_of(&q["id"]);
    let qv = json!({ "q": quote });
    let before = (rows(&t).await, read(&t, &d.ae, QUOTE, "quote", &quote).await);
    let r = refused(&t, &d.ae, ACCEPT_QUOTE, qv.clone(), "RULE_VIOLATION").await;
    assert_rules(&r, &["DISCOUNT_APPROVAL_REQUIRED"]);
    let r = refused(&t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "NEGOTIATION" }), "RULE_VIOLATION").await;
    assert!(assert_rules(&r, &["STAGE_GATE"])[0].contains("approved quote"), "a pending quote is not enough: {r}");

    // The AE may not approve at all.
    refused(&t, &d.ae, APPROVE_QUOTE, qv.clone(), "FORBIDDEN").await;
    assert_eq!((rows(&t).await, read(&t, &d.ae, QUOTE, "quote", &quote).await), before);

    // The sales manager approves 15 %.
    let r = ok(&t, &d.manager, APPROVE_QUOTE, qv.clone()).await;
    assert_eq!(r["approveQuote"]["status"], "APPROVED");
    assert_eq!(r["approveQuote"]["approvedBy"]["email"], "salesmanager@demo.test");
    let version = r["approveQuote"]["version"].as_i64().unwrap();

    // A stale edit is a conflict; a fresh one clears the approval and evaluates it again.
    let before = (rows(&t).await, read(&t, &d.ae, QUOTE, "quote", &quote).await);
    refused(&t, &d.ae, UPDATE_QUOTE, json!({ "q": quote, "v": version - 1, "p": pro, "d": "20" }), "CONFLICT").await;
    assert_eq!((rows(&t).await, read(&t, &d.ae, QUOTE, "quote", &quote).await), before);
    let r = ok(&t, &d.ae, UPDATE_QUOTE, json!({ "q": quote, "v": version, "p": pro, "d": "20" })).await;
    let u = &r["updateQuote"];
    assert_eq!(u["status"], "PENDING_APPROVAL");
    assert!(u["approvedBy"].is_null(), "the approval was cleared: {r}");
    assert_eq!(u["version"], version + 1);
    assert_eq!(u["total"]["amount"], "15168.00");
    let version = version + 1;

    // 30 % is above the manager's 25 %: only finance approves it.
    let r = ok(&t, &d.ae, UPDATE_QUOTE, json!({ "q": quote, "v": version, "p": pro, "d": "30" })).await;
    assert_eq!(r["updateQuote"]["status"], "PENDING_APPROVAL");
    let before = (rows(&t).await, read(&t, &d.ae, QUOTE, "quote", &quote).await);
    let r = refused(&t, &d.manager, APPROVE_QUOTE, qv.clone(), "RULE_VIOLATION").await;
    let reasons = assert_rules(&r, &["DISCOUNT_APPROVAL_REQUIRED"]);
    assert!(reasons[0].contains("FINANCE"), "{reasons:?}");
    assert_eq!((rows(&t).await, read(&t, &d.ae, QUOTE, "quote", &quote).await), before);
    let r = ok(&t, &d.finance, APPROVE_QUOTE, qv.clone()).await;
    assert_eq!(r["approveQuote"]["status"], "APPROVED");
    assert_eq!(r["approveQuote"]["approvedBy"]["email"], "finance@demo.test");

    // Approved twice is not a thing.
    let before = (rows(&t).await, read(&t, &d.ae, QUOTE, "quote", &quote).await);
    let r = refused(&t, &d.finance, APPROVE_QUOTE, qv.clone(), "RULE_VIOLATION").await;
    assert_rules(&r, &["INVALID_TRANSITION"]);
    assert_eq!((rows(&t).await, read(&t, &d.ae, QUOTE, "quote", &quote).await), before);
    let r = ok(&t, &d.ae, ACCEPT_QUOTE, qv).await;
    assert_eq!(r["acceptQuote"]["status"], "ACCEPTED");
    t.stop().await;
});

/// A deal of its own for a user who can sell (converted from a fresh lead by the SDR).
async fn own_deal(t: &TestApp, d: &Deal, seller_id: &str, company: &str) -> String {
    let r = ok(
        t,
        &d.sdr,
        "mutation($c: String!) { createLead(input: { companyName: $c, contactName: \"Sid Self\", source: REFERRAL }) { id } }",
        json!({ "c": company }),
    )
    .await;
    let lead = id_of(&r["createLead"]["id"]);
    ok(t, &d.sdr, "mutation($id: ID!) { recordLeadContact(leadId: $id) { status } }", json!({ "id": lead })).await;
    ok(t, &d.sdr, "mutation($id: ID!) { qualifyLead(leadId: $id, input: { budgetConfirmed: true, authorityConfirmed: true, needConfirmed: true, timeline: WITHIN_3_MONTHS }) { priority } }", json!({ "id": lead })).await;
    let r = ok(t, &d.sdr, "mutation($id: ID!, $ae: ID!) { convertLead(leadId: $id, input: { accountExecutiveId: $ae, opportunityName: \"Self deal\", estimatedValue: { amount: \"10000\", currency: \"USD\" } }) { opportunity { id } } }", json!({ "id": lead, "ae": seller_id })).await;
    id_of(&r["convertLead"]["opportunity"]["id"])
}

both!(nobody_approves_a_quote_they_wrote_themselves, |engine| async move {
    let t = spawn_app(engine).await;
    // Only an account executive creates quotes and only a manager or finance approves them, so
    // self-approval needs a user holding both roles on a deal of their own.
    let dual = new_user(&t, "dual@demo.test", json!(["ACCOUNT_EXECUTIVE", "SALES_MANAGER"])).await;
    let d = people(&t).await;
    let dual_id = t.user_id(&dual, "dual@demo.test").await;
    let opportunity = own_deal(&t, &d, &dual_id, "Self Co").await;

    // 15 % is within the dual user's manager limit but above the organization's free 10 %: the
    // approving role is not the seller's own limit, so the quote waits for someone else.
    let pro = product(&t, &dual, "PLAN-PRO").await;
    let r = ok(&t, &dual, CREATE_QUOTE, json!({ "id": opportunity, "p": pro, "d": "15" })).await;
    assert_eq!(r["createQuote"]["status"], "PENDING_APPROVAL");
    let r = ok(&t, &dual, CREATE_QUOTE, json!({ "id": opportunity, "p": pro, "d": "30" })).await;
    assert_eq!(r["createQuote"]["status"], "PENDING_APPROVAL");
    let quote = id_of(&r["createQuote"]["id"]);
    // The admin raises the manager limit, so the discount alone no longer stands in the way.
    let admin = t.login("admin@demo.test").await;
    ok(
        &t,
        &admin,
        "mutation { updateOrgSettings(input: { discountLimitManager: \"35\" }) { discountLimitManager } }",
        json!({}),
    )
    .await;

    let before = (rows(&t).await, read(&t, &dual, QUOTE, "quote", &quote).await);
    let r = refused(&t, &dual, APPROVE_QUOTE, json!({ "q": quote }), "RULE_VIOLATION").await;
    assert_rules(&r, &["SELF_APPROVAL"]);
    assert_eq!((rows(&t).await, read(&t, &dual, QUOTE, "quote", &quote).await), before);
    assert_eq!(before.1["status"], "PENDING_APPROVAL");

    // Someone else may.
    let r = ok(&t, &d.finance, APPROVE_QUOTE, json!({ "q": quote })).await;
    assert_eq!(r["approveQuote"]["status"], "APPROVED");
    assert_eq!(r["approveQuote"]["approvedBy"]["email"], "finance@demo.test");

    // Finance's unlimited authority is not the seller's limit either: 45 % on one's own deal
    // waits, and the same user cannot approve it by creating, editing or approving.
    let fin = new_user(&t, "sellfin@demo.test", json!(["ACCOUNT_EXECUTIVE", "FINANCE"])).await;
    let fin_id = t.user_id(&fin, "sellfin@demo.test").await;
    let opportunity = own_deal(&t, &d, &fin_id, "Finance Self Co").await;
    let r = ok(&t, &fin, CREATE_QUOTE, json!({ "id": opportunity, "p": pro, "d": "45" })).await;
    assert_eq!(r["createQuote"]["status"], "PENDING_APPROVAL");
    assert!(r["createQuote"]["approvedBy"].is_null(), "{r}");
    let quote = id_of(&r["createQuote"]["id"]);
    let version = read(&t, &fin, QUOTE, "quote", &quote).await["version"].as_i64().unwrap();
    let r = ok(&t, &fin, UPDATE_QUOTE, json!({ "q": quote, "v": version, "p": pro, "d": "40" })).await;
    assert_eq!(r["updateQuote"]["status"], "PENDING_APPROVAL");
    let before = (rows(&t).await, read(&t, &fin, QUOTE, "quote", &quote).await);
    let r = refused(&t, &fin, APPROVE_QUOTE, json!({ "q": quote }), "RULE_VIOLATION").await;
    assert_rules(&r, &["SELF_APPROVAL"]);
    assert_eq!((rows(&t).await, read(&t, &fin, QUOTE, "quote", &quote).await), before);
    // Within the free discount, every seller's quote is approved on creation.
    let r = ok(&t, &fin, CREATE_QUOTE, json!({ "id": opportunity, "p": pro, "d": "10" })).await;
    assert_eq!(r["createQuote"]["status"], "APPROVED");
    t.stop().await;
});

// ---------------------------------------------------------------------------------------------
// 3. Contracts and legal
// ---------------------------------------------------------------------------------------------

both!(signing_needs_legal_approval_of_the_current_version_and_a_decision_maker, |engine| async move {
    let t = spawn_app(engine).await;
    let d = submitted(&t).await;
    let v = d.contract_version;
    let sign = json!({ "c": d.contract, "s": d.signer });

    // In review: not signable, and nothing is created.
    let before = (rows(&t).await, read(&t, &d.ae, CONTRACT, "contract", &d.contract).await);
    let r = refused(&t, &d.ae, SIGN, sign.clone(), "RULE_VIOLATION").await;
    assert_rules(&r, &["LEGAL_REVIEW_REQUIRED"]);
    nothing_signed(&t, &d).await;

    // Only legal approves, and only the version it saw.
    refused(&t, &d.ae, APPROVE_CONTRACT, json!({ "c": d.contract, "v": v }), "FORBIDDEN").await;
    refused(&t, &d.finance, APPROVE_CONTRACT, json!({ "c": d.contract, "v": v }), "FORBIDDEN").await;
    refused(&t, &d.legal, APPROVE_CONTRACT, json!({ "c": d.contract, "v": v - 1 }), "CONFLICT").await;
    assert_eq!((rows(&t).await, read(&t, &d.ae, CONTRACT, "contract", &d.contract).await), before);
    assert_eq!(before.1["status"], "IN_LEGAL_REVIEW");
    let r = ok(&t, &d.legal, APPROVE_CONTRACT, json!({ "c": d.contract, "v": v })).await;
    assert_eq!(r["approveContract"]["status"], "APPROVED");
    assert_eq!(r["approveContract"]["version"], v + 1);
    assert_eq!(r["approveContract"]["approvedVersion"], v + 1);

    // An edit after approval is a new version back in DRAFT; the approval no longer counts.
    let edit = |ver: i64| json!({ "c": d.contract, "v": ver, "k": "liability", "x": "Liability is limited to twice the annual fees." });
    let before = (rows(&t).await, read(&t, &d.ae, CONTRACT, "contract", &d.contract).await);
    refused(&t, &d.ae, EDIT_CLAUSE, edit(v), "CONFLICT").await;
    assert_eq!((rows(&t).await, read(&t, &d.ae, CONTRACT, "contract", &d.contract).await), before);
    let r = ok(&t, &d.ae, EDIT_CLAUSE, edit(v + 1)).await;
    assert_eq!(r["updateContractClause"]["status"], "DRAFT");
    assert_eq!(r["updateContractClause"]["version"], v + 2);
    assert_eq!(r["updateContractClause"]["deviatingClauses"], json!(["liability"]));
    let c = read(&t, &d.ae, CONTRACT, "contract", &d.contract).await;
    for clause in c["clauses"].as_array().unwrap() {
        let edited = clause["key"] == "liability";
        assert_eq!(clause["deviatesFromTemplate"], edited, "{clause}");
        assert_eq!(clause["text"] != clause["templateText"], edited, "{clause}");
    }
    let before = (rows(&t).await, c);
    let r = refused(&t, &d.ae, SIGN, sign.clone(), "RULE_VIOLATION").await;
    let reasons = assert_rules(&r, &["LEGAL_REVIEW_REQUIRED"]);
    assert!(reasons[0].contains(&format!("({})", v + 2)), "names the current version: {reasons:?}");
    nothing_signed(&t, &d).await;
    assert_eq!((rows(&t).await, read(&t, &d.ae, CONTRACT, "contract", &d.contract).await), before);

    // Resubmitted and approved again; a signatory who is no decision maker cannot sign.
    let r = ok(&t, &d.ae, SUBMIT_CONTRACT, json!({ "c": d.contract })).await;
    assert_eq!(r["submitContractForReview"]["status"], "IN_LEGAL_REVIEW");
    let v = r["submitContractForReview"]["version"].as_i64().unwrap();
    ok(&t, &d.legal, APPROVE_CONTRACT, json!({ "c": d.contract, "v": v })).await;
    let clerk = add_contact(&t, &d, "Carl Clerk", "PROCUREMENT", false).await;
    let before = (rows(&t).await, read(&t, &d.ae, CONTRACT, "contract", &d.contract).await);
    let r = refused(&t, &d.ae, SIGN, json!({ "c": d.contract, "s": clerk }), "RULE_VIOLATION").await;
    assert_rules(&r, &["SIGNATORY_NOT_DECISION_MAKER"]);
    nothing_signed(&t, &d).await;
    assert_eq!((rows(&t).await, read(&t, &d.ae, CONTRACT, "contract", &d.contract).await), before);

    let r = ok(&t, &d.ae, SIGN, sign).await;
    assert_eq!(r["signContract"]["contract"]["status"], "SIGNED");
    assert_eq!(r["signContract"]["opportunity"]["stage"], "CLOSED_WON");
    assert_eq!(t.count("invoices").await, 4);
    assert_eq!(t.count("handoff_packages").await, 1);
    assert_eq!(t.count("subscriptions").await, 1);

    // After signing only legal voids, and the scheduled invoices go with the contract.
    let before = (rows(&t).await, read(&t, &d.ae, CONTRACT, "contract", &d.contract).await);
    refused(&t, &d.ae, VOID_CONTRACT, json!({ "c": d.contract }), "FORBIDDEN").await;
    assert_eq!((rows(&t).await, read(&t, &d.ae, CONTRACT, "contract", &d.contract).await), before);
    assert_eq!(before.1["status"], "SIGNED");
    let r = ok(&t, &d.legal, VOID_CONTRACT, json!({ "c": d.contract })).await;
    assert_eq!(r["voidContract"]["status"], "VOIDED");
    assert_eq!(r["voidContract"]["voidReason"], "customer withdrew");
    assert_eq!(t.count("invoices WHERE status = 'VOID'").await, 3);
    assert_eq!(t.count("invoices WHERE status = 'ISSUED'").await, 1, "the issued invoice stays for finance");
    t.stop().await;
});

both!(legal_never_approves_a_version_it_edited_itself, |engine| async move {
    let t = spawn_app(engine).await;
    let d = submitted(&t).await;
    let r = ok(
        &t,
        &d.legal,
        EDIT_CLAUSE,
        json!({ "c": d.contract, "v": d.contract_version, "k": "ip", "x": "The Customer owns everything." }),
    )
    .await;
    assert_eq!(r["updateContractClause"]["status"], "DRAFT");
    let r = ok(&t, &d.ae, SUBMIT_CONTRACT, json!({ "c": d.contract })).await;
    let v = r["submitContractForReview"]["version"].as_i64().unwrap();
    assert_eq!(v, d.contract_version + 2);

    let before = (rows(&t).await, read(&t, &d.ae, CONTRACT, "contract", &d.contract).await);
    let r = refused(&t, &d.legal, APPROVE_CONTRACT, json!({ "c": d.contract, "v": v }), "RULE_VIOLATION").await;
    assert_rules(&r, &["REVIEWER_IS_AUTHOR"]);
    assert_eq!((rows(&t).await, read(&t, &d.ae, CONTRACT, "contract", &d.contract).await), before);
    assert_eq!(before.1["status"], "IN_LEGAL_REVIEW");

    // A second lawyer did not touch it and may approve it.
    let legal2 = new_user(&t, "legal2@demo.test", json!(["LEGAL"])).await;
    let r = ok(&t, &legal2, APPROVE_CONTRACT, json!({ "c": d.contract, "v": v })).await;
    assert_eq!(r["approveContract"]["status"], "APPROVED");
    assert_eq!(r["approveContract"]["approvedBy"]["email"], "legal2@demo.test");
    assert_eq!(r["approveContract"]["approvedVersion"], v + 1);
    let r = ok(&t, &d.ae, SIGN, json!({ "c": d.contract, "s": d.signer })).await;
    assert_eq!(r["signContract"]["contract"]["status"], "SIGNED");
    t.stop().await;
});

both!(changes_requested_by_legal_go_back_to_the_account_executive_and_return_to_review, |engine| async move {
    let t = spawn_app(engine).await;
    let d = submitted(&t).await;
    let before = (rows(&t).await, read(&t, &d.ae, CONTRACT, "contract", &d.contract).await);
    let r = refused(&t, &d.legal, REQUEST_CHANGES, json!({ "c": d.contract, "m": " " }), "BAD_USER_INPUT").await;
    assert_bad_input(&r, "comments");
    refused(&t, &d.ae, REQUEST_CHANGES, json!({ "c": d.contract, "m": "fix" }), "FORBIDDEN").await;
    assert_eq!((rows(&t).await, read(&t, &d.ae, CONTRACT, "contract", &d.contract).await), before);

    let r =
        ok(&t, &d.legal, REQUEST_CHANGES, json!({ "c": d.contract, "m": "Cap liability at the annual fees." })).await;
    assert_eq!(r["requestContractChanges"]["status"], "CHANGES_REQUESTED");
    assert_eq!(r["requestContractChanges"]["changesComments"], "Cap liability at the annual fees.");
    assert_eq!(ok(&t, &d.legal, LEGAL_QUEUE, json!({})).await["legalView"]["approvalQueue"]["totalCount"], 0);
    let v = r["requestContractChanges"]["version"].as_i64().unwrap();

    // Neither approvable nor signable while the AE holds it.
    let before = (rows(&t).await, read(&t, &d.ae, CONTRACT, "contract", &d.contract).await);
    let r = refused(&t, &d.legal, APPROVE_CONTRACT, json!({ "c": d.contract, "v": v }), "RULE_VIOLATION").await;
    assert_rules(&r, &["INVALID_TRANSITION"]);
    let r = refused(&t, &d.ae, SIGN, json!({ "c": d.contract, "s": d.signer }), "RULE_VIOLATION").await;
    assert_rules(&r, &["LEGAL_REVIEW_REQUIRED"]);
    nothing_signed(&t, &d).await;
    assert_eq!((rows(&t).await, read(&t, &d.ae, CONTRACT, "contract", &d.contract).await), before);

    let r = ok(&t, &d.ae, SUBMIT_CONTRACT, json!({ "c": d.contract })).await;
    assert_eq!(r["submitContractForReview"]["status"], "IN_LEGAL_REVIEW");
    assert_eq!(ok(&t, &d.legal, LEGAL_QUEUE, json!({})).await["legalView"]["approvalQueue"]["totalCount"], 1);
    let v = r["submitContractForReview"]["version"].as_i64().unwrap();
    ok(&t, &d.legal, APPROVE_CONTRACT, json!({ "c": d.contract, "v": v })).await;
    let r = ok(&t, &d.ae, SIGN, json!({ "c": d.contract, "s": d.signer })).await;
    assert_eq!(r["signContract"]["contract"]["status"], "SIGNED");
    t.stop().await;
});

// ---------------------------------------------------------------------------------------------
// 4. Races
// ---------------------------------------------------------------------------------------------

both!(two_lawyers_approving_the_same_version_at_once_approve_it_once, |engine| async move {
    let t = spawn_app(engine).await;
    let d = submitted(&t).await;
    let legal2 = new_user(&t, "legal2@demo.test", json!(["LEGAL"])).await;
    let vars = json!({ "c": d.contract, "v": d.contract_version });
    let (a, b) = tokio::join!(
        t.gql(Some(&d.legal), APPROVE_CONTRACT, vars.clone()),
        t.gql(Some(&legal2), APPROVE_CONTRACT, vars.clone())
    );
    let wins: Vec<&Value> = [&a, &b].into_iter().filter(|r| r["errors"].is_null()).collect();
    assert_eq!(wins.len(), 1, "exactly one approval wins:\n{a}\n{b}");
    let loser = if a["errors"].is_null() { &b } else { &a };
    assert_eq!(code(loser), "CONFLICT", "{loser}");
    let winner = wins[0]["data"]["approveContract"]["approvedBy"]["email"].clone();

    let c = read(&t, &d.ae, CONTRACT, "contract", &d.contract).await;
    assert_eq!(c["status"], "APPROVED");
    assert_eq!(c["version"], d.contract_version + 1);
    assert_eq!(c["approvedVersion"], d.contract_version + 1);
    assert_eq!(c["approvedBy"]["email"], winner);
    assert_eq!(t.count("audit_log WHERE action = 'approveContract'").await, 1);
    t.stop().await;
});

both!(a_payment_retried_concurrently_with_one_key_is_recorded_once, |engine| async move {
    let t = spawn_app(engine).await;
    let (d, _) = signed(&t).await;
    let first = &d.invoices[0];
    for round in 1..=3_i64 {
        let vars = json!({ "i": first, "a": "100.00", "k": format!("race-{round}") });
        let (a, b) = tokio::join!(t.gql(Some(&d.finance), PAY, vars.clone()), t.gql(Some(&d.finance), PAY, vars));
        assert!(a["errors"].is_null(), "{a}");
        assert!(b["errors"].is_null(), "{b}");
        let paid = format!("{}.00", 100 * round);
        assert_eq!(a["data"]["recordPayment"]["amountPaid"]["amount"], paid.as_str(), "{a}");
        assert_eq!(b["data"]["recordPayment"]["amountPaid"]["amount"], paid.as_str(), "{b}");
        assert_eq!(t.count("payments").await, round, "one payment row per key");
    }
    let i = read(&t, &d.finance, INVOICE, "invoice", first).await;
    assert_eq!(i["status"], "PARTIALLY_PAID");
    assert_eq!(i["amountPaid"]["amount"], "300.00");
    assert_eq!(i["payments"].as_array().unwrap().len(), 3);
    t.stop().await;
});

// ---------------------------------------------------------------------------------------------
// 5. Finance
// ---------------------------------------------------------------------------------------------

both!(finance_takes_payments_refunds_and_voids_only_where_the_rules_allow, |engine| async move {
    let t = spawn_app(engine).await;
    let (d, _) = signed(&t).await;
    let (first, second) = (&d.invoices[0], &d.invoices[1]);

    // Not finance, not payable, not the invoice's currency: nothing is recorded.
    let before = (rows(&t).await, read(&t, &d.finance, INVOICE, "invoice", first).await);
    let before2 = read(&t, &d.finance, INVOICE, "invoice", second).await;
    assert_eq!(before2["status"], "SCHEDULED");
    refused(&t, &d.ae, PAY, json!({ "i": first, "a": "100.00", "k": "ae" }), "FORBIDDEN").await;
    let r = refused(&t, &d.finance, PAY, json!({ "i": second, "a": "100.00", "k": "early" }), "RULE_VIOLATION").await;
    assert_rules(&r, &["INVOICE_NOT_PAYABLE"]);
    let r = refused(
        &t,
        &d.finance,
        PAY_IN,
        json!({ "i": first, "a": "100.00", "c": "EUR", "k": "euro" }),
        "BAD_USER_INPUT",
    )
    .await;
    assert_bad_input(&r, "amount");
    assert_eq!(t.count("payments").await, 0);
    assert_eq!((rows(&t).await, read(&t, &d.finance, INVOICE, "invoice", first).await), before);
    assert_eq!(read(&t, &d.finance, INVOICE, "invoice", second).await, before2);

    // Paid in full: it cannot be voided.
    let r = ok(&t, &d.finance, PAY, json!({ "i": first, "a": "4503.00", "k": "full" })).await;
    assert_eq!(r["recordPayment"]["status"], "PAID");
    let payment = id_of(&r["recordPayment"]["payments"][0]["id"]);
    let before = (rows(&t).await, read(&t, &d.finance, INVOICE, "invoice", first).await);
    let r = refused(&t, &d.finance, VOID_INVOICE, json!({ "i": first }), "RULE_VIOLATION").await;
    assert_rules(&r, &["INVALID_TRANSITION"]);
    assert_eq!((rows(&t).await, read(&t, &d.finance, INVOICE, "invoice", first).await), before);

    // A partial refund reopens it; a refund beyond what is left is refused.
    let r = ok(&t, &d.finance, REFUND, json!({ "p": payment, "a": "503.00", "k": "refund-1" })).await;
    let i = &r["refundPayment"];
    assert_eq!(i["status"], "PARTIALLY_PAID");
    assert_eq!(i["amountPaid"]["amount"], "4000.00");
    assert_eq!(i["payments"][1]["kind"], "REFUND");
    assert_eq!(i["payments"][1]["amount"]["amount"], "503.00");
    let before = (rows(&t).await, read(&t, &d.finance, INVOICE, "invoice", first).await);
    let r = refused(&t, &d.finance, REFUND, json!({ "p": payment, "a": "4000.01", "k": "refund-2" }), "BAD_USER_INPUT")
        .await;
    assert_bad_input(&r, "amount");
    refused(&t, &d.ae, REFUND, json!({ "p": payment, "a": "1.00", "k": "refund-3" }), "FORBIDDEN").await;
    let r = refused(&t, &d.finance, VOID_INVOICE, json!({ "i": first }), "RULE_VIOLATION").await;
    assert_rules(&r, &["INVALID_TRANSITION"]);
    assert_eq!((rows(&t).await, read(&t, &d.finance, INVOICE, "invoice", first).await), before);
    assert_eq!(t.count("payments").await, 2);

    // A scheduled invoice is voided; the other scheduled ones are listed.
    let before = rows(&t).await;
    refused(&t, &d.ae, VOID_INVOICE, json!({ "i": second }), "FORBIDDEN").await;
    assert_eq!(rows(&t).await, before);
    let r = ok(&t, &d.finance, VOID_INVOICE, json!({ "i": second })).await;
    assert_eq!(r["voidInvoice"]["status"], "VOID");
    assert_eq!(r["voidInvoice"]["voidReason"], "billed by mistake");
    let r = ok(&t, &d.finance, SCHEDULED, json!({})).await;
    let list = &r["financeView"]["invoices"];
    assert_eq!(list["totalCount"], 2, "{r}");
    let mut ids: Vec<&str> =
        list["edges"].as_array().unwrap().iter().map(|e| e["node"]["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    let mut want = vec![d.invoices[2].as_str(), d.invoices[3].as_str()];
    want.sort_unstable();
    assert_eq!(ids, want);
    for e in list["edges"].as_array().unwrap() {
        assert_eq!(e["node"]["status"], "SCHEDULED");
        assert!(e["node"]["number"].is_null());
    }
    t.stop().await;
});

both!(invoice_numbers_run_in_order_without_gaps_across_deals, |engine| async move {
    let t = spawn_app(engine).await;
    let (_, p1) = signed(&t).await;
    assert_eq!(p1["invoices"][0]["number"], "INV-000001");

    // The second deal: a refused signing first takes no number.
    let d2 = approved(&t).await;
    let clerk = add_contact(&t, &d2, "Carl Clerk", "OTHER", false).await;
    let r = refused(&t, &d2.ae, SIGN, json!({ "c": d2.contract, "s": clerk }), "RULE_VIOLATION").await;
    assert_rules(&r, &["SIGNATORY_NOT_DECISION_MAKER"]);
    assert_eq!(t.count("invoices").await, 4, "only the first deal's invoices");
    let r = ok(&t, &d2.ae, SIGN, json!({ "c": d2.contract, "s": d2.signer })).await;
    let invoices = r["signContract"]["invoices"].as_array().unwrap();
    assert_eq!(invoices[0]["number"], "INV-000002");
    assert!(invoices[1..].iter().all(|i| i["number"].is_null() && i["status"] == "SCHEDULED"));

    // Scheduled invoices take the next numbers when they are issued.
    let later = chrono::Utc::now().date_naive() + chrono::Days::new(100);
    assert_eq!(t.app().issue_due_invoices(later).await.unwrap(), 2, "the second quarter of both deals");
    let finance = t.login("finance@demo.test").await;
    let r =
        ok(&t, &finance, "{ financeView { invoices(status: ISSUED) { edges { node { number } } } } }", json!({})).await;
    let mut numbers: Vec<&str> = r["financeView"]["invoices"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["number"].as_str().unwrap())
        .collect();
    numbers.sort_unstable();
    assert_eq!(numbers, ["INV-000001", "INV-000002", "INV-000003", "INV-000004"]);
    t.stop().await;
});

// ---------------------------------------------------------------------------------------------
// 6. Hand-off
// ---------------------------------------------------------------------------------------------

both!(an_incomplete_handoff_is_refused_and_a_returned_one_goes_back_to_the_account_executive, |engine| async move {
    let t = spawn_app(engine).await;
    let (d, _) = signed(&t).await;
    let h = json!({ "id": d.handoff });

    // Special requirements and success criteria are missing: two reasons.
    let before = (rows(&t).await, read(&t, &d.ae, HANDOFF, "handoffPackage", &d.handoff).await);
    let r = refused(&t, &d.ae, SUBMIT_HANDOFF, h.clone(), "RULE_VIOLATION").await;
    let reasons = assert_rules(&r, &["HANDOFF_INCOMPLETE", "HANDOFF_INCOMPLETE"]);
    assert!(reasons[0].contains("special requirements"), "{reasons:?}");
    assert!(reasons[1].contains("success criteria"), "{reasons:?}");
    assert_eq!((rows(&t).await, read(&t, &d.ae, HANDOFF, "handoffPackage", &d.handoff).await), before);
    assert_eq!(before.1["status"], "DRAFT");
    assert_eq!(before.1["missingItems"], json!(reasons));

    let r =
        ok(&t, &d.ae, UPDATE_HANDOFF, json!({ "id": d.handoff, "s": "none", "c": "stock-outs halved by Q3" })).await;
    assert_eq!(r["updateHandoffPackage"]["missingItems"], json!([]));
    let r = ok(&t, &d.ae, SUBMIT_HANDOFF, h.clone()).await;
    assert_eq!(r["submitHandoffPackage"]["status"], "SUBMITTED");

    // The AE cannot accept; customer success returns only with a reason.
    let before = (rows(&t).await, read(&t, &d.ae, HANDOFF, "handoffPackage", &d.handoff).await);
    refused(&t, &d.ae, ACCEPT_HANDOFF, h.clone(), "FORBIDDEN").await;
    let r = refused(&t, &d.cs, RETURN_HANDOFF, json!({ "id": d.handoff, "r": "  " }), "BAD_USER_INPUT").await;
    assert_bad_input(&r, "reason");
    refused(&t, &d.ae, RETURN_HANDOFF, json!({ "id": d.handoff, "r": "mine" }), "FORBIDDEN").await;
    assert_eq!((rows(&t).await, read(&t, &d.ae, HANDOFF, "handoffPackage", &d.handoff).await), before);
    assert_eq!(before.1["status"], "SUBMITTED");

    let reason = "The success criteria need a measurable target.";
    let r = ok(&t, &d.cs, RETURN_HANDOFF, json!({ "id": d.handoff, "r": reason })).await;
    assert_eq!(r["returnHandoff"]["status"], "RETURNED");
    assert_eq!(r["returnHandoff"]["returnReason"], reason);
    let r = ok(&t, &d.cs, "{ customerSuccessView { incomingHandoffs { totalCount } } }", json!({})).await;
    assert_eq!(r["customerSuccessView"]["incomingHandoffs"]["totalCount"], 0);

    // The AE sees why, edits and resubmits; customer success accepts.
    let p = read(&t, &d.ae, HANDOFF, "handoffPackage", &d.handoff).await;
    assert_eq!(p["status"], "RETURNED");
    assert_eq!(p["returnReason"], reason);
    let before = (rows(&t).await, p);
    let r = refused(&t, &d.cs, ACCEPT_HANDOFF, h.clone(), "RULE_VIOLATION").await;
    assert_rules(&r, &["INVALID_TRANSITION"]);
    assert_eq!((rows(&t).await, read(&t, &d.ae, HANDOFF, "handoffPackage", &d.handoff).await), before);
    let r = ok(&t, &d.ae, UPDATE_HANDOFF, json!({ "id": d.handoff, "c": "stock-outs below 2 % by Q3" })).await;
    assert_eq!(r["updateHandoffPackage"]["status"], "RETURNED");
    let r = ok(&t, &d.ae, SUBMIT_HANDOFF, h.clone()).await;
    assert_eq!(r["submitHandoffPackage"]["status"], "SUBMITTED");
    let r = ok(&t, &d.cs, ACCEPT_HANDOFF, h).await;
    assert_eq!(r["acceptHandoff"]["status"], "ACCEPTED");
    t.stop().await;
});

// ---------------------------------------------------------------------------------------------
// 7. Tenancy
// ---------------------------------------------------------------------------------------------

both!(another_organization_cannot_see_or_touch_the_deal, |engine| async move {
    let t = spawn_app(engine).await;
    let d = submitted(&t).await;
    t.app().create_org("Other Co", "boss@other.test", "password123").await.unwrap();
    let boss = t.login_with("boss@other.test", "password123").await.unwrap();
    ok(
        &t,
        &boss,
        CREATE_USER,
        json!({ "n": "Other Lawyer", "e": "ops@other.test", "r": ["LEGAL", "FINANCE", "ACCOUNT_EXECUTIVE"] }),
    )
    .await;
    let ops = t.login_with("ops@other.test", "password123").await.unwrap();

    let before = (rows(&t).await, read(&t, &d.ae, CONTRACT, "contract", &d.contract).await);
    for who in [&boss, &ops] {
        for (q, id) in [(QUOTE, &d.quote), (CONTRACT, &d.contract)] {
            let r = refused(&t, who, q, json!({ "id": id }), "NOT_FOUND").await;
            assert!(r["data"].is_null() || r["data"].as_object().unwrap().values().all(Value::is_null), "{r}");
        }
    }
    let approve = json!({ "c": d.contract, "v": d.contract_version });
    // The admin may never approve contracts: the same FORBIDDEN for every id, nothing leaks.
    refused(&t, &boss, APPROVE_CONTRACT, approve.clone(), "FORBIDDEN").await;
    // A lawyer of the other organization does not find it.
    refused(&t, &ops, APPROVE_CONTRACT, approve.clone(), "NOT_FOUND").await;
    refused(&t, &ops, REQUEST_CHANGES, json!({ "c": d.contract, "m": "mine" }), "NOT_FOUND").await;
    refused(&t, &ops, VOID_CONTRACT, json!({ "c": d.contract }), "NOT_FOUND").await;
    refused(&t, &ops, APPROVE_QUOTE, json!({ "q": d.quote }), "NOT_FOUND").await;
    assert_eq!((rows(&t).await, read(&t, &d.ae, CONTRACT, "contract", &d.contract).await), before);

    // Signed, with invoices and a package: still invisible.
    ok(&t, &d.legal, APPROVE_CONTRACT, approve).await;
    let r = ok(&t, &d.ae, SIGN, json!({ "c": d.contract, "s": d.signer })).await;
    let invoice = id_of(&r["signContract"]["invoices"][0]["id"]);
    let handoff = id_of(&r["signContract"]["handoffPackage"]["id"]);
    let before = (rows(&t).await, read(&t, &d.finance, INVOICE, "invoice", &invoice).await);
    for who in [&boss, &ops] {
        refused(&t, who, INVOICE, json!({ "id": invoice }), "NOT_FOUND").await;
        refused(&t, who, HANDOFF, json!({ "id": handoff }), "NOT_FOUND").await;
    }
    refused(&t, &ops, PAY, json!({ "i": invoice, "a": "1.00", "k": "other-org" }), "NOT_FOUND").await;
    refused(&t, &ops, VOID_INVOICE, json!({ "i": invoice }), "NOT_FOUND").await;
    refused(&t, &ops, SUBMIT_HANDOFF, json!({ "id": handoff }), "NOT_FOUND").await;
    assert_eq!((rows(&t).await, read(&t, &d.finance, INVOICE, "invoice", &invoice).await), before);
    t.stop().await;
});

both!(a_stored_stage_this_version_does_not_know_is_an_internal_error_never_a_guess, |engine| async move {
    let t = spawn_app(engine).await;
    let d = converted(&t).await;
    // Something other than this code wrote the row (a hand-made UPDATE, a newer version).
    let id = match engine {
        Engine::Postgres => format!("'{}'", d.opportunity),
        Engine::Sqlite => format!("X'{}'", d.opportunity.replace('-', "")),
    };
    t.exec(&format!("UPDATE opportunities SET stage = 'PILOT' WHERE id = {id}")).await;
    let before = t.count("audit_log").await;
    let r = t
        .gql(Some(&d.ae), "query($id: ID!) { opportunity(id: $id) { name stage } }", json!({ "id": d.opportunity }))
        .await;
    assert_eq!(code(&r), "INTERNAL", "not read as DISCOVERY: {r}");
    assert!(r["data"]["opportunity"].is_null(), "the non-null stage nulls its object: {r}");
    // A move cannot start from a stage it cannot name.
    let r = t.gql(Some(&d.ae), MOVE_V, json!({ "id": d.opportunity, "s": "NEEDS_ANALYSIS" })).await;
    assert_eq!(code(&r), "INTERNAL", "{r}");
    assert_eq!(t.count("audit_log").await, before, "nothing written");
    assert_eq!(
        t.scalar(&format!("SELECT COUNT(*) AS n FROM opportunities WHERE id = {id} AND stage = 'PILOT'")).await,
        1
    );
    t.stop().await;
});
