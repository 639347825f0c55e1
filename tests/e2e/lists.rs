//! The views' lists as a frontend pages them: filters, orders, `last`/`before`, and a
//! `hasPreviousPage` that tells the truth.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::flow::ok;
use baton_tests::*;
use serde_json::{Value, json};

const CREATE: &str = "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }";
const LEADS: &str = "query($f: LeadFilter, $o: LeadOrder, $first: Int, $after: String, $last: Int, $before: String) {
    salesView { leads(filter: $f, orderBy: $o, first: $first, after: $after, last: $last, before: $before) {
        totalCount
        edges { cursor node { id companyName source } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }";
const OPPS: &str = "query($f: OpportunityFilter, $o: OpportunityOrder, $first: Int, $after: String) {
    salesView { opportunities(filter: $f, orderBy: $o, first: $first, after: $after) {
        edges { node { id name estimatedValue { amount } expectedCloseDate } }
        pageInfo { hasNextPage hasPreviousPage endCursor } } } }";

fn names(r: &Value) -> Vec<String> {
    r["data"]["salesView"]["leads"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .map(|e| e["node"]["companyName"].as_str().unwrap().to_owned())
        .collect()
}

fn info(r: &Value) -> &Value {
    &r["data"]["salesView"]["leads"]["pageInfo"]
}

/// Five leads whose names sort differently from their creation order.
async fn five_leads(t: &TestApp, sdr: &str) -> Vec<&'static str> {
    let made = ["Pagetest Delta", "Pagetest Alpha", "Pagetest Echo", "Pagetest Charlie", "Pagetest Bravo"];
    for (i, name) in made.iter().enumerate() {
        let source = if i % 2 == 0 { "SEO" } else { "EVENT" };
        let input = json!({ "companyName": name, "contactName": "Ann Buyer", "source": source });
        let r = t.gql(Some(sdr), CREATE, json!({ "i": input })).await;
        assert!(r["data"]["createLead"]["id"].is_string(), "{r}");
    }
    made.to_vec()
}

both!(leads_filter_by_text_and_source_and_sort_by_name_both_ways, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let made = five_leads(&t, &sdr).await;

    // Newest first by default; the text filter is case-insensitive and finds only these.
    let r = t.gql(Some(&sdr), LEADS, json!({ "f": { "text": "PAGETEST" }, "first": 10 })).await;
    let newest: Vec<String> = made.iter().rev().map(|s| s.to_string()).collect();
    assert_eq!(names(&r), newest, "{r}");
    assert_eq!(r["data"]["salesView"]["leads"]["totalCount"], 5);
    assert_eq!(info(&r)["hasPreviousPage"], false);

    // Filters add up: text and source.
    let r = t.gql(Some(&sdr), LEADS, json!({ "f": { "text": "pagetest", "sources": ["EVENT"] } })).await;
    assert_eq!(names(&r), ["Pagetest Charlie", "Pagetest Alpha"], "{r}");

    // By name, ascending, two at a time: the pages join up into the sorted list.
    let order = json!({ "field": "COMPANY_NAME", "direction": "ASC" });
    let f = json!({ "text": "pagetest" });
    let p1 = t.gql(Some(&sdr), LEADS, json!({ "f": f, "o": order, "first": 2 })).await;
    assert_eq!(names(&p1), ["Pagetest Alpha", "Pagetest Bravo"], "{p1}");
    assert_eq!(info(&p1)["hasNextPage"], true);
    assert_eq!(info(&p1)["hasPreviousPage"], false);
    let after = info(&p1)["endCursor"].clone();
    let p2 = t.gql(Some(&sdr), LEADS, json!({ "f": f, "o": order, "first": 2, "after": after })).await;
    assert_eq!(names(&p2), ["Pagetest Charlie", "Pagetest Delta"], "{p2}");
    assert_eq!(info(&p2)["hasPreviousPage"], true, "rows lie before the cursor");
    assert_eq!(info(&p2)["hasNextPage"], true);
    let p3 = t.gql(Some(&sdr), LEADS, json!({ "f": f, "o": order, "first": 2, "after": info(&p2)["endCursor"] })).await;
    assert_eq!(names(&p3), ["Pagetest Echo"], "{p3}");
    assert_eq!(info(&p3)["hasNextPage"], false);

    // Backward: the last two, then the two before them, in the list's own order.
    let b1 = t.gql(Some(&sdr), LEADS, json!({ "f": f, "o": order, "last": 2 })).await;
    assert_eq!(names(&b1), ["Pagetest Delta", "Pagetest Echo"], "{b1}");
    assert_eq!(info(&b1)["hasPreviousPage"], true);
    assert_eq!(info(&b1)["hasNextPage"], false);
    let b2 =
        t.gql(Some(&sdr), LEADS, json!({ "f": f, "o": order, "last": 2, "before": info(&b1)["startCursor"] })).await;
    assert_eq!(names(&b2), ["Pagetest Bravo", "Pagetest Charlie"], "{b2}");
    assert_eq!(info(&b2)["hasNextPage"], true, "rows lie after the cursor");
    assert_eq!(info(&b2)["hasPreviousPage"], true);

    // The default order pages backward too, with the id cursors it always had.
    let d = t.gql(Some(&sdr), LEADS, json!({ "f": f, "last": 2 })).await;
    assert_eq!(names(&d), ["Pagetest Alpha", "Pagetest Delta"], "{d}");
    let d2 = t.gql(Some(&sdr), LEADS, json!({ "f": f, "last": 2, "before": info(&d)["startCursor"] })).await;
    assert_eq!(names(&d2), ["Pagetest Charlie", "Pagetest Echo"], "{d2}");
});

