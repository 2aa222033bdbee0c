//! A service's fee, in whole NT$ (規費): nothing, a fixed sum, a sum per copy, or a first copy
//! and each further copy at another price (the English household transcript: NT$100, then NT$15
//! for each further copy in the same application).

use serde::{Deserialize, Serialize};

/// The largest fee of one copy, in NT$ (the naturalisation certificate is NT$1,200).
pub const MAX_FEE: i64 = 100_000;
/// The most copies one application may ask for.
pub const MAX_COPIES: u32 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Fee {
    Free,
    Fixed { amount: i64 },
    PerCopy { amount: i64 },
    FirstAndFurther { first: i64, further: i64 },
}

impl Fee {
    /// Whether the amount depends on the number of copies asked.
    pub fn counts_copies(self) -> bool {
        matches!(self, Fee::PerCopy { .. } | Fee::FirstAndFurther { .. })
    }

    /// What `copies` copies cost (a fee that does not count copies ignores the number; no copy
    /// costs nothing).
    pub fn amount(self, copies: u32) -> i64 {
        let n = i64::from(copies);
        match self {
            Fee::Free => 0,
            Fee::Fixed { amount } => amount,
            Fee::PerCopy { amount } => amount * n,
            Fee::FirstAndFurther { first, further } if n > 0 => first + further * (n - 1),
            Fee::FirstAndFurther { .. } => 0,
        }
    }

    /// The rule of a fee: amounts are positive and at most [`MAX_FEE`].
    pub fn check(self) -> Result<(), &'static str> {
        let ok = |a: i64| (1..=MAX_FEE).contains(&a);
        let fine = match self {
            Fee::Free => true,
            Fee::Fixed { amount } | Fee::PerCopy { amount } => ok(amount),
            Fee::FirstAndFurther { first, further } => ok(first) && ok(further),
        };
        if fine {
            Ok(())
        } else {
            Err("a fee is between NT$1 and NT$100,000")
        }
    }

    /// The kind's key (the i18n id is `counter-fee-<kind>`).
    pub fn kind(self) -> &'static str {
        match self {
            Fee::Free => "free",
            Fee::Fixed { .. } => "fixed",
            Fee::PerCopy { .. } => "per_copy",
            Fee::FirstAndFurther { .. } => "first_and_further",
        }
    }

    /// Builds a fee from an admin's form: the kind and two amounts (the second only for
    /// `first_and_further`).
    pub fn from_parts(kind: &str, first: i64, further: i64) -> Option<Fee> {
        let fee = match kind {
            "free" => Fee::Free,
            "fixed" => Fee::Fixed { amount: first },
            "per_copy" => Fee::PerCopy { amount: first },
            "first_and_further" => Fee::FirstAndFurther { first, further },
            _ => return None,
        };
        fee.check().ok().map(|()| fee)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_household_table() {
        assert_eq!(Fee::PerCopy { amount: 15 }.amount(4), 60);
        assert_eq!(
            Fee::FirstAndFurther {
                first: 100,
                further: 15
            }
            .amount(1),
            100
        );
        assert_eq!(
            Fee::FirstAndFurther {
                first: 100,
                further: 15
            }
            .amount(3),
            130
        );
        assert_eq!(Fee::Fixed { amount: 200 }.amount(9), 200);
        assert_eq!(Fee::Free.amount(3), 0);
    }

    proptest! {
        #[test]
        fn more_copies_never_cost_less(first in 1i64..2_000, further in 1i64..2_000, n in 1u32..MAX_COPIES) {
            for fee in [Fee::PerCopy { amount: first }, Fee::FirstAndFurther { first, further }, Fee::Fixed { amount: first }] {
                prop_assert!(fee.amount(n + 1) >= fee.amount(n));
                prop_assert!(fee.amount(n) >= fee.amount(1));
            }
        }
    }
}
