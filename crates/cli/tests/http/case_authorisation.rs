//! Operations on a case load the case, authorise the caller, and only then validate what the
//! operation names (`cases::casework::checks`). What an operation names — a merge target,
//! an assignee — must tell a caller who may not act on the case nothing.

use crate::support::*;
use reqwest::Method;
use serde_json::{Value, json};

async fn act(app: &TestApp, who: &Browser, number: &str, body: &Value) -> (u16, Value) {
    send(
        app.as_browser(who, Method::POST, &format!("cases/{number}/actions"))
            .json(body),
    )
    .await
}

/// Files a case as an agent on the phone and returns its number.
async fn file(app: &TestApp, agent: &Browser, service_code: &str) -> String {
    let (status, filed) = send(app.as_browser(agent, Method::POST, "cases").json(&json!({
        "service_code": service_code, "address": "臺北市信義區市府路1號",
        "description": "內容", "attributes": { "lamps_out": 1 },
    })))
    .await;
    assert_eq!(status, 201, "{filed}");
    filed["case_number"].as_str().expect("number").to_string()
}

async fn status_of(app: &TestApp, admin: &Browser, number: &str) -> String {
    let (status, case) = send(app.as_browser(admin, Method::GET, &format!("cases/{number}"))).await;
    assert_eq!(status, 200, "{case}");
    case["status"].as_str().expect("status").to_string()
}

/// F10: whatever a merge or an assignment names — an unknown case, an open or a finished
/// confidential report (公務員不法檢舉), a staff member's id, an unknown id — a caller who
/// may not act on the case gets one and the same answer: 404 when they may not see the case
/// (a citizen, another department's dispatcher, a field worker it is not assigned to, or a
/// case that does not exist), 403 when they may see it but not do this (an agent). Before,
/// the targets were checked first, so any signed-in account could tell which confidential
/// case numbers exist and whether they are still open, and which staff ids exist.
#[tokio::test]
async fn what_an_operation_names_tells_an_unauthorised_caller_nothing() {
    let app = TestApp::new()
        .with_user("agent", None)
        .with_user("jurisdiction_admin", None)
        .with_user("dispatcher", Some("DEP"))
        .with_user("field_worker", Some("PWD-PKS"))
        .start()
        .await;
    app.citizen("citizen.b@example.com", "Correct-Horse-Z-331")
        .await;
    let agent = &app.user("agent", None).browser;
    let admin = &app.user("jurisdiction_admin", None).browser;
    let citizen = app
        .sign_in("citizen.b@example.com", "Correct-Horse-Z-331")
        .await;
    let other_dispatcher = &app.user("dispatcher", Some("DEP")).browser;
    let field_worker = app.user("field_worker", Some("PWD-PKS"));
    let (field, field_id) = (&field_worker.browser, &field_worker.id);

    let street = file(&app, agent, "1999-L01").await;
    let confidential_open = file(&app, agent, "PET-07").await;
    let confidential_done = file(&app, agent, "PET-07").await;
    let (status, body) = act(
        &app,
        admin,
        &confidential_done,
        &json!({ "action": "reject", "reason": "查無實據" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let bodies = [
        json!({ "action": "merge", "into": "2099010100001" }),
        json!({ "action": "merge", "into": confidential_open }),
        json!({ "action": "merge", "into": confidential_done }),
        json!({ "action": "assign_worker", "assignee_id": field_id }),
        json!({ "action": "assign_worker", "assignee_id": "00000000-0000-7000-8000-000000000000" }),
    ];
    let callers = [
        ("citizen", &citizen, &street, 404),
        ("citizen", &citizen, &"2099010100002".to_string(), 404),
        ("citizen", &citizen, &confidential_open, 404),
        ("dispatcher of DEP", other_dispatcher, &street, 404),
        ("field worker, not assigned", field, &street, 404),
        ("agent", agent, &street, 403),
    ];
    for (who, browser, source, expected) in callers {
        let (first_status, first) = act(&app, browser, source, &bodies[0]).await;
        assert_eq!(first_status, expected, "{who} on {source}: {first}");
        for body in &bodies[1..] {
            let answer = act(&app, browser, source, body).await;
            assert_eq!(
                answer,
                (first_status, first.clone()),
                "{who} on {source} with {body}"
            );
        }
    }
    assert_eq!(status_of(&app, admin, &street).await, "assigned");
    assert_eq!(status_of(&app, admin, &confidential_open).await, "assigned");
}

/// F10: a dispatcher who may act on a case, merging it into a confidential case of another
/// department they cannot see, is answered exactly as for a case that does not exist, and
/// nothing is merged. Before, the merge went through.
#[tokio::test]
async fn a_merge_target_the_caller_cannot_see_is_unknown() {
    let app = TestApp::new()
        .with_user("agent", None)
        .with_user("jurisdiction_admin", None)
        .with_user("dispatcher", Some("PWD-PKS"))
        .start()
        .await;
    let agent = app.user("agent", None).browser.clone();
    let admin = app.user("jurisdiction_admin", None).browser.clone();
    let dispatcher = app.user("dispatcher", Some("PWD-PKS")).browser.clone();
    let street = file(&app, &agent, "1999-L01").await;
    let confidential = file(&app, &agent, "PET-07").await;

    let code = |v: &Value| v["errors"][0]["code"].as_str().map(str::to_string);
    let (status, unknown) = act(
        &app,
        &dispatcher,
        &street,
        &json!({ "action": "merge", "into": "2099010100001" }),
    )
    .await;
    assert_eq!(
        (status, code(&unknown).as_deref()),
        (400, Some("error-merge-target-unknown")),
        "{unknown}"
    );
    let (status, hidden) = act(
        &app,
        &dispatcher,
        &street,
        &json!({ "action": "merge", "into": confidential }),
    )
    .await;
    assert_eq!((status, code(&hidden)), (400, code(&unknown)), "{hidden}");
    assert_eq!(status_of(&app, &admin, &street).await, "assigned");

    // A case the dispatcher may see is merged as before.
    let second = file(&app, &agent, "1999-L01").await;
    let (status, merged) = act(
        &app,
        &dispatcher,
        &second,
        &json!({ "action": "merge", "into": street }),
    )
    .await;
    assert_eq!(
        (status, merged["status"].as_str()),
        (200, Some("duplicate")),
        "{merged}"
    );
}
