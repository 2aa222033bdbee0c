//! Jurisdictions, departments, districts and categories.

use crate::db::{Conn, Db, Row, StoreError, Tx};
use domain::catalog::{Category, Department, DepartmentKind, District, Jurisdiction};
use domain::category::{ServiceType, Urgency};
use domain::geo::BoundingBox;
use domain::locale::Localized;
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};

const JURISDICTION_COLUMNS: [&str; 11] = [
    "id",
    "name_zh",
    "name_en",
    "timezone",
    "utc_offset_minutes",
    "contact",
    "key_service",
    "min_lat",
    "max_lat",
    "min_lon",
    "max_lon",
];

pub async fn upsert_jurisdiction(
    tx: &mut Tx,
    j: &Jurisdiction,
    now: i64,
) -> Result<(), StoreError> {
    let b = j.bounds;
    let stmt = Query::insert()
        .into_table("jurisdictions")
        .columns(
            JURISDICTION_COLUMNS
                .iter()
                .copied()
                .chain(["created_at", "updated_at"]),
        )
        .values_panic([
            j.id.clone().into(),
            j.name.zh.clone().into(),
            j.name.en.clone().into(),
            j.timezone.clone().into(),
            j.utc_offset_minutes.into(),
            j.contact.clone().into(),
            j.key_service.clone().into(),
            b.map(|b| b.min_lat).into(),
            b.map(|b| b.max_lat).into(),
            b.map(|b| b.min_lon).into(),
            b.map(|b| b.max_lon).into(),
            now.into(),
            now.into(),
        ])
        .on_conflict(
            OnConflict::column("id")
                .update_columns(
                    JURISDICTION_COLUMNS[1..]
                        .iter()
                        .copied()
                        .chain(["updated_at"]),
                )
                .to_owned(),
        )
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

fn jurisdiction_from_row(r: &Row) -> Result<Jurisdiction, StoreError> {
    let bounds = match (
        r.get::<Option<f64>>("min_lat")?,
        r.get::<Option<f64>>("max_lat")?,
        r.get::<Option<f64>>("min_lon")?,
        r.get::<Option<f64>>("max_lon")?,
    ) {
        (Some(min_lat), Some(max_lat), Some(min_lon), Some(max_lon)) => Some(BoundingBox {
            min_lat,
            max_lat,
            min_lon,
            max_lon,
        }),
        _ => None,
    };
    Ok(Jurisdiction {
        id: r.get("id")?,
        name: Localized::new(r.get::<String>("name_zh")?, r.get::<String>("name_en")?),
        timezone: r.get("timezone")?,
        utc_offset_minutes: r.get::<i64>("utc_offset_minutes")? as i32,
        contact: r.get("contact")?,
        key_service: r.get("key_service")?,
        bounds,
    })
}

pub async fn list_jurisdictions(db: &Db) -> Result<Vec<Jurisdiction>, StoreError> {
    let stmt = Query::select()
        .columns(JURISDICTION_COLUMNS)
        .from("jurisdictions")
        .order_by("id", Order::Asc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(jurisdiction_from_row)
        .collect()
}

pub async fn get_jurisdiction(db: &Db, id: &str) -> Result<Option<Jurisdiction>, StoreError> {
    let stmt = Query::select()
        .columns(JURISDICTION_COLUMNS)
        .from("jurisdictions")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(jurisdiction_from_row)
        .transpose()
}

pub async fn list_departments(
    db: &Db,
    jurisdiction_id: &str,
) -> Result<Vec<Department>, StoreError> {
    let stmt = Query::select()
        .columns(["code", "name_zh", "name_en", "kind"])
        .from("departments")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .order_by("code", Order::Asc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            let kind: String = r.get("kind")?;
            Ok(Department {
                code: r.get("code")?,
                name: Localized::new(r.get::<String>("name_zh")?, r.get::<String>("name_en")?),
                kind: DepartmentKind::parse(&kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("department kind {kind:?}")))?,
            })
        })
        .collect()
}

pub async fn upsert_district(
    tx: &mut Tx,
    jurisdiction_id: &str,
    d: &District,
) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("districts")
        .columns(["jurisdiction_id", "code", "name_zh", "name_en"])
        .values_panic([
            jurisdiction_id.into(),
            d.code.clone().into(),
            d.name.zh.clone().into(),
            d.name.en.clone().into(),
        ])
        .on_conflict(
            OnConflict::columns(["jurisdiction_id", "code"])
                .update_columns(["name_zh", "name_en"])
                .to_owned(),
        )
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

