//! The server notice: the signed outcome of a trade, POSTed as a form to the trade's
//! `ReturnURL` until the merchant answers exactly `1|OK`: a first attempt at once, then one
//! after each pause of `retry_seconds`. As at ECPay, the re-sends of a paid trade's notice say
//! `RtnMsg=paid` instead of `交易成功` (and so carry another `CheckMacValue`). With duplication
//! the first attempt is sent twice in a row, identical (the second even when the first was
//! acknowledged).

use crate::server::Shared;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Bytes;
use hyper::header;
use hyper_util::client::legacy::connect::HttpConnector;
use std::time::Duration;

/// What the merchant must answer, byte for byte.
pub const ACKNOWLEDGEMENT: &[u8] = b"1|OK";

/// The simulator's HTTP client: plain HTTP/1.1, no redirects followed.
pub(crate) type Client = hyper_util::client::legacy::Client<HttpConnector, Full<Bytes>>;

pub(crate) fn client() -> Client {
    hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build(HttpConnector::new())
}

/// How the notices of one trade are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Normal,
    Withhold,
    Duplicate,
}

impl Mode {
    /// The cashier page's value (`normal`, `withhold`, `duplicate`).
    pub(crate) fn parse(value: &str) -> Option<Mode> {
        match value {
            "normal" => Some(Mode::Normal),
            "withhold" => Some(Mode::Withhold),
            "duplicate" => Some(Mode::Duplicate),
            _ => None,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Mode::Normal => "normal",
            Mode::Withhold => "withhold",
            Mode::Duplicate => "duplicate",
        }
    }
}

/// One trade's notice.
pub(crate) struct Notice {
    /// The trade's `MerchantTradeNo`, for the log.
    pub trade: String,
    /// The trade's `ReturnURL`.
    pub url: String,
    /// The first attempt's body (form-encoded, signed).
    pub first: String,
    /// The re-sends' body.
    pub resent: String,
}

/// Sends `notice` in the background, by `mode`.
pub(crate) fn spawn(sim: Shared, notice: Notice, mode: Mode) {
    if mode == Mode::Withhold {
        tracing::info!(trade = notice.trade, "payment simulator: notice withheld");
        return;
    }
    tokio::spawn(async move {
        deliver(&sim, notice, mode == Mode::Duplicate).await;
    });
}

async fn deliver(sim: &Shared, notice: Notice, duplicate: bool) {
    let (trade, url) = (notice.trade.as_str(), notice.url.as_str());
    let (first, resent) = (Bytes::from(notice.first), Bytes::from(notice.resent));
    let pauses = std::iter::once(0).chain(sim.config.retry_seconds.iter().copied());
    let mut stopped = sim.stopped.clone();
    for (attempt, pause) in pauses.enumerate() {
        if pause > 0 {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(pause)) => {}
                _ = stopped.wait_for(|s| *s) => return,
            }
        }
        if *stopped.borrow() {
            return;
        }
        let copies = if duplicate && attempt == 0 { 2 } else { 1 };
        let body = if attempt == 0 { &first } else { &resent };
        let mut acknowledged = false;
        for _ in 0..copies {
            match send(sim, url, body.clone()).await {
                Ok(()) => acknowledged = true,
                Err(why) => tracing::info!(trade, attempt, why, "payment simulator: notice"),
            }
        }
        if acknowledged {
            tracing::info!(trade, attempt, "payment simulator: notice acknowledged");
            return;
        }
    }
    tracing::warn!(
        trade,
        "payment simulator: notice never acknowledged, given up"
    );
}

/// One POST of the notice: `Ok` when the merchant answered `200` and exactly `1|OK`.
async fn send(sim: &Shared, url: &str, body: Bytes) -> Result<(), String> {
    let request = hyper::Request::post(url)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Full::new(body))
        .map_err(|e| e.to_string())?;
    let exchange = async {
        let answer = sim
            .client
            .request(request)
            .await
            .map_err(|e| format!("no answer: {e}"))?;
        let status = answer.status();
        let text = Limited::new(answer.into_body(), 1024)
            .collect()
            .await
            .map(|c| c.to_bytes())
            .map_err(|_| "the answer is not readable or too long".to_string())?;
        if status == hyper::StatusCode::OK && text.as_ref() == ACKNOWLEDGEMENT {
            Ok(())
        } else {
            Err(format!(
                "the merchant answered {status} {:?}",
                String::from_utf8_lossy(&text)
            ))
        }
    };
    let timeout = Duration::from_secs(sim.config.notice_timeout_seconds);
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| "no answer in time".to_string())?
}
