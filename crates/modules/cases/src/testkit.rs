//! Reads and seeds below the `app` API, for black-box tests only: the count of stored cases
//! after a refused request, the event chain after a burst, a case written with a chosen number
//! or time, a survey answer, an out-call. Compiled only with the `testkit` feature, which only
//! dev-dependencies turn on (`crates/cli/tests/architecture.rs` checks it); the product itself
//! never reaches the module's store except through `app`.
//!
//! Everything takes a `Db` (or the `Tx` it is written in), so a test can also look into a
//! database it restored or migrated itself.

use crate::store;
use ::store::{Db, StoreError, Tx};

pub use crate::store::case_work::{QueueFilter, WorkView};
pub use crate::store::cases::{CaseFilter, CaseView, MediaRecord, NewCase};
pub use crate::store::desk::Outcall;
pub use crate::store::events::Event;
pub use ::store::chain::ChainReport;

/// How many cases the jurisdiction has stored.
pub async fn case_count(db: &Db, jurisdiction_id: &str) -> Result<i64, StoreError> {
    store::cases::count(db, jurisdiction_id).await
}

/// A stored case by its number, as written (attributes unredacted).
pub async fn stored_case(
    db: &Db,
    jurisdiction_id: &str,
    case_number: &str,
) -> Result<Option<CaseView>, StoreError> {
    store::cases::by_number(db, jurisdiction_id, case_number).await
}

/// Stored cases matching a filter.
pub async fn stored_cases(db: &Db, filter: &CaseFilter) -> Result<Vec<CaseView>, StoreError> {
    store::cases::list(db, filter).await
}

/// A case's working state (status, holder, deadlines) by its number.
pub async fn work_case(
    db: &Db,
    jurisdiction_id: &str,
    case_number: &str,
) -> Result<Option<WorkView>, StoreError> {
    store::case_work::find(db, jurisdiction_id, case_number).await
}

/// The work queue as the store reads it, without any viewer's permissions.
pub async fn queue(
    db: &Db,
    jurisdiction_id: &str,
    filter: &QueueFilter,
) -> Result<Vec<WorkView>, StoreError> {
    store::case_work::queue(db, jurisdiction_id, filter).await
}

/// Every event of the cases, public or not.
pub async fn events_of(db: &Db, case_ids: &[String]) -> Result<Vec<Event>, StoreError> {
    store::events::for_cases(db, case_ids, false).await
}

/// The jurisdiction's case-event hash chain, checked from the first record.
pub async fn event_chain(db: &Db, jurisdiction_id: &str) -> Result<ChainReport, StoreError> {
    store::events::verify_chain(db, jurisdiction_id).await
}

/// The number the next case of local day `day` (`YYYYMMDD`) would get; nothing is taken.
pub async fn next_case_number(
    db: &Db,
    jurisdiction_id: &str,
    day: &str,
) -> Result<String, StoreError> {
    let mut tx = db.begin().await?;
    let number = store::cases::next_case_number(&mut tx, jurisdiction_id, day).await?;
    drop(tx);
    Ok(number.as_str().to_string())
}

/// The stored password hash of a case.
pub async fn password_hash(db: &Db, case_id: &str) -> Result<Option<String>, StoreError> {
    store::cases::password_hash(db, case_id).await
}

/// A stored photo's record.
pub async fn media(db: &Db, id: &str) -> Result<Option<MediaRecord>, StoreError> {
    store::cases::media(db, id).await
}

/// Raises the daily number counters to at least the given last numbers.
pub async fn raise_counters(
    db: &Db,
    jurisdiction_id: &str,
    days: &[(String, u64)],
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    store::cases::raise_counters(&mut tx, jurisdiction_id, days).await?;
    tx.commit().await
}

/// Writes a case row as given: no number is taken, no event, no side effect.
pub async fn insert_case(tx: &mut Tx, case: &NewCase) -> Result<(), StoreError> {
    store::cases::insert(tx, case).await
}

/// The citizen's satisfaction answer for a case, as if the survey had been sent and answered;
/// false if there is no such case.
pub async fn answer_survey(
    db: &Db,
    jurisdiction_id: &str,
    case_number: &str,
    score: i64,
    now: i64,
) -> Result<bool, StoreError> {
    let Some(case) = store::case_work::find(db, jurisdiction_id, case_number).await? else {
        return Ok(false);
    };
    let mut tx = db.begin().await?;
    let token = format!("test-{case_number}");
    store::surveys::create(
        &mut tx,
        &case.id,
        jurisdiction_id,
        &token,
        now + 86_400,
        now,
    )
    .await?;
    store::surveys::submit(&mut tx, &case.id, score, None, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// A survey of a case reached by `token`, as if its link had been sent; false if there is no
/// such case.
pub async fn open_survey(
    db: &Db,
    jurisdiction_id: &str,
    case_number: &str,
    token: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let Some(case) = store::case_work::find(db, jurisdiction_id, case_number).await? else {
        return Ok(false);
    };
    let mut tx = db.begin().await?;
    let hash = platform::secrets::sha256_hex(token);
    store::surveys::create(&mut tx, &case.id, jurisdiction_id, &hash, now + 86_400, now).await?;
    tx.commit().await?;
    Ok(true)
}

/// Queues an out-call as written.
pub async fn insert_outcall(db: &Db, outcall: &Outcall) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    store::desk::insert_outcall(&mut tx, outcall).await?;
    tx.commit().await
}

/// The personal fields of each reporter of a case (email, phone, first and last name, device,
/// account, number key, client reference), to see what retention left.
pub async fn reporters_of(
    db: &Db,
    jurisdiction_id: &str,
    case_number: &str,
) -> Result<Vec<[Option<String>; 8]>, StoreError> {
    use sea_query::{Expr, ExprTrait, Query};
    const FIELDS: [&str; 8] = [
        "email",
        "phone",
        "first_name",
        "last_name",
        "device_id",
        "account_id",
        "phone_key",
        "client_reference",
    ];
    let case = Query::select()
        .column("id")
        .from("cases")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("case_number").eq(case_number))
        .to_owned();
    let stmt = Query::select()
        .columns(FIELDS)
        .from("case_reporters")
        .and_where(Expr::col("case_id").in_subquery(case))
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            let mut out: [Option<String>; 8] = Default::default();
            for (i, f) in FIELDS.iter().enumerate() {
                out[i] = r.get(f)?;
            }
            Ok(out)
        })
        .collect()
}
