//! The services' clock governs what they write: with a `FixedClock`, the rows written deep
//! inside a request (audit records, one-time codes, queued messages and their jobs) carry the
//! clock's time, not the wall clock's, and a job queued "now" is due at once.

use crate::notify::{SmtpSink, fast};
use crate::support::*;
use domain::clock::FixedClock;
use platform::notify::NotifyConfig;
use serde_json::json;
use std::sync::Arc;
use store::audit::AuditFilter;

/// 2026-11-26 10:00 in Taipei: a moment that is not now.
pub(crate) const T: i64 = 1_795_658_400;

#[tokio::test]
async fn what_the_services_write_is_stamped_with_their_clock() {
    let sink = SmtpSink::start();
    let smtp = sink.config();
    let app = TestApp::new()
        .with_config(move |c| {
            c.notify = fast(NotifyConfig {
                smtp: Some(smtp),
                ..NotifyConfig::default()
            })
        })
        .with_clock(Arc::new(FixedClock::at(T)))
        .start()
        .await;
    let db = &app.platform.db;

    // The API keys the test application made as it started are in the audit trail at T.
    let filter = AuditFilter {
        limit: 100,
        ..AuditFilter::default()
    };
    let audit = store::audit::list(db, TAIPEI, &filter)
        .await
        .expect("audit");
    assert!(!audit.is_empty());
    let times: Vec<(&str, i64)> = audit
        .iter()
        .map(|r| (r.record.action.as_str(), r.record.created_at))
        .collect();
    assert!(times.iter().all(|(_, at)| *at == T), "{times:?}");

    // A citizen signs up: the verification code, its message and the message's job.
    let (status, body) = send(app.client.post(app.api_url("auth/sign-up")).json(&json!({
        "login": "clock@example.tw", "password": "quiet-harbour-lantern-42", "display_name": "陳小明"
    })))
    .await;
    assert_eq!(status, 202, "{body}");
    let account = identity::testkit::account_id(db, TAIPEI, "clock@example.tw")
        .await
        .expect("db")
        .expect("account");
    let code = identity::testkit::live_code(db, &account, "verify")
        .await
        .expect("db")
        .expect("a code");
    let mut tx = db.begin().await.expect("tx");
    // A code lives for fifteen minutes.
    assert_eq!((code.created_at, code.expires_at), (T, T + 15 * 60));
    let messages = store::outbox::list(db, TAIPEI, None, 10).await.expect("db");
    let message = messages
        .iter()
        .find(|m| m.template == "account_verification")
        .expect("the verification message");
    assert_eq!((message.created_at, message.next_attempt_at), (T, T));
    let job = store::jobs::of_subject(&mut tx, platform::jobs::NOTIFY_DELIVER, &message.id)
        .await
        .expect("db")
        .expect("its job");
    assert_eq!((job.created_at, job.run_at), (T, T));
    drop(tx);

    // Due at the services' time, not in the wall clock's future: it goes out on the next turn.
    assert_eq!(app.run_due_jobs().await, 1);
    assert_eq!(sink.messages().len(), 1);
}
