//! Running the service from the console: the email outbox (failed mail, retry) and the audit
//! log with its filters.

use actix_web::{web, HttpResponse};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{see_other_done, Column, Console, Download};
use crate::catalogue::types::{AuditEntry, AuditQuery};
use crate::email::outbox;
use crate::email::routes::EmailView;
use crate::email::EmailStatus;
use crate::error::{Error, Result};
use crate::http::{Form, Paging};
use crate::web::csrf::TokenOnly;
use crate::web::forms::given;
use crate::web::render::japan_time;

const PER_PAGE: i64 = 100;

/// The outbox's CSV.
const EMAIL_COLUMNS: &[Column<EmailView>] = &[
    ("ID", |e| e.id.clone()),
    ("種類", |e| e.kind.clone()),
    ("宛先", |e| e.recipient.clone()),
    ("件名", |e| e.subject.clone()),
    ("状態", |e| e.status.label().to_owned()),
    ("試行回数", |e| e.attempts.to_string()),
    ("最後のエラー", |e| {
        e.last_error.clone().unwrap_or_default()
    }),
    ("作成日時", |e| japan_time(e.created_at)),
    ("送信日時", |e| {
        e.sent_at.map(japan_time).unwrap_or_default()
    }),
];

/// The audit log's CSV.
const AUDIT_COLUMNS: &[Column<AuditEntry>] = &[
    ("日時", |e| japan_time(e.created_at)),
    ("操作", |e| e.action.clone()),
    ("対象", |e| e.entity.clone()),
    ("対象ID", |e| e.entity_id.clone()),
    ("職員ID", |e| e.actor_id.clone().unwrap_or_default()),
];

/// Rows on a page; a download holds every one.
fn paging(download: &Download) -> Paging {
    let per_page = if download.wants_csv() {
        i64::MAX / 2
    } else {
        PER_PAGE
    };
    Paging { page: 1, per_page }
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct EmailQuery {
    status: Option<String>,
    #[serde(skip_serializing)]
    done: Option<String>,
}

async fn emails(console: Console, q: web::Query<EmailQuery>) -> HttpResponse {
    let outcome = async {
        let download = console.download()?;
        let status = given(&q.status)
            .map(|s| EmailStatus::parse(s).ok_or_else(|| Error::field("status", "must be pending, sending, sent or failed")))
            .transpose()?;
        let paging = paging(&download);
        let (rows, total) = console.read(move |c| outbox::list(c, status, paging)).await?;
        let items = rows
            .into_iter()
            .map(EmailView::try_from)
            .collect::<Result<Vec<_>>>()?;
        if download.wants_csv() {
            // Recipients are personal data.
            console.may_export_personal_data()?;
            return console.csv_table(EMAIL_COLUMNS, &items, &download, "emails.csv");
        }
        let items: Vec<_> = items
            .iter()
            .map(|e| {
                context! {
                    e => e,
                    status_label => e.status.label(),
                    created => japan_time(e.created_at),
                    retryable => matches!(e.status, EmailStatus::Failed | EmailStatus::Pending),
                }
            })
            .collect();
        Ok(console.ok(
            "console/emails.html",
            context! {
                items, total,
                query => &*q,
                done => given(&q.done).map(|_| "送信待ちに戻しました。"),
                statuses => EmailStatus::ALL.iter().map(|s| (s.as_str(), s.label())).collect::<Vec<_>>(),
            },
        ))
    }
    .await;
    console.answer(outcome)
}

async fn retry(console: Console, id: web::Path<String>, form: Form<TokenOnly>) -> HttpResponse {
    let id = id.into_inner();
    let outcome = async {
        let actor = console.change(&form.csrf_token)?;
        console
            .write(move |c, _| outbox::retry_by_staff(c, &actor, &id))
            .await?;
        Ok(see_other_done("/console/emails", "retried"))
    }
    .await;
    console.answer(outcome)
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct AuditFilter {
    entity: Option<String>,
    entity_id: Option<String>,
}

async fn audit_log(console: Console, q: web::Query<AuditFilter>) -> HttpResponse {
    let outcome = async {
        let download = console.download()?;
        let query = AuditQuery {
            entity: given(&q.entity).map(str::to_owned),
            entity_id: given(&q.entity_id).map(str::to_owned),
            page: None,
            per_page: None,
        };
        let paging = paging(&download);
        let (entries, total) = console
            .read(move |c| crate::audit::store::list(c, &query, paging))
            .await?;
        if download.wants_csv() {
            return console.csv_table(AUDIT_COLUMNS, &entries, &download, "audit-log.csv");
        }
        let entries: Vec<_> = entries
            .iter()
            .map(|e| context! { e => e, at => japan_time(e.created_at) })
            .collect();
        Ok(console.ok(
            "console/audit.html",
            context! { entries, total, query => &*q },
        ))
    }
    .await;
    console.answer(outcome)
}

pub fn services(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/emails", web::get().to(emails))
        .route("/console/emails/{id}/retry", web::post().to(retry))
        .route("/console/audit", web::get().to(audit_log));
}
