//! The message catalogue: Fluent files, embedded at compile time. zh-TW is the default and
//! the fallback; English is complete. Every user-facing string goes through here.
//!
//! The catalogue is the union of parts: the frame's and the platform's messages ([`BASE`],
//! `locales/` of this crate), always there, and the message files of each module
//! (`platform::ModuleDef::locales`), which the composition root [`install`]s before it serves
//! a request. A message id belongs to one part only.

use domain::{Locale, Message};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use platform::LocaleSource;
use std::sync::{LazyLock, PoisonError, RwLock, RwLockReadGuard};

/// The frame's and the platform's messages: shared by every module's doors.
pub const BASE: &[LocaleSource] = &[
    LocaleSource {
        locale: Locale::ZhTw,
        path: "crates/webkit/locales/zh-TW/main.ftl",
        ftl: include_str!("../locales/zh-TW/main.ftl"),
    },
    LocaleSource {
        locale: Locale::ZhTw,
        path: "crates/webkit/locales/zh-TW/ui.ftl",
        ftl: include_str!("../locales/zh-TW/ui.ftl"),
    },
    LocaleSource {
        locale: Locale::En,
        path: "crates/webkit/locales/en/main.ftl",
        ftl: include_str!("../locales/en/main.ftl"),
    },
    LocaleSource {
        locale: Locale::En,
        path: "crates/webkit/locales/en/ui.ftl",
        ftl: include_str!("../locales/en/ui.ftl"),
    },
];

/// Why a message file could not join the catalogue.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueError {
    #[error("{path}: not valid Fluent: {errors}")]
    Syntax { path: &'static str, errors: String },
    #[error("{path}: {errors} (a message id belongs to one file only)")]
    Duplicate { path: &'static str, errors: String },
}

/// The bundles of both languages, built from the parts installed so far.
struct Catalogue {
    parts: Vec<LocaleSource>,
    zh_tw: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

impl Catalogue {
    fn build(parts: Vec<LocaleSource>) -> Result<Catalogue, CatalogueError> {
        let bundle = |locale: Locale| -> Result<FluentBundle<FluentResource>, CatalogueError> {
            let id = locale.tag().parse().unwrap_or_default();
            let mut bundle = FluentBundle::new_concurrent(vec![id]);
            bundle.set_use_isolating(false);
            for part in parts.iter().filter(|p| p.locale == locale) {
                let resource =
                    FluentResource::try_new(part.ftl.to_string()).map_err(|(_, e)| {
                        CatalogueError::Syntax {
                            path: part.path,
                            errors: format!("{e:?}"),
                        }
                    })?;
                bundle
                    .add_resource(resource)
                    .map_err(|e| CatalogueError::Duplicate {
                        path: part.path,
                        errors: e
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("; "),
                    })?;
            }
            Ok(bundle)
        };
        Ok(Catalogue {
            zh_tw: bundle(Locale::ZhTw)?,
            en: bundle(Locale::En)?,
            parts,
        })
    }

    fn bundle(&self, locale: Locale) -> &FluentBundle<FluentResource> {
        match locale {
            Locale::ZhTw => &self.zh_tw,
            Locale::En => &self.en,
        }
    }

    /// The message in `locale`'s own bundle, formatted; `None` when it is missing there or
    /// cannot be formatted (an argument is missing).
    fn lookup(&self, locale: Locale, id: &str, args: &FluentArgs) -> Option<String> {
        let bundle = self.bundle(locale);
        let pattern = bundle.get_message(id)?.value()?;
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, Some(args), &mut errors);
        errors.is_empty().then(|| text.into_owned())
    }
}

/// The catalogue every lookup reads: [`BASE`] until the composition root installs the
/// modules' parts. Replaced whole by [`install`], so a lookup never sees half of a part.
static CATALOGUE: LazyLock<RwLock<Catalogue>> = LazyLock::new(|| {
    // The base is embedded and checked by this crate's tests; should it still fail, the
    // catalogue is empty and every lookup answers with its id.
    let catalogue = Catalogue::build(BASE.to_vec()).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the base message catalogue is broken");
        Catalogue {
            parts: Vec::new(),
            zh_tw: FluentBundle::new_concurrent(Vec::new()),
            en: FluentBundle::new_concurrent(Vec::new()),
        }
    });
    RwLock::new(catalogue)
});

fn current() -> RwLockReadGuard<'static, Catalogue> {
    CATALOGUE.read().unwrap_or_else(PoisonError::into_inner)
}

