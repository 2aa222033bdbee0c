//! The counter's pure rules: no I/O, no database, no async.

pub mod application;
pub mod catalogue;
pub mod device;
pub mod fee;
pub mod forms;
pub mod lockers;
pub mod pickup;
pub mod reservations;
pub mod review_clock;
