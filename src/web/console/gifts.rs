//! The catalogue at the console: gifts with filters, a form to create or change one with the 30%
//! ratio and the wording rule checked as staff type (`/console/gifts/check`, the server's own
//! rule and message) and again on save (`catalogue::gifts::create`/`update`), suspension.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::NaiveDate;
use minijinja::context;
use serde::{Deserialize, Serialize};

use actix_multipart::Multipart;

use super::{refused, see_other_done, Column, Console, Upload};
use crate::catalogue::rule_error;
use crate::catalogue::store::{self, BusinessList};
use crate::catalogue::types::{AdminGift, Business, GiftPatch, NewGiftRequest};
use crate::catalogue::{approval, gifts, images};
use crate::domain::gift::{Category, GiftStatus, GiftTerms};
use crate::domain::gift_approval::{GiftAction, CRITERIA};
use crate::domain::image::ImageFormat;
use crate::domain::FieldError;
use crate::error::{Error, Result};
use crate::http::Form;
use crate::web::csrf::TokenOnly;
use crate::web::forms::{date_field, field_errors, given, optional};
use crate::web::render::status_of;

const PER_PAGE: i64 = 100;

#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(default)]
struct ListQuery {
    status: Option<String>,
    category: Option<String>,
    vendor_id: Option<String>,
    done: Option<String>,
}

/// A gift row with its ratio as staff read it.
#[derive(Serialize)]
struct Line {
    #[serde(flatten)]
    g: AdminGift,
    status_label: &'static str,
    category_label: &'static str,
    ratio: String,
    /// The approval steps open from the gift's state: (action, label).
    actions: Vec<(&'static str, &'static str)>,
}

fn line(g: AdminGift) -> Line {
    let ratio = if g.public.amount > 0 {
        format!(
            "{:.1}%",
            g.procurement_cost as f64 * 100.0 / g.public.amount as f64
        )
    } else {
        "-".to_owned()
    };
    Line {
        actions: GiftAction::available(g.status)
            .into_iter()
            .map(|a| (a.as_str(), a.label()))
            .collect(),
        status_label: g.status.label(),
        category_label: g.public.category.label(),
        ratio,
        g,
    }
}

/// The gifts' CSV.
const GIFT_COLUMNS: &[Column<Line>] = &[
    ("返礼品コード", |l| l.g.public.code.clone()),
    ("名称", |l| l.g.public.name.clone()),
    ("区分", |l| l.category_label.to_owned()),
    ("寄附額", |l| l.g.public.amount.to_string()),
    ("調達費", |l| l.g.procurement_cost.to_string()),
    ("送料", |l| l.g.shipping_cost.to_string()),
    ("返礼率", |l| l.ratio.clone()),
    ("在庫", |l| {
        l.g.stock.map(|s| s.to_string()).unwrap_or_default()
    }),
    ("提供開始", |l| day(l.g.public.available_from)),
    ("提供終了", |l| day(l.g.public.available_until)),
    ("状態", |l| l.status_label.to_owned()),
    ("事業者", |l| l.g.public.vendor.name.clone()),
];

/// An optional date as a form field or a CSV cell shows it: blank without one.
fn day(date: Option<NaiveDate>) -> String {
    date.map(|d| d.to_string()).unwrap_or_default()
}

async fn vendors(console: &Console) -> Result<Vec<Business>> {
    let (all, _) = console
        .read(|c| store::list_businesses(c, BusinessList::All, 0, 1000))
        .await?;
    Ok(all.into_iter().filter(|b| b.is_vendor).collect())
}

fn choices() -> minijinja::Value {
    context! {
        categories => Category::ALL.iter().map(|c| (c.as_str(), c.label())).collect::<Vec<_>>(),
        statuses => GiftStatus::ALL.iter().map(|s| (s.as_str(), s.label())).collect::<Vec<_>>(),
        criteria => CRITERIA
            .iter()
            .map(|(n, label)| (n.to_string(), format!("第{n}号　{label}")))
            .collect::<Vec<_>>(),
    }
}

