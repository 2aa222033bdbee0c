//! The pool: connecting, transactions, reads and one-statement writes.

use super::checkpoint::{self, Committed};
use super::{Backend, Row, Statement, StoreError, Tx, query};
use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sqlx::AssertSqlSafe;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

/// A pool of connections to one database.
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite allows one writer at a time. The pool's write transactions queue on
    /// [`WriteLock`] in the process instead of contending for the file lock, where the loser
    /// sleeps in SQLite's busy handler (1, 2, 5, 10… ms) and may time out. The pool itself
    /// serves reads.
    Sqlite(sqlx::SqlitePool, WriteLock),
    Postgres(sqlx::PgPool),
}

/// The process's turn to write to one SQLite database (see [`Db::Sqlite`]), and the one
/// connection every write transaction of the process runs on. Other processes (a CLI command
/// beside the server) still meet the file lock and its busy timeout.
///
/// One connection for the writes keeps its page cache: SQLite empties a connection's cache
/// when it finds that another connection wrote since its last transaction, so with the turn
/// passed among the read pool's connections each write transaction read its B-tree pages back
/// from the file (a verification round spent more time in `pread` than in SQLite). The turn
/// also tells the pool's checkpointer of each commit, and the checkpointer takes it between
/// two transactions to let the log start again (see `checkpoint`).
#[derive(Clone, Debug)]
pub struct WriteLock {
    turn: std::sync::Arc<tokio::sync::Mutex<Committed>>,
    writer: sqlx::SqlitePool,
}

/// SQLite's soft heap limit (bytes), shared by every connection of the process. Each pooled
/// connection may cache 32 MB, 512 MB for a pool of sixteen. In a hand run, an idle server
/// that had made one supervision pass over 94,000 open cases held 320 MB without the limit,
/// mostly in the C heaps of SQLite's threads, and 195 MB with it.
const SQLITE_HEAP_LIMIT: i64 = 96 * 1024 * 1024;

