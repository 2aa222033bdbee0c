//! The outbound HTTP client shared by the SMS gateway and webhook delivery: hyper over rustls
//! with its own ring provider and the webpki roots (so no process-wide TLS provider is needed),
//! HTTP/1.1, `http://` or `https://`. Redirects are never followed (hyper's client does not).

use hyper::StatusCode;
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::dns::GaiResolver;
use hyper_util::client::legacy::connect::{Connect, HttpConnector};
use std::time::Duration;

pub(crate) type Body = http_body_util::Full<Bytes>;

pub(crate) type Client<R = GaiResolver> =
    hyper_util::client::legacy::Client<hyper_rustls::HttpsConnector<HttpConnector<R>>, Body>;

/// A client over `http`, a TCP connector with any resolver. `what` names the client in the
/// error message.
pub(crate) fn client<R>(mut http: HttpConnector<R>, what: &str) -> Result<Client<R>, String>
where
    hyper_rustls::HttpsConnector<HttpConnector<R>>: Connect + Clone + Send + Sync + 'static,
{
    http.enforce_http(false);
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_provider_and_webpki_roots(rustls::crypto::ring::default_provider())
        .map_err(|e| format!("{what} TLS setup failed: {e}"))?
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Ok(
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build(connector),
    )
}

/// Why an exchange produced no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Failure {
    /// No connection: the innermost cause (e.g. "Connection refused (os error 111)"), which
    /// never includes the URL.
    Connect(String),
    /// The connection broke or the answer was not HTTP.
    Request,
    /// No complete answer within the timeout.
    Timeout,
}

/// Sends `request` and reads at most `max_answer` bytes of the answer, all within `timeout`.
pub(crate) async fn exchange<R>(
    client: &Client<R>,
    request: hyper::Request<Body>,
    timeout: Duration,
    max_answer: usize,
) -> Result<(StatusCode, Bytes), Failure>
where
    hyper_rustls::HttpsConnector<HttpConnector<R>>: Connect + Clone + Send + Sync + 'static,
{
    let exchange = async {
        let response = client.request(request).await.map_err(|e| {
            if e.is_connect() {
                Failure::Connect(innermost(&e))
            } else {
                Failure::Request
            }
        })?;
        let status = response.status();
        let limited = http_body_util::Limited::new(response.into_body(), max_answer);
        let bytes = http_body_util::BodyExt::collect(limited)
            .await
            .map(|c| c.to_bytes())
            .unwrap_or_default();
        Ok::<_, Failure>((status, bytes))
    };
    tokio::time::timeout(timeout, exchange)
        .await
        .map_err(|_| Failure::Timeout)?
}

/// The message of the deepest error in a chain.
fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut current = e;
    while let Some(next) = current.source() {
        current = next;
    }
    current.to_string()
}

/// A client for a module's calls to an outside service (a city's identity provider): one
/// request at a time, the whole answer (status, headers, at most `max_answer` bytes of body)
/// within `timeout`. Redirects are not followed.
#[derive(Clone)]
pub struct Outbound {
    client: Client,
    timeout: Duration,
    max_answer: usize,
}

/// Why an outside service gave no answer. The message never includes the URL or a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OutboundError {
    #[error("cannot connect: {0}")]
    Connect(String),
    #[error("the connection broke or the answer was not HTTP")]
    Request,
    #[error("no answer in time")]
    Timeout,
    #[error("the answer is larger than {0} bytes")]
    TooLarge(usize),
}

impl Outbound {
    /// `what` names the client in a setup error.
    pub fn new(what: &str, timeout: Duration, max_answer: usize) -> Result<Outbound, String> {
        Ok(Outbound {
            client: client(HttpConnector::new(), what)?,
            timeout,
            max_answer,
        })
    }

    pub async fn send(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<http::Response<Vec<u8>>, OutboundError> {
        let (parts, body) = request.into_parts();
        let request = hyper::Request::from_parts(parts, Body::from(body));
        let max = self.max_answer;
        let exchange = async {
            let response = self.client.request(request).await.map_err(|e| {
                if e.is_connect() {
                    OutboundError::Connect(innermost(&e))
                } else {
                    OutboundError::Request
                }
            })?;
            let (parts, body) = response.into_parts();
            let limited = http_body_util::Limited::new(body, max);
            let bytes = http_body_util::BodyExt::collect(limited)
                .await
                .map(|c| c.to_bytes())
                .map_err(|_| OutboundError::TooLarge(max))?;
            Ok::<_, OutboundError>(http::Response::from_parts(parts, bytes.to_vec()))
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| OutboundError::Timeout)?
    }
}
