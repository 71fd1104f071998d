//! Portal donation imports: the rules one CSV row must satisfy to enter the ledger, and its flags.

use chrono::NaiveDate;

use super::donation::DonationKind;
use super::donor::{same_municipality, Donor, DonorInput};
use super::import_profile::Field;
use super::money::Yen;
use super::FieldError;

/// The columns of a portal CSV, in the documented order: the row's fields by their own names.
/// Unknown columns are ignored.
pub const COLUMNS: [&str; 16] = own_columns(false);

/// Columns that must appear in the header row (values may still be empty where the rules allow).
pub const REQUIRED_COLUMNS: [&str; 12] = own_columns(true);

/// The names of the own format's columns in `Field` order: all of them, or only those a header
/// must have, which are a profile's required fields and `kind` (the own format always states it).
const fn own_columns<const N: usize>(required_only: bool) -> [&'static str; N] {
    let mut names = [""; N];
    let (mut i, mut n) = (0, 0);
    while i < Field::ALL.len() {
        let field = Field::ALL[i];
        if !required_only || field.required() || matches!(field, Field::Kind) {
            names[n] = field.as_str();
            n += 1;
        }
        i += 1;
    }
    assert!(n == N, "N must be the number of columns");
    names
}

const EXTERNAL_ID_MAX: usize = 100;
const REFERENCE_MAX: usize = 200;

/// A kind as portals write it: `gift`, `support`, `on_site`, `general`, or the Japanese
/// 返礼品あり/返礼品, 応援/団体応援/応援型, 現地決済/現地決済型, 寄附のみ.
pub fn parse_kind(s: &str) -> Option<DonationKind> {
    let s = s.trim().to_ascii_lowercase();
    DonationKind::parse(&s).or(match s.as_str() {
        "返礼品あり" | "返礼品" => Some(DonationKind::Gift),
        "応援" | "団体応援" | "応援型" => Some(DonationKind::Support),
        "現地決済" | "現地決済型" => Some(DonationKind::OnSite),
        "寄附のみ" => Some(DonationKind::General),
        _ => None,
    })
}

/// A validated row, ready to be matched against the catalogue and stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// Line of the CSV file the row starts on (the header is line 1).
    pub line: u64,
    pub external_id: String,
    pub received_on: NaiveDate,
    pub amount: Yen,
    pub kind: DonationKind,
    /// A gift's `code`, for kind `gift`.
    pub gift_code: Option<String>,
    /// An organisation's id or exact name, for kind `support`.
    pub organization: Option<String>,
    /// A usage purpose's id or exact name, optional.
    pub purpose: Option<String>,
    pub donor: Donor,
    pub one_stop: bool,
}

/// Why an imported donation needs a second look, although it is imported (stored in `import_flags`).
pub const FLAG_RESIDENT_GIFT: &str = "resident_gift";

/// `YYYY-MM-DD` or `YYYY/MM/DD`; month and day may have one digit (`2025/7/4`, as Excel writes).
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    let separator = if s.contains('/') { '/' } else { '-' };
    let mut parts = s.split(separator);
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    let digits = |p: &str, lengths: &[usize]| {
        lengths.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    if !digits(y, &[4]) || !digits(m, &[1, 2]) || !digits(d, &[1, 2]) {
        return None;
    }
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Whole yen: digits with optional thousands commas and an optional leading ¥/￥; strictly positive.
pub fn parse_amount(s: &str) -> Result<Yen, String> {
    const SHAPE: &str = "must be a whole number of yen, e.g. 34000";
    let s = s.trim();
    let s = s
        .strip_prefix('¥')
        .or_else(|| s.strip_prefix('￥'))
        .unwrap_or(s);
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit() || b == b',') {
        return Err(SHAPE.to_owned());
    }
    if s.starts_with(',') || s.ends_with(',') || s.contains(",,") {
        return Err(SHAPE.to_owned());
    }
    let amount: i64 = s
        .replace(',', "")
        .parse()
        .map_err(|_| "is too large".to_owned())?;
    Yen::positive(amount).ok_or_else(|| "must be at least 1 yen".to_owned())
}

/// `true`/`false`, `1`/`0`, `yes`/`no`, `はい`/`いいえ`; empty means false.
pub fn parse_one_stop(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "はい" | "有" | "あり" => Some(true),
        "false" | "0" | "no" | "いいえ" | "無" | "なし" | "" => Some(false),
        _ => None,
    }
}

