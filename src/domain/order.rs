//! Gift orders (返礼品の発注): how a paid gift line is fulfilled by its vendor, which state
//! changes are allowed, what a refund does to an order, and what the ward owes its vendors.

use chrono::NaiveDate;

use super::money::Yen;
use super::FieldError;
use unicode_normalization::UnicodeNormalization;

crate::named_enum! {
    /// How a gift reaches the donor.
    pub stored enum Fulfilment {
        /// Shipped by a carrier, with a tracking number.
        Parcel = "parcel",
        /// An experience or ticket: fulfilled by a booking or ticket reference.
        Booking = "booking",
    }
}

crate::named_enum! {
    /// new → accepted → shipped → delivered, with held, cancelled and returned beside.
    pub stored enum OrderStatus {
        New = "new" / "新規",
        Accepted = "accepted" / "受付済み",
        /// Stopped by staff (an address to check, a donor's request).
        Held = "held" / "保留",
        Shipped = "shipped" / "発送済み",
        Delivered = "delivered" / "配達完了",
        Cancelled = "cancelled" / "キャンセル",
        Returned = "returned" / "返送",
    }
}

impl OrderStatus {
    /// The state in the donor's words: the ward's holds and returns are "being prepared".
    pub fn donor_label(self) -> &'static str {
        match self {
            OrderStatus::New | OrderStatus::Accepted | OrderStatus::Held => "発送準備中",
            OrderStatus::Shipped => "発送済み",
            OrderStatus::Delivered => "お届け済み",
            OrderStatus::Cancelled => "キャンセル",
            OrderStatus::Returned => "返送されました（区からご連絡します）",
        }
    }
}

crate::named_enum! {
    /// What can be done to an order.
    pub enum OrderAction {
        Accept = "accept",
        Ship = "ship",
        Deliver = "deliver",
        Hold = "hold",
        Release = "release",
        Return = "return",
    }
}

impl OrderAction {
    /// Holding an order is the ward's decision; vendors fulfil. (Cancelling is not an action:
    /// only a refund of the donation cancels, so money and goods cannot part ways.)
    pub fn is_staff_only(self) -> bool {
        matches!(self, OrderAction::Hold | OrderAction::Release)
    }
}

/// The state an action leads to from `status`, or `None` when it is not allowed there.
/// `was_accepted`: a released order goes back to where it was held from.
pub fn next_status(
    status: OrderStatus,
    action: OrderAction,
    was_accepted: bool,
) -> Option<OrderStatus> {
    use OrderAction as A;
    use OrderStatus as S;
    Some(match (status, action) {
        (S::New, A::Accept) => S::Accepted,
        // A vendor may ship without accepting first; a shipped order may have its tracking
        // corrected; a returned one may be sent again.
        (S::New | S::Accepted | S::Shipped | S::Returned, A::Ship) => S::Shipped,
        (S::Shipped, A::Deliver) => S::Delivered,
        (S::New | S::Accepted, A::Hold) => S::Held,
        (S::Held, A::Release) if was_accepted => S::Accepted,
        (S::Held, A::Release) => S::New,
        (S::Shipped | S::Delivered, A::Return) => S::Returned,
        _ => return None,
    })
}

/// What refunding the donation does to its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundEffect {
    /// Not yet on its way: cancelled, and its stock released.
    Cancel,
    /// Already sent: staff must settle it with the vendor and the donor.
    Flag,
    Nothing,
}

pub fn on_refund(status: OrderStatus) -> RefundEffect {
    match status {
        OrderStatus::New | OrderStatus::Accepted | OrderStatus::Held => RefundEffect::Cancel,
        OrderStatus::Shipped | OrderStatus::Delivered | OrderStatus::Returned => RefundEffect::Flag,
        OrderStatus::Cancelled => RefundEffect::Nothing,
    }
}

crate::named_enum! {
    /// Carriers a tracking number belongs to.
    pub stored enum Carrier {
        Yamato = "yamato" / "ヤマト運輸",
        Sagawa = "sagawa" / "佐川急便",
        JapanPost = "japan_post" / "日本郵便",
        Seino = "seino" / "西濃運輸",
        Fukuyama = "fukuyama" / "福山通運",
        Other = "other" / "その他",
    }
}

impl Carrier {
    /// A carrier by its code or its Japanese name, as a vendor's spreadsheet writes it.
    pub fn from_text(text: &str) -> Option<Carrier> {
        let text = text.trim();
        Carrier::parse(text).or_else(|| Carrier::ALL.into_iter().find(|c| c.label() == text))
    }
}

const REFERENCE_MAX: usize = 40;

