//! The simulator's routes and its memory of consents (permission tickets), behind one mutex.
//!
//! - `GET /service/{ps_id}?tx_id=…&return_url=…`: the consent page;
//! - `POST /service/{ps_id}` (form): agree or decline; on agree the notice to the SP, then the
//!   redirect back (`303`, `code=200|410|504`);
//! - `GET /service/data` with the headers `tx_id` and `permission_ticket`: the data, once.

use crate::page::{self, Filled};
use crate::{SimConfig, SimError, wire};
use axum::Router;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use platform::http_client::Outbound;
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Whether `s` is 1–64 characters of `[A-Za-z0-9_-]` (a `tx_id`, a client or service id).
pub(crate) fn valid_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// Whether `url` may be redirected to: it starts with `prefix` and, unless the prefix ends with
/// `/`, goes on with `/`, `?` or nothing (so `http://host:80` does not admit
/// `http://host:8080` or `http://host:80@elsewhere`); no fragment, space, control character or
/// backslash.
pub(crate) fn return_url_allowed(url: &str, prefix: &str) -> bool {
    if url.len() > 2048
        || url
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '#' || c == '\\')
    {
        return false;
    }
    let Some(rest) = url.strip_prefix(prefix) else {
        return false;
    };
    prefix.ends_with('/') || rest.is_empty() || rest.starts_with('/') || rest.starts_with('?')
}

/// `return_url` with `code` and `tx_id` added to its query.
fn back(return_url: &str, code: u16, tx_id: &str) -> Response {
    let join = if return_url.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{return_url}{join}code={code}&tx_id={tx_id}")).into_response()
}

/// What a ticket holds for its one retrieval.
enum Delivery {
    /// The packaged file, under the ticket's secret key.
    Ready { key: [u8; 32], zip: Vec<u8> },
    /// Nothing could be delivered (the person is not in the register).
    Undeliverable,
    /// Already retrieved: later calls get `201`.
    Retrieved,
}

struct Ticket {
    tx_id: String,
    ready_at: Instant,
    expires_at: Instant,
    delivery: Delivery,
}

struct Sim {
    config: SimConfig,
    outbound: Outbound,
    tickets: Mutex<HashMap<String, Ticket>>,
}

impl Sim {
    /// The tickets, without those past their retention.
    fn tickets(&self) -> MutexGuard<'_, HashMap<String, Ticket>> {
        let mut tickets = self.tickets.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        tickets.retain(|_, t| t.expires_at > now);
        tickets
    }
}

type Shared = Arc<Sim>;

pub(crate) fn router(config: SimConfig) -> Result<Router, SimError> {
    let outbound = Outbound::new("MyData simulator", Duration::from_secs(10), 64 * 1024)
        .map_err(SimError::Client)?;
    let sim = Arc::new(Sim {
        config,
        outbound,
        tickets: Mutex::new(HashMap::new()),
    });
    Ok(Router::new()
        .route("/", get(index))
        .route("/service/data", get(data))
        .route("/service/{ps_id}", get(consent_page).post(consent_answer))
        .with_state(sim))
}

async fn index(State(sim): State<Shared>) -> String {
    format!(
        "MyData simulator (docs/MYDATA.md). Service {}: GET /service/{}?tx_id=…&return_url=…\n",
        sim.config.ps_id, sim.config.ps_id
    )
}

#[derive(Deserialize)]
struct ConsentQuery {
    tx_id: Option<String>,
    return_url: Option<String>,
}

/// The refusal of a request to the consent page, if any: `404` for another service, `400` for
/// a bad `tx_id` or a `return_url` outside the prefix.
fn refusal(
    config: &SimConfig,
    ps_id: &str,
    tx_id: Option<&str>,
    return_url: Option<&str>,
) -> Option<Response> {
    if ps_id != config.ps_id {
        return Some(page::message(
            StatusCode::NOT_FOUND,
            "找不到這項服務",
            "No such service",
        ));
    }
    if !tx_id.is_some_and(valid_id) {
        return Some(page::message(
            StatusCode::BAD_REQUEST,
            "交易序號 (tx_id) 無效",
            "The transaction id (tx_id) is missing or not valid",
        ));
    }
    if !return_url.is_some_and(|u| return_url_allowed(u, &config.return_url_prefix)) {
        return Some(page::message(
            StatusCode::BAD_REQUEST,
            "返回網址 (return_url) 不是此服務登記的網址",
            "The return URL (return_url) is not one registered for this service",
        ));
    }
    None
}

