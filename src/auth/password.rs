//! Password hashing with Argon2id (PHC strings) at or above OWASP's minimum cost.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;

use crate::config::AuthSettings;

fn hasher(settings: &AuthSettings) -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(
        settings.argon2_memory_kib,
        settings.argon2_iterations,
        settings.argon2_parallelism,
        None,
    )
    .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hashes a password into a PHC string (`$argon2id$v=19$m=...`). Blocking: call off the async workers.
pub fn hash_password(password: &str, settings: &AuthSettings) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher(settings)?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("argon2 hashing failed: {e}"))
}

/// Verifies a password against a stored PHC string; the cost comes from the string itself.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash to verify against when the email is unknown, so both failures cost the same time.
pub fn decoy_hash(settings: &AuthSettings) -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        hash_password(&generate_password(), settings).unwrap_or_else(|_| {
            // Parameters were validated at start-up; this path is unreachable in practice.
            "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$invalid".to_owned()
        })
    })
}

/// A random password for `admin create` and partner logins: 20 characters, ~119 bits.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    (0..20)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    #[test]
    fn hashes_are_argon2id_at_owasp_cost_and_verify() {
        let settings = Settings::defaults_with(&[]).expect("defaults").auth;
        let phc = hash_password("correct horse", &settings).expect("hash");
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify_password("correct horse", &phc));
        assert!(!verify_password("wrong horse", &phc));
        assert!(!verify_password("correct horse", decoy_hash(&settings)));
    }
}
