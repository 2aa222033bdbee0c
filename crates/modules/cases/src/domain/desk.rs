//! The 1999 agent's desk: caller numbers, the contact log's service types, and the out-call
//! (caring call, 關懷電話) queue's reasons, states and outcomes.
//!
//! **Caller numbers.** Callers ring from mobiles and landlines, and agents type numbers in any
//! form. Every number is reduced to one key before it is stored or compared:
//! - a Taiwanese mobile becomes E.164, `+886912345678` (the form accounts store);
//! - a Taiwanese landline (or 070 VoIP number) becomes its national digits with the trunk 0 and
//!   the area code, `0227208889` (from `(02)2720-8889`, `02-2720 8889`, `+886 2 2720 8889`);
//! - a foreign number becomes `+` and its digits, `+81312345678`.
//!
//! A landline without its area code (`2720-8889`) is refused: the same digits exist in every
//! area. Spaces, dots, hyphens, dashes, parentheses and full-width characters are ignored.

use domain::enums::string_enum;
use domain::error::Message;
use domain::identity::{Mobile, phone_digits};

/// Longest contact summary and out-call note, in characters.
pub const MAX_SUMMARY: usize = 2000;
pub const MAX_NOTE: usize = 2000;
/// A satisfaction score at or below this asks for a caring call.
pub const LOW_SATISFACTION_MAX: i64 = 2;

string_enum! {
    /// What kind of number a caller number is.
    NumberKind { Mobile = "mobile", Landline = "landline", Foreign = "foreign" }
}

/// A caller's number reduced to its key (see the module documentation).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CallerNumber {
    key: String,
    kind: NumberKind,
}

impl CallerNumber {
    /// Errors: `error-phone-format` for anything that is not a phone number,
    /// `error-phone-area-code` for a local number without its area code.
    pub fn parse(text: &str) -> Result<CallerNumber, Message> {
        let format = || Message::new("error-phone-format");
        if let Ok(m) = Mobile::parse(text) {
            return Ok(CallerNumber {
                key: m.e164().to_string(),
                kind: NumberKind::Mobile,
            });
        }
        let Some((international, digits)) = phone_digits(text) else {
            return Err(format());
        };
        let abroad = match (international, digits.strip_prefix("00")) {
            (true, _) => Some(digits.as_str()),
            (false, Some(rest)) => Some(rest),
            (false, None) => None,
        };
        let national = match abroad {
            Some(rest) => match rest.strip_prefix("886") {
                Some(n) => n.strip_prefix('0').unwrap_or(n).to_string(),
                None if (7..=15).contains(&rest.len()) && !rest.starts_with('0') => {
                    return Ok(CallerNumber {
                        key: format!("+{rest}"),
                        kind: NumberKind::Foreign,
                    });
                }
                None => return Err(format()),
            },
            None => match digits.strip_prefix('0') {
                Some(n) => n.to_string(),
                None if (6..=8).contains(&digits.len()) => {
                    return Err(Message::new("error-phone-area-code"));
                }
                None => return Err(format()),
            },
        };
        let b = national.as_bytes();
        match b.first() {
            // 070 VoIP numbers: 070 and eight digits.
            Some(b'7') if b.get(1) == Some(&b'0') && b.len() == 10 => {}
            // 080x toll-free numbers do not call out.
            Some(b'7' | b'8') if b.get(1) == Some(&b'0') => return Err(format()),
            Some(b'2'..=b'8') if (7..=9).contains(&b.len()) => {}
            _ => return Err(format()),
        }
        Ok(CallerNumber {
            key: format!("0{national}"),
            kind: NumberKind::Landline,
        })
    }

    /// The stored and compared form.
    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn kind(&self) -> NumberKind {
        self.kind
    }

    /// The mobile number, for matching a citizen's account.
    pub fn mobile(&self) -> Option<&str> {
        (self.kind == NumberKind::Mobile).then_some(self.key.as_str())
    }

    /// The form an agent dials: `0912-345-678` for mobiles, the key otherwise.
    pub fn display(&self) -> String {
        match self.kind {
            NumberKind::Mobile => {
                let n = &self.key[4..];
                format!("0{}-{}-{}", &n[..3], &n[3..6], &n[6..])
            }
            NumberKind::Landline | NumberKind::Foreign => self.key.clone(),
        }
    }

    /// The key with three digits before the last three hidden: `+886912***678`,
    /// `0227***889`. Shown in lists and audit records.
    pub fn masked(&self) -> String {
        mask_key(&self.key)
    }
}

