//! Donations at the console: search (name, kana, email, phone, postal code, receipt number,
//! portal id: `donations::search_terms`) with the API's filters, one donation with its history,
//! and the staff writes the API has — offline payment, refund (with a confirmation step), receipt
//! re-issue — plus the printable receipt.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{
    date_field, field_errors, given, refused, see_other_done, status_of, Console, Download,
};
use crate::catalogue::types::AuditQuery;
use crate::domain::calendar::{japan_offset, japan_today};
use crate::domain::donation::{DonationKind, DonationStatus, PaymentMethod};
use crate::donations::refund::{self, RefundReason};
use crate::donations::store::{self, DonationFilter};
use crate::donations::types::AdminDonation;
use crate::donations::{admin_routes, receipt, views};
use crate::error::{Error, Result};
use crate::http::Paging;
use crate::payments::offline::{self, OfflinePayment};
use crate::web::render::Page;

const PER_PAGE: i64 = 50;

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
struct SearchQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    channel: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    page: Option<i64>,
}

fn date(field: &str, value: Option<&str>) -> Result<Option<NaiveDate>> {
    value.map(|v| date_field(field, v)).transpose()
}

impl SearchQuery {
    fn filter(&self) -> Result<DonationFilter> {
        Ok(DonationFilter {
            status: given(&self.status)
                .map(|s| {
                    DonationStatus::parse(s).ok_or_else(|| Error::field("status", "unknown status"))
                })
                .transpose()?,
            kind: given(&self.kind)
                .map(|k| DonationKind::parse(k).ok_or_else(|| Error::field("kind", "unknown kind")))
                .transpose()?,
            channel: given(&self.channel).map(str::to_owned),
            from: date("from", given(&self.from))?,
            to: date("to", given(&self.to))?,
            q: given(&self.q).map(str::to_owned),
        })
    }

    /// The query string of this search without the page (for the pager and the CSV links).
    fn link(&self) -> String {
        serde_urlencoded::to_string(SearchQuery {
            page: None,
            ..self.clone()
        })
        .unwrap_or_default()
    }
}

/// A donation as a console row: the API's view and its words.
#[derive(Serialize)]
struct Row {
    #[serde(flatten)]
    d: AdminDonation,
    status_label: &'static str,
    kind_label: &'static str,
    created: String,
}

fn row(d: AdminDonation) -> Row {
    Row {
        status_label: d.status.label(),
        kind_label: d.kind.label(),
        created: d
            .created_at
            .with_timezone(&japan_offset())
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        d,
    }
}

async fn search(
    console: Console,
    query: web::Query<SearchQuery>,
    download: web::Query<Download>,
) -> HttpResponse {
    let q = query.into_inner();
    let outcome = async {
        let filter = q.filter()?;
        crate::donations::search_terms::before_search(&console.state().db, filter.q.as_deref())
            .await?;
        if download.wants_csv() {
            console.may_export_personal_data()?;
            let (rows, _) = console
                .read(move |c| store::list(c, &filter, 0, i64::MAX))
                .await?;
            let items: Vec<AdminDonation> = rows.iter().map(views::admin_view).collect();
            let body = admin_routes::donations_csv(&items)?;
            return Ok(console.csv(body, download.charset, "donations.csv"));
        }
        let paging = Paging::from_query(q.page, Some(PER_PAGE))?;
        let (rows, total) = console
            .read(move |c| store::list(c, &filter, paging.offset(), paging.per_page))
            .await?;
        let items: Vec<Row> = rows.iter().map(|r| row(views::admin_view(r))).collect();
        let pages = (total + PER_PAGE - 1) / PER_PAGE;
        Ok(console.ok(
            "console/donations.html",
            context! {
                items, total, pages,
                page => paging.page,
                query => &q,
                link => q.link(),
                statuses => DonationStatus::ALL.iter().map(|s| (s.as_str(), s.label())).collect::<Vec<_>>(),
                kinds => DonationKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect::<Vec<_>>(),
            },
        ))
    }
    .await;
    console.answer(outcome)
}

/// What the detail page's forms held, shown again after a refusal.
#[derive(Debug, Default, Deserialize, Serialize)]
struct ActionForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    received_on: Option<String>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    confirm: Option<String>,
}

#[derive(Deserialize)]
struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

/// The detail page: the donation, its history (audit log), and the forms its state allows.
async fn show(
    console: &Console,
    id: String,
    form: &ActionForm,
    problem: Option<&Error>,
    done: Option<&str>,
) -> Result<HttpResponse> {
    let audit = AuditQuery {
        entity: Some("donation".to_owned()),
        entity_id: Some(id.clone()),
        page: None,
        per_page: None,
    };
    let (d, history) = console
        .read(move |c| {
            let d = store::get(c, &id)?;
            let paging = Paging::from_query(Some(1), Some(100))?;
            let (history, _) = crate::audit::store::list(c, &audit, paging)?;
            Ok((d, history))
        })
        .await?;
    let d = row(views::admin_view(&d));
    let history: Vec<_> = history
        .into_iter()
        .map(|h| {
            context! {
                at => h.created_at.with_timezone(&japan_offset()).format("%Y-%m-%d %H:%M").to_string(),
                action => h.action,
                actor => h.actor_id,
                status => h.after.as_ref().and_then(|a| a.get("status")).cloned(),
            }
        })
        .collect();
    let done = done.map(|d| match d {
        "payment" => "入金を記録しました。",
        "refund" => "返金しました。受領証明書は無効になりました。",
        "reissue" => "受領証明書を再発行しました。",
        _ => "完了しました。",
    });
    let status = problem.map(status_of).unwrap_or(StatusCode::OK);
    Ok(console.render(
        status,
        "console/donation.html",
        context! {
            d, history, done,
            form => form,
            today => japan_today().to_string(),
            errors => field_errors(problem),
            problem => problem.map(refused),
        },
    ))
}

