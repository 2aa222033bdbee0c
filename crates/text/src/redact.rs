//! Redaction of personal data in free text that will be shown publicly (Open311 GET responses,
//! open data): e-mail addresses, Taiwanese phone numbers and national/resident ID numbers.

const MASK: &str = "＊＊＊";

/// Replaces e-mail addresses, phone numbers (mobile `09xx-xxx-xxx`, `+886 9…`, landlines such as
/// `(02)2720-8889`) and ID numbers (`A123456789`, `A800000014`) with a mask. Short numbers such
/// as lamp-pole numbers or lane numbers are kept.
pub fn redact_personal_data(text: &str) -> String {
    let chars: Vec<char> = crate::to_halfwidth(text).chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    // What precedes position `i` in the output: word boundaries are judged on it, so a mask
    // is a boundary, as it is when the output is read again.
    let mut prev: Option<char> = None;
    while i < chars.len() {
        let found = email_at(&chars, i, prev)
            .or_else(|| id_number_at(&chars, i, prev))
            .or_else(|| phone_at(&chars, i, prev));
        match found {
            Some(end) => {
                out.push_str(MASK);
                prev = MASK.chars().last();
                i = end;
            }
            None => {
                out.push(chars[i]);
                prev = Some(chars[i]);
                i += 1;
            }
        }
    }
    out
}

fn is_email_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

/// An e-mail address starting at `i` (only at a word boundary), returning its end.
fn email_at(chars: &[char], i: usize, prev: Option<char>) -> Option<usize> {
    if prev.is_some_and(is_email_local) {
        return None;
    }
    let mut j = i;
    while j < chars.len() && is_email_local(chars[j]) {
        j += 1;
    }
    if j == i || chars.get(j) != Some(&'@') {
        return None;
    }
    let domain_start = j + 1;
    let mut k = domain_start;
    let mut dots = 0;
    while k < chars.len() && (chars[k].is_ascii_alphanumeric() || matches!(chars[k], '.' | '-')) {
        if chars[k] == '.' {
            dots += 1;
        }
        k += 1;
    }
    (dots > 0 && k > domain_start + 2).then_some(k)
}

/// A national ID (`[A-Z][12]\d{8}`) or resident number (`[A-Z][89A-D]\d{8}`) not glued to
/// other letters or digits.
fn id_number_at(chars: &[char], i: usize, prev: Option<char>) -> Option<usize> {
    if prev.is_some_and(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let end = i + 10;
    if end > chars.len() || !chars[i].is_ascii_uppercase() {
        return None;
    }
    let second = chars[i + 1];
    if !(matches!(second, '1' | '2' | '8' | '9') || ('A'..='D').contains(&second)) {
        return None;
    }
    if !chars[i + 2..end].iter().all(char::is_ascii_digit) {
        return None;
    }
    if chars.get(end).is_some_and(char::is_ascii_alphanumeric) {
        return None;
    }
    Some(end)
}

/// A phone number: digits with optional `+`, spaces, dashes and brackets, 9 or 10 digits in
/// national form, starting with `0` or `+886`. It may end wherever a run of digits ends, and
/// the longest plausible number wins: in `0912-345-678 5樓` the phone number is followed by a
/// floor, and is not an 11-digit number that would escape redaction.
fn phone_at(chars: &[char], i: usize, prev: Option<char>) -> Option<usize> {
    if prev.is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    let first = chars[i];
    if !(first == '0' || first == '+' || first == '(') {
        return None;
    }
    let mut j = i;
    let mut digits = String::new();
    let mut found = None;
    while j < chars.len() && digits.len() <= 12 {
        let c = chars[j];
        if c.is_ascii_digit() {
            digits.push(c);
            let run_ends = !chars.get(j + 1).is_some_and(char::is_ascii_digit);
            if run_ends && plausible_phone(&digits) {
                found = Some(j + 1);
            }
        } else if !(matches!(c, '+' | '-' | '(' | ')') || (c == ' ' && !digits.is_empty())) {
            break;
        }
        j += 1;
    }
    found
}

fn plausible_phone(digits: &str) -> bool {
    let national = digits
        .strip_prefix("886")
        .map(|d| format!("0{d}"))
        .unwrap_or_else(|| digits.to_string());
    national.starts_with('0') && (9..=10).contains(&national.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_contact_details_and_ids() {
        assert_eq!(
            redact_personal_data("請回電 0912-345-678 或 mail wang@example.com.tw 謝謝"),
            "請回電 ＊＊＊ 或 mail ＊＊＊ 謝謝"
        );
        assert_eq!(redact_personal_data("電話(02)2720-8889"), "電話＊＊＊");
        assert_eq!(redact_personal_data("+886 912 345 678"), "＊＊＊");
        assert_eq!(redact_personal_data("身分證A123456789"), "身分證＊＊＊");
        assert_eq!(
            redact_personal_data("居留證 AC01234567 遺失"),
            "居留證 ＊＊＊ 遺失"
        );
    }

    /// Found by the `redaction` fuzz target: a number followed by a space and a digit was read
    /// as one 11-digit number, too long to be a phone number, and shown in full.
    #[test]
    fn a_phone_number_followed_by_other_digits_is_still_masked() {
        assert_eq!(
            redact_personal_data("0913-305-678 5a.b@example.com"),
            "＊＊＊ ＊＊＊"
        );
        assert_eq!(
            redact_personal_data("請撥0912345678 3樓找王先生"),
            "請撥＊＊＊ 3樓找王先生"
        );
        assert_eq!(redact_personal_data("(02)2720-8889 2 次"), "＊＊＊ 2 次");
        assert_eq!(
            redact_personal_data("x@ae.0+8++000000000++@ae.5"),
            "＊＊＊＊＊＊",
            "what follows a mask starts a word, as it does when the output is read again"
        );
        assert_eq!(
            redact_personal_data("帳號 0123456789012 請查"),
            "帳號 0123456789012 請查",
            "one long run of digits is not cut into a phone number"
        );
    }

    proptest::proptest! {
        /// Redacted text holds nothing the redactor would redact (compared half-width, as the
        /// redactor reads it: the mask itself is full-width).
        #[test]
        fn redacted_text_holds_nothing_to_redact(text in "[0-9０-９ ()+\\-a-z@.路燈巷樓]{0,40}") {
            let once = redact_personal_data(&text);
            let twice = redact_personal_data(&once);
            proptest::prop_assert_eq!(crate::to_halfwidth(&twice), crate::to_halfwidth(&once));
        }
    }

    #[test]
    fn keeps_ordinary_numbers() {
        let text = "編號0505364與0505365的路燈都不亮，信義路二段10巷，共3盞";
        assert_eq!(redact_personal_data(text), text);
        assert_eq!(
            redact_personal_data("路燈電線垂落距離地面大約30公分"),
            "路燈電線垂落距離地面大約30公分"
        );
    }
}
