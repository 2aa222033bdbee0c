//! Webhook delivery settings: `[webhooks]` in `civicdesk.toml`, `CIVICDESK_WEBHOOK_*`
//! variables and flags, over the defaults of `platform::webhooks::WebhookConfig`.

use anyhow::{Result, bail};
use clap::Args;
use platform::webhooks::WebhookConfig;
use serde::Deserialize;
use std::time::Duration;

/// Webhook settings given as flags or variables.
#[derive(Debug, Clone, Default, Args)]
pub struct WebhookArgs {
    /// Older name of the job workers setting (see --job-workers); 0 sends no webhooks from
    /// this node
    #[arg(long, env = "CIVICDESK_WEBHOOK_WORKERS")]
    pub webhook_workers: Option<usize>,
    /// Allow webhook URLs on loopback, private and link-local addresses (true or false)
    /// [default: false; true for `demo`]
    #[arg(long, env = "CIVICDESK_WEBHOOK_ALLOW_PRIVATE_TARGETS")]
    pub webhook_allow_private_targets: Option<bool>,
}

/// `[webhooks]` in `civicdesk.toml`. `workers`, `batch_size`, `poll_interval_ms` and
/// `lease_secs` are older names of the `[jobs]` settings (see `jobs_config`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksFile {
    pub workers: Option<usize>,
    pub batch_size: Option<u64>,
    pub poll_interval_ms: Option<u64>,
    pub lease_secs: Option<u64>,
    pub send_timeout_secs: Option<u64>,
    pub retry_schedule_secs: Option<Vec<u64>>,
    pub max_attempts: Option<u32>,
    pub allow_private_targets: Option<bool>,
}

/// Builds the webhook settings: flags and variables over the file over defaults.
/// `allow_private_by_default` is true for the demo only.
pub fn resolve(
    file: Option<&WebhooksFile>,
    args: &WebhookArgs,
    allow_private_by_default: bool,
) -> Result<WebhookConfig> {
    let default = WebhooksFile::default();
    let file = file.unwrap_or(&default);
    let mut config = WebhookConfig::default();
    if let Some(s) = file.send_timeout_secs {
        config.send_timeout = Duration::from_secs(s.max(1));
    }
    if let Some(r) = &file.retry_schedule_secs {
        if r.is_empty() {
            bail!("webhooks.retry_schedule_secs needs at least one delay");
        }
        config.retry_schedule = r.clone();
    }
    if let Some(m) = file.max_attempts {
        config.max_attempts = m.max(1);
    }
    config.allow_private_targets = args
        .webhook_allow_private_targets
        .or(file.allow_private_targets)
        .unwrap_or(allow_private_by_default);
    Ok(config)
}

/// The webhook settings as `civicdesk config` prints them.
pub fn describe(c: &WebhookConfig) -> String {
    format!(
        "[webhooks]\nenabled = {}\nsend_timeout_secs = {}\nretry_schedule_secs = {:?}\nmax_attempts = {}\nallow_private_targets = {}\n",
        c.enabled,
        c.send_timeout.as_secs(),
        c.retry_schedule,
        c.max_attempts,
        c.allow_private_targets
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_come_from_the_file_and_flags_and_private_targets_are_off_outside_the_demo() {
        let file: WebhooksFile =
            toml::from_str("workers = 3\nretry_schedule_secs = [5, 10]\nmax_attempts = 4").unwrap();
        let c = resolve(Some(&file), &WebhookArgs::default(), false).unwrap();
        assert_eq!(c.max_attempts, 4);
        assert_eq!(c.retry_schedule, vec![5, 10]);
        assert!(!c.allow_private_targets);
        assert!(
            resolve(None, &WebhookArgs::default(), true)
                .unwrap()
                .allow_private_targets,
            "the demo allows local receivers"
        );
        let args = WebhookArgs {
            webhook_workers: Some(0),
            webhook_allow_private_targets: Some(false),
        };
        let c = resolve(Some(&file), &args, true).unwrap();
        assert!(
            !c.allow_private_targets,
            "an explicit setting wins in the demo"
        );
        let bad: WebhooksFile = toml::from_str("retry_schedule_secs = []").unwrap();
        assert!(resolve(Some(&bad), &WebhookArgs::default(), false).is_err());
        assert!(toml::from_str::<WebhooksFile>("wrokers = 1").is_err());
        assert!(describe(&c).contains("allow_private_targets = false"));
    }
}
