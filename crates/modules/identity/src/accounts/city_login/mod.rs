//! Signing in through a city's identity provider (OpenID Connect, or OAuth 2.0 with a
//! user-info call as TaipeiPASS publishes it).
//!
//! 1. [`IdentityApp::start_city_login`] makes a state, a nonce and a PKCE verifier, keeps them
//!    server-side for ten minutes as a login attempt (found by the hash of the state), and
//!    answers the provider's authorisation URL. The page also gives the browser the state in a
//!    cookie: an answer brought by another browser is refused (login CSRF).
//! 2. [`IdentityApp::finish_city_login`] takes the attempt once, exchanges the code (with the
//!    verifier), validates the ID token (issuer, audience, signature, expiry, nonce; `openidconnect`
//!    does this) or calls the user-info endpoint, reads the person by the provider's claims map,
//!    and signs in the account linked to that person: an existing link, else the one account
//!    whose own verified login is a contact the provider vouches for, else a new citizen
//!    account. A provider that vouches for a real name raises the account to
//!    [`Assurance::RealName`].
//!
//! No secret from the provider (code, tokens) is stored or logged.

use super::login::{LoginOutcome, SignInContext};
use super::signup::self_actor;
use super::{AccountKind, Login, STATUS_ACTIVE};
use crate::audit::{self, Subject};
use crate::authz::Actor;
use crate::domain::city_login::{Assurance, CityIdentity, ClaimsMap, LinkDecision, decide_link};
use crate::store::accounts::{self, Account};
use crate::store::links::{self, Attempt, Link};
use crate::{IdentityApp, Result, ServiceError, secrets};
use domain::Message;
use openidconnect::core::CoreAuthenticationFlow;
use openidconnect::{CsrfToken, Nonce, PkceCodeChallenge, PkceCodeVerifier, Scope};
use platform::http_client::Outbound;
use platform::login::{LoginProtocol, LoginProvider};
use std::time::Duration;

mod logout;
mod protocol;

/// How long a sign-in may stay at the provider.
pub const ATTEMPT_SECONDS: i64 = 10 * 60;
/// The longest answer read from a provider.
const MAX_ANSWER: usize = 256 * 1024;
/// How long a provider has to answer one call.
const PROVIDER_TIMEOUT: Duration = Duration::from_secs(10);

/// Where to send the browser to sign in, and the state the browser must bring back.
#[derive(Debug, Clone)]
pub struct CityLoginStart {
    pub authorize_url: String,
    pub state: String,
}

/// A finished city login: the session, where the person was going, and what happened to the
/// account.
#[derive(Debug)]
pub struct CityLoginDone {
    pub login: LoginOutcome,
    pub back: String,
    /// A new account was made for the person.
    pub created: bool,
    /// The provider was linked to an account that existed (now, by this sign-in).
    pub linked: bool,
}

/// What the provider sends the browser back with (`code`, `state`), and the state the browser
/// kept in its cookie.
#[derive(Debug, Clone, Copy)]
pub struct ProviderAnswer<'a> {
    pub code: &'a str,
    pub state: &'a str,
    pub browser_state: Option<&'a str>,
}

/// A provider as a page shows it: its id and its name in both languages.
#[derive(Debug, Clone)]
pub struct ProviderView {
    pub id: String,
    pub name_zh: String,
    pub name_en: String,
}

fn state_refused() -> ServiceError {
    ServiceError::invalid(Message::new("error-city-login-state"))
}

fn unavailable(e: impl std::fmt::Display) -> ServiceError {
    tracing::warn!(error = %e, "city login provider did not answer as expected");
    ServiceError::Unavailable(Message::new("error-city-login-unavailable"))
}

/// The message of a refusal that a step up would lift ([`IdentityApp::require_assurance`]).
pub const STEP_UP: &str = "error-step-up";

fn token_refused(e: impl std::fmt::Display) -> ServiceError {
    tracing::warn!(error = %e, "city login refused the provider's answer");
    ServiceError::Unauthenticated(Message::new("error-city-login-token"))
}

impl IdentityApp {
    /// The providers of a jurisdiction, in the configured order.
    pub fn login_providers(&self, jurisdiction_id: &str) -> Vec<ProviderView> {
        self.platform
            .config()
            .login_providers
            .iter()
            .filter(|p| p.jurisdiction == jurisdiction_id)
            .map(|p| ProviderView {
                id: p.id.clone(),
                name_zh: p.name_zh.clone(),
                name_en: p.name_en.clone(),
            })
            .collect()
    }

