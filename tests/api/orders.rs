//! Gift fulfilment over HTTP: orders placed by payment, vendors kept to their own orders,
//! tracking files all or nothing, refunds, and the vendor statement.

use diesel::prelude::*;
use futures_util::future::join_all;
use reqwest::Response;
use serde_json::{json, Value};

use crate::both_engines;
use crate::flows::{gift_body, gift_donation, osaka, succeeded, PAID_AT};
use crate::helpers::{assert_problem, error_lines, invalid_fields, strings, Engine, TestApp};

const VENDOR: &str = "/api/v1/vendor/orders";
const STAFF: &str = "/api/v1/admin/orders";

/// Japan's today, as the service dates shipments.
fn japan_today() -> chrono::NaiveDate {
    furusato::domain::calendar::japan_today()
}

struct Shop {
    admin: String,
    vendor: String,
    vendor_token: String,
    gift: String,
}

/// A vendor with a login and one published product gift of ¥10,000 (cost `cost`), `stock` units.
async fn shop(app: &TestApp, code: &str, cost: i64, stock: Option<i64>) -> Shop {
    let admin = app.admin_token().await;
    let vendor = app.create_vendor(&admin, &format!("事業者 {code}")).await;
    let vendor_token = app.vendor_token(&admin, &vendor).await;
    let mut body = gift_body(code, &vendor, 10_000, cost);
    body["stock"] = json!(stock);
    body["accepts_delivery_window"] = json!(true);
    let gift = app.create_gift(&admin, &body).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    Shop {
        admin,
        vendor,
        vendor_token,
        gift,
    }
}

/// Donates one unit of the shop's gift (with `extra` merged into the body) and pays it.
async fn paid_gift(app: &TestApp, shop: &Shop, extra: Value) -> String {
    let mut body = gift_donation(&shop.gift, 10_000);
    for (k, v) in extra.as_object().cloned().unwrap_or_default() {
        body[k] = v;
    }
    let (id, _) = app.donate_ok(&body).await;
    app.pay(&id, body["amount"].as_i64().unwrap()).await;
    id
}

