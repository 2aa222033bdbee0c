//! Smart Desk sites, their doors and devices, and the devices' nonces and events.

use sea_query::{Expr, ExprTrait, OnConflict, Order, Query, SelectStatement};
use store::{Conn, Row, StoreError, Tx};

/// A Smart Desk site: the lockers of one office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub id: String,
    pub jurisdiction_id: String,
    pub office_code: String,
    pub name: String,
    pub key_generation: i64,
    pub locker_days: i64,
    pub counter_days: i64,
}

/// A locker door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Door {
    pub id: String,
    pub site_id: String,
    pub bank: String,
    pub number: i64,
    pub size: String,
    pub state: String,
    pub application_id: Option<String>,
    pub sensed: Option<String>,
    pub sensed_at: Option<i64>,
    pub wrong: i64,
    pub wrong_since: Option<i64>,
    pub updated_at: i64,
}

impl Door {
    pub fn label(&self) -> String {
        crate::domain::lockers::door_label(&self.bank, u32::try_from(self.number).unwrap_or(0))
    }
}

/// A device at a site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: String,
    pub site_id: String,
    pub name: String,
    pub generation: i64,
    pub last_seen_at: Option<i64>,
    pub last_seq: i64,
    pub retired_at: Option<i64>,
    pub created_at: i64,
}

const SITE: [&str; 7] = [
    "id",
    "jurisdiction_id",
    "office_code",
    "name",
    "key_generation",
    "locker_days",
    "counter_days",
];
const DOOR: [&str; 12] = [
    "id",
    "site_id",
    "bank",
    "number",
    "size",
    "state",
    "application_id",
    "sensed",
    "sensed_at",
    "wrong",
    "wrong_since",
    "updated_at",
];
const DEVICE: [&str; 8] = [
    "id",
    "site_id",
    "name",
    "generation",
    "last_seen_at",
    "last_seq",
    "retired_at",
    "created_at",
];

fn site(r: &Row) -> Result<Site, StoreError> {
    Ok(Site {
        id: r.get("id")?,
        jurisdiction_id: r.get("jurisdiction_id")?,
        office_code: r.get("office_code")?,
        name: r.get("name")?,
        key_generation: r.get("key_generation")?,
        locker_days: r.get("locker_days")?,
        counter_days: r.get("counter_days")?,
    })
}

fn door(r: &Row) -> Result<Door, StoreError> {
    Ok(Door {
        id: r.get("id")?,
        site_id: r.get("site_id")?,
        bank: r.get("bank")?,
        number: r.get("number")?,
        size: r.get("size")?,
        state: r.get("state")?,
        application_id: r.get("application_id")?,
        sensed: r.get("sensed")?,
        sensed_at: r.get("sensed_at")?,
        wrong: r.get("wrong")?,
        wrong_since: r.get("wrong_since")?,
        updated_at: r.get("updated_at")?,
    })
}

fn device(r: &Row) -> Result<Device, StoreError> {
    Ok(Device {
        id: r.get("id")?,
        site_id: r.get("site_id")?,
        name: r.get("name")?,
        generation: r.get("generation")?,
        last_seen_at: r.get("last_seen_at")?,
        last_seq: r.get("last_seq")?,
        retired_at: r.get("retired_at")?,
        created_at: r.get("created_at")?,
    })
}

// --- sites ---

