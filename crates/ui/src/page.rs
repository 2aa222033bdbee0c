//! What every page knows about its viewer: the language, the signed-in account (if any), the
//! form token, and the navigation that account may use.

use crate::PageError;
use crate::dates;
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use domain::catalog::Jurisdiction;
use domain::{Locale, Message};
use identity::accounts::SessionStage;
use identity::store::sessions::Session;
use platform::authz::{Actor, Permission};
use web::AppState;
use webkit::{ClientAddr, Lang, cookie};

pub use crate::paths::{decode, encode, safe_back};

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
    /// The modules this instance runs: menus offer only what they serve.
    pub modules: platform::ModulesConfig,
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

impl FromRequestParts<AppState> for Viewer {
    type Rejection = crate::PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Ok(Lang(negotiated)) = Lang::from_request_parts(parts, state).await;
        let locale = locale_of(parts, negotiated);
        let Ok(ClientAddr(client)) = ClientAddr::from_request_parts(parts, state).await;
        let found = identity::doors::browser_session(parts, state)
            .await
            .map_err(|e| crate::PageError::service(e, locale))?;
        let (actor, session, stage) = match found {
            Some((a, s, st)) => (Some(a), Some(s), Some(st)),
            None => (None, None, None),
        };
        let visitor = cookie(&parts.headers, form_cookie_name(state.web.secure_cookies))
            .and_then(|v| visitor_form_token(&state.platform, v));
        let (csrf, new_form_cookie) = match (&session, visitor) {
            (Some(s), _) => (s.csrf_token.clone(), None),
            (None, Some(token)) => (token, None),
            (None, None) => {
                let (cookie, token) = new_visitor_form(&state.platform);
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
            modules: state.platform.config().modules,
        })
    }
}

impl OptionalFromRequestParts<AppState> for Viewer {
    type Rejection = crate::PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        <Viewer as FromRequestParts<AppState>>::from_request_parts(parts, state)
            .await
            .map(Some)
    }
}

/// One link of the main navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

/// The frame every template gets: language, navigation, the form token and a status message.
pub struct Page {
    pub locale: Locale,
    pub title: String,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    pub signed_in_as: Option<String>,
    pub signed_in: bool,
    /// The language switch: the other language's label, tag and the URL that selects it.
    pub other_lang_label: &'static str,
    pub other_lang_tag: &'static str,
    pub other_lang_href: String,
    /// A message announced to assistive technology (`role="status"`).
    pub status: Option<String>,
    pub map_tiles: Option<String>,
    pub asset_version: &'static str,
}

impl Page {
    pub fn new(v: &Viewer, state: &AppState, title_id: &str, section: &str) -> Page {
        let t = |id: &str| v.t(id);
        let nav = crate::nav::main_menu(v);
        let (other_lang_label, other_lang_tag, code) = match v.locale {
            Locale::ZhTw => ("English", "en", "en"),
            Locale::En => ("中文", "zh-Hant-TW", "zh-TW"),
        };
        let back = strip_lang(&v.here);
        Page {
            locale: v.locale,
            title: t(title_id),
            nav: nav
                .into_iter()
                .map(|(href, key, label)| NavItem {
                    href,
                    label,
                    current: key == section,
                })
                .collect(),
            csrf: v.csrf.clone(),
            signed_in_as: v.signed_in().map(|a| a.label.clone()),
            signed_in: v.signed_in().is_some(),
            other_lang_label,
            other_lang_tag,
            other_lang_href: format!("/lang/{code}?back={}", encode(&back)),
            status: None,
            map_tiles: state.web.map_tiles.clone(),
            asset_version: crate::assets::version(),
        }
    }

    /// A page for a request whose viewer is unknown (an error before the viewer was read).
    pub fn bare(locale: Locale, title_id: &str) -> Page {
        let code = match locale {
            Locale::ZhTw => "en",
            Locale::En => "zh-TW",
        };
        Page {
            locale,
            title: webkit::i18n::tr(locale, title_id, &[]),
            nav: vec![NavItem {
                href: "/",
                label: webkit::i18n::tr(locale, "nav-home", &[]),
                current: false,
            }],
            csrf: String::new(),
            signed_in_as: None,
            signed_in: false,
            other_lang_label: if locale == Locale::ZhTw {
                "English"
            } else {
                "中文"
            },
            other_lang_tag: if locale == Locale::ZhTw {
                "en"
            } else {
                "zh-Hant-TW"
            },
            other_lang_href: format!("/lang/{code}?back=/"),
            status: None,
            map_tiles: None,
            asset_version: crate::assets::version(),
        }
    }

    pub fn with_title(mut self, title: String) -> Page {
        self.title = title;
        self
    }

    /// Marks the title of a page that shows errors, so screen readers hear it first.
    pub fn with_errors(mut self, errors: &crate::forms::Errors) -> Page {
        if !errors.is_empty() {
            self.title = format!("{} {}", self.t("error-title-prefix"), self.title);
        }
        self
    }

    /// Text that people entered (a staff member's name, a category or a department, a
    /// calendar day's name) for `{{ p.data(x)|safe }}`: escaped, and on an English page
    /// wrapped in `<span lang="zh-Hant-TW">` when it is written in Chinese, so a screen
    /// reader reads it with a Chinese voice (WCAG 3.1.2).
    pub fn data(&self, text: impl AsRef<str>) -> String {
        let text = text.as_ref();
        let escaped = escape_html(text);
        if self.foreign(text) {
            format!("<span lang=\"zh-Hant-TW\">{escaped}</span>")
        } else {
            escaped
        }
    }

