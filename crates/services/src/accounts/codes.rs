//! One-time codes sent to a citizen's address: six digits, valid for a short time, a few
//! guesses each, single use, and a new code retires the previous one.

use crate::{Result, ServiceError, secrets};
use domain::Message;
use store::Tx;
use store::accounts::{self, OneTimeCode};

pub const VERIFY: &str = "verify";
pub const RESET: &str = "reset";

/// Minutes a code stays valid.
pub const CODE_MINUTES: i64 = 15;
/// Wrong guesses allowed per code.
const MAX_ATTEMPTS: i64 = 5;

fn code_hash(account_id: &str, purpose: &str, code: &str) -> String {
    secrets::sha256_hex(&format!("{account_id}\n{purpose}\n{}", code.trim()))
}

/// Creates a code for an account and returns it (to be sent, never stored in clear).
pub async fn issue(tx: &mut Tx, account_id: &str, purpose: &str) -> Result<String> {
    let code = secrets::numeric_code(6);
    let now = store::now_unix();
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
/// Expired, used-up and unknown codes all get the same answer.
pub async fn redeem(tx: &mut Tx, account_id: &str, purpose: &str, code: &str) -> Result<()> {
    let now = store::now_unix();
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
