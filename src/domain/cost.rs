//! The costs of raising donations (募集に要する費用) and the 50% rule: per fiscal year they may
//! not exceed half of the donations received. Categories are the ministry's; amounts are yen.

use super::money::{BasisPoints, Yen};

crate::named_enum! {
    /// The ministry's categories of fundraising cost.
    pub stored enum CostCategory {
        /// 返礼品等の調達: gifts, and on-site vouchers as they are paid to partners.
        Procurement = "procurement" / "返礼品等の調達",
        /// 送付: shipping the gifts.
        Shipping = "shipping" / "返礼品等の送付",
        /// 広報: advertising, printing.
        Publicity = "publicity" / "広報",
        /// 決済等: the payment provider's fees.
        Payment = "payment" / "決済等",
        /// 事務: portal and intermediary fees, postage, staff time.
        Administration = "administration" / "事務",
    }
}

crate::named_enum! {
    /// What put an entry in the ledger: the service books all but `manual` by itself.
    pub stored enum CostSource {
        /// A paid gift donation's procurement cost, at the cost the gift had when donated.
        Gift = "gift" / "返礼品（寄附時の原価）",
        /// A paid gift donation's shipping cost, likewise.
        Shipping = "shipping" / "送料（寄附時）",
        /// A partner's month of redeemed vouchers, when settled.
        VoucherSettlement = "voucher_settlement" / "電子商品券の精算",
        /// A portal's fee on a donation imported from it.
        PortalFee = "portal_fee" / "ポータル手数料",
        /// The payment provider's fee on a card payment.
        CardFee = "card_fee" / "決済手数料",
        /// Entered by staff.
        Manual = "manual" / "手入力",
    }
}

/// The legal ceiling: costs ≤ 50% of the year's donations (5割).
pub const MAX_COST_RATIO: BasisPoints = BasisPoints(5000);

/// The gift ceiling the procurement share is watched against (3割).
pub const MAX_GIFT_RATIO: BasisPoints = BasisPoints(3000);

crate::named_enum! {
    /// Where a year's costs stand against the 50% rule.
    pub stored enum CostStanding {
        Within = "within",
        /// At or above the configured warning threshold, still within 50%.
        Warning = "warning",
        /// Above 50%: the designation is at risk.
        Exceeded = "exceeded",
    }
}

/// `part * 10000 / whole` rounded down; `None` for no donations.
pub fn ratio(part: Yen, whole: Yen) -> Option<BasisPoints> {
    if whole.get() <= 0 {
        return None;
    }
    let bp = (i128::from(part.get()) * 10_000).div_euclid(i128::from(whole.get()));
    Some(BasisPoints(u32::try_from(bp.max(0)).unwrap_or(u32::MAX)))
}

/// `part` against `limit` of `whole`, exactly (integer arithmetic, no rounding).
fn against(part: Yen, whole: Yen, limit: BasisPoints) -> std::cmp::Ordering {
    (i128::from(part.get()) * 10_000).cmp(&(i128::from(whole.get()) * i128::from(limit.0)))
}

fn above(part: Yen, whole: Yen, limit: BasisPoints) -> bool {
    against(part, whole, limit).is_gt()
}

/// The 50% rule: exactly half is within; one yen more is exceeded. From `warning_at` of the
/// donations (e.g. 45%) up to half, a warning.
pub fn standing(costs: Yen, donations: Yen, warning_at: BasisPoints) -> CostStanding {
    if above(costs, donations, MAX_COST_RATIO) {
        CostStanding::Exceeded
    } else if costs.get() > 0 && against(costs, donations, warning_at).is_ge() {
        CostStanding::Warning
    } else {
        CostStanding::Within
    }
}

/// Whether the procurement of gifts stays within 30% of the year's donations.
pub fn gifts_within_ratio(procurement: Yen, donations: Yen) -> bool {
    !above(procurement, donations, MAX_GIFT_RATIO)
}

/// A fee charged as a rate of an amount, rounded down to the yen (how providers and portals bill).
pub fn fee(amount: Yen, rate: BasisPoints) -> Yen {
    amount.share(rate)
}

/// What the ledger needs to know of a paid donation.
#[derive(Debug, Clone)]
pub struct PaidDonation {
    pub kind: super::donation::DonationKind,
    pub amount: Yen,
    pub quantity: i32,
    pub method: super::donation::PaymentMethod,
    /// The gift's procurement and shipping cost per unit when the donor gave.
    pub unit_cost: Option<Yen>,
    pub unit_shipping: Option<Yen>,
    /// Payment issued an on-site e-voucher (its cost comes as partners are paid).
    pub issues_voucher: bool,
}

/// The fee rates in force *(configurable)*.
#[derive(Debug, Clone, Copy)]
pub struct FeeRates {
    /// The payment provider's rate on card payments.
    pub card: BasisPoints,
    /// The rate of the portal the donation came through (imports).
    pub portal: BasisPoints,
}

/// One cost a paid donation causes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cost {
    pub category: CostCategory,
    pub source: CostSource,
    pub amount: Yen,
}

