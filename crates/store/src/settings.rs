//! Instance-wide settings kept in the database so that every node shares them.

use crate::db::{Db, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Query};

/// Returns the value of `key`, storing `make()` first if the key is absent. Concurrent callers
/// on several nodes all end up with the same stored value.
pub async fn get_or_init(
    db: &Db,
    key: &str,
    make: impl FnOnce() -> String,
) -> Result<String, StoreError> {
    let insert = Query::insert()
        .into_table("instance_settings")
        .columns(["key", "value"])
        .values_panic([key.into(), make().into()])
        .on_conflict(OnConflict::column("key").do_nothing().to_owned())
        .to_owned();
    db.execute(&insert).await?;
    let select = Query::select()
        .column("value")
        .from("instance_settings")
        .and_where(Expr::col("key").eq(key))
        .to_owned();
    let row = db
        .fetch_optional(&select)
        .await?
        .ok_or(StoreError::Sqlx(sqlx::Error::RowNotFound))?;
    row.get("value")
}