async fn consent_page(
    State(sim): State<Shared>,
    Path(ps_id): Path<String>,
    Query(q): Query<ConsentQuery>,
) -> Response {
    let (tx_id, return_url) = (q.tx_id.as_deref(), q.return_url.as_deref());
    if let Some(refusal) = refusal(&sim.config, &ps_id, tx_id, return_url) {
        return refusal;
    }
    let filled = Filled {
        tx_id: tx_id.unwrap_or_default(),
        return_url: return_url.unwrap_or_default(),
        verify_method: "",
        national_id: "",
    };
    page::consent(&sim.config, &filled, None)
}

#[derive(Deserialize)]
struct ConsentForm {
    tx_id: Option<String>,
    return_url: Option<String>,
    verify_method: Option<String>,
    national_id: Option<String>,
    decision: Option<String>,
}

async fn consent_answer(
    State(sim): State<Shared>,
    Path(ps_id): Path<String>,
    Form(form): Form<ConsentForm>,
) -> Response {
    let (tx_id, return_url) = (form.tx_id.as_deref(), form.return_url.as_deref());
    if let Some(refusal) = refusal(&sim.config, &ps_id, tx_id, return_url) {
        return refusal;
    }
    let (tx_id, return_url) = (tx_id.unwrap_or_default(), return_url.unwrap_or_default());
    match form.decision.as_deref() {
        Some("decline") => {
            tracing::info!(tx_id, "MyData simulator: consent declined");
            return back(return_url, 410, tx_id);
        }
        Some("agree") => {}
        _ => {
            return page::message(
                StatusCode::BAD_REQUEST,
                "請選擇同意或不同意",
                "Choose Agree or Decline",
            );
        }
    }
    let verify_method = form.verify_method.as_deref().unwrap_or_default();
    let national_id = form.national_id.as_deref().unwrap_or_default();
    let filled = Filled {
        tx_id,
        return_url,
        verify_method,
        national_id,
    };
    if !crate::VERIFY_METHODS.iter().any(|m| m.0 == verify_method) {
        let error = (
            "請選擇身分驗證方式。",
            "Choose how to verify your identity.",
        );
        return page::consent(&sim.config, &filled, Some(error));
    }
    let Ok(id) = domain::identity::NationalId::parse(national_id) else {
        let error = (
            "身分證字號格式不正確。",
            "The national ID number is not valid.",
        );
        return page::consent(&sim.config, &filled, Some(error));
    };
    match deliver(&sim, tx_id, id.as_str()).await {
        Ok(code) => back(return_url, code, tx_id),
        Err(e) => {
            tracing::error!(error = %e, "MyData simulator: preparing the delivery");
            page::message(
                StatusCode::INTERNAL_SERVER_ERROR,
                "模擬器發生錯誤",
                "The simulator failed",
            )
        }
    }
}

/// Makes the ticket of a consent, tells the SP, and answers the code of the redirect: `200`,
/// or `504` when nothing can be delivered or the notice did not reach the SP.
async fn deliver(sim: &Sim, tx_id: &str, national_id: &str) -> Result<u16, wire::WireError> {
    let config = &sim.config;
    let mut random = [0u8; 16];
    getrandom::fill(&mut random).map_err(|_| wire::WireError::Random)?;
    let ticket = uuid::Builder::from_random_bytes(random)
        .into_uuid()
        .to_string();
    let person = config.people.iter().find(|p| p.national_id == national_id);
    let (notice, delivery) = match person {
        Some(person) => {
            let key = wire::random_key()?;
            let zip = wire::package(config, tx_id, person, time::OffsetDateTime::now_utc())?;
            let secret_key = wire::encrypt_secret_key(&config.client_secret, &config.iv, &key)?;
            let notice = serde_json::json!({
                "tx_id": tx_id, "permission_ticket": ticket, "secret_key": secret_key,
            });
            (notice, Delivery::Ready { key, zip })
        }
        None => {
            let notice = serde_json::json!({
                "tx_id": tx_id, "permission_ticket": ticket,
                "unable_to_deliver": config.resources,
            });
            (notice, Delivery::Undeliverable)
        }
    };
    let code = match delivery {
        Delivery::Ready { .. } => 200,
        _ => 504,
    };
    let now = Instant::now();
    // Kept before the notice leaves: the SP may fetch as soon as it has the ticket.
    sim.tickets().insert(
        ticket.clone(),
        Ticket {
            tx_id: tx_id.to_string(),
            ready_at: now + Duration::from_secs(config.wait_seconds),
            expires_at: now + Duration::from_secs(config.retention_seconds),
            delivery,
        },
    );
    let request = axum::http::Request::post(&config.notify_url)
        .header(header::CONTENT_TYPE, "application/json")
        .body(notice.to_string().into_bytes());
    let sent = match request {
        Ok(request) => match sim.outbound.send(request).await {
            Ok(answer) if answer.status().is_success() => Ok(()),
            Ok(answer) => Err(format!("the SP answered {}", answer.status())),
            Err(e) => Err(e.to_string()),
        },
        Err(e) => Err(e.to_string()),
    };
    if let Err(why) = sent {
        tracing::warn!(
            tx_id,
            why,
            "MyData simulator: the notice did not reach the SP"
        );
        sim.tickets().remove(&ticket);
        return Ok(504);
    }
    tracing::info!(tx_id, code, "MyData simulator: consent given, SP notified");
    Ok(code)
}

