//! Benchmark: the monthly report over HTTP on PostgreSQL with 1,000,000 donations, beside the same
//! aggregate SQL run directly, in one run. Not part of `cargo test` (examples are only built there).
//!
//! ```sh
//! cargo run --example monthly_report_bench -- postgres://postgres@127.0.0.1:5432/postgres [rows] [runs]
//! ```
//!
//! It creates a scratch database, migrates it through the real application, bulk-loads the rows
//! with one `INSERT ... SELECT generate_series` (two fiscal years, FY2024 and FY2025, a third of
//! them in December; 90% paid, 5% refunded, 5% pending), runs `VACUUM ANALYZE`, then times
//! alternately `GET /api/v1/admin/reports/monthly?fiscal_year=2025` (authentication, target lookup,
//! aggregate, JSON) and the aggregate statement alone over a direct connection, and prints
//! min / median / p99 / max of each. The scratch database is dropped at the end.

use std::time::{Duration, Instant};

use anyhow::Context;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Nullable};
use furusato::auth::{password, store, Role};
use furusato::config::Settings;
use furusato::db::{write_transaction, DbConnection};
use furusato::startup::Application;
use secrecy::SecretString;

const ADMIN_EMAIL: &str = "bench-admin@city.shinagawa.example";
const ADMIN_PASSWORD: &str = "bench-admin-password";

/// The statement the report runs (diesel binds the three values; here they are literals).
const AGGREGATE: &str = "SELECT received_on, COUNT(*) AS count, \
     CAST(COALESCE(SUM(donations.amount), 0) AS BIGINT) AS amount \
     FROM donations WHERE status = 'paid' \
     AND received_on >= DATE '2024-04-01' AND received_on <= DATE '2026-03-31' \
     GROUP BY received_on";

#[derive(QueryableByName)]
#[allow(dead_code)] // loaded to make the database send every row, never read
struct DayRow {
    #[diesel(sql_type = Nullable<Date>)]
    received_on: Option<chrono::NaiveDate>,
    #[diesel(sql_type = BigInt)]
    count: i64,
    #[diesel(sql_type = BigInt)]
    amount: i64,
}

fn bulk_load_sql(rows: u64) -> String {
    // Day offsets from 2024-04-01: December 2024 starts at 244, December 2025 at 609.
    format!(
        "INSERT INTO donations (id, kind, status, amount, quantity, channel, donor_name, \
           donor_name_kana, donor_email, donor_phone, donor_postal_code, donor_prefecture, donor_city, \
           donor_address_line, one_stop, access_token_hash, receipt_issue_count, created_at, updated_at, \
           paid_at, received_on, payment_method) \
         SELECT 'bench-' || i, 'general', \
           CASE WHEN i % 20 = 0 THEN 'refunded' WHEN i % 20 = 1 THEN 'pending_payment' ELSE 'paid' END, \
           5000 + (i % 20) * 1000, 1, \
           (ARRAY['official_site', 'rakuten', 'satofull', 'furusato_choice'])[1 + i % 4], \
           '大阪 花子', 'オオサカ ハナコ', 'hanako@example.jp', '06-1234-5678', '530-0001', '大阪府', \
           '大阪市北区', '梅田1-1-1', false, md5(i::text) || '-' || i, 0, now(), now(), \
           CASE WHEN i % 20 = 1 THEN NULL ELSE (d + TIME '12:00') - INTERVAL '9 hours' END, \
           CASE WHEN i % 20 = 1 THEN NULL ELSE d END, \
           CASE WHEN i % 20 = 1 THEN NULL ELSE 'card' END \
         FROM generate_series(1, {rows}) AS i, \
           LATERAL (SELECT DATE '2024-04-01' + CASE WHEN i % 3 = 0 \
               THEN 244 + (i % 31) + (i % 2) * 365 \
               ELSE ((i::bigint * 7919) % 730)::int END AS d) AS day"
    )
}

struct Stats {
    min: Duration,
    median: Duration,
    p99: Duration,
    max: Duration,
}

/// Nearest-rank percentiles.
fn stats(mut samples: Vec<Duration>) -> Stats {
    samples.sort();
    let rank = |p: f64| {
        let n = samples.len();
        let i = ((p * n as f64).ceil() as usize).clamp(1, n) - 1;
        samples[i]
    };
    Stats {
        min: samples[0],
        median: rank(0.5),
        p99: rank(0.99),
        max: samples[samples.len() - 1],
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn database_url(server_url: &str, name: &str) -> String {
    let base = server_url.split('?').next().unwrap_or(server_url);
    let authority = base.find("://").map(|i| i + 3).unwrap_or(0);
    let root = match base[authority..].find('/') {
        Some(slash) => &base[..authority + slash],
        None => base,
    };
    format!("{root}/{name}")
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let server_url = args
        .next()
        .or_else(|| std::env::var("FURUSATO_BENCH_POSTGRES_URL").ok())
        .context("usage: monthly_report_bench POSTGRES_URL [rows] [runs]")?;
    let rows: u64 = args
        .next()
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let runs: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(50);
    anyhow::ensure!(runs > 0, "runs must be at least 1");

    let name = format!("furusato_bench_{}", uuid::Uuid::new_v4().simple());
    let mut server = PgConnection::establish(&server_url)?;
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut server)?;
    let url = database_url(&server_url, &name);
    let result = run(&url, rows, runs).await;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut server)?;
    result
}

