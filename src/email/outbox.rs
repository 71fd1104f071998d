//! The `email_outbox` table: enqueue inside a caller's transaction, claim, mark, list and retry.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use super::EmailKind;
use super::{EmailStatus, OutgoingEmail};
use crate::db::schema::email_outbox;
use crate::db::{now, write_transaction, DbConnection};
use crate::error::{Error, ErrorCode, Result};
use crate::http::Paging;

/// One outbox row as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = email_outbox)]
pub struct OutboxRow {
    pub id: String,
    pub message_id: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub status: EmailStatus,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub locked_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub related_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
}

/// The Message-ID of an outbox row: `<{id}@{domain}>`, the same for every attempt.
pub fn message_id_for(id: &str, domain: &str) -> String {
    format!("<{id}@{domain}>")
}

/// Writes an email to the outbox and returns its id. Call it inside the transaction of the event
/// that causes the email, so both are committed or neither is. Due at once; nothing is sent here.
pub fn enqueue(conn: &mut DbConnection, email: &OutgoingEmail) -> Result<String> {
    let id = Uuid::new_v4().to_string();
    let created = now();
    diesel::insert_into(email_outbox::table)
        .values((
            email_outbox::id.eq(&id),
            email_outbox::message_id.eq(message_id_for(&id, &email.message_id_domain)),
            email_outbox::kind.eq(email.kind.as_str()),
            email_outbox::recipient.eq(&email.recipient),
            email_outbox::subject.eq(&email.subject),
            email_outbox::body_text.eq(&email.body_text),
            email_outbox::body_html.eq(&email.body_html),
            email_outbox::status.eq(EmailStatus::Pending),
            email_outbox::attempts.eq(0),
            email_outbox::next_attempt_at.eq(created),
            email_outbox::related_id.eq(&email.related_id),
            email_outbox::created_at.eq(created),
        ))
        .execute(conn)?;
    Ok(id)
}

/// Rows a worker may claim at instant `$at`: pending and due, or sending under an expired lease.
macro_rules! due {
    ($at:expr) => {
        email_outbox::status
            .eq(EmailStatus::Pending)
            .and(email_outbox::next_attempt_at.le($at))
            .or(email_outbox::status
                .eq(EmailStatus::Sending)
                .and(email_outbox::locked_until.le($at).assume_not_null()))
    };
}

/// Claims the most overdue message, if any: a `pending` row whose `next_attempt_at` has come, or a
/// `sending` row whose worker's lease (`locked_until`) has passed (the worker crashed). The row turns
/// `sending` with `locked_until = now + lease` and one more attempt, in one short transaction.
///
/// PostgreSQL: the candidate is selected `FOR UPDATE SKIP LOCKED`, so concurrent workers on other
/// instances skip it instead of waiting or taking it twice. SQLite: the transaction is `IMMEDIATE`,
/// which serialises claimers on the database's write lock.
pub fn claim_next(conn: &mut DbConnection, lease: Duration) -> Result<Option<OutboxRow>> {
    // A plain read first: most polls find nothing, and then take no write lock at all (SQLite).
    let any_due: bool =
        diesel::select(diesel::dsl::exists(email_outbox::table.filter(due!(now()))))
            .get_result(conn)?;
    if !any_due {
        return Ok(None);
    }
    write_transaction(conn, |conn| {
        let at = now();
        let candidate = email_outbox::table
            .filter(due!(at))
            .order((email_outbox::next_attempt_at.asc(), email_outbox::id.asc()))
            .select(email_outbox::id)
            .limit(1);
        let ids: Vec<String> = match conn {
            DbConnection::Postgres(pg) => candidate.for_update().skip_locked().load(pg)?,
            DbConnection::Sqlite(lite) => candidate.load(lite)?,
        };
        let Some(id) = ids.into_iter().next() else {
            return Ok(None);
        };
        diesel::update(email_outbox::table.find(&id))
            .set((
                email_outbox::status.eq(EmailStatus::Sending),
                email_outbox::locked_until.eq(Some(at + lease)),
                email_outbox::attempts.eq(email_outbox::attempts + 1),
            ))
            .execute(conn)?;
        let row = email_outbox::table
            .find(&id)
            .select(OutboxRow::as_select())
            .first(conn)?;
        Ok(Some(row))
    })
}

/// The claim a worker holds: the row is still `sending` with the attempt count it set. A worker whose
/// lease ran out and whose row was claimed again no longer matches, so it cannot overwrite the newer
/// claim's outcome.
macro_rules! held_claim {
    ($id:expr, $attempts:expr) => {
        email_outbox::table.filter(
            email_outbox::id
                .eq($id)
                .and(email_outbox::status.eq(EmailStatus::Sending))
                .and(email_outbox::attempts.eq($attempts)),
        )
    };
}

