//! Secrets at rest (the My Number of a ワンストップ特例 application), sealed with AES-256-GCM
//! into one self-describing text column: `v1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>`.
//! - The key id lets old rows open after the current key changes, so keys rotate without a
//!   flag day; [`Keyring::needs_rewrap`] finds the rows still under an old key.
//! - The associated data (the row's id) is authenticated, so a value copied to another row
//!   does not open there.
//! - A fresh random 96-bit nonce per value: GCM breaks if a nonce repeats under one key, and with
//!   random nonces that stays negligible far beyond the values this service will ever seal.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, Key, KeyInit};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use zeroize::{Zeroize, Zeroizing};

/// The scheme written before every sealed value; a new scheme gets a new version.
const VERSION: &str = "v1";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const KEY_LEN: usize = 32;
const MAX_KEY_ID_LEN: usize = 32;

/// The id of the development key in config/default.toml.
pub const DEVELOPMENT_KEY_ID: &str = "dev";
/// The development key: standard base64 of the 32 ASCII bytes `furusato development key, public`.
/// config/default.toml carries it so a fresh checkout runs; being public it protects nothing, so
/// production start-up refuses it (see [`Keyring::is_development`]).
pub const DEVELOPMENT_KEY: &str = "ZnVydXNhdG8gZGV2ZWxvcG1lbnQga2V5LCBwdWJsaWM=";

/// The configured keys by id, and which one seals new values.
#[derive(Clone)]
pub struct Keyring {
    current: String,
    keys: HashMap<String, Key<Aes256Gcm>>,
}

/// A bad key configuration, or a sealed value that does not open. No variant carries key bytes
/// or plaintext; ids are not secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyringError {
    /// Not echoed: a misconfigured id might be a key pasted into the wrong setting.
    #[error("a key id must be 1 to 32 characters from A-Z, a-z, 0-9, '_' and '-'")]
    InvalidKeyId,
    #[error("the current key {0:?} is not among the configured keys")]
    MissingCurrentKey(String),
    #[error("key {0:?} is not standard base64")]
    BadBase64(String),
    #[error("key {key_id:?} is {len} bytes; AES-256 needs 32")]
    WrongLength { key_id: String, len: usize },
    #[error("the sealed value names key {0:?}, which is not configured")]
    UnknownKeyId(String),
    #[error("the sealed value is malformed")]
    Malformed,
    /// Wrong key bytes under a known id, another row's value, or an altered value.
    #[error("the sealed value does not open: wrong key, wrong row or altered")]
    Authentication,
}

impl Keyring {
    /// The keyring from settings: `current_key_id` seals, every entry of `keys` (id → standard
    /// base64 of 32 bytes) opens. Old keys stay listed until no row needs them.
    pub fn from_settings(
        current_key_id: &str,
        keys: &BTreeMap<String, String>,
    ) -> Result<Self, KeyringError> {
        check_key_id(current_key_id)?;
        // Built first so that an error part way drops (and wipes) the keys read so far; sized up
        // front because a rehash would leave unwiped copies behind.
        let mut ring = Self {
            current: current_key_id.to_owned(),
            keys: HashMap::with_capacity(keys.len()),
        };
        for (id, encoded) in keys {
            check_key_id(id)?;
            let bytes = Zeroizing::new(
                STANDARD
                    .decode(encoded.trim())
                    .map_err(|_| KeyringError::BadBase64(id.clone()))?,
            );
            if bytes.len() != KEY_LEN {
                return Err(KeyringError::WrongLength {
                    key_id: id.clone(),
                    len: bytes.len(),
                });
            }
            let key = Key::<Aes256Gcm>::clone_from_slice(&bytes);
            ring.keys.insert(id.clone(), key);
        }
        if !ring.keys.contains_key(current_key_id) {
            return Err(KeyringError::MissingCurrentKey(current_key_id.to_owned()));
        }
        Ok(ring)
    }

    /// The id of the key that seals new values.
    pub fn current_key_id(&self) -> &str {
        &self.current
    }

