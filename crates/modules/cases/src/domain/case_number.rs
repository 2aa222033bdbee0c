//! Case numbers: the local date `YYYYMMDD`, then the case's place in that day's sequence.
//! Unique per jurisdiction, and they never run out.
//!
//! The first 99,999 cases of a day have the Taipei form, a 5-digit sequence:
//! `2026112400042`. Past that, the sequence is written with as many digits as it has, after a
//! run of nines that stands for the narrower forms it has outgrown: a 6-digit sequence follows
//! `99999`, a 7-digit one follows `99999` + `999999`, and so on.
//!
//! | the day's case | number | length |
//! | --- | --- | --- |
//! | 1 | `20261124` `00001` | 13 |
//! | 99,999 | `20261124` `99999` | 13 |
//! | 100,000 | `20261124` `99999` `100000` | 19 |
//! | 999,999 | `20261124` `99999` `999999` | 19 |
//! | 1,000,000 | `20261124` `99999` `999999` `1000000` | 26 |
//!
//! So a number's length tells its form (13, 19, 26, 34, … characters: 8 + 5 + 6 + … + d for a
//! d-digit sequence), every number ever issued stays valid, and numbers compared as plain
//! strings (as the database sorts them) are in the order of their date and then their
//! sequence: a wider form starts with the nines that the widest number of every narrower
//! form consists of, so it sorts after all of them.

use domain::error::DomainError;
use time::{Date, Month};

/// The last sequence number of the Taipei form (`YYYYMMDD` + 5 digits).
pub const TAIPEI_FORM_MAX: u64 = 99_999;

/// The narrowest sequence: 5 digits, zero-padded.
const NARROWEST: usize = 5;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CaseNumber(String);

/// Digits of `n` in decimal, at least the narrowest width.
fn width(n: u64) -> usize {
    (n.checked_ilog10().unwrap_or(0) as usize + 1).max(NARROWEST)
}

/// How many nines come before a sequence of `width` digits: 5 + 6 + … + (width − 1).
fn nines_before(width: usize) -> usize {
    (NARROWEST..width).sum()
}

impl CaseNumber {
    /// Builds the number for the `sequence`-th case (from 1) of local date `yyyymmdd`.
    pub fn new(yyyymmdd: &str, sequence: u64) -> Option<CaseNumber> {
        if sequence == 0 {
            return None;
        }
        let w = width(sequence);
        let nines = "9".repeat(nines_before(w));
        CaseNumber::parse(&format!("{yyyymmdd}{nines}{sequence:0NARROWEST$}")).ok()
    }

