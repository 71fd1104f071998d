//! The return-gift catalogue (返礼品), organisations, usage purposes and businesses.

pub mod admin_routes;
pub mod approval;
pub mod bases;
pub mod browse;
pub mod cache;
pub mod gifts;
pub mod images;
pub mod named_item_routes;
pub mod named_items;
pub mod routes;
pub mod store;
pub mod types;

use crate::domain::gift::GiftRuleError;
use crate::domain::money::Yen;
use crate::error::{Error, ErrorCode};

/// The HTTP answer to a broken gift rule.
pub fn rule_error(e: GiftRuleError, amount: i64) -> Error {
    match e {
        GiftRuleError::Invalid(fields) => Error::Validation(fields),
        GiftRuleError::ReturnRatioExceeded {
            max_procurement_cost,
        } => Error::rejected(
            ErrorCode::ReturnRatioExceeded,
            format!(
                "The procurement cost may be at most 30% of the donation amount: at most {} for a donation of {}.",
                max_procurement_cost,
                Yen(amount)
            ),
        ),
        GiftRuleError::ProhibitedWording { word } => Error::rejected(
            ErrorCode::ProhibitedWording,
            format!(
                "「{word}」 may not appear in a gift's name or description (advertising rules since October 2024)."
            ),
        ),
    }
}
