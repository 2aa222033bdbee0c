//! The agents' knowledge base: answers to the questions callers ask most (FAQ entries), kept
//! by administrators; and the dispatchers' saved queue views. Search is done by the services
//! over the jurisdiction's entries (a few hundred), so it normalises Chinese text the same way
//! on both backends.

use sea_query::{Expr, ExprTrait, Order, Query};
use store::{Db, Row, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnowledgeEntry {
    pub id: String,
    pub jurisdiction_id: String,
    pub question: String,
    pub answer: String,
    pub keywords: String,
    pub category_code: Option<String>,
    pub created_by: String,
    pub updated_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const ENTRY_COLUMNS: [&str; 10] = [
    "id",
    "jurisdiction_id",
    "question",
    "answer",
    "keywords",
    "category_code",
    "created_by",
    "updated_by",
    "created_at",
    "updated_at",
];

fn entry_from_row(r: &Row) -> Result<KnowledgeEntry, StoreError> {
    Ok(KnowledgeEntry {
        id: r.get("id")?,
        jurisdiction_id: r.get("jurisdiction_id")?,
        question: r.get("question")?,
        answer: r.get("answer")?,
        keywords: r.get("keywords")?,
        category_code: r.get("category_code")?,
        created_by: r.get("created_by")?,
        updated_by: r.get("updated_by")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

/// Every entry of a jurisdiction, most recently changed first (at most `limit`).
pub async fn list_entries(
    db: &Db,
    jurisdiction_id: &str,
    limit: u64,
) -> Result<Vec<KnowledgeEntry>, StoreError> {
    let stmt = Query::select()
        .columns(ENTRY_COLUMNS)
        .from("knowledge_entries")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .order_by("updated_at", Order::Desc)
        .order_by("id", Order::Asc)
        .limit(limit.clamp(1, 10_000))
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(entry_from_row)
        .collect()
}

pub async fn find_entry(
    tx: &mut Tx,
    jurisdiction_id: &str,
    id: &str,
) -> Result<Option<KnowledgeEntry>, StoreError> {
    let stmt = Query::select()
        .columns(ENTRY_COLUMNS)
        .from("knowledge_entries")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    tx.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(entry_from_row)
        .transpose()
}

pub async fn count_entries(tx: &mut Tx, jurisdiction_id: &str) -> Result<i64, StoreError> {
    let stmt = Query::select()
        .expr_as(Expr::col("id").count(), "n")
        .from("knowledge_entries")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .to_owned();
    tx.fetch_one(&stmt).await?.get("n")
}

pub async fn insert_entry(tx: &mut Tx, e: &KnowledgeEntry) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("knowledge_entries")
        .columns(ENTRY_COLUMNS)
        .values_panic([
            e.id.clone().into(),
            e.jurisdiction_id.clone().into(),
            e.question.clone().into(),
            e.answer.clone().into(),
            e.keywords.clone().into(),
            e.category_code.clone().into(),
            e.created_by.clone().into(),
            e.updated_by.clone().into(),
            e.created_at.into(),
            e.updated_at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Replaces an entry's text; false when there is no such entry.
pub async fn update_entry(tx: &mut Tx, e: &KnowledgeEntry) -> Result<bool, StoreError> {
    let stmt = Query::update()
        .table("knowledge_entries")
        .value("question", e.question.clone())
        .value("answer", e.answer.clone())
        .value("keywords", e.keywords.clone())
        .value("category_code", e.category_code.clone())
        .value("updated_by", e.updated_by.clone())
        .value("updated_at", e.updated_at)
        .and_where(Expr::col("jurisdiction_id").eq(e.jurisdiction_id.as_str()))
        .and_where(Expr::col("id").eq(e.id.as_str()))
        .to_owned();
    Ok(tx.execute(&stmt).await? > 0)
}

pub async fn delete_entry(
    tx: &mut Tx,
    jurisdiction_id: &str,
    id: &str,
) -> Result<bool, StoreError> {
    let stmt = Query::delete()
        .from_table("knowledge_entries")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    Ok(tx.execute(&stmt).await? > 0)
}

// ---------------------------------------------------------------------------------------------
// Saved views

/// A named set of queue filters of one staff account (the query string of the queue page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedView {
    pub id: String,
    pub jurisdiction_id: String,
    pub account_id: String,
    pub name: String,
    pub query: String,
    pub created_at: i64,
}

const VIEW_COLUMNS: [&str; 6] = [
    "id",
    "jurisdiction_id",
    "account_id",
    "name",
    "query",
    "created_at",
];

fn view_from_row(r: &Row) -> Result<SavedView, StoreError> {
    Ok(SavedView {
        id: r.get("id")?,
        jurisdiction_id: r.get("jurisdiction_id")?,
        account_id: r.get("account_id")?,
        name: r.get("name")?,
        query: r.get("query")?,
        created_at: r.get("created_at")?,
    })
}

/// An account's saved views, by name.
pub async fn list_views(
    db: &Db,
    jurisdiction_id: &str,
    account_id: &str,
) -> Result<Vec<SavedView>, StoreError> {
    let stmt = Query::select()
        .columns(VIEW_COLUMNS)
        .from("saved_views")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("account_id").eq(account_id))
        .order_by("name", Order::Asc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(view_from_row)
        .collect()
}

/// How many views an account keeps under other names than `except_name`.
pub async fn count_views(
    tx: &mut Tx,
    account_id: &str,
    except_name: &str,
) -> Result<i64, StoreError> {
    let stmt = Query::select()
        .expr_as(Expr::col("id").count(), "n")
        .from("saved_views")
        .and_where(Expr::col("account_id").eq(account_id))
        .and_where(Expr::col("name").ne(except_name))
        .to_owned();
    tx.fetch_one(&stmt).await?.get("n")
}

/// Saves a view; a view of the same name is replaced.
pub async fn upsert_view(tx: &mut Tx, v: &SavedView) -> Result<(), StoreError> {
    let delete = Query::delete()
        .from_table("saved_views")
        .and_where(Expr::col("account_id").eq(v.account_id.as_str()))
        .and_where(Expr::col("name").eq(v.name.as_str()))
        .to_owned();
    tx.execute(&delete).await?;
    let stmt = Query::insert()
        .into_table("saved_views")
        .columns(VIEW_COLUMNS)
        .values_panic([
            v.id.clone().into(),
            v.jurisdiction_id.clone().into(),
            v.account_id.clone().into(),
            v.name.clone().into(),
            v.query.clone().into(),
            v.created_at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Deletes one of the account's views; false when it has no such view.
pub async fn delete_view(
    tx: &mut Tx,
    jurisdiction_id: &str,
    account_id: &str,
    id: &str,
) -> Result<bool, StoreError> {
    let stmt = Query::delete()
        .from_table("saved_views")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("account_id").eq(account_id))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    Ok(tx.execute(&stmt).await? > 0)
}
