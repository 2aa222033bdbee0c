//! The two languages civicdesk speaks. zh-TW is the default and the authoritative text.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    #[serde(rename = "zh-TW")]
    ZhTw,
    #[serde(rename = "en")]
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::ZhTw, Locale::En];

    /// The BCP 47 tag used in `lang` attributes and catalogue file names.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhTw => "zh-TW",
            Locale::En => "en",
        }
    }

    /// Parses a single language tag leniently: `en`, `en-GB` → English; `zh`, `zh-TW`,
    /// `zh-Hant`, `zh-HK` → zh-TW. Simplified Chinese tags also map to zh-TW, the only Chinese
    /// catalogue we have, rather than falling through to English.
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Locale::En),
            "zh" => Some(Locale::ZhTw),
            _ => None,
        }
    }

    /// Picks the best locale from an `Accept-Language` header value, honouring q-values.
    pub fn negotiate(accept_language: &str) -> Option<Locale> {
        let mut best: Option<(f32, usize, Locale)> = None;
        for (index, part) in accept_language.split(',').enumerate() {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or_default();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q <= 0.0 {
                continue;
            }
            if let Some(locale) = Locale::from_tag(tag) {
                let better = match best {
                    None => true,
                    Some((bq, bi, _)) => q > bq || (q == bq && index < bi),
                };
                if better {
                    best = Some((q, index, locale));
                }
            }
        }
        best.map(|(_, _, l)| l)
    }
}

/// A text held in both languages. Chinese is required; English falls back to Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Localized {
    pub zh: String,
    pub en: String,
}

impl Localized {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Self {
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, locale: Locale) -> &str {
        match locale {
            Locale::En if !self.en.is_empty() => &self.en,
            _ => &self.zh,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_with_quality_values() {
        assert_eq!(Locale::negotiate("en"), Some(Locale::En));
        assert_eq!(
            Locale::negotiate("zh-TW,zh;q=0.9,en;q=0.8"),
            Some(Locale::ZhTw)
        );
        assert_eq!(
            Locale::negotiate("fr, en;q=0.5, zh-Hant;q=0.7"),
            Some(Locale::ZhTw)
        );
        assert_eq!(Locale::negotiate("en-US,en;q=0.9"), Some(Locale::En));
        assert_eq!(Locale::negotiate("fr, de"), None);
        assert_eq!(Locale::negotiate("zh;q=0, en"), Some(Locale::En));
    }

    #[test]
    fn english_falls_back_to_chinese() {
        let t = Localized::new("路燈故障", "");
        assert_eq!(t.get(Locale::En), "路燈故障");
    }
}
