//! Cases brought over from another system (a published data set) and the daily counters
//! they raise.

use super::*;

/// Cases brought over together from another system (a published data set), stored as they
/// were there: their own received time, and closed when they were closed there. What they
/// share is bound once per statement.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedCases {
    pub jurisdiction_id: String,
    pub status: String,
    pub channel: String,
    pub password_hash: String,
    pub cases: Vec<ImportedCase>,
}

/// One imported case's own values. Attributes and media are empty; location, the reporter's
/// client, the token and SLA dates are unknown.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedCase {
    pub id: String,
    pub case_number: String,
    pub category_code: String,
    pub urgency: String,
    pub department_code: Option<String>,
    pub description: String,
    pub address: Option<String>,
    pub district_code: Option<String>,
    pub requested_at: i64,
    pub updated_at: i64,
    pub closed_at: Option<i64>,
}

const IMPORTED_COLUMNS: [&str; 11] = [
    "id",
    "case_number",
    "category_code",
    "urgency",
    "department_code",
    "description",
    "address",
    "district_code",
    "requested_at",
    "updated_at",
    "closed_at",
];

/// The multi-row statements that insert imported cases, skipping any whose id or case number
/// is already taken (`ON CONFLICT DO NOTHING`), each with the number of rows it carries. The
/// cases are consumed: their values move into the statements, which are rendered for
/// `backend` so that the caller can build them on another thread than the one that runs them
/// ([`insert_imported_rendered`]).
pub fn insert_imported_statements(
    backend: store::Backend,
    batch: ImportedCases,
) -> Vec<(store::Rendered, usize)> {
    use sea_query::Value;
    let per_statement = rows_per_statement(backend, IMPORTED_COLUMNS.len());
    let mut statements = Vec::with_capacity(batch.cases.len().div_ceil(per_statement));
    let mut rows = batch.cases.into_iter().peekable();
    while rows.peek().is_some() {
        let mut values = Vec::with_capacity(per_statement * IMPORTED_COLUMNS.len());
        let mut n = 0;
        for c in rows.by_ref().take(per_statement) {
            values.extend([
                Value::String(Some(c.id)),
                Value::String(Some(c.case_number)),
                Value::String(Some(c.category_code)),
                Value::String(Some(c.urgency)),
                Value::String(c.department_code),
                Value::String(Some(c.description)),
                Value::String(c.address),
                Value::String(c.district_code),
                Value::BigInt(Some(c.requested_at)),
                Value::BigInt(Some(c.updated_at)),
                Value::BigInt(c.closed_at),
            ]);
            n += 1;
        }
        let shared = vec![
            ("jurisdiction_id", batch.jurisdiction_id.clone().into()),
            ("status", batch.status.clone().into()),
            ("channel", batch.channel.clone().into()),
            ("password_hash", batch.password_hash.clone().into()),
        ];
        statements.push((
            store::Rendered::multi_row_insert(
                backend,
                "cases",
                shared,
                &IMPORTED_COLUMNS,
                values,
                "ON CONFLICT DO NOTHING",
            ),
            n,
        ));
    }
    statements
}

/// Runs [`insert_imported_statements`]; returns how many cases were inserted and whether
/// every statement inserted all its rows.
pub async fn insert_imported_rendered(
    tx: &mut Tx,
    statements: Vec<(store::Rendered, usize)>,
) -> Result<(u64, bool), StoreError> {
    let mut inserted = 0;
    let mut all = true;
    for (stmt, rows) in statements {
        let n = tx.execute_rendered(stmt).await?;
        all &= n == rows as u64;
        inserted += n;
    }
    Ok((inserted, all))
}

/// Inserts imported cases, skipping any whose id or case number is taken; returns how many
/// were inserted.
pub async fn insert_imported(tx: &mut Tx, batch: ImportedCases) -> Result<u64, StoreError> {
    let statements = insert_imported_statements(tx.backend(), batch);
    Ok(insert_imported_rendered(tx, statements).await?.0)
}

/// Which of `ids` exist as cases.
pub async fn existing_ids(
    tx: &mut Tx,
    ids: &[String],
) -> Result<std::collections::HashSet<String>, StoreError> {
    let mut found = std::collections::HashSet::new();
    for chunk in ids.chunks(rows_per_statement(tx.backend(), 1)) {
        let q = Query::select()
            .column("id")
            .from("cases")
            .and_where(Expr::col("id").is_in(chunk.iter().cloned()))
            .to_owned();
        for row in tx.fetch_all(&q).await? {
            found.insert(row.get("id")?);
        }
    }
    Ok(found)
}

/// The lowest case number of the jurisdiction in `[from, to]` (same length, so text order is
/// number order), if any.
pub async fn lowest_number_between(
    tx: &mut Tx,
    jurisdiction_id: &str,
    from: &str,
    to: &str,
) -> Result<Option<String>, StoreError> {
    let q = Query::select()
        .column("case_number")
        .from("cases")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("case_number").between(from, to))
        .order_by("case_number", Order::Asc)
        .limit(1)
        .to_owned();
    tx.fetch_optional(&q)
        .await?
        .map(|r| r.get("case_number"))
        .transpose()
}

/// Whether a case number is taken in the jurisdiction.
pub async fn number_taken(
    tx: &mut Tx,
    jurisdiction_id: &str,
    case_number: &str,
) -> Result<bool, StoreError> {
    let q = Query::select()
        .column("id")
        .from("cases")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("case_number").eq(case_number))
        .to_owned();
    Ok(tx.fetch_optional(&q).await?.is_some())
}

/// Raises the daily counters so that [`next_case_number`] continues after the given
/// sequences: `(YYYYMMDD, highest sequence used that day)`, each day once. A counter already
/// higher stays.
pub async fn raise_counters(
    tx: &mut Tx,
    jurisdiction_id: &str,
    days: &[(String, u64)],
) -> Result<(), StoreError> {
    for chunk in days.chunks(rows_per_statement(tx.backend(), 3)) {
        let mut stmt = Query::insert();
        stmt.into_table("case_number_counters")
            .columns(["jurisdiction_id", "day", "last"]);
        for (day, last) in chunk {
            stmt.values_panic([
                jurisdiction_id.into(),
                day.clone().into(),
                i64::try_from(*last).unwrap_or(i64::MAX).into(),
            ]);
        }
        let current = || Expr::col(("case_number_counters", "last"));
        let proposed = || Expr::cust("excluded.last");
        stmt.on_conflict(
            OnConflict::columns(["jurisdiction_id", "day"])
                .value(
                    "last",
                    Expr::case(proposed().gt(current()), proposed()).finally(current()),
                )
                .to_owned(),
        );
        tx.execute(&stmt).await?;
    }
    Ok(())
}
