//! Donation (寄附) kinds, states and the rules a new donation and a payment event must satisfy.

use chrono::{DateTime, NaiveDate, Utc};

use super::donor::{same_municipality, Donor};
use super::money::Yen;
use super::FieldError;

crate::named_enum! {
    pub stored enum DonationKind {
        /// With a return gift (返礼品あり).
        Gift = "gift" / "返礼品あり",
        /// To support a named organisation (団体応援寄附); no gift.
        Support = "support" / "団体応援",
        /// For an on-site e-voucher (現地決済型).
        OnSite = "on_site" / "現地決済型",
        /// No gift (寄附のみ).
        General = "general" / "寄附のみ",
    }
}

impl DonationKind {
    /// Whether paying for this donation issues an on-site e-voucher: an `on_site` donation does,
    /// and so does a donation for a catalogue item of the on-site category (現地決済型), whatever
    /// the storefront called it — the item decides, so the donor always gets what they paid for.
    pub fn issues_voucher(self, item: Option<super::gift::Category>) -> bool {
        self == DonationKind::OnSite || item == Some(super::gift::Category::OnSite)
    }

    /// Whether the donor receives something of value (a gift or a voucher).
    pub fn gives_return(self) -> bool {
        matches!(self, DonationKind::Gift | DonationKind::OnSite)
    }
}

crate::named_enum! {
    pub stored enum DonationStatus {
        PendingPayment = "pending_payment" / "入金待ち",
        Paid = "paid" / "入金済み",
        Cancelled = "cancelled" / "取消",
        Refunded = "refunded" / "返金済み",
    }
}

crate::named_enum! {
    /// How a donation's money arrived.
    pub stored enum PaymentMethod {
        /// By card through the payment provider (signed webhook).
        Card = "card",
        /// 銀行振込, recorded by staff.
        BankTransfer = "bank_transfer",
        /// 窓口, paid at the municipality's counter, recorded by staff.
        Counter = "counter",
        /// Through a portal site, brought in by an import.
        Portal = "portal",
    }
}

/// What a `payment.succeeded` event does to a donation in a given state. Events may arrive late,
/// twice or out of order; a payment never silently revives a cancelled donation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SucceededEffect {
    MarkPaid,
    /// Already paid or refunded: nothing changes.
    NoChange,
    /// Money arrived for a cancelled donation: recorded for staff to resolve (refund or re-open).
    NeedsAttention,
}

pub fn on_payment_succeeded(status: DonationStatus) -> SucceededEffect {
    match status {
        DonationStatus::PendingPayment => SucceededEffect::MarkPaid,
        DonationStatus::Paid | DonationStatus::Refunded => SucceededEffect::NoChange,
        DonationStatus::Cancelled => SucceededEffect::NeedsAttention,
    }
}

/// A `payment.failed` cancels only a donation still waiting for payment; a failure that arrives
/// after a success does not undo it.
pub fn payment_failure_cancels(status: DonationStatus) -> bool {
    status == DonationStatus::PendingPayment
}

/// Why staff may not record an offline payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfflinePaymentRefusal {
    /// Already paid or refunded.
    NotPayable,
    /// On-site e-vouchers are paid by card only (現地決済型).
    CardOnly,
    /// The receipt date lies before the donation was made, or after today.
    ReceivedOnOutOfRange,
}

/// Staff may record a bank transfer or counter payment for a donation that is waiting, or that
/// was cancelled for want of payment (a transfer that arrived after the hold), dated between the
/// day the donation was made and today (Japan dates).
pub fn check_offline_payment(
    issues_voucher: bool,
    status: DonationStatus,
    made_on: NaiveDate,
    received_on: NaiveDate,
    today: NaiveDate,
) -> Result<(), OfflinePaymentRefusal> {
    if !matches!(
        status,
        DonationStatus::PendingPayment | DonationStatus::Cancelled
    ) {
        return Err(OfflinePaymentRefusal::NotPayable);
    }
    if issues_voucher {
        return Err(OfflinePaymentRefusal::CardOnly);
    }
    if received_on < made_on || received_on > today {
        return Err(OfflinePaymentRefusal::ReceivedOnOutOfRange);
    }
    Ok(())
}

