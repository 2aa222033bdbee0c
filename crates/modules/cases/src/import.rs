//! Importing published case data as historical cases: Taipei's 1999 dispatch data and its
//! street-light reports (資料來源：臺北市政府資料開放平臺).
//!
//! The work is split so that both cores are busy and the row logic stays pure:
//!
//! * the caller reads the file (gzip, CSV) and hands each record's fields to
//!   [`ImportPlan::prepare`], on a thread of its own and in file order. It parses the row
//!   (`crate::domain::open_data`), decides the case number and derives the case's and event's ids;
//! * [`CasesApp::import_batch`] writes a batch of prepared cases in one transaction:
//!   multi-row inserts of the cases (`ON CONFLICT DO NOTHING`), their `create` events appended
//!   to the hash chain in one step, and the daily case-number counters raised.
//!
//! **Idempotence.** A case's id is a UUIDv7 whose time is the case's received time and whose
//! random bits are a SHA-256 of the jurisdiction, the source and the row's raw fields. The
//! same row always gets the same id, so a re-run finds it present and skips it (counted as
//! already present), wherever it is in the file.
//!
//! **Case numbers.** A row with a well-formed `case_id` keeps it. Rows without one (about
//! 333k in the dispatch data), with a damaged one, or repeating an id already used earlier in
//! the file get a number of the same form from the day's free range, counting down in file
//! order: dispatch rows from `YYYYMMDD99999` down to `…90000`, street-light reports from
//! `…89999` down to `…80000`. Real 1999 sequences stay far below (the busiest day in the data
//! reached 10,996), and new cases count up from the day's counter, which the import raises to
//! the highest real sequence of every day it touched. The same file therefore always yields
//! the same numbers. Should a number be taken anyway (a different file, or a live case with
//! that number), the row gets the next free number below the lowest used in that day's range,
//! and its own `case_id` is kept in the event data.
//!
//! **State.** The data has no outcomes or closing times, so imported cases are `closed`, with
//! `closed_at` and `updated_at` equal to the received time, no outcome and no SLA dates.
//! Their one event, `create`, goes from nothing to `closed`, with actor `import:<source>`.
//! **Passwords.** Historical cases have no case password: the stored hash is `!imported`,
//! which no HMAC-SHA256 hex digest can equal, so nobody can sign in to them as a citizen.

use crate::domain::case_number::CaseNumber;
use crate::domain::open_data::{self, Context, RowError, SourceCaseId};
use crate::store::cases::{ImportedCase, ImportedCases};
use crate::store::events::NewEvent;
use crate::{CasesApp, Result, ServiceError};
use domain::actor::ActorRef;
use domain::catalog::{Category, District, Jurisdiction};
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};

/// Imported cases are closed: the data has no outcomes, so they were closed when received.
pub const STATUS: &str = "closed";
/// The channel of imported cases.
pub const CHANNEL: &str = "import";
/// The stored case-password hash of imported cases: unusable (never a hex digest).
pub const UNUSABLE_PASSWORD: &str = "!imported";
/// The category street-light reports become.
pub const STREETLIGHT_CATEGORY: &str = "1999-L01";
/// The attribution the data's licence requires wherever it is shown.
pub const ATTRIBUTION: &str = "資料來源：臺北市政府資料開放平臺 (Taipei City Government open data)";

/// A published data set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// 「臺北市政府1999派工資料」: `case_id, category, address, date, time`.
    Taipei1999,
    /// 「臺北市路燈維修資料」: `查報序號, 行政區, 查報地點, 故障情形, 查報日期`.
    Streetlights,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Taipei1999 => "taipei1999",
            Source::Streetlights => "streetlights",
        }
    }

    pub fn header(self) -> &'static [&'static str] {
        match self {
            Source::Taipei1999 => &open_data::DISPATCH_HEADER,
            Source::Streetlights => &open_data::STREETLIGHT_HEADER,
        }
    }

    /// The daily sequences this source generates numbers in, highest first.
    pub fn generated_range(self) -> (u32, u32) {
        match self {
            Source::Taipei1999 => (90_000, 99_999),
            Source::Streetlights => (80_000, 89_999),
        }
    }

    fn actor(self) -> ActorRef {
        ActorRef::Import {
            source: self.as_str().to_string(),
        }
    }
}

