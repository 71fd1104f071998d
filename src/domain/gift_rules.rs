//! Return-gift rules: the 30% procurement-cost ceiling and the prohibited advertising wording.

use super::money::Yen;

/// A gift's procurement cost may be at most this percentage of the donation amount.
/// The checks below use the equivalent 3/10 so the rule reads as the ministry states it.
pub const MAX_RETURN_RATIO_PERCENT: i64 = 30;

/// The ministry's ratio rule, `cost * 10 <= amount * 3`, exactly in integers
/// (i128 so that no product overflows).
pub fn within_return_ratio(procurement_cost: Yen, amount: Yen) -> bool {
    i128::from(procurement_cost.0) * 10 <= i128::from(amount.0) * 3
}

/// The highest procurement cost allowed for a donation `amount`: floor(amount × 3 / 10).
pub fn max_procurement_cost(amount: Yen) -> Yen {
    let max = (i128::from(amount.0) * 3).div_euclid(10);
    // 30% of an i64 always fits in an i64.
    Yen(i64::try_from(max).unwrap_or(0))
}

/// The first word of `words` (in list order) that appears in any of `texts`.
///
/// Both sides are folded first — full-width ASCII to ASCII, ideographic space to space,
/// ASCII case-insensitive — so "ＳＡＬＥ" matches "sale". Empty words are ignored.
pub fn find_prohibited_word<'a>(texts: &[&str], words: &'a [String]) -> Option<&'a str> {
    let folded_texts: Vec<String> = texts.iter().map(|t| fold(t)).collect();
    words
        .iter()
        .filter(|w| !w.trim().is_empty())
        .find(|w| {
            let needle = fold(w);
            folded_texts.iter().any(|t| t.contains(&needle))
        })
        .map(String::as_str)
}

/// The default wording list (総務省告示, October 2024): terms that stress bargains.
pub fn default_prohibited_words() -> Vec<String> {
    [
        "お得",
        "おトク",
        "コスパ",
        "還元",
        "セール",
        "買う",
        "購入",
        "格安",
        "激安",
        "最安",
        "お買い得",
    ]
    .into_iter()
    .map(String::from)
    .collect()
}

/// Folding for matching: NFKC (full-width ASCII to ASCII, half-width katakana to full-width, the
/// ideographic space to a space), then format characters (Unicode category Cf: zero-width
/// spaces and joiners, bidi marks, the soft hyphen) removed, so `お\u{200B}得` cannot slip past
/// the list, then ASCII case-insensitive.
fn fold(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    use unicode_properties::{GeneralCategory, UnicodeGeneralCategory};
    text.nfkc()
        .filter(|c| c.general_category() != GeneralCategory::Format)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_do_not_hide_a_word() {
        let words = default_prohibited_words();
        for dodge in [
            "とてもお\u{200B}得です",
            "お\u{200D}得",
            "お\u{2060}得",
            "お\u{FEFF}得",
            "お\u{00AD}得",
            "コ\u{202E}スパ",
        ] {
            assert!(
                find_prohibited_word(&[dodge], &words).is_some(),
                "{dodge:?}"
            );
        }
    }

    #[test]
    fn exactly_thirty_percent_is_accepted() {
        assert!(within_return_ratio(Yen(3_000), Yen(10_000)));
        assert!(within_return_ratio(Yen(10_200), Yen(34_000)));
        assert!(within_return_ratio(Yen(0), Yen(10_000)));
    }

    #[test]
    fn one_yen_over_is_rejected() {
        assert!(!within_return_ratio(Yen(3_001), Yen(10_000)));
        assert!(!within_return_ratio(Yen(10_201), Yen(34_000)));
    }

    #[test]
    fn ratio_check_does_not_overflow() {
        assert!(within_return_ratio(Yen(i64::MAX / 10 * 3), Yen(i64::MAX)));
        assert!(!within_return_ratio(Yen(i64::MAX), Yen(i64::MAX)));
    }

    #[test]
    fn max_cost_floors() {
        assert_eq!(max_procurement_cost(Yen(10_000)), Yen(3_000));
        assert_eq!(max_procurement_cost(Yen(33_333)), Yen(9_999));
        assert_eq!(max_procurement_cost(Yen(9)), Yen(2));
        let amount = Yen(12_345);
        assert!(within_return_ratio(max_procurement_cost(amount), amount));
        assert!(!within_return_ratio(
            Yen(max_procurement_cost(amount).0 + 1),
            amount
        ));
    }

    #[test]
    fn finds_first_prohibited_word_in_any_text() {
        let words = default_prohibited_words();
        assert_eq!(
            find_prohibited_word(&["花火観覧席ペアチケット"], &words),
            None
        );
        assert_eq!(
            find_prohibited_word(&["ペアチケット", "今だけお得な特別価格"], &words),
            Some("お得")
        );
        assert_eq!(
            find_prohibited_word(&["コスパ抜群、還元率"], &words),
            Some("コスパ")
        );
        assert_eq!(find_prohibited_word(&[], &words), None);
    }

    #[test]
    fn matching_folds_width_and_ascii_case() {
        let words = vec!["sale".to_owned(), "ＢＥＳＴ".to_owned()];
        assert_eq!(
            find_prohibited_word(&["ＳＡＬＥ開催"], &words),
            Some("sale")
        );
        assert_eq!(find_prohibited_word(&["Summer Sale"], &words), Some("sale"));
        assert_eq!(
            find_prohibited_word(&["best price"], &words),
            Some("ＢＥＳＴ")
        );
        assert_eq!(find_prohibited_word(&["salad"], &words), None);
    }

    #[test]
    fn empty_words_are_ignored() {
        let words = vec![String::new(), "  ".to_owned()];
        assert_eq!(find_prohibited_word(&["anything"], &words), None);
    }

    #[test]
    fn default_list_has_the_ministry_words() {
        let words = default_prohibited_words();
        for w in ["お得", "コスパ", "還元", "セール", "買う", "購入"] {
            assert!(words.iter().any(|x| x == w), "{w}");
        }
        assert_eq!(words.len(), 11);
    }

    #[test]
    fn half_width_katakana_is_caught_too() {
        let words = default_prohibited_words();
        assert_eq!(find_prohibited_word(&["ｺｽﾊﾟ抜群"], &words), Some("コスパ"));
        assert_eq!(find_prohibited_word(&["冬のｾｰﾙ"], &words), Some("セール"));
    }
}
