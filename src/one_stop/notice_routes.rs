//! Staff route of the one-stop notices (申告特例通知書): JSON, or CSV for the municipalities.

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use super::notices::{self, Notices};
use crate::auth::StaffUser;
use crate::domain::calendar::{japan_today, notice_tax_year};
use crate::error::Result;
use crate::http::{excel_csv, json_or_csv, wants_csv};
use crate::openapi::problems::QueryErrors;
use crate::state::AppState;

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct NoticeQuery {
    /// Calendar (tax) year of the donations. Default: last year until the end of January (the
    /// notices are due on 31 January), this year from 1 February (Japan dates).
    pub tax_year: Option<i32>,
    /// Only the notice to this municipality: its 6-digit 全国地方公共団体コード, e.g. `271004`
    /// (a city, a Tokyo special ward, a town or a village).
    pub municipality_code: Option<String>,
}

/// The columns of the CSV, one row per donor per municipality.
pub const CSV_HEADERS: [&str; 9] = [
    "団体コード",
    "市区町村",
    "氏名",
    "フリガナ",
    "生年月日",
    "郵便番号",
    "住所",
    "寄附件数",
    "寄附金額",
];

/// The notices as CSV for Excel (UTF-8 with BOM): one row per donor, municipalities by code.
/// 市区町村 is the prefecture and the body (大阪府大阪市); 住所 the applicant's whole address.
pub fn notices_csv(notices: &Notices) -> Result<Vec<u8>> {
    let rows = notices.municipalities.iter().flat_map(|m| {
        m.donors.iter().map(move |d| {
            vec![
                m.code.clone(),
                format!("{}{}", m.prefecture, m.name),
                d.name.clone(),
                d.name_kana.clone(),
                d.birth_date.map(|b| b.to_string()).unwrap_or_default(),
                d.postal_code.clone(),
                format!("{}{}{}", d.prefecture, d.city, d.address_line),
                d.donation_count.to_string(),
                d.total_amount.to_string(),
            ]
        })
    });
    excel_csv(&CSV_HEADERS, rows)
}

/// The file name of a download: `one-stop-notices-2025.csv`, `…-2025-271004.csv`.
pub fn csv_file_name(tax_year: i32, municipality: Option<&str>) -> String {
    match municipality {
        Some(code) => format!("one-stop-notices-{tax_year}-{code}.csv"),
        None => format!("one-stop-notices-{tax_year}.csv"),
    }
}

/// The one-stop notices (申告特例通知書) of a tax year, by the donors' home municipality.
///
/// One line per donor with a `valid` application: the application's name and address, and the
/// donations of the donor's identity (名寄せ: every channel, the ward's site and portal imports)
/// that are `paid` with a receipt date in the tax year; refunded, cancelled and pending
/// donations do not count. A donor appears once, however many channels they gave through.
/// Municipalities are by code, donors by reading. No My Number: a staff member with My Number
/// access reads it per application.
///
/// With `Accept: text/csv` (`; charset=Shift_JIS` for CP932) the same as CSV for Excel, one row
/// per donor: 団体コード,市区町村,氏名,フリガナ,生年月日,郵便番号,住所,寄附件数,寄附金額. The CSV
/// takes personal data away, so a read-only login is refused it (403); the JSON it may read.
#[utoipa::path(
    operation_id = "one_stop_notices",
    params(NoticeQuery),
    responses(
        (status = 200, description = "JSON, or text/csv (UTF-8 with BOM) with one row per donor", content(
            (Notices = "application/json"),
            (String = "text/csv"),
        )),
        QueryErrors,
    )
)]
#[get("/admin/one-stop/notices")]
pub async fn list_notices(
    state: web::Data<AppState>,
    staff: StaffUser,
    req: HttpRequest,
    query: web::Query<NoticeQuery>,
) -> Result<HttpResponse> {
    let q = query.into_inner();
    let tax_year = crate::donations::one_stop::check_tax_year(
        q.tax_year.unwrap_or_else(|| notice_tax_year(japan_today())),
    )?;
    let municipality = q
        .municipality_code
        .as_deref()
        .map(notices::notice_municipality)
        .transpose()?;
    if wants_csv(&req) {
        staff.may_export_personal_data()?;
    }
    let found = notices::read(&state.db, tax_year, municipality.as_ref()).await?;
    let file = csv_file_name(tax_year, municipality.as_ref().map(|c| c.as_str()));
    json_or_csv(&req, found, notices_csv, &file)
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(list_notices);
}
