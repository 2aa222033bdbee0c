//! The rules of the supervisor's statistics (督導統計), as pure functions: how old an open case
//! is, what counts as resolved on time, and how ratings are averaged. The database does the
//! counting (`GROUP BY`); these rules say what is counted, so SQL and tests agree.
//!
//! - **Ageing** is counted in calendar days since the case was received, not working days:
//!   the citizen waits on weekends too, and the SLA clocks already measure working time. A
//!   case received exactly one day ago is in `1_to_3_days` (lower bounds are inclusive).
//! - **SLA compliance** is the share of resolved cases whose resolution came no later than
//!   their resolution due date (pauses for 補正 included), the rule of `sla::evaluate`.
//!   Cases without a due date (imported history) are not counted; with nothing counted the
//!   share is unknown, never 0 % or 100 %.
//! - **Satisfaction** averages the 1–5 scores of answered surveys.

use domain::enums::string_enum;

pub const DAY_SECONDS: i64 = 86_400;

string_enum! {
    /// How long an open case has been open. The i18n id is `report-age-<text>`.
    AgeBucket {
        UnderOneDay = "under_1_day",
        OneToThreeDays = "1_to_3_days",
        ThreeToSevenDays = "3_to_7_days",
        SevenToThirtyDays = "7_to_30_days",
        OverThirtyDays = "over_30_days",
    }
}

impl AgeBucket {
    /// The first day of the bucket (inclusive), in calendar days since the case was received.
    pub fn from_days(self) -> i64 {
        match self {
            AgeBucket::UnderOneDay => 0,
            AgeBucket::OneToThreeDays => 1,
            AgeBucket::ThreeToSevenDays => 3,
            AgeBucket::SevenToThirtyDays => 7,
            AgeBucket::OverThirtyDays => 30,
        }
    }

    /// The end of the bucket (exclusive); `None` for the last one.
    pub fn until_days(self) -> Option<i64> {
        let next = AgeBucket::ALL.iter().position(|b| *b == self)? + 1;
        AgeBucket::ALL.get(next).map(|b| b.from_days())
    }

    /// The bucket of a case open for `age_seconds`. A negative age (a clock ahead of the
    /// database's) counts as new.
    pub fn of_age(age_seconds: i64) -> AgeBucket {
        AgeBucket::ALL
            .iter()
            .rev()
            .copied()
            .find(|b| age_seconds >= b.from_days() * DAY_SECONDS)
            .unwrap_or(AgeBucket::UnderOneDay)
    }

    /// For a query at `now`: each bucket but the last, with the instant a case must have been
    /// received after (`requested_at > instant`) to be younger than the bucket's end. Taken in
    /// order, the first that holds is the case's bucket, as [`AgeBucket::of_age`] decides.
    pub fn received_after(now: i64) -> Vec<(AgeBucket, i64)> {
        AgeBucket::ALL
            .iter()
            .filter_map(|b| b.until_days().map(|d| (*b, now - d * DAY_SECONDS)))
            .collect()
    }
}

/// Whole calendar days a case received at `requested_at` has been open at `now`.
pub fn age_days(requested_at: i64, now: i64) -> i64 {
    (now - requested_at).max(0) / DAY_SECONDS
}

/// Resolved cases and how many of them on time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Compliance {
    pub resolved: i64,
    pub on_time: i64,
}

impl Compliance {
    pub fn new(resolved: i64, on_time: i64) -> Compliance {
        Compliance { resolved, on_time }
    }

    /// Whether a case resolved at `resolved_at` with resolution due at `due` was on time.
    pub fn on_time(resolved_at: i64, due: i64) -> bool {
        resolved_at <= due
    }

    /// The share on time in tenths of a percent (875 = 87.5 %), rounded half up; `None`
    /// when nothing was resolved.
    pub fn permille(self) -> Option<i64> {
        if self.resolved <= 0 {
            return None;
        }
        let on_time = self.on_time.clamp(0, self.resolved);
        Some((on_time * 2000 + self.resolved) / (2 * self.resolved))
    }

