//! Accounts of staff and citizens, their roles and scopes, per-role security policies,
//! one-time codes and recovery codes. Secrets are stored only as hashes.

use sea_query::{Alias, Expr, ExprTrait, Func, JoinType, Order, Query};
use store::{Conn, Db, Row, StoreError, Tx};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: String,
    pub jurisdiction_id: String,
    pub kind: String,
    pub login: String,
    pub email: Option<String>,
    pub mobile: Option<String>,
    pub national_id: Option<String>,
    pub display_name: String,
    pub locale: String,
    pub password_hash: Option<String>,
    pub status: String,
    pub verified_at: Option<i64>,
    pub totp_secret: Option<String>,
    pub totp_enabled_at: Option<i64>,
    pub totp_last_step: Option<i64>,
    pub password_changed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: [&str; 18] = [
    "id",
    "jurisdiction_id",
    "kind",
    "login",
    "email",
    "mobile",
    "national_id",
    "display_name",
    "locale",
    "password_hash",
    "status",
    "verified_at",
    "totp_secret",
    "totp_enabled_at",
    "totp_last_step",
    "password_changed_at",
    "created_at",
    "updated_at",
];

fn from_row(r: &Row) -> Result<Account, StoreError> {
    Ok(Account {
        id: r.get("id")?,
        jurisdiction_id: r.get("jurisdiction_id")?,
        kind: r.get("kind")?,
        login: r.get("login")?,
        email: r.get("email")?,
        mobile: r.get("mobile")?,
        national_id: r.get("national_id")?,
        display_name: r.get("display_name")?,
        locale: r.get("locale")?,
        password_hash: r.get("password_hash")?,
        status: r.get("status")?,
        verified_at: r.get("verified_at")?,
        totp_secret: r.get("totp_secret")?,
        totp_enabled_at: r.get("totp_enabled_at")?,
        totp_last_step: r.get("totp_last_step")?,
        password_changed_at: r.get("password_changed_at")?,
        created_at: r.get("created_at")?,
        updated_at: r.get("updated_at")?,
    })
}

pub async fn insert(tx: &mut Tx, a: &Account) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("accounts")
        .columns(COLUMNS)
        .values_panic([
            a.id.clone().into(),
            a.jurisdiction_id.clone().into(),
            a.kind.clone().into(),
            a.login.clone().into(),
            a.email.clone().into(),
            a.mobile.clone().into(),
            a.national_id.clone().into(),
            a.display_name.clone().into(),
            a.locale.clone().into(),
            a.password_hash.clone().into(),
            a.status.clone().into(),
            a.verified_at.into(),
            a.totp_secret.clone().into(),
            a.totp_enabled_at.into(),
            a.totp_last_step.into(),
            a.password_changed_at.into(),
            a.created_at.into(),
            a.updated_at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

pub async fn find(db: &Db, id: &str) -> Result<Option<Account>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("accounts")
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

pub async fn find_by_login(
    db: &Db,
    jurisdiction_id: &str,
    login: &str,
) -> Result<Option<Account>, StoreError> {
    let stmt = Query::select()
        .columns(COLUMNS)
        .from("accounts")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("login").eq(login))
        .to_owned();
    db.fetch_optional(&stmt)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// The ids of the accounts whose e-mail address or mobile number (stored forms) is `value`:
/// another name of an account, which shares its sign-in budget.
pub async fn ids_by_contact(
    db: &Db,
    jurisdiction_id: &str,
    value: &str,
) -> Result<Vec<String>, StoreError> {
    let stmt = Query::select()
        .column("id")
        .from("accounts")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .cond_where(
            Expr::col("email")
                .eq(value)
                .or(Expr::col("mobile").eq(value)),
        )
        .limit(2)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| r.get("id"))
        .collect()
}

/// Accounts of a jurisdiction of one kind, by login; `department` keeps only holders of a role
/// scoped to that department.
pub async fn list(
    db: &Db,
    jurisdiction_id: &str,
    kind: &str,
    department: Option<&str>,
) -> Result<Vec<Account>, StoreError> {
    let mut stmt = Query::select()
        .columns(COLUMNS.map(|c| (sea_query::Alias::new("a"), c)))
        .from_as("accounts", "a")
        .and_where(Expr::col(("a", "jurisdiction_id")).eq(jurisdiction_id))
        .and_where(Expr::col(("a", "kind")).eq(kind))
        .order_by(("a", "login"), Order::Asc)
        .to_owned();
    if let Some(d) = department {
        stmt.and_where(
            Expr::col(("a", "id")).in_subquery(
                Query::select()
                    .column("account_id")
                    .from("account_roles")
                    .and_where(Expr::col("scope_kind").eq("department"))
                    .and_where(Expr::col("scope_id").eq(d))
                    .to_owned(),
            ),
        );
    }
    db.fetch_all(&stmt).await?.iter().map(from_row).collect()
}

/// Changes to one account; `None` leaves a column as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountUpdate {
    pub status: Option<String>,
    pub password_hash: Option<String>,
    pub password_changed_at: Option<i64>,
    pub verified_at: Option<i64>,
    pub display_name: Option<String>,
    pub locale: Option<String>,
    pub national_id: Option<String>,
    /// `Some(None)` clears the secret.
    pub totp_secret: Option<Option<String>>,
    pub totp_enabled_at: Option<Option<i64>>,
    pub totp_last_step: Option<i64>,
}

