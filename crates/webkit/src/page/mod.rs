//! The page frame every module's pages share: [`Page`] (language, navigation, form token,
//! status message), [`PageError`] (an HTML error page in the viewer's language), form errors
//! ([`forms`]), dates as people read them ([`dates`]), safe local paths ([`paths`]), the embedded
//! assets ([`assets`]) and the navigation registry ([`nav`]) that modules add their menu entries
//! to. The base templates (`base.html`, `error.html`, `errors.html`, `admin/crumb.html`,
//! `admin/macros.html`) are in `crates/webkit/templates/`; a module's `askama.toml` lists that
//! directory after its own. Who the viewer is (a session, a form cookie) is identity's
//! (`identity::doors::Viewer`); the frame only asks it through [`Visitor`].

pub mod admin;
pub mod assets;
pub mod dates;
mod error;
pub mod forms;
pub mod nav;
pub mod paths;
mod stop;

pub use error::{PageError, html, see_other};
pub use nav::{AdminSection, MenuEntry, Navigation, Visitor};
pub use paths::{decode, encode, safe_back};
pub use stop::{PageResult, Stop, failed};

use crate::DoorState;
use axum::http::{StatusCode, header};
use domain::catalog::Jurisdiction;
use domain::{Locale, Message};

/// One link of the main navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

/// The frame every template gets: language, navigation, the form token and a status message.
pub struct Page {
    pub locale: Locale,
    /// The page's heading, and its title in the browser.
    pub title: String,
    /// Before the title in the browser only (`Error: `), never in the heading.
    pub title_prefix: String,
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
    /// The header's search box for this viewer: where it is sent and its label.
    pub search: Option<(&'static str, String)>,
}

impl Page {
    pub fn new(v: &dyn Visitor, state: &impl DoorState, title_id: &str, section: &str) -> Page {
        let t = |id: &str| v.t(id);
        let doors = state.doors();
        let nav = doors.navigation.main_menu(v);
        let search = doors.navigation.search_box(v);
        let (other_lang_label, other_lang_tag, code) = match v.locale() {
            Locale::ZhTw => ("English", "en", "en"),
            Locale::En => ("中文", "zh-Hant-TW", "zh-TW"),
        };
        let back = strip_lang(v.here());
        Page {
            locale: v.locale(),
            title: t(title_id),
            title_prefix: String::new(),
            nav: nav
                .into_iter()
                .map(|(href, key, label)| NavItem {
                    href,
                    label,
                    current: key == section,
                })
                .collect(),
            csrf: v.csrf().to_string(),
            signed_in_as: v.signed_in_label().map(str::to_string),
            signed_in: v.signed_in_label().is_some(),
            other_lang_label,
            other_lang_tag,
            other_lang_href: format!("/lang/{code}?back={}", encode(&back)),
            status: None,
            map_tiles: doors.map_tiles.clone(),
            asset_version: assets::version(),
            search,
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
            title: crate::i18n::tr(locale, title_id, &[]),
            title_prefix: String::new(),
            nav: vec![NavItem {
                href: "/",
                label: crate::i18n::tr(locale, "nav-home", &[]),
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
            asset_version: assets::version(),
            search: None,
        }
    }

    pub fn with_title(mut self, title: String) -> Page {
        self.title = title;
        self
    }

    /// Marks the title of a page that shows errors, so screen readers hear it first.
    pub fn with_errors(mut self, errors: &forms::Errors) -> Page {
        if !errors.is_empty() {
            self.title_prefix = format!("{} ", self.t("error-title-prefix"));
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
        crate::i18n::tr(self.locale, id.as_ref(), &[])
    }

    /// A message with one argument.
    pub fn t1(&self, id: &str, name: &str, value: impl AsRef<str>) -> String {
        crate::i18n::tr(self.locale, id, &[(name, value.as_ref().to_string())])
    }

    pub fn msg(&self, m: &Message) -> String {
        crate::i18n::message(self.locale, m)
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
pub async fn jurisdiction(
    platform: &platform::Platform,
    locale: Locale,
) -> Result<Jurisdiction, PageError> {
    let found = match platform.config().default_jurisdiction.clone() {
        Some(id) => platform.jurisdiction(&id).await.map(Some),
        None => platform
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
