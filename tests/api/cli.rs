//! The `furusato` command: admin creation, migration, and start-up refusal of bad settings.

use std::process::Command;

use crate::helpers::{test_settings, Engine, TestApp, TestDatabase};

fn furusato(database_url: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_furusato"))
        .args(args)
        .env("FURUSATO__DATABASE__URL", database_url)
        .env("FURUSATO__DEMO", "false")
        .env("FURUSATO__LOG__LEVEL", "warn")
        .env("FURUSATO_CONFIG_DIR", "/nonexistent")
        .output()
        .expect("run furusato")
}

async fn migrate_status_lists_applied_and_pending(engine: Engine) {
    let (database, url) = TestDatabase::create(engine);
    let status = |url: &str| {
        let out = furusato(url, &["migrate", "--status"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let carried = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .count();
    let before = status(&url);
    assert!(
        before.contains("pending  2025-01-01-000001_foundation"),
        "{before}"
    );
    assert!(
        before.ends_with(&format!("0 applied, {carried} pending\n")),
        "{before}"
    );
    assert!(furusato(&url, &["migrate"]).status.success());
    let after = status(&url);
    assert!(
        after.contains("applied  2025-01-01-000001_foundation"),
        "{after}"
    );
    assert!(
        after.ends_with(&format!("{carried} applied, 0 pending\n")),
        "{after}"
    );
    drop(database);
}

async fn admin_create_prints_a_password_that_works(engine: Engine) {
    let (database, url) = TestDatabase::create(engine);
    let out = furusato(&url, &["migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = furusato(
        &url,
        &["admin", "create", "--email", "Staff@City.Shinagawa.example"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    let password = stdout.trim().rsplit(' ').next().unwrap().to_owned();
    assert!(password.len() >= 16, "{stdout}");
    // The same email again is refused.
    let again = furusato(
        &url,
        &["admin", "create", "--email", "staff@city.shinagawa.example"],
    );
    assert!(!again.status.success());
    let viewer = furusato(
        &url,
        &[
            "admin",
            "create",
            "--read-only",
            "--email",
            "reader@city.shinagawa.example",
        ],
    );
    assert!(viewer.status.success());
    let stdout = String::from_utf8(viewer.stdout).unwrap();
    assert!(stdout.starts_with("viewer reader@"), "{stdout}");
    let viewer_password = stdout.trim().rsplit(' ').next().unwrap().to_owned();

    let settings = test_settings(&url);
    let app = furusato::startup::Application::build(settings)
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "staff@city.shinagawa.example", "password": password}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "reader@city.shinagawa.example", "password": viewer_password}))
        .send()
        .await
        .unwrap();
    let login: serde_json::Value = res.json().await.unwrap();
    assert_eq!(login["role"], "viewer");
    drop(database);
}

async fn bootstrap_admin_from_the_environment(engine: Engine) {
    let app = TestApp::spawn_with(engine, |s| {
        s.bootstrap.admin_email = "First@City.Shinagawa.example".into();
        s.bootstrap.admin_password = secrecy::SecretString::from("first-admin-password".to_owned());
    })
    .await;
    let res = app
        .login("first@city.shinagawa.example", "first-admin-password")
        .await;
    assert_eq!(res.status(), 200);
}

crate::both_engines!(
    migrate_status_lists_applied_and_pending,
    admin_create_prints_a_password_that_works,
    bootstrap_admin_from_the_environment
);

#[test]
fn a_bad_setting_stops_the_service_with_one_line_naming_the_key() {
    let out = Command::new(env!("CARGO_BIN_EXE_furusato"))
        .args(["serve"])
        .env("FURUSATO__VOUCHERS__RATIO_BASIS_POINTS", "3500")
        .env("FURUSATO_CONFIG_DIR", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("vouchers.ratio_basis_points"), "{stderr}");
}
