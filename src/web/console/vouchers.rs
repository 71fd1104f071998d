//! On-site e-vouchers at the console: partner shops and their till logins, the monthly
//! settlement (close a partner's ended month, CSV for accounting), the voucher report.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use minijinja::context;
use serde::Deserialize;

use super::registers::{business_register, BusinessForm};
use super::{see_other_done, yes, Column, Console};
use crate::catalogue::store::BusinessList;
use crate::catalogue::types::Business;
use crate::db::DbConnection;
use crate::domain::calendar::{japan_today, YearMonth};
use crate::domain::voucher::month_closed;
use crate::error::Result;
use crate::http::Form;
use crate::vouchers::partners;
use crate::vouchers::routes::parse_month;
use crate::vouchers::types::{Settlements, VoucherReport};
use crate::vouchers::{settle, store as voucher_store};
use crate::web::forms::given;

#[derive(Deserialize)]
struct MonthQuery {
    month: Option<String>,
    done: Option<String>,
}

impl MonthQuery {
    /// The month asked for; by default the last month that has ended.
    fn month(&self) -> Result<YearMonth> {
        match given(&self.month) {
            Some(m) => parse_month(m),
            None => Ok(YearMonth::of(japan_today()).previous()),
        }
    }
}

/// The partner shops' CSV.
const PARTNER_COLUMNS: &[Column<Business>] = &[
    ("事業者ID", |b| b.id.clone()),
    ("名称", |b| b.name.clone()),
    ("電話", |b| b.contact_phone.clone().unwrap_or_default()),
    ("住所", |b| b.address.clone().unwrap_or_default()),
    ("有効", |b| yes(b.active)),
];

async fn partners_page(console: Console, q: web::Query<MonthQuery>) -> HttpResponse {
    let done = given(&q.done).map(|_| "加盟店とログインを登録しました。ようこそメールを送ります。");
    business_register(
        console,
        BusinessList::Partners,
        PARTNER_COLUMNS,
        "partners",
        done,
    )
    .await
}

/// A partner shop and its till login in one step (the API's `partners::create_partner`).
async fn add_partner(console: Console, form: Form<BusinessForm>) -> HttpResponse {
    let outcome = async {
        let actor = console.change(&form.csrf_token)?;
        let request = form.partner();
        let login = console.prepare_login(&form).await?;
        console
            .write(move |c, settings| partners::create_partner(c, settings, &actor, request, login))
            .await?;
        Ok(see_other_done("/console/partners", "added"))
    }
    .await;
    console.answer(outcome)
}

/// A month's table (the settlements, the voucher report): `read` for the month asked, then its
/// CSV (`{file}-{month}.csv`) when a download is asked for, else the page `show` makes of it.
async fn month_table<T: Send + 'static>(
    console: Console,
    q: &MonthQuery,
    read: fn(&mut DbConnection, YearMonth) -> Result<T>,
    file: &str,
    csv: fn(&T) -> Result<Vec<u8>>,
    show: impl FnOnce(&Console, YearMonth, T) -> HttpResponse,
) -> HttpResponse {
    let outcome = async {
        let download = console.download()?;
        let month = q.month()?;
        let table = console.read(move |c| read(c, month)).await?;
        if download.wants_csv() {
            let file = format!("{file}-{month}.csv");
            return Ok(console.csv(csv(&table)?, download.charset, &file));
        }
        Ok(show(&console, month, table))
    }
    .await;
    console.answer(outcome)
}

async fn settlements(console: Console, q: web::Query<MonthQuery>) -> HttpResponse {
    let done = given(&q.done).map(|_| "精算済みにしました。");
    let show = |console: &Console, month: YearMonth, s: Settlements| {
        let ended = month_closed(month, japan_today());
        console.ok(
            "console/settlements.html",
            context! { s, ended, done, month => month.to_string() },
        )
    };
    let (read, csv) = (settle::settlements, settle::settlements_csv);
    month_table(console, &q, read, "settlements", csv, show).await
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct SettleForm {
    csrf_token: String,
    partner_id: String,
    month: String,
}

async fn settle_month(console: Console, form: Form<SettleForm>) -> HttpResponse {
    let f = form.into_inner();
    let outcome = async {
        let actor = console.change(&f.csrf_token)?;
        let month = parse_month(&f.month)?;
        let today = japan_today();
        let partner = f.partner_id.clone();
        console
            .write(move |c, _| settle::settle_month(c, &actor, &partner, month, today))
            .await?;
        Ok(see_other_done(
            &format!("/console/settlements?month={month}"),
            "settled",
        ))
    }
    .await;
    console.answer(outcome)
}

async fn voucher_report(console: Console, q: web::Query<MonthQuery>) -> HttpResponse {
    let show = |console: &Console, month: YearMonth, r: VoucherReport| {
        console.ok(
            "console/voucher_report.html",
            context! { r, month => month.to_string() },
        )
    };
    let read = |c: &mut DbConnection, month| voucher_store::month_report(c, month, Utc::now());
    let csv = settle::voucher_report_csv;
    month_table(console, &q, read, "vouchers", csv, show).await
}

pub fn services(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/partners", web::get().to(partners_page))
        .route("/console/partners", web::post().to(add_partner))
        .route("/console/settlements", web::get().to(settlements))
        .route("/console/settlements", web::post().to(settle_month))
        .route("/console/vouchers", web::get().to(voucher_report));
}
