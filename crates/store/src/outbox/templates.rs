//! Administrators' overrides of the built-in notification templates.

use crate::db::{Db, Row, StoreError, Tx};
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};

/// An admin's replacement for a built-in template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateOverride {
    pub jurisdiction_id: String,
    pub key: String,
    pub locale: String,
    pub channel: String,
    pub subject: Option<String>,
    pub body: String,
    pub updated_at: i64,
    pub updated_by: String,
}

const TEMPLATE_COLUMNS: [&str; 8] = [
    "jurisdiction_id",
    "key",
    "locale",
    "channel",
    "subject",
    "body",
    "updated_at",
    "updated_by",
];

fn template_from_row(r: &Row) -> Result<TemplateOverride, StoreError> {
    Ok(TemplateOverride {
        jurisdiction_id: r.get("jurisdiction_id")?,
        key: r.get("key")?,
        locale: r.get("locale")?,
        channel: r.get("channel")?,
        subject: r.get("subject")?,
        body: r.get("body")?,
        updated_at: r.get("updated_at")?,
        updated_by: r.get("updated_by")?,
    })
}

pub async fn list_templates(
    db: &Db,
    jurisdiction_id: &str,
) -> Result<Vec<TemplateOverride>, StoreError> {
    let stmt = Query::select()
        .columns(TEMPLATE_COLUMNS)
        .from("notification_templates")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .order_by("key", Order::Asc)
        .order_by("locale", Order::Asc)
        .order_by("channel", Order::Asc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(template_from_row)
        .collect()
}

pub async fn get_template(
    db: &Db,
    jurisdiction_id: &str,
    key: &str,
    locale: &str,
    channel: &str,
) -> Result<Option<TemplateOverride>, StoreError> {
    let stmt = Query::select()
        .columns(TEMPLATE_COLUMNS)
        .from("notification_templates")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("key").eq(key))
        .and_where(Expr::col("locale").eq(locale))
        .and_where(Expr::col("channel").eq(channel))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(template_from_row)
        .transpose()
}

pub async fn upsert_template(tx: &mut Tx, t: &TemplateOverride) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("notification_templates")
        .columns(TEMPLATE_COLUMNS)
        .values_panic([
            t.jurisdiction_id.clone().into(),
            t.key.clone().into(),
            t.locale.clone().into(),
            t.channel.clone().into(),
            t.subject.clone().into(),
            t.body.clone().into(),
            t.updated_at.into(),
            t.updated_by.clone().into(),
        ])
        .on_conflict(
            OnConflict::columns(["jurisdiction_id", "key", "locale", "channel"])
                .update_columns(["subject", "body", "updated_at", "updated_by"])
                .to_owned(),
        )
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Removes an override; returns whether one existed.
pub async fn delete_template(
    tx: &mut Tx,
    jurisdiction_id: &str,
    key: &str,
    locale: &str,
    channel: &str,
) -> Result<bool, StoreError> {
    let stmt = Query::delete()
        .from_table("notification_templates")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("key").eq(key))
        .and_where(Expr::col("locale").eq(locale))
        .and_where(Expr::col("channel").eq(channel))
        .to_owned();
    Ok(tx.execute(&stmt).await? > 0)
}
