//! Email content: minijinja templates (embedded from `templates/email/`) and typed builders per kind.
//!
//! Every email has a one-line subject, a plain-text body and an HTML body (auto-escaped), in Japanese,
//! with the municipality's name and contact from the settings. Only what the recipient gave us (their
//! name, the donation they made) appears; never an address, a phone number or a password.

use std::sync::OnceLock;

use base64::Engine as _;
use chrono::{Datelike, NaiveDate};
use minijinja::{context, Environment, UndefinedBehavior, Value};
use serde::Serialize;

use super::{domain_of_mailbox, EmailKind, OutgoingEmail};
use crate::config::Settings;
use crate::domain::calendar::one_stop_deadline;
use crate::domain::money::Yen;
use crate::error::{Error, Result};

/// The templates of the layout and of each kind of email (`{kind}.subject.txt`, `.txt` and
/// `.html`), as (name, source) from `templates/email/`.
macro_rules! email_templates {
    (@file $name:expr) => {
        ($name, include_str!(concat!("../../templates/email/", $name)))
    };
    ($($kind:literal),+ $(,)?) => {
        &[
            email_templates!(@file "base.html"),
            email_templates!(@file "footer.txt"),
            $(
                email_templates!(@file concat!($kind, ".subject.txt")),
                email_templates!(@file concat!($kind, ".txt")),
                email_templates!(@file concat!($kind, ".html")),
            )+
        ]
    };
}

/// The templates, compiled into the binary so it works from any directory.
const TEMPLATES: &[(&str, &str)] = email_templates![
    "thank_you",
    "voucher_issued",
    "refund_notice",
    "partner_welcome",
    "sign_in_link",
    "gift_shipped",
    "vendor_welcome",
];

fn build_environment() -> std::result::Result<Environment<'static>, String> {
    let mut env = Environment::new();
    // A misspelt variable is an error, not an empty string in a donor's letter.
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // Files ending in .html are HTML-escaped (minijinja's default by extension); .txt are not.
    for (name, source) in TEMPLATES {
        env.add_template(name, source)
            .map_err(|e| format!("template {name}: {e}"))?;
    }
    Ok(env)
}

fn environment() -> Result<&'static Environment<'static>> {
    static ENV: OnceLock<std::result::Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(build_environment)
        .as_ref()
        .map_err(|e| Error::Internal(anyhow::anyhow!("email templates: {e}")))
}

fn render(name: &str, ctx: &Value) -> Result<String> {
    environment()?
        .get_template(name)
        .and_then(|t| t.render(ctx))
        .map_err(|e| Error::Internal(anyhow::anyhow!("rendering {name}: {e:#}")))
}

/// What the templates show of the municipality (`m.*`).
#[derive(Serialize)]
struct Municipality<'a> {
    name: &'a str,
    department: &'a str,
    address: &'a str,
    contact_phone: &'a str,
    contact_email: &'a str,
    head_title: &'a str,
    head_name: &'a str,
}

fn municipality(settings: &Settings) -> Municipality<'_> {
    let m = &settings.municipality;
    Municipality {
        name: &m.name,
        department: &m.department,
        address: &m.address,
        contact_phone: &m.contact_phone,
        contact_email: &m.contact_email,
        head_title: &m.head_title,
        head_name: &m.head_name,
    }
}

