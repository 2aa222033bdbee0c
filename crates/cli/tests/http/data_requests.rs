//! A request about one's personal data (issue 18, part 6): asked from "my data", filed as a
//! confidential case on the law's clock (30 days for a correction), routed to the department
//! that answers them; its dispatcher extends the deadline once, with a reason the citizen reads
//! in "my data"; a second extension, or one on any other case, is refused; nothing of it is
//! public.

use crate::support::{STAFF_PASSWORD, TestApp, assert_tied, send};
use crate::ui_staff::{get, post};
use domain::clock::FixedClock;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;

const T0: i64 = 1_796_601_600; // 2026-12-07 00:00 UTC
const DAY: i64 = 86_400;

fn request_of(data: &Value) -> Value {
    data["data"]["cases.data-requests"][0].clone()
}

#[tokio::test]
async fn a_correction_request_runs_on_the_laws_clock_and_is_extended_once_with_a_reason() {
    let clock = Arc::new(FixedClock::at(T0));
    let app = TestApp::start_with_clock(|_| {}, Some(clock.clone())).await;
    app.citizen("0912345678", "my phone my rules").await;
    let me = app.sign_in("0912345678", "my phone my rules").await;

    // The form asks for what and why; an empty one is refused field by field.
    let form = get(&app, &me, "/account/data/requests").await;
    assert_eq!(form.status, 200, "{}", form.body);
    let empty = post(&app, &me, "/account/data/requests", &[]).await;
    assert_eq!(empty.status, 400);
    assert_tied(&empty.body, "f-kind");
    assert_tied(&empty.body, "f-details");

    let filed = post(
        &app,
        &me,
        "/account/data/requests",
        &[
            ("kind", "correct"),
            (
                "details",
                "案件 2026120700001 的電話號碼寫錯了，應為 0912-345-678。",
            ),
        ],
    )
    .await;
    assert_eq!(
        filed.location.as_deref(),
        Some("/account/data?done=request-filed#set-cases-data-requests"),
        "{}",
        filed.body
    );
    let page = get(&app, &me, "/account/data?done=request-filed").await;
    assert!(
        page.body.contains("Your request is received"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Your requests about your data"));

    // Due 30 calendar days on, whatever the holidays.
    let (status, data) = send(app.as_browser(&me, Method::GET, "me/data")).await;
    assert_eq!(status, 200, "{data}");
    let request = request_of(&data);
    assert_eq!(request["due_at"], "2027-01-06T08:00:00+08:00", "{request}");
    assert_eq!(request["extended_because"], "");
    let number = request["case_number"].as_str().expect("number").to_string();

    // Never public.
    let (status, list) = app
        .get_json(&format!(
            "requests.json?service_code=PDPA-02&api_key={}",
            app.key
        ))
        .await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().map(Vec::len), Some(0), "{list}");

    // The department that answers them extends it once, saying why.
    clock.advance(10 * DAY);
    app.staff("disp.rdec", &["dispatcher:RDEC"]).await;
    let rdec = app.sign_in("disp.rdec", STAFF_PASSWORD).await;
    let me = app.sign_in("0912345678", "my phone my rules").await;
    let act = |who, body: Value| {
        app.as_browser(who, Method::POST, &format!("cases/{number}/actions"))
            .json(&body)
    };
    let (status, case) = send(act(&rdec, json!({ "action": "extend_deadline" }))).await;
    assert_eq!(status, 400, "a reason is required: {case}");
    let (status, case) = send(act(
        &rdec,
        json!({ "action": "extend_deadline", "reason": "需向三個機關調閱原始紀錄" }),
    ))
    .await;
    assert_eq!(status, 200, "{case}");
    assert_eq!(
        case["sla"]["resolution_due"], "2027-02-05T00:00:00Z",
        "{case}"
    );
    let (_, data) = send(app.as_browser(&me, Method::GET, "me/data")).await;
    let request = request_of(&data);
    assert_eq!(request["due_at"], "2027-02-05T08:00:00+08:00");
    assert_eq!(request["extended_because"], "需向三個機關調閱原始紀錄");

    // Once only; and no other case has such a deadline.
    let (status, body) = send(act(
        &rdec,
        json!({ "action": "extend_deadline", "reason": "再延一次" }),
    ))
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["code"], "error-extend-once");
    let light = app.file_streetlight().await;
    app.staff("disp.pks", &["dispatcher:PWD-PKS"]).await;
    let pks = app.sign_in("disp.pks", STAFF_PASSWORD).await;
    let (status, body) = send(
        app.as_browser(&pks, Method::POST, &format!("cases/{light}/actions"))
            .json(&json!({ "action": "extend_deadline", "reason": "想延" })),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["code"], "error-extend-not-data-request");
    // Another department's dispatcher does not learn the request exists.
    let (status, _) = send(act(
        &pks,
        json!({ "action": "extend_deadline", "reason": "x" }),
    ))
    .await;
    assert_eq!(status, 404);

    // The dispatcher's page offers the extension on a running request only, once.
    let page = get(&app, &rdec, &format!("/work/cases/{number}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Deadline extended"), "{}", page.body);
    assert!(
        !page.body.contains("value=\"extend_deadline\""),
        "extended already"
    );
    let page = get(&app, &pks, &format!("/work/cases/{light}")).await;
    assert!(!page.body.contains("value=\"extend_deadline\""));

    // A review request left past its 15 days cannot be extended any more: the law has the
    // extension told within the period.
    let review = post(
        &app,
        &me,
        "/account/data/requests",
        &[
            ("kind", "review"),
            ("details", "請提供 2025 年的來電紀錄紙本。"),
        ],
    )
    .await;
    assert_eq!(review.status, 303, "{}", review.body);
    let (_, data) = send(app.as_browser(&me, Method::GET, "me/data")).await;
    let late = data["data"]["cases.data-requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["case_number"] != number.as_str())
        .expect("the review request")["case_number"]
        .as_str()
        .unwrap()
        .to_string();
    let page = get(&app, &rdec, &format!("/work/cases/{late}")).await;
    assert!(
        page.body.contains("value=\"extend_deadline\""),
        "{}",
        page.body
    );
    clock.advance(16 * DAY);
    let rdec = app.sign_in("disp.rdec", STAFF_PASSWORD).await;
    let (status, body) = send(
        app.as_browser(&rdec, Method::POST, &format!("cases/{late}/actions"))
            .json(&json!({ "action": "extend_deadline", "reason": "太忙" })),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["code"], "error-extend-too-late");

    // The report form and Open311 know no such service.
    let me = app.sign_in("0912345678", "my phone my rules").await;
    let (status, _) = send(app.as_browser(&me, Method::POST, "reports").json(&json!({
        "service_code": "PDPA-02", "description": "x", "consent": true,
        "attributes": { "kind": "delete" },
    })))
    .await;
    assert_eq!(status, 404);
    let r = app.get("services/PDPA-01.json").await;
    assert_eq!(r.status(), 404);
}
