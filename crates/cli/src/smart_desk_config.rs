//! `[smart_desk]` in `civicdesk.toml`: how long an issued document waits for its holder in a
//! Smart Desk locker, then at the counter (docs/COUNTER.md).

use anyhow::{Result, bail};

/// `[smart_desk]`: seconds a document waits in a locker, then at the counter.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmartDeskFile {
    pub locker_seconds: Option<i64>,
    pub counter_seconds: Option<i64>,
}

/// `[smart_desk]` checked: each time at least 10 seconds (a demonstration) and at most a year.
pub fn resolve(file: Option<&SmartDeskFile>) -> Result<platform::PickupTimes> {
    let mut t = platform::PickupTimes::default();
    if let Some(f) = file {
        for (name, value, into) in [
            ("locker_seconds", f.locker_seconds, &mut t.locker_seconds),
            ("counter_seconds", f.counter_seconds, &mut t.counter_seconds),
        ] {
            if let Some(v) = value {
                if !(10..=366 * 86_400).contains(&v) {
                    bail!("smart_desk.{name}: between 10 seconds (for demonstrations) and a year");
                }
                *into = v;
            }
        }
    }
    Ok(t)
}
