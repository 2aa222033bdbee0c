//! The dispatcher's queue, case page and bulk assignment.

use super::*;
use crate::support::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn the_dispatch_queue_puts_risk_first_and_filters() {
    let app = TestApp::start().await;
    app.staff("agent.su", &["agent"]).await;
    app.staff("disp.su", &["dispatcher:PWD-PKS"]).await;
    let agent = app.sign_in("agent.su", STAFF_PASSWORD).await;
    let disp = app.sign_in("disp.su", STAFF_PASSWORD).await;
    let calm = file_streetlight_by_api(&app, &agent, "臺北市大安區仁愛路四段1號", "一盞不亮").await;
    let risky = file_streetlight_by_api(&app, &agent, "臺北市信義區松仁路1號", "閃爍").await;
    let late = file_streetlight_by_api(
        &app,
        &agent,
        "臺北市大安區敦化南路二段1號",
        "整排不亮，藍色燈罩",
    )
    .await;
    let now = store::now_unix();
    // The calm one is due first, but the late and the risky ones come first.
    set_sla(&app, &calm, "running", now + 3_600).await;
    set_sla(&app, &risky, "at_risk", now + 7_200).await;
    set_sla(&app, &late, "breached", now + 10_800).await;

    let queue = get(&app, &disp, "/work").await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    let at = |n: &str| {
        queue
            .body
            .find(&format!("/work/cases/{n}\""))
            .unwrap_or_else(|| panic!("{n} listed"))
    };
    assert!(
        at(&late) < at(&risky) && at(&risky) < at(&calm),
        "breached, at risk, then by due date: {late} {risky} {calm} {}",
        queue.body
    );
    assert!(
        queue
            .body
            .contains(r#"<span class="tag danger">Overdue</span>"#)
    );

    let only = |a: &Answer, n: &str| {
        [&calm, &risky, &late]
            .iter()
            .all(|c| a.body.contains(&format!("/work/cases/{c}\"")) == (c.as_str() == n))
    };
    assert!(only(&get(&app, &disp, "/work?sla=at_risk").await, &risky));
    assert!(
        only(&get(&app, &disp, "/work?q=%E8%97%8D%E8%89%B2").await, &late),
        "text"
    );
    let district = get(&app, &disp, "/work?district=110").await;
    assert!(only(&district, &risky), "信義區");
    send(
        app.as_browser(&disp, Method::POST, &format!("cases/{calm}/actions"))
            .json(&json!({ "action": "acknowledge" })),
    )
    .await;
    assert!(only(
        &get(&app, &disp, "/work?status=acknowledged").await,
        &calm
    ));
    let bad = get(&app, &disp, "/work?sla=sometime").await;
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains(r##"href="#f-sla""##));

    // A saved view: the filters under a name, listed as a link, deleted again.
    let saved = post(
        &app,
        &disp,
        "/work/views",
        &[
            ("name", "逾期路燈"),
            ("query", "sla=breached&category=1999-L01&bogus=1"),
        ],
    )
    .await;
    assert_eq!(saved.status, 303);
    assert_eq!(
        saved.location.as_deref(),
        Some("/work?category=1999-L01&sla=breached&done=view-saved")
    );
    let queue = get(&app, &disp, "/work").await;
    assert!(
        queue
            .body
            .contains(r#"<a href="/work?category=1999-L01&#38;sla=breached">逾期路燈</a>"#),
        "{}",
        queue.body
    );
    let unnamed = post(
        &app,
        &disp,
        "/work/views",
        &[("name", " "), ("query", "sla=breached")],
    )
    .await;
    assert_eq!(unnamed.status, 400);
    assert!(unnamed.body.contains(r##"href="#f-view-name""##));
    let id = regex::Regex::new(r#"/work/views/([0-9a-f-]{36})/delete"#)
        .unwrap()
        .captures(&queue.body)
        .unwrap()[1]
        .to_string();
    let deleted = post(&app, &disp, &format!("/work/views/{id}/delete"), &[]).await;
    assert_eq!(deleted.location.as_deref(), Some("/work?done=view-deleted"));
    assert!(!get(&app, &disp, "/work").await.body.contains("逾期路燈"));
}

#[tokio::test]
async fn the_case_page_offers_what_is_legal_and_its_forms_change_the_case() {
    let app = TestApp::start().await;
    app.staff("agent.tu", &["agent"]).await;
    app.staff("disp.tu", &["dispatcher:PWD-PKS"]).await;
    let agent = app.sign_in("agent.tu", STAFF_PASSWORD).await;
    let disp = app.sign_in("disp.tu", STAFF_PASSWORD).await;
    let number = file_streetlight_by_api(&app, &agent, "臺北市大安區仁愛路四段1號", "不亮").await;
    let path = format!("/work/cases/{number}");
    let page = get(&app, &disp, &path).await;
    assert_eq!(page.status, 200);
    let offers =
        |body: &str, action: &str| body.contains(&format!(r#"name="action" value="{action}""#));
    assert!(
        offers(&page.body, "acknowledge")
            && offers(&page.body, "reassign")
            && offers(&page.body, "reject")
    );
    assert!(
        !offers(&page.body, "resolve")
            && !offers(&page.body, "close")
            && !offers(&page.body, "assign_worker")
    );

    // A refusal comes back beside the form that failed; nothing changes.
    let refused = post(
        &app,
        &disp,
        &format!("{path}/act"),
        &[
            ("action", "reassign"),
            ("department", "DEP"),
            ("reason", ""),
        ],
    )
    .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains(r##"href="#f-reassign-reason""##),
        "{}",
        refused.body
    );
    let illegal = post(&app, &disp, &format!("{path}/act"), &[("action", "close")]).await;
    assert_eq!(
        illegal.status, 400,
        "not offered, and refused if sent anyway"
    );

    let done = post(
        &app,
        &disp,
        &format!("{path}/act"),
        &[("action", "acknowledge")],
    )
    .await;
    assert_eq!(done.status, 303);
    assert_eq!(
        done.location.as_deref(),
        Some(format!("{path}?done=acknowledge").as_str())
    );
    let (_, case) = api(&app, &agent, Method::GET, &format!("cases/{number}")).await;
    assert_eq!(case["status"], "acknowledged");
    let page = get(&app, &disp, &format!("{path}?done=acknowledge")).await;
    assert!(page.body.contains("Acknowledged."));
    assert!(
        offers(&page.body, "assign_worker")
            && offers(&page.body, "resolve")
            && !offers(&page.body, "acknowledge")
    );

    // An internal note shows on the staff timeline, marked internal.
    let noted = post(
        &app,
        &disp,
        &format!("{path}/act"),
        &[("action", "note"), ("note", "已聯絡台電確認線路")],
    )
    .await;
    assert_eq!(noted.status, 303);
    let page = get(&app, &disp, &path).await;
    assert!(page.body.contains("已聯絡台電確認線路"));
    assert!(
        page.body
            .contains(r#"<span class="tag warn">Internal</span>"#)
    );
}

#[tokio::test]
async fn bulk_assignment_lists_each_case_that_failed() {
    let app = TestApp::start().await;
    app.staff("agent.ko", &["agent"]).await;
    app.staff("disp.ko", &["dispatcher:PWD-PKS"]).await;
    let worker = app.staff("field.ko", &["field_worker:PWD-PKS"]).await;
    let agent = app.sign_in("agent.ko", STAFF_PASSWORD).await;
    let disp = app.sign_in("disp.ko", STAFF_PASSWORD).await;
    let mut numbers = Vec::new();
    for (i, street) in ["仁愛路四段1號", "仁愛路四段3號", "仁愛路四段5號"]
        .iter()
        .enumerate()
    {
        let n = file_streetlight_by_api(
            &app,
            &agent,
            &format!("臺北市大安區{street}"),
            &format!("不亮 {i}"),
        )
        .await;
        numbers.push(n);
    }
    for n in &numbers[..2] {
        let (status, _) = send(
            app.as_browser(&disp, Method::POST, &format!("cases/{n}/actions"))
                .json(&json!({ "action": "acknowledge" })),
        )
        .await;
        assert_eq!(status, 200);
    }
    let queue = get(&app, &disp, "/work").await;
    assert!(
        queue
            .body
            .contains(&format!(r#"<option value="{worker}">"#)),
        "the department's field workers are offered"
    );
    let none = post(&app, &disp, "/work/assign", &[("assignee", &worker)]).await;
    assert_eq!(none.status, 400);
    assert!(none.body.contains(r##"href="#f-bulk-cases""##));

    let form: Vec<(&str, &str)> = vec![
        ("case", numbers[0].as_str()),
        ("case", numbers[1].as_str()),
        ("case", numbers[2].as_str()),
        ("assignee", worker.as_str()),
    ];
    let result = post(&app, &disp, "/work/assign", &form).await;
    assert_eq!(result.status, 200, "{}", result.body);
    // The success is the status message, and says only what was done.
    let status = section(&result.body, r#"role="status""#, "</div>");
    assert!(status.contains("2 cases assigned to "), "{status}");
    assert!(
        !status.contains(&numbers[2]) && !status.contains("not"),
        "{status}"
    );
    // The refusal is an alert of its own, naming the case and why, in words.
    let alert = section(&result.body, r#"role="alert""#, "</section>");
    assert!(alert.contains("1 case could not be assigned"), "{alert}");
    assert!(
        alert.contains(&format!(">{}</a>", numbers[2])) && alert.contains("Sign for the case"),
        "{alert}"
    );
    assert!(
        !alert.contains(&numbers[0]) && !alert.contains(&numbers[1]),
        "{alert}"
    );
    // The table lists the assigned cases only.
    let table = section(&result.body, "<table>", "</table>");
    assert!(table.contains("2 cases assigned"), "{table}");
    assert!(table.contains(&numbers[0]) && table.contains(&numbers[1]));
    assert!(!table.contains(&numbers[2]), "{table}");
    for (n, assigned) in [
        (&numbers[0], true),
        (&numbers[1], true),
        (&numbers[2], false),
    ] {
        let (_, case) = api(&app, &disp, Method::GET, &format!("cases/{n}")).await;
        assert_eq!(
            case["assignee_id"].as_str() == Some(worker.as_str()),
            assigned,
            "{n}"
        );
    }
}

/// The part of `body` from the first `start` to the next `end` (inclusive).
fn section<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let from = body
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in {body}"));
    let to = body[from..]
        .find(end)
        .map_or(body.len(), |i| from + i + end.len());
    &body[from..to]
}

#[tokio::test]
async fn a_reassigned_case_sends_the_dispatcher_back_to_the_queue_saying_where_it_went() {
    let app = TestApp::start().await;
    app.staff("agent.su", &["agent"]).await;
    app.staff("disp.su", &["dispatcher:PWD-PKS"]).await;
    let agent = app.sign_in("agent.su", STAFF_PASSWORD).await;
    let disp = app.sign_in("disp.su", STAFF_PASSWORD).await;
    let number = file_streetlight_by_api(&app, &agent, "臺北市大安區仁愛路四段1號", "不亮").await;
    let path = format!("/work/cases/{number}");

    // Refused: the field is named by its label, and the heading is the case's, not "Error".
    let refused = post(
        &app,
        &disp,
        &format!("{path}/act"),
        &[("action", "reassign"), ("department", ""), ("reason", "")],
    )
    .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused
            .body
            .contains("The field &#34;Department&#34; is required")
            && !refused.body.contains("&#34;department&#34;"),
        "the field by its label, not its code: {}",
        refused.body
    );
    assert!(refused.body.contains("<title>Error:"));
    assert!(!refused.body.contains("<h1>Error:"), "{}", refused.body);

    let done = post(
        &app,
        &disp,
        &format!("{path}/act"),
        &[
            ("action", "reassign"),
            ("department", "DEP"),
            ("reason", "屬環保局權責"),
        ],
    )
    .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let to = done.location.expect("back to the queue");
    assert!(to.starts_with("/work?done=reassigned"), "{to}");
    let queue = get(&app, &disp, &to).await;
    assert_eq!(queue.status, 200);
    assert!(
        queue
            .body
            .contains(&format!("Case {number} was reassigned to")),
        "{}",
        queue.body
    );
}
