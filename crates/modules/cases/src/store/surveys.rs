//! Satisfaction surveys: one per resolved case, reached through a link whose token is stored
//! only as a hash, valid for a few days, answered once.

use sea_query::{Expr, ExprTrait, OnConflict, Query};
use store::{StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    pub case_id: String,
    pub expires_at: i64,
    pub score: Option<i64>,
    pub submitted_at: Option<i64>,
}

/// Offers a survey for a case at `now`; a case resolved again gets a fresh link (an unanswered
/// earlier one is replaced, an answered one is kept).
pub async fn create(
    tx: &mut Tx,
    case_id: &str,
    jurisdiction_id: &str,
    token_hash: &str,
    expires_at: i64,
    now: i64,
) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("case_surveys")
        .columns([
            "case_id",
            "jurisdiction_id",
            "token_hash",
            "expires_at",
            "created_at",
        ])
        .values_panic([
            case_id.into(),
            jurisdiction_id.into(),
            token_hash.into(),
            expires_at.into(),
            now.into(),
        ])
        .on_conflict(
            OnConflict::column("case_id")
                .update_columns(["token_hash", "expires_at", "created_at"])
                .action_and_where(Expr::col(("case_surveys", "submitted_at")).is_null())
                .to_owned(),
        )
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

pub async fn by_token(
    tx: &mut Tx,
    jurisdiction_id: &str,
    token_hash: &str,
) -> Result<Option<Survey>, StoreError> {
    let stmt = Query::select()
        .columns(["case_id", "expires_at", "score", "submitted_at"])
        .from("case_surveys")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("token_hash").eq(token_hash))
        .to_owned();
    tx.fetch_optional(&stmt)
        .await?
        .map(|r| {
            Ok(Survey {
                case_id: r.get("case_id")?,
                expires_at: r.get("expires_at")?,
                score: r.get("score")?,
                submitted_at: r.get("submitted_at")?,
            })
        })
        .transpose()
}

pub async fn submit(
    tx: &mut Tx,
    case_id: &str,
    score: i64,
    comment: Option<&str>,
    at: i64,
) -> Result<(), StoreError> {
    let stmt = Query::update()
        .table("case_surveys")
        .value("score", score)
        .value("comment", comment.map(str::to_string))
        .value("submitted_at", at)
        .and_where(Expr::col("case_id").eq(case_id))
        .and_where(Expr::col("submitted_at").is_null())
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}
