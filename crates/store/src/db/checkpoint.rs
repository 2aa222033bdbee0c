//! SQLite's WAL checkpoints, kept off the write lock and out of commits.
//!
//! In WAL mode a commit appends pages to the log, and a checkpoint copies them back into the
//! database file. By default the connection whose commit takes the log past 1,000 pages runs
//! the checkpoint inside that commit, so the whole copy is paid by one writer while the
//! process's `WriteLock` is held and every other writer waits: under sustained writes (kiosks
//! verifying codes back to back) that was 40% of the writer's time.
//!
//! Here a task of the pool's own, with a connection of its own, follows the writes: shortly
//! after a commit it runs a PASSIVE checkpoint, which copies whatever no reader still needs
//! and waits for nobody. A PASSIVE checkpoint alone never lets the log start again under
//! writers that never stop: the log restarts only when a write transaction begins with every
//! page of it copied *and synced* and no reader still reading a snapshot in it, and a busy
//! writer begins its next transaction as soon as it commits. So when a pass finds the log past [`RESTART_AT`] pages, the checkpointer takes
//! the write turn right after the next commit (its writer has its answer) and copies the
//! rest, about that one transaction: the next write starts the log again. The pause falls
//! between two transactions, where a batch's answers are on their way and the next batch
//! gathers, instead of inside a commit, which held the answers of the batch that paid it and,
//! behind them, the next batch. The writer keeps SQLite's automatic
//! checkpoint only as a backstop ([`WRITER_BACKSTOP`] pages), for when the checkpointer cannot
//! keep up or its connection fails.

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};
use std::sync::Weak;
use std::time::Duration;
use tokio::sync::{Mutex, watch};

/// The log's length (pages) past which a writer copies it itself, in its commit: only when
/// the checkpointer falls behind (SQLite's default, 1,000, made every commit of a busy
/// writer run a checkpoint, with its `fsync`, under the write lock: a tenth of the writer's
/// time when kiosks verified codes back to back). About 33 MB of log.
pub(crate) const WRITER_BACKSTOP: u32 = 8_000;

/// The log's length (pages) past which the checkpointer starts it again between two
/// transactions: far enough below [`WRITER_BACKSTOP`] that the checkpointer, passing
/// [`GATHER`] after each commit it is told of, gets there first under the heaviest writes
/// measured (about 60 pages a millisecond), and far enough above SQLite's 1,000 that the pause (copying and syncing the
/// last transaction's pages with the turn held: 5 to 7 ms for 450 to 700 pages on the
/// benchmark machine) comes seldom. About 16 MB of log.
pub(crate) const RESTART_AT: i64 = 4_000;

/// How long the checkpointer lets writes gather after one it was told of. Short, so that
/// under sustained writes a pass starts right after a commit and copies about one
/// transaction while the next gathers (20 ms let three gather: a pass of 1,300 pages and
/// its two `fsync`s then ran through the middle of the next batch, adding 4 to 7 ms to it);
/// a write now and then costs a pass of its own, as it did.
pub(crate) const GATHER: Duration = Duration::from_millis(2);

