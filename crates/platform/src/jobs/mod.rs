//! The one durable job queue and its worker loop. Every piece of deferred work is a
//! [`JobKind`]: the queue claims due jobs under a lease (exactly one worker runs a job while
//! its lease holds; a crashed worker's jobs run again when the lease expires), hands each
//! batch to its kind, and settles what the kind decided (done, retry with backoff, deferred,
//! dead) together with the kind's own row, in one transaction.
//!
//! Each module names its kinds in its `ModuleDef` and builds them from its handle
//! (`module::ModuleHandle::job_kinds`); the composition root hands the kinds of the modules
//! that run to the worker loops ([`run_all`]). A job of a kind no module declares is never
//! claimed and shows nowhere; the composition root's tests check that every kind a module
//! builds is declared, once. The platform's own, in [`KINDS`]:
//! - [`NOTIFY_DELIVER`]: send one notification (`notify::worker`);
//! - [`WEBHOOK_DELIVER`]: POST one webhook delivery (`webhooks::worker`).
//!
//! Work is enqueued in the caller's transaction ([`enqueue`]): nothing runs for a change that
//! rolls back. [`admin`] lists stuck and dead jobs and retries a dead one. Finished jobs are
//! removed with their log once older than `keep_done` ([`prune_done`]); dead ones stay. See
//! docs/OPERATIONS.md ("Deferred work").

pub mod admin;

use crate::{Platform, ServiceError, secrets};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use store::jobs::{self as repo, Job, Lane, NewJob, Settle};
use tokio::sync::watch;

/// Sending one notification (the job's subject is the `notifications` row; its lane is the
/// channel, so a node without SMS leaves SMS jobs to others).
pub const NOTIFY_DELIVER: &str = "notify.deliver";
/// POSTing one webhook delivery (the subject is the `webhook_deliveries` row).
pub const WEBHOOK_DELIVER: &str = "webhook.deliver";

/// A kind of job as its module declares it ([`ModuleDef::job_kinds`](crate::ModuleDef)): what
/// the admin view of the queue needs to know of it without running it.
#[derive(Debug, Clone, Copy)]
pub struct JobKindDef {
    /// The name stored in `jobs.kind`: `<module>.<verb>`, unique in the build.
    pub name: &'static str,
    /// Who sees this kind's stuck and dead jobs, and retries them.
    pub administered_by: crate::authz::Permission,
    /// How a dead job is started again ("retry now"), if it may be: the kind's own path,
    /// audited, given the administrator and the job's subject. `None`: a dead job stays dead
    /// (a notification's variables are erased when it dies, so it cannot be rendered again).
    pub retry: Option<RetryFn>,
}

/// Starts a dead job of a kind again: `(platform, administrator, subject id)`.
pub type RetryFn = for<'a> fn(
    &'a Platform,
    &'a crate::authz::Actor,
    &'a str,
) -> BoxFuture<'a, Result<(), ServiceError>>;

/// The platform's kinds of job, in the order the admin view names them.
pub const KINDS: &[JobKindDef] = &[
    JobKindDef {
        name: NOTIFY_DELIVER,
        administered_by: crate::permissions::MANAGE_NOTIFICATIONS,
        retry: None,
    },
    JobKindDef {
        name: WEBHOOK_DELIVER,
        administered_by: crate::permissions::MANAGE_WEBHOOKS,
        retry: Some(redeliver_webhook),
    },
];

/// A dead webhook job is retried as `redeliver_webhook` does it.
fn redeliver_webhook<'a>(
    platform: &'a Platform,
    actor: &'a crate::authz::Actor,
    delivery_id: &'a str,
) -> BoxFuture<'a, Result<(), ServiceError>> {
    Box::pin(async move {
        platform.redeliver_webhook(actor, delivery_id).await?;
        Ok(())
    })
}

/// A future a kind returns; boxed so kinds can be listed side by side.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// One kind of deferred work.
pub trait JobKind: Send + Sync {
    /// The name stored in `jobs.kind`, one its module declares ([`JobKindDef`]).
    fn kind(&self) -> &'static str;
    /// The lanes this node serves (e.g. the notification channels it has transports for);
    /// `[""]` for a kind without lanes, empty to serve none.
    fn lanes(&self) -> Vec<&'static str>;
    /// Runs a batch of claimed jobs of this kind and settles each with [`settle`]. An error
    /// leaves the unsettled jobs to be claimed again when their lease expires.
    fn run<'a>(
        &'a self,
        services: &'a Platform,
        batch: &'a [Job],
        token: &'a str,
    ) -> BoxFuture<'a, Result<(), ServiceError>>;
}

