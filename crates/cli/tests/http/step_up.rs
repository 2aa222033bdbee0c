//! Stepping up (issue 18, part 2): an action that needs a real name proved (downloading all of
//! one's data) sends a citizen whose account has only a verified contact to prove it through a
//! city login, and back; a login that proves nothing leaves the download closed and says why;
//! a city with no login able to prove a name asks only for a verified contact; the API refuses
//! with the reason.

use crate::city_idp::{CityIdp, Person};
use crate::city_login::{Browser, app_with, page_url};
use crate::support::{TestApp, send};
use reqwest::Method;

const LOGIN: &str = "stepper@example.tw";
const PASSWORD: &str = "lantern-kite-harbour-7";

fn member(level: &'static str) -> Person {
    Person {
        subject: "tp-step".into(),
        name: "林美玲".into(),
        email: Some(("someone-else@example.tw".into(), true)),
        phone: None,
        verify_level: level,
    }
}

/// Goes from the download through the step-up page and the provider, and back.
async fn step_up(app: &TestApp, me: &mut Browser) -> String {
    let download = me.get(&page_url(app, "/account/data/download")).await;
    assert_eq!(download.status, 303, "{}", download.body);
    let to = download.location.expect("to the step-up page");
    assert!(to.starts_with("/account/step-up?back="), "{to}");
    let page = me.get(&page_url(app, &to)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    // Only the login that can prove a name is offered (the OpenID one maps no level).
    assert!(
        page.body.contains("action=\"/account/link/taipeipass\""),
        "{}",
        page.body
    );
    assert!(!page.body.contains("action=\"/account/link/city\""));
    me.take_token(&page.body);
    let start = me
        .post_with(
            &page_url(app, "/account/link/taipeipass"),
            &[("back", "/account/data?done=stepped-up")],
        )
        .await;
    assert_eq!(start.status, 303, "{}", start.body);
    let at_provider = me.get(start.location.as_deref().expect("provider")).await;
    let back = at_provider.location.expect("back from the provider");
    let path = &back[back.find("/sign-in/callback/").expect("callback")..];
    let done = me.get(&page_url(app, path)).await;
    assert_eq!(done.status, 303, "{}", done.body);
    done.location.expect("where the step up ends")
}

#[tokio::test]
async fn a_download_steps_up_through_the_city_login_and_comes_back() {
    let idp = CityIdp::start().await;
    let app = app_with(&idp).await;
    app.citizen(LOGIN, PASSWORD).await;
    let session = app.sign_in(LOGIN, PASSWORD).await;
    let mut me = Browser::signed_in("en", &session);

    // Browsers apply the pages' form-action to the redirect after a post: the city login's
    // origin is allowed there, or the step up would stop at the form.
    let r = app
        .client
        .get(page_url(&app, "/account/step-up"))
        .send()
        .await
        .expect("page");
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    let form_action = csp
        .split(';')
        .find(|d| d.trim().starts_with("form-action"))
        .expect("form-action");
    assert!(form_action.contains(&idp.base), "{csp}");

    // The API says why, in the caller's language.
    let (status, body) = send(app.as_browser(&session, Method::GET, "me/data")).await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["errors"][0]["code"], "error-step-up");

    // A TaipeiPASS member at level 0 proves no name: the download stays closed, and the page
    // says so.
    idp.will_sign_in(member("0"));
    let back = step_up(&app, &mut me).await;
    assert_eq!(back, "/account/data?done=stepped-up");
    let page = me.get(&page_url(&app, &back)).await;
    assert!(
        page.body.contains("did not prove your real name"),
        "{}",
        page.body
    );
    let again = me.get(&page_url(&app, "/account/data/download")).await;
    assert_eq!(again.status, 303, "still closed");

    // The same member, verified since at level 1, proves the name: back on the page, it says
    // so, and the download opens.
    idp.will_sign_in(member("1"));
    let back = step_up(&app, &mut me).await;
    let page = me.get(&page_url(&app, &back)).await;
    assert!(
        page.body.contains("Your real name is proved"),
        "{}",
        page.body
    );
    let download = me.get(&page_url(&app, "/account/data/download")).await;
    assert_eq!(download.status, 200, "{}", download.body);
    // The city login started a new session for this browser: the one before it has ended.
    let (status, _) = send(app.as_browser(&session, Method::GET, "me/data")).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn a_city_that_cannot_prove_a_name_asks_only_for_a_verified_contact() {
    // The suite's usual application has no city login: the download needs no step up.
    let app = TestApp::start().await;
    app.citizen(LOGIN, PASSWORD).await;
    let session = app.sign_in(LOGIN, PASSWORD).await;
    let (status, _) = send(app.as_browser(&session, Method::GET, "me/data")).await;
    assert_eq!(status, 200);
    // The step-up page, if reached, says there is no way to prove a name here.
    let mut me = Browser::signed_in("en", &session);
    let page = me
        .get(&page_url(&app, "/account/step-up?back=/account/data"))
        .await;
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("no login that can prove a real name"),
        "{}",
        page.body
    );
    // A back address that leaves the site is not followed.
    let page = me
        .get(&page_url(
            &app,
            "/account/step-up?back=https://evil.example/",
        ))
        .await;
    assert!(!page.body.contains("href=\"https://evil.example/"));
    assert!(
        page.body.contains("<a href=\"/\">Back</a>"),
        "{}",
        page.body
    );
}