both!(leads_filter_stays_inside_the_callers_scope, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    five_leads(&t, &sdr).await;
    let sdr_id = t.user_id(&sdr, "sdr@demo.test").await;
    // Another rep asking for the SDR's leads by owner sees none: a filter narrows the scope,
    // it never widens it.
    let ae = t.login("ae@demo.test").await;
    let r = t.gql(Some(&ae), LEADS, json!({ "f": { "ownerId": sdr_id, "text": "pagetest" } })).await;
    assert_eq!(names(&r), Vec::<String>::new(), "{r}");
    let r = t.gql(Some(&sdr), LEADS, json!({ "f": { "ownerId": sdr_id, "text": "pagetest" } })).await;
    assert_eq!(names(&r).len(), 5, "{r}");
});

/// Converts a qualified lead into a deal of the demo AE.
async fn deal(t: &TestApp, sdr: &str, ae_id: &str, name: &str, amount: &str, close: Option<&str>) {
    let input = json!({ "companyName": name, "contactName": "Ann Buyer", "contactEmail": format!("ann@{}.example", name.len()), "source": "SEO" });
    let r = t
        .gql(Some(sdr), "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }", json!({ "i": input }))
        .await;
    let id = r["data"]["createLead"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    t.gql(
        Some(sdr),
        "mutation($id: ID!) { recordLeadContact(leadId: $id, notes: \"called\") { status } }",
        json!({ "id": id }),
    )
    .await;
    let bant = json!({ "budgetConfirmed": true, "authorityConfirmed": true, "needConfirmed": true, "timeline": "WITHIN_3_MONTHS" });
    let r = t
        .gql(
            Some(sdr),
            "mutation($id: ID!, $q: QualifyLeadInput!) { qualifyLead(leadId: $id, input: $q) { status } }",
            json!({ "id": id, "q": bant }),
        )
        .await;
    assert_eq!(r["data"]["qualifyLead"]["status"], "QUALIFIED", "{r}");
    let c = json!({ "accountExecutiveId": ae_id, "opportunityName": name,
                    "estimatedValue": { "amount": amount, "currency": "USD" }, "expectedCloseDate": close });
    let r = t
        .gql(
            Some(sdr),
            "mutation($id: ID!, $c: ConvertLeadInput!) { convertLead(leadId: $id, input: $c) { opportunity { id } } }",
            json!({ "id": id, "c": c }),
        )
        .await;
    assert!(r["data"]["convertLead"]["opportunity"]["id"].is_string(), "{r}");
}

both!(opportunities_sort_by_value_and_close_date_across_pages, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let ae_id = t.user_id(&sdr, "ae@demo.test").await;
    for (name, amount, close) in [
        ("Sortdeal North", "5000.00", Some("2027-03-01T00:00:00Z")),
        ("Sortdeal East", "12000.00", None),
        ("Sortdeal South", "5000.00", Some("2027-01-15T00:00:00Z")),
        ("Sortdeal West", "800.50", Some("2027-06-30T00:00:00Z")),
    ] {
        deal(&t, &sdr, &ae_id, name, amount, close).await;
    }
    let ae = t.login("ae@demo.test").await;
    let all = t.gql(Some(&ae), OPPS, json!({ "first": 100 })).await;
    let all = all["data"]["salesView"]["opportunities"]["edges"].as_array().unwrap_or_else(|| panic!("{all}")).clone();
    assert!(all.len() >= 2, "the demo AE has opportunities");
    let value = |e: &Value| e["node"]["estimatedValue"]["amount"].as_str().unwrap().parse::<f64>().unwrap();

    for (field, direction) in [("VALUE", "DESC"), ("VALUE", "ASC"), ("CLOSE_DATE", "ASC"), ("NAME", "ASC")] {
        let order = json!({ "field": field, "direction": direction });
        let mut seen: Vec<Value> = Vec::new();
        let mut after = Value::Null;
        loop {
            let r = t.gql(Some(&ae), OPPS, json!({ "o": order, "first": 1, "after": after })).await;
            let c = &r["data"]["salesView"]["opportunities"];
            seen.extend(c["edges"].as_array().unwrap_or_else(|| panic!("{r}")).iter().cloned());
            if c["pageInfo"]["hasNextPage"] != true {
                break;
            }
            after = c["pageInfo"]["endCursor"].clone();
        }
        assert_eq!(seen.len(), all.len(), "{field} {direction}: one page per row, none twice");
        let ids: std::collections::HashSet<&str> = seen.iter().map(|e| e["node"]["id"].as_str().unwrap()).collect();
        assert_eq!(ids.len(), all.len(), "{field} {direction}: every row once");
        for w in seen.windows(2) {
            match field {
                "VALUE" if direction == "DESC" => assert!(value(&w[0]) >= value(&w[1])),
                "VALUE" => assert!(value(&w[0]) <= value(&w[1])),
                "CLOSE_DATE" => {
                    let (a, b) = (&w[0]["node"]["expectedCloseDate"], &w[1]["node"]["expectedCloseDate"]);
                    assert!(!a.is_null() || b.is_null(), "undated deals come last");
                    if let (Some(a), Some(b)) = (a.as_str(), b.as_str()) {
                        assert!(a <= b, "{a} <= {b}");
                    }
                }
                // Names follow the database's collation; that every row comes once is checked above.
                _ => {}
            }
        }
    }

    // A value range keeps only the deals inside it.
    let mut values: Vec<f64> = all.iter().map(value).collect();
    values.sort_by(f64::total_cmp);
    let floor = values[values.len() / 2];
    let r = t.gql(Some(&ae), OPPS, json!({ "f": { "valueAtLeast": format!("{floor:.2}") }, "first": 100 })).await;
    let kept = r["data"]["salesView"]["opportunities"]["edges"].as_array().unwrap_or_else(|| panic!("{r}")).clone();
    assert_eq!(kept.len(), values.iter().filter(|v| **v >= floor).count(), "{r}");
    assert!(kept.iter().all(|e| value(e) >= floor));
});

