//! Passkeys through the REST API and the pages, answered by a software authenticator that
//! does what a browser and an authenticator do (a P-256 key, `none` attestation, the client
//! data a browser writes, a counter): registration, sign-in without a password, renaming and
//! revoking, the second factor of staff and a role that requires it; and the attacks: an
//! answer made for another site, a replayed or forged answer, a revoked passkey, a ceremony of
//! someone else, and an address where passkeys cannot work.

use crate::soft_authenticator::{SoftKey, text_of};
use crate::support::{Browser, STAFF_PASSWORD, TestApp, send, session_cookie};
use crate::ui_staff::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use reqwest::Method;
use serde_json::{Value, json};

// ------------------------------------------------------------------------------ helpers

/// An app whose public URL is `http://localhost:…` (passkeys need a host name); requests still
/// go to 127.0.0.1. Returns the app and the origin a browser would have.
async fn app_with_passkeys(
    configure: impl FnOnce(&mut platform::ServiceConfig),
) -> (TestApp, String) {
    let app = TestApp::start_with(|c| {
        c.public_url = c.public_url.replace("127.0.0.1", "localhost");
        configure(c);
    })
    .await;
    let origin = app.base.replace("127.0.0.1", "localhost");
    (app, origin)
}

/// Registers a passkey for a signed-in browser through the REST API.
async fn register(app: &TestApp, b: &Browser, origin: &str, name: &str) -> (SoftKey, Value) {
    let (status, challenge) = send(app.as_browser(b, Method::POST, "me/passkeys/challenge")).await;
    assert_eq!(status, 200, "{challenge}");
    let (soft, credential) = SoftKey::create(&challenge["options"], origin);
    let (status, added) = send(app.as_browser(b, Method::POST, "me/passkeys").json(&json!({
        "ceremony": challenge["ceremony"],
        "name": name,
        "credential": credential,
    })))
    .await;
    assert_eq!(status, 201, "{added}");
    (soft, added)
}

/// A sign-in with a passkey through the REST API: the status, the body and the cookie.
async fn passkey_sign_in(
    app: &TestApp,
    soft: &mut SoftKey,
    origin: &str,
) -> (u16, Value, Option<String>, Value) {
    let (status, challenge) = send(app.client.post(app.api_url("auth/passkey/challenge"))).await;
    assert_eq!(status, 200, "{challenge}");
    let answer = soft.get(&challenge["options"], origin);
    let body = json!({ "ceremony": challenge["ceremony"], "credential": answer });
    let r = app
        .client
        .post(app.api_url("auth/passkey"))
        .json(&body)
        .send()
        .await
        .expect("POST");
    let status = r.status().as_u16();
    let cookie = session_cookie(&r);
    let json: Value = r.json().await.expect("JSON");
    (status, json, cookie, body)
}

// -------------------------------------------------------------------------------- tests

