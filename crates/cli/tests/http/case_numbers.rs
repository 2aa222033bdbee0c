//! Case numbers never run out: past the Taipei form's 99,999 a day the sequence widens
//! (`cases::domain::case_number`), on every channel and on both backends, and the longer numbers work
//! wherever a number is typed or looked up.

use crate::support::*;
use cases::domain::case_number::CaseNumber;
use reqwest::Method;
use serde_json::{Value, json};

/// Sets today's (and, should the test cross midnight, tomorrow's) counter as if `last` cases
/// had been filed: faster than filing them.
async fn counter_at(app: &TestApp, last: u64) {
    let j = app.platform.jurisdiction(TAIPEI).await.unwrap();
    let now = store::now_unix();
    let days: Vec<(String, u64)> = [now, now + 86_400]
        .iter()
        .map(|&t| {
            (
                domain::datetime::local_yyyymmdd(t, j.utc_offset_minutes),
                last,
            )
        })
        .collect();
    cases::testkit::raise_counters(&app.platform.db, TAIPEI, &days)
        .await
        .unwrap();
}

/// An agent files a street-light case for a caller; its number and password.
async fn by_phone(app: &TestApp, agent: &Browser) -> (String, String) {
    let (status, filed) = send(app.as_browser(agent, Method::POST, "cases").json(&json!({
        "service_code": "1999-L01", "address": "臺北市信義區市府路1號",
        "attributes": { "lamps_out": 1 }, "caller_phone": "0912-345-678",
    })))
    .await;
    assert_eq!(status, 201, "{filed}");
    (
        filed["case_number"].as_str().unwrap().to_string(),
        filed["password"].as_str().unwrap().to_string(),
    )
}

/// A citizen reports a street light on the web, anonymously; its number.
async fn on_the_web(app: &TestApp) -> String {
    let (status, filed) = send(app.client.post(app.api_url("reports")).json(&json!({
        "service_code": "1999-L01", "address": "臺北市大安區復興南路一段107號",
        "attributes": { "lamps_out": 1 }, "consent": true,
    })))
    .await;
    assert_eq!(status, 201, "{filed}");
    filed["case_number"].as_str().unwrap().to_string()
}

/// Item 9 of issue 23: a day's 100,000th case and after are filed (through Open311, the agent's
/// REST API and the citizen's web report alike), numbered in the wider form, in order as plain
/// strings, and found by tracking, Open311, the staff API and the caller lookup. Before,
/// every filing past 99,999 a day answered 500 until midnight.
#[tokio::test]
async fn numbers_widen_past_99999_a_day_and_work_everywhere() {
    let app = TestApp::new()
        .with_user("agent", None)
        .with_user("jurisdiction_admin", None)
        .start()
        .await;
    let agent = app.user("agent", None).browser.clone();
    let admin = app.user("jurisdiction_admin", None).browser.clone();
    counter_at(&app, 99_997).await;
    let mut numbers = vec![
        app.file_streetlight().await,
        by_phone(&app, &agent).await.0,
        app.file_streetlight().await,
    ];
    let (phoned, password) = by_phone(&app, &agent).await;
    numbers.push(phoned.clone());
    numbers.push(on_the_web(&app).await);
    counter_at(&app, 999_998).await;
    numbers.push(app.file_streetlight().await);
    numbers.push(by_phone(&app, &agent).await.0);

    let parsed: Vec<CaseNumber> = numbers
        .iter()
        .map(|n| CaseNumber::parse(n).unwrap_or_else(|e| panic!("{n}: {e}")))
        .collect();
    let sequences: Vec<u64> = parsed.iter().map(CaseNumber::sequence).collect();
    assert_eq!(
        sequences,
        [
            99_998, 99_999, 100_000, 100_001, 100_002, 999_999, 1_000_000
        ],
        "{numbers:?}"
    );
    let day = parsed[0].date_part();
    assert_eq!(numbers[1], format!("{day}99999"));
    assert_eq!(numbers[2], format!("{day}99999100000"));
    assert_eq!(numbers[6], format!("{day}99999999999{}", "1000000"));
    let lengths: Vec<usize> = numbers.iter().map(String::len).collect();
    assert_eq!(lengths, [13, 13, 19, 19, 19, 19, 26]);
    let mut sorted = numbers.clone();
    sorted.sort();
    assert_eq!(sorted, numbers, "as plain strings, in the order filed");

    // Tracking with the number and password.
    let (status, tracked) = send(
        app.client
            .post(app.api_url("track"))
            .json(&json!({ "case_number": phoned, "password": password })),
    )
    .await;
    assert_eq!(status, 200, "{tracked}");
    assert_eq!(tracked["case_number"], phoned.as_str());
    // Open311, one case and a list by id.
    let (status, one) = app.get_json(&format!("requests/{}.json", numbers[2])).await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one[0]["service_request_id"], numbers[2].as_str());
    let (status, listed) = app
        .get_json(&format!(
            "requests.json?service_request_id={},{}",
            numbers[5], numbers[6]
        ))
        .await;
    assert_eq!(status, 200, "{listed}");
    let ids: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["service_request_id"].as_str())
        .collect();
    assert!(
        ids.contains(&numbers[5].as_str()) && ids.contains(&numbers[6].as_str()),
        "{listed}"
    );
    // Staff: the case and its actions.
    let (status, case) =
        send(app.as_browser(&admin, Method::GET, &format!("cases/{}", numbers[6]))).await;
    assert_eq!(
        (status, case["case_number"].as_str()),
        (200, Some(numbers[6].as_str())),
        "{case}"
    );
    let (status, acted) = send(
        app.as_browser(
            &admin,
            Method::POST,
            &format!("cases/{}/actions", numbers[6]),
        )
        .json(&json!({ "action": "acknowledge" })),
    )
    .await;
    assert_eq!(status, 200, "{acted}");
    // The caller lookup lists every case reported from the number.
    let (status, caller) = send(app.as_browser(
        &admin,
        Method::GET,
        "callers/0912345678?reason=%E5%9B%9E%E9%9B%BB%E6%9F%A5%E8%A9%A2",
    ))
    .await;
    assert_eq!(status, 200, "{caller}");
    let reported: Vec<&str> = caller["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c: &Value| c["case_number"].as_str())
        .collect();
    for n in [&numbers[1], &numbers[3], &numbers[6]] {
        assert!(reported.contains(&n.as_str()), "{n} in {caller}");
    }
}