/// A short plain-text answer.
fn status(code: StatusCode, text: &'static str) -> Response {
    (code, text).into_response()
}

async fn data(
    State(sim): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let ip = peer.ip().to_canonical();
    if !sim
        .config
        .allowed_ips
        .iter()
        .any(|a| a.to_canonical() == ip)
    {
        return status(
            StatusCode::UNAUTHORIZED,
            "this address may not fetch data\n",
        );
    }
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
    };
    let (Some(tx_id), Some(ticket)) = (header("tx_id"), header("permission_ticket")) else {
        return status(
            StatusCode::BAD_REQUEST,
            "the tx_id and permission_ticket headers are required\n",
        );
    };
    let mut tickets = sim.tickets();
    let Some(t) = tickets.get_mut(ticket).filter(|t| t.tx_id == tx_id) else {
        return status(StatusCode::FORBIDDEN, "unknown permission ticket\n");
    };
    let now = Instant::now();
    match &t.delivery {
        Delivery::Undeliverable => {
            status(StatusCode::GATEWAY_TIMEOUT, "no data could be delivered\n")
        }
        Delivery::Retrieved => StatusCode::CREATED.into_response(),
        Delivery::Ready { .. } if now < t.ready_at => {
            let left = t.ready_at - now;
            let seconds = (left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1);
            (
                StatusCode::TOO_MANY_REQUESTS,
                [(header::RETRY_AFTER, seconds.to_string())],
                "the data is not ready yet\n",
            )
                .into_response()
        }
        Delivery::Ready { key, zip } => {
            let filename = format!("{}.zip", sim.config.client_id);
            match wire::seal_data(key, &filename, zip) {
                Ok(jwe) => {
                    t.delivery = Delivery::Retrieved;
                    tracing::info!(tx_id, "MyData simulator: data retrieved");
                    (
                        StatusCode::OK,
                        [(header::CONTENT_TYPE, "application/jose")],
                        jwe,
                    )
                        .into_response()
                }
                Err(e) => {
                    tracing::error!(error = %e, "MyData simulator: sealing the data");
                    StatusCode::INTERNAL_SERVER_ERROR.into_response()
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_short_and_plain() {
        assert!(valid_id("tx-2026_01"));
        assert!(!valid_id(""));
        assert!(!valid_id(&"a".repeat(65)));
        assert!(!valid_id("a b"));
        assert!(!valid_id("ä"));
    }

    #[test]
    fn a_return_url_must_stay_under_its_prefix() {
        let p = "http://127.0.0.1:8080";
        assert!(return_url_allowed("http://127.0.0.1:8080", p));
        assert!(return_url_allowed(
            "http://127.0.0.1:8080/mydata/return?x=1",
            p
        ));
        assert!(!return_url_allowed("http://127.0.0.1:80800/", p));
        assert!(!return_url_allowed(
            "http://127.0.0.1:8080@evil.example/",
            p
        ));
        assert!(!return_url_allowed("https://evil.example/", p));
        assert!(!return_url_allowed("http://127.0.0.1:8080/a#frag", p));
        assert!(!return_url_allowed("http://127.0.0.1:8080/a b", p));
        assert!(!return_url_allowed("http://127.0.0.1:8080/\\evil", p));
        let p = "http://127.0.0.1:8080/mydata/";
        assert!(return_url_allowed("http://127.0.0.1:8080/mydata/return", p));
        assert!(!return_url_allowed("http://127.0.0.1:8080/other", p));
    }
}
