//! SQLite files for `civicdesk backup` and `civicdesk restore`: an online snapshot of a live
//! database (`VACUUM INTO`, one read transaction, so writers carry on), the facts a backup
//! manifest records about a database file, and whether some process has a database open.
//! PostgreSQL is backed up with `pg_dump`, not here.

use crate::db::{Db, StoreError};
use crate::migrate;
use sqlx::sqlite::{SqliteConnectOptions, SqliteLockingMode};
use sqlx::{ConnectOptions as _, Connection as _, Row as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The file a `sqlite://…` database URL names; `None` for any other URL.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next().unwrap_or(path);
    (!path.is_empty()).then(|| PathBuf::from(path))
}

/// Writes a transactionally consistent copy of the live database to `dest`, which must not
/// exist. Concurrent writers are not blocked (the copy reads one WAL snapshot); the copy is a
/// plain rollback-journal database, compacted.
pub async fn snapshot(db: &Db, dest: &Path) -> Result<(), StoreError> {
    let Db::Sqlite(pool, _) = db else {
        return Err(StoreError::UnsupportedUrl(
            "a file snapshot needs a SQLite database; use pg_dump for PostgreSQL".into(),
        ));
    };
    let dest = dest
        .to_str()
        .ok_or_else(|| StoreError::Corrupt(format!("{} is not UTF-8", dest.display())))?;
    sqlx::query("VACUUM INTO ?")
        .bind(dest.to_string())
        .execute(pool)
        .await?;
    Ok(())
}

/// A migration recorded in a database's `schema_migrations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedMigration {
    /// `core` for a database made before migrations were keyed by module.
    pub module: String,
    pub version: i64,
    pub name: String,
    pub checksum: String,
}

/// What a backup manifest records about a database file, read from the file itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileFacts {
    /// `PRAGMA integrity_check`: empty when the file is sound, else its complaints.
    pub integrity_problems: Vec<String>,
    pub migrations: Vec<AppliedMigration>,
    /// Cases of every jurisdiction.
    pub cases: i64,
}

impl FileFacts {
    /// The migrations (module, version) in the file that are not among `known` (the sets of
    /// this civicdesk's modules): the file is newer.
    pub fn unknown_migrations(&self, known: &[migrate::MigrationSet]) -> Vec<(String, i64)> {
        self.migrations
            .iter()
            .filter(|m| !migrate::is_known(known, &m.module, m.version))
            .map(|m| (m.module.clone(), m.version))
            .collect()
    }
}

/// Reads a database file that nothing else writes (a snapshot, or one being restored), without
/// creating journal files beside it. A file that is not a database at all is an error.
pub async fn inspect(path: &Path) -> Result<FileFacts, StoreError> {
    let mut conn = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(true)
        .create_if_missing(false)
        .connect()
        .await?;
    let facts = async {
        let integrity_problems: Vec<String> = sqlx::query("PRAGMA integrity_check")
            .fetch_all(&mut conn)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>(0))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .filter(|line| line != "ok")
            .collect();
        if !integrity_problems.is_empty() {
            return Ok(FileFacts {
                integrity_problems,
                migrations: Vec::new(),
                cases: 0,
            });
        }
        // A file from before migrations were keyed by module has no `module` column.
        let keyed: i64 = sqlx::query(
            "SELECT count(*) AS n FROM pragma_table_info('schema_migrations') WHERE name = 'module'",
        )
        .fetch_one(&mut conn)
        .await?
        .try_get("n")?;
        let select = if keyed > 0 {
            "SELECT module, version, name, checksum FROM schema_migrations WHERE version > 0 \
             ORDER BY module, version"
        } else {
            "SELECT 'core' AS module, version, name, checksum FROM schema_migrations \
             WHERE version > 0 ORDER BY version"
        };
        let migrations = sqlx::query(select)
        .fetch_all(&mut conn)
        .await?
        .iter()
        .map(|r| {
            Ok(AppliedMigration {
                module: r.try_get("module")?,
                version: r.try_get("version")?,
                name: r.try_get("name")?,
                checksum: r.try_get("checksum")?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
        let cases: i64 = sqlx::query("SELECT count(*) AS n FROM cases")
            .fetch_one(&mut conn)
            .await?
            .try_get("n")?;
        Ok::<_, StoreError>(FileFacts {
            integrity_problems,
            migrations,
            cases,
        })
    }
    .await;
    conn.close().await?;
    facts
}

/// True when another connection (a running `civicdesk serve`, say) has the database open.
/// Every connection to a WAL database holds a shared lock on the file for as long as it is
/// open, so an exclusive lock is refused exactly then. When the file is free, its WAL is folded
/// into it before returning, so the file on its own is complete. A missing file is not in use.
pub async fn in_use(path: &Path) -> Result<bool, StoreError> {
    if !path.exists() {
        return Ok(false);
    }
    let attempt = async {
        let mut conn = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(false)
            .locking_mode(SqliteLockingMode::Exclusive)
            .busy_timeout(Duration::ZERO)
            .connect()
            .await?;
        sqlx::raw_sql("BEGIN EXCLUSIVE; COMMIT;")
            .execute(&mut conn)
            .await?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut conn)
            .await?;
        conn.close().await
    };
    match attempt.await {
        Ok(()) => Ok(false),
        Err(sqlx::Error::Database(e))
            if matches!(
                e.code().as_deref(),
                Some("5") | Some("6") | Some("261") | Some("517")
            ) =>
        {
            Ok(true)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_path("sqlite:///srv/cd/civicdesk.db?mode=rwc"),
            Some(PathBuf::from("/srv/cd/civicdesk.db"))
        );
        assert_eq!(
            sqlite_path("sqlite:data/cd.db"),
            Some(PathBuf::from("data/cd.db"))
        );
        assert_eq!(sqlite_path("postgres://db/cd"), None);
        assert_eq!(sqlite_path("sqlite://"), None);
    }

    #[tokio::test]
    async fn a_snapshot_of_a_database_in_use_is_complete_and_sound() {
        let dir = tempfile::tempdir().unwrap();
        let live = dir.path().join("live.db");
        let db = Db::connect(&format!("sqlite://{}", live.display()), 2)
            .await
            .unwrap();
        crate::migrate::migrate_core(&db).await.unwrap();
        assert!(in_use(&live).await.unwrap(), "the pool holds it open");
        let copy = dir.path().join("copy.db");
        snapshot(&db, &copy).await.unwrap();
        let facts = inspect(&copy).await.unwrap();
        assert!(facts.integrity_problems.is_empty());
        assert_eq!(facts.migrations.len(), migrate::MIGRATIONS.len());
        assert!(facts.unknown_migrations(migrate::CORE_ONLY).is_empty());
        assert_eq!(facts.cases, 0);
        assert!(!in_use(&copy).await.unwrap());
        db.close().await;
        assert!(!in_use(&live).await.unwrap(), "closed");
        assert!(!in_use(&dir.path().join("missing.db")).await.unwrap());

        std::fs::write(
            dir.path().join("junk.db"),
            b"not a database at all, just text",
        )
        .unwrap();
        assert!(inspect(&dir.path().join("junk.db")).await.is_err());
    }
}
