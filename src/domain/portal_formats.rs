//! How a portal writes the values of its rows: dates, amounts and the one-stop flag. An import
//! profile names one format of each, so a file in another portal's shape is refused line by line
//! rather than misread.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::text::nfkc;

/// A cell or header as compared: NFKC (full-width digits and letters are ASCII, ￥ is ¥), trimmed.
pub fn normal(text: &str) -> String {
    nfkc(text.trim_start_matches('\u{FEFF}')).trim().to_owned()
}

/// `normal` and lower case: headers and flag values compare without regard to width or case.
pub fn folded(text: &str) -> String {
    normal(text).to_lowercase()
}

crate::named_enum! {
    /// A date as a portal writes it. A time after the date (`2025/07/14 10:23`) is ignored; month
    /// and day may have one digit (`2025/7/4`) except in `%Y%m%d`.
    pub enum DateFormat {
        Slashes = "%Y/%m/%d",
        Dashes = "%Y-%m-%d",
        Kanji = "%Y年%m月%d日",
        Compact = "%Y%m%d",
    }
}

impl DateFormat {
    /// A date in this format, as the message of a refused cell shows it.
    pub fn example(self) -> &'static str {
        match self {
            DateFormat::Slashes => "2025/07/14",
            DateFormat::Dashes => "2025-07-14",
            DateFormat::Kanji => "2025年7月14日",
            DateFormat::Compact => "20250714",
        }
    }

    /// The date a cell holds in this format, or None.
    pub fn read(self, cell: &str) -> Option<NaiveDate> {
        let cell = normal(cell);
        // The date is what comes before the time: a space, a `T`, or (kanji) what follows 日.
        let date = cell.split([' ', 'T']).next().unwrap_or_default();
        let (y, m, d) = match self {
            DateFormat::Slashes => three_parts(date, '/')?,
            DateFormat::Dashes => three_parts(date, '-')?,
            DateFormat::Kanji => {
                let (date, _time) = date.split_once('日')?;
                let (y, rest) = date.split_once('年')?;
                let (m, d) = rest.split_once('月')?;
                (y, m, d)
            }
            DateFormat::Compact => {
                if date.len() != 8 || !date.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                (&date[..4], &date[4..6], &date[6..])
            }
        };
        let digits = |p: &str, lengths: &[usize]| {
            lengths.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
        };
        if !digits(y, &[4]) || !digits(m, &[1, 2]) || !digits(d, &[1, 2]) {
            return None;
        }
        NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }
}

fn three_parts(date: &str, separator: char) -> Option<(&str, &str, &str)> {
    let mut parts = date.split(separator);
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(y), Some(m), Some(d), None) => Some((y, m, d)),
        _ => None,
    }
}

crate::named_enum! {
    /// An amount as a portal writes it; always whole yen, a decimal point is refused.
    pub enum AmountFormat {
        /// Digits only: `34000`.
        Plain = "plain",
        /// Digits with thousands commas (or without): `34,000`.
        Commas = "commas",
        /// With a yen mark before or 円 after (or neither), commas allowed: `¥34,000`, `34,000円`.
        Yen = "yen",
    }
}

impl AmountFormat {
    fn shape(self) -> &'static str {
        match self {
            AmountFormat::Plain => "must be whole yen in digits, e.g. 34000",
            AmountFormat::Commas => "must be whole yen, e.g. 34,000",
            AmountFormat::Yen => "must be whole yen, e.g. ¥34,000 or 34,000円",
        }
    }

    /// The amount of a cell as plain digits, for `portal_import::parse_amount` to judge its size.
    pub fn read(self, cell: &str) -> Result<String, String> {
        let cell = normal(cell);
        if cell.contains('.') {
            return Err("must be whole yen, without decimals".to_owned());
        }
        let mut s = cell.as_str();
        if self == AmountFormat::Yen {
            s = s.strip_prefix('¥').unwrap_or(s).trim_start();
            s = s.strip_suffix('円').unwrap_or(s).trim_end();
        }
        let commas = self != AmountFormat::Plain;
        let shape_ok = !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (commas && b == b','))
            && thousands_grouped(s);
        if !shape_ok {
            return Err(self.shape().to_owned());
        }
        Ok(s.replace(',', ""))
    }
}

/// Commas, where there are any, separate groups of three digits after a first group of 1-3.
fn thousands_grouped(s: &str) -> bool {
    if !s.contains(',') {
        return true;
    }
    let mut groups = s.split(',');
    let first_ok = groups.next().is_some_and(|g| (1..=3).contains(&g.len()));
    first_ok && groups.all(|g| g.len() == 3)
}

