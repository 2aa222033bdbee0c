//! Schema migrations, one directory per backend with the same versions in both. Applied in
//! order, each in its own transaction, recorded with a checksum so an edited migration is
//! detected. Safe to run from several nodes at once: on PostgreSQL the migrations table is
//! locked for the duration; on SQLite `BEGIN IMMEDIATE` serialises writers.

use crate::db::{Backend, Db, StoreError, Tx, now_unix};
use sea_query::{Expr, ExprTrait, Query};
use sha2::{Digest, Sha256};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "core",
        sqlite: include_str!("../migrations/sqlite/0001_core.sql"),
        postgres: include_str!("../migrations/postgres/0001_core.sql"),
    },
    Migration {
        version: 2,
        name: "accounts",
        sqlite: include_str!("../migrations/sqlite/0002_accounts.sql"),
        postgres: include_str!("../migrations/postgres/0002_accounts.sql"),
    },
    Migration {
        version: 3,
        name: "notifications",
        sqlite: include_str!("../migrations/sqlite/0003_notifications.sql"),
        postgres: include_str!("../migrations/postgres/0003_notifications.sql"),
    },
    Migration {
        version: 4,
        name: "case_operations",
        sqlite: include_str!("../migrations/sqlite/0004_case_operations.sql"),
        postgres: include_str!("../migrations/postgres/0004_case_operations.sql"),
    },
    Migration {
        version: 5,
        name: "webhooks",
        sqlite: include_str!("../migrations/sqlite/0005_webhooks.sql"),
        postgres: include_str!("../migrations/postgres/0005_webhooks.sql"),
    },
    Migration {
        version: 6,
        name: "agent_desk",
        sqlite: include_str!("../migrations/sqlite/0006_agent_desk.sql"),
        postgres: include_str!("../migrations/postgres/0006_agent_desk.sql"),
    },
    Migration {
        version: 7,
        name: "knowledge_base",
        sqlite: include_str!("../migrations/sqlite/0007_knowledge_base.sql"),
        postgres: include_str!("../migrations/postgres/0007_knowledge_base.sql"),
    },
    Migration {
        version: 8,
        name: "reports",
        sqlite: include_str!("../migrations/sqlite/0008_reports.sql"),
        postgres: include_str!("../migrations/postgres/0008_reports.sql"),
    },
    Migration {
        version: 9,
        name: "merged_into_index",
        sqlite: include_str!("../migrations/sqlite/0009_merged_into_index.sql"),
        postgres: include_str!("../migrations/postgres/0009_merged_into_index.sql"),
    },
    Migration {
        version: 10,
        name: "category_search_index",
        sqlite: include_str!("../migrations/sqlite/0010_category_search_index.sql"),
        postgres: include_str!("../migrations/postgres/0010_category_search_index.sql"),
    },
    Migration {
        version: 11,
        name: "queue_order",
        sqlite: include_str!("../migrations/sqlite/0011_queue_order.sql"),
        postgres: include_str!("../migrations/postgres/0011_queue_order.sql"),
    },
    Migration {
        version: 12,
        name: "client_reporter_reference",
        sqlite: include_str!("../migrations/sqlite/0012_client_reporter_reference.sql"),
        postgres: include_str!("../migrations/postgres/0012_client_reporter_reference.sql"),
    },
    Migration {
        version: 13,
        name: "media_visibility",
        sqlite: include_str!("../migrations/sqlite/0013_media_visibility.sql"),
        postgres: include_str!("../migrations/postgres/0013_media_visibility.sql"),
    },
    Migration {
        version: 14,
        name: "jobs",
        sqlite: include_str!("../migrations/sqlite/0014_jobs.sql"),
        postgres: include_str!("../migrations/postgres/0014_jobs.sql"),
    },
];

impl Migration {
    fn sql(&self, backend: Backend) -> &'static str {
        match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
        }
    }

    fn checksum(&self, backend: Backend) -> String {
        hex::encode(Sha256::digest(self.sql(backend).as_bytes()))
    }
}

/// What `migrate` did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct MigrationReport {
    pub applied: Vec<(i64, &'static str)>,
    pub already: usize,
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL)";

