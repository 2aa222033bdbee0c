//! SQLite's WAL checkpoints, mostly kept off the write lock.
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
//! page of it copied, and a busy writer begins its next transaction as soon as it commits.
//! So the writer keeps SQLite's automatic checkpoint as a backstop ([`WRITER_BACKSTOP`]
//! pages, not SQLite's 1,000): when the log passes it, the commit finishes the copy (by then
//! only the last commits' pages) and the log starts again at the next write. The log stays
//! bounded, and the copying is done beside the writer instead of in its way.

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};
use std::time::Duration;
use tokio::sync::watch;

/// The log's length (pages) past which a writer copies it itself, in its commit: only when
/// the checkpointer falls behind (SQLite's default, 1,000, made every commit of a busy
/// writer run a checkpoint, with its `fsync`, under the write lock: a tenth of the writer's
/// time when kiosks verified codes back to back). About 33 MB of log.
pub(crate) const WRITER_BACKSTOP: u32 = 8_000;

/// How long the checkpointer lets writes gather after one it was told of: a few batches,
/// so that a page written by each is copied once.
const GATHER: Duration = Duration::from_millis(20);

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

/// Starts the checkpointer of the database `options` open.
pub(crate) fn start(options: SqliteConnectOptions) -> Committed {
    let (tell, receiver) = watch::channel(false);
    Committed {
        tell,
        task: Some(tokio::spawn(run(options, receiver))),
    }
}

async fn run(options: SqliteConnectOptions, mut committed: watch::Receiver<bool>) {
    let mut conn: Option<SqliteConnection> = None;
    while committed.changed().await.is_ok() {
        if *committed.borrow_and_update() {
            break;
        }
        tokio::time::sleep(GATHER).await;
        if *committed.borrow_and_update() {
            break;
        }
        if let Err(e) = checkpoint(&options, &mut conn).await {
            // The writers' own checkpoint still bounds the log; the next commit tries again
            // with a new connection.
            tracing::warn!(error = %e, "a background WAL checkpoint failed");
            conn = None;
        }
    }
    if let Some(c) = conn {
        let _ = c.close().await;
    }
}

async fn checkpoint(
    options: &SqliteConnectOptions,
    conn: &mut Option<SqliteConnection>,
) -> Result<(), sqlx::Error> {
    let c = match conn {
        Some(c) => c,
        None => conn.insert(options.connect().await?),
    };
    let (busy, log, copied): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(&mut *c)
        .await?;
    tracing::debug!(busy, log, copied, "a background WAL checkpoint");
    Ok(())
}
