//! A new donation as the donor asks for it, and the checks it passes before any database work.

use serde::Deserialize;
use utoipa::ToSchema;

use super::delivery::{Delivery, DeliveryInput};
use super::donation::{
    check_amount, check_channel, check_residency, DonationKind, DonationLimits, DonationRuleError,
};
use super::donor::{Donor, DonorInput};
use super::FieldError;

/// The channel of donations made on the municipality's own site.
pub const OFFICIAL_SITE: &str = "official_site";

/// A donation request as submitted (JSON body or storefront form).
#[derive(Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewDonationRequest {
    pub kind: DonationKind,
    /// Required for `gift`.
    pub gift_id: Option<String>,
    /// Units of the gift (default 1).
    pub quantity: Option<i32>,
    /// Required for `support`.
    pub organization_id: Option<String>,
    /// Optional usage purpose (使い道).
    pub purpose_id: Option<String>,
    /// Yen; for a gift, the gift's amount × quantity.
    #[schema(minimum = 1)]
    pub amount: i64,
    /// Every field is validated and all problems are reported together.
    pub donor: DonorInput,
    /// Asks for the one-stop special exception (ワンストップ特例).
    #[serde(default)]
    pub one_stop: bool,
    /// `official_site` (the default): the only channel a donor's own request can have; portal
    /// donations come through imports.
    #[schema(pattern = "^official_site$")]
    pub channel: Option<String>,
    /// Gift donations only: another recipient, のし, a delivery time slot.
    pub delivery: Option<DeliveryInput>,
}

/// A donation request that passed every check that needs no database. The gift's amount is only
/// known inside the creating transaction, so a gift donation's amount is checked there.
#[derive(Clone)]
pub struct NewDonation {
    pub kind: DonationKind,
    pub gift_id: Option<String>,
    pub quantity: i32,
    pub organization_id: Option<String>,
    pub purpose_id: Option<String>,
    pub amount: i64,
    pub donor: Donor,
    pub one_stop: bool,
    pub channel: String,
    /// Empty unless asked for (gift donations only).
    pub delivery: Delivery,
}

/// Which reference a kind requires, and that the others are absent.
fn check_reference(
    errors: &mut Vec<FieldError>,
    field: &str,
    kind: DonationKind,
    needs: DonationKind,
    given: bool,
) {
    let label = needs.as_str();
    match (kind == needs, given) {
        (true, false) => errors.push(FieldError::new(
            field,
            format!("is required for a {label} donation"),
        )),
        (false, true) => errors.push(FieldError::new(
            field,
            format!("applies to {label} donations only"),
        )),
        _ => {}
    }
}

