//! The simulator over real HTTP, as a service provider sees it: a test SP (an axum server that
//! receives the notices) and the SP's calls made with the platform's outbound client, which
//! follows no redirect.

use aes::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use axum::http::{Request, Response, StatusCode, header};
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use civicdesk_mydata_sim::{DEMO_CLIENT_SECRET, DEMO_IV, DEMO_PS_ID, RunningSim, SimConfig, start};
use platform::http_client::Outbound;
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A service provider's notice endpoint that answers `answer` and keeps what it receives.
struct TestSp {
    base: String,
    notices: Arc<Mutex<Vec<Value>>>,
}

impl TestSp {
    async fn start(answer: StatusCode) -> TestSp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let notices = Arc::new(Mutex::new(Vec::new()));
        let kept = notices.clone();
        let app = axum::Router::new().route(
            "/mydata/notice",
            post(move |axum::Json(notice): axum::Json<Value>| async move {
                kept.lock().unwrap().push(notice);
                answer
            }),
        );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        TestSp { base, notices }
    }

    fn notices(&self) -> Vec<Value> {
        self.notices.lock().unwrap().clone()
    }

    fn return_url(&self) -> String {
        format!("{}/mydata/return", self.base)
    }

    async fn sim(&self, change: impl FnOnce(&mut SimConfig)) -> RunningSim {
        let mut config = SimConfig::demo(&format!("{}/mydata/notice", self.base), &self.base);
        config.wait_seconds = 0;
        change(&mut config);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        start(config, listener).await.unwrap()
    }
}

fn client() -> Outbound {
    Outbound::new("test SP", Duration::from_secs(10), 1 << 20).unwrap()
}

async fn get(url: &str, headers: &[(&str, &str)]) -> Response<Vec<u8>> {
    let mut request = Request::get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    client()
        .send(request.body(Vec::new()).unwrap())
        .await
        .unwrap()
}

/// `s` percent-encoded for a query or a form.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn form_encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

async fn post_form(url: &str, fields: &[(&str, &str)]) -> Response<Vec<u8>> {
    let request = Request::post(url)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form_encode(fields).into_bytes())
        .unwrap();
    client().send(request).await.unwrap()
}

/// The citizen's answer on the consent page.
async fn answer(
    sim: &RunningSim,
    sp: &TestSp,
    tx_id: &str,
    decision: &str,
    national_id: &str,
) -> Response<Vec<u8>> {
    let url = format!("{}/service/{DEMO_PS_ID}", sim.base_url());
    let return_url = sp.return_url();
    post_form(
        &url,
        &[
            ("tx_id", tx_id),
            ("return_url", &return_url),
            ("verify_method", "mobile"),
            ("national_id", national_id),
            ("decision", decision),
        ],
    )
    .await
}

fn location(r: &Response<Vec<u8>>) -> &str {
    r.headers()[header::LOCATION].to_str().unwrap()
}

fn text(r: &Response<Vec<u8>>) -> String {
    String::from_utf8(r.body().clone()).unwrap()
}

async fn fetch(sim: &RunningSim, tx_id: &str, ticket: &str) -> Response<Vec<u8>> {
    let url = format!("{}/service/data", sim.base_url());
    get(&url, &[("tx_id", tx_id), ("permission_ticket", ticket)]).await
}