/// The id of the order placed for `donation` among `orders`.
fn order_of(orders: &[Value], donation: &str) -> String {
    let order = orders.iter().find(|o| o["donation_id"] == donation);
    order.expect("an order for the donation")["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// An `action` on an order through the vendor's (`VENDOR`) or the staff's (`STAFF`) routes,
/// whatever the answer.
async fn step(
    app: &TestApp,
    token: Option<&str>,
    orders: &str,
    order: &str,
    action: &str,
    body: &Value,
) -> Response {
    app.post(&format!("{orders}/{order}/{action}"), token, body)
        .await
}

/// A vendor uploads a tracking file (CSV), whatever the answer.
async fn upload_tracking(app: &TestApp, token: Option<&str>, file: Vec<u8>) -> Response {
    app.post_raw("/api/v1/vendor/orders/tracking", token, "text/csv", file)
        .await
}

/// Staff refund `donation` (200); returns its order `order` as staff then see it.
async fn refund_and_see(app: &TestApp, shop: &Shop, donation: &str, order: &str) -> Value {
    let res = app.refund(&shop.admin, donation, "寄附者の申し出").await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    let admin = Some(shop.admin.as_str());
    app.get_json(&format!("{STAFF}/{order}"), admin).await
}

fn recipient() -> Value {
    json!({"name": "目黒 次郎", "name_kana": "ﾒｸﾞﾛ ｼﾞﾛｳ", "phone": "03-1111-2222",
           "postal_code": "153-0063", "prefecture": "東京都", "city": "目黒区",
           "address_line": "目黒1-1-1"})
}

async fn paying_a_gift_donation_places_one_order_for_its_vendor(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let shop = shop(&app, "ORD-1", 3_000, None).await;
    let delivery = json!({"delivery": {"recipient": recipient(),
        "noshi": {"type": "oseibo", "name": "品川"}, "window": "18-20"}});
    let id = paid_gift(&app, &shop, delivery).await;

    let orders = app.orders(VENDOR, &shop.vendor_token).await;
    assert_eq!(orders.len(), 1);
    let order = &orders[0];
    assert_eq!(order["donation_id"], id.as_str());
    assert_eq!(order["status"], "new");
    assert_eq!(order["fulfilment"], "parcel");
    assert_eq!(order["unit_cost"], 3_000);
    assert_eq!(order["quantity"], 1);
    assert_eq!(order["ship_to"]["name"], "目黒 次郎");
    assert_eq!(order["ship_to"]["name_kana"], "メグロ ジロウ");
    assert_eq!(order["ship_to_is_donor"], false);
    assert_eq!(order["noshi"], json!({"type": "oseibo", "name": "品川"}));
    assert_eq!(order["delivery_window"], "18-20");
    assert!(
        order.get("attention").is_none(),
        "staff notes stay with staff"
    );

    // The same event again, and another event for the same payment: still one order.
    let replay = succeeded(&format!("evt_{id}"), &id, 10_000, PAID_AT);
    assert_eq!(app.webhook_outcome(&replay).await, "duplicate");
    let other = succeeded(&format!("evt_again_{id}"), &id, 10_000, PAID_AT);
    assert_eq!(app.webhook_outcome(&other).await, "no_change");
    let all = app.orders(STAFF, &shop.admin).await;
    assert_eq!(all.len(), 1);

    // No recipient named: the donor's address; no order for a donation without a gift.
    paid_gift(&app, &shop, json!({})).await;
    let (general, _) = app.donate_ok(&crate::flows::general(5_000)).await;
    app.pay(&general, 5_000).await;
    let all = app.orders(STAFF, &shop.admin).await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[1]["ship_to"]["name"], osaka()["name"]);
    assert_eq!(all[1]["ship_to_is_donor"], true);
}

async fn delivery_details_are_checked_like_the_donors(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let shop = shop(&app, "ORD-2", 3_000, None).await;
    let mut bad = recipient();
    bad["postal_code"] = json!("1530");
    bad["name"] = json!("");
    let mut body = gift_donation(&shop.gift, 10_000);
    body["delivery"] =
        json!({"recipient": bad, "noshi": {"type": "oseibo", "name": "長".repeat(21)}});
    let res = app.donate(&body).await;
    assert_eq!(
        invalid_fields(res).await,
        [
            "delivery.recipient.name",
            "delivery.recipient.postal_code",
            "delivery.noshi.name"
        ]
    );
    // Delivery details belong to gift donations only.
    let mut general = crate::flows::general(5_000);
    general["delivery"] = json!({"window": "morning"});
    let res = app.donate(&general).await;
    assert_eq!(invalid_fields(res).await, ["delivery"]);
    // A time slot only where the gift takes one.
    let patch = json!({"accepts_delivery_window": false});
    let res = app.patch_gift(&shop.admin, &shop.gift, &patch).await;
    assert_eq!(res.status(), 200);
    let mut slot = gift_donation(&shop.gift, 10_000);
    slot["delivery"] = json!({"window": "morning"});
    let res = app.donate(&slot).await;
    assert_eq!(invalid_fields(res).await, ["delivery.window"]);
}

async fn fifty_concurrent_payments_place_fifty_orders(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let shop = shop(&app, "ORD-50", 3_000, Some(60)).await;
    let mut ids = Vec::new();
    for _ in 0..50 {
        ids.push(app.donate_ok(&gift_donation(&shop.gift, 10_000)).await.0);
    }
    let events: Vec<Value> = ids
        .iter()
        .map(|id| succeeded(&format!("evt_{id}"), id, 10_000, PAID_AT))
        .collect();
    // Every payment at once, then every one replayed at once.
    let outcomes = join_all(events.iter().map(|e| app.webhook_outcome(e))).await;
    assert!(outcomes.iter().all(|o| o == "paid"), "{outcomes:?}");
    let replays = join_all(events.iter().map(|e| app.webhook_outcome(e))).await;
    assert!(replays.iter().all(|o| o == "duplicate"), "{replays:?}");

    let page = app
        .get_json("/api/v1/admin/orders?per_page=100", Some(&shop.admin))
        .await;
    assert_eq!(page["total"], 50);
    let mut donations = strings(&page["items"], "donation_id");
    donations.sort_unstable();
    donations.dedup();
    assert_eq!(donations.len(), 50, "one order per donation");
    assert_eq!(app.gift_stock(&shop.admin, &shop.gift).await, 10);
}

async fn a_vendor_sees_and_changes_only_its_own_orders(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let a = shop(&app, "ORD-A", 3_000, None).await;
    let b = shop(&app, "ORD-B", 3_000, None).await;
    paid_gift(&app, &a, json!({})).await;
    paid_gift(&app, &b, json!({})).await;
    let mine = app.orders(VENDOR, &a.vendor_token).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["vendor"]["id"], a.vendor.as_str());
    let theirs = app.orders(VENDOR, &b.vendor_token).await;
    let other = theirs[0]["id"].as_str().unwrap();

    // Every vendor route, aimed at another vendor's order: not found, and nothing changes.
    let token = Some(a.vendor_token.as_str());
    let read = app
        .get(&format!("/api/v1/vendor/orders/{other}"), token)
        .await;
    assert_problem(read, 404, "order_not_found").await;
    let ship = json!({"carrier": "yamato", "tracking_number": "1234-5678-9012"});
    for (action, body) in [
        ("accept", json!({})),
        ("shipment", ship.clone()),
        ("delivery", json!({})),
        ("return", json!({})),
    ] {
        let res = step(&app, token, VENDOR, other, action, &body).await;
        assert_problem(res, 404, "order_not_found").await;
    }
    let csv = format!("注文ID,配送業者,伝票番号\n{other},yamato,123456789012\n");
    let res = upload_tracking(&app, token, csv.into_bytes()).await;
    let problem = assert_problem(res, 422, "import_rejected").await;
    assert_eq!(problem["errors"][0]["line"], 2);
    let export = app
        .get_csv("/api/v1/vendor/orders/export", &a.vendor_token)
        .await;
    assert!(
        !export.contains(other),
        "another vendor's order in the export"
    );
    assert!(export.contains(mine[0]["id"].as_str().unwrap()));
    // Staff-only filters and actions are refused to vendors; staff routes too.
    let filter = app
        .get(
            &format!("/api/v1/vendor/orders?vendor_id={}", b.vendor),
            token,
        )
        .await;
    assert_eq!(invalid_fields(filter).await, ["vendor_id"]);
    let flagged = app.get("/api/v1/vendor/orders?attention=true", token).await;
    assert_eq!(invalid_fields(flagged).await, ["attention"]);
    let hold = step(&app, token, STAFF, other, "hold", &json!({"reason": "x"})).await;
    assert_problem(hold, 403, "forbidden").await;
    let statement = app
        .get(
            &format!("/api/v1/admin/vendors/{}/statement?month=2026-11", b.vendor),
            token,
        )
        .await;
    assert_problem(statement, 403, "forbidden").await;
    // Staff are not vendors.
    let staff = app.get(VENDOR, Some(&a.admin)).await;
    assert_problem(staff, 403, "forbidden").await;
    let after = app.orders(VENDOR, &b.vendor_token).await;
    assert_eq!(after[0]["status"], "new");
}