async fn list(console: Console, query: web::Query<ListQuery>) -> HttpResponse {
    let q = query.into_inner();
    let outcome = async {
        let download = console.download()?;
        let status = given(&q.status)
            .map(|s| GiftStatus::parse(s).ok_or_else(|| Error::field("status", "unknown status")))
            .transpose()?;
        let category = given(&q.category)
            .map(|s| Category::parse(s).ok_or_else(|| Error::field("category", "unknown category")))
            .transpose()?;
        let vendor = given(&q.vendor_id).map(str::to_owned);
        let limit = if download.wants_csv() {
            i64::MAX
        } else {
            PER_PAGE
        };
        let (rows, total) = console
            .read(move |c| store::admin_gifts(c, status, category, vendor.as_deref(), 0, limit))
            .await?;
        let lines: Vec<Line> = rows.iter().map(|(g, v)| line(g.admin(v))).collect();
        if download.wants_csv() {
            return console.csv_table(GIFT_COLUMNS, &lines, &download, "gifts.csv");
        }
        let link = serde_urlencoded::to_string(ListQuery {
            done: None,
            ..q.clone()
        })
        .unwrap_or_default();
        let done = given(&q.done).map(|_| "保存しました。");
        Ok(console.ok(
            "console/gifts.html",
            context! {
                lines, total, done, link,
                query => &q,
                vendors => vendors(&console).await?,
                ..choices()
            },
        ))
    }
    .await;
    console.answer(outcome)
}

/// The gift form as typed: text, so that a wrong number is named beside its field.
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct GiftForm {
    csrf_token: String,
    code: String,
    name: String,
    description: String,
    category: String,
    amount: String,
    procurement_cost: String,
    shipping_cost: String,
    vendor_id: String,
    stock: String,
    available_from: String,
    available_until: String,
    basis_criterion: String,
    basis_justification: String,
    basis_evidence: String,
    accepts_delivery_window: Option<String>,
}

/// The form's values, typed; every field that does not parse is reported at once.
struct Typed {
    category: Category,
    amount: i64,
    procurement_cost: i64,
    shipping_cost: i64,
    stock: Option<i64>,
    available_from: Option<NaiveDate>,
    available_until: Option<NaiveDate>,
    basis_criterion: Option<i32>,
}

impl GiftForm {
    fn of(g: &AdminGift) -> GiftForm {
        GiftForm {
            csrf_token: String::new(),
            code: g.public.code.clone(),
            name: g.public.name.clone(),
            description: g.public.description.clone(),
            category: g.public.category.as_str().to_owned(),
            amount: g.public.amount.to_string(),
            procurement_cost: g.procurement_cost.to_string(),
            shipping_cost: g.shipping_cost.to_string(),
            vendor_id: g.public.vendor.id.clone(),
            stock: g.stock.map(|s| s.to_string()).unwrap_or_default(),
            available_from: day(g.public.available_from),
            available_until: day(g.public.available_until),
            basis_criterion: g.basis_criterion.map(|c| c.to_string()).unwrap_or_default(),
            basis_justification: g.basis_justification.clone().unwrap_or_default(),
            basis_evidence: g.basis_evidence.clone().unwrap_or_default(),
            accepts_delivery_window: g.public.accepts_delivery_window.then(|| "on".to_owned()),
        }
    }

    fn typed(&self) -> Result<Typed> {
        let mut errors = Vec::new();
        let mut yen = |field: &str, text: &str, required: bool| -> Option<i64> {
            let t = text.trim().replace(',', "");
            if t.is_empty() && !required {
                return None;
            }
            match t.parse::<i64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errors.push(FieldError::new(field, "must be a whole number of yen"));
                    None
                }
            }
        };
        let amount = yen("amount", &self.amount, true);
        let procurement_cost = yen("procurement_cost", &self.procurement_cost, true);
        let shipping_cost = yen("shipping_cost", &self.shipping_cost, false);
        let stock = yen("stock", &self.stock, false);
        let mut day = |field: &str, text: &str| -> Option<NaiveDate> {
            let t = text.trim();
            if t.is_empty() {
                return None;
            }
            match date_field(field, t) {
                Ok(d) => Some(d),
                Err(Error::Validation(fields)) => {
                    errors.extend(fields);
                    None
                }
                Err(_) => None,
            }
        };
        let available_from = day("available_from", &self.available_from);
        let available_until = day("available_until", &self.available_until);
        let category = Category::parse(&self.category);
        if category.is_none() {
            errors.push(FieldError::new("category", "choose a category"));
        }
        let basis_criterion = match self.basis_criterion.trim() {
            "" => None,
            n => {
                let parsed = n.parse::<i32>().ok();
                if parsed.is_none() {
                    errors.push(FieldError::new("basis_criterion", "choose a criterion"));
                }
                parsed
            }
        };
        match (category, amount, procurement_cost) {
            (Some(category), Some(amount), Some(procurement_cost)) if errors.is_empty() => {
                Ok(Typed {
                    category,
                    amount,
                    procurement_cost,
                    shipping_cost: shipping_cost.unwrap_or(0),
                    stock,
                    available_from,
                    available_until,
                    basis_criterion,
                })
            }
            _ => Err(Error::Validation(errors)),
        }
    }

    fn new_gift(&self) -> Result<NewGiftRequest> {
        let t = self.typed()?;
        Ok(NewGiftRequest {
            code: self.code.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            category: t.category,
            amount: t.amount,
            procurement_cost: t.procurement_cost,
            shipping_cost: t.shipping_cost,
            vendor_id: self.vendor_id.clone(),
            stock: t.stock,
            available_from: t.available_from,
            available_until: t.available_until,
            status: None,
            basis_criterion: t.basis_criterion,
            basis_justification: optional(&self.basis_justification),
            basis_evidence: optional(&self.basis_evidence),
            image_url: None,
            accepts_delivery_window: self.accepts_delivery_window.is_some(),
        })
    }

    /// Every field the form shows replaces the gift's (an empty optional field clears it).
    fn patch(&self) -> Result<GiftPatch> {
        let n = self.new_gift()?;
        Ok(GiftPatch {
            code: Some(n.code),
            name: Some(n.name),
            description: Some(n.description),
            category: Some(n.category),
            amount: Some(n.amount),
            procurement_cost: Some(n.procurement_cost),
            shipping_cost: Some(n.shipping_cost),
            vendor_id: Some(n.vendor_id),
            stock: Some(n.stock),
            available_from: Some(n.available_from),
            available_until: Some(n.available_until),
            status: None,
            basis_criterion: Some(n.basis_criterion),
            basis_justification: Some(n.basis_justification),
            basis_evidence: Some(n.basis_evidence),
            image_url: None,
            accepts_delivery_window: Some(n.accepts_delivery_window),
        })
    }
}

