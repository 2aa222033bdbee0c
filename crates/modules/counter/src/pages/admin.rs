//! The administrators' pages: the catalogue (every service, its fee, time, pickup and form),
//! one service edited field by field, and a form built as TOML with a live preview of the page
//! the applicant will see; saving a form adds a version.

use super::catalogue::{fee_words, time_words};
use super::fields::{self, FieldView};
use crate::domain::catalogue::{Assurance, Group, Pickup, Service};
use crate::domain::fee::Fee;
use crate::domain::forms::Form;
use crate::module::{CounterState, MANAGE_COUNTER};
use askama::Template;
use axum::Router;
use axum::extract::{Form as PostForm, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::get;
use domain::locale::Localized;
use identity::doors::{Viewer, check_token, gate, render};
use serde::Deserialize;
use webkit::page::forms::Errors;
use webkit::page::{Page, PageResult, failed, see_other};

pub fn routes() -> Router<CounterState> {
    Router::new()
        .route("/admin/counter", get(index))
        .route(
            "/admin/counter/services/{code}",
            get(service).post(save_service),
        )
        .route("/admin/counter/forms/{key}", get(form).post(save_form))
}

struct Row {
    code: String,
    name: String,
    fee: String,
    time: String,
    pickup: String,
    form: String,
    active: bool,
    assumption: bool,
}

#[derive(Template)]
#[template(path = "counter/admin.html")]
struct IndexPage {
    p: Page,
    rows: Vec<Row>,
    forms: Vec<(String, i64, usize)>,
    done: String,
}

#[derive(Deserialize, Default)]
struct Done {
    #[serde(default)]
    done: String,
}

async fn index(State(state): State<CounterState>, v: Viewer, Query(q): Query<Done>) -> PageResult {
    let actor = gate(&v, MANAGE_COUNTER)?;
    let c = state
        .module
        .catalogue(&actor.jurisdiction_id)
        .await
        .map_err(failed(&v))?;
    let rows = c
        .services
        .iter()
        .map(|s| Row {
            code: s.code.clone(),
            name: s.name.get(v.locale).to_string(),
            fee: fee_words(&v, s.fee),
            time: time_words(&v, s.processing_days),
            pickup: s
                .pickup
                .iter()
                .map(|p| v.t(&format!("counter-pickup-{}", p.as_str())))
                .collect::<Vec<_>>()
                .join("、"),
            form: s.form.clone(),
            active: s.active,
            assumption: s.assumption.is_some(),
        })
        .collect();
    let forms = c
        .forms
        .iter()
        .map(|(f, v)| (f.key.clone(), *v, f.fields.len()))
        .collect();
    let page = IndexPage {
        p: Page::new(&v, &state, "counter-admin-title", "admin"),
        rows,
        forms,
        done: q.done,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

/// A service as the edit form holds it.
#[derive(Deserialize, Default, Clone)]
struct ServiceForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    description_zh: String,
    #[serde(default)]
    description_en: String,
    #[serde(default)]
    eligibility_zh: String,
    #[serde(default)]
    eligibility_en: String,
    /// One document a line: `中文 | English`.
    #[serde(default)]
    documents: String,
    #[serde(default)]
    fee_kind: String,
    #[serde(default)]
    fee_first: String,
    #[serde(default)]
    fee_further: String,
    #[serde(default)]
    processing_days: String,
    #[serde(default)]
    assurance: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    form: String,
    #[serde(default)]
    pickup_counter: String,
    #[serde(default)]
    pickup_locker: String,
    #[serde(default)]
    pickup_post: String,
    #[serde(default)]
    agent_apply: String,
    #[serde(default)]
    agent_pick_up: String,
    #[serde(default)]
    active: String,
    /// The offices, comma-separated codes.
    #[serde(default)]
    offices: String,
}

impl ServiceForm {
    fn of(s: &Service) -> ServiceForm {
        let (first, further) = match s.fee {
            Fee::Free => (0, 0),
            Fee::Fixed { amount } | Fee::PerCopy { amount } => (amount, 0),
            Fee::FirstAndFurther { first, further } => (first, further),
        };
        let yes = |b: bool| if b { "yes".to_string() } else { String::new() };
        ServiceForm {
            _csrf: String::new(),
            name_zh: s.name.zh.clone(),
            name_en: s.name.en.clone(),
            description_zh: s.description.zh.clone(),
            description_en: s.description.en.clone(),
            eligibility_zh: s.eligibility.zh.clone(),
            eligibility_en: s.eligibility.en.clone(),
            documents: s
                .documents
                .iter()
                .map(|d| format!("{} | {}", d.zh, d.en))
                .collect::<Vec<_>>()
                .join("\n"),
            fee_kind: s.fee.kind().to_string(),
            fee_first: first.to_string(),
            fee_further: further.to_string(),
            processing_days: s.processing_days.to_string(),
            assurance: s.assurance.as_str().to_string(),
            group: s.group.as_str().to_string(),
            form: s.form.clone(),
            pickup_counter: yes(s.offers(Pickup::Counter)),
            pickup_locker: yes(s.offers(Pickup::Locker)),
            pickup_post: yes(s.offers(Pickup::Post)),
            agent_apply: yes(s.agent_may_apply),
            agent_pick_up: yes(s.agent_may_pick_up),
            active: yes(s.active),
            offices: s.offices.join(", "),
        }
    }

    /// The service the form describes, or the field it cannot read.
    fn service(&self, base: &Service) -> Result<Service, &'static str> {
        let amount = |t: &str| domain::width::to_half_width(t.trim()).parse::<i64>().ok();
        let fee = Fee::from_parts(
            &self.fee_kind,
            amount(&self.fee_first).unwrap_or(0),
            amount(&self.fee_further).unwrap_or(0),
        )
        .ok_or("f-fee_first")?;
        let processing_days = domain::width::to_half_width(self.processing_days.trim())
            .parse()
            .map_err(|_| "f-processing_days")?;
        let mut pickup = Vec::new();
        for (on, p) in [
            (&self.pickup_counter, Pickup::Counter),
            (&self.pickup_locker, Pickup::Locker),
            (&self.pickup_post, Pickup::Post),
        ] {
            if on == "yes" {
                pickup.push(p);
            }
        }
        let documents = self
            .documents
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(|l| match l.split_once('|') {
                Some((zh, en)) => Localized::new(zh.trim(), en.trim()),
                None => Localized::new(l, ""),
            })
            .collect();
        Ok(Service {
            code: base.code.clone(),
            group: Group::parse(&self.group).ok_or("f-group")?,
            name: Localized::new(self.name_zh.trim(), self.name_en.trim()),
            description: Localized::new(self.description_zh.trim(), self.description_en.trim()),
            documents,
            eligibility: Localized::new(self.eligibility_zh.trim(), self.eligibility_en.trim()),
            fee,
            processing_days,
            assurance: Assurance::parse(&self.assurance).ok_or("f-assurance")?,
            pickup,
            agent_may_apply: self.agent_apply == "yes",
            agent_may_pick_up: self.agent_pick_up == "yes",
            form: self.form.trim().to_string(),
            offices: self
                .offices
                .split(',')
                .map(str::trim)
                .filter(|o| !o.is_empty())
                .map(str::to_string)
                .collect(),
            assumption: base.assumption.clone(),
            active: self.active == "yes",
        })
    }
}

#[derive(Template)]
#[template(path = "counter/admin_service.html")]
struct ServicePage {
    p: Page,
    code: String,
    assumption: Option<String>,
    f: ServiceForm,
    forms: Vec<String>,
    errors: Errors,
}

async fn service_page(
    state: &CounterState,
    v: &Viewer,
    code: &str,
    f: Option<ServiceForm>,
    errors: Errors,
) -> PageResult {
    let actor = gate(v, MANAGE_COUNTER)?;
    let s = state
        .module
        .service_for_admin(actor, code)
        .await
        .map_err(failed(v))?;
    let c = state
        .module
        .catalogue(&actor.jurisdiction_id)
        .await
        .map_err(failed(v))?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = ServicePage {
        p: Page::new(v, state, "counter-admin-service", "admin")
            .with_title(s.name.get(v.locale).to_string())
            .with_errors(&errors),
        code: s.code.clone(),
        assumption: s.assumption.clone(),
        f: f.unwrap_or_else(|| ServiceForm::of(&s)),
        forms: c.forms.iter().map(|(f, _)| f.key.clone()).collect(),
        errors,
    };
    Ok(render(v, state, status, &page))
}

async fn service(
    State(state): State<CounterState>,
    v: Viewer,
    Path(code): Path<String>,
) -> PageResult {
    service_page(&state, &v, &code, None, Errors::default()).await
}

async fn save_service(
    State(state): State<CounterState>,
    v: Viewer,
    Path(code): Path<String>,
    PostForm(f): PostForm<ServiceForm>,
) -> PageResult {
    let actor = gate(&v, MANAGE_COUNTER)?;
    check_token(&v, &f._csrf)?;
    let base = state
        .module
        .service_for_admin(actor, &code)
        .await
        .map_err(failed(&v))?;
    let service = match f.service(&base) {
        Ok(s) => s,
        Err(field) => {
            let mut errors = Errors::default();
            errors.add(
                &v,
                field,
                &domain::Message::new("counter-error-admin-field"),
            );
            return service_page(&state, &v, &code, Some(f), errors).await;
        }
    };
    match state.module.save_service(actor, service).await {
        Ok(()) => Ok(see_other("/admin/counter?done=service")),
        Err(e) => {
            let errors = Errors::from_service(&v, e, |_| "f-name_zh".to_string())?;
            service_page(&state, &v, &code, Some(f), errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "counter/admin_form.html")]
struct FormPage {
    p: Page,
    key: String,
    version: i64,
    text: String,
    preview: Vec<FieldView>,
    notice: String,
    errors: Errors,
    a: PreviewApp,
}

/// What the preview's field template reads of "the application" (nothing is stored).
struct PreviewApp {
    id: String,
}

#[derive(Deserialize, Default)]
struct FormForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    text: String,
    #[serde(default, rename = "do")]
    action: String,
}

async fn form_page(
    state: &CounterState,
    v: &Viewer,
    key: &str,
    text: Option<String>,
    errors: Errors,
) -> PageResult {
    let actor = gate(v, MANAGE_COUNTER)?;
    let (current, version) = state
        .module
        .form_for_admin(actor, key)
        .await
        .map_err(failed(v))?;
    let text = text.unwrap_or_else(|| current.to_toml());
    // The preview: what was typed when it reads, else the form in force.
    let shown = Form::from_toml(&text).unwrap_or(current);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = FormPage {
        p: Page::new(v, state, "counter-admin-form", "admin")
            .with_title(key.to_string())
            .with_errors(&errors),
        key: key.to_string(),
        version,
        preview: fields::views(&shown, &Default::default(), &[], v.locale),
        notice: shown.pdpa_notice.get(v.locale).to_string(),
        text,
        errors,
        a: PreviewApp {
            id: "preview".into(),
        },
    };
    Ok(render(v, state, status, &page))
}

async fn form(State(state): State<CounterState>, v: Viewer, Path(key): Path<String>) -> PageResult {
    form_page(&state, &v, &key, None, Errors::default()).await
}

async fn save_form(
    State(state): State<CounterState>,
    v: Viewer,
    Path(key): Path<String>,
    PostForm(f): PostForm<FormForm>,
) -> PageResult {
    let actor = gate(&v, MANAGE_COUNTER)?;
    check_token(&v, &f._csrf)?;
    let parsed = Form::from_toml(&f.text).and_then(|form| {
        if form.key == key {
            Ok(form)
        } else {
            Err(format!("the key must stay {key}"))
        }
    });
    let form = match parsed {
        Ok(form) => form,
        Err(detail) => {
            let mut errors = Errors::default();
            errors.add(
                &v,
                "f-text",
                &domain::Message::new("counter-error-form").arg("detail", detail),
            );
            return form_page(&state, &v, &key, Some(f.text), errors).await;
        }
    };
    if f.action == "preview" {
        return form_page(&state, &v, &key, Some(f.text), Errors::default()).await;
    }
    match state.module.save_form(actor, form).await {
        Ok(version) => Ok(see_other(&format!("/admin/counter?done=form-{version}"))),
        Err(e) => {
            let errors = Errors::from_service(&v, e, |_| "f-text".to_string())?;
            form_page(&state, &v, &key, Some(f.text), errors).await
        }
    }
}
