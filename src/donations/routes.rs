//! Public donation routes: create (idempotent), the donor's view, the receipt.

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Duration;
use secrecy::ExposeSecret;
use uuid::Uuid;

use super::store::{self, DonationRow};
use super::types::{DonationCreated, DonorDonationView, NewDonationRequest, Receipt};
use super::{access, receipt, views};
use crate::auth::extractors::bearer_token;
use crate::auth::{store as auth_store, tokens, Role};
use crate::catalogue::store::{find_gift, organization_store, purpose_store};
use crate::config::Settings;
use crate::db::{now, DbConnection};
use crate::domain::calendar::japan_today;
use crate::domain::donation::{
    check_amount, check_residency, valid_channel, DonationKind, DonationLimits, DonationRuleError,
    DonationStatus,
};
use crate::domain::donor::Donor;
use crate::domain::FieldError;
use crate::error::{Error, Problem, Result};
use crate::idempotency::{self, IdempotencyKey};
use crate::state::AppState;

pub fn limits(settings: &Settings) -> DonationLimits<'_> {
    DonationLimits {
        minimum_amount: settings.donations.minimum_amount,
        maximum_amount: settings.donations.maximum_amount,
        max_quantity: settings.donations.max_quantity,
        on_site_tiers: &settings.vouchers.tiers,
        home_prefecture: &settings.municipality.prefecture,
        home_city: &settings.municipality.city,
    }
}

pub fn rule_error(e: DonationRuleError, settings: &Settings) -> Error {
    match e {
        DonationRuleError::Invalid(fields) => Error::Validation(fields),
        DonationRuleError::AmountMismatch { expected } => Error::unprocessable(
            "amount_mismatch",
            format!("The amount must be the gift's amount times the quantity: {expected}."),
        ),
        DonationRuleError::InvalidAmount { reason } => Error::unprocessable("invalid_amount", reason),
        DonationRuleError::ResidentGiftNotAllowed => Error::unprocessable(
            "resident_gift_not_allowed",
            format!(
                "Residents of {} cannot receive return gifts or on-site vouchers from their own municipality. \
                 You can still donate: choose a support donation to an organisation or a donation without a gift.",
                settings.municipality.name
            ),
        ),
    }
}

/// A donation request that passed every check that needs no database.
struct ValidDonation {
    kind: DonationKind,
    gift_id: Option<String>,
    quantity: i32,
    organization_id: Option<String>,
    purpose_id: Option<String>,
    amount: i64,
    donor: Donor,
    one_stop: bool,
    channel: String,
}

fn validate(req: NewDonationRequest, settings: &Settings) -> Result<ValidDonation> {
    let mut errors: Vec<FieldError> = Vec::new();
    let donor = Donor::parse(req.donor, "donor")
        .map_err(|e| errors.extend(e))
        .ok();
    let channel = req.channel.unwrap_or_else(|| "official_site".to_owned());
    if !valid_channel(&channel) {
        errors.push(FieldError::new(
            "channel",
            "must be 1-40 characters of a-z, 0-9, '_' or '-'",
        ));
    }
    match (req.kind, &req.gift_id) {
        (DonationKind::Gift, None) => errors.push(FieldError::new(
            "gift_id",
            "is required for a gift donation",
        )),
        (DonationKind::Gift, Some(_)) | (_, None) => {}
        (_, Some(_)) => errors.push(FieldError::new("gift_id", "applies to gift donations only")),
    }
    match (req.kind, &req.organization_id) {
        (DonationKind::Support, None) => errors.push(FieldError::new(
            "organization_id",
            "is required for a support donation",
        )),
        (DonationKind::Support, Some(_)) | (_, None) => {}
        (_, Some(_)) => errors.push(FieldError::new(
            "organization_id",
            "applies to support donations only",
        )),
    }
    let (Some(donor), true) = (donor, errors.is_empty()) else {
        return Err(Error::Validation(errors));
    };
    check_residency(req.kind, &donor, &limits(settings)).map_err(|e| rule_error(e, settings))?;
    let quantity = req.quantity.unwrap_or(1);
    if req.kind != DonationKind::Gift {
        // The gift's amount is only known inside the transaction.
        check_amount(req.kind, req.amount, quantity, None, &limits(settings))
            .map_err(|e| rule_error(e, settings))?;
    }
    Ok(ValidDonation {
        kind: req.kind,
        gift_id: req.gift_id,
        quantity,
        organization_id: req.organization_id,
        purpose_id: req.purpose_id,
        amount: req.amount,
        donor,
        one_stop: req.one_stop,
        channel,
    })
}

