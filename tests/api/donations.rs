//! Donations: each kind through payment, stock under concurrency, idempotency, webhooks,
//! receipts, refunds, residency and amount rules, token isolation.

use std::collections::HashSet;

use furusato::payments::signature;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_engines;
use crate::flows::{
    donor, failed, general, gift_body, gift_donation, on_site, osaka, succeeded, PAID_AT,
    WEBHOOK_SECRET,
};
use crate::helpers::{assert_problem, error_fields, strings, Engine, TestApp};

/// Receipt numbers of the donations the admin list shows for `query`, sorted.
async fn receipt_numbers(app: &TestApp, admin: &str, query: &str) -> Vec<String> {
    let list = app
        .get_json(&format!("/api/v1/admin/donations{query}"), Some(admin))
        .await;
    let mut numbers = strings(&list["items"], "receipt_number");
    numbers.sort();
    numbers
}

/// How many donations the admin list holds.
async fn donation_total(app: &TestApp, admin: &str) -> Value {
    app.get_json("/api/v1/admin/donations", Some(admin)).await["total"].clone()
}

/// A donation refused as `validation_failed`; returns the problem body.
async fn invalid_donation(app: &TestApp, body: &Value) -> Value {
    assert_problem(app.donate(body).await, 422, "validation_failed").await
}

/// Staff record a counter payment received on `received_on`, which must be refused.
async fn counter_payment_refused(
    app: &TestApp,
    admin: &str,
    id: &str,
    received_on: &str,
    status: u16,
    code: &str,
) {
    let res = app.confirm_payment(admin, id, received_on, "counter").await;
    assert_problem(res, status, code).await;
}

async fn each_kind_is_paid_by_webhook(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, gift) = app.admin_with_gift(34_000, Some(10)).await;
    let org = app.create_organization(&admin, "学校法人 香蘭女学校").await;

    let bodies = [
        json!({"kind": "gift", "gift_id": gift, "quantity": 2, "amount": 68_000, "donor": osaka(), "one_stop": true}),
        json!({"kind": "support", "organization_id": org, "amount": 10_000, "donor": osaka()}),
        on_site(30_000),
        json!({"kind": "general", "amount": 5_000, "donor": osaka(), "channel": "official_site"}),
    ];
    for body in bodies {
        let (id, token) = app.donate_ok(&body).await;
        let before = app.view_donation(&id, &token).await;
        assert_eq!(before["status"], "pending_payment");
        assert!(before["receipt_number"].is_null());
        let amount = body["amount"].as_i64().unwrap();
        // 2025-07-13T15:30Z is already 14 July in Japan.
        let event = succeeded(&format!("evt_{id}"), &id, amount, "2025-07-13T15:30:00Z");
        assert_eq!(app.webhook_outcome(&event).await, "paid");
        let after = app.view_donation(&id, &token).await;
        assert_eq!(after["status"], "paid");
        assert_eq!(after["received_on"], "2025-07-14");
        assert!(after["receipt_number"].as_str().unwrap().starts_with("R7-"));
        assert!(after.get("donor").is_none() && after.get("donor_name").is_none());
        match body["kind"].as_str().unwrap() {
            "gift" => {
                assert_eq!(after["gift"]["id"], gift.as_str());
                assert!(after["gift"].get("procurement_cost").is_none());
            }
            "support" => assert_eq!(after["organization"]["id"], org.as_str()),
            "on_site" => {
                let v = &after["voucher"];
                assert_eq!(v["face_value"], 9_000);
                assert_eq!(v["balance"], 9_000);
                assert_eq!(v["status"], "active");
                assert_eq!(v["code"].as_str().unwrap().len(), 24);
                assert!(v["qr_svg"].as_str().unwrap().contains("<svg"));
            }
            _ => assert!(after["voucher"].is_null() && after["gift"].is_null()),
        }
    }
    // Receipt numbers are consecutive within the fiscal year.
    assert_eq!(
        receipt_numbers(&app, &admin, "?status=paid").await,
        ["R7-000001", "R7-000002", "R7-000003", "R7-000004"]
    );
}

