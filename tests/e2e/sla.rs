//! SLA clocks end to end with a controllable clock: started by the states they watch, tasks for
//! their owners, warnings, breaches reported to managers, and stopped when the work is done.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::flow::*;
use baton_tests::*;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

fn at(v: &serde_json::Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap().with_timezone(&Utc)
}

both!(a_new_lead_runs_a_first_contact_clock_that_warns_breaches_and_stops, |engine| async move {
    let t = spawn_app(engine).await;
    let d = people(&t).await;
    let r = ok(&t, &d.sdr, "mutation { createLead(input: { companyName: \"Slow Co\", contactName: \"S\", source: SEO }) { id slaClocks { kind warnAt dueAt } } }", json!({})).await;
    let lead = r["createLead"]["id"].as_str().unwrap().to_owned();
    let clock = &r["createLead"]["slaClocks"][0];
    assert_eq!(clock["kind"], "FIRST_CONTACT");
    let (warn, due) = (at(&clock["warnAt"]), at(&clock["dueAt"]));
    assert!(warn < due);
    let tasks = ok(&t, &d.sdr, "{ salesView { tasks { title fromSla entityId } } }", json!({})).await;
    assert_eq!(tasks["salesView"]["tasks"], json!([{ "title": "Contact Slow Co", "fromSla": true, "entityId": lead }]));

    // Before the warning nothing happens; then the owner is warned once; after the deadline the
    // breach goes to the owner's manager, once.
    assert_eq!(t.app().check_clocks(warn - Duration::seconds(1)).await.unwrap(), (0, 0));
    assert_eq!(t.app().check_clocks(warn + Duration::seconds(1)).await.unwrap(), (1, 0));
    assert_eq!(t.app().check_clocks(warn + Duration::seconds(2)).await.unwrap(), (0, 0));
    let n = ok(&t, &d.sdr, "{ notifications { title } }", json!({})).await;
    assert!(n["notifications"][0]["title"].as_str().unwrap().starts_with("SLA due soon"));
    assert_eq!(t.app().check_clocks(due + Duration::seconds(1)).await.unwrap(), (0, 1));
    assert_eq!(t.app().check_clocks(due + Duration::hours(5)).await.unwrap(), (0, 0), "a breach is recorded once");
    let n =
        ok(&t, &d.manager, "{ notifications { title } salesView { slaBreaches { kind owner { email } } } }", json!({}))
            .await;
    assert!(n["notifications"][0]["title"].as_str().unwrap().starts_with("SLA breached"));
    assert_eq!(
        n["salesView"]["slaBreaches"],
        json!([{ "kind": "FIRST_CONTACT", "owner": { "email": "sdr@demo.test" } }])
    );
    let other = ok(&t, &d.ae, "{ salesView { slaBreaches { kind } } }", json!({})).await;
    assert_eq!(other["salesView"]["slaBreaches"], json!([]), "the AE sees only its own breaches");

    // A second lead contacted in time: its clock stops and its task completes itself.
    let r = ok(
        &t,
        &d.sdr,
        "mutation { createLead(input: { companyName: \"Fast Co\", contactName: \"F\", source: SEO }) { id } }",
        json!({}),
    )
    .await;
    let fast = r["createLead"]["id"].as_str().unwrap().to_owned();
    ok(&t, &d.sdr, "mutation($id: ID!) { recordLeadContact(leadId: $id) { status } }", json!({ "id": fast })).await;
    let r = ok(
        &t,
        &d.sdr,
        "query($id: ID!) { lead(id: $id) { slaClocks { stoppedAt breachedAt } } }",
        json!({ "id": fast }),
    )
    .await;
    assert!(r["lead"]["slaClocks"][0]["stoppedAt"].is_string());
    assert_eq!(t.app().check_clocks(due + Duration::days(30)).await.unwrap(), (0, 0), "a stopped clock never breaches");
    let tasks = ok(&t, &d.sdr, "{ salesView { tasks { title } } }", json!({})).await;
    assert_eq!(tasks["salesView"]["tasks"], json!([{ "title": "Contact Slow Co" }]));
    t.stop().await;
});

