//! `GET /metrics`: not public by default, behind a bearer token or on a separate address, with
//! request counts by route template and the business figures equal to what the API reports.

use serde_json::Value;

use crate::both_engines;
use crate::flows::general;
use crate::helpers::{assert_problem, test_settings, Engine, TestApp, TestDatabase};

const TOKEN: &str = "metrics-token-for-the-tests-0123456789";

/// The value of the sample `name` (with its labels, as written in the exposition).
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

async fn scrape(app: &TestApp) -> String {
    let res = app.get("/metrics", Some(TOKEN)).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    res.text().await.unwrap()
}

async fn metrics_are_not_public_by_default(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let res = app.get("/metrics", None).await;
    assert_problem(res, 404, "route_not_found").await;
    let res = app.get("/metrics", Some(TOKEN)).await;
    assert_eq!(res.status(), 404, "no token configured: no route");
}

async fn metrics_count_requests_and_match_the_ledger(engine: Engine) {
    let app = TestApp::spawn_with(engine, |s| {
        s.metrics.bearer_token = secrecy::SecretString::from(TOKEN.to_owned());
    })
    .await;
    let res = app.get("/metrics", None).await;
    assert_problem(res, 401, "unauthorized").await;
    let res = app
        .get("/metrics", Some("metrics-token-for-the-tests-012345678X"))
        .await;
    assert_problem(res, 401, "unauthorized").await;

    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/gifts", None).await.status(), 200);
    }
    assert_eq!(app.get("/api/v1/gifts/nope", None).await.status(), 404);
    let admin = app.admin_token().await;
    // One donation left unpaid, one general paid, one on-site paid (a voucher), part spent.
    app.donate_ok(&general(7_000)).await;
    let (paid, _) = app.donate_ok(&general(12_000)).await;
    let now = chrono::Utc::now().to_rfc3339();
    let event = crate::flows::succeeded(&format!("evt_{paid}"), &paid, 12_000, &now);
    assert_eq!(app.webhook(&event).await.status(), 200);
    let (_, _, code) = app.on_site_voucher(10_000).await;
    let (_, till) = app.create_partner(&admin, "品川の店").await;
    assert_eq!(app.redeem(&till, &code, 1_000).await.status(), 201);

    let text = scrape(&app).await;
    let requests = |route: &str, status: u16| {
        sample(
            &text,
            &format!(
                "furusato_http_requests_total{{method=\"GET\",route=\"{route}\",status=\"{status}\"}}"
            ),
        )
    };
    assert_eq!(
        requests("/api/v1/gifts", 200),
        Some(3.0),
        "by route template"
    );
    assert_eq!(
        requests("/api/v1/gifts/{id}", 404),
        Some(1.0),
        "never the raw path"
    );
    assert!(!text.contains("/api/v1/gifts/nope"));
    assert!(text.contains("furusato_http_request_duration_seconds_bucket"));
    assert!(sample(&text, "furusato_db_pool_connections{state=\"max\"}").unwrap() >= 1.0);
    assert!(text.contains("furusato_db_pool_wait_seconds_count"));

    assert_eq!(
        sample(&text, "furusato_donations_awaiting_payment"),
        Some(1.0)
    );
    // ¥10,000 on site gives a ¥3,000 voucher; ¥1,000 of it is spent.
    assert_eq!(
        sample(&text, "furusato_voucher_liability_yen"),
        Some(2_000.0)
    );
    use furusato::domain::calendar::{japan_today, FiscalYear};
    let fiscal_year = FiscalYear::of(japan_today()).year();
    let report: Value = app
        .get_json(
            &format!("/api/v1/admin/reports/monthly?fiscal_year={fiscal_year}"),
            Some(&admin),
        )
        .await;
    let paid_total = sample(
        &text,
        &format!("furusato_fiscal_year_paid_yen{{fiscal_year=\"{fiscal_year}\"}}"),
    );
    assert_eq!(paid_total, report["total"]["amount"].as_f64());
    // The on-site donation was paid on the helpers' fixed day, in another fiscal year.
    assert_eq!(paid_total, Some(12_000.0));
    let queued: i64 = {
        use diesel::prelude::*;
        use furusato::db::schema::email_outbox;
        email_outbox::table
            .filter(email_outbox::status.eq("pending"))
            .count()
            .get_result(&mut *app.conn())
            .unwrap()
    };
    assert!(queued > 0);
    assert_eq!(
        sample(&text, "furusato_email_outbox{state=\"pending\"}"),
        Some(queued as f64)
    );
    assert_eq!(
        sample(&text, "furusato_email_outbox{state=\"failed\"}"),
        Some(0.0)
    );
}

/// On `metrics.listen` the exposition needs no token, and the service's own address has none.
async fn metrics_on_a_separate_address(engine: Engine) {
    let (database, url) = TestDatabase::create(engine);
    let mut settings = test_settings(&url);
    settings.metrics.listen = "127.0.0.1:0".into();
    let app = furusato::startup::Application::build(settings)
        .await
        .unwrap();
    let (port, metrics_port) = (app.port(), app.metrics_port().unwrap());
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::new();
    let metrics_at = |port: u16| {
        client
            .get(format!("http://127.0.0.1:{port}/metrics"))
            .send()
    };
    let res = metrics_at(metrics_port).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res
        .text()
        .await
        .unwrap()
        .contains("furusato_voucher_liability_yen 0"));
    let res = metrics_at(port).await.unwrap();
    assert_eq!(res.status(), 404);
    drop(database);
}

both_engines!(
    metrics_are_not_public_by_default,
    metrics_count_requests_and_match_the_ledger,
    metrics_on_a_separate_address,
);
