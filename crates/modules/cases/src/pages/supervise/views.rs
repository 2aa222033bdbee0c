//! The statistics as people read them: names instead of codes, shares and averages written
//! out, ages in days. The same rows make the page's tables and the CSV files, so the two
//! never disagree.

use super::csv::{Csv, Field};
use crate::domain::reports::{AgeBucket, Compliance, Ratings, format_hundredths, format_permille};
use crate::doors::CasesState;
use crate::reports::{ReportScope, WatchedCase};
use domain::Locale;
use platform::authz::Actor;
use std::collections::HashMap;
use webkit::page::PageError;

/// Most cases a CSV list holds.
const LIST_IN_CSV: u64 = crate::reports::MAX_LIST;

/// A count with thousands separated by commas (`11,500`), as both languages write it here.
pub fn num(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

pub fn tr(locale: Locale, id: &str, args: &[(&str, String)]) -> String {
    webkit::i18n::tr(locale, id, args)
}

/// Department and category names in the viewer's language.
pub struct Names {
    departments: Vec<(String, String)>,
    categories: HashMap<String, String>,
    no_department: String,
    pub utc_offset_minutes: i32,
}

impl Names {
    pub async fn load(
        state: &CasesState,
        actor: &Actor,
        locale: Locale,
    ) -> Result<Names, PageError> {
        let fail = |e| PageError::service(e, locale);
        let j = state
            .platform
            .jurisdiction(&actor.jurisdiction_id)
            .await
            .map_err(fail)?;
        let departments = state
            .platform
            .departments(&j)
            .await
            .map_err(fail)?
            .into_iter()
            .map(|d| (d.code, d.name.get(locale).to_string()))
            .collect();
        let categories = state
            .platform
            .services(&j, None)
            .await
            .map_err(fail)?
            .categories
            .into_iter()
            .map(|c| (c.code, c.name.get(locale).to_string()))
            .collect();
        Ok(Names {
            departments,
            categories,
            no_department: tr(locale, "supervise-no-department", &[]),
            utc_offset_minutes: j.utc_offset_minutes,
        })
    }

    pub fn department(&self, code: &Option<String>) -> String {
        match code {
            None => self.no_department.clone(),
            Some(c) => self
                .departments
                .iter()
                .find(|(d, _)| d == c)
                .map_or_else(|| c.clone(), |(_, n)| n.clone()),
        }
    }

    pub fn category(&self, code: &str) -> String {
        self.categories
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_string())
    }

    /// The departments the actor's statistics may be narrowed to, in catalogue order.
    pub fn reachable(&self, actor: &Actor) -> Vec<(String, String)> {
        match actor.departments_for(crate::permissions::VIEW_REPORTS) {
            None => self.departments.clone(),
            Some(mine) => self
                .departments
                .iter()
                .filter(|(code, _)| mine.contains(code))
                .cloned()
                .collect(),
        }
    }
}

/// A named count: open cases of a department, category or age group, or answers of a score.
pub struct CountRow {
    pub code: String,
    pub name: String,
    pub count: i64,
}

/// SLA compliance of a department or category.
pub struct ShareRow {
    pub name: String,
    pub resolved: i64,
    pub on_time: i64,
    /// `87.5%`, or `—` when nothing was resolved.
    pub rate: String,
}

/// A case on the overdue or at-risk list.
pub struct CaseRow {
    pub number: String,
    pub category_code: String,
    pub category: String,
    pub department_code: String,
    pub department: String,
    pub status_label: String,
    pub requested_at: i64,
    pub due: Option<i64>,
    /// The calendar the due date was counted on, in words.
    pub calendar: String,
    pub age_days: i64,
    /// Whole days past the resolution due date (0 when not past).
    pub overdue_days: i64,
    /// The SLA state in words and the tag's class (`danger`, `warn`, `info`).
    pub sla_label: String,
    pub sla_class: &'static str,
}

/// Survey answers about one department's cases.
pub struct RatingRow {
    pub name: String,
    pub count: i64,
    pub average: String,
    pub counts: [i64; 5],
}

pub fn rate(c: Compliance) -> String {
    c.permille()
        .map_or_else(|| "—".to_string(), |p| format!("{}%", format_permille(p)))
}

pub fn average(r: &Ratings) -> String {
    r.average_hundredths()
        .map_or_else(|| "—".to_string(), format_hundredths)
}

pub fn department_counts(names: &Names, rows: &[(Option<String>, i64)]) -> Vec<CountRow> {
    rows.iter()
        .map(|(code, count)| CountRow {
            code: code.clone().unwrap_or_default(),
            name: names.department(code),
            count: *count,
        })
        .collect()
}

pub fn category_counts(names: &Names, rows: &[(String, i64)]) -> Vec<CountRow> {
    rows.iter()
        .map(|(code, count)| CountRow {
            code: code.clone(),
            name: names.category(code),
            count: *count,
        })
        .collect()
}

