//! Following a case with its number and password: the public timeline, the due date,
//! reopening within 7 days of resolution; and the satisfaction survey from the link sent at
//! resolution.

use super::jurisdiction;
use crate::casework::Tracking;
use crate::doors::CasesState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use domain::Message;
use identity::doors::Viewer;
use identity::doors::check_token;
use identity::doors::render;
use platform::ServiceError;
use serde::Deserialize;
use webkit::page::PageError;
use webkit::page::forms::Errors;
use webkit::page::{Page, encode, see_other};

pub fn routes() -> Router<CasesState> {
    Router::new()
        .route("/track", get(ask).post(show))
        .route("/track/reopen", post(reopen))
        .route("/my/cases/{number}", get(my_case))
        .route("/my/cases/{number}/reopen", post(reopen_mine))
        .route("/survey", get(survey_form).post(survey_submit))
}

#[derive(Template)]
#[template(path = "citizen/track_ask.html")]
struct Ask {
    p: Page,
    number: String,
    errors: Errors,
}

/// The number to fill in: `?number=` from the confirmation page, `?case=` from the link in
/// every notification.
#[derive(Deserialize, Default)]
struct Prefill {
    number: Option<String>,
    case: Option<String>,
}

async fn ask(
    State(state): State<CasesState>,
    v: Viewer,
    Query(q): Query<Prefill>,
) -> Result<Response, PageError> {
    let page = Ask {
        p: Page::new(&v, &state, "track-title", "track"),
        number: q
            .number
            .or(q.case)
            .map(|n| crate::casework::case_number_as_typed(&n))
            .unwrap_or_default(),
        errors: Errors::default(),
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

#[derive(Deserialize)]
struct TrackForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    password: String,
}

/// One line of the timeline, ready to show.
pub struct Step {
    pub at: i64,
    pub what: String,
    pub note: Option<String>,
}

#[derive(Template)]
#[template(path = "citizen/tracked.html")]
struct Tracked {
    p: Page,
    t: Tracking,
    /// The password travels in the reopen form (never in a URL); empty for the signed-in
    /// citizen's own case.
    password: String,
    /// Where the reopen form is sent.
    reopen_action: String,
    category_name: String,
    department_name: String,
    steps: Vec<Step>,
    errors: Errors,
    reason: String,
}

async fn tracked_page(
    state: &CasesState,
    v: &Viewer,
    t: Tracking,
    password: String,
    status: Option<String>,
    errors: Errors,
    reason: String,
) -> Result<Response, PageError> {
    let j = jurisdiction(&state.platform, v.locale).await?;
    let category_name = state
        .platform
        .service(&j, &t.category_code)
        .await
        .map(|c| c.name.get(v.locale).to_string())
        .unwrap_or_else(|_| t.category_code.clone());
    let department_name = match &t.department_code {
        Some(code) => state
            .platform
            .departments(&j)
            .await
            .map_err(|e| PageError::service(e, v.locale))?
            .into_iter()
            .find(|d| &d.code == code)
            .map_or_else(|| code.clone(), |d| d.name.get(v.locale).to_string()),
        None => String::new(),
    };
    let steps = t
        .timeline
        .iter()
        .map(|e| Step {
            at: e.at,
            what: {
                // Filing routes the case at once; the citizen reads it as "received".
                let id = match &e.status {
                    Some(s) if e.kind != "create" => format!("timeline-status-{s}"),
                    _ => format!("timeline-{}", e.kind),
                };
                if webkit::i18n::has(v.locale, &id) {
                    v.t(&id)
                } else {
                    v.t("timeline-update")
                }
            },
            note: e.note.clone(),
        })
        .collect();
    let code = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let (section, reopen_action) = if password.is_empty() {
        ("my", format!("/my/cases/{}/reopen", t.case_number))
    } else {
        ("track", "/track/reopen".to_string())
    };
    let p = Page::new(v, state, "tracked-title", section)
        .with_status(status)
        .with_errors(&errors);
    let page = Tracked {
        p,
        t,
        reopen_action,
        password,
        category_name,
        department_name,
        steps,
        errors,
        reason,
    };
    Ok(render(v, state, code, &page))
}

/// A wrong number or password is shown on the form, not as an error page.
fn ask_again(
    state: &CasesState,
    v: &Viewer,
    number: String,
    e: ServiceError,
) -> Result<Response, PageError> {
    let errors = Errors::from_service(v, e, |_| "f-number".to_string())?;
    let p = Page::new(v, state, "track-title", "track").with_errors(&errors);
    let page = Ask { p, number, errors };
    Ok(render(v, state, StatusCode::BAD_REQUEST, &page))
}

async fn show(
    State(state): State<CasesState>,
    v: Viewer,
    Form(f): Form<TrackForm>,
) -> Result<Response, PageError> {
    check_token(&v, &f._csrf)?;
    let number = crate::casework::case_number_as_typed(&f.number);
    if number.is_empty() || f.password.trim().is_empty() {
        let mut errors = Errors::default();
        if number.is_empty() {
            errors.add(&v, "f-number", &Message::new("error-case-number-required"));
        }
        if f.password.trim().is_empty() {
            errors.add(
                &v,
                "f-password",
                &Message::new("error-case-password-required"),
            );
        }
        let p = Page::new(&v, &state, "track-title", "track").with_errors(&errors);
        let page = Ask { p, number, errors };
        return Ok(render(&v, &state, StatusCode::BAD_REQUEST, &page));
    }
    let j = jurisdiction(&state.platform, v.locale).await?;
    let password = f.password.trim().to_string();
    match state
        .cases
        .track_case(&j, &number, &password, &v.client)
        .await
    {
        Ok(t) => {
            tracked_page(
                &state,
                &v,
                t,
                password,
                None,
                Errors::default(),
                String::new(),
            )
            .await
        }
        Err(e) => ask_again(&state, &v, number, e),
    }
}

#[derive(Deserialize)]
struct ReopenForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    number: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    reason: String,
}

