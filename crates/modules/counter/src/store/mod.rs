//! The module's queries, private to it. Each is written once over `store::Conn`.

pub mod applications;
pub mod bookings;
pub mod catalogue;
pub mod documents;
pub mod events;
pub mod grants;
pub mod lockers;
pub mod sequences;