async fn form_page(
    console: &Console,
    gift: Option<AdminGift>,
    form: &GiftForm,
    problem: Option<&Error>,
    done: Option<String>,
) -> Result<HttpResponse> {
    let status = problem.map(status_of).unwrap_or(StatusCode::OK);
    Ok(console.render(
        status,
        "console/gift.html",
        context! {
            gift => gift.map(line),
            form, done,
            errors => field_errors(problem),
            problem => problem.map(refused),
            vendors => vendors(console).await?,
            ..choices()
        },
    ))
}

async fn new_gift(console: Console) -> HttpResponse {
    let form = GiftForm {
        category: "product".to_owned(),
        ..GiftForm::default()
    };
    let outcome = form_page(&console, None, &form, None, None).await;
    console.answer(outcome)
}

async fn find(console: &Console, id: String) -> Result<AdminGift> {
    console.read(move |c| gifts::admin_view(c, &id)).await
}

#[derive(Deserialize)]
struct DoneQuery {
    done: Option<String>,
}

async fn edit(console: Console, id: web::Path<String>, q: web::Query<DoneQuery>) -> HttpResponse {
    let outcome = async {
        let gift = find(&console, id.into_inner()).await?;
        let form = GiftForm::of(&gift);
        form_page(&console, Some(gift), &form, None, q.done.clone()).await
    }
    .await;
    console.answer(outcome)
}

/// The gift's page after a change, saying what was done.
fn saved(gift_id: &str, done: &str) -> HttpResponse {
    see_other_done(&format!("/console/gifts/{gift_id}"), done)
}

/// The gift's form again with the refusal: the form as typed, or (`None`) as the gift stands.
async fn refused_form(
    console: &Console,
    id: Option<String>,
    form: Option<&GiftForm>,
    e: Error,
) -> HttpResponse {
    let page = async {
        let gift = match id {
            Some(id) => Some(find(console, id).await?),
            None => None,
        };
        let stands = gift.as_ref().map(GiftForm::of).unwrap_or_default();
        form_page(console, gift, form.unwrap_or(&stands), Some(&e), None).await
    }
    .await;
    console.answer(page)
}

async fn create(console: Console, form: Form<GiftForm>) -> HttpResponse {
    let form = form.into_inner();
    let outcome = async {
        let actor = console.change(&form.csrf_token)?;
        let request = form.new_gift()?;
        console
            .write_catalogue(move |c, settings| gifts::create(c, settings, &actor, request))
            .await
    }
    .await;
    match outcome {
        Ok(g) => saved(&g.public.id, "saved"),
        Err(e) => refused_form(&console, None, Some(&form), e).await,
    }
}

async fn update(console: Console, id: web::Path<String>, form: Form<GiftForm>) -> HttpResponse {
    let (id, form) = (id.into_inner(), form.into_inner());
    let outcome = async {
        let actor = console.change(&form.csrf_token)?;
        let patch = form.patch()?;
        let gift_id = id.clone();
        console
            .write_catalogue(move |c, settings| gifts::update(c, settings, &actor, &gift_id, patch))
            .await
    }
    .await;
    match outcome {
        Ok(g) => saved(&g.public.id, "saved"),
        Err(e) => refused_form(&console, Some(id), Some(&form), e).await,
    }
}

