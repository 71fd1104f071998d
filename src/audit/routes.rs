//! `GET /admin/audit-log`: staff read who changed what.

use actix_web::{get, web};

use super::store;
use crate::auth::StaffUser;
use crate::catalogue::types::{AuditEntry, AuditQuery};
use crate::error::Result;
use crate::http::{Page, Paging};
use crate::state::AppState;

crate::problems!(
    /// Paging and filters of the audit log.
    AuditLogErrors: Unauthorized, Forbidden, InvalidQuery, ValidationFailed
);

/// The audit log, newest first.
#[utoipa::path(
    operation_id = "list_audit_log",
    params(AuditQuery),
    responses(
        (status = 200, body = Page<AuditEntry>),
        AuditLogErrors,
    )
)]
#[get("/admin/audit-log")]
pub async fn audit_log_route(
    state: web::Data<AppState>,
    _staff: StaffUser,
    query: web::Query<AuditQuery>,
) -> Result<web::Json<Page<AuditEntry>>> {
    let q = query.into_inner();
    let paging = Paging::from_query(q.page, q.per_page)?;
    let (items, total) = state
        .db
        .run(move |conn| store::list(conn, &q, paging))
        .await?;
    Ok(web::Json(Page::new(items, paging, total)))
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(audit_log_route);
}
