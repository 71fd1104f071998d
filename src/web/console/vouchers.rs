//! On-site e-vouchers at the console: partner shops and their till logins, the monthly
//! settlement (close a partner's ended month, CSV for accounting), the voucher report.

use actix_web::{web, HttpResponse};
use chrono::Utc;
use minijinja::context;
use serde::Deserialize;

use super::{given, see_other_done, Console, Download};
use crate::catalogue::store::{self, BusinessList};
use crate::catalogue::types::NewPartnerRequest;
use crate::domain::calendar::{japan_today, YearMonth};
use crate::error::Result;
use crate::http::excel_csv;
use crate::vouchers::partners::{self, NewLogin};
use crate::vouchers::routes::parse_month;
use crate::vouchers::{settle, store as voucher_store};

#[derive(Deserialize)]
struct MonthQuery {
    #[serde(default)]
    month: Option<String>,
    #[serde(default)]
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

async fn partners_page(
    console: Console,
    q: web::Query<MonthQuery>,
    download: web::Query<Download>,
) -> HttpResponse {
    let outcome = async {
        let (items, total) = console
            .read(|c| store::list_businesses(c, BusinessList::Partners, 0, i64::MAX))
            .await?;
        if download.wants_csv() {
            let body = excel_csv(
                &["事業者ID", "名称", "電話", "住所", "有効"],
                items.iter().map(|b| {
                    vec![
                        b.id.clone(),
                        b.name.clone(),
                        b.contact_phone.clone().unwrap_or_default(),
                        b.address.clone().unwrap_or_default(),
                        if b.active { "○" } else { "" }.to_owned(),
                    ]
                }),
            )?;
            return Ok(console.csv(body, download.charset, "partners.csv"));
        }
        let done =
            given(&q.done).map(|_| "加盟店とログインを登録しました。ようこそメールを送ります。");
        Ok(console.ok("console/partners.html", context! { items, total, done }))
    }
    .await;
    console.answer(outcome)
}

#[derive(Deserialize)]
struct PartnerForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    address: String,
}

/// A partner shop and its till login in one step (the API's `partners::create_partner`).
async fn add_partner(console: Console, form: crate::http::Form<PartnerForm>) -> HttpResponse {
    let f = form.into_inner();
    let outcome = async {
        let actor = console.change(&f.csrf_token)?;
        let settings = console.state().settings.clone();
        let optional = |t: &str| Some(t.trim().to_owned()).filter(|t| !t.is_empty());
        let request = NewPartnerRequest {
            name: f.name.clone(),
            email: f.email.clone(),
            password: f.password.clone(),
            contact_phone: optional(&f.contact_phone),
            address: optional(&f.address),
        };
        let (s, email, password) = (settings.clone(), f.email.clone(), f.password.clone());
        // argon2 is CPU work: on the blocking pool.
        let login = web::block(move || NewLogin::prepare(&s, &email, &password)).await??;
        console
            .state()
            .db
            .write(move |c| partners::create_partner(c, &settings, &actor, request, login))
            .await?;
        Ok(see_other_done("/console/partners", "added"))
    }
    .await;
    console.answer(outcome)
}

async fn settlements(
    console: Console,
    q: web::Query<MonthQuery>,
    download: web::Query<Download>,
) -> HttpResponse {
    let outcome = async {
        let month = q.month()?;
        let s = console.read(move |c| settle::settlements(c, month)).await?;
        if download.wants_csv() {
            let body = settle::settlements_csv(&s)?;
            return Ok(console.csv(body, download.charset, &format!("settlements-{month}.csv")));
        }
        let ended = crate::domain::voucher::month_closed(month, japan_today());
        let done = given(&q.done).map(|_| "精算済みにしました。");
        Ok(console.ok(
            "console/settlements.html",
            context! { s, ended, done, month => month.to_string() },
        ))
    }
    .await;
    console.answer(outcome)
}

#[derive(Deserialize)]
struct SettleForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    partner_id: String,
    #[serde(default)]
    month: String,
}

async fn settle_month(console: Console, form: crate::http::Form<SettleForm>) -> HttpResponse {
    let f = form.into_inner();
    let outcome = async {
        let actor = console.change(&f.csrf_token)?;
        let month = parse_month(&f.month)?;
        let today = japan_today();
        let partner = f.partner_id.clone();
        console
            .state()
            .db
            .write(move |c| settle::settle_month(c, &actor, &partner, month, today))
            .await?;
        Ok(see_other_done(
            &format!("/console/settlements?month={month}"),
            "settled",
        ))
    }
    .await;
    console.answer(outcome)
}

async fn voucher_report(
    console: Console,
    q: web::Query<MonthQuery>,
    download: web::Query<Download>,
) -> HttpResponse {
    let outcome = async {
        let month = q.month()?;
        let report = console
            .read(move |c| voucher_store::month_report(c, month, Utc::now()))
            .await?;
        if download.wants_csv() {
            let body = settle::voucher_report_csv(&report)?;
            return Ok(console.csv(body, download.charset, &format!("vouchers-{month}.csv")));
        }
        Ok(console.ok(
            "console/voucher_report.html",
            context! { r => report, month => month.to_string() },
        ))
    }
    .await;
    console.answer(outcome)
}

pub fn services(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/partners", web::get().to(partners_page))
        .route("/console/partners", web::post().to(add_partner))
        .route("/console/settlements", web::get().to(settlements))
        .route("/console/settlements", web::post().to(settle_month))
        .route("/console/vouchers", web::get().to(voucher_report));
}
