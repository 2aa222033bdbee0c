//! The supervisor's statistics (督導統計): the backlog of open cases by department and
//! category, how long they have been open, SLA compliance of resolved cases, the overdue and
//! at-risk lists, and citizen satisfaction. Each is one aggregate query (`crate::store::reports`);
//! the rules of what counts are in `crate::domain::reports`.
//!
//! Every statistic goes through a [`ReportScope`], which only [`CasesApp::report_scope`]
//! makes: it checks `ViewReports` and narrows the statistics to the departments the actor's
//! grants reach (a dispatcher sees their own department, a supervisor the jurisdiction). The
//! period is a range of local dates, both inclusive, compared with when a case was received
//! (backlog, ageing, lists), resolved (SLA compliance) or rated (satisfaction).

use crate::authz::{Actor, forbidden};
use crate::domain::lifecycle::CaseStatus;
use crate::domain::reports::{AgeBucket, Compliance, Ratings, age_days};
use crate::domain::sla::ClockCalendar;
use crate::store::reports::{self as q, ListedCase, ReportFilter, Watch};
use crate::{CasesApp, Result, ServiceError};
use domain::Message;
use domain::category::Urgency;
use std::collections::BTreeMap;
use time::Date;
use time::macros::format_description;

/// Most cases an overdue or at-risk list returns (a CSV export; the API pages at 500).
pub const MAX_LIST: u64 = 10_000;

/// What a statistics request asks for, as typed into a form or a query string. Blank values
/// count as absent.
#[derive(Debug, Clone, Default)]
pub struct ReportRequest {
    /// The first local date (`YYYY-MM-DD`), inclusive.
    pub from: Option<String>,
    /// The last local date (`YYYY-MM-DD`), inclusive.
    pub until: Option<String>,
    /// One department's code.
    pub department: Option<String>,
}

/// A checked statistics request. Only [`CasesApp::report_scope`] makes one, so holding it
/// means the permission was checked.
#[derive(Debug, Clone)]
pub struct ReportScope {
    pub jurisdiction_id: String,
    pub from: Option<Date>,
    pub until: Option<Date>,
    /// The department asked for, if any.
    pub department: Option<String>,
    /// The departments covered: `None` for the whole jurisdiction.
    pub departments: Option<Vec<String>>,
    /// The instant ages and due dates are measured at.
    pub now: i64,
    filter: ReportFilter,
}

/// Open cases by department and by category, largest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Backlog {
    pub total: i64,
    pub by_department: Vec<(Option<String>, i64)>,
    pub by_category: Vec<(String, i64)>,
    /// By district code; `None` for cases whose district is not known.
    pub by_district: Vec<(Option<String>, i64)>,
    /// By village (里), for the cases whose point lies in one of the jurisdiction's villages:
    /// the boundaries' village id and count, largest first. Empty where the jurisdiction has
    /// no boundaries.
    pub by_village: Vec<(String, i64)>,
    /// How many of the open cases have a point (the rest are placed by district only).
    pub located: i64,
}

/// Resolved cases and how many on time: overall, by department and by category, lowest
/// share first (the ones to look at).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SlaReport {
    pub overall: Compliance,
    pub by_department: Vec<(Option<String>, Compliance)>,
    pub by_category: Vec<(String, Compliance)>,
}

/// An open case on the overdue or at-risk list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedCase {
    pub case: ListedCase,
    /// Whole calendar days since it was received.
    pub age_days: i64,
    /// The calendar its due dates were counted on (its SLA policy's).
    pub calendar: ClockCalendar,
}

/// One of the supervision lists: the first cases and how many there are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseList {
    pub total: i64,
    pub cases: Vec<WatchedCase>,
}

/// Survey answers: overall and by department, most answered first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Satisfaction {
    pub overall: Ratings,
    pub by_department: Vec<(Option<String>, Ratings)>,
}

fn statuses(final_: bool) -> Vec<String> {
    CaseStatus::ALL
        .iter()
        .filter(|s| s.is_final() == final_)
        .map(|s| s.as_str().to_string())
        .collect()
}

