//! Accounts over HTTP: sessions, CSRF, lock-out without enumeration, the second factor, access
//! tokens, password changes, and citizens seeing who read their data.

use crate::support::*;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn staff_session_lifecycle_with_csrf() {
    let app = TestApp::start().await;
    app.staff("admin.wang", &["jurisdiction_admin"]).await;
    let b = app.sign_in("Admin.Wang", STAFF_PASSWORD).await;

    let (status, me) = send(app.as_browser(&b, Method::GET, "me")).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["login"], "admin.wang");
    assert_eq!(me["roles"][0]["role"], "jurisdiction_admin");

    // A write without the CSRF token is refused and changes nothing.
    let before = send(app.as_browser(&b, Method::GET, "api-clients")).await.1;
    let (status, body) = send(
        app.client
            .post(app.api_url("api-clients"))
            .header("cookie", format!("civicdesk_session={}", b.cookie))
            .header("accept-language", "en")
            .json(&json!({ "name": "forged" })),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["errors"][0]["code"], "error-csrf");
    assert!(body["detail"].as_str().unwrap().contains("security token"));
    // A cross-site request with the right token is refused too.
    let (status, _) = send(
        app.as_browser(&b, Method::POST, "api-clients")
            .header("sec-fetch-site", "cross-site")
            .json(&json!({ "name": "forged" })),
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(
        send(app.as_browser(&b, Method::GET, "api-clients")).await.1,
        before
    );

    // With the token it works.
    let (status, created) = send(
        app.as_browser(&b, Method::POST, "api-clients")
            .json(&json!({ "name": "FixMyStreet" })),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert!(created["key"].as_str().unwrap().starts_with("cdk_"));

    // A forged cookie is not a session.
    let forged = Browser {
        cookie: "0".repeat(64),
        csrf: b.csrf.clone(),
    };
    let (status, body) = send(app.as_browser(&forged, Method::GET, "me")).await;
    assert_eq!(status, 401);
    assert_eq!(body["errors"][0]["code"], "error-session-expired");

    // Sign-out ends the session; the cookie is cleared.
    let r = app
        .as_browser(&b, Method::POST, "auth/sign-out")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0"),
        "cookie cleared"
    );
    assert_eq!(send(app.as_browser(&b, Method::GET, "me")).await.0, 401);
}

