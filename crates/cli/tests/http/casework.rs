//! Case work end to end over HTTP: an agent files a call, rules route and triage it, the
//! department signs for it and sends a field worker, the citizen follows it with the case
//! number and password, rates the work, reopens it, the case is reassigned (改分) and closed.
//! At each step: the state, the SLA due dates, the mail the citizen receives (a real SMTP
//! server), the audit trail and the Open311 view.

use crate::notify::{SmtpSink, app_with, fast};
use crate::support::*;
use platform::notify::{self, NotifyConfig};
use reqwest::Method;
use serde_json::{Value, json};

struct Team {
    agent: Browser,
    dispatcher: Browser,
    field: Browser,
    field_id: String,
    other_dispatcher: Browser,
    admin: Browser,
}

async fn team(app: &TestApp) -> Team {
    app.staff("agent.wu", &["agent"]).await;
    app.staff("disp.pks", &["dispatcher:PWD-PKS"]).await;
    let field_id = app.staff("field.pks", &["field_worker:PWD-PKS"]).await;
    app.staff("disp.dep", &["dispatcher:DEP"]).await;
    app.staff("admin.case", &["jurisdiction_admin"]).await;
    Team {
        agent: app.sign_in("agent.wu", STAFF_PASSWORD).await,
        dispatcher: app.sign_in("disp.pks", STAFF_PASSWORD).await,
        field: app.sign_in("field.pks", STAFF_PASSWORD).await,
        field_id,
        other_dispatcher: app.sign_in("disp.dep", STAFF_PASSWORD).await,
        admin: app.sign_in("admin.case", STAFF_PASSWORD).await,
    }
}

async fn act(app: &TestApp, who: &Browser, number: &str, body: Value) -> (u16, Value) {
    send(
        app.as_browser(who, Method::POST, &format!("cases/{number}/actions"))
            .json(&body),
    )
    .await
}

async fn mail_after(app: &TestApp, sink: &SmtpSink, count: usize) -> Vec<Value> {
    notify::process_due(&app.platform).await.expect("send");
    let mail = sink.messages();
    assert_eq!(mail.len(), count, "{mail:#?}");
    mail
}

fn due(v: &Value, clock: &str) -> i64 {
    let text = v["sla"][clock]
        .as_str()
        .unwrap_or_else(|| panic!("{clock} due in {v}"));
    domain::datetime::parse(text).expect("a date-time")
}

