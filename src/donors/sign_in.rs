//! Signing in to My page by email: a one-time link (15 minutes, single use, rate-limited) sent
//! through the outbox, and the session it opens. Asking for a link answers the same whether or not
//! the address has donated, so the page cannot be used to learn who donated.

use chrono::Duration;
use diesel::prelude::*;

use crate::auth::tokens::{new_token, token_hash};
use crate::config::Settings;
use crate::db::schema::{donations, donor_sessions, donor_sign_in_links};
use crate::db::{now, DbConnection};
use crate::domain::donor::parse_email;
use crate::email;
use crate::error::{Error, ErrorCode, Result};
use crate::rate_limit::{self, Window};

const HOUR: i64 = 3600;

/// Checks a typed address the way donations keep it.
pub fn check_email(typed: &str) -> Result<String> {
    parse_email(typed.trim()).map_err(|message| Error::field("email", message))
}

fn throttled(retry_after_seconds: i64) -> Error {
    Error::Throttled {
        code: ErrorCode::TooManyAttempts,
        detail: "ログイン用リンクの送信が多すぎます。しばらくしてからもう一度お試しください。"
            .to_owned(),
        retry_after_seconds,
    }
}

/// Sends a sign-in link to `email` if it has donated; does nothing visible otherwise. At most
/// `sign_in_links_per_email` links per address (silently) and `sign_in_requests_per_address`
/// requests per client address (refused) each hour.
pub fn request_link(
    conn: &mut DbConnection,
    settings: &Settings,
    email: &str,
    client_address: &str,
) -> Result<()> {
    let limits = &settings.donors;
    let per_client = Window {
        limit: limits.sign_in_requests_per_address,
        seconds: HOUR,
    };
    let per_email = Window {
        limit: limits.sign_in_links_per_email,
        seconds: HOUR,
    };
    let client_bucket = format!("donor-sign-in:client:{client_address}");
    if let Some(wait) = rate_limit::take(conn, &client_bucket, per_client)? {
        return Err(throttled(wait));
    }
    // Counted for every address, known or not, and never refused visibly: a refusal only for
    // addresses that have donated would tell who donated. Past the limit, nothing is sent.
    // Hashed, so the rate-limit table holds no addresses.
    let email_bucket = format!("donor-sign-in:email:{}", token_hash(email));
    if rate_limit::take(conn, &email_bucket, per_email)?.is_some() {
        return Ok(());
    }
    let known: i64 = donations::table
        .filter(donations::donor_email.eq(email))
        .count()
        .get_result(conn)?;
    if known == 0 {
        return Ok(());
    }
    let token = new_token();
    let at = now();
    diesel::insert_into(donor_sign_in_links::table)
        .values((
            donor_sign_in_links::token_hash.eq(token_hash(&token)),
            donor_sign_in_links::email.eq(email),
            donor_sign_in_links::created_at.eq(at),
            donor_sign_in_links::expires_at.eq(at + Duration::minutes(limits.sign_in_link_minutes)),
        ))
        .execute(conn)?;
    let link = format!("{}/mypage/sign-in/{token}", settings.server.public_url);
    let mail = email::sign_in_link(settings, email, &link, limits.sign_in_link_minutes)?;
    email::enqueue(conn, &mail)?;
    Ok(())
}

/// Uses a link once: a fresh, unused link opens a session (its token is returned, only its hash is
/// kept). One conditional UPDATE, so two clicks cannot both succeed.
pub fn use_link(conn: &mut DbConnection, settings: &Settings, token: &str) -> Result<String> {
    let at = now();
    let hash = token_hash(token);
    let used = diesel::update(
        donor_sign_in_links::table
            .filter(donor_sign_in_links::token_hash.eq(&hash))
            .filter(donor_sign_in_links::used_at.is_null())
            .filter(donor_sign_in_links::expires_at.gt(at)),
    )
    .set(donor_sign_in_links::used_at.eq(Some(at)))
    .execute(conn)?;
    if used != 1 {
        return Err(Error::rejected(
            ErrorCode::SignInLinkInvalid,
            "このリンクは期限が切れたか、すでに使われています。もう一度ログイン用リンクをお送りください。",
        ));
    }
    let email: String = donor_sign_in_links::table
        .filter(donor_sign_in_links::token_hash.eq(&hash))
        .select(donor_sign_in_links::email)
        .first(conn)?;
    let session = new_token();
    diesel::insert_into(donor_sessions::table)
        .values((
            donor_sessions::token_hash.eq(token_hash(&session)),
            donor_sessions::email.eq(&email),
            donor_sessions::created_at.eq(at),
            donor_sessions::expires_at.eq(at + Duration::minutes(settings.donors.session_minutes)),
        ))
        .execute(conn)?;
    Ok(session)
}

/// The donor's email address of a live session.
pub fn session_email(conn: &mut DbConnection, session: &str) -> Result<Option<String>> {
    Ok(donor_sessions::table
        .filter(donor_sessions::token_hash.eq(token_hash(session)))
        .filter(donor_sessions::expires_at.gt(now()))
        .select(donor_sessions::email)
        .first(conn)
        .optional()?)
}

pub fn sign_out(conn: &mut DbConnection, session: &str) -> Result<()> {
    diesel::delete(
        donor_sessions::table.filter(donor_sessions::token_hash.eq(token_hash(session))),
    )
    .execute(conn)?;
    Ok(())
}

/// Forgets used and expired links and sessions; run by the background sweeper.
pub fn purge_expired(conn: &mut DbConnection) -> Result<usize> {
    let at = now();
    let links =
        diesel::delete(donor_sign_in_links::table.filter(donor_sign_in_links::expires_at.le(at)))
            .execute(conn)?;
    let sessions = diesel::delete(donor_sessions::table.filter(donor_sessions::expires_at.le(at)))
        .execute(conn)?;
    Ok(links + sessions)
}
