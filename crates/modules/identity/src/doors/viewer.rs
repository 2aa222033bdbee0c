//! What every page knows about its viewer: the language, the signed-in account (if any), the
//! form token, and (through [`Visitor`]) what the frame's navigation may offer that account.
//! Forms echo the token ([`check_token`]); [`render`] sets a new visitor's form cookie.

use super::SignInState;
use crate::accounts::SessionStage;
use crate::store::sessions::Session;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use domain::{Locale, Message};
use platform::authz::{Actor, Permission};
use webkit::page::{PageError, Stop, Visitor, encode, html, set_cookie_header};
use webkit::{ClientAddr, DoorState, Lang, cookie};

/// The cookie that remembers the language chosen with the switch.
pub const LANG_COOKIE: &str = "civicdesk_lang";
/// The cookie that carries the form token of a visitor who is not signed in (on plain http;
/// see [`form_cookie_name`]).
pub const FORM_COOKIE: &str = "civicdesk_form";
/// Its name when the public URL is https: a `__Host-` cookie is only accepted by browsers
/// from this very host over https with `Path=/`, so a sibling subdomain or a man in the middle
/// cannot plant one. Plain http cannot use the prefix; there the signature below still refuses
/// a planted value, but not a pair the planter obtained from us (use https in production).
pub const HOST_FORM_COOKIE: &str = "__Host-civicdesk_form";

pub fn form_cookie_name(secure: bool) -> &'static str {
    if secure {
        HOST_FORM_COOKIE
    } else {
        FORM_COOKIE
    }
}

/// The visitor's form cookie is `<nonce>.<signature>`; the token forms echo is another
/// signature of the nonce. A cookie the server did not issue carries no valid signature, so a
/// chosen value planted in a browser is never accepted as a token.
const FORM_COOKIE_PURPOSE: &str = "form-cookie";
const FORM_TOKEN_PURPOSE: &str = "form-token";

/// The form token that goes with a visitor's form cookie, if the server issued that cookie.
pub fn visitor_form_token(platform: &platform::Platform, cookie_value: &str) -> Option<String> {
    let (nonce, signature) = cookie_value.split_once('.')?;
    let well_formed = nonce.len() == 32 && nonce.bytes().all(|b| b.is_ascii_hexdigit());
    (well_formed && platform.verify_signature(FORM_COOKIE_PURPOSE, nonce, signature))
        .then(|| platform.sign(FORM_TOKEN_PURPOSE, nonce))
}

/// A new visitor form cookie value and its token.
fn new_visitor_form(platform: &platform::Platform) -> (String, String) {
    let nonce = platform::secrets::token_of::<16>();
    let cookie = format!("{nonce}.{}", platform.sign(FORM_COOKIE_PURPOSE, &nonce));
    (cookie, platform.sign(FORM_TOKEN_PURPOSE, &nonce))
}

/// Who is looking at the page.
pub struct Viewer {
    pub locale: Locale,
    pub actor: Option<Actor>,
    pub session: Option<Session>,
    pub stage: Option<SessionStage>,
    /// The token forms must echo: the session's, or the one signed for the visitor cookie.
    pub csrf: String,
    /// A visitor form cookie value that still has to be set.
    pub new_form_cookie: Option<String>,
    /// Path and query of this request, for the language switch.
    pub here: String,
    pub client: String,
    pub cross_site: bool,
}

impl Viewer {
    /// The signed-in account, only when its session has passed every stage.
    pub fn signed_in(&self) -> Option<&Actor> {
        match self.stage {
            Some(SessionStage::Full) => self.actor.as_ref(),
            _ => None,
        }
    }

    pub fn may(&self, p: Permission) -> bool {
        self.signed_in().is_some_and(|a| a.may_somewhere(p))
    }

    pub fn is_citizen(&self) -> bool {
        self.signed_in().is_some_and(Actor::is_citizen)
    }

    pub fn t(&self, id: &str) -> String {
        webkit::i18n::tr(self.locale, id, &[])
    }

    pub fn msg(&self, m: &Message) -> String {
        webkit::i18n::message(self.locale, m)
    }
}

fn query_param<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .uri
        .query()?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub fn locale_of(parts: &Parts, fallback: Locale) -> Locale {
    query_param(parts, "lang")
        .and_then(Locale::from_tag)
        .or_else(|| cookie(&parts.headers, LANG_COOKIE).and_then(Locale::from_tag))
        .unwrap_or(fallback)
}

fn is_cross_site(headers: &HeaderMap) -> bool {
    headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("cross-site"))
}

