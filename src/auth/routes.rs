//! POST /api/v1/auth/login and /logout.

use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use super::{normalize_email, password, store, tokens, AuthUser, Role};
use crate::error::{Error, ErrorCode, Result};
use crate::http::client_address;
use crate::rate_limit::{self, Window};
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
    pub partner_id: Option<String>,
}

fn invalid_credentials() -> Error {
    Error::rejected(
        ErrorCode::InvalidCredentials,
        "The email or password is incorrect.",
    )
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
    body: web::Json<LoginRequest>,
) -> Result<web::Json<LoginResponse>> {
    let body = body.into_inner();
    let settings = state.settings.clone();
    let email = normalize_email(&body.email);
    // Buckets are keyed by a hash of the email so the table holds no personal data.
    let account_bucket = format!(
        "login:account:{}",
        hex::encode(Sha256::digest(email.as_bytes()))
    );
    let address_bucket = format!(
        "login:address:{}",
        client_address(&req, settings.server.trust_forwarded_for)
    );
    let auth = settings.auth.clone();
    let account_window = Window {
        limit: auth.max_failures_per_account,
        seconds: auth.failure_window_seconds,
    };
    let address_window = Window {
        limit: auth.max_failures_per_address,
        seconds: auth.failure_window_seconds,
    };

    // 1. Count the attempt before judging it (atomic per bucket), then look the user up.
    let (buckets, user) = {
        let (account, address) = (account_bucket.clone(), address_bucket.clone());
        state
            .db
            .run(move |conn| {
                let blocked = rate_limit::take(conn, &account, account_window)?
                    .max(rate_limit::take(conn, &address, address_window)?);
                if let Some(retry_after_seconds) = blocked {
                    return Err(Error::Throttled {
                        code: ErrorCode::TooManyAttempts,
                        detail: "Too many failed sign-in attempts. Try again later.".to_owned(),
                        retry_after_seconds,
                    });
                }
                Ok((
                    (account, address),
                    store::find_active_by_email(conn, &email)?,
                ))
            })
            .await?
    };
    // 2. Verify without holding a database connection. Unknown emails verify against a decoy
    //    so both failures take the same time.
    let password_text = body.password;
    let (user, verified) = web::block(move || {
        let hash = user
            .as_ref()
            .map(|u| u.password_hash.as_str())
            .unwrap_or_else(|| password::decoy_hash(&auth));
        let verified = password::verify_password(&password_text, hash);
        (user, verified)
    })
    .await?;
    let user = match user {
        Some(user) if verified => user,
        // The attempt was counted in step 1.
        _ => return Err(invalid_credentials()),
    };
    // 3. A success does not count against the account or the address.
    state
        .db
        .run(move |conn| {
            rate_limit::clear(conn, &buckets.0)?;
            rate_limit::give_back(conn, &buckets.1)
        })
        .await?;

    let role = user.role;
    let token = tokens::new_token();
    let hash = tokens::token_hash(&token);
    let ttl = state.settings.auth.token_ttl_hours;
    let user_id = user.id.clone();
    let expires = state
        .db
        .write(move |conn| store::create_session(conn, &hash, &user_id, ttl))
        .await?;
    tracing::info!(user_id = %user.id, role = role.as_str(), "signed in");
    Ok(web::Json(LoginResponse {
        token,
        expires_at: expires.and_utc(),
        role,
        partner_id: user.partner_id,
    }))
}

/// Revoke the presented token.
#[utoipa::path(responses((status = 204, description = "The token no longer works"), LogoutErrors))]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse> {
    state
        .db
        .write(move |conn| store::revoke_session(conn, &user.token_hash))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(login).service(logout);
}
