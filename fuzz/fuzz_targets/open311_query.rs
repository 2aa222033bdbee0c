//! Open311 paths and query strings: `Params::from_urlencoded`, the accessors, the search of
//! `GET requests` and the window of `GET servicerequestupdates`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = cases::open311::parse::path(text);
    // A fixed "now" keeps runs reproducible; the extremes exercise the date arithmetic.
    for now in [1_795_000_000, 0, 253_402_300_799] {
        let _ = cases::open311::parse::query(text, now);
    }
});
