//! What an Open311 client application may do, and what its word counts for: it posts updates
//! only to the public cases it filed; its `account_id` is its own name for its user, never an
//! account of ours; an `update_id` it reuses for another case is refused, not a 500.

use crate::support::*;
use reqwest::Method;
use sea_query::{Expr, ExprTrait, Query};
use serde_json::{Value, json};

/// A second application with a key for Taipei.
async fn other_client(app: &TestApp) -> (String, String) {
    let created = app
        .identity
        .create_api_key(&platform::authz::Actor::system(TAIPEI, "test"), "other app")
        .await
        .expect("key");
    (created.client.id, created.key)
}

async fn client_id(app: &TestApp, key: &str) -> String {
    app.identity
        .authenticate_api_key(Some(key))
        .await
        .expect("client")
        .id
}

/// Files a street-light case with `key` and the extra fields; the answer's first request.
async fn file_with(app: &TestApp, key: &str, extra: &[(&str, &str)]) -> (u16, Value) {
    let mut form = vec![
        ("api_key", key),
        ("service_code", "1999-L01"),
        ("lat", "25.0377"),
        ("long", "121.5436"),
        ("attribute[lamps_out]", "1"),
        ("description", "路燈不亮"),
    ];
    form.extend_from_slice(extra);
    let (status, body) = app.post_form("requests.json", &form).await;
    let v: Value = serde_json::from_str(&body).expect("json");
    (status, v[0].clone())
}

/// Posts an update with the app's key; status and body.
async fn update(
    app: &TestApp,
    format: &str,
    id: &str,
    update_id: &str,
    status: &str,
) -> (u16, String) {
    app.post_form(
        &format!("servicerequestupdates.{format}"),
        &[
            ("api_key", app.key.as_str()),
            ("service_request_id", id),
            ("update_id", update_id),
            ("status", status),
            ("updated_datetime", "2026-12-06T00:00:00Z"),
            ("description", "probe"),
        ],
    )
    .await
}

/// How many events a case has (read from the database: the public reads leave some out).
async fn event_count(app: &TestApp, number: &str) -> usize {
    let case = cases::testkit::work_case(&app.platform.db, TAIPEI, number)
        .await
        .unwrap()
        .expect("case");
    cases::testkit::events_of(&app.platform.db, std::slice::from_ref(&case.id))
        .await
        .unwrap()
        .len()
}

/// The Open311 error description of a 404, with the case number taken out.
fn not_found_shape(body: &str, number: &str) -> String {
    body.replace(number, "<number>")
}

