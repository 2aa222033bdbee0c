//! `civicdesk mydata-sim`: the simulator from the command line, until Ctrl-C or SIGTERM.

use crate::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_IV, DEMO_PS_ID, SimConfig, SimError};
use std::net::IpAddr;

/// Run a local simulator of Taiwan's national MyData platform (docs/MYDATA.md).
///
/// For development and demos only: all data is fictional and kept in memory. The defaults are
/// the demo service provider's registration.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to listen on
    #[arg(long, default_value = "127.0.0.1:8090")]
    pub bind: String,
    /// The service provider's client id (the data file is `<client id>.zip`)
    #[arg(long, default_value = DEMO_CLIENT_ID)]
    pub client_id: String,
    /// The client secret: exactly 32 ASCII characters (the AES-256 key of the secret key)
    #[arg(long, default_value = DEMO_CLIENT_SECRET)]
    pub client_secret: String,
    /// The service's IV: exactly 16 ASCII characters
    #[arg(long, default_value = DEMO_IV)]
    pub iv: String,
    /// The service id (psId): the consent page is /service/<ps id>
    #[arg(long, default_value = DEMO_PS_ID)]
    pub ps_id: String,
    /// Where the simulator POSTs the notice (the service provider's server-to-server endpoint)
    #[arg(long)]
    pub notify_url: String,
    /// The prefix every return_url must start with
    #[arg(long, default_value = "http://127.0.0.1:8080/")]
    pub return_url_prefix: String,
    /// Seconds after consent until the data is ready
    #[arg(long, default_value_t = 2)]
    pub wait_seconds: u64,
    /// An address that may fetch /service/data (repeat for more) [default: 127.0.0.1 and ::1]
    #[arg(long = "allow-ip")]
    pub allow_ips: Vec<IpAddr>,
}

impl Args {
    /// The simulator's configuration: the demo one with these arguments.
    pub fn config(&self) -> SimConfig {
        let mut config = SimConfig::demo(&self.notify_url, &self.return_url_prefix);
        config.client_id.clone_from(&self.client_id);
        config.client_secret.clone_from(&self.client_secret);
        config.iv.clone_from(&self.iv);
        config.ps_id.clone_from(&self.ps_id);
        config.wait_seconds = self.wait_seconds;
        if !self.allow_ips.is_empty() {
            config.allowed_ips.clone_from(&self.allow_ips);
        }
        config
    }
}

/// Serves until Ctrl-C (or SIGTERM), printing `mydata simulator listening on http://…` once
/// it accepts connections.
pub async fn run(args: Args) -> Result<(), SimError> {
    let config = args.config();
    config.validate()?;
    let listener = tokio::net::TcpListener::bind(&args.bind).await?;
    let sim = crate::start(config, listener).await?;
    println!("mydata simulator listening on {}", sim.base_url());
    println!(
        "  service {}: {}/service/{}?tx_id=<tx>&return_url=<url>; notices go to {}",
        args.ps_id,
        sim.base_url(),
        args.ps_id,
        args.notify_url
    );
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
