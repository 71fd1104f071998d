//! Idempotency-Key: a key is claimed, and its response stored, inside the request's own
//! transaction, so a retried request either replays the stored answer or runs exactly once.

use actix_web::HttpRequest;
use chrono::Duration;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::schema::idempotency_keys as ik;
use crate::db::{is_unique_violation, now, DbConnection};
use crate::error::{Error, ErrorCode, Result};

/// How long keys are kept (the contract promises at least 24 hours).
pub const RETENTION_HOURS: i64 = 48;

/// A validated `Idempotency-Key` header value.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The request's key, if it sent one; 1–255 visible ASCII characters.
    pub fn from_request(req: &HttpRequest) -> Result<Option<IdempotencyKey>> {
        let Some(value) = req.headers().get("idempotency-key") else {
            return Ok(None);
        };
        IdempotencyKey::parse(value.to_str().unwrap_or_default()).map(Some)
    }

    /// A key from elsewhere than the header (a form's hidden field).
    pub fn parse(key: &str) -> Result<IdempotencyKey> {
        if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::rejected(
                ErrorCode::InvalidIdempotencyKey,
                "Idempotency-Key must be 1-255 visible ASCII characters.",
            ));
        }
        Ok(IdempotencyKey(key.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Fingerprint of a request body: the same JSON with keys in any order gives the same value.
pub fn fingerprint(body: &serde_json::Value) -> String {
    // serde_json's maps are ordered by key, so re-serialising is canonical.
    hex::encode(Sha256::digest(body.to_string().as_bytes()))
}

/// What a claimed key means for this request.
enum Claim {
    /// First use: do the work, then `complete` in the same transaction.
    New,
    /// Seen before with the same body: answer with the stored response.
    Replay { status: u16, body: String },
}

/// Claims `key` in `scope` (e.g. the route and the caller). Call inside the write transaction.
fn claim(
    conn: &mut DbConnection,
    scope: &str,
    key: &IdempotencyKey,
    request_hash: &str,
) -> Result<Claim> {
    if insert_key(conn, scope, key, request_hash, None)? {
        return Ok(Claim::New);
    }
    let (stored_hash, status, body): (String, Option<i32>, Option<String>) = ik::table
        .filter(ik::scope.eq(scope))
        .filter(ik::idempotency_key.eq(key.as_str()))
        .select((ik::request_hash, ik::status_code, ik::response_body))
        .first(conn)?;
    if stored_hash != request_hash {
        return Err(Error::rejected(
            ErrorCode::IdempotencyKeyReused,
            "This Idempotency-Key was already used with a different request body.",
        ));
    }
    match (status, body) {
        (Some(status), Some(body)) => Ok(Claim::Replay {
            status: u16::try_from(status).unwrap_or(500),
            body,
        }),
        _ => Err(Error::rejected(
            ErrorCode::RequestInProgress,
            "A request with this Idempotency-Key is still being processed.",
        )),
    }
}

/// Stores the response of a claimed key, in the same transaction as the work it describes.
fn complete(
    conn: &mut DbConnection,
    scope: &str,
    key: &IdempotencyKey,
    status: u16,
    body: &str,
) -> Result<()> {
    diesel::update(
        ik::table
            .filter(ik::scope.eq(scope))
            .filter(ik::idempotency_key.eq(key.as_str())),
    )
    .set((
        ik::status_code.eq(Some(i32::from(status))),
        ik::response_body.eq(Some(body)),
    ))
    .execute(conn)?;
    Ok(())
}

/// Runs `work` at most once per key, inside the caller's transaction: a repeat replays the stored
/// status and body; without a key the work simply runs. `work` answers (status, JSON body).
fn once<F>(
    conn: &mut DbConnection,
    scope: &str,
    key: Option<&IdempotencyKey>,
    request_hash: &str,
    work: F,
) -> Result<(u16, String)>
where
    F: FnOnce(&mut DbConnection) -> Result<(u16, String)>,
{
    let Some(key) = key else {
        return work(conn);
    };
    if let Claim::Replay { status, body } = claim(conn, scope, key, request_hash)? {
        return Ok((status, body));
    }
    let (status, body) = work(conn)?;
    complete(conn, scope, key, status, &body)?;
    Ok((status, body))
}

/// Stores the final refusal of a request whose work was rolled back, in its own transaction, so a
/// repeat with the same key gets the same answer instead of trying again. If an answer was stored
/// meanwhile, that one stands.
pub fn remember_refusal(
    conn: &mut DbConnection,
    scope: &str,
    key: &IdempotencyKey,
    request_hash: &str,
    status: u16,
    body: &str,
) -> Result<()> {
    insert_key(conn, scope, key, request_hash, Some((status, body)))?;
    Ok(())
}

/// Inserts `key` in `scope`, with its answer when that is already known; `false` when the key
/// was there before.
fn insert_key(
    conn: &mut DbConnection,
    scope: &str,
    key: &IdempotencyKey,
    request_hash: &str,
    answer: Option<(u16, &str)>,
) -> Result<bool> {
    insert_once(conn, |c| {
        diesel::insert_into(ik::table)
            .values((
                ik::scope.eq(scope),
                ik::idempotency_key.eq(key.as_str()),
                ik::request_hash.eq(request_hash),
                ik::status_code.eq(answer.map(|(status, _)| i32::from(status))),
                ik::response_body.eq(answer.map(|(_, body)| body)),
                ik::created_at.eq(now()),
            ))
            .execute(c)
    })
}

/// Runs `insert`, the claim of something that must happen once (a request's key, a provider's
/// event): `true` when it made its row, `false` when the row's key was already taken. It runs in
/// a savepoint, so a taken key does not abort the surrounding PostgreSQL transaction.
pub fn insert_once(
    conn: &mut DbConnection,
    insert: impl FnOnce(&mut DbConnection) -> QueryResult<usize>,
) -> Result<bool> {
    match conn.transaction(insert) {
        Ok(_) => Ok(true),
        Err(e) if is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Runs an idempotent request's `work` in one write transaction (see [`once`]); a final refusal is
/// stored under the key too. Answers (status, body); a status of 400 or more is a problem+json body.
pub async fn answer<F>(
    db: &crate::db::Db,
    scope: String,
    key: Option<IdempotencyKey>,
    request_hash: String,
    work: F,
) -> Result<(u16, String)>
where
    F: FnOnce(&mut DbConnection) -> Result<(u16, String)> + Send + 'static,
{
    let result = {
        let (scope, key, request_hash) = (scope.clone(), key.clone(), request_hash.clone());
        db.write(move |conn| once(conn, &scope, key.as_ref(), &request_hash, work))
            .await
    };
    if let (Err(e), Some(key)) = (&result, key) {
        if let Some((status, body)) = e.final_answer() {
            db.write(move |conn| {
                remember_refusal(conn, &scope, &key, &request_hash, status, &body)
            })
            .await?;
        }
    }
    result
}

/// The response for a stored answer that was a refusal (status 400 or more).
pub fn refusal_response(status: u16, body: String) -> actix_web::HttpResponse {
    actix_web::HttpResponse::build(
        actix_web::http::StatusCode::from_u16(status)
            .unwrap_or(actix_web::http::StatusCode::UNPROCESSABLE_ENTITY),
    )
    .content_type(crate::error::PROBLEM_JSON)
    .body(body)
}

/// A refusal stored under a key (a problem+json body), as the error it was, so that a page
/// shows it again in its own words.
pub fn stored_refusal(body: &str) -> Error {
    let problem: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let code = problem["code"]
        .as_str()
        .and_then(ErrorCode::parse)
        .unwrap_or(ErrorCode::ValidationFailed);
    let detail = problem["detail"].as_str().unwrap_or_default().to_owned();
    Error::rejected(code, detail)
}

/// Forgets keys past retention; run by the background sweeper.
pub fn purge_expired(conn: &mut DbConnection) -> Result<usize> {
    let cutoff = now() - Duration::hours(RETENTION_HOURS);
    Ok(diesel::delete(ik::table.filter(ik::created_at.lt(cutoff))).execute(conn)?)
}
