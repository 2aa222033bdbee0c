//! What the citizen said reaches the crew: the category's answers in words, photos as
//! thumbnails, the place on a map with its village, and — only when asked for, and audited —
//! how to reach the reporter, with a tap-to-call link.

use super::*;

async fn report(app: &TestApp) -> String {
    let (status, filed) = send(app.client.post(app.api_url("reports")).json(&json!({
        "service_code": "1999-L01",
        "lat": 25.0174, "long": 121.5405,
        "address": "臺北市大安區羅斯福路四段1號",
        "description": "校門口對面兩盞路燈不亮",
        "attributes": { "pole_number": "0505364", "lamps_out": 2, "fault": ["dark", "flicker"] },
        "name": "王小明", "phone": "0912-345-678",
        "consent": true,
    })))
    .await;
    assert_eq!(status, 201, "{filed}");
    filed["case_number"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn the_dispatcher_and_the_crew_read_the_answers_see_the_map_and_may_call_the_reporter() {
    let app = TestApp::start().await;
    app.staff("disp.pks", &["dispatcher:PWD-PKS"]).await;
    let field_id = app.staff("field.pks", &["field_worker:PWD-PKS"]).await;
    app.staff("disp.dep", &["dispatcher:DEP"]).await;
    app.staff("admin.said", &["jurisdiction_admin"]).await;
    let disp = app.sign_in("disp.pks", STAFF_PASSWORD).await;
    let field = app.sign_in("field.pks", STAFF_PASSWORD).await;
    let other = app.sign_in("disp.dep", STAFF_PASSWORD).await;
    let admin = app.sign_in("admin.said", STAFF_PASSWORD).await;
    let number = report(&app).await;
    let path = format!("/work/cases/{number}");

    let page = get(&app, &disp, &path).await;
    assert_eq!(page.status, 200);
    // The answers under the category's own questions, list values by name.
    for words in [
        "Pole number",
        "0505364",
        "Number of lamps out",
        "Not lit, Flickering",
        "校門口對面兩盞路燈不亮",
    ] {
        assert!(page.body.contains(words), "{words} in {}", page.body);
    }
    assert!(!page.body.contains("lamps_out") && !page.body.contains(">flicker<"));
    // The place on a map, with the district and village its point lies in.
    assert!(page.body.contains(r#"class="map-svg""#), "{}", page.body);
    assert!(page.body.contains("大安區 學府里"));
    assert!(page.body.contains(r#"href="geo:25.017400,121.540500""#));
    // The queue shows its cases on a map too, each pin a link to its case.
    let queue = get(&app, &disp, "/work").await;
    assert!(
        queue.body.contains(r#"class="queue-map""#),
        "{}",
        queue.body
    );
    assert!(
        queue
            .body
            .contains(&format!(r#"<a href="/work/cases/{number}"><title>"#))
    );
    // The reporter's contact is offered, not shown, until asked for.
    assert!(page.body.contains(r#"id="show-reporters""#));
    assert!(!page.body.contains("王小明") && !page.body.contains("0912-345-678"));
    assert!(!page.body.contains("tel:"));
    let shown = get(&app, &disp, &format!("{path}?reporters=show")).await;
    assert!(shown.body.contains("王小明"), "{}", shown.body);
    assert!(shown.body.contains(r#"href="tel:0912345678""#));

    // The field worker, once assigned, sees the same and taps to call.
    let (status, _) = send(
        app.as_browser(&disp, Method::POST, &format!("cases/{number}/actions"))
            .json(&json!({ "action": "acknowledge" })),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = send(
        app.as_browser(&disp, Method::POST, &format!("cases/{number}/actions"))
            .json(&json!({ "action": "assign_worker", "assignee_id": field_id })),
    )
    .await;
    assert_eq!(status, 200);
    let fpath = format!("/field/cases/{number}");
    let page = get(&app, &field, &fpath).await;
    assert!(page.body.contains("0505364") && page.body.contains(r#"class="map-svg""#));
    assert!(!page.body.contains("tel:"));
    let shown = get(&app, &field, &format!("{fpath}?reporters=show")).await;
    assert!(
        shown.body.contains(r#"href="tel:0912345678""#),
        "{}",
        shown.body
    );
    // A new photo of the crew is not public unless they say so.
    assert!(!page.body.contains(r#"name="public" value="yes" checked"#));

    // Another department learns nothing, not even that the case exists.
    assert_eq!(
        get(&app, &other, &format!("{path}?reporters=show"))
            .await
            .status,
        404
    );

    // Each read is in the audit trail; merely opening the case is not.
    let (status, trail) = send(app.as_browser(
        &admin,
        Method::GET,
        "audit?action_prefix=case.reporters.read",
    ))
    .await;
    assert_eq!(status, 200, "{trail}");
    let reads = trail
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "case.reporters.read")
        .count();
    assert_eq!(reads, 2, "{trail}");
    // (Not just "0912": hashes and ids are hex and may hold it by chance.)
    let text = trail.to_string();
    for detail in ["0912-345-678", "0912345678", "王小明"] {
        assert!(
            !text.contains(detail),
            "no contact details in the trail: {detail}"
        );
    }
}

#[tokio::test]
async fn a_report_with_only_coordinates_gets_its_district_from_the_boundaries() {
    let app = TestApp::start().await;
    app.staff("admin.place", &["jurisdiction_admin"]).await;
    let admin = app.sign_in("admin.place", STAFF_PASSWORD).await;
    // An Open311 client's report at the corner of Fuxing South Road and Ren'ai Road, Da'an.
    let number = app.file_streetlight().await;
    let (status, case) = api(&app, &admin, Method::GET, &format!("cases/{number}")).await;
    assert_eq!(status, 200, "{case}");
    assert_eq!(case["district"], "106", "{case}");
    assert!(case["address"].is_null(), "no address was given: {case}");
}
