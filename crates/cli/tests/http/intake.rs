//! Filing under concurrency: filings that arrive together are written together
//! (`cases::intake::writer`), and each must still come out as if filed alone.

use crate::support::*;
use cases::testkit::{ChainReport, event_chain as verify_chain};
use sea_query::{Expr, ExprTrait, Query};

/// Files `n` street-light cases at once; `extra(i)` adds fields to the i-th.
async fn file_at_once(
    app: &TestApp,
    n: usize,
    extra: impl Fn(usize) -> Vec<(&'static str, String)>,
) -> Vec<(u16, serde_json::Value)> {
    let posts: Vec<_> = (0..n)
        .map(|i| {
            let mut form: Vec<(&str, String)> = vec![
                ("api_key", app.key.clone()),
                ("service_code", "1999-L01".into()),
                ("lat", "25.0377".into()),
                ("long", "121.5436".into()),
                ("attribute[lamps_out]", "2".into()),
                ("description", format!("路燈不亮 {i}")),
            ];
            form.extend(extra(i));
            let request = app.client.post(app.url("requests.json")).form(&form);
            tokio::spawn(async move {
                let r = request.send().await.expect("POST");
                let status = r.status().as_u16();
                (status, r.json().await.unwrap_or(serde_json::Value::Null))
            })
        })
        .collect();
    let mut answers = Vec::with_capacity(n);
    for post in posts {
        answers.push(post.await.expect("request task"));
    }
    answers
}

async fn count(app: &TestApp, table: &'static str) -> i64 {
    let q = Query::select()
        .expr_as(Expr::cust("COUNT(*)"), "n")
        .from(table)
        .and_where(Expr::col("jurisdiction_id").eq(TAIPEI))
        .to_owned();
    let rows = app.platform.db.fetch_all(&q).await.expect("count");
    rows[0].get("n").expect("n")
}

#[tokio::test]
async fn a_burst_of_filings_is_numbered_in_sequence_and_each_stored_and_chained_once() {
    let app = TestApp::start().await;
    let n = 48;
    // Every third reporter leaves an e-mail address, every fifth a phone number: the
    // notification and the desk's lookup key are written with the case.
    let answers = file_at_once(&app, n, |i| {
        let mut extra = Vec::new();
        if i % 3 == 0 {
            extra.push(("email", format!("resident{i}@example.org")));
        }
        if i % 5 == 0 {
            extra.push(("phone", format!("09123456{i:02}")));
        }
        extra
    })
    .await;
    let mut numbers: Vec<u64> = answers
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 200, "{body}");
            body[0]["service_request_id"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .expect("a case number")
        })
        .collect();
    numbers.sort_unstable();
    // One day's sequence, no gap and no number given twice.
    let first = numbers[0];
    assert_eq!(numbers, (first..first + n as u64).collect::<Vec<_>>());
    assert_eq!(app.case_count().await, n as i64);
    assert_eq!(
        verify_chain(&app.platform.db, TAIPEI).await.unwrap(),
        ChainReport::Intact { records: n as u64 }
    );
    for number in numbers.iter().step_by(7) {
        let (status, body) = app.get_json(&format!("requests/{number}.json")).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body[0]["description"]
                .as_str()
                .map(|d| d.starts_with("路燈不亮")),
            Some(true)
        );
    }
    // One reporter per case that left contact details, and one message to each (by e-mail,
    // or by SMS to a mobile number).
    let reachable = (0..n).filter(|i| i % 3 == 0 || i % 5 == 0).count() as i64;
    assert_eq!(count(&app, "case_reporters").await, reachable);
    assert_eq!(count(&app, "notifications").await, reachable);
}

/// Sets today's counter (and tomorrow's, should the test cross midnight) as if `last` cases had
/// been filed; the days, today's first.
async fn counter_at(app: &TestApp, last: u64) -> Vec<String> {
    let j = app.platform.jurisdiction(TAIPEI).await.unwrap();
    let now = store::now_unix();
    let days: Vec<String> = [now, now + 86_400]
        .iter()
        .map(|&t| domain::datetime::local_yyyymmdd(t, j.utc_offset_minutes))
        .collect();
    let counters: Vec<(String, u64)> = days.iter().map(|d| (d.clone(), last)).collect();
    cases::testkit::raise_counters(&app.platform.db, TAIPEI, &counters)
        .await
        .unwrap();
    days
}

#[tokio::test]
async fn when_a_number_is_taken_only_the_filing_that_cannot_be_written_fails() {
    let app = TestApp::start().await;
    let days = counter_at(&app, 99_997).await;
    // The fifth number of the burst is taken already (as an imported case could take it).
    let mut tx = app.platform.db.begin().await.unwrap();
    for (i, day) in days.iter().enumerate() {
        cases::testkit::insert_case(
            &mut tx,
            &cases::testkit::NewCase {
                id: format!("taken-{i}"),
                jurisdiction_id: TAIPEI.into(),
                case_number: format!("{day}99999100002"),
                category_code: "1999-L01".into(),
                status: "assigned".into(),
                urgency: "P3".into(),
                channel: "phone".into(),
                attributes: "[]".into(),
                media_urls: "[]".into(),
                password_hash: "x".into(),
                requested_at: store::now_unix(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let answers = file_at_once(&app, 5, |_| Vec::new()).await;
    let filed: Vec<&str> = answers
        .iter()
        .filter(|(status, _)| *status == 200)
        .filter_map(|(_, body)| body[0]["service_request_id"].as_str())
        .collect();
    // A burst is written as one batch when it can be; a batch that fails is written filing by
    // filing, so the four free numbers are still given out.
    assert_eq!(filed.len(), 4, "{answers:?}");
    assert!(
        answers
            .iter()
            .filter(|(s, _)| *s != 200)
            .all(|(s, _)| *s >= 500),
        "{answers:?}"
    );
    assert_eq!(app.case_count().await, 4 + 2);
}

/// Item 9 of issue 23: a burst of filings across the day's 99,999th case is numbered as one
/// batch, without a gap, continuing in the wider form (`cases::domain::case_number`). Before, the
/// day's numbers ran out there and every later filing answered 500 until midnight.
#[tokio::test]
async fn a_burst_across_the_days_99999th_case_is_numbered_without_a_gap() {
    let app = TestApp::start().await;
    counter_at(&app, 99_997).await;
    let answers = file_at_once(&app, 5, |_| Vec::new()).await;
    let mut sequences: Vec<u64> = answers
        .iter()
        .map(|(status, body)| {
            assert_eq!(*status, 200, "{body}");
            let number = body[0]["service_request_id"].as_str().expect("a number");
            cases::domain::case_number::CaseNumber::parse(number)
                .expect("a valid number")
                .sequence()
        })
        .collect();
    sequences.sort_unstable();
    assert_eq!(sequences, [99_998, 99_999, 100_000, 100_001, 100_002]);
    assert_eq!(app.case_count().await, 5);
    assert_eq!(
        verify_chain(&app.platform.db, TAIPEI).await.unwrap(),
        ChainReport::Intact { records: 5 }
    );
}
