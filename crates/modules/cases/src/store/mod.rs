//! The cases module's tables: cases and their working state, the event log, the agent's desk,
//! knowledge answers, reporters, reports and surveys. Queries are written once for SQLite and
//! PostgreSQL over the `store` crate's `Db`, `Tx` and `Conn`. Private to the module: the doors
//! and other modules go through the app handle ([`crate::CasesApp`]); black-box tests read
//! below it through [`crate::testkit`].

pub mod case_work;
pub mod cases;
pub mod desk;
pub mod events;
pub mod knowledge;
pub mod personal_data;
pub mod reporters;
pub mod reports;
pub mod retention;
pub mod surveys;

pub use ::store::chain::ChainReport;

/// What the store's tests share.
#[cfg(test)]
pub(crate) mod testing {
    use store::Db;

    /// A migrated SQLite database in a temporary directory (kept alive by the first value).
    pub(crate) async fn sqlite_db() -> (tempfile::TempDir, Db) {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(
            &format!("sqlite://{}", dir.path().join("t.db").display()),
            2,
        )
        .await
        .unwrap();
        // The sets of the modules this one stands on, and its own.
        let sets = platform::module::migration_sets(&[
            &platform::MODULE,
            &identity::MODULE,
            &crate::MODULE,
        ]);
        store::migrate::migrate_sets(&db, &sets).await.unwrap();
        (dir, db)
    }
}
