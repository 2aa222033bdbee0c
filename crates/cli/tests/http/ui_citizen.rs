//! The citizen's pages as a browser without JavaScript uses them: plain GETs and form posts,
//! the form token from the page, cookies carried by hand.

use crate::support::TestApp;

/// A browser without JavaScript: remembers cookies and the form token of the last page.
struct Visitor<'a> {
    app: &'a TestApp,
    /// Redirects are looked at, not followed.
    client: reqwest::Client,
    cookies: Vec<(String, String)>,
    csrf: String,
    lang: &'static str,
}

fn between<'b>(html: &'b str, start: &str, end: &str) -> Option<&'b str> {
    let from = html.find(start)? + start.len();
    let to = html[from..].find(end)? + from;
    Some(&html[from..to])
}

impl<'a> Visitor<'a> {
    fn new(app: &'a TestApp, lang: &'static str) -> Visitor<'a> {
        Visitor {
            app,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookies: Vec::new(),
            csrf: String::new(),
            lang,
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep(&mut self, r: &reqwest::Response) {
        for v in r.headers().get_all("set-cookie") {
            let Some((k, v)) = v
                .to_str()
                .ok()
                .and_then(|v| v.split(';').next())
                .and_then(|kv| kv.split_once('='))
            else {
                continue;
            };
            self.cookies.retain(|(name, _)| name != k);
            self.cookies.push((k.to_string(), v.to_string()));
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.app.base))
            .header("accept-language", self.lang)
            .header("cookie", self.cookie_header())
    }

    async fn get(&mut self, path: &str) -> (u16, String) {
        let r = self
            .request(reqwest::Method::GET, path)
            .send()
            .await
            .expect("GET");
        self.keep(&r);
        let status = r.status().as_u16();
        let html = r.text().await.expect("body");
        if let Some(token) = between(&html, "name=\"_csrf\" value=\"", "\"") {
            self.csrf = token.to_string();
        }
        (status, html)
    }

    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> (u16, String, Option<String>) {
        let mut fields: Vec<(&str, &str)> = vec![("_csrf", &self.csrf)];
        fields.extend_from_slice(form);
        let r = self
            .request(reqwest::Method::POST, path)
            .form(&fields)
            .send()
            .await
            .expect("POST");
        self.keep(&r);
        let (status, location) = status_and_location(&r);
        (status, r.text().await.expect("body"), location)
    }

    /// Posts a multipart form as a browser does: a redirect is followed (the status is the
    /// POST's, the page the one it leads to).
    async fn post_multipart(
        &mut self,
        path: &str,
        form: reqwest::multipart::Form,
    ) -> (u16, String) {
        let r = self
            .request(reqwest::Method::POST, path)
            .multipart(form.text("_csrf", self.csrf.clone()))
            .send()
            .await
            .expect("POST");
        self.keep(&r);
        let (status, location) = status_and_location(&r);
        match location {
            Some(to) if status == 303 => (status, self.get(&to).await.1),
            _ => (status, r.text().await.expect("body")),
        }
    }
}

/// A response's status and where it redirects, if it does.
fn status_and_location(r: &reqwest::Response) -> (u16, Option<String>) {
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (r.status().as_u16(), location)
}

/// The two values the confirmation page shows in large type.
fn filed_number_and_password(html: &str) -> (String, String) {
    let codes: Vec<&str> = html
        .split("<span class=\"big-code\">")
        .skip(1)
        .filter_map(|s| s.split('<').next())
        .collect();
    assert_eq!(codes.len(), 2, "{html}");
    (codes[0].to_string(), codes[1].to_string())
}

fn report_form(lamps: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("district", "106")
        .text("address", "復興南路一段 390 號前")
        .text("description", "巷口路燈整晚不亮")
        .text("attr-lamps_out", lamps.to_string())
        .text("attr-fault", "dark")
        .text("notify", "none")
        .text("consent", "yes")
}

