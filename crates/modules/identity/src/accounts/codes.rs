//! One-time codes sent to a citizen's address: six digits, valid for a short time, a few
//! guesses each, single use, and a new code retires the previous one. Also what every flow
//! that checks a code or changes a credential shares: a wrong guess is kept, and a new
//! password ends every session.

use super::Login;
use crate::rate_limit::CODE_PER_ACCOUNT;
use crate::store::accounts::{self, Account, AccountUpdate, OneTimeCode};
use crate::store::sessions;
use crate::{IdentityApp, Result, ServiceError, secrets};
use domain::Message;
use store::Tx;

pub const VERIFY: &str = "verify";
pub const RESET: &str = "reset";

/// Minutes a code stays valid.
pub const CODE_MINUTES: i64 = 15;
/// Wrong guesses allowed per code.
const MAX_ATTEMPTS: i64 = 5;

fn code_hash(account_id: &str, purpose: &str, code: &str) -> String {
    secrets::sha256_hex(&format!("{account_id}\n{purpose}\n{}", code.trim()))
}

/// Creates a code for an account at `now` and returns it (to be sent, never stored in clear).
pub async fn issue(tx: &mut Tx, account_id: &str, purpose: &str, now: i64) -> Result<String> {
    let code = secrets::numeric_code(6);
    accounts::insert_code(
        tx,
        &OneTimeCode {
            id: uuid::Uuid::now_v7().to_string(),
            account_id: account_id.to_string(),
            purpose: purpose.to_string(),
            code_hash: code_hash(account_id, purpose, &code),
            attempts: 0,
            created_at: now,
            expires_at: now + CODE_MINUTES * 60,
            used_at: None,
        },
    )
    .await?;
    Ok(code)
}

pub fn invalid_code() -> ServiceError {
    ServiceError::invalid(Message::new("error-code-invalid"))
}

/// Uses the account's live code for `purpose` if `code` matches; every wrong guess counts.
/// Expired (at `now`), used-up and unknown codes all get the same answer.
pub async fn redeem(
    tx: &mut Tx,
    account_id: &str,
    purpose: &str,
    code: &str,
    now: i64,
) -> Result<()> {
    let Some(live) = accounts::live_code(tx, account_id, purpose).await? else {
        return Err(invalid_code());
    };
    if live.expires_at <= now || live.attempts >= MAX_ATTEMPTS {
        return Err(invalid_code());
    }
    let normalised: String = text::to_halfwidth(code)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if !secrets::constant_time_eq(
        &live.code_hash,
        &code_hash(account_id, purpose, &normalised),
    ) {
        accounts::touch_code(tx, &live.id, None).await?;
        return Err(invalid_code());
    }
    accounts::touch_code(tx, &live.id, Some(now)).await?;
    Ok(())
}

/// Ends a transaction in which a code was checked: a wrong guess was recorded in it and must
/// count, so on failure it is committed before the error is returned.
pub async fn keep_guess(tx: Tx, checked: Result<()>) -> Result<Tx> {
    match checked {
        Ok(()) => Ok(tx),
        Err(e) => {
            tx.commit().await?;
            Err(e)
        }
    }
}

/// Sets a new password hash (with `also`, further changes to the account) and ends every
/// session of the account: whoever knew the old password is signed out. Returns how many
/// sessions ended.
pub async fn set_password(
    tx: &mut Tx,
    account_id: &str,
    hash: String,
    now: i64,
    also: AccountUpdate,
) -> Result<u64> {
    accounts::update(
        tx,
        account_id,
        &AccountUpdate {
            password_hash: Some(hash),
            password_changed_at: Some(now),
            ..also
        },
        now,
    )
    .await?;
    Ok(sessions::delete_for_account(tx, account_id, None).await?)
}

impl IdentityApp {
    /// The account a code for `login` was sent to. The guess is counted first, and an unknown
    /// login gets the same answer as a wrong code, so guessing tells nobody which accounts
    /// exist.
    pub(super) async fn account_for_code(
        &self,
        jurisdiction_id: &str,
        login: &str,
    ) -> Result<Account> {
        let login = Login::parse(login).map_err(ServiceError::invalid)?;
        self.platform
            .count_attempt(CODE_PER_ACCOUNT, login.as_str())
            .await?;
        accounts::find_by_login(&self.db, jurisdiction_id, login.as_str())
            .await?
            .ok_or_else(invalid_code)
    }
}
