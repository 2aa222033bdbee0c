//! The administration pages as an administrator without JavaScript uses them: plain GETs and
//! form posts with the session cookie and the form token. Every change made through a page is
//! read back through the REST API or Open311, as another system would see it.

use crate::support::*;
use reqwest::Method;
use serde_json::{Value, json};

mod rules;

/// A signed-in browser that does not follow redirects.
struct Staff<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    b: Browser,
}

impl<'a> Staff<'a> {
    async fn sign_in(app: &'a TestApp, login: &str, roles: &[&str]) -> Staff<'a> {
        app.staff(login, roles).await;
        let b = app.sign_in(login, STAFF_PASSWORD).await;
        Staff {
            app,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            b,
        }
    }

    async fn admin(app: &'a TestApp) -> Staff<'a> {
        Staff::sign_in(app, "city.admin", &["jurisdiction_admin"]).await
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.app.base))
            .header("accept-language", "en")
            .header(
                "cookie",
                format!("{}={}", web::api::SESSION_COOKIE, self.b.cookie),
            )
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let r = self.request(Method::GET, path).send().await.expect("GET");
        (r.status().as_u16(), r.text().await.expect("body"))
    }

    /// Posts a form with the token; returns the status, the page and where it redirects.
    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String, Option<String>) {
        let mut fields: Vec<(&str, &str)> = vec![("_csrf", &self.b.csrf)];
        fields.extend_from_slice(form);
        self.post_raw(path, &fields).await
    }

    /// Posts a form and follows its redirect (POST, redirect, GET): the POST's status, the page
    /// it leads to, and where that is.
    async fn post_follow(&self, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
        let (status, html, location) = self.post(path, form).await;
        let Some(to) = location.filter(|_| status == 303) else {
            return (status, html, String::new());
        };
        (status, self.get(&to).await.1, to)
    }

    async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String, Option<String>) {
        let r = self
            .request(Method::POST, path)
            .form(fields)
            .send()
            .await
            .expect("POST");
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        (status, r.text().await.expect("body"), location)
    }

    /// A REST API call with the same session.
    async fn api(&self, method: Method, path: &str) -> (u16, Value) {
        send(self.app.as_browser(&self.b, method, path)).await
    }
}

/// The error shown beside the input `id`: the text of the `field-error` inside the field that
/// holds it (before the input).
fn error_beside(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let field = html[..at].rfind("class=\"field")?;
    let block = &html[field..at];
    let start = block.find("class=\"field-error\"")?;
    let block = &block[start + block[start..].find('>')? + 1..];
    let block = &block[..block.rfind('<').unwrap_or(block.len())];
    let mut text = String::new();
    let mut in_tag = false;
    for c in block.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    Some(text.trim().to_string()).filter(|t| !t.is_empty())
}

/// The value shown in large type on a "shown once" page.
fn shown_once(html: &str) -> String {
    let start = html.find("class=\"big-code secret\">").expect("a secret") + 24;
    html[start..start + html[start..].find('<').expect("end")].to_string()
}

#[tokio::test]
async fn the_index_lists_the_sections_and_refuses_those_without_any() {
    let app = TestApp::start().await;
    let admin = Staff::admin(&app).await;
    let (status, html) = admin.get("/admin").await;
    assert_eq!(status, 200);
    for href in [
        "/admin/categories",
        "/admin/rules",
        "/admin/sla",
        "/admin/staff",
        "/admin/api-clients",
        "/admin/webhooks",
        "/admin/templates",
    ] {
        assert!(html.contains(&format!("href=\"{href}\"")), "{href}: {html}");
    }
    assert_eq!(html.matches("<h1").count(), 1);

    let dispatcher = Staff::sign_in(&app, "disp.lin", &["dispatcher:PWD-PKS"]).await;
    for path in [
        "/admin",
        "/admin/categories",
        "/admin/staff",
        "/admin/webhooks",
    ] {
        let (status, html) = dispatcher.get(path).await;
        assert_eq!(status, 403, "{path}");
        assert!(html.contains("<html lang=\"en\">"), "an HTML page: {html}");
    }
    let (status, _, _) = dispatcher
        .post("/admin/api-clients", &[("name", "sneaky")])
        .await;
    assert_eq!(status, 403, "the form is refused too");

    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/admin/categories", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(r.headers()["location"], "/sign-in?back=/admin/categories");
}

