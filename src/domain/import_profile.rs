//! A portal's import profile (#14): the portal's own column headers, how it writes dates, amounts
//! and the one-stop flag, and which catalogue gift each of its item codes is. Profiles are data
//! that staff keep (`imports::profiles`), so a new portal or a changed export needs no release.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::donation::check_channel;
use super::portal_formats::{folded, normal, AmountFormat, DateFormat, OneStopValues};
use super::FieldError;

crate::named_enum! {
    /// A value the row rules read (`portal_import::parse_row`), named as the project's own CSV
    /// column. `gift_code` is the portal's item code, translated through `item_codes`.
    #[derive(PartialOrd, Ord)]
    pub enum Field {
        ExternalId = "external_id",
        ReceivedOn = "received_on",
        Amount = "amount",
        Kind = "kind",
        GiftCode = "gift_code",
        Organization = "organization",
        Purpose = "purpose",
        DonorName = "donor_name",
        DonorNameKana = "donor_name_kana",
        DonorEmail = "donor_email",
        DonorPhone = "donor_phone",
        DonorPostalCode = "donor_postal_code",
        DonorPrefecture = "donor_prefecture",
        DonorCity = "donor_city",
        DonorAddressLine = "donor_address_line",
        OneStop = "one_stop",
    }
}

impl Field {
    /// Whether every profile must name the portal's column for it. Without `kind`, a row's kind
    /// follows from its cells (`portal_row`); the others are optional as in the own format.
    pub const fn required(self) -> bool {
        !matches!(
            self,
            Field::Kind | Field::GiftCode | Field::Organization | Field::Purpose | Field::OneStop
        )
    }
}

const NAME_MAX: usize = 100;
const HEADER_MAX: usize = 100;
const ITEM_CODE_MAX: usize = 100;
const ITEM_CODES_MAX: usize = 10_000;
const FLAG_VALUE_MAX: usize = 50;

/// A profile as staff write it and as it is stored: plain JSON, checked by `ImportProfile::new`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileDefinition {
    /// The portal as staff call it, e.g. 楽天ふるさと納税 (at most 100 characters).
    #[serde(default)]
    pub name: Option<String>,
    /// Field (`external_id`, `received_on`, `amount`, `kind`, `gift_code`, `organization`,
    /// `purpose`, `donor_name`, `donor_name_kana`, `donor_email`, `donor_phone`,
    /// `donor_postal_code`, `donor_prefecture`, `donor_city`, `donor_address_line`, `one_stop`)
    /// → the portal's column header for it, e.g. `{"external_id": "受付番号"}`.
    pub columns: BTreeMap<String, String>,
    /// `%Y/%m/%d`, `%Y-%m-%d`, `%Y年%m月%d日` or `%Y%m%d`; a time after the date is ignored.
    pub date_format: String,
    /// `plain` (34000), `commas` (34,000) or `yen` (¥34,000, 34,000円).
    pub amount_format: String,
    /// What the one-stop column says for yes and for no (`""`: an empty cell).
    #[serde(default)]
    pub one_stop_values: OneStopValues,
    /// The portal's item code → the `code` of a gift in the catalogue.
    #[serde(default)]
    pub item_codes: BTreeMap<String, String>,
}

/// A checked profile: one channel's portal export, as the import reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportProfile {
    pub channel: String,
    pub name: Option<String>,
    /// Each field the file holds → the portal's header for it (as written in the profile).
    pub columns: BTreeMap<Field, String>,
    pub date_format: DateFormat,
    pub amount_format: AmountFormat,
    pub one_stop_values: OneStopValues,
    /// The portal's item code (NFKC, trimmed) → our gift code.
    pub item_codes: BTreeMap<String, String>,
}

impl ImportProfile {
    /// Checks a definition; every problem is reported under its JSON path (`columns.amount`,
    /// `item_codes.A-001`, `one_stop_values.yes`).
    pub fn new(
        channel: &str,
        definition: ProfileDefinition,
    ) -> Result<ImportProfile, Vec<FieldError>> {
        let mut errors = Vec::new();
        if let Err(e) = check_channel("channel", channel) {
            errors.push(e);
        }
        let name = definition
            .name
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty());
        if name.as_ref().is_some_and(|n| n.chars().count() > NAME_MAX) {
            errors.push(FieldError::new(
                "name",
                format!("must be at most {NAME_MAX} characters"),
            ));
        }
        let columns = check_columns(definition.columns, &mut errors);
        let date_format = DateFormat::parse(definition.date_format.trim());
        if date_format.is_none() {
            errors.push(FieldError::new(
                "date_format",
                "must be one of %Y/%m/%d, %Y-%m-%d, %Y年%m月%d日, %Y%m%d",
            ));
        }
        let amount_format = AmountFormat::parse(definition.amount_format.trim());
        if amount_format.is_none() {
            errors.push(FieldError::new(
                "amount_format",
                "must be one of plain, commas, yen",
            ));
        }
        let one_stop_values = check_one_stop(
            definition.one_stop_values,
            columns.contains_key(&Field::OneStop),
            &mut errors,
        );
        let item_codes = check_item_codes(
            definition.item_codes,
            columns.contains_key(&Field::GiftCode),
            &mut errors,
        );
        match (date_format, amount_format) {
            (Some(date_format), Some(amount_format)) if errors.is_empty() => Ok(ImportProfile {
                channel: channel.to_owned(),
                name,
                columns,
                date_format,
                amount_format,
                one_stop_values,
                item_codes,
            }),
            _ => Err(errors),
        }
    }

    /// The profile as it is stored and shown.
    pub fn definition(&self) -> ProfileDefinition {
        ProfileDefinition {
            name: self.name.clone(),
            columns: self
                .columns
                .iter()
                .map(|(f, h)| (f.as_str().to_owned(), h.clone()))
                .collect(),
            date_format: self.date_format.as_str().to_owned(),
            amount_format: self.amount_format.as_str().to_owned(),
            one_stop_values: self.one_stop_values.clone(),
            item_codes: self.item_codes.clone(),
        }
    }

    /// The portal's header for a field named as the own format names it (`gift_code`), so a
    /// problem is reported under the column the portal's file has.
    pub fn header_of(&self, field: &str) -> Option<&str> {
        self.columns.get(&Field::parse(field)?).map(String::as_str)
    }

    /// The portal's header for one of our fields, or the field's own name when it has none.
    pub fn column<'a>(&'a self, field: &'a str) -> &'a str {
        self.header_of(field).unwrap_or(field)
    }

    /// Our gift code for one of the portal's item codes.
    pub fn gift_code_for(&self, item_code: &str) -> Option<&str> {
        self.item_codes.get(&normal(item_code)).map(String::as_str)
    }
}

