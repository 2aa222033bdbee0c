//! The demo's city sample, shipped inside the binary so a fresh clone needs nothing else:
//! the last 30 days of Taipei's 1999 dispatch data and 400 street-light reports in the
//! citizens' words (`data/demo/`, with its NOTICE: 資料來源：臺北市政府資料開放平臺).

use anyhow::{Context, Result};
use std::io::Read;

const DISPATCH: &[u8] = include_bytes!("../../../data/demo/taipei1999_2026-05.csv.gz");
const STREETLIGHTS: &[u8] = include_bytes!("../../../data/demo/streetlights_2024_sample.csv.gz");

/// Which sample `civicdesk demo` loads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sample {
    /// The city sample (the default): thousands of real cases in realistic states.
    City,
    /// A handful of hand-written cases per city: quick to load (the browser tests use it).
    Basic,
}

impl Sample {
    pub fn parse(text: Option<&str>) -> Result<Sample> {
        match text.map(str::trim) {
            None | Some("") | Some("city") => Ok(Sample::City),
            Some("basic") => Ok(Sample::Basic),
            Some(other) => anyhow::bail!("--demo-sample {other}: expected city or basic"),
        }
    }
}

fn gunzip(bytes: &[u8], name: &str) -> Result<String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .with_context(|| format!("reading the demo sample {name}"))?;
    Ok(text)
}

/// The dispatch rows and the street-light reports, as CSV text.
pub fn texts() -> Result<(String, String)> {
    Ok((
        gunzip(DISPATCH, "taipei1999_2026-05.csv.gz")?,
        gunzip(STREETLIGHTS, "streetlights_2024_sample.csv.gz")?,
    ))
}