    fn login_provider(&self, jurisdiction_id: &str, id: &str) -> Result<LoginProvider> {
        self.platform
            .config()
            .login_providers
            .iter()
            .find(|p| p.jurisdiction == jurisdiction_id && p.id == id)
            .cloned()
            .ok_or_else(|| {
                ServiceError::NotFound(
                    Message::new("error-city-login-provider").arg("provider", id),
                )
            })
    }

    /// The address the provider sends the browser back to.
    fn redirect_uri(&self, provider: &str) -> String {
        format!(
            "{}/sign-in/callback/{provider}",
            self.platform.config().public_url.trim_end_matches('/')
        )
    }

    fn outbound(&self) -> Result<Outbound> {
        Outbound::new("city login", PROVIDER_TIMEOUT, MAX_ANSWER).map_err(ServiceError::Internal)
    }

    /// Starts a sign-in at a provider: `back` is where to go afterwards (a local path), and
    /// `linking` the signed-in account that asks to link the provider to itself, if that is
    /// what this is. `client` is the browser's address, whose starts are counted
    /// ([`crate::rate_limit::CITY_LOGIN_PER_ADDRESS`]).
    pub async fn start_city_login(
        &self,
        jurisdiction_id: &str,
        provider: &str,
        back: &str,
        linking: Option<&Actor>,
        client: &str,
    ) -> Result<CityLoginStart> {
        let p = self.login_provider(jurisdiction_id, provider)?;
        if let Some(a) = linking
            && (a.kind != crate::authz::ActorKind::Citizen || a.jurisdiction_id != jurisdiction_id)
        {
            return Err(ServiceError::Forbidden(Message::new(
                "error-city-login-citizens-only",
            )));
        }
        self.platform
            .count_attempt(crate::rate_limit::CITY_LOGIN_PER_ADDRESS, client)
            .await?;
        let state = secrets::token_of::<32>();
        let nonce = secrets::token_of::<32>();
        let verifier = secrets::token_of::<48>();
        let challenge =
            PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(verifier.clone()));
        let authorize_url = match p.protocol {
            LoginProtocol::Oidc => {
                let client = self.oidc_client(&p).await?;
                let (state_for, nonce_for) = (state.clone(), nonce.clone());
                let mut request = client.authorize_url(
                    CoreAuthenticationFlow::AuthorizationCode,
                    move || CsrfToken::new(state_for),
                    move || Nonce::new(nonce_for),
                );
                for scope in p.scopes.iter().filter(|s| *s != "openid") {
                    request = request.add_scope(Scope::new(scope.clone()));
                }
                request.set_pkce_challenge(challenge).url().0.to_string()
            }
            LoginProtocol::Oauth2 => {
                let base = p.authorize_url.as_deref().unwrap_or_default();
                let mut url = openidconnect::url::Url::parse(base).map_err(unavailable)?;
                url.query_pairs_mut()
                    .append_pair("response_type", "code")
                    .append_pair("client_id", &p.client_id)
                    .append_pair("redirect_uri", &self.redirect_uri(&p.id))
                    .append_pair("scope", &p.scopes.join(" "))
                    .append_pair("state", &state)
                    .append_pair("code_challenge", challenge.as_str())
                    .append_pair("code_challenge_method", "S256");
                url.to_string()
            }
        };
        let now = self.now();
        let attempt = Attempt {
            state_hash: secrets::sha256_hex(&state),
            jurisdiction_id: jurisdiction_id.to_string(),
            provider: p.id.clone(),
            nonce,
            pkce_verifier: verifier,
            back: back.to_string(),
            link_account_id: linking.and_then(|a| a.account_id.clone()),
            created_at: now,
            expires_at: now + ATTEMPT_SECONDS,
        };
        let mut tx = self.db.begin().await?;
        links::insert_attempt(&mut tx, &attempt).await?;
        tx.commit().await?;
        Ok(CityLoginStart {
            authorize_url,
            state,
        })
    }

    /// Finishes a sign-in when the provider sends the browser back with `code` and `state`.
    /// `browser_state` is the state the browser kept (its cookie): it must be this one.
    pub async fn finish_city_login(
        &self,
        jurisdiction_id: &str,
        provider: &str,
        answer: &ProviderAnswer<'_>,
        signed_in: Option<&Actor>,
        context: SignInContext<'_>,
    ) -> Result<CityLoginDone> {
        let ProviderAnswer {
            code,
            state,
            browser_state,
        } = *answer;
        if state.is_empty() || !browser_state.is_some_and(|b| secrets::constant_time_eq(b, state)) {
            return Err(state_refused());
        }
        let mut tx = self.db.begin().await?;
        let attempt = links::take_attempt(&mut tx, &secrets::sha256_hex(state), self.now()).await?;
        tx.commit().await?;
        let attempt = attempt
            .filter(|a| a.provider == provider && a.jurisdiction_id == jurisdiction_id)
            .ok_or_else(state_refused)?;
        if code.trim().is_empty() {
            return Err(state_refused());
        }
        // A link finishes only in the session that asked for it: on a shared computer the
        // next person's city login must not be linked to the last person's account.
        if let Some(me) = &attempt.link_account_id
            && signed_in.and_then(|a| a.account_id.as_deref()) != Some(me.as_str())
        {
            return Err(state_refused());
        }
        let p = self.login_provider(jurisdiction_id, provider)?;
        let claims = match p.protocol {
            LoginProtocol::Oidc => self.oidc_claims(&p, code, &attempt).await?,
            LoginProtocol::Oauth2 => self.userinfo_claims(&p, code, &attempt).await?,
        };
        let map = claims_map(&p)?;
        let who = map.read(&claims).map_err(ServiceError::invalid)?;
        // Two tabs finishing the first sign-in of one person at once: the one that writes
        // second meets the first's link (or account) on a unique key, and goes again, now
        // finding it.
        match self
            .sign_in_city_identity(&p, &who, &attempt, context)
            .await
        {
            Err(ServiceError::Store(e)) if e.is_unique_violation() => {
                self.sign_in_city_identity(&p, &who, &attempt, context)
                    .await
            }
            done => done,
        }
    }

    /// Links (or makes) the account of a person the provider described, and signs it in.
    async fn sign_in_city_identity(
        &self,
        p: &LoginProvider,
        who: &CityIdentity,
        attempt: &Attempt,
        context: SignInContext<'_>,
    ) -> Result<CityLoginDone> {
        let j = attempt.jurisdiction_id.as_str();
        let linked = links::account_of(&self.db, j, &p.id, &who.subject).await?;
        let decision = match (&attempt.link_account_id, linked) {
            // Linking from a signed-in account: to that account, unless the person is
            // already someone else's.
            (Some(me), Some(other)) if *me != other => {
                return Err(ServiceError::Forbidden(Message::new(
                    "error-city-login-linked-elsewhere",
                )));
            }
            (Some(me), linked) => {
                // One person of each provider per account: a real name proved by one must
                // not stand for another.
                let theirs = links::of_account(&self.db, me).await?;
                if linked.is_none() && theirs.iter().any(|l| l.provider == p.id) {
                    return Err(ServiceError::Forbidden(Message::new(
                        "error-city-login-account-has-another",
                    )));
                }
                LinkDecision::LinkTo(me.clone())
            }
            (None, linked) => {
                let matches = self.verified_matches(j, who).await?;
                decide_link(linked.as_deref(), &matches)
            }
        };
        let now = self.now();
        let (account, created, newly_linked) = match decision {
            LinkDecision::Linked(id) => (self.active_citizen(&id, j).await?, false, false),
            LinkDecision::LinkTo(id) => (self.active_citizen(&id, j).await?, false, true),
            LinkDecision::Create => (self.new_city_account(j, p, who).await?, true, true),
            LinkDecision::Ambiguous => {
                return Err(ServiceError::Forbidden(Message::new(
                    "error-city-login-ambiguous",
                )));
            }
        };
        let mut tx = self.db.begin().await?;
        if created {
            accounts::insert(&mut tx, &account).await?;
        }
        links::upsert(
            &mut tx,
            &Link {
                jurisdiction_id: j.to_string(),
                provider: p.id.clone(),
                subject: who.subject.clone(),
                account_id: account.id.clone(),
                real_name: who.real_name,
                linked_at: now,
                last_used_at: now,
            },
        )
        .await?;
        if who.real_name {
            links::set_real_name(&mut tx, &account.id, &p.id, now).await?;
            // The proved name and ID number are the account's: a later change to either
            // forgets the proof (`update_my_profile`).
            let national_id = who
                .national_id
                .as_deref()
                .and_then(|n| domain::identity::PersonalId::parse(n).ok())
                .map(|n| n.as_str().to_string());
            accounts::update(
                &mut tx,
                &account.id,
                &accounts::AccountUpdate {
                    display_name: who.name.clone(),
                    national_id,
                    ..Default::default()
                },
                now,
            )
            .await?;
        }
        let action = match (created, newly_linked) {
            (true, _) => "account.city_login.created",
            (false, true) => "account.city_login.linked",
            (false, false) => "account.city_login.used",
        };
        audit::record(
            &mut tx,
            &self_actor(&account, None),
            action,
            Subject::account(&account.id),
            None,
            serde_json::json!({
                "provider": p.id,
                "assurance": who.assurance().as_str(),
            }),
            now,
        )
        .await?;
        tx.commit().await?;
        let login = self.open_session(account, context, None).await?;
        // Signing out later ends the provider's session too (`logout`).
        crate::store::sessions::set_login_provider(
            &self.db,
            &secrets::sha256_hex(&login.session.id),
            &p.id,
        )
        .await?;
        Ok(CityLoginDone {
            login,
            back: attempt.back.clone(),
            created,
            linked: newly_linked && !created,
        })
    }

    /// The accounts whose own verified login is a contact the provider vouches for.
    async fn verified_matches(&self, j: &str, who: &CityIdentity) -> Result<Vec<String>> {
        let mut found = Vec::new();
        for contact in [&who.email, &who.phone].into_iter().flatten() {
            if !contact.verified {
                continue;
            }
            let Ok(login) = Login::parse(&contact.value) else {
                continue;
            };
            if let Some(a) = accounts::find_by_login(&self.db, j, login.as_str()).await?
                && a.verified_at.is_some()
                && a.status == STATUS_ACTIVE
                && a.kind == AccountKind::Citizen.as_str()
            {
                found.push(a.id);
            }
        }
        Ok(found)
    }

    /// The account a city login signs in to: an active citizen account of the jurisdiction.
    /// Staff accounts are never signed in through a city login (their sign-in keeps its
    /// password and second factor).
    async fn active_citizen(&self, id: &str, jurisdiction_id: &str) -> Result<Account> {
        let a = accounts::find(&self.db, id)
            .await?
            .filter(|a| a.status == STATUS_ACTIVE)
            .ok_or_else(|| {
                ServiceError::Forbidden(Message::new("error-city-login-account-disabled"))
            })?;
        if a.kind != AccountKind::Citizen.as_str() || a.jurisdiction_id != jurisdiction_id {
            return Err(ServiceError::Forbidden(Message::new(
                "error-city-login-citizens-only",
            )));
        }
        Ok(a)
    }

    /// A new citizen account for a person the provider described: its login is a contact the
    /// provider vouches for that no account holds yet, else a name made from the provider
    /// and a hash of the subject (never typed: the person signs in through the provider).
    async fn new_city_account(
        &self,
        j: &str,
        p: &LoginProvider,
        who: &CityIdentity,
    ) -> Result<Account> {
        let now = self.now();
        let mut login = None;
        for contact in [&who.email, &who.phone].into_iter().flatten() {
            if let (true, Ok(l)) = (contact.verified, Login::parse(&contact.value))
                && accounts::find_by_login(&self.db, j, l.as_str())
                    .await?
                    .is_none()
            {
                login = Some(l);
                break;
            }
        }
        let vouched = |c: &Option<crate::domain::city_login::Contact>| {
            c.as_ref()
                .filter(|c| c.verified)
                .and_then(|c| Login::parse(&c.value).ok())
        };
        let email = match vouched(&who.email) {
            Some(Login::Email(e)) => Some(e),
            _ => None,
        };
        let mobile = match vouched(&who.phone) {
            Some(Login::Mobile(m)) => Some(m),
            _ => None,
        };
        let login = login.map(|l| l.as_str().to_string()).unwrap_or_else(|| {
            format!(
                "{}.{}",
                p.id,
                &secrets::sha256_hex(&format!("{}\u{0}{}", p.id, who.subject))[..20]
            )
        });
        Ok(Account {
            id: uuid::Uuid::now_v7().to_string(),
            jurisdiction_id: j.to_string(),
            kind: AccountKind::Citizen.as_str().to_string(),
            login,
            email,
            mobile,
            national_id: who.national_id.clone(),
            display_name: who
                .name
                .clone()
                .unwrap_or_else(|| p.name_zh.clone())
                .chars()
                .take(100)
                .collect(),
            locale: "zh-TW".into(),
            password_hash: None,
            status: STATUS_ACTIVE.into(),
            verified_at: (who.assurance() >= Assurance::ContactVerified).then_some(now),
            totp_secret: None,
            totp_enabled_at: None,
            totp_last_step: None,
            password_changed_at: None,
            created_at: now,
            updated_at: now,
        })
    }

    /// The providers of a jurisdiction through which an account can reach `level`.
    pub fn providers_reaching(&self, jurisdiction_id: &str, level: Assurance) -> Vec<ProviderView> {
        self.platform
            .config()
            .login_providers
            .iter()
            .filter(|p| p.jurisdiction == jurisdiction_id)
            .filter(|p| {
                level < Assurance::RealName || claims_map(p).is_ok_and(|m| m.proves_real_name())
            })
            .map(|p| ProviderView {
                id: p.id.clone(),
                name_zh: p.name_zh.clone(),
                name_en: p.name_en.clone(),
            })
            .collect()
    }

    /// What an action that needs `needs` asks of the signed-in account: `needs`, or less where
    /// no city login of the jurisdiction can prove it. Refused (403, `error-step-up`, naming
    /// the level) when the account is below; a page then sends the person to step up through a
    /// city login (`/account/step-up`) instead of failing.
    pub async fn require_assurance(&self, actor: &Actor, needs: Assurance) -> Result<()> {
        let reachable = if self
            .providers_reaching(&actor.jurisdiction_id, Assurance::RealName)
            .is_empty()
        {
            Assurance::ContactVerified
        } else {
            Assurance::RealName
        };
        let asked = needs.asked(reachable);
        if self.assurance(actor.account()?).await? >= asked {
            return Ok(());
        }
        // A real name is proved through a city login (a step up); a contact, by the code sent to
        // it, which an active account has already done.
        Err(ServiceError::Forbidden(match asked {
            Assurance::RealName => Message::new(STEP_UP),
            _ => Message::new("error-contact-unverified"),
        }))
    }

    /// The assurance level of an account.
    pub async fn assurance(&self, account_id: &str) -> Result<Assurance> {
        let Some(a) = accounts::find(&self.db, account_id).await? else {
            return Ok(Assurance::Unverified);
        };
        let real_name = links::real_name_at(&self.db, account_id).await?.is_some();
        Ok(Assurance::of(a.verified_at.is_some(), real_name))
    }
}

