//! 會簽 (co-sign): another department's part of the work, open beside the case's own progress.
//! The co-signing department completes it, the requester does not; the crew carries on while
//! it is open; the case is not resolved until it is completed or withdrawn with a reason.

use super::*;

fn offers(body: &str, action: &str) -> bool {
    body.contains(&format!(r#"name="action" value="{action}""#))
}

async fn act(app: &TestApp, who: &Browser, number: &str, body: Value) -> (u16, Value) {
    api_with(app, who, &format!("cases/{number}/actions"), body).await
}

async fn api_with(app: &TestApp, who: &Browser, path: &str, body: Value) -> (u16, Value) {
    send(app.as_browser(who, Method::POST, path).json(&body)).await
}

#[tokio::test]
async fn a_co_sign_runs_beside_the_work_and_only_its_department_completes_it() {
    let app = TestApp::start().await;
    app.staff("agent.co", &["agent"]).await;
    app.staff("disp.pks", &["dispatcher:PWD-PKS"]).await;
    let field_id = app.staff("field.pks", &["field_worker:PWD-PKS"]).await;
    app.staff("disp.dep", &["dispatcher:DEP"]).await;
    let agent = app.sign_in("agent.co", STAFF_PASSWORD).await;
    let disp = app.sign_in("disp.pks", STAFF_PASSWORD).await;
    let field = app.sign_in("field.pks", STAFF_PASSWORD).await;
    let dep = app.sign_in("disp.dep", STAFF_PASSWORD).await;
    let number = file_streetlight_by_api(&app, &agent, "臺北市文山區木柵路一段1號", "不亮").await;
    act(&app, &disp, &number, json!({ "action": "acknowledge" })).await;
    let (status, _) = act(
        &app,
        &disp,
        &number,
        json!({ "action": "assign_worker", "assignee_id": field_id }),
    )
    .await;
    assert_eq!(status, 200);

    // The request leaves the case's progress alone and names the department.
    let (status, case) = act(
        &app,
        &disp,
        &number,
        json!({ "action": "request_cosign", "department": "DEP", "note": "燈桿旁垃圾需一併清理" }),
    )
    .await;
    assert_eq!(
        (
            status,
            case["status"].as_str(),
            case["cosign_department"].as_str()
        ),
        (200, Some("acknowledged"), Some("DEP")),
        "{case}"
    );
    let (status, body) = act(
        &app,
        &disp,
        &number,
        json!({ "action": "request_cosign", "department": "TPC", "note": "再一個" }),
    )
    .await;
    assert_eq!(status, 400, "one co-sign at a time: {body}");
    assert_eq!(body["errors"][0]["code"], "error-cosign-already-open");

    // The requester is neither offered the co-signing department's part nor allowed it, and is
    // told why the case cannot be resolved yet.
    let page = get(&app, &disp, &format!("/work/cases/{number}")).await;
    assert_eq!(page.status, 200);
    assert!(!offers(&page.body, "complete_cosign"), "{}", page.body);
    assert!(!offers(&page.body, "resolve"));
    assert!(offers(&page.body, "withdraw_cosign") && offers(&page.body, "start"));
    assert!(page.body.contains(r#"id="cosign-open""#));
    let (status, _) = act(
        &app,
        &disp,
        &number,
        json!({ "action": "complete_cosign", "note": "自己完成" }),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = act(
        &app,
        &disp,
        &number,
        json!({ "action": "resolve", "outcome": "fixed", "note": "已修復" }),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["code"], "error-cosign-open");

    // The crew carries on: the field worker arrives and starts while the co-sign is open.
    let page = get(&app, &field, &format!("/field/cases/{number}")).await;
    assert!(offers(&page.body, "arrive"), "{}", page.body);
    let arrived = post(
        &app,
        &field,
        &format!("/field/cases/{number}/act"),
        &[("action", "arrive")],
    )
    .await;
    assert_eq!(arrived.status, 303, "{}", arrived.body);
    let (_, case) = api(&app, &disp, Method::GET, &format!("cases/{number}")).await;
    assert_eq!(
        (case["status"].as_str(), case["cosign_department"].as_str()),
        (Some("on_site"), Some("DEP"))
    );

    // The co-signing department is offered its part on its own page, and completes it.
    let page = get(&app, &dep, &format!("/work/cases/{number}")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(offers(&page.body, "complete_cosign"), "{}", page.body);
    assert!(!offers(&page.body, "resolve") && !offers(&page.body, "withdraw_cosign"));
    let done = post(
        &app,
        &dep,
        &format!("/work/cases/{number}/act"),
        &[("action", "complete_cosign"), ("note", "已清理")],
    )
    .await;
    let after = follow(&app, &dep, done).await;
    assert_eq!(after.status, 200, "{}", after.body);
    let (_, case) = api(&app, &disp, Method::GET, &format!("cases/{number}")).await;
    assert_eq!(
        (case["status"].as_str(), case["cosign_department"].as_str()),
        (Some("on_site"), None),
        "{case}"
    );
    let (status, case) = act(
        &app,
        &disp,
        &number,
        json!({ "action": "resolve", "outcome": "fixed", "note": "已修復" }),
    )
    .await;
    assert_eq!((status, case["status"].as_str()), (200, Some("resolved")));
}

#[tokio::test]
async fn the_requester_withdraws_a_co_sign_with_a_reason_and_then_resolves() {
    let app = TestApp::start().await;
    app.staff("agent.co", &["agent"]).await;
    app.staff("disp.pks", &["dispatcher:PWD-PKS"]).await;
    app.staff("disp.dep", &["dispatcher:DEP"]).await;
    let agent = app.sign_in("agent.co", STAFF_PASSWORD).await;
    let disp = app.sign_in("disp.pks", STAFF_PASSWORD).await;
    let dep = app.sign_in("disp.dep", STAFF_PASSWORD).await;
    let number = file_streetlight_by_api(&app, &agent, "臺北市文山區木柵路一段2號", "不亮").await;
    act(&app, &disp, &number, json!({ "action": "acknowledge" })).await;
    let (status, _) = act(
        &app,
        &disp,
        &number,
        json!({ "action": "withdraw_cosign", "reason": "沒有會簽" }),
    )
    .await;
    assert_eq!(status, 400, "nothing to withdraw");
    act(
        &app,
        &disp,
        &number,
        json!({ "action": "request_cosign", "department": "DEP", "note": "請清理" }),
    )
    .await;

    // Without a reason the page names the field by its label and keeps the form.
    let path = format!("/work/cases/{number}/act");
    let refused = post(
        &app,
        &disp,
        &path,
        &[("action", "withdraw_cosign"), ("reason", " ")],
    )
    .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused
            .body
            .contains(r#"id="f-withdraw-cosign-reason-error""#),
        "{}",
        refused.body
    );
    assert!(!refused.body.contains("「reason」"), "no raw field code");
    // The co-signing department may not withdraw the requester's co-sign.
    let (status, _) = act(
        &app,
        &dep,
        &number,
        json!({ "action": "withdraw_cosign", "reason": "不想做" }),
    )
    .await;
    assert_eq!(status, 403);
    let withdrawn = post(
        &app,
        &disp,
        &path,
        &[
            ("action", "withdraw_cosign"),
            ("reason", "垃圾已由清潔隊順道清走"),
        ],
    )
    .await;
    let page = follow(&app, &disp, withdrawn).await;
    assert!(
        page.body.contains("垃圾已由清潔隊順道清走"),
        "the reason is in the timeline"
    );
    assert!(offers(&page.body, "resolve"));
    // The co-signing department no longer sees the case.
    assert_eq!(
        get(&app, &dep, &format!("/work/cases/{number}"))
            .await
            .status,
        404
    );
    let (status, case) = act(
        &app,
        &disp,
        &number,
        json!({ "action": "resolve", "outcome": "fixed", "note": "已修復" }),
    )
    .await;
    assert_eq!((status, case["status"].as_str()), (200, Some("resolved")));
}
