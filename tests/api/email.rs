//! The email outbox over real SMTP (a loopback server started by the test) on both engines.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;
use diesel::prelude::*;
use furusato::config::Settings;
use furusato::db::schema::email_outbox;
use furusato::db::{now, write_transaction, DbConnection};
use furusato::domain::money::Yen;
use furusato::email::{self, outbox, OutgoingEmail, ThankYou};
use furusato::error::{Error, ErrorCode};
use serde_json::{json, Value};

use crate::both_engines;
use crate::helpers::{assert_problem, Engine, TestApp};
use crate::smtp_server::{ReceivedMail, SmtpServer};

const WAIT: Duration = Duration::from_secs(15);

/// A running worker outlives its test by a moment and then asks the pool for a connection to a database
/// the test has dropped; a short checkout timeout keeps that from holding up the runtime's shutdown.
const POOL_TIMEOUT_MS: u64 = 1000;

/// An app whose worker sends through `server`, polling fast and retrying without delay.
async fn smtp_app(
    engine: Engine,
    server: &SmtpServer,
    adjust: impl FnOnce(&mut Settings),
) -> TestApp {
    let url = server.url();
    TestApp::spawn_with(engine, move |s| {
        s.email.worker_enabled = true;
        s.email.transport = "smtp".into();
        s.email.smtp_url = url;
        s.email.smtp_timeout_seconds = 2;
        s.email.poll_interval_ms = 20;
        s.email.base_backoff_seconds = 0;
        s.email.max_backoff_seconds = 0;
        s.email.max_attempts = 5;
        s.database.connection_timeout_ms = POOL_TIMEOUT_MS;
        adjust(s);
    })
    .await
}

/// An app whose worker retries a second apart, up to 30 times: a slow machine cannot use the
/// attempts up before `server` (stopped) is restarted.
async fn patient_smtp_app(engine: Engine, server: &SmtpServer) -> TestApp {
    smtp_app(engine, server, |s| {
        s.email.base_backoff_seconds = 1;
        s.email.max_backoff_seconds = 1;
        s.email.max_attempts = 30;
    })
    .await
}

/// The Message-IDs (without the brackets) the outbox gives the messages with these ids.
fn message_ids(ids: &[String]) -> HashSet<String> {
    ids.iter()
        .map(|id| format!("{id}@city.shinagawa.example"))
        .collect()
}

fn thank_you_mail(settings: &Settings, n: usize) -> OutgoingEmail {
    email::thank_you(
        settings,
        ThankYou {
            donation_id: format!("donation-{n}"),
            donor_name: "品川 花子".into(),
            email: format!("hanako{n}@example.jp"),
            amount: Yen(34_000),
            receipt_number: format!("R7-{:06}", n + 1),
            received_on: NaiveDate::from_ymd_opt(2025, 12, 14).unwrap(),
            gift_name: Some("秋の運河花火まつり 花火観覧席ペアチケット".into()),
            organization_name: None,
            one_stop: true,
        },
    )
    .unwrap()
}

/// Enqueues `count` thank-you letters in one transaction, as the donation flow will; returns ids.
fn enqueue_many(app: &TestApp, count: usize) -> Vec<String> {
    let mails: Vec<OutgoingEmail> = (0..count)
        .map(|n| thank_you_mail(&app.settings, n))
        .collect();
    let mut conn = app.conn();
    write_transaction(&mut conn, |c: &mut DbConnection| -> Result<_, Error> {
        mails.iter().map(|m| outbox::enqueue(c, m)).collect()
    })
    .unwrap()
}

/// A page (200) of the admin list of outbox messages, `query` appended (`&status=sent`).
async fn list(app: &TestApp, token: &str, query: &str) -> Value {
    let path = format!("/api/v1/admin/emails?per_page=100{query}");
    app.get_json(&path, Some(token)).await
}

/// Polls the admin list until `done` holds for its items; panics after `WAIT`.
async fn wait_for_list(
    app: &TestApp,
    token: &str,
    query: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let page = list(app, token, query).await;
        let items = page["items"].as_array().unwrap().clone();
        if done(&items) {
            return items;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "outbox never reached the expected state: {items:#?}"
        );
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
}

/// Asks for another delivery attempt of an outbox message, whatever the answer.
async fn retry(app: &TestApp, token: Option<&str>, id: &str) -> reqwest::Response {
    app.post(
        &format!("/api/v1/admin/emails/{id}/retry"),
        token,
        &json!({}),
    )
    .await
}