#[tokio::test]
async fn a_citizen_reports_through_the_form_and_tracks_the_case() {
    let app = TestApp::start().await;
    let mut me = Visitor::new(&app, "zh-TW");
    let (status, html) = me.get("/report?q=路燈").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("href=\"/report/1999-L01\""),
        "the search finds the street-light category"
    );
    let (status, html) = me.get("/report/1999-L01").await;
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"zh-Hant-TW\">"));
    assert!(
        html.contains("個人資料蒐集告知事項"),
        "the PDPA notice is on the form"
    );
    assert!(
        !html.contains(r#"name="notify" value="email" checked"#),
        "no way of being told is chosen for the citizen"
    );
    let before = app.case_count().await;
    let (status, html) = me
        .post_multipart("/report/1999-L01", report_form("2"))
        .await;
    assert_eq!(status, 303, "redirected to the confirmation: {html}");
    assert_eq!(app.case_count().await, before + 1);
    let (number, password) = filed_number_and_password(&html);
    assert!(
        html.contains("接下來會怎樣") && html.contains("<time datetime="),
        "what happens next, and by when: {html}"
    );

    // The case is the same one Open311 shows, with the district prefixed to the address.
    let (status, body) = app.get_json(&format!("requests/{number}.json")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body[0]["description"], "巷口路燈整晚不亮");
    assert!(
        body[0]["address"]
            .as_str()
            .unwrap_or_default()
            .starts_with("大安區"),
        "{body}"
    );

    let (status, html, _) = me
        .post("/track", &[("number", &number), ("password", &password)])
        .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(&format!("案件 {number}")));
    assert!(
        html.contains("您陳情的內容") && html.contains("巷口路燈整晚不亮"),
        "what was reported is shown: {html}"
    );
    assert!(
        html.contains("收到陳情"),
        "the timeline starts with the report: {html}"
    );
    assert!(html.contains("民國"), "dates are ROC dates on zh-TW pages");
    assert!(html.contains("<time datetime=\""));

    // The same case in English: Gregorian dates, English labels.
    let mut en = Visitor::new(&app, "en");
    en.get("/track").await;
    let (status, html, _) = en
        .post("/track", &[("number", &number), ("password", &password)])
        .await;
    assert_eq!(status, 200);
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains(&format!("Case {number}")));
    assert!(!html.contains("民國"));
}

#[tokio::test]
async fn a_wrong_tracking_password_is_an_error_on_the_form_and_reveals_nothing() {
    let app = TestApp::start().await;
    let number = app.file_streetlight().await;
    let mut me = Visitor::new(&app, "zh-TW");
    me.get("/track").await;
    let (status, html, _) = me
        .post("/track", &[("number", &number), ("password", "WRONGPW1")])
        .await;
    assert_eq!(status, 400);
    assert!(html.contains("class=\"error-summary\""));
    assert!(html.contains("href=\"#f-number\""));
    assert!(
        !html.contains("處理歷程"),
        "no timeline without the password"
    );
}

#[tokio::test]
async fn an_incomplete_report_lists_every_problem_and_links_to_each_field() {
    let app = TestApp::start().await;
    let mut me = Visitor::new(&app, "en");
    me.get("/report/1999-L01").await;
    let before = app.case_count().await;
    let form = reqwest::multipart::Form::new()
        .text("attr-lamps_out", "many")
        .text("notify", "email")
        .text("description", "dark");
    let (status, html) = me.post_multipart("/report/1999-L01", form).await;
    assert_eq!(status, 400);
    assert_eq!(app.case_count().await, before, "nothing is filed");
    assert!(
        html.contains("<title>Error:"),
        "the title says the page has errors"
    );
    for field in ["#f-consent", "#f-email", "#f-address", "#f-attr-lamps_out"] {
        assert!(
            html.contains(&format!("href=\"{field}\"")),
            "{field} in the summary: {html}"
        );
    }
    assert!(
        html.contains("How many lamps are out") || html.contains("lamps"),
        "the attribute is named by its question"
    );
    assert!(html.contains("value=\"many\""), "what was entered is kept");
}

