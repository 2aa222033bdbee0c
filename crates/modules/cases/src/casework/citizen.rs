//! The citizen's side of a case: tracking with the case number and password (no account
//! needed), the public timeline with the due date, reopening within 7 days of resolution, the
//! satisfaction survey, and the notifications that keep them informed.

use super::events::CaseChange;
use crate::domain::case_event::CaseEventKind;
use crate::domain::case_number::CaseNumber;
use crate::domain::lifecycle::{self, Action, CaseStatus};
use crate::notify::{self, Notification, Recipient};
use crate::rate_limit::Limit;
use crate::store::case_work::{self, WorkView};
use crate::{CasesApp, Result, ServiceError, secrets};
use domain::actor::ActorRef;
use domain::catalog::{District, Jurisdiction};
use domain::category::Urgency;
use domain::{Locale, Message};
use store::Tx;

/// Failed tracking attempts per case, against guessing its password. A random case password
/// has ~40 bits: even this budget, used up every hour for a year, finds it with a chance below
/// one in a million. It is larger than one address may try, so no single stranger can lock
/// the citizen out (`docs/ARCHITECTURE.md`, "Sign-in limits").
const TRACK_PER_CASE: Limit = Limit {
    name: "track-case",
    max: 100,
    window: 60 * 60,
};

/// Failed tracking attempts per client address, whatever the case.
const TRACK_PER_ADDRESS: Limit = Limit {
    name: "track-address",
    max: 20,
    window: 60 * 60,
};

/// Days a survey link stays valid.
pub const SURVEY_DAYS: i64 = 7;

/// One public event on the citizen's timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    pub at: i64,
    pub kind: String,
    pub status: Option<String>,
    pub note: Option<String>,
}

/// What a citizen sees of their case.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracking {
    pub case_number: String,
    pub status: String,
    pub outcome: Option<String>,
    pub category_code: String,
    pub department_code: Option<String>,
    pub due_at: Option<i64>,
    /// What the citizen reported, as they gave it (the page is theirs: it needs the case's
    /// password or their account).
    pub address: Option<String>,
    pub description: String,
    pub timeline: Vec<TimelineEntry>,
    /// Until when the citizen may reopen it, if they may.
    pub reopen_until: Option<i64>,
}

fn not_found_or_wrong_password(number: &str) -> ServiceError {
    ServiceError::NotFound(Message::new("error-track-failed").arg("id", number))
}

/// A case number as a citizen types it, the way it is looked up: trimmed, full-width digits
/// (from a Chinese input method) made half-width, letters upper case.
pub fn case_number_as_typed(text: &str) -> String {
    text::to_halfwidth(text.trim()).to_uppercase()
}

impl CasesApp {
    /// The case with this number and password. Both the client address and the case count the
    /// attempt before the password is checked (one statement each, so parallel guesses cannot
    /// slip under a limit) and get it back when it succeeds: only failures use up a budget. The
    /// case's budget is keyed on the normalised number, so `" 2026…"` is the same case.
    async fn tracked_case(
        &self,
        j: &Jurisdiction,
        number: &str,
        password: &str,
        client: &str,
    ) -> Result<WorkView> {
        self.platform
            .count_attempt(TRACK_PER_ADDRESS, client)
            .await?;
        let number = &case_number_as_typed(number);
        let password = password.trim();
        let Ok(parsed) = CaseNumber::parse(number) else {
            return Err(not_found_or_wrong_password(number));
        };
        let case_key = format!("{}\n{}", j.id, parsed.as_str());
        self.platform
            .count_attempt(TRACK_PER_CASE, &case_key)
            .await?;
        let work = case_work::find(&self.db, &j.id, parsed.as_str())
            .await?
            .ok_or_else(|| not_found_or_wrong_password(number))?;
        let stored = crate::store::cases::password_hash(&self.db, &work.id)
            .await?
            .unwrap_or_default();
        let given = secrets::case_password_hash(self.platform.secret_key(), &work.id, password);
        if !secrets::constant_time_eq(&stored, &given) {
            return Err(not_found_or_wrong_password(number));
        }
        self.platform
            .refund_attempt(TRACK_PER_CASE, &case_key)
            .await?;
        self.platform
            .refund_attempt(TRACK_PER_ADDRESS, client)
            .await?;
        Ok(work)
    }

