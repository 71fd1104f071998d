//! What text the service accepts. Every text that enters it (JSON strings and keys, query and path
//! parameters, form fields, CSV cells) is checked once, where it enters (`http::text`, the import
//! reader), against this rule:
//! - no control characters (C0, DEL, C1): a NUL breaks PostgreSQL and the rest corrupt receipts,
//!   CSV files and logs. Only fields written as several lines (a description, a note) keep line
//!   breaks and tabs;
//! - no bidirectional overrides or isolates (U+202A–U+202E, U+2066–U+2069), which make a name or
//!   an amount read differently from what is stored ("Trojan Source");
//! - no unpaired surrogates: they cannot be in a Rust string, so a JSON `\ud800` is malformed
//!   JSON and a percent-encoded one is not UTF-8; both are refused before this rule.
//!
//! Normalisation (NFKC) is a separate, per-field decision, taken where each field's rule lives
//! (see docs/domain.md, "Text").

use std::fmt;

use unicode_normalization::UnicodeNormalization;

/// Whether a field is written as one line or may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// Fields (by their name, the last part of a JSON path or a form/query key) whose text may run
/// over several lines. Everything else is one line.
pub const MULTILINE_FIELDS: &[&str] = &[
    "description",
    "note",
    "reason",
    "basis_justification",
    "basis_evidence",
    "message",
];

impl Lines {
    pub fn of_field(name: &str) -> Lines {
        if MULTILINE_FIELDS.contains(&name) {
            Lines::Many
        } else {
            Lines::One
        }
    }
}

impl Lines {
    /// The rule as a regular expression (ECMA and Python alike), for the OpenAPI document: the
    /// same character classes as `allowed` below, so keep the two together.
    pub fn pattern(self) -> &'static str {
        match self {
            Lines::One => r"^[^\x00-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*$",
            Lines::Many => r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*$",
        }
    }
}

/// The first character a text may not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refused(pub char);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = if is_bidi_control(self.0) {
            "a bidirectional text control"
        } else if matches!(self.0, '\n' | '\r' | '\t') {
            "a line break or tab, which this one-line field does not take"
        } else {
            "a control character"
        };
        write!(f, "contains {what} (U+{:04X})", u32::from(self.0))
    }
}

/// `text` in NFKC: full-width ASCII to ASCII, half-width katakana to full-width, the ideographic
/// space to a space. For fields whose meaning does not change with width (addresses, kana, phone
/// numbers, gift names); never for a person's name or a free description.
pub fn nfkc(text: &str) -> String {
    text.nfkc().collect()
}

/// Checks `text` for a field written as `lines`.
pub fn check(text: &str, lines: Lines) -> Result<(), Refused> {
    match text.chars().find(|&c| !allowed(c, lines)) {
        Some(c) => Err(Refused(c)),
        None => Ok(()),
    }
}

/// `text` safe to echo in an answer or a log: each refused character written as `\u{XXXX}`.
pub fn shown(text: &str) -> String {
    text.chars()
        .map(|c| {
            if allowed(c, Lines::One) {
                c.to_string()
            } else {
                format!("\\u{{{:04X}}}", u32::from(c))
            }
        })
        .collect()
}

fn allowed(c: char, lines: Lines) -> bool {
    if matches!(c, '\n' | '\r' | '\t') {
        return lines == Lines::Many;
    }
    !c.is_control() && !is_bidi_control(c)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_everywhere() {
        for c in ['\0', '\u{1}', '\u{1B}', '\u{7F}', '\u{85}', '\u{9F}'] {
            let text = format!("山田{c}太郎");
            assert_eq!(check(&text, Lines::One), Err(Refused(c)), "{c:?}");
            assert_eq!(check(&text, Lines::Many), Err(Refused(c)), "{c:?}");
        }
    }

    #[test]
    fn bidi_overrides_and_isolates_are_refused() {
        for c in ['\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}'] {
            let refused = check(&format!("10000{c}円"), Lines::Many).unwrap_err();
            assert!(refused.to_string().contains("bidirectional"), "{refused}");
        }
        // Left-to-right and right-to-left marks are ordinary text (Arabic or Hebrew names).
        assert_eq!(check("\u{200E}\u{200F}", Lines::One), Ok(()));
    }

    #[test]
    fn line_breaks_only_where_the_field_has_lines() {
        assert_eq!(check("一行目\r\n二行目\t", Lines::Many), Ok(()));
        assert_eq!(check("一行目\n二行目", Lines::One), Err(Refused('\n')));
        assert_eq!(Lines::of_field("description"), Lines::Many);
        assert_eq!(Lines::of_field("name"), Lines::One);
    }

    #[test]
    fn ordinary_japanese_text_passes() {
        let text = "東京都品川区広町２丁目１−３６　ｼﾅｶﾞﾜ 🍣 ①";
        assert_eq!(check(text, Lines::One), Ok(()));
    }

    #[test]
    fn refused_characters_are_shown_escaped() {
        assert_eq!(shown("a\u{0}b\n品"), "a\\u{0000}b\\u{000A}品");
    }

    #[test]
    fn nfkc_folds_width() {
        assert_eq!(nfkc("広町２丁目１－３６　ｼﾅｶﾞﾜ"), "広町2丁目1-36 シナガワ");
    }

    #[test]
    fn the_refusal_names_the_character() {
        assert_eq!(
            Refused('\0').to_string(),
            "contains a control character (U+0000)"
        );
    }
}
