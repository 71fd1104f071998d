//! Fixed-window counters kept in the database, so every instance of the service sees the same count.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use crate::db::schema::rate_limits::dsl as rl;
use crate::db::{now, DbConnection};
use crate::error::Result;

/// At most `limit` hits per `seconds`-long window.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub limit: i64,
    pub seconds: i64,
}

/// Seconds until the bucket opens again, if it is full now.
pub fn blocked_for(conn: &mut DbConnection, bucket: &str, window: Window) -> Result<Option<i64>> {
    let row: Option<(NaiveDateTime, i64)> = rl::rate_limits
        .filter(rl::bucket.eq(bucket))
        .select((rl::window_start, rl::hits))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(start, hits)| remaining(start, hits, window, now())))
}

fn remaining(start: NaiveDateTime, hits: i64, window: Window, now: NaiveDateTime) -> Option<i64> {
    let reopens = start + Duration::seconds(window.seconds);
    (hits >= window.limit && reopens > now).then(|| (reopens - now).num_seconds().max(1))
}

/// Counts one hit and returns the hits in the current window.
pub fn hit(conn: &mut DbConnection, bucket: &str, window: Window) -> Result<i64> {
    let now = now();
    let stale = now - Duration::seconds(window.seconds);
    // A window that has run out starts again from zero.
    diesel::update(
        rl::rate_limits
            .filter(rl::bucket.eq(bucket))
            .filter(rl::window_start.le(stale)),
    )
    .set((rl::window_start.eq(now), rl::hits.eq(0)))
    .execute(conn)?;
    let row = (
        rl::bucket.eq(bucket),
        rl::window_start.eq(now),
        rl::hits.eq(1_i64),
    );
    // An atomic upsert on each engine: concurrent first hits must not lose a count.
    let hits: i64 = crate::on_engine!(conn, |c| diesel::insert_into(rl::rate_limits)
        .values(row)
        .on_conflict(rl::bucket)
        .do_update()
        .set(rl::hits.eq(rl::hits + 1))
        .returning(rl::hits)
        .get_result(c)?);
    Ok(hits)
}

/// Counts an attempt first and then judges it, so parallel attempts cannot all slip past a check
/// made before any of them was counted. Returns seconds to wait when this one is over the limit.
pub fn take(conn: &mut DbConnection, bucket: &str, window: Window) -> Result<Option<i64>> {
    let hits = hit(conn, bucket, window)?;
    if hits <= window.limit {
        return Ok(None);
    }
    let start: NaiveDateTime = rl::rate_limits
        .filter(rl::bucket.eq(bucket))
        .select(rl::window_start)
        .first(conn)?;
    Ok(Some(remaining(start, hits, window, now()).unwrap_or(1)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_window_blocks_until_it_ends() {
        let w = Window {
            limit: 3,
            seconds: 60,
        };
        let start = chrono::DateTime::from_timestamp(1_700_000_000, 0)
            .expect("valid")
            .naive_utc();
        assert_eq!(remaining(start, 2, w, start), None);
        assert_eq!(
            remaining(start, 3, w, start + Duration::seconds(10)),
            Some(50)
        );
        assert_eq!(remaining(start, 3, w, start + Duration::seconds(60)), None);
    }
}
