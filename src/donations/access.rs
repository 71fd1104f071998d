//! Donor access tokens: derived from a server secret and the donation id, so the token itself is
//! never stored (not even in idempotent replays) and a copy of the database cannot produce one.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::Mac;

use crate::domain::keyed::{hmac, HmacSha256};

fn mac(secret: &[u8], donation_id: &str) -> HmacSha256 {
    hmac(secret, &[b"donation-access:", donation_id.as_bytes()])
}

/// The bearer token that reads one donation (256 bits, URL-safe).
pub fn access_token(secret: &[u8], donation_id: &str) -> String {
    URL_SAFE_NO_PAD.encode(mac(secret, donation_id).finalize().into_bytes())
}

/// Constant-time check of a presented token against a donation id.
pub fn verify(secret: &[u8], donation_id: &str, presented: &str) -> bool {
    match URL_SAFE_NO_PAD.decode(presented) {
        Ok(bytes) => mac(secret, donation_id).verify_slice(&bytes).is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_reads_its_own_donation_only() {
        let t = access_token(b"secret-for-tests", "d1");
        assert!(verify(b"secret-for-tests", "d1", &t));
        assert!(!verify(b"secret-for-tests", "d2", &t));
        assert!(!verify(b"another-secret!!", "d1", &t));
        assert!(!verify(b"secret-for-tests", "d1", "not base64 !"));
    }
}
