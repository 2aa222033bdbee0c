//! Taiwanese personal identifiers: the national ID number (國民身分證統一編號), the uniform ID
//! number of foreign residents printed on the resident certificate (外來人口統一證號, ARC,
//! 居留證) in its old and new formats, and mobile phone numbers.
//!
//! Parsing accepts what people actually type (full-width characters, lower case, surrounding
//! spaces, the many ways of writing a phone number) and keeps one canonical form. None of these
//! types prints its full value through `Debug`, so a stray `{:?}` in a log shows the masked
//! form only; `as_str` / `e164` give the full value for storage. Error messages never carry the
//! value either.

use crate::error::Message;
use crate::width::to_half_width;
use std::fmt;

/// The two-digit code of each area letter, in alphabetical order (A10 B11 … H17 I34 J18 …
/// N22 O35 P23 … V29 W32 X30 Y31 Z33).
const LETTER_CODES: [u32; 26] = [
    10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, 22, 35, 23, 24, 25, 26, 27, 28, 29, 32, 30,
    31, 33,
];

fn letter_code(letter: u8) -> Option<u32> {
    letter
        .checked_sub(b'A')
        .and_then(|i| LETTER_CODES.get(usize::from(i)))
        .copied()
}

/// Which identifier a [`PersonalId`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PersonalIdKind {
    /// 國民身分證統一編號: area letter, 1 (male) or 2 (female), 8 digits.
    NationalId,
    /// 外來人口統一證號 as issued since 2021-01-02: area letter, 8 (male) or 9 (female), 8 digits.
    /// Same checksum as the national ID.
    ResidentCertificate,
    /// The older resident certificate number: area letter, A–D, 8 digits. Valid until
    /// 2030-12-31; accept it until then.
    ResidentCertificateOld,
}

/// A national ID or resident certificate number with a valid shape and checksum, upper case.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PersonalId {
    number: String,
    kind: PersonalIdKind,
}

impl PersonalId {
    /// Accepts a national ID or either resident certificate format. Surrounding spaces, lower
    /// case and full-width characters are accepted. Returns `error-personal-id-format` when the
    /// text does not have the shape of any of them and `error-personal-id-checksum` when the
    /// shape is right but the check digit is not.
    pub fn parse(text: &str) -> Result<PersonalId, Message> {
        let (number, kind) = shape(text).ok_or_else(|| Message::new("error-personal-id-format"))?;
        if !checksum_ok(number.as_bytes()) {
            return Err(Message::new("error-personal-id-checksum"));
        }
        Ok(PersonalId { number, kind })
    }

    pub fn kind(&self) -> PersonalIdKind {
        self.kind
    }

    /// The full number, upper case, for storage. Never log it; use [`PersonalId::masked`].
    pub fn as_str(&self) -> &str {
        &self.number
    }

    /// The first three and last three characters with the middle hidden, e.g. `A12****789`.
    pub fn masked(&self) -> String {
        let (head, tail) = (&self.number[..3], &self.number[7..]);
        format!("{head}****{tail}")
    }
}

impl fmt::Debug for PersonalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PersonalId({}, {:?})", self.masked(), self.kind)
    }
}

/// A national ID number (身分證字號) only. Where a form asks for a "national ID", prefer
/// [`PersonalId`]: residents must be able to give their resident certificate number instead.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct NationalId(PersonalId);

impl NationalId {
    /// Like [`PersonalId::parse`], but anything that is not shaped like a national ID (including
    /// a resident certificate number) is `error-national-id-format`.
    pub fn parse(text: &str) -> Result<NationalId, Message> {
        match shape(text) {
            Some((_, PersonalIdKind::NationalId)) => PersonalId::parse(text).map(NationalId),
            _ => Err(Message::new("error-national-id-format")),
        }
    }

    /// The full number, upper case, for storage. Never log it; use [`NationalId::masked`].
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// E.g. `A12****789`.
    pub fn masked(&self) -> String {
        self.0.masked()
    }
}

impl From<NationalId> for PersonalId {
    fn from(id: NationalId) -> PersonalId {
        id.0
    }
}

impl fmt::Debug for NationalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NationalId({})", self.masked())
    }
}

/// Normalises `text` and classifies its shape: `[A-Z][12]\d{8}`, `[A-Z][89]\d{8}` or
/// `[A-Z][A-D]\d{8}`. The checksum is not looked at.
fn shape(text: &str) -> Option<(String, PersonalIdKind)> {
    if text.len() > 64 {
        return None;
    }
    let number = to_half_width(text).trim().to_ascii_uppercase();
    let bytes = number.as_bytes();
    if bytes.len() != 10
        || !bytes[0].is_ascii_uppercase()
        || !bytes[2..].iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    let kind = match bytes[1] {
        b'1' | b'2' => PersonalIdKind::NationalId,
        b'8' | b'9' => PersonalIdKind::ResidentCertificate,
        b'A'..=b'D' => PersonalIdKind::ResidentCertificateOld,
        _ => return None,
    };
    Some((number, kind))
}

