//! Customer success after the takeover: usage from an integration, the health score and its
//! factors, business reviews, overrides, expansion, renewals, churn, VIP tiers and referrals.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::flow::*;
use baton_tests::*;
use serde_json::json;

const HEALTH: &str = "query($a: ID!) { account(id: $a) { health { score band computedScore overridden overrideReason factors { key points maxPoints detail } } } }";

both!(health_is_computed_from_usage_issues_payments_and_reviews_with_its_factors, |engine| async move {
    let t = spawn_app(engine).await;
    let d = taken_over(&t).await;
    let admin = t.login("admin@demo.test").await;
    let token = ok(
        &t,
        &admin,
        "mutation { createApiToken(name: \"usage feed\", roles: [CUSTOMER_SUCCESS]) { secret } }",
        json!({}),
    )
    .await;
    let feed = token["createApiToken"]["secret"].as_str().unwrap().to_owned();
    let usage = "mutation($a: ID!, $i: UsageInput!) { recordUsage(accountId: $a, input: $i) { score computedScore } }";
    let bad = t
        .gql(Some(&feed), usage, json!({ "a": d.account, "i": { "activeUsers": -1, "seatsUsed": 0, "openIssues": 0 } }))
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "activeUsers");
    assert_eq!(t.count("usage_snapshots").await, 0);
    let mkt = t.login("marketing@demo.test").await;
    assert_eq!(
        code(
            &t.gql(
                Some(&mkt),
                usage,
                json!({ "a": d.account, "i": { "activeUsers": 1, "seatsUsed": 1, "openIssues": 0 } })
            )
            .await
        ),
        "FORBIDDEN"
    );
    ok(&t, &feed, usage, json!({ "a": d.account, "i": { "activeUsers": 10, "seatsUsed": 12, "openIssues": 1, "adoption": [{ "module": "reports", "percent": 40 }] } })).await;

    // 10 of 20 seats active: 25 of 40; one open issue: 15 of 20; nothing overdue: 25; no review: 0.
    let r = ok(&t, &d.cs, HEALTH, json!({ "a": d.account })).await;
    let h = &r["account"]["health"];
    let points: Vec<i64> = h["factors"].as_array().unwrap().iter().map(|f| f["points"].as_i64().unwrap()).collect();
    assert_eq!(points, [25, 15, 25, 0], "{h}");
    assert_eq!(h["score"], 65);
    assert_eq!(h["band"], "AT_RISK");

    let review = "mutation($a: ID!, $d: NaiveDate!) { recordBusinessReview(accountId: $a, input: { heldOn: $d, attendees: \"Eve, Chris\", outcomes: \"on track\", newNeeds: \"SSO\" }) { id } }";
    let future = (chrono::Utc::now() + chrono::Duration::days(3)).date_naive().to_string();
    assert_eq!(
        t.gql(Some(&d.cs), review, json!({ "a": d.account, "d": future })).await["errors"][0]["extensions"]["field"],
        "heldOn"
    );
    ok(&t, &d.cs, review, json!({ "a": d.account, "d": chrono::Utc::now().date_naive().to_string() })).await;
    let r = ok(&t, &d.cs, HEALTH, json!({ "a": d.account })).await;
    assert_eq!(r["account"]["health"]["score"], 80, "a review this quarter adds 15");
    assert_eq!(r["account"]["health"]["band"], "GOOD");

    let over = "mutation($a: ID!, $s: Int, $r: String) { overrideHealth(accountId: $a, score: $s, reason: $r) { id } }";
    assert_eq!(
        t.gql(Some(&d.cs), over, json!({ "a": d.account, "s": 30 })).await["errors"][0]["extensions"]["field"],
        "reason"
    );
    ok(&t, &d.cs, over, json!({ "a": d.account, "s": 30, "r": "champion left the company" })).await;
    let r = ok(&t, &d.cs, HEALTH, json!({ "a": d.account })).await;
    let h = &r["account"]["health"];
    assert_eq!(
        (h["score"].as_i64(), h["computedScore"].as_i64(), h["overridden"].as_bool()),
        (Some(30), Some(80), Some(true))
    );
    assert_eq!(h["band"], "CRITICAL");
    t.stop().await;
});

