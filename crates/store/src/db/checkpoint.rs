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
//! and waits for nobody. The writers keep SQLite's automatic checkpoint, which then finds
//! almost everything already copied and only finishes the tail; the log, fully copied, starts
//! again from its beginning at the next write. So the log stays bounded as before (a PASSIVE
//! checkpoint alone never catches up with writers that never stop, and the log would grow
//! without end), and the copying is done beside the writers instead of in their way.

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{ConnectOptions, Connection};
use std::time::Duration;
use tokio::sync::watch;

/// How long the checkpointer lets writes gather after one it was told of: a few batches,
/// so that a page written by each is copied once.
const GATHER: Duration = Duration::from_millis(20);

/// Tells the checkpointer that something was committed. Dropped with the pool's last handle,
/// which stops the checkpointer.
#[derive(Debug)]
pub struct Committed(watch::Sender<()>);

impl Committed {
    pub(crate) fn tell(&self) {
        self.0.send_replace(());
    }
}

/// Starts the checkpointer of the database `options` open; it runs until the returned sender
/// is dropped.
pub(crate) fn start(options: SqliteConnectOptions) -> Committed {
    let (sender, receiver) = watch::channel(());
    tokio::spawn(run(options, receiver));
    Committed(sender)
}

async fn run(options: SqliteConnectOptions, mut committed: watch::Receiver<()>) {
    let mut conn: Option<SqliteConnection> = None;
    while committed.changed().await.is_ok() {
        tokio::time::sleep(GATHER).await;
        committed.borrow_and_update();
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
