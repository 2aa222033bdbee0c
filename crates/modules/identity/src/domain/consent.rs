//! Consent to a use of personal data, as a citizen gives and withdraws it, and the one question
//! every use asks: on what basis ([`decide`])? Pure rules; the ledger is `store::consents`
//! and the use cases `accounts::consents`.
//!
//! A consent is given for one purpose a module declares (`platform::personal_data::Purpose`),
//! copies what that purpose said at the time (its data categories and recipient), and runs
//! from when it was given until it expires, is withdrawn, or is renewed by a newer one. Nothing
//! in a consent record changes afterwards except how it ended; the history is the records.
//! [`receipt`] writes a record in the ISO/IEC TS 27560 consent-record structure.

use domain::Message;
use domain::enums::string_enum;
use platform::personal_data::{LegalBasis, Purpose};

/// One day, in seconds.
pub const DAY: i64 = 86_400;

string_enum! {
    /// How a consent ended, if it has.
    Ending { Withdrawn = "withdrawn", Renewed = "renewed" }
}

/// A consent as the ledger holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub id: String,
    /// The account of the citizen who gave it.
    pub subject: String,
    /// The purpose's code.
    pub purpose: String,
    /// The data categories the purpose named when the consent was given.
    pub data: Vec<String>,
    /// The recipient the purpose named: its kind (`module`, `department`, `outside`) and key.
    pub recipient_kind: String,
    pub recipient: String,
    pub given_at: i64,
    pub expires_at: i64,
    /// When and how it ended before it expired.
    pub ended: Option<(i64, Ending)>,
}

/// Where a consent stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Active,
    Expired,
    Withdrawn,
    Renewed,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Active => "active",
            State::Expired => "expired",
            State::Withdrawn => "withdrawn",
            State::Renewed => "renewed",
        }
    }
}

impl Consent {
    /// Its state at `now`: an ending before `now` wins over expiry.
    pub fn state_at(&self, now: i64) -> State {
        match self.ended {
            Some((at, how)) if at <= now => match how {
                Ending::Withdrawn => State::Withdrawn,
                Ending::Renewed => State::Renewed,
            },
            _ if now >= self.expires_at => State::Expired,
            _ if now < self.given_at => State::Expired,
            _ => State::Active,
        }
    }

    /// When it stopped (or will stop) counting.
    pub fn ends_at(&self) -> i64 {
        self.ended
            .map_or(self.expires_at, |(at, _)| at.min(self.expires_at))
    }
}

/// Why a use of personal data is lawful, as [`decide`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Basis {
    /// A statutory duty, by its law key.
    Statute(&'static str),
    /// The consent `id`, good until `until`.
    Consent { id: String, until: i64 },
}

/// Why a use is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The citizen never consented to this purpose.
    NeverGiven,
    /// Their last consent was withdrawn.
    Withdrawn,
    /// Their last consent expired.
    Expired,
}

impl Refusal {
    pub fn message(self) -> Message {
        Message::new(match self {
            Refusal::NeverGiven => "error-consent-never-given",
            Refusal::Withdrawn => "error-consent-withdrawn",
            Refusal::Expired => "error-consent-expired",
        })
    }
}

/// On what basis may `purpose` use the data of the citizen whose consents are `consents`
/// (any purposes, any order), at `now`? A statutory purpose needs no consent; any other needs
/// one active consent to that purpose. A refusal says how the last consent ended.
pub fn decide(purpose: &Purpose, consents: &[Consent], now: i64) -> Result<Basis, Refusal> {
    if let LegalBasis::Statute(law) = purpose.basis {
        return Ok(Basis::Statute(law));
    }
    let mine = consents.iter().filter(|c| c.purpose == purpose.code);
    let mut last: Option<&Consent> = None;
    for c in mine {
        if c.state_at(now) == State::Active {
            return Ok(Basis::Consent {
                id: c.id.clone(),
                until: c.ends_at(),
            });
        }
        if last.is_none_or(|l| (c.given_at, &c.id) > (l.given_at, &l.id)) {
            last = Some(c);
        }
    }
    Err(match last.map(|c| c.state_at(now)) {
        None => Refusal::NeverGiven,
        Some(State::Withdrawn) => Refusal::Withdrawn,
        Some(_) => Refusal::Expired,
    })
}

/// The days a citizen may consent for: the purpose's maximum and a few shorter choices, as the
/// form offers them.
pub fn duration_choices(purpose: &Purpose) -> Vec<u32> {
    match purpose.basis {
        LegalBasis::Statute(_) => Vec::new(),
        LegalBasis::Consent { max_days } => {
            let mut days: Vec<u32> = [30, 90, 365]
                .into_iter()
                .filter(|d| *d < max_days)
                .collect();
            days.push(max_days);
            days
        }
    }
}