pub async fn migrate(db: &Db) -> Result<MigrationReport, StoreError> {
    migrate_to(db, i64::MAX).await
}

/// Connects and applies the migrations; what a server does before it serves. When a
/// migration was applied, the pool is opened again: on SQLite a connection opened before a
/// schema change (the pool opens them as it likes, also while migrating) keeps the old schema
/// for the statements it prepares next, and sqlx then keeps their old column names, so a
/// column added by `ALTER TABLE` is "not found" on that connection for good.
pub async fn connect_and_migrate(
    url: &str,
    max_connections: u32,
) -> Result<(Db, MigrationReport), StoreError> {
    let db = Db::connect(url, max_connections).await?;
    let report = migrate(&db).await?;
    if report.applied.is_empty() {
        return Ok((db, report));
    }
    db.close().await;
    Ok((Db::connect(url, max_connections).await?, report))
}

/// Applies the migrations up to and including `version` (upgrade tests start from an older
/// schema).
pub async fn migrate_to(db: &Db, version: i64) -> Result<MigrationReport, StoreError> {
    let mut report = MigrationReport::default();
    {
        let mut tx = db.begin().await?;
        tx.execute_script(CREATE_TABLE).await?;
        tx.commit().await?;
    }
    for migration in MIGRATIONS.iter().filter(|m| m.version <= version) {
        let mut tx = db.begin().await?;
        if tx.backend() == Backend::Postgres {
            tx.execute_script("LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE")
                .await?;
        }
        let applied = applied_versions(&mut tx).await?;
        if let Some(max) = applied.iter().map(|(v, _)| *v).max()
            && !MIGRATIONS.iter().any(|m| m.version == max)
        {
            return Err(StoreError::UnknownMigration(max));
        }
        match applied.iter().find(|(v, _)| *v == migration.version) {
            Some((_, checksum)) if *checksum == migration.checksum(tx.backend()) => {
                report.already += 1;
                continue;
            }
            Some(_) => {
                return Err(StoreError::MigrationChanged {
                    version: migration.version,
                    name: migration.name.to_string(),
                });
            }
            None => {}
        }
        tx.execute_script(migration.sql(tx.backend())).await?;
        let insert = Query::insert()
            .into_table("schema_migrations")
            .columns(["version", "name", "checksum", "applied_at"])
            .values_panic([
                migration.version.into(),
                migration.name.into(),
                migration.checksum(tx.backend()).into(),
                now_unix().into(),
            ])
            .to_owned();
        tx.execute(&insert).await?;
        tx.commit().await?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied migration"
        );
        report.applied.push((migration.version, migration.name));
    }
    Ok(report)
}

async fn applied_versions(tx: &mut Tx) -> Result<Vec<(i64, String)>, StoreError> {
    let select = Query::select()
        .columns(["version", "checksum"])
        .from("schema_migrations")
        .and_where(Expr::col("version").gt(0))
        .to_owned();
    tx.fetch_all(&select)
        .await?
        .iter()
        .map(|r| Ok((r.get::<i64>("version")?, r.get::<String>("checksum")?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_increasing_and_both_backends_exist() {
        let mut last = 0;
        for m in MIGRATIONS {
            assert!(m.version > last);
            last = m.version;
            assert!(!m.sqlite.trim().is_empty() && !m.postgres.trim().is_empty());
        }
    }

    #[test]
    fn both_backends_create_the_same_tables_and_indexes() {
        fn objects(sql: &str) -> Vec<String> {
            sql.lines()
                .filter_map(|l| {
                    let l = l.trim();
                    l.strip_prefix("CREATE TABLE ")
                        .or_else(|| l.strip_prefix("CREATE UNIQUE INDEX "))
                        .or_else(|| l.strip_prefix("CREATE INDEX "))
                        .and_then(|rest| rest.split_whitespace().next())
                        .map(str::to_string)
                })
                .collect()
        }
        for m in MIGRATIONS {
            assert_eq!(
                objects(m.sqlite),
                objects(m.postgres),
                "migration {}",
                m.version
            );
        }
    }
}
