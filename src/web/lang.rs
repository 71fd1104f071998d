//! The storefront's two languages. Japanese is written in the templates themselves; the English
//! pages (under `/en/`, for visitors who use the on-site vouchers) translate each Japanese text
//! through one table, `templates/web/en.toml`, keyed by the Japanese it replaces (the gettext
//! model: the Japanese page stays readable, a missing translation is found by a test).

use std::collections::HashMap;
use std::sync::OnceLock;

/// The English table, built into the binary.
const ENGLISH: &str = include_str!("../../templates/web/en.toml");

/// Where the English pages live.
pub const ENGLISH_ROOT: &str = "/en";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Ja,
    En,
}

impl Lang {
    /// The language of a page, by its path.
    pub fn of_path(path: &str) -> Lang {
        if path == ENGLISH_ROOT || path.starts_with("/en/") {
            Lang::En
        } else {
            Lang::Ja
        }
    }

    /// The `lang` attribute.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    /// The storefront's root for this language: links are written `{root}/gifts`.
    pub fn root(self) -> &'static str {
        match self {
            Lang::Ja => "",
            Lang::En => ENGLISH_ROOT,
        }
    }

    /// `japanese` in this language. An English text missing from the table shows the Japanese
    /// (and a test fails), never an empty page.
    pub fn text(self, japanese: &str) -> String {
        match self {
            Lang::Ja => japanese.to_owned(),
            Lang::En => english()
                .get(japanese)
                .cloned()
                .unwrap_or_else(|| japanese.to_owned()),
        }
    }

    /// The same page in the other language. Pages with no English version (My page, the
    /// simulator: both are about Japanese tax and sign-in by Japanese email) lead to the
    /// English home page.
    pub fn other_version(self, path: &str, query: &str) -> String {
        let with_query = |p: String| {
            if query.is_empty() {
                p
            } else {
                format!("{p}?{query}")
            }
        };
        match self {
            Lang::En => {
                let rest = path.strip_prefix(ENGLISH_ROOT).unwrap_or(path);
                with_query(if rest.is_empty() { "/" } else { rest }.to_owned())
            }
            Lang::Ja if has_english_version(path) => with_query(format!("{ENGLISH_ROOT}{path}")),
            Lang::Ja => format!("{ENGLISH_ROOT}/"),
        }
    }
}

/// The Japanese paths that have an English page.
fn has_english_version(path: &str) -> bool {
    path == "/"
        || ["/gifts", "/partners", "/donate"]
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

fn english() -> &'static HashMap<String, String> {
    static TABLE: OnceLock<HashMap<String, String>> = OnceLock::new();
    // The table is built into the binary and parsed by a unit test, so this cannot fail in a
    // build that passed its tests.
    TABLE.get_or_init(|| toml::from_str(ENGLISH).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page code that translates texts: the Rust side calls `.text("…")`.
    const PAGE_CODE: [&str; 3] = [
        include_str!("render.rs"),
        include_str!("donate.rs"),
        include_str!("storefront.rs"),
    ];

    /// The Japanese texts `source` hands to `call` (`_("…")` in a template).
    fn texts_of(source: &str, call: &str) -> Vec<String> {
        let mut found = Vec::new();
        let mut rest = source;
        while let Some(start) = rest.find(call) {
            rest = &rest[start + call.len()..];
            let end = rest.find('"').expect("closing quote");
            found.push(rest[..end].to_owned());
            rest = &rest[end..];
        }
        found
    }

    #[test]
    fn the_table_parses() {
        let table: HashMap<String, String> = toml::from_str(ENGLISH).expect("en.toml");
        assert!(table.len() > 50);
        assert!(table.values().all(|v| !v.trim().is_empty()));
    }

    #[test]
    fn every_translated_text_of_every_template_has_its_english_and_none_is_stale() {
        let mut used = std::collections::HashSet::new();
        for (name, source) in crate::web::render::templates() {
            for text in texts_of(source, "_(\"") {
                assert!(
                    english().contains_key(&text),
                    "{name}: no English for {text:?}"
                );
                used.insert(text);
            }
        }
        for text in crate::web::storefront::translated_texts() {
            assert!(english().contains_key(text), "no English for {text:?}");
            used.insert(text.to_owned());
        }
        for text in PAGE_CODE.iter().flat_map(|s| texts_of(s, ".text(\"")) {
            assert!(english().contains_key(&text), "no English for {text:?}");
            used.insert(text);
        }
        for category in crate::domain::gift::Category::ALL {
            let text = category.donor_label();
            assert!(english().contains_key(text), "no English for {text:?}");
            used.insert(text.to_owned());
        }
        let noshi = crate::domain::delivery::NoshiType::ALL.map(|n| n.label());
        let windows = crate::domain::delivery::DeliveryWindow::ALL.map(|w| w.label());
        for text in noshi.into_iter().chain(windows) {
            assert!(english().contains_key(text), "no English for {text:?}");
            used.insert(text.to_owned());
        }
        let stale: Vec<_> = english().keys().filter(|k| !used.contains(*k)).collect();
        assert!(
            stale.is_empty(),
            "English for texts no page shows: {stale:?}"
        );
    }

    #[test]
    fn placeholders_survive_translation() {
        for (ja, en) in english() {
            for piece in ja.split('{').skip(1) {
                let name = piece.split('}').next().unwrap_or_default();
                assert!(en.contains(&format!("{{{name}}}")), "{ja:?} → {en:?}");
            }
        }
    }

    #[test]
    fn the_language_is_the_path_prefix() {
        assert_eq!(Lang::of_path("/en"), Lang::En);
        assert_eq!(Lang::of_path("/en/gifts"), Lang::En);
        assert_eq!(Lang::of_path("/english"), Lang::Ja);
        assert_eq!(Lang::of_path("/gifts"), Lang::Ja);
    }

    #[test]
    fn the_other_version_keeps_the_page_and_its_query() {
        assert_eq!(Lang::Ja.other_version("/gifts", "q=a"), "/en/gifts?q=a");
        assert_eq!(Lang::Ja.other_version("/", ""), "/en/");
        assert_eq!(Lang::Ja.other_version("/mypage", ""), "/en/");
        assert_eq!(Lang::Ja.other_version("/donations-x", ""), "/en/");
        assert_eq!(Lang::En.other_version("/en/", ""), "/");
        assert_eq!(Lang::En.other_version("/en/gifts/g1", ""), "/gifts/g1");
    }
}