both!(conversion_and_legal_review_start_the_next_clocks_and_the_work_stops_them, |engine| async move {
    let t = spawn_app(engine).await;
    let d = converted(&t).await;
    let q = "query($id: ID!) { opportunity(id: $id) { slaClocks { kind stoppedAt } } }";
    let r = ok(&t, &d.ae, q, json!({ "id": d.opportunity })).await;
    let kinds: Vec<&str> =
        r["opportunity"]["slaClocks"].as_array().unwrap().iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["NEEDS_ANALYSIS", "DEMO"]);
    let tasks = ok(&t, &d.ae, "{ salesView { tasks { title } } }", json!({})).await;
    assert_eq!(tasks["salesView"]["tasks"].as_array().unwrap().len(), 2);
    let d = submitted_from(&t, quoted_from(&t, d).await).await;
    let r = ok(&t, &d.ae, q, json!({ "id": d.opportunity })).await;
    assert!(
        r["opportunity"]["slaClocks"].as_array().unwrap().iter().all(|c| c["stoppedAt"].is_string()),
        "needs analysis and demo are done: {r}"
    );
    // Legal's review clock gives every lawyer a task about the contract, like any clock.
    let tasks = ok(&t, &d.legal, "{ legalView { tasks { title dueAt } } }", json!({})).await;
    assert_eq!(tasks["legalView"]["tasks"].as_array().unwrap().len(), 1, "{tasks}");
    // It warns legal before it breaches, naming the contract.
    let clock = {
        use baton_app::entity::sla_clock;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        sla_clock::Entity::find()
            .filter(sla_clock::Column::Kind.eq("LEGAL_REVIEW"))
            .one(&t.app().db)
            .await
            .unwrap()
            .unwrap()
    };
    assert_eq!(t.app().check_clocks(clock.warn_at).await.unwrap(), (1, 0));
    let n = ok(&t, &d.legal, "{ notifications { title body } }", json!({})).await;
    assert_eq!(n["notifications"][0]["title"], "SLA due soon: LEGAL_REVIEW", "{n}");
    assert!(
        n["notifications"][0]["body"].as_str().unwrap().contains(&d.contract),
        "the warning names the contract: {n}"
    );
    // The legal review clock breaches to every lawyer when legal is late, naming the contract.
    assert_eq!(t.app().check_clocks(Utc::now() + Duration::days(30)).await.unwrap(), (0, 1));
    let n = ok(&t, &d.legal, "{ notifications { title body } }", json!({})).await;
    assert_eq!(n["notifications"][0]["title"], "SLA breached: LEGAL_REVIEW");
    assert!(
        n["notifications"][0]["body"].as_str().unwrap().contains(&d.contract),
        "the notice names the contract: {n}"
    );
    t.stop().await;
});

both!(tasks_are_created_snoozed_completed_and_reassigned_within_the_team, |engine| async move {
    let t = spawn_app(engine).await;
    let d = people(&t).await;
    let due = (Utc::now() + Duration::days(2)).to_rfc3339();
    let create = "mutation($t: String!, $d: DateTime!, $o: ID) { createTask(title: $t, dueAt: $d, ownerId: $o) { id owner { email } } }";
    let mine = ok(&t, &d.sdr, create, json!({ "t": "Call back Ann", "d": due })).await["createTask"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        code(&t.gql(Some(&d.sdr), create, json!({ "t": "x", "d": due, "o": d.ae_id })).await),
        "FORBIDDEN",
        "a rep cannot give tasks to others"
    );
    let r = ok(&t, &d.manager, create, json!({ "t": "Prepare QBR deck", "d": due, "o": d.ae_id })).await;
    assert_eq!(r["createTask"]["owner"]["email"], "ae@demo.test");
    let snooze = "mutation($id: ID!, $u: DateTime!) { snoozeTask(taskId: $id, until: $u) { dueAt snoozedUntil } }";
    assert_eq!(
        t.gql(Some(&d.sdr), snooze, json!({ "id": mine, "u": "2020-01-01T00:00:00Z" })).await["errors"][0]["extensions"]
            ["field"],
        "until"
    );
    let later = (Utc::now() + Duration::days(5)).to_rfc3339();
    ok(&t, &d.sdr, snooze, json!({ "id": mine, "u": later })).await;
    let soon = (Utc::now() + Duration::days(3)).to_rfc3339();
    let r =
        ok(&t, &d.sdr, "query($b: DateTime) { salesView { tasks(dueBefore: $b) { title } } }", json!({ "b": soon }))
            .await;
    assert_eq!(r["salesView"]["tasks"], json!([]), "the snoozed task is due later now");
    assert_eq!(
        code(
            &t.gql(Some(&d.ae), "mutation($id: ID!) { completeTask(taskId: $id) { status } }", json!({ "id": mine }))
                .await
        ),
        "NOT_FOUND"
    );
    let r = ok(
        &t,
        &d.manager,
        "mutation($id: ID!, $o: ID!) { reassignTask(taskId: $id, ownerId: $o) { owner { email } } }",
        json!({ "id": mine, "o": d.ae_id }),
    )
    .await;
    assert_eq!(r["reassignTask"]["owner"]["email"], "ae@demo.test");
    let r = ok(&t, &d.ae, "mutation($id: ID!) { completeTask(taskId: $id) { status } }", json!({ "id": mine })).await;
    assert_eq!(r["completeTask"]["status"], "DONE");
    let again =
        t.gql(Some(&d.ae), "mutation($id: ID!) { completeTask(taskId: $id) { status } }", json!({ "id": mine })).await;
    assert_eq!(again["errors"][0]["extensions"]["rule"], "INVALID_TRANSITION");
    t.stop().await;
});