pub async fn update(tx: &mut Tx, id: &str, u: &AccountUpdate, at: i64) -> Result<u64, StoreError> {
    let mut stmt = Query::update()
        .table("accounts")
        .value("updated_at", at)
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    if let Some(v) = &u.status {
        stmt.value("status", v.clone());
    }
    if let Some(v) = &u.password_hash {
        stmt.value("password_hash", v.clone());
    }
    if let Some(v) = u.password_changed_at {
        stmt.value("password_changed_at", v);
    }
    if let Some(v) = u.verified_at {
        stmt.value("verified_at", v);
    }
    if let Some(v) = &u.display_name {
        stmt.value("display_name", v.clone());
    }
    if let Some(v) = &u.locale {
        stmt.value("locale", v.clone());
    }
    if let Some(v) = &u.national_id {
        stmt.value("national_id", v.clone());
    }
    if let Some(v) = &u.totp_secret {
        stmt.value("totp_secret", v.clone());
    }
    if let Some(v) = u.totp_enabled_at {
        stmt.value("totp_enabled_at", v);
    }
    if let Some(v) = u.totp_last_step {
        stmt.value("totp_last_step", v);
    }
    tx.execute(&stmt).await
}

/// A role held within a scope.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RoleGrant {
    pub role: String,
    pub scope_kind: String,
    pub scope_id: String,
}

pub async fn roles(mut db: impl Conn, account_id: &str) -> Result<Vec<RoleGrant>, StoreError> {
    let stmt = Query::select()
        .columns(["role", "scope_kind", "scope_id"])
        .from("account_roles")
        .and_where(Expr::col("account_id").eq(account_id))
        .order_by("role", Order::Asc)
        .order_by("scope_id", Order::Asc)
        .to_owned();
    db.fetch_all(&stmt).await?.iter().map(role_grant).collect()
}

fn role_grant(r: &Row) -> Result<RoleGrant, StoreError> {
    Ok(RoleGrant {
        role: r.get("role")?,
        scope_kind: r.get("scope_kind")?,
        scope_id: r.get("scope_id")?,
    })
}

/// An account's roles, each with whether the jurisdiction's policy requires a second factor
/// for it: what authenticating a staff member needs, in one query.
/// A role without a policy row of its jurisdiction follows `by_default` (the roles that need
/// a second factor unless the policy says otherwise).
pub async fn roles_with_policy(
    db: &Db,
    account_id: &str,
    jurisdiction_id: &str,
    by_default: &[&str],
) -> Result<Vec<(RoleGrant, bool)>, StoreError> {
    let default = Expr::case(
        Expr::col(("r", "role")).is_in(by_default.iter().map(|r| r.to_string())),
        Expr::val(true),
    )
    .finally(Expr::val(false));
    let default: sea_query::Expr = default.into();
    let stmt = Query::select()
        .columns([("r", "role"), ("r", "scope_kind"), ("r", "scope_id")])
        .expr_as(
            Func::coalesce([Expr::col(("p", "require_totp")), default]),
            "require_totp",
        )
        .from_as("account_roles", "r")
        .join_as(
            JoinType::LeftJoin,
            Alias::new("role_policies"),
            Alias::new("p"),
            Expr::col(("p", "role"))
                .equals(("r", "role"))
                .and(Expr::col(("p", "jurisdiction_id")).eq(jurisdiction_id)),
        )
        .and_where(Expr::col(("r", "account_id")).eq(account_id))
        .order_by(("r", "role"), Order::Asc)
        .order_by(("r", "scope_id"), Order::Asc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| Ok((role_grant(r)?, r.get("require_totp")?)))
        .collect()
}