/// Adds a site unless its office has one; the office's site either way.
pub async fn ensure_site(tx: &mut Tx, s: &Site) -> Result<Site, StoreError> {
    let stmt = Query::insert()
        .into_table("counter_sites")
        .columns(SITE)
        .values_panic([
            s.id.clone().into(),
            s.jurisdiction_id.clone().into(),
            s.office_code.clone().into(),
            s.name.clone().into(),
            s.key_generation.into(),
            s.locker_days.into(),
            s.counter_days.into(),
        ])
        .on_conflict(
            OnConflict::columns(["jurisdiction_id", "office_code"])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    tx.execute(&stmt).await?;
    let found = Query::select()
        .columns(SITE)
        .from("counter_sites")
        .and_where(Expr::col("jurisdiction_id").eq(s.jurisdiction_id.as_str()))
        .and_where(Expr::col("office_code").eq(s.office_code.as_str()))
        .to_owned();
    site(&tx.fetch_one(&found).await?)
}

pub async fn site_by_id(mut conn: impl Conn, id: &str) -> Result<Option<Site>, StoreError> {
    let stmt = Query::select()
        .columns(SITE)
        .from("counter_sites")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    conn.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(site)
        .transpose()
}

pub async fn site_of_office(
    mut conn: impl Conn,
    jurisdiction_id: &str,
    office: &str,
) -> Result<Option<Site>, StoreError> {
    let stmt = Query::select()
        .columns(SITE)
        .from("counter_sites")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("office_code").eq(office))
        .to_owned();
    conn.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(site)
        .transpose()
}

// --- doors ---

pub async fn insert_doors(tx: &mut Tx, doors: &[Door]) -> Result<(), StoreError> {
    if doors.is_empty() {
        return Ok(());
    }
    let mut stmt = Query::insert()
        .into_table("counter_doors")
        .columns(DOOR)
        .to_owned();
    for d in doors {
        stmt.values_panic([
            d.id.clone().into(),
            d.site_id.clone().into(),
            d.bank.clone().into(),
            d.number.into(),
            d.size.clone().into(),
            d.state.clone().into(),
            d.application_id.clone().into(),
            d.sensed.clone().into(),
            d.sensed_at.into(),
            d.wrong.into(),
            d.wrong_since.into(),
            d.updated_at.into(),
        ]);
    }
    stmt.on_conflict(
        OnConflict::columns(["site_id", "bank", "number"])
            .do_nothing()
            .to_owned(),
    );
    tx.execute(&stmt).await?;
    Ok(())
}

fn doors_select() -> SelectStatement {
    Query::select()
        .columns(DOOR)
        .from("counter_doors")
        .to_owned()
}

pub async fn doors(mut conn: impl Conn, site_id: &str) -> Result<Vec<Door>, StoreError> {
    let stmt = doors_select()
        .and_where(Expr::col("site_id").eq(site_id))
        .order_by("bank", Order::Asc)
        .order_by("number", Order::Asc)
        .to_owned();
    conn.fetch_all(&stmt).await?.iter().map(door).collect()
}

pub async fn door_by_id(mut conn: impl Conn, id: &str) -> Result<Option<Door>, StoreError> {
    let stmt = doors_select().and_where(Expr::col("id").eq(id)).to_owned();
    conn.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(door)
        .transpose()
}

/// Doors by id (those that exist).
pub async fn doors_by_ids(mut conn: impl Conn, ids: &[String]) -> Result<Vec<Door>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = doors_select()
        .and_where(Expr::col("id").is_in(ids.iter().map(String::as_str)))
        .to_owned();
    conn.fetch_all(&stmt).await?.iter().map(door).collect()
}

/// Opens doors (a kiosk's right codes): each moves from `from` to `to` and its wrong-code
/// window ends; how many moved (fewer when one was no longer in `from`).
pub async fn open_doors(
    tx: &mut Tx,
    ids: &[String],
    from: &str,
    to: &str,
    now: i64,
) -> Result<u64, StoreError> {
    if ids.is_empty() {
        return Ok(0);
    }
    let stmt = Query::update()
        .table("counter_doors")
        .value("state", to)
        .value("wrong", 0i64)
        .value("wrong_since", Option::<i64>::None)
        .value("updated_at", now)
        .and_where(Expr::col("id").is_in(ids.iter().map(String::as_str)))
        .and_where(Expr::col("state").eq(from))
        .to_owned();
    tx.execute(&stmt).await
}

pub async fn door_by_label(
    mut conn: impl Conn,
    site_id: &str,
    bank: &str,
    number: i64,
) -> Result<Option<Door>, StoreError> {
    let stmt = doors_select()
        .and_where(Expr::col("site_id").eq(site_id))
        .and_where(Expr::col("bank").eq(bank))
        .and_where(Expr::col("number").eq(number))
        .to_owned();
    conn.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(door)
        .transpose()
}