both!(bad_paging_and_filters_are_refused_by_name, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    five_leads(&t, &sdr).await;
    let field = |r: &Value| r["errors"][0]["extensions"]["field"].as_str().unwrap_or("<none>").to_owned();

    let r = t.gql(Some(&sdr), LEADS, json!({ "first": 2, "last": 2 })).await;
    assert_eq!((code(&r), field(&r).as_str()), ("BAD_USER_INPUT", "last"), "{r}");
    let r = t.gql(Some(&sdr), LEADS, json!({ "last": 101 })).await;
    assert_eq!((code(&r), field(&r).as_str()), ("BAD_USER_INPUT", "last"), "{r}");

    // A cursor of one order is not a position in another.
    let by_name = json!({ "field": "COMPANY_NAME", "direction": "ASC" });
    let p = t.gql(Some(&sdr), LEADS, json!({ "o": by_name, "first": 1 })).await;
    let cursor = p["data"]["salesView"]["leads"]["pageInfo"]["endCursor"].clone();
    assert!(cursor.as_str().unwrap().starts_with("o1."), "{p}");
    let r = t.gql(Some(&sdr), LEADS, json!({ "first": 1, "after": cursor })).await;
    assert_eq!((code(&r), field(&r).as_str()), ("BAD_USER_INPUT", "after"), "{r}");
    let r = t.gql(Some(&sdr), LEADS, json!({ "o": by_name, "after": "o1.bm90LWEtY3Vyc29y" })).await;
    assert_eq!((code(&r), field(&r).as_str()), ("BAD_USER_INPUT", "after"), "{r}");

    let r = t
        .gql(
            Some(&sdr),
            LEADS,
            json!({ "f": { "createdAfter": "2026-02-01T00:00:00Z", "createdBefore": "2026-01-01T00:00:00Z" } }),
        )
        .await;
    assert_eq!((code(&r), field(&r).as_str()), ("BAD_USER_INPUT", "filter.createdBefore"), "{r}");
    let r = t.gql(Some(&sdr), LEADS, json!({ "f": { "ownerId": "nope" } })).await;
    assert_eq!((code(&r), field(&r).as_str()), ("BAD_USER_INPUT", "filter.ownerId"), "{r}");
    let r = t.gql(Some(&sdr), LEADS, json!({ "f": { "text": "x".repeat(201) } })).await;
    assert_eq!((code(&r), field(&r).as_str()), ("BAD_USER_INPUT", "filter.text"), "{r}");
    // Wildcards in the text are text.
    let r = t.gql(Some(&sdr), LEADS, json!({ "f": { "text": "%" } })).await;
    assert_eq!(names(&r), Vec::<String>::new(), "{r}");
});