/// Whether a card payment's instant is plausible: not before its donation was made and not in
/// the future, each give or take `tolerance` of clock difference with the provider. The instant
/// decides the receipt date and so the fiscal year and the receipt's era: a signed event saying
/// 1970 must not number a receipt `H-19-…`.
pub fn check_paid_at(
    paid_at: DateTime<Utc>,
    made_at: DateTime<Utc>,
    now: DateTime<Utc>,
    tolerance: chrono::Duration,
) -> Result<(), &'static str> {
    if paid_at < made_at - tolerance {
        return Err("cannot be before the donation was made");
    }
    if paid_at > now + tolerance {
        return Err("cannot be in the future");
    }
    Ok(())
}

/// The municipality's own limits for new donations.
#[derive(Debug, Clone)]
pub struct DonationLimits<'a> {
    pub minimum_amount: i64,
    pub maximum_amount: i64,
    pub max_quantity: i32,
    pub on_site_tiers: &'a [i64],
    pub home_prefecture: &'a str,
    pub home_city: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DonationRuleError {
    Invalid(Vec<FieldError>),
    /// `amount` does not equal what the gift is offered for.
    AmountMismatch {
        expected: Yen,
    },
    /// An amount outside what this kind allows.
    InvalidAmount {
        reason: String,
    },
    /// A resident of the municipality asked for a gift or voucher.
    ResidentGiftNotAllowed,
}

/// Checks the amount for the donation's kind. `gift_amount` is the gift's offered amount.
pub fn check_amount(
    kind: DonationKind,
    amount: i64,
    quantity: i32,
    gift_amount: Option<i64>,
    limits: &DonationLimits,
) -> Result<(), DonationRuleError> {
    if amount <= 0 {
        return Err(DonationRuleError::InvalidAmount {
            reason: "The amount must be a positive number of yen.".into(),
        });
    }
    if amount > limits.maximum_amount {
        return Err(DonationRuleError::InvalidAmount {
            reason: format!("The amount may be at most {}.", Yen(limits.maximum_amount)),
        });
    }
    match kind {
        DonationKind::Gift => {
            if !(1..=limits.max_quantity).contains(&quantity) {
                return Err(DonationRuleError::Invalid(vec![FieldError::new(
                    "quantity",
                    format!("must be between 1 and {}", limits.max_quantity),
                )]));
            }
            let expected = gift_amount
                .and_then(|a| Yen(a).checked_mul(i64::from(quantity)))
                .ok_or(DonationRuleError::InvalidAmount {
                    reason: "The gift's amount is unknown.".into(),
                })?;
            if Yen(amount) != expected {
                return Err(DonationRuleError::AmountMismatch { expected });
            }
        }
        DonationKind::OnSite => {
            if !limits.on_site_tiers.contains(&amount) {
                let tiers: Vec<String> = limits
                    .on_site_tiers
                    .iter()
                    .map(|t| Yen(*t).to_string())
                    .collect();
                return Err(DonationRuleError::InvalidAmount {
                    reason: format!(
                        "On-site e-voucher donations are offered for {} only.",
                        tiers.join(", ")
                    ),
                });
            }
        }
        DonationKind::Support | DonationKind::General => {
            if amount < limits.minimum_amount {
                return Err(DonationRuleError::InvalidAmount {
                    reason: format!("The smallest donation is {}.", Yen(limits.minimum_amount)),
                });
            }
        }
    }
    if kind != DonationKind::Gift && quantity != 1 {
        return Err(DonationRuleError::Invalid(vec![FieldError::new(
            "quantity",
            "applies to gift donations only",
        )]));
    }
    Ok(())
}

