//! Fetching a consented import's data from MyData (the job `identity.mydata_fetch`): the
//! consent asked again, `GET /service/data` (429: later), the JWE opened, the ZIP read, only the
//! needed fields kept, the key and ticket erased.

use super::{FETCH_TIMEOUT, Fetched, MAX_DATA};
use crate::audit::{self, Subject};
use crate::authz::Actor;
use crate::domain::mydata as wire;
use crate::domain::mydata_import::{ImportStatus, Kept, keep};
use crate::store::mydata::{self as store, Import, emptied};
use crate::{IdentityApp, Result, ServiceError};
use platform::http_client::Outbound;

impl IdentityApp {
    /// Fetches the data of a consented import (the job `identity.mydata_fetch`).
    pub async fn fetch_mydata(&self, tx_id: &str) -> Result<Fetched> {
        let service = self.mydata_service()?;
        let Some(import) = store::find(&self.db, tx_id)
            .await?
            .filter(|i| i.status == ImportStatus::Consented)
        else {
            return Ok(Fetched::Done("no longer waiting"));
        };
        // Asked before the data is fetched: a consent withdrawn since stops it here. (Any other
        // failure is the job's to retry.)
        match self.basis_for(&import.account_id, &import.purpose).await {
            Ok(_) => {}
            Err(ServiceError::Forbidden(_)) => {
                self.end_import(&import, ImportStatus::Discarded, None)
                    .await?;
                return Ok(Fetched::Done("the consent ended: discarded"));
            }
            Err(e) => return Err(e),
        }
        let (Some(ticket), Some(key)) = (&import.permission_ticket, &import.secret_key) else {
            self.end_import(
                &import,
                ImportStatus::Failed,
                Some("error-mydata-unreadable"),
            )
            .await?;
            return Ok(Fetched::Failed("no ticket or key"));
        };
        let mut key_bytes = [0u8; 32];
        if hex::decode_to_slice(key, &mut key_bytes).is_err() {
            self.end_import(
                &import,
                ImportStatus::Failed,
                Some("error-mydata-unreadable"),
            )
            .await?;
            return Ok(Fetched::Failed("an unreadable key"));
        }
        let request = http::Request::get(format!(
            "{}/service/data",
            service.base_url.trim_end_matches('/')
        ))
        .header("tx_id", &import.tx_id)
        .header("permission_ticket", ticket)
        .body(Vec::new())
        .map_err(|e| ServiceError::Internal(format!("mydata request: {e}")))?;
        let outbound =
            Outbound::new("MyData", FETCH_TIMEOUT, MAX_DATA).map_err(ServiceError::Internal)?;
        let answer = match outbound.send(request).await {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %e, "MyData did not answer");
                return Ok(Fetched::Later(60));
            }
        };
        match answer.status().as_u16() {
            200 => {}
            429 => {
                let after = answer
                    .headers()
                    .get(http::header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<i64>().ok())
                    .unwrap_or(5);
                return Ok(Fetched::Later(after.clamp(1, 3600)));
            }
            500..=503 => return Ok(Fetched::Later(60)),
            status => {
                tracing::warn!(status, "MyData refused the data request");
                self.end_import(
                    &import,
                    ImportStatus::Failed,
                    Some("error-mydata-undelivered"),
                )
                .await?;
                return Ok(Fetched::Failed("MyData refused"));
            }
        }
        let kept = match read_record(answer.body(), &key_bytes) {
            Ok(k) => k,
            Err(reason) => {
                tracing::warn!(reason, "MyData's data could not be read");
                self.end_import(
                    &import,
                    ImportStatus::Failed,
                    Some("error-mydata-unreadable"),
                )
                .await?;
                return Ok(Fetched::Failed("unreadable data"));
            }
        };
        let now = self.now();
        let mut tx = self.db.begin().await?;
        // Asked again in the transaction that keeps it: a withdrawal meanwhile wins.
        match self
            .basis_in(&mut tx, &import.account_id, &import.purpose)
            .await
        {
            Ok(_) => {}
            Err(ServiceError::Forbidden(_)) => {
                drop(tx);
                self.end_import(&import, ImportStatus::Discarded, None)
                    .await?;
                return Ok(Fetched::Done("the consent ended: discarded"));
            }
            Err(e) => return Err(e),
        }
        let record = serde_json::to_string(&kept)
            .map_err(|e| ServiceError::Internal(format!("mydata record: {e}")))?;
        let keep_seconds = i64::from(
            self.platform
                .retention_days(&crate::purposes::MYDATA_RECORDS),
        ) * 86_400;
        let moved = store::advance(
            &mut tx,
            &import.tx_id,
            ImportStatus::Consented,
            ImportStatus::Ready,
            &[
                ("record", record.into()),
                ("secret_key", Option::<String>::None.into()),
                ("permission_ticket", Option::<String>::None.into()),
                ("retrieved_at", now.into()),
                ("purge_at", (now + keep_seconds).into()),
            ],
        )
        .await?;
        if !moved {
            // Withdrawn (and discarded) since it was read: nothing is kept.
            return Ok(Fetched::Done("no longer waiting"));
        }
        audit::record(
            &mut tx,
            &Actor::system(&import.jurisdiction_id, "MyData"),
            "mydata.retrieved",
            Subject::account(&import.account_id),
            None,
            serde_json::json!({ "tx_id": import.tx_id, "kept": crate::domain::mydata_import::KEPT_FIELDS }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(Fetched::Done("kept"))
    }

    /// Ends an import whose data will not come (its fetch was given up): it fails, and its key
    /// and ticket are erased.
    pub async fn give_up_mydata(&self, tx_id: &str) -> Result<()> {
        if let Some(import) = store::find(&self.db, tx_id)
            .await?
            .filter(|i| i.status == ImportStatus::Consented)
        {
            self.end_import(
                &import,
                ImportStatus::Failed,
                Some("error-mydata-undelivered"),
            )
            .await?;
        }
        Ok(())
    }

    pub(super) async fn end_import(
        &self,
        import: &Import,
        status: ImportStatus,
        failure: Option<&'static str>,
    ) -> Result<()> {
        let mut values = emptied(self.now());
        if let Some(f) = failure {
            values.push(("failure", f.into()));
        }
        let mut tx = self.db.begin().await?;
        store::advance(&mut tx, &import.tx_id, import.status, status, &values).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Opens a data file (JWE) with the key, reads its ZIP and keeps the household record's
/// needed fields.
fn read_record(body: &[u8], key: &[u8; 32]) -> std::result::Result<Kept, &'static str> {
    let jwe = std::str::from_utf8(body).map_err(|_| "not text")?;
    let file = wire::open_data(jwe.trim(), key).map_err(|_| "the JWE did not open")?;
    let entries = platform::zip::read_entries(&file.zip, platform::zip::ReadLimits::default())
        .map_err(|_| "the ZIP did not read")?;
    let wanted = format!("{}.json", wire::HOUSEHOLD_REGISTRATION);
    let (_, bytes) = entries
        .iter()
        .find(|(name, _)| *name == wanted)
        .ok_or("no household record")?;
    keep(bytes).map_err(|_| "the record is not whole")
}
