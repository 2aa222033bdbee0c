//! The catalogue as citizens read it: every service by group, and one service's page with what
//! to bring, the fee, how long it takes, how it is picked up, and the start of an application.

use super::ntd;
use crate::domain::catalogue::{Group, Pickup, Service};
use crate::domain::fee::Fee;
use crate::module::CounterState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use domain::Message;
use identity::doors::{Viewer, check_token, render};
use platform::ServiceError;
use serde::Deserialize;
use webkit::page::forms::Errors;
use webkit::page::{Page, PageResult, failed, see_other};

pub fn routes() -> Router<CounterState> {
    Router::new()
        .route("/services", get(list))
        .route("/services/catalogue/{code}", get(service))
        .route("/services/catalogue/{code}/apply", post(apply))
}

/// A service as the catalogue lists it.
pub struct ServiceRow {
    pub code: String,
    pub name: String,
    pub description: String,
    pub fee: String,
    pub time: String,
    pub pickup: Vec<String>,
    pub locker: bool,
}

/// The fee in words: "NT$15 a copy", "NT$100, NT$15 each further copy", "free".
pub fn fee_words(v: &Viewer, fee: Fee) -> String {
    let m = match fee {
        Fee::Free => Message::new("counter-fee-free"),
        Fee::Fixed { amount } => Message::new("counter-fee-fixed").arg("amount", ntd(amount)),
        Fee::PerCopy { amount } => Message::new("counter-fee-per_copy").arg("amount", ntd(amount)),
        Fee::FirstAndFurther { first, further } => Message::new("counter-fee-first_and_further")
            .arg("first", ntd(first))
            .arg("further", ntd(further)),
    };
    v.msg(&m)
}

/// How long it takes in words: on the spot, or N working days.
pub fn time_words(v: &Viewer, days: u32) -> String {
    if days == 0 {
        v.t("counter-time-spot")
    } else {
        v.msg(&Message::new("counter-time-days").arg("days", days.to_string()))
    }
}

pub fn row(v: &Viewer, s: &Service) -> ServiceRow {
    ServiceRow {
        code: s.code.clone(),
        name: s.name.get(v.locale).to_string(),
        description: s.description.get(v.locale).to_string(),
        fee: fee_words(v, s.fee),
        time: time_words(v, s.processing_days),
        pickup: s
            .pickup
            .iter()
            .map(|p| v.t(&format!("counter-pickup-{}", p.as_str())))
            .collect(),
        locker: s.offers(Pickup::Locker),
    }
}

struct GroupRows {
    key: &'static str,
    title: String,
    rows: Vec<ServiceRow>,
}

#[derive(Template)]
#[template(path = "counter/services.html")]
struct ListPage {
    p: Page,
    groups: Vec<GroupRows>,
    total: usize,
    lockers: usize,
}

async fn list(State(state): State<CounterState>, v: Viewer) -> PageResult {
    let j = super::jurisdiction_of(&state, &v).await?;
    let services = state.module.services(&j).await.map_err(failed(&v))?;
    let groups = Group::ALL
        .iter()
        .map(|g| GroupRows {
            key: g.as_str(),
            title: v.t(&format!("counter-group-{}", g.as_str())),
            rows: services
                .iter()
                .filter(|s| s.group == *g)
                .map(|s| row(&v, s))
                .collect(),
        })
        .filter(|g| !g.rows.is_empty())
        .collect();
    let page = ListPage {
        p: Page::new(&v, &state, "counter-services-title", "services"),
        groups,
        total: services.len(),
        lockers: services.iter().filter(|s| s.offers(Pickup::Locker)).count(),
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

struct OfficeOption {
    code: String,
    name: String,
    address: String,
    smart_desk: bool,
}

#[derive(Template)]
#[template(path = "counter/service.html")]
struct ServicePage {
    p: Page,
    s: ServiceRow,
    documents: Vec<String>,
    eligibility: String,
    offices: Vec<OfficeOption>,
    pickups: Vec<(String, String)>,
    agent_apply: bool,
    agent_pick_up: bool,
    signed_in: bool,
    citizen: bool,
    f: ApplyForm,
    errors: Errors,
}

#[derive(Deserialize, Default)]
struct ApplyForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    office: String,
    #[serde(default)]
    pickup: String,
}

async fn service_page(
    state: &CounterState,
    v: &Viewer,
    code: &str,
    f: ApplyForm,
    errors: Errors,
) -> PageResult {
    let j = super::jurisdiction_of(state, v).await?;
    let (s, _) = state.module.service(&j, code).await.map_err(failed(v))?;
    let catalogue = state.module.catalogue(&j).await.map_err(failed(v))?;
    let locale = v.locale;
    let offices = s
        .offices
        .iter()
        .filter_map(|o| catalogue.office(o))
        .map(|(o, _)| OfficeOption {
            code: o.code.clone(),
            name: o.name.get(locale).to_string(),
            address: o.address.get(locale).to_string(),
            smart_desk: o.smart_desk,
        })
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = ServicePage {
        p: Page::new(v, state, "counter-service-title", "services")
            .with_title(s.name.get(locale).to_string())
            .with_errors(&errors),
        documents: s
            .documents
            .iter()
            .map(|d| d.get(locale).to_string())
            .collect(),
        eligibility: s.eligibility.get(locale).to_string(),
        offices,
        pickups: s
            .pickup
            .iter()
            .map(|p| {
                (
                    p.as_str().to_string(),
                    v.t(&format!("counter-pickup-{}", p.as_str())),
                )
            })
            .collect(),
        agent_apply: s.agent_may_apply,
        agent_pick_up: s.agent_may_pick_up,
        signed_in: v.signed_in().is_some(),
        citizen: v.is_citizen(),
        s: row(v, &s),
        f,
        errors,
    };
    Ok(render(v, state, status, &page))
}

async fn service(
    State(state): State<CounterState>,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult {
    service_page(&state, &v, &code, ApplyForm::default(), Errors::default()).await
}

async fn apply(
    State(state): State<CounterState>,
    v: Viewer,
    Path(code): Path<String>,
    Form(f): Form<ApplyForm>,
) -> PageResult {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other(&format!(
            "/sign-in?back=/services/catalogue/{code}"
        )));
    };
    check_token(&v, &f._csrf)?;
    match state
        .module
        .start_application(actor, &code, &f.office, &f.pickup)
        .await
    {
        Ok(app) => Ok(see_other(&format!("/services/applications/{}", app.id))),
        Err(ServiceError::Forbidden(m)) if m.id == "error-step-up" => {
            Ok(see_other("/account/step-up"))
        }
        Err(e) => {
            let errors = Errors::from_service(&v, e, |m| match m.id {
                "counter-error-pickup" => "f-pickup".to_string(),
                _ => "f-office".to_string(),
            })?;
            service_page(&state, &v, &code, f, errors).await
        }
    }
}
