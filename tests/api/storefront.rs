//! The storefront in a real browser: what a donor on a phone does and sees.

use serde_json::json;

use crate::both_engines;
use crate::browser::{Browser, Options};
use crate::flows::gift_body;
use crate::helpers::{strings, Engine, TestApp};

/// A catalogue to browse: three experience gifts and one product, one sold out.
pub async fn catalogue(app: &TestApp) -> String {
    let (admin, vendor) = app.admin_and_vendor("品川区観光協会").await;
    let gifts = [
        ("EXP-1", "屋形船で巡る品川の夜", "experience", 30_000, None),
        (
            "EXP-2",
            "品川宿 歴史散策ガイドツアー",
            "experience",
            12_000,
            None,
        ),
        (
            "EXP-3",
            "しながわ水族館 年間パスポート",
            "experience",
            8_000,
            Some(0),
        ),
        (
            "PRD-1",
            "品川の職人が打つフライパン",
            "product",
            20_000,
            None,
        ),
    ];
    for (code, name, category, amount, stock) in gifts {
        let mut body = gift_body(code, &vendor, amount, amount * 3 / 10);
        body["name"] = json!(name);
        body["category"] = json!(category);
        body["stock"] = json!(stock);
        app.create_gift(&admin, &body).await;
    }
    app.create_organization(&admin, "学校法人 香蘭女学校").await;
    admin
}

/// An app with the `catalogue` and a phone's browser for the test named `test`: (app, admin
/// token, browser); None when the browser half is skipped.
pub async fn catalogue_on_a_phone(
    engine: Engine,
    test: &str,
) -> Option<(TestApp, String, Browser)> {
    let app = TestApp::spawn(engine).await;
    let admin = catalogue(&app).await;
    let b = Browser::for_test(&app, test, Options::default()).await?;
    Some((app, admin, b))
}

async fn a_donor_browses_filters_and_opens_a_gift(engine: Engine) {
    let Some((_app, _, b)) = catalogue_on_a_phone(engine, "storefront-browse").await else {
        return;
    };

    b.goto("/").await;
    assert!(b.text("h1").await.contains("ふるさと納税で応援"));
    assert!(b.text("#support + p + ul").await.contains("香蘭女学校"));
    b.assert_accessible("home").await;

    // A category from the home page, then cheapest first, in stock only.
    b.click_to_navigate(".categories a[href=\"/gifts?category=experience\"]")
        .await;
    assert_eq!(b.current_path().await, "/gifts?category=experience");
    assert_eq!(b.texts(".card h3").await.len(), 3);
    b.choose("#sort", "寄附金額の安い順").await;
    b.click("#in_stock").await;
    b.click_to_navigate(".filters button").await;
    assert_eq!(
        b.texts(".card h3").await,
        ["品川宿 歴史散策ガイドツアー", "屋形船で巡る品川の夜"],
        "sold-out gift left out, cheapest first"
    );
    assert!(b.text(".count").await.starts_with("2件"));
    b.assert_accessible("list").await;

    // A price band: 10,000 to under 30,000 yen across categories.
    b.goto("/gifts").await;
    b.choose("#band", "1万円〜3万円未満").await;
    b.click_to_navigate(".filters button").await;
    let mut names = b.texts(".card h3").await;
    names.sort();
    assert_eq!(
        names,
        ["品川の職人が打つフライパン", "品川宿 歴史散策ガイドツアー"]
    );

    // The gift's page shows what a donor decides on.
    b.click_link("品川の職人が打つフライパン").await;
    b.wait_for("article.gift h1").await;
    assert_eq!(b.text("h1").await, "品川の職人が打つフライパン");
    assert!(b.text(".amount").await.contains("¥20,000"));
    let facts = b.text(".facts").await;
    assert!(
        facts.contains("品川区観光協会") && facts.contains("特産品"),
        "{facts}"
    );
    b.assert_text_contains(".resident-note", "品川区にお住まいの方")
        .await;
    b.assert_accessible("gift").await;

    // An unknown gift is a page, with the API's code.
    b.goto("/gifts/00000000-0000-0000-0000-000000000000").await;
    assert!(b.text(".code").await.contains("gift_not_found"));
    b.assert_accessible("not-found").await;
    b.close().await;
}

/// The list is a plain GET form with plain links: the page carries no script at all, so it
/// behaves the same with JavaScript disabled. (Chromium with JavaScript switched off cannot be
/// driven: chromedriver's own commands are scripts.)
async fn the_list_works_without_javascript(engine: Engine) {
    let Some((_app, _, b)) = catalogue_on_a_phone(engine, "storefront-nojs").await else {
        return;
    };
    b.goto("/gifts").await;
    let scripts = b
        .client
        .execute("return document.scripts.length;", vec![])
        .await
        .expect("count scripts");
    assert_eq!(scripts, 0, "the list page needs no script");
    b.fill("#q", "フライパン").await;
    b.choose("#category", "特産品").await;
    b.click_to_navigate(".filters button").await;
    assert_eq!(b.texts(".card h3").await, ["品川の職人が打つフライパン"]);
    assert_eq!(
        b.current_path().await,
        "/gifts?q=%E3%83%95%E3%83%A9%E3%82%A4%E3%83%91%E3%83%B3&category=product&band=&sort=newest"
    );
    b.close().await;
}

