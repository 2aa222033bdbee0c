//! The one durable job queue: every piece of deferred work (a notification to send, a webhook
//! to deliver, and the kinds still to come) is a row of `jobs`, claimed under a lease by
//! workers on any node.
//!
//! Jobs are inserted in the caller's transaction (so nothing runs for a change that rolls
//! back). The claim is one statement on both backends: `UPDATE … WHERE id IN (SELECT id …
//! FOR UPDATE SKIP LOCKED LIMIT n) RETURNING …`. PostgreSQL skips rows another worker holds;
//! SQLite has no row locks (sea-query leaves the clause out) but runs the statement inside
//! `BEGIN IMMEDIATE`, which serialises writers. A claim sets `locked_until` and a fresh
//! `claim_token`: a worker that dies mid-batch loses its jobs when the lease expires, and its
//! late answer is ignored because every settlement needs the token.
//!
//! What a job works on stays in its own table (`notifications`, `webhook_deliveries`); the
//! kind settles that row in the same transaction as the job (see `services::jobs`).

use crate::attempt_log::{Line, Log};
use crate::db::{Db, Row, StoreError, Tx};
use sea_query::{
    Condition, Expr, ExprTrait, LockBehavior, LockType, Order, Query, SelectStatement,
    UpdateStatement,
};

pub const STATUS_QUEUED: &str = "queued";
pub const STATUS_RUNNING: &str = "running";
pub const STATUS_DONE: &str = "done";
pub const STATUS_DEAD: &str = "dead";

/// A job to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub id: String,
    pub kind: String,
    /// A part of the kind not every node serves (a notification's channel), or empty.
    pub lane: String,
    pub subject_id: Option<String>,
    /// A JSON object; `{}` when the subject row says all.
    pub payload: String,
    pub jurisdiction_id: Option<String>,
    pub run_at: i64,
    pub created_at: i64,
}

/// A stored job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: String,
    pub kind: String,
    pub lane: String,
    pub subject_id: Option<String>,
    pub payload: String,
    pub jurisdiction_id: Option<String>,
    pub status: String,
    pub attempts: i64,
    pub run_at: i64,
    pub locked_until: Option<i64>,
    pub claim_token: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: [&str; 14] = [
    "id",
    "kind",
    "lane",
    "subject_id",
    "payload",
    "jurisdiction_id",
    "status",
    "attempts",
    "run_at",
    "locked_until",
    "claim_token",
    "last_error",
    "created_at",
    "updated_at",
];

