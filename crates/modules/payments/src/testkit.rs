//! Seeds below the app API, for benchmarks and black-box tests only (the `testkit` feature):
//! many payments already handed to the gateway, as a day of a busy city leaves them.

use crate::app::Payment;
use crate::domain::state::PaymentState;
use crate::domain::trade_no;
use platform::Platform;
use store::StoreError;

/// Inserts `n` payments of NT$15 handed to ECPay at `submitted_at` and not settled; their ids
/// and trade numbers.
pub async fn seed_submitted(
    platform: &Platform,
    jurisdiction_id: &str,
    n: usize,
    submitted_at: i64,
) -> Result<Vec<(String, String)>, StoreError> {
    let mut out = Vec::with_capacity(n);
    let mut left = n;
    while left > 0 {
        let batch = left.min(1000);
        let mut tx = platform.db.begin().await?;
        for _ in 0..batch {
            let p = Payment {
                id: platform::secrets::token_of::<16>(),
                jurisdiction_id: jurisdiction_id.to_string(),
                trade_no: trade_no::trade_no(
                    submitted_at,
                    &platform::secrets::random_bytes::<12>(),
                ),
                owner: "bench".into(),
                reference: platform::secrets::token_of::<8>(),
                description: "戶籍謄本 1 份".into(),
                amount: 15,
                return_url: "/".into(),
                payer_account_id: None,
                language: "zh-TW".into(),
                channel: "online".into(),
                method: Some("ecpay".into()),
                state: PaymentState::Submitted,
                provider_ref: None,
                payment_type: None,
                carrier_kind: None,
                carrier_id: None,
                refunded: 0,
                retry_of: None,
                failure: None,
                created_by: "bench".into(),
                created_at: submitted_at,
                updated_at: submitted_at,
                expires_at: submitted_at + 86_400,
                submitted_at: Some(submitted_at),
                settled_at: None,
                checked_at: None,
                provider_status: None,
                provider_amount: None,
            };
            crate::store::insert(&mut tx, &p).await?;
            crate::store::add_trade(&mut tx, &p.trade_no, &p.id, submitted_at).await?;
            out.push((p.id, p.trade_no));
        }
        tx.commit().await?;
        left -= batch;
    }
    Ok(out)
}
