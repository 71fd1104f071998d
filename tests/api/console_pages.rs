//! The staff console in a real browser, on a desk-sized window: two fiscal years uploaded as a
//! portal file through the page, the dashboard read from its SVG against the report API, gifts
//! at the 30% line, an offline payment, a re-issue and a refund through the pages matching what
//! the API then answers, Shift_JIS downloads decoded, axe on every page, and a read-only login
//! refused on every form and every staff write of the API.

use serde_json::{json, Value};

use crate::both_engines;
use crate::browser::{Browser, Options};
use crate::flows::{general, gift_body};
use crate::helpers::{Engine, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};

const VIEWER_EMAIL: &str = "viewer@city.shinagawa.example";
const VIEWER_PASSWORD: &str = "viewer-password-for-tests";

const HEADER: &str = "external_id,received_on,amount,kind,gift_code,organization,purpose,donor_name,donor_name_kana,donor_email,donor_phone,donor_postal_code,donor_prefecture,donor_city,donor_address_line,one_stop";

/// A portal file of general donations by an Osaka donor: (id, receipt date, amount).
fn portal_file(rows: &[(&str, &str, i64)]) -> String {
    let mut text = format!("{HEADER}\r\n");
    for (id, date, amount) in rows {
        text.push_str(&format!(
            "{id},{date},{amount},general,,,,大阪 花子,ｵｵｻｶ ﾊﾅｺ,hanako@example.jp,06-1234-5678,530-0001,大阪府,大阪市北区,梅田1-1-1,はい\r\n"
        ));
    }
    text
}

/// The browser of console test `name`, on a desk PC.
async fn open(app: &TestApp, name: &str) -> Option<Browser> {
    let desk = Options {
        desktop: true,
        ..Options::default()
    };
    Browser::for_test(app, &format!("console-{name}"), desk).await
}

/// Sends a form by its button `css`; the page that follows confirms it, saying `done`.
async fn send_and_confirm(b: &Browser, css: &str, done: &str) {
    b.click_to_navigate(css).await;
    b.assert_text_contains("#done", done).await;
}

async fn sign_in(b: &Browser, email: &str, password: &str) {
    b.goto("/console/login").await;
    b.fill("#email", email).await;
    b.fill("#password", password).await;
    b.click_to_navigate("form.login button[type=submit]").await;
    assert_eq!(b.current_path().await, "/console/");
}

/// Fetches `path` in the page (with its session) and answers the status and the body's bytes.
async fn fetch_bytes(b: &Browser, path: &str) -> (u16, Vec<u8>) {
    let answer = b
        .run_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0], {credentials: 'same-origin'})
               .then(r => r.arrayBuffer().then(buf => done([r.status, Array.from(new Uint8Array(buf))])));",
            vec![json!(path)],
        )
        .await;
    let status = answer[0].as_u64().unwrap() as u16;
    let bytes = answer[1]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap() as u8)
        .collect();
    (status, bytes)
}

/// Downloads `path` through the page (200) and decodes it as CP932.
async fn download_cp932(b: &Browser, path: &str) -> String {
    let (status, bytes) = fetch_bytes(b, path).await;
    assert_eq!(status, 200, "{path}");
    cp932(&bytes)
}

fn cp932(bytes: &[u8]) -> String {
    let (text, _, bad) = encoding_rs::SHIFT_JIS.decode(bytes);
    assert!(!bad, "not valid CP932");
    assert!(!text.starts_with('\u{feff}'), "no BOM in Shift_JIS");
    text.into_owned()
}

