//! The database: one [`Db`] handle over SQLite (the embedded default) or PostgreSQL (scale-out),
//! with the same query text for both (built with sea-query, rendered per backend at run time),
//! migrations per backend, and repositories per aggregate. No business decisions live here.

mod attempt_log;
pub mod audit;
pub mod backup;
pub mod case_config;
pub mod catalog;
pub mod chain;
mod db;
pub mod jobs;
pub mod migrate;
pub mod outbox;
pub mod rate_limits;
pub mod settings;
pub mod submissions;
pub mod webhooks;

pub use db::{
    Backend, Conn, Db, Rendered, Row, StoreError, Tx, create_postgres_database, now_unix,
};

pub type Result<T> = std::result::Result<T, StoreError>;
