//! Statements rendered ahead of time, for bulk loads.

use super::{Backend, Statement};
use sea_query::{PostgresQueryBuilder, SqliteQueryBuilder};
use sea_query_sqlx::SqlxValues;

/// A statement rendered for one backend ahead of time, typically on another thread than the
/// one that runs it (bulk imports prepare the next batch while the database writes the
/// current one). Running it neither renders nor copies its values again.
pub struct Rendered {
    pub(super) backend: Backend,
    pub(super) sql: String,
    pub(super) values: SqlxValues,
}

impl Rendered {
    pub fn new(backend: Backend, stmt: &impl Statement) -> Rendered {
        let (sql, values) = match backend {
            Backend::Sqlite => stmt.build_sqlx(SqliteQueryBuilder),
            Backend::Postgres => stmt.build_sqlx(PostgresQueryBuilder),
        };
        Rendered {
            backend,
            sql,
            values,
        }
    }

    /// A multi-row `INSERT INTO table (columns) VALUES (…), (…) suffix` rendered by hand, for
    /// bulk loads. `shared` columns have one value for every row, written as a literal (quoted
    /// by sea-query's backend rules) instead of being bound once per row; `values` hold the
    /// other `columns`, row after row, and are moved into the statement's arguments rather
    /// than copied. Nothing is rendered twice. Tables and columns are trusted identifiers
    /// (constants), never input.
    pub fn multi_row_insert(
        backend: Backend,
        table: &str,
        shared: Vec<(&str, sea_query::Value)>,
        columns: &[&str],
        values: Vec<sea_query::Value>,
        suffix: &str,
    ) -> Rendered {
        use sea_query::QueryBuilder as _;
        use std::fmt::Write as _;
        let width = columns.len().max(1);
        let rows = values.len() / width;
        let literals: Vec<String> = shared
            .iter()
            .map(|(_, v)| match backend {
                Backend::Sqlite => SqliteQueryBuilder.value_to_string(v),
                Backend::Postgres => PostgresQueryBuilder.value_to_string(v),
            })
            .collect();
        let shared_len: usize = literals.iter().map(|l| l.len() + 2).sum();
        let mut sql = String::with_capacity(64 + rows * (shared_len + width * 8));
        let _ = write!(sql, "INSERT INTO \"{table}\" (");
        for (i, c) in shared
            .iter()
            .map(|(c, _)| *c)
            .chain(columns.iter().copied())
            .enumerate()
        {
            if i > 0 {
                sql.push_str(", ");
            }
            let _ = write!(sql, "\"{c}\"");
        }
        sql.push_str(") VALUES ");
        let mut n = 0usize;
        for r in 0..rows {
            sql.push_str(if r == 0 { "(" } else { ", (" });
            for l in &literals {
                sql.push_str(l);
                sql.push_str(", ");
            }
            for i in 0..width {
                if i > 0 {
                    sql.push_str(", ");
                }
                n += 1;
                match backend {
                    Backend::Sqlite => sql.push('?'),
                    Backend::Postgres => {
                        let _ = write!(sql, "${n}");
                    }
                }
            }
            sql.push(')');
        }
        if !suffix.is_empty() {
            sql.push(' ');
            sql.push_str(suffix);
        }
        Rendered {
            backend,
            sql,
            values: SqlxValues(sea_query::Values(values)),
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}
