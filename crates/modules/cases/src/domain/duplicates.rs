//! Possible duplicate reports: open cases of the same category, near the new report (by
//! distance or by address) and recent. Duplicates are only suggested to the agent or citizen
//! ("is this your issue?"); merging (併案) is always a person's decision.

use crate::domain::rules::serialize_messages;
use domain::error::Message;
use domain::geo::{Point, RadiusFilter};
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;

/// How close and how recent a case must be to be suggested. JSON:
/// `{"radius_m": 50, "window_days": 14}` (both optional, these are the defaults).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DuplicatePolicy {
    #[serde(default = "default_radius")]
    pub radius_m: f64,
    #[serde(default = "default_window")]
    pub window_days: u32,
}

fn default_radius() -> f64 {
    50.0
}

fn default_window() -> u32 {
    14
}

impl Default for DuplicatePolicy {
    fn default() -> Self {
        Self {
            radius_m: default_radius(),
            window_days: default_window(),
        }
    }
}

pub const MAX_RADIUS_M: f64 = 1000.0;
pub const MAX_WINDOW_DAYS: u32 = 365;

impl DuplicatePolicy {
    /// Radius 1–1000 m, window 1–365 days.
    pub fn validate(&self) -> Result<(), Vec<Message>> {
        let mut errors = Vec::new();
        if !(1.0..=MAX_RADIUS_M).contains(&self.radius_m) {
            errors
                .push(Message::new("duplicate-policy-radius").arg("max", MAX_RADIUS_M.to_string()));
        }
        if !(1..=MAX_WINDOW_DAYS).contains(&self.window_days) {
            errors.push(
                Message::new("duplicate-policy-window").arg("max", MAX_WINDOW_DAYS.to_string()),
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    pub fn window_secs(&self) -> i64 {
        i64::from(self.window_days) * 86_400
    }

    /// The circle for a database prefilter around the new report (use a slightly larger
    /// radius there: the final test here is haversine).
    pub fn radius_filter(&self, centre: Point) -> RadiusFilter {
        centre.radius_filter(self.radius_m)
    }
}

/// The new report being checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    pub category: String,
    pub point: Option<Point>,
    /// From `text::address_key`.
    pub address_key: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}

/// An open case that might be the same problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    pub case_id: String,
    pub category: String,
    pub point: Option<Point>,
    pub address_key: Option<String>,
    /// Unix seconds.
    pub created_at: i64,
}

/// A suggested duplicate and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Duplicate {
    pub case_id: String,
    /// Haversine distance when both have a point.
    pub distance_m: Option<f64>,
    pub same_address: bool,
    /// Seconds between the candidate and the report (0 if the candidate is newer).
    pub age_secs: i64,
    #[serde(serialize_with = "serialize_messages")]
    pub reasons: Vec<Message>,
}

/// Candidates of the same category, within `radius_m` or at the same address key, created
/// within `window_days` of the report (either side). Ordered by distance (matches without a
/// measured distance last), then the most recent first, then case id.
pub fn find_duplicates(
    report: &Report,
    candidates: &[Candidate],
    policy: &DuplicatePolicy,
) -> Vec<Duplicate> {
    let window = policy.window_secs();
    let report_key = report.address_key.as_deref().filter(|k| !k.is_empty());
    let mut found: Vec<(i64, Duplicate)> = Vec::new();
    for c in candidates {
        if c.category != report.category {
            continue;
        }
        let gap = report.created_at.saturating_sub(c.created_at);
        if gap.saturating_abs() > window {
            continue;
        }
        let distance_m = match (report.point, c.point) {
            (Some(a), Some(b)) => Some(a.distance_m(b)),
            _ => None,
        };
        let near = distance_m.is_some_and(|d| d <= policy.radius_m);
        let same_address = report_key.is_some() && c.address_key.as_deref() == report_key;
        if !near && !same_address {
            continue;
        }
        let mut reasons =
            vec![Message::new("duplicate-same-category").arg("category", &c.category)];
        if let Some(d) = distance_m.filter(|_| near) {
            reasons.push(
                Message::new("duplicate-nearby")
                    .arg("distance", format!("{:.0}", d))
                    .arg("radius", policy.radius_m.to_string()),
            );
        }
        if same_address {
            reasons.push(Message::new("duplicate-same-address"));
        }
        let age_secs = gap.max(0);
        reasons.push(if age_secs < 48 * 3600 {
            Message::new("duplicate-age-hours").arg("hours", (age_secs / 3600).to_string())
        } else {
            Message::new("duplicate-age-days").arg("days", (age_secs / 86_400).to_string())
        });
        found.push((
            c.created_at,
            Duplicate {
                case_id: c.case_id.clone(),
                distance_m,
                same_address,
                age_secs,
                reasons,
            },
        ));
    }
    found.sort_by(|(at_a, a), (at_b, b)| {
        cmp_distance(a.distance_m, b.distance_m)
            .then_with(|| at_b.cmp(at_a))
            .then_with(|| a.case_id.cmp(&b.case_id))
    });
    found.into_iter().map(|(_, d)| d).collect()
}

