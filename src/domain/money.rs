//! Integer-yen money (`Yen`) and basis-point ratios; no floats anywhere in money paths.

use std::fmt;

/// An amount of money in whole yen.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct Yen(pub i64);

/// A ratio in basis points (1/10000), e.g. `BasisPoints(3000)` = 30%.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct BasisPoints(pub u32);

impl BasisPoints {
    /// 100%.
    pub const WHOLE: BasisPoints = BasisPoints(10_000);

    /// As people read it: `28.83%`.
    pub fn percent(self) -> String {
        format!("{}.{:02}%", self.0 / 100, self.0 % 100)
    }
}

impl Yen {
    /// Zero yen.
    pub const ZERO: Yen = Yen(0);

    /// `Some` only for a strictly positive amount (donations, prices).
    pub fn positive(amount: i64) -> Option<Yen> {
        (amount > 0).then_some(Yen(amount))
    }

    /// The amount as plain yen.
    pub fn get(self) -> i64 {
        self.0
    }

    /// `self * factor`, `None` on overflow.
    pub fn checked_mul(self, factor: i64) -> Option<Yen> {
        self.0.checked_mul(factor).map(Yen)
    }

    /// `self + other`, `None` on overflow.
    pub fn checked_add(self, other: Yen) -> Option<Yen> {
        self.0.checked_add(other.0).map(Yen)
    }

    /// `self - other`, `None` on overflow.
    pub fn checked_sub(self, other: Yen) -> Option<Yen> {
        self.0.checked_sub(other.0).map(Yen)
    }

    /// floor(amount × bp / 10000); i128 so that no product can overflow.
    pub fn share(self, ratio: BasisPoints) -> Yen {
        let product = i128::from(self.0) * i128::from(ratio.0);
        // div_euclid floors also for negative amounts (refund arithmetic).
        let share = product.div_euclid(10_000);
        // |share| ≤ |amount| × 2^32 / 10^4 may exceed i64 only for absurd ratios; saturate then.
        Yen(i64::try_from(share).unwrap_or(if share < 0 { i64::MIN } else { i64::MAX }))
    }

    /// The amount with thousands separators and no currency sign, e.g. `34,000`.
    pub fn grouped(&self) -> String {
        let digits = self.0.unsigned_abs().to_string();
        // Groups of three counted from the right; the digits are ASCII, so byte chunks are chars.
        let mut groups: Vec<&str> = digits
            .as_bytes()
            .rchunks(3)
            .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
            .collect();
        groups.reverse();
        let sign = if self.0 < 0 { "-" } else { "" };
        format!("{sign}{}", groups.join(","))
    }
}

impl fmt::Display for Yen {
    /// `¥34,000` (negative: `-¥500`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let grouped = self.grouped();
        match grouped.strip_prefix('-') {
            Some(abs) => write!(f, "-¥{abs}"),
            None => write!(f, "¥{grouped}"),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn basis_points_read_as_percent() {
        assert_eq!(BasisPoints(2883).percent(), "28.83%");
        assert_eq!(BasisPoints(5000).percent(), "50.00%");
        assert_eq!(BasisPoints(7).percent(), "0.07%");
    }

    #[test]
    fn positive_rejects_zero_and_negative() {
        assert_eq!(Yen::positive(1), Some(Yen(1)));
        assert_eq!(Yen::positive(0), None);
        assert_eq!(Yen::positive(-5), None);
    }

    #[test]
    fn checked_arithmetic_detects_overflow() {
        assert_eq!(Yen(34_000).checked_mul(3), Some(Yen(102_000)));
        assert_eq!(Yen(i64::MAX).checked_mul(2), None);
        assert_eq!(Yen(1).checked_add(Yen(2)), Some(Yen(3)));
        assert_eq!(Yen(i64::MAX).checked_add(Yen(1)), None);
        assert_eq!(Yen(i64::MIN).checked_sub(Yen(1)), None);
    }

    #[test]
    fn grouped_and_display() {
        assert_eq!(Yen(0).grouped(), "0");
        assert_eq!(Yen(999).grouped(), "999");
        assert_eq!(Yen(1_000).grouped(), "1,000");
        assert_eq!(Yen(34_000).grouped(), "34,000");
        assert_eq!(Yen(120_000_000).grouped(), "120,000,000");
        assert_eq!(Yen(34_000).to_string(), "¥34,000");
        assert_eq!(Yen(-1_500).to_string(), "-¥1,500");
        assert_eq!(Yen(i64::MIN).grouped(), "-9,223,372,036,854,775,808");
    }

    #[test]
    fn share_floors_with_wide_intermediate() {
        assert_eq!(Yen(10_000).share(BasisPoints(3000)), Yen(3_000));
        assert_eq!(Yen(33_333).share(BasisPoints(3000)), Yen(9_999));
        assert_eq!(Yen(9_999).share(BasisPoints(7000)), Yen(6_999));
        assert_eq!(Yen(i64::MAX).share(BasisPoints::WHOLE), Yen(i64::MAX));
        assert_eq!(Yen(-10).share(BasisPoints(3000)), Yen(-3));
        assert_eq!(Yen(-1).share(BasisPoints(3000)), Yen(-1));
    }

    #[test]
    fn serde_is_transparent() {
        assert_eq!(serde_json::to_string(&Yen(500)).unwrap(), "500");
        assert_eq!(serde_json::from_str::<Yen>("500").unwrap(), Yen(500));
    }
}
