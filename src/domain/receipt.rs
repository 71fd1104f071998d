//! Receipt (寄附金受領証明書) numbers: `R{令和 year}-{sequence}`, e.g. `R7-000123`.

use super::calendar::FiscalYear;

/// Minimum width of the zero-padded sequence.
const SEQ_WIDTH: usize = 6;

/// The receipt number for the `seq`-th receipt of fiscal year `fy`, e.g. `R7-000123`
/// (6 digits, longer when needed). Sequences start at 1; callers never pass 0 or negatives.
/// Fiscal years before 令和 (≤ 2018) use the 平成 year: `H30-000001`.
pub fn receipt_number(fy: FiscalYear, seq: i64) -> String {
    let (era, year) = era_year(fy);
    format!("{era}{year}-{seq:0width$}", width = SEQ_WIDTH)
}

/// 令和 from 2019, 平成 before (FiscalYear starts at 2000, well inside 平成).
fn era_year(fy: FiscalYear) -> (char, i32) {
    if fy.reiwa() >= 1 {
        ('R', fy.reiwa())
    } else {
        ('H', fy.year() - 1988)
    }
}

/// Parses a number made by [`receipt_number`]: `R` (or `H`), the era year (no leading zero),
/// `-`, at least 6 digits, sequence ≥ 1. Case-sensitive and strict, so every receipt has
/// exactly one spelling.
pub fn parse_receipt_number(s: &str) -> Option<(FiscalYear, i64)> {
    let (era, rest) = s.split_at_checked(1)?;
    let (year, seq) = rest.split_once('-')?;
    if !all_digits(year) || year.starts_with('0') || !all_digits(seq) || seq.len() < SEQ_WIDTH {
        return None;
    }
    // A sequence longer than 6 digits never has a leading zero (it is not padded).
    if seq.len() > SEQ_WIDTH && seq.starts_with('0') {
        return None;
    }
    let year: i32 = year.parse().ok()?;
    let fy = FiscalYear::new(year.checked_add(match era {
        "R" => 2018,
        "H" => 1988,
        _ => return None,
    })?)?;
    // One spelling per year: 2019 onward is always 令和.
    if era_year(fy).0.to_string() != era {
        return None;
    }
    let seq: i64 = seq.parse().ok()?;
    (seq >= 1).then_some((fy, seq))
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn fy(year: i32) -> FiscalYear {
        FiscalYear::new(year).unwrap()
    }

    #[test]
    fn formats_with_reiwa_year_and_padding() {
        assert_eq!(receipt_number(fy(2025), 123), "R7-000123");
        assert_eq!(receipt_number(fy(2025), 1), "R7-000001");
        assert_eq!(receipt_number(fy(2019), 999_999), "R1-999999");
        assert_eq!(receipt_number(fy(2030), 1_234_567), "R12-1234567");
        assert_eq!(receipt_number(fy(2018), 1), "H30-000001");
    }

    #[test]
    fn parses_what_it_formats() {
        for (year, seq) in [
            (2000, 7),
            (2018, 1),
            (2019, 1),
            (2025, 123),
            (2030, 1_234_567),
            (2200, 42),
        ] {
            let n = receipt_number(fy(year), seq);
            assert_eq!(parse_receipt_number(&n), Some((fy(year), seq)), "{n}");
        }
    }

    #[test]
    fn rejects_other_spellings() {
        for bad in [
            "",
            "R7",
            "R7-",
            "R7-123",
            "R07-000123",
            "r7-000123",
            "R7-0001234",
            "R7-000000",
            "R7-00012a",
            "R7-+00123",
            "R-000123",
            "R0-000001",
            "H31-000001",
            "H11-000001",
            "S60-000001",
            "Ｒ7-000123",
            "R7-000123 ",
            "R999999999999-000001",
            "R7-99999999999999999999",
        ] {
            assert_eq!(parse_receipt_number(bad), None, "{bad}");
        }
    }
}
