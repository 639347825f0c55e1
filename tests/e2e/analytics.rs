//! KPIs against a hand-computed fixture, each traceable to its rows, and win/loss reviews.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::flow::*;
use baton_tests::*;
use serde_json::{Value, json};

/// The sum of a column of the daily counts of one fact, as a statement for `TestApp::scalar`.
fn counted(fact: &str, column: &str) -> String {
    format!("SELECT CAST(COALESCE(SUM({column}), 0) AS BIGINT) AS n FROM daily_counts WHERE fact = '{fact}'")
}

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
    let q = "query($f: DateTime!, $t: DateTime!, $s: KpiScope) { salesView { kpis(from: $f, to: $t, scope: $s) { key unit value numerator denominator rows { entityType entityId value } } } }";
    let r = ok(&t, &d.manager, q, json!({ "f": from, "t": to, "s": "TEAM" })).await;
    let k = &r["salesView"]["kpis"];
    let conv = fig(k, "leadConversionRate");
    assert_eq!(
        (conv["value"].as_str(), conv["numerator"].as_str(), conv["denominator"].as_str()),
        (Some("0.6667"), Some("2"), Some("3"))
    );
    assert_eq!(conv["rows"].as_array().unwrap().len(), 2, "the two converted leads");
    assert_eq!(fig(k, "leadConversionRate:EVENT")["value"], "0.5000");
    let win = fig(k, "winRate");
    assert_eq!((win["value"].as_str(), win["rows"].as_array().unwrap().len()), (Some("0.5000"), 2));
    let revenue = fig(k, "revenue");
    assert_eq!(revenue["value"], "18012.00");
    assert_eq!(revenue["rows"][0]["value"], "18012.00");
    assert_eq!(fig(k, "revenuePerRep")["value"], "18012.00");
    let collection = fig(k, "collectionRate");
    assert_eq!(
        (collection["value"].as_str(), collection["numerator"].as_str(), collection["denominator"].as_str()),
        (Some("1.0000"), Some("4503.00"), Some("4503.00")),
        "only issued invoices count"
    );
    assert_eq!(fig(k, "activities:CALL")["value"], "1");
    assert_eq!(fig(k, "activities:DEMO")["value"], "1");
    assert_eq!(fig(k, "slaBreachRate")["value"], "0.0000");
    assert_eq!(fig(k, "averageSalesCycleDays")["value"], "0.00");
    // Deal A went through every stage; deal B was lost in discovery.
    for (stage, n) in [("DISCOVERY", "2"), ("NEEDS_ANALYSIS", "1"), ("CONTRACTING", "1"), ("CLOSED_WON", "1")] {
        assert_eq!(fig(k, &format!("funnel:{stage}"))["value"], n, "{stage}");
    }
    assert_eq!(fig(k, "timeInStageDays:DEMO")["denominator"], "1", "one deal left DEMO");
    // LTV: one new customer worth 18,012.00 over the default three years; no spend, so no ratio.
    assert_eq!(fig(k, "lifetimeValue")["value"], "54036.00");
    assert_eq!(fig(k, "ltvToCac")["value"], "0.00");
    // Each value is written with its unit's decimals, whatever it happens to be.
    for (key, unit, decimals) in [
        ("leadConversionRate", "RATE", 4),
        ("revenue", "MONEY", 2),
        ("activities:CALL", "COUNT", 0),
        ("averageSalesCycleDays", "DAYS", 2),
        ("ltvToCac", "RATIO", 2),
        ("funnel:DISCOVERY", "COUNT", 0),
    ] {
        let f = fig(k, key);
        assert_eq!(f["unit"], unit, "{key}");
        assert_eq!(f["value"].as_str().unwrap().split('.').nth(1).map_or(0, str::len), decimals, "{f}");
    }

    // A rep asking for the organization gets its own numbers only.
    let r = ok(&t, &d.ae, q, json!({ "f": from, "t": to, "s": "ORG" })).await;
    assert_eq!(fig(&r["salesView"]["kpis"], "leadConversionRate")["denominator"], "0", "the AE owns no leads");
    assert_eq!(fig(&r["salesView"]["kpis"], "winRate")["denominator"], "2", "but owns both deals");
    let bad = t.gql(Some(&d.manager), q, json!({ "f": to, "t": from })).await;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "to");

    // Win/loss reviews, once per closed deal.
    let review = "mutation($o: ID!, $r: String!, $c: String) { recordWinLossReview(opportunityId: $o, primaryReason: $r, competitor: $c) { id opportunity { id } opportunityName outcome primaryReason competitor } }";
    let first =
        ok(&t, &d.ae, review, json!({ "o": d.opportunity, "r": "fast ROI" })).await["recordWinLossReview"].clone();
    assert_eq!(first["opportunity"]["id"], d.opportunity.as_str());
    assert_eq!(
        (&first["outcome"], &first["primaryReason"], &first["competitor"]),
        (&json!("WON"), &json!("fast ROI"), &serde_json::Value::Null)
    );
    assert!(first["opportunityName"].as_str().is_some_and(|n| !n.is_empty()));
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
    let review = "mutation($o: ID!, $r: String!, $l: String) { recordWinLossReview(opportunityId: $o, primaryReason: $r, lessons: $l) { id } }";
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

    let r = ok(&t, &d.manager, "query($f: DateTime!, $t: DateTime!) { salesView { kpis(from: $f, to: $t) { key value rows { entityType entityId value entity { __typename id ... on Opportunity { name } } } } } }", json!({ "f": from, "t": to })).await;
    let k = &r["salesView"]["kpis"];
    // A row links its object, typed, through the object's getter; a campaign is not a node.
    let won = &fig(k, "timeInStageDays:DEMO")["rows"][0]["entity"];
    assert_eq!(*won, json!({ "__typename": "Opportunity", "id": d.opportunity, "name": "Acme POS" }));
    let ltv = &fig(k, "ltvToCac")["rows"];
    assert_eq!(ltv[0]["entity"]["__typename"], "Contract", "{ltv}");
    assert_eq!(ltv[0]["entity"]["id"], ltv[0]["entityId"], "{ltv}");
    assert_eq!(ltv[1]["entity"], Value::Null, "{ltv}");
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

