//! `civicdesk ecpay-sim`: the payment simulators from the command line, until Ctrl-C or
//! SIGTERM.

use crate::{
    DEMO_HASH_IV, DEMO_HASH_KEY, DEMO_MERCHANT_ID, DEMO_WALLET_KEY, DEMO_WALLET_MERCHANT_ID,
    SimConfig, SimError,
};

/// Run local simulators of ECPay's AIO cashier and of a wallet's point of sale
/// (docs/PAYMENTS-SIMULATORS.md).
///
/// For development and demos only: no money moves, everything is kept in memory. The defaults
/// are ECPay's public test merchant and the demo wallet merchant.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8091")]
    pub bind: String,
    /// ECPay MerchantID
    #[arg(long, default_value = DEMO_MERCHANT_ID)]
    pub merchant_id: String,
    /// ECPay HashKey
    #[arg(long, default_value = DEMO_HASH_KEY)]
    pub hash_key: String,
    /// ECPay HashIV
    #[arg(long, default_value = DEMO_HASH_IV)]
    pub hash_iv: String,
    /// Seconds to wait before each retry of an unacknowledged notice, comma-separated
    #[arg(long, value_delimiter = ',', default_value = "5,30,120")]
    pub retry_seconds: Vec<u64>,
    /// Send no server notices (the cashier page's default; to test reconciliation)
    #[arg(long, conflicts_with = "duplicate_notices")]
    pub withhold_notices: bool,
    /// Send every server notice twice (the cashier page's default)
    #[arg(long)]
    pub duplicate_notices: bool,
    /// The wallet point of sale's merchant id
    #[arg(long, default_value = DEMO_WALLET_MERCHANT_ID)]
    pub wallet_merchant_id: String,
    /// The wallet merchant's signing key (HMAC-SHA256), at least 16 bytes
    #[arg(long, env = "CIVICDESK_WALLET_SIM_KEY", default_value = DEMO_WALLET_KEY)]
    pub wallet_key: String,
}

impl Args {
    /// The simulators' configuration: the demo one with these arguments.
    pub fn config(&self) -> SimConfig {
        let mut config = SimConfig::demo();
        config.merchant_id.clone_from(&self.merchant_id);
        config.hash_key.clone_from(&self.hash_key);
        config.hash_iv.clone_from(&self.hash_iv);
        config.retry_seconds.clone_from(&self.retry_seconds);
        config.withhold_notices = self.withhold_notices;
        config.duplicate_notices = self.duplicate_notices;
        config
            .wallet
            .merchant_id
            .clone_from(&self.wallet_merchant_id);
        config.wallet.key.clone_from(&self.wallet_key);
        config
    }
}

/// Serves until Ctrl-C (or SIGTERM), printing `ecpay simulator listening on http://…` once it
/// accepts connections, then the endpoints and the demo barcodes.
pub async fn run(args: Args) -> Result<(), SimError> {
    let config = args.config();
    config.validate()?;
    let barcodes = config.wallet.barcodes.clone();
    let listener = tokio::net::TcpListener::bind(&args.bind).await?;
    let sim = crate::start(config, listener).await?;
    let base = sim.base_url();
    println!("ecpay simulator listening on {base}");
    println!(
        "  ECPay AIO, merchant {}: {base}/Cashier/AioCheckOut/V5, {base}/Cashier/QueryTradeInfo/V5, {base}/CreditDetail/DoAction",
        args.merchant_id
    );
    println!(
        "  wallet point of sale, merchant {}: {base}/pos/v1/payments, {base}/pos/v1/refunds",
        args.wallet_merchant_id
    );
    for b in barcodes {
        let state = if b.expired { ", expired" } else { "" };
        let carrier = b
            .carrier
            .map(|c| format!(", carrier {} {}", c.kind, c.id))
            .unwrap_or_default();
        println!("  barcode {}: NT$ {}{carrier}{state}", b.code, b.balance);
    }
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    ctrl_c.await?;
    sim.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Command {
        #[command(flatten)]
        args: Args,
    }

    #[test]
    fn the_defaults_are_the_demo_and_the_switches_change_it() {
        let Ok(command) = Command::try_parse_from(["ecpay-sim"]) else {
            panic!("the defaults parse");
        };
        let config = command.args.config();
        assert!(config.validate().is_ok());
        assert_eq!(config.merchant_id, DEMO_MERCHANT_ID);
        assert_eq!(config.retry_seconds, [5, 30, 120]);
        let Ok(command) =
            Command::try_parse_from(["ecpay-sim", "--retry-seconds", "1,2", "--withhold-notices"])
        else {
            panic!("the switches parse");
        };
        let config = command.args.config();
        assert_eq!(config.retry_seconds, [1, 2]);
        assert!(config.withhold_notices);
        let both = ["ecpay-sim", "--withhold-notices", "--duplicate-notices"];
        assert!(Command::try_parse_from(both).is_err());
    }
}
