//! `[payments]` in `civicdesk.toml`: the city's merchant accounts, with their secrets read
//! from the environment when written `env:NAME`, and checked.

use anyhow::{Result, bail};
use platform::payment_providers::PaymentProviders;

/// The payment services of the file, checked; none without `[payments]`.
pub fn resolve(file: Option<&PaymentProviders>) -> Result<PaymentProviders> {
    let Some(p) = file else {
        return Ok(PaymentProviders::default());
    };
    let mut p = p.clone();
    // Secrets may come from the environment: `hash_key = "env:ECPAY_HASH_KEY"`.
    let from_env = |v: &mut String| {
        if let Some(name) = v.strip_prefix("env:") {
            *v = std::env::var(name.trim()).unwrap_or_default();
        }
    };
    if let Some(e) = p.ecpay.as_mut() {
        from_env(&mut e.hash_key);
        from_env(&mut e.hash_iv);
    }
    if let Some(w) = p.wallet.as_mut() {
        from_env(&mut w.key);
    }
    let problems = p.problems();
    if !problems.is_empty() {
        bail!("{}", problems.join("; "));
    }
    Ok(p)
}
