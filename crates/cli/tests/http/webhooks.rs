//! Webhooks against a real receiver: an axum server in the test that checks every signature
//! with its own HMAC code and records what arrives. On SQLite by default, on PostgreSQL with
//! `CIVICDESK_TEST_DATABASE_URL`.

use crate::support::*;
use hmac::{Hmac, KeyInit, Mac};
use platform::webhooks::admin::NewWebhook;
use platform::webhooks::{self, WebhookConfig};
use reqwest::Method;
use sea_query::{Expr, ExprTrait, Query};
use serde_json::json;
use sha2::Sha256;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// --- the receiver ----------------------------------------------------------------------

#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) path: String,
    pub(crate) event: String,
    pub(crate) delivery: String,
    pub(crate) user_agent: String,
    pub(crate) content_type: String,
    pub(crate) signature: String,
    pub(crate) timestamp: String,
    pub(crate) raw: Vec<u8>,
    pub(crate) body: serde_json::Value,
    pub(crate) valid: bool,
}

/// A department system: one secret and one answer per path.
#[derive(Clone, Default)]
pub(crate) struct Receiver {
    base: String,
    secrets: Arc<Mutex<HashMap<String, String>>>,
    answers: Arc<Mutex<HashMap<String, u16>>>,
    received: Arc<Mutex<Vec<Received>>>,
}

fn signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn receive(
    axum::extract::State(r): axum::extract::State<Receiver>,
    axum::extract::Path(path): axum::extract::Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::http::StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let secret = r.secrets.lock().unwrap().get(&path).cloned();
    let timestamp = header("x-civicdesk-timestamp");
    let given = header("x-civicdesk-signature");
    let fresh = timestamp
        .parse::<i64>()
        .is_ok_and(|t| (store::now_unix() - t).abs() <= 300);
    let valid = fresh && secret.is_some_and(|s| signature(&s, &timestamp, &body) == given);
    r.received.lock().unwrap().push(Received {
        path: path.clone(),
        event: header("x-civicdesk-event"),
        delivery: header("x-civicdesk-delivery"),
        user_agent: header("user-agent"),
        content_type: header("content-type"),
        signature: given,
        timestamp,
        raw: body.to_vec(),
        body: serde_json::from_slice(&body).unwrap_or_default(),
        valid,
    });
    if !valid {
        return axum::http::StatusCode::UNAUTHORIZED;
    }
    let code = r.answers.lock().unwrap().get(&path).copied().unwrap_or(200);
    axum::http::StatusCode::from_u16(code).unwrap()
}

impl Receiver {
    pub(crate) async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let receiver = Receiver {
            base: format!("http://{}", listener.local_addr().unwrap()),
            ..Receiver::default()
        };
        let router = axum::Router::new()
            .route("/hook/{path}", axum::routing::post(receive))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        receiver
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}/hook/{path}", self.base)
    }

    pub(crate) fn expect(&self, path: &str, secret: &str) {
        self.secrets
            .lock()
            .unwrap()
            .insert(path.into(), secret.into());
    }

    pub(crate) fn answer(&self, path: &str, status: u16) {
        self.answers.lock().unwrap().insert(path.into(), status);
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub(crate) fn at(&self, path: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }
}

// --- helpers ---------------------------------------------------------------------------

pub(crate) fn fast(mut c: WebhookConfig) -> WebhookConfig {
    c.send_timeout = Duration::from_secs(10);
    c.allow_private_targets = true;
    c
}

async fn app_with(config: WebhookConfig) -> TestApp {
    app_with_jobs(config, crate::notify::fast_jobs()).await
}

async fn app_with_jobs(config: WebhookConfig, jobs: platform::jobs::JobsConfig) -> TestApp {
    TestApp::start_with(move |c| {
        c.webhooks = config;
        c.jobs = jobs;
    })
    .await
}

fn operator() -> platform::authz::Actor {
    platform::authz::Actor::system(TAIPEI, "admin")
}

/// Subscribes `path` of the receiver and tells the receiver the secret.
pub(crate) async fn subscribe(
    app: &TestApp,
    receiver: &Receiver,
    path: &str,
    events: &[&str],
    department: Option<&str>,
) -> String {
    let created = app
        .platform
        .create_webhook(
            &operator(),
            NewWebhook {
                name: format!("receiver {path}"),
                url: receiver.url(path),
                event_types: events.iter().map(|e| e.to_string()).collect(),
                department_code: department.map(str::to_string),
                active: true,
            },
        )
        .await
        .expect("subscription");
    receiver.expect(path, &created.secret);
    created.webhook.id
}