fn parse(mail: &ReceivedMail) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(&mail.data)
        .expect("a parseable message")
}

fn message_id_of(mail: &ReceivedMail) -> String {
    parse(mail).message_id().expect("Message-ID").to_owned()
}

async fn delivers_a_queued_message_exactly_once(engine: Engine) {
    let server = SmtpServer::start().await;
    let app = smtp_app(engine, &server, |_| {}).await;
    let token = app.admin_token().await;
    let ids = enqueue_many(&app, 1);

    let received = server.wait_for(1, WAIT).await;
    let items = wait_for_list(&app, &token, "&status=sent", |items| items.len() == 1).await;
    assert_eq!(items[0]["id"], ids[0].as_str());
    assert_eq!(items[0]["attempts"], 1);
    assert!(items[0]["sent_at"].is_string());
    assert!(items[0]["last_error"].is_null());
    assert_eq!(items[0]["kind"], "thank_you");
    assert_eq!(items[0]["related_id"], "donation-0");

    // Stable Message-ID <outbox id@domain of the From address>, and the right envelope.
    let expected_id = format!("{}@city.shinagawa.example", ids[0]);
    assert_eq!(message_id_of(&received[0]), expected_id);
    assert_eq!(items[0]["message_id"], format!("<{expected_id}>"));
    assert_eq!(received[0].rcpt_to, vec!["hanako0@example.jp".to_owned()]);
    assert_eq!(received[0].mail_from, "furusato@city.shinagawa.example");

    // Nothing more arrives later.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.count(), 1);
}

async fn japanese_subject_and_bodies_decode(engine: Engine) {
    let server = SmtpServer::start().await;
    let app = smtp_app(engine, &server, |_| {}).await;
    let original = thank_you_mail(&app.settings, 0);
    enqueue_many(&app, 1);
    let received = server.wait_for(1, WAIT).await;
    let raw = &received[0].data;

    // Headers travel as 7-bit ASCII: the subject as RFC 2047 encoded-words.
    let header_end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("header/body separator");
    let headers = std::str::from_utf8(&raw[..header_end]).expect("ASCII headers");
    assert!(headers.is_ascii(), "{headers}");
    assert!(
        headers.to_ascii_lowercase().contains("subject: =?utf-8?"),
        "{headers}"
    );
    assert!(headers.contains("MIME-Version: 1.0"));

    let message = parse(&received[0]);
    assert_eq!(message.subject(), Some(original.subject.as_str()));
    assert!(original.subject.contains("ふるさと納税"));
    let from = message.from().and_then(|f| f.first()).expect("From");
    assert_eq!(from.name(), Some("品川区ふるさと納税"));
    let normalize = |s: &str| s.replace("\r\n", "\n").trim_end().to_owned();
    let text = message.body_text(0).expect("plain text part");
    assert_eq!(normalize(&text), normalize(&original.body_text));
    assert!(text.contains("品川 花子 様"));
    assert!(text.contains("34,000円"));
    let html = message.body_html(0).expect("HTML part");
    assert_eq!(normalize(&html), normalize(&original.body_html));
    assert!(html.contains("寄附金受領証明書"));
    use mail_parser::MimeHeaders;
    let content_type = message.content_type().expect("Content-Type");
    assert_eq!(content_type.ctype(), "multipart");
    assert_eq!(content_type.subtype(), Some("alternative"));
}

