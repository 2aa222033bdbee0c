//! What every module says about the personal data it holds, so that one place (identity's
//! consent ledger and "my data") can answer for all of them:
//! - the **purposes** a module uses personal data for beyond the task the citizen started, each
//!   with its legal basis (a statutory duty, or the citizen's consent), declared in its
//!   [`crate::ModuleDef`];
//! - the **data sets** it holds about one citizen ([`DataHolder`]), as their "my data" page
//!   shows them and their download writes them (one CSV file per set, and JSON).
//!
//! Reads of a citizen's data by staff are recorded in the audit trail with the citizen as its
//! data subject (`crate::audit::Subject::data_subject`): that is the one access ledger the
//! citizen sees.

use crate::Result;
use std::future::Future;
use std::pin::Pin;

/// A use of personal data beyond the task the citizen started, as a module declares it.
/// Its name and explanation are the messages `purpose-<code>` and `purpose-<code>-about`, the
/// code's dots written as dashes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purpose {
    /// Stable and unique across modules: `<module>.<name>`, e.g. `identity.mydata-prefill`.
    pub code: &'static str,
    /// The categories of data used, each named by the message `data-category-<key>`.
    pub data: &'static [&'static str],
    /// Who receives the data.
    pub recipient: Recipient,
    /// Why the use is lawful.
    pub basis: LegalBasis,
}

/// How long a module keeps one kind of personal data (PDPA art. 11: when the purpose ends,
/// delete or stop using it), as the module declares it in its definition. A city may set
/// another period (`[retention]` in the configuration, days by key). What has outlived it is
/// purged or anonymised by the module's retention pass; what statistics need stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Stable: `<module>.<what>`, e.g. `cases.reporters`; the configuration's key.
    pub key: &'static str,
    /// The categories of data it covers (`data-category-<key>`).
    pub data: &'static [&'static str],
    /// Days kept by default.
    pub default_days: u32,
    /// From when the days count, named by the message `retention-from-<key>` with the key's
    /// dots as dashes (e.g. "after the case is closed").
    pub what: &'static str,
}

/// Who receives the data a purpose uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// The city's own module that declares the purpose.
    Module(&'static str),
    /// A department of the city, by its code.
    Department(&'static str),
    /// A service outside the city's systems, named by the message `recipient-<key>`.
    Outside(&'static str),
}

impl Recipient {
    /// Its kind and key, as a consent record stores them.
    pub fn parts(&self) -> (&'static str, &'static str) {
        match self {
            Recipient::Module(k) => ("module", k),
            Recipient::Department(k) => ("department", k),
            Recipient::Outside(k) => ("outside", k),
        }
    }
}

/// Why a use of personal data is lawful (PDPA arts. 15, 16 for public agencies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegalBasis {
    /// A statutory duty, named by the message `law-<key>` (e.g. `law-pdpa-16`).
    Statute(&'static str),
    /// The citizen's consent, given for at most `max_days` and revocable at any time.
    Consent { max_days: u32 },
}

/// One set of records a module holds about a citizen: a table, as the page shows it and as
/// the download writes it (`<key>.csv`, and under `key` in the JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSet {
    /// Stable, and a file name: `cases.reports`.
    pub key: &'static str,
    /// The message that titles it.
    pub title: &'static str,
    /// Its columns: each a key (a JSON field and the CSV header) and the message that labels
    /// it on the page.
    pub columns: &'static [Column],
    /// Each row has one value per column; absent values are empty.
    pub rows: Vec<Vec<String>>,
}

/// A column of a [`DataSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub key: &'static str,
    pub label: &'static str,
    /// For a column of codes (a status, a theme): the prefix of the messages that name them
    /// (`case-status-` + `resolved`; a code's dots are written as dashes). The page and the
    /// CSV files show the name; the JSON keeps the code.
    pub words: Option<&'static str>,
    /// A national ID number: the page shows it masked (`A12****789`); the download, which
    /// needs a proved real name, holds it whole.
    pub national_id: bool,
}

impl Column {
    pub const fn new(key: &'static str, label: &'static str) -> Column {
        Column {
            key,
            label,
            words: None,
            national_id: false,
        }
    }

    /// A column of codes named by the messages `words` + code.
    pub const fn coded(key: &'static str, label: &'static str, words: &'static str) -> Column {
        Column {
            key,
            label,
            words: Some(words),
            national_id: false,
        }
    }

    /// A column of national ID numbers.
    pub const fn national_id(key: &'static str, label: &'static str) -> Column {
        Column {
            key,
            label,
            words: None,
            national_id: true,
        }
    }
}

/// A boxed future, as [`DataHolder`] returns it (the trait is used as an object).
pub type Pending<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// The citizen whose data is asked for, as identity knows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSubject {
    pub jurisdiction_id: String,
    pub account_id: String,
    /// Their mobile number (E.164), when they proved it theirs (it is their sign-in name), by
    /// which a module may know them without their account (the calls they made to the
    /// hotline); and since when it is theirs. Numbers are given to someone else over time: a
    /// module gives only what came from the number since then, and only what no other
    /// account claims.
    pub mobile: Option<String>,
    pub mobile_since: i64,
    /// The jurisdiction's offset from UTC, for the times written.
    pub utc_offset_minutes: i32,
}

impl DataSubject {
    /// A time as the data sets write it: RFC 3339 in the jurisdiction's local time
    /// (`2026-12-06T09:30:00+08:00`); empty for none.
    pub fn when(&self, unix: Option<i64>) -> String {
        let Some(unix) = unix else {
            return String::new();
        };
        let offset = time::UtcOffset::from_whole_seconds(self.utc_offset_minutes * 60)
            .unwrap_or(time::UtcOffset::UTC);
        time::OffsetDateTime::from_unix_timestamp(unix)
            .map(|t| t.to_offset(offset))
            .ok()
            .and_then(|t| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .ok()
            })
            .unwrap_or_default()
    }
}

/// A module that holds personal data about citizens. The composition root hands every running
/// module's holder to identity's "my data" (`web::Modules::data_holders`).
pub trait DataHolder: Send + Sync {
    /// Everything the module holds about `subject`: each set with every row, however old.
    fn personal_data<'a>(&'a self, subject: &'a DataSubject) -> Pending<'a, Vec<DataSet>>;
}
