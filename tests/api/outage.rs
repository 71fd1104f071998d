//! The database going away: every request is `503 service_unavailable` with `Retry-After` (never
//! a `500`), readiness says so quickly, and the service recovers as soon as the database is back.
//! PostgreSQL is reached through a TCP proxy on loopback that the test cuts and restores (a
//! restart or a network cut, as the service sees it); SQLite's outage is its file locked by
//! another process past the busy timeout.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use reqwest::Response;
use secrecy::ExposeSecret;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use crate::both_engines;
use crate::flows::general;
use crate::helpers::{postgres_url, Engine, TestApp};

/// A loopback TCP proxy to `target` that can be cut (listener and every connection closed) and
/// started again on the same port.
struct Proxy {
    listen: SocketAddr,
    target: String,
    accept: Option<JoinHandle<()>>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(target: String) -> Proxy {
        let mut proxy = Proxy {
            listen: "127.0.0.1:0".parse().unwrap(),
            target,
            accept: None,
            connections: Arc::default(),
        };
        proxy.resume().await;
        proxy
    }

    async fn resume(&mut self) {
        let listener = TcpListener::bind(self.listen).await.expect("bind proxy");
        self.listen = listener.local_addr().unwrap();
        let (target, connections) = (self.target.clone(), self.connections.clone());
        self.accept = Some(tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let target = target.clone();
                let pipe = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                connections.lock().unwrap().push(pipe);
            }
        }));
    }

    /// Closes the port and every connection through it.
    async fn cut(&mut self) {
        if let Some(accept) = self.accept.take() {
            accept.abort();
            let _ = accept.await;
        }
        let pipes: Vec<JoinHandle<()>> = self.connections.lock().unwrap().drain(..).collect();
        for pipe in pipes {
            pipe.abort();
            let _ = pipe.await;
        }
    }
}

/// `host:port` of a `postgres://user@host:port/db` URL.
fn authority(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.split_once('@').map_or(rest, |(_, r)| r);
    rest.split(['/', '?']).next().unwrap_or(rest).to_owned()
}

async fn donate(app: &TestApp) -> Response {
    app.donate(&general(5_000)).await
}

/// An answer of the outage: 503 with the stable code and `Retry-After`.
async fn assert_unavailable(res: Response, what: &str) {
    assert_eq!(res.status(), 503, "{what}: {:?}", res.text().await);
    assert_eq!(res.headers()["retry-after"], "1", "{what}");
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["code"], "service_unavailable", "{what}");
}

/// Readiness while the database is down: 503 at once (well inside a probe's one-second budget).
async fn assert_not_ready(app: &TestApp) {
    let started = Instant::now();
    let res = app.get("/health/ready", None).await;
    let took = started.elapsed();
    assert_unavailable(res, "readiness").await;
    assert!(took < Duration::from_secs(1), "readiness took {took:?}");
}

/// Donations succeed again within a second of the database coming back.
async fn assert_recovers(app: &TestApp) {
    let back = Instant::now();
    loop {
        let res = donate(app).await;
        if res.status() == 201 {
            break;
        }
        assert_eq!(res.status(), 503, "{:?}", res.text().await);
        assert!(
            back.elapsed() < Duration::from_secs(1),
            "no recovery within a second"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(app.get("/health/ready", None).await.status(), 200);
}

async fn postgres_goes_away_and_comes_back() {
    let server = postgres_url().unwrap();
    let target = authority(&server);
    let mut proxy = Proxy::start(target.clone()).await;
    let through = proxy.listen.to_string();
    let app = TestApp::spawn_with(Engine::Postgres, |s| {
        let url = s.database.url.expose_secret().replace(&target, &through);
        s.database.url = secrecy::SecretString::from(url);
    })
    .await;
    // Connections in the pool, then the cut: the pooled ones break under the requests.
    for _ in 0..4 {
        assert_eq!(donate(&app).await.status(), 201);
    }
    proxy.cut().await;
    for n in 0..8 {
        assert_unavailable(
            donate(&app).await,
            &format!("donation {n} during the outage"),
        )
        .await;
    }
    let res = app.get("/api/v1/gifts", None).await;
    assert!(
        res.status() == 503 || res.status() == 200,
        "a cached read may still answer"
    );
    assert_not_ready(&app).await;
    proxy.resume().await;
    assert_recovers(&app).await;
}

async fn sqlite_locked_past_its_busy_timeout() {
    let app = TestApp::spawn_with(Engine::Sqlite, |s| {
        s.database.sqlite_busy_timeout_ms = 200;
    })
    .await;
    assert_eq!(donate(&app).await.status(), 201);
    // Another process holds the write lock (a backup tool, a stuck migration).
    let path = furusato::db::sqlite_path(app.settings.database.url.expose_secret()).to_owned();
    let mut holder = SqliteConnection::establish(&path).unwrap();
    // It waits its turn behind the service's own background writes (the sweeper's start-up
    // pass), then holds the lock.
    holder
        .batch_execute("PRAGMA busy_timeout = 5000; BEGIN EXCLUSIVE;")
        .unwrap();
    for n in 0..3 {
        assert_unavailable(donate(&app).await, &format!("donation {n} while locked")).await;
    }
    holder.batch_execute("ROLLBACK;").unwrap();
    assert_recovers(&app).await;
}

async fn a_database_outage_is_503_with_retry_after(engine: Engine) {
    match engine {
        Engine::Postgres => postgres_goes_away_and_comes_back().await,
        Engine::Sqlite => sqlite_locked_past_its_busy_timeout().await,
    }
}

both_engines!(a_database_outage_is_503_with_retry_after);
