//! The registers staff keep beside the catalogue: businesses (vendors and partners),
//! organisations for support donations, usage purposes (使い道) and the yearly targets. Lists,
//! CSV, and the API's writes (add, deactivate, set a target).

use actix_web::{web, HttpResponse};
use minijinja::context;
use serde::Deserialize;

use super::{given, see_other_done, Console, Download};
use crate::catalogue::named_items::{self, NamedList};
use crate::catalogue::store::{self, BusinessList};
use crate::catalogue::types::{NamedItemRequest, NewBusinessRequest};
use crate::error::{Error, Result};
use crate::http::excel_csv;
use crate::reports::{build, routes as report_rules, targets};
use crate::vouchers::partners::{self, NewLogin};

#[derive(Deserialize)]
struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

fn done_words(done: &Option<String>) -> Option<&'static str> {
    given(done).map(|d| match d {
        "added" => "追加しました。",
        "deactivated" => "受付を終了しました。",
        "target" => "目標額を設定しました。",
        "login" => "ログインを登録しました。ようこそメールを送ります。",
        _ => "保存しました。",
    })
}

fn yes(b: bool) -> String {
    if b { "○" } else { "" }.to_owned()
}

async fn businesses(
    console: Console,
    q: web::Query<DoneQuery>,
    download: web::Query<Download>,
) -> HttpResponse {
    let outcome = async {
        let (items, total) = console
            .read(|c| store::list_businesses(c, BusinessList::All, 0, i64::MAX))
            .await?;
        if download.wants_csv() {
            let body = excel_csv(
                &[
                    "事業者ID",
                    "名称",
                    "返礼品事業者",
                    "加盟店",
                    "メール",
                    "電話",
                    "住所",
                    "有効",
                ],
                items.iter().map(|b| {
                    vec![
                        b.id.clone(),
                        b.name.clone(),
                        yes(b.is_vendor),
                        yes(b.is_partner),
                        b.contact_email.clone().unwrap_or_default(),
                        b.contact_phone.clone().unwrap_or_default(),
                        b.address.clone().unwrap_or_default(),
                        yes(b.active),
                    ]
                }),
            )?;
            return Ok(console.csv(body, download.charset, "businesses.csv"));
        }
        Ok(console.ok(
            "console/businesses.html",
            context! { items, total, done => done_words(&q.done) },
        ))
    }
    .await;
    console.answer(outcome)
}

#[derive(Deserialize)]
struct BusinessForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    is_vendor: Option<String>,
    #[serde(default)]
    is_partner: Option<String>,
    #[serde(default)]
    contact_email: String,
    #[serde(default)]
    contact_phone: String,
    #[serde(default)]
    address: String,
}

