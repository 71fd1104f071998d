//! Keyword search as a Japanese donor expects it: `ふらいぱん`, `ﾌﾗｲﾊﾟﾝ` and `フライパン` find the
//! same frying pan, full-width and half-width digits and Latin letters match, and several words
//! narrow the result.

use unicode_normalization::UnicodeNormalization;

/// Text folded so that forms a donor sees as "the same word" compare equal:
/// - NFKC: half-width katakana become full-width (`ﾊﾟ` → `パ`), full-width digits and Latin
///   letters become ASCII (`１２３` → `123`, `ＡＢＣ` → `ABC`), the ideographic space a space;
/// - katakana become hiragana (`フライパン` → `ふらいぱん`), so either script finds the other;
/// - letters are lower-cased.
pub fn fold(text: &str) -> String {
    text.nfkc()
        .map(katakana_to_hiragana)
        .flat_map(char::to_lowercase)
        .collect()
}

/// ァ (U+30A1) to ヶ (U+30F6) sit exactly 0x60 above their hiragana; ヷ-ヺ and ー have none and
/// stay as they are.
fn katakana_to_hiragana(c: char) -> char {
    match c {
        '\u{30A1}'..='\u{30F6}' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
        _ => c,
    }
}

/// How a staff search for one donor is compared with what is stored (names as typed, kana in
/// full-width katakana, emails lower-case): the text in NFKC (full-width digits and letters to
/// ASCII, half-width kana to full-width), and the same with hiragana turned to katakana, so
/// `ｼﾅｶﾞﾜ`, `しながわ` and `シナガワ` find the same donor.
pub fn donor_lookup(query: &str) -> (String, String) {
    let text: String = query.nfkc().collect::<String>().trim().to_owned();
    let kana = text.chars().map(hiragana_to_katakana).collect();
    (text, kana)
}

fn hiragana_to_katakana(c: char) -> char {
    match c {
        '\u{3041}'..='\u{3096}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
        _ => c,
    }
}

/// A search as typed: its words, folded. Empty when nothing but spaces was typed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchTerms(Vec<String>);

impl SearchTerms {
    pub fn parse(query: &str) -> SearchTerms {
        SearchTerms(fold(query).split_whitespace().map(str::to_owned).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether every word is found in at least one of the fields (name, vendor, ...).
    pub fn match_any_field(&self, fields: &[&str]) -> bool {
        if self.0.is_empty() {
            return true;
        }
        let folded: Vec<String> = fields.iter().map(|f| fold(f)).collect();
        self.0
            .iter()
            .all(|word| folded.iter().any(|field| field.contains(word.as_str())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_donor_lookup_matches_kana_in_any_script_and_width() {
        for typed in ["ｼﾅｶﾞﾜ", "しながわ", "シナガワ"] {
            assert_eq!(donor_lookup(typed).1, "シナガワ", "{typed}");
        }
        assert_eq!(donor_lookup(" ０３－１２３４ ").0, "03-1234");
    }

    const PAN: &[&str] = &[
        "品川の職人が打つフライパン",
        "鉄のフライパン 26cm",
        "品川鉄工所",
    ];

    #[test]
    fn hiragana_katakana_and_half_width_find_the_same_gift() {
        for query in ["ふらいぱん", "ﾌﾗｲﾊﾟﾝ", "フライパン", "ﾌﾗｲぱん"]
        {
            assert!(SearchTerms::parse(query).match_any_field(PAN), "{query}");
        }
        assert!(!SearchTerms::parse("ふらいや").match_any_field(PAN));
    }

    #[test]
    fn full_and_half_width_digits_and_latin_letters_match() {
        for query in ["26cm", "２６ｃｍ", "２６CM", "26ＣＭ"] {
            assert!(SearchTerms::parse(query).match_any_field(PAN), "{query}");
        }
        assert!(SearchTerms::parse("ＥＸＰ-1").match_any_field(&["exp-1"]));
    }

    #[test]
    fn several_words_narrow_and_any_field_counts() {
        // Full-width space separates words too.
        assert!(SearchTerms::parse("鉄工所\u{3000}ふらいぱん").match_any_field(PAN));
        assert!(SearchTerms::parse("品川 26ｃｍ").match_any_field(PAN));
        assert!(!SearchTerms::parse("品川 うなぎ").match_any_field(PAN));
    }

    #[test]
    fn a_blank_search_matches_everything() {
        let blank = SearchTerms::parse(" \u{3000} ");
        assert!(blank.is_empty());
        assert!(blank.match_any_field(&["anything"]));
    }

    #[test]
    fn the_long_vowel_mark_and_small_kana_are_kept() {
        assert_eq!(fold("ケーキ"), "けーき");
        assert_eq!(fold("ｼｮｰﾄｹｰｷ"), "しょーとけーき");
        assert_eq!(fold("ヴ"), "ゔ");
    }
}
