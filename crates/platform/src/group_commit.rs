//! Group commit: writes that must each be committed before they are answered, taken together.
//!
//! On SQLite all writers take turns, and a write of a few statements is bounded by its round
//! trips inside the write lock (each two thread wake-ups) and by writers queueing for the lock,
//! not by SQLite itself. So a write that is ready joins a queue, and one writer task at a time
//! takes everything queued (up to the queue's batch size) and writes it in one transaction
//! ([`BatchWriter::write_batch`]). When nobody is writing, a lone write goes at once; under
//! load, the writes that arrive while one batch is written form the next. Each is answered
//! only after the commit that holds it; a write whose caller has gone while it waited (a
//! cancelled request) is dropped before its batch is written.
//!
//! The writer is a task of its own, started by the write that finds none running and stopping
//! when nothing waits, so a batch is written to its end even if the request that started the
//! writer is cancelled while others wait on it. (A task per write, each taking the writer's
//! turn, piles up under sustained load.) If a batch fails, each of its writes is written alone,
//! so that one bad write fails only itself. Used by the hotline's filings, the payment
//! gateway's notices and the kiosks' code verifications.
//!
//! On SQLite, writer tasks run on a thread of their own ([`writers`]), not among the request
//! tasks (on PostgreSQL, where transactions run side by side, they stay among them). A
//! batch awaits each of its statements, and every await gave the worker thread to the next
//! request task in the queue: under load the writer waited behind dozens of requests each time
//! its statement came back, while the write lock it held kept every other write waiting (64
//! kiosks back to back: of a batch's 13 ms, 5 were statements and most of the rest was that
//! wait). On its own thread the writer is woken by the operating system as soon as its
//! statement is done.
//!
//! A queue may **gather** ([`GroupCommit::gathering`]): after a batch of several writes the
//! writer waits, for a bounded time, until as many are waiting again before it writes the
//! next. Callers that each wait for their write before sending the next (kiosks, each with
//! one person at it) otherwise split into two groups that take turns: the few whose requests
//! arrived while a batch was written go alone at once, and the many that arrive just after
//! wait for them. A batch has a cost of its own (its statements' round trips, each two thread
//! wake-ups on a machine busy with the requests), so two batches a turn cost nearly twice one
//! (64 kiosks back to back: batches of 38 and 26, or 62 and 2, each about 9 ms). A lone write
//! (the last batch held one) never waits.

use crate::jobs::BoxFuture;
use crate::{Result, ServiceError};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::{Notify, oneshot};

/// What writes a batch: in one transaction, one answer per item, in order.
pub trait BatchWriter<I, O>: Clone + Send + Sync + 'static {
    fn write_batch<'a>(&'a self, items: &'a [I]) -> BoxFuture<'a, Result<Vec<O>>>;

    /// Whether the batches go to an embedded database (SQLite), whose writer runs on the
    /// writers' thread ([`writers`]). A server database's writer stays among the requests:
    /// a connection it opened there would be driven by that one thread for every later user.
    fn embedded(&self) -> bool;
}

type Reply<O> = oneshot::Sender<Result<O>>;

/// Writes waiting for the writer, and whether a writer task is running.
pub struct GroupCommit<I, O> {
    state: Mutex<Waiting<I, O>>,
    max_batch: usize,
    /// How long the writer may wait for a batch to gather (none: it never waits).
    gather: Option<Duration>,
    /// Told when as many writes wait as the gathering writer wants.
    gathered: Notify,
}

struct Waiting<I, O> {
    pending: Vec<(I, Reply<O>)>,
    /// A writer task is running, and will look at `pending` again before it stops.
    writing: bool,
    /// How many writes the gathering writer waits for (0: it is not waiting).
    wanted: usize,
}

impl<I, O> GroupCommit<I, O> {
    /// A queue whose batches hold at most `max_batch` writes: large enough for every
    /// connection of a busy node at once, small enough that a batch's transaction stays short.
    pub fn new(max_batch: usize) -> GroupCommit<I, O> {
        GroupCommit {
            state: Mutex::new(Waiting {
                pending: Vec::new(),
                writing: false,
                wanted: 0,
            }),
            max_batch: max_batch.max(1),
            gather: None,
            gathered: Notify::new(),
        }
    }

    /// A queue whose writer, after a batch of several writes, waits up to `most` until as
    /// many wait again (see the module's notes).
    pub fn gathering(mut self, most: Duration) -> GroupCommit<I, O> {
        self.gather = Some(most);
        self
    }