#[tokio::test]
async fn posts_without_the_form_token_change_nothing() {
    let app = TestApp::start().await;
    let admin = Staff::admin(&app).await;
    let (status, html, _) = admin
        .post_raw("/admin/api-clients", &[("name", "no token")])
        .await;
    assert_eq!(status, 403);
    assert!(
        html.contains("expired") || html.contains("another site"),
        "{html}"
    );
    let (status, _, _) = admin
        .post_raw(
            "/admin/api-clients",
            &[("_csrf", &"0".repeat(64)), ("name", "wrong token")],
        )
        .await;
    assert_eq!(status, 403);
    let (_, clients) = admin.api(Method::GET, "api-clients").await;
    assert!(
        !clients.to_string().contains("token"),
        "no key was created: {clients}"
    );
}

/// The fields of a new category with one list question, as the form sends them.
fn category_form<'f>(code: &'f str, name_en: &'f str) -> Vec<(&'f str, &'f str)> {
    vec![
        ("code", code),
        ("name_zh", "人行道積水"),
        ("name_en", name_en),
        ("group_zh", "道路"),
        ("group_en", "Roads"),
        ("description_zh", "人行道或騎樓積水不退。"),
        ("description_en", "Standing water on a pavement or arcade."),
        ("keywords", "積水, puddle"),
        ("department", "PWD-NCO"),
        ("urgency", "P3"),
        ("service_type", "realtime"),
        ("active", "yes"),
        ("sort_order", ""),
        ("rows", "3"),
        ("a0_code", "depth"),
        ("a0_datatype", "singlevaluelist"),
        ("a0_required", "yes"),
        ("a0_description_zh", "積水深度"),
        ("a0_description_en", "How deep is the water?"),
        ("a0_hint_zh", ""),
        ("a0_hint_en", ""),
        (
            "a0_values",
            "ankle | 腳踝以下 | Below the ankle\nknee | 膝蓋左右 | About knee-high",
        ),
        ("a1_code", ""),
        ("a1_datatype", ""),
        ("a2_code", ""),
    ]
}

#[tokio::test]
async fn a_category_made_on_the_page_is_offered_through_open311_and_can_be_withdrawn() {
    let app = TestApp::start().await;
    let admin = Staff::admin(&app).await;
    let (status, html) = admin.get("/admin/categories/new").await;
    assert_eq!(status, 200, "{html}");
    let departments = admin.get("/admin/departments").await.1;
    assert!(departments.contains("PWD-NCO"), "{departments}");

    let (status, html, location) = admin
        .post(
            "/admin/categories/new",
            &category_form("1999-R99", "Flooded pavement"),
        )
        .await;
    assert_eq!(status, 303, "{html}");
    assert!(
        location
            .unwrap()
            .starts_with("/admin/categories?done=created")
    );

    // Open311 offers it, with its question and options, in both languages.
    let (_, services) = app.get_json("services.json?locale=en").await;
    let offered = services
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_code"] == "1999-R99")
        .unwrap_or_else(|| panic!("the new service is offered: {services}"));
    assert_eq!(offered["service_name"], "Flooded pavement");
    assert_eq!(offered["metadata"], true);
    let (status, definition) = app.get_json("services/1999-R99.json?locale=zh-TW").await;
    assert_eq!(status, 200, "{definition}");
    let attribute = &definition["attributes"][0];
    assert_eq!(attribute["code"], "depth");
    assert_eq!(attribute["required"], true);
    assert_eq!(attribute["values"][1]["key"], "knee");
    assert_eq!(attribute["values"][1]["name"], "膝蓋左右");

    // Edited on the page: the question is removed and the category withdrawn.
    let (status, html) = admin.get("/admin/categories/1999-R99/edit").await;
    assert_eq!(status, 200);
    assert!(
        html.contains("value=\"depth\""),
        "the question is a row: {html}"
    );
    let mut form = category_form("1999-R99", "Flooded pavement or arcade");
    form.retain(|(k, _)| *k != "active");
    form.push(("a0_remove", "yes"));
    let (status, html, _) = admin.post("/admin/categories/1999-R99/edit", &form).await;
    assert_eq!(status, 303, "{html}");
    let (_, category) = admin.api(Method::GET, "categories/1999-R99").await;
    assert_eq!(category["active"], false);
    assert_eq!(category["name"]["en"], "Flooded pavement or arcade");
    assert_eq!(category["attributes"], json!([]));
    let (_, services) = app.get_json("services.json").await;
    assert!(
        !services.to_string().contains("1999-R99"),
        "an inactive category is not offered"
    );
    let (_, audit) = admin.api(Method::GET, "audit?action=category.").await;
    assert_eq!(audit.as_array().unwrap().len(), 2, "{audit}");
}

