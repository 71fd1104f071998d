//! The lettre transports behind one type, chosen by `email.transport`: `.eml` files or SMTP.

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use super::outbox::OutboxRow;
use crate::config::EmailSettings;

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmtpSecurity {
    /// Plain SMTP (a local relay or a test server only).
    None,
    /// Upgrade with STARTTLS and refuse to go on without it.
    StartTls,
    /// STARTTLS when the server offers it (open to downgrade: not for production).
    Opportunistic,
    /// Implicit TLS from the first byte (`smtps://`, usually port 465).
    Tls,
}

/// A parsed `email.smtp_url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpUrl {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
}

/// Parses `smtp://host[:port][?tls=starttls|required|opportunistic|none]` or `smtps://host[:port]`.
/// Credentials never go in the URL: they come from `email.smtp_username` / `email.smtp_password`
/// (`FURUSATO__EMAIL__SMTP_USERNAME`, `FURUSATO__EMAIL__SMTP_PASSWORD`).
pub fn parse_smtp_url(url: &str) -> Result<SmtpUrl, String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or("must look like smtp://host:port or smtps://host:port")?;
    let (authority, query) = match rest.split_once('?') {
        Some((a, q)) => (a, Some(q)),
        None => (rest, None),
    };
    let authority = authority.trim_end_matches('/');
    if authority.contains('@') {
        return Err(
            "put credentials in email.smtp_username and email.smtp_password, not in the URL".into(),
        );
    }
    if authority.contains('/') {
        return Err("must not have a path".into());
    }
    let mut tls_param = None;
    for pair in query.into_iter().flat_map(|q| q.split('&')) {
        match pair.split_once('=') {
            Some(("tls", value)) => tls_param = Some(value.to_ascii_lowercase()),
            _ => return Err(format!("unknown parameter `{pair}` (only tls=...)")),
        }
    }
    let (default_port, security) =
        match (scheme.to_ascii_lowercase().as_str(), tls_param.as_deref()) {
            ("smtps", None) => (465, SmtpSecurity::Tls),
            ("smtps", Some(_)) => return Err("smtps:// is always TLS; drop ?tls=".into()),
            ("smtp", None | Some("none")) => (25, SmtpSecurity::None),
            ("smtp", Some("starttls" | "required")) => (587, SmtpSecurity::StartTls),
            ("smtp", Some("opportunistic")) => (587, SmtpSecurity::Opportunistic),
            ("smtp", Some(other)) => {
                return Err(format!(
                    "tls={other} is unknown; use starttls, opportunistic or none"
                ))
            }
            (other, _) => return Err(format!("scheme {other}:// is unknown; use smtp or smtps")),
        };
    let (host, port) = match authority.rsplit_once(':') {
        // An IPv6 literal: [::1]:25 or [::1].
        Some((h, p)) if !h.contains(':') || h.ends_with(']') => (
            h,
            p.parse::<u16>()
                .map_err(|_| format!("port `{p}` is not a number from 1 to 65535"))?,
        ),
        _ => (authority, default_port),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if host.is_empty() || port == 0 {
        return Err("needs a host and a port".into());
    }
    Ok(SmtpUrl {
        host: host.to_owned(),
        port,
        security,
    })
}

/// Why a delivery attempt failed. The text may hold server replies that repeat the recipient's
/// address: it goes to the outbox's `last_error` (admins only), never to the log.
#[derive(Debug)]
pub struct SendError {
    /// Retrying cannot help (a 5xx answer, an address that cannot be parsed).
    pub permanent: bool,
    /// A short category safe for logs.
    pub category: &'static str,
    pub detail: String,
}

impl SendError {
    fn permanent(category: &'static str, detail: impl Into<String>) -> SendError {
        SendError {
            permanent: true,
            category,
            detail: detail.into(),
        }
    }
}

/// The configured transport.
#[derive(Clone)]
pub enum Mailer {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    File(AsyncFileTransport<Tokio1Executor>),
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Mailer::Smtp(_) => f.write_str("Mailer::Smtp"),
            Mailer::File(_) => f.write_str("Mailer::File"),
        }
    }
}

