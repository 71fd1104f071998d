//! Gift fulfilment over HTTP: orders placed by payment, vendors kept to their own orders,
//! tracking files all or nothing, refunds, and the vendor statement.

use diesel::prelude::*;
use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::both_engines;
use crate::flows::{gift_body, gift_donation, osaka, succeeded, PAID_AT};
use crate::helpers::{assert_problem, error_fields, Engine, TestApp};

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

    let orders = app
        .orders("/api/v1/vendor/orders", &shop.vendor_token)
        .await;
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
    let all = app.orders("/api/v1/admin/orders", &shop.admin).await;
    assert_eq!(all.len(), 1);

    // No recipient named: the donor's address; no order for a donation without a gift.
    paid_gift(&app, &shop, json!({})).await;
    let (general, _) = app.donate_ok(&crate::flows::general(5_000)).await;
    app.pay(&general, 5_000).await;
    let all = app.orders("/api/v1/admin/orders", &shop.admin).await;
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
    let problem = assert_problem(app.donate(&body).await, 422, "validation_failed").await;
    assert_eq!(
        error_fields(&problem),
        vec![
            "delivery.recipient.name",
            "delivery.recipient.postal_code",
            "delivery.noshi.name"
        ]
    );
    // Delivery details belong to gift donations only.
    let mut general = crate::flows::general(5_000);
    general["delivery"] = json!({"window": "morning"});
    let problem = assert_problem(app.donate(&general).await, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), vec!["delivery"]);
    // A time slot only where the gift takes one.
    let patch = json!({"accepts_delivery_window": false});
    let path = format!("/api/v1/admin/gifts/{}", shop.gift);
    assert_eq!(
        app.patch(&path, Some(&shop.admin), &patch).await.status(),
        200
    );
    let mut slot = gift_donation(&shop.gift, 10_000);
    slot["delivery"] = json!({"window": "morning"});
    let problem = assert_problem(app.donate(&slot).await, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), vec!["delivery.window"]);
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
    let mut donations: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["donation_id"].as_str().unwrap())
        .collect();
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
    let mine = app.orders("/api/v1/vendor/orders", &a.vendor_token).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["vendor"]["id"], a.vendor.as_str());
    let theirs = app.orders("/api/v1/vendor/orders", &b.vendor_token).await;
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
        let res = app
            .post(
                &format!("/api/v1/vendor/orders/{other}/{action}"),
                token,
                &body,
            )
            .await;
        assert_problem(res, 404, "order_not_found").await;
    }
    let csv = format!("注文ID,配送業者,伝票番号\n{other},yamato,123456789012\n");
    let res = app
        .post_raw("/api/v1/vendor/orders/tracking", token, "text/csv", csv)
        .await;
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
    let problem = assert_problem(filter, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), vec!["vendor_id"]);
    let flagged = app.get("/api/v1/vendor/orders?attention=true", token).await;
    let problem = assert_problem(flagged, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), vec!["attention"]);
    let hold = app
        .post(
            &format!("/api/v1/admin/orders/{other}/hold"),
            token,
            &json!({"reason": "x"}),
        )
        .await;
    assert_problem(hold, 403, "forbidden").await;
    let statement = app
        .get(
            &format!("/api/v1/admin/vendors/{}/statement?month=2026-11", b.vendor),
            token,
        )
        .await;
    assert_problem(statement, 403, "forbidden").await;
    // Staff are not vendors.
    let staff = app.get("/api/v1/vendor/orders", Some(&a.admin)).await;
    assert_problem(staff, 403, "forbidden").await;
    let after = app.orders("/api/v1/vendor/orders", &b.vendor_token).await;
    assert_eq!(after[0]["status"], "new");
}