/// The claims map of a provider: its own, or the protocol's usual one.
pub fn claims_map(p: &LoginProvider) -> Result<ClaimsMap> {
    match &p.claims {
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| {
            ServiceError::Internal(format!("login provider {}: claims map: {e}", p.id))
        }),
        None => Ok(match p.protocol {
            LoginProtocol::Oidc => ClaimsMap::openid(),
            LoginProtocol::Oauth2 => ClaimsMap::taipeipass(),
        }),
    }
}

/// A citizen's account as its owner sees it: who, how sure civicdesk is of it, and the city
/// logins linked to it.
#[derive(Debug, Clone)]
pub struct AccountOverview {
    pub display_name: String,
    pub login: String,
    pub assurance: Assurance,
    /// Linked city logins: the provider's id and when it was linked.
    pub links: Vec<(String, i64)>,
}

impl IdentityApp {
    /// The signed-in person's own account.
    pub async fn account_overview(&self, actor: &Actor) -> Result<AccountOverview> {
        let id = actor.account()?;
        let account = accounts::find(&self.db, id)
            .await?
            .ok_or_else(|| ServiceError::NotFound(Message::new("error-account-unknown")))?;
        let links = links::of_account(&self.db, id)
            .await?
            .into_iter()
            .map(|l| (l.provider, l.linked_at))
            .collect();
        Ok(AccountOverview {
            assurance: self.assurance(id).await?,
            display_name: account.display_name,
            login: account.login,
            links,
        })
    }
}
