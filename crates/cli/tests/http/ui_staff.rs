//! The staff pages over HTTP, as a browser without JavaScript uses them: plain GETs and form
//! posts with the session cookie and the form token. What a page does is read back through the
//! REST API, so the pages and the API are shown to be the same use cases.

use crate::support::*;
use reqwest::Method;
use sea_query::{Expr, ExprTrait, Query};
use serde_json::{Value, json};

/// A page's answer: status, body and where a redirect goes.
struct Answer {
    status: u16,
    body: String,
    location: Option<String>,
}

fn pages() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

fn with_session(req: reqwest::RequestBuilder, b: &Browser) -> reqwest::RequestBuilder {
    req.header(
        "cookie",
        format!("{}={}", web::api::SESSION_COOKIE, b.cookie),
    )
    .header("accept-language", "en")
}

async fn answer(req: reqwest::RequestBuilder) -> Answer {
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    Answer {
        status,
        body: r.text().await.expect("body"),
        location,
    }
}

async fn get(app: &TestApp, b: &Browser, path: &str) -> Answer {
    answer(with_session(pages().get(format!("{}{path}", app.base)), b)).await
}

/// Posts a form with the session's token (as every page's forms carry it).
async fn post(app: &TestApp, b: &Browser, path: &str, form: &[(&str, &str)]) -> Answer {
    let mut fields: Vec<(&str, &str)> = vec![("_csrf", b.csrf.as_str())];
    fields.extend_from_slice(form);
    answer(with_session(pages().post(format!("{}{path}", app.base)), b).form(&fields)).await
}