pub(crate) fn case_data(number: &str, department: &str) -> serde_json::Value {
    json!({
        "case_number": number,
        "status": "received",
        "category": "1999-L01",
        "department": department,
        "due_at": "2026-11-27T09:00:00Z",
    })
}

/// Queues events in one committed transaction; returns how many deliveries each made.
pub(crate) async fn enqueue_all(
    app: &TestApp,
    events: &[(&str, Option<&str>, serde_json::Value)],
) -> Vec<usize> {
    let mut tx = app.platform.db.begin().await.expect("begin");
    let mut counts = Vec::new();
    for (event_type, department, data) in events {
        let event_id = uuid::Uuid::now_v7().to_string();
        counts.push(
            webhooks::enqueue(
                &mut tx,
                TAIPEI,
                event_type,
                *department,
                &event_id,
                data.clone(),
                app.platform.now(),
            )
            .await
            .expect("enqueue"),
        );
    }
    tx.commit().await.expect("commit");
    counts
}

async fn delivery(app: &TestApp, id: &str) -> store::webhooks::Delivery {
    store::webhooks::get_delivery(&app.platform.db, TAIPEI, id)
        .await
        .expect("get")
        .expect("exists")
}

async fn deliveries_of(app: &TestApp, subscription: &str) -> Vec<store::webhooks::Delivery> {
    store::webhooks::list_deliveries(&app.platform.db, TAIPEI, subscription, None, 1000)
        .await
        .expect("list")
}

async fn all_deliveries(app: &TestApp) -> i64 {
    let stmt = Query::select()
        .expr_as(Expr::col("id").count(), "n")
        .from("webhook_deliveries")
        .to_owned();
    app.platform.db.fetch_all(&stmt).await.unwrap()[0]
        .get("n")
        .unwrap()
}

/// Makes a waiting delivery due now, as if its time had come.
async fn make_due(app: &TestApp, id: &str) {
    let stmt = Query::update()
        .table("webhook_deliveries")
        .value("next_attempt_at", 0i64)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    app.platform.db.execute(&stmt).await.expect("update");
    let stmt = Query::update()
        .table("jobs")
        .value("run_at", 0i64)
        .and_where(Expr::col("subject_id").eq(id))
        .to_owned();
    app.platform.db.execute(&stmt).await.expect("update");
}

