//! Test harness: spawns the real application on port 0 against a fresh database per test.
#![allow(dead_code)] // helpers serve many test modules; not every test uses every helper

use std::sync::Once;

use diesel::prelude::*;
use furusato::auth::{password, store, Role};
use furusato::config::Settings;
use furusato::db::{write_transaction, Db, DbConnection};
use furusato::email::outbox::OutboxRow;
use furusato::startup::Application;
use reqwest::{Response, StatusCode};
use secrecy::SecretString;
use serde_json::{json, Value};

/// Generates a `sqlite` and a `postgres` test from each `async fn name(engine: Engine)`.
#[macro_export]
macro_rules! both_engines {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name($crate::helpers::Engine::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if $crate::helpers::postgres_url().is_some() {
                    super::$name($crate::helpers::Engine::Postgres).await
                }
            }
        }
    )*};
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// How the engine is named in the names of test artefacts (screenshots, videos).
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgres",
        }
    }
}

pub const ADMIN_EMAIL: &str = "admin@city.shinagawa.example";
pub const ADMIN_PASSWORD: &str = "admin-password-for-tests";
/// The second staff member who approves gift bases (four eyes).
pub const APPROVER_EMAIL: &str = "approver@city.shinagawa.example";

/// The PostgreSQL server for tests, if configured. Without it, says once that the half is skipped.
pub fn postgres_url() -> Option<String> {
    static SAID: Once = Once::new();
    let url = std::env::var("FURUSATO_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        SAID.call_once(|| {
            eprintln!(
                "NOTE: FURUSATO_TEST_POSTGRES_URL is not set: the PostgreSQL half of every test was SKIPPED"
            );
        });
    }
    url
}

/// A database that exists for one test and is removed afterwards.
pub enum TestDatabase {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres { server_url: String, name: String },
}

impl TestDatabase {
    pub fn create(engine: Engine) -> (TestDatabase, String) {
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}/test.sqlite3", dir.path().display());
                (TestDatabase::Sqlite(dir), url)
            }
            Engine::Postgres => {
                let server_url = postgres_url().expect("FURUSATO_TEST_POSTGRES_URL");
                let name = format!("furusato_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = PgConnection::establish(&server_url)
                    .expect("FURUSATO_TEST_POSTGRES_URL is set but PostgreSQL does not answer");
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut conn)
                    .expect("create test database");
                let url = replace_database(&server_url, &name);
                (TestDatabase::Postgres { server_url, name }, url)
            }
        }
    }
}

fn replace_database(server_url: &str, name: &str) -> String {
    let (base, query) = match server_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (server_url, String::new()),
    };
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[authority_end..].find('/') {
        Some(slash) => &base[..authority_end + slash],
        None => base,
    };
    format!("{base}/{name}{query}")
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let TestDatabase::Postgres { server_url, name } = self {
            if let Ok(mut conn) = PgConnection::establish(server_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut conn);
            }
        }
    }
}

/// Settings for a test app: port 0, quiet, no demo data, no mail worker.
pub fn test_settings(database_url: &str) -> Settings {
    let mut s = Settings::defaults_with(&[]).expect("default settings");
    s.server.port = 0;
    s.server.workers = 2;
    s.database.url = SecretString::from(database_url.to_owned());
    s.database.pool_size = 12;
    s.demo = false;
    s.email.worker_enabled = false;
    s.log.level = "warn".into();
    s
}

pub struct TestApp {
    pub address: String,
    pub engine: Engine,
    pub client: reqwest::Client,
    pub settings: Settings,
    pub db: Db,
    pub database_url: String,
    // Dropped last: removes the database.
    _database: TestDatabase,
}

impl TestApp {
    pub async fn spawn(engine: Engine) -> TestApp {
        Self::spawn_with(engine, |_| {}).await
    }

    pub async fn spawn_with(engine: Engine, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let (database, url) = TestDatabase::create(engine);
        let mut settings = test_settings(&url);
        adjust(&mut settings);
        let address = start_instance(settings.clone()).await;
        let db = Db::new(&settings.database).expect("pool");
        TestApp {
            address,
            engine,
            client: client(),
            settings,
            db,
            database_url: url,
            _database: database,
        }
    }

