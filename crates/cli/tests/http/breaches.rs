//! The breach register (issue 18, part 7): the data protection officer records a breach, sees
//! its duties with their clocks (72 hours from the discovery; the report to the authority only
//! above the thresholds), marks them done (a public notice refused for unencrypted data), and
//! closes it only when all are done; nobody else reaches it, and the admin menu offers it to
//! the officer only.

use crate::support::{STAFF_PASSWORD, TestApp, assert_tied};
use crate::ui_staff::{follow, get, post};
use domain::clock::FixedClock;
use std::sync::Arc;

const T0: i64 = 1_796_601_600; // 2026-12-07 00:00 UTC, 08:00 in Taipei

fn between(html: &str, start: &str, end: &str) -> Option<String> {
    let from = html.find(start)? + start.len();
    let to = html[from..].find(end)? + from;
    Some(html[from..to].to_string())
}

#[tokio::test]
async fn the_officer_records_a_breach_and_closes_it_when_every_duty_is_done() {
    let clock = Arc::new(FixedClock::at(T0));
    let app = TestApp::start_with_clock(|_| {}, Some(clock.clone())).await;
    app.staff("dpo", &["privacy_officer"]).await;
    app.staff("agent.b", &["agent"]).await;
    let dpo = app.sign_in("dpo", STAFF_PASSWORD).await;
    let agent = app.sign_in("agent.b", STAFF_PASSWORD).await;

    // Only the officer reaches the register, and only the officer's menu offers it.
    assert_eq!(get(&app, &agent, "/admin/breaches").await.status, 403);
    let admin = get(&app, &dpo, "/admin").await;
    assert!(
        admin.body.contains("href=\"/admin/breaches\""),
        "{}",
        admin.body
    );

    // A wrong form is refused field by field.
    let wrong = post(
        &app,
        &dpo,
        "/admin/breaches",
        &[("discovered_at", "2027-01-01 09:00"), ("records", "many")],
    )
    .await;
    assert_eq!(wrong.status, 400, "{}", wrong.body);
    for id in ["f-discovered_at", "f-summary", "f-data", "f-records"] {
        assert_tied(&wrong.body, id);
    }

    // A laptop with 250 people's contacts, unencrypted, lost this morning at 07:30 Taipei time.
    let recorded = post(
        &app,
        &dpo,
        "/admin/breaches",
        &[
            ("discovered_at", "2026-12-07 07:30"),
            ("summary", "外勤筆電遺失，內含 250 位反映人的聯絡方式"),
            ("data", "contact"),
            ("data", "address"),
            ("records", "250"),
            ("system_records", "2,000"),
        ],
    )
    .await;
    assert_eq!(
        recorded.location.as_deref(),
        Some("/admin/breaches?done=created")
    );
    let page = follow(&app, &dpo, recorded).await;
    assert!(
        page.body.contains("Report to the authority"),
        "over 100 records: {}",
        page.body
    );
    // Due 72 hours after 07:30 Taipei time.
    assert!(
        page.body.contains("datetime=\"2026-12-10T07:30:00+08:00\""),
        "{}",
        page.body
    );
    let id = between(&page.body, "action=\"/admin/breaches/", "/duty\"").expect("a breach");
    let duty = |d: &'static str, how: Option<&'static str>| {
        let mut form = vec![("duty", d)];
        if let Some(h) = how {
            form.push(("how", h));
        }
        form
    };

    // Not closable yet; a public notice is no way to tell people about unencrypted data.
    let early = post(
        &app,
        &dpo,
        &format!("/admin/breaches/{id}/duty"),
        &duty("close", None),
    )
    .await;
    assert_eq!(early.status, 400);
    assert!(early.body.contains("Some duties are still open"));
    let notice = post(
        &app,
        &dpo,
        &format!("/admin/breaches/{id}/duty"),
        &duty("notify_subjects", Some("public_notice")),
    )
    .await;
    assert_eq!(notice.status, 400);
    assert!(notice.body.contains("a public notice is not enough"));

    // Three days and an hour on, the report is overdue; the rest is done, the report late.
    for d in [
        duty("contain", None),
        duty("notify_subjects", Some("individually")),
    ] {
        let done = post(&app, &dpo, &format!("/admin/breaches/{id}/duty"), &d).await;
        assert_eq!(done.status, 303, "{}", done.body);
    }
    clock.advance(73 * 3600);
    let dpo = app.sign_in("dpo", STAFF_PASSWORD).await;
    let page = get(&app, &dpo, "/admin/breaches").await;
    assert!(page.body.contains("Overdue"), "{}", page.body);
    let reported = post(
        &app,
        &dpo,
        &format!("/admin/breaches/{id}/duty"),
        &duty("report_to_authority", None),
    )
    .await;
    assert_eq!(reported.status, 303);
    let page = get(&app, &dpo, "/admin/breaches").await;
    assert!(page.body.contains(">Late<"), "{}", page.body);
    let closed = post(
        &app,
        &dpo,
        &format!("/admin/breaches/{id}/duty"),
        &duty("close", None),
    )
    .await;
    assert_eq!(closed.status, 303, "{}", closed.body);
    let page = get(&app, &dpo, "/admin/breaches").await;
    assert!(page.body.contains(">Closed<"), "{}", page.body);
    let again = post(
        &app,
        &dpo,
        &format!("/admin/breaches/{id}/duty"),
        &duty("contain", None),
    )
    .await;
    assert_eq!(again.status, 400);

    // An unknown breach is 404.
    let unknown = post(
        &app,
        &dpo,
        "/admin/breaches/no-such-breach/duty",
        &duty("contain", None),
    )
    .await;
    assert_eq!(unknown.status, 404);
}
