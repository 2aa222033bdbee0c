//! The backend-neutral database handle.
//!
//! Queries are sea-query statements, rendered with the right dialect when executed. Rows are
//! read through [`Row::get`], which works for any type both drivers can decode, so repositories
//! are written once.

use sea_query::{Order, PostgresQueryBuilder, SelectStatement, SqliteQueryBuilder};
use sea_query_sqlx::{SqlxBinder, SqlxValues};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{AssertSqlSafe, Postgres, Row as _, Sqlite};
use std::str::FromStr;
use std::time::Duration;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("unsupported database URL {0:?}: use sqlite://path or postgres://…")]
    UnsupportedUrl(String),
    #[error("could not create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("migration {version} ({name}) was changed after it was applied")]
    MigrationChanged { version: i64, name: String },
    #[error(
        "the database has migration {0}, which this civicdesk does not know: upgrade civicdesk"
    )]
    UnknownMigration(i64),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// Only for a malformed day: the daily sequence itself never runs out.
    #[error("no case number can be made for the day {0}")]
    NoCaseNumber(String),
}

impl StoreError {
    /// True when a unique or primary-key constraint rejected the write.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Sqlx(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A pool of connections to one database.
#[derive(Clone, Debug)]
pub enum Db {
    /// SQLite allows one writer at a time. The pool's write transactions queue on
    /// [`WriteLock`] in the process instead of contending for the file lock, where the loser
    /// sleeps in SQLite's busy handler (1, 2, 5, 10… ms) and may time out.
    Sqlite(sqlx::SqlitePool, WriteLock),
    Postgres(sqlx::PgPool),
}

/// The process's turn to write to one SQLite database (see [`Db::Sqlite`]). Other processes
/// (a CLI command beside the server) still meet the file lock and its busy timeout.
#[derive(Clone, Debug, Default)]
pub struct WriteLock(std::sync::Arc<tokio::sync::Mutex<()>>);

/// A row of either backend.
pub enum Row {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

/// A value type both drivers can decode.
pub trait Column:
    for<'r> sqlx::Decode<'r, Sqlite>
    + sqlx::Type<Sqlite>
    + for<'r> sqlx::Decode<'r, Postgres>
    + sqlx::Type<Postgres>
{
}
impl<T> Column for T where
    T: for<'r> sqlx::Decode<'r, Sqlite>
        + sqlx::Type<Sqlite>
        + for<'r> sqlx::Decode<'r, Postgres>
        + sqlx::Type<Postgres>
{
}

impl Row {
    pub fn get<T: Column>(&self, column: &str) -> Result<T, StoreError> {
        Ok(match self {
            Row::Sqlite(r) => r.try_get(column)?,
            Row::Postgres(r) => r.try_get(column)?,
        })
    }
}

/// A statement sea-query can render for either backend.
pub trait Statement: SqlxBinder {}
impl<T: SqlxBinder> Statement for T {}

pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
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
                .connect_with(options)
                .await?;
            Ok(Db::Sqlite(pool, WriteLock::default()))
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
            Db::Sqlite(pool, lock) => {
                let turn = lock.0.clone().lock_owned().await;
                Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?, turn)
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

