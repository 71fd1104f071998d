//! JSON shapes of one-stop applications. No answer carries a My Number except [`MyNumberAnswer`],
//! the answer of the audited read; the others say only whether one is held.
//!
//! The shapes with personal data have no `Debug`, so that none can be logged by accident.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use zeroize::{Zeroize, Zeroizing};

use super::store::ApplicationRow;
use crate::domain::calendar::one_stop_deadline;
use crate::domain::local_government::{self, LocalGovernmentCode};
use crate::domain::one_stop::{OneStopChannel, OneStopInvalidReason, OneStopStatus};

/// A My Number as typed into a request body: wiped on drop, no `Debug`, and never repeated in
/// an error. A JSON number or anything but a string is refused with a fixed message (serde's
/// own would quote the value), and the digits are checked by `domain::my_number::MyNumber`.
pub struct MyNumberInput(Zeroizing<String>);

impl MyNumberInput {
    /// The text as typed; only for `MyNumber::parse`.
    pub fn typed(&self) -> &str {
        &self.0
    }
}

const MY_NUMBER_NOT_TEXT: &str = "must be a string of 12 digits";

impl<'de> Deserialize<'de> for MyNumberInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Typed;

        impl<'de> Visitor<'de> for Typed {
            type Value = MyNumberInput;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(MY_NUMBER_NOT_TEXT)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<MyNumberInput, E> {
                Ok(MyNumberInput(Zeroizing::new(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<MyNumberInput, E> {
                Ok(MyNumberInput(Zeroizing::new(v)))
            }
            // serde's default messages for these quote the value ("invalid type: integer
            // `123456789018`"): a number sent as a JSON number must not come back in the answer.
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<MyNumberInput, E> {
                Err(E::custom(MY_NUMBER_NOT_TEXT))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<MyNumberInput, E> {
                Err(E::custom(MY_NUMBER_NOT_TEXT))
            }
            fn visit_i128<E: de::Error>(self, _: i128) -> Result<MyNumberInput, E> {
                Err(E::custom(MY_NUMBER_NOT_TEXT))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<MyNumberInput, E> {
                Err(E::custom(MY_NUMBER_NOT_TEXT))
            }
            fn visit_u128<E: de::Error>(self, _: u128) -> Result<MyNumberInput, E> {
                Err(E::custom(MY_NUMBER_NOT_TEXT))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<MyNumberInput, E> {
                Err(E::custom(MY_NUMBER_NOT_TEXT))
            }
            fn visit_char<E: de::Error>(self, _: char) -> Result<MyNumberInput, E> {
                Err(E::custom(MY_NUMBER_NOT_TEXT))
            }
            fn visit_bytes<E: de::Error>(self, _: &[u8]) -> Result<MyNumberInput, E> {
                Err(E::custom(MY_NUMBER_NOT_TEXT))
            }
        }

        deserializer.deserialize_any(Typed)
    }
}

/// An application as received, recorded by staff.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOneStopApplication {
    /// A donation of the applicant: the application belongs to that donation's donor identity
    /// (名寄せ), and its donor's details are the defaults of the applicant's.
    pub donation_id: String,
    /// The calendar year of the donations the application is for.
    #[schema(minimum = 2000, maximum = 2200)]
    pub tax_year: i32,
    /// The Japan date the ward received it. After 10 January of the next year it is recorded
    /// as `invalid` (`received_after_deadline`).
    pub received_on: NaiveDate,
    pub channel: OneStopChannel,
    /// The applicant's name as on the application; default: the donation's donor's.
    pub name: Option<String>,
    /// Katakana (half-width is converted); default: the donor's.
    pub name_kana: Option<String>,
    /// `NNN-NNNN`; default: the donor's.
    pub postal_code: Option<String>,
    /// One of the 47 prefectures; default: the donor's.
    pub prefecture: Option<String>,
    /// Default: the donor's.
    pub city: Option<String>,
    /// Default: the donor's.
    pub address_line: Option<String>,
    pub birth_date: Option<NaiveDate>,
    /// The applicant's 個人番号: 12 digits with a valid check digit (spaces, hyphens and
    /// full-width digits are accepted). Stored sealed; never shown again except through
    /// `GET …/my-number`.
    #[schema(value_type = Option<String>)]
    pub my_number: Option<MyNumberInput>,
    /// The home municipality's 全国地方公共団体コード (6 digits); default: the one the address
    /// lies in, from the official list.
    pub municipality_code: Option<String>,
    pub note: Option<String>,
}

/// Only the fields present change; `null` clears `note`, `birth_date` and `my_number`.
#[derive(Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OneStopApplicationChange {
    /// received → incomplete, valid, withdrawn or invalid; incomplete → valid, withdrawn or
    /// invalid; valid → withdrawn or invalid. Withdrawn and invalid are final.
    pub status: Option<OneStopStatus>,
    /// With `status: invalid` only: `more_than_five_municipalities` or `tax_return_filed`.
    pub invalid_reason: Option<OneStopInvalidReason>,
    #[serde(default, deserialize_with = "crate::http::patch_field")]
    #[schema(value_type = Option<String>)]
    pub note: Option<Option<String>>,
    /// Sets or replaces the sealed My Number; `null` deletes it.
    #[serde(default, deserialize_with = "crate::http::patch_field")]
    #[schema(value_type = Option<String>)]
    pub my_number: Option<Option<MyNumberInput>>,
    pub name: Option<String>,
    pub name_kana: Option<String>,
    #[serde(default, deserialize_with = "crate::http::patch_field")]
    #[schema(value_type = Option<NaiveDate>)]
    pub birth_date: Option<Option<NaiveDate>>,
    /// A changed address derives the home municipality again, unless `municipality_code` is
    /// given too.
    pub postal_code: Option<String>,
    pub prefecture: Option<String>,
    pub city: Option<String>,
    pub address_line: Option<String>,
    pub municipality_code: Option<String>,
}

/// An application as staff see it: the applicant's details, never the My Number.
// Personal data: no Debug, so it cannot be logged by accident.
#[derive(Clone, Serialize, ToSchema)]
pub struct OneStopApplication {
    pub id: String,
    /// The donor identity (名寄せ) the application belongs to.
    pub identity_id: String,
    pub tax_year: i32,
    pub received_on: NaiveDate,
    pub channel: OneStopChannel,
    pub status: OneStopStatus,
    /// Set when `status` is `invalid`.
    pub invalid_reason: Option<OneStopInvalidReason>,
    /// The last day an application for the tax year may arrive: 10 January of the next year.
    pub deadline: NaiveDate,
    pub name: String,
    pub name_kana: String,
    pub birth_date: Option<NaiveDate>,
    pub postal_code: String,
    pub prefecture: String,
    pub city: String,
    pub address_line: String,
    /// The home municipality's 全国地方公共団体コード: it receives the notice.
    pub municipality_code: String,
    /// Its name in the official list (`品川区`, `大阪市`).
    pub municipality_name: Option<String>,
    /// Whether a My Number is held (read it with `GET …/my-number`, given the permission).
    pub has_my_number: bool,
    /// When the My Number was deleted at the end of the retention period.
    pub my_number_purged_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<ApplicationRow> for OneStopApplication {
    fn from(r: ApplicationRow) -> Self {
        let municipality_name = LocalGovernmentCode::parse(&r.municipality_code)
            .ok()
            .and_then(|code| local_government::by_code(&code))
            .map(|body| body.name.clone());
        OneStopApplication {
            deadline: one_stop_deadline(r.tax_year),
            has_my_number: r.my_number_sealed.is_some(),
            id: r.id,
            identity_id: r.identity_id,
            tax_year: r.tax_year,
            received_on: r.received_on,
            channel: r.channel,
            status: r.status,
            invalid_reason: r.invalid_reason,
            name: r.applicant_name,
            name_kana: r.applicant_name_kana,
            birth_date: r.birth_date,
            postal_code: r.postal_code,
            prefecture: r.prefecture,
            city: r.city,
            address_line: r.address_line,
            municipality_code: r.municipality_code,
            municipality_name,
            my_number_purged_at: r.my_number_purged_at.map(|at| at.and_utc()),
            note: r.note,
            created_at: r.created_at.and_utc(),
            updated_at: r.updated_at.and_utc(),
        }
    }
}

/// Filters and paging of the application list.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OneStopApplicationQuery {
    /// e.g. 2025 for the donations of 2025 (applications due by 2026-01-10).
    #[param(minimum = 2000, maximum = 2200)]
    pub tax_year: Option<i32>,
    pub status: Option<OneStopStatus>,
    /// A home municipality's 全国地方公共団体コード, e.g. `131091`.
    pub municipality_code: Option<String>,
    #[param(minimum = 1)]
    pub page: Option<i64>,
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<i64>,
}

/// The applicant's My Number, for the one staff member who asked; the read is in the audit log.
#[derive(Serialize, ToSchema)]
pub struct MyNumberAnswer {
    /// 12 ASCII digits.
    pub my_number: String,
}

impl Drop for MyNumberAnswer {
    fn drop(&mut self) {
        self.my_number.zeroize();
    }
}
