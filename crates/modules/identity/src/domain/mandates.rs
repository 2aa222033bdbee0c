//! Mandates (代理), in the Suomi.fi e-Authorizations model: a citizen (the principal) authorises
//! another person (the agent) to act for them on a theme — pick up their documents, follow
//! their cases, apply for them — optionally only for one thing (a specifier: an application's
//! number), from a start date to an end date, until revoked.
//!
//! The agent is either a civicdesk account, which must accept the mandate before it holds, or a
//! named person without an account (name, the last four characters of their ID number, a
//! mobile number), who proves who they are where the mandate is used (at the counter: photo ID,
//! a code sent to that mobile).
//!
//! Services ask one question, [`decide`]: may this agent act for this principal on this theme
//! (and thing), today? The answer names the mandate that allows it, or why not.

use domain::Message;
use domain::enums::string_enum;
use time::Date;

string_enum! {
    /// What a mandate allows.
    Theme {
        /// Collect the principal's documents at the counter or a locker (代理領件).
        PickUpDocuments = "pick_up_documents",
        /// See the principal's cases and their progress.
        FollowCases = "follow_cases",
        /// Apply for services in the principal's name (代理申請).
        ApplyForMe = "apply_for_me",
    }
}

/// The longest a mandate may run, in years (Suomi.fi: 25).
pub const MAX_YEARS: i32 = 25;
/// The longest specifier (e.g. an application number).
pub const MAX_SPECIFIER: usize = 64;

/// Who acts for the principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Agent {
    /// A civicdesk account (it accepts the mandate before the mandate holds).
    Account(String),
    /// A person without an account, named by the principal.
    Person(NamedPerson),
}

/// A person named by the principal: who must show themselves where the mandate is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedPerson {
    pub name: String,
    /// The last four characters of their ID number (身分證 or resident certificate).
    pub id_last4: String,
    /// Their mobile number, E.164.
    pub mobile: String,
}

/// Where a mandate stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Given to an account that has not accepted it yet.
    Offered,
    /// In force between its dates (an account accepted it, or it names a person).
    Active,
    /// Declined by the agent.
    Declined,
    /// Revoked by the principal (or the agent withdrew).
    Revoked,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Offered => "offered",
            State::Active => "active",
            State::Declined => "declined",
            State::Revoked => "revoked",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        [
            State::Offered,
            State::Active,
            State::Declined,
            State::Revoked,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// One mandate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mandate {
    pub id: String,
    /// The principal's account.
    pub principal: String,
    pub agent: Agent,
    pub theme: Theme,
    /// Only this thing (e.g. an application number), when given.
    pub specifier: Option<String>,
    /// First and last day it holds, both included (the jurisdiction's calendar days).
    pub starts_on: Date,
    pub ends_on: Date,
    pub state: State,
}

/// What a principal asks for when giving a mandate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub agent: Agent,
    pub theme: Theme,
    pub specifier: Option<String>,
    pub starts_on: Date,
    pub ends_on: Date,
}

