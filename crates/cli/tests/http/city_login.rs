//! Signing in through a city's identity provider, against a real provider on a local port
//! (`city_idp`): OpenID Connect and TaipeiPASS's OAuth 2.0 shape; linking a city
//! login to an account that exists instead of making a twin; and every forged or replayed
//! answer refused with a clear error and no session.

use crate::city_idp::{CityIdp, Forgery, Person};
use crate::support::{TAIPEI, TestApp};

/// One browser: its cookies by name, no redirects followed.
pub(crate) struct Browser {
    client: reqwest::Client,
    cookies: Vec<(String, String)>,
    lang: &'static str,
    /// The session's form token, when signed in.
    csrf: String,
}

/// What an answer was: its status, where it sends the browser, and its body.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) location: Option<String>,
    pub(crate) body: String,
}

impl Browser {
    pub(crate) fn new(lang: &'static str) -> Browser {
        Browser {
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: Vec::new(),
            lang,
            csrf: String::new(),
        }
    }

    /// A browser signed in with a session from the API.
    pub(crate) fn signed_in(lang: &'static str, session: &crate::support::Browser) -> Browser {
        let mut b = Browser::new(lang);
        b.cookies
            .push(("civicdesk_session".into(), session.cookie.clone()));
        b.csrf = session.csrf.clone();
        b
    }

    /// Posts a form with the session's token.
    pub(crate) async fn post(&mut self, url: &str) -> Answer {
        let form = [("_csrf", self.csrf.clone())];
        let req = self.client.post(url).form(&form);
        self.send(req).await
    }

    /// Takes the form token of a page (a city login's callback starts a new session, with a
    /// new token, as a browser would read it from the next page).
    pub(crate) fn take_token(&mut self, page: &str) {
        let start = "name=\"_csrf\" value=\"";
        if let Some(i) = page.find(start) {
            let rest = &page[i + start.len()..];
            self.csrf = rest[..rest.find('"').unwrap_or(0)].to_string();
        }
    }

    /// Posts a form with the session's token and `fields`.
    pub(crate) async fn post_with(&mut self, url: &str, fields: &[(&str, &str)]) -> Answer {
        let mut form = vec![("_csrf", self.csrf.clone())];
        form.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
        let req = self.client.post(url).form(&form);
        self.send(req).await
    }

    pub(crate) async fn get(&mut self, url: &str) -> Answer {
        let req = self.client.get(url);
        self.send(req).await
    }

    /// Sends with this browser's cookies and language, and keeps the cookies the answer sets
    /// (a `Max-Age=0` or empty one removes its cookie).
    pub(crate) async fn send(&mut self, req: reqwest::RequestBuilder) -> Answer {
        let header: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let r = req
            .header("cookie", header.join("; "))
            .header("accept-language", self.lang)
            .send()
            .await
            .expect("request");
        for c in r.headers().get_all("set-cookie") {
            let text = c.to_str().unwrap_or_default();
            let pair = text.split(';').next().unwrap_or_default();
            if let Some((k, v)) = pair.split_once('=') {
                self.cookies.retain(|(name, _)| name != k);
                if !v.is_empty() && !text.contains("Max-Age=0") {
                    self.cookies.push((k.to_string(), v.to_string()));
                }
            }
        }
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get("location")
            .and_then(|l| l.to_str().ok())
            .map(str::to_string);
        Answer {
            status,
            location,
            body: r.text().await.unwrap_or_default(),
        }
    }

    fn has(&self, name: &str) -> bool {
        self.cookies.iter().any(|(k, _)| k == name)
    }

    /// Starts a sign-in at `provider` and goes through the provider: the answer of
    /// civicdesk's callback, and the callback's path (to replay it).
    async fn city_login(&mut self, app: &TestApp, provider: &str) -> (Answer, String) {
        let start = self
            .get(&page_url(
                app,
                &format!("/sign-in/with/{provider}?back=/my/cases"),
            ))
            .await;
        assert_eq!(start.status, 303, "{}", start.body);
        let at_provider = self
            .get(start.location.as_deref().expect("to the provider"))
            .await;
        let back = at_provider.location.expect("back from the provider");
        let path = back
            .find("/sign-in/callback/")
            .map(|i| back[i..].to_string())
            .expect("the callback");
        (self.get(&page_url(app, &path)).await, path)
    }
}

/// A page of the application (not its Open311 base).
pub(crate) fn page_url(app: &TestApp, path: &str) -> String {
    format!("{}{path}", app.base)
}

