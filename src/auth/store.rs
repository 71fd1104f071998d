//! Queries for users and sessions.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;
use uuid::Uuid;

use super::Role;
use crate::db::schema::{businesses, sessions, users};
use crate::db::{is_unique_violation, now, DbConnection};
use crate::error::{Error, ErrorCode, Result};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: String,
    pub email: String,
    pub password_hash: String,
    pub role: Role,
    pub partner_id: Option<String>,
    pub active: bool,
}

/// An active login that may sign in now (users left-joined with their business): staff always;
/// a partner or vendor login only while its business is active and still a partner or vendor.
macro_rules! may_sign_in {
    () => {
        users::active.eq(true).and(
            users::role
                .eq(Role::Admin)
                .or(users::role.eq(Role::Viewer))
                .or(businesses::active.eq(true).and(
                    (users::role
                        .eq(Role::Partner)
                        .and(businesses::is_partner.eq(true)))
                    .or(users::role
                        .eq(Role::Vendor)
                        .and(businesses::is_vendor.eq(true))),
                )),
        )
    };
}

pub fn find_active_by_email(conn: &mut DbConnection, email: &str) -> Result<Option<UserRow>> {
    Ok(users::table
        .left_join(businesses::table)
        .filter(users::email.eq(email))
        .filter(may_sign_in!())
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

/// Inserts a user; a taken email is `409 email_taken`.
pub fn insert_user(
    conn: &mut DbConnection,
    email: &str,
    password_hash: &str,
    role: Role,
    partner_id: Option<&str>,
) -> Result<String> {
    let id = Uuid::new_v4().to_string();
    diesel::insert_into(users::table)
        .values((
            users::id.eq(&id),
            users::email.eq(email),
            users::password_hash.eq(password_hash),
            users::role.eq(role),
            users::partner_id.eq(partner_id),
            users::active.eq(true),
            users::created_at.eq(now()),
        ))
        .execute(conn)
        .map_err(|e| {
            if is_unique_violation(&e) {
                Error::rejected(
                    ErrorCode::EmailTaken,
                    "A login with this email already exists.",
                )
            } else {
                e.into()
            }
        })?;
    Ok(id)
}

pub fn admin_exists(conn: &mut DbConnection) -> Result<bool> {
    let n: i64 = users::table
        .filter(users::role.eq(Role::Admin))
        .count()
        .get_result(conn)?;
    Ok(n > 0)
}

pub fn create_session(
    conn: &mut DbConnection,
    token_hash: &str,
    user_id: &str,
    ttl_hours: i64,
) -> Result<NaiveDateTime> {
    let created = now();
    let expires = created + Duration::hours(ttl_hours);
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(token_hash),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(created),
            sessions::expires_at.eq(expires),
        ))
        .execute(conn)?;
    Ok(expires)
}

/// The user behind a live (unexpired, unrevoked) token of an active account. A partner login
/// works only while its business is an active partner: a dropped partner cannot redeem.
pub fn session_user(conn: &mut DbConnection, token_hash: &str) -> Result<Option<UserRow>> {
    Ok(sessions::table
        .inner_join(users::table.left_join(businesses::table))
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now()))
        .filter(may_sign_in!())
        .select(UserRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn revoke_session(conn: &mut DbConnection, token_hash: &str) -> Result<()> {
    diesel::update(sessions::table.filter(sessions::token_hash.eq(token_hash)))
        .set(sessions::revoked_at.eq(now()))
        .execute(conn)?;
    Ok(())
}
