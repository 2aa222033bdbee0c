//! Snapshots of every Open311 resource in XML and JSON, so any change to what clients receive is
//! seen in review. Values that differ between runs (times, case numbers, tokens, the port) are
//! replaced by placeholders before comparison.
use crate::support::*;

/// Replaces run-dependent values with stable placeholders.
fn redact(app: &TestApp, text: &str) -> String {
    let text = text.replace(&app.base, "http://civicdesk.test");
    let patterns = [
        (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", "[datetime]"),
        (r"\b\d{13}\b", "[case-number]"),
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[uuid]",
        ),
        (r"\b[0-9a-f]{32}\b", "[token]"),
        (r"\b[A-HJKMNP-Z2-9]{8}\b", "[password]"),
    ];
    patterns.iter().fold(text, |acc, (pattern, placeholder)| {
        regex::Regex::new(pattern)
            .expect("pattern")
            .replace_all(&acc, *placeholder)
            .into_owned()
    })
}

async fn snapshot_pair(app: &TestApp, name: &str, path: &str) {
    for format in ["json", "xml"] {
        let url = path.replacen("{format}", format, 1);
        let r = app.get(&url).await;
        let status = r.status().as_u16();
        let body = r.text().await.expect("body");
        let body = if format == "json" {
            let value: serde_json::Value = serde_json::from_str(&body).expect("JSON");
            serde_json::to_string_pretty(&value).expect("pretty")
        } else {
            body
        };
        insta::assert_snapshot!(
            format!("{name}_{format}"),
            format!("{status}\n{}", redact(app, &body))
        );
    }
}

#[tokio::test]
async fn every_resource_in_both_formats() {
    let app = TestApp::start().await;
    snapshot_pair(&app, "discovery", "discovery.{format}").await;
    snapshot_pair(
        &app,
        "services_kaohsiung_en",
        "kcg.gov.tw/services.{format}?locale=en",
    )
    .await;
    snapshot_pair(&app, "definition_pothole_zh", "services/1999-R01.{format}").await;

    let id = app.file_streetlight().await;
    snapshot_pair(&app, "request_zh", &format!("requests/{id}.{{format}}")).await;
    snapshot_pair(
        &app,
        "request_extended_en",
        &format!("requests/{id}.{{format}}?extensions=true&locale=en"),
    )
    .await;
    snapshot_pair(
        &app,
        "requests_filtered",
        &format!("requests.{{format}}?service_request_id={id}"),
    )
    .await;

    let (status, _) = app
        .post_form(
            "servicerequestupdates.json",
            &[
                ("api_key", &app.key),
                ("service_request_id", &id),
                ("update_id", "snapshot-1"),
                ("status", "OPEN"),
                ("updated_datetime", "2026-11-24T08:00:00+08:00"),
                ("description", "今晚還是不亮"),
            ],
        )
        .await;
    assert_eq!(status, 200);
    snapshot_pair(
        &app,
        "updates",
        &format!("servicerequestupdates.{{format}}?service_request_id={id}"),
    )
    .await;

    // Errors keep the spec's list shape in both formats and both languages.
    snapshot_pair(
        &app,
        "error_unknown_service_en",
        "services/NOPE.{format}?locale=en",
    )
    .await;
    snapshot_pair(
        &app,
        "error_bad_date_zh",
        "requests.{format}?start_date=yesterday",
    )
    .await;
    snapshot_pair(
        &app,
        "error_unknown_jurisdiction",
        "requests.{format}?jurisdiction_id=nowhere.gov.tw",
    )
    .await;
}

#[tokio::test]
async fn post_responses_in_both_formats() {
    let app = TestApp::start().await;
    for format in ["json", "xml"] {
        let form = [
            ("api_key", app.key.as_str()),
            ("service_code", "1999-L01"),
            ("lat", "25.0377"),
            ("long", "121.5436"),
            ("attribute[lamps_out]", "2"),
        ];
        let (status, body) = app.post_form(&format!("requests.{format}"), &form).await;
        insta::assert_snapshot!(
            format!("post_request_{format}"),
            format!("{status}\n{}", redact(&app, &body))
        );
        let (status, body) = app
            .post_form(
                &format!("requests.{format}"),
                &[
                    ("api_key", app.key.as_str()),
                    ("service_code", "PET-05"),
                    ("address_string", "松山區"),
                ],
            )
            .await;
        insta::assert_snapshot!(
            format!("post_batch_{format}"),
            format!("{status}\n{}", redact(&app, &body))
        );
        let (status, body) = app
            .post_form(
                &format!("requests.{format}?locale=en"),
                &[("api_key", "cdk_wrong"), ("service_code", "1999-L01")],
            )
            .await;
        insta::assert_snapshot!(
            format!("post_bad_key_{format}"),
            format!("{status}\n{}", redact(&app, &body))
        );
    }
}

#[tokio::test]
async fn token_resolves_in_both_formats() {
    let app = TestApp::start().await;
    let (_, body) = app
        .post_form(
            "requests.json",
            &[
                ("api_key", app.key.as_str()),
                ("service_code", "PET-05"),
                ("address_string", "松山區"),
            ],
        )
        .await;
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    let token = json[0]["token"].as_str().expect("token").to_string();
    snapshot_pair(&app, "token", &format!("tokens/{token}.{{format}}")).await;
}