/// How a node runs jobs: one setting for every kind (`[jobs]` in `civicdesk.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobsConfig {
    /// Worker loops this node runs, each serving every kind (0: this node runs no jobs).
    pub workers: usize,
    /// Jobs claimed at a time by one worker.
    pub batch_size: u64,
    /// Pause between polls when nothing is due.
    pub poll_interval: Duration,
    /// How long a claim lasts before another worker may take the job. Must be more than
    /// twice the longest send timeout of a kind, so a send never outlives its claim.
    pub lease: Duration,
    /// How long a finished (`done`) job and its log are kept before a worker loop removes
    /// them. Dead jobs are kept until an administrator retries them.
    pub keep_done: Duration,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            workers: 1,
            batch_size: 20,
            poll_interval: Duration::from_secs(2),
            lease: Duration::from_secs(300),
            keep_done: Duration::from_secs(30 * SECONDS_PER_DAY),
        }
    }
}

const SECONDS_PER_DAY: u64 = 86_400;

/// How often a worker loop removes the finished jobs past `keep_done`.
const PRUNE_EVERY: Duration = Duration::from_secs(3600);

/// Finished jobs removed in one transaction.
const PRUNE_BATCH: u64 = 500;

/// Queues a job inside the caller's transaction, created at `now`, to run at `run_at`; returns
/// its id.
pub async fn enqueue(
    tx: &mut store::Tx,
    kind: &str,
    lane: &str,
    subject_id: Option<&str>,
    jurisdiction_id: Option<&str>,
    run_at: i64,
    now: i64,
) -> Result<String, ServiceError> {
    let job = new_job(kind, lane, subject_id, jurisdiction_id, run_at, now);
    repo::insert(tx, &job).await?;
    Ok(job.id)
}

/// A job to queue (with [`enqueue`]'s defaults), for callers queuing many with one statement.
pub fn new_job(
    kind: &str,
    lane: &str,
    subject_id: Option<&str>,
    jurisdiction_id: Option<&str>,
    run_at: i64,
    now: i64,
) -> NewJob {
    NewJob {
        id: uuid::Uuid::now_v7().to_string(),
        kind: kind.to_string(),
        lane: lane.to_string(),
        subject_id: subject_id.map(str::to_string),
        payload: "{}".into(),
        jurisdiction_id: jurisdiction_id.map(str::to_string),
        run_at,
        created_at: now,
    }
}

/// The delay before the next run of a job that failed its `attempt`-th time, from a kind's
/// schedule (delays in seconds before the 1st, 2nd, … retry, the last repeating), spread
/// ±20 % so that jobs failing together do not retry together.
pub fn backoff(attempt: i64, schedule: &[u64]) -> i64 {
    let jitter =
        f64::from(u32::from_le_bytes(secrets::random_bytes::<4>())) / (f64::from(u32::MAX) + 1.0);
    domain::notify::retry_delay(attempt.max(0) as u32, schedule, jitter) as i64
}

/// What became of one run of a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ran<'a> {
    /// The job's attempt count after this run (unchanged by a deferral).
    pub attempts: i64,
    pub how: Settle,
    /// The outcome for the job's log: `done`, `retry`, `deferred`, `dead`, ….
    pub outcome: &'a str,
    pub detail: &'a str,
}

/// Settles a claimed job inside the caller's transaction and writes its log line; the kind
/// settles its own row in the same transaction. Returns false if the claim was lost (the lease
/// expired and another worker took the job): the caller must then roll back.
pub async fn settle(
    tx: &mut store::Tx,
    job: &Job,
    token: &str,
    now: i64,
    ran: Ran<'_>,
) -> Result<bool, ServiceError> {
    if !repo::settle(tx, &job.id, token, now, ran.attempts, &ran.how).await? {
        tracing::warn!(job = %job.id, kind = %job.kind, "job claim lost before it was settled");
        return Ok(false);
    }
    repo::log(
        tx,
        &repo::Attempt {
            id: uuid::Uuid::now_v7().to_string(),
            job_id: job.id.clone(),
            attempt: ran.attempts,
            at: now,
            outcome: ran.outcome.to_string(),
            detail: crate::notify::safe_detail(ran.detail),
        },
    )
    .await?;
    Ok(true)
}

