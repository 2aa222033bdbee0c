//! TEMPORARY interface placeholder while the notification outbox is built on the `notify`
//! branch; replaced by that branch's module when it merges. Not to be committed.

use crate::Result;
use domain::Locale;

pub enum Recipient {
    Account(String),
    Email(String),
    Sms(String),
}

pub struct Notification {
    pub jurisdiction_id: String,
    pub recipient: Recipient,
    pub template: String,
    pub locale: Locale,
    pub vars: serde_json::Value,
    pub urgent: bool,
}

pub async fn enqueue(_tx: &mut store::Tx, _n: &Notification) -> Result<()> {
    Ok(())
}