both!(kpi_counts_follow_every_write_and_agree_with_the_rows_on_any_period, |engine| async move {
    use chrono::{DateTime, Duration, SecondsFormat, Utc};
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let stamp = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Nanos, false);
    let q =
        "query($f: DateTime!, $t: DateTime!) { salesView { kpis(from: $f, to: $t) { key numerator denominator } } }";
    // (converted, leads) overall and of EVENT leads, as the SDR's KPIs count them.
    let conversion = |(from, to): (DateTime<Utc>, DateTime<Utc>)| {
        let (t, sdr) = (&t, &sdr);
        async move {
            let r = ok(t, sdr, q, json!({ "f": stamp(from), "t": stamp(to) })).await;
            let k = &r["salesView"]["kpis"];
            // A source without leads in the period has no figure of its own.
            let pick = |key: &str| match k.as_array().unwrap().iter().find(|f| f["key"] == key) {
                None => (0, 0),
                Some(f) => {
                    let n = |v: &Value| v.as_str().unwrap().parse::<i64>().unwrap();
                    (n(&f["numerator"]), n(&f["denominator"]))
                }
            };
            [pick("leadConversionRate"), pick("leadConversionRate:EVENT")]
        }
    };
    let now = Utc::now();
    let noon = (now - Duration::days(3)).date_naive().and_hms_milli_opt(12, 0, 0, 500).unwrap().and_utc();
    let midnight = |t: DateTime<Utc>| t.date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc();
    let periods = [
        // Within hours of noon three days ago: no whole day, the rows alone.
        (noon - Duration::hours(1), noon + Duration::hours(1)),
        // From that day to tomorrow: whole days only, the daily counts alone.
        (midnight(noon), midnight(now + Duration::days(1))),
        // A day and a quarter on each side: the counts for the whole days, the rows for the edges.
        (noon - Duration::hours(30), now + Duration::hours(30)),
        // An edge that holds noon, then whole days.
        (noon - Duration::hours(2), noon + Duration::hours(36)),
    ];
    let mut base = Vec::new();
    for p in periods {
        base.push(conversion(p).await);
    }
    let create = "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }";
    for (name, source) in [("Count One", "SEO"), ("Count Two", "EVENT"), ("Count Three", "EVENT")] {
        let input = json!({ "companyName": name, "contactName": "C", "source": source });
        ok(&t, &sdr, create, json!({ "i": input })).await;
    }
    // "Count One" was captured three days ago at noon; "Count Two" converted.
    t.exec(&format!("UPDATE leads SET created_at = '{}' WHERE company_name = 'Count One'", stamp(noon))).await;
    t.exec("UPDATE leads SET status = 'CONVERTED' WHERE company_name = 'Count Two'").await;
    let added = |i: usize, now: [(i64, i64); 2]| {
        let b = base[i];
        [(now[0].0 - b[0].0, now[0].1 - b[0].1), (now[1].0 - b[1].0, now[1].1 - b[1].1)]
    };
    assert_eq!(added(0, conversion(periods[0]).await), [(0, 1), (0, 0)], "only the lead moved to that noon");
    assert_eq!(added(1, conversion(periods[1]).await), [(1, 3), (1, 2)]);
    assert_eq!(added(2, conversion(periods[2]).await), [(1, 3), (1, 2)]);
    assert_eq!(added(3, conversion(periods[3]).await)[0], (0, 1), "the edge holds the moved lead");

    // Reassigned to the AE, a lead leaves the SDR's figures; folding the counts changes nothing.
    t.exec("UPDATE leads SET owner_id = (SELECT id FROM users WHERE email = 'ae@demo.test') WHERE company_name = 'Count Three'")
        .await;
    let reassigned = conversion(periods[2]).await;
    assert_eq!(added(2, reassigned), [(1, 2), (1, 1)]);
    let rows = t.count("daily_counts").await;
    t.app().fold_daily_counts().await.unwrap();
    assert!(t.count("daily_counts").await < rows, "the fold made one row of each group's deltas");
    assert_eq!(conversion(periods[2]).await, reassigned);
    let folded = t.count("daily_counts").await;
    t.app().fold_daily_counts().await.unwrap();
    assert_eq!(t.count("daily_counts").await, folded, "a second fold has nothing to fold");
    assert_eq!(conversion(periods[2]).await, reassigned);

    // Counted by the triggers, the counts equal a recount of the rows themselves.
    assert_eq!(t.scalar(&counted("lead", "n")).await, t.count("leads").await);
    assert_eq!(t.scalar(&counted("lead", "flagged")).await, t.count("leads WHERE status = 'CONVERTED'").await);
    assert_eq!(t.scalar(&counted("activity", "n")).await, t.count("activities").await);
});