    /// Another instance of the service on the same database (multi-instance behaviour).
    pub async fn another_instance(&self) -> String {
        start_instance(self.settings.clone()).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub fn conn(&self) -> furusato::db::PooledDb {
        self.db.get().expect("test connection")
    }

    /// The outbox's mails of `kind`, oldest first.
    pub fn outbox(&self, kind: &str) -> Vec<OutboxRow> {
        use furusato::db::schema::email_outbox;
        email_outbox::table
            .filter(email_outbox::kind.eq(kind))
            .order(email_outbox::created_at.asc())
            .select(OutboxRow::as_select())
            .load(&mut *self.conn())
            .expect("outbox")
    }

    pub fn create_user(
        &self,
        email: &str,
        password_text: &str,
        role: Role,
        partner_id: Option<&str>,
    ) {
        let hash = password::hash_password(password_text, &self.settings.auth).expect("hash");
        let mut conn = self.conn();
        write_transaction(&mut conn, |c: &mut DbConnection| {
            store::insert_user(c, email, &hash, role, partner_id)
        })
        .expect("insert user");
    }

    pub async fn login(&self, email: &str, password_text: &str) -> Response {
        self.login_at(&self.address, email, password_text).await
    }

    /// Logs in at the instance serving at `base` (this one or `another_instance`).
    pub async fn login_at(&self, base: &str, email: &str, password_text: &str) -> Response {
        self.client
            .post(format!("{base}/api/v1/auth/login"))
            .json(&json!({"email": email, "password": password_text}))
            .send()
            .await
            .expect("login request")
    }

    /// A second staff member (created once) who approves what the test admin submits.
    pub async fn approver_token(&self) -> String {
        self.staff_token(APPROVER_EMAIL, Role::Admin).await
    }

    /// Creates the test admin (once) and returns a fresh token.
    pub async fn admin_token(&self) -> String {
        self.staff_token(ADMIN_EMAIL, Role::Admin).await
    }

    /// Creates a staff login (once, with the test password) and returns a fresh token.
    pub async fn staff_token(&self, email: &str, role: Role) -> String {
        let exists = {
            use furusato::db::schema::users;
            let mut conn = self.conn();
            users::table
                .filter(users::email.eq(email))
                .count()
                .get_result::<i64>(&mut *conn)
                .expect("count")
                > 0
        };
        if !exists {
            self.create_user(email, ADMIN_PASSWORD, role, None);
        }
        let res = self.login(email, ADMIN_PASSWORD).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json::<Value>().await.expect("json")["token"]
            .as_str()
            .expect("token")
            .to_owned()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        with_token(self.client.get(self.url(path)), token)
            .send()
            .await
            .expect("GET")
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Response {
        with_token(self.client.request(method, self.url(path)), token)
            .json(body)
            .send()
            .await
            .expect("request")
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send_json(reqwest::Method::POST, path, token, body)
            .await
    }

    pub async fn patch(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        self.send_json(reqwest::Method::PATCH, path, token, body)
            .await
    }

    pub async fn delete(&self, path: &str, token: &str) -> Response {
        self.client
            .delete(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("DELETE")
    }

    /// GET that must answer 200 OK; returns the JSON body.
    pub async fn get_json(&self, path: &str, token: Option<&str>) -> Value {
        let res = self.get(path, token).await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        res.json().await.expect("JSON body")
    }

    /// GET asking for another representation (`text/csv`, `text/html`) with an `Accept` header.
    pub async fn get_accepting(&self, path: &str, token: &str, accept: &str) -> Response {
        self.client
            .get(self.url(path))
            .bearer_auth(token)
            .header("accept", accept)
            .send()
            .await
            .expect("GET")
    }

    /// GET of a CSV export for Excel: asserts 200, `text/csv` and the UTF-8 BOM; returns the text
    /// after the BOM.
    pub async fn get_csv(&self, path: &str, token: &str) -> String {
        let res = self.get_accepting(path, token, "text/csv").await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let content_type = res.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(content_type.starts_with("text/csv"), "{content_type}");
        let bytes = res.bytes().await.expect("CSV body");
        assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "UTF-8 BOM for Excel");
        String::from_utf8(bytes[3..].to_vec()).expect("UTF-8 after the BOM")
    }

    /// POST of a raw body with the given content type.
    pub async fn post_raw(
        &self,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Response {
        with_token(self.client.post(self.url(path)), token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("POST")
    }

    /// POST of JSON under an `Idempotency-Key` header.
    pub async fn post_with_key(
        &self,
        path: &str,
        token: Option<&str>,
        key: &str,
        body: &Value,
    ) -> Response {
        with_token(self.client.post(self.url(path)), token)
            .header("idempotency-key", key)
            .json(body)
            .send()
            .await
            .expect("POST")
    }

    /// POST that must answer 201 Created; returns the new resource's id.
    pub async fn create(&self, path: &str, token: Option<&str>, body: &Value) -> String {
        let res = self.post(path, token, body).await;
        assert_eq!(
            res.status(),
            StatusCode::CREATED,
            "{path}: {:?}",
            res.text().await
        );
        res.json::<Value>().await.expect("JSON body")["id"]
            .as_str()
            .expect("id")
            .to_owned()
    }
}

/// Adds the bearer token, if any.
fn with_token(req: reqwest::RequestBuilder, token: Option<&str>) -> reqwest::RequestBuilder {
    match token {
        Some(t) => req.bearer_auth(t),
        None => req,
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("http client")
}

async fn start_instance(settings: Settings) -> String {
    let app = Application::build(settings)
        .await
        .expect("application builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped());
    address
}

/// Asserts a problem+json answer with the given status and code; returns the body.
pub async fn assert_problem(res: Response, status: u16, code: &str) -> Value {
    let url = res.url().to_string();
    assert_eq!(
        res.status().as_u16(),
        status,
        "status for expected code {code} at {url}"
    );
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    assert!(
        content_type.starts_with("application/problem+json"),
        "content type {content_type}"
    );
    let body: Value = res.json().await.expect("problem body");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert!(body["title"].is_string() && body["detail"].is_string() && body["type"].is_string());
    body
}

/// Asserts that `value` (an answer, an audit log) shows none of the `personal` texts.
pub fn assert_shows_none(value: &Value, personal: &[&str]) {
    let text = value.to_string();
    for shown in personal {
        assert!(!text.contains(shown), "personal data {shown:?} in {text}");
    }
}

/// Asserts a `validation_failed` answer (422); returns the fields its errors name, in order.
pub async fn invalid_fields(res: Response) -> Vec<String> {
    let problem = assert_problem(res, 422, "validation_failed").await;
    error_fields(&problem)
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// The `field` of each error a problem body lists, in order.
pub fn error_fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field"))
        .collect()
}

/// The (line, field) of each error a refused file's problem body lists, in order.
pub fn error_lines(problem: &Value) -> Vec<(i64, &str)> {
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            let line = e["line"].as_i64().expect("line");
            (line, e["field"].as_str().expect("field"))
        })
        .collect()
}

/// The text `field` of each element of the JSON array `items`, in order.
pub fn strings(items: &Value, field: &str) -> Vec<String> {
    items
        .as_array()
        .expect("an array")
        .iter()
        .map(|item| item[field].as_str().expect(field).to_owned())
        .collect()
}
