//! Write transactions.

use super::{Backend, Rendered, Row, Statement, StoreError, query};
use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sqlx::{AssertSqlSafe, Postgres, Sqlite};

/// An open write transaction. Dropping it without [`Tx::commit`] rolls it back. On SQLite it
/// holds the process's `WriteLock` until it ends.
pub enum Tx {
    Sqlite(
        sqlx::Transaction<'static, Sqlite>,
        tokio::sync::OwnedMutexGuard<super::checkpoint::Committed>,
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
            Tx::Sqlite(tx, committed) => {
                tx.commit().await?;
                committed.tell();
            }
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}