async fn a_tracking_file_is_all_or_nothing(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let shop = shop(&app, "ORD-T", 3_000, None).await;
    paid_gift(&app, &shop, json!({"delivery": {"recipient": recipient()}})).await;
    paid_gift(&app, &shop, json!({})).await;

    // The export, in Shift_JIS as label software reads it.
    let res = app
        .get(
            "/api/v1/vendor/orders/export?charset=shift_jis",
            Some(&shop.vendor_token),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=Shift_JIS");
    let bytes = res.bytes().await.unwrap();
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!bad, "valid CP932");
    let mut lines: Vec<Vec<String>> = text
        .lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect();
    assert_eq!(lines[0][0], "注文ID");
    assert_eq!(lines[0][7], "お届け先氏名");
    assert_eq!(lines.len(), 3);
    assert!(text.contains("目黒 次郎"), "the named recipient");

    // Fill in the carrier and tracking columns; one line is wrong.
    let carrier = lines[0].iter().position(|h| h == "配送業者").unwrap();
    let tracking = lines[0].iter().position(|h| h == "伝票番号").unwrap();
    lines[1][carrier] = "ヤマト運輸".into();
    lines[1][tracking] = "1234-5678-9012".into();
    lines[2][carrier] = "飛脚".into();
    lines[2][tracking] = "12".into();
    let file = |lines: &Vec<Vec<String>>| {
        let text: String = lines.iter().map(|l| l.join(",") + "\r\n").collect();
        encoding_rs::SHIFT_JIS.encode(&text).0.into_owned()
    };
    let token = Some(shop.vendor_token.as_str());
    let res = upload_tracking(&app, token, file(&lines)).await;
    let problem = assert_problem(res, 422, "import_rejected").await;
    assert_eq!(
        error_lines(&problem),
        [(3, "carrier"), (3, "tracking_number")]
    );
    let orders = app.orders(VENDOR, &shop.vendor_token).await;
    assert!(
        orders.iter().all(|o| o["status"] == "new"),
        "nothing changed"
    );
    assert!(app.outbox("gift_shipped").is_empty());

    lines[2][carrier] = "sagawa".into();
    lines[2][tracking] = "987654321098".into();
    let res = upload_tracking(&app, token, file(&lines)).await;
    assert_eq!(res.status(), 200);
    let outcome: Value = res.json().await.unwrap();
    assert_eq!(outcome, json!({"lines": 2, "shipped": 2, "unchanged": 0}));
    let orders = app.orders(VENDOR, &shop.vendor_token).await;
    assert!(orders.iter().all(|o| o["status"] == "shipped"));
    assert_eq!(orders[0]["carrier"], "yamato");
    assert_eq!(orders[0]["shipped_on"], japan_today().to_string());
    let mails = app.outbox("gift_shipped");
    assert_eq!(mails.len(), 2);
    assert!(mails.iter().any(|m| m.body_text.contains("1234-5678-9012")
        && m.body_text.contains("ヤマト運輸")
        && m.body_text.contains("目黒 次郎")));

    // The same file again changes and tells nothing.
    let res = upload_tracking(&app, token, file(&lines)).await;
    let outcome: Value = res.json().await.unwrap();
    assert_eq!(outcome["unchanged"], 2);
    assert_eq!(app.outbox("gift_shipped").len(), 2);

    // Delivered; an order cannot go back to accepted.
    let id = orders[0]["id"].as_str().unwrap();
    let res = step(&app, token, VENDOR, id, "delivery", &json!({})).await;
    assert_eq!(res.status(), 200);
    let res = step(&app, token, VENDOR, id, "accept", &json!({})).await;
    assert_problem(res, 409, "order_state_conflict").await;
}