    /// Seals `plaintext` under the current key, bound to `associated` (the row's id).
    pub fn seal(&self, plaintext: &[u8], associated: &[u8]) -> String {
        // `from_settings` checked the current key is present, and keys are never removed.
        let key = &self.keys[&self.current];
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext,
            aad: associated,
        };
        // Fails only beyond AES-GCM's limits (64 GiB of plaintext), never for a column value.
        #[allow(clippy::expect_used)]
        let sealed = Aes256Gcm::new(key)
            .encrypt(
                aes_gcm::aead::Nonce::<Aes256Gcm>::from_slice(&nonce),
                payload,
            )
            .expect("a column value is within AES-GCM's length limits");
        let mut body = Vec::with_capacity(NONCE_LEN + sealed.len());
        body.extend_from_slice(&nonce);
        body.extend_from_slice(&sealed);
        format!("{VERSION}:{}:{}", self.current, STANDARD.encode(body))
    }

    /// Opens a value sealed by [`Keyring::seal`] under any configured key, given the same
    /// `associated` data. The caller should wipe the plaintext (e.g. `zeroize::Zeroizing`).
    pub fn open(&self, sealed: &str, associated: &[u8]) -> Result<Vec<u8>, KeyringError> {
        let (key_id, body) = split(sealed).ok_or(KeyringError::Malformed)?;
        let key = self
            .keys
            .get(key_id)
            .ok_or_else(|| KeyringError::UnknownKeyId(key_id.to_owned()))?;
        let body = STANDARD.decode(body).map_err(|_| KeyringError::Malformed)?;
        if body.len() < NONCE_LEN + TAG_LEN {
            return Err(KeyringError::Malformed);
        }
        let (nonce, ciphertext) = body.split_at(NONCE_LEN);
        let payload = Payload {
            msg: ciphertext,
            aad: associated,
        };
        Aes256Gcm::new(key)
            .decrypt(
                aes_gcm::aead::Nonce::<Aes256Gcm>::from_slice(nonce),
                payload,
            )
            .map_err(|_| KeyringError::Authentication)
    }

    /// Whether `sealed` should be opened and sealed again under the current key (rotation).
    /// A malformed value answers true, so the rewrap job meets it and reports it.
    pub fn needs_rewrap(&self, sealed: &str) -> bool {
        !matches!(split(sealed), Some((id, _)) if id == self.current)
    }

    /// Whether new values would be sealed with the public development key (by its id or its
    /// bytes), which production start-up must refuse.
    pub fn is_development(&self) -> bool {
        self.current == DEVELOPMENT_KEY_ID
            || STANDARD
                .decode(DEVELOPMENT_KEY)
                .is_ok_and(|dev| self.keys[&self.current].as_slice() == dev.as_slice())
    }
}

/// Only the ids: a key in a log or a panic message would be a leak.
impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut ids: Vec<&str> = self.keys.keys().map(String::as_str).collect();
        ids.sort_unstable();
        f.debug_struct("Keyring")
            .field("current", &self.current)
            .field("keys", &ids)
            .finish()
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        for key in self.keys.values_mut() {
            key.as_mut_slice().zeroize();
        }
    }
}

fn check_key_id(id: &str) -> Result<(), KeyringError> {
    if is_key_id(id) {
        Ok(())
    } else {
        Err(KeyringError::InvalidKeyId)
    }
}