both!(deal_counts_follow_stage_owner_and_dates_on_any_period, |engine| async move {
    use baton_app::entity::opportunity;
    use chrono::{DateTime, Duration, SecondsFormat, Utc};
    use sea_orm::EntityTrait;
    let t = spawn_app(engine).await;
    let stamp = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Nanos, false);
    let q = "query($f: DateTime!, $t: DateTime!) { salesView { kpis(from: $f, to: $t, scope: ORG) { key numerator denominator } } }";
    let admin = t.login("admin@demo.test").await;
    // (numerator, denominator) of the deal figures the daily counts feed.
    let deals = |(from, to): (DateTime<Utc>, DateTime<Utc>)| {
        let (t, admin) = (&t, &admin);
        async move {
            let r = ok(t, admin, q, json!({ "f": stamp(from), "t": stamp(to) })).await;
            let k = &r["salesView"]["kpis"];
            ["winRate", "averageSalesCycleDays", "renewalRate", "lifetimeValue", "funnel:DISCOVERY"].map(|key| {
                let f = fig(k, key);
                (f["numerator"].as_str().unwrap().to_owned(), f["denominator"].as_str().unwrap().to_owned())
            })
        }
    };
    let now = Utc::now();
    let midnight = |t: DateTime<Utc>| t.date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc();
    let hours = (now - Duration::hours(2), now + Duration::hours(2));
    let whole = (midnight(now - Duration::days(12)), midnight(now + Duration::days(1)));
    let mixed = (now - Duration::hours(300), now + Duration::hours(30));
    let before = [deals(hours).await, deals(whole).await, deals(mixed).await];

    // One deal won today, created eleven days ago (a cycle of eleven whole days).
    let (d, _) = signed(&t).await;
    let created = now - Duration::days(11) - Duration::hours(1);
    let id = match engine {
        Engine::Postgres => format!("'{}'", d.opportunity),
        Engine::Sqlite => format!("X'{}'", d.opportunity.replace('-', "")),
    };
    t.exec(&format!("UPDATE opportunities SET created_at = '{}' WHERE id = {id}", stamp(created))).await;
    let after = [deals(hours).await, deals(whole).await, deals(mixed).await];
    for (i, (b, a)) in before.iter().zip(after.iter()).enumerate() {
        let more = |j: usize, part: usize| {
            let n = |v: &(String, String)| {
                if part == 0 { v.0.parse::<f64>().unwrap() } else { v.1.parse::<f64>().unwrap() }
            };
            n(&a[j]) - n(&b[j])
        };
        assert_eq!((more(0, 0), more(0, 1)), (1.0, 1.0), "period {i}: one more won of one more closed");
        assert_eq!((more(1, 0), more(1, 1)), (11.0, 1.0), "period {i}: eleven more cycle days of one more won deal");
    }
    // Created eleven days ago: inside `whole` and `mixed`, not the hours around now.
    assert_eq!(after[0][4].1, before[0][4].1, "created outside the hours");
    assert_ne!(after[1][4].1, before[1][4].1, "created inside the whole days");

    // The counts equal a recount of the deals themselves, also after a fold.
    t.app().fold_daily_counts().await.unwrap();
    assert_eq!(deals(mixed).await, after[2]);
    let opps = opportunity::Entity::find().all(&t.app().db).await.unwrap();
    let won: Vec<_> = opps.iter().filter(|o| o.stage == "CLOSED_WON").collect();
    let cycle: i64 = won.iter().map(|o| (o.closed_at.unwrap() - o.created_at).num_days()).sum();
    assert_eq!(t.scalar(&counted("deal_created", "n")).await, opps.len() as i64);
    let closed = opps.iter().filter(|o| o.closed_at.is_some()).count() as i64;
    assert_eq!(t.scalar(&counted("deal_closed", "n")).await, closed);
    assert_eq!(t.scalar(&counted("deal_closed", "flagged")).await, won.len() as i64);
    assert_eq!(t.scalar(&counted("deal_closed", "amount")).await, cycle);
});
