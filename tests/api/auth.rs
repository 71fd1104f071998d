//! Login, logout, role checks and throttling.

use furusato::auth::Role;
use serde_json::{json, Value};

use crate::both_engines;
use crate::helpers::{assert_problem, Engine, TestApp, ADMIN_EMAIL, ADMIN_PASSWORD};

async fn login_logout_round_trip(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let token = app.admin_token().await;
    assert!(token.len() >= 22, "at least 128 bits");

    let res = app.login(&ADMIN_EMAIL.to_uppercase(), ADMIN_PASSWORD).await;
    assert_eq!(res.status(), 200, "emails are case-insensitive");
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["role"], "admin");
    assert!(body["partner_id"].is_null());
    assert!(body["expires_at"].as_str().unwrap().contains('T'));

    // The token works, then stops working after logout.
    let res = app
        .post("/api/v1/auth/logout", Some(&token), &json!({}))
        .await;
    assert_eq!(res.status(), 204);
    let res = app
        .post("/api/v1/auth/logout", Some(&token), &json!({}))
        .await;
    assert_problem(res, 401, "unauthorized").await;
    let res = app.post("/api/v1/auth/logout", None, &json!({})).await;
    assert_eq!(
        res.headers()["www-authenticate"],
        "Bearer realm=\"furusato\"",
        "a 401 says how to authenticate"
    );
    assert_problem(res, 401, "unauthorized").await;
}

async fn unknown_email_and_wrong_password_look_the_same(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    app.admin_token().await;
    let wrong_password = app.login(ADMIN_EMAIL, "not-the-password").await;
    let unknown_email = app.login("nobody@example.jp", ADMIN_PASSWORD).await;
    let a = assert_problem(wrong_password, 401, "invalid_credentials").await;
    let b = assert_problem(unknown_email, 401, "invalid_credentials").await;
    assert_eq!(a, b);
}

async fn tokens_are_stored_only_as_hashes(engine: Engine) {
    use diesel::prelude::*;
    use furusato::db::schema::sessions;
    let app = TestApp::spawn(engine).await;
    let token = app.admin_token().await;
    let mut conn = app.conn();
    let stored: Vec<String> = sessions::table
        .select(sessions::token_hash)
        .load(&mut *conn)
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], token);
    assert_eq!(stored[0], furusato::auth::tokens::token_hash(&token));
}