    fn state(&self) -> MutexGuard<'_, Waiting<I, O>> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next batch, or `None` (and the writer stops) when nothing waits.
    fn next_batch(&self) -> Option<Vec<(I, Reply<O>)>> {
        let mut state = self.state();
        if state.pending.is_empty() {
            state.writing = false;
            return None;
        }
        let n = state.pending.len().min(self.max_batch);
        Some(state.pending.drain(..n).collect())
    }
}

/// Marks the writer stopped if its task ends early (a panic), so that the next write starts
/// another instead of waiting for one that is gone.
struct WriterGuard<'a, I, O>(&'a GroupCommit<I, O>);

impl<I, O> Drop for WriterGuard<'_, I, O> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.state().writing = false;
        }
    }
}

impl<I: Send + Sync + 'static, O: Send + 'static> GroupCommit<I, O> {
    /// Writes `item` with whatever else is waiting, and answers once it is committed.
    pub async fn write<W: BatchWriter<I, O>>(self: &Arc<Self>, writer: &W, item: I) -> Result<O> {
        let (reply, answer) = oneshot::channel();
        let start_writer = {
            let mut state = self.state();
            state.pending.push((item, reply));
            if state.wanted > 0 && state.pending.len() >= state.wanted {
                state.wanted = 0;
                self.gathered.notify_one();
            }
            !std::mem::replace(&mut state.writing, true)
        };
        if start_writer {
            let (queue, w) = (self.clone(), writer.clone());
            let run = async move { queue.run(w).await };
            match writers().filter(|_| writer.embedded()) {
                Some(thread) => thread.spawn(run),
                None => tokio::spawn(run),
            };
        }
        answer
            .await
            .map_err(|_| ServiceError::Internal("the batch writer stopped".into()))?
    }

    /// The writer: writes batches until nothing waits. One runs at a time.
    async fn run<W: BatchWriter<I, O>>(&self, writer: W) {
        let _guard = WriterGuard(self);
        let mut last = 0;
        loop {
            if last > 1
                && let Some(most) = self.gather
            {
                self.wait_for(last, most).await;
            }
            let Some(batch) = self.next_batch() else {
                break;
            };
            // A write whose caller has gone (its request cancelled while it waited) is not
            // written: nobody would be told that it was, and the caller's side (a kiosk, a
            // gateway, a client) takes an unanswered request as not done.
            let batch: Vec<_> = batch
                .into_iter()
                .filter(|(_, reply)| !reply.is_closed())
                .collect();
            last = batch.len();
            if !batch.is_empty() {
                write_queued(&writer, batch).await;
            }
        }
    }

    /// Waits until `wanted` writes wait (or as many as a batch takes), or `most` has passed.
    async fn wait_for(&self, wanted: usize, most: Duration) {
        let wanted = wanted.min(self.max_batch);
        let deadline = tokio::time::Instant::now() + most;
        loop {
            // Listening before looking: a write that comes in between is not missed. (A
            // wake-up left over from an earlier wait only costs another look.)
            let told = self.gathered.notified();
            tokio::pin!(told);
            told.as_mut().enable();
            {
                let mut state = self.state();
                if state.pending.len() >= wanted {
                    state.wanted = 0;
                    return;
                }
                state.wanted = wanted;
            }
            if tokio::time::timeout_at(deadline, told).await.is_err() {
                self.state().wanted = 0;
                return;
            }
        }
    }
}

/// The runtime of the writers' thread, started by the first write (`None` if the thread
/// could not be started; the writers then run among the request tasks). One thread serves
/// every queue of the process: a writer spends most of its time waiting for the database,
/// and the writers of one database take turns anyway.
fn writers() -> Option<&'static tokio::runtime::Handle> {
    static WRITERS: std::sync::OnceLock<Option<tokio::runtime::Handle>> =
        std::sync::OnceLock::new();
    WRITERS
        .get_or_init(|| {
            // The runtime is built on its thread, so that nothing here drops one (a runtime
            // dropped inside async code panics).
            let (sender, handle) = std::sync::mpsc::channel();
            let started = std::thread::Builder::new()
                .name("group-commit".into())
                .spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build();
                    match runtime {
                        Ok(runtime) => {
                            let _ = sender.send(Some(runtime.handle().clone()));
                            runtime.block_on(std::future::pending::<()>());
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "no runtime for the batch writers");
                            let _ = sender.send(None);
                        }
                    }
                });
            match started {
                Ok(_) => handle.recv().ok().flatten(),
                Err(e) => {
                    tracing::warn!(error = %e, "no thread for the batch writers");
                    None
                }
            }
        })
        .as_ref()
}

