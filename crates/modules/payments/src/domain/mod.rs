//! The payments module's rules, pure (no I/O): where a payment is and where it may go
//! ([`state`]), amounts and what may be refunded ([`money`]), the trade numbers a gateway sees
//! ([`trade_no`]), and ECPay's AIO protocol: `CheckMacValue` ([`mac`]), the checkout form and the
//! server notice ([`ecpay`]).

pub mod ecpay;
pub mod mac;
pub mod money;
pub mod state;
pub mod trade_no;
