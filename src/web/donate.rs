//! Donating from the storefront: the form for each kind of donation, then off to the payment
//! provider; the page after paying; another try after a failed payment; the printable receipt.
//!
//! The form goes through the API's own steps (`donations::create::check`, `create_once`,
//! `routes::for_donor`), so it refuses what the API refuses, with the API's messages, and its
//! hidden Idempotency-Key makes a double tap one donation.

use std::collections::BTreeMap;

use actix_web::cookie::time::Duration as CookieAge;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use minijinja::context;
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::forms::optional;
use super::lang::Lang;
use super::render::{message, private_cookie, see_other, status_of, Visit};
use crate::catalogue::browse;
use crate::catalogue::named_items::NamedList;
use crate::domain::calendar::japan_today;
use crate::domain::delivery::{DeliveryInput, DeliveryWindow, Noshi, NoshiType, RecipientInput};
use crate::domain::donation::{DonationKind, DonationStatus};
use crate::domain::donor::{DonorInput, PREFECTURES};
use crate::domain::fields::typed_number;
use crate::domain::new_donation::NewDonationRequest;
use crate::domain::FieldError;
use crate::donations::create::{self, Once};
use crate::donations::routes::for_donor;
use crate::donations::{access, receipt, store, views};
use crate::error::{Error, ErrorCode, Result};
use crate::http::Form;
use crate::idempotency::{self, IdempotencyKey};
use crate::payments::provider::storefront_return_path;
use crate::state::AppState;

/// The browser's claim to the donation it just made: `<id>.<access token>`, HttpOnly.
const DONATION_COOKIE: &str = "furusato_donation";

/// The form as the browser sends it: every field text, blank when not filled in.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
struct DonateForm {
    kind: String,
    gift_id: String,
    quantity: String,
    organization_id: String,
    purpose_id: String,
    amount: String,
    name: String,
    name_kana: String,
    email: String,
    phone: String,
    postal_code: String,
    prefecture: String,
    city: String,
    address_line: String,
    one_stop: Option<String>,
    /// The gift goes to someone else: the `to_` fields below name them.
    ship_to_other: Option<String>,
    to_name: String,
    to_name_kana: String,
    to_phone: String,
    to_postal_code: String,
    to_prefecture: String,
    to_city: String,
    to_address_line: String,
    noshi_type: String,
    noshi_name: String,
    window: String,
    #[serde(skip_serializing)]
    csrf_token: String,
    #[serde(skip_serializing)]
    idempotency_key: String,
}

/// A choice from the form's list, blank for none; an unknown one is `field`'s error.
fn choice<T>(
    text: &str,
    parse: fn(&str) -> Option<T>,
    field: &str,
    message: &str,
) -> Result<Option<T>> {
    optional(text)
        .map(|t| parse(&t).ok_or_else(|| Error::field(field, message)))
        .transpose()
}

/// A number as typed (see `typed_number`), or the API's field message.
fn number<T: std::str::FromStr>(field: &str, text: &str) -> Result<Option<T>> {
    typed_number(text).map_err(|_| Error::field(field, "must be a whole number"))
}

impl DonateForm {
    fn kind(&self) -> Option<DonationKind> {
        DonationKind::parse(&self.kind)
    }

    /// The API's request for this form. A gift's amount is its amount times the quantity.
    fn to_request(&self, gift_amount: Option<i64>) -> Result<NewDonationRequest> {
        let kind = self
            .kind()
            .ok_or_else(|| Error::field("kind", "choose a kind of donation"))?;
        let quantity: Option<i32> = number("quantity", &self.quantity)?;
        let amount = match (kind, gift_amount) {
            (DonationKind::Gift, Some(unit)) => unit * i64::from(quantity.unwrap_or(1)),
            _ => number("amount", &self.amount)?
                .ok_or_else(|| Error::field("amount", "is required"))?,
        };
        Ok(NewDonationRequest {
            kind,
            gift_id: optional(&self.gift_id).filter(|_| kind == DonationKind::Gift),
            quantity,
            organization_id: optional(&self.organization_id)
                .filter(|_| kind == DonationKind::Support),
            purpose_id: optional(&self.purpose_id),
            amount,
            donor: DonorInput {
                name: optional(&self.name),
                name_kana: optional(&self.name_kana),
                email: optional(&self.email),
                phone: optional(&self.phone),
                postal_code: optional(&self.postal_code),
                prefecture: optional(&self.prefecture),
                city: optional(&self.city),
                address_line: optional(&self.address_line),
            },
            one_stop: self.one_stop.is_some(),
            channel: None,
            delivery: self.delivery(kind)?,
        })
    }

