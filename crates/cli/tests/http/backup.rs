//! `civicdesk backup` and `civicdesk restore` against the binary: a backup taken while cases
//! are being filed restores into a fresh data directory with every acknowledged case, its
//! photo and an intact audit chain; damaged backups and databases in use are refused. On
//! PostgreSQL, `backup` explains pg_dump instead.

use crate::support::*;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::Mutex;

/// Runs `civicdesk <args>` without blocking the server the test runs in the same runtime.
async fn run(args: &[&str], data_dir: &Path, database_url: Option<&str>) -> (bool, String) {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_civicdesk"));
    cmd.args(args).arg("--data-dir").arg(data_dir);
    if let Some(url) = database_url {
        cmd.arg("--database-url").arg(url);
    }
    let out = cmd.output().await.expect("run civicdesk");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

async fn file_with_photo(app: &TestApp) -> (String, String) {
    let form = reqwest::multipart::Form::new()
        .text("api_key", app.key.clone())
        .text("service_code", "1999-R01")
        .text("address_string", "信義區松仁路")
        .part(
            "media",
            reqwest::multipart::Part::bytes(crate::media::png_with_location())
                .file_name("photo.png"),
        );
    let r = app
        .client
        .post(app.url("requests.json"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let id = r.json::<serde_json::Value>().await.unwrap()[0]["service_request_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, json) = app.get_json(&format!("requests/{id}.json")).await;
    let url = json[0]["media_url"].as_str().expect("media_url");
    let file = url.rsplit('/').next().unwrap().to_string();
    (id, file)
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_backup_taken_while_cases_are_filed_restores_every_acknowledged_case() {
    let app = TestApp::start().await;
    let work = tempfile::tempdir().unwrap();
    let backup_dir = work.path().join("backup");

    if app.database_url.starts_with("postgres") {
        let (ok, out) = run(
            &["backup", backup_dir.to_str().unwrap()],
            app.dir.path(),
            Some(&app.database_url),
        )
        .await;
        assert!(!ok, "PostgreSQL is not backed up by civicdesk itself");
        assert!(out.contains("pg_dump --format=custom --no-owner"), "{out}");
        assert!(!backup_dir.exists(), "nothing written");
        return;
    }

    let (photo_case, photo_file) = file_with_photo(&app).await;
    let acknowledged = Arc::new(Mutex::new(vec![photo_case.clone()]));
    let stop = Arc::new(AtomicBool::new(false));
    let filer = {
        let (acknowledged, stop) = (acknowledged.clone(), stop.clone());
        let (client, url, key) = (
            app.client.clone(),
            app.url("requests.json"),
            app.key.clone(),
        );
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let r = client
                    .post(&url)
                    .form(&[
                        ("api_key", key.as_str()),
                        ("service_code", "1999-L01"),
                        ("lat", "25.0377"),
                        ("long", "121.5436"),
                        ("attribute[lamps_out]", "1"),
                    ])
                    .send()
                    .await
                    .expect("POST");
                assert_eq!(r.status(), 200);
                let v: serde_json::Value = r.json().await.unwrap();
                let id = v[0]["service_request_id"].as_str().unwrap().to_string();
                acknowledged.lock().await.push(id);
            }
        })
    };
    while acknowledged.lock().await.len() < 10 {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let before_backup = acknowledged.lock().await.clone();
    let (ok, out) = run(
        &["backup", backup_dir.to_str().unwrap()],
        app.dir.path(),
        Some(&app.database_url),
    )
    .await;
    assert!(ok, "{out}");
    assert!(out.contains("backed up"), "{out}");
    let filed_during = acknowledged.lock().await.len() - before_backup.len();
    stop.store(true, Ordering::Relaxed);
    filer.await.unwrap();

    let m = manifest(&backup_dir);
    assert_eq!(m["format"], "civicdesk-backup/1");
    let cases = m["cases"].as_i64().unwrap();
    assert!(
        cases >= before_backup.len() as i64,
        "{cases} cases in the backup, {} acknowledged before it began ({filed_during} during it)",
        before_backup.len()
    );
    assert!(m["schema_migrations"].as_array().unwrap().len() >= 6);
    assert_eq!(m["database"]["sha256"].as_str().unwrap().len(), 64);
    assert!(m["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(m["media"][0]["path"], photo_file.as_str());

    // Not over the live database of the running server…
    let (ok, out) = run(
        &["restore", backup_dir.to_str().unwrap()],
        app.dir.path(),
        Some(&app.database_url),
    )
    .await;
    assert!(!ok && out.contains("is in use"), "{out}");

    // …but into a fresh data directory.
    let fresh = work.path().join("fresh");
    let (ok, out) = run(&["restore", backup_dir.to_str().unwrap()], &fresh, None).await;
    assert!(ok, "{out}");
    assert!(out.contains(&format!("restored {cases} cases")), "{out}");
    let (ok, out) = run(&["verify-audit"], &fresh, None).await;
    assert!(
        ok && out.contains("taipei.gov.tw: case events intact"),
        "{out}"
    );
    assert_eq!(
        std::fs::read(fresh.join("media").join(&photo_file)).unwrap(),
        std::fs::read(app.dir.path().join("media").join(&photo_file)).unwrap()
    );
    let restored = store::Db::connect(
        &format!("sqlite://{}", fresh.join("civicdesk.db").display()),
        2,
    )
    .await
    .unwrap();
    for id in &before_backup {
        assert!(
            cases::testkit::stored_case(&restored, TAIPEI, id)
                .await
                .unwrap()
                .is_some(),
            "case {id}, acknowledged before the backup began, was restored"
        );
    }
    assert_eq!(
        cases::testkit::case_count(&restored, TAIPEI).await.unwrap(),
        cases
    );
    restored.close().await;

    // Restoring again over a stopped instance keeps what it replaces.
    let (ok, out) = run(&["restore", backup_dir.to_str().unwrap()], &fresh, None).await;
    assert!(ok && out.contains(".pre-restore-"), "{out}");

    // A backup directory is never reused.
    let (ok, out) = run(
        &["backup", backup_dir.to_str().unwrap()],
        app.dir.path(),
        Some(&app.database_url),
    )
    .await;
    assert!(!ok && out.contains("not empty"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn damaged_backups_are_refused_and_nothing_is_restored() {
    let app = TestApp::start().await;
    if app.database_url.starts_with("postgres") {
        return; // PostgreSQL backups are pg_dump's; see the test above.
    }
    app.file_streetlight().await;
    let work = tempfile::tempdir().unwrap();
    let good = work.path().join("good");
    let (ok, out) = run(
        &["backup", good.to_str().unwrap()],
        app.dir.path(),
        Some(&app.database_url),
    )
    .await;
    assert!(ok, "{out}");
    let target = work.path().join("target");

    // A flipped byte: the checksum no longer matches.
    let flipped = work.path().join("flipped");
    copy_dir(&good, &flipped);
    let db = flipped.join("civicdesk.db");
    let mut bytes = std::fs::read(&db).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    std::fs::write(&db, &bytes).unwrap();
    let (ok, out) = run(&["restore", flipped.to_str().unwrap()], &target, None).await;
    assert!(!ok, "{out}");
    assert!(
        out.contains("the backup is corrupt: civicdesk.db has sha256"),
        "{out}"
    );
    assert!(!target.join("civicdesk.db").exists(), "nothing restored");

    // A file damaged before its checksum was taken: integrity_check catches it.
    let mangled = work.path().join("mangled");
    copy_dir(&good, &mangled);
    let db = mangled.join("civicdesk.db");
    let mut bytes = std::fs::read(&db).unwrap();
    let page = u16::from_be_bytes([bytes[16], bytes[17]]) as usize;
    for b in &mut bytes[page * 2..page * 2 + 12] {
        *b = 0xff;
    }
    std::fs::write(&db, &bytes).unwrap();
    let mut m = manifest(&mangled);
    m["database"]["sha256"] = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)).into();
    std::fs::write(
        mangled.join("manifest.json"),
        serde_json::to_vec(&m).unwrap(),
    )
    .unwrap();
    let (ok, out) = run(&["restore", mangled.to_str().unwrap()], &target, None).await;
    assert!(!ok, "{out}");
    assert!(out.contains("the backup is corrupt"), "{out}");
    assert!(!target.join("civicdesk.db").exists(), "nothing restored");
    assert!(
        !target.join("civicdesk.db.restoring").exists(),
        "cleaned up"
    );

    // No manifest: an interrupted backup.
    let partial = work.path().join("partial");
    copy_dir(&good, &partial);
    std::fs::remove_file(partial.join("manifest.json")).unwrap();
    let (ok, out) = run(&["restore", partial.to_str().unwrap()], &target, None).await;
    assert!(
        !ok && out.contains("not a complete civicdesk backup"),
        "{out}"
    );

    // The good one restores.
    let (ok, out) = run(&["restore", good.to_str().unwrap()], &target, None).await;
    assert!(ok, "{out}");
}
