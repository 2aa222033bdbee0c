//! Chinese and English text handling: normalisation, addresses, and what makes text and places
//! fit to be shown publicly (redaction of personal data, coarsening of coordinates). Pure
//! functions; no database access.

pub mod address;
pub mod address_key;
pub mod normalize;
pub mod open_data;
pub mod public_point;
pub mod redact;

pub use address::{find_district, mask_house_number};
pub use address_key::address_key;
pub use normalize::{match_key, to_halfwidth};
pub use public_point::{PUBLIC_GRID_METRES, coarsen_point};
pub use redact::redact_personal_data;