both!(the_business_hours_calendar_is_configured_per_organization, |engine| async move {
    let t = spawn_app(engine).await;
    let admin = t.login("admin@demo.test").await;
    let upd =
        "mutation($i: OrgSettingsInput!) { updateOrgSettings(input: $i) { timeZone workDays firstContactSlaHours } }";
    for (field, input) in [
        ("timeZone", json!({ "timeZone": "Mars/Olympus" })),
        ("workDays", json!({ "workDays": "FUNDAY" })),
        ("workStart", json!({ "workStart": "9am" })),
    ] {
        assert_eq!(t.gql(Some(&admin), upd, json!({ "i": input })).await["errors"][0]["extensions"]["field"], field);
    }
    // Two working hours a day: four of them always take two working days, so a clock that
    // ignored the calendar (or its hours, days or zone) lands somewhere else.
    let i = json!({ "timeZone": "Asia/Shanghai", "workDays": "MON,TUE,WED,THU,FRI,SAT", "workStart": "09:00", "workEnd": "11:00", "firstContactSlaHours": 4 });
    let r = ok(&t, &admin, upd, json!({ "i": i })).await;
    assert_eq!(
        r["updateOrgSettings"],
        json!({ "timeZone": "Asia/Shanghai", "workDays": "MON,TUE,WED,THU,FRI,SAT", "firstContactSlaHours": 4 })
    );
    let sdr = t.login("sdr@demo.test").await;
    let r = ok(&t, &sdr, "mutation { createLead(input: { companyName: \"Shanghai Co\", contactName: \"S\", source: EVENT }) { slaClocks { startedAt dueAt } } }", json!({})).await;
    let c = &r["createLead"]["slaClocks"][0];
    let (started, due) = (at(&c["startedAt"]), at(&c["dueAt"]));
    let calendar = baton_domain::sla::Calendar {
        tz: chrono_tz::Asia::Shanghai,
        work_days: [true, true, true, true, true, true, false],
        start: chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        end: chrono::NaiveTime::from_hms_opt(11, 0, 0).unwrap(),
        holidays: vec![],
    };
    let expected = calendar.add(started, Duration::hours(4));
    assert!(
        (due - expected).num_milliseconds().abs() < 1000,
        "due {due}, four working hours from {started} end {expected}: {c}"
    );
    assert!(due - started >= Duration::hours(22), "four working hours span two working days: {c}");
    let local = due.with_timezone(&chrono_tz::Asia::Shanghai);
    assert!(local.time() > calendar.start && local.time() <= calendar.end, "due inside working hours: {local}");
    assert_ne!(local.format("%a").to_string(), "Sun", "never due on a day off: {local}");
    t.stop().await;
});

