//! A form sent twice makes its thing once. Each form that creates something (a report, a case
//! filed for a caller) carries a random submission key. The first request to arrive with it
//! claims it; the thing is made and its answer (the confirmation to show: a case number and
//! its password) is stored sealed; the browser is sent to a page that shows the answer. A
//! reload of that page shows it again, and the same form sent again (a double click, the back
//! button, a retry after a timeout) waits for the first request and is sent to the same page:
//! nothing is filed twice.
//!
//! The key is the only way to the answer, and it is never stored: the row's id is its SHA-256
//! and the answer is sealed (ChaCha20-Poly1305) with a key derived from it and the instance
//! secret, so a copy of the table shows no case password. Answers live
//! [`SUBMISSION_LIFETIME`]; a form refused for its content releases its claim, so the
//! corrected form can be sent with the same key.

use crate::{Platform, ServiceError};
use hmac::{Hmac, KeyInit, Mac};
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::Sha256;
use std::time::Duration;

/// How long an answer can be shown again.
pub const SUBMISSION_LIFETIME: i64 = 30 * 60;

/// How long a second request waits for the first one's answer.
const WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(50);

/// A form's submission key: 32 random bytes in hex, put in the form when it is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubmissionKey(String);

impl SubmissionKey {
    #[allow(clippy::new_without_default)]
    pub fn new() -> SubmissionKey {
        SubmissionKey(crate::secrets::token_of::<32>())
    }

    /// A key as a form sent it back; `None` unless it is one this instance could have made.
    pub fn parse(text: &str) -> Option<SubmissionKey> {
        let text = text.trim();
        (text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| SubmissionKey(text.to_ascii_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    fn id(&self) -> String {
        crate::secrets::sha256_hex(&self.0)
    }
}

/// What claiming a submission found.
#[derive(Debug, PartialEq, Eq)]
pub enum Claimed<T> {
    /// This request makes the thing, then calls [`Platform::finish_submission`] (or
    /// [`Platform::release_submission`] if it made nothing).
    New,
    /// The form was sent before and made this.
    Done(T),
    /// The form was sent before and is still being made.
    Pending,
}

/// A submission's answer as the confirmation page finds it.
#[derive(Debug, PartialEq, Eq)]
pub enum SubmissionAnswer<T> {
    Ready(T),
    /// Still being made (the page asks to be reloaded).
    Pending,
    /// Unknown, of another kind, or expired.
    Gone,
}

impl Platform {
    /// Claims a form's submission for one making (see the module documentation).
    pub async fn claim_submission<T: DeserializeOwned>(
        &self,
        jurisdiction_id: &str,
        kind: &str,
        key: &SubmissionKey,
    ) -> Result<Claimed<T>, ServiceError> {
        let id = key.id();
        let started = tokio::time::Instant::now();
        loop {
            let now = self.now();
            if store::submissions::claim(
                &self.db,
                &id,
                jurisdiction_id,
                kind,
                now,
                now + SUBMISSION_LIFETIME,
            )
            .await?
            {
                return Ok(Claimed::New);
            }
            match self.submission_answer(key, kind).await? {
                SubmissionAnswer::Ready(answer) => return Ok(Claimed::Done(answer)),
                // Released or expired since: claim it again.
                SubmissionAnswer::Gone => continue,
                SubmissionAnswer::Pending if started.elapsed() >= WAIT => {
                    return Ok(Claimed::Pending);
                }
                SubmissionAnswer::Pending => tokio::time::sleep(POLL).await,
            }
        }
    }

    /// Makes a form's thing once per submission key: `make` runs only for the first request
    /// with the key, its answer is kept for the confirmation page, and a refusal releases the
    /// claim. `Ok(Ok(()))`: the confirmation page (for this key) is ready or being made;
    /// `Ok(Err(e))`: `make` refused, nothing was made.
    pub async fn make_once<T, E, Fut>(
        &self,
        jurisdiction_id: &str,
        kind: &str,
        key: &SubmissionKey,
        make: impl FnOnce() -> Fut,
    ) -> Result<Result<(), E>, ServiceError>
    where
        T: Serialize + DeserializeOwned,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        match self
            .claim_submission::<T>(jurisdiction_id, kind, key)
            .await?
        {
            Claimed::Done(_) | Claimed::Pending => return Ok(Ok(())),
            Claimed::New => {}
        }
        match make().await {
            Ok(answer) => {
                self.finish_submission(key, &answer).await?;
                Ok(Ok(()))
            }
            Err(e) => {
                self.release_submission(key).await?;
                Ok(Err(e))
            }
        }
    }

    /// Stores the answer of a submission this request claimed.
    pub async fn finish_submission<T: Serialize>(
        &self,
        key: &SubmissionKey,
        answer: &T,
    ) -> Result<(), ServiceError> {
        let plain =
            serde_json::to_vec(answer).map_err(|e| ServiceError::Internal(e.to_string()))?;
        let sealed = seal(&self.sealing_key(key), plain)?;
        store::submissions::seal(&self.db, &key.id(), &sealed).await?;
        Ok(())
    }

    /// Gives up a claim that made nothing, so the corrected form can be sent again.
    pub async fn release_submission(&self, key: &SubmissionKey) -> Result<(), ServiceError> {
        store::submissions::release(&self.db, &key.id()).await?;
        Ok(())
    }

    /// The answer of a submission of `kind`, for its confirmation page.
    pub async fn submission_answer<T: DeserializeOwned>(
        &self,
        key: &SubmissionKey,
        kind: &str,
    ) -> Result<SubmissionAnswer<T>, ServiceError> {
        let Some(found) = store::submissions::get(&self.db, &key.id(), self.now()).await? else {
            return Ok(SubmissionAnswer::Gone);
        };
        if found.kind != kind {
            return Ok(SubmissionAnswer::Gone);
        }
        let Some(sealed) = found.sealed else {
            return Ok(SubmissionAnswer::Pending);
        };
        let plain = open(&self.sealing_key(key), &sealed)
            .ok_or_else(|| ServiceError::Internal("a form's answer does not open".into()))?;
        serde_json::from_slice(&plain)
            .map(SubmissionAnswer::Ready)
            .map_err(|e| ServiceError::Internal(e.to_string()))
    }

    fn sealing_key(&self, key: &SubmissionKey) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(self.secret_key())
            .expect("HMAC accepts any key length");
        mac.update(b"form-submission\0");
        mac.update(key.as_str().as_bytes());
        mac.finalize().into_bytes().into()
    }
}

fn aead_key(key: &[u8; 32]) -> Result<LessSafeKey, ServiceError> {
    UnboundKey::new(&CHACHA20_POLY1305, key)
        .map(LessSafeKey::new)
        .map_err(|_| ServiceError::Internal("the sealing key was refused".into()))
}

/// The nonce and the sealed bytes, in hex.
fn seal(key: &[u8; 32], mut plain: Vec<u8>) -> Result<String, ServiceError> {
    let nonce = crate::secrets::random_bytes::<12>();
    aead_key(key)?
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::empty(),
            &mut plain,
        )
        .map_err(|_| ServiceError::Internal("a form's answer could not be sealed".into()))?;
    Ok(format!("{}{}", hex::encode(nonce), hex::encode(plain)))
}

