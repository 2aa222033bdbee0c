//! The module "How to add a module" in docs/ARCHITECTURE.md builds, and the test that keeps
//! that guide true (`crates/cli/tests/http/new_module.rs`): staff post notices, a job
//! publishes each, and a page lists them. It is compiled into the tests only, beside the
//! binary's modules; a real module starts as a copy of it.
//!
//! The rooms: `notices` is the module's use cases (its only public API besides the wiring),
//! `store` its queries, `jobs` its job kind, `api` and `pages` its doors, `module` the wiring.

mod api;
mod jobs;
pub mod module;
mod notices;
mod pages;
mod store;

pub use module::{Example, MODULE};
pub use notices::{ExampleApp, Notice};
