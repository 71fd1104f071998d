//! The staff console (`/console/`): tax-division staff at a desk PC. Every page reads through the
//! same store and report functions as the staff API, every form calls the API's own write, and
//! every table downloads as CSV for Excel. Sign-in is the back-office door's (`desk`).
//!
//! - `dashboard`: this fiscal year against the target (SVG from `chart`), the breakdowns.
//! - `gifts`: the catalogue, with the 30% and wording rules checked as staff type.
//! - `registers`: businesses, organisations, usage purposes, targets.
//! - `donations`: search, detail with history, offline payment, refund, receipt.
//! - `imports`: portal files and their history.
//! - `vouchers`: partners and logins, monthly settlement, the voucher report.
//! - `operations`: the email outbox, the audit log.
//! - `costs`: the cost ledger and the year against the 50% rule.
//! - `one_stop_notices`: the one-stop notices (申告特例通知書) to print, a page per municipality.
//!
//! Two roles open the door: `admin` changes things; `viewer` (read-only staff) sees every page
//! but every form is refused on the server (`Console::change`) and personal-data downloads too.

mod chart;
mod costs;
mod dashboard;
mod donations;
mod gifts;
mod imports;
mod one_stop_notices;
mod operations;
mod registers;
mod vouchers;

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use minijinja::context;
use serde::Deserialize;

use super::csrf;
use super::desk::{self, AtDesk, Door};
use super::forms::given;
use super::render::see_other;
use crate::auth::extractors::{personal_data_export, read_only};
use crate::auth::Role;
use crate::config::Settings;
use crate::db::DbConnection;
use crate::domain::calendar::{japan_today, FiscalYear};
use crate::error::{Error, ErrorCode, Result};
use crate::http::{csv_download, excel_csv, CsvCharset, Form};
use crate::state::AppState;
use crate::vouchers::partners::NewLogin;

/// The console's door: staff logins (admin and read-only), signed in at `/console/login`.
pub static DOOR: Door = desk::door!(
    "console",
    roles: &[Role::Admin, Role::Viewer],
    wrong_login: "区の職員用の管理画面です。職員のログインでお入りください（加盟店はレジ、返礼品事業者は受注管理へ）。",
    words: console_words,
);

/// Refusals staff meet, in the console's words (the API's message is shown beneath).
fn console_words(code: ErrorCode) -> Option<&'static str> {
    Some(match code {
        ErrorCode::Forbidden => {
            "この操作はできません（閲覧専用のログイン、または権限がありません）。"
        }
        ErrorCode::ReturnRatioExceeded => "調達費が寄附額の3割を超えています。",
        ErrorCode::ProhibitedWording => "使えない表現が含まれています。",
        ErrorCode::GiftCodeTaken => "この返礼品コードはすでに使われています。",
        ErrorCode::AlreadyPaid => "この寄附は入金済みです。",
        ErrorCode::NotRefundable => "この寄附は返金できる状態ではありません。",
        ErrorCode::VoucherPartlySpent => "商品券が一部使われているため返金できません。",
        ErrorCode::MonthNotClosed => "終わっていない月は精算できません。",
        ErrorCode::AlreadySettled => "この月は精算済みです。",
        ErrorCode::EmailTaken => "このメールアドレスはすでに登録されています。",
        _ => return None,
    })
}

/// A staff member at the console, with what a page needs to answer.
pub struct Console(AtDesk);
desk::visitor!(Console, &DOOR);

impl Console {
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Whether this login may change things (admin), as every page shows its forms.
    pub fn may_change(&self) -> bool {
        self.desk.role.is_admin()
    }

    /// The check before every write: the form's CSRF token, then the role, on the server.
    /// Answers the acting staff member's id.
    pub fn change(&self, csrf_token: &str) -> Result<String> {
        self.check_form(csrf_token)?;
        if !self.may_change() {
            return Err(read_only());
        }
        Ok(self.desk.user_id.clone())
    }

    /// Downloads of donors' personal data are for staff who may act on them.
    pub fn may_export_personal_data(&self) -> Result<()> {
        personal_data_export(self.desk.role)
    }

    /// Reads through the store on the blocking pool.
    pub async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T> + Send + 'static,
    {
        self.state.db.run(f).await
    }

