//! Cross-department loops: marketing campaigns and messaging, product feature requests ranked
//! by revenue at stake, notifications, and the boundaries between the departments.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::flow::*;
use baton_tests::*;
use serde_json::json;

both!(campaigns_count_their_leads_and_cost_per_lead_and_sales_repeats_the_current_messaging, |engine| async move {
    let t = spawn_app(engine).await;
    let d = people(&t).await;
    let mkt = t.login("marketing@demo.test").await;
    let create = "mutation($i: CampaignInput!) { createCampaign(input: $i) { id name channel budget { amount } leads costPerLead { amount } } }";
    let bad = t.gql(Some(&mkt), create, json!({ "i": { "name": "Spring", "channel": "WEBINAR", "budget": { "amount": "5000", "currency": "USD" }, "startsOn": "2026-03-01", "endsOn": "2026-02-01" } })).await;
    assert_eq!(code(&bad), "BAD_USER_INPUT");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "endsOn");
    assert_eq!(t.count("campaigns").await, 0);
    let r = t.gql(Some(&d.sdr), create, json!({ "i": { "name": "Spring", "channel": "WEBINAR", "budget": { "amount": "5000", "currency": "USD" }, "startsOn": "2026-03-01" } })).await;
    assert_eq!(code(&r), "FORBIDDEN", "only marketing runs campaigns");
    let r = ok(&t, &mkt, create, json!({ "i": { "name": "Spring content", "channel": "CONTENT", "budget": { "amount": "5000", "currency": "USD" }, "startsOn": "2026-03-01" } })).await;
    let campaign = r["createCampaign"]["id"].as_str().unwrap().to_owned();
    assert!(r["createCampaign"]["costPerLead"].is_null(), "no leads yet");

    let lead = "mutation($i: CreateLeadInput!) { createLead(input: $i) { id owner { email } } }";
    let unknown = t.gql(Some(&mkt), lead, json!({ "i": { "companyName": "X", "contactName": "Y", "source": "CONTENT", "campaignId": uuid::Uuid::new_v4().to_string() } })).await;
    assert_eq!(code(&unknown), "NOT_FOUND");
    let mut ids = vec![];
    for i in 0..3 {
        let r = ok(&t, &mkt, lead, json!({ "i": { "companyName": format!("Web {i}"), "contactName": "Buyer", "contactEmail": format!("b@web{i}.example"), "source": "CONTENT", "campaignId": campaign } })).await;
        ids.push(r["createLead"]["id"].as_str().unwrap().to_owned());
    }
    // The SDR works one lead of the campaign to an opportunity.
    ok(&t, &d.sdr, "mutation($id: ID!) { recordLeadContact(leadId: $id) { status } }", json!({ "id": ids[0] })).await;
    ok(&t, &d.sdr, "mutation($id: ID!) { qualifyLead(leadId: $id, input: { budgetConfirmed: true, authorityConfirmed: true, needConfirmed: true, timeline: WITHIN_3_MONTHS }) { status } }", json!({ "id": ids[0] })).await;
    ok(&t, &d.sdr, "mutation($id: ID!, $ae: ID!) { convertLead(leadId: $id, input: { accountExecutiveId: $ae, opportunityName: \"Web deal\", estimatedValue: { amount: \"9000\", currency: \"USD\" } }) { lead { status } } }", json!({ "id": ids[0], "ae": d.ae_id })).await;
    ok(&t, &mkt, "mutation($c: ID!) { recordCampaignSpend(campaignId: $c, spend: { amount: \"1000\", currency: \"USD\" }) { spend { amount } } }", json!({ "c": campaign })).await;

    let r = ok(&t, &mkt, "{ marketingView { campaigns { name leads qualifiedLeads opportunities customers spend { amount } costPerLead { amount } costPerCustomer { amount } } } }", json!({})).await;
    let c = &r["marketingView"]["campaigns"][0];
    assert_eq!(c["leads"], 3);
    assert_eq!(c["qualifiedLeads"], 1);
    assert_eq!(c["opportunities"], 1);
    assert_eq!(c["customers"], 0);
    assert_eq!(c["costPerLead"]["amount"], "333.33", "1,000.00 / 3 rounded to the cent");
    assert!(c["costPerCustomer"].is_null());
    // The same numbers per source: the CONTENT leads, and the spend of CONTENT campaigns.
    let r = ok(&t, &mkt, "{ marketingView { leadsBySource { source count qualified converted customers spend { amount } costPerLead { amount } } } }", json!({})).await;
    let content = r["marketingView"]["leadsBySource"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "CONTENT")
        .unwrap()
        .clone();
    assert_eq!(
        content,
        json!({ "source": "CONTENT", "count": 3, "qualified": 1, "converted": 1, "customers": 0, "spend": { "amount": "1000.00" }, "costPerLead": { "amount": "333.33" } })
    );

    // Messaging: marketing publishes, sales sees the latest version; nobody else publishes.
    let publish = "mutation($t: String!, $c: String!) { publishMessaging(title: $t, claims: $c) { number } }";
    assert_eq!(code(&t.gql(Some(&d.sdr), publish, json!({ "t": "x", "c": "y" })).await), "FORBIDDEN");
    ok(&t, &mkt, publish, json!({ "t": "v1", "c": "Cut stock-outs" })).await;
    let r = ok(&t, &mkt, publish, json!({ "t": "v2", "c": "Cut stock-outs by half in one quarter" })).await;
    assert_eq!(r["publishMessaging"]["number"], 2);
    let r = ok(&t, &d.sdr, "{ salesView { messaging { number title claims } } }", json!({})).await;
    assert_eq!(
        r["salesView"]["messaging"],
        json!({ "number": 2, "title": "v2", "claims": "Cut stock-outs by half in one quarter" })
    );
    t.stop().await;
});

