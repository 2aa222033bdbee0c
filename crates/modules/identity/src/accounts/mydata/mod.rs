//! Importing a citizen's household-registration record from the national MyData platform,
//! as a service provider (`docs/MYDATA.md`), for the purpose `identity.mydata-prefill`: filling
//! in their details and proving their real name.
//!
//! 1. The citizen, whose consent to the purpose runs, is sent to MyData with a new `tx_id`.
//! 2. MyData's server-to-server notice brings the permission ticket and the secret key
//!    (AES-CBC under the client secret); a job is queued to fetch the data.
//! 3. The job calls `GET /service/data` (429 with `Retry-After`: later), opens the JWE with the
//!    key, reads the ZIP and keeps only the fields the purpose needs; the key and the ticket
//!    are forgotten. The consent is asked again first: withdrawn, nothing is kept.
//! 4. The citizen uses the kept fields (the consent is asked again): their name and ID number
//!    are filled in, their real name counts as proved, and the record is gone. Unused, it is
//!    purged after its retention period ([`crate::purposes::MYDATA_RECORDS`], 7 days unless
//!    `[retention]` says otherwise); a withdrawn consent discards it at once.

use crate::audit::{self, Subject};
use crate::authz::{Actor, forbidden};
use crate::domain::mydata::{self as wire, Notice};
use crate::domain::mydata_import::{ImportStatus, Kept, ReturnCode, tx_id};
use crate::purposes::MYDATA_PREFILL;
use crate::store::accounts::AccountUpdate;
use crate::store::mydata::{self as store, Import, emptied};
mod fetch;

use crate::{IdentityApp, Result, ServiceError, secrets};
use domain::Message;
use platform::login::MyDataService;
use std::time::Duration;

/// The path MyData's notice is posted to (registered with the platform as the SP's URI).
pub const NOTICE_PATH: &str = "/mydata/notice";
/// Where the citizen comes back from MyData.
pub const RETURN_PATH: &str = "/account/mydata/return";
/// An import MyData has not answered within this long ends (its download window is 2 hours).
const UNANSWERED_SECONDS: i64 = 2 * 3600;
/// A consented import whose data never came within this long ends, its key erased (MyData
/// keeps a file 8 hours).
const UNFETCHED_SECONDS: i64 = 8 * 3600;
const FETCH_TIMEOUT: Duration = Duration::from_secs(20);
/// The largest data file accepted (a JWE around a ZIP of a few JSON files).
const MAX_DATA: usize = 4 * 1024 * 1024;

/// An import as its citizen sees it.
#[derive(Debug, Clone)]
pub struct ImportView {
    pub tx_id: String,
    pub status: ImportStatus,
    pub failure: Option<String>,
    pub kept: Option<Kept>,
    pub created_at: i64,
    pub retrieved_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub purge_at: Option<i64>,
}

