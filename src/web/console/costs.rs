//! The cost ledger at the console: the fiscal year against the 50% rule (the API's
//! `costs::report::build`), its entries, a cost entered by hand and an entry reversed (the API's
//! `costs::entries::{add, reverse}`), and the table as CSV.

use actix_web::{web, HttpResponse};
use minijinja::context;
use serde::Deserialize;

use super::{asked_fiscal_year, Console};
use crate::costs::types::NewCostEntry;
use crate::costs::{entries, report};
use crate::domain::calendar::{japan_today, FiscalYear};
use crate::domain::cost::{CostCategory, CostSource};
use crate::error::Error;
use crate::http::{Form, Paging};
use crate::web::forms::{date_field, given, whole_yen};
use crate::web::render::see_other;

/// A ratio for the page: `-` without donations.
fn percent(bp: Option<u32>) -> String {
    report::percent_of(bp).unwrap_or_else(|| "-".to_owned())
}

#[derive(Deserialize)]
struct YearQuery {
    fiscal_year: Option<String>,
    done: Option<String>,
}

async fn page(console: Console, q: web::Query<YearQuery>) -> HttpResponse {
    let outcome = async {
        let download = console.download()?;
        let fy = asked_fiscal_year(&q.fiscal_year)?;
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

/// Back to the ledger of the fiscal year of `booked_on`, saying what was done.
fn to_ledger(booked_on: chrono::NaiveDate, done: &str) -> HttpResponse {
    let fy = FiscalYear::of(booked_on).year();
    see_other(&format!("/console/costs?fiscal_year={fy}&done={done}"))
}

/// A cost entered by hand, as typed.
#[derive(Default, Deserialize)]
#[serde(default)]
struct CostForm {
    csrf_token: String,
    booked_on: String,
    category: String,
    amount: String,
    note: String,
}

async fn add(console: Console, form: Form<CostForm>) -> HttpResponse {
    let outcome = async {
        let actor = console.change(&form.csrf_token)?;
        let entry = NewCostEntry {
            booked_on: date_field("booked_on", &form.booked_on)?,
            category: CostCategory::parse(&form.category)
                .ok_or_else(|| Error::field("category", "choose a category"))?,
            amount: whole_yen("amount", &form.amount)?,
            channel: None,
            gift_id: None,
            vendor_id: None,
            note: form.note.clone(),
        };
        let booked_on = entry.booked_on;
        console
            .write(move |c, _| entries::add(c, &actor, entry))
            .await?;
        Ok(to_ledger(booked_on, "added"))
    }
    .await;
    console.answer(outcome)
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct ReverseForm {
    csrf_token: String,
    note: String,
}

async fn reverse(console: Console, id: web::Path<String>, form: Form<ReverseForm>) -> HttpResponse {
    let outcome = async {
        let actor = console.change(&form.csrf_token)?;
        let (id, note) = (id.into_inner(), form.note.clone());
        let reversal = console
            .write(move |c, _| entries::reverse(c, &actor, &id, &note))
            .await?;
        Ok(to_ledger(reversal.booked_on, "reversed"))
    }
    .await;
    console.answer(outcome)
}

pub fn services(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/costs", web::get().to(page))
        .route("/console/costs", web::post().to(add))
        .route("/console/costs/{id}/reversal", web::post().to(reverse));
}
