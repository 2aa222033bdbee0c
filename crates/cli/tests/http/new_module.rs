//! The test of "How to add a module" (docs/ARCHITECTURE.md): the example module
//! (`crates/modules/example`: one page, one API route, one job kind, one migration) plugs into
//! a build with its definition and one adder, and nothing in the base changes. Its migration
//! runs under its own key; its API route is served, checked and documented; its job runs in
//! the one queue; its page is in the menu of who may use it and of nobody else;
//! `[modules] example = false` takes all of that away; and its wiring stays under 150 lines.

use crate::support::*;
use reqwest::Method;
use std::sync::Arc;
use web::{Build, Modules};

// wiring: begin
/// The binary's modules and the example.
const WITH_EXAMPLE: Build = Build {
    modules: &[
        &platform::MODULE,
        &identity::MODULE,
        &cases::MODULE,
        &example::MODULE,
    ],
    added: &[|m: &Modules| {
        Arc::new(example::Example::new(
            m.platform.clone(),
            m.identity.clone(),
        ))
    }],
};
// wiring: end

const NOTICES: &str = "/example/notices";

async fn started(example_runs: bool) -> TestApp {
    TestApp::new()
        .with_build(WITH_EXAMPLE)
        .with_config(move |c| c.modules.set("example", example_runs))
        .with_user("jurisdiction_admin", None)
        .with_user("agent", None)
        .start()
        .await
}

/// A signed-in browser's page, in English: status and body.
async fn page(app: &TestApp, user: &TestUser, path: &str) -> (u16, String) {
    let r = app
        .client
        .get(format!("{}{path}", app.base))
        .header("accept-language", "en")
        .header(
            "cookie",
            format!("{}={}", web::api::SESSION_COOKIE, user.browser.cookie),
        )
        .send()
        .await
        .expect("GET");
    (r.status().as_u16(), r.text().await.expect("body"))
}

async fn post_notice(app: &TestApp, user: &TestUser, title: &str) -> (u16, serde_json::Value) {
    let r = app
        .as_browser(&user.browser, Method::POST, "example/notices")
        .header("accept-language", "en")
        .json(&serde_json::json!({ "title": title }))
        .send()
        .await
        .expect("POST");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn a_new_module_brings_its_migration_route_job_and_page() {
    // Its migration set runs under its own key, after the build's others.
    let dir = tempfile::tempdir().unwrap();
    let db = store::Db::connect(&fresh_database(dir.path()).await, 2)
        .await
        .unwrap();
    let report = WITH_EXAMPLE.migrate(&db).await.unwrap();
    assert_eq!(report.applied.last(), Some(&("example", 1, "notices")));
    db.close().await;

    let app = started(true).await;
    let admin = app.user("jurisdiction_admin", None);
    let agent = app.user("agent", None);

    // Its API route: checked, refused to who lacks its permission, answered in the caller's
    // language, and documented.
    let (status, problem) = post_notice(&app, admin, "  ").await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(
        problem["detail"],
        "Enter the notice's title, at most 120 characters."
    );
    assert_eq!(post_notice(&app, agent, "停水").await.0, 403);
    let (status, notice) = post_notice(&app, admin, "信義區停水通知").await;
    assert_eq!(status, 201, "{notice}");
    assert_eq!(notice["title"], "信義區停水通知");
    assert!(notice["published_at"].is_null(), "published by the job");
    assert!(
        app.documented_paths()
            .await
            .contains(&"/api/v1/example/notices".to_string())
    );

    // Its page, in the menu of who may use it and of nobody else.
    let (status, body) = page(&app, admin, NOTICES).await;
    assert_eq!(status, 200);
    assert!(body.contains("<h1>Notices</h1>"), "{body}");
    assert!(body.contains("Waiting to be published"));
    assert!(
        body.contains(&format!("href=\"{NOTICES}\"")),
        "the menu entry"
    );
    let (status, body) = page(&app, agent, NOTICES).await;
    assert_eq!(status, 403);
    assert!(!body.contains(&format!("href=\"{NOTICES}\"")));
    let (_, agents_work) = page(&app, agent, "/work").await;
    assert!(!agents_work.contains(&format!("href=\"{NOTICES}\"")));

    // Its job runs in the one queue, beside every other module's kinds.
    assert!(app.run_due_jobs().await >= 1);
    let (_, body) = page(&app, admin, NOTICES).await;
    assert!(body.contains("Published") && !body.contains("Waiting to be published"));

    // Its messages are in both languages.
    let zh = app
        .client
        .get(format!("{}{NOTICES}", app.base))
        .header(
            "cookie",
            format!("{}={}", web::api::SESSION_COOKIE, admin.browser.cookie),
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(zh.contains("<h1>公告</h1>") && zh.contains("已發布"));
}

#[tokio::test]
async fn a_new_module_switched_off_serves_and_offers_nothing() {
    let app = started(false).await;
    let admin = app.user("jurisdiction_admin", None);
    let (status, problem) = post_notice(&app, admin, "停水").await;
    assert_eq!(status, 404, "{problem}");
    assert_eq!(
        problem["status"], 404,
        "a problem, as every unknown API path"
    );
    assert!(
        !app.documented_paths()
            .await
            .iter()
            .any(|p| p.contains("example"))
    );
    let (status, _) = page(&app, admin, NOTICES).await;
    assert_eq!(status, 404);
    let (_, admin_page) = page(&app, admin, "/admin").await;
    assert!(!admin_page.contains(&format!("href=\"{NOTICES}\"")));
    assert!(
        app.modules()
            .job_kinds()
            .unwrap()
            .iter()
            .all(|k| k.kind() != "example.publish"),
        "a module switched off runs no jobs"
    );
}

/// Lines that are neither blank nor comments.
fn code_lines(text: &str) -> usize {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//") && !l.starts_with('#'))
        .count()
}

/// The wiring a new module takes: its manifest and template settings, its crate root, its
/// `module.rs` (definition, handle, doors, door state) and the composition's lines. What the
/// module does (use cases, queries, handlers, templates, SQL, messages) is not wiring.
#[test]
fn a_new_module_takes_under_150_lines_of_wiring() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../modules/example");
    let mut counted = Vec::new();
    for file in ["Cargo.toml", "askama.toml", "src/lib.rs", "src/module.rs"] {
        let text = std::fs::read_to_string(root.join(file)).expect(file);
        counted.push((file.to_string(), code_lines(&text)));
    }
    let this = include_str!("new_module.rs");
    let composition = this
        .split("// wiring: begin")
        .nth(1)
        .and_then(|rest| rest.split("// wiring: end").next())
        .expect("the composition's lines are marked");
    counted.push(("the build's entry".into(), code_lines(composition)));
    let total: usize = counted.iter().map(|(_, n)| n).sum();
    println!("wiring of a new module: {total} lines {counted:?}");
    assert!(total < 150, "{total} lines of wiring: {counted:?}");
}
