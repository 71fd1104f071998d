//! The registers staff keep beside the catalogue: businesses (vendors and partners),
//! organisations for support donations, usage purposes (使い道) and the yearly targets. Lists,
//! CSV, and the API's writes (add, deactivate, set a target).

use actix_web::{web, HttpResponse};
use minijinja::context;
use serde::Deserialize;

use super::{fiscal_year_field, see_other_done, yes, Column, Console};
use crate::catalogue::named_items::{self, NamedList};
use crate::catalogue::store::{self, BusinessList};
use crate::catalogue::types::{
    Business, NamedItem, NamedItemRequest, NewBusinessRequest, NewPartnerRequest,
};
use crate::error::{Error, Result};
use crate::http::Form;
use crate::reports::types::{Target, TargetSource};
use crate::reports::{build, targets};
use crate::vouchers::partners;
use crate::web::csrf::TokenOnly;
use crate::web::forms::{given, optional, whole_yen};

#[derive(Deserialize)]
struct DoneQuery {
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

/// The businesses' CSV.
const BUSINESS_COLUMNS: &[Column<Business>] = &[
    ("事業者ID", |b| b.id.clone()),
    ("名称", |b| b.name.clone()),
    ("返礼品事業者", |b| yes(b.is_vendor)),
    ("加盟店", |b| yes(b.is_partner)),
    ("メール", |b| b.contact_email.clone().unwrap_or_default()),
    ("電話", |b| b.contact_phone.clone().unwrap_or_default()),
    ("住所", |b| b.address.clone().unwrap_or_default()),
    ("有効", |b| yes(b.active)),
];

/// The CSV of organisations or usage purposes.
const NAMED_COLUMNS: &[Column<NamedItem>] = &[
    ("ID", |i| i.id.clone()),
    ("名称", |i| i.name.clone()),
    ("説明", |i| i.description.clone()),
    ("受付中", |i| yes(i.active)),
];

/// The targets' CSV.
const TARGET_COLUMNS: &[Column<Target>] = &[
    ("年度", |t| t.label.clone()),
    ("目標額", |t| t.amount.to_string()),
    ("設定元", |t| match t.source {
        TargetSource::Set => "設定".to_owned(),
        TargetSource::Default => "既定".to_owned(),
    }),
];

async fn businesses(console: Console, q: web::Query<DoneQuery>) -> HttpResponse {
    let done = done_words(&q.done);
    business_register(
        console,
        BusinessList::All,
        BUSINESS_COLUMNS,
        "businesses",
        done,
    )
    .await
}

/// A register of businesses (all of them, or the partner shops), named `register`: its CSV
/// when a download is asked for, else its page saying `done`.
pub(super) async fn business_register(
    console: Console,
    list: BusinessList,
    columns: &[Column<Business>],
    register: &str,
    done: Option<&str>,
) -> HttpResponse {
    let outcome = async {
        let download = console.download()?;
        let (items, total) = console
            .read(move |c| store::list_businesses(c, list, 0, i64::MAX))
            .await?;
        if download.wants_csv() {
            return console.csv_table(columns, &items, &download, &format!("{register}.csv"));
        }
        let page = format!("console/{register}.html");
        Ok(console.ok(&page, context! { items, total, done }))
    }
    .await;
    console.answer(outcome)
}

/// A business as the console's forms type it: the businesses page (no login), a vendor's login,
/// the partners page (a shop and its till login). Each form sends the fields it shows.
#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct BusinessForm {
    pub csrf_token: String,
    name: String,
    is_vendor: Option<String>,
    is_partner: Option<String>,
    contact_email: String,
    contact_phone: String,
    address: String,
    pub email: String,
    pub password: String,
}

impl BusinessForm {
    fn business(&self) -> NewBusinessRequest {
        NewBusinessRequest {
            name: self.name.clone(),
            is_vendor: self.is_vendor.is_some(),
            is_partner: self.is_partner.is_some(),
            contact_email: optional(&self.contact_email),
            contact_phone: optional(&self.contact_phone),
            address: optional(&self.address),
            login: None,
        }
    }

