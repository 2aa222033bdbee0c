//! Pages of many rows read as one JSON value.

use super::{Db, StoreError, query};
use sea_query::{Order, PostgresQueryBuilder, SelectStatement, SqliteQueryBuilder};
use sea_query_sqlx::SqlxBinder;
use sqlx::Row as _;

impl Db {
    /// Runs `select` and decodes its rows from a single JSON value that the database builds:
    /// an array holding, for each row, an array of the `columns` it outputs (in that order),
    /// sorted by `order`. `T` reads such an array (a struct deriving `Deserialize` with its
    /// fields in the order of `columns`).
    ///
    /// For pages of many rows. Fetched as rows, sqlx's SQLite driver copies every value and
    /// hands each row from its worker thread to the task separately, which wakes the task
    /// once per row; one value crosses instead. SQLite renders a REAL with 15 significant
    /// digits in JSON, so those are written with 17 (exact) here, and a row reads the same
    /// as from [`Db::fetch_all`].
    pub async fn fetch_packed<T: serde::de::DeserializeOwned>(
        &self,
        select: &SelectStatement,
        columns: &[&str],
        order: &[(&str, Order)],
    ) -> Result<Vec<T>, StoreError> {
        let order_by = if order.is_empty() {
            String::new()
        } else {
            let keys: Vec<String> = order
                .iter()
                .map(|(c, o)| {
                    let direction = if matches!(o, Order::Desc) {
                        "DESC"
                    } else {
                        "ASC"
                    };
                    format!("r.\"{c}\" {direction}")
                })
                .collect();
            format!(" ORDER BY {}", keys.join(", "))
        };
        let text: String = match self {
            Db::Sqlite(pool, _) => {
                let (inner, values) = select.build_sqlx(SqliteQueryBuilder);
                let items: Vec<String> = columns
                    .iter()
                    .map(|c| {
                        format!(
                            "CASE typeof(r.\"{c}\") WHEN 'real' \
                             THEN json(printf('%!.17g', r.\"{c}\")) ELSE r.\"{c}\" END"
                        )
                    })
                    .collect();
                let sql = format!(
                    "SELECT json_group_array(json_array({}){order_by}) FROM ({inner}) AS r",
                    items.join(", ")
                );
                query(sql, values).fetch_one(pool).await?.try_get(0)?
            }
            Db::Postgres(pool) => {
                let (inner, values) = select.build_sqlx(PostgresQueryBuilder);
                let items: Vec<String> = columns.iter().map(|c| format!("r.\"{c}\"")).collect();
                let sql = format!(
                    "SELECT coalesce(json_agg(json_build_array({}){order_by}), '[]')::text \
                     FROM ({inner}) AS r",
                    items.join(", ")
                );
                query(sql, values).fetch_one(pool).await?.try_get(0)?
            }
        };
        serde_json::from_str(&text)
            .map_err(|e| StoreError::Corrupt(format!("a page of rows as JSON: {e}")))
    }
}
