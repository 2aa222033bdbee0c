//! Pickup grants: who may take an issued document, where, until when, and with what code.
//!
//! A grant is created inactive when a document is issued and becomes active only once the
//! application is approved and its fee paid (Varaamo's pattern: an access code exists before it
//! opens anything). Its code is 6 digits, shown once to its holder (SMS, e-mail, the page right
//! after a rotation); only a keyed hash is stored, so the database cannot open a door. The key
//! is the Smart Desk site's, which its devices hold to check codes while offline.
//!
//! Wrong codes are counted per grant and per door; at [`MAX_WRONG_PER_GRANT`] the grant locks
//! (its holder is told, and a clerk or a rotation unlocks it), at [`MAX_WRONG_PER_DOOR`] within
//! [`DOOR_WINDOW_SECONDS`] the door refuses codes for that window.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Digits of a pickup code (made by `platform::secrets::numeric_code`, without bias).
pub const CODE_DIGITS: usize = 6;
/// Wrong codes before a grant locks.
pub const MAX_WRONG_PER_GRANT: u32 = 5;
/// Wrong codes at one door within the window before the door refuses codes for a while.
pub const MAX_WRONG_PER_DOOR: u32 = 10;
/// The window of the door's count, and how long it then refuses.
pub const DOOR_WINDOW_SECONDS: i64 = 15 * 60;
/// How long an item waits in a locker unless the site says otherwise (i郵箱: 3 days).
pub const DEFAULT_LOCKER_DAYS: u32 = 3;
/// How long it then waits at the counter before it goes back to the issuing office.
pub const DEFAULT_COUNTER_DAYS: u32 = 14;
/// A grant's reminder: this long before it expires.
pub const REMIND_BEFORE_SECONDS: i64 = 86_400;

/// The prefix of a grant's QR payload (`CDPK1.<grant id>.<code>`): a kiosk reads the grant
/// and the code from one scan.
pub const QR_PREFIX: &str = "CDPK1";

/// A code as typed: full-width digits, spaces and dashes forgiven; `None` unless 6 digits.
pub fn normalise(typed: &str) -> Option<String> {
    let digits: String = domain::width::to_half_width(typed)
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (digits.len() == CODE_DIGITS && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// The stored form of a code: HMAC-SHA256 under the site's key, hex.
pub fn code_hash(site_key: &[u8], code: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(site_key)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(b"civicdesk-pickup-code\n");
    mac.update(code.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The QR payload of a grant's code.
pub fn qr_payload(grant_id: &str, code: &str) -> String {
    format!("{QR_PREFIX}.{grant_id}.{code}")
}

/// Reads a QR payload: the grant id and the code.
pub fn read_qr(payload: &str) -> Option<(String, String)> {
    let mut parts = payload.trim().splitn(3, '.');
    let (prefix, grant, code) = (parts.next()?, parts.next()?, parts.next()?);
    if prefix != QR_PREFIX || grant.is_empty() || grant.len() > 64 {
        return None;
    }
    Some((grant.to_string(), normalise(code)?))
}

/// Whether a grant's code may open its door now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Open,
    /// Not yet active: not approved or not paid.
    Inactive,
    /// Its time in the locker is over.
    Expired,
    /// Already used (the item was taken).
    Used,
    /// Too many wrong codes.
    Locked,
    /// Revoked (rotated away, withdrawn).
    Revoked,
}

impl Verdict {
    /// The words a kiosk shows (the i18n id).
    pub fn message_id(self) -> &'static str {
        match self {
            Verdict::Open => "counter-kiosk-open",
            Verdict::Inactive => "counter-kiosk-inactive",
            Verdict::Expired => "counter-kiosk-expired",
            Verdict::Used => "counter-kiosk-used",
            Verdict::Locked => "counter-kiosk-locked",
            Verdict::Revoked => "counter-kiosk-wrong",
        }
    }

    /// The wire form of the device API.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Open => "open",
            Verdict::Inactive => "inactive",
            Verdict::Expired => "expired",
            Verdict::Used => "used",
            Verdict::Locked => "locked",
            Verdict::Revoked => "revoked",
        }
    }
}

/// A grant as the rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrantState {
    pub active: bool,
    pub revoked: bool,
    pub used: bool,
    pub wrong: u32,
    pub expires_at: i64,
}

/// What a right code on this grant does at `now`.
pub fn verdict(g: GrantState, now: i64) -> Verdict {
    if g.used {
        Verdict::Used
    } else if g.revoked {
        Verdict::Revoked
    } else if g.wrong >= MAX_WRONG_PER_GRANT {
        Verdict::Locked
    } else if !g.active {
        Verdict::Inactive
    } else if now >= g.expires_at {
        Verdict::Expired
    } else {
        Verdict::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn codes_are_six_digits_and_typed_codes_forgiven() {
        assert_eq!(normalise("１２３ ４５６"), Some("123456".into()));
        assert_eq!(normalise("12345"), None);
        assert_eq!(normalise("12345a"), None);
    }

    #[test]
    fn hashes_depend_on_the_site_key() {
        assert_ne!(code_hash(b"a", "123456"), code_hash(b"b", "123456"));
        assert_eq!(code_hash(b"a", "123456"), code_hash(b"a", "123456"));
        assert_eq!(code_hash(b"a", "123456").len(), 64);
    }

    #[test]
    fn qr_round_trips() {
        let p = qr_payload("0190-abc", "042137");
        assert_eq!(read_qr(&p), Some(("0190-abc".into(), "042137".into())));
        assert_eq!(read_qr("CDPK2.x.123456"), None);
        assert_eq!(read_qr("CDPK1..123456"), None);
    }

    proptest! {
        #[test]
        fn only_an_active_unexpired_unused_unlocked_grant_opens(
            active: bool, revoked: bool, used: bool, wrong in 0u32..8, expires in 0i64..200, now in 0i64..200,
        ) {
            let v = verdict(GrantState { active, revoked, used, wrong, expires_at: expires }, now);
            prop_assert_eq!(
                v == Verdict::Open,
                active && !revoked && !used && wrong < MAX_WRONG_PER_GRANT && now < expires
            );
        }
    }
}
