use domain::{DomainError, Message};
use store::StoreError;
use thiserror::Error;

/// Why an operation did not happen. Each variant maps to one HTTP status; messages are i18n
/// ids so every interface can show them in the user's language.
#[derive(Debug, Error)]
pub enum ServiceError {
    /// The input is wrong; every problem found is listed (400).
    #[error("invalid input: {0:?}")]
    Invalid(Vec<Message>),
    /// The caller is not signed in, or the credentials are wrong (401).
    #[error("unauthenticated: {0:?}")]
    Unauthenticated(Message),
    /// Too many attempts; try again after this many seconds (429).
    #[error("rate limited: {message:?}")]
    RateLimited { message: Message, retry_after: i64 },
    /// The caller may not do this (403).
    #[error("forbidden: {0:?}")]
    Forbidden(Message),
    /// The thing does not exist, or must not be known to exist (404).
    #[error("not found: {0:?}")]
    NotFound(Message),
    /// The input is too large (413).
    #[error("too large: {0:?}")]
    TooLarge(Message),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    pub fn invalid(message: Message) -> Self {
        ServiceError::Invalid(vec![message])
    }
}

impl From<DomainError> for ServiceError {
    fn from(e: DomainError) -> Self {
        ServiceError::Invalid(vec![e.message()])
    }
}

impl From<Vec<DomainError>> for ServiceError {
    fn from(errors: Vec<DomainError>) -> Self {
        ServiceError::Invalid(errors.iter().map(DomainError::message).collect())
    }
}
