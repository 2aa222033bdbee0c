//! What the hotline holds about one citizen, for their "my data": the cases they reported
//! (by their account, or from their number), the surveys of those cases, the calls from their
//! number, a care flag on it, and the calls made to it.

use sea_query::{Alias, Expr, ExprTrait, JoinType, Order, Query};
use store::{Db, StoreError};

/// A case a citizen reported, with what they gave as its reporter.
#[derive(Debug, Clone, PartialEq)]
pub struct Reported {
    pub case_id: String,
    pub case_number: String,
    pub requested_at: i64,
    pub category_code: String,
    pub status: String,
    pub channel: String,
    pub address: Option<String>,
    pub description: String,
    pub closed_at: Option<i64>,
    /// When the answer is due (the resolution clock, pauses and extensions counted).
    pub resolution_due_at: Option<i64>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

/// The cases reported by the account, or by a reporter with no account with the number key
/// `phone_key` since `since`, newest first.
pub async fn reported(
    db: &Db,
    jurisdiction_id: &str,
    account_id: &str,
    phone: Option<(&str, i64)>,
) -> Result<Vec<Reported>, StoreError> {
    let r = Alias::new("r");
    let c = Alias::new("c");
    let mut who = Expr::col((r.clone(), Alias::new("account_id"))).eq(account_id);
    if let Some((key, since)) = phone {
        who = who.or(Expr::col((r.clone(), Alias::new("phone_key")))
            .eq(key)
            .and(Expr::col((r.clone(), Alias::new("account_id"))).is_null())
            .and(Expr::col((r.clone(), Alias::new("created_at"))).gte(since)));
    }
    let stmt = Query::select()
        .expr_as(
            Expr::col((c.clone(), Alias::new("id"))),
            Alias::new("case_id"),
        )
        .columns([
            (c.clone(), Alias::new("case_number")),
            (c.clone(), Alias::new("requested_at")),
            (c.clone(), Alias::new("category_code")),
            (c.clone(), Alias::new("status")),
            (c.clone(), Alias::new("channel")),
            (c.clone(), Alias::new("address")),
            (c.clone(), Alias::new("description")),
            (c.clone(), Alias::new("closed_at")),
            (c.clone(), Alias::new("resolution_due_at")),
            (r.clone(), Alias::new("first_name")),
            (r.clone(), Alias::new("last_name")),
            (r.clone(), Alias::new("phone")),
            (r.clone(), Alias::new("email")),
        ])
        .from_as(Alias::new("case_reporters"), r.clone())
        .join_as(
            JoinType::InnerJoin,
            Alias::new("cases"),
            c.clone(),
            Expr::col((c.clone(), Alias::new("id"))).equals((r.clone(), Alias::new("case_id"))),
        )
        .and_where(Expr::col((r.clone(), Alias::new("jurisdiction_id"))).eq(jurisdiction_id))
        .and_where(who)
        .order_by((c.clone(), Alias::new("requested_at")), Order::Desc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|row| {
            Ok(Reported {
                case_id: row.get("case_id")?,
                case_number: row.get("case_number")?,
                requested_at: row.get("requested_at")?,
                category_code: row.get("category_code")?,
                status: row.get("status")?,
                channel: row.get("channel")?,
                address: row.get("address")?,
                description: row.get("description")?,
                closed_at: row.get("closed_at")?,
                resolution_due_at: row.get("resolution_due_at")?,
                first_name: row.get("first_name")?,
                last_name: row.get("last_name")?,
                phone: row.get("phone")?,
                email: row.get("email")?,
            })
        })
        .collect()
}

/// A survey answered (or offered) about one of the cases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Survey {
    pub case_id: String,
    pub score: Option<i64>,
    pub comment: Option<String>,
    pub submitted_at: Option<i64>,
}

