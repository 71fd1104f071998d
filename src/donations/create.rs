//! `donations::create`: a checked new donation becomes a pending donation with its stock held.

use chrono::Duration;
use uuid::Uuid;

use super::store::{self, DonationRow};
use super::types::DonationCreated;
use crate::catalogue::store::{find_gift, organization_store, purpose_store};
use crate::config::Settings;
use crate::db::{now, DbConnection};
use crate::domain::calendar::japan_today;
use crate::domain::donation::{check_amount, DonationLimits, DonationRuleError, DonationStatus};
use crate::domain::new_donation::{NewDonation, NewDonationRequest};
use crate::error::{Error, ErrorCode, Result};
use crate::orders;

/// The municipality's limits for new donations, from the settings.
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

/// The answer to a broken donation rule, as the API and the pages show it.
pub fn rule_error(e: DonationRuleError, settings: &Settings) -> Error {
    match e {
        DonationRuleError::Invalid(fields) => Error::Validation(fields),
        DonationRuleError::AmountMismatch { expected } => Error::rejected(
            ErrorCode::AmountMismatch,
            format!("The amount must be the gift's amount times the quantity: {expected}."),
        ),
        DonationRuleError::InvalidAmount { reason } => {
            Error::rejected(ErrorCode::InvalidAmount, reason)
        }
        DonationRuleError::ResidentGiftNotAllowed => Error::rejected(
            ErrorCode::ResidentGiftNotAllowed,
            format!(
                "Residents of {} cannot receive return gifts or on-site vouchers from their own municipality. \
                 You can still donate: choose a support donation to an organisation or a donation without a gift.",
                settings.municipality.name
            ),
        ),
    }
}

/// Checks a request against every rule that needs no database.
pub fn check(req: NewDonationRequest, settings: &Settings) -> Result<NewDonation> {
    NewDonation::parse(req, &limits(settings)).map_err(|e| rule_error(e, settings))
}

fn gift_not_available(detail: &str) -> Error {
    Error::rejected(ErrorCode::GiftNotAvailable, detail.to_owned())
}

/// Creates the donation and reserves its stock. Runs inside the caller's write transaction, so
/// a refusal (e.g. `out_of_stock`) leaves nothing behind.
pub fn create(
    conn: &mut DbConnection,
    settings: &Settings,
    mut v: NewDonation,
) -> Result<DonationCreated> {
    let mut unit_cost = None;
    if let Some(gift_id) = &v.gift_id {
        let (gift, _) = find_gift(conn, gift_id)?
            .ok_or_else(|| gift_not_available("No such gift is on offer."))?;
        if !gift.is_offered_on(japan_today()) {
            return Err(gift_not_available(
                "This gift is not on offer at the moment.",
            ));
        }
        let limits = limits(settings);
        check_amount(v.kind, v.amount, v.quantity, Some(gift.amount), &limits)
            .map_err(|e| rule_error(e, settings))?;
        let fulfilment = gift.category.fulfilment();
        v.delivery
            .check_for_gift("delivery", fulfilment, gift.accepts_delivery_window)
            .map_err(Error::Validation)?;
        unit_cost = Some((gift.procurement_cost, gift.shipping_cost));
        store::reserve_stock(conn, gift_id, v.quantity)?;
    }
    if let Some(id) = &v.organization_id {
        if !organization_store::find(conn, id)?.is_some_and(|o| o.active) {
            let message = "must be an active organisation";
            return Err(Error::field("organization_id", message));
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
    let at = now();
    let hold_until = at + Duration::minutes(settings.payment.hold_minutes);
    let delivery = std::mem::take(&mut v.delivery);
    let row = DonationRow {
        gift_unit_cost: unit_cost.map(|(procurement, _)| procurement),
        gift_unit_shipping_cost: unit_cost.map(|(_, shipping)| shipping),
        ..DonationRow::pending(Uuid::new_v4().to_string(), v, at, hold_until)
    };
    store::insert(conn, &row)?;
    if !delivery.is_empty() {
        orders::store::insert_delivery(conn, &orders::store::DeliveryRow::new(&row.id, &delivery))?;
    }
    Ok(DonationCreated {
        id: row.id,
        kind: row.kind,
        status: DonationStatus::PendingPayment,
        amount: row.amount,
        access_token: None,
        payment: None,
        created_at: at.and_utc(),
    })
}

/// The scope of donation Idempotency-Keys: the API and the storefront share it, so a key names
/// one donation whichever door it came through.
const SCOPE: &str = "POST /api/v1/donations";

/// What creating a donation once per key answered.
pub enum Once {
    Created(DonationCreated),
    /// A refusal stored under the key earlier (status and problem+json body), replayed as it was.
    Refused(u16, String),
}

/// Creates the donation in one write transaction, at most once per Idempotency-Key: a repeat
/// (a retry, a double tap) gets the first answer.
pub async fn create_once(
    db: &crate::db::Db,
    settings: std::sync::Arc<Settings>,
    key: Option<crate::idempotency::IdempotencyKey>,
    fingerprint: String,
    valid: NewDonation,
) -> Result<Once> {
    let (status, body) =
        crate::idempotency::answer(db, SCOPE.to_owned(), key, fingerprint, move |conn| {
            let created = create(conn, &settings, valid)?;
            // Stored without the access token: it is derived again for every answer.
            let body = serde_json::to_string(&created).map_err(|e| Error::Internal(e.into()))?;
            Ok((201, body))
        })
        .await?;
    if status >= 400 {
        return Ok(Once::Refused(status, body));
    }
    let created = serde_json::from_str(&body).map_err(|e| Error::Internal(e.into()))?;
    Ok(Once::Created(created))
}
