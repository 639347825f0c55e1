//! KPIs against a hand-computed fixture, each traceable to its rows, and win/loss reviews.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::flow::*;
use baton_tests::*;
use serde_json::{Value, json};

fn fig<'a>(kpis: &'a Value, key: &str) -> &'a Value {
    kpis.as_array().unwrap().iter().find(|f| f["key"] == key).unwrap_or_else(|| panic!("{key} missing in {kpis}"))
}

both!(kpis_match_a_hand_computed_period_and_show_their_rows, |engine| async move {
    let t = spawn_app(engine).await;
    // Deal A: won (18,012.00), first invoice 4,503.00 paid in full.
    let (d, _) = signed(&t).await;
    ok(&t, &d.finance, PAY, json!({ "i": d.invoices[0], "a": "4503.00", "k": "k1" })).await;
    let closed = t
        .gql(
            Some(&d.ae),
            "mutation($id: ID!) { logActivity(opportunityId: $id, kind: CALL) { id } }",
            json!({ "id": d.opportunity }),
        )
        .await;
    assert_eq!(code(&closed), "RULE_VIOLATION", "a won deal takes no more activities");
    // Deal B: converted, then lost.
    let b = converted_with(
        &t,
        json!({ "companyName": "Beta", "contactName": "Bo", "contactEmail": "bo@beta.example", "source": "EVENT" }),
    )
    .await;
    ok(
        &t,
        &b.ae,
        "mutation($id: ID!) { logActivity(opportunityId: $id, kind: CALL) { id } }",
        json!({ "id": b.opportunity }),
    )
    .await;
    ok(
        &t,
        &b.ae,
        "mutation($id: ID!) { closeOpportunityLost(opportunityId: $id, reason: \"price\") { stage } }",
        json!({ "id": b.opportunity }),
    )
    .await;
    // Lead C: contacted, then disqualified.
    let c = ok(
        &t,
        &d.sdr,
        "mutation { createLead(input: { companyName: \"Gamma\", contactName: \"G\", source: EVENT }) { id } }",
        json!({}),
    )
    .await["createLead"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(&t, &d.sdr, "mutation($id: ID!) { recordLeadContact(leadId: $id) { status } }", json!({ "id": c })).await;
    ok(
        &t,
        &d.sdr,
        "mutation($id: ID!) { disqualifyLead(leadId: $id, reason: \"no budget\") { status } }",
        json!({ "id": c }),
    )
    .await;

    let from = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let to = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let q = "query($f: DateTime!, $t: DateTime!, $s: KpiScope) { salesView { kpis(from: $f, to: $t, scope: $s) { key value numerator denominator rows { entityType entityId value } } } }";
    let r = ok(&t, &d.manager, q, json!({ "f": from, "t": to, "s": "TEAM" })).await;
    let k = &r["salesView"]["kpis"];
    let conv = fig(k, "leadConversionRate");
    assert_eq!(
        (conv["value"].as_str(), conv["numerator"].as_str(), conv["denominator"].as_str()),
        (Some("0.6667"), Some("2"), Some("3"))
    );
    assert_eq!(conv["rows"].as_array().unwrap().len(), 2, "the two converted leads");
    assert_eq!(fig(k, "leadConversionRate:EVENT")["value"], "0.5");
    let win = fig(k, "winRate");
    assert_eq!((win["value"].as_str(), win["rows"].as_array().unwrap().len()), (Some("0.5"), 2));
    let revenue = fig(k, "revenue");
    assert_eq!(revenue["value"], "18012.00");
    assert_eq!(revenue["rows"][0]["value"], "18012.00");
    assert_eq!(fig(k, "revenuePerRep")["value"], "18012.00");
    let collection = fig(k, "collectionRate");
    assert_eq!(
        (collection["value"].as_str(), collection["numerator"].as_str(), collection["denominator"].as_str()),
        (Some("1"), Some("4503.00"), Some("4503.00")),
        "only issued invoices count"
    );
    assert_eq!(fig(k, "activities:CALL")["value"], "1");
    assert_eq!(fig(k, "activities:DEMO")["value"], "1");
    assert_eq!(fig(k, "slaBreachRate")["value"], "0");
    assert_eq!(fig(k, "averageSalesCycleDays")["value"], "0");
    // Deal A went through every stage; deal B was lost in discovery.
    for (stage, n) in [("DISCOVERY", "2"), ("NEEDS_ANALYSIS", "1"), ("CONTRACTING", "1"), ("CLOSED_WON", "1")] {
        assert_eq!(fig(k, &format!("funnel:{stage}"))["value"], n, "{stage}");
    }
    assert_eq!(fig(k, "timeInStageDays:DEMO")["denominator"], "1", "one deal left DEMO");
    // LTV: one new customer worth 18,012.00 over the default three years; no spend, so no ratio.
    assert_eq!(fig(k, "lifetimeValue")["value"], "54036.00");
    assert_eq!(fig(k, "ltvToCac")["value"], "0");

    // A rep asking for the organization gets its own numbers only.
    let r = ok(&t, &d.ae, q, json!({ "f": from, "t": to, "s": "ORG" })).await;
    assert_eq!(fig(&r["salesView"]["kpis"], "leadConversionRate")["denominator"], "0", "the AE owns no leads");
    assert_eq!(fig(&r["salesView"]["kpis"], "winRate")["denominator"], "2", "but owns both deals");
    let bad = t.gql(Some(&d.manager), q, json!({ "f": to, "t": from })).await;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "to");

    // Win/loss reviews, once per closed deal.
    let review = "mutation($o: ID!, $r: String!, $c: String) { recordWinLossReview(opportunityId: $o, primaryReason: $r, competitor: $c) }";
    ok(&t, &d.ae, review, json!({ "o": d.opportunity, "r": "fast ROI" })).await;
    ok(&t, &b.ae, review, json!({ "o": b.opportunity, "r": "price", "c": "HubSpot" })).await;
    assert_eq!(
        t.gql(Some(&d.ae), review, json!({ "o": d.opportunity, "r": "again" })).await["errors"][0]["extensions"]["rule"],
        "ALREADY_REVIEWED"
    );
    let open = converted_with(
        &t,
        json!({ "companyName": "Delta", "contactName": "D", "contactEmail": "d@delta.example", "source": "SEO" }),
    )
    .await;
    assert_eq!(
        t.gql(Some(&d.ae), review, json!({ "o": open.opportunity, "r": "x" })).await["errors"][0]["extensions"]["rule"],
        "OPPORTUNITY_NOT_CLOSED"
    );
    let r = ok(&t, &d.manager, "query($f: DateTime!, $t: DateTime!) { salesView { winLoss(from: $f, to: $t) { wonByReason { reason count } lostByReason { reason count } competitors { reason count } leadsLostByStage { reason count } } } }", json!({ "f": from, "t": to })).await;
    assert_eq!(
        r["salesView"]["winLoss"],
        json!({
            "wonByReason": [{ "reason": "fast ROI", "count": 1 }],
            "lostByReason": [{ "reason": "price", "count": 1 }],
            "competitors": [{ "reason": "HubSpot", "count": 1 }],
            "leadsLostByStage": [{ "reason": "CONTACTED", "count": 1 }]
        })
    );
    t.stop().await;
});