    /// The delivery details of a gift form; none when nothing beyond the donor's own address
    /// was asked for.
    fn delivery(&self, kind: DonationKind) -> Result<Option<DeliveryInput>> {
        if kind != DonationKind::Gift {
            return Ok(None);
        }
        let recipient = self.ship_to_other.as_ref().map(|_| RecipientInput {
            name: optional(&self.to_name),
            name_kana: optional(&self.to_name_kana),
            phone: optional(&self.to_phone),
            postal_code: optional(&self.to_postal_code),
            prefecture: optional(&self.to_prefecture),
            city: optional(&self.to_city),
            address_line: optional(&self.to_address_line),
        });
        let noshi = choice(
            &self.noshi_type,
            NoshiType::parse,
            "delivery.noshi",
            "choose a kind of のし",
        )?
        .map(|kind| Noshi {
            kind,
            name: optional(&self.noshi_name),
        });
        let window = choice(
            &self.window,
            DeliveryWindow::parse,
            "delivery.window",
            "choose a delivery time slot",
        )?;
        let d = DeliveryInput {
            recipient,
            noshi,
            window,
        };
        let asked = d.recipient.is_some() || d.noshi.is_some() || d.window.is_some();
        Ok(asked.then_some(d))
    }
}

/// The form's name for an API field: the donor's fields are the form's plain ones, the
/// recipient's carry `to_`.
fn form_field(api_field: &str) -> String {
    if let Some(f) = api_field.strip_prefix("donor.") {
        return f.to_owned();
    }
    if let Some(f) = api_field.strip_prefix("delivery.recipient.") {
        return format!("to_{f}");
    }
    match api_field {
        "delivery.recipient" => "ship_to_other",
        "delivery.noshi" => "noshi_type",
        "delivery.noshi.name" => "noshi_name",
        "delivery.window" => "window",
        other => other,
    }
    .to_owned()
}

/// A refusal as the form shows it: field messages beside their fields (keyed by the form's
/// field names), anything else above the form.
fn form_problem(
    error: &Error,
    lang: Lang,
    municipality: &str,
) -> (BTreeMap<String, String>, Option<String>) {
    let mut fields = BTreeMap::new();
    let Error::Validation(errors) = error else {
        let mut above = message(error, lang);
        if error.code() == ErrorCode::ResidentGiftNotAllowed {
            fields.insert("city".to_owned(), above.clone());
            let resident = lang
                .text("{municipality}にお住まいの方は返礼品を受け取れません。")
                .replace("{municipality}", municipality);
            above = format!("{resident} {above}");
        }
        return (fields, Some(above));
    };
    for FieldError { field, message } in errors {
        fields
            .entry(form_field(field))
            .or_insert_with(|| message.clone());
    }
    let count = fields.len().to_string();
    let summary = lang
        .text("入力内容を確認してください（{count}件）。")
        .replace("{count}", &count);
    (fields, Some(summary))
}

/// The donation form, filled in with `form` and showing `problem` if there is one.
async fn show_form(visit: &Visit, form: DonateForm, problem: Option<&Error>) -> HttpResponse {
    let (page, state) = (visit.page(), &visit.state);
    let gift_id = optional(&form.gift_id).filter(|_| form.kind() == Some(DonationKind::Gift));
    let today = japan_today();
    let loaded = state
        .db
        .run(move |conn| {
            let gift = match gift_id {
                Some(id) => browse::offered_gift(conn, &id, today)?,
                None => None,
            };
            let (organizations, _) = NamedList::Organizations.list(conn, true, 0, 100)?;
            let (purposes, _) = NamedList::Purposes.list(conn, true, 0, 100)?;
            Ok((gift, organizations, purposes))
        })
        .await;
    let (gift, organizations, purposes) = match loaded {
        Ok(l) => l,
        Err(e) => return page.error(e),
    };
    if form.kind() == Some(DonationKind::Gift) && gift.is_none() {
        return page.error(browse::gift_not_on_offer());
    }
    let municipality = match page.lang() {
        Lang::Ja => &state.settings.municipality.name,
        Lang::En => &state.settings.municipality.name_en,
    };
    let (errors, summary) = problem
        .map(|p| form_problem(p, page.lang(), municipality))
        .unwrap_or_default();
    let status = problem.map(status_of).unwrap_or(StatusCode::OK);
    let settings = &state.settings;
    page.render(
        status,
        "donate.html",
        context! {
            kind => form.kind().map(|k| k.as_str()),
            form => &form,
            gift, organizations, purposes, errors, summary,
            tiers => &settings.vouchers.tiers,
            noshi_types => NoshiType::ALL.iter().map(|n| (n.as_str(), n.label())).collect::<Vec<_>>(),
            windows => DeliveryWindow::ALL.iter().map(|w| (w.as_str(), w.label())).collect::<Vec<_>>(),
            prefectures => &PREFECTURES[..],
            // Without a provider the donation could not be paid here: the form says so instead.
            can_pay => state.payment_provider.is_some(),
            max_quantity => settings.donations.max_quantity,
            minimum_amount => settings.donations.minimum_amount,
            // A fresh key for every form shown: a double tap sends the same one twice.
            idempotency_key => Uuid::new_v4().to_string(),
        },
    )
}