both!(customer_success_hands_expansion_to_sales_opens_renewals_and_records_churn, |engine| async move {
    let t = spawn_app(engine).await;
    let d = taken_over(&t).await;
    let upsell = "mutation($a: ID!) { flagUpsell(accountId: $a, kind: MORE_SEATS, estimatedValue: { amount: \"6000\", currency: \"USD\" }, notes: \"10 more stores\") { id kind owner { email } csCredit { email } stage } }";
    assert_eq!(code(&t.gql(Some(&d.sdr), upsell, json!({ "a": d.account })).await), "FORBIDDEN");
    let r = ok(&t, &d.cs, upsell, json!({ "a": d.account })).await;
    let o = &r["flagUpsell"];
    assert_eq!(
        (o["kind"].as_str(), o["owner"]["email"].as_str(), o["csCredit"]["email"].as_str()),
        (Some("EXPANSION"), Some("ae@demo.test"), Some("cs@demo.test"))
    );
    let n = ok(&t, &d.ae, "{ notifications { title } }", json!({})).await;
    assert!(n["notifications"].as_array().unwrap().iter().any(|x| x["title"].as_str().unwrap().contains("Expansion")));

    // The subscription ends within the 90-day lead time: one renewal, however often the job runs.
    let end = (chrono::Utc::now() + chrono::Duration::days(60)).date_naive().to_string();
    t.exec(&format!("UPDATE subscriptions SET end_on = '{end}'")).await;
    assert_eq!(t.app().open_due_renewals(chrono::Utc::now().date_naive()).await.unwrap(), 1);
    assert_eq!(t.app().open_due_renewals(chrono::Utc::now().date_naive()).await.unwrap(), 0);
    let r = ok(
        &t,
        &d.cs,
        "{ customerSuccessView { renewalsDue { kind owner { email } csCredit { email } estimatedValue { amount } } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        r["customerSuccessView"]["renewalsDue"],
        json!([{ "kind": "RENEWAL", "owner": { "email": "ae@demo.test" }, "csCredit": { "email": "cs@demo.test" }, "estimatedValue": { "amount": "18012.00" } }])
    );

    // VIP: only the CS manager decides, and a VIP account gets a named manager.
    let tier = "mutation($a: ID!, $v: Boolean!, $m: ID) { setAccountTier(accountId: $a, vip: $v, accountManagerId: $m) { tier accountManager { email } } }";
    let csm = t.login("csmanager@demo.test").await;
    let cs_id = t.user_id(&csm, "cs@demo.test").await;
    assert_eq!(code(&t.gql(Some(&d.cs), tier, json!({ "a": d.account, "v": true, "m": cs_id })).await), "FORBIDDEN");
    assert_eq!(
        t.gql(Some(&csm), tier, json!({ "a": d.account, "v": true })).await["errors"][0]["extensions"]["field"],
        "accountManagerId"
    );
    let r = ok(&t, &csm, tier, json!({ "a": d.account, "v": true, "m": cs_id })).await;
    assert_eq!(r["setAccountTier"], json!({ "tier": "VIP", "accountManager": { "email": "cs@demo.test" } }));
    let r = ok(&t, &csm, "{ customerSuccessView { vip: accounts(vip: true) { totalCount } automated: accounts(vip: false) { totalCount } } }", json!({})).await;
    assert_eq!(
        (
            r["customerSuccessView"]["vip"]["totalCount"].as_i64(),
            r["customerSuccessView"]["automated"]["totalCount"].as_i64()
        ),
        (Some(1), Some(0))
    );

    let churn = "mutation($a: ID!, $r: String!) { recordChurn(accountId: $a, reason: $r) { churnedAt subscriptions { status } } }";
    let r = ok(&t, &d.cs, churn, json!({ "a": d.account, "r": "moved to a competitor" })).await;
    assert_eq!(r["recordChurn"]["subscriptions"], json!([{ "status": "CHURNED" }]));
    assert_eq!(
        t.gql(Some(&d.cs), churn, json!({ "a": d.account, "r": "again" })).await["errors"][0]["extensions"]["rule"],
        "ALREADY_CHURNED"
    );
    t.stop().await;
});

