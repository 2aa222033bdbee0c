//! Who an event names as its actor, and the one text format it is stored in.
//!
//! Case events keep the actor as text inside their hash chain, so the format below is frozen:
//! `staff:<account id>`, `citizen` or `citizen:<account id>`, `api_client:<client id>`,
//! `system` or `system:<label>`, `import:<source>`.

use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// The actor of a case event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ActorRef {
    /// A staff account.
    Staff { account_id: String },
    /// A citizen on the web or the phone, signed in or not.
    Citizen { account_id: Option<String> },
    /// A registered Open311 or REST client.
    ApiClient { client_id: String },
    /// The operator at the command line or a background job (`label` names which: `sla`,
    /// `demo`, the operator's name).
    System { label: Option<String> },
    /// A bulk import from an open-data source.
    Import { source: String },
}

impl ActorRef {
    /// The operator or a background job under `label`.
    pub fn system(label: impl Into<String>) -> ActorRef {
        ActorRef::System {
            label: Some(label.into()),
        }
    }
}

impl fmt::Display for ActorRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ActorRef::Staff { account_id } => write!(f, "staff:{account_id}"),
            ActorRef::Citizen { account_id: None } => f.write_str("citizen"),
            ActorRef::Citizen {
                account_id: Some(id),
            } => write!(f, "citizen:{id}"),
            ActorRef::ApiClient { client_id } => write!(f, "api_client:{client_id}"),
            ActorRef::System { label: None } => f.write_str("system"),
            ActorRef::System { label: Some(l) } => write!(f, "system:{l}"),
            ActorRef::Import { source } => write!(f, "import:{source}"),
        }
    }
}

/// Text that is not an actor label.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0:?} is not an actor label")]
pub struct NotAnActor(pub String);

impl FromStr for ActorRef {
    type Err = NotAnActor;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (kind, rest) = match text.split_once(':') {
            Some((kind, rest)) => (kind, Some(rest.to_string())),
            None => (text, None),
        };
        Ok(match (kind, rest) {
            ("staff", Some(account_id)) => ActorRef::Staff { account_id },
            ("citizen", account_id) => ActorRef::Citizen { account_id },
            ("api_client", Some(client_id)) => ActorRef::ApiClient { client_id },
            ("system", label) => ActorRef::System { label },
            ("import", Some(source)) => ActorRef::Import { source },
            _ => return Err(NotAnActor(text.to_string())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn labels_keep_the_stored_format() {
        let cases = [
            (
                ActorRef::Staff {
                    account_id: "0193-a".into(),
                },
                "staff:0193-a",
            ),
            (ActorRef::Citizen { account_id: None }, "citizen"),
            (
                ActorRef::Citizen {
                    account_id: Some("c1".into()),
                },
                "citizen:c1",
            ),
            (
                ActorRef::ApiClient {
                    client_id: "k".into(),
                },
                "api_client:k",
            ),
            (ActorRef::System { label: None }, "system"),
            (ActorRef::system("sla"), "system:sla"),
            (
                ActorRef::Import {
                    source: "taipei1999".into(),
                },
                "import:taipei1999",
            ),
        ];
        for (actor, text) in cases {
            assert_eq!(actor.to_string(), text);
            assert_eq!(text.parse::<ActorRef>(), Ok(actor));
        }
    }

    #[test]
    fn other_text_is_not_an_actor() {
        for text in ["", "staff", "robot:1", "Staff:1", "import", "api_client"] {
            assert_eq!(
                text.parse::<ActorRef>(),
                Err(NotAnActor(text.to_string())),
                "{text}"
            );
        }
    }

    fn any_actor() -> impl Strategy<Value = ActorRef> {
        // Any text, colons and the empty string included: an operator's label is free text.
        let text = || any::<String>();
        prop_oneof![
            text().prop_map(|account_id| ActorRef::Staff { account_id }),
            proptest::option::of(text()).prop_map(|account_id| ActorRef::Citizen { account_id }),
            text().prop_map(|client_id| ActorRef::ApiClient { client_id }),
            proptest::option::of(text()).prop_map(|label| ActorRef::System { label }),
            text().prop_map(|source| ActorRef::Import { source }),
        ]
    }

    proptest! {
        #[test]
        fn display_and_parse_round_trip(actor in any_actor()) {
            let text = actor.to_string();
            prop_assert_eq!(text.parse::<ActorRef>(), Ok(actor));
        }
    }
}