async fn run(url: &str, rows: u64, runs: usize) -> anyhow::Result<()> {
    let mut settings = Settings::defaults_with(&[])?;
    settings.server.port = 0;
    settings.server.workers = 2;
    settings.database.url = SecretString::from(url.to_owned());
    settings.demo = false;
    settings.email.worker_enabled = false;
    let app = Application::build(settings.clone()).await?;
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());

    let mut conn = DbConnection::open(url, 5000)?;
    let hash = password::hash_password(ADMIN_PASSWORD, &settings.auth)?;
    write_transaction(&mut conn, |c: &mut DbConnection| {
        store::insert_user(c, ADMIN_EMAIL, &hash, Role::Admin, None)
    })?;
    let DbConnection::Postgres(pg) = &mut conn else {
        anyhow::bail!("the benchmark needs a postgres:// URL");
    };

    println!("loading {rows} donations (INSERT ... SELECT generate_series) ...");
    let started = Instant::now();
    diesel::sql_query(bulk_load_sql(rows)).execute(pg)?;
    diesel::sql_query("VACUUM ANALYZE donations").execute(pg)?;
    println!(
        "loaded and analysed in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let client = reqwest::Client::new();
    let login: serde_json::Value = client
        .post(format!("{address}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
        .send()
        .await?
        .json()
        .await?;
    let token = login["token"].as_str().context("no token")?.to_owned();
    let report_url = format!("{address}/api/v1/admin/reports/monthly?fiscal_year=2025");

    let fetch = || async {
        let res = client.get(&report_url).bearer_auth(&token).send().await?;
        anyhow::ensure!(res.status() == 200, "report answered {}", res.status());
        Ok::<serde_json::Value, anyhow::Error>(res.json().await?)
    };
    // Warm both paths (connection pool, caches).
    let report = fetch().await?;
    for _ in 0..3 {
        fetch().await?;
        diesel::sql_query(AGGREGATE).load::<DayRow>(pg)?;
    }

    let mut http = Vec::with_capacity(runs);
    let mut direct = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        fetch().await?;
        http.push(t.elapsed());
        let t = Instant::now();
        let days = diesel::sql_query(AGGREGATE).load::<DayRow>(pg)?;
        direct.push(t.elapsed());
        anyhow::ensure!(days.len() <= 731, "more groups than days: {}", days.len());
    }

    let plan: Vec<String> = {
        #[derive(QueryableByName)]
        struct PlanLine {
            #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
            line: String,
        }
        diesel::sql_query(format!("EXPLAIN (ANALYZE, BUFFERS) {AGGREGATE}"))
            .load::<PlanLine>(pg)?
            .into_iter()
            .map(|l| l.line)
            .collect()
    };

    println!();
    println!(
        "FY2025 total {} paid donations, ¥{}; previous year {} donations",
        report["total"]["count"], report["total"]["amount"], report["previous_year_total"]["count"]
    );
    println!("{runs} runs each, alternating, after 3 warm-up runs:");
    for (label, samples) in [
        ("GET /api/v1/admin/reports/monthly (HTTP, end to end)", http),
        (
            "aggregate SQL alone (direct connection)             ",
            direct,
        ),
    ] {
        let s = stats(samples);
        println!(
            "  {label}  min {}  median {}  p99 {}  max {}",
            ms(s.min),
            ms(s.median),
            ms(s.p99),
            ms(s.max)
        );
    }
    // The same statement through psql's \timing, when psql is installed (server-side view).
    let mut psql = std::process::Command::new("psql");
    psql.arg(url)
        .arg("-X")
        .arg("-q")
        .arg("-o")
        .arg("/dev/null")
        .arg("-c")
        .arg("\\timing on");
    for _ in 0..runs {
        psql.arg("-c").arg(AGGREGATE);
    }
    match psql.output() {
        Ok(out) if out.status.success() => {
            let times: Vec<Duration> = String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter_map(|l| l.strip_prefix("Time: "))
                .filter_map(|l| l.split(' ').next()?.parse::<f64>().ok())
                .map(|ms| Duration::from_secs_f64(ms / 1000.0))
                .collect();
            if !times.is_empty() {
                let s = stats(times);
                println!(
                    "  aggregate SQL via psql \\timing                       min {}  median {}  p99 {}  max {}",
                    ms(s.min),
                    ms(s.median),
                    ms(s.p99),
                    ms(s.max)
                );
            }
        }
        _ => println!("  (psql not available: no \\timing figures)"),
    }
    println!();
    println!("EXPLAIN (ANALYZE, BUFFERS) of the aggregate:");
    for line in plan {
        println!("  {line}");
    }
    Ok(())
}
