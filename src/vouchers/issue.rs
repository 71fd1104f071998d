//! Issuing a voucher when an on-site donation is paid, voiding it on refund, showing it to the donor.

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use qrcode::render::svg;
use qrcode::QrCode;
use secrecy::ExposeSecret;
use uuid::Uuid;

use super::types::VoucherView;
use crate::config::Settings;
use crate::db::schema::{redemptions, vouchers};
use crate::db::{now, DbConnection};
use crate::domain::money::{BasisPoints, Yen};
use crate::domain::voucher::VoucherTerms;
use crate::domain::voucher::{Standing, VoucherState};
use crate::domain::voucher_code::VoucherCode;
use crate::error::{Error, ErrorCode, Result};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = vouchers)]
pub struct VoucherRow {
    pub id: String,
    pub donation_id: String,
    pub code_hash: String,
    pub face_value: i64,
    pub balance: i64,
    pub status: VoucherState,
    pub issued_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub voided_at: Option<NaiveDateTime>,
    pub updated_at: NaiveDateTime,
}

impl VoucherRow {
    /// What partners and donors see: active, exhausted, expired or voided.
    pub fn standing(&self, at: DateTime<Utc>) -> Standing {
        Standing::of(self.status, self.balance, self.expires_at.and_utc(), at)
    }
}

pub fn terms(settings: &Settings) -> VoucherTerms {
    VoucherTerms {
        ratio: BasisPoints(settings.vouchers.ratio_basis_points),
        validity_days: settings.vouchers.validity_days,
    }
}

pub fn code_of(settings: &Settings, voucher_id: &str) -> VoucherCode {
    VoucherCode::derive(
        settings.vouchers.code_secret.expose_secret().as_bytes(),
        voucher_id,
    )
}

pub fn hash_of(settings: &Settings, code: &VoucherCode) -> String {
    code.keyed_hash(settings.vouchers.code_secret.expose_secret().as_bytes())
}

/// Issues the voucher of a just-paid on-site donation (inside the paying transaction).
pub fn issue_for_donation(
    conn: &mut DbConnection,
    settings: &Settings,
    donation_id: &str,
    amount: Yen,
    item_value: Option<Yen>,
) -> Result<VoucherRow> {
    let terms = terms(settings);
    let issued_at = now();
    let face_value = terms.face_value_for(amount, item_value).get();
    if face_value <= 0 {
        return Err(Error::internal("voucher face value is zero"));
    }
    let id = Uuid::new_v4().to_string();
    let row = VoucherRow {
        code_hash: hash_of(settings, &code_of(settings, &id)),
        id,
        donation_id: donation_id.to_owned(),
        face_value,
        balance: face_value,
        status: VoucherState::Active,
        issued_at,
        expires_at: terms.expires_at(issued_at.and_utc()).naive_utc(),
        voided_at: None,
        updated_at: issued_at,
    };
    diesel::insert_into(vouchers::table)
        .values((
            vouchers::id.eq(&row.id),
            vouchers::donation_id.eq(&row.donation_id),
            vouchers::code_hash.eq(&row.code_hash),
            vouchers::face_value.eq(row.face_value),
            vouchers::balance.eq(row.balance),
            vouchers::status.eq(row.status),
            vouchers::issued_at.eq(row.issued_at),
            vouchers::expires_at.eq(row.expires_at),
            vouchers::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    Ok(row)
}

pub fn for_donation(conn: &mut DbConnection, donation_id: &str) -> Result<Option<VoucherRow>> {
    Ok(vouchers::table
        .filter(vouchers::donation_id.eq(donation_id))
        .select(VoucherRow::as_select())
        .first(conn)
        .optional()?)
}

/// Voids the voucher of a donation being refunded; returns whether there was one. Untouched:
/// voided. Partly or wholly spent: the refund is refused, since the donor already received value.
pub fn void_for_refund(conn: &mut DbConnection, donation_id: &str) -> Result<bool> {
    let Some(voucher) = for_donation(conn, donation_id)? else {
        return Ok(false);
    };
    let live_redemptions: i64 = redemptions::table
        .filter(redemptions::voucher_id.eq(&voucher.id))
        .filter(redemptions::reversed_at.is_null())
        .count()
        .get_result(conn)?;
    // Conditional on the full balance, so a redemption racing the refund cannot slip through.
    let voided = diesel::update(
        vouchers::table
            .filter(vouchers::id.eq(&voucher.id))
            .filter(vouchers::balance.eq(vouchers::face_value)),
    )
    .set((
        vouchers::status.eq(VoucherState::Voided),
        vouchers::voided_at.eq(Some(now())),
        vouchers::updated_at.eq(now()),
    ))
    .execute(conn)?;
    if voided == 0 || live_redemptions > 0 {
        return Err(Error::rejected(
            ErrorCode::VoucherPartlySpent,
            format!(
                "The on-site voucher of this donation has been used ({} of {} spent), so the donation cannot be refunded. Settle it with the donor and the partner instead.",
                Yen(voucher.face_value - voucher.balance),
                Yen(voucher.face_value)
            ),
        ));
    }
    Ok(true)
}

/// The donor's view of the voucher, with the full code and its QR image.
pub fn donor_view(settings: &Settings, voucher: &VoucherRow) -> VoucherView {
    let code = code_of(settings, &voucher.id).display();
    let qr_svg = QrCode::new(code.as_bytes())
        .map(|qr| qr.render::<svg::Color>().min_dimensions(200, 200).build())
        .unwrap_or_default();
    VoucherView {
        code,
        face_value: voucher.face_value,
        balance: voucher.balance,
        expires_at: voucher.expires_at.and_utc(),
        status: voucher.standing(Utc::now()).as_str().to_owned(),
        qr_svg,
    }
}
