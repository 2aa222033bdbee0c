//! The password policy, after NIST SP 800-63B: a minimum and a maximum length counted in
//! characters (Unicode scalar values, not bytes), no composition rules, and a block list of
//! common passwords, repetitive or sequential strings, and the user's own login name.
//!
//! The block list is `data/common-passwords.txt`: the 10,000 most common entries of the
//! `passwords` frequency list of the PyPI package `zxcvbn` 4.5.0 (Daniel Wolf's Python port of
//! Dropbox's zxcvbn), lower-cased and deduplicated. Licence: MIT, Copyright (c) 2016 Daniel Wolf;
//! the original zxcvbn is MIT, Copyright (c) 2012-2016 Dan Wheeler and Dropbox, Inc. See
//! `data/README.md` for how the file was made.
//!
//! Checks compare a folded copy (full-width ASCII made half-width, then lower case); the password
//! itself is never changed here. Hashing is the caller's business.

use crate::error::Message;
use crate::width::to_half_width;
use std::collections::HashSet;
use std::sync::LazyLock;

/// Longest accepted password, in characters. Longer input is refused, not truncated.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// The shortest minimum a policy may set (NIST SP 800-63B).
pub const MIN_PASSWORD_CHARS: usize = 8;

static COMMON_PASSWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect()
});

/// What a password must satisfy. Use [`PasswordPolicy::STAFF`] or [`PasswordPolicy::CITIZEN`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    min_chars: usize,
}

impl PasswordPolicy {
    /// Staff accounts: at least 12 characters.
    pub const STAFF: PasswordPolicy = PasswordPolicy { min_chars: 12 };
    /// Citizen accounts: at least 8 characters.
    pub const CITIZEN: PasswordPolicy = PasswordPolicy { min_chars: 8 };

    /// A policy with another minimum, kept within [`MIN_PASSWORD_CHARS`]..=[`MAX_PASSWORD_CHARS`].
    pub const fn with_min_chars(min_chars: usize) -> PasswordPolicy {
        let min_chars = if min_chars < MIN_PASSWORD_CHARS {
            MIN_PASSWORD_CHARS
        } else if min_chars > MAX_PASSWORD_CHARS {
            MAX_PASSWORD_CHARS
        } else {
            min_chars
        };
        PasswordPolicy { min_chars }
    }

    pub fn min_chars(&self) -> usize {
        self.min_chars
    }

    /// Checks a new password for the account signing in as `login` (a user name or an e-mail
    /// address; an empty string skips that check). The first failing rule is returned:
    /// `error-password-too-long` (`max`), `error-password-too-short` (`min`),
    /// `error-password-matches-login`, `error-password-common`, `error-password-repetitive`.
    pub fn check(&self, password: &str, login: &str) -> Result<(), Message> {
        let chars = password.chars().count();
        if chars > MAX_PASSWORD_CHARS {
            return Err(
                Message::new("error-password-too-long").arg("max", MAX_PASSWORD_CHARS.to_string())
            );
        }
        if chars < self.min_chars {
            return Err(
                Message::new("error-password-too-short").arg("min", self.min_chars.to_string())
            );
        }
        let folded = fold(password);
        let variants = variants(&folded);
        if matches_login(&variants, login) {
            return Err(Message::new("error-password-matches-login"));
        }
        if variants.iter().any(|v| COMMON_PASSWORDS.contains(v)) {
            return Err(Message::new("error-password-common"));
        }
        if is_repetitive(&folded) {
            return Err(Message::new("error-password-repetitive"));
        }
        Ok(())
    }
}

/// Whether `password`, compared case-insensitively, is on the common-password list, also after
/// digits, punctuation and spaces around it are removed (`iloveyou1234`, `!!dragon!!`).
pub fn is_common(password: &str) -> bool {
    variants(&fold(password))
        .iter()
        .any(|v| COMMON_PASSWORDS.contains(v))
}

fn fold(text: &str) -> String {
    to_half_width(text).to_lowercase()
}

