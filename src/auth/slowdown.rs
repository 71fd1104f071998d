//! The sign-in failure buckets in the database (so every instance sees the same counts), judged by
//! `domain::sign_in`. Buckets are hashes: the table holds no email and no address.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use crate::db::schema::sign_in_failures as f;
use crate::db::{now, DbConnection};
use crate::domain::sign_in::{Failures, SignInPolicy};
use crate::error::{Error, ErrorCode, Result};

/// The two buckets one attempt counts against.
#[derive(Debug, Clone)]
pub struct Buckets {
    account: String,
    client: String,
}

impl Buckets {
    pub fn new(email: &str, client: &str) -> Buckets {
        let hash = |text: String| hex::encode(Sha256::digest(text.as_bytes()));
        Buckets {
            account: hash(format!("account\n{email}")),
            client: hash(format!("client\n{email}\n{client}")),
        }
    }
}

/// Judges an attempt and, when it may go ahead, counts it as a failure before the password is
/// checked (so parallel guesses cannot all pass one judgement); `forget` undoes it on success.
/// Runs in the caller's write transaction: the rows are locked from the first statement.
pub fn admit(
    conn: &mut DbConnection,
    buckets: &Buckets,
    policy: SignInPolicy,
    memory_seconds: i64,
) -> Result<()> {
    let now = now();
    // Always in the same order (account, then client), so two attempts cannot deadlock.
    let account = lock(conn, &buckets.account)?.remembered(now, memory_seconds);
    let client = lock(conn, &buckets.client)?.remembered(now, memory_seconds);
    if let Some(retry_after_seconds) = policy.wait(client, account, now) {
        return Err(Error::Throttled {
            code: ErrorCode::TooManyAttempts,
            detail: "Too many failed sign-in attempts from here. Try again later.".to_owned(),
            retry_after_seconds,
        });
    }
    store(conn, &buckets.account, account.after_failure(now))?;
    store(conn, &buckets.client, client.after_failure(now))
}

/// A correct password: this client's failures and the account's are forgotten.
pub fn forget(conn: &mut DbConnection, buckets: &Buckets) -> Result<()> {
    diesel::delete(f::table.filter(f::bucket.eq_any([&buckets.account, &buckets.client])))
        .execute(conn)?;
    Ok(())
}

/// Deletes buckets quiet for `memory_seconds`: `admit` already reads them as empty, and without
/// this every (account, client) pair ever guessed would keep a row. Returns how many went.
pub fn purge_forgotten(conn: &mut DbConnection, memory_seconds: i64) -> Result<usize> {
    let quiet_since = now() - chrono::Duration::seconds(memory_seconds);
    Ok(diesel::delete(f::table.filter(f::last_failed_at.le(quiet_since))).execute(conn)?)
}

/// Reads a bucket, creating it empty, with its row locked until the transaction ends (an upsert
/// takes the row lock on PostgreSQL; SQLite's write transaction already holds the database).
fn lock(conn: &mut DbConnection, bucket: &str) -> Result<Failures> {
    let empty = (
        f::bucket.eq(bucket),
        f::failures.eq(0_i64),
        f::last_failed_at.eq(Failures::NONE.last_failed_at),
    );
    let (count, last_failed_at): (i64, NaiveDateTime) =
        crate::on_engine!(conn, |c| diesel::insert_into(f::table)
            .values(empty)
            .on_conflict(f::bucket)
            .do_update()
            .set(f::failures.eq(f::failures))
            .returning((f::failures, f::last_failed_at))
            .get_result(c)?);
    Ok(Failures {
        count,
        last_failed_at,
    })
}

fn store(conn: &mut DbConnection, bucket: &str, failures: Failures) -> Result<()> {
    diesel::update(f::table.find(bucket))
        .set((
            f::failures.eq(failures.count),
            f::last_failed_at.eq(failures.last_failed_at),
        ))
        .execute(conn)?;
    Ok(())
}