async fn an_experience_is_fulfilled_by_a_booking_reference(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let shop = shop(&app, "ORD-X", 3_000, None).await;
    // The category is part of what was approved: back to a draft, changed, approved again.
    app.gift_action(&shop.admin, &shop.gift, "suspend").await;
    app.gift_action(&shop.admin, &shop.gift, "reopen").await;
    let patch = json!({"category": "experience", "accepts_delivery_window": false});
    let res = app.patch_gift(&shop.admin, &shop.gift, &patch).await;
    assert_eq!(res.status(), 200);
    app.gift_action(&shop.admin, &shop.gift, "submit").await;
    let approver = app.approver_token().await;
    app.gift_action(&approver, &shop.gift, "approve").await;
    app.gift_action(&shop.admin, &shop.gift, "publish").await;
    // のし is for parcels.
    let mut body = gift_donation(&shop.gift, 10_000);
    body["delivery"] = json!({"noshi": {"type": "orei"}});
    let res = app.donate(&body).await;
    assert_eq!(invalid_fields(res).await, ["delivery.noshi"]);

    let (donation, donor_token) = app.donate_ok(&gift_donation(&shop.gift, 10_000)).await;
    app.pay(&donation, 10_000).await;
    let order = &app.orders(VENDOR, &shop.vendor_token).await[0];
    assert_eq!(order["fulfilment"], "booking");
    let seen = app.view_donation(&donation, &donor_token).await;
    assert_eq!(seen["gift_order"]["status_label"], "発送準備中");
    let id = order["id"].as_str().unwrap();
    let token = Some(shop.vendor_token.as_str());
    let parcel = json!({"carrier": "yamato", "tracking_number": "123456789"});
    let parcel = step(&app, token, VENDOR, id, "shipment", &parcel).await;
    assert_eq!(
        invalid_fields(parcel).await,
        ["tracking_number", "booking_reference"]
    );
    let booking = json!({"booking_reference": "CRUISE-0042"});
    let booked = step(&app, token, VENDOR, id, "shipment", &booking).await;
    assert_eq!(booked.status(), 200);
    let order: Value = booked.json().await.unwrap();
    assert_eq!(order["status"], "shipped");
    assert_eq!(order["booking_reference"], "CRUISE-0042");
    let mails = app.outbox("gift_shipped");
    let mail = &mails[0].body_text;
    assert!(mail.contains("予約番号: CRUISE-0042"), "{mail}");
    // The donor sees it on their donation (and My page) too.
    let seen = app.view_donation(&donation, &donor_token).await;
    assert_eq!(seen["gift_order"]["status"], "shipped");
    assert_eq!(seen["gift_order"]["booking_reference"], "CRUISE-0042");
}

