//! The agent's desk: the contact log, the out-call queue, care flags, and the case history of a
//! caller number. Phone numbers are stored as the keys `crate::domain::desk::CallerNumber` makes.
//! Split by concern; the items are re-exported so `crate::store::desk::…` stays the one path.

mod care;
mod contacts;
mod keys;
mod outcalls;

pub use care::{CareFlag, care_flag, clear_care_flag, set_care_flag};
pub use contacts::{Contact, ContactFilter, ContactRow, insert_contact, list_contacts};
pub use keys::{
    CallerCase, CitizenMatch, caller_cases, case_number, citizen_by_mobile, reporter_phones,
    set_phone_key_of_reporter, set_reporter_phone_key,
};
pub use outcalls::{
    Outcall, OutcallFilter, OutcallRow, claim_outcall, complete_outcall, find_outcall,
    insert_outcall, open_outcall_exists, outcall_queue,
};