/// Moves a door from the state it was read in; `false` when it changed meanwhile.
pub async fn move_door(tx: &mut Tx, d: &Door, from: &str) -> Result<bool, StoreError> {
    let stmt = Query::update()
        .table("counter_doors")
        .value("state", d.state.as_str())
        .value("application_id", d.application_id.clone())
        .value("sensed", d.sensed.clone())
        .value("sensed_at", d.sensed_at)
        .value("wrong", d.wrong)
        .value("wrong_since", d.wrong_since)
        .value("updated_at", d.updated_at)
        .and_where(Expr::col("id").eq(d.id.as_str()))
        .and_where(Expr::col("state").eq(from))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

// --- devices ---

pub async fn insert_device(mut conn: impl Conn, d: &Device) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("counter_devices")
        .columns(DEVICE)
        .values_panic([
            d.id.clone().into(),
            d.site_id.clone().into(),
            d.name.clone().into(),
            d.generation.into(),
            d.last_seen_at.into(),
            d.last_seq.into(),
            d.retired_at.into(),
            d.created_at.into(),
        ])
        .to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

pub async fn device_by_id(mut conn: impl Conn, id: &str) -> Result<Option<Device>, StoreError> {
    let stmt = Query::select()
        .columns(DEVICE)
        .from("counter_devices")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    conn.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(device)
        .transpose()
}

pub async fn devices(mut conn: impl Conn, site_id: &str) -> Result<Vec<Device>, StoreError> {
    let stmt = Query::select()
        .columns(DEVICE)
        .from("counter_devices")
        .and_where(Expr::col("site_id").eq(site_id))
        .order_by("created_at", Order::Asc)
        .to_owned();
    conn.fetch_all(&stmt).await?.iter().map(device).collect()
}

pub async fn set_device(tx: &mut Tx, d: &Device) -> Result<(), StoreError> {
    let stmt = Query::update()
        .table("counter_devices")
        .value("generation", d.generation)
        .value("last_seen_at", d.last_seen_at)
        .value("last_seq", d.last_seq)
        .value("retired_at", d.retired_at)
        .and_where(Expr::col("id").eq(d.id.as_str()))
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// A device was heard from now (only its last-seen time is written: a concurrent upload owns
/// `last_seq`); `false` when it is unknown, retired or given a new secret (`generation`) since
/// it was read, so a request checked before its transaction is refused all the same.
pub async fn touch_device(
    tx: &mut Tx,
    id: &str,
    generation: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let stmt = Query::update()
        .table("counter_devices")
        .value("last_seen_at", now)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("generation").eq(generation))
        .and_where(Expr::col("retired_at").is_null())
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

/// The last event sequence number taken from a device (only ever moves forward).
pub async fn set_last_seq(tx: &mut Tx, id: &str, seq: i64) -> Result<(), StoreError> {
    let stmt = Query::update()
        .table("counter_devices")
        .value("last_seq", seq)
        .and_where(Expr::col("id").eq(id))
        .and_where(Expr::col("last_seq").lt(seq))
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Counts a wrong code on each door in one statement (concurrent guesses each count): a
/// door's count starts again at 1 when its window (from the first wrong code) has passed.
pub async fn bump_door_wrong(
    tx: &mut Tx,
    ids: &[String],
    now: i64,
    window_secs: i64,
) -> Result<(), StoreError> {
    if ids.is_empty() {
        return Ok(());
    }
    let fresh = Expr::col("wrong_since")
        .is_null()
        .or(Expr::col("wrong_since").lt(now - window_secs));
    let stmt = Query::update()
        .table("counter_doors")
        .value(
            "wrong",
            Expr::case(fresh.clone(), 1i64).finally(Expr::col("wrong").add(1)),
        )
        .value(
            "wrong_since",
            Expr::case(fresh, now).finally(Expr::col("wrong_since")),
        )
        .and_where(Expr::col("id").is_in(ids.iter().map(String::as_str)))
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Records a request's nonce; `false` when the device used it already (a replay). A nonce is
/// kept until `expires_at`, past which a request carrying it is refused for its timestamp;
/// [`purge_nonces`] then forgets it.
pub async fn take_nonce(
    tx: &mut Tx,
    device_id: &str,
    nonce: &str,
    expires_at: i64,
) -> Result<bool, StoreError> {
    let stmt = Query::insert()
        .into_table("counter_device_nonces")
        .columns(["device_id", "nonce", "expires_at"])
        .values_panic([device_id.into(), nonce.into(), expires_at.into()])
        .on_conflict(
            OnConflict::columns(["device_id", "nonce"])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

/// Records requests' nonces, each `(device, nonce)`; those taken now (a nonce a device used
/// already is a replay and is not returned).
pub async fn take_nonces(
    tx: &mut Tx,
    nonces: &[(String, String)],
    expires_at: i64,
) -> Result<std::collections::HashSet<(String, String)>, StoreError> {
    if nonces.is_empty() {
        return Ok(Default::default());
    }
    let mut stmt = Query::insert()
        .into_table("counter_device_nonces")
        .columns(["device_id", "nonce", "expires_at"])
        .on_conflict(
            OnConflict::columns(["device_id", "nonce"])
                .do_nothing()
                .to_owned(),
        )
        .returning(Query::returning().columns(["device_id", "nonce"]))
        .to_owned();
    for (device, nonce) in nonces {
        stmt.values_panic([
            device.as_str().into(),
            nonce.as_str().into(),
            expires_at.into(),
        ]);
    }
    tx.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| Ok((r.get("device_id")?, r.get("nonce")?)))
        .collect()
}

/// Writes devices' last-seen time; each device written (not retired) with its secret's
/// generation, which the caller compares with the one it checked the signature with.
pub async fn touch_devices(
    tx: &mut Tx,
    ids: &[String],
    now: i64,
) -> Result<std::collections::HashMap<String, i64>, StoreError> {
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let stmt = Query::update()
        .table("counter_devices")
        .value("last_seen_at", now)
        .and_where(Expr::col("id").is_in(ids.iter().map(String::as_str)))
        .and_where(Expr::col("retired_at").is_null())
        .returning(Query::returning().columns(["id", "generation"]))
        .to_owned();
    tx.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| Ok((r.get("id")?, r.get("generation")?)))
        .collect()
}

/// Forgets the nonces of a site's devices that are past their time; how many.
pub async fn purge_nonces(tx: &mut Tx, site_id: &str, now: i64) -> Result<u64, StoreError> {
    let stmt = Query::delete()
        .from_table("counter_device_nonces")
        .and_where(
            Expr::col("device_id").in_subquery(
                Query::select()
                    .column("id")
                    .from("counter_devices")
                    .and_where(Expr::col("site_id").eq(site_id))
                    .to_owned(),
            ),
        )
        .and_where(Expr::col("expires_at").lt(now))
        .to_owned();
    tx.execute(&stmt).await
}

/// A device's event as received.
pub struct DeviceEvent<'a> {
    pub device_id: &'a str,
    pub seq: i64,
    pub kind: &'a str,
    pub door_id: Option<&'a str>,
    pub data: String,
    pub occurred_at: i64,
    pub received_at: i64,
    pub outcome: &'a str,
}

pub async fn insert_device_event(tx: &mut Tx, e: &DeviceEvent<'_>) -> Result<bool, StoreError> {
    let stmt = Query::insert()
        .into_table("counter_device_events")
        .columns([
            "device_id",
            "seq",
            "kind",
            "door_id",
            "data",
            "occurred_at",
            "received_at",
            "outcome",
        ])
        .values_panic([
            e.device_id.into(),
            e.seq.into(),
            e.kind.into(),
            e.door_id.map(str::to_string).into(),
            e.data.clone().into(),
            e.occurred_at.into(),
            e.received_at.into(),
            e.outcome.into(),
        ])
        .on_conflict(
            OnConflict::columns(["device_id", "seq"])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}