impl<S: SignInState> FromRequestParts<S> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Ok(Lang(negotiated)) = Lang::from_request_parts(parts, state).await;
        let locale = locale_of(parts, negotiated);
        let Ok(ClientAddr(client)) = ClientAddr::from_request_parts(parts, state).await;
        let found = super::browser_session(parts, state)
            .await
            .map_err(|e| PageError::service(e, locale))?;
        let (actor, session, stage) = match found {
            Some((a, s, st)) => (Some(a), Some(s), Some(st)),
            None => (None, None, None),
        };
        let platform = state.identity().platform();
        let visitor = cookie(&parts.headers, form_cookie_name(state.secure_cookies()))
            .and_then(|v| visitor_form_token(platform, v));
        let (csrf, new_form_cookie) = match (&session, visitor) {
            (Some(s), _) => (s.csrf_token.clone(), None),
            (None, Some(token)) => (token, None),
            (None, None) => {
                let (cookie, token) = new_visitor_form(platform);
                (token, Some(cookie))
            }
        };
        let here = parts
            .uri
            .path_and_query()
            .map_or("/", |pq| pq.as_str())
            .to_string();
        Ok(Viewer {
            locale,
            actor,
            session,
            stage,
            csrf,
            new_form_cookie,
            here,
            client,
            cross_site: is_cross_site(&parts.headers),
        })
    }
}

impl<S: SignInState> OptionalFromRequestParts<S> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        <Viewer as FromRequestParts<S>>::from_request_parts(parts, state)
            .await
            .map(Some)
    }
}

impl Visitor for Viewer {
    fn locale(&self) -> Locale {
        self.locale
    }

    fn here(&self) -> &str {
        &self.here
    }

    fn csrf(&self) -> &str {
        &self.csrf
    }

    fn signed_in_label(&self) -> Option<&str> {
        self.signed_in().map(|a| a.label.as_str())
    }

    fn may(&self, p: Permission) -> bool {
        Viewer::may(self, p)
    }

    fn is_citizen(&self) -> bool {
        Viewer::is_citizen(self)
    }
}

/// The signed-in staff member, if they hold `permission` anywhere. Someone not signed in is
/// sent to sign in (and back here after); a half-finished sign-in to its next step; anyone
/// else without the permission gets 403.
pub fn gate(v: &Viewer, permission: Permission) -> Result<&Actor, Stop> {
    match (v.signed_in(), v.stage) {
        (Some(actor), _) if actor.is_staff() && actor.may_somewhere(permission) => Ok(actor),
        (Some(_), _) => Err(Stop::Page(PageError::new(
            StatusCode::FORBIDDEN,
            "error-forbidden",
            v.locale,
        ))),
        (None, Some(SessionStage::EnrolSecondFactor)) => {
            Err(Stop::Redirect("/account/second-factor".into()))
        }
        (None, Some(SessionStage::SecondFactor)) => Err(Stop::Redirect("/sign-in/code".into())),
        (None, _) => Err(Stop::Redirect(format!("/sign-in?back={}", encode(&v.here)))),
    }
}

/// The signed-in actor if they hold `permission`: otherwise a redirect to sign in (with the
/// way back), or 403.
pub fn require(v: &Viewer, permission: Permission) -> Result<&Actor, Stop> {
    let Some(actor) = v.signed_in() else {
        let path = v.here.split('?').next().unwrap_or("/admin");
        return Err(Stop::Redirect(format!("/sign-in?back={}", encode(path))));
    };
    if !v.may(permission) {
        return Err(Stop::Page(PageError::new(
            StatusCode::FORBIDDEN,
            "error-forbidden",
            v.locale,
        )));
    }
    Ok(actor)
}

/// Refuses a form post that is cross-site or does not echo the viewer's token.
pub fn check_token(v: &Viewer, sent: &str) -> Result<(), PageError> {
    let expected = v.csrf.as_bytes();
    let same = v.new_form_cookie.is_none()
        && sent.len() == expected.len()
        && sent
            .bytes()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if v.cross_site || !same {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "error-form-expired",
            v.locale,
        ));
    }
    Ok(())
}

/// Renders a page for `v` with `status`, setting the visitor's form cookie when it is new.
pub fn render<T: askama::Template>(
    v: &Viewer,
    state: &impl DoorState,
    status: StatusCode,
    page: &T,
) -> axum::response::Response {
    let mut response = html(status, page.render());
    if let Some(cookie) = &v.new_form_cookie {
        let secure = state.secure_cookies();
        let (name, value) =
            set_cookie_header(form_cookie_name(secure), cookie, 60 * 60 * 24 * 30, secure);
        if let Ok(value) = HeaderValue::from_str(&format!("{value}; HttpOnly")) {
            response.headers_mut().append(name, value);
        }
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    /// F22: on https the form cookie is a `__Host-` cookie (Secure, Path=/, no Domain), which
    /// no sibling subdomain can set; plain http cannot use the prefix.
    #[test]
    fn the_form_cookie_is_a_host_cookie_on_https() {
        assert_eq!(form_cookie_name(true), "__Host-civicdesk_form");
        assert_eq!(form_cookie_name(false), "civicdesk_form");
        let (_, header) = set_cookie_header(form_cookie_name(true), "n.s", 60, true);
        assert!(
            header.starts_with("__Host-civicdesk_form=n.s; Path=/;"),
            "{header}"
        );
        assert!(
            header.contains("; Secure") && !header.contains("Domain"),
            "{header}"
        );
    }
}