async fn staff_confirm_offline_payments(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, gift) = app.admin_with_gift(10_000, Some(1)).await;
    let (id, token) = app.donate_ok(&gift_donation(&gift, 10_000)).await;
    app.made_on(&id, "2026-03-01");
    let res = app
        .confirm_payment(&admin, &id, "2026-03-31", "bank_transfer")
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let paid: Value = res.json().await.unwrap();
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["payment_method"], "bank_transfer");
    assert_eq!(
        paid["receipt_number"], "R7-000001",
        "31 March 2026 is still FY2025"
    );
    assert_eq!(
        app.view_donation(&id, &token).await["received_on"],
        "2026-03-31"
    );
    for received_on in ["2026-04-01", "2026-04-02"] {
        counter_payment_refused(&app, &admin, &id, received_on, 409, "already_paid").await;
    }

    let (general_id, _) = app.donate_ok(&general(3_000)).await;
    app.made_on(&general_id, "2026-03-31");
    // In the future, or before the donation was made.
    for received_on in ["2999-01-01", "2026-03-30"] {
        counter_payment_refused(
            &app,
            &admin,
            &general_id,
            received_on,
            422,
            "validation_failed",
        )
        .await;
    }
    // On-site vouchers are card-only.
    let (on_site_id, _) = app.donate_ok(&on_site(10_000)).await;
    let today = furusato::domain::calendar::japan_today().to_string();
    counter_payment_refused(&app, &admin, &on_site_id, &today, 409, "card_payment_only").await;
    let res = app
        .confirm_payment(&admin, &general_id, "2026-04-01", "counter")
        .await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["receipt_number"],
        "R8-000001",
        "FY2026 numbers start again"
    );
}

