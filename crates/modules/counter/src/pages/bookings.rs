//! Reservations in pages: a citizen books a time at an office (apply in person, or pick up at
//! the counter) and cancels it; a clerk sees the day's bookings, checks people in with a
//! queue number, and books for a phone caller.

use crate::app::bookings::{BookingAsk, SlotView};
use crate::domain::forms::parse_date;
use crate::domain::reservations::Purpose;
use crate::module::{CounterState, REVIEW_APPLICATIONS};
use crate::store::bookings::Booking;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use identity::doors::{Viewer, check_token, gate, render};
use platform::ServiceError;
use serde::Deserialize;
use webkit::page::forms::Errors;
use webkit::page::{Page, PageResult, failed, see_other};

pub fn routes() -> Router<CounterState> {
    Router::new()
        .route("/services/bookings", get(mine).post(book))
        .route("/services/bookings/{id}/cancel", post(cancel))
        .route("/staff/counter/bookings", get(day).post(phone))
        .route("/staff/counter/bookings/{id}/{action}", post(clerk_action))
}

#[derive(Deserialize, Default, Clone)]
struct SlotQuery {
    #[serde(default)]
    office: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    done: String,
    #[serde(default)]
    queue: String,
}

#[derive(Deserialize, Default, Clone)]
struct BookForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    office: String,
    #[serde(default)]
    purpose: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    slot: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    mobile: String,
}

struct Choices {
    offices: Vec<(String, String)>,
    office: String,
    purpose: String,
    date: time::Date,
    slots: Vec<SlotView>,
}

async fn choices(
    state: &CounterState,
    v: &Viewer,
    j: &str,
    office: &str,
    purpose: &str,
    date: &str,
) -> Result<Choices, webkit::page::Stop> {
    let catalogue = state.module.catalogue(j).await.map_err(failed(v))?;
    let offices: Vec<(String, String)> = catalogue
        .offices
        .iter()
        .map(|(o, _)| (o.code.clone(), o.name.get(v.locale).to_string()))
        .collect();
    let office = offices
        .iter()
        .find(|(c, _)| c == office)
        .or(offices.first())
        .map(|(c, _)| c.clone())
        .unwrap_or_default();
    let purpose = Purpose::parse(purpose).unwrap_or(Purpose::Apply);
    let calendar = state.module.calendar_of(j).await.map_err(failed(v))?;
    let today = calendar.local_date(state.module.platform().now());
    let date = parse_date(date)
        .filter(|d| *d >= today)
        .unwrap_or_else(|| calendar.next_working_day(today));
    let slots = if office.is_empty() {
        Vec::new()
    } else {
        state
            .module
            .slots(j, &office, purpose, date)
            .await
            .map_err(failed(v))?
    };
    Ok(Choices {
        offices,
        office,
        purpose: purpose.as_str().into(),
        date,
        slots,
    })
}

#[derive(Template)]
#[template(path = "counter/bookings.html")]
struct MinePage {
    p: Page,
    bookings: Vec<Booking>,
    c: Choices,
    errors: Errors,
    done: String,
}

async fn mine_page(state: &CounterState, v: &Viewer, q: SlotQuery, errors: Errors) -> PageResult {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/services/bookings"));
    };
    let bookings = state.module.my_bookings(actor).await.map_err(failed(v))?;
    let c = choices(
        state,
        v,
        &actor.jurisdiction_id,
        &q.office,
        &q.purpose,
        &q.date,
    )
    .await?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = MinePage {
        p: Page::new(v, state, "counter-bookings-title", "services").with_errors(&errors),
        bookings,
        c,
        errors,
        done: q.done,
    };
    Ok(render(v, state, status, &page))
}

async fn mine(
    State(state): State<CounterState>,
    v: Viewer,
    Query(q): Query<SlotQuery>,
) -> PageResult {
    mine_page(&state, &v, q, Errors::default()).await
}

fn field_of(m: &domain::Message) -> String {
    match m.id {
        "counter-error-booking-name" => "f-name",
        "counter-error-booking-mobile" => "f-mobile",
        "counter-error-office" => "f-office",
        _ => "f-slot",
    }
    .to_string()
}

async fn book(State(state): State<CounterState>, v: Viewer, Form(f): Form<BookForm>) -> PageResult {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/services/bookings"));
    };
    check_token(&v, &f._csrf)?;
    let ask = BookingAsk {
        office: f.office.clone(),
        purpose: f.purpose.clone(),
        starts_at: f.slot.parse().unwrap_or(0),
        ..BookingAsk::default()
    };
    match state.module.book(actor, ask).await {
        Ok(_) => Ok(see_other("/services/bookings?done=booked")),
        Err(e) => {
            let errors = booking_errors(&v, e)?;
            let q = SlotQuery {
                office: f.office,
                purpose: f.purpose,
                date: f.date,
                ..SlotQuery::default()
            };
            mine_page(&state, &v, q, errors).await
        }
    }
}

