//! Signing in with email and password, for the API's bearer tokens and the pages' session
//! cookies alike: failures slow the failing client down (`slowdown`, never a lockout), unknown
//! emails are verified against a decoy so that both failures take the same time, and a session is
//! stored hashed.

use chrono::NaiveDateTime;

use super::slowdown::{self, Buckets};
use super::store::{self, UserRow};
use super::{normalize_email, password, tokens};
use crate::error::{Error, ErrorCode, Result};
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

/// Checks `email` and `password` from `client` (its address, see `http::client_address`) and
/// opens a session.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password_text: String,
    client: &str,
) -> Result<SignedIn> {
    let email = normalize_email(email);
    let auth = state.settings.auth.clone();
    let buckets = Buckets::new(&email, client);
    let (policy, memory) = (auth.sign_in_policy(), auth.failure_memory_seconds);

    // 1. Judge the attempt and count it (as a failure until proven otherwise), then find the user.
    let user = {
        let buckets = buckets.clone();
        state
            .db
            .write(move |conn| {
                slowdown::admit(conn, &buckets, policy, memory)?;
                store::find_active_by_email(conn, &email)
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
        // The failure was counted in step 1.
        _ => return Err(invalid_credentials()),
    };
    // 3. The right password: this client's and the account's failures are forgotten, and the
    // session begins, in one write.
    let token = tokens::new_token();
    let hash = tokens::token_hash(&token);
    let ttl = state.settings.auth.token_ttl_hours;
    let user_id = user.id.clone();
    let expires_at = state
        .db
        .write(move |conn| {
            slowdown::forget(conn, &buckets)?;
            store::create_session(conn, &hash, &user_id, ttl)
        })
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