impl Db {
    /// Connects to `url`: `sqlite://path/to/file.db` (created with its directory if missing) or
    /// `postgres://…`.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Db, StoreError> {
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let path = path.split('?').next().unwrap_or(path);
            if let Some(dir) = std::path::Path::new(path).parent()
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
                    path: dir.display().to_string(),
                    source,
                })?;
            }
            let options = SqliteConnectOptions::new()
                .filename(path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .pragma("cache_size", "-32000")
                // One memory budget for SQLite in the whole process: each pooled connection
                // may cache 32 MB, but together they stay near this bound (SQLite recycles
                // cached pages past it; the file itself stays in the OS page cache).
                .pragma("soft_heap_limit", SQLITE_HEAP_LIMIT.to_string());
            // No ping before each acquire: SQLite runs in-process, so a connection cannot
            // have been dropped by a server, and sqlx's ping is a round trip to the
            // connection's worker thread, doubling the thread hand-offs of a one-query read.
            let pool = SqlitePoolOptions::new()
                .max_connections(max_connections.max(2))
                .min_connections(1)
                .test_before_acquire(false)
                .connect_with(options.clone())
                .await?;
            let writer = SqlitePoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
                .test_before_acquire(false)
                .connect_with(options.clone().pragma(
                    "wal_autocheckpoint",
                    checkpoint::WRITER_BACKSTOP.to_string(),
                ))
                .await?;
            let turn = std::sync::Arc::new_cyclic(|turn| {
                tokio::sync::Mutex::new(checkpoint::start(options, turn.clone()))
            });
            Ok(Db::Sqlite(pool, WriteLock { turn, writer }))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let options = PgConnectOptions::from_str(url)?.application_name("civicdesk");
            let pool = PgPoolOptions::new()
                .max_connections(max_connections.max(2))
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(options)
                .await?;
            Ok(Db::Postgres(pool))
        } else {
            Err(StoreError::UnsupportedUrl(url.to_string()))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(..) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// Starts a write transaction. On SQLite it is `BEGIN IMMEDIATE`, so a transaction that
    /// reads before it writes never fails to upgrade its lock under concurrency.
    pub async fn begin(&self) -> Result<Tx, StoreError> {
        Ok(match self {
            Db::Sqlite(_, lock) => {
                let turn = lock.turn.clone().lock_owned().await;
                Tx::Sqlite(lock.writer.begin_with("BEGIN IMMEDIATE").await?, turn)
            }
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    pub async fn fetch_all(&self, stmt: &impl Statement) -> Result<Vec<Row>, StoreError> {
        Ok(match self {
            Db::Sqlite(pool, _) => {
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                query(sql, values)
                    .fetch_all(pool)
                    .await?
                    .into_iter()
                    .map(Row::Sqlite)
                    .collect()
            }
            Db::Postgres(pool) => {
                let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
                query(sql, values)
                    .fetch_all(pool)
                    .await?
                    .into_iter()
                    .map(Row::Postgres)
                    .collect()
            }
        })
    }

    pub async fn fetch_optional(&self, stmt: &impl Statement) -> Result<Option<Row>, StoreError> {
        Ok(match self {
            Db::Sqlite(pool, _) => {
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                query(sql, values)
                    .fetch_optional(pool)
                    .await?
                    .map(Row::Sqlite)
            }
            Db::Postgres(pool) => {
                let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
                query(sql, values)
                    .fetch_optional(pool)
                    .await?
                    .map(Row::Postgres)
            }
        })
    }

    /// Runs a single write statement in its own transaction.
    pub async fn execute(&self, stmt: &impl Statement) -> Result<u64, StoreError> {
        let mut tx = self.begin().await?;
        let n = tx.execute(stmt).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> Result<(), StoreError> {
        match self {
            Db::Sqlite(pool, _) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
            Db::Postgres(pool) => {
                sqlx::query("SELECT 1").execute(pool).await?;
            }
        }
        Ok(())
    }

    /// Refreshes the query planner's statistics (`ANALYZE`). Without them SQLite takes an
    /// equality on `jurisdiction_id` for a selective filter, which it is not when one city holds
    /// most cases: after an import of 1.6 M cases the updates feed took 1.6 s and SLA
    /// supervision 5.5 s a round, against 0.4 s and 0.9 s with statistics. PostgreSQL's
    /// autovacuum keeps its own, but a bulk load gets ahead of it; and the new rows' visibility
    /// is not yet recorded, so the first reads of each page would write it (hint bits) and
    /// autovacuum would start a pass over the whole table minutes later, in the middle of the
    /// traffic. There this runs `VACUUM (ANALYZE)`, which settles both now. Run after bulk
    /// changes.
    pub async fn analyze(&self) -> Result<(), StoreError> {
        match self {
            Db::Sqlite(pool, _) => {
                sqlx::query("ANALYZE").execute(pool).await?;
            }
            Db::Postgres(pool) => {
                // VACUUM refuses a transaction block: sent as a simple query, on its own.
                sqlx::raw_sql("VACUUM (ANALYZE)").execute(pool).await?;
            }
        }
        Ok(())
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool, lock) => {
                lock.turn.lock().await.stop().await;
                lock.writer.close().await;
                pool.close().await;
            }
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

/// Creates an empty PostgreSQL database next to the one `admin_url` names and returns its URL.
/// Used by tests and benchmarks so every run starts from a clean schema.
pub async fn create_postgres_database(admin_url: &str, name: &str) -> Result<String, StoreError> {
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err(StoreError::UnsupportedUrl(name.to_string()));
    }
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(admin_url)
        .await?;
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .execute(&pool)
        .await?;
    pool.close().await;
    let (base, _) = admin_url
        .rsplit_once('/')
        .ok_or_else(|| StoreError::UnsupportedUrl(admin_url.to_string()))?;
    let query = admin_url
        .split_once('?')
        .map(|(_, q)| format!("?{q}"))
        .unwrap_or_default();
    Ok(format!("{base}/{name}{query}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// See `.cargo/config.toml`: without the query planner stability guarantee, a cached
    /// statement whose plan looked at a bound value is re-parsed and re-planned on every
    /// execution; with it and STAT4, the planner misjudged indexes on skewed columns.
    #[tokio::test]
    async fn sqlite_plans_ignore_bound_values_and_samples() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let Db::Sqlite(pool, _) = Db::connect(&url, 2).await.unwrap() else {
            unreachable!("a SQLite URL")
        };
        let options: Vec<String> = sqlx::query_scalar("PRAGMA compile_options")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert!(
            options.iter().any(|o| o.starts_with("THREADSAFE")),
            "{options:?}"
        );
        assert!(
            options.iter().any(|o| o == "ENABLE_QPSG"),
            "SQLite was built without ENABLE_QPSG; build from the repository so \
             .cargo/config.toml applies: {options:?}"
        );
        assert!(
            !options.iter().any(|o| o.contains("STAT4")),
            "SQLite was built with STAT4: {options:?}"
        );
    }

    async fn run(tx: &mut Tx, sql: &'static str) {
        let Tx::Sqlite(tx, _) = tx else {
            unreachable!("a SQLite transaction")
        };
        sqlx::query(sql).execute(&mut **tx).await.unwrap();
    }

    /// A new SQLite database `t.db` in `dir`, with a table `t` of blobs (one a page).
    async fn blob_db(dir: &std::path::Path) -> Db {
        let db = Db::connect(&format!("sqlite://{}", dir.join("t.db").display()), 4)
            .await
            .unwrap();
        let mut tx = db.begin().await.unwrap();
        run(
            &mut tx,
            "CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)",
        )
        .await;
        tx.commit().await.unwrap();
        db
    }

    /// `transactions` write transactions back to back, each about 21 pages; the largest the
    /// log file `wal` grew to, in bytes.
    async fn churn(db: &Db, wal: &std::path::Path, transactions: usize) -> u64 {
        let mut largest = 0;
        for _ in 0..transactions {
            let mut tx = db.begin().await.unwrap();
            for _ in 0..20 {
                run(&mut tx, "INSERT INTO t (body) VALUES (zeroblob(4000))").await;
            }
            run(&mut tx, "DELETE FROM t WHERE id % 3 = 0").await;
            tx.commit().await.unwrap();
            largest = largest.max(std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0));
        }
        largest
    }

    /// The checkpointer copies committed pages into the database file soon after the commit,
    /// long before the writer's own (past `WRITER_BACKSTOP` pages of log) would; and with
    /// writes that never stop and a reader always in, the log stays bounded.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_log_is_copied_soon_after_commits_and_stays_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let db = blob_db(dir.path()).await;
        let Db::Sqlite(pool, _) = &db else {
            unreachable!("a SQLite URL")
        };
        let file_len = || std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        tokio::time::sleep(Duration::from_millis(300)).await;
        let before = file_len();
        // 50 pages, far below the writers' automatic checkpoint.
        let mut tx = db.begin().await.unwrap();
        for _ in 0..50 {
            run(&mut tx, "INSERT INTO t (body) VALUES (zeroblob(4000))").await;
        }
        tx.commit().await.unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while file_len() < before + 50 * 4096 {
            assert!(
                std::time::Instant::now() < deadline,
                "the pages stayed in the log: the file has {} bytes, {before} before",
                file_len(),
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        // Writes that never stop, a reader always reading: the log stays bounded.
        let reading = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
        let reader = {
            let (pool, reading) = (pool.clone(), reading.clone());
            tokio::spawn(async move {
                while reading.load(std::sync::atomic::Ordering::Relaxed) {
                    sqlx::query("SELECT max(id) FROM t")
                        .fetch_one(&pool)
                        .await
                        .unwrap();
                }
            })
        };
        let largest = churn(&db, &dir.path().join("t.db-wal"), 600).await;
        reading.store(false, std::sync::atomic::Ordering::Relaxed);
        reader.await.unwrap();
        // 12,000 pages (48 MB) and more written: the log started again from its beginning
        // (past 4,000 pages the checkpointer starts it again between two transactions, the
        // writer's backstop at 8,000 pages or 33 MB if it could not, as soon as the reader
        // let it).
        assert!(
            largest < 48 * 1024 * 1024,
            "the log grew to {largest} bytes"
        );
    }

    /// A database closed while the checkpointer copies a long log closes: the stop sent by
    /// `close` (with the write turn held) during that pass is seen before the checkpointer
    /// waits for a commit to start the log again, which would never come.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_database_closed_during_a_long_copy_closes() {
        let dir = tempfile::tempdir().unwrap();
        let db = blob_db(dir.path()).await;
        let mut tx = db.begin().await.unwrap();
        // One commit past `RESTART_AT` pages: the pass after it is long, and finds the log
        // long enough to start again.
        run(
            &mut tx,
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 4500) \
             INSERT INTO t (body) SELECT zeroblob(4000) FROM n",
        )
        .await;
        tx.commit().await.unwrap();
        tokio::time::sleep(checkpoint::GATHER + Duration::from_millis(5)).await;
        tokio::time::timeout(Duration::from_secs(20), db.close())
            .await
            .expect("the database did not close");
    }

    /// Under writes that never stop, the checkpointer starts the log again between two
    /// transactions once it passes `RESTART_AT` pages, before a commit takes it to the
    /// writer's own checkpoint at `WRITER_BACKSTOP` (with which alone it reached 33 MB).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_log_starts_again_between_transactions_before_a_commit_must() {
        let dir = tempfile::tempdir().unwrap();
        let db = blob_db(dir.path()).await;
        let frame = 4096 + 24;
        // About 21,000 pages: the log would pass the backstop twice.
        let largest = churn(&db, &dir.path().join("t.db-wal"), 1_000).await;
        assert!(
            largest > checkpoint::RESTART_AT as u64 * frame,
            "the log never reached the restart ({largest} bytes): the test wrote too little"
        );
        assert!(
            largest < u64::from(checkpoint::WRITER_BACKSTOP) * frame,
            "the log grew to {largest} bytes, to the writer's backstop"
        );
        db.close().await;
    }
}
