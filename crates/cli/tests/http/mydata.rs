//! The MyData import against the MyData simulator (a real HTTP server speaking the platform's
//! protocol): the citizen is sent to it with a `tx_id`, agrees there, its server-to-server
//! notice brings the ticket and the key, the job fetches the data (429 until it is ready), only
//! the needed fields are kept, and using them fills in the citizen's details and proves their
//! real name. Around it: no consent, a consent withdrawn before the use (refused, and the
//! record discarded), a decline, a forged notice, someone else's import, and the purge.

use crate::support::{Browser, TestApp, send};
use crate::ui_staff::{Answer, get, post};
use domain::clock::FixedClock;
use std::sync::Arc;

const PREFILL: &str = "identity.mydata-prefill";

/// The app with `[mydata]` pointing at a simulator that knows it as its service provider.
async fn app_with_mydata(clock: Option<Arc<FixedClock>>) -> (TestApp, mydata_sim::RunningSim) {
    let sim_listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let sim_url = format!("http://{}", sim_listener.local_addr().expect("addr"));
    let app = TestApp::start_with_clock(
        |c| {
            c.mydata = Some(platform::login::MyDataService {
                base_url: sim_url.clone(),
                client_id: mydata_sim::DEMO_CLIENT_ID.into(),
                client_secret: mydata_sim::DEMO_CLIENT_SECRET.into(),
                iv: mydata_sim::DEMO_IV.into(),
                ps_id: mydata_sim::DEMO_PS_ID.into(),
            });
        },
        clock.map(|c| c as Arc<dyn domain::clock::Clock>),
    )
    .await;
    let mut config = mydata_sim::SimConfig::demo(&format!("{}/mydata/notice", app.base), &app.base);
    config.wait_seconds = 1;
    let sim = mydata_sim::start(config, sim_listener)
        .await
        .expect("the simulator");
    (app, sim)
}

async fn citizen_with_consent(app: &TestApp, login: &str) -> (String, Browser) {
    let id = app.citizen(login, "lantern-kite-harbour-7").await;
    let b = app.sign_in(login, "lantern-kite-harbour-7").await;
    let given = post(
        app,
        &b,
        "/account/consents",
        &[("purpose", PREFILL), ("days", "30")],
    )
    .await;
    assert_eq!(given.status, 303, "{}", given.body);
    (id, b)
}