/// Replaces every role of an account.
pub async fn set_roles(
    tx: &mut Tx,
    account_id: &str,
    grants: &[RoleGrant],
) -> Result<(), StoreError> {
    let delete = Query::delete()
        .from_table("account_roles")
        .and_where(Expr::col("account_id").eq(account_id))
        .to_owned();
    tx.execute(&delete).await?;
    for g in grants {
        let insert = Query::insert()
            .into_table("account_roles")
            .columns(["account_id", "role", "scope_kind", "scope_id"])
            .values_panic([
                account_id.into(),
                g.role.clone().into(),
                g.scope_kind.clone().into(),
                g.scope_id.clone().into(),
            ])
            .to_owned();
        tx.execute(&insert).await?;
    }
    Ok(())
}

/// Roles of a jurisdiction that require a second factor: those its policy says so of, and
/// those of `by_default` its policy says nothing of.
pub async fn roles_requiring_totp(
    db: &Db,
    jurisdiction_id: &str,
    by_default: &[&str],
) -> Result<Vec<String>, StoreError> {
    let stmt = Query::select()
        .columns(["role", "require_totp"])
        .from("role_policies")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .to_owned();
    let mut policy = std::collections::BTreeMap::new();
    for r in db.fetch_all(&stmt).await? {
        policy.insert(r.get::<String>("role")?, r.get::<bool>("require_totp")?);
    }
    let mut roles: std::collections::BTreeSet<String> = policy
        .iter()
        .filter(|(_, required)| **required)
        .map(|(role, _)| role.clone())
        .collect();
    roles.extend(
        by_default
            .iter()
            .filter(|role| !policy.contains_key(**role))
            .map(|role| role.to_string()),
    );
    Ok(roles.into_iter().collect())
}

/// Roles of a jurisdiction whose holders' second factor must be a passkey.
pub async fn roles_requiring_passkey(
    db: &Db,
    jurisdiction_id: &str,
) -> Result<Vec<String>, StoreError> {
    let stmt = Query::select()
        .column("role")
        .from("role_policies")
        .and_where(Expr::col("jurisdiction_id").eq(jurisdiction_id))
        .and_where(Expr::col("require_passkey").eq(true))
        .order_by("role", Order::Asc)
        .to_owned();
    db.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| r.get::<String>("role"))
        .collect()
}

