//! How a gift reaches its recipient: the address (お届け先) when it is not the donor's own, のし,
//! and a delivery time slot (時間帯指定) where the gift allows one.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::donor::{
    parse_address_line, parse_city, parse_name, parse_name_kana, parse_phone, parse_postal_code,
    parse_prefecture, redacted_debug, RequiredFields,
};
use super::order::Fulfilment;
use super::FieldError;

/// The longest name printed on のし (名入れ).
const NOSHI_NAME_MAX: usize = 20;

crate::named_enum! {
    /// The inscription above the ribbon (表書き).
    pub stored enum NoshiType {
        Orei = "orei" / "御礼",
        Ochugen = "ochugen" / "御中元",
        Oseibo = "oseibo" / "御歳暮",
        Uchiiwai = "uchiiwai" / "内祝",
        /// のし without an inscription.
        Muji = "muji" / "無地のし",
    }
}

crate::named_enum! {
    /// The carriers' common delivery time slots.
    pub stored enum DeliveryWindow {
        Morning = "morning" / "午前中",
        From14To16 = "14-16" / "14時〜16時",
        From16To18 = "16-18" / "16時〜18時",
        From18To20 = "18-20" / "18時〜20時",
        From19To21 = "19-21" / "19時〜21時",
    }
}

/// Someone other than the donor who receives the gift. Every field is required.
#[derive(Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecipientInput {
    #[schema(value_type = String, required = true, min_length = 1, max_length = 100)]
    pub name: Option<String>,
    /// Katakana (half-width is converted).
    #[schema(value_type = String, required = true, min_length = 1, max_length = 100)]
    pub name_kana: Option<String>,
    #[schema(value_type = String, required = true, example = "03-5742-6660")]
    pub phone: Option<String>,
    #[schema(value_type = String, required = true, example = "140-8715")]
    pub postal_code: Option<String>,
    #[schema(value_type = String, required = true)]
    pub prefecture: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 50)]
    pub city: Option<String>,
    #[schema(value_type = String, required = true, min_length = 1, max_length = 200)]
    pub address_line: Option<String>,
}

/// The recipient as checked and normalised, by the donor's rules (personal data: never logged).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Recipient {
    pub name: String,
    pub name_kana: String,
    pub phone: String,
    pub postal_code: String,
    pub prefecture: String,
    pub city: String,
    pub address_line: String,
}

redacted_debug!(RecipientInput, Recipient);

impl Recipient {
    pub fn parse(input: RecipientInput, prefix: &str) -> Result<Recipient, Vec<FieldError>> {
        let mut f = RequiredFields::new(prefix);
        let recipient = Recipient {
            name: f.check_as_written("name", input.name, parse_name),
            name_kana: f.check("name_kana", input.name_kana, parse_name_kana),
            phone: f.check("phone", input.phone, parse_phone),
            postal_code: f.check("postal_code", input.postal_code, parse_postal_code),
            prefecture: f.check("prefecture", input.prefecture, parse_prefecture),
            city: f.check("city", input.city, parse_city),
            address_line: f.check("address_line", input.address_line, parse_address_line),
        };
        f.finish(recipient)
    }
}

/// のし: its inscription and, optionally, the name below it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Noshi {
    #[serde(rename = "type")]
    pub kind: NoshiType,
    /// 名入れ: at most 20 characters.
    #[schema(max_length = 20)]
    pub name: Option<String>,
}

/// Delivery details as asked for; everything is optional.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryInput {
    /// Absent: the gift goes to the donor's address.
    pub recipient: Option<RecipientInput>,
    /// Absent: no のし.
    pub noshi: Option<Noshi>,
    /// Only for gifts that accept a delivery time slot.
    pub window: Option<DeliveryWindow>,
}

/// Checked delivery details.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery {
    pub recipient: Option<Recipient>,
    pub noshi: Option<Noshi>,
    pub window: Option<DeliveryWindow>,
}