fn resolved_statuses() -> Vec<String> {
    [CaseStatus::Resolved, CaseStatus::Closed]
        .iter()
        .map(|s| s.as_str().to_string())
        .collect()
}

fn blank_to_none(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn parse_date(value: Option<&str>, field: &str, errors: &mut Vec<Message>) -> Option<Date> {
    let value = value?;
    match Date::parse(value, format_description!("[year]-[month]-[day]")) {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(
                Message::new("error-report-date-invalid")
                    .arg("field", field)
                    .arg("value", value),
            );
            None
        }
    }
}

/// Orders groups by a key, largest first, then by code (cases without a department last).
fn largest_first<K: Ord + Clone, V>(map: BTreeMap<K, V>, size: impl Fn(&V) -> i64) -> Vec<(K, V)> {
    let mut v: Vec<(K, V)> = map.into_iter().collect();
    v.sort_by(|a, b| size(&b.1).cmp(&size(&a.1)).then_with(|| a.0.cmp(&b.0)));
    v
}

/// Department keys sort with `None` (no department yet) after every code.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct DeptKey(bool, String);

fn dept_key(code: &Option<String>) -> DeptKey {
    DeptKey(code.is_none(), code.clone().unwrap_or_default())
}

fn dept_of(key: DeptKey) -> Option<String> {
    (!key.0).then_some(key.1)
}

fn lowest_share_first<K: Ord>(map: BTreeMap<K, Compliance>) -> Vec<(K, Compliance)> {
    let mut v: Vec<(K, Compliance)> = map.into_iter().collect();
    v.sort_by(|a, b| {
        a.1.permille()
            .cmp(&b.1.permille())
            .then_with(|| b.1.resolved.cmp(&a.1.resolved))
            .then_with(|| a.0.cmp(&b.0))
    });
    v
}

impl CasesApp {
    /// Checks that `actor` may see statistics and what they cover, and validates the period
    /// and the department. A department outside the actor's grants is Forbidden.
    pub async fn report_scope(&self, actor: &Actor, req: &ReportRequest) -> Result<ReportScope> {
        let department = blank_to_none(&req.department).map(str::to_string);
        let departments = match (
            actor.departments_for(crate::permissions::VIEW_REPORTS),
            &department,
        ) {
            (None, Some(d)) => Some(vec![d.clone()]),
            (None, None) => None,
            (Some(mine), Some(d)) if mine.contains(d) => Some(vec![d.clone()]),
            (Some(mine), None) if !mine.is_empty() => Some(mine),
            _ => return Err(forbidden()),
        };
        let j = self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        // In the order of the form: the period, then the department.
        let mut errors = Vec::new();
        let from = parse_date(blank_to_none(&req.from), "from", &mut errors);
        let until = parse_date(blank_to_none(&req.until), "until", &mut errors);
        if let (Some(f), Some(u)) = (from, until)
            && f > u
        {
            errors.push(Message::new("error-date-order").arg("field", "until"));
        }
        if let Some(d) = &department
            && !self
                .platform
                .departments(&j)
                .await?
                .iter()
                .any(|x| &x.code == d)
        {
            errors.push(
                Message::new("error-department-unknown")
                    .arg("field", "department")
                    .arg("department", d.clone()),
            );
        }
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let offset = i64::from(j.utc_offset_minutes) * 60;
        let local_midnight = |d: Date| d.midnight().assume_utc().unix_timestamp() - offset;
        let filter = ReportFilter {
            departments: departments.clone(),
            from: from.map(local_midnight),
            until: until.map(|d| local_midnight(d) + crate::domain::reports::DAY_SECONDS),
        };
        Ok(ReportScope {
            jurisdiction_id: j.id,
            from,
            until,
            department,
            departments,
            now: self.now(),
            filter,
        })
    }