async fn outage_then_recovery_delivers_each_once(engine: Engine) {
    let server = SmtpServer::stopped().await;
    let app = patient_smtp_app(engine, &server).await;
    let token = app.admin_token().await;

    // Enqueueing does not need the mail server.
    let ids = enqueue_many(&app, 3);
    assert_eq!(ids.len(), 3);

    // Retries are visible: attempts, the last error and the next attempt's time.
    let items = wait_for_list(&app, &token, "&status=pending", |items| {
        items.len() == 3
            && items
                .iter()
                .all(|i| i["attempts"].as_i64().unwrap() >= 2 && i["last_error"].is_string())
    })
    .await;
    for item in &items {
        let error = item["last_error"].as_str().unwrap();
        assert!(error.starts_with("smtp_connection"), "{error}");
        assert!(item["next_attempt_at"].as_str().unwrap() > item["created_at"].as_str().unwrap());
        assert!(item["locked_until"].is_null());
    }
    assert_eq!(server.count(), 0);

    server.restart().await;
    let received = server.wait_for(3, WAIT).await;
    let sent = wait_for_list(&app, &token, "&status=sent", |items| items.len() == 3).await;
    for item in &sent {
        assert!(item["attempts"].as_i64().unwrap() >= 3, "{item}");
        assert!(
            item["last_error"].is_string(),
            "the earlier failure stays visible"
        );
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let received_after = server.messages();
    assert_eq!(received_after.len(), 3, "each message exactly once");
    let delivered: HashSet<String> = received.iter().map(message_id_of).collect();
    assert_eq!(delivered, message_ids(&ids));
}

async fn two_instances_deliver_200_without_duplicates(engine: Engine) {
    const COUNT: usize = 200;
    let server = SmtpServer::start().await;
    let app = smtp_app(engine, &server, |_| {}).await;
    // A second service instance with its own worker on the same database.
    let _second = app.another_instance().await;
    let token = app.admin_token().await;
    let ids = enqueue_many(&app, COUNT);

    server.wait_for(COUNT, Duration::from_secs(25)).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let page = list(&app, &token, "&status=sent").await;
        if page["total"] == COUNT {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{}", page["total"]);
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let received = server.messages();
    assert_eq!(received.len(), COUNT, "no message twice");
    let delivered: HashSet<String> = received.iter().map(message_id_of).collect();
    assert_eq!(delivered.len(), COUNT, "no duplicate Message-ID");
    assert_eq!(delivered, message_ids(&ids));
    // Every row went out on its first attempt: no worker took a row another one held.
    for page_number in [1, 2] {
        let page = list(&app, &token, &format!("&status=sent&page={page_number}")).await;
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 100);
        assert!(items.iter().all(|i| i["attempts"] == 1));
    }
    let connections: HashSet<usize> = received.iter().map(|m| m.connection).collect();
    assert!(
        connections.len() >= 2,
        "both instances sent: {connections:?}"
    );
}

async fn failed_after_max_attempts_and_admin_retry(engine: Engine) {
    let server = SmtpServer::stopped().await;
    let app = smtp_app(engine, &server, |s| s.email.max_attempts = 3).await;
    let token = app.admin_token().await;
    let ids = enqueue_many(&app, 1);
    let id = &ids[0];

    let items = wait_for_list(&app, &token, "&status=failed", |items| items.len() == 1).await;
    assert_eq!(items[0]["id"], id.as_str());
    assert_eq!(items[0]["attempts"], 3);
    assert!(items[0]["last_error"]
        .as_str()
        .unwrap()
        .starts_with("smtp_connection"));
    // Failed means the worker leaves it alone.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let again = list(&app, &token, "&status=failed").await;
    assert_eq!(again["items"][0]["attempts"], 3);

    // Only admins may retry; unknown ids are 404.
    assert_problem(retry(&app, None, id).await, 401, "unauthorized").await;
    assert_problem(
        retry(&app, Some(&token), "no-such-id").await,
        404,
        "email_not_found",
    )
    .await;
    assert_problem(
        app.get("/api/v1/admin/emails?status=lost", Some(&token))
            .await,
        422,
        "validation_failed",
    )
    .await;

    server.restart().await;
    let res = retry(&app, Some(&token), id).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["status"], "pending");
    assert_eq!(body["attempts"], 0);

    server.wait_for(1, WAIT).await;
    wait_for_list(&app, &token, "&status=sent", |items| items.len() == 1).await;
    assert_problem(
        retry(&app, Some(&token), id).await,
        409,
        "email_already_sent",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(server.count(), 1);
}

async fn an_expired_claim_is_taken_over_and_a_live_one_is_not(engine: Engine) {
    let server = SmtpServer::start().await;
    let app = smtp_app(engine, &server, |_| {}).await;
    let token = app.admin_token().await;
    // Two rows left 'sending' by a worker that died: one lease has run out, one has not.
    let mails = [
        thank_you_mail(&app.settings, 0),
        thank_you_mail(&app.settings, 1),
    ];
    let (expired, live) = {
        let mut conn = app.conn();
        write_transaction(&mut conn, |c: &mut DbConnection| -> Result<_, Error> {
            let expired = outbox::enqueue(c, &mails[0])?;
            let live = outbox::enqueue(c, &mails[1])?;
            for (id, lock) in [
                (&expired, now() - chrono::Duration::seconds(1)),
                (&live, now() + chrono::Duration::hours(1)),
            ] {
                diesel::update(email_outbox::table.find(id))
                    .set((
                        email_outbox::status.eq("sending"),
                        email_outbox::attempts.eq(1),
                        email_outbox::locked_until.eq(Some(lock)),
                    ))
                    .execute(c)?;
            }
            Ok((expired, live))
        })
        .unwrap()
    };
    let received = server.wait_for(1, WAIT).await;
    assert_eq!(
        message_id_of(&received[0]),
        format!("{expired}@city.shinagawa.example")
    );
    let sent = wait_for_list(&app, &token, "&status=sent", |items| items.len() == 1).await;
    assert_eq!(sent[0]["attempts"], 2);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.count(), 1, "a row under a live claim is not sent");
    let sending = list(&app, &token, "&status=sending").await;
    assert_eq!(sending["items"][0]["id"], live.as_str());
    // An admin cannot pull a message out from under a worker.
    assert_problem(
        retry(&app, Some(&token), &live).await,
        409,
        "email_in_flight",
    )
    .await;
}

