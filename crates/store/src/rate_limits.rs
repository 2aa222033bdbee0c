//! Windowed counters in the database, so every node sees the same count: a credential
//! stuffer spreading attempts over several nodes is limited as if there were one.

use crate::db::{Db, StoreError, Tx};
use sea_query::{Expr, ExprTrait, OnConflict, Query};

/// A bucket's current window: when it began (its first hit) and the hits counted in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub started_at: i64,
    pub hits: i64,
}

/// Counts one hit in `bucket` and returns its window including this hit. A window begins at
/// the bucket's first hit and lasts `window_secs`; the first hit after it begins a new one.
/// (Windows aligned to the clock, as before, let twice the limit through around each
/// boundary, and could end a lock-out a second after it began.)
pub async fn hit(db: &Db, bucket: &str, now: i64, window_secs: i64) -> Result<Window, StoreError> {
    let mut tx = db.begin().await?;
    let window = hit_in(&mut tx, bucket, now, window_secs).await?;
    tx.commit().await?;
    Ok(window)
}

/// [`hit`], in a transaction the caller holds (and commits).
pub async fn hit_in(
    tx: &mut Tx,
    bucket: &str,
    now: i64,
    window_secs: i64,
) -> Result<Window, StoreError> {
    let mut windows = hit_many_in(tx, &[bucket], now, window_secs).await?;
    windows
        .pop()
        .ok_or_else(|| StoreError::Corrupt("a rate limit hit returned no row".into()))
}

/// One hit in each of `buckets`, in a transaction the caller holds: their windows including
/// the hit, in the order of `buckets`. One statement when the buckets are distinct; a bucket
/// named twice is counted twice.
pub async fn hit_many_in(
    tx: &mut Tx,
    buckets: &[&str],
    now: i64,
    window_secs: i64,
) -> Result<Vec<Window>, StoreError> {
    if buckets.is_empty() {
        return Ok(Vec::new());
    }
    let distinct: std::collections::HashSet<&str> = buckets.iter().copied().collect();
    if distinct.len() < buckets.len() {
        // One statement may not update a row twice (PostgreSQL refuses it): one each.
        let mut windows = Vec::with_capacity(buckets.len());
        for b in buckets {
            windows.extend(Box::pin(hit_many_in(tx, &[b], now, window_secs)).await?);
        }
        return Ok(windows);
    }
    let stale = Expr::col(("rate_limits", "window_start")).lte(now - Ord::max(window_secs, 1));
    let mut stmt = Query::insert();
    stmt.into_table("rate_limits")
        .columns(["bucket", "window_start", "hits"]);
    // In one order, so that two transactions counting the same buckets (PostgreSQL) take
    // their rows' locks alike and cannot deadlock.
    let mut sorted = buckets.to_vec();
    sorted.sort_unstable();
    for b in sorted {
        stmt.values_panic([b.into(), now.into(), 1i64.into()]);
    }
    let stmt = stmt
        .on_conflict(
            OnConflict::column("bucket")
                // Both read the row as it was before the update.
                .value(
                    "hits",
                    Expr::case(stale.clone(), 1i64)
                        .finally(Expr::col(("rate_limits", "hits")).add(1)),
                )
                .value(
                    "window_start",
                    Expr::case(stale, now).finally(Expr::col(("rate_limits", "window_start"))),
                )
                .to_owned(),
        )
        .returning(Query::returning().columns(["bucket", "window_start", "hits"]))
        .to_owned();
    let mut found = std::collections::HashMap::new();
    for row in tx.fetch_all(&stmt).await? {
        let bucket: String = row.get("bucket")?;
        let window = Window {
            started_at: row.get("window_start")?,
            hits: row.get("hits")?,
        };
        found.insert(bucket, window);
    }
    buckets
        .iter()
        .map(|b| {
            found
                .get(*b)
                .copied()
                .ok_or_else(|| StoreError::Corrupt(format!("no rate limit row for {b}")))
        })
        .collect()
}

/// The bucket's current window without counting a hit; `None` when it has none.
pub async fn peek(
    db: &Db,
    bucket: &str,
    now: i64,
    window_secs: i64,
) -> Result<Option<Window>, StoreError> {
    let stmt = Query::select()
        .columns(["window_start", "hits"])
        .from("rate_limits")
        .and_where(Expr::col("bucket").eq(bucket))
        .and_where(Expr::col("window_start").gt(now - Ord::max(window_secs, 1)))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .map(|r| {
            Ok(Window {
                started_at: r.get("window_start")?,
                hits: r.get("hits")?,
            })
        })
        .transpose()
}