/// Records a successful delivery. False when the claim was lost (the lease ran out meanwhile).
pub fn mark_sent(conn: &mut DbConnection, id: &str, attempts: i32) -> Result<bool> {
    let changed = write_transaction(conn, |conn| {
        let changed = diesel::update(held_claim!(id, attempts))
            .set((
                email_outbox::status.eq(EmailStatus::Sent),
                email_outbox::sent_at.eq(Some(now())),
                email_outbox::locked_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?;
        // A delivered voucher mail holds a spendable code, a sign-in link opens My page; once
        // sent, the outbox keeps no copy of either.
        let secret_kinds = [
            EmailKind::VoucherIssued.as_str(),
            EmailKind::SignInLink.as_str(),
        ];
        diesel::update(
            email_outbox::table
                .filter(email_outbox::id.eq(id))
                .filter(email_outbox::kind.eq_any(secret_kinds)),
        )
        .set((
            email_outbox::body_text.eq("(delivered; the code or link it carried is not kept)"),
            email_outbox::body_html.eq(""),
        ))
        .execute(conn)?;
        Ok::<_, diesel::result::Error>(changed)
    })?;
    Ok(changed == 1)
}

/// What became of a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterFailure {
    /// Pending again, due at the given instant.
    RetryAt(NaiveDateTime),
    /// Given up: `failed`.
    Failed,
    /// The claim was lost meanwhile; nothing recorded.
    ClaimLost,
}

/// Records a failed attempt: `failed` when `give_up`, else `pending` again after `backoff`.
pub fn mark_failed_attempt(
    conn: &mut DbConnection,
    id: &str,
    attempts: i32,
    error: &str,
    give_up: bool,
    backoff: Duration,
) -> Result<AfterFailure> {
    // Keep last_error readable and bounded (a server may answer at length).
    let error: String = error.chars().take(1000).collect();
    write_transaction(conn, |conn| {
        let at = now();
        let (status, next, outcome) = if give_up {
            (EmailStatus::Failed, at, AfterFailure::Failed)
        } else {
            let next = at + backoff;
            (EmailStatus::Pending, next, AfterFailure::RetryAt(next))
        };
        let changed = diesel::update(held_claim!(id, attempts))
            .set((
                email_outbox::status.eq(status),
                email_outbox::next_attempt_at.eq(next),
                email_outbox::locked_until.eq(None::<NaiveDateTime>),
                email_outbox::last_error.eq(Some(&error)),
            ))
            .execute(conn)?;
        Ok(if changed == 1 {
            outcome
        } else {
            AfterFailure::ClaimLost
        })
    })
}

/// One page of the outbox, newest first, optionally of one status; with the total count.
pub fn list(
    conn: &mut DbConnection,
    status: Option<EmailStatus>,
    paging: Paging,
) -> Result<(Vec<OutboxRow>, i64)> {
    let mut query = email_outbox::table.into_boxed();
    let mut count = email_outbox::table.into_boxed();
    if let Some(status) = status {
        query = query.filter(email_outbox::status.eq(status));
        count = count.filter(email_outbox::status.eq(status));
    }
    let total: i64 = count.count().get_result(conn)?;
    let rows = query
        .order((email_outbox::created_at.desc(), email_outbox::id.desc()))
        .limit(paging.per_page)
        .offset(paging.offset())
        .select(OutboxRow::as_select())
        .load(conn)?;
    Ok((rows, total))
}

/// One row by id.
pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<OutboxRow>> {
    Ok(email_outbox::table
        .find(id)
        .select(OutboxRow::as_select())
        .first(conn)
        .optional()?)
}

/// Puts a `failed` (or waiting `pending`) message back in the queue, due now, with a fresh attempt
/// budget. Returns the row before and after. Call inside a write transaction.
/// `409 email_already_sent` for a sent message, `409 email_in_flight` while a worker holds it.
pub fn retry(conn: &mut DbConnection, id: &str) -> Result<(OutboxRow, OutboxRow)> {
    let before = find(conn, id)?
        .ok_or_else(|| Error::rejected(ErrorCode::EmailNotFound, "No email with this id."))?;
    match before.status {
        EmailStatus::Sent => {
            return Err(Error::rejected(
                ErrorCode::EmailAlreadySent,
                "This email was already delivered to the mail server.",
            ))
        }
        EmailStatus::Sending => {
            return Err(Error::rejected(
                ErrorCode::EmailInFlight,
                "A worker is sending this email right now.",
            ))
        }
        EmailStatus::Pending | EmailStatus::Failed => {}
    }
    diesel::update(
        email_outbox::table
            .find(id)
            .filter(email_outbox::status.eq(before.status)),
    )
    .set((
        email_outbox::status.eq(EmailStatus::Pending),
        email_outbox::attempts.eq(0),
        email_outbox::next_attempt_at.eq(now()),
        email_outbox::locked_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    let after = find(conn, id)?.ok_or_else(|| Error::internal("outbox row vanished"))?;
    Ok((before, after))
}

/// A staff member puts an email back in the queue (`retry`), with the audit entry: the delivery
/// state only, never the recipient or the content. Runs in the caller's write transaction.
pub fn retry_by_staff(conn: &mut DbConnection, actor_id: &str, id: &str) -> Result<OutboxRow> {
    let (before, after) = retry(conn, id)?;
    let state_of =
        |r: &OutboxRow| serde_json::json!({ "status": r.status, "attempts": r.attempts });
    crate::audit::record(
        conn,
        Some(actor_id),
        "email.retry",
        "email_outbox",
        id,
        Some(&state_of(&before)),
        Some(&state_of(&after)),
    )?;
    Ok(after)
}
