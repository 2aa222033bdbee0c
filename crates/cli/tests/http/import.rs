//! `civicdesk import taipei1999|streetlights` against the binary, on the test's database
//! (SQLite, or PostgreSQL when `CIVICDESK_TEST_DATABASE_URL` is set): a few hundred
//! representative rows with the real data's quirks and some bad rows, written to a gzip file.

use crate::support::*;
use std::io::Write;
use std::process::{Command, Stdio};
use store::chain::ChainReport;

/// Runs the `civicdesk` binary against the test's database.
fn cli(app: &TestApp, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_civicdesk"))
        .args(args)
        .arg("--database-url")
        .arg(&app.database_url)
        .arg("--data-dir")
        .arg(app.dir.path())
        .stdin(Stdio::null())
        .output()
        .expect("run civicdesk");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The number after `label:` in the import summary.
fn count(summary: &str, label: &str) -> u64 {
    summary
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix(label)?
                .trim_start_matches(':')
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no {label:?} in {summary}"))
}

fn gzip(path: &std::path::Path, content: &[u8]) {
    let file = std::fs::File::create(path).expect("fixture file");
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    gz.write_all(content).expect("write fixture");
    gz.finish().expect("finish gzip");
}

fn fullwidth(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
            c => c,
        })
        .collect()
}

const DISTRICTS: [&str; 12] = [
    "中正區",
    "大同區",
    "中山區",
    "松山區",
    "大安區",
    "萬華區",
    "信義區",
    "士林區",
    "北投區",
    "內湖區",
    "南港區",
    "文山區",
];

struct Fixture {
    csv: Vec<u8>,
    rows: u64,
    bad: u64,
    duplicates: u64,
    without_id: u64,
}

/// 300 generated rows over three days (every category spelling, full-width digits, partial
/// and descriptive addresses, missing ids) plus the special cases the test checks by name.
fn dispatch_fixture() -> Fixture {
    let mut lines = vec!["case_id,category,address,date,time".to_string()];
    let mut without_id = 0;
    // Named rows, checked below.
    lines.push("2024030100002,路燈故障或設施損壞,大安區和平東路２段１０號,20240301,003200".into());
    lines.push(",污染舉發,北投區,20240301,010000".into()); // first row without an id: …99999
    lines.push(",污染舉發,3樓住戶 冷氣滴水,20240301,010500".into()); // …99998, no district
    lines.push(
        ",道路散落物或油漬處理,\"南港區胡適國小,參考地址：舊莊街一段１號\",２０２４０３０１,０７４２５１"
            .into(),
    );
    without_id += 3;
    // The same case id again, on a later day and another category (as in the real data).
    lines.push(
        "2024030100002,道路側溝溝蓋(含周邊)損壞遺失,大安區和平東路２段１０號,20240303,083651"
            .into(),
    );
    // The midnight case: its id names the day before.
    lines.push("2024030100150,污染舉發,萬華區,20240302,000000".into());
    let spellings = cases::domain::open_data::DISPATCH_CATEGORIES;
    for i in 0..300usize {
        let day = 20240301 + (i / 100) as u32;
        let minutes = 8 * 60 + (i % 100) * 7;
        let time = format!("{:02}{:02}{:02}", minutes / 60, minutes % 60, i % 60);
        let (category, _) = spellings[i % spellings.len()];
        let district = DISTRICTS[i % DISTRICTS.len()];
        let address = match i % 4 {
            0 => format!("{district}延吉街{}巷{}號", i % 90 + 1, i % 30 + 1),
            1 => fullwidth(&format!("{district}延吉街{}之{}號", i + 10, i % 3 + 1)),
            2 => district.to_string(),
            _ => format!("{district}{}號對面 路燈不亮", i),
        };
        let id = if i % 5 == 4 {
            without_id += 1;
            String::new()
        } else {
            format!("{day}{:05}", 10 + i % 100)
        };
        let (date, time) = if i % 7 == 0 {
            (fullwidth(&day.to_string()), fullwidth(&time))
        } else {
            (day.to_string(), time)
        };
        lines.push(format!("{id},{category},{address},{date},{time}"));
    }
    // The same row twice.
    lines.push("2024030300999,路樹處理,士林區中山北路五段,20240303,120000".into());
    lines.push("2024030300999,路樹處理,士林區中山北路五段,20240303,120000".into());
    // Bad rows: too few columns, an impossible date and time, an unknown category.
    lines.push("2024030300998,路樹處理,士林區".into());
    lines.push(",路樹處理,士林區,20240230,120000".into());
    lines.push(",路樹處理,士林區,20240303,250000".into());
    lines.push(",外星人入侵,士林區,20240303,120000".into());
    let rows = lines.len() as u64 - 1;
    let mut csv = lines.join("\n").into_bytes();
    csv.push(b'\n');
    // Invalid UTF-8 in one row.
    csv.extend_from_slice(b",\xff\xfe,\xe5\xa3\x9e,20240303,120000\n");
    Fixture {
        csv,
        rows: rows + 1,
        bad: 5,
        duplicates: 1,
        without_id,
    }
}