const INVOICES: &str =
    "query($f: InvoiceFilter, $o: InvoiceOrder, $first: Int, $after: String, $last: Int, $before: String) {
    financeView { invoices(filter: $f, orderBy: $o, first: $first, after: $after, last: $last, before: $before) {
        totalCount
        edges { node { id dueAt amount { amount } } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }";

both!(invoices_and_accounts_filter_sort_and_page_both_ways, |engine| async move {
    let t = spawn_app(engine).await;
    let d = flow::taken_over(&t).await;
    let all = t.gql(Some(&d.finance), INVOICES, json!({ "first": 100 })).await;
    let all = all["data"]["financeView"]["invoices"]["edges"].as_array().unwrap_or_else(|| panic!("{all}")).clone();
    assert!(!all.is_empty(), "the signed deal scheduled invoices");
    let due = |e: &Value| e["node"]["dueAt"].as_str().unwrap().to_owned();

    // By due date, one per page, forward: every invoice once, in order, with true page info.
    let order = json!({ "field": "DUE_AT", "direction": "ASC" });
    let (mut seen, mut after) = (Vec::new(), Value::Null);
    loop {
        let r = t.gql(Some(&d.finance), INVOICES, json!({ "o": order, "first": 1, "after": after })).await;
        let c = r["data"]["financeView"]["invoices"].clone();
        assert_eq!(c["pageInfo"]["hasPreviousPage"], !seen.is_empty(), "{r}");
        seen.extend(c["edges"].as_array().unwrap_or_else(|| panic!("{r}")).iter().cloned());
        if c["pageInfo"]["hasNextPage"] != true {
            break;
        }
        after = c["pageInfo"]["endCursor"].clone();
    }
    assert_eq!(seen.len(), all.len());
    assert!(seen.windows(2).all(|w| due(&w[0]) <= due(&w[1])), "{seen:?}");
    // Backward from the end: the latest due invoice.
    let r = t.gql(Some(&d.finance), INVOICES, json!({ "o": order, "last": 1 })).await;
    assert_eq!(
        r["data"]["financeView"]["invoices"]["edges"][0]["node"]["id"],
        seen[seen.len() - 1]["node"]["id"],
        "{r}"
    );
    assert_eq!(r["data"]["financeView"]["invoices"]["pageInfo"]["hasPreviousPage"], seen.len() > 1);

    // A due range keeps the invoices inside it.
    let first_due = due(&seen[0]);
    let r = t.gql(Some(&d.finance), INVOICES, json!({ "f": { "dueBefore": first_due } })).await;
    assert_eq!(r["data"]["financeView"]["invoices"]["totalCount"], 0, "before the earliest: none {r}");
    let r = t.gql(Some(&d.finance), INVOICES, json!({ "f": { "dueAfter": first_due } })).await;
    assert_eq!(r["data"]["financeView"]["invoices"]["totalCount"], all.len(), "{r}");
    let r = t
        .gql(Some(&d.finance), INVOICES, json!({ "f": { "dueAfter": "2030-01-02", "dueBefore": "2030-01-01" } }))
        .await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
    assert_eq!(r["errors"][0]["extensions"]["field"], "filter.dueBefore");

    // Customer success finds its account by a piece of its name, sorted by name.
    let accounts = "query($f: AccountFilter, $o: AccountOrder) { customerSuccessView {
        accounts(filter: $f, orderBy: $o) { totalCount edges { node { id name } } } } }";
    let r = t.gql(Some(&d.cs), accounts, json!({ "f": {}, "o": { "field": "NAME", "direction": "ASC" } })).await;
    let edges =
        r["data"]["customerSuccessView"]["accounts"]["edges"].as_array().unwrap_or_else(|| panic!("{r}")).clone();
    let mine = edges.iter().find(|e| e["node"]["id"] == d.account.as_str()).expect("the taken-over account is listed");
    let name = mine["node"]["name"].as_str().unwrap().to_owned();
    let piece: String = name.chars().skip(1).take(4).collect::<String>().to_uppercase();
    let r = t.gql(Some(&d.cs), accounts, json!({ "f": { "text": piece } })).await;
    let found =
        r["data"]["customerSuccessView"]["accounts"]["edges"].as_array().unwrap_or_else(|| panic!("{r}")).clone();
    assert!(found.iter().any(|e| e["node"]["id"] == d.account.as_str()), "{r}");
    assert!(found.iter().all(|e| e["node"]["name"].as_str().unwrap().to_uppercase().contains(&piece)), "{r}");
    let r = t.gql(Some(&d.cs), accounts, json!({ "f": { "text": "no account is called this" } })).await;
    assert_eq!(r["data"]["customerSuccessView"]["accounts"]["totalCount"], 0, "{r}");
});

both!(delta_sync_lists_what_changed_and_tombstones_what_was_erased, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    five_leads(&t, &sdr).await;
    let mark = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    // Only what changed after the mark comes back: one new lead.
    let input = json!({ "companyName": "Pagetest Foxtrot", "contactName": "Fay Fox", "contactEmail": "fay@fox.example", "source": "SEO" });
    let r = t.gql(Some(&sdr), CREATE, json!({ "i": input })).await;
    let fox = r["data"]["createLead"]["id"].as_str().unwrap_or_else(|| panic!("{r}")).to_owned();
    let q = "query($s: DateTime) { salesView { leads(updatedSince: $s, filter: { text: \"pagetest\" },
        orderBy: { field: UPDATED_AT, direction: ASC }) { edges { node { id updatedAt } } } } }";
    let r = t.gql(Some(&sdr), q, json!({ "s": mark.to_rfc3339() })).await;
    let ids: Vec<&str> = r["data"]["salesView"]["leads"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [fox.as_str()], "{r}");

    // Erasing the lead leaves a tombstone for those who read it, and for nobody else.
    let tomb = "query($s: DateTime!) { tombstones(since: $s) { id kind removedAt } }";
    let none = t.gql(Some(&sdr), tomb, json!({ "s": mark.to_rfc3339() })).await;
    assert_eq!(none["data"]["tombstones"], json!([]), "{none}");
    let privacy = t.login("privacy@demo.test").await;
    let open = "mutation($i: OpenDataSubjectRequestInput!) { openDataSubjectRequest(input: $i) { id } }";
    let r = t.gql(Some(&privacy), open, json!({ "i": { "kind": "ERASURE", "email": "fay@fox.example" } })).await;
    let req = r["data"]["openDataSubjectRequest"]["id"].clone();
    let r = t
        .gql(Some(&privacy), "mutation($r: ID!) { erasePersonalData(requestId: $r) { leads } }", json!({ "r": req }))
        .await;
    assert_eq!(r["data"]["erasePersonalData"]["leads"], 1, "{r}");
    let r = t.gql(Some(&sdr), tomb, json!({ "s": mark.to_rfc3339() })).await;
    assert_eq!(r["data"]["tombstones"].as_array().map(Vec::len), Some(1), "{r}");
    assert_eq!(r["data"]["tombstones"][0]["id"], fox.as_str());
    assert_eq!(r["data"]["tombstones"][0]["kind"], "LEAD");
    let ae = t.login("ae@demo.test").await;
    let r = t.gql(Some(&ae), tomb, json!({ "s": mark.to_rfc3339() })).await;
    assert_eq!(r["data"]["tombstones"], json!([]), "another rep's lead is not theirs to drop: {r}");
    // A later sync point has nothing.
    let r =
        t.gql(Some(&sdr), tomb, json!({ "s": (chrono::Utc::now() + chrono::Duration::seconds(1)).to_rfc3339() })).await;
    assert_eq!(r["data"]["tombstones"], json!([]), "{r}");
    let r = t.gql(Some(&sdr), tomb, json!({ "s": "yesterday" })).await;
    assert_eq!(code(&r), "BAD_USER_INPUT", "{r}");
});

