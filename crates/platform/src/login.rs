//! The city identity providers people may sign in through (`[[login_providers]]` in the
//! configuration), per jurisdiction: plain settings read at start. The identity module runs
//! the protocols and reads the claims.

use serde::Deserialize;

/// How a provider is spoken to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginProtocol {
    /// OpenID Connect: discovery at `{issuer}/.well-known/openid-configuration`, the
    /// authorisation code with PKCE, a validated ID token.
    Oidc,
    /// OAuth 2.0 with a user-info call, as TaipeiPASS publishes it: authorise, `POST` the
    /// token endpoint, then `GET` the user-info endpoint with the access token.
    Oauth2,
}

/// One provider of one jurisdiction.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginProvider {
    /// In URLs (`/sign-in/with/{id}`) and in the links it makes: lower-case letters, digits
    /// and `-`, unique within the jurisdiction.
    pub id: String,
    pub jurisdiction: String,
    /// The name on the button ("台北通", "TaipeiPASS").
    pub name_zh: String,
    pub name_en: String,
    pub protocol: LoginProtocol,
    /// OIDC: the issuer.
    #[serde(default)]
    pub issuer: Option<String>,
    /// OAuth 2.0: the endpoints.
    #[serde(default)]
    pub authorize_url: Option<String>,
    #[serde(default)]
    pub token_url: Option<String>,
    #[serde(default)]
    pub userinfo_url: Option<String>,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: String,
    /// Scopes asked for; OIDC always asks for `openid`.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Where each fact is in the claims (JSON pointers; see the identity module's
    /// `ClaimsMap`); the protocol's usual map when absent.
    #[serde(default)]
    pub claims: Option<serde_json::Value>,
}

impl LoginProvider {
    /// The problems with these settings, in words for an operator (empty when fine).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 32
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !id_ok {
            out.push(format!(
                "login provider id {:?}: use 1 to 32 lower-case letters, digits or -",
                self.id
            ));
        }
        let url = |name: &str, v: &Option<String>| match v.as_deref() {
            Some(u) if u.starts_with("https://") || u.starts_with("http://") => None,
            Some(u) => Some(format!(
                "login provider {}: {name} {u:?} is not a URL",
                self.id
            )),
            None => Some(format!("login provider {}: {name} is required", self.id)),
        };
        match self.protocol {
            LoginProtocol::Oidc => out.extend(url("issuer", &self.issuer)),
            LoginProtocol::Oauth2 => {
                out.extend(url("authorize_url", &self.authorize_url));
                out.extend(url("token_url", &self.token_url));
                out.extend(url("userinfo_url", &self.userinfo_url));
            }
        }
        if self.client_id.trim().is_empty() {
            out.push(format!("login provider {}: client_id is required", self.id));
        }
        out
    }
}

/// The city's registration as a service provider of the national MyData platform (`[mydata]`
/// in the configuration; `docs/MYDATA.md`): where the platform is, and the identifiers and
/// secrets it issued. Citizens bring their household-registration record from it, with their
/// consent, to fill in their details and prove their real name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MyDataService {
    /// The platform's base URL: `/service/{ps_id}` (the citizen's consent) and `/service/data`
    /// are under it.
    pub base_url: String,
    pub client_id: String,
    /// The client secret: 32 characters, the AES-256 key of the secret key MyData sends.
    pub client_secret: String,
    /// The per-service IV: 16 characters.
    pub iv: String,
    /// The service's id at MyData (`psId`).
    pub ps_id: String,
}

impl MyDataService {
    /// The problems with these settings, in words for an operator (empty when fine).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if !(self.base_url.starts_with("https://") || self.base_url.starts_with("http://")) {
            out.push("[mydata] base_url: an http(s) URL".to_string());
        }
        if self.client_secret.len() != 32 || !self.client_secret.is_ascii() {
            out.push("[mydata] client_secret: exactly 32 ASCII characters".to_string());
        }
        if self.iv.len() != 16 || !self.iv.is_ascii() {
            out.push("[mydata] iv: exactly 16 ASCII characters".to_string());
        }
        if self.client_id.trim().is_empty() || self.ps_id.trim().is_empty() {
            out.push("[mydata] client_id and ps_id: required".to_string());
        }
        out
    }
}
