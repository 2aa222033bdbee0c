//! SLA policies (per urgency, and a category's own) and the business calendar: holidays,
//! make-up working days and declared closures such as typhoon days. Saving either recomputes
//! the due dates of open cases (in the services).

use super::{Done, Fields, PageResult, done_message, failed, field_of, require};
use crate::casework::CalendarChange;
use crate::domain::sla::{ClockCalendar, Duration, SlaPolicy};
use crate::doors::CasesState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use domain::Message;
use domain::category::Urgency;
use identity::doors::Viewer;
use identity::doors::check_token;
use identity::doors::render;
use serde::Deserialize;
use store::case_config::CalendarRow;
use webkit::page::dates::{parse_ymd, ymd};
use webkit::page::forms::Errors;
use webkit::page::see_other;
use webkit::page::{Page, encode};

pub fn routes() -> Router<CasesState> {
    Router::new()
        .route("/admin/sla", get(policies))
        .route("/admin/sla/policy", get(policy_form).post(save_policy))
        .route("/admin/calendar", get(calendar).post(change_calendar))
}

/// The clocks of a policy, in the order shown.
pub const CLOCKS: [&str; 4] = [
    "acknowledgement",
    "reassignment_acknowledgement",
    "first_response",
    "resolution",
];

fn clock_of(p: &SlaPolicy, clock: &str) -> Duration {
    match clock {
        "acknowledgement" => p.acknowledgement,
        "reassignment_acknowledgement" => p.reassignment_acknowledgement,
        "first_response" => p.first_response,
        _ => p.resolution,
    }
}

/// A policy as a table row.
pub struct PolicyRow {
    pub scope: String,
    pub label: String,
    /// Set by an administrator (not the built-in default).
    pub custom: bool,
    pub clocks: Vec<String>,
    pub at_risk: u8,
    /// The calendar the clocks count on, as shown.
    pub calendar: String,
}

/// A budget as shown: working days and hours on a business calendar, plain days and hours on
/// a 24×7 one.
fn duration_text(v: &Viewer, d: Duration, calendar: ClockCalendar) -> String {
    let continuous = calendar == ClockCalendar::Continuous;
    let (id, n) = match (d, continuous) {
        (Duration::WorkingDays(n), false) => ("admin-sla-days", n),
        (Duration::WorkingHours(n), false) => ("admin-sla-hours", n),
        (Duration::WorkingDays(n), true) => ("admin-sla-days-24x7", n),
        (Duration::WorkingHours(n), true) => ("admin-sla-hours-24x7", n),
    };
    webkit::i18n::tr(v.locale, id, &[("n", n.to_string())])
}

fn row(v: &Viewer, scope: &str, label: String, policy: &SlaPolicy, custom: bool) -> PolicyRow {
    PolicyRow {
        scope: scope.to_string(),
        label,
        custom,
        clocks: CLOCKS
            .iter()
            .map(|c| duration_text(v, clock_of(policy, c), policy.clock_calendar()))
            .collect(),
        at_risk: policy.at_risk_percent,
        calendar: v.t(&format!(
            "sla-calendar-{}",
            policy.clock_calendar().as_str()
        )),
    }
}

#[derive(Template)]
#[template(path = "admin/sla.html")]
struct Policies {
    p: Page,
    urgencies: Vec<PolicyRow>,
    categories: Vec<PolicyRow>,
    /// Categories without their own policy, for the "set one" chooser.
    choices: Vec<(String, String)>,
}

impl Policies {
    fn clocks(&self) -> &'static [&'static str] {
        &CLOCKS
    }

    fn href(&self, scope: &str) -> String {
        policy_href(scope)
    }
}