both!(a_customer_referral_earns_the_referrer_a_reward_when_the_referred_deal_is_won, |engine| async move {
    let t = spawn_app(engine).await;
    let first = taken_over(&t).await;
    let lead = json!({ "companyName": "Gamma Foods", "contactName": "Gus", "contactEmail": "gus@gamma.example", "source": "REFERRAL", "referredByAccountId": first.account });
    let d = converted_with(&t, lead).await;
    let d = approved_from(&t, submitted_from(&t, quoted_from(&t, d).await).await).await;
    let r = ok(&t, &d.cs, "{ customerSuccessView { referralRewards { id } } }", json!({})).await;
    assert_eq!(r["customerSuccessView"]["referralRewards"], json!([]), "nothing before the referred deal is won");
    signed_from(&t, d).await;
    let q = "{ customerSuccessView { referralRewards { referrer { name } amount { amount currency } status } } }";
    let r = ok(&t, &first.cs, q, json!({})).await;
    assert_eq!(
        r["customerSuccessView"]["referralRewards"],
        json!([{ "referrer": { "name": "Acme Retail" }, "amount": { "amount": "500.00", "currency": "USD" }, "status": "EARNED" }])
    );
    let r = ok(&t, &first.finance, "{ financeView { referralRewards { amount { amount } } } }", json!({})).await;
    assert_eq!(r["financeView"]["referralRewards"].as_array().unwrap().len(), 1, "finance sees the credit too");
    let mkt = t.login("marketing@demo.test").await;
    assert_eq!(
        code(&t.gql(Some(&mkt), "{ customerSuccessView { referralRewards { id } } }", json!({})).await),
        "FORBIDDEN"
    );
    t.stop().await;
});

both!(renewal_lead_time_rewards_and_thresholds_are_organization_settings, |engine| async move {
    let t = spawn_app(engine).await;
    taken_over(&t).await;
    let admin = t.login("admin@demo.test").await;
    let upd = "mutation($i: OrgSettingsInput!) { updateOrgSettings(input: $i) { renewalLeadDays referralReward { amount } giftThreshold { amount } commissionBasePercent } }";
    for (field, input) in [
        ("giftThreshold", json!({ "giftThreshold": "-1" })),
        ("commissionBasePercent", json!({ "commissionBasePercent": "120" })),
        ("renewalLeadDays", json!({ "renewalLeadDays": 0 })),
    ] {
        assert_eq!(t.gql(Some(&admin), upd, json!({ "i": input })).await["errors"][0]["extensions"]["field"], field);
    }
    let r = ok(&t, &admin, upd, json!({ "i": { "renewalLeadDays": 30, "referralReward": "250", "giftThreshold": "50", "commissionBasePercent": "7.5" } })).await;
    assert_eq!(
        r["updateOrgSettings"],
        json!({ "renewalLeadDays": 30, "referralReward": { "amount": "250.00" }, "giftThreshold": { "amount": "50.00" }, "commissionBasePercent": "7.50" })
    );
    // Sixty days before the end is outside a thirty-day lead time: no renewal yet.
    let end = (chrono::Utc::now() + chrono::Duration::days(60)).date_naive().to_string();
    t.exec(&format!("UPDATE subscriptions SET end_on = '{end}'")).await;
    assert_eq!(t.app().open_due_renewals(chrono::Utc::now().date_naive()).await.unwrap(), 0);
    assert_eq!(
        t.app().open_due_renewals((chrono::Utc::now() + chrono::Duration::days(31)).date_naive()).await.unwrap(),
        1
    );
    t.stop().await;
});

/// Walks a converted deal to an accepted quote for 20 Professional seats with the add-on module
/// for the same 20 seats, both for 12 months.
async fn quoted_with_module(t: &TestApp, mut d: Deal) -> Deal {
    let r = ok(
        t,
        &d.ae,
        "mutation($a: ID!) { addContact(accountId: $a, input: { name: \"Eve Exec\", email: \"eve@acme.example\", role: EXECUTIVE, decisionMaker: true }) { id } }",
        json!({ "a": d.account }),
    )
    .await;
    d.signer = r["addContact"]["id"].as_str().unwrap().to_owned();
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
        "mutation($id: ID!) { logActivity(opportunityId: $id, kind: DEMO) { id } }",
        json!({ "id": d.opportunity }),
    )
    .await;
    ok(t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "PROPOSAL" })).await;
    let (plan, module) = (product(t, &d.ae, "PLAN-PRO").await, product(t, &d.ae, "ADDON-MODULE").await);
    let r = ok(
        t,
        &d.ae,
        "mutation($id: ID!, $p: ID!, $m: ID!) { createQuote(opportunityId: $id, input: { lines: [{ productId: $p, quantity: 20, termMonths: 12 }, { productId: $m, quantity: 20, termMonths: 12 }] }) { id status } }",
        json!({ "id": d.opportunity, "p": plan, "m": module }),
    )
    .await;
    assert_eq!(r["createQuote"]["status"], "APPROVED");
    d.quote = r["createQuote"]["id"].as_str().unwrap().to_owned();
    ok(t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "NEGOTIATION" })).await;
    ok(t, &d.ae, "mutation($q: ID!) { acceptQuote(quoteId: $q) { status } }", json!({ "q": d.quote })).await;
    ok(t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "CONTRACTING" })).await;
    d
}