/// Why a row was not imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowProblem {
    Row(RowError),
    /// The category exists in the data's mapping but not in the jurisdiction's taxonomy.
    NotInTaxonomy(String),
    /// More rows of one day need a generated number than the day's range holds.
    NumbersExhausted(String),
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowProblem::Row(e) => e.fmt(f),
            RowProblem::NotInTaxonomy(code) => {
                write!(f, "category {code} is not in the jurisdiction's taxonomy")
            }
            RowProblem::NumbersExhausted(day) => {
                write!(f, "no free generated case number left for {day}")
            }
        }
    }
}

impl From<RowError> for RowProblem {
    fn from(e: RowError) -> Self {
        RowProblem::Row(e)
    }
}

/// A row turned into a case and its `create` event, not yet written.
#[derive(Debug, Clone)]
pub struct PreparedCase {
    pub case: ImportedCase,
    /// The `create` event; its place in the chain is decided when it is written.
    pub event: NewEvent,
    source: Source,
    /// The row's own case id when it was not used as the case number (kept in the event).
    pub source_case_id: Option<String>,
    /// The street-light office's report number (查報序號).
    pub report_number: Option<String>,
    /// True when the case number was generated rather than taken from the row.
    pub generated_number: bool,
}

impl PreparedCase {
    fn event_data(&self) -> String {
        /// The `create` event's data, keys in the order `json!` would write them.
        #[derive(serde::Serialize)]
        struct Data<'a> {
            category: &'a str,
            channel: &'a str,
            department: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            report_number: Option<&'a str>,
            source: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            source_case_id: Option<&'a str>,
            urgency: &'a str,
        }
        let c = &self.case;
        serde_json::to_string(&Data {
            category: &c.category_code,
            channel: CHANNEL,
            department: c.department_code.as_deref(),
            report_number: self.report_number.as_deref(),
            source: self.source.as_str(),
            source_case_id: self.source_case_id.as_deref(),
            urgency: &c.urgency,
        })
        .unwrap_or_else(|_| "{}".into())
    }
}

/// Prepared cases with their insert statements already rendered, so that the thread reading
/// the file does that work while the database writes the previous batch.
pub struct PreparedBatch {
    jurisdiction_id: String,
    cases: Vec<PreparedCase>,
    inserts: Vec<(store::Rendered, usize)>,
}

impl PreparedBatch {
    pub fn new(
        backend: store::Backend,
        jurisdiction_id: &str,
        cases: Vec<PreparedCase>,
    ) -> PreparedBatch {
        let rows = imported(
            jurisdiction_id,
            cases.iter().map(|p| p.case.clone()).collect(),
        );
        let inserts = crate::store::cases::insert_imported_statements(backend, rows);
        PreparedBatch {
            jurisdiction_id: jurisdiction_id.to_string(),
            cases,
            inserts,
        }
    }

    pub fn len(&self) -> usize {
        self.cases.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }
}

/// What [`ImportPlan::prepare`] made of a row.
#[derive(Debug, Clone)]
pub enum Prepared {
    Case(Box<PreparedCase>),
    /// The same row appeared earlier in the file.
    Duplicate,
}

/// One run of an import: what the rows need from the jurisdiction, and the state that makes
/// numbering follow the file order. Used by one thread, in file order.
pub struct ImportPlan {
    pub source: Source,
    pub jurisdiction: Jurisdiction,
    context: Context,
    /// Category code → (department, urgency).
    categories: HashMap<String, (String, String)>,
    seen_rows: HashSet<u128>,
    seen_case_ids: HashSet<u64>,
    /// Day → next generated sequence.
    next_generated: HashMap<String, u32>,
}

impl ImportPlan {
    /// A plan over a jurisdiction's districts and taxonomy.
    pub fn new(
        source: Source,
        jurisdiction: Jurisdiction,
        districts: &[District],
        categories: &[Category],
    ) -> ImportPlan {
        ImportPlan {
            source,
            context: Context {
                districts: districts
                    .iter()
                    .map(|d| (d.code.clone(), d.name.zh.clone()))
                    .collect(),
                categories: categories
                    .iter()
                    .map(|c| (c.code.clone(), c.name.zh.clone()))
                    .collect(),
                utc_offset_minutes: jurisdiction.utc_offset_minutes,
            },
            jurisdiction,
            categories: categories
                .iter()
                .map(|c| {
                    (
                        c.code.clone(),
                        (c.department_code.clone(), c.urgency.as_str().to_string()),
                    )
                })
                .collect(),
            seen_rows: HashSet::new(),
            seen_case_ids: HashSet::new(),
            next_generated: HashMap::new(),
        }
    }