async fn policies(State(state): State<CasesState>, v: Viewer, Query(q): Query<Done>) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_CASE_RULES)?;
    let stored = state.cases.sla_policies(actor).await.map_err(failed(&v))?;
    let all = state
        .platform
        .catalogue_categories(actor)
        .await
        .map_err(failed(&v))?;
    let urgencies = Urgency::ALL
        .iter()
        .map(|&u| {
            let found = stored.iter().find(|(s, _)| s == u.as_str());
            let policy = found.map_or_else(|| SlaPolicy::for_urgency(u), |(_, p)| *p);
            row(
                &v,
                u.as_str(),
                v.t(&format!("admin-urgency-{}", u.as_str())),
                &policy,
                found.is_some(),
            )
        })
        .collect();
    let categories = stored
        .iter()
        .filter(|(s, _)| Urgency::parse(s).is_none())
        .map(|(scope, policy)| {
            let label = all.iter().find(|c| &c.code == scope).map_or_else(
                || scope.clone(),
                |c| format!("{} ({scope})", c.name.get(v.locale)),
            );
            row(&v, scope, label, policy, true)
        })
        .collect();
    let choices = all
        .iter()
        .filter(|c| c.active && !stored.iter().any(|(s, _)| *s == c.code))
        .map(|c| {
            (
                c.code.clone(),
                format!("{} ({})", c.name.get(v.locale), c.code),
            )
        })
        .collect();
    let page = Policies {
        p: Page::new(&v, &state, "admin-sla", "admin")
            .with_status(done_message(&v, q.done.as_deref())),
        urgencies,
        categories,
        choices,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

/// One clock as entered: an amount and a unit (`days` or `hours`).
pub struct ClockInput {
    pub clock: &'static str,
    pub amount: String,
    pub unit: String,
}

#[derive(Template)]
#[template(path = "admin/sla_policy.html")]
struct PolicyPage {
    p: Page,
    scope: String,
    scope_label: String,
    clocks: Vec<ClockInput>,
    at_risk: String,
    /// The chosen calendar (`ClockCalendar` as text).
    calendar: String,
    errors: Errors,
}

impl PolicyPage {
    fn calendars(&self) -> &'static [ClockCalendar] {
        ClockCalendar::ALL
    }
}

#[derive(Deserialize)]
struct Scope {
    #[serde(default)]
    scope: String,
}

/// The label of a scope: an urgency, or a category's name (404 if it is neither).
async fn scope_label(state: &CasesState, v: &Viewer, scope: &str) -> Result<String, super::Stop> {
    if Urgency::parse(scope).is_some() {
        return Ok(v.t(&format!("admin-urgency-{scope}")));
    }
    let actor = require(v, platform::permissions::MANAGE_CASE_RULES)?;
    let c = state
        .platform
        .catalogue_category(actor, scope)
        .await
        .map_err(failed(v))?;
    Ok(format!("{} ({})", c.name.get(v.locale), c.code))
}

fn clock_inputs(policy: &SlaPolicy) -> Vec<ClockInput> {
    CLOCKS
        .iter()
        .map(|c| {
            let (amount, unit) = match clock_of(policy, c) {
                Duration::WorkingDays(n) => (n, "days"),
                Duration::WorkingHours(n) => (n, "hours"),
            };
            ClockInput {
                clock: c,
                amount: amount.to_string(),
                unit: unit.into(),
            }
        })
        .collect()
}

