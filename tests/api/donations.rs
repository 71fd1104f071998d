//! Donations: each kind through payment, stock under concurrency, idempotency, webhooks,
//! receipts, refunds, residency and amount rules, token isolation.

use std::collections::HashSet;

use furusato::payments::signature;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_engines;
use crate::catalogue::{create_gift, create_vendor, gift_body};
use crate::helpers::{assert_problem, Engine, TestApp};

pub fn donor(prefecture: &str, city: &str) -> Value {
    json!({"name": "品川 花子", "name_kana": "シナガワ ハナコ", "email": "hanako@example.jp",
           "phone": "06-1234-5678", "postal_code": "530-0001", "prefecture": prefecture,
           "city": city, "address_line": "梅田1-1-1"})
}

pub fn osaka() -> Value {
    donor("大阪府", "大阪市北区")
}

pub async fn donate(app: &TestApp, body: &Value) -> reqwest::Response {
    app.post("/api/v1/donations", None, body).await
}

/// Creates a donation and returns (id, access_token).
pub async fn donate_ok(app: &TestApp, body: &Value) -> (String, String) {
    let res = donate(app, body).await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["status"], "pending_payment");
    (
        created["id"].as_str().unwrap().to_owned(),
        created["access_token"].as_str().unwrap().to_owned(),
    )
}

pub async fn webhook_at(app: &TestApp, event: &Value, timestamp: i64) -> reqwest::Response {
    let body = serde_json::to_vec(event).unwrap();
    let header = signature::sign(b"dev-webhook-secret-change-me", timestamp, &body);
    app.client
        .post(app.url("/api/v1/payments/webhook"))
        .header("content-type", "application/json")
        .header("furusato-signature", header)
        .body(body)
        .send()
        .await
        .unwrap()
}

pub async fn webhook(app: &TestApp, event: &Value) -> reqwest::Response {
    webhook_at(app, event, chrono::Utc::now().timestamp()).await
}

pub fn succeeded(event_id: &str, donation_id: &str, amount: i64, paid_at: &str) -> Value {
    json!({"id": event_id, "type": "payment.succeeded",
           "data": {"donation_id": donation_id, "amount": amount, "paid_at": paid_at, "provider_reference": "ch_test"}})
}

pub async fn pay(app: &TestApp, donation_id: &str, amount: i64) {
    let event = succeeded(
        &format!("evt_{donation_id}"),
        donation_id,
        amount,
        "2025-07-14T10:00:00+09:00",
    );
    let res = webhook(app, &event).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
}

