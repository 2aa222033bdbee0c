//! A city identity provider for the tests, a real HTTP server on a local port that speaks both
//! shapes civicdesk signs in through:
//! - OpenID Connect: discovery, JWKS, `/oidc/authorize` and `/oidc/token` with PKCE, and ID
//!   tokens signed RS256 (by `openidconnect`'s own types);
//! - TaipeiPASS's plain OAuth 2.0: `/oauth/authorize`, `POST /oauth/token`, then
//!   `GET /api/v1.0.9/user/my` answering `{"data": {…}}`.
//!
//! The test sets who signs in next ([`CityIdp::will_sign_in`]) and how the ID token is spoiled,
//! if at all ([`Forgery`]), to check that civicdesk refuses what it must.

use axum::Router;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use openidconnect::core::{
    CoreIdToken, CoreIdTokenClaims, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
    CoreProviderMetadata, CoreResponseType, CoreRsaPrivateSigningKey, CoreSubjectIdentifierType,
};
use openidconnect::{
    Audience, AuthUrl, EmptyAdditionalClaims, EmptyAdditionalProviderMetadata, EndUserEmail,
    EndUserName, EndUserPhoneNumber, IssuerUrl, JsonWebKeyId, JsonWebKeySetUrl, LocalizedClaim,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, PrivateSigningKey, ResponseTypes, StandardClaims,
    SubjectIdentifier, TokenUrl,
};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const KEY: &str = include_str!("fixtures/city_idp_rsa.pem");
const OTHER_KEY: &str = include_str!("fixtures/city_idp_other_rsa.pem");
pub const CLIENT_ID: &str = "civicdesk-test";
pub const CLIENT_SECRET: &str = "a-client-secret-for-tests";

/// How the next ID token is spoiled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Forgery {
    #[default]
    None,
    WrongIssuer,
    WrongAudience,
    WrongNonce,
    Expired,
    /// Signed by a key the provider does not publish.
    OtherKey,
    /// `alg: none`, no signature.
    Unsigned,
}

/// Who the provider signs in next: OIDC claims, or TaipeiPASS's `data`.
#[derive(Debug, Clone)]
pub struct Person {
    pub subject: String,
    pub name: String,
    pub email: Option<(String, bool)>,
    pub phone: Option<(String, bool)>,
    /// TaipeiPASS `verifyLevel`.
    pub verify_level: &'static str,
}

struct Grant {
    nonce: Option<String>,
    challenge: String,
    redirect_uri: String,
    person: Person,
}

#[derive(Default)]
struct Inner {
    person: Option<Person>,
    forgery: Forgery,
    codes: HashMap<String, Grant>,
    tokens: HashMap<String, Person>,
    /// The ID token carries only the subject; the profile is at the user-info endpoint.
    profile_in_user_info: bool,
    next: u64,
}

#[derive(Clone)]
pub struct CityIdp {
    pub base: String,
    inner: Arc<Mutex<Inner>>,
}