both!(win_loss_lessons_are_read_back_and_ltv_to_cac_shows_its_rows, |engine| async move {
    let t = spawn_app(engine).await;
    let mkt = t.login("marketing@demo.test").await;
    let today = chrono::Utc::now().date_naive().to_string();
    let r = ok(&t, &mkt, "mutation($d: NaiveDate!) { createCampaign(input: { name: \"Spring\", channel: SEO, budget: { amount: \"5000\", currency: \"USD\" }, startsOn: $d }) { id } }", json!({ "d": today })).await;
    let campaign = r["createCampaign"]["id"].as_str().unwrap().to_owned();
    ok(&t, &mkt, "mutation($c: ID!) { recordCampaignSpend(campaignId: $c, spend: { amount: \"2000\", currency: \"USD\" }) { id } }", json!({ "c": campaign })).await;
    let (d, _) = signed(&t).await;
    let review = "mutation($o: ID!, $r: String!, $l: String) { recordWinLossReview(opportunityId: $o, primaryReason: $r, lessons: $l) }";
    ok(
        &t,
        &d.ae,
        review,
        json!({ "o": d.opportunity, "r": "fast ROI", "l": "Lead with the stock-out numbers in the first demo" }),
    )
    .await;

    let from = (chrono::Utc::now() - chrono::Duration::days(1)).to_rfc3339();
    let to = (chrono::Utc::now() + chrono::Duration::days(1)).to_rfc3339();
    let r = ok(&t, &d.manager, "query($f: DateTime!, $t: DateTime!) { salesView { winLoss(from: $f, to: $t) { reviews { opportunityId opportunityName outcome primaryReason competitor lessons reviewedBy { email } } } } }", json!({ "f": from, "t": to })).await;
    assert_eq!(
        r["salesView"]["winLoss"]["reviews"],
        json!([{ "opportunityId": d.opportunity, "opportunityName": "Acme POS", "outcome": "WON", "primaryReason": "fast ROI", "competitor": null, "lessons": "Lead with the stock-out numbers in the first demo", "reviewedBy": { "email": "ae@demo.test" } }])
    );

    let r = ok(&t, &d.manager, "query($f: DateTime!, $t: DateTime!) { salesView { kpis(from: $f, to: $t) { key value rows { entityType entityId value } } } }", json!({ "f": from, "t": to })).await;
    let k = &r["salesView"]["kpis"];
    // LTV 54,036.00 over CAC 2,000.00 (one new customer); the rows are both sides of the ratio.
    let ratio = fig(k, "ltvToCac");
    assert_eq!(ratio["value"], "27.02");
    let rows: Vec<(&str, &str)> = ratio["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["entityType"].as_str().unwrap(), r["value"].as_str().unwrap()))
        .collect();
    assert_eq!(rows, [("contract", "18012.00"), ("campaign", "2000.00")]);
    assert_eq!(ratio["rows"][1]["entityId"], campaign);
    // Every figure shows its rows, the time in stage too.
    let demo = fig(k, "timeInStageDays:DEMO");
    assert_eq!(demo["rows"].as_array().unwrap().len(), 1, "{demo}");
    assert_eq!(demo["rows"][0]["entityId"], d.opportunity);
    t.stop().await;
});
