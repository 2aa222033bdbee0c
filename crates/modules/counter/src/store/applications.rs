//! Applications: the row is the materialised state, `counter_events` the record of every change.
//! An update is guarded by the version it read: two clerks approving at once, one wins.

use crate::app::Application;
use crate::domain::application::State;
use sea_query::{Expr, ExprTrait, Order, Query, SelectStatement};
use store::{Conn, Row, StoreError, Tx};

const COLUMNS: [&str; 32] = [
    "id",
    "jurisdiction_id",
    "number",
    "service_code",
    "office_code",
    "applicant_id",
    "form_key",
    "form_version",
    "answers",
    "consent_version",
    "consented_at",
    "state",
    "version",
    "pickup",
    "copies",
    "fee",
    "payment_id",
    "paid_at",
    "due_at",
    "correction",
    "reason",
    "place",
    "door_id",
    "picked_up_by",
    "picked_up_how",
    "picked_up_where",
    "submitted_at",
    "decided_at",
    "issued_at",
    "picked_up_at",
    "created_at",
    "updated_at",
];

fn from_row(r: &Row) -> Result<Application, StoreError> {
    let state: String = r.get("state")?;
    let answers: String = r.get("answers")?;
    Ok(Application {
        id: r.get("id")?,
        jurisdiction_id: r.get("jurisdiction_id")?,
        number: r.get("number")?,
        service_code: r.get("service_code")?,
        office_code: r.get("office_code")?,
        applicant_id: r.get("applicant_id")?,
        form_key: r.get("form_key")?,
        form_version: r.get("form_version")?,
        answers: serde_json::from_str(&answers)
            .map_err(|e| StoreError::Corrupt(format!("application answers: {e}")))?,
        consent_version: r.get("consent_version")?,
        consented_at: r.get("consented_at")?,
        state: State::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("application state {state:?}")))?,
        version: r.get("version")?,
        pickup: r.get("pickup")?,
        copies: r.get("copies")?,
        fee: r.get("fee")?,
        payment_id: r.get("payment_id")?,
        paid_at: r.get("paid_at")?,
        due_at: r.get("due_at")?,
        correction: r.get("correction")?,
        reason: r.get("reason")?,
        place: r.get("place")?,
        door_id: r.get("door_id")?,
        picked_up_by: r.get("picked_up_by")?,
        picked_up_how: r.get("picked_up_how")?,
        picked_up_where: r.get("picked_up_where")?,
        submitted_at: r.get("submitted_at")?,
        decided_at: r.get("decided_at")?,
        issued_at: r.get("issued_at")?,
        picked_up_at: r.get("picked_up_at")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

fn answers_json(a: &Application) -> String {
    serde_json::to_string(&a.answers).unwrap_or_else(|_| "{}".into())
}

/// Whether an application waits on a clerk (its state is one of [`State::QUEUE`]). Stored,
/// so that the whole queue is read in due order from one index on both backends (a filter on
/// four states cannot be, and PostgreSQL then sorts every waiting application for each page).
fn in_queue(a: &Application) -> i64 {
    i64::from(State::QUEUE.contains(&a.state))
}

fn values(a: &Application) -> Vec<sea_query::SimpleExpr> {
    vec![
        a.id.clone().into(),
        a.jurisdiction_id.clone().into(),
        a.number.clone().into(),
        a.service_code.clone().into(),
        a.office_code.clone().into(),
        a.applicant_id.clone().into(),
        a.form_key.clone().into(),
        a.form_version.into(),
        answers_json(a).into(),
        a.consent_version.into(),
        a.consented_at.into(),
        a.state.as_str().into(),
        a.version.into(),
        a.pickup.clone().into(),
        a.copies.into(),
        a.fee.into(),
        a.payment_id.clone().into(),
        a.paid_at.into(),
        a.due_at.into(),
        a.correction.clone().into(),
        a.reason.clone().into(),
        a.place.clone().into(),
        a.door_id.clone().into(),
        a.picked_up_by.clone().into(),
        a.picked_up_how.clone().into(),
        a.picked_up_where.clone().into(),
        a.submitted_at.into(),
        a.decided_at.into(),
        a.issued_at.into(),
        a.picked_up_at.into(),
        a.created_at.into(),
        a.updated_at.into(),
        in_queue(a).into(),
    ]
}

fn insert_statement() -> sea_query::InsertStatement {
    Query::insert()
        .into_table("counter_applications")
        .columns(COLUMNS.iter().copied().chain(["in_queue"]))
        .to_owned()
}

pub async fn insert(mut conn: impl Conn, a: &Application) -> Result<(), StoreError> {
    let stmt = insert_statement().values_panic(values(a)).to_owned();
    conn.execute(&stmt).await?;
    Ok(())
}

/// Inserts applications in statements of 500 rows (in the caller's transaction): the test
/// kit's seeding.
#[cfg(feature = "testkit")]
pub async fn insert_many(tx: &mut Tx, apps: &[Application]) -> Result<(), StoreError> {
    for chunk in apps.chunks(500) {
        let mut stmt = insert_statement();
        for a in chunk {
            stmt.values_panic(values(a));
        }
        tx.execute(&stmt).await?;
    }
    Ok(())
}

/// Writes an application changed from version `read_version`; `false` when someone else
/// changed it first (nothing is written).
pub async fn update(tx: &mut Tx, a: &Application, read_version: i64) -> Result<bool, StoreError> {
    let stmt = Query::update()
        .table("counter_applications")
        .value("office_code", a.office_code.as_str())
        .value("answers", answers_json(a))
        .value("consent_version", a.consent_version)
        .value("consented_at", a.consented_at)
        .value("state", a.state.as_str())
        .value("in_queue", in_queue(a))
        .value("version", a.version)
        .value("pickup", a.pickup.as_str())
        .value("copies", a.copies)
        .value("fee", a.fee)
        .value("payment_id", a.payment_id.clone())
        .value("paid_at", a.paid_at)
        .value("due_at", a.due_at)
        .value("correction", a.correction.clone())
        .value("reason", a.reason.clone())
        .value("place", a.place.clone())
        .value("door_id", a.door_id.clone())
        .value("picked_up_by", a.picked_up_by.clone())
        .value("picked_up_how", a.picked_up_how.clone())
        .value("picked_up_where", a.picked_up_where.clone())
        .value("submitted_at", a.submitted_at)
        .value("decided_at", a.decided_at)
        .value("issued_at", a.issued_at)
        .value("picked_up_at", a.picked_up_at)
        .value("updated_at", a.updated_at)
        .and_where(Expr::col("id").eq(a.id.as_str()))
        .and_where(Expr::col("version").eq(read_version))
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

/// Writes applications each changed from the version before its own (a batch of pickups),
/// each given as read and as changed, with one statement; how many were written (fewer when
/// someone changed one first). Only the columns some application's change touched are set:
/// SQLite rewrites the entries of every index on a column a statement sets, changed or not,
/// and a pickup moves none of the queues' indexes.
pub async fn update_many(
    tx: &mut Tx,
    changes: &[(&Application, &Application)],
) -> Result<u64, StoreError> {
    if changes.is_empty() {
        return Ok(0);
    }
    let mut stmt = insert_statement();
    let mut changed = vec![false; COLUMNS.len() + 1];
    for (read, now) in changes {
        let (before, after) = (values(read), values(now));
        for (c, (b, a)) in changed.iter_mut().zip(before.iter().zip(&after)) {
            *c |= b != a;
        }
        stmt.values_panic(after);
    }
    let set: Vec<&str> = COLUMNS
        .iter()
        .copied()
        .chain(["in_queue"])
        .zip(changed)
        .filter_map(|(c, changed)| changed.then_some(c))
        .collect();
    // Every row exists (each was read in this transaction): the insert is always the update,
    // and the guard on the version read stands in for `update`'s. The version always moves,
    // so the set is never empty.
    let set = if set.is_empty() { vec!["version"] } else { set };
    stmt.on_conflict(
        sea_query::OnConflict::column("id")
            .update_columns(set)
            .action_and_where(
                Expr::col(("counter_applications", "version"))
                    .eq(Expr::col(("excluded", "version")).sub(1)),
            )
            .to_owned(),
    );
    tx.execute(&stmt).await
}

fn select() -> SelectStatement {
    Query::select()
        .columns(COLUMNS)
        .from("counter_applications")
        .to_owned()
}

pub async fn find(mut conn: impl Conn, id: &str) -> Result<Option<Application>, StoreError> {
    let stmt = select().and_where(Expr::col("id").eq(id)).to_owned();
    conn.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// Applications by id (those that exist).
pub async fn find_many(
    mut conn: impl Conn,
    ids: &[String],
) -> Result<Vec<Application>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let stmt = select()
        .and_where(Expr::col("id").is_in(ids.iter().map(String::as_str)))
        .to_owned();
    conn.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

pub async fn find_by_number(
    mut conn: impl Conn,
    jurisdiction_id: &str,
    number: &str,
) -> Result<Option<Application>, StoreError> {
    let stmt = select()
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("number").eq(number))
        .to_owned();
    conn.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// A citizen's applications, newest first.
pub async fn of_applicant(
    mut conn: impl Conn,
    applicant_id: &str,
    limit: u64,
) -> Result<Vec<Application>, StoreError> {
    let stmt = select()
        .and_where(Expr::col("applicant_id").eq(applicant_id))
        .order_by("created_at", Order::Desc)
        .limit(limit)
        .to_owned();
    conn.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

/// What a clerk's queue filters by.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    pub states: Vec<State>,
    pub service_code: Option<String>,
    pub office_code: Option<String>,
    /// Keyset: after this (due_at, id).
    pub after: Option<(i64, String)>,
    pub limit: u64,
}

/// The queue, by due time (the review clock), then id.
pub async fn queue(
    mut conn: impl Conn,
    jurisdiction_id: &str,
    f: &QueueFilter,
) -> Result<Vec<Application>, StoreError> {
    let mut stmt = select()
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .order_by("due_at", Order::Asc)
        .order_by("id", Order::Asc)
        .limit(f.limit)
        .to_owned();
    if State::QUEUE.iter().all(|s| f.states.contains(s)) && f.states.len() == State::QUEUE.len() {
        stmt.and_where(Expr::col("in_queue").eq(1i64));
    } else {
        stmt.and_where(Expr::col("state").is_in(f.states.iter().map(|s| s.as_str())));
    }
    if let Some(s) = &f.service_code {
        stmt.and_where(Expr::col("service_code").eq(s.as_str()));
    }
    if let Some(o) = &f.office_code {
        stmt.and_where(Expr::col("office_code").eq(o.as_str()));
    }
    if let Some((due, id)) = &f.after {
        stmt.and_where(
            Expr::col("due_at").gt(*due).or(Expr::col("due_at")
                .eq(*due)
                .and(Expr::col("id").gt(id.as_str()))),
        );
    }
    conn.fetch_all(&stmt).await?.iter().map(from_row).collect()
}
