//! `GET /admin/audit-log`: staff read who changed what.

use actix_web::get;

use super::store;
use crate::catalogue::types::{AuditEntry, AuditQuery};
use crate::http::{page_route, read_page, Page, Paging};
use crate::openapi::problems::QueryErrors;

page_route! {
    /// The audit log, newest first.
    GET "/admin/audit-log" as "list_audit_log" => Page<AuditEntry>;
    async fn audit_log_route(state, _staff, query: AuditQuery) {
        let q = query.into_inner();
        let paging = Paging::from_query(q.page, q.per_page)?;
        read_page(&state.db, paging, move |conn, paging| store::list(conn, &q, paging)).await
    }
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(audit_log_route);
}
