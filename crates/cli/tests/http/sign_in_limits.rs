//! Limits on guessing: sign-in failures counted atomically per account and per address, the
//! owner's browser keeping a budget of its own (device cookie), case tracking limited per case
//! and per address, and a second sign-in in the same browser ending the first session.

use crate::support::*;
use reqwest::Method;
use serde_json::json;
use std::net::IpAddr;

/// A client whose requests come from `ip` (any 127.x address is this machine), so the server
/// sees several clients.
fn client_from(ip: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(ip.parse::<IpAddr>().expect("ip"))
        .build()
        .expect("client")
}

/// The value of cookie `name` among a response's `Set-Cookie` headers.
fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next()?.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

async fn sign_in_from(
    app: &TestApp,
    client: &reqwest::Client,
    login: &str,
    password: &str,
    cookies: &str,
) -> reqwest::Response {
    client
        .post(app.api_url("auth/sign-in"))
        .header("cookie", cookies)
        .json(&json!({ "login": login, "password": password }))
        .send()
        .await
        .expect("sign-in")
}

/// F3, F20: 180 wrong passwords sent at once from three addresses are checked at most as
/// often as the account's budget allows (10); the rest are refused before any check. A
/// stranger is locked out then, but the owner's browser, with the device cookie of an earlier
/// sign-in, still gets in.
#[tokio::test]
async fn parallel_guesses_are_checked_at_most_the_budget_and_the_owner_still_gets_in() {
    let app = TestApp::start().await;
    app.staff("clerk.lin", &["counter_clerk"]).await;
    let owner = client_from("127.0.0.1");
    let r = sign_in_from(&app, &owner, "clerk.lin", STAFF_PASSWORD, "").await;
    assert_eq!(r.status().as_u16(), 200);
    let device = set_cookie(&r, web::api::DEVICE_COOKIE).expect("a device cookie");

    let mut guesses = tokio::task::JoinSet::new();
    for ip in ["127.0.0.11", "127.0.0.12", "127.0.0.13"] {
        let client = client_from(ip);
        for i in 0..60 {
            let (client, url) = (client.clone(), app.api_url("auth/sign-in"));
            guesses.spawn(async move {
                client
                    .post(url)
                    .json(
                        &json!({ "login": "clerk.lin", "password": format!("wrong-{i}-password") }),
                    )
                    .send()
                    .await
                    .expect("guess")
                    .status()
                    .as_u16()
            });
        }
    }
    let statuses = guesses.join_all().await;
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((checked, refused), (10, 170), "{statuses:?}");

    // A stranger with the right password is refused for now, like every guesser.
    let stranger = client_from("127.0.0.14");
    let r = sign_in_from(&app, &stranger, "clerk.lin", STAFF_PASSWORD, "").await;
    assert_eq!(r.status().as_u16(), 429);
    // The owner's browser is not locked out by them.
    let cookie = format!("{}={device}", web::api::DEVICE_COOKIE);
    let r = sign_in_from(&app, &owner, "clerk.lin", STAFF_PASSWORD, &cookie).await;
    assert_eq!(r.status().as_u16(), 200);
    // A device cookie made up by someone else is no key.
    let forged = format!(
        "{}=00112233445566778899aabbccddeeff.00",
        web::api::DEVICE_COOKIE
    );
    let r = sign_in_from(&app, &stranger, "clerk.lin", STAFF_PASSWORD, &forged).await;
    assert_eq!(r.status().as_u16(), 429);
}

/// F20: the user name, e-mail address and mobile number of one account share one budget.
#[tokio::test]
async fn every_name_of_an_account_shares_one_budget() {
    let app = TestApp::start().await;
    app.identity
        .create_staff(
            &platform::authz::Actor::system(TAIPEI, "test"),
            identity::accounts::NewStaff {
                login: "field.chou".into(),
                display_name: "周".into(),
                email: Some("chou@taipei.gov.tw".into()),
                mobile: Some("0912-000-111".into()),
                locale: domain::Locale::ZhTw,
                roles: Vec::new(),
                password: Some(STAFF_PASSWORD.into()),
            },
        )
        .await
        .expect("staff");
    for name in ["field.chou", "chou@taipei.gov.tw", "0912000111"] {
        for _ in 0..4 {
            let (status, _, _) = app.try_sign_in(name, "not-the-password-1").await;
            if status == 429 {
                break;
            }
        }
    }
    let (status, body, _) = app.try_sign_in("field.chou", STAFF_PASSWORD).await;
    assert_eq!(status, 429, "{body}");
}

