//! ECPay's `CheckMacValue`: the SHA-256 signature every AIO message carries, request and
//! answer alike. The rules, from ECPay's public SDK and guides:
//!
//! 1. drop any `CheckMacValue` field and sort the others by name, case-insensitively;
//! 2. join them as `HashKey=…&name=value&…&HashIV=…`;
//! 3. URL-encode the whole string as PHP's `urlencode` does (a space is `+`, `~` is `%7E`,
//!    every byte but `A-Z a-z 0-9 - _ .` is `%XX`), then lower-case all of it;
//! 4. put back the characters .NET's encoder leaves alone: `- _ . ! * ( )`;
//! 5. SHA-256, in upper-case hexadecimal.
//!
//! A received value is compared in constant time.

use sha2::{Digest, Sha256};

/// The merchant's two secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct MacKeys {
    pub hash_key: String,
    pub hash_iv: String,
}

impl std::fmt::Debug for MacKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MacKeys { .. }")
    }
}

/// PHP's `urlencode`, byte by byte, in upper-case hex (lower-cased afterwards with the rest).
fn php_urlencode(text: &str, out: &mut String) {
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => out.push(b as char),
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
}

/// The `CheckMacValue` of `fields` (a `CheckMacValue` among them is left out).
pub fn check_mac_value(keys: &MacKeys, fields: &[(&str, &str)]) -> String {
    let mut sorted: Vec<&(&str, &str)> = fields
        .iter()
        .filter(|(k, _)| *k != "CheckMacValue")
        .collect();
    // Case-insensitive; a stable sort, so names that differ only in case (never in ECPay's
    // messages) keep the order they came in.
    sorted.sort_by_cached_key(|(k, _)| k.to_ascii_lowercase());
    let mut raw = format!("HashKey={}", keys.hash_key);
    for (k, v) in sorted {
        raw.push('&');
        raw.push_str(k);
        raw.push('=');
        raw.push_str(v);
    }
    raw.push_str("&HashIV=");
    raw.push_str(&keys.hash_iv);
    let mut encoded = String::with_capacity(raw.len() * 2);
    php_urlencode(&raw, &mut encoded);
    let lowered = encoded
        .to_ascii_lowercase()
        .replace("%21", "!")
        .replace("%2a", "*")
        .replace("%28", "(")
        .replace("%29", ")");
    hex::encode_upper(Sha256::digest(lowered.as_bytes()))
}

/// Whether `fields` carry the right `CheckMacValue` (compared in constant time, whatever the
/// case of its hex digits).
pub fn verify(keys: &MacKeys, fields: &[(&str, &str)]) -> bool {
    let Some((_, given)) = fields.iter().find(|(k, _)| *k == "CheckMacValue") else {
        return false;
    };
    let expected = check_mac_value(keys, fields);
    let given = given.trim().to_ascii_uppercase();
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn test_merchant() -> MacKeys {
        MacKeys {
            hash_key: "pwFHCqoQZGmho4w6".into(),
            hash_iv: "EkRm7iFT261dpevs".into(),
        }
    }

    const VECTOR: [(&str, &str); 11] = [
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
    ];

    #[test]
    fn the_public_test_merchants_vector() {
        assert_eq!(
            check_mac_value(&test_merchant(), &VECTOR),
            "6E7F053EF215FC851A050A2FF01D72CBE440EA138DC3E905647985DDF236FD25"
        );
    }

    #[test]
    fn order_case_of_names_and_an_existing_value_do_not_matter() {
        let mut shuffled: Vec<(&str, &str)> = VECTOR.iter().rev().copied().collect();
        shuffled.push(("CheckMacValue", "anything"));
        assert_eq!(
            check_mac_value(&test_merchant(), &shuffled),
            check_mac_value(&test_merchant(), &VECTOR)
        );
    }

    #[test]
    fn verification_takes_either_case_and_refuses_a_changed_field() {
        let mac = check_mac_value(&test_merchant(), &VECTOR).to_ascii_lowercase();
        let mut signed: Vec<(&str, &str)> = VECTOR.to_vec();
        signed.push(("CheckMacValue", &mac));
        assert!(verify(&test_merchant(), &signed));
        let mut changed = signed.clone();
        changed[8] = ("TradeAmt", "5000");
        assert!(!verify(&test_merchant(), &changed));
        assert!(!verify(&test_merchant(), &VECTOR), "no value at all");
        let other = MacKeys {
            hash_key: "another-key-0000".into(),
            hash_iv: "EkRm7iFT261dpevs".into(),
        };
        assert!(!verify(&other, &signed));
    }

    proptest::proptest! {
        /// The same value as an implementation written apart from this one, from the same
        /// rules (the ECPay simulator's), for any fields: names of letters and digits in any
        /// case and order, values of any text (spaces, `~`, `!*()`, CJK, symbols, control
        /// characters), and any keys.
        #[test]
        fn agrees_with_an_independent_implementation(
            fields in proptest::collection::vec(("[A-Za-z][A-Za-z0-9]{0,15}", "\\PC{0,24}|[ ~!*()&=+%#]{0,8}"), 0..12),
            key in "[A-Za-z0-9]{16}",
            iv in "[A-Za-z0-9]{16}",
        ) {
            let borrowed: Vec<(&str, &str)> =
                fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let keys = MacKeys { hash_key: key.clone(), hash_iv: iv.clone() };
            proptest::prop_assert_eq!(
                check_mac_value(&keys, &borrowed),
                ecpay_sim::mac::check_mac_value(&key, &iv, &borrowed)
            );
        }
    }

    #[test]
    fn spaces_tildes_and_the_characters_put_back() {
        // A space is `+`, `~` stays encoded, and `!*()` come back as themselves.
        let keys = test_merchant();
        let a = check_mac_value(&keys, &[("ItemName", "a b~!*()")]);
        let raw = "hashkey%3dpwfhcqoqzgmho4w6%26itemname%3da+b%7e!*()%26hashiv%3dekrm7ift261dpevs";
        assert_eq!(a, hex::encode_upper(Sha256::digest(raw.as_bytes())));
    }
}
