//! "My data": a citizen sees what every running module holds about them (their account, their
//! consents, the cases they reported signed in and from their number), every read of it by
//! staff with the reason, and downloads all of it as a ZIP that any unzip tool reads (JSON and
//! one CSV per set). Only their own data: nothing names an account, staff are refused, and the
//! downloads are counted.

use crate::support::{STAFF_PASSWORD, TestApp, send};
use crate::ui_staff::{get, pages, with_session};
use reqwest::Method;
use serde_json::{Value, json};
use std::io::Read;

const MOBILE: &str = "0912-345-678";
const PASSWORD: &str = "my phone my rules";

async fn seeded() -> (TestApp, String) {
    let app = TestApp::start().await;
    let citizen = app.citizen(MOBILE, PASSWORD).await;
    let me = app.sign_in(MOBILE, PASSWORD).await;
    // One case filed signed in, one from her number without signing in.
    let (status, filed) = send(app.as_browser(&me, Method::POST, "reports").json(&json!({
        "service_code": "1999-L01", "address": "臺北市大同區承德路一段1號",
        "attributes": { "lamps_out": 2 }, "description": "巷口路燈不亮", "consent": true,
    })))
    .await;
    assert_eq!(status, 201, "{filed}");
    let (status, filed) = send(app.client.post(app.api_url("reports")).json(&json!({
        "service_code": "1999-L01", "address": "臺北市中山區南京東路二段1號",
        "attributes": { "lamps_out": 1 }, "description": "電話反映的路燈",
        "phone": "0912 345 678", "name": "王小美", "consent": true,
    })))
    .await;
    assert_eq!(status, 201, "{filed}");
    // A consent, and an agent who reads her account giving a reason.
    let (status, _) = send(
        app.as_browser(&me, Method::POST, "me/consents")
            .json(&json!({ "purpose": "identity.mydata-prefill", "days": 30 })),
    )
    .await;
    assert_eq!(status, 201);
    app.staff("agent.hsu", &["agent"]).await;
    let agent = app.sign_in("agent.hsu", STAFF_PASSWORD).await;
    let (status, _) = send(app.as_browser(
        &agent,
        Method::GET,
        &format!("citizens/{citizen}?reason=%E4%BE%86%E9%9B%BB%E6%9F%A5%E8%A9%A2"),
    ))
    .await;
    assert_eq!(status, 200);
    (app, citizen)
}

#[tokio::test]
async fn a_citizen_sees_and_downloads_everything_held_about_them_and_who_read_it() {
    let (app, citizen) = seeded().await;
    let me = app.sign_in(MOBILE, PASSWORD).await;

    let page = get(&app, &me, "/account/data").await;
    assert_eq!(page.status, 200, "{}", page.body);
    for text in [
        "What the city holds",
        "Problems you reported",
        "巷口路燈不亮",
        "電話反映的路燈",
        "王小美",
        "+886912345678",
        "Fill in my applications",
        "Who read your data",
        "Staff agent.hsu",
        "Read your account",
        "來電查詢",
    ] {
        assert!(page.body.contains(text), "{text} missing: {}", page.body);
    }

    // Codes are named, not shown.
    assert!(!page.body.contains("identity.mydata-prefill"));
    assert!(page.body.contains("Given"), "the consent's state in words");

    // The download: a ZIP any unzip tool reads.
    let r = with_session(
        pages().get(format!("{}/account/data/download", app.base)),
        &me,
    )
    .send()
    .await
    .expect("download");
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"my-data-")
    );
    let bytes = r.bytes().await.expect("bytes");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    for name in [
        "README.txt",
        "data.json",
        "identity.account.csv",
        "identity.consents.csv",
        "cases.reports.csv",
        "read-by-staff.csv",
    ] {
        assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
    }
    let mut json = String::new();
    zip.by_name("data.json")
        .expect("data.json")
        .read_to_string(&mut json)
        .expect("utf-8");
    let data: Value = serde_json::from_str(&json).expect("json");
    assert_eq!(data["account_id"], citizen.as_str());
    assert_eq!(
        data["data"]["identity.account"][0]["mobile"],
        "+886912345678"
    );
    let reports = data["data"]["cases.reports"].as_array().expect("reports");
    assert_eq!(reports.len(), 2, "{reports:?}");
    assert!(
        reports
            .iter()
            .any(|r| r["reporter_name"] == "王小美" && r["description"] == "電話反映的路燈")
    );
    assert_eq!(
        data["data"]["identity.consents"][0]["purpose"], "identity.mydata-prefill",
        "the JSON keeps codes"
    );
    assert_eq!(data["read_by_staff"][0]["staff"], "Staff agent.hsu");
    assert_eq!(data["read_by_staff"][0]["reason"], "來電查詢");
    let mut csv = Vec::new();
    zip.by_name("cases.reports.csv")
        .expect("csv")
        .read_to_end(&mut csv)
        .expect("csv");
    assert!(csv.starts_with(b"\xEF\xBB\xBF"), "a byte-order mark");
    let csv = String::from_utf8(csv).expect("utf-8");
    assert!(csv.contains("Case number"), "headed in her language: {csv}");
    assert!(csv.contains("巷口路燈不亮"));

    // The download is in the audit trail, and it is not a staff read.
    let reads = get(&app, &me, "/account/data").await;
    assert!(!reads.body.contains("my_data.downloaded"));
    let (status, body) = send(app.as_browser(&me, Method::GET, "me/data")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["data"]["cases.reports"].as_array().map(Vec::len),
        Some(2)
    );
}

#[tokio::test]
async fn my_data_is_only_ever_the_callers_own() {
    let (app, _) = seeded().await;
    // Another citizen sees none of hers.
    app.citizen("other@example.tw", "river-tea-sky-lantern")
        .await;
    let other = app
        .sign_in("other@example.tw", "river-tea-sky-lantern")
        .await;
    let page = get(&app, &other, "/account/data").await;
    assert_eq!(page.status, 200);
    assert!(!page.body.contains("巷口路燈不亮"));
    assert!(!page.body.contains("+886912345678"));
    assert!(page.body.contains("No city staff have read your data."));
    // An id in the query is not a way in: there is no such parameter to honour.
    let page = get(&app, &other, "/account/data?account=anything").await;
    assert!(!page.body.contains("王小美"));

    // Staff have no "my data" here, and visitors are sent to sign in.
    let agent = app.sign_in("agent.hsu", STAFF_PASSWORD).await;
    let (status, _) = send(app.as_browser(&agent, Method::GET, "me/data")).await;
    assert_eq!(status, 403);
    let r = pages()
        .get(format!("{}/account/data/download", app.base))
        .send()
        .await
        .expect("visitor");
    assert_eq!(r.status(), 303);

    // Downloads are counted: the eleventh in an hour is refused, saying when to try again.
    let me = app.sign_in(MOBILE, PASSWORD).await;
    for _ in 0..10 {
        let (status, _) = send(app.as_browser(&me, Method::GET, "me/data")).await;
        assert_eq!(status, 200);
    }
    let (status, body) = send(app.as_browser(&me, Method::GET, "me/data")).await;
    assert_eq!(status, 429, "{body}");
}
