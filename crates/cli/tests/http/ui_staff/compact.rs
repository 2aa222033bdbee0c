//! A dispatch console for a full shift: the queue says how old each case is and how many hours
//! its clock has left; the case page opens one action at a time (the likely next one), and a
//! resolution can start from a response template.

use super::*;

fn open_actions(body: &str) -> Vec<String> {
    let re =
        regex::Regex::new(r#"<details class="action" name="case-action" id="a-([a-z_]+)" open>"#)
            .unwrap();
    re.captures_iter(body).map(|c| c[1].to_string()).collect()
}

#[tokio::test]
async fn one_action_is_open_at_a_time_and_a_template_answers_the_citizen() {
    let app = TestApp::start().await;
    app.staff("agent.c", &["agent"]).await;
    app.staff("disp.c", &["dispatcher:PWD-PKS"]).await;
    let field_id = app.staff("field.c", &["field_worker:PWD-PKS"]).await;
    let agent = app.sign_in("agent.c", STAFF_PASSWORD).await;
    let disp = app.sign_in("disp.c", STAFF_PASSWORD).await;
    let number =
        file_streetlight_by_api(&app, &agent, "臺北市中正區重慶南路一段122號", "不亮").await;
    let path = format!("/work/cases/{number}");

    // Assigned to the department: acknowledging is one button; no form is open yet.
    let page = get(&app, &disp, &path).await;
    assert!(page.body.contains(r#"<div class="quick-actions">"#));
    assert_eq!(open_actions(&page.body), Vec::<String>::new());
    // Signed for: the next step, sending a field worker, is the one open form.
    let signed = post(
        &app,
        &disp,
        &format!("{path}/act"),
        &[("action", "acknowledge")],
    )
    .await;
    let page = follow(&app, &disp, signed).await;
    assert_eq!(open_actions(&page.body), ["assign"]);
    // A refused form comes back open, and only it.
    let refused = post(
        &app,
        &disp,
        &format!("{path}/act"),
        &[("action", "note"), ("note", "")],
    )
    .await;
    assert_eq!(refused.status, 400);
    assert_eq!(open_actions(&refused.body), ["note"]);

    let assigned = post(
        &app,
        &disp,
        &format!("{path}/act"),
        &[("action", "assign_worker"), ("assignee", &field_id)],
    )
    .await;
    assert_eq!(assigned.status, 303);
    post(&app, &disp, &format!("{path}/act"), &[("action", "start")]).await;
    let page = get(&app, &disp, &path).await;
    assert_eq!(
        open_actions(&page.body),
        ["resolve"],
        "being worked on: resolve is next"
    );

    // No note typed, a template chosen: the template is what the citizen reads.
    let resolved = post(
        &app,
        &disp,
        &format!("{path}/act"),
        &[
            ("action", "resolve"),
            ("outcome", "fixed"),
            ("template", "fixed"),
        ],
    )
    .await;
    assert_eq!(resolved.status, 303, "{}", resolved.body);
    let (_, case) = api(&app, &disp, Method::GET, &format!("cases/{number}")).await;
    let note = case["events"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["kind"] == "resolve")
        .and_then(|e| e["note"].as_str())
        .unwrap_or_default()
        .to_string();
    assert!(note.contains("repaired"), "the English template: {case}");
}

#[tokio::test]
async fn the_queue_shows_age_place_urgency_and_hours_left() {
    let app = TestApp::start().await;
    app.staff("agent.q", &["agent"]).await;
    app.staff("disp.q", &["dispatcher:PWD-PKS"]).await;
    let agent = app.sign_in("agent.q", STAFF_PASSWORD).await;
    let disp = app.sign_in("disp.q", STAFF_PASSWORD).await;
    let late = file_streetlight_by_api(&app, &agent, "臺北市大同區迪化街一段1號", "不亮").await;
    let soon = file_streetlight_by_api(&app, &agent, "臺北市大同區迪化街一段2號", "閃爍").await;
    let now = store::now_unix();
    set_sla(&app, &late, "breached", now - 3 * 3600 - 60).await;
    set_sla(&app, &soon, "running", now + 5 * 3600 + 60).await;
    let queue = get(&app, &disp, "/work").await;
    assert_eq!(queue.status, 200);
    for words in [
        "3 hours overdue",
        "5 hours left",
        "臺北市大同區迪化街一段1號",
        "0 hours",
    ] {
        assert!(queue.body.contains(words), "{words} in {}", queue.body);
    }
    assert!(queue.body.contains(r#"class="tag urgency-P3""#));
    assert!(
        queue.body.contains(r#"data-label="#),
        "labelled cells for the cards at 375 px"
    );
}