    pub(super) fn partner(&self) -> NewPartnerRequest {
        NewPartnerRequest {
            name: self.name.clone(),
            email: self.email.clone(),
            password: self.password.clone(),
            contact_phone: optional(&self.contact_phone),
            address: optional(&self.address),
        }
    }
}

/// A business (vendor, partner or both) without a login (the API's `create_business`).
async fn add_business(console: Console, form: Form<BusinessForm>) -> HttpResponse {
    let outcome = async {
        let actor = console.change(&form.csrf_token)?;
        let request = form.business();
        console
            .write_catalogue(move |c, settings| {
                partners::create_business(c, settings, &actor, request, None)
            })
            .await?;
        Ok(see_other_done("/console/businesses", "added"))
    }
    .await;
    console.answer(outcome)
}

/// A login for a vendor's order desk (the API's `create_vendor_login`, welcome email queued).
async fn add_vendor_login(
    console: Console,
    id: web::Path<String>,
    form: Form<BusinessForm>,
) -> HttpResponse {
    let vendor_id = id.into_inner();
    let outcome = async {
        let actor = console.change(&form.csrf_token)?;
        let login = console.prepare_login(&form).await?;
        console
            .write(move |c, settings| {
                partners::create_vendor_login(c, settings, &actor, &vendor_id, login)
            })
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
) -> HttpResponse {
    let outcome = async {
        let download = console.download()?;
        let (list, title) = list_of(&kind)?;
        let (items, total) = console.read(move |c| list.list(c, false, 0, i64::MAX)).await?;
        if download.wants_csv() {
            return console.csv_table(NAMED_COLUMNS, &items, &download, &format!("{kind}.csv"));
        }
        Ok(console.ok(
            "console/named.html",
            context! { items, total, title, kind => kind.as_str(), done => done_words(&q.done), form => context!{ name => "", description => "" } },
        ))
    }
    .await;
    console.answer(outcome)
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct NamedForm {
    csrf_token: String,
    name: String,
    description: String,
}

async fn add_named(
    console: Console,
    kind: web::Path<String>,
    form: Form<NamedForm>,
) -> HttpResponse {
    let outcome = async {
        let (list, _) = list_of(&kind)?;
        let actor = console.change(&form.csrf_token)?;
        let request = named_items::check(NamedItemRequest {
            name: form.name.clone(),
            description: form.description.clone(),
        })?;
        console
            .write(move |c, _| named_items::create(c, list, &actor, request))
            .await?;
        Ok(see_other_done(&format!("/console/{kind}"), "added"))
    }
    .await;
    console.answer(outcome)
}

async fn deactivate_named(
    console: Console,
    path: web::Path<(String, String)>,
    form: Form<TokenOnly>,
) -> HttpResponse {
    let (kind, id) = path.into_inner();
    let outcome = async {
        let (list, _) = list_of(&kind)?;
        let actor = console.change(&form.csrf_token)?;
        console
            .write(move |c, _| named_items::deactivate(c, list, &actor, &id))
            .await?;
        Ok(see_other_done(&format!("/console/{kind}"), "deactivated"))
    }
    .await;
    console.answer(outcome)
}

async fn target_list(console: Console, q: web::Query<DoneQuery>) -> HttpResponse {
    let outcome = async {
        let download = console.download()?;
        let settings = console.state().settings.clone();
        let list = console.read(move |c| build::targets(c, &settings)).await?;
        if download.wants_csv() {
            return console.csv_table(TARGET_COLUMNS, &list.items, &download, "targets.csv");
        }
        Ok(console.ok(
            "console/targets.html",
            context! { items => list.items, done => done_words(&q.done) },
        ))
    }
    .await;
    console.answer(outcome)
}

#[derive(Default, Deserialize)]
#[serde(default)]
struct TargetForm {
    csrf_token: String,
    fiscal_year: String,
    amount: String,
}

async fn set_target(console: Console, form: Form<TargetForm>) -> HttpResponse {
    let outcome = async {
        let actor = console.change(&form.csrf_token)?;
        let fy = fiscal_year_field(&form.fiscal_year)?;
        let amount = targets::check_amount(whole_yen("amount", &form.amount)?)?;
        let default = console.state().settings.default_target(fy.year());
        console
            .write(move |c, _| targets::set(c, &actor, fy, amount, default))
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