impl CityIdp {
    pub async fn start() -> CityIdp {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let idp = CityIdp {
            base,
            inner: Arc::new(Mutex::new(Inner::default())),
        };
        let app = Router::new()
            .route("/oidc/.well-known/openid-configuration", get(discovery))
            .route("/oidc/jwks", get(jwks))
            .route("/oidc/authorize", get(authorize))
            .route("/oidc/token", post(oidc_token))
            .route("/oidc/userinfo", get(oidc_user_info))
            .route("/oauth/authorize", get(authorize))
            .route("/oauth/token", post(oauth_token))
            .route("/api/v1.0.9/user/my", get(user_my))
            .with_state(idp.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        idp
    }

    pub fn issuer(&self) -> String {
        format!("{}/oidc", self.base)
    }

    pub fn will_sign_in(&self, person: Person) {
        self.inner.lock().unwrap().person = Some(person);
    }

    /// Puts the person's profile only in the user-info answer, as some providers do.
    pub fn profile_in_user_info(&self, yes: bool) {
        self.inner.lock().unwrap().profile_in_user_info = yes;
    }

    pub fn forge(&self, forgery: Forgery) {
        self.inner.lock().unwrap().forgery = forgery;
    }

    /// The OIDC provider's settings for civicdesk.
    pub fn oidc_provider(&self, id: &str) -> platform::login::LoginProvider {
        platform::login::LoginProvider {
            id: id.into(),
            jurisdiction: crate::support::TAIPEI.into(),
            name_zh: "市府登入".into(),
            name_en: "City login".into(),
            protocol: platform::login::LoginProtocol::Oidc,
            issuer: Some(self.issuer()),
            authorize_url: None,
            token_url: None,
            userinfo_url: None,
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            scopes: vec![
                "openid".into(),
                "email".into(),
                "phone".into(),
                "profile".into(),
            ],
            claims: None,
        }
    }

    /// The TaipeiPASS-shaped provider's settings for civicdesk.
    pub fn taipeipass_provider(&self) -> platform::login::LoginProvider {
        platform::login::LoginProvider {
            id: "taipeipass".into(),
            jurisdiction: crate::support::TAIPEI.into(),
            name_zh: "台北通".into(),
            name_en: "TaipeiPASS".into(),
            protocol: platform::login::LoginProtocol::Oauth2,
            issuer: None,
            authorize_url: Some(format!("{}/oauth/authorize", self.base)),
            token_url: Some(format!("{}/oauth/token", self.base)),
            userinfo_url: Some(format!("{}/api/v1.0.9/user/my", self.base)),
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            scopes: vec!["profile".into()],
            claims: None,
        }
    }
}

fn key(pem: &str) -> CoreRsaPrivateSigningKey {
    CoreRsaPrivateSigningKey::from_pem(pem, Some(JsonWebKeyId::new("k1".into()))).expect("key")
}

async fn discovery(State(idp): State<CityIdp>) -> Response {
    let issuer = idp.issuer();
    let metadata = CoreProviderMetadata::new(
        IssuerUrl::new(issuer.clone()).unwrap(),
        AuthUrl::new(format!("{issuer}/authorize")).unwrap(),
        JsonWebKeySetUrl::new(format!("{issuer}/jwks")).unwrap(),
        vec![ResponseTypes::new(vec![CoreResponseType::Code])],
        vec![CoreSubjectIdentifierType::Public],
        vec![CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256],
        EmptyAdditionalProviderMetadata {},
    )
    .set_token_endpoint(Some(TokenUrl::new(format!("{issuer}/token")).unwrap()))
    .set_userinfo_endpoint(Some(
        openidconnect::UserInfoUrl::new(format!("{issuer}/userinfo")).unwrap(),
    ));
    let mut doc = serde_json::to_value(metadata).unwrap();
    // RP-Initiated Logout: where a relying party sends the browser to end the session here.
    doc["end_session_endpoint"] = format!("{issuer}/logout").into();
    axum::Json(doc).into_response()
}

async fn jwks() -> Response {
    axum::Json(
        serde_json::to_value(CoreJsonWebKeySet::new(vec![key(KEY).as_verification_key()])).unwrap(),
    )
    .into_response()
}

#[derive(Deserialize)]
struct AuthorizeQuery {
    redirect_uri: String,
    state: String,
    #[serde(default)]
    nonce: Option<String>,
    code_challenge: String,
    code_challenge_method: String,
    client_id: String,
}

/// Signs the chosen person in at once and sends the browser back with a code.
async fn authorize(State(idp): State<CityIdp>, Query(q): Query<AuthorizeQuery>) -> Response {
    if q.client_id != CLIENT_ID || q.code_challenge_method != "S256" {
        return (StatusCode::BAD_REQUEST, "bad client or PKCE method").into_response();
    }
    let mut inner = idp.inner.lock().unwrap();
    let Some(person) = inner.person.clone() else {
        return Redirect::to(&format!(
            "{}?error=access_denied&state={}",
            q.redirect_uri, q.state
        ))
        .into_response();
    };
    inner.next += 1;
    let code = format!("code-{}", inner.next);
    inner.codes.insert(
        code.clone(),
        Grant {
            nonce: q.nonce,
            challenge: q.code_challenge,
            redirect_uri: q.redirect_uri.clone(),
            person,
        },
    );
    Redirect::to(&format!("{}?code={code}&state={}", q.redirect_uri, q.state)).into_response()
}

#[derive(Deserialize)]
struct TokenForm {
    grant_type: String,
    code: String,
    redirect_uri: String,
    code_verifier: String,
    #[serde(default)]
    client_id: Option<String>,
    #[serde(default)]
    client_secret: Option<String>,
}

/// OAuth's refusal of a token request.
fn refused(what: &str) -> Response {
    let body = json!({"error": "invalid_grant", "error_description": what});
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// The grant of a code, once, if the client, the redirect and the PKCE verifier fit.
fn redeem(idp: &CityIdp, headers: &HeaderMap, f: &TokenForm) -> Result<Grant, &'static str> {
    let refuse = |what: &'static str| what;
    // The client authenticates by HTTP Basic (openidconnect) or in the form (TaipeiPASS).
    let expected = format!(
        "Basic {}",
        base64_std(format!("{CLIENT_ID}:{CLIENT_SECRET}").as_bytes())
    );
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| h == expected);
    let in_form = f.client_id.as_deref() == Some(CLIENT_ID)
        && f.client_secret.as_deref() == Some(CLIENT_SECRET);
    if !(basic || in_form) || f.grant_type != "authorization_code" {
        return Err(refuse("client"));
    }
    let grant = idp
        .inner
        .lock()
        .unwrap()
        .codes
        .remove(&f.code)
        .ok_or_else(|| refuse("code"))?;
    let expected = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
        f.code_verifier.clone(),
    ));
    if expected.as_str() != grant.challenge || f.redirect_uri != grant.redirect_uri {
        return Err(refuse("pkce or redirect"));
    }
    Ok(grant)
}

