//! Administrators' changes to the business calendar: extra holidays, make-up working days and
//! declared closures (typhoon days). Checked by `domain::calendar` before they are stored.

use crate::audit::{self, Subject};
use crate::authz::{Actor, Target};
use crate::domain::lifecycle::CaseStatus;
use crate::{CasesApp, Result, ServiceError};
use domain::Localized;
use domain::calendar::{CalendarEntry, Closure};
use store::case_config::CalendarRow;

/// A change to the calendar.
#[derive(Debug, Clone)]
pub enum CalendarChange {
    /// A holiday or make-up working day (`kind`: `holiday` or `makeup_workday`).
    Day {
        day: String,
        kind: String,
        name: String,
    },
    /// A closure from one instant to another (unix seconds).
    Closure {
        starts_at: i64,
        ends_at: i64,
        name: String,
    },
}

impl CasesApp {
    /// Adds a calendar change after checking it against the calendar in force, and
    /// recomputes the due dates of the open cases it may move.
    pub async fn change_calendar(
        &self,
        actor: &Actor,
        change: CalendarChange,
    ) -> Result<CalendarRow> {
        actor.require(
            platform::permissions::MANAGE_CASE_RULES,
            Target::Jurisdiction,
        )?;
        let j = self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        let mut cal = self.business_calendar(&j).await?;
        let now = self.now();
        let row = match change {
            CalendarChange::Day { day, kind, name } => {
                let entry =
                    CalendarEntry::parse(&day, &kind, Localized::new(name.clone(), name.clone()))
                        .map_err(|e| ServiceError::invalid(e.message()))?;
                cal.remove_entry(entry.date);
                cal.add_entry(entry.clone())
                    .map_err(|e| ServiceError::invalid(e.message()))?;
                CalendarRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    kind: entry.kind.as_str().to_string(),
                    day: Some(domain::calendar::format_date(entry.date)),
                    starts_at: None,
                    ends_at: None,
                    name,
                    created_at: now,
                    created_by: actor.label.clone(),
                }
            }
            CalendarChange::Closure {
                starts_at,
                ends_at,
                name,
            } => {
                if name.trim().is_empty() {
                    return Err(ServiceError::invalid(
                        domain::Message::new("error-field-required").arg("field", "name"),
                    ));
                }
                cal.add_closure(Closure {
                    start: starts_at,
                    end: ends_at,
                    reason: Localized::new(name.clone(), name.clone()),
                })
                .map_err(|e| ServiceError::invalid(e.message()))?;
                CalendarRow {
                    id: uuid::Uuid::now_v7().to_string(),
                    kind: "closure".into(),
                    day: None,
                    starts_at: Some(starts_at),
                    ends_at: Some(ends_at),
                    name,
                    created_at: now,
                    created_by: actor.label.clone(),
                }
            }
        };
        let mut tx = self.db.begin().await?;
        store::case_config::insert_calendar_entry(&mut tx, &j.id, &row).await?;
        audit::record(&mut tx, actor, "calendar.change", Subject { kind: "calendar", id: &row.id, data_subject: None }, None, serde_json::json!({ "kind": row.kind, "day": row.day, "starts_at": row.starts_at, "ends_at": row.ends_at }), now).await?;
        tx.commit().await?;
        self.platform.catalog_changed();
        // Open cases' due dates follow the calendar.
        self.refresh_open_cases(&j).await?;
        Ok(row)
    }

    /// Recomputes the due dates of every open case of a jurisdiction (after a calendar or
    /// policy change).
    pub(crate) async fn refresh_open_cases(&self, j: &domain::catalog::Jurisdiction) -> Result<()> {
        let filter = crate::store::case_work::QueueFilter {
            limit: 500,
            ..Default::default()
        };
        let mut after = None;
        loop {
            let page = crate::store::case_work::queue(
                &self.db,
                &j.id,
                &crate::store::case_work::QueueFilter {
                    after: after.clone(),
                    ..filter.clone()
                },
            )
            .await?;
            let mut tx = self.db.begin().await?;
            for w in &page {
                if CaseStatus::parse(&w.status).is_some_and(|s| !s.is_final()) {
                    self.refresh_sla(&mut tx, j, &w.id).await?;
                }
            }
            tx.commit().await?;
            match page.last() {
                Some(last) if page.len() == 500 => {
                    after = Some((last.queue_due(), last.case_number.clone()));
                }
                _ => break,
            }
        }
        Ok(())
    }

    /// The SLA policies a jurisdiction has set (by category code or urgency).
    pub async fn sla_policies(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(String, crate::domain::sla::SlaPolicy)>> {
        actor.require(crate::permissions::VIEW_CASES, Target::Jurisdiction)?;
        let j = self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        let stored = store::case_config::sla_policies(&self.db, &j.id).await?;
        let mut policies = Vec::with_capacity(stored.len());
        for (scope, def) in stored {
            let Ok(policy) = serde_json::from_str::<crate::domain::sla::SlaPolicy>(&def) else {
                continue;
            };
            // A policy stored without a calendar counts on its urgency's.
            let urgency = match domain::category::Urgency::parse(&scope) {
                Some(u) => Some(u),
                None => self
                    .platform
                    .service(&j, &scope)
                    .await
                    .ok()
                    .map(|c| c.urgency),
            };
            policies.push((
                scope,
                urgency.map_or(policy, |u| policy.with_calendar_of(u)),
            ));
        }
        Ok(policies)
    }

    /// Sets the SLA policy of a category (its code) or an urgency (`P1`..`P4`), then
    /// recomputes the due dates of open cases.
    pub async fn set_sla_policy(
        &self,
        actor: &Actor,
        scope: &str,
        policy: crate::domain::sla::SlaPolicy,
    ) -> Result<()> {
        actor.require(
            platform::permissions::MANAGE_CASE_RULES,
            Target::Jurisdiction,
        )?;
        let j = self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        let is_urgency = domain::category::Urgency::parse(scope).is_some();
        if !is_urgency && self.platform.service(&j, scope).await.is_err() {
            return Err(ServiceError::invalid(
                domain::Message::new("error-sla-scope").arg("scope", scope),
            ));
        }
        policy
            .validate()
            .map_err(|errs| ServiceError::Invalid(errs.iter().map(|e| e.message()).collect()))?;
        let definition =
            serde_json::to_string(&policy).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let mut tx = self.db.begin().await?;
        store::case_config::set_sla_policy(&mut tx, &j.id, scope, &definition, self.now()).await?;
        audit::record(
            &mut tx,
            actor,
            "sla.policy",
            Subject {
                kind: "sla_policy",
                id: scope,
                data_subject: None,
            },
            None,
            serde_json::from_str(&definition).unwrap_or_default(),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        self.platform.catalog_changed();
        self.refresh_open_cases(&j).await
    }

    pub async fn calendar_changes(&self, actor: &Actor) -> Result<Vec<CalendarRow>> {
        actor.require(crate::permissions::VIEW_CASES, Target::Jurisdiction)?;
        Ok(store::case_config::calendar_entries(&self.db, &actor.jurisdiction_id).await?)
    }
}