    /// The case and its public timeline, for whoever holds its number and password.
    pub async fn track_case(
        &self,
        j: &Jurisdiction,
        number: &str,
        password: &str,
        client: &str,
    ) -> Result<Tracking> {
        let work = self.tracked_case(j, number, password, client).await?;
        self.tracking_of(j, work).await
    }

    /// What the citizen sees of a case: its state and the public timeline.
    pub(super) async fn tracking_of(&self, j: &Jurisdiction, work: WorkView) -> Result<Tracking> {
        let events =
            crate::store::events::for_cases(&self.db, std::slice::from_ref(&work.id), true).await?;
        let number = std::slice::from_ref(&work.case_number);
        let known = crate::public::Known::new(
            crate::store::reporters::identifiers(&self.db, &j.id, number)
                .await?
                .remove(&work.case_number)
                .unwrap_or_default(),
        );
        let status = CaseStatus::parse(&work.status);
        let reopen_until = status
            .and_then(|s| lifecycle::reopen_until(s, work.closed_at))
            .filter(|until| self.now() <= *until);
        Ok(Tracking {
            timeline: events
                .into_iter()
                .map(|e| TimelineEntry {
                    at: e.event.created_at,
                    kind: e.event.kind,
                    status: e.event.to_status,
                    note: e.event.note.as_deref().map(|n| known.public_text(n)),
                })
                .collect(),
            case_number: work.case_number,
            status: work.status,
            outcome: work.outcome,
            category_code: work.category_code,
            department_code: work.department_code,
            due_at: work.resolution_due_at,
            address: work.address,
            description: work.description,
            reopen_until,
        })
    }

    /// Reopens a resolved case within 7 days of its resolution: it goes back to the
    /// department's queue and the resolution clock starts again.
    pub async fn reopen_case(
        &self,
        j: &Jurisdiction,
        number: &str,
        password: &str,
        reason: &str,
        client: &str,
    ) -> Result<Tracking> {
        let work = self.tracked_case(j, number, password, client).await?;
        self.reopen(j, work, reason, ActorRef::Citizen { account_id: None })
            .await?;
        self.track_case(j, number, password, client).await
    }

