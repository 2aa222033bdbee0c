//! Staff's pages: find payments; a payment's facts, history, notices and refunds, with the
//! counter's forms (wallet barcode, cash) and the refund's (amount, reason, a step up); a new
//! payment request; the day's reconciliation per provider; the finance office's export.

use super::ntd;
use crate::app::counter::CounterOutcome;
use crate::app::reconcile::{self, METHODS};
use crate::app::refunds::RefundAsk;
use crate::app::{Payment, PaymentAsk, PaymentDetail, Search};
use crate::domain::state::PaymentState;
use crate::module::{PaymentsState, REFUND_PAYMENTS, TAKE_PAYMENTS, VIEW_PAYMENTS};
use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use domain::Locale;
use identity::doors::{Viewer, check_token, render, require};
use platform::ServiceError;
use serde::Deserialize;
use webkit::page::forms::Errors;
use webkit::page::{Page, PageResult, failed, see_other};

pub fn routes() -> Router<PaymentsState> {
    Router::new()
        .route("/staff/payments", get(list))
        .route("/staff/payments/new", get(new_form).post(create))
        .route("/staff/payments/{id}", get(detail))
        .route("/staff/payments/{id}/wallet", post(wallet))
        .route("/staff/payments/{id}/cash", post(cash))
        .route("/staff/payments/{id}/refund", post(refund))
        .route(
            "/staff/payments/{id}/refunds/{refund_id}",
            post(resolve_refund),
        )
        .route("/staff/payments/{id}/check", post(check_one))
}

struct Row {
    pay: Payment,
    amount: String,
}

#[derive(Template)]
#[template(path = "payments/staff_list.html")]
struct List {
    p: Page,
    rows: Vec<Row>,
    q: ListQuery,
    states: &'static [PaymentState],
    may_take: bool,
    today: String,
    /// The query of the next (older) page, when there is one.
    older: Option<String>,
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    method: String,
    /// The last row of the previous page (`created_at.id`).
    #[serde(default)]
    before: String,
}

impl ListQuery {
    /// The query of the page after the one ending with `last`.
    fn older(&self, last: &Payment) -> String {
        form_urlencoded::Serializer::new(String::new())
            .append_pair("q", &self.q)
            .append_pair("state", &self.state)
            .append_pair("method", &self.method)
            .append_pair("before", &format!("{}.{}", last.created_at, last.id))
            .finish()
    }
}

/// A page of the staff list.
const PAGE: u64 = 100;

async fn list(
    State(state): State<PaymentsState>,
    v: Viewer,
    Query(q): Query<ListQuery>,
) -> PageResult {
    let actor = require(&v, VIEW_PAYMENTS)?;
    let search = Search {
        text: Some(q.q.trim().to_string()).filter(|s| !s.is_empty()),
        state: PaymentState::parse(&q.state),
        method: Some(q.method.clone()).filter(|m| METHODS.contains(&m.as_str())),
        before: q
            .before
            .split_once('.')
            .and_then(|(at, id)| Some((at.parse().ok()?, id.to_string()))),
        ..Default::default()
    };
    let found = state
        .module
        .search(actor, &search, PAGE)
        .await
        .map_err(failed(&v))?;
    let older = (found.len() as u64 == PAGE)
        .then(|| found.last().map(|last| q.older(last)))
        .flatten();
    let rows = found
        .into_iter()
        .map(|pay| Row {
            amount: ntd(pay.amount),
            pay,
        })
        .collect();
    let page = List {
        p: Page::new(&v, &state, "payments-title", "payments"),
        rows,
        q,
        states: PaymentState::ALL,
        may_take: v.may(TAKE_PAYMENTS),
        today: reconcile::day_of(state.module.platform.now()),
        older,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

#[derive(Template)]
#[template(path = "payments/staff_new.html")]
struct NewPage {
    p: Page,
    f: NewForm,
    errors: Errors,
}

#[derive(Deserialize, Default)]
struct NewForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    channel: String,
}

fn new_page(state: &PaymentsState, v: &Viewer, f: NewForm, errors: Errors) -> PageResult {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = NewPage {
        p: Page::new(v, state, "payments-new", "payments").with_errors(&errors),
        f,
        errors,
    };
    Ok(render(v, state, status, &page))
}

async fn new_form(State(state): State<PaymentsState>, v: Viewer) -> PageResult {
    require(&v, TAKE_PAYMENTS)?;
    new_page(&state, &v, NewForm::default(), Errors::default())
}

async fn create(
    State(state): State<PaymentsState>,
    v: Viewer,
    axum::extract::Form(f): axum::extract::Form<NewForm>,
) -> PageResult {
    let actor = require(&v, TAKE_PAYMENTS)?;
    check_token(&v, &f._csrf)?;
    let amount = crate::domain::money::Amount::parse(&f.amount)
        .map(|a| i64::from(a.dollars()))
        .unwrap_or(0);
    let ask = PaymentAsk {
        reference: f.reference.clone(),
        description: f.description.clone(),
        amount,
        return_url: "/".into(),
        payer_account_id: None,
        language: Locale::from_tag(&f.language).unwrap_or(Locale::ZhTw),
        counter: f.channel == "counter",
    };
    match state.module.request_payment(actor, false, ask).await {
        Ok(c) => Ok(see_other(&format!(
            "/staff/payments/{}?done=created",
            c.payment.id
        ))),
        Err(e) => {
            let errors = Errors::from_service(&v, e, |m| {
                match m.id {
                    "error-payment-amount" => "f-amount",
                    "error-payment-description" => "f-description",
                    _ => "f-reference",
                }
                .to_string()
            })?
            .in_order(&["f-reference", "f-description", "f-amount"]);
            new_page(&state, &v, f, errors)
        }
    }
}

struct EventRow {
    at: i64,
    kind: String,
    actor: String,
    from: String,
    to: String,
    amount: Option<String>,
    data: String,
}

#[derive(Template)]
#[template(path = "payments/staff_payment.html")]
struct DetailPage {
    p: Page,
    d: PaymentDetail,
    amount: String,
    refunded: String,
    refundable: i64,
    payer_url: String,
    events: Vec<EventRow>,
    may_take: bool,
    may_refund: bool,
    takeable: bool,
    /// The first refund left pending by the provider, to settle once checked.
    pending: Option<crate::app::Refund>,
    f: ActionForm,
    errors: Errors,
}

#[derive(Deserialize, Default)]
struct ActionForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    barcode: String,
    #[serde(default)]
    receipt: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    code: String,
}

