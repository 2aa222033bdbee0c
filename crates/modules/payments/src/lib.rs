//! The payments module: one way for every paying part of civicdesk (counter fees, social-housing
//! rent, facility deposits, group-buying orders) to ask for money and hear that it was paid,
//! through a gateway on ECPay's AIO protocol, a mobile wallet's barcode at the counter, or cash;
//! with one append-only ledger, reconciliation against the gateway, and refunds
//! (`docs/PAYMENTS.md`).
//!
//! Built so far: the pure rules ([`domain`]): the payment's state machine, amounts and
//! refunds, merchant trade numbers, and ECPay's `CheckMacValue` with the checkout form and the
//! server notice. The store, the app API, the gateway and wallet adapters, the jobs and the
//! doors follow in the module's shape (`docs/ARCHITECTURE.md`).

pub mod domain;
