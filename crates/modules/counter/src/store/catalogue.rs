//! A jurisdiction's catalogue: offices, services (as JSON definitions, in catalogue order), and
//! every version of every form.

use crate::domain::catalogue::{Office, Service};
use crate::domain::forms::Form;
use crate::domain::reservations::Rules;
use sea_query::{Expr, ExprTrait, OnConflict, Order, Query};
use store::{Conn, StoreError};

fn corrupt(what: &str, e: serde_json::Error) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// Booking rules as stored.
#[derive(serde::Serialize, serde::Deserialize)]
struct StoredRules {
    slot_minutes: u32,
    capacity: u32,
    window_days: u32,
    lead_minutes: u32,
    cutoff_minutes: u32,
}

fn rules_json(r: Rules) -> String {
    json(&StoredRules {
        slot_minutes: r.slot_minutes,
        capacity: r.capacity,
        window_days: r.window_days,
        lead_minutes: r.lead_minutes,
        cutoff_minutes: r.cutoff_minutes,
    })
}

pub async fn upsert_office(
    mut conn: impl Conn,
    jurisdiction_id: &str,
    o: &Office,
    rules: Rules,
) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("counter_offices")
        .columns(["jurisdiction_id", "code", "definition", "booking_rules"])
        .values_panic([
            jurisdiction_id.into(),
            o.code.clone().into(),
            json(o).into(),
            rules_json(rules).into(),
        ])
        .on_conflict(
            OnConflict::columns(["jurisdiction_id", "code"])
                .update_columns(["definition", "booking_rules"])
                .to_owned(),
        )
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

pub async fn offices(
    mut conn: impl Conn,
    jurisdiction_id: &str,
) -> Result<Vec<(Office, Rules)>, StoreError> {
    let stmt = Query::select()
        .columns(["definition", "booking_rules"])
        .from("counter_offices")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .order_by("code", Order::Asc)
        .to_owned();
    conn.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            let d: String = r.get("definition")?;
            let b: String = r.get("booking_rules")?;
            let rules: StoredRules =
                serde_json::from_str(&b).map_err(|e| corrupt("booking rules", e))?;
            Ok((
                serde_json::from_str(&d).map_err(|e| corrupt("office", e))?,
                Rules {
                    slot_minutes: rules.slot_minutes,
                    capacity: rules.capacity,
                    window_days: rules.window_days,
                    lead_minutes: rules.lead_minutes,
                    cutoff_minutes: rules.cutoff_minutes,
                },
            ))
        })
        .collect()
}

/// Writes a service (its place in the catalogue kept when it exists).
pub async fn upsert_service(
    mut conn: impl Conn,
    jurisdiction_id: &str,
    position: i64,
    s: &Service,
    by: &str,
    now: i64,
) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("counter_services")
        .columns([
            "jurisdiction_id",
            "code",
            "position",
            "active",
            "definition",
            "updated_at",
            "updated_by",
        ])
        .values_panic([
            jurisdiction_id.into(),
            s.code.clone().into(),
            position.into(),
            i64::from(s.active).into(),
            json(s).into(),
            now.into(),
            by.into(),
        ])
        .on_conflict(
            OnConflict::columns(["jurisdiction_id", "code"])
                .update_columns(["active", "definition", "updated_at", "updated_by"])
                .to_owned(),
        )
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

pub async fn services(
    mut conn: impl Conn,
    jurisdiction_id: &str,
) -> Result<Vec<Service>, StoreError> {
    let stmt = Query::select()
        .columns(["definition", "active"])
        .from("counter_services")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .order_by("position", Order::Asc)
        .order_by("code", Order::Asc)
        .to_owned();
    conn.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            let d: String = r.get("definition")?;
            let active: i64 = r.get("active")?;
            let mut s: Service = serde_json::from_str(&d).map_err(|e| corrupt("service", e))?;
            s.active = active != 0;
            Ok(s)
        })
        .collect()
}

pub async fn service_count(mut conn: impl Conn, jurisdiction_id: &str) -> Result<i64, StoreError> {
    let stmt = Query::select()
        .expr_as(Expr::col("code").count(), "n")
        .from("counter_services")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .to_owned();
    conn.fetch_one(&stmt).await?.get("n")
}

/// Adds a form's next version; returns it.
pub async fn add_form_version(
    mut conn: impl Conn,
    jurisdiction_id: &str,
    form: &Form,
    by: &str,
    now: i64,
) -> Result<i64, StoreError> {
    let latest = Query::select()
        .expr_as(Expr::col("version").max(), "v")
        .from("counter_forms")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("form_key").eq(form.key.as_str()))
        .to_owned();
    let v: Option<i64> = conn.fetch_one(&latest).await?.get("v")?;
    let version = v.unwrap_or(0) + 1;
    let stmt = Query::insert()
        .into_table("counter_forms")
        .columns([
            "jurisdiction_id",
            "form_key",
            "version",
            "definition",
            "created_at",
            "created_by",
        ])
        .values_panic([
            jurisdiction_id.into(),
            form.key.clone().into(),
            version.into(),
            json(form).into(),
            now.into(),
            by.into(),
        ])
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(version)
}

/// The latest version of every form: (form, version).
pub async fn latest_forms(
    mut conn: impl Conn,
    jurisdiction_id: &str,
) -> Result<Vec<(Form, i64)>, StoreError> {
    let stmt = Query::select()
        .columns(["form_key", "version", "definition"])
        .from("counter_forms")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .order_by("form_key", Order::Asc)
        .order_by("version", Order::Desc)
        .to_owned();
    let mut out: Vec<(Form, i64)> = Vec::new();
    for r in conn.fetch_all(&stmt).await? {
        let key: String = r.get("form_key")?;
        if out.last().is_some_and(|(f, _)| f.key == key) {
            continue;
        }
        let d: String = r.get("definition")?;
        out.push((
            serde_json::from_str(&d).map_err(|e| corrupt("form", e))?,
            r.get("version")?,
        ));
    }
    Ok(out)
}

/// One version of a form.
pub async fn form_version(
    mut conn: impl Conn,
    jurisdiction_id: &str,
    key: &str,
    version: i64,
) -> Result<Option<Form>, StoreError> {
    let stmt = Query::select()
        .column("definition")
        .from("counter_forms")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("form_key").eq(key))
        .and_where(Expr::col("version").eq(version))
        .to_owned();
    conn.fetch_optional(&stmt)
        .await?
        .map(|r| {
            let d: String = r.get("definition")?;
            serde_json::from_str(&d).map_err(|e| corrupt("form", e))
        })
        .transpose()
}
