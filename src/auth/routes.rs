//! POST /api/v1/auth/login and /logout.

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::sign_in::{sign_in, sign_out};
use super::{AuthUser, Role};
use crate::error::Result;
use crate::http::client_address;
use crate::state::AppState;

// Holds a password: no Debug.
#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Opaque bearer token; send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub role: Role,
    /// The partner business of a `partner` login.
    pub partner_id: Option<String>,
    /// The vendor business of a `vendor` login.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vendor_id: Option<String>,
}

crate::problems!(
    /// Signing in.
    LoginErrors: MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, InvalidCredentials, TooManyAttempts
);
crate::problems!(
    /// Signing out.
    LogoutErrors: Unauthorized
);

/// Sign in with email and password.
#[utoipa::path(
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        LoginErrors,
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: crate::http::Json<LoginRequest>,
) -> Result<web::Json<LoginResponse>> {
    let body = body.into_inner();
    let client = client_address(&req, &state.settings.server.trusted_proxies);
    let signed_in = sign_in(&state, &body.email, body.password, &client).await?;
    Ok(web::Json(LoginResponse {
        token: signed_in.token,
        expires_at: signed_in.expires_at.and_utc(),
        role: signed_in.user.role,
        partner_id: signed_in
            .user
            .partner_id
            .clone()
            .filter(|_| signed_in.user.role == Role::Partner),
        vendor_id: signed_in
            .user
            .partner_id
            .filter(|_| signed_in.user.role == Role::Vendor),
    }))
}

/// Revoke the presented token.
#[utoipa::path(responses((status = 204, description = "The token no longer works"), LogoutErrors))]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse> {
    sign_out(&state, user.token_hash).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(login).service(logout);
}
