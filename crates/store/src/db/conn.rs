//! One executor for reads and writes, so each query is written once: a function taking
//! `impl Conn` runs on the pool (`&db`) or inside a transaction (`&mut tx`, `&mut *tx` when
//! holding a `&mut Tx`), like sqlx's `Executor`.

use super::{Backend, Db, Row, Statement, StoreError, Tx};
use std::future::Future;

pub trait Conn: Send {
    fn backend(&self) -> Backend;

    fn fetch_all(
        &mut self,
        stmt: &impl Statement,
    ) -> impl Future<Output = Result<Vec<Row>, StoreError>> + Send;

    fn fetch_optional(
        &mut self,
        stmt: &impl Statement,
    ) -> impl Future<Output = Result<Option<Row>, StoreError>> + Send;

    /// Runs a write; on the pool it is its own transaction.
    fn execute(
        &mut self,
        stmt: &impl Statement,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    fn fetch_one(
        &mut self,
        stmt: &impl Statement,
    ) -> impl Future<Output = Result<Row, StoreError>> + Send {
        async move {
            self.fetch_optional(stmt)
                .await?
                .ok_or(StoreError::Sqlx(sqlx::Error::RowNotFound))
        }
    }
}

impl Conn for &Db {
    fn backend(&self) -> Backend {
        Db::backend(self)
    }

    fn fetch_all(
        &mut self,
        stmt: &impl Statement,
    ) -> impl Future<Output = Result<Vec<Row>, StoreError>> + Send {
        Db::fetch_all(self, stmt)
    }

    fn fetch_optional(
        &mut self,
        stmt: &impl Statement,
    ) -> impl Future<Output = Result<Option<Row>, StoreError>> + Send {
        Db::fetch_optional(self, stmt)
    }

    fn execute(
        &mut self,
        stmt: &impl Statement,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        Db::execute(self, stmt)
    }
}

impl Conn for &mut Tx {
    fn backend(&self) -> Backend {
        Tx::backend(self)
    }

    fn fetch_all(
        &mut self,
        stmt: &impl Statement,
    ) -> impl Future<Output = Result<Vec<Row>, StoreError>> + Send {
        Tx::fetch_all(self, stmt)
    }

    fn fetch_optional(
        &mut self,
        stmt: &impl Statement,
    ) -> impl Future<Output = Result<Option<Row>, StoreError>> + Send {
        Tx::fetch_optional(self, stmt)
    }

    fn execute(
        &mut self,
        stmt: &impl Statement,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        Tx::execute(self, stmt)
    }
}