    /// What the row parsers know of the jurisdiction (districts, categories, time zone).
    pub fn context(&self) -> &Context {
        &self.context
    }

    pub fn is_header(&self, fields: &[&str]) -> bool {
        open_data::is_header(fields, self.source.header())
    }

    /// Turns one record into a case. Pure apart from the plan's numbering state.
    pub fn prepare(&mut self, fields: &[&str]) -> std::result::Result<Prepared, RowProblem> {
        let fingerprint = fingerprint(&self.jurisdiction.id, self.source, fields);
        let case = match self.source {
            Source::Taipei1999 => {
                let row = open_data::parse_dispatch(fields, &self.context)?;
                if !self.seen_rows.insert(u128_of(&fingerprint)) {
                    return Ok(Prepared::Duplicate);
                }
                let (number, source_case_id) = match row.case_id {
                    SourceCaseId::Valid(n) => {
                        let key: u64 = n.as_str().parse().unwrap_or_default();
                        if self.seen_case_ids.insert(key) {
                            (Some(n), None)
                        } else {
                            (None, Some(n.to_string()))
                        }
                    }
                    SourceCaseId::Missing => (None, None),
                    SourceCaseId::Damaged(text) => (None, Some(text)),
                };
                self.build(
                    &fingerprint,
                    number,
                    row.local_date,
                    row.requested_at,
                    row.category_code,
                    String::new(),
                    row.address,
                    row.district_code,
                    source_case_id,
                    None,
                )?
            }
            Source::Streetlights => {
                let row = open_data::parse_streetlight(fields, &self.context)?;
                if !self.seen_rows.insert(u128_of(&fingerprint)) {
                    return Ok(Prepared::Duplicate);
                }
                self.build(
                    &fingerprint,
                    None,
                    row.local_date,
                    row.requested_at,
                    STREETLIGHT_CATEGORY.to_string(),
                    row.description,
                    row.address,
                    row.district_code,
                    None,
                    Some(row.report_number),
                )?
            }
        };
        Ok(Prepared::Case(Box::new(case)))
    }

    #[allow(clippy::too_many_arguments)]
    fn build(
        &mut self,
        fingerprint: &[u8; 32],
        number: Option<CaseNumber>,
        local_date: String,
        requested_at: i64,
        category_code: String,
        description: String,
        address: Option<String>,
        district_code: Option<String>,
        source_case_id: Option<String>,
        report_number: Option<String>,
    ) -> std::result::Result<PreparedCase, RowProblem> {
        let (department, urgency) = self
            .categories
            .get(&category_code)
            .cloned()
            .ok_or_else(|| RowProblem::NotInTaxonomy(category_code.clone()))?;
        let generated_number = number.is_none();
        let case_number = match number {
            Some(n) => n.to_string(),
            None => {
                let (floor, top) = self.source.generated_range();
                let next = self.next_generated.entry(local_date.clone()).or_insert(top);
                if *next < floor {
                    return Err(RowProblem::NumbersExhausted(local_date));
                }
                let n = format!("{local_date}{:05}", *next);
                *next -= 1;
                n
            }
        };
        let millis = u64::try_from(requested_at.max(0)).unwrap_or(0) * 1000;
        let id = v7(millis, &fingerprint[0..10]);
        let event = NewEvent {
            id: v7(millis, &fingerprint[10..20]),
            case_id: id.clone(),
            kind: "create".into(),
            actor: self.source.actor().to_string(),
            public: true,
            from_status: None,
            to_status: Some(STATUS.into()),
            note: None,
            data: String::new(),
            created_at: requested_at,
        };
        let mut prepared = PreparedCase {
            case: ImportedCase {
                id,
                case_number,
                category_code,
                urgency,
                department_code: Some(department),
                description,
                address,
                district_code,
                requested_at,
                updated_at: requested_at,
                closed_at: Some(requested_at),
            },
            event,
            source: self.source,
            source_case_id,
            report_number,
            generated_number,
        };
        prepared.event.data = prepared.event_data();
        Ok(prepared)
    }
}

