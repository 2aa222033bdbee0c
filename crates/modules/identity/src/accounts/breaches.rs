//! The breach register, kept by the data protection officer (`privacy_officer`, permission
//! `manage_breaches`): a breach is recorded with what it touched, and each duty it brings is
//! marked done (contained; the people told, individually or, for encrypted data only, by a
//! public notice; the authority told, when the breach is reportable); it closes when every
//! duty is done. The clocks are `domain::breaches`; every change is audited.

use crate::authz::{Actor, Target};
use crate::domain::breaches::{self, Breach};
use crate::permissions::MANAGE_BREACHES;
use crate::store::breaches as store;
use crate::{IdentityApp, Result, ServiceError};
use domain::Message;

/// The data categories a breach may name (`data-category-<key>`).
pub const BREACH_DATA: &[&str] = &[
    "real-name",
    "contact",
    "address",
    "household-registration",
    "case-history",
    "health",
];

/// A breach as the officer records it, as typed.
#[derive(Debug, Clone, Default)]
pub struct NewBreach {
    /// When the city learned of it: `YYYY-MM-DD HH:MM`, the jurisdiction's time.
    pub discovered_at: String,
    pub summary: String,
    pub data: Vec<String>,
    pub records: String,
    pub system_records: String,
    pub special: bool,
    pub encrypted: bool,
}

fn field(id: &'static str, f: &'static str) -> Message {
    Message::new(id).arg("field", f)
}

fn unknown() -> ServiceError {
    ServiceError::NotFound(Message::new("error-breach-unknown"))
}

impl IdentityApp {
    /// Hours to report and to tell the people affected.
    pub fn breach_report_hours(&self) -> u32 {
        self.config().breach_report_hours
    }

    /// The jurisdiction's breaches, open first.
    pub async fn breaches(&self, actor: &Actor) -> Result<Vec<Breach>> {
        actor.require(MANAGE_BREACHES, Target::Jurisdiction)?;
        Ok(store::list(&self.db, &actor.jurisdiction_id).await?)
    }

    pub async fn breach(&self, actor: &Actor, id: &str) -> Result<Breach> {
        actor.require(MANAGE_BREACHES, Target::Jurisdiction)?;
        store::find(&self.db, &actor.jurisdiction_id, id)
            .await?
            .ok_or_else(unknown)
    }

    /// Records a breach; every problem with the form is listed.
    pub async fn record_breach(&self, actor: &Actor, input: NewBreach) -> Result<Breach> {
        actor.require(MANAGE_BREACHES, Target::Jurisdiction)?;
        let j = self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        let now = self.now();
        let mut errors = Vec::new();
        let offset = i64::from(j.utc_offset_minutes) * 60;
        let discovered_at = parse_local(input.discovered_at.trim())
            .map(|local| local - offset)
            .filter(|t| *t <= now)
            .ok_or_else(|| errors.push(field("error-breach-discovered", "discovered_at")));
        let summary = input.summary.trim().to_string();
        if summary.is_empty() || summary.chars().count() > 2000 {
            errors.push(field("error-breach-summary", "summary"));
        }
        let count = |text: &str, f: &'static str, errors: &mut Vec<Message>| {
            let t = text.trim().replace(',', "");
            if t.is_empty() {
                return 0;
            }
            t.parse::<u64>()
                .map_err(|_| errors.push(field("error-breach-number", f)))
                .unwrap_or(0)
        };
        let records = count(&input.records, "records", &mut errors);
        let system_records = count(&input.system_records, "system_records", &mut errors);
        if input.data.is_empty()
            || input
                .data
                .iter()
                .any(|d| !BREACH_DATA.contains(&d.as_str()))
        {
            errors.push(field("error-breach-data", "data"));
        }
        let Ok(discovered_at) = discovered_at.map_err(|_| ()) else {
            return Err(ServiceError::Invalid(errors));
        };
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        let b = Breach {
            id: uuid::Uuid::now_v7().to_string(),
            discovered_at,
            summary,
            data: input.data,
            records,
            system_records,
            special: input.special,
            encrypted: input.encrypted,
            contained_at: None,
            subjects_notified_at: None,
            notified_how: None,
            authority_reported_at: None,
            closed_at: None,
        };
        let mut tx = self.db.begin().await?;
        store::insert(&mut tx, &actor.jurisdiction_id, &b, now).await?;
        crate::audit::record(
            &mut tx,
            actor,
            "breach.recorded",
            crate::audit::Subject {
                kind: "breach",
                id: &b.id,
                data_subject: None,
            },
            None,
            serde_json::json!({
                "records": b.records, "reportable": breaches::reportable(&b),
            }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(b)
    }

    /// Marks one duty of a breach done (`contain`, `notify_subjects` with `how`,
    /// `report_to_authority`), or closes it (`close`, once every duty is done).
    pub async fn breach_duty_done(
        &self,
        actor: &Actor,
        id: &str,
        duty: &str,
        how: Option<&str>,
    ) -> Result<()> {
        let b = self.breach(actor, id).await?;
        let now = self.now();
        let hours = self.breach_report_hours();
        let refused = |m: &'static str| ServiceError::invalid(Message::new(m));
        let (column, how) = match duty {
            "contain" => ("contained_at", None),
            "notify_subjects" => {
                let how = how.unwrap_or_default();
                breaches::check_notice(&b, how).map_err(refused)?;
                ("subjects_notified_at", Some(how))
            }
            "report_to_authority" if breaches::reportable(&b) => ("authority_reported_at", None),
            "report_to_authority" => return Err(refused("error-breach-not-reportable")),
            "close" if breaches::may_close(&b, hours, now) => ("closed_at", None),
            "close" => return Err(refused("error-breach-duties-open")),
            _ => return Err(refused("error-breach-duty")),
        };
        let mut tx = self.db.begin().await?;
        if !store::mark(&mut tx, &actor.jurisdiction_id, id, column, how, now).await? {
            return Err(refused("error-breach-done-already"));
        }
        crate::audit::record(
            &mut tx,
            actor,
            &format!("breach.{duty}"),
            crate::audit::Subject {
                kind: "breach",
                id,
                data_subject: None,
            },
            None,
            serde_json::json!({ "how": how }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// `YYYY-MM-DD HH:MM` (or with a `T`) as seconds since 1970, read as UTC.
fn parse_local(text: &str) -> Option<i64> {
    let text = text.replace('T', " ");
    let (date, clock) = text.split_once(' ')?;
    let date = domain::calendar::parse_date(date).ok()?;
    let (h, m) = clock.split_once(':')?;
    let time = time::Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()?;
    Some(date.with_time(time).assume_utc().unix_timestamp())
}

#[cfg(test)]
mod tests {
    #[test]
    fn local_times_are_read_with_or_without_a_t() {
        assert_eq!(super::parse_local("1970-01-02 01:30"), Some(86_400 + 5_400));
        assert_eq!(super::parse_local("1970-01-02T01:30"), Some(86_400 + 5_400));
        assert_eq!(super::parse_local("1970-01-02"), None);
        assert_eq!(super::parse_local("1970-01-02 25:00"), None);
    }
}
