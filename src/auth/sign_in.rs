//! Signing in with email and password, for the API's bearer tokens and the pages' session
//! cookies alike: attempts throttled per account and per client address, unknown emails verified
//! against a decoy so that both failures take the same time, and a session stored hashed.

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use super::store::{self, UserRow};
use super::{normalize_email, password, tokens};
use crate::error::{Error, ErrorCode, Result};
use crate::rate_limit::{self, Window};
use crate::state::AppState;

/// A new session: the token goes to the client (once), only its hash is stored.
pub struct SignedIn {
    pub token: String,
    pub expires_at: NaiveDateTime,
    pub user: UserRow,
}

pub fn invalid_credentials() -> Error {
    Error::rejected(
        ErrorCode::InvalidCredentials,
        "The email or password is incorrect.",
    )
}

/// Checks `email` and `password` from `client` (its address) and opens a session.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password_text: String,
    client: &str,
) -> Result<SignedIn> {
    let settings = state.settings.clone();
    let email = normalize_email(email);
    // Buckets are keyed by a hash of the email so the table holds no personal data.
    let account_bucket = format!(
        "login:account:{}",
        hex::encode(Sha256::digest(email.as_bytes()))
    );
    let address_bucket = format!("login:address:{client}");
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
    // 2. Verify without holding a database connection.
    let (user, verified) = actix_web::web::block(move || {
        let hash = user
            .as_ref()
            .map(|u| u.password_hash.as_str())
            .unwrap_or_else(|| password::decoy_hash(&auth));
        let verified = password::verify_password(&password_text, hash);
        (user, verified)
    })
    .await
    .map_err(|e| Error::Internal(e.into()))?;
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

    let token = tokens::new_token();
    let hash = tokens::token_hash(&token);
    let ttl = state.settings.auth.token_ttl_hours;
    let user_id = user.id.clone();
    let expires_at = state
        .db
        .write(move |conn| store::create_session(conn, &hash, &user_id, ttl))
        .await?;
    tracing::info!(user_id = %user.id, role = user.role.as_str(), "signed in");
    Ok(SignedIn {
        token,
        expires_at,
        user,
    })
}

/// Ends the session of `token_hash`.
pub async fn sign_out(state: &AppState, token_hash: String) -> Result<()> {
    state
        .db
        .write(move |conn| store::revoke_session(conn, &token_hash))
        .await
}
