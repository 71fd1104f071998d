//! The vendor desk in a real browser: a donor sends a gift to someone else with のし from the
//! storefront; the vendor signs in, sees the order with its recipient, accepts it, enters the
//! tracking number, prints the packing slip; another vendor's order is not there for it.

use serde_json::{json, Value};

use crate::both_engines;
use crate::browser::{Browser, Options};
use crate::donate_pages::fill_donor;
use crate::flows::{gift_body, gift_donation};
use crate::helpers::{Engine, TestApp};

const PASSWORD: &str = "vendor-password-long";

/// A vendor with a login (email) and a product gift that takes a delivery time slot.
async fn vendor_with_gift(app: &TestApp, admin: &str, name: &str, code: &str) -> (String, String) {
    let vendor = app.create_vendor(admin, name).await;
    let email = format!("{code}@vendor.example").to_lowercase();
    app.add_vendor_login(admin, &vendor, &email, PASSWORD).await;
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

    let Some(b) = Browser::for_test(&app, "vendor-desk", Options::default()).await else {
        return;
    };
    // The donor sends the gift to someone else, with のし and a time slot.
    b.goto(&format!("/donate?kind=gift&gift_id={gift}")).await;
    fill_donor(&b, "大阪府", "大阪市北区").await;
    b.click("#f-ship_to_other").await;
    let recipient = json!({"name": "目黒 花子", "name_kana": "メグロ ハナコ",
                           "phone": "03-1111-2222", "postal_code": "153", "prefecture": "東京都",
                           "city": "目黒区", "address_line": "目黒1-1-1"});
    b.fill_person("to_", &recipient).await;
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