fn imported(jurisdiction_id: &str, cases: Vec<ImportedCase>) -> ImportedCases {
    ImportedCases {
        jurisdiction_id: jurisdiction_id.to_string(),
        status: STATUS.into(),
        channel: CHANNEL.into(),
        password_hash: UNUSABLE_PASSWORD.into(),
        cases,
    }
}

fn fingerprint(jurisdiction_id: &str, source: Source, fields: &[&str]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(jurisdiction_id.as_bytes());
    h.update([0x1e]);
    h.update(source.as_str().as_bytes());
    for f in fields {
        h.update([0x1f]);
        h.update(f.as_bytes());
    }
    h.finalize().into()
}

fn u128_of(fingerprint: &[u8; 32]) -> u128 {
    let mut b = [0u8; 16];
    b.copy_from_slice(&fingerprint[..16]);
    u128::from_le_bytes(b)
}

fn v7(millis: u64, random: &[u8]) -> String {
    let mut bytes = [0u8; 10];
    bytes.copy_from_slice(&random[..10]);
    uuid::Builder::from_unix_timestamp_millis(millis, &bytes)
        .into_uuid()
        .to_string()
}

/// Gives a case whose number is taken the next free number below the lowest used in its
/// day's generated range, keeping its own number in the event data.
async fn renumber(tx: &mut store::Tx, jurisdiction_id: &str, p: &mut PreparedCase) -> Result<()> {
    let c = &mut p.case;
    let day = c.case_number[..8].to_string();
    let (floor, top) = p.source.generated_range();
    let lowest = crate::store::cases::lowest_number_between(
        tx,
        jurisdiction_id,
        &format!("{day}{floor:05}"),
        &format!("{day}{top:05}"),
    )
    .await?;
    let next = match lowest {
        Some(n) => n[8..].parse::<u32>().unwrap_or(floor) - 1,
        None => top,
    };
    let number = format!("{day}{next:05}");
    if next < floor || crate::store::cases::number_taken(tx, jurisdiction_id, &number).await? {
        return Err(ServiceError::Internal(format!(
            "no free generated case number left for {day}"
        )));
    }
    if !p.generated_number {
        p.source_case_id
            .get_or_insert_with(|| c.case_number.clone());
    }
    c.case_number = number;
    p.generated_number = true;
    p.event.data = p.event_data();
    Ok(())
}

/// What one batch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    pub imported: u64,
    /// Rows whose case was already there (an earlier run).
    pub already_present: u64,
    /// Rows whose number was taken by another case and that got a fresh one.
    pub renumbered: u64,
    /// Imported rows whose number was generated.
    pub generated: u64,
    /// Imported rows without a district.
    pub without_district: u64,
}

impl BatchOutcome {
    pub fn add(&mut self, o: &BatchOutcome) {
        self.imported += o.imported;
        self.already_present += o.already_present;
        self.renumbered += o.renumbered;
        self.generated += o.generated;
        self.without_district += o.without_district;
    }
}

impl CasesApp {
    /// Prepares an import into `jurisdiction_id`. Its reference data (districts, taxonomy) is
    /// loaded from the built-in set first when the jurisdiction does not exist yet.
    pub async fn import_plan(&self, jurisdiction_id: &str, source: Source) -> Result<ImportPlan> {
        if store::catalog::get_jurisdiction(&self.db, jurisdiction_id)
            .await?
            .is_none()
        {
            let set = crate::reference::builtin()?
                .into_iter()
                .find(|s| s.jurisdiction.id == jurisdiction_id)
                .ok_or_else(|| {
                    ServiceError::Internal(format!(
                        "jurisdiction {jurisdiction_id} does not exist and has no built-in reference data"
                    ))
                })?;
            self.platform.load_reference(&set).await?;
        }
        let jurisdiction = self.platform.jurisdiction(jurisdiction_id).await?;
        let districts = self.platform.districts(&jurisdiction).await?;
        let (categories, _) = store::catalog::list_categories(&self.db, jurisdiction_id).await?;
        Ok(ImportPlan::new(
            source,
            jurisdiction,
            &districts,
            &categories,
        ))
    }

