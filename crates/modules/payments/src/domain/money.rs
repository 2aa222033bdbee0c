//! Amounts: whole New Taiwan dollars, never floats. A payment is at least NT$1 and at most
//! NT$10,000,000 (far above any fee, rent or order a city takes online); refunds never pass what
//! was paid, counting those already made.

use domain::Message;

/// The largest amount a payment may ask for, in NT$.
pub const MAX_AMOUNT: u32 = 10_000_000;

/// An amount in whole NT$, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(u32);

impl Amount {
    pub fn new(dollars: i64) -> Result<Amount, Message> {
        match u32::try_from(dollars) {
            Ok(d) if (1..=MAX_AMOUNT).contains(&d) => Ok(Amount(d)),
            _ => Err(Message::new("error-payment-amount").arg("max", MAX_AMOUNT.to_string())),
        }
    }

    /// Reads what a form or a gateway wrote: digits only (no sign, no decimals, no grouping;
    /// full-width digits are read as digits).
    pub fn parse(text: &str) -> Result<Amount, Message> {
        let half = domain::width::to_half_width(text);
        let t = half.trim();
        if t.is_empty() || t.len() > 9 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(Message::new("error-payment-amount").arg("max", MAX_AMOUNT.to_string()));
        }
        Amount::new(t.parse::<i64>().unwrap_or(0))
    }

    pub fn dollars(self) -> u32 {
        self.0
    }
}

impl std::fmt::Display for Amount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Whether `asked` may be refunded of a payment of `paid` that has had `refunded` back already;
/// the error says how much still may be.
pub fn refundable(paid: Amount, refunded: u32, asked: Amount) -> Result<(), Message> {
    let left = paid.dollars().saturating_sub(refunded);
    if asked.dollars() > left {
        return Err(Message::new("error-refund-too-much").arg("left", left.to_string()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn amounts_are_whole_positive_dollars() {
        assert_eq!(Amount::parse("15").map(Amount::dollars), Ok(15));
        assert_eq!(Amount::parse("１５").map(Amount::dollars), Ok(15));
        for bad in [
            "0",
            "-15",
            "15.5",
            "1,000",
            "",
            " ",
            "NT$15",
            "99999999999",
            "10000001",
        ] {
            assert!(Amount::parse(bad).is_err(), "{bad}");
        }
        assert!(Amount::new(i64::from(MAX_AMOUNT)).is_ok());
    }

    proptest! {
        /// However a payment is refunded in parts, the parts never add up past what was paid.
        #[test]
        fn refunds_never_pass_the_payment(paid in 1u32..100_000, asks in proptest::collection::vec(1u32..50_000, 0..10)) {
            let paid = Amount::new(i64::from(paid)).expect("amount");
            let mut refunded = 0u32;
            for ask in asks {
                let ask = Amount::new(i64::from(ask)).expect("amount");
                if refundable(paid, refunded, ask).is_ok() {
                    refunded += ask.dollars();
                }
                prop_assert!(refunded <= paid.dollars());
            }
        }
    }
}