    /// Open cases received in the period, by department and by category.
    pub async fn report_backlog(&self, s: &ReportScope) -> Result<Backlog> {
        let rows = q::backlog(&self.db, &s.jurisdiction_id, &statuses(false), &s.filter).await?;
        let mut by_department: BTreeMap<DeptKey, i64> = BTreeMap::new();
        let mut by_category: BTreeMap<String, i64> = BTreeMap::new();
        let mut by_district: BTreeMap<Option<String>, i64> = BTreeMap::new();
        for r in &rows {
            *by_district.entry(r.district_code.clone()).or_default() += r.count;
            *by_department
                .entry(dept_key(&r.department_code))
                .or_default() += r.count;
            *by_category.entry(r.category_code.clone()).or_default() += r.count;
        }
        let (by_village, located) = self.backlog_by_village(s).await?;
        Ok(Backlog {
            by_village,
            located,
            total: rows.iter().map(|r| r.count).sum(),
            by_department: largest_first(by_department, |n| *n)
                .into_iter()
                .map(|(k, n)| (dept_of(k), n))
                .collect(),
            by_category: largest_first(by_category, |n| *n),
            by_district: largest_first(by_district, |n| *n),
        })
    }

    /// The open cases with a point, by the village it lies in (point in polygon against the
    /// jurisdiction's boundaries), and how many have a point.
    async fn backlog_by_village(&self, s: &ReportScope) -> Result<(Vec<(String, i64)>, i64)> {
        let Some(boundaries) = self.platform.config().maps.boundaries(&s.jurisdiction_id) else {
            return Ok((Vec::new(), 0));
        };
        let points =
            q::open_points(&self.db, &s.jurisdiction_id, &statuses(false), &s.filter).await?;
        let mut by_village: BTreeMap<String, i64> = BTreeMap::new();
        for (lat, lon) in &points {
            let place = domain::geo::Point::new(*lat, *lon)
                .ok()
                .and_then(|p| boundaries.locate(p));
            if let Some(village) = place.and_then(|p| p.village_id) {
                *by_village.entry(village).or_default() += 1;
            }
        }
        let located = i64::try_from(points.len()).unwrap_or(i64::MAX);
        Ok((largest_first(by_village, |n| *n), located))
    }

    /// Open cases received in the period by how long they have been open (calendar days),
    /// every bucket in order, empty ones included.
    pub async fn report_ageing(&self, s: &ReportScope) -> Result<Vec<(AgeBucket, i64)>> {
        let thresholds = AgeBucket::received_after(s.now);
        let cutoffs: Vec<i64> = thresholds.iter().map(|(_, t)| *t).collect();
        let rows = q::ageing(
            &self.db,
            &s.jurisdiction_id,
            &statuses(false),
            &s.filter,
            &cutoffs,
        )
        .await?;
        Ok(AgeBucket::ALL
            .iter()
            .enumerate()
            .map(|(i, b)| {
                let n = rows
                    .iter()
                    .filter(|(bucket, _)| *bucket == i as i64)
                    .map(|(_, n)| n)
                    .sum();
                (*b, n)
            })
            .collect())
    }

    /// Cases resolved in the period that had a resolution due date, and how many were
    /// resolved by it.
    pub async fn report_sla(&self, s: &ReportScope) -> Result<SlaReport> {
        let rows = q::compliance(
            &self.db,
            &s.jurisdiction_id,
            &resolved_statuses(),
            &s.filter,
        )
        .await?;
        let mut overall = Compliance::default();
        let mut by_department: BTreeMap<DeptKey, Compliance> = BTreeMap::new();
        let mut by_category: BTreeMap<String, Compliance> = BTreeMap::new();
        for r in &rows {
            let c = Compliance::new(r.resolved, r.on_time);
            overall += c;
            *by_department
                .entry(dept_key(&r.department_code))
                .or_default() += c;
            *by_category.entry(r.category_code.clone()).or_default() += c;
        }
        Ok(SlaReport {
            overall,
            by_department: lowest_share_first(by_department)
                .into_iter()
                .map(|(k, c)| (dept_of(k), c))
                .collect(),
            by_category: lowest_share_first(by_category),
        })
    }

