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
    partner_welcome, qr_svg, refund_notice, thank_you, voucher_issued, PartnerWelcome,
    RefundNotice, ThankYou, VoucherMail,
};

/// What an email is about; stored as `kind` in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKind {
    /// お礼状: a paid donation, with the receipt details.
    ThankYou,
    /// An on-site e-voucher (e街ギフト) was issued: its code and QR.
    VoucherIssued,
    /// A donation was refunded and its receipt voided.
    RefundNotice,
    /// A partner business's login was created (never with the password).
    PartnerWelcome,
}

impl EmailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailKind::ThankYou => "thank_you",
            EmailKind::VoucherIssued => "voucher_issued",
            EmailKind::RefundNotice => "refund_notice",
            EmailKind::PartnerWelcome => "partner_welcome",
        }
    }
}

/// Delivery state of an outbox row.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
    diesel::AsExpression,
    diesel::FromSqlRow,
)]
#[diesel(sql_type = diesel::sql_types::Text)]
#[serde(rename_all = "lowercase")]
pub enum EmailStatus {
    /// Waiting for its `next_attempt_at`.
    Pending,
    /// Claimed by a worker until `locked_until`.
    Sending,
    /// Accepted by the mail server.
    Sent,
    /// Gave up after `email.max_attempts` (or a permanent rejection); an admin may retry it.
    Failed,
}

impl EmailStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailStatus::Pending => "pending",
            EmailStatus::Sending => "sending",
            EmailStatus::Sent => "sent",
            EmailStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<EmailStatus> {
        match s {
            "pending" => Some(EmailStatus::Pending),
            "sending" => Some(EmailStatus::Sending),
            "sent" => Some(EmailStatus::Sent),
            "failed" => Some(EmailStatus::Failed),
            _ => None,
        }
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
