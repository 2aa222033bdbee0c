//! The breach register (`breaches`).

use crate::domain::breaches::Breach;
use sea_query::{Expr, ExprTrait, Order, Query};
use store::{Db, Row, StoreError, Tx};

const COLUMNS: [&str; 13] = [
    "id",
    "discovered_at",
    "summary",
    "data",
    "records",
    "system_records",
    "special",
    "encrypted",
    "contained_at",
    "subjects_notified_at",
    "notified_how",
    "authority_reported_at",
    "closed_at",
];

fn from_row(r: &Row) -> Result<Breach, StoreError> {
    let data: String = r.get("data")?;
    Ok(Breach {
        id: r.get("id")?,
        discovered_at: r.get("discovered_at")?,
        summary: r.get("summary")?,
        data: serde_json::from_str(&data)
            .map_err(|e| StoreError::Corrupt(format!("breach data {e}")))?,
        records: u64::try_from(r.get::<i64>("records")?).unwrap_or_default(),
        system_records: u64::try_from(r.get::<i64>("system_records")?).unwrap_or_default(),
        special: r.get("special")?,
        encrypted: r.get("encrypted")?,
        contained_at: r.get("contained_at")?,
        subjects_notified_at: r.get("subjects_notified_at")?,
        notified_how: r.get("notified_how")?,
        authority_reported_at: r.get("authority_reported_at")?,
        closed_at: r.get("closed_at")?,
    })
}

pub async fn insert(
    tx: &mut Tx,
    jurisdiction_id: &str,
    b: &Breach,
    at: i64,
) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("breaches")
        .columns([
            "id",
            "jurisdiction_id",
            "discovered_at",
            "summary",
            "data",
            "records",
            "system_records",
            "special",
            "encrypted",
            "created_at",
            "updated_at",
        ])
        .values_panic([
            b.id.clone().into(),
            jurisdiction_id.into(),
            b.discovered_at.into(),
            b.summary.clone().into(),
            serde_json::to_string(&b.data).unwrap_or_default().into(),
            i64::try_from(b.records).unwrap_or(i64::MAX).into(),
            i64::try_from(b.system_records).unwrap_or(i64::MAX).into(),
            b.special.into(),
            b.encrypted.into(),
            at.into(),
            at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Sets a duty's time (`column`, and `how` for the notice) if it is not set yet; whether it was.
pub async fn mark(
    tx: &mut Tx,
    jurisdiction_id: &str,
    id: &str,
    column: &'static str,
    how: Option<&str>,
    at: i64,
) -> Result<bool, StoreError> {
    let mut stmt = Query::update();
    stmt.table("breaches")
        .value(column, at)
        .value("updated_at", at)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col(column).is_null())
        .and_where(Expr::col("closed_at").is_null());
    if let Some(how) = how {
        stmt.value("notified_how", how);
    }
    Ok(tx.execute(&stmt).await? == 1)
}

pub async fn find(db: &Db, jurisdiction_id: &str, id: &str) -> Result<Option<Breach>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("breaches")
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The jurisdiction's breaches, open ones first, newest first within each.
pub async fn list(db: &Db, jurisdiction_id: &str) -> Result<Vec<Breach>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("breaches")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .order_by("discovered_at", Order::Desc)
        .to_owned();
    let mut all: Vec<Breach> = db
        .fetch_all(&stmt)
        .await?
        .iter()
        .map(from_row)
        .collect::<Result<_, _>>()?;
    all.sort_by_key(|b| b.closed_at.is_some());
    Ok(all)
}
