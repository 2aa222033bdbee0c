//! What the administration pages of every module share: forms of rows, the row and field a
//! refusal names, and the status line after a redirect.

use super::Visitor;
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