const QUEUE: &str =
    "query($f: ContractFilter, $o: ContractOrder, $first: Int, $after: String, $last: Int, $before: String) {
    legalView { approvalQueue(filter: $f, orderBy: $o, first: $first, after: $after, last: $last, before: $before) {
        totalCount
        edges { cursor node { id } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }";

fn queue_ids(r: &Value) -> Vec<String> {
    r["data"]["legalView"]["approvalQueue"]["edges"]
        .as_array()
        .unwrap_or_else(|| panic!("{r}"))
        .iter()
        .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
        .collect()
}

both!(the_approval_queue_pages_oldest_submission_first_and_sorts_and_filters, |engine| async move {
    let t = spawn_app(engine).await;
    // Three contracts submitted one after another.
    let mut deals = Vec::new();
    for (i, who) in ["Queue Alpha", "Queue Bravo", "Queue Charlie"].iter().enumerate() {
        let lead = json!({ "companyName": who, "contactName": "Ann Buyer",
                           "contactEmail": format!("ann{i}@queue{i}.example"), "source": "SEO" });
        let d = flow::converted_with(&t, lead).await;
        deals.push(flow::submitted_from(&t, flow::quoted_from(&t, d).await).await);
    }
    let legal = deals[0].legal.clone();
    let mine: Vec<String> = deals.iter().map(|d| d.contract.clone()).collect();
    let submitted_first = mine[0].clone();
    // Only this test's contracts: those submitted from the first one's submission on.
    let r = t.gql(Some(&legal), QUEUE, json!({ "first": 100 })).await;
    let all = queue_ids(&r);
    let at = all.iter().position(|id| *id == submitted_first).unwrap_or_else(|| panic!("{r}"));
    assert_eq!(all[at..], mine[..], "oldest submission first: {r}");

    // Forward one by one from the first of them, with the opaque cursors the queue now issues.
    let mut after =
        if at == 0 { None } else { Some(r["data"]["legalView"]["approvalQueue"]["edges"][at - 1]["cursor"].clone()) };
    let mut seen = Vec::new();
    for _ in 0..3 {
        let r = t.gql(Some(&legal), QUEUE, json!({ "first": 1, "after": after })).await;
        seen.extend(queue_ids(&r));
        after = Some(r["data"]["legalView"]["approvalQueue"]["pageInfo"]["endCursor"].clone());
    }
    assert_eq!(seen, mine);

    // A contract's id is still a cursor (the queue issued ids before), also once legal has
    // approved it and it left the queue.
    let r = t.gql(Some(&legal), QUEUE, json!({ "first": 5, "after": mine[0] })).await;
    assert_eq!(queue_ids(&r), mine[1..], "{r}");
    flow::approved_from(&t, deals[0].clone()).await;
    let r = t.gql(Some(&legal), QUEUE, json!({ "first": 5, "after": mine[0] })).await;
    assert_eq!(queue_ids(&r), mine[1..], "the approved contract still marks its place: {r}");
    let r = t.gql(Some(&legal), QUEUE, json!({ "first": 5, "after": uuid_like() })).await;
    assert_eq!((code(&r), r["errors"][0]["extensions"]["field"].as_str()), ("BAD_USER_INPUT", Some("after")), "{r}");

    // Backward from the end, and the newest submission first.
    let r = t.gql(Some(&legal), QUEUE, json!({ "last": 1 })).await;
    assert_eq!(queue_ids(&r), [mine[2].clone()], "{r}");
    assert_eq!(r["data"]["legalView"]["approvalQueue"]["pageInfo"]["hasPreviousPage"], true, "{r}");
    let r =
        t.gql(Some(&legal), QUEUE, json!({ "o": { "field": "SUBMITTED_AT", "direction": "DESC" }, "first": 2 })).await;
    assert_eq!(queue_ids(&r), [mine[2].clone(), mine[1].clone()], "{r}");

    // Filters: submitted from the second one's submission; a value above every contract's.
    let r =
        t.gql(Some(&legal), QUEUE, json!({ "o": { "field": "UPDATED_AT", "direction": "ASC" }, "first": 100 })).await;
    let since = t
        .gql(Some(&legal), "query($id: ID!) { contract(id: $id) { submittedAt } }", json!({ "id": mine[1] }))
        .await["data"]["contract"]["submittedAt"]
        .clone();
    assert!(since.is_string(), "{since}");
    assert!(queue_ids(&r).ends_with(&mine[1..]), "{r}");
    let r = t.gql(Some(&legal), QUEUE, json!({ "f": { "submittedAfter": since }, "first": 100 })).await;
    assert_eq!(queue_ids(&r), mine[1..], "{r}");
    let r = t.gql(Some(&legal), QUEUE, json!({ "f": { "valueAtLeast": "1000000" } })).await;
    assert_eq!(r["data"]["legalView"]["approvalQueue"]["totalCount"], 0, "{r}");
    let r = t
        .gql(
            Some(&legal),
            QUEUE,
            json!({ "f": { "submittedAfter": "2030-01-02T00:00:00Z", "submittedBefore": "2030-01-01T00:00:00Z" } }),
        )
        .await;
    assert_eq!(
        (code(&r), r["errors"][0]["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("filter.submittedBefore")),
        "{r}"
    );
});

/// A syntactically valid id that names no row.
fn uuid_like() -> String {
    "01900000-0000-7000-8000-000000000000".to_owned()
}

both!(the_lead_pool_and_incoming_handoffs_filter_and_sort, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    five_leads(&t, &sdr).await;
    t.exec("UPDATE leads SET owner_id = NULL WHERE company_name LIKE 'Pagetest%'").await;
    let pool = "query($f: LeadFilter, $o: LeadOrder, $first: Int, $after: String, $last: Int) {
        salesView { leadPool(filter: $f, orderBy: $o, first: $first, after: $after, last: $last) {
            totalCount edges { node { companyName source } } pageInfo { endCursor hasNextPage } } } }";
    let names = |r: &Value| -> Vec<String> {
        r["data"]["salesView"]["leadPool"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{r}"))
            .iter()
            .map(|e| e["node"]["companyName"].as_str().unwrap().to_owned())
            .collect()
    };
    // Oldest first by default, as it always was.
    let r = t.gql(Some(&sdr), pool, json!({ "f": { "text": "pagetest" } })).await;
    assert_eq!(names(&r), ["Pagetest Delta", "Pagetest Alpha", "Pagetest Echo", "Pagetest Charlie", "Pagetest Bravo"]);
    // By name, two pages.
    let by_name = json!({ "field": "COMPANY_NAME", "direction": "ASC" });
    let r = t.gql(Some(&sdr), pool, json!({ "f": { "text": "pagetest" }, "o": by_name, "first": 3 })).await;
    assert_eq!(names(&r), ["Pagetest Alpha", "Pagetest Bravo", "Pagetest Charlie"]);
    let after = r["data"]["salesView"]["leadPool"]["pageInfo"]["endCursor"].clone();
    let r = t.gql(Some(&sdr), pool, json!({ "f": { "text": "pagetest" }, "o": by_name, "after": after })).await;
    assert_eq!(names(&r), ["Pagetest Delta", "Pagetest Echo"]);
    // Source and status filters; a status outside the pool's finds nothing.
    let r = t.gql(Some(&sdr), pool, json!({ "f": { "text": "pagetest", "sources": ["EVENT"] } })).await;
    assert_eq!(names(&r), ["Pagetest Alpha", "Pagetest Charlie"]);
    let r = t.gql(Some(&sdr), pool, json!({ "f": { "text": "pagetest", "statuses": ["CONVERTED"] } })).await;
    assert_eq!(r["data"]["salesView"]["leadPool"]["totalCount"], 0, "{r}");
    let r = t.gql(Some(&sdr), pool, json!({ "f": { "text": "pagetest" }, "last": 1 })).await;
    assert_eq!(names(&r), ["Pagetest Bravo"]);

    // Customer success sorts and filters its incoming packages; bad input names its field.
    let cs = t.login("cs@demo.test").await;
    let handoffs = "query($f: HandoffFilter, $o: HandoffOrder) { customerSuccessView {
        incomingHandoffs(filter: $f, orderBy: $o, first: 100) { totalCount edges { node { id status } } } } }";
    let mut made = Vec::new();
    for i in 0..2 {
        let lead = json!({ "companyName": format!("Handoff {i}"), "contactName": "Ann Buyer",
                           "contactEmail": format!("ann{i}@handoff{i}.example"), "source": "SEO" });
        let d = flow::submitted_from(&t, flow::quoted_from(&t, flow::converted_with(&t, lead).await).await).await;
        let (d, _) = flow::signed_from(&t, flow::approved_from(&t, d).await).await;
        flow::ok(&t, &d.ae, "mutation($id: ID!) { updateHandoffPackage(packageId: $id, input: { specialRequirements: \"none\", successCriteria: \"live\" }) { id } }", json!({ "id": d.handoff })).await;
        flow::ok(
            &t,
            &d.ae,
            "mutation($id: ID!) { submitHandoffPackage(packageId: $id) { status } }",
            json!({ "id": d.handoff }),
        )
        .await;
        made.push(d.handoff);
    }
    let r = t.gql(Some(&cs), handoffs, json!({})).await;
    let ids = |r: &Value| -> Vec<String> {
        r["data"]["customerSuccessView"]["incomingHandoffs"]["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("{r}"))
            .iter()
            .map(|e| e["node"]["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let oldest_first = ids(&r);
    assert!(oldest_first.ends_with(&made), "oldest first: {r}");
    let r = t.gql(Some(&cs), handoffs, json!({ "o": { "field": "CREATED_AT", "direction": "DESC" } })).await;
    let mut reversed = ids(&r);
    reversed.reverse();
    assert_eq!(reversed, oldest_first);
    let r = t.gql(Some(&cs), handoffs, json!({ "o": { "field": "SUBMITTED_AT" } })).await;
    assert_eq!(ids(&r).len(), oldest_first.len(), "{r}");
    let r = t.gql(Some(&cs), handoffs, json!({ "f": { "submittedAfter": "2999-01-01T00:00:00Z" } })).await;
    assert_eq!(r["data"]["customerSuccessView"]["incomingHandoffs"]["totalCount"], 0, "{r}");
    let r = t
        .gql(
            Some(&cs),
            handoffs,
            json!({ "f": { "createdAfter": "2030-01-02T00:00:00Z", "createdBefore": "2030-01-01T00:00:00Z" } }),
        )
        .await;
    assert_eq!(
        (code(&r), r["errors"][0]["extensions"]["field"].as_str()),
        ("BAD_USER_INPUT", Some("filter.createdBefore")),
        "{r}"
    );
});

const REQUESTS: &str = "query($f: FeatureRequestFilter, $o: FeatureRequestOrder, $first: Int, $after: String, $last: Int, $before: String) {
    productView { featureRequests(filter: $f, orderBy: $o, first: $first, after: $after, last: $last, before: $before) {
        totalCount
        edges { cursor node { id title status } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }";

fn titles(r: &Value) -> Vec<String> {
    r["productView"]["featureRequests"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["title"].as_str().unwrap().to_owned())
        .collect()
}

both!(feature_requests_filter_by_status_and_title_and_sort_by_any_field_with_exact_cursors, |engine| async move {
    let t = spawn_app(engine).await;
    let d = baton_tests::flow::converted(&t).await;
    let product = t.login("product@demo.test").await;
    let file =
        "mutation($t: String!, $a: ID!) { fileFeatureRequest(input: { title: $t, accountId: $a }) { requestId } }";
    let mut ids = Vec::new();
    for title in ["Offline mode", "SSO", "Audit export", "Bulk edit"] {
        let r = ok(&t, &d.ae, file, json!({ "t": title, "a": d.account })).await;
        ids.push(r["fileFeatureRequest"]["requestId"].as_str().unwrap().to_owned());
    }
    ok(
        &t,
        &product,
        "mutation($r: ID!) { setFeatureRequestStatus(requestId: $r, status: PLANNED) }",
        json!({ "r": ids[1] }),
    )
    .await;

    let r = ok(&t, &product, REQUESTS, json!({ "f": { "statuses": ["PLANNED"] } })).await;
    assert_eq!((titles(&r), &r["productView"]["featureRequests"]["totalCount"]), (vec!["SSO".to_owned()], &json!(1)));
    let r = ok(&t, &product, REQUESTS, json!({ "f": { "text": "OFFLINE" } })).await;
    assert_eq!(titles(&r), ["Offline mode"], "any case");
    let r = ok(&t, &product, REQUESTS, json!({ "f": { "statuses": ["NEW"] } })).await;
    assert_eq!(r["productView"]["featureRequests"]["totalCount"], 3, "the count is the filter's");
    assert_eq!(titles(&r).len(), 3, "ranked, filtered");

    // By title, two at a time: the cursor is one exact place.
    let by_title = json!({ "field": "TITLE", "direction": "ASC" });
    let r = ok(&t, &product, REQUESTS, json!({ "o": by_title, "first": 2 })).await;
    assert_eq!(titles(&r), ["Audit export", "Bulk edit"]);
    let info = &r["productView"]["featureRequests"]["pageInfo"];
    assert_eq!(info["hasNextPage"], true);
    let after = info["endCursor"].clone();
    let r = ok(&t, &product, REQUESTS, json!({ "o": by_title, "first": 2, "after": after })).await;
    assert_eq!(titles(&r), ["Offline mode", "SSO"]);
    let info = &r["productView"]["featureRequests"]["pageInfo"];
    assert_eq!((&info["hasNextPage"], &info["hasPreviousPage"]), (&json!(false), &json!(true)), "{info}");
    // And back: the last two, then the two before them.
    let r = ok(&t, &product, REQUESTS, json!({ "o": by_title, "last": 2 })).await;
    assert_eq!(titles(&r), ["Offline mode", "SSO"]);
    let info = &r["productView"]["featureRequests"]["pageInfo"];
    assert_eq!(info["hasPreviousPage"], true, "{info}");
    let before = info["startCursor"].clone();
    let r = ok(&t, &product, REQUESTS, json!({ "o": by_title, "last": 2, "before": before })).await;
    assert_eq!(titles(&r), ["Audit export", "Bulk edit"], "the page before, in the list's order");
    let info = &r["productView"]["featureRequests"]["pageInfo"];
    assert_eq!((&info["hasPreviousPage"], &info["hasNextPage"]), (&json!(false), &json!(true)), "{info}");
    // A cursor that no longer meets the filter still marks its place in the order.
    let r =
        ok(&t, &product, REQUESTS, json!({ "o": by_title, "f": { "statuses": ["PLANNED"] }, "after": after })).await;
    assert_eq!(titles(&r), ["SSO"]);
    let r = ok(&t, &product, REQUESTS, json!({ "o": { "field": "CREATED_AT", "direction": "ASC" } })).await;
    assert_eq!(titles(&r), ["Offline mode", "SSO", "Audit export", "Bulk edit"], "the filing order");
    let r = ok(&t, &product, REQUESTS, json!({ "o": { "field": "CREATED_AT" } })).await;
    assert_eq!(titles(&r), ["Bulk edit", "Audit export", "SSO", "Offline mode"], "newest first by default");

    // Bad conditions are refused, naming them.
    for (f, field) in [
        (
            json!({ "createdAfter": "2030-01-02T00:00:00Z", "createdBefore": "2030-01-01T00:00:00Z" }),
            "filter.createdBefore",
        ),
        (json!({ "text": "x".repeat(201) }), "filter.text"),
    ] {
        let r = t.gql(Some(&product), REQUESTS, json!({ "f": f })).await;
        assert_eq!((code(&r), r["errors"][0]["extensions"]["field"].as_str()), ("BAD_USER_INPUT", Some(field)), "{r}");
    }
    let r = t.gql(Some(&d.ae), REQUESTS, json!({ "f": { "statuses": ["NEW"] } })).await;
    assert_eq!(code(&r), "FORBIDDEN", "the ranking is product's");
    t.stop().await;
});

/// The `totalCount` of the SDR's, the sales manager's and the admin's leads and of the pool
/// under `filter` (and of `leads(status: NEW)`), each beside the same list bounded by a
/// creation time every lead is after, which is counted row by row: the two must agree.
async fn counts_agree(t: &TestApp, callers: &[&str], filters: &[Value], when: &str) {
    const COUNTS: &str = "query($f: LeadFilter) { salesView {
        leads(filter: $f) { totalCount } newLeads: leads(status: NEW, filter: $f) { totalCount }
        leadPool(filter: $f) { totalCount } } }";
    for caller in callers {
        for f in filters {
            let mut bounded = f.clone();
            bounded["createdAfter"] = json!("2000-01-01T00:00:00Z");
            let tallied = ok(t, caller, COUNTS, json!({ "f": f })).await;
            let counted = ok(t, caller, COUNTS, json!({ "f": bounded })).await;
            assert_eq!(tallied, counted, "{when}: filter {f}");
        }
    }
}

both!(lead_list_counts_agree_with_the_rows_through_every_change, |engine| async move {
    let t = spawn_app(engine).await;
    let sdr = t.login("sdr@demo.test").await;
    let manager = t.login("salesmanager@demo.test").await;
    let admin = t.login("admin@demo.test").await;
    let sdr_id = t.user_id(&sdr, "sdr@demo.test").await;
    let team = ok(&t, &sdr, "{ me { team { id } } }", json!({})).await["me"]["team"]["id"].clone();
    for (i, source) in ["SEO", "EVENT", "SEO", "REFERRAL", "EVENT", "SEO"].iter().enumerate() {
        let input = json!({ "companyName": format!("Tally {i}"), "contactName": "Ann Buyer", "source": source });
        ok(&t, &sdr, CREATE, json!({ "i": input })).await;
    }
    let filters = [
        json!({}),
        json!({ "statuses": ["NEW"] }),
        json!({ "sources": ["SEO", "EVENT"] }),
        json!({ "statuses": ["NEW", "CONTACTED"], "sources": ["SEO"] }),
        json!({ "statuses": ["CONVERTED", "DISQUALIFIED"] }),
        json!({ "ownerId": sdr_id }),
        json!({ "teamId": team }),
        json!({ "teamId": team, "statuses": ["CONTACTED"], "sources": ["EVENT", "REFERRAL"] }),
    ];
    let callers = [sdr.as_str(), manager.as_str(), admin.as_str()];
    counts_agree(&t, &callers, &filters, "after the creates").await;
    let r = ok(&t, &sdr, LEADS, json!({ "f": { "sources": ["SEO"] } })).await;
    let own_seo = "leads WHERE source = 'SEO' AND owner_id = (SELECT id FROM users WHERE email = 'sdr@demo.test')";
    assert_eq!(r["salesView"]["leads"]["totalCount"], t.count(own_seo).await, "{r}");

    // Status, source and owner changed by any statement, also one that bypasses the API, and
    // a lead handed back to the pool: the counts follow in the same transaction.
    t.exec("UPDATE leads SET status = 'CONTACTED' WHERE company_name IN ('Tally 0', 'Tally 1')").await;
    t.exec("UPDATE leads SET source = 'EVENT' WHERE company_name = 'Tally 2'").await;
    t.exec("UPDATE leads SET owner_id = NULL WHERE company_name = 'Tally 3'").await;
    t.exec("UPDATE leads SET owner_id = (SELECT id FROM users WHERE email = 'ae@demo.test') WHERE company_name = 'Tally 4'").await;
    t.exec("UPDATE leads SET status = 'DISQUALIFIED' WHERE company_name = 'Tally 5'").await;
    t.exec("UPDATE leads SET company_name = 'Tally Five' WHERE company_name = 'Tally 5'").await;
    counts_agree(&t, &callers, &filters, "after the updates").await;
    let pool = ok(&t, &sdr, "{ salesView { leadPool { totalCount } } }", json!({})).await;
    let pooled = "leads WHERE owner_id IS NULL AND status IN ('NEW', 'CONTACTED', 'QUALIFIED')";
    assert_eq!(pool["salesView"]["leadPool"]["totalCount"], t.count(pooled).await, "{pool}");
    assert!(t.count("leads WHERE company_name = 'Tally 3' AND owner_id IS NULL").await == 1);

    // Folding makes one row of each group and changes no count; a second fold has nothing to do.
    let summed = "SELECT CAST(SUM(n) AS BIGINT) AS n FROM lead_counts";
    assert_eq!(t.scalar(summed).await, t.count("leads").await);
    let rows = t.count("lead_counts").await;
    t.app().fold_daily_counts().await.unwrap();
    let folded = t.count("lead_counts").await;
    assert!(folded < rows, "the fold made one row of each group's deltas ({rows} -> {folded})");
    t.app().fold_daily_counts().await.unwrap();
    assert_eq!(t.count("lead_counts").await, folded);
    assert_eq!(t.scalar(summed).await, t.count("leads").await);
    let groups = "(SELECT DISTINCT organization_id, owner_id, status, source FROM leads) g";
    assert_eq!(folded, t.count(groups).await, "one row per (owner, status, source) that has leads");
    counts_agree(&t, &callers, &filters, "after the fold").await;
});
