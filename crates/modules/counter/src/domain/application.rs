//! An application's lifecycle. [`transition`] is the only place that decides whether an
//! action on an application is legal; the app writes the state and its hash-chained event in
//! one transaction, guarded by the state it read, so two clerks approving at once cannot both
//! succeed.
//!
//! ```text
//! draft ─submit→ submitted ─start_review→ under_review ─approve→ approved ─issue→ ready_for_pickup ─pick_up→ picked_up
//!                                          │   ↑ correct                                │ to_counter (stays ready, at the counter)
//!                                          │ request_correction → needs_correction      └ expire → expired (returned)
//!                                          └ reject → rejected
//! withdraw: from draft (discarded), submitted, under_review, needs_correction or approved (not
//! once issued).
//! ```

use domain::Message;
use domain::enums::string_enum;

string_enum! {
    /// Where an application is. The i18n id is `counter-state-<text>`.
    State {
        Draft = "draft",
        Submitted = "submitted",
        UnderReview = "under_review",
        NeedsCorrection = "needs_correction",
        Approved = "approved",
        ReadyForPickup = "ready_for_pickup",
        PickedUp = "picked_up",
        Rejected = "rejected",
        Withdrawn = "withdrawn",
        Expired = "expired",
    }
}

string_enum! {
    /// What is done to an application. The i18n id is `counter-action-<text>`.
    Action {
        Submit = "submit",
        StartReview = "start_review",
        RequestCorrection = "request_correction",
        Correct = "correct",
        Approve = "approve",
        Reject = "reject",
        Issue = "issue",
        ToCounter = "to_counter",
        PickUp = "pick_up",
        Expire = "expire",
        Withdraw = "withdraw",
    }
}

string_enum! {
    /// Who may take an action.
    Role {
        /// The applicant (or their agent, for pickup).
        Applicant = "applicant",
        /// A counter clerk.
        Clerk = "clerk",
        /// A locker device at a Smart Desk.
        Device = "device",
        /// The module's own jobs (expiry).
        System = "system",
    }
}

impl State {
    /// An application in one of these states is over: nothing more happens to it.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            State::PickedUp | State::Rejected | State::Withdrawn | State::Expired
        )
    }

    /// Whether the review clock runs (it is paused while the applicant corrects).
    pub fn in_review(self) -> bool {
        matches!(
            self,
            State::Submitted | State::UnderReview | State::NeedsCorrection
        )
    }

    /// States a clerk's queue shows.
    pub const QUEUE: [State; 4] = [
        State::Submitted,
        State::UnderReview,
        State::NeedsCorrection,
        State::Approved,
    ];
}

/// An action refused, with the reason in the user's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub Message);

/// The state after `action` by `role` on an application in `from`, or why not.
pub fn transition(from: State, action: Action, role: Role) -> Result<State, Refused> {
    use Action as A;
    use Role as R;
    use State as S;
    let to = match (from, action, role) {
        (S::Draft, A::Submit, R::Applicant) => S::Submitted,
        (S::Submitted, A::StartReview, R::Clerk) => S::UnderReview,
        (S::Submitted | S::UnderReview, A::RequestCorrection, R::Clerk) => S::NeedsCorrection,
        (S::NeedsCorrection, A::Correct, R::Applicant) => S::UnderReview,
        (S::Submitted | S::UnderReview, A::Approve, R::Clerk) => S::Approved,
        (S::Submitted | S::UnderReview | S::NeedsCorrection, A::Reject, R::Clerk) => S::Rejected,
        (S::Approved, A::Issue, R::Clerk) => S::ReadyForPickup,
        (S::ReadyForPickup, A::ToCounter, R::System | R::Clerk) => S::ReadyForPickup,
        (S::ReadyForPickup, A::PickUp, R::Clerk | R::Device) => S::PickedUp,
        (S::ReadyForPickup, A::Expire, R::System | R::Clerk) => S::Expired,
        (
            S::Draft | S::Submitted | S::UnderReview | S::NeedsCorrection | S::Approved,
            A::Withdraw,
            R::Applicant,
        ) => S::Withdrawn,
        _ => {
            let id = if from.is_final() {
                "counter-error-application-over"
            } else if from == S::Draft {
                "counter-error-application-draft"
            } else {
                "counter-error-action-not-now"
            };
            return Err(Refused(
                Message::new(id)
                    .arg("state", from.as_str())
                    .arg("action", action.as_str()),
            ));
        }
    };
    Ok(to)
}

/// The actions a role may take from a state, for showing only the buttons that work.
pub fn allowed(from: State, role: Role) -> Vec<Action> {
    Action::ALL
        .iter()
        .copied()
        .filter(|a| transition(from, *a, role).is_ok())
        .collect()
}

/// An application number: the office's prefix, the local date and a sequence of the day
/// (`CSC-20261207-0042`), readable over the phone.
pub fn number(prefix: &str, local_date: time::Date, seq: u32) -> String {
    format!(
        "{}-{:04}{:02}{:02}-{:04}",
        prefix.to_ascii_uppercase(),
        local_date.year(),
        u8::from(local_date.month()),
        local_date.day(),
        seq
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_happy_path() {
        let mut s = State::Draft;
        for (a, r) in [
            (Action::Submit, Role::Applicant),
            (Action::StartReview, Role::Clerk),
            (Action::RequestCorrection, Role::Clerk),
            (Action::Correct, Role::Applicant),
            (Action::Approve, Role::Clerk),
            (Action::Issue, Role::Clerk),
            (Action::ToCounter, Role::System),
            (Action::PickUp, Role::Clerk),
        ] {
            s = transition(s, a, r).expect("legal");
        }
        assert_eq!(s, State::PickedUp);
    }

    #[test]
    fn citizens_cannot_do_clerks_work_nor_withdraw_once_issued() {
        assert!(transition(State::UnderReview, Action::Approve, Role::Applicant).is_err());
        assert!(transition(State::ReadyForPickup, Action::Withdraw, Role::Applicant).is_err());
        assert!(transition(State::Submitted, Action::PickUp, Role::Device).is_err());
        let e = transition(State::PickedUp, Action::PickUp, Role::Device).expect_err("over");
        assert_eq!(e.0.id, "counter-error-application-over");
    }

    proptest! {
        #[test]
        fn nothing_leaves_a_final_state(a in 0usize..11, r in 0usize..4) {
            for s in State::ALL.iter().filter(|s| s.is_final()) {
                prop_assert!(transition(*s, Action::ALL[a], Role::ALL[r]).is_err());
            }
        }

        #[test]
        fn only_the_applicant_submits_corrects_or_withdraws(s in 0usize..10, r in 0usize..4) {
            let (state, role) = (State::ALL[s], Role::ALL[r]);
            for a in [Action::Submit, Action::Correct, Action::Withdraw] {
                if transition(state, a, role).is_ok() {
                    prop_assert_eq!(role, Role::Applicant);
                }
            }
        }
    }

    #[test]
    fn numbers_read_over_the_phone() {
        let d = time::Date::from_calendar_date(2026, time::Month::December, 7).expect("date");
        assert_eq!(number("csc", d, 42), "CSC-20261207-0042");
    }
}