    /// Open cases received in the period and past their resolution due date, most overdue
    /// first.
    pub async fn report_overdue(&self, s: &ReportScope, limit: u64) -> Result<CaseList> {
        self.watch_list(s, Watch::Overdue { now: s.now }, limit)
            .await
    }

    /// Open cases received in the period, not yet overdue, that SLA supervision flagged: a
    /// clock close to its due date, or a missed acknowledgement or first response.
    pub async fn report_at_risk(&self, s: &ReportScope, limit: u64) -> Result<CaseList> {
        self.watch_list(s, Watch::AtRisk { now: s.now }, limit)
            .await
    }

    async fn watch_list(&self, s: &ReportScope, watch: Watch, limit: u64) -> Result<CaseList> {
        let (cases, total) = q::watch_list(
            &self.db,
            &s.jurisdiction_id,
            &statuses(false),
            &s.filter,
            watch,
            limit.clamp(1, MAX_LIST),
        )
        .await?;
        let j = self.platform.jurisdiction(&s.jurisdiction_id).await?;
        let snapshot = self.platform.snapshot_of(&j).await?;
        Ok(CaseList {
            total,
            cases: cases
                .into_iter()
                .map(|case| {
                    let urgency = Urgency::parse(&case.urgency).unwrap_or(Urgency::P4);
                    WatchedCase {
                        age_days: age_days(case.requested_at, s.now),
                        calendar: crate::casework::sla::policy_of(
                            &snapshot,
                            &case.category_code,
                            urgency,
                        )
                        .clock_calendar(),
                        case,
                    }
                })
                .collect(),
        })
    }

    /// Surveys answered in the period: how many, the average and each score's count.
    pub async fn report_satisfaction(&self, s: &ReportScope) -> Result<Satisfaction> {
        let rows = q::ratings(&self.db, &s.jurisdiction_id, &s.filter).await?;
        let mut overall = Ratings::default();
        let mut by_department: BTreeMap<DeptKey, Ratings> = BTreeMap::new();
        for r in &rows {
            if overall.add(r.score, r.count) {
                by_department
                    .entry(dept_key(&r.department_code))
                    .or_default()
                    .add(r.score, r.count);
            }
        }
        Ok(Satisfaction {
            overall,
            by_department: largest_first(by_department, Ratings::count)
                .into_iter()
                .map(|(k, r)| (dept_of(k), r))
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_sort_largest_first_with_no_department_last() {
        let mut m = BTreeMap::new();
        m.insert(dept_key(&None), 5);
        m.insert(dept_key(&Some("B".into())), 5);
        m.insert(dept_key(&Some("A".into())), 2);
        m.insert(dept_key(&Some("C".into())), 9);
        let order: Vec<Option<String>> = largest_first(m, |n| *n)
            .into_iter()
            .map(|(k, _)| dept_of(k))
            .collect();
        assert_eq!(
            order,
            [Some("C".into()), Some("B".into()), None, Some("A".into())]
        );
    }

    #[test]
    fn compliance_lists_the_worst_first_and_unknown_shares_before_all() {
        let mut m = BTreeMap::new();
        m.insert("good", Compliance::new(10, 10));
        m.insert("bad", Compliance::new(10, 2));
        m.insert("none", Compliance::new(0, 0));
        let order: Vec<&str> = lowest_share_first(m).into_iter().map(|(k, _)| k).collect();
        assert_eq!(order, ["none", "bad", "good"]);
    }

    #[test]
    fn dates_are_checked_and_blank_means_absent() {
        let mut errors = Vec::new();
        assert_eq!(blank_to_none(&Some("  ".into())), None);
        assert!(parse_date(Some("2026-02-30"), "from", &mut errors).is_none());
        assert!(parse_date(Some("115/01/01"), "until", &mut errors).is_none());
        assert_eq!(
            parse_date(Some("2026-02-28"), "from", &mut errors).map(|d| d.to_string()),
            Some("2026-02-28".into())
        );
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].id, "error-report-date-invalid");
    }
}