impl Mailer {
    /// Builds the transport named by `email.transport`. The file transport creates its directory.
    pub fn from_settings(settings: &EmailSettings) -> anyhow::Result<Mailer> {
        match settings.transport.as_str() {
            "file" => {
                std::fs::create_dir_all(&settings.file_dir)
                    .map_err(|e| anyhow::anyhow!("email.file_dir {}: {e}", settings.file_dir))?;
                Ok(Mailer::File(AsyncFileTransport::new(&settings.file_dir)))
            }
            "smtp" => {
                let url = parse_smtp_url(&settings.smtp_url)
                    .map_err(|e| anyhow::anyhow!("invalid setting `email.smtp_url`: {e}"))?;
                let mut builder =
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(url.host.clone())
                        .port(url.port)
                        .timeout(Some(Duration::from_secs(
                            settings.smtp_timeout_seconds.max(1),
                        )));
                let tls = |host: &str| TlsParameters::new(host.to_owned());
                builder = match url.security {
                    SmtpSecurity::None => builder.tls(Tls::None),
                    SmtpSecurity::StartTls => builder.tls(Tls::Required(tls(&url.host)?)),
                    SmtpSecurity::Opportunistic => builder.tls(Tls::Opportunistic(tls(&url.host)?)),
                    SmtpSecurity::Tls => builder.tls(Tls::Wrapper(tls(&url.host)?)),
                };
                if !settings.smtp_username.is_empty() {
                    builder = builder.credentials(Credentials::new(
                        settings.smtp_username.clone(),
                        settings.smtp_password.expose_secret().to_owned(),
                    ));
                }
                Ok(Mailer::Smtp(builder.build()))
            }
            other => anyhow::bail!("invalid setting `email.transport`: {other} (file or smtp)"),
        }
    }

    /// Sends one message.
    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Mailer::Smtp(smtp) => smtp.send(message).await.map(|_| ()).map_err(|e| {
                let category = if e.is_permanent() {
                    "smtp_rejected_permanently"
                } else if e.is_transient() {
                    "smtp_rejected_temporarily"
                } else if e.is_timeout() {
                    "smtp_timeout"
                } else if e.is_tls() {
                    "smtp_tls"
                } else {
                    "smtp_connection"
                };
                SendError {
                    permanent: e.is_permanent(),
                    category,
                    detail: error_chain(&e),
                }
            }),
            Mailer::File(file) => file.send(message).await.map(|_| ()).map_err(|e| SendError {
                permanent: false,
                category: "file_write",
                detail: error_chain(&e),
            }),
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The lettre message of an outbox row: UTF-8 subject (RFC 2047 encoded) and a multipart/alternative
/// plain-text + HTML body, with the row's stable Message-ID.
pub fn build_message(row: &OutboxRow, from: &Mailbox) -> Result<Message, SendError> {
    let to: Mailbox = row
        .recipient
        .parse::<lettre::Address>()
        .map(|address| Mailbox::new(None, address))
        .map_err(|e| {
            SendError::permanent("invalid_recipient", format!("invalid recipient: {e}"))
        })?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(row.subject.clone())
        .message_id(Some(row.message_id.clone()))
        .date_now()
        .multipart(MultiPart::alternative_plain_html(
            row.body_text.clone(),
            row.body_html.clone(),
        ))
        .map_err(|e| SendError::permanent("invalid_message", e.to_string()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_parse() {
        assert_eq!(
            parse_smtp_url("smtp://127.0.0.1:1025").unwrap(),
            SmtpUrl {
                host: "127.0.0.1".into(),
                port: 1025,
                security: SmtpSecurity::None
            }
        );
        assert_eq!(
            parse_smtp_url("smtp://mail.example.jp:587?tls=starttls").unwrap(),
            SmtpUrl {
                host: "mail.example.jp".into(),
                port: 587,
                security: SmtpSecurity::StartTls
            }
        );
        assert_eq!(
            parse_smtp_url("smtps://mail.example.jp").unwrap(),
            SmtpUrl {
                host: "mail.example.jp".into(),
                port: 465,
                security: SmtpSecurity::Tls
            }
        );
        assert_eq!(
            parse_smtp_url("smtp://[::1]:2525").unwrap().host,
            "::1".to_owned()
        );
        assert_eq!(
            parse_smtp_url("smtp://relay?tls=opportunistic")
                .unwrap()
                .security,
            SmtpSecurity::Opportunistic
        );
    }

    #[test]
    fn bad_smtp_urls_are_refused() {
        for url in [
            "mail.example.jp:25",
            "http://mail.example.jp",
            "smtp://user:pw@mail.example.jp:587",
            "smtp://mail.example.jp:99999",
            "smtp://mail.example.jp:25?tls=maybe",
            "smtps://mail.example.jp?tls=starttls",
            "smtp://:25",
        ] {
            assert!(parse_smtp_url(url).is_err(), "{url}");
        }
    }
}
