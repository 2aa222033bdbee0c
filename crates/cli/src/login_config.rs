//! `[[login_providers]]`: the city identity providers, checked at start so a wrong setting
//! stops the start with the provider's id. A `client_secret` written `env:NAME` is read from
//! the environment variable NAME (a secret kept out of the file).

use anyhow::{Result, bail};
use platform::login::LoginProvider;

/// The providers of the file, their secrets from the process's environment.
pub fn from_env(file: Option<&[LoginProvider]>) -> Result<Vec<LoginProvider>> {
    resolve(file, |k| std::env::var(k).ok().filter(|v| !v.is_empty()))
}

pub fn resolve(
    file: Option<&[LoginProvider]>,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Vec<LoginProvider>> {
    let mut out: Vec<LoginProvider> = Vec::new();
    for p in file.unwrap_or_default() {
        let mut p = p.clone();
        let mut problems = p.problems();
        if let Some(name) = p.client_secret.strip_prefix("env:") {
            match env(name.trim()) {
                Some(secret) => p.client_secret = secret,
                None => problems.push(format!(
                    "login provider {}: the environment variable {} (client_secret) is not set",
                    p.id,
                    name.trim()
                )),
            }
        }
        if let Err(e) = identity::accounts::claims_map(&p) {
            problems.push(e.to_string());
        }
        if out
            .iter()
            .any(|o| o.id == p.id && o.jurisdiction == p.jurisdiction)
        {
            problems.push(format!(
                "login provider {} is configured twice for {}",
                p.id, p.jurisdiction
            ));
        }
        if !problems.is_empty() {
            bail!("{}", problems.join("; "));
        }
        out.push(p);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<LoginProvider> {
        #[derive(serde::Deserialize)]
        struct F {
            login_providers: Vec<LoginProvider>,
        }
        toml::from_str::<F>(text).unwrap().login_providers
    }

    const TAIPEIPASS: &str = r#"
[[login_providers]]
id = "taipeipass"
jurisdiction = "taipei.gov.tw"
name_zh = "台北通"
name_en = "TaipeiPASS"
protocol = "oauth2"
authorize_url = "https://id.example.gov.tw/oauth/authorize"
token_url = "https://id.example.gov.tw/oauth/token"
userinfo_url = "https://id.example.gov.tw/api/v1.0.9/user/my"
client_id = "civicdesk"
client_secret = "env:TPASS_SECRET"
"#;

    #[test]
    fn a_provider_reads_its_secret_from_the_environment() {
        let providers = parse(TAIPEIPASS);
        let ok = resolve(Some(&providers), |k| {
            (k == "TPASS_SECRET").then(|| "s3cret".into())
        })
        .unwrap();
        assert_eq!(ok[0].client_secret, "s3cret");
        let missing = resolve(Some(&providers), |_| None).unwrap_err().to_string();
        assert!(missing.contains("TPASS_SECRET"), "{missing}");
    }

    #[test]
    fn wrong_settings_stop_the_start_with_the_providers_id() {
        let mut providers = parse(TAIPEIPASS);
        providers[0].client_secret = "x".into();
        providers[0].token_url = None;
        providers[0].claims = Some(serde_json::json!({"subjekt": "/id"}));
        let e = resolve(Some(&providers), |_| None).unwrap_err().to_string();
        assert!(e.contains("token_url is required"), "{e}");
        assert!(e.contains("claims map"), "{e}");
        let twice = [providers[0].clone(), providers[0].clone()];
        let mut fixed = twice.to_vec();
        for p in &mut fixed {
            p.token_url = Some("https://id.example.gov.tw/oauth/token".into());
            p.claims = None;
        }
        let e = resolve(Some(&fixed), |_| None).unwrap_err().to_string();
        assert!(e.contains("configured twice"), "{e}");
    }
}
