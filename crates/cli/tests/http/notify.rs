//! Notification delivery against real servers: an SMTP server (`smtp_sink.rs`, started by the
//! test) and an SMS gateway (an axum server in the test that checks signatures and calls the
//! receipt hook back). On SQLite by default, on PostgreSQL with
//! `CIVICDESK_TEST_DATABASE_URL`.

use crate::support::*;
use domain::Locale;
use domain::notify::Channel;
use hmac::{Hmac, KeyInit, Mac};
use platform::jobs::JobsConfig;
use platform::notify::{
    self, Notification, NotifyConfig, Recipient, SmsConfig, SmtpConfig, SmtpTls,
};
use sea_query::{Expr, ExprTrait, Query};
use sha2::Sha256;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// --- the SMTP server -------------------------------------------------------------------

pub(crate) use crate::smtp_sink::SmtpSink;

impl SmtpSink {
    pub(crate) fn config(&self) -> SmtpConfig {
        SmtpConfig {
            host: "127.0.0.1".into(),
            port: self.port,
            tls: SmtpTls::None,
            username: None,
            password: None,
            from: "臺北市 1999 <no-reply@1999.example.gov.tw>".into(),
        }
    }
}

/// A port on which nothing listens.
async fn closed_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    l.local_addr().expect("addr").port()
}

pub(crate) fn fast(mut c: NotifyConfig) -> NotifyConfig {
    c.send_timeout = Duration::from_secs(10);
    c
}

/// Job workers that poll often, so tests do not wait.
pub(crate) fn fast_jobs() -> JobsConfig {
    JobsConfig {
        poll_interval: Duration::from_millis(50),
        ..JobsConfig::default()
    }
}

pub(crate) async fn app_with(notify: NotifyConfig) -> TestApp {
    app_with_jobs(notify, fast_jobs()).await
}

/// [`app_with`] whose services read the time from `clock`.
pub(crate) async fn app_with_clock(
    notify: NotifyConfig,
    clock: std::sync::Arc<dyn domain::clock::Clock>,
) -> TestApp {
    let jobs = fast_jobs();
    TestApp::new()
        .with_config(move |c| {
            c.notify = notify;
            c.jobs = jobs;
        })
        .with_clock(clock)
        .start()
        .await
}

async fn app_with_jobs(notify: NotifyConfig, jobs: JobsConfig) -> TestApp {
    TestApp::start_with(move |c| {
        c.notify = notify;
        c.jobs = jobs;
    })
    .await
}

fn email(
    to: &str,
    template: &str,
    locale: Locale,
    vars: serde_json::Value,
    urgent: bool,
) -> Notification {
    Notification {
        jurisdiction_id: TAIPEI.into(),
        recipient: Recipient::Email(to.into()),
        template: template.into(),
        locale,
        vars,
        urgent,
    }
}

fn case_vars(number: &str) -> serde_json::Value {
    serde_json::json!({
        "case_number": number,
        "category": "路燈故障",
        "department": "工務局",
        "note": "已派員 <檢修> & 更換燈泡",
        "due_date": "2026-11-27",
        "track_url": format!("https://1999.example.gov.tw/track/{number}"),
    })
}

async fn enqueue_all(app: &TestApp, list: &[Notification]) {
    let mut tx = app.platform.db.begin().await.expect("begin");
    for n in list {
        notify::enqueue(&mut tx, n, app.platform.now())
            .await
            .expect("enqueue");
    }
    tx.commit().await.expect("commit");
}

async fn all_messages(app: &TestApp) -> Vec<platform::notify::admin::MessageView> {
    let mut list = app
        .platform
        .notifications(&operator(), None, 200)
        .await
        .expect("list");
    list.reverse();
    list
}

async fn outbox_row(app: &TestApp, id: &str) -> store::outbox::Notification {
    store::outbox::get(&app.platform.db, id)
        .await
        .expect("get")
        .expect("exists")
}