fn open(key: &[u8; 32], sealed: &str) -> Option<Vec<u8>> {
    let bytes = hex::decode(sealed).ok()?;
    let (nonce, sealed) = bytes.split_at_checked(12)?;
    let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
    let mut in_out = sealed.to_vec();
    let plain = aead_key(key)
        .ok()?
        .open_in_place(nonce, Aad::empty(), &mut in_out)
        .ok()?;
    Some(plain.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_opens_only_with_its_own_key() {
        let (a, b) = ([7u8; 32], [8u8; 32]);
        let sealed = seal(&a, b"{\"case\":\"2026120600001\"}".to_vec()).unwrap();
        assert_eq!(open(&a, &sealed).unwrap(), b"{\"case\":\"2026120600001\"}");
        assert!(open(&b, &sealed).is_none(), "another form's key");
        let mut flipped = sealed.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        assert!(
            open(&a, &String::from_utf8(flipped).unwrap()).is_none(),
            "tampered"
        );
        assert_ne!(
            seal(&a, b"x".to_vec()).unwrap(),
            seal(&a, b"x".to_vec()).unwrap()
        );
    }

    #[test]
    fn keys_are_64_hex_characters() {
        let key = SubmissionKey::new();
        assert_eq!(SubmissionKey::parse(key.as_str()), Some(key.clone()));
        assert!(SubmissionKey::parse("").is_none());
        assert!(SubmissionKey::parse(&"g".repeat(64)).is_none());
        assert!(SubmissionKey::parse(&key.as_str()[1..]).is_none());
        assert_ne!(key.id(), key.as_str(), "the stored id is not the key");
    }
}
