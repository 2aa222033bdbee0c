//! The wallet simulator's register of payment barcodes: each stands for a wallet user, with a
//! balance in NT$ and, if the user keeps one, an e-invoice carrier (載具) that the wallet hands
//! the merchant with the payment.

use serde::Serialize;

/// An e-invoice carrier as the wallet answers it: `{"type": "3J0002", "id": "/ABC+123"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InvoiceCarrier {
    /// `3J0002` (mobile barcode, 手機條碼) or `CQ0001` (citizen digital certificate, 自然人憑證).
    #[serde(rename = "type")]
    pub kind: String,
    /// The carrier's number: `/` and 7 characters of `0-9 A-Z + - .` for `3J0002`; two
    /// capital letters and 14 digits for `CQ0001`.
    pub id: String,
}

/// The mobile-barcode carrier type.
pub const MOBILE_BARCODE: &str = "3J0002";
/// The citizen-digital-certificate carrier type.
pub const CITIZEN_CERTIFICATE: &str = "CQ0001";

impl InvoiceCarrier {
    /// Whether the carrier's type is known and its number is shaped as that type's are.
    pub fn is_valid(&self) -> bool {
        let id = self.id.as_bytes();
        match self.kind.as_str() {
            MOBILE_BARCODE => {
                id.len() == 8
                    && id[0] == b'/'
                    && id[1..]
                        .iter()
                        .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b"+-.".contains(b))
            }
            CITIZEN_CERTIFICATE => {
                id.len() == 16
                    && id[..2].iter().all(u8::is_ascii_uppercase)
                    && id[2..].iter().all(u8::is_ascii_digit)
            }
            _ => false,
        }
    }
}

/// One payment barcode the wallet simulator knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletBarcode {
    /// What the clerk scans: 18 digits for the demo codes (any 1–64 letters and digits are
    /// accepted in a configuration).
    pub code: String,
    /// A name for the wallet user, shown in logs only.
    pub holder: String,
    /// The balance in NT$ when the simulator starts; payments take from it, refunds give back.
    pub balance: u64,
    /// The user's e-invoice carrier, returned with each payment.
    pub carrier: Option<InvoiceCarrier>,
    /// An expired code is refused (`2002`).
    pub expired: bool,
}

/// The demo register. Every code is reusable (a real wallet's code is single-use and changes
/// every minute or so).
pub fn demo_barcodes() -> Vec<WalletBarcode> {
    let code = |n: u8| format!("2800000000000000{n:02}");
    let carrier = |kind: &str, id: &str| {
        Some(InvoiceCarrier {
            kind: kind.to_string(),
            id: id.to_string(),
        })
    };
    vec![
        WalletBarcode {
            code: code(1),
            holder: "王小明".to_string(),
            balance: 10_000,
            carrier: carrier(MOBILE_BARCODE, "/ABC+123"),
            expired: false,
        },
        WalletBarcode {
            code: code(2),
            holder: "陳美玲".to_string(),
            balance: 10_000,
            carrier: None,
            expired: false,
        },
        WalletBarcode {
            code: code(3),
            holder: "林志豪".to_string(),
            balance: 10_000,
            carrier: carrier(CITIZEN_CERTIFICATE, "AB12345678901234"),
            expired: false,
        },
        WalletBarcode {
            code: code(4),
            holder: "張雅婷".to_string(),
            balance: 10,
            carrier: None,
            expired: false,
        },
        WalletBarcode {
            code: code(5),
            holder: "李建國".to_string(),
            balance: 10_000,
            carrier: None,
            expired: true,
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_codes_are_18_digits_and_their_carriers_are_valid() {
        for b in demo_barcodes() {
            assert_eq!(b.code.len(), 18, "{}", b.code);
            assert!(b.code.bytes().all(|c| c.is_ascii_digit()));
            assert!(b.carrier.as_ref().is_none_or(InvoiceCarrier::is_valid));
        }
    }

    #[test]
    fn carriers_are_checked_by_shape() {
        let c = |kind: &str, id: &str| InvoiceCarrier {
            kind: kind.into(),
            id: id.into(),
        };
        assert!(c(MOBILE_BARCODE, "/AB.-+90").is_valid());
        assert!(!c(MOBILE_BARCODE, "/abc+123").is_valid());
        assert!(!c(MOBILE_BARCODE, "ABC+1234").is_valid());
        assert!(c(CITIZEN_CERTIFICATE, "ZZ00000000000000").is_valid());
        assert!(!c(CITIZEN_CERTIFICATE, "Z000000000000000").is_valid());
        assert!(!c("XX0000", "/ABC+123").is_valid());
    }
}
