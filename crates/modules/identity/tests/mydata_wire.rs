//! civicdesk's reading of MyData's wire formats (`identity::domain::mydata`,
//! `platform::zip::read_entries`) against the MyData simulator over real HTTP: this test is the
//! service provider (a notice endpoint, the consent form posted as the citizen's browser would,
//! `/service/data` polled as `Retry-After` says).

use axum::http::{Request, Response, StatusCode, header};
use civicdesk_identity::domain::mydata::{Notice, WireError, decrypt_secret_key, open_data};
use mydata_sim::{DEMO_CLIENT_SECRET, DEMO_IV, DEMO_PS_ID, RunningSim, SimConfig};
use platform::http_client::Outbound;
use platform::zip::{ReadLimits, read_entries};
use std::time::Duration;
use tokio::sync::mpsc;

/// The service provider: its notice endpoint, and the notices it parsed.
struct Sp {
    base: String,
    notices: mpsc::UnboundedReceiver<Notice>,
}

async fn sp() -> Sp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, notices) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/mydata/notice",
        axum::routing::post(move |body: axum::body::Bytes| async move {
            match Notice::parse(&body) {
                Ok(notice) => {
                    let _ = tx.send(notice);
                    StatusCode::OK
                }
                Err(_) => StatusCode::BAD_REQUEST,
            }
        }),
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Sp { base, notices }
}

async fn simulator(sp: &Sp, wait_seconds: u64) -> RunningSim {
    let mut config = SimConfig::demo(&format!("{}/mydata/notice", sp.base), &sp.base);
    config.wait_seconds = wait_seconds;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    mydata_sim::start(config, listener).await.unwrap()
}

fn client() -> Outbound {
    Outbound::new("test SP", Duration::from_secs(10), 4 << 20).unwrap()
}

/// The citizen consents on the simulator's page; answers where the browser is sent back to.
async fn consent(sim: &RunningSim, sp: &Sp, tx_id: &str, national_id: &str) -> String {
    let return_url = format!("{}/mydata/return", sp.base);
    let page = format!(
        "{}/service/{DEMO_PS_ID}?tx_id={tx_id}&return_url={}",
        sim.base_url(),
        return_url.replace(':', "%3A").replace('/', "%2F")
    );
    let shown = client()
        .send(Request::get(page).body(Vec::new()).unwrap())
        .await
        .unwrap();
    assert_eq!(shown.status(), StatusCode::OK);
    let form = format!(
        "tx_id={tx_id}&return_url={}&verify_method=nhi&national_id={national_id}&decision=agree",
        return_url.replace(':', "%3A").replace('/', "%2F")
    );
    let answered = client()
        .send(
            Request::post(format!("{}/service/{DEMO_PS_ID}", sim.base_url()))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(form.into_bytes())
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(answered.status(), StatusCode::SEE_OTHER);
    answered.headers()[header::LOCATION]
        .to_str()
        .unwrap()
        .to_string()
}

async fn fetch(sim: &RunningSim, notice: &Notice) -> Response<Vec<u8>> {
    let request = Request::get(format!("{}/service/data", sim.base_url()))
        .header("tx_id", &notice.tx_id)
        .header("permission_ticket", &notice.permission_ticket)
        .body(Vec::new())
        .unwrap();
    client().send(request).await.unwrap()
}

/// Polls `/service/data`, waiting as `Retry-After` says, until an answer other than `429`.
async fn fetch_when_ready(sim: &RunningSim, notice: &Notice) -> Response<Vec<u8>> {
    for _ in 0..10 {
        let answer = fetch(sim, notice).await;
        if answer.status() != StatusCode::TOO_MANY_REQUESTS {
            return answer;
        }
        let seconds: u64 = answer.headers()[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        tokio::time::sleep(Duration::from_secs(seconds)).await;
    }
    panic!("the data was never ready");
}

#[tokio::test]
async fn civicdesk_reads_the_household_record_the_simulator_sends() {
    let mut sp = sp().await;
    let sim = simulator(&sp, 1).await;
    let back = consent(&sim, &sp, "tx-interop", "A223456781").await;
    assert_eq!(
        back,
        format!("{}/mydata/return?code=200&tx_id=tx-interop", sp.base)
    );
    let notice = sp.notices.recv().await.unwrap();
    assert_eq!(notice.tx_id, "tx-interop");
    assert!(notice.unable_to_deliver.is_empty());
    let key = decrypt_secret_key(
        DEMO_CLIENT_SECRET,
        DEMO_IV,
        notice.secret_key.as_deref().unwrap(),
    )
    .unwrap();

    let answer = fetch_when_ready(&sim, &notice).await;
    assert_eq!(answer.status(), StatusCode::OK);
    let jwe = String::from_utf8(answer.into_body()).unwrap();
    let file = open_data(&jwe, &key).unwrap();
    assert_eq!(file.filename, "CIVICDESK.zip");
    let entries = read_entries(&file.zip, ReadLimits::default()).unwrap();
    let (_, record) = entries
        .iter()
        .find(|(name, _)| name == "household-registration.json")
        .unwrap();
    let record: serde_json::Value = serde_json::from_slice(record).unwrap();
    assert_eq!(record["resource_id"], "household-registration");
    let person = &record["person"];
    assert_eq!(person["national_id"], "A223456781");
    assert_eq!(person["name"], "陳美玲");
    assert_eq!(person["birth_date"], "1982-11-02");
    assert_eq!(person["household_head"], "王大明");
    assert!(
        person["registered_address"]
            .as_str()
            .unwrap()
            .starts_with("臺北市大安區")
    );
    assert!(entries.iter().any(|(name, _)| name == "manifest.json"));

    // Retrieved once: the next call is 201 with nothing.
    let again = fetch(&sim, &notice).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_jwe_with_one_flipped_ciphertext_byte_is_refused() {
    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut sp = sp().await;
    let sim = simulator(&sp, 0).await;
    consent(&sim, &sp, "tx-tamper", "A123456789").await;
    let notice = sp.notices.recv().await.unwrap();
    let key = decrypt_secret_key(
        DEMO_CLIENT_SECRET,
        DEMO_IV,
        notice.secret_key.as_deref().unwrap(),
    )
    .unwrap();
    let jwe = String::from_utf8(fetch_when_ready(&sim, &notice).await.into_body()).unwrap();
    let mut parts: Vec<String> = jwe.split('.').map(str::to_string).collect();
    let mut ciphertext = URL_SAFE_NO_PAD.decode(&parts[3]).unwrap();
    let middle = ciphertext.len() / 2;
    ciphertext[middle] ^= 0x01;
    parts[3] = URL_SAFE_NO_PAD.encode(&ciphertext);
    assert_eq!(open_data(&parts.join("."), &key), Err(WireError::Tag));
    assert!(open_data(&jwe, &key).is_ok(), "the untouched JWE opens");
}

#[tokio::test]
async fn a_person_the_platform_cannot_serve_comes_as_unable_to_deliver() {
    let mut sp = sp().await;
    let sim = simulator(&sp, 0).await;
    let back = consent(&sim, &sp, "tx-none", "F123456784").await;
    assert!(back.ends_with("?code=504&tx_id=tx-none"), "{back}");
    let notice = sp.notices.recv().await.unwrap();
    assert_eq!(notice.secret_key, None);
    assert_eq!(notice.unable_to_deliver, ["household-registration"]);
    assert_eq!(
        fetch(&sim, &notice).await.status(),
        StatusCode::GATEWAY_TIMEOUT
    );
}