fn from_row(r: &Row) -> Result<Job, StoreError> {
    Ok(Job {
        id: r.get("id")?,
        kind: r.get("kind")?,
        lane: r.get("lane")?,
        subject_id: r.get("subject_id")?,
        payload: r.get("payload")?,
        jurisdiction_id: r.get("jurisdiction_id")?,
        status: r.get("status")?,
        attempts: r.get("attempts")?,
        run_at: r.get("run_at")?,
        locked_until: r.get("locked_until")?,
        claim_token: r.get("claim_token")?,
        last_error: r.get("last_error")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

/// Queues a job inside the caller's transaction.
pub async fn insert(tx: &mut Tx, j: &NewJob) -> Result<(), StoreError> {
    insert_many(tx, std::slice::from_ref(j)).await
}

/// Queues jobs inside the caller's transaction, with one statement.
pub async fn insert_many(tx: &mut Tx, jobs: &[NewJob]) -> Result<(), StoreError> {
    if jobs.is_empty() {
        return Ok(());
    }
    let mut stmt = Query::insert()
        .into_table("jobs")
        .columns([
            "id",
            "kind",
            "lane",
            "subject_id",
            "payload",
            "jurisdiction_id",
            "status",
            "attempts",
            "run_at",
            "created_at",
            "updated_at",
        ])
        .to_owned();
    for j in jobs {
        stmt.values_panic([
            j.id.clone().into(),
            j.kind.clone().into(),
            j.lane.clone().into(),
            j.subject_id.clone().into(),
            j.payload.clone().into(),
            j.jurisdiction_id.clone().into(),
            STATUS_QUEUED.into(),
            0i64.into(),
            j.run_at.into(),
            j.created_at.into(),
            j.created_at.into(),
        ]);
    }
    tx.execute(&stmt).await?;
    Ok(())
}

/// A kind and lane a worker serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lane<'a> {
    pub kind: &'a str,
    pub lane: &'a str,
}

/// Claims up to `limit` due jobs of the given lanes for `lease` seconds: queued ones whose
/// time has come, and running ones whose claim expired (a worker crashed). Oldest due first.
pub async fn claim(
    db: &Db,
    now: i64,
    lease: i64,
    limit: u64,
    lanes: &[Lane<'_>],
    token: &str,
) -> Result<Vec<Job>, StoreError> {
    if lanes.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let stmt = claim_statement(now, lease, limit, lanes, token);
    let mut tx = db.begin().await?;
    let rows = tx.fetch_all(&stmt).await?;
    tx.commit().await?;
    let mut claimed = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    claimed.sort_by(|a, b| (a.run_at, &a.id).cmp(&(b.run_at, &b.id)));
    Ok(claimed)
}

fn claim_statement(
    now: i64,
    lease: i64,
    limit: u64,
    lanes: &[Lane<'_>],
    token: &str,
) -> UpdateStatement {
    let mut served = Condition::any();
    for l in lanes {
        served = served.add(
            Expr::col("kind")
                .eq(l.kind)
                .and(Expr::col("lane").eq(l.lane)),
        );
    }
    let due: SelectStatement = Query::select()
        .column("id")
        .from("jobs")
        .cond_where(
            Condition::all().add(served).add(
                Expr::col("status")
                    .eq(STATUS_QUEUED)
                    .and(Expr::col("run_at").lte(now))
                    .or(Expr::col("status")
                        .eq(STATUS_RUNNING)
                        .and(Expr::col("locked_until").lt(now))),
            ),
        )
        .order_by("run_at", Order::Asc)
        .order_by("id", Order::Asc)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .to_owned();
    Query::update()
        .table("jobs")
        .value("status", STATUS_RUNNING)
        .value("locked_until", now + lease)
        .value("claim_token", token)
        .value("updated_at", now)
        .and_where(Expr::col("id").in_subquery(due))
        .returning(Query::returning().columns(COLUMNS))
        .to_owned()
}

/// How a claimed job leaves the `running` state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settle {
    /// Finished; nothing more to do.
    Done,
    /// Failed for now; runs again at `run_at`.
    Retry { run_at: i64, error: String },
    /// Failed for good (permanent error or attempts exhausted); an administrator may retry it.
    Dead { error: String },
    /// Not attempted; runs again at `until` (quiet hours, a daily cap, too little lease left).
    Defer { until: i64 },
}

/// Ends a claim inside the caller's transaction, where the kind also settles its subject row.
/// `attempts` is the job's new attempt count. Returns false (and changes nothing) if the claim
/// was lost: its lease expired and another worker took the job.
pub async fn settle(
    tx: &mut Tx,
    id: &str,
    token: &str,
    now: i64,
    attempts: i64,
    how: &Settle,
) -> Result<bool, StoreError> {
    let mut stmt = Query::update();
    stmt.table("jobs")
        .value("attempts", attempts)
        .value("locked_until", Option::<i64>::None)
        .value("claim_token", Option::<String>::None)
        .value("updated_at", now)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("claim_token").eq(token))
        .and_where(Expr::col("status").eq(STATUS_RUNNING));
    match how {
        Settle::Done => {
            stmt.value("status", STATUS_DONE)
                .value("last_error", Option::<String>::None);
        }
        Settle::Retry { run_at, error } => {
            stmt.value("status", STATUS_QUEUED)
                .value("run_at", *run_at)
                .value("last_error", error.clone());
        }
        Settle::Dead { error } => {
            stmt.value("status", STATUS_DEAD)
                .value("last_error", error.clone());
        }
        Settle::Defer { until } => {
            stmt.value("status", STATUS_QUEUED).value("run_at", *until);
        }
    }
    Ok(tx.execute(&stmt).await? == 1)
}

/// The newest job of a kind working on `subject_id`, read in the caller's transaction.
pub async fn of_subject(
    tx: &mut Tx,
    kind: &str,
    subject_id: &str,
) -> Result<Option<Job>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("jobs")
        .and_where(Expr::col("kind").eq(kind))
        .and_where(Expr::col("subject_id").eq(subject_id))
        .order_by("id", Order::Desc)
        .limit(1)
        .to_owned();
    tx.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Queues a dead (or finished) job again for `now`, with a fresh round of attempts. Returns
/// false if it does not exist or is queued or running.
pub async fn requeue(tx: &mut Tx, id: &str, now: i64) -> Result<bool, StoreError> {
    let stmt = Query::update()
        .table("jobs")
        .value("status", STATUS_QUEUED)
        .value("attempts", 0i64)
        .value("run_at", now)
        .value("last_error", Option::<String>::None)
        .value("updated_at", now)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("status").is_in([STATUS_DEAD, STATUS_DONE]))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

/// Marks the queued jobs of a kind on `subject_id` done: their subject was settled from
/// outside (an SMS delivery receipt), so there is nothing left to run. A running job is left
/// to its worker.
pub async fn finish_subject(
    tx: &mut Tx,
    kind: &str,
    subject_id: &str,
    now: i64,
) -> Result<u64, StoreError> {
    let stmt = Query::update()
        .table("jobs")
        .value("status", STATUS_DONE)
        .value("updated_at", now)
        .and_where(Expr::col("kind").eq(kind))
        .and_where(Expr::col("subject_id").eq(subject_id))
        .and_where(Expr::col("status").eq(STATUS_QUEUED))
        .to_owned();
    tx.execute(&stmt).await
}

/// Removes the jobs of a kind whose subject is one of `subjects` (ids selected by the
/// statement), with their log: the subjects are being deleted.
pub async fn delete_for_subjects(
    tx: &mut Tx,
    kind: &str,
    subjects: SelectStatement,
) -> Result<(), StoreError> {
    let jobs = Query::select()
        .column("id")
        .from("jobs")
        .and_where(Expr::col("kind").eq(kind))
        .and_where(Expr::col("subject_id").in_subquery(subjects.clone()))
        .to_owned();
    let log = Query::delete()
        .from_table("job_attempts")
        .and_where(Expr::col("job_id").in_subquery(jobs))
        .to_owned();
    tx.execute(&log).await?;
    let stmt = Query::delete()
        .from_table("jobs")
        .and_where(Expr::col("kind").eq(kind))
        .and_where(Expr::col("subject_id").in_subquery(subjects))
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Removes up to `limit` jobs that finished (`done`) before `before`, with their log; returns
/// how many. Dead jobs are never removed here: an administrator must see them. On PostgreSQL
/// a job another transaction holds (an administrator's requeue) is skipped until next time.
pub async fn prune_done(db: &Db, before: i64, limit: u64) -> Result<u64, StoreError> {
    let old = Query::select()
        .column("id")
        .from("jobs")
        .and_where(Expr::col("status").eq(STATUS_DONE))
        .and_where(Expr::col("updated_at").lt(before))
        .order_by("updated_at", Order::Asc)
        .limit(limit)
        .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
        .to_owned();
    let mut tx = db.begin().await?;
    let ids = tx
        .fetch_all(&old)
        .await?
        .iter()
        .map(|r| r.get::<String>("id"))
        .collect::<Result<Vec<_>, _>>()?;
    if ids.is_empty() {
        return Ok(0);
    }
    let log = Query::delete()
        .from_table("job_attempts")
        .and_where(Expr::col("job_id").is_in(ids.iter().map(String::as_str)))
        .to_owned();
    tx.execute(&log).await?;
    let jobs = Query::delete()
        .from_table("jobs")
        .and_where(Expr::col("id").is_in(ids.iter().map(String::as_str)))
        .to_owned();
    let removed = tx.execute(&jobs).await?;
    tx.commit().await?;
    Ok(removed)
}

pub async fn get(db: &Db, id: &str) -> Result<Option<Job>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("jobs")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The jobs of a jurisdiction that need a look, newest first: dead ones, running ones whose
/// lease has expired (their worker died and no worker has taken them since), and queued ones
/// due for more than `overdue_after` seconds (no worker serves their lane, or all are busy).
pub async fn troubled(
    db: &Db,
    jurisdiction_id: &str,
    now: i64,
    overdue_after: i64,
    limit: u64,
) -> Result<Vec<Job>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("jobs")
        .cond_where(
            Condition::all()
                .add(Expr::col("jurisdiction_id").eq(jurisdiction_id))
                .add(
                    Condition::any()
                        .add(Expr::col("status").eq(STATUS_DEAD))
                        .add(
                            Expr::col("status")
                                .eq(STATUS_RUNNING)
                                .and(Expr::col("locked_until").lt(now)),
                        )
                        .add(
                            Expr::col("status")
                                .eq(STATUS_QUEUED)
                                .and(Expr::col("run_at").lt(now - overdue_after)),
                        ),
                ),
        )
        .order_by("id", Order::Desc)
        .limit(limit)
        .to_owned();
    db.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

/// One line of a job's log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    pub id: String,
    pub job_id: String,
    pub attempt: i64,
    pub at: i64,
    /// `done`, `retry`, `deferred`, `dead` or `requeued`.
    pub outcome: String,
    pub detail: String,
}

const LOG: Log = Log {
    table: "job_attempts",
    key: "job_id",
};

/// Appends a line to a job's log.
pub async fn log(tx: &mut Tx, a: &Attempt) -> Result<(), StoreError> {
    let line = Line {
        id: &a.id,
        subject_id: &a.job_id,
        attempt: a.attempt,
        at: a.at,
        outcome: &a.outcome,
        detail: &a.detail,
    };
    LOG.append(tx, line).await
}

/// The log of one job, oldest first.
pub async fn attempts(db: &Db, job_id: &str) -> Result<Vec<Attempt>, StoreError> {
    LOG.read(db, job_id, |(id, job_id, attempt, at, outcome, detail)| {
        Attempt {
            id,
            job_id,
            attempt,
            at,
            outcome,
            detail,
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};

    #[test]
    fn the_claim_skips_locked_rows_on_postgres_and_is_plain_on_sqlite() {
        let lanes = [
            Lane {
                kind: "notify.deliver",
                lane: "email",
            },
            Lane {
                kind: "webhook.deliver",
                lane: "",
            },
        ];
        let stmt = claim_statement(100, 300, 10, &lanes, "t");
        let pg = stmt.to_string(PostgresQueryBuilder);
        assert!(pg.contains("FOR UPDATE SKIP LOCKED"), "{pg}");
        assert!(pg.contains("RETURNING"), "{pg}");
        assert!(pg.contains("'webhook.deliver'"), "{pg}");
        let lite = stmt.to_string(SqliteQueryBuilder);
        assert!(!lite.contains("FOR UPDATE"), "{lite}");
        assert!(lite.contains("RETURNING"), "{lite}");
    }
}
