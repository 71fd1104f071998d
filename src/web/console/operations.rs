//! Running the service from the console: the email outbox (failed mail, retry) and the audit
//! log with its filters.

use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{given, see_other_done, Console, Download};
use crate::catalogue::types::AuditQuery;
use crate::domain::calendar::japan_offset;
use crate::email::outbox;
use crate::email::routes::EmailView;
use crate::email::EmailStatus;
use crate::error::{Error, Result};
use crate::http::{excel_csv, Paging};

const PER_PAGE: i64 = 100;

fn japan(at: DateTime<Utc>) -> String {
    at.with_timezone(&japan_offset())
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct EmailQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default, skip_serializing)]
    done: Option<String>,
}

async fn emails(
    console: Console,
    q: web::Query<EmailQuery>,
    download: web::Query<Download>,
) -> HttpResponse {
    let outcome = async {
        let status = given(&q.status)
            .map(|s| EmailStatus::parse(s).ok_or_else(|| Error::field("status", "must be pending, sending, sent or failed")))
            .transpose()?;
        let limit = if download.wants_csv() { i64::MAX / 2 } else { PER_PAGE };
        let paging = Paging { page: 1, per_page: limit };
        let (rows, total) = console.read(move |c| outbox::list(c, status, paging)).await?;
        let items = rows
            .into_iter()
            .map(EmailView::try_from)
            .collect::<Result<Vec<_>>>()?;
        if download.wants_csv() {
            // Recipients are personal data.
            console.may_export_personal_data()?;
            let body = excel_csv(
                &["ID", "種類", "宛先", "件名", "状態", "試行回数", "最後のエラー", "作成日時", "送信日時"],
                items.iter().map(|e| {
                    vec![
                        e.id.clone(),
                        e.kind.clone(),
                        e.recipient.clone(),
                        e.subject.clone(),
                        e.status.label().to_owned(),
                        e.attempts.to_string(),
                        e.last_error.clone().unwrap_or_default(),
                        japan(e.created_at),
                        e.sent_at.map(japan).unwrap_or_default(),
                    ]
                }),
            )?;
            return Ok(console.csv(body, download.charset, "emails.csv"));
        }
        let items: Vec<_> = items
            .iter()
            .map(|e| {
                context! {
                    e => e,
                    status_label => e.status.label(),
                    created => japan(e.created_at),
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

async fn retry(
    console: Console,
    id: web::Path<String>,
    form: crate::http::Form<crate::web::csrf::TokenOnly>,
) -> HttpResponse {
    let id = id.into_inner();
    let outcome = async {
        let actor = console.change(&form.csrf_token)?;
        console
            .state()
            .db
            .write(move |c| outbox::retry_by_staff(c, &actor, &id))
            .await?;
        Ok(see_other_done("/console/emails", "retried"))
    }
    .await;
    console.answer(outcome)
}

#[derive(Debug, Default, Deserialize, Serialize)]
struct AuditFilter {
    #[serde(default)]
    entity: Option<String>,
    #[serde(default)]
    entity_id: Option<String>,
}

async fn audit_log(
    console: Console,
    q: web::Query<AuditFilter>,
    download: web::Query<Download>,
) -> HttpResponse {
    let outcome = async {
        let query = AuditQuery {
            entity: given(&q.entity).map(str::to_owned),
            entity_id: given(&q.entity_id).map(str::to_owned),
            page: None,
            per_page: None,
        };
        let per_page = if download.wants_csv() {
            i64::MAX / 2
        } else {
            PER_PAGE
        };
        let paging = Paging { page: 1, per_page };
        let (entries, total) = console
            .read(move |c| crate::audit::store::list(c, &query, paging))
            .await?;
        if download.wants_csv() {
            let body = excel_csv(
                &["日時", "操作", "対象", "対象ID", "職員ID"],
                entries.iter().map(|e| {
                    vec![
                        japan(e.created_at),
                        e.action.clone(),
                        e.entity.clone(),
                        e.entity_id.clone(),
                        e.actor_id.clone().unwrap_or_default(),
                    ]
                }),
            )?;
            return Ok(console.csv(body, download.charset, "audit-log.csv"));
        }
        let entries: Vec<_> = entries
            .iter()
            .map(|e| context! { e => e, at => japan(e.created_at) })
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
