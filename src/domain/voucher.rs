//! On-site e-voucher terms (現地決済型): face value, expiry on Japan dates, same-day reversal.

use super::calendar::{end_of_japan_day, japan_date, YearMonth};
use super::money::{BasisPoints, Yen};
use chrono::{DateTime, Days, NaiveDate, Utc};

/// The ceiling for a voucher's face value: 30% of the donation, like any return gift.
pub const MAX_VOUCHER_RATIO: BasisPoints = BasisPoints(3000);

crate::named_enum! {
    /// The stored state of a voucher. Whether it is spent or expired follows from its balance and
    /// expiry; see `Standing`.
    pub stored enum VoucherState {
        Active = "active",
        /// Voided by the refund of its donation.
        Voided = "voided",
    }
}

crate::named_enum! {
    /// What partners and donors see of a voucher at a moment.
    pub enum Standing {
        Active = "active",
        Exhausted = "exhausted",
        Expired = "expired",
        Voided = "voided",
    }
}

impl Standing {
    /// Voided wins over expired, expired over spent.
    pub fn of(
        state: VoucherState,
        balance: i64,
        expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Standing {
        if state == VoucherState::Voided {
            Standing::Voided
        } else if is_expired(expires_at, at) {
            Standing::Expired
        } else if balance == 0 {
            Standing::Exhausted
        } else {
            Standing::Active
        }
    }
}

/// A municipality's voucher settings *(configurable)*.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct VoucherTerms {
    /// Face value as a share of the donation; anything above [`MAX_VOUCHER_RATIO`] is capped.
    pub ratio: BasisPoints,
    /// Days of validity after the Japan date of issue.
    pub validity_days: u32,
}

impl Default for VoucherTerms {
    /// The ward's scheme: 30%, valid 365 days.
    fn default() -> Self {
        Self {
            ratio: MAX_VOUCHER_RATIO,
            validity_days: 365,
        }
    }
}

impl VoucherTerms {
    /// floor(donation × ratio), with the ratio capped at 30% so a misconfiguration can never
    /// break the return-ratio rule.
    pub fn face_value(&self, donation: Yen) -> Yen {
        donation.share(self.ratio.min(MAX_VOUCHER_RATIO))
    }

    /// The face value of the voucher a paid on-site donation issues: a catalogue item's own
    /// value (its cost per unit × units, e.g. 「3,000円分」 for ¥10,000), else the configured
    /// share of the donation. Never above 30% of the donation either way.
    pub fn face_value_for(&self, donation: Yen, item_value: Option<Yen>) -> Yen {
        let ceiling = donation.share(MAX_VOUCHER_RATIO);
        match item_value {
            Some(item) => item.min(ceiling),
            None => self.face_value(donation),
        }
    }

    /// The last instant of the Japan day `validity_days` after the Japan date of issue
    /// (23:59:59.999999 JST, as UTC).
    pub fn expires_at(&self, issued_at: DateTime<Utc>) -> DateTime<Utc> {
        let issued_on = japan_date(issued_at);
        // Only overflows past chrono's year 262143; keep the issue date then rather than panic.
        let last_day = issued_on
            .checked_add_days(Days::new(u64::from(self.validity_days)))
            .unwrap_or(issued_on);
        end_of_japan_day(last_day)
    }
}

/// A voucher is usable up to and including `expires_at`.
pub fn is_expired(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now > expires_at
}

/// A month can be settled with a partner only once it has ended (Japan time).
pub fn month_closed(month: YearMonth, today: NaiveDate) -> bool {
    month < YearMonth::of(today)
}

/// Whether two instants fall on the same Japan date (a redemption may be reversed only the
/// day it was made).
pub fn same_japan_day(a: DateTime<Utc>, b: DateTime<Utc>) -> bool {
    japan_date(a) == japan_date(b)
}

