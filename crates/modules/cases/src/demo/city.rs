//! The demo's real city: the most recent 30 days of Taipei's published 1999 dispatch data,
//! moved forward so that they end yesterday, and street-light reports in the citizens' own
//! words (資料來源：臺北市政府資料開放平臺, see `data/demo/NOTICE.md`).
//!
//! The older days are the history: imported as the importer imports them (closed, as the
//! published data has no outcomes). The last [`LIVE_DAYS`] are filed again as live cases,
//! through the same intake and the same lifecycle as real ones, each at its own time (the
//! caller's services read a [`FixedClock`] this moves on), and worked on as a city would have
//! by now: the older ones mostly resolved and closed, some with a survey answer, some still open
//! and overdue; the newest still waiting to be signed for. So due dates, overdue and at-risk
//! lists, queues and dashboards have substance. Street-light cases carry a real report's place
//! and words (and its pole number when the citizen gave one).

use crate::domain::lifecycle::{Action, Outcome};
use crate::domain::open_data::{self, parse_yyyymmdd};
use crate::import::{Prepared, PreparedBatch, Source};
use crate::intake::{Channel, Filer, NewReport};
use crate::{CasesApp, Result, ServiceError};
use domain::actor::ActorRef;
use domain::catalog::Category;
use domain::category::Datatype;
use domain::clock::FixedClock;
use time::{Date, Duration};

/// The last days of the sample that are filed and worked as live cases.
pub const LIVE_DAYS: i64 = 7;
/// Rows per import transaction for the history.
const BATCH: usize = 5000;
const HOUR: i64 = 3600;
const DAY: i64 = 86_400;
const STREET_LIGHT: &str = "1999-L01";

/// The sample's files, as text.
pub struct CitySample<'a> {
    /// Rows of the 1999 dispatch data (`case_id, category, address, date, time`), with the
    /// header.
    pub dispatch_csv: &'a str,
    /// Rows of the street-light office's reports (`查報序號, 行政區, 查報地點, 故障情形, 查報日期`),
    /// with the header.
    pub streetlights_csv: &'a str,
}

/// What the sample became.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CitySeeded {
    /// Closed cases of the history.
    pub imported: u64,
    /// Live cases filed.
    pub filed: u64,
    /// Of them, resolved by now.
    pub resolved: u64,
    pub surveys: u64,
    /// Rows left out (a category the catalogue does not have, no place, a bad row).
    pub skipped: u64,
}

/// A real street-light report: where, and what the citizen wrote.
struct Words {
    address: String,
    text: String,
    pole: Option<String>,
}

fn csv_rows(text: &str) -> Result<Vec<Vec<String>>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| {
            r.map(|r| r.iter().map(str::to_string).collect())
                .map_err(|e| ServiceError::Internal(format!("demo sample: {e}")))
        })
        .collect()
}

/// The first run of seven digits in a text: the number on a street-light pole.
fn pole_number(text: &str) -> Option<String> {
    let text = text::to_halfwidth(text);
    let mut run = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            run.push(c);
        } else {
            if run.len() == 7 {
                return Some(run);
            }
            run.clear();
        }
    }
    (run.len() == 7).then_some(run)
}

fn street_light_words(text: &str) -> Result<Vec<Words>> {
    Ok(csv_rows(text)?
        .into_iter()
        .filter(|r| r.len() >= 4 && !r[3].trim().is_empty())
        .map(|r| {
            let place = r[2].trim();
            let district = r[1].trim();
            let address = if place.contains("臺北市") || place.contains(district) {
                place.to_string()
            } else {
                format!("臺北市{district}區{place}")
            };
            Words {
                address,
                pole: pole_number(&r[3]),
                text: r[3].trim().to_string(),
            }
        })
        .collect())
}

/// Answers to a category's required questions, where the published data has none: one of a
/// list's choices (spread over them by `spread`, so not every fallen tree is blocking traffic),
/// one of a count, the category's name for a text.
fn required_answers(
    category: &Category,
    pole: Option<&str>,
    spread: u64,
) -> Vec<(String, Vec<String>)> {
    let mut answers: Vec<(String, Vec<String>)> = category
        .attributes
        .iter()
        .filter(|a| a.required && a.variable)
        .map(|a| {
            let value = match a.datatype {
                Datatype::Number => "1".to_string(),
                Datatype::SingleValueList | Datatype::MultiValueList => a
                    .values
                    .get(usize::try_from(spread).unwrap_or(0) % a.values.len().max(1))
                    .map(|v| v.key.clone())
                    .unwrap_or_default(),
                _ => category.name.zh.clone(),
            };
            (a.code.clone(), vec![value])
        })
        .collect();
    if let Some(pole) = pole
        && category.attributes.iter().any(|a| a.code == "pole_number")
    {
        answers.push(("pole_number".into(), vec![pole.to_string()]));
    }
    answers
}

