//! The module's pages: the payer's (the summary before paying, the hand-over to the cashier,
//! the outcome and the receipt) and staff's (search, a payment's history with the counter's
//! and the refund's forms, a new payment request, the reconciliation report and the export).
//! Also the gateway's server notice, which is ECPay's protocol, not a page.

mod notice;
mod payer;
mod reconciliation;
mod staff;

use crate::module::{PaymentsState, TAKE_PAYMENTS, VIEW_PAYMENTS};
use axum::Router;
use webkit::page::nav::{MenuEntry, NavPart};

pub fn routes() -> Router<PaymentsState> {
    Router::new()
        .merge(payer::routes())
        .merge(staff::routes())
        .merge(reconciliation::routes())
        .merge(notice::routes())
}

/// The main-menu entry, for those who take or see payments.
pub const NAV: NavPart = NavPart {
    menu: &[MenuEntry {
        href: "/staff/payments",
        section: "payments",
        label: "payments-menu",
        order: 70,
        shown: |v, _| v.may(TAKE_PAYMENTS) || v.may(VIEW_PAYMENTS),
        start: None,
    }],
    admin: &[],
    search: &[],
};

/// NT$ with thousands separators, as people read amounts.
pub(crate) fn ntd(amount: i64) -> String {
    let digits = amount.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{}NT${out}", if amount < 0 { "-" } else { "" })
}

#[cfg(test)]
mod tests {
    #[test]
    fn amounts_read_with_separators() {
        assert_eq!(super::ntd(15), "NT$15");
        assert_eq!(super::ntd(1_234_567), "NT$1,234,567");
        assert_eq!(super::ntd(-1000), "-NT$1,000");
    }
}