pub fn ageing_rows(locale: Locale, rows: &[(AgeBucket, i64)]) -> Vec<CountRow> {
    rows.iter()
        .map(|(b, count)| CountRow {
            code: b.as_str().to_string(),
            name: tr(locale, &format!("report-age-{}", b.as_str()), &[]),
            count: *count,
        })
        .collect()
}

fn share(name: String, c: Compliance) -> ShareRow {
    ShareRow {
        name,
        resolved: c.resolved,
        on_time: c.on_time,
        rate: rate(c),
    }
}

pub fn department_shares(names: &Names, rows: &[(Option<String>, Compliance)]) -> Vec<ShareRow> {
    rows.iter()
        .map(|(code, c)| share(names.department(code), *c))
        .collect()
}

pub fn category_shares(names: &Names, rows: &[(String, Compliance)]) -> Vec<ShareRow> {
    rows.iter()
        .map(|(code, c)| share(names.category(code), *c))
        .collect()
}

/// Answers by score, highest first (as the survey lists them, best at the top of a chart).
pub fn distribution_rows(locale: Locale, r: &Ratings) -> Vec<CountRow> {
    (1..=5)
        .rev()
        .map(|score: i64| CountRow {
            code: score.to_string(),
            name: format!(
                "{score} {}",
                tr(locale, &format!("survey-score-{score}"), &[])
            ),
            count: r.counts[(score - 1) as usize],
        })
        .collect()
}

pub fn rating_rows(names: &Names, rows: &[(Option<String>, Ratings)]) -> Vec<RatingRow> {
    rows.iter()
        .map(|(code, r)| RatingRow {
            name: names.department(code),
            count: r.count(),
            average: average(r),
            counts: r.counts,
        })
        .collect()
}

pub fn case_rows(locale: Locale, names: &Names, cases: &[WatchedCase], now: i64) -> Vec<CaseRow> {
    cases
        .iter()
        .map(|w| {
            let c = &w.case;
            let (sla_label, sla_class) = match c.sla_state.as_deref().unwrap_or_default() {
                "breached" => (tr(locale, "supervise-sla-breached", &[]), "danger"),
                "at_risk" => (tr(locale, "supervise-sla-at-risk", &[]), "warn"),
                "" => (String::new(), "info"),
                other => (tr(locale, &format!("sla-status-{other}"), &[]), "info"),
            };
            CaseRow {
                number: c.case_number.clone(),
                category_code: c.category_code.clone(),
                category: names.category(&c.category_code),
                department_code: c.department_code.clone().unwrap_or_default(),
                department: names.department(&c.department_code),
                status_label: tr(locale, &format!("case-status-{}", c.status), &[]),
                requested_at: c.requested_at,
                due: c.resolution_due_at,
                calendar: tr(
                    locale,
                    &format!("sla-calendar-{}", w.calendar.as_str()),
                    &[],
                ),
                age_days: w.age_days,
                overdue_days: c
                    .resolution_due_at
                    .map_or(0, |d| crate::domain::reports::age_days(d, now)),
                sla_label,
                sla_class,
            }
        })
        .collect()
}

/// The period in words.
pub fn period(locale: Locale, s: &ReportScope) -> String {
    let d = |x: time::Date| x.to_string();
    match (s.from, s.until) {
        (None, None) => tr(locale, "supervise-period-all", &[]),
        (Some(f), None) => tr(locale, "supervise-period-from", &[("from", d(f))]),
        (None, Some(u)) => tr(locale, "supervise-period-until", &[("until", d(u))]),
        (Some(f), Some(u)) => tr(
            locale,
            "supervise-period",
            &[("from", d(f)), ("until", d(u))],
        ),
    }
}

/// The sections that download as CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsvView {
    Backlog,
    Ageing,
    Sla,
    Overdue,
    AtRisk,
    Satisfaction,
}

