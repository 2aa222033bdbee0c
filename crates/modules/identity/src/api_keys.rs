//! API keys of Open311 client applications: created once (the key is shown only then), stored
//! as a SHA-256 hash, listed, revoked, and checked on every POST. Managing keys needs the
//! `manage_api_clients` permission (the command line acts as the operator) and is audited.

use crate::audit::{self, Subject};
use crate::authz::{Actor, Target};
use crate::store::api_clients;
pub use crate::store::api_clients::ApiClient;
use crate::{IdentityApp, Result, ServiceError, secrets};
use domain::Message;

/// A newly created client with its key, which is never shown again.
pub struct CreatedKey {
    pub client: ApiClient,
    pub key: String,
}

impl IdentityApp {
    pub async fn create_api_key(&self, actor: &Actor, name: &str) -> Result<CreatedKey> {
        actor.require(crate::permissions::MANAGE_API_CLIENTS, Target::Jurisdiction)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ServiceError::invalid(Message::new("error-api-key-name")));
        }
        self.platform.jurisdiction(&actor.jurisdiction_id).await?;
        let key = secrets::api_key();
        let client = ApiClient {
            id: uuid::Uuid::now_v7().to_string(),
            jurisdiction_id: actor.jurisdiction_id.clone(),
            name: name.to_string(),
            key_prefix: key[..12].to_string(),
            created_at: self.now(),
            revoked_at: None,
        };
        let mut tx = self.db.begin().await?;
        api_clients::insert(&mut tx, &client, &secrets::sha256_hex(&key)).await?;
        audit::record(
            &mut tx,
            actor,
            "api_client.create",
            Subject {
                kind: "api_client",
                id: &client.id,
                data_subject: None,
            },
            None,
            serde_json::json!({ "name": name, "key_prefix": client.key_prefix }),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        Ok(CreatedKey { client, key })
    }

    pub async fn list_api_keys(&self, actor: &Actor) -> Result<Vec<ApiClient>> {
        actor.require(crate::permissions::MANAGE_API_CLIENTS, Target::Jurisdiction)?;
        Ok(api_clients::list(&self.db, Some(&actor.jurisdiction_id)).await?)
    }

    /// Revokes by client id or key prefix; NotFound if no active key matched.
    pub async fn revoke_api_key(&self, actor: &Actor, id_or_prefix: &str) -> Result<()> {
        actor.require(crate::permissions::MANAGE_API_CLIENTS, Target::Jurisdiction)?;
        let id_or_prefix = id_or_prefix.trim();
        let mut tx = self.db.begin().await?;
        let revoked =
            api_clients::revoke(&mut tx, &actor.jurisdiction_id, id_or_prefix, self.now()).await?;
        if revoked == 0 {
            return Err(ServiceError::NotFound(Message::new(
                "error-api-key-unknown",
            )));
        }
        audit::record(
            &mut tx,
            actor,
            "api_client.revoke",
            Subject {
                kind: "api_client",
                id: id_or_prefix,
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

    /// Revokes every active key of the actor's jurisdiction with this name (the demo issues a
    /// fresh key on each start and retires the last one); how many were revoked.
    pub async fn revoke_api_keys_named(&self, actor: &Actor, name: &str) -> Result<u64> {
        actor.require(crate::permissions::MANAGE_API_CLIENTS, Target::Jurisdiction)?;
        let mut tx = self.db.begin().await?;
        let revoked =
            api_clients::revoke_named(&mut tx, &actor.jurisdiction_id, name, self.now()).await?;
        if revoked > 0 {
            audit::record(
                &mut tx,
                actor,
                "api_client.revoke",
                Subject {
                    kind: "api_client",
                    id: name,
                    data_subject: None,
                },
                None,
                serde_json::json!({ "by_name": revoked }),
                self.now(),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(revoked)
    }

    /// The client an API key belongs to. A missing, unknown or revoked key is Forbidden.
    pub async fn authenticate_api_key(&self, key: Option<&str>) -> Result<ApiClient> {
        let key = key.map(str::trim).filter(|k| !k.is_empty());
        let Some(key) = key else {
            return Err(ServiceError::Forbidden(Message::new(
                "error-api-key-missing",
            )));
        };
        api_clients::find_active_by_hash(&self.db, &secrets::sha256_hex(key))
            .await?
            .ok_or_else(|| ServiceError::Forbidden(Message::new("error-api-key-invalid")))
    }
}