/// A business (vendor, partner or both) without a login (the API's `create_business`).
async fn add_business(console: Console, form: crate::http::Form<BusinessForm>) -> HttpResponse {
    let f = form.into_inner();
    let outcome = async {
        let actor = console.change(&f.csrf_token)?;
        let optional = |t: &str| Some(t.trim().to_owned()).filter(|t| !t.is_empty());
        let request = NewBusinessRequest {
            name: f.name.clone(),
            is_vendor: f.is_vendor.is_some(),
            is_partner: f.is_partner.is_some(),
            contact_email: optional(&f.contact_email),
            contact_phone: optional(&f.contact_phone),
            address: optional(&f.address),
            login: None,
        };
        let settings = console.state().settings.clone();
        console
            .state()
            .db
            .write(move |c| partners::create_business(c, &settings, &actor, request, None))
            .await?;
        console.state().catalogue_cache.invalidate();
        Ok(see_other_done("/console/businesses", "added"))
    }
    .await;
    console.answer(outcome)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// A login for a vendor's order desk (the API's `create_vendor_login`, welcome email queued).
async fn add_vendor_login(
    console: Console,
    id: web::Path<String>,
    form: crate::http::Form<LoginForm>,
) -> HttpResponse {
    let (vendor_id, f) = (id.into_inner(), form.into_inner());
    let outcome = async {
        let actor = console.change(&f.csrf_token)?;
        let settings = console.state().settings.clone();
        let s = settings.clone();
        // argon2 is CPU work: on the blocking pool.
        let login = web::block(move || NewLogin::prepare(&s, &f.email, &f.password)).await??;
        console
            .state()
            .db
            .write(move |c| partners::create_vendor_login(c, &settings, &actor, &vendor_id, login))
            .await?;
        Ok(see_other_done("/console/businesses", "login"))
    }
    .await;
    console.answer(outcome)
}

fn list_of(kind: &str) -> Result<(NamedList, &'static str)> {
    match kind {
        "organizations" => Ok((NamedList::Organizations, "応援先の団体")),
        "purposes" => Ok((NamedList::Purposes, "寄附の使い道")),
        _ => Err(Error::rejected(
            crate::error::ErrorCode::RouteNotFound,
            "No such list.",
        )),
    }
}

async fn named(
    console: Console,
    kind: web::Path<String>,
    q: web::Query<DoneQuery>,
    download: web::Query<Download>,
) -> HttpResponse {
    let outcome = async {
        let (list, title) = list_of(&kind)?;
        let (items, total) = console.read(move |c| list.list(c, false, 0, i64::MAX)).await?;
        if download.wants_csv() {
            let body = excel_csv(
                &["ID", "名称", "説明", "受付中"],
                items.iter().map(|i| vec![i.id.clone(), i.name.clone(), i.description.clone(), yes(i.active)]),
            )?;
            return Ok(console.csv(body, download.charset, &format!("{kind}.csv")));
        }
        Ok(console.ok(
            "console/named.html",
            context! { items, total, title, kind => kind.as_str(), done => done_words(&q.done), form => context!{ name => "", description => "" } },
        ))
    }
    .await;
    console.answer(outcome)
}

#[derive(Deserialize)]
struct NamedForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

async fn add_named(
    console: Console,
    kind: web::Path<String>,
    form: crate::http::Form<NamedForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let outcome = async {
        let (list, _) = list_of(&kind)?;
        let actor = console.change(&form.csrf_token)?;
        let request = named_items::check(NamedItemRequest {
            name: form.name.clone(),
            description: form.description.clone(),
        })?;
        console
            .state()
            .db
            .write(move |c| named_items::create(c, list, &actor, request))
            .await?;
        Ok(see_other_done(&format!("/console/{kind}"), "added"))
    }
    .await;
    console.answer(outcome)
}

async fn deactivate_named(
    console: Console,
    path: web::Path<(String, String)>,
    form: crate::http::Form<crate::web::csrf::TokenOnly>,
) -> HttpResponse {
    let (kind, id) = path.into_inner();
    let outcome = async {
        let (list, _) = list_of(&kind)?;
        let actor = console.change(&form.csrf_token)?;
        console
            .state()
            .db
            .write(move |c| named_items::deactivate(c, list, &actor, &id))
            .await?;
        Ok(see_other_done(&format!("/console/{kind}"), "deactivated"))
    }
    .await;
    console.answer(outcome)
}

async fn target_list(
    console: Console,
    q: web::Query<DoneQuery>,
    download: web::Query<Download>,
) -> HttpResponse {
    let outcome = async {
        let settings = console.state().settings.clone();
        let list = console.read(move |c| build::targets(c, &settings)).await?;
        if download.wants_csv() {
            let body = excel_csv(
                &["年度", "目標額", "設定元"],
                list.items.iter().map(|t| {
                    vec![
                        t.label.clone(),
                        t.amount.to_string(),
                        match t.source {
                            crate::reports::types::TargetSource::Set => "設定",
                            crate::reports::types::TargetSource::Default => "既定",
                        }
                        .to_owned(),
                    ]
                }),
            )?;
            return Ok(console.csv(body, download.charset, "targets.csv"));
        }
        Ok(console.ok(
            "console/targets.html",
            context! { items => list.items, done => done_words(&q.done) },
        ))
    }
    .await;
    console.answer(outcome)
}

#[derive(Deserialize)]
struct TargetForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    fiscal_year: String,
    #[serde(default)]
    amount: String,
}

async fn set_target(console: Console, form: crate::http::Form<TargetForm>) -> HttpResponse {
    let outcome = async {
        let actor = console.change(&form.csrf_token)?;
        let year: i32 = form
            .fiscal_year
            .trim()
            .parse()
            .map_err(|_| Error::field("fiscal_year", "must be a year, e.g. 2025"))?;
        let fy = report_rules::fiscal_year(year)?;
        let amount: i64 = form
            .amount
            .trim()
            .replace(',', "")
            .parse()
            .map_err(|_| Error::field("amount", "must be a whole number of yen"))?;
        let amount = targets::check_amount(amount)?;
        let default = console.state().settings.default_target(fy.year());
        console
            .state()
            .db
            .write(move |c| targets::set(c, &actor, fy, amount, default))
            .await?;
        Ok(see_other_done("/console/targets", "target"))
    }
    .await;
    console.answer(outcome)
}

pub fn services(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/businesses", web::get().to(businesses))
        .route("/console/businesses", web::post().to(add_business))
        .route(
            "/console/businesses/{id}/vendor-logins",
            web::post().to(add_vendor_login),
        )
        .route("/console/targets", web::get().to(target_list))
        .route("/console/targets", web::post().to(set_target))
        .route(
            "/console/{kind:organizations|purposes}",
            web::get().to(named),
        )
        .route(
            "/console/{kind:organizations|purposes}",
            web::post().to(add_named),
        )
        .route(
            "/console/{kind:organizations|purposes}/{id}/deactivate",
            web::post().to(deactivate_named),
        );
}
