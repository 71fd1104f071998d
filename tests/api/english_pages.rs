//! The storefront in English (`/en/`) for visitors who use the on-site vouchers: every page is
//! English, the language switch keeps the page, and a visitor donates for a voucher and sees it.

use serde_json::json;

use crate::both_engines;
use crate::helpers::{Engine, TestApp};
use crate::storefront::{catalogue, catalogue_on_a_phone};

/// The Japanese texts the English pages replace (their table, as the service builds it in).
const ENGLISH_TABLE: &str = include_str!("../../templates/web/en.toml");

/// Japanese page texts long enough not to occur inside a gift's or a shop's own (Japanese) name.
fn long_japanese_texts() -> Vec<String> {
    let table: std::collections::HashMap<String, String> =
        toml::from_str(ENGLISH_TABLE).expect("en.toml");
    table
        .into_iter()
        // (Some English keeps the Japanese term beside it, as visitors meet it on forms.)
        .filter(|(ja, en)| ja.chars().count() >= 8 && !ja.contains('{') && !en.contains(ja))
        .map(|(ja, _)| ja)
        .collect()
}

async fn page(app: &TestApp, path: &str) -> (u16, String) {
    let response = reqwest::get(app.url(path)).await.expect(path);
    let status = response.status().as_u16();
    // The templates escape `/` in attributes (`&#x2f;`), which a browser reads as `/`.
    let body = response.text().await.expect("body").replace("&#x2f;", "/");
    (status, body)
}

async fn every_english_page_is_in_english(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    catalogue(&app).await;
    let (_, list) = page(&app, "/en/gifts?q=ﾌﾗｲﾊﾟﾝ").await;
    let gift_link = list
        .split("href=\"/en/gifts/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the frying pan, found by its half-width name, links to its English page");
    let gift = format!("/en/gifts/{gift_link}");
    let japanese = long_japanese_texts();
    for path in [
        "/en/",
        "/en/gifts",
        "/en/gifts?q=ﾌﾗｲﾊﾟﾝ",
        gift.as_str(),
        "/en/partners",
        "/en/donate",
        "/en/donate?kind=on_site",
        "/en/donate?kind=support",
        "/en/donate?kind=general",
        "/en/donate/no-such-donation/done",
    ] {
        let (status, body) = page(&app, path).await;
        assert_eq!(status, 200, "{path}");
        assert!(body.contains("<html lang=\"en\">"), "{path}");
        for text in &japanese {
            assert!(!body.contains(text.as_str()), "{path} still says {text:?}");
        }
        // The switch leads to the same page in Japanese; every other link stays in English.
        let japanese_version = path.strip_prefix("/en").unwrap();
        let switch = format!("href=\"{}\" hreflang=\"ja\"", japanese_version).replace(
            "ﾌﾗｲﾊﾟﾝ",
            "%EF%BE%8C%EF%BE%97%EF%BD%B2%EF%BE%8A%EF%BE%9F%EF%BE%9D",
        );
        assert!(body.contains(&switch), "{path}: no {switch}");
        let others = body.replace(&switch, "");
        for japanese_page in ["href=\"/gifts", "href=\"/donate", "href=\"/partners"] {
            assert!(
                !others.contains(japanese_page),
                "{path} links out of English"
            );
        }
    }
    // An unknown gift is an English 404 showing the API's code.
    let (status, body) = page(&app, "/en/gifts/no-such-gift").await;
    assert_eq!(status, 404);
    assert!(
        body.contains("Page not found") && body.contains("gift_not_found"),
        "{body}"
    );
    // The Japanese page offers its English version; /en itself leads home.
    let (_, home) = page(&app, "/gifts?q=a").await;
    assert!(home.contains("href=\"/en/gifts?q=a\" hreflang=\"en\""));
    let (_, mypage) = page(&app, "/mypage").await;
    assert!(mypage.contains("href=\"/en/\" hreflang=\"en\""));
    let root = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/en"))
        .send()
        .await
        .unwrap();
    assert_eq!(root.status(), 303);
    assert_eq!(root.headers()["location"], "/en/");
}

async fn a_visitor_donates_for_an_on_site_voucher_in_english(engine: Engine) {
    let Some((app, admin, b)) = catalogue_on_a_phone(engine, "english-on-site").await else {
        return;
    };
    b.goto("/").await;
    b.click_to_navigate("a[hreflang=en]").await;
    assert_eq!(b.current_path().await, "/en/");
    assert_eq!(b.run("return document.documentElement.lang;").await, "en");
    assert_eq!(
        b.text("h1").await,
        "Support Shinagawa City with a hometown tax donation"
    );
    b.assert_accessible("en-home").await;
    b.click_to_navigate("a[href='/en/donate?kind=on_site']")
        .await;
    b.assert_text_contains(".resident-warning", "If you live in Shinagawa City")
        .await;
    b.assert_accessible("en-donate-on-site").await;

    // Sent without an amount: the message beside the choices, the summary in English.
    b.click_to_navigate("form.donate button[type=submit]").await;
    let problem = b.text("#problem").await;
    assert!(
        problem.starts_with("Please check what you entered"),
        "{problem}"
    );
    assert!(!b.text("#f-amount-error").await.is_empty());
    b.assert_accessible("en-donate-errors").await;

    b.click("#f-tier-10000").await;
    let john = json!({"name": "スミス ジョン", "name_kana": "スミス ジョン",
                      "email": "john@example.com", "phone": "090-1234-5678",
                      "postal_code": "530-0001", "prefecture": "大阪府", "city": "大阪市北区",
                      "address_line": "梅田1-1-1"});
    b.fill_person("", &john).await;
    b.click_to_navigate("form.donate button[type=submit]").await;
    assert!(b.current_path().await.starts_with("/test-payments/"));
    assert_eq!(b.text("h1").await, "Test payment");
    b.assert_accessible("en-test-payment").await;
    b.click_to_navigate("#pay").await;
    b.wait_for(".voucher-code").await;
    let done = b.current_path().await;
    assert!(
        done.starts_with("/en/donate/") && done.ends_with("/done"),
        "{done}"
    );
    assert_eq!(b.text("h1").await, "Thank you for your donation");
    assert_eq!(b.text(".voucher-balance").await, "¥3,000");
    assert!(b.text(".email-note").await.contains("john@example.com"));
    b.assert_accessible("en-done-on-site").await;
    // The switch to Japanese keeps the donation in view.
    let code = b.text(".voucher-code").await;
    b.click_to_navigate("a[hreflang=ja]").await;
    assert_eq!(b.text("h1").await, "ご寄附ありがとうございました");
    assert_eq!(b.text(".voucher-code").await, code);

    // The voucher is the one staff see on the paid donation.
    let list = app.get_json("/api/v1/admin/donations", Some(&admin)).await;
    let items = list["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["status"], "paid");
    assert_eq!(items[0]["kind"], "on_site");
    b.close().await;
}

both_engines!(
    every_english_page_is_in_english,
    a_visitor_donates_for_an_on_site_voucher_in_english,
);
