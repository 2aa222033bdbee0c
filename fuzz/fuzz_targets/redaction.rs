//! What public output does to free text and places (`text`): half-width conversion, district
//! detection, address keys, house-number masking, the redaction of personal data and the
//! coarsening of coordinates. Nothing panics; redacted text and masked addresses hold nothing
//! the redactor would mask again (reading them again changes nothing); a coarsened point is
//! the centre of its own cell.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() >= 24 {
        let number = |i: usize| {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&data[i * 8..i * 8 + 8]);
            f64::from_le_bytes(bytes)
        };
        let (lat, lon, grid) = (number(0), number(1), number(2));
        let centre = text::coarsen_point(lat, lon, grid);
        if centre.0.is_finite() {
            assert!((-90.0..=90.0).contains(&centre.0), "{lat} {lon} {grid} → {centre:?}");
            assert_eq!(text::coarsen_point(centre.0, centre.1, grid), centre);
        }
    }
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let _ = text::to_halfwidth(input);
    let _ = text::match_key(input);
    let _ = text::address_key(input);
    let districts = vec![("106".to_string(), "大安區".to_string())];
    let _ = text::find_district(input, &districts);
    let address = text::mask_house_number(input);
    assert_eq!(
        text::mask_house_number(&address),
        address,
        "{input:?}: the masked address changed when masked again"
    );
    let once = text::redact_personal_data(input);
    assert_eq!(
        text::redact_personal_data(&once),
        once,
        "{input:?} still held personal data after redaction"
    );
});
