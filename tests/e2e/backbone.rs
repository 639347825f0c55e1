//! The deal-to-handoff backbone end to end, as the demo users: from a converted lead to an
//! accepted hand-off and a fully paid first invoice.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::flow::*;
use baton_tests::*;
use serde_json::json;

both!(a_converted_lead_becomes_a_paid_and_handed_over_customer, |engine| async move {
    let t = spawn_app(engine).await;
    let d = submitted(&t).await;

    // Legal sees the contract in its queue, with value and waiting time.
    let q = "{ legalView { approvalQueue { totalCount edges { node { id status version value { amount } waitingSeconds deviatingClauses } } } } }";
    let r = ok(&t, &d.legal, q, json!({})).await;
    assert_eq!(r["legalView"]["approvalQueue"]["totalCount"], 1);
    let node = &r["legalView"]["approvalQueue"]["edges"][0]["node"];
    assert_eq!(node["id"], d.contract.as_str());
    assert_eq!(node["value"]["amount"], "18012.00");
    assert_eq!(node["deviatingClauses"], json!([]));
    assert!(node["waitingSeconds"].as_i64().unwrap() >= 0);

    let r = ok(
        &t,
        &d.legal,
        "mutation($c: ID!, $v: Int!) { approveContract(contractId: $c, expectedVersion: $v) { status version approvedVersion } }",
        json!({ "c": d.contract, "v": d.contract_version }),
    )
    .await;
    assert_eq!(r["approveContract"]["status"], "APPROVED");
    assert_eq!(r["approveContract"]["approvedVersion"], r["approveContract"]["version"]);
    let r = ok(&t, &d.legal, q, json!({})).await;
    assert_eq!(r["legalView"]["approvalQueue"]["totalCount"], 0, "an approved contract leaves the queue");

    // Signing wins the deal and starts finance and customer success in one go.
    let r = ok(&t, &d.ae, SIGN, json!({ "c": d.contract, "s": d.signer })).await;
    let p = &r["signContract"];
    assert_eq!(p["contract"]["status"], "SIGNED");
    assert_eq!(p["opportunity"]["stage"], "CLOSED_WON");
    let invoices = p["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 4, "quarterly over 12 months");
    assert_eq!(invoices[0]["status"], "ISSUED");
    assert_eq!(invoices[0]["number"], "INV-000001");
    for i in &invoices[1..] {
        assert_eq!(i["status"], "SCHEDULED");
        assert!(i["number"].is_null());
    }
    let amounts: Vec<&str> = invoices.iter().map(|i| i["amount"]["amount"].as_str().unwrap()).collect();
    assert_eq!(amounts, ["4503.00"; 4], "the schedule adds up to the contract value");
    assert_eq!(p["handoffPackage"]["status"], "DRAFT");
    assert_eq!(p["handoffPackage"]["needsDocument"], "Cut stock-outs by half", "pre-filled from the needs analysis");
    assert_eq!(t.count("subscriptions").await, 1);
    // Twelve months from signing; the old names answer the same days until they are retired.
    let q = "query($a: ID!) { account(id: $a) { subscriptions { startsOn endsOn startOn endOn } } }";
    let r = ok(&t, &d.ae, q, json!({ "a": d.account })).await;
    let s = &r["account"]["subscriptions"][0];
    let day = |v: &serde_json::Value| chrono::NaiveDate::parse_from_str(v.as_str().unwrap(), "%Y-%m-%d").unwrap();
    assert_eq!((s["startOn"].clone(), s["endOn"].clone()), (s["startsOn"].clone(), s["endsOn"].clone()), "{s}");
    assert!(day(&s["endsOn"]) - day(&s["startsOn"]) > chrono::Duration::days(360), "{s}");
    let first = invoices[0]["id"].as_str().unwrap();
    let handoff = p["handoffPackage"]["id"].as_str().unwrap();

    // The AE sees the first-payment status of the deal.
    let r = ok(
        &t,
        &d.ae,
        "query($id: ID!) { opportunity(id: $id) { firstPaymentStatus } }",
        json!({ "id": d.opportunity }),
    )
    .await;
    assert_eq!(r["opportunity"]["firstPaymentStatus"], "ISSUED");

    // Finance: a partial payment, then the rest; the same key twice pays once.
    let r = ok(&t, &d.finance, PAY, json!({ "i": first, "a": "1000.00", "k": "pay-1" })).await;
    assert_eq!(r["recordPayment"]["status"], "PARTIALLY_PAID");
    let again = ok(&t, &d.finance, PAY, json!({ "i": first, "a": "1000.00", "k": "pay-1" })).await;
    assert_eq!(again["recordPayment"]["amountPaid"]["amount"], "1000.00", "a replay records nothing new");
    assert_eq!(again["recordPayment"]["payments"].as_array().unwrap().len(), 1);
    let r = t.gql(Some(&d.finance), PAY, json!({ "i": first, "a": "999.00", "k": "pay-1" })).await;
    assert_eq!(code(&r), "CONFLICT", "{r}");
    let r = t.gql(Some(&d.finance), PAY, json!({ "i": first, "a": "3503.01", "k": "pay-2" })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "overpayment: {r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "amount");
    let r = ok(&t, &d.finance, PAY, json!({ "i": first, "a": "3503.00", "k": "pay-3" })).await;
    assert_eq!(r["recordPayment"]["status"], "PAID");
    let r = ok(&t, &d.finance, "{ financeView { collections { outstanding { amount } overdue { amount } collectionRate aging { bucket amount { amount } count } } } }", json!({})).await;
    let c = &r["financeView"]["collections"];
    assert_eq!(c["outstanding"]["amount"], "0.00");
    assert_eq!(c["collectionRate"], "1.0000");
    assert_eq!(c["aging"].as_array().unwrap().len(), 5);

    // The AE completes and submits the package; CS takes the customer over.
    let r =
        ok(&t, &d.ae, "query($id: ID!) { handoffPackage(id: $id) { missingItems } }", json!({ "id": handoff })).await;
    assert_eq!(
        r["handoffPackage"]["missingItems"].as_array().unwrap().len(),
        2,
        "special requirements and success criteria: {r}"
    );
    ok(
        &t,
        &d.ae,
        "mutation($id: ID!) { updateHandoffPackage(packageId: $id, input: { specialRequirements: \"none\", successCriteria: \"stock-outs halved by Q3\" }) { missingItems } }",
        json!({ "id": handoff }),
    )
    .await;
    let r = ok(
        &t,
        &d.ae,
        "mutation($id: ID!) { submitHandoffPackage(packageId: $id) { status } }",
        json!({ "id": handoff }),
    )
    .await;
    assert_eq!(r["submitHandoffPackage"]["status"], "SUBMITTED");
    let r = ok(&t, &d.cs, "{ customerSuccessView { incomingHandoffs { totalCount edges { node { id decisionChain { name decisionMaker } } } } } }", json!({})).await;
    assert_eq!(r["customerSuccessView"]["incomingHandoffs"]["totalCount"], 1);
    let r = ok(&t, &d.cs, "mutation($id: ID!) { acceptHandoff(packageId: $id) { status milestones { key } account { csOwner { email } } } }", json!({ "id": handoff })).await;
    assert_eq!(r["acceptHandoff"]["status"], "ACCEPTED");
    assert_eq!(r["acceptHandoff"]["account"]["csOwner"]["email"], "cs@demo.test");
    assert_eq!(
        r["acceptHandoff"]["milestones"],
        json!([{ "key": "ACCOUNTS_OPENED" }, { "key": "TRAINING" }, { "key": "GO_LIVE" }])
    );
    let r = ok(
        &t,
        &d.cs,
        "{ customerSuccessView { accounts { totalCount edges { node { name } } } incomingHandoffs { totalCount } } }",
        json!({}),
    )
    .await;
    assert_eq!(r["customerSuccessView"]["accounts"]["totalCount"], 1);
    assert_eq!(r["customerSuccessView"]["incomingHandoffs"]["totalCount"], 0);
    t.stop().await;
});

both!(collections_age_every_open_invoice_into_its_bucket, |engine| async move {
    let t = spawn_app(engine).await;
    let (d, _) = signed(&t).await;
    let today = chrono::Utc::now().date_naive();
    let day = |n: i64| (today - chrono::Duration::days(n)).format("%Y-%m-%d").to_string();
    // The quarterly schedule's four invoices, issued and due on either side of each bound.
    for (seq, due, amount, paid) in
        [(1, day(-5), 10_000, 0), (2, day(30), 20_000, 5_000), (3, day(31), 30_000, 0), (4, day(91), 40_000, 40_000)]
    {
        t.exec(&format!(
            "UPDATE invoices SET status = '{}', due_on = '{due}', amount_minor = {amount}, paid_minor = {paid} WHERE sequence = {seq}",
            if paid == amount { "PAID" } else { "ISSUED" }
        ))
        .await;
    }
    let r = ok(&t, &d.finance, "{ financeView { collections { outstanding { amount } overdue { amount } collectionRate aging { bucket amount { amount } count } } } }", json!({})).await;
    let c = &r["financeView"]["collections"];
    assert_eq!(c["outstanding"]["amount"], "550.00", "{c}");
    assert_eq!(c["overdue"]["amount"], "450.00", "{c}");
    assert_eq!(c["collectionRate"], "0.4500", "{c}");
    let aging: Vec<(String, String, i64)> = c["aging"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["bucket"].as_str().unwrap().to_owned(),
                b["amount"]["amount"].as_str().unwrap().to_owned(),
                b["count"].as_i64().unwrap(),
            )
        })
        .collect();
    let want = [
        ("CURRENT", "100.00", 1),
        ("DAYS_1_30", "150.00", 1),
        ("DAYS_31_60", "300.00", 1),
        ("DAYS_61_90", "0.00", 0),
        ("DAYS_90_PLUS", "0.00", 0),
    ];
    let want: Vec<(String, String, i64)> =
        want.iter().map(|(b, a, n)| ((*b).to_owned(), (*a).to_owned(), *n)).collect();
    assert_eq!(aging, want);
    t.stop().await;
});