async fn detail(console: Console, id: web::Path<String>, q: web::Query<DoneQuery>) -> HttpResponse {
    let outcome = show(
        &console,
        id.into_inner(),
        &ActionForm::default(),
        None,
        q.done.as_deref(),
    )
    .await;
    console.answer(outcome)
}

/// After a write: back to the donation with what was done, or the page again with the refusal.
async fn after(
    console: &Console,
    id: String,
    form: &ActionForm,
    outcome: Result<()>,
    done: &str,
) -> HttpResponse {
    match outcome {
        Ok(()) => see_other_done(&format!("/console/donations/{id}"), done),
        Err(e) => {
            let shown = show(console, id, form, Some(&e), None).await;
            console.answer(shown)
        }
    }
}

async fn record_payment(
    console: Console,
    id: web::Path<String>,
    form: crate::http::Form<ActionForm>,
) -> HttpResponse {
    let (id, form) = (id.into_inner(), form.into_inner());
    let outcome = async {
        let actor = console.change(&form.csrf_token)?;
        let received_on = date("received_on", given(&form.received_on))?
            .ok_or_else(|| Error::field("received_on", "is required"))?;
        let method = match given(&form.method) {
            Some("bank_transfer") => PaymentMethod::BankTransfer,
            Some("counter") => PaymentMethod::Counter,
            _ => return Err(Error::field("method", "must be bank_transfer or counter")),
        };
        let payment = OfflinePayment {
            received_on,
            method,
        };
        let settings = console.state().settings.clone();
        let donation_id = id.clone();
        console
            .state()
            .db
            .write(move |c| {
                offline::record_offline(c, &settings, &actor, &donation_id, payment).map(|_| ())
            })
            .await
    }
    .await;
    after(&console, id, &form, outcome, "payment").await
}

/// A refund asks first: the first post shows what will happen; the second (`confirm`) does it.
async fn refund_donation(
    console: Console,
    id: web::Path<String>,
    form: crate::http::Form<ActionForm>,
) -> HttpResponse {
    let (id, form) = (id.into_inner(), form.into_inner());
    let outcome = async {
        let actor = console.change(&form.csrf_token)?;
        let reason = RefundReason::parse(form.reason.as_deref().unwrap_or(""))?;
        if form.confirm.as_deref() != Some("yes") {
            return Ok(false);
        }
        let settings = console.state().settings.clone();
        let donation_id = id.clone();
        console
            .state()
            .db
            .write(move |c| refund::refund(c, &settings, &actor, &donation_id, &reason).map(|_| ()))
            .await?;
        Ok(true)
    }
    .await;
    match outcome {
        Ok(true) => see_other_done(&format!("/console/donations/{id}"), "refund"),
        Ok(false) => {
            let shown = async {
                let d = console.read(move |c| store::get(c, &id)).await?;
                Ok(console.ok(
                    "console/refund_confirm.html",
                    context! { d => row(views::admin_view(&d)), reason => form.reason },
                ))
            }
            .await;
            console.answer(shown)
        }
        Err(e) => after(&console, id, &form, Err(e), "refund").await,
    }
}

async fn reissue(
    console: Console,
    id: web::Path<String>,
    form: crate::http::Form<ActionForm>,
) -> HttpResponse {
    let (id, form) = (id.into_inner(), form.into_inner());
    let outcome = async {
        let actor = console.change(&form.csrf_token)?;
        let settings = console.state().settings.clone();
        let donation_id = id.clone();
        console
            .state()
            .db
            .write(move |c| refund::reissue_receipt(c, &settings, &actor, &donation_id).map(|_| ()))
            .await
    }
    .await;
    after(&console, id, &form, outcome, "reissue").await
}

/// The receipt as the donor prints it.
async fn print_receipt(console: Console, id: web::Path<String>) -> HttpResponse {
    let id = id.into_inner();
    let settings = console.state().settings.clone();
    let html = console
        .read(move |c| {
            let d = store::get(c, &id)?;
            receipt::printable(&settings, &d)
        })
        .await;
    Page::new(console.req(), console.state()).printable(html)
}

pub fn services(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/donations", web::get().to(search))
        .route("/console/donations/{id}", web::get().to(detail))
        .route(
            "/console/donations/{id}/payment",
            web::post().to(record_payment),
        )
        .route(
            "/console/donations/{id}/refund",
            web::post().to(refund_donation),
        )
        .route("/console/donations/{id}/reissue", web::post().to(reissue))
        .route(
            "/console/donations/{id}/receipt",
            web::get().to(print_receipt),
        );
}
