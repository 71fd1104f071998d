//! `Furusato-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.

use hmac::Mac;

use crate::domain::keyed::{hmac, HmacSha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    Missing,
    Malformed,
    /// `t` is further than the tolerance from now (a replay or a badly wrong clock).
    OutsideTolerance,
    Mismatch,
}

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> HmacSha256 {
    hmac(secret, &[timestamp.as_bytes(), b".", body])
}

/// The header value a sender computes (used by tests and tools).
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let t = timestamp.to_string();
    let v1 = hex::encode(mac(secret, &t, body).finalize().into_bytes());
    format!("t={t},v1={v1}")
}

/// Verifies a header against the raw body, comparing in constant time.
pub fn verify(
    secret: &[u8],
    header: Option<&str>,
    body: &[u8],
    now_unix: i64,
    tolerance_seconds: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => timestamp = Some(v),
            Some(("v1", v)) => signatures.push(v),
            _ => {}
        }
    }
    let t = timestamp.ok_or(SignatureError::Malformed)?;
    let at: i64 = t.parse().map_err(|_| SignatureError::Malformed)?;
    if (now_unix - at).abs() > tolerance_seconds {
        return Err(SignatureError::OutsideTolerance);
    }
    if signatures.is_empty() {
        return Err(SignatureError::Malformed);
    }
    // Several v1 values are allowed while a provider rotates its secret.
    let valid = signatures.iter().any(|candidate| {
        hex::decode(candidate)
            .map(|bytes| mac(secret, t, body).verify_slice(&bytes).is_ok())
            .unwrap_or(false)
    });
    if valid {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"whsec_test_secret";
    const BODY: &[u8] = br#"{"id":"evt_1"}"#;

    #[test]
    fn a_signed_body_verifies_within_tolerance() {
        let header = sign(SECRET, 1_000, BODY);
        assert_eq!(verify(SECRET, Some(&header), BODY, 1_000, 300), Ok(()));
        assert_eq!(verify(SECRET, Some(&header), BODY, 1_300, 300), Ok(()));
        assert_eq!(
            verify(SECRET, Some(&header), BODY, 1_301, 300),
            Err(SignatureError::OutsideTolerance)
        );
        assert_eq!(
            verify(SECRET, Some(&header), BODY, 699, 300),
            Err(SignatureError::OutsideTolerance)
        );
    }

    #[test]
    fn tampering_and_wrong_secrets_fail() {
        let header = sign(SECRET, 1_000, BODY);
        assert_eq!(
            verify(SECRET, Some(&header), br#"{"id":"evt_2"}"#, 1_000, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"other", Some(&header), BODY, 1_000, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, None, BODY, 1_000, 300),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(SECRET, Some("v1=abcd"), BODY, 1_000, 300),
            Err(SignatureError::Malformed)
        );
        // Moving the signature to another timestamp breaks it.
        let forged = header.replace("t=1000", "t=1001");
        assert_eq!(
            verify(SECRET, Some(&forged), BODY, 1_000, 300),
            Err(SignatureError::Mismatch)
        );
    }
}