/// Goes to MyData from the page and answers there as the citizen; returns where MyData sent the
/// browser back to (a path of ours) and the transaction id.
async fn at_mydata(
    app: &TestApp,
    b: &Browser,
    national_id: &str,
    decision: &str,
) -> (String, String) {
    let started = post(app, b, "/account/mydata/start", &[]).await;
    assert_eq!(started.status, 303, "{}", started.body);
    let to = started.location.expect("to MyData");
    assert!(
        to.contains("/service/PS-CIVICDESK-PREFILL?tx_id=CD"),
        "{to}"
    );
    let tx_id = to
        .split("tx_id=")
        .nth(1)
        .and_then(|t| t.split('&').next())
        .expect("tx_id")
        .to_string();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let consent = client.get(&to).send().await.expect("MyData's page");
    assert_eq!(consent.status().as_u16(), 200);
    let page = consent.text().await.expect("HTML");
    let return_url = page
        .split("name=\"return_url\" value=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .expect("the return URL")
        .replace("&amp;", "&");
    let answer = client
        .post(to.split('?').next().expect("path"))
        .form(&[
            ("tx_id", tx_id.as_str()),
            ("return_url", return_url.as_str()),
            ("verify_method", "nhi"),
            ("national_id", national_id),
            ("decision", decision),
        ])
        .send()
        .await
        .expect("the answer");
    assert_eq!(answer.status().as_u16(), 303);
    let back = answer
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("back")
        .to_string();
    let path = back
        .strip_prefix(&app.base)
        .expect("back to us")
        .to_string();
    (path, tx_id)
}

async fn follow_back(app: &TestApp, b: &Browser, path: &str) -> Answer {
    let back = get(app, b, path).await;
    assert_eq!(back.status, 303, "{}", back.body);
    get(app, b, back.location.as_deref().expect("on")).await
}

/// Runs the fetch job until the data has come (MyData answers 429 for a second first).
async fn fetched(app: &TestApp) {
    use sea_query::{Expr, ExprTrait, Query};
    for _ in 0..40 {
        app.modules().run_due_jobs().await.expect("jobs");
        let (waiting, _) = counts(app, "consented").await;
        if waiting == 0 {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        // The job was put back after MyData's Retry-After: make it due now.
        let due = Query::update()
            .table("jobs")
            .value("run_at", 0)
            .and_where(Expr::col("kind").eq("identity.mydata_fetch"))
            .and_where(Expr::col("status").eq("queued"))
            .to_owned();
        app.platform.db.execute(&due).await.expect("due");
    }
    panic!("the data never came");
}

async fn counts(app: &TestApp, status: &str) -> (usize, usize) {
    identity::testkit::mydata_counts(&app.platform.db, status)
        .await
        .expect("counts")
}

#[tokio::test]
async fn a_citizen_brings_their_details_from_mydata_and_uses_them() {
    let (app, _sim) = app_with_mydata(None).await;
    let (me, b) = citizen_with_consent(&app, "0911000777").await;

    let page = get(&app, &b, "/account/mydata").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("action=\"/account/mydata/start\""),
        "{}",
        page.body
    );

    let (back, tx_id) = at_mydata(&app, &b, "A123456789", "agree").await;
    assert!(
        back.starts_with("/account/mydata/return?code=200"),
        "{back}"
    );
    let page = follow_back(&app, &b, &back).await;
    assert!(
        page.body.contains("傳送中") || page.body.contains("On its way"),
        "{}",
        page.body
    );

    fetched(&app).await;
    let page = get(&app, &b, "/account/mydata").await;
    assert!(page.body.contains("王大明"), "{}", page.body);
    assert!(
        page.body.contains("A12****789") || page.body.contains("A123"),
        "{}",
        page.body
    );
    // Only the needed fields were stored: the parents' names never were.
    let stored = identity::testkit::mydata_record(&app.platform.db, &tx_id)
        .await
        .expect("read")
        .expect("a record");
    assert!(
        stored.contains("王大明") && !stored.contains("marital"),
        "{stored}"
    );
    let (_, holding) = counts(&app, "ready").await;
    assert_eq!(
        holding, 0,
        "the key and the ticket are forgotten once the data is here"
    );

    // Used: the name and ID number are the record's, the real name is proved, the record gone.
    let used = post(&app, &b, &format!("/account/mydata/{tx_id}/use"), &[]).await;
    assert_eq!(
        used.location.as_deref(),
        Some("/account/mydata?done=used"),
        "{}",
        used.body
    );
    let (_, profile) = send(app.as_browser(&b, reqwest::Method::GET, "me")).await;
    assert_eq!(profile["display_name"], "王大明", "{profile}");
    assert_eq!(
        app.identity.assurance(&me).await.expect("assurance"),
        identity::domain::city_login::Assurance::RealName
    );
    assert!(
        identity::testkit::mydata_record(&app.platform.db, &tx_id)
            .await
            .expect("read")
            .is_none()
    );

    // Someone else cannot use or see it.
    let (_, other) = citizen_with_consent(&app, "0911000888").await;
    let theirs = post(&app, &other, &format!("/account/mydata/{tx_id}/use"), &[]).await;
    assert_eq!(theirs.status, 404);
}

#[tokio::test]
async fn without_consent_nothing_starts_and_a_withdrawal_refuses_the_use() {
    let (app, _sim) = app_with_mydata(None).await;
    app.citizen("0911000999", "lantern-kite-harbour-7").await;
    let b = app.sign_in("0911000999", "lantern-kite-harbour-7").await;

    // No consent: the page says so and starting is refused.
    let page = get(&app, &b, "/account/mydata").await;
    assert!(
        !page.body.contains("action=\"/account/mydata/start\""),
        "{}",
        page.body
    );
    let refused = post(&app, &b, "/account/mydata/start", &[]).await;
    assert_eq!(refused.status, 403, "{}", refused.body);

    // Consent given, the data fetched, then the consent withdrawn: the use is refused and the
    // record is gone at once.
    post(
        &app,
        &b,
        "/account/consents",
        &[("purpose", PREFILL), ("days", "30")],
    )
    .await;
    let (back, tx_id) = at_mydata(&app, &b, "A223456781", "agree").await;
    follow_back(&app, &b, &back).await;
    fetched(&app).await;
    let page = get(&app, &b, "/account/consents").await;
    let consent = page
        .body
        .split("action=\"/account/consents/")
        .nth(1)
        .and_then(|t| t.split('/').next())
        .expect("a running consent")
        .to_string();
    let withdrawn = post(
        &app,
        &b,
        &format!("/account/consents/{consent}/withdraw"),
        &[],
    )
    .await;
    assert_eq!(withdrawn.status, 303);
    let used = post(&app, &b, &format!("/account/mydata/{tx_id}/use"), &[]).await;
    assert_eq!(used.status, 403, "{}", used.body);
    assert!(
        used.body.contains("撤回") || used.body.contains("withdrew"),
        "{}",
        used.body
    );
    assert!(
        identity::testkit::mydata_record(&app.platform.db, &tx_id)
            .await
            .expect("read")
            .is_none()
    );
    let page = get(&app, &b, "/account/mydata").await;
    assert!(
        page.body.contains("已捨棄") || page.body.contains("Discarded"),
        "{}",
        page.body
    );

    // A decline at MyData sends nothing.
    post(
        &app,
        &b,
        "/account/consents",
        &[("purpose", PREFILL), ("days", "30")],
    )
    .await;
    let (back, _) = at_mydata(&app, &b, "A223456781", "decline").await;
    assert!(back.contains("code=410"), "{back}");
    let page = follow_back(&app, &b, &back).await;
    assert!(
        page.body.contains("拒絕") || page.body.contains("declined"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn forged_notices_are_refused_and_unused_records_are_purged() {
    let clock = Arc::new(FixedClock::at(1_796_000_000));
    let (app, _sim) = app_with_mydata(Some(clock.clone())).await;
    let (_, b) = citizen_with_consent(&app, "0911000123").await;
    let started = post(&app, &b, "/account/mydata/start", &[]).await;
    let to = started.location.expect("to MyData");
    let tx_id = to
        .split("tx_id=")
        .nth(1)
        .and_then(|t| t.split('&').next())
        .expect("tx");

    // A notice for a transaction we never started, or with a key not made with our secret.
    let client = reqwest::Client::new();
    let notice = |body: serde_json::Value| {
        client
            .post(format!("{}/mydata/notice", app.base))
            .json(&body)
            .send()
    };
    let r = notice(
        serde_json::json!({ "tx_id": "CD00", "permission_ticket": "x", "secret_key": "AAAA" }),
    )
    .await
    .expect("POST");
    assert_eq!(r.status().as_u16(), 404);
    let r = notice(serde_json::json!({ "tx_id": tx_id, "permission_ticket": "x", "secret_key": "bm90IG91ciBrZXk=" }))
        .await
        .expect("POST");
    assert_eq!(r.status().as_u16(), 400);
    // A whole key, encrypted as MyData would but with another secret.
    let forged = mydata_sim::wire::encrypt_secret_key(
        "not-the-city-secret-32-bytes-xx!",
        mydata_sim::DEMO_IV,
        &[7u8; 32],
    )
    .expect("encrypt");
    let r = notice(
        serde_json::json!({ "tx_id": tx_id, "permission_ticket": "x", "secret_key": forged }),
    )
    .await
    .expect("POST");
    assert_eq!(r.status().as_u16(), 400);
    let r = client
        .post(format!("{}/mydata/notice", app.base))
        .body("not json")
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status().as_u16(), 400);

    // Unanswered for more than two hours: the import ends.
    clock.advance(3 * 3600);
    assert_eq!(app.identity.purge_mydata().await.expect("purge"), 1);
    let b = app.sign_in("0911000123", "lantern-kite-harbour-7").await;
    let page = get(&app, &b, "/account/mydata").await;
    assert!(
        page.body.contains("未收到") || page.body.contains("Not received"),
        "{}",
        page.body
    );

    // A record fetched and never used is purged after its retention period (7 days).
    let (back, tx_id) = at_mydata(&app, &b, "F213579245", "agree").await;
    follow_back(&app, &b, &back).await;
    fetched(&app).await;
    let kept = identity::testkit::mydata_record(&app.platform.db, &tx_id).await;
    assert!(kept.expect("read").is_some());
    clock.advance(6 * 86_400);
    assert_eq!(
        app.identity.purge_mydata().await.expect("purge"),
        0,
        "not yet"
    );
    clock.advance(86_400 + 60);
    assert_eq!(app.identity.purge_mydata().await.expect("purge"), 1);
    let kept = identity::testkit::mydata_record(&app.platform.db, &tx_id).await;
    assert!(kept.expect("read").is_none());
    let b = app.sign_in("0911000123", "lantern-kite-harbour-7").await;
    let page = get(&app, &b, "/account/mydata").await;
    assert!(
        page.body.contains("未使用，已刪除") || page.body.contains("Removed unused"),
        "{}",
        page.body
    );

    // A person MyData does not know: nothing is delivered, and the import says so.
    let (back, _) = at_mydata(&app, &b, "B120000008", "agree").await;
    assert!(back.contains("code=504"), "{back}");
    let page = follow_back(&app, &b, &back).await;
    assert!(
        page.body.contains("無法傳送") || page.body.contains("could not send"),
        "{}",
        page.body
    );
}