fn check_columns(
    given: BTreeMap<String, String>,
    errors: &mut Vec<FieldError>,
) -> BTreeMap<Field, String> {
    let mut columns = BTreeMap::new();
    let mut seen: BTreeMap<String, Field> = BTreeMap::new();
    for (key, header) in given {
        let path = format!("columns.{key}");
        let Some(field) = Field::parse(key.trim()) else {
            let known: Vec<&str> = Field::ALL.iter().map(|f| f.as_str()).collect();
            errors.push(FieldError::new(
                path,
                format!(
                    "is not a field an import reads; one of {}",
                    known.join(", ")
                ),
            ));
            continue;
        };
        let header = header.trim().to_owned();
        if header.is_empty() {
            errors.push(FieldError::new(
                path,
                "must name the portal's column header",
            ));
            continue;
        }
        if header.chars().count() > HEADER_MAX {
            errors.push(FieldError::new(
                path,
                format!("must be at most {HEADER_MAX} characters"),
            ));
            continue;
        }
        if let Some(other) = seen.insert(folded(&header), field) {
            errors.push(FieldError::new(
                path,
                format!("is the same header as columns.{}", other.as_str()),
            ));
            continue;
        }
        columns.insert(field, header);
    }
    for field in Field::ALL {
        if field.required() && !columns.contains_key(&field) {
            errors.push(FieldError::new(
                format!("columns.{}", field.as_str()),
                "is required: the portal's column header for this field",
            ));
        }
    }
    columns
}

fn check_one_stop(
    given: OneStopValues,
    mapped: bool,
    errors: &mut Vec<FieldError>,
) -> OneStopValues {
    let trim = |values: Vec<String>| -> Vec<String> {
        values.into_iter().map(|v| v.trim().to_owned()).collect()
    };
    let values = OneStopValues {
        yes: trim(given.yes),
        no: trim(given.no),
    };
    for (side, list) in [("yes", &values.yes), ("no", &values.no)] {
        if list.iter().any(|v| v.chars().count() > FLAG_VALUE_MAX) {
            errors.push(FieldError::new(
                format!("one_stop_values.{side}"),
                format!("values must be at most {FLAG_VALUE_MAX} characters"),
            ));
        }
    }
    if let Some(both) = values
        .no
        .iter()
        .find(|n| values.yes.iter().any(|y| folded(y) == folded(n)))
    {
        errors.push(FieldError::new(
            "one_stop_values.no",
            format!("{both} is also a yes value"),
        ));
    }
    if mapped && values.yes.is_empty() {
        errors.push(FieldError::new(
            "one_stop_values.yes",
            "must list what the portal writes for yes, since columns.one_stop is set",
        ));
    }
    values
}

fn check_item_codes(
    given: BTreeMap<String, String>,
    mapped: bool,
    errors: &mut Vec<FieldError>,
) -> BTreeMap<String, String> {
    if !given.is_empty() && !mapped {
        errors.push(FieldError::new(
            "item_codes",
            "needs columns.gift_code: the portal's column of item codes",
        ));
    }
    if given.len() > ITEM_CODES_MAX {
        errors.push(FieldError::new(
            "item_codes",
            format!("may hold at most {ITEM_CODES_MAX} codes"),
        ));
    }
    let mut codes = BTreeMap::new();
    for (item, gift) in given {
        let path = format!("item_codes.{item}");
        let key = normal(&item);
        if key.is_empty() || key.chars().count() > ITEM_CODE_MAX {
            errors.push(FieldError::new(
                path,
                format!("the portal's item code must be 1-{ITEM_CODE_MAX} characters"),
            ));
            continue;
        }
        let gift = gift.trim().to_owned();
        if !super::gift::valid_gift_code(&gift) {
            errors.push(FieldError::new(
                path,
                "must be a catalogue gift's code (1-40 characters of A-Z, a-z, 0-9, '-' or '_')",
            ));
            continue;
        }
        if codes.insert(key, gift).is_some() {
            errors.push(FieldError::new(
                path,
                "is the same item code as another entry (compared after width folding)",
            ));
        }
    }
    codes
}

#[cfg(test)]
#[path = "import_profile_tests.rs"]
pub(crate) mod tests;