async fn stop_finishes_the_message_in_hand(engine: Engine) {
    let server = SmtpServer::start().await;
    // The app's own worker is off; this test runs one it can stop.
    let app = smtp_app(engine, &server, |s| s.email.worker_enabled = false).await;
    let mut settings = app.settings.clone();
    settings.email.worker_enabled = true;
    let worker =
        furusato::email::worker::EmailWorker::new(app.db.clone(), Arc::new(settings)).unwrap();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    server.set_data_delay(Duration::from_millis(700));
    let ids = enqueue_many(&app, 2);
    let handle = tokio::spawn(worker.run(stop_rx));

    // Wait until the worker holds a message, then ask it to stop (as on SIGTERM).
    let token = app.admin_token().await;
    let in_hand = wait_for_list(&app, &token, "&status=sending", |items| items.len() == 1).await;
    stop_tx.send(true).unwrap();
    tokio::time::timeout(Duration::from_secs(10), handle)
        .await
        .expect("the worker stops")
        .unwrap();

    assert_eq!(
        server.count(),
        1,
        "the message in hand was finished, no other begun"
    );
    let all = list(&app, &token, "").await;
    let items = all["items"].as_array().unwrap();
    let status_of = |id: &str| {
        items
            .iter()
            .find(|i| i["id"] == id)
            .map(|i| i["status"].as_str().unwrap().to_owned())
            .unwrap()
    };
    let held = in_hand[0]["id"].as_str().unwrap();
    assert_eq!(status_of(held), "sent");
    let other = ids.iter().find(|id| id.as_str() != held).unwrap();
    assert_eq!(status_of(other), "pending");
}