/// A small deterministic spread for a case (0..100), so a sample loads the same every time.
fn spread(seed: &str) -> u64 {
    seed.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    }) % 100
}

/// What has been done to a live case received at `received` by `now`, and when: signed for
/// within hours, worked on within a day, resolved within days and closed a day later, as far
/// as its age and its share of the city's backlog (`spread`) allow.
fn progress(received: i64, now: i64, spread: u64) -> Vec<(i64, Action)> {
    let age = now - received;
    let steps = match age {
        a if a > 3 * DAY => match spread {
            0..70 => 4,
            70..85 => 3,
            _ => 2,
        },
        a if a > DAY => match spread {
            0..40 => 3,
            40..80 => 2,
            _ => 1,
        },
        _ => match spread {
            0..50 => 0,
            50..80 => 1,
            _ => 2,
        },
    };
    let s = i64::try_from(spread).unwrap_or(0);
    let acknowledged = received + HOUR + s * 120;
    let started = acknowledged + 2 * HOUR + s * 600;
    let resolved = started + 4 * HOUR + s * 2_400;
    let closed = resolved + DAY;
    [
        (acknowledged, Action::Acknowledge),
        (started, Action::Start),
        (resolved, Action::Resolve),
        (closed, Action::Close),
    ]
    .into_iter()
    .take(steps)
    .take_while(|(at, _)| *at <= now)
    .collect()
}

fn yyyymmdd(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), u8::from(d.month()), d.day())
}

impl CasesApp {
    /// Loads the city sample into a jurisdiction that has no cases yet (one that has any is
    /// left alone: the sample loads once). `self` must read the time from `replay`, which this
    /// moves to each filing's and action's own time; `now` is the real time the sample ends at.
    pub async fn seed_city_sample(
        &self,
        jurisdiction_id: &str,
        sample: &CitySample<'_>,
        replay: &FixedClock,
        now: i64,
    ) -> Result<CitySeeded> {
        let mut seeded = CitySeeded::default();
        if crate::store::cases::count(&self.db, jurisdiction_id).await? > 0 {
            return Ok(seeded);
        }
        let j = self.platform.jurisdiction(jurisdiction_id).await?;
        let mut plan = self
            .import_plan(jurisdiction_id, Source::Taipei1999)
            .await?;
        let mut rows = csv_rows(sample.dispatch_csv)?;
        let Some(last) = rows
            .iter()
            .filter_map(|r| r.get(3).and_then(|d| parse_yyyymmdd(d)))
            .max()
        else {
            return Ok(seeded);
        };
        let calendar_offset = i64::from(j.utc_offset_minutes) * 60;
        let today = Date::from_julian_day(
            i32::try_from((now + calendar_offset).div_euclid(DAY) + 2_440_588).unwrap_or(0),
        )
        .map_err(|e| ServiceError::Internal(format!("demo sample date: {e}")))?;
        let shift = (today - Duration::days(1)) - last;
        let live_from = today - Duration::days(LIVE_DAYS);

        // Move every row forward; case ids carry their day.
        let (mut history, mut live) = (Vec::new(), Vec::new());
        for r in rows.iter_mut() {
            let Some(day) = r.get(3).and_then(|d| parse_yyyymmdd(d)) else {
                seeded.skipped += 1;
                continue;
            };
            let moved = day + shift;
            let text = yyyymmdd(moved);
            if r[0].len() == 13 && r[0].starts_with(r[3].as_str()) {
                r[0] = format!("{text}{}", &r[0][8..]);
            }
            r[3] = text;
            if moved >= live_from {
                live.push(r.clone());
            } else {
                history.push(r.clone());
            }
        }

        // The history, as the importer imports it.
        let backend = self.db.backend();
        let mut cases = Vec::with_capacity(BATCH);
        for r in &history {
            let fields: Vec<&str> = r.iter().map(String::as_str).collect();
            match plan.prepare(&fields) {
                Ok(Prepared::Case(c)) => cases.push(*c),
                Ok(Prepared::Duplicate) => {}
                Err(_) => seeded.skipped += 1,
            }
            if cases.len() >= BATCH {
                let batch =
                    PreparedBatch::new(backend, jurisdiction_id, std::mem::take(&mut cases));
                seeded.imported += self.import_batch(batch).await?.imported;
            }
        }
        if !cases.is_empty() {
            let batch = PreparedBatch::new(backend, jurisdiction_id, cases);
            seeded.imported += self.import_batch(batch).await?.imported;
        }

        // The live days, filed and worked at their own times.
        let words = street_light_words(sample.streetlights_csv)?;
        let snapshot = self.platform.snapshot_of(&j).await?;
        let demo = ActorRef::system("demo").to_string();
        let mut next_words = 0;
        for r in &live {
            let fields: Vec<&str> = r.iter().map(String::as_str).collect();
            let Ok(row) = open_data::parse_dispatch(&fields, plan.context()) else {
                seeded.skipped += 1;
                continue;
            };
            let Some(category) = snapshot
                .categories
                .iter()
                .find(|c| c.code == row.category_code)
            else {
                seeded.skipped += 1;
                continue;
            };
            if row.requested_at > now {
                continue;
            }
            let (address, description, pole) = match words.get(next_words % words.len().max(1)) {
                Some(w) if row.category_code == STREET_LIGHT => {
                    next_words += 1;
                    (Some(w.address.clone()), w.text.clone(), w.pole.as_deref())
                }
                _ => (row.address.clone(), String::new(), None),
            };
            replay.set(row.requested_at);
            let report = NewReport {
                service_code: Some(row.category_code.clone()),
                address,
                description: Some(description),
                attributes: required_answers(category, pole, spread(&fields.join(","))),
                ..NewReport::default()
            };
            let Ok(case) = self
                .file_case(&j, &Filer::System, Channel::Phone, report)
                .await
            else {
                seeded.skipped += 1;
                continue;
            };
            seeded.filed += 1;
            let spread = spread(&case.case_number);
            for (at, action) in progress(row.requested_at, now, spread) {
                replay.set(at);
                let outcome = (action == Action::Resolve).then_some(if spread.is_multiple_of(10) {
                    Outcome::NoProblemFound
                } else {
                    Outcome::Fixed
                });
                self.act_on_case(&j, &case.case_number, action, &demo, None, outcome)
                    .await?;
                if action == Action::Resolve {
                    seeded.resolved += 1;
                    // About four in ten citizens answer the survey, a day later.
                    if spread % 5 < 2 && at + DAY <= now {
                        self.seed_survey(jurisdiction_id, &case.case_number, spread, at + DAY)
                            .await?;
                        seeded.surveys += 1;
                    }
                }
            }
        }
        replay.set(now);
        Ok(seeded)
    }

