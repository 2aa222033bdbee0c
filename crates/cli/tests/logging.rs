//! No password, token, code, ID number or phone number is ever logged. This test captures
//! every log line at TRACE level (all crates, including the database driver and the HTTP
//! layers) during a full cycle of sign-up, sign-in, second factor, tokens, a staff read of
//! personal data, the agent's desk (phone numbers in paths) and an Open311 report carrying
//! personal data, and searches the capture.
//! It is its own test binary because the log subscriber is global to a process.

#[path = "http/support.rs"]
#[allow(dead_code)]
mod support;

use reqwest::Method;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};
use support::*;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("capture lock").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn secrets_and_personal_data_never_reach_the_logs() {
    let capture = Capture::default();
    let writer = capture.clone();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .init();

    let app = TestApp::start().await;
    let citizen_password = "my secret phrase 8812";
    let citizen = app.citizen("0987-654-321", citizen_password).await;
    let me = app.sign_in("0987654321", citizen_password).await;
    app.staff("agent.log", &["agent", "jurisdiction_admin"])
        .await;
    let agent = app.sign_in("agent.log", STAFF_PASSWORD).await;
    let (_, token) = send(
        app.as_browser(&agent, Method::POST, "me/tokens")
            .json(&json!({ "name": "log test" })),
    )
    .await;
    let token = token["token"].as_str().unwrap().to_string();
    let (status, _) = send(app.as_token(
        &token,
        Method::GET,
        &format!("citizens/{citizen}?reason=callback"),
    ))
    .await;
    assert_eq!(status, 200);
    // The agent's desk: numbers in paths and bodies.
    for (method, path, body) in [
        (Method::GET, "callers/0987654321?reason=callback", None),
        (Method::GET, "callers/+886987654321?reason=callback", None),
        (
            Method::PUT,
            "care-flags/0987654321",
            Some(json!({ "note": "獨居" })),
        ),
        (Method::DELETE, "care-flags/0987-654-321", None),
        (
            Method::POST,
            "contacts",
            Some(json!({ "phone": "0987654321", "service_type": "consult", "summary": "詢問" })),
        ),
        (
            Method::GET,
            "contacts?phone=0987654321&reason=callback",
            None,
        ),
    ] {
        let mut req = app.as_token(&token, method, path);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let (status, body) = send(req).await;
        assert!((200..300).contains(&status), "{path}: {body}");
    }
    let (_, setup) = send(app.as_browser(&agent, Method::POST, "me/second-factor")).await;
    let secret = setup["secret"].as_str().unwrap().to_string();
    let (_, created_key) = send(
        app.as_token(&token, Method::POST, "api-clients")
            .json(&json!({ "name": "log app" })),
    )
    .await;
    let api_key = created_key["key"].as_str().unwrap().to_string();
    // A failed sign-in with a password that must not show up either.
    app.try_sign_in("agent.log", "wrong-but-secret-9931").await;
    app.client
        .post(app.api_url("auth/password-reset"))
        .json(&json!({ "login": "0987654321" }))
        .send()
        .await
        .unwrap();
    // An Open311 report with the reporter's contact details and an ID number in the text.
    let (status, body) = app
        .post_form(
            "requests.json",
            &[
                ("api_key", &api_key),
                ("service_code", "1999-L01"),
                ("lat", "25.0377"),
                ("long", "121.5436"),
                ("attribute[lamps_out]", "2"),
                ("phone", "0911222333"),
                ("email", "reporter@example.tw"),
                ("first_name", "小明"),
                ("description", "我的身分證 A123456789，電話 0911222333"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let case: serde_json::Value = serde_json::from_str(&body).unwrap();
    let notice = case[0]["service_notice"].as_str().unwrap().to_string();
    let case_password = notice
        .split(|c: char| !c.is_ascii_alphanumeric())
        .find(|w| {
            w.len() == 8
                && w.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
        .expect("the case password in the notice")
        .to_string();
    send(app.as_browser(&me, Method::POST, "auth/sign-out")).await;

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.len() > 1000, "the capture works: {} bytes", logs.len());
    assert!(
        logs.contains("case filed"),
        "the capture sees application logs"
    );
    let secrets = [
        ("citizen password", citizen_password.to_string()),
        ("staff password", STAFF_PASSWORD.to_string()),
        ("failed password", "wrong-but-secret-9931".to_string()),
        ("session id", me.cookie.clone()),
        ("staff session id", agent.cookie.clone()),
        ("CSRF token", agent.csrf.clone()),
        ("access token", token.clone()),
        ("API key", api_key.clone()),
        ("TOTP secret", secret),
        ("case password", case_password),
        ("phone, local", "0987654321".to_string()),
        ("phone, E.164", "+886987654321".to_string()),
        ("phone, national digits", "987654321".to_string()),
        ("reporter phone", "0911222333".to_string()),
        ("reporter phone digits", "911222333".to_string()),
        ("national ID", "A123456789".to_string()),
        ("reporter email", "reporter@example.tw".to_string()),
    ];
    for (what, secret) in secrets {
        assert!(!secret.is_empty());
        if let Some(at) = logs.find(&secret) {
            let start = logs[..at].rfind('\n').map_or(0, |i| i + 1);
            let end = logs[at..].find('\n').map_or(logs.len(), |i| at + i);
            panic!("the {what} was logged:\n{}", &logs[start..end]);
        }
    }
}
