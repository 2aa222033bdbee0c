//! Signing in through a city's identity provider: what the provider says about a person (the
//! claims, read by a configurable map), how sure civicdesk is of who an account belongs to (the
//! assurance level), and which account a city identity signs in to.
//!
//! Two shapes of provider are supported:
//! - OpenID Connect: the claims are those of the validated ID token (and the standard names,
//!   `sub`, `email`, `email_verified`, `phone_number`, `phone_number_verified`, `name`);
//! - OAuth 2.0 with a user-info call, as TaipeiPASS publishes it: the claims are the JSON the
//!   user-info endpoint answers (`{"data": {"id": …, "realName": …, "verifyLevel": "3", …}}`).
//!
//! Either way a [`ClaimsMap`] names, by JSON pointer, where each fact is.

use domain::Message;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// How sure civicdesk is of who an account belongs to. Ordered: a service that needs
/// `ContactVerified` accepts `RealName`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assurance {
    /// Nothing proved: a new account, or a person known only by a provider that vouches for
    /// nothing.
    Unverified,
    /// An e-mail address or a mobile number proved by a code (or vouched for by the provider).
    ContactVerified,
    /// A real name proved: a city login at a real-name level (TaipeiPASS `verifyLevel` > 0), or
    /// a MyData verification.
    RealName,
}

impl Assurance {
    pub fn as_str(self) -> &'static str {
        match self {
            Assurance::Unverified => "unverified",
            Assurance::ContactVerified => "contact_verified",
            Assurance::RealName => "real_name",
        }
    }

    pub fn parse(text: &str) -> Option<Assurance> {
        [
            Assurance::Unverified,
            Assurance::ContactVerified,
            Assurance::RealName,
        ]
        .into_iter()
        .find(|a| a.as_str() == text)
    }

    /// What an action that needs `self` asks of an account in a jurisdiction whose city logins
    /// can prove at most `reachable`: no more than can be reached (a city with no login that
    /// proves real names cannot ask for one).
    pub fn asked(self, reachable: Assurance) -> Assurance {
        self.min(reachable)
    }

    /// The level of an account: real name if proved, else a verified contact, else nothing.
    pub fn of(contact_verified: bool, real_name: bool) -> Assurance {
        match (contact_verified, real_name) {
            (_, true) => Assurance::RealName,
            (true, false) => Assurance::ContactVerified,
            (false, false) => Assurance::Unverified,
        }
    }
}

/// Where each fact is in a provider's claims, as JSON pointers (`/sub`, `/data/realName`).
/// `subject` is required; every other fact may be absent. Without a `*_verified` pointer the
/// provider vouches for a contact only when it has verified the person's real name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimsMap {
    pub subject: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub email_verified: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub phone_verified: Option<String>,
    #[serde(default)]
    pub national_id: Option<String>,
    /// A number (or a string holding one); at or above `real_name_level` the provider has
    /// verified the person's real name.
    #[serde(default)]
    pub verify_level: Option<String>,
    #[serde(default)]
    pub member_type: Option<String>,
    /// The lowest `verify_level` that means a real name (TaipeiPASS: 1).
    #[serde(default = "one")]
    pub real_name_level: i64,
}

fn one() -> i64 {
    1
}

impl ClaimsMap {
    /// Whether a provider with this map can prove a real name (it reads a verification level).
    pub fn proves_real_name(&self) -> bool {
        self.verify_level.is_some()
    }

    /// The standard claims of OpenID Connect Core §5.1. No real-name level: a provider that
    /// has one maps it.
    pub fn openid() -> ClaimsMap {
        ClaimsMap {
            subject: "/sub".into(),
            name: Some("/name".into()),
            email: Some("/email".into()),
            email_verified: Some("/email_verified".into()),
            phone: Some("/phone_number".into()),
            phone_verified: Some("/phone_number_verified".into()),
            national_id: None,
            verify_level: None,
            member_type: None,
            real_name_level: 1,
        }
    }

