//! The daily counters behind the per-jurisdiction caps on messages sent.

use crate::db::{Db, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Query};

/// Takes one unit of today's allowance of a jurisdiction's channel. Returns false, changing
/// nothing, if `cap` units are already taken. Safe under concurrency on both backends (the
/// conditional update locks the counter row).
pub async fn reserve_daily(
    db: &Db,
    jurisdiction_id: &str,
    day: &str,
    channel: &str,
    cap: i64,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let start = Query::insert()
        .into_table("notification_daily_counts")
        .columns(["jurisdiction_id", "day", "channel", "count"])
        .values_panic([
            jurisdiction_id.into(),
            day.into(),
            channel.into(),
            0i64.into(),
        ])
        .on_conflict(
            OnConflict::columns(["jurisdiction_id", "day", "channel"])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    tx.execute(&start).await?;
    let bump = Query::update()
        .table("notification_daily_counts")
        .value("count", Expr::col("count").add(1))
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("day").eq(day))
        .and_where(Expr::col("channel").eq(channel))
        .and_where(Expr::col("count").lt(cap))
        .to_owned();
    let ok = tx.execute(&bump).await? == 1;
    tx.commit().await?;
    Ok(ok)
}

/// Gives back a unit taken by [`reserve_daily`] for a message that was not sent after all.
pub async fn release_daily(
    db: &Db,
    jurisdiction_id: &str,
    day: &str,
    channel: &str,
) -> Result<(), StoreError> {
    let stmt = Query::update()
        .table("notification_daily_counts")
        .value("count", Expr::col("count").sub(1))
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("day").eq(day))
        .and_where(Expr::col("channel").eq(channel))
        .and_where(Expr::col("count").gt(0))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

pub async fn daily_count(
    db: &Db,
    jurisdiction_id: &str,
    day: &str,
    channel: &str,
) -> Result<i64, StoreError> {
    let stmt = Query::select()
        .column("count")
        .from("notification_daily_counts")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("day").eq(day))
        .and_where(Expr::col("channel").eq(channel))
        .to_owned();
    Ok(match db.fetch_optional(&stmt).await? {
        Some(r) => r.get("count")?,
        None => 0,
    })
}
