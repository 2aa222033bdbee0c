//! Recording and reading the audit trail. Every write by a person or the operator, and every
//! read of a citizen's personal data by staff, leaves a record in the same transaction as the
//! change, so the trail is complete exactly when the change is.

use crate::authz::{Actor, Target};
use crate::{Platform, Result};
use store::Tx;
use store::audit::{self, AuditFilter, AuditRecord, NewAuditRecord};

/// What an audit record is about.
pub struct Subject<'a> {
    pub kind: &'static str,
    pub id: &'a str,
    /// The citizen whose personal data is involved, if any.
    pub data_subject: Option<&'a str>,
}

impl<'a> Subject<'a> {
    pub fn account(id: &'a str) -> Subject<'a> {
        Subject {
            kind: "account",
            id,
            data_subject: None,
        }
    }

    pub fn citizen(id: &'a str) -> Subject<'a> {
        Subject {
            kind: "account",
            id,
            data_subject: Some(id),
        }
    }
}

/// Appends an audit record for `actor` inside `tx`, made at `now` (the services' clock).
pub async fn record(
    tx: &mut Tx,
    actor: &Actor,
    action: &str,
    subject: Subject<'_>,
    reason: Option<&str>,
    data: serde_json::Value,
    now: i64,
) -> Result<()> {
    audit::append(
        tx,
        &actor.jurisdiction_id,
        NewAuditRecord {
            id: uuid::Uuid::now_v7().to_string(),
            actor_id: actor.account_id.clone(),
            actor_label: actor.label.clone(),
            action: action.to_string(),
            subject_kind: subject.kind.to_string(),
            subject_id: subject.id.to_string(),
            data_subject_id: subject.data_subject.map(str::to_string),
            reason: reason.map(str::to_string),
            request_id: actor.request_id.clone(),
            data: data.to_string(),
            created_at: now,
        },
    )
    .await?;
    Ok(())
}

/// One staff read of a citizen's personal data, as the citizen sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataAccess {
    /// Its place in the audit chain (to page on from).
    pub seq: i64,
    pub at: i64,
    pub staff_name: String,
    pub action: String,
    pub reason: Option<String>,
}

impl Platform {
    /// The audit trail of the actor's jurisdiction, newest first.
    pub async fn audit_records(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditRecord>> {
        actor.require(crate::permissions::VIEW_AUDIT, Target::Jurisdiction)?;
        Ok(audit::list(&self.db, &actor.jurisdiction_id, filter).await?)
    }

    /// Who among staff read or changed the signed-in citizen's personal data, and when: the
    /// reads among the 100 records about them before `before_seq` (the newest when `None`).
    pub async fn my_data_access(
        &self,
        actor: &Actor,
        before_seq: Option<i64>,
    ) -> Result<Vec<DataAccess>> {
        Ok(self.data_access_page(actor, before_seq).await?.0)
    }

    /// Every staff read of the signed-in citizen's personal data, newest first.
    pub async fn my_data_access_all(&self, actor: &Actor) -> Result<Vec<DataAccess>> {
        let mut all = Vec::new();
        let mut before = None;
        loop {
            let (reads, oldest) = self.data_access_page(actor, before).await?;
            all.extend(reads);
            match oldest {
                Some(seq) => before = Some(seq),
                None => return Ok(all),
            }
        }
    }

    /// One page of records about the actor: the staff reads in it, and the oldest record's
    /// sequence number when there may be more.
    async fn data_access_page(
        &self,
        actor: &Actor,
        before_seq: Option<i64>,
    ) -> Result<(Vec<DataAccess>, Option<i64>)> {
        const PAGE: u64 = 100;
        let me = actor.account()?;
        let records = audit::list(
            &self.db,
            &actor.jurisdiction_id,
            &AuditFilter {
                data_subject_id: Some(me.to_string()),
                before_seq,
                limit: PAGE,
                ..AuditFilter::default()
            },
        )
        .await?;
        let oldest = (records.len() as u64 == PAGE)
            .then(|| records.last().map(|r| r.chain_seq))
            .flatten();
        let reads = records
            .into_iter()
            .filter(|r| r.record.actor_id.as_deref() != Some(me))
            .map(|r| DataAccess {
                seq: r.chain_seq,
                at: r.record.created_at,
                staff_name: r.record.actor_label,
                action: r.record.action,
                reason: r.record.reason,
            })
            .collect();
        Ok((reads, oldest))
    }
}