async fn policy_form(
    State(state): State<CasesState>,
    v: Viewer,
    Query(q): Query<Scope>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_CASE_RULES)?;
    let scope = q.scope.trim().to_string();
    let scope_label = scope_label(&state, &v, &scope).await?;
    let stored = state.cases.sla_policies(actor).await.map_err(failed(&v))?;
    let policy = match stored.iter().find(|(s, _)| *s == scope) {
        Some((_, p)) => *p,
        None => {
            let urgency = match Urgency::parse(&scope) {
                Some(u) => u,
                None => {
                    state
                        .platform
                        .catalogue_category(actor, &scope)
                        .await
                        .map_err(failed(&v))?
                        .urgency
                }
            };
            SlaPolicy::for_urgency(urgency)
        }
    };
    let policy = match Urgency::parse(&scope) {
        Some(u) => policy.with_calendar_of(u),
        None => policy,
    };
    let page = PolicyPage {
        p: Page::new(&v, &state, "admin-sla-policy", "admin"),
        scope,
        scope_label,
        clocks: clock_inputs(&policy),
        at_risk: policy.at_risk_percent.to_string(),
        calendar: policy.clock_calendar().as_str().to_string(),
        errors: Errors::default(),
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

async fn save_policy(
    State(state): State<CasesState>,
    v: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_CASE_RULES)?;
    let f = Fields(fields);
    check_token(&v, f.token())?;
    let scope = f.get("scope").trim().to_string();
    let scope_label = scope_label(&state, &v, &scope).await?;
    let clocks: Vec<ClockInput> = CLOCKS
        .iter()
        .map(|c| ClockInput {
            clock: c,
            amount: f.get(&format!("{c}_amount")).trim().to_string(),
            unit: f.get(&format!("{c}_unit")).to_string(),
        })
        .collect();
    let at_risk = f.get("at_risk_percent").trim().to_string();
    let calendar_text = f.get("calendar").to_string();
    let mut errors = Errors::default();
    let calendar = ClockCalendar::parse(&calendar_text);
    if calendar.is_none() {
        errors.add(&v, "f-calendar", &Message::new("admin-error-sla-calendar"));
    }
    let mut durations = Vec::new();
    for c in &clocks {
        match (c.amount.parse::<u32>(), c.unit.as_str()) {
            (Ok(n), "days") => durations.push(Duration::WorkingDays(n)),
            (Ok(n), "hours") => durations.push(Duration::WorkingHours(n)),
            _ => errors.add(
                &v,
                &format!("f-{}", c.clock),
                &Message::new("admin-error-sla-amount")
                    .arg("clock", v.t(&format!("admin-clock-{}", c.clock))),
            ),
        }
    }
    let percent = at_risk.parse::<u8>().ok();
    if percent.is_none() {
        errors.add(
            &v,
            "f-at_risk_percent",
            &Message::new("error-sla-at-risk-percent").arg("value", &at_risk),
        );
    }
    if let ([a, r, f1, res], Some(at_risk_percent), Some(calendar)) =
        (durations.as_slice(), percent, calendar)
    {
        let policy = SlaPolicy {
            acknowledgement: *a,
            reassignment_acknowledgement: *r,
            first_response: *f1,
            resolution: *res,
            at_risk_percent,
            calendar: Some(calendar),
        };
        match state.cases.set_sla_policy(actor, &scope, policy).await {
            Ok(()) => return Ok(see_other("/admin/sla?done=saved")),
            Err(e) => {
                errors = Errors::from_service(&v, e, |m| {
                    match m.args.iter().find(|(k, _)| *k == "clock") {
                        Some((_, clock)) => format!("f-{clock}"),
                        None if m.id == "error-sla-at-risk-percent" => "f-at_risk_percent".into(),
                        None => format!("f-{}", field_of(m).unwrap_or("acknowledgement")),
                    }
                })?;
            }
        }
    }
    let page = PolicyPage {
        p: Page::new(&v, &state, "admin-sla-policy", "admin").with_errors(&errors),
        scope,
        scope_label,
        clocks,
        at_risk,
        calendar: calendar_text,
        errors,
    };
    Ok(render(&v, &state, StatusCode::BAD_REQUEST, &page))
}

// ---------------------------------------------------------------- calendar

/// A calendar change as shown.
pub struct ChangeRow {
    pub kind: String,
    /// The day (holidays, make-up days) or the first instant (closures).
    pub from: i64,
    /// The end of a closure.
    pub until: Option<i64>,
    /// Whether `from` is a whole day (no time shown).
    pub whole_day: bool,
    pub name: String,
    pub created_at: i64,
    pub created_by: String,
}

fn change_row(r: &CalendarRow) -> Option<ChangeRow> {
    let (from, until, whole_day) = match (r.kind.as_str(), &r.day, r.starts_at, r.ends_at) {
        ("closure", _, Some(s), Some(e)) => (s, Some(e), false),
        (_, Some(day), _, _) => (parse_ymd(day)?, None, true),
        _ => return None,
    };
    Some(ChangeRow {
        kind: r.kind.clone(),
        from,
        until,
        whole_day,
        name: r.name.clone(),
        created_at: r.created_at,
        created_by: r.created_by.clone(),
    })
}

/// The declaration form as entered.
#[derive(Default)]
pub struct CalendarForm {
    pub kind: String,
    pub day: String,
    pub until: String,
    pub from_time: String,
    pub until_time: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "admin/calendar.html")]
struct CalendarPage {
    p: Page,
    upcoming: Vec<ChangeRow>,
    past: Vec<ChangeRow>,
    f: CalendarForm,
    errors: Errors,
}

impl CalendarPage {
    fn kinds(&self) -> [&'static str; 3] {
        ["holiday", "makeup_workday", "closure"]
    }

    /// A closure's instant as a date and time, a day as a date.
    fn when(&self, unix: &i64, whole_day: &bool) -> String {
        if *whole_day {
            self.p.date(*unix)
        } else {
            self.p.datetime(*unix)
        }
    }
}

