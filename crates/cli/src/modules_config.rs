//! `[modules]` in `civicdesk.toml` (and `--module-cases`): which modules of the build an
//! instance runs.

use crate::config::ModulesFile;
use anyhow::{Result, bail};

/// The modules that run: the file's `[modules]`, then `--module-cases`; a key that names no
/// module of the build, or one that always runs, is refused with the list of those that may
/// be switched.
pub fn resolve(
    file: Option<&ModulesFile>,
    module_cases: Option<bool>,
) -> Result<platform::ModulesConfig> {
    let switchable: Vec<&str> = web::COMPILED
        .iter()
        .filter(|m| m.switchable)
        .map(|m| m.module.key())
        .collect();
    let mut modules = platform::ModulesConfig::default();
    let given = file
        .into_iter()
        .flatten()
        .map(|(k, on)| (k.as_str(), *on))
        .chain(module_cases.map(|on| ("cases", on)));
    for (key, on) in given {
        if !switchable.contains(&key) {
            bail!(
                "[modules] {key}: no module of this build by that name may be switched off (those that may: {})",
                switchable.join(", ")
            );
        }
        modules.set(key, on);
    }
    Ok(modules)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::FileConfig;

    #[test]
    fn modules_are_switched_by_key_and_only_those_that_may_be() {
        let on = resolve(None, None).unwrap();
        assert!(on.runs(cases::MODULE.module));
        let file: FileConfig = toml::from_str("[modules]\ncases = false").unwrap();
        let off = resolve(file.modules.as_ref(), None).unwrap();
        assert!(!off.runs(cases::MODULE.module));
        // The flag wins over the file.
        let again = resolve(file.modules.as_ref(), Some(true)).unwrap();
        assert!(again.runs(cases::MODULE.module));
        for refused in ["[modules]\nidentity = false", "[modules]\ncaess = false"] {
            let file: FileConfig = toml::from_str(refused).unwrap();
            let e = resolve(file.modules.as_ref(), None).unwrap_err();
            assert!(e.to_string().contains("those that may: cases"), "{e}");
        }
    }
}
