//! My Number (個人番号), which a donor gives on a ワンストップ特例 application so the deduction
//! can be passed to the donor's home municipality. It is 特定個人情報: the law limits who may
//! see, copy or keep it. So this type parses it strictly and makes it hard to leak: no `Display`,
//! no `Serialize`, a `Debug` without digits, and its memory is wiped on drop. At rest it is sealed
//! with `crypto::sealed` (docs/domain.md, "My Number at rest").

use std::fmt;

use unicode_normalization::UnicodeNormalization;
use zeroize::{Zeroize, Zeroizing};

/// Digits in a My Number: 11 assigned digits and one check digit.
pub const LEN: usize = 12;

/// Longest input looked at: room for any spacing of 12 digits, while a pasted page is refused
/// before it is normalised.
const MAX_INPUT_CHARS: usize = 64;

/// A valid My Number: 12 ASCII digits with a correct check digit.
///
/// Deliberately no `Display` or `Serialize`: the number reaches text only through
/// [`MyNumber::expose`], whose one caller is the vault that seals it.
#[derive(Clone, PartialEq, Eq)]
pub struct MyNumber(String);

/// Why a typed My Number was not accepted. The messages never echo the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MyNumberError {
    /// Not 12 digits once spaces and hyphens are removed.
    Length,
    /// Something other than digits, spaces and hyphens.
    NotDigits,
    /// 12 digits whose last one does not match the other 11: almost certainly a typo.
    CheckDigit,
}

impl MyNumberError {
    /// A short English message for a 422 field error.
    pub fn message(self) -> &'static str {
        match self {
            MyNumberError::Length => "must be 12 digits",
            MyNumberError::NotDigits => "must contain only digits",
            MyNumberError::CheckDigit => "is not a valid My Number; please check the digits",
        }
    }
}

impl fmt::Display for MyNumberError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for MyNumberError {}

impl MyNumber {
    /// Parses a number as people write it: NFKC first (full-width digits, the full-width hyphen
    /// and the ideographic space become ASCII), then spaces and hyphens are dropped
    /// (`1234-5678-9012`, `1234 5678 9012`), then exactly 12 digits with a valid check digit.
    ///
    /// The copies made here are wiped (best effort: the caller's `input` is not ours to wipe).
    pub fn parse(input: &str) -> Result<Self, MyNumberError> {
        if input.chars().count() > MAX_INPUT_CHARS {
            return Err(MyNumberError::Length);
        }
        // Sized up front so that, for any real input, no reallocation leaves an unwiped copy.
        let mut normalised = Zeroizing::new(String::with_capacity(input.len() + 16));
        normalised.extend(input.nfkc());
        let mut digits = Zeroizing::new(String::with_capacity(normalised.len()));
        digits.extend(normalised.chars().filter(|&c| !is_separator(c)));
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(MyNumberError::NotDigits);
        }
        if digits.len() != LEN {
            return Err(MyNumberError::Length);
        }
        let mut values = Zeroizing::new([0u8; LEN]);
        for (value, b) in values.iter_mut().zip(digits.bytes()) {
            *value = b - b'0';
        }
        let mut first_eleven = Zeroizing::new([0u8; LEN - 1]);
        first_eleven.copy_from_slice(&values[..LEN - 1]);
        if check_digit(&first_eleven) != values[LEN - 1] {
            return Err(MyNumberError::CheckDigit);
        }
        Ok(Self(digits.as_str().to_owned()))
    }

    /// The 12 digits. Only for the vault that seals the number (`crypto::sealed`) and the
    /// audited read that opens it; never for logs, answers, CSV files or e-mails.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// What a list or a screen shows in place of the number: only the fact that there is one.
    /// Staff see the digits only through the audited read.
    pub fn masked() -> String {
        "*".repeat(LEN)
    }
}

impl fmt::Debug for MyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MyNumber(****)")
    }
}

impl Drop for MyNumber {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// Spaces (after NFKC, also the ideographic space) and the dashes people type between groups,
/// including the katakana prolonged sound mark a Japanese IME gives for '-'.
fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | 'ー')
}