#[tokio::test]
async fn a_citizen_adds_a_passkey_signs_in_with_it_alone_renames_and_revokes_it() {
    let (app, origin) = app_with_passkeys(|_| {}).await;
    app.citizen("0911000333", "lantern-kite-harbour-7").await;
    let b = app.sign_in("0911000333", "lantern-kite-harbour-7").await;

    let (mut soft, added) = register(&app, &b, &origin, "我的手機").await;
    assert_eq!(added["name"], "我的手機");
    assert!(added["last_used_at"].is_null());
    let id = added["id"].as_str().expect("id").to_string();

    // No password: the passkey alone opens a full session.
    let (status, body, cookie, replay) = passkey_sign_in(&app, &mut soft, &origin).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stage"], "full");
    let signed_in = Browser {
        cookie: cookie.expect("a session cookie"),
        csrf: body["csrf_token"].as_str().unwrap_or_default().to_string(),
    };
    let (status, me) = send(app.as_browser(&signed_in, Method::GET, "me")).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["login"], "+886911000333");

    // The same answer again: its ceremony was taken.
    let (status, again) = send(app.client.post(app.api_url("auth/passkey")).json(&replay)).await;
    assert_eq!(status, 400, "{again}");
    assert!(
        again["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("Start again")
            || again["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("重新開始"),
        "{again}"
    );

    // The list shows when it was last used; a new name; then revoked.
    let (_, list) = send(app.as_browser(&b, Method::GET, "me/passkeys")).await;
    assert_eq!(list["passkeys"].as_array().map(Vec::len), Some(1), "{list}");
    assert!(list["passkeys"][0]["last_used_at"].is_string(), "{list}");
    let (status, _) = send(
        app.as_browser(&b, Method::PATCH, &format!("me/passkeys/{id}"))
            .json(&json!({ "name": "  公司電腦 " })),
    )
    .await;
    assert_eq!(status, 204);
    let (status, bad) = send(
        app.as_browser(&b, Method::PATCH, &format!("me/passkeys/{id}"))
            .json(&json!({ "name": " " })),
    )
    .await;
    assert_eq!(status, 400, "{bad}");
    let (_, list) = send(app.as_browser(&b, Method::GET, "me/passkeys")).await;
    assert_eq!(list["passkeys"][0]["name"], "公司電腦");
    let (status, _) = send(app.as_browser(&b, Method::DELETE, &format!("me/passkeys/{id}"))).await;
    assert_eq!(status, 204);

    // A revoked passkey signs in no more, and says nothing of the account.
    let (status, body, cookie, _) = passkey_sign_in(&app, &mut soft, &origin).await;
    assert_eq!(status, 401, "{body}");
    assert!(cookie.is_none());

    // Someone else's passkey cannot be renamed or revoked.
    let (mut other, other_added) = {
        app.citizen("0911000444", "meadow-copper-violin-3").await;
        let b2 = app.sign_in("0911000444", "meadow-copper-violin-3").await;
        register(&app, &b2, &origin, "phone").await
    };
    let other_id = other_added["id"].as_str().expect("id");
    let (status, _) =
        send(app.as_browser(&b, Method::DELETE, &format!("me/passkeys/{other_id}"))).await;
    assert_eq!(status, 404);
    let (status, body, _, _) = passkey_sign_in(&app, &mut other, &origin).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn answers_for_another_site_forged_or_for_another_ceremony_are_refused() {
    let (app, origin) = app_with_passkeys(|_| {}).await;
    app.citizen("0911000555", "lantern-kite-harbour-7").await;
    let b = app.sign_in("0911000555", "lantern-kite-harbour-7").await;

    // Made at a phishing site: the origin is not ours.
    let (_, challenge) = send(app.as_browser(&b, Method::POST, "me/passkeys/challenge")).await;
    let (_, credential) = SoftKey::create(&challenge["options"], "https://taipei-1999.example.com");
    let (status, body) = send(
        app.as_browser(&b, Method::POST, "me/passkeys")
            .json(&json!({
                "ceremony": challenge["ceremony"], "name": "x", "credential": credential,
            })),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body.to_string().contains("another website") || body.to_string().contains("其他網站"),
        "{body}"
    );

    // A name is checked; garbage is refused plainly.
    let (_, challenge) = send(app.as_browser(&b, Method::POST, "me/passkeys/challenge")).await;
    let (status, body) = send(
        app.as_browser(&b, Method::POST, "me/passkeys")
            .json(&json!({
                "ceremony": challenge["ceremony"], "name": "x", "credential": { "id": 1 },
            })),
    )
    .await;
    assert_eq!(status, 400, "{body}");

    let (mut soft, _) = register(&app, &b, &origin, "laptop").await;

    // A forged signature (the answer for one challenge, signed again for nothing).
    let (_, challenge) = send(app.client.post(app.api_url("auth/passkey/challenge"))).await;
    let mut answer = soft.get(&challenge["options"], &origin);
    let mut sig = B64
        .decode(text_of(&answer, "/response/signature"))
        .expect("sig");
    let last = sig.len() - 1;
    sig[last] ^= 0x01;
    answer["response"]["signature"] = json!(B64.encode(&sig));
    let (status, body) = send(app.client.post(app.api_url("auth/passkey")).json(&json!({
        "ceremony": challenge["ceremony"], "credential": answer,
    })))
    .await;
    assert_eq!(status, 401, "{body}");

    // An answer to one challenge brought with another ceremony's token.
    let (_, first) = send(app.client.post(app.api_url("auth/passkey/challenge"))).await;
    let (_, second) = send(app.client.post(app.api_url("auth/passkey/challenge"))).await;
    let answer = soft.get(&first["options"], &origin);
    let (status, body) = send(app.client.post(app.api_url("auth/passkey")).json(&json!({
        "ceremony": second["ceremony"], "credential": answer,
    })))
    .await;
    assert_eq!(status, 401, "{body}");

    // At an IP address there is no relying party: passkeys are not offered.
    let plain = TestApp::start().await;
    let (status, body) = send(plain.client.post(plain.api_url("auth/passkey/challenge"))).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["errors"][0]["code"], "error-passkeys-unavailable");
    let page = plain
        .client
        .get(format!("{}/sign-in", plain.base))
        .send()
        .await
        .expect("GET");
    assert!(
        !page
            .text()
            .await
            .unwrap_or_default()
            .contains("/sign-in/passkey")
    );
}

#[tokio::test]
async fn staff_use_a_passkey_as_the_second_step_and_a_role_can_require_one() {
    let (app, origin) = app_with_passkeys(|_| {}).await;
    app.staff("chief", &["jurisdiction_admin"]).await;
    app.staff("lin", &["supervisor"]).await;
    let admin = app.sign_in("chief", STAFF_PASSWORD).await;
    let (status, body) = send(
        app.as_browser(
            &admin,
            Method::PUT,
            "security/second-factor-roles/supervisor",
        )
        .json(&json!({ "required": true, "passkey": true })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, roles) =
        send(app.as_browser(&admin, Method::GET, "security/second-factor-roles")).await;
    assert_eq!(roles["passkey_roles"], json!(["supervisor"]), "{roles}");

    // Without a passkey, the password opens only the enrolment; adding one completes it.
    let (status, body, partial) = app.try_sign_in("lin", STAFF_PASSWORD).await;
    assert_eq!(status, 200);
    assert_eq!(body["stage"], "enrol_second_factor", "{body}");
    let partial = partial.expect("a session");
    let (status, _) = send(app.as_browser(&partial, Method::GET, "me/passkeys")).await;
    assert_eq!(status, 403, "only enrolment is open");
    let (_, challenge) =
        send(app.as_browser(&partial, Method::POST, "me/passkeys/challenge")).await;
    let (mut soft, credential) = SoftKey::create(&challenge["options"], &origin);
    let r = app
        .as_browser(&partial, Method::POST, "me/passkeys")
        .json(&json!({ "ceremony": challenge["ceremony"], "name": "YubiKey", "credential": credential }))
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status().as_u16(), 201);
    let full = Browser {
        cookie: session_cookie(&r).expect("the session is renewed"),
        csrf: String::new(),
    };
    let (status, body) = send(app.as_browser(&full, Method::GET, "me/passkeys")).await;
    assert_eq!(status, 200, "{body}");

    // Next time: the password, then the passkey.
    let (_, body, partial) = app.try_sign_in("lin", STAFF_PASSWORD).await;
    assert_eq!(body["stage"], "second_factor", "{body}");
    let partial = partial.expect("a session");
    let (status, body) = send(
        app.as_browser(&partial, Method::POST, "auth/second-factor")
            .json(&json!({ "code": "123456" })),
    )
    .await;
    assert_eq!(status, 403, "a code is not enough for this role: {body}");
    let (status, challenge) = send(app.as_browser(
        &partial,
        Method::POST,
        "auth/second-factor/passkey/challenge",
    ))
    .await;
    assert_eq!(status, 200, "{challenge}");
    assert_eq!(
        challenge["options"]["publicKey"]["allowCredentials"]
            .as_array()
            .map(Vec::len),
        Some(1)
    );
    let answer = soft.get(&challenge["options"], &origin);
    let (status, body) = send(
        app.as_browser(&partial, Method::POST, "auth/second-factor/passkey")
            .json(&json!({ "ceremony": challenge["ceremony"], "credential": answer })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stage"], "full");

    // The only passkey the role requires stays.
    let signed_in = app.sign_in_with_passkey_or_panic(&mut soft, &origin).await;
    let (_, list) = send(app.as_browser(&signed_in, Method::GET, "me/passkeys")).await;
    let id = list["passkeys"][0]["id"].as_str().expect("id");
    let (status, body) =
        send(app.as_browser(&signed_in, Method::DELETE, &format!("me/passkeys/{id}"))).await;
    assert_eq!(status, 403, "{body}");
}

impl TestApp {
    async fn sign_in_with_passkey_or_panic(&self, soft: &mut SoftKey, origin: &str) -> Browser {
        let (status, body, cookie, _) = passkey_sign_in(self, soft, origin).await;
        assert_eq!(status, 200, "{body}");
        Browser {
            cookie: cookie.expect("cookie"),
            csrf: body["csrf_token"].as_str().unwrap_or_default().to_string(),
        }
    }
}

#[tokio::test]
async fn the_pages_add_a_passkey_and_sign_in_with_it() {
    let (app, origin) = app_with_passkeys(|_| {}).await;
    app.citizen("0911000666", "lantern-kite-harbour-7").await;
    let b = app.sign_in("0911000666", "lantern-kite-harbour-7").await;

    let page = get(&app, &b, "/account/passkeys").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("data-challenge=\"/account/passkeys/challenge\"")
    );

    // The script's first request: a missing name is refused before any passkey is made.
    let r = post(&app, &b, "/account/passkeys/challenge", &[("name", "")]).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("message"), "{}", r.body);
    let r = post(&app, &b, "/account/passkeys/challenge", &[("name", "平板")]).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let challenge: Value = serde_json::from_str(&r.body).expect("JSON");
    let (mut soft, credential) = SoftKey::create(&challenge["options"], &origin);
    let added = post(
        &app,
        &b,
        "/account/passkeys",
        &[
            ("ceremony", text_of(&challenge, "/ceremony")),
            ("name", "平板"),
            ("credential", &credential.to_string()),
        ],
    )
    .await;
    assert_eq!(
        added.location.as_deref(),
        Some("/account/passkeys?done=added"),
        "{}",
        added.body
    );
    let page = get(&app, &b, "/account/passkeys?done=added").await;
    assert!(page.body.contains("平板"), "{}", page.body);

    // The sign-in page offers it; its form signs in and goes on.
    let visitor = app
        .client
        .get(format!("{}/sign-in", app.base))
        .send()
        .await
        .expect("GET");
    let form_cookie: Vec<String> = visitor
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .map(str::to_string)
        .collect();
    let html = visitor.text().await.expect("HTML");
    assert!(html.contains("action=\"/sign-in/passkey\""), "{html}");
    let token = html
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|t| t.split('"').next())
        .expect("a form token")
        .to_string();
    let cookies = form_cookie.join("; ");
    let challenge: Value = app
        .client
        .post(format!("{}/sign-in/passkey/challenge", app.base))
        .header("cookie", &cookies)
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .expect("POST")
        .json()
        .await
        .expect("JSON");
    let answer = soft.get(&challenge["options"], &origin);
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let r = no_redirect
        .post(format!("{}/sign-in/passkey", app.base))
        .header("cookie", &cookies)
        .form(&[
            ("_csrf", token.as_str()),
            ("ceremony", text_of(&challenge, "/ceremony")),
            ("credential", &answer.to_string()),
            ("back", "/account"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        r.headers().get("location").and_then(|v| v.to_str().ok()),
        Some("/account")
    );
    assert!(session_cookie(&r).is_some());
}

#[tokio::test]
async fn a_session_waiting_for_its_passkey_cannot_enrol_another_factor_instead() {
    let (app, origin) = app_with_passkeys(|_| {}).await;
    app.staff("wu.li", &["agent"]).await;
    let full = app.sign_in("wu.li", STAFF_PASSWORD).await;
    register(&app, &full, &origin, "laptop").await;

    // The password alone: waiting for the passkey.
    let (_, body, partial) = app.try_sign_in("wu.li", STAFF_PASSWORD).await;
    assert_eq!(body["stage"], "second_factor", "{body}");
    let partial = partial.expect("a session");
    // Not an authenticator app instead, through the pages or the API …
    let page = get(&app, &partial, "/account/second-factor").await;
    assert_eq!(
        page.location.as_deref(),
        Some("/sign-in/code"),
        "{}",
        page.body
    );
    let begun = post(&app, &partial, "/account/second-factor/begin", &[]).await;
    assert_eq!(
        begun.location.as_deref(),
        Some("/sign-in/code"),
        "{}",
        begun.body
    );
    let (status, _) = send(app.as_browser(&partial, Method::POST, "me/second-factor")).await;
    assert_eq!(status, 401, "the API knows no half-signed-in caller");
    // … nor a passkey of the intruder's own.
    let (status, body) =
        send(app.as_browser(&partial, Method::POST, "me/passkeys/challenge")).await;
    assert_eq!(status, 400, "{body}");
    // An access token cannot add a passkey either (it would outlive the token).
    let (status, token) = send(
        app.as_browser(&full, Method::POST, "me/tokens")
            .json(&json!({ "name": "script" })),
    )
    .await;
    assert_eq!(status, 201, "{token}");
    let (status, body) = send(app.as_token(
        token["token"].as_str().expect("token"),
        Method::POST,
        "me/passkeys/challenge",
    ))
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["errors"][0]["code"], "error-passkey-needs-session");
}

#[tokio::test]
async fn an_authenticator_app_comes_first_when_a_role_starts_to_require_a_passkey() {
    let (app, _) = app_with_passkeys(|_| {}).await;
    app.staff("chief2", &["jurisdiction_admin"]).await;
    app.staff("chen", &["supervisor"]).await;
    let admin = app.sign_in("chief2", STAFF_PASSWORD).await;

    // Chen has an authenticator app.
    let b = app.sign_in("chen", STAFF_PASSWORD).await;
    let (_, setup) = send(app.as_browser(&b, Method::POST, "me/second-factor")).await;
    let secret = domain::totp::TotpSecret::from_base32(setup["secret"].as_str().expect("secret"))
        .expect("secret");
    let (status, _) = send(
        app.as_browser(&b, Method::POST, "me/second-factor/confirm")
            .json(&json!({ "code": domain::totp::code_at(&secret, store::now_unix()) })),
    )
    .await;
    assert_eq!(status, 200);

    // Supervisors must now use a passkey: the password still leads to the app's code first,
    // and the code leads only to adding a passkey.
    send(
        app.as_browser(
            &admin,
            Method::PUT,
            "security/second-factor-roles/supervisor",
        )
        .json(&json!({ "required": true, "passkey": true })),
    )
    .await;
    let (_, body, partial) = app.try_sign_in("chen", STAFF_PASSWORD).await;
    assert_eq!(body["stage"], "second_factor", "{body}");
    let partial = partial.expect("a session");
    let (status, body) = send(
        app.as_browser(&partial, Method::POST, "auth/second-factor")
            .json(&json!({ "code": domain::totp::code_at(&secret, store::now_unix() + 30) })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stage"], "enrol_second_factor", "{body}");
}
