//! Black-box HTTP tests: a real server on a random port over a real database — a fresh SQLite
//! file, or a fresh PostgreSQL database when `CIVICDESK_TEST_DATABASE_URL` is set (and then a
//! PostgreSQL that cannot be reached fails the tests). One binary for all, to save link time.

mod accounts;
mod audit;
mod backup;
mod bad_input;
mod casework;
mod catalogue;
mod desk;
mod import;
mod intake;
mod media;
mod notify;
mod open311;
mod openapi;
mod permissions;
mod processes;
mod snapshots;
mod support;
mod ui_admin;
mod ui_citizen;
mod ui_staff;
mod ui_supervise;
mod webhooks;
