//! The payments module's rules, pure (no I/O): where a payment is and where it may go
//! ([`state`]), amounts and what may be refunded ([`money`]), the trade numbers a gateway sees
//! ([`trade_no`]); ECPay's AIO protocol: `CheckMacValue` ([`mac`]), the checkout form, the
//! server notice and the trade query ([`ecpay`]); the wallet's point of sale ([`wallet`]); the
//! e-invoice carrier ([`invoice`]); and reconciliation against a provider ([`reconcile`]).

pub mod ecpay;
pub mod invoice;
pub mod mac;
pub mod money;
pub mod reconcile;
pub mod state;
pub mod trade_no;
pub mod wallet;
