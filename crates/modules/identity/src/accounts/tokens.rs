//! Personal access tokens: API clients acting as a staff member, with that member's rights.
//! Shown once, stored as SHA-256, revocable, optionally expiring.

use super::STATUS_ACTIVE;
use crate::audit::{self, Subject};
use crate::authz::{Actor, forbidden};
use crate::store::sessions::{self, AccessToken};
use crate::{IdentityApp, Result, ServiceError, secrets};
use domain::Message;

pub struct CreatedToken {
    pub token: AccessToken,
    /// The secret, never shown again.
    pub secret: String,
}

impl IdentityApp {
    pub async fn create_access_token(
        &self,
        actor: &Actor,
        name: &str,
        expires_in_days: Option<i64>,
    ) -> Result<CreatedToken> {
        if !actor.is_staff() {
            return Err(forbidden());
        }
        let me = actor.account()?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ServiceError::invalid(Message::new("error-token-name")));
        }
        if expires_in_days.is_some_and(|d| !(1..=366).contains(&d)) {
            return Err(ServiceError::invalid(Message::new("error-token-expiry")));
        }
        let now = self.now();
        let secret = secrets::access_token();
        let token = AccessToken {
            id: uuid::Uuid::now_v7().to_string(),
            account_id: me.to_string(),
            jurisdiction_id: actor.jurisdiction_id.clone(),
            name: name.to_string(),
            created_at: now,
            expires_at: expires_in_days.map(|d| now + d * 86_400),
            last_used_at: None,
            revoked_at: None,
        };
        let mut tx = self.db.begin().await?;
        sessions::insert_token(&mut tx, &token, &secrets::sha256_hex(&secret)).await?;
        audit::record(
            &mut tx,
            actor,
            "token.create",
            Subject {
                kind: "access_token",
                id: &token.id,
                data_subject: None,
            },
            None,
            serde_json::json!({ "name": name }),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(CreatedToken { token, secret })
    }

    pub async fn my_access_tokens(&self, actor: &Actor) -> Result<Vec<AccessToken>> {
        Ok(sessions::tokens_of(&self.db, actor.account()?).await?)
    }

    pub async fn revoke_access_token(&self, actor: &Actor, id: &str) -> Result<()> {
        let me = actor.account()?;
        let mut tx = self.db.begin().await?;
        if sessions::revoke_token(&mut tx, me, id, self.now()).await? == 0 {
            return Err(ServiceError::NotFound(Message::new(
                "error-access-token-unknown",
            )));
        }
        audit::record(
            &mut tx,
            actor,
            "token.revoke",
            Subject {
                kind: "access_token",
                id,
                data_subject: None,
            },
            None,
            serde_json::json!({}),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The actor behind a bearer token, if the token is live and its account active.
    pub async fn authenticate_token(
        &self,
        secret: &str,
        request_id: Option<String>,
    ) -> Result<Option<Actor>> {
        let now = self.now();
        let Some(token) =
            sessions::find_live_token(&self.db, &secrets::sha256_hex(secret.trim()), now).await?
        else {
            return Ok(None);
        };
        let Some(account) = crate::store::accounts::find(&self.db, &token.account_id).await? else {
            return Ok(None);
        };
        if account.status != STATUS_ACTIVE {
            return Ok(None);
        }
        let (grants, second_factor) = self.grants_and_second_factor(&account).await?;
        // Tokens cannot sidestep a second factor the role requires.
        if self.lacks_required_factor(&account, second_factor).await? {
            return Ok(None);
        }
        if token.last_used_at.is_none_or(|t| now - t >= 60) {
            sessions::mark_token_used(&self.db, &token.id, now).await?;
        }
        Ok(Some(super::actor_with(
            &account,
            grants,
            self.platform.permissions(),
            request_id,
        )))
    }
}