async fn file_transport_writes_eml_files(engine: Engine) {
    let dir = tempfile::tempdir().unwrap();
    let mail_dir = dir.path().join("mail");
    let path = mail_dir.display().to_string();
    let app = TestApp::spawn_with(engine, move |s| {
        s.email.worker_enabled = true;
        s.email.transport = "file".into();
        s.email.file_dir = path;
        s.email.poll_interval_ms = 20;
        s.database.connection_timeout_ms = POOL_TIMEOUT_MS;
    })
    .await;
    let token = app.admin_token().await;
    let original = thank_you_mail(&app.settings, 0);
    let ids = enqueue_many(&app, 1);
    wait_for_list(&app, &token, "&status=sent", |items| items.len() == 1).await;
    let files: Vec<_> = std::fs::read_dir(&mail_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    assert_eq!(files.len(), 1);
    let raw = std::fs::read(&files[0]).unwrap();
    let message = mail_parser::MessageParser::default().parse(&raw).unwrap();
    assert_eq!(message.subject(), Some(original.subject.as_str()));
    assert_eq!(
        message.message_id(),
        Some(format!("{}@city.shinagawa.example", ids[0]).as_str())
    );
}

async fn enqueue_is_undone_with_its_transaction(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let token = app.admin_token().await;
    let mail = thank_you_mail(&app.settings, 0);
    let mut conn = app.conn();
    let result = write_transaction(&mut conn, |c: &mut DbConnection| -> Result<(), Error> {
        outbox::enqueue(c, &mail)?;
        Err(Error::rejected(ErrorCode::OutOfStock, "the event failed"))
    });
    assert!(result.is_err());
    let page = list(&app, &token, "").await;
    assert_eq!(page["total"], 0);
    // Non-admins see nothing.
    assert_problem(
        app.get("/api/v1/admin/emails", None).await,
        401,
        "unauthorized",
    )
    .await;
}

async fn partner_creation_queues_login_instructions(engine: Engine) {
    let server = SmtpServer::start().await;
    let app = smtp_app(engine, &server, |_| {}).await;
    let token = app.admin_token().await;
    let password = "a-long-till-password";
    let body = json!({"name": "天王洲ベイサイドグリル", "email": "Till@Bayside.example", "password": password});
    let res = app
        .post("/api/v1/admin/partners", Some(&token), &body)
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    // A second partner with the same login fails as a whole: no email for it.
    let again = app
        .post("/api/v1/admin/partners", Some(&token), &body)
        .await;
    assert_eq!(again.status(), 409);

    let received = server.wait_for(1, WAIT).await;
    let sent = wait_for_list(&app, &token, "&status=sent", |items| items.len() == 1).await;
    assert_eq!(sent[0]["kind"], "partner_welcome");
    assert_eq!(sent[0]["recipient"], "till@bayside.example");
    assert_eq!(sent[0]["related_id"], created["id"]);
    let message = parse(&received[0]);
    let text = message.body_text(0).unwrap();
    assert!(text.contains("天王洲ベイサイドグリル ご担当者様"), "{text}");
    assert!(!text.contains(password));
    assert!(!message.body_html(0).unwrap().contains(password));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(list(&app, &token, "").await["total"], 1);
}

/// The real money path: paying an on-site donation queues the thank-you letter and the voucher
/// mail in the paying transaction; with the mail server down the donation still succeeds, and
/// each letter arrives exactly once when it is back.
async fn paying_a_donation_mails_receipt_and_voucher(engine: Engine) {
    let server = SmtpServer::stopped().await;
    let app = patient_smtp_app(engine, &server).await;
    let (id, token) = app.donate_ok(&crate::flows::on_site(30_000)).await;
    app.pay(&id, 30_000).await;
    let donation = app.view_donation(&id, &token).await;
    assert_eq!(
        donation["status"], "paid",
        "payment does not wait for the mail server"
    );
    let receipt = donation["receipt_number"].as_str().unwrap().to_owned();
    let code = donation["voucher"]["code"].as_str().unwrap().to_owned();

    server.restart().await;
    let mails = server.wait_for(2, WAIT).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(server.count(), 2, "each letter exactly once");
    let texts: Vec<String> = mails
        .iter()
        .map(|m| parse(m).body_text(0).unwrap_or_default().into_owned())
        .collect();
    let thank_you = texts
        .iter()
        .find(|t| t.contains(&receipt))
        .expect("thank-you letter with the receipt number");
    assert!(thank_you.contains("30,000"), "{thank_you}");
    assert!(thank_you.contains("品川 花子"));
    let voucher = texts
        .iter()
        .find(|t| t.contains(&code))
        .expect("voucher mail with the code");
    assert!(voucher.contains("9,000"), "{voucher}");
    for mail in &mails {
        assert_eq!(mail.rcpt_to, ["hanako@example.jp"]);
    }
    // Once delivered, the outbox keeps no copy of the spendable code.
    let canonical: String = code.chars().filter(|c| *c != '-').collect();
    let bodies: Vec<(String, String)> = email_outbox::table
        .select((email_outbox::body_text, email_outbox::body_html))
        .load(&mut *app.conn())
        .unwrap();
    for (text, html) in bodies {
        assert!(!text.contains(&code) && !html.contains(&code) && !html.contains(&canonical));
    }
}

both_engines!(
    paying_a_donation_mails_receipt_and_voucher,
    partner_creation_queues_login_instructions,
    delivers_a_queued_message_exactly_once,
    japanese_subject_and_bodies_decode,
    outage_then_recovery_delivers_each_once,
    two_instances_deliver_200_without_duplicates,
    failed_after_max_attempts_and_admin_retry,
    an_expired_claim_is_taken_over_and_a_live_one_is_not,
    stop_finishes_the_message_in_hand,
    file_transport_writes_eml_files,
    enqueue_is_undone_with_its_transaction,
);
