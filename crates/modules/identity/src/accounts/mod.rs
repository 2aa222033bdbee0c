//! Accounts of staff and citizens: sign-up with a verified address, sign-in with sessions and a
//! second factor, password reset, access tokens, staff administration, and reads of citizens'
//! personal data. Every write is audited in the same transaction; responses never reveal
//! whether an account exists to someone who does not already control it.

mod breaches;
mod city_login;
mod codes;
mod consents;
mod directory;
mod login;
mod mandates;
mod my_data;
mod mydata;
mod passkeys;
mod reset;
mod second_factor;
mod sessions;
mod signup;
mod staff;
mod tokens;

pub use crate::store::mandates::Use as MandateUse;
pub use breaches::{BREACH_DATA, NewBreach};
pub use city_login::{
    ATTEMPT_SECONDS, AccountOverview, CityLoginDone, CityLoginStart, ProviderAnswer, ProviderView,
    STEP_UP, claims_map,
};
pub use consents::{MyConsents, PurposeConsent};
pub use login::{LoginOutcome, SessionStage, SignInContext};
pub use mandates::{ActingFor, MandateInput, MyMandates};
pub use my_data::{ACCESS as ACCESS_COLUMNS, DOWNLOAD_NEEDS, MyData};
pub use mydata::{
    Fetched, ImportView, NOTICE_PATH as MYDATA_NOTICE_PATH, RETURN_PATH as MYDATA_RETURN_PATH,
    run_mydata_purge,
};
pub use passkeys::{MAX_PASSKEYS, PasskeyChallenge, PasskeyView, check_passkey_name};
pub use second_factor::TotpSetup;
pub use sessions::{NewSession, SessionPolicy};
pub use signup::SignUp;
pub use staff::{CitizenRecord, NewStaff, StaffView};
pub use tokens::CreatedToken;

use crate::authz::{Actor, ActorKind, Grant, Permissions, Role, ScopeKind};
use crate::store::accounts::Account;
use crate::{IdentityApp, Result, ServiceError};
use domain::Message;
use domain::enums::string_enum;
use domain::identity::{Mobile, PersonalId};

string_enum! {
    /// Who an account belongs to.
    AccountKind { Staff = "staff", Citizen = "citizen" }
}

pub const STATUS_PENDING: &str = "pending";
pub const STATUS_ACTIVE: &str = "active";
pub const STATUS_DISABLED: &str = "disabled";

/// A sign-in name in its stored form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Login {
    Email(String),
    Mobile(String),
    /// Staff user names: lower-case ASCII letters, digits, `.`, `_` and `-`.
    Username(String),
}

impl Login {
    /// Reads what a person typed: an email address, a mobile number in any common local
    /// format, or (for staff) a user name.
    pub fn parse(input: &str) -> std::result::Result<Login, Message> {
        let text = text::to_halfwidth(input.trim());
        if text.is_empty() {
            return Err(Message::new("error-login-missing"));
        }
        if text.contains('@') {
            return parse_email(&text).map(Login::Email);
        }
        if text.starts_with(['0', '+', '('])
            || text.chars().all(|c| c.is_ascii_digit() || " -".contains(c))
        {
            return Mobile::parse(&text).map(|m| Login::Mobile(m.e164().to_string()));
        }
        let name = text.to_ascii_lowercase();
        let valid = (3..=64).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-_".contains(c));
        if valid {
            Ok(Login::Username(name))
        } else {
            Err(Message::new("error-login-invalid"))
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Login::Email(s) | Login::Mobile(s) | Login::Username(s) => s,
        }
    }
}

/// A syntactically plausible email address, lower-cased. Only ASCII is accepted, so an
/// address cannot imitate another with lookalike letters (Cyrillic `а` for Latin `a`) or hide
/// invisible characters: international domains are written in their `xn--` form.
pub fn parse_email(input: &str) -> std::result::Result<String, Message> {
    let email = input.trim().to_lowercase();
    if !email.is_ascii() {
        return Err(Message::new("error-email-not-ascii"));
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && local.len() <= 64
                && local.bytes().all(|b| b.is_ascii_graphic())
                && domain.contains('.')
                && domain.split('.').all(label_ok)
        });
    if ok {
        Ok(email)
    } else {
        Err(Message::new("error-email-invalid"))
    }
}

