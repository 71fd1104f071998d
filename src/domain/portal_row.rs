//! A portal's file read through its import profile: the profile's headers found in the file's
//! header row, and each row's cells turned into the values `portal_import::parse_row` checks, so
//! a portal's row meets exactly the rules of the project's own format. Every problem is reported
//! under the portal's own header, the name staff see in the file.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::donation::DonationKind;
use super::import_profile::{Field, ImportProfile};
use super::portal_formats::folded;
use super::portal_import::{parse_row, ImportRow};
use super::FieldError;

/// Where each of the profile's columns sits in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    positions: BTreeMap<Field, usize>,
}

/// Finds the profile's headers in the file's header row: in any order, other columns ignored,
/// compared after NFKC, trim and case. Every column the profile names must be there, once.
pub fn locate(profile: &ImportProfile, header: &[&str]) -> Result<Located, Vec<FieldError>> {
    let in_file: Vec<String> = header.iter().map(|h| folded(h)).collect();
    let mut positions = BTreeMap::new();
    let mut errors = Vec::new();
    for (&field, name) in &profile.columns {
        let wanted = folded(name);
        let mut at = in_file
            .iter()
            .enumerate()
            .filter(|(_, h)| **h == wanted)
            .map(|(i, _)| i);
        match (at.next(), at.next()) {
            (Some(i), None) => {
                positions.insert(field, i);
            }
            (Some(_), Some(_)) => {
                errors.push(FieldError::new(name.clone(), "appears twice in the header"));
            }
            (None, _) => errors.push(FieldError::new(
                name.clone(),
                format!(
                    "column is missing from the header (profile {} reads {} from it)",
                    profile.channel,
                    field.as_str()
                ),
            )),
        }
    }
    FieldError::all_or(errors, Located { positions })
}

/// The kind of a row whose portal has no kind column: a row with an item code is a gift, one
/// naming an organisation is support, any other is a donation without a return.
fn kind_of(values: &BTreeMap<Field, String>) -> DonationKind {
    let has = |f: Field| values.get(&f).is_some_and(|v| !v.is_empty());
    if has(Field::GiftCode) {
        DonationKind::Gift
    } else if has(Field::Organization) {
        DonationKind::Support
    } else {
        DonationKind::General
    }
}