/// Settles a job on its own, with no row of the kind to change (its subject is gone or was
/// settled from outside).
pub async fn settle_alone(
    services: &Platform,
    job: &Job,
    token: &str,
    how: Settle,
    outcome: &str,
    detail: &str,
) -> Result<(), ServiceError> {
    let now = services.now();
    let mut tx = services.db.begin().await?;
    let ran = Ran {
        attempts: job.attempts,
        how,
        outcome,
        detail,
    };
    if settle(&mut tx, job, token, now, ran).await? {
        tx.commit().await?;
    }
    Ok(())
}

/// The row a job of a kind works on (a notification, a webhook delivery), as
/// [`load_subjects`] reads it.
pub trait Subject: Clone + Send + Sync + Sized {
    /// What the kind's log lines call it: "message", "delivery".
    const NOUN: &'static str;
    fn id(&self) -> &str;
    fn status(&self) -> &str;
    /// Whether it still waits for its job, rather than settled from outside (an SMS delivery
    /// receipt) or by an earlier run.
    fn pending(&self) -> bool;
    /// Reads the rows with these ids (those that still exist), marking the pending ones as
    /// being worked on.
    fn load(
        services: &Platform,
        ids: &[&str],
    ) -> impl Future<Output = Result<Vec<Self>, ServiceError>> + Send;
}

/// What every kind does first with a claimed batch: loads the rows its jobs work on, settles
/// as done the jobs whose row no longer exists or no longer waits for them, and returns the
/// others with their row, in the batch's order.
pub async fn load_subjects<'b, S: Subject>(
    services: &Platform,
    batch: &'b [Job],
    token: &str,
) -> Result<Vec<(&'b Job, S)>, ServiceError> {
    let ids: Vec<&str> = batch
        .iter()
        .filter_map(|j| j.subject_id.as_deref())
        .collect();
    let rows: HashMap<String, S> = S::load(services, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id().to_string(), s))
        .collect();
    let mut open = Vec::with_capacity(batch.len());
    for job in batch {
        let Some(row) = job.subject_id.as_ref().and_then(|id| rows.get(id)) else {
            let detail = format!("the {} no longer exists", S::NOUN);
            settle_alone(services, job, token, Settle::Done, "done", &detail).await?;
            continue;
        };
        if !row.pending() {
            // Settled from outside: nothing left to do.
            let detail = format!("the {} is already {}", S::NOUN, row.status());
            settle_alone(services, job, token, Settle::Done, "done", &detail).await?;
            continue;
        }
        open.push((job, row.clone()));
    }
    Ok(open)
}

/// Whether a claimed job has too little of its lease left for a send that may take
/// `send_timeout`: the kind then hands it back untouched (a deferral to now).
pub fn lease_too_short(job: &Job, now: i64, send_timeout: Duration) -> bool {
    now + send_timeout.as_secs() as i64 >= job.locked_until.unwrap_or(0)
}

/// Claims one batch of due jobs of the given kinds and runs each kind's share; returns how
/// many jobs were claimed.
pub async fn process_batch(
    services: &Platform,
    kinds: &[&dyn JobKind],
    config: &JobsConfig,
) -> Result<usize, ServiceError> {
    let lanes: Vec<Lane<'static>> = kinds
        .iter()
        .flat_map(|k| {
            let kind = k.kind();
            k.lanes().into_iter().map(move |lane| Lane { kind, lane })
        })
        .collect();
    let token = uuid::Uuid::now_v7().to_string();
    let claimed = repo::claim(
        &services.db,
        services.now(),
        config.lease.as_secs() as i64,
        config.batch_size,
        &lanes,
        &token,
    )
    .await?;
    for k in kinds {
        let batch: Vec<Job> = claimed
            .iter()
            .filter(|j| j.kind == k.kind())
            .cloned()
            .collect();
        if !batch.is_empty() {
            k.run(services, &batch, &token).await?;
        }
    }
    Ok(claimed.len())
}

/// Removes the jobs that finished (`done`) more than `keep_done` ago by the services' clock,
/// with their log, a batch per transaction; returns how many. Dead jobs are kept: an
/// administrator must see them.
pub async fn prune_done(services: &Platform, keep_done: Duration) -> Result<u64, ServiceError> {
    let keep = i64::try_from(keep_done.as_secs()).unwrap_or(i64::MAX);
    let before = services.now().saturating_sub(keep);
    let mut removed = 0;
    loop {
        let n = repo::prune_done(&services.db, before, PRUNE_BATCH).await?;
        removed += n;
        if n < PRUNE_BATCH {
            return Ok(removed);
        }
    }
}

