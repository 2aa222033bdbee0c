//! The rules of forms, by example.

use super::*;

fn text(zh: &str) -> Localized {
    Localized::new(zh, zh)
}

fn field(key: &str, kind: FieldKind) -> Field {
    Field {
        key: key.into(),
        kind,
        label: text(key),
        help: None,
        required: true,
        prefill: None,
        max_length: None,
        min: None,
        max: None,
        options: Vec::new(),
        when: None,
        accept: Vec::new(),
    }
}

fn form() -> Form {
    let mut relation = field("relation", FieldKind::Choice);
    relation.options = vec![
        Choice {
            value: "self".into(),
            label: text("本人"),
        },
        Choice {
            value: "agent".into(),
            label: text("代理人"),
        },
    ];
    let mut letter = field("letter", FieldKind::File);
    letter.when = Some(When {
        field: "relation".into(),
        equals: "agent".into(),
    });
    let mut copies = field("copies", FieldKind::Number);
    copies.min = Some(1);
    copies.max = Some(10);
    Form {
        key: "t".into(),
        pdpa_notice: text("告知"),
        fields: vec![
            field("id", FieldKind::IdNumber),
            relation,
            letter,
            copies,
            field("born", FieldKind::Date),
        ],
    }
}

fn answers(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn a_good_submission_is_cleaned() {
    let f = form();
    assert!(f.check().is_ok());
    let ok = validate(
        &f,
        &answers(&[
            ("id", "a123456789"),
            ("relation", "self"),
            ("copies", "２"),
            ("born", "民國70年1月2日"),
            ("letter", ""),
        ]),
        Strictness::Submit,
    )
    .expect("valid");
    assert_eq!(ok["id"], "A123456789");
    assert_eq!(ok["copies"], "2");
    assert_eq!(ok["born"], "1981-01-02");
    assert!(!ok.contains_key("letter"));
}

#[test]
fn conditional_fields_are_required_only_when_they_apply() {
    let f = form();
    let errors = validate(
        &f,
        &answers(&[
            ("id", "A123456789"),
            ("relation", "agent"),
            ("copies", "1"),
            ("born", "1981-01-02"),
        ]),
        Strictness::Submit,
    )
    .expect_err("the letter is missing");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "letter");
    // A hidden field's answer is dropped, not kept.
    let ok = validate(
        &f,
        &answers(&[
            ("id", "A123456789"),
            ("relation", "self"),
            ("copies", "1"),
            ("born", "1981-01-02"),
            ("letter", "0190f0f0-0000-7000-8000-000000000000"),
        ]),
        Strictness::Submit,
    )
    .expect("valid");
    assert!(!ok.contains_key("letter"));
}

#[test]
fn forged_and_wrong_answers_are_refused_by_field() {
    let f = form();
    let errors = validate(
        &f,
        &answers(&[
            ("id", "A123456788"),
            ("relation", "boss"),
            ("copies", "99"),
            ("born", "2026-02-30"),
            ("admin", "1"),
        ]),
        Strictness::Submit,
    )
    .expect_err("all wrong");
    let ids: Vec<&str> = errors.iter().map(|e| e.message.id).collect();
    assert!(ids.contains(&"counter-error-field-unknown"));
    assert!(ids.contains(&"error-personal-id-checksum"));
    assert!(ids.contains(&"counter-error-field-choice"));
    assert!(ids.contains(&"counter-error-field-range"));
    assert!(ids.contains(&"counter-error-field-date"));
}

#[test]
fn a_draft_need_not_be_complete_but_must_be_well_typed() {
    let f = form();
    assert!(validate(&f, &answers(&[("copies", "3")]), Strictness::Draft).is_ok());
    assert!(validate(&f, &answers(&[("copies", "three")]), Strictness::Draft).is_err());
}

#[test]
fn definitions_are_checked() {
    let mut f = form();
    f.fields[2].when = Some(When {
        field: "copies".into(),
        equals: "1".into(),
    });
    assert_eq!(f.check(), Err(FormError::When("letter".into())));
    let mut f = form();
    f.fields.push(field("id", FieldKind::Text));
    assert_eq!(f.check(), Err(FormError::Key("id".into())));
    let mut f = form();
    f.fields[0].options = vec![Choice {
        value: "x".into(),
        label: text("x"),
    }];
    assert_eq!(f.check(), Err(FormError::Options("id".into())));
}

#[test]
fn documents_are_known_by_their_content() {
    assert_eq!(sniff(b"%PDF-1.7\n..."), Some(DocumentKind::Pdf));
    assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some(DocumentKind::Jpg));
    assert_eq!(sniff(b"MZ\x90\x00"), None);
    assert_eq!(sniff(b"<html>"), None);
}

#[test]
fn roc_dates_read_and_show() {
    assert_eq!(
        parse_date("115/12/07").map(|d| d.to_string()),
        Some("2026-12-07".into())
    );
    assert_eq!(
        display_date("2026-12-07", domain::Locale::ZhTw),
        "民國115年12月7日"
    );
    assert_eq!(display_date("2026-12-07", domain::Locale::En), "7 Dec 2026");
    assert_eq!(parse_date("2026-13-01"), None);
}

#[test]
fn a_form_round_trips_through_the_admins_toml() {
    let f = form();
    let text = f.to_toml();
    assert!(text.contains("[[fields]]"), "{text}");
    assert_eq!(Form::from_toml(&text), Ok(f));
    assert!(Form::from_toml("key = \"x\"").is_err());
    let broken = text.replace("equals = \"agent\"", "equals = \"boss\"");
    assert!(Form::from_toml(&broken).unwrap_err().contains("letter"));
}