#[tokio::test]
async fn forms_without_the_token_or_from_another_site_are_refused() {
    let app = TestApp::start().await;
    let mut me = Visitor::new(&app, "zh-TW");
    me.get("/track").await;
    me.csrf = "0".repeat(32);
    let (status, html, _) = me
        .post("/track", &[("number", "x"), ("password", "y")])
        .await;
    assert_eq!(status, 403);
    assert!(html.contains("表單已過期"));

    let mut other = Visitor::new(&app, "en");
    other.get("/track").await;
    let r = other
        .request(reqwest::Method::POST, "/track")
        .header("sec-fetch-site", "cross-site")
        .form(&[
            ("_csrf", other.csrf.as_str()),
            ("number", "x"),
            ("password", "y"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status().as_u16(), 403);
}

#[tokio::test]
async fn the_language_switch_remembers_the_choice_and_goes_back_only_locally() {
    let app = TestApp::start().await;
    let mut me = Visitor::new(&app, "zh-TW");
    let (_, html) = me.get("/track").await;
    assert!(html.contains("href=\"/lang/en?back=/track\""));
    let r = me
        .request(reqwest::Method::GET, "/lang/en?back=/track")
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/track");
    me.keep(&r);
    let (_, html) = me.get("/track").await;
    assert!(
        html.contains("<html lang=\"en\">"),
        "the cookie wins over Accept-Language"
    );

    let r = me
        .request(reqwest::Method::GET, "/lang/zh-TW?back=//evil.example/")
        .send()
        .await
        .expect("GET");
    assert_eq!(r.headers()["location"], "/");
}

/// F6: a `back` that a browser would turn into another host (`/<TAB>/evil.example` becomes
/// `//evil.example`) leads home, on the language switch and after signing in.
#[tokio::test]
async fn going_back_never_leads_to_another_site() {
    let app = TestApp::start().await;
    let mut me = Visitor::new(&app, "en");
    for back in [
        "/%09/evil.example",
        "/%5C%5Cevil.example",
        "/%252F%252Fevil.example",
    ] {
        let r = me
            .request(reqwest::Method::GET, &format!("/lang/en?back={back}"))
            .send()
            .await
            .expect("GET");
        assert_eq!(r.headers()["location"], "/", "{back}");
    }
    app.citizen("back@example.com", "Correct-Horse-Z-331").await;
    let (_, html) = me.get("/sign-in?back=/%09/evil.example").await;
    assert!(
        html.contains("name=\"back\" value=\"/\""),
        "the form does not keep it: {html}"
    );
    let (status, _, location) = me
        .post(
            "/sign-in",
            &[
                ("login", "back@example.com"),
                ("password", "Correct-Horse-Z-331"),
                ("back", "/\t/evil.example"),
            ],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/start")));
}

/// F22: a form cookie the server did not issue, with a token chosen to match it, does not
/// sign anyone in (login CSRF by planting a cookie).
#[tokio::test]
async fn a_planted_form_cookie_is_not_a_form_token() {
    let app = TestApp::start().await;
    app.citizen("planted@example.com", "Correct-Horse-Z-331")
        .await;
    let chosen = "0123456789abcdef0123456789abcdef";
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
        .post(format!("{}/sign-in", app.base))
        .header("cookie", format!("civicdesk_form={chosen}"))
        .form(&[
            ("_csrf", chosen),
            ("login", "planted@example.com"),
            ("password", "Correct-Horse-Z-331"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(r.status().as_u16(), 403);
    assert!(crate::support::session_cookie(&r).is_none());

    // The cookie the server issues works, with the token of its page.
    let mut me = Visitor::new(&app, "en");
    me.get("/sign-in").await;
    assert_ne!(
        me.csrf, me.cookies[0].1,
        "the token is not the cookie itself"
    );
    let (status, _, location) = me
        .post(
            "/sign-in",
            &[
                ("login", "planted@example.com"),
                ("password", "Correct-Horse-Z-331"),
            ],
        )
        .await;
    assert_eq!((status, location.as_deref()), (303, Some("/start")));
}

/// F25: an over-long password is refused with a message in the visitor's language.
#[tokio::test]
async fn an_over_long_password_is_explained_in_both_languages() {
    let app = TestApp::start().await;
    for (lang, text) in [
        ("en", "longer than 128 characters"),
        ("zh-TW", "不可超過 128 個字元"),
    ] {
        let mut me = Visitor::new(&app, lang);
        me.get("/sign-in").await;
        let long = "x".repeat(129);
        let (status, html, _) = me
            .post(
                "/sign-in",
                &[("login", "someone@example.com"), ("password", &long)],
            )
            .await;
        assert_eq!(status, 400);
        assert!(html.contains(text), "{lang}: {html}");
    }
}

#[tokio::test]
async fn unknown_pages_are_html_in_the_visitors_language_and_api_paths_stay_json() {
    let app = TestApp::start().await;
    let mut me = Visitor::new(&app, "en");
    let (status, html) = me.get("/no-such-page").await;
    assert_eq!(status, 404);
    assert!(html.contains("<html lang=\"en\">") && html.contains("Page not found"));
    let r = me
        .request(reqwest::Method::GET, "/api/v1/no-such-thing")
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status().as_u16(), 404);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn a_signed_in_citizen_finds_the_report_under_my_cases() {
    let app = TestApp::start().await;
    // Before she had an account, she reported with her e-mail address.
    let mut before = Visitor::new(&app, "zh-TW");
    before.get("/report/1999-L01").await;
    let (status, html) = before
        .post_multipart(
            "/report/1999-L01",
            report_form("2")
                .text("notify", "email")
                .text("email", "Mei@Example.tw"),
        )
        .await;
    assert_eq!(status, 303, "{html}");
    let (earlier, _) = filed_number_and_password(&html);
    app.citizen("mei@example.tw", "a lantern by the quiet harbour")
        .await;
    let mut me = Visitor::new(&app, "zh-TW");
    let (status, _, location) = me.post("/sign-in", &[]).await;
    assert_eq!(status, 403, "the form token comes from a page first");
    assert!(location.is_none());
    me.get("/sign-in").await;
    let (status, _, location) = me
        .post(
            "/sign-in",
            &[
                ("login", "mei@example.tw"),
                ("password", "a lantern by the quiet harbour"),
                ("back", "/"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some("/start"));
    let (_, html) = me.get("/report/1999-L01").await;
    assert!(html.contains("我的案件"), "the menu offers my cases");
    let (status, html) = me
        .post_multipart("/report/1999-L01", report_form("1"))
        .await;
    assert_eq!(status, 303, "{html}");
    let (number, _) = filed_number_and_password(&html);
    let (status, html) = me.get("/my/cases").await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!(r#"href="/my/cases/{number}""#)),
        "{html}"
    );
    assert!(
        html.contains(&format!(r#"href="/my/cases/{earlier}""#)),
        "the report made with her verified e-mail before she signed up: {html}"
    );
    let (status, _) = me.get(&format!("/my/cases/{earlier}")).await;
    assert_eq!(status, 200);

    // The citizen opens their case without its password.
    let (status, html) = me.get(&format!("/my/cases/{number}")).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains(&number) && html.contains("處理歷程"),
        "{html}"
    );
    assert!(!html.contains("name=\"password\""), "no password travels");
    // Nobody else does, and a link from a notification fills the number in for them.
    app.citizen("lin@example.tw", "another lantern by the harbour")
        .await;
    let mut other = Visitor::new(&app, "zh-TW");
    other.get("/sign-in").await;
    other
        .post(
            "/sign-in",
            &[
                ("login", "lin@example.tw"),
                ("password", "another lantern by the harbour"),
                ("back", "/"),
            ],
        )
        .await;
    let (status, _) = other.get(&format!("/my/cases/{number}")).await;
    assert_eq!(status, 404);
    let (_, html) = other.get(&format!("/track?case={number}")).await;
    assert!(html.contains(&format!(r#"value="{number}""#)), "{html}");

    // Once resolved, the citizen reopens it from the same page, and lands back on it.
    app.staff("disp.mei", &["dispatcher:PWD-PKS"]).await;
    let disp = app
        .sign_in("disp.mei", crate::support::STAFF_PASSWORD)
        .await;
    for action in [
        serde_json::json!({ "action": "acknowledge" }),
        serde_json::json!({ "action": "resolve", "outcome": "fixed", "note": "已修復" }),
    ] {
        let (status, body) = crate::support::send(
            app.as_browser(
                &disp,
                reqwest::Method::POST,
                &format!("cases/{number}/actions"),
            )
            .json(&action),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    let path = format!("/my/cases/{number}");
    let (_, html) = me.get(&path).await;
    assert!(
        html.contains(&format!(r#"action="{path}/reopen""#)),
        "{html}"
    );
    let (status, html, _) = me.post(&format!("{path}/reopen"), &[("reason", "")]).await;
    assert_eq!(status, 400, "{html}");
    let (status, _, location) = me
        .post(&format!("{path}/reopen"), &[("reason", "燈又不亮了")])
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some(format!("{path}?done=reopened").as_str())
    );
    let (_, html) = me.get(&format!("{path}?done=reopened")).await;
    assert!(
        html.contains("燈又不亮了"),
        "the reason is on the timeline: {html}"
    );

    // Signing out ends the session: my cases asks to sign in again.
    me.post("/sign-out", &[]).await;
    let r = me
        .request(reqwest::Method::GET, "/my/cases")
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status().as_u16(), 303);
}

/// The form's submission key, as the page put it in.
fn submission_of(html: &str) -> String {
    between(html, r#"name="submission" value=""#, "\"")
        .unwrap_or_else(|| panic!("a submission key in {html}"))
        .to_string()
}

#[tokio::test]
async fn a_report_sent_twice_or_reloaded_is_filed_once() {
    let app = TestApp::start().await;
    let mut me = Visitor::new(&app, "zh-TW");
    let (_, html) = me.get("/report/1999-L01").await;
    let key = submission_of(&html);
    let before = app.case_count().await;
    let (status, first) = me
        .post_multipart(
            "/report/1999-L01",
            report_form("2").text("submission", key.clone()),
        )
        .await;
    assert_eq!(status, 303, "{first}");
    let (number, password) = filed_number_and_password(&first);
    // Sent again (the back button, a double click): the same confirmation, nothing filed.
    let (status, again) = me
        .post_multipart(
            "/report/1999-L01",
            report_form("2").text("submission", key.clone()),
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        filed_number_and_password(&again),
        (number.clone(), password)
    );
    assert_eq!(app.case_count().await, before + 1);
    // Reloading the confirmation shows it again.
    let (status, reloaded) = me.get(&format!("/report/filed?s={key}")).await;
    assert_eq!(status, 200);
    assert!(reloaded.contains(&number));
    // Without the key, or with another, nothing is shown.
    let other = "0".repeat(64);
    let (status, html) = me.get(&format!("/report/filed?s={other}")).await;
    assert_eq!(status, 404);
    assert!(!html.contains(&number));
    // A refused form keeps its key, and once corrected is filed once.
    let (status, html) = me
        .post_multipart(
            "/report/1999-L01",
            report_form("2")
                .text("submission", key.replace('0', "1").replace('a', "b"))
                .text("consent", "no"),
        )
        .await;
    assert_eq!(status, 400, "{html}");
    let kept = submission_of(&html);
    let (status, _) = me
        .post_multipart(
            "/report/1999-L01",
            report_form("2").text("submission", kept),
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(app.case_count().await, before + 2);
}

#[tokio::test]
async fn the_survey_names_its_case_and_thanks_once_after_a_redirect() {
    let app = TestApp::start().await;
    let mut me = Visitor::new(&app, "en");
    me.get("/report/1999-L01").await;
    let (_, html) = me
        .post_multipart("/report/1999-L01", report_form("1"))
        .await;
    let (number, _) = filed_number_and_password(&html);
    let token = "a-survey-link-token-for-the-test";
    assert!(
        cases::testkit::open_survey(
            &app.platform.db,
            "taipei.gov.tw",
            &number,
            token,
            store::now_unix()
        )
        .await
        .unwrap()
    );
    let (status, html) = me.get(&format!("/survey?token={token}")).await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("About case {number}")), "{html}");
    let (status, html, _) = me.post("/survey", &[("token", token), ("score", "")]).await;
    assert_eq!(status, 400, "{html}");
    let (status, _, location) = me
        .post(
            "/survey",
            &[("token", token), ("score", "4"), ("comment", "")],
        )
        .await;
    assert_eq!(status, 303);
    let to = location.expect("to the thanks");
    let (_, html) = me.get(&to).await;
    assert_eq!(html.matches("Thank you").count(), 1, "thanked once: {html}");
}

/// 1999 is not an emergency line: the "call 119" warning is on the form of categories whose
/// reports are often emergencies before anything is typed, appears while a description that
/// reads like one is typed (the fragment htmx swaps in), and is there when the form comes
/// back without JavaScript.
#[tokio::test]
async fn the_call_119_warning_comes_before_the_form_and_while_typing() {
    let app = TestApp::start().await;
    let mut v = Visitor::new(&app, "en");
    let (status, html) = v.get("/report/1999-U03").await;
    assert_eq!(status, 200);
    assert!(html.contains(r#"id="emergency-prone""#), "{html}");
    assert!(html.contains("call 119 now"));

    let (_, html) = v.get("/report/1999-L01").await;
    assert!(!html.contains(r#"id="emergency-prone""#));
    assert!(html.contains(r#"hx-post="/report/emergency""#));
    assert!(html.contains(r#"<div id="emergency-live" aria-live="polite"></div>"#));
    let (status, live, _) = v
        .post(
            "/report/emergency",
            &[("description", "Flames coming out of a window")],
        )
        .await;
    assert_eq!(status, 200, "{live}");
    assert!(live.contains("119") && live.contains("flames"), "{live}");
    let (_, live, _) = v
        .post(
            "/report/emergency",
            &[("description", "路燈不亮，沒有人受傷")],
        )
        .await;
    assert!(live.trim().is_empty(), "{live}");
    let (status, _) = {
        let r = v
            .client
            .post(format!("{}/report/emergency", app.base))
            .form(&[("description", "fire")])
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), ())
    };
    assert_eq!(status, 403, "the check needs the page's form token");

    // Without JavaScript: the form comes back (a required answer is missing) with the warning.
    let submission = between(&html, r#"name="submission" value=""#, "\"")
        .unwrap_or_default()
        .to_string();
    let (status, back) = v
        .post_multipart(
            "/report/1999-L01",
            reqwest::multipart::Form::new()
                .text("submission", submission)
                .text("description", "電線桿倒了有人受傷"),
        )
        .await;
    assert_eq!(status, 400, "{back}");
    assert!(back.contains("emergency-warning"), "{back}");
}

/// Review §2: after the e-mailed code the new citizen was sent to sign in and type the password
/// again. The code that activates the account now signs them in.
#[tokio::test]
async fn the_code_that_activates_an_account_signs_the_citizen_in() {
    let app = TestApp::start().await;
    let mut me = Visitor::new(&app, "en");
    me.get("/sign-up").await;
    let login = "lin.mei@example.tw";
    let (status, _, location) = me
        .post(
            "/sign-up",
            &[
                ("name", "林美"),
                ("login", login),
                ("password", "tea by the river bank"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    me.get(location.as_deref().expect("to the code form")).await;
    let messages = store::outbox::list(&app.platform.db, crate::support::TAIPEI, None, 10)
        .await
        .expect("db");
    let vars: serde_json::Value = messages
        .iter()
        .find(|m| m.template == "account_verification" && m.address == login)
        .map(|m| serde_json::from_str(&m.vars).expect("JSON"))
        .expect("the verification message");
    let code = vars["code"].as_str().expect("a code").to_string();

    let (status, _, location) = me
        .post("/sign-up/verify", &[("login", login), ("code", &code)])
        .await;
    assert_eq!(status, 303);
    assert_eq!(location.as_deref(), Some("/my/cases?done=account-verified"));
    let (status, html) = me.get("/my/cases?done=account-verified").await;
    assert_eq!(status, 200, "signed in, not sent to sign in: {html}");
    assert!(html.contains("you are signed in"), "{html}");

    // The code works once: sent again it signs nobody in.
    let mut stranger = Visitor::new(&app, "en");
    stranger.get("/sign-up/verify").await;
    let (status, _, location) = stranger
        .post("/sign-up/verify", &[("login", login), ("code", &code)])
        .await;
    assert_eq!((status, location), (400, None));
}