/// Checks a citizen's request to consent to `purpose` for `days`.
pub fn check_grant(purpose: &Purpose, days: u32) -> Result<(), Message> {
    match purpose.basis {
        LegalBasis::Statute(_) => Err(Message::new("error-consent-not-needed")),
        LegalBasis::Consent { max_days } if days == 0 || days > max_days => {
            Err(Message::new("error-consent-days").arg("max", max_days.to_string()))
        }
        LegalBasis::Consent { .. } => Ok(()),
    }
}

/// The words a receipt is written in: the controller, and the purpose as the citizen read it
/// (in their language, when they gave it).
#[derive(Debug, Clone, Default)]
pub struct ReceiptText {
    /// The jurisdiction (the PII controller) and where to reach it.
    pub controller: String,
    pub controller_url: String,
    pub purpose: String,
    pub purpose_about: String,
    /// Each data category's name, in the consent's order.
    pub data: Vec<String>,
    pub recipient: String,
    /// The language the words are in (BCP 47).
    pub language: String,
    /// The link to the consent's page, where it can be withdrawn.
    pub withdraw_url: String,
}

fn rfc3339(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// A consent as an ISO/IEC TS 27560:2023 consent record (its JSON field names as the W3C DPV
/// guide to the standard spells them), with its events up to `now`: the giving, and its
/// withdrawal, renewal or expiry.
pub fn receipt(c: &Consent, text: &ReceiptText, now: i64) -> serde_json::Value {
    let mut events = vec![serde_json::json!({
        "event_time": rfc3339(c.given_at),
        "event_type": "express consent given",
        "event_by": "pii principal",
        "event_state": "consent given",
        "validity_duration": format!("P{}D", (c.expires_at - c.given_at) / DAY),
    })];
    match c.state_at(now) {
        State::Withdrawn => events.push(serde_json::json!({
            "event_time": rfc3339(c.ends_at()),
            "event_type": "consent withdrawn",
            "event_by": "pii principal",
            "event_state": "consent withdrawn",
        })),
        State::Renewed => events.push(serde_json::json!({
            "event_time": rfc3339(c.ends_at()),
            "event_type": "consent renewed",
            "event_by": "pii principal",
            "event_state": "consent renewed",
        })),
        State::Expired => events.push(serde_json::json!({
            "event_time": rfc3339(c.expires_at),
            "event_type": "consent expired",
            "event_by": "pii controller",
            "event_state": "consent expired",
        })),
        State::Active => {}
    }
    serde_json::json!({
        "schema_version": "ISO/IEC TS 27560:2023",
        "record_id": c.id,
        "pii_principal_id": c.subject,
        "language": text.language,
        "state": c.state_at(now).as_str(),
        "pii_controllers": [{
            "pii_controller": text.controller,
            "pii_controller_url": text.controller_url,
        }],
        "purposes": [{
            "purpose_id": c.purpose,
            "purpose": text.purpose,
            "purpose_description": text.purpose_about,
            "lawful_basis": "consent",
            "pii_categories": text.data,
            "pii_category_ids": c.data,
            "recipients": [{ "kind": c.recipient_kind, "id": c.recipient, "name": text.recipient }],
            "storage_duration": format!("P{}D", (c.expires_at - c.given_at) / DAY),
        }],
        "event": events,
        "withdrawal": { "method": "online", "url": text.withdraw_url },
        "jurisdiction": "TW",
        "legislation": "Personal Data Protection Act (個人資料保護法)",
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use platform::personal_data::Recipient;
    use proptest::prelude::*;

    const PREFILL: Purpose = Purpose {
        code: "identity.prefill",
        data: &["household-registration"],
        recipient: Recipient::Module("counter"),
        basis: LegalBasis::Consent { max_days: 365 },
    };
    const DUTY: Purpose = Purpose {
        code: "cases.follow-up",
        data: &["contact"],
        recipient: Recipient::Module("cases"),
        basis: LegalBasis::Statute("pdpa-16"),
    };

    fn consent(id: &str, given: i64, days: i64, ended: Option<(i64, Ending)>) -> Consent {
        Consent {
            id: id.into(),
            subject: "a".into(),
            purpose: PREFILL.code.into(),
            data: vec!["household-registration".into()],
            recipient_kind: "module".into(),
            recipient: "counter".into(),
            given_at: given,
            expires_at: given + days * DAY,
            ended,
        }
    }

    #[test]
    fn a_statutory_purpose_needs_no_consent() {
        assert_eq!(decide(&DUTY, &[], 0), Ok(Basis::Statute("pdpa-16")));
        assert_eq!(
            check_grant(&DUTY, 30).unwrap_err().id,
            "error-consent-not-needed"
        );
    }

    #[test]
    fn a_refusal_says_how_the_last_consent_ended() {
        assert_eq!(decide(&PREFILL, &[], 0), Err(Refusal::NeverGiven));
        let withdrawn = consent("1", 0, 30, Some((10 * DAY, Ending::Withdrawn)));
        assert_eq!(
            decide(&PREFILL, std::slice::from_ref(&withdrawn), 11 * DAY),
            Err(Refusal::Withdrawn)
        );
        // Before the withdrawal it counted.
        assert!(decide(&PREFILL, std::slice::from_ref(&withdrawn), 9 * DAY).is_ok());
        let later = consent("2", 20 * DAY, 5, None);
        assert_eq!(
            decide(&PREFILL, &[later, withdrawn], 40 * DAY),
            Err(Refusal::Expired)
        );
    }

    #[test]
    fn the_form_offers_durations_up_to_the_maximum() {
        assert_eq!(duration_choices(&PREFILL), [30, 90, 365]);
        let short = Purpose {
            basis: LegalBasis::Consent { max_days: 60 },
            ..PREFILL
        };
        assert_eq!(duration_choices(&short), [30, 60]);
        assert!(check_grant(&short, 60).is_ok());
        assert_eq!(
            check_grant(&short, 61).unwrap_err().id,
            "error-consent-days"
        );
        assert!(check_grant(&short, 0).is_err());
    }

    #[test]
    fn a_receipt_is_a_27560_record_with_its_events() {
        let c = consent("r1", 0, 30, Some((DAY, Ending::Withdrawn)));
        let r = receipt(&c, &ReceiptText::default(), 2 * DAY);
        assert_eq!(r["schema_version"], "ISO/IEC TS 27560:2023");
        assert_eq!(r["record_id"], "r1");
        assert_eq!(r["state"], "withdrawn");
        assert_eq!(r["purposes"][0]["purpose_id"], PREFILL.code);
        assert_eq!(r["purposes"][0]["storage_duration"], "P30D");
        let events = r["event"].as_array().unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0]["event_time"], "1970-01-01T00:00:00Z");
        assert_eq!(events[1]["event_type"], "consent withdrawn");
        assert_eq!(events[1]["event_time"], "1970-01-02T00:00:00Z");
    }

    fn arb_consent() -> impl Strategy<Value = Consent> {
        (
            0..4u8,
            0..100i64,
            1..60i64,
            proptest::option::of((0..120i64, any::<bool>())),
        )
            .prop_map(|(id, given, days, ended)| {
                consent(
                    &id.to_string(),
                    given * DAY,
                    days,
                    ended.map(|(at, w)| {
                        (
                            at * DAY,
                            if w {
                                Ending::Withdrawn
                            } else {
                                Ending::Renewed
                            },
                        )
                    }),
                )
            })
    }

    proptest! {
        /// A use is allowed exactly when some consent to the purpose is active at that moment,
        /// and then the basis names an active one; a withdrawal stops every later use.
        #[test]
        fn a_use_needs_an_active_consent(
            list in proptest::collection::vec(arb_consent(), 0..5),
            now in 0..200i64,
        ) {
            let now = now * DAY;
            let active = list.iter().any(|c| c.state_at(now) == State::Active);
            match decide(&PREFILL, &list, now) {
                Ok(Basis::Consent { id, until }) => {
                    prop_assert!(active);
                    let c = list.iter().find(|c| c.id == id && c.state_at(now) == State::Active);
                    prop_assert!(c.is_some());
                    prop_assert!(until > now);
                }
                Ok(Basis::Statute(_)) => prop_assert!(false, "a consent purpose"),
                Err(_) => prop_assert!(!active),
            }
            for c in &list {
                if let Some((at, _)) = c.ended {
                    prop_assert!(at > now || c.state_at(now) != State::Active);
                }
            }
        }

        /// Another purpose's consents never count.
        #[test]
        fn only_the_purposes_own_consents_count(
            list in proptest::collection::vec(arb_consent(), 0..5),
            now in 0..200i64,
        ) {
            let other: Vec<Consent> = list
                .into_iter()
                .map(|c| Consent { purpose: "cases.other".into(), ..c })
                .collect();
            prop_assert_eq!(decide(&PREFILL, &other, now * DAY), Err(Refusal::NeverGiven));
        }
    }
}
