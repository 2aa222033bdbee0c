//! The field worker's pages.

use super::*;
use crate::support::*;
use reqwest::Method;
use serde_json::json;

use serde_json::Value;

#[tokio::test]
async fn a_field_worker_arrives_uploads_a_photo_and_completes() {
    let app = TestApp::start().await;
    app.staff("agent.yu", &["agent"]).await;
    app.staff("disp.yu", &["dispatcher:PWD-PKS"]).await;
    let worker = app.staff("field.yu", &["field_worker:PWD-PKS"]).await;
    let agent = app.sign_in("agent.yu", STAFF_PASSWORD).await;
    let disp = app.sign_in("disp.yu", STAFF_PASSWORD).await;
    let field = app.sign_in("field.yu", STAFF_PASSWORD).await;
    let number = file_streetlight_by_api(&app, &agent, "臺北市大安區仁愛路四段1號", "不亮").await;
    for body in [
        json!({ "action": "acknowledge" }),
        json!({ "action": "assign_worker", "assignee_id": worker }),
    ] {
        let (status, _) = send(
            app.as_browser(&disp, Method::POST, &format!("cases/{number}/actions"))
                .json(&body),
        )
        .await;
        assert_eq!(status, 200);
    }

    let list = get(&app, &field, "/field").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains(&format!("/field/cases/{number}")));
    assert!(list.body.contains("仁愛路四段1號"));
    let path = format!("/field/cases/{number}");
    let page = get(&app, &field, &path).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r#"name="action" value="arrive""#));
    assert!(page.body.contains(r#"enctype="multipart/form-data""#));

    let arrived = post(
        &app,
        &field,
        &format!("{path}/act"),
        &[("action", "arrive")],
    )
    .await;
    assert_eq!(arrived.status, 303);
    let (_, case) = api(&app, &disp, Method::GET, &format!("cases/{number}")).await;
    assert_eq!(case["status"], "on_site");

    // Photos: none is an error beside the input; one is stored without its metadata.
    let upload = |parts: reqwest::multipart::Form| {
        with_session(pages().post(format!("{}{path}/photos", app.base)), &field).multipart(parts)
    };
    let empty = answer(upload(
        reqwest::multipart::Form::new()
            .text("_csrf", field.csrf.clone())
            .text("note", "x"),
    ))
    .await;
    assert_eq!(empty.status, 400);
    assert!(
        empty.body.contains(r##"href="#f-photos""##),
        "{}",
        empty.body
    );
    let photo = reqwest::multipart::Part::bytes(crate::media::jpeg(4, 3))
        .file_name("lamp.jpg")
        .mime_str("image/jpeg")
        .unwrap();
    let uploaded = answer(upload(
        reqwest::multipart::Form::new()
            .text("_csrf", field.csrf.clone())
            .text("note", "燈具已更換")
            .text("public", "yes")
            .part("photos", photo),
    ))
    .await;
    assert_eq!(uploaded.status, 303, "{}", uploaded.body);
    assert_eq!(
        uploaded.location.as_deref(),
        Some(format!("{path}?done=photo").as_str())
    );
    // The photo is a thumbnail that opens full size.
    let shown = follow(&app, &field, uploaded).await;
    let thumb =
        regex::Regex::new(r#"<a href="([^"]+)"><img src="([^"]+)"[^>]* loading="lazy""#).unwrap();
    let c = thumb.captures(&shown.body).expect("a thumbnail");
    assert_eq!(&c[1], &c[2]);
    assert!(c[1].contains("/media/"), "{}", &c[1]);

    let incomplete = post(
        &app,
        &field,
        &format!("{path}/act"),
        &[
            ("action", "resolve"),
            ("outcome", "not_our_responsibility"),
            ("note", "台電線路"),
        ],
    )
    .await;
    assert_eq!(incomplete.status, 400, "who is responsible must be said");
    assert!(
        incomplete
            .body
            .contains(r##"href="#f-resolve-responsible""##),
        "{}",
        incomplete.body
    );
    let resolved = post(
        &app,
        &field,
        &format!("{path}/act"),
        &[
            ("action", "resolve"),
            ("outcome", "fixed"),
            ("note", "兩盞皆已修復"),
        ],
    )
    .await;
    assert_eq!(resolved.status, 303);
    assert_eq!(resolved.location.as_deref(), Some("/field?done=resolve"));
    let (_, case) = api(&app, &disp, Method::GET, &format!("cases/{number}")).await;
    assert_eq!(
        (case["status"].as_str(), case["outcome"].as_str()),
        (Some("resolved"), Some("fixed"))
    );
    let photos: Vec<&Value> = case["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "photo")
        .collect();
    assert_eq!(photos.len(), 1);
    assert_eq!(photos[0]["note"], "燈具已更換");
    assert!(
        !get(&app, &field, "/field")
            .await
            .body
            .contains(&format!("/field/cases/{number}")),
        "done: off the list"
    );
    // A field worker may not use the dispatcher's page for the same case.
    assert_eq!(
        get(&app, &field, &format!("/work/cases/{number}"))
            .await
            .status,
        403
    );
}
