//! Prometheus metrics (`prometheus` crate, text format): requests by route template and status,
//! the database pool, and the figures an operator watches (`business`). Each running application
//! has its own registry, so two instances in one process (tests) do not mix their counts.

pub mod business;
pub mod routes;

use std::time::Duration;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts,
    Registry, TextEncoder,
};

use crate::db::Db;
use crate::error::{Error, Result};

/// How long a request took, in seconds: from 1 ms (a cached catalogue) to 10 s (an import).
const LATENCY_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The database pool's own counters, kept by `Db` on every checkout.
#[derive(Clone)]
pub struct PoolCounters {
    /// Checkouts that found no idle connection and had to wait (or open one).
    pub waits: IntCounter,
    /// Checkouts that gave up (`database.connection_timeout_ms`): answered 503.
    pub timeouts: IntCounter,
    pub wait_seconds: Histogram,
    /// SQLite only: how many writes each COMMIT of the writer thread carried (group commit).
    pub write_group_size: Histogram,
}

impl PoolCounters {
    pub fn new() -> PoolCounters {
        PoolCounters {
            waits: IntCounter::new(
                "furusato_db_pool_waits_total",
                "Connection checkouts that found no idle connection",
            )
            .expect("valid metric"),
            timeouts: IntCounter::new(
                "furusato_db_pool_timeouts_total",
                "Connection checkouts that timed out (answered 503)",
            )
            .expect("valid metric"),
            wait_seconds: Histogram::with_opts(
                HistogramOpts::new(
                    "furusato_db_pool_wait_seconds",
                    "Time spent waiting for a database connection",
                )
                .buckets(vec![0.0001, 0.001, 0.01, 0.1, 0.5, 1.0, 2.0, 5.0]),
            )
            .expect("valid metric"),
            write_group_size: Histogram::with_opts(
                HistogramOpts::new(
                    "furusato_sqlite_write_group_size",
                    "Writes committed together by one COMMIT of the SQLite writer",
                )
                .buckets(vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0]),
            )
            .expect("valid metric"),
        }
    }

    /// Records one checkout that took `waited` and found `idle_before` idle connections.
    pub fn checked_out(&self, waited: Duration, idle_before: u32, timed_out: bool) {
        if idle_before == 0 {
            self.waits.inc();
        }
        if timed_out {
            self.timeouts.inc();
        }
        self.wait_seconds.observe(waited.as_secs_f64());
    }
}

impl Default for PoolCounters {
    fn default() -> Self {
        Self::new()
    }
}

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool: IntGaugeVec,
    business: business::Gauges,
}

impl Metrics {
    pub fn new(db: &Db) -> Metrics {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new("furusato_http_requests_total", "HTTP requests answered"),
            &["method", "route", "status"],
        )
        .expect("valid metric");
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "furusato_http_request_duration_seconds",
                "Time to answer an HTTP request",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route"],
        )
        .expect("valid metric");
        let pool = IntGaugeVec::new(
            Opts::new(
                "furusato_db_pool_connections",
                "Database pool connections by state (in_use, idle, max)",
            ),
            &["state"],
        )
        .expect("valid metric");
        let business = business::Gauges::new();
        let counters = db.pool_counters();
        let collectors: Vec<Box<dyn prometheus::core::Collector>> = vec![
            Box::new(requests.clone()),
            Box::new(latency.clone()),
            Box::new(pool.clone()),
            Box::new(counters.waits.clone()),
            Box::new(counters.timeouts.clone()),
            Box::new(counters.wait_seconds.clone()),
            Box::new(counters.write_group_size.clone()),
        ];
        for collector in collectors.into_iter().chain(business.collectors()) {
            registry
                .register(collector)
                .expect("each metric registered once");
        }
        Metrics {
            registry,
            requests,
            latency,
            pool,
            business,
        }
    }

    /// Counts one answered request under its route template (never the raw path).
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let mut code = itoa::Buffer::new();
        self.requests
            .with_label_values(&[method, route, code.format(status)])
            .inc();
        self.latency
            .with_label_values(&[method, route])
            .observe(elapsed.as_secs_f64());
    }

    /// The text exposition, with the pool and the business gauges read now.
    pub async fn render(&self, db: &Db) -> Result<String> {
        let state = db.pool_state();
        let set =
            |label: &str, value: u32| self.pool.with_label_values(&[label]).set(i64::from(value));
        set("in_use", state.connections - state.idle_connections);
        set("idle", state.idle_connections);
        set("max", db.max_size());
        self.business.refresh(db).await?;
        let mut out = Vec::new();
        TextEncoder::new()
            .encode(&self.registry.gather(), &mut out)
            .map_err(|e| Error::Internal(e.into()))?;
        String::from_utf8(out).map_err(|e| Error::Internal(e.into()))
    }
}
