//! Keyword search as a Japanese donor expects it: `ふらいぱん`, `ﾌﾗｲﾊﾟﾝ` and `フライパン` find the
//! same frying pan, full-width and half-width digits and Latin letters match, and several words
//! narrow the result. Staff find a donor the same way, by exact terms (`donor_terms`).

use std::collections::BTreeSet;

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

/// ぁ (U+3041) to ゖ (U+3096) sit exactly 0x60 below their katakana.
pub fn hiragana_to_katakana(c: char) -> char {
    match c {
        '\u{3041}'..='\u{3096}' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
        _ => c,
    }
}

/// What the staff search knows of one donation's donor. Personal data: no `Debug`.
#[derive(Clone, Copy)]
pub struct DonorFacts<'a> {
    pub name: &'a str,
    pub name_kana: &'a str,
    pub email: &'a str,
    pub phone: &'a str,
    pub postal_code: &'a str,
    pub receipt_number: Option<&'a str>,
    /// The portal's order id of an imported donation.
    pub external_id: Option<&'a str>,
}

/// One word as the donor search stores and compares it (by equality, so it can be an index
/// lookup): NFKC (half-width kana to full-width, full-width digits and letters to ASCII),
/// hiragana to katakana, lower case, no whitespace, and no hyphens inside digit strings, so
/// `０３－１２３４` is `031234` while `RK-2025` keeps its letters' hyphen (`rk-2025`).
pub fn search_term(text: &str) -> String {
    let folded: Vec<char> = text
        .nfkc()
        .map(hiragana_to_katakana)
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .collect();
    let mut term = String::with_capacity(folded.len());
    for (i, &c) in folded.iter().enumerate() {
        if is_hyphen_like(c) {
            let after_digit = term.chars().next_back().is_some_and(|p| p.is_ascii_digit());
            let before_digit = folded[i + 1..]
                .iter()
                .find(|n| !is_hyphen_like(**n))
                .is_some_and(char::is_ascii_digit);
            if after_digit && before_digit {
                continue;
            }
        }
        term.push(c);
    }
    term
}

/// The dashes donors and IMEs put in phone, postal and receipt numbers (the long vowel mark `ー`
/// counts only between digits, where it is one).
fn is_hyphen_like(c: char) -> bool {
    matches!(
        c,
        '-' | '‐' | '‑' | '–' | '—' | '―' | '−' | 'ー' | 'ｰ' | '－'
    )
}

/// The terms a staff search finds a donation by: the whole name and kana and, when they have
/// a space, each part (family, given); the email and its local part; the phone and postal code
/// digits; the receipt number and the portal order id. Each one `search_term`ed.
pub fn donor_terms(d: &DonorFacts<'_>) -> BTreeSet<String> {
    let mut terms = BTreeSet::new();
    for name in [d.name, d.name_kana] {
        terms.insert(search_term(name));
        let parts: Vec<&str> = name.split_whitespace().collect();
        if parts.len() > 1 {
            terms.extend(parts.into_iter().map(search_term));
        }
    }
    terms.insert(search_term(d.email));
    if let Some((local, _)) = d.email.rsplit_once('@') {
        terms.insert(search_term(local));
    }
    let numbers = [d.phone, d.postal_code].into_iter();
    terms.extend(
        numbers
            .chain(d.receipt_number)
            .chain(d.external_id)
            .map(search_term),
    );
    terms.remove("");
    terms
}

/// A staff search as typed, as the terms a donation must all have: one per word (whitespace,
/// the ideographic space too, separates words), each `search_term`ed, repeats once.
pub fn donor_query(query: &str) -> Vec<String> {
    let mut words: Vec<String> = query
        .split_whitespace()
        .map(search_term)
        .filter(|w| !w.is_empty())
        .collect();
    words.sort();
    words.dedup();
    words
}

/// A search as typed: its words, folded. Empty when nothing but spaces was typed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
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

    fn hanako() -> DonorFacts<'static> {
        DonorFacts {
            name: "品川 花子",
            name_kana: "シナガワ ハナコ",
            email: "Hanako.S@Example.jp",
            phone: "03-1234-5678",
            postal_code: "140-0001",
            receipt_number: Some("R7-000123"),
            external_id: Some("RK-2025-0001"),
        }
    }

    /// Whether the staff search `query` finds the donor, as the database compares.
    fn finds(query: &str, donor: &DonorFacts<'_>) -> bool {
        let terms = donor_terms(donor);
        let words = donor_query(query);
        !words.is_empty() && words.iter().all(|w| terms.contains(w))
    }

    #[test]
    fn a_search_term_folds_width_kana_case_spaces_and_number_dashes() {
        for typed in ["ｼﾅｶﾞﾜ", "しながわ", "シナガワ"] {
            assert_eq!(search_term(typed), "シナガワ", "{typed}");
        }
        assert_eq!(search_term("０３－１２３４－５６７８"), "0312345678");
        assert_eq!(search_term("03ー1234ｰ5678"), "0312345678");
        assert_eq!(search_term("１４０－０００１"), "1400001");
        assert_eq!(search_term("シナガワ\u{3000}ハナコ"), "シナガワハナコ");
        assert_eq!(search_term("ＨＡＮＡＫＯ@Example.JP"), "hanako@example.jp");
        // Letters keep their hyphen; the long vowel mark stays in words.
        assert_eq!(search_term("RK-2025-0001"), "rk-20250001");
        assert_eq!(search_term("R7-000123"), "r7000123");
        assert_eq!(search_term("ラーメン"), "ラーメン");
        assert_eq!(search_term("a-b"), "a-b");
    }

    #[test]
    fn a_donors_terms_are_whole_fields_and_name_parts() {
        let terms = donor_terms(&hanako());
        for term in [
            "品川花子",
            "品川",
            "花子",
            "シナガワハナコ",
            "シナガワ",
            "ハナコ",
            "hanako.s@example.jp",
            "hanako.s",
            "0312345678",
            "1400001",
            "r7000123",
            "rk-20250001",
        ] {
            assert!(terms.contains(term), "{term}");
        }
        assert_eq!(terms.len(), 12);
        // A name without a space is one term; nothing empty is kept.
        let one = DonorFacts {
            name: "品川花子",
            name_kana: "",
            receipt_number: None,
            external_id: None,
            ..hanako()
        };
        let terms = donor_terms(&one);
        assert!(terms.contains("品川花子") && !terms.contains(""));
        assert!(!terms.contains("r7000123"));
    }

    #[test]
    fn staff_find_a_donor_in_any_width_or_kana_form() {
        let d = hanako();
        for query in [
            "ｼﾅｶﾞﾜ",
            "しながわ",
            "シナガワ",
            "しながわ　はなこ",
            "ｼﾅｶﾞﾜﾊﾅｺ",
            "品川",
            "品川花子",
            "０３－１２３４－５６７８",
            "0312345678",
            "１４０－０００１",
            "HANAKO.S@example.jp",
            "hanako.s",
            "r7-000123",
            "ＲＫ－２０２５－０００１",
        ] {
            assert!(finds(query, &d), "{query}");
        }
    }

    #[test]
    fn every_word_must_match_a_whole_term() {
        let d = hanako();
        assert!(finds("しながわ 03-1234-5678", &d));
        assert!(!finds("しながわ たろう", &d));
        // Terms match whole: a prefix or a fragment finds nobody.
        assert!(!finds("しなが", &d));
        assert!(!finds("1234", &d));
        assert!(!finds(" \u{3000} ", &d));
        assert_eq!(donor_query("品川  品川 ﾊﾅｺ"), ["ハナコ", "品川"]);
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
