//! Random secrets and their storage forms.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).expect("the operating system's random source failed");
    buf
}

/// Characters of case passwords: no 0/O, 1/I/L, so they survive being read aloud on the
/// phone or copied by hand.
const PASSWORD_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
pub const CASE_PASSWORD_LEN: usize = 8;

/// A random case password, drawn without modulo bias.
pub fn case_password() -> String {
    let mut out = String::with_capacity(CASE_PASSWORD_LEN);
    let limit = 256 - (256 % PASSWORD_ALPHABET.len());
    while out.len() < CASE_PASSWORD_LEN {
        for b in random_bytes::<16>() {
            if (b as usize) < limit && out.len() < CASE_PASSWORD_LEN {
                out.push(PASSWORD_ALPHABET[b as usize % PASSWORD_ALPHABET.len()] as char);
            }
        }
    }
    out
}

/// The stored form of a case password: HMAC-SHA256 keyed with the instance secret over the
/// case id and the upper-cased password. A random 8-character password has ~40 bits; keyed
/// hashing means a copy of the cases table alone does not allow guessing offline, while
/// intake stays fast enough for thousands of cases a second (Argon2 would cap it at tens).
pub fn case_password_hash(key: &[u8], case_id: &str, password: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(case_id.as_bytes());
    mac.update(b"\n");
    mac.update(password.trim().to_ascii_uppercase().as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A MAC for `purpose` over `data` (HMAC-SHA256, hex), keyed with the instance secret. The
/// purpose separates the uses of one key: a value signed for one purpose never verifies for
/// another.
pub fn mac_hex(key: &[u8], purpose: &str, data: &str) -> String {
    let mut mac =
        <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(purpose.as_bytes());
    mac.update(b"\0");
    mac.update(data.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// A new API key: a recognisable prefix and 32 random bytes in hex.
pub fn api_key() -> String {
    format!("cdk_{}", hex::encode(random_bytes::<32>()))
}

pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

pub fn token() -> String {
    hex::encode(random_bytes::<16>())
}

/// N random bytes in hex: session ids, CSRF tokens, access tokens.
pub fn token_of<const N: usize>() -> String {
    hex::encode(random_bytes::<N>())
}

/// A random decimal code of `digits` digits, without modulo bias.
pub fn numeric_code(digits: usize) -> String {
    let mut out = String::with_capacity(digits);
    while out.len() < digits {
        for b in random_bytes::<16>() {
            if b < 250 && out.len() < digits {
                out.push(char::from(b'0' + b % 10));
            }
        }
    }
    out
}

/// Compares two secrets' stored forms in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// A personal access token: a recognisable prefix and 32 random bytes in hex.
pub fn access_token() -> String {
    format!("cdp_{}", token_of::<32>())
}

/// Recovery codes for the second factor: ten groups of 4+4 unambiguous characters.
pub fn recovery_code() -> String {
    let c = case_password();
    format!("{}-{}", &c[..4], &c[4..])
}

impl crate::Platform {
    /// Signs `data` for `purpose` with the instance secret (form tokens, device cookies).
    pub fn sign(&self, purpose: &str, data: &str) -> String {
        mac_hex(self.secret_key(), purpose, data)
    }

    /// Whether `signature` is [`Platform::sign`] of `data` for `purpose`, compared in
    /// constant time.
    pub fn verify_signature(&self, purpose: &str, data: &str, signature: &str) -> bool {
        constant_time_eq(&self.sign(purpose, data), signature)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_use_the_unambiguous_alphabet() {
        for _ in 0..200 {
            let p = case_password();
            assert_eq!(p.len(), CASE_PASSWORD_LEN);
            assert!(p.bytes().all(|b| PASSWORD_ALPHABET.contains(&b)), "{p}");
        }
    }

    #[test]
    fn password_hash_is_keyed_and_case_insensitive() {
        let h = case_password_hash(b"k1", "case", "abcd2345");
        assert_eq!(h, case_password_hash(b"k1", "case", " ABCD2345 "));
        assert_ne!(h, case_password_hash(b"k2", "case", "ABCD2345"));
        assert_ne!(h, case_password_hash(b"k1", "other", "ABCD2345"));
    }
}
