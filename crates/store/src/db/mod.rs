//! The backend-neutral database handle.
//!
//! Queries are sea-query statements, rendered with the right dialect when executed. Rows are
//! read through [`Row::get`], which works for any type both drivers can decode, so repositories
//! are written once.

mod checkpoint;
mod conn;
mod handle;
mod packed;
mod rendered;
mod row;
mod tx;

pub use conn::Conn;
pub use handle::{Db, create_postgres_database};
pub use rendered::Rendered;
pub use row::Row;
pub use tx::Tx;

use sea_query::{Expr, ExprTrait, Query};
use sea_query_sqlx::{SqlxBinder, SqlxValues};
use sqlx::AssertSqlSafe;
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
    #[error("migration {module} {version} ({name}) was changed after it was applied")]
    MigrationChanged {
        module: String,
        version: i64,
        name: String,
    },
    #[error(
        "the database has migration {module} {version}, which this civicdesk does not know: \
         upgrade civicdesk"
    )]
    UnknownMigration { module: String, version: i64 },
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

/// A statement sea-query can render for either backend.
/// `Sync` so that a query future holding one may move between threads.
pub trait Statement: SqlxBinder + Sync {}
impl<T: SqlxBinder + Sync> Statement for T {}

/// The rows of `table` whose `id` is one of `ids`, in no particular order, each read with
/// `from_row`; no query at all for no ids.
pub(crate) async fn rows_with_ids<T>(
    db: &Db,
    table: &'static str,
    columns: &[&'static str],
    ids: &[&str],
    from_row: fn(&Row) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = Query::select()
        .columns(columns.iter().copied())
        .from(table)
        .and_where(Expr::col("id").is_in(ids.iter().copied()))
        .to_owned();
    db.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

/// The wall clock, in unix seconds. Only for what runs outside the services (migrations, the
/// CLI's file names) and the few web and UI pages not yet given the platform's clock: anything
/// the services write takes `now` from `Platform::now()` (`domain::clock`), so a test's clock
/// governs it. `crates/cli/tests/architecture.rs` keeps new uses out of every crate but cli.
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn query<DB>(sql: String, values: SqlxValues) -> sqlx::query::Query<'static, DB, SqlxValues>
where
    DB: sqlx::Database,
    SqlxValues: for<'q> sqlx::IntoArguments<DB>,
{
    sqlx::query_with(AssertSqlSafe(sql), values)
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
        crate::migrate::migrate_core(&db).await.unwrap();
        (dir, db)
    }
}
