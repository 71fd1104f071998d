//! Pure domain rules of furusato nozei: money, Japan dates, gifts, donors, vouchers and receipts.

pub mod calendar;
pub mod cost;
pub mod deduction;
pub mod delivery;
pub mod donation;
pub mod donor;
pub mod fields;
pub mod gift;
pub mod gift_approval;
pub mod gift_rules;
pub mod identity;
pub mod image;
pub mod import_profile;
pub mod keyed;
pub mod local_government;
pub mod money;
pub mod my_number;
pub mod new_donation;
pub mod one_stop;
pub mod order;
pub mod portal_formats;
pub mod portal_import;
pub mod portal_row;
pub mod projection;
pub mod receipt;
pub mod report;
pub mod search;
pub mod sign_in;
pub mod text;
pub mod voucher;
pub mod voucher_code;

/// A validation problem with one input field (`field` uses dotted JSON paths like "donor.postal_code").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    /// Builds an error for `field` with a short English `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }

    /// Every problem at once, or the checked `value` when there is none.
    pub fn all_or<T>(errors: Vec<FieldError>, value: T) -> Result<T, Vec<FieldError>> {
        if errors.is_empty() {
            Ok(value)
        } else {
            Err(errors)
        }
    }
}
