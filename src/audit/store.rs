//! Reading the audit log, newest first.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::catalogue::types::{AuditEntry, AuditQuery};
use crate::db::schema::audit_log;
use crate::db::DbConnection;
use crate::error::Result;
use crate::http::Paging;

#[derive(Queryable, Selectable)]
#[diesel(table_name = audit_log)]
struct AuditRow {
    id: String,
    actor_id: Option<String>,
    action: String,
    entity: String,
    entity_id: String,
    before_state: Option<String>,
    after_state: Option<String>,
    created_at: NaiveDateTime,
}

fn parse(state: Option<String>) -> Option<serde_json::Value> {
    state.and_then(|s| serde_json::from_str(&s).ok())
}

/// One page of entries, optionally of one entity (and one id), with the total count.
pub fn list(
    conn: &mut DbConnection,
    q: &AuditQuery,
    paging: Paging,
) -> Result<(Vec<AuditEntry>, i64)> {
    let build = || {
        let mut query = audit_log::table.into_boxed();
        if let Some(e) = &q.entity {
            query = query.filter(audit_log::entity.eq(e.clone()));
        }
        if let Some(id) = &q.entity_id {
            query = query.filter(audit_log::entity_id.eq(id.clone()));
        }
        query
    };
    let total: i64 = build().count().get_result(conn)?;
    let rows: Vec<AuditRow> = build()
        .select(AuditRow::as_select())
        .order(audit_log::created_at.desc())
        .offset(paging.offset())
        .limit(paging.per_page)
        .load(conn)?;
    let items = rows
        .into_iter()
        .map(|r| AuditEntry {
            id: r.id,
            actor_id: r.actor_id,
            action: r.action,
            entity: r.entity,
            entity_id: r.entity_id,
            before: parse(r.before_state),
            after: parse(r.after_state),
            created_at: r.created_at.and_utc(),
        })
        .collect();
    Ok((items, total))
}
