//! A breach of personal data (theft, leak, tampering: PDPA art. 12 as amended in 2025) and the
//! duties it brings, with their clocks. Pure rules; the register is `store::breaches` and the
//! use cases `accounts::breaches`.
//!
//! From the draft sub-regulations of January 2026 (`reference/taiwan.md` §4.3, not yet final,
//! so the hours are configurable):
//! - report to the authority within the reporting period (72 h by default) when the breach
//!   touches special-category data, more than 100 records, or a system holding 10,000 or more;
//! - notify each person affected within the same period; a public notice may stand in only if
//!   the data was encrypted and unreadable;
//! - contain it at once (no deadline can be set on "at once": it is shown as open until done);
//! - keep the record at least 5 years.

/// Records above which a breach must be reported.
pub const REPORT_ABOVE_RECORDS: u64 = 100;
/// A system holding this many records or more makes any breach of it reportable.
pub const REPORT_SYSTEM_RECORDS: u64 = 10_000;
/// Days a breach record is kept at least.
pub const KEEP_DAYS: i64 = 5 * 365 + 1;

/// What the officer knows of a breach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Breach {
    pub id: String,
    /// When the city learned of it: the clocks start here.
    pub discovered_at: i64,
    pub summary: String,
    /// Data categories touched (`data-category-<key>`).
    pub data: Vec<String>,
    pub records: u64,
    /// Records the affected system holds.
    pub system_records: u64,
    /// Medical, genetic, sex life, health exams or criminal records (PDPA art. 6).
    pub special: bool,
    /// The data was encrypted and unreadable to whoever took it.
    pub encrypted: bool,
    pub contained_at: Option<i64>,
    pub subjects_notified_at: Option<i64>,
    /// How the people were told: `individually` or `public_notice`.
    pub notified_how: Option<String>,
    pub authority_reported_at: Option<i64>,
    pub closed_at: Option<i64>,
}

/// A duty a breach brings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    Contain,
    NotifySubjects,
    ReportToAuthority,
}

impl Duty {
    pub fn as_str(self) -> &'static str {
        match self {
            Duty::Contain => "contain",
            Duty::NotifySubjects => "notify_subjects",
            Duty::ReportToAuthority => "report_to_authority",
        }
    }
}

/// Where a duty stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DutyState {
    Done { at: i64, late: bool },
    Open { due: Option<i64>, overdue: bool },
}

/// Whether a breach must be reported to the authority.
pub fn reportable(b: &Breach) -> bool {
    b.special || b.records > REPORT_ABOVE_RECORDS || b.system_records >= REPORT_SYSTEM_RECORDS
}

/// Whether a public notice may stand in for telling each person.
pub fn public_notice_allowed(b: &Breach) -> bool {
    b.encrypted
}

/// The duties a breach brings and where each stands at `now`, with `report_hours` as the
/// period for telling people and the authority.
pub fn duties(b: &Breach, report_hours: u32, now: i64) -> Vec<(Duty, DutyState)> {
    let due = b.discovered_at + i64::from(report_hours) * 3600;
    let state = |done: Option<i64>, due: Option<i64>| match done {
        Some(at) => DutyState::Done {
            at,
            late: due.is_some_and(|d| at > d),
        },
        None => DutyState::Open {
            due,
            overdue: due.is_some_and(|d| now > d),
        },
    };
    let mut out = vec![
        (Duty::Contain, state(b.contained_at, None)),
        (
            Duty::NotifySubjects,
            state(b.subjects_notified_at, Some(due)),
        ),
    ];
    if reportable(b) {
        out.push((
            Duty::ReportToAuthority,
            state(b.authority_reported_at, Some(due)),
        ));
    }
    out
}

/// Why recording that the people were told `how` is refused, if it is.
pub fn check_notice(b: &Breach, how: &str) -> Result<(), &'static str> {
    match how {
        "individually" => Ok(()),
        "public_notice" if public_notice_allowed(b) => Ok(()),
        "public_notice" => Err("error-breach-public-notice"),
        _ => Err("error-breach-notice-how"),
    }
}

/// Whether the breach may be closed: every duty done.
pub fn may_close(b: &Breach, report_hours: u32, now: i64) -> bool {
    duties(b, report_hours, now)
        .iter()
        .all(|(_, s)| matches!(s, DutyState::Done { .. }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn breach(records: u64, system: u64, special: bool) -> Breach {
        Breach {
            id: "b".into(),
            discovered_at: 1_000_000,
            summary: "a laptop lost".into(),
            data: vec!["contact".into()],
            records,
            system_records: system,
            special,
            encrypted: false,
            contained_at: None,
            subjects_notified_at: None,
            notified_how: None,
            authority_reported_at: None,
            closed_at: None,
        }
    }

    #[test]
    fn the_draft_thresholds_decide_the_report() {
        assert!(!reportable(&breach(100, 9_999, false)));
        assert!(reportable(&breach(101, 0, false)));
        assert!(reportable(&breach(1, 10_000, false)));
        assert!(reportable(&breach(1, 0, true)));
    }

    #[test]
    fn a_public_notice_needs_encrypted_data() {
        let mut b = breach(5, 0, false);
        assert_eq!(
            check_notice(&b, "public_notice"),
            Err("error-breach-public-notice")
        );
        assert!(check_notice(&b, "individually").is_ok());
        b.encrypted = true;
        assert!(check_notice(&b, "public_notice").is_ok());
        assert_eq!(
            check_notice(&b, "carrier pigeon"),
            Err("error-breach-notice-how")
        );
    }

    #[test]
    fn clocks_run_from_discovery_and_late_is_remembered() {
        let mut b = breach(500, 0, false);
        let d = duties(&b, 72, b.discovered_at + 73 * 3600);
        assert_eq!(d.len(), 3);
        assert_eq!(
            d[1].1,
            DutyState::Open {
                due: Some(b.discovered_at + 72 * 3600),
                overdue: true
            }
        );
        b.subjects_notified_at = Some(b.discovered_at + 80 * 3600);
        let d = duties(&b, 72, b.discovered_at + 90 * 3600);
        assert!(matches!(d[1].1, DutyState::Done { late: true, .. }));
        assert!(!may_close(&b, 72, b.discovered_at + 90 * 3600));
    }

    proptest! {
        /// A breach closes exactly when every duty it brings is done; the report is among
        /// them exactly when the breach is reportable.
        #[test]
        fn closing_needs_every_duty_done(
            records in 0u64..300,
            system in 0u64..20_000,
            special in any::<bool>(),
            contained in any::<bool>(),
            notified in any::<bool>(),
            reported in any::<bool>(),
            hours in 1u32..200,
        ) {
            let mut b = breach(records, system, special);
            let t = b.discovered_at + 3600;
            b.contained_at = contained.then_some(t);
            b.subjects_notified_at = notified.then_some(t);
            b.authority_reported_at = reported.then_some(t);
            let all = contained && notified && (reported || !reportable(&b));
            prop_assert_eq!(may_close(&b, hours, t), all);
            let has_report = duties(&b, hours, t).iter().any(|(d, _)| *d == Duty::ReportToAuthority);
            prop_assert_eq!(has_report, reportable(&b));
        }
    }
}