/// `2025年7月14日`.
pub fn japanese_date(d: NaiveDate) -> String {
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

/// Renders `{template}.subject.txt`, `.txt` and `.html` with `fields` plus `m` and `subject`.
fn compose(
    settings: &Settings,
    kind: EmailKind,
    recipient: &str,
    related_id: Option<String>,
    fields: Value,
) -> Result<OutgoingEmail> {
    let name = kind.as_str();
    let m = municipality(settings);
    let subject_raw = render(
        &format!("{name}.subject.txt"),
        &context! { m => &m, ..fields.clone() },
    )?;
    // One line: a header must not carry line breaks.
    let subject = subject_raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let ctx = context! { m => &m, subject => &subject, ..fields };
    let body_text = render(&format!("{name}.txt"), &ctx)?;
    let body_html = render(&format!("{name}.html"), &ctx)?;
    Ok(OutgoingEmail {
        kind,
        recipient: recipient.trim().to_owned(),
        subject,
        body_text,
        body_html,
        related_id,
        message_id_domain: domain_of_mailbox(&settings.email.from),
    })
}

/// お礼状: a paid donation with its receipt (寄附金受領証明書) details.
#[derive(Debug, Clone)]
pub struct ThankYou {
    pub donation_id: String,
    pub donor_name: String,
    pub email: String,
    pub amount: Yen,
    pub receipt_number: String,
    pub received_on: NaiveDate,
    /// The return gift chosen, if any.
    pub gift_name: Option<String>,
    /// The organisation a support donation names (団体応援寄附), if any.
    pub organization_name: Option<String>,
    /// The donor asked for the one-stop exception (ワンストップ特例).
    pub one_stop: bool,
}

pub fn thank_you(settings: &Settings, mail: ThankYou) -> Result<OutgoingEmail> {
    let fields = context! {
        donor_name => mail.donor_name,
        amount => mail.amount.grouped(),
        receipt_number => mail.receipt_number,
        received_on => japanese_date(mail.received_on),
        gift_name => mail.gift_name,
        organization_name => mail.organization_name,
        one_stop => mail.one_stop,
        one_stop_deadline => japanese_date(one_stop_deadline(mail.received_on.year())),
    };
    compose(
        settings,
        EmailKind::ThankYou,
        &mail.email,
        Some(mail.donation_id),
        fields,
    )
}

/// An on-site e-voucher (現地決済型) was issued.
#[derive(Debug, Clone)]
pub struct VoucherMail {
    /// The voucher's id (the outbox row's `related_id`).
    pub voucher_id: String,
    pub donor_name: String,
    pub email: String,
    /// The code for people, e.g. `K7QM-3XWP-9HTR-BD4N-EY2C` (`VoucherCode::display`).
    pub code_display: String,
    pub face_value: Yen,
    /// The last Japan day it can be used.
    pub expires_on: NaiveDate,
    /// An SVG QR code of the code (see [`qr_svg`]), shown in the HTML body.
    pub qr_svg: Option<String>,
}

pub fn voucher_issued(settings: &Settings, mail: VoucherMail) -> Result<OutgoingEmail> {
    // Base64 has no character HTML would need escaped; marking it safe keeps `/` and `+` readable.
    let qr_data_uri = mail.qr_svg.map(|svg| {
        Value::from_safe_string(format!(
            "data:image/svg+xml;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(svg)
        ))
    });
    let fields = context! {
        donor_name => mail.donor_name,
        code_display => mail.code_display,
        face_value => mail.face_value.grouped(),
        expires_on => japanese_date(mail.expires_on),
        qr_data_uri => qr_data_uri,
    };
    compose(
        settings,
        EmailKind::VoucherIssued,
        &mail.email,
        Some(mail.voucher_id),
        fields,
    )
}

/// A refunded donation: its receipt (and any unspent voucher) is void.
#[derive(Debug, Clone)]
pub struct RefundNotice {
    pub donation_id: String,
    pub donor_name: String,
    pub email: String,
    pub amount: Yen,
    pub refunded_on: NaiveDate,
    /// The voided receipt's number, when one had been issued.
    pub receipt_number: Option<String>,
    /// The donation's on-site voucher was voided too.
    pub voucher_voided: bool,
}

pub fn refund_notice(settings: &Settings, mail: RefundNotice) -> Result<OutgoingEmail> {
    let fields = context! {
        donor_name => mail.donor_name,
        amount => mail.amount.grouped(),
        refunded_on => japanese_date(mail.refunded_on),
        receipt_number => mail.receipt_number,
        voucher_voided => mail.voucher_voided,
    };
    compose(
        settings,
        EmailKind::RefundNotice,
        &mail.email,
        Some(mail.donation_id),
        fields,
    )
}

/// A partner business's login was created. The password is never part of the email.
#[derive(Debug, Clone)]
pub struct PartnerWelcome {
    pub partner_id: String,
    pub partner_name: String,
    /// The login email, which is also the recipient.
    pub email: String,
}

pub fn partner_welcome(settings: &Settings, mail: PartnerWelcome) -> Result<OutgoingEmail> {
    let fields = context! { partner_name => mail.partner_name };
    compose(
        settings,
        EmailKind::PartnerWelcome,
        &mail.email,
        Some(mail.partner_id),
        fields,
    )
}

/// A gift left its vendor: the carrier and tracking number, or the booking reference.
#[derive(Debug, Clone)]
pub struct ShippingNotice {
    pub order_id: String,
    pub donor_name: String,
    pub email: String,
    pub gift_name: String,
    pub quantity: i32,
    pub shipped_on: NaiveDate,
    /// The carrier's Japanese name (parcels).
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    /// Experiences and tickets.
    pub booking_reference: Option<String>,
    /// Set when the gift goes to someone other than the donor.
    pub recipient_name: Option<String>,
}

pub fn shipping_notice(settings: &Settings, mail: ShippingNotice) -> Result<OutgoingEmail> {
    let fields = context! {
        donor_name => mail.donor_name,
        gift_name => mail.gift_name,
        quantity => mail.quantity,
        shipped_on => japanese_date(mail.shipped_on),
        carrier => mail.carrier,
        tracking_number => mail.tracking_number,
        booking_reference => mail.booking_reference,
        recipient_name => mail.recipient_name,
    };
    compose(
        settings,
        EmailKind::GiftShipped,
        &mail.email,
        Some(mail.order_id),
        fields,
    )
}

/// A vendor's login was created: what the vendor pages are for (never the password).
pub fn vendor_welcome(settings: &Settings, mail: PartnerWelcome) -> Result<OutgoingEmail> {
    let fields = context! { vendor_name => mail.partner_name };
    compose(
        settings,
        EmailKind::VendorWelcome,
        &mail.email,
        Some(mail.partner_id),
        fields,
    )
}

/// A donor's one-time link to My page. The link is a secret: it lives only in this email.
pub fn sign_in_link(
    settings: &Settings,
    email: &str,
    link: &str,
    minutes: i64,
) -> Result<OutgoingEmail> {
    let fields = context! { link => link, minutes => minutes };
    compose(settings, EmailKind::SignInLink, email, None, fields)
}

/// An SVG QR code of `text` (e.g. a voucher code), or None if it does not fit a QR code.
pub fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    Some(
        code.render::<qrcode::render::svg::Color>()
            .min_dimensions(200, 200)
            .build(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn settings() -> Settings {
        Settings::defaults_with(&[]).unwrap()
    }

    fn sample_thank_you() -> ThankYou {
        ThankYou {
            donation_id: "d-1".into(),
            donor_name: "品川 <花子>".into(),
            email: " hanako@example.jp ".into(),
            amount: Yen(34_000),
            receipt_number: "R7-000123".into(),
            received_on: NaiveDate::from_ymd_opt(2025, 12, 14).unwrap(),
            gift_name: Some("秋の運河花火まつり 花火観覧席ペアチケット".into()),
            organization_name: None,
            one_stop: true,
        }
    }

    #[test]
    fn every_template_compiles() {
        build_environment().unwrap();
    }

    #[test]
    fn every_kind_has_its_subject_and_bodies() {
        for kind in EmailKind::ALL {
            for ending in [".subject.txt", ".txt", ".html"] {
                let name = format!("{}{ending}", kind.as_str());
                assert!(TEMPLATES.iter().any(|(n, _)| *n == name), "{name}");
            }
        }
    }

    #[test]
    fn thank_you_carries_the_receipt_details() {
        let s = settings();
        let mail = thank_you(&s, sample_thank_you()).unwrap();
        assert_eq!(mail.kind, EmailKind::ThankYou);
        assert_eq!(mail.recipient, "hanako@example.jp");
        assert_eq!(mail.related_id.as_deref(), Some("d-1"));
        assert_eq!(mail.message_id_domain, "city.shinagawa.example");
        assert!(mail.subject.contains("品川区"), "{}", mail.subject);
        assert!(mail.subject.contains("R7-000123"));
        assert!(!mail.subject.contains('\n'));
        for body in [&mail.body_text, &mail.body_html] {
            assert!(body.contains("34,000円"), "{body}");
            assert!(body.contains("R7-000123"));
            assert!(body.contains("2025年12月14日"));
            assert!(body.contains("花火観覧席ペアチケット"));
            assert!(body.contains("2026年1月10日"), "one-stop deadline");
            assert!(body.contains("03-3777-1111"), "municipality contact");
            assert!(body.contains("品川区長 森澤 恭子"));
            assert!(!body.contains("応援先団体"));
        }
        assert!(mail.body_text.contains("品川 <花子> 様"));
        assert!(
            mail.body_html.contains("品川 &lt;花子&gt; 様"),
            "HTML is escaped"
        );
        assert!(mail.body_html.starts_with("<!DOCTYPE html>"));
    }

    #[test]
    fn voucher_mail_shows_code_and_qr() {
        let s = settings();
        let svg = qr_svg("K7QM3XWP9HTRBD4NEY2C").unwrap();
        assert!(svg.contains("<svg"));
        let mail = voucher_issued(
            &s,
            VoucherMail {
                voucher_id: "v-1".into(),
                donor_name: "品川 花子".into(),
                email: "hanako@example.jp".into(),
                code_display: "K7QM-3XWP-9HTR-BD4N-EY2C".into(),
                face_value: Yen(15_000),
                expires_on: NaiveDate::from_ymd_opt(2026, 12, 14).unwrap(),
                qr_svg: Some(svg),
            },
        )
        .unwrap();
        assert!(mail.body_text.contains("K7QM-3XWP-9HTR-BD4N-EY2C"));
        assert!(mail.body_text.contains("15,000円"));
        assert!(mail.body_text.contains("2026年12月14日"));
        assert!(mail.body_html.contains("src=\"data:image/svg+xml;base64,"));
    }

    #[test]
    fn refund_and_partner_mails_render() {
        let s = settings();
        let refund = refund_notice(
            &s,
            RefundNotice {
                donation_id: "d-2".into(),
                donor_name: "品川 太郎".into(),
                email: "taro@example.jp".into(),
                amount: Yen(10_000),
                refunded_on: NaiveDate::from_ymd_opt(2025, 7, 20).unwrap(),
                receipt_number: Some("R7-000200".into()),
                voucher_voided: false,
            },
        )
        .unwrap();
        assert!(refund.body_text.contains("R7-000200（無効）"));
        assert!(refund.body_text.contains("10,000円"));
        let welcome = partner_welcome(
            &s,
            PartnerWelcome {
                partner_id: "p-1".into(),
                partner_name: "OMO5東京五反田".into(),
                email: "till@omo5.example".into(),
            },
        )
        .unwrap();
        assert!(welcome.body_text.contains("OMO5東京五反田 ご担当者様"));
        assert!(welcome.body_html.contains("記載していません"));
    }
}