/// Why a redemption did not go through, judged on the voucher as it is after the attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedemptionRefusal {
    Voided,
    Expired,
    InsufficientBalance { balance: i64 },
    NotActive,
}

/// The reason a refused redemption gives; voided and expired win over the balance.
pub fn redemption_refusal(standing: Standing, balance: i64, amount: i64) -> RedemptionRefusal {
    match standing {
        Standing::Voided => RedemptionRefusal::Voided,
        Standing::Expired => RedemptionRefusal::Expired,
        _ if balance < amount => RedemptionRefusal::InsufficientBalance { balance },
        _ => RedemptionRefusal::NotActive,
    }
}

/// Why a redemption cannot be reversed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReversalRefusal {
    AlreadyReversed,
    /// Reversals are for mistakes at the till: the same Japan day only.
    WindowClosed,
    /// The month was paid out to the partner.
    AlreadySettled,
}

/// A redemption may be reversed once, on the Japan day it was made, until its month is settled.
pub fn check_reversal(
    already_reversed: bool,
    redeemed_at: DateTime<Utc>,
    at: DateTime<Utc>,
    month_settled: bool,
) -> Result<(), ReversalRefusal> {
    if already_reversed {
        Err(ReversalRefusal::AlreadyReversed)
    } else if !same_japan_day(redeemed_at, at) {
        Err(ReversalRefusal::WindowClosed)
    } else if month_settled {
        Err(ReversalRefusal::AlreadySettled)
    } else {
        Ok(())
    }
}

/// The totals of a partner's month: what the municipality pays is gross minus reversals.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StatementTotals {
    /// Redemptions not reversed.
    pub count: i64,
    pub gross_amount: i64,
    pub reversed_amount: i64,
    pub net_amount: i64,
}

/// Adds up redemptions given as (amount, reversed).
pub fn tally(lines: impl IntoIterator<Item = (i64, bool)>) -> StatementTotals {
    let mut t = StatementTotals::default();
    for (amount, reversed) in lines {
        t.gross_amount += amount;
        if reversed {
            t.reversed_amount += amount;
        } else {
            t.count += 1;
        }
    }
    t.net_amount = t.gross_amount - t.reversed_amount;
    t
}

#[cfg(test)]
mod till_rules {
    use super::*;
    use chrono::TimeZone;