fn outbox_kinds(app: &TestApp, kind: &str) -> Vec<(String, String)> {
    use furusato::db::schema::email_outbox as e;
    e::table
        .filter(e::kind.eq(kind))
        .select((e::recipient, e::body_text))
        .load(&mut *app.conn())
        .unwrap()
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
    let res = app
        .post_raw(
            "/api/v1/vendor/orders/tracking",
            token,
            "text/csv",
            file(&lines),
        )
        .await;
    let problem = assert_problem(res, 422, "import_rejected").await;
    let bad: Vec<(i64, &str)> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["line"].as_i64().unwrap(), e["field"].as_str().unwrap()))
        .collect();
    assert_eq!(bad, vec![(3, "carrier"), (3, "tracking_number")]);
    let orders = app
        .orders("/api/v1/vendor/orders", &shop.vendor_token)
        .await;
    assert!(
        orders.iter().all(|o| o["status"] == "new"),
        "nothing changed"
    );
    assert!(outbox_kinds(&app, "gift_shipped").is_empty());

    lines[2][carrier] = "sagawa".into();
    lines[2][tracking] = "987654321098".into();
    let res = app
        .post_raw(
            "/api/v1/vendor/orders/tracking",
            token,
            "text/csv",
            file(&lines),
        )
        .await;
    assert_eq!(res.status(), 200);
    let outcome: Value = res.json().await.unwrap();
    assert_eq!(outcome, json!({"lines": 2, "shipped": 2, "unchanged": 0}));
    let orders = app
        .orders("/api/v1/vendor/orders", &shop.vendor_token)
        .await;
    assert!(orders.iter().all(|o| o["status"] == "shipped"));
    assert_eq!(orders[0]["carrier"], "yamato");
    assert_eq!(orders[0]["shipped_on"], japan_today().to_string());
    let mails = outbox_kinds(&app, "gift_shipped");
    assert_eq!(mails.len(), 2);
    assert!(mails.iter().any(|(_, body)| body.contains("1234-5678-9012")
        && body.contains("ヤマト運輸")
        && body.contains("目黒 次郎")));

    // The same file again changes and tells nothing.
    let res = app
        .post_raw(
            "/api/v1/vendor/orders/tracking",
            token,
            "text/csv",
            file(&lines),
        )
        .await;
    let outcome: Value = res.json().await.unwrap();
    assert_eq!(outcome["unchanged"], 2);
    assert_eq!(outbox_kinds(&app, "gift_shipped").len(), 2);

    // Delivered; an order cannot go back to accepted.
    let id = orders[0]["id"].as_str().unwrap();
    let res = app
        .post(
            &format!("/api/v1/vendor/orders/{id}/delivery"),
            token,
            &json!({}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let res = app
        .post(
            &format!("/api/v1/vendor/orders/{id}/accept"),
            token,
            &json!({}),
        )
        .await;
    assert_problem(res, 409, "order_state_conflict").await;
}

async fn an_experience_is_fulfilled_by_a_booking_reference(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let shop = shop(&app, "ORD-X", 3_000, None).await;
    let path = format!("/api/v1/admin/gifts/{}", shop.gift);
    // The category is part of what was approved: back to a draft, changed, approved again.
    app.gift_action(&shop.admin, &shop.gift, "suspend").await;
    app.gift_action(&shop.admin, &shop.gift, "reopen").await;
    let patch = json!({"category": "experience", "accepts_delivery_window": false});
    assert_eq!(
        app.patch(&path, Some(&shop.admin), &patch).await.status(),
        200
    );
    app.gift_action(&shop.admin, &shop.gift, "submit").await;
    let approver = app.approver_token().await;
    app.gift_action(&approver, &shop.gift, "approve").await;
    app.gift_action(&shop.admin, &shop.gift, "publish").await;
    // のし is for parcels.
    let mut body = gift_donation(&shop.gift, 10_000);
    body["delivery"] = json!({"noshi": {"type": "orei"}});
    let problem = assert_problem(app.donate(&body).await, 422, "validation_failed").await;
    assert_eq!(error_fields(&problem), vec!["delivery.noshi"]);

    let (donation, donor_token) = app.donate_ok(&gift_donation(&shop.gift, 10_000)).await;
    app.pay(&donation, 10_000).await;
    let order = &app
        .orders("/api/v1/vendor/orders", &shop.vendor_token)
        .await[0];
    assert_eq!(order["fulfilment"], "booking");
    let seen = app.view_donation(&donation, &donor_token).await;
    assert_eq!(seen["gift_order"]["status_label"], "発送準備中");
    let id = order["id"].as_str().unwrap();
    let token = Some(shop.vendor_token.as_str());
    let path = format!("/api/v1/vendor/orders/{id}/shipment");
    let parcel = json!({"carrier": "yamato", "tracking_number": "123456789"});
    let parcel = app.post(&path, token, &parcel).await;
    let problem = assert_problem(parcel, 422, "validation_failed").await;
    assert_eq!(
        error_fields(&problem),
        vec!["tracking_number", "booking_reference"]
    );
    let booked = app
        .post(&path, token, &json!({"booking_reference": "CRUISE-0042"}))
        .await;
    assert_eq!(booked.status(), 200);
    let order: Value = booked.json().await.unwrap();
    assert_eq!(order["status"], "shipped");
    assert_eq!(order["booking_reference"], "CRUISE-0042");
    let mails = outbox_kinds(&app, "gift_shipped");
    assert!(
        mails[0].1.contains("予約番号: CRUISE-0042"),
        "{}",
        mails[0].1
    );
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
    let orders = app.orders("/api/v1/admin/orders", &shop.admin).await;
    let order_of = |donation: &str| {
        orders
            .iter()
            .find(|o| o["donation_id"] == donation)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (unsent_order, sent_order) = (order_of(&unsent), order_of(&sent));
    // Staff accept and hold one (the vendor sees it held, not why), then release it.
    let admin = Some(shop.admin.as_str());
    let accept = app
        .post(
            &format!("/api/v1/admin/orders/{unsent_order}/accept"),
            admin,
            &json!({}),
        )
        .await;
    assert_eq!(accept.status(), 200);
    let hold = json!({"reason": "住所の確認中"});
    let held: Value = app
        .post(
            &format!("/api/v1/admin/orders/{unsent_order}/hold"),
            admin,
            &hold,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(held["status"], "held");
    assert_eq!(held["held_reason"], "住所の確認中");
    let seen = app
        .get_json(
            &format!("/api/v1/vendor/orders/{unsent_order}"),
            Some(&shop.vendor_token),
        )
        .await;
    assert_eq!(seen["status"], "held");
    assert!(seen.get("held_reason").is_none());
    let ship = json!({"carrier": "japan_post", "tracking_number": "111122223333"});
    let path = format!("/api/v1/vendor/orders/{unsent_order}/shipment");
    let res = app.post(&path, Some(&shop.vendor_token), &ship).await;
    assert_problem(res, 409, "order_state_conflict").await;
    let released: Value = app
        .post(
            &format!("/api/v1/admin/orders/{unsent_order}/release"),
            admin,
            &json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(released["status"], "accepted");

    let path = format!("/api/v1/vendor/orders/{sent_order}/shipment");
    assert_eq!(
        app.post(&path, Some(&shop.vendor_token), &ship)
            .await
            .status(),
        200
    );

    assert_eq!(
        app.refund(&shop.admin, &unsent, "寄附者の申し出")
            .await
            .status(),
        200
    );
    let cancelled = app
        .get_json(&format!("/api/v1/admin/orders/{unsent_order}"), admin)
        .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(
        app.gift_stock(&shop.admin, &shop.gift).await,
        4,
        "its unit is back"
    );

    assert_eq!(
        app.refund(&shop.admin, &sent, "寄附者の申し出")
            .await
            .status(),
        200
    );
    let flagged = app
        .get_json(&format!("/api/v1/admin/orders/{sent_order}"), admin)
        .await;
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
    let path = format!("/api/v1/admin/gifts/{}", shop.gift);
    let cheaper = json!({"procurement_cost": 2_500});
    assert_eq!(app.patch(&path, admin, &cheaper).await.status(), 200);
    app.pay(&first, 20_000).await;
    let second = paid_gift(&app, &shop, json!({})).await;
    let third = paid_gift(&app, &shop, json!({})).await;
    let fourth = paid_gift(&app, &shop, json!({})).await;

    let orders = app
        .orders("/api/v1/vendor/orders", &shop.vendor_token)
        .await;
    let order_of = |donation: &str| {
        orders
            .iter()
            .find(|o| o["donation_id"] == donation)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // The third was ordered and sent last month; the fourth is not sent.
    let today = japan_today();
    let month_start = today.with_day(1).unwrap();
    let last_month = month_start - chrono::Duration::days(1);
    {
        use furusato::db::schema::gift_orders as o;
        let long_ago = (month_start - chrono::Duration::days(40))
            .and_hms_opt(3, 0, 0)
            .unwrap();
        diesel::update(o::table.filter(o::id.eq(order_of(&third))))
            .set(o::created_at.eq(long_ago))
            .execute(&mut *app.conn())
            .unwrap();
    }
    for (donation, on) in [(&first, today), (&second, today), (&third, last_month)] {
        let ship =
            json!({"carrier": "yamato", "tracking_number": "123456789012", "shipped_on": on});
        let path = format!("/api/v1/vendor/orders/{}/shipment", order_of(donation));
        let res = app.post(&path, token, &ship).await;
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
