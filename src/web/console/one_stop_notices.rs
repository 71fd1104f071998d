//! The one-stop notices (申告特例通知書) to print: one notice per home municipality, each on its
//! own page, read through the same `one_stop::notices` as the staff API; the table downloads as
//! the API's CSV. A read-only login sees and prints the page (as it does a receipt) but takes no
//! file away.

use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::Console;
use crate::domain::calendar::{japan_date, japan_today, notice_tax_year, wareki_date, wareki_year};
use crate::error::{Error, Result};
use crate::one_stop::notice_routes::{csv_file_name, notices_csv};
use crate::one_stop::notices::{self, NoticeMunicipality, Notices};
use crate::web::forms::given;

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
struct NoticeQuery {
    #[serde(default)]
    tax_year: Option<String>,
    #[serde(default)]
    municipality_code: Option<String>,
}

/// One municipality's notice as printed.
#[derive(Serialize)]
struct Sheet {
    code: String,
    prefecture: String,
    name: String,
    donor_count: i64,
    donation_count: i64,
    total_amount: i64,
    donors: Vec<SheetDonor>,
}

// Personal data: no Debug.
#[derive(Serialize)]
struct SheetDonor {
    name: String,
    name_kana: String,
    birth: String,
    postal_code: String,
    address: String,
    donation_count: i64,
    total_amount: i64,
    donations: Vec<SheetDonation>,
}

#[derive(Serialize)]
struct SheetDonation {
    on: String,
    amount: i64,
}

/// A birth date in the Western calendar (birth years reach back before 平成).
fn birth(date: Option<NaiveDate>) -> String {
    date.map(|d| d.format("%Y年%-m月%-d日").to_string())
        .unwrap_or_default()
}

fn sheet(m: NoticeMunicipality) -> Sheet {
    Sheet {
        donation_count: m.donors.iter().map(|d| d.donation_count).sum(),
        donors: m
            .donors
            .into_iter()
            .map(|d| SheetDonor {
                birth: birth(d.birth_date),
                address: format!("{}{}{}", d.prefecture, d.city, d.address_line),
                donations: d
                    .donations
                    .iter()
                    .map(|g| SheetDonation {
                        on: wareki_date(g.received_on),
                        amount: g.amount,
                    })
                    .collect(),
                name: d.name,
                name_kana: d.name_kana,
                postal_code: d.postal_code,
                donation_count: d.donation_count,
                total_amount: d.total_amount,
            })
            .collect(),
        code: m.code,
        prefecture: m.prefecture,
        name: m.name,
        donor_count: m.donor_count,
        total_amount: m.total_amount,
    }
}

fn tax_year_of(typed: Option<&str>) -> Result<i32> {
    let year = match typed {
        Some(y) => y
            .parse::<i32>()
            .map_err(|_| Error::field("tax_year", "must be a year like 2025"))?,
        None => notice_tax_year(japan_today()),
    };
    crate::donations::one_stop::check_tax_year(year)
}

async fn notices_page(console: Console, query: web::Query<NoticeQuery>) -> HttpResponse {
    let q = query.into_inner();
    let outcome = async {
        let download = console.download()?;
        let tax_year = tax_year_of(given(&q.tax_year))?;
        let municipality = given(&q.municipality_code)
            .map(notices::notice_municipality)
            .transpose()?;
        if download.wants_csv() {
            console.may_export_personal_data()?;
        }
        let found: Notices =
            notices::read(&console.state().db, tax_year, municipality.as_ref()).await?;
        let code = municipality.as_ref().map(|c| c.as_str().to_owned());
        if download.wants_csv() {
            let file = csv_file_name(tax_year, code.as_deref());
            return Ok(console.csv(notices_csv(&found)?, download.charset, &file));
        }
        let link = serde_urlencoded::to_string(NoticeQuery {
            tax_year: Some(tax_year.to_string()),
            municipality_code: code.clone(),
        })
        .unwrap_or_default();
        let generated_on = wareki_date(japan_date(found.generated_at));
        Ok(console.ok(
            "console/one_stop_notices.html",
            context! {
                tax_year,
                year_label => wareki_year(tax_year),
                deadline => wareki_date(found.deadline),
                generated_on,
                municipality_code => code.unwrap_or_default(),
                municipality_count => found.municipalities.len(),
                donor_count => found.donor_count,
                total_amount => found.total_amount,
                sheets => found.municipalities.into_iter().map(sheet).collect::<Vec<_>>(),
                link,
            },
        ))
    }
    .await;
    console.answer(outcome)
}

pub fn services(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/one-stop/notices", web::get().to(notices_page));
}
