//! Signing out of the city's login as well (OpenID Connect RP-Initiated Logout 1.0): a session
//! signed in through an OpenID provider that publishes an `end_session_endpoint` sends the
//! browser there on sign-out, with civicdesk's client id and the address to come back to (the
//! home page), so a shared computer is not left signed in at the provider. TaipeiPASS's OAuth
//! 2.0 shape publishes no such endpoint: signing out ends civicdesk's session only.

use crate::IdentityApp;
use openidconnect::ProviderMetadataWithLogout;
use openidconnect::{ClientId, IssuerUrl, LogoutRequest, PostLogoutRedirectUrl};
use platform::login::LoginProtocol;

impl IdentityApp {
    /// Where to send a browser whose session came from `provider`, so the provider ends its
    /// session too; None when it has no end-session endpoint or cannot be reached (civicdesk's
    /// own session ends either way).
    pub async fn provider_logout_url(
        &self,
        jurisdiction_id: &str,
        provider: &str,
    ) -> Option<String> {
        let p = self.login_provider(jurisdiction_id, provider).ok()?;
        if p.protocol != LoginProtocol::Oidc {
            return None;
        }
        let outbound = self.outbound().ok()?;
        let http = |request| {
            let outbound = outbound.clone();
            async move { outbound.send(request).await }
        };
        let issuer = IssuerUrl::new(p.issuer.clone()?).ok()?;
        let metadata = match ProviderMetadataWithLogout::discover_async(issuer, &http).await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(provider, error = %e, "city login: no logout (discovery failed)");
                return None;
            }
        };
        let endpoint = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        let back = PostLogoutRedirectUrl::new(format!(
            "{}/",
            self.platform.config().public_url.trim_end_matches('/')
        ))
        .ok()?;
        Some(
            LogoutRequest::from(endpoint)
                .set_client_id(ClientId::new(p.client_id.clone()))
                .set_post_logout_redirect_uri(back)
                .http_get_url()
                .to_string(),
        )
    }
}
