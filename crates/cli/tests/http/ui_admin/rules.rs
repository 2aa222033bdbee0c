//! The routing and triage rules on the admin pages: the advanced text view with its problems
//! beside it, the preview, the order rules are tried in, and the condition builder.

use super::*;

#[tokio::test]
async fn routing_rules_are_edited_as_text_with_the_problems_beside_it() {
    let app = TestApp::start().await;
    let admin = Staff::admin(&app).await;
    let (status, html) = admin.get("/admin/rules/routing").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("tpe-streetlight-taipower"),
        "the rules in force"
    );

    let wrong = r#"[{"id": "to-nowhere", "name": "Nowhere", "when": {"category_is": "1999-L01"}, "department": "NOPE"}]"#;
    let (status, html, _) = admin
        .post("/admin/rules/routing", &[("rules", wrong)])
        .await;
    assert_eq!(status, 400);
    let beside = error_beside(&html, "f-rules").expect("an error beside the text");
    assert!(beside.contains("NOPE"), "{beside}");
    assert!(html.contains("to-nowhere"), "the text is kept");
    let (_, rules) = admin.api(Method::GET, "rules/routing").await;
    assert_eq!(
        rules[0]["id"], "tpe-streetlight-taipower",
        "nothing changed"
    );

    let toml = "[[rules]]\nid = \"potholes-neo\"\nname = \"坑洞一律由新工處處理\"\norder = 5\n\
                department = \"PWD-NCO\"\nwhen = { category_is = \"1999-R01\" }\n";
    let (status, html, location) = admin.post("/admin/rules/routing", &[("rules", toml)]).await;
    assert_eq!(status, 303, "{html}");
    assert_eq!(location.as_deref(), Some("/admin/rules?done=saved"));
    let (_, rules) = admin.api(Method::GET, "rules/routing").await;
    assert_eq!(rules.as_array().unwrap().len(), 1);
    assert_eq!(rules[0]["department"], "PWD-NCO");
    let (_, html) = admin.get("/admin/rules").await;
    assert!(
        html.contains("category is 1999-R01"),
        "shown in words: {html}"
    );
}

