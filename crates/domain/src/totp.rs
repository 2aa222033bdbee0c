//! Time-based one-time passwords (RFC 6238) for the second sign-in factor: HMAC-SHA-1, 6 digits,
//! 30-second steps, which is what every authenticator app supports.
//!
//! The domain does no I/O: the caller generates the secret's random bytes, stores the secret,
//! passes the current unix time, and records the step [`verify`] returns so that a code cannot be
//! used twice.

use crate::error::Message;
use crate::width::to_half_width;
use data_encoding::{BASE32_NOPAD, Encoding};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::fmt;
use std::sync::LazyLock;
use totp_rs::{Algorithm, Builder, Totp};

/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Seconds per time step.
pub const STEP_SECONDS: i64 = 30;
/// Length of a newly generated secret: 160 bits, as RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;
/// Shortest accepted secret (RFC 4226 requires 128 bits).
pub const MIN_SECRET_BYTES: usize = 16;
/// Longest accepted secret: one SHA-1 block.
pub const MAX_SECRET_BYTES: usize = 64;

/// The shared secret of one enrolled authenticator. `Debug` does not print it.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Vec<u8>);

impl TotpSecret {
    /// A new secret from 20 random bytes supplied by the caller (from the OS random source).
    pub fn new(random: [u8; SECRET_BYTES]) -> TotpSecret {
        TotpSecret(random.to_vec())
    }

