//! Health, error shape, OpenAPI, and the two migration sets.

use serde_json::Value;

use crate::both_engines;
use crate::helpers::{assert_problem, Engine, TestApp};

async fn health_probes_answer(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let live = app.get("/health/live", None).await;
    assert_eq!(live.status(), 200);
    let ready = app.get("/health/ready", None).await;
    assert_eq!(ready.status(), 200);
    assert!(ready.headers().contains_key("x-request-id"));
}

async fn actix_errors_are_problem_json(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let login = "/api/v1/auth/login";
    let big = format!("{{\"email\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    for (content_type, body, status, code) in [
        (
            "application/json",
            "{\"email\": ".to_owned(),
            400,
            "malformed_json",
        ),
        (
            "text/plain",
            "email=a".to_owned(),
            415,
            "unsupported_media_type",
        ),
        ("application/json", big, 413, "payload_too_large"),
    ] {
        let res = app.post_raw(login, None, content_type, body).await;
        assert_problem(res, status, code).await;
    }

    let res = app
        .post(login, None, &serde_json::json!({"email": 5}))
        .await;
    let body = assert_problem(res, 422, "validation_failed").await;
    assert!(body["errors"].is_array());

    let res = app.get("/api/v1/no-such-thing", None).await;
    assert_problem(res, 404, "route_not_found").await;

    let res = app.get("/api/v1/auth/login", None).await;
    assert_eq!(res.headers()["allow"], "POST");
    assert_problem(res, 405, "method_not_allowed").await;
}

async fn openapi_documents_every_route(engine: Engine) {
    let app = TestApp::spawn(engine).await;
    let res = app.get("/api/openapi.json", None).await;
    assert_eq!(res.status(), 200);
    let doc: Value = res.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for (method, path) in crate::contract_routes() {
        let item = paths
            .get(*path)
            .unwrap_or_else(|| panic!("{path} missing from OpenAPI"));
        assert!(
            item.get(*method).is_some(),
            "{method} {path} missing from OpenAPI"
        );
    }
    // Client generators name a method after its operationId: each must be unique.
    let mut ids: Vec<&str> = paths
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op.get("operationId").and_then(Value::as_str))
        .collect();
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "operationIds repeat");
    // Staff and partner routes document their 401 and 403 answers.
    for (path, item) in paths {
        if ["/api/v1/admin/", "/api/v1/partner/", "/api/v1/vendor/"]
            .iter()
            .any(|p| path.starts_with(p))
        {
            for (method, op) in item.as_object().unwrap() {
                for status in ["401", "403"] {
                    assert!(
                        op["responses"].get(status).is_some(),
                        "{method} {path} lacks {status}"
                    );
                }
            }
        }
    }
    // Each documented operation answers with something other than "no such route".
    for (path, item) in paths {
        let concrete = path
            .replace("{id}", "00000000-0000-0000-0000-000000000000")
            .replace("{code}", "AAAA")
            .replace("{fiscal_year}", "2025")
            .replace("{channel}", "rakuten");
        for method in item.as_object().unwrap().keys() {
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let res = app
                .client
                .request(m, app.url(&concrete))
                .send()
                .await
                .unwrap();
            if res.status() == 404 {
                let body: Value = res.json().await.unwrap();
                assert_ne!(
                    body["code"], "route_not_found",
                    "{method} {path} is documented but not routed"
                );
            }
        }
    }
}

both_engines!(
    health_probes_answer,
    actix_errors_are_problem_json,
    openapi_documents_every_route
);

/// Readiness turns 503 when the database goes away (PostgreSQL: the database is dropped).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_fails_when_the_database_is_gone_postgres() {
    use diesel::prelude::*;
    let Some(server) = crate::helpers::postgres_url() else {
        return;
    };
    let app = TestApp::spawn(Engine::Postgres).await;
    assert_eq!(app.get("/health/ready", None).await.status(), 200);
    let name = app.database_url.rsplit('/').next().unwrap().to_owned();
    let mut conn = diesel::PgConnection::establish(&server).unwrap();
    diesel::sql_query(format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut conn)
        .unwrap();
    let res = app.get("/health/ready", None).await;
    let body = assert_problem(res, 503, "service_unavailable").await;
    assert!(
        !body["detail"].as_str().unwrap().contains(&name),
        "no internals in 5xx bodies"
    );
}

/// The columns `src/db/schema.rs` declares, as (table, column) pairs.
fn schema_rs_columns() -> Vec<(String, String)> {
    let text = include_str!("../../src/db/schema.rs");
    let mut columns = Vec::new();
    let mut table: Option<String> = None;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_suffix('{').map(str::trim) {
            // `name (key) {` opens a table; `diesel::table! {` does not.
            if let Some((name, _)) = rest.split_once(' ').filter(|(_, k)| k.starts_with('(')) {
                table = Some(name.to_owned());
            }
        } else if line == "}" {
            table = None;
        } else if let (Some(t), Some((column, _))) = (&table, line.split_once(" -> ")) {
            columns.push((t.clone(), column.trim().to_owned()));
        }
    }
    columns.sort();
    columns
}

/// Both engines create the same tables and columns from the one migration set, and they are
/// exactly what `schema.rs` declares.
#[test]
fn migrations_match_on_both_engines_and_schema_rs() {
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    #[derive(QueryableByName)]
    struct Column {
        #[diesel(sql_type = Text)]
        table_name: String,
        #[diesel(sql_type = Text)]
        column_name: String,
    }

    let columns = |engine: Engine| -> Vec<(String, String)> {
        let (_db, url) = crate::helpers::TestDatabase::create(engine);
        let mut conn = furusato::db::DbConnection::open(&url, 5000).unwrap();
        furusato::db::run_migrations(&mut conn).unwrap();
        let cols: Vec<Column> = match &mut conn {
            furusato::db::DbConnection::Sqlite(c) => diesel::sql_query(
                "SELECT m.name AS table_name, p.name AS column_name FROM sqlite_master m \
                 JOIN pragma_table_info(m.name) p WHERE m.type = 'table' \
                 AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '__diesel%'",
            )
            .load(c)
            .unwrap(),
            furusato::db::DbConnection::Postgres(c) => diesel::sql_query(
                "SELECT table_name::text AS table_name, column_name::text AS column_name \
                 FROM information_schema.columns WHERE table_schema = 'public' \
                 AND table_name NOT LIKE '__diesel%'",
            )
            .load(c)
            .unwrap(),
        };
        let mut cols: Vec<(String, String)> = cols
            .into_iter()
            .map(|c| (c.table_name, c.column_name))
            .collect();
        cols.sort();
        cols
    };
    let declared = schema_rs_columns();
    assert!(declared.len() > 10);
    // SQLite always; PostgreSQL when the run has one.
    assert_eq!(
        columns(Engine::Sqlite),
        declared,
        "src/db/schema.rs differs from the migrations on SQLite"
    );
    if crate::helpers::postgres_url().is_some() {
        assert_eq!(
            columns(Engine::Postgres),
            declared,
            "src/db/schema.rs differs from the migrations on PostgreSQL"
        );
    }
}