async fn last_units_are_never_oversold(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, gift) = app.admin_with_gift(10_000, Some(5)).await;
    let body = gift_donation(&gift, 10_000);
    let requests = (0..50).map(|_| app.donate(&body));
    let responses = futures_util::future::join_all(requests).await;
    let mut created = 0;
    for res in responses {
        match res.status() {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                assert_eq!(res.json::<Value>().await.unwrap()["code"], "out_of_stock");
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(created, 5);
    assert_eq!(app.gift_stock(&admin, &gift).await, 0);
    assert_eq!(donation_total(&app, &admin).await, 5);
    // Out of stock shows in the public catalogue at once.
    let public = app.get_json("/api/v1/gifts?in_stock=true", None).await;
    assert_eq!(public["total"], 0);
}

async fn idempotency_key_runs_once(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let body = general(7_000);
    let responses =
        futures_util::future::join_all((0..20).map(|_| app.donate_with_key("order-123", &body)))
            .await;
    let mut bodies = HashSet::new();
    for res in responses {
        match res.status() {
            StatusCode::CREATED => {
                bodies.insert(res.text().await.unwrap());
            }
            StatusCode::CONFLICT => {
                assert_eq!(
                    res.json::<Value>().await.unwrap()["code"],
                    "request_in_progress"
                );
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(bodies.len(), 1, "every successful answer is identical");
    let first: Value = serde_json::from_str(bodies.iter().next().unwrap()).unwrap();
    assert!(
        first["access_token"].is_string(),
        "the replay carries the donor's token too"
    );
    assert_eq!(donation_total(&app, &admin).await, 1);

    // Key order in the body does not matter; a different body does.
    let reordered = json!({"donor": osaka(), "amount": 7_000, "kind": "general"});
    let res = app.donate_with_key("order-123", &reordered).await;
    assert_eq!(res.status(), 201);
    assert_eq!(res.json::<Value>().await.unwrap()["id"], first["id"]);
    let res = app.donate_with_key("order-123", &general(8_000)).await;
    assert_problem(res, 422, "idempotency_key_reused").await;
    let res = app.donate_with_key("", &body).await;
    assert_problem(res, 400, "invalid_idempotency_key").await;
}

async fn webhooks_that_must_change_nothing(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (id, token) = app.donate_ok(&general(5_000)).await;
    let event = succeeded("evt_1", &id, 5_000, PAID_AT);
    let body = serde_json::to_vec(&event).unwrap();
    let now = chrono::Utc::now().timestamp();
    // Unsigned, signed with another secret, tampered, expired, from the future.
    assert_problem(
        app.post_webhook(None, body.clone()).await,
        401,
        "invalid_signature",
    )
    .await;
    let wrong = signature::sign(b"not-the-secret", now, &body);
    assert_problem(
        app.post_webhook(Some(&wrong), body.clone()).await,
        401,
        "invalid_signature",
    )
    .await;
    let signed = signature::sign(WEBHOOK_SECRET, now, &body);
    let mut tampered = body.clone();
    let pos = tampered.iter().position(|b| *b == b'5').unwrap();
    tampered[pos] = b'9';
    assert_problem(
        app.post_webhook(Some(&signed), tampered).await,
        401,
        "invalid_signature",
    )
    .await;
    // Well outside the 300 s tolerance: on a busy machine seconds pass between reading the
    // clock here and the service reading its own, which could bring `now + 301` back inside.
    let now = chrono::Utc::now().timestamp();
    for t in [now - 360, now + 360] {
        let old = signature::sign(WEBHOOK_SECRET, t, &body);
        assert_problem(
            app.post_webhook(Some(&old), body.clone()).await,
            401,
            "invalid_signature",
        )
        .await;
    }
    // A wrong amount, correctly signed.
    let res = app.webhook(&succeeded("evt_x", &id, 4_999, PAID_AT)).await;
    assert_problem(res, 422, "amount_mismatch").await;
    assert_eq!(
        app.view_donation(&id, &token).await["status"],
        "pending_payment"
    );

    // The real event, then a replay of the exact same delivery.
    let res = app.post_webhook(Some(&signed), body.clone()).await;
    assert_eq!(res.json::<Value>().await.unwrap()["outcome"], "paid");
    let receipt = app.view_donation(&id, &token).await["receipt_number"].clone();
    let res = app.post_webhook(Some(&signed), body).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["outcome"], "duplicate");
    // Out of order: a failure after success changes nothing; a second success event neither.
    assert_eq!(
        app.webhook_outcome(&failed("evt_2", &id, 5_000)).await,
        "no_change"
    );
    let again = succeeded("evt_3", &id, 5_000, "2025-07-20T10:00:00+09:00");
    assert_eq!(app.webhook_outcome(&again).await, "no_change");
    let after = app.view_donation(&id, &token).await;
    assert_eq!(after["status"], "paid");
    assert_eq!(after["received_on"], "2025-07-14");
    assert_eq!(after["receipt_number"], receipt);
}

async fn failed_then_late_success_needs_staff(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, gift) = app.admin_with_gift(10_000, Some(1)).await;
    let (id, token) = app.donate_ok(&gift_donation(&gift, 10_000)).await;
    assert_eq!(
        app.webhook_outcome(&failed("evt_f", &id, 10_000)).await,
        "cancelled"
    );
    assert_eq!(
        app.gift_stock(&admin, &gift).await,
        1,
        "cancellation releases the reserved unit"
    );
    let late = succeeded("evt_s", &id, 10_000, PAID_AT);
    assert_eq!(app.webhook_outcome(&late).await, "needs_attention");
    assert_eq!(
        app.view_donation(&id, &token).await["status"],
        "cancelled",
        "not silently revived"
    );
    let d = app
        .get_json(&format!("/api/v1/admin/donations/{id}"), Some(&admin))
        .await;
    assert!(d["attention"].as_str().unwrap().contains("evt_s"));
}

async fn concurrent_payments_get_consecutive_receipts(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let mut ids = Vec::new();
    for _ in 0..100 {
        ids.push(app.donate_ok(&general(2_000)).await.0);
    }
    let events: Vec<Value> = ids
        .iter()
        .map(|id| succeeded(&format!("evt_{id}"), id, 2_000, "2025-12-31T23:59:00+09:00"))
        .collect();
    let responses = futures_util::future::join_all(events.iter().map(|e| app.webhook(e))).await;
    for res in responses {
        assert_eq!(res.status(), 200);
    }
    let admin = app.admin_token().await;
    let expected: Vec<String> = (1..=100).map(|n| format!("R7-{n:06}")).collect();
    assert_eq!(
        receipt_numbers(&app, &admin, "?status=paid&per_page=100").await,
        expected
    );
}

async fn resident_amount_and_validation_rules(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, gift) = app.admin_with_gift(34_000, None).await;
    let org = app.create_organization(&admin, "学校法人 香蘭女学校").await;
    let resident = donor("東京都", "品川区");
    for body in [
        json!({"kind": "gift", "gift_id": gift, "amount": 34_000, "donor": resident}),
        json!({"kind": "on_site", "amount": 10_000, "donor": donor("東京都", "品川区東五反田")}),
    ] {
        let p = assert_problem(app.donate(&body).await, 422, "resident_gift_not_allowed").await;
        assert!(
            p["detail"].as_str().unwrap().contains("support"),
            "suggests another way to give"
        );
    }
    app.donate_ok(
        &json!({"kind": "support", "organization_id": org, "amount": 10_000, "donor": resident}),
    )
    .await;
    app.donate_ok(&json!({"kind": "general", "amount": 10_000, "donor": resident}))
        .await;

    let unknown_gift = "00000000-0000-0000-0000-000000000000";
    for (body, code) in [
        (gift_donation(&gift, 30_000), "amount_mismatch"),
        (on_site(20_000), "invalid_amount"),
        (general(999), "invalid_amount"),
        (general(-5), "invalid_amount"),
        (gift_donation(unknown_gift, 34_000), "gift_not_available"),
    ] {
        assert_problem(app.donate(&body).await, 422, code).await;
    }

    // Every wrong donor field is reported at once, with the channel; the city is fine.
    let wrong_donor_fields = [
        ("name", ""),
        ("name_kana", "しながわ"),
        ("email", "not-an-email"),
        ("phone", "12"),
        ("postal_code", "5300001x"),
        ("prefecture", "大阪"),
    ];
    let mut bad_donor = osaka();
    for (field, value) in wrong_donor_fields {
        bad_donor[field] = json!(value);
    }
    let p = invalid_donation(
        &app,
        &json!({"kind": "general", "amount": 5_000, "donor": bad_donor, "channel": "BAD CHANNEL"}),
    )
    .await;
    let fields = error_fields(&p);
    let expected = wrong_donor_fields
        .iter()
        .map(|(field, _)| format!("donor.{field}"))
        .chain(["channel".to_owned()]);
    for f in expected {
        assert!(fields.contains(&f.as_str()), "{f} missing from {p}");
    }
    assert!(!fields.contains(&"donor.city"));
    // A donor's own request cannot label itself as a portal's (portal donations are imported).
    let p = invalid_donation(
        &app,
        &json!({"kind": "general", "amount": 5_000, "donor": osaka(), "channel": "rakuten"}),
    )
    .await;
    assert_eq!(error_fields(&p), ["channel"]);
    let p = invalid_donation(
        &app,
        &json!({"kind": "support", "amount": 5_000, "donor": osaka()}),
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "organization_id");
    let p = invalid_donation(
        &app,
        &json!({"kind": "lottery", "amount": 5_000, "donor": osaka()}),
    )
    .await;
    assert!(p["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("unknown variant"));
    assert_eq!(p["errors"][0]["field"], "kind");
    let p = invalid_donation(
        &app,
        &json!({"kind": "general", "amount": "lots", "donor": osaka()}),
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "amount");
    // Nothing was written by any refused request.
    assert_eq!(donation_total(&app, &admin).await, 2);
}

async fn refunds_are_reversals(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, gift) = app.admin_with_gift(10_000, Some(3)).await;
    let (id, token) = app.donate_ok(&gift_donation(&gift, 10_000)).await;
    assert_problem(app.refund(&admin, &id, "重複").await, 409, "not_refundable").await;
    app.pay(&id, 10_000).await;
    assert_problem(app.refund(&admin, &id, " ").await, 422, "validation_failed").await;
    let res = app.refund(&admin, &id, "重複した寄附のため").await;
    assert_eq!(res.status(), 200);
    let d: Value = res.json().await.unwrap();
    assert_eq!(d["status"], "refunded");
    assert_eq!(d["refund_reason"], "重複した寄附のため");
    assert!(
        d["receipt_number"].is_string(),
        "the record and its number are kept"
    );
    assert_eq!(app.gift_stock(&admin, &gift).await, 3, "stock released");
    let receipt = app
        .get_json(&format!("/api/v1/donations/{id}/receipt"), Some(&token))
        .await;
    assert_eq!(receipt["voided"], true);
    assert_problem(
        app.refund(&admin, &id, "again").await,
        409,
        "not_refundable",
    )
    .await;
    assert_eq!(app.view_donation(&id, &token).await["status"], "refunded");
    let log = app
        .get_json(
            &format!("/api/v1/admin/audit-log?entity_id={id}"),
            Some(&admin),
        )
        .await;
    assert_eq!(log["items"][0]["action"], "refund");
}

async fn tokens_read_their_own_donation_only(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let (a, token_a) = app.donate_ok(&general(5_000)).await;
    let (b, _token_b) = app.donate_ok(&general(6_000)).await;
    assert_eq!(app.view_donation(&a, &token_a).await["amount"], 5_000);
    for token in [
        Some(token_a.as_str()),
        None,
        Some("garbage"),
        Some(admin.as_str()),
    ] {
        let res = app.get(&format!("/api/v1/donations/{b}"), token).await;
        assert_problem(res, 404, "donation_not_found").await;
    }
    // An unknown donation is not found either. Receipts: the donor's token or an admin; not yet
    // paid is 404 receipt_not_found.
    for (path, code) in [
        (
            "/api/v1/donations/00000000-0000-0000-0000-000000000000".to_owned(),
            "donation_not_found",
        ),
        (
            format!("/api/v1/donations/{a}/receipt"),
            "receipt_not_found",
        ),
        (
            format!("/api/v1/donations/{b}/receipt"),
            "donation_not_found",
        ),
    ] {
        let res = app.get(&path, Some(&token_a)).await;
        assert_problem(res, 404, code).await;
    }
}

async fn receipts_csv_and_one_stop(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let mut body = general(12_345);
    body["one_stop"] = json!(true);
    let (id, token) = app.donate_ok(&body).await;
    app.pay(&id, 12_345).await;
    let receipt_path = format!("/api/v1/donations/{id}/receipt");
    let receipt = app.get_json(&receipt_path, Some(&token)).await;
    assert_eq!(receipt["receipt_number"], "R7-000001");
    assert_eq!(receipt["donor_name"], "品川 花子");
    assert_eq!(receipt["donor_address"], "大阪府大阪市北区梅田1-1-1");
    assert_eq!(receipt["amount"], 12_345);
    assert_eq!(receipt["received_on"], "2025-07-14");
    assert_eq!(receipt["municipality_name"], "品川区");
    assert_eq!(receipt["issuer_title"], "品川区長");
    assert_eq!(receipt["reissued"], false);
    let html = app
        .get_accepting(&receipt_path, &admin, "text/html")
        .await
        .text()
        .await
        .unwrap();
    for text in [
        "寄附金受領証明書",
        "R7-000001",
        "品川 花子",
        "12,345",
        "令和7年7月14日",
        "品川区長",
        "森澤 恭子",
    ] {
        assert!(html.contains(text), "{text} missing from receipt page");
    }
    assert!(!html.contains("再発行"));
    let res = app
        .post(
            &format!("/api/v1/admin/donations/{id}/receipt/reissue"),
            Some(&admin),
            &json!({}),
        )
        .await;
    let reissued: Value = res.json().await.unwrap();
    assert_eq!(reissued["reissued"], true);
    assert_eq!(
        reissued["receipt_number"], "R7-000001",
        "the number never changes"
    );

    let text = app
        .get_csv("/api/v1/admin/donations?status=paid", &admin)
        .await;
    assert!(text.starts_with("寄附ID,種別,状態,金額"));
    assert!(text.contains("品川 花子") && text.contains("12345") && text.contains("申請あり"));

    let report = app
        .get_json("/api/v1/admin/one-stop?tax_year=2025", Some(&admin))
        .await;
    assert_eq!(report["application_deadline"], "2026-01-10");
    assert_eq!(report["groups"][0]["prefecture"], "大阪府");
    assert_eq!(report["groups"][0]["city"], "大阪市北区");
    assert_eq!(report["groups"][0]["count"], 1);
    let empty = app
        .get_json("/api/v1/admin/one-stop?tax_year=2024", Some(&admin))
        .await;
    assert_eq!(empty["groups"].as_array().unwrap().len(), 0);
}

async fn unpaid_donations_expire_and_release_stock(engine: Engine) {
    use diesel::prelude::*;
    use furusato::db::schema::donations;
    let app = TestApp::spawn(engine).await;
    let (admin, gift) = app.admin_with_gift(10_000, Some(1)).await;
    let body = gift_donation(&gift, 10_000);
    let (id, token) = app.donate_ok(&body).await;
    assert_problem(app.donate(&body).await, 409, "out_of_stock").await;
    {
        let mut conn = app.conn();
        assert_eq!(
            furusato::background::sweep_once(&mut conn).unwrap(),
            0,
            "hold not over yet"
        );
        diesel::update(donations::table.filter(donations::id.eq(&id)))
            .set(donations::hold_until.eq(Some(furusato::db::now() - chrono::Duration::minutes(1))))
            .execute(&mut *conn)
            .unwrap();
        assert_eq!(furusato::background::sweep_once(&mut conn).unwrap(), 1);
    }
    assert_eq!(app.view_donation(&id, &token).await["status"], "cancelled");
    assert_eq!(app.gift_stock(&admin, &gift).await, 1);
    // A bank transfer that arrives after the hold: staff can still confirm it.
    app.made_on(&id, "2025-07-14");
    let res = app
        .confirm_payment(&admin, &id, "2025-07-15", "bank_transfer")
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "paid");
    assert_eq!(
        app.gift_stock(&admin, &gift).await,
        0,
        "the unit is taken again"
    );
}

async fn popular_sort_counts_recent_paid_donations(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, vendor) = app.admin_and_vendor("ドウシシャ").await;
    let body = |code, amount| gift_body(code, &vendor, amount, amount * 3 / 10);
    let a = app.create_gift(&admin, &body("POP-A", 10_000)).await;
    let b = app.create_gift(&admin, &body("POP-B", 20_000)).await;
    let c = app.create_gift(&admin, &body("POP-C", 30_000)).await;
    let recently = (chrono::Utc::now() - chrono::Duration::days(3)).to_rfc3339();
    let long_ago = (chrono::Utc::now() - chrono::Duration::days(120)).to_rfc3339();
    let paid = |gift: &Value, amount: i64, at: String| {
        let body = gift_donation(gift["id"].as_str().unwrap(), amount);
        let app = &app;
        async move {
            let (id, _) = app.donate_ok(&body).await;
            let res = app
                .webhook(&succeeded(&format!("evt_{id}"), &id, amount, &at))
                .await;
            assert_eq!(res.status(), 200);
        }
    };
    for _ in 0..2 {
        paid(&b, 20_000, recently.clone()).await;
    }
    paid(&a, 10_000, recently.clone()).await;
    // Older than 90 days: does not count, however many.
    for _ in 0..3 {
        paid(&c, 30_000, long_ago.clone()).await;
    }
    // A pending donation does not count either.
    app.donate_ok(&gift_donation(c["id"].as_str().unwrap(), 30_000))
        .await;
    let list = app.get_json("/api/v1/gifts?sort=popular", None).await;
    let codes = strings(&list["items"], "code");
    assert_eq!(codes, ["POP-B", "POP-A", "POP-C"]);
}