    /// TaipeiPASS's user-info answer (`GET …/api/v1.0.9/user/my`): `data` with `id`,
    /// `account`, `realName`, `idNo`, `email`, `phoneNo`, `memberType` and `verifyLevel`.
    pub fn taipeipass() -> ClaimsMap {
        ClaimsMap {
            subject: "/data/id".into(),
            name: Some("/data/realName".into()),
            email: Some("/data/email".into()),
            email_verified: None,
            phone: Some("/data/phoneNo".into()),
            phone_verified: None,
            national_id: Some("/data/idNo".into()),
            verify_level: Some("/data/verifyLevel".into()),
            member_type: Some("/data/memberType".into()),
            real_name_level: 1,
        }
    }

    /// Reads a person out of the claims. Only a missing or blank subject is refused: every
    /// other fact is optional, and one of the wrong type is treated as absent.
    pub fn read(&self, claims: &Value) -> Result<CityIdentity, Message> {
        let text = |pointer: &Option<String>| -> Option<String> {
            let v = claims.pointer(pointer.as_deref()?)?;
            let s = match v {
                Value::String(s) => s.trim().to_string(),
                Value::Number(n) => n.to_string(),
                _ => return None,
            };
            (!s.is_empty()).then_some(s)
        };
        let flag = |pointer: &Option<String>| -> Option<bool> {
            match claims.pointer(pointer.as_deref()?)? {
                Value::Bool(b) => Some(*b),
                Value::String(s) => match s.trim() {
                    "true" | "1" => Some(true),
                    "false" | "0" => Some(false),
                    _ => None,
                },
                _ => None,
            }
        };
        let subject = text(&Some(self.subject.clone()))
            .ok_or_else(|| Message::new("error-city-login-no-subject"))?;
        if subject.chars().count() > 255 {
            return Err(Message::new("error-city-login-no-subject"));
        }
        let verify_level = text(&self.verify_level).and_then(|l| l.parse::<i64>().ok());
        let real_name = verify_level.is_some_and(|l| l >= self.real_name_level);
        // A contact counts as verified when the provider's flag says so. Without a flag
        // (TaipeiPASS has none), only a member whose real name the provider verified is
        // vouched for: a regular member's address may be anyone's.
        let vouched = |value: Option<String>, pointer: &Option<String>| {
            let verified = match pointer {
                Some(_) => flag(pointer).unwrap_or(false),
                None => real_name,
            };
            value.map(|v| Contact { value: v, verified })
        };
        Ok(CityIdentity {
            subject,
            name: text(&self.name),
            email: vouched(text(&self.email), &self.email_verified),
            phone: vouched(text(&self.phone), &self.phone_verified),
            national_id: text(&self.national_id),
            member_type: text(&self.member_type),
            real_name,
        })
    }
}

/// An address or number the provider gave, and whether it vouches for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub value: String,
    pub verified: bool,
}

/// A person as a city identity provider describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CityIdentity {
    /// The provider's stable id for the person (`sub`, TaipeiPASS `id`).
    pub subject: String,
    pub name: Option<String>,
    pub email: Option<Contact>,
    pub phone: Option<Contact>,
    pub national_id: Option<String>,
    pub member_type: Option<String>,
    /// The provider has verified the person's real name.
    pub real_name: bool,
}

impl CityIdentity {
    /// The assurance a sign-in through this identity gives: a real name if the provider
    /// verified one, a verified contact if it vouches for one, else nothing.
    pub fn assurance(&self) -> Assurance {
        let contact = [&self.email, &self.phone]
            .into_iter()
            .flatten()
            .any(|c| c.verified);
        Assurance::of(contact, self.real_name)
    }
}

/// Which account a city identity signs in to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkDecision {
    /// The identity is already linked to this account.
    Linked(String),
    /// Not linked yet, and exactly one account holds a contact the provider vouches for that
    /// the account has itself verified: link it, rather than make a twin.
    LinkTo(String),
    /// A new citizen account.
    Create,
    /// Several accounts match a vouched contact: none is chosen for the person (they sign in
    /// as before and link from their account page).
    Ambiguous,
}

