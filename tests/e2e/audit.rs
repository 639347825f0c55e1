//! The tamper-evident audit log: the hash chain verifies on a clean log, names the first row
//! altered or removed directly in the database, survives the erasure of a snapshot, and legal
//! can read it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_app::kernel::audit::Verdict;
use baton_tests::flow::*;
use baton_tests::*;
use serde_json::json;

fn broken_at(v: Verdict) -> (i64, String) {
    match v {
        Verdict::Broken { seq, reason, .. } => (seq, reason),
        other => panic!("expected a broken chain, got {other:?}"),
    }
}

both!(the_audit_chain_verifies_and_names_the_first_altered_row, |engine| async move {
    let t = spawn_app(engine).await;
    let d = converted(&t).await;
    match t.app().verify_audit().await.unwrap() {
        Verdict::Intact { rows, .. } => assert!(rows >= 8, "{rows}"),
        other => panic!("{other:?}"),
    }

    // Erasing a snapshot (a data-subject request) keeps the chain intact.
    t.exec("UPDATE audit_payloads SET before = NULL, after = NULL, erased_at = created_at FROM audit_log WHERE audit_log.id = audit_payloads.audit_id AND audit_log.seq = 2").await;
    assert!(
        matches!(t.app().verify_audit().await.unwrap(), Verdict::Intact { .. }),
        "an erased payload still verifies"
    );

    // The database itself refuses to rewrite the log or a snapshot.
    let refused = t.try_exec("UPDATE audit_log SET action = 'forged' WHERE seq = 3").await;
    assert!(refused.unwrap_err().contains("append-only"));
    let refused = t.try_exec("DELETE FROM audit_log WHERE seq = 3").await;
    assert!(refused.unwrap_err().contains("append-only"));
    let refused = t.try_exec("UPDATE audit_payloads SET after = '{}' WHERE erased_at IS NULL").await;
    assert!(refused.unwrap_err().contains("only be erased"));

    // Legal checks the chain from the API, as an auditor would ask.
    let check = "{ auditChainVerification { intact rows brokenSeq brokenEntryId reason } }";
    let r = ok(&t, &d.legal, check, json!({})).await;
    assert_eq!(r["auditChainVerification"]["intact"], true, "{r}");
    assert!(r["auditChainVerification"]["rows"].as_i64().unwrap() >= 8);
    assert_eq!(code(&t.gql(Some(&d.sdr), check, json!({})).await), "FORBIDDEN");

    // Someone who can drop those guards can tamper; the chain names the row.
    t.drop_audit_guards().await;
    // Altering a snapshot breaks it at that row.
    t.exec("UPDATE audit_payloads SET after = '{\"status\":\"FORGED\"}' WHERE audit_id IN (SELECT id FROM audit_log WHERE seq = 4)").await;
    let (seq, reason) = broken_at(t.app().verify_audit().await.unwrap());
    assert_eq!(seq, 4);
    assert!(reason.contains("snapshot"), "{reason}");
    t.exec("UPDATE audit_payloads SET after = NULL, erased_at = created_at FROM audit_log WHERE audit_log.id = audit_payloads.audit_id AND audit_log.seq = 4").await;

    // Altering a row's own fields breaks it at that row.
    t.exec("UPDATE audit_log SET action = 'forged' WHERE seq = 3").await;
    let (seq, reason) = broken_at(t.app().verify_audit().await.unwrap());
    assert_eq!(seq, 3);
    assert!(reason.contains("hash"), "{reason}");
    let r = ok(&t, &d.legal, check, json!({})).await;
    assert_eq!(r["auditChainVerification"]["intact"], false);
    assert_eq!(r["auditChainVerification"]["brokenSeq"], 3);
    assert!(r["auditChainVerification"]["brokenEntryId"].is_string());

    // Legal reads the log; a rep may not.
    let q =
        "query($e: ID) { auditLog(entityId: $e) { totalCount edges { node { action actorKind after seq hash } } } }";
    let r = ok(&t, &d.legal, q, json!({ "e": d.lead })).await;
    assert!(r["auditLog"]["totalCount"].as_i64().unwrap() >= 4, "{r}");
    assert_eq!(r["auditLog"]["edges"][0]["node"]["action"], "convertLead");
    assert_eq!(r["auditLog"]["edges"][0]["node"]["after"]["status"], "CONVERTED");
    assert_eq!(code(&t.gql(Some(&d.sdr), q, json!({ "e": d.lead })).await), "FORBIDDEN");
    t.stop().await;
});

