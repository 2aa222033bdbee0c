//! The identity module's tables: accounts, sessions (with their second-factor stage) and
//! access tokens, and API clients. Queries are written once for SQLite and PostgreSQL over the
//! `store` crate's `Db`, `Tx` and `Conn`. (The migrations that create these tables are still in
//! `store`'s "core" set; the doors still read the session row directly.)

pub mod accounts;
pub mod api_clients;
pub mod breaches;
pub mod consents;
pub mod links;
pub mod mandates;
pub mod mydata;
pub mod passkeys;
pub mod sessions;