    fn utc(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 7, 1, h, m, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn reversal_is_for_the_same_japan_day_only() {
        // 14:59 UTC is 23:59 in Japan; 15:00 UTC is the next Japan day.
        assert_eq!(check_reversal(false, utc(1, 0), utc(14, 59), false), Ok(()));
        let next_day = check_reversal(false, utc(1, 0), utc(15, 0), false);
        assert_eq!(next_day, Err(ReversalRefusal::WindowClosed));
        let twice = check_reversal(true, utc(1, 0), utc(1, 5), false);
        assert_eq!(twice, Err(ReversalRefusal::AlreadyReversed));
        let settled = check_reversal(false, utc(1, 0), utc(1, 5), true);
        assert_eq!(settled, Err(ReversalRefusal::AlreadySettled));
    }

    #[test]
    fn a_statement_nets_out_reversals() {
        let t = tally([(1_000, false), (500, true), (2_500, false)]);
        let expected = StatementTotals {
            count: 2,
            gross_amount: 4_000,
            reversed_amount: 500,
            net_amount: 3_500,
        };
        assert_eq!(t, expected);
    }

    #[test]
    fn a_refusal_names_the_real_reason() {
        let r = redemption_refusal(Standing::Active, 300, 500);
        assert_eq!(r, RedemptionRefusal::InsufficientBalance { balance: 300 });
        let r = redemption_refusal(Standing::Expired, 300, 500);
        assert_eq!(r, RedemptionRefusal::Expired);
        assert_eq!(
            redemption_refusal(Standing::Voided, 0, 1),
            RedemptionRefusal::Voided
        );
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;
    use crate::domain::calendar::japan_offset;
    use chrono::{TimeDelta, TimeZone};

    fn jst(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> DateTime<Utc> {
        japan_offset()
            .with_ymd_and_hms(y, m, d, h, min, s)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn face_value_tiers() {
        let terms = VoucherTerms::default();
        for (donation, face) in [
            (10_000, 3_000),
            (30_000, 9_000),
            (50_000, 15_000),
            (100_000, 30_000),
        ] {
            assert_eq!(terms.face_value(Yen(donation)), Yen(face));
        }
    }

    #[test]
    fn an_items_value_is_its_voucher_capped_at_thirty_percent() {
        let terms = VoucherTerms::default();
        assert_eq!(
            terms.face_value_for(Yen(10_000), Some(Yen(2_500))),
            Yen(2_500)
        );
        assert_eq!(
            terms.face_value_for(Yen(10_000), Some(Yen(3_001))),
            Yen(3_000)
        );
        assert_eq!(terms.face_value_for(Yen(30_000), None), Yen(9_000));
    }

    #[test]
    fn face_value_floors() {
        let terms = VoucherTerms::default();
        assert_eq!(terms.face_value(Yen(10_001)), Yen(3_000));
        assert_eq!(terms.face_value(Yen(3)), Yen(0));
    }

    #[test]
    fn lower_ratio_is_used_and_higher_is_capped() {
        let lower = VoucherTerms {
            ratio: BasisPoints(2000),
            validity_days: 365,
        };
        assert_eq!(lower.face_value(Yen(10_000)), Yen(2_000));
        let over = VoucherTerms {
            ratio: BasisPoints(5000),
            validity_days: 365,
        };
        assert_eq!(over.face_value(Yen(10_000)), Yen(3_000));
    }

    #[test]
    fn expiry_is_the_end_of_the_japan_day() {
        let terms = VoucherTerms::default();
        let issued = jst(2025, 7, 14, 23, 30, 0);
        let expires = terms.expires_at(issued);
        assert_eq!(
            expires,
            "2026-07-14T23:59:59.999999+09:00"
                .parse::<DateTime<Utc>>()
                .unwrap()
        );
        assert!(!is_expired(expires, expires));
        assert!(is_expired(expires, expires + TimeDelta::microseconds(1)));
        assert!(!is_expired(expires, jst(2026, 7, 14, 23, 59, 59)));
        assert!(is_expired(expires, jst(2026, 7, 15, 0, 0, 0)));
    }

    #[test]
    fn expiry_uses_the_japan_date_not_the_utc_date() {
        // 00:30 JST on 15 July is still 14 July in UTC.
        let issued = jst(2025, 7, 15, 0, 30, 0);
        let terms = VoucherTerms {
            ratio: MAX_VOUCHER_RATIO,
            validity_days: 1,
        };
        assert_eq!(
            terms.expires_at(issued),
            jst(2025, 7, 16, 23, 59, 59) + TimeDelta::microseconds(999_999)
        );
    }

    #[test]
    fn same_japan_day_follows_jst_midnight() {
        let morning = jst(2025, 7, 14, 0, 0, 0);
        let night = jst(2025, 7, 14, 23, 59, 59);
        assert!(same_japan_day(morning, night));
        assert!(!same_japan_day(night, jst(2025, 7, 15, 0, 0, 0)));
        // Same UTC date (2025-07-14), different Japan dates.
        let a: DateTime<Utc> = "2025-07-14T14:00:00Z".parse().unwrap();
        let b: DateTime<Utc> = "2025-07-14T16:00:00Z".parse().unwrap();
        assert!(!same_japan_day(a, b));
    }

    #[test]
    fn only_ended_months_can_be_settled() {
        let today = NaiveDate::from_ymd_opt(2025, 8, 1).unwrap();
        assert!(month_closed(YearMonth::parse("2025-07").unwrap(), today));
        assert!(!month_closed(YearMonth::parse("2025-08").unwrap(), today));
    }
}