/// Validates one row; `get` returns the trimmed value of a column (None when the column is absent).
/// Every problem of the row is reported, each under its CSV column name.
pub fn parse_row<'a>(
    line: u64,
    get: impl Fn(&str) -> Option<&'a str>,
    today: NaiveDate,
) -> Result<ImportRow, Vec<FieldError>> {
    let mut errors = Vec::new();
    let value = |column: &str| get(column).map(str::trim).filter(|v| !v.is_empty());

    let external_id = match value("external_id") {
        None => {
            errors.push(FieldError::new("external_id", "is required"));
            String::new()
        }
        Some(v) if v.chars().count() > EXTERNAL_ID_MAX || v.chars().any(char::is_control) => {
            errors.push(FieldError::new(
                "external_id",
                format!("must be at most {EXTERNAL_ID_MAX} printable characters"),
            ));
            String::new()
        }
        Some(v) => v.to_owned(),
    };

    let received_on = match value("received_on").map(|v| (v, parse_date(v))) {
        None => {
            errors.push(FieldError::new("received_on", "is required"));
            None
        }
        Some((_, None)) => {
            errors.push(FieldError::new(
                "received_on",
                "must be a date like 2025-07-14 or 2025/07/14",
            ));
            None
        }
        Some((_, Some(d))) if d > today => {
            errors.push(FieldError::new(
                "received_on",
                "must not be in the future (Japan date)",
            ));
            None
        }
        Some((_, Some(d))) if d < NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(d) => {
            errors.push(FieldError::new("received_on", "must be in 2000 or later"));
            None
        }
        Some((_, Some(d))) => Some(d),
    };

    let amount = match value("amount").map(parse_amount) {
        None => {
            errors.push(FieldError::new("amount", "is required"));
            None
        }
        Some(Err(message)) => {
            errors.push(FieldError::new("amount", message));
            None
        }
        Some(Ok(a)) => Some(a),
    };

    let kind = match value("kind") {
        None => {
            errors.push(FieldError::new("kind", "is required"));
            None
        }
        Some(v) => match parse_kind(v) {
            Some(k) => Some(k),
            None => {
                errors.push(FieldError::new(
                    "kind",
                    "must be gift, support, on_site or general (返礼品あり, 応援, 現地決済, 寄附のみ)",
                ));
                None
            }
        },
    };

    let mut reference = |column: &str, needed: Option<bool>| -> Option<String> {
        let v = value(column);
        match (needed, v) {
            (Some(true), None) => {
                errors.push(FieldError::new(column, "is required for this kind"));
                None
            }
            (Some(false), Some(_)) => {
                errors.push(FieldError::new(
                    column,
                    "must be empty for this kind of donation",
                ));
                None
            }
            (_, Some(v)) if v.chars().count() > REFERENCE_MAX => {
                errors.push(FieldError::new(
                    column,
                    format!("must be at most {REFERENCE_MAX} characters"),
                ));
                None
            }
            (_, v) => v.map(str::to_owned),
        }
    };
    // The ledger's constraints: a gift row names its gift, a support row its organisation, and
    // no other row names either.
    let gift_code = reference("gift_code", kind.map(|k| k == DonationKind::Gift));
    let organization = reference("organization", kind.map(|k| k == DonationKind::Support));
    let purpose = reference("purpose", None);

    let one_stop = match parse_one_stop(get("one_stop").unwrap_or("")) {
        Some(b) => b,
        None => {
            errors.push(FieldError::new(
                "one_stop",
                "must be true/false, 1/0 or はい/いいえ",
            ));
            false
        }
    };

    let donor_input = DonorInput {
        name: value("donor_name").map(str::to_owned),
        name_kana: value("donor_name_kana").map(str::to_owned),
        email: value("donor_email").map(str::to_owned),
        phone: value("donor_phone").map(str::to_owned),
        postal_code: value("donor_postal_code").map(str::to_owned),
        prefecture: value("donor_prefecture").map(str::to_owned),
        city: value("donor_city").map(str::to_owned),
        address_line: value("donor_address_line").map(str::to_owned),
    };
    let donor = match Donor::parse(donor_input, "donor") {
        Ok(d) => Some(d),
        Err(donor_errors) => {
            // "donor.name" → the CSV column "donor_name".
            errors.extend(donor_errors.into_iter().map(|e| FieldError {
                field: e.field.replacen("donor.", "donor_", 1),
                message: e.message,
            }));
            None
        }
    };

    match (received_on, amount, kind, donor) {
        (Some(received_on), Some(amount), Some(kind), Some(donor)) if errors.is_empty() => {
            Ok(ImportRow {
                line,
                external_id,
                received_on,
                amount,
                kind,
                gift_code,
                organization,
                purpose,
                donor,
                one_stop,
            })
        }
        _ => Err(errors),
    }
}

