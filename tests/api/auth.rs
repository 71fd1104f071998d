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

async fn repeated_failures_are_throttled_across_instances(engine: Engine) {
    let app = TestApp::spawn_with(engine, |s| {
        s.auth.max_failures_per_account = 3;
        s.auth.max_failures_per_address = 100;
    })
    .await;
    app.admin_token().await;
    let second = app.another_instance().await;
    // Failures alternate between two instances on one database.
    for i in 0..3 {
        let base = if i % 2 == 0 {
            app.address.clone()
        } else {
            second.clone()
        };
        let res = app.login_at(&base, ADMIN_EMAIL, "wrong").await;
        assert_eq!(res.status(), 401);
    }
    let res = app.login_at(&second, ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let retry_after: i64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 0 && retry_after <= 900);
    assert_problem(res, 429, "too_many_attempts").await;
}

async fn failures_per_client_address_are_throttled(engine: Engine) {
    let app = TestApp::spawn_with(engine, |s| {
        s.auth.max_failures_per_account = 100;
        s.auth.max_failures_per_address = 4;
    })
    .await;
    for i in 0..4 {
        let res = app.login(&format!("user{i}@example.jp"), "guess").await;
        assert_eq!(res.status(), 401);
    }
    let res = app.login("user9@example.jp", "guess").await;
    assert!(res.headers().contains_key("retry-after"));
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
    }
    for (method, path) in crate::contract_routes() {
        let concrete = path
            .replace("{id}", "00000000-0000-0000-0000-000000000000")
            .replace("{fiscal_year}", "2025")
            .replace("{code}", "AAAA");
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

both_engines!(
    login_logout_round_trip,
    unknown_email_and_wrong_password_look_the_same,
    tokens_are_stored_only_as_hashes,
    repeated_failures_are_throttled_across_instances,
    failures_per_client_address_are_throttled,
    roles_are_enforced,
);