    pub(super) async fn reopen(
        &self,
        j: &Jurisdiction,
        work: WorkView,
        reason: &str,
        by: ActorRef,
    ) -> Result<()> {
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > 2000 {
            return Err(ServiceError::invalid(Message::new("error-reopen-reason")));
        }
        // A resolved case whose resolution time is unknown is past its window.
        let status = CaseStatus::parse(&work.status);
        if let Some(s @ (CaseStatus::Resolved | CaseStatus::Closed)) = status
            && lifecycle::reopen_until(s, work.closed_at).is_none_or(|until| self.now() > until)
        {
            return Err(ServiceError::invalid(lifecycle::reopen_window_passed()));
        }
        let mut tx = self.db.begin().await?;
        let summary = crate::updates::summary_of(&work);
        let reopened = self
            .apply_action(
                &mut tx,
                j,
                &summary,
                Action::Reopen,
                &by.to_string(),
                Some(reason.to_string()),
                None,
                true,
            )
            .await?;
        case_work::update(
            &mut tx,
            &work.id,
            &case_work::WorkUpdate {
                assignee_id: Some(None),
                ..Default::default()
            },
            self.now(),
        )
        .await?;
        self.refresh_sla(&mut tx, j, &work.id).await?;
        if let Some(after) = case_work::find_for_update(&mut tx, &j.id, &work.case_number).await? {
            let kind = CaseEventKind::Action(Action::Reopen);
            let change = CaseChange {
                note: Some(reason),
                by_reporter: true,
                ..CaseChange::new(j, &after, kind, &reopened.event.id, true)
            };
            self.case_changed(&mut tx, &[change]).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The number of the case a survey link asks about, if the link is one of ours.
    pub async fn survey_case(&self, j: &Jurisdiction, token: &str) -> Result<Option<String>> {
        let hash = secrets::sha256_hex(token.trim());
        let mut tx = self.db.begin().await?;
        let Some(survey) = crate::store::surveys::by_token(&mut tx, &j.id, &hash).await? else {
            return Ok(None);
        };
        Ok(crate::store::desk::case_number(&mut tx, &survey.case_id).await?)
    }

    /// Records a satisfaction score (1–5) and comment through the survey link, once.
    pub async fn submit_survey(
        &self,
        j: &Jurisdiction,
        token: &str,
        score: i64,
        comment: &str,
    ) -> Result<()> {
        if !(1..=5).contains(&score) {
            return Err(ServiceError::invalid(Message::new("error-survey-score")));
        }
        let comment = comment.trim();
        if comment.chars().count() > 1000 {
            return Err(ServiceError::invalid(
                Message::new("error-field-too-long")
                    .arg("field", "comment")
                    .arg("max", "1000"),
            ));
        }
        let hash = secrets::sha256_hex(token.trim());
        let mut tx = self.db.begin().await?;
        let Some(survey) = crate::store::surveys::by_token(&mut tx, &j.id, &hash).await? else {
            return Err(ServiceError::NotFound(Message::new("error-survey-unknown")));
        };
        if survey.submitted_at.is_some() {
            return Err(ServiceError::invalid(Message::new("error-survey-used")));
        }
        if self.now() > survey.expires_at {
            return Err(ServiceError::invalid(Message::new("error-survey-expired")));
        }
        crate::store::surveys::submit(
            &mut tx,
            &survey.case_id,
            score,
            (!comment.is_empty()).then_some(comment),
            self.now(),
        )
        .await?;
        // desk: a low score queues a caring call.
        self.desk_after_survey(&mut tx, j, &survey.case_id, score)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Opens the satisfaction survey of a case just resolved in public and returns the link the
    /// reporters' notice carries. A case without a reporter gets no survey: there is nobody to
    /// send the link to.
    pub(crate) async fn open_survey(
        &self,
        tx: &mut Tx,
        j: &Jurisdiction,
        work: &WorkView,
    ) -> Result<Option<String>> {
        if case_work::reporters(tx, &work.id).await?.is_empty() {
            return Ok(None);
        }
        let token = secrets::token_of::<24>();
        let now = self.now();
        crate::store::surveys::create(
            tx,
            &work.id,
            &j.id,
            &secrets::sha256_hex(&token),
            now + SURVEY_DAYS * 86_400,
            now,
        )
        .await?;
        let base = self.config().public_base().to_string();
        Ok(Some(format!("{base}/survey?token={token}")))
    }

    /// Listener: tells every reporter of the case (and of the cases merged into it), by their
    /// preferred channel, of a public change they did not make themselves. A resolution comes
    /// with the link to the satisfaction survey.
    pub(crate) async fn notify_reporters(
        &self,
        tx: &mut Tx,
        change: &super::events::CaseChange<'_>,
    ) -> Result<()> {
        if !change.public || change.by_reporter || change.no_reporter {
            return Ok(());
        }
        let (j, work, note) = (change.jurisdiction, change.case, change.note);
        let template = match change.kind {
            CaseEventKind::Filed => "case_accepted",
            CaseEventKind::Action(Action::Acknowledge) => "case_assigned",
            CaseEventKind::Action(Action::Resolve) => "case_resolved",
            CaseEventKind::Action(_)
            | CaseEventKind::WorkerAssigned
            | CaseEventKind::Note
            | CaseEventKind::Photo
            | CaseEventKind::ClientComment
            | CaseEventKind::Merged
            | CaseEventKind::CallerAdded
            | CaseEventKind::SlaAtRisk
            | CaseEventKind::SlaBreached
            | CaseEventKind::DeadlineExtended => "case_updated",
        };
        let reporters = case_work::reporters(tx, &work.id).await?;
        if reporters.is_empty() {
            return Ok(());
        }
        let base = self.config().public_base().to_string();
        let mut vars = serde_json::json!({
            "case_number": work.case_number,
            "category": store::catalog::category_name(&mut *tx, &j.id, &work.category_code).await?.unwrap_or_else(|| work.category_code.clone()),
            "track_url": format!("{base}/track?case={}", work.case_number),
        });
        if let Some(n) = note {
            vars["note"] = serde_json::json!(n);
        }
        if let Some(d) = &work.department_code {
            vars["department"] = serde_json::json!(
                store::catalog::department_name(&mut *tx, &j.id, d)
                    .await?
                    .unwrap_or_else(|| d.clone())
            );
        }
        if let Some(due) = work.resolution_due_at {
            vars["due_date"] = serde_json::json!(domain::datetime::format_local_minute(
                due,
                j.utc_offset_minutes
            ));
        }
        // A resolution comes with the satisfaction survey.
        if change.kind == CaseEventKind::Action(Action::Resolve)
            && let Some(url) = self.open_survey(tx, j, work).await?
        {
            vars["survey_url"] = serde_json::json!(url);
        }
        let urgent = Urgency::parse(&work.urgency) == Some(Urgency::P1);
        for r in reporters {
            let recipient = match (&r.account_id, &r.email, &r.phone) {
                (Some(a), _, _) => Recipient::Account(a.clone()),
                (None, Some(e), _) => Recipient::Email(e.clone()),
                (None, None, Some(p)) => match domain::identity::Mobile::parse(p) {
                    Ok(m) => Recipient::Sms(m.e164().to_string()),
                    Err(_) => continue,
                },
                _ => continue,
            };
            notify::enqueue(
                tx,
                &Notification {
                    jurisdiction_id: j.id.clone(),
                    recipient,
                    template: template.into(),
                    locale: Locale::ZhTw,
                    vars: vars.clone(),
                    urgent,
                },
                self.now(),
            )
            .await?;
        }
        Ok(())
    }
}

/// Reports a citizen may file at most per hour from one client address (anonymous web intake).
pub const REPORTS_PER_ADDRESS: Limit = Limit {
    name: "report-address",
    max: 30,
    window: 60 * 60,
};

/// How a citizen wants to hear about their case's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Notice {
    /// By e-mail: the e-mail address is required, and the phone number is not kept.
    Email,
    /// By SMS: the phone number is required, and the e-mail address is not kept.
    Sms,
    /// No choice made: the contact details are kept as given.
    #[default]
    AsGiven,
}

impl Notice {
    /// The page's choice (`email`, `sms`, anything else for none).
    pub fn parse(text: &str) -> Notice {
        match text.trim() {
            "email" => Notice::Email,
            "sms" => Notice::Sms,
            _ => Notice::AsGiven,
        }
    }
}

/// A citizen's report from the web (the pages or the REST API).
#[derive(Debug, Clone, Default)]
pub struct CitizenReport {
    /// The report. `zipcode` carries the district the citizen chose, if any.
    pub report: crate::intake::NewReport,
    /// The citizen agreed that the report and their contact details are processed to handle
    /// it: no report is filed without.
    pub consent: bool,
    pub notice: Notice,
}

/// The address as intake stores it: the name of the district chosen put before it, unless the
/// address already names it (the citizen's report page, the agent's intake page). A blank
/// address is none.
pub fn address_in_district(
    districts: &[District],
    district: Option<&str>,
    address: Option<&str>,
) -> Option<String> {
    let address = address.map(str::trim).filter(|a| !a.is_empty())?;
    let district = district.map(str::trim).filter(|d| !d.is_empty());
    let name = districts
        .iter()
        .find(|d| Some(d.code.as_str()) == district)
        .map(|d| d.name.zh.as_str());
    Some(match name {
        Some(d) if !address.contains(d) => format!("{d}{address}"),
        _ => address.to_string(),
    })
}

fn given(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|v| !v.trim().is_empty())
}

impl CasesApp {
    /// [`address_in_district`] with the jurisdiction's districts.
    pub async fn address_in_district(
        &self,
        j: &Jurisdiction,
        district: Option<&str>,
        address: Option<&str>,
    ) -> Result<Option<String>> {
        Ok(address_in_district(
            &self.platform.districts(j).await?,
            district,
            address,
        ))
    }

