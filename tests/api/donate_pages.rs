//! Donating from the storefront in a real browser on a phone: each kind of donation through the
//! built-in test payment provider, the resident told before paying, a double tap, a failed
//! payment tried again.

use serde_json::{json, Value};

use crate::both_engines;
use crate::browser::Browser;
use crate::flows::donor;
use crate::helpers::{Engine, TestApp};
use crate::storefront::catalogue_on_a_phone;

/// Fills the donor's part of the form: 大阪 太郎 (taro@example.jp), living at `prefecture`, `city`.
pub async fn fill_donor(b: &Browser, prefecture: &str, city: &str) {
    let mut taro = donor(prefecture, city);
    taro["name"] = json!("大阪 太郎");
    taro["name_kana"] = json!("オオサカ タロウ");
    taro["email"] = json!("taro@example.jp");
    b.fill_person("", &taro).await;
}

/// Submits the form, pays on the test provider's page with `button` (`#pay` or `#decline`) and
/// waits for the page after paying.
async fn submit_and_pay(b: &Browser, button: &str, expected_amount: &str) {
    b.click_to_navigate("form.donate button[type=submit]").await;
    assert!(
        b.current_path().await.starts_with("/test-payments/"),
        "{}",
        b.current_path().await
    );
    assert_eq!(b.text(".pay-amount").await, expected_amount);
    b.click_to_navigate(button).await;
    b.wait_for("main h1").await;
}

async fn donations(app: &TestApp, admin: &str) -> Vec<Value> {
    let list = app.get_json("/api/v1/admin/donations", Some(admin)).await;
    list["items"].as_array().cloned().unwrap_or_default()
}

async fn a_donor_gives_for_a_gift_and_prints_the_receipt(engine: Engine) {
    let Some((app, admin, b)) = catalogue_on_a_phone(engine, "donate-gift").await else {
        return;
    };
    b.goto("/gifts?q=フライパン").await;
    b.click_link("品川の職人が打つフライパン").await;
    b.wait_for(".donate-button").await;
    b.click_to_navigate(".donate-button").await;
    assert_eq!(b.text(".gift-name").await, "品川の職人が打つフライパン");
    b.assert_text_contains(".resident-warning", "品川区にお住まいの方")
        .await;
    b.assert_accessible("donate-form").await;

    // Sent empty: the API's messages, each beside its field, and nothing created.
    b.click_to_navigate("form.donate button[type=submit]").await;
    b.assert_text_contains("#problem", "入力内容を確認してください")
        .await;
    assert!(!b.text("#f-email-error").await.is_empty());
    assert!(!b.text("#f-name_kana-error").await.is_empty());
    assert_eq!(
        b.run("return document.querySelector('#f-email').getAttribute('aria-invalid');")
            .await,
        "true"
    );
    b.assert_accessible("donate-form-errors").await;
    assert!(donations(&app, &admin).await.is_empty());

    fill_donor(&b, "大阪府", "大阪市北区").await;
    b.fill("#f-quantity", "2").await;
    b.click("#f-one_stop").await;
    b.click_to_navigate("form.donate button[type=submit]").await;
    b.assert_accessible("test-payment").await;
    assert_eq!(b.text(".pay-amount").await, "¥40,000");
    b.click_to_navigate("#pay").await;
    b.wait_for(".receipt-number").await;
    assert_eq!(b.text("h1").await, "ご寄附ありがとうございました");
    let number = b.text(".receipt-number").await;
    assert!(!number.is_empty());
    assert!(b.text(".email-note").await.contains("taro@example.jp"));
    b.assert_text_contains(".receipt-facts", "申請書をお送りします")
        .await;
    b.assert_accessible("done-gift").await;

    // The same donation, paid, as staff see it.
    let list = donations(&app, &admin).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["status"], "paid");
    assert_eq!(list[0]["amount"], 40_000);
    assert_eq!(list[0]["receipt_number"], number.as_str());

    b.click_to_navigate("a[href$='/receipt']").await;
    let receipt = b.text("body").await;
    assert!(
        receipt.contains("寄附金受領証明書") && receipt.contains(&number),
        "{receipt}"
    );
    // Another browser (no cookie for this donation) sees nothing of it.
    let id = list[0]["id"].as_str().unwrap().to_owned();
    let stranger = reqwest::get(app.url(&format!("/donate/{id}/receipt")))
        .await
        .unwrap();
    assert_eq!(stranger.status(), 404);
    b.close().await;
}

