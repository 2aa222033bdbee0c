//! A module switched off (`[modules] cases = false`): the instance serves sign-in, accounts and
//! the administration of the platform, and nothing of the cases module: no Open311, no case API
//! in the routes or the OpenAPI document, no case pages, and no menu entry that leads to them.
//! The same requests on a default instance show what the switch takes away.

use crate::support::*;

/// A browser that does not follow redirects, in English.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

async fn get(app: &TestApp, path: &str, cookie: Option<&str>) -> (u16, String, Option<String>) {
    let mut req = client()
        .get(format!("{}{path}", app.base))
        .header("accept-language", "en");
    if let Some(c) = cookie {
        req = req.header("cookie", format!("{}={c}", web::api::SESSION_COOKIE));
    }
    let r = req.send().await.expect("GET");
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    (status, r.text().await.expect("body"), location)
}

async fn started(cases: bool) -> TestApp {
    TestApp::new()
        .with_config(move |c| c.modules.set("cases", cases))
        .with_user("jurisdiction_admin", None)
        .start()
        .await
}

#[tokio::test]
async fn with_cases_off_nothing_of_the_cases_module_is_served_or_offered() {
    for cases in [true, false] {
        let app = started(cases).await;
        let served = |status: u16| status != 404;
        let admin = app.user("jurisdiction_admin", None);
        let cookie = Some(admin.browser.cookie.as_str());

        // Open311 and the case API.
        let (status, ..) = get(&app, "/open311/v2/services.json", None).await;
        assert_eq!(served(status), cases, "Open311 with cases={cases}");
        let token = app.token(admin).await;
        let r = app
            .client
            .get(app.api_url("/cases"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("GET");
        assert_eq!(
            served(r.status().as_u16()),
            cases,
            "case API with cases={cases}"
        );
        if !cases {
            assert_eq!(
                r.headers()["content-type"].to_str().unwrap(),
                "application/problem+json"
            );
        }
        let paths = app.documented_paths().await;
        let documented = |p: &str| paths.iter().any(|d| d == p);
        assert_eq!(documented("/api/v1/cases"), cases);
        assert_eq!(documented("/api/v1/categories"), cases);
        assert!(documented("/api/v1/staff"), "identity stays");
        assert!(documented("/api/v1/departments"), "the platform stays");

        // Pages: sign-in always; the case pages only with the module.
        assert_eq!(get(&app, "/sign-in", None).await.0, 200);
        for path in [
            "/report",
            "/track",
            "/work",
            "/desk",
            "/supervise",
            "/admin/categories",
        ] {
            let (status, ..) = get(&app, path, cookie).await;
            assert_eq!(served(status), cases, "{path} with cases={cases}");
        }
        let (status, _, location) = get(&app, "/", None).await;
        if cases {
            assert_eq!(status, 200, "the hotline's home page");
        } else {
            assert_eq!((status, location.as_deref()), (303, Some("/sign-in")));
        }

        // The menu and the administration offer only what is served.
        let (status, admin_page, _) = get(&app, "/admin", cookie).await;
        assert_eq!(status, 200);
        assert!(admin_page.contains("href=\"/admin/staff\""));
        assert_eq!(admin_page.contains("href=\"/admin/categories\""), cases);
        assert_eq!(admin_page.contains("href=\"/admin/rules\""), cases);
        assert_eq!(admin_page.contains("href=\"/work\""), cases);
        assert!(
            !admin_page.contains("href=\"/report\""),
            "a staff header carries no citizen links"
        );
        let (_, _, start) = get(&app, "/start", cookie).await;
        // An administrator starts in the administration, with the hotline or without.
        assert_eq!(start.as_deref(), Some("/admin"), "{start:?}");
    }
}