impl NewDonation {
    /// Checks fields, references, residency and (except for gifts) the amount; every field
    /// problem is reported together.
    pub fn parse(
        req: NewDonationRequest,
        limits: &DonationLimits,
    ) -> Result<NewDonation, DonationRuleError> {
        let mut errors: Vec<FieldError> = Vec::new();
        let donor = Donor::parse(req.donor, "donor")
            .map_err(|e| errors.extend(e))
            .ok();
        let channel = req.channel.unwrap_or_else(|| OFFICIAL_SITE.to_owned());
        if let Err(e) = check_channel("channel", &channel) {
            errors.push(e);
        } else if channel != OFFICIAL_SITE {
            // Portal donations arrive through imports; a public request cannot claim a portal's
            // name and so move money between channels in the reports.
            errors.push(FieldError::new(
                "channel",
                "must be official_site: portal donations come through imports",
            ));
        }
        let delivery = match req.delivery {
            Some(_) if req.kind != DonationKind::Gift => {
                let message = "applies to gift donations only";
                errors.push(FieldError::new("delivery", message));
                None
            }
            Some(d) => Delivery::parse(d, "delivery")
                .map_err(|e| errors.extend(e))
                .ok(),
            None => Some(Delivery::default()),
        };
        let gift = req.gift_id.is_some();
        check_reference(&mut errors, "gift_id", req.kind, DonationKind::Gift, gift);
        let organization = req.organization_id.is_some();
        let support = DonationKind::Support;
        check_reference(
            &mut errors,
            "organization_id",
            req.kind,
            support,
            organization,
        );
        let (Some(donor), Some(delivery), true) = (donor, delivery, errors.is_empty()) else {
            return Err(DonationRuleError::Invalid(errors));
        };
        check_residency(req.kind, &donor, limits)?;
        let quantity = req.quantity.unwrap_or(1);
        if req.kind != DonationKind::Gift {
            check_amount(req.kind, req.amount, quantity, None, limits)?;
        }
        Ok(NewDonation {
            kind: req.kind,
            gift_id: req.gift_id,
            quantity,
            organization_id: req.organization_id,
            purpose_id: req.purpose_id,
            amount: req.amount,
            donor,
            one_stop: req.one_stop,
            channel,
            delivery,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIERS: [i64; 2] = [10_000, 30_000];

    fn limits() -> DonationLimits<'static> {
        DonationLimits {
            minimum_amount: 2_000,
            maximum_amount: 10_000_000,
            max_quantity: 10,
            on_site_tiers: &TIERS,
            home_prefecture: "東京都",
            home_city: "品川区",
        }
    }

    /// A donor living in `city`: 品川区, where the limits' municipality is, or 大阪市北区.
    fn donor(city: &str) -> DonorInput {
        let prefecture = if city == "品川区" {
            "東京都"
        } else {
            "大阪府"
        };
        DonorInput {
            prefecture: Some(prefecture.into()),
            city: Some(city.into()),
            ..crate::domain::donor::tests::valid_input()
        }
    }

    fn request(kind: DonationKind, amount: i64) -> NewDonationRequest {
        NewDonationRequest {
            kind,
            gift_id: None,
            quantity: None,
            organization_id: None,
            purpose_id: None,
            amount,
            donor: donor("大阪市北区"),
            one_stop: false,
            channel: None,
            delivery: None,
        }
    }

    fn fields(e: DonationRuleError) -> Vec<String> {
        match e {
            DonationRuleError::Invalid(f) => f.into_iter().map(|f| f.field).collect(),
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[test]
    fn a_general_donation_defaults_to_the_official_site() {
        let d = NewDonation::parse(request(DonationKind::General, 5_000), &limits())
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(d.channel, OFFICIAL_SITE);
        assert_eq!(d.quantity, 1);
    }

    #[test]
    fn references_must_match_the_kind() {
        let mut gift = request(DonationKind::Gift, 10_000);
        gift.organization_id = Some("org".into());
        let e = NewDonation::parse(gift, &limits()).err();
        let got = e.map(fields).unwrap_or_default();
        assert_eq!(got, vec!["gift_id", "organization_id"]);
    }

    #[test]
    fn a_public_request_cannot_claim_a_portal_channel() {
        let mut r = request(DonationKind::General, 5_000);
        r.channel = Some("rakuten".into());
        let e = NewDonation::parse(r, &limits()).err();
        assert_eq!(e.map(fields).unwrap_or_default(), vec!["channel"]);
    }

    #[test]
    fn a_bad_channel_and_bad_donor_are_reported_together() {
        let mut r = request(DonationKind::General, 5_000);
        r.channel = Some("Bad Channel".into());
        r.donor.email = None;
        let got = NewDonation::parse(r, &limits()).err().map(fields);
        let got = got.unwrap_or_default();
        assert!(got.contains(&"channel".to_owned()), "{got:?}");
        assert!(got.contains(&"donor.email".to_owned()), "{got:?}");
    }

    #[test]
    fn a_resident_cannot_ask_for_a_voucher_but_may_give() {
        let mut r = request(DonationKind::OnSite, 10_000);
        r.donor = donor("品川区");
        let e = NewDonation::parse(r.clone(), &limits()).err();
        assert_eq!(e, Some(DonationRuleError::ResidentGiftNotAllowed));
        r.kind = DonationKind::General;
        assert!(NewDonation::parse(r, &limits()).is_ok());
    }

    #[test]
    fn non_gift_amounts_are_checked_before_the_database() {
        let e = NewDonation::parse(request(DonationKind::OnSite, 12_345), &limits()).err();
        assert!(matches!(e, Some(DonationRuleError::InvalidAmount { .. })));
    }
}
