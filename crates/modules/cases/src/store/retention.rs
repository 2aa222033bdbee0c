//! The retention pass's reads and writes (`crate::retention`): each touches only rows that
//! still hold personal data, so a pass run twice, or on two nodes at once, changes nothing the
//! second time.

use sea_query::{Alias, Expr, ExprTrait, Query};
use store::{StoreError, Tx};

/// A reporter row still holding someone: any of its personal fields set.
fn holds_someone() -> sea_query::Condition {
    sea_query::Condition::any()
        .add(Expr::col(Alias::new("email")).is_not_null())
        .add(Expr::col(Alias::new("phone")).is_not_null())
        .add(Expr::col(Alias::new("first_name")).is_not_null())
        .add(Expr::col(Alias::new("last_name")).is_not_null())
        .add(Expr::col(Alias::new("device_id")).is_not_null())
        .add(Expr::col(Alias::new("account_id")).is_not_null())
        .add(Expr::col(Alias::new("phone_key")).is_not_null())
        .add(Expr::col(Alias::new("client_reference")).is_not_null())
}

/// Up to `limit` cases closed before `cutoff` whose reporters still hold someone: their ids
/// and descriptions.
pub async fn closed_with_people(
    tx: &mut Tx,
    jurisdiction_id: &str,
    cutoff: i64,
    limit: usize,
) -> Result<Vec<(String, String)>, StoreError> {
    let people = Query::select()
        .column(Alias::new("case_id"))
        .from("case_reporters")
        .cond_where(holds_someone())
        .to_owned();
    let stmt = Query::select()
        .columns(["id", "description"])
        .from("cases")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("closed_at").is_not_null())
        .and_where(Expr::col("closed_at").lt(cutoff))
        .and_where(Expr::col("id").in_subquery(people))
        .limit(limit as u64)
        .to_owned();
    tx.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| Ok((r.get("id")?, r.get("description")?)))
        .collect()
}

/// Empties a case's reporters of who they are, and replaces its description with `redacted`.
pub async fn forget_people(tx: &mut Tx, case_id: &str, redacted: &str) -> Result<(), StoreError> {
    let none = Option::<String>::None;
    let stmt = Query::update()
        .table("case_reporters")
        .values([
            ("email", none.clone().into()),
            ("phone", none.clone().into()),
            ("first_name", none.clone().into()),
            ("last_name", none.clone().into()),
            ("device_id", none.clone().into()),
            ("account_id", none.clone().into()),
            ("phone_key", none.clone().into()),
            ("client_reference", none.into()),
        ])
        .and_where(Expr::col("case_id").eq(case_id))
        .to_owned();
    tx.execute(&stmt).await?;
    let stmt = Query::update()
        .table("cases")
        .value("description", redacted)
        .and_where(Expr::col("id").eq(case_id))
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Empties the number and summary of the calls before `cutoff`; how many.
pub async fn forget_calls(
    tx: &mut Tx,
    jurisdiction_id: &str,
    cutoff: i64,
) -> Result<u64, StoreError> {
    let stmt = Query::update()
        .table("contacts")
        .value("caller_phone", "")
        .value("summary", "")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("created_at").lt(cutoff))
        .and_where(
            Expr::col("caller_phone")
                .ne("")
                .or(Expr::col("summary").ne("")),
        )
        .to_owned();
    tx.execute(&stmt).await
}

/// Empties the number and note of the out-calls made before `cutoff`; how many.
pub async fn forget_outcalls(
    tx: &mut Tx,
    jurisdiction_id: &str,
    cutoff: i64,
) -> Result<u64, StoreError> {
    let stmt = Query::update()
        .table("outcalls")
        .value("citizen_phone", Option::<String>::None)
        .value("note", Option::<String>::None)
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("created_at").lt(cutoff))
        .and_where(
            Expr::col("citizen_phone")
                .is_not_null()
                .or(Expr::col("note").is_not_null()),
        )
        .to_owned();
    tx.execute(&stmt).await
}
