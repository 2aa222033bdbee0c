//! Job worker settings: `[jobs]` in `civicdesk.toml`, `CIVICDESK_JOB_WORKERS` and its flag,
//! over the defaults of `platform::jobs::JobsConfig`. One block for every kind of job
//! (notifications, webhooks).
//!
//! The per-kind worker settings of earlier versions are still read, as aliases, when `[jobs]`
//! does not give the setting: `notify.workers`/`webhooks.workers` (and
//! `CIVICDESK_NOTIFY_WORKERS`/`CIVICDESK_WEBHOOK_WORKERS`) give the number of workers (the
//! larger of the two) and, when 0, turn that kind off on this node; `batch_size` takes the
//! larger, `poll_interval_ms` the smaller and `lease_secs` the larger of the two blocks.

use crate::config::NotifyFile;
use crate::webhook_config::WebhooksFile;
use anyhow::{Result, bail};
use clap::Args;
use platform::jobs::JobsConfig;
use serde::Deserialize;
use std::time::Duration;

const SECONDS_PER_DAY: u64 = 86_400;

/// Job settings given as flags or variables.
#[derive(Debug, Clone, Default, Args)]
pub struct JobArgs {
    /// Job worker loops on this node, each running every kind of job (notifications,
    /// webhooks); 0 runs none [default: 1]
    #[arg(long, env = "CIVICDESK_JOB_WORKERS")]
    pub job_workers: Option<usize>,
}

/// `[jobs]` in `civicdesk.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JobsFile {
    pub workers: Option<usize>,
    pub batch_size: Option<u64>,
    pub poll_interval_ms: Option<u64>,
    pub lease_secs: Option<u64>,
    /// Days a finished job and its log are kept (0: removed at the next pass).
    pub keep_done_days: Option<u64>,
}

/// The older per-kind worker settings, read as aliases.
#[derive(Debug, Clone, Copy, Default)]
pub struct Legacy {
    pub notify_workers: Option<usize>,
    pub webhook_workers: Option<usize>,
}

/// What [`resolve`] decides: the job settings, and whether each kind runs on this node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved {
    pub jobs: JobsConfig,
    pub notify_enabled: bool,
    pub webhooks_enabled: bool,
}

/// Builds the job settings: the flag or variable over `[jobs]` over the older per-kind
/// settings over defaults. `longest_send` is the longest send timeout of a kind: a lease must
/// be more than twice as long.
pub fn resolve(
    file: Option<&JobsFile>,
    notify: Option<&NotifyFile>,
    webhooks: Option<&WebhooksFile>,
    args: &JobArgs,
    legacy: Legacy,
    longest_send: Duration,
) -> Result<Resolved> {
    let default = JobsFile::default();
    let file = file.unwrap_or(&default);
    let n = notify.cloned().unwrap_or_default();
    let w = webhooks.cloned().unwrap_or_default();
    let notify_workers = legacy.notify_workers.or(n.workers);
    let webhook_workers = legacy.webhook_workers.or(w.workers);
    let mut jobs = JobsConfig::default();
    let alias_workers = match (notify_workers, webhook_workers) {
        (None, None) => None,
        // A kind not mentioned had the default of one worker.
        (a, b) => Some(a.unwrap_or(1).max(b.unwrap_or(1))),
    };
    if let Some(workers) = args.job_workers.or(file.workers).or(alias_workers) {
        jobs.workers = workers;
    }
    let larger = |a: Option<u64>, b: Option<u64>| a.max(b);
    let smaller = |a: Option<u64>, b: Option<u64>| match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    if let Some(b) = file.batch_size.or(larger(n.batch_size, w.batch_size)) {
        jobs.batch_size = b.clamp(1, 1000);
    }
    if let Some(ms) = file
        .poll_interval_ms
        .or(smaller(n.poll_interval_ms, w.poll_interval_ms))
    {
        jobs.poll_interval = Duration::from_millis(ms.max(10));
    }
    if let Some(s) = file.lease_secs.or(larger(n.lease_secs, w.lease_secs)) {
        jobs.lease = Duration::from_secs(s);
    }
    if let Some(days) = file.keep_done_days {
        jobs.keep_done = Duration::from_secs(days.saturating_mul(SECONDS_PER_DAY));
    }
    if jobs.lease <= longest_send * 2 {
        bail!(
            "jobs.lease_secs must be more than twice notify.send_timeout_secs and webhooks.send_timeout_secs"
        );
    }
    Ok(Resolved {
        jobs,
        notify_enabled: notify_workers != Some(0),
        webhooks_enabled: webhook_workers != Some(0),
    })
}