/// Runs one worker loop over the given kinds until `shutdown` turns true (or its sender is
/// dropped). A full batch is followed at once by the next; otherwise the loop waits
/// `poll_interval`. At its start and then hourly it removes the finished jobs past
/// `keep_done` ([`prune_done`]), also on a node that serves no lane.
pub async fn run_worker(
    services: Platform,
    kinds: Vec<Box<dyn JobKind>>,
    config: JobsConfig,
    mut shutdown: watch::Receiver<bool>,
) {
    let kinds: Vec<&dyn JobKind> = kinds.iter().map(|k| k.as_ref()).collect();
    let serving = kinds.iter().any(|k| !k.lanes().is_empty());
    let mut next_prune = tokio::time::Instant::now();
    loop {
        if *shutdown.borrow() {
            break;
        }
        if tokio::time::Instant::now() >= next_prune {
            match prune_done(&services, config.keep_done).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "finished jobs removed"),
                Err(e) => tracing::warn!(error = %e, "removing finished jobs failed"),
            }
            next_prune = tokio::time::Instant::now() + PRUNE_EVERY;
        }
        let pause = if serving {
            let handled = match process_batch(&services, &kinds, &config).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e, "job batch failed");
                    0
                }
            };
            if handled as u64 >= config.batch_size {
                continue;
            }
            config.poll_interval
        } else {
            PRUNE_EVERY
        };
        tokio::select! {
            changed = shutdown.changed() => if changed.is_err() { break },
            _ = tokio::time::sleep(pause) => {}
        }
    }
}

/// The platform's kinds this node runs, built once from the configuration (transports, HTTP
/// client); a kind turned off for this node (`notify.workers = 0`, `webhooks.workers = 0`) is
/// left out. The platform's `ModuleHandle::job_kinds`.
pub fn kinds(services: &Platform) -> Result<Vec<Box<dyn JobKind>>, ServiceError> {
    let mut kinds: Vec<Box<dyn JobKind>> = Vec::new();
    if services.config().notify.enabled {
        kinds.push(Box::new(
            crate::notify::Notifier::new(services).map_err(ServiceError::Internal)?,
        ));
    }
    if services.config().webhooks.enabled {
        kinds.push(Box::new(
            crate::webhooks::worker::Sender::new(&services.config().webhooks)
                .map_err(ServiceError::Internal)?,
        ));
    }
    Ok(kinds)
}

/// Runs one worker loop over `kinds` (every kind of the modules this node runs, as the
/// composition root builds them) until `shutdown` turns true. What a server starts
/// `jobs.workers` times.
pub async fn run_all(
    services: Platform,
    kinds: Result<Vec<Box<dyn JobKind>>, ServiceError>,
    shutdown: watch::Receiver<bool>,
) {
    let notify = &services.config().notify;
    if notify.enabled && notify.smtp.is_none() {
        tracing::info!("SMTP is not configured: e-mail notifications wait in the outbox");
    }
    if notify.enabled && notify.sms.is_none() {
        tracing::info!("the SMS gateway is not configured: SMS notifications wait in the outbox");
    }
    match kinds {
        Ok(kinds) => {
            let config = services.config().jobs;
            run_worker(services, kinds, config, shutdown).await;
        }
        Err(e) => tracing::error!(error = %e, "job worker not started"),
    }
}

/// Runs every job of `kinds` that is due now until none is left (at most 100 batches), then
/// removes the finished jobs past `keep_done` as a worker loop does; returns how many were
/// claimed. For tests and one-off runs; servers run [`run_worker`] loops.
pub async fn run_due(
    services: &Platform,
    kinds: &[Box<dyn JobKind>],
) -> Result<usize, ServiceError> {
    let kinds: Vec<&dyn JobKind> = kinds.iter().map(|k| k.as_ref()).collect();
    let config = JobsConfig {
        batch_size: 100,
        ..services.config().jobs
    };
    let mut total = 0;
    for _ in 0..100 {
        let n = process_batch(services, &kinds, &config).await?;
        total += n;
        if (n as u64) < config.batch_size {
            break;
        }
    }
    prune_done(services, config.keep_done).await?;
    Ok(total)
}

impl Platform {
    /// Runs every job of the platform's kinds that is due now ([`run_due`]); the composition
    /// root's `web::Modules::run_due_jobs` runs every module's.
    pub async fn run_due_jobs(&self) -> Result<usize, ServiceError> {
        run_due(self, &kinds(self)?).await
    }
}
