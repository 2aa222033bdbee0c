//! The one job queue as its users see it: an administrator's list of dead, stuck and overdue
//! jobs (REST and HTML) with "retry now", `Modules::run_due_jobs` draining every kind, and a
//! database from before the queue keeping its pending work across the upgrade.

use crate::notify::SmtpSink;
use crate::support::*;
use crate::webhooks::{Receiver, case_data, enqueue_all, subscribe};
use platform::notify::{Notification, NotifyConfig, Recipient};
use platform::webhooks::WebhookConfig;
use reqwest::Method;
use sea_query::{Expr, ExprTrait, Query};

/// A signed-in browser that does not follow redirects, for the HTML pages.
struct Pages<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    b: Browser,
}

impl<'a> Pages<'a> {
    async fn sign_in(app: &'a TestApp, login: &str, roles: &[&str]) -> Pages<'a> {
        app.staff(login, roles).await;
        Pages {
            app,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            b: app.sign_in(login, STAFF_PASSWORD).await,
        }
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.app.base))
            .header("accept-language", "en")
            .header(
                "cookie",
                format!("{}={}", web::api::SESSION_COOKIE, self.b.cookie),
            )
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let r = self.request(Method::GET, path).send().await.expect("GET");
        (r.status().as_u16(), r.text().await.expect("body"))
    }

    async fn post(&self, path: &str, token: &str) -> (u16, Option<String>) {
        let r = self
            .request(Method::POST, path)
            .form(&[("_csrf", token)])
            .send()
            .await
            .expect("POST");
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        (r.status().as_u16(), location)
    }

    async fn api(&self, method: Method, path: &str) -> (u16, serde_json::Value) {
        send(self.app.as_browser(&self.b, method, path)).await
    }
}

async fn set_job(app: &TestApp, subject: &str, column: &'static str, value: i64) {
    let stmt = Query::update()
        .table("jobs")
        .value(column, value)
        .and_where(Expr::col("subject_id").eq(subject))
        .to_owned();
    app.platform.db.execute(&stmt).await.expect("update");
}

async fn delivery_status(app: &TestApp, id: &str) -> String {
    store::webhooks::get_delivery(&app.platform.db, TAIPEI, id)
        .await
        .expect("get")
        .expect("exists")
        .status
}

