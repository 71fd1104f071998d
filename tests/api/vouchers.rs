//! On-site e-vouchers: never spent twice under concurrency, idempotent tills, partner isolation,
//! expiry at the Japan day boundary, reversal rules, settlement, typo-checked codes.

use std::collections::HashMap;

use diesel::prelude::*;
use furusato::db::schema::{redemptions, settlements, vouchers};
use furusato::domain::voucher_code::VoucherCode;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_engines;
use crate::donations::{donate_ok, osaka, pay, view};
use crate::helpers::{assert_problem, Engine, TestApp};

/// A donation of this amount gives a voucher of exactly ¥5,000 (floor of 30%).
const FIVE_THOUSAND: i64 = 16_667;

async fn voucher_app(engine: Engine) -> TestApp {
    TestApp::spawn_with(engine, |s| {
        s.vouchers.tiers.push(FIVE_THOUSAND);
        s.vouchers.max_unknown_lookups = 3;
    })
    .await
}

/// Creates a partner with a login; returns (partner id, token).
pub async fn partner(app: &TestApp, admin: &str, name: &str) -> (String, String) {
    let email = format!("till-{}@shop.example", uuid::Uuid::new_v4().simple());
    let res = app
        .post(
            "/api/v1/admin/partners",
            Some(admin),
            &json!({"name": name, "email": email, "password": "till-password-long"}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let login: Value = app
        .login(&email, "till-password-long")
        .await
        .json()
        .await
        .unwrap();
    (id, login["token"].as_str().unwrap().to_owned())
}

/// Pays an on-site donation; returns (donation id, donor token, voucher code).
pub async fn voucher(app: &TestApp, amount: i64) -> (String, String, String) {
    let (id, token) = donate_ok(
        app,
        &json!({"kind": "on_site", "amount": amount, "donor": osaka()}),
    )
    .await;
    pay(app, &id, amount).await;
    let code = view(app, &id, &token).await["voucher"]["code"]
        .as_str()
        .unwrap()
        .to_owned();
    (id, token, code)
}

pub async fn redeem(app: &TestApp, token: &str, code: &str, amount: i64) -> reqwest::Response {
    app.post(
        "/api/v1/partner/redemptions",
        Some(token),
        &json!({"voucher_code": code, "amount": amount}),
    )
    .await
}

async fn balance(app: &TestApp, token: &str, code: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/partner/vouchers/{code}"), Some(token))
        .await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

async fn one_voucher_is_never_spent_twice(engine: Engine) {
    let app = voucher_app(engine).await;
    let admin = app.admin_token().await;
    let (_, till) = partner(&app, &admin, "天王洲ベイサイドグリル").await;
    let (_, _, code) = voucher(&app, FIVE_THOUSAND).await;
    assert_eq!(balance(&app, &till, &code).await["balance"], 5_000);

    let responses =
        futures_util::future::join_all((0..200).map(|_| redeem(&app, &till, &code, 100))).await;
    let mut ok = 0;
    let mut spent = 0;
    for res in responses {
        match res.status() {
            StatusCode::CREATED => {
                let r: Value = res.json().await.unwrap();
                assert!(r["balance_after"].as_i64().unwrap() >= 0);
                spent += r["amount"].as_i64().unwrap();
                ok += 1;
            }
            StatusCode::CONFLICT => assert_eq!(
                res.json::<Value>().await.unwrap()["code"],
                "insufficient_balance"
            ),
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(ok, 50);
    assert_eq!(spent, 5_000);
    let b = balance(&app, &till, &code).await;
    assert_eq!(b["balance"], 0);
    assert_eq!(b["status"], "exhausted");
}

async fn many_vouchers_two_partners_exact_ledgers(engine: Engine) {
    let app = voucher_app(engine).await;
    let admin = app.admin_token().await;
    let (_, till_a) = partner(&app, &admin, "店A").await;
    let (_, till_b) = partner(&app, &admin, "店B").await;
    let mut codes = Vec::new();
    for _ in 0..4 {
        codes.push(voucher(&app, 10_000).await.2); // ¥3,000 each
    }
    let mut requests = Vec::new();
    for (i, code) in codes.iter().enumerate() {
        for j in 0..24 {
            let till = if j % 2 == 0 { &till_a } else { &till_b };
            let amount = 100 + ((i * 7 + j * 13) % 5) as i64 * 50;
            requests.push((code.clone(), till.clone(), amount));
        }
    }
    let responses =
        futures_util::future::join_all(requests.iter().map(|(c, t, a)| redeem(&app, t, c, *a)))
            .await;
    let mut spent: HashMap<String, i64> = HashMap::new();
    for ((code, _, amount), res) in requests.iter().zip(responses) {
        match res.status() {
            StatusCode::CREATED => *spent.entry(code.clone()).or_default() += amount,
            StatusCode::CONFLICT => {}
            other => panic!("unexpected {other}"),
        }
    }
    for code in &codes {
        let left = balance(&app, &till_a, code).await["balance"]
            .as_i64()
            .unwrap();
        assert!(left >= 0);
        assert_eq!(
            left + spent.get(code).copied().unwrap_or(0),
            3_000,
            "ledger of {code}"
        );
    }
    let month =
        furusato::domain::calendar::YearMonth::of(furusato::domain::calendar::japan_today())
            .to_string();
    let mut net = 0;
    for till in [&till_a, &till_b] {
        let s: Value = app
            .get(
                &format!("/api/v1/partner/statement?month={month}"),
                Some(till),
            )
            .await
            .json()
            .await
            .unwrap();
        net += s["net_amount"].as_i64().unwrap();
    }
    assert_eq!(net, spent.values().sum::<i64>());
    let settlement: Value = app
        .get(
            &format!("/api/v1/admin/settlements?month={month}"),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(settlement["total_net_amount"].as_i64().unwrap(), net);
}

async fn a_retried_redemption_charges_once(engine: Engine) {
    let app = voucher_app(engine).await;
    let admin = app.admin_token().await;
    let (_, till) = partner(&app, &admin, "戸越銀座 とごし亭").await;
    let (_, _, code) = voucher(&app, 10_000).await;
    let send = |key: &'static str, amount: i64| {
        app.client
            .post(app.url("/api/v1/partner/redemptions"))
            .bearer_auth(&till)
            .header("idempotency-key", key)
            .json(&json!({"voucher_code": code, "amount": amount}))
            .send()
    };
    let first = send("till-7-0001", 1_200).await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let retries = futures_util::future::join_all((0..10).map(|_| send("till-7-0001", 1_200))).await;
    for res in retries {
        let res = res.unwrap();
        assert_eq!(res.status(), 201);
        assert_eq!(
            res.json::<Value>().await.unwrap(),
            first,
            "the stored answer"
        );
    }
    assert_eq!(balance(&app, &till, &code).await["balance"], 1_800);
    assert_problem(
        send("till-7-0001", 1_300).await.unwrap(),
        422,
        "idempotency_key_reused",
    )
    .await;
    // The same key from another partner is another request.
    let (_, other) = partner(&app, &admin, "別の店").await;
    let res = app
        .client
        .post(app.url("/api/v1/partner/redemptions"))
        .bearer_auth(&other)
        .header("idempotency-key", "till-7-0001")
        .json(&json!({"voucher_code": code, "amount": 800}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    assert_eq!(balance(&app, &till, &code).await["balance"], 1_000);
}

async fn partners_are_isolated_and_roles_enforced(engine: Engine) {
    let app = voucher_app(engine).await;
    let admin = app.admin_token().await;
    let (_, till_a) = partner(&app, &admin, "店A").await;
    let (_, till_b) = partner(&app, &admin, "店B").await;
    let (_, donor_token, code) = voucher(&app, 10_000).await;
    let res = redeem(&app, &till_b, &code, 500).await;
    let b_redemption: Value = res.json().await.unwrap();
    let path = format!(
        "/api/v1/partner/redemptions/{}/reversal",
        b_redemption["id"].as_str().unwrap()
    );
    assert_problem(
        app.post(&path, Some(&till_a), &json!({})).await,
        404,
        "redemption_not_found",
    )
    .await;
    let month =
        furusato::domain::calendar::YearMonth::of(furusato::domain::calendar::japan_today())
            .to_string();
    let a: Value = app
        .get(
            &format!("/api/v1/partner/statement?month={month}"),
            Some(&till_a),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        a["redemptions"].as_array().unwrap().len(),
        0,
        "A sees none of B's redemptions"
    );
    let b: Value = app
        .get(
            &format!("/api/v1/partner/statement?month={month}"),
            Some(&till_b),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(b["net_amount"], 500);
    assert_eq!(
        b["redemptions"][0]["voucher_hint"].as_str().unwrap(),
        &code[code.len() - 4..]
    );
    assert!(
        !b.to_string().contains(&code),
        "statements never show whole codes"
    );
    // Anonymous, admin and donor tokens cannot redeem or look up.
    assert_problem(redeem(&app, "", &code, 1).await, 401, "unauthorized").await;
    assert_problem(redeem(&app, &admin, &code, 1).await, 403, "forbidden").await;
    assert_problem(
        redeem(&app, &donor_token, &code, 1).await,
        401,
        "unauthorized",
    )
    .await;
    assert_problem(
        app.get(&format!("/api/v1/partner/vouchers/{code}"), Some(&admin))
            .await,
        403,
        "forbidden",
    )
    .await;
    // The admin is not a partner and so has no statement.
    assert_problem(
        app.get(
            &format!("/api/v1/partner/statement?month={month}"),
            Some(&admin),
        )
        .await,
        403,
        "forbidden",
    )
    .await;
}

fn japan_day_end(offset_days: i64) -> chrono::NaiveDateTime {
    let today = furusato::domain::calendar::japan_today() + chrono::Duration::days(offset_days);
    furusato::domain::calendar::end_of_japan_day(today).naive_utc()
}

async fn expiry_is_at_the_end_of_the_japan_day(engine: Engine) {
    let app = voucher_app(engine).await;
    let admin = app.admin_token().await;
    let (_, till) = partner(&app, &admin, "店").await;
    let (donation, _, code) = voucher(&app, 10_000).await;
    let set_expiry = |at: chrono::NaiveDateTime| {
        diesel::update(vouchers::table.filter(vouchers::donation_id.eq(&donation)))
            .set(vouchers::expires_at.eq(at))
            .execute(&mut *app.conn())
            .unwrap();
    };
    // The voucher was issued with 365 days, ending at the end of that Japan day.
    let expires: chrono::NaiveDateTime = vouchers::table
        .filter(vouchers::donation_id.eq(&donation))
        .select(vouchers::expires_at)
        .first(&mut *app.conn())
        .unwrap();
    assert_eq!(expires, japan_day_end(365));
    set_expiry(japan_day_end(0));
    assert_eq!(
        redeem(&app, &till, &code, 100).await.status(),
        201,
        "usable until the end of today"
    );
    set_expiry(japan_day_end(-1));
    assert_eq!(balance(&app, &till, &code).await["status"], "expired");
    assert_problem(
        redeem(&app, &till, &code, 100).await,
        410,
        "voucher_expired",
    )
    .await;
}

async fn reversal_rules(engine: Engine) {
    let app = voucher_app(engine).await;
    let admin = app.admin_token().await;
    let (partner_id, till) = partner(&app, &admin, "店").await;
    let (_, _, code) = voucher(&app, 10_000).await;
    let r: Value = redeem(&app, &till, &code, 1_000)
        .await
        .json()
        .await
        .unwrap();
    let path = format!(
        "/api/v1/partner/redemptions/{}/reversal",
        r["id"].as_str().unwrap()
    );
    let res = app.post(&path, Some(&till), &json!({})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["balance"], 3_000);
    assert_problem(
        app.post(&path, Some(&till), &json!({})).await,
        409,
        "already_reversed",
    )
    .await;

    // Yesterday's redemption (Japan time) can no longer be reversed.
    let r: Value = redeem(&app, &till, &code, 500).await.json().await.unwrap();
    let id = r["id"].as_str().unwrap().to_owned();
    diesel::update(redemptions::table.filter(redemptions::id.eq(&id)))
        .set(redemptions::redeemed_at.eq(japan_day_end(-1)))
        .execute(&mut *app.conn())
        .unwrap();
    let path = format!("/api/v1/partner/redemptions/{id}/reversal");
    assert_problem(
        app.post(&path, Some(&till), &json!({})).await,
        409,
        "reversal_window_closed",
    )
    .await;

    // After its month is settled, nothing in it is reversed.
    let r: Value = redeem(&app, &till, &code, 200).await.json().await.unwrap();
    let month =
        furusato::domain::calendar::YearMonth::of(furusato::domain::calendar::japan_today())
            .to_string();
    diesel::insert_into(settlements::table)
        .values((
            settlements::partner_id.eq(&partner_id),
            settlements::month.eq(&month),
            settlements::redemption_count.eq(2_i64),
            settlements::net_amount.eq(700_i64),
            settlements::paid_at.eq(furusato::db::now()),
        ))
        .execute(&mut *app.conn())
        .unwrap();
    let path = format!(
        "/api/v1/partner/redemptions/{}/reversal",
        r["id"].as_str().unwrap()
    );
    assert_problem(
        app.post(&path, Some(&till), &json!({})).await,
        409,
        "already_settled",
    )
    .await;
    assert_eq!(balance(&app, &till, &code).await["balance"], 2_300);
}

async fn settlement_nets_reversals(engine: Engine) {
    let app = voucher_app(engine).await;
    let admin = app.admin_token().await;
    let (partner_id, till) = partner(&app, &admin, "天王洲ベイサイドグリル").await;
    let (_, _, code) = voucher(&app, 30_000).await; // ¥9,000
    redeem(&app, &till, &code, 1_000).await;
    let second: Value = redeem(&app, &till, &code, 2_000)
        .await
        .json()
        .await
        .unwrap();
    app.post(
        &format!(
            "/api/v1/partner/redemptions/{}/reversal",
            second["id"].as_str().unwrap()
        ),
        Some(&till),
        &json!({}),
    )
    .await;
    let month =
        furusato::domain::calendar::YearMonth::of(furusato::domain::calendar::japan_today())
            .to_string();
    let s: Value = app
        .get(
            &format!("/api/v1/admin/settlements?month={month}"),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    let line = s["partners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["partner_id"] == partner_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (line["count"].as_i64(), line["net_amount"].as_i64()),
        (Some(1), Some(1_000))
    );
    let statement: Value = app
        .get(
            &format!("/api/v1/partner/statement?month={month}"),
            Some(&till),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            statement["gross_amount"].as_i64(),
            statement["reversed_amount"].as_i64(),
            statement["net_amount"].as_i64()
        ),
        (Some(3_000), Some(2_000), Some(1_000))
    );
    let res = app
        .post(
            "/api/v1/admin/settlements",
            Some(&admin),
            &json!({"partner_id": partner_id, "month": month}),
        )
        .await;
    assert_problem(res, 409, "month_not_closed").await;

    // Move the redemptions into last month, then settle it.
    let last = furusato::domain::calendar::YearMonth::of(
        furusato::domain::calendar::japan_today() - chrono::Duration::days(40),
    )
    .to_string();
    diesel::update(redemptions::table)
        .set(redemptions::redeemed_month.eq(&last))
        .execute(&mut *app.conn())
        .unwrap();
    let res = app
        .post(
            "/api/v1/admin/settlements",
            Some(&admin),
            &json!({"partner_id": partner_id, "month": last}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let paid: Value = res.json().await.unwrap();
    assert_eq!(paid["net_amount"], 1_000);
    let res = app
        .post(
            "/api/v1/admin/settlements",
            Some(&admin),
            &json!({"partner_id": partner_id, "month": last}),
        )
        .await;
    assert_problem(res, 409, "already_settled").await;
    let res = app
        .client
        .get(app.url(&format!("/api/v1/admin/settlements?month={last}")))
        .bearer_auth(&admin)
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    let bytes = res.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(
        text.contains("天王洲ベイサイドグリル") && text.contains("1000") && text.contains("支払済"),
        "{text}"
    );
}

async fn codes_with_typos_and_guessing(engine: Engine) {
    let app = voucher_app(engine).await;
    let admin = app.admin_token().await;
    let (_, till) = partner(&app, &admin, "店").await;
    let (_, _, code) = voucher(&app, 10_000).await;
    // Case, spaces and separators are ignored.
    let typed = code.to_lowercase().replace('-', " ");
    assert_eq!(
        balance(&app, &till, &typed.replace(' ', "")).await["code"],
        code.as_str()
    );
    // One character wrong: told apart from an unknown code.
    let mut chars: Vec<char> = code.chars().collect();
    chars[0] = if chars[0] == 'A' { 'B' } else { 'A' };
    let typo: String = chars.into_iter().collect();
    assert_problem(
        app.get(&format!("/api/v1/partner/vouchers/{typo}"), Some(&till))
            .await,
        422,
        "invalid_voucher_code",
    )
    .await;
    assert_problem(
        app.get("/api/v1/partner/vouchers/SHORT", Some(&till)).await,
        422,
        "invalid_voucher_code",
    )
    .await;
    // Well-formed but unknown codes are counted; past the allowance the partner is throttled.
    for _ in 0..3 {
        let unknown = VoucherCode::generate().display();
        assert_problem(
            app.get(&format!("/api/v1/partner/vouchers/{unknown}"), Some(&till))
                .await,
            404,
            "voucher_not_found",
        )
        .await;
    }
    let unknown = VoucherCode::generate().display();
    let res = app
        .get(&format!("/api/v1/partner/vouchers/{unknown}"), Some(&till))
        .await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429, "too_many_lookups").await;
    assert_problem(
        redeem(&app, &till, &unknown, 100).await,
        429,
        "too_many_lookups",
    )
    .await;
    // The database holds no code in clear.
    let hashes: Vec<String> = vouchers::table
        .select(vouchers::code_hash)
        .load(&mut *app.conn())
        .unwrap();
    let canonical: String = code.chars().filter(|c| *c != '-').collect();
    assert!(hashes
        .iter()
        .all(|h| !h.contains(&canonical) && h.len() == 64));
}

async fn refunds_and_vouchers(engine: Engine) {
    let app = voucher_app(engine).await;
    let admin = app.admin_token().await;
    let (_, till) = partner(&app, &admin, "店").await;
    let (spent_donation, _, spent_code) = voucher(&app, 10_000).await;
    redeem(&app, &till, &spent_code, 1).await;
    let res = app
        .post(
            &format!("/api/v1/admin/donations/{spent_donation}/refund"),
            Some(&admin),
            &json!({"reason": "誤り"}),
        )
        .await;
    let p = assert_problem(res, 409, "voucher_partly_spent").await;
    assert!(p["detail"].as_str().unwrap().contains("¥1"));
    assert_eq!(
        balance(&app, &till, &spent_code).await["balance"],
        2_999,
        "nothing changed"
    );

    let (untouched, token, code) = voucher(&app, 10_000).await;
    let res = app
        .post(
            &format!("/api/v1/admin/donations/{untouched}/refund"),
            Some(&admin),
            &json!({"reason": "重複"}),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        view(&app, &untouched, &token).await["voucher"]["status"],
        "voided"
    );
    assert_problem(
        redeem(&app, &till, &code, 100).await,
        409,
        "voucher_not_active",
    )
    .await;
}

async fn monthly_voucher_report(engine: Engine) {
    let app = voucher_app(engine).await;
    let admin = app.admin_token().await;
    let (_, till) = partner(&app, &admin, "店").await;
    let (_, _, a) = voucher(&app, 10_000).await;
    let (_, _, _b) = voucher(&app, 30_000).await;
    redeem(&app, &till, &a, 1_000).await;
    let r: Value = redeem(&app, &till, &a, 500).await.json().await.unwrap();
    app.post(
        &format!(
            "/api/v1/partner/redemptions/{}/reversal",
            r["id"].as_str().unwrap()
        ),
        Some(&till),
        &json!({}),
    )
    .await;
    let month =
        furusato::domain::calendar::YearMonth::of(furusato::domain::calendar::japan_today())
            .to_string();
    let report: Value = app
        .get(
            &format!("/api/v1/admin/reports/vouchers?month={month}"),
            Some(&admin),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["issued_count"], 2);
    assert_eq!(report["issued_face_value"], 12_000);
    assert_eq!(report["redeemed_count"], 2);
    assert_eq!(report["redeemed_amount"], 1_500);
    assert_eq!(report["reversed_amount"], 500);
    assert_eq!(report["outstanding_balance"], 11_000);
    assert_eq!(report["expired_unspent"], 0);
}

both_engines!(
    one_voucher_is_never_spent_twice,
    many_vouchers_two_partners_exact_ledgers,
    a_retried_redemption_charges_once,
    partners_are_isolated_and_roles_enforced,
    expiry_is_at_the_end_of_the_japan_day,
    reversal_rules,
    settlement_nets_reversals,
    codes_with_typos_and_guessing,
    refunds_and_vouchers,
    monthly_voucher_report,
);
