//! Mandates and their uses. Dates are stored as `YYYY-MM-DD` text (the jurisdiction's days).

use crate::domain::mandates::{Agent, Mandate, NamedPerson, State, Theme};
use sea_query::{Expr, ExprTrait, Order, Query};
use store::{Db, Row, StoreError, Tx};
use time::Date;
use time::macros::format_description;

const COLUMNS: [&str; 12] = [
    "id",
    "principal_id",
    "agent_account_id",
    "agent_name",
    "agent_id_last4",
    "agent_mobile",
    "theme",
    "specifier",
    "starts_on",
    "ends_on",
    "state",
    "updated_at",
];

fn day(text: &str) -> Result<Date, StoreError> {
    Date::parse(text, format_description!("[year]-[month]-[day]"))
        .map_err(|e| StoreError::Corrupt(format!("mandate date {text}: {e}")))
}

pub fn day_text(d: Date) -> String {
    d.format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

fn from_row(r: &Row) -> Result<Mandate, StoreError> {
    let agent = match r.get::<Option<String>>("agent_account_id")? {
        Some(id) => Agent::Account(id),
        None => Agent::Person(NamedPerson {
            name: r.get::<Option<String>>("agent_name")?.unwrap_or_default(),
            id_last4: r
                .get::<Option<String>>("agent_id_last4")?
                .unwrap_or_default(),
            mobile: r.get::<Option<String>>("agent_mobile")?.unwrap_or_default(),
        }),
    };
    let theme: String = r.get("theme")?;
    let state: String = r.get("state")?;
    Ok(Mandate {
        id: r.get("id")?,
        principal: r.get("principal_id")?,
        agent,
        theme: Theme::parse(&theme)
            .ok_or_else(|| StoreError::Corrupt(format!("mandate theme {theme}")))?,
        specifier: r.get("specifier")?,
        starts_on: day(&r.get::<String>("starts_on")?)?,
        ends_on: day(&r.get::<String>("ends_on")?)?,
        state: State::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("mandate state {state}")))?,
    })
}

pub async fn insert(
    tx: &mut Tx,
    jurisdiction_id: &str,
    m: &Mandate,
    at: i64,
) -> Result<(), StoreError> {
    let (account, name, last4, mobile) = match &m.agent {
        Agent::Account(id) => (Some(id.clone()), None, None, None),
        Agent::Person(p) => (
            None,
            Some(p.name.clone()),
            Some(p.id_last4.clone()),
            Some(p.mobile.clone()),
        ),
    };
    let stmt = Query::insert()
        .into_table("mandates")
        .columns([
            "id",
            "jurisdiction_id",
            "principal_id",
            "agent_account_id",
            "agent_name",
            "agent_id_last4",
            "agent_mobile",
            "theme",
            "specifier",
            "starts_on",
            "ends_on",
            "state",
            "created_at",
            "updated_at",
        ])
        .values_panic([
            m.id.clone().into(),
            jurisdiction_id.into(),
            m.principal.clone().into(),
            account.into(),
            name.into(),
            last4.into(),
            mobile.into(),
            m.theme.as_str().into(),
            m.specifier.clone().into(),
            day_text(m.starts_on).into(),
            day_text(m.ends_on).into(),
            m.state.as_str().into(),
            at.into(),
            at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

pub async fn find(db: &Db, id: &str) -> Result<Option<Mandate>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("mandates")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The mandates a principal gave, newest first.
pub async fn given_by(db: &Db, principal: &str) -> Result<Vec<Mandate>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("mandates")
        .and_where(Expr::col("principal_id").eq(principal))
        .order_by("updated_at", Order::Desc)
        .to_owned();
    db.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

/// The mandates given to an account, newest first.
pub async fn given_to(db: &Db, agent: &str) -> Result<Vec<Mandate>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("mandates")
        .and_where(Expr::col("agent_account_id").eq(agent))
        .order_by("updated_at", Order::Desc)
        .to_owned();
    db.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

/// Moves a mandate from one state to another; false if it was no longer in `from`.
pub async fn set_state(
    tx: &mut Tx,
    id: &str,
    from: &[State],
    to: State,
    at: i64,
) -> Result<bool, StoreError> {
    let stmt = Query::update()
        .table("mandates")
        .value("state", to.as_str())
        .value("updated_at", at)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("state").is_in(from.iter().map(|s| s.as_str())))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

/// Holds the mandate in force for the transaction: true if it is active now (its row is
/// written, so a revocation racing the use waits for it or wins before it).
pub async fn hold_active(tx: &mut Tx, id: &str) -> Result<bool, StoreError> {
    let stmt = Query::update()
        .table("mandates")
        .value("state", State::Active.as_str())
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("state").eq(State::Active.as_str()))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

/// A use of a mandate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    pub id: String,
    pub mandate_id: String,
    pub service: String,
    pub what: String,
    pub used_at: i64,
}

pub async fn record_use(tx: &mut Tx, u: &Use) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("mandate_uses")
        .columns(["id", "mandate_id", "service", "what", "used_at"])
        .values_panic([
            u.id.clone().into(),
            u.mandate_id.clone().into(),
            u.service.clone().into(),
            u.what.clone().into(),
            u.used_at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// The uses of a mandate, newest first.
pub async fn uses(db: &Db, mandate_id: &str) -> Result<Vec<Use>, StoreError> {
    let stmt = Query::select()
        .columns(["id", "mandate_id", "service", "what", "used_at"])
        .from("mandate_uses")
        .and_where(Expr::col("mandate_id").eq(mandate_id))
        .order_by("used_at", Order::Desc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(Use {
                id: r.get("id")?,
                mandate_id: r.get("mandate_id")?,
                service: r.get("service")?,
                what: r.get("what")?,
                used_at: r.get("used_at")?,
            })
        })
        .collect()
}
