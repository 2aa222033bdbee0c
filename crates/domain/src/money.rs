//! Money: New Taiwan dollars (NT$, TWD) in whole dollars, as they are charged and shown (the UI
//! shows no decimals). Arithmetic is checked: an amount that would not fit is `None`, never a
//! wrapped or saturated number. Stored and sent (serde) as a plain integer of dollars.

use crate::Message;
use crate::width::to_half_width;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// An amount of New Taiwan dollars. May be negative (a refund, a balance owed), but what a
/// person types never is: see [`Twd::parse`].
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Twd(i64);

/// Why typed text is not an amount.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoneyError {
    #[error("no amount was given")]
    Empty,
    #[error("{0:?} is not an amount of NT$ (expected e.g. 1234, 1,234 or NT$1,234)")]
    NotAnAmount(String),
    #[error("an amount cannot be negative")]
    Negative,
    #[error("NT$ amounts are whole dollars")]
    Fraction,
    #[error("the amount is too large")]
    TooLarge,
}

impl MoneyError {
    /// What to tell the person who typed it, in their language.
    pub fn message(&self) -> Message {
        match self {
            MoneyError::Empty => Message::new("error-money-empty"),
            MoneyError::NotAnAmount(text) => {
                Message::new("error-money-not-an-amount").arg("text", text.as_str())
            }
            MoneyError::Negative => Message::new("error-money-negative"),
            MoneyError::Fraction => Message::new("error-money-fraction"),
            MoneyError::TooLarge => Message::new("error-money-too-large"),
        }
    }
}

impl Twd {
    pub const ZERO: Twd = Twd(0);

    pub const fn new(dollars: i64) -> Twd {
        Twd(dollars)
    }

    pub const fn dollars(self) -> i64 {
        self.0
    }

    pub fn checked_add(self, other: Twd) -> Option<Twd> {
        self.0.checked_add(other.0).map(Twd)
    }

    pub fn checked_sub(self, other: Twd) -> Option<Twd> {
        self.0.checked_sub(other.0).map(Twd)
    }

    /// The price of `quantity` items at this unit price.
    pub fn checked_mul(self, quantity: u32) -> Option<Twd> {
        self.0.checked_mul(i64::from(quantity)).map(Twd)
    }

    /// The total of `amounts`, or `None` if any partial sum does not fit.
    pub fn checked_sum(amounts: impl IntoIterator<Item = Twd>) -> Option<Twd> {
        amounts
            .into_iter()
            .try_fold(Twd::ZERO, |total, a| total.checked_add(a))
    }

    /// Reads an amount as a person types it: `1234`, `1,234`, `NT$1,234`, `$1234`, `1234.00`,
    /// full-width characters (`１２３４`) and surrounding spaces. Thousands separators must
    /// group by three. Negative amounts, cents other than `.0`/`.00`, and amounts past
    /// `i64::MAX` are refused.
    pub fn parse(text: &str) -> Result<Twd, MoneyError> {
        let half = to_half_width(text).replace('\u{2212}', "-");
        let mut rest = half.trim();
        if rest.is_empty() {
            return Err(MoneyError::Empty);
        }
        let not_an_amount = || MoneyError::NotAnAmount(text.trim().to_string());
        let mut negative = strip(&mut rest, "-");
        if rest.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("NT$")) {
            rest = &rest[3..];
        } else {
            strip(&mut rest, "$");
        }
        rest = rest.trim_start();
        negative |= strip(&mut rest, "-");
        let (whole, cents) = match rest.split_once('.') {
            Some((whole, cents)) => (whole, Some(cents)),
            None => (rest, None),
        };
        if !grouped_digits(whole) {
            return Err(not_an_amount());
        }
        if negative && whole.bytes().any(|b| matches!(b, b'1'..=b'9')) {
            return Err(MoneyError::Negative);
        }
        match cents {
            None | Some("0" | "00") => {}
            Some(c) if !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()) => {
                return Err(MoneyError::Fraction);
            }
            Some(_) => return Err(not_an_amount()),
        }
        let dollars = whole
            .bytes()
            .filter(u8::is_ascii_digit)
            .try_fold(0i64, |n, d| {
                n.checked_mul(10)?.checked_add(i64::from(d - b'0'))
            })
            .ok_or(MoneyError::TooLarge)?;
        Ok(Twd(dollars))
    }
}

/// Removes `prefix` from the start of `text`; whether it was there.
fn strip(text: &mut &str, prefix: &str) -> bool {
    match text.strip_prefix(prefix) {
        Some(rest) => {
            *text = rest;
            true
        }
        None => false,
    }
}

/// Digits, either plain or in groups of three after a first group of one to three.
fn grouped_digits(text: &str) -> bool {
    let mut groups = text.split(',');
    let first = groups.next().unwrap_or("");
    let digits = |g: &str| g.bytes().all(|b| b.is_ascii_digit());
    if first.is_empty() || !digits(first) {
        return false;
    }
    if !text.contains(',') {
        return true;
    }
    first.len() <= 3 && groups.all(|g| g.len() == 3 && digits(g))
}

