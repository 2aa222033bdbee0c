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
