//! The audit log: who changed what and when, with the state before and after.

pub mod routes;
pub mod store;

use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::audit_log;
use crate::db::{now, DbConnection};
use crate::error::Result;

/// Records one admin write; call inside the write's own transaction.
pub fn record<B: Serialize, A: Serialize>(
    conn: &mut DbConnection,
    actor_id: Option<&str>,
    action: &str,
    entity: &str,
    entity_id: &str,
    before: Option<&B>,
    after: Option<&A>,
) -> Result<()> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::id.eq(Uuid::new_v4().to_string()),
            audit_log::actor_id.eq(actor_id),
            audit_log::action.eq(action),
            audit_log::entity.eq(entity),
            audit_log::entity_id.eq(entity_id),
            audit_log::before_state.eq(before.and_then(|b| serde_json::to_string(b).ok())),
            audit_log::after_state.eq(after.and_then(|a| serde_json::to_string(a).ok())),
            audit_log::created_at.eq(now()),
        ))
        .execute(conn)?;
    Ok(())
}
