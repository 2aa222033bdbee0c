//! Fixed-window counters in the database, so every node sees the same count: a credential
//! stuffer spreading attempts over several nodes is limited as if there were one.

use crate::db::{Db, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Query};

/// Counts one hit in `bucket` for the window of `window_secs` that contains `now`, and returns
/// the number of hits in that window including this one.
pub async fn hit(db: &Db, bucket: &str, now: i64, window_secs: i64) -> Result<i64, StoreError> {
    let window_start = now - now.rem_euclid(Ord::max(window_secs, 1));
    let stale = Expr::col(("rate_limits", "window_start")).lt(window_start);
    let stmt = Query::insert()
        .into_table("rate_limits")
        .columns(["bucket", "window_start", "hits"])
        .values_panic([bucket.into(), window_start.into(), 1i64.into()])
        .on_conflict(
            OnConflict::column("bucket")
                .value(
                    "hits",
                    Expr::case(stale.clone(), 1i64)
                        .finally(Expr::col(("rate_limits", "hits")).add(1)),
                )
                .value(
                    "window_start",
                    Expr::case(stale, window_start)
                        .finally(Expr::col(("rate_limits", "window_start"))),
                )
                .to_owned(),
        )
        .returning(Query::returning().column("hits"))
        .to_owned();
    let mut tx = db.begin().await?;
    let row = tx.fetch_one(&stmt).await?;
    tx.commit().await?;
    row.get("hits")
}

/// Hits in the current window without counting one.
pub async fn peek(db: &Db, bucket: &str, now: i64, window_secs: i64) -> Result<i64, StoreError> {
    let window_start = now - now.rem_euclid(Ord::max(window_secs, 1));
    let stmt = Query::select()
        .column("hits")
        .from("rate_limits")
        .and_where(Expr::col("bucket").eq(bucket))
        .and_where(Expr::col("window_start").eq(window_start))
        .to_owned();
    Ok(match db.fetch_optional(&stmt).await? {
        Some(r) => r.get("hits")?,
        None => 0,
    })
}

/// Forgets a bucket (after a successful sign-in, the failure count starts again).
pub async fn clear(db: &Db, bucket: &str) -> Result<(), StoreError> {
    let stmt = Query::delete()
        .from_table("rate_limits")
        .and_where(Expr::col("bucket").eq(bucket))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}
