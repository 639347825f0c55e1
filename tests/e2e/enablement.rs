//! Channel partners earn rebates on collected cash; managers see their team's training gaps.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::flow::*;
use baton_tests::*;
use serde_json::json;

both!(a_partner_earns_its_rebate_only_on_cash_collected_from_its_deals, |engine| async move {
    let t = spawn_app(engine).await;
    let d = people(&t).await;
    let create = "mutation($n: String!, $r: Decimal!) { createPartner(name: $n, kind: RESELLER, rebatePercent: $r) { id name kind rebatePercent leads rebateOwed { amount } } }";
    assert_eq!(code(&t.gql(Some(&d.sdr), create, json!({ "n": "Resell Co", "r": "10" })).await), "FORBIDDEN");
    let bad = t.gql(Some(&d.manager), create, json!({ "n": "Resell Co", "r": "75" })).await;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "rebatePercent");
    assert_eq!(t.count("partners").await, 0);
    let created = ok(&t, &d.manager, create, json!({ "n": "Resell Co", "r": "10" })).await["createPartner"].clone();
    assert_eq!(
        (&created["name"], &created["kind"], &created["rebatePercent"], &created["leads"], &created["rebateOwed"]),
        (&json!("Resell Co"), &json!("RESELLER"), &json!("10.00"), &json!(0), &json!({ "amount": "0.00" })),
        "a new partner has brought nothing yet"
    );
    let partner = created["id"].as_str().unwrap().to_owned();

    let lead = json!({ "companyName": "Acme Retail", "contactName": "Ann Buyer", "contactEmail": "ann@acme.example", "source": "PARTNER", "partnerId": partner });
    let d = approved_from(&t, submitted_from(&t, quoted_from(&t, converted_with(&t, lead).await).await).await).await;
    let (d, _) = signed_from(&t, d).await;
    let q = "{ financeView { partnerRebates { name leads deals wonDeals rebatePercent collected { amount } rebateOwed { amount } } } }";
    let r = ok(&t, &d.finance, q, json!({})).await;
    assert_eq!(
        r["financeView"]["partnerRebates"][0]["rebateOwed"]["amount"], "0.00",
        "nothing collected, nothing owed"
    );
    ok(&t, &d.finance, PAY, json!({ "i": d.invoices[0], "a": "4503.00", "k": "p1" })).await;
    let r = ok(&t, &d.finance, q, json!({})).await;
    assert_eq!(
        r["financeView"]["partnerRebates"],
        json!([{ "name": "Resell Co", "leads": 1, "deals": 1, "wonDeals": 1, "rebatePercent": "10.00", "collected": { "amount": "4503.00" }, "rebateOwed": { "amount": "450.30" } }])
    );
    let mkt = t.login("marketing@demo.test").await;
    assert_eq!(code(&t.gql(Some(&mkt), q, json!({})).await), "FORBIDDEN");
    t.stop().await;
});

both!(managers_see_which_programmes_their_team_has_not_completed, |engine| async move {
    let t = spawn_app(engine).await;
    let d = people(&t).await;
    let create = "mutation($n: String!, $l: TrainingLevel!, $t: TrainingTopic!) { createTrainingProgramme(name: $n, level: $l, topic: $t) { id } }";
    let bad = t.gql(Some(&d.manager), create, json!({ "n": "Coaching 101", "l": "NEW_HIRE", "t": "COACHING" })).await;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "topic", "coaching is a manager topic");
    assert_eq!(
        code(&t.gql(Some(&d.sdr), create, json!({ "n": "Product 101", "l": "NEW_HIRE", "t": "PRODUCT" })).await),
        "FORBIDDEN"
    );
    let p = ok(&t, &d.manager, create, json!({ "n": "Product 101", "l": "NEW_HIRE", "t": "PRODUCT" })).await["createTrainingProgramme"]["id"].as_str().unwrap().to_owned();

    let record = "mutation($p: ID!, $u: ID) { recordTrainingCompletion(programmeId: $p, userId: $u) { id programme { id name } user { email } completedAt } }";
    let first = ok(&t, &d.sdr, record, json!({ "p": p })).await["recordTrainingCompletion"].clone();
    assert_eq!(first["programme"], json!({ "id": p, "name": "Product 101" }));
    assert_eq!(first["user"]["email"], "sdr@demo.test");
    let second = ok(&t, &d.sdr, record, json!({ "p": p })).await["recordTrainingCompletion"].clone();
    assert_eq!(second["id"], first["id"], "recording twice answers the one completion");
    assert_eq!(t.count("training_completions").await, 1, "recording twice keeps one completion");
    assert_eq!(
        code(&t.gql(Some(&d.sdr), record, json!({ "p": p, "u": d.ae_id })).await),
        "FORBIDDEN",
        "a rep records only its own"
    );

    let gaps = "{ salesView { trainingGaps { user { email } missing { name } } } }";
    let r = ok(&t, &d.manager, gaps, json!({})).await;
    let by: std::collections::HashMap<String, usize> = r["salesView"]["trainingGaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["user"]["email"].as_str().unwrap().to_owned(), g["missing"].as_array().unwrap().len()))
        .collect();
    assert_eq!(by.len(), 3, "the manager and the team: {by:?}");
    assert_eq!((by["sdr@demo.test"], by["ae@demo.test"], by["salesmanager@demo.test"]), (0, 1, 1));
    ok(&t, &d.manager, record, json!({ "p": p, "u": d.ae_id })).await;
    let r = ok(&t, &d.ae, gaps, json!({})).await;
    assert_eq!(
        r["salesView"]["trainingGaps"],
        json!([{ "user": { "email": "ae@demo.test" }, "missing": [] }]),
        "a rep sees its own gaps"
    );
    t.stop().await;
});