/// Storefront rules an imported donation breaks (it is imported all the same, and flagged):
/// a gift or on-site voucher for a donor who lives in the municipality itself.
pub fn flags(row: &ImportRow, home_prefecture: &str, home_city: &str) -> Vec<&'static str> {
    let mut flags = Vec::new();
    if row.kind.gives_return()
        && same_municipality(
            &row.donor.prefecture,
            &row.donor.city,
            home_prefecture,
            home_city,
        )
    {
        flags.push(FLAG_RESIDENT_GIFT);
    }
    flags
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2025, 8, 1).unwrap()
    }

    fn good() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            ("external_id", "R-0001"),
            ("received_on", "2025/7/14"),
            ("amount", "34,000"),
            ("kind", "返礼品あり"),
            ("gift_code", "HANABI-PAIR"),
            ("donor_name", "大阪 花子"),
            ("donor_name_kana", "ｵｵｻｶ ﾊﾅｺ"),
            ("donor_email", "hanako@example.jp"),
            ("donor_phone", "06-1234-5678"),
            ("donor_postal_code", "530-0001"),
            ("donor_prefecture", "大阪府"),
            ("donor_city", "大阪市北区"),
            ("donor_address_line", "梅田1-1-1"),
            ("one_stop", "はい"),
        ])
    }

    fn parse(map: &HashMap<&'static str, &'static str>) -> Result<ImportRow, Vec<FieldError>> {
        parse_row(2, |c| map.get(c).copied(), today())
    }

    fn fields(errors: &[FieldError]) -> Vec<&str> {
        errors.iter().map(|e| e.field.as_str()).collect()
    }

    #[test]
    fn a_good_row_is_normalised() {
        let row = parse(&good()).unwrap();
        assert_eq!(row.line, 2);
        assert_eq!(
            row.received_on,
            NaiveDate::from_ymd_opt(2025, 7, 14).unwrap()
        );
        assert_eq!(row.amount, Yen(34_000));
        assert_eq!(row.kind, DonationKind::Gift);
        assert_eq!(row.gift_code.as_deref(), Some("HANABI-PAIR"));
        assert_eq!(row.donor.name_kana, "オオサカ ハナコ");
        assert!(row.one_stop);
    }

    #[test]
    fn every_problem_of_a_row_is_reported_by_column() {
        let mut map = good();
        map.insert("amount", "-5");
        map.insert("received_on", "2025-02-30");
        map.insert("donor_postal_code", "12");
        map.insert("one_stop", "maybe");
        map.remove("donor_email");
        let errors = parse(&map).unwrap_err();
        assert_eq!(
            fields(&errors),
            [
                "received_on",
                "amount",
                "one_stop",
                "donor_email",
                "donor_postal_code"
            ]
        );
    }

    #[test]
    fn kind_decides_which_references_are_needed() {
        let mut map = good();
        map.insert("kind", "support");
        let errors = parse(&map).unwrap_err();
        assert_eq!(fields(&errors), ["gift_code", "organization"]);

        map.remove("gift_code");
        map.insert("organization", "香蘭女学校");
        let row = parse(&map).unwrap();
        assert_eq!(row.kind, DonationKind::Support);
        assert_eq!(row.organization.as_deref(), Some("香蘭女学校"));

        let mut map = good();
        map.insert("gift_code", " ");
        assert_eq!(fields(&parse(&map).unwrap_err()), ["gift_code"]);
    }

    #[test]
    fn dates_amounts_kinds_and_flags_of_one_stop() {
        let d = |s| parse_date(s);
        assert_eq!(d("2025-07-14"), NaiveDate::from_ymd_opt(2025, 7, 14));
        assert_eq!(d("2025/07/14"), NaiveDate::from_ymd_opt(2025, 7, 14));
        assert_eq!(d("2025/7/4"), NaiveDate::from_ymd_opt(2025, 7, 4));
        for bad in [
            "2025-07",
            "25/07/14",
            "2025-07/14",
            "2025-13-01",
            "x",
            "2025/07/14/1",
        ] {
            assert_eq!(d(bad), None, "{bad}");
        }
        assert_eq!(parse_amount("¥34,000"), Ok(Yen(34_000)));
        assert_eq!(parse_amount("5000"), Ok(Yen(5_000)));
        for bad in [
            "0",
            "-1",
            "1.5",
            ",100",
            "1,,000",
            "",
            "99999999999999999999",
        ] {
            assert!(parse_amount(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_kind("寄附のみ"), Some(DonationKind::General));
        assert_eq!(parse_kind("ON_SITE"), Some(DonationKind::OnSite));
        assert_eq!(parse_kind("other"), None);
        assert_eq!(parse_one_stop("1"), Some(true));
        assert_eq!(parse_one_stop("いいえ"), Some(false));
        assert_eq!(parse_one_stop(""), Some(false));
        assert_eq!(parse_one_stop("2"), None);
    }

    #[test]
    fn future_dates_are_refused() {
        let mut map = good();
        map.insert("received_on", "2025-08-02");
        assert_eq!(fields(&parse(&map).unwrap_err()), ["received_on"]);
        map.insert("received_on", "2025-08-01");
        assert!(parse(&map).is_ok());
    }

    #[test]
    fn residents_receiving_gifts_are_flagged() {
        let mut map = good();
        map.insert("donor_prefecture", "東京都");
        map.insert("donor_city", "品川区");
        let row = parse(&map).unwrap();
        assert_eq!(flags(&row, "東京都", "品川区"), [FLAG_RESIDENT_GIFT]);
        map.insert("kind", "general");
        map.remove("gift_code");
        let row = parse(&map).unwrap();
        assert!(flags(&row, "東京都", "品川区").is_empty());
        let row = parse(&good()).unwrap();
        assert!(flags(&row, "東京都", "品川区").is_empty());
    }

    #[test]
    fn exported_kind_labels_import_back() {
        for kind in DonationKind::ALL {
            assert_eq!(parse_kind(kind.label()), Some(kind));
        }
    }
}
