//! The e-invoice carrier a payer may give (Taiwan's uniform invoices): where the invoice goes
//! instead of onto paper. Captured when the payer gives one, at the cashier or from the wallet's
//! answer, and kept with the payment for the finance office.
//!
//! - `3J0002`, the mobile barcode (手機條碼): `/` and seven of `0-9 A-Z . + -`;
//! - `CQ0001`, the citizen digital certificate (自然人憑證條碼): two capital letters and
//!   fourteen digits;
//! - a donation code (愛心碼): three to seven digits, the invoice given to a charity.

use domain::Message;

/// Where an e-invoice goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Carrier {
    /// `3J0002`: a mobile barcode.
    Mobile(String),
    /// `CQ0001`: a citizen digital certificate's barcode.
    Certificate(String),
    /// A donation code.
    Donation(String),
}

pub const MOBILE: &str = "3J0002";
pub const CERTIFICATE: &str = "CQ0001";

fn refused() -> Message {
    Message::new("error-invoice-carrier")
}

impl Carrier {
    /// Reads a carrier of a kind (`3J0002`, `CQ0001`, or `donation`), as typed or as a wallet
    /// sent it: trimmed, letters upper-cased.
    pub fn parse(kind: &str, id: &str) -> Result<Carrier, Message> {
        let id = text_upper(id);
        match kind.trim() {
            MOBILE => {
                let ok = id.len() == 8
                    && id.starts_with('/')
                    && id[1..].bytes().all(|b| {
                        b.is_ascii_digit() || b.is_ascii_uppercase() || b".+-".contains(&b)
                    });
                ok.then_some(Carrier::Mobile(id)).ok_or_else(refused)
            }
            CERTIFICATE => {
                let ok = id.len() == 16
                    && id[..2].bytes().all(|b| b.is_ascii_uppercase())
                    && id[2..].bytes().all(|b| b.is_ascii_digit());
                ok.then_some(Carrier::Certificate(id)).ok_or_else(refused)
            }
            "donation" => {
                let ok = (3..=7).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit());
                ok.then_some(Carrier::Donation(id)).ok_or_else(refused)
            }
            _ => Err(refused()),
        }
    }

    /// Its kind's code (`3J0002`, `CQ0001`, `donation`) and its id, as stored.
    pub fn parts(&self) -> (&'static str, &str) {
        match self {
            Carrier::Mobile(id) => (MOBILE, id),
            Carrier::Certificate(id) => (CERTIFICATE, id),
            Carrier::Donation(id) => ("donation", id),
        }
    }
}

fn text_upper(text: &str) -> String {
    domain::width::to_half_width(text)
        .trim()
        .to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_carriers() {
        assert_eq!(
            Carrier::parse("3J0002", " /abc+123 "),
            Ok(Carrier::Mobile("/ABC+123".into()))
        );
        assert_eq!(
            Carrier::parse("CQ0001", "AB12345678901234").map(|c| c.parts().0),
            Ok(CERTIFICATE)
        );
        assert_eq!(
            Carrier::parse("donation", "８９１"),
            Ok(Carrier::Donation("891".into())),
            "full-width digits as a phone keyboard types them"
        );
        for (kind, bad) in [
            ("3J0002", "ABC+1234"),
            ("3J0002", "/ABC+12"),
            ("3J0002", "/ABC_123"),
            ("CQ0001", "A123456789012345"),
            ("CQ0001", "AB1234567890123"),
            ("donation", "12"),
            ("donation", "12345678"),
            ("paper", "x"),
        ] {
            assert!(Carrier::parse(kind, bad).is_err(), "{kind} {bad}");
        }
    }
}