async fn oidc_token(
    State(idp): State<CityIdp>,
    headers: HeaderMap,
    Form(f): Form<TokenForm>,
) -> Response {
    let grant = match redeem(&idp, &headers, &f) {
        Ok(g) => g,
        Err(what) => return refused(what),
    };
    let (forgery, profile_in_user_info, access_token) = {
        let mut inner = idp.inner.lock().unwrap();
        inner.next += 1;
        let token = format!("oidc-access-{}", inner.next);
        inner.tokens.insert(token.clone(), grant.person.clone());
        (inner.forgery, inner.profile_in_user_info, token)
    };
    let now = chrono::Utc::now();
    let issuer = match forgery {
        Forgery::WrongIssuer => "https://elsewhere.example/".to_string(),
        _ => idp.issuer(),
    };
    let audience = match forgery {
        Forgery::WrongAudience => "someone-else",
        _ => CLIENT_ID,
    };
    let nonce = match forgery {
        Forgery::WrongNonce => Some("not-the-nonce".to_string()),
        _ => grant.nonce.clone(),
    };
    let expires = match forgery {
        Forgery::Expired => now - chrono::Duration::minutes(5),
        _ => now + chrono::Duration::minutes(5),
    };
    let p = &grant.person;
    let mut standard = StandardClaims::new(SubjectIdentifier::new(p.subject.clone()));
    if !profile_in_user_info {
        standard = profile(standard, p);
    }
    let standard = standard;
    let claims = CoreIdTokenClaims::new(
        IssuerUrl::new(issuer).unwrap(),
        vec![Audience::new(audience.into())],
        expires,
        now - chrono::Duration::seconds(5),
        standard,
        EmptyAdditionalClaims {},
    )
    .set_nonce(nonce.map(Nonce::new));
    let id_token = match forgery {
        Forgery::Unsigned => {
            let b64 = |v: &Value| base64_url(&serde_json::to_vec(v).unwrap());
            format!(
                "{}.{}.",
                b64(&json!({"alg": "none", "typ": "JWT"})),
                b64(&serde_json::to_value(&claims).unwrap())
            )
        }
        _ => {
            let pem = if forgery == Forgery::OtherKey {
                OTHER_KEY
            } else {
                KEY
            };
            CoreIdToken::new(
                claims,
                &key(pem),
                CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
                None,
                None,
            )
            .unwrap()
            .to_string()
        }
    };
    axum::Json(json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
    .into_response()
}

/// The standard profile claims of a person.
fn profile(
    standard: StandardClaims<openidconnect::core::CoreGenderClaim>,
    p: &Person,
) -> StandardClaims<openidconnect::core::CoreGenderClaim> {
    let mut standard =
        standard.set_name(Some(LocalizedClaim::from(EndUserName::new(p.name.clone()))));
    if let Some((email, verified)) = &p.email {
        standard = standard
            .set_email(Some(EndUserEmail::new(email.clone())))
            .set_email_verified(Some(*verified));
    }
    if let Some((phone, verified)) = &p.phone {
        standard = standard
            .set_phone_number(Some(EndUserPhoneNumber::new(phone.clone())))
            .set_phone_number_verified(Some(*verified));
    }
    standard
}

/// OIDC user info: the profile of the bearer's person.
async fn oidc_user_info(State(idp): State<CityIdp>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or_default();
    let Some(p) = idp.inner.lock().unwrap().tokens.get(token).cloned() else {
        return StatusCode::UNAUTHORIZED.into_response();
    };
    let standard = profile(
        StandardClaims::new(SubjectIdentifier::new(p.subject.clone())),
        &p,
    );
    let claims = openidconnect::UserInfoClaims::new(standard, EmptyAdditionalClaims {});
    axum::Json(serde_json::to_value(claims).unwrap()).into_response()
}

async fn oauth_token(
    State(idp): State<CityIdp>,
    headers: HeaderMap,
    Form(f): Form<TokenForm>,
) -> Response {
    let grant = match redeem(&idp, &headers, &f) {
        Ok(g) => g,
        Err(what) => return refused(what),
    };
    let mut inner = idp.inner.lock().unwrap();
    inner.next += 1;
    let token = format!("tp-access-{}", inner.next);
    inner.tokens.insert(token.clone(), grant.person);
    axum::Json(json!({"access_token": token, "token_type": "Bearer", "expires_in": 300}))
        .into_response()
}

/// TaipeiPASS's member profile, for the bearer of a token it issued.
async fn user_my(State(idp): State<CityIdp>, headers: HeaderMap) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .unwrap_or_default();
    let Some(p) = idp.inner.lock().unwrap().tokens.get(token).cloned() else {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({"error": "invalid_token"})),
        )
            .into_response();
    };
    axum::Json(json!({"data": {
        "id": p.subject,
        "account": "member",
        "realName": p.name,
        "idNo": "A123456789",
        "email": p.email.map(|e| e.0),
        "phoneNo": p.phone.map(|e| e.0),
        "memberType": "personal",
        "verifyLevel": p.verify_level,
    }}))
    .into_response()
}

/// Base64url without padding (RFC 7515 §2), for the unsigned token.
fn base64_url(bytes: &[u8]) -> String {
    base64(
        bytes,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        false,
    )
}

/// Base64 of RFC 4648 §4 with its padding, for HTTP Basic.
fn base64_std(bytes: &[u8]) -> String {
    base64(
        bytes,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        true,
    )
}

fn base64(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(char::from(alphabet[((n >> (18 - 6 * i)) & 63) as usize]));
        }
        if pad {
            out.extend(std::iter::repeat_n('=', 3 - chunk.len()));
        }
    }
    out
}