/// Tells the checkpointer that something was committed, or to stop. Dropped with the pool's
/// last handle, which stops the checkpointer too.
#[derive(Debug)]
pub struct Committed {
    /// `true` once the checkpointer is to stop.
    tell: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Committed {
    pub(crate) fn tell(&self) {
        self.tell.send_if_modified(|_| true);
    }

    /// Stops the checkpointer; its connection is closed when this returns (`Db::close`: a
    /// closed database is no longer open in this process).
    pub(crate) async fn stop(&mut self) {
        self.tell.send_replace(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

/// The write turn of the database the checkpointer follows (`WriteLock::turn`): weak, so
/// that the checkpointer does not keep its own pool's lock alive.
pub(crate) type Turn = Weak<Mutex<Committed>>;

/// Starts the checkpointer of the database `options` open, whose writers take `turn`.
pub(crate) fn start(options: SqliteConnectOptions, turn: Turn) -> Committed {
    let (tell, receiver) = watch::channel(false);
    Committed {
        tell,
        task: Some(tokio::spawn(run(options, receiver, turn))),
    }
}

/// The checkpointer: its connection, opened when first needed and again after a failure.
struct Checkpointer {
    options: SqliteConnectOptions,
    conn: Option<SqliteConnection>,
    /// The log's length past which the next restart is tried: [`RESTART_AT`] while the log is
    /// short, and a quarter of it past the log's length at each try, so that a reader holding
    /// the log (a long read) does not bring a pause after every commit.
    restart_at: i64,
}

/// What a pass found: the log's length and how much of it is copied, in pages.
#[derive(Debug, Clone, Copy)]
struct Pass {
    log: i64,
    copied: i64,
}

async fn run(options: SqliteConnectOptions, mut committed: watch::Receiver<bool>, turn: Turn) {
    let mut c = Checkpointer {
        options,
        conn: None,
        restart_at: RESTART_AT,
    };
    while committed.changed().await.is_ok() {
        if *committed.borrow_and_update() {
            break;
        }
        tokio::time::sleep(GATHER).await;
        if *committed.borrow_and_update() {
            break;
        }
        let Some(pass) = c.pass().await else {
            continue;
        };
        if pass.log < RESTART_AT {
            c.restart_at = RESTART_AT;
        } else if pass.log >= c.restart_at {
            // Tried once per quarter of `RESTART_AT` pages of growth: a restart that did not
            // happen (a reader on an older snapshot kept the pass from copying everything, or
            // still held its place in the log when the next write began) is not tried again
            // after every commit, each time pausing the writers for nothing.
            c.restart_at = pass.log + RESTART_AT / 4;
            if pass.copied < pass.log {
                continue;
            }
            if !c.restart(&turn, &mut committed).await {
                break;
            }
        }
    }
    if let Some(conn) = c.conn {
        let _ = conn.close().await;
    }
}

impl Checkpointer {
    /// One PASSIVE checkpoint, if it ran.
    async fn pass(&mut self) -> Option<Pass> {
        match self.try_pass().await {
            Ok(pass) => Some(pass),
            Err(e) => {
                // The writers' own checkpoint still bounds the log; the next commit tries
                // again with a new connection.
                tracing::warn!(error = %e, "a background WAL checkpoint failed");
                self.conn = None;
                None
            }
        }
    }

    async fn try_pass(&mut self) -> Result<Pass, sqlx::Error> {
        let c = match &mut self.conn {
            Some(c) => c,
            None => self.conn.insert(self.options.connect().await?),
        };
        let (busy, log, copied): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&mut *c)
            .await?;
        tracing::debug!(busy, log, copied, "a background WAL checkpoint");
        Ok(Pass { log, copied })
    }

    /// Lets the next write start the log again: after the next commit, with the write turn
    /// held (no transaction in progress), copies the rest. If a reader still reads an older
    /// snapshot the copy stops short of it, and the log goes on growing until a later try.
    /// `false` when the checkpointer is to stop.
    async fn restart(&mut self, turn: &Turn, committed: &mut watch::Receiver<bool>) -> bool {
        // The turn is asked for right after a commit, while that transaction's writer sends
        // its answers and the next one gathers: the copy of its pages (the passes after each
        // commit have copied the ones before) then overlaps the gathering. Asked for after a
        // pass of its own, the turn came at the end of the next transaction, whose pages were
        // copied with it held and the pause was a transaction longer.
        //
        // A stop sent during the pass that called this is seen here: `Db::close` sends it with
        // the turn held and waits for this task, so waiting for a commit then would never end.
        if *committed.borrow_and_update()
            || committed.changed().await.is_err()
            || *committed.borrow_and_update()
        {
            return false;
        }
        let Some(turn) = turn.upgrade() else {
            return false;
        };
        let held = turn.lock_owned();
        tokio::pin!(held);
        // The turn, unless told to stop meanwhile (`Db::close` stops the checkpointer with the
        // turn held); commits told meanwhile are copied by the pass below. The lock is fair:
        // transactions already waiting for the turn go first, and their pages are copied too.
        let held = loop {
            tokio::select! {
                held = &mut held => break held,
                told = committed.changed() => {
                    if told.is_err() || *committed.borrow_and_update() {
                        return false;
                    }
                }
            }
        };
        let started = std::time::Instant::now();
        let pass = self.pass().await;
        drop(held);
        tracing::debug!(
            ?pass,
            micros = started.elapsed().as_micros() as u64,
            "the WAL copied with the write turn held"
        );
        true
    }
}
