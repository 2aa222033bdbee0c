//! API keys of Open311 client applications: created once (the key is shown only then), stored
//! as a SHA-256 hash, listed, revoked, and checked on every POST.

use crate::{Result, ServiceError, Services, secrets};
use domain::Message;
use store::api_clients::{self, ApiClient};

/// A newly created client with its key, which is never shown again.
pub struct CreatedKey {
    pub client: ApiClient,
    pub key: String,
}

impl Services {
    pub async fn create_api_key(&self, jurisdiction_id: &str, name: &str) -> Result<CreatedKey> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ServiceError::invalid(Message::new("error-api-key-name")));
        }
        self.jurisdiction(jurisdiction_id).await?;
        let key = secrets::api_key();
        let client = ApiClient {
            id: uuid::Uuid::now_v7().to_string(),
            jurisdiction_id: jurisdiction_id.to_string(),
            name: name.to_string(),
            key_prefix: key[..12].to_string(),
            created_at: store::now_unix(),
            revoked_at: None,
        };
        api_clients::insert(&self.db, &client, &secrets::sha256_hex(&key)).await?;
        Ok(CreatedKey { client, key })
    }

    pub async fn list_api_keys(&self, jurisdiction_id: Option<&str>) -> Result<Vec<ApiClient>> {
        Ok(api_clients::list(&self.db, jurisdiction_id).await?)
    }

    /// Revokes by client id or key prefix; NotFound if no active key matched.
    pub async fn revoke_api_key(&self, id_or_prefix: &str) -> Result<()> {
        match api_clients::revoke(&self.db, id_or_prefix.trim(), store::now_unix()).await? {
            0 => Err(ServiceError::NotFound(Message::new(
                "error-api-key-unknown",
            ))),
            _ => Ok(()),
        }
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