/// Gives back one hit counted in `bucket` (an attempt reserved before it was checked, that
/// turned out to be allowed), in one statement.
pub async fn refund(db: &Db, bucket: &str) -> Result<(), StoreError> {
    let stmt = Query::update()
        .table("rate_limits")
        .value("hits", Expr::col("hits").sub(1))
        .and_where(Expr::col("bucket").eq(bucket))
        .and_where(Expr::col("hits").gt(0))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

/// Forgets a bucket (after a successful sign-in, the failure count starts again).
pub async fn clear(db: &Db, bucket: &str) -> Result<(), StoreError> {
    let stmt = Query::delete()
        .from_table("rate_limits")
        .and_where(Expr::col("bucket").eq(bucket))
        .to_owned();
    db.execute(&stmt).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hits on both sides of a quarter hour count in one window: the window follows the
    /// first hit, not the clock.
    #[tokio::test]
    async fn a_window_begins_at_the_first_hit_not_at_the_clock() {
        let (_dir, db) = crate::db::testing::sqlite_db().await;
        let quarter = 900;
        let at = |t: i64| hit(&db, "b", t, quarter);
        assert_eq!(
            at(899).await.unwrap(),
            Window {
                started_at: 899,
                hits: 1
            }
        );
        assert_eq!(
            at(901).await.unwrap(),
            Window {
                started_at: 899,
                hits: 2
            }
        );
        assert_eq!(
            peek(&db, "b", 1_798, quarter).await.unwrap(),
            Some(Window {
                started_at: 899,
                hits: 2
            })
        );
        assert_eq!(peek(&db, "b", 1_799, quarter).await.unwrap(), None);
        assert_eq!(
            at(1_799).await.unwrap(),
            Window {
                started_at: 1_799,
                hits: 1
            }
        );
        clear(&db, "b").await.unwrap();
        assert_eq!(peek(&db, "b", 1_800, quarter).await.unwrap(), None);
        db.close().await;
    }

    /// A refund gives back one reserved hit, never going below none.
    #[tokio::test]
    async fn a_refund_gives_back_one_hit() {
        let (_dir, db) = crate::db::testing::sqlite_db().await;
        hit(&db, "r", 100, 900).await.unwrap();
        hit(&db, "r", 101, 900).await.unwrap();
        refund(&db, "r").await.unwrap();
        assert_eq!(
            peek(&db, "r", 102, 900).await.unwrap().map(|w| w.hits),
            Some(1)
        );
        refund(&db, "r").await.unwrap();
        refund(&db, "r").await.unwrap();
        assert_eq!(
            peek(&db, "r", 103, 900).await.unwrap().map(|w| w.hits),
            Some(0)
        );
        assert_eq!(hit(&db, "r", 104, 900).await.unwrap().hits, 1);
        refund(&db, "missing").await.unwrap();
        db.close().await;
    }

    /// Several buckets counted in one statement: each once, its own window, in the order
    /// asked; a bucket named twice is counted twice.
    #[tokio::test]
    async fn many_buckets_are_counted_in_one_statement_each_in_its_own_window() {
        let (_dir, db) = crate::db::testing::sqlite_db().await;
        hit(&db, "a", 200, 900).await.unwrap();
        hit(&db, "a", 201, 900).await.unwrap();
        hit(&db, "old", 100, 900).await.unwrap();
        let mut tx = db.begin().await.unwrap();
        let windows = hit_many_in(&mut tx, &["new", "a", "old"], 1_000, 900)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert_eq!(
            windows,
            [
                Window {
                    started_at: 1_000,
                    hits: 1
                },
                Window {
                    started_at: 200,
                    hits: 3
                },
                // Its window had ended: a new one begins.
                Window {
                    started_at: 1_000,
                    hits: 1
                },
            ]
        );
        let mut tx = db.begin().await.unwrap();
        let twice = hit_many_in(&mut tx, &["a", "a"], 1_001, 900).await.unwrap();
        tx.commit().await.unwrap();
        assert_eq!(twice.iter().map(|w| w.hits).collect::<Vec<_>>(), [4, 5]);
        assert!(
            hit_many_in(&mut db.begin().await.unwrap(), &[], 1_002, 900)
                .await
                .unwrap()
                .is_empty()
        );
        db.close().await;
    }
}
