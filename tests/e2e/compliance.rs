//! Anti-bribery: a gift above the threshold waits for compliance, and its deal cannot be signed
//! until legal decides.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::flow::*;
use baton_tests::*;
use serde_json::json;

both!(signing_is_refused_while_a_gift_on_the_deal_awaits_compliance, |engine| async move {
    let t = spawn_app(engine).await;
    let d = approved(&t).await;
    let record = "mutation($i: GiftInput!) { recordGift(input: $i) { id status } }";
    let gift = |value: &str| json!({ "i": { "given": true, "description": "Dinner", "value": { "amount": value, "currency": "USD" }, "accountId": d.account, "opportunityId": d.opportunity, "purpose": "Kick-off dinner" } });
    let small = ok(&t, &d.ae, record, gift("80")).await;
    assert_eq!(small["recordGift"]["status"], "RECORDED", "under the 100.00 threshold");
    let big = ok(&t, &d.ae, record, gift("450")).await;
    assert_eq!(big["recordGift"]["status"], "PENDING_APPROVAL");
    let gift_id = big["recordGift"]["id"].as_str().unwrap().to_owned();

    let before = (t.count("invoices").await, t.count("handoff_packages").await);
    let r = t.gql(Some(&d.ae), SIGN, json!({ "c": d.contract, "s": d.signer })).await;
    assert_eq!(r["errors"][0]["extensions"]["rules"], json!(["GIFT_APPROVAL_PENDING"]), "{r}");
    assert_eq!((t.count("invoices").await, t.count("handoff_packages").await), before);
    let b = ok(
        &t,
        &d.ae,
        "query($c: ID!) { blockers(entityId: $c, action: \"signContract\") }",
        json!({ "c": d.contract }),
    )
    .await;
    assert!(b["blockers"][0].as_str().unwrap().starts_with("GIFT_APPROVAL_PENDING"));

    // Legal sees it, the AE cannot approve it, legal does.
    let r = ok(&t, &d.legal, "{ legalView { pendingGifts { id value { amount } purpose } } }", json!({})).await;
    assert_eq!(r["legalView"]["pendingGifts"][0]["id"], gift_id.as_str());
    let approve = "mutation($g: ID!) { approveGift(giftId: $g, note: \"reasonable\") { status decidedBy { email } } }";
    let blockers = "query($g: ID!, $a: String!) { blockers(entityId: $g, action: $a) }";
    assert_eq!(code(&t.gql(Some(&d.ae), approve, json!({ "g": gift_id })).await), "FORBIDDEN");
    let b = ok(&t, &d.ae, blockers, json!({ "g": gift_id, "a": "approveGift" })).await;
    assert!(b["blockers"][0].as_str().unwrap_or_default().contains("approveGift"), "{b}");
    let b = ok(&t, &d.legal, blockers, json!({ "g": gift_id, "a": "approveGift" })).await;
    assert_eq!(b["blockers"], json!([]), "legal may approve it now");
    let r = ok(&t, &d.legal, approve, json!({ "g": gift_id })).await;
    assert_eq!(r["approveGift"]["status"], "APPROVED");
    let again = t.gql(Some(&d.legal), approve, json!({ "g": gift_id })).await;
    assert_eq!(again["errors"][0]["extensions"]["rule"], "INVALID_TRANSITION");
    // blockers names the very reason the mutation refused with, for either decision.
    for action in ["approveGift", "rejectGift"] {
        let b = ok(&t, &d.legal, blockers, json!({ "g": gift_id, "a": action })).await;
        let reason = again["errors"][0]["message"].as_str().unwrap_or_default();
        let said = b["blockers"][0].as_str().unwrap_or_default();
        assert!(
            said.starts_with("INVALID_TRANSITION: ") && reason.contains(&said["INVALID_TRANSITION: ".len()..]),
            "{b} {again}"
        );
    }
    let r = ok(&t, &d.ae, SIGN, json!({ "c": d.contract, "s": d.signer })).await;
    assert_eq!(r["signContract"]["contract"]["status"], "SIGNED");
    let r = ok(
        &t,
        &d.finance,
        "query($o: ID!) { invoice(id: $o) { number } }",
        json!({ "o": r["signContract"]["invoices"][0]["id"] }),
    )
    .await;
    assert_eq!(r["invoice"]["number"], "INV-000001");
    t.stop().await;
});