/// What a portal writes in its one-stop column for yes and for no (`""` stands for an empty
/// cell), e.g. 希望する/希望しない, 1/0, ○ and an empty cell. Compared after NFKC, trim and case.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OneStopValues {
    #[serde(default)]
    pub yes: Vec<String>,
    #[serde(default)]
    pub no: Vec<String>,
}

impl OneStopValues {
    /// Whether the cell says yes, no, or (None) neither.
    pub fn read(&self, cell: &str) -> Option<bool> {
        let cell = folded(cell);
        let says = |values: &[String]| values.iter().any(|v| folded(v) == cell);
        if says(&self.yes) {
            Some(true)
        } else if says(&self.no) {
            Some(false)
        } else {
            None
        }
    }

    /// The accepted values, for the message of a refused cell.
    pub fn expected(&self) -> String {
        let shown = |v: &String| {
            if v.trim().is_empty() {
                "an empty cell".to_owned()
            } else {
                v.clone()
            }
        };
        let yes: Vec<String> = self.yes.iter().map(shown).collect();
        let no: Vec<String> = self.no.iter().map(shown).collect();
        format!(
            "must be {} (yes) or {} (no)",
            yes.join(" / "),
            no.join(" / ")
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn dates_in_each_format_with_and_without_a_time() {
        use DateFormat::*;
        assert_eq!(Slashes.read("2025/07/14"), day(2025, 7, 14));
        assert_eq!(Slashes.read("2025/7/4 10:23:45"), day(2025, 7, 4));
        assert_eq!(Slashes.read("２０２５/０７/１４"), day(2025, 7, 14));
        assert_eq!(Dashes.read("2025-07-14T10:00:00"), day(2025, 7, 14));
        assert_eq!(Kanji.read("2025年7月14日"), day(2025, 7, 14));
        assert_eq!(Kanji.read("2025年07月14日 10時23分"), day(2025, 7, 14));
        assert_eq!(Kanji.read("2025年07月14日10:23"), day(2025, 7, 14));
        assert_eq!(Compact.read("20250714"), day(2025, 7, 14));
        // Another format's dates are refused, not guessed.
        for (format, cell) in [
            (Slashes, "2025-07-14"),
            (Dashes, "2025/07/14"),
            (Kanji, "2025/07/14"),
            (Compact, "2025/07/14"),
            (Compact, "2025714"),
            (Slashes, "2025/13/01"),
            (Slashes, "25/07/14"),
            (Slashes, ""),
        ] {
            assert_eq!(format.read(cell), None, "{cell} as {}", format.as_str());
        }
    }

    #[test]
    fn formats_are_named_by_their_pattern() {
        assert_eq!(DateFormat::parse("%Y年%m月%d日"), Some(DateFormat::Kanji));
        assert_eq!(DateFormat::parse("%d/%m/%Y"), None);
        assert_eq!(AmountFormat::parse("yen"), Some(AmountFormat::Yen));
    }

    #[test]
    fn amounts_are_whole_yen_in_the_profiles_shape() {
        use AmountFormat::*;
        assert_eq!(Plain.read("34000"), Ok("34000".to_owned()));
        assert_eq!(Plain.read("３４０００"), Ok("34000".to_owned()));
        assert!(Plain.read("34,000").is_err());
        assert_eq!(Commas.read("34,000"), Ok("34000".to_owned()));
        assert_eq!(Commas.read("1,234,567"), Ok("1234567".to_owned()));
        assert!(Commas.read("¥34,000").is_err());
        assert_eq!(Yen.read("￥34,000"), Ok("34000".to_owned()));
        assert_eq!(Yen.read("34,000円"), Ok("34000".to_owned()));
        assert_eq!(Yen.read("34000"), Ok("34000".to_owned()));
        for bad in ["34,00", ",340", "3,4000", "-5", "", "円"] {
            assert!(Yen.read(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Commas.read("34000.00"),
            Err("must be whole yen, without decimals".to_owned())
        );
    }

    #[test]
    fn one_stop_values_as_the_portal_writes_them() {
        let values = OneStopValues {
            yes: vec!["希望する".into(), "○".into()],
            no: vec!["希望しない".into(), "".into()],
        };
        assert_eq!(values.read(" 希望する "), Some(true));
        assert_eq!(values.read("○"), Some(true));
        assert_eq!(values.read("希望しない"), Some(false));
        assert_eq!(values.read(""), Some(false));
        assert_eq!(values.read("はい"), None);
        assert_eq!(
            values.expected(),
            "must be 希望する / ○ (yes) or 希望しない / an empty cell (no)"
        );
        let digits = OneStopValues {
            yes: vec!["1".into()],
            no: vec!["0".into()],
        };
        assert_eq!(digits.read("１"), Some(true));
        assert_eq!(digits.read(""), None);
    }
}
