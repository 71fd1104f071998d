//! Public donation routes: create (idempotent), the donor's view, the receipt.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use secrecy::ExposeSecret;

use super::store::{self, DonationRow};
use super::types::{DonationCreated, DonorDonationView, Receipt};
use super::{access, create, receipt, views};
use crate::auth::extractors::bearer_token;
use crate::auth::{store as auth_store, tokens};
use crate::config::Settings;
use crate::domain::donation::DonationStatus;
use crate::domain::new_donation::NewDonationRequest;
use crate::error::Result;
use crate::http::idempotent_json;
use crate::idempotency;
use crate::payments::provider::{storefront_return_path, Checkout};
use crate::state::AppState;

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

crate::problems!(
    /// Starting a donation.
    CreateDonationErrors: MalformedJson, PayloadTooLarge, UnsupportedMediaType, ValidationFailed, InvalidIdempotencyKey, IdempotencyKeyReused, RequestInProgress, OutOfStock, ResidentGiftNotAllowed, GiftNotAvailable, AmountMismatch, InvalidAmount
);
crate::problems!(
    /// The donor's own donation, by its access token.
    DonorDonationErrors: DonationNotFound
);
crate::problems!(
    /// The receipt of the donor's donation.
    ReceiptErrors: DonationNotFound, ReceiptNotFound
);

/// Start a donation. With `Idempotency-Key`, a retry returns the first answer.
#[utoipa::path(
    request_body = NewDonationRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "1-255 visible ASCII characters; a retry with the same key and body replays the first answer", pattern = r"^[\x21-\x7E]{1,255}$")),
    responses(
        (status = 201, body = DonationCreated),
        CreateDonationErrors,
    )
)]
#[post("/donations")]
pub async fn create_donation(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: crate::http::JsonValue,
) -> Result<HttpResponse> {
    let (key, fingerprint, request): (_, _, NewDonationRequest) = idempotent_json(&req, body)?;
    let valid = create::check(request, &state.settings)?;
    let created =
        match create::create_once(&state.db, state.settings.clone(), key, fingerprint, valid)
            .await?
        {
            create::Once::Created(created) => created,
            create::Once::Refused(status, body) => {
                return Ok(idempotency::refusal_response(status, body))
            }
        };
    // API clients come back to the Japanese storefront (a client of its own sets its pages).
    let answer = for_donor(&state, created, "").await?;
    Ok(HttpResponse::Created().json(answer))
}

/// The created donation as its donor gets it: with its access token and where to pay, coming
/// back afterwards to the storefront at `storefront_root`.
pub async fn for_donor(
    state: &AppState,
    created: DonationCreated,
    storefront_root: &str,
) -> Result<DonationCreated> {
    let mut created = with_token(&state.settings, created);
    if let (Some(provider), true) = (
        &state.payment_provider,
        created.status == DonationStatus::PendingPayment,
    ) {
        let checkout = Checkout {
            donation_id: &created.id,
            amount: created.amount,
            return_path: storefront_return_path(storefront_root, &created.id),
        };
        created.payment = Some(provider.start(checkout).await?);
    }
    Ok(created)
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
    params(("id" = String, Path)),
    responses(
        (status = 200, body = DonorDonationView),
        DonorDonationErrors,
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

/// Whether the request carries a live staff session (read-only staff may read receipts).
async fn is_admin(state: &AppState, req: &HttpRequest) -> Result<bool> {
    let Some(token) = bearer_token(req) else {
        return Ok(false);
    };
    let hash = tokens::token_hash(&token);
    let user = state
        .db
        .run(move |c| auth_store::session_user(c, &hash))
        .await?;
    Ok(user.is_some_and(|u| u.role.is_staff()))
}

/// The receipt (寄附金受領証明書): JSON, or a printable page with `Accept: text/html`.
#[utoipa::path(
    params(("id" = String, Path)),
    responses(
        (status = 200, description = "JSON, or a printable page with `Accept: text/html`", content(
            (Receipt = "application/json"),
            (String = "text/html"),
        )),
        ReceiptErrors,
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
