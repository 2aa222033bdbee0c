//! Upgrading a database made by a civicdesk from before migrations were keyed by module
//! (`fixtures/README.md`): every row stays as it was (but for the columns a later migration
//! drops on purpose), no migration runs again, and the applied migrations become the core
//! set's.

use sqlx::{AssertSqlSafe, Connection as _, Row as _};
use std::collections::BTreeMap;
use store::Db;

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/http/fixtures")
        .join(name)
}

/// Each table's columns (as the fixture has them) and its rows, every value as text.
type Contents = BTreeMap<String, (Vec<String>, Vec<Vec<Option<String>>>)>;

/// `(version, name, checksum, applied_at)` as the old table records them.
type OldMigration = (i64, String, String, i64);

/// `(table, column)` that later migrations drop on purpose: the claim of the outboxes from
/// before the job queue (`0016_outbox_claims_dropped`).
const DROPPED: &[(&str, &str)] = &[
    ("notifications", "claim_token"),
    ("notifications", "locked_until"),
    ("webhook_deliveries", "claim_token"),
    ("webhook_deliveries", "locked_until"),
];

async fn names(db: &Db, sqlite: &str, postgres: &str, bind: Option<&str>) -> Vec<String> {
    match db {
        Db::Sqlite(pool, _) => {
            let q = sqlx::query(AssertSqlSafe(sqlite.to_string()));
            let q = match bind {
                Some(b) => q.bind(b.to_string()),
                None => q,
            };
            q.fetch_all(pool)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect()
        }
        Db::Postgres(pool) => {
            let q = sqlx::query(AssertSqlSafe(postgres.to_string()));
            let q = match bind {
                Some(b) => q.bind(b.to_string()),
                None => q,
            };
            q.fetch_all(pool)
                .await
                .unwrap()
                .iter()
                .map(|r| r.get(0))
                .collect()
        }
    }
}

async fn rows(db: &Db, table: &str, columns: &[String]) -> Vec<Vec<Option<String>>> {
    let values: Vec<String> = columns
        .iter()
        .map(|c| format!("CAST(\"{c}\" AS TEXT)"))
        .collect();
    let order: Vec<String> = (1..=columns.len()).map(|i| i.to_string()).collect();
    let sql = format!(
        "SELECT {} FROM \"{table}\" ORDER BY {}",
        values.join(", "),
        order.join(", ")
    );
    let n = columns.len();
    match db {
        Db::Sqlite(pool, _) => sqlx::query(AssertSqlSafe(sql))
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|r| (0..n).map(|i| r.get::<Option<String>, _>(i)).collect())
            .collect(),
        Db::Postgres(pool) => sqlx::query(AssertSqlSafe(sql))
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|r| (0..n).map(|i| r.get::<Option<String>, _>(i)).collect())
            .collect(),
    }
}

async fn contents(db: &Db) -> Contents {
    let tables = names(
        db,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
         AND name <> 'schema_migrations' ORDER BY name",
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = \
         current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' \
         ORDER BY table_name",
        None,
    )
    .await;
    let mut out = Contents::new();
    for table in tables {
        let columns = columns_of(db, &table).await;
        let rows = rows(db, &table, &columns).await;
        out.insert(table, (columns, rows));
    }
    out
}

async fn columns_of(db: &Db, table: &str) -> Vec<String> {
    names(
        db,
        "SELECT name FROM pragma_table_info(?) ORDER BY cid",
        "SELECT column_name::text FROM information_schema.columns WHERE table_schema = \
         current_schema() AND table_name = $1 ORDER BY ordinal_position",
        Some(table),
    )
    .await
}

/// `c` without the [`DROPPED`] columns.
fn without_dropped(c: &Contents) -> Contents {
    c.iter()
        .map(|(table, (columns, rows))| {
            let keep: Vec<usize> = (0..columns.len())
                .filter(|&i| !DROPPED.contains(&(table.as_str(), columns[i].as_str())))
                .collect();
            let columns = keep.iter().map(|&i| columns[i].clone()).collect();
            let rows = rows
                .iter()
                .map(|r| keep.iter().map(|&i| r[i].clone()).collect())
                .collect();
            (table.clone(), (columns, rows))
        })
        .collect()
}

/// The same tables and columns read again, after the upgrade.
async fn contents_like(db: &Db, before: &Contents) -> Contents {
    let mut out = Contents::new();
    for (table, (columns, _)) in before {
        let rows = rows(db, table, columns).await;
        out.insert(table.clone(), (columns.clone(), rows));
    }
    out
}