#[tokio::test]
async fn a_category_form_with_mistakes_shows_each_beside_its_field() {
    let app = TestApp::start().await;
    let admin = Staff::admin(&app).await;
    let mut form = category_form("1999-L01", "");
    form.retain(|(k, _)| *k != "a0_values");
    form.push(("a0_values", ""));
    let (status, html, _) = admin.post("/admin/categories/new", &form).await;
    assert_eq!(status, 400);
    assert!(html.contains("<title>Error:"), "{html}");
    for (id, words) in [
        ("f-code", "already a category"),
        ("f-name_en", "name in English"),
        ("f-a0-values", "Question 1"),
    ] {
        assert!(
            html.contains(&format!("href=\"#{id}\"")),
            "{id} in the summary"
        );
        let beside = error_beside(&html, id).unwrap_or_else(|| panic!("an error beside {id}"));
        assert!(beside.contains(words), "{id}: {beside}");
        assert_tied(&html, id);
    }
    // A field that was not refused is not marked.
    assert!(html.contains(r#"id="f-name_zh" name="name_zh" value="人行道積水" aria-describedby="" aria-invalid="false""#), "{html}");
    assert!(
        html.contains("value=\"人行道積水\""),
        "what was entered is kept"
    );
    let (_, services) = app.get_json("services.json").await;
    assert_eq!(
        services
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["service_code"] == "1999-L01")
            .count(),
        1
    );
}

#[tokio::test]
async fn departments_are_made_and_renamed_on_the_page_and_kept_while_in_use() {
    let app = TestApp::start().await;
    let admin = Staff::admin(&app).await;
    let (status, html, _) = admin
        .post(
            "/admin/departments/new",
            &[
                ("code", "DOIT"),
                ("name_zh", "資訊局"),
                ("name_en", "Department of Information Technology"),
                ("kind", "city"),
                ("active", "yes"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{html}");
    let (status, html, _) = admin
        .post(
            "/admin/departments/DOIT/edit",
            &[
                ("name_zh", "臺北市政府資訊局"),
                ("name_en", "Department of Information Technology"),
                ("kind", "city"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{html}");
    let (_, list) = admin.api(Method::GET, "departments").await;
    let doit = list
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "DOIT")
        .expect("the new department");
    assert_eq!(doit["name"]["zh"], "臺北市政府資訊局");
    assert_eq!(doit["active"], false);

    // The street-light office still receives cases: it cannot be turned off.
    let (status, html, _) = admin
        .post(
            "/admin/departments/PWD-PKS/edit",
            &[
                ("name_zh", "公園路燈工程管理處"),
                ("name_en", "Parks and Street Lights Office"),
                ("kind", "city"),
            ],
        )
        .await;
    assert_eq!(status, 400);
    assert!(
        error_beside(&html, "f-active").is_some_and(|e| e.contains("categories")),
        "{html}"
    );
}

fn weekday(day: i64) -> i64 {
    (day + 4).rem_euclid(7) // 0 = Sunday
}

#[tokio::test]
async fn a_typhoon_day_declared_on_the_page_moves_due_dates_and_policies_are_set() {
    let app = TestApp::start().await;
    let admin = Staff::admin(&app).await;
    let number = app.file_streetlight().await;
    let due = |case: &Value| {
        domain::datetime::parse(case["sla"]["resolution_due"].as_str().expect("due"))
            .expect("a date-time")
    };
    let (_, case) = admin.api(Method::GET, &format!("cases/{number}")).await;
    let before = due(&case);

    // The next working day is declared a typhoon day (停止上班).
    let offset = 8 * 3600;
    let mut day = (store::now_unix() + offset) / 86_400 + 1;
    while matches!(weekday(day), 0 | 6) {
        day += 1;
    }
    let date = time::Date::from_julian_day((day + 2_440_588) as i32)
        .unwrap()
        .to_string();
    let (status, html, _) = admin
        .post(
            "/admin/calendar",
            &[("kind", "closure"), ("day", "2026-13-01"), ("name", "颱風")],
        )
        .await;
    assert_eq!(status, 400);
    assert!(error_beside(&html, "f-day").is_some_and(|e| e.contains("YYYY-MM-DD")));
    assert_tied(&html, "f-day");
    let (status, html, _) = admin
        .post(
            "/admin/calendar",
            &[
                ("kind", "closure"),
                ("day", date.as_str()),
                ("name", "颱風停止上班"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{html}");
    let (_, case) = admin.api(Method::GET, &format!("cases/{number}")).await;
    assert!(
        due(&case) > before,
        "the due date moved later: {before} → {}",
        due(&case)
    );
    let (_, html) = admin.get("/admin/calendar?lang=zh-TW").await;
    assert!(
        html.contains("颱風停止上班") && html.contains("民國"),
        "{html}"
    );

    // P3's resolution limit is set on the page.
    let policy = |resolution: &'static str| {
        vec![
            ("scope", "P3"),
            ("acknowledgement_amount", "4"),
            ("acknowledgement_unit", "hours"),
            ("reassignment_acknowledgement_amount", "1"),
            ("reassignment_acknowledgement_unit", "days"),
            ("first_response_amount", "1"),
            ("first_response_unit", "days"),
            ("resolution_amount", resolution),
            ("resolution_unit", "days"),
            ("at_risk_percent", "25"),
            ("calendar", "business"),
        ]
    };
    let (status, html, _) = admin.post("/admin/sla/policy", &policy("0")).await;
    assert_eq!(status, 400);
    assert!(error_beside(&html, "f-resolution").is_some(), "{html}");
    assert_tied(&html, "f-resolution");
    // Which calendar the clocks count on is chosen, never guessed.
    let mut without_calendar = policy("10");
    without_calendar.retain(|(k, _)| *k != "calendar");
    let (status, html, _) = admin.post("/admin/sla/policy", &without_calendar).await;
    assert_eq!(status, 400);
    assert!(
        error_beside(&html, "f-calendar-business").is_some(),
        "{html}"
    );
    // P1 counts around the clock unless an administrator says otherwise.
    let (_, html) = admin.get("/admin/sla/policy?scope=P1").await;
    assert!(
        html.contains(r#"id="f-calendar-24x7" name="calendar" value="24x7" checked"#),
        "{html}"
    );
    let (status, html, _) = admin.post("/admin/sla/policy", &policy("10")).await;
    assert_eq!(status, 303, "{html}");
    let (_, policies) = admin.api(Method::GET, "sla-policies").await;
    let p3 = policies
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["scope"] == "P3")
        .expect("P3's policy");
    assert_eq!(p3["policy"]["resolution"]["working_days"], 10);
    assert_eq!(p3["policy"]["calendar"], "business");
    let (_, case) = admin.api(Method::GET, &format!("cases/{number}")).await;
    assert!(due(&case) > before + 3 * 86_400, "ten working days now");
}

#[tokio::test]
async fn staff_are_created_with_a_password_shown_once_and_their_roles_changed() {
    let app = TestApp::start().await;
    let admin = Staff::admin(&app).await;
    let (status, html, _) = admin
        .post(
            "/admin/staff/new",
            &[
                ("login", "field.wu"),
                ("display_name", "吳外勤"),
                ("email", ""),
                ("mobile", ""),
                ("locale", "zh-TW"),
                ("rows", "2"),
                ("r0_role", "field_worker"),
                ("r0_scope", ""),
                ("r1_role", ""),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(status, 400, "a field worker needs a department");
    assert!(error_beside(&html, "f-r0-scope").is_some(), "{html}");
    assert_tied(&html, "f-r0-scope");

    let (status, html, _) = admin
        .post_follow(
            "/admin/staff/new",
            &[
                ("login", "field.wu"),
                ("display_name", "吳外勤"),
                ("locale", "zh-TW"),
                ("rows", "2"),
                ("r0_role", "field_worker"),
                ("r0_scope", "d:PWD-PKS"),
                ("password", ""),
            ],
        )
        .await;
    assert_eq!(status, 303, "{html}");
    let password = shown_once(&html);
    let (status, _, _) = app.try_sign_in("field.wu", &password).await;
    assert_eq!(status, 200, "the shown password works");
    // On the English list, the Chinese name is marked as Chinese (WCAG 3.1.2); the login is not.
    let (_, list) = admin.get("/admin/staff").await;
    assert!(
        list.contains(r#"<td><span lang="zh-Hant-TW">吳外勤</span></td>"#),
        "{list}"
    );
    assert!(list.contains(">field.wu</a>"));

    let (_, staff) = admin.api(Method::GET, "staff").await;
    let wu = staff
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["login"] == "field.wu")
        .expect("listed")
        .clone();
    let id = wu["id"].as_str().unwrap().to_string();
    assert_eq!(wu["roles"][0]["role"], "field_worker");

    // Promoted to dispatcher of the same office.
    let (status, html, _) = admin
        .post(
            &format!("/admin/staff/{id}/roles"),
            &[
                ("rows", "2"),
                ("r0_role", "dispatcher"),
                ("r0_scope", "d:PWD-PKS"),
                ("r1_role", ""),
            ],
        )
        .await;
    assert_eq!(status, 303, "{html}");
    // A new temporary password, then the account is disabled.
    let (status, html, _) = admin
        .post_follow(&format!("/admin/staff/{id}/reset-password"), &[])
        .await;
    assert_eq!(status, 303);
    let temporary = shown_once(&html);
    assert_ne!(temporary, password);
    let (status, _, _) = admin
        .post(&format!("/admin/staff/{id}/status"), &[("enabled", "no")])
        .await;
    assert_eq!(status, 303);
    let (_, staff) = admin.api(Method::GET, "staff").await;
    let wu = staff
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["login"] == "field.wu")
        .unwrap();
    assert_eq!(wu["roles"][0]["role"], "dispatcher");
    assert_eq!(wu["status"], "disabled");

    // Supervisors must use a second factor from now on.
    let (status, _, _) = admin
        .post(
            "/admin/staff/second-factor",
            &[
                ("required", "jurisdiction_admin"),
                ("required", "supervisor"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let policy = identity::testkit::roles_requiring_totp(&app.platform.db, TAIPEI)
        .await
        .unwrap();
    assert!(policy.iter().any(|r| r == "supervisor"), "{policy:?}");
    // The administrator's own role now requires a factor they lack: enrolment first (F15).
    let (status, body) = admin.api(Method::GET, "security/second-factor-roles").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["errors"][0]["code"], "error-second-factor-enrol");
}

#[tokio::test]
async fn an_api_key_made_on_the_page_files_reports_until_it_is_revoked() {
    let app = TestApp::start().await;
    let admin = Staff::admin(&app).await;
    let (status, html, _) = admin.post("/admin/api-clients", &[("name", "")]).await;
    assert_eq!(status, 400);
    assert!(error_beside(&html, "f-name").is_some(), "{html}");
    let (_, form) = admin.get("/admin/api-clients").await;
    let submission = form
        .split(r#"name="submission" value=""#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a submission key")
        .to_string();
    let fields = [
        ("name", "FixMyStreet Taipei"),
        ("submission", submission.as_str()),
    ];
    let (status, html, shown_at) = admin.post_follow("/admin/api-clients", &fields).await;
    assert_eq!(status, 303, "{html}");
    let key = shown_once(&html);
    assert!(key.starts_with("cdk_"));
    // Sent again (a double click) or reloaded: the same key, and only one was made.
    let (status, again, _) = admin.post_follow("/admin/api-clients", &fields).await;
    assert_eq!((status, shown_once(&again)), (303, key.clone()));
    assert_eq!(shown_once(&admin.get(&shown_at).await.1), key);
    let (_, clients) = admin.api(Method::GET, "api-clients").await;
    assert_eq!(
        clients
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["name"] == "FixMyStreet Taipei")
            .count(),
        1,
        "{clients}"
    );
    let app = &app;
    let file = |key: String| async move {
        app.post_form(
            "requests.json",
            &[
                ("api_key", key.as_str()),
                ("service_code", "1999-L01"),
                ("lat", "25.0377"),
                ("long", "121.5436"),
                ("attribute[lamps_out]", "1"),
                ("description", "路燈不亮"),
            ],
        )
        .await
        .0
    };
    assert_eq!(file(key.clone()).await, 200);
    let (_, clients) = admin.api(Method::GET, "api-clients").await;
    let id = clients
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "FixMyStreet Taipei")
        .expect("listed")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (status, _, _) = admin
        .post(&format!("/admin/api-clients/{id}/revoke"), &[])
        .await;
    assert_eq!(status, 303);
    assert_eq!(file(key).await, 403, "a revoked key files nothing");
}

#[tokio::test]
async fn webhooks_are_subscribed_pinged_and_deleted_on_the_page() {
    let app = TestApp::start().await;
    let admin = Staff::admin(&app).await;
    let (status, html, _) = admin
        .post(
            "/admin/webhooks/new",
            &[
                ("name", "公園處派工系統"),
                ("url", "not a url"),
                ("events", "case.assigned"),
                ("active", "yes"),
            ],
        )
        .await;
    assert_eq!(status, 400);
    assert!(error_beside(&html, "f-url").is_some(), "{html}");
    let (status, html, _) = admin
        .post_follow(
            "/admin/webhooks/new",
            &[
                ("name", "公園處派工系統"),
                ("url", "https://dispatch.pks.example/civicdesk"),
                ("events", "case.assigned"),
                ("events", "case.reopened"),
                ("department", "PWD-PKS"),
                ("active", "yes"),
            ],
        )
        .await;
    assert_eq!(status, 303, "{html}");
    assert!(shown_once(&html).starts_with("whsec_"));
    let (_, hooks) = admin.api(Method::GET, "webhooks").await;
    let hook = &hooks[0];
    assert_eq!(
        hook["event_types"],
        json!(["case.assigned", "case.reopened"])
    );
    assert_eq!(hook["department_code"], "PWD-PKS");
    let id = hook["id"].as_str().unwrap().to_string();

    let (status, _, location) = admin.post(&format!("/admin/webhooks/{id}/ping"), &[]).await;
    assert_eq!(status, 303);
    assert!(location.unwrap().contains("done=queued"));
    let (_, deliveries) = admin
        .api(Method::GET, &format!("webhooks/{id}/deliveries"))
        .await;
    assert_eq!(deliveries[0]["event_type"], "ping");
    let (_, html) = admin.get(&format!("/admin/webhooks/{id}")).await;
    assert!(
        html.contains("<code>ping</code>"),
        "the log shows it: {html}"
    );

    let (status, html, _) = admin
        .post_follow(&format!("/admin/webhooks/{id}/rotate"), &[])
        .await;
    assert_eq!(status, 303);
    assert!(shown_once(&html).starts_with("whsec_"));

    // A delivery that failed for good is sent again from the log.
    let (other, dead) = crate::permissions::webhook_with_dead_delivery(&app).await;
    let (_, html) = admin.get(&format!("/admin/webhooks/{other}")).await;
    assert!(html.contains("Failed, gave up"), "{html}");
    let (status, _, location) = admin
        .post(&format!("/admin/webhook-deliveries/{dead}/redeliver"), &[])
        .await;
    assert_eq!(status, 303);
    assert_eq!(
        location.as_deref(),
        Some(format!("/admin/webhooks/{other}?done=queued#log").as_str())
    );
    let (_, delivery) = admin
        .api(Method::GET, &format!("webhook-deliveries/{dead}"))
        .await;
    assert_eq!(delivery["status"], "queued");

    let (status, html, _) = admin
        .post(&format!("/admin/webhooks/{id}/delete"), &[])
        .await;
    assert_eq!(status, 400, "deleting needs the confirmation");
    assert!(error_beside(&html, "f-confirm").is_some());
    let (status, _, _) = admin
        .post(
            &format!("/admin/webhooks/{id}/delete"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, hooks) = admin.api(Method::GET, "webhooks").await;
    assert!(
        !hooks.to_string().contains(&id),
        "the deleted webhook is gone: {hooks}"
    );
}

#[tokio::test]
async fn notification_templates_are_previewed_checked_saved_and_reset() {
    let app = TestApp::start().await;
    let admin = Staff::admin(&app).await;
    let path = "/admin/templates/case_accepted/zh-TW/sms";
    let (status, html) = admin.get(path).await;
    assert_eq!(status, 200);
    assert!(html.contains("case_number"), "the variables are listed");

    let (status, html, _) = admin
        .post(
            path,
            &[
                ("action", "preview"),
                ("body", "您的案件 {{ case_nmber }} 已受理"),
            ],
        )
        .await;
    assert_eq!(status, 400);
    assert!(error_beside(&html, "f-body").is_some(), "{html}");

    let body = "您的案件 {{ case_number }} 已受理，謝謝。";
    let (status, html, _) = admin
        .post(path, &[("action", "preview"), ("body", body)])
        .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("您的案件 2026112400042 已受理，謝謝。"),
        "{html}"
    );
    let find = |list: &Value| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|t| {
                t["key"] == "case_accepted" && t["locale"] == "zh-TW" && t["channel"] == "sms"
            })
            .cloned()
            .expect("the template")
    };
    let (_, list) = admin.api(Method::GET, "notification-templates").await;
    assert_eq!(find(&list)["overridden"], false, "a preview saves nothing");

    let (status, _, _) = admin
        .post(path, &[("action", "save"), ("body", body)])
        .await;
    assert_eq!(status, 303);
    let (_, list) = admin.api(Method::GET, "notification-templates").await;
    assert_eq!(find(&list)["body"], body);
    let (status, _, _) = admin.post(&format!("{path}/reset"), &[]).await;
    assert_eq!(status, 303);
    let (_, list) = admin.api(Method::GET, "notification-templates").await;
    assert_eq!(find(&list)["overridden"], false);
}

/// The same catalogue operations over the REST API, for scripts and other systems.
#[tokio::test]
async fn the_catalogue_is_administered_over_the_api_too() {
    let app = TestApp::start().await;
    let admin = Staff::admin(&app).await;
    let body = json!({
        "code": "1999-X01",
        "name": { "zh": "測試類別", "en": "Test category" },
        "group": { "zh": "其他", "en": "Other" },
        "department": "PWD-NCO",
        "urgency": "P4",
        "attributes": [
            { "code": "size", "datatype": "number", "required": true,
              "description": { "zh": "大小", "en": "Size" } },
            { "code": "kind", "datatype": "singlevaluelist",
              "description": { "zh": "種類", "en": "Kind" } },
        ],
    });
    let (status, problem) = send(
        app.as_browser(&admin.b, Method::POST, "categories")
            .json(&body),
    )
    .await;
    assert_eq!(status, 400, "a list question without options: {problem}");
    let errors = problem["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{problem}");

    let mut body = body;
    body["attributes"][1]["values"] = json!([{ "key": "a", "name": { "zh": "甲", "en": "A" } }]);
    let (status, created) = send(
        app.as_browser(&admin.b, Method::POST, "categories")
            .json(&body),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["service_type"], "realtime");
    assert_eq!(created["attributes"][1]["values"][0]["key"], "a");

    body["code"] = json!("1999-X02");
    let (status, _) = send(
        app.as_browser(&admin.b, Method::PUT, "categories/1999-X01")
            .json(&body),
    )
    .await;
    assert_eq!(status, 400, "the code in the body must be the path's");
    body["code"] = json!("1999-X01");
    body["urgency"] = json!("P2");
    let (status, updated) = send(
        app.as_browser(&admin.b, Method::PUT, "categories/1999-X01")
            .json(&body),
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["urgency"], "P2");
    body.as_object_mut().unwrap().remove("code");
    let (status, _) = send(
        app.as_browser(&admin.b, Method::PUT, "categories/1999-NONE")
            .json(&body),
    )
    .await;
    assert_eq!(status, 404);

    let (status, department) = send(
        app.as_browser(&admin.b, Method::POST, "departments")
            .json(&json!({ "code": "TWC", "name": { "zh": "臺北自來水事業處", "en": "Taipei Water Department" }, "kind": "utility" })),
    )
    .await;
    assert_eq!(status, 201, "{department}");
    assert_eq!(department["active"], true);

    app.staff("disp.chen", &["dispatcher:PWD-PKS"]).await;
    let dispatcher = app.sign_in("disp.chen", STAFF_PASSWORD).await;
    let (status, _) = send(app.as_browser(&dispatcher, Method::GET, "categories")).await;
    assert_eq!(status, 403);
}