#[derive(Deserialize, Default)]
struct DoneQuery {
    done: Option<String>,
}

pub(super) fn done_text(v: &Viewer, done: Option<&str>) -> Option<String> {
    let key = match done? {
        "created" => "payments-done-created",
        "paid" => "payments-done-paid",
        "refunded" => "payments-done-refunded",
        "checked" => "payments-done-checked",
        "declined" => "payments-done-declined",
        _ => return None,
    };
    Some(v.t(key))
}

async fn detail_page(
    state: &PaymentsState,
    v: &Viewer,
    id: &str,
    f: ActionForm,
    errors: Errors,
    done: Option<&str>,
    status: StatusCode,
) -> PageResult {
    let actor = require(v, VIEW_PAYMENTS)?;
    let d = state.module.detail(actor, id).await.map_err(failed(v))?;
    let events = d
        .events
        .iter()
        .map(|e| EventRow {
            at: e.event.created_at,
            kind: e.event.kind.clone(),
            actor: e.event.actor.clone(),
            from: e.event.from_state.clone().unwrap_or_default(),
            to: e.event.to_state.clone().unwrap_or_default(),
            amount: e.event.amount.map(ntd),
            data: e.event.data.clone(),
        })
        .collect();
    let p = &d.payment;
    let page = DetailPage {
        p: Page::new(v, state, "payments-payment", "payments")
            .with_errors(&errors)
            .with_status(done_text(v, done)),
        amount: ntd(p.amount),
        refunded: ntd(p.refunded),
        refundable: p.refundable(),
        payer_url: state.module.payer_url(&p.id),
        takeable: matches!(p.state, PaymentState::Created | PaymentState::Started),
        pending: d.refunds.iter().find(|r| r.state == "pending").cloned(),
        may_take: v.may(TAKE_PAYMENTS),
        may_refund: v.may(REFUND_PAYMENTS),
        events,
        d,
        f,
        errors,
    };
    Ok(render(v, state, status, &page))
}

async fn detail(
    State(state): State<PaymentsState>,
    v: Viewer,
    Path(id): Path<String>,
    Query(q): Query<DoneQuery>,
) -> PageResult {
    detail_page(
        &state,
        &v,
        &id,
        ActionForm::default(),
        Errors::default(),
        q.done.as_deref(),
        StatusCode::OK,
    )
    .await
}

/// Shows a refused action on the payment's page, by the field it concerns.
async fn refused(
    state: &PaymentsState,
    v: &Viewer,
    id: &str,
    f: ActionForm,
    e: ServiceError,
    field: &'static str,
) -> PageResult {
    let status = StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let e = match e {
        // A provider that does not answer, or a refused step up, is shown on the form too.
        ServiceError::Unavailable(m) | ServiceError::Forbidden(m) => ServiceError::invalid(m),
        other => other,
    };
    let errors = Errors::from_service(v, e, |_| field.to_string())?;
    detail_page(state, v, id, f, errors, None, status).await
}