/// Characters that change how the text around them is shown without being seen themselves:
/// bidirectional embeddings, overrides and isolates (`Normal\u{202E}gnp.exe` shows as
/// `Normalexe.png`), marks, zero-width characters and the byte-order mark.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{061C}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
    )
}

/// A name people choose to be shown by (sign-up, their profile, staff administration):
/// trimmed, 1 to 100 characters, without control characters (NUL included) or invisible
/// formatting characters.
pub fn parse_display_name(input: &str) -> std::result::Result<String, Message> {
    let name = input.trim();
    if name
        .chars()
        .any(|c| c.is_control() || is_invisible_format(c))
    {
        return Err(Message::new("error-display-name-characters"));
    }
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Message::new("error-display-name"));
    }
    Ok(name.to_string())
}

/// Changes a person makes to their own account; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    pub display_name: Option<String>,
    pub locale: Option<String>,
    pub national_id: Option<String>,
}

/// What a signed-in person may see of their own account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Profile {
    pub id: String,
    pub kind: String,
    pub login: String,
    pub display_name: String,
    pub email: Option<String>,
    pub mobile: Option<String>,
    /// Masked (A12****789): the full number is shown only to staff with a reason.
    pub national_id: Option<String>,
    pub locale: String,
    pub second_factor: bool,
    pub roles: Vec<Grant>,
}

/// The actor an account acts as, with the grants read for it.
pub(crate) fn actor_with(
    account: &Account,
    grants: Vec<Grant>,
    permissions: Permissions,
    request_id: Option<String>,
) -> Actor {
    let kind = if account.kind == AccountKind::Staff.as_str() {
        ActorKind::Staff
    } else {
        ActorKind::Citizen
    };
    Actor {
        account_id: Some(account.id.clone()),
        jurisdiction_id: account.jurisdiction_id.clone(),
        kind,
        label: account.display_name.clone(),
        grants,
        permissions,
        request_id,
    }
}

pub(crate) fn grants_from(rows: Vec<crate::store::accounts::RoleGrant>) -> Vec<Grant> {
    rows.into_iter()
        .filter_map(|g| {
            Some(Grant {
                role: Role::parse(&g.role)?,
                scope: ScopeKind::parse(&g.scope_kind)?,
                scope_id: g.scope_id,
            })
        })
        .collect()
}

impl IdentityApp {
    pub async fn account_in(&self, jurisdiction_id: &str, id: &str) -> Result<Account> {
        crate::store::accounts::find(&self.db, id)
            .await?
            .filter(|a| a.jurisdiction_id == jurisdiction_id)
            .ok_or_else(|| ServiceError::NotFound(Message::new("error-account-unknown")))
    }

    /// A staff member's grants, and whether the jurisdiction requires a second factor for one
    /// of their roles, read together (one query); nothing for a citizen.
    pub(crate) async fn grants_and_second_factor(
        &self,
        account: &Account,
    ) -> Result<(Vec<Grant>, bool)> {
        if account.kind != AccountKind::Staff.as_str() {
            return Ok((Vec::new(), false));
        }
        let rows = crate::store::accounts::roles_with_policy(
            &self.db,
            &account.id,
            &account.jurisdiction_id,
            &self.second_factor_by_default(),
        )
        .await?;
        let required = rows.iter().any(|(_, required)| *required);
        Ok((
            grants_from(rows.into_iter().map(|(grant, _)| grant).collect()),
            required,
        ))
    }

