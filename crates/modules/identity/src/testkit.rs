//! Reads and seeds below the `app` API, for black-box tests only: an account's id by its
//! login, a citizen account activated without its e-mail round trip, the live one-time code
//! the e-mail would carry, the stored second-factor policy. Compiled only with the `testkit`
//! feature, which only dev-dependencies turn on (`crates/cli/tests/architecture.rs` checks
//! it); the product itself never reaches the module's store except through `app`.

use crate::accounts::Login;
use crate::store::accounts::{self, AccountUpdate};
use store::{Db, StoreError};

pub use crate::store::accounts::OneTimeCode;

/// The id of the account with this login (as typed: it is normalised first).
pub async fn account_id(
    db: &Db,
    jurisdiction_id: &str,
    login: &str,
) -> Result<Option<String>, StoreError> {
    let Ok(login) = Login::parse(login) else {
        return Ok(None);
    };
    Ok(accounts::find_by_login(db, jurisdiction_id, login.as_str())
        .await?
        .map(|a| a.id))
}

/// Marks an account active, as the link in its verification e-mail would; its id, if the
/// login names one.
pub async fn activate(
    db: &Db,
    jurisdiction_id: &str,
    login: &str,
    now: i64,
) -> Result<Option<String>, StoreError> {
    let Some(id) = account_id(db, jurisdiction_id, login).await? else {
        return Ok(None);
    };
    let mut tx = db.begin().await?;
    // As the code sent at sign-up does: active, its address proved.
    let update = AccountUpdate {
        status: Some("active".into()),
        verified_at: Some(now),
        ..Default::default()
    };
    accounts::update(&mut tx, &id, &update, now).await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// The unused one-time code of an account for `purpose` ("verify", "reset"), if one lives.
pub async fn live_code(
    db: &Db,
    account_id: &str,
    purpose: &str,
) -> Result<Option<OneTimeCode>, StoreError> {
    let mut tx = db.begin().await?;
    let code = accounts::live_code(&mut tx, account_id, purpose).await?;
    drop(tx);
    Ok(code)
}

/// The roles the jurisdiction's policy requires a second factor of, as stored (no role by
/// default).
pub async fn roles_requiring_totp(
    db: &Db,
    jurisdiction_id: &str,
) -> Result<Vec<String>, StoreError> {
    accounts::roles_requiring_totp(db, jurisdiction_id, &[]).await
}

/// The kept record of a MyData import, as stored (JSON), if it holds one.
pub async fn mydata_record(db: &Db, tx_id: &str) -> Result<Option<String>, StoreError> {
    Ok(crate::store::mydata::find(db, tx_id)
        .await?
        .and_then(|i| i.record))
}

/// How many MyData imports are in `status`, and how many hold a key or a ticket.
pub async fn mydata_counts(db: &Db, status: &str) -> Result<(usize, usize), StoreError> {
    use sea_query::{Expr, ExprTrait, Query};
    let in_status = Query::select()
        .column("tx_id")
        .from("mydata_imports")
        .and_where(Expr::col("status").eq(status))
        .to_owned();
    let holding = Query::select()
        .column("tx_id")
        .from("mydata_imports")
        .and_where(
            Expr::col("secret_key")
                .is_not_null()
                .or(Expr::col("permission_ticket").is_not_null()),
        )
        .to_owned();
    Ok((
        db.fetch_all(&in_status).await?.len(),
        db.fetch_all(&holding).await?.len(),
    ))
}

/// Proves an account's real name as a MyData import would: the name and ID number become the
/// account's, and its real name counts as proved (by `mydata`).
pub async fn prove_real_name(
    db: &Db,
    account_id: &str,
    name: &str,
    national_id: &str,
    now: i64,
) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let update = AccountUpdate {
        display_name: Some(name.into()),
        national_id: Some(national_id.into()),
        ..Default::default()
    };
    accounts::update(&mut tx, account_id, &update, now).await?;
    crate::store::links::set_real_name(&mut tx, account_id, "mydata", now).await?;
    tx.commit().await
}