    /// A survey answered at `at`: mostly content, as 1999's published satisfaction is.
    async fn seed_survey(
        &self,
        jurisdiction_id: &str,
        number: &str,
        spread: u64,
        at: i64,
    ) -> Result<()> {
        let Some(case) = crate::store::case_work::find(&self.db, jurisdiction_id, number).await?
        else {
            return Ok(());
        };
        let score = match spread {
            0..45 => 5,
            45..75 => 4,
            75..87 => 3,
            87..94 => 2,
            _ => 1,
        };
        let mut tx = self.db.begin().await?;
        crate::store::surveys::create(
            &mut tx,
            &case.id,
            jurisdiction_id,
            &format!("demo-{number}"),
            at + DAY,
            at,
        )
        .await?;
        crate::store::surveys::submit(&mut tx, &case.id, score, None, at).await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_case_is_worked_on_as_far_as_its_age_allows() {
        let now = 1_000 * DAY;
        // New: still waiting, or signed for.
        assert!(progress(now - HOUR / 2, now, 10).is_empty());
        // Old and in the city's usual share: resolved and closed, each step after the last.
        let old = progress(now - 6 * DAY, now, 10);
        assert_eq!(
            old.iter().map(|(_, a)| *a).collect::<Vec<_>>(),
            [
                Action::Acknowledge,
                Action::Start,
                Action::Resolve,
                Action::Close
            ]
        );
        assert!(old.windows(2).all(|w| w[0].0 < w[1].0) && old.iter().all(|(at, _)| *at <= now));
        // Old but in the backlog's share: still open (overdue by now).
        assert_eq!(progress(now - 6 * DAY, now, 95).len(), 2);
        // Nothing happens after now.
        for spread in 0..100 {
            for age in [HOUR, DAY, 2 * DAY, 5 * DAY] {
                assert!(
                    progress(now - age, now, spread)
                        .iter()
                        .all(|(at, _)| *at <= now)
                );
            }
        }
    }

    #[test]
    fn a_pole_number_is_seven_digits_even_full_width() {
        assert_eq!(
            pole_number("編號0505364與0505365的路燈").as_deref(),
            Some("0505364")
        );
        assert_eq!(
            pole_number("綠色110，０４００９３９"),
            Some("0400939".into())
        );
        assert_eq!(pole_number("電話 0912345678"), None);
    }

    #[test]
    fn the_shipped_street_light_words_read() {
        let text = "\u{FEFF}查報序號,行政區,查報地點,故障情形,查報日期\n1,北投,光明路129號,路燈不亮 0505364,2024-01-01T05:58:00\n";
        let w = street_light_words(text).unwrap();
        assert_eq!(w[0].address, "臺北市北投區光明路129號");
        assert_eq!(w[0].pole.as_deref(), Some("0505364"));
    }
}
