//! "My data" in pages: everything the city's running modules hold about the signed-in citizen,
//! set by set; every read of it by staff (who, when, why); links to their consents and
//! mandates; and one download of all of it, a ZIP holding `data.json` and one CSV per set
//! (UTF-8 with a byte-order mark, so spreadsheet programs read the Chinese). The gathering is
//! the app's (`accounts::my_data`); this file lays it out.

use super::failed;
use crate::doors::{IdentityState, Viewer, render};
use askama::Template;
use axum::Router;
use axum::extract::State as AxumState;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use domain::Locale;
use platform::ServiceError;
use platform::audit::DataAccess;
use webkit::page::{Page, PageError, see_other};

/// Rows of a set shown on the page; the rest are in the download.
const SHOWN: usize = 20;

pub fn routes() -> Router<IdentityState> {
    Router::new()
        .route("/account/data", get(show))
        .route("/account/data/download", get(download))
}

/// A set as the page shows it.
struct SetView {
    key: &'static str,
    title: String,
    labels: Vec<String>,
    rows: Vec<Vec<String>>,
    total: usize,
}

impl SetView {
    fn anchor(&self) -> String {
        self.key.replace('.', "-")
    }

    /// A set of one record, as label and value pairs (shown as a list of facts).
    fn facts(&self) -> Vec<(&str, &str)> {
        match self.rows.as_slice() {
            [row] if self.total == 1 => self
                .labels
                .iter()
                .map(String::as_str)
                .zip(row.iter().map(String::as_str))
                .collect(),
            _ => Vec::new(),
        }
    }

    fn more(&self) -> usize {
        self.total.saturating_sub(self.rows.len())
    }
}

/// A retention rule, as the page shows it.
struct KeptView {
    what: String,
    data: String,
    days: u32,
}

/// A staff read, as the page shows it.
struct ReadView {
    at: i64,
    staff: String,
    what: String,
    reason: String,
}

#[derive(Template)]
#[template(path = "citizen/my_data.html")]
struct MyDataPage {
    p: Page,
    /// Back from a city login that did not prove a real name.
    not_proved: bool,
    kept: Vec<KeptView>,
    sets: Vec<SetView>,
    reads: Vec<ReadView>,
}

fn read_view(locale: Locale, a: &DataAccess) -> ReadView {
    ReadView {
        at: a.at,
        staff: a.staff_name.clone(),
        what: crate::my_data_files::action_words(locale, &a.action),
        reason: a.reason.clone().unwrap_or_default(),
    }
}

async fn show(
    AxumState(state): AxumState<IdentityState>,
    v: Viewer,
    axum::extract::Query(q): axum::extract::Query<webkit::page::admin::Done>,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/account/data"));
    };
    let data = state
        .identity
        .my_data(actor, &state.holders)
        .await
        .map_err(failed(&v))?;
    let v_locale = v.locale;
    let sets = data
        .sets
        .iter()
        .map(|s| SetView {
            key: s.key,
            title: v.t(s.title),
            labels: s.columns.iter().map(|c| v.t(c.label)).collect(),
            rows: s
                .rows
                .iter()
                .take(SHOWN)
                .map(|row| {
                    s.columns
                        .iter()
                        .zip(row)
                        .map(|(c, v)| {
                            if c.national_id && !v.is_empty() {
                                domain::identity::PersonalId::parse(v)
                                    .map_or_else(|_| "****".to_string(), |id| id.masked())
                            } else {
                                crate::my_data_files::cell(v_locale, c, v)
                            }
                        })
                        .collect()
                })
                .collect(),
            total: s.rows.len(),
        })
        .collect();
    // Back from a step up: say whether it worked (the provider may not have proved a name).
    let mut page = Page::new(&v, &state, "my-data-title", "account");
    let mut not_proved = false;
    if q.done.as_deref() == Some("request-filed") {
        page = page.with_status(Some(v.t("my-data-request-filed")));
    }
    if q.done.as_deref() == Some("stepped-up") {
        match state
            .identity
            .require_assurance(actor, crate::accounts::DOWNLOAD_NEEDS)
            .await
        {
            Ok(()) => page = page.with_status(Some(v.t("my-data-stepped-up"))),
            Err(_) => not_proved = true,
        }
    }
    let kept = state
        .identity
        .retention_schedule()
        .into_iter()
        .map(|(r, days)| KeptView {
            what: v.t(r.what),
            data: r
                .data
                .iter()
                .map(|d| crate::purposes::data_category(v.locale, d))
                .collect::<Vec<_>>()
                .join("、"),
            days,
        })
        .collect();
    let page = MyDataPage {
        p: page,
        not_proved,
        kept,
        sets,
        reads: data.access.iter().map(|a| read_view(v.locale, a)).collect(),
    };
    Ok(render(&v, &state, StatusCode::OK, &page))
}

async fn download(
    AxumState(state): AxumState<IdentityState>,
    v: Viewer,
) -> Result<Response, PageError> {
    let Some(actor) = v.signed_in() else {
        return Ok(see_other("/sign-in?back=/account/data"));
    };
    // Another site's link does not download (nor spend the hourly downloads): the citizen
    // downloads from their own page.
    if v.cross_site {
        return Ok(see_other("/account/data"));
    }
    let data = match state
        .identity
        .my_data_for_download(actor, &state.holders)
        .await
    {
        Ok(d) => d,
        // Not yet sure enough who this is: step up through a city login, then come back.
        Err(ServiceError::Forbidden(m)) if m.id == crate::accounts::STEP_UP => {
            return Ok(see_other(&format!(
                "/account/step-up?back={}",
                webkit::page::encode("/account/data?done=stepped-up")
            )));
        }
        Err(e) => return Err(failed(&v)(e)),
    };
    let now = state.identity.platform().now();
    let bytes = crate::my_data_files::archive(&data, v.locale, now).map_err(failed(&v))?;
    let local = now + i64::from(data.subject.utc_offset_minutes) * 60;
    let day = time::OffsetDateTime::from_unix_timestamp(local)
        .map(|t| t.date().to_string())
        .unwrap_or_default();
    Ok((
        [
            (header::CONTENT_TYPE, "application/zip".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"my-data-{day}.zip\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}
