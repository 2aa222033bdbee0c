//! A module's own migrations (`crates/modules/<name>/migrations/`): a set keyed by the module's
//! name runs after the sets of the modules of this build, on either backend, and only once; a
//! build that does not have the module refuses the database rather than run over tables it does
//! not know. A stand-in module, "housing", with one migration, since the modules of this build
//! have none of their own yet.

use crate::support::fresh_database;
use sea_query::{Expr, ExprTrait, Query};
use store::StoreError;
use store::migrate::{Migration, MigrationSet};

const HOUSING_TABLE: &str = "CREATE TABLE housing_units (
    id TEXT PRIMARY KEY,
    jurisdiction_id TEXT NOT NULL REFERENCES jurisdictions (id),
    rooms BIGINT NOT NULL
)";

const HOUSING: &[Migration] = &[Migration {
    version: 1,
    name: "housing_units",
    sqlite: HOUSING_TABLE,
    postgres: HOUSING_TABLE,
}];

#[tokio::test]
async fn a_module_brings_its_own_migrations_on_either_backend() {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    let mut sets: Vec<MigrationSet> = web::Modules::migration_sets();
    sets.push(("housing", HOUSING));
    let db = store::Db::connect(&url, 2).await.unwrap();
    let report = store::migrate::migrate_sets(&db, &sets).await.unwrap();
    assert_eq!(
        report.applied.last(),
        Some(&("housing", 1, "housing_units"))
    );
    assert_eq!(
        report.applied.len(),
        sets.iter().map(|(_, set)| set.len()).sum::<usize>(),
        "every set of the build, then the module's: {report:?}"
    );
    db.close().await;

    // The table is there (and refers to one of the baseline's); the set is recorded under the
    // module's key and runs no more.
    let (db, report) = store::migrate::connect_and_migrate_sets(&url, 2, &sets)
        .await
        .unwrap();
    assert!(report.applied.is_empty(), "{report:?}");
    db.execute(
        &Query::insert()
            .into_table("jurisdictions")
            .columns([
                "id",
                "name_zh",
                "name_en",
                "timezone",
                "utc_offset_minutes",
                "contact",
                "key_service",
                "created_at",
                "updated_at",
            ])
            .values_panic([
                "test.gov.tw".into(),
                "測試".into(),
                "Test".into(),
                "Asia/Taipei".into(),
                480.into(),
                "1999".into(),
                "".into(),
                0.into(),
                0.into(),
            ])
            .to_owned(),
    )
    .await
    .unwrap();
    db.execute(
        &Query::insert()
            .into_table("housing_units")
            .columns(["id", "jurisdiction_id", "rooms"])
            .values_panic(["u1".into(), "test.gov.tw".into(), 3.into()])
            .to_owned(),
    )
    .await
    .unwrap();
    let recorded = db
        .fetch_all(
            &Query::select()
                .columns(["version", "name"])
                .from("schema_migrations")
                .and_where(Expr::col("module").eq("housing"))
                .to_owned(),
        )
        .await
        .unwrap();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].get::<i64>("version").unwrap(), 1);
    assert_eq!(recorded[0].get::<String>("name").unwrap(), "housing_units");

    // A build without the module stops rather than serve a schema it does not know.
    match web::Modules::migrate(&db).await {
        Err(StoreError::UnknownMigration { module, version }) => {
            assert_eq!((module.as_str(), version), ("housing", 1))
        }
        other => panic!("{other:?}"),
    }
    db.close().await;
}
