//! The one integration-test binary: the real application over HTTP, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod helpers;

mod auth;
mod foundation;

/// The routes of the API contract (`api.md`) implemented so far: (method, OpenAPI path).
pub fn contract_routes() -> &'static [(&'static str, &'static str)] {
    &[
        ("get", "/health/live"),
        ("get", "/health/ready"),
        ("get", "/api/openapi.json"),
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/logout"),
    ]
}
