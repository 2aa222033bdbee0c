//! What the administration pages of every module share: forms of rows, the row and field a
//! refusal names, and the status line after a redirect.

use super::{Page, Visitor};
use askama::Template;
use domain::Message;

/// A form as name/value pairs in the order sent: for rows of inputs (`a3_code`) and repeated
/// checkboxes, which a fixed struct cannot hold.
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// Every value sent under `name` (checkboxes).
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn checked(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    pub fn token(&self) -> &str {
        self.get("_csrf")
    }
}

/// The `field` argument of a service message, if any.
pub fn field_of(m: &Message) -> Option<&str> {
    super::forms::field_arg(m)
}

/// The `row` argument of a service message, if any.
pub fn row_of(m: &Message) -> Option<&str> {
    m.args
        .iter()
        .find(|(k, _)| *k == "row")
        .map(|(_, v)| v.as_str())
}

/// A status line after a redirect (`?done=saved`), announced to screen readers.
pub fn done_message(v: &dyn Visitor, done: Option<&str>) -> Option<String> {
    let key = match done? {
        "saved" => "admin-done-saved",
        "created" => "admin-done-created",
        "deleted" => "admin-done-deleted",
        "revoked" => "admin-done-revoked",
        "queued" => "admin-done-queued",
        "reset" => "admin-done-reset",
        "enabled" => "admin-done-enabled",
        "disabled" => "admin-done-disabled",
        _ => return None,
    };
    Some(v.t(key))
}

#[derive(serde::Deserialize, Default)]
pub struct Done {
    pub done: Option<String>,
}

/// A secret to show once, after the form that made it redirected (POST, redirect, GET): kept
/// sealed with the form's submission (`platform::submissions`), so a reload shows it again and
/// the form sent twice makes one. Its texts are in the language of the form's request.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Secret {
    pub heading: String,
    pub lead: String,
    pub label: String,
    pub secret: String,
    pub back_href: String,
    pub back_label: String,
}

/// The form's submission key as sent (`submission`), or a new one for a form without it.
pub fn submission_of(f: &Fields) -> platform::submissions::SubmissionKey {
    platform::submissions::SubmissionKey::parse(f.get("submission"))
        .unwrap_or_else(platform::submissions::SubmissionKey::new)
}

/// Where the secret made by a submission is shown: `path?s=<key>`.
pub fn secret_href(path: &str, key: &platform::submissions::SubmissionKey) -> String {
    format!("{path}?s={}", key.as_str())
}

/// The secret a submission of `kind` made, for the page at its [`secret_href`]; `None` when the
/// key is unknown, expired or still being made.
pub async fn read_secret(
    platform: &platform::Platform,
    kind: &str,
    s: &str,
) -> Result<Option<Secret>, platform::ServiceError> {
    let Some(key) = platform::submissions::SubmissionKey::parse(s) else {
        return Ok(None);
    };
    Ok(
        match platform.submission_answer::<Secret>(&key, kind).await? {
            platform::submissions::SubmissionAnswer::Ready(secret) => Some(secret),
            _ => None,
        },
    )
}

/// The query of a secret's page.
#[derive(serde::Deserialize, Default)]
pub struct SecretQuery {
    #[serde(default)]
    pub s: String,
}

/// A secret shown once: a new password, API key or webhook secret.
#[derive(Template)]
#[template(path = "admin/shown_once.html")]
pub struct ShownOnce {
    pub p: Page,
    pub heading: String,
    pub lead: String,
    pub label: String,
    pub secret: String,
    pub back_href: String,
    pub back_label: String,
}

impl ShownOnce {
    pub fn of(p: Page, s: Secret) -> ShownOnce {
        ShownOnce {
            p,
            heading: s.heading,
            lead: s.lead,
            label: s.label,
            secret: s.secret,
            back_href: s.back_href,
            back_label: s.back_label,
        }
    }
}
