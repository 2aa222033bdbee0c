//! The shared kernel of civicdesk: the plain types and pure functions that two or more modules
//! use (ids, `Actor`, the `Clock` passed in, locales and messages, NT$ money as integers, geo,
//! the business calendar, the catalogue types).
//!
//! Nothing in this crate performs I/O, is async, or knows about SQL or HTTP. A rule that one
//! module alone uses lives in that module's own `domain` (the hotline's in `cases::domain`), so
//! each rule still lives in exactly one place.

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