    /// Updates the signed-in person's name, language or ID number (身分證 or resident
    /// certificate number, checked with its checksum).
    pub async fn update_my_profile(&self, actor: &Actor, update: ProfileUpdate) -> Result<Profile> {
        let account = self
            .account_in(&actor.jurisdiction_id, actor.account()?)
            .await?;
        let mut errors = Vec::new();
        let display_name = match update.display_name.as_deref().map(parse_display_name) {
            Some(Ok(name)) => Some(name),
            Some(Err(m)) => {
                errors.push(m);
                None
            }
            None => None,
        };
        let locale = match update.locale.as_deref() {
            Some(tag) => match domain::Locale::from_tag(tag) {
                Some(l) => Some(l.tag().to_string()),
                None => {
                    errors.push(Message::new("error-locale-unknown").arg("locale", tag));
                    None
                }
            },
            None => None,
        };
        let national_id = match update.national_id.as_deref() {
            Some(text) => PersonalId::parse(text)
                .map(|p| p.as_str().to_string())
                .map_err(|m| errors.push(m))
                .ok(),
            None => None,
        };
        if !errors.is_empty() {
            return Err(ServiceError::Invalid(errors));
        }
        // Field names only: the audit record never holds the personal data itself.
        let changed: Vec<&str> = [
            ("display_name", display_name.is_some()),
            ("locale", locale.is_some()),
            ("national_id", national_id.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, changed)| changed.then_some(name))
        .collect();
        // A real name proved by a city login is this name and ID number: changing either
        // forgets the proof.
        let renamed = display_name
            .as_ref()
            .is_some_and(|n| *n != account.display_name)
            || national_id
                .as_ref()
                .is_some_and(|n| Some(n) != account.national_id.as_ref());
        let mut tx = self.db.begin().await?;
        if renamed {
            crate::store::links::clear_real_name(&mut tx, &account.id, self.now()).await?;
        }
        crate::store::accounts::update(
            &mut tx,
            &account.id,
            &crate::store::accounts::AccountUpdate {
                display_name,
                locale,
                national_id,
                ..Default::default()
            },
            self.now(),
        )
        .await?;
        crate::audit::record(
            &mut tx,
            actor,
            "account.update_profile",
            crate::audit::Subject::citizen(&account.id),
            None,
            serde_json::json!({ "changed": changed }),
            self.now(),
        )
        .await?;
        tx.commit().await?;
        self.my_profile(actor).await
    }

    /// The signed-in person's own account.
    pub async fn my_profile(&self, actor: &Actor) -> Result<Profile> {
        let account = self
            .account_in(&actor.jurisdiction_id, actor.account()?)
            .await?;
        Ok(Profile {
            id: account.id,
            kind: account.kind,
            login: account.login,
            display_name: account.display_name,
            email: account.email,
            mobile: account.mobile,
            national_id: account
                .national_id
                .as_deref()
                .and_then(|n| PersonalId::parse(n).ok())
                .map(|n| n.masked()),
            locale: account.locale,
            second_factor: account.totp_enabled_at.is_some(),
            roles: actor.grants.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_are_normalised() {
        assert_eq!(
            Login::parse(" Chen@Example.TW ").unwrap(),
            Login::Email("chen@example.tw".into())
        );
        assert_eq!(
            Login::parse("0912-345-678").unwrap(),
            Login::Mobile("+886912345678".into())
        );
        assert_eq!(
            Login::parse("ＡＧＥＮＴ.lin").unwrap(),
            Login::Username("agent.lin".into())
        );
        assert!(Login::parse("a b").is_err());
        assert!(Login::parse("x@").is_err());
        assert!(Login::parse("").is_err());
    }

    /// F24: lookalike and invisible characters never make a second account that looks like
    /// another one.
    #[test]
    fn email_logins_are_plain_ascii() {
        for bad in [
            "citizen.\u{0430}@example.com",
            "wang\u{200B}@example.com",
            "wang@例子.台灣",
            "wang@exa\u{200D}mple.com",
            "wang@localhost",
            "wang@-example.com",
            "wang@example..com",
        ] {
            assert!(parse_email(bad).is_err(), "{bad:?}");
            assert!(Login::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            parse_email("Wang+1@XN--FIQS8S.example").unwrap(),
            "wang+1@xn--fiqs8s.example"
        );
        assert_eq!(
            parse_email("citizen.\u{0430}@example.com").unwrap_err().id,
            "error-email-not-ascii"
        );
    }

    /// F24: names cannot reorder or hide what staff read.
    #[test]
    fn display_names_refuse_control_and_invisible_characters() {
        for bad in [
            "Normal\u{202E}gnp.exe",
            "a\u{0000}b",
            "a\u{2066}b\u{2069}",
            "a\u{200B}b",
            "a\u{200D}b",
            "a\u{FEFF}b",
            "a\u{0007}b",
            "a\nb",
        ] {
            assert_eq!(
                parse_display_name(bad).unwrap_err().id,
                "error-display-name-characters",
                "{bad:?}"
            );
        }
        assert_eq!(parse_display_name(" 陳小明 ").unwrap(), "陳小明");
        assert_eq!(
            parse_display_name("  ").unwrap_err().id,
            "error-display-name"
        );
    }
}
