//! The Smart Desk for staff: each site's doors with their state and what the devices last
//! sensed, a door cleared (its item taken back to the counter), held, reported out of order
//! or repaired; for administrators, registering a device (its credentials shown once) and the
//! kiosk. Also the kiosk itself: a touch-screen page that is the device's front end, signing
//! its requests to the device API in the browser (`kiosk.js`).

use crate::app::lockers::SiteView;
use crate::domain::lockers::DoorAction;
use crate::module::{CounterState, MANAGE_COUNTER, REVIEW_APPLICATIONS};
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use identity::doors::{Viewer, check_token, gate, render};
use serde::Deserialize;
use webkit::page::{Page, PageResult, failed, see_other};

pub fn routes() -> Router<CounterState> {
    Router::new()
        .route("/staff/counter/smart-desk", get(desk))
        .route("/staff/counter/smart-desk/doors/{door}", post(set_door))
        .route("/staff/counter/smart-desk/{site}/devices", post(register))
        .route(
            "/staff/counter/smart-desk/devices/{device}/retire",
            post(retire),
        )
        .route("/smart-desk/kiosk", get(kiosk))
        .route("/smart-desk/kiosk.js", get(kiosk_js))
        .route("/smart-desk/kiosk.css", get(kiosk_css))
}

#[derive(Template)]
#[template(path = "counter/smart_desk.html")]
struct DeskPage {
    p: Page,
    sites: Vec<SiteView>,
    /// How long items wait in a locker, in hours (`[smart_desk]`).
    locker_hours: i64,
    may_manage: bool,
    done: String,
}

#[derive(Deserialize, Default)]
struct Done {
    #[serde(default)]
    done: String,
}

async fn desk(State(state): State<CounterState>, v: Viewer, Query(q): Query<Done>) -> PageResult {
    let actor = gate(&v, REVIEW_APPLICATIONS)?;
    let sites = state.module.smart_desks(actor).await.map_err(failed(&v))?;
    let page = DeskPage {
        p: Page::new(&v, &state, "counter-desk-title", "counter"),
        sites,
        locker_hours: state.module.platform().config().pickup.locker_seconds / 3_600,
        may_manage: v.may(MANAGE_COUNTER),
        done: q.done,
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

#[derive(Deserialize)]
struct DoorForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    action: String,
}

async fn set_door(
    State(state): State<CounterState>,
    v: Viewer,
    Path(door): Path<String>,
    Form(f): Form<DoorForm>,
) -> PageResult {
    let actor = gate(&v, REVIEW_APPLICATIONS)?;
    check_token(&v, &f._csrf)?;
    let action = DoorAction::parse(&f.action).ok_or_else(|| {
        webkit::page::PageError::new(
            StatusCode::BAD_REQUEST,
            "counter-error-door-action",
            v.locale,
        )
    })?;
    state
        .module
        .set_door(actor, &door, action)
        .await
        .map_err(failed(&v))?;
    Ok(see_other(&format!(
        "/staff/counter/smart-desk?done={}",
        action.as_str()
    )))
}

#[derive(Template)]
#[template(path = "counter/device_credentials.html")]
struct CredentialsPage {
    p: Page,
    c: crate::app::lockers::DeviceCredentials,
    kiosk_link: String,
}

#[derive(Deserialize)]
struct DeviceForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    name: String,
}

/// Registers a device; its credentials are shown once (a secret is not put in a redirect).
async fn register(
    State(state): State<CounterState>,
    v: Viewer,
    Path(site): Path<String>,
    Form(f): Form<DeviceForm>,
) -> PageResult {
    let actor = gate(&v, MANAGE_COUNTER)?;
    check_token(&v, &f._csrf)?;
    let c = state
        .module
        .register_device(actor, &site, &f.name)
        .await
        .map_err(failed(&v))?;
    let kiosk_link = format!(
        "/smart-desk/kiosk#device={}&secret={}&site_key={}",
        c.device_id, c.secret, c.site_key
    );
    let page = CredentialsPage {
        p: Page::new(&v, &state, "counter-device-title", "counter"),
        c,
        kiosk_link,
    };
    let mut response = render(&v, &state, StatusCode::OK, &page);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    _csrf: String,
}

async fn retire(
    State(state): State<CounterState>,
    v: Viewer,
    Path(device): Path<String>,
    Form(f): Form<TokenForm>,
) -> PageResult {
    let actor = gate(&v, MANAGE_COUNTER)?;
    check_token(&v, &f._csrf)?;
    state
        .module
        .retire_device(actor, &device)
        .await
        .map_err(failed(&v))?;
    Ok(see_other("/staff/counter/smart-desk?done=retired"))
}

#[derive(Template)]
#[template(path = "counter/kiosk.html")]
struct KioskPage {
    lang: &'static str,
    locale: domain::Locale,
    other: &'static str,
    assets: &'static str,
}

impl KioskPage {
    fn t(&self, id: &str) -> String {
        webkit::i18n::tr(self.locale, id, &[])
    }
}

#[derive(Deserialize, Default)]
struct KioskQuery {
    #[serde(default)]
    lang: String,
}

/// The kiosk: a page of its own (no site frame), in Chinese unless asked for English.
async fn kiosk(Query(q): Query<KioskQuery>) -> axum::response::Response {
    let zh = q.lang != "en";
    let page = KioskPage {
        lang: if zh { "zh-Hant-TW" } else { "en" },
        locale: if zh {
            domain::Locale::ZhTw
        } else {
            domain::Locale::En
        },
        other: if zh { "en" } else { "zh-TW" },
        assets: webkit::page::assets::version(),
    };
    match page.render() {
        Ok(html) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            html,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

async fn kiosk_js() -> axum::response::Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../assets/kiosk.js"),
    )
        .into_response()
}

async fn kiosk_css() -> axum::response::Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        include_str!("../../assets/kiosk.css"),
    )
        .into_response()
}