/// A tracking number: 6-30 letters, digits or hyphens (full-width digits are folded).
pub fn parse_tracking_number(text: &str) -> Result<String, String> {
    let folded: String = text.trim().nfkc().collect::<String>().to_uppercase();
    let ok = (6..=30).contains(&folded.chars().count())
        && folded
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(folded)
    } else {
        Err("must be 6-30 letters, digits or hyphens".to_owned())
    }
}

/// How an order left the vendor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shipment {
    Parcel {
        carrier: Carrier,
        tracking_number: String,
        shipped_on: NaiveDate,
    },
    Booking {
        reference: String,
        shipped_on: NaiveDate,
    },
}

impl Shipment {
    pub fn shipped_on(&self) -> NaiveDate {
        match self {
            Shipment::Parcel { shipped_on, .. } | Shipment::Booking { shipped_on, .. } => {
                *shipped_on
            }
        }
    }
}

/// A shipment as typed: which fields an order needs depends on how it is fulfilled.
#[derive(Debug, Clone, Default)]
pub struct ShipmentInput {
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    pub booking_reference: Option<String>,
    /// Defaults to today (Japan).
    pub shipped_on: Option<NaiveDate>,
}

/// Checks a shipment for an order placed on `ordered_on`: not dated before it nor after
/// `today`; every problem reported together.
pub fn parse_shipment(
    input: ShipmentInput,
    fulfilment: Fulfilment,
    ordered_on: NaiveDate,
    today: NaiveDate,
) -> Result<Shipment, Vec<FieldError>> {
    let mut errors = Vec::new();
    fn given(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    let shipped_on = input.shipped_on.unwrap_or(today);
    if shipped_on > today {
        errors.push(FieldError::new("shipped_on", "cannot be in the future"));
    } else if shipped_on < ordered_on {
        errors.push(FieldError::new("shipped_on", "cannot be before the order"));
    }
    let shipment = match fulfilment {
        Fulfilment::Parcel => {
            if given(&input.booking_reference).is_some() {
                errors.push(FieldError::new(
                    "booking_reference",
                    "applies to experience and ticket gifts only",
                ));
            }
            let carrier = match given(&input.carrier) {
                None => Err("is required".to_owned()),
                Some(c) => Carrier::from_text(c).ok_or_else(|| {
                    "must be one of yamato, sagawa, japan_post, seino, fukuyama, other".to_owned()
                }),
            };
            let tracking = match given(&input.tracking_number) {
                None => Err("is required".to_owned()),
                Some(t) => parse_tracking_number(t),
            };
            match (carrier, tracking) {
                (Ok(carrier), Ok(tracking_number)) => Some(Shipment::Parcel {
                    carrier,
                    tracking_number,
                    shipped_on,
                }),
                (c, t) => {
                    if let Err(m) = c {
                        errors.push(FieldError::new("carrier", m));
                    }
                    if let Err(m) = t {
                        errors.push(FieldError::new("tracking_number", m));
                    }
                    None
                }
            }
        }
        Fulfilment::Booking => {
            if given(&input.tracking_number).is_some() {
                errors.push(FieldError::new(
                    "tracking_number",
                    "applies to parcels only: give a booking_reference",
                ));
            }
            match given(&input.booking_reference) {
                Some(r)
                    if r.chars().count() <= REFERENCE_MAX && !r.chars().any(char::is_control) =>
                {
                    Some(Shipment::Booking {
                        reference: r.to_owned(),
                        shipped_on,
                    })
                }
                Some(_) => {
                    errors.push(FieldError::new(
                        "booking_reference",
                        format!("must be at most {REFERENCE_MAX} characters on one line"),
                    ));
                    None
                }
                None => {
                    errors.push(FieldError::new("booking_reference", "is required"));
                    None
                }
            }
        }
    };
    match shipment {
        Some(s) if errors.is_empty() => Ok(s),
        _ => Err(errors),
    }
}

/// A date as typed in a form or a vendor's spreadsheet: `2026-11-24` or `2026/11/24`.
pub fn typed_date(text: &str) -> Result<Option<NaiveDate>, String> {
    let text: String = text.trim().nfkc().collect();
    if text.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(&text.replace('/', "-"), "%Y-%m-%d")
        .map(Some)
        .map_err(|_| "must be a date like 2026-11-24".to_owned())
}

/// An order's line on a vendor's statement: the procurement cost fixed when the donor gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CostLine {
    pub quantity: i32,
    pub unit_cost: Yen,
}

impl CostLine {
    pub fn amount(&self) -> Yen {
        Yen(self.unit_cost.0 * i64::from(self.quantity))
    }
}

/// What the ward owes for these lines.
pub fn amount_owed<'a>(lines: impl IntoIterator<Item = &'a CostLine>) -> Yen {
    Yen(lines.into_iter().map(|l| l.amount().0).sum())
}

