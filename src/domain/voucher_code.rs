//! On-site e-voucher codes: generation, typo-checked parsing and the keyed hash the database stores.

use hmac::Mac;
use rand::rngs::OsRng;
use rand::Rng;

use super::keyed::{hmac, hmac_hex};
use std::fmt;

/// 31 symbols that are hard to confuse when read aloud or typed: no 0/O, 1/I/L.
pub const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const N: usize = ALPHABET.len();
/// 19 random symbols × log2(31) ≈ 94.1 bits of entropy.
const RANDOM_SYMBOLS: usize = 19;
/// Random symbols plus one mod-31 check symbol (see [`weighted_sum`]).
pub const CODE_LEN: usize = RANDOM_SYMBOLS + 1;
const GROUP: usize = 4;

/// A voucher code in canonical form: 20 alphabet symbols, no separators.
///
/// Codes are bearer secrets: `Debug` shows only the last 4 symbols, there is deliberately no
/// `Display`/`Serialize`, and only [`VoucherCode::keyed_hash`] is stored.
#[derive(Clone, PartialEq, Eq)]
pub struct VoucherCode(String);

/// Why a typed voucher code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VoucherCodeError {
    /// Wrong length or a character outside the alphabet.
    #[error("a voucher code has 20 characters from 2-9 and A-Z without I, L and O")]
    Malformed,
    /// Well-formed but the check symbol does not match: almost certainly a typo.
    #[error("the voucher code has a typo; please check it and try again")]
    CheckFailed,
}

impl VoucherCode {
    /// A fresh code from the operating system's CSPRNG.
    pub fn generate() -> Self {
        let mut rng = OsRng;
        let payload: Vec<usize> = (0..RANDOM_SYMBOLS).map(|_| rng.gen_range(0..N)).collect();
        Self::from_payload(&payload)
    }

    /// The code of a voucher, derived from a server secret and the voucher's random id, so the
    /// database need hold only the keyed hash while the donor can always be shown the code again.
    /// Without the secret the codes are as unpredictable as random ones (HMAC is a PRF).
    pub fn derive(secret: &[u8], voucher_id: &str) -> Self {
        let digest = hmac(secret, &[b"voucher-code:", voucher_id.as_bytes()])
            .finalize()
            .into_bytes();
        let mut first = [0u8; 16];
        first.copy_from_slice(&digest[..16]);
        // 31^19 < 2^95, so 128 bits give 19 symbols with negligible bias.
        let mut n = u128::from_be_bytes(first);
        let payload: Vec<usize> = (0..RANDOM_SYMBOLS)
            .map(|_| {
                let symbol = (n % N as u128) as usize;
                n /= N as u128;
                symbol
            })
            .collect();
        Self::from_payload(&payload)
    }

    /// Parses a code as typed: case, spaces and hyphens (ASCII or full-width) are ignored,
    /// full-width letters and digits are accepted; anything else outside the alphabet is rejected.
    pub fn parse(input: &str) -> Result<Self, VoucherCodeError> {
        let mut indices = Vec::with_capacity(CODE_LEN);
        for c in input.chars() {
            let c = match c {
                // Full-width ASCII forms → ASCII.
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            };
            if c.is_whitespace() || matches!(c, '-' | '‐' | '‑' | '–' | '—' | '−' | 'ー')
            {
                continue;
            }
            let index = u8::try_from(c.to_ascii_uppercase())
                .ok()
                .and_then(symbol_index)
                .ok_or(VoucherCodeError::Malformed)?;
            indices.push(index);
        }
        if indices.len() != CODE_LEN {
            return Err(VoucherCodeError::Malformed);
        }
        if weighted_sum(&indices, false) != 0 {
            return Err(VoucherCodeError::CheckFailed);
        }
        Ok(Self(
            indices.iter().map(|&i| char::from(ALPHABET[i])).collect(),
        ))
    }

    /// The canonical 20 symbols.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For people: 5 groups of 4 joined by '-', e.g. `K7QM-3XWP-9HTR-BD4N-EY2C`.
    pub fn display(&self) -> String {
        let groups: Vec<&str> = (0..self.0.len())
            .step_by(GROUP)
            .map(|i| &self.0[i..(i + GROUP).min(self.0.len())])
            .collect();
        groups.join("-")
    }

    /// The last 4 symbols, safe to show as a hint (e.g. on a partner's screen).
    pub fn last4(&self) -> &str {
        &self.0[self.0.len().saturating_sub(4)..]
    }

