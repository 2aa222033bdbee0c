//! The 1999 agent's desk end to end over HTTP: a caller looked up by their number written any
//! way (audited, and shown to the citizen), the contact log, the 110/119 redirect on a case
//! that is still filed, and the out-call queue that case work feeds, with one agent per call.

use crate::notify::{SmtpSink, app_with, fast};
use crate::support::*;
use platform::notify::{self, NotifyConfig};
use reqwest::Method;
use sea_query::{Expr, ExprTrait, Query};
use serde_json::{Value, json};

fn code(body: &Value) -> &str {
    body["errors"][0]["code"].as_str().unwrap_or_default()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    let q = Query::select()
        .expr_as(Expr::col("jurisdiction_id").count(), "n")
        .from(sea_query::Alias::new(table))
        .to_owned();
    app.platform.db.fetch_all(&q).await.unwrap()[0]
        .get("n")
        .unwrap()
}

async fn file(app: &TestApp, agent: &Browser, body: Value) -> Value {
    let (status, filed) = send(app.as_browser(agent, Method::POST, "cases").json(&body)).await;
    assert_eq!(status, 201, "{filed}");
    filed
}

fn streetlight(phone: &str, description: &str) -> Value {
    json!({
        "service_code": "1999-L01",
        "address": "臺北市大安區復興南路一段100號",
        "description": description,
        "attributes": { "lamps_out": 2 },
        "caller_phone": phone,
    })
}

