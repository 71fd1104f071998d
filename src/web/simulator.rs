//! 控除上限額シミュレーション: a GET form (no state, no script) over `domain::deduction`.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::Datelike;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::render::Visit;
use crate::domain::calendar::japan_today;
use crate::domain::deduction::{estimate, Household};
use crate::domain::fields::typed_number;

/// The form as typed: yen amounts may carry commas or full-width digits.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct SimulatorForm {
    salary: String,
    social_insurance: String,
    spouse: Option<String>,
    dependants_general: String,
    dependants_19_to_22: String,
    dependants_70_plus: String,
}

/// A whole number as typed, or the message shown beside its field.
fn amount(text: &str, field: &str, errors: &mut Vec<(String, &'static str)>) -> Option<i64> {
    match typed_number::<i64>(text) {
        Ok(None) => None,
        Ok(Some(n)) if (0..=1_000_000_000).contains(&n) => Some(n),
        _ => {
            errors.push((
                field.to_owned(),
                "0以上の整数（半角・全角の数字）で入力してください",
            ));
            None
        }
    }
}

async fn simulator(visit: Visit, form: web::Query<SimulatorForm>) -> HttpResponse {
    let mut errors = Vec::new();
    let salary = amount(&form.salary, "salary", &mut errors);
    let household = Household {
        year: japan_today().year(),
        salary: salary.unwrap_or(0),
        social_insurance: amount(&form.social_insurance, "social_insurance", &mut errors),
        spouse: form.spouse.is_some(),
        dependants_general: amount(&form.dependants_general, "dependants_general", &mut errors)
            .unwrap_or(0),
        dependants_19_to_22: amount(
            &form.dependants_19_to_22,
            "dependants_19_to_22",
            &mut errors,
        )
        .unwrap_or(0),
        dependants_70_plus: amount(&form.dependants_70_plus, "dependants_70_plus", &mut errors)
            .unwrap_or(0),
    };
    let result = (salary.is_some() && errors.is_empty()).then(|| estimate(&household));
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let errors: std::collections::BTreeMap<_, _> = errors.into_iter().collect();
    visit.page().render(
        status,
        "simulator.html",
        context! { form => &*form, result, errors, year => household.year },
    )
}

pub fn services(cfg: &mut web::ServiceConfig) {
    cfg.route("/simulator", web::get().to(simulator));
}