/// The folded password, then without surrounding punctuation and spaces, then also without
/// surrounding digits. Empty variants are left out.
fn variants(folded: &str) -> Vec<&str> {
    let plain = folded.trim_matches(|c: char| c.is_ascii_punctuation() || c.is_whitespace());
    let core = folded.trim_matches(|c: char| {
        c.is_ascii_digit() || c.is_ascii_punctuation() || c.is_whitespace()
    });
    let mut out = vec![folded];
    for v in [plain, core] {
        if !v.is_empty() && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Whether a variant of the password equals the login name, the whole e-mail address or its
/// local part.
fn matches_login(variants: &[&str], login: &str) -> bool {
    let login = fold(login.trim());
    if login.is_empty() {
        return false;
    }
    let local = login.rsplit_once('@').map_or("", |(local, _)| local);
    variants
        .iter()
        .any(|v| *v == login || (!local.is_empty() && *v == local))
}

/// One character or a short unit repeated (`aaaaaaaa`, `abababab`, `123123123`), or one
/// ascending or descending run (`abcdefgh`, `87654321`, `123456789012`).
fn is_repetitive(folded: &str) -> bool {
    let chars: Vec<char> = folded.chars().collect();
    if chars.len() < 2 {
        return false;
    }
    let repeated_unit = (1..=4).any(|unit| {
        chars.len() >= 2 * unit && chars.iter().skip(unit).zip(&chars).all(|(a, b)| a == b)
    });
    let step = |a: char, b: char| -> i64 {
        let diff = i64::from(u32::from(b)) - i64::from(u32::from(a));
        match (a, b) {
            ('9', '0') => 1,
            ('0', '9') => -1,
            _ => diff,
        }
    };
    let run = |direction: i64| chars.windows(2).all(|w| step(w[0], w[1]) == direction);
    repeated_unit || run(1) || run(-1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn citizen(password: &str) -> Result<(), &'static str> {
        PasswordPolicy::CITIZEN
            .check(password, "wang.xiaoming@example.tw")
            .map_err(|m| m.id)
    }

    fn staff(password: &str) -> Result<(), &'static str> {
        PasswordPolicy::STAFF
            .check(password, "wxm")
            .map_err(|m| m.id)
    }

    #[test]
    fn the_list_is_clean() {
        let text = include_str!("../data/common-passwords.txt");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 10_000);
        assert_eq!(COMMON_PASSWORDS.len(), 10_000, "no duplicates");
        assert!(
            lines
                .iter()
                .all(|l| *l == l.to_lowercase() && *l == l.trim())
        );
    }

    #[test]
    fn common_passwords_are_rejected() {
        assert_eq!(citizen("password"), Err("error-password-common"));
        assert_eq!(citizen("PassWord"), Err("error-password-common"));
        assert_eq!(citizen("ｐａｓｓｗｏｒｄ"), Err("error-password-common"));
        assert_eq!(citizen("12345678"), Err("error-password-common"));
        assert_eq!(citizen("iloveyou"), Err("error-password-common"));
        assert_eq!(staff("qwerty123456"), Err("error-password-common"));
        assert_eq!(staff("1qaz2wsx3edc"), Err("error-password-common"));
        assert_eq!(staff("iloveyou1234"), Err("error-password-common"));
        assert_eq!(staff("Sunshine2024!"), Err("error-password-common"));
        assert_eq!(staff("!!!dragon!!!"), Err("error-password-common"));
        assert!(is_common("LetMeIn"));
        assert!(!is_common("correct horse battery staple"));
    }

    #[test]
    fn passphrases_are_accepted() {
        assert_eq!(staff("correct horse battery staple"), Ok(()));
        assert_eq!(staff("my cat eats 3 dumplings a day"), Ok(()));
        assert_eq!(citizen("tamsui sunset"), Ok(()));
        // No composition rules: lower-case letters only are fine.
        assert_eq!(staff("zebraquokkafern"), Ok(()));
    }

    #[test]
    fn length_is_counted_in_characters() {
        // 7 characters, 21 bytes.
        assert_eq!(citizen("我家門前有小河"), Err("error-password-too-short"));
        assert_eq!(citizen("我家門前有小河流"), Ok(()));
        // 4 characters, 12 bytes: too short although it has more than 8 bytes.
        assert_eq!(citizen("臺北天氣"), Err("error-password-too-short"));
        let long_chinese: String = "臺北市民熱線一九九九".chars().cycle().take(128).collect();
        assert_eq!(long_chinese.len(), 384);
        assert_eq!(staff(&long_chinese), Ok(()));
        let too_long: String = "臺北市民熱線一九九九".chars().cycle().take(129).collect();
        assert_eq!(staff(&too_long), Err("error-password-too-long"));
    }

    #[test]
    fn length_limits_and_arguments() {
        let err = PasswordPolicy::STAFF.check("short pass", "").unwrap_err();
        assert_eq!(err.id, "error-password-too-short");
        assert_eq!(err.args, vec![("min", "12".to_string())]);
        assert_eq!(citizen("a b c d"), Err("error-password-too-short"));
        assert_eq!(citizen(""), Err("error-password-too-short"));
        let at_max: String = "walk the dog by the river "
            .chars()
            .cycle()
            .take(128)
            .collect();
        assert_eq!(staff(&at_max), Ok(()));
        let over = format!("{at_max}x");
        let err = PasswordPolicy::STAFF.check(&over, "").unwrap_err();
        assert_eq!(err.id, "error-password-too-long");
        assert_eq!(err.args, vec![("max", "128".to_string())]);
        assert_eq!(staff(&"a".repeat(129)), Err("error-password-too-long"));
        assert_eq!(PasswordPolicy::with_min_chars(4).min_chars(), 8);
        assert_eq!(PasswordPolicy::with_min_chars(500).min_chars(), 128);
        assert_eq!(PasswordPolicy::with_min_chars(15).min_chars(), 15);
    }

    #[test]
    fn the_login_name_is_rejected() {
        assert_eq!(
            citizen("Wang.XiaoMing"),
            Err("error-password-matches-login")
        );
        assert_eq!(
            citizen("WANG.XIAOMING@EXAMPLE.TW"),
            Err("error-password-matches-login")
        );
        assert_eq!(
            citizen("wang.xiaoming2024"),
            Err("error-password-matches-login")
        );
        let policy = PasswordPolicy::CITIZEN;
        assert_eq!(
            policy.check("chenmeiling", "ChenMeiLing").unwrap_err().id,
            "error-password-matches-login"
        );
        assert_eq!(policy.check("chenmeiling", ""), Ok(()));
        assert_eq!(policy.check("chenmeiling", "other"), Ok(()));
    }

    #[test]
    fn repetitive_and_sequential_strings_are_rejected() {
        for text in [
            "zzzzzzzzzzzz",
            "abababababab",
            "xyzxyzxyzxyz",
            "abcdefghijklm",
            "zyxwvutsrqpo",
            "345678901234",
            "987654321098",
            "哈哈哈哈哈哈哈哈哈哈哈哈",
        ] {
            assert_eq!(staff(text), Err("error-password-repetitive"), "{text}");
        }
        assert_eq!(staff("abcdefghijkz"), Ok(()));
    }
}