pub async fn list_districts(db: &Db, jurisdiction_id: &str) -> Result<Vec<District>, StoreError> {
    let stmt = Query::select()
        .columns(["code", "name_zh", "name_en"])
        .from("districts")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .order_by("code", Order::Asc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(District {
                code: r.get("code")?,
                name: Localized::new(r.get::<String>("name_zh")?, r.get::<String>("name_en")?),
            })
        })
        .collect()
}

const CATEGORY_COLUMNS: [&str; 15] = [
    "code",
    "name_zh",
    "name_en",
    "group_zh",
    "group_en",
    "description_zh",
    "description_en",
    "keywords",
    "department_code",
    "urgency",
    "service_type",
    "attributes",
    "active",
    "sort_order",
    "updated_at",
];

/// Inserts or updates a category. `updated_at` only moves (to `now`) when something changed,
/// so the Open311 discovery `changeset` stays stable across restarts of the demo.
pub async fn upsert_category(
    tx: &mut Tx,
    jurisdiction_id: &str,
    c: &Category,
    now: i64,
) -> Result<(), StoreError> {
    let attributes = serde_json::to_string(&c.attributes)
        .map_err(|e| StoreError::Corrupt(format!("attributes of {}: {e}", c.code)))?;
    let existing = Query::select()
        .columns(CATEGORY_COLUMNS)
        .from("categories")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("code").eq(c.code.as_str()))
        .to_owned();
    if let Some(row) = tx.fetch_optional(&existing).await?
        && category_from_row(&row)? == *c
    {
        return Ok(());
    }
    let stmt = Query::insert()
        .into_table("categories")
        .columns(std::iter::once("jurisdiction_id").chain(CATEGORY_COLUMNS))
        .values_panic([
            jurisdiction_id.into(),
            c.code.clone().into(),
            c.name.zh.clone().into(),
            c.name.en.clone().into(),
            c.group.zh.clone().into(),
            c.group.en.clone().into(),
            c.description.zh.clone().into(),
            c.description.en.clone().into(),
            c.keywords.clone().into(),
            c.department_code.clone().into(),
            c.urgency.as_str().into(),
            c.service_type.as_str().into(),
            attributes.into(),
            c.active.into(),
            c.sort_order.into(),
            now.into(),
        ])
        .on_conflict(
            OnConflict::columns(["jurisdiction_id", "code"])
                .update_columns(CATEGORY_COLUMNS[1..].iter().copied())
                .to_owned(),
        )
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

fn category_from_row(r: &Row) -> Result<Category, StoreError> {
    let code: String = r.get("code")?;
    let corrupt = |what: &str| StoreError::Corrupt(format!("category {code}: {what}"));
    let urgency: String = r.get("urgency")?;
    let service_type: String = r.get("service_type")?;
    let attributes: String = r.get("attributes")?;
    Ok(Category {
        name: Localized::new(r.get::<String>("name_zh")?, r.get::<String>("name_en")?),
        group: Localized::new(r.get::<String>("group_zh")?, r.get::<String>("group_en")?),
        description: Localized::new(
            r.get::<String>("description_zh")?,
            r.get::<String>("description_en")?,
        ),
        keywords: r.get("keywords")?,
        department_code: r.get("department_code")?,
        urgency: Urgency::parse(&urgency).ok_or_else(|| corrupt("urgency"))?,
        service_type: ServiceType::parse(&service_type).ok_or_else(|| corrupt("service type"))?,
        attributes: serde_json::from_str(&attributes).map_err(|e| corrupt(&e.to_string()))?,
        active: r.get("active")?,
        sort_order: r.get("sort_order")?,
        code,
    })
}

/// Active categories of a jurisdiction in display order, with the newest `updated_at` among
/// them (the Open311 discovery changeset).
pub async fn list_categories(
    db: &Db,
    jurisdiction_id: &str,
) -> Result<(Vec<Category>, i64), StoreError> {
    let stmt = Query::select()
        .columns(CATEGORY_COLUMNS)
        .from("categories")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("active").eq(true))
        .order_by("sort_order", Order::Asc)
        .order_by("code", Order::Asc)
        .to_owned();
    let rows = db.fetch_all(&stmt).await?;
    let mut changeset = 0;
    let mut categories = Vec::with_capacity(rows.len());
    for r in &rows {
        changeset = Ord::max(changeset, r.get::<i64>("updated_at")?);
        categories.push(category_from_row(r)?);
    }
    Ok((categories, changeset))
}