/// Makes a waiting message due now, as if its time had come.
async fn make_due(app: &TestApp, id: &str) {
    let stmt = Query::update()
        .table("notifications")
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

async fn insert_account(app: &TestApp, id: &str, email: Option<&str>, mobile: Option<&str>) {
    let now = store::now_unix();
    let stmt = Query::insert()
        .into_table("accounts")
        .columns([
            "id",
            "jurisdiction_id",
            "kind",
            "login",
            "email",
            "mobile",
            "display_name",
            "locale",
            "status",
            "created_at",
            "updated_at",
        ])
        .values_panic([
            id.into(),
            TAIPEI.into(),
            "citizen".into(),
            id.into(),
            email.map(str::to_string).into(),
            mobile.map(str::to_string).into(),
            "王小明".into(),
            "zh-TW".into(),
            "active".into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    app.platform
        .db
        .execute(&stmt)
        .await
        .expect("insert account");
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

// --- the tests -------------------------------------------------------------------------

/// A message queued in a transaction that rolls back is never sent; messages committed are
/// each sent exactly once while two workers race over the same outbox.
#[tokio::test]
async fn committed_messages_are_sent_once_by_racing_workers_and_rolled_back_ones_never() {
    let sink = SmtpSink::start();
    let mut config = fast(NotifyConfig::default());
    config.smtp = Some(sink.config());
    let jobs = JobsConfig {
        batch_size: 3,
        ..fast_jobs()
    };
    let app = app_with_jobs(config, jobs).await;

    let mut tx = app.platform.db.begin().await.expect("begin");
    let gone = email(
        "rolled.back@example.com",
        "notify_test",
        Locale::ZhTw,
        serde_json::json!({}),
        false,
    );
    notify::enqueue(&mut tx, &gone, app.platform.now())
        .await
        .expect("enqueue");
    drop(tx);

    let list: Vec<Notification> = (0..12)
        .map(|i| {
            email(
                &format!("citizen{i}@example.com"),
                "case_accepted",
                Locale::ZhTw,
                case_vars(&format!("20261124{i:05}")),
                false,
            )
        })
        .collect();
    enqueue_all(&app, &list).await;
    assert_eq!(
        all_messages(&app).await.len(),
        12,
        "the rolled-back message left no row"
    );

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let a = tokio::spawn(notify::run_worker(app.platform.clone(), stopped.clone()));
    let b = tokio::spawn(notify::run_worker(app.platform.clone(), stopped));
    wait_until("all 12 messages sent", || async {
        all_messages(&app).await.iter().all(|m| m.status == "sent")
    })
    .await;
    stop.send(true).expect("stop");
    a.await.expect("worker a");
    b.await.expect("worker b");

    let received = sink.messages();
    assert_eq!(received.len(), 12, "each message exactly once");
    let mut ids: Vec<String> = received
        .iter()
        .map(|m| {
            m["message_id"]
                .as_str()
                .unwrap()
                .trim_matches(['<', '>'])
                .split('@')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12, "no message delivered twice");
    assert!(
        received
            .iter()
            .all(|m| m["rcpt_tos"][0] != "rolled.back@example.com")
    );
    for m in all_messages(&app).await {
        assert!(ids.contains(&m.id), "{} was not received", m.id);
        assert_eq!(m.attempts, 1);
        let log = app
            .platform
            .notification_log(&operator(), &m.id)
            .await
            .expect("log");
        assert_eq!(log.len(), 1, "{log:?}");
        assert_eq!(log[0].outcome, "sent");
        assert!(
            log[0].detail.contains("sink-"),
            "the server's answer is logged: {}",
            log[0].detail
        );
        assert!(
            m.to.contains("***@example.com"),
            "addresses are masked in the admin list: {}",
            m.to
        );
        assert_eq!(
            outbox_row(&app, &m.id).await.vars,
            "{}",
            "variables are dropped once sent"
        );
    }
}

/// An unreachable SMTP server: the message is retried with growing delays, then dead after
/// `max_attempts`, and every attempt is in its delivery log.
#[tokio::test]
async fn smtp_down_is_retried_with_backoff_then_dead() {
    let mut config = fast(NotifyConfig::default());
    config.smtp = Some(SmtpConfig {
        host: "127.0.0.1".into(),
        port: closed_port().await,
        tls: SmtpTls::None,
        username: None,
        password: None,
        from: "no-reply@example.gov.tw".into(),
    });
    config.retry_schedule = vec![60, 600];
    config.max_attempts = 3;
    let app = app_with(config).await;
    enqueue_all(
        &app,
        &[email(
            "down@example.com",
            "notify_test",
            Locale::En,
            serde_json::json!({}),
            false,
        )],
    )
    .await;
    let id = all_messages(&app).await[0].id.clone();

    let before = store::now_unix();
    assert_eq!(notify::process_due(&app.platform).await.expect("run"), 1);
    let row = outbox_row(&app, &id).await;
    assert_eq!((row.status.as_str(), row.attempts), ("queued", 1));
    let wait = row.next_attempt_at - before;
    assert!(
        (47..=73).contains(&wait),
        "first retry after ~60 s ±20 %, got {wait}"
    );
    assert_eq!(
        notify::process_due(&app.platform).await.expect("run"),
        0,
        "not due yet"
    );

    make_due(&app, &id).await;
    let before = store::now_unix();
    notify::process_due(&app.platform).await.expect("run");
    let row = outbox_row(&app, &id).await;
    assert_eq!((row.status.as_str(), row.attempts), ("queued", 2));
    let wait = row.next_attempt_at - before;
    assert!(
        (479..=721).contains(&wait),
        "second retry after ~600 s ±20 %, got {wait}"
    );

    make_due(&app, &id).await;
    notify::process_due(&app.platform).await.expect("run");
    let row = outbox_row(&app, &id).await;
    assert_eq!((row.status.as_str(), row.attempts), ("dead", 3));
    assert!(
        row.last_error.as_deref().unwrap_or("").contains("SMTP"),
        "{:?}",
        row.last_error
    );

    let log = app
        .platform
        .notification_log(&operator(), &id)
        .await
        .expect("log");
    let outcomes: Vec<(&str, i64)> = log
        .iter()
        .map(|a| (a.outcome.as_str(), a.attempt))
        .collect();
    assert_eq!(outcomes, [("retry", 1), ("retry", 2), ("dead", 3)]);
    assert!(
        log.iter().all(|a| !a.detail.contains("down@example.com")),
        "{log:?}"
    );
    make_due(&app, &id).await;
    assert_eq!(
        notify::process_due(&app.platform).await.expect("run"),
        0,
        "dead stays dead"
    );
}

/// Quiet hours hold a non-urgent message until they end; an urgent one goes out at once. An
/// account that turned notifications off gets a suppressed row with the reason.
#[tokio::test]
async fn quiet_hours_delay_non_urgent_messages_only() {
    let sink = SmtpSink::start();
    let mut config = fast(NotifyConfig::default());
    config.smtp = Some(sink.config());
    let app = app_with(config).await;
    insert_account(
        &app,
        "acct-quiet",
        Some("quiet@example.com"),
        Some("+886912345678"),
    )
    .await;
    insert_account(&app, "acct-off", Some("off@example.com"), None).await;

    // A quiet period from 10 minutes ago to 50 minutes from now, in Taipei time.
    let local_minute = (store::now_unix() + 8 * 3600).rem_euclid(86_400) / 60;
    let start = (local_minute - 10).rem_euclid(1440);
    let end = (local_minute + 50).rem_euclid(1440);
    app.platform
        .set_notify_preferences(&as_account("acct-quiet"), &[Channel::Email], start, end)
        .await
        .expect("preferences");
    app.platform
        .set_notify_preferences(&as_account("acct-off"), &[], 0, 0)
        .await
        .expect("preferences");
    let saved = app
        .platform
        .notify_preferences(&as_account("acct-quiet"))
        .await
        .expect("get");
    assert_eq!(
        (saved.channels, saved.quiet_start, saved.quiet_end),
        (vec![Channel::Email], start, end)
    );
    assert!(
        app.platform
            .set_notify_preferences(&as_account("acct-quiet"), &[], 0, 1440)
            .await
            .is_err()
    );

    let to_account =
        |template: &str, vars: serde_json::Value, urgent: bool, account: &str| Notification {
            jurisdiction_id: TAIPEI.into(),
            recipient: Recipient::Account(account.into()),
            template: template.into(),
            locale: Locale::ZhTw,
            vars,
            urgent,
        };
    enqueue_all(
        &app,
        &[
            to_account(
                "case_updated",
                case_vars("2026112400001"),
                false,
                "acct-quiet",
            ),
            to_account(
                "account_verification",
                serde_json::json!({"code": "482913", "minutes": 10}),
                true,
                "acct-quiet",
            ),
            to_account(
                "case_updated",
                case_vars("2026112400002"),
                false,
                "acct-off",
            ),
        ],
    )
    .await;
    notify::process_due(&app.platform).await.expect("run");

    let received = sink.messages();
    assert_eq!(received.len(), 1, "only the urgent message goes out now");
    assert!(received[0]["text"].as_str().unwrap().contains("482913"));
    assert_eq!(
        received[0]["rcpt_tos"][0], "quiet@example.com",
        "e-mail as preferred, not SMS"
    );

    let msgs = all_messages(&app).await;
    let held = msgs
        .iter()
        .find(|m| m.template == "case_updated" && m.account_id.as_deref() == Some("acct-quiet"))
        .unwrap();
    assert_eq!(held.status, "queued");
    let expected_end = store::now_unix() + 50 * 60;
    assert!(
        (held.next_attempt_at - expected_end).abs() <= 61,
        "held until the quiet period ends"
    );
    let log = app
        .platform
        .notification_log(&operator(), &held.id)
        .await
        .expect("log");
    assert_eq!(log[0].outcome, "deferred");
    assert!(log[0].detail.contains("quiet hours"));

    let off = msgs
        .iter()
        .find(|m| m.account_id.as_deref() == Some("acct-off"))
        .unwrap();
    assert_eq!(off.status, "suppressed");
    let log = app
        .platform
        .notification_log(&operator(), &off.id)
        .await
        .expect("log");
    assert!(
        log[0].detail.contains("turned notifications off"),
        "{log:?}"
    );
}

/// Over the daily cap a non-urgent message waits for the next local day and an urgent one
/// (a one-time code would be stale tomorrow) is suppressed; both are logged.
#[tokio::test]
async fn the_daily_cap_is_honoured() {
    let sink = SmtpSink::start();
    let mut config = fast(NotifyConfig::default());
    config.smtp = Some(sink.config());
    config.caps.jurisdictions.insert(
        TAIPEI.into(),
        notify::ChannelCaps {
            email: Some(2),
            sms: None,
        },
    );
    let app = app_with(config).await;
    let mut list: Vec<Notification> = (0..3)
        .map(|i| {
            email(
                &format!("cap{i}@example.com"),
                "case_resolved",
                Locale::ZhTw,
                case_vars("2026112400003"),
                false,
            )
        })
        .collect();
    list.push(email(
        "code@example.com",
        "password_reset",
        Locale::ZhTw,
        serde_json::json!({"code": "112233", "minutes": 15, "link": "https://1999.example.gov.tw/reset?t=x"}),
        true,
    ));
    enqueue_all(&app, &list).await;
    let now = store::now_unix();
    notify::process_due(&app.platform).await.expect("run");

    assert_eq!(sink.messages().len(), 2);
    let msgs = all_messages(&app).await;
    let statuses: Vec<&str> = msgs.iter().map(|m| m.status.as_str()).collect();
    assert_eq!(statuses, ["sent", "sent", "queued", "suppressed"]);
    let midnight = domain::notify::next_local_midnight(now, 480);
    assert!(
        (msgs[2].next_attempt_at - midnight).abs() <= 1,
        "waits for the next Taipei day"
    );
    let log = app
        .platform
        .notification_log(&operator(), &msgs[2].id)
        .await
        .expect("log");
    assert_eq!(log[0].outcome, "deferred");
    assert!(log[0].detail.contains("cap of 2"));
    let log = app
        .platform
        .notification_log(&operator(), &msgs[3].id)
        .await
        .expect("log");
    assert_eq!(log[0].outcome, "suppressed");
    let day = domain::datetime::local_yyyymmdd(now, 480);
    assert_eq!(
        store::outbox::daily_count(&app.platform.db, TAIPEI, &day, "email")
            .await
            .unwrap(),
        2
    );
}

/// The template follows the message's locale; the mail is valid UTF-8 MIME with an encoded
/// Chinese subject; an admin's override is used; a broken override is refused at save time.
#[tokio::test]
async fn templates_follow_the_locale_and_admin_overrides() {
    let sink = SmtpSink::start();
    let mut config = fast(NotifyConfig::default());
    config.smtp = Some(sink.config());
    let app = app_with(config).await;
    enqueue_all(
        &app,
        &[
            email(
                "zh@example.com",
                "case_accepted",
                Locale::ZhTw,
                case_vars("2026112400010"),
                false,
            ),
            email(
                "en@example.com",
                "case_accepted",
                Locale::En,
                case_vars("2026112400011"),
                false,
            ),
        ],
    )
    .await;
    notify::process_due(&app.platform).await.expect("run");
    let received = sink.messages();
    assert_eq!(received.len(), 2);
    assert_eq!(
        received[0]["subject"],
        "【臺北市政府】案件 2026112400010 已受理"
    );
    let zh_text = received[0]["text"].as_str().unwrap();
    assert!(
        zh_text.contains("案件類別：路燈故障") && zh_text.contains("承辦機關：工務局"),
        "{zh_text}"
    );
    assert!(zh_text.contains("https://1999.example.gov.tw/track/2026112400010"));
    assert_eq!(
        received[1]["subject"],
        "Taipei City Government: case 2026112400011 received"
    );
    assert!(
        received[1]["text"]
            .as_str()
            .unwrap()
            .contains("Category: 路燈故障")
    );
    assert_eq!(received[0]["content_type"], "multipart/alternative");
    assert!(
        received[0]["from"]
            .as_str()
            .unwrap()
            .contains("no-reply@1999.example.gov.tw")
    );

    for raw in sink.raw() {
        let text = String::from_utf8(raw).expect("the message is valid UTF-8");
        let subject_line = text
            .lines()
            .find(|l| l.starts_with("Subject:"))
            .expect("subject");
        assert!(
            subject_line.is_ascii(),
            "headers are encoded: {subject_line}"
        );
        if text.contains("zh@example.com") {
            assert!(
                subject_line.to_ascii_lowercase().contains("=?utf-8?"),
                "{subject_line}"
            );
        }
        assert!(text.to_ascii_lowercase().contains("charset=utf-8"));
    }

    // A broken override is refused and nothing is stored.
    let broken = app
        .platform
        .save_notify_template(
            &operator(),
            "case_accepted",
            Locale::En,
            Channel::Email,
            Some("Case {{ case_number }}"),
            "Hi {{ case_nmber }}",
        )
        .await;
    match broken {
        Err(platform::ServiceError::Invalid(m)) => {
            assert_eq!(m[0].id, "error-notify-template-invalid")
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    for bad in ["{% if %}", "{{ code }}", "{% include 'x' %}"] {
        assert!(
            app.platform
                .save_notify_template(
                    &operator(),
                    "case_accepted",
                    Locale::En,
                    Channel::Sms,
                    None,
                    bad
                )
                .await
                .is_err(),
            "{bad} must be refused"
        );
    }
    assert!(
        app.platform
            .notify_templates(&operator())
            .await
            .unwrap()
            .iter()
            .all(|t| !t.overridden)
    );

    // A good override is used, with HTML escaping in the HTML part only.
    app.platform
        .save_notify_template(
            &operator(),
            "case_accepted",
            Locale::En,
            Channel::Email,
            Some("Case {{ case_number }} is with us"),
            "Dear citizen, your report ({{ category }}) says: {{ note }}",
        )
        .await
        .expect("a valid override is saved");
    let views = app.platform.notify_templates(&operator()).await.unwrap();
    let view = views
        .iter()
        .find(|t| t.key == "case_accepted" && t.locale == Locale::En && t.channel == Channel::Email)
        .unwrap();
    assert!(view.overridden && view.updated_by.as_deref() == Some("admin"));
    assert!(view.variables.contains(&"note".to_string()));
    enqueue_all(
        &app,
        &[email(
            "en2@example.com",
            "case_accepted",
            Locale::En,
            case_vars("2026112400012"),
            false,
        )],
    )
    .await;
    notify::process_due(&app.platform).await.expect("run");
    let m = &sink.messages()[2];
    assert_eq!(m["subject"], "Case 2026112400012 is with us");
    assert!(
        m["text"]
            .as_str()
            .unwrap()
            .contains("says: 已派員 <檢修> & 更換燈泡")
    );
    let html = m["html"].as_str().unwrap();
    assert!(
        html.contains("已派員 &lt;檢修&gt; &amp; 更換燈泡"),
        "{html}"
    );

    // Reset goes back to the built-in text.
    assert!(
        app.platform
            .reset_notify_template(&operator(), "case_accepted", Locale::En, Channel::Email)
            .await
            .unwrap()
    );
    assert!(
        app.platform
            .notify_templates(&operator())
            .await
            .unwrap()
            .iter()
            .all(|t| !t.overridden)
    );
}

// --- the SMS gateway -------------------------------------------------------------------

#[derive(Clone, Default)]
struct Gateway {
    secret: String,
    received: Arc<Mutex<Vec<serde_json::Value>>>,
    bad_signatures: Arc<Mutex<u32>>,
}

fn signature(secret: &str, timestamp: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn post_receipt(
    client: &reqwest::Client,
    url: &str,
    secret: &str,
    body: &serde_json::Value,
    skew: i64,
) -> u16 {
    let body = body.to_string();
    let timestamp = (store::now_unix() + skew).to_string();
    client
        .post(url)
        .header("content-type", "application/json")
        .header("X-Civicdesk-Timestamp", &timestamp)
        .header(
            "X-Civicdesk-Signature",
            signature(secret, &timestamp, body.as_bytes()),
        )
        .body(body)
        .send()
        .await
        .expect("receipt")
        .status()
        .as_u16()
}

/// The gateway: checks the signature of each request, records it, answers with its own id,
/// and then reports delivery to the callback URL with a signed receipt.
async fn gateway_handler(
    axum::extract::State(gw): axum::extract::State<Gateway>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let ts = headers
        .get("x-civicdesk-timestamp")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let sig = headers
        .get("x-civicdesk-signature")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if sig != signature(&gw.secret, ts, &body) {
        *gw.bad_signatures.lock().unwrap() += 1;
        return axum::http::StatusCode::UNAUTHORIZED.into_response();
    }
    let message: serde_json::Value = serde_json::from_slice(&body).expect("json");
    gw.received.lock().unwrap().push(message.clone());
    let receipt = serde_json::json!({
        "message_id": message["message_id"],
        "status": "delivered",
        "provider_message_id": "gw-1",
    });
    let secret = gw.secret.clone();
    tokio::spawn(async move {
        let callback = message["callback_url"].as_str().unwrap().to_string();
        let status = post_receipt(&reqwest::Client::new(), &callback, &secret, &receipt, 0).await;
        assert_eq!(status, 204, "the receipt was accepted");
    });
    axum::Json(serde_json::json!({"id": "gw-1"})).into_response()
}

#[tokio::test]
async fn sms_goes_through_the_signed_gateway_and_receipts_are_checked() {
    let secret = "test-gateway-secret-0123456789";
    let gw = Gateway {
        secret: secret.into(),
        ..Gateway::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gw_url = format!("http://{}/send", listener.local_addr().unwrap());
    let router = axum::Router::new()
        .route("/send", axum::routing::post(gateway_handler))
        .with_state(gw.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });

    let mut config = fast(NotifyConfig::default());
    config.sms = Some(SmsConfig {
        url: gw_url,
        secret: secret.into(),
    });
    let app = app_with(config).await;
    let n = Notification {
        jurisdiction_id: TAIPEI.into(),
        recipient: Recipient::Sms("+886912345678".into()),
        template: "account_verification".into(),
        locale: Locale::ZhTw,
        vars: serde_json::json!({"code": "730215", "minutes": 10}),
        urgent: true,
    };
    enqueue_all(&app, &[n]).await;
    let id = all_messages(&app).await[0].id.clone();
    assert_eq!(notify::process_due(&app.platform).await.unwrap(), 1);

    let received = gw.received.lock().unwrap().clone();
    assert_eq!(received.len(), 1);
    assert_eq!(*gw.bad_signatures.lock().unwrap(), 0);
    assert_eq!(received[0]["to"], "+886912345678");
    assert_eq!(received[0]["message_id"], id.as_str());
    assert_eq!(
        received[0]["body"],
        "【臺北市政府】驗證碼 730215，10 分鐘內有效。請勿告訴他人。"
    );
    assert_eq!(
        received[0]["callback_url"],
        format!("{}/hooks/sms/receipt", app.base)
    );

    wait_until("the delivery receipt", || async {
        outbox_row(&app, &id).await.status == "delivered"
    })
    .await;
    let row = outbox_row(&app, &id).await;
    assert_eq!(row.provider_message_id.as_deref(), Some("gw-1"));
    let log_len = app
        .platform
        .notification_log(&operator(), &id)
        .await
        .unwrap()
        .len();
    let view = app.platform.notification(&operator(), &id).await.unwrap();
    assert_eq!(view.to, "+88691****678", "numbers are masked for admins");

    // Receipts with a wrong secret, a stale timestamp or no signature change nothing.
    let hook = format!("{}/hooks/sms/receipt", app.base);
    let failed = serde_json::json!({"message_id": id, "status": "failed"});
    let client = reqwest::Client::new();
    assert_eq!(
        post_receipt(&client, &hook, "wrong-secret-wrong-secret", &failed, 0).await,
        401
    );
    assert_eq!(
        post_receipt(&client, &hook, secret, &failed, -3600).await,
        401
    );
    let unsigned = client
        .post(&hook)
        .body(failed.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status().as_u16(), 401);
    assert_eq!(outbox_row(&app, &id).await.status, "delivered");
    assert_eq!(
        app.platform
            .notification_log(&operator(), &id)
            .await
            .unwrap()
            .len(),
        log_len
    );

    // A good receipt for an unknown message is 404; a malformed one is 400.
    let unknown = serde_json::json!({"message_id": "nope", "status": "delivered"});
    assert_eq!(post_receipt(&client, &hook, secret, &unknown, 0).await, 404);
    let odd = serde_json::json!({"message_id": id, "status": "maybe"});
    assert_eq!(post_receipt(&client, &hook, secret, &odd, 0).await, 400);
    // A good "failed" receipt is recorded.
    assert_eq!(post_receipt(&client, &hook, secret, &failed, 0).await, 204);
    assert_eq!(outbox_row(&app, &id).await.status, "failed");
}

// --- the CLI ---------------------------------------------------------------------------

#[tokio::test]
async fn notify_test_command_sends_or_explains() {
    let sink = SmtpSink::start();
    let app = TestApp::start().await;
    let run = |port: u16| {
        Command::new(env!("CARGO_BIN_EXE_civicdesk"))
            .args([
                "notify",
                "test",
                "--to",
                "admin@example.com",
                "--locale",
                "zh-TW",
            ])
            .args([
                "--database-url",
                &app.database_url,
                "--default-jurisdiction",
                TAIPEI,
            ])
            .args([
                "--smtp-host",
                "127.0.0.1",
                "--smtp-tls",
                "none",
                "--smtp-port",
                &port.to_string(),
            ])
            .args(["--smtp-from", "1999 <no-reply@example.gov.tw>"])
            .env_remove("CIVICDESK_SMTP_PASSWORD")
            .output()
            .expect("run civicdesk notify test")
    };
    let ok = run(sink.port);
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        stdout.contains("a***@example.com") && !stdout.contains("admin@example.com"),
        "{stdout}"
    );
    let received = sink.messages();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["subject"], "【臺北市政府】通知測試");

    let down = run(closed_port().await);
    assert!(!down.status.success());
    let stderr = String::from_utf8_lossy(&down.stderr);
    assert!(
        stderr.contains("not sent") && stderr.contains("SMTP 127.0.0.1"),
        "{stderr}"
    );
}

/// A worker that claimed a message and died holds it only until its lease expires; then
/// another worker sends it, and the dead worker's late answer is ignored.
#[tokio::test]
async fn a_crashed_workers_claim_expires_and_its_late_answer_is_ignored() {
    let sink = SmtpSink::start();
    let mut config = fast(NotifyConfig::default());
    config.smtp = Some(sink.config());
    let app = app_with(config).await;
    enqueue_all(
        &app,
        &[email(
            "lease@example.com",
            "notify_test",
            Locale::En,
            serde_json::json!({}),
            false,
        )],
    )
    .await;
    let db = &app.platform.db;
    let now = store::now_unix();
    let lanes = [store::jobs::Lane {
        kind: platform::jobs::NOTIFY_DELIVER,
        lane: "email",
    }];
    let claimed = store::jobs::claim(db, now, 600, 10, &lanes, "crashed-worker")
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    let job = claimed[0].id.clone();
    let id = claimed[0]
        .subject_id
        .clone()
        .expect("the job names its message");
    assert_eq!(
        notify::process_due(&app.platform).await.unwrap(),
        0,
        "claimed by the crashed worker"
    );

    let expire = Query::update()
        .table("jobs")
        .value("locked_until", now - 1)
        .and_where(Expr::col("id").eq(job.as_str()))
        .to_owned();
    db.execute(&expire).await.unwrap();
    assert_eq!(notify::process_due(&app.platform).await.unwrap(), 1);
    assert_eq!(outbox_row(&app, &id).await.status, "sent");
    assert_eq!(sink.messages().len(), 1);

    let mut tx = db.begin().await.unwrap();
    let late = store::jobs::settle(
        &mut tx,
        &job,
        "crashed-worker",
        store::now_unix(),
        1,
        &store::jobs::Settle::Dead {
            error: "late".into(),
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert!(!late, "the expired claim cannot change the job");
    assert_eq!(outbox_row(&app, &id).await.status, "sent");
    let job = store::jobs::get(db, &job).await.unwrap().unwrap();
    assert_eq!(job.status, "done");
}

/// The operator acting in Taipei (what the admin API does after its permission check).
fn operator() -> platform::authz::Actor {
    platform::authz::Actor::system(TAIPEI, "admin")
}

/// Someone signed in as this account.
fn as_account(id: &str) -> platform::authz::Actor {
    platform::authz::Actor {
        account_id: Some(id.to_string()),
        jurisdiction_id: TAIPEI.to_string(),
        kind: platform::authz::ActorKind::Citizen,
        label: id.to_string(),
        grants: Vec::new(),
        permissions: platform::authz::Permissions::NONE,
        request_id: None,
    }
}

/// The six-digit code in a received message's text.
fn code_in(message: &serde_json::Value) -> String {
    let text = message["text"].as_str().expect("a text part");
    text.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no code in {text}"))
        .to_string()
}

/// Sign-up and password reset end to end: the codes travel through the outbox and a real SMTP
/// server; a used reset code cannot be replayed; an existing address gets a notice, not a code.
#[tokio::test]
async fn sign_up_and_reset_codes_arrive_by_mail_and_work_once() {
    use reqwest::Method;
    use serde_json::json;
    let sink = SmtpSink::start();
    let app = app_with(fast(NotifyConfig {
        smtp: Some(sink.config()),
        ..NotifyConfig::default()
    }))
    .await;
    let sign_up = json!({ "login": "Mei@Example.TW", "password": "tea by the river", "display_name": "林美", "locale": "en" });
    let (status, _) = send(app.client.post(app.api_url("auth/sign-up")).json(&sign_up)).await;
    assert_eq!(status, 202);
    notify::process_due(&app.platform).await.expect("send");
    let mail = sink.messages();
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(mail[0]["rcpt_tos"][0], "mei@example.tw");
    assert!(
        mail[0]["subject"]
            .as_str()
            .unwrap()
            .contains("verification code"),
        "English, as chosen"
    );
    // Not verified yet: signing in says so (the password is right).
    let (status, body, _) = app.try_sign_in("mei@example.tw", "tea by the river").await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = send(
        app.client
            .post(app.api_url("auth/verify"))
            .json(&json!({ "login": "mei@example.tw", "code": "000000" })),
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (400, Some("error-code-invalid"))
    );
    let (status, body) = send(
        app.client
            .post(app.api_url("auth/verify"))
            .json(&json!({ "login": "mei@example.tw", "code": code_in(&mail[0]) })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    app.sign_in("mei@example.tw", "tea by the river").await;

    // Signing up again with the same address: the same answer, and a notice instead of a code.
    let (status, _) = send(app.client.post(app.api_url("auth/sign-up")).json(&sign_up)).await;
    assert_eq!(status, 202);
    // A reset request for an unknown name answers the same as for a real one.
    let (s1, unknown) = send(
        app.client
            .post(app.api_url("auth/password-reset"))
            .json(&json!({ "login": "nobody@example.tw" })),
    )
    .await;
    let (s2, known) = send(
        app.client
            .post(app.api_url("auth/password-reset"))
            .json(&json!({ "login": "mei@example.tw" })),
    )
    .await;
    assert_eq!((s1, s2), (202, 202));
    assert_eq!(unknown, known);
    notify::process_due(&app.platform).await.expect("send");
    let mail = sink.messages();
    assert_eq!(
        mail.len(),
        3,
        "a notice and a reset code, nothing for the unknown name"
    );
    let reset = mail
        .iter()
        .find(|m| m["subject"].as_str().unwrap().contains("reset"))
        .expect("reset mail");
    assert!(
        mail.iter()
            .any(|m| m["subject"].as_str().unwrap().contains("tried to sign up")),
        "{mail:?}"
    );
    let code = code_in(reset);
    assert!(
        reset["text"]
            .as_str()
            .unwrap()
            .contains(&format!("/account/reset?code={code}"))
    );
    let before = app.sign_in("mei@example.tw", "tea by the river").await;
    let confirm =
        json!({ "login": "mei@example.tw", "code": code, "new_password": "coffee on the hill" });
    let (status, body) = send(
        app.client
            .post(app.api_url("auth/password-reset/confirm"))
            .json(&confirm),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        send(app.as_browser(&before, Method::GET, "me")).await.0,
        401,
        "sessions ended"
    );
    // The link cannot be used twice.
    let again =
        json!({ "login": "mei@example.tw", "code": code, "new_password": "a third passphrase" });
    let (status, body) = send(
        app.client
            .post(app.api_url("auth/password-reset/confirm"))
            .json(&again),
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (400, Some("error-code-invalid"))
    );
    app.sign_in("mei@example.tw", "coffee on the hill").await;

    // The outbox no longer holds the codes once they are sent.
    for m in all_messages(&app).await {
        assert_eq!(m.status, "sent");
        let row = outbox_row(&app, &m.id).await;
        assert!(!row.vars.contains(&code), "codes are erased after sending");
    }
}

/// Channel preferences and quiet hours over the API, and the admin views of the outbox.
#[tokio::test]
async fn preferences_and_outbox_over_http() {
    use reqwest::Method;
    use serde_json::json;
    let app = TestApp::start().await;
    app.citizen("pref@example.tw", "lanterns at night").await;
    let me = app.sign_in("pref@example.tw", "lanterns at night").await;
    let (status, body) =
        send(app.as_browser(&me, Method::GET, "me/notification-preferences")).await;
    assert_eq!((status, body["saved"].as_bool()), (200, Some(false)));
    let (status, body) = send(
        app.as_browser(&me, Method::PUT, "me/notification-preferences")
            .json(&json!({ "channels": ["email"], "quiet_start": "22:00", "quiet_end": "07:30" })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, body) = send(app.as_browser(&me, Method::GET, "me/notification-preferences")).await;
    assert_eq!(
        body,
        json!({ "channels": ["email"], "quiet_start": "22:00", "quiet_end": "07:30", "saved": true })
    );
    for bad in [
        json!({ "channels": ["pigeon"] }),
        json!({ "channels": [], "quiet_start": "25:00" }),
    ] {
        let (status, _) = send(
            app.as_browser(&me, Method::PUT, "me/notification-preferences")
                .json(&bad),
        )
        .await;
        assert_eq!(status, 400, "{bad}");
    }
    app.staff("admin.notify", &["jurisdiction_admin"]).await;
    let admin = app.sign_in("admin.notify", STAFF_PASSWORD).await;
    let (status, list) = send(app.as_browser(&admin, Method::GET, "notifications")).await;
    assert_eq!(status, 200);
    let verification = list
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["template"] == "account_verification")
        .expect("queued code");
    assert_eq!(
        verification["to"], "p***@example.tw",
        "addresses are masked"
    );
    let (status, templates) =
        send(app.as_browser(&admin, Method::GET, "notification-templates")).await;
    assert_eq!(status, 200);
    assert!(templates.as_array().unwrap().len() >= 16);
    let (status, body) = send(
        app.as_browser(
            &admin,
            Method::PUT,
            "notification-templates/case_resolved/zh-TW/sms",
        )
        .json(&json!({ "body": "案件 {{ case_number }} 已處理完成" })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = send(
        app.as_browser(
            &admin,
            Method::PUT,
            "notification-templates/case_resolved/zh-TW/sms",
        )
        .json(&json!({ "body": "{{ password }}" })),
    )
    .await;
    assert_eq!(status, 400, "unknown variables are refused: {body}");
    assert_eq!(
        send(
            app.as_browser(
                &admin,
                Method::PUT,
                "notification-templates/case_resolved/fr/sms"
            )
            .json(&json!({ "body": "x" }))
        )
        .await
        .0,
        404
    );
}

/// A staff member's public note is plain text to the reporters: a `<script>` in it reaches the
/// HTML part of the e-mail escaped (shown, never run), and the e-mail's text part and the SMS
/// as written, since neither is read as HTML.
#[tokio::test]
async fn markup_in_a_note_is_escaped_in_html_mail_only() {
    use reqwest::Method;
    use serde_json::json;
    let sink = SmtpSink::start();
    let secret = "test-gateway-secret-0123456789";
    let gw = Gateway {
        secret: secret.into(),
        ..Gateway::default()
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let gw_url = format!("http://{}/send", listener.local_addr().unwrap());
    let router = axum::Router::new()
        .route("/send", axum::routing::post(gateway_handler))
        .with_state(gw.clone());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let mut config = fast(NotifyConfig::default());
    config.smtp = Some(sink.config());
    config.sms = Some(SmsConfig {
        url: gw_url,
        secret: secret.into(),
    });
    let app = TestApp::new()
        .with_config(move |c| c.notify = config)
        .with_user("jurisdiction_admin", None)
        .start()
        .await;
    let admin = &app.user("jurisdiction_admin", None).browser;
    // The built-in SMS leaves notes out; this jurisdiction's includes them.
    app.platform
        .save_notify_template(
            &operator(),
            "case_updated",
            Locale::ZhTw,
            Channel::Sms,
            None,
            "案件 {{ case_number }}：{{ note }}",
        )
        .await
        .expect("an SMS template with the note");
    let mut numbers = Vec::new();
    for contact in [("email", "lin@example.tw"), ("phone", "0912345678")] {
        let (status, body) = app
            .post_form(
                "requests.json",
                &[
                    ("api_key", &app.key),
                    ("service_code", "1999-L01"),
                    ("lat", "25.0377"),
                    ("long", "121.5436"),
                    ("attribute[lamps_out]", "1"),
                    ("description", "路燈不亮"),
                    contact,
                ],
            )
            .await;
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        numbers.push(v[0]["service_request_id"].as_str().expect("id").to_string());
    }
    app.run_due_jobs().await;
    let note = "<script>alert('x')</script> & 燈泡已更換";
    for number in &numbers {
        let (status, body) = send(
            app.as_browser(admin, Method::POST, &format!("cases/{number}/actions"))
                .json(&json!({ "action": "note", "note": note, "public": true })),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    app.run_due_jobs().await;

    let mail = sink.messages();
    let update = mail
        .iter()
        .find(|m| m["subject"].as_str().unwrap().contains("有新進度"))
        .unwrap_or_else(|| panic!("the update mail in {mail:#?}"));
    assert_eq!(update["rcpt_tos"][0], "lin@example.tw");
    let text = update["text"].as_str().expect("a text part");
    assert!(text.contains(note), "{text}");
    let html = update["html"].as_str().expect("an HTML part");
    assert!(
        html.contains("&lt;script&gt;alert(&#x27;x&#x27;)&lt;&#x2f;script&gt; &amp; 燈泡已更換"),
        "{html}"
    );
    assert!(!html.contains("<script"), "{html}");
    let sms = gw.received.lock().unwrap().clone();
    let expected = format!("案件 {}：{note}", numbers[1]);
    assert!(
        sms.iter()
            .any(|m| m["to"] == "+886912345678" && m["body"] == expected.as_str()),
        "{expected} in {sms:#?}"
    );
}
