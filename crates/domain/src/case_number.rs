//! Case numbers in the Taipei form: the local date `YYYYMMDD` followed by a 5-digit daily
//! sequence, e.g. `2026112400042`. Unique per jurisdiction.

use crate::error::DomainError;
use time::{Date, Month};

pub const MAX_DAILY_SEQUENCE: u32 = 99_999;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CaseNumber(String);

impl CaseNumber {
    /// Builds the number for the `sequence`-th case of local date `yyyymmdd`.
    pub fn new(yyyymmdd: &str, sequence: u32) -> Option<CaseNumber> {
        if sequence == 0 || sequence > MAX_DAILY_SEQUENCE {
            return None;
        }
        CaseNumber::parse(&format!("{yyyymmdd}{sequence:05}")).ok()
    }

    /// Accepts exactly 13 ASCII digits whose first 8 form a real calendar date.
    pub fn parse(text: &str) -> Result<CaseNumber, DomainError> {
        let text = text.trim();
        let invalid = || DomainError::InvalidCaseNumber {
            value: text.to_string(),
        };
        if text.len() != 13 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let year: i32 = text[0..4].parse().map_err(|_| invalid())?;
        let month: u8 = text[4..6].parse().map_err(|_| invalid())?;
        let day: u8 = text[6..8].parse().map_err(|_| invalid())?;
        let month = Month::try_from(month).map_err(|_| invalid())?;
        Date::from_calendar_date(year, month, day).map_err(|_| invalid())?;
        if &text[8..] == "00000" {
            return Err(invalid());
        }
        Ok(CaseNumber(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn date_part(&self) -> &str {
        &self.0[..8]
    }

    pub fn sequence(&self) -> u32 {
        self.0[8..].parse().unwrap_or(0)
    }
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
        assert!(CaseNumber::new("20261124", 100_000).is_none());
        assert!(
            CaseNumber::parse("2026022900001").is_err(),
            "2026 is not a leap year"
        );
        assert!(CaseNumber::parse("2024022900001").is_ok());
        assert!(CaseNumber::parse("20261124000421").is_err());
        assert!(CaseNumber::parse("2026112400000").is_err());
        assert!(CaseNumber::parse("２０２６１１２４０００４２").is_err());
    }

    proptest! {
        #[test]
        fn round_trips(day in 0i64..20_000, seq in 1u32..=MAX_DAILY_SEQUENCE) {
            let date = Date::from_calendar_date(2000, Month::January, 1).unwrap()
                + time::Duration::days(day);
            let ymd = format!("{:04}{:02}{:02}", date.year(), u8::from(date.month()), date.day());
            let n = CaseNumber::new(&ymd, seq).unwrap();
            prop_assert_eq!(CaseNumber::parse(n.as_str()).unwrap(), n.clone());
            prop_assert_eq!(n.sequence(), seq);
            prop_assert_eq!(n.date_part(), ymd.as_str());
        }
    }
}
