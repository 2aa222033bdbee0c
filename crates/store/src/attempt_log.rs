//! The shape two logs share: `job_attempts` (the job queue's) and `notification_attempts` (the
//! notification outbox's), one line per run or event of a row, `(id, <row>_id, attempt, at,
//! outcome, detail)`, read oldest first (ids are uuid v7). `webhook_attempts` is not one of
//! them: its lines also keep the receiver's HTTP status and the duration.

use crate::db::{Db, StoreError, Tx};
use sea_query::{Expr, ExprTrait, Order, Query};

/// A log table and the column that names the row a line is about.
pub(crate) struct Log {
    pub table: &'static str,
    pub key: &'static str,
}

/// One line as both logs store it.
pub(crate) struct Line<'a> {
    pub id: &'a str,
    /// The row the line is about (a job, a notification).
    pub subject_id: &'a str,
    pub attempt: i64,
    pub at: i64,
    pub outcome: &'a str,
    pub detail: &'a str,
}

/// A line read back: `(id, subject_id, attempt, at, outcome, detail)`.
pub(crate) type Stored = (String, String, i64, i64, String, String);

impl Log {
    fn columns(&self) -> [&'static str; 6] {
        ["id", self.key, "attempt", "at", "outcome", "detail"]
    }

    /// Appends a line inside the caller's transaction.
    pub(crate) async fn append(&self, tx: &mut Tx, l: Line<'_>) -> Result<(), StoreError> {
        let stmt = Query::insert()
            .into_table(self.table)
            .columns(self.columns())
            .values_panic([
                l.id.into(),
                l.subject_id.into(),
                l.attempt.into(),
                l.at.into(),
                l.outcome.into(),
                l.detail.into(),
            ])
            .to_owned();
        tx.execute(&stmt).await?;
        Ok(())
    }

    /// The lines about one row, oldest first, each made into a `T`.
    pub(crate) async fn read<T>(
        &self,
        db: &Db,
        subject_id: &str,
        line: impl Fn(Stored) -> T,
    ) -> Result<Vec<T>, StoreError> {
        let stmt = Query::select()
            .columns(self.columns())
            .from(self.table)
            .and_where(Expr::col(self.key).eq(subject_id))
            .order_by("id", Order::Asc)
            .to_owned();
        db.fetch_all(&stmt)
            .await?
            .iter()
            .map(|r| {
                Ok(line((
                    r.get("id")?,
                    r.get(self.key)?,
                    r.get("attempt")?,
                    r.get("at")?,
                    r.get("outcome")?,
                    r.get("detail")?,
                )))
            })
            .collect()
    }
}
