//! The supervisor's CSV files hold text that administrators typed (department and category
//! names): a spreadsheet must never run any of it as a formula, whichever list separator its
//! locale uses.

use crate::support::*;
use reqwest::Method;
use serde_json::json;

/// F25: a department named `公園路燈;=HYPERLINK(…)` reaches the backlog file quoted, and with
/// the part after the semicolon defused, so a spreadsheet that splits lines at `;` (semicolon
/// locales) finds no cell starting a formula. Before, only `,` was considered.
#[tokio::test]
async fn a_semicolon_locale_spreadsheet_finds_no_formula() {
    let app = TestApp::new()
        .with_user("jurisdiction_admin", None)
        .with_user("supervisor", None)
        .start()
        .await;
    let admin = &app.user("jurisdiction_admin", None).browser;
    let supervisor = &app.user("supervisor", None).browser;
    let name = "公園路燈;=HYPERLINK(\"http://evil.example\",\"x\")";
    let (status, body) = send(
        app.as_browser(admin, Method::PUT, "departments/PWD-PKS")
            .json(&json!({ "name": { "zh": name, "en": "Parks;@SUM(1)" }, "kind": "city" })),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    app.file_streetlight().await;

    let r = app
        .client
        .get(format!("{}/supervise/backlog.csv", app.base))
        .header("accept-language", "zh-TW")
        .header(
            "cookie",
            format!("{}={}", web::api::SESSION_COOKIE, supervisor.cookie),
        )
        .send()
        .await
        .expect("GET");
    assert_eq!(r.status().as_u16(), 200);
    let csv = r.text().await.expect("body");
    let row = csv
        .lines()
        .find(|l| l.contains("PWD-PKS"))
        .unwrap_or_else(|| panic!("the department's row in {csv}"));
    assert!(
        row.contains("\"公園路燈;'=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\""),
        "{row}"
    );
    for line in csv.lines() {
        for cell in line.split(';').chain(line.split(',')) {
            assert!(
                !cell.starts_with(['=', '+', '@', '\t']),
                "{cell:?} would start a formula in {line:?}"
            );
        }
    }
}