/// Adds the modules' message files to the catalogue (a file already in it is skipped, so
/// installing the same modules again, as every test application does, changes nothing). On an
/// error the catalogue stays as it was.
pub fn install(parts: &[LocaleSource]) -> Result<(), CatalogueError> {
    let mut catalogue = CATALOGUE.write().unwrap_or_else(PoisonError::into_inner);
    let mut all = catalogue.parts.clone();
    let before = all.len();
    for part in parts {
        // By path: the file's text is the same wherever it is named.
        if !all
            .iter()
            .any(|p| p.path == part.path && p.locale == part.locale)
        {
            all.push(*part);
        }
    }
    if all.len() > before {
        *catalogue = Catalogue::build(all)?;
    }
    Ok(())
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

/// Translates a message id with named arguments: from `locale`'s messages, else from zh-TW's,
/// else the id itself.
pub fn tr(locale: Locale, id: &str, args: &[(&str, String)]) -> String {
    let mut fluent_args = FluentArgs::with_capacity(args.len());
    for (k, v) in args {
        fluent_args.set(k.to_string(), value(k, v));
    }
    let catalogue = current();
    catalogue
        .lookup(locale, id, &fluent_args)
        .or_else(|| {
            (locale != Locale::ZhTw)
                .then(|| catalogue.lookup(Locale::ZhTw, id, &fluent_args))
                .flatten()
        })
        .unwrap_or_else(|| id.to_string())
}

pub fn message(locale: Locale, m: &Message) -> String {
    // A field the rule names by its code is shown by its label (`field-name-<code>`), where
    // the catalogue has one: staff read "the field Note is required", never "note".
    let args: Vec<(&str, String)> = m
        .args
        .iter()
        .map(|(k, v)| {
            let label = format!("field-name-{v}");
            match *k {
                "field" if has(locale, &label) => (*k, tr(locale, &label, &[])),
                _ => (*k, v.clone()),
            }
        })
        .collect();
    tr(locale, m.id, &args)
}

/// Whether the catalogue of `locale` itself (not the fallback) has `id`.
pub fn has(locale: Locale, id: &str) -> bool {
    current().bundle(locale).has_message(id)
}

/// The message ids of a Fluent file (not its terms), in file order.
pub fn ids(ftl: &str) -> Vec<&str> {
    ftl.lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with(' ') && !l.starts_with('-'))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim()))
        .filter(|k| !k.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    /// The workspace's `crates/`.
    fn crates_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    fn files_under(dir: &Path, ext: &str) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == ext) {
                    found.push(path);
                }
            }
        }
        found.sort();
        found
    }

    /// Every message file of the workspace (webkit's and each module's `locales/<tag>/*.ftl`),
    /// by language: the union the composition root installs (`web::Modules` checks that it
    /// installs every one of them).
    fn every_catalogue_file() -> BTreeMap<&'static str, Vec<PathBuf>> {
        let mut by_tag: BTreeMap<&str, Vec<PathBuf>> = BTreeMap::new();
        for path in files_under(&crates_dir(), "ftl") {
            let tag = path.parent().and_then(|p| p.file_name()).unwrap();
            let locale = Locale::ALL
                .into_iter()
                .find(|l| tag == l.tag())
                .unwrap_or_else(|| panic!("{} is not in a language's folder", path.display()));
            by_tag.entry(locale.tag()).or_default().push(path);
        }
        by_tag
    }

    fn keys(path: &Path) -> Vec<String> {
        let text = std::fs::read_to_string(path).unwrap();
        let mut k: Vec<String> = ids(&text).into_iter().map(str::to_string).collect();
        k.sort();
        k
    }

    #[test]
    fn the_base_is_the_files_of_this_crate() {
        let catalogue = Catalogue::build(BASE.to_vec()).expect("the base builds");
        assert_eq!(catalogue.parts.len(), 4);
        for part in BASE {
            assert!(
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("..")
                    .join(part.path.trim_start_matches("crates/"))
                    .is_file()
            );
        }
    }

    /// Each file of every part has its twin in the other language, with the same ids.
    #[test]
    fn both_languages_have_the_same_keys_in_every_file() {
        let files = every_catalogue_file();
        let zh = &files["zh-TW"];
        let en = &files["en"];
        let twin = |p: &PathBuf, tag: &str| {
            p.parent()
                .unwrap()
                .with_file_name(tag)
                .join(p.file_name().unwrap())
        };
        assert_eq!(
            zh.iter().map(|p| twin(p, "en")).collect::<Vec<_>>(),
            *en,
            "every zh-TW file has an English twin and no more"
        );
        assert!(zh.len() >= 4, "{zh:?}");
        for path in zh {
            assert_eq!(keys(path), keys(&twin(path, "en")), "{}", path.display());
        }
    }

    /// The parts can be merged: an id is in one file only.
    #[test]
    fn a_message_id_belongs_to_one_file() {
        for (tag, files) in every_catalogue_file() {
            let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
            for path in files {
                for id in keys(&path) {
                    if let Some(first) = seen.insert(id.clone(), path.clone()) {
                        panic!(
                            "{id} ({tag}) is in {} and {}",
                            first.display(),
                            path.display()
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn a_field_is_named_by_its_label() {
        let m = Message::new("error-field-required").arg("field", "note");
        assert_eq!(message(Locale::ZhTw, &m), "欄位「備註」為必填。");
        assert_eq!(message(Locale::En, &m), "The field \"Note\" is required.");
        // A code without a label is shown as it is.
        let m = Message::new("error-field-required").arg("field", "zzz_unknown");
        assert!(message(Locale::En, &m).contains("zzz_unknown"));
    }

    /// Every message id constructed anywhere in the workspace has a translation in both
    /// languages, in one of the parts.
    #[test]
    fn every_message_id_in_the_code_is_translated() {
        let known: BTreeMap<&str, BTreeSet<String>> = every_catalogue_file()
            .into_iter()
            .map(|(tag, files)| (tag, files.iter().flat_map(|p| keys(p)).collect()))
            .collect();
        let mut missing = Vec::new();
        for path in files_under(&crates_dir(), "rs") {
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
                    if !known[locale.tag()].contains(id) {
                        missing.push(format!("{id} ({}) in {}", locale.tag(), path.display()));
                    }
                }
            }
        }
        assert!(missing.is_empty(), "untranslated: {missing:#?}");
    }

    /// A module's part joins the catalogue once; a part that repeats an id is refused and the
    /// catalogue stays as it was.
    #[test]
    fn installed_parts_join_the_catalogue() {
        const PART: &[LocaleSource] = &[
            LocaleSource {
                locale: Locale::ZhTw,
                path: "test/zh-TW/part.ftl",
                ftl: "test-installed-part = 已安裝 { $count } 個\n",
            },
            LocaleSource {
                locale: Locale::En,
                path: "test/en/part.ftl",
                ftl: "test-installed-part = { $count ->\n    [one] one installed\n   *[other] { $count } installed\n}\n",
            },
        ];
        assert!(!has(Locale::En, "test-installed-part"));
        install(PART).unwrap();
        install(PART).unwrap();
        for locale in Locale::ALL {
            assert!(has(locale, "test-installed-part"));
        }
        let n = |locale, n: &str| tr(locale, "test-installed-part", &[("count", n.into())]);
        assert_eq!(n(Locale::En, "1"), "one installed");
        assert_eq!(n(Locale::En, "3"), "3 installed");
        assert_eq!(n(Locale::ZhTw, "3"), "已安裝 3 個");
        // The base is still there.
        assert!(has(Locale::En, "error-service-unknown"));

        const CLASH: &[LocaleSource] = &[LocaleSource {
            locale: Locale::En,
            path: "test/en/clash.ftl",
            ftl: "error-service-unknown = Again.\ntest-clash = Clash.\n",
        }];
        assert!(matches!(
            install(CLASH),
            Err(CatalogueError::Duplicate { .. })
        ));
        assert!(!has(Locale::En, "test-clash"));
        assert_eq!(
            tr(
                Locale::En,
                "error-service-unknown",
                &[("code", "X1".into())]
            ),
            "Service code \"X1\" was not found."
        );
    }

    /// A message missing in English falls back to zh-TW; one missing everywhere is its id.
    #[test]
    fn english_falls_back_to_chinese_then_to_the_id() {
        const ZH_ONLY: &[LocaleSource] = &[LocaleSource {
            locale: Locale::ZhTw,
            path: "test/zh-TW/zh-only.ftl",
            ftl: "test-zh-only = 只有中文\n",
        }];
        install(ZH_ONLY).unwrap();
        assert!(!has(Locale::En, "test-zh-only"));
        assert_eq!(tr(Locale::En, "test-zh-only", &[]), "只有中文");
        assert_eq!(tr(Locale::En, "test-nowhere", &[]), "test-nowhere");
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