    /// The `lang` attribute for an element holding only `text` (an `<option>`, a cell), for
    /// `<option{{ p.lang_attr(x)|safe }}>`: ` lang="zh-Hant-TW"` when `p.data` would wrap it.
    pub fn lang_attr(&self, text: impl AsRef<str>) -> &'static str {
        if self.foreign(text.as_ref()) {
            " lang=\"zh-Hant-TW\""
        } else {
            ""
        }
    }

    /// Whether `text` is Chinese shown on a page that is not.
    fn foreign(&self, text: &str) -> bool {
        self.locale != Locale::ZhTw && has_han(text)
    }

    /// A catalogue text (category, district, department name) in the page's language.
    pub fn loc(&self, text: &domain::Localized) -> String {
        text.get(self.locale).to_string()
    }

    pub fn with_status(mut self, status: Option<String>) -> Page {
        self.status = status;
        self
    }

    /// The `lang` attribute of the page.
    pub fn lang(&self) -> &'static str {
        match self.locale {
            Locale::ZhTw => "zh-Hant-TW",
            Locale::En => "en",
        }
    }

    pub fn t(&self, id: impl AsRef<str>) -> String {
        webkit::i18n::tr(self.locale, id.as_ref(), &[])
    }

    /// A message with one argument.
    pub fn t1(&self, id: &str, name: &str, value: impl AsRef<str>) -> String {
        webkit::i18n::tr(self.locale, id, &[(name, value.as_ref().to_string())])
    }

    pub fn msg(&self, m: &Message) -> String {
        webkit::i18n::message(self.locale, m)
    }

    /// A date and time as shown on this page (ROC years on zh-TW pages).
    pub fn datetime(&self, unix: impl Unix) -> String {
        dates::display_datetime(unix.unix(), self.locale)
    }

    pub fn date(&self, unix: impl Unix) -> String {
        dates::display_date(unix.unix(), self.locale)
    }

    /// The machine-readable form for `<time datetime>`.
    pub fn iso(&self, unix: impl Unix) -> String {
        dates::iso(unix.unix())
    }

    pub fn status_label(&self, code: impl AsRef<str>) -> String {
        self.t(format!("case-status-{}", code.as_ref()))
    }
}

/// A unix time, by value or by reference (templates hand over either).
pub trait Unix {
    fn unix(&self) -> i64;
}

impl Unix for i64 {
    fn unix(&self) -> i64 {
        *self
    }
}

impl<T: Unix + ?Sized> Unix for &T {
    fn unix(&self) -> i64 {
        (**self).unix()
    }
}

/// The path without any `lang=` parameter, for the switch's way back.
fn strip_lang(here: &str) -> String {
    match here.split_once('?') {
        None => here.to_string(),
        Some((path, query)) => {
            let rest: Vec<&str> = query
                .split('&')
                .filter(|kv| !kv.starts_with("lang="))
                .collect();
            if rest.is_empty() {
                path.to_string()
            } else {
                format!("{path}?{}", rest.join("&"))
            }
        }
    }
}

pub fn set_cookie_header(
    name: &str,
    value: &str,
    max_age: i64,
    secure: bool,
) -> (header::HeaderName, String) {
    let secure = if secure { "; Secure" } else { "" };
    (
        header::SET_COOKIE,
        format!("{name}={value}; Path=/; SameSite=Lax; Max-Age={max_age}{secure}"),
    )
}

/// Whether `text` has a Han character (CJK ideographs, their extensions and compatibility
/// forms), i.e. is written at least partly in Chinese.
pub fn has_han(text: &str) -> bool {
    text.chars().any(|c| {
        matches!(c as u32,
            0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
    })
}

/// `text` escaped for HTML text and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The jurisdiction the pages serve: the configured default, else the first one.
pub async fn jurisdiction(state: &AppState, locale: Locale) -> Result<Jurisdiction, PageError> {
    let found = match state.platform.config().default_jurisdiction.clone() {
        Some(id) => state.platform.jurisdiction(&id).await.map(Some),
        None => state
            .platform
            .jurisdictions()
            .await
            .map(|all| all.into_iter().next()),
    }
    .map_err(|e| PageError::service(e, locale))?;
    found.ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "error-no-jurisdiction", locale))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switch_drops_the_old_language_and_goes_back_only_locally() {
        assert_eq!(strip_lang("/track?lang=en&x=1"), "/track?x=1");
        assert_eq!(strip_lang("/?lang=en"), "/");
        assert_eq!(safe_back(Some("/work?x=1")), "/work?x=1");
        assert_eq!(decode(&encode("/work?q=路燈 壞了")), "/work?q=路燈 壞了");
        assert_eq!(decode("a%2"), "a%2");
    }

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

    #[test]
    fn chinese_data_on_an_english_page_is_marked_as_chinese() {
        assert!(has_han("林小美"));
        assert!(has_han("Team 臺北"));
        assert!(!has_han("Lin Hsiao-mei"));
        assert!(!has_han("１９９９ — ok"));
        let en = Page::bare(Locale::En, "nav-home");
        assert_eq!(
            en.data("林<小>美"),
            "<span lang=\"zh-Hant-TW\">林&lt;小&gt;美</span>"
        );
        assert_eq!(en.data("Lin & Co"), "Lin &amp; Co");
        assert_eq!(en.lang_attr("公園路燈"), " lang=\"zh-Hant-TW\"");
        let zh = Page::bare(Locale::ZhTw, "nav-home");
        assert_eq!(zh.data("林小美"), "林小美");
        assert_eq!(zh.lang_attr("林小美"), "");
    }
}