/// Writes one batch and answers each of its writes.
async fn write_queued<I, O, W: BatchWriter<I, O>>(writer: &W, batch: Vec<(I, Reply<O>)>) {
    let (items, replies): (Vec<I>, Vec<Reply<O>>) = batch.into_iter().unzip();
    let started = std::time::Instant::now();
    let written = writer.write_batch(&items).await;
    tracing::debug!(
        writes = items.len(),
        micros = started.elapsed().as_micros() as u64,
        ok = written.is_ok(),
        "a batch written"
    );
    match written {
        Ok(answers) => {
            for (reply, answer) in replies.into_iter().zip(answers) {
                let _ = reply.send(Ok(answer));
            }
        }
        Err(e) if items.len() == 1 => {
            if let Some(reply) = replies.into_iter().next() {
                let _ = reply.send(Err(e));
            }
        }
        Err(e) => {
            tracing::warn!(writes = items.len(), error = %e, "a batch failed; writing its items one by one");
            for (item, reply) in items.iter().zip(replies) {
                let one = writer
                    .write_batch(std::slice::from_ref(item))
                    .await
                    .and_then(|mut answers| {
                        answers.pop().ok_or_else(|| {
                            ServiceError::Internal("no answer for a write of a batch".into())
                        })
                    });
                let _ = reply.send(one);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Doubles numbers in batches; refuses a batch holding 13; counts the batches and keeps
    /// the largest. The first batch waits for the gate.
    #[derive(Clone, Default)]
    struct Doubler {
        batches: Arc<AtomicUsize>,
        largest: Arc<AtomicUsize>,
        gate: Arc<tokio::sync::Notify>,
        written: Arc<Mutex<Vec<u32>>>,
        sizes: Arc<Mutex<Vec<usize>>>,
    }

    impl BatchWriter<u32, u32> for Doubler {
        fn write_batch<'a>(&'a self, items: &'a [u32]) -> BoxFuture<'a, Result<Vec<u32>>> {
            Box::pin(async move {
                if self.batches.fetch_add(1, Ordering::SeqCst) == 0 {
                    self.gate.notified().await;
                }
                self.largest.fetch_max(items.len(), Ordering::SeqCst);
                self.sizes
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(items.len());
                self.written
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .extend(items);
                if items.contains(&13) {
                    return Err(ServiceError::Internal("13".into()));
                }
                Ok(items.iter().map(|i| i * 2).collect())
            })
        }

        fn embedded(&self) -> bool {
            true
        }
    }

    /// Waits (yielding) until `done` holds; fails after 10 s rather than hang.
    async fn until(what: &str, done: impl Fn() -> bool) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !done() {
            assert!(
                std::time::Instant::now() < deadline,
                "waited 10 s for {what}"
            );
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn writes_go_together_each_gets_its_answer_and_a_bad_one_fails_alone() {
        let queue = Arc::new(GroupCommit::new(8));
        let writer = Doubler::default();
        let first = {
            let (q, w) = (queue.clone(), writer.clone());
            tokio::spawn(async move { q.write(&w, 0).await })
        };
        // The writer holds the first batch (0 alone) before the others are sent.
        until("the first batch", || {
            writer.batches.load(Ordering::SeqCst) > 0
        })
        .await;
        let mut tasks = Vec::new();
        for i in 1..100u32 {
            let (q, w) = (queue.clone(), writer.clone());
            tasks.push(tokio::spawn(async move { (i, q.write(&w, i).await) }));
        }
        // While the first batch is held, the other 99 wait together.
        until("99 waiting", || queue.state().pending.len() == 99).await;
        writer.gate.notify_one();
        assert_eq!(first.await.expect("task").expect("answer"), 0);
        for t in tasks {
            let (i, answer) = t.await.expect("task");
            if i == 13 {
                assert!(answer.is_err());
            } else {
                assert_eq!(answer.expect("answer"), i * 2);
            }
        }
        assert_eq!(writer.largest.load(Ordering::SeqCst), 8);
        // The lone first, 99 in batches of 8 (13), and the failed batch's 8 one by one.
        assert_eq!(writer.batches.load(Ordering::SeqCst), 1 + 13 + 8);
        until("the writer to stop", || !queue.state().writing).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_write_whose_caller_has_gone_is_not_written() {
        let queue = Arc::new(GroupCommit::new(8));
        let writer = Doubler::default();
        let first = {
            let (q, w) = (queue.clone(), writer.clone());
            tokio::spawn(async move { q.write(&w, 1).await })
        };
        until("the first batch", || {
            writer.batches.load(Ordering::SeqCst) > 0
        })
        .await;
        // While the first batch is held, 2 and 3 wait; the caller of 2 goes away.
        let gone = {
            let (q, w) = (queue.clone(), writer.clone());
            tokio::spawn(async move { q.write(&w, 2).await })
        };
        let kept = {
            let (q, w) = (queue.clone(), writer.clone());
            tokio::spawn(async move { q.write(&w, 3).await })
        };
        until("2 waiting", || queue.state().pending.len() == 2).await;
        gone.abort();
        assert!(gone.await.is_err(), "cancelled");
        writer.gate.notify_one();
        assert_eq!(first.await.expect("task").expect("answer"), 2);
        assert_eq!(kept.await.expect("task").expect("answer"), 6);
        let written = writer.written.lock().expect("lock").clone();
        assert_eq!(written, [1, 3]);
    }

    fn send(
        queue: &Arc<GroupCommit<u32, u32>>,
        writer: &Doubler,
        i: u32,
    ) -> tokio::task::JoinHandle<Result<u32>> {
        let (q, w) = (queue.clone(), writer.clone());
        tokio::spawn(async move { q.write(&w, i).await })
    }

    /// Its answer, or a failure after 10 s rather than a hang.
    async fn answered(task: tokio::task::JoinHandle<Result<u32>>) -> u32 {
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("answered within 10 s")
            .expect("task")
            .expect("answer")
    }

    /// After a batch of four, a gathering writer waits until four wait again (callers that
    /// each send their next write once answered are not split into two alternating batches),
    /// and no longer than its bound; after a lone write it does not wait at all.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_gathering_writer_waits_for_as_many_as_its_last_batch_within_its_bound() {
        let bound = Duration::from_secs(2);
        let queue = Arc::new(GroupCommit::new(8).gathering(bound));
        let writer = Doubler::default();
        let sizes = || writer.sizes.lock().expect("lock").clone();
        let first = send(&queue, &writer, 0);
        until("the first batch", || {
            writer.batches.load(Ordering::SeqCst) > 0
        })
        .await;
        let four: Vec<_> = (1..=4).map(|i| send(&queue, &writer, i)).collect();
        until("4 waiting", || queue.state().pending.len() == 4).await;
        writer.gate.notify_one();
        answered(first).await;
        for t in four {
            answered(t).await;
        }
        // Three of the next four arrive: they wait for the fourth, which is written with
        // them as soon as it comes (long before the bound).
        let three: Vec<_> = (5..=7).map(|i| send(&queue, &writer, i)).collect();
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(sizes(), [1, 4], "three written before the fourth came");
        let started = std::time::Instant::now();
        let fourth = send(&queue, &writer, 8);
        for t in three {
            answered(t).await;
        }
        answered(fourth).await;
        assert!(
            started.elapsed() < bound / 2,
            "the fourth waited {:?}",
            started.elapsed()
        );
        assert_eq!(sizes(), [1, 4, 4]);
        // Only two of the next four: written when the bound has passed (its clock started
        // when the four were answered, before these were sent).
        let started = std::time::Instant::now();
        let two: Vec<_> = (9..=10).map(|i| send(&queue, &writer, i)).collect();
        for t in two {
            answered(t).await;
        }
        assert!(
            started.elapsed() >= bound / 2,
            "written after {:?}",
            started.elapsed()
        );
        assert_eq!(sizes(), [1, 4, 4, 2]);
        // The writer waited (in vain) for two more, then stopped; a lone write now goes at
        // once, and so does the next.
        until("the writer to stop", || !queue.state().writing).await;
        answered(send(&queue, &writer, 11)).await;
        until("the writer to stop", || !queue.state().writing).await;
        let started = std::time::Instant::now();
        answered(send(&queue, &writer, 12)).await;
        assert!(started.elapsed() < bound / 2);
        assert_eq!(sizes(), [1, 4, 4, 2, 1, 1]);
    }
}
