//! Personal data never reaches a public surface (issue 23: F1, F4, F5 and the seeded sweep).
//!
//! Cases are filed with personal data in every field a reporter can fill and every kind of
//! question, staff add public notes and status notes that name the reporter, and then every
//! public route is read: Open311 in JSON and XML (lists, single requests, the update feed,
//! tokens, with and without extensions), the public pages and the public REST routes. None of
//! the seeded values may appear in any answer, in any spelling.

use crate::support::*;
use reqwest::Method;
use serde_json::{Value, json};

/// The exact point of the reports: a home.
const HOME_LAT: &str = "25.037712";
const HOME_LONG: &str = "121.543601";

/// Personal values seeded into the cases, each with the spellings it must not appear in.
/// Every answer is compared with separators removed and in lower case, so `0933 271 845`
/// and `0933-271-845` count as the same leak.
const SECRETS: &[&str] = &[
    "0933271845",
    "0958402617",
    "k134560981",
    "f223456788",
    "wang.secret",
    "wangsecret",
    "leak@example",
    "abc1234",
    "xyz5678",
    "99號",
    "7樓",
    "鄭秘密",
    "device-secret-42",
    "fms-user-secret-7",
    "addr-id-secret-9",
    HOME_LAT,
    HOME_LONG,
    "27051234",
];

fn squeeze(text: &str) -> String {
    text::to_halfwidth(text)
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, '@' | '.' | '-'))
        .flat_map(char::to_lowercase)
        .collect::<String>()
        // The checks ignore dots and dashes inside numbers, not in e-mail names.
        .replace(['-'], "")
}

fn assert_no_secret(what: &str, body: &str) {
    let plain = squeeze(body);
    let no_dots = plain.replace('.', "");
    for secret in SECRETS {
        let s = squeeze(secret);
        let found = if s.chars().all(|c| c.is_ascii_digit()) {
            no_dots.contains(&s)
        } else {
            plain.contains(&s)
        };
        assert!(!found, "{what} shows the seeded value {secret}:\n{body}");
    }
}

struct Seeded {
    numbers: Vec<String>,
    web_case: String,
    password: String,
}

/// Files the cases and gives them public history.
async fn seed(app: &TestApp) -> Seeded {
    let reporter = |code: &'static str| {
        vec![
            ("service_code", code),
            ("lat", HOME_LAT),
            ("long", HOME_LONG),
            ("address_string", "臺北市信義區松仁路 99 號7樓"),
            ("address_id", "addr-id-secret-9"),
            ("email", "leak@example.com"),
            ("phone", "0958-402-617"),
            ("first_name", "秘密"),
            ("last_name", "鄭"),
            ("device_id", "device-secret-42"),
            ("account_id", "fms-user-secret-7"),
            (
                "description",
                "請回電 0933.271.845 或（02）2705-1234，我住松仁路99號7樓，\
                 身分證 k134560981，信箱 wang.secret(at)example.com，車牌 XYZ-5678",
            ),
        ]
    };
    let mut numbers = Vec::new();
    for (code, extra) in [
        ("1999-V01", ("attribute[plate]", "ABC-1234")),
        (
            "1999-W01",
            (
                "attribute[items]",
                "沙發 請聯絡 0933-271-845 或 F223456788 wang.secret@example.com",
            ),
        ),
        ("1999-L01", ("attribute[pole_number]", "0933271845")),
    ] {
        let mut form = reporter(code);
        form.push(("api_key", &app.key));
        form.push(extra);
        if code == "1999-L01" {
            form.push(("attribute[lamps_out]", "1"));
        }
        let (status, body) = app.post_form("requests.json", &form).await;
        assert_eq!(status, 200, "{code}: {body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        numbers.push(v[0]["service_request_id"].as_str().unwrap().to_string());
    }
    // A web report, tracked with its password below.
    let (status, filed) = send(app.client.post(app.api_url("reports")).json(&json!({
        "service_code": "1999-L01", "lat": 25.037712, "long": 121.543601,
        "address": "臺北市信義區松仁路99號7樓",
        "description": "我是鄭秘密，電話 0933271845，K134560981",
        "attributes": { "lamps_out": 2, "pole_number": "0958402617" },
        "email": "leak@example.com", "phone": "0958402617", "name": "鄭秘密", "consent": true,
    })))
    .await;
    assert_eq!(status, 201, "{filed}");
    let web_case = filed["case_number"].as_str().unwrap().to_string();
    let password = filed["password"].as_str().unwrap().to_string();
    numbers.push(web_case.clone());
    // The department writes public notes that repeat what the reporter gave.
    app.staff("disp.privacy", &["dispatcher:PWD-PKS"]).await;
    let dispatcher = app.sign_in("disp.privacy", STAFF_PASSWORD).await;
    for number in &numbers[2..] {
        let act = |body: Value| {
            send(
                app.as_browser(
                    &dispatcher,
                    Method::POST,
                    &format!("cases/{number}/actions"),
                )
                .json(&body),
            )
        };
        let (status, body) = act(json!({ "action": "acknowledge" })).await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = act(json!({
            "action": "note", "public": true,
            "note": "已電話聯絡鄭秘密 0933 271 845（松仁路99號7樓），車牌ABC1234",
        }))
        .await;
        assert_eq!(status, 200, "{body}");
        let (status, body) = act(json!({
            "action": "resolve", "outcome": "fixed",
            "note": "已修復，通知 leak@example.com 與 0958402617",
        }))
        .await;
        assert_eq!(status, 200, "{body}");
    }
    Seeded {
        numbers,
        web_case,
        password,
    }
}

