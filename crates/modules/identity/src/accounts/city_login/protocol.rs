//! The two protocols a city login speaks: OpenID Connect (discovery, the code exchange with
//! PKCE, the validated ID token, and what it lacks from the user-info endpoint) and OAuth 2.0
//! with TaipeiPASS's user-info call. Each answers the person's claims as JSON for the
//! provider's claims map.

use super::{token_refused, unavailable};
use crate::store::links::Attempt;
use crate::{IdentityApp, Result, ServiceError};
use openidconnect::core::{CoreClient, CoreProviderMetadata};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, EndpointMaybeSet, EndpointNotSet, EndpointSet,
    IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeVerifier, RedirectUrl, TokenResponse,
};
use platform::login::LoginProvider;

/// A client made from a provider's discovery document: the authorisation endpoint is known,
/// the token and user-info endpoints may be.
type DiscoveredClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

impl IdentityApp {
    pub(super) async fn oidc_client(&self, p: &LoginProvider) -> Result<DiscoveredClient> {
        let outbound = self.outbound()?;
        let http = |request| {
            let outbound = outbound.clone();
            async move { outbound.send(request).await }
        };
        let issuer = IssuerUrl::new(p.issuer.clone().unwrap_or_default()).map_err(unavailable)?;
        let metadata = CoreProviderMetadata::discover_async(issuer, &http)
            .await
            .map_err(unavailable)?;
        let secret =
            (!p.client_secret.is_empty()).then(|| ClientSecret::new(p.client_secret.clone()));
        let redirect = RedirectUrl::new(self.redirect_uri(&p.id)).map_err(unavailable)?;
        Ok(
            CoreClient::from_provider_metadata(
                metadata,
                ClientId::new(p.client_id.clone()),
                secret,
            )
            .set_redirect_uri(redirect),
        )
    }

    /// The claims of the validated ID token.
    pub(super) async fn oidc_claims(
        &self,
        p: &LoginProvider,
        code: &str,
        attempt: &Attempt,
    ) -> Result<serde_json::Value> {
        let client = self.oidc_client(p).await?;
        let outbound = self.outbound()?;
        let http = |request| {
            let outbound = outbound.clone();
            async move { outbound.send(request).await }
        };
        let token = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(unavailable)?
            .set_pkce_verifier(PkceCodeVerifier::new(attempt.pkce_verifier.clone()))
            .request_async(&http)
            .await
            .map_err(token_refused)?;
        let id_token = token
            .id_token()
            .ok_or_else(|| token_refused("no ID token in the token answer"))?;
        let claims = id_token
            .claims(
                &client.id_token_verifier(),
                &Nonce::new(attempt.nonce.clone()),
            )
            .map_err(token_refused)?;
        let mut value =
            serde_json::to_value(claims).map_err(|e| ServiceError::Internal(e.to_string()))?;
        // Some providers give the profile (e-mail, phone, name) only at their user-info
        // endpoint: what the ID token lacks is taken from there, for the same subject
        // (openidconnect checks it). Without the endpoint, or if it fails, the ID token is
        // what there is.
        if let Ok(request) =
            client.user_info(token.access_token().clone(), Some(claims.subject().clone()))
        {
            let info: std::result::Result<
                openidconnect::UserInfoClaims<OtherClaims, openidconnect::core::CoreGenderClaim>,
                _,
            > = request.request_async(&http).await;
            match info {
                Ok(info) => {
                    if let (Ok(serde_json::Value::Object(more)), Some(mine)) =
                        (serde_json::to_value(info), value.as_object_mut())
                    {
                        for (k, v) in more {
                            mine.entry(k).or_insert(v);
                        }
                    }
                }
                Err(e) => tracing::warn!(
                    error = %e,
                    "city login: user info failed; the ID token's claims are used"
                ),
            }
        }
        Ok(value)
    }

    /// OAuth 2.0: the code for an access token, the token for the user-info answer.
    pub(super) async fn userinfo_claims(
        &self,
        p: &LoginProvider,
        code: &str,
        attempt: &Attempt,
    ) -> Result<serde_json::Value> {
        let outbound = self.outbound()?;
        let form = form_urlencoded(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", &self.redirect_uri(&p.id)),
            ("client_id", &p.client_id),
            ("client_secret", &p.client_secret),
            ("code_verifier", &attempt.pkce_verifier),
        ]);
        let request = http::Request::post(p.token_url.as_deref().unwrap_or_default())
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(http::header::ACCEPT, "application/json")
            .body(form.into_bytes())
            .map_err(unavailable)?;
        let answer = outbound.send(request).await.map_err(unavailable)?;
        if !answer.status().is_success() {
            return Err(token_refused(format!(
                "token endpoint answered {}",
                answer.status()
            )));
        }
        let token: serde_json::Value =
            serde_json::from_slice(answer.body()).map_err(token_refused)?;
        let access = token["access_token"]
            .as_str()
            .filter(|t| !t.is_empty())
            .ok_or_else(|| token_refused("no access_token in the token answer"))?;
        let request = http::Request::get(p.userinfo_url.as_deref().unwrap_or_default())
            .header(http::header::AUTHORIZATION, format!("Bearer {access}"))
            .header(http::header::ACCEPT, "application/json")
            .body(Vec::new())
            .map_err(unavailable)?;
        let answer = outbound.send(request).await.map_err(unavailable)?;
        if !answer.status().is_success() {
            return Err(token_refused(format!(
                "user info answered {}",
                answer.status()
            )));
        }
        serde_json::from_slice(answer.body()).map_err(token_refused)
    }
}

/// `application/x-www-form-urlencoded`, as a token endpoint reads it.
fn form_urlencoded(pairs: &[(&str, &str)]) -> String {
    let mut s = openidconnect::url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// The claims of a user-info answer beyond the standard ones (a city's verification level,
/// its member type): kept as they came, for the claims map to read. Without them the standard
/// types would drop every claim a city adds.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct OtherClaims {
    #[serde(flatten)]
    claims: serde_json::Map<String, serde_json::Value>,
}

impl openidconnect::AdditionalClaims for OtherClaims {}