async fn a_refund_cancels_an_unsent_order_and_flags_a_sent_one(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let shop = shop(&app, "ORD-R", 3_000, Some(5)).await;
    let unsent = paid_gift(&app, &shop, json!({})).await;
    let sent = paid_gift(&app, &shop, json!({})).await;
    assert_eq!(app.gift_stock(&shop.admin, &shop.gift).await, 3);
    let orders = app.orders(STAFF, &shop.admin).await;
    let (unsent_order, sent_order) = (order_of(&orders, &unsent), order_of(&orders, &sent));
    // Staff accept and hold one (the vendor sees it held, not why), then release it.
    let admin = Some(shop.admin.as_str());
    let accept = step(&app, admin, STAFF, &unsent_order, "accept", &json!({})).await;
    assert_eq!(accept.status(), 200);
    let hold = json!({"reason": "住所の確認中"});
    let held = step(&app, admin, STAFF, &unsent_order, "hold", &hold).await;
    let held: Value = held.json().await.unwrap();
    assert_eq!(held["status"], "held");
    assert_eq!(held["held_reason"], "住所の確認中");
    let vendor = Some(shop.vendor_token.as_str());
    let seen = app
        .get_json(&format!("{VENDOR}/{unsent_order}"), vendor)
        .await;
    assert_eq!(seen["status"], "held");
    assert!(seen.get("held_reason").is_none());
    let ship = json!({"carrier": "japan_post", "tracking_number": "111122223333"});
    let res = step(&app, vendor, VENDOR, &unsent_order, "shipment", &ship).await;
    assert_problem(res, 409, "order_state_conflict").await;
    let released = step(&app, admin, STAFF, &unsent_order, "release", &json!({})).await;
    let released: Value = released.json().await.unwrap();
    assert_eq!(released["status"], "accepted");

    let res = step(&app, vendor, VENDOR, &sent_order, "shipment", &ship).await;
    assert_eq!(res.status(), 200);

    let cancelled = refund_and_see(&app, &shop, &unsent, &unsent_order).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(
        app.gift_stock(&shop.admin, &shop.gift).await,
        4,
        "its unit is back"
    );

    let flagged = refund_and_see(&app, &shop, &sent, &sent_order).await;
    assert_eq!(flagged["status"], "shipped");
    assert!(flagged["attention"]
        .as_str()
        .unwrap()
        .contains("refunded after"));
    assert_eq!(
        app.gift_stock(&shop.admin, &shop.gift).await,
        4,
        "a sent gift is gone"
    );
    let attention = app
        .orders("/api/v1/admin/orders?attention=true", &shop.admin)
        .await;
    assert_eq!(attention.len(), 1);
}

