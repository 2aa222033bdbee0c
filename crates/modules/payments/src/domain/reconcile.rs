//! Reconciliation: our payments of a provider and a day set against the provider's own
//! records of them, so the finance office sees what is missing on either side. Each trade
//! number is in the report once:
//!
//! - **matched**: both sides paid, the same amount; or both sides unpaid;
//! - **missing at the provider**: we count it paid, the provider does not (or has no record);
//! - **missing here**: the provider counts it paid, we do not (a notice never taken: the
//!   reconciliation job settles these);
//! - **amount differs**: both paid, different amounts (never settled automatically).

use super::money::Amount;
use std::collections::BTreeMap;

/// One of our payments, as the report needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ours {
    pub trade_no: String,
    pub paid: bool,
    pub amount: Amount,
}

/// What the provider holds of a trade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theirs {
    pub trade_no: String,
    pub paid: bool,
    /// What the provider says was paid (absent when it has no amount for an unpaid trade).
    pub amount: Option<Amount>,
}

/// How one trade reconciles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Finding {
    Matched,
    MissingAtProvider,
    MissingHere,
    AmountDiffers,
}

/// A line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub trade_no: String,
    pub finding: Finding,
    pub ours: Option<Amount>,
    pub theirs: Option<Amount>,
}

/// The report: one line per trade number on either side, sorted by trade number.
pub fn reconcile(ours: &[Ours], theirs: &[Theirs]) -> Vec<Line> {
    let mut by_no: BTreeMap<&str, (Option<&Ours>, Option<&Theirs>)> = BTreeMap::new();
    for o in ours {
        by_no.entry(o.trade_no.as_str()).or_default().0 = Some(o);
    }
    for t in theirs {
        by_no.entry(t.trade_no.as_str()).or_default().1 = Some(t);
    }
    by_no
        .into_iter()
        .map(|(no, (o, t))| {
            let our_paid = o.filter(|o| o.paid);
            let their_paid = t.filter(|t| t.paid);
            let finding = match (our_paid, their_paid) {
                (Some(a), Some(b)) if Some(a.amount) == b.amount => Finding::Matched,
                (Some(_), Some(_)) => Finding::AmountDiffers,
                (Some(_), None) => Finding::MissingAtProvider,
                (None, Some(_)) => Finding::MissingHere,
                (None, None) => Finding::Matched,
            };
            Line {
                trade_no: no.to_string(),
                finding,
                ours: our_paid.map(|o| o.amount),
                theirs: their_paid.and_then(|t| t.amount),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn amount(n: u32) -> Amount {
        Amount::new(i64::from(n)).expect("amount")
    }

    #[test]
    fn each_kind_of_finding() {
        let ours = vec![
            Ours {
                trade_no: "A".into(),
                paid: true,
                amount: amount(15),
            },
            Ours {
                trade_no: "B".into(),
                paid: true,
                amount: amount(15),
            },
            Ours {
                trade_no: "C".into(),
                paid: false,
                amount: amount(15),
            },
            Ours {
                trade_no: "D".into(),
                paid: true,
                amount: amount(15),
            },
        ];
        let theirs = vec![
            Theirs {
                trade_no: "A".into(),
                paid: true,
                amount: Some(amount(15)),
            },
            Theirs {
                trade_no: "C".into(),
                paid: true,
                amount: Some(amount(15)),
            },
            Theirs {
                trade_no: "D".into(),
                paid: true,
                amount: Some(amount(150)),
            },
            Theirs {
                trade_no: "E".into(),
                paid: false,
                amount: None,
            },
        ];
        let findings: Vec<(String, Finding)> = reconcile(&ours, &theirs)
            .into_iter()
            .map(|l| (l.trade_no, l.finding))
            .collect();
        assert_eq!(
            findings,
            vec![
                ("A".into(), Finding::Matched),
                ("B".into(), Finding::MissingAtProvider),
                ("C".into(), Finding::MissingHere),
                ("D".into(), Finding::AmountDiffers),
                ("E".into(), Finding::Matched),
            ]
        );
    }

    proptest! {
        /// Every trade number on either side is in the report exactly once, and a line is
        /// "matched" exactly when the two sides agree on whether and how much was paid.
        #[test]
        fn every_trade_once_and_matched_only_when_both_sides_agree(
            ours in proptest::collection::btree_map(0u8..30, (any::<bool>(), 1u32..100), 0..20),
            theirs in proptest::collection::btree_map(0u8..30, (any::<bool>(), 1u32..100), 0..20),
        ) {
            let o: Vec<Ours> = ours.iter().map(|(n, (p, a))| Ours { trade_no: format!("T{n:02}"), paid: *p, amount: amount(*a) }).collect();
            let t: Vec<Theirs> = theirs.iter().map(|(n, (p, a))| Theirs { trade_no: format!("T{n:02}"), paid: *p, amount: Some(amount(*a)) }).collect();
            let report = reconcile(&o, &t);
            let all: std::collections::BTreeSet<u8> = ours.keys().chain(theirs.keys()).copied().collect();
            prop_assert_eq!(report.len(), all.len());
            for line in report {
                let n: u8 = line.trade_no[1..].parse().expect("number");
                let our = ours.get(&n).filter(|(p, _)| *p).map(|(_, a)| *a);
                let their = theirs.get(&n).filter(|(p, _)| *p).map(|(_, a)| *a);
                prop_assert_eq!(line.finding == Finding::Matched, our == their);
            }
        }
    }
}
