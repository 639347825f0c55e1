//! Steps of the deal-to-handoff flow, shared by the backbone suites. Each step asserts that it
//! worked, so a failing step names itself.

use crate::TestApp;
use serde_json::{Value, json};

/// The ids a flow produces.
#[derive(Debug, Clone, Default)]
pub struct Deal {
    pub sdr: String,
    pub ae: String,
    pub legal: String,
    pub finance: String,
    pub cs: String,
    pub manager: String,
    pub ae_id: String,
    pub lead: String,
    pub account: String,
    pub opportunity: String,
    pub signer: String,
    pub quote: String,
    pub contract: String,
    pub contract_version: i64,
    pub invoices: Vec<String>,
    pub handoff: String,
}

/// Runs a mutation or query and panics with the response when it has errors.
pub async fn ok(t: &TestApp, token: &str, q: &str, vars: Value) -> Value {
    let r = t.gql(Some(token), q, vars).await;
    assert!(r["errors"].is_null(), "{q}\n=> {r}");
    r["data"].clone()
}

/// Logs everyone in.
pub async fn people(t: &TestApp) -> Deal {
    let sdr = t.login("sdr@demo.test").await;
    let ae_id = t.user_id(&sdr, "ae@demo.test").await;
    Deal {
        ae: t.login("ae@demo.test").await,
        legal: t.login("legal@demo.test").await,
        finance: t.login("finance@demo.test").await,
        cs: t.login("cs@demo.test").await,
        manager: t.login("salesmanager@demo.test").await,
        sdr,
        ae_id,
        ..Default::default()
    }
}

/// Lead captured, qualified HIGH and converted to the AE (value 24,000 USD, below the
/// enterprise threshold).
pub async fn converted(t: &TestApp) -> Deal {
    converted_with(t, json!({ "companyName": "Acme Retail", "contactName": "Ann Buyer", "contactEmail": "ann@acme.example", "source": "SEO" })).await
}

/// Like [`converted`], from a lead created with the given `CreateLeadInput`.
pub async fn converted_with(t: &TestApp, lead: Value) -> Deal {
    let mut d = people(t).await;
    let r =
        ok(t, &d.sdr, "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }", json!({ "i": lead })).await;
    d.lead = r["createLead"]["id"].as_str().unwrap_or_default().to_owned();
    ok(t, &d.sdr, "mutation($id: ID!) { recordLeadContact(leadId: $id) { status } }", json!({ "id": d.lead })).await;
    ok(
        t,
        &d.sdr,
        "mutation($id: ID!) { qualifyLead(leadId: $id, input: { budgetConfirmed: true, authorityConfirmed: true, needConfirmed: true, timeline: WITHIN_3_MONTHS }) { priority } }",
        json!({ "id": d.lead }),
    )
    .await;
    let r = ok(
        t,
        &d.sdr,
        "mutation($id: ID!, $ae: ID!) { convertLead(leadId: $id, input: { accountExecutiveId: $ae, opportunityName: \"Acme POS\", estimatedValue: { amount: \"24000\", currency: \"USD\" } }) { account { id } opportunity { id } } }",
        json!({ "id": d.lead, "ae": d.ae_id }),
    )
    .await;
    d.account = r["convertLead"]["account"]["id"].as_str().unwrap_or_default().to_owned();
    d.opportunity = r["convertLead"]["opportunity"]["id"].as_str().unwrap_or_default().to_owned();
    d
}

/// The product id of a demo SKU.
pub async fn product(t: &TestApp, token: &str, sku: &str) -> String {
    let r = ok(t, token, "{ salesView { products { id sku } } }", json!({})).await;
    r["salesView"]["products"]
        .as_array()
        .and_then(|ps| ps.iter().find(|p| p["sku"] == sku))
        .map(|p| p["id"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_default()
}

/// The id of a contract template by kind.
pub async fn template(t: &TestApp, token: &str, kind: &str) -> String {
    let r = ok(t, token, "{ salesView { contractTemplates { id kind } } }", json!({})).await;
    r["salesView"]["contractTemplates"]
        .as_array()
        .and_then(|ts| ts.iter().find(|x| x["kind"] == kind))
        .map(|x| x["id"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_default()
}

pub const MOVE: &str =
    "mutation($id: ID!, $s: OpportunityStage!) { moveOpportunity(opportunityId: $id, stage: $s) { stage version } }";

/// Walks the converted deal to an accepted quote (20 Professional seats for 12 months, 5 %
/// discount: 18,012.00 USD) and a decision-maker contact.
pub async fn quoted(t: &TestApp) -> Deal {
    quoted_from(t, converted(t).await).await
}

/// Walks a converted deal to the proposal stage, with a decision maker on the account.
pub async fn proposal_from(t: &TestApp, mut d: Deal) -> Deal {
    let r = ok(
        t,
        &d.ae,
        "mutation($a: ID!) { addContact(accountId: $a, input: { name: \"Eve Exec\", email: \"eve@acme.example\", role: EXECUTIVE, decisionMaker: true }) { id } }",
        json!({ "a": d.account }),
    )
    .await;
    d.signer = r["addContact"]["id"].as_str().unwrap_or_default().to_owned();
    ok(
        t,
        &d.ae,
        "mutation($id: ID!) { recordNeedsAnalysis(opportunityId: $id, report: \"Cut stock-outs by half\") { id } }",
        json!({ "id": d.opportunity }),
    )
    .await;
    ok(t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "NEEDS_ANALYSIS" })).await;
    ok(t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "DEMO" })).await;
    ok(
        t,
        &d.ae,
        "mutation($id: ID!) { logActivity(opportunityId: $id, kind: DEMO, notes: \"retail demo\") { id } }",
        json!({ "id": d.opportunity }),
    )
    .await;
    ok(t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "PROPOSAL" })).await;
    d
}

