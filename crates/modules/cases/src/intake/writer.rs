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
//! The writer is a task of its own, started by the filing that finds none running and
//! stopping when nothing waits, so a batch is written to its end even if the request that
//! started the writer is cancelled (its client went away) while others wait on it. (A task
//! per filing, each taking the writer's turn, piled up under sustained load: every turn found
//! new filings to write, so the queue of turns grew by a batch's size less one each time, to
//! hundreds of megabytes within seconds.) If a batch fails, each of its filings is written
//! alone, so that one bad filing fails only itself.

use super::Filing;
use crate::casework::CaseChange;
use crate::domain::case_event::CaseEventKind;
use crate::domain::case_number::CaseNumber;
use crate::store::case_work::WorkView;
use crate::store::cases::NewCase;
use crate::{CasesApp, Result, ServiceError};
use std::sync::Mutex;
use tokio::sync::oneshot;

/// The most filings one transaction takes. Large enough for every connection of a busy
/// node at once; small enough that a batch's statements stay well inside the backends'
/// limits and its transaction short.
pub const MAX_BATCH: usize = 256;

type Reply = oneshot::Sender<Result<CaseNumber>>;

/// Filings waiting for the writer, and whether a writer task is running.
#[derive(Default)]
pub(crate) struct FilingQueue {
    state: Mutex<QueueState>,
}

#[derive(Default)]
struct QueueState {
    pending: Vec<(Filing, Reply)>,
    /// A writer task is running, and will look at `pending` again before it stops.
    writing: bool,
}

impl FilingQueue {
    fn state(&self) -> std::sync::MutexGuard<'_, QueueState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next batch, or `None` (and the writer stops) when nothing waits.
    fn next_batch(&self) -> Option<Vec<(Filing, Reply)>> {
        let mut state = self.state();
        if state.pending.is_empty() {
            state.writing = false;
            return None;
        }
        let n = state.pending.len().min(MAX_BATCH);
        Some(state.pending.drain(..n).collect())
    }
}

/// Marks the writer stopped if its task ends early (a panic), so that the next filing
/// starts another instead of waiting for one that is gone.
struct WriterGuard<'a>(&'a FilingQueue);

impl Drop for WriterGuard<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.state().writing = false;
        }
    }
}

impl CasesApp {
    /// Writes a filing with whatever else is waiting, and answers with its case number once
    /// it is committed.
    pub(crate) async fn write_filing(&self, filing: Filing) -> Result<CaseNumber> {
        let (reply, answer) = oneshot::channel();
        let start_writer = {
            let mut state = self.filings.state();
            state.pending.push((filing, reply));
            !std::mem::replace(&mut state.writing, true)
        };
        if start_writer {
            let services = self.clone();
            tokio::spawn(async move { services.run_writer().await });
        }
        answer
            .await
            .map_err(|_| ServiceError::Internal("the filing writer stopped".into()))?
    }

    /// The writer: writes batches until nothing waits. One runs at a time.
    async fn run_writer(&self) {
        let _guard = WriterGuard(&self.filings);
        while let Some(batch) = self.filings.next_batch() {
            self.write_queued(batch).await;
        }
    }

    /// Writes one batch and answers each of its filers.
    async fn write_queued(&self, batch: Vec<(Filing, Reply)>) {
        let (filings, replies): (Vec<Filing>, Vec<Reply>) = batch.into_iter().unzip();
        match self.write_batch(&filings).await {
            Ok(numbers) => {
                for (reply, number) in replies.into_iter().zip(numbers) {
                    let _ = reply.send(Ok(number));
                }
            }
            Err(e) if filings.len() == 1 => {
                if let Some(reply) = replies.into_iter().next() {
                    let _ = reply.send(Err(e));
                }
            }
            Err(e) => {
                tracing::warn!(filings = filings.len(), error = %e, "a batch of filings failed; writing them one by one");
                for (filing, reply) in filings.iter().zip(replies) {
                    let one = self
                        .write_batch(std::slice::from_ref(filing))
                        .await
                        .and_then(|mut n| {
                            n.pop().ok_or_else(|| {
                                ServiceError::Internal("no case number for a filing".into())
                            })
                        });
                    let _ = reply.send(one);
                }
            }
        }
    }

    /// Writes filings in one transaction; their case numbers, in order.
    async fn write_batch(&self, filings: &[Filing]) -> Result<Vec<CaseNumber>> {
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