/// The weighted sum of a 10-character number of any of the three shapes. The area letter's code
/// `ab` is weighted 1 and 9; the second character (a digit, or for the old resident format the
/// units digit of the second letter's code) 8; the next seven digits 7 down to 1; the check
/// digit 1. The number is valid iff the sum is divisible by 10.
fn weighted_sum(number: &[u8]) -> Option<u32> {
    let [first, second, rest @ ..] = number else {
        return None;
    };
    if rest.len() != 8 {
        return None;
    }
    let area = letter_code(*first)?;
    let second = if second.is_ascii_digit() {
        u32::from(second - b'0')
    } else {
        letter_code(*second)? % 10
    };
    let mut sum = area / 10 + (area % 10) * 9 + second * 8;
    for (digit, weight) in rest.iter().zip([7, 6, 5, 4, 3, 2, 1, 1]) {
        if !digit.is_ascii_digit() {
            return None;
        }
        sum += u32::from(digit - b'0') * weight;
    }
    Some(sum)
}

fn checksum_ok(number: &[u8]) -> bool {
    weighted_sum(number).is_some_and(|sum| sum % 10 == 0)
}

/// The digits of a phone number as people write it, and whether it began with `+`. Full-width
/// characters count as their ASCII forms; spaces, dots, hyphens, dashes and parentheses are
/// ignored. `None` for anything else, or for text too long to be a number.
pub fn phone_digits(text: &str) -> Option<(bool, String)> {
    if text.len() > 64 {
        return None;
    }
    let mut international = false;
    let mut digits = String::new();
    for c in to_half_width(text).trim().chars() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if digits.is_empty() && !international => international = true,
            '-' | '.' | '(' | ')' | '\u{2010}'..='\u{2015}' => {}
            c if c.is_whitespace() => {}
            _ => return None,
        }
    }
    Some((international, digits))
}

/// A Taiwanese mobile number, kept in E.164 form: `+8869` followed by 8 digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Mobile(String);

impl Mobile {
    /// Accepts the usual ways of writing a Taiwanese mobile number: `0912345678`,
    /// `0912-345-678`, `0912 345 678`, `(09)12345678`, `+886 912 345 678`, `+886-912-345-678`,
    /// `+886 (0)912 345 678`, `886912345678`, `00886912345678`, `+8860912345678`, in full-width
    /// characters too. Spaces, dots, hyphens, dashes and parentheses are ignored.
    ///
    /// Errors: `error-mobile-landline` for a Taiwanese landline, `error-mobile-foreign` for a
    /// number with another country code, `error-mobile-format` for anything else.
    pub fn parse(text: &str) -> Result<Mobile, Message> {
        let format = || Message::new("error-mobile-format");
        let Some((international, digits)) = phone_digits(text) else {
            return Err(format());
        };
        let country = |rest: &str| -> Result<String, Message> {
            match rest.strip_prefix("886") {
                // `+886 (0)9…` and `+8860 9…` keep the trunk prefix by mistake; drop it.
                Some(national) => Ok(national.strip_prefix('0').unwrap_or(national).to_string()),
                None => Err(Message::new("error-mobile-foreign")),
            }
        };
        let national = if international {
            country(&digits)?
        } else if let Some(rest) = digits.strip_prefix("00") {
            // The international call prefix used by most countries.
            country(rest)?
        } else if let Some(rest) = digits.strip_prefix('0') {
            rest.to_string()
        } else if digits.starts_with("886") && digits.len() >= 11 {
            country(&digits)?
        } else {
            return Err(format());
        };
        let bytes = national.as_bytes();
        match bytes.first() {
            Some(b'9') if bytes.len() == 9 => Ok(Mobile(format!("+886{national}"))),
            // 070 is VoIP and 080x toll-free: not landlines, but not mobiles either.
            Some(b'7' | b'8') if bytes.get(1) == Some(&b'0') => Err(format()),
            Some(b'2'..=b'8') if (7..=9).contains(&bytes.len()) => {
                Err(Message::new("error-mobile-landline"))
            }
            _ => Err(format()),
        }
    }

    /// `+886912345678`, for storage and SMS gateways.
    pub fn e164(&self) -> &str {
        &self.0
    }

    /// The local display form, `0912-345-678`.
    pub fn national(&self) -> String {
        let n = &self.0[4..];
        format!("0{}-{}-{}", &n[..3], &n[3..6], &n[6..])
    }