both!(feature_requests_rank_by_revenue_at_stake_merge_duplicates_and_notify_the_askers, |engine| async move {
    let t = spawn_app(engine).await;
    // Account A: a signed SaaS deal, 18,012.00 a year (monthly recurring 1,501.00).
    let (d, _) = signed(&t).await;
    // Account B: an open 30,000.00 deal.
    let r = ok(&t, &d.sdr, "mutation { createLead(input: { companyName: \"Beta\", contactName: \"Bo\", contactEmail: \"bo@beta.example\", source: SEM }) { id } }", json!({})).await;
    let lead_b = r["createLead"]["id"].as_str().unwrap().to_owned();
    ok(&t, &d.sdr, "mutation($id: ID!) { recordLeadContact(leadId: $id) { status } }", json!({ "id": lead_b })).await;
    ok(&t, &d.sdr, "mutation($id: ID!) { qualifyLead(leadId: $id, input: { budgetConfirmed: true, authorityConfirmed: true, needConfirmed: true, timeline: WITHIN_3_MONTHS }) { status } }", json!({ "id": lead_b })).await;
    let r = ok(&t, &d.sdr, "mutation($id: ID!, $ae: ID!) { convertLead(leadId: $id, input: { accountExecutiveId: $ae, opportunityName: \"Beta deal\", estimatedValue: { amount: \"30000\", currency: \"USD\" } }) { account { id } opportunity { id } } }", json!({ "id": lead_b, "ae": d.ae_id })).await;
    let (acc_b, opp_b) = (
        r["convertLead"]["account"]["id"].as_str().unwrap().to_owned(),
        r["convertLead"]["opportunity"]["id"].as_str().unwrap().to_owned(),
    );

    let file = "mutation($i: FeatureRequestInput!) { fileFeatureRequest(input: $i) { id requestId title painPoint account { id } opportunity { id } askedAt } }";
    let r = t.gql(Some(&d.sdr), file, json!({ "i": { "title": "x", "accountId": d.account } })).await;
    assert_eq!(code(&r), "FORBIDDEN", "SDRs do not file feature requests");
    let r = t.gql(Some(&d.ae), file, json!({ "i": { "accountId": d.account } })).await;
    assert_eq!(r["errors"][0]["extensions"]["field"], "title");
    let r1 = ok(
        &t,
        &d.ae,
        file,
        json!({ "i": { "title": "Offline mode", "accountId": d.account, "painPoint": "stores lose connectivity" } }),
    )
    .await["fileFeatureRequest"]
        .clone();
    assert_eq!((&r1["title"], &r1["painPoint"]), (&json!("Offline mode"), &json!("stores lose connectivity")));
    assert_eq!((&r1["account"]["id"], &r1["opportunity"]), (&json!(d.account), &serde_json::Value::Null));
    let r1 = r1["requestId"].clone();
    let r2 = ok(&t, &d.ae, file, json!({ "i": { "title": "SSO", "accountId": acc_b, "opportunityId": opp_b } })).await
        ["fileFeatureRequest"]
        .clone();
    assert_eq!(r2["opportunity"]["id"], opp_b.as_str(), "the ask names its deal");
    let r2 = r2["requestId"].clone();
    let r3 = ok(&t, &d.ae, file, json!({ "i": { "title": "Single sign-on", "accountId": d.account } })).await["fileFeatureRequest"]["requestId"].clone();

    let product = t.login("product@demo.test").await;
    let merge = "mutation($d: ID!, $i: ID!) { mergeFeatureRequests(duplicateId: $d, intoId: $i) { id requestCount } }";
    assert_eq!(code(&t.gql(Some(&d.ae), merge, json!({ "d": r3, "i": r2 })).await), "FORBIDDEN");
    let merged = ok(&t, &product, merge, json!({ "d": r3, "i": r2 })).await;
    assert_eq!(merged["mergeFeatureRequests"], json!({ "id": r2, "requestCount": 2 }), "the survivor, with both asks");

    let q = "{ productView { featureRequests { totalCount edges { node { id title requestCount openPipeline { amount } annualRecurringRevenue { amount } revenueAtStake { amount } accounts { name } } } } } }";
    let r = ok(&t, &product, q, json!({})).await;
    let fr = &r["productView"]["featureRequests"];
    assert_eq!(fr["totalCount"], 2, "the merged duplicate is folded in");
    let top = &fr["edges"][0]["node"];
    assert_eq!(top["id"], r2);
    assert_eq!(top["requestCount"], 2);
    assert_eq!(top["openPipeline"]["amount"], "30000.00");
    assert_eq!(top["annualRecurringRevenue"]["amount"], "18012.00");
    assert_eq!(top["revenueAtStake"]["amount"], "48012.00", "30,000.00 open pipeline + 12 x 1,501.00");
    let second = &fr["edges"][1]["node"];
    assert_eq!(second["id"], r1);
    assert_eq!(
        second["revenueAtStake"]["amount"], "18012.00",
        "a won deal is no longer pipeline; its account's ARR counts"
    );

    // Product decides; everyone who asked hears about it.
    let status = "mutation($r: ID!) { setFeatureRequestStatus(requestId: $r, status: PLANNED, note: \"Q3\") }";
    assert_eq!(code(&t.gql(Some(&d.ae), status, json!({ "r": r2 })).await), "FORBIDDEN");
    ok(&t, &product, status, json!({ "r": r2 })).await;
    let r = ok(&t, &d.ae, "{ notifications(unreadOnly: true) { id title body } }", json!({})).await;
    let n = r["notifications"].as_array().unwrap();
    assert_eq!(n.len(), 1, "one asker, notified once: {r}");
    assert!(n[0]["title"].as_str().unwrap().contains("PLANNED"));
    ok(
        &t,
        &d.ae,
        "mutation($n: ID!) { markNotificationRead(notificationId: $n) { readAt } }",
        json!({ "n": n[0]["id"] }),
    )
    .await;
    let r = ok(&t, &d.ae, "{ notifications(unreadOnly: true) { id } }", json!({})).await;
    assert_eq!(r["notifications"], json!([]));
    let other = t
        .gql(
            Some(&product),
            "mutation($n: ID!) { markNotificationRead(notificationId: $n) { readAt } }",
            json!({ "n": n[0]["id"] }),
        )
        .await;
    assert_eq!(code(&other), "NOT_FOUND", "nobody reads another's notifications");

    // Product never sees a contact's personal data.
    let r = t
        .gql(
            Some(&product),
            "{ productView { featureRequests { edges { node { accounts { contacts { email phone } } } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(code(&r), "GRAPHQL_VALIDATION_FAILED", "the asking accounts expose no contacts: {r}");
    let r = t
        .gql(
            Some(&product),
            "query($a: ID!) { account(id: $a) { contacts { email phone } } }",
            json!({ "a": d.account }),
        )
        .await;
    assert_eq!(code(&r), "NOT_FOUND");
    let r = t
        .gql(Some(&product), "query($l: ID!) { lead(id: $l) { contactEmail contactPhone } }", json!({ "l": d.lead }))
        .await;
    assert_eq!(code(&r), "NOT_FOUND");
    // Marketing never sees invoices.
    let mkt = t.login("marketing@demo.test").await;
    assert_eq!(code(&t.gql(Some(&mkt), "{ financeView { invoices { totalCount } } }", json!({})).await), "FORBIDDEN");
    let r = t.gql(Some(&mkt), "query($i: ID!) { invoice(id: $i) { number } }", json!({ "i": d.invoices[0] })).await;
    assert_eq!(code(&r), "NOT_FOUND");
    t.stop().await;
});

both!(sales_and_cs_acknowledge_release_notes_and_product_sees_who_has_not, |engine| async move {
    let t = spawn_app(engine).await;
    let d = people(&t).await;
    let product = t.login("product@demo.test").await;
    let publish =
        "mutation($t: String!, $b: String!) { publishReleaseNote(title: $t, body: $b) { id title acknowledgedByMe } }";
    assert_eq!(code(&t.gql(Some(&d.ae), publish, json!({ "t": "x", "b": "y" })).await), "FORBIDDEN");
    assert_eq!(
        t.gql(Some(&product), publish, json!({ "t": " ", "b": "y" })).await["errors"][0]["extensions"]["field"],
        "title"
    );
    let note =
        ok(&t, &product, publish, json!({ "t": "Offline mode", "b": "Stores keep selling without a connection." }))
            .await["publishReleaseNote"]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let n = ok(&t, &d.sdr, "{ notifications { title } }", json!({})).await;
    assert_eq!(n["notifications"][0]["title"], "Release note: Offline mode");

    let ack = "mutation($n: ID!) { acknowledgeReleaseNote(noteId: $n) { id acknowledgedByMe } }";
    assert_eq!(code(&t.gql(Some(&t.login("finance@demo.test").await), ack, json!({ "n": note })).await), "FORBIDDEN");
    let acked = ok(&t, &d.sdr, ack, json!({ "n": note })).await;
    assert_eq!(acked["acknowledgeReleaseNote"], json!({ "id": note, "acknowledgedByMe": true }));
    ok(&t, &d.sdr, ack, json!({ "n": note })).await;
    ok(&t, &d.cs, ack, json!({ "n": note })).await;
    let r = ok(&t, &d.sdr, "{ salesView { releaseNotes { title acknowledgedByMe } } }", json!({})).await;
    assert_eq!(r["salesView"]["releaseNotes"], json!([{ "title": "Offline mode", "acknowledgedByMe": true }]));
    let r = ok(
        &t,
        &product,
        "{ productView { releaseNotes { acknowledgedBy { email } notAcknowledgedBy { email } } } }",
        json!({}),
    )
    .await;
    let emails = |k: &str| -> Vec<String> {
        r["productView"]["releaseNotes"][0][k]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["email"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut acked = emails("acknowledgedBy");
    acked.sort();
    assert_eq!(acked, ["cs@demo.test", "sdr@demo.test"]);
    let mut pending = emails("notAcknowledgedBy");
    pending.sort();
    assert_eq!(pending, ["ae@demo.test", "csmanager@demo.test", "salesmanager@demo.test"]);
    t.stop().await;
});

both!(marketing_counts_won_revenue_at_the_signed_contract_value_sales_reports, |engine| async move {
    let t = spawn_app(engine).await;
    let mkt = t.login("marketing@demo.test").await;
    let r = ok(&t, &mkt, "mutation { createCampaign(input: { name: \"Search\", channel: SEO, budget: { amount: \"5000\", currency: \"USD\" }, startsOn: \"2026-03-01\" }) { id } }", json!({})).await;
    let campaign = r["createCampaign"]["id"].as_str().unwrap().to_owned();
    // Estimated at 24,000.00 when converted; signed at 18,012.00.
    let lead = json!({ "companyName": "Acme Retail", "contactName": "Ann Buyer", "contactEmail": "ann@acme.example", "source": "SEO", "campaignId": campaign });
    let d = converted_with(&t, lead).await;
    signed_from(&t, approved_from(&t, submitted_from(&t, quoted_from(&t, d).await).await).await).await;

    let r = ok(&t, &mkt, "{ marketingView { campaigns { customers wonRevenue { amount } } leadsBySource { source customers wonRevenue { amount } } } }", json!({})).await;
    let view = &r["marketingView"];
    assert_eq!(view["campaigns"][0], json!({ "customers": 1, "wonRevenue": { "amount": "18012.00" } }));
    let seo = view["leadsBySource"].as_array().unwrap().iter().find(|s| s["source"] == "SEO").unwrap();
    assert_eq!((seo["customers"].as_i64(), seo["wonRevenue"]["amount"].as_str()), (Some(1), Some("18012.00")));

    let manager = t.login("salesmanager@demo.test").await;
    let from = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let to = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let r = ok(
        &t,
        &manager,
        "query($f: DateTime!, $t: DateTime!) { salesView { kpis(from: $f, to: $t, scope: TEAM) { key value } } }",
        json!({ "f": from, "t": to }),
    )
    .await;
    let revenue = r["salesView"]["kpis"].as_array().unwrap().iter().find(|k| k["key"] == "revenue").unwrap().clone();
    assert_eq!(revenue["value"], "18012.00", "the same figure in both departments");
    t.stop().await;
});

both!(product_reads_the_pain_points_filed_with_a_feature_request, |engine| async move {
    let t = spawn_app(engine).await;
    let (d, _) = signed(&t).await;
    let file = "mutation($i: FeatureRequestInput!) { fileFeatureRequest(input: $i) { requestId } }";
    let request = ok(&t, &d.ae, file, json!({ "i": { "title": "Offline mode", "accountId": d.account, "painPoint": "stores lose connectivity at peak hours" } })).await["fileFeatureRequest"]["requestId"].clone();
    // A second ask without a pain point, and a duplicate with one that is merged in.
    ok(&t, &d.ae, file, json!({ "i": { "requestId": request, "accountId": d.account } })).await;
    let dup = ok(&t, &d.ae, file, json!({ "i": { "title": "Work offline", "accountId": d.account, "painPoint": "tills stop when the network drops" } })).await["fileFeatureRequest"]["requestId"].clone();
    let product = t.login("product@demo.test").await;
    ok(
        &t,
        &product,
        "mutation($d: ID!, $i: ID!) { mergeFeatureRequests(duplicateId: $d, intoId: $i) { id } }",
        json!({ "d": dup, "i": request }),
    )
    .await;

    let r = ok(&t, &product, "{ productView { featureRequests { edges { node { id requestCount painPoints { text account { name } askedAt } } } } } }", json!({})).await;
    let node = &r["productView"]["featureRequests"]["edges"][0]["node"];
    assert_eq!(node["id"], request);
    assert_eq!(node["requestCount"], 3);
    let points: Vec<(&str, &str)> = node["painPoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["text"].as_str().unwrap(), p["account"]["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        points,
        [
            ("stores lose connectivity at peak hours", "Acme Retail"),
            ("tills stop when the network drops", "Acme Retail")
        ]
    );
    t.stop().await;
});
