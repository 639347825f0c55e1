//! Money at its currency's minor digits: an organization that bills in yen quotes, invoices,
//! collects and reports in whole yen, and refuses a fraction of one without writing anything.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::flow::*;
use baton_tests::*;
use serde_json::{Value, json};

const SETTINGS: &str = "mutation($i: OrgSettingsInput!) { updateOrgSettings(input: $i) { currency referralReward { amount currency } enterpriseThreshold { amount } version } }";
const READ_SETTINGS: &str = "{ orgSettings { currency referralReward { amount } version } }";
const CONVERT: &str = "mutation($id: ID!, $ae: ID!, $a: Decimal!) { convertLead(leadId: $id, input: { accountExecutiveId: $ae, opportunityName: \"Tokyo POS\", estimatedValue: { amount: $a, currency: \"JPY\" } }) { account { id } opportunity { id estimatedValue { amount currency } } } }";
const QUOTE: &str = "mutation($id: ID!, $p: ID!) { createQuote(opportunityId: $id, input: { lines: [{ productId: $p, quantity: 3, termMonths: 12 }], discountPercent: \"5\" }) { id status subtotal { amount } discount { amount } total { amount currency } } }";
const PAY: &str = "mutation($i: ID!, $a: Decimal!, $k: String!) { recordPayment(invoiceId: $i, input: { amount: { amount: $a, currency: \"JPY\" }, reference: \"furikomi\", idempotencyKey: $k }) { status amountPaid { amount currency } } }";
const INVOICE: &str = "query($id: ID!) { invoice(id: $id) { status version amountPaid { amount } } }";

fn field(r: &Value) -> &str {
    r["errors"][0]["extensions"]["field"].as_str().unwrap_or("<no field>")
}