fn cmp_distance(a: Option<f64>, b: Option<f64>) -> Ordering {
    match (a, b) {
        (Some(a), Some(b)) => a.total_cmp(&b),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    const NOW: i64 = 1_795_000_000;
    /// Metres per degree of latitude on the haversine sphere.
    const M_PER_DEG: f64 = 111_195.0;

    fn at(north_m: f64) -> Option<Point> {
        Point::new(25.0418 + north_m / M_PER_DEG, 121.5437).ok()
    }

    fn candidate(
        id: &str,
        category: &str,
        north_m: Option<f64>,
        key: Option<&str>,
        days_ago: i64,
    ) -> Candidate {
        Candidate {
            case_id: id.into(),
            category: category.into(),
            point: north_m.and_then(at),
            address_key: key.map(String::from),
            created_at: NOW - days_ago * DAY,
        }
    }

    fn report() -> Report {
        Report {
            category: "1999-L01".into(),
            point: at(0.0),
            address_key: Some("復興南路1段390號".into()),
            created_at: NOW,
        }
    }

    #[test]
    fn same_category_near_or_same_address_and_recent() {
        let candidates = vec![
            candidate("2026112400001", "1999-L01", Some(40.0), None, 1),
            candidate("2026112400002", "1999-L01", Some(20.0), None, 3),
            candidate("2026112400003", "1999-R01", Some(5.0), None, 1),
            candidate(
                "2026112400004",
                "1999-L01",
                Some(80.0),
                Some("復興南路1段390號"),
                2,
            ),
            candidate("2026112400005", "1999-L01", Some(30.0), None, 20),
            candidate(
                "2026112400006",
                "1999-L01",
                None,
                Some("復興南路1段390號"),
                5,
            ),
            candidate(
                "2026112400007",
                "1999-L01",
                Some(120.0),
                Some("復興南路1段392號"),
                1,
            ),
            candidate("2026112400008", "1999-L01", None, None, 1),
        ];
        let found = find_duplicates(&report(), &candidates, &DuplicatePolicy::default());
        let ids: Vec<&str> = found.iter().map(|d| d.case_id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "2026112400002",
                "2026112400001",
                "2026112400004",
                "2026112400006"
            ]
        );
        let first = &found[0];
        let reasons: Vec<&str> = first.reasons.iter().map(|m| m.id).collect();
        assert_eq!(
            reasons,
            [
                "duplicate-same-category",
                "duplicate-nearby",
                "duplicate-age-days"
            ]
        );
        assert_eq!(first.reasons[1].args[0], ("distance", "20".to_string()));
        assert!(!first.same_address);
        let by_address = &found[2];
        assert!(by_address.same_address);
        let reasons: Vec<&str> = by_address.reasons.iter().map(|m| m.id).collect();
        assert_eq!(
            reasons,
            [
                "duplicate-same-category",
                "duplicate-same-address",
                "duplicate-age-days"
            ]
        );
        assert_eq!(found[3].distance_m, None);
    }

    #[test]
    fn ties_in_distance_go_to_the_most_recent() {
        let mut recent = candidate("a", "1999-L01", Some(10.0), None, 0);
        recent.created_at = NOW - 3 * 3600;
        let candidates = vec![candidate("b", "1999-L01", Some(10.0), None, 6), recent];
        let found = find_duplicates(&report(), &candidates, &DuplicatePolicy::default());
        assert_eq!(found[0].case_id, "a");
        assert_eq!(found[0].reasons[2].id, "duplicate-age-hours");
        assert_eq!(found[0].reasons[2].args[0], ("hours", "3".to_string()));
        assert_eq!(found[1].case_id, "b");
    }

    #[test]
    fn policy_widens_and_narrows() {
        let candidates = vec![candidate("far", "1999-L01", Some(150.0), None, 20)];
        let wide = DuplicatePolicy {
            radius_m: 200.0,
            window_days: 30,
        };
        assert_eq!(find_duplicates(&report(), &candidates, &wide).len(), 1);
        assert!(find_duplicates(&report(), &candidates, &DuplicatePolicy::default()).is_empty());
        let mut no_key = report();
        no_key.address_key = Some(String::new());
        let blank = vec![candidate("blank", "1999-L01", None, Some(""), 1)];
        assert!(
            find_duplicates(&no_key, &blank, &wide).is_empty(),
            "empty keys never match"
        );
    }

    #[test]
    fn policy_json_and_validation() {
        let p: DuplicatePolicy = serde_json::from_str("{}").unwrap();
        assert_eq!(
            p,
            DuplicatePolicy {
                radius_m: 50.0,
                window_days: 14
            }
        );
        assert!(serde_json::from_str::<DuplicatePolicy>(r#"{"radius": 10}"#).is_err());
        assert_eq!(p.validate(), Ok(()));
        let bad = DuplicatePolicy {
            radius_m: 0.0,
            window_days: 400,
        };
        let ids: Vec<&str> = bad.validate().unwrap_err().iter().map(|m| m.id).collect();
        assert_eq!(ids, ["duplicate-policy-radius", "duplicate-policy-window"]);
        let filter = p.radius_filter(Point {
            lat: 25.04,
            lon: 121.54,
        });
        assert!(filter.contains(Point {
            lat: 25.0403,
            lon: 121.54
        }));
    }
}
