//! Schema migrations, keyed by module and version: each module brings its own sequence (a
//! [`MigrationSet`]), one directory per backend with the same versions in both. The sets of a
//! build are listed by its composition root (`web::Modules::migrate` runs every compiled
//! module's); this crate holds the runner and the [`CORE`] baseline, the tables created before
//! modules carried their own migrations. Applied in order, each in its own transaction,
//! recorded in `schema_migrations` under (module, version) with a checksum so an edited
//! migration is detected. Safe to run from several nodes at once: on
//! PostgreSQL an advisory lock guards the migrations table's own shape and the table is locked
//! while each migration runs; on SQLite `BEGIN IMMEDIATE` serialises writers.
//!
//! A database made before modules existed has a `schema_migrations` keyed by version alone;
//! its rows are the first set's ([`CORE`]), and the table is rebuilt with the module column
//! once, in one transaction, before anything else runs.

use crate::db::{Backend, Db, StoreError, Tx, now_unix};
use sea_query::{Expr, ExprTrait, Query};
use sha2::{Digest, Sha256};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

/// The core set: every migration made before modules had their own.
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
    Migration {
        version: 15,
        name: "jobs_retention",
        sqlite: include_str!("../migrations/sqlite/0015_jobs_retention.sql"),
        postgres: include_str!("../migrations/postgres/0015_jobs_retention.sql"),
    },
    Migration {
        version: 16,
        name: "outbox_claims_dropped",
        sqlite: include_str!("../migrations/sqlite/0016_outbox_claims_dropped.sql"),
        postgres: include_str!("../migrations/postgres/0016_outbox_claims_dropped.sql"),
    },
];

/// The module that owns every migration made before migrations were keyed by module.
pub const CORE: &str = "core";

/// A module's name and its migrations, in version order.
pub type MigrationSet = (&'static str, &'static [Migration]);

/// The core baseline alone, for what knows no module (this crate's own tests, upgrade tests
/// that start from an old schema).
pub const CORE_ONLY: &[MigrationSet] = &[(CORE, MIGRATIONS)];

/// Whether `(module, version)` is a migration of `sets`.
pub fn is_known(sets: &[MigrationSet], module: &str, version: i64) -> bool {
    sets.iter()
        .any(|(m, set)| *m == module && set.iter().any(|k| k.version == version))
}

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
    /// (module, version, name) of each migration applied now, in order.
    pub applied: Vec<(&'static str, i64, &'static str)>,
    pub already: usize,
}

const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    module TEXT NOT NULL, version BIGINT NOT NULL, name TEXT NOT NULL, checksum TEXT NOT NULL,
    applied_at BIGINT NOT NULL, PRIMARY KEY (module, version))";

/// The table keyed by version alone (before modules), rebuilt keyed by module: its rows become
/// the core set's. The new table is renamed into place, so the statements agree on both
/// backends and nothing else changes shape.
const KEY_BY_MODULE: &str = "CREATE TABLE schema_migrations_by_module (
    module TEXT NOT NULL, version BIGINT NOT NULL, name TEXT NOT NULL, checksum TEXT NOT NULL,
    applied_at BIGINT NOT NULL, PRIMARY KEY (module, version));
INSERT INTO schema_migrations_by_module (module, version, name, checksum, applied_at)
    SELECT 'core', version, name, checksum, applied_at FROM schema_migrations;
DROP TABLE schema_migrations;
ALTER TABLE schema_migrations_by_module RENAME TO schema_migrations";

/// Any constant: the key of the PostgreSQL advisory lock held while the migrations table is
/// created or rebuilt (two nodes creating it at once would otherwise collide in the catalogue).
const PG_TABLE_LOCK: i64 = 0x6369_7669_635f_6d67;

/// Applies the core baseline only. A database that has migrations of a module is refused (an
/// unknown migration): servers and `civicdesk migrate` run every compiled module's set through
/// the composition root (`web::Modules::migrate`).
pub async fn migrate_core(db: &Db) -> Result<MigrationReport, StoreError> {
    migrate_sets(db, CORE_ONLY).await
}

/// Connects and applies the migrations of `sets`; what a server does before it serves. When a
/// migration was applied, the pool is opened again: on SQLite a connection opened before a
/// schema change (the pool opens them as it likes, also while migrating) keeps the old schema
/// for the statements it prepares next, and sqlx then keeps their old column names, so a
/// column added by `ALTER TABLE` is "not found" on that connection for good.
pub async fn connect_and_migrate_sets(
    url: &str,
    max_connections: u32,
    sets: &[MigrationSet],
) -> Result<(Db, MigrationReport), StoreError> {
    let db = Db::connect(url, max_connections).await?;
    let report = migrate_sets(&db, sets).await?;
    if report.applied.is_empty() {
        return Ok((db, report));
    }
    db.close().await;
    Ok((Db::connect(url, max_connections).await?, report))
}

/// Applies the core migrations up to and including `version` (upgrade tests start from an
/// older schema).
pub async fn migrate_to(db: &Db, version: i64) -> Result<MigrationReport, StoreError> {
    let core: Vec<&Migration> = MIGRATIONS.iter().filter(|m| m.version <= version).collect();
    prepare_table(db).await?;
    let mut report = MigrationReport::default();
    for migration in core {
        apply(db, CORE_ONLY, CORE, migration, &mut report).await?;
    }
    Ok(report)
}