async fn api_docs_render_with_the_network_off(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let options = Options {
        offline: true,
        ..Options::default()
    };
    let Some(b) = Browser::for_test(&app, "api-docs", options).await else {
        return;
    };
    b.goto("/api/docs").await;
    b.wait_for(".swagger-ui .info .title").await;
    b.assert_text_contains(".swagger-ui .info .title", "furusato")
        .await;
    b.wait_for("#operations-catalogue-list_gifts").await;
    b.screenshot("swagger-ui").await;
    b.close().await;
}

/// What a Japanese donor types finds the frying pan, on the page and through the API alike.
async fn kana_and_width_forms_find_the_same_gift(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    catalogue(&app).await;
    let searches = [
        "ふらいぱん",
        "ﾌﾗｲﾊﾟﾝ",
        "フライパン",
        // The vendor's name, and two words that both must match.
        "観光協会 ふらいぱん",
        // Full-width Latin letters and digits of the gift's code.
        "ＰＲＤ－１",
    ];
    for q in searches {
        let answer = app
            .get_json(&format!("/api/v1/gifts?q={}", urlencode(q)), None)
            .await;
        let names = strings(&answer["items"], "name");
        assert_eq!(names, ["品川の職人が打つフライパン"], "API, q={q}");
    }
    // Several words narrow: the vendor matches every gift, the second word only one.
    let vendor_only = app
        .get_json(&format!("/api/v1/gifts?q={}", urlencode("観光協会")), None)
        .await;
    assert_eq!(vendor_only["total"], 4, "every gift of the vendor");
    let none = app
        .get_json(
            &format!("/api/v1/gifts?q={}", urlencode("ふらいぱん うなぎ")),
            None,
        )
        .await;
    assert_eq!(none["total"], 0);

    let Some(b) = Browser::for_test(&app, "storefront-search", Options::default()).await else {
        return;
    };
    for q in ["ふらいぱん", "ﾌﾗｲﾊﾟﾝ", "フライパン"] {
        b.goto("/gifts").await;
        b.fill("#q", q).await;
        b.click_to_navigate(".filters button").await;
        assert_eq!(
            b.texts(".card h3").await,
            ["品川の職人が打つフライパン"],
            "page, q={q}"
        );
    }
    b.close().await;
}

fn urlencode(text: &str) -> String {
    serde_urlencoded::to_string([("q", text)]).unwrap()[2..].to_owned()
}

/// The shops where vouchers work: a public page and `GET /api/v1/partners`, active partners only,
/// and the on-site voucher gift's page lists them.
async fn donors_see_where_vouchers_can_be_used(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = catalogue(&app).await;
    app.create_partner(&admin, "ホテル品川").await;
    app.create_partner(&admin, "しながわ商店").await;
    let (closed, _) = app.create_partner(&admin, "閉店した店").await;
    let res = app
        .patch(
            &format!("/api/v1/admin/businesses/{closed}"),
            Some(&admin),
            &json!({"active": false}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let answer = app.get_json("/api/v1/partners", None).await;
    let names = strings(&answer["items"], "name");
    assert_eq!(names, ["しながわ商店", "ホテル品川"]);
    assert_eq!(answer["total"], 2);
    assert!(
        answer["items"][0].get("contact_email").is_none(),
        "no contact email in public"
    );

    let vendor = app.create_vendor(&admin, "品川区商店街連合会").await;
    let mut body = gift_body("ONS-1", &vendor, 10_000, 3_000);
    body["name"] = json!("品川で使える電子商品券 3,000円分");
    body["category"] = json!("on_site");
    let gift = app.create_gift(&admin, &body).await;

    let Some(b) = Browser::for_test(&app, "storefront-partners", Options::default()).await else {
        return;
    };
    b.goto("/partners").await;
    assert_eq!(
        b.texts(".partner-name").await,
        ["しながわ商店", "ホテル品川"]
    );
    b.assert_accessible("partners").await;
    b.goto(&format!("/gifts/{}", gift["id"].as_str().unwrap()))
        .await;
    let shops = b.text("section.partners").await;
    assert!(
        shops.contains("ホテル品川") && !shops.contains("閉店"),
        "{shops}"
    );
    b.close().await;
}

/// The deduction-limit estimate on a phone: a married earner of ¥5,000,000, typed in full-width.
async fn the_simulator_estimates_the_limit(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let Some(b) = Browser::for_test(&app, "storefront-simulator", Options::default()).await else {
        return;
    };
    b.goto("/").await;
    b.click_to_navigate("a[href='/simulator']").await;
    b.assert_accessible("simulator").await;
    b.fill("#f-salary", "５，０００，０００").await;
    b.click("#f-spouse").await;
    b.click_to_navigate("form.simulator button").await;
    // 総務省's table: ¥49,000 for a couple with one income of ¥5,000,000.
    assert_eq!(b.text("#limit").await, "¥49,000");
    assert!(b.text(".warning").await.contains("目安"));
    b.assert_accessible("simulator-result").await;
    b.fill("#f-salary", "abc").await;
    b.click_to_navigate("form.simulator button").await;
    assert!(!b.text("#f-salary-error").await.is_empty());
    b.close().await;
}

both_engines!(
    a_donor_browses_filters_and_opens_a_gift,
    the_list_works_without_javascript,
    api_docs_render_with_the_network_off,
    kana_and_width_forms_find_the_same_gift,
    donors_see_where_vouchers_can_be_used,
    the_simulator_estimates_the_limit,
);