#[tokio::test]
async fn cookies_are_http_only_and_same_site_and_sessions_rotate() {
    let app = TestApp::start().await;
    app.staff("agent.lin", &["agent"]).await;
    let r = app
        .client
        .post(app.api_url("auth/sign-in"))
        .json(&json!({ "login": "agent.lin", "password": STAFF_PASSWORD }))
        .send()
        .await
        .unwrap();
    let set_cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Lax"),
        "{set_cookie}"
    );
    assert!(!set_cookie.contains("Secure"), "plain HTTP in tests");
    let first = app.sign_in("agent.lin", STAFF_PASSWORD).await;
    let second = app.sign_in("agent.lin", STAFF_PASSWORD).await;
    assert_ne!(first.cookie, second.cookie, "a new id at every sign-in");

    // Changing the password renews this session and ends the others.
    let (status, body) = send(
        app.as_browser(&first, Method::POST, "me/password")
            .json(&json!({
                "current_password": STAFF_PASSWORD,
                "new_password": "another-long-passphrase-7",
            })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(send(app.as_browser(&first, Method::GET, "me")).await.0, 401);
    assert_eq!(
        send(app.as_browser(&second, Method::GET, "me")).await.0,
        401
    );

    // Sign-out everywhere ends every session.
    let a = app.sign_in("agent.lin", "another-long-passphrase-7").await;
    let c = app.sign_in("agent.lin", "another-long-passphrase-7").await;
    let (status, body) = send(app.as_browser(&a, Method::POST, "auth/sign-out-everywhere")).await;
    // a, c, and the session renewed by the password change.
    assert_eq!((status, body["sessions_ended"].as_i64()), (200, Some(3)));
    assert_eq!(send(app.as_browser(&c, Method::GET, "me")).await.0, 401);
}

#[tokio::test]
async fn expired_sessions_are_refused() {
    let app = TestApp::start().await;
    app.staff("agent.chen", &["agent"]).await;
    let b = app.sign_in("agent.chen", STAFF_PASSWORD).await;
    let expire = sea_query::Query::update()
        .table("sessions")
        .value("idle_expires_at", store::now_unix() - 1)
        .to_owned();
    app.platform.db.execute(&expire).await.unwrap();
    let (status, body) = send(app.as_browser(&b, Method::GET, "me")).await;
    assert_eq!(status, 401);
    assert_eq!(body["errors"][0]["code"], "error-session-expired");
}

#[tokio::test]
async fn sign_in_failures_do_not_reveal_accounts_and_lock_out() {
    let app = TestApp::start().await;
    app.staff("clerk.huang", &["counter_clerk"]).await;
    let (s1, wrong_password, _) = app.try_sign_in("clerk.huang", "not-the-password-1").await;
    let (s2, no_account, _) = app.try_sign_in("nobody.here", "not-the-password-1").await;
    assert_eq!((s1, s2), (401, 401));
    assert_eq!(wrong_password, no_account, "the same answer for both");

    for _ in 0..9 {
        app.try_sign_in("clerk.huang", "not-the-password-1").await;
        app.try_sign_in("nobody.here", "not-the-password-1").await;
    }
    // Locked: even the right password is refused for now, and a missing account looks the same.
    let (s1, locked, _) = app.try_sign_in("clerk.huang", STAFF_PASSWORD).await;
    let (s2, locked_missing, _) = app.try_sign_in("nobody.here", STAFF_PASSWORD).await;
    assert_eq!((s1, s2), (429, 429), "{locked}");
    assert_eq!(locked["errors"][0]["code"], "error-rate-limited");
    assert_eq!(locked, locked_missing);

    // An over-long password is refused before any work is done.
    let (status, body, _) = app.try_sign_in("clerk.huang", &"x".repeat(129)).await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn second_factor_enrolment_sign_in_replay_and_recovery() {
    let app = TestApp::start().await;
    app.staff("sup.lee", &["supervisor"]).await;
    let b = app.sign_in("sup.lee", STAFF_PASSWORD).await;
    let (status, setup) = send(app.as_browser(&b, Method::POST, "me/second-factor")).await;
    assert_eq!(status, 200, "{setup}");
    assert!(
        setup["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    let secret = domain::totp::TotpSecret::from_base32(setup["secret"].as_str().unwrap()).unwrap();
    let now = store::now_unix();
    let (status, body) = send(
        app.as_browser(&b, Method::POST, "me/second-factor/confirm")
            .json(&json!({ "code": "000000" })),
    )
    .await;
    assert_eq!(status, 400, "a wrong code: {body}");
    let (status, confirmed) = send(
        app.as_browser(&b, Method::POST, "me/second-factor/confirm")
            .json(&json!({ "code": domain::totp::code_at(&secret, now) })),
    )
    .await;
    assert_eq!(status, 200, "{confirmed}");
    let recovery: Vec<String> =
        serde_json::from_value(confirmed["recovery_codes"].clone()).unwrap();
    assert_eq!(recovery.len(), 10);

    // Signing in now stops at the second factor; the half session can do nothing else.
    let (status, body, half) = app.try_sign_in("sup.lee", STAFF_PASSWORD).await;
    assert_eq!(
        (status, body["stage"].as_str()),
        (200, Some("second_factor"))
    );
    let half = half.unwrap();
    let (status, body) = send(app.as_browser(&half, Method::GET, "staff")).await;
    assert_eq!(status, 401);
    assert_eq!(body["errors"][0]["code"], "error-second-factor-pending");
    // The code used at enrolment cannot be replayed.
    let (status, _) = send(
        app.as_browser(&half, Method::POST, "auth/second-factor")
            .json(&json!({ "code": domain::totp::code_at(&secret, now) })),
    )
    .await;
    assert_eq!(status, 400, "replayed code");
    // A recovery code works once.
    let (status, body) = send(
        app.as_browser(&half, Method::POST, "auth/second-factor")
            .json(&json!({ "code": recovery[0] })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stage"], "full");
    let (status, _) = send(app.as_browser(&half, Method::GET, "me")).await;
    assert_eq!(status, 401, "the half session was replaced by a new id");
    let (_, _, again) = app.try_sign_in("sup.lee", STAFF_PASSWORD).await;
    let (status, _) = send(
        app.as_browser(&again.unwrap(), Method::POST, "auth/second-factor")
            .json(&json!({ "code": recovery[0] })),
    )
    .await;
    assert_eq!(status, 400, "a recovery code is single use");
}

#[tokio::test]
async fn a_role_can_require_a_second_factor() {
    let app = TestApp::start().await;
    app.staff("admin.wu", &["jurisdiction_admin"]).await;
    app.staff("disp.kao", &["dispatcher:PWD-PKS"]).await;
    let admin = app.sign_in("admin.wu", STAFF_PASSWORD).await;
    let (status, body) = send(
        app.as_browser(
            &admin,
            Method::PUT,
            "security/second-factor-roles/dispatcher",
        )
        .json(&json!({ "required": true })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body, b) = app.try_sign_in("disp.kao", STAFF_PASSWORD).await;
    assert_eq!(
        (status, body["stage"].as_str()),
        (200, Some("enrol_second_factor"))
    );
    let b = b.unwrap();
    let (status, body) = send(app.as_browser(&b, Method::GET, "staff")).await;
    assert_eq!(status, 403);
    assert_eq!(body["errors"][0]["code"], "error-second-factor-enrol");
    let (status, me) = send(app.as_browser(&b, Method::GET, "me")).await;
    assert_eq!(
        (status, me["session_stage"].as_str()),
        (200, Some("enrol_second_factor"))
    );
    let (_, setup) = send(app.as_browser(&b, Method::POST, "me/second-factor")).await;
    let secret = domain::totp::TotpSecret::from_base32(setup["secret"].as_str().unwrap()).unwrap();
    let r = app
        .as_browser(&b, Method::POST, "me/second-factor/confirm")
        .json(&json!({ "code": domain::totp::code_at(&secret, store::now_unix()) }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let renewed = session_cookie(&r).expect("a renewed session");
    let body: serde_json::Value = r.json().await.unwrap();
    let full = Browser {
        cookie: renewed,
        csrf: body["csrf_token"].as_str().unwrap().into(),
    };
    assert_eq!(
        send(app.as_browser(&full, Method::GET, "staff")).await.0,
        200
    );
    // Required factors cannot be switched off.
    let (status, _) = send(
        app.as_browser(&full, Method::POST, "me/second-factor/disable")
            .json(&json!({ "code": domain::totp::code_at(&secret, store::now_unix() + 30) })),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn access_tokens_act_as_their_owner_until_revoked() {
    let app = TestApp::start().await;
    app.staff("admin.tsai", &["jurisdiction_admin"]).await;
    let b = app.sign_in("admin.tsai", STAFF_PASSWORD).await;
    let (status, created) = send(
        app.as_browser(&b, Method::POST, "me/tokens")
            .json(&json!({ "name": "nightly export", "expires_in_days": 30 })),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let token = created["token"].as_str().unwrap().to_string();
    assert!(token.starts_with("cdp_"));
    // No CSRF token needed: a bearer token is not an ambient credential.
    let (status, list) = send(app.as_token(&token, Method::GET, "staff")).await;
    assert_eq!(status, 200, "{list}");
    let (status, _) = send(
        app.as_token(&token, Method::POST, "api-clients")
            .json(&json!({ "name": "via token" })),
    )
    .await;
    assert_eq!(status, 201);
    let (_, tokens) = send(app.as_browser(&b, Method::GET, "me/tokens")).await;
    assert!(tokens[0].get("token").is_none(), "never shown again");
    let id = created["id"].as_str().unwrap();
    assert_eq!(
        send(app.as_browser(&b, Method::DELETE, &format!("me/tokens/{id}")))
            .await
            .0,
        204
    );
    let (status, body) = send(app.as_token(&token, Method::GET, "staff")).await;
    assert_eq!(status, 401);
    assert_eq!(body["errors"][0]["code"], "error-token-invalid");
    assert_eq!(
        send(app.as_token("cdp_forged", Method::GET, "staff"))
            .await
            .0,
        401
    );
}

#[tokio::test]
async fn citizens_see_which_staff_read_their_data() {
    let app = TestApp::start().await;
    let citizen = app.citizen("0912-345-678", "my phone my rules").await;
    app.staff("agent.hsu", &["agent"]).await;
    app.staff("field.yang", &["field_worker:PWD-PKS"]).await;
    let agent = app.sign_in("agent.hsu", STAFF_PASSWORD).await;
    let (status, body) =
        send(app.as_browser(&agent, Method::GET, &format!("citizens/{citizen}"))).await;
    assert_eq!(status, 400, "a reason is required: {body}");
    let (status, record) = send(app.as_browser(
        &agent,
        Method::GET,
        &format!("citizens/{citizen}?reason=%E4%BE%86%E9%9B%BB%E6%9F%A5%E8%A9%A2"),
    ))
    .await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["mobile"], "+886912345678");
    // A field worker may not, and learns nothing about whether the account exists.
    let field = app.sign_in("field.yang", STAFF_PASSWORD).await;
    let (status, _) = send(app.as_browser(
        &field,
        Method::GET,
        &format!("citizens/{citizen}?reason=curious"),
    ))
    .await;
    assert_eq!(status, 404);

    // The citizen signs in with the same number written another way and sees the read.
    let me = app.sign_in("+886 912 345 678", "my phone my rules").await;
    let (status, reads) = send(app.as_browser(&me, Method::GET, "me/data-access")).await;
    assert_eq!(status, 200, "{reads}");
    assert_eq!(reads.as_array().unwrap().len(), 1, "{reads}");
    assert_eq!(reads[0]["staff_name"], "Staff agent.hsu");
    assert_eq!(reads[0]["reason"], "來電查詢");
    // Citizens cannot create access tokens or see staff.
    assert_eq!(
        send(
            app.as_browser(&me, Method::POST, "me/tokens")
                .json(&json!({ "name": "x" }))
        )
        .await
        .0,
        403
    );
    assert_eq!(send(app.as_browser(&me, Method::GET, "staff")).await.0, 403);
}

#[tokio::test]
async fn sign_up_rejects_weak_and_malformed_input_in_the_callers_language() {
    let app = TestApp::start().await;
    let (status, body) = send(
        app.client
            .post(app.api_url("auth/sign-up"))
            .header("accept-language", "en")
            .json(&json!({ "login": "02-2720-8889", "password": "password", "display_name": "" })),
    )
    .await;
    assert_eq!(status, 400);
    let codes: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"error-mobile-landline"), "{body}");
    assert!(codes.contains(&"error-display-name"), "{body}");
    assert!(
        codes.iter().any(|c| c.starts_with("error-password")),
        "{body}"
    );
    let (status, body) = send(app.client.post(app.api_url("auth/sign-up")).json(
        &json!({ "login": "chen@example.tw", "password": "p".repeat(129), "display_name": "陳" }),
    ))
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["errors"][0]["code"], "error-password-too-long");
    assert!(
        body["detail"].as_str().unwrap().contains("128"),
        "zh-TW by default: {body}"
    );
    let (status, body) = send(app.client.post(app.api_url("auth/sign-up")).body("login=x")).await;
    assert_eq!(status, 415, "{body}");
    let (status, body) = send(
        app.client
            .post(app.api_url("auth/sign-up"))
            .header("content-type", "application/json")
            .body("{\"login\":"),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["code"], "error-body-malformed");
}

#[tokio::test]
async fn the_audit_trail_records_writes_and_detects_tampering() {
    let app = TestApp::start().await;
    app.staff("admin.ho", &["jurisdiction_admin"]).await;
    let b = app.sign_in("admin.ho", STAFF_PASSWORD).await;
    let r = app
        .as_browser(&b, Method::POST, "api-clients")
        .header("x-request-id", "req-audit-1")
        .json(&json!({ "name": "Audit me" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    let (status, records) = send(app.as_browser(&b, Method::GET, "audit?action=api_client")).await;
    assert_eq!(status, 200, "{records}");
    assert_eq!(records[0]["action"], "api_client.create");
    assert_eq!(records[0]["actor"], "Staff admin.ho");
    assert_eq!(records[0]["request_id"], "req-audit-1");
    assert!(matches!(
        store::audit::verify_chain(&app.platform.db, TAIPEI)
            .await
            .unwrap(),
        store::chain::ChainReport::Intact { .. }
    ));
    let seq = records[0]["seq"].as_i64().unwrap();
    let edit = sea_query::Query::update()
        .table("audit_records")
        .value("actor_label", "someone else")
        .and_where(sea_query::ExprTrait::eq(
            sea_query::Expr::col("chain_seq"),
            seq,
        ))
        .to_owned();
    app.platform.db.execute(&edit).await.unwrap();
    match store::audit::verify_chain(&app.platform.db, TAIPEI)
        .await
        .unwrap()
    {
        store::chain::ChainReport::Broken { chain_seq, .. } => assert_eq!(chain_seq, seq),
        other => panic!("tampering not detected: {other:?}"),
    }
}

#[tokio::test]
async fn id_numbers_are_checked_and_shown_masked_to_their_owner() {
    let app = TestApp::start().await;
    let id = app.citizen("lin@example.tw", "a long enough phrase").await;
    let me = app.sign_in("lin@example.tw", "a long enough phrase").await;
    for (bad, code) in [
        ("A123456788", "error-personal-id-checksum"),
        ("12345", "error-personal-id-format"),
    ] {
        let (status, body) = send(
            app.as_browser(&me, Method::PUT, "me")
                .header("accept-language", "en")
                .json(&json!({ "national_id": bad })),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["errors"][0]["code"], code, "{body}");
    }
    // Full-width input from a Chinese keyboard is accepted.
    let (status, body) = send(
        app.as_browser(&me, Method::PUT, "me")
            .json(&json!({ "national_id": "ａ１２３４５６７８９" })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["national_id"], "A12****789");
    app.staff("clerk.id", &["counter_clerk"]).await;
    let clerk = app.sign_in("clerk.id", STAFF_PASSWORD).await;
    let (_, record) = send(app.as_browser(
        &clerk,
        Method::GET,
        &format!("citizens/{id}?reason=counter%20service"),
    ))
    .await;
    assert_eq!(record["national_id"], "A123456789");
}

#[tokio::test]
async fn expired_codes_are_refused() {
    let app = TestApp::start().await;
    let (status, _) = send(app.client.post(app.api_url("auth/sign-up")).json(&json!({
        "login": "late@example.tw", "password": "slow but steady wins", "display_name": "晚到"
    })))
    .await;
    assert_eq!(status, 202);
    // Whatever the code was, it has expired.
    let expire = sea_query::Query::update()
        .table("one_time_codes")
        .value("expires_at", store::now_unix() - 1)
        .to_owned();
    app.platform.db.execute(&expire).await.unwrap();
    for code in ["000000", "123456", "999999"] {
        let (status, body) = send(
            app.client
                .post(app.api_url("auth/verify"))
                .json(&json!({ "login": "late@example.tw", "code": code })),
        )
        .await;
        assert_eq!(
            (status, body["errors"][0]["code"].as_str()),
            (400, Some("error-code-invalid"))
        );
    }
    let (status, _, _) = app
        .try_sign_in("late@example.tw", "slow but steady wins")
        .await;
    assert_eq!(status, 403, "still not verified");
}

/// F24: names that reorder or hide text, and lookalike e-mail logins, are refused with a
/// message in the caller's language.
#[tokio::test]
async fn names_and_logins_with_invisible_or_lookalike_characters_are_refused() {
    let app = TestApp::start().await;
    let (status, body) = send(
        app.client
            .post(app.api_url("auth/sign-up"))
            .header("accept-language", "zh-TW")
            .json(&json!({ "login": "citizen.\u{0430}@example.com", "password": "Correct-Horse-Z-331", "display_name": "x" })),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["errors"][0]["code"], "error-email-not-ascii");
    assert!(body.to_string().contains("xn--"), "{body}");

    app.citizen("rtl@example.com", "Correct-Horse-Z-331").await;
    let b = app.sign_in("rtl@example.com", "Correct-Horse-Z-331").await;
    for name in [
        "Normal\u{202E}gnp.exe",
        "a\u{0000}b",
        "a\u{200B}b",
        "\u{2067}x\u{2069}",
    ] {
        let (status, body) = send(
            app.as_browser(&b, Method::PUT, "me")
                .header("accept-language", "en")
                .json(&json!({ "display_name": name })),
        )
        .await;
        assert_eq!(status, 400, "{name:?}: {body}");
        assert_eq!(body["errors"][0]["code"], "error-display-name-characters");
        assert!(body.to_string().contains("invisible"), "{body}");
    }
    let (_, me) = send(app.as_browser(&b, Method::GET, "me")).await;
    assert_eq!(me["display_name"], "陳小明", "unchanged");
}