#[tokio::test]
async fn a_rules_preview_shows_where_recent_cases_would_go_without_saving() {
    let app = TestApp::start().await;
    let admin = Staff::admin(&app).await;
    let first = app.file_streetlight().await;
    let second = app.file_streetlight().await;
    let lights_to_dep = r#"[{"id": "lights-dep", "name": "Lights to DEP", "when": {"category_is": "1999-L01"}, "department": "DEP"}]"#;
    let (status, html, _) = admin
        .post(
            "/admin/rules/routing",
            &[("rules", lights_to_dep), ("preview", "yes")],
        )
        .await;
    assert_eq!(status, 200, "{html}");
    let table = html
        .split(r#"<table id="t-preview">"#)
        .nth(1)
        .expect("the preview table");
    for number in [&first, &second] {
        let row = table
            .split("<tr>")
            .find(|r| r.contains(number.as_str()))
            .unwrap_or_else(|| panic!("{number} in the preview: {table}"));
        assert!(
            row.contains("Lights to DEP") && row.contains("<strong>"),
            "{row}"
        );
    }
    assert!(html.contains("lights-dep"), "the text is kept for saving");
    let (_, rules) = admin.api(Method::GET, "rules/routing").await;
    assert_eq!(rules[0]["id"], "tpe-streetlight-taipower", "nothing saved");

    // A rule that cannot be saved cannot be previewed either.
    let wrong =
        r#"[{"id": "x", "name": "X", "when": {"category_is": "1999-L01"}, "department": "NOPE"}]"#;
    let (status, html, _) = admin
        .post(
            "/admin/rules/routing",
            &[("rules", wrong), ("preview", "yes")],
        )
        .await;
    assert_eq!(status, 400);
    assert!(error_beside(&html, "f-rules").is_some_and(|e| e.contains("NOPE")));
    assert!(!html.contains("t-preview"));
}

#[tokio::test]
async fn routing_rules_move_up_and_down_in_the_order_they_are_tried() {
    let app = TestApp::start().await;
    let admin = Staff::admin(&app).await;
    let (_, rules) = admin.api(Method::GET, "rules/routing").await;
    let tried = |rules: &serde_json::Value| -> Vec<String> {
        let mut list: Vec<(i64, String)> = rules
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["order"].as_i64().unwrap_or(0),
                    r["id"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        list.sort();
        list.into_iter().map(|(_, id)| id).collect()
    };
    let before = tried(&rules);
    assert!(before.len() >= 2, "{rules}");
    let (_, html) = admin.get("/admin/rules").await;
    assert!(html.contains(r#"action="/admin/rules/routing/move""#));

    let (status, _, location) = admin
        .post(
            "/admin/rules/routing/move",
            &[("rule", before[1].as_str()), ("dir", "up")],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some("/admin/rules?done=saved#routing"));
    let (_, rules) = admin.api(Method::GET, "rules/routing").await;
    let after = tried(&rules);
    assert_eq!((&after[0], &after[1]), (&before[1], &before[0]));

    // The first rule cannot move further up; nothing changes.
    let (status, _, _) = admin
        .post(
            "/admin/rules/routing/move",
            &[("rule", after[0].as_str()), ("dir", "up")],
        )
        .await;
    assert_eq!(status, 400);
    let (_, rules) = admin.api(Method::GET, "rules/routing").await;
    assert_eq!(tried(&rules), after);
}

#[tokio::test]
async fn a_rule_is_built_from_conditions_in_a_form_with_the_problems_by_row() {
    let app = TestApp::start().await;
    let admin = Staff::admin(&app).await;

    // A rule in force opens in the form, its values in words.
    let (status, html) = admin
        .get("/admin/rules/routing/rule?id=tpe-streetlight-taipower")
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(r#"value="Street light fault or fixture damage""#),
        "the category by name: {html}"
    );
    assert!(html.contains(r#"<option value="attribute:lamps_out" selected>"#));
    assert!(html.contains(r#"<option value="at_least" selected>"#));
    assert!(html.contains(r#"name="c2-value" value="10""#));

    // A new rule: rows are added by submitting the form; nothing is stored meanwhile.
    let base = [
        ("original", ""),
        ("id", "potholes-daan"),
        ("name", "Da'an potholes to the New Construction Office"),
        ("enabled", "yes"),
        ("target", "PWD-NCO"),
        ("join", "all"),
        ("c1-field", "category"),
        ("c1-op", "in"),
        ("c1-value", "1999-R01"),
    ];
    let (status, html, _) = admin
        .post(
            "/admin/rules/routing/rule",
            &[&base[..], &[("action", "add")]].concat(),
        )
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"name="c2-field""#), "a second row");
    assert!(
        html.contains(r#"value="1999-R01""#),
        "the first row is kept"
    );

    // A comparison that does not fit, and a district that does not exist: each refused by row.
    let wrong = [
        ("c2-field", "district"),
        ("c2-op", "at_least"),
        ("c2-value", "3"),
        ("c3-field", "district"),
        ("c3-op", "in"),
        ("c3-value", "Atlantis"),
        ("action", "save"),
    ];
    let (status, html, _) = admin
        .post("/admin/rules/routing/rule", &[&base[..], &wrong].concat())
        .await;
    assert_eq!(status, 400, "{html}");
    let second = error_beside(&html, "f-c2-value").expect("an error beside row 2");
    assert!(second.contains("Condition 2"), "{second}");
    let third = error_beside(&html, "f-c3-value").expect("an error beside row 3");
    assert!(third.contains("Atlantis"), "{third}");
    assert!(error_beside(&html, "f-c1-value").is_none());

    // Previewed, then saved: the district by name, stored by code.
    let good = [
        ("c2-field", "district"),
        ("c2-op", "in"),
        ("c2-value", "大安區"),
    ];
    let (status, html, _) = admin
        .post(
            "/admin/rules/routing/rule",
            &[&base[..], &good, &[("action", "preview")]].concat(),
        )
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(r#"<table id="t-preview">"#), "{html}");
    let (_, rules) = admin.api(Method::GET, "rules/routing").await;
    assert!(
        !rules.to_string().contains("potholes-daan"),
        "a preview stores nothing"
    );
    let (status, _, location) = admin
        .post(
            "/admin/rules/routing/rule",
            &[&base[..], &good, &[("action", "save")]].concat(),
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some("/admin/rules?done=saved#routing"));
    let (_, rules) = admin.api(Method::GET, "rules/routing").await;
    let saved = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "potholes-daan")
        .expect("saved");
    assert_eq!(
        saved["when"],
        json!({"all": [{"category_is": "1999-R01"}, {"district_in": ["106"]}]})
    );
    let last = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["order"].as_i64().unwrap())
        .max();
    assert_eq!(saved["order"].as_i64(), last, "a new rule is tried last");

    // A rule with groups inside groups is left to the advanced view.
    let nested = r#"[{"id": "nested", "name": "Nested", "department": "DEP",
        "when": {"all": [{"category_is": "1999-L01"}, {"any": [{"district_in": ["106"]}, {"district_in": ["110"]}]}]}}]"#;
    let (status, _, _) = admin
        .post("/admin/rules/routing", &[("rules", nested)])
        .await;
    assert_eq!(status, 303);
    let (status, html) = admin.get("/admin/rules/routing/rule?id=nested").await;
    assert_eq!(status, 200);
    assert!(html.contains("groups inside groups") && !html.contains(r#"name="c1-field""#));

    // Deleted: gone from the list.
    let (status, _, location) = admin
        .post("/admin/rules/routing/delete", &[("rule", "nested")])
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some("/admin/rules?done=deleted#routing")
    );
    // The last rule deleted leaves no rules, not the built-in ones back.
    let (_, rules) = admin.api(Method::GET, "rules/routing").await;
    assert_eq!(rules, json!([]));
    let (status, _) = admin.get("/admin/rules/routing/rule?id=nested").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_triage_rule_needs_an_urgency_and_keeps_its_words() {
    let app = TestApp::start().await;
    let admin = Staff::admin(&app).await;
    let (status, html) = admin.get("/admin/rules/triage/rule").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(r#"name="id" value="rule-1""#),
        "a suggested code: {html}"
    );
    let form = [
        ("original", ""),
        ("id", "rule-1"),
        ("name", "Exposed wires"),
        ("enabled", "yes"),
        ("target", ""),
        ("join", "any"),
        ("c1-field", "description"),
        ("c1-op", "contains"),
        ("c1-value", "電線外露、exposed wire"),
        ("action", "save"),
    ];
    let (status, html, _) = admin.post("/admin/rules/triage/rule", &form).await;
    assert_eq!(status, 400);
    assert!(error_beside(&html, "f-target").is_some(), "{html}");
    let mut form = form.to_vec();
    form[4] = ("target", "P2");
    let (status, html, _) = admin.post("/admin/rules/triage/rule", &form).await;
    assert_eq!(status, 303, "{html}");
    let (_, rules) = admin.api(Method::GET, "rules/triage").await;
    let saved = rules
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "rule-1")
        .expect("saved");
    assert_eq!(
        saved["when"],
        json!({"description_any": ["電線外露", "exposed wire"]})
    );
    assert_eq!(saved["raise_to"], "P2");
}