async fn reopen(
    State(state): State<CasesState>,
    v: Viewer,
    Form(f): Form<ReopenForm>,
) -> Result<Response, PageError> {
    check_token(&v, &f._csrf)?;
    let j = jurisdiction(&state.platform, v.locale).await?;
    match state
        .cases
        .reopen_case(&j, &f.number, &f.password, &f.reason, &v.client)
        .await
    {
        Ok(t) => {
            let done = Some(v.t("reopen-done"));
            tracked_page(
                &state,
                &v,
                t,
                f.password,
                done,
                Errors::default(),
                String::new(),
            )
            .await
        }
        Err(ServiceError::Invalid(m)) => {
            let t = state
                .cases
                .track_case(&j, &f.number, &f.password, &v.client)
                .await
                .map_err(|e| PageError::service(e, v.locale))?;
            let mut errors = Errors::default();
            for message in &m {
                errors.add(&v, "f-reason", message);
            }
            tracked_page(&state, &v, t, f.password, None, errors, f.reason).await
        }
        Err(e) => ask_again(&state, &v, f.number, e),
    }
}

/// One of the signed-in citizen's own cases, without its password.
async fn my_case(
    State(state): State<CasesState>,
    v: Viewer,
    Path(number): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other(&format!(
            "/sign-in?back={}",
            encode(&format!("/my/cases/{number}"))
        )));
    };
    let t = state
        .cases
        .my_case(actor, &number)
        .await
        .map_err(|e| PageError::service(e, v.locale))?;
    let done = (q.done.as_deref() == Some("reopened")).then(|| v.t("reopen-done"));
    tracked_page(
        &state,
        &v,
        t,
        String::new(),
        done,
        Errors::default(),
        String::new(),
    )
    .await
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

#[derive(Deserialize)]
struct MyReopenForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    reason: String,
}

async fn reopen_mine(
    State(state): State<CasesState>,
    v: Viewer,
    Path(number): Path<String>,
    Form(f): Form<MyReopenForm>,
) -> Result<Response, PageError> {
    check_token(&v, &f._csrf)?;
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/my/cases"));
    };
    match state.cases.reopen_my_case(actor, &number, &f.reason).await {
        Ok(t) => Ok(see_other(&format!(
            "/my/cases/{}?done=reopened",
            encode(&t.case_number)
        ))),
        Err(ServiceError::Invalid(m)) => {
            let t = state
                .cases
                .my_case(actor, &number)
                .await
                .map_err(|e| PageError::service(e, v.locale))?;
            let mut errors = Errors::default();
            for message in &m {
                errors.add(&v, "f-reason", message);
            }
            tracked_page(&state, &v, t, String::new(), None, errors, f.reason).await
        }
        Err(e) => Err(PageError::service(e, v.locale)),
    }
}

#[derive(Deserialize, Default)]
struct SurveyQuery {
    token: Option<String>,
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "citizen/survey.html")]
struct Survey {
    p: Page,
    token: String,
    score: String,
    comment: String,
    errors: Errors,
    done: bool,
    /// The case the survey is about, when the link is one of ours.
    case_number: Option<String>,
}

/// The case a survey link is about (nothing when the link is not one of ours).
async fn survey_about(
    state: &CasesState,
    v: &Viewer,
    token: &str,
) -> Result<Option<String>, PageError> {
    let j = jurisdiction(&state.platform, v.locale).await?;
    state
        .cases
        .survey_case(&j, token)
        .await
        .map_err(|e| PageError::service(e, v.locale))
}

async fn survey_form(
    State(state): State<CasesState>,
    v: Viewer,
    Query(q): Query<SurveyQuery>,
) -> Result<Response, PageError> {
    let token = q.token.unwrap_or_default();
    let page = Survey {
        p: Page::new(&v, &state, "survey-title", "track"),
        case_number: survey_about(&state, &v, &token).await?,
        token,
        score: String::new(),
        comment: String::new(),
        errors: Errors::default(),
        done: q.done.as_deref() == Some("thanks"),
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

#[derive(Deserialize)]
struct SurveyForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    score: String,
    #[serde(default)]
    comment: String,
}

async fn survey_submit(
    State(state): State<CasesState>,
    v: Viewer,
    Form(f): Form<SurveyForm>,
) -> Result<Response, PageError> {
    check_token(&v, &f._csrf)?;
    let j = jurisdiction(&state.platform, v.locale).await?;
    let score: i64 = f.score.trim().parse().unwrap_or(0);
    let result = state
        .cases
        .submit_survey(&j, &f.token, score, &f.comment)
        .await;
    let errors = match result {
        // The answer is kept: the page after the redirect thanks the citizen.
        Ok(()) => {
            return Ok(see_other(&format!(
                "/survey?token={}&done=thanks",
                encode(f.token.trim())
            )));
        }
        Err(e) => Errors::from_service(&v, e, |m| {
            if m.id == "error-survey-score" {
                "f-score-1".to_string()
            } else if m.id.contains("comment") || m.args.iter().any(|(_, v)| v == "comment") {
                "f-comment".to_string()
            } else {
                String::new()
            }
        })?,
    };
    let p = Page::new(&v, &state, "survey-title", "track").with_errors(&errors);
    let page = Survey {
        p,
        case_number: survey_about(&state, &v, &f.token).await?,
        token: f.token,
        score: f.score,
        comment: f.comment,
        errors,
        done: false,
    };
    Ok(render(&v, &state, StatusCode::BAD_REQUEST, &page))
}