#[tokio::test]
async fn the_consent_page_names_the_service_its_datasets_and_the_ways_to_verify() {
    let sp = TestSp::start(StatusCode::OK).await;
    let sim = sp.sim(|_| {}).await;
    let url = format!(
        "{}/service/{DEMO_PS_ID}?tx_id=tx-1&return_url={}",
        sim.base_url(),
        encode(&sp.return_url())
    );
    let page = get(&url, &[]).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = text(&page);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(r#"<html lang="zh-Hant-TW">"#));
    assert!(html.contains("household-registration"));
    assert!(html.contains("civicdesk"));
    for code in ["mobile", "email", "nhi", "cer"] {
        assert!(
            html.contains(&format!(r#"<option value="{code}""#)),
            "{code}"
        );
    }
    assert!(html.contains(r#"<label for="verify_method">"#));
    assert!(html.contains(r#"<label for="national_id">"#));
    assert!(html.contains(r#"value="agree""#) && html.contains(r#"value="decline""#));
    assert!(html.contains(r#"<input type="hidden" name="tx_id" value="tx-1">"#));
    assert!(html.contains("A123456789"));
    assert!(!html.contains("<script"));
    sim.shutdown().await;
}

#[tokio::test]
async fn a_return_url_outside_the_prefix_a_bad_tx_id_or_another_service_is_refused() {
    let sp = TestSp::start(StatusCode::OK).await;
    let sim = sp.sim(|_| {}).await;
    let base = sim.base_url();
    let page = |ps: &str, tx: &str, ret: &str| {
        format!("{base}/service/{ps}?tx_id={tx}&return_url={}", encode(ret))
    };
    let ok = sp.return_url();
    let cases = [
        (page(DEMO_PS_ID, "tx", "https://evil.example/"), 400),
        (
            page(DEMO_PS_ID, "tx", &format!("{}@evil.example/", sp.base)),
            400,
        ),
        (page(DEMO_PS_ID, "tx", &format!("{}0/x", sp.base)), 400),
        // A path under the prefix is the SP's own.
        (page(DEMO_PS_ID, "tx", &format!("{ok}@evil.example")), 200),
        (page(DEMO_PS_ID, "t%20x", &ok), 400),
        (page(DEMO_PS_ID, &"t".repeat(65), &ok), 400),
        (page("PS-OTHER", "tx", &ok), 404),
        (format!("{base}/service/{DEMO_PS_ID}?tx_id=tx"), 400),
    ];
    for (url, status) in cases {
        assert_eq!(get(&url, &[]).await.status().as_u16(), status, "{url}");
    }
    // The form is checked again when answered: no redirect outside the prefix.
    let url = format!("{base}/service/{DEMO_PS_ID}");
    let evil = post_form(
        &url,
        &[
            ("tx_id", "tx"),
            ("return_url", "https://evil.example/"),
            ("decision", "decline"),
        ],
    )
    .await;
    assert_eq!(evil.status(), StatusCode::BAD_REQUEST);
    assert!(evil.headers().get(header::LOCATION).is_none());
}

#[tokio::test]
async fn consent_notifies_the_sp_and_the_data_is_served_once_when_ready() {
    let sp = TestSp::start(StatusCode::OK).await;
    let sim = sp.sim(|c| c.wait_seconds = 1).await;
    let done = answer(&sim, &sp, "tx-agree", "agree", "a123456789").await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&done),
        format!("{}?code=200&tx_id=tx-agree", sp.return_url())
    );
    let notices = sp.notices();
    assert_eq!(notices.len(), 1);
    let notice = &notices[0];
    assert_eq!(notice["tx_id"], "tx-agree");
    assert!(notice.get("unable_to_deliver").is_none());
    let ticket = notice["permission_ticket"].as_str().unwrap();
    assert_eq!(uuid::Uuid::parse_str(ticket).unwrap().get_version_num(), 4);
    let mut sealed = STANDARD
        .decode(notice["secret_key"].as_str().unwrap())
        .unwrap();
    assert_eq!(sealed.len(), 48);
    let key: [u8; 32] = cbc::Decryptor::<aes::Aes256>::new_from_slices(
        DEMO_CLIENT_SECRET.as_bytes(),
        DEMO_IV.as_bytes(),
    )
    .unwrap()
    .decrypt_padded::<Pkcs7>(&mut sealed)
    .unwrap()
    .try_into()
    .unwrap();

    // Not ready yet: 429 with Retry-After.
    let early = fetch(&sim, "tx-agree", ticket).await;
    assert_eq!(early.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = early.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(retry, 1);
    // A missing header, another transaction's ticket, an unknown ticket.
    let url = format!("{}/service/data", sim.base_url());
    assert_eq!(
        get(&url, &[("tx_id", "tx-agree")]).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&url, &[("permission_ticket", ticket)]).await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        fetch(&sim, "tx-other", ticket).await.status(),
        StatusCode::FORBIDDEN
    );
    let unknown = uuid::Uuid::nil().to_string();
    assert_eq!(
        fetch(&sim, "tx-agree", &unknown).await.status(),
        StatusCode::FORBIDDEN
    );

    tokio::time::sleep(Duration::from_secs(retry)).await;
    let data = fetch(&sim, "tx-agree", ticket).await;
    assert_eq!(data.status(), StatusCode::OK);
    assert_eq!(data.headers()[header::CONTENT_TYPE], "application/jose");
    let jwe = text(&data);
    let parts: Vec<&str> = jwe.split('.').collect();
    assert_eq!(parts.len(), 5);
    let protected: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    assert_eq!(
        protected,
        serde_json::json!({"alg": "dir", "enc": "A256GCM"})
    );
    let iv: [u8; 12] = URL_SAFE_NO_PAD
        .decode(parts[2])
        .unwrap()
        .try_into()
        .unwrap();
    let mut ciphertext = URL_SAFE_NO_PAD.decode(parts[3]).unwrap();
    ciphertext.extend(URL_SAFE_NO_PAD.decode(parts[4]).unwrap());
    let plain = aes_gcm::Aes256Gcm::new(&key.into())
        .decrypt(
            &iv.into(),
            Payload {
                msg: &ciphertext,
                aad: parts[0].as_bytes(),
            },
        )
        .unwrap();
    let payload: Value = serde_json::from_slice(&plain).unwrap();
    assert_eq!(payload["filename"], "CIVICDESK.zip");
    let zip = payload["data"]
        .as_str()
        .unwrap()
        .strip_prefix("application/zip;data:")
        .unwrap();
    let zip = STANDARD.decode(zip).unwrap();
    let files = platform::zip::read_entries(&zip, platform::zip::ReadLimits::default()).unwrap();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["household-registration.json", "manifest.json"]);
    let record: Value = serde_json::from_slice(&files[0].1).unwrap();
    assert_eq!(record["resource_id"], "household-registration");
    assert_eq!(record["person"]["national_id"], "A123456789");
    assert_eq!(record["person"]["name"], "王大明");
    assert!(record["issued_at"].as_str().unwrap().ends_with("+08:00"));
    let manifest: Value = serde_json::from_slice(&files[1].1).unwrap();
    assert_eq!(manifest["files"][0]["name"], "household-registration.json");

    // One retrieval only.
    let again = fetch(&sim, "tx-agree", ticket).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert!(again.body().is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_decline_goes_back_with_410_and_tells_the_sp_nothing() {
    let sp = TestSp::start(StatusCode::OK).await;
    let sim = sp.sim(|_| {}).await;
    let done = answer(&sim, &sp, "tx-no", "decline", "").await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&done),
        format!("{}?code=410&tx_id=tx-no", sp.return_url())
    );
    assert!(sp.notices().is_empty());
}

#[tokio::test]
async fn a_person_not_in_the_register_is_unable_to_deliver_and_504() {
    let sp = TestSp::start(StatusCode::OK).await;
    let sim = sp.sim(|_| {}).await;
    // Passes the checksum, but nobody the simulator knows.
    let done = answer(&sim, &sp, "tx-nobody", "agree", "A102345674").await;
    assert_eq!(
        location(&done),
        format!("{}?code=504&tx_id=tx-nobody", sp.return_url())
    );
    let notices = sp.notices();
    assert_eq!(notices.len(), 1);
    assert_eq!(
        notices[0]["unable_to_deliver"],
        serde_json::json!(["household-registration"])
    );
    assert!(notices[0].get("secret_key").is_none());
    let ticket = notices[0]["permission_ticket"].as_str().unwrap();
    assert_eq!(
        fetch(&sim, "tx-nobody", ticket).await.status(),
        StatusCode::GATEWAY_TIMEOUT
    );
}

#[tokio::test]
async fn a_notice_the_sp_refuses_or_never_gets_ends_in_504() {
    let refusing = TestSp::start(StatusCode::INTERNAL_SERVER_ERROR).await;
    let sim = refusing.sim(|_| {}).await;
    let done = answer(&sim, &refusing, "tx-refused", "agree", "A123456789").await;
    assert_eq!(
        location(&done),
        format!("{}?code=504&tx_id=tx-refused", refusing.return_url())
    );
    assert_eq!(refusing.notices().len(), 1);
    let ticket = refusing.notices()[0]["permission_ticket"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        fetch(&sim, "tx-refused", &ticket).await.status(),
        StatusCode::FORBIDDEN,
        "a ticket the SP never accepted is forgotten"
    );

    // Nobody listens at the notify URL.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gone = format!("http://{}/mydata/notice", closed.local_addr().unwrap());
    drop(closed);
    let sp = TestSp::start(StatusCode::OK).await;
    let sim = sp.sim(|c| c.notify_url = gone).await;
    let done = answer(&sim, &sp, "tx-gone", "agree", "A123456789").await;
    assert_eq!(
        location(&done),
        format!("{}?code=504&tx_id=tx-gone", sp.return_url())
    );
}

#[tokio::test]
async fn a_bad_national_id_or_method_shows_the_form_again() {
    let sp = TestSp::start(StatusCode::OK).await;
    let sim = sp.sim(|_| {}).await;
    let bad_id = answer(&sim, &sp, "tx-bad", "agree", "A123456788").await;
    assert_eq!(bad_id.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = text(&bad_id);
    assert!(html.contains(r#"role="alert""#) && html.contains(r#"aria-invalid="true""#));
    assert!(html.contains(r#"value="A123456788""#));
    let url = format!("{}/service/{DEMO_PS_ID}", sim.base_url());
    let return_url = sp.return_url();
    let bad_method = post_form(
        &url,
        &[
            ("tx_id", "tx-bad"),
            ("return_url", &return_url),
            ("verify_method", "telepathy"),
            ("national_id", "A123456789"),
            ("decision", "agree"),
        ],
    )
    .await;
    assert_eq!(bad_method.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(sp.notices().is_empty());
}

#[tokio::test]
async fn data_is_refused_to_an_address_off_the_allow_list_and_after_retention() {
    let sp = TestSp::start(StatusCode::OK).await;
    let sim = sp
        .sim(|c| c.allowed_ips = vec!["192.0.2.1".parse().unwrap()])
        .await;
    answer(&sim, &sp, "tx-ip", "agree", "A123456789").await;
    let ticket = sp.notices()[0]["permission_ticket"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        fetch(&sim, "tx-ip", &ticket).await.status(),
        StatusCode::UNAUTHORIZED
    );

    let sp = TestSp::start(StatusCode::OK).await;
    let sim = sp.sim(|c| c.retention_seconds = 0).await;
    answer(&sim, &sp, "tx-old", "agree", "A123456789").await;
    let ticket = sp.notices()[0]["permission_ticket"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        fetch(&sim, "tx-old", &ticket).await.status(),
        StatusCode::FORBIDDEN
    );
}