async fn calendar_page(
    state: &CasesState,
    v: &Viewer,
    f: CalendarForm,
    errors: Errors,
    done: Option<&str>,
) -> PageResult {
    let actor = require(v, platform::permissions::MANAGE_CASE_RULES)?;
    let rows = state
        .cases
        .calendar_changes(actor)
        .await
        .map_err(failed(v))?;
    let now = state.platform.now();
    let today = parse_ymd(&ymd(now)).unwrap_or(now);
    let (mut upcoming, mut past): (Vec<ChangeRow>, Vec<ChangeRow>) = rows
        .iter()
        .filter_map(change_row)
        .partition(|c| c.until.unwrap_or(c.from + 1) > today);
    upcoming.sort_by_key(|c| c.from);
    past.sort_by_key(|c| std::cmp::Reverse(c.from));
    past.truncate(30);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = CalendarPage {
        p: Page::new(v, state, "admin-calendar", "admin")
            .with_errors(&errors)
            .with_status(done_message(v, done)),
        upcoming,
        past,
        f,
        errors,
    };
    Ok(render(v, state, status, &page))
}

async fn calendar(State(state): State<CasesState>, v: Viewer, Query(q): Query<Done>) -> PageResult {
    let f = CalendarForm {
        kind: "holiday".into(),
        ..CalendarForm::default()
    };
    calendar_page(&state, &v, f, Errors::default(), q.done.as_deref()).await
}

/// Minutes of the day from `HH:MM`; `default` when empty.
fn minutes(text: &str, default: i64) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() {
        return Some(default);
    }
    let (h, m) = text.split_once(':')?;
    let (h, m): (i64, i64) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
    ((0..=24).contains(&h) && (0..60).contains(&m) && h * 60 + m <= 24 * 60).then_some(h * 60 + m)
}

async fn change_calendar(
    State(state): State<CasesState>,
    v: Viewer,
    Form(fields): Form<Vec<(String, String)>>,
) -> PageResult {
    let actor = require(&v, platform::permissions::MANAGE_CASE_RULES)?;
    let f = Fields(fields);
    check_token(&v, f.token())?;
    let form = CalendarForm {
        kind: f.get("kind").to_string(),
        day: f.get("day").trim().to_string(),
        until: f.get("until").trim().to_string(),
        from_time: f.get("from_time").trim().to_string(),
        until_time: f.get("until_time").trim().to_string(),
        name: f.get("name").trim().to_string(),
    };
    let mut errors = Errors::default();
    let day = parse_ymd(&form.day);
    if day.is_none() {
        errors.add(&v, "f-day", &Message::new("admin-error-date"));
    }
    if form.name.is_empty() {
        errors.add(&v, "f-name", &Message::new("admin-error-calendar-name"));
    }
    let change = match form.kind.as_str() {
        "closure" => {
            let until_day = if form.until.is_empty() {
                day
            } else {
                parse_ymd(&form.until)
            };
            if until_day.is_none() && day.is_some() {
                errors.add(&v, "f-until", &Message::new("admin-error-date"));
            }
            let from = minutes(&form.from_time, 0);
            if from.is_none() {
                errors.add(&v, "f-from_time", &Message::new("admin-error-time"));
            }
            let to = minutes(&form.until_time, 24 * 60);
            if to.is_none() {
                errors.add(&v, "f-until_time", &Message::new("admin-error-time"));
            }
            match (day, until_day, from, to) {
                (Some(d), Some(u), Some(from), Some(to)) => Some(CalendarChange::Closure {
                    starts_at: d + from * 60,
                    ends_at: u + to * 60,
                    name: form.name.clone(),
                }),
                _ => None,
            }
        }
        "holiday" | "makeup_workday" => Some(CalendarChange::Day {
            day: form.day.clone(),
            kind: form.kind.clone(),
            name: form.name.clone(),
        }),
        _ => {
            errors.add(&v, "f-kind", &Message::new("admin-error-calendar-kind"));
            None
        }
    };
    if let Some(change) = change.filter(|_| errors.is_empty()) {
        match state.cases.change_calendar(actor, change).await {
            Ok(_) => return Ok(see_other("/admin/calendar?done=saved")),
            Err(e) => {
                errors = Errors::from_service(&v, e, |m| {
                    if m.id.contains("name") || field_of(m) == Some("name") {
                        "f-name".into()
                    } else if m.id.contains("closure") {
                        "f-until".into()
                    } else {
                        "f-day".into()
                    }
                })?;
            }
        }
    }
    calendar_page(&state, &v, form, errors, None).await
}

/// A link to the policy form of a scope.
pub fn policy_href(scope: &str) -> String {
    format!("/admin/sla/policy?scope={}", encode(scope))
}