async fn donate_form(visit: Visit, query: web::Query<DonateForm>) -> HttpResponse {
    show_form(&visit, query.into_inner(), None).await
}

async fn donate(visit: Visit, form: Form<DonateForm>) -> HttpResponse {
    let form = form.into_inner();
    let started = async {
        visit.check_form(&form.csrf_token)?;
        if visit.state.payment_provider.is_none() {
            return Err(no_online_payment());
        }
        start_donation(&visit.state, &form, visit.page().lang()).await
    }
    .await;
    match started {
        Ok(started) => started.response(&visit.state),
        Err(e) => show_form(&visit, form, Some(&e)).await,
    }
}

fn no_online_payment() -> Error {
    Error::Unavailable(anyhow::anyhow!(
        "payment.provider is none: the storefront cannot take payments"
    ))
}

/// A donation made in this browser, on its way to payment.
struct Started {
    id: String,
    access_token: String,
    /// The provider's page, or with no provider the outcome page.
    next: String,
}

impl Started {
    /// Off to pay, with a cookie that lets this browser (only) see the outcome and receipt, in
    /// either language (the switch on the done page keeps the donation in view).
    fn response(&self, state: &AppState) -> HttpResponse {
        let cookie = private_cookie(
            DONATION_COOKIE,
            format!("{}.{}", self.id, self.access_token),
            "/",
            CookieAge::days(1),
            state.settings.is_production(),
        );
        let mut response = see_other(&self.next);
        let _ = response.add_cookie(&cookie);
        response
    }
}

/// Creates the donation (once per the form's key) and sends the browser on to pay.
async fn start_donation(state: &AppState, form: &DonateForm, lang: Lang) -> Result<Started> {
    let gift_amount = match (form.kind(), optional(&form.gift_id)) {
        (Some(DonationKind::Gift), Some(id)) => {
            let today = japan_today();
            let gift = state
                .db
                .run(move |c| browse::offered_gift(c, &id, today))
                .await?
                .ok_or_else(browse::gift_not_on_offer)?;
            Some(gift.amount)
        }
        _ => None,
    };
    let request = form.to_request(gift_amount)?;
    let fingerprint = idempotency::fingerprint(&serde_json::to_value(form).unwrap_or_default());
    create_and_pay(state, request, &form.idempotency_key, fingerprint, lang).await
}

/// Creates the donation (once per `key`, as the API does) and sends the browser on to pay.
async fn create_and_pay(
    state: &AppState,
    request: NewDonationRequest,
    key: &str,
    fingerprint: String,
    lang: Lang,
) -> Result<Started> {
    let valid = create::check(request, &state.settings)?;
    let key = IdempotencyKey::parse(key)?;
    let once = create::create_once(
        &state.db,
        state.settings.clone(),
        Some(key),
        fingerprint,
        valid,
    )
    .await?;
    to_payment(state, once, lang).await
}

/// Where the browser goes to pay for a created donation.
async fn to_payment(state: &AppState, once: Once, lang: Lang) -> Result<Started> {
    let created = match once {
        Once::Created(created) => created,
        Once::Refused(_, body) => return Err(idempotency::stored_refusal(&body)),
    };
    let created = for_donor(state, created, lang.root()).await?;
    let next = match &created.payment {
        Some(p) => p.redirect_url.clone(),
        None => storefront_return_path(lang.root(), &created.id),
    };
    Ok(Started {
        access_token: created.access_token.unwrap_or_default(),
        id: created.id,
        next,
    })
}

/// Whether this browser made donation `id`: its cookie names `id` with a valid access token.
fn donation_of_browser(visit: &Visit, id: &str) -> bool {
    let secret = visit
        .state
        .settings
        .donations
        .access_token_secret
        .expose_secret();
    visit
        .req
        .cookie(DONATION_COOKIE)
        .and_then(|c| {
            let (claimed, token) = c.value().split_once('.')?;
            Some(claimed == id && access::verify(secret.as_bytes(), id, token))
        })
        .unwrap_or(false)
}