    /// A stored secret of 16 to 64 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Option<TotpSecret> {
        (MIN_SECRET_BYTES..=MAX_SECRET_BYTES)
            .contains(&bytes.len())
            .then(|| TotpSecret(bytes.to_vec()))
    }

    /// A secret written in base32 (see [`base32_decode`]), of 16 to 64 bytes.
    pub fn from_base32(text: &str) -> Option<TotpSecret> {
        TotpSecret::from_bytes(&base32_decode(text)?)
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Base32 without padding, as authenticator apps expect it.
    pub fn to_base32(&self) -> String {
        base32_encode(&self.0)
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

/// The time step containing `unix_time`.
pub fn step_at(unix_time: i64) -> i64 {
    unix_time.div_euclid(STEP_SECONDS)
}

/// The 6-digit code for the step containing `unix_time`.
pub fn code_at(secret: &TotpSecret, unix_time: i64) -> String {
    code_for_step(secret, step_at(unix_time), DIGITS)
}

/// Checks `code` against the steps before, at and after the one containing `unix_time` (±30 s of
/// clock drift). Returns the matching step, which the caller must store and pass back as
/// `last_used_step` next time: a step at or before it is refused, so a code cannot be replayed.
///
/// The code must be exactly six digits once spaces are removed (apps show `123 456`);
/// full-width digits are accepted.
pub fn verify(
    secret: &TotpSecret,
    code: &str,
    unix_time: i64,
    last_used_step: Option<i64>,
) -> Option<i64> {
    if code.len() > 64 {
        return None;
    }
    let code: String = to_half_width(code)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if code.len() != DIGITS as usize || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step_at(unix_time);
    let totp = generator(secret, DIGITS);
    let mut matched = None;
    // The current step first, so that it wins if two steps happen to share a code.
    for step in [now, now - 1, now + 1] {
        if step < 0 || last_used_step.is_some_and(|last| step <= last) {
            continue;
        }
        // Every candidate is checked (totp-rs compares in constant time), so timing reveals
        // nothing about which step matched.
        if totp.check(&code, step_start(step)).is_some() && matched.is_none() {
            matched = Some(step);
        }
    }
    matched
}

/// The message to show when [`verify`] refuses a code.
pub fn rejection_message() -> Message {
    Message::new("error-totp-code")
}

/// The `otpauth://` URI for enrolment (usually shown as a QR code), in the Google
/// Authenticator key-URI format: label `issuer:account`, with `secret`, `issuer`, `algorithm`,
/// `digits` and `period` parameters. Both names are percent-encoded as UTF-8.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &TotpSecret) -> String {
    let secret = secret.to_base32();
    let account = percent_encode(account);
    let tail = format!("algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}");
    if issuer.is_empty() {
        format!("otpauth://totp/{account}?secret={secret}&{tail}")
    } else {
        let issuer = percent_encode(issuer);
        format!("otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&{tail}")
    }
}

/// RFC 4648 base32, upper case, without padding.
pub fn base32_encode(bytes: &[u8]) -> String {
    BASE32_NOPAD.encode(bytes)
}

/// RFC 4648 base32 without padding, and lenient about the unused bits of the last symbol (as
/// the hand-written decoder this replaced was, so no stored secret stops decoding).
static BASE32_LENIENT: LazyLock<Encoding> = LazyLock::new(|| {
    let mut spec = BASE32_NOPAD.specification();
    spec.check_trailing_bits = false;
    spec.encoding().unwrap_or_else(|_| BASE32_NOPAD.clone())
});

/// RFC 4648 base32. Case is ignored, and so are spaces and hyphens (secrets are often shown in
/// groups); trailing `=` padding is allowed. `None` for any other character or an impossible
/// length.
pub fn base32_decode(text: &str) -> Option<Vec<u8>> {
    let symbols: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    BASE32_LENIENT
        .decode(symbols.trim_end_matches('=').as_bytes())
        .ok()
}

/// The HMAC-SHA-1 TOTP generator for `secret`, with steps of [`STEP_SECONDS`] and no skew:
/// [`verify`] walks the drift window itself, to learn which step matched.
fn generator(secret: &TotpSecret, digits: u32) -> Totp {
    // Never more than 9 digits, which totp-rs would refuse; `TotpSecret` is always 16 to 64
    // bytes, so the unchecked build only skips checks that already hold.
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(digits.min(9) as u8)
        .with_skew(0)
        .with_step_duration(STEP_SECONDS as u64)
        .with_secret(secret.as_bytes())
        .build_noncompliant()
}

/// The unix time at which `step` starts (steps before 1970 count as step 0).
fn step_start(step: i64) -> u64 {
    u64::try_from(step).unwrap_or(0) * STEP_SECONDS as u64
}

/// HOTP (RFC 4226) with the counter `step`; `digits` is at most 9.
fn code_for_step(secret: &TotpSecret, step: i64, digits: u32) -> String {
    generator(secret, digits)
        .generate(step_start(step))
        .to_string()
}

/// Everything but the RFC 3986 unreserved characters.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes everything except the RFC 3986 unreserved characters.
fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, URI_COMPONENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rfc_secret() -> TotpSecret {
        TotpSecret::new(*b"12345678901234567890")
    }

    /// RFC 6238 Appendix B, SHA-1 rows (8 digits).
    #[test]
    fn rfc6238_vectors() {
        let secret = rfc_secret();
        for (time, code) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code_for_step(&secret, step_at(time), 8), code, "{time}");
            assert_eq!(code_at(&secret, time), code[2..], "{time}");
        }
    }

    /// RFC 4226 Appendix D: 6-digit HOTP values for counters 0 to 9.
    #[test]
    fn rfc4226_vectors() {
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(code_for_step(&rfc_secret(), counter as i64, 6), *code);
        }
    }

    #[test]
    fn accepts_one_step_of_drift() {
        let secret = rfc_secret();
        let now = 1_700_000_015;
        let step = step_at(now);
        assert_eq!(
            verify(&secret, &code_at(&secret, now), now, None),
            Some(step)
        );
        assert_eq!(
            verify(&secret, &code_at(&secret, now - 30), now, None),
            Some(step - 1)
        );
        assert_eq!(
            verify(&secret, &code_at(&secret, now + 30), now, None),
            Some(step + 1)
        );
        assert_eq!(
            verify(&secret, &code_at(&secret, now - 60), now, None),
            None
        );
        assert_eq!(
            verify(&secret, &code_at(&secret, now + 60), now, None),
            None
        );
        let other = TotpSecret::new([7; SECRET_BYTES]);
        assert_ne!(code_at(&other, now), code_at(&secret, now));
        assert_eq!(verify(&other, &code_at(&secret, now), now, None), None);
    }

    #[test]
    fn refuses_replay() {
        let secret = rfc_secret();
        let now = 1_700_000_015;
        let code = code_at(&secret, now);
        let used = verify(&secret, &code, now, None).unwrap();
        assert_eq!(verify(&secret, &code, now, Some(used)), None);
        assert_eq!(verify(&secret, &code, now + 20, Some(used)), None);
        // An earlier code is refused once a later step has been used.
        let earlier = code_at(&secret, now - 30);
        assert_eq!(verify(&secret, &earlier, now, Some(used)), None);
        // The next step's code is still accepted.
        let next = code_at(&secret, now + 30);
        assert_eq!(verify(&secret, &next, now + 30, Some(used)), Some(used + 1));
    }

    #[test]
    fn refuses_malformed_codes() {
        let secret = rfc_secret();
        let now = 1_700_000_015;
        let code = code_at(&secret, now);
        for bad in [
            String::new(),
            code[..5].to_string(),
            format!("{code}0"),
            format!("0{code}"),
            format!("{}x", &code[..5]),
            format!("-{}", &code[1..]),
            format!("+{}", &code[1..]),
            "１２３４５６７".to_string(),
        ] {
            assert_eq!(verify(&secret, &bad, now, None), None, "{bad:?}");
        }
        let spaced = format!(" {} {} ", &code[..3], &code[3..]);
        assert!(verify(&secret, &spaced, now, None).is_some());
        let wide: String = code
            .chars()
            .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
            .collect();
        assert!(verify(&secret, &wide, now, None).is_some());
    }

    #[test]
    fn base32_known_values() {
        // RFC 4648 section 10, without padding.
        for (plain, encoded) in [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ] {
            assert_eq!(base32_encode(plain.as_bytes()), encoded);
            assert_eq!(base32_decode(encoded).unwrap(), plain.as_bytes());
        }
        assert_eq!(base32_decode("mzxw 6ytb-oi======").unwrap(), b"foobar");
        assert_eq!(base32_decode("MZXW6YTBOI=A"), None);
        assert_eq!(base32_decode("MZXW1"), None);
        assert_eq!(base32_decode("M"), None);
        // Unused bits of the last symbol are not checked ("MY" is the canonical "f").
        assert_eq!(base32_decode("MZ").unwrap(), b"f");
        assert_eq!(rfc_secret().to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
    }

    #[test]
    fn secrets() {
        assert!(TotpSecret::from_bytes(&[1; 15]).is_none());
        assert!(TotpSecret::from_bytes(&[1; 16]).is_some());
        assert!(TotpSecret::from_bytes(&[1; 64]).is_some());
        assert!(TotpSecret::from_bytes(&[1; 65]).is_none());
        let secret = TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap();
        assert_eq!(secret, rfc_secret());
        assert_eq!(format!("{secret:?}"), "TotpSecret(..)");
        assert_eq!(rejection_message().id, "error-totp-code");
    }

    #[test]
    fn otpauth_uri_is_encoded() {
        let uri = otpauth_uri("臺北市 1999", "wang+staff@example.tw", &rfc_secret());
        assert_eq!(
            uri,
            "otpauth://totp/%E8%87%BA%E5%8C%97%E5%B8%82%201999:wang%2Bstaff%40example.tw\
             ?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &issuer=%E8%87%BA%E5%8C%97%E5%B8%82%201999&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(
            otpauth_uri("", "a:b", &rfc_secret()),
            "otpauth://totp/a%3Ab?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
             &algorithm=SHA1&digits=6&period=30"
        );
    }

    proptest! {
        #[test]
        fn base32_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
            let encoded = base32_encode(&bytes);
            prop_assert!(!encoded.contains('='));
            prop_assert_eq!(base32_decode(&encoded), Some(bytes.clone()));
            prop_assert_eq!(base32_decode(&encoded.to_lowercase()), Some(bytes));
        }

        #[test]
        fn every_code_verifies_at_its_own_time(
            secret in proptest::array::uniform20(any::<u8>()),
            time in 0i64..4_000_000_000,
        ) {
            let secret = TotpSecret::new(secret);
            let code = code_at(&secret, time);
            prop_assert_eq!(code.len(), 6);
            prop_assert_eq!(verify(&secret, &code, time, None), Some(step_at(time)));
            // Only the next step could still match, if it happens to share the code.
            let replay = verify(&secret, &code, time, Some(step_at(time)));
            prop_assert!(replay.is_none() || code_at(&secret, time + 30) == code);
        }
    }
}