/// Decides from what is already known: the account linked to this identity, and the accounts
/// whose own verified contact matches one the provider vouches for. A match on an unverified
/// contact is never enough: it would hand an account to whoever registered the address
/// first at the provider.
pub fn decide_link(linked: Option<&str>, verified_matches: &[String]) -> LinkDecision {
    if let Some(id) = linked {
        return LinkDecision::Linked(id.to_string());
    }
    let mut unique: Vec<&String> = verified_matches.iter().collect();
    unique.sort();
    unique.dedup();
    match unique.as_slice() {
        [] => LinkDecision::Create,
        [one] => LinkDecision::LinkTo((*one).clone()),
        _ => LinkDecision::Ambiguous,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn taipeipass_user_info_is_read_by_its_map() {
        let answer = json!({"data": {
            "id": "7f0c2c1e-3a5e-4f51-9d0b-6d3b2a1f0e9c", "account": "meilin",
            "realName": "林美玲", "idNo": "A234567890", "email": "mei@example.tw",
            "phoneNo": "0912345678", "memberType": "personal", "verifyLevel": "3"
        }});
        let who = ClaimsMap::taipeipass().read(&answer).unwrap();
        assert_eq!(who.subject, "7f0c2c1e-3a5e-4f51-9d0b-6d3b2a1f0e9c");
        assert_eq!(who.name.as_deref(), Some("林美玲"));
        assert_eq!(who.national_id.as_deref(), Some("A234567890"));
        assert!(who.email.as_ref().is_some_and(|e| e.verified));
        assert!(who.real_name);
        assert_eq!(who.assurance(), Assurance::RealName);

        // A regular member: neither the real name nor the address is vouched for.
        let regular = json!({"data": {"id": "u2", "verifyLevel": "0", "email": "x@example.tw"}});
        let who = ClaimsMap::taipeipass().read(&regular).unwrap();
        assert!(!who.real_name);
        assert!(!who.email.as_ref().unwrap().verified);
        assert_eq!(who.assurance(), Assurance::Unverified);
        // verifyLevel as a number reads the same.
        let numeric = json!({"data": {"id": "u3", "verifyLevel": 2}});
        assert!(ClaimsMap::taipeipass().read(&numeric).unwrap().real_name);
    }

    #[test]
    fn openid_claims_vouch_only_for_what_they_say_is_verified() {
        let claims = json!({"sub": "abc", "email": "a@example.tw", "email_verified": false,
                            "phone_number": "+886912345678", "phone_number_verified": true});
        let who = ClaimsMap::openid().read(&claims).unwrap();
        assert!(!who.email.unwrap().verified);
        assert!(who.phone.unwrap().verified);
        let unsure = json!({"sub": "abc", "email": "a@example.tw"});
        assert_eq!(
            ClaimsMap::openid().read(&unsure).unwrap().assurance(),
            Assurance::Unverified
        );
    }

    #[test]
    fn a_missing_subject_is_refused() {
        for claims in [json!({}), json!({"sub": "  "}), json!({"sub": {"x": 1}})] {
            assert_eq!(
                ClaimsMap::openid().read(&claims).unwrap_err().id,
                "error-city-login-no-subject"
            );
        }
    }

    #[test]
    fn an_identity_links_to_one_verified_match_never_to_several() {
        assert_eq!(
            decide_link(Some("a1"), &["a2".into()]),
            LinkDecision::Linked("a1".into())
        );
        assert_eq!(decide_link(None, &[]), LinkDecision::Create);
        assert_eq!(
            decide_link(None, &["a2".into(), "a2".into()]),
            LinkDecision::LinkTo("a2".into())
        );
        assert_eq!(
            decide_link(None, &["a2".into(), "a3".into()]),
            LinkDecision::Ambiguous
        );
    }

    #[test]
    fn assurance_is_ordered() {
        assert!(Assurance::RealName > Assurance::ContactVerified);
        assert!(Assurance::ContactVerified > Assurance::Unverified);
        for a in [
            Assurance::Unverified,
            Assurance::ContactVerified,
            Assurance::RealName,
        ] {
            assert_eq!(Assurance::parse(a.as_str()), Some(a));
        }
    }
}
