//! Donations at the console: search (name, kana, email, phone, postal code, receipt number,
//! portal id: `donations::search_terms`) with the API's filters, one donation with its history,
//! and the staff writes the API has — offline payment, refund (with a confirmation step), receipt
//! re-issue — plus the printable receipt.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::{refused, see_other_done, Console};
use crate::catalogue::types::AuditQuery;
use crate::config::Settings;
use crate::db::DbConnection;
use crate::domain::calendar::japan_today;
use crate::domain::donation::{DonationKind, DonationStatus, PaymentMethod};
use crate::donations::refund::{self, RefundReason};
use crate::donations::store::{self, DonationFilter};
use crate::donations::types::AdminDonation;
use crate::donations::{admin_routes, receipt, views};
use crate::error::{Error, Result};
use crate::http::{Form, Paging};
use crate::payments::offline::{self, OfflinePayment};
use crate::web::forms::{date_field, field_errors, given};
use crate::web::render::{japan_time, status_of};

const PER_PAGE: i64 = 50;

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
struct SearchQuery {
    q: Option<String>,
    status: Option<String>,
    kind: Option<String>,
    channel: Option<String>,
    from: Option<String>,
    to: Option<String>,
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
        created: japan_time(d.created_at),
        d,
    }
}

async fn search(console: Console, query: web::Query<SearchQuery>) -> HttpResponse {
    let q = query.into_inner();
    let outcome = async {
        let download = console.download()?;
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
#[serde(default)]
struct ActionForm {
    csrf_token: String,
    received_on: Option<String>,
    method: Option<String>,
    reason: Option<String>,
    confirm: Option<String>,
}

#[derive(Deserialize)]
struct DoneQuery {
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
                at => japan_time(h.created_at),
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

/// The staff writes the detail page's forms make: the API's own use cases.
enum Write {
    Payment(OfflinePayment),
    Refund(RefundReason),
    Reissue,
}

impl Write {
    /// What the donation's page says once it is done (`?done=`).
    fn done(&self) -> &'static str {
        match self {
            Write::Payment(_) => "payment",
            Write::Refund(_) => "refund",
            Write::Reissue => "reissue",
        }
    }

    fn run(self, c: &mut DbConnection, settings: &Settings, actor: &str, id: &str) -> Result<()> {
        match self {
            Write::Payment(payment) => {
                offline::record_offline(c, settings, actor, id, payment).map(|_| ())
            }
            Write::Refund(reason) => refund::refund(c, settings, actor, id, &reason).map(|_| ()),
            Write::Reissue => refund::reissue_receipt(c, settings, actor, id).map(|_| ()),
        }
    }
}

/// Runs a detail form's write once the form passes its check (`write` is what the form asked
/// for, or why it could not): back to the donation with what was done, or the page again with
/// the refusal.
async fn act(console: Console, id: String, form: ActionForm, write: Result<Write>) -> HttpResponse {
    let outcome = async {
        let actor = console.change(&form.csrf_token)?;
        let write = write?;
        let done = write.done();
        let donation_id = id.clone();
        console
            .write(move |c, settings| write.run(c, settings, &actor, &donation_id))
            .await?;
        Ok(done)
    }
    .await;
    match outcome {
        Ok(done) => see_other_done(&format!("/console/donations/{id}"), done),
        Err(e) => refused_form(&console, id, &form, e).await,
    }
}

/// The detail page again, with the refusal beside the form.
async fn refused_form(console: &Console, id: String, form: &ActionForm, e: Error) -> HttpResponse {
    let shown = show(console, id, form, Some(&e), None).await;
    console.answer(shown)
}

impl ActionForm {
    fn payment(&self) -> Result<OfflinePayment> {
        let received_on = date("received_on", given(&self.received_on))?
            .ok_or_else(|| Error::field("received_on", "is required"))?;
        let method = match given(&self.method) {
            Some("bank_transfer") => PaymentMethod::BankTransfer,
            Some("counter") => PaymentMethod::Counter,
            _ => return Err(Error::field("method", "must be bank_transfer or counter")),
        };
        Ok(OfflinePayment {
            received_on,
            method,
        })
    }

    fn refund_reason(&self) -> Result<RefundReason> {
        RefundReason::parse(self.reason.as_deref().unwrap_or(""))
    }
}

async fn record_payment(
    console: Console,
    id: web::Path<String>,
    form: Form<ActionForm>,
) -> HttpResponse {
    let write = form.payment().map(Write::Payment);
    act(console, id.into_inner(), form.into_inner(), write).await
}

/// A refund asks first: the first post shows what will happen; the second (`confirm`) does it.
async fn refund_donation(
    console: Console,
    id: web::Path<String>,
    form: Form<ActionForm>,
) -> HttpResponse {
    let (id, form) = (id.into_inner(), form.into_inner());
    let reason = form.refund_reason();
    if form.confirm.as_deref() == Some("yes") {
        return act(console, id, form, reason.map(Write::Refund)).await;
    }
    if let Err(e) = console.change(&form.csrf_token).and(reason) {
        return refused_form(&console, id, &form, e).await;
    }
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

async fn reissue(console: Console, id: web::Path<String>, form: Form<ActionForm>) -> HttpResponse {
    act(
        console,
        id.into_inner(),
        form.into_inner(),
        Ok(Write::Reissue),
    )
    .await
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
    console.page().printable(html)
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