fn person(subject: &str, email: Option<(&str, bool)>) -> Person {
    Person {
        subject: subject.into(),
        name: "林美玲".into(),
        email: email.map(|(e, v)| (e.into(), v)),
        phone: None,
        verify_level: "0",
    }
}

pub(crate) async fn app_with(idp: &CityIdp) -> TestApp {
    let providers = vec![idp.oidc_provider("city"), idp.taipeipass_provider()];
    TestApp::start_with(move |c| c.login_providers = providers).await
}

async fn assurance(app: &TestApp, login: &str) -> identity::domain::city_login::Assurance {
    let id = identity::testkit::account_id(&app.platform.db, TAIPEI, login)
        .await
        .expect("db")
        .expect("account");
    identity::IdentityApp::new(app.platform.clone())
        .assurance(&id)
        .await
        .expect("assurance")
}

#[tokio::test]
async fn a_citizen_signs_in_with_the_city_login_and_gets_an_account_once() {
    let idp = CityIdp::start().await;
    let app = app_with(&idp).await;
    let mut me = Browser::new("zh-TW");

    // The sign-in page offers the city's logins.
    let page = me.get(&page_url(&app, "/sign-in")).await;
    assert!(
        page.body.contains("/sign-in/with/city?back="),
        "{}",
        page.body
    );
    assert!(page.body.contains("使用台北通登入"), "{}", page.body);

    idp.will_sign_in(person("oidc-sub-1", Some(("mei.lin@example.tw", true))));
    let (done, _) = me.city_login(&app, "city").await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location.as_deref(), Some("/my/cases"));
    assert!(me.has("civicdesk_session"), "signed in: {:?}", me.cookies);
    let mine = me.get(&page_url(&app, "/my/cases")).await;
    assert_eq!(mine.status, 200, "my cases, not the sign-in page");
    assert_eq!(
        assurance(&app, "mei.lin@example.tw").await,
        identity::domain::city_login::Assurance::ContactVerified
    );

    // Signing in again finds the same account.
    let mut again = Browser::new("zh-TW");
    let (done, _) = again.city_login(&app, "city").await;
    assert_eq!(done.status, 303);
    let first = identity::testkit::account_id(&app.platform.db, TAIPEI, "mei.lin@example.tw")
        .await
        .unwrap();
    assert!(first.is_some());
}

#[tokio::test]
async fn signing_out_of_a_city_login_ends_the_providers_session_too() {
    let idp = CityIdp::start().await;
    let app = app_with(&idp).await;
    let mut me = Browser::new("en");
    idp.will_sign_in(person("oidc-sub-out", Some(("out@example.tw", true))));
    let (done, _) = me.city_login(&app, "city").await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = me.get(&page_url(&app, "/my/cases")).await;
    me.take_token(&page.body);

    // On to the provider's end-session endpoint, with our client id and the way home.
    let out = me.post(&page_url(&app, "/sign-out")).await;
    assert_eq!(out.status, 303, "{}", out.body);
    let to = out.location.expect("to the provider");
    assert!(to.starts_with(&format!("{}/logout?", idp.issuer())), "{to}");
    assert!(to.contains("client_id="), "{to}");
    assert!(
        to.contains(&format!(
            "post_logout_redirect_uri={}",
            format!("{}/", app.base)
                .replace(':', "%3A")
                .replace('/', "%2F")
        )),
        "{to}"
    );
    assert!(
        !me.has("civicdesk_session"),
        "our session ended: {:?}",
        me.cookies
    );

    // A password session signs out at home.
    app.citizen("0911000321", "lantern-kite-harbour-7").await;
    let session = app.sign_in("0911000321", "lantern-kite-harbour-7").await;
    let mut local = Browser::signed_in("en", &session);
    let out = local.post(&page_url(&app, "/sign-out")).await;
    assert_eq!(out.location.as_deref(), Some("/"));
}