/// The surveys of the cases `case_ids`.
pub async fn surveys(db: &Db, case_ids: &[String]) -> Result<Vec<Survey>, StoreError> {
    let mut out = Vec::new();
    for chunk in case_ids.chunks(500) {
        let stmt = Query::select()
            .columns(["case_id", "score", "comment", "submitted_at"])
            .from("case_surveys")
            .and_where(Expr::col("case_id").is_in(chunk.iter().cloned()))
            .and_where(Expr::col("submitted_at").is_not_null())
            .to_owned();
        for row in db.fetch_all(&stmt).await? {
            out.push(Survey {
                case_id: row.get("case_id")?,
                score: row.get("score")?,
                comment: row.get("comment")?,
                submitted_at: row.get("submitted_at")?,
            });
        }
    }
    Ok(out)
}

/// A call from the citizen's number, as the agent recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    pub created_at: i64,
    pub service_type: String,
    pub category_code: Option<String>,
    pub case_number: Option<String>,
    pub summary: String,
}

/// The calls from the number key `phone_key` since `since`, newest first.
pub async fn calls(
    db: &Db,
    jurisdiction_id: &str,
    phone_key: &str,
    since: i64,
) -> Result<Vec<Call>, StoreError> {
    let stmt = Query::select()
        .columns([
            "created_at",
            "service_type",
            "category_code",
            "case_number",
            "summary",
        ])
        .from("contacts")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("caller_phone").eq(phone_key))
        .and_where(Expr::col("created_at").gte(since))
        .order_by("created_at", Order::Desc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|row| {
            Ok(Call {
                created_at: row.get("created_at")?,
                service_type: row.get("service_type")?,
                category_code: row.get("category_code")?,
                case_number: row.get("case_number")?,
                summary: row.get("summary")?,
            })
        })
        .collect()
}

/// The care flag set on the number key since `since`, if any: its note and when it was set.
pub async fn care_flag(
    db: &Db,
    jurisdiction_id: &str,
    phone_key: &str,
    since: i64,
) -> Result<Option<(String, i64)>, StoreError> {
    let stmt = Query::select()
        .columns(["note", "created_at"])
        .from("care_flags")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("phone").eq(phone_key))
        .and_where(Expr::col("created_at").gte(since))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .map(|row| Ok((row.get("note")?, row.get("created_at")?)))
        .transpose()
}

/// A call the hotline made (or is to make) to the citizen's number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcall {
    pub created_at: i64,
    pub case_number: Option<String>,
    pub reason: String,
    pub status: String,
    pub outcome: Option<String>,
    pub done_at: Option<i64>,
}

/// The out-calls to the number key since `since`, newest first.
pub async fn outcalls(
    db: &Db,
    jurisdiction_id: &str,
    phone_key: &str,
    since: i64,
) -> Result<Vec<Outcall>, StoreError> {
    let stmt = Query::select()
        .columns([
            "created_at",
            "case_number",
            "reason",
            "status",
            "outcome",
            "done_at",
        ])
        .from("outcalls")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("citizen_phone").eq(phone_key))
        .and_where(Expr::col("created_at").gte(since))
        .order_by("created_at", Order::Desc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|row| {
            Ok(Outcall {
                created_at: row.get("created_at")?,
                case_number: row.get("case_number")?,
                reason: row.get("reason")?,
                status: row.get("status")?,
                outcome: row.get("outcome")?,
                done_at: row.get("done_at")?,
            })
        })
        .collect()
}

/// The public notes of the events of `kind` on the cases `case_ids`: case id, note, time.
pub async fn public_notes(
    db: &Db,
    case_ids: &[String],
    kind: &str,
) -> Result<Vec<(String, String, i64)>, StoreError> {
    let mut out = Vec::new();
    for chunk in case_ids.chunks(500) {
        let stmt = Query::select()
            .columns(["case_id", "note", "created_at"])
            .from("case_events")
            .and_where(Expr::col("case_id").is_in(chunk.iter().cloned()))
            .and_where(Expr::col("kind").eq(kind))
            .and_where(Expr::col("public").eq(true))
            .to_owned();
        for row in db.fetch_all(&stmt).await? {
            out.push((
                row.get("case_id")?,
                row.get::<Option<String>>("note")?.unwrap_or_default(),
                row.get("created_at")?,
            ));
        }
    }
    Ok(out)
}