/// Walks a converted deal to an accepted quote.
pub async fn quoted_from(t: &TestApp, d: Deal) -> Deal {
    let mut d = proposal_from(t, d).await;
    let pro = product(t, &d.ae, "PLAN-PRO").await;
    let r = ok(
        t,
        &d.ae,
        "mutation($id: ID!, $p: ID!) { createQuote(opportunityId: $id, input: { lines: [{ productId: $p, quantity: 20, termMonths: 12 }], discountPercent: \"5\" }) { id status total { amount } } }",
        json!({ "id": d.opportunity, "p": pro }),
    )
    .await;
    assert_eq!(r["createQuote"]["status"], "APPROVED");
    assert_eq!(r["createQuote"]["total"]["amount"], "18012.00");
    d.quote = r["createQuote"]["id"].as_str().unwrap_or_default().to_owned();
    ok(t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "NEGOTIATION" })).await;
    ok(t, &d.ae, "mutation($q: ID!) { acceptQuote(quoteId: $q) { status } }", json!({ "q": d.quote })).await;
    ok(t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "CONTRACTING" })).await;
    d
}

/// A SaaS contract (quarterly payments) drafted and submitted to legal.
pub async fn submitted(t: &TestApp) -> Deal {
    submitted_from(t, quoted(t).await).await
}

/// Drafts and submits the contract of a quoted deal.
pub async fn submitted_from(t: &TestApp, mut d: Deal) -> Deal {
    let tpl = template(t, &d.ae, "SAAS_SERVICE_AGREEMENT").await;
    let r = ok(
        t,
        &d.ae,
        "mutation($o: ID!, $t: ID!, $q: ID!) { draftContract(opportunityId: $o, templateId: $t, quoteId: $q, paymentSchedule: QUARTERLY) { id version status } }",
        json!({ "o": d.opportunity, "t": tpl, "q": d.quote }),
    )
    .await;
    d.contract = r["draftContract"]["id"].as_str().unwrap_or_default().to_owned();
    let r = ok(
        t,
        &d.ae,
        "mutation($c: ID!) { submitContractForReview(contractId: $c) { status version } }",
        json!({ "c": d.contract }),
    )
    .await;
    assert_eq!(r["submitContractForReview"]["status"], "IN_LEGAL_REVIEW");
    d.contract_version = r["submitContractForReview"]["version"].as_i64().unwrap_or_default();
    d
}

/// Legal approved the submitted version.
pub async fn approved(t: &TestApp) -> Deal {
    approved_from(t, submitted(t).await).await
}

/// Legal approves a submitted deal's contract.
pub async fn approved_from(t: &TestApp, mut d: Deal) -> Deal {
    let r = ok(
        t,
        &d.legal,
        "mutation($c: ID!, $v: Int!) { approveContract(contractId: $c, expectedVersion: $v, note: \"ok\") { status version approvedVersion } }",
        json!({ "c": d.contract, "v": d.contract_version }),
    )
    .await;
    assert_eq!(r["approveContract"]["status"], "APPROVED");
    d.contract_version = r["approveContract"]["version"].as_i64().unwrap_or_default();
    d
}

pub const SIGN: &str = "mutation($c: ID!, $s: ID!) { signContract(contractId: $c, signatoryContactId: $s) {
    contract { status } opportunity { stage }
    invoices { id number status sequence amount { amount currency } }
    handoffPackage { id status needsDocument missingItems } } }";

/// Signed by the customer's decision maker.
pub async fn signed(t: &TestApp) -> (Deal, Value) {
    signed_from(t, approved(t).await).await
}

/// The customer signs an approved deal's contract.
pub async fn signed_from(t: &TestApp, mut d: Deal) -> (Deal, Value) {
    let r = ok(t, &d.ae, SIGN, json!({ "c": d.contract, "s": d.signer })).await;
    let p = r["signContract"].clone();
    d.invoices = p["invoices"]
        .as_array()
        .map(|a| a.iter().map(|i| i["id"].as_str().unwrap_or_default().to_owned()).collect())
        .unwrap_or_default();
    d.handoff = p["handoffPackage"]["id"].as_str().unwrap_or_default().to_owned();
    (d, p)
}

pub const PAY: &str = "mutation($i: ID!, $a: Decimal!, $k: String!) { recordPayment(invoiceId: $i, input: { amount: { amount: $a, currency: \"USD\" }, reference: \"wire 1\", idempotencyKey: $k }) { id status amountPaid { amount } payments { id amount { amount } } } }";

/// Signed, hand-off package completed and submitted, and taken over by `cs@demo.test`.
pub async fn taken_over(t: &TestApp) -> Deal {
    let (d, _) = signed(t).await;
    ok(
        t,
        &d.ae,
        "mutation($id: ID!) { updateHandoffPackage(packageId: $id, input: { specialRequirements: \"none\", successCriteria: \"go live in Q3\" }) { id } }",
        json!({ "id": d.handoff }),
    )
    .await;
    ok(t, &d.ae, "mutation($id: ID!) { submitHandoffPackage(packageId: $id) { status } }", json!({ "id": d.handoff }))
        .await;
    ok(t, &d.cs, "mutation($id: ID!) { acceptHandoff(packageId: $id) { status } }", json!({ "id": d.handoff })).await;
    d
}
