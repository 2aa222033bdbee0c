//! ECPay's `CheckMacValue` (EncryptType 1, SHA-256), written from the published rules:
//!
//! 1. drop any `CheckMacValue` field and sort the other keys case-insensitively;
//! 2. build `HashKey=<key>&k1=v1&k2=v2&…&HashIV=<iv>`;
//! 3. URL-encode the whole string as PHP's `urlencode` does (space becomes `+`; every byte but
//!    `A-Z a-z 0-9 - _ .` becomes `%XX`), then lower-case it;
//! 4. put back `- _ . ! * ( )` (`%2d %5f %2e %21 %2a %28 %29`, after the lower-casing);
//! 5. SHA-256, upper-case hex.
//!
//! Both sides compute the value over the fields' decoded values, in whatever order they were
//! sent.

use sha2::{Digest, Sha256};

/// The name of the signature field, which is never part of what it signs.
pub const FIELD: &str = "CheckMacValue";

/// `text` percent-encoded as PHP's `urlencode` does.
pub fn php_urlencode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for &b in text.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(b as char),
            b' ' => out.push('+'),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(HEX[usize::from(b >> 4)] as char);
                out.push(HEX[usize::from(b & 0x0f)] as char);
            }
        }
    }
    out
}

/// The `CheckMacValue` of `fields` (any `CheckMacValue` among them is left out): 64 upper-case
/// hexadecimal digits.
pub fn check_mac_value(hash_key: &str, hash_iv: &str, fields: &[(&str, &str)]) -> String {
    let mut sorted: Vec<&(&str, &str)> = fields.iter().filter(|(k, _)| *k != FIELD).collect();
    // A stable sort: keys differing only in case keep the order they were given in.
    sorted.sort_by_cached_key(|(k, _)| k.to_lowercase());
    let mut raw = format!("HashKey={hash_key}");
    for (k, v) in sorted {
        raw.push('&');
        raw.push_str(k);
        raw.push('=');
        raw.push_str(v);
    }
    raw.push_str("&HashIV=");
    raw.push_str(hash_iv);
    let mut encoded = php_urlencode(&raw).to_lowercase();
    for (escaped, plain) in [
        ("%2d", "-"),
        ("%5f", "_"),
        ("%2e", "."),
        ("%21", "!"),
        ("%2a", "*"),
        ("%28", "("),
        ("%29", ")"),
    ] {
        encoded = encoded.replace(escaped, plain);
    }
    hex::encode_upper(Sha256::digest(encoded.as_bytes()))
}

/// Whether `fields` carry exactly one `CheckMacValue` and it is theirs (compared in constant
/// time; the case of its hexadecimal digits does not matter).
pub fn verify(hash_key: &str, hash_iv: &str, fields: &[(&str, &str)]) -> bool {
    let mut given = fields.iter().filter(|(k, _)| *k == FIELD).map(|(_, v)| v);
    let (Some(given), None) = (given.next(), given.next()) else {
        return false;
    };
    let expected = check_mac_value(hash_key, hash_iv, fields);
    constant_time_eq(given.to_ascii_uppercase().as_bytes(), expected.as_bytes())
}

/// Whether `a` and `b` are equal, in a time that depends only on their lengths.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// `fields` with their `CheckMacValue` appended.
pub(crate) fn signed(
    hash_key: &str,
    hash_iv: &str,
    mut fields: Vec<(String, String)>,
) -> Vec<(String, String)> {
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mac = check_mac_value(hash_key, hash_iv, &borrowed);
    fields.push((FIELD.to_string(), mac));
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "pwFHCqoQZGmho4w6";
    const IV: &str = "EkRm7iFT261dpevs";

    fn vector() -> Vec<(&'static str, &'static str)> {
        vec![
            ("MerchantID", "3002607"),
            ("MerchantTradeNo", "WPLL4E341E122DB44D62"),
            ("PaymentDate", "2019/05/09 00:01:21"),
            ("PaymentType", "Credit_CreditCard"),
            ("PaymentTypeChargeFee", "1"),
            ("RtnCode", "1"),
            ("RtnMsg", "交易成功"),
            ("SimulatePaid", "0"),
            ("TradeAmt", "500"),
            ("TradeDate", "2019/05/09 00:00:18"),
            ("TradeNo", "1905090000188278"),
        ]
    }

    const EXPECTED: &str = "6E7F053EF215FC851A050A2FF01D72CBE440EA138DC3E905647985DDF236FD25";

    #[test]
    fn the_public_test_merchant_vector() {
        assert_eq!(check_mac_value(KEY, IV, &vector()), EXPECTED);
    }

    #[test]
    fn order_and_an_existing_check_mac_value_do_not_matter() {
        let mut fields = vector();
        fields.reverse();
        fields.push((FIELD, "whatever"));
        assert_eq!(check_mac_value(KEY, IV, &fields), EXPECTED);
    }

    #[test]
    fn verification_takes_the_right_value_in_either_case_and_nothing_else() {
        let mut fields = vector();
        let lower = EXPECTED.to_lowercase();
        fields.push((FIELD, &lower));
        assert!(verify(KEY, IV, &fields));
        fields.pop();
        assert!(!verify(KEY, IV, &fields), "no CheckMacValue");
        fields.push((FIELD, EXPECTED));
        fields.push((FIELD, EXPECTED));
        assert!(!verify(KEY, IV, &fields), "two CheckMacValues");
        let mut changed = vector();
        changed[8] = ("TradeAmt", "501");
        changed.push((FIELD, EXPECTED));
        assert!(!verify(KEY, IV, &changed));
    }

    #[test]
    fn php_urlencode_keeps_only_letters_digits_and_three_marks() {
        assert_eq!(php_urlencode("a b~c-_.!*()"), "a+b%7Ec-_.%21%2A%28%29");
        assert_eq!(php_urlencode("交"), "%E4%BA%A4");
        assert_eq!(php_urlencode("/?&=+"), "%2F%3F%26%3D%2B");
    }

    #[test]
    fn the_sort_ignores_case() {
        let a = check_mac_value(KEY, IV, &[("b", "1"), ("A", "2"), ("C", "3")]);
        let b = check_mac_value(KEY, IV, &[("A", "2"), ("b", "1"), ("C", "3")]);
        assert_eq!(a, b);
        let ordinal = {
            // Sorted by bytes, "C" would come before "b": a different string, a different MAC.
            let raw = "HashKey=k&A=2&C=3&b=1&HashIV=i";
            hex::encode_upper(Sha256::digest(php_urlencode(raw).to_lowercase().as_bytes()))
        };
        assert_ne!(
            check_mac_value("k", "i", &[("b", "1"), ("A", "2"), ("C", "3")]),
            ordinal
        );
    }
}
