//! The message catalogue (Fluent files in `locales/`, embedded at compile time). zh-TW is the
//! default and the fallback; English is complete. Every user-facing string goes through here.

use domain::{Locale, Message};
use fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, static_loader};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "zh-TW",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static IDS: LazyLock<[LanguageIdentifier; 2]> = LazyLock::new(|| {
    [
        "zh-TW".parse().expect("valid language id"),
        "en".parse().expect("valid language id"),
    ]
});

fn lang(locale: Locale) -> &'static LanguageIdentifier {
    match locale {
        Locale::ZhTw => &IDS[0],
        Locale::En => &IDS[1],
    }
}

/// Arguments that are counts: given as a whole number, they are passed to Fluent as numbers,
/// so a message can choose its plural form (`{ $count -> [one] … *[other] … }`).
const COUNT_ARGS: [&str; 3] = ["count", "n", "days"];

/// An argument as Fluent takes it: a count as a number, anything else as text (so codes such
/// as "0505364" keep their leading zeros).
fn value(name: &str, text: &str) -> FluentValue<'static> {
    match text.parse::<i64>() {
        Ok(n) if COUNT_ARGS.contains(&name) && n.to_string() == text => FluentValue::from(n),
        _ => FluentValue::from(text.to_string()),
    }
}

/// Translates a message id with named arguments.
pub fn tr(locale: Locale, id: &str, args: &[(&str, String)]) -> String {
    let map: HashMap<Cow<'static, str>, FluentValue> = args
        .iter()
        .map(|(k, v)| (Cow::Owned(k.to_string()), value(k, v)))
        .collect();
    LOCALES
        .try_lookup_with_args(lang(locale), id, &map)
        .unwrap_or_else(|| id.to_string())
}

pub fn message(locale: Locale, m: &Message) -> String {
    tr(locale, m.id, &m.args)
}

/// Whether the catalogue of `locale` itself (not the fallback) has `id`.
pub fn has(locale: Locale, id: &str) -> bool {
    let sources: [&str; 2] = match locale {
        Locale::ZhTw => [
            include_str!("../locales/zh-TW/main.ftl"),
            include_str!("../locales/zh-TW/ui.ftl"),
        ],
        Locale::En => [
            include_str!("../locales/en/main.ftl"),
            include_str!("../locales/en/ui.ftl"),
        ],
    };
    sources
        .iter()
        .flat_map(|s| s.lines())
        .filter(|l| !l.starts_with('#') && !l.starts_with(' '))
        .any(|l| l.split_once('=').is_some_and(|(k, _)| k.trim() == id))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(source: &str) -> Vec<&str> {
        let mut k: Vec<&str> = source
            .lines()
            .filter(|l| !l.starts_with('#') && !l.starts_with(' '))
            .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim()))
            .collect();
        k.sort();
        k
    }

    #[test]
    fn both_catalogues_have_the_same_keys() {
        assert_eq!(
            keys(include_str!("../locales/zh-TW/main.ftl")),
            keys(include_str!("../locales/en/main.ftl"))
        );
        assert_eq!(
            keys(include_str!("../locales/zh-TW/ui.ftl")),
            keys(include_str!("../locales/en/ui.ftl"))
        );
    }

    /// Every message id constructed anywhere in the workspace has a translation in both catalogues.
    #[test]
    fn every_message_id_in_the_code_is_translated() {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
        let mut missing = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(root)];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    // `Message::new(` then the id, possibly on the next line.
                    for part in text.split("Message::new(").skip(1) {
                        let Some(quoted) = part.trim_start().strip_prefix('"') else {
                            continue;
                        };
                        let id = quoted.split('"').next().unwrap();
                        if id.is_empty()
                            || !id
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                        {
                            continue;
                        }
                        for locale in Locale::ALL {
                            if !has(locale, id) {
                                missing.push(format!(
                                    "{id} ({}) in {}",
                                    locale.tag(),
                                    path.display()
                                ));
                            }
                        }
                    }
                }
            }
        }
        assert!(missing.is_empty(), "untranslated: {missing:#?}");
    }

    #[test]
    fn counts_choose_the_english_plural_and_keep_chinese_as_is() {
        let found =
            |locale, n: usize| tr(locale, "report-search-count", &[("count", n.to_string())]);
        assert_eq!(found(Locale::En, 1), "1 category found.");
        assert_eq!(found(Locale::En, 0), "0 categories found.");
        assert_eq!(found(Locale::En, 12), "12 categories found.");
        assert_eq!(found(Locale::ZhTw, 1), "找到 1 個類別。");
        assert_eq!(found(Locale::ZhTw, 12), "找到 12 個類別。");
        let days = |n: &str| tr(Locale::En, "supervise-overdue-days", &[("days", n.into())]);
        assert_eq!(days("1"), "1 day late");
        assert_eq!(days("3"), "3 days late");
        // Only counts become numbers: a code keeps its leading zero.
        assert!(matches!(value("count", "12"), FluentValue::Number(_)));
        assert!(matches!(value("count", "007"), FluentValue::String(_)));
        assert!(matches!(value("code", "12"), FluentValue::String(_)));
    }

    #[test]
    fn arguments_are_substituted_without_isolation_marks() {
        let text = tr(
            Locale::En,
            "error-service-unknown",
            &[("code", "X1".into())],
        );
        assert_eq!(text, "Service code \"X1\" was not found.");
        let zh = tr(
            Locale::ZhTw,
            "error-service-unknown",
            &[("code", "X1".into())],
        );
        assert_eq!(zh, "找不到服務代碼「X1」。");
    }
}