/// F19: a client comments on and reopens only the public cases it filed. Another client's
/// case, a phone case, its own confidential report and a case that does not exist all answer
/// the same 404, and nothing is written. Before, any client could comment on or reopen any
/// case of the jurisdiction, confidential ones included (and 200 against 404 told which
/// confidential case numbers exist).
#[tokio::test]
async fn a_client_updates_only_the_public_cases_it_filed() {
    let app = TestApp::new()
        .with_user("agent", None)
        .with_user("jurisdiction_admin", None)
        .start()
        .await;
    let agent = app.user("agent", None).browser.clone();
    let admin = app.user("jurisdiction_admin", None).browser.clone();
    let (_, other_key) = other_client(&app).await;

    let own = app.file_streetlight().await;
    let (_, theirs) = file_with(&app, &other_key, &[]).await;
    let theirs = theirs["service_request_id"].as_str().unwrap().to_string();
    let phone_case = |code: &'static str| {
        app.as_browser(&agent, Method::POST, "cases").json(&json!({
            "service_code": code, "address": "臺北市信義區市府路1號", "description": "內容",
            "attributes": { "lamps_out": 1 },
        }))
    };
    let (_, phone) = send(phone_case("1999-L01")).await;
    let phone = phone["case_number"].as_str().unwrap().to_string();
    // The client's own confidential report: its number is never given to the client.
    let (status, _) = app
        .post_form(
            "requests.json",
            &[
                ("api_key", &app.key),
                ("service_code", "PET-07"),
                ("address_string", "松山區"),
                ("description", "檢舉"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    let confidential = cases::testkit::queue(
        &app.platform.db,
        TAIPEI,
        &cases::testkit::QueueFilter {
            category: Some("PET-07".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap()[0]
        .case_number
        .clone();
    // A resolved phone case, which a reopen would put back in the queue.
    for action in [
        json!({ "action": "acknowledge" }),
        json!({ "action": "resolve", "outcome": "fixed", "note": "已修復" }),
    ] {
        let (status, body) = send(
            app.as_browser(&admin, Method::POST, &format!("cases/{phone}/actions"))
                .json(&action),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }

    let (status, body) = update(&app, "json", &own, "own-1", "OPEN").await;
    assert_eq!(status, 200, "{body}");

    let unknown = "2099010100001";
    let (status, unknown_body) = update(&app, "json", unknown, "probe-0", "OPEN").await;
    assert_eq!(status, 404, "{unknown_body}");
    let expected = not_found_shape(&unknown_body, unknown);
    for (what, number) in [
        ("another client's case", &theirs),
        ("a phone case", &phone),
        ("its own confidential report", &confidential),
    ] {
        let before = event_count(&app, number).await;
        for (i, status) in ["OPEN", "REOPEN"].into_iter().enumerate() {
            for format in ["json", "xml"] {
                let (code, body) =
                    update(&app, format, number, &format!("probe-{i}-{format}"), status).await;
                let (_, unknown_answer) = update(
                    &app,
                    format,
                    unknown,
                    &format!("probe-{i}-{format}"),
                    status,
                )
                .await;
                assert_eq!(code, 404, "{what}, {status}: {body}");
                assert_eq!(
                    not_found_shape(&body, number),
                    not_found_shape(&unknown_answer, unknown),
                    "{what}, {status}, {format}"
                );
            }
        }
        assert_eq!(
            not_found_shape(
                &update(&app, "json", number, "probe-x", "OPEN").await.1,
                number
            ),
            expected,
            "{what}"
        );
        assert_eq!(
            event_count(&app, number).await,
            before,
            "{what}: nothing written"
        );
    }
    let (_, case) = send(app.as_browser(&admin, Method::GET, &format!("cases/{phone}"))).await;
    assert_eq!(case["status"], "resolved", "not reopened");
}

/// F18: the idempotency key of an update is the client's `update_id`. Sent again for the same
/// case it returns the first answer and writes nothing; sent for another case it is refused
/// with a 400 in the requested format and language. Before, the second case got a 500
/// ("recorded client update has no event").
#[tokio::test]
async fn a_reused_update_id_is_refused_for_another_case() {
    let app = TestApp::start().await;
    let first = app.file_streetlight().await;
    let second = app.file_streetlight().await;

    let (status, original) = update(&app, "json", &first, "dup-1", "OPEN").await;
    assert_eq!(status, 200, "{original}");
    let (status, replay) = update(&app, "json", &first, "dup-1", "OPEN").await;
    assert_eq!(
        (status, &replay),
        (200, &original),
        "a replay gets the first answer"
    );
    let before = event_count(&app, &second).await;

    let (status, body) = update(&app, "json", &second, "dup-1", "OPEN").await;
    assert_eq!(status, 400, "{body}");
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v[0]["code"], 400);
    assert!(
        v[0]["description"]
            .as_str()
            .unwrap()
            .contains("update_id「dup-1」"),
        "{v}"
    );
    let (status, xml) = app
        .post_form(
            "servicerequestupdates.xml?locale=en",
            &[
                ("api_key", app.key.as_str()),
                ("service_request_id", second.as_str()),
                ("update_id", "dup-1"),
                ("status", "OPEN"),
                ("updated_datetime", "2026-12-06T00:00:00Z"),
            ],
        )
        .await;
    assert_eq!(status, 400, "{xml}");
    assert!(
        xml.contains("<errors><error><code>400</code>")
            && xml.contains("was already used for another request"),
        "{xml}"
    );
    assert_eq!(event_count(&app, &second).await, before, "nothing written");
}

/// F17: Open311's `account_id` is the client's own identifier for its user. It is kept as
/// the client's reference for its reporter, never linked to one of our accounts: naming a
/// citizen's account id neither lists the case among that citizen's cases nor sends them
/// anything, and an ordinary client id (FixMyStreet's `fms-user-42`) files the case instead
/// of failing with 404.
#[tokio::test]
async fn a_clients_account_id_is_its_own_reference() {
    let app = TestApp::start().await;
    let citizen_id = app
        .citizen("citizen.a@example.com", "Correct-Horse-Z-331")
        .await;
    let citizen = app
        .sign_in("citizen.a@example.com", "Correct-Horse-Z-331")
        .await;

    let (status, planted) = file_with(&app, &app.key, &[("account_id", &citizen_id)]).await;
    assert_eq!(status, 200, "{planted}");
    assert_eq!(planted["account_id"], citizen_id.as_str(), "echoed as sent");
    let (status, mine) = send(app.as_browser(&citizen, Method::GET, "me/cases")).await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine, json!([]), "not in the citizen's cases");
    let to_citizen = Query::select()
        .expr_as(Expr::col("id").count(), "n")
        .from("notifications")
        .and_where(Expr::col("account_id").eq(citizen_id.as_str()))
        .to_owned();
    let sent: i64 = app.platform.db.fetch_all(&to_citizen).await.unwrap()[0]
        .get("n")
        .unwrap();
    assert_eq!(sent, 0, "nothing sent to the citizen");

    let (status, filed) = file_with(&app, &app.key, &[("account_id", "fms-user-42")]).await;
    assert_eq!(status, 200, "{filed}");
    assert_eq!(filed["account_id"], "fms-user-42");
    let number = filed["service_request_id"].as_str().unwrap();
    let case = cases::testkit::work_case(&app.platform.db, TAIPEI, number)
        .await
        .unwrap()
        .unwrap();
    let reporter = Query::select()
        .columns(["account_id", "client_reference"])
        .from("case_reporters")
        .and_where(Expr::col("case_id").eq(case.id.as_str()))
        .to_owned();
    let row = app
        .platform
        .db
        .fetch_optional(&reporter)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.get::<Option<String>>("account_id").unwrap(), None);
    assert_eq!(
        row.get::<Option<String>>("client_reference").unwrap(),
        Some(format!("{}:fms-user-42", client_id(&app, &app.key).await))
    );
}