/// An order's reference as a person reads it aloud or types it: the id's first twelve symbols.
pub fn order_number(order_id: &str) -> String {
    order_id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect::<String>()
        .to_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, d).unwrap_or_default()
    }

    #[test]
    fn the_order_lifecycle() {
        use OrderAction as A;
        use OrderStatus as S;
        assert_eq!(next_status(S::New, A::Accept, false), Some(S::Accepted));
        assert_eq!(next_status(S::Accepted, A::Ship, true), Some(S::Shipped));
        assert_eq!(next_status(S::New, A::Ship, false), Some(S::Shipped));
        assert_eq!(
            next_status(S::Shipped, A::Deliver, true),
            Some(S::Delivered)
        );
        assert_eq!(next_status(S::Held, A::Release, true), Some(S::Accepted));
        assert_eq!(next_status(S::Held, A::Release, false), Some(S::New));
        assert_eq!(next_status(S::Held, A::Ship, false), None);
        assert_eq!(next_status(S::Cancelled, A::Accept, false), None);
        assert_eq!(next_status(S::Cancelled, A::Ship, false), None);
        assert_eq!(
            next_status(S::Delivered, A::Return, true),
            Some(S::Returned)
        );
        assert_eq!(next_status(S::Accepted, A::Accept, true), None);
    }

    #[test]
    fn a_refund_cancels_before_shipping_and_flags_after() {
        assert_eq!(on_refund(OrderStatus::Accepted), RefundEffect::Cancel);
        assert_eq!(on_refund(OrderStatus::Held), RefundEffect::Cancel);
        assert_eq!(on_refund(OrderStatus::Shipped), RefundEffect::Flag);
        assert_eq!(on_refund(OrderStatus::Delivered), RefundEffect::Flag);
        assert_eq!(on_refund(OrderStatus::Cancelled), RefundEffect::Nothing);
    }

    #[test]
    fn a_parcel_needs_a_carrier_and_a_tracking_number() {
        let input = ShipmentInput {
            carrier: Some("ヤマト運輸".into()),
            tracking_number: Some("１２３４-５６７８-９０１２".into()),
            shipped_on: Some(day(20)),
            ..ShipmentInput::default()
        };
        let s = parse_shipment(input, Fulfilment::Parcel, day(18), day(24));
        assert_eq!(
            s,
            Ok(Shipment::Parcel {
                carrier: Carrier::Yamato,
                tracking_number: "1234-5678-9012".into(),
                shipped_on: day(20)
            })
        );
        let bad = ShipmentInput {
            carrier: Some("飛脚".into()),
            tracking_number: Some("12 34".into()),
            shipped_on: Some(day(25)),
            ..ShipmentInput::default()
        };
        let e = parse_shipment(bad, Fulfilment::Parcel, day(18), day(24)).err();
        let fields: Vec<String> = e.unwrap_or_default().into_iter().map(|f| f.field).collect();
        assert_eq!(fields, vec!["shipped_on", "carrier", "tracking_number"]);
        let early = ShipmentInput {
            carrier: Some("sagawa".into()),
            tracking_number: Some("123456789".into()),
            shipped_on: Some(day(17)),
            ..ShipmentInput::default()
        };
        assert!(parse_shipment(early, Fulfilment::Parcel, day(18), day(24)).is_err());
    }

    #[test]
    fn a_booking_needs_its_reference_and_no_tracking_number() {
        let input = ShipmentInput {
            booking_reference: Some("CRUISE-2026-0042".into()),
            ..ShipmentInput::default()
        };
        let s = parse_shipment(input, Fulfilment::Booking, day(18), day(24));
        assert_eq!(
            s,
            Ok(Shipment::Booking {
                reference: "CRUISE-2026-0042".into(),
                shipped_on: day(24)
            })
        );
        let parcel_like = ShipmentInput {
            tracking_number: Some("123456789".into()),
            ..ShipmentInput::default()
        };
        let e = parse_shipment(parcel_like, Fulfilment::Booking, day(18), day(24)).err();
        assert_eq!(e.map(|e| e.len()), Some(2));
    }

    #[test]
    fn what_the_ward_owes_is_cost_times_quantity() {
        let lines = [
            CostLine {
                quantity: 2,
                unit_cost: Yen(2_900),
            },
            CostLine {
                quantity: 1,
                unit_cost: Yen(8_700),
            },
        ];
        assert_eq!(amount_owed(&lines), Yen(14_500));
        assert_eq!(typed_date("2026/11/24"), Ok(Some(day(24))));
        assert_eq!(typed_date(""), Ok(None));
        assert!(typed_date("24.11.2026").is_err());
        assert_eq!(
            order_number("3f2a9c1e-77aa-4b2c-9d1e-0123456789ab"),
            "3F2A9C1E77AA"
        );
    }
}