both!(the_first_payment_is_watched_until_the_invoice_is_paid, |engine| async move {
    let t = spawn_app(engine).await;
    let (d, _) = signed(&t).await;
    let tasks = ok(&t, &d.ae, "{ salesView { tasks { title dueAt } } }", json!({})).await;
    assert!(
        tasks["salesView"]["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["title"].as_str().unwrap().starts_with("Follow up the first payment")),
        "{tasks}"
    );
    ok(&t, &d.finance, PAY, json!({ "i": d.invoices[0], "a": "4503.00", "k": "fp" })).await;
    let tasks = ok(&t, &d.ae, "{ salesView { tasks { title } } }", json!({})).await;
    assert!(
        !tasks["salesView"]["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["title"].as_str().unwrap().starts_with("Follow up the first payment")),
        "paid: the task completed itself"
    );
    assert_eq!(
        t.app().check_clocks(Utc::now() + Duration::days(60)).await.unwrap().1,
        0,
        "a paid first invoice never breaches"
    );
    t.stop().await;
});

both!(tasks_and_clocks_link_to_their_subject_as_typed_objects, |engine| async move {
    let t = spawn_app(engine).await;
    let d = submitted(&t).await;
    // The legal reviewer's task is about the contract under review.
    let r = t
        .gql(
            Some(&d.legal),
            "{ legalView { tasks { entityId subject { __typename id ... on Contract { status } } } } }",
            json!({}),
        )
        .await;
    let tasks = r["data"]["legalView"]["tasks"].as_array().unwrap_or_else(|| panic!("{r}")).clone();
    let review = tasks.iter().find(|x| x["entityId"] == d.contract.as_str()).unwrap_or_else(|| panic!("{r}"));
    assert_eq!(review["subject"]["__typename"], "Contract", "{r}");
    assert_eq!(review["subject"]["id"], d.contract.as_str());
    assert_eq!(review["subject"]["status"], "IN_LEGAL_REVIEW");

    // A subject the caller may not read is null, with no error: another SDR's lead.
    let input = json!({ "companyName": "Subject Test", "contactName": "Sue Subject", "source": "SEO" });
    let lead = ok(&t, &d.sdr, "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }", json!({ "i": input }))
        .await["createLead"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mine = "{ salesView { tasks { entityId subject { __typename id } } } }";
    let r = t.gql(Some(&d.sdr), mine, json!({})).await;
    let tasks = r["data"]["salesView"]["tasks"].as_array().unwrap_or_else(|| panic!("{r}")).clone();
    let first_contact = tasks.iter().find(|x| x["entityId"] == lead.as_str()).unwrap_or_else(|| panic!("{r}"));
    assert_eq!(first_contact["subject"], json!({ "__typename": "Lead", "id": lead }), "{r}");
    t.exec("UPDATE leads SET owner_id = (SELECT id FROM users WHERE email = 'ae@demo.test') WHERE company_name = 'Subject Test'")
        .await;
    let r = t.gql(Some(&d.sdr), mine, json!({})).await;
    assert!(r["errors"].is_null(), "{r}");
    let tasks = r["data"]["salesView"]["tasks"].as_array().unwrap().clone();
    let first_contact = tasks.iter().find(|x| x["entityId"] == lead.as_str()).unwrap_or_else(|| panic!("{r}"));
    assert!(first_contact["subject"].is_null(), "the lead is no longer the SDR's: {r}");
});

both!(instants_are_answered_in_utc_with_milliseconds_whatever_offset_they_were_sent_with, |engine| async move {
    let t = spawn_app(engine).await;
    let d = people(&t).await;
    let create = "mutation($d: DateTime!) { createTask(title: \"Send the deck\", dueAt: $d) { id dueAt createdAt } }";
    let r = ok(&t, &d.sdr, create, json!({ "d": "2030-06-01T12:30:00.123456+02:00" })).await;
    assert_eq!(r["createTask"]["dueAt"], "2030-06-01T10:30:00.123Z", "the same instant, in UTC, to the millisecond");
    let created = r["createTask"]["createdAt"].as_str().unwrap();
    let b = created.as_bytes();
    assert!(
        b.len() == 24
            && b[10] == b'T'
            && b[19] == b'.'
            && created.ends_with('Z')
            && b[20..23].iter().all(u8::is_ascii_digit),
        "YYYY-MM-DDTHH:MM:SS.mmmZ: {created}"
    );
    // An instant the server wrote itself reads back the same way over every path.
    let lead = ok(&t, &d.sdr, "mutation { createLead(input: { companyName: \"Clock Co\", contactName: \"C\", source: SEO }) { id createdAt slaClocks { dueAt } } }", json!({})).await;
    for v in [&lead["createLead"]["createdAt"], &lead["createLead"]["slaClocks"][0]["dueAt"]] {
        let s = v.as_str().unwrap();
        assert!(s.len() == 24 && s.ends_with('Z'), "{s}");
        assert_eq!(at(v).to_rfc3339_opts(chrono::SecondsFormat::Millis, true), s);
    }

    // Not an instant: the request is refused naming the value, and nothing is written.
    let tasks = t.count("tasks").await;
    for bad in ["next tuesday", "2030-06-01", "2030-06-01 10:30", "2030-06-01T10:30:00"] {
        let r = t.gql(Some(&d.sdr), create, json!({ "d": bad })).await;
        assert_eq!(code(&r), "BAD_USER_INPUT", "{bad}: {r}");
        assert!(r["data"].is_null() || r["data"]["createTask"].is_null(), "{bad}: {r}");
    }
    assert_eq!(t.count("tasks").await, tasks, "a refused instant writes nothing");
    t.stop().await;
});