/// Applies every migration of `sets` not yet applied, module by module in the order given,
/// each module's in version order.
pub async fn migrate_sets(db: &Db, sets: &[MigrationSet]) -> Result<MigrationReport, StoreError> {
    prepare_table(db).await?;
    let mut report = MigrationReport::default();
    for (module, migrations) in sets {
        for migration in *migrations {
            apply(db, sets, module, migration, &mut report).await?;
        }
    }
    Ok(report)
}

/// Creates the migrations table, or keys a pre-module one by module.
async fn prepare_table(db: &Db) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    if tx.backend() == Backend::Postgres {
        tx.execute_script(&format!("SELECT pg_advisory_xact_lock({PG_TABLE_LOCK})"))
            .await?;
    }
    tx.execute_script(CREATE_TABLE).await?;
    if !has_module_column(&mut tx).await? {
        tx.execute_script(KEY_BY_MODULE).await?;
        tracing::info!("schema_migrations keyed by module; its migrations are the core set's");
    }
    tx.commit().await
}

async fn has_module_column(tx: &mut Tx) -> Result<bool, StoreError> {
    let count = match tx.backend() {
        Backend::Sqlite => {
            "(SELECT count(*) FROM pragma_table_info('schema_migrations') WHERE name = 'module')"
        }
        Backend::Postgres => {
            "(SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() \
             AND table_name = 'schema_migrations' AND column_name = 'module')"
        }
    };
    let stmt = Query::select().expr_as(Expr::cust(count), "n").to_owned();
    Ok(tx.fetch_one(&stmt).await?.get::<i64>("n")? > 0)
}

async fn apply(
    db: &Db,
    sets: &[MigrationSet],
    module: &'static str,
    migration: &'static Migration,
    report: &mut MigrationReport,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    match tx.backend() {
        Backend::Postgres => {
            tx.execute_script("LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE")
                .await?
        }
        // A pooled connection that last read the schema before `prepare_table` rebuilt the
        // table would prepare the next statement against the old one, where SQLite takes
        // `"module"` for a string. Running a statement first makes it notice the change.
        Backend::Sqlite => {
            tx.execute_script("SELECT count(*) FROM sqlite_master")
                .await?
        }
    }
    let applied = applied_versions(&mut tx).await?;
    if let Some((m, v, _)) = applied.iter().find(|(m, v, _)| {
        !sets
            .iter()
            .any(|(k, set)| k == m && set.iter().any(|k| k.version == *v))
    }) {
        return Err(StoreError::UnknownMigration {
            module: m.clone(),
            version: *v,
        });
    }
    match applied
        .iter()
        .find(|(m, v, _)| m == module && *v == migration.version)
    {
        Some((_, _, checksum)) if *checksum == migration.checksum(tx.backend()) => {
            report.already += 1;
            return Ok(());
        }
        Some(_) => {
            return Err(StoreError::MigrationChanged {
                module: module.to_string(),
                version: migration.version,
                name: migration.name.to_string(),
            });
        }
        None => {}
    }
    tx.execute_script(migration.sql(tx.backend())).await?;
    let insert = Query::insert()
        .into_table("schema_migrations")
        .columns(["module", "version", "name", "checksum", "applied_at"])
        .values_panic([
            module.into(),
            migration.version.into(),
            migration.name.into(),
            migration.checksum(tx.backend()).into(),
            // The wall clock: migrations run before there are any services (and their clock).
            now_unix().into(),
        ])
        .to_owned();
    tx.execute(&insert).await?;
    tx.commit().await?;
    tracing::info!(
        module,
        version = migration.version,
        name = migration.name,
        "applied migration"
    );
    report
        .applied
        .push((module, migration.version, migration.name));
    Ok(())
}

async fn applied_versions(tx: &mut Tx) -> Result<Vec<(String, i64, String)>, StoreError> {
    let select = Query::select()
        .columns(["module", "version", "checksum"])
        .from("schema_migrations")
        .and_where(Expr::col("version").gt(0))
        .to_owned();
    tx.fetch_all(&select)
        .await?
        .iter()
        .map(|r| {
            Ok((
                r.get::<String>("module")?,
                r.get::<i64>("version")?,
                r.get::<String>("checksum")?,
            ))
        })
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

    const EXTRA: &[Migration] = &[Migration {
        version: 1,
        name: "extra",
        sqlite: "CREATE TABLE extra_things (id TEXT PRIMARY KEY)",
        postgres: "CREATE TABLE extra_things (id TEXT PRIMARY KEY)",
    }];

    /// Two modules may use the same version numbers; a module this build does not know stops
    /// the migration like an unknown version does.
    #[tokio::test]
    async fn each_module_numbers_its_own_migrations() {
        let (_dir, db) = crate::db::testing::sqlite_db().await;
        let sets: &[MigrationSet] = &[(CORE, MIGRATIONS), ("extra", EXTRA)];
        let report = migrate_sets(&db, sets).await.unwrap();
        assert_eq!(report.applied, [("extra", 1, "extra")]);
        assert_eq!(report.already, MIGRATIONS.len());
        let again = migrate_sets(&db, sets).await.unwrap();
        assert!(again.applied.is_empty());
        match migrate_core(&db).await {
            Err(StoreError::UnknownMigration { module, version }) => {
                assert_eq!((module.as_str(), version), ("extra", 1))
            }
            other => panic!("{other:?}"),
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