/// One row through the profile, then the own format's rules (`parse_row`). The profile's own
/// findings (a date or amount not in its format, a one-stop value it does not list, an item code
/// it does not map) stand in for what `parse_row` would say of the same field.
pub fn parse(
    profile: &ImportProfile,
    located: &Located,
    line: u64,
    cells: &[&str],
    today: NaiveDate,
) -> Result<ImportRow, Vec<FieldError>> {
    let cell = |f: Field| {
        located
            .positions
            .get(&f)
            .and_then(|&i| cells.get(i))
            .map_or("", |c| c.trim())
    };
    let mut values: BTreeMap<Field, String> = located
        .positions
        .keys()
        .map(|&f| (f, cell(f).to_owned()))
        .collect();
    let mut errors = Vec::new();

    let received = cell(Field::ReceivedOn);
    if !received.is_empty() {
        match profile.date_format.read(received) {
            Some(d) => {
                values.insert(Field::ReceivedOn, d.format("%Y-%m-%d").to_string());
            }
            None => errors.push(FieldError::new(
                Field::ReceivedOn.as_str(),
                format!("must be a date like {}", profile.date_format.example()),
            )),
        }
    }
    let amount = cell(Field::Amount);
    if !amount.is_empty() {
        match profile.amount_format.read(amount) {
            Ok(digits) => {
                values.insert(Field::Amount, digits);
            }
            Err(message) => errors.push(FieldError::new(Field::Amount.as_str(), message)),
        }
    }
    if located.positions.contains_key(&Field::OneStop) {
        match profile.one_stop_values.read(cell(Field::OneStop)) {
            Some(yes) => {
                values.insert(Field::OneStop, yes.to_string());
            }
            None => errors.push(FieldError::new(
                Field::OneStop.as_str(),
                profile.one_stop_values.expected(),
            )),
        }
    }
    let item = cell(Field::GiftCode);
    if !item.is_empty() {
        match profile.gift_code_for(item) {
            Some(code) => {
                values.insert(Field::GiftCode, code.to_owned());
            }
            None => errors.push(FieldError::new(
                Field::GiftCode.as_str(),
                format!("the item code {item} is not in this profile's item_codes"),
            )),
        }
    }
    if !located.positions.contains_key(&Field::Kind) {
        values.insert(Field::Kind, kind_of(&values).as_str().to_owned());
    }

    let get = |column: &str| {
        Field::parse(column)
            .and_then(|f| values.get(&f))
            .map(String::as_str)
    };
    let mut errors = match parse_row(line, get, today) {
        Ok(row) if errors.is_empty() => return Ok(row),
        Ok(_) => errors,
        Err(rule_errors) => {
            let said: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
            errors.extend(rule_errors.into_iter().filter(|e| !said.contains(&e.field)));
            errors
        }
    };
    errors.sort_by_key(|e| Field::parse(&e.field));
    Err(errors
        .into_iter()
        .map(|e| FieldError {
            field: profile.column(&e.field).to_owned(),
            message: e.message,
        })
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::domain::import_profile::tests::sample;
    use crate::domain::money::Yen;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 12, 31).unwrap()
    }

    fn profile() -> ImportProfile {
        ImportProfile::new("rakuten", sample()).unwrap()
    }

    /// The sample's headers in another order, half-width parentheses, and a column it ignores.
    const HEADER: [&str; 14] = [
        "寄附金額",
        "備考",
        "受付番号",
        "入金日",
        "返礼品コード",
        "寄附者氏名",
        "寄附者氏名(フリガナ)",
        "メールアドレス",
        "電話番号",
        "郵便番号",
        "都道府県",
        "市区町村",
        "番地・建物名",
        " ワンストップ特例申請 ",
    ];

    fn row<'a>(amount: &'a str, date: &'a str, item: &'a str, one_stop: &'a str) -> [&'a str; 14] {
        [
            amount,
            "メモ",
            "R-1",
            date,
            item,
            "大阪 花子",
            "ｵｵｻｶ ﾊﾅｺ",
            "hanako@example.jp",
            "06-1234-5678",
            "530-0001",
            "大阪府",
            "大阪市北区",
            "梅田1-1-1",
            one_stop,
        ]
    }

    fn read(cells: &[&str]) -> Result<ImportRow, Vec<FieldError>> {
        let p = profile();
        let located = locate(&p, &HEADER).unwrap();
        parse(&p, &located, 2, cells, today())
    }

    #[test]
    fn a_portal_row_becomes_an_import_row() {
        let r = read(&row("34,000", "2025/07/14 10:23", "A-0001", "希望する")).unwrap();
        assert_eq!(r.external_id, "R-1");
        assert_eq!(r.received_on, NaiveDate::from_ymd_opt(2025, 7, 14).unwrap());
        assert_eq!(r.amount, Yen(34_000));
        assert_eq!(r.kind, DonationKind::Gift);
        assert_eq!(r.gift_code.as_deref(), Some("EXP-003"));
        assert_eq!(r.donor.name_kana, "オオサカ ハナコ");
        assert!(r.one_stop);

        let r = read(&row("5000", "2025/7/1", "", "")).unwrap();
        assert_eq!(r.kind, DonationKind::General);
        assert_eq!(r.gift_code, None);
        assert!(!r.one_stop);
    }

    #[test]
    fn problems_are_named_by_the_portals_headers() {
        let errors = read(&row("34000.5", "2025-07-14", "Z-9", "はい")).unwrap_err();
        let named: Vec<(&str, &str)> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            named,
            [
                ("入金日", "must be a date like 2025/07/14"),
                ("寄附金額", "must be whole yen, without decimals"),
                (
                    "返礼品コード",
                    "the item code Z-9 is not in this profile's item_codes"
                ),
                (
                    "ワンストップ特例申請",
                    "must be 希望する (yes) or 希望しない / an empty cell (no)"
                ),
            ]
        );
        // The own format's rules still apply, under the portal's header.
        let mut cells = row("34,000", "2026/01/01", "A-0001", "");
        cells[7] = "not-an-email";
        let errors = read(&cells).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["入金日", "メールアドレス"]);
    }

    #[test]
    fn a_header_without_the_profiles_columns_is_refused_by_name() {
        let p = profile();
        let own = [
            "external_id",
            "received_on",
            "amount",
            "kind",
            "gift_code",
            "受付番号",
            "受付番号",
        ];
        let errors = locate(&p, &own).unwrap_err();
        assert_eq!(errors[0].field, "受付番号");
        assert_eq!(errors[0].message, "appears twice in the header");
        assert_eq!(errors[1].field, "入金日");
        assert_eq!(
            errors[1].message,
            "column is missing from the header (profile rakuten reads received_on from it)"
        );
        assert_eq!(errors.len(), p.columns.len());
    }

    #[test]
    fn a_kind_column_when_the_profile_has_one() {
        let mut d = sample();
        d.columns.insert("kind".into(), "種別".into());
        d.columns.insert("organization".into(), "応援団体".into());
        let p = ImportProfile::new("rakuten", d).unwrap();
        let mut header = HEADER.to_vec();
        header.extend(["種別", "応援団体"]);
        let located = locate(&p, &header).unwrap();
        let mut cells = row("50,000", "2025/07/14", "", "").to_vec();
        cells.extend(["応援", "香蘭女学校"]);
        let r = parse(&p, &located, 2, &cells, today()).unwrap();
        assert_eq!(r.kind, DonationKind::Support);
        assert_eq!(r.organization.as_deref(), Some("香蘭女学校"));
    }
}