/// Signs in as a client behind the test's trusted proxy (the loopback peer).
async fn login_from(app: &TestApp, client: &str, email: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/auth/login"))
        .header("x-forwarded-for", client)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

fn retry_after(res: &reqwest::Response) -> i64 {
    res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

/// Moves every failure one `seconds` into the past, as if the client had waited.
fn wait_out(app: &TestApp, seconds: i64) {
    use diesel::prelude::*;
    use furusato::db::schema::sign_in_failures as f;
    let mut conn = app.conn();
    let rows: Vec<(String, chrono::NaiveDateTime)> = f::table
        .select((f::bucket, f::last_failed_at))
        .load(&mut *conn)
        .unwrap();
    for (bucket, at) in rows {
        diesel::update(f::table.find(bucket))
            .set(f::last_failed_at.eq(at - chrono::Duration::seconds(seconds)))
            .execute(&mut *conn)
            .unwrap();
    }
}

fn behind_loopback_proxy(s: &mut furusato::config::Settings) {
    s.server.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap(), "::1/128".parse().unwrap()];
    s.auth.free_failures_per_client = 3;
    s.auth.free_failures_per_account = 100;
    s.auth.slowdown_base_seconds = 2;
    s.auth.slowdown_cap_seconds = 8;
}

/// A guesser is slowed by a wait that doubles up to its cap, and is not even heard during the wait
/// (the right password then is refused too); the owner, from another client, signs in throughout.
async fn a_guesser_slows_down_while_the_owner_signs_in(engine: Engine) {
    let app = TestApp::spawn_with(engine, behind_loopback_proxy).await;
    app.admin_token().await;
    let guesser = "203.0.113.9";
    for _ in 0..3 {
        let res = login_from(&app, guesser, ADMIN_EMAIL, "wrong").await;
        assert_problem(res, 401, "invalid_credentials").await;
    }
    let mut waits = Vec::new();
    for _ in 0..4 {
        let res = login_from(&app, guesser, ADMIN_EMAIL, ADMIN_PASSWORD).await;
        waits.push(retry_after(&res));
        assert_problem(res, 429, "too_many_attempts").await;
        // The owner is let through while the guesser waits.
        let res = login_from(&app, "198.51.100.7", ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_eq!(res.status(), 200);
        wait_out(&app, 8);
        let res = login_from(&app, guesser, ADMIN_EMAIL, "wrong").await;
        assert_problem(res, 401, "invalid_credentials").await;
    }
    assert_eq!(waits, [2, 4, 8, 8], "doubling from the base, capped");
    // The guesser's address with an extra hop it made up is still the guesser.
    let res = login_from(&app, &format!("10.9.9.9, {guesser}"), ADMIN_EMAIL, "x").await;
    assert_problem(res, 429, "too_many_attempts").await;
}

/// Guesses sent in parallel are judged one after another: only the free ones are heard.
async fn parallel_guesses_get_only_the_free_attempts(engine: Engine) {
    let app = TestApp::spawn_with(engine, behind_loopback_proxy).await;
    app.admin_token().await;
    let guesses = (0..12).map(|i| {
        login_from(
            &app,
            "203.0.113.9",
            ADMIN_EMAIL,
            if i == 11 { ADMIN_PASSWORD } else { "wrong" },
        )
    });
    let statuses: Vec<u16> = futures_util::future::join_all(guesses)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    let heard = statuses.iter().filter(|s| **s != 429).count();
    assert_eq!(heard, 3, "{statuses:?}");
}

/// A guesser spread over many addresses: past the account's free failures, each address that has
/// failed waits, and a clean client with the right password still gets in.
async fn a_spread_guesser_is_slowed_per_account(engine: Engine) {
    let app = TestApp::spawn_with(engine, |s| {
        behind_loopback_proxy(s);
        s.auth.free_failures_per_account = 4;
    })
    .await;
    app.admin_token().await;
    for i in 0..4 {
        let res = login_from(&app, &format!("203.0.113.{i}"), ADMIN_EMAIL, "wrong").await;
        assert_problem(res, 401, "invalid_credentials").await;
    }
    let res = login_from(&app, "203.0.113.0", ADMIN_EMAIL, "wrong").await;
    assert_eq!(retry_after(&res), 2);
    assert_problem(res, 429, "too_many_attempts").await;
    let res = login_from(&app, "198.51.100.7", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(res.status(), 200, "the owner is not locked out");
}

/// Without a trusted proxy, `X-Forwarded-For` is the client's own words: changing it does not
/// escape the slowdown. Failures on two instances of one database count together.
async fn forwarded_for_is_ignored_from_untrusted_peers(engine: Engine) {
    let app = TestApp::spawn_with(engine, |s| {
        s.auth.free_failures_per_client = 3;
    })
    .await;
    app.admin_token().await;
    let second = app.another_instance().await;
    for i in 0..3 {
        let base = if i % 2 == 0 { &app.address } else { &second };
        let res = app
            .client
            .post(format!("{base}/api/v1/auth/login"))
            .header("x-forwarded-for", format!("192.0.2.{i}"))
            .json(&json!({"email": ADMIN_EMAIL, "password": "wrong"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 401);
    }
    let res = login_from(&app, "192.0.2.77", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(retry_after(&res), 1);
    assert_problem(res, 429, "too_many_attempts").await;
}

async fn roles_are_enforced(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let admin = app.admin_token().await;
    let partner_id = {
        use diesel::prelude::*;
        use furusato::db::schema::businesses;
        let id = uuid::Uuid::new_v4().to_string();
        let now = furusato::db::now();
        diesel::insert_into(businesses::table)
            .values((
                businesses::id.eq(&id),
                businesses::name.eq("テスト商店"),
                businesses::is_partner.eq(true),
                businesses::created_at.eq(now),
                businesses::updated_at.eq(now),
            ))
            .execute(&mut *app.conn())
            .unwrap();
        id
    };
    app.create_user(
        "till@shop.example",
        "till-password-123",
        Role::Partner,
        Some(&partner_id),
    );
    let res = app.login("till@shop.example", "till-password-123").await;
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["role"], "partner");
    assert_eq!(body["partner_id"], partner_id);
    let partner = body["token"].as_str().unwrap().to_owned();

    // Percent-encoding a path does not get around the role gate, which answers before any body
    // is read (a malformed body would otherwise give 400).
    for sneaky in [
        "/api/v1/%61dmin/gifts",
        "/api/v1/adm%69n/purposes",
        "/api/v1/%70artner/redemptions",
    ] {
        let res = app
            .post_raw(sneaky, None, "application/json", "{not json")
            .await;
        assert_eq!(res.status(), 401, "{sneaky}");
        // Answered like every other answer: logged and traceable by its request id.
        assert!(res.headers().contains_key("x-request-id"), "{sneaky}");
    }
    for (method, path) in crate::contract_routes() {
        let concrete = path
            .replace("{id}", "00000000-0000-0000-0000-000000000000")
            .replace("{fiscal_year}", "2025")
            .replace("{code}", "AAAA")
            .replace("{channel}", "rakuten");
        let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        // Staff routes refuse partners; partner routes refuse staff; both refuse anonymous calls.
        let wrong_role = if path.starts_with("/api/v1/admin/") {
            &partner
        } else if path.starts_with("/api/v1/partner/") || path.starts_with("/api/v1/vendor/") {
            &admin
        } else {
            continue;
        };
        let anonymous = app.send_json(m.clone(), &concrete, None, &json!({})).await;
        assert_problem(anonymous, 401, "unauthorized").await;
        let other_role = app
            .send_json(m, &concrete, Some(wrong_role), &json!({}))
            .await;
        assert_problem(other_role, 403, "forbidden").await;
    }
}

/// A bucket quiet past the failure memory is deleted by the sweeper's purge; a recent one stays.
async fn quiet_sign_in_failures_are_purged(engine: Engine) {
    use diesel::prelude::*;
    use furusato::auth::slowdown::purge_forgotten;
    use furusato::db::schema::sign_in_failures as f;
    let app = TestApp::spawn(engine).await;
    let memory = app.settings.auth.failure_memory_seconds;
    let res = app.login(ADMIN_EMAIL, "not-the-password").await;
    assert_eq!(res.status(), 401);
    let rows = |app: &TestApp| -> i64 { f::table.count().get_result(&mut *app.conn()).unwrap() };
    assert_eq!(rows(&app), 2, "the account's bucket and the client's");
    assert_eq!(purge_forgotten(&mut app.conn(), memory).unwrap(), 0);
    assert_eq!(rows(&app), 2);
    wait_out(&app, memory);
    assert_eq!(purge_forgotten(&mut app.conn(), memory).unwrap(), 2);
    assert_eq!(rows(&app), 0);
}

both_engines!(
    quiet_sign_in_failures_are_purged,
    login_logout_round_trip,
    unknown_email_and_wrong_password_look_the_same,
    tokens_are_stored_only_as_hashes,
    a_guesser_slows_down_while_the_owner_signs_in,
    a_spread_guesser_is_slowed_per_account,
    parallel_guesses_get_only_the_free_attempts,
    forwarded_for_is_ignored_from_untrusted_peers,
    roles_are_enforced,
);