/// A refusal is an answer too: a repeat with the same key gets it again, even after the
/// situation changed, and does nothing.
async fn a_refusal_is_replayed_under_its_key(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, gift) = app.admin_with_gift(10_000, Some(1)).await;
    let body = gift_donation(&gift, 10_000);
    let (first, _) = app.donate_ok(&body).await;
    let key = "retry-after-sold-out";
    let refused = assert_problem(app.donate_with_key(key, &body).await, 409, "out_of_stock").await;
    // The unit comes back; the same key still answers as it did, and takes nothing.
    let res = app.refund(&admin, &first, "x").await;
    assert_eq!(res.status(), 409, "not paid: nothing to refund");
    {
        let mut conn = app.conn();
        let d = furusato::donations::store::get(&mut conn, &first).unwrap();
        furusato::db::write_transaction(&mut conn, |c| {
            furusato::donations::lifecycle::cancel(c, &d, "test")
        })
        .unwrap();
    }
    let again = assert_problem(app.donate_with_key(key, &body).await, 409, "out_of_stock").await;
    assert_eq!(again, refused);
    assert_eq!(
        app.gift_stock(&admin, &gift).await,
        1,
        "the replay reserved nothing"
    );
}

async fn a_key_given_twice_is_a_malformed_body(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, vendor) = app.admin_and_vendor("品川ものづくり工房").await;
    let donor = serde_json::to_string(&crate::flows::osaka()).unwrap();
    let twice = [
        // serde_json alone keeps the last: this would be a ¥7,777 donation.
        format!(r#"{{"kind":"general","amount":5000,"amount":7777,"donor":{donor}}}"#),
        // Nested objects too.
        format!(
            r#"{{"kind":"general","amount":5000,"donor":{}}}"#,
            donor.replacen('{', r#"{"city":"品川区","#, 1)
        ),
    ];
    for body in twice {
        let res = app
            .post_raw("/api/v1/donations", None, "application/json", body)
            .await;
        let problem = assert_problem(res, 400, "malformed_json").await;
        assert!(
            problem["detail"].as_str().unwrap().contains("twice"),
            "{problem}"
        );
    }
    // A typed body (a gift) the same.
    let res = app
        .post_raw(
            "/api/v1/admin/gifts",
            Some(&admin),
            "application/json",
            format!(
                r#"{{"code":"A","code":"B","name":"x","category":"product","amount":10000,"procurement_cost":3000,"vendor_id":"{vendor}"}}"#
            ),
        )
        .await;
    assert_problem(res, 400, "malformed_json").await;
    // And a redemption at the till.
    let (_, till) = app.create_partner(&admin, "天王洲ベイサイドグリル").await;
    let res = app
        .post_raw(
            "/api/v1/partner/redemptions",
            Some(&till),
            "application/json",
            r#"{"voucher_code":"K7QM-3XWP-9HTR-BD4N-EY2H","amount":100,"amount":9000}"#,
        )
        .await;
    assert_problem(res, 400, "malformed_json").await;
    let list = app.get_json("/api/v1/admin/donations", Some(&admin)).await;
    assert_eq!(list["total"], 0, "nothing was stored");
}

async fn a_payment_is_dated_between_its_donation_and_now(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (id, token) = app.donate_ok(&crate::flows::general(5_000)).await;
    let now = chrono::Utc::now();
    for (n, paid_at) in [
        "1970-01-01T00:00:00Z",
        "0001-01-01T00:00:00Z",
        "2025-07-14T10:00:00+09:00",
        "2099-01-01T00:00:00Z",
    ]
    .into_iter()
    .enumerate()
    {
        let event = crate::flows::succeeded(&format!("evt_old_{n}"), &id, 5_000, paid_at);
        let res = app.webhook_as_sent(&event, now.timestamp()).await;
        let problem = assert_problem(res, 422, "validation_failed").await;
        assert_eq!(error_fields(&problem), ["data.paid_at"], "{paid_at}");
    }
    let seen = app.view_donation(&id, &token).await;
    assert_eq!(seen["status"], "pending_payment", "nothing changed");
    // Paid now: the receipt's era comes from today's fiscal year.
    let event = crate::flows::succeeded("evt_now", &id, 5_000, &now.to_rfc3339());
    assert_eq!(
        app.webhook_as_sent(&event, now.timestamp()).await.status(),
        200
    );
    let seen = app.view_donation(&id, &token).await;
    let fy = furusato::domain::calendar::FiscalYear::of(furusato::domain::calendar::japan_today());
    let number = seen["receipt_number"].as_str().unwrap();
    assert!(number.starts_with(&format!("R{}-", fy.reiwa())), "{number}");
}

both_engines!(
    a_payment_is_dated_between_its_donation_and_now,
    a_key_given_twice_is_a_malformed_body,
    a_refusal_is_replayed_under_its_key,
    each_kind_is_paid_by_webhook,
    staff_confirm_offline_payments,
    last_units_are_never_oversold,
    idempotency_key_runs_once,
    webhooks_that_must_change_nothing,
    failed_then_late_success_needs_staff,
    concurrent_payments_get_consecutive_receipts,
    resident_amount_and_validation_rules,
    refunds_are_reversals,
    tokens_read_their_own_donation_only,
    receipts_csv_and_one_stop,
    unpaid_donations_expire_and_release_stock,
    popular_sort_counts_recent_paid_donations,
);