#[tokio::test]
async fn a_caller_is_found_by_any_way_of_writing_their_number() {
    let app = TestApp::start().await;
    let citizen_id = app
        .citizen("0912-345-678", "a quiet citizen's passphrase")
        .await;
    app.staff("agent.lin", &["agent"]).await;
    app.staff("admin.desk", &["jurisdiction_admin"]).await;
    let agent = app.sign_in("agent.lin", STAFF_PASSWORD).await;
    let admin = app.sign_in("admin.desk", STAFF_PASSWORD).await;

    // Two cases from the same mobile written two ways (agent intake, Open311), one from a
    // landline, and a consulting call logged from the mobile.
    let first =
        file(&app, &agent, streetlight("+886 912 345 678", "路燈不亮")).await["case_number"]
            .as_str()
            .unwrap()
            .to_string();
    let (status, body) = app
        .post_form(
            "requests.json",
            &[
                ("api_key", &app.key),
                ("service_code", "1999-L01"),
                ("lat", "25.0377"),
                ("long", "121.5436"),
                ("attribute[lamps_out]", "1"),
                ("phone", "(09)12-345678"),
                ("description", "又一盞路燈不亮"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let second = serde_json::from_str::<Value>(&body).unwrap()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let landline =
        file(&app, &agent, streetlight("(02)2720-8889", "公園路燈不亮")).await["case_number"]
            .as_str()
            .unwrap()
            .to_string();
    let (status, logged) = send(app.as_browser(&agent, Method::POST, "contacts").json(
        &json!({ "phone": "0912345678", "service_type": "consult", "summary": "詢問垃圾車時間" }),
    ))
    .await;
    assert_eq!(status, 201, "{logged}");

    // The lookup needs a reason, and a number with an area code.
    let (status, body) = send(app.as_browser(&agent, Method::GET, "callers/0912345678")).await;
    assert_eq!((status, code(&body)), (400, "error-reason-required"));
    let (status, body) = send(app.as_browser(
        &agent,
        Method::GET,
        "callers/2720-8889?reason=incoming%20call",
    ))
    .await;
    assert_eq!((status, code(&body)), (400, "error-phone-area-code"));

    let audit_before = count(&app, "audit_records").await;
    let (status, h) = send(app.as_browser(
        &agent,
        Method::GET,
        "callers/+886-912-345-678?reason=incoming%20call",
    ))
    .await;
    assert_eq!(status, 200, "{h}");
    assert_eq!(h["phone"], "+886912345678");
    assert_eq!(h["display"], "0912-345-678");
    assert_eq!(h["kind"], "mobile");
    assert_eq!(h["citizen"]["id"], citizen_id.as_str());
    let numbers: Vec<&str> = h["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["case_number"].as_str().unwrap())
        .collect();
    assert_eq!(numbers, [second.as_str(), first.as_str()], "newest first");
    assert_eq!(h["cases"][0]["status"], "assigned");
    assert_eq!(h["cases"][0]["category"], "1999-L01");
    assert!(h["cases"][0]["category_name"].is_string());
    assert!(
        h["cases"][0].get("description").is_none(),
        "numbers and states only: {h}"
    );
    assert_eq!(h["contacts"].as_array().unwrap().len(), 1);
    assert_eq!(h["contacts"][0]["summary"], "詢問垃圾車時間");
    assert_eq!(h["care_flag"], Value::Null);
    assert_eq!(count(&app, "audit_records").await, audit_before + 1);

    // The landline finds its own case and no account.
    let (status, h) = send(app.as_browser(
        &agent,
        Method::GET,
        "callers/02%202720%208889?reason=incoming%20call",
    ))
    .await;
    assert_eq!(status, 200, "{h}");
    assert_eq!(
        (h["phone"].as_str(), h["kind"].as_str()),
        (Some("0227208889"), Some("landline"))
    );
    assert_eq!(h["citizen"], Value::Null);
    assert_eq!(h["cases"][0]["case_number"], landline.as_str());
    assert_eq!(h["cases"].as_array().unwrap().len(), 1);

    // The citizen sees the read of their data, with the reason.
    let me = app
        .sign_in("0912345678", "a quiet citizen's passphrase")
        .await;
    let (status, reads) = send(app.as_browser(&me, Method::GET, "me/data-access")).await;
    assert_eq!(status, 200, "{reads}");
    let lookups: Vec<&Value> = reads
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["action"] == "citizen.lookup")
        .collect();
    assert_eq!(lookups.len(), 1, "{reads}");
    assert_eq!(lookups[0]["staff_name"], "Staff agent.lin");
    assert_eq!(lookups[0]["reason"], "incoming call");

    // The audit trail holds masked numbers only.
    let (status, trail) =
        send(app.as_browser(&admin, Method::GET, "audit?action_prefix=citizen.lookup")).await;
    assert_eq!(status, 200, "{trail}");
    let text = trail.to_string();
    assert!(
        text.contains("+886912***678") && text.contains("0227***889"),
        "{text}"
    );
    assert!(
        !text.contains("912345678") && !text.contains("27208889"),
        "{text}"
    );
}

#[tokio::test]
async fn calls_without_a_case_are_logged_and_listed() {
    let app = TestApp::start().await;
    app.staff("agent.chen", &["agent"]).await;
    let agent = app.sign_in("agent.chen", STAFF_PASSWORD).await;
    let number = file(&app, &agent, streetlight("0911-000-222", "路燈閃爍")).await["case_number"]
        .as_str()
        .unwrap()
        .to_string();
    let post = |body: Value| {
        let req = app
            .as_browser(&agent, Method::POST, "contacts")
            .header("accept-language", "en")
            .json(&body);
        async move { send(req).await }
    };

    // Refusals write nothing.
    let before = count(&app, "contacts").await;
    for (body, expected) in [
        (
            json!({ "phone": "0911000222", "service_type": "consult", "summary": "  " }),
            "error-field-required",
        ),
        (
            json!({ "phone": "0911000222", "service_type": "consult", "summary": "x".repeat(2001) }),
            "error-field-too-long",
        ),
        (
            json!({ "phone": "0911000222", "service_type": "gossip", "summary": "閒聊" }),
            "error-contact-type",
        ),
        (
            json!({ "phone": "0911000222", "service_type": "consult", "summary": "問路燈", "category_code": "NOPE" }),
            "error-service-unknown",
        ),
        (
            json!({ "phone": "0911000222", "service_type": "inform", "summary": "告知", "case_number": "2099010199999" }),
            "error-request-unknown",
        ),
        (
            json!({ "phone": "0911000222", "service_type": "dispatch", "summary": "派工" }),
            "error-contact-case-required",
        ),
        (
            json!({ "phone": "0911000222", "service_type": "consult", "summary": "問", "emergency_kind": "119" }),
            "error-contact-emergency-kind",
        ),
        (
            json!({ "phone": "12", "service_type": "consult", "summary": "問" }),
            "error-phone-format",
        ),
    ] {
        let (status, body) = post(body).await;
        assert_eq!((status, code(&body)), (400, expected), "{body}");
    }
    let (status, body) = post(json!({ "phone": "1", "service_type": "nope", "summary": "" })).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["errors"].as_array().unwrap().len(),
        3,
        "every problem at once: {body}"
    );
    assert_eq!(count(&app, "contacts").await, before);

    // A consulting call, a transfer, a dispatch call naming its case, and a 119 redirect
    // whose kind is read from the summary.
    for body in [
        json!({ "phone": "0911-000-222", "service_type": "consult", "summary": "詢問路燈報修進度", "category_code": "1999-L01" }),
        json!({ "phone": "+886911000222", "service_type": "transfer", "summary": "轉接交通局分機" }),
        json!({ "phone": "0911000222", "service_type": "dispatch", "summary": "路燈閃爍派工", "case_number": number }),
    ] {
        let (status, c) = post(body).await;
        assert_eq!(status, 201, "{c}");
        assert_eq!(c["phone"], "+886911000222");
        assert_eq!(c["emergency"], Value::Null);
    }
    let (status, c) = post(json!({ "phone": "(02)2720-8889", "service_type": "emergency", "summary": "樓下瓦斯外洩，已請撥 119" })).await;
    assert_eq!(status, 201, "{c}");
    assert_eq!(
        (
            c["emergency_kind"].as_str(),
            c["emergency"]["kind"].as_str()
        ),
        (Some("119"), Some("119"))
    );
    assert!(c["emergency"]["message"].as_str().unwrap().contains("119"));

    // Listed by number (full numbers, audited with a reason) or all (masked), newest first.
    let (status, body) =
        send(app.as_browser(&agent, Method::GET, "contacts?phone=0911000222")).await;
    assert_eq!((status, code(&body)), (400, "error-reason-required"));
    let audit_before = count(&app, "audit_records").await;
    let (status, list) = send(app.as_browser(
        &agent,
        Method::GET,
        "contacts?phone=0911-000-222&reason=caller%20asks",
    ))
    .await;
    assert_eq!(status, 200, "{list}");
    let types: Vec<&str> = list["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["service_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["dispatch", "transfer", "consult"]);
    assert_eq!(list["contacts"][0]["case_number"], number.as_str());
    assert_eq!(list["contacts"][0]["agent_name"], "Staff agent.chen");
    assert_eq!(count(&app, "audit_records").await, audit_before + 1);
    let (status, all) = send(app.as_browser(&agent, Method::GET, "contacts?limit=2")).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(all["contacts"][0]["phone"], "0227***889");
    assert_eq!(all["contacts"][1]["phone"], "+886911***222");
    let next = all["next"].as_str().expect("a next page").to_string();
    let (_, rest) =
        send(app.as_browser(&agent, Method::GET, &format!("contacts?before={next}"))).await;
    assert_eq!(rest["contacts"].as_array().unwrap().len(), 2, "{rest}");
    assert_eq!(
        count(&app, "audit_records").await,
        audit_before + 1,
        "masked lists are not reads"
    );
    // F25: what the agent wrote is masked in the list as the number is.
    let (status, _) = post(
        json!({ "phone": "0911000333", "service_type": "consult", "summary": "請回電 0911-000-333 或寄 chen@example.tw" }),
    )
    .await;
    assert_eq!(status, 201);
    let (_, newest) = send(app.as_browser(&agent, Method::GET, "contacts?limit=1")).await;
    assert_eq!(
        newest["contacts"][0]["summary"], "請回電 ＊＊＊ 或寄 ＊＊＊",
        "{newest}"
    );
}

#[tokio::test]
async fn an_emergency_is_flagged_119_and_the_case_still_filed() {
    let app = TestApp::start().await;
    app.staff("agent.huang", &["agent"]).await;
    let agent = app.sign_in("agent.huang", STAFF_PASSWORD).await;
    for (text, kind) in [
        ("瓦斯外洩", Some("119")),
        ("有人受傷流血", Some("119")),
        ("有人拿刀搶劫", Some("110")),
        ("路燈不亮", None),
        ("以免有人受傷請盡快處理", None),
    ] {
        let (status, body) = send(
            app.as_browser(&agent, Method::POST, "emergency-check")
                .json(&json!({ "description": text })),
        )
        .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["emergency"]["kind"].as_str(), kind, "{text}: {body}");
    }
    let (_, body) = send(
        app.as_browser(&agent, Method::POST, "emergency-check")
            .header("accept-language", "en")
            .json(&json!({ "description": "瓦斯外洩" })),
    )
    .await;
    assert!(
        body["emergency"]["message"]
            .as_str()
            .unwrap()
            .contains("call 119"),
        "{body}"
    );

    let before = app.case_count().await;
    let filed = file(
        &app,
        &agent,
        json!({
            "service_code": "1999-R01",
            "address": "臺北市大安區仁愛路四段1號",
            "description": "路口瓦斯外洩，有人受傷流血",
            "attributes": { "size": "small" },
            "caller_phone": "0922-333-444",
        }),
    )
    .await;
    assert_eq!(filed["emergency"]["kind"], "119", "{filed}");
    assert_eq!(
        filed["emergency"]["matched"],
        json!(["瓦斯外洩", "受傷", "流血"]),
        "{filed}"
    );
    assert!(
        filed["emergency"]["message"]
            .as_str()
            .unwrap()
            .contains("119")
    );
    assert_eq!(
        app.case_count().await,
        before + 1,
        "the case is still filed"
    );
    let (status, case) = send(app.as_browser(
        &agent,
        Method::GET,
        &format!("cases/{}", filed["case_number"].as_str().unwrap()),
    ))
    .await;
    assert_eq!(
        (status, case["urgency"].as_str()),
        (200, Some("P1")),
        "{case}"
    );
    let ordinary = file(&app, &agent, streetlight("0922333444", "路燈不亮")).await;
    assert_eq!(ordinary["emergency"], Value::Null);
}

async fn mail(app: &TestApp, sink: &SmtpSink) -> Vec<Value> {
    notify::process_due(&app.platform).await.expect("send");
    sink.messages()
}

fn survey_token(mails: &[Value], number: &str) -> String {
    let text = mails
        .iter()
        .filter_map(|m| m["text"].as_str())
        .find(|t| t.contains(number) && t.contains("/survey?token="))
        .expect("the resolution mail");
    text.split("/survey?token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

async fn act(app: &TestApp, who: &Browser, number: &str, body: Value) {
    let (status, r) = send(
        app.as_browser(who, Method::POST, &format!("cases/{number}/actions"))
            .json(&body),
    )
    .await;
    assert_eq!(status, 200, "{body} → {r}");
}

async fn resolve(app: &TestApp, who: &Browser, number: &str) {
    act(app, who, number, json!({ "action": "acknowledge" })).await;
    act(
        app,
        who,
        number,
        json!({ "action": "resolve", "outcome": "fixed", "note": "已修復" }),
    )
    .await;
}

async fn queue(app: &TestApp, who: &Browser, query: &str) -> Vec<Value> {
    let (status, body) = send(app.as_browser(who, Method::GET, &format!("outcalls{query}"))).await;
    assert_eq!(status, 200, "{body}");
    body["outcalls"].as_array().unwrap().clone()
}

#[tokio::test]
async fn case_work_fills_the_out_call_queue_and_one_agent_takes_each_call() {
    let sink = SmtpSink::start();
    let app = app_with(fast(NotifyConfig {
        smtp: Some(sink.config()),
        ..NotifyConfig::default()
    }))
    .await;
    app.staff("agent.wu", &["agent"]).await;
    app.staff("agent.lee", &["agent"]).await;
    app.staff("admin.ops", &["jurisdiction_admin"]).await;
    let wu = app.sign_in("agent.wu", STAFF_PASSWORD).await;
    let lee = app.sign_in("agent.lee", STAFF_PASSWORD).await;
    let admin = app.sign_in("admin.ops", STAFF_PASSWORD).await;

    // A street-light case resolved, rated 2 and reopened; a P1 gas case resolved.
    let mut body = streetlight("0912-000-111", "巷口路燈不亮");
    body["caller_email"] = json!("caller@example.tw");
    let filed = file(&app, &wu, body).await;
    let light = filed["case_number"].as_str().unwrap().to_string();
    let password = filed["password"].as_str().unwrap().to_string();
    let gas = file(
        &app,
        &wu,
        json!({
            "service_code": "1999-R01",
            "address": "臺北市大安區仁愛路四段1號",
            "description": "路面坑洞旁邊聞到瓦斯味",
            "attributes": { "size": "small" },
            "caller_phone": "(02) 2720-8889",
        }),
    )
    .await["case_number"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(queue(&app, &wu, "").await.is_empty());
    resolve(&app, &admin, &light).await;
    assert!(
        queue(&app, &wu, "").await.is_empty(),
        "an ordinary resolution calls no one"
    );
    let token = survey_token(&mail(&app, &sink).await, &light);
    let (status, _) = send(
        app.client
            .post(app.api_url("surveys"))
            .json(&json!({ "token": token, "score": 2, "comment": "還是很暗" })),
    )
    .await;
    assert_eq!(status, 200);
    let (status, r) =
        send(app.client.post(app.api_url("track/reopen")).json(
            &json!({ "case_number": light, "password": password, "reason": "第二天又不亮了" }),
        ))
        .await;
    assert_eq!(status, 200, "{r}");
    resolve(&app, &admin, &gas).await;

    let calls = queue(&app, &wu, "").await;
    let mut reasons: Vec<(&str, &str)> = calls
        .iter()
        .map(|c| {
            (
                c["reason"].as_str().unwrap(),
                c["case_number"].as_str().unwrap(),
            )
        })
        .collect();
    reasons.sort();
    let mut expected = vec![
        ("low_satisfaction", light.as_str()),
        ("p1_follow_up", gas.as_str()),
        ("reopened", light.as_str()),
    ];
    expected.sort();
    assert_eq!(reasons, expected, "{calls:#?}");
    let dues: Vec<&str> = calls
        .iter()
        .map(|c| c["due_at"].as_str().unwrap())
        .collect();
    assert!(
        dues.windows(2).all(|w| w[0] <= w[1]),
        "oldest due first: {dues:?}"
    );
    assert_eq!(
        calls
            .iter()
            .find(|c| c["reason"] == "low_satisfaction")
            .unwrap()["due_at"],
        calls.iter().last().unwrap()["due_at"],
        "a low score gives two working days, the others one"
    );
    assert!(calls.iter().all(|c| c["status"] == "queued"));
    let p1 = calls
        .iter()
        .find(|c| c["reason"] == "p1_follow_up")
        .unwrap();
    assert_eq!(p1["phone"], "0227***889", "the queue masks numbers");
    let low = calls
        .iter()
        .find(|c| c["reason"] == "low_satisfaction")
        .unwrap();
    assert_eq!(low["phone"], "+886912***111");
    let id = p1["id"].as_str().unwrap().to_string();

    // Two agents reach for the same call: the second is refused and told who has it.
    let (status, claimed) =
        send(app.as_browser(&wu, Method::POST, &format!("outcalls/{id}/claim"))).await;
    assert_eq!(status, 200, "{claimed}");
    assert_eq!(claimed["phone"], "0227208889", "the holder sees the number");
    assert_eq!(claimed["status"], "claimed");
    let (status, refused) = send(
        app.as_browser(&lee, Method::POST, &format!("outcalls/{id}/claim"))
            .header("accept-language", "en"),
    )
    .await;
    assert_eq!(
        (status, code(&refused)),
        (400, "error-outcall-claimed"),
        "{refused}"
    );
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("Staff agent.wu"),
        "{refused}"
    );
    let (status, refused) = send(
        app.as_browser(&lee, Method::POST, &format!("outcalls/{id}/complete"))
            .json(&json!({ "outcome": "reached" })),
    )
    .await;
    assert_eq!((status, code(&refused)), (400, "error-outcall-claimed"));
    let (status, again) =
        send(app.as_browser(&wu, Method::POST, &format!("outcalls/{id}/claim"))).await;
    assert_eq!(
        (status, again["claimed_by"].clone()),
        (200, claimed["claimed_by"].clone())
    );
    let (status, _) = send(app.as_browser(&wu, Method::POST, "outcalls/nope/claim")).await;
    assert_eq!(status, 404);
    let other = low["id"].as_str().unwrap();
    let (status, body) = send(
        app.as_browser(&lee, Method::POST, &format!("outcalls/{other}/complete"))
            .json(&json!({ "outcome": "reached" })),
    )
    .await;
    assert_eq!((status, code(&body)), (400, "error-outcall-not-claimed"));

    // The holder records how it went; it leaves the queue and is noted on the case.
    let (status, body) = send(
        app.as_browser(&wu, Method::POST, &format!("outcalls/{id}/complete"))
            .json(&json!({ "outcome": "answered" })),
    )
    .await;
    assert_eq!((status, code(&body)), (400, "error-outcall-outcome"));
    let (status, done) = send(
        app.as_browser(&wu, Method::POST, &format!("outcalls/{id}/complete"))
            .json(&json!({ "outcome": "reached", "note": "民眾表示瓦斯公司已處理完畢" })),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(
        (done["status"].as_str(), done["outcome"].as_str()),
        (Some("done"), Some("reached"))
    );
    let (status, body) = send(
        app.as_browser(&wu, Method::POST, &format!("outcalls/{id}/complete"))
            .json(&json!({ "outcome": "reached" })),
    )
    .await;
    assert_eq!((status, code(&body)), (400, "error-outcall-done"));
    let (status, body) =
        send(app.as_browser(&lee, Method::POST, &format!("outcalls/{id}/claim"))).await;
    assert_eq!((status, code(&body)), (400, "error-outcall-done"));
    assert_eq!(queue(&app, &lee, "").await.len(), 2);
    let finished = queue(&app, &lee, "?status=done").await;
    assert_eq!(finished.len(), 1);
    assert_eq!(finished[0]["note"], "民眾表示瓦斯公司已處理完畢");
    let (_, case) = send(app.as_browser(&admin, Method::GET, &format!("cases/{gas}"))).await;
    let note = case["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "outcall")
        .unwrap_or_else(|| panic!("an out-call event: {case}"));
    assert_eq!(
        (note["public"].as_bool(), note["data"]["outcome"].as_str()),
        (Some(false), Some("reached"))
    );
    let (status, body) = send(app.as_browser(&wu, Method::GET, "outcalls?status=lost")).await;
    assert_eq!((status, code(&body)), (400, "error-status-unknown"));

    // A second reopen while the first call is still queued adds no second call.
    resolve(&app, &admin, &light).await;
    let (status, _) = send(
        app.client
            .post(app.api_url("track/reopen"))
            .json(&json!({ "case_number": light, "password": password, "reason": "還是不亮" })),
    )
    .await;
    assert_eq!(status, 200);
    let reopened = queue(&app, &wu, "")
        .await
        .into_iter()
        .filter(|c| c["reason"] == "reopened")
        .count();
    assert_eq!(reopened, 1);

    // Every step is in the audit trail, and both chains are intact.
    let (_, trail) =
        send(app.as_browser(&admin, Method::GET, "audit?action_prefix=outcall.")).await;
    let actions: Vec<&str> = trail
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions.iter().filter(|a| **a == "outcall.enqueue").count(),
        3,
        "{actions:?}"
    );
    assert!(actions.contains(&"outcall.claim") && actions.contains(&"outcall.complete"));
    assert!(matches!(
        store::audit::verify_chain(&app.platform.db, TAIPEI)
            .await
            .unwrap(),
        store::chain::ChainReport::Intact { .. }
    ));
    assert!(matches!(
        cases::testkit::event_chain(&app.platform.db, TAIPEI)
            .await
            .unwrap(),
        store::chain::ChainReport::Intact { .. }
    ));
}

#[tokio::test]
async fn a_caller_flagged_as_needing_care_gets_a_caring_call_for_a_new_case() {
    let app = TestApp::start().await;
    app.staff("agent.tsai", &["agent"]).await;
    let agent = app.sign_in("agent.tsai", STAFF_PASSWORD).await;
    let (status, body) = send(
        app.as_browser(&agent, Method::PUT, "care-flags/0933-444-555")
            .json(&json!({ "note": "" })),
    )
    .await;
    assert_eq!((status, code(&body)), (400, "error-field-required"));
    let (status, flag) = send(
        app.as_browser(&agent, Method::PUT, "care-flags/0933-444-555")
            .json(&json!({ "note": "獨居長者，行動不便" })),
    )
    .await;
    assert_eq!(status, 200, "{flag}");
    assert_eq!(flag["phone"], "+886933444555");
    let (_, h) = send(app.as_browser(
        &agent,
        Method::GET,
        "callers/+886933444555?reason=incoming%20call",
    ))
    .await;
    assert_eq!(h["care_flag"]["note"], "獨居長者，行動不便", "{h}");

    let number =
        file(&app, &agent, streetlight("0933444555", "家門口路燈不亮")).await["case_number"]
            .as_str()
            .unwrap()
            .to_string();
    let calls = queue(&app, &agent, "").await;
    assert_eq!(calls.len(), 1, "{calls:?}");
    // Two agents claim at the same instant: exactly one gets it.
    app.staff("agent.kuo", &["agent"]).await;
    let other = app.sign_in("agent.kuo", STAFF_PASSWORD).await;
    let path = format!("outcalls/{}/claim", calls[0]["id"].as_str().unwrap());
    let (a, b) = tokio::join!(
        send(app.as_browser(&agent, Method::POST, &path)),
        send(app.as_browser(&other, Method::POST, &path)),
    );
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [200, 400], "{a:?} {b:?}");
    assert_eq!(
        (
            calls[0]["reason"].as_str(),
            calls[0]["case_number"].as_str()
        ),
        (Some("needs_care"), Some(number.as_str()))
    );

    let (status, _) = send(app.as_browser(&agent, Method::DELETE, "care-flags/0933444555")).await;
    assert_eq!(status, 204);
    let (status, body) =
        send(app.as_browser(&agent, Method::DELETE, "care-flags/0933444555")).await;
    assert_eq!((status, code(&body)), (404, "error-care-flag-unknown"));
    file(&app, &agent, streetlight("0933444555", "路燈又不亮")).await;
    assert_eq!(queue(&app, &agent, "").await.len(), 1, "no flag, no call");
}

#[tokio::test]
async fn field_workers_and_dispatchers_are_denied_the_desk() {
    let app = TestApp::start().await;
    app.staff("field.pks", &["field_worker:PWD-PKS"]).await;
    app.staff("disp.pks", &["dispatcher:PWD-PKS"]).await;
    let requests: [(Method, &str, Option<Value>); 8] = [
        (Method::GET, "callers/0912345678?reason=curious", None),
        (
            Method::POST,
            "contacts",
            Some(json!({ "phone": "0912345678", "service_type": "consult", "summary": "x" })),
        ),
        (Method::GET, "contacts", None),
        (
            Method::POST,
            "emergency-check",
            Some(json!({ "description": "瓦斯外洩" })),
        ),
        (Method::GET, "outcalls", None),
        (Method::POST, "outcalls/x/claim", None),
        (
            Method::PUT,
            "care-flags/0912345678",
            Some(json!({ "note": "x" })),
        ),
        (Method::DELETE, "care-flags/0912345678", None),
    ];
    for login in ["field.pks", "disp.pks"] {
        let b = app.sign_in(login, STAFF_PASSWORD).await;
        for (method, path, body) in &requests {
            let before = (
                count(&app, "audit_records").await,
                count(&app, "contacts").await,
                count(&app, "care_flags").await,
            );
            let mut req = app.as_browser(&b, method.clone(), path);
            if let Some(body) = body {
                req = req.json(body);
            }
            let (status, body) = send(req).await;
            assert_eq!(
                (status, code(&body)),
                (403, "error-forbidden"),
                "{login} {method} {path}"
            );
            let after = (
                count(&app, "audit_records").await,
                count(&app, "contacts").await,
                count(&app, "care_flags").await,
            );
            assert_eq!(before, after, "{login} {method} {path} changed something");
        }
    }
}

#[tokio::test]
async fn reporters_from_before_the_desk_are_keyed_by_the_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    let config = platform::ServiceConfig {
        public_url: "http://127.0.0.1".into(),
        media_dir: dir.path().join("media"),
        default_jurisdiction: Some(TAIPEI.into()),
        public_grid_m: domain::geo::PublicGrid::DEFAULT_CELL_M,
        notify: Default::default(),
        webhooks: Default::default(),
        jobs: Default::default(),
        filing_limits: Default::default(),
        modules: Default::default(),
        maps: Default::default(),
        // Staff sign in with a password alone unless a test asks for the second factor.
        second_factor_roles: Vec::new(),
        login_providers: Vec::new(),
        retention: Default::default(),
        breach_report_hours: 72,
        mydata: None,
        payments: Default::default(),
        pickup: Default::default(),
    };
    // The schema as it was before the desk (version 6), with reference data and cases.
    let db = store::Db::connect(&url, 4).await.unwrap();
    store::migrate::migrate_to(&db, 5).await.unwrap();
    web::Modules::open(db.clone(), config.clone())
        .await
        .unwrap()
        .cases
        .seed_reference()
        .await
        .unwrap();
    let phones = [
        Some("0912-345-678"),
        Some("+886 912 345 678"),
        Some("(02)2720-8889"),
        Some("886-2-2720-8889"),
        Some("not a number"),
        None,
    ];
    let mut tx = db.begin().await.unwrap();
    for (i, phone) in phones.iter().enumerate() {
        let id = format!("case-{i}");
        cases::testkit::insert_case(
            &mut tx,
            &cases::testkit::NewCase {
                id: id.clone(),
                jurisdiction_id: TAIPEI.into(),
                case_number: format!("2026010100{i:03}"),
                token: None,
                category_code: "1999-L01".into(),
                status: "assigned".into(),
                urgency: "P3".into(),
                department_code: None,
                channel: "phone".into(),
                description: "路燈不亮".into(),
                address: None,
                address_id: None,
                zipcode: None,
                district_code: None,
                lat: None,
                lon: None,
                attributes: "[]".into(),
                media_urls: "[]".into(),
                status_notes: None,
                password_hash: "x".into(),
                api_client_id: None,
                requested_at: 1_767_225_600 + i as i64,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        // The columns of version 5 (today's `insert_reporter` writes later ones too).
        let reporter = Query::insert()
            .into_table("case_reporters")
            .columns([
                "id",
                "jurisdiction_id",
                "case_id",
                "email",
                "phone",
                "created_at",
            ])
            .values_panic([
                format!("r-{i}").into(),
                TAIPEI.into(),
                id.clone().into(),
                "someone@example.tw".into(),
                phone.map(str::to_string).into(),
                1i64.into(),
            ])
            .to_owned();
        tx.execute(&reporter).await.unwrap();
    }
    tx.commit().await.unwrap();
    db.close().await;

    // The upgrade, as `civicdesk migrate` runs it.
    let db = store::Db::connect(&url, 4).await.unwrap();
    let report = web::Modules::migrate(&db).await.unwrap();
    assert!(
        report.applied.contains(&("core", 6, "agent_desk")),
        "{:?}",
        report.applied
    );
    let q = Query::select()
        // Aliased: a SQLite connection that prepared this before the upgrade would name the
        // new column `"phone_key"`, quotes included (see the cases store's `reporter_phones`).
        .expr_as(Expr::col("phone_key"), "phone_key")
        .from("case_reporters")
        .order_by("id", sea_query::Order::Asc)
        .to_owned();
    let keys: Vec<Option<String>> = db
        .fetch_all(&q)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("phone_key").unwrap())
        .collect();
    let expected = [
        Some("+886912345678"),
        Some("+886912345678"),
        Some("0227208889"),
        Some("0227208889"),
        None,
        None,
    ];
    assert_eq!(keys, expected.map(|k| k.map(str::to_string)));
    let services = web::Modules::open(db.clone(), config).await.unwrap();
    let operator = platform::authz::Actor::system(TAIPEI, "test");
    let h = services
        .cases
        .lookup_caller(&operator, "0912345678", "upgrade check")
        .await
        .unwrap();
    assert_eq!(h.cases.len(), 2);
    let h = services
        .cases
        .lookup_caller(&operator, "02-2720-8889", "upgrade check")
        .await
        .unwrap();
    assert_eq!(h.cases.len(), 2);
}