both!(an_auditor_sees_who_consented_to_what_and_which_gifts_were_approved, |engine| async move {
    let t = spawn_app(engine).await;
    let d = quoted(&t).await;
    let privacy = t.login("privacy@demo.test").await;
    let product = t.login("product@demo.test").await;
    let contact_consent = "mutation($c: ID!) { recordContactConsent(contactId: $c, purpose: MARKETING_EMAIL, lawfulBasis: CONSENT, source: \"event badge scan\", noticeVersion: \"2026-05\") { id subjectType subjectId } }";
    assert_eq!(code(&t.gql(Some(&product), contact_consent, json!({ "c": d.signer })).await), "FORBIDDEN");
    let before = t.count("consents").await;
    let r = t.gql(Some(&d.ae), contact_consent, json!({ "c": uuid::Uuid::now_v7().to_string() })).await;
    assert_eq!(code(&r), "NOT_FOUND");
    assert_eq!(t.count("consents").await, before, "a refused consent records nothing");
    let r = ok(&t, &d.ae, contact_consent, json!({ "c": d.signer })).await;
    assert_eq!(r["recordContactConsent"]["subjectType"], "contact");
    let contact_consent_id = r["recordContactConsent"]["id"].as_str().unwrap().to_owned();
    ok(
        &t,
        &d.sdr,
        "mutation($l: ID!) { recordConsent(leadId: $l, purpose: SALES_CONTACT, lawfulBasis: LEGITIMATE_INTEREST, source: \"call\", noticeVersion: \"2026-05\") { id } }",
        json!({ "l": d.lead }),
    )
    .await;
    let r = ok(
        &t,
        &d.ae,
        "query($a: ID!) { account(id: $a) { contacts { id consents { purpose withdrawnAt } } } }",
        json!({ "a": d.account }),
    )
    .await;
    let signer = r["account"]["contacts"].as_array().unwrap().iter().find(|c| c["id"] == d.signer.as_str()).unwrap();
    assert_eq!(signer["consents"][0]["purpose"], "MARKETING_EMAIL");
    let r = ok(
        &t,
        &d.ae,
        "mutation($c: ID!) { withdrawConsent(consentId: $c) { withdrawnAt } }",
        json!({ "c": contact_consent_id }),
    )
    .await;
    assert!(!r["withdrawConsent"]["withdrawnAt"].is_null());

    let gift = json!({ "i": { "given": true, "description": "Concert tickets", "value": { "amount": "450", "currency": "USD" }, "accountId": d.account, "opportunityId": d.opportunity, "purpose": "Relationship" } });
    let g = ok(&t, &d.ae, "mutation($i: GiftInput!) { recordGift(input: $i) { id } }", gift).await;
    ok(&t, &d.legal, "mutation($g: ID!) { approveGift(giftId: $g) { status } }", json!({ "g": g["recordGift"]["id"] }))
        .await;

    let register = "query($p: ConsentPurpose, $s: ID) { consentRegister(purpose: $p, subjectId: $s) { totalCount edges { node { purpose subjectType subjectId lawfulBasis source noticeVersion grantedAt withdrawnAt recordedBy { email } } } } }";
    assert_eq!(code(&t.gql(Some(&d.sdr), register, json!({})).await), "FORBIDDEN");
    let r = ok(&t, &d.legal, register, json!({})).await;
    assert_eq!(r["consentRegister"]["totalCount"], 2);
    let r = ok(&t, &privacy, register, json!({ "s": d.signer })).await;
    let node = &r["consentRegister"]["edges"][0]["node"];
    assert_eq!(
        (node["subjectType"].as_str(), node["recordedBy"]["email"].as_str()),
        (Some("contact"), Some("ae@demo.test"))
    );
    assert!(!node["withdrawnAt"].is_null());
    let r = ok(&t, &d.legal, register, json!({ "p": "SALES_CONTACT" })).await;
    assert_eq!(r["consentRegister"]["edges"][0]["node"]["lawfulBasis"], "LEGITIMATE_INTEREST");
    let gifts = "query($s: String) { giftRegister(status: $s) { totalCount edges { node { description status decidedBy { email } } } } }";
    let r = ok(&t, &d.legal, gifts, json!({ "s": "APPROVED" })).await;
    assert_eq!(r["giftRegister"]["totalCount"], 1);
    assert_eq!(r["giftRegister"]["edges"][0]["node"]["decidedBy"]["email"], "legal@demo.test");
    assert_eq!(ok(&t, &d.legal, gifts, json!({ "s": "REJECTED" })).await["giftRegister"]["totalCount"], 0);
    let r = t.gql(Some(&d.legal), gifts, json!({ "s": "APPROVD" })).await;
    assert_eq!(
        (code(&r), r["errors"][0]["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("status")),
        "a misspelt status is a mistake, not an empty register: {r}"
    );
    // The typed filter takes several statuses at once.
    let typed = "query($s: [GiftStatus!]) { giftRegister(statuses: $s) { totalCount edges { node { status } } } }";
    let all = ok(&t, &d.legal, typed, json!({})).await["giftRegister"]["totalCount"].as_i64().unwrap();
    let r = ok(&t, &d.legal, typed, json!({ "s": ["APPROVED", "REJECTED"] })).await;
    assert_eq!(r["giftRegister"]["totalCount"], 1);
    assert_eq!(r["giftRegister"]["edges"][0]["node"]["status"], "APPROVED");
    let r = ok(&t, &d.legal, typed, json!({ "s": ["RECORDED", "PENDING_APPROVAL", "APPROVED", "REJECTED"] })).await;
    assert_eq!(r["giftRegister"]["totalCount"].as_i64(), Some(all), "every status is every gift");
    t.stop().await;
});

both!(the_approvers_of_a_deals_discount_and_contract_see_its_pending_gifts, |engine| async move {
    let t = spawn_app(engine).await;
    let mut d = converted(&t).await;
    let r = ok(
        &t,
        &d.ae,
        "mutation($a: ID!) { addContact(accountId: $a, input: { name: \"Eve Exec\", email: \"eve@acme.example\", role: EXECUTIVE, decisionMaker: true }) { id } }",
        json!({ "a": d.account }),
    )
    .await;
    d.signer = r["addContact"]["id"].as_str().unwrap().to_owned();
    ok(
        &t,
        &d.ae,
        "mutation($id: ID!) { recordNeedsAnalysis(opportunityId: $id, report: \"Cut stock-outs\") { id } }",
        json!({ "id": d.opportunity }),
    )
    .await;
    ok(&t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "NEEDS_ANALYSIS" })).await;
    ok(&t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "DEMO" })).await;
    ok(
        &t,
        &d.ae,
        "mutation($id: ID!) { logActivity(opportunityId: $id, kind: DEMO) { id } }",
        json!({ "id": d.opportunity }),
    )
    .await;
    ok(&t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "PROPOSAL" })).await;
    // A 30 % discount is beyond the sales manager's limit: finance approves it.
    let pro = product(&t, &d.ae, "PLAN-PRO").await;
    let r = ok(
        &t,
        &d.ae,
        "mutation($id: ID!, $p: ID!) { createQuote(opportunityId: $id, input: { lines: [{ productId: $p, quantity: 20, termMonths: 12 }], discountPercent: \"30\" }) { id status } }",
        json!({ "id": d.opportunity, "p": pro }),
    )
    .await;
    assert_eq!(r["createQuote"]["status"], "PENDING_APPROVAL");
    d.quote = r["createQuote"]["id"].as_str().unwrap().to_owned();
    let r = ok(
        &t,
        &d.finance,
        "mutation($q: ID!) { approveQuote(quoteId: $q) { status approvedBy { email } } }",
        json!({ "q": d.quote }),
    )
    .await;
    assert_eq!(r["approveQuote"]["approvedBy"]["email"], "finance@demo.test");
    let gift = json!({ "i": { "given": true, "description": "Concert tickets", "value": { "amount": "450", "currency": "USD" }, "accountId": d.account, "opportunityId": d.opportunity, "purpose": "Relationship" } });
    ok(&t, &d.ae, "mutation($i: GiftInput!) { recordGift(input: $i) { status } }", gift).await;

    // Finance does not read the opportunity, but sees the gifts through the quote it approved.
    let r = ok(
        &t,
        &d.finance,
        "query($q: ID!) { quote(id: $q) { opportunity { id } gifts { description status value { amount } } } }",
        json!({ "q": d.quote }),
    )
    .await;
    assert!(r["quote"]["opportunity"].is_null(), "finance reads no opportunity");
    assert_eq!(
        r["quote"]["gifts"],
        json!([{ "description": "Concert tickets", "status": "PENDING_APPROVAL", "value": { "amount": "450.00" } }])
    );

    // Legal sees them with the contract it reviews.
    ok(&t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "NEGOTIATION" })).await;
    ok(&t, &d.ae, "mutation($q: ID!) { acceptQuote(quoteId: $q) { status } }", json!({ "q": d.quote })).await;
    ok(&t, &d.ae, MOVE, json!({ "id": d.opportunity, "s": "CONTRACTING" })).await;
    let d = submitted_from(&t, d).await;
    let r =
        ok(&t, &d.legal, "query($c: ID!) { contract(id: $c) { gifts { status } } }", json!({ "c": d.contract })).await;
    assert_eq!(r["contract"]["gifts"], json!([{ "status": "PENDING_APPROVAL" }]));
    // Someone who reads neither the deal nor its quote sees nothing of it.
    let mkt = t.login("marketing@demo.test").await;
    assert_eq!(
        code(
            &t.gql(Some(&mkt), "query($q: ID!) { quote(id: $q) { gifts { status } } }", json!({ "q": d.quote })).await
        ),
        "NOT_FOUND"
    );
    t.stop().await;
});