    /// The share as a number with one decimal (87.5), for JSON.
    pub fn percent(self) -> Option<f64> {
        self.permille().map(|p| p as f64 / 10.0)
    }
}

impl std::ops::Add for Compliance {
    type Output = Compliance;

    fn add(self, other: Compliance) -> Compliance {
        Compliance {
            resolved: self.resolved + other.resolved,
            on_time: self.on_time + other.on_time,
        }
    }
}

impl std::ops::AddAssign for Compliance {
    fn add_assign(&mut self, other: Compliance) {
        *self = *self + other;
    }
}

/// A share in tenths of a percent as people read it: `87.5`, `100`, `0`.
pub fn format_permille(permille: i64) -> String {
    if permille % 10 == 0 {
        (permille / 10).to_string()
    } else {
        format!("{}.{}", permille / 10, permille % 10)
    }
}

/// The lowest and highest survey score.
pub const SCORES: std::ops::RangeInclusive<i64> = 1..=5;

/// How many surveys gave each score (index 0 is score 1).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Ratings {
    pub counts: [i64; 5],
}

impl Ratings {
    /// Counts `n` answers of `score`; a score outside 1–5 is ignored (returns false).
    pub fn add(&mut self, score: i64, n: i64) -> bool {
        if !SCORES.contains(&score) {
            return false;
        }
        self.counts[(score - 1) as usize] += n;
        true
    }

    pub fn merge(&mut self, other: &Ratings) {
        for (a, b) in self.counts.iter_mut().zip(other.counts) {
            *a += b;
        }
    }

    pub fn count(&self) -> i64 {
        self.counts.iter().sum()
    }

    /// The average score in hundredths (425 = 4.25), rounded half up; `None` without answers.
    pub fn average_hundredths(&self) -> Option<i64> {
        let n = self.count();
        if n <= 0 {
            return None;
        }
        let sum: i64 = self
            .counts
            .iter()
            .zip(SCORES)
            .map(|(count, score)| count * score)
            .sum();
        Some((sum * 200 + n) / (2 * n))
    }

    /// The average with two decimals (4.25), for JSON.
    pub fn average(&self) -> Option<f64> {
        self.average_hundredths().map(|a| a as f64 / 100.0)
    }
}

