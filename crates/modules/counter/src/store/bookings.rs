//! Reservations: slot rows (made when first booked) whose `booked < capacity` guard takes the
//! last place exactly once, and the bookings.

use sea_query::{Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};
use store::{Conn, Row, StoreError, Tx};

/// A booking.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Booking {
    pub id: String,
    pub jurisdiction_id: String,
    pub office_code: String,
    pub purpose: String,
    pub service_code: Option<String>,
    pub application_id: Option<String>,
    pub starts_at: i64,
    pub state: String,
    pub account_id: Option<String>,
    pub name: String,
    pub mobile: Option<String>,
    pub channel: String,
    pub created_by: String,
    pub queue_number: Option<String>,
    pub arrived_at: Option<i64>,
    pub reminded_at: Option<i64>,
    pub created_at: i64,
}

const COLUMNS: [&str; 17] = [
    "id",
    "jurisdiction_id",
    "office_code",
    "purpose",
    "service_code",
    "application_id",
    "starts_at",
    "state",
    "account_id",
    "name",
    "mobile",
    "channel",
    "created_by",
    "queue_number",
    "arrived_at",
    "reminded_at",
    "created_at",
];

fn from_row(r: &Row) -> Result<Booking, StoreError> {
    Ok(Booking {
        id: r.get("id")?,
        jurisdiction_id: r.get("jurisdiction_id")?,
        office_code: r.get("office_code")?,
        purpose: r.get("purpose")?,
        service_code: r.get("service_code")?,
        application_id: r.get("application_id")?,
        starts_at: r.get("starts_at")?,
        state: r.get("state")?,
        account_id: r.get("account_id")?,
        name: r.get("name")?,
        mobile: r.get("mobile")?,
        channel: r.get("channel")?,
        created_by: r.get("created_by")?,
        queue_number: r.get("queue_number")?,
        arrived_at: r.get("arrived_at")?,
        reminded_at: r.get("reminded_at")?,
        created_at: r.get("created_at")?,
    })
}

/// Takes a place in a slot (making its row with `capacity` when first booked); `false` when
/// it is full. One statement decides, so two people for the last place cannot both get it.
pub async fn take_place(
    tx: &mut Tx,
    jurisdiction_id: &str,
    office: &str,
    purpose: &str,
    starts_at: i64,
    capacity: i64,
) -> Result<bool, StoreError> {
    let make = Query::insert()
        .into_table("counter_slots")
        .columns([
            "jurisdiction_id",
            "office_code",
            "purpose",
            "starts_at",
            "capacity",
            "booked",
        ])
        .values_panic([
            jurisdiction_id.into(),
            office.into(),
            purpose.into(),
            starts_at.into(),
            capacity.into(),
            0i64.into(),
        ])
        .on_conflict(
            OnConflict::columns(["jurisdiction_id", "office_code", "purpose", "starts_at"])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    tx.execute(&make).await?;
    let take = Query::update()
        .table("counter_slots")
        .value("booked", Expr::col("booked").add(1))
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("office_code").eq(office))
        .and_where(Expr::col("purpose").eq(purpose))
        .and_where(Expr::col("starts_at").eq(starts_at))
        .and_where(Expr::col("booked").lt(Expr::col("capacity")))
        .to_owned();
    Ok(tx.execute(&take).await? == 1)
}

/// Gives a place back.
pub async fn give_back(
    tx: &mut Tx,
    jurisdiction_id: &str,
    office: &str,
    purpose: &str,
    starts_at: i64,
) -> Result<(), StoreError> {
    let stmt = Query::update()
        .table("counter_slots")
        .value("booked", Expr::col("booked").sub(1))
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("office_code").eq(office))
        .and_where(Expr::col("purpose").eq(purpose))
        .and_where(Expr::col("starts_at").eq(starts_at))
        .and_where(Expr::col("booked").gt(0i64))
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// The places booked in each slot of an office and purpose between two instants.
pub async fn booked_between(
    mut conn: impl Conn,
    jurisdiction_id: &str,
    office: &str,
    purpose: &str,
    from: i64,
    until: i64,
) -> Result<Vec<(i64, i64)>, StoreError> {
    let stmt = Query::select()
        .columns(["starts_at", "booked"])
        .from("counter_slots")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("office_code").eq(office))
        .and_where(Expr::col("purpose").eq(purpose))
        .and_where(Expr::col("starts_at").gte(from))
        .and_where(Expr::col("starts_at").lt(until))
        .to_owned();
    conn.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| Ok((r.get("starts_at")?, r.get("booked")?)))
        .collect()
}

pub async fn insert(mut conn: impl Conn, b: &Booking) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("counter_bookings")
        .columns(COLUMNS)
        .values_panic([
            b.id.clone().into(),
            b.jurisdiction_id.clone().into(),
            b.office_code.clone().into(),
            b.purpose.clone().into(),
            b.service_code.clone().into(),
            b.application_id.clone().into(),
            b.starts_at.into(),
            b.state.clone().into(),
            b.account_id.clone().into(),
            b.name.clone().into(),
            b.mobile.clone().into(),
            b.channel.clone().into(),
            b.created_by.clone().into(),
            b.queue_number.clone().into(),
            b.arrived_at.into(),
            b.reminded_at.into(),
            b.created_at.into(),
        ])
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

/// Moves a booking from `from`; `false` when it had moved already.
pub async fn set_state(tx: &mut Tx, b: &Booking, from: &str) -> Result<bool, StoreError> {
    let stmt = Query::update()
        .table("counter_bookings")
        .value("state", b.state.as_str())
        .value("queue_number", b.queue_number.clone())
        .value("arrived_at", b.arrived_at)
        .value("reminded_at", b.reminded_at)
        .and_where(Expr::col("id").eq(b.id.as_str()))
        .and_where(Expr::col("state").eq(from))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from("counter_bookings")
        .to_owned()
}

pub async fn find(mut conn: impl Conn, id: &str) -> Result<Option<Booking>, StoreError> {
    let stmt = select().and_where(Expr::col("id").eq(id)).to_owned();
    conn.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// A citizen's bookings from `from` on, soonest first.
pub async fn of_account(
    mut conn: impl Conn,
    account_id: &str,
    from: i64,
) -> Result<Vec<Booking>, StoreError> {
    let stmt = select()
        .and_where(Expr::col("account_id").eq(account_id))
        .and_where(Expr::col("starts_at").gte(from))
        .order_by("starts_at", Order::Asc)
        .limit(100)
        .to_owned();
    conn.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

/// An office's bookings between two instants, by time.
pub async fn of_office(
    mut conn: impl Conn,
    jurisdiction_id: &str,
    office: &str,
    from: i64,
    until: i64,
) -> Result<Vec<Booking>, StoreError> {
    let stmt = select()
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("office_code").eq(office))
        .and_where(Expr::col("starts_at").gte(from))
        .and_where(Expr::col("starts_at").lt(until))
        .order_by("starts_at", Order::Asc)
        .order_by("created_at", Order::Asc)
        .to_owned();
    conn.fetch_all(&stmt).await?.iter().map(from_row).collect()
}