impl CsvView {
    pub fn parse(name: &str) -> Option<CsvView> {
        Some(match name {
            "backlog" => CsvView::Backlog,
            "ageing" => CsvView::Ageing,
            "sla" => CsvView::Sla,
            "overdue" => CsvView::Overdue,
            "at-risk" => CsvView::AtRisk,
            "satisfaction" => CsvView::Satisfaction,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CsvView::Backlog => "backlog",
            CsvView::Ageing => "ageing",
            CsvView::Sla => "sla",
            CsvView::Overdue => "overdue",
            CsvView::AtRisk => "at-risk",
            CsvView::Satisfaction => "satisfaction",
        }
    }
}

/// A local date and time for a spreadsheet (`2026-11-24 09:30`).
fn local_time(unix: i64, offset_minutes: i32) -> String {
    domain::datetime::format_local_minute(unix, offset_minutes)
}

/// One section of the dashboard as CSV, with headers in the viewer's language and codes
/// beside names, so the file can be both read and joined with other data.
pub async fn csv(
    state: &CasesState,
    locale: Locale,
    names: &Names,
    s: &ReportScope,
    view: CsvView,
) -> platform::Result<Csv> {
    let h = |id: &str| tr(locale, id, &[]);
    let mut out = Csv::new();
    match view {
        CsvView::Backlog => {
            let b = state.cases.report_backlog(s).await?;
            out.header([
                h("supervise-csv-breakdown"),
                h("supervise-csv-code"),
                h("supervise-csv-name"),
                h("supervise-open-cases"),
            ]);
            for r in department_counts(names, &b.by_department) {
                out.row([
                    h("case-department").into(),
                    r.code.into(),
                    r.name.into(),
                    r.count.into(),
                ]);
            }
            for r in category_counts(names, &b.by_category) {
                out.row([
                    h("case-category").into(),
                    r.code.into(),
                    r.name.into(),
                    r.count.into(),
                ]);
            }
        }
        CsvView::Ageing => {
            let rows = state.cases.report_ageing(s).await?;
            out.header([
                h("supervise-csv-code"),
                h("supervise-age"),
                h("supervise-csv-from-days"),
                h("supervise-csv-until-days"),
                h("supervise-open-cases"),
            ]);
            for (b, r) in rows.iter().zip(ageing_rows(locale, &rows)) {
                out.row([
                    r.code.into(),
                    r.name.into(),
                    b.0.from_days().into(),
                    b.0.until_days().into(),
                    r.count.into(),
                ]);
            }
        }
        CsvView::Sla => {
            let r = state.cases.report_sla(s).await?;
            out.header([
                h("supervise-csv-breakdown"),
                h("supervise-csv-code"),
                h("supervise-csv-name"),
                h("supervise-resolved"),
                h("supervise-on-time"),
                h("supervise-csv-percent"),
            ]);
            let percent = |c: Compliance| {
                c.permille()
                    .map_or(Field::Empty, |p| Field::Decimal(format_permille(p)))
            };
            out.row([
                h("supervise-csv-overall").into(),
                Field::Empty,
                Field::Empty,
                r.overall.resolved.into(),
                r.overall.on_time.into(),
                percent(r.overall),
            ]);
            for (code, c) in &r.by_department {
                out.row([
                    h("case-department").into(),
                    code.clone().into(),
                    names.department(code).into(),
                    c.resolved.into(),
                    c.on_time.into(),
                    percent(*c),
                ]);
            }
            for (code, c) in &r.by_category {
                out.row([
                    h("case-category").into(),
                    code.clone().into(),
                    names.category(code).into(),
                    c.resolved.into(),
                    c.on_time.into(),
                    percent(*c),
                ]);
            }
        }
        CsvView::Overdue | CsvView::AtRisk => {
            let list = if view == CsvView::Overdue {
                state.cases.report_overdue(s, LIST_IN_CSV).await?
            } else {
                state.cases.report_at_risk(s, LIST_IN_CSV).await?
            };
            out.header([
                h("case-number"),
                h("supervise-csv-category-code"),
                h("case-category"),
                h("supervise-csv-department-code"),
                h("case-department"),
                h("case-status"),
                h("supervise-sla-state"),
                h("case-requested"),
                h("supervise-due"),
                h("supervise-age-days"),
                h("admin-col-sla-calendar"),
            ]);
            let offset = names.utc_offset_minutes;
            for r in case_rows(locale, names, &list.cases, s.now) {
                out.row([
                    r.number.into(),
                    r.category_code.into(),
                    r.category.into(),
                    r.department_code.into(),
                    r.department.into(),
                    r.status_label.into(),
                    r.sla_label.into(),
                    local_time(r.requested_at, offset).into(),
                    r.due.map(|d| local_time(d, offset)).into(),
                    r.age_days.into(),
                    r.calendar.into(),
                ]);
            }
        }
        CsvView::Satisfaction => {
            let r = state.cases.report_satisfaction(s).await?;
            let score = |n: i64| {
                tr(
                    locale,
                    "supervise-csv-score-count",
                    &[("score", n.to_string())],
                )
            };
            out.header([
                h("supervise-csv-breakdown"),
                h("supervise-csv-code"),
                h("supervise-csv-name"),
                h("supervise-answers"),
                h("supervise-average"),
                score(1),
                score(2),
                score(3),
                score(4),
                score(5),
            ]);
            let avg = |r: &Ratings| {
                r.average_hundredths()
                    .map_or(Field::Empty, |a| Field::Decimal(format_hundredths(a)))
            };
            let mut row = |kind: String, code: Field, name: Field, r: &Ratings| {
                let mut fields = vec![kind.into(), code, name, r.count().into(), avg(r)];
                fields.extend(r.counts.iter().map(|n| Field::Number(*n)));
                out.row(fields);
            };
            row(
                h("supervise-csv-overall"),
                Field::Empty,
                Field::Empty,
                &r.overall,
            );
            for (code, ratings) in &r.by_department {
                row(
                    h("case-department"),
                    code.clone().into(),
                    names.department(code).into(),
                    ratings,
                );
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(super::num(0), "0");
        assert_eq!(super::num(999), "999");
        assert_eq!(super::num(11_500), "11,500");
        assert_eq!(super::num(1_612_530), "1,612,530");
        assert_eq!(super::num(-1_000), "-1,000");
    }
}