async fn old_migrations(db: &Db) -> Vec<OldMigration> {
    let sql = "SELECT version, name, checksum, applied_at FROM schema_migrations ORDER BY version";
    match db {
        Db::Sqlite(pool, _) => sqlx::query(sql)
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect(),
        Db::Postgres(pool) => sqlx::query(sql)
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect(),
    }
}

async fn keyed_migrations(db: &Db) -> Vec<(String, OldMigration)> {
    let sql = "SELECT module, version, name, checksum, applied_at FROM schema_migrations \
               ORDER BY module, version";
    match db {
        Db::Sqlite(pool, _) => sqlx::query(sql)
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), (r.get(1), r.get(2), r.get(3), r.get(4))))
            .collect(),
        Db::Postgres(pool) => sqlx::query(sql)
            .fetch_all(pool)
            .await
            .unwrap()
            .iter()
            .map(|r| (r.get(0), (r.get(1), r.get(2), r.get(3), r.get(4))))
            .collect(),
    }
}

fn has_column(c: &Contents, table: &str, name: &str) -> bool {
    c.get(table)
        .is_some_and(|(columns, _)| columns.iter().any(|c| c == name))
}

fn column<'a>(c: &'a Contents, table: &str, name: &str) -> Vec<Option<&'a str>> {
    let (columns, rows) = &c[table];
    let i = columns.iter().position(|c| c == name).unwrap();
    rows.iter().map(|r| r[i].as_deref()).collect()
}

async fn migrates_forward_intact(url: &str) {
    let db = Db::connect(url, 2).await.unwrap();
    let old = old_migrations(&db).await;
    assert_eq!(
        old.iter().map(|m| m.0).collect::<Vec<_>>(),
        (1..=13).collect::<Vec<_>>(),
        "the fixture's migrations"
    );
    let before = contents(&db).await;
    // What the fixture holds (see its README), so that "intact" means something.
    assert_eq!(
        column(&before, "cases", "description"),
        [Some("Fixture case: a street light is out")]
    );
    assert!(column(&before, "accounts", "login").contains(&Some("fixture.dispatcher")));
    assert_eq!(column(&before, "notifications", "status"), [Some("queued")]);
    assert_eq!(
        column(&before, "notifications", "address"),
        [Some("reporter@example.org")]
    );

    let report = web::Modules::migrate(&db).await.unwrap();
    assert_eq!(report.already, old.len(), "{report:?}");
    assert!(
        report
            .applied
            .iter()
            .all(|(module, version, _)| *module != "core" || *version > 13),
        "nothing applied again: {report:?}"
    );
    db.close().await;
    // Read on new connections: the pool's may have prepared statements against the old table.
    let db = Db::connect(url, 2).await.unwrap();
    let keyed = keyed_migrations(&db).await;
    for m in &old {
        assert!(
            keyed.contains(&("core".to_string(), m.clone())),
            "{m:?} kept as the core set's, with its time: {keyed:?}"
        );
    }
    assert_eq!(keyed.len(), old.len() + report.applied.len());
    for (table, column) in DROPPED {
        assert!(
            has_column(&before, table, column),
            "the fixture has {table}.{column}"
        );
        assert!(
            !columns_of(&db, table).await.iter().any(|c| c == column),
            "{table}.{column} is dropped"
        );
    }
    let before = without_dropped(&before);
    let after = contents_like(&db, &before).await;
    for (table, (_, rows)) in &before {
        assert_eq!(&after[table].1, rows, "the rows of {table}");
    }
    db.close().await;

    // A server starting on it next finds nothing to do.
    let (db, report) = web::Modules::connect_and_migrate(url, 2).await.unwrap();
    assert!(report.applied.is_empty(), "{report:?}");
    assert_eq!(report.already, keyed.len());
    db.close().await;
}

#[tokio::test]
async fn a_sqlite_database_from_before_module_keys_migrates_forward_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("civicdesk.db");
    std::fs::copy(fixture("pre-modules.sqlite"), &path).unwrap();
    migrates_forward_intact(&format!("sqlite://{}", path.display())).await;
}

#[tokio::test]
async fn a_postgres_database_from_before_module_keys_migrates_forward_intact() {
    let admin = match std::env::var("CIVICDESK_TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => admin,
        _ => return, // PostgreSQL is tested only when configured, like the rest of the suite.
    };
    let name = format!("cd_test_{}", uuid::Uuid::now_v7().simple());
    let url = store::create_postgres_database(&admin, &name)
        .await
        .expect("CIVICDESK_TEST_DATABASE_URL is set but PostgreSQL is unreachable");
    let dump = std::fs::read_to_string(fixture("pre-modules.pg.sql")).unwrap();
    // The dump empties `search_path` for its session: loaded on a connection of its own.
    let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(AssertSqlSafe(dump))
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    migrates_forward_intact(&url).await;
}