/// What a fetch came to, for the job that runs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    /// The record is kept (or the import had already moved on: nothing to do).
    Done(&'static str),
    /// Not ready, or MyData could not be reached: again after this many seconds.
    Later(i64),
    /// It cannot succeed; the import is failed.
    Failed(&'static str),
}

fn view(i: Import) -> ImportView {
    ImportView {
        kept: i
            .record
            .as_deref()
            .and_then(|r| serde_json::from_str(r).ok()),
        tx_id: i.tx_id,
        status: i.status,
        failure: i.failure,
        created_at: i.created_at,
        retrieved_at: i.retrieved_at,
        ended_at: i.ended_at,
        purge_at: i.purge_at,
    }
}

fn not_offered() -> ServiceError {
    ServiceError::Forbidden(Message::new("error-mydata-not-offered"))
}

fn unknown() -> ServiceError {
    ServiceError::NotFound(Message::new("error-mydata-unknown"))
}

impl IdentityApp {
    fn mydata_service(&self) -> Result<&MyDataService> {
        self.config().mydata.as_ref().ok_or_else(not_offered)
    }

    /// Whether the city is registered at MyData.
    pub fn mydata_offered(&self) -> bool {
        self.config().mydata.is_some()
    }

    /// The signed-in citizen's imports, newest first.
    pub async fn my_mydata_imports(&self, actor: &Actor) -> Result<Vec<ImportView>> {
        if !actor.is_citizen() {
            return Err(forbidden());
        }
        Ok(store::of_account(&self.db, actor.account()?)
            .await?
            .into_iter()
            .map(view)
            .collect())
    }

    /// Starts an import: where to send the citizen (MyData's consent page). Their consent to
    /// the purpose must be running.
    pub async fn start_mydata_import(&self, actor: &Actor) -> Result<String> {
        let service = self.mydata_service()?;
        if !actor.is_citizen() {
            return Err(forbidden());
        }
        let me = actor.account()?;
        self.basis_for(me, MYDATA_PREFILL.code).await?;
        let now = self.now();
        let import = Import {
            tx_id: tx_id(&secrets::random_bytes::<15>()),
            jurisdiction_id: actor.jurisdiction_id.clone(),
            account_id: me.to_string(),
            purpose: MYDATA_PREFILL.code.to_string(),
            status: ImportStatus::Sent,
            permission_ticket: None,
            secret_key: None,
            failure: None,
            record: None,
            created_at: now,
            retrieved_at: None,
            ended_at: None,
            purge_at: None,
        };
        let mut tx = self.db.begin().await?;
        store::insert(&mut tx, &import).await?;
        audit::record(
            &mut tx,
            actor,
            "mydata.import_started",
            Subject::account(me),
            None,
            serde_json::json!({ "tx_id": import.tx_id, "purpose": import.purpose }),
            now,
        )
        .await?;
        tx.commit().await?;
        let return_url = format!(
            "{}{RETURN_PATH}",
            self.config().public_url.trim_end_matches('/')
        );
        Ok(format!(
            "{}/service/{}?tx_id={}&return_url={}",
            service.base_url.trim_end_matches('/'),
            urlencode(&service.ps_id),
            import.tx_id,
            urlencode(&return_url),
        ))
    }

    /// MyData's server-to-server notice: the ticket and the key of a consent (or what could
    /// not be delivered). Only an import waiting for it takes it; the key must open under the
    /// client secret, so only MyData can send one that works.
    pub async fn receive_mydata_notice(&self, body: &[u8]) -> Result<()> {
        let service = self.mydata_service()?;
        let notice = Notice::parse(body)
            .map_err(|_| ServiceError::invalid(Message::new("error-mydata-notice")))?;
        let import = store::find(&self.db, &notice.tx_id)
            .await?
            .ok_or_else(unknown)?;
        // The same notice again (MyData retrying a delivery it did not see answered): done.
        if import.status == ImportStatus::Consented
            && import.permission_ticket.as_deref() == Some(notice.permission_ticket.as_str())
        {
            return Ok(());
        }
        if import.status != ImportStatus::Sent {
            return Err(unknown());
        }
        let now = self.now();
        let actor = Actor::system(&import.jurisdiction_id, "MyData");
        let mut tx = self.db.begin().await?;
        let (moved, what) = match &notice.secret_key {
            Some(encrypted) => {
                let key = wire::decrypt_secret_key(&service.client_secret, &service.iv, encrypted)
                    .map_err(|_| ServiceError::invalid(Message::new("error-mydata-notice")))?;
                let moved = store::advance(
                    &mut tx,
                    &import.tx_id,
                    ImportStatus::Sent,
                    ImportStatus::Consented,
                    &[
                        ("permission_ticket", notice.permission_ticket.clone().into()),
                        ("secret_key", hex::encode(key).into()),
                        ("notified_at", now.into()),
                    ],
                )
                .await?;
                if moved {
                    platform::jobs::enqueue(
                        &mut tx,
                        crate::jobs::MYDATA_FETCH,
                        "",
                        Some(&import.tx_id),
                        Some(&import.jurisdiction_id),
                        now,
                        now,
                    )
                    .await?;
                }
                (moved, "consented")
            }
            None => {
                let mut values = emptied(now);
                values.push(("failure", "error-mydata-undelivered".into()));
                values.push(("notified_at", now.into()));
                let moved = store::advance(
                    &mut tx,
                    &import.tx_id,
                    ImportStatus::Sent,
                    ImportStatus::Failed,
                    &values,
                )
                .await?;
                (moved, "unable_to_deliver")
            }
        };
        if !moved {
            return Err(unknown());
        }
        audit::record(
            &mut tx,
            &actor,
            "mydata.notice",
            Subject::account(&import.account_id),
            None,
            serde_json::json!({
                "tx_id": import.tx_id,
                "outcome": what,
                "unable_to_deliver": notice.unable_to_deliver,
            }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The citizen is back from MyData with its return code: a declined or failed import
    /// ends (a consented one goes on in the background).
    pub async fn mydata_returned(
        &self,
        actor: &Actor,
        tx_id: &str,
        code: &str,
    ) -> Result<ImportView> {
        let me = actor.account()?;
        let import = store::find(&self.db, tx_id)
            .await?
            .filter(|i| i.account_id == me)
            .ok_or_else(unknown)?;
        let to = match ReturnCode::parse(code) {
            ReturnCode::Consented => None,
            ReturnCode::Declined => Some((ImportStatus::Declined, None)),
            ReturnCode::Failed => Some((ImportStatus::Failed, Some("error-mydata-undelivered"))),
        };
        if let Some((status, failure)) = to
            && import.status == ImportStatus::Sent
        {
            let now = self.now();
            let mut values = emptied(now);
            if let Some(f) = failure {
                values.push(("failure", f.into()));
            }
            let mut tx = self.db.begin().await?;
            store::advance(&mut tx, tx_id, ImportStatus::Sent, status, &values).await?;
            tx.commit().await?;
        }
        let import = store::find(&self.db, tx_id).await?.ok_or_else(unknown)?;
        Ok(view(import))
    }

    /// Uses a ready import: the citizen's name and ID number become the record's, their real
    /// name counts as proved (by MyData), and the record is gone. The consent is asked in the
    /// same transaction: withdrawn, the use is refused.
    pub async fn use_mydata_import(&self, actor: &Actor, tx_id: &str) -> Result<()> {
        if !actor.is_citizen() {
            return Err(forbidden());
        }
        let me = actor.account()?;
        let import = store::find(&self.db, tx_id)
            .await?
            .filter(|i| i.account_id == me)
            .ok_or_else(unknown)?;
        // The consent first: a withdrawn one is the reason, whatever became of the record.
        self.basis_for(me, &import.purpose).await?;
        let kept: Kept = match (import.status, import.record.as_deref()) {
            (ImportStatus::Ready, Some(r)) => serde_json::from_str(r)
                .map_err(|e| ServiceError::Internal(format!("mydata record: {e}")))?,
            _ => {
                return Err(ServiceError::invalid(Message::new(
                    "error-mydata-not-ready",
                )));
            }
        };
        // The record must be this person's: whoever consents at MyData under a transaction
        // fills it, so a record of someone else (a link passed on) is refused, and an ID
        // number another account holds is not taken over.
        let account = self.account_in(&actor.jurisdiction_id, me).await?;
        let someone_else = account
            .national_id
            .as_deref()
            .is_some_and(|mine| mine != kept.national_id)
            || !store::others_with_national_id(
                &self.db,
                &actor.jurisdiction_id,
                &kept.national_id,
                me,
            )
            .await?
            .is_empty();
        if someone_else {
            return Err(ServiceError::Forbidden(Message::new(
                "error-mydata-other-person",
            )));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.basis_in(&mut tx, me, &import.purpose).await?;
        crate::store::accounts::update(
            &mut tx,
            me,
            &AccountUpdate {
                display_name: Some(kept.name.clone()),
                national_id: Some(kept.national_id.clone()),
                ..AccountUpdate::default()
            },
            now,
        )
        .await?;
        crate::store::links::set_real_name(&mut tx, me, "mydata", now).await?;
        if !store::advance(
            &mut tx,
            tx_id,
            ImportStatus::Ready,
            ImportStatus::Used,
            &emptied(now),
        )
        .await?
        {
            return Err(ServiceError::invalid(Message::new(
                "error-mydata-not-ready",
            )));
        }
        audit::record(
            &mut tx,
            actor,
            "mydata.used",
            Subject::account(me),
            None,
            serde_json::json!({ "tx_id": tx_id, "purpose": import.purpose }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Purges what outlived its time: kept records never used, and imports MyData never
    /// answered. Returns how many imports ended.
    pub async fn purge_mydata(&self) -> Result<u64> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let purged = store::purge_due(&mut tx, now).await?;
        let expired = store::expire_unanswered(&mut tx, now - UNANSWERED_SECONDS, now).await?
            + store::expire_unfetched(&mut tx, now - UNFETCHED_SECONDS, now).await?;
        tx.commit().await?;
        Ok(purged + expired)
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters stay).
fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The purge of MyData imports ([`IdentityApp::purge_mydata`]) every `interval`, until
/// `shutdown`; on every node (each update touches only what is still due).
pub async fn run_mydata_purge(
    identity: IdentityApp,
    interval: Duration,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow() {
            break;
        }
        match identity.purge_mydata().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(imports = n, "MyData imports past their time were purged"),
            Err(e) => tracing::warn!(error = %e, "MyData purge failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => {}
        }
    }
}
