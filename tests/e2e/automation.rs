//! The lead pool, the trial cadence with its outbox, commission on collected cash, and quotas,
//! driven with a controllable clock.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use baton_tests::flow::*;
use baton_tests::*;
use chrono::{Duration, Utc};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const CONSENT: &str = "mutation($l: ID!, $p: ConsentPurpose!) { recordConsent(leadId: $l, purpose: $p, lawfulBasis: CONSENT, source: \"trial sign-up form\", noticeVersion: \"2026-01\") { id } }";

both!(idle_leads_return_to_the_pool_and_sdrs_claim_them_within_a_limit, |engine| async move {
    let t = spawn_app(engine).await;
    let d = people(&t).await;
    let mk = |name: &str| json!({ "i": { "companyName": name, "contactName": "C", "source": "SEO" } });
    let create = "mutation($i: CreateLeadInput!) { createLead(input: $i) { id } }";
    let idle1 = ok(&t, &d.sdr, create, mk("Idle One")).await["createLead"]["id"].as_str().unwrap().to_owned();
    let idle2 = ok(&t, &d.sdr, create, mk("Idle Two")).await["createLead"]["id"].as_str().unwrap().to_owned();
    assert_eq!(t.app().return_stale_leads(Utc::now() + Duration::days(2)).await.unwrap(), 0, "three days of grace");
    assert_eq!(t.app().return_stale_leads(Utc::now() + Duration::days(4)).await.unwrap(), 2);
    assert_eq!(t.app().return_stale_leads(Utc::now() + Duration::days(4)).await.unwrap(), 0, "once");
    let r = ok(
        &t,
        &d.sdr,
        "{ salesView { leadPool { totalCount edges { node { companyName owner { email } } } } } }",
        json!({}),
    )
    .await;
    assert_eq!(r["salesView"]["leadPool"]["totalCount"], 2);
    let r = ok(&t, &d.manager, "{ salesView { poolActivity { id action } } }", json!({})).await;
    let events = r["salesView"]["poolActivity"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_ne!(events[0]["id"], events[1]["id"], "each event has its own id");
    assert!(events[0]["id"].is_string());

    t.exec("UPDATE organizations SET pool_claim_limit = 1").await;
    let claim = "mutation($id: ID!) { claimLead(leadId: $id) { owner { email } } }";
    assert_eq!(
        code(&t.gql(Some(&d.ae), claim, json!({ "id": idle1 })).await),
        "FORBIDDEN",
        "AEs do not claim from the pool"
    );
    let blockers = "query($id: ID!) { blockers(entityId: $id, action: \"claimLead\") }";
    assert_eq!(ok(&t, &d.sdr, blockers, json!({ "id": idle1 })).await["blockers"], json!([]), "it may claim it now");
    let r = ok(&t, &d.sdr, claim, json!({ "id": idle1 })).await;
    assert_eq!(r["claimLead"]["owner"]["email"], "sdr@demo.test");
    let b = ok(&t, &d.sdr, blockers, json!({ "id": idle1 })).await;
    assert!(b["blockers"][0].as_str().unwrap_or_default().starts_with("LEAD_NOT_IN_POOL: "), "{b}");
    let b = ok(&t, &d.sdr, blockers, json!({ "id": idle2 })).await;
    assert!(
        b["blockers"][0].as_str().unwrap_or_default().starts_with("CLAIM_LIMIT_REACHED: "),
        "the day's one claim is used: {b}"
    );
    assert_eq!(
        t.gql(Some(&d.sdr), claim, json!({ "id": idle1 })).await["errors"][0]["extensions"]["rule"],
        "LEAD_NOT_IN_POOL"
    );
    let r = t.gql(Some(&d.sdr), claim, json!({ "id": idle2 })).await;
    assert_eq!(r["errors"][0]["extensions"]["rule"], "CLAIM_LIMIT_REACHED", "{r}");
    let r = ok(&t, &d.manager, "{ salesView { poolActivity { action } } }", json!({})).await;
    assert_eq!(r["salesView"]["poolActivity"][0]["action"], "claimLead");
    t.stop().await;
});

/// A sender that fails a given number of times, then succeeds; counts what it sent.
struct Flaky {
    fail: AtomicUsize,
    sent: AtomicUsize,
}

impl baton_app::marketing::automation::Sender for Flaky {
    fn send(&self, _: &str, _: &str, _: &str) -> Result<(), String> {
        if self.fail.load(Ordering::SeqCst) > 0 {
            self.fail.fetch_sub(1, Ordering::SeqCst);
            return Err("smtp unavailable".into());
        }
        self.sent.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

both!(the_trial_cadence_sends_day_1_3_and_7_messages_once_and_stops_on_conversion, |engine| async move {
    let t = spawn_app(engine).await;
    let d = people(&t).await;
    let lead = ok(&t, &d.sdr, "mutation { createLead(input: { companyName: \"Trial Co\", contactName: \"T\", contactEmail: \"t@trial.example\", source: SELF_SIGNUP }) { id } }", json!({})).await["createLead"]["id"].as_str().unwrap().to_owned();
    let lead_id = uuid::Uuid::parse_str(&lead).unwrap();
    let org = t
        .app()
        .lead(&baton_app::kernel::auth::authenticate(&t.app().db, &t.app().jwt, &d.sdr).await.unwrap(), lead_id)
        .await
        .unwrap()
        .unwrap()
        .organization_id;
    // Without a live marketing consent the cadence does not e-mail: the step waits.
    let now = Utc::now();
    assert_eq!(
        t.app().run_cadences(now + Duration::days(1) + Duration::minutes(1)).await.unwrap(),
        0,
        "CONSENT_REQUIRED: the step waits"
    );
    assert!(t.app().outbox_of(org, lead_id).await.unwrap().is_empty());
    ok(&t, &d.sdr, CONSENT, json!({ "l": lead, "p": "MARKETING_EMAIL" })).await;
    assert_eq!(t.app().run_cadences(now).await.unwrap(), 0, "day 1 has not come");
    assert_eq!(t.app().run_cadences(now + Duration::days(1) + Duration::minutes(1)).await.unwrap(), 1);
    assert_eq!(
        t.app().run_cadences(now + Duration::days(1) + Duration::minutes(2)).await.unwrap(),
        0,
        "each step once"
    );
    let outbox = t.app().outbox_of(org, lead_id).await.unwrap();
    assert_eq!(outbox.iter().map(|m| m.subject.as_str()).collect::<Vec<_>>(), ["Getting started with your trial"]);
    let tasks = ok(&t, &d.sdr, "{ salesView { tasks { title } } }", json!({})).await;
    assert!(
        tasks["salesView"]["tasks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["title"] == "Check the trial got started: Trial Co")
    );

    // Delivery: a failure is retried later, a success is final; nothing is sent twice.
    let flaky = Arc::new(Flaky { fail: AtomicUsize::new(1), sent: AtomicUsize::new(0) });
    let day1 = now + Duration::days(1) + Duration::minutes(1);
    assert_eq!(
        t.app().deliver_outbox(flaky.clone(), day1 - Duration::seconds(1)).await.unwrap(),
        (0, 0),
        "not before it was queued"
    );
    assert_eq!(t.app().deliver_outbox(flaky.clone(), day1).await.unwrap(), (0, 1));
    assert_eq!(t.app().deliver_outbox(flaky.clone(), day1).await.unwrap(), (0, 0), "backing off");
    assert_eq!(t.app().deliver_outbox(flaky.clone(), day1 + Duration::minutes(2)).await.unwrap(), (1, 0));
    assert_eq!(t.app().deliver_outbox(flaky.clone(), day1 + Duration::hours(1)).await.unwrap(), (0, 0));
    assert_eq!(flaky.sent.load(Ordering::SeqCst), 1);

    assert_eq!(t.app().run_cadences(now + Duration::days(3) + Duration::minutes(1)).await.unwrap(), 1);
    // Converting the lead stops the cadence before day 7.
    ok(&t, &d.sdr, "mutation($id: ID!) { recordLeadContact(leadId: $id) { status } }", json!({ "id": lead })).await;
    ok(&t, &d.sdr, "mutation($id: ID!) { qualifyLead(leadId: $id, input: { budgetConfirmed: true, authorityConfirmed: true, needConfirmed: true, timeline: WITHIN_3_MONTHS }) { status } }", json!({ "id": lead })).await;
    ok(&t, &d.sdr, "mutation($id: ID!, $ae: ID!) { convertLead(leadId: $id, input: { accountExecutiveId: $ae, opportunityName: \"Trial deal\", estimatedValue: { amount: \"3000\", currency: \"USD\" } }) { lead { status } } }", json!({ "id": lead, "ae": d.ae_id })).await;
    assert_eq!(t.app().run_cadences(now + Duration::days(8)).await.unwrap(), 0);
    assert_eq!(t.app().outbox_of(org, lead_id).await.unwrap().len(), 2, "day 1 and day 3 only");

    // A lead that opts out gets nothing.
    let other = ok(&t, &d.sdr, "mutation { createLead(input: { companyName: \"Quiet Co\", contactName: \"Q\", contactEmail: \"q@quiet.example\", source: SELF_SIGNUP }) { id } }", json!({})).await["createLead"]["id"].as_str().unwrap().to_owned();
    let stopped = ok(
        &t,
        &d.sdr,
        "mutation($id: ID!) { optOutOfCadence(leadId: $id) { id lead { id } cadence { id } stopReason stoppedAt } }",
        json!({ "id": other }),
    )
    .await;
    let stopped = &stopped["optOutOfCadence"];
    assert_eq!(stopped.as_array().map(Vec::len), Some(1), "the trial cadence stopped: {stopped}");
    assert_eq!(stopped[0]["lead"]["id"], other.as_str());
    assert_eq!(stopped[0]["cadence"], Value::Null, "the built-in trial cadence has no definition");
    assert_eq!(stopped[0]["stopReason"], "OPTED_OUT");
    assert!(stopped[0]["stoppedAt"].is_string());
    let again =
        ok(&t, &d.sdr, "mutation($id: ID!) { optOutOfCadence(leadId: $id) { id } }", json!({ "id": other })).await;
    assert_eq!(again["optOutOfCadence"], json!([]), "nothing is left running");
    assert_eq!(t.app().run_cadences(now + Duration::days(8)).await.unwrap(), 0);
    assert!(t.app().outbox_of(org, uuid::Uuid::parse_str(&other).unwrap()).await.unwrap().is_empty());
    t.stop().await;
});

both!(commission_follows_collected_cash_and_quotas_measure_signed_value, |engine| async move {
    let t = spawn_app(engine).await;
    let (d, _) = signed(&t).await;
    let from = (Utc::now() - Duration::days(1)).to_rfc3339();
    let to = (Utc::now() + Duration::days(1)).to_rfc3339();
    let statement = "query($f: DateTime!, $t: DateTime!, $u: ID) { salesView { commissionStatement(from: $f, to: $t, userId: $u) { total { amount } lines { component amount { amount } } } } }";
    let r = ok(&t, &d.ae, statement, json!({ "f": from, "t": to })).await;
    assert_eq!(
        r["salesView"]["commissionStatement"]["total"]["amount"], "0.00",
        "nothing is earned on a signature alone"
    );
    let paid = ok(&t, &d.finance, PAY, json!({ "i": d.invoices[0], "a": "4503.00", "k": "c1" })).await;
    let payment = paid["recordPayment"]["payments"][0]["id"].as_str().unwrap().to_owned();
    ok(&t, &d.finance, "mutation($p: ID!) { refundPayment(paymentId: $p, amount: { amount: \"1000\", currency: \"USD\" }, reason: \"credit\", idempotencyKey: \"r1\") { status } }", json!({ "p": payment })).await;
    let r = ok(&t, &d.ae, statement, json!({ "f": from, "t": to })).await;
    let s = &r["salesView"]["commissionStatement"];
    assert_eq!(
        s["lines"],
        json!([{ "component": "BASE", "amount": { "amount": "360.24" } }, { "component": "BASE", "amount": { "amount": "-80.00" } }])
    );
    assert_eq!(s["total"]["amount"], "280.24", "8 % of 4,503.00 less 8 % of the 1,000.00 refund");
    let sdr_id = t.user_id(&d.sdr, "sdr@demo.test").await;
    assert_eq!(
        code(&t.gql(Some(&d.ae), statement, json!({ "f": from, "t": to, "u": sdr_id })).await),
        "NOT_FOUND",
        "a rep sees only its own statement"
    );
    let r = ok(&t, &d.manager, statement, json!({ "f": from, "t": to, "u": d.ae_id })).await;
    assert_eq!(r["salesView"]["commissionStatement"]["total"]["amount"], "280.24", "the manager sees the team's");

    let set = "mutation($u: ID!, $s: NaiveDate!, $e: NaiveDate!) { setQuota(userId: $u, startsOn: $s, endsOn: $e, amount: { amount: \"36024\", currency: \"USD\" }) { id user { email } startsOn endsOn amount { amount currency } } }";
    let (start, end) = (
        (Utc::now() - Duration::days(10)).date_naive().to_string(),
        (Utc::now() + Duration::days(20)).date_naive().to_string(),
    );
    assert_eq!(code(&t.gql(Some(&d.sdr), set, json!({ "u": d.ae_id, "s": start, "e": end })).await), "FORBIDDEN");
    assert_eq!(
        t.gql(Some(&d.manager), set, json!({ "u": d.ae_id, "s": end, "e": start })).await["errors"][0]["extensions"]["field"],
        "endsOn"
    );
    let quota = ok(&t, &d.manager, set, json!({ "u": d.ae_id, "s": start, "e": end })).await["setQuota"].clone();
    assert!(quota["id"].is_string());
    assert_eq!(quota["user"]["email"], "ae@demo.test");
    assert_eq!((quota["startsOn"].as_str(), quota["endsOn"].as_str()), (Some(start.as_str()), Some(end.as_str())));
    assert_eq!(quota["amount"], json!({ "amount": "36024.00", "currency": "USD" }));
    let r = ok(
        &t,
        &d.manager,
        "{ salesView { quotaAttainment { user { email } quota { amount } signed { amount } attainment } } }",
        json!({}),
    )
    .await;
    assert_eq!(
        r["salesView"]["quotaAttainment"],
        json!([{ "user": { "email": "ae@demo.test" }, "quota": { "amount": "36024.00" }, "signed": { "amount": "18012.00" }, "attainment": "0.5000" }])
    );
    t.stop().await;
});

/// A minimal SMTP server on a loopback port: it records the commands it hears and the
/// messages it accepts (dot-stuffing undone, as RFC 5321 4.5.2 says), and answers RCPT with
/// 550 while `refuse` is set.
struct FakeSmtp {
    addr: String,
    messages: std::sync::mpsc::Receiver<String>,
    commands: Arc<std::sync::Mutex<Vec<String>>>,
    refuse: Arc<std::sync::atomic::AtomicBool>,
}

fn fake_smtp() -> FakeSmtp {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let (tx, messages) = std::sync::mpsc::channel();
    let commands = Arc::new(std::sync::Mutex::new(Vec::new()));
    let refuse = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (heard, refusing) = (commands.clone(), refuse.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut w = stream.try_clone().unwrap();
            let mut r = BufReader::new(stream);
            w.write_all(b"220 fake ESMTP\r\n").unwrap();
            let (mut data, mut in_data) = (String::new(), false);
            loop {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                if in_data {
                    if line == ".\r\n" {
                        in_data = false;
                        tx.send(std::mem::take(&mut data)).unwrap();
                        w.write_all(b"250 queued\r\n").unwrap();
                    } else {
                        data.push_str(line.strip_prefix('.').unwrap_or(&line));
                    }
                    continue;
                }
                heard.lock().unwrap().push(line.trim_end().to_owned());
                let reply: &[u8] = match line.get(..4).unwrap_or("") {
                    "EHLO" => b"250-fake\r\n250 8BITMIME\r\n",
                    "RCPT" if refusing.load(Ordering::SeqCst) => b"550 5.1.1 no such mailbox\r\n",
                    "DATA" => {
                        in_data = true;
                        b"354 go ahead\r\n"
                    }
                    "QUIT" => b"221 bye\r\n",
                    _ => b"250 ok\r\n",
                };
                w.write_all(reply).unwrap();
                if reply.starts_with(b"221") {
                    break;
                }
            }
        }
    });
    FakeSmtp { addr, messages, commands, refuse }
}

/// The sender `baton serve` builds from these settings.
fn configured_sender(settings: baton_server::config::Settings) -> Arc<dyn baton_app::marketing::automation::Sender> {
    baton_server::jobs::sender(&settings.finish().unwrap())
}

/// A lead on the trial cadence whose day-1 e-mail is queued; returns when it is due.
async fn queued_trial_e_mail(t: &TestApp, d: &Deal, company: &str, email: &str) -> chrono::DateTime<Utc> {
    let create = "mutation($c: String!, $e: String!) { createLead(input: { companyName: $c, contactName: \"M\", contactEmail: $e, source: SELF_SIGNUP }) { id } }";
    let lead = ok(t, &d.sdr, create, json!({ "c": company, "e": email })).await["createLead"]["id"].clone();
    ok(t, &d.sdr, CONSENT, json!({ "l": lead, "p": "MARKETING_EMAIL" })).await;
    let day1 = Utc::now() + Duration::days(1) + Duration::minutes(1);
    assert_eq!(t.app().run_cadences(day1).await.unwrap(), 1);
    day1
}

both!(outbox_e_mail_is_delivered_over_smtp_when_a_relay_is_configured, |engine| async move {
    let t = spawn_app(engine).await;
    let d = people(&t).await;
    let day1 = queued_trial_e_mail(&t, &d, "Mail Co", "m@mail.example").await;
    let relay = fake_smtp();
    // BATON_SMTP_ADDR, plain SMTP; a host name is accepted as well as an address.
    let smtp = configured_sender(baton_server::config::Settings {
        smtp_addr: Some(relay.addr.replace("127.0.0.1", "localhost")),
        smtp_from: Some("sales@demo.test".into()),
        ..Default::default()
    });
    assert_eq!(t.app().deliver_outbox(smtp.clone(), day1).await.unwrap(), (1, 0));
    let message = relay.messages.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
    assert!(message.contains("To: m@mail.example"), "{message}");
    assert!(message.contains("From: sales@demo.test"), "{message}");
    assert!(message.contains("Subject: Getting started with your trial"), "{message}");
    assert!(message.contains("Here is the usage guide to get your team going."), "{message}");
    assert!(relay.commands.lock().unwrap().iter().any(|c| c == "RCPT TO:<m@mail.example>"));
    assert_eq!(
        t.app().deliver_outbox(smtp.clone(), day1 + Duration::hours(1)).await.unwrap(),
        (0, 0),
        "never sent twice"
    );

    // BATON_SMTP_URL takes precedence over BATON_SMTP_ADDR.
    let by_url = configured_sender(baton_server::config::Settings {
        smtp_url: Some(format!("smtp://{}", relay.addr)),
        smtp_addr: Some("127.0.0.1:1".into()),
        ..Default::default()
    });
    // A body line that is a lone dot (or starts with one) is stuffed on the wire and arrives
    // intact: the message is not cut short.
    let body = "First line\n.\n.hidden\n..two dots\nLast line";
    by_url.send("n@mail.example", "Dots", body).unwrap();
    let message = relay.messages.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
    let (headers, received) = message.split_once("\r\n\r\n").unwrap();
    assert!(headers.contains("From: baton@localhost"), "{headers}");
    assert_eq!(received.trim_end(), body.replace('\n', "\r\n"), "{message}");

    // A header with a line break is refused before anything is sent.
    let before = relay.commands.lock().unwrap().len();
    let e = by_url.send("n@mail.example", "Hi\r\nBcc: everyone@elsewhere.example", "x").unwrap_err();
    assert!(e.contains("line break"), "{e}");
    assert!(by_url.send("n@mail.example\r\nRCPT TO:<x@elsewhere.example>", "Hi", "x").is_err());
    assert_eq!(relay.commands.lock().unwrap().len(), before, "no connection was made");

    // STARTTLS required: a relay that does not offer it gets neither credentials nor mail.
    let tls = configured_sender(baton_server::config::Settings {
        smtp_url: Some(format!("smtp://user:secret@{}?tls=required", relay.addr)),
        ..Default::default()
    });
    let e = tls.send("n@mail.example", "Hi", "x").unwrap_err();
    assert!(!e.contains("secret"), "{e}");
    let heard = relay.commands.lock().unwrap().clone();
    assert!(heard[before..].iter().all(|c| !c.starts_with("AUTH") && !c.starts_with("MAIL")), "{heard:?}");
    assert!(relay.messages.try_recv().is_err());
    t.stop().await;
});

both!(a_relay_that_refuses_the_recipient_records_a_failed_attempt_retried_with_backoff, |engine| async move {
    let t = spawn_app(engine).await;
    let d = people(&t).await;
    let day1 = queued_trial_e_mail(&t, &d, "Refused Co", "r@refused.example").await;
    let relay = fake_smtp();
    relay.refuse.store(true, Ordering::SeqCst);
    let smtp = configured_sender(baton_server::config::Settings {
        smtp_url: Some(format!("smtp://{}", relay.addr)),
        ..Default::default()
    });
    assert_eq!(t.app().deliver_outbox(smtp.clone(), day1).await.unwrap(), (0, 1), "one failed attempt");
    assert_eq!(
        t.count("outbox_emails WHERE status = 'PENDING' AND attempts = 1 AND last_error LIKE '%550%'").await,
        1,
        "the attempt is counted and the relay's answer kept"
    );
    assert!(relay.commands.lock().unwrap().iter().all(|c| c != "DATA"), "nothing was sent");
    // The first retry waits a minute.
    assert_eq!(t.app().deliver_outbox(smtp.clone(), day1 + Duration::seconds(30)).await.unwrap(), (0, 0));
    assert_eq!(relay.commands.lock().unwrap().iter().filter(|c| c.starts_with("RCPT")).count(), 1);
    relay.refuse.store(false, Ordering::SeqCst);
    assert_eq!(t.app().deliver_outbox(smtp.clone(), day1 + Duration::minutes(1)).await.unwrap(), (1, 0));
    let message = relay.messages.recv_timeout(std::time::Duration::from_secs(10)).unwrap();
    assert!(message.contains("To: r@refused.example"), "{message}");
    assert_eq!(t.count("outbox_emails WHERE status = 'SENT' AND attempts = 2").await, 1);
    assert_eq!(t.app().deliver_outbox(smtp, day1 + Duration::hours(1)).await.unwrap(), (0, 0), "never sent twice");
    t.stop().await;
});

both!(sales_e_mail_is_refused_without_consent_and_sent_after_it, |engine| async move {
    let t = spawn_app(engine).await;
    let d = people(&t).await;
    let lead = ok(&t, &d.sdr, "mutation { createLead(input: { companyName: \"Consent Co\", contactName: \"C\", contactEmail: \"c@consent.example\", source: SEO }) { id } }", json!({})).await["createLead"]["id"].clone();
    let send = "mutation($l: ID!) { sendLeadEmail(leadId: $l, subject: \"Hello\", body: \"Following up\") { id lead { id } subject status sentAt } }";
    let outbox = t.count("outbox_emails").await;
    let r = t.gql(Some(&d.sdr), send, json!({ "l": lead })).await;
    assert_eq!(r["errors"][0]["extensions"]["rule"], "CONSENT_REQUIRED", "{r}");
    assert_eq!(t.count("outbox_emails").await, outbox);
    let c = ok(&t, &d.sdr, CONSENT, json!({ "l": lead, "p": "SALES_CONTACT" })).await["recordConsent"]["id"].clone();
    let mail = ok(&t, &d.sdr, send, json!({ "l": lead })).await["sendLeadEmail"].clone();
    assert_eq!(t.count("outbox_emails").await, outbox + 1);
    assert_eq!(mail["lead"]["id"], lead);
    assert_eq!(
        (&mail["subject"], &mail["status"], &mail["sentAt"]),
        (&json!("Hello"), &json!("PENDING"), &Value::Null)
    );
    // Withdrawing the consent cancels what is still queued under it: nothing is sent.
    ok(&t, &d.sdr, "mutation($c: ID!) { withdrawConsent(consentId: $c) { withdrawnAt } }", json!({ "c": c })).await;
    assert_eq!(t.count("outbox_emails WHERE status = 'CANCELLED'").await, 1);
    let sender = Arc::new(Flaky { fail: AtomicUsize::new(0), sent: AtomicUsize::new(0) });
    let later = Utc::now() + Duration::minutes(1);
    assert_eq!(t.app().deliver_outbox(sender.clone(), later).await.unwrap(), (0, 0));
    assert_eq!(sender.sent.load(Ordering::SeqCst), 0, "a withdrawn consent sends nothing");
    // And delivery checks consent itself: a mail queued while consent held, whose consent is
    // gone by the time it leaves, is cancelled rather than sent.
    let c2 = ok(&t, &d.sdr, CONSENT, json!({ "l": lead, "p": "SALES_CONTACT" })).await["recordConsent"]["id"].clone();
    ok(&t, &d.sdr, send, json!({ "l": lead })).await;
    assert!(c2.is_string());
    t.exec("UPDATE consents SET withdrawn_at = granted_at WHERE withdrawn_at IS NULL").await;
    assert_eq!(t.app().deliver_outbox(sender.clone(), later).await.unwrap(), (0, 0));
    assert_eq!(sender.sent.load(Ordering::SeqCst), 0);
    assert_eq!(t.count("outbox_emails WHERE status = 'CANCELLED'").await, 2);
    assert_eq!(
        t.gql(Some(&d.sdr), send, json!({ "l": lead })).await["errors"][0]["extensions"]["rule"],
        "CONSENT_REQUIRED",
        "withdrawn means no"
    );
    let r = ok(
        &t,
        &d.sdr,
        "query($l: ID!) { lead(id: $l) { consents { purpose lawfulBasis source noticeVersion withdrawnAt } } }",
        json!({ "l": lead }),
    )
    .await;
    assert_eq!(r["lead"]["consents"][0]["noticeVersion"], "2026-01");
    assert!(r["lead"]["consents"][0]["withdrawnAt"].is_string());
    t.stop().await;
});

both!(an_organization_defines_its_own_cadence_and_enrolls_leads, |engine| async move {
    let t = spawn_app(engine).await;
    let d = people(&t).await;
    let create = "mutation($s: [CadenceStepInput!]!) { createCadence(name: \"Event follow-up\", steps: $s) { id name steps { day subject body task } createdBy { email } } }";
    let steps = json!([{ "day": 0, "subject": "Thanks for visiting our booth", "body": "Slides attached.", "task": "Call the visitor" },
                       { "day": 2, "subject": "A demo?", "body": "Shall we show you more?", "task": "Offer a demo" }]);
    assert_eq!(code(&t.gql(Some(&d.sdr), create, json!({ "s": steps })).await), "FORBIDDEN");
    let bad = json!([{ "day": 2, "subject": "a", "body": "b", "task": "c" }, { "day": 1, "subject": "a", "body": "b", "task": "c" }]);
    assert_eq!(t.gql(Some(&d.manager), create, json!({ "s": bad })).await["errors"][0]["extensions"]["field"], "day");
    let created = ok(&t, &d.manager, create, json!({ "s": steps })).await["createCadence"].clone();
    assert_eq!(created["name"], "Event follow-up");
    assert_eq!(created["steps"], steps, "the steps as defined");
    assert_eq!(created["createdBy"]["email"], "salesmanager@demo.test");
    let cadence = created["id"].clone();
    let lead = ok(&t, &d.sdr, "mutation { createLead(input: { companyName: \"Booth Co\", contactName: \"B\", contactEmail: \"b@booth.example\", source: EVENT }) { id } }", json!({})).await["createLead"]["id"].clone();
    ok(&t, &d.sdr, CONSENT, json!({ "l": lead, "p": "MARKETING_EMAIL" })).await;
    let enrolled = ok(
        &t,
        &d.sdr,
        "mutation($l: ID!, $c: ID!) { enrollInCadence(leadId: $l, cadenceId: $c) { id lead { id } cadence { id name } nextStep stoppedAt } }",
        json!({ "l": lead, "c": cadence }),
    )
    .await["enrollInCadence"]
        .clone();
    assert_eq!(enrolled["lead"]["id"], lead);
    assert_eq!(enrolled["cadence"], json!({ "id": cadence, "name": "Event follow-up" }));
    assert_eq!((&enrolled["nextStep"], &enrolled["stoppedAt"]), (&json!(0), &Value::Null));
    let now = Utc::now();
    assert_eq!(t.app().run_cadences(now + Duration::minutes(1)).await.unwrap(), 1, "day 0 runs at once");
    assert_eq!(t.app().run_cadences(now + Duration::days(1)).await.unwrap(), 0);
    assert_eq!(t.app().run_cadences(now + Duration::days(2) + Duration::minutes(1)).await.unwrap(), 1);
    assert_eq!(t.app().run_cadences(now + Duration::days(30)).await.unwrap(), 0, "the cadence is complete");
    t.stop().await;
});

/// A mail server that holds each e-mail until it is let go.
struct Held {
    entered: std::sync::atomic::AtomicBool,
    release: std::sync::Mutex<std::sync::mpsc::Receiver<()>>,
}

impl baton_app::marketing::automation::Sender for Held {
    fn send(&self, _: &str, _: &str, _: &str) -> Result<(), String> {
        self.entered.store(true, Ordering::SeqCst);
        let rx = self.release.lock().map_err(|e| e.to_string())?;
        rx.recv_timeout(std::time::Duration::from_secs(30)).map_err(|e| e.to_string())
    }
}

both!(a_slow_mail_server_does_not_hold_up_writers, |engine| async move {
    let t = spawn_app(engine).await;
    let d = people(&t).await;
    let lead = ok(&t, &d.sdr, "mutation { createLead(input: { companyName: \"Slow Mail Co\", contactName: \"S\", contactEmail: \"s@slow.example\", source: SELF_SIGNUP }) { id } }", json!({})).await["createLead"]["id"].as_str().unwrap().to_owned();
    ok(&t, &d.sdr, CONSENT, json!({ "l": lead, "p": "MARKETING_EMAIL" })).await;
    let day1 = Utc::now() + Duration::days(1) + Duration::minutes(1);
    assert_eq!(t.app().run_cadences(day1).await.unwrap(), 1);
    let (let_go, release) = std::sync::mpsc::channel();
    let held = Arc::new(Held { entered: false.into(), release: std::sync::Mutex::new(release) });
    let app = t.app().clone();
    let sending = tokio::spawn({
        let held = held.clone();
        async move { app.deliver_outbox(held, day1).await }
    });
    while !held.entered.load(Ordering::SeqCst) {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    // While the e-mail is with the mail server, another write goes through at once.
    let write = t.gql(
        Some(&d.sdr),
        "mutation { createLead(input: { companyName: \"Meanwhile Co\", contactName: \"M\", source: SEO }) { id } }",
        json!({}),
    );
    let r = tokio::time::timeout(std::time::Duration::from_secs(5), write)
        .await
        .expect("a writer waited on the mail server");
    assert!(r["errors"].is_null(), "{r}");
    // Another runner does not take the e-mail while it is being sent.
    assert_eq!(t.app().deliver_outbox(Arc::new(Flaky { fail: 0.into(), sent: 0.into() }), day1).await.unwrap(), (0, 0));
    let_go.send(()).unwrap();
    assert_eq!(sending.await.unwrap().unwrap(), (1, 0));
    t.stop().await;
});
