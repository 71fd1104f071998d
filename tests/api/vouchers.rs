//! On-site e-vouchers: never spent twice under concurrency, idempotent tills, partner isolation,
//! expiry at the Japan day boundary, reversal rules, settlement, typo-checked codes.

use std::collections::HashMap;

use diesel::prelude::*;
use furusato::db::schema::{redemptions, settlements, vouchers};
use furusato::domain::voucher_code::VoucherCode;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::both_engines;
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

/// The current month in Japan, as the statement and settlement queries take it.
fn this_month() -> String {
    furusato::domain::calendar::YearMonth::of(furusato::domain::calendar::japan_today()).to_string()
}

/// A till's statement for `month` (200).
async fn statement(app: &TestApp, till: &str, month: &str) -> Value {
    app.get_json(
        &format!("/api/v1/partner/statement?month={month}"),
        Some(till),
    )
    .await
}

/// The settlement overview of `month` (200).
async fn settlement_overview(app: &TestApp, admin: &str, month: &str) -> Value {
    app.get_json(
        &format!("/api/v1/admin/settlements?month={month}"),
        Some(admin),
    )
    .await
}

/// The id of a redemption from the answer that created it.
async fn redemption_id(res: reqwest::Response) -> String {
    res.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// A till looks a voucher up by its code, whatever the answer.
async fn look_up(app: &TestApp, till: &str, code: &str) -> reqwest::Response {
    app.get(&format!("/api/v1/partner/vouchers/{code}"), Some(till))
        .await
}

/// A voucher as a till sees it (200): balance, status, canonical code.
async fn balance(app: &TestApp, till: &str, code: &str) -> Value {
    let res = look_up(app, till, code).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// Staff settle a partner's month, whatever the answer.
async fn settle(app: &TestApp, admin: &str, partner_id: &str, month: &str) -> reqwest::Response {
    app.post(
        "/api/v1/admin/settlements",
        Some(admin),
        &json!({"partner_id": partner_id, "month": month}),
    )
    .await
}

async fn one_voucher_is_never_spent_twice(engine: Engine) {
    let app = voucher_app(engine).await;
    let admin = app.admin_token().await;
    let (_, till) = app.create_partner(&admin, "天王洲ベイサイドグリル").await;
    let (_, _, code) = app.on_site_voucher(FIVE_THOUSAND).await;
    assert_eq!(balance(&app, &till, &code).await["balance"], 5_000);

    let responses =
        futures_util::future::join_all((0..200).map(|_| app.redeem(&till, &code, 100))).await;
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
    let (_, till_a) = app.create_partner(&admin, "店A").await;
    let (_, till_b) = app.create_partner(&admin, "店B").await;
    let mut codes = Vec::new();
    for _ in 0..4 {
        codes.push(app.on_site_voucher(10_000).await.2); // ¥3,000 each
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
        futures_util::future::join_all(requests.iter().map(|(c, t, a)| app.redeem(t, c, *a))).await;
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
    let month = this_month();
    let mut net = 0;
    for till in [&till_a, &till_b] {
        net += statement(&app, till, &month).await["net_amount"]
            .as_i64()
            .unwrap();
    }
    assert_eq!(net, spent.values().sum::<i64>());
    let settlement = settlement_overview(&app, &admin, &month).await;
    assert_eq!(settlement["total_net_amount"].as_i64().unwrap(), net);
}

async fn a_retried_redemption_charges_once(engine: Engine) {
    let app = voucher_app(engine).await;
    let admin = app.admin_token().await;
    let (_, till) = app.create_partner(&admin, "戸越銀座 とごし亭").await;
    let (_, _, code) = app.on_site_voucher(10_000).await;
    let key = "till-7-0001";
    let first = app.redeem_with_key(&till, key, &code, 1_200).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let retries = futures_util::future::join_all(
        (0..10).map(|_| app.redeem_with_key(&till, key, &code, 1_200)),
    )
    .await;
    for res in retries {
        assert_eq!(res.status(), 201);
        assert_eq!(
            res.json::<Value>().await.unwrap(),
            first,
            "the stored answer"
        );
    }
    assert_eq!(balance(&app, &till, &code).await["balance"], 1_800);
    assert_problem(
        app.redeem_with_key(&till, key, &code, 1_300).await,
        422,
        "idempotency_key_reused",
    )
    .await;
    // The same key from another partner is another request.
    let (_, other) = app.create_partner(&admin, "別の店").await;
    let res = app.redeem_with_key(&other, key, &code, 800).await;
    assert_eq!(res.status(), 201);
    assert_eq!(balance(&app, &till, &code).await["balance"], 1_000);
}

async fn partners_are_isolated_and_roles_enforced(engine: Engine) {
    let app = voucher_app(engine).await;
    let admin = app.admin_token().await;
    let (_, till_a) = app.create_partner(&admin, "店A").await;
    let (_, till_b) = app.create_partner(&admin, "店B").await;
    let (_, donor_token, code) = app.on_site_voucher(10_000).await;
    let b_redemption = redemption_id(app.redeem(&till_b, &code, 500).await).await;
    assert_problem(
        app.reverse_redemption(&till_a, &b_redemption).await,
        404,
        "redemption_not_found",
    )
    .await;
    let month = this_month();
    let a = statement(&app, &till_a, &month).await;
    assert_eq!(
        a["redemptions"].as_array().unwrap().len(),
        0,
        "A sees none of B's redemptions"
    );
    let b = statement(&app, &till_b, &month).await;
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
    assert_problem(app.redeem("", &code, 1).await, 401, "unauthorized").await;
    assert_problem(app.redeem(&admin, &code, 1).await, 403, "forbidden").await;
    assert_problem(
        app.redeem(&donor_token, &code, 1).await,
        401,
        "unauthorized",
    )
    .await;
    assert_problem(look_up(&app, &admin, &code).await, 403, "forbidden").await;
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
    let (_, till) = app.create_partner(&admin, "店").await;
    let (donation, _, code) = app.on_site_voucher(10_000).await;
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
        app.redeem(&till, &code, 100).await.status(),
        201,
        "usable until the end of today"
    );
    set_expiry(japan_day_end(-1));
    assert_eq!(balance(&app, &till, &code).await["status"], "expired");
    assert_problem(app.redeem(&till, &code, 100).await, 410, "voucher_expired").await;
}

async fn reversal_rules(engine: Engine) {
    let app = voucher_app(engine).await;
    let admin = app.admin_token().await;
    let (partner_id, till) = app.create_partner(&admin, "店").await;
    let (_, _, code) = app.on_site_voucher(10_000).await;
    let id = redemption_id(app.redeem(&till, &code, 1_000).await).await;
    let res = app.reverse_redemption(&till, &id).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["balance"], 3_000);
    let res = app.reverse_redemption(&till, &id).await;
    assert_problem(res, 409, "already_reversed").await;

    // Yesterday's redemption (Japan time) can no longer be reversed.
    let id = redemption_id(app.redeem(&till, &code, 500).await).await;
    diesel::update(redemptions::table.filter(redemptions::id.eq(&id)))
        .set(redemptions::redeemed_at.eq(japan_day_end(-1)))
        .execute(&mut *app.conn())
        .unwrap();
    let res = app.reverse_redemption(&till, &id).await;
    assert_problem(res, 409, "reversal_window_closed").await;

    // After its month is settled, nothing in it is reversed.
    let id = redemption_id(app.redeem(&till, &code, 200).await).await;
    let month = this_month();
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
    let res = app.reverse_redemption(&till, &id).await;
    assert_problem(res, 409, "already_settled").await;
    assert_eq!(balance(&app, &till, &code).await["balance"], 2_300);
}

async fn settlement_nets_reversals(engine: Engine) {
    let app = voucher_app(engine).await;
    let admin = app.admin_token().await;
    let (partner_id, till) = app.create_partner(&admin, "天王洲ベイサイドグリル").await;
    let (_, _, code) = app.on_site_voucher(30_000).await; // ¥9,000
    app.redeem(&till, &code, 1_000).await;
    let second = redemption_id(app.redeem(&till, &code, 2_000).await).await;
    app.reverse_redemption(&till, &second).await;
    let month = this_month();
    let s = settlement_overview(&app, &admin, &month).await;
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
    let own = statement(&app, &till, &month).await;
    assert_eq!(
        (
            own["gross_amount"].as_i64(),
            own["reversed_amount"].as_i64(),
            own["net_amount"].as_i64()
        ),
        (Some(3_000), Some(2_000), Some(1_000))
    );
    let res = settle(&app, &admin, &partner_id, &month).await;
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
    let res = settle(&app, &admin, &partner_id, &last).await;
    assert_eq!(res.status(), 201);
    let paid: Value = res.json().await.unwrap();
    assert_eq!(paid["net_amount"], 1_000);
    let res = settle(&app, &admin, &partner_id, &last).await;
    assert_problem(res, 409, "already_settled").await;
    let text = app
        .get_csv(&format!("/api/v1/admin/settlements?month={last}"), &admin)
        .await;
    assert!(
        text.contains("天王洲ベイサイドグリル") && text.contains("1000") && text.contains("支払済"),
        "{text}"
    );
}

async fn codes_with_typos_and_guessing(engine: Engine) {
    let app = voucher_app(engine).await;
    let admin = app.admin_token().await;
    let (_, till) = app.create_partner(&admin, "店").await;
    let (_, _, code) = app.on_site_voucher(10_000).await;
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
    for malformed in [typo.as_str(), "SHORT"] {
        let res = look_up(&app, &till, malformed).await;
        assert_problem(res, 422, "invalid_voucher_code").await;
    }
    // Well-formed but unknown codes are counted; past the allowance the partner is throttled.
    for _ in 0..3 {
        let unknown = VoucherCode::generate().display();
        let res = look_up(&app, &till, &unknown).await;
        assert_problem(res, 404, "voucher_not_found").await;
    }
    let unknown = VoucherCode::generate().display();
    let res = look_up(&app, &till, &unknown).await;
    assert!(res.headers().contains_key("retry-after"));
    assert_problem(res, 429, "too_many_lookups").await;
    assert_problem(
        app.redeem(&till, &unknown, 100).await,
        429,
        "too_many_lookups",
    )
    .await;
    // Redemptions of unknown codes count too, and a throttled till finds not even a real code
    // (else a guess that is taken would tell the code exists).
    let (_, other_till) = app.create_partner(&admin, "二号店").await;
    for _ in 0..3 {
        let unknown = VoucherCode::generate().display();
        let res = app.redeem(&other_till, &unknown, 100).await;
        assert_problem(res, 404, "voucher_not_found").await;
    }
    let res = app.redeem(&other_till, &code, 100).await;
    assert_problem(res, 429, "too_many_lookups").await;
    let balances: Vec<i64> = vouchers::table
        .select(vouchers::balance)
        .load(&mut *app.conn())
        .unwrap();
    assert_eq!(balances, vec![3_000], "nothing taken");
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
    let (_, till) = app.create_partner(&admin, "店").await;
    let (spent_donation, _, spent_code) = app.on_site_voucher(10_000).await;
    app.redeem(&till, &spent_code, 1).await;
    let res = app.refund(&admin, &spent_donation, "誤り").await;
    let p = assert_problem(res, 409, "voucher_partly_spent").await;
    assert!(p["detail"].as_str().unwrap().contains("¥1"));
    assert_eq!(
        balance(&app, &till, &spent_code).await["balance"],
        2_999,
        "nothing changed"
    );

    let (untouched, token, code) = app.on_site_voucher(10_000).await;
    let res = app.refund(&admin, &untouched, "重複").await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        app.view_donation(&untouched, &token).await["voucher"]["status"],
        "voided"
    );
    assert_problem(
        app.redeem(&till, &code, 100).await,
        409,
        "voucher_not_active",
    )
    .await;
}

async fn monthly_voucher_report(engine: Engine) {
    let app = voucher_app(engine).await;
    let admin = app.admin_token().await;
    let (_, till) = app.create_partner(&admin, "店").await;
    let (_, _, a) = app.on_site_voucher(10_000).await;
    let (_, _, _b) = app.on_site_voucher(30_000).await;
    app.redeem(&till, &a, 1_000).await;
    let reversed = redemption_id(app.redeem(&till, &a, 500).await).await;
    app.reverse_redemption(&till, &reversed).await;
    let month = this_month();
    let report = app
        .get_json(
            &format!("/api/v1/admin/reports/vouchers?month={month}"),
            Some(&admin),
        )
        .await;
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