    /// Runs `select` and decodes its rows from a single JSON value that the database builds:
    /// an array holding, for each row, an array of the `columns` it outputs (in that order),
    /// sorted by `order`. `T` reads such an array (a struct deriving `Deserialize` with its
    /// fields in the order of `columns`).
    ///
    /// For pages of many rows. Fetched as rows, sqlx's SQLite driver copies every value and
    /// hands each row from its worker thread to the task separately, which wakes the task
    /// once per row; one value crosses instead. SQLite renders a REAL with 15 significant
    /// digits in JSON, so those are written with 17 (exact) here, and a row reads the same
    /// as from [`Db::fetch_all`].
    pub async fn fetch_packed<T: serde::de::DeserializeOwned>(
        &self,
        select: &SelectStatement,
        columns: &[&str],
        order: &[(&str, Order)],
    ) -> Result<Vec<T>, StoreError> {
        let order_by = if order.is_empty() {
            String::new()
        } else {
            let keys: Vec<String> = order
                .iter()
                .map(|(c, o)| {
                    let direction = if matches!(o, Order::Desc) {
                        "DESC"
                    } else {
                        "ASC"
                    };
                    format!("r.\"{c}\" {direction}")
                })
                .collect();
            format!(" ORDER BY {}", keys.join(", "))
        };
        let text: String = match self {
            Db::Sqlite(pool, _) => {
                let (inner, values) = select.build_sqlx(SqliteQueryBuilder);
                let items: Vec<String> = columns
                    .iter()
                    .map(|c| {
                        format!(
                            "CASE typeof(r.\"{c}\") WHEN 'real' \
                             THEN json(printf('%!.17g', r.\"{c}\")) ELSE r.\"{c}\" END"
                        )
                    })
                    .collect();
                let sql = format!(
                    "SELECT json_group_array(json_array({}){order_by}) FROM ({inner}) AS r",
                    items.join(", ")
                );
                query(sql, values).fetch_one(pool).await?.try_get(0)?
            }
            Db::Postgres(pool) => {
                let (inner, values) = select.build_sqlx(PostgresQueryBuilder);
                let items: Vec<String> = columns.iter().map(|c| format!("r.\"{c}\"")).collect();
                let sql = format!(
                    "SELECT coalesce(json_agg(json_build_array({}){order_by}), '[]')::text \
                     FROM ({inner}) AS r",
                    items.join(", ")
                );
                query(sql, values).fetch_one(pool).await?.try_get(0)?
            }
        };
        serde_json::from_str(&text)
            .map_err(|e| StoreError::Corrupt(format!("a page of rows as JSON: {e}")))
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
            Db::Sqlite(pool, _) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

fn query<DB>(sql: String, values: SqlxValues) -> sqlx::query::Query<'static, DB, SqlxValues>
where
    DB: sqlx::Database,
    SqlxValues: for<'q> sqlx::IntoArguments<DB>,
{
    sqlx::query_with(AssertSqlSafe(sql), values)
}

/// A statement rendered for one backend ahead of time, typically on another thread than the
/// one that runs it (bulk imports prepare the next batch while the database writes the
/// current one). Running it neither renders nor copies its values again.
pub struct Rendered {
    backend: Backend,
    sql: String,
    values: SqlxValues,
}

impl Rendered {
    pub fn new(backend: Backend, stmt: &impl Statement) -> Rendered {
        let (sql, values) = match backend {
            Backend::Sqlite => stmt.build_sqlx(SqliteQueryBuilder),
            Backend::Postgres => stmt.build_sqlx(PostgresQueryBuilder),
        };
        Rendered {
            backend,
            sql,
            values,
        }
    }

    /// A multi-row `INSERT INTO table (columns) VALUES (…), (…) suffix` rendered by hand, for
    /// bulk loads. `shared` columns have one value for every row, written as a literal (quoted
    /// by sea-query's backend rules) instead of being bound once per row; `values` hold the
    /// other `columns`, row after row, and are moved into the statement's arguments rather
    /// than copied. Nothing is rendered twice. Tables and columns are trusted identifiers
    /// (constants), never input.
    pub fn multi_row_insert(
        backend: Backend,
        table: &str,
        shared: Vec<(&str, sea_query::Value)>,
        columns: &[&str],
        values: Vec<sea_query::Value>,
        suffix: &str,
    ) -> Rendered {
        use sea_query::QueryBuilder as _;
        use std::fmt::Write as _;
        let width = columns.len().max(1);
        let rows = values.len() / width;
        let literals: Vec<String> = shared
            .iter()
            .map(|(_, v)| match backend {
                Backend::Sqlite => SqliteQueryBuilder.value_to_string(v),
                Backend::Postgres => PostgresQueryBuilder.value_to_string(v),
            })
            .collect();
        let shared_len: usize = literals.iter().map(|l| l.len() + 2).sum();
        let mut sql = String::with_capacity(64 + rows * (shared_len + width * 8));
        let _ = write!(sql, "INSERT INTO \"{table}\" (");
        for (i, c) in shared
            .iter()
            .map(|(c, _)| *c)
            .chain(columns.iter().copied())
            .enumerate()
        {
            if i > 0 {
                sql.push_str(", ");
            }
            let _ = write!(sql, "\"{c}\"");
        }
        sql.push_str(") VALUES ");
        let mut n = 0usize;
        for r in 0..rows {
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for l in &literals {
                sql.push_str(l);
                sql.push_str(", ");
            }
            for i in 0..width {
                if i > 0 {
                    sql.push_str(", ");
                }
                n += 1;
                match backend {
                    Backend::Sqlite => sql.push('?'),
                    Backend::Postgres => {
                        let _ = write!(sql, "${n}");
                    }
                }
            }
            sql.push(')');
        }
        if !suffix.is_empty() {
            sql.push(' ');
            sql.push_str(suffix);
        }
        Rendered {
            backend,
            sql,
            values: SqlxValues(sea_query::Values(values)),
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}

/// An open write transaction. Dropping it without [`Tx::commit`] rolls it back. On SQLite it
/// holds the process's [`WriteLock`] until it ends.
pub enum Tx {
    Sqlite(
        sqlx::Transaction<'static, Sqlite>,
        tokio::sync::OwnedMutexGuard<()>,
    ),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(..) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn execute(&mut self, stmt: &impl Statement) -> Result<u64, StoreError> {
        Ok(match self {
            Tx::Sqlite(tx, _) => {
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                query(sql, values).execute(&mut **tx).await?.rows_affected()
            }
            Tx::Postgres(tx) => {
                let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
                query(sql, values).execute(&mut **tx).await?.rows_affected()
            }
        })
    }

    pub async fn fetch_all(&mut self, stmt: &impl Statement) -> Result<Vec<Row>, StoreError> {
        Ok(match self {
            Tx::Sqlite(tx, _) => {
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                let rows = query(sql, values).fetch_all(&mut **tx).await?;
                rows.into_iter().map(Row::Sqlite).collect()
            }
            Tx::Postgres(tx) => {
                let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
                let rows = query(sql, values).fetch_all(&mut **tx).await?;
                rows.into_iter().map(Row::Postgres).collect()
            }
        })
    }

    pub async fn fetch_optional(
        &mut self,
        stmt: &impl Statement,
    ) -> Result<Option<Row>, StoreError> {
        Ok(match self {
            Tx::Sqlite(tx, _) => {
                let (sql, values) = stmt.build_sqlx(SqliteQueryBuilder);
                query(sql, values)
                    .fetch_optional(&mut **tx)
                    .await?
                    .map(Row::Sqlite)
            }
            Tx::Postgres(tx) => {
                let (sql, values) = stmt.build_sqlx(PostgresQueryBuilder);
                query(sql, values)
                    .fetch_optional(&mut **tx)
                    .await?
                    .map(Row::Postgres)
            }
        })
    }

    /// Runs a statement rendered in advance; returns the number of rows it changed.
    pub async fn execute_rendered(&mut self, r: Rendered) -> Result<u64, StoreError> {
        if r.backend != self.backend() {
            return Err(StoreError::Corrupt(
                "a statement rendered for another database backend".into(),
            ));
        }
        Ok(match self {
            Tx::Sqlite(tx, _) => query(r.sql, r.values)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
            Tx::Postgres(tx) => query(r.sql, r.values)
                .execute(&mut **tx)
                .await?
                .rows_affected(),
        })
    }

    pub async fn fetch_one(&mut self, stmt: &impl Statement) -> Result<Row, StoreError> {
        self.fetch_optional(stmt)
            .await?
            .ok_or(StoreError::Sqlx(sqlx::Error::RowNotFound))
    }

    /// Executes a script of several statements (migrations only).
    pub(crate) async fn execute_script(&mut self, sql: &str) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx, _) => {
                sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
                    .execute(&mut **tx)
                    .await?;
            }
            Tx::Postgres(tx) => {
                sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Ok(())
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(tx, _) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
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

/// What the store's tests share.
#[cfg(test)]
pub(crate) mod testing {
    use super::Db;

    /// A migrated SQLite database in a temporary directory (kept alive by the first value).
    pub(crate) async fn sqlite_db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(
            &format!("sqlite://{}", dir.path().join("t.db").display()),
            2,
        )
        .await
        .unwrap();
        crate::migrate::migrate(&db).await.unwrap();
        (dir, db)
    }
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
}
