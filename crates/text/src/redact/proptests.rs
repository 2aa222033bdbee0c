//! F4: planted personal data, written with random separators and embedded in random Chinese
//! and English text, never survives redaction; and redaction is idempotent.

use proptest::prelude::*;

use super::*;

/// Separators people (and people dodging filters) put between digits.
const SEPARATORS: &[&str] = &[
    "", " ", "-", ".", "/", "\u{200b}", "\u{200d}", "\u{2060}", "\u{feff}", "\u{00ad}", "－", "．",
    "／", "\u{3000}", " - ",
];

/// Text around the planted value: Chinese and English words, and the characters that end them.
fn filler() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("路燈不亮".to_string()),
            Just("請聯絡".to_string()),
            Just("謝謝".to_string()),
            Just("please call".to_string()),
            Just("王先生".to_string()),
            Just("，".to_string()),
            Just(" ".to_string()),
            Just("(".to_string()),
            Just("：".to_string()),
            "[a-z]{1,6}",
            "[路燈巷號樓編號共盞]{1,4}",
        ],
        0..4,
    )
    .prop_map(|words| words.concat())
}

/// Writes `chars` with a separator drawn (by `seps`) between each character; digits and
/// letters become full-width where `wide` says so.
fn written(chars: &str, seps: &[usize], wide: &[bool]) -> String {
    let mut out = String::new();
    for (i, c) in chars.chars().enumerate() {
        if i > 0 {
            out.push_str(SEPARATORS[seps[i % seps.len()] % SEPARATORS.len()]);
        }
        let c = if wide[i % wide.len()] && c.is_ascii_alphanumeric() {
            char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)
        } else {
            c
        };
        out.push(c);
    }
    out
}

/// What a reader could take from the output: digits and letters only, half-width.
fn readable(text: &str) -> String {
    crate::to_halfwidth(text)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_uppercase()
}

/// A national ID number with a valid checksum (or any digits when `valid` is false).
fn id_number(letter: u8, body: [u8; 8], second: u8, valid: bool) -> String {
    let letter = (b'A' + letter % 26) as char;
    let second = [b'1', b'2', b'8', b'9'][usize::from(second % 4)];
    let mut digits: Vec<u8> = body.iter().map(|d| d % 10).collect();
    // Letter codes A=10 … (the official order), then the weighted sum.
    let code = [
        10, 11, 12, 13, 14, 15, 16, 17, 34, 18, 19, 20, 21, 22, 35, 23, 24, 25, 26, 27, 28, 29, 32,
        30, 31, 33,
    ][usize::from(letter as u8 - b'A')];
    if valid {
        let mut sum = code / 10 + (code % 10) * 9 + u32::from(second - b'0') * 8;
        for (i, d) in digits.iter().take(7).enumerate() {
            sum += u32::from(*d) * (7 - i as u32);
        }
        digits[7] = ((10 - sum % 10) % 10) as u8;
    }
    let body: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    format!("{letter}{}{body}", second as char)
}

fn planted() -> impl Strategy<Value = String> {
    prop_oneof![
        // Mobile numbers.
        "9[0-9]{8}".prop_map(|d| format!("0{d}")),
        // Landlines with the area code.
        "[2-8][0-9]{7}".prop_map(|d| format!("02{d}")),
        // With the country code.
        "9[0-9]{8}".prop_map(|d| format!("+886{d}")),
        // ID numbers, valid or not.
        (any::<u8>(), any::<[u8; 8]>(), any::<u8>(), any::<bool>())
            .prop_map(|(l, b, s, v)| id_number(l, b, s, v)),
        // Licence plates.
        "[A-Z]{3}-[0-9]{4}",
        "[A-Z]{2}-[0-9]{4}",
        "[0-9]{4}-[A-Z]{2}",
    ]
}

proptest::proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Nothing planted survives: after removing separators from the output, the planted
    /// digits (or ID, or plate) are not in it.
    #[test]
    fn nothing_planted_survives(
        before in filler(),
        after in filler(),
        value in planted(),
        seps in proptest::collection::vec(0..SEPARATORS.len(), 1..6),
        wide in proptest::collection::vec(any::<bool>(), 1..4),
        lower in any::<bool>(),
        no_dash in any::<bool>(),
    ) {
        // A plate written without its dash whose letters are a unit (1500KG) reads as a
        // measure, by design.
        prop_assume!(!(no_dash && patterns::is_amount(&value.replace('-', ""))));
        // Plates and IDs in either case; plates with or without their dash.
        let value = if lower { value.to_lowercase() } else { value };
        let shown = if value.contains('-') {
            let plate = if no_dash { value.replace('-', "") } else { value.clone() };
            written(&plate, &[0], &wide)
        } else {
            written(&value, &seps, &wide)
        };
        let text = format!("{before} {shown} {after}");
        let out = redact_personal_data(&text);
        let secret = readable(&value).trim_start_matches("886").to_string();
        prop_assert!(
            !readable(&out).contains(&secret),
            "{text:?} → {out:?} still shows {secret}"
        );
        prop_assert_eq!(redact_personal_data(&out), out.clone());
    }

    /// E-mail addresses, with the local part in any of its disguises.
    #[test]
    fn no_email_survives(
        before in filler(),
        after in filler(),
        local in "[a-z][a-z0-9]{2,9}",
        domain in "[a-z]{2,8}",
        at in prop_oneof![Just("@"), Just("＠"), Just("(at)"), Just(" [at] "), Just("\u{200b}@")],
        dot in prop_oneof![Just("."), Just("．"), Just(" [dot] "), Just("(dot)")],
    ) {
        let text = format!("{before} {local}{at}{domain}{dot}com {after}");
        let out = redact_personal_data(&text);
        // The words around it may hold the same letters ("please" holds "eas").
        let around = before.matches(&local).count() + after.matches(&local).count();
        prop_assert!(out.matches(&local).count() <= around, "{text:?} → {out:?}");
        prop_assert_eq!(redact_personal_data(&out), out.clone());
    }

    /// Redacted text holds nothing the redactor would redact.
    #[test]
    fn redaction_is_idempotent(text in "[0-9０-９ ()（）+\\-a-zA-Z@.,#/:：路燈巷弄號樓之段電話編先生零九一二王\u{200b}\u{202e}]{0,40}") {
        let once = redact_personal_data(&text);
        prop_assert_eq!(redact_personal_data(&once), once.clone());
        let address = crate::mask_house_number(&text);
        prop_assert_eq!(crate::mask_house_number(&address), address.clone());
    }
}
