//! Filing under concurrency: filings that arrive together are written together
//! (`services::intake::writer`), and each must still come out as if filed alone.

use crate::support::*;
use sea_query::{Expr, ExprTrait, Query};
use store::events::{ChainReport, verify_chain};

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
    let rows = app.services.db.fetch_all(&q).await.expect("count");
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
        verify_chain(&app.services.db, TAIPEI).await.unwrap(),
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

#[tokio::test]
async fn when_the_days_numbers_run_out_only_the_filings_that_cannot_be_numbered_fail() {
    let app = TestApp::start().await;
    let day = domain::datetime::local_yyyymmdd(store::now_unix(), 8 * 60);
    let mut tx = app.services.db.begin().await.unwrap();
    store::cases::raise_counters(&mut tx, TAIPEI, &[(day, 99_997)])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let answers = file_at_once(&app, 5, |_| Vec::new()).await;
    let filed: Vec<&str> = answers
        .iter()
        .filter(|(status, _)| *status == 200)
        .filter_map(|(_, body)| body[0]["service_request_id"].as_str())
        .collect();
    // A burst is written as one batch when it can be; a batch that fails is written filing by
    // filing, so the two numbers left are still given out.
    assert_eq!(filed.len(), 2, "{answers:?}");
    assert!(
        filed
            .iter()
            .all(|n| n.ends_with("99998") || n.ends_with("99999")),
        "{filed:?}"
    );
    assert!(
        answers
            .iter()
            .filter(|(s, _)| *s != 200)
            .all(|(s, _)| *s >= 500),
        "{answers:?}"
    );
    assert_eq!(app.case_count().await, 2);
    assert_eq!(
        verify_chain(&app.services.db, TAIPEI).await.unwrap(),
        ChainReport::Intact { records: 2 }
    );
}