/// A delivery that died, one whose worker crashed and one no node can send are listed for the
/// administrator, each as what it is; a supervisor sees neither the list nor the menu entry;
/// the dead delivery is retried from the page (with the form token) and then delivered.
#[tokio::test]
async fn dead_stuck_and_overdue_jobs_are_listed_to_administrators_and_a_dead_one_retried() {
    let receiver = Receiver::start().await;
    let mut webhooks = crate::webhooks::fast(WebhookConfig::default());
    webhooks.max_attempts = 1;
    let app = TestApp::start_with(move |c| {
        c.webhooks = webhooks;
        c.jobs = crate::notify::fast_jobs();
    })
    .await;
    let dying = subscribe(&app, &receiver, "dying", &["case.created"], None).await;
    receiver.answer("dying", 500);
    enqueue_all(
        &app,
        &[("case.created", None, case_data("2026120100001", "DEP"))],
    )
    .await;
    assert_eq!(app.modules().run_due_jobs().await.expect("run"), 1);
    let dead = store::webhooks::list_deliveries(&app.platform.db, TAIPEI, &dying, None, 10)
        .await
        .expect("list")[0]
        .id
        .clone();
    assert_eq!(delivery_status(&app, &dead).await, "dead");

    // A worker claims the next delivery and dies: its lease runs out.
    let crashed = subscribe(&app, &receiver, "crashed", &["case.closed"], None).await;
    enqueue_all(
        &app,
        &[("case.closed", None, case_data("2026120100002", "DEP"))],
    )
    .await;
    let lanes = [store::jobs::Lane {
        kind: platform::jobs::WEBHOOK_DELIVER,
        lane: "",
    }];
    let now = store::now_unix();
    let held = store::jobs::claim(&app.platform.db, now, 600, 10, &lanes, "gone")
        .await
        .expect("claim");
    assert_eq!(held.len(), 1);
    let stuck = held[0].subject_id.clone().expect("subject");
    set_job(&app, &stuck, "locked_until", now - 1).await;

    // No node has an SMS gateway: the message waits, long past its time.
    let mut tx = app.platform.db.begin().await.expect("begin");
    platform::notify::enqueue(
        &mut tx,
        &Notification {
            jurisdiction_id: TAIPEI.into(),
            recipient: Recipient::Sms("+886912345678".into()),
            template: "notify_test".into(),
            locale: domain::Locale::En,
            vars: serde_json::json!({}),
            urgent: false,
        },
        app.platform.now(),
    )
    .await
    .expect("enqueue");
    tx.commit().await.expect("commit");
    let sms = app
        .platform
        .notifications(&platform::authz::Actor::system(TAIPEI, "test"), None, 10)
        .await
        .expect("messages")[0]
        .id
        .clone();
    set_job(&app, &sms, "run_at", now - 3600).await;

    let admin = Pages::sign_in(&app, "jobs.admin", &["jurisdiction_admin"]).await;
    let (status, jobs) = admin.api(Method::GET, "jobs").await;
    assert_eq!(status, 200, "{jobs}");
    let listed: Vec<(&str, &str, &str, bool)> = jobs
        .as_array()
        .expect("a list")
        .iter()
        .map(|j| {
            (
                j["subject_id"].as_str().unwrap_or(""),
                j["kind"].as_str().unwrap_or(""),
                j["trouble"].as_str().unwrap_or(""),
                j["retryable"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(listed.len(), 3, "{jobs}");
    assert!(listed.contains(&(dead.as_str(), "webhook.deliver", "dead", true)));
    assert!(listed.contains(&(stuck.as_str(), "webhook.deliver", "stuck", false)));
    assert!(listed.contains(&(sms.as_str(), "notify.deliver", "overdue", false)));
    let job_of = |subject: &str| {
        jobs.as_array()
            .unwrap()
            .iter()
            .find(|j| j["subject_id"] == subject)
            .and_then(|j| j["id"].as_str())
            .unwrap()
            .to_string()
    };
    let (dead_job, stuck_job) = (job_of(&dead), job_of(&stuck));
    let why = jobs
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == dead_job.as_str())
        .and_then(|j| j["last_error"].as_str())
        .unwrap_or_default();
    assert!(
        why.contains("HTTP 500"),
        "the dead delivery says why: {jobs}"
    );

    // Only a dead job can be retried.
    let (status, problem) = admin
        .api(Method::POST, &format!("jobs/{stuck_job}/retry"))
        .await;
    assert_eq!(status, 400, "{problem}");

    let supervisor = Pages::sign_in(&app, "jobs.supervisor", &["supervisor"]).await;
    assert_eq!(supervisor.api(Method::GET, "jobs").await.0, 403);
    assert_eq!(
        supervisor
            .api(Method::POST, &format!("jobs/{dead_job}/retry"))
            .await
            .0,
        403
    );
    assert_eq!(supervisor.get("/admin/jobs").await.0, 403);
    let (_, index) = supervisor.get("/admin").await;
    assert!(!index.contains("/admin/jobs"), "no menu entry: {index}");
    let (status, index) = admin.get("/admin").await;
    assert_eq!(status, 200);
    assert!(index.contains("href=\"/admin/jobs\""), "{index}");

    let (status, page) = admin.get("/admin/jobs").await;
    assert_eq!(status, 200);
    for text in [
        "Dead",
        "Stuck",
        "Overdue",
        "Webhook delivery",
        "Notification",
    ] {
        assert!(page.contains(text), "{text} in {page}");
    }
    let retry = format!("/admin/jobs/{dead_job}/retry");
    assert_eq!(
        page.matches("Retry now").count(),
        1,
        "only the dead delivery"
    );
    assert!(page.contains(&format!("action=\"{retry}\"")), "{page}");

    // Without the form token nothing happens.
    assert_eq!(admin.post(&retry, &"0".repeat(64)).await.0, 403);
    assert_eq!(delivery_status(&app, &dead).await, "dead");

    receiver.answer("dying", 204);
    let (status, location) = admin.post(&retry, &admin.b.csrf).await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some("/admin/jobs?done=queued"));
    assert_eq!(delivery_status(&app, &dead).await, "queued");
    app.modules().run_due_jobs().await.expect("run");
    assert_eq!(delivery_status(&app, &dead).await, "delivered");
    assert_eq!(
        delivery_status(&app, &stuck).await,
        "delivered",
        "the stuck delivery was taken over"
    );
    assert_eq!(receiver.at("dying").len(), 2);
    assert_eq!(receiver.at("crashed").len(), 1);
    assert!(!crashed.is_empty());

    let (_, jobs) = admin.api(Method::GET, "jobs").await;
    let left: Vec<&str> = jobs
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|j| j["subject_id"].as_str())
        .collect();
    assert_eq!(left, [sms.as_str()], "only the SMS waits: {jobs}");
}

/// `run_due_jobs` drains every kind at once: a notification and a webhook delivery queued in
/// the same transaction are both sent by one call.
#[tokio::test]
async fn run_due_jobs_drains_every_kind() {
    let sink = SmtpSink::start();
    let receiver = Receiver::start().await;
    let notify = NotifyConfig {
        smtp: Some(sink.config()),
        ..crate::notify::fast(NotifyConfig::default())
    };
    let app = TestApp::start_with(move |c| {
        c.notify = notify;
        c.webhooks = crate::webhooks::fast(WebhookConfig::default());
    })
    .await;
    subscribe(&app, &receiver, "all", &["case.created"], None).await;
    let mut tx = app.platform.db.begin().await.expect("begin");
    platform::notify::enqueue(
        &mut tx,
        &Notification {
            jurisdiction_id: TAIPEI.into(),
            recipient: Recipient::Email("both@example.com".into()),
            template: "notify_test".into(),
            locale: domain::Locale::En,
            vars: serde_json::json!({}),
            urgent: false,
        },
        app.platform.now(),
    )
    .await
    .expect("notification");
    platform::webhooks::enqueue(
        &mut tx,
        TAIPEI,
        "case.created",
        None,
        &uuid::Uuid::now_v7().to_string(),
        case_data("2026120100003", "DEP"),
        app.platform.now(),
    )
    .await
    .expect("event");
    tx.commit().await.expect("commit");
    assert_eq!(app.modules().run_due_jobs().await.expect("run"), 2);
    assert_eq!(sink.messages().len(), 1);
    assert_eq!(receiver.at("all").len(), 1);
    assert_eq!(
        app.modules().run_due_jobs().await.expect("run"),
        0,
        "nothing twice"
    );
}

/// A database of the version before the job queue, with a message waiting, one a crashed
/// worker held, one already sent and a webhook delivery waiting: after the upgrade the three
/// pending ones are sent, once each, and the sent one is not sent again.
#[tokio::test]
async fn pending_work_of_an_older_database_is_done_after_the_upgrade() {
    let sink = SmtpSink::start();
    let receiver = Receiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    let db = store::Db::connect(&url, 4).await.unwrap();
    store::migrate::migrate_to(&db, 13).await.unwrap();
    let config = platform::ServiceConfig {
        public_url: "https://1999.example.tw".into(),
        media_dir: dir.path().join("media"),
        default_jurisdiction: Some(TAIPEI.into()),
        notify: NotifyConfig {
            smtp: Some(sink.config()),
            ..NotifyConfig::default()
        },
        webhooks: crate::webhooks::fast(WebhookConfig::default()),
        jobs: Default::default(),
        public_grid_m: domain::geo::PublicGrid::DEFAULT_CELL_M,
        filing_limits: Default::default(),
        modules: Default::default(),
        maps: Default::default(),
        // Staff sign in with a password alone unless a test asks for the second factor.
        second_factor_roles: Vec::new(),
        login_providers: Vec::new(),
        retention: Default::default(),
        breach_report_hours: 72,
        mydata: None,
        payments: Default::default(),
        pickup: Default::default(),
    };
    web::Modules::open(db.clone(), config.clone())
        .await
        .unwrap()
        .cases
        .seed_reference()
        .await
        .unwrap();

    // The rows as the old outboxes wrote them, without jobs.
    let now = store::now_unix();
    let mut tx = db.begin().await.unwrap();
    for (id, status) in [
        ("0196a1b2-0000-7000-8000-000000000001", "queued"),
        ("0196a1b2-0000-7000-8000-000000000002", "sending"),
        ("0196a1b2-0000-7000-8000-000000000003", "sent"),
    ] {
        store::outbox::insert(
            &mut tx,
            &store::outbox::NewNotification {
                id: id.into(),
                jurisdiction_id: TAIPEI.into(),
                account_id: None,
                channel: "email".into(),
                address: format!("{status}@example.com"),
                template: "notify_test".into(),
                locale: "en".into(),
                vars: "{}".into(),
                urgent: false,
                status: status.into(),
                next_attempt_at: now - 60,
                created_at: now - 60,
            },
        )
        .await
        .unwrap();
    }
    let held = Query::update()
        .table("notifications")
        .value("locked_until", now - 1)
        .value("claim_token", "old-worker")
        .and_where(Expr::col("status").eq("sending"))
        .to_owned();
    tx.execute(&held).await.unwrap();
    let secret = "whsec_0123456789abcdef0123456789abcdef";
    store::webhooks::insert_subscription(
        &mut tx,
        &store::webhooks::Subscription {
            id: "sub-1".into(),
            jurisdiction_id: TAIPEI.into(),
            name: "old".into(),
            url: receiver.url("old"),
            secret: secret.into(),
            event_types: "case.created".into(),
            department_code: None,
            active: true,
            created_at: now,
            updated_at: now,
        },
    )
    .await
    .unwrap();
    store::webhooks::insert_delivery(
        &mut tx,
        &store::webhooks::NewDelivery {
            id: "0196a1b2-0000-7000-8000-000000000004".into(),
            subscription_id: "sub-1".into(),
            jurisdiction_id: TAIPEI.into(),
            event_type: "case.created".into(),
            event_id: "event-1".into(),
            payload: r#"{"id":"0196a1b2-0000-7000-8000-000000000004","type":"case.created"}"#
                .into(),
            next_attempt_at: now - 60,
            created_at: now - 60,
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    receiver.expect("old", secret);

    web::Modules::migrate(&db).await.unwrap();
    db.close().await;
    let db = store::Db::connect(&url, 4).await.unwrap();
    let services = web::Modules::open(db.clone(), config).await.unwrap();
    assert_eq!(services.run_due_jobs().await.unwrap(), 3);
    let mut to: Vec<String> = sink
        .messages()
        .iter()
        .map(|m| m["to"].to_string())
        .collect();
    to.sort();
    assert_eq!(to.len(), 2, "{to:?}");
    assert!(
        to[0].contains("queued@") && to[1].contains("sending@"),
        "{to:?}"
    );
    let received = receiver.at("old");
    assert_eq!(received.len(), 1);
    assert!(received[0].valid, "signed with the subscription's secret");
    for id in [
        "0196a1b2-0000-7000-8000-000000000001",
        "0196a1b2-0000-7000-8000-000000000002",
        "0196a1b2-0000-7000-8000-000000000003",
    ] {
        let n = store::outbox::get(&db, id).await.unwrap().unwrap();
        assert_eq!(n.status, "sent", "{id}");
    }
    let d = store::webhooks::get_delivery(&db, TAIPEI, "0196a1b2-0000-7000-8000-000000000004")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.status, "delivered");
    assert_eq!(services.run_due_jobs().await.unwrap(), 0, "nothing twice");
}

const DAY: i64 = 86_400;

/// The status of each job working on `subject`, with the number of lines in its log.
async fn jobs_on(app: &TestApp, subject: &str) -> Vec<(String, usize)> {
    let stmt = Query::select()
        .columns(["id", "status"])
        .from("jobs")
        .and_where(Expr::col("subject_id").eq(subject))
        .to_owned();
    let mut jobs = Vec::new();
    for row in app.platform.db.fetch_all(&stmt).await.expect("jobs") {
        let id: String = row.get("id").expect("id");
        let log = store::jobs::attempts(&app.platform.db, &id)
            .await
            .expect("log");
        jobs.push((row.get("status").expect("status"), log.len()));
    }
    jobs
}

/// The id of the one delivery of a subscription.
async fn only_delivery(app: &TestApp, subscription: &str) -> String {
    let list = store::webhooks::list_deliveries(&app.platform.db, TAIPEI, subscription, None, 10)
        .await
        .expect("list");
    assert_eq!(list.len(), 1);
    list[0].id.clone()
}

/// Queues an e-mail to `to`; returns the message's id.
async fn mail(app: &TestApp, to: &str) -> String {
    let mut tx = app.platform.db.begin().await.expect("begin");
    platform::notify::enqueue(
        &mut tx,
        &Notification {
            jurisdiction_id: TAIPEI.into(),
            recipient: Recipient::Email(to.into()),
            template: "notify_test".into(),
            locale: domain::Locale::En,
            vars: serde_json::json!({}),
            urgent: false,
        },
        app.platform.now(),
    )
    .await
    .expect("enqueue");
    tx.commit().await.expect("commit");
    app.platform
        .notifications(&platform::authz::Actor::system(TAIPEI, "test"), None, 1)
        .await
        .expect("messages")[0]
        .id
        .clone()
}

/// Finished jobs are removed with their log once they are more than `keep_done_days` (30 by
/// default) old on the services' clock, while a dead job stays listed for the administrator
/// and the messages and deliveries keep their own logs.
#[tokio::test]
async fn finished_jobs_are_removed_after_thirty_days_and_dead_ones_kept() {
    let sink = SmtpSink::start();
    let receiver = Receiver::start().await;
    let clock = std::sync::Arc::new(domain::clock::ShiftedClock::default());
    let notify = NotifyConfig {
        smtp: Some(sink.config()),
        ..crate::notify::fast(NotifyConfig::default())
    };
    let mut webhooks = crate::webhooks::fast(WebhookConfig::default());
    webhooks.max_attempts = 1;
    let app = TestApp::new()
        .with_config(move |c| {
            c.notify = notify;
            c.webhooks = webhooks;
            c.jobs = crate::notify::fast_jobs();
        })
        .with_clock(clock.clone())
        .start()
        .await;
    let fine = subscribe(&app, &receiver, "fine", &["case.created"], None).await;
    let dying = subscribe(&app, &receiver, "dying", &["case.created"], None).await;
    receiver.answer("dying", 500);
    enqueue_all(
        &app,
        &[("case.created", None, case_data("2026120100005", "DEP"))],
    )
    .await;
    let sent = mail(&app, "early@example.com").await;
    assert_eq!(app.modules().run_due_jobs().await.expect("run"), 3);
    let delivered = only_delivery(&app, &fine).await;
    let dead = only_delivery(&app, &dying).await;
    assert_eq!(delivery_status(&app, &delivered).await, "delivered");
    assert_eq!(delivery_status(&app, &dead).await, "dead");
    let done = vec![("done".to_string(), 1)];
    assert_eq!(jobs_on(&app, &sent).await, done);
    assert_eq!(jobs_on(&app, &delivered).await, done);
    assert_eq!(jobs_on(&app, &dead).await, [("dead".to_string(), 1)]);

    clock.advance(29 * DAY);
    assert_eq!(app.modules().run_due_jobs().await.expect("run"), 0);
    assert_eq!(jobs_on(&app, &sent).await, done, "kept for 30 days");
    assert_eq!(jobs_on(&app, &delivered).await, done);

    clock.advance(2 * DAY);
    let fresh = mail(&app, "late@example.com").await;
    assert_eq!(app.modules().run_due_jobs().await.expect("run"), 1);
    assert_eq!(sink.messages().len(), 2);
    assert!(
        jobs_on(&app, &sent).await.is_empty(),
        "removed with its log"
    );
    assert!(jobs_on(&app, &delivered).await.is_empty());
    assert_eq!(jobs_on(&app, &fresh).await, done, "finished today: kept");
    assert_eq!(
        jobs_on(&app, &dead).await,
        [("dead".to_string(), 1)],
        "dead jobs are kept"
    );

    // What the pages show of the message and the delivery is as it was.
    let operator = platform::authz::Actor::system(TAIPEI, "test");
    let log = app
        .platform
        .notification_log(&operator, &sent)
        .await
        .expect("log");
    let outcomes: Vec<&str> = log.iter().map(|a| a.outcome.as_str()).collect();
    assert_eq!(outcomes, ["sent"]);
    let (d, log) = app
        .platform
        .webhook_delivery(&operator, &delivered)
        .await
        .expect("delivery");
    assert_eq!(d.status, "delivered");
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].status_code, Some(200));

    let admin = Pages::sign_in(&app, "jobs.admin", &["jurisdiction_admin"]).await;
    let (status, jobs) = admin.api(Method::GET, "jobs").await;
    assert_eq!(status, 200, "{jobs}");
    let listed: Vec<(&str, &str)> = jobs
        .as_array()
        .expect("a list")
        .iter()
        .map(|j| {
            (
                j["subject_id"].as_str().unwrap_or(""),
                j["trouble"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(listed, [(dead.as_str(), "dead")], "{jobs}");
}