/// A refusal as form errors; a full slot (409) is shown on the form too.
fn booking_errors(v: &Viewer, e: ServiceError) -> Result<Errors, webkit::page::Stop> {
    let e = match e {
        ServiceError::Conflict(m) => ServiceError::Invalid(vec![m]),
        other => other,
    };
    Ok(Errors::from_service(v, e, field_of)?)
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    _csrf: String,
}

async fn cancel(
    State(state): State<CounterState>,
    v: Viewer,
    Path(id): Path<String>,
    Form(f): Form<TokenForm>,
) -> PageResult {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/services/bookings"));
    };
    check_token(&v, &f._csrf)?;
    state
        .module
        .cancel_booking(actor, &id)
        .await
        .map_err(failed(&v))?;
    Ok(see_other("/services/bookings?done=cancelled"))
}

#[derive(Template)]
#[template(path = "counter/day.html")]
struct DayPage {
    p: Page,
    bookings: Vec<Booking>,
    c: Choices,
    f: BookForm,
    errors: Errors,
    done: String,
    queue: String,
}

async fn day_page(
    state: &CounterState,
    v: &Viewer,
    q: SlotQuery,
    f: BookForm,
    errors: Errors,
) -> PageResult {
    let actor = gate(v, REVIEW_APPLICATIONS)?;
    let c = choices(
        state,
        v,
        &actor.jurisdiction_id,
        &q.office,
        &q.purpose,
        &q.date,
    )
    .await?;
    let bookings = state
        .module
        .day_bookings(actor, &c.office, c.date)
        .await
        .map_err(failed(v))?;
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = DayPage {
        p: Page::new(v, state, "counter-day-title", "counter").with_errors(&errors),
        bookings,
        c,
        f,
        errors,
        done: q.done,
        queue: q.queue,
    };
    Ok(render(v, state, status, &page))
}

async fn day(
    State(state): State<CounterState>,
    v: Viewer,
    Query(q): Query<SlotQuery>,
) -> PageResult {
    day_page(&state, &v, q, BookForm::default(), Errors::default()).await
}

/// A clerk books for a phone caller.
async fn phone(
    State(state): State<CounterState>,
    v: Viewer,
    Form(f): Form<BookForm>,
) -> PageResult {
    let actor = gate(&v, REVIEW_APPLICATIONS)?;
    check_token(&v, &f._csrf)?;
    let ask = BookingAsk {
        office: f.office.clone(),
        purpose: f.purpose.clone(),
        starts_at: f.slot.parse().unwrap_or(0),
        service: None,
        name: f.name.clone(),
        mobile: f.mobile.clone(),
    };
    match state.module.book(actor, ask).await {
        Ok(b) => Ok(see_other(&format!(
            "/staff/counter/bookings?office={}&purpose={}&date={}&done=booked",
            b.office_code, b.purpose, f.date
        ))),
        Err(e) => {
            let errors = booking_errors(&v, e)?;
            let q = SlotQuery {
                office: f.office.clone(),
                purpose: f.purpose.clone(),
                date: f.date.clone(),
                ..SlotQuery::default()
            };
            day_page(&state, &v, q, f, errors).await
        }
    }
}

async fn clerk_action(
    State(state): State<CounterState>,
    v: Viewer,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<TokenForm>,
) -> PageResult {
    let actor = gate(&v, REVIEW_APPLICATIONS)?;
    check_token(&v, &f._csrf)?;
    let m = &state.module;
    let b = match action.as_str() {
        "arrive" => m.arrive(actor, &id).await,
        "cancel" => m.cancel_booking(actor, &id).await,
        _ => {
            return Err(webkit::page::PageError::new(
                StatusCode::NOT_FOUND,
                "error-not-found",
                v.locale,
            )
            .into());
        }
    }
    .map_err(failed(&v))?;
    let date = m
        .calendar_of(&b.jurisdiction_id)
        .await
        .map_err(failed(&v))?
        .local_date(b.starts_at);
    Ok(see_other(&format!(
        "/staff/counter/bookings?office={}&purpose={}&date={date}&done={action}&queue={}",
        b.office_code,
        b.purpose,
        b.queue_number.unwrap_or_default()
    )))
}
