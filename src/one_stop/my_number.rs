//! The My Number an application may carry (特定個人情報). It is sealed with AES-256-GCM
//! (`crypto::sealed`) bound to the application's id, so a database dump shows no number and a
//! sealed value copied to another row does not open. Only a staff login holding
//! `users.my_number_access` (granted from the command line, `furusato admin my-number-access`)
//! reads it, and each read is in the audit log, written in the same transaction. It is deleted
//! when the retention period (`one_stop.my_number_retention_days`) ends. The digits never reach
//! a log, a list or the audit log.

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::Serialize;
use zeroize::Zeroizing;

use super::store::{self, application_not_found};
use super::types::MyNumberAnswer;
use crate::audit;
use crate::auth::Role;
use crate::crypto::sealed::Keyring;
use crate::db::schema::users;
use crate::db::{now, DbConnection};
use crate::domain::calendar::japan_today;
use crate::domain::my_number::MyNumber;
use crate::domain::one_stop::retention_cutoff;
use crate::error::{Error, ErrorCode, Result};
use crate::state::AppState;

/// The sealed form of `number` for the application `application_id`: `v1:<key id>:<base64>`.
pub fn seal(keys: &Keyring, number: &MyNumber, application_id: &str) -> String {
    keys.seal(number.expose().as_bytes(), application_id.as_bytes())
}

fn not_held() -> Error {
    Error::rejected(
        ErrorCode::MyNumberNotHeld,
        "This application holds no My Number (none was given, or it was deleted at the end of the retention period).",
    )
}

/// The My Number of an application, for `user_id`, who must hold the permission; the read is
/// recorded in the audit log (without the number). Run it inside a write transaction, so that
/// no number leaves without its record.
pub fn read(
    conn: &mut DbConnection,
    keys: &Keyring,
    user_id: &str,
    application_id: &str,
) -> Result<MyNumberAnswer> {
    // Before anything else, so that a login without the permission learns nothing.
    if !store::has_my_number_access(conn, user_id)? {
        return Err(Error::forbidden(
            "Reading a My Number needs this login's My Number permission (granted by `furusato admin my-number-access`).",
        ));
    }
    let sealed = store::sealed_my_number(conn, application_id)?
        .ok_or_else(application_not_found)?
        .ok_or_else(not_held)?;
    let opened = Zeroizing::new(keys.open(&sealed, application_id.as_bytes()).map_err(|e| {
        Error::Internal(anyhow::Error::new(e).context("a sealed My Number does not open"))
    })?);
    // Checked again, so that what leaves is always a well-formed number.
    let number = std::str::from_utf8(&opened)
        .ok()
        .and_then(|text| MyNumber::parse(text).ok())
        .ok_or_else(|| Error::internal("a sealed My Number is not a My Number"))?;
    audit::record(
        conn,
        Some(user_id),
        "my_number.read",
        "one_stop_application",
        application_id,
        None::<&()>,
        None::<&()>,
    )?;
    Ok(MyNumberAnswer {
        my_number: number.expose().to_owned(),
    })
}

/// Deletes the My Numbers of applications received more than `retention_days` before `today`
/// (the application itself stays, with `my_number_purged_at`); returns how many were deleted.
pub fn purge_expired_my_numbers(
    conn: &mut DbConnection,
    retention_days: i64,
    today: NaiveDate,
) -> Result<usize> {
    store::purge_received_before(conn, retention_cutoff(today, retention_days), now())
}

/// One retention pass of the background sweeper, in its own write transaction.
pub async fn sweep(state: &AppState) {
    let days = state.settings.one_stop.my_number_retention_days;
    let purged = state
        .db
        .write(move |conn| purge_expired_my_numbers(conn, days, japan_today()))
        .await;
    match purged {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            deleted = n,
            "My Numbers past their retention period deleted"
        ),
        Err(e) => tracing::warn!(error = %e, "My Number retention sweep failed; will retry"),
    }
}

#[derive(Serialize)]
struct Access {
    my_number_access: bool,
}

/// Grants or revokes a staff login's permission to read My Numbers, recorded in the audit log
/// with `actor` (`None`: the command line). Returns whether the login held it before; `None`
/// when no staff login has this email. Partner and vendor logins never hold it.
pub fn set_access(
    conn: &mut DbConnection,
    actor: Option<&str>,
    email: &str,
    grant: bool,
) -> Result<Option<bool>> {
    let found: Option<(String, bool)> = users::table
        .filter(users::email.eq(email))
        .filter(users::role.eq(Role::Admin).or(users::role.eq(Role::Viewer)))
        .select((users::id, users::my_number_access))
        .first(conn)
        .optional()?;
    let Some((user_id, before)) = found else {
        return Ok(None);
    };
    if before != grant {
        diesel::update(users::table.find(&user_id))
            .set(users::my_number_access.eq(grant))
            .execute(conn)?;
        let action = if grant {
            "my_number_access.grant"
        } else {
            "my_number_access.revoke"
        };
        audit::record(
            conn,
            actor,
            action,
            "user",
            &user_id,
            Some(&Access {
                my_number_access: before,
            }),
            Some(&Access {
                my_number_access: grant,
            }),
        )?;
    }
    Ok(Some(before))
}
