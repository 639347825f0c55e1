//! Finding things: Relay's `node(id)` and `search`, under the same rules as the getters.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::*;
use serde_json::{Value, json};

const CREATE: &str = "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }";
const NODE: &str =
    "query($id: ID!) { node(id: $id) { __typename id ... on Lead { companyName } ... on User { email } } }";
const SEARCH: &str = "query($t: String!, $types: [SearchableType!], $first: Int, $after: String) {
    search(text: $t, types: $types, first: $first, after: $after) {
        edges { cursor node { score snippet node { __typename id ... on Lead { companyName contactEmail } } } }
        pageInfo { hasNextPage hasPreviousPage endCursor } } }";

async fn lead(t: &TestApp, token: &str, company: &str, email: &str) -> String {
    let i = json!({ "companyName": company, "contactName": "Ann Buyer", "contactEmail": email, "source": "SEO" });
    let r = t.gql(Some(token), CREATE, json!({ "i": i })).await;
    r["data"]["createLead"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned()
}

async fn search(t: &TestApp, token: &str, text: &str, extra: Value) -> Value {
    let mut v = json!({ "t": text });
    if let (Some(v), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        v.extend(e.clone());
    }
    t.gql(Some(token), SEARCH, v).await
}

/// The ids of a search's hits, best first.
fn hit_ids(r: &Value) -> Vec<String> {
    r["data"]["search"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .map(|e| e["node"]["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

both!(node_answers_what_the_getters_answer_and_nothing_else, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let id = lead(&t, &sdr, "Zephyr Analytics", "ann@zephyr.example").await;

    let r = t.gql(Some(&sdr), NODE, json!({ "id": id })).await;
    assert_eq!(r["data"]["node"], json!({ "__typename": "Lead", "id": id, "companyName": "Zephyr Analytics" }), "{r}");

    // A user is a node as well.
    let me = t.gql(Some(&sdr), "{ me { id } }", json!({})).await["data"]["me"]["id"].as_str().unwrap().to_owned();
    let r = t.gql(Some(&sdr), NODE, json!({ "id": me })).await;
    assert_eq!(r["data"]["node"]["__typename"], "User", "{r}");
    assert_eq!(r["data"]["node"]["email"], "sdr@demo.test");

    // Outside the caller's scope: the AE owns none of the SDR's leads, finance reads no leads.
    for who in ["ae@demo.test", "finance@demo.test"] {
        let tok = t.login(who).await;
        let r = t.gql(Some(&tok), NODE, json!({ "id": id })).await;
        assert_eq!(code(&r), "NOT_FOUND", "{who}: {r}");
        assert_eq!(r["data"]["node"], Value::Null, "{r}");
        // The getter gives the same answer.
        let g = t.gql(Some(&tok), "query($id: ID!) { lead(id: $id) { id } }", json!({ "id": id })).await;
        assert_eq!(code(&g), "NOT_FOUND", "{who}: {g}");
    }
    // The sales manager's team scope reaches it.
    let mgr = t.login("salesmanager@demo.test").await;
    let r = t.gql(Some(&mgr), NODE, json!({ "id": id })).await;
    assert_eq!(r["data"]["node"]["id"], json!(id), "{r}");

    let r = t.gql(Some(&sdr), NODE, json!({ "id": uuid::Uuid::new_v4().to_string() })).await;
    assert_eq!(code(&r), "NOT_FOUND", "{r}");
    let r = t.gql(Some(&sdr), NODE, json!({ "id": "not-a-uuid" })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    let r = t.gql(None, NODE, json!({ "id": id })).await;
    assert_eq!(code(&r), "UNAUTHENTICATED", "{r}");
});

both!(search_ranks_prefixes_and_typos_within_the_callers_scope, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let zephyr = lead(&t, &sdr, "Zephyr Analytics", "ann@zephyr.example").await;
    let quokka = lead(&t, &sdr, "Quokka Logistics", "bo@marsupial.example").await;

    // A name typed halfway, a typo (in a finished word or in the one being typed), the words in
    // another order, and an e-mail address all find it, best first.
    for text in ["zeph", "Zephir Analytics", "Zephyr Analytcs", "analytics zephyr", "ann@zephyr", "ZEPHYR"] {
        let r = search(&t, &sdr, text, json!({})).await;
        let ids = hit_ids(&r);
        assert_eq!(ids.first(), Some(&zephyr), "{text}: {r}");
        assert!(!ids.contains(&quokka), "{text}: {r}");
        let hit = &r["data"]["search"]["edges"][0]["node"];
        assert_eq!(hit["node"]["__typename"], "Lead");
        assert_eq!(hit["node"]["contactEmail"], "ann@zephyr.example");
        assert!(hit["snippet"].as_str().unwrap().contains("Zephyr Analytics"), "{r}");
        let score = hit["score"].as_f64().unwrap();
        assert!(score > 0.0 && score <= 1.0, "{r}");
    }
    // A word with no close spelling in the organization's words finds nothing.
    assert_eq!(hit_ids(&search(&t, &sdr, "Zephyr Qwxzvb", json!({})).await), Vec::<String>::new());
    // Kinds narrow the search.
    let r = search(&t, &sdr, "zeph", json!({ "types": ["ACCOUNT", "INVOICE"] })).await;
    assert_eq!(hit_ids(&r), Vec::<String>::new(), "{r}");

    // A hit outside the caller's scope does not exist: not for the AE (own leads only), not for
    // finance (no leads at all); the sales manager's team scope finds it.
    for (who, found) in [("ae@demo.test", false), ("finance@demo.test", false), ("salesmanager@demo.test", true)] {
        let tok = t.login(who).await;
        let r = search(&t, &tok, "zephyr", json!({})).await;
        assert_eq!(hit_ids(&r).contains(&zephyr), found, "{who}: {r}");
    }

    // The index follows writes in their own transaction: a renamed lead is found by its new name.
    let r = t
        .gql(
            Some(&sdr),
            "mutation($id: ID!) { updateLead(leadId: $id, input: { companyName: \"Wombat Freight\" }, expectedVersion: 1) { companyName } }",
            json!({ "id": quokka }),
        )
        .await;
    assert_eq!(r["data"]["updateLead"]["companyName"], "Wombat Freight", "{r}");
    assert_eq!(hit_ids(&search(&t, &sdr, "wombat", json!({})).await), vec![quokka.clone()]);
    assert!(!hit_ids(&search(&t, &sdr, "quokka", json!({})).await).contains(&quokka));
});

both!(search_pages_through_its_ranking_and_refuses_bad_input, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let mut made = Vec::new();
    for n in ["One", "Two", "Three"] {
        made.push(lead(&t, &sdr, &format!("Nimbus {n}"), &format!("{}@nimbus.example", n.to_lowercase())).await);
    }
    let r = search(&t, &sdr, "nimbus", json!({ "first": 2 })).await;
    let first = hit_ids(&r);
    assert_eq!(first.len(), 2, "{r}");
    let info = &r["data"]["search"]["pageInfo"];
    assert_eq!(info["hasNextPage"], true, "{r}");
    assert_eq!(info["hasPreviousPage"], false, "{r}");
    let after = info["endCursor"].as_str().unwrap().to_owned();
    let r = search(&t, &sdr, "nimbus", json!({ "first": 2, "after": after })).await;
    let second = hit_ids(&r);
    assert_eq!(second.len(), 1, "{r}");
    assert_eq!(r["data"]["search"]["pageInfo"]["hasNextPage"], false, "{r}");
    assert_eq!(r["data"]["search"]["pageInfo"]["hasPreviousPage"], true, "{r}");
    let mut all: Vec<String> = first.into_iter().chain(second).collect();
    all.sort();
    made.sort();
    assert_eq!(all, made, "every hit once across the pages");

    for (text, extra, field) in [
        ("n", json!({}), "text"),
        ("   ", json!({}), "text"),
        ("nimbus", json!({ "first": 0 }), "first"),
        ("nimbus", json!({ "first": -1 }), "first"),
        ("nimbus", json!({ "after": "garbage" }), "after"),
    ] {
        let r = search(&t, &sdr, text, extra).await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{text}: {r}");
        assert_eq!(r["errors"][0]["extensions"]["field"], field, "{r}");
    }
    let long = "x".repeat(201);
    assert_eq!(code(&search(&t, &sdr, &long, json!({})).await), "BAD_USER_INPUT");
});