    /// Accepts exactly the numbers [`CaseNumber::new`] makes: ASCII digits whose first 8 form a
    /// real calendar date, followed by a sequence part of one of the forms above.
    pub fn parse(text: &str) -> Result<CaseNumber, DomainError> {
        let text = text.trim();
        let invalid = || DomainError::InvalidCaseNumber {
            value: text.to_string(),
        };
        if text.len() < 8 + NARROWEST || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let year: i32 = text[0..4].parse().map_err(|_| invalid())?;
        let month: u8 = text[4..6].parse().map_err(|_| invalid())?;
        let day: u8 = text[6..8].parse().map_err(|_| invalid())?;
        let month = Month::try_from(month).map_err(|_| invalid())?;
        Date::from_calendar_date(year, month, day).map_err(|_| invalid())?;
        sequence_of(&text[8..]).ok_or_else(invalid)?;
        Ok(CaseNumber(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn date_part(&self) -> &str {
        &self.0[..8]
    }

    /// The case's place in its day's sequence, from 1.
    pub fn sequence(&self) -> u64 {
        sequence_of(&self.0[8..]).unwrap_or(0)
    }
}

/// The sequence a number's part after the date stands for, if it is of a valid form.
fn sequence_of(part: &str) -> Option<u64> {
    // The widths whose form is exactly this long (u64 has at most 20 digits).
    let w = (NARROWEST..=20).find(|&w| nines_before(w) + w == part.len())?;
    let (nines, digits) = part.split_at(nines_before(w));
    if !nines.bytes().all(|b| b == b'9') {
        return None;
    }
    // Wider forms have no leading zero: their sequence needs every digit.
    if w > NARROWEST && digits.starts_with('0') {
        return None;
    }
    digits.parse::<u64>().ok().filter(|&n| n > 0)
}

impl std::fmt::Display for CaseNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_and_validates() {
        let n = CaseNumber::new("20261124", 42).unwrap();
        assert_eq!(n.as_str(), "2026112400042");
        assert_eq!(n.sequence(), 42);
        assert!(
            CaseNumber::parse("2026022900001").is_err(),
            "2026 is not a leap year"
        );
        assert!(CaseNumber::parse("2024022900001").is_ok());
        assert!(CaseNumber::parse("20261124000421").is_err());
        assert!(CaseNumber::parse("2026112400000").is_err());
        assert!(CaseNumber::parse("２０２６１１２４０００４２").is_err());
        assert!(CaseNumber::new("20261124", 0).is_none());
        assert!(CaseNumber::new("20261324", 1).is_none());
    }

    #[test]
    fn past_the_taipei_form_the_sequence_widens() {
        // (sequence, nines before it, how it is written)
        let cases = [
            (99_999, 0, "99999"),
            (100_000, 5, "100000"),
            (100_001, 5, "100001"),
            (999_999, 5, "999999"),
            (1_000_000, 5 + 6, "1000000"),
            (9_999_999, 5 + 6, "9999999"),
            (10_000_000, 5 + 6 + 7, "10000000"),
        ];
        for (seq, nines, digits) in cases {
            let text = format!("20261124{}{digits}", "9".repeat(nines));
            let n = CaseNumber::new("20261124", seq).unwrap();
            assert_eq!(n.as_str(), text, "{seq}");
            assert_eq!(CaseNumber::parse(&text).unwrap().sequence(), seq);
        }
        assert_eq!(
            CaseNumber::new("20261124", 100_000).unwrap().as_str(),
            "2026112499999100000"
        );
        let last = CaseNumber::new("20261124", u64::MAX).unwrap();
        assert_eq!(last.sequence(), u64::MAX);
        assert_eq!(last.as_str().len(), 8 + (5..=20).sum::<usize>());
        // Junk of a valid length: nines missing, a leading zero, a zero sequence.
        for junk in [
            "2026112499998100000",
            "2026112499999010000",
            "2026112499999000000",
            "20261124999999999990999999",
            "202611249999910000",
            "20261124999991000000",
        ] {
            assert!(CaseNumber::parse(junk).is_err(), "{junk}");
        }
    }

    fn date(day: i64) -> String {
        let date =
            Date::from_calendar_date(2000, Month::January, 1).unwrap() + time::Duration::days(day);
        format!(
            "{:04}{:02}{:02}",
            date.year(),
            u8::from(date.month()),
            date.day()
        )
    }

    /// Sequences of every width, the edges of each form more often than not.
    fn sequence() -> impl Strategy<Value = u64> {
        prop_oneof![
            1u64..=200_000,
            (0u32..20).prop_flat_map(|e| {
                let edge = 10u64.pow(e);
                prop_oneof![Just(edge), Just(edge - 1), Just(edge + 1)]
            }),
            any::<u64>(),
        ]
        .prop_filter("sequences start at 1", |&s| s > 0)
    }

    proptest! {
        /// number → (date, sequence) → number.
        #[test]
        fn round_trips(day in 0i64..20_000, seq in sequence()) {
            let ymd = date(day);
            let n = CaseNumber::new(&ymd, seq).unwrap();
            prop_assert_eq!(CaseNumber::parse(n.as_str()).unwrap(), n.clone());
            prop_assert_eq!(n.sequence(), seq);
            prop_assert_eq!(n.date_part(), ymd.as_str());
            prop_assert_eq!(CaseNumber::new(n.date_part(), n.sequence()), Some(n));
        }

        /// Numbers as strings sort as (date, sequence) do.
        #[test]
        fn string_order_is_date_then_sequence(
            a in (0i64..3, sequence()),
            b in (0i64..3, sequence()),
        ) {
            let na = CaseNumber::new(&date(a.0), a.1).unwrap();
            let nb = CaseNumber::new(&date(b.0), b.1).unwrap();
            prop_assert_eq!(na.as_str().cmp(nb.as_str()), a.cmp(&b));
        }

        /// Whatever is accepted is exactly the number of its date and sequence: one spelling
        /// per case.
        #[test]
        fn anything_accepted_is_canonical(text in "20261124[0-9]{5,30}") {
            if let Ok(n) = CaseNumber::parse(&text) {
                prop_assert_eq!(CaseNumber::new(n.date_part(), n.sequence()), Some(n));
            }
        }

        /// Nines then digits, the likeliest junk: accepted only in a valid form.
        #[test]
        fn nines_then_digits(nines in 0usize..30, tail in "[0-9]{0,8}") {
            let text = format!("20261124{}{tail}", "9".repeat(nines));
            if let Ok(n) = CaseNumber::parse(&text) {
                prop_assert_eq!(CaseNumber::new(n.date_part(), n.sequence()), Some(n));
            }
        }
    }
}
