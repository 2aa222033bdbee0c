//! The rules of a MyData import, free of I/O: its states, what the platform's return code
//! means, and what is kept of the household-registration record (only the fields that filling
//! in a citizen's details needs; the rest is never stored).

use domain::Message;
use domain::enums::string_enum;
use domain::identity::PersonalId;
use serde::{Deserialize, Serialize};

string_enum! {
    /// Where an import is.
    ImportStatus {
        /// The citizen was sent to MyData; nothing has come back yet.
        Sent = "sent",
        /// MyData's notice came with the ticket and the key: the data is being fetched.
        Consented = "consented",
        /// The kept fields are here, waiting for the citizen to use them.
        Ready = "ready",
        /// The citizen used them: their details are filled in and the record is gone.
        Used = "used",
        /// The citizen declined at MyData.
        Declined = "declined",
        /// MyData could not deliver, or the data could not be read.
        Failed = "failed",
        /// The consent ended before the data was used: it was not kept.
        Discarded = "discarded",
        /// Unused until its time ran out: the record is gone.
        Purged = "purged",
    }
}

impl ImportStatus {
    /// Whether nothing more will happen to the import.
    pub fn is_over(self) -> bool {
        !matches!(
            self,
            ImportStatus::Sent | ImportStatus::Consented | ImportStatus::Ready
        )
    }
}

/// What the platform's `code` on the citizen's return says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnCode {
    /// 200 (and 205): consent given, the data follows.
    Consented,
    /// 410: the citizen declined.
    Declined,
    /// 504 or anything else: nothing could be delivered.
    Failed,
}

impl ReturnCode {
    pub fn parse(code: &str) -> ReturnCode {
        match code.trim() {
            "200" | "205" => ReturnCode::Consented,
            "410" => ReturnCode::Declined,
            _ => ReturnCode::Failed,
        }
    }
}

/// The fields of a household-registration record that filling in a citizen's details needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kept {
    pub name: String,
    pub national_id: String,
    /// ISO 8601.
    pub birth_date: String,
    pub registered_address: String,
}

/// The names of the kept fields, as the record names them (for "what we keep" in words).
pub const KEPT_FIELDS: [&str; 4] = ["name", "national_id", "birth_date", "registered_address"];

#[derive(Deserialize)]
struct Record {
    resource_id: String,
    person: serde_json::Map<String, serde_json::Value>,
}

fn unreadable() -> Message {
    Message::new("error-mydata-unreadable")
}

/// Keeps the needed fields of a household-registration file and drops every other one. A
/// record without them, or with an ID number that fails its checksum, is refused.
pub fn keep(file: &[u8]) -> Result<Kept, Message> {
    let record: Record = serde_json::from_slice(file).map_err(|_| unreadable())?;
    if record.resource_id != super::mydata::HOUSEHOLD_REGISTRATION {
        return Err(unreadable());
    }
    let field = |name: &str| {
        record
            .person
            .get(name)
            .and_then(serde_json::Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.chars().count() <= 200)
            .map(str::to_string)
            .ok_or_else(unreadable)
    };
    let national_id = PersonalId::parse(&field("national_id")?).map_err(|_| unreadable())?;
    let birth_date = field("birth_date")?;
    time::Date::parse(
        &birth_date,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| unreadable())?;
    Ok(Kept {
        name: field("name")?,
        national_id: national_id.as_str().to_string(),
        birth_date,
        registered_address: field("registered_address")?,
    })
}

/// A transaction id for MyData: `CD` and 30 hexadecimal digits of `random`.
pub fn tx_id(random: &[u8; 15]) -> String {
    let mut s = String::from("CD");
    for b in random {
        s.push_str(&format!("{b:02X}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(person: serde_json::Value) -> Vec<u8> {
        serde_json::json!({
            "resource_id": "household-registration",
            "issued_at": "2026-12-07T10:00:00+08:00",
            "person": person,
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn only_the_needed_fields_are_kept() {
        let kept = keep(&record(serde_json::json!({
            "national_id": "A123456789",
            "name": "王大明",
            "birth_date": "1975-03-02",
            "registered_address": "臺北市大安區和平東路一段162號3樓",
            "father_name": "王父",
            "mother_name": "林母",
            "marital_status": "已婚",
        })))
        .expect("kept");
        assert_eq!(kept.name, "王大明");
        assert_eq!(kept.national_id, "A123456789");
        let stored = serde_json::to_string(&kept).expect("json");
        assert!(
            !stored.contains("王父") && !stored.contains("已婚"),
            "{stored}"
        );
    }

    #[test]
    fn a_record_missing_a_field_or_with_a_bad_id_is_refused() {
        let base = serde_json::json!({
            "national_id": "A123456789", "name": "王大明", "birth_date": "1975-03-02",
            "registered_address": "臺北市",
        });
        for (key, value) in [
            ("national_id", "A123456788"),
            ("birth_date", "1975-13-02"),
            ("name", " "),
        ] {
            let mut person = base.clone();
            person[key] = serde_json::json!(value);
            assert!(keep(&record(person)).is_err(), "{key}");
        }
        assert!(keep(b"not json").is_err());
        let other = serde_json::json!({ "resource_id": "income", "person": base }).to_string();
        assert!(keep(other.as_bytes()).is_err());
    }

    #[test]
    fn return_codes_and_ids() {
        assert_eq!(ReturnCode::parse("200"), ReturnCode::Consented);
        assert_eq!(ReturnCode::parse("410"), ReturnCode::Declined);
        assert_eq!(ReturnCode::parse("504"), ReturnCode::Failed);
        assert_eq!(ReturnCode::parse("<script>"), ReturnCode::Failed);
        let id = tx_id(&[0xAB; 15]);
        assert_eq!(id.len(), 32);
        assert!(id.starts_with("CDABAB"));
        assert!(ImportStatus::Used.is_over() && !ImportStatus::Ready.is_over());
    }
}