both!(an_organization_billing_in_yen_counts_in_whole_yen, |engine| async move {
    let t = spawn_app(engine).await;
    let admin = t.login("admin@demo.test").await;

    // A currency the ledger cannot hold exactly (three minor digits) and a code that does not
    // exist are refused, naming the field; the settings keep their version.
    let v0 = ok(&t, &admin, READ_SETTINGS, json!({})).await["orgSettings"]["version"].clone();
    for c in ["KWD", "ABC"] {
        let r = t.gql(Some(&admin), SETTINGS, json!({ "i": { "currency": c } })).await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
        assert_eq!(field(&r), "currency", "{r}");
    }
    // A reward kept in cents cannot silently become a fraction of a yen.
    ok(&t, &admin, SETTINGS, json!({ "i": { "referralReward": "500.50" } })).await;
    let before = ok(&t, &admin, READ_SETTINGS, json!({})).await;
    let r = t.gql(Some(&admin), SETTINGS, json!({ "i": { "currency": "JPY" } })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(field(&r), "referralReward", "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap_or_default().contains("JPY"), "{r}");
    assert_eq!(ok(&t, &admin, READ_SETTINGS, json!({})).await, before, "nothing changed");
    assert_ne!(before["orgSettings"]["version"], v0, "the reward in cents was written");
    let r = ok(
        &t,
        &admin,
        SETTINGS,
        json!({ "i": { "currency": "JPY", "referralReward": "500", "enterpriseThreshold": "7500000" } }),
    )
    .await;
    let s = &r["updateOrgSettings"];
    assert_eq!(s["currency"], "JPY");
    assert_eq!(s["referralReward"], json!({ "amount": "500", "currency": "JPY" }), "no decimals in yen");
    assert_eq!(s["enterpriseThreshold"]["amount"], "7500000");

    // The catalog's professional plan priced in yen (the catalog has no mutation: it is loaded).
    t.exec("UPDATE products SET currency = 'JPY', unit_price_minor = 1111200 WHERE sku = 'PLAN-PRO'").await;

    // A lead converted with a fraction of a yen is refused and stays qualified.
    let mut d = people(&t).await;
    let r = ok(
        &t,
        &d.sdr,
        "mutation { createLead(input: { companyName: \"Tokyo Retail\", contactName: \"Aiko\", source: SEO }) { id } }",
        json!({}),
    )
    .await;
    d.lead = r["createLead"]["id"].as_str().unwrap().to_owned();
    ok(&t, &d.sdr, "mutation($id: ID!) { recordLeadContact(leadId: $id) { status } }", json!({ "id": d.lead })).await;
    ok(
        &t,
        &d.sdr,
        "mutation($id: ID!) { qualifyLead(leadId: $id, input: { budgetConfirmed: true, authorityConfirmed: true, needConfirmed: true, timeline: WITHIN_3_MONTHS }) { priority } }",
        json!({ "id": d.lead }),
    )
    .await;
    let opportunities = t.count("opportunities").await;
    let r = t.gql(Some(&d.sdr), CONVERT, json!({ "id": d.lead, "ae": d.ae_id, "a": "400000.5" })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(field(&r), "estimatedValue", "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap_or_default().contains("no decimal places"), "{r}");
    assert_eq!(t.count("opportunities").await, opportunities, "no opportunity was created");
    let r = ok(&t, &d.sdr, CONVERT, json!({ "id": d.lead, "ae": d.ae_id, "a": "400000" })).await;
    assert_eq!(r["convertLead"]["opportunity"]["estimatedValue"], json!({ "amount": "400000", "currency": "JPY" }));
    d.account = r["convertLead"]["account"]["id"].as_str().unwrap().to_owned();
    d.opportunity = r["convertLead"]["opportunity"]["id"].as_str().unwrap().to_owned();

    // 3 seats × 12 months × ¥11,112 = ¥400,032; 5 % off is ¥20,001.60, rounded to ¥20,002.
    let mut d = proposal_from(&t, d).await;
    let pro = product(&t, &d.ae, "PLAN-PRO").await;
    let r = ok(&t, &d.ae, QUOTE, json!({ "id": d.opportunity, "p": pro })).await;
    let q = &r["createQuote"];
    assert_eq!(q["status"], "APPROVED");
    assert_eq!(q["subtotal"]["amount"], "400032");
    assert_eq!(q["discount"]["amount"], "20002");
    assert_eq!(q["total"], json!({ "amount": "380030", "currency": "JPY" }));
    d.quote = q["id"].as_str().unwrap().to_owned();
    ok(&t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "NEGOTIATION" })).await;
    ok(&t, &d.ae, "mutation($q: ID!) { acceptQuote(quoteId: $q) { status } }", json!({ "q": d.quote })).await;
    ok(&t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "CONTRACTING" })).await;

    // Quarterly invoices of ¥380,030: whole yen that add up, the odd yen on the first ones.
    let d = approved_from(&t, submitted_from(&t, d).await).await;
    let (d, signed) = signed_from(&t, d).await;
    let amounts: Vec<&str> = signed["invoices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            assert_eq!(i["amount"]["currency"], "JPY");
            i["amount"]["amount"].as_str().unwrap()
        })
        .collect();
    assert_eq!(amounts, ["95008", "95008", "95007", "95007"]);

    // A payment with a fraction of a yen changes nothing; a whole one pays the invoice.
    let first = d.invoices[0].clone();
    let before = ok(&t, &d.finance, INVOICE, json!({ "id": first })).await;
    let r = t.gql(Some(&d.finance), PAY, json!({ "i": first, "a": "95008.5", "k": "yen-1" })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(field(&r), "amount", "{r}");
    assert_eq!(ok(&t, &d.finance, INVOICE, json!({ "id": first })).await, before, "nothing was recorded");
    let r = ok(&t, &d.finance, PAY, json!({ "i": first, "a": "95008", "k": "yen-2" })).await;
    assert_eq!(r["recordPayment"]["status"], "PAID");
    assert_eq!(r["recordPayment"]["amountPaid"], json!({ "amount": "95008", "currency": "JPY" }));

    // The commission on ¥95,008 at the demo plan's rates, each in whole yen.
    let odd = t.scalar("SELECT COUNT(*) AS n FROM commission_entries WHERE amount_minor % 100 <> 0").await;
    assert!(t.scalar("SELECT COUNT(*) AS n FROM commission_entries").await > 0, "the payment earned commission");
    assert_eq!(odd, 0, "every commission entry is whole yen");

    // With deals recorded in yen, the currency stays: a switch back to dollars would add yen
    // and dollars together in every sum. Nothing changes.
    let before = ok(&t, &admin, READ_SETTINGS, json!({})).await;
    let r = t.gql(Some(&admin), SETTINGS, json!({ "i": { "currency": "USD" } })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(field(&r), "currency", "{r}");
    assert!(r["errors"][0]["message"].as_str().unwrap_or_default().contains("stays JPY"), "{r}");
    assert_eq!(ok(&t, &admin, READ_SETTINGS, json!({})).await, before, "nothing changed");
    // Sending the currency it already has is no change.
    ok(&t, &admin, SETTINGS, json!({ "i": { "currency": "JPY" } })).await;
    t.stop().await;
});