async fn an_on_site_donation_shows_the_voucher_and_a_double_tap_is_one_donation(engine: Engine) {
    let Some((app, admin, b)) = catalogue_on_a_phone(engine, "donate-on-site").await else {
        return;
    };
    b.goto("/donate").await;
    b.click_to_navigate("a[href='/donate?kind=on_site']").await;
    b.assert_text_contains(".resident-warning", "品川区にお住まいの方")
        .await;
    b.click("#f-tier-30000").await;
    fill_donor(&b, "大阪府", "大阪市北区").await;

    // A double tap: the same form sent twice at once.
    let statuses = b.submit_twice_at_once("form.donate").await;
    assert_eq!(statuses, json!(["opaqueredirect", "opaqueredirect"]));
    assert_eq!(
        donations(&app, &admin).await.len(),
        1,
        "one donation for a double tap"
    );

    // And the ordinary tap after them: still the same donation, on to paying.
    submit_and_pay(&b, "#pay", "¥30,000").await;
    b.wait_for(".voucher-code").await;
    let list = donations(&app, &admin).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["kind"], "on_site");
    assert_eq!(list[0]["status"], "paid");
    let code = b.text(".voucher-code").await;
    assert_eq!(code.len(), 24, "{code}");
    assert_eq!(b.text(".voucher-balance").await, "¥9,000");
    assert!(!b.text(".voucher-expiry").await.is_empty());
    let qr = b
        .run("const i = document.querySelector('img.qr'); return i.complete && i.naturalWidth > 0;")
        .await;
    assert_eq!(qr, true, "the QR code is shown");
    b.assert_accessible("done-on-site").await;
    b.close().await;
}

async fn a_resident_is_told_and_a_failed_payment_can_be_tried_again(engine: Engine) {
    let Some((app, admin, b)) = catalogue_on_a_phone(engine, "donate-support").await else {
        return;
    };
    app.create_purpose(&admin, "子どもの学び").await;

    // A resident of the ward asks for a voucher: told before any payment, nothing created.
    b.goto("/donate?kind=on_site").await;
    b.click("#f-tier-10000").await;
    fill_donor(&b, "東京都", "品川区").await;
    b.click_to_navigate("form.donate button[type=submit]").await;
    assert_eq!(b.current_path().await, "/donate");
    b.assert_text_contains("#problem", "品川区にお住まいの方は返礼品を受け取れません")
        .await;
    assert!(b.text("#f-city-error").await.contains("Residents"));
    assert!(donations(&app, &admin).await.is_empty());

    // The resident supports a school instead; the card fails first, then works.
    b.click_to_navigate("#problem + form a[href='/donate?kind=support'], .resident-warning a[href='/donate?kind=support']")
        .await;
    b.choose("#f-organization_id", "学校法人 香蘭女学校").await;
    b.choose("#f-purpose_id", "子どもの学び").await;
    b.fill("#f-amount", "１０，０００").await;
    fill_donor(&b, "東京都", "品川区").await;
    b.assert_accessible("donate-support").await;
    submit_and_pay(&b, "#decline", "¥10,000").await;
    assert_eq!(b.text("h1").await, "お支払いが完了しませんでした");
    b.assert_accessible("done-failed").await;
    b.click_to_navigate("form[action$='/retry'] button").await;
    assert_eq!(b.text(".pay-amount").await, "¥10,000");
    b.click_to_navigate("#pay").await;
    b.wait_for(".receipt-number").await;
    assert!(b.text(".receipt-facts").await.contains("香蘭女学校"));

    let list = donations(&app, &admin).await;
    let mut states: Vec<_> = list.iter().map(|d| d["status"].as_str().unwrap()).collect();
    states.sort();
    assert_eq!(states, ["cancelled", "paid"]);

    // A donation without a gift, for a chosen use.
    b.goto("/donate?kind=general").await;
    b.fill("#f-amount", "5000").await;
    b.choose("#f-purpose_id", "子どもの学び").await;
    fill_donor(&b, "大阪府", "大阪市北区").await;
    submit_and_pay(&b, "#pay", "¥5,000").await;
    b.wait_for(".receipt-number").await;
    assert_eq!(donations(&app, &admin).await.len(), 3);
    b.close().await;
}

both_engines!(
    a_donor_gives_for_a_gift_and_prints_the_receipt,
    an_on_site_donation_shows_the_voucher_and_a_double_tap_is_one_donation,
    a_resident_is_told_and_a_failed_payment_can_be_tried_again,
);
