//! Password hashing with Argon2id (RFC 9106 second recommended profile: 19 MiB, 2 passes, one
//! lane), run off the async threads because each hash takes tens of milliseconds by design.

use crate::{Result, ServiceError, secrets};
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

fn hasher() -> Result<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|e| ServiceError::Internal(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// The PHC string of a new password.
pub async fn hash(password: &str) -> Result<String> {
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let salt = secrets::random_bytes::<16>();
        hasher()?
            .hash_password_with_salt(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| ServiceError::Internal(format!("argon2: {e}")))
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("hashing task: {e}")))?
}

/// Whether `password` matches the stored hash. With no hash (no such account, or an account
/// without a password) a dummy hash is checked anyway, so the answer takes the same time and
/// does not reveal whether the account exists.
pub async fn verify(stored: Option<&str>, password: &str) -> Result<bool> {
    let stored = stored.map(str::to_string);
    let password = password.to_string();
    tokio::task::spawn_blocking(move || {
        let argon = hasher()?;
        let (hash, real) = match stored {
            Some(h) => (h, true),
            None => (DUMMY.to_string(), false),
        };
        let ok =
            PasswordVerifier::<str>::verify_password(&argon, password.as_bytes(), &hash).is_ok();
        Ok(ok && real)
    })
    .await
    .map_err(|e| ServiceError::Internal(format!("hashing task: {e}")))?
}

/// A valid Argon2id hash with the same parameters, of a password nobody knows.
const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$5OQFh9TT1nOeMCqbdqBLHyjyp2HbKSo6h8N0bGV8GFg";

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_wrong_passwords_do_not() {
        let h = hash("correct horse battery staple").await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            verify(Some(&h), "correct horse battery staple")
                .await
                .unwrap()
        );
        assert!(
            !verify(Some(&h), "Correct horse battery staple")
                .await
                .unwrap()
        );
        assert!(!verify(None, "anything").await.unwrap());
    }

    #[test]
    fn the_dummy_hash_parses_with_the_same_parameters() {
        let argon = hasher().unwrap();
        // Parses (an unparsable dummy would return early and be faster than a real check).
        assert!(matches!(
            PasswordVerifier::<str>::verify_password(&argon, b"x", DUMMY),
            Err(argon2::password_hash::Error::PasswordInvalid)
        ));
    }
}
