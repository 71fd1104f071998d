//! The cost ledger at the console: the fiscal year against the 50% rule (the API's
//! `costs::report::build`), its entries, a cost entered by hand and an entry reversed (the API's
//! `costs::entries::{add, reverse}`), and the table as CSV.

use actix_web::{web, HttpResponse};
use minijinja::context;
use serde::Deserialize;

use super::{date_field, given, Console, Download};
use crate::costs::types::NewCostEntry;
use crate::costs::{entries, report};

/// A ratio for the page: `-` without donations.
fn percent(bp: Option<u32>) -> String {
    report::percent_of(bp).unwrap_or_else(|| "-".to_owned())
}
use crate::domain::calendar::{japan_today, FiscalYear};
use crate::domain::cost::{CostCategory, CostSource};
use crate::error::{Error, Result};
use crate::http::Paging;
use crate::reports::routes::fiscal_year;
use crate::web::render::see_other;

#[derive(Deserialize)]
struct YearQuery {
    #[serde(default)]
    fiscal_year: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

fn year_of(q: &Option<String>) -> Result<FiscalYear> {
    match given(q) {
        None => Ok(FiscalYear::of(japan_today())),
        Some(y) => fiscal_year(
            y.parse()
                .map_err(|_| Error::field("fiscal_year", "must be a year, e.g. 2025"))?,
        ),
    }
}

async fn page(
    console: Console,
    q: web::Query<YearQuery>,
    download: web::Query<Download>,
) -> HttpResponse {
    let outcome = async {
        let fy = year_of(&q.fiscal_year)?;
        let settings = console.state().settings.clone();
        let r = console
            .read(move |c| report::build(c, &settings, fy, japan_today()))
            .await?;
        if download.wants_csv() {
            let file = format!("cost-report-FY{}.csv", fy.year());
            return Ok(console.csv(report::csv(&r)?, download.charset, &file));
        }
        let paging = Paging::from_query(Some(1), Some(100))?;
        let ledger = console
            .read(move |c| entries::list(c, fy, None, paging))
            .await?;
        let lines: Vec<minijinja::Value> = r
            .categories
            .iter()
            .map(|c| context! { c => c, ratio => percent(c.ratio_basis_points) })
            .collect();
        let categories: Vec<(&str, &str)> = CostCategory::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect();
        Ok(console.ok(
            "console/costs.html",
            context! {
                r => &r, lines, categories,
                entries => ledger.items.iter().map(|e| context! {
                    e => e,
                    category => e.category.label(),
                    source => e.source.label(),
                    reversible => e.source == CostSource::Manual && e.reverses_id.is_none(),
                }).collect::<Vec<_>>(),
                entries_total => ledger.total,
                total_ratio => percent(r.total_ratio_basis_points),
                gift_ratio => percent(r.gift_ratio_basis_points),
                link => format!("fiscal_year={}", fy.year()),
                done => given(&q.done),
            },
        ))
    }
    .await;
    console.answer(outcome)
}

/// A cost entered by hand, as typed.
#[derive(Deserialize)]
struct CostForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    booked_on: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    note: String,
}

async fn add(console: Console, form: crate::http::Form<CostForm>) -> HttpResponse {
    let outcome = async {
        let actor = console.change(&form.csrf_token)?;
        let booked_on = date_field("booked_on", form.booked_on.trim())?;
        let category = CostCategory::parse(&form.category)
            .ok_or_else(|| Error::field("category", "choose a category"))?;
        let amount = form
            .amount
            .trim()
            .replace(',', "")
            .parse()
            .map_err(|_| Error::field("amount", "must be a whole number of yen"))?;
        let entry = NewCostEntry {
            booked_on,
            category,
            amount,
            channel: None,
            gift_id: None,
            vendor_id: None,
            note: form.note.clone(),
        };
        console
            .state()
            .db
            .write(move |c| entries::add(c, &actor, entry))
            .await?;
        let fy = FiscalYear::of(booked_on).year();
        Ok(see_other(&format!(
            "/console/costs?fiscal_year={fy}&done=added"
        )))
    }
    .await;
    console.answer(outcome)
}

#[derive(Deserialize)]
struct ReverseForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    note: String,
}

async fn reverse(
    console: Console,
    id: web::Path<String>,
    form: crate::http::Form<ReverseForm>,
) -> HttpResponse {
    let outcome = async {
        let actor = console.change(&form.csrf_token)?;
        let (id, note) = (id.into_inner(), form.note.clone());
        let reversal = console
            .state()
            .db
            .write(move |c| entries::reverse(c, &actor, &id, &note))
            .await?;
        let fy = FiscalYear::of(reversal.booked_on).year();
        Ok(see_other(&format!(
            "/console/costs?fiscal_year={fy}&done=reversed"
        )))
    }
    .await;
    console.answer(outcome)
}

pub fn services(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/costs", web::get().to(page))
        .route("/console/costs", web::post().to(add))
        .route("/console/costs/{id}/reversal", web::post().to(reverse));
}