/// The check digit of the first 11 digits (values 0–9), by 総務省令第八十五号 第五条 (under
/// 番号法施行令 第八条): P_n is the n-th digit counted from the right (n = 1..=11), Q_n = n + 1
/// for n ≤ 6 and n − 5 for n ≥ 7, r = Σ P_n × Q_n mod 11, and the check digit is 0 when r ≤ 1,
/// else 11 − r. Read left to right, the weights are 6 5 4 3 2 7 6 5 4 3 2.
pub fn check_digit(first_eleven: &[u8; LEN - 1]) -> u8 {
    let sum: u32 = first_eleven
        .iter()
        .rev()
        .zip(1u32..)
        .map(|(&p, n)| u32::from(p) * if n <= 6 { n + 1 } else { n - 5 })
        .sum();
    match sum % 11 {
        0 | 1 => 0,
        // r is 2..=10 here, so 11 − r is a single digit.
        r => (11 - r) as u8,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn eleven(text: &str) -> [u8; 11] {
        let mut values = [0u8; 11];
        for (value, b) in values.iter_mut().zip(text.bytes()) {
            *value = b - b'0';
        }
        values
    }

    #[test]
    fn published_and_hand_computed_numbers_are_valid() {
        // 983205673214: the worked example of a public Qiita article on the 総務省令 formula.
        // 123456789018: Σ = 1·2+0·3+9·4+8·5+7·6+6·7+5·2+4·3+3·4+2·5+1·6 = 212, r = 3, 11 − 3 = 8.
        // 111111111118: Σ = 2+3+4+5+6+7+2+3+4+5+6 = 47, r = 3.
        // 000000000400: Σ = 4·3 = 12, r = 1, so 0. 000000000051: Σ = 5·2 = 10, r = 10, so 1.
        // 246801357910: Σ = 187 = 17·11, r = 0, so 0.
        for number in [
            "983205673214",
            "123456789018",
            "111111111118",
            "000000000400",
            "000000000051",
            "246801357910",
        ] {
            assert_eq!(MyNumber::parse(number).unwrap().expose(), number);
        }
    }

    #[test]
    fn the_weights_read_left_to_right_are_6_5_4_3_2_7_6_5_4_3_2() {
        // A lone 1 at a position makes Σ its weight w (2..=7), so the check digit is 11 − w.
        let weights = [6u8, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
        for (at, &w) in weights.iter().enumerate() {
            let mut digits = [0u8; 11];
            digits[at] = 1;
            assert_eq!(check_digit(&digits), 11 - w, "position {at}");
        }
        assert_eq!(check_digit(&eleven("98320567321")), 4);
    }

    #[test]
    fn every_other_last_digit_is_refused() {
        for last in (0..=9).filter(|&d| d != 8) {
            assert_eq!(
                MyNumber::parse(&format!("12345678901{last}")),
                Err(MyNumberError::CheckDigit)
            );
        }
        // A single substitution among the first 11 digits.
        assert_eq!(
            MyNumber::parse("123456709018"),
            Err(MyNumberError::CheckDigit)
        );
    }

    #[test]
    fn eleven_or_thirteen_digits_are_the_wrong_length() {
        assert_eq!(MyNumber::parse("12345678901"), Err(MyNumberError::Length));
        assert_eq!(MyNumber::parse("1234567890180"), Err(MyNumberError::Length));
        assert_eq!(MyNumber::parse(""), Err(MyNumberError::Length));
        assert_eq!(MyNumber::parse(" - "), Err(MyNumberError::Length));
        let long = "1".repeat(MAX_INPUT_CHARS + 1);
        assert_eq!(MyNumber::parse(&long), Err(MyNumberError::Length));
    }

    #[test]
    fn letters_and_other_symbols_are_not_digits() {
        for input in [
            "12345678901a",
            "abcdefghijkl",
            "1234.5678.9018",
            "1234/5678/9018",
            // Arabic-Indic digits: not folded by NFKC, and not what a My Number is written in.
            "١٢٣٤٥٦٧٨٩٠١٨",
        ] {
            assert_eq!(
                MyNumber::parse(input),
                Err(MyNumberError::NotDigits),
                "{input}"
            );
        }
    }

    #[test]
    fn full_width_spaced_and_hyphenated_input_is_accepted() {
        for input in [
            "１２３４５６７８９０１８",
            "１２３４－５６７８－９０１８",
            "1234-5678-9018",
            " 1234 5678 9018 ",
            "1234\u{3000}5678\u{3000}9018",
            "1234ー5678ー9018",
            "1234\u{2212}5678\u{2010}9018",
        ] {
            assert_eq!(
                MyNumber::parse(input).unwrap().expose(),
                "123456789018",
                "{input}"
            );
        }
    }

    #[test]
    fn nothing_shows_the_digits() {
        let number = MyNumber::parse("123456789018").unwrap();
        let debug = format!("{number:?}");
        assert_eq!(debug, "MyNumber(****)");
        assert!(!debug.bytes().any(|b| b.is_ascii_digit()));
        assert_eq!(MyNumber::masked(), "************");
        for error in [
            MyNumberError::Length,
            MyNumberError::NotDigits,
            MyNumberError::CheckDigit,
        ] {
            // Static texts, so they cannot carry the input.
            assert!(!error.message().contains("1234"));
            assert_eq!(error.to_string(), error.message());
        }
    }
}
