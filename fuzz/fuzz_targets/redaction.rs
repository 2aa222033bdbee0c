//! What public output does to free text (`text`): half-width conversion, district detection,
//! house-number masking, address keys and the redaction of phone numbers, e-mail addresses and
//! ID numbers. The redacted text must hold nothing the redactor would redact (compared
//! half-width, the form both passes see: the mask is full-width).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let _ = text::to_halfwidth(input);
    let _ = text::match_key(input);
    let _ = text::address_key(input);
    let _ = text::mask_house_number(input);
    let districts = vec![("106".to_string(), "大安區".to_string())];
    let _ = text::find_district(input, &districts);
    let once = text::redact_personal_data(input);
    let twice = text::redact_personal_data(&once);
    assert_eq!(
        text::to_halfwidth(&twice),
        text::to_halfwidth(&once),
        "{input:?} still held personal data after redaction"
    );
});
