//! The validators of personal numbers (`domain::identity`: national and resident ids, mobile
//! numbers) and of callers' numbers (`cases::domain::desk`). What they accept must survive its own
//! round trip and mask without panicking.
#![no_main]

use cases::domain::desk::CallerNumber;
use domain::identity::{Mobile, NationalId, PersonalId};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(id) = PersonalId::parse(text) {
        let _ = id.kind();
        let _ = id.masked();
        let again = PersonalId::parse(id.as_str()).ok();
        assert_eq!(
            again.as_ref().map(PersonalId::as_str),
            Some(id.as_str()),
            "{text:?}"
        );
    }
    if let Ok(id) = NationalId::parse(text) {
        let _ = id.masked();
        assert!(NationalId::parse(id.as_str()).is_ok());
    }
    if let Ok(m) = Mobile::parse(text) {
        let _ = m.masked();
        assert!(Mobile::parse(m.e164()).is_ok(), "{text:?}");
        assert!(Mobile::parse(&m.national()).is_ok(), "{text:?}");
    }
    if let Ok(n) = CallerNumber::parse(text) {
        let _ = (n.kind(), n.mobile(), n.display(), n.masked());
        let _ = cases::domain::desk::mask_key(n.key());
        let again = CallerNumber::parse(n.key()).ok();
        assert_eq!(
            again.as_ref().map(CallerNumber::key),
            Some(n.key()),
            "{text:?}"
        );
    }
});