both!(a_removed_audit_row_breaks_the_sequence, |engine| async move {
    let t = spawn_app(engine).await;
    converted(&t).await;
    t.drop_audit_guards().await;
    t.exec("DELETE FROM audit_payloads WHERE audit_id IN (SELECT id FROM audit_log WHERE seq = 5)").await;
    t.exec("DELETE FROM audit_log WHERE seq = 5").await;
    let (seq, reason) = broken_at(t.app().verify_audit().await.unwrap());
    assert_eq!(seq, 6);
    assert!(reason.contains("missing"), "{reason}");
    t.stop().await;
});

both!(removing_the_first_or_the_newest_audit_rows_is_caught, |engine| async move {
    let t = spawn_app(engine).await;
    converted(&t).await;
    assert!(matches!(t.app().verify_audit().await.unwrap(), Verdict::Intact { .. }));
    t.drop_audit_guards().await;
    let newest = "(SELECT MAX(seq) FROM audit_log)";
    t.exec(&format!("DELETE FROM audit_payloads WHERE audit_id IN (SELECT id FROM audit_log WHERE seq = {newest})"))
        .await;
    t.exec(&format!("DELETE FROM audit_log WHERE seq = {newest}")).await;
    let (_, reason) = broken_at(t.app().verify_audit().await.unwrap());
    assert!(reason.contains("newest are missing"), "{reason}");
    t.exec("DELETE FROM audit_payloads WHERE audit_id IN (SELECT id FROM audit_log WHERE seq = 1)").await;
    t.exec("DELETE FROM audit_log WHERE seq = 1").await;
    let (seq, reason) = broken_at(t.app().verify_audit().await.unwrap());
    assert_eq!(seq, 2);
    assert!(reason.contains("before it are missing"), "{reason}");
    t.stop().await;
});

both!(concurrent_writers_on_two_instances_are_chained_without_gaps, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let (second_base, _, second) = t.second_instance().await;
    let bases = [t.base.clone(), second_base];
    let writes = (0..24).map(|i| {
        let (http, base, sdr) = (t.http.clone(), bases[i % 2].clone(), sdr.clone());
        async move {
            let q = "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }";
            let i = json!({ "companyName": format!("Writer {i}"), "contactName": "Pat", "source": "SEO" });
            let r: serde_json::Value = http
                .post(format!("{base}/graphql"))
                .bearer_auth(&sdr)
                .json(&json!({ "query": q, "variables": { "i": i } }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(r["errors"].is_null(), "{r}");
        }
    });
    futures_util::future::join_all(writes).await;
    // Both instances' sealers have been at work; what is left is sealed by the verification.
    match t.app().verify_audit().await.unwrap() {
        Verdict::Intact { rows, .. } => assert!(rows >= 24, "{rows}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(t.count("audit_log WHERE seq IS NULL").await, 0);
    let n = t.count("audit_log WHERE seq IS NOT NULL").await;
    assert_eq!(t.count(&format!("audit_log WHERE seq BETWEEN 1 AND {n}")).await, n, "one place each, no gaps");
    second.stop().await;
    t.stop().await;
});

both!(sealing_sets_the_chain_columns_once_and_nothing_else, |engine| async move {
    let t = spawn_app(engine).await;
    converted(&t).await;
    t.app().seal_audit().await.unwrap();
    // A sealed row cannot be sealed again, nor can sealing carry another change.
    let refused = t.try_exec("UPDATE audit_log SET seq = seq + 1000, hash = 'x', prev_hash = 'y' WHERE seq = 2").await;
    assert!(refused.unwrap_err().contains("append-only"));
    // A row from before the chain existed (no digest, so the sealer leaves it be).
    t.exec(
        "INSERT INTO audit_log (id, organization_id, actor_kind, action, entity_type, entity_id, created_at) \
         SELECT '0190a000-0000-7000-8000-000000000001', organization_id, actor_kind, action, entity_type, entity_id, created_at \
         FROM audit_log WHERE seq = 1",
    )
    .await;
    let forged = "UPDATE audit_log SET seq = 9999, hash = 'h', prev_hash = 'p', action = 'forged' WHERE seq IS NULL";
    assert!(t.try_exec(forged).await.unwrap_err().contains("append-only"));
    t.stop().await;
});