    /// Runs one of the API's writes in its transaction, with the service's settings at hand.
    pub async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, &Settings) -> Result<T> + Send + 'static,
    {
        let settings = self.state.settings.clone();
        self.state.db.write(move |c| f(c, &settings)).await
    }

    /// A write that changes what the public catalogue shows: its cache is dropped after it.
    pub async fn write_catalogue<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection, &Settings) -> Result<T> + Send + 'static,
    {
        let written = self.write(f).await?;
        self.state.catalogue_cache.invalidate();
        Ok(written)
    }

    /// The login a form names, checked and hashed (argon2 is CPU work: on the blocking pool).
    async fn prepare_login(&self, form: &registers::BusinessForm) -> Result<NewLogin> {
        let settings = self.state.settings.clone();
        let (email, password) = (form.email.clone(), form.password.clone());
        web::block(move || NewLogin::prepare(&settings, &email, &password)).await?
    }

    /// A console page, with the role and the navigation.
    pub fn render(
        &self,
        status: StatusCode,
        template: &str,
        ctx: minijinja::Value,
    ) -> HttpResponse {
        self.page().render(
            status,
            template,
            context! {
                staff => true,
                may_change => self.may_change(),
                role_label => if self.may_change() { "管理者" } else { "閲覧専用" },
                ..ctx
            },
        )
    }

    pub fn ok(&self, template: &str, ctx: minijinja::Value) -> HttpResponse {
        self.render(StatusCode::OK, template, ctx)
    }

    /// What a table page's query asks of its download: `?format=csv` (and `charset=shift_jis`).
    pub fn download(&self) -> Result<Download> {
        web::Query::<Download>::from_query(self.req.query_string())
            .map(web::Query::into_inner)
            .map_err(|e| {
                Error::rejected(
                    ErrorCode::InvalidQuery,
                    format!("Invalid query string: {e}"),
                )
            })
    }

    /// A table as CSV for Excel from its `columns`, in the charset asked for.
    pub fn csv_table<T>(
        &self,
        columns: &[Column<T>],
        rows: &[T],
        download: &Download,
        file: &str,
    ) -> Result<HttpResponse> {
        let headers: Vec<&str> = columns.iter().map(|(header, _)| *header).collect();
        let cells = rows.iter().map(|row| {
            columns
                .iter()
                .map(|(_, cell)| cell(row))
                .collect::<Vec<_>>()
        });
        Ok(self.csv(excel_csv(&headers, cells)?, download.charset, file))
    }

    /// A table as CSV for Excel in the charset asked for (`?charset=shift_jis`).
    pub fn csv(
        &self,
        utf8_with_bom: Vec<u8>,
        charset: Option<CsvCharset>,
        file: &str,
    ) -> HttpResponse {
        let charset = CsvCharset::of(&self.req, charset);
        csv_download(utf8_with_bom, charset, file)
    }
}

/// A column of a table's CSV: its header, and its cell of a row.
pub type Column<T> = (&'static str, fn(&T) -> String);

/// A yes-or-no cell, as staff mark it on paper.
pub fn yes(b: bool) -> String {
    if b { "○" } else { "" }.to_owned()
}

/// After a form: on to `path`, which says what was done (`?done=`).
pub fn see_other_done(path: &str, done: &str) -> HttpResponse {
    see_other(&format!("{path}?done={done}"))
}

/// A form sent as `multipart/form-data` (a file upload): its text fields and its one file.
#[derive(Default)]
pub struct Upload {
    fields: BTreeMap<String, String>,
    pub file_name: Option<String>,
    pub file: Option<web::Bytes>,
}

impl Upload {
    /// Reads the parts; the file (the part named `file`) may be at most `limit` bytes.
    pub async fn read(mut parts: actix_multipart::Multipart, limit: usize) -> Result<Upload> {
        use futures_util::StreamExt;
        let unreadable = || Error::field("file", "the upload could not be read");
        let mut upload = Upload::default();
        while let Some(part) = parts.next().await {
            let mut field = part.map_err(|_| unreadable())?;
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field
                .content_disposition()
                .and_then(|d| d.get_filename())
                .map(str::to_owned);
            let bytes = field
                .bytes(limit)
                .await
                .map_err(|_| {
                    Error::rejected(
                        ErrorCode::PayloadTooLarge,
                        format!("The file may be at most {limit} bytes."),
                    )
                })?
                .map_err(|_| unreadable())?;
            if name == "file" {
                upload.file_name = file_name;
                upload.file = Some(bytes);
            } else {
                let text = String::from_utf8_lossy(&bytes).trim().to_owned();
                upload.fields.insert(name, text);
            }
        }
        Ok(upload)
    }

    pub fn text(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

/// A refusal as the console shows it: its words, the API's message and code.
pub fn refused(error: &Error) -> minijinja::Value {
    desk::refused(error, &DOOR)
}

/// The CSV side of a table page: `?format=csv` (and `charset=shift_jis` for CP932).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Download {
    pub format: Option<String>,
    pub charset: Option<CsvCharset>,
}

impl Download {
    pub fn wants_csv(&self) -> bool {
        self.format.as_deref() == Some("csv")
    }
}

/// A fiscal year typed in a form (its starting year, `2025`).
pub fn fiscal_year_field(text: &str) -> Result<FiscalYear> {
    let year = text
        .trim()
        .parse()
        .map_err(|_| Error::field("fiscal_year", "must be a year, e.g. 2025"))?;
    crate::reports::routes::fiscal_year(year)
}

/// The fiscal year a query asks for: this one when it names none.
pub fn asked_fiscal_year(value: &Option<String>) -> Result<FiscalYear> {
    match given(value) {
        Some(year) => fiscal_year_field(year),
        None => Ok(FiscalYear::of(japan_today())),
    }
}

// ---- sign-in -------------------------------------------------------------------------------

async fn logout(console: Console, form: Form<csrf::TokenOnly>) -> HttpResponse {
    console.logout(&form).await
}

pub fn services(cfg: &mut web::ServiceConfig) {
    cfg.route(
        "/console",
        web::get().to(|| async { see_other("/console/") }),
    )
    .configure(|cfg| desk::login_routes(cfg, &DOOR))
    .route("/console/logout", web::post().to(logout))
    .configure(dashboard::services)
    .configure(gifts::services)
    .configure(registers::services)
    .configure(donations::services)
    .configure(imports::services)
    .configure(vouchers::services)
    .configure(operations::services)
    .configure(costs::services)
    .configure(one_stop_notices::services);
}
