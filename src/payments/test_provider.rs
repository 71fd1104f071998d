//! The built-in test payment provider, for development and the demo (refused in production by
//! the settings). It shows a card form with a success and a failure button, then calls this
//! service's signed webhook over HTTP exactly as a real provider would, so the whole flow runs on
//! one machine without a card network.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::Utc;
use futures_util::future::BoxFuture;
use minijinja::context;
use secrecy::ExposeSecret;
use serde::Deserialize;
use uuid::Uuid;

use super::provider::{Checkout, PaymentProvider, PaymentStart};
use super::signature;
use crate::domain::calendar::japan_offset;
use crate::domain::donation::DonationStatus;
use crate::donations::store;
use crate::error::{Error, ErrorCode, Result};
use crate::state::AppState;
use crate::web::csrf;
use crate::web::lang::Lang;
use crate::web::render::{see_other, Page};

pub struct TestProvider;

impl PaymentProvider for TestProvider {
    fn start<'a>(&'a self, checkout: Checkout<'a>) -> BoxFuture<'a, Result<PaymentStart>> {
        let query = serde_urlencoded::to_string([("return", checkout.return_path.as_str())])
            .unwrap_or_default();
        let start = PaymentStart {
            provider: "test".to_owned(),
            redirect_url: format!("/test-payments/{}?{query}", checkout.donation_id),
        };
        Box::pin(async move { Ok(start) })
    }
}

/// A path on this service only: never `//host`, `/\\host` or a path with spaces or control
/// characters (browsers drop those, and `/\t/host` would become `//host`).
fn local_path(path: &str) -> Option<&str> {
    let safe = path.starts_with('/')
        && !path.starts_with("//")
        && !path
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    safe.then_some(path)
}

#[derive(Deserialize)]
struct ReturnQuery {
    #[serde(rename = "return", default)]
    return_path: String,
}

async fn card_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    query: web::Query<ReturnQuery>,
) -> HttpResponse {
    // In the language of the storefront page the donor came from.
    let page = Page::new(&req, &state).in_lang(Lang::of_path(&query.return_path));
    let id = id.into_inner();
    let donation = match state.db.run(move |c| store::get(c, &id)).await {
        Ok(d) => d,
        Err(e) => return page.error(e),
    };
    page.render(
        StatusCode::OK,
        "test_payment.html",
        context! {
            donation_id => donation.id,
            amount => donation.amount,
            payable => donation.status == DonationStatus::PendingPayment,
            return_path => local_path(&query.return_path).unwrap_or("/"),
        },
    )
}

#[derive(Deserialize)]
struct PayForm {
    csrf_token: String,
    outcome: String,
    #[serde(rename = "return", default)]
    return_path: String,
}

async fn pay(
    req: HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<String>,
    form: crate::http::Form<PayForm>,
) -> HttpResponse {
    let page = Page::new(&req, &state).in_lang(Lang::of_path(&form.return_path));
    if !csrf::form_ok(&req, &state.settings, &form.csrf_token) {
        return page.error(csrf::refused());
    }
    let id = id.into_inner();
    let outcome = match form.outcome.as_str() {
        "succeeded" | "failed" => form.outcome.clone(),
        _ => return page.error(Error::field("outcome", "must be succeeded or failed")),
    };
    let donation = match state.db.run(move |c| store::get(c, &id)).await {
        Ok(d) => d,
        Err(e) => return page.error(e),
    };
    if let Err(e) = call_webhook(&req, &state, &donation.id, donation.amount, &outcome).await {
        return page.error(e);
    }
    see_other(local_path(&form.return_path).unwrap_or("/"))
}

/// Sends the signed event to this service's own webhook, over HTTP like a real provider.
async fn call_webhook(
    req: &HttpRequest,
    state: &AppState,
    donation_id: &str,
    amount: i64,
    outcome: &str,
) -> Result<()> {
    let event = serde_json::json!({
        "id": format!("evt_test_{}", Uuid::new_v4().simple()),
        "type": format!("payment.{outcome}"),
        "data": {
            "donation_id": donation_id,
            "amount": amount,
            "paid_at": Utc::now().with_timezone(&japan_offset()).to_rfc3339(),
            "provider_reference": format!("test_{}", Uuid::new_v4().simple()),
        }
    });
    let body = event.to_string();
    let secret = state.settings.payment.webhook_secret.expose_secret();
    let signed = signature::sign(secret.as_bytes(), Utc::now().timestamp(), body.as_bytes());
    // The listener this request came in on: the service itself, never a host a client names.
    let mut address = req.app_config().local_addr();
    if address.ip().is_unspecified() {
        address.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    let unavailable = |e: reqwest::Error| Error::Unavailable(e.into());
    let answer = reqwest::Client::new()
        .post(format!("http://{address}/api/v1/payments/webhook"))
        .header("content-type", "application/json")
        .header("furusato-signature", signed)
        .body(body)
        .send()
        .await
        .map_err(unavailable)?;
    if answer.status().is_success() {
        return Ok(());
    }
    let problem: serde_json::Value = answer.json().await.map_err(unavailable)?;
    Err(Error::rejected(
        ErrorCode::InvalidEvent,
        format!(
            "The webhook refused the test payment: {}",
            problem["detail"].as_str().unwrap_or("no detail")
        ),
    ))
}

/// The test provider's pages, mounted only when `payment.provider = "test"`.
pub fn services(cfg: &mut web::ServiceConfig) {
    cfg.route("/test-payments/{id}", web::get().to(card_form))
        .route("/test-payments/{id}", web::post().to(pay));
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_paths_on_this_service_are_returned_to() {
        assert_eq!(local_path("/donate/1/done"), Some("/donate/1/done"));
        for other_site in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "https://evil.example",
            "",
        ] {
            assert_eq!(local_path(other_site), None, "{other_site:?}");
        }
    }
}