/// A role's policy: whether it needs a second factor, and whether that must be a passkey (which
/// implies the first).
pub async fn set_role_policy(
    tx: &mut Tx,
    jurisdiction_id: &str,
    role: &str,
    require_totp: bool,
    require_passkey: bool,
) -> Result<(), StoreError> {
    let stmt = Query::insert()
        .into_table("role_policies")
        .columns(["jurisdiction_id", "role", "require_totp", "require_passkey"])
        .values_panic([
            jurisdiction_id.into(),
            role.into(),
            (require_totp || require_passkey).into(),
            require_passkey.into(),
        ])
        .on_conflict(
            sea_query::OnConflict::columns(["jurisdiction_id", "role"])
                .update_columns(["require_totp", "require_passkey"])
                .to_owned(),
        )
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// Replaces the recovery codes of an account with these hashes.
pub async fn replace_recovery_codes(
    tx: &mut Tx,
    account_id: &str,
    hashes: &[String],
) -> Result<(), StoreError> {
    let delete = Query::delete()
        .from_table("recovery_codes")
        .and_where(Expr::col("account_id").eq(account_id))
        .to_owned();
    tx.execute(&delete).await?;
    for h in hashes {
        let insert = Query::insert()
            .into_table("recovery_codes")
            .columns(["account_id", "code_hash"])
            .values_panic([account_id.into(), h.clone().into()])
            .to_owned();
        tx.execute(&insert).await?;
    }
    Ok(())
}

/// Marks an unused recovery code as used; false if there was none with this hash.
pub async fn use_recovery_code(
    tx: &mut Tx,
    account_id: &str,
    hash: &str,
    at: i64,
) -> Result<bool, StoreError> {
    let stmt = Query::update()
        .table("recovery_codes")
        .value("used_at", at)
        .and_where(Expr::col("account_id").eq(account_id))
        .and_where(Expr::col("code_hash").eq(hash))
        .and_where(Expr::col("used_at").is_null())
        .to_owned();
    Ok(tx.execute(&stmt).await? == 1)
}

/// A one-time code for verifying an address or resetting a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneTimeCode {
    pub id: String,
    pub account_id: String,
    pub purpose: String,
    pub code_hash: String,
    pub attempts: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

/// Stores a new code and retires the account's earlier codes for the same purpose.
pub async fn insert_code(tx: &mut Tx, c: &OneTimeCode) -> Result<(), StoreError> {
    let retire = Query::update()
        .table("one_time_codes")
        .value("used_at", c.created_at)
        .and_where(Expr::col("account_id").eq(c.account_id.as_str()))
        .and_where(Expr::col("purpose").eq(c.purpose.as_str()))
        .and_where(Expr::col("used_at").is_null())
        .to_owned();
    tx.execute(&retire).await?;
    let stmt = Query::insert()
        .into_table("one_time_codes")
        .columns([
            "id",
            "account_id",
            "purpose",
            "code_hash",
            "attempts",
            "created_at",
            "expires_at",
        ])
        .values_panic([
            c.id.clone().into(),
            c.account_id.clone().into(),
            c.purpose.clone().into(),
            c.code_hash.clone().into(),
            c.attempts.into(),
            c.created_at.into(),
            c.expires_at.into(),
        ])
        .to_owned();
    tx.execute(&stmt).await?;
    Ok(())
}

/// The account's newest unused code for a purpose.
pub async fn live_code(
    tx: &mut Tx,
    account_id: &str,
    purpose: &str,
) -> Result<Option<OneTimeCode>, StoreError> {
    let stmt = Query::select()
        .columns([
            "id",
            "account_id",
            "purpose",
            "code_hash",
            "attempts",
            "created_at",
            "expires_at",
            "used_at",
        ])
        .from("one_time_codes")
        .and_where(Expr::col("account_id").eq(account_id))
        .and_where(Expr::col("purpose").eq(purpose))
        .and_where(Expr::col("used_at").is_null())
        .order_by("created_at", Order::Desc)
        .limit(1)
        .to_owned();
    tx.fetch_optional(&stmt)
        .await?
        .map(|r| {
            Ok(OneTimeCode {
                id: r.get("id")?,
                account_id: r.get("account_id")?,
                purpose: r.get("purpose")?,
                code_hash: r.get("code_hash")?,
                attempts: r.get("attempts")?,
                created_at: r.get("created_at")?,
                expires_at: r.get("expires_at")?,
                used_at: r.get("used_at")?,
            })
        })
        .transpose()
}

/// Records a wrong guess, or marks the code used.
pub async fn touch_code(tx: &mut Tx, id: &str, used_at: Option<i64>) -> Result<(), StoreError> {
    let mut stmt = Query::update()
        .table("one_time_codes")
        .value("attempts", Expr::col("attempts").add(1))
        .and_where(Expr::col("id").eq(id))
        .to_owned();
    if let Some(at) = used_at {
        stmt.value("used_at", at);
    }
    tx.execute(&stmt).await?;
    Ok(())
}

/// Active staff holding a role in the jurisdiction (e.g. the supervisors to warn).
pub async fn staff_with_role(
    mut conn: impl store::Conn,
    jurisdiction_id: &str,
    role: &str,
) -> Result<Vec<String>, StoreError> {
    let stmt = Query::select()
        .column(("a", "id"))
        .from_as("accounts", "a")
        .inner_join(
            sea_query::Alias::new("account_roles"),
            Expr::col((
                sea_query::Alias::new("account_roles"),
                sea_query::Alias::new("account_id"),
            ))
            .equals(("a", "id")),
        )
        .and_where(Expr::col(("a", "jurisdiction_id")).eq(jurisdiction_id))
        .and_where(Expr::col(("a", "status")).eq("active"))
        .and_where(
            Expr::col((
                sea_query::Alias::new("account_roles"),
                sea_query::Alias::new("role"),
            ))
            .eq(role),
        )
        .distinct()
        .to_owned();
    conn.fetch_all(&stmt)
        .await?
        .iter()
        .map(|r| r.get("id"))
        .collect()
}
