//! Custom software: a fixed-price contract invoiced at milestones, a delivery project, paid
//! change orders, and scheduled invoices issued by the job runner with gap-free numbers.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::flow::*;
use baton_tests::*;
use serde_json::json;

both!(a_custom_development_deal_is_invoiced_at_milestones_and_takes_paid_change_orders, |engine| async move {
    let t = spawn_app(engine).await;
    let mut d = converted(&t).await;
    let r = ok(&t, &d.ae, "mutation($a: ID!) { addContact(accountId: $a, input: { name: \"Cy CTO\", role: IT, decisionMaker: true }) { id } }", json!({ "a": d.account })).await;
    d.signer = r["addContact"]["id"].as_str().unwrap().to_owned();
    ok(
        &t,
        &d.ae,
        "mutation($id: ID!) { recordNeedsAnalysis(opportunityId: $id, report: \"Warehouse integration\") { id } }",
        json!({ "id": d.opportunity }),
    )
    .await;
    for s in ["NEEDS_ANALYSIS", "DEMO"] {
        ok(&t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": s })).await;
    }
    ok(
        &t,
        &d.ae,
        "mutation($id: ID!) { logActivity(opportunityId: $id, kind: DEMO) { id } }",
        json!({ "id": d.opportunity }),
    )
    .await;
    ok(&t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "PROPOSAL" })).await;
    let dev = product(&t, &d.ae, "CUSTOM-DEV").await;
    let r = ok(&t, &d.ae, "mutation($id: ID!, $p: ID!) { createQuote(opportunityId: $id, input: { lines: [{ productId: $p, quantity: 1 }] }) { id total { amount } lines { termMonths total { amount } } } }", json!({ "id": d.opportunity, "p": dev })).await;
    assert_eq!(r["createQuote"]["total"]["amount"], "50000.00");
    assert_eq!(r["createQuote"]["lines"][0]["termMonths"], 1, "a fixed price has no term");
    let quote = r["createQuote"]["id"].as_str().unwrap().to_owned();
    ok(&t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "NEGOTIATION" })).await;
    ok(&t, &d.ae, "mutation($q: ID!) { acceptQuote(quoteId: $q) { status } }", json!({ "q": quote })).await;
    ok(&t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "CONTRACTING" })).await;
    let tpl = template(&t, &d.ae, "CUSTOM_DEVELOPMENT").await;
    let r = ok(&t, &d.ae, "mutation($o: ID!, $t: ID!, $q: ID!) { draftContract(opportunityId: $o, templateId: $t, quoteId: $q) { id paymentSchedule clauses { key } } }", json!({ "o": d.opportunity, "t": tpl, "q": quote })).await;
    assert_eq!(r["draftContract"]["paymentSchedule"], "MILESTONES", "custom development defaults to milestones");
    assert_eq!(r["draftContract"]["clauses"].as_array().unwrap().len(), 6);
    let contract = r["draftContract"]["id"].as_str().unwrap().to_owned();

    // A change order before signing is refused and writes nothing.
    let co = "mutation($c: ID!, $a: Decimal!) { createChangeOrder(contractId: $c, description: \"Extra report\", amount: { amount: $a, currency: \"USD\" }) { id amount { amount } invoice { number status } } }";
    let r = t.gql(Some(&d.ae), co, json!({ "c": contract, "a": "4000" })).await;
    assert_eq!(r["errors"][0]["extensions"]["rule"], "CHANGE_ORDER_NOT_ALLOWED", "{r}");
    assert_eq!(t.count("change_orders").await, 0);

    let r = ok(
        &t,
        &d.ae,
        "mutation($c: ID!) { submitContractForReview(contractId: $c) { version } }",
        json!({ "c": contract }),
    )
    .await;
    let v = r["submitContractForReview"]["version"].as_i64().unwrap();
    ok(
        &t,
        &d.legal,
        "mutation($c: ID!, $v: Int!) { approveContract(contractId: $c, expectedVersion: $v) { status } }",
        json!({ "c": contract, "v": v }),
    )
    .await;
    let r = ok(&t, &d.ae, SIGN, json!({ "c": contract, "s": d.signer })).await;
    let inv = r["signContract"]["invoices"].as_array().unwrap().clone();
    let amounts: Vec<&str> = inv.iter().map(|i| i["amount"]["amount"].as_str().unwrap()).collect();
    assert_eq!(amounts, ["15000.00", "20000.00", "15000.00"], "30 / 40 / 30 %");
    assert_eq!(t.count("delivery_projects").await, 1);
    assert_eq!(t.count("subscriptions").await, 0);

    // A paid change order: its invoice takes the next number at once.
    let r = ok(&t, &d.ae, co, json!({ "c": contract, "a": "4000" })).await;
    assert_eq!(r["createChangeOrder"]["invoice"], json!({ "number": "INV-000002", "status": "ISSUED" }));
    let r = ok(
        &t,
        &d.ae,
        "query($c: ID!) { contract(id: $c) { changeOrders { description amount { amount } } } }",
        json!({ "c": contract }),
    )
    .await;
    assert_eq!(
        r["contract"]["changeOrders"],
        json!([{ "description": "Extra report", "amount": { "amount": "4000.00" } }])
    );

    // The second milestone comes due: the job issues it with the next number, once.
    assert_eq!(inv[1]["status"], "SCHEDULED");
    t.exec("UPDATE invoices SET issue_on = '2020-01-01' WHERE sequence = 2").await;
    assert_eq!(t.app().issue_due_invoices(chrono::Utc::now().date_naive()).await.unwrap(), 1);
    assert_eq!(t.app().issue_due_invoices(chrono::Utc::now().date_naive()).await.unwrap(), 0, "never issued twice");
    let r =
        ok(&t, &d.finance, "query($i: ID!) { invoice(id: $i) { number status } }", json!({ "i": inv[1]["id"] })).await;
    assert_eq!(r["invoice"], json!({ "number": "INV-000003", "status": "ISSUED" }));
    t.stop().await;
});