both!(account_executives_read_the_partners_with_the_figures_of_their_own_channel_deals, |engine| async move {
    let t = spawn_app(engine).await;
    let d = people(&t).await;
    let admin = t.login("admin@demo.test").await;
    let create = "mutation($n: String!, $r: Decimal!) { createPartner(name: $n, kind: RESELLER, rebatePercent: $r) { id name kind rebatePercent leads rebateOwed { amount } } }";
    let partner = ok(&t, &d.manager, create, json!({ "n": "Resell Co", "r": "10" })).await["createPartner"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        &t,
        &admin,
        "mutation { createUser(input: { name: \"Second AE\", email: \"ae2@demo.test\", password: \"password123\", roles: [ACCOUNT_EXECUTIVE] }) { id } }",
        json!({}),
    )
    .await;
    let ae2 = t.user_id(&admin, "ae2@demo.test").await;

    // One partner deal for the demo AE, one for the second AE.
    let lead = |company: &str, email: &str| json!({ "companyName": company, "contactName": "Buyer", "contactEmail": email, "source": "PARTNER", "partnerId": partner });
    converted_with(&t, lead("Acme Retail", "ann@acme.example")).await;
    let create_lead = "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }";
    let other = ok(&t, &d.sdr, create_lead, json!({ "i": lead("Beta", "bo@beta.example") })).await["createLead"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(&t, &d.sdr, "mutation($id: ID!) { recordLeadContact(leadId: $id) { status } }", json!({ "id": other })).await;
    ok(&t, &d.sdr, "mutation($id: ID!) { qualifyLead(leadId: $id, input: { budgetConfirmed: true, authorityConfirmed: true, needConfirmed: true, timeline: WITHIN_3_MONTHS }) { priority } }", json!({ "id": other })).await;
    ok(&t, &d.sdr, "mutation($id: ID!, $ae: ID!) { convertLead(leadId: $id, input: { accountExecutiveId: $ae, opportunityName: \"Beta deal\", estimatedValue: { amount: \"9000\", currency: \"USD\" } }) { lead { status } } }", json!({ "id": other, "ae": ae2 })).await;

    let q = "{ salesView { partners { id name rebatePercent deals } } }";
    let r = ok(&t, &d.ae, q, json!({})).await;
    assert_eq!(
        r["salesView"]["partners"],
        json!([{ "id": partner, "name": "Resell Co", "rebatePercent": "10.00", "deals": 1 }]),
        "the AE reads the partner, with its own channel deal only"
    );
    let r = ok(&t, &d.manager, q, json!({})).await;
    assert_eq!(r["salesView"]["partners"][0]["deals"], 2, "sales management sees the whole channel");
    let r = ok(&t, &d.finance, "{ financeView { partnerRebates { deals } } }", json!({})).await;
    assert_eq!(r["financeView"]["partnerRebates"][0]["deals"], 2);
    let mkt = t.login("marketing@demo.test").await;
    assert_eq!(code(&t.gql(Some(&mkt), q, json!({})).await), "FORBIDDEN");
    t.stop().await;
});
