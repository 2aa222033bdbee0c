//! Where a payment is, and where it may go: GOV.UK Pay's lifecycle.
//!
//! `created` (asked for by a module) → `started` (the payer opened the summary, or the clerk
//! scanned the barcode) → `submitted` (handed to the gateway or the wallet) → one of the
//! finished states: `success`, `failed`, `cancelled` or `expired`. A payment may fail, be
//! cancelled or expire from any unfinished state; success comes only from `started` or
//! `submitted` (a gateway may report it before the browser comes back). A finished payment
//! never moves again: a refund is an event beside it, not a state.

use domain::enums::string_enum;

string_enum! {
    /// A payment's state.
    PaymentState {
        Created = "created",
        Started = "started",
        Submitted = "submitted",
        Success = "success",
        Failed = "failed",
        Cancelled = "cancelled",
        Expired = "expired",
    }
}

/// What happened to a payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Happening {
    /// The payer opened it, or a clerk began taking it.
    Start,
    /// Handed to the gateway or the wallet.
    Submit,
    /// The wallet declined it at once, nothing taken: back to `started`, for another barcode
    /// under a new trade number.
    Decline,
    /// The provider says it is paid (a verified notice, a query, the wallet's answer, cash).
    Paid,
    /// The provider says it failed.
    Fail,
    /// The payer or the asking module gave up.
    Cancel,
    /// Unpaid past its time.
    Expire,
}

/// Why a payment cannot take that step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a {from} payment cannot take the step {step:?}")]
pub struct NotAllowed {
    pub from: &'static str,
    pub step: Happening,
}

impl PaymentState {
    /// Whether the payment has finished (nothing moves it again).
    pub fn is_finished(self) -> bool {
        matches!(
            self,
            PaymentState::Success
                | PaymentState::Failed
                | PaymentState::Cancelled
                | PaymentState::Expired
        )
    }

    /// The state after `step`, or why not.
    pub fn after(self, step: Happening) -> Result<PaymentState, NotAllowed> {
        use Happening::*;
        use PaymentState::*;
        let next = match (self, step) {
            (s, _) if s.is_finished() => None,
            (Created, Start) => Some(Started),
            (Created | Started, Submit) => Some(Submitted),
            (Submitted, Decline) => Some(Started),
            (Started | Submitted, Paid) => Some(Success),
            (_, Fail) => Some(Failed),
            (_, Cancel) => Some(Cancelled),
            (_, Expire) => Some(Expired),
            _ => None,
        };
        next.ok_or(NotAllowed {
            from: self.as_str(),
            step,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const STEPS: [Happening; 7] = [
        Happening::Start,
        Happening::Submit,
        Happening::Decline,
        Happening::Paid,
        Happening::Fail,
        Happening::Cancel,
        Happening::Expire,
    ];

    #[test]
    fn the_usual_ways_through() {
        let paid = PaymentState::Created
            .after(Happening::Start)
            .and_then(|s| s.after(Happening::Submit))
            .and_then(|s| s.after(Happening::Paid));
        assert_eq!(paid, Ok(PaymentState::Success));
        assert_eq!(
            PaymentState::Created.after(Happening::Paid),
            Err(NotAllowed {
                from: "created",
                step: Happening::Paid
            }),
            "nothing is paid before it is started"
        );
        assert_eq!(
            PaymentState::Submitted.after(Happening::Expire),
            Ok(PaymentState::Expired)
        );
    }

    proptest! {
        /// Whatever happens, a finished payment stays as it is, and success is reached only
        /// through a start.
        #[test]
        fn finished_payments_never_move(steps in proptest::collection::vec(0usize..7, 0..20)) {
            let mut state = PaymentState::Created;
            let mut started = false;
            for i in steps {
                let step = STEPS[i];
                match state.after(step) {
                    Ok(next) => {
                        prop_assert!(!state.is_finished(), "{state:?} moved to {next:?}");
                        started |= next == PaymentState::Started;
                        if next == PaymentState::Success {
                            prop_assert!(started || state == PaymentState::Submitted);
                        }
                        state = next;
                    }
                    Err(e) => prop_assert_eq!(e.from, state.as_str()),
                }
            }
        }
    }
}
