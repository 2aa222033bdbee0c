//! The agent's console, new cases, the contact log, the knowledge base and out-calls.

use super::*;
use crate::support::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn an_agent_looks_up_a_caller_and_files_a_case_through_the_pages() {
    let app = TestApp::start().await;
    app.staff("agent.lin", &["agent"]).await;
    let agent = app.sign_in("agent.lin", STAFF_PASSWORD).await;

    let console = get(&app, &agent, "/desk").await;
    assert_eq!(console.status, 200, "{}", console.body);
    assert!(console.body.contains(r#"action="/desk/caller""#));

    // Who is calling: the number in any form; the history is empty so far.
    let caller = post(
        &app,
        &agent,
        "/desk/caller",
        &[("phone", "0912 345 678"), ("reason", "Caller on the line")],
    )
    .await;
    assert_eq!(caller.status, 200, "{}", caller.body);
    assert!(
        caller.body.contains("Caller 0912-345-678"),
        "{}",
        caller.body
    );
    assert!(caller.body.contains("No cases from this number."));
    // A lookup without a reason is refused beside the field.
    let refused = post(
        &app,
        &agent,
        "/desk/caller",
        &[("phone", "0912345678"), ("reason", "")],
    )
    .await;
    assert_eq!(refused.status, 400);
    assert!(
        refused.body.contains(r##"href="#f-reason""##),
        "{}",
        refused.body
    );
    assert_tied(&refused.body, "f-reason");

    // "New case for this caller": the category chooser keeps the number.
    let chooser = post(&app, &agent, "/desk/new", &[("phone", "+886912345678")]).await;
    assert_eq!(chooser.status, 200);
    assert!(chooser.body.contains(r#"value="+886912345678""#));
    let form = post(
        &app,
        &agent,
        "/desk/new",
        &[
            ("phone", "+886912345678"),
            ("step", "choose"),
            ("category", "1999-L01"),
        ],
    )
    .await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains(r#"name="attr-lamps_out""#));

    // A required question left out: the form comes back with the error beside it.
    let case_fields = |lamps: &'static str| {
        vec![
            ("phone", "0912-345-678"),
            ("name", "林先生"),
            ("category", "1999-L01"),
            ("attr-lamps_out", lamps),
            ("district", "106"),
            ("address", "復興南路一段100號"),
            ("description", "巷口路燈不亮兩盞"),
            ("step", "file"),
        ]
    };
    let missing = post(&app, &agent, "/desk/new", &case_fields("")).await;
    assert_eq!(missing.status, 400, "{}", missing.body);
    assert!(missing.body.contains(r##"href="#f-attr-lamps_out""##));
    assert_tied(&missing.body, "f-attr-lamps_out");
    assert!(
        missing.body.contains("巷口路燈不亮兩盞"),
        "what was entered is kept"
    );

    // Nothing like it is open: the case is filed at once.
    let posted = post(&app, &agent, "/desk/new", &case_fields("2")).await;
    let to = posted.location.clone().unwrap_or_default();
    assert!(to.starts_with("/desk/filed?s="), "{to}");
    let filed = follow(&app, &agent, posted).await;
    assert_eq!(filed.status, 200, "{}", filed.body);
    let number = shown_case_number(&filed.body);
    // A reload shows the same confirmation; nothing more is filed.
    let reloaded = get(&app, &agent, &to).await;
    assert_eq!(shown_case_number(&reloaded.body), number);
    let (status, case) = api(&app, &agent, Method::GET, &format!("cases/{number}")).await;
    assert_eq!(status, 200);
    assert_eq!(case["category"], "1999-L01");
    assert_eq!(case["department"], "PWD-PKS");
    assert_eq!(case["district"], "106");
    assert!(
        case["address"]
            .as_str()
            .unwrap()
            .contains("大安區復興南路一段100號")
    );

    // A second caller reports the same lamp: the check shows the open case, and the agent adds
    // the caller to it instead of filing a duplicate.
    let second = [
        ("phone", "(02) 2720-8889"),
        ("category", "1999-L01"),
        ("attr-lamps_out", "2"),
        ("district", "106"),
        ("address", "復興南路一段100號"),
        ("description", "路燈還是不亮"),
        ("step", "file"),
    ];
    let review = post(&app, &agent, "/desk/new", &second).await;
    assert_eq!(review.status, 200, "{}", review.body);
    assert!(
        review
            .body
            .contains(&format!(r#"name="attach" value="{number}""#)),
        "{}",
        review.body
    );
    assert!(
        review.body.contains(r#"name="step" value="confirm""#),
        "file anyway is offered"
    );
    let mut attach: Vec<(&str, &str)> = second
        .iter()
        .filter(|(k, _)| *k != "step")
        .copied()
        .collect();
    attach.push(("attach", number.as_str()));
    let attached = follow(&app, &agent, post(&app, &agent, "/desk/new", &attach).await).await;
    assert_eq!(attached.status, 200, "{}", attached.body);
    assert!(attached.body.contains(&number));
    let (_, case) = api(&app, &agent, Method::GET, &format!("cases/{number}")).await;
    let kinds: Vec<&str> = case["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"caller_added"), "{kinds:?}");
    assert_eq!(
        cases::testkit::case_count(&app.platform.db, TAIPEI)
            .await
            .unwrap(),
        1,
        "no duplicate was filed"
    );

    // The caller's history now shows the case.
    let caller = post(
        &app,
        &agent,
        "/desk/caller",
        &[("phone", "0227208889"), ("reason", "Caller on the line")],
    )
    .await;
    assert!(caller.body.contains(&number), "{}", caller.body);
}

#[tokio::test]
async fn an_emergency_is_shown_before_filing_and_the_case_can_still_be_filed() {
    let app = TestApp::start().await;
    app.staff("agent.chen", &["agent"]).await;
    let agent = app.sign_in("agent.chen", STAFF_PASSWORD).await;
    let fields = [
        ("phone", "0912345678"),
        ("category", "1999-L01"),
        ("attr-lamps_out", "1"),
        ("address", "臺北市大安區仁愛路四段1號"),
        ("description", "路燈桿倒下壓到人，有人受傷流血"),
    ];
    let mut first = fields.to_vec();
    first.push(("step", "file"));
    let review = post(&app, &agent, "/desk/new", &first).await;
    assert_eq!(review.status, 200);
    assert!(
        review
            .body
            .contains(r#"class="notice danger emergency" role="alert""#),
        "{}",
        review.body
    );
    assert!(review.body.contains("119"));
    assert_eq!(
        cases::testkit::case_count(&app.platform.db, TAIPEI)
            .await
            .unwrap(),
        0
    );
    let mut anyway = fields.to_vec();
    anyway.push(("step", "confirm"));
    let filed = follow(&app, &agent, post(&app, &agent, "/desk/new", &anyway).await).await;
    assert_eq!(filed.status, 200);
    assert!(
        filed.body.contains("119"),
        "the redirect is repeated with the case number"
    );
    assert_eq!(
        cases::testkit::case_count(&app.platform.db, TAIPEI)
            .await
            .unwrap(),
        1
    );

    // The console's own check.
    let check = post(
        &app,
        &agent,
        "/desk/emergency",
        &[("description", "聞到瓦斯味")],
    )
    .await;
    assert_eq!(check.status, 200);
    assert!(check.body.contains("role=\"alert\""));
}

#[tokio::test]
async fn a_call_that_creates_no_case_is_logged() {
    let app = TestApp::start().await;
    app.staff("agent.wang", &["agent"]).await;
    let agent = app.sign_in("agent.wang", STAFF_PASSWORD).await;
    let missing = post(
        &app,
        &agent,
        "/desk/contacts",
        &[
            ("phone", "0912345678"),
            ("service_type", "consult"),
            ("summary", ""),
        ],
    )
    .await;
    assert_eq!(missing.status, 400);
    assert!(
        missing.body.contains(r##"href="#f-c-summary""##),
        "{}",
        missing.body
    );
    assert_tied(&missing.body, "f-c-summary");
    let logged = post(
        &app,
        &agent,
        "/desk/contacts",
        &[
            ("phone", "0912-345-678"),
            ("service_type", "consult"),
            ("category_code", "1999-W01"),
            ("summary", "詢問大型廢棄物清運時間"),
        ],
    )
    .await;
    assert_eq!(logged.status, 201, "{}", logged.body);
    assert!(logged.body.contains("The call is logged."));
    assert!(
        logged.body.contains("詢問大型廢棄物清運時間"),
        "listed among recent calls"
    );
    let (status, list) = api(
        &app,
        &agent,
        Method::GET,
        "contacts?phone=0912345678&reason=test%20check",
    )
    .await;
    assert_eq!(status, 200);
    let contacts = list["contacts"].as_array().unwrap();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0]["service_type"], "consult");
    assert_eq!(contacts[0]["category"], "1999-W01");
}

#[tokio::test]
async fn the_knowledge_base_is_kept_by_admins_and_searched_by_agents() {
    let app = TestApp::start().await;
    app.staff("admin.ho", &["jurisdiction_admin"]).await;
    app.staff("agent.ho", &["agent"]).await;
    let admin = app.sign_in("admin.ho", STAFF_PASSWORD).await;
    let agent = app.sign_in("agent.ho", STAFF_PASSWORD).await;

    let empty = post(
        &app,
        &admin,
        "/admin/answers",
        &[("question", ""), ("answer", "")],
    )
    .await;
    assert_eq!(empty.status, 400);
    assert!(
        empty.body.contains(r##"href="#f-question""##)
            && empty.body.contains(r##"href="#f-answer""##)
    );
    let created = post(
        &app,
        &admin,
        "/admin/answers",
        &[
            ("question", "臺北市大型廢棄物怎麼清運？"),
            (
                "answer",
                "請於前一日撥打1999預約。\n清潔隊將於約定日到府清運。",
            ),
            ("keywords", "床墊 沙發 廢棄家具"),
            ("category_code", "1999-W01"),
        ],
    )
    .await;
    assert_eq!(created.status, 303, "{}", created.body);
    assert_eq!(
        created.location.as_deref(),
        Some("/admin/answers?done=answer-created")
    );
    let list = get(&app, &admin, "/admin/answers?done=answer-created").await;
    assert!(list.body.contains("The answer is added."));
    assert!(list.body.contains("臺北市大型廢棄物怎麼清運？"));

    // 台 finds 臺, keywords count, every word must match.
    for q in [
        "台北%20床墊",
        "%EF%BC%91%EF%BC%99%EF%BC%99%EF%BC%99",
        "沙發",
    ] {
        let found = get(&app, &agent, &format!("/desk/answers?q={q}")).await;
        assert_eq!(found.status, 200);
        assert!(
            found.body.contains("臺北市大型廢棄物怎麼清運？"),
            "{q}: {}",
            found.body
        );
        assert!(
            found
                .body
                .contains(r#"<p lang="zh-Hant-TW">清潔隊將於約定日到府清運。</p>"#),
            "paragraphs, marked as Chinese on the English page"
        );
    }
    let none = get(
        &app,
        &agent,
        "/desk/answers?q=%E5%81%9C%E8%BB%8A%20%E6%B2%99%E7%99%BC",
    )
    .await;
    assert!(!none.body.contains("<article"), "{}", none.body);

    // The same answers over the API; agents may not edit them, on a page or over the API.
    let (status, found) = api(&app, &agent, Method::GET, "knowledge?q=%E5%BA%8A%E5%A2%8A").await;
    assert_eq!(status, 200);
    let id = found[0]["id"].as_str().unwrap().to_string();
    assert_eq!(found[0]["category_code"], "1999-W01");
    assert_eq!(
        post(
            &app,
            &agent,
            "/admin/answers",
            &[("question", "x"), ("answer", "y")]
        )
        .await
        .status,
        403
    );
    let (status, _) = send(
        app.as_browser(&agent, Method::PUT, &format!("knowledge/{id}"))
            .json(&json!({ "question": "x", "answer": "y" })),
    )
    .await;
    assert_eq!(status, 403);

    // Edit, then delete (with a confirmation page).
    let edit = get(&app, &admin, &format!("/admin/answers/{id}")).await;
    assert_eq!(edit.status, 200);
    assert!(edit.body.contains("床墊 沙發 廢棄家具"));
    let saved = post(
        &app,
        &admin,
        &format!("/admin/answers/{id}"),
        &[
            ("question", "大型廢棄物清運"),
            ("answer", "撥打1999預約。"),
            ("keywords", "床墊"),
        ],
    )
    .await;
    assert_eq!(saved.status, 303);
    let (_, one) = api(&app, &agent, Method::GET, &format!("knowledge/{id}")).await;
    assert_eq!(
        (one["question"].as_str(), one["category_code"].as_str()),
        (Some("大型廢棄物清運"), None)
    );
    assert_eq!(
        get(&app, &admin, &format!("/admin/answers/{id}/delete"))
            .await
            .status,
        200
    );
    let deleted = post(&app, &admin, &format!("/admin/answers/{id}/delete"), &[]).await;
    assert_eq!(deleted.status, 303);
    let (status, _) = api(&app, &agent, Method::GET, &format!("knowledge/{id}")).await;
    assert_eq!(status, 404);
    let (_, audit) = api(&app, &admin, Method::GET, "audit").await;
    let actions: Vec<&str> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["action"].as_str())
        .filter(|a| a.starts_with("knowledge."))
        .collect();
    assert_eq!(actions.len(), 3, "{actions:?}");

    // The REST API creates and replaces too.
    let (status, made) = send(app.as_browser(&admin, Method::POST, "knowledge").json(
        &json!({ "question": "停車證怎麼申請？", "answer": "向停管處申請。", "keywords": "停車" }),
    ))
    .await;
    assert_eq!(status, 201, "{made}");
    let (status, _) = send(
        app.as_browser(
            &admin,
            Method::PUT,
            &format!("knowledge/{}", made["id"].as_str().unwrap()),
        )
        .json(
            &json!({ "question": "停車證", "answer": "向停管處申請。", "category_code": "NOPE" }),
        ),
    )
    .await;
    assert_eq!(status, 400, "an unknown category");
}

#[tokio::test]
async fn out_calls_are_claimed_and_completed_on_the_page() {
    let app = TestApp::start().await;
    app.staff("agent.hsu", &["agent"]).await;
    app.staff("agent.lai", &["agent"]).await;
    let agent = app.sign_in("agent.hsu", STAFF_PASSWORD).await;
    let other = app.sign_in("agent.lai", STAFF_PASSWORD).await;
    // A flagged caller's new case queues a caring call.
    let flagged = post(
        &app,
        &agent,
        "/desk/care-flag",
        &[
            ("phone", "0912345678"),
            ("reason", "Caller on the line"),
            ("action", "set"),
            ("note", "獨居長者"),
        ],
    )
    .await;
    assert_eq!(flagged.status, 200, "{}", flagged.body);
    assert!(flagged.body.contains("獨居長者"));
    let filed = post(
        &app,
        &agent,
        "/desk/new",
        &[
            ("phone", "0912345678"),
            ("category", "1999-L01"),
            ("attr-lamps_out", "1"),
            ("address", "臺北市大安區仁愛路四段1號"),
            ("step", "file"),
        ],
    )
    .await;
    assert_eq!(filed.status, 303, "{}", filed.body);

    let queue = get(&app, &agent, "/desk/outcalls").await;
    assert_eq!(queue.status, 200);
    assert!(
        queue.body.contains("+886912***678"),
        "masked in the list: {}",
        queue.body
    );
    let id = regex::Regex::new(r#"/desk/outcalls/([0-9a-f-]{36})/claim"#)
        .unwrap()
        .captures(&queue.body)
        .unwrap()[1]
        .to_string();
    let claimed = post(&app, &agent, &format!("/desk/outcalls/{id}/claim"), &[]).await;
    assert_eq!(claimed.status, 200);
    assert!(
        claimed.body.contains("tel:+886912345678"),
        "the holder sees the number"
    );
    let taken = post(&app, &other, &format!("/desk/outcalls/{id}/claim"), &[]).await;
    assert_eq!(taken.status, 409, "held by another agent");
    let no_outcome = post(
        &app,
        &agent,
        &format!("/desk/outcalls/{id}/complete"),
        &[("outcome", "")],
    )
    .await;
    assert_eq!(no_outcome.status, 400);
    assert!(no_outcome.body.contains(r##"href="#f-outcome""##));
    assert_tied(&no_outcome.body, "f-outcome");
    let done = post(
        &app,
        &agent,
        &format!("/desk/outcalls/{id}/complete"),
        &[("outcome", "reached"), ("note", "已關心近況")],
    )
    .await;
    assert_eq!(done.status, 303);
    let (_, list) = api(&app, &agent, Method::GET, "outcalls?status=done").await;
    assert_eq!(list["outcalls"][0]["outcome"], "reached");
}

#[tokio::test]
async fn a_case_form_sent_twice_files_one_case() {
    let app = TestApp::start().await;
    app.staff("agent.wu", &["agent"]).await;
    let agent = app.sign_in("agent.wu", STAFF_PASSWORD).await;
    let form = get(&app, &agent, "/desk/new?category=1999-L01").await;
    let key = form
        .body
        .split(r#"name="submission" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("a submission key in {}", form.body))
        .to_string();
    let fields = [
        ("phone", "0912345678"),
        ("category", "1999-L01"),
        ("attr-lamps_out", "1"),
        ("district", "106"),
        ("address", "復興南路一段200號"),
        ("description", "路燈不亮"),
        ("step", "confirm"),
        ("submission", key.as_str()),
    ];
    let first = post(&app, &agent, "/desk/new", &fields).await;
    let second = post(&app, &agent, "/desk/new", &fields).await;
    assert_eq!((first.status, second.status), (303, 303));
    assert_eq!(first.location, second.location, "the same confirmation");
    assert_eq!(
        cases::testkit::case_count(&app.platform.db, TAIPEI)
            .await
            .unwrap(),
        1,
        "one case"
    );
    // Another form (another key) files another case.
    let mut other = fields.to_vec();
    other.retain(|(k, _)| *k != "submission");
    assert_eq!(post(&app, &agent, "/desk/new", &other).await.status, 303);
    assert_eq!(
        cases::testkit::case_count(&app.platform.db, TAIPEI)
            .await
            .unwrap(),
        2
    );
}