impl Delivery {
    /// Checks the recipient and the のし name; every problem is reported together.
    pub fn parse(input: DeliveryInput, prefix: &str) -> Result<Delivery, Vec<FieldError>> {
        let mut errors = Vec::new();
        let recipient = match input.recipient {
            Some(r) => Recipient::parse(r, &format!("{prefix}.recipient"))
                .map_err(|e| errors.extend(e))
                .ok(),
            None => None,
        };
        let noshi = input.noshi.map(|n| {
            let name = n
                .name
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty());
            if let Some(name) = &name {
                if name.chars().count() > NOSHI_NAME_MAX || name.chars().any(char::is_control) {
                    errors.push(FieldError::new(
                        format!("{prefix}.noshi.name"),
                        format!("must be at most {NOSHI_NAME_MAX} characters on one line"),
                    ));
                }
            }
            Noshi { kind: n.kind, name }
        });
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Delivery {
            recipient,
            noshi,
            window: input.window,
        })
    }

    /// Nothing asked beyond the donor's own address.
    pub fn is_empty(&self) -> bool {
        self.recipient.is_none() && self.noshi.is_none() && self.window.is_none()
    }

    /// What the gift allows: のし and a time slot go with parcels, a time slot only where the
    /// gift accepts one; a gift fulfilled without an order (an e-voucher) takes no details.
    pub fn check_for_gift(
        &self,
        prefix: &str,
        fulfilment: Option<Fulfilment>,
        accepts_window: bool,
    ) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut refuse = |field: &str, message: &str| {
            errors.push(FieldError::new(format!("{prefix}.{field}"), message));
        };
        match fulfilment {
            None if !self.is_empty() => refuse(
                "recipient",
                "this gift is not delivered: it takes no delivery details",
            ),
            Some(Fulfilment::Booking) => {
                if self.noshi.is_some() {
                    refuse("noshi", "applies to gifts delivered as parcels only");
                }
                if self.window.is_some() {
                    refuse("window", "applies to gifts delivered as parcels only");
                }
            }
            Some(Fulfilment::Parcel) if self.window.is_some() && !accepts_window => refuse(
                "window",
                "this gift cannot be delivered in a chosen time slot",
            ),
            _ => {}
        }
        FieldError::all_or(errors, ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recipient() -> RecipientInput {
        RecipientInput {
            name: Some("品川 花子".into()),
            name_kana: Some("ｼﾅｶﾞﾜ ﾊﾅｺ".into()),
            phone: Some("０３-１２３４-５６７８".into()),
            postal_code: Some("〒1400001".into()),
            prefecture: Some("東京都".into()),
            city: Some("品川区".into()),
            address_line: Some("北品川1-1-1".into()),
        }
    }

    fn fields(e: Vec<FieldError>) -> Vec<String> {
        e.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn a_recipient_is_normalised_like_a_donor() {
        let input = DeliveryInput {
            recipient: Some(recipient()),
            ..DeliveryInput::default()
        };
        let d = Delivery::parse(input, "delivery").unwrap_or_else(|e| panic!("{e:?}"));
        let r = d.recipient.unwrap_or_else(|| panic!("recipient"));
        assert_eq!(r.name_kana, "シナガワ ハナコ");
        assert_eq!(r.phone, "03-1234-5678");
        assert_eq!(r.postal_code, "140-0001");
    }

    #[test]
    fn every_recipient_and_noshi_problem_is_reported_with_its_path() {
        let mut r = recipient();
        r.name = None;
        r.postal_code = Some("14000".into());
        let input = DeliveryInput {
            recipient: Some(r),
            noshi: Some(Noshi {
                kind: NoshiType::Oseibo,
                name: Some("山".repeat(21)),
            }),
            window: None,
        };
        let e = Delivery::parse(input, "delivery").err().map(fields);
        assert_eq!(
            e.unwrap_or_default(),
            vec![
                "delivery.recipient.name",
                "delivery.recipient.postal_code",
                "delivery.noshi.name"
            ]
        );
    }

    #[test]
    fn what_a_gift_allows() {
        let window = Delivery {
            window: Some(DeliveryWindow::Morning),
            ..Delivery::default()
        };
        assert!(window
            .check_for_gift("d", Some(Fulfilment::Parcel), true)
            .is_ok());
        let no_slot = window.check_for_gift("d", Some(Fulfilment::Parcel), false);
        assert_eq!(no_slot.err().map(fields), Some(vec!["d.window".to_owned()]));
        let noshi = Delivery {
            noshi: Some(Noshi {
                kind: NoshiType::Orei,
                name: None,
            }),
            ..Delivery::default()
        };
        let booking = noshi.check_for_gift("d", Some(Fulfilment::Booking), true);
        assert_eq!(booking.err().map(fields), Some(vec!["d.noshi".to_owned()]));
        assert!(noshi.check_for_gift("d", None, false).is_err());
        assert!(Delivery::default().check_for_gift("d", None, false).is_ok());
    }
}
