//! The staff pages over HTTP, as a browser without JavaScript uses them: plain GETs and form
//! posts with the session cookie and the form token. What a page does is read back through the
//! REST API, so the pages and the API are shown to be the same use cases.
//!
//! `desk`: the agent's console, new cases, the contact log, the knowledge base, out-calls;
//! `work`: the dispatcher's queue, case page and bulk assignment; `field`: the field worker;
//! here: who may see the pages, the form token, and second-factor enrolment.

mod compact;
mod cosign;
mod desk;
mod field;
mod find;
mod said;
mod work;

use crate::support::*;
use reqwest::Method;
use sea_query::{Expr, ExprTrait, Query};
use serde_json::{Value, json};

/// A page's answer: status, body and where a redirect goes.
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub location: Option<String>,
}

pub fn pages() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

pub fn with_session(req: reqwest::RequestBuilder, b: &Browser) -> reqwest::RequestBuilder {
    req.header(
        "cookie",
        format!("{}={}", web::api::SESSION_COOKIE, b.cookie),
    )
    .header("accept-language", "en")
}

pub async fn answer(req: reqwest::RequestBuilder) -> Answer {
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

pub async fn get(app: &TestApp, b: &Browser, path: &str) -> Answer {
    answer(with_session(pages().get(format!("{}{path}", app.base)), b)).await
}

/// Posts a form with the session's token (as every page's forms carry it).
pub async fn post(app: &TestApp, b: &Browser, path: &str, form: &[(&str, &str)]) -> Answer {
    let mut fields: Vec<(&str, &str)> = vec![("_csrf", b.csrf.as_str())];
    fields.extend_from_slice(form);
    answer(with_session(pages().post(format!("{}{path}", app.base)), b).form(&fields)).await
}

/// Where a form's redirect leads (POST, redirect, GET), as a browser follows it.
pub async fn follow(app: &TestApp, b: &Browser, posted: Answer) -> Answer {
    assert_eq!(posted.status, 303, "{}", posted.body);
    let to = posted.location.expect("a redirect");
    get(app, b, &to).await
}

/// The case number shown in big type on a confirmation page.
pub fn shown_case_number(html: &str) -> String {
    let re = regex::Regex::new(r#"big-code">(\d{13})<"#).unwrap();
    re.captures(html)
        .unwrap_or_else(|| panic!("a case number in {html}"))[1]
        .to_string()
}

pub async fn api(app: &TestApp, b: &Browser, method: Method, path: &str) -> (u16, Value) {
    send(app.as_browser(b, method, path)).await
}

pub async fn file_streetlight_by_api(
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

pub async fn set_sla(app: &TestApp, number: &str, state: &str, due: i64) {
    let stmt = Query::update()
        .table("cases")
        .value("sla_state", state)
        .value("resolution_due_at", due)
        .and_where(Expr::col("case_number").eq(number))
        .to_owned();
    app.platform.db.execute(&stmt).await.unwrap();
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