pub async fn get_category(
    db: &Db,
    jurisdiction_id: &str,
    code: &str,
) -> Result<Option<Category>, StoreError> {
    let stmt = Query::select()
        .columns(CATEGORY_COLUMNS)
        .from("categories")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("code").eq(code))
        .and_where(Expr::col("active").eq(true))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(category_from_row)
        .transpose()
}

/// The zh-TW name of a department.
pub async fn department_name(
    tx: impl Conn,
    jurisdiction_id: &str,
    code: &str,
) -> Result<Option<String>, StoreError> {
    zh_name(tx, "departments", jurisdiction_id, code).await
}

/// The zh-TW name of a category.
pub async fn category_name(
    tx: impl Conn,
    jurisdiction_id: &str,
    code: &str,
) -> Result<Option<String>, StoreError> {
    zh_name(tx, "categories", jurisdiction_id, code).await
}

/// The zh-TW name of the row of `table` with this code.
async fn zh_name(
    mut tx: impl Conn,
    table: &'static str,
    jurisdiction_id: &str,
    code: &str,
) -> Result<Option<String>, StoreError> {
    let stmt = Query::select()
        .column("name_zh")
        .from(table)
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("code").eq(code))
        .to_owned();
    tx.fetch_optional(&stmt)
        .await?
        .map(|r| r.get("name_zh"))
        .transpose()
}

// ---------------------------------------------------------------- administration

/// A department as administrators see it: with whether it still receives cases.
#[derive(Debug, Clone, PartialEq)]
pub struct DepartmentRecord {
    pub department: Department,
    pub active: bool,
}

fn department_record_from_row(r: &Row) -> Result<DepartmentRecord, StoreError> {
    let kind: String = r.get("kind")?;
    Ok(DepartmentRecord {
        department: Department {
            code: r.get("code")?,
            name: Localized::new(r.get::<String>("name_zh")?, r.get::<String>("name_en")?),
            kind: DepartmentKind::parse(&kind)
                .ok_or_else(|| StoreError::Corrupt(format!("department kind {kind:?}")))?,
        },
        active: r.get("active")?,
    })
}

/// Every department of a jurisdiction, active or not, by code.
pub async fn department_records(
    db: &Db,
    jurisdiction_id: &str,
) -> Result<Vec<DepartmentRecord>, StoreError> {
    let stmt = Query::select()
        .columns(["code", "name_zh", "name_en", "kind", "active"])
        .from("departments")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .order_by("code", Order::Asc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(department_record_from_row)
        .collect()
}

/// One department, active or not.
pub async fn department_record(
    mut tx: impl Conn,
    jurisdiction_id: &str,
    code: &str,
) -> Result<Option<DepartmentRecord>, StoreError> {
    let stmt = Query::select()
        .columns(["code", "name_zh", "name_en", "kind", "active"])
        .from("departments")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("code").eq(code))
        .to_owned();
    tx.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(department_record_from_row)
        .transpose()
}

/// Creates or changes a department, including whether it is active (reference loading
/// makes its departments active again).
pub async fn save_department(
    tx: &mut Tx,
    jurisdiction_id: &str,
    d: &Department,
    active: bool,
) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("departments")
        .columns([
            "jurisdiction_id",
            "code",
            "name_zh",
            "name_en",
            "kind",
            "active",
        ])
        .values_panic([
            jurisdiction_id.into(),
            d.code.clone().into(),
            d.name.zh.clone().into(),
            d.name.en.clone().into(),
            d.kind.as_str().into(),
            active.into(),
        ])
        .on_conflict(
            OnConflict::columns(["jurisdiction_id", "code"])
                .update_columns(["name_zh", "name_en", "kind", "active"])
                .to_owned(),
        )
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Every category of a jurisdiction, active or not, in display order.
pub async fn all_categories(db: &Db, jurisdiction_id: &str) -> Result<Vec<Category>, StoreError> {
    let stmt = Query::select()
        .columns(CATEGORY_COLUMNS)
        .from("categories")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .order_by("sort_order", Order::Asc)
        .order_by("code", Order::Asc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(category_from_row)
        .collect()
}

/// One category, active or not.
pub async fn any_category(
    mut tx: impl Conn,
    jurisdiction_id: &str,
    code: &str,
) -> Result<Option<Category>, StoreError> {
    let stmt = Query::select()
        .columns(CATEGORY_COLUMNS)
        .from("categories")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("code").eq(code))
        .to_owned();
    tx.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(category_from_row)
        .transpose()
}