    /// What the web asks of a citizen's report beyond intake's own checks: a place, the contact
    /// for the chosen notice, consent. Problems with the category's questions are listed with
    /// them, so the citizen sees everything to fix at once.
    async fn citizen_problems(&self, j: &Jurisdiction, r: &CitizenReport) -> Vec<Message> {
        let report = &r.report;
        let mut problems = Vec::new();
        let point = given(&report.lat) && given(&report.long);
        if !(given(&report.address) || point) {
            problems.push(Message::new("error-place-required"));
        }
        match r.notice {
            Notice::Email if !given(&report.reporter.email) => {
                problems.push(Message::new("error-email-for-notice"))
            }
            Notice::Sms if !given(&report.reporter.phone) => {
                problems.push(Message::new("error-phone-for-notice"))
            }
            _ => {}
        }
        if !r.consent {
            problems.push(Message::new("error-consent-required"));
        }
        if problems.is_empty() {
            return problems;
        }
        let code = report.service_code.as_deref().unwrap_or_default().trim();
        let mut all = match self.platform.service(j, code).await {
            Ok(c) => domain::category::validate_attributes(&c.attributes, &report.attributes)
                .err()
                .map(|errs| errs.iter().map(domain::DomainError::message).collect())
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        all.extend(problems);
        all
    }

    /// A report from the citizen web: anonymous (with optional contact details) or signed in,
    /// when the signed-in citizen is the reporter and follows the case from "my cases".
    pub async fn report_from_web(
        &self,
        j: &Jurisdiction,
        citizen: Option<&crate::authz::Actor>,
        client: &str,
        filing: CitizenReport,
    ) -> Result<crate::intake::FiledCase> {
        // What is no service (a request about personal data is asked from "my data") is
        // answered as such before anything about the report.
        if let Some(code) = filing.report.service_code.as_deref()
            && let Err(e @ ServiceError::NotFound(_)) = self.platform.service(j, code).await
        {
            return Err(e);
        }
        let problems = self.citizen_problems(j, &filing).await;
        if !problems.is_empty() {
            return Err(ServiceError::Invalid(problems));
        }
        let mut report = filing.report;
        report.address = self
            .address_in_district(j, report.zipcode.as_deref(), report.address.as_deref())
            .await?;
        // The notice chosen decides which contact is kept.
        match filing.notice {
            Notice::Email => report.reporter.phone = None,
            Notice::Sms => report.reporter.email = None,
            Notice::AsGiven => {}
        }
        self.platform
            .count_attempt(REPORTS_PER_ADDRESS, client)
            .await?;
        if let Some(actor) = citizen {
            if !actor.is_citizen() || actor.jurisdiction_id != j.id {
                return Err(crate::authz::forbidden());
            }
            report.reporter.account_id = Some(actor.account()?.to_string());
        } else {
            report.reporter.account_id = None;
        }
        let filer = crate::intake::Filer::Citizen {
            account_id: report.reporter.account_id.clone(),
        };
        self.file_case(j, &filer, crate::intake::Channel::Web, report)
            .await
    }

    /// An agent files a case for a caller on the phone (permission `file_cases`).
    pub async fn file_for_caller(
        &self,
        actor: &crate::authz::Actor,
        report: crate::intake::NewReport,
    ) -> Result<crate::intake::FiledCase> {
        actor.require(
            crate::permissions::FILE_CASES,
            crate::authz::Target::Jurisdiction,
        )?;
        let j = self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        let mut report = report;
        report.address = self
            .address_in_district(&j, report.zipcode.as_deref(), report.address.as_deref())
            .await?;
        let filer = crate::intake::Filer::Staff {
            account_id: actor.account()?.to_string(),
        };
        self.file_case(&j, &filer, crate::intake::Channel::Phone, report)
            .await
    }
}
