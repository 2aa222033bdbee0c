//! The stages of a session that a second factor guards: nothing of the account before the
//! factor, no way around enrolment, and sessions that lose full access when a role starts to
//! require a factor.

use crate::support::*;
use reqwest::Method;
use serde_json::json;

async fn require_factor_for(app: &TestApp, admin: &Browser, role: &str) {
    let (status, body) = send(
        app.as_browser(
            admin,
            Method::PUT,
            &format!("security/second-factor-roles/{role}"),
        )
        .json(&json!({ "required": true })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

/// F2: a session that must enrol a factor cannot become a full one through the sign-in code
/// form with a code of a secret it began but never confirmed.
#[tokio::test]
async fn an_unconfirmed_secret_does_not_complete_a_sign_in_on_the_code_form() {
    let app = TestApp::start().await;
    app.staff("admin.yu", &["jurisdiction_admin"]).await;
    app.staff("clerk.enr", &["counter_clerk"]).await;
    let admin = app.sign_in("admin.yu", STAFF_PASSWORD).await;
    require_factor_for(&app, &admin, "counter_clerk").await;
    let (status, body, enrol) = app.try_sign_in("clerk.enr", STAFF_PASSWORD).await;
    assert_eq!(
        (status, body["stage"].as_str()),
        (200, Some("enrol_second_factor"))
    );
    let enrol = enrol.unwrap();
    let (status, setup) = send(app.as_browser(&enrol, Method::POST, "me/second-factor")).await;
    assert_eq!(status, 200, "{setup}");
    let secret = domain::totp::TotpSecret::from_base32(setup["secret"].as_str().unwrap()).unwrap();

    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/sign-in/code", app.base))
        .header(
            "cookie",
            format!("{}={}", web::api::SESSION_COOKIE, enrol.cookie),
        )
        .form(&[
            ("_csrf", enrol.csrf.as_str()),
            ("code", &domain::totp::code_at(&secret, store::now_unix())),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    assert_eq!(session_cookie(&r), None, "no new session");
    let (status, me) = send(app.as_browser(&enrol, Method::GET, "me")).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["session_stage"], "enrol_second_factor");
    assert_eq!(me["second_factor"], false);
    let (status, _) = send(app.as_browser(&enrol, Method::GET, "cases")).await;
    assert_eq!(status, 403, "still only enrolment");
}

/// F15: a full session of an account whose role starts to require a second factor goes back
/// to enrolment on its next request.
#[tokio::test]
async fn live_sessions_lose_full_access_when_their_role_starts_to_require_a_factor() {
    let app = TestApp::start().await;
    app.staff("admin.ho", &["jurisdiction_admin"]).await;
    app.staff("agent.kuo", &["agent"]).await;
    let admin = app.sign_in("admin.ho", STAFF_PASSWORD).await;
    let agent = app.sign_in("agent.kuo", STAFF_PASSWORD).await;
    assert_eq!(
        send(app.as_browser(&agent, Method::GET, "cases")).await.0,
        200
    );

    require_factor_for(&app, &admin, "agent").await;
    let (status, body) = send(app.as_browser(&agent, Method::GET, "cases")).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["errors"][0]["code"], "error-second-factor-enrol");
    let (status, me) = send(app.as_browser(&agent, Method::GET, "me")).await;
    assert_eq!(
        (status, me["session_stage"].as_str()),
        (200, Some("enrol_second_factor"))
    );
}

/// F16: the password alone shows nothing of a staff member's account.
#[tokio::test]
async fn the_account_is_not_shown_before_the_second_factor() {
    let app = TestApp::start().await;
    app.staff("sup.tfa", &["supervisor"]).await;
    let b = app.sign_in("sup.tfa", STAFF_PASSWORD).await;
    let (_, setup) = send(app.as_browser(&b, Method::POST, "me/second-factor")).await;
    let secret = domain::totp::TotpSecret::from_base32(setup["secret"].as_str().unwrap()).unwrap();
    let (status, _) = send(
        app.as_browser(&b, Method::POST, "me/second-factor/confirm")
            .json(&json!({ "code": domain::totp::code_at(&secret, store::now_unix()) })),
    )
    .await;
    assert_eq!(status, 200);

    let (status, body, half) = app.try_sign_in("sup.tfa", STAFF_PASSWORD).await;
    assert_eq!(
        (status, body["stage"].as_str()),
        (200, Some("second_factor"))
    );
    let (status, me) = send(app.as_browser(&half.unwrap(), Method::GET, "me")).await;
    assert_eq!(status, 401, "{me}");
    assert_eq!(me["errors"][0]["code"], "error-second-factor-pending");
    assert!(!me.to_string().contains("sup.tfa@taipei.gov.tw"), "{me}");
}

/// Administrators and supervisors need a second factor unless their jurisdiction's policy
/// says otherwise; other staff sign in with a password, unless the policy asks more of them.
#[tokio::test]
async fn administrators_and_supervisors_need_a_second_factor_by_default() {
    let app = TestApp::new()
        .with_config(|c| {
            c.second_factor_roles = platform::ServiceConfig::SECOND_FACTOR_ROLES.to_vec();
        })
        .start()
        .await;
    app.staff("admin.def", &["jurisdiction_admin"]).await;
    app.staff("sup.def", &["supervisor"]).await;
    app.staff("disp.def", &["dispatcher:PWD-PKS"]).await;
    for login in ["admin.def", "sup.def"] {
        let (status, body, _) = app.try_sign_in(login, STAFF_PASSWORD).await;
        assert_eq!(
            (status, body["stage"].as_str()),
            (200, Some("enrol_second_factor")),
            "{login}: {body}"
        );
    }
    app.sign_in("disp.def", STAFF_PASSWORD).await;

    // The policy lists the default roles, and a jurisdiction may turn one off.
    let system = platform::authz::Actor::system(TAIPEI, "test");
    assert_eq!(
        app.identity.roles_requiring_totp(&system).await.unwrap(),
        ["jurisdiction_admin", "supervisor"]
    );
    app.identity
        .set_role_policy(&system, platform::authz::Role::Supervisor, false, false)
        .await
        .unwrap();
    assert_eq!(
        app.identity.roles_requiring_totp(&system).await.unwrap(),
        ["jurisdiction_admin"]
    );
    app.sign_in("sup.def", STAFF_PASSWORD).await;
}