/// Inserts the donation and reserves its stock; the caller's transaction makes it all-or-nothing.
fn create_in_transaction(
    conn: &mut DbConnection,
    settings: &Settings,
    v: ValidDonation,
) -> Result<DonationCreated> {
    if let Some(gift_id) = &v.gift_id {
        let (gift, _) = find_gift(conn, gift_id)?.ok_or_else(|| {
            Error::unprocessable("gift_not_available", "No such gift is on offer.")
        })?;
        if !gift.is_offered_on(japan_today()) {
            return Err(Error::unprocessable(
                "gift_not_available",
                "This gift is not on offer at the moment.",
            ));
        }
        check_amount(
            v.kind,
            v.amount,
            v.quantity,
            Some(gift.amount),
            &limits(settings),
        )
        .map_err(|e| rule_error(e, settings))?;
        store::reserve_stock(conn, gift_id, v.quantity)?;
    }
    if let Some(id) = &v.organization_id {
        if !organization_store::find(conn, id)?.is_some_and(|o| o.active) {
            return Err(Error::field(
                "organization_id",
                "must be an active organisation",
            ));
        }
    }
    if let Some(id) = &v.purpose_id {
        if !purpose_store::find(conn, id)?.is_some_and(|p| p.active) {
            return Err(Error::field(
                "purpose_id",
                "must be an active usage purpose",
            ));
        }
    }
    let id = Uuid::new_v4().to_string();
    let at = now();
    let row = DonationRow {
        id: id.clone(),
        kind: v.kind.as_str().to_owned(),
        status: DonationStatus::PendingPayment.as_str().to_owned(),
        amount: v.amount,
        gift_id: v.gift_id,
        quantity: v.quantity,
        organization_id: v.organization_id,
        purpose_id: v.purpose_id,
        channel: v.channel,
        external_id: None,
        donor_name: v.donor.name,
        donor_name_kana: v.donor.name_kana,
        donor_email: v.donor.email,
        donor_phone: v.donor.phone,
        donor_postal_code: v.donor.postal_code,
        donor_prefecture: v.donor.prefecture,
        donor_city: v.donor.city,
        donor_address_line: v.donor.address_line,
        one_stop: v.one_stop,
        created_at: at,
        updated_at: at,
        hold_until: Some(at + Duration::minutes(settings.payment.hold_minutes)),
        paid_at: None,
        received_on: None,
        payment_method: None,
        provider_reference: None,
        receipt_number: None,
        receipt_issue_count: 0,
        receipt_voided_at: None,
        cancelled_at: None,
        cancel_reason: None,
        refunded_at: None,
        refund_reason: None,
        attention: None,
        import_id: None,
        import_flags: None,
    };
    store::insert(conn, &row)?;
    Ok(DonationCreated {
        id,
        kind: v.kind,
        status: DonationStatus::PendingPayment,
        amount: v.amount,
        access_token: None,
        created_at: at.and_utc(),
    })
}

fn with_token(settings: &Settings, mut created: DonationCreated) -> DonationCreated {
    created.access_token = Some(access::access_token(
        settings
            .donations
            .access_token_secret
            .expose_secret()
            .as_bytes(),
        &created.id,
    ));
    created
}

