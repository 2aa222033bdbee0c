//! Retention (issue 18, part 7): past its period, a closed case keeps its statistics and loses
//! its people (reporters emptied, the description redacted, gone from the citizen's "my
//! data"), a call's record loses its number and summary; an open case, or one closed within
//! the period, keeps everything; a second pass changes nothing; the city's period replaces the
//! module's, and "my data" says how long each kind is kept.

use crate::support::{STAFF_PASSWORD, TAIPEI, TestApp, send};
use crate::ui_staff::get;
use domain::clock::FixedClock;
use reqwest::Method;
use serde_json::json;
use std::sync::Arc;

const T0: i64 = 1_796_601_600;
const DAY: i64 = 86_400;

#[tokio::test]
async fn past_its_period_a_closed_case_loses_its_people_and_keeps_its_statistics() {
    let clock = Arc::new(FixedClock::at(T0));
    let app = TestApp::start_with_clock(
        |c| {
            c.retention.insert("cases.calls".into(), 30);
        },
        Some(clock.clone()),
    )
    .await;
    let citizen = app.citizen("0912345678", "my phone my rules").await;
    let me = app.sign_in("0912345678", "my phone my rules").await;
    let file = |address: &str, description: &str| {
        app.as_browser(&me, Method::POST, "reports").json(&json!({
            "service_code": "1999-L01", "address": address, "attributes": { "lamps_out": 2 },
            "description": description, "name": "王小美", "consent": true,
        }))
    };
    let (status, old) = send(file(
        "臺北市大同區承德路一段1號",
        "我是王小美，電話 0912-345-678，路燈不亮",
    ))
    .await;
    assert_eq!(status, 201, "{old}");
    let old = old["case_number"].as_str().unwrap().to_string();
    let (_, open) = send(file("臺北市大同區承德路一段3號", "另一盞路燈也不亮")).await;
    let open = open["case_number"].as_str().unwrap().to_string();

    // The old case is resolved and closed today; an agent writes down a call.
    app.staff("disp.pks", &["dispatcher:PWD-PKS"]).await;
    app.staff("agent.ret", &["agent"]).await;
    let dispatcher = app.sign_in("disp.pks", STAFF_PASSWORD).await;
    for body in [
        json!({ "action": "acknowledge" }),
        json!({ "action": "resolve", "outcome": "fixed", "note": "已修復" }),
        json!({ "action": "close" }),
    ] {
        let (status, answer) = send(
            app.as_browser(&dispatcher, Method::POST, &format!("cases/{old}/actions"))
                .json(&body),
        )
        .await;
        assert_eq!(status, 200, "{body}: {answer}");
    }
    let agent = app.sign_in("agent.ret", STAFF_PASSWORD).await;
    let (status, _) = send(app.as_browser(&agent, Method::POST, "contacts").json(
        &json!({ "phone": "0912345678", "service_type": "consult", "summary": "王小美詢問路燈進度" }),
    ))
    .await;
    assert_eq!(status, 201);

    // Within the periods nothing goes.
    assert_eq!(app.cases.apply_retention().await.expect("pass").cases, 0);

    // 31 days on the call (the city's 30 days) has outlived its period; the case (5 years) not.
    clock.advance(31 * DAY);
    let r = app.cases.apply_retention().await.expect("pass");
    assert_eq!((r.cases, r.calls), (0, 1), "{r:?}");

    // Five years and a day after the closing, the closed case loses its people.
    clock.advance(1826 * DAY);
    let r = app.cases.apply_retention().await.expect("pass");
    assert_eq!(r.cases, 1, "{r:?}");
    let again = app.cases.apply_retention().await.expect("pass");
    assert_eq!(again, Default::default(), "a second pass changes nothing");

    let reporters = cases::testkit::reporters_of(&app.platform.db, TAIPEI, &old)
        .await
        .expect("reporters");
    assert!(!reporters.is_empty());
    for r in &reporters {
        assert!(
            r.iter().all(Option::is_none),
            "every personal field emptied: {r:?}"
        );
    }
    let kept = cases::testkit::reporters_of(&app.platform.db, TAIPEI, &open)
        .await
        .expect("reporters");
    assert!(
        kept.iter().any(|r| r.iter().any(Option::is_some)),
        "the open case keeps its reporter"
    );

    // The statistics stay: the case is still there, in its category, closed; its description
    // has lost the name and number.
    let (status, public) = app.get_json(&format!("requests/{old}.json")).await;
    assert_eq!(status, 200, "{public}");
    assert_eq!(public[0]["service_code"], "1999-L01");
    assert_eq!(public[0]["status"], "closed");
    let stored = cases::testkit::stored_case(&app.platform.db, TAIPEI, &old)
        .await
        .expect("db")
        .expect("the case");
    assert!(
        !stored.description.contains("0912"),
        "{}",
        stored.description
    );
    assert!(
        stored.description.contains("路燈不亮"),
        "{}",
        stored.description
    );

    // Gone from her "my data"; the open one stays; and the page says how long each is kept.
    let me = app.sign_in("0912345678", "my phone my rules").await;
    let (_, data) = send(app.as_browser(&me, Method::GET, "me/data")).await;
    let numbers: Vec<&str> = data["data"]["cases.reports"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["case_number"].as_str())
        .collect();
    assert_eq!(numbers, [open.as_str()], "{data}");
    assert_eq!(
        data["data"]["cases.calls"].as_array().map(Vec::len),
        Some(0),
        "the call kept its date and type, not her number or words: {data}"
    );
    let page = get(&app, &me, "/account/data").await;
    assert!(page.body.contains("How long we keep it"), "{}", page.body);
    assert!(page.body.contains("1826 days"));
    assert!(page.body.contains("30 days"), "the city's period");

    // The pass is audited.
    let records = store::audit::list(
        &app.platform.db,
        TAIPEI,
        &store::audit::AuditFilter {
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .expect("audit");
    assert_eq!(
        records
            .iter()
            .filter(|r| r.record.action == "retention.applied")
            .count(),
        2
    );
    let _ = citizen;
}