both!(customer_success_sees_the_modules_a_subscription_includes, |engine| async move {
    let t = spawn_app(engine).await;
    let d = quoted_with_module(&t, converted(&t).await).await;
    let (d, _) = signed_from(&t, approved_from(&t, submitted_from(&t, d).await).await).await;
    ok(
        &t,
        &d.ae,
        "mutation($id: ID!) { updateHandoffPackage(packageId: $id, input: { specialRequirements: \"none\", successCriteria: \"go live in Q3\" }) { id } }",
        json!({ "id": d.handoff }),
    )
    .await;
    ok(&t, &d.ae, "mutation($id: ID!) { submitHandoffPackage(packageId: $id) { status } }", json!({ "id": d.handoff }))
        .await;
    ok(&t, &d.cs, "mutation($id: ID!) { acceptHandoff(packageId: $id) { status } }", json!({ "id": d.handoff })).await;

    let r = ok(
        &t,
        &d.cs,
        "query($a: ID!) { account(id: $a) { subscriptions { tier seats modules { name sku seats } } } }",
        json!({ "a": d.account }),
    )
    .await;
    assert_eq!(
        r["account"]["subscriptions"],
        json!([{ "tier": "PROFESSIONAL", "seats": 20, "modules": [{ "name": "Add-on module (per seat per month)", "sku": "ADDON-MODULE", "seats": 20 }] }]),
        "the plan is the tier and seats; the add-on is a module"
    );
    t.stop().await;
});

both!(a_churned_accounts_open_renewal_is_closed_as_lost_with_the_churn_reason, |engine| async move {
    let t = spawn_app(engine).await;
    let d = taken_over(&t).await;
    let end = (chrono::Utc::now() + chrono::Duration::days(60)).date_naive().to_string();
    t.exec(&format!("UPDATE subscriptions SET end_on = '{end}'")).await;
    assert_eq!(t.app().open_due_renewals(chrono::Utc::now().date_naive()).await.unwrap(), 1);
    let r = ok(&t, &d.cs, "{ customerSuccessView { renewalsDue { id } } }", json!({})).await;
    let renewal = r["customerSuccessView"]["renewalsDue"][0]["id"].as_str().unwrap().to_owned();

    ok(
        &t,
        &d.cs,
        "mutation($a: ID!) { recordChurn(accountId: $a, reason: \"moved to a competitor\") { churnedAt } }",
        json!({ "a": d.account }),
    )
    .await;
    let r = ok(&t, &d.cs, "{ customerSuccessView { renewalsDue { id } } }", json!({})).await;
    assert_eq!(r["customerSuccessView"]["renewalsDue"], json!([]), "nothing left to renew");
    let r = ok(
        &t,
        &d.ae,
        "query($o: ID!) { opportunity(id: $o) { stage lossReason closedAt version } }",
        json!({ "o": renewal }),
    )
    .await;
    let o = &r["opportunity"];
    assert_eq!(
        (o["stage"].as_str(), o["lossReason"].as_str(), o["version"].as_i64()),
        (Some("CLOSED_LOST"), Some("Customer churned: moved to a competitor"), Some(2))
    );
    assert!(!o["closedAt"].is_null());
    assert_eq!(
        t.count("audit_log WHERE action = 'recordChurn' AND entity_type = 'opportunity'").await,
        1,
        "the closing is audited"
    );
    let n = ok(&t, &d.ae, "{ notifications { title } }", json!({})).await;
    assert!(
        n["notifications"].as_array().unwrap().iter().any(|x| x["title"] == "Renewal lost: the customer churned"),
        "{n}"
    );
    // The renewal job opens nothing for a churned account.
    assert_eq!(t.app().open_due_renewals(chrono::Utc::now().date_naive()).await.unwrap(), 0);
    t.stop().await;
});