#[tokio::test]
async fn dispatch_data_is_imported_once_with_numbers_districts_and_utc_times() {
    let app = TestApp::start().await;
    let fixture = dispatch_fixture();
    let path = app.dir.path().join("open1999_dispatch.csv.gz");
    gzip(&path, &fixture.csv);
    let path_text = path.to_str().expect("path");

    let (ok, out, err) = cli(
        &app,
        &["import", "taipei1999", path_text, "--batch-size", "64"],
    );
    assert!(ok, "{out}\n{err}");
    let imported = fixture.rows - fixture.bad - fixture.duplicates;
    assert_eq!(count(&out, "rows read"), fixture.rows, "{out}");
    assert_eq!(count(&out, "imported"), imported, "{out}");
    assert_eq!(count(&out, "bad rows"), fixture.bad, "{out}\n{err}");
    assert_eq!(count(&out, "duplicate rows"), fixture.duplicates, "{out}");
    assert_eq!(count(&out, "already present"), 0, "{out}");
    // Rows without an id, and the repeated id.
    assert_eq!(
        count(&out, "generated numbers"),
        fixture.without_id + 1,
        "{out}"
    );
    assert!(out.contains("資料來源：臺北市政府資料開放平臺"), "{out}");
    // Bad rows are reported with their line numbers (the header is line 1).
    let bad_line = fixture.rows as usize - 3;
    assert!(
        err.contains(&format!("line {bad_line}: 3 columns instead of 5")),
        "{err}"
    );
    assert!(err.contains("unreadable date \"20240230\""), "{err}");
    assert!(err.contains("unreadable time \"250000\""), "{err}");
    assert!(err.contains("unknown category \"外星人入侵\""), "{err}");
    assert!(err.contains("not valid UTF-8"), "{err}");
    assert_eq!(
        cases::testkit::case_count(&app.platform.db, TAIPEI)
            .await
            .unwrap(),
        imported as i64
    );

    let db = &app.platform.db;
    let case = |n: &'static str| async move {
        cases::testkit::stored_case(db, TAIPEI, n)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("case {n}"))
    };
    // The case id is kept; local time becomes UTC; full-width digits become half-width; the
    // district comes from the address; the case is closed when received.
    let a = case("2024030100002").await;
    assert_eq!(a.category_code, "1999-L01");
    assert_eq!(
        domain::datetime::format_unix(a.requested_at),
        "2024-02-29T16:32:00Z"
    );
    assert_eq!(a.address.as_deref(), Some("大安區和平東路2段10號"));
    assert_eq!(a.district_code.as_deref(), Some("106"));
    assert_eq!(a.status, "closed");
    assert_eq!(a.closed_at, Some(a.requested_at));
    assert_eq!(a.channel, "import");
    assert_eq!(a.department_code.as_deref(), Some("PWD-PKS"));
    // Rows without an id count down from 99999 in file order.
    let b = case("2024030199999").await;
    assert_eq!(
        (b.category_code.as_str(), b.district_code.as_deref()),
        ("1999-P01", Some("112"))
    );
    let c = case("2024030199998").await;
    assert_eq!(c.district_code, None);
    assert_eq!(c.address.as_deref(), Some("3樓住戶 冷氣滴水"));
    // A quoted address with a comma, and a full-width date and time.
    let d = case("2024030199997").await;
    assert_eq!(
        d.address.as_deref(),
        Some("南港區胡適國小,參考地址：舊莊街一段1號")
    );
    assert_eq!(d.district_code.as_deref(), Some("115"));
    assert_eq!(
        domain::datetime::format_unix(d.requested_at),
        "2024-02-29T23:42:51Z"
    );
    // The repeated id got a generated number of its own day, and keeps its id in the event.
    let repeated = cases::testkit::stored_cases(
        db,
        &cases::testkit::CaseFilter {
            jurisdiction_id: TAIPEI.into(),
            category_codes: Some(vec!["1999-R03".into()]),
            requested_from: Some(domain::datetime::parse("2024-03-03T00:36:51Z").unwrap()),
            requested_to: Some(domain::datetime::parse("2024-03-03T00:36:51Z").unwrap()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(repeated.len(), 1, "{repeated:?}");
    assert!(
        repeated[0].case_number.starts_with("202403039"),
        "{repeated:?}"
    );
    let events = cases::testkit::events_of(db, std::slice::from_ref(&repeated[0].id))
        .await
        .unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event.kind, "create");
    assert_eq!(events[0].event.to_status.as_deref(), Some("closed"));
    assert_eq!(events[0].event.actor, "import:taipei1999");
    let data: serde_json::Value = serde_json::from_str(&events[0].event.data).unwrap();
    assert_eq!(data["source_case_id"], "2024030100002");
    assert_eq!(data["source"], "taipei1999");
    // The midnight case keeps its id from the day before.
    let m = case("2024030100150").await;
    assert_eq!(
        domain::datetime::format_unix(m.requested_at),
        "2024-03-01T16:00:00Z"
    );

    // Every imported case has its create event on an intact chain.
    assert_eq!(
        cases::testkit::event_chain(db, TAIPEI).await.unwrap(),
        ChainReport::Intact { records: imported }
    );
    let (ok, out, err) = cli(&app, &["verify-audit"]);
    assert!(ok, "{out}\n{err}");
    assert!(
        out.contains(&format!("case events intact ({imported} records)")),
        "{out}"
    );

    // New cases continue after the highest real number of the day.
    let next = cases::testkit::next_case_number(db, TAIPEI, "20240301")
        .await
        .unwrap();
    assert_eq!(next, "2024030100151");

    // Imported cases have no usable password.
    assert_eq!(
        cases::testkit::password_hash(db, &a.id)
            .await
            .unwrap()
            .as_deref(),
        Some(cases::import::UNUSABLE_PASSWORD)
    );

    // A second run changes nothing.
    let (ok, out, err) = cli(&app, &["import", "taipei1999", path_text]);
    assert!(ok, "{out}\n{err}");
    assert_eq!(count(&out, "imported"), 0, "{out}");
    assert_eq!(count(&out, "already present"), imported, "{out}");
    assert_eq!(count(&out, "bad rows"), fixture.bad, "{out}");
    assert_eq!(
        cases::testkit::case_count(db, TAIPEI).await.unwrap(),
        imported as i64
    );
    assert_eq!(
        cases::testkit::event_chain(db, TAIPEI).await.unwrap(),
        ChainReport::Intact { records: imported }
    );

    // A later file with a new row whose case id is taken by another case: it gets a free
    // number and keeps its id in the event; the row already imported is skipped.
    let later = app.dir.path().join("later.csv");
    std::fs::write(
        &later,
        "case_id,category,address,date,time\n\
         2024030100002,路樹處理,大安區和平東路二段10號,20240301,235900\n\
         2024030100002,路燈故障或設施損壞,大安區和平東路２段１０號,20240301,003200\n",
    )
    .unwrap();
    let (ok, out, err) = cli(&app, &["import", "taipei1999", later.to_str().unwrap()]);
    assert!(ok, "{out}\n{err}");
    assert_eq!(count(&out, "imported"), 1, "{out}");
    assert_eq!(count(&out, "already present"), 1, "{out}");
    assert!(out.contains("1 rows renumbered"), "{out}");
    let moved = cases::testkit::stored_cases(
        db,
        &cases::testkit::CaseFilter {
            jurisdiction_id: TAIPEI.into(),
            category_codes: Some(vec!["1999-G01".into()]),
            requested_from: Some(domain::datetime::parse("2024-03-01T15:59:00Z").unwrap()),
            requested_to: Some(domain::datetime::parse("2024-03-01T15:59:00Z").unwrap()),
            limit: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(moved.len(), 1, "{moved:?}");
    assert!(moved[0].case_number.starts_with("202403019"), "{moved:?}");
    let events = cases::testkit::events_of(db, std::slice::from_ref(&moved[0].id))
        .await
        .unwrap();
    let data: serde_json::Value = serde_json::from_str(&events[0].event.data).unwrap();
    assert_eq!(data["source_case_id"], "2024030100002");
    assert_eq!(
        cases::testkit::event_chain(db, TAIPEI).await.unwrap(),
        ChainReport::Intact {
            records: imported + 1
        }
    );

    // Open311 lists them, closed, with the category as service code.
    let (status, list) = app
        .get_json(
            "requests.json?start_date=2024-02-29T00:00:00Z&end_date=2024-03-04T00:00:00Z&service_code=1999-L01",
        )
        .await;
    assert_eq!(status, 200, "{list}");
    let items = list.as_array().expect("a list");
    assert!(!items.is_empty(), "{list}");
    let found = items
        .iter()
        .find(|r| r["service_request_id"] == "2024030100002")
        .unwrap_or_else(|| panic!("2024030100002 not listed: {list}"));
    assert_eq!(found["status"], "closed");
    assert_eq!(found["service_code"], "1999-L01");
    assert_eq!(found["requested_datetime"], "2024-02-29T16:32:00Z");
    assert_each("request.json", &list);
    let (status, one) = app.get_json("requests/2024030199999.json").await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one[0]["status"], "closed");
}

#[tokio::test]
async fn streetlight_reports_become_streetlight_cases_with_the_citizens_words() {
    let app = TestApp::start().await;
    let csv = "\u{FEFF}查報序號,行政區,查報地點,故障情形,查報日期\r\n\
        11300001,北投,  臺北市北投區長安里008鄰光明路１２９號,【緊急案件】路燈電線垂落距離地面大約30公分，會影響交通。,2024-01-01T11:17:00\r\n\
        11300002,大安,信義路三段86巷,\"路燈時亮時滅\r\n請處理，聯絡電話 0912-345-678\",2024-01-01T16:35:00\r\n\
        11300772,非台北市域,  三重國小站,測試案件_非台北市區域,2024-01-18T13:26:00\r\n\
        11300003,文山,\"萬芳路,近捷運站\",燈不亮,2024-01-01T23:59:00\r\n\
        11300003,文山,\"萬芳路,近捷運站\",燈不亮,2024-01-01T23:59:00\r\n";
    let path = app.dir.path().join("streetlight_repairs_2024.csv.gz");
    gzip(&path, csv.as_bytes());
    let path_text = path.to_str().expect("path");

    let (ok, out, err) = cli(&app, &["import", "streetlights", path_text]);
    assert!(ok, "{out}\n{err}");
    assert_eq!(count(&out, "rows read"), 5, "{out}");
    assert_eq!(count(&out, "imported"), 3, "{out}");
    assert_eq!(count(&out, "bad rows"), 1, "{out}");
    assert_eq!(count(&out, "duplicate rows"), 1, "{out}");
    // The third record starts on line 5: the second spans two lines.
    assert!(err.contains("line 5: district \"非台北市域\""), "{err}");

    let db = &app.platform.db;
    let first = cases::testkit::stored_case(db, TAIPEI, "2024010189999")
        .await
        .unwrap()
        .expect("first report");
    assert_eq!(first.category_code, cases::import::STREETLIGHT_CATEGORY);
    assert_eq!(first.district_code.as_deref(), Some("112"));
    assert_eq!(
        first.address.as_deref(),
        Some("臺北市北投區長安里008鄰光明路129號")
    );
    assert_eq!(
        first.description,
        "【緊急案件】路燈電線垂落距離地面大約30公分，會影響交通。"
    );
    assert_eq!(
        domain::datetime::format_unix(first.requested_at),
        "2024-01-01T03:17:00Z"
    );
    let events = cases::testkit::events_of(db, std::slice::from_ref(&first.id))
        .await
        .unwrap();
    let data: serde_json::Value = serde_json::from_str(&events[0].event.data).unwrap();
    assert_eq!(data["report_number"], "11300001");
    assert_eq!(data["source"], "streetlights");

    let second = cases::testkit::stored_case(db, TAIPEI, "2024010189998")
        .await
        .unwrap()
        .expect("second report");
    assert_eq!(
        second.description,
        "路燈時亮時滅\r\n請處理，聯絡電話 0912-345-678"
    );
    assert_eq!(second.district_code.as_deref(), Some("106"));

    // The citizen's phone number is kept but never shown publicly.
    let (status, one) = app.get_json("requests/2024010189998.json").await;
    assert_eq!(status, 200, "{one}");
    let shown = one[0]["description"].as_str().unwrap_or_default();
    assert!(shown.contains("路燈時亮時滅"), "{one}");
    assert!(!shown.contains("0912-345-678"), "{one}");

    let (ok, out, _) = cli(&app, &["import", "streetlights", path_text]);
    assert!(ok);
    assert_eq!(count(&out, "already present"), 3, "{out}");
    assert_eq!(
        cases::testkit::event_chain(db, TAIPEI).await.unwrap(),
        ChainReport::Intact { records: 3 }
    );
}

#[tokio::test]
async fn a_file_of_another_kind_is_refused() {
    let app = TestApp::start().await;
    let path = app.dir.path().join("other.csv");
    std::fs::write(&path, "a,b,c\n1,2,3\n").unwrap();
    let (ok, out, err) = cli(&app, &["import", "taipei1999", path.to_str().unwrap()]);
    assert!(!ok, "{out}");
    assert!(err.contains("not a taipei1999 file"), "{err}");
    assert_eq!(
        cases::testkit::case_count(&app.platform.db, TAIPEI)
            .await
            .unwrap(),
        0
    );
}

/// The real data set, Taipei's published dispatch file (1.6 M rows, not in the repository):
/// `CIVICDESK_DISPATCH_FILE=…/open1999_dispatch.csv.gz cargo test -p civicdesk --release
/// --test http -- --ignored real_`.
#[tokio::test]
#[ignore = "imports 1.6 M rows; run on purpose (bench/import.sh times it)"]
async fn real_dispatch_file_imports_completely() {
    let path = std::env::var("CIVICDESK_DISPATCH_FILE")
        .expect("CIVICDESK_DISPATCH_FILE names Taipei's open1999_dispatch.csv.gz");
    let path = path.as_str();
    let app = TestApp::start().await;
    let (ok, out, err) = cli(&app, &["import", "taipei1999", path]);
    assert!(ok, "{out}\n{err}");
    assert_eq!(count(&out, "rows read"), 1_612_530, "{out}");
    assert_eq!(count(&out, "imported"), 1_612_530, "{out}");
    assert_eq!(count(&out, "bad rows"), 0, "{out}");
    assert_eq!(
        cases::testkit::event_chain(&app.platform.db, TAIPEI)
            .await
            .unwrap(),
        ChainReport::Intact { records: 1_612_530 }
    );
}
