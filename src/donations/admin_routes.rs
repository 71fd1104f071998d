//! Staff donation routes: list and CSV export, offline payment, refund, receipt re-issue, one-stop.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Datelike;

use super::refund::RefundReason;
use super::store::{self, DonationFilter, DonationRow};
use super::types::{
    AdminDonation, AdminDonationQuery, OfflinePaymentRequest, OneStopQuery, OneStopReport, Receipt,
    RefundRequest,
};
use super::views;
use crate::auth::{AdminUser, StaffUser};
use crate::config::Settings;
use crate::db::DbConnection;
use crate::domain::calendar::japan_today;
use crate::error::Result;
use crate::http::{csv_response, excel_csv, wants_csv, Page, Paging};
use crate::openapi::problems::QueryErrors;
use crate::payments::offline::{self, OfflinePayment};
use crate::state::AppState;

/// The staff donation list for Excel (the API's `Accept: text/csv` and the console's download).
pub fn donations_csv(items: &[AdminDonation]) -> Result<Vec<u8>> {
    let headers = [
        "寄附ID",
        "種別",
        "状態",
        "金額",
        "数量",
        "返礼品ID",
        "団体ID",
        "使い道ID",
        "経路",
        "外部ID",
        "氏名",
        "フリガナ",
        "メール",
        "電話",
        "郵便番号",
        "都道府県",
        "市区町村",
        "番地等",
        "ワンストップ",
        "受付日時",
        "受領日",
        "支払方法",
        "証明書番号",
        "返金日時",
        "返金理由",
    ];
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|d| {
            vec![
                d.id.clone(),
                d.kind.label().to_owned(),
                d.status.as_str().to_owned(),
                d.amount.to_string(),
                d.quantity.to_string(),
                opt(&d.gift_id),
                opt(&d.organization_id),
                opt(&d.purpose_id),
                d.channel.clone(),
                opt(&d.external_id),
                d.donor_name.clone(),
                d.donor_name_kana.clone(),
                d.donor_email.clone(),
                d.donor_phone.clone(),
                d.donor_postal_code.clone(),
                d.donor_prefecture.clone(),
                d.donor_city.clone(),
                d.donor_address_line.clone(),
                if d.one_stop { "申請あり" } else { "" }.to_owned(),
                d.created_at.to_rfc3339(),
                d.received_on.map(|r| r.to_string()).unwrap_or_default(),
                d.payment_method
                    .map(|m| m.as_str().to_owned())
                    .unwrap_or_default(),
                opt(&d.receipt_number),
                d.refunded_at.map(|r| r.to_rfc3339()).unwrap_or_default(),
                opt(&d.refund_reason),
            ]
        })
        .collect();
    excel_csv(&headers, rows)
}

crate::problems!(
    /// An unknown donation.
    DonationErrors: Unauthorized, Forbidden, DonationNotFound
);
crate::problems!(
    /// Recording a payment received by bank transfer or at the counter.
    OfflinePaymentErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, DonationNotFound, AlreadyPaid, CardPaymentOnly, AmountMismatch
);
crate::problems!(
    /// Refunding a paid donation.
    RefundErrors: Unauthorized, Forbidden, MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, DonationNotFound, NotRefundable, VoucherPartlySpent
);
crate::problems!(
    /// Re-issuing a receipt.
    ReissueErrors: Unauthorized, Forbidden, DonationNotFound, ReceiptNotFound, ReceiptVoided
);

/// A staff write that changes a donation (in one transaction, given the settings), answered
/// with the donation as staff see it.
async fn change_donation<F>(state: &AppState, change: F) -> Result<web::Json<AdminDonation>>
where
    F: FnOnce(&mut DbConnection, &Settings) -> Result<DonationRow> + Send + 'static,
{
    let settings = state.settings.clone();
    let after = state.db.write(move |conn| change(conn, &settings)).await?;
    Ok(web::Json(views::admin_view(&after)))
}

/// Donations by filters and donor search (`q`); `Accept: text/csv` exports every match for Excel.
#[utoipa::path(
    operation_id = "admin_list_donations",
    params(AdminDonationQuery),
    responses(
        (status = 200, description = "JSON page, or text/csv (UTF-8 with BOM) of every match", content(
            (Page<AdminDonation> = "application/json"),
            (String = "text/csv"),
        )),
        QueryErrors,
    )
)]
#[get("/admin/donations")]
pub async fn list_donations(
    state: web::Data<AppState>,
    staff: StaffUser,
    req: HttpRequest,
    query: web::Query<AdminDonationQuery>,
) -> Result<HttpResponse> {
    let q = query.into_inner();
    let paging = Paging::from_query(q.page, q.per_page)?;
    let csv = wants_csv(&req);
    if csv {
        staff.may_export_personal_data()?;
    }
    let filter = DonationFilter {
        status: q.status,
        kind: q.kind,
        channel: q.channel,
        from: q.from,
        to: q.to,
        q: q.q,
    };
    let (offset, limit) = if csv {
        (0, i64::MAX)
    } else {
        (paging.offset(), paging.per_page)
    };
    super::search_terms::before_search(&state.db, filter.q.as_deref()).await?;
    let (rows, total) = state
        .db
        .run(move |conn| store::list(conn, &filter, offset, limit))
        .await?;
    let items: Vec<AdminDonation> = rows.iter().map(views::admin_view).collect();
    if csv {
        return Ok(csv_response(donations_csv(&items)?, "donations.csv"));
    }
    Ok(HttpResponse::Ok().json(Page::new(items, paging, total)))
}