async fn wallet(
    State(state): State<PaymentsState>,
    v: Viewer,
    Path(id): Path<String>,
    axum::extract::Form(f): axum::extract::Form<ActionForm>,
) -> PageResult {
    let actor = require(&v, TAKE_PAYMENTS)?;
    check_token(&v, &f._csrf)?;
    match state.module.take_wallet(actor, &id, &f.barcode).await {
        Ok(CounterOutcome::Paid(_)) => Ok(see_other(&format!("/staff/payments/{id}?done=paid"))),
        Ok(CounterOutcome::Declined { .. }) => {
            Ok(see_other(&format!("/staff/payments/{id}?done=declined")))
        }
        Err(e) => refused(&state, &v, &id, f, e, "f-barcode").await,
    }
}

async fn cash(
    State(state): State<PaymentsState>,
    v: Viewer,
    Path(id): Path<String>,
    axum::extract::Form(f): axum::extract::Form<ActionForm>,
) -> PageResult {
    let actor = require(&v, TAKE_PAYMENTS)?;
    check_token(&v, &f._csrf)?;
    match state.module.take_cash(actor, &id, &f.receipt).await {
        Ok(_) => Ok(see_other(&format!("/staff/payments/{id}?done=paid"))),
        Err(e) => refused(&state, &v, &id, f, e, "f-receipt").await,
    }
}

async fn refund(
    State(state): State<PaymentsState>,
    v: Viewer,
    Path(id): Path<String>,
    axum::extract::Form(f): axum::extract::Form<ActionForm>,
) -> PageResult {
    let actor = require(&v, REFUND_PAYMENTS)?;
    check_token(&v, &f._csrf)?;
    let amount = crate::domain::money::Amount::parse(&f.amount)
        .map(|a| i64::from(a.dollars()))
        .unwrap_or(0);
    let ask = RefundAsk {
        amount,
        reason: f.reason.clone(),
        code: f.code.clone(),
    };
    match state.module.refund(actor, &id, ask).await {
        Ok(_) => Ok(see_other(&format!("/staff/payments/{id}?done=refunded"))),
        Err(e) => {
            let names = |m: &[domain::Message], f: &dyn Fn(&str) -> bool| m.iter().any(|m| f(m.id));
            let field = match &e {
                ServiceError::Invalid(m) if names(m, &|id| id == "error-refund-reason") => {
                    "f-reason"
                }
                ServiceError::Invalid(m)
                    if names(m, &|id| {
                        id.starts_with("error-totp") || id.starts_with("error-step-up")
                    }) =>
                {
                    "f-code"
                }
                ServiceError::Forbidden(_) | ServiceError::RateLimited { .. } => "f-code",
                _ => "f-amount",
            };
            let f = ActionForm {
                code: String::new(),
                ..f
            };
            refused(&state, &v, &id, f, e, field).await
        }
    }
}

#[derive(Deserialize, Default)]
struct ResolveForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    code: String,
}

/// Settles a pending refund after checking with the provider.
async fn resolve_refund(
    State(state): State<PaymentsState>,
    v: Viewer,
    Path((id, refund_id)): Path<(String, String)>,
    axum::extract::Form(f): axum::extract::Form<ResolveForm>,
) -> PageResult {
    let actor = require(&v, REFUND_PAYMENTS)?;
    check_token(&v, &f._csrf)?;
    let done = f.outcome == "done";
    match state
        .module
        .resolve_refund(actor, &id, &refund_id, done, &f.code)
        .await
    {
        Ok(_) => Ok(see_other(&format!("/staff/payments/{id}?done=refunded"))),
        Err(e) => refused(&state, &v, &id, ActionForm::default(), e, "f-resolve-code").await,
    }
}

#[derive(Deserialize, Default)]
struct TokenForm {
    #[serde(default)]
    _csrf: String,
}

async fn check_one(
    State(state): State<PaymentsState>,
    v: Viewer,
    Path(id): Path<String>,
    axum::extract::Form(f): axum::extract::Form<TokenForm>,
) -> PageResult {
    let actor = require(&v, VIEW_PAYMENTS)?;
    check_token(&v, &f._csrf)?;
    state
        .module
        .check_payment(actor, &id)
        .await
        .map_err(failed(&v))?;
    Ok(see_other(&format!("/staff/payments/{id}?done=checked")))
}