/// Checks a request made on `today`; every problem is reported (the field each concerns is
/// the message's `field` argument).
pub fn check_request(r: &Request, principal: &str, today: Date) -> Result<(), Vec<Message>> {
    let mut errors = Vec::new();
    let field = |id: &'static str, field: &'static str| Message::new(id).arg("field", field);
    if r.starts_on < today {
        errors.push(field("error-mandate-starts-past", "starts_on"));
    }
    if r.ends_on < r.starts_on {
        errors.push(field("error-mandate-ends-before", "ends_on"));
    } else if r.ends_on
        > r.starts_on
            .replace_year(r.starts_on.year() + MAX_YEARS)
            .unwrap_or(r.ends_on)
    {
        errors.push(field("error-mandate-too-long", "ends_on").arg("years", MAX_YEARS.to_string()));
    }
    if let Some(s) = &r.specifier
        && (s.trim().is_empty() || s.chars().count() > MAX_SPECIFIER)
    {
        errors.push(
            field("error-mandate-specifier", "specifier").arg("max", MAX_SPECIFIER.to_string()),
        );
    }
    match &r.agent {
        Agent::Account(id) if id == principal => {
            errors.push(field("error-mandate-self", "agent"));
        }
        Agent::Account(_) => {}
        Agent::Person(p) => {
            let name = p.name.trim().chars().count();
            if name == 0 || name > 100 {
                errors.push(field("error-mandate-agent-name", "agent_name"));
            }
            let last4 = p.id_last4.trim();
            if last4.chars().count() != 4 || !last4.chars().all(|c| c.is_ascii_alphanumeric()) {
                errors.push(field("error-mandate-agent-id", "agent_id_last4"));
            }
            if p.mobile.trim().is_empty() {
                errors.push(field("error-mandate-agent-mobile", "agent_mobile"));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// What a service asks: may `agent` act for `principal` on `theme` (for `thing`, if the action
/// concerns one), on `today`?
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    pub principal: &'a str,
    pub agent: &'a Agent,
    pub theme: Theme,
    pub thing: Option<&'a str>,
    pub today: Date,
}

/// The answer: the mandate that allows it, or why not (the first reason that applies to the
/// closest mandate, so the person asking learns what to fix).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allowed { mandate: String },
    Refused(Refusal),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No mandate between these two people.
    NoMandate,
    /// Mandates exist, but for other themes.
    OtherTheme,
    /// For this theme, but for another thing.
    OtherThing,
    /// Not yet accepted by the agent's account.
    NotAccepted,
    /// Before its start or after its end.
    OutsideDates,
    /// Revoked or declined.
    Ended,
}

impl Refusal {
    pub fn message(self) -> Message {
        Message::new(match self {
            Refusal::NoMandate => "error-mandate-none",
            Refusal::OtherTheme => "error-mandate-other-theme",
            Refusal::OtherThing => "error-mandate-other-thing",
            Refusal::NotAccepted => "error-mandate-not-accepted",
            Refusal::OutsideDates => "error-mandate-dates",
            Refusal::Ended => "error-mandate-ended",
        })
    }

    /// How close a mandate came: a refusal further down the checks says more.
    fn rank(self) -> u8 {
        match self {
            Refusal::NoMandate => 0,
            Refusal::OtherTheme => 1,
            Refusal::Ended => 2,
            Refusal::OtherThing => 3,
            Refusal::NotAccepted => 4,
            Refusal::OutsideDates => 5,
        }
    }
}

/// Whether the same person: the same account, or the same named person (name as written,
/// ID digits and mobile compared exactly).
fn same_agent(a: &Agent, b: &Agent) -> bool {
    match (a, b) {
        (Agent::Account(x), Agent::Account(y)) => x == y,
        (Agent::Person(x), Agent::Person(y)) => {
            x.name.trim() == y.name.trim()
                && x.id_last4.trim().eq_ignore_ascii_case(y.id_last4.trim())
                && x.mobile == y.mobile
        }
        _ => false,
    }
}

/// Checks one mandate against the question.
fn check(m: &Mandate, q: &Question<'_>) -> Result<(), Refusal> {
    if m.principal != q.principal || !same_agent(&m.agent, q.agent) {
        return Err(Refusal::NoMandate);
    }
    if m.theme != q.theme {
        return Err(Refusal::OtherTheme);
    }
    if matches!(m.state, State::Revoked | State::Declined) {
        return Err(Refusal::Ended);
    }
    if let Some(only) = &m.specifier
        && q.thing != Some(only.as_str())
    {
        return Err(Refusal::OtherThing);
    }
    if m.state == State::Offered {
        return Err(Refusal::NotAccepted);
    }
    if q.today < m.starts_on || q.today > m.ends_on {
        return Err(Refusal::OutsideDates);
    }
    Ok(())
}

/// Answers a question from the mandates between the two people (any others are ignored).
pub fn decide(mandates: &[Mandate], q: &Question<'_>) -> Decision {
    let mut closest = Refusal::NoMandate;
    for m in mandates {
        match check(m, q) {
            Ok(()) => {
                return Decision::Allowed {
                    mandate: m.id.clone(),
                };
            }
            Err(r) if r.rank() > closest.rank() => closest = r,
            Err(_) => {}
        }
    }
    Decision::Refused(closest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn mandate(theme: Theme, state: State) -> Mandate {
        Mandate {
            id: "m1".into(),
            principal: "grandma".into(),
            agent: Agent::Account("grandson".into()),
            theme,
            specifier: None,
            starts_on: date!(2026 - 12 - 01),
            ends_on: date!(2027 - 11 - 30),
            state,
        }
    }

    fn ask<'a>(
        agent: &'a Agent,
        theme: Theme,
        thing: Option<&'a str>,
        today: Date,
    ) -> Question<'a> {
        Question {
            principal: "grandma",
            agent,
            theme,
            thing,
            today,
        }
    }

    #[test]
    fn an_accepted_mandate_allows_its_theme_between_its_dates() {
        let m = mandate(Theme::PickUpDocuments, State::Active);
        let agent = Agent::Account("grandson".into());
        let today = date!(2026 - 12 - 06);
        assert_eq!(
            decide(
                std::slice::from_ref(&m),
                &ask(&agent, Theme::PickUpDocuments, None, today)
            ),
            Decision::Allowed {
                mandate: "m1".into()
            }
        );
        let refused = |theme, thing, today, ms: &[Mandate]| match decide(
            ms,
            &ask(&agent, theme, thing, today),
        ) {
            Decision::Refused(r) => r,
            d => panic!("{d:?}"),
        };
        assert_eq!(
            refused(Theme::ApplyForMe, None, today, std::slice::from_ref(&m)),
            Refusal::OtherTheme
        );
        assert_eq!(
            refused(
                Theme::PickUpDocuments,
                None,
                date!(2027 - 12 - 01),
                std::slice::from_ref(&m)
            ),
            Refusal::OutsideDates
        );
        let offered = mandate(Theme::PickUpDocuments, State::Offered);
        assert_eq!(
            refused(Theme::PickUpDocuments, None, today, &[offered]),
            Refusal::NotAccepted
        );
        let revoked = mandate(Theme::PickUpDocuments, State::Revoked);
        assert_eq!(
            refused(Theme::PickUpDocuments, None, today, &[revoked]),
            Refusal::Ended
        );
        let mut one = m.clone();
        one.specifier = Some("A-1150001".into());
        assert_eq!(
            refused(
                Theme::PickUpDocuments,
                Some("A-1150002"),
                today,
                std::slice::from_ref(&one)
            ),
            Refusal::OtherThing
        );
        assert!(matches!(
            decide(
                &[one],
                &ask(&agent, Theme::PickUpDocuments, Some("A-1150001"), today)
            ),
            Decision::Allowed { .. }
        ));
        let stranger = Agent::Account("stranger".into());
        assert_eq!(
            decide(&[m], &ask(&stranger, Theme::PickUpDocuments, None, today)),
            Decision::Refused(Refusal::NoMandate)
        );
    }

    #[test]
    fn a_named_person_is_the_same_person_only_by_name_id_digits_and_mobile() {
        let person = NamedPerson {
            name: "王大同".into(),
            id_last4: "6789".into(),
            mobile: "+886912345678".into(),
        };
        let mut m = mandate(Theme::PickUpDocuments, State::Active);
        m.agent = Agent::Person(person.clone());
        let today = date!(2026 - 12 - 06);
        let same = Agent::Person(NamedPerson {
            name: " 王大同 ".into(),
            ..person.clone()
        });
        assert!(matches!(
            decide(
                std::slice::from_ref(&m),
                &ask(&same, Theme::PickUpDocuments, None, today)
            ),
            Decision::Allowed { .. }
        ));
        let other = Agent::Person(NamedPerson {
            id_last4: "6780".into(),
            ..person
        });
        assert_eq!(
            decide(&[m], &ask(&other, Theme::PickUpDocuments, None, today)),
            Decision::Refused(Refusal::NoMandate)
        );
    }

    #[test]
    fn a_request_is_checked_whole() {
        let today = date!(2026 - 12 - 06);
        let ok = Request {
            agent: Agent::Account("grandson".into()),
            theme: Theme::FollowCases,
            specifier: None,
            starts_on: today,
            ends_on: date!(2027 - 12 - 06),
        };
        assert_eq!(check_request(&ok, "grandma", today), Ok(()));
        let wrong = Request {
            agent: Agent::Account("grandma".into()),
            starts_on: date!(2026 - 12 - 01),
            ends_on: date!(2052 - 12 - 02),
            specifier: Some(" ".into()),
            ..ok.clone()
        };
        let ids: Vec<&str> = check_request(&wrong, "grandma", today)
            .unwrap_err()
            .iter()
            .map(|m| m.id)
            .collect();
        assert_eq!(
            ids,
            [
                "error-mandate-starts-past",
                "error-mandate-too-long",
                "error-mandate-specifier",
                "error-mandate-self"
            ]
        );
        let person = Request {
            agent: Agent::Person(NamedPerson {
                name: "".into(),
                id_last4: "12".into(),
                mobile: "".into(),
            }),
            ..ok
        };
        assert_eq!(
            check_request(&person, "grandma", today).unwrap_err().len(),
            3
        );
    }

    fn theme() -> impl Strategy<Value = Theme> {
        prop_oneof![
            Just(Theme::PickUpDocuments),
            Just(Theme::FollowCases),
            Just(Theme::ApplyForMe)
        ]
    }

    fn state() -> impl Strategy<Value = State> {
        prop_oneof![
            Just(State::Offered),
            Just(State::Active),
            Just(State::Declined),
            Just(State::Revoked)
        ]
    }

    fn day(n: i64) -> Date {
        date!(2026 - 01 - 01) + time::Duration::days(n)
    }

    proptest! {
        /// Allowed exactly when some mandate of the two people is active, of the theme, for the
        /// thing (or any), and today lies between its dates; and the mandate named is such a one.
        #[test]
        fn allowed_exactly_when_one_mandate_holds(
            specs in prop::collection::vec((theme(), state(), 0i64..400, 0i64..400, prop::option::of(0u8..3), any::<bool>()), 0..6),
            asked in theme(),
            thing in prop::option::of(0u8..3),
            today in 0i64..400,
        ) {
            let agent = Agent::Account("agent".into());
            let mandates: Vec<Mandate> = specs.iter().enumerate().map(|(i, (t, s, a, b, spec, mine))| Mandate {
                id: format!("m{i}"),
                principal: if *mine { "p".into() } else { "q".into() },
                agent: agent.clone(),
                theme: *t,
                specifier: spec.map(|n| format!("thing-{n}")),
                starts_on: day(*a.min(b)),
                ends_on: day(*a.max(b)),
                state: *s,
            }).collect();
            let thing = thing.map(|n| format!("thing-{n}"));
            let q = Question { principal: "p", agent: &agent, theme: asked, thing: thing.as_deref(), today: day(today) };
            let holds = |m: &Mandate| m.principal == "p" && m.theme == asked && m.state == State::Active
                && m.specifier.as_ref().is_none_or(|s| Some(s) == thing.as_ref())
                && m.starts_on <= day(today) && day(today) <= m.ends_on;
            match decide(&mandates, &q) {
                Decision::Allowed { mandate } => {
                    let m = mandates.iter().find(|m| m.id == mandate).unwrap();
                    prop_assert!(holds(m));
                }
                Decision::Refused(_) => prop_assert!(!mandates.iter().any(holds)),
            }
        }
    }
}
