//! Form submissions made once (`form_submissions`): a claim per submission key, then the
//! sealed answer. See `platform::submissions`.

use crate::db::{Db, StoreError};
use sea_query::{Expr, ExprTrait, OnConflict, Query};

/// A claimed submission as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub kind: String,
    /// The answer, sealed; `None` while the first request is still making it.
    pub sealed: Option<String>,
    pub expires_at: i64,
}

/// Claims `id` for one making: true if this call claimed it, false if it was claimed before
/// (and has not expired). Expired claims are cleared first.
pub async fn claim(
    db: &Db,
    id: &str,
    jurisdiction_id: &str,
    kind: &str,
    now: i64,
    expires_at: i64,
) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let expired = Query::delete()
        .from_table("form_submissions")
        .and_where(Expr::col("expires_at").lte(now))
        .to_owned();
    tx.execute(&expired).await?;
    let insert = Query::insert()
        .into_table("form_submissions")
        .columns(["id", "jurisdiction_id", "kind", "created_at", "expires_at"])
        .values_panic([
            id.into(),
            jurisdiction_id.into(),
            kind.into(),
            now.into(),
            expires_at.into(),
        ])
        .on_conflict(OnConflict::column("id").do_nothing().to_owned())
        .to_owned();
    let claimed = tx.execute(&insert).await? == 1;
    tx.commit().await?;
    Ok(claimed)
}

/// Stores the sealed answer of a claimed submission.
pub async fn seal(db: &Db, id: &str, sealed: &str) -> Result<(), StoreError> {
    let stmt = Query::update()
        .table("form_submissions")
        .value("sealed", sealed)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

/// Gives up a claim that made nothing (the form was refused), so the same form may be sent
/// again once corrected.
pub async fn release(db: &Db, id: &str) -> Result<(), StoreError> {
    let stmt = Query::delete()
        .from_table("form_submissions")
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("sealed").is_null())
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

/// The submission, unless it has expired.
pub async fn get(db: &Db, id: &str, now: i64) -> Result<Option<Submission>, StoreError> {
    let stmt = Query::select()
        .columns(["kind", "sealed", "expires_at"])
        .from("form_submissions")
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("expires_at").gt(now))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .map(|r| {
            Ok(Submission {
                kind: r.get("kind")?,
                sealed: r.get("sealed")?,
                expires_at: r.get("expires_at")?,
            })
        })
        .transpose()
}