#[tokio::test]
async fn two_tabs_finishing_a_first_sign_in_at_once_share_one_account() {
    let idp = CityIdp::start().await;
    let app = app_with(&idp).await;
    idp.will_sign_in(person("oidc-sub-tabs", Some(("tabs@example.tw", true))));
    let mut one = Browser::new("en");
    let mut two = Browser::new("en");
    // Both go through the provider; then both come back at the same moment.
    let mut back = Vec::new();
    for b in [&mut one, &mut two] {
        let start = b
            .get(&page_url(&app, "/sign-in/with/city?back=/my/cases"))
            .await;
        let at = b.get(start.location.as_deref().unwrap()).await;
        let to = at.location.unwrap();
        back.push(to[to.find("/sign-in/callback/").unwrap()..].to_string());
    }
    let (url_one, url_two) = (page_url(&app, &back[0]), page_url(&app, &back[1]));
    let (a, b) = tokio::join!(one.get(&url_one), two.get(&url_two));
    assert_eq!((a.status, b.status), (303, 303), "{} {}", a.body, b.body);
    assert_eq!(
        session_account(&app, &one).await,
        session_account(&app, &two).await,
        "one account, not two"
    );
}

#[tokio::test]
async fn a_local_account_links_the_city_login_instead_of_getting_a_twin() {
    let idp = CityIdp::start().await;
    let app = app_with(&idp).await;
    let local = app.citizen("chen@example.tw", "harbour-lantern-kite").await;

    // The provider vouches for the address the account verified: the same account.
    idp.will_sign_in(person("oidc-sub-2", Some(("chen@example.tw", true))));
    let mut me = Browser::new("en");
    let (done, _) = me.city_login(&app, "city").await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        session_account(&app, &me).await.as_deref(),
        Some(local.as_str()),
        "signed in to the account that was there"
    );

    // An address the provider does not vouch for links nothing: a new account is made, and
    // the local one is not handed over.
    idp.will_sign_in(person("oidc-sub-3", Some(("chen@example.tw", false))));
    let mut stranger = Browser::new("en");
    let (done, _) = stranger.city_login(&app, "city").await;
    assert_eq!(done.status, 303, "{}", done.body);
    let mine = stranger.get(&page_url(&app, "/my/cases")).await;
    assert_eq!(mine.status, 200);
    assert_ne!(
        session_account(&app, &stranger).await,
        Some(local.clone()),
        "not the local account"
    );
}

/// The account a browser's session belongs to.
async fn session_account(app: &TestApp, b: &Browser) -> Option<String> {
    let cookie = b
        .cookies
        .iter()
        .find(|(k, _)| k == "civicdesk_session")
        .map(|(_, v)| v.clone())?;
    identity::IdentityApp::new(app.platform.clone())
        .authenticate_session(&cookie, None)
        .await
        .ok()
        .flatten()
        .and_then(|(_, actor)| actor.account_id)
}

#[tokio::test]
async fn taipeipass_signs_in_through_its_user_info_and_a_real_name_raises_the_level() {
    let idp = CityIdp::start().await;
    let app = app_with(&idp).await;
    idp.will_sign_in(Person {
        subject: "7f0c2c1e-3a5e-4f51-9d0b-6d3b2a1f0e9c".into(),
        name: "王小明".into(),
        email: Some(("wang@example.tw".into(), true)),
        phone: Some(("0912345678".into(), true)),
        verify_level: "3",
    });
    let mut me = Browser::new("zh-TW");
    let (done, _) = me.city_login(&app, "taipeipass").await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        assurance(&app, "wang@example.tw").await,
        identity::domain::city_login::Assurance::RealName
    );

    // The proved name is the account's; changing it forgets the proof.
    let page = me.get(&page_url(&app, "/account")).await;
    assert!(page.body.contains("王小明"), "{}", page.body);
    let csrf = page
        .body
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form token")
        .to_string();
    let cookie = me
        .cookies
        .iter()
        .find(|(k, _)| k == "civicdesk_session")
        .map(|(_, v)| v.clone())
        .expect("a session");
    let session = crate::support::Browser { cookie, csrf };
    let (status, body) = crate::support::send(
        app.as_browser(&session, reqwest::Method::PUT, "me")
            .json(&serde_json::json!({"display_name": "另一個名字"})),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        assurance(&app, "wang@example.tw").await,
        identity::domain::city_login::Assurance::ContactVerified
    );
}

