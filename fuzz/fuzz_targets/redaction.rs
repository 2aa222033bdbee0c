//! What public output does to free text and places: half-width conversion, district detection,
//! address keys, house-number masking, the redaction of personal data (`text`) and the snapping
//! of published points (`domain::geo::PublicGrid`). Nothing panics; redacted text and masked
//! addresses hold nothing the redactor would mask again (reading them again changes nothing);
//! a snapped point is the centre of its own cell.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() >= 24 {
        let number = |i: usize| {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&data[i * 8..i * 8 + 8]);
            f64::from_le_bytes(bytes)
        };
        let (lat, lon, cell) = (number(0), number(1), number(2));
        if let Ok(point) = domain::geo::Point::new(lat, lon) {
            let grid = domain::geo::PublicGrid::new(cell, lat);
            let centre = grid.snap(point);
            assert_eq!(grid.snap(centre), centre, "{lat} {lon} {cell}");
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