/// Masks a stored caller-number key (see [`CallerNumber::masked`]).
pub fn mask_key(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() < 8 {
        return "***".into();
    }
    let head: String = chars[..chars.len() - 6].iter().collect();
    let tail: String = chars[chars.len() - 3..].iter().collect();
    format!("{head}***{tail}")
}

impl std::fmt::Debug for CallerNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CallerNumber({})", self.masked())
    }
}

string_enum! {
    /// The 1999 service type of a call (市政諮詢, 轉接, 告知, 派工), plus calls redirected to
    /// 110 or 119. Consulting, transfers and informing create no case; a dispatch call names
    /// the case it created.
    ContactType {
        Consult = "consult",
        Transfer = "transfer",
        Inform = "inform",
        Emergency = "emergency",
        Dispatch = "dispatch",
    }
}

string_enum! {
    /// Why a caring call is due.
    OutcallReason {
        LowSatisfaction = "low_satisfaction",
        Reopened = "reopened",
        P1FollowUp = "p1_follow_up",
        NeedsCare = "needs_care",
    }
}

impl OutcallReason {
    /// Working days (on the jurisdiction's business calendar) within which the call is due.
    pub fn due_working_days(self) -> u32 {
        match self {
            OutcallReason::P1FollowUp | OutcallReason::NeedsCare | OutcallReason::Reopened => 1,
            OutcallReason::LowSatisfaction => 2,
        }
    }
}

string_enum! {
    OutcallStatus { Queued = "queued", Claimed = "claimed", Done = "done" }
}

string_enum! {
    /// How a caring call went.
    OutcallOutcome {
        Reached = "reached",
        NoAnswer = "no_answer",
        WrongNumber = "wrong_number",
        Declined = "declined",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> String {
        CallerNumber::parse(text)
            .unwrap_or_else(|e| panic!("{text}: {e:?}"))
            .key
    }

    #[test]
    fn mobiles_become_e164() {
        for text in [
            "0912345678",
            "0912-345-678",
            "+886 912 345 678",
            "(09)12345678",
            "０９１２３４５６７８",
            "00886912345678",
        ] {
            assert_eq!(key(text), "+886912345678", "{text}");
            assert_eq!(
                CallerNumber::parse(text).unwrap().kind(),
                NumberKind::Mobile
            );
        }
        let m = CallerNumber::parse("0912345678").unwrap();
        assert_eq!(m.display(), "0912-345-678");
        assert_eq!(m.masked(), "+886912***678");
        assert_eq!(m.mobile(), Some("+886912345678"));
        assert_eq!(format!("{m:?}"), "CallerNumber(+886912***678)");
    }

    #[test]
    fn landlines_keep_their_area_code() {
        for text in [
            "(02)2720-8889",
            "02-27208889",
            "02 2720 8889",
            "+886 2 2720 8889",
            "+886 (0)2 2720 8889",
            "00886227208889",
        ] {
            assert_eq!(key(text), "0227208889", "{text}");
        }
        assert_eq!(key("07-3345678"), "073345678");
        assert_eq!(key("089-123456"), "089123456");
        assert_eq!(key("037-123456"), "037123456");
        assert_eq!(key("070-1234-5678"), "07012345678");
        let l = CallerNumber::parse("(02)2720-8889").unwrap();
        assert_eq!(l.kind(), NumberKind::Landline);
        assert_eq!(l.mobile(), None);
        assert_eq!(l.masked(), "0227***889");
    }

    #[test]
    fn foreign_numbers_keep_their_country_code() {
        assert_eq!(key("+81 3 1234 5678"), "+81312345678");
        assert_eq!(key("001 415 555 0100"), "+14155550100");
        assert_eq!(
            CallerNumber::parse("+81 3 1234 5678").unwrap().kind(),
            NumberKind::Foreign
        );
    }

    #[test]
    fn refusals() {
        let err = |t: &str| CallerNumber::parse(t).unwrap_err().id;
        assert_eq!(err("2720-8889"), "error-phone-area-code");
        for bad in [
            "",
            "1999",
            "0800-000-123",
            "abc",
            "0912x345678",
            "02-12",
            "+",
        ] {
            assert_eq!(err(bad), "error-phone-format", "{bad:?}");
        }
    }

    #[test]
    fn masking_short_keys_hides_everything() {
        assert_eq!(mask_key("12345"), "***");
    }

    #[test]
    fn names_round_trip() {
        for t in ContactType::ALL {
            assert_eq!(ContactType::parse(t.as_str()), Some(*t));
        }
        for r in OutcallReason::ALL {
            assert!(r.due_working_days() >= 1);
        }
    }
}