/// F25: signing in again in the same browser ends the session it held, on the server.
#[tokio::test]
async fn signing_in_again_ends_the_previous_session() {
    let app = TestApp::start().await;
    app.staff("agent.hsu", &["agent"]).await;
    let first = app.sign_in("agent.hsu", STAFF_PASSWORD).await;
    let cookie = format!("{}={}", web::api::SESSION_COOKIE, first.cookie);
    let r = sign_in_from(&app, &app.client, "agent.hsu", STAFF_PASSWORD, &cookie).await;
    assert_eq!(r.status().as_u16(), 200);
    let (status, _) = send(app.as_browser(&first, Method::GET, "me")).await;
    assert_eq!(status, 401, "the first session ended");
}

/// F14: a stranger guessing a case's password cannot lock its citizen out, padded case
/// numbers are the same case, and one address is limited whatever numbers it tries.
#[tokio::test]
async fn tracking_guesses_are_limited_without_locking_the_citizen_out() {
    let app = TestApp::start().await;
    app.staff("agent.tsai", &["agent"]).await;
    let agent = app.sign_in("agent.tsai", STAFF_PASSWORD).await;
    let (status, filed) = send(app.as_browser(&agent, Method::POST, "cases").json(&json!({
        "service_code": "1999-L01",
        "address": "臺北市大安區復興南路一段100號",
        "description": "巷口路燈不亮",
        "attributes": { "lamps_out": 1 },
    })))
    .await;
    assert_eq!(status, 201, "{filed}");
    let number = filed["case_number"].as_str().unwrap().to_string();
    let password = filed["password"].as_str().unwrap().to_string();
    let track = |client: reqwest::Client, number: String, password: String| {
        let url = app.api_url("track");
        async move {
            client
                .post(url)
                .json(&json!({ "case_number": number, "password": password }))
                .send()
                .await
                .expect("track")
                .status()
                .as_u16()
        }
    };
    let stranger = client_from("127.0.0.21");
    let mut statuses = Vec::new();
    for padded in [
        format!(" {number}"),
        format!("{number} "),
        format!("\t{number}\n"),
    ] {
        for _ in 0..8 {
            statuses.push(track(stranger.clone(), padded.clone(), "AAAAAAAA".into()).await);
        }
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 404).count(),
        20,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        4,
        "{statuses:?}"
    );
    // The stranger's address is limited for any case number.
    assert_eq!(
        track(stranger.clone(), "2026120600099".into(), "AAAAAAAA".into()).await,
        429
    );
    // The citizen, elsewhere, still gets in, with the number as typed or padded.
    let citizen = client_from("127.0.0.22");
    assert_eq!(
        track(citizen.clone(), number.clone(), password.clone()).await,
        200
    );
    assert_eq!(
        track(citizen.clone(), format!("  {number} "), password.clone()).await,
        200
    );

    // Padded numbers are one case: the case's own budget (100 failures an hour, more than
    // five addresses' worth) is spent whatever padding the guesses used.
    for (i, ip) in ["127.0.0.31", "127.0.0.32", "127.0.0.33", "127.0.0.34"]
        .iter()
        .enumerate()
    {
        let client = client_from(ip);
        for k in 0..20 {
            let padded = format!("{}{number}{}", " ".repeat(i), " ".repeat(k % 3));
            assert_eq!(track(client.clone(), padded, "AAAAAAAA".into()).await, 404);
        }
    }
    // 20 + 4 × 20 failures: the next guess, from a fresh address, is refused.
    let last = client_from("127.0.0.35");
    assert_eq!(
        track(last, format!("\t{number}"), "AAAAAAAA".into()).await,
        429
    );
}