/// The numbers a chart's marks carry: `[month, amount, count]` of each `css` mark.
async fn marks(b: &Browser, css: &str) -> Vec<(String, i64, i64)> {
    let v = b
        .run(&format!(
            "return Array.from(document.querySelectorAll('{css}'))
                .map(r => [r.dataset.month, Number(r.dataset.amount), Number(r.dataset.count)]);"
        ))
        .await;
    v.as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m[0].as_str().unwrap().to_owned(),
                m[1].as_i64().unwrap(),
                m[2].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn the_dashboard_reads_as_the_report_api(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let res = app
        .send_json(
            reqwest::Method::PUT,
            "/api/v1/admin/targets/2025",
            Some(&admin),
            &json!({"amount": 120_000_000}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let Some(b) = open(&app, "dashboard").await else {
        return;
    };
    sign_in(&b, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // Two fiscal years, uploaded as staff do: first a file with a bad line (nothing stored),
    // then the corrected file.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(
        &bad,
        portal_file(&[("R-1", "2025-04-10", 30_000), ("R-2", "2025-13-01", 10_000)]),
    )
    .unwrap();
    b.goto("/console/imports").await;
    b.fill("#f-channel", "rakuten").await;
    b.fill("#f-file", bad.to_str().unwrap()).await;
    b.click_to_navigate("#import-form button[type=submit]")
        .await;
    let problems = b.text("#line-errors").await;
    assert!(
        problems.contains("received_on") && problems.contains('3'),
        "{problems}"
    );
    b.assert_accessible("import-errors").await;
    let rows = [
        ("R-1", "2025-04-10", 30_000),
        ("R-2", "2025-04-30", 12_000),
        ("R-3", "2025-06-01", 50_000),
        ("R-4", "2025-12-31", 100_000),
        ("R-5", "2026-03-31", 8_000),
        ("P-1", "2024-04-15", 20_000),
        ("P-2", "2024-06-20", 40_000),
        ("P-3", "2025-01-05", 15_000),
    ];
    let good = dir.path().join("good.csv");
    std::fs::write(&good, portal_file(&rows)).unwrap();
    b.fill("#f-channel", "rakuten").await;
    b.fill("#f-file", good.to_str().unwrap()).await;
    b.click_to_navigate("#import-form button[type=submit]")
        .await;
    assert_eq!(b.text("#imported").await, "8");
    assert!(b.text("#imports tbody").await.contains("good.csv"));
    b.assert_accessible("imports").await;

    b.goto("/console/?fiscal_year=2025").await;
    b.assert_accessible("dashboard").await;
    let report = app
        .get_json(
            "/api/v1/admin/reports/monthly?fiscal_year=2025",
            Some(&admin),
        )
        .await;
    let api_months = report["months"].as_array().unwrap();
    let current = marks(&b, "svg.chart rect.bar.current").await;
    let previous = marks(&b, "svg.chart rect.bar.previous").await;
    assert_eq!(current.len(), 12);
    assert_eq!(previous.len(), 12);
    for (i, m) in api_months.iter().enumerate() {
        let month = m["month"].as_str().unwrap();
        assert_eq!(
            current[i],
            (
                month.to_owned(),
                m["amount"].as_i64().unwrap(),
                m["count"].as_i64().unwrap()
            )
        );
        assert_eq!(
            previous[i],
            (
                month.to_owned(),
                m["previous_year"]["amount"].as_i64().unwrap(),
                m["previous_year"]["count"].as_i64().unwrap()
            )
        );
    }
    // The figures are the uploaded ones, not only equal to the API's.
    assert_eq!(current[0], ("2025-04".to_owned(), 42_000, 2));
    assert_eq!(previous[0], ("2025-04".to_owned(), 20_000, 1));
    let target = b
        .run("return document.querySelector('svg.chart line.target').dataset.amount;")
        .await;
    assert_eq!(target, "120000000");
    let label = b
        .run("return document.querySelector('svg.chart .target-label').textContent;")
        .await;
    assert_eq!(label, "目標 ¥120,000,000");
    let progress = report["progress"].as_f64().unwrap();
    assert_eq!(
        b.text("#progress").await,
        format!("{:.1}%", progress * 100.0)
    );
    assert_eq!(report["total"]["amount"], 200_000);
    assert_eq!(
        b.run("return document.querySelector('#total-amount').dataset.amount;")
            .await,
        "200000"
    );
    assert!(b.text("#previous-total").await.contains("¥75,000"));

    // The monthly table and the donation list downloaded in Shift_JIS, decoded as CP932.
    let text = download_cp932(
        &b,
        "/console/reports/monthly.csv?fiscal_year=2025&charset=shift_jis",
    )
    .await;
    assert!(
        text.starts_with("月,件数,金額,累計,前年度件数,前年度金額\n"),
        "{text}"
    );
    assert!(text.contains("2025-04,2,42000,42000,1,20000"), "{text}");
    let text = download_cp932(
        &b,
        "/console/donations?channel=rakuten&format=csv&charset=shift_jis",
    )
    .await;
    assert!(text.starts_with("寄附ID,種別,状態,金額"), "{text}");
    assert!(
        text.contains("大阪 花子") && text.contains("オオサカ ハナコ"),
        "{text}"
    );
    // The API's breakdowns answer CSV too, in the charset asked for.
    let res = app
        .get_accepting(
            "/api/v1/admin/reports/channels?from=2025-04-01&to=2026-03-31",
            &admin,
            "text/csv; charset=Shift_JIS",
        )
        .await;
    assert_eq!(res.status(), 200);
    let text = cp932(&res.bytes().await.unwrap());
    assert_eq!(text, "経路,件数,金額\nrakuten,5,200000\n合計,5,200000\n");
    b.close().await;
}

async fn gifts_and_donation_writes_through_the_pages_match_the_api(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let vendor = app.create_vendor(&admin, "品川ものづくり工房").await;
    let Some(b) = open(&app, "writes").await else {
        return;
    };
    sign_in(&b, ADMIN_EMAIL, ADMIN_PASSWORD).await;

    // One yen over 30%: the form says so as staff type, and saving is refused with the API's words.
    b.goto("/console/gifts/new").await;
    b.fill("#f-code", "PAN-30").await;
    b.fill("#f-name", "品川の鉄フライパン").await;
    b.fill("#f-amount", "10000").await;
    b.fill("#f-procurement_cost", "3001").await;
    b.wait_for("#rule-check[data-code='return_ratio_exceeded']")
        .await;
    b.click_to_navigate("#gift-form button[type=submit]").await;
    let mut body = gift_body("PAN-30", &vendor, 10_000, 3_001);
    body["name"] = json!("品川の鉄フライパン");
    let api = app.post_gift(&admin, &body).await;
    assert_eq!(api.status(), 422);
    let api: Value = api.json().await.unwrap();
    let shown = b.text("#problem").await;
    assert!(
        shown.contains(api["detail"].as_str().unwrap()) && shown.contains("return_ratio_exceeded"),
        "{shown}"
    );
    b.assert_accessible("gift-refused").await;
    // Exactly 30% saves.
    b.fill("#f-procurement_cost", "3000").await;
    b.wait_for("#rule-check[data-code='ok']").await;
    send_and_confirm(&b, "#gift-form button[type=submit]", "保存しました").await;
    let gifts = app
        .get_json(
            &format!("/api/v1/admin/gifts?vendor_id={vendor}"),
            Some(&admin),
        )
        .await;
    assert_eq!(gifts["total"], 1);
    assert_eq!(gifts["items"][0]["procurement_cost"], 3000);
    assert_eq!(gifts["items"][0]["amount"], 10000);
    b.assert_accessible("gift-saved").await;

    // Pictures: a text file is refused with the API's reason; a PNG is added, then removed.
    let gift_id = gifts["items"][0]["id"].as_str().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let not_a_picture = dir.path().join("notes.png");
    std::fs::write(&not_a_picture, "not a picture").unwrap();
    b.fill("#f-image", not_a_picture.to_str().unwrap()).await;
    b.click_to_navigate("#image-form button[type=submit]").await;
    assert!(b.text("main").await.contains("unsupported_media_type"));
    b.goto(&format!("/console/gifts/{gift_id}")).await;
    let picture = dir.path().join("pan.png");
    std::fs::write(&picture, include_bytes!("../../demo/images/product.png")).unwrap();
    b.fill("#f-image", picture.to_str().unwrap()).await;
    send_and_confirm(&b, "#image-form button[type=submit]", "写真").await;
    let images = |g: &Value| g["images"].as_array().unwrap().len();
    let g = app
        .get_json(&format!("/api/v1/admin/gifts/{gift_id}"), Some(&admin))
        .await;
    assert_eq!(images(&g), 1);
    b.assert_accessible("gift-with-picture").await;
    b.click_to_navigate("#gift-images button[type=submit]")
        .await;
    let g = app
        .get_json(&format!("/api/v1/admin/gifts/{gift_id}"), Some(&admin))
        .await;
    assert_eq!(images(&g), 0);

    // The 地場産品 basis and its approval on the gift's page: submitting an incomplete basis names
    // the missing part; the submitter cannot approve; after another staff member's approval
    // (through the API here), publishing puts the gift in the public catalogue.
    b.goto(&format!("/console/gifts/{gift_id}")).await;
    b.click_to_navigate("#action-submit button").await;
    assert!(b.text("#problem").await.contains("validation_failed"));
    b.choose(
        "#f-basis_criterion",
        "第3号　製造・加工等の主要な工程を区域内で行い相応の付加価値が生じているもの",
    )
    .await;
    b.fill("#f-basis_justification", "区内の工房で鍛造・仕上げ")
        .await;
    b.fill("#f-basis_evidence", "工房の所在地と製造工程表")
        .await;
    b.click_to_navigate("#gift-form button[type=submit]").await;
    b.click_to_navigate("#action-submit button").await;
    assert_eq!(b.text("#gift-status").await, "承認待ち");
    b.click_to_navigate("#action-approve button").await;
    assert!(b.text("#problem").await.contains("approval_by_submitter"));
    let approver = app.approver_token().await;
    app.gift_action(&approver, &gift_id, "approve").await;
    b.goto(&format!("/console/gifts/{gift_id}")).await;
    b.assert_accessible("gift-approved").await;
    b.click_to_navigate("#action-publish button").await;
    assert_eq!(b.text("#gift-status").await, "公開中");
    let public = app.get_json("/api/v1/gifts", None).await;
    assert_eq!(public["items"][0]["id"], gift_id.as_str());
    let basis = app
        .get_json("/api/v1/admin/reports/gift-bases", Some(&admin))
        .await;
    assert_eq!(
        basis["criteria"][2]["gifts"][0]["id"],
        gift_id.as_str(),
        "{basis}"
    );

    // The cost ledger: a cost entered on the page is the API's entry, and the page shows the
    // report's total; a mistake is reversed from the page.
    const COSTS_2025: &str = "/api/v1/admin/reports/costs?fiscal_year=2025";
    b.goto("/console/costs?fiscal_year=2025").await;
    b.run("document.querySelector('#f-booked_on').value = '2025-10-01'; return null;")
        .await;
    b.choose("#f-category", "広報").await;
    b.fill("#f-amount", "120,000").await;
    b.fill("#f-note", "ポスター印刷").await;
    send_and_confirm(&b, "#cost-form button[type=submit]", "記録しました").await;
    let costs = app.get_json(COSTS_2025, Some(&admin)).await;
    assert_eq!(costs["total"], 120_000);
    assert_eq!(b.text("#cost-total").await, "¥120,000");
    b.assert_accessible("costs").await;
    b.fill("#cost-entries input[name=note]", "二重計上").await;
    send_and_confirm(&b, "#cost-entries button[type=submit]", "取り消し").await;
    let costs = app.get_json(COSTS_2025, Some(&admin)).await;
    assert_eq!(costs["total"], 0);

    // A new vendor and a login for its order desk.
    b.goto("/console/businesses").await;
    b.fill("#f-name", "大井町青果").await;
    send_and_confirm(&b, "#business-form button[type=submit]", "追加しました").await;
    let businesses = app
        .get_json("/api/v1/admin/businesses?per_page=100", Some(&admin))
        .await;
    let created = businesses["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "大井町青果")
        .expect("the business is listed by the API");
    assert_eq!(created["is_vendor"], true);
    let form = format!("#vendor-login-{}", created["id"].as_str().unwrap());
    b.fill(
        &format!("{form} input[name=email]"),
        "shop@ooimachi.example",
    )
    .await;
    b.fill(
        &format!("{form} input[name=password]"),
        "a-long-vendor-password",
    )
    .await;
    send_and_confirm(&b, &format!("{form} button"), "ログインを登録しました").await;
    b.assert_accessible("businesses").await;
    let res = app
        .login("shop@ooimachi.example", "a-long-vendor-password")
        .await;
    assert_eq!(res.status(), 200);
    let login: Value = res.json().await.unwrap();
    assert_eq!(login["role"], "vendor");

    // An offline payment found by the donor's kana typed in hiragana.
    let (id, _) = app.donate_ok(&general(10_000)).await;
    let as_staff_see_it = format!("/api/v1/admin/donations/{id}");
    b.goto("/console/donations?q=しながわ").await;
    assert_eq!(b.text("#result-count").await, "1件");
    b.assert_accessible("donations").await;
    b.click_to_navigate("#donations tbody a").await;
    b.assert_accessible("donation-pending").await;
    let today = b
        .run("return document.querySelector('#f-received_on').value;")
        .await;
    b.choose("#f-method", "銀行振込").await;
    b.click_to_navigate("#payment-form button[type=submit]")
        .await;
    assert_eq!(b.text("#status").await, "入金済み");
    let d = app.get_json(&as_staff_see_it, Some(&admin)).await;
    assert_eq!(d["status"], "paid");
    assert_eq!(d["payment_method"], "bank_transfer");
    assert_eq!(d["received_on"], today);
    assert_eq!(
        b.text("#receipt-number").await,
        d["receipt_number"].as_str().unwrap()
    );

    // Re-issue, then the receipt as printed.
    send_and_confirm(&b, "#reissue-form button[type=submit]", "再発行").await;
    let receipt = app
        .get_json(&format!("/api/v1/donations/{id}/receipt"), Some(&admin))
        .await;
    assert_eq!(receipt["reissued"], true);
    let (status, bytes) = fetch_bytes(&b, &format!("/console/donations/{id}/receipt")).await;
    assert_eq!(status, 200);
    assert!(String::from_utf8(bytes).unwrap().contains("再発行"));

    // A refund asks first; only the confirmation refunds.
    b.fill("#f-reason", "寄附者の申し出による取消").await;
    b.click_to_navigate("#refund-form button[type=submit]")
        .await;
    assert_eq!(b.text("#confirm-reason").await, "寄附者の申し出による取消");
    b.assert_accessible("refund-confirm").await;
    let d = app.get_json(&as_staff_see_it, Some(&admin)).await;
    assert_eq!(
        d["status"], "paid",
        "nothing happens before the confirmation"
    );
    b.click_to_navigate("#refund-confirm button[type=submit]")
        .await;
    assert_eq!(b.text("#status").await, "返金済み");
    let d = app.get_json(&as_staff_see_it, Some(&admin)).await;
    assert_eq!(d["status"], "refunded");
    assert_eq!(d["refund_reason"], "寄附者の申し出による取消");
    assert!(b.text("#history").await.contains("refund"));
    b.assert_accessible("donation-refunded").await;
    b.close().await;
}

/// Every page of the console (a donation's and a gift's own pages with real ids).
fn console_pages(donation: &str, gift: &str) -> Vec<String> {
    [
        "/console/",
        "/console/donations",
        "/console/gifts",
        "/console/gifts/new",
        "/console/imports",
        "/console/partners",
        "/console/settlements",
        "/console/vouchers",
        "/console/businesses",
        "/console/organizations",
        "/console/purposes",
        "/console/targets",
        "/console/costs",
        "/console/emails",
        "/console/audit",
        "/console/one-stop/notices",
    ]
    .iter()
    .map(|p| (*p).to_owned())
    .chain([
        format!("/console/donations/{donation}"),
        format!("/console/gifts/{gift}"),
    ])
    .collect()
}

/// The console's form routes as the source declares them (`.route("/console/…", web::post()`),
/// so a new form cannot be left out of the read-only test.
fn declared_form_routes() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/web/console");
    let mut routes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let source = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let flat: String = source.split_whitespace().collect();
        for part in flat.split(".route(\"").skip(1) {
            if let Some((path, rest)) = part.split_once("\",") {
                if rest.starts_with("web::post()") {
                    routes.push(path.to_owned());
                }
            }
        }
    }
    routes.sort();
    routes
}

/// A documented path with its parameters filled: ids with `id`, a fiscal year with 2025.
fn with_ids(path: &str, id: &str) -> String {
    path.split('/')
        .map(|segment| match segment {
            "{fiscal_year}" => "2025",
            s if s.starts_with('{') => id,
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn audit_rows(app: &TestApp, admin: &str) -> i64 {
    app.get_json("/api/v1/admin/audit-log?per_page=1", Some(admin))
        .await["total"]
        .as_i64()
        .unwrap()
}

async fn a_read_only_login_sees_everything_and_changes_nothing(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    app.create_user(
        VIEWER_EMAIL,
        VIEWER_PASSWORD,
        furusato::auth::Role::Viewer,
        None,
    );
    let vendor = app.create_vendor(&admin, "大井町の器").await;
    let gift = app
        .create_gift(&admin, &gift_body("CUP-1", &vendor, 10_000, 3_000))
        .await;
    let gift = gift["id"].as_str().unwrap().to_owned();
    let (donation, _) = app.donate_ok(&general(10_000)).await;
    let organization = app.create_organization(&admin, "品川少年野球連盟").await;
    let res = app.login(VIEWER_EMAIL, VIEWER_PASSWORD).await;
    assert_eq!(res.status(), 200);
    let login: Value = res.json().await.unwrap();
    assert_eq!(login["role"], "viewer");
    let viewer = login["token"].as_str().unwrap().to_owned();

    // The API: every staff write refused, reads allowed, personal-data exports refused.
    let before = audit_rows(&app, &admin).await;
    let doc = app.get_json("/api/openapi.json", None).await;
    let mut writes = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.starts_with("/api/v1/admin/") {
            continue;
        }
        for method in ["post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let concrete = with_ids(path, &donation);
            let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let res = app
                .send_json(method.clone(), &concrete, Some(&viewer), &json!({}))
                .await;
            assert_eq!(
                res.status(),
                403,
                "{method} {concrete} answered {}",
                res.status()
            );
            writes += 1;
        }
    }
    assert!(
        writes >= 25,
        "only {writes} staff writes found in the document"
    );
    assert_eq!(
        app.get(
            &format!("/api/v1/admin/donations/{donation}"),
            Some(&viewer)
        )
        .await
        .status(),
        200
    );
    assert_eq!(
        app.get(
            "/api/v1/admin/reports/monthly?fiscal_year=2025",
            Some(&viewer)
        )
        .await
        .status(),
        200
    );
    for export in [
        "/api/v1/admin/one-stop?tax_year=2025",
        "/api/v1/admin/orders/export",
    ] {
        assert_eq!(
            app.get(export, Some(&viewer)).await.status(),
            403,
            "{export}"
        );
    }
    let csv = app
        .get_accepting("/api/v1/admin/donations", &viewer, "text/csv")
        .await;
    assert_eq!(csv.status(), 403);
    assert_eq!(audit_rows(&app, &admin).await, before);

    // The pages: every one opens (and passes axe), no form is offered, and every form route
    // refuses a well-formed submission on the server.
    let Some(b) = open(&app, "read-only").await else {
        return;
    };
    sign_in(&b, VIEWER_EMAIL, VIEWER_PASSWORD).await;
    assert_eq!(b.text("#role").await, "閲覧専用");
    for page in console_pages(&donation, &gift) {
        b.goto(&page).await;
        assert_eq!(b.current_path().await, page);
        // The page itself, not an error page (which has no heading in a main).
        assert!(!b.text("main h1").await.is_empty(), "{page}");
        let forms = b
            .run("return Array.from(document.querySelectorAll('main form[method=post]')).length;")
            .await;
        assert_eq!(forms, 0, "{page} offers a form to a read-only login");
        let label = page.trim_matches('/').replace('/', "-");
        b.assert_accessible(&format!("viewer-{label}")).await;
    }
    let mut tried = Vec::new();
    for route in declared_form_routes() {
        if route == "/console/login"
            || route == "/console/logout"
            || route == "/console/gifts/check"
        {
            continue;
        }
        let kinds: Vec<&str> = if route.contains("{kind:") {
            vec!["organizations", "purposes"]
        } else {
            vec![""]
        };
        for kind in kinds {
            let path = route
                .replace("{kind:organizations|purposes}", kind)
                .replace("/console/gifts/{id}", &format!("/console/gifts/{gift}"))
                .replace("{image_id}", "x")
                .replace(
                    "/console/donations/{id}",
                    &format!("/console/donations/{donation}"),
                )
                .replace(
                    "/console/organizations/{id}",
                    &format!("/console/organizations/{organization}"),
                )
                .replace(
                    "/console/purposes/{id}",
                    &format!("/console/purposes/{organization}"),
                )
                .replace("{id}", "x");
            let status = b
                .run_async(
                    "const done = arguments[arguments.length - 1];
                     const token = document.querySelector('input[name=csrf_token]').value;
                     const body = new FormData();
                     body.append('csrf_token', token);
                     for (const [k, v] of [['name', 'x'], ['code', 'X-1'], ['amount', '10000'],
                         ['procurement_cost', '1000'], ['category', 'product'], ['reason', 'r'],
                         ['confirm', 'yes'], ['received_on', '2025-05-01'], ['method', 'counter'],
                         ['fiscal_year', '2025'], ['month', '2025-04'], ['partner_id', 'x'],
                         ['email', 'x@example.jp'], ['password', 'a-long-password-1'],
                         ['channel', 'rakuten']]) body.append(k, v);
                     const multipart = arguments[0] === '/console/imports' || arguments[0].endsWith('/images');
                     fetch(arguments[0], {method: 'POST', credentials: 'same-origin', redirect: 'manual',
                         body: multipart ? body : new URLSearchParams(body)})
                       .then(r => done(r.status));",
                    vec![json!(path)],
                )
                .await;
            assert_eq!(status, 403, "POST {path} answered {status}");
            tried.push(path);
        }
    }
    assert!(tried.len() >= 15, "{tried:?}");
    assert_eq!(
        audit_rows(&app, &admin).await,
        before,
        "nothing was written"
    );
    let d = app
        .get_json(&format!("/api/v1/admin/donations/{donation}"), Some(&admin))
        .await;
    assert_eq!(d["status"], "pending_payment");
    // And no personal-data download for a read-only login.
    let (status, _) = fetch_bytes(&b, "/console/donations?format=csv").await;
    assert_eq!(status, 403);
    b.close().await;
}

both_engines!(
    the_dashboard_reads_as_the_report_api,
    gifts_and_donation_writes_through_the_pages_match_the_api,
    a_read_only_login_sees_everything_and_changes_nothing,
);