/// `NT$1,234`; a negative amount is `-NT$1,234`.
impl fmt::Display for Twd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.unsigned_abs().to_string();
        let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}NT${grouped}")
    }
}

impl FromStr for Twd {
    type Err = MoneyError;

    fn from_str(text: &str) -> Result<Twd, MoneyError> {
        Twd::parse(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_show_as_whole_dollars_with_thousands_separators() {
        let shown = |d| Twd::new(d).to_string();
        assert_eq!(shown(0), "NT$0");
        assert_eq!(shown(999), "NT$999");
        assert_eq!(shown(1_000), "NT$1,000");
        assert_eq!(shown(1_234), "NT$1,234");
        assert_eq!(shown(1_234_567), "NT$1,234,567");
        assert_eq!(shown(-3_000), "-NT$3,000");
        assert_eq!(shown(i64::MAX), "NT$9,223,372,036,854,775,807");
        assert_eq!(shown(i64::MIN), "-NT$9,223,372,036,854,775,808");
    }

    #[test]
    fn what_people_type_is_read() {
        for typed in [
            "1234",
            "1,234",
            "NT$1,234",
            "nt$ 1234",
            "$1,234",
            "１２３４",
            "ＮＴ＄１，２３４",
            " 1234.00 ",
            "1234.0",
        ] {
            assert_eq!(Twd::parse(typed), Ok(Twd::new(1_234)), "{typed}");
        }
        assert_eq!("0".parse::<Twd>(), Ok(Twd::ZERO));
        assert_eq!(Twd::parse("-0"), Ok(Twd::ZERO));
    }

    #[test]
    fn negative_fractional_huge_and_garbled_amounts_are_refused() {
        use MoneyError::*;
        let cases = [
            ("", Empty),
            ("  ", Empty),
            ("-5", Negative),
            ("NT$-1,000", Negative),
            ("－５", Negative),
            ("12.50", Fraction),
            ("0.5", Fraction),
            ("9223372036854775808", TooLarge),
            ("NT$", NotAnAmount("NT$".into())),
            ("12,34", NotAnAmount("12,34".into())),
            ("1234,567", NotAnAmount("1234,567".into())),
            (",123", NotAnAmount(",123".into())),
            ("1 234", NotAnAmount("1 234".into())),
            ("12.", NotAnAmount("12.".into())),
            ("1e3", NotAnAmount("1e3".into())),
            ("NT$1,234元", NotAnAmount("NT$1,234元".into())),
        ];
        for (typed, error) in cases {
            assert_eq!(Twd::parse(typed), Err(error), "{typed:?}");
        }
    }

    #[test]
    fn arithmetic_refuses_to_overflow() {
        let max = Twd::new(i64::MAX);
        assert_eq!(max.checked_add(Twd::new(1)), None);
        assert_eq!(Twd::new(i64::MIN).checked_sub(Twd::new(1)), None);
        assert_eq!(max.checked_mul(2), None);
        assert_eq!(Twd::new(150).checked_mul(3), Some(Twd::new(450)));
        assert_eq!(
            Twd::new(100).checked_sub(Twd::new(250)),
            Some(Twd::new(-150))
        );
        assert_eq!(Twd::checked_sum([max, Twd::new(1), Twd::new(-1)]), None);
        assert_eq!(Twd::checked_sum([Twd::ZERO; 0]), Some(Twd::ZERO));
    }

    #[test]
    fn serde_is_a_plain_integer() {
        assert_eq!(
            serde_json::to_string(&Twd::new(1_234)).ok(),
            Some("1234".into())
        );
        let read: Result<Twd, _> = serde_json::from_str("1234");
        assert_eq!(read.ok(), Some(Twd::new(1_234)));
    }

    proptest! {
        #[test]
        fn what_is_shown_reads_back(dollars in 0..=i64::MAX) {
            let twd = Twd::new(dollars);
            prop_assert_eq!(Twd::parse(&twd.to_string()), Ok(twd));
        }

        #[test]
        fn sums_and_products_are_exact_or_refused(
            amounts in proptest::collection::vec(any::<i64>(), 0..8),
            quantity in any::<u32>(),
        ) {
            let mut exact = Some(0i128);
            for a in &amounts {
                exact = exact
                    .map(|t| t + i128::from(*a))
                    .filter(|t| i64::try_from(*t).is_ok());
            }
            let sum = Twd::checked_sum(amounts.iter().copied().map(Twd::new));
            prop_assert_eq!(sum.map(|t| i128::from(t.dollars())), exact);
            for a in amounts {
                let product = i128::from(a) * i128::from(quantity);
                let expected = i64::try_from(product).ok().map(Twd::new);
                prop_assert_eq!(Twd::new(a).checked_mul(quantity), expected);
            }
        }
    }
}
