//! A return gift's (返礼品) terms and the rules every create and change must satisfy.

use chrono::NaiveDate;

use super::gift_rules::{find_prohibited_word, max_procurement_cost, within_return_ratio};
use super::money::Yen;
use super::FieldError;

crate::named_enum! {
    /// 体験型 / 商品型 / 旅行クーポン / 現地決済型.
    pub stored enum Category {
        Experience = "experience" / "体験型",
        Product = "product" / "商品型",
        Travel = "travel" / "旅行クーポン",
        OnSite = "on_site" / "現地決済型",
    }
}

impl Category {
    /// How a gift of this category reaches the donor: products are shipped, experiences and
    /// travel coupons are booked; an on-site gift is an e-voucher and needs no order.
    pub fn fulfilment(self) -> Option<super::order::Fulfilment> {
        use super::order::Fulfilment;
        match self {
            Category::Product => Some(Fulfilment::Parcel),
            Category::Experience | Category::Travel => Some(Fulfilment::Booking),
            Category::OnSite => None,
        }
    }

    /// The name donors read on the storefront.
    pub fn donor_label(self) -> &'static str {
        match self {
            Category::Experience => "体験",
            Category::Product => "特産品",
            Category::Travel => "旅行クーポン",
            Category::OnSite => "現地で使える電子商品券",
        }
    }
}

crate::named_enum! {
    /// Where a gift stands on its way to the public catalogue; see `gift_approval` for the steps.
    pub stored enum GiftStatus {
        Draft = "draft" / "下書き",
        /// Its 地場産品 basis awaits approval.
        Submitted = "submitted" / "承認待ち",
        /// Its basis is approved; not yet public.
        Approved = "approved" / "承認済み",
        Published = "published" / "公開中",
        Suspended = "suspended" / "停止中",
        /// Taken out of the catalogue for good (kept, like everything).
        Withdrawn = "withdrawn" / "取り下げ",
    }
}

/// Whether a gift is on offer on a Japan date: published and inside its availability window
/// (either end may be open).
pub fn is_offered_on(
    status: GiftStatus,
    available_from: Option<NaiveDate>,
    available_until: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    status == GiftStatus::Published
        && available_from.is_none_or(|from| from <= today)
        && available_until.is_none_or(|until| until >= today)
}

/// Everything about a gift that the rules look at, as it would be after a create or a change.
#[derive(Debug, Clone)]
pub struct GiftTerms {
    pub code: String,
    pub name: String,
    pub description: String,
    pub amount: i64,
    pub procurement_cost: i64,
    pub shipping_cost: i64,
    pub stock: Option<i64>,
    pub available_from: Option<NaiveDate>,
    pub available_until: Option<NaiveDate>,
    pub image_url: Option<String>,
}

/// Why a gift's terms are refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GiftRuleError {
    Invalid(Vec<FieldError>),
    /// The procurement cost is above 30% of the donation amount.
    ReturnRatioExceeded {
        max_procurement_cost: Yen,
    },
    /// Advertising wording that stresses bargains.
    ProhibitedWording {
        word: String,
    },
}

/// A catalogue gift's code: 1-40 characters of A-Z, a-z, 0-9, '-' or '_'.
pub fn valid_gift_code(code: &str) -> bool {
    (1..=40).contains(&code.chars().count())
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl GiftTerms {
    /// Checks shape first (every problem at once), then the 30% rule, then the wording rule.
    pub fn check(&self, prohibited_words: &[String]) -> Result<(), GiftRuleError> {
        let mut errors = Vec::new();
        if !valid_gift_code(&self.code) {
            errors.push(FieldError::new(
                "code",
                "must be 1-40 characters of A-Z, a-z, 0-9, '-' or '_'",
            ));
        }
        if !(1..=200).contains(&self.name.trim().chars().count()) {
            errors.push(FieldError::new("name", "must be 1-200 characters"));
        }
        if self.description.chars().count() > 5000 {
            errors.push(FieldError::new(
                "description",
                "must be at most 5000 characters",
            ));
        }
        if self.amount <= 0 {
            errors.push(FieldError::new(
                "amount",
                "must be a positive number of yen",
            ));
        }
        if self.procurement_cost <= 0 {
            errors.push(FieldError::new(
                "procurement_cost",
                "must be a positive number of yen",
            ));
        }
        if self.shipping_cost < 0 {
            errors.push(FieldError::new("shipping_cost", "must be 0 or more yen"));
        }
        if self.stock.is_some_and(|s| s < 0) {
            errors.push(FieldError::new(
                "stock",
                "must be 0 or more, or null for unlimited",
            ));
        }
        if let (Some(from), Some(until)) = (self.available_from, self.available_until) {
            if from > until {
                errors.push(FieldError::new(
                    "available_until",
                    "must not be before available_from",
                ));
            }
        }
        if let Some(url) = &self.image_url {
            if !(url.starts_with("https://") || url.starts_with("http://")) || url.len() > 500 {
                errors.push(FieldError::new(
                    "image_url",
                    "must be an http(s) URL of at most 500 characters",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(GiftRuleError::Invalid(errors));
        }
        let (amount, cost) = (Yen(self.amount), Yen(self.procurement_cost));
        if !within_return_ratio(cost, amount) {
            return Err(GiftRuleError::ReturnRatioExceeded {
                max_procurement_cost: max_procurement_cost(amount),
            });
        }
        if let Some(word) = find_prohibited_word(&[&self.name, &self.description], prohibited_words)
        {
            return Err(GiftRuleError::ProhibitedWording {
                word: word.to_owned(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::gift_rules::default_prohibited_words;

    fn terms(amount: i64, cost: i64) -> GiftTerms {
        GiftTerms {
            code: "SHN-001".into(),
            name: "花火観覧席ペアチケット".into(),
            description: "秋の運河花火まつり".into(),
            amount,
            procurement_cost: cost,
            shipping_cost: 0,
            stock: Some(10),
            available_from: None,
            available_until: None,
            image_url: None,
        }
    }

    #[test]
    fn exactly_thirty_percent_passes_and_one_yen_more_fails() {
        let words = default_prohibited_words();
        assert_eq!(terms(34_000, 10_200).check(&words), Ok(()));
        assert_eq!(
            terms(34_000, 10_201).check(&words),
            Err(GiftRuleError::ReturnRatioExceeded {
                max_procurement_cost: Yen(10_200)
            })
        );
    }

    #[test]
    fn bargain_wording_is_refused_with_the_word() {
        let mut t = terms(10_000, 3_000);
        t.description = "とてもお得なセット".into();
        assert_eq!(
            t.check(&default_prohibited_words()),
            Err(GiftRuleError::ProhibitedWording {
                word: "お得".into()
            })
        );
    }

    #[test]
    fn shape_problems_are_reported_together() {
        let mut t = terms(0, -1);
        t.code = "bad code!".into();
        t.available_from = NaiveDate::from_ymd_opt(2025, 9, 1);
        t.available_until = NaiveDate::from_ymd_opt(2025, 8, 1);
        match t.check(&[]) {
            Err(GiftRuleError::Invalid(errors)) => {
                let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(
                    fields,
                    ["code", "amount", "procurement_cost", "available_until"]
                );
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn categories_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::parse(c.as_str()), Some(c));
        }
        assert_eq!(Category::parse("support"), None);
    }
}
