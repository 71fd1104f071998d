//! The `furusato` command: admin creation, migration, and start-up refusal of bad settings.

use std::process::{Command, Output};

use crate::helpers::{test_settings, Engine, TestApp, TestDatabase};

/// `furusato <args>` on the database at `database_url`, quiet, with the built-in settings.
pub fn furusato(database_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_furusato"))
        .args(args)
        .env("FURUSATO__DATABASE__URL", database_url)
        .env("FURUSATO__DEMO", "false")
        .env("FURUSATO__LOG__LEVEL", "warn")
        .env("FURUSATO_CONFIG_DIR", "/nonexistent")
        .output()
        .expect("run furusato")
}

/// The standard output of a run that must succeed (else the test fails with its standard error).
pub fn stdout_of_success(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

async fn migrate_status_lists_applied_and_pending(engine: Engine) {
    let (database, url) = TestDatabase::create(engine);
    // The first migration listed as `state`, and the count of each state at the end.
    let status_says = |state: &str, applied: usize, pending: usize| {
        let listed = stdout_of_success(furusato(&url, &["migrate", "--status"]));
        let first = format!("{state}  2025-01-01-000001_foundation");
        assert!(listed.contains(&first), "{listed}");
        let counts = format!("{applied} applied, {pending} pending\n");
        assert!(listed.ends_with(&counts), "{listed}");
    };
    let carried = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .count();
    status_says("pending", 0, carried);
    assert!(furusato(&url, &["migrate"]).status.success());
    status_says("applied", carried, 0);
    drop(database);
}

async fn admin_create_prints_a_password_that_works(engine: Engine) {
    let (database, url) = TestDatabase::create(engine);
    stdout_of_success(furusato(&url, &["migrate"]));
    let out = furusato(
        &url,
        &["admin", "create", "--email", "Staff@City.Shinagawa.example"],
    );
    let stdout = stdout_of_success(out);
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
    let stdout = stdout_of_success(viewer);
    assert!(stdout.starts_with("viewer reader@"), "{stdout}");
    let viewer_password = stdout.trim().rsplit(' ').next().unwrap().to_owned();

    let settings = test_settings(&url);
    let app = furusato::startup::Application::build(settings)
        .await
        .unwrap();
    let base = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    let sign_in = |email: &str, password: &str| {
        reqwest::Client::new()
            .post(format!("{base}/api/v1/auth/login"))
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
    };
    let res = sign_in("staff@city.shinagawa.example", password.as_str())
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = sign_in("reader@city.shinagawa.example", viewer_password.as_str())
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
