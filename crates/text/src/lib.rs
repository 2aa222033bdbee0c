//! Chinese and English text handling: normalisation, addresses, and what makes text fit to be
//! shown publicly (redaction of personal data; points are snapped by `domain::geo::PublicGrid`).
//! Pure functions; no database access.

pub mod address;
pub mod address_key;
pub mod normalize;
pub mod redact;

pub use address::{find_district, mask_house_number};
pub use address_key::address_key;
pub use normalize::{match_key, to_halfwidth};
pub use redact::redact_personal_data;
