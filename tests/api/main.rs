//! The one integration-test binary: the real application over HTTP, on SQLite and PostgreSQL.
#![allow(clippy::unwrap_used)] // a failed unwrap is a failed test

mod flows;
mod helpers;

mod auth;
mod browser;
mod catalogue;
mod cli;
mod donate_pages;
mod donations;
mod email;
mod english_pages;
mod foundation;
mod gift_images;
mod mypage;
mod reports;
mod smtp_server;
mod storefront;
mod till_pages;
mod use_cases;
mod vouchers;

/// The routes of the API contract (`api.md`) implemented so far: (method, OpenAPI path).
pub fn contract_routes() -> &'static [(&'static str, &'static str)] {
    &[
        ("get", "/health/live"),
        ("get", "/health/ready"),
        ("get", "/api/openapi.json"),
        ("post", "/api/v1/auth/login"),
        ("post", "/api/v1/auth/logout"),
        ("get", "/api/v1/gifts"),
        ("get", "/api/v1/gifts/{id}"),
        ("get", "/api/v1/organizations"),
        ("get", "/api/v1/purposes"),
        ("get", "/api/v1/partners"),
        ("post", "/api/v1/admin/gifts/{id}/images"),
        ("delete", "/api/v1/admin/gifts/{id}/images/{image_id}"),
        ("post", "/api/v1/admin/gifts"),
        ("get", "/api/v1/admin/gifts"),
        ("get", "/api/v1/admin/gifts/{id}"),
        ("patch", "/api/v1/admin/gifts/{id}"),
        ("delete", "/api/v1/admin/gifts/{id}"),
        ("post", "/api/v1/admin/organizations"),
        ("get", "/api/v1/admin/organizations"),
        ("patch", "/api/v1/admin/organizations/{id}"),
        ("delete", "/api/v1/admin/organizations/{id}"),
        ("post", "/api/v1/admin/purposes"),
        ("get", "/api/v1/admin/purposes"),
        ("patch", "/api/v1/admin/purposes/{id}"),
        ("delete", "/api/v1/admin/purposes/{id}"),
        ("post", "/api/v1/admin/businesses"),
        ("get", "/api/v1/admin/businesses"),
        ("patch", "/api/v1/admin/businesses/{id}"),
        ("post", "/api/v1/admin/partners"),
        ("get", "/api/v1/admin/partners"),
        ("get", "/api/v1/admin/audit-log"),
        ("post", "/api/v1/donations"),
        ("get", "/api/v1/donations/{id}"),
        ("get", "/api/v1/donations/{id}/receipt"),
        ("post", "/api/v1/payments/webhook"),
        ("get", "/api/v1/admin/donations"),
        ("get", "/api/v1/admin/donations/{id}"),
        ("post", "/api/v1/admin/donations/{id}/payment"),
        ("post", "/api/v1/admin/donations/{id}/refund"),
        ("post", "/api/v1/admin/donations/{id}/receipt/reissue"),
        ("get", "/api/v1/admin/one-stop"),
        ("get", "/api/v1/partner/vouchers/{code}"),
        ("post", "/api/v1/partner/redemptions"),
        ("post", "/api/v1/partner/redemptions/{id}/reversal"),
        ("get", "/api/v1/partner/statement"),
        ("get", "/api/v1/admin/settlements"),
        ("post", "/api/v1/admin/settlements"),
        ("get", "/api/v1/admin/reports/vouchers"),
        ("get", "/api/v1/admin/emails"),
        ("post", "/api/v1/admin/emails/{id}/retry"),
        ("get", "/api/v1/admin/targets"),
        ("put", "/api/v1/admin/targets/{fiscal_year}"),
        ("get", "/api/v1/admin/reports/monthly"),
        ("get", "/api/v1/admin/reports/gifts"),
        ("get", "/api/v1/admin/reports/channels"),
        ("get", "/api/v1/admin/reports/purposes"),
        ("get", "/api/v1/admin/reports/organizations"),
        ("post", "/api/v1/admin/imports/donations"),
        ("get", "/api/v1/admin/imports"),
    ]
}