    /// Writes a batch of prepared cases in one transaction: the cases not yet present, their
    /// `create` events on the jurisdiction's chain (in batch order), and the raised counters.
    pub async fn import_batch(&self, batch: PreparedBatch) -> Result<BatchOutcome> {
        let mut outcome = BatchOutcome::default();
        let PreparedBatch {
            jurisdiction_id: jid,
            mut cases,
            inserts,
        } = batch;
        if cases.is_empty() {
            return Ok(outcome);
        }
        let mut tx = self.db.begin().await?;
        let (_, all_inserted) =
            crate::store::cases::insert_imported_rendered(&mut tx, inserts).await?;
        // Which cases this batch inserted: all of them, usually. Otherwise the cases that exist
        // now but have no event yet are this batch's, those with events were there before, and
        // the rest lost their number to another case.
        let inserted: Option<HashSet<String>> = if all_inserted {
            None
        } else {
            let ids: Vec<String> = cases.iter().map(|p| p.case.id.clone()).collect();
            let exist = crate::store::cases::existing_ids(&mut tx, &ids).await?;
            let before = crate::store::events::cases_with_events(&mut tx, &ids).await?;
            let mut inserted = HashSet::new();
            for p in cases.iter_mut() {
                let id = &p.case.id;
                if before.contains(id) {
                    outcome.already_present += 1;
                } else if exist.contains(id) {
                    inserted.insert(id.clone());
                } else {
                    // The number is taken by another case: take the next free one below the
                    // lowest used in the day's generated range.
                    renumber(&mut tx, &jid, p).await?;
                    let one = imported(&jid, vec![p.case.clone()]);
                    let n = crate::store::cases::insert_imported(&mut tx, one).await?;
                    if n != 1 {
                        return Err(ServiceError::Internal(format!(
                            "case {} could not be inserted after renumbering",
                            p.case.case_number
                        )));
                    }
                    outcome.renumbered += 1;
                    inserted.insert(p.case.id.clone());
                }
            }
            Some(inserted)
        };
        let mut events = Vec::with_capacity(cases.len());
        let mut counters: HashMap<String, u64> = HashMap::new();
        for p in cases {
            let c = &p.case;
            if inserted.as_ref().is_some_and(|i| !i.contains(&c.id)) {
                continue;
            }
            outcome.imported += 1;
            if p.generated_number {
                outcome.generated += 1;
            } else if let Ok(n) = CaseNumber::parse(&c.case_number) {
                let last = counters.entry(n.date_part().to_string()).or_default();
                *last = (*last).max(n.sequence());
            }
            if c.district_code.is_none() {
                outcome.without_district += 1;
            }
            events.push(p.event);
        }
        crate::store::events::append_many(&mut tx, &jid, events).await?;
        let counters: Vec<(String, u64)> = counters.into_iter().collect();
        crate::store::cases::raise_counters(&mut tx, &jid, &counters).await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Records a finished import in the jurisdiction's audit trail.
    pub async fn record_import(
        &self,
        jurisdiction_id: &str,
        source: Source,
        summary: serde_json::Value,
    ) -> Result<()> {
        let actor = crate::authz::Actor::system(jurisdiction_id, "civicdesk import");
        let mut tx = self.db.begin().await?;
        crate::audit::record(
            &mut tx,
            &actor,
            "cases.import",
            crate::audit::Subject {
                kind: "import",
                id: source.as_str(),
                data_subject: None,
            },
            None,
            summary,
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(source: Source) -> ImportPlan {
        let set = crate::reference::builtin()
            .unwrap()
            .into_iter()
            .find(|s| s.jurisdiction.id == "taipei.gov.tw")
            .unwrap();
        ImportPlan::new(source, set.jurisdiction, &set.districts, &set.categories)
    }

    fn case(p: &mut ImportPlan, fields: &[&str]) -> PreparedCase {
        match p.prepare(fields).unwrap() {
            Prepared::Case(c) => *c,
            Prepared::Duplicate => panic!("duplicate"),
        }
    }

    #[test]
    fn numbers_ids_and_events_follow_the_file() {
        let mut p = plan(Source::Taipei1999);
        let a = case(
            &mut p,
            &["2015070100001", "污染舉發", "文山區", "20150701", "000400"],
        );
        assert_eq!(a.case.case_number, "2015070100001");
        assert!(!a.generated_number);
        assert_eq!(
            (a.case.department_code.as_deref(), a.case.urgency.as_str()),
            (Some("DEP"), "P3")
        );
        let b = case(&mut p, &["", "污染舉發", "北投區", "20150701", "011700"]);
        let c = case(
            &mut p,
            &["", "路燈不亮或損壞", "北投區", "20150701", "011800"],
        );
        let d = case(&mut p, &["", "污染舉發", "北投區", "20150702", "000000"]);
        assert_eq!(b.case.case_number, "2015070199999");
        assert_eq!(c.case.case_number, "2015070199998");
        assert_eq!(c.case.category_code, "1999-L01");
        assert_eq!(d.case.case_number, "2015070299999");
        // The same id again: a generated number, the id kept in the event.
        let e = case(
            &mut p,
            &["2015070100001", "路樹處理", "文山區", "20150702", "080000"],
        );
        assert_eq!(e.case.case_number, "2015070299998");
        assert_eq!(e.source_case_id.as_deref(), Some("2015070100001"));
        assert!(
            e.event
                .data
                .contains("\"source_case_id\":\"2015070100001\"")
        );
        // The same row again is a duplicate.
        assert!(matches!(
            p.prepare(&["", "污染舉發", "北投區", "20150701", "011700"]),
            Ok(Prepared::Duplicate)
        ));
        // Events: create, straight to closed, at the received time, linked to the case.
        assert_eq!(a.event.kind, "create");
        assert_eq!(a.event.case_id, a.case.id);
        assert_eq!(a.event.to_status.as_deref(), Some(STATUS));
        assert_eq!(a.event.created_at, a.case.requested_at);
        assert_eq!(a.case.closed_at, Some(a.case.requested_at));
        assert_eq!(
            a.event.data,
            r#"{"category":"1999-P01","channel":"import","department":"DEP","source":"taipei1999","urgency":"P3"}"#
        );
        // A second run over the same rows derives the same ids and numbers.
        let mut again = plan(Source::Taipei1999);
        let a2 = case(
            &mut again,
            &["2015070100001", "污染舉發", "文山區", "20150701", "000400"],
        );
        let b2 = case(
            &mut again,
            &["", "污染舉發", "北投區", "20150701", "011700"],
        );
        assert_eq!((a2.case.id, a2.event.id), (a.case.id.clone(), a.event.id));
        assert_eq!(
            (b2.case.id, b2.case.case_number),
            (b.case.id.clone(), b.case.case_number)
        );
        // Ids are UUIDv7 carrying the received time, so they sort by it.
        let uuid = uuid::Uuid::parse_str(&a.case.id).unwrap();
        assert_eq!(uuid.get_version_num(), 7);
        let (secs, _) = uuid.get_timestamp().unwrap().to_unix();
        assert_eq!(secs as i64, a.case.requested_at);
        assert!(a.case.id < b.case.id);
    }

    #[test]
    fn streetlights_use_their_own_range_and_keep_the_report_number() {
        let mut p = plan(Source::Streetlights);
        let a = case(
            &mut p,
            &[
                "11300001",
                "北投",
                "光明路129號",
                "路燈不亮",
                "2024-01-01T11:17:00",
            ],
        );
        assert_eq!(a.case.case_number, "2024010189999");
        assert_eq!(a.case.category_code, STREETLIGHT_CATEGORY);
        assert_eq!(a.case.description, "路燈不亮");
        assert_eq!(a.report_number.as_deref(), Some("11300001"));
        assert!(a.event.data.contains("\"report_number\":\"11300001\""));
        assert_eq!(a.event.actor, "import:streetlights");
    }

    #[test]
    fn rows_that_cannot_be_imported() {
        let mut p = plan(Source::Taipei1999);
        assert_eq!(
            p.prepare(&["", "外星人", "北投區", "20150701", "000000"])
                .unwrap_err()
                .to_string(),
            "unknown category \"外星人\""
        );
        // A day whose generated range is used up.
        p.next_generated.insert("20150701".into(), 90_000);
        case(&mut p, &["", "污染舉發", "北投區", "20150701", "000001"]);
        assert_eq!(
            p.prepare(&["", "污染舉發", "北投區", "20150701", "000002"])
                .unwrap_err(),
            RowProblem::NumbersExhausted("20150701".into())
        );
    }
}
