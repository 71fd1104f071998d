//! `GET /metrics`: never public by default. On the service's own address it answers only with
//! `Authorization: Bearer <metrics.bearer_token>` (no token configured: no such route, 404); on a
//! separate `metrics.listen` address (a private network or loopback) it answers without a token.

use actix_web::{web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;

use crate::error::{Error, ErrorCode, Result};
use crate::state::AppState;

const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The route on the service's own address, behind the bearer token.
pub async fn with_token(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse> {
    let expected = state.settings.metrics.bearer_token.expose_secret();
    if expected.is_empty() {
        return Err(Error::rejected(ErrorCode::RouteNotFound, "No such route."));
    }
    let given = req
        .headers()
        .get(actix_web::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !crate::auth::tokens::same_secret(given, expected) {
        return Err(Error::rejected(
            ErrorCode::Unauthorized,
            "Send the metrics token as a bearer token.",
        ));
    }
    exposition(&state).await
}

/// The route on the separate metrics address, which only the operator's network reaches.
pub async fn open(state: web::Data<AppState>) -> Result<HttpResponse> {
    exposition(&state).await
}

async fn exposition(state: &AppState) -> Result<HttpResponse> {
    let text = state.metrics.render(&state.db).await?;
    Ok(HttpResponse::Ok().content_type(CONTENT_TYPE).body(text))
}