    /// The E.164 form with the middle three digits hidden, `+886912***678`.
    pub fn masked(&self) -> String {
        format!("{}***{}", &self.0[..7], &self.0[10..])
    }
}

impl fmt::Debug for Mobile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mobile({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id_err(text: &str) -> &'static str {
        PersonalId::parse(text).unwrap_err().id
    }

    /// Completes the first nine characters of a number with the check digit that makes it valid.
    fn with_check_digit(first_nine: &str) -> String {
        let sum = weighted_sum(format!("{first_nine}0").as_bytes()).unwrap();
        format!("{first_nine}{}", (10 - sum % 10) % 10)
    }

    #[test]
    fn reference_vectors() {
        for valid in [
            "A123456789",
            "N213456789",
            "F123456784",
            "T200000009",
            "V198765433",
        ] {
            let id = PersonalId::parse(valid).unwrap();
            assert_eq!(id.kind(), PersonalIdKind::NationalId);
            assert_eq!(id.as_str(), valid);
            assert_eq!(NationalId::parse(valid).unwrap().as_str(), valid);
        }
        for invalid in ["A123456788", "B287654321", "F131234567", "Z123456789"] {
            assert_eq!(id_err(invalid), "error-personal-id-checksum", "{invalid}");
        }
        let arc = PersonalId::parse("A800000014").unwrap();
        assert_eq!(arc.kind(), PersonalIdKind::ResidentCertificate);
        assert_eq!(id_err("A800000015"), "error-personal-id-checksum");
        let old = PersonalId::parse("AC01234567").unwrap();
        assert_eq!(old.kind(), PersonalIdKind::ResidentCertificateOld);
        assert_eq!(id_err("AC01234568"), "error-personal-id-checksum");
    }

    #[test]
    fn normalises_input() {
        for text in [
            " a123456789 ",
            "Ａ１２３４５６７８９",
            "\u{3000}ａ123456789\t",
        ] {
            assert_eq!(PersonalId::parse(text).unwrap().as_str(), "A123456789");
        }
        assert_eq!(
            PersonalId::parse("ac01234567").unwrap().as_str(),
            "AC01234567"
        );
    }

    #[test]
    fn shape_errors() {
        for text in [
            "",
            "A12345678",
            "A1234567890",
            "A323456789",
            "AE01234567",
            "1123456789",
            "A1234 56789",
            "A12345678٩",
            "Ä123456789",
        ] {
            assert_eq!(id_err(text), "error-personal-id-format", "{text:?}");
        }
        assert_eq!(
            NationalId::parse("A800000014").unwrap_err().id,
            "error-national-id-format"
        );
        assert_eq!(
            NationalId::parse("A123456788").unwrap_err().id,
            "error-personal-id-checksum"
        );
    }

    #[test]
    fn never_prints_the_full_number() {
        let id = PersonalId::parse("A123456789").unwrap();
        assert_eq!(id.masked(), "A12****789");
        let debug = format!("{id:?}");
        assert!(!debug.contains("A123456789"), "{debug}");
        assert!(debug.contains("A12****789"));
        let national = NationalId::parse("A123456789").unwrap();
        assert_eq!(format!("{national:?}"), "NationalId(A12****789)");
        let mobile = Mobile::parse("0912345678").unwrap();
        assert_eq!(format!("{mobile:?}"), "Mobile(+886912***678)");
    }

    /// The checksum cannot see every single-digit error: a change whose amount times the
    /// position's weight is a multiple of 10 keeps the sum divisible by 10. That is a change by 5
    /// at a position of even weight (8, 6, 4, 2), or any even change at the position of weight 5.
    /// This is a property of the official algorithm, not a bug here.
    #[test]
    fn checksum_blind_spots() {
        // Third digit (weight 6) of A123456789 changed from 3 to 8.
        assert!(PersonalId::parse("A128456789").is_ok());
        // Fourth digit (weight 5) changed from 4 to 6.
        assert!(PersonalId::parse("A123656789").is_ok());
    }

    #[test]
    fn mobile_formats() {
        for text in [
            "0912345678",
            "0912-345-678",
            "0912 345 678",
            "(09)12345678",
            "(09) 1234-5678",
            "+886 912 345 678",
            "+886-912-345-678",
            "+886 (0)912 345 678",
            "(+886) 912-345-678",
            "886912345678",
            "8860912345678",
            "00886912345678",
            "+8860912345678",
            "０９１２－３４５－６７８",
            "＋８８６　９１２３４５６７８",
            " 0912.345.678 ",
        ] {
            let m = Mobile::parse(text).unwrap_or_else(|e| panic!("{text:?}: {}", e.id));
            assert_eq!(m.e164(), "+886912345678", "{text:?}");
        }
        let m = Mobile::parse("0912345678").unwrap();
        assert_eq!(m.national(), "0912-345-678");
    }

    #[test]
    fn mobile_rejections() {
        let err = |text: &str| Mobile::parse(text).unwrap_err().id;
        for landline in [
            "(02)2720-8889",
            "02-27208889",
            "+886 2 2720 8889",
            "07-3345678",
            "089-123456",
            "037-123456",
        ] {
            assert_eq!(err(landline), "error-mobile-landline", "{landline}");
        }
        for foreign in [
            "+81 90 1234 5678",
            "+1 415 555 0100",
            "+86 138 1234 5678",
            "0081 90 1234 5678",
        ] {
            assert_eq!(err(foreign), "error-mobile-foreign", "{foreign}");
        }
        for bad in [
            "",
            "1999",
            "0800-000-123",
            "070-1234-5678",
            "091234567",
            "09123456789",
            "0912-345-67x",
            "0912+345678",
            "912345678",
            "+886",
        ] {
            assert_eq!(err(bad), "error-mobile-format", "{bad}");
        }
    }

    fn valid_id() -> impl Strategy<Value = String> {
        (
            0u8..26,
            prop_oneof![
                Just('1'),
                Just('2'),
                Just('8'),
                Just('9'),
                Just('A'),
                Just('B'),
                Just('C'),
                Just('D')
            ],
            proptest::collection::vec(0u8..10, 7),
        )
            .prop_map(|(letter, second, serial)| {
                let mut first_nine = String::new();
                first_nine.push(char::from(b'A' + letter));
                first_nine.push(second);
                first_nine.extend(serial.iter().map(|d| char::from(b'0' + d)));
                with_check_digit(&first_nine)
            })
    }

    fn full_width(text: &str) -> String {
        text.chars()
            .map(|c| match c {
                ' ' => '\u{3000}',
                c => char::from_u32(c as u32 + 0xFEE0).unwrap(),
            })
            .collect()
    }

    proptest! {
        #[test]
        fn valid_ids_round_trip(id in valid_id(), lower in any::<bool>(), wide in any::<bool>()) {
            let parsed = PersonalId::parse(&id).unwrap();
            prop_assert_eq!(parsed.as_str(), id.as_str());
            prop_assert_eq!(PersonalId::parse(parsed.as_str()).unwrap(), parsed.clone());
            let mut typed = if lower { id.to_lowercase() } else { id.clone() };
            if wide {
                typed = full_width(&typed);
            }
            prop_assert_eq!(PersonalId::parse(&format!("  {typed} ")).unwrap(), parsed);
        }

        /// Changing one digit always fails, except for the blind spots of the official algorithm
        /// (see `checksum_blind_spots`): changes whose amount times the weight is a multiple of 10.
        #[test]
        fn one_changed_digit_fails(id in valid_id(), pos in 1usize..10, delta in 1u8..10) {
            let mut bytes = id.into_bytes();
            if !bytes[pos].is_ascii_digit() {
                return Ok(());
            }
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            let weight = [0, 8, 7, 6, 5, 4, 3, 2, 1, 1][pos];
            if pos == 1 {
                // The second character also decides the kind; a change may break the shape.
                prop_assert!(PersonalId::parse(&changed).is_err());
            } else if (weight * delta) % 10 == 0 {
                prop_assert!(PersonalId::parse(&changed).is_ok());
            } else {
                prop_assert_eq!(id_err(&changed), "error-personal-id-checksum");
            }
        }

        #[test]
        fn mobile_formats_agree(rest in proptest::collection::vec(0u8..10, 8), wide in any::<bool>()) {
            let d: String = rest.iter().map(|d| char::from(b'0' + d)).collect();
            let expected = format!("+8869{d}");
            let (a, b, c) = (&d[..2], &d[2..5], &d[5..]);
            let forms = [
                format!("09{d}"),
                format!("09{a}-{b}-{c}"),
                format!("09{a} {b} {c}"),
                format!("(09){d}"),
                format!("+886 9{a} {b} {c}"),
                format!("+886-9{a}-{b}-{c}"),
                format!("8869{d}"),
                format!("+88609{d}"),
                format!("+886 (0)9{a} {b} {c}"),
                format!("008869{d}"),
            ];
            for form in forms {
                let typed = if wide { full_width(&form) } else { form.clone() };
                let m = Mobile::parse(&typed).unwrap();
                prop_assert_eq!(m.e164(), expected.as_str(), "{}", form);
                prop_assert_eq!(Mobile::parse(&m.national()).unwrap(), m.clone());
            }
        }
    }
}