pub async fn view(app: &TestApp, id: &str, token: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/donations/{id}"), Some(token))
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// An admin, a vendor and one published gift; returns (admin token, gift id).
pub async fn gift_setup(app: &TestApp, amount: i64, stock: Option<i64>) -> (String, String) {
    let admin = app.admin_token().await;
    let vendor = create_vendor(app, &admin, "品川区観光協会").await;
    let mut body = gift_body("GIFT-1", &vendor, amount, amount * 3 / 10);
    body["stock"] = json!(stock);
    let gift = create_gift(app, &admin, &body).await;
    (admin, gift["id"].as_str().unwrap().to_owned())
}

/// Moves a donation's creation to the given Japan date (for receipt dates in past fiscal years).
pub fn made_on(app: &TestApp, id: &str, date: &str) {
    use diesel::prelude::*;
    use furusato::db::schema::donations;
    let day: chrono::NaiveDate = date.parse().unwrap();
    let at = furusato::domain::calendar::start_of_japan_day(day).naive_utc();
    diesel::update(donations::table.filter(donations::id.eq(id)))
        .set(donations::created_at.eq(at))
        .execute(&mut *app.conn())
        .unwrap();
}

async fn create_org(app: &TestApp, admin: &str) -> String {
    let res = app
        .post(
            "/api/v1/admin/organizations",
            Some(admin),
            &json!({"name": "学校法人 香蘭女学校"}),
        )
        .await;
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn each_kind_is_paid_by_webhook(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, gift) = gift_setup(&app, 34_000, Some(10)).await;
    let org = create_org(&app, &admin).await;

    let bodies = [
        json!({"kind": "gift", "gift_id": gift, "quantity": 2, "amount": 68_000, "donor": osaka(), "one_stop": true}),
        json!({"kind": "support", "organization_id": org, "amount": 10_000, "donor": osaka()}),
        json!({"kind": "on_site", "amount": 30_000, "donor": osaka()}),
        json!({"kind": "general", "amount": 5_000, "donor": osaka(), "channel": "official_site"}),
    ];
    for body in bodies {
        let (id, token) = donate_ok(&app, &body).await;
        let before = view(&app, &id, &token).await;
        assert_eq!(before["status"], "pending_payment");
        assert!(before["receipt_number"].is_null());
        let amount = body["amount"].as_i64().unwrap();
        // 2025-07-13T15:30Z is already 14 July in Japan.
        let res = webhook(
            &app,
            &succeeded(&format!("evt_{id}"), &id, amount, "2025-07-13T15:30:00Z"),
        )
        .await;
        assert_eq!(res.json::<Value>().await.unwrap()["outcome"], "paid");
        let after = view(&app, &id, &token).await;
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
    let list: Value = app
        .get("/api/v1/admin/donations?status=paid", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    let mut numbers: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["receipt_number"].as_str().unwrap().to_owned())
        .collect();
    numbers.sort();
    assert_eq!(
        numbers,
        ["R7-000001", "R7-000002", "R7-000003", "R7-000004"]
    );
}

async fn staff_confirm_offline_payments(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, gift) = gift_setup(&app, 10_000, Some(1)).await;
    let (id, token) = donate_ok(
        &app,
        &json!({"kind": "gift", "gift_id": gift, "amount": 10_000, "donor": osaka()}),
    )
    .await;
    made_on(&app, &id, "2026-03-01");
    let path = format!("/api/v1/admin/donations/{id}/payment");
    let res = app
        .post(
            &path,
            Some(&admin),
            &json!({"received_on": "2026-03-31", "method": "bank_transfer"}),
        )
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let paid: Value = res.json().await.unwrap();
    assert_eq!(paid["status"], "paid");
    assert_eq!(paid["payment_method"], "bank_transfer");
    assert_eq!(
        paid["receipt_number"], "R7-000001",
        "31 March 2026 is still FY2025"
    );
    assert_eq!(view(&app, &id, &token).await["received_on"], "2026-03-31");
    let res = app
        .post(
            &path,
            Some(&admin),
            &json!({"received_on": "2026-04-01", "method": "counter"}),
        )
        .await;
    assert_problem(res, 409, "already_paid").await;
    let res = app
        .post(
            &path,
            Some(&admin),
            &json!({"received_on": "2026-04-02", "method": "counter"}),
        )
        .await;
    assert_problem(res, 409, "already_paid").await;

    let (general, _) = donate_ok(
        &app,
        &json!({"kind": "general", "amount": 3_000, "donor": osaka()}),
    )
    .await;
    made_on(&app, &general, "2026-03-31");
    // In the future: refused.
    let res = app
        .post(
            &format!("/api/v1/admin/donations/{general}/payment"),
            Some(&admin),
            &json!({"received_on": "2999-01-01", "method": "counter"}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    // Before the donation was made: refused.
    let res = app
        .post(
            &format!("/api/v1/admin/donations/{general}/payment"),
            Some(&admin),
            &json!({"received_on": "2026-03-30", "method": "counter"}),
        )
        .await;
    assert_problem(res, 422, "validation_failed").await;
    // On-site vouchers are card-only.
    let (on_site, _) = donate_ok(
        &app,
        &json!({"kind": "on_site", "amount": 10_000, "donor": osaka()}),
    )
    .await;
    let today = furusato::domain::calendar::japan_today().to_string();
    let res = app
        .post(
            &format!("/api/v1/admin/donations/{on_site}/payment"),
            Some(&admin),
            &json!({"received_on": today, "method": "counter"}),
        )
        .await;
    assert_problem(res, 409, "card_payment_only").await;
    let res = app
        .post(
            &format!("/api/v1/admin/donations/{general}/payment"),
            Some(&admin),
            &json!({"received_on": "2026-04-01", "method": "counter"}),
        )
        .await;
    assert_eq!(
        res.json::<Value>().await.unwrap()["receipt_number"],
        "R8-000001",
        "FY2026 numbers start again"
    );
}

async fn last_units_are_never_oversold(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, gift) = gift_setup(&app, 10_000, Some(5)).await;
    let body = json!({"kind": "gift", "gift_id": gift, "amount": 10_000, "donor": osaka()});
    let requests = (0..50).map(|_| donate(&app, &body));
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
    let g: Value = app
        .get(&format!("/api/v1/admin/gifts/{gift}"), Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(g["stock"], 0);
    let list: Value = app
        .get("/api/v1/admin/donations", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 5);
    // Out of stock shows in the public catalogue at once.
    let public: Value = app
        .get("/api/v1/gifts?in_stock=true", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(public["total"], 0);
}

async fn idempotency_key_runs_once(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let body = json!({"kind": "general", "amount": 7_000, "donor": osaka()});
    let send = |key: &'static str, body: Value| {
        app.client
            .post(app.url("/api/v1/donations"))
            .header("idempotency-key", key)
            .json(&body)
            .send()
    };
    let responses =
        futures_util::future::join_all((0..20).map(|_| send("order-123", body.clone()))).await;
    let mut bodies = HashSet::new();
    for res in responses {
        let res = res.unwrap();
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
    let list: Value = app
        .get("/api/v1/admin/donations", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);

    // Key order in the body does not matter; a different body does.
    let reordered = json!({"donor": osaka(), "amount": 7_000, "kind": "general"});
    let res = send("order-123", reordered).await.unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(res.json::<Value>().await.unwrap()["id"], first["id"]);
    let res = send(
        "order-123",
        json!({"kind": "general", "amount": 8_000, "donor": osaka()}),
    )
    .await
    .unwrap();
    assert_problem(res, 422, "idempotency_key_reused").await;
    let res = app
        .client
        .post(app.url("/api/v1/donations"))
        .header("idempotency-key", "")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_problem(res, 400, "invalid_idempotency_key").await;
}

async fn webhooks_that_must_change_nothing(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (id, token) = donate_ok(
        &app,
        &json!({"kind": "general", "amount": 5_000, "donor": osaka()}),
    )
    .await;
    let event = succeeded("evt_1", &id, 5_000, "2025-07-14T10:00:00+09:00");
    let body = serde_json::to_vec(&event).unwrap();
    let now = chrono::Utc::now().timestamp();
    let post = |header: Option<String>, body: Vec<u8>| {
        let mut req = app
            .client
            .post(app.url("/api/v1/payments/webhook"))
            .header("content-type", "application/json")
            .body(body);
        if let Some(h) = header {
            req = req.header("furusato-signature", h);
        }
        req.send()
    };
    // Unsigned, signed with another secret, tampered, expired, from the future.
    assert_problem(
        post(None, body.clone()).await.unwrap(),
        401,
        "invalid_signature",
    )
    .await;
    let wrong = signature::sign(b"not-the-secret", now, &body);
    assert_problem(
        post(Some(wrong), body.clone()).await.unwrap(),
        401,
        "invalid_signature",
    )
    .await;
    let signed = signature::sign(b"dev-webhook-secret-change-me", now, &body);
    let mut tampered = body.clone();
    let pos = tampered.iter().position(|b| *b == b'5').unwrap();
    tampered[pos] = b'9';
    assert_problem(
        post(Some(signed.clone()), tampered).await.unwrap(),
        401,
        "invalid_signature",
    )
    .await;
    for t in [now - 301, now + 301] {
        let old = signature::sign(b"dev-webhook-secret-change-me", t, &body);
        assert_problem(
            post(Some(old), body.clone()).await.unwrap(),
            401,
            "invalid_signature",
        )
        .await;
    }
    // A wrong amount, correctly signed.
    let res = webhook(
        &app,
        &succeeded("evt_x", &id, 4_999, "2025-07-14T10:00:00+09:00"),
    )
    .await;
    assert_problem(res, 422, "amount_mismatch").await;
    assert_eq!(view(&app, &id, &token).await["status"], "pending_payment");

    // The real event, then a replay of the exact same delivery.
    let res = post(Some(signed.clone()), body.clone()).await.unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["outcome"], "paid");
    let receipt = view(&app, &id, &token).await["receipt_number"].clone();
    let res = post(Some(signed), body).await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["outcome"], "duplicate");
    // Out of order: a failure after success changes nothing; a second success event neither.
    let failed = json!({"id": "evt_2", "type": "payment.failed", "data": {"donation_id": id, "amount": 5_000}});
    assert_eq!(
        webhook(&app, &failed).await.json::<Value>().await.unwrap()["outcome"],
        "no_change"
    );
    let again = succeeded("evt_3", &id, 5_000, "2025-07-20T10:00:00+09:00");
    assert_eq!(
        webhook(&app, &again).await.json::<Value>().await.unwrap()["outcome"],
        "no_change"
    );
    let after = view(&app, &id, &token).await;
    assert_eq!(after["status"], "paid");
    assert_eq!(after["received_on"], "2025-07-14");
    assert_eq!(after["receipt_number"], receipt);
}

async fn failed_then_late_success_needs_staff(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, gift) = gift_setup(&app, 10_000, Some(1)).await;
    let (id, token) = donate_ok(
        &app,
        &json!({"kind": "gift", "gift_id": gift, "amount": 10_000, "donor": osaka()}),
    )
    .await;
    let failed = json!({"id": "evt_f", "type": "payment.failed", "data": {"donation_id": id, "amount": 10_000}});
    assert_eq!(
        webhook(&app, &failed).await.json::<Value>().await.unwrap()["outcome"],
        "cancelled"
    );
    let g: Value = app
        .get(&format!("/api/v1/admin/gifts/{gift}"), Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(g["stock"], 1, "cancellation releases the reserved unit");
    let late = succeeded("evt_s", &id, 10_000, "2025-07-14T10:00:00+09:00");
    assert_eq!(
        webhook(&app, &late).await.json::<Value>().await.unwrap()["outcome"],
        "needs_attention"
    );
    assert_eq!(
        view(&app, &id, &token).await["status"],
        "cancelled",
        "not silently revived"
    );
    let d: Value = app
        .get(&format!("/api/v1/admin/donations/{id}"), Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert!(d["attention"].as_str().unwrap().contains("evt_s"));
}

async fn concurrent_payments_get_consecutive_receipts(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let mut ids = Vec::new();
    for _ in 0..100 {
        ids.push(
            donate_ok(
                &app,
                &json!({"kind": "general", "amount": 2_000, "donor": osaka()}),
            )
            .await
            .0,
        );
    }
    let events: Vec<Value> = ids
        .iter()
        .map(|id| succeeded(&format!("evt_{id}"), id, 2_000, "2025-12-31T23:59:00+09:00"))
        .collect();
    let responses = futures_util::future::join_all(events.iter().map(|e| webhook(&app, e))).await;
    for res in responses {
        assert_eq!(res.status(), 200);
    }
    let admin = app.admin_token().await;
    let list: Value = app
        .get(
            "/api/v1/admin/donations?status=paid&per_page=100",
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    let mut numbers: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["receipt_number"].as_str().unwrap().to_owned())
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=100).map(|n| format!("R7-{n:06}")).collect();
    assert_eq!(numbers, expected);
}

async fn resident_amount_and_validation_rules(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, gift) = gift_setup(&app, 34_000, None).await;
    let org = create_org(&app, &admin).await;
    let resident = donor("東京都", "品川区");
    for body in [
        json!({"kind": "gift", "gift_id": gift, "amount": 34_000, "donor": resident}),
        json!({"kind": "on_site", "amount": 10_000, "donor": donor("東京都", "品川区東五反田")}),
    ] {
        let p = assert_problem(donate(&app, &body).await, 422, "resident_gift_not_allowed").await;
        assert!(
            p["detail"].as_str().unwrap().contains("support"),
            "suggests another way to give"
        );
    }
    donate_ok(
        &app,
        &json!({"kind": "support", "organization_id": org, "amount": 10_000, "donor": resident}),
    )
    .await;
    donate_ok(
        &app,
        &json!({"kind": "general", "amount": 10_000, "donor": resident}),
    )
    .await;

    assert_problem(
        donate(
            &app,
            &json!({"kind": "gift", "gift_id": gift, "amount": 30_000, "donor": osaka()}),
        )
        .await,
        422,
        "amount_mismatch",
    )
    .await;
    assert_problem(
        donate(
            &app,
            &json!({"kind": "on_site", "amount": 20_000, "donor": osaka()}),
        )
        .await,
        422,
        "invalid_amount",
    )
    .await;
    assert_problem(
        donate(
            &app,
            &json!({"kind": "general", "amount": 999, "donor": osaka()}),
        )
        .await,
        422,
        "invalid_amount",
    )
    .await;
    assert_problem(
        donate(
            &app,
            &json!({"kind": "general", "amount": -5, "donor": osaka()}),
        )
        .await,
        422,
        "invalid_amount",
    )
    .await;
    assert_problem(donate(&app, &json!({"kind": "gift", "gift_id": "00000000-0000-0000-0000-000000000000", "amount": 34_000, "donor": osaka()})).await, 422, "gift_not_available").await;

    let bad_donor = json!({"name": "", "name_kana": "しながわ", "email": "not-an-email", "phone": "12",
                           "postal_code": "5300001x", "prefecture": "大阪", "city": "大阪市北区", "address_line": "梅田1-1-1"});
    let p = assert_problem(donate(&app, &json!({"kind": "general", "amount": 5_000, "donor": bad_donor, "channel": "BAD CHANNEL"})).await, 422, "validation_failed").await;
    let fields: HashSet<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "donor.name",
        "donor.name_kana",
        "donor.email",
        "donor.phone",
        "donor.postal_code",
        "donor.prefecture",
        "channel",
    ] {
        assert!(fields.contains(f), "{f} missing from {p}");
    }
    assert!(!fields.contains("donor.city"));
    let p = assert_problem(
        donate(
            &app,
            &json!({"kind": "support", "amount": 5_000, "donor": osaka()}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "organization_id");
    let p = assert_problem(
        donate(
            &app,
            &json!({"kind": "lottery", "amount": 5_000, "donor": osaka()}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert!(p["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("unknown variant"));
    assert_eq!(p["errors"][0]["field"], "kind");
    let p = assert_problem(
        donate(
            &app,
            &json!({"kind": "general", "amount": "lots", "donor": osaka()}),
        )
        .await,
        422,
        "validation_failed",
    )
    .await;
    assert_eq!(p["errors"][0]["field"], "amount");
    // Nothing was written by any refused request.
    let list: Value = app
        .get("/api/v1/admin/donations", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 2);
}

async fn refunds_are_reversals(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, gift) = gift_setup(&app, 10_000, Some(3)).await;
    let (id, token) = donate_ok(
        &app,
        &json!({"kind": "gift", "gift_id": gift, "amount": 10_000, "donor": osaka()}),
    )
    .await;
    let refund = format!("/api/v1/admin/donations/{id}/refund");
    assert_problem(
        app.post(&refund, Some(&admin), &json!({"reason": "重複"}))
            .await,
        409,
        "not_refundable",
    )
    .await;
    pay(&app, &id, 10_000).await;
    assert_problem(
        app.post(&refund, Some(&admin), &json!({"reason": " "}))
            .await,
        422,
        "validation_failed",
    )
    .await;
    let res = app
        .post(
            &refund,
            Some(&admin),
            &json!({"reason": "重複した寄附のため"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let d: Value = res.json().await.unwrap();
    assert_eq!(d["status"], "refunded");
    assert_eq!(d["refund_reason"], "重複した寄附のため");
    assert!(
        d["receipt_number"].is_string(),
        "the record and its number are kept"
    );
    let g: Value = app
        .get(&format!("/api/v1/admin/gifts/{gift}"), Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(g["stock"], 3, "stock released");
    let receipt: Value = app
        .get(&format!("/api/v1/donations/{id}/receipt"), Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(receipt["voided"], true);
    assert_problem(
        app.post(&refund, Some(&admin), &json!({"reason": "again"}))
            .await,
        409,
        "not_refundable",
    )
    .await;
    assert_eq!(view(&app, &id, &token).await["status"], "refunded");
    let log: Value = app
        .get(
            &format!("/api/v1/admin/audit-log?entity_id={id}"),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(log["items"][0]["action"], "refund");
}

async fn tokens_read_their_own_donation_only(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let (a, token_a) = donate_ok(
        &app,
        &json!({"kind": "general", "amount": 5_000, "donor": osaka()}),
    )
    .await;
    let (b, _token_b) = donate_ok(
        &app,
        &json!({"kind": "general", "amount": 6_000, "donor": osaka()}),
    )
    .await;
    assert_eq!(view(&app, &a, &token_a).await["amount"], 5_000);
    for token in [
        Some(token_a.as_str()),
        None,
        Some("garbage"),
        Some(admin.as_str()),
    ] {
        let res = app.get(&format!("/api/v1/donations/{b}"), token).await;
        assert_problem(res, 404, "donation_not_found").await;
    }
    let res = app
        .get(
            "/api/v1/donations/00000000-0000-0000-0000-000000000000",
            Some(&token_a),
        )
        .await;
    assert_problem(res, 404, "donation_not_found").await;
    // Receipts: the donor's token or an admin; not yet paid is 404 receipt_not_found.
    assert_problem(
        app.get(&format!("/api/v1/donations/{a}/receipt"), Some(&token_a))
            .await,
        404,
        "receipt_not_found",
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/donations/{b}/receipt"), Some(&token_a))
            .await,
        404,
        "donation_not_found",
    )
    .await;
}

async fn receipts_csv_and_one_stop(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let (id, token) = donate_ok(
        &app,
        &json!({"kind": "general", "amount": 12_345, "donor": osaka(), "one_stop": true}),
    )
    .await;
    pay(&app, &id, 12_345).await;
    let receipt: Value = app
        .get(&format!("/api/v1/donations/{id}/receipt"), Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(receipt["receipt_number"], "R7-000001");
    assert_eq!(receipt["donor_name"], "品川 花子");
    assert_eq!(receipt["donor_address"], "大阪府大阪市北区梅田1-1-1");
    assert_eq!(receipt["amount"], 12_345);
    assert_eq!(receipt["received_on"], "2025-07-14");
    assert_eq!(receipt["municipality_name"], "品川区");
    assert_eq!(receipt["issuer_title"], "品川区長");
    assert_eq!(receipt["reissued"], false);
    let html = app
        .client
        .get(app.url(&format!("/api/v1/donations/{id}/receipt")))
        .bearer_auth(&admin)
        .header("accept", "text/html")
        .send()
        .await
        .unwrap()
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

    let res = app
        .client
        .get(app.url("/api/v1/admin/donations?status=paid"))
        .bearer_auth(&admin)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let bytes = res.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "BOM for Excel");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(text.starts_with("寄附ID,種別,状態,金額"));
    assert!(text.contains("品川 花子") && text.contains("12345") && text.contains("申請あり"));

    let report: Value = app
        .get("/api/v1/admin/one-stop?tax_year=2025", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["application_deadline"], "2026-01-10");
    assert_eq!(report["groups"][0]["prefecture"], "大阪府");
    assert_eq!(report["groups"][0]["city"], "大阪市北区");
    assert_eq!(report["groups"][0]["count"], 1);
    let empty: Value = app
        .get("/api/v1/admin/one-stop?tax_year=2024", Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(empty["groups"].as_array().unwrap().len(), 0);
}

async fn unpaid_donations_expire_and_release_stock(engine: Engine) {
    use diesel::prelude::*;
    use furusato::db::schema::donations;
    let app = TestApp::spawn(engine).await;
    let (admin, gift) = gift_setup(&app, 10_000, Some(1)).await;
    let (id, token) = donate_ok(
        &app,
        &json!({"kind": "gift", "gift_id": gift, "amount": 10_000, "donor": osaka()}),
    )
    .await;
    assert_problem(
        donate(
            &app,
            &json!({"kind": "gift", "gift_id": gift, "amount": 10_000, "donor": osaka()}),
        )
        .await,
        409,
        "out_of_stock",
    )
    .await;
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
    assert_eq!(view(&app, &id, &token).await["status"], "cancelled");
    let g: Value = app
        .get(&format!("/api/v1/admin/gifts/{gift}"), Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(g["stock"], 1);
    // A bank transfer that arrives after the hold: staff can still confirm it.
    made_on(&app, &id, "2025-07-14");
    let res = app
        .post(
            &format!("/api/v1/admin/donations/{id}/payment"),
            Some(&admin),
            &json!({"received_on": "2025-07-15", "method": "bank_transfer"}),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "paid");
    let g: Value = app
        .get(&format!("/api/v1/admin/gifts/{gift}"), Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(g["stock"], 0, "the unit is taken again");
}

async fn popular_sort_counts_recent_paid_donations(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let vendor = create_vendor(&app, &admin, "ドウシシャ").await;
    let a = create_gift(&app, &admin, &gift_body("POP-A", &vendor, 10_000, 3_000)).await;
    let b = create_gift(&app, &admin, &gift_body("POP-B", &vendor, 20_000, 6_000)).await;
    let c = create_gift(&app, &admin, &gift_body("POP-C", &vendor, 30_000, 9_000)).await;
    let recently = (chrono::Utc::now() - chrono::Duration::days(3)).to_rfc3339();
    let long_ago = (chrono::Utc::now() - chrono::Duration::days(120)).to_rfc3339();
    let paid = |gift: &Value, amount: i64, at: String| {
        let body =
            json!({"kind": "gift", "gift_id": gift["id"], "amount": amount, "donor": osaka()});
        let app = &app;
        async move {
            let (id, _) = donate_ok(app, &body).await;
            let res = webhook(app, &succeeded(&format!("evt_{id}"), &id, amount, &at)).await;
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
    donate_ok(
        &app,
        &json!({"kind": "gift", "gift_id": c["id"], "amount": 30_000, "donor": osaka()}),
    )
    .await;
    let list: Value = app
        .get("/api/v1/gifts?sort=popular", None)
        .await
        .json()
        .await
        .unwrap();
    let codes: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["POP-B", "POP-A", "POP-C"]);
}

/// A refusal is an answer too: a repeat with the same key gets it again, even after the
/// situation changed, and does nothing.
async fn a_refusal_is_replayed_under_its_key(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let (admin, gift) = gift_setup(&app, 10_000, Some(1)).await;
    let body = json!({"kind": "gift", "gift_id": gift, "amount": 10_000, "donor": osaka()});
    let (first, _) = donate_ok(&app, &body).await;
    let send = || {
        app.client
            .post(app.url("/api/v1/donations"))
            .header("idempotency-key", "retry-after-sold-out")
            .json(&body)
            .send()
    };
    let refused = assert_problem(send().await.unwrap(), 409, "out_of_stock").await;
    // The unit comes back; the same key still answers as it did, and takes nothing.
    let res = app
        .post(
            &format!("/api/v1/admin/donations/{first}/refund"),
            Some(&admin),
            &json!({"reason": "x"}),
        )
        .await;
    assert_eq!(res.status(), 409, "not paid: nothing to refund");
    {
        let mut conn = app.conn();
        let d = furusato::donations::store::get(&mut conn, &first).unwrap();
        furusato::db::write_transaction(&mut conn, |c| {
            furusato::donations::lifecycle::cancel(c, &d, "test")
        })
        .unwrap();
    }
    let again = assert_problem(send().await.unwrap(), 409, "out_of_stock").await;
    assert_eq!(again, refused);
    let g: Value = app
        .get(&format!("/api/v1/admin/gifts/{gift}"), Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(g["stock"], 1, "the replay reserved nothing");
}

both_engines!(
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
