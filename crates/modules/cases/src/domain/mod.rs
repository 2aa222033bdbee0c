//! The hotline's rules as plain types and pure functions: the case lifecycle (`lifecycle`: the
//! only place that decides whether an action on a case is legal), what a change to a case is
//! (`case_event`), case numbers, routing and triage rules and emergency detection (`rules`), the
//! SLA clocks (`sla`), duplicates, the desk's caller keys and out-call reasons (`desk`), the
//! report figures (`reports`) and the row parsers of Taipei's published 1999 data (`open_data`).
//!
//! A pure room: nothing in it does I/O, touches the database, knows HTTP or is async. The rest
//! of the module asks it; the kernel (`domain`: ids, `Actor`, the clock, locales and messages,
//! money, geo, the business calendar, the catalogue types) is what it builds on.

pub mod case_event;
pub mod case_number;
pub mod data_requests;
pub mod desk;
pub mod duplicates;
pub mod lifecycle;
pub mod open_data;
pub mod reports;
pub mod rules;
pub mod sla;