/// The job settings as `civicdesk config` prints them.
pub fn describe(c: &JobsConfig) -> String {
    format!(
        concat!(
            "[jobs]\nworkers = {}\nbatch_size = {}\npoll_interval_ms = {}\nlease_secs = {}\n",
            "keep_done_days = {}\n"
        ),
        c.workers,
        c.batch_size,
        c.poll_interval.as_millis(),
        c.lease.as_secs(),
        c.keep_done.as_secs() / SECONDS_PER_DAY,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEND: Duration = Duration::from_secs(30);

    #[test]
    fn the_jobs_block_wins_over_the_older_per_kind_settings() {
        let jobs: JobsFile = toml::from_str("workers = 3\nlease_secs = 900").unwrap();
        let notify: NotifyFile = toml::from_str("workers = 5\nbatch_size = 7").unwrap();
        let r = resolve(
            Some(&jobs),
            Some(&notify),
            None,
            &JobArgs::default(),
            Legacy::default(),
            SEND,
        )
        .unwrap();
        assert_eq!(r.jobs.workers, 3);
        assert_eq!(r.jobs.lease, Duration::from_secs(900));
        assert_eq!(r.jobs.batch_size, 7, "an older setting fills a gap");
        assert!(r.notify_enabled && r.webhooks_enabled);
        let flag = JobArgs {
            job_workers: Some(0),
        };
        let r = resolve(Some(&jobs), None, None, &flag, Legacy::default(), SEND).unwrap();
        assert_eq!(r.jobs.workers, 0, "the flag wins");
        assert!(toml::from_str::<JobsFile>("wrokers = 1").is_err());
        assert!(describe(&r.jobs).contains("lease_secs = 900"));
    }

    #[test]
    fn finished_jobs_are_kept_thirty_days_unless_told_otherwise() {
        let none = JobArgs::default();
        let r = resolve(None, None, None, &none, Legacy::default(), SEND).unwrap();
        assert_eq!(r.jobs.keep_done, Duration::from_secs(30 * SECONDS_PER_DAY));
        assert!(describe(&r.jobs).contains("keep_done_days = 30"));
        let jobs: JobsFile = toml::from_str("keep_done_days = 7").unwrap();
        let r = resolve(Some(&jobs), None, None, &none, Legacy::default(), SEND).unwrap();
        assert_eq!(r.jobs.keep_done, Duration::from_secs(7 * SECONDS_PER_DAY));
        assert!(describe(&r.jobs).contains("keep_done_days = 7"));
    }

    #[test]
    fn older_settings_still_work_and_zero_workers_turn_a_kind_off() {
        let notify: NotifyFile =
            toml::from_str("workers = 2\npoll_interval_ms = 500\nlease_secs = 120").unwrap();
        let webhooks: WebhooksFile =
            toml::from_str("workers = 0\npoll_interval_ms = 300\nlease_secs = 200").unwrap();
        let r = resolve(
            None,
            Some(&notify),
            Some(&webhooks),
            &JobArgs::default(),
            Legacy::default(),
            Duration::from_secs(15),
        )
        .unwrap();
        assert_eq!(r.jobs.workers, 2);
        assert_eq!(r.jobs.poll_interval, Duration::from_millis(300));
        assert_eq!(r.jobs.lease, Duration::from_secs(200));
        assert!(r.notify_enabled);
        assert!(
            !r.webhooks_enabled,
            "webhooks.workers = 0 keeps webhooks off"
        );
        let env = Legacy {
            notify_workers: Some(0),
            webhook_workers: None,
        };
        let r = resolve(None, None, None, &JobArgs::default(), env, SEND).unwrap();
        assert!(!r.notify_enabled && r.webhooks_enabled);
        assert_eq!(
            r.jobs.workers, 1,
            "webhooks still have their default worker"
        );
    }

    #[test]
    fn a_lease_must_outlast_two_sends() {
        let jobs: JobsFile = toml::from_str("lease_secs = 60").unwrap();
        assert!(
            resolve(
                Some(&jobs),
                None,
                None,
                &JobArgs::default(),
                Legacy::default(),
                SEND
            )
            .is_err()
        );
    }
}
