//! What an administrator configures for case work: routing and triage rules (kept in order),
//! SLA policies, and changes to the business calendar. Definitions are JSON owned by `domain`.

use crate::db::{Conn, Db, Row, StoreError, Tx};
use sea_query::{Expr, ExprTrait, Order, Query};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRule {
    pub id: String,
    pub kind: String,
    pub position: i64,
    pub definition: String,
    pub updated_at: i64,
    pub updated_by: String,
}

/// The rules of one kind (`routing` or `triage`), in order.
pub async fn rules(
    db: &Db,
    jurisdiction_id: &str,
    kind: &str,
) -> Result<Vec<StoredRule>, StoreError> {
    let stmt = Query::select()
        .columns([
            "id",
            "kind",
            "position",
            "definition",
            "updated_at",
            "updated_by",
        ])
        .from("case_rules")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("kind").eq(kind))
        .order_by("position", Order::Asc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r: &Row| {
            Ok(StoredRule {
                id: r.get("id")?,
                kind: r.get("kind")?,
                position: r.get("position")?,
                definition: r.get("definition")?,
                updated_at: r.get("updated_at")?,
                updated_by: r.get("updated_by")?,
            })
        })
        .collect()
}

/// Whether the rules of one kind have been set (even to none) rather than never stored.
pub async fn rules_set(db: &Db, jurisdiction_id: &str, kind: &str) -> Result<bool, StoreError> {
    let stmt = Query::select()
        .column("kind")
        .from("case_rule_sets")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("kind").eq(kind))
        .to_owned();
    Ok(db.fetch_optional(&stmt).await?.is_some())
}

/// Replaces every rule of one kind with these, in this order, and records that the list has
/// been set (so an emptied list stays empty).
pub async fn replace_rules(
    tx: &mut Tx,
    jurisdiction_id: &str,
    kind: &str,
    rules: &[(String, String)],
    at: i64,
    by: &str,
) -> Result<(), StoreError> {
    let delete = Query::delete()
        .from_table("case_rules")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("kind").eq(kind))
        .to_owned();
    tx.execute(&delete).await?;
    for (position, (id, definition)) in rules.iter().enumerate() {
        let insert = Query::insert()
            .into_table("case_rules")
            .columns([
                "id",
                "jurisdiction_id",
                "kind",
                "position",
                "definition",
                "updated_at",
                "updated_by",
            ])
            .values_panic([
                id.clone().into(),
                jurisdiction_id.into(),
                kind.into(),
                (position as i64).into(),
                definition.clone().into(),
                at.into(),
                by.into(),
            ])
            .to_owned();
        tx.execute(&insert).await?;
    }
    let unmark = Query::delete()
        .from_table("case_rule_sets")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("kind").eq(kind))
        .to_owned();
    tx.execute(&unmark).await?;
    let mark = Query::insert()
        .into_table("case_rule_sets")
        .columns(["jurisdiction_id", "kind", "updated_at"])
        .values_panic([jurisdiction_id.into(), kind.into(), at.into()])
        .to_owned();
    tx.execute(&mark).await?;
    Ok(())
}

/// SLA policies by scope (a category code, or an urgency `P1`..`P4`).
/// Read through `&mut tx` by a writer, which must not wait for a second connection.
pub async fn sla_policies(
    mut db: impl Conn,
    jurisdiction_id: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let stmt = Query::select()
        .columns(["scope", "definition"])
        .from("sla_policies")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .order_by("scope", Order::Asc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| Ok((r.get("scope")?, r.get("definition")?)))
        .collect()
}

pub async fn set_sla_policy(
    tx: &mut Tx,
    jurisdiction_id: &str,
    scope: &str,
    definition: &str,
    at: i64,
) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("sla_policies")
        .columns(["jurisdiction_id", "scope", "definition", "updated_at"])
        .values_panic([
            jurisdiction_id.into(),
            scope.into(),
            definition.into(),
            at.into(),
        ])
        .on_conflict(
            sea_query::OnConflict::columns(["jurisdiction_id", "scope"])
                .update_columns(["definition", "updated_at"])
                .to_owned(),
        )
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarRow {
    pub id: String,
    pub kind: String,
    pub day: Option<String>,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
    pub name: String,
    pub created_at: i64,
    pub created_by: String,
}

pub async fn calendar_entries(
    mut db: impl Conn,
    jurisdiction_id: &str,
) -> Result<Vec<CalendarRow>, StoreError> {
    let stmt = Query::select()
        .columns([
            "id",
            "kind",
            "day",
            "starts_at",
            "ends_at",
            "name",
            "created_at",
            "created_by",
        ])
        .from("calendar_entries")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .order_by("created_at", Order::Asc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(CalendarRow {
                id: r.get("id")?,
                kind: r.get("kind")?,
                day: r.get("day")?,
                starts_at: r.get("starts_at")?,
                ends_at: r.get("ends_at")?,
                name: r.get("name")?,
                created_at: r.get("created_at")?,
                created_by: r.get("created_by")?,
            })
        })
        .collect()
}

pub async fn insert_calendar_entry(
    tx: &mut Tx,
    jurisdiction_id: &str,
    e: &CalendarRow,
) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("calendar_entries")
        .columns([
            "id",
            "jurisdiction_id",
            "kind",
            "day",
            "starts_at",
            "ends_at",
            "name",
            "created_at",
            "created_by",
        ])
        .values_panic([
            e.id.clone().into(),
            jurisdiction_id.into(),
            e.kind.clone().into(),
            e.day.clone().into(),
            e.starts_at.into(),
            e.ends_at.into(),
            e.name.clone().into(),
            e.created_at.into(),
            e.created_by.clone().into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}
