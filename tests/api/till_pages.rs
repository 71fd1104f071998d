//! The till in a real browser on a counter's tablet: the camera reads a real voucher's QR code;
//! typed codes with a typo are caught before any lookup; redeem (a double tap takes once),
//! reverse with a reason, today's total and the month's statement and CSV agree with the API.

use std::path::PathBuf;
use std::time::Instant;

use diesel::prelude::*;
use furusato::db::schema::vouchers;
use furusato::domain::voucher_code::VoucherCode;
use serde_json::Value;

use crate::both_engines;
use crate::browser::{Browser, Options};
use crate::helpers::{Engine, TestApp};

/// A till with two unknown codes allowed before it is throttled.
async fn till_app(engine: Engine) -> TestApp {
    TestApp::spawn_with(engine, |s| s.vouchers.max_unknown_lookups = 2).await
}

/// A video of `text`'s QR code, as a camera would see it held up: a `.y4m` file (raw 4:2:0
/// frames) that Chromium's fake camera plays in a loop.
fn qr_video(text: &str, name: &str) -> PathBuf {
    let qr = qrcode::QrCode::new(text.as_bytes()).expect("a QR code");
    let modules = qr.width();
    let colors = qr.to_colors();
    let (width, height, scale) = (640usize, 480usize, 8usize);
    let side = modules * scale;
    let (left, top) = ((width - side) / 2, (height - side) / 2);
    let luma: Vec<u8> = (0..width * height)
        .map(|i| {
            let (x, y) = (i % width, i / width);
            let inside = x >= left && y >= top && x < left + side && y < top + side;
            let dark = inside
                && colors[((y - top) / scale) * modules + (x - left) / scale]
                    == qrcode::Color::Dark;
            if dark {
                16
            } else {
                235
            }
        })
        .collect();
    let chroma = vec![128u8; width * height / 4];
    let mut video = format!("YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n").into_bytes();
    for _ in 0..10 {
        video.extend_from_slice(b"FRAME\n");
        video.extend_from_slice(&luma);
        video.extend_from_slice(&chroma);
        video.extend_from_slice(&chroma);
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-videos");
    std::fs::create_dir_all(&dir).expect("video directory");
    let path = dir.join(format!("{name}.y4m"));
    std::fs::write(&path, video).expect("video written");
    path
}

async fn sign_in(b: &Browser, email: &str, password: &str) {
    b.goto("/till/login").await;
    b.fill("#email", email).await;
    b.fill("#password", password).await;
    b.click_to_navigate("form.till-form button[type=submit]")
        .await;
}

async fn a_till_reads_the_voucher_from_the_camera(engine: Engine) {
    let app = till_app(engine).await;
    let admin = app.admin_token().await;
    let (_, email, password) = app.create_partner_login(&admin, "天王洲ホテル").await;
    let (_, _, code) = app.on_site_voucher(10_000).await;
    let name = format!("till-camera-{}", engine.name());
    let options = Options {
        tablet: true,
        camera: Some(qr_video(&code, &name)),
        ..Options::default()
    };
    let Some(b) = Browser::open(&app.address, &name, options).await else {
        return;
    };
    sign_in(&b, &email, password).await;
    let scan_shown = Instant::now();
    b.goto("/till/").await;
    b.wait_for(".balance").await;
    let scanned_in = scan_shown.elapsed();
    eprintln!(
        "till ({}): from the scan screen to the voucher screen in {} ms",
        engine.name(),
        scanned_in.as_millis()
    );
    assert_eq!(b.text(".voucher-code").await, code);
    assert_eq!(b.text(".balance").await, "¥3,000");
    b.assert_accessible("scanned-voucher").await;
    b.close().await;
}

/// `code` with its first symbol changed to another symbol of the alphabet: one typo.
fn with_typo(code: &str) -> String {
    let first = code.chars().next().unwrap();
    let other = if first == 'K' { 'M' } else { 'K' };
    format!("{other}{}", &code[1..])
}

async fn statement(app: &TestApp, token: &str) -> Value {
    let month =
        furusato::domain::calendar::YearMonth::of(furusato::domain::calendar::japan_today());
    app.get_json(
        &format!("/api/v1/partner/statement?month={month}"),
        Some(token),
    )
    .await
}

async fn balance(app: &TestApp, token: &str, code: &str) -> i64 {
    app.get_json(&format!("/api/v1/partner/vouchers/{code}"), Some(token))
        .await["balance"]
        .as_i64()
        .unwrap()
}

/// Types `amount` on the keypad and goes on to the confirm step.
async fn key_in(b: &Browser, amount: &str) {
    b.click(".keypad [data-key=clear]").await;
    for key in amount.chars() {
        b.click(&format!(".keypad [data-key='{key}']")).await;
    }
    assert_eq!(
        b.run("return document.querySelector('#amount').value;")
            .await,
        amount
    );
    b.click_to_navigate(".amount-form button[type=submit]")
        .await;
}

async fn look_up_typed(b: &Browser, typed: &str) {
    b.goto("/till/").await;
    b.fill("#code", typed).await;
    b.click_to_navigate("#code-form button[type=submit]").await;
}

async fn a_till_types_redeems_reverses_and_closes_the_day(engine: Engine) {
    let app = till_app(engine).await;
    let admin = app.admin_token().await;
    let (_, email, password) = app.create_partner_login(&admin, "戸越銀座 とごし亭").await;
    let api_till: Value = app.login(&email, password).await.json().await.unwrap();
    let api_till = api_till["token"].as_str().unwrap().to_owned();
    let (_, _, code) = app.on_site_voucher(10_000).await;
    let options = Options {
        tablet: true,
        ..Options::default()
    };
    let Some(b) = Browser::for_test(&app, "till-typed", options).await else {
        return;
    };

    // Signed out, the till leads to its sign-in; staff cannot use a till.
    b.goto("/till/").await;
    assert_eq!(b.current_path().await, "/till/login");
    b.assert_accessible("login").await;
    sign_in(&b, "admin@city.example", "wrong-password").await;
    assert!(b.text("#problem").await.contains("invalid_credentials"));
    sign_in(&b, &email, password).await;
    assert_eq!(b.current_path().await, "/till/");
    assert_eq!(b.text(".partner-name").await, "戸越銀座 とごし亭");
    b.assert_accessible("scan").await;

    // One wrong symbol: caught by the check symbol, before any lookup (so it does not count
    // against the till's two unknown codes, checked at the end).
    look_up_typed(&b, &with_typo(&code)).await;
    assert!(b.text("#problem").await.contains("invalid_voucher_code"));
    b.assert_accessible("typo").await;

    // Typed as a guest reads it out: lower case, full-width, without hyphens.
    let spoken: String = code
        .replace('-', "")
        .to_lowercase()
        .chars()
        .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
        .collect();
    look_up_typed(&b, &spoken).await;
    assert_eq!(b.text(".voucher-code").await, code);
    assert_eq!(b.text(".balance").await, "¥3,000");
    b.assert_accessible("voucher").await;

    // More than the balance is refused before anything is taken.
    key_in(&b, "5000").await;
    assert!(b.text("#problem").await.contains("insufficient_balance"));
    assert_eq!(balance(&app, &api_till, &code).await, 3_000);

    key_in(&b, "1200").await;
    assert_eq!(b.text(".confirm-amount").await, "¥1,200");
    assert_eq!(b.text(".confirm-after").await, "¥1,800");
    b.assert_accessible("confirm").await;
    // A double tap on the confirm: the same form sent twice at once takes the money once.
    let statuses = b
        .submit_twice_at_once("form[action=\"/till/redeem\"]")
        .await;
    assert_eq!(
        statuses,
        serde_json::json!(["opaqueredirect", "opaqueredirect"])
    );
    assert_eq!(balance(&app, &api_till, &code).await, 1_800);
    // And the ordinary tap after them: the same redemption's result.
    b.click_to_navigate("#confirm").await;
    assert_eq!(b.text(".taken").await, "¥1,200");
    assert_eq!(b.text(".balance-after").await, "¥1,800");
    let kept = b.text(".slip-number").await;
    assert_eq!(kept.len(), 8);
    b.assert_accessible("result").await;
    assert_eq!(balance(&app, &api_till, &code).await, 1_800);

    // A second redemption, then reversed with a reason: the amount comes back.
    look_up_typed(&b, &code).await;
    key_in(&b, "300").await;
    b.click_to_navigate("#confirm").await;
    let undone = b.text(".slip-number").await;
    assert_eq!(balance(&app, &api_till, &code).await, 1_500);
    b.click_to_navigate("a[href$='/reverse']").await;
    b.assert_accessible("reverse").await;
    // A blank reason (the browser asks for one; spaces get past it, not past the server).
    b.fill("#reason", "  ").await;
    b.click_to_navigate("#reverse").await;
    assert!(b.text("#problem").await.contains("validation_failed"));
    b.fill("#reason", "金額の入力誤り").await;
    // A double tap on 取り消す: both land on today's list; the amount comes back once.
    let statuses = b.submit_twice_at_once("form.till-form").await;
    assert_eq!(
        statuses,
        serde_json::json!(["opaqueredirect", "opaqueredirect"])
    );
    b.click_to_navigate("#reverse").await;
    assert!(b.current_path().await.starts_with("/till/today"));
    assert!(b.text("[role=status]").await.contains(&undone));
    assert_eq!(balance(&app, &api_till, &code).await, 1_800);

    // Today's total is what the API's statement nets.
    let api = statement(&app, &api_till).await;
    assert_eq!(api["net_amount"], 1_200);
    assert_eq!(api["reversed_amount"], 300);
    assert_eq!(b.text("#today-total").await, "¥1,200");
    assert_eq!(b.text("#today-count").await, "1");
    assert_eq!(b.texts("tbody tr").await.len(), 2);
    assert!(b.text(&format!("#slip-{kept}")).await.contains("¥1,200"));
    b.assert_accessible("today").await;

    // The month: the page and its CSV for Excel (UTF-8 with BOM) agree with the API.
    b.goto("/till/statement").await;
    assert_eq!(b.text("#statement-net").await, "¥1,200");
    b.assert_accessible("statement").await;
    let csv = b
        .run(
            "return fetch(document.querySelector('#csv').href).then(r => r.arrayBuffer())
               .then(b => Array.from(new Uint8Array(b)));",
        )
        .await;
    let bytes: Vec<u8> = serde_json::from_value(csv).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "a byte-order mark for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut rows = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = rows.records().map(Result::unwrap).collect();
    let net = rows.iter().find(|r| &r[0] == "精算額").unwrap();
    assert_eq!(&net[3], api["net_amount"].to_string().as_str());
    let lines = rows.iter().filter(|r| r[1].len() == 8).count();
    assert_eq!(lines, api["redemptions"].as_array().unwrap().len());

    // Another partner's redemption is not this till's to undo.
    let (_, other) = app.create_partner(&admin, "別の店").await;
    let theirs: Value = app.redeem(&other, &code, 100).await.json().await.unwrap();
    b.goto(&format!(
        "/till/redemptions/{}/reverse",
        theirs["id"].as_str().unwrap()
    ))
    .await;
    assert!(b.text("main").await.contains("redemption_not_found"));

    // An expired voucher is shown as such, with nothing to take from it.
    let (donation, _, expired) = app.on_site_voucher(10_000).await;
    let yesterday = furusato::domain::calendar::end_of_japan_day(
        furusato::domain::calendar::japan_today() - chrono::Duration::days(1),
    );
    diesel::update(vouchers::table.filter(vouchers::donation_id.eq(&donation)))
        .set(vouchers::expires_at.eq(yesterday.naive_utc()))
        .execute(&mut *app.conn())
        .unwrap();
    look_up_typed(&b, &expired).await;
    assert_eq!(b.text(".state").await, "有効期限切れ");
    assert!(b.texts(".amount-form").await.is_empty());

    // Unknown codes are refused, then throttled (the typo above did not count).
    look_up_typed(&b, &VoucherCode::generate().display()).await;
    assert!(b.text("#problem").await.contains("voucher_not_found"));
    look_up_typed(&b, &VoucherCode::generate().display()).await;
    assert!(b.text("#problem").await.contains("voucher_not_found"));
    look_up_typed(&b, &VoucherCode::generate().display()).await;
    assert!(b.text("#problem").await.contains("too_many_lookups"));

    // Signing out revokes the session.
    b.click_to_navigate("button.link").await;
    assert_eq!(b.current_path().await, "/till/login?signed_out=1");
    b.goto("/till/today").await;
    assert_eq!(b.current_path().await, "/till/login");
    b.close().await;
}

both_engines!(
    a_till_reads_the_voucher_from_the_camera,
    a_till_types_redeems_reverses_and_closes_the_day,
);