/// No gift to residents: a donor living in the municipality may give, but receive nothing.
pub fn check_residency(
    kind: DonationKind,
    donor: &Donor,
    limits: &DonationLimits,
) -> Result<(), DonationRuleError> {
    let resident = same_municipality(
        &donor.prefecture,
        &donor.city,
        limits.home_prefecture,
        limits.home_city,
    );
    if resident && kind.gives_return() {
        return Err(DonationRuleError::ResidentGiftNotAllowed);
    }
    Ok(())
}

/// A refund's reason: required, so the record says why money went back.
pub fn valid_refund_reason(reason: &str) -> bool {
    (1..=500).contains(&reason.trim().chars().count())
}

/// What a channel must look like, as every form and route says it.
pub const CHANNEL_RULE: &str = "must be 1-40 characters of a-z, 0-9, '_' or '-'";

/// `valid_channel` as the check of the field `field` (`channel`, `profile`).
pub fn check_channel(field: &str, channel: &str) -> Result<(), FieldError> {
    if valid_channel(channel) {
        Ok(())
    } else {
        Err(FieldError::new(field, CHANNEL_RULE))
    }
}

/// A sales channel: `official_site` or a portal's short name.
pub fn valid_channel(channel: &str) -> bool {
    (1..=40).contains(&channel.len())
        && channel
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIERS: [i64; 4] = [10_000, 30_000, 50_000, 100_000];

    fn limits() -> DonationLimits<'static> {
        DonationLimits {
            minimum_amount: 1_000,
            maximum_amount: 10_000_000,
            max_quantity: 10,
            on_site_tiers: &TIERS,
            home_prefecture: "東京都",
            home_city: "品川区",
        }
    }

    fn donor(prefecture: &str, city: &str) -> Donor {
        Donor {
            name: "品川 花子".into(),
            name_kana: "シナガワ ハナコ".into(),
            email: "hanako@example.jp".into(),
            phone: "03-1234-5678".into(),
            postal_code: "530-0001".into(),
            prefecture: prefecture.into(),
            city: city.into(),
            address_line: "梅田1-1-1".into(),
        }
    }

    #[test]
    fn gift_amount_must_equal_price_times_quantity() {
        let l = limits();
        assert_eq!(
            check_amount(DonationKind::Gift, 68_000, 2, Some(34_000), &l),
            Ok(())
        );
        assert_eq!(
            check_amount(DonationKind::Gift, 34_000, 2, Some(34_000), &l),
            Err(DonationRuleError::AmountMismatch {
                expected: Yen(68_000)
            })
        );
        assert!(matches!(
            check_amount(DonationKind::Gift, 34_000 * 11, 11, Some(34_000), &l),
            Err(DonationRuleError::Invalid(_))
        ));
    }

    #[test]
    fn on_site_amounts_come_from_the_tiers() {
        let l = limits();
        assert_eq!(
            check_amount(DonationKind::OnSite, 30_000, 1, None, &l),
            Ok(())
        );
        assert!(matches!(
            check_amount(DonationKind::OnSite, 20_000, 1, None, &l),
            Err(DonationRuleError::InvalidAmount { .. })
        ));
    }

    #[test]
    fn general_and_support_have_a_minimum() {
        let l = limits();
        assert_eq!(
            check_amount(DonationKind::General, 1_000, 1, None, &l),
            Ok(())
        );
        assert!(check_amount(DonationKind::Support, 999, 1, None, &l).is_err());
        assert!(check_amount(DonationKind::General, 0, 1, None, &l).is_err());
        assert!(check_amount(DonationKind::General, 10_000_001, 1, None, &l).is_err());
        assert!(check_amount(DonationKind::General, 5_000, 2, None, &l).is_err());
    }

    #[test]
    fn residents_may_give_but_not_receive() {
        let l = limits();
        let resident = donor("東京都", "品川区");
        for kind in [DonationKind::Gift, DonationKind::OnSite] {
            assert_eq!(
                check_residency(kind, &resident, &l),
                Err(DonationRuleError::ResidentGiftNotAllowed)
            );
        }
        for kind in [DonationKind::Support, DonationKind::General] {
            assert_eq!(check_residency(kind, &resident, &l), Ok(()));
        }
        assert_eq!(
            check_residency(DonationKind::Gift, &donor("大阪府", "大阪市北区"), &l),
            Ok(())
        );
        // Another ward of Tokyo is not Shinagawa.
        assert_eq!(
            check_residency(DonationKind::Gift, &donor("東京都", "目黒区"), &l),
            Ok(())
        );
    }

    #[test]
    fn payment_events_in_any_order() {
        use DonationStatus::*;
        assert_eq!(
            on_payment_succeeded(PendingPayment),
            SucceededEffect::MarkPaid
        );
        assert_eq!(on_payment_succeeded(Paid), SucceededEffect::NoChange);
        assert_eq!(
            on_payment_succeeded(Cancelled),
            SucceededEffect::NeedsAttention
        );
        assert!(payment_failure_cancels(PendingPayment));
        assert!(
            !payment_failure_cancels(Paid),
            "a failure after success changes nothing"
        );
    }

    #[test]
    fn offline_payments_need_a_plausible_date_and_no_voucher() {
        use DonationKind::{General, Gift, OnSite};
        use DonationStatus::*;
        use OfflinePaymentRefusal::*;
        let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
        let (made, today) = (d(7, 1), d(7, 20));
        let check = |kind: DonationKind, status, received| {
            check_offline_payment(kind.issues_voucher(None), status, made, received, today)
        };
        assert_eq!(check(General, PendingPayment, d(7, 1)), Ok(()));
        assert_eq!(check(Gift, Cancelled, d(7, 20)), Ok(()));
        assert_eq!(check(General, Paid, d(7, 2)), Err(NotPayable));
        assert_eq!(check(OnSite, PendingPayment, d(7, 2)), Err(CardOnly));
        let out_of_range = Err(ReceivedOnOutOfRange);
        assert_eq!(check(General, PendingPayment, d(6, 30)), out_of_range);
        assert_eq!(check(General, PendingPayment, d(7, 21)), out_of_range);
    }

    #[test]
    fn the_item_decides_whether_a_voucher_is_issued() {
        use crate::domain::gift::Category;
        assert!(DonationKind::OnSite.issues_voucher(None));
        assert!(DonationKind::Gift.issues_voucher(Some(Category::OnSite)));
        for item in [Category::Product, Category::Experience, Category::Travel] {
            assert!(!DonationKind::Gift.issues_voucher(Some(item)));
        }
        assert!(!DonationKind::General.issues_voucher(None));
    }

    #[test]
    fn a_payment_lies_between_its_donation_and_now() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let (made, now) = (at("2026-11-24T01:00:00Z"), at("2026-11-24T02:00:00Z"));
        let slack = chrono::Duration::seconds(300);
        assert_eq!(
            check_paid_at(at("2026-11-24T01:30:00Z"), made, now, slack),
            Ok(())
        );
        assert_eq!(
            check_paid_at(at("2026-11-24T00:55:00Z"), made, now, slack),
            Ok(())
        );
        assert!(check_paid_at(at("2026-11-24T00:54:59Z"), made, now, slack).is_err());
        assert!(check_paid_at(at("1970-01-01T00:00:00Z"), made, now, slack).is_err());
        assert!(check_paid_at(at("2026-11-24T02:05:01Z"), made, now, slack).is_err());
    }

    #[test]
    fn channels_are_short_lowercase_names() {
        assert!(valid_channel("official_site"));
        assert!(valid_channel("furusato-choice"));
        assert!(valid_channel("rakuten"));
        assert!(valid_channel("furusato-choice_2"));
        assert!(!valid_channel("Rakuten"));
        assert!(!valid_channel(""));
        assert!(!valid_channel("楽天"));
        assert!(!valid_channel(&"a".repeat(41)));
    }
}