/// One donation with the donor's details.
#[utoipa::path(
    operation_id = "admin_get_donation",
    params(("id" = String, Path)),
    responses(
        (status = 200, body = AdminDonation),
        DonationErrors,
    )
)]
#[get("/admin/donations/{id}")]
pub async fn get_donation(
    state: web::Data<AppState>,
    _staff: StaffUser,
    id: web::Path<String>,
) -> Result<web::Json<AdminDonation>> {
    let id = id.into_inner();
    let d = state.db.run(move |c| store::get(c, &id)).await?;
    Ok(web::Json(views::admin_view(&d)))
}

/// Record an offline payment (bank transfer or counter) with its receipt date.
#[utoipa::path(
    operation_id = "record_offline_payment",
    params(("id" = String, Path)),
    request_body = OfflinePaymentRequest,
    responses(
        (status = 200, body = AdminDonation),
        OfflinePaymentErrors,
    )
)]
#[post("/admin/donations/{id}/payment")]
pub async fn record_payment(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: crate::http::Json<OfflinePaymentRequest>,
) -> Result<web::Json<AdminDonation>> {
    let (id, body, actor) = (id.into_inner(), body.into_inner(), admin.0.id);
    let payment = OfflinePayment {
        received_on: body.received_on,
        method: body.method.into(),
    };
    change_donation(&state, move |conn, settings| {
        offline::record_offline(conn, settings, &actor, &id, payment)
    })
    .await
}

/// Refund a paid donation: a reversal that keeps the record and voids its receipt.
#[utoipa::path(
    operation_id = "refund_donation",
    params(("id" = String, Path)),
    request_body = RefundRequest,
    responses(
        (status = 200, body = AdminDonation),
        RefundErrors,
    )
)]
#[post("/admin/donations/{id}/refund")]
pub async fn refund(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
    body: crate::http::Json<RefundRequest>,
) -> Result<web::Json<AdminDonation>> {
    let reason = RefundReason::parse(&body.into_inner().reason)?;
    let (id, actor) = (id.into_inner(), admin.0.id);
    change_donation(&state, move |conn, settings| {
        super::refund::refund(conn, settings, &actor, &id, &reason)
    })
    .await
}

/// Re-issue a receipt: the same number, marked 再発行.
#[utoipa::path(
    params(("id" = String, Path)),
    responses(
        (status = 200, body = Receipt),
        ReissueErrors,
    )
)]
#[post("/admin/donations/{id}/receipt/reissue")]
pub async fn reissue_receipt(
    state: web::Data<AppState>,
    admin: AdminUser,
    id: web::Path<String>,
) -> Result<web::Json<Receipt>> {
    let id = id.into_inner();
    let settings = state.settings.clone();
    let actor = admin.0.id;
    let receipt = state
        .db
        .write(move |conn| super::refund::reissue_receipt(conn, &settings, &actor, &id))
        .await?;
    Ok(web::Json(receipt))
}

/// One-stop (ワンストップ特例) requests of a tax year, grouped by the donor's home municipality.
#[utoipa::path(
    operation_id = "one_stop_report",
    params(OneStopQuery),
    responses(
        (status = 200, body = OneStopReport),
        QueryErrors,
    )
)]
#[get("/admin/one-stop")]
pub async fn one_stop(
    state: web::Data<AppState>,
    staff: StaffUser,
    query: web::Query<OneStopQuery>,
) -> Result<web::Json<OneStopReport>> {
    // The list that goes to other municipalities: names and addresses of every applicant.
    staff.may_export_personal_data()?;
    let tax_year =
        super::one_stop::check_tax_year(query.tax_year.unwrap_or_else(|| japan_today().year()))?;
    let report = state
        .db
        .run(move |conn| super::one_stop::report(conn, tax_year))
        .await?;
    Ok(web::Json(report))
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_donations)
        .service(get_donation)
        .service(record_payment)
        .service(refund)
        .service(reissue_receipt)
        .service(one_stop);
}
