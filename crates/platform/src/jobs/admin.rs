//! The administrator's view of the job queue: the jobs that need a look (dead, stuck with an
//! expired lease, or overdue because no worker takes them) and "retry now" for a dead one.
//!
//! A kind's jobs are shown to whoever administers that kind over the jurisdiction, as its
//! module declares it ([`JobKindDef`](super::JobKindDef)): notification jobs need
//! `manage_notifications`, webhook jobs `manage_webhooks`.

use crate::authz::{Actor, Permission, Target};
use crate::{JobKindDef, Platform, ServiceError};
use domain::Message;
use store::jobs::{self as repo, Job};

/// Most jobs listed at a time.
pub const MAX_PAGE: u64 = 200;
/// A queued job due longer than this (seconds) is overdue: no worker is taking it.
pub const OVERDUE_AFTER_SECS: i64 = 15 * 60;

/// Why a job is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trouble {
    /// Failed for good; only a retry starts it again.
    Dead,
    /// Claimed by a worker whose lease has expired: the worker died or hangs.
    Stuck,
    /// Due for more than [`OVERDUE_AFTER_SECS`] and not taken by any worker.
    Overdue,
}

impl Trouble {
    pub fn as_str(self) -> &'static str {
        match self {
            Trouble::Dead => "dead",
            Trouble::Stuck => "stuck",
            Trouble::Overdue => "overdue",
        }
    }
}

/// A job as the admin view lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobView {
    pub id: String,
    /// The kind's name (`jobs.kind`).
    pub kind: String,
    pub lane: String,
    /// The notification or delivery the job works on.
    pub subject_id: Option<String>,
    pub trouble: Trouble,
    pub status: String,
    pub attempts: i64,
    pub run_at: i64,
    pub locked_until: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Whether "retry now" is offered.
    pub retryable: bool,
}

fn view(j: Job, retryable: bool) -> JobView {
    let trouble = match j.status.as_str() {
        repo::STATUS_DEAD => Trouble::Dead,
        repo::STATUS_RUNNING => Trouble::Stuck,
        _ => Trouble::Overdue,
    };
    JobView {
        retryable: trouble == Trouble::Dead && retryable,
        id: j.id,
        kind: j.kind,
        lane: j.lane,
        subject_id: j.subject_id,
        trouble,
        status: j.status,
        attempts: j.attempts,
        run_at: j.run_at,
        locked_until: j.locked_until,
        last_error: j.last_error,
        created_at: j.created_at,
        updated_at: j.updated_at,
    }
}

fn not_found() -> ServiceError {
    ServiceError::NotFound(Message::new("error-job-unknown"))
}

impl Platform {
    /// The kinds whose jobs the actor may see: those of the build's modules that the actor
    /// administers.
    pub fn visible_job_kinds(&self, actor: &Actor) -> Vec<&'static str> {
        self.running_job_kinds()
            .filter(|k| actor.may(k.administered_by, Target::Jurisdiction))
            .map(|k| k.name)
            .collect()
    }

    /// The kinds of job of the build's modules that run.
    fn running_job_kinds(&self) -> impl Iterator<Item = &'static JobKindDef> + '_ {
        self.build()
            .iter()
            .filter(|m| self.config().modules.runs(m.module))
            .flat_map(|m| m.job_kinds.iter())
    }

    /// The permissions that administer a kind of job of the build, each once: who holds any
    /// of them is offered the job queue's page.
    pub fn job_administrators(&self) -> Vec<Permission> {
        let mut out: Vec<Permission> = Vec::new();
        for k in self.running_job_kinds() {
            if !out.contains(&k.administered_by) {
                out.push(k.administered_by);
            }
        }
        out
    }

    /// The jobs of the actor's jurisdiction that need a look, newest first, of the kinds the
    /// actor administers.
    pub async fn troubled_jobs(
        &self,
        actor: &Actor,
        limit: u64,
    ) -> Result<Vec<JobView>, ServiceError> {
        let kinds = self.visible_job_kinds(actor);
        if kinds.is_empty() {
            return Err(crate::authz::forbidden());
        }
        let now = self.now();
        let jobs = repo::troubled(
            &self.db,
            &actor.jurisdiction_id,
            now,
            OVERDUE_AFTER_SECS,
            limit.clamp(1, MAX_PAGE),
        )
        .await?;
        Ok(jobs
            .into_iter()
            .filter(|j| kinds.contains(&j.kind.as_str()))
            .map(|j| {
                let retryable = self.job_kind(&j.kind).is_some_and(|k| k.retry.is_some());
                view(j, retryable)
            })
            .collect())
    }

    /// Starts a dead job again now, with a fresh round of attempts, through its kind's own
    /// path (a webhook job is redelivered as `redeliver_webhook` does, audited).
    pub async fn retry_job(&self, actor: &Actor, id: &str) -> Result<(), ServiceError> {
        let job = repo::get(&self.db, id).await?.ok_or_else(not_found)?;
        if job.jurisdiction_id.as_deref() != Some(actor.jurisdiction_id.as_str()) {
            return Err(not_found());
        }
        let kind = self.job_kind(&job.kind).ok_or_else(not_found)?;
        actor.require(kind.administered_by, Target::Jurisdiction)?;
        let retry = match kind.retry {
            Some(retry) if job.status == repo::STATUS_DEAD => retry,
            _ => {
                return Err(ServiceError::invalid(
                    Message::new("error-job-not-retryable").arg("status", &job.status),
                ));
            }
        };
        let subject = job.subject_id.as_deref().ok_or_else(not_found)?;
        retry(self, actor, subject).await
    }
}

/// Makes the job of a kind working on `subject_id` run again now, in the caller's transaction:
/// a dead or finished job is queued again with a fresh round of attempts; a subject without a
/// job (work finished before the queue existed) gets a new one; a queued or running job is
/// left as it is.
pub async fn rerun_subject(
    tx: &mut store::Tx,
    kind: &str,
    lane: &str,
    subject_id: &str,
    jurisdiction_id: &str,
    now: i64,
) -> Result<(), ServiceError> {
    match repo::of_subject(tx, kind, subject_id).await? {
        Some(job) => {
            if repo::requeue(tx, &job.id, now).await? {
                repo::log(
                    tx,
                    &repo::Attempt {
                        id: uuid::Uuid::now_v7().to_string(),
                        job_id: job.id.clone(),
                        attempt: 0,
                        at: now,
                        outcome: "requeued".into(),
                        detail: "retry requested".into(),
                    },
                )
                .await?;
            }
        }
        None => {
            super::enqueue(
                tx,
                kind,
                lane,
                Some(subject_id),
                Some(jurisdiction_id),
                now,
                now,
            )
            .await?;
        }
    }
    Ok(())
}
