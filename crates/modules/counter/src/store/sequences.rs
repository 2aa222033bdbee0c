//! Numbers of the day: application numbers per office, queue tickets per office and purpose.

use sea_query::{Expr, ExprTrait, OnConflict, Query};
use store::{StoreError, Tx};

/// The next number of `scope` on `day` (1 for the first), taken in the caller's transaction.
pub async fn next(
    tx: &mut Tx,
    jurisdiction_id: &str,
    scope: &str,
    day: &str,
) -> Result<i64, StoreError> {
    let insert = Query::insert()
        .into_table("counter_sequences")
        .columns(["jurisdiction_id", "scope", "day", "last"])
        .values_panic([
            jurisdiction_id.into(),
            scope.into(),
            day.into(),
            0i64.into(),
        ])
        .on_conflict(
            OnConflict::columns(["jurisdiction_id", "scope", "day"])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    tx.execute(&insert).await?;
    let bump = Query::update()
        .table("counter_sequences")
        .value("last", Expr::col("last").add(1))
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("scope").eq(scope))
        .and_where(Expr::col("day").eq(day))
        .returning(Query::returning().column("last"))
        .to_owned();
    tx.fetch_one(&bump).await?.get("last")
}
