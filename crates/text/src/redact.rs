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
    while i < chars.len() {
        if let Some(end) = email_at(&chars, i).or_else(|| id_number_at(&chars, i)) {
            out.push_str(MASK);
            i = end;
            continue;
        }
        if let Some(end) = phone_at(&chars, i) {
            out.push_str(MASK);
            i = end;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

fn is_email_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '%' | '+' | '-')
}

/// An e-mail address starting at `i` (only at a word boundary), returning its end.
fn email_at(chars: &[char], i: usize) -> Option<usize> {
    if i > 0 && is_email_local(chars[i - 1]) {
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
fn id_number_at(chars: &[char], i: usize) -> Option<usize> {
    if i > 0 && chars[i - 1].is_ascii_alphanumeric() {
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

/// A phone number: digits with optional `+`, spaces, dashes and brackets, at least 8 digits in
/// total, starting with `0` or `+886`.
fn phone_at(chars: &[char], i: usize) -> Option<usize> {
    if i > 0 && chars[i - 1].is_ascii_digit() {
        return None;
    }
    let first = chars[i];
    if !(first == '0' || first == '+' || first == '(') {
        return None;
    }
    let mut j = i;
    let mut digits = String::new();
    let mut last_digit_end = i;
    while j < chars.len() {
        let c = chars[j];
        if c.is_ascii_digit() {
            digits.push(c);
            last_digit_end = j + 1;
        } else if !(matches!(c, '+' | '-' | '(' | ')') || (c == ' ' && !digits.is_empty())) {
            break;
        }
        j += 1;
        if digits.len() > 12 {
            break;
        }
    }
    let national = digits
        .strip_prefix("886")
        .map(|d| format!("0{d}"))
        .unwrap_or(digits);
    let plausible = national.starts_with('0') && (9..=10).contains(&national.len());
    plausible.then_some(last_digit_end)
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