/// The case number shown in big type on a confirmation page.
fn shown_case_number(html: &str) -> String {
    let re = regex::Regex::new(r#"big-code">(\d{13})<"#).unwrap();
    re.captures(html)
        .unwrap_or_else(|| panic!("a case number in {html}"))[1]
        .to_string()
}

async fn api(app: &TestApp, b: &Browser, method: Method, path: &str) -> (u16, Value) {
    send(app.as_browser(b, method, path)).await
}

async fn file_streetlight_by_api(
    app: &TestApp,
    agent: &Browser,
    address: &str,
    text: &str,
) -> String {
    let (status, filed) = send(app.as_browser(agent, Method::POST, "cases").json(&json!({
        "service_code": "1999-L01",
        "address": address,
        "description": text,
        "attributes": { "lamps_out": 2 },
    })))
    .await;
    assert_eq!(status, 201, "{filed}");
    filed["case_number"].as_str().unwrap().to_string()
}

async fn set_sla(app: &TestApp, number: &str, state: &str, due: i64) {
    let stmt = Query::update()
        .table("cases")
        .value("sla_state", state)
        .value("resolution_due_at", due)
        .and_where(Expr::col("case_number").eq(number))
        .to_owned();
    app.services.db.execute(&stmt).await.unwrap();
}

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
    assert!(
        missing.body.contains("巷口路燈不亮兩盞"),
        "what was entered is kept"
    );

    // Nothing like it is open: the case is filed at once.
    let filed = post(&app, &agent, "/desk/new", &case_fields("2")).await;
    assert_eq!(filed.status, 201, "{}", filed.body);
    let number = shown_case_number(&filed.body);
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
    let attached = post(&app, &agent, "/desk/new", &attach).await;
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
        store::cases::count(&app.services.db, TAIPEI).await.unwrap(),
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
        store::cases::count(&app.services.db, TAIPEI).await.unwrap(),
        0
    );
    let mut anyway = fields.to_vec();
    anyway.push(("step", "confirm"));
    let filed = post(&app, &agent, "/desk/new", &anyway).await;
    assert_eq!(filed.status, 201);
    assert!(
        filed.body.contains("119"),
        "the redirect is repeated with the case number"
    );
    assert_eq!(
        store::cases::count(&app.services.db, TAIPEI).await.unwrap(),
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
            found.body.contains("<p>清潔隊將於約定日到府清運。</p>"),
            "paragraphs"
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
    assert!(
        result.body.contains("2 assigned, 1 not assigned."),
        "{}",
        result.body
    );
    let row = |n: &str| {
        let start = result.body.find(&format!(">{n}</a>")).unwrap();
        let end = result.body[start..].find("</tr>").unwrap() + start;
        result.body[start..end].to_string()
    };
    assert!(row(&numbers[0]).contains("tag ok") && row(&numbers[1]).contains("tag ok"));
    let failed = row(&numbers[2]);
    assert!(
        failed.contains("tag danger") && failed.contains("Sign for the case"),
        "{failed}"
    );
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

/// A tiny valid PNG (1×1).
fn png() -> Vec<u8> {
    fn chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
        let mut out = (data.len() as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(data);
        out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
        out
    }
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for b in bytes {
            crc ^= u32::from(*b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&1u32.to_be_bytes());
    ihdr.extend_from_slice(&1u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    // zlib, stored block: the filter byte and one RGB pixel.
    let raw = [0u8, 0xff, 0x00, 0x00];
    let mut idat = vec![0x78, 0x01, 0x01, 0x04, 0x00, 0xfb, 0xff];
    idat.extend_from_slice(&raw);
    let (mut a, mut b) = (1u32, 0u32);
    for x in raw {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    idat.extend_from_slice(&((b << 16) | a).to_be_bytes());
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &ihdr));
    out.extend(chunk(b"IDAT", &idat));
    out.extend(chunk(b"IEND", &[]));
    out
}

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
    let photo = reqwest::multipart::Part::bytes(png())
        .file_name("lamp.png")
        .mime_str("image/png")
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

#[tokio::test]
async fn pages_refuse_whoever_lacks_the_permission() {
    let app = TestApp::start().await;
    app.citizen("resident@example.tw", "a quiet citizen's passphrase")
        .await;
    let citizen = app
        .sign_in("resident@example.tw", "a quiet citizen's passphrase")
        .await;
    app.staff("field.lee", &["field_worker:PWD-PKS"]).await;
    app.staff("agent.lee", &["agent"]).await;
    let field = app.sign_in("field.lee", STAFF_PASSWORD).await;
    let agent = app.sign_in("agent.lee", STAFF_PASSWORD).await;
    for path in ["/work", "/work/cases/2026112400001"] {
        assert_eq!(
            get(&app, &citizen, path).await.status,
            403,
            "citizen {path}"
        );
        assert_eq!(
            get(&app, &field, path).await.status,
            403,
            "field worker {path}"
        );
    }
    for path in ["/desk", "/desk/answers", "/desk/outcalls", "/admin/answers"] {
        assert_eq!(
            get(&app, &field, path).await.status,
            403,
            "field worker {path}"
        );
        assert_eq!(
            get(&app, &citizen, path).await.status,
            403,
            "citizen {path}"
        );
    }
    assert_eq!(get(&app, &agent, "/admin/answers").await.status, 403);
    assert_eq!(get(&app, &agent, "/field").await.status, 403);
    let anonymous = answer(pages().get(format!("{}/work?sla=breached", app.base))).await;
    assert_eq!(anonymous.status, 303);
    assert_eq!(
        anonymous.location.as_deref(),
        Some("/sign-in?back=/work%3Fsla%3Dbreached")
    );
}

#[tokio::test]
async fn a_post_without_the_form_token_is_refused() {
    let app = TestApp::start().await;
    app.staff("agent.kuo", &["agent"]).await;
    let agent = app.sign_in("agent.kuo", STAFF_PASSWORD).await;
    let form = [
        ("phone", "0912345678"),
        ("service_type", "consult"),
        ("summary", "詢問"),
    ];
    let r = answer(
        with_session(pages().post(format!("{}/desk/contacts", app.base)), &agent).form(&form),
    )
    .await;
    assert_eq!(r.status, 403);
    let mut wrong = vec![("_csrf", "0".repeat(64))];
    wrong.extend(form.iter().map(|(k, v)| (*k, v.to_string())));
    let r = answer(
        with_session(pages().post(format!("{}/desk/contacts", app.base)), &agent).form(&wrong),
    )
    .await;
    assert_eq!(r.status, 403);
    let (_, list) = api(&app, &agent, Method::GET, "contacts").await;
    assert_eq!(
        list["contacts"].as_array().unwrap().len(),
        0,
        "nothing was logged"
    );
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
    assert_eq!(filed.status, 201, "{}", filed.body);

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
async fn staff_enrol_the_second_factor_in_the_browser() {
    let app = TestApp::start().await;
    app.staff("admin.fang", &["jurisdiction_admin"]).await;
    app.staff("agent.fang", &["agent"]).await;
    let admin = app.sign_in("admin.fang", STAFF_PASSWORD).await;
    let (status, _) = send(
        app.as_browser(&admin, Method::PUT, "security/second-factor-roles/agent")
            .json(&json!({ "required": true })),
    )
    .await;
    assert_eq!(status, 200);
    let (_, _, half) = app.try_sign_in("agent.fang", STAFF_PASSWORD).await;
    let half = half.unwrap();
    // Half signed in: the pages send the agent to enrol first.
    let desk = get(&app, &half, "/desk").await;
    assert_eq!(
        (desk.status, desk.location.as_deref()),
        (303, Some("/account/second-factor"))
    );
    let intro = get(&app, &half, "/account/second-factor").await;
    assert_eq!(intro.status, 200);
    let shown = post(&app, &half, "/account/second-factor/begin", &[]).await;
    assert_eq!(shown.status, 200);
    let grouped = regex::Regex::new(r#"big-code" lang="en">([A-Z2-7 ]+)<"#)
        .unwrap()
        .captures(&shown.body)
        .unwrap()[1]
        .to_string();
    assert!(grouped.split(' ').all(|g| g.len() <= 4), "{grouped}");
    assert!(shown.body.contains("otpauth://totp/"));
    let secret: String = grouped.split_whitespace().collect();
    let wrong = post(
        &app,
        &half,
        "/account/second-factor/confirm",
        &[("code", "000000"), ("secret", &secret)],
    )
    .await;
    assert_eq!(wrong.status, 400);
    assert!(wrong.body.contains(r##"href="#f-code""##));
    let totp = domain::totp::TotpSecret::from_base32(&secret).unwrap();
    let code = domain::totp::code_at(&totp, store::now_unix());
    let r = with_session(
        pages().post(format!("{}/account/second-factor/confirm", app.base)),
        &half,
    )
    .form(&[("_csrf", half.csrf.as_str()), ("code", code.as_str())])
    .send()
    .await
    .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let renewed = session_cookie(&r).expect("a renewed session");
    let body = r.text().await.unwrap();
    assert_eq!(
        body.matches("<li><code>").count(),
        10,
        "ten recovery codes, once"
    );
    assert!(body.contains(r#"href="/start""#));
    let full = Browser {
        cookie: renewed,
        csrf: String::new(),
    };
    assert_eq!(get(&app, &full, "/desk").await.status, 200);
}
