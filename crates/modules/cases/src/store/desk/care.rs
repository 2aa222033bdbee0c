//! Care flags on caller numbers.

use sea_query::{Expr, ExprTrait, Query, SelectStatement};
use store::{Conn, Row, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CareFlag {
    pub phone: String,
    pub note: String,
    pub flagged_by: String,
    pub flagged_by_name: Option<String>,
    pub created_at: i64,
}

fn care_flag_select(jurisdiction_id: &str, phone: &str) -> SelectStatement {
    Query::select()
        .column(("care_flags", "phone"))
        .column(("care_flags", "note"))
        .column(("care_flags", "flagged_by"))
        .column(("care_flags", "created_at"))
        .expr_as(Expr::col(("accounts", "display_name")), "flagged_by_name")
        .from("care_flags")
        .left_join(
            "accounts",
            Expr::col(("accounts", "id")).equals(("care_flags", "flagged_by")),
        )
        .and_where(Expr::col(("care_flags", "jurisdiction_id")).eq(jurisdiction_id))
        .and_where(Expr::col(("care_flags", "phone")).eq(phone))
        .to_owned()
}

fn care_flag_from_row(r: &Row) -> Result<CareFlag, StoreError> {
    Ok(CareFlag {
        phone: r.get("phone")?,
        note: r.get("note")?,
        flagged_by: r.get("flagged_by")?,
        flagged_by_name: r.get("flagged_by_name")?,
        created_at: r.get("created_at")?,
    })
}

pub async fn care_flag(
    mut db: impl Conn,
    jurisdiction_id: &str,
    phone: &str,
) -> Result<Option<CareFlag>, StoreError> {
    db.fetch_optional(&care_flag_select(jurisdiction_id, phone))
        .await?
        .as_ref()
        .map(care_flag_from_row)
        .transpose()
}

/// Flags a number, or replaces the note of a flagged one.
pub async fn set_care_flag(
    tx: &mut Tx,
    jurisdiction_id: &str,
    phone: &str,
    note: &str,
    flagged_by: &str,
    at: i64,
) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("care_flags")
        .columns([
            "jurisdiction_id",
            "phone",
            "note",
            "flagged_by",
            "created_at",
        ])
        .values_panic([
            jurisdiction_id.into(),
            phone.into(),
            note.into(),
            flagged_by.into(),
            at.into(),
        ])
        .on_conflict(
            sea_query::OnConflict::columns(["jurisdiction_id", "phone"])
                .update_columns(["note", "flagged_by", "created_at"])
                .to_owned(),
        )
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Removes a flag; false if the number was not flagged.
pub async fn clear_care_flag(
    tx: &mut Tx,
    jurisdiction_id: &str,
    phone: &str,
) -> Result<bool, StoreError> {
    let stmt = Query::delete()
        .from_table("care_flags")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("phone").eq(phone))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}