/// An average in hundredths as people read it: `4.25`, `5.00`.
pub fn format_hundredths(h: i64) -> String {
    format!("{}.{:02}", h / 100, h % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bucket_bounds_are_inclusive_below() {
        let d = DAY_SECONDS;
        assert_eq!(AgeBucket::of_age(-5), AgeBucket::UnderOneDay);
        assert_eq!(AgeBucket::of_age(0), AgeBucket::UnderOneDay);
        assert_eq!(AgeBucket::of_age(d - 1), AgeBucket::UnderOneDay);
        assert_eq!(AgeBucket::of_age(d), AgeBucket::OneToThreeDays);
        assert_eq!(AgeBucket::of_age(3 * d - 1), AgeBucket::OneToThreeDays);
        assert_eq!(AgeBucket::of_age(3 * d), AgeBucket::ThreeToSevenDays);
        assert_eq!(AgeBucket::of_age(7 * d), AgeBucket::SevenToThirtyDays);
        assert_eq!(AgeBucket::of_age(30 * d - 1), AgeBucket::SevenToThirtyDays);
        assert_eq!(AgeBucket::of_age(30 * d), AgeBucket::OverThirtyDays);
        assert_eq!(AgeBucket::of_age(4000 * d), AgeBucket::OverThirtyDays);
        assert_eq!(AgeBucket::OverThirtyDays.until_days(), None);
        assert_eq!(AgeBucket::ThreeToSevenDays.until_days(), Some(7));
    }

    #[test]
    fn compliance_rounds_half_up_and_knows_nothing_of_nothing() {
        assert_eq!(Compliance::new(0, 0).permille(), None);
        assert_eq!(Compliance::new(0, 0).percent(), None);
        assert_eq!(Compliance::new(8, 7).permille(), Some(875));
        assert_eq!(Compliance::new(3, 2).permille(), Some(667));
        assert_eq!(Compliance::new(3, 1).permille(), Some(333));
        assert_eq!(Compliance::new(2000, 1).permille(), Some(1)); // 0.05 % → 0.1 %
        assert_eq!(Compliance::new(4, 4).percent(), Some(100.0));
        assert_eq!(format_permille(875), "87.5");
        assert_eq!(format_permille(1000), "100");
        assert_eq!(format_permille(0), "0");
        assert_eq!(format_permille(5), "0.5");
        assert!(Compliance::on_time(100, 100));
        assert!(!Compliance::on_time(101, 100));
    }

    #[test]
    fn ratings_average_only_valid_scores() {
        let mut r = Ratings::default();
        assert_eq!(r.average(), None);
        assert!(r.add(5, 3));
        assert!(r.add(4, 1));
        assert!(!r.add(0, 9));
        assert!(!r.add(6, 9));
        assert_eq!(r.count(), 4);
        assert_eq!(r.average_hundredths(), Some(475));
        assert_eq!(format_hundredths(475), "4.75");
        assert_eq!(format_hundredths(500), "5.00");
        let mut thirds = Ratings::default();
        thirds.add(1, 1);
        thirds.add(2, 2);
        assert_eq!(thirds.average_hundredths(), Some(167));
    }

    proptest! {
        /// The thresholds the database compares with pick the same bucket as `of_age`.
        #[test]
        fn sql_thresholds_agree_with_of_age(now in 1_600_000_000i64..2_000_000_000, age in -1000i64..100 * DAY_SECONDS) {
            let requested_at = now - age;
            let by_threshold = AgeBucket::received_after(now)
                .into_iter()
                .find(|(_, after)| requested_at > *after)
                .map_or(AgeBucket::OverThirtyDays, |(b, _)| b);
            prop_assert_eq!(by_threshold, AgeBucket::of_age(age));
        }

        /// Older cases never land in a younger bucket, and buckets hold their own bounds.
        #[test]
        fn buckets_are_monotone(a in 0i64..100 * DAY_SECONDS, b in 0i64..100 * DAY_SECONDS) {
            let (young, old) = (a.min(b), a.max(b));
            let index = |x: i64| AgeBucket::ALL.iter().position(|k| *k == AgeBucket::of_age(x));
            prop_assert!(index(young) <= index(old));
            let bucket = AgeBucket::of_age(a);
            prop_assert!(a >= bucket.from_days() * DAY_SECONDS);
            if let Some(until) = bucket.until_days() {
                prop_assert!(a < until * DAY_SECONDS);
            }
        }

        /// A share is between 0 and 100 %, exact at both ends, and adding groups keeps it
        /// between the groups' shares.
        #[test]
        fn compliance_is_a_share(r1 in 1i64..10_000, t1 in 0i64..10_000, r2 in 1i64..10_000, t2 in 0i64..10_000) {
            let a = Compliance::new(r1, t1.min(r1));
            let b = Compliance::new(r2, t2.min(r2));
            let pa = a.permille().unwrap();
            let pb = b.permille().unwrap();
            prop_assert!((0..=1000).contains(&pa));
            prop_assert_eq!(Compliance::new(r1, r1).permille(), Some(1000));
            prop_assert_eq!(Compliance::new(r1, 0).permille(), Some(0));
            let both = (a + b).permille().unwrap();
            prop_assert!(both >= pa.min(pb) - 1 && both <= pa.max(pb) + 1);
        }

        /// The average lies between the lowest and highest score given.
        #[test]
        fn average_is_within_the_scores(counts in proptest::array::uniform5(0i64..1000)) {
            let r = Ratings { counts };
            match r.average_hundredths() {
                None => prop_assert_eq!(r.count(), 0),
                Some(avg) => {
                    let lowest = counts.iter().position(|c| *c > 0).unwrap() as i64 + 1;
                    let highest = counts.iter().rposition(|c| *c > 0).unwrap() as i64 + 1;
                    prop_assert!(avg >= lowest * 100 && avg <= highest * 100);
                }
            }
        }
    }
}
