//! Email that is never lost: templates, the transactional outbox, lettre transports and the delivery worker.
//!
//! Callers build an [`OutgoingEmail`] with a builder from [`templates`] and write it with
//! [`outbox::enqueue`] inside the transaction of the event that causes it. Nothing is sent inside a
//! request: the [`worker`] delivers due messages in the background.

pub mod outbox;
pub mod routes;
pub mod templates;
pub mod transport;
pub mod worker;

pub use outbox::enqueue;
pub use templates::{
    partner_welcome, qr_svg, refund_notice, shipping_notice, sign_in_link, thank_you,
    vendor_welcome, voucher_issued, PartnerWelcome, RefundNotice, ShippingNotice, ThankYou,
    VoucherMail,
};

crate::named_enum! {
    /// What an email is about; stored as `kind` in the outbox.
    pub enum EmailKind {
        /// お礼状: a paid donation, with the receipt details.
        ThankYou = "thank_you",
        /// An on-site e-voucher (e街ギフト) was issued: its code and QR.
        VoucherIssued = "voucher_issued",
        /// A donation was refunded and its receipt voided.
        RefundNotice = "refund_notice",
        /// A partner business's login was created (never with the password).
        PartnerWelcome = "partner_welcome",
        /// A donor's one-time link to My page (15 minutes, single use).
        SignInLink = "sign_in_link",
        /// A gift left its vendor: carrier and tracking number, or the booking reference.
        GiftShipped = "gift_shipped",
        /// A vendor's login was created (never with the password).
        VendorWelcome = "vendor_welcome",
    }
}

crate::named_enum! {
    /// Delivery state of an outbox row.
    pub stored enum EmailStatus {
        /// Waiting for its `next_attempt_at`.
        Pending = "pending" / "送信待ち",
        /// Claimed by a worker until `locked_until`.
        Sending = "sending" / "送信中",
        /// Accepted by the mail server.
        Sent = "sent" / "送信済み",
        /// Gave up after `email.max_attempts` (or a permanent rejection); an admin may retry it.
        Failed = "failed" / "失敗",
    }
}

/// A rendered email ready for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub kind: EmailKind,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    /// The donation, voucher or partner the email is about.
    pub related_id: Option<String>,
    /// The right-hand side of the Message-ID (`<outbox id@domain>`): the domain of `email.from`.
    pub message_id_domain: String,
}

/// The domain of a `Name <addr@domain>` mailbox, for Message-IDs; "localhost" if it has none.
pub fn domain_of_mailbox(from: &str) -> String {
    from.parse::<lettre::message::Mailbox>()
        .map(|m| m.email.domain().to_owned())
        .unwrap_or_else(|_| "localhost".to_owned())
}
