//! The contact log.

use sea_query::{Expr, ExprTrait, Order, Query};
use store::{Db, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub id: String,
    pub jurisdiction_id: String,
    pub agent_id: String,
    pub caller_phone: String,
    pub service_type: String,
    pub category_code: Option<String>,
    pub case_number: Option<String>,
    pub summary: String,
    pub emergency_kind: Option<String>,
    pub created_at: i64,
}

/// A contact as listed, with the agent's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRow {
    pub contact: Contact,
    pub agent_name: Option<String>,
}

const CONTACT_COLUMNS: [&str; 10] = [
    "id",
    "jurisdiction_id",
    "agent_id",
    "caller_phone",
    "service_type",
    "category_code",
    "case_number",
    "summary",
    "emergency_kind",
    "created_at",
];

pub async fn insert_contact(tx: &mut Tx, c: &Contact) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("contacts")
        .columns(CONTACT_COLUMNS)
        .values_panic([
            c.id.clone().into(),
            c.jurisdiction_id.clone().into(),
            c.agent_id.clone().into(),
            c.caller_phone.clone().into(),
            c.service_type.clone().into(),
            c.category_code.clone().into(),
            c.case_number.clone().into(),
            c.summary.clone().into(),
            c.emergency_kind.clone().into(),
            c.created_at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Which contacts to list, newest first.
#[derive(Debug, Clone, Default)]
pub struct ContactFilter {
    pub caller_phone: Option<String>,
    /// Keyset: contacts before this (created_at, id).
    pub before: Option<(i64, String)>,
    pub limit: u64,
}

pub async fn list_contacts(
    db: &Db,
    jurisdiction_id: &str,
    f: &ContactFilter,
) -> Result<Vec<ContactRow>, StoreError> {
    let mut stmt = Query::select();
    for c in CONTACT_COLUMNS {
        stmt.column(("contacts", c));
    }
    stmt.expr_as(Expr::col(("accounts", "display_name")), "agent_name")
        .from("contacts")
        .left_join(
            "accounts",
            Expr::col(("accounts", "id")).equals(("contacts", "agent_id")),
        )
        .and_where(Expr::col(("contacts", "jurisdiction_id")).eq(jurisdiction_id))
        .order_by(("contacts", "created_at"), Order::Desc)
        .order_by(("contacts", "id"), Order::Desc)
        .limit(f.limit.clamp(1, 500));
    if let Some(p) = &f.caller_phone {
        stmt.and_where(Expr::col(("contacts", "caller_phone")).eq(p.as_str()));
    }
    if let Some((at, id)) = &f.before {
        let created = || Expr::col(("contacts", "created_at"));
        stmt.and_where(
            created().lt(*at).or(created()
                .eq(*at)
                .and(Expr::col(("contacts", "id")).lt(id.as_str()))),
        );
    }
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| {
            Ok(ContactRow {
                contact: Contact {
                    id: r.get("id")?,
                    jurisdiction_id: r.get("jurisdiction_id")?,
                    agent_id: r.get("agent_id")?,
                    caller_phone: r.get("caller_phone")?,
                    service_type: r.get("service_type")?,
                    category_code: r.get("category_code")?,
                    case_number: r.get("case_number")?,
                    summary: r.get("summary")?,
                    emergency_kind: r.get("emergency_kind")?,
                    created_at: r.get("created_at")?,
                },
                agent_name: r.get("agent_name")?,
            })
        })
        .collect()
}
