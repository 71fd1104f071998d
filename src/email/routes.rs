//! GET /api/v1/admin/emails and POST /api/v1/admin/emails/{id}/retry.

use actix_web::{get, post, web};
use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::outbox::{self, OutboxRow};
use super::EmailStatus;
use crate::auth::AdminUser;
use crate::error::{Error, Result};
use crate::http::{page_route, read_page, Page, Paging};
use crate::openapi::problems::QueryErrors;
use crate::state::AppState;

/// One outbox message as admins see it (bodies left out; they may be long).
#[derive(Debug, Serialize, ToSchema)]
pub struct EmailView {
    pub id: String,
    /// The stable Message-ID header, `<id@domain>`.
    pub message_id: String,
    /// `thank_you`, `voucher_issued`, `refund_notice` or `partner_welcome`.
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub status: EmailStatus,
    /// Delivery attempts so far.
    pub attempts: i32,
    /// When the worker next tries (pending), or last changed (failed).
    pub next_attempt_at: DateTime<Utc>,
    /// While `sending`: when the worker's claim runs out.
    pub locked_until: Option<DateTime<Utc>>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
    /// The donation, voucher or partner the email is about.
    pub related_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

impl TryFrom<OutboxRow> for EmailView {
    type Error = Error;

    fn try_from(row: OutboxRow) -> Result<EmailView> {
        let status = row.status;
        Ok(EmailView {
            id: row.id,
            message_id: row.message_id,
            kind: row.kind,
            recipient: row.recipient,
            subject: row.subject,
            status,
            attempts: row.attempts,
            next_attempt_at: utc(row.next_attempt_at),
            locked_until: row.locked_until.map(utc),
            last_error: row.last_error,
            related_id: row.related_id,
            created_at: utc(row.created_at),
            sent_at: row.sent_at.map(utc),
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct EmailListQuery {
    /// `pending`, `sending`, `sent` or `failed`; all when absent.
    pub status: Option<String>,
    /// 1-based page number (default 1).
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// Items per page (default 20, at most 100).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

crate::problems!(
    /// Sending a failed email again.
    RetryEmailErrors: Unauthorized, Forbidden, EmailNotFound, EmailAlreadySent, EmailInFlight
);

/// The `status` filter of the outbox list: none when absent or empty.
fn status_filter(status: Option<&str>) -> Result<Option<EmailStatus>> {
    let Some(s) = status.filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    EmailStatus::parse(s)
        .map(Some)
        .ok_or_else(|| Error::field("status", "must be pending, sending, sent or failed"))
}

page_route! {
    /// The email outbox, newest first.
    GET "/admin/emails" => Page<EmailView>;
    async fn list_emails(state, _staff, query: EmailListQuery) {
        let status = status_filter(query.status.as_deref())?;
        let paging = Paging::from_query(query.page, query.per_page)?;
        read_page(&state.db, paging, move |conn, paging| {
            let (rows, total) = outbox::list(conn, status, paging)?;
            let items: Result<Vec<EmailView>> = rows.into_iter().map(EmailView::try_from).collect();
            Ok((items?, total))
        })
        .await
    }
}

/// Put a failed (or waiting) email back in the queue, due now, with a fresh attempt budget.
#[utoipa::path(
    params(("id" = String, Path, description = "Outbox id")),
    responses(
        (status = 200, body = EmailView),
        RetryEmailErrors,
    )
)]
#[post("/admin/emails/{id}/retry")]
pub async fn retry_email(
    state: web::Data<AppState>,
    admin: AdminUser,
    path: web::Path<String>,
) -> Result<web::Json<EmailView>> {
    let id = path.into_inner();
    let actor = admin.0.id;
    let after = state
        .db
        .write(move |conn| outbox::retry_by_staff(conn, &actor, &id))
        .await?;
    tracing::info!(outbox_id = %after.id, "email put back in the queue by an admin");
    Ok(web::Json(EmailView::try_from(after)?))
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_emails).service(retry_email);
}