/// After paying: waits for the provider's confirmation, then shows the receipt number and, for
/// an on-site donation, the voucher. Another browser learns nothing about the donation.
async fn done(visit: Visit, id: web::Path<String>) -> HttpResponse {
    let (page, state) = (visit.page(), &visit.state);
    let id = id.into_inner();
    if !donation_of_browser(&visit, &id) {
        return page.render(
            StatusCode::OK,
            "done.html",
            context! { known => false, pending => false },
        );
    }
    let settings = state.settings.clone();
    let view = state
        .db
        .run(move |conn| {
            let row = store::get(conn, &id)?;
            let view = views::donor_view(conn, &settings, &row)?;
            Ok((view, row.donor.donor_email))
        })
        .await;
    match view {
        Ok((donation, email)) => page.render(
            StatusCode::OK,
            "done.html",
            context! {
                known => true,
                pending => donation.status == DonationStatus::PendingPayment,
                paid => donation.status == DonationStatus::Paid,
                failed => donation.status == DonationStatus::Cancelled,
                donation, email,
                retry_key => Uuid::new_v4().to_string(),
            },
        ),
        Err(e) => page.error(e),
    }
}

#[derive(Deserialize)]
struct RetryForm {
    csrf_token: String,
    /// Fresh for every page showing the button: a double tap is one new donation, a later try
    /// (after a refusal, say) is a new request.
    retry_key: String,
}

/// Another try after a failed payment: the same donation details become a new donation (the
/// failed one stays cancelled, its stock released). Its key is the failed donation's id and the
/// page's retry key, so a double tap here is one new donation too.
async fn retry(visit: Visit, id: web::Path<String>, form: Form<RetryForm>) -> HttpResponse {
    let id = id.into_inner();
    let outcome = async {
        visit.check_form(&form.csrf_token)?;
        if !donation_of_browser(&visit, &id) {
            return Err(store::donation_not_found());
        }
        let lang = visit.page().lang();
        let state = &visit.state;
        Ok(
            match retry_donation(state, id.clone(), &form.retry_key, lang).await? {
                Some(started) => started.response(state),
                None => see_other(&storefront_return_path(lang.root(), &id)),
            },
        )
    }
    .await;
    visit.answer(outcome)
}

async fn retry_donation(
    state: &AppState,
    id: String,
    retry_key: &str,
    lang: Lang,
) -> Result<Option<Started>> {
    let failed = state
        .db
        .run({
            let id = id.clone();
            move |c| store::get(c, &id)
        })
        .await?;
    if failed.status != DonationStatus::Cancelled {
        // Paid or still waiting: nothing to try again; its page tells which.
        return Ok(None);
    }
    let delivery = state
        .db
        .run({
            let id = id.clone();
            move |c| crate::orders::store::delivery_of(c, &id)
        })
        .await?
        .map(|d| d.input());
    let request = NewDonationRequest {
        kind: failed.kind,
        gift_id: failed.gift_id,
        quantity: Some(failed.quantity),
        organization_id: failed.organization_id,
        purpose_id: failed.purpose_id,
        amount: failed.amount,
        donor: failed.donor.input(),
        one_stop: failed.one_stop,
        channel: None,
        delivery,
    };
    let key = format!("retry-{id}-{retry_key}");
    let fingerprint = idempotency::fingerprint(&serde_json::json!({ "retry": id }));
    create_and_pay(state, request, &key, fingerprint, lang)
        .await
        .map(Some)
}

/// The printable receipt (寄附金受領証明書) of the donation this browser made.
async fn receipt_page(visit: Visit, id: web::Path<String>) -> HttpResponse {
    let id = id.into_inner();
    if !donation_of_browser(&visit, &id) {
        return visit.error(store::donation_not_found());
    }
    let row = visit.state.db.run(move |c| store::get(c, &id)).await;
    let html = row.and_then(|row| receipt::printable(&visit.state.settings, &row));
    visit.page().printable(html)
}

/// The pages at `prefix` (the Japanese root, or the English one).
pub fn services_at(prefix: &str, cfg: &mut web::ServiceConfig) {
    let at = |path: &str| format!("{prefix}/donate{path}");
    cfg.route(&at(""), web::get().to(donate_form))
        .route(&at(""), web::post().to(donate))
        .route(&at("/{id}/done"), web::get().to(done))
        .route(&at("/{id}/retry"), web::post().to(retry))
        .route(&at("/{id}/receipt"), web::get().to(receipt_page));
}