    /// Lowercase hex HMAC-SHA256(key, canonical code): what the database stores and looks up by.
    pub fn keyed_hash(&self, key: &[u8]) -> String {
        hmac_hex(key, &[self.0.as_bytes()])
    }

    /// Appends the check symbol to `payload` (indices into the alphabet, each < 31).
    fn from_payload(payload: &[usize]) -> Self {
        let check = (N - weighted_sum(payload, true)) % N;
        let code = payload
            .iter()
            .chain(std::iter::once(&check))
            .map(|&i| char::from(ALPHABET[i]))
            .collect();
        Self(code)
    }
}

impl fmt::Debug for VoucherCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VoucherCode(****-****-****-****-{})", self.last4())
    }
}

fn symbol_index(b: u8) -> Option<usize> {
    ALPHABET.iter().position(|&a| a == b)
}

/// Position-weighted sum mod 31: the symbol `k` places from the right has weight `k + 1`
/// (1..=20; a payload is weighted as if its check symbol were already appended). A code is
/// valid when the sum is 0 mod 31.
///
/// Why not Luhn mod N: its "double and add the base-N digits" step is a permutation only for
/// even N; for N = 31 every doubled value is even, so some single substitutions (e.g. '3'↔'J')
/// go undetected. With a prime modulus and distinct non-zero weights, every single substitution
/// and every transposition of two symbols (adjacent or not) changes the sum.
fn weighted_sum(indices: &[usize], for_check: bool) -> usize {
    let offset = usize::from(for_check) + 1;
    indices
        .iter()
        .rev()
        .enumerate()
        .map(|(k, &v)| (k + offset) * v)
        .sum::<usize>()
        % N
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a failed unwrap is a failed test
mod tests {
    use super::*;

    fn with_symbol(code: &str, at: usize, symbol: u8) -> String {
        let mut bytes = code.as_bytes().to_vec();
        bytes[at] = symbol;
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn generated_codes_roundtrip() {
        for _ in 0..100 {
            let code = VoucherCode::generate();
            assert_eq!(code.as_str().len(), CODE_LEN);
            assert!(code.as_str().bytes().all(|b| ALPHABET.contains(&b)));
            assert_eq!(VoucherCode::parse(code.as_str()).unwrap(), code);
            assert_eq!(VoucherCode::parse(&code.display()).unwrap(), code);
        }
    }

    #[test]
    fn display_is_five_groups_of_four() {
        let code = VoucherCode::generate();
        let shown = code.display();
        assert_eq!(shown.len(), 24);
        let groups: Vec<&str> = shown.split('-').collect();
        assert_eq!(groups.len(), 5);
        assert!(groups.iter().all(|g| g.len() == 4));
        assert_eq!(shown.replace('-', ""), code.as_str());
    }

    #[test]
    fn generated_codes_differ() {
        assert_ne!(VoucherCode::generate(), VoucherCode::generate());
    }

    #[test]
    fn lowercase_spaces_and_full_width_are_accepted() {
        let code = VoucherCode::generate();
        let shown = code.display();
        let lower = shown.to_lowercase();
        assert_eq!(VoucherCode::parse(&lower).unwrap(), code);
        let spaced = format!("  {} ", shown.replace('-', " "));
        assert_eq!(VoucherCode::parse(&spaced).unwrap(), code);
        let full_width: String = shown
            .chars()
            .map(|c| {
                if c == '-' {
                    '－'
                } else {
                    char::from_u32(c as u32 + 0xFEE0).unwrap()
                }
            })
            .collect();
        assert_eq!(VoucherCode::parse(&full_width).unwrap(), code);
        let ideographic = shown.replace('-', "\u{3000}");
        assert_eq!(VoucherCode::parse(&ideographic).unwrap(), code);
    }

    #[test]
    fn wrong_length_or_characters_are_malformed() {
        let code = VoucherCode::generate();
        let s = code.as_str();
        assert_eq!(VoucherCode::parse(""), Err(VoucherCodeError::Malformed));
        assert_eq!(
            VoucherCode::parse(&s[..19]),
            Err(VoucherCodeError::Malformed)
        );
        assert_eq!(
            VoucherCode::parse(&format!("{s}2")),
            Err(VoucherCodeError::Malformed)
        );
        for confusable in [b'0', b'O', b'1', b'I', b'L', b'*'] {
            assert_eq!(
                VoucherCode::parse(&with_symbol(s, 3, confusable)),
                Err(VoucherCodeError::Malformed)
            );
        }
        assert_eq!(
            VoucherCode::parse(&format!("{}あ", &s[..19])),
            Err(VoucherCodeError::Malformed)
        );
    }

    #[test]
    fn every_single_substitution_is_detected() {
        for _ in 0..20 {
            let code = VoucherCode::generate();
            let s = code.as_str();
            for at in 0..CODE_LEN {
                for &symbol in ALPHABET.iter().filter(|&&b| b != s.as_bytes()[at]) {
                    assert_eq!(
                        VoucherCode::parse(&with_symbol(s, at, symbol)),
                        Err(VoucherCodeError::CheckFailed),
                        "{s} at {at} -> {}",
                        char::from(symbol)
                    );
                }
            }
        }
    }

    #[test]
    fn every_transposition_of_generated_codes_is_detected() {
        for _ in 0..100 {
            let code = VoucherCode::generate();
            let s = code.as_str().as_bytes();
            // Adjacent swaps are the common typo; the weights also catch distant ones.
            for i in 0..CODE_LEN {
                for j in (i + 1..CODE_LEN).filter(|&j| s[i] != s[j]) {
                    let mut swapped = s.to_vec();
                    swapped.swap(i, j);
                    let swapped = String::from_utf8(swapped).unwrap();
                    assert_eq!(
                        VoucherCode::parse(&swapped),
                        Err(VoucherCodeError::CheckFailed),
                        "{} swap {i} {j}",
                        code.as_str()
                    );
                }
            }
        }
    }

    /// A valid code with symbols `a`, `b` at positions `at`, `at + 1` (the latter may be the
    /// check symbol: then the first payload symbol is chosen to make it come out as `b`).
    fn valid_code_with(at: usize, a: usize, b: usize) -> String {
        (0..N)
            .map(|filler| {
                let mut payload = [filler; RANDOM_SYMBOLS];
                payload[at] = a;
                if at + 1 < RANDOM_SYMBOLS {
                    payload[at + 1] = b;
                }
                VoucherCode::from_payload(&payload).0
            })
            .find(|code| code.as_bytes()[at + 1] == ALPHABET[b])
            .unwrap()
    }

    #[test]
    fn adjacent_transpositions_of_every_symbol_pair_are_detected() {
        for at in 0..CODE_LEN - 1 {
            for a in 0..N {
                for b in (0..N).filter(|&b| b != a) {
                    let code = valid_code_with(at, a, b);
                    assert!(VoucherCode::parse(&code).is_ok());
                    let mut swapped = code.clone().into_bytes();
                    swapped.swap(at, at + 1);
                    assert_eq!(
                        VoucherCode::parse(&String::from_utf8(swapped).unwrap()),
                        Err(VoucherCodeError::CheckFailed),
                        "{code} swap at {at}"
                    );
                }
            }
        }
    }

    #[test]
    fn plain_luhn_mod_31_would_miss_a_substitution() {
        // The reason for the weighted check: Luhn's doubling folds 1 and 16 to the same value.
        let luhn_double = |x: usize| (2 * x) / N + (2 * x) % N;
        assert_eq!(luhn_double(1), luhn_double(16));
    }

    #[test]
    fn debug_redacts_all_but_last_four() {
        let code = VoucherCode::generate();
        let debug = format!("{code:?}");
        assert!(debug.ends_with(&format!("{})", code.last4())));
        assert!(!debug.contains(&code.as_str()[..16]));
        for group in code.display().split('-').take(4) {
            assert!(!debug.contains(group), "{debug}");
        }
    }

    #[test]
    fn keyed_hash_is_hmac_sha256_hex() {
        // An all-zero payload has check value 0, so the code is twenty '2's.
        let code = VoucherCode::parse("2222-2222-2222-2222-2222").unwrap();
        let hash = code.keyed_hash(b"secret");
        assert_eq!(hash.len(), 64);
        assert!(hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_eq!(hash, code.keyed_hash(b"secret"));
        assert_ne!(hash, code.keyed_hash(b"other key"));
        // Pinned: HMAC-SHA256("secret", "2222…2") as computed independently.
        assert_eq!(
            hash,
            "e3e7552828eea9876abadf8981272d67f8025899f0f922c43497ca569e674827"
        );
    }

    #[test]
    fn derived_codes_are_stable_valid_and_secret_dependent() {
        let a = VoucherCode::derive(b"secret-one", "voucher-1");
        assert_eq!(a, VoucherCode::derive(b"secret-one", "voucher-1"));
        assert_ne!(a, VoucherCode::derive(b"secret-one", "voucher-2"));
        assert_ne!(a, VoucherCode::derive(b"secret-two", "voucher-1"));
        assert_eq!(VoucherCode::parse(&a.display()), Ok(a));
    }
}