/// F1, F4, F5 and the sweep: every public route, after seeding personal data everywhere.
#[tokio::test]
async fn no_seeded_personal_data_reaches_any_public_route() {
    let app = TestApp::start().await;
    let seeded = seed(&app).await;
    let mut paths: Vec<String> = Vec::new();
    for format in ["json", "xml"] {
        for extensions in ["", "&extensions=true"] {
            paths.push(format!("requests.{format}?page_size=100{extensions}"));
            paths.push(format!(
                "taipei.gov.tw/requests.{format}?status=closed{extensions}"
            ));
            for n in &seeded.numbers {
                paths.push(format!("requests/{n}.{format}?x=1{extensions}"));
            }
        }
        paths.push(format!("servicerequestupdates.{format}"));
        paths.push(format!(
            "servicerequestupdates.{format}?service_request_id={}",
            seeded.numbers.join(",")
        ));
        paths.push(format!("discovery.{format}"));
        paths.push(format!("services.{format}"));
        paths.push(format!("services/1999-V01.{format}"));
        paths.push(format!(
            "requests.{format}?lat={HOME_LAT}&long={HOME_LONG}&radius=100&extensions=true"
        ));
    }
    let mut read = 0;
    for path in &paths {
        let r = app.get(path).await;
        let status = r.status().as_u16();
        let body = r.text().await.unwrap();
        assert_eq!(status, 200, "{path}: {body}");
        assert_no_secret(path, &body);
        read += 1;
    }
    // Some answers must hold the cases, or the sweep proves nothing.
    let (_, list) = app
        .get_json("requests.json?page_size=100&extensions=true")
        .await;
    assert_eq!(
        list.as_array().unwrap().len(),
        seeded.numbers.len(),
        "{list}"
    );
    let (_, feed) = app.get_json("servicerequestupdates.json").await;
    assert!(feed.as_array().unwrap().len() >= 6, "{feed}");

    // Public pages, in both languages.
    for page in ["/", "/about", "/report", "/track", "/sign-in"] {
        for lang in ["zh-TW", "en"] {
            let r = app
                .client
                .get(format!("{}{page}", app.base))
                .header("accept-language", lang)
                .send()
                .await
                .unwrap();
            let body = r.text().await.unwrap();
            assert_no_secret(page, &body);
            read += 1;
        }
    }
    // Tracking, for whoever holds the number and password: the public view of the case.
    let (status, tracked) = send(app.client.post(app.api_url("track")).json(&json!({
        "case_number": seeded.web_case, "password": seeded.password,
    })))
    .await;
    assert_eq!(status, 200, "{tracked}");
    assert!(tracked["timeline"].as_array().unwrap().len() >= 3);
    assert_no_secret("POST /api/v1/track", &tracked.to_string());
    // The public REST catalogue.
    for path in ["categories", "departments"] {
        let r = app.client.get(app.api_url(path)).send().await.unwrap();
        let body = r.text().await.unwrap();
        assert_no_secret(path, &body);
        read += 1;
    }
    assert!(read >= 45, "{read} answers read");
}

/// F1: a personal question's answer is not published at all, another free-text answer is
/// published redacted, and list answers as they are.
#[tokio::test]
async fn answers_are_published_redacted_and_personal_ones_not_at_all() {
    let app = TestApp::start().await;
    let seeded = seed(&app).await;
    let (_, plate_case) = app
        .get_json(&format!(
            "requests/{}.json?extensions=true",
            seeded.numbers[0]
        ))
        .await;
    assert_eq!(plate_case[0]["attributes"], json!([]), "{plate_case}");
    let (_, items_case) = app
        .get_json(&format!(
            "requests/{}.json?extensions=true",
            seeded.numbers[1]
        ))
        .await;
    let items = items_case[0]["attributes"][0]["value"].as_str().unwrap();
    assert!(items.starts_with("沙發 請聯絡 "), "{items}");
    assert!(items.contains("＊＊＊"), "{items}");
    // The answer is kept as given, for staff.
    let stored = cases::testkit::stored_case(&app.platform.db, TAIPEI, &seeded.numbers[0])
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored.attributes.contains("ABC-1234"),
        "{}",
        stored.attributes
    );
}