/// 1–32 of [A-Za-z0-9_-]: never ':', so the sealed text splits unambiguously.
fn is_key_id(id: &str) -> bool {
    (1..=MAX_KEY_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The key id and the base64 body of a `v1` sealed value.
fn split(sealed: &str) -> Option<(&str, &str)> {
    let mut parts = sealed.splitn(3, ':');
    let (version, key_id, body) = (parts.next()?, parts.next()?, parts.next()?);
    (version == VERSION && is_key_id(key_id)).then_some((key_id, body))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn keys(entries: &[(&str, u8)]) -> BTreeMap<String, String> {
        entries
            .iter()
            .map(|&(id, byte)| (id.to_owned(), STANDARD.encode([byte; KEY_LEN])))
            .collect()
    }

    fn ring(current: &str, entries: &[(&str, u8)]) -> Keyring {
        Keyring::from_settings(current, &keys(entries)).unwrap()
    }

    /// `sealed` with `change` applied to its decoded body.
    fn with_body(sealed: &str, change: impl FnOnce(&mut Vec<u8>)) -> String {
        let (key_id, body) = split(sealed).unwrap();
        let mut body = STANDARD.decode(body).unwrap();
        change(&mut body);
        format!("v1:{key_id}:{}", STANDARD.encode(body))
    }

    #[test]
    fn round_trip() {
        let ring = ring("k1", &[("k1", 1)]);
        let plaintexts: [&[u8]; 2] = [b"123456789018", b""];
        for plaintext in plaintexts {
            let sealed = ring.seal(plaintext, b"application:42");
            assert!(sealed.starts_with("v1:k1:"), "{sealed}");
            assert_eq!(ring.open(&sealed, b"application:42").unwrap(), plaintext);
            assert!(!ring.needs_rewrap(&sealed));
        }
        let sealed = ring.seal(b"123456789018", b"application:42");
        assert!(!sealed.contains("123456789018"));
        // 12 bytes of nonce, 12 of ciphertext and 16 of tag: 40 bytes, 56 base64 characters.
        assert_eq!(sealed.len(), "v1:k1:".len() + 56);
    }

    #[test]
    fn two_seals_of_the_same_text_differ() {
        let ring = ring("k1", &[("k1", 1)]);
        assert_ne!(ring.seal(b"same", b"row"), ring.seal(b"same", b"row"));
    }

    #[test]
    fn another_rows_associated_data_does_not_open() {
        let ring = ring("k1", &[("k1", 1)]);
        let sealed = ring.seal(b"123456789018", b"application:1");
        let opened = ring.open(&sealed, b"application:2");
        assert_eq!(opened, Err(KeyringError::Authentication));
    }

    #[test]
    fn any_altered_byte_fails_authentication() {
        let ring = ring("k1", &[("k1", 1), ("k2", 2)]);
        let sealed = ring.seal(b"123456789018", b"row");
        for at in 0..NONCE_LEN + 12 + TAG_LEN {
            let altered = with_body(&sealed, |body| body[at] ^= 0x01);
            let opened = ring.open(&altered, b"row");
            assert_eq!(opened, Err(KeyringError::Authentication), "byte {at}");
        }
        // Relabelled as sealed under another configured key.
        let relabelled = sealed.replacen("v1:k1:", "v1:k2:", 1);
        let opened = ring.open(&relabelled, b"row");
        assert_eq!(opened, Err(KeyringError::Authentication));
        let truncated = with_body(&sealed, |body| body.truncate(body.len() - 1));
        let opened = ring.open(&truncated, b"row");
        assert_eq!(opened, Err(KeyringError::Authentication));
    }

    #[test]
    fn malformed_texts_are_refused() {
        let ring = ring("k1", &[("k1", 1)]);
        let short = format!("v1:k1:{}", STANDARD.encode([0u8; NONCE_LEN + TAG_LEN - 1]));
        let texts = [
            "",
            "123456789018",
            "v1:k1",
            "v2:k1:AAAA",
            "v1::AAAA",
            "v1:k1:!!!!",
        ];
        for text in texts.into_iter().chain([short.as_str()]) {
            assert_eq!(
                ring.open(text, b"row"),
                Err(KeyringError::Malformed),
                "{text}"
            );
        }
        // Without a readable header a rewrap job must meet the value; a bad body under the
        // current key is found when it is opened.
        for text in &texts[..5] {
            assert!(ring.needs_rewrap(text), "{text}");
        }
    }

    #[test]
    fn an_unknown_key_id_is_named() {
        let sealed = ring("old", &[("old", 1)]).seal(b"x", b"row");
        let opened = ring("k1", &[("k1", 1)]).open(&sealed, b"row");
        assert_eq!(opened, Err(KeyringError::UnknownKeyId("old".into())));
    }

    #[test]
    fn after_rotation_old_values_open_and_need_rewrapping() {
        let sealed = ring("k1", &[("k1", 1)]).seal(b"123456789018", b"row");
        let rotated = ring("k2", &[("k1", 1), ("k2", 2)]);
        assert_eq!(rotated.open(&sealed, b"row").unwrap(), b"123456789018");
        assert!(rotated.needs_rewrap(&sealed));
        let rewrapped = rotated.seal(&rotated.open(&sealed, b"row").unwrap(), b"row");
        assert!(rewrapped.starts_with("v1:k2:"));
        assert!(!rotated.needs_rewrap(&rewrapped));
    }

    #[test]
    fn bad_settings_are_refused() {
        let from = |current: &str, keys: &BTreeMap<String, String>| {
            Keyring::from_settings(current, keys).map(|_| ())
        };
        let missing = KeyringError::MissingCurrentKey("k2".into());
        assert_eq!(from("k2", &keys(&[("k1", 1)])), Err(missing));
        let too_long = "k".repeat(MAX_KEY_ID_LEN + 1);
        let ids = ["", "a:b", "key id", "鍵"];
        for id in ids.into_iter().chain([too_long.as_str()]) {
            let invalid = Err(KeyringError::InvalidKeyId);
            assert_eq!(from(id, &keys(&[("k1", 1)])), invalid, "{id:?}");
            assert_eq!(from("k1", &keys(&[("k1", 1), (id, 2)])), invalid);
        }
        let longest = "k".repeat(MAX_KEY_ID_LEN);
        assert!(from(&longest, &keys(&[(longest.as_str(), 1)])).is_ok());
        let mut bad = keys(&[("k1", 1)]);
        bad.insert("k1".into(), "not base64!".into());
        assert_eq!(from("k1", &bad), Err(KeyringError::BadBase64("k1".into())));
        bad.insert("k1".into(), STANDARD.encode([1u8; 16]));
        let short = KeyringError::WrongLength {
            key_id: "k1".into(),
            len: 16,
        };
        assert_eq!(from("k1", &bad), Err(short));
        bad.insert("k1".into(), STANDARD.encode([1u8; 33]));
        let long = from("k1", &bad);
        assert!(matches!(
            long,
            Err(KeyringError::WrongLength { len: 33, .. })
        ));
    }

    #[test]
    fn debug_shows_ids_and_no_key() {
        let ring = ring("k2", &[("k1", 0xA5), ("k2", 0x5A)]);
        let debug = format!("{ring:?}");
        assert_eq!(debug, r#"Keyring { current: "k2", keys: ["k1", "k2"] }"#);
        for (_, encoded) in keys(&[("k1", 0xA5), ("k2", 0x5A)]) {
            assert!(!debug.contains(&encoded[..16]), "{debug}");
        }
        assert!(
            !format!("{ring:#?}").contains("165"),
            "no key bytes as numbers"
        );
    }

    #[test]
    fn the_development_key_is_recognised() {
        let dev = STANDARD.decode(DEVELOPMENT_KEY).unwrap();
        assert_eq!(dev, b"furusato development key, public");
        let mut settings = BTreeMap::new();
        settings.insert(DEVELOPMENT_KEY_ID.to_owned(), DEVELOPMENT_KEY.to_owned());
        assert!(Keyring::from_settings("dev", &settings)
            .unwrap()
            .is_development());
        // The same public bytes under another id are still the development key.
        settings.insert("prod".into(), DEVELOPMENT_KEY.to_owned());
        assert!(Keyring::from_settings("prod", &settings)
            .unwrap()
            .is_development());
        // Left configured only to open old values, it does not count.
        settings.insert("real".into(), STANDARD.encode([7u8; KEY_LEN]));
        assert!(!Keyring::from_settings("real", &settings)
            .unwrap()
            .is_development());
    }
}