/// The costs a paid donation causes at once: a gift's procurement and shipping (at the costs it
/// had when donated, per unit × units), and the card provider's or the portal's fee. An on-site
/// voucher (an `on_site` donation or item) costs nothing until partners are paid for what was
/// spent (`VoucherSettlement`).
pub fn costs_of_paid(d: &PaidDonation, rates: FeeRates) -> Vec<Cost> {
    use super::donation::{DonationKind, PaymentMethod};
    let units = i64::from(d.quantity);
    let mut costs = Vec::new();
    let mut push = |category, source, amount: Option<Yen>| {
        if let Some(amount) = amount.filter(|a| a.get() > 0) {
            costs.push(Cost {
                category,
                source,
                amount,
            });
        }
    };
    if d.kind == DonationKind::Gift && !d.issues_voucher {
        let per_units = |unit: Option<Yen>| unit.and_then(|u| u.checked_mul(units));
        push(
            CostCategory::Procurement,
            CostSource::Gift,
            per_units(d.unit_cost),
        );
        push(
            CostCategory::Shipping,
            CostSource::Shipping,
            per_units(d.unit_shipping),
        );
    }
    match d.method {
        PaymentMethod::Card => push(
            CostCategory::Payment,
            CostSource::CardFee,
            Some(fee(d.amount, rates.card)),
        ),
        PaymentMethod::Portal => push(
            CostCategory::Administration,
            CostSource::PortalFee,
            Some(fee(d.amount, rates.portal)),
        ),
        _ => {}
    }
    costs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::donation::{DonationKind, PaymentMethod};

    const RATES: FeeRates = FeeRates {
        card: BasisPoints(300),
        portal: BasisPoints(1000),
    };

    fn paid(kind: DonationKind, method: PaymentMethod) -> PaidDonation {
        PaidDonation {
            kind,
            amount: Yen(20_000),
            quantity: 2,
            method,
            unit_cost: Some(Yen(3_000)),
            unit_shipping: Some(Yen(800)),
            issues_voucher: kind == DonationKind::OnSite,
        }
    }

    #[test]
    fn a_gift_paid_by_card_costs_its_units_and_the_card_fee() {
        let costs = costs_of_paid(&paid(DonationKind::Gift, PaymentMethod::Card), RATES);
        let amounts: Vec<(CostSource, i64)> =
            costs.iter().map(|c| (c.source, c.amount.get())).collect();
        assert_eq!(
            amounts,
            [
                (CostSource::Gift, 6_000),
                (CostSource::Shipping, 1_600),
                (CostSource::CardFee, 600)
            ]
        );
    }

    #[test]
    fn a_portal_donation_costs_the_portal_fee_and_a_voucher_nothing_yet() {
        let on_site = costs_of_paid(&paid(DonationKind::OnSite, PaymentMethod::Portal), RATES);
        assert_eq!(
            on_site,
            [Cost {
                category: CostCategory::Administration,
                source: CostSource::PortalFee,
                amount: Yen(2_000)
            }]
        );
        let mut voucher_item = paid(DonationKind::Gift, PaymentMethod::Card);
        voucher_item.issues_voucher = true;
        let costs = costs_of_paid(&voucher_item, RATES);
        assert_eq!(costs.len(), 1, "only the card fee: {costs:?}");
        let transfer = costs_of_paid(
            &paid(DonationKind::General, PaymentMethod::BankTransfer),
            RATES,
        );
        assert!(transfer.is_empty());
    }

    const WARN: BasisPoints = BasisPoints(4500);

    /// Where `costs` stand against a year of 1,000,000 yen of donations.
    fn standing_of(costs: i64) -> CostStanding {
        standing(Yen(costs), Yen(1_000_000), WARN)
    }

    #[test]
    fn exactly_half_is_within_and_one_yen_more_is_exceeded() {
        assert_eq!(standing_of(500_000), CostStanding::Warning);
        assert_eq!(standing_of(500_001), CostStanding::Exceeded);
    }

    #[test]
    fn the_warning_starts_at_the_threshold() {
        assert_eq!(standing_of(449_999), CostStanding::Within);
        assert_eq!(standing_of(450_000), CostStanding::Warning);
    }

    #[test]
    fn a_year_without_donations() {
        assert_eq!(standing(Yen(0), Yen(0), WARN), CostStanding::Within);
        assert_eq!(standing(Yen(1), Yen(0), WARN), CostStanding::Exceeded);
        assert_eq!(ratio(Yen(1), Yen(0)), None);
    }

    #[test]
    fn ratios_round_down_in_basis_points() {
        assert_eq!(ratio(Yen(1), Yen(3)), Some(BasisPoints(3333)));
        assert_eq!(ratio(Yen(500_000), Yen(1_000_000)), Some(BasisPoints(5000)));
        assert_eq!(ratio(Yen(-5), Yen(100)), Some(BasisPoints(0)));
    }

    #[test]
    fn gift_ratio_boundary() {
        assert!(gifts_within_ratio(Yen(300_000), Yen(1_000_000)));
        assert!(!gifts_within_ratio(Yen(300_001), Yen(1_000_000)));
    }

    #[test]
    fn fees_round_down() {
        assert_eq!(fee(Yen(10_000), BasisPoints(320)), Yen(320));
        assert_eq!(fee(Yen(12_345), BasisPoints(1000)), Yen(1_234));
    }
}
