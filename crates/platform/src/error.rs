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
    /// The thing changed since the caller read it, or is taken: two clerks deciding one
    /// application at once, the last place of a slot (409).
    #[error("conflict: {0:?}")]
    Conflict(Message),
    /// The input is too large (413).
    #[error("too large: {0:?}")]
    TooLarge(Message),
    /// An outside service this needs (a city's identity provider) did not answer as it
    /// should; trying again later may work (503).
    #[error("unavailable: {0:?}")]
    Unavailable(Message),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

/// What a door answers when an operation did not happen: the status, the messages to show and,
/// for rate limits, when to try again. Every door (REST, Open311, pages) answers from this one
/// table, so the same refusal has the same status everywhere.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub status: u16,
    pub messages: Vec<Message>,
    pub retry_after: Option<i64>,
}

impl ServiceError {
    pub fn invalid(message: Message) -> Self {
        ServiceError::Invalid(vec![message])
    }

    /// The HTTP status of this refusal.
    pub fn status(&self) -> u16 {
        match self {
            ServiceError::Invalid(_) => 400,
            ServiceError::Unauthenticated(_) => 401,
            ServiceError::Forbidden(_) => 403,
            ServiceError::NotFound(_) => 404,
            ServiceError::Conflict(_) => 409,
            ServiceError::TooLarge(_) => 413,
            ServiceError::Unavailable(_) => 503,
            ServiceError::RateLimited { .. } => 429,
            ServiceError::Store(_) | ServiceError::Internal(_) => 500,
        }
    }

    /// The answer for the caller. A failure that is not the caller's is logged (naming the
    /// `door`) and answered with a generic message: its details are for operators only.
    pub fn refusal(self, door: &str) -> Refusal {
        let status = self.status();
        let (messages, retry_after) = match self {
            ServiceError::Invalid(m) => (m, None),
            ServiceError::Unauthenticated(m)
            | ServiceError::Forbidden(m)
            | ServiceError::NotFound(m)
            | ServiceError::Conflict(m)
            | ServiceError::TooLarge(m)
            | ServiceError::Unavailable(m) => (vec![m], None),
            ServiceError::RateLimited {
                message,
                retry_after,
            } => (vec![message], Some(retry_after)),
            other @ (ServiceError::Store(_) | ServiceError::Internal(_)) => {
                tracing::error!(error = %other, "{door} failed");
                (vec![Message::new("error-internal")], None)
            }
        };
        Refusal {
            status,
            messages,
            retry_after,
        }
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
