//! Requests under the Personal Data Protection Act about the data the city holds on the person
//! asking (arts. 3, 10, 11, 13): to review it or have a copy, answered within 15 days; to
//! complete or correct it, delete it, or stop its collection, processing or use, answered within
//! 30 days. Each period may be extended once, by as much again, with the reason told to the
//! person (art. 13). Each is filed as a case in one of two confidential categories, and its
//! clock is the law's whatever the category's SLA says: 24×7 days from filing.

use crate::domain::sla::{ClockCalendar, DEFAULT_AT_RISK_PERCENT, Duration, SlaPolicy};
use domain::enums::string_enum;

/// The category of review and copy requests (15 days).
pub const REVIEW_CATEGORY: &str = domain::catalog::DATA_REQUEST_CATEGORIES[0];
/// The category of correction, deletion and stop requests (30 days).
pub const CHANGE_CATEGORY: &str = domain::catalog::DATA_REQUEST_CATEGORIES[1];

string_enum! {
    /// What a person asks about their data.
    Kind {
        Review = "review",
        Correct = "correct",
        Delete = "delete",
        Stop = "stop",
    }
}

impl Kind {
    /// The category the request is filed in.
    pub fn category(self) -> &'static str {
        match self {
            Kind::Review => REVIEW_CATEGORY,
            Kind::Correct | Kind::Delete | Kind::Stop => CHANGE_CATEGORY,
        }
    }
}

/// The days the law gives a request filed in `category`, if it is a personal-data request.
pub fn days_for(category: &str) -> Option<u32> {
    match category {
        REVIEW_CATEGORY => Some(15),
        CHANGE_CATEGORY => Some(30),
        _ => None,
    }
}

/// The clocks of a personal-data request: every clock counts calendar days from filing, and
/// the answer is due within the law's period. `None` for any other category.
pub fn policy(category: &str) -> Option<SlaPolicy> {
    let days = days_for(category)?;
    // Signed for within 3 days of 24 hours, so a request filed on a Friday evening is not
    // late by Saturday evening.
    Some(SlaPolicy {
        acknowledgement: Duration::WorkingDays(3),
        reassignment_acknowledgement: Duration::WorkingDays(3),
        first_response: Duration::WorkingDays(days),
        resolution: Duration::WorkingDays(days),
        at_risk_percent: DEFAULT_AT_RISK_PERCENT,
        calendar: Some(ClockCalendar::Continuous),
    })
}

/// Whether the deadline of a case in `category`, due at `due` (if its clock runs), may be
/// extended at `now`, given whether it already was: the message of the refusal if not. The law
/// has the extension told within the period, so a request already overdue is not extended.
pub fn may_extend(
    category: &str,
    already: bool,
    due: Option<i64>,
    now: i64,
) -> Result<(), &'static str> {
    match (days_for(category), already) {
        (None, _) => Err("error-extend-not-data-request"),
        (Some(_), true) => Err("error-extend-once"),
        (Some(_), false) if due.is_some_and(|d| now > d) => Err("error-extend-too-late"),
        (Some(_), false) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::sla::{TimelineEntry, TimelineKind, evaluate};
    use domain::calendar::BusinessCalendar;
    use proptest::prelude::*;

    const DAY: i64 = 86_400;

    #[test]
    fn only_personal_data_requests_have_the_laws_clock_and_extend_once() {
        assert_eq!(days_for(Kind::Review.category()), Some(15));
        assert_eq!(days_for(Kind::Delete.category()), Some(30));
        assert_eq!(days_for("1999-R01"), None);
        assert!(policy("1999-R01").is_none());
        assert_eq!(
            may_extend("1999-R01", false, None, 0),
            Err("error-extend-not-data-request")
        );
        assert_eq!(
            may_extend(CHANGE_CATEGORY, true, Some(10), 0),
            Err("error-extend-once")
        );
        assert!(may_extend(CHANGE_CATEGORY, false, Some(10), 10).is_ok());
        assert_eq!(
            may_extend(CHANGE_CATEGORY, false, Some(10), 11),
            Err("error-extend-too-late")
        );
    }

    proptest! {
        /// Filed at any moment, a request is due exactly 15 or 30 days later, holidays or not;
        /// an extension before the answer adds as much again.
        #[test]
        fn the_answer_is_due_within_the_laws_days(
            filed in 1_700_000_000i64..1_900_000_000,
            extended_after in 0i64..(15 * DAY),
            review in any::<bool>(),
        ) {
            let category = if review { REVIEW_CATEGORY } else { CHANGE_CATEGORY };
            let days = i64::from(days_for(category).unwrap());
            let policy = policy(category).unwrap();
            let calendar = BusinessCalendar::taiwan().unwrap();
            let mut timeline = vec![TimelineEntry::new(filed, TimelineKind::Received)];
            let state = evaluate(&policy, &calendar, &timeline, filed + 1);
            prop_assert_eq!(state.citizen_due, Some(filed + days * DAY));
            timeline.push(TimelineEntry::new(filed + extended_after, TimelineKind::Extended));
            let state = evaluate(&policy, &calendar, &timeline, filed + extended_after + 1);
            prop_assert_eq!(state.citizen_due, Some(filed + 2 * days * DAY));
        }
    }
}