both!(a_referral_reward_is_applied_as_a_credit_on_the_referrers_next_invoice, |engine| async move {
    let t = spawn_app(engine).await;
    // Acme pays quarterly: 4 x 4,503.00, the first issued at signing.
    let first = taken_over(&t).await;
    let lead = json!({ "companyName": "Gamma Foods", "contactName": "Gus", "contactEmail": "gus@gamma.example", "source": "REFERRAL", "referredByAccountId": first.account });
    let d = converted_with(&t, lead).await;
    let (referred, _) =
        signed_from(&t, approved_from(&t, submitted_from(&t, quoted_from(&t, d).await).await).await).await;

    // The referred deal's own invoice carries no credit: the credit is the referrer's.
    let inv = "query($i: ID!) { invoice(id: $i) { number status amount { amount } amountPaid { amount } amountDue { amount } amountCredited { amount } payments { kind amount { amount } } } }";
    let r = ok(&t, &first.finance, inv, json!({ "i": referred.invoices[0] })).await;
    assert_eq!(r["invoice"]["amountDue"]["amount"], "4503.00");

    // The referrer's next invoice is issued by the scheduler and takes the 500.00 credit.
    let later = (chrono::Utc::now() + chrono::Duration::days(100)).date_naive();
    t.app().issue_due_invoices(later).await.unwrap();
    let r = ok(&t, &first.finance, inv, json!({ "i": first.invoices[1] })).await;
    let i = &r["invoice"];
    assert_eq!(
        (i["status"].as_str(), i["amount"]["amount"].as_str(), i["amountDue"]["amount"].as_str()),
        (Some("PARTIALLY_PAID"), Some("4503.00"), Some("4003.00")),
        "{i}"
    );
    assert_eq!(
        (i["amountPaid"]["amount"].as_str(), i["amountCredited"]["amount"].as_str()),
        (Some("500.00"), Some("500.00"))
    );
    assert_eq!(i["payments"], json!([{ "kind": "CREDIT", "amount": { "amount": "500.00" } }]));
    let number = i["number"].as_str().unwrap().to_owned();
    let r = ok(&t, &first.finance, inv, json!({ "i": referred.invoices[1] })).await;
    assert_eq!(r["invoice"]["amountCredited"]["amount"], "0.00", "the referred customer gets no credit");

    // Finance and customer success both see the reward applied; finance sees where.
    let r = ok(
        &t,
        &first.finance,
        "{ financeView { referralRewards { status appliedAt appliedInvoice { number } } } }",
        json!({}),
    )
    .await;
    let reward = &r["financeView"]["referralRewards"][0];
    assert_eq!(
        (reward["status"].as_str(), reward["appliedInvoice"]["number"].as_str()),
        (Some("APPLIED"), Some(number.as_str()))
    );
    assert!(!reward["appliedAt"].is_null());
    let r = ok(&t, &first.cs, "{ customerSuccessView { referralRewards { status appliedAt } } }", json!({})).await;
    assert_eq!(r["customerSuccessView"]["referralRewards"][0]["status"], "APPLIED");

    // Audited, applied once however often the job runs, and the rest is paid exactly.
    assert_eq!(t.count("audit_log WHERE action = 'applyReferralCredit'").await, 3, "payment, invoice and reward");
    t.app().issue_due_invoices(later).await.unwrap();
    assert_eq!(t.count("payments WHERE kind = 'CREDIT'").await, 1);
    let over = t.gql(Some(&first.finance), PAY, json!({ "i": first.invoices[1], "a": "4503.00", "k": "all" })).await;
    assert_eq!(over["errors"][0]["extensions"]["field"], "amount", "only 4,003.00 is due: {over}");
    let r = ok(&t, &first.finance, PAY, json!({ "i": first.invoices[1], "a": "4003.00", "k": "rest" })).await;
    assert_eq!(r["recordPayment"]["status"], "PAID");
    t.stop().await;
});