both!(legal_reads_the_deal_and_quote_behind_a_contract_but_not_the_pipeline, |engine| async move {
    let t = spawn_app(engine).await;
    let d = submitted(&t).await;
    let q = "{ legalView { approvalQueue(first: 5) { edges { node { id opportunity { id name stage estimatedValue { amount } account { name } } quote { id } } } } } }";
    let r = ok(&t, &d.legal, q, json!({})).await;
    let node = &r["legalView"]["approvalQueue"]["edges"][0]["node"];
    assert_eq!(node["id"], json!(d.contract), "{r}");
    assert_eq!(node["opportunity"]["id"], json!(d.opportunity), "the deal behind the contract: {r}");
    assert!(node["opportunity"]["stage"].is_string(), "{r}");
    assert!(node["opportunity"]["estimatedValue"]["amount"].is_string(), "{r}");
    assert!(node["opportunity"]["account"]["name"].is_string(), "the customer: {r}");
    assert_eq!(node["quote"]["id"], json!(d.quote), "{r}");
    // The rest of the pipeline stays closed: the getter and the sales view refuse legal.
    let r =
        t.gql(Some(&d.legal), "query($id: ID!) { opportunity(id: $id) { id } }", json!({ "id": d.opportunity })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    let r = t.gql(Some(&d.legal), "{ salesView { opportunities(first: 5) { totalCount } } }", json!({})).await;
    assert_eq!(code(&r), "FORBIDDEN", "{r}");
    t.stop().await;
});
