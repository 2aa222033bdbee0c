//! The demo's city sample: a slice of the month of real 1999 cases that ships in the binary,
//! loaded as the demo loads it. The history is imported closed; the last days are filed and
//! worked at their own times, so the queue, the SLA clocks and the dashboard have substance, and
//! street-light cases carry a citizen's own words.

use crate::support::*;
use domain::clock::{Clock, FixedClock};
use reqwest::Method;
use std::io::Read;
use std::sync::Arc;

const DISPATCH: &[u8] = include_bytes!("../../../../data/demo/taipei1999_2026-05.csv.gz");
const STREETLIGHTS: &[u8] = include_bytes!("../../../../data/demo/streetlights_2024_sample.csv.gz");

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .expect("gzip");
    text
}

/// Every `n`th row of the sample's last `days` days, with the header.
fn slice(text: &str, from_day: &str, every: usize) -> String {
    let mut lines = text.lines();
    let header = lines.next().unwrap_or_default().to_string();
    std::iter::once(header)
        .chain(
            lines
                .filter(|l| l.split(',').nth(3).is_some_and(|d| d >= from_day))
                .step_by(every)
                .map(str::to_string),
        )
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test]
async fn the_city_sample_loads_history_and_live_cases_in_realistic_states() {
    // 2026-12-06 12:00 in Taipei.
    let now = 1_796_529_600;
    let replay = Arc::new(FixedClock::at(now));
    let app = TestApp::new()
        .with_clock(replay.clone())
        .with_user("supervisor", None)
        .with_user("dispatcher", Some("PWD-PKS"))
        .start()
        .await;
    let dispatch = slice(&gunzip(DISPATCH), "20260520", 12);
    let streetlights = gunzip(STREETLIGHTS);
    let sample = cases::demo::CitySample {
        dispatch_csv: &dispatch,
        streetlights_csv: &streetlights,
    };
    let before = app.case_count().await;
    let seeded = app
        .cases
        .seed_city_sample(TAIPEI, &sample, &replay, now)
        .await
        .expect("seeded");
    assert!(seeded.imported > 300, "{seeded:?}");
    assert!(seeded.filed > 100, "{seeded:?}");
    assert!(seeded.resolved > 20 && seeded.surveys > 0, "{seeded:?}");
    assert_eq!(
        app.case_count().await,
        before + i64::try_from(seeded.imported + seeded.filed).unwrap()
    );
    assert_eq!(replay.now(), now, "the clock is back at now");

    // The knowledge base starts with answers in both languages, once.
    let added = app.cases.seed_starter_answers(TAIPEI).await.unwrap();
    assert!(added >= 10 && added % 2 == 0, "{added}");
    assert_eq!(app.cases.seed_starter_answers(TAIPEI).await.unwrap(), 0);
    let agent = platform::authz::Actor::system(TAIPEI, "test");
    for query in ["路燈", "street light"] {
        let found = app.cases.search_answers(&agent, query).await.unwrap();
        assert!(!found.is_empty(), "{query}");
    }

    // A second load leaves the city alone.
    let again = app
        .cases
        .seed_city_sample(TAIPEI, &sample, &replay, now)
        .await
        .unwrap();
    assert_eq!(again, cases::demo::CitySeeded::default());

    // The supervisor sees a backlog with overdue cases; the street-light office's queue has
    // cases in the citizens' own words, received in the last days.
    app.run_due_jobs().await;
    let sup = app.user("supervisor", None).browser.clone();
    let (status, backlog) = send(app.as_browser(&sup, Method::GET, "reports/backlog")).await;
    assert_eq!(status, 200);
    assert!(backlog["total"].as_i64().unwrap() > 20, "{backlog}");
    let (_, overdue) = send(app.as_browser(&sup, Method::GET, "reports/overdue")).await;
    assert!(overdue["total"].as_i64().unwrap_or(0) > 0, "{overdue}");
    let disp = app.user("dispatcher", Some("PWD-PKS")).browser.clone();
    let (_, queue) = send(app.as_browser(&disp, Method::GET, "cases?limit=50")).await;
    let lights: Vec<&serde_json::Value> = queue["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["category"] == "1999-L01")
        .collect();
    assert!(!lights.is_empty(), "{queue}");
    assert!(
        lights.iter().all(|c| c["description"]
            .as_str()
            .is_some_and(|d| d.chars().count() >= 12)),
        "street-light cases carry a citizen's words: {queue}"
    );
    for c in &lights {
        let received = c["requested_datetime"]
            .as_str()
            .or(c["requested_at"].as_str());
        assert!(
            received.is_some_and(|r| r.starts_with("2026-11-") || r.starts_with("2026-12-")),
            "{c}"
        );
    }
}