async fn the_vendor_statement_equals_a_hand_computation(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let shop = shop(&app, "ORD-S", 3_000, None).await;
    let admin = Some(shop.admin.as_str());
    let token = Some(shop.vendor_token.as_str());
    // Two units at ¥3,000, then the cost changes: orders keep the cost of their donation.
    let mut two = gift_donation(&shop.gift, 20_000);
    two["quantity"] = json!(2);
    let (first, _) = app.donate_ok(&two).await;
    let cheaper = json!({"procurement_cost": 2_500});
    let res = app.patch_gift(&shop.admin, &shop.gift, &cheaper).await;
    assert_eq!(res.status(), 200);
    app.pay(&first, 20_000).await;
    let second = paid_gift(&app, &shop, json!({})).await;
    let third = paid_gift(&app, &shop, json!({})).await;
    let fourth = paid_gift(&app, &shop, json!({})).await;

    let orders = app.orders(VENDOR, &shop.vendor_token).await;
    // The third was ordered and sent last month; the fourth is not sent.
    let today = japan_today();
    let month_start = today.with_day(1).unwrap();
    let last_month = month_start - chrono::Duration::days(1);
    {
        use furusato::db::schema::gift_orders as o;
        let long_ago = (month_start - chrono::Duration::days(40))
            .and_hms_opt(3, 0, 0)
            .unwrap();
        diesel::update(o::table.filter(o::id.eq(order_of(&orders, &third))))
            .set(o::created_at.eq(long_ago))
            .execute(&mut *app.conn())
            .unwrap();
    }
    for (donation, on) in [(&first, today), (&second, today), (&third, last_month)] {
        let ship =
            json!({"carrier": "yamato", "tracking_number": "123456789012", "shipped_on": on});
        let order = order_of(&orders, donation);
        let res = step(&app, token, VENDOR, &order, "shipment", &ship).await;
        assert_eq!(res.status(), 200, "{:?}", res.text().await);
    }
    let _ = fourth;
    let month = format!("{}", today.format("%Y-%m"));
    let statement = app
        .get_json(&format!("/api/v1/vendor/statement?month={month}"), token)
        .await;
    // By hand: 2 × ¥3,000 + 1 × ¥2,500.
    assert_eq!(statement["order_count"], 2);
    assert_eq!(statement["quantity"], 3);
    assert_eq!(statement["amount_owed"], 2 * 3_000 + 2_500);
    let staff = app
        .get_json(
            &format!(
                "/api/v1/admin/vendors/{}/statement?month={month}",
                shop.vendor
            ),
            admin,
        )
        .await;
    assert_eq!(staff["amount_owed"], statement["amount_owed"]);
    let previous = format!("{}", last_month.format("%Y-%m"));
    let earlier = app
        .get_json(&format!("/api/v1/vendor/statement?month={previous}"), token)
        .await;
    assert_eq!(earlier["amount_owed"], 2_500);
    // The same as CSV in Shift_JIS, with its total line.
    let res = app
        .get_accepting(
            &format!("/api/v1/vendor/statement?month={month}"),
            &shop.vendor_token,
            "text/csv; charset=Shift_JIS",
        )
        .await;
    assert_eq!(res.status(), 200);
    let bytes = res.bytes().await.unwrap();
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(!bad);
    assert!(text.starts_with("発送日,注文ID"), "{text}");
    assert!(
        text.trim_end()
            .ends_with(&format!(",{},", 2 * 3_000 + 2_500)),
        "{text}"
    );
}

use chrono::Datelike;

both_engines!(
    paying_a_gift_donation_places_one_order_for_its_vendor,
    delivery_details_are_checked_like_the_donors,
    fifty_concurrent_payments_place_fifty_orders,
    a_vendor_sees_and_changes_only_its_own_orders,
    a_tracking_file_is_all_or_nothing,
    an_experience_is_fulfilled_by_a_booking_reference,
    a_refund_cancels_an_unsent_order_and_flags_a_sent_one,
    the_vendor_statement_equals_a_hand_computation,
);
