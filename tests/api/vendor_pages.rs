//! The vendor desk in a real browser: a donor sends a gift to someone else with のし from the
//! storefront; the vendor signs in, sees the order with its recipient, accepts it, enters the
//! tracking number, prints the packing slip; another vendor's order is not there for it.

use serde_json::{json, Value};

use crate::both_engines;
use crate::browser::{Browser, Options};
use crate::flows::{gift_body, gift_donation};
use crate::helpers::{Engine, TestApp};
use crate::storefront::engine_name;

const PASSWORD: &str = "vendor-password-long";

/// A vendor with a login (email) and a product gift that takes a delivery time slot.
async fn vendor_with_gift(app: &TestApp, admin: &str, name: &str, code: &str) -> (String, String) {
    let vendor = app.create_vendor(admin, name).await;
    let email = format!("{code}@vendor.example").to_lowercase();
    let res = app
        .post(
            &format!("/api/v1/admin/vendors/{vendor}/logins"),
            Some(admin),
            &json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let mut body = gift_body(code, &vendor, 20_000, 6_000);
    body["name"] = json!(format!("{name}の詰め合わせ"));
    body["accepts_delivery_window"] = json!(true);
    let gift = app.create_gift(admin, &body).await;
    (email, gift["id"].as_str().unwrap().to_owned())
}

async fn a_vendor_accepts_and_ships_an_order_from_the_storefront(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let (email, gift) = vendor_with_gift(&app, &admin, "戸越銀座商店", "SHOP-1").await;
    // Another vendor's paid order, which this vendor must never see.
    let (_, other_gift) = vendor_with_gift(&app, &admin, "大井町青果", "SHOP-2").await;
    let (other, _) = app.donate_ok(&gift_donation(&other_gift, 20_000)).await;
    app.pay(&other, 20_000).await;
    let other_order = app
        .get_json("/api/v1/admin/orders?per_page=1", Some(&admin))
        .await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let name = format!("vendor-desk-{}", engine_name(engine));
    let Some(b) = Browser::open(&app.address, &name, Options::default()).await else {
        return;
    };
    // The donor sends the gift to someone else, with のし and a time slot.
    b.goto(&format!("/donate?kind=gift&gift_id={gift}")).await;
    b.fill("#f-name", "大阪 太郎").await;
    b.fill("#f-name_kana", "オオサカ タロウ").await;
    b.fill("#f-email", "taro@example.jp").await;
    b.fill("#f-phone", "06-1234-5678").await;
    b.fill("#f-postal_code", "530-0001").await;
    b.choose("#f-prefecture", "大阪府").await;
    b.fill("#f-city", "大阪市北区").await;
    b.fill("#f-address_line", "梅田1-1-1").await;
    b.click("#f-ship_to_other").await;
    b.fill("#f-to_name", "目黒 花子").await;
    b.fill("#f-to_name_kana", "メグロ ハナコ").await;
    b.fill("#f-to_phone", "03-1111-2222").await;
    b.fill("#f-to_postal_code", "153").await;
    b.choose("#f-to_prefecture", "東京都").await;
    b.fill("#f-to_city", "目黒区").await;
    b.fill("#f-to_address_line", "目黒1-1-1").await;
    b.choose("#f-noshi_type", "御歳暮").await;
    b.fill("#f-noshi_name", "大阪").await;
    b.choose("#f-window", "18時〜20時").await;
    b.assert_accessible("donate-with-delivery").await;
    // A wrong postal code of the recipient is named beside its field.
    b.click_to_navigate("form.donate button[type=submit]").await;
    assert!(!b.text("#f-to_postal_code-error").await.is_empty());
    b.fill("#f-to_postal_code", "153-0063").await;
    b.click_to_navigate("form.donate button[type=submit]").await;
    b.click_to_navigate("#pay").await;
    b.wait_for(".receipt-number").await;

    // The vendor's desk.
    b.goto("/vendor/login").await;
    b.assert_accessible("vendor-login").await;
    b.fill("#email", &email).await;
    b.fill("#password", PASSWORD).await;
    b.click_to_navigate("form.till-form button[type=submit]")
        .await;
    assert_eq!(b.current_path().await, "/vendor/");
    assert_eq!(b.text("#order-count").await, "1");
    let row = b.text("tbody tr").await;
    assert!(row.contains("目黒 花子") && row.contains("御歳暮"), "{row}");
    b.assert_accessible("vendor-orders").await;
    b.click_to_navigate("tbody tr button[type=submit]").await;
    assert!(b.text(".notice").await.contains("受け付けました"));

    let orders = app.orders("/api/v1/admin/orders", &admin).await;
    let mine: Vec<&Value> = orders
        .iter()
        .filter(|o| o["id"] != other_order.as_str())
        .collect();
    let id = mine[0]["id"].as_str().unwrap();
    assert_eq!(mine[0]["status"], "accepted");
    b.goto("/vendor/packing-list").await;
    let slip = b.text(".packing-slip").await;
    assert!(
        slip.contains("153-0063") && slip.contains("18時〜20時"),
        "{slip}"
    );
    b.assert_accessible("vendor-packing").await;

    b.goto(&format!("/vendor/orders/{id}")).await;
    b.assert_accessible("vendor-order").await;
    b.choose("#f-carrier", "佐川急便").await;
    b.fill("#f-tracking_number", "12").await;
    b.click_to_navigate("form[action$='/shipment'] button")
        .await;
    assert!(!b.text("#f-tracking_number-error").await.is_empty());
    b.assert_accessible("vendor-order-errors").await;
    b.fill("#f-tracking_number", "4000-1234-5678").await;
    b.click_to_navigate("form[action$='/shipment'] button")
        .await;
    assert_eq!(b.text("#order-status").await, "発送済み");
    let order = app
        .get_json(&format!("/api/v1/admin/orders/{id}"), Some(&admin))
        .await;
    assert_eq!(order["status"], "shipped");
    assert_eq!(order["carrier"], "sagawa");
    assert_eq!(order["tracking_number"], "4000-1234-5678");
    assert_eq!(order["noshi"], json!({"type": "oseibo", "name": "大阪"}));

    // Another vendor's order is not found here.
    b.goto(&format!("/vendor/orders/{other_order}")).await;
    assert!(b.text("main").await.contains("order_not_found"));
    b.close().await;
}

both_engines!(a_vendor_accepts_and_ships_an_order_from_the_storefront);