/// Start a donation. With `Idempotency-Key`, a retry returns the first answer.
#[utoipa::path(
    tag = "donations",
    request_body = NewDonationRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "1-255 characters; a retry with the same key and body replays the first answer")),
    responses(
        (status = 201, body = DonationCreated),
        (status = 409, description = "out_of_stock, request_in_progress", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "resident_gift_not_allowed, gift_not_available, amount_mismatch, invalid_amount, validation_failed, idempotency_key_reused", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/donations")]
pub async fn create_donation(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse> {
    let key = IdempotencyKey::from_request(&req)?;
    let raw = body.into_inner();
    let fingerprint = idempotency::fingerprint(&raw);
    let request: NewDonationRequest = crate::http::from_json(raw)?;
    let settings = state.settings.clone();
    let valid = validate(request, &settings)?;
    let (status, body) = idempotency::answer(
        &state.db,
        "POST /api/v1/donations".to_owned(),
        key,
        fingerprint,
        move |conn| {
            let created = create_in_transaction(conn, &settings, valid)?;
            // Stored without the access token: it is derived again for every answer.
            let body = serde_json::to_string(&created).map_err(|e| Error::Internal(e.into()))?;
            Ok((201, body))
        },
    )
    .await?;
    if status >= 400 {
        return Ok(idempotency::refusal_response(status, body));
    }
    let created: DonationCreated =
        serde_json::from_str(&body).map_err(|e| Error::Internal(e.into()))?;
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::CREATED);
    Ok(HttpResponse::build(status).json(with_token(&state.settings, created)))
}

/// The donation a request's access token belongs to; any other id is a 404, so ids cannot be probed.
async fn donation_for_token(
    state: &AppState,
    req: &HttpRequest,
    id: String,
) -> Result<DonationRow> {
    let token = bearer_token(req).ok_or_else(store::donation_not_found)?;
    let secret = state
        .settings
        .donations
        .access_token_secret
        .expose_secret()
        .as_bytes();
    if !access::verify(secret, &id, &token) {
        return Err(store::donation_not_found());
    }
    state.db.run(move |conn| store::get(conn, &id)).await
}

/// A donation, for its donor (`Authorization: Bearer <access_token>`).
#[utoipa::path(
    tag = "donations",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = DonorDonationView),
        (status = 404, description = "donation_not_found (also for another donation's token)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/donations/{id}")]
pub async fn get_donation(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<web::Json<DonorDonationView>> {
    let donation = donation_for_token(&state, &req, id.into_inner()).await?;
    let settings = state.settings.clone();
    let view = state
        .db
        .run(move |conn| views::donor_view(conn, &settings, &donation))
        .await?;
    Ok(web::Json(view))
}

/// Whether the request carries a live admin session.
async fn is_admin(state: &AppState, req: &HttpRequest) -> Result<bool> {
    let Some(token) = bearer_token(req) else {
        return Ok(false);
    };
    let hash = tokens::token_hash(&token);
    let user = state
        .db
        .run(move |c| auth_store::session_user(c, &hash))
        .await?;
    Ok(user.is_some_and(|u| Role::parse(&u.role) == Some(Role::Admin)))
}

/// The receipt (寄附金受領証明書): JSON, or a printable page with `Accept: text/html`.
#[utoipa::path(
    tag = "donations",
    params(("id" = String, Path)),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Receipt, description = "JSON, or text/html when asked for"),
        (status = 404, description = "donation_not_found, receipt_not_found", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/donations/{id}/receipt")]
pub async fn get_receipt(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let donation = match donation_for_token(&state, &req, id.clone()).await {
        Ok(d) => d,
        Err(_) if is_admin(&state, &req).await? => {
            state.db.run(move |c| store::get(c, &id)).await?
        }
        Err(e) => return Err(e),
    };
    let receipt = receipt::receipt_of(&state.settings, &donation)?;
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    if wants_html {
        return Ok(HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(receipt::render_html(&receipt)?));
    }
    Ok(HttpResponse::Ok().json(receipt))
}

pub fn services(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(create_donation)
        .service(get_donation)
        .service(get_receipt);
}
