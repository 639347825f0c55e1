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
    assert_eq!(code(&t.gql(Some(&d.ae), approve, json!({ "g": gift_id })).await), "FORBIDDEN");
    let r = ok(&t, &d.legal, approve, json!({ "g": gift_id })).await;
    assert_eq!(r["approveGift"]["status"], "APPROVED");
    assert_eq!(
        t.gql(Some(&d.legal), approve, json!({ "g": gift_id })).await["errors"][0]["extensions"]["rule"],
        "INVALID_TRANSITION"
    );
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
