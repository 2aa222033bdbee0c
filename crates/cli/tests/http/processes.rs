use crate::support::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Node(Child, String);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_node(database_url: &str, data_dir: &std::path::Path) -> Node {
    let mut child = Command::new(env!("CARGO_BIN_EXE_civicdesk"))
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database-url",
            database_url,
            "--default-jurisdiction",
            TAIPEI,
        ])
        .arg("--data-dir")
        .arg(data_dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start civicdesk serve");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read");
    let base = line
        .trim()
        .strip_prefix("civicdesk listening on ")
        .expect("listening line")
        .to_string();
    Node(child, base)
}

/// A case POSTed to one `civicdesk serve` process is read back through a second one on the
/// same database (PostgreSQL in CI; a shared SQLite file otherwise).
#[tokio::test]
async fn a_case_filed_on_one_node_is_read_on_another() {
    let app = TestApp::start().await;
    let a = start_node(&app.database_url, app.dir.path());
    let b = start_node(&app.database_url, app.dir.path());
    let r = app
        .client
        .post(format!("{}/open311/v2/requests.json", a.1))
        .form(&[
            ("api_key", app.key.as_str()),
            ("service_code", "1999-G01"),
            ("address_string", "士林區中山北路五段"),
            ("attribute[state]", "leaning"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let id = r.json::<serde_json::Value>().await.unwrap()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app
        .client
        .get(format!("{}/open311/v2/requests/{id}.json", b.1))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let json: serde_json::Value = r.json().await.unwrap();
    assert_eq!(json[0]["service_code"], "1999-G01");
}

/// Runs the `civicdesk` binary against the test's database and returns its output.
fn cli(app: &TestApp, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_civicdesk"))
        .args(args)
        .arg("--database-url")
        .arg(&app.database_url)
        .arg("--data-dir")
        .arg(app.dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run civicdesk");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    let out = child.wait_with_output().expect("output");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `civicdesk user create|list|disable|reset-password` and `verify-audit` from the command line.
#[tokio::test]
async fn staff_accounts_from_the_command_line() {
    let app = TestApp::start().await;
    let (ok, out, err) = cli(
        &app,
        &[
            "user",
            "create",
            "--jurisdiction",
            TAIPEI,
            "--login",
            "ops.chen",
            "--name",
            "陳維運",
            "--role",
            "dispatcher:PWD-PKS",
            "--password-stdin",
        ],
        Some("a sturdy bridge over the river\n"),
    );
    assert!(ok, "{out}{err}");
    assert!(out.contains("created ops.chen"));
    let (ok, _, err) = cli(
        &app,
        &[
            "user",
            "create",
            "--jurisdiction",
            TAIPEI,
            "--login",
            "x.y",
            "--name",
            "X",
            "--role",
            "dispatcher",
        ],
        None,
    );
    assert!(!ok && err.contains("needs a scope"), "{err}");
    let (ok, _, err) = cli(
        &app,
        &[
            "user",
            "create",
            "--jurisdiction",
            TAIPEI,
            "--login",
            "weak.one",
            "--name",
            "W",
            "--role",
            "agent",
            "--password-stdin",
        ],
        Some("password1234\n"),
    );
    assert!(
        !ok && err.contains("common"),
        "a common password is refused: {err}"
    );
    app.sign_in("ops.chen", "a sturdy bridge over the river")
        .await;

    let (ok, out, _) = cli(&app, &["user", "list", "--jurisdiction", TAIPEI], None);
    assert!(
        ok && out.contains("ops.chen") && out.contains("dispatcher:PWD-PKS"),
        "{out}"
    );
    let (ok, out, err) = cli(
        &app,
        &[
            "user",
            "reset-password",
            "--jurisdiction",
            TAIPEI,
            "ops.chen",
        ],
        None,
    );
    assert!(ok, "{err}");
    let password = out
        .trim()
        .strip_prefix("password: ")
        .expect("a new password")
        .to_string();
    let session = app.sign_in("ops.chen", &password).await;
    let (ok, _, err) = cli(
        &app,
        &["user", "disable", "--jurisdiction", TAIPEI, "ops.chen"],
        None,
    );
    assert!(ok, "{err}");
    let (status, _) = send(app.as_browser(&session, reqwest::Method::GET, "me")).await;
    assert_eq!(status, 401, "disabling ends the sessions");
    let (status, _, _) = app.try_sign_in("ops.chen", &password).await;
    assert_eq!(status, 401);

    let (ok, out, err) = cli(&app, &["verify-audit"], None);
    assert!(ok, "{out}{err}");
    assert!(out.contains("taipei.gov.tw: audit trail intact"), "{out}");
    let edit = sea_query::Query::update()
        .table("audit_records")
        .value("action", "staff.nothing_happened")
        .and_where(sea_query::ExprTrait::eq(
            sea_query::Expr::col("action"),
            "staff.disable",
        ))
        .to_owned();
    app.platform.db.execute(&edit).await.unwrap();
    let (ok, out, _) = cli(&app, &["verify-audit"], None);
    assert!(!ok, "a broken chain fails the command");
    assert!(out.contains("taipei.gov.tw: audit trail BROKEN"), "{out}");
}

/// Many clients filing at once all succeed, each with its own case number: writers never wait
/// for a second pooled connection while holding the write lock (which once starved the pool).
#[tokio::test]
async fn concurrent_posts_all_succeed() {
    let app = TestApp::start().await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let client = app.client.clone();
        let url = app.url("requests.json");
        let key = app.key.clone();
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .form(&[
                    ("api_key", key.as_str()),
                    ("service_code", "1999-L01"),
                    ("lat", "25.0377"),
                    ("long", "121.5436"),
                    ("attribute[lamps_out]", "2"),
                    ("email", &format!("r{i}@example.tw")),
                ])
                .send()
                .await
                .expect("POST");
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await.expect("json");
            (
                status,
                body[0]["service_request_id"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            )
        }));
    }
    let mut numbers = Vec::new();
    for t in tasks {
        let (status, number) = t.await.expect("task");
        assert_eq!(status, 200);
        numbers.push(number);
    }
    numbers.sort();
    numbers.dedup();
    assert_eq!(numbers.len(), 40, "every case has its own number");
}