#[tokio::test]
async fn a_call_is_worked_to_the_end() {
    let sink = SmtpSink::start();
    let notify_config = fast(NotifyConfig {
        smtp: Some(sink.config()),
        ..NotifyConfig::default()
    });
    let app = TestApp::start_with(move |c| {
        c.notify = notify_config;
        c.webhooks = crate::webhooks::fast(platform::webhooks::WebhookConfig::default());
        c.jobs = crate::notify::fast_jobs();
    })
    .await;
    let t = team(&app).await;
    // The street-light office's back-office system listens to its cases.
    let receiver = crate::webhooks::Receiver::start().await;
    crate::webhooks::subscribe(
        &app,
        &receiver,
        "pks",
        &[
            "case.created",
            "case.acknowledged",
            "case.assigned",
            "case.updated",
            "case.resolved",
            "case.reopened",
            "case.reassigned",
            "case.closed",
        ],
        Some("PWD-PKS"),
    )
    .await;

    // 0. The calendar: the next working day is a declared holiday, and the one after it a
    // typhoon day (停止上班). Due dates must step over both.
    let offset = 8 * 3600;
    let weekday = |d: i64| (d + 4).rem_euclid(7); // 0 = Sunday
    let next_weekday = |mut d: i64| {
        d += 1;
        while matches!(weekday(d), 0 | 6) {
            d += 1;
        }
        d
    };
    let today = (store::now_unix() + offset) / 86_400;
    let holiday = next_weekday(today);
    let typhoon = next_weekday(holiday);
    let date = |d: i64| time::Date::from_julian_day((d + 2_440_588) as i32).unwrap();
    let (status, body) = send(
        app.as_browser(&t.admin, Method::POST, "calendar")
            .json(&json!({
                "kind": "holiday", "day": date(holiday).to_string(), "name": "臨時放假"
            })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (status, body) = send(
        app.as_browser(&t.admin, Method::POST, "calendar")
            .json(&json!({
                "kind": "closure",
                "starts_at": domain::datetime::format_unix(typhoon * 86_400 - offset),
                "ends_at": domain::datetime::format_unix((typhoon + 1) * 86_400 - offset),
                "name": "颱風停止上班",
            })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let mut calendar = domain::calendar::BusinessCalendar::taiwan().unwrap();
    calendar.remove_entry(date(holiday));
    calendar
        .add_entry(
            domain::calendar::CalendarEntry::parse(
                &date(holiday).to_string(),
                "holiday",
                domain::Localized::new("臨時放假", "holiday"),
            )
            .unwrap(),
        )
        .unwrap();
    calendar
        .close_day(date(typhoon), domain::Localized::new("颱風", "typhoon"))
        .unwrap();
    let policy = cases::domain::sla::SlaPolicy::for_urgency(domain::category::Urgency::P3);

    // 1. The agent files the caller's report.
    let (status, filed) = send(
        app.as_browser(&t.agent, Method::POST, "cases")
            .json(&json!({
                "service_code": "1999-L01",
                "address": "臺北市大安區復興南路一段100號",
                "description": "巷口路燈不亮三盞",
                "attributes": { "lamps_out": 3 },
                "caller_email": "caller@example.tw",
                "caller_name": "林先生",
            })),
    )
    .await;
    assert_eq!(status, 201, "{filed}");
    let number = filed["case_number"].as_str().unwrap().to_string();
    let password = filed["password"].as_str().unwrap().to_string();
    let mail = mail_after(&app, &sink, 1).await;
    assert!(
        mail[0]["subject"].as_str().unwrap().contains(&number),
        "{mail:?}"
    );

    let (_, case) = send(app.as_browser(&t.agent, Method::GET, &format!("cases/{number}"))).await;
    assert_eq!(case["status"], "assigned");
    assert_eq!(case["department"], "PWD-PKS");
    assert_eq!(
        case["routing"]["rule_id"], "tpe-streetlight-city",
        "fewer than 10 lamps: the city office"
    );
    let ack_due = due(&case, "acknowledgement_due");
    let resolution_due = due(&case, "resolution_due");
    assert!(ack_due < resolution_due);
    assert_eq!(case["sla"]["calendar"], "business", "P3 counts office time");
    let requested = domain::datetime::parse(case["requested_at"].as_str().unwrap()).unwrap();
    assert_eq!(
        resolution_due,
        policy
            .resolution
            .due_from(policy.clock_calendar().time(&calendar), requested),
        "the holiday and the typhoon day are skipped"
    );
    assert_eq!(
        ack_due,
        policy
            .acknowledgement
            .due_from(policy.clock_calendar().time(&calendar), requested)
    );
    for skipped in [holiday, typhoon] {
        assert_ne!(
            (resolution_due + offset) / 86_400,
            skipped,
            "never due on a day off"
        );
    }

    // 2. A field worker cannot touch a case not assigned to them; closing an unassigned case
    // is illegal; nothing changes.
    let (status, _) = act(&app, &t.field, &number, json!({ "action": "arrive" })).await;
    assert_eq!(status, 404);
    let (status, body) = act(&app, &t.dispatcher, &number, json!({ "action": "close" })).await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (400, Some("error-illegal-transition"))
    );
    let (status, body) = act(
        &app,
        &t.dispatcher,
        &number,
        json!({ "action": "assign_worker", "assignee_id": t.field_id }),
    )
    .await;
    assert_eq!(status, 400, "assign before signing for it: {body}");

    // 3. The department signs for it and sends the field worker.
    let (status, case) = act(
        &app,
        &t.dispatcher,
        &number,
        json!({ "action": "acknowledge" }),
    )
    .await;
    assert_eq!(
        (status, case["status"].as_str()),
        (200, Some("acknowledged"))
    );
    assert_eq!(
        case["sla"]["acknowledgement_due"],
        Value::Null,
        "the acknowledgement clock stopped"
    );
    mail_after(&app, &sink, 2).await;
    let (status, case) = act(
        &app,
        &t.dispatcher,
        &number,
        json!({ "action": "assign_worker", "assignee_id": t.field_id }),
    )
    .await;
    assert_eq!(
        (status, case["assignee_id"].as_str()),
        (200, Some(t.field_id.as_str()))
    );
    let (_, mine) = send(app.as_browser(&t.field, Method::GET, "cases?mine=true")).await;
    assert_eq!(mine["cases"][0]["case_number"], number.as_str());

    // 4. Field work: arrival, a public note, completion with an honest outcome.
    let (status, case) = act(
        &app,
        &t.field,
        &number,
        json!({ "action": "arrive", "lat": 25.0418, "long": 121.5437 }),
    )
    .await;
    assert_eq!(
        (status, case["status"].as_str()),
        (200, Some("on_site")),
        "{case}"
    );
    let (status, _) = act(
        &app,
        &t.field,
        &number,
        json!({ "action": "note", "note": "已更換燈泡兩盞，第三盞需換燈具", "public": true }),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = act(
        &app,
        &t.field,
        &number,
        json!({ "action": "resolve", "outcome": "not_our_responsibility", "note": "台電線路" }),
    )
    .await;
    assert_eq!(status, 400, "who is responsible must be said: {body}");
    let (status, case) = act(
        &app,
        &t.field,
        &number,
        json!({ "action": "resolve", "outcome": "fixed", "note": "三盞皆已修復" }),
    )
    .await;
    assert_eq!((status, case["status"].as_str()), (200, Some("resolved")));
    let mail = mail_after(&app, &sink, 5).await;
    let resolved = mail
        .iter()
        .find(|m| m["text"].as_str().unwrap().contains("/survey?token="))
        .expect("the resolution mail");
    let text = resolved["text"].as_str().unwrap();
    let token = text
        .split("/survey?token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();

    // 5. The citizen tracks the case, rates it, and reopens it.
    let (status, tracked) = send(
        app.client
            .post(app.api_url("track"))
            .json(&json!({ "case_number": number, "password": password })),
    )
    .await;
    assert_eq!(status, 200, "{tracked}");
    assert_eq!(tracked["status"], "resolved");
    assert!(tracked["reopen_until"].is_string());
    let kinds: Vec<&str> = tracked["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"note") && kinds.contains(&"resolve") && !kinds.contains(&"assign_worker"),
        "{kinds:?}"
    );
    let (status, _) = send(
        app.client
            .post(app.api_url("track"))
            .json(&json!({ "case_number": number, "password": "WRONGPWD" })),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = send(
        app.client
            .post(app.api_url("surveys"))
            .json(&json!({ "token": token, "score": 6 })),
    )
    .await;
    assert_eq!(status, 400, "scores are 1 to 5");
    let (status, _) = send(
        app.client
            .post(app.api_url("surveys"))
            .json(&json!({ "token": token, "score": 2, "comment": "第三盞還是不亮" })),
    )
    .await;
    assert_eq!(status, 200);
    let (status, body) = send(
        app.client
            .post(app.api_url("surveys"))
            .json(&json!({ "token": token, "score": 5 })),
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (400, Some("error-survey-used"))
    );
    let (status, tracked) =
        send(app.client.post(app.api_url("track/reopen")).json(
            &json!({ "case_number": number, "password": password, "reason": "第三盞還是不亮" }),
        ))
        .await;
    assert_eq!(
        (status, tracked["status"].as_str()),
        (200, Some("assigned")),
        "{tracked}"
    );
    let (_, case) =
        send(app.as_browser(&t.dispatcher, Method::GET, &format!("cases/{number}"))).await;
    assert!(
        due(&case, "resolution_due") >= resolution_due,
        "the resolution clock restarted: {case}"
    );

    // 6. 改分: the department passes it on; the new one sees it, the old one no longer may act.
    let (status, body) = act(
        &app,
        &t.dispatcher,
        &number,
        json!({ "action": "reassign", "department": "DEP" }),
    )
    .await;
    assert_eq!(status, 400, "a reason is required: {body}");
    let (status, case) = act(&app, &t.dispatcher, &number, json!({ "action": "reassign", "department": "DEP", "reason": "燈桿旁為環保局管理之垃圾桶問題" })).await;
    assert_eq!(
        (status, case["status"].as_str()),
        (200, Some("transferred"))
    );
    assert!(
        case["sla"]["acknowledgement_due"].is_string(),
        "a new acknowledgement clock: {case}"
    );
    let (_, queue) = send(app.as_browser(&t.other_dispatcher, Method::GET, "cases")).await;
    assert!(
        queue["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["case_number"] == number.as_str()),
        "{queue}"
    );
    let (status, _) = act(
        &app,
        &t.dispatcher,
        &number,
        json!({ "action": "acknowledge" }),
    )
    .await;
    assert_eq!(status, 404, "the old department no longer holds it");
    let (status, _) = act(
        &app,
        &t.other_dispatcher,
        &number,
        json!({ "action": "acknowledge" }),
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = act(
        &app,
        &t.other_dispatcher,
        &number,
        json!({ "action": "resolve", "outcome": "fixed", "note": "已清理" }),
    )
    .await;
    assert_eq!(status, 200);
    let (status, case) = act(
        &app,
        &t.other_dispatcher,
        &number,
        json!({ "action": "close" }),
    )
    .await;
    assert_eq!((status, case["status"].as_str()), (200, Some("closed")));
    let (status, body) = act(
        &app,
        &t.other_dispatcher,
        &number,
        json!({ "action": "assign_worker", "assignee_id": t.field_id }),
    )
    .await;
    assert_eq!(status, 400, "a closed case is not assigned: {body}");

    // 7. The department system heard every step of its own cases, signed; nothing personal.
    platform::webhooks::process_due(&app.platform)
        .await
        .expect("deliver");
    let heard = receiver.at("pks");
    let events: Vec<&str> = heard.iter().map(|r| r.event.as_str()).collect();
    for expected in [
        "case.created",
        "case.acknowledged",
        "case.assigned",
        "case.updated",
        "case.resolved",
        "case.reopened",
        "case.reassigned",
    ] {
        assert!(events.contains(&expected), "{expected} in {events:?}");
    }
    assert!(
        heard.iter().all(|r| r.valid),
        "every delivery is signed with the subscription's secret"
    );
    assert!(
        heard
            .iter()
            .all(|r| !String::from_utf8_lossy(&r.raw).contains("caller@example.tw")),
        "no personal data"
    );
    assert!(
        !events.contains(&"case.closed"),
        "after 改分 the case belongs to another department"
    );

    // 8. The supervisor sees the whole history and the audit trail of the calendar changes.
    app.staff("sup.e2e", &["supervisor"]).await;
    let supervisor = app.sign_in("sup.e2e", STAFF_PASSWORD).await;
    let (status, case) =
        send(app.as_browser(&supervisor, Method::GET, &format!("cases/{number}"))).await;
    assert_eq!(status, 200);
    let kinds: Vec<&str> = case["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    for expected in [
        "create",
        "acknowledge",
        "assign_worker",
        "arrive",
        "note",
        "resolve",
        "reopen",
        "reassign",
        "close",
    ] {
        assert!(kinds.contains(&expected), "{expected} in {kinds:?}");
    }
    let (status, audit) =
        send(app.as_browser(&supervisor, Method::GET, "audit?action=calendar")).await;
    assert_eq!(status, 200);
    assert_eq!(audit.as_array().unwrap().len(), 2, "{audit}");
    assert!(matches!(
        store::audit::verify_chain(&app.platform.db, TAIPEI)
            .await
            .unwrap(),
        store::chain::ChainReport::Intact { .. }
    ));

    // 9. Open311 shows the outcome and the department; the audit chains are intact.
    let (_, open311) = app
        .get_json(&format!("requests/{number}.json?extensions=true"))
        .await;
    assert_eq!(open311[0]["status"], "closed");
    assert_eq!(open311[0]["agency_responsible"], "環境保護局");
    let (_, updates) = app
        .get_json(&format!(
            "servicerequestupdates.json?service_request_id={number}"
        ))
        .await;
    let statuses: Vec<&str> = updates
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["status"].as_str().unwrap())
        .collect();
    assert!(
        statuses.contains(&"fixed") && statuses.contains(&"reopen"),
        "{statuses:?}"
    );
    // The jurisdiction's feed (read in one piece with the cases' numbers) shows the case's
    // updates exactly as the case's own feed does.
    let (_, feed) = app.get_json("servicerequestupdates.json").await;
    let of_case: Vec<&serde_json::Value> = feed
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["service_request_id"] == number.as_str())
        .collect();
    assert_eq!(
        of_case,
        updates.as_array().unwrap().iter().collect::<Vec<_>>()
    );
    assert!(matches!(
        cases::testkit::event_chain(&app.platform.db, TAIPEI)
            .await
            .unwrap(),
        store::chain::ChainReport::Intact { .. }
    ));
    let _ = &t.admin;
}

#[tokio::test]
async fn rules_route_and_triage_and_a_closure_moves_only_the_due_dates_that_count_office_time() {
    let app = TestApp::start().await;
    let t = team(&app).await;
    // A rule naming a department that does not exist is refused, and nothing is stored.
    let bad = json!([{ "id": "r1", "name": "錯誤", "when": { "category_in": ["1999-L01"] }, "department": "NOPE" }]);
    let (status, body) = send(
        app.as_browser(&t.admin, Method::PUT, "rules/routing")
            .header("accept-language", "en")
            .json(&bad),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.to_string().contains("NOPE"), "{body}");
    let (_, rules) = send(app.as_browser(&t.admin, Method::GET, "rules/routing")).await;
    assert!(
        rules
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["department"] != "NOPE")
    );
    // Dispatchers may not edit rules.
    let (status, _) = send(
        app.as_browser(&t.dispatcher, Method::PUT, "rules/routing")
            .json(&json!([])),
    )
    .await;
    assert_eq!(status, 403);

    // Ten or more lamps out goes to the power company, by the built-in Taipei rule.
    let (status, filed) = send(app.as_browser(&t.agent, Method::POST, "cases").json(&json!({
        "service_code": "1999-L01", "address": "臺北市信義區松仁路100號", "attributes": { "lamps_out": 12 }
    })))
    .await;
    assert_eq!(status, 201, "{filed}");
    let (_, case) = send(app.as_browser(
        &t.agent,
        Method::GET,
        &format!("cases/{}", filed["case_number"].as_str().unwrap()),
    ))
    .await;
    assert_eq!(case["department"], "TPC");
    assert!(case["routing"]["rule_id"].is_string(), "{case}");
    assert!(!case["routing"]["reasons"].as_array().unwrap().is_empty());

    // A gas smell is raised to P1 whatever the category's default.
    let (status, filed) = send(app.as_browser(&t.agent, Method::POST, "cases").json(&json!({
        "service_code": "1999-R01", "address": "臺北市大安區仁愛路四段1號", "description": "路面坑洞旁邊聞到瓦斯味", "attributes": { "size": "small" }
    })))
    .await;
    assert_eq!(status, 201, "{filed}");
    let number = filed["case_number"].as_str().unwrap().to_string();
    let (_, case) = send(app.as_browser(&t.agent, Method::GET, &format!("cases/{number}"))).await;
    assert_eq!(case["urgency"], "P1", "{case}");
    assert!(!case["triage"].as_array().unwrap().is_empty());

    assert_eq!(case["sla"]["calendar"], "24x7", "{case}");
    // And an everyday case beside it.
    let (status, filed) = send(app.as_browser(&t.agent, Method::POST, "cases").json(&json!({
        "service_code": "1999-L01", "address": "臺北市大安區仁愛路四段2號", "description": "路燈不亮", "attributes": { "lamps_out": 1 }
    })))
    .await;
    assert_eq!(status, 201, "{filed}");
    let everyday = filed["case_number"].as_str().unwrap().to_string();
    let (_, light) =
        send(app.as_browser(&t.agent, Method::GET, &format!("cases/{everyday}"))).await;
    assert_eq!(light["sla"]["calendar"], "business", "{light}");

    // A typhoon closure over the next days pushes the everyday case's resolution due date
    // later; the emergency's clock, around the clock, does not pause.
    let before = due(&case, "resolution_due");
    let light_before = due(&light, "resolution_due");
    let now = store::now_unix();
    let (status, body) = send(
        app.as_browser(&t.admin, Method::POST, "calendar")
            .json(&json!({
                "kind": "closure",
                "starts_at": domain::datetime::format_unix(now),
                "ends_at": domain::datetime::format_unix(now + 3 * 86_400),
                "name": "颱風停止上班",
            })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (_, case) = send(app.as_browser(&t.agent, Method::GET, &format!("cases/{number}"))).await;
    assert_eq!(due(&case, "resolution_due"), before, "{case}");
    let (_, light) =
        send(app.as_browser(&t.agent, Method::GET, &format!("cases/{everyday}"))).await;
    assert!(
        due(&light, "resolution_due") > light_before,
        "{light_before} → {light}"
    );
    let (status, _) = send(app.as_browser(&t.admin, Method::POST, "calendar").json(&json!({
        "kind": "closure", "starts_at": "2026-11-30T00:00:00Z", "ends_at": "2026-11-29T00:00:00Z", "name": "錯"
    })))
    .await;
    assert_eq!(status, 400, "a closure that ends before it starts");
}

async fn upload(
    app: &TestApp,
    who: &Browser,
    number: &str,
    file: Vec<u8>,
    public: bool,
) -> (u16, Value) {
    let form = reqwest::multipart::Form::new()
        .text("note", "完工照片")
        .text("public", public.to_string())
        .part(
            "photo",
            reqwest::multipart::Part::bytes(file).file_name("after.png"),
        );
    send(
        app.as_browser(who, Method::POST, &format!("cases/{number}/photos"))
            .multipart(form),
    )
    .await
}

#[tokio::test]
async fn field_photos_are_checked_and_stripped() {
    let app = TestApp::start().await;
    let t = team(&app).await;
    let (_, filed) = send(app.as_browser(&t.agent, Method::POST, "cases").json(&json!({
        "service_code": "1999-L01", "address": "臺北市中山區林森北路1號", "attributes": { "lamps_out": 1 }
    })))
    .await;
    let number = filed["case_number"].as_str().unwrap().to_string();
    act(
        &app,
        &t.dispatcher,
        &number,
        json!({ "action": "acknowledge" }),
    )
    .await;
    act(
        &app,
        &t.dispatcher,
        &number,
        json!({ "action": "assign_worker", "assignee_id": t.field_id }),
    )
    .await;

    let (status, body) = upload(
        &app,
        &t.field,
        &number,
        b"not an image at all".to_vec(),
        true,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = upload(&app, &t.field, &number, vec![0x89; 11 * 1024 * 1024], true).await;
    assert_eq!(status, 413);
    let (status, _) = upload(
        &app,
        &t.other_dispatcher,
        &number,
        crate::media::png_with_location(),
        true,
    )
    .await;
    assert_eq!(
        status, 404,
        "another department's dispatcher does not see the case"
    );
    let (status, body) = upload(
        &app,
        &t.field,
        &number,
        crate::media::png_with_location(),
        true,
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let (_, open311) = app.get_json(&format!("requests/{number}.json")).await;
    let url = open311[0]["media_url"]
        .as_str()
        .expect("the public photo")
        .to_string();
    let bytes = app
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(bytes.starts_with(b"\x89PNG"));
    assert!(
        !bytes.windows(4).any(|w| w == b"eXIf"),
        "the location is stripped"
    );
    let (_, case) =
        send(app.as_browser(&t.dispatcher, Method::GET, &format!("cases/{number}"))).await;
    assert!(
        case["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "photo")
    );
}

#[tokio::test]
async fn overdue_cases_warn_supervisors_once() {
    let app = TestApp::start().await;
    let t = team(&app).await;
    let supervisor = app.staff("sup.chen", &["supervisor"]).await;
    // A tighter policy for street lights, set through the API.
    let policy = json!({
        "acknowledgement": { "working_hours": 2 },
        "reassignment_acknowledgement": { "working_days": 1 },
        "first_response": { "working_days": 1 },
        "resolution": { "working_days": 2 },
    });
    let (status, body) = send(
        app.as_browser(&t.admin, Method::PUT, "sla-policies/1999-L01")
            .json(&policy),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = send(
        app.as_browser(&t.admin, Method::PUT, "sla-policies/NOPE")
            .json(&policy),
    )
    .await;
    assert_eq!(status, 400);
    let (status, _) = send(
        app.as_browser(&t.admin, Method::PUT, "sla-policies/P4")
            .json(&json!({ "acknowledgement": { "working_hours": 0 }, "reassignment_acknowledgement": { "working_days": 1 }, "first_response": { "working_days": 1 }, "resolution": { "working_days": 2 } })),
    )
    .await;
    assert_eq!(status, 400, "a zero budget is refused");

    let (_, filed) = send(app.as_browser(&t.agent, Method::POST, "cases").json(&json!({
        "service_code": "1999-L01", "address": "臺北市中正區重慶南路一段122號", "attributes": { "lamps_out": 2 }
    })))
    .await;
    let number = filed["case_number"].as_str().unwrap().to_string();
    // A marker in `updated_at`: a pass that finds nothing to change must not write the case
    // (Open311 clients poll by it).
    let mark = sea_query::Query::update()
        .table("cases")
        .value("updated_at", 1)
        .to_owned();
    app.platform.db.execute(&mark).await.unwrap();
    assert_eq!(
        app.cases.supervise_sla().await.unwrap(),
        0,
        "nothing is due yet"
    );
    let updated = sea_query::Query::select()
        .column("updated_at")
        .from("cases")
        .and_where(sea_query::ExprTrait::eq(
            sea_query::Expr::col("case_number"),
            number.as_str(),
        ))
        .to_owned();
    let row = app.platform.db.fetch_all(&updated).await.unwrap().remove(0);
    assert_eq!(
        row.get::<i64>("updated_at").unwrap(),
        1,
        "an unchanged case is left alone"
    );
    // The case was filed a month ago (its history is moved back in time).
    let month = 30 * 86_400;
    let back = sea_query::Query::update()
        .table("case_events")
        .value(
            "created_at",
            sea_query::ExprTrait::sub(sea_query::Expr::col("created_at"), month),
        )
        .to_owned();
    app.platform.db.execute(&back).await.unwrap();
    let back = sea_query::Query::update()
        .table("cases")
        .value("ack_due_at", 0)
        .to_owned();
    app.platform.db.execute(&back).await.unwrap();
    assert_eq!(
        app.cases.supervise_sla().await.unwrap(),
        1,
        "one breach warning"
    );
    assert_eq!(app.cases.supervise_sla().await.unwrap(), 0, "and only once");
    let (_, case) =
        send(app.as_browser(&t.dispatcher, Method::GET, &format!("cases/{number}"))).await;
    assert_eq!(case["sla"]["state"], "breached", "{case}");
    assert!(
        case["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "sla_breached" && e["public"] == false)
    );
    let outbox = app
        .platform
        .notifications(&platform::authz::Actor::system(TAIPEI, "test"), None, 50)
        .await
        .unwrap();
    assert!(
        outbox.iter().any(|m| m.template == "sla_breached"
            && m.account_id.as_deref() == Some(supervisor.as_str())),
        "{outbox:?}"
    );
}

/// A pass reads its candidates a page at a time and goes through all of them: a city has far
/// more open cases than one page, and a case must not wait for the others to be breached before
/// its own warning goes out.
#[tokio::test]
async fn a_supervision_pass_checks_every_candidate_whatever_the_page_size() {
    let app = TestApp::start().await;
    let t = team(&app).await;
    app.staff("sup.lin", &["supervisor"]).await;
    for _ in 0..3 {
        let (status, body) = send(app.as_browser(&t.agent, Method::POST, "cases").json(&json!({
            "service_code": "1999-L01", "address": "臺北市中正區重慶南路一段122號", "attributes": { "lamps_out": 2 }
        })))
        .await;
        assert_eq!(status, 201, "{body}");
    }
    assert_eq!(app.cases.supervise_sla_in_pages(1).await.unwrap(), 0);
    // All three were filed a month ago, and all three are overdue.
    let back = sea_query::Query::update()
        .table("case_events")
        .value(
            "created_at",
            sea_query::ExprTrait::sub(sea_query::Expr::col("created_at"), 30 * 86_400),
        )
        .to_owned();
    app.platform.db.execute(&back).await.unwrap();
    assert_eq!(
        app.cases.supervise_sla_in_pages(1).await.unwrap(),
        3,
        "pages of one case, three warnings in one pass"
    );
    assert_eq!(app.cases.supervise_sla_in_pages(1).await.unwrap(), 0);
}

#[tokio::test]
async fn duplicates_are_suggested_and_merged_and_both_reporters_follow() {
    let sink = SmtpSink::start();
    let app = app_with(fast(NotifyConfig {
        smtp: Some(sink.config()),
        ..NotifyConfig::default()
    }))
    .await;
    let t = team(&app).await;
    let file = |email: &'static str, lat: f64| {
        app.as_browser(&t.agent, Method::POST, "cases").json(&json!({
            "service_code": "1999-L01", "lat": lat, "long": 121.5437, "address": "臺北市大安區復興南路一段107號",
            "attributes": { "lamps_out": 1 }, "caller_email": email,
        }))
    };
    let (_, first) = send(file("first@example.tw", 25.04180)).await;
    let first = first["case_number"].as_str().unwrap().to_string();
    // About 20 m away: suggested, with the reason.
    let (status, found) = send(app.as_browser(
        &t.agent,
        Method::GET,
        "duplicates?service_code=1999-L01&lat=25.04198&long=121.5437&address=%E5%BE%A9%E8%88%88%E5%8D%97%E8%B7%AF%E4%B8%80%E6%AE%B5107%E8%99%9F",
    ))
    .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found[0]["case_number"], first.as_str());
    assert!(found[0]["distance_m"].as_f64().unwrap() < 50.0);
    assert_eq!(found[0]["same_address"], true);
    // Far away and a different address: nothing.
    let (_, none) = send(app.as_browser(
        &t.agent,
        Method::GET,
        "duplicates?service_code=1999-L01&lat=25.06&long=121.56",
    ))
    .await;
    assert_eq!(none, json!([]));

    let (_, second) = send(file("second@example.tw", 25.04198)).await;
    let second = second["case_number"].as_str().unwrap().to_string();
    let (status, body) = act(
        &app,
        &t.dispatcher,
        &second,
        json!({ "action": "merge", "into": second }),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, merged) = act(
        &app,
        &t.dispatcher,
        &second,
        json!({ "action": "merge", "into": first }),
    )
    .await;
    assert_eq!(
        (status, merged["status"].as_str()),
        (200, Some("duplicate")),
        "{merged}"
    );
    mail_after(&app, &sink, 3).await;
    // An update on the surviving case reaches both reporters.
    act(
        &app,
        &t.dispatcher,
        &first,
        json!({ "action": "acknowledge" }),
    )
    .await;
    let mail = mail_after(&app, &sink, 5).await;
    let to: Vec<&str> = mail[3..]
        .iter()
        .map(|m| m["rcpt_tos"][0].as_str().unwrap())
        .collect();
    assert!(
        to.contains(&"first@example.tw") && to.contains(&"second@example.tw"),
        "{to:?}"
    );
}

#[tokio::test]
async fn reopen_and_survey_windows_are_enforced() {
    let sink = SmtpSink::start();
    // The services' clock stands still until the test moves it on.
    let clock = std::sync::Arc::new(domain::clock::FixedClock::at(crate::clock::T));
    let app = crate::notify::app_with_clock(
        fast(NotifyConfig {
            smtp: Some(sink.config()),
            ..NotifyConfig::default()
        }),
        clock.clone(),
    )
    .await;
    let t = team(&app).await;
    let (_, filed) = send(app.as_browser(&t.agent, Method::POST, "cases").json(&json!({
        "service_code": "1999-L01", "address": "臺北市萬華區西園路一段1號", "attributes": { "lamps_out": 1 },
        "caller_email": "late@example.tw",
    })))
    .await;
    let number = filed["case_number"].as_str().unwrap().to_string();
    let password = filed["password"].as_str().unwrap().to_string();
    act(
        &app,
        &t.dispatcher,
        &number,
        json!({ "action": "acknowledge" }),
    )
    .await;
    act(
        &app,
        &t.dispatcher,
        &number,
        json!({ "action": "resolve", "outcome": "fixed", "note": "已修復" }),
    )
    .await;
    let mail = mail_after(&app, &sink, 3).await;
    let text = mail[2]["text"].as_str().unwrap();
    let token = text
        .split("/survey?token=")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();

    // Eight days later: too late to reopen or to answer the survey.
    clock.advance(8 * 86_400);
    let (status, body) = send(
        app.client
            .post(app.api_url("track/reopen"))
            .header("accept-language", "en")
            .json(&json!({
                "case_number": number, "password": password, "reason": "還是不亮"
            })),
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (400, Some("error-reopen-window")),
        "{body}"
    );
    assert!(
        body["detail"].as_str().unwrap().contains("7 days"),
        "{body}"
    );
    let (status, body) = send(
        app.client
            .post(app.api_url("surveys"))
            .json(&json!({ "token": token, "score": 4 })),
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["code"].as_str()),
        (400, Some("error-survey-expired"))
    );
    let (status, _) = send(
        app.client
            .post(app.api_url("surveys"))
            .json(&json!({ "token": "not-a-token", "score": 4 })),
    )
    .await;
    assert_eq!(status, 404);
    let (_, tracked) = send(
        app.client
            .post(app.api_url("track"))
            .json(&json!({ "case_number": number, "password": password })),
    )
    .await;
    assert_eq!(tracked["status"], "resolved", "nothing changed");
    assert_eq!(tracked["reopen_until"], Value::Null);
}

#[tokio::test]
async fn a_declared_holiday_moves_due_dates_and_supervisors_see_the_whole_city() {
    let app = TestApp::start().await;
    let t = team(&app).await;
    app.staff("sup.lin", &["supervisor"]).await;
    let supervisor = app.sign_in("sup.lin", STAFF_PASSWORD).await;
    let (_, filed) = send(app.as_browser(&t.agent, Method::POST, "cases").json(&json!({
        "service_code": "1999-L01", "address": "臺北市士林區中正路1號", "attributes": { "lamps_out": 1 }
    })))
    .await;
    let number = filed["case_number"].as_str().unwrap().to_string();
    let (_, case) =
        send(app.as_browser(&supervisor, Method::GET, &format!("cases/{number}"))).await;
    let before = due(&case, "resolution_due");
    // The next working day becomes a holiday (e.g. a newly declared memorial day).
    let offset = 8 * 3600;
    let mut day = (store::now_unix() + offset) / 86_400 + 1;
    let weekday = |d: i64| (d + 4).rem_euclid(7); // 0 = Sunday
    while matches!(weekday(day), 0 | 6) {
        day += 1;
    }
    let date = time::Date::from_julian_day((day + 2_440_588) as i32).unwrap();
    let (status, body) = send(
        app.as_browser(&t.admin, Method::POST, "calendar")
            .json(&json!({
                "kind": "holiday", "day": date.to_string(), "name": "臨時放假"
            })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (_, case) =
        send(app.as_browser(&supervisor, Method::GET, &format!("cases/{number}"))).await;
    let after = due(&case, "resolution_due");
    // One working day later: the next day, or over a weekend.
    assert!(
        [86_400, 3 * 86_400].contains(&(after - before)),
        "one working day later: {before} → {after}"
    );
    assert!(!matches!(weekday((after + offset) / 86_400), 0 | 6));
    // Supervisors see every department's cases; a dispatcher only theirs.
    let (_, all) = send(app.as_browser(&supervisor, Method::GET, "cases?department=PWD-PKS")).await;
    assert!(
        all["cases"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["case_number"] == number.as_str())
    );
    let (status, _) =
        send(app.as_browser(&t.other_dispatcher, Method::GET, "cases?department=PWD-PKS")).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn citizens_report_on_the_web_and_see_their_cases() {
    let app = TestApp::start().await;
    // Anonymous, with contact details; a gas smell gets the 119 redirect and is filed anyway.
    let (status, filed) = send(app.client.post(app.api_url("reports")).header("accept-language", "en").json(&json!({
        "service_code": "1999-R01", "address": "臺北市中山區南京東路二段1號", "description": "路面坑洞，旁邊聞到瓦斯味",
        "attributes": { "size": "small" }, "email": "walker@example.tw", "consent": true,
    })))
    .await;
    assert_eq!(status, 201, "{filed}");
    assert_eq!(filed["emergency"]["kind"], "119", "{filed}");
    assert!(
        filed["emergency"]["message"]
            .as_str()
            .unwrap()
            .contains("119")
    );
    assert!(filed["password"].is_string());
    // A cross-site form post is refused.
    let (status, _) = send(
        app.client
            .post(app.api_url("reports"))
            .header("sec-fetch-site", "cross-site")
            .json(&json!({
                "service_code": "1999-R01", "address": "臺北市中山區南京東路二段1號"
            })),
    )
    .await;
    assert_eq!(status, 403);
    // Signed in: the report is theirs.
    app.citizen("resident@example.tw", "a long walk by the river")
        .await;
    let me = app
        .sign_in("resident@example.tw", "a long walk by the river")
        .await;
    let (status, filed) = send(app.as_browser(&me, Method::POST, "reports").json(&json!({
        "service_code": "1999-L01", "address": "臺北市大同區承德路一段1號", "attributes": { "lamps_out": 2 },
        "consent": true,
    })))
    .await;
    assert_eq!(status, 201, "{filed}");
    assert_eq!(filed["emergency"], Value::Null);
    let (status, mine) = send(app.as_browser(&me, Method::GET, "me/cases")).await;
    assert_eq!(status, 200);
    assert_eq!(mine.as_array().unwrap().len(), 1, "{mine}");
    assert_eq!(mine[0]["case_number"], filed["case_number"]);
    assert!(mine[0]["due_at"].is_string());
    // Staff cannot file through the citizen form as citizens.
    app.staff("agent.web", &["agent"]).await;
    let agent = app.sign_in("agent.web", STAFF_PASSWORD).await;
    let (status, _) = send(app.as_browser(&agent, Method::POST, "reports").json(&json!({
        "service_code": "1999-L01", "address": "臺北市大同區承德路一段1號", "attributes": { "lamps_out": 2 },
        "consent": true,
    })))
    .await;
    assert_eq!(status, 403);
}

/// The REST door files and tracks with the report and tracking pages' rules (issue 16): a
/// report without the citizen's consent is refused in the caller's language, as is one
/// without a place; a case number typed with full-width digits (a Chinese input method) and
/// spaces is tracked as the page tracks it.
#[tokio::test]
async fn the_rest_door_files_and_tracks_as_the_pages_do() {
    let app = TestApp::start().await;
    let report = json!({
        "service_code": "1999-L01", "address": "臺北市大同區承德路一段1號",
        "attributes": { "lamps_out": 1 }, "email": "walker@example.tw",
    });
    let (status, refused) = send(
        app.client
            .post(app.api_url("reports"))
            .header("accept-language", "en")
            .json(&report),
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["errors"][0]["code"], "error-consent-required");
    assert!(
        refused["detail"]
            .as_str()
            .unwrap()
            .contains("personal data notice"),
        "{refused}"
    );
    let mut no_place = report.clone();
    no_place["consent"] = json!(true);
    no_place.as_object_mut().unwrap().remove("address");
    let (status, refused) = send(app.client.post(app.api_url("reports")).json(&no_place)).await;
    assert_eq!(status, 400, "{refused}");
    assert_eq!(refused["errors"][0]["code"], "error-place-required");
    let mut consented = report.clone();
    consented["consent"] = json!(true);
    let (status, filed) = send(app.client.post(app.api_url("reports")).json(&consented)).await;
    assert_eq!(status, 201, "{filed}");
    let number = filed["case_number"].as_str().unwrap();
    let full_width: String = number
        .chars()
        .map(|c| char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap())
        .collect();
    let (status, tracked) = send(app.client.post(app.api_url("track")).json(&json!({
        "case_number": format!(" {full_width} "), "password": filed["password"],
    })))
    .await;
    assert_eq!(status, 200, "{tracked}");
    assert_eq!(tracked["case_number"], number);
}

/// The remaining states: in progress, needs info (clocks paused), rejected and
/// transferred to a utility, each checked over HTTP and in the Open311 view.
#[tokio::test]
async fn every_other_state_is_reached_over_http() {
    let app = TestApp::start().await;
    let t = team(&app).await;
    app.staff("sup.wang", &["supervisor"]).await;
    let supervisor = app.sign_in("sup.wang", STAFF_PASSWORD).await;
    let file = |address: &'static str| {
        app.as_browser(&t.agent, Method::POST, "cases")
            .json(&json!({
                "service_code": "1999-L01", "address": address, "attributes": { "lamps_out": 1 }
            }))
    };
    let (_, a) = send(file("臺北市文山區木柵路一段1號")).await;
    let a = a["case_number"].as_str().unwrap().to_string();
    act(&app, &t.dispatcher, &a, json!({ "action": "acknowledge" })).await;
    let (status, case) = act(&app, &t.dispatcher, &a, json!({ "action": "start" })).await;
    assert_eq!(
        (status, case["status"].as_str()),
        (200, Some("in_progress"))
    );
    let (status, case) = act(
        &app,
        &t.dispatcher,
        &a,
        json!({ "action": "request_info", "note": "請提供燈桿編號" }),
    )
    .await;
    assert_eq!((status, case["status"].as_str()), (200, Some("needs_info")));
    assert_eq!(case["sla"]["state"], "paused", "{case}");
    let (status, case) = act(
        &app,
        &t.dispatcher,
        &a,
        json!({ "action": "provide_info", "note": "燈桿編號 0505364" }),
    )
    .await;
    assert_eq!(
        (status, case["status"].as_str()),
        (200, Some("in_progress"))
    );
    let (status, body) = act(
        &app,
        &t.dispatcher,
        &a,
        json!({ "action": "request_cosign", "department": "PWD-PKS", "note": "x" }),
    )
    .await;
    assert_eq!(status, 400, "not with itself: {body}");
    // Co-signing, which runs beside these states: `ui_staff::cosign`.
    let (status, case) = act(&app, &t.dispatcher, &a, json!({ "action": "resolve", "outcome": "deferred", "note": "需更換燈桿", "deferred_until": "2026-12-15" })).await;
    assert_eq!(
        (status, case["outcome"].as_str()),
        (200, Some("deferred")),
        "{case}"
    );

    // Rejected, and transferred to a utility.
    let (_, b) = send(file("臺北市文山區木柵路一段2號")).await;
    let b = b["case_number"].as_str().unwrap().to_string();
    let (status, case) = act(
        &app,
        &t.dispatcher,
        &b,
        json!({ "action": "reject", "reason": "重複通報且無具體地點" }),
    )
    .await;
    assert_eq!((status, case["status"].as_str()), (200, Some("rejected")));
    let (_, c) = send(file("臺北市文山區木柵路一段3號")).await;
    let c = c["case_number"].as_str().unwrap().to_string();
    let (status, body) = act(
        &app,
        &t.dispatcher,
        &c,
        json!({ "action": "transfer_external", "department": "DEP", "note": "x" }),
    )
    .await;
    assert_eq!(status, 400, "a city department is not a utility: {body}");
    let (status, case) = act(
        &app,
        &t.dispatcher,
        &c,
        json!({ "action": "transfer_external", "department": "TPC", "note": "台電線路故障" }),
    )
    .await;
    assert_eq!(
        (status, case["status"].as_str(), case["department"].as_str()),
        (200, Some("external"), Some("TPC"))
    );

    // The supervisor sees all three; Open311 reports them as clients expect.
    for (number, status, extended) in [
        (&a, "closed", "action_scheduled"),
        (&b, "closed", "no_further_action"),
        (&c, "closed", "not_councils_responsibility"),
    ] {
        let (code, _) =
            send(app.as_browser(&supervisor, Method::GET, &format!("cases/{number}"))).await;
        assert_eq!(code, 200);
        let (_, r) = app.get_json(&format!("requests/{number}.json")).await;
        assert_eq!(r[0]["status"], status, "{number}");
        let (_, updates) = app
            .get_json(&format!(
                "servicerequestupdates.json?service_request_id={number}"
            ))
            .await;
        let last = updates.as_array().unwrap().last().unwrap();
        assert_eq!(last["status"], extended, "{updates}");
    }
}