async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while !check().await {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn admin(app: &TestApp) -> Browser {
    app.staff("admin.hooks", &["jurisdiction_admin"]).await;
    app.sign_in("admin.hooks", STAFF_PASSWORD).await
}

fn codes(body: &serde_json::Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["code"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn audit_count(app: &TestApp) -> i64 {
    let stmt = Query::select()
        .expr_as(Expr::col("id").count(), "n")
        .from("audit_records")
        .to_owned();
    app.platform.db.fetch_all(&stmt).await.unwrap()[0]
        .get("n")
        .unwrap()
}

// --- the tests -------------------------------------------------------------------------

/// Created over HTTP, the secret is in the answer once and never again; bad URLs, unknown
/// event types and unknown departments are refused with 400 and nothing is stored; changes
/// are checked the same way.
#[tokio::test]
async fn subscriptions_over_http_show_the_secret_once_and_refuse_bad_input() {
    let app = app_with(fast(WebhookConfig::default())).await;
    let b = admin(&app).await;

    let (status, created) = send(app.as_browser(&b, Method::POST, "webhooks").json(&json!({
        "name": "公園處派工系統",
        "url": "http://127.0.0.1:9/hooks/civicdesk",
        "event_types": ["case.resolved", "case.created", "case.created"],
        "department_code": "PWD-PKS",
    })))
    .await;
    assert_eq!(status, 201, "{created}");
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(
        secret.starts_with("whsec_") && secret.len() == 6 + 64,
        "{secret}"
    );
    assert_eq!(
        created["event_types"],
        json!(["case.created", "case.resolved"])
    );
    assert_eq!(created["department_code"], "PWD-PKS");
    assert_eq!(created["active"], true);
    let id = created["id"].as_str().unwrap().to_string();

    let list = app
        .as_browser(&b, Method::GET, "webhooks")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        list.contains(&id) && !list.contains(&secret) && !list.contains("secret"),
        "{list}"
    );
    let one = app
        .as_browser(&b, Method::GET, &format!("webhooks/{id}"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(one.contains(&id) && !one.contains(&secret), "{one}");

    let records = audit_count(&app).await;
    let bad = [
        (
            json!({ "name": "x", "url": "ftp://example.com/", "event_types": ["case.created"] }),
            "error-webhook-url",
        ),
        (
            json!({ "name": "x", "url": "https://user:pw@example.com/", "event_types": ["case.created"] }),
            "error-webhook-url-credentials",
        ),
        (
            json!({ "name": "x", "url": "https://example.com/#x", "event_types": ["case.created"] }),
            "error-webhook-url",
        ),
        (
            json!({ "name": "x", "url": "https://example.com/", "event_types": ["case.deleted"] }),
            "error-webhook-event-unknown",
        ),
        (
            json!({ "name": "x", "url": "https://example.com/", "event_types": [] }),
            "error-webhook-events-required",
        ),
        (
            json!({ "name": "x", "url": "https://example.com/", "event_types": ["case.created"], "department_code": "NOPE" }),
            "error-webhook-department-unknown",
        ),
        (
            json!({ "name": " ", "url": "https://example.com/", "event_types": ["case.created"] }),
            "error-webhook-name",
        ),
    ];
    for (body, code) in bad {
        let (status, answer) = send(app.as_browser(&b, Method::POST, "webhooks").json(&body)).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(
            codes(&answer).contains(&code.to_string()),
            "{body}: {answer}"
        );
    }
    // Every problem at once.
    let (status, answer) = send(app.as_browser(&b, Method::POST, "webhooks").json(&json!({
        "name": "x", "url": "gopher://x", "event_types": ["nope"], "department_code": "NOPE",
    })))
    .await;
    assert_eq!(status, 400);
    assert_eq!(codes(&answer).len(), 3, "{answer}");
    let (_, list) = send(app.as_browser(&b, Method::GET, "webhooks")).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "nothing was stored");
    assert_eq!(audit_count(&app).await, records, "nothing was audited");

    // Changes are checked like new subscriptions.
    let (status, answer) = send(
        app.as_browser(&b, Method::PATCH, &format!("webhooks/{id}"))
            .json(&json!({ "event_types": ["case.exploded"] })),
    )
    .await;
    assert_eq!(status, 400, "{answer}");
    let (status, updated) = send(
        app.as_browser(&b, Method::PATCH, &format!("webhooks/{id}"))
            .json(&json!({ "department_code": null, "active": false, "name": "公園處" })),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["department_code"], serde_json::Value::Null);
    assert_eq!(updated["active"], false);
    assert_eq!(updated["name"], "公園處");
    assert_eq!(
        updated["event_types"],
        json!(["case.created", "case.resolved"])
    );
    assert!(!updated.to_string().contains(&secret));

    let (status, _) = send(app.as_browser(&b, Method::GET, "webhooks/no-such-id")).await;
    assert_eq!(status, 404);
    let (status, _) = send(app.as_browser(&b, Method::DELETE, &format!("webhooks/{id}"))).await;
    assert_eq!(status, 204);
    let (status, _) = send(app.as_browser(&b, Method::GET, &format!("webhooks/{id}"))).await;
    assert_eq!(status, 404);

    let actions: Vec<String> = store::audit::list(
        &app.platform.db,
        TAIPEI,
        &store::audit::AuditFilter {
            action_prefix: Some("webhook.".into()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap()
    .into_iter()
    .map(|r| r.record.action)
    .collect();
    assert_eq!(
        actions,
        ["webhook.delete", "webhook.update", "webhook.create"]
    );
}

/// Without `allow_private_targets`, loopback, private and local names are refused.
#[tokio::test]
async fn private_targets_are_refused_unless_allowed() {
    let app = app_with(WebhookConfig::default()).await;
    let b = admin(&app).await;
    for url in [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.0.0.5/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://intranet/hook",
    ] {
        let (status, answer) = send(app.as_browser(&b, Method::POST, "webhooks").json(&json!({
            "name": "internal", "url": url, "event_types": ["case.created"],
        })))
        .await;
        assert_eq!(status, 400, "{url}: {answer}");
        assert_eq!(codes(&answer), ["error-webhook-url-private"], "{url}");
    }
    let (status, answer) = send(app.as_browser(&b, Method::POST, "webhooks").json(&json!({
        "name": "public", "url": "https://hooks.example.gov.tw/civicdesk", "event_types": ["case.created"],
    })))
    .await;
    assert_eq!(status, 201, "{answer}");
    let (_, list) = send(app.as_browser(&b, Method::GET, "webhooks")).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
}

/// An event queued in a transaction that rolls back is never sent; committed events reach
/// exactly the subscriptions that want them (event type and department), each once, while
/// two workers race over the outbox; every request is signed and carries the envelope.
#[tokio::test]
async fn committed_events_are_delivered_once_by_racing_workers_and_rolled_back_ones_never() {
    let receiver = Receiver::start().await;
    let jobs = platform::jobs::JobsConfig {
        batch_size: 3,
        ..crate::notify::fast_jobs()
    };
    let app = app_with_jobs(fast(WebhookConfig::default()), jobs).await;
    let everything = subscribe(
        &app,
        &receiver,
        "all",
        &["case.created", "case.resolved"],
        None,
    )
    .await;
    let parks = subscribe(&app, &receiver, "parks", &["case.created"], Some("PWD-PKS")).await;

    let mut tx = app.platform.db.begin().await.expect("begin");
    let n = webhooks::enqueue(
        &mut tx,
        TAIPEI,
        "case.created",
        Some("PWD-PKS"),
        "rolled-back",
        case_data("2026112499999", "PWD-PKS"),
        app.platform.now(),
    )
    .await
    .expect("enqueue");
    assert_eq!(n, 2);
    drop(tx);
    assert_eq!(
        all_deliveries(&app).await,
        0,
        "the rolled-back event left no row"
    );

    let mut events = Vec::new();
    for i in 0..5 {
        events.push((
            "case.created",
            Some("PWD-PKS"),
            case_data(&format!("202611240000{i}"), "PWD-PKS"),
        ));
    }
    for i in 5..8 {
        events.push((
            "case.created",
            Some("DEP"),
            case_data(&format!("202611240000{i}"), "DEP"),
        ));
    }
    for i in 8..10 {
        events.push((
            "case.resolved",
            Some("PWD-PKS"),
            case_data(&format!("202611240000{i}"), "PWD-PKS"),
        ));
    }
    events.push((
        "case.closed",
        Some("PWD-PKS"),
        case_data("2026112400010", "PWD-PKS"),
    ));
    events.push(("case.created", None, case_data("2026112400011", "")));
    let counts = enqueue_all(&app, &events).await;
    assert_eq!(counts, [2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 0, 1]);
    assert!(
        receiver.received().is_empty(),
        "nothing is sent on the request path"
    );

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let a = tokio::spawn(webhooks::run_worker(app.platform.clone(), stopped.clone()));
    let b = tokio::spawn(webhooks::run_worker(app.platform.clone(), stopped));
    wait_until("all 16 deliveries delivered", || async {
        let all = deliveries_of(&app, &everything).await;
        let parks = deliveries_of(&app, &parks).await;
        all.len() + parks.len() == 16 && all.iter().chain(&parks).all(|d| d.status == "delivered")
    })
    .await;
    stop.send(true).expect("stop");
    a.await.expect("worker a");
    b.await.expect("worker b");

    let received = receiver.received();
    assert_eq!(received.len(), 16, "each delivery exactly once");
    let ids: HashSet<&str> = received.iter().map(|r| r.delivery.as_str()).collect();
    assert_eq!(ids.len(), 16, "no delivery twice");
    assert_eq!(receiver.at("all").len(), 11);
    assert_eq!(receiver.at("parks").len(), 5);
    let datetime = regex::Regex::new(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").unwrap();
    for r in &received {
        assert!(r.valid, "signature checks: {r:?}");
        assert_eq!(r.content_type, "application/json");
        assert!(r.user_agent.starts_with("civicdesk/"), "{}", r.user_agent);
        assert_eq!(
            r.body["id"],
            r.delivery.as_str(),
            "the header names the delivery"
        );
        assert_eq!(r.body["type"], r.event.as_str());
        assert_eq!(r.body["jurisdiction_id"], TAIPEI);
        assert!(
            datetime.is_match(r.body["created_at"].as_str().unwrap()),
            "{}",
            r.body
        );
        assert!(r.body["data"]["case_number"].is_string(), "{}", r.body);
        assert_eq!(r.body["event_id"].as_str().map(str::len), Some(36));
        assert_eq!(
            serde_json::from_slice::<serde_json::Value>(&r.raw).unwrap(),
            r.body
        );
        if r.path == "parks" {
            assert_eq!(r.event, "case.created");
            assert_eq!(r.body["data"]["department"], "PWD-PKS");
        }
    }
    assert!(received.iter().all(|r| r.event != "case.closed"));
    for d in deliveries_of(&app, &everything).await {
        assert_eq!(d.attempts, 1);
        assert_eq!(d.last_status_code, Some(200));
        assert!(d.delivered_at.is_some());
    }
}

/// A receiver that answers 500 is retried on the schedule until the delivery is dead, with
/// every attempt in the log; an administrator then redelivers it once the receiver is fixed.
#[tokio::test]
async fn a_failing_receiver_is_retried_with_backoff_until_dead_then_redelivered() {
    let receiver = Receiver::start().await;
    let mut config = fast(WebhookConfig::default());
    config.retry_schedule = vec![60, 600];
    config.max_attempts = 3;
    let app = app_with(config).await;
    let b = admin(&app).await;
    let sub = subscribe(&app, &receiver, "flaky", &["case.sla_breached"], None).await;
    receiver.answer("flaky", 500);
    enqueue_all(
        &app,
        &[(
            "case.sla_breached",
            Some("DEP"),
            case_data("2026112400001", "DEP"),
        )],
    )
    .await;
    let id = deliveries_of(&app, &sub).await[0].id.clone();

    assert_eq!(webhooks::process_due(&app.platform).await.unwrap(), 1);
    let d = delivery(&app, &id).await;
    assert_eq!((d.status.as_str(), d.attempts), ("queued", 1));
    assert_eq!(d.last_status_code, Some(500));
    let wait = d.next_attempt_at - store::now_unix();
    assert!(
        (46..=73).contains(&wait),
        "first retry after about 60 s ±20 %: {wait}"
    );
    assert_eq!(
        webhooks::process_due(&app.platform).await.unwrap(),
        0,
        "not due yet"
    );

    make_due(&app, &id).await;
    webhooks::process_due(&app.platform).await.unwrap();
    let d = delivery(&app, &id).await;
    assert_eq!((d.status.as_str(), d.attempts), ("queued", 2));
    let wait = d.next_attempt_at - store::now_unix();
    assert!(
        (470..=721).contains(&wait),
        "second retry after about 600 s ±20 %: {wait}"
    );

    make_due(&app, &id).await;
    webhooks::process_due(&app.platform).await.unwrap();
    let d = delivery(&app, &id).await;
    assert_eq!((d.status.as_str(), d.attempts), ("dead", 3));
    assert_eq!(receiver.at("flaky").len(), 3);
    let ids: HashSet<String> = receiver
        .at("flaky")
        .into_iter()
        .map(|r| r.delivery)
        .collect();
    assert_eq!(ids.len(), 1, "retries keep the delivery id");

    let (status, shown) =
        send(app.as_browser(&b, Method::GET, &format!("webhook-deliveries/{id}"))).await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["status"], "dead");
    assert_eq!(shown["last_status_code"], 500);
    let log = shown["log"].as_array().unwrap();
    let outcomes: Vec<&str> = log.iter().map(|l| l["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["retry", "retry", "dead"]);
    assert!(
        log.iter()
            .all(|l| l["status_code"] == 500 && l["duration_ms"].is_number())
    );
    assert!(
        log[0]["detail"]
            .as_str()
            .unwrap()
            .contains("next attempt in"),
        "{log:?}"
    );
    assert_eq!(shown["payload"]["data"]["case_number"], "2026112400001");

    // Fixed: redeliver now, same id, a fresh round of attempts.
    receiver.answer("flaky", 204);
    let (status, again) = send(app.as_browser(
        &b,
        Method::POST,
        &format!("webhook-deliveries/{id}/redeliver"),
    ))
    .await;
    assert_eq!(status, 202, "{again}");
    assert_eq!(again["status"], "queued");
    assert_eq!(webhooks::process_due(&app.platform).await.unwrap(), 1);
    let d = delivery(&app, &id).await;
    assert_eq!(
        (d.status.as_str(), d.last_status_code),
        ("delivered", Some(204))
    );
    let last = receiver.at("flaky").pop().unwrap();
    assert!(last.valid && last.delivery == id);
    let (_, shown) =
        send(app.as_browser(&b, Method::GET, &format!("webhook-deliveries/{id}"))).await;
    let outcomes: Vec<&str> = shown["log"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(
        outcomes,
        ["retry", "retry", "dead", "redeliver", "delivered"]
    );

    // Only failed or dead deliveries can be redelivered.
    let (status, answer) = send(app.as_browser(
        &b,
        Method::POST,
        &format!("webhook-deliveries/{id}/redeliver"),
    ))
    .await;
    assert_eq!(status, 400);
    assert_eq!(codes(&answer), ["error-webhook-not-redeliverable"]);
    let (status, _) =
        send(app.as_browser(&b, Method::POST, "webhook-deliveries/nope/redeliver")).await;
    assert_eq!(status, 404);

    // The subscription's deliveries, newest first, paged.
    enqueue_all(
        &app,
        &[
            ("case.sla_breached", None, case_data("2026112400002", "DEP")),
            ("case.sla_breached", None, case_data("2026112400003", "DEP")),
        ],
    )
    .await;
    let (status, page) = send(app.as_browser(
        &b,
        Method::GET,
        &format!("webhooks/{sub}/deliveries?limit=2"),
    ))
    .await;
    assert_eq!(status, 200, "{page}");
    let page = page.as_array().unwrap();
    assert_eq!(page.len(), 2);
    assert_eq!(page[0]["payload"]["data"]["case_number"], "2026112400003");
    let before = page[1]["id"].as_str().unwrap();
    let (_, rest) = send(app.as_browser(
        &b,
        Method::GET,
        &format!("webhooks/{sub}/deliveries?limit=2&before={before}"),
    ))
    .await;
    assert_eq!(rest.as_array().unwrap().len(), 1);
    assert_eq!(rest[0]["id"], id.as_str());
}

/// A receiver that cannot be reached is retried like one that answers an error.
#[tokio::test]
async fn an_unreachable_receiver_is_retried() {
    let app = app_with(fast(WebhookConfig::default())).await;
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed = format!("http://{}/hook", l.local_addr().unwrap());
    drop(l);
    let created = app
        .platform
        .create_webhook(
            &operator(),
            NewWebhook {
                name: "down".into(),
                url: closed,
                event_types: vec!["case.created".into()],
                department_code: None,
                active: true,
            },
        )
        .await
        .unwrap();
    enqueue_all(
        &app,
        &[("case.created", None, case_data("2026112400001", "DEP"))],
    )
    .await;
    webhooks::process_due(&app.platform).await.unwrap();
    let d = &deliveries_of(&app, &created.webhook.id).await[0];
    assert_eq!((d.status.as_str(), d.attempts), ("queued", 1));
    assert_eq!(d.last_status_code, None);
    assert!(
        d.last_error
            .as_deref()
            .unwrap()
            .contains("could not connect"),
        "{d:?}"
    );
}

/// 410 Gone turns the subscription off (audited as the system); its other deliveries fail
/// without being sent, and new events no longer reach it.
#[tokio::test]
async fn gone_turns_the_subscription_off() {
    let receiver = Receiver::start().await;
    let app = app_with(fast(WebhookConfig::default())).await;
    let b = admin(&app).await;
    let sub = subscribe(&app, &receiver, "old", &["case.closed"], None).await;
    receiver.answer("old", 410);
    enqueue_all(
        &app,
        &[
            ("case.closed", None, case_data("2026112400001", "DEP")),
            ("case.closed", None, case_data("2026112400002", "DEP")),
        ],
    )
    .await;
    assert_eq!(webhooks::process_due(&app.platform).await.unwrap(), 2);
    assert_eq!(
        receiver.at("old").len(),
        1,
        "the second delivery was not sent"
    );
    let mut list = deliveries_of(&app, &sub).await;
    list.reverse();
    assert_eq!(list[0].status, "failed");
    assert_eq!(list[0].last_status_code, Some(410));
    assert_eq!(list[1].status, "failed");
    assert_eq!(list[1].attempts, 0);

    let (_, shown) = send(app.as_browser(&b, Method::GET, &format!("webhooks/{sub}"))).await;
    assert_eq!(shown["active"], false);
    let (_, first) = send(app.as_browser(
        &b,
        Method::GET,
        &format!("webhook-deliveries/{}", list[0].id),
    ))
    .await;
    assert_eq!(first["log"][0]["outcome"], "gone");
    let disabled = store::audit::list(
        &app.platform.db,
        TAIPEI,
        &store::audit::AuditFilter {
            action_prefix: Some("webhook.disable".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(disabled.len(), 1);
    assert_eq!(disabled[0].record.actor_id, None);
    assert_eq!(disabled[0].record.actor_label, "webhook delivery");
    assert_eq!(disabled[0].record.subject_id, sub);

    assert_eq!(
        enqueue_all(
            &app,
            &[("case.closed", None, case_data("2026112400003", "DEP"))]
        )
        .await,
        [0]
    );
    let (status, answer) =
        send(app.as_browser(&b, Method::POST, &format!("webhooks/{sub}/ping"))).await;
    assert_eq!(status, 400);
    assert_eq!(codes(&answer), ["error-webhook-inactive"]);
    let (status, _) = send(app.as_browser(
        &b,
        Method::POST,
        &format!("webhook-deliveries/{}/redeliver", list[0].id),
    ))
    .await;
    assert_eq!(
        status, 400,
        "an inactive subscription is not redelivered to"
    );
}

/// A ping reaches the receiver signed with the secret; after a rotation the old secret no
/// longer verifies and the new one does.
#[tokio::test]
async fn ping_and_secret_rotation() {
    let receiver = Receiver::start().await;
    let app = app_with(fast(WebhookConfig::default())).await;
    let b = admin(&app).await;
    let (status, created) = send(app.as_browser(&b, Method::POST, "webhooks").json(&json!({
        "name": "環保局", "url": receiver.url("dep"), "event_types": ["case.updated"],
    })))
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let old = created["secret"].as_str().unwrap().to_string();
    receiver.expect("dep", &old);

    let (status, ping) =
        send(app.as_browser(&b, Method::POST, &format!("webhooks/{id}/ping"))).await;
    assert_eq!(status, 202, "{ping}");
    assert_eq!(ping["event_type"], "ping");
    assert_eq!(ping["status"], "queued");
    webhooks::process_due(&app.platform).await.unwrap();
    let got = receiver.at("dep");
    assert_eq!(got.len(), 1);
    assert!(got[0].valid);
    assert_eq!(got[0].event, "ping");
    assert_eq!(got[0].body["data"]["subscription_id"], id.as_str());

    let (status, rotated) =
        send(app.as_browser(&b, Method::POST, &format!("webhooks/{id}/rotate-secret"))).await;
    assert_eq!(status, 200, "{rotated}");
    let new = rotated["secret"].as_str().unwrap().to_string();
    assert!(new.starts_with("whsec_") && new != old);

    // The receiver still expects the old secret: the new signature does not verify.
    let (_, ping) = send(app.as_browser(&b, Method::POST, &format!("webhooks/{id}/ping"))).await;
    let ping_id = ping["id"].as_str().unwrap().to_string();
    webhooks::process_due(&app.platform).await.unwrap();
    let got = receiver.at("dep");
    assert_eq!(got.len(), 2);
    assert!(!got[1].valid, "signed with the new secret");
    assert_eq!(
        got[1].signature,
        signature(&new, &got[1].timestamp, &got[1].raw)
    );
    assert_ne!(
        got[1].signature,
        signature(&old, &got[1].timestamp, &got[1].raw)
    );
    let d = delivery(&app, &ping_id).await;
    assert_eq!(
        (d.status.as_str(), d.last_status_code),
        ("queued", Some(401))
    );

    // The receiver takes the new secret; the retry goes through.
    receiver.expect("dep", &new);
    make_due(&app, &ping_id).await;
    webhooks::process_due(&app.platform).await.unwrap();
    assert!(receiver.at("dep")[2].valid);
    assert_eq!(delivery(&app, &ping_id).await.status, "delivered");
    let listed = app
        .as_browser(&b, Method::GET, "webhooks")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!listed.contains(&new) && !listed.contains(&old));
}

/// The policy is applied again when sending: a node that does not allow private targets
/// refuses a subscription saved on one that did, and sends nothing.
#[tokio::test]
async fn a_node_without_private_targets_does_not_send_to_them() {
    let receiver = Receiver::start().await;
    let app = app_with(fast(WebhookConfig::default())).await;
    let local = receiver.url("local").replace("127.0.0.1", "localhost");
    let created = app
        .platform
        .create_webhook(
            &operator(),
            NewWebhook {
                name: "local".into(),
                url: local,
                event_types: vec!["case.created".into()],
                department_code: None,
                active: true,
            },
        )
        .await
        .unwrap();
    receiver.expect("local", &created.secret);
    enqueue_all(
        &app,
        &[("case.created", None, case_data("2026112400001", "DEP"))],
    )
    .await;
    let strict = webhooks::worker::Sender::new(&WebhookConfig::default()).unwrap();
    assert_eq!(
        webhooks::worker::process_batch(&app.platform, &strict)
            .await
            .unwrap(),
        1
    );
    let d = &deliveries_of(&app, &created.webhook.id).await[0];
    assert_eq!(d.status, "failed");
    assert!(
        d.last_error.as_deref().unwrap().contains("non-public"),
        "{d:?}"
    );
    assert!(receiver.received().is_empty());

    // The node that allows them delivers it after a redelivery.
    app.platform
        .redeliver_webhook(&operator(), &d.id)
        .await
        .unwrap();
    webhooks::process_due(&app.platform).await.unwrap();
    assert_eq!(delivery(&app, &d.id).await.status, "delivered");
    assert!(receiver.at("local")[0].valid);
}

/// The Python verification function in docs/WEBHOOKS.md, run on real deliveries.
#[tokio::test]
async fn the_documented_python_verifier_accepts_real_deliveries() {
    let doc = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/WEBHOOKS.md"
    ))
    .expect("docs/WEBHOOKS.md");
    let code = doc
        .split("<!-- verify.py")
        .nth(1)
        .and_then(|rest| rest.split("```python\n").nth(1))
        .and_then(|rest| rest.split("```").next())
        .expect("the verify.py block");

    let receiver = Receiver::start().await;
    let app = app_with(fast(WebhookConfig::default())).await;
    let sub = subscribe(&app, &receiver, "py", &["case.updated"], None).await;
    let secret = receiver.secrets.lock().unwrap()["py"].clone();
    enqueue_all(
        &app,
        &[(
            "case.updated",
            None,
            json!({ "case_number": "2026112400001", "note": "已派員處理" }),
        )],
    )
    .await;
    webhooks::process_due(&app.platform).await.unwrap();
    let got = receiver.at("py");
    assert_eq!(got.len(), 1);
    assert!(got[0].valid);
    assert_eq!(deliveries_of(&app, &sub).await[0].status, "delivered");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("body"), &got[0].raw).unwrap();
    let script = format!(
        "{code}\nimport sys\nbody = open(sys.argv[1], 'rb').read()\nheaders = {{'X-Civicdesk-Timestamp': sys.argv[2], 'X-Civicdesk-Signature': sys.argv[3]}}\nprint(verify(sys.argv[4], headers, body), verify('whsec_wrong', headers, body), verify(sys.argv[4], headers, body + b' '))\n"
    );
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(dir.path().join("body"))
        .arg(&got[0].timestamp)
        .arg(&got[0].signature)
        .arg(&secret)
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "True False False"
    );
}

/// A comment an Open311 client posts to a case it filed changes the case like any other write:
/// it is published to the case listeners, so department systems hear of it (`case.updated`),
/// while the reporter, for whom the client speaks, is not told of their own comment.
#[tokio::test]
async fn a_clients_comment_reaches_department_systems_but_not_its_own_reporter() {
    let receiver = Receiver::start().await;
    let app = app_with(fast(WebhookConfig::default())).await;
    let all = subscribe(
        &app,
        &receiver,
        "all",
        &["case.created", "case.updated"],
        None,
    )
    .await;
    let (status, body) = app
        .post_form(
            "requests.json",
            &[
                ("api_key", &app.key),
                ("service_code", "1999-L01"),
                ("lat", "25.0377"),
                ("long", "121.5436"),
                ("attribute[lamps_out]", "3"),
                ("description", "路燈不亮"),
                ("email", "reporter@example.com"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    let id = v[0]["service_request_id"].as_str().expect("id").to_string();
    let notifications = || async {
        let stmt = Query::select()
            .expr_as(Expr::col("id").count(), "n")
            .from("notifications")
            .to_owned();
        let n: i64 = app.platform.db.fetch_all(&stmt).await.unwrap()[0]
            .get("n")
            .unwrap();
        n
    };
    assert_eq!(
        notifications().await,
        1,
        "the reporter is told the case was accepted"
    );

    let (status, body) = app
        .post_form(
            "servicerequestupdates.json",
            &[
                ("api_key", &app.key),
                ("service_request_id", &id),
                ("update_id", "fms-comment-1"),
                ("status", "OPEN"),
                ("updated_datetime", "2026-11-24T08:00:00+08:00"),
                ("description", "今晚還是不亮"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let events: Vec<(String, String)> = deliveries_of(&app, &all)
        .await
        .into_iter()
        .map(|d| {
            let payload: serde_json::Value = serde_json::from_str(&d.payload).expect("payload");
            let event = &payload["data"]["event"];
            (d.event_type, event.as_str().unwrap_or("").to_string())
        })
        .collect();
    assert!(
        events.contains(&("case.updated".to_string(), "comment".to_string())),
        "department systems hear of the comment: {events:?}"
    );
    assert_eq!(
        notifications().await,
        1,
        "the reporter is not told of the comment made for them"
    );
}
