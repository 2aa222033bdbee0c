//! Filings are written in batches ("group commit").
//!
//! Every filing must be committed before it is acknowledged, and on SQLite all writers take
//! turns. Written one by one, a filing costs eight round trips to the database inside the
//! write lock (BEGIN, case number, case, chain head, event, new head, webhook subscriptions,
//! COMMIT), and each round trip is two thread wake-ups: that, not SQLite, bounded durable
//! `POST requests` to about 900 per second (bench/README.md).
//!
//! So a filing that is ready to be written joins a queue, and one writer at a time takes
//! everything queued (up to [`MAX_BATCH`]) and writes it in one transaction: the case
//! numbers of a day with one statement, the cases with a multi-row insert, the `create`
//! events as one stretch of the jurisdiction's hash chain (`events::append_many`). When
//! nobody is writing, a lone filing is written at once, as before; under load, the filings
//! that arrive while one batch is written form the next. Each filing is answered only after
//! the commit that holds it.
//!
//! The queue and its writer task are `platform::group_commit`'s (also the payment gateway's
//! notices'); what is written, and how a batch becomes one transaction, is here.

use super::Filing;
use crate::casework::CaseChange;
use crate::domain::case_event::CaseEventKind;
use crate::domain::case_number::CaseNumber;
use crate::store::case_work::WorkView;
use crate::store::cases::NewCase;
use crate::{CasesApp, Result, ServiceError};
use platform::group_commit::{BatchWriter, GroupCommit};
use platform::jobs::BoxFuture;

/// The most filings one transaction takes. Large enough for every connection of a busy
/// node at once; small enough that a batch's statements stay well inside the backends'
/// limits and its transaction short.
pub const MAX_BATCH: usize = 256;

/// Filings waiting to be written together.
pub(crate) type FilingQueue = GroupCommit<Filing, CaseNumber>;

/// A queue for filings.
pub(crate) fn filing_queue() -> FilingQueue {
    GroupCommit::new(MAX_BATCH)
}

impl BatchWriter<Filing, CaseNumber> for CasesApp {
    fn write_batch<'a>(&'a self, items: &'a [Filing]) -> BoxFuture<'a, Result<Vec<CaseNumber>>> {
        Box::pin(self.write_filings(items))
    }

    fn embedded(&self) -> bool {
        self.platform.db.backend() == ::store::Backend::Sqlite
    }
}

impl CasesApp {
    /// Writes a filing with whatever else is waiting, and answers with its case number once
    /// it is committed.
    pub(crate) async fn write_filing(&self, filing: Filing) -> Result<CaseNumber> {
        self.filings.write(self, filing).await
    }

    /// Writes filings in one transaction; their case numbers, in order.
    async fn write_filings(&self, filings: &[Filing]) -> Result<Vec<CaseNumber>> {
        let mut tx = self.db.begin().await?;
        // Case numbers: one statement per jurisdiction and local day, taken in batch order.
        let mut numbers: Vec<Option<CaseNumber>> = filings.iter().map(|_| None).collect();
        for ((jurisdiction_id, day), members) in
            groups(filings, |f| (f.jurisdiction.id.as_str(), f.day.as_str()))
        {
            let n = u32::try_from(members.len())
                .map_err(|_| ServiceError::Internal("batch too large".into()))?;
            let taken =
                crate::store::cases::next_case_numbers(&mut tx, jurisdiction_id, day, n).await?;
            for (i, number) in members.into_iter().zip(taken) {
                numbers[i] = Some(number);
            }
        }
        let numbers: Vec<CaseNumber> = numbers
            .into_iter()
            .map(|n| n.ok_or_else(|| ServiceError::Internal("no case number for a filing".into())))
            .collect::<Result<_>>()?;
        let cases: Vec<NewCase> = filings
            .iter()
            .zip(&numbers)
            .map(|(f, n)| NewCase {
                case_number: n.to_string(),
                ..f.case.clone()
            })
            .collect();
        crate::store::cases::insert_many(&mut tx, &cases).await?;
        for (f, case) in filings.iter().zip(&cases) {
            let j = &f.jurisdiction;
            if !f.reporter.is_empty() {
                let id = uuid::Uuid::now_v7().to_string();
                crate::store::cases::insert_reporter(
                    &mut tx,
                    &id,
                    &j.id,
                    &case.id,
                    &f.reporter,
                    case.requested_at,
                )
                .await?;
            }
            // A reporter's photos are published with the case (unless it is confidential).
            crate::media::record_media(&mut tx, &j.id, &case.id, &f.media, true, case.requested_at)
                .await?;
        }
        // The `create` events: one stretch of each jurisdiction's chain, in batch order.
        for (jurisdiction_id, members) in groups(filings, |f| f.jurisdiction.id.as_str()) {
            let events = members
                .iter()
                .map(|&i| filings[i].created.clone())
                .collect();
            crate::store::events::append_many(&mut tx, jurisdiction_id, events).await?;
        }
        // What a filing sets off (the desk's caller key, the reporter's notice, webhooks):
        // the case listeners, over the whole batch.
        let works: Vec<WorkView> = cases.iter().map(WorkView::of_new).collect();
        let changes: Vec<CaseChange> = filings
            .iter()
            .zip(&works)
            .map(|(f, work)| CaseChange {
                reporter_phone: f.reporter.phone.as_deref(),
                no_reporter: f.reporter.is_empty(),
                ..CaseChange::new(
                    &f.jurisdiction,
                    work,
                    CaseEventKind::Filed,
                    &f.created.id,
                    true,
                )
            })
            .collect();
        self.case_changed(&mut tx, &changes).await?;
        tx.commit().await?;
        Ok(numbers)
    }
}

/// The indices of `filings` grouped by `key`, groups in order of first appearance and
/// members in batch order.
fn groups<'a, K: PartialEq>(
    filings: &'a [Filing],
    key: impl Fn(&'a Filing) -> K,
) -> Vec<(K, Vec<usize>)> {
    let mut out: Vec<(K, Vec<usize>)> = Vec::new();
    for (i, f) in filings.iter().enumerate() {
        let k = key(f);
        match out.iter_mut().find(|(g, _)| *g == k) {
            Some((_, members)) => members.push(i),
            None => out.push((k, vec![i])),
        }
    }
    out
}
