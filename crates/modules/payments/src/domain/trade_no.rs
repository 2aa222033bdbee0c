//! The trade numbers a gateway sees (`MerchantTradeNo`, the wallet's `merchantOrderNo`): unique,
//! at most 20 letters and digits (ECPay's limit), and telling nothing about the payer. A number
//! is `CD`, the payment's creation second in base 36 (sortable, so a support call can place it
//! in time), and random base-36 digits to 20 characters.

const DIGITS: &[u8; 36] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

fn base36(mut n: u64, width: usize) -> String {
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = DIGITS[(n % 36) as usize];
        n /= 36;
    }
    String::from_utf8(out).unwrap_or_default()
}

/// A trade number for a payment created at `unix` seconds, from 12 random bytes.
pub fn trade_no(unix: i64, random: &[u8; 12]) -> String {
    let time = base36(u64::try_from(unix).unwrap_or(0), 7);
    let mut rest = String::with_capacity(11);
    for b in random.iter().take(11) {
        rest.push(DIGITS[(*b as usize) % 36] as char);
    }
    format!("CD{time}{rest}")
}

/// Whether `text` is a trade number ECPay accepts: 1 to 20 letters and digits.
pub fn is_valid(text: &str) -> bool {
    (1..=20).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twenty_letters_and_digits_sorted_by_time() {
        let a = trade_no(1_796_000_000, &[1; 12]);
        let b = trade_no(1_796_000_001, &[0; 12]);
        assert_eq!(a.len(), 20);
        assert!(is_valid(&a) && a.starts_with("CD"));
        assert!(a[..9] < b[..9]);
        assert_ne!(trade_no(1, &[1; 12]), trade_no(1, &[2; 12]));
        assert!(!is_valid("CD-1") && !is_valid("") && !is_valid(&"A".repeat(21)));
    }
}