#[tokio::test]
async fn forged_tokens_and_replayed_answers_are_refused_and_sign_nobody_in() {
    let idp = CityIdp::start().await;
    let app = app_with(&idp).await;
    idp.will_sign_in(person("oidc-sub-9", Some(("forged@example.tw", true))));
    for forgery in [
        Forgery::WrongIssuer,
        Forgery::WrongAudience,
        Forgery::WrongNonce,
        Forgery::Expired,
        Forgery::OtherKey,
        Forgery::Unsigned,
    ] {
        idp.forge(forgery);
        let mut me = Browser::new("en");
        let (done, _) = me.city_login(&app, "city").await;
        assert_eq!(done.status, 401, "{forgery:?}: {}", done.body);
        assert!(
            done.body.contains("could not be confirmed"),
            "{forgery:?}: {}",
            done.body
        );
        assert!(
            !me.has("civicdesk_session"),
            "{forgery:?} signed someone in"
        );
    }
    assert!(
        identity::testkit::account_id(&app.platform.db, TAIPEI, "forged@example.tw")
            .await
            .unwrap()
            .is_none(),
        "no account was made"
    );

    // A good answer works once: replayed, or brought by another browser, it is refused.
    idp.forge(Forgery::None);
    let mut me = Browser::new("en");
    let (done, path) = me.city_login(&app, "city").await;
    assert_eq!(done.status, 303, "{}", done.body);
    let mut replay = Browser::new("en");
    let replayed = replay.get(&page_url(&app, &path)).await;
    assert_eq!(replayed.status, 400, "{}", replayed.body);
    assert!(
        replayed.body.contains("another browser"),
        "{}",
        replayed.body
    );
    let again = me.get(&page_url(&app, &path)).await;
    assert_eq!(again.status, 400, "the state is used once");

    // The person cancels at the provider: back on the sign-in page, which says so.
    let mut cancel = Browser::new("en");
    let answer = cancel
        .get(&page_url(
            &app,
            "/sign-in/callback/city?error=access_denied&state=x",
        ))
        .await;
    assert_eq!(
        answer.location.as_deref(),
        Some("/sign-in?city-login=cancelled")
    );
    let page = cancel
        .get(&page_url(&app, "/sign-in?city-login=cancelled"))
        .await;
    assert!(
        page.body.contains("You were not signed in"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_profile_given_only_at_the_user_info_endpoint_is_read_there() {
    let idp = CityIdp::start().await;
    let app = app_with(&idp).await;
    idp.profile_in_user_info(true);
    idp.will_sign_in(person("oidc-sub-ui", Some(("lee@example.tw", true))));
    let mut me = Browser::new("en");
    let (done, _) = me.city_login(&app, "city").await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        assurance(&app, "lee@example.tw").await,
        identity::domain::city_login::Assurance::ContactVerified,
        "the vouched address from the user info is the account's"
    );
}

#[tokio::test]
async fn a_provider_that_does_not_answer_is_a_clear_503() {
    let idp = CityIdp::start().await;
    let mut down = idp.oidc_provider("down");
    // Nothing listens on port 9 of the loopback.
    down.issuer = Some("http://127.0.0.1:9/oidc".into());
    let app = TestApp::start_with(move |c| c.login_providers = vec![down]).await;
    let mut me = Browser::new("zh-TW");
    let answer = me.get(&page_url(&app, "/sign-in/with/down")).await;
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert!(
        answer.body.contains("市府登入服務目前沒有回應"),
        "{}",
        answer.body
    );
    let unknown = me.get(&page_url(&app, "/sign-in/with/nowhere")).await;
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn a_loop_of_sign_in_starts_from_one_address_is_stopped() {
    let idp = CityIdp::start().await;
    let app = app_with(&idp).await;
    let mut me = Browser::new("en");
    for _ in 0..platform::rate_limit::CITY_LOGIN_PER_ADDRESS.max {
        let start = me.get(&page_url(&app, "/sign-in/with/taipeipass")).await;
        assert_eq!(start.status, 303);
    }
    let stopped = me.get(&page_url(&app, "/sign-in/with/taipeipass")).await;
    assert_eq!(stopped.status, 429, "{}", stopped.body);
}

#[tokio::test]
async fn a_signed_in_citizen_links_taipeipass_and_the_account_page_shows_the_real_name() {
    let idp = CityIdp::start().await;
    let app = app_with(&idp).await;
    let local = app.citizen("0933111222", "harbour-lantern-kite").await;
    let signed_in = app.sign_in("0933111222", "harbour-lantern-kite").await;
    let mut me = Browser::signed_in("zh-TW", &signed_in);

    let page = me.get(&page_url(&app, "/account")).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("聯絡方式已確認"), "{}", page.body);
    assert!(page.body.contains("action=\"/account/link/taipeipass\""));

    // A person whose contacts match nothing: linked because the account asked.
    idp.will_sign_in(Person {
        subject: "tp-member-42".into(),
        name: "陳志明".into(),
        email: Some(("other@example.tw".into(), true)),
        phone: None,
        verify_level: "1",
    });
    let start = me.post(&page_url(&app, "/account/link/taipeipass")).await;
    assert_eq!(start.status, 303, "{}", start.body);
    let at_provider = me.get(start.location.as_deref().unwrap()).await;
    let back = at_provider.location.unwrap();
    let path = &back[back.find("/sign-in/callback/").unwrap()..];
    let done = me.get(&page_url(&app, path)).await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        done.location.as_deref(),
        Some("/account?done=city-login-linked")
    );
    assert_eq!(
        session_account(&app, &me).await.as_deref(),
        Some(local.as_str())
    );
    let page = me
        .get(&page_url(&app, "/account?done=city-login-linked"))
        .await;
    assert!(page.body.contains("真實姓名已確認"), "{}", page.body);
    assert!(
        page.body.contains("已將市府登入連結到您的帳號"),
        "{}",
        page.body
    );

    // The same TaipeiPASS person signs in later, from another browser: the linked account.
    let mut later = Browser::new("zh-TW");
    let (done, _) = later.city_login(&app, "taipeipass").await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(
        session_account(&app, &later).await.as_deref(),
        Some(local.as_str())
    );

    // The account links one person of TaipeiPASS, not two.
    idp.will_sign_in(Person {
        subject: "tp-member-43".into(),
        name: "陳志明".into(),
        email: None,
        phone: None,
        verify_level: "1",
    });
    // (The link opened a new session: its form token is on its pages.)
    let page = me.get(&page_url(&app, "/account")).await;
    me.csrf = page
        .body
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a form token")
        .to_string();
    let start = me.post(&page_url(&app, "/account/link/taipeipass")).await;
    let at_provider = me.get(start.location.as_deref().unwrap()).await;
    let back = at_provider.location.unwrap();
    let second = me
        .get(&page_url(
            &app,
            &back[back.find("/sign-in/callback/").unwrap()..],
        ))
        .await;
    assert_eq!(second.status, 403, "{}", second.body);
    assert!(second.body.contains("另一個人"), "{}", second.body);
    idp.will_sign_in(Person {
        subject: "tp-member-42".into(),
        name: "陳志明".into(),
        email: Some(("other@example.tw".into(), true)),
        phone: None,
        verify_level: "1",
    });

    // Another account cannot take the linked person over.
    app.citizen("0933444555", "river-tea-lantern-sky").await;
    let other = app.sign_in("0933444555", "river-tea-lantern-sky").await;
    let mut thief = Browser::signed_in("en", &other);
    let start = thief
        .post(&page_url(&app, "/account/link/taipeipass"))
        .await;
    let at_provider = thief.get(start.location.as_deref().unwrap()).await;
    let back = at_provider.location.unwrap();
    let refused = thief
        .get(&page_url(
            &app,
            &back[back.find("/sign-in/callback/").unwrap()..],
        ))
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused.body.contains("already linked to another account"),
        "{}",
        refused.body
    );

    // On a shared computer: a link started by one person and finished after they signed out
    // links nothing and signs nobody in.
    let mut shared = Browser::signed_in("en", &other);
    let start = shared
        .post(&page_url(&app, "/account/link/taipeipass"))
        .await;
    shared.cookies.retain(|(k, _)| k != "civicdesk_session");
    let at_provider = shared.get(start.location.as_deref().unwrap()).await;
    let back = at_provider.location.unwrap();
    let finished = shared
        .get(&page_url(
            &app,
            &back[back.find("/sign-in/callback/").unwrap()..],
        ))
        .await;
    assert_eq!(finished.status, 400, "{}", finished.body);
    assert!(!shared.has("civicdesk_session"));
}

#[tokio::test]
async fn staff_accounts_never_sign_in_through_the_city_login() {
    let idp = CityIdp::start().await;
    let app = app_with(&idp).await;
    let login = "clerk.wang";
    app.staff(login, &["agent"]).await;
    let session = app.sign_in(login, crate::support::STAFF_PASSWORD).await;
    let mut clerk = Browser::signed_in("en", &session);
    let refused = clerk
        .post(&page_url(&app, "/account/link/taipeipass"))
        .await;
    assert_eq!(refused.status, 403, "{}", refused.body);
    assert!(
        refused.body.contains("signs in citizens"),
        "{}",
        refused.body
    );
}