/// F5: the published point is the centre of a ~100 m cell, the same on every read, and a
/// search near the exact point cannot find it more exactly than that.
#[tokio::test]
async fn points_are_published_on_a_grid_and_searched_on_it() {
    let app = TestApp::start().await;
    let number = app.file_streetlight().await;
    let (_, first) = app.get_json(&format!("requests/{number}.json")).await;
    let (_, again) = app.get_json("requests.json").await;
    let (lat, long) = (
        first[0]["lat"].as_f64().unwrap(),
        first[0]["long"].as_f64().unwrap(),
    );
    assert_eq!(
        (again[0]["lat"].as_f64(), again[0]["long"].as_f64()),
        (Some(lat), Some(long))
    );
    let exact = domain::geo::Point::new(25.0377, 121.5436).unwrap();
    let shown = domain::geo::Point::new(lat, long).unwrap();
    let off = exact.distance_m(shown);
    assert!(off > 1.0 && off < 75.0, "shown {off} m from the report");
    // A small circle around the exact point: found only if the cell centre is inside it.
    let radius = (off / 2.0).max(1.0);
    let (status, near_exact) = app
        .get_json(&format!(
            "requests.json?lat=25.0377&long=121.5436&radius={radius}"
        ))
        .await;
    assert_eq!(status, 200, "{near_exact}");
    assert_eq!(near_exact, json!([]), "the exact point is not searchable");
    let (_, near_shown) = app
        .get_json(&format!("requests.json?lat={lat}&long={long}&radius=5"))
        .await;
    assert_eq!(near_shown.as_array().unwrap().len(), 1, "{near_shown}");
    // The XML shows the same point.
    let xml = app
        .get(&format!("requests/{number}.xml"))
        .await
        .text()
        .await
        .unwrap();
    assert!(xml.contains(&format!("<lat>{lat}</lat>")), "{xml}");
    assert!(!xml.contains("25.0377<"), "{xml}");
}

/// F1: the citizen is told, at the question, that a personal answer is not published.
#[tokio::test]
async fn the_report_form_says_which_answers_stay_private() {
    let app = TestApp::start().await;
    for (lang, private) in [
        ("zh-TW", "這個答案只有承辦人員看得到，不會公開。"),
        ("en", "Only staff see this answer; it is never published."),
    ] {
        let page = |code: &str| {
            app.client
                .get(format!("{}/report/{code}", app.base))
                .header("accept-language", lang)
                .send()
        };
        let plate = page("1999-V01").await.unwrap().text().await.unwrap();
        assert!(plate.contains(private), "{plate}");
        assert!(plate.contains(r#"id="f-attr-plate-hint""#), "{plate}");
        let items = page("1999-W01").await.unwrap().text().await.unwrap();
        assert!(!items.contains(private), "only personal questions say so");
    }
}

/// F1: an administrator marks a question personal or not; Open311 follows at once.
#[tokio::test]
async fn an_administrator_decides_which_questions_are_personal() {
    let app = TestApp::new()
        .with_user("jurisdiction_admin", None)
        .start()
        .await;
    let admin = app.user("jurisdiction_admin", None).browser.clone();
    let (status, mut category) =
        send(app.as_browser(&admin, Method::GET, "categories/1999-W01")).await;
    assert_eq!(status, 200, "{category}");
    assert_eq!(category["attributes"][0]["personal"], false, "{category}");
    category["attributes"][0]["personal"] = json!(true);
    let (status, saved) = send(
        app.as_browser(&admin, Method::PUT, "categories/1999-W01")
            .json(&category),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["attributes"][0]["personal"], true, "{saved}");
    let (status, body) = app
        .post_form(
            "requests.json",
            &[
                ("api_key", &app.key),
                ("service_code", "1999-W01"),
                ("address_string", "臺北市萬華區西園路一段"),
                ("attribute[items]", "沙發一張"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let number = v[0]["service_request_id"].as_str().unwrap();
    let (_, case) = app
        .get_json(&format!("requests/{number}.json?extensions=true"))
        .await;
    assert_eq!(case[0]["attributes"], json!([]), "{case}");
}
