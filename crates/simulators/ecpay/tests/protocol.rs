//! The simulators over real HTTP, as a merchant sees them: a test merchant (an axum server that
//! receives the server notices and answers what it is told to) and the merchant's calls made
//! with a plain HTTP client that follows no redirect. ECPay's AIO in `protocol/ecpay.rs`, the
//! wallet's point of sale in `protocol/wallet.rs`.

#[path = "protocol/ecpay.rs"]
mod ecpay;
#[path = "protocol/wallet.rs"]
mod wallet;

use civicdesk_ecpay_sim::mac::check_mac_value;
use civicdesk_ecpay_sim::{DEMO_HASH_IV, DEMO_HASH_KEY, RunningSim, SimConfig, start};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{HeaderMap, Request, StatusCode, header};
use hyper_util::client::legacy::connect::HttpConnector;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

type Fields = Vec<(String, String)>;

/// A merchant's notice endpoint that answers `answer` and keeps what it receives.
struct Merchant {
    base: String,
    answer: Arc<Mutex<&'static str>>,
    notices: Arc<Mutex<Vec<(Instant, String)>>>,
}

impl Merchant {
    async fn start(answer: &'static str) -> Merchant {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let notices = Arc::new(Mutex::new(Vec::new()));
        let answer = Arc::new(Mutex::new(answer));
        let (kept, said) = (notices.clone(), answer.clone());
        let app = axum::Router::new().route(
            "/payments/ecpay/notice",
            axum::routing::post(move |body: String| async move {
                kept.lock().unwrap().push((Instant::now(), body));
                *said.lock().unwrap()
            }),
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Merchant {
            base,
            answer,
            notices,
        }
    }

    fn notice_url(&self) -> String {
        format!("{}/payments/ecpay/notice", self.base)
    }

    fn notices(&self) -> Vec<(Instant, String)> {
        self.notices.lock().unwrap().clone()
    }

    /// Waits until `n` notices have come (at most 10 s) and returns them.
    async fn wait_for(&self, n: usize) -> Vec<(Instant, String)> {
        let start = Instant::now();
        while self.notices().len() < n && start.elapsed() < Duration::from_secs(10) {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.notices()
    }
}

async fn sim(change: impl FnOnce(&mut SimConfig)) -> RunningSim {
    let mut config = SimConfig::demo();
    config.retry_seconds = vec![1];
    change(&mut config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    start(config, listener).await.unwrap()
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

async fn send(request: Request<Full<Bytes>>) -> Answer {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build::<_, Full<Bytes>>(HttpConnector::new());
    let answer = client.request(request).await.unwrap();
    let (parts, body) = answer.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    Answer {
        status: parts.status,
        headers: parts.headers,
        body: String::from_utf8(bytes.to_vec()).unwrap(),
    }
}

fn encode(fields: &[(String, String)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in fields {
        out.append_pair(k, v);
    }
    out.finish()
}

fn decode(text: &str) -> Fields {
    form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn get<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {name} in {fields:?}"))
}

fn owned(fields: &[(&str, &str)]) -> Fields {
    fields
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `fields` with their `CheckMacValue`, under the demo merchant's keys.
fn sign(mut fields: Fields) -> Fields {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (&**k, &**v)).collect();
    let mac = check_mac_value(DEMO_HASH_KEY, DEMO_HASH_IV, &borrowed);
    fields.push(("CheckMacValue".into(), mac));
    fields
}

fn signature_ok(fields: &[(String, String)]) -> bool {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (&**k, &**v)).collect();
    check_mac_value(DEMO_HASH_KEY, DEMO_HASH_IV, &borrowed) == get(fields, "CheckMacValue")
}

async fn post_form(url: &str, fields: &[(String, String)]) -> Answer {
    let request = Request::post(url)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::from(encode(fields))))
        .unwrap();
    send(request).await
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn the_public_test_merchants_vector() {
    let fields = [
        ("MerchantID", "3002607"),
        ("MerchantTradeNo", "WPLL4E341E122DB44D62"),
        ("PaymentDate", "2019/05/09 00:01:21"),
        ("PaymentType", "Credit_CreditCard"),
        ("PaymentTypeChargeFee", "1"),
        ("RtnCode", "1"),
        ("RtnMsg", "交易成功"),
        ("SimulatePaid", "0"),
        ("TradeAmt", "500"),
        ("TradeDate", "2019/05/09 00:00:18"),
        ("TradeNo", "1905090000188278"),
    ];
    assert_eq!(
        check_mac_value("pwFHCqoQZGmho4w6", "EkRm7iFT261dpevs", &fields),
        "6E7F053EF215FC851A050A2FF01D72CBE440EA138DC3E905647985DDF236FD25"
    );
}
