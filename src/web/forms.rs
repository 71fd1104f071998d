//! What the pages' forms share: their fields read as values, and a refusal's messages shown
//! beside the fields.

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// A text field as an optional value: a blank field is none.
pub fn optional(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// An optional form or query value: an empty field is no value.
pub fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A date typed in a form or query (`YYYY-MM-DD`, as `<input type="date">` sends it).
pub fn date_field(field: &str, value: &str) -> Result<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(value.trim(), "%Y-%m-%d")
        .map_err(|_| Error::field(field, "must be a date like 2025-04-01"))
}

/// An amount of yen typed in a form (`10,000` is fine).
pub fn whole_yen(field: &str, text: &str) -> Result<i64> {
    text.trim()
        .replace(',', "")
        .parse()
        .map_err(|_| Error::field(field, "must be a whole number of yen"))
}

/// A refused form's field messages by field name, to show beside each field.
pub fn field_errors(error: Option<&Error>) -> BTreeMap<String, String> {
    match error {
        Some(Error::Validation(fields)) => fields
            .iter()
            .map(|f| (f.field.clone(), f.message.clone()))
            .collect(),
        _ => BTreeMap::new(),
    }
}