/// A step of the basis approval (the API's `approval::act`), with its note.
#[derive(Default, Deserialize)]
#[serde(default)]
struct ActionForm {
    csrf_token: String,
    action: String,
    note: String,
}

async fn act(console: Console, id: web::Path<String>, form: Form<ActionForm>) -> HttpResponse {
    let id = id.into_inner();
    let outcome = async {
        let actor = console.change(&form.csrf_token)?;
        let action = GiftAction::parse(&form.action)
            .ok_or_else(|| Error::field("action", "unknown action"))?;
        let (note, gift) = (form.note.clone(), id.clone());
        console
            .write_catalogue(move |c, settings| {
                approval::act(c, settings, &actor, &gift, action, &note)
            })
            .await?;
        Ok(saved(&id, action.as_str()))
    }
    .await;
    match outcome {
        Ok(page) => page,
        Err(e) => refused_form(&console, Some(id), None, e).await,
    }
}

/// A picture added to the gift (the API's `images::add`: PNG, JPEG or WebP by content).
async fn add_image(console: Console, id: web::Path<String>, parts: Multipart) -> HttpResponse {
    let gift_id = id.into_inner();
    let limit = console.state().settings.catalogue.image_max_bytes;
    let outcome = async {
        // Read a little past the limit, so that the domain's own check names the limit.
        let upload = Upload::read(parts, limit.saturating_add(1)).await?;
        let actor = console.change(upload.text("csrf_token"))?;
        let body = upload.file.unwrap_or_default();
        let format = ImageFormat::check(&body, limit).map_err(images::image_error)?;
        let gift = gift_id.clone();
        console
            .write_catalogue(move |c, _| images::add(c, &actor, &gift, format, &body))
            .await?;
        Ok(saved(&gift_id, "image"))
    }
    .await;
    console.answer(outcome)
}

async fn remove_image(
    console: Console,
    path: web::Path<(String, String)>,
    form: Form<TokenOnly>,
) -> HttpResponse {
    let (gift_id, image_id) = path.into_inner();
    let outcome = async {
        let actor = console.change(&form.csrf_token)?;
        let gift = gift_id.clone();
        console
            .write_catalogue(move |c, _| images::remove(c, &actor, &gift, &image_id))
            .await?;
        Ok(saved(&gift_id, "image"))
    }
    .await;
    console.answer(outcome)
}

/// The rules as staff type: the same check and message as saving (and the API) would give,
/// without saving. Answers `{ok, code, message, fields}`.
async fn check(console: Console, form: Form<GiftForm>) -> HttpResponse {
    let form = form.into_inner();
    let settings = &console.state().settings;
    let outcome = form.typed().and_then(|t| {
        let terms = GiftTerms {
            code: form.code.trim().to_owned(),
            name: form.name.trim().to_owned(),
            description: form.description.clone(),
            amount: t.amount,
            procurement_cost: t.procurement_cost,
            shipping_cost: t.shipping_cost,
            stock: t.stock,
            available_from: t.available_from,
            available_until: t.available_until,
            image_url: None,
        };
        terms
            .check(&settings.catalogue.prohibited_words)
            .map_err(|e| rule_error(e, t.amount))
    });
    let body = match outcome {
        Ok(()) => serde_json::json!({
            "ok": true,
            "message": "返礼割合（3割以下）と表現のルールを満たしています。",
        }),
        Err(e) => serde_json::json!({
            "ok": false,
            "code": e.code().as_str(),
            "message": crate::web::render::message(&e, crate::web::lang::Lang::Ja),
            "fields": field_errors(Some(&e)),
        }),
    };
    HttpResponse::Ok().json(body)
}

pub fn services(cfg: &mut web::ServiceConfig) {
    cfg.route("/console/gifts", web::get().to(list))
        .route("/console/gifts", web::post().to(create))
        .route("/console/gifts/new", web::get().to(new_gift))
        .route("/console/gifts/check", web::post().to(check))
        .route("/console/gifts/{id}", web::get().to(edit))
        .route("/console/gifts/{id}", web::post().to(update))
        .route("/console/gifts/{id}/actions", web::post().to(act))
        .route("/console/gifts/{id}/images", web::post().to(add_image))
        .route(
            "/console/gifts/{id}/images/{image_id}/remove",
            web::post().to(remove_image),
        );
}
