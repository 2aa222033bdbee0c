//! The rules of civicdesk as plain types and pure functions.
//!
//! Nothing in this crate performs I/O, is async, or knows about SQL or HTTP. Every other crate
//! asks this one whether something is allowed and how a value is derived, so each rule lives in
//! exactly one place.

pub mod actor;
pub mod calendar;
pub mod catalog;
pub mod category;
pub mod clock;
pub mod datetime;
pub mod enums;
pub mod error;
pub mod geo;
pub mod identity;
pub mod limits;
pub mod locale;
pub mod money;
pub mod notify;
pub mod password;
pub mod totp;
pub mod webhooks;
pub mod width;

pub use error::{DomainError, Message};
pub use identity::{Mobile, NationalId, PersonalId, PersonalIdKind};
pub use locale::{Locale, Localized};
