use super::check::MAX_CONDITION_DEPTH;
use super::routing::{move_rule, ordered, validate_rules as validate_routing};
use super::triage::{most_urgent, validate_rules as validate_triage};
use super::*;
use domain::category::{AttributeDef, AttributeValue, Datatype, Urgency};
use domain::locale::Localized;
use proptest::prelude::*;

fn def(code: &str, datatype: Datatype, values: &[&str]) -> AttributeDef {
    AttributeDef {
        code: code.into(),
        datatype,
        required: false,
        variable: true,
        order: 1,
        description: Localized::new(code, code),
        datatype_description: Localized::default(),
        values: values
            .iter()
            .map(|k| AttributeValue {
                key: (*k).into(),
                name: Localized::new(*k, *k),
            })
            .collect(),
        personal: false,
    }
}

/// A slice of the Taipei catalogue (crates/platform/reference/taipei.toml).
fn taipei() -> Known {
    Known::new(
        ["PWD-NCO", "PWD-HEO", "PWD-PKS", "DEP", "TPC", "GAS", "TCPD"],
        [
            (
                "1999-R01".to_string(),
                vec![
                    def(
                        "size",
                        Datatype::SingleValueList,
                        &["small", "medium", "large"],
                    ),
                    def(
                        "lane",
                        Datatype::SingleValueList,
                        &["roadway", "scooter", "crossing"],
                    ),
                ],
            ),
            ("1999-R06".to_string(), vec![]),
            (
                "1999-L01".to_string(),
                vec![
                    def("pole_number", Datatype::String, &[]),
                    def("lamps_out", Datatype::Number, &[]),
                    def(
                        "fault",
                        Datatype::MultiValueList,
                        &["dark", "flicker", "daytime", "pole", "wire"],
                    ),
                ],
            ),
            (
                "1999-G01".to_string(),
                vec![def(
                    "state",
                    Datatype::SingleValueList,
                    &["fallen_blocking", "fallen", "leaning", "pruning"],
                )],
            ),
            (
                "1999-F01".to_string(),
                vec![def("depth_cm", Datatype::Number, &[])],
            ),
            ("1999-U03".to_string(), vec![]),
        ],
    )
    .with_districts(["100", "106", "110", "112"])
}

fn ids(messages: &[Message]) -> Vec<&'static str> {
    messages.iter().map(|m| m.id).collect()
}

fn arg<'a>(m: &'a Message, name: &str) -> Option<&'a str> {
    m.args
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.as_str())
}

fn streetlight(lamps: &str) -> CaseFacts {
    CaseFacts::new("1999-L01", "忠孝東路四段整排路燈都不亮，晚上很暗")
        .with_district("106")
        .with_attribute("lamps_out", lamps)
        .with_attribute("fault", "dark")
}

// ------------------------------------------------------------------------------ conditions

#[test]
fn keywords_match_on_normalised_text() {
    let c = Condition::keywords(&["瓦斯外洩", "gas leak", "臺電"]);
    for text in [
        "巷口的瓦斯 外洩了",
        "I think there is a ＧＡＳ　ＬＥＡＫ here",
        "台電的電箱在冒火花",
    ] {
        assert!(c.evaluate(&CaseFacts::new("x", text)).matched, "{text}");
    }
    assert!(!c.evaluate(&CaseFacts::new("x", "gasleak")).matched);
    let o = c.evaluate(&CaseFacts::new("x", "瓦斯外洩，台電也來了"));
    assert_eq!(ids(&o.reasons), ["rule-reason-keywords"]);
    assert_eq!(arg(&o.reasons[0], "keywords"), Some("瓦斯外洩, 臺電"));
    let o = c.evaluate(&CaseFacts::new("x", "路燈不亮"));
    assert_eq!(ids(&o.reasons), ["rule-reason-no-keywords"]);
}

#[test]
fn attribute_tests() {
    use AttributeTest as T;
    let facts = CaseFacts::new("1999-L01", "")
        .with_attribute("lamps_out", "１２")
        .with_attribute("fault", "dark")
        .with_attribute("fault", "wire")
        .with_attribute("pole_number", "0505364 旁邊有電線垂下");
    let check = |code: &str, test: T| Condition::attribute(code, test).evaluate(&facts);
    assert!(check("lamps_out", T::AtLeast(10.0)).matched);
    assert!(check("lamps_out", T::AtLeast(12.0)).matched, "inclusive");
    assert!(!check("lamps_out", T::AtLeast(13.0)).matched);
    assert!(check("lamps_out", T::AtMost(12.0)).matched);
    assert!(
        check(
            "lamps_out",
            T::Between {
                min: 10.0,
                max: 20.0
            }
        )
        .matched
    );
    assert!(!check("lamps_out", T::Between { min: 1.0, max: 9.0 }).matched);
    assert!(
        check("fault", T::Equals("wire".into())).matched,
        "any value of a multi-value list"
    );
    assert!(check("fault", T::OneOf(vec!["pole".into(), "WIRE".into()])).matched);
    assert!(!check("fault", T::OneOf(vec!["pole".into()])).matched);
    assert!(check("pole_number", T::Contains("電線".into())).matched);
    assert!(
        !check("pole_number", T::AtLeast(1.0)).matched,
        "not a number"
    );

    let o = check("lamps_out", T::AtLeast(10.0));
    assert_eq!(ids(&o.reasons), ["rule-reason-attribute-at-least"]);
    assert_eq!(arg(&o.reasons[0], "value"), Some("12"));
    assert_eq!(arg(&o.reasons[0], "min"), Some("10"));
    assert_eq!(
        ids(&check("depth_cm", T::AtLeast(30.0)).reasons),
        ["rule-reason-attribute-missing"]
    );
    assert_eq!(
        ids(&check("pole_number", T::AtMost(3.5)).reasons),
        ["rule-reason-attribute-not-number"]
    );
}

#[test]
fn combinators_explain_what_held_and_what_failed() {
    use Condition as C;
    let c = C::All(vec![
        C::CategoryIn(vec!["1999-L01".into(), "1999-G02".into()]),
        C::DistrictIn(vec!["106".into(), "110".into()]),
        C::Not(Box::new(C::attribute(
            "lamps_out",
            AttributeTest::AtLeast(10.0),
        ))),
    ]);
    let o = c.evaluate(&streetlight("3"));
    assert!(o.matched);
    assert_eq!(
        ids(&o.reasons),
        [
            "rule-reason-category",
            "rule-reason-district",
            "rule-reason-attribute-below"
        ]
    );
    let o = c.evaluate(&streetlight("15"));
    assert!(!o.matched);
    assert_eq!(ids(&o.reasons), ["rule-reason-attribute-at-least"]);
    let o = c.evaluate(&CaseFacts::new("1999-L01", ""));
    assert_eq!(ids(&o.reasons), ["rule-reason-district-unknown"]);

    let any = C::Any(vec![
        C::CategoryIs("1999-R06".into()),
        C::keywords(&["塌陷", "天坑"]),
    ]);
    let o = any.evaluate(&CaseFacts::new("1999-R01", "和平東路上出現天坑"));
    assert!(o.matched);
    assert_eq!(ids(&o.reasons), ["rule-reason-keywords"]);
    let o = any.evaluate(&CaseFacts::new("1999-R01", "小坑洞"));
    assert_eq!(
        ids(&o.reasons),
        ["rule-reason-category-not", "rule-reason-no-keywords"]
    );
    assert!(C::All(vec![]).evaluate(&CaseFacts::default()).matched);
    assert!(!C::Any(vec![]).evaluate(&CaseFacts::default()).matched);
}

// ---------------------------------------------------------------------------------- JSON

#[test]
fn json_shape_is_the_documented_one() {
    let json = r#"{"id": "tpe-streetlight-taipower", "name": "路燈 10 盞以上不亮轉台電", "order": 10,
        "when": {"all": [{"category_is": "1999-L01"},
                         {"attribute": {"code": "lamps_out", "test": {"at_least": 10}}}]},
        "department": "TPC"}"#;
    let rule: RoutingRule = serde_json::from_str(json).unwrap();
    assert_eq!(rule, taipei_routing_rules()[0]);
    let value = serde_json::to_value(&taipei_routing_rules()[1]).unwrap();
    assert_eq!(
        value,
        serde_json::json!({
            "id": "tpe-streetlight-city",
            "name": "路燈 9 盞以下由公園路燈工程管理處處理",
            "order": 20,
            "enabled": true,
            "when": {"all": [
                {"category_is": "1999-L01"},
                {"not": {"attribute": {"code": "lamps_out", "test": {"at_least": 10.0}}}}
            ]},
            "department": "PWD-PKS"
        })
    );
    let triage: TriageRule = serde_json::from_str(
        r#"{"id": "gas-leak", "name": "瓦斯外洩",
            "when": {"description_any": ["瓦斯外洩", "瓦斯味"]}, "raise_to": "P1"}"#,
    )
    .unwrap();
    assert!(triage.enabled);
    assert_eq!(triage.raise_to, Urgency::P1);
    let between: Condition = serde_json::from_str(
        r#"{"attribute": {"code": "depth_cm", "test": {"between": {"min": 10, "max": 50}}}}"#,
    )
    .unwrap();
    assert_eq!(
        between,
        Condition::attribute(
            "depth_cm",
            AttributeTest::Between {
                min: 10.0,
                max: 50.0
            }
        )
    );
}

#[test]
fn json_rejects_unknown_fields_and_ambiguous_conditions() {
    let bad = [
        // unknown field on a rule
        r#"{"id": "a", "name": "a", "when": {"all": []}, "raise_to": "P1", "colour": "red"}"#,
        // two keys in one condition
        r#"{"id": "a", "name": "a", "when": {"category_is": "x", "district_in": []}, "raise_to": "P1"}"#,
        // unknown condition
        r#"{"id": "a", "name": "a", "when": {"category_like": "x"}, "raise_to": "P1"}"#,
        // unknown field in an attribute condition
        r#"{"id": "a", "name": "a", "when": {"attribute": {"code": "x", "test": {"equals": "y"}, "op": 1}}, "raise_to": "P1"}"#,
        // unknown field in between
        r#"{"id": "a", "name": "a", "when": {"attribute": {"code": "x", "test": {"between": {"min": 1, "max": 2, "step": 1}}}}, "raise_to": "P1"}"#,
        // unknown urgency
        r#"{"id": "a", "name": "a", "when": {"all": []}, "raise_to": "P0"}"#,
    ];
    for json in bad {
        assert!(serde_json::from_str::<TriageRule>(json).is_err(), "{json}");
    }
    let facts = r#"{"category": "1999-L01", "attributes": [["lamps_out", ["12"]]], "desc": "x"}"#;
    assert!(serde_json::from_str::<CaseFacts>(facts).is_err());
}

#[test]
fn decisions_serialise_with_their_reasons() {
    let decision = route(&taipei_routing_rules(), &streetlight("12"), "PWD-PKS");
    let value = serde_json::to_value(&decision).unwrap();
    assert_eq!(value["department"], "TPC");
    assert_eq!(value["rule_id"], "tpe-streetlight-taipower");
    assert_eq!(value["reasons"][0]["id"], "route-rule");
    assert_eq!(value["reasons"][0]["args"]["department"], "TPC");
    let m = Match {
        rule_id: "gas-leak".into(),
        rule_name: "瓦斯外洩".into(),
        reasons: vec![Message::new("rule-reason-keywords").arg("keywords", "瓦斯味")],
    };
    assert_eq!(
        serde_json::to_value(&m).unwrap(),
        serde_json::json!({
            "rule_id": "gas-leak",
            "rule_name": "瓦斯外洩",
            "reasons": [{"id": "rule-reason-keywords", "args": {"keywords": "瓦斯味"}}]
        })
    );
}

// -------------------------------------------------------------------------------- triage

#[test]
fn default_rules_raise_urgency_on_realistic_reports() {
    let rules = default_triage_rules();
    let cases = [
        (
            "1999-R01",
            "和平東路二段路面塌陷，出現一個大洞",
            Urgency::P1,
            "tw-road-collapse",
        ),
        (
            "1999-R01",
            "復興南路有個坑洞很大，機車經過很危險",
            Urgency::P1,
            "tw-road-collapse",
        ),
        (
            "1999-U04",
            "巷子裡一直聞到瓦斯味，請派人來看",
            Urgency::P1,
            "tw-gas-leak",
        ),
        (
            "1999-G01",
            "颱風過後路樹倒塌，擋住整個車道",
            Urgency::P1,
            "tw-fallen-tree-blocking",
        ),
        (
            "1999-U05",
            "電線掉落在人行道上",
            Urgency::P1,
            "tw-live-wires",
        ),
        (
            "1999-R02",
            "這裡的人孔蓋不見了",
            Urgency::P1,
            "tw-manhole-open",
        ),
        (
            "1999-R05",
            "大雨後巷口淹水到小腿",
            Urgency::P2,
            "tw-flooding",
        ),
        (
            "1999-T01",
            "基隆路口紅綠燈不亮",
            Urgency::P2,
            "tw-signal-dark",
        ),
    ];
    for (category, text, expected, rule) in cases {
        let (urgency, matches) = triage(Urgency::P3, &rules, &CaseFacts::new(category, text));
        assert_eq!(urgency, expected, "{text}");
        let m = matches.iter().find(|m| m.rule_id == rule).expect(text);
        assert_eq!(m.reasons[0].id, "triage-rule");
        assert_eq!(arg(&m.reasons[0], "urgency"), Some(expected.as_str()));
        assert_eq!(m.reasons[1].id, "rule-reason-keywords");
    }
    let calm = [
        "路樹太茂密需要修剪",
        "路樹倒塌在公園草地上",
        "巷口路燈閃爍",
        "垃圾車沒有來",
    ];
    for text in calm {
        let (urgency, matches) = triage(Urgency::P4, &rules, &CaseFacts::new("1999-G01", text));
        assert_eq!((urgency, matches.len()), (Urgency::P4, 0), "{text}");
    }
}

#[test]
fn triage_never_lowers_and_reports_every_match() {
    let rules = default_triage_rules();
    let facts = CaseFacts::new("1999-F01", "地下道淹水，還聞到瓦斯味");
    let (urgency, matches) = triage(Urgency::P1, &rules, &facts);
    assert_eq!(urgency, Urgency::P1);
    let ids: Vec<&str> = matches.iter().map(|m| m.rule_id.as_str()).collect();
    assert_eq!(ids, ["tw-gas-leak", "tw-flooding"]);
    let (urgency, _) = triage(Urgency::P4, &rules, &facts);
    assert_eq!(urgency, Urgency::P1);

    let mut disabled = rules.clone();
    for r in &mut disabled {
        r.enabled = false;
    }
    assert_eq!(
        triage(Urgency::P4, &disabled, &facts),
        (Urgency::P4, vec![])
    );
}

#[test]
fn taipei_rules_use_attributes() {
    let rules = taipei_triage_rules();
    let tree =
        CaseFacts::new("1999-G01", "大安森林公園旁").with_attribute("state", "fallen_blocking");
    assert_eq!(triage(Urgency::P3, &rules, &tree).0, Urgency::P1);
    let pothole = CaseFacts::new("1999-R01", "")
        .with_attribute("size", "large")
        .with_attribute("lane", "crossing");
    let (urgency, matches) = triage(Urgency::P3, &rules, &pothole);
    assert_eq!(urgency, Urgency::P2);
    assert_eq!(
        ids(&matches[0].reasons),
        [
            "triage-rule",
            "rule-reason-category",
            "rule-reason-attribute-equals",
            "rule-reason-attribute-one-of"
        ]
    );
    assert_eq!(validate_triage(&rules, &taipei()), Ok(()));
}

// ------------------------------------------------------------------------------- routing

#[test]
fn streetlights_split_between_taipower_and_the_city() {
    let rules = taipei_routing_rules();
    let d = route(&rules, &streetlight("12"), "PWD-PKS");
    assert_eq!(d.department, "TPC");
    assert_eq!(d.rule_id.as_deref(), Some("tpe-streetlight-taipower"));
    assert_eq!(
        ids(&d.reasons),
        [
            "route-rule",
            "rule-reason-category",
            "rule-reason-attribute-at-least"
        ]
    );
    assert_eq!(
        route(&rules, &streetlight("１０"), "PWD-PKS").department,
        "TPC"
    );
    let d = route(&rules, &streetlight("3"), "PWD-PKS");
    assert_eq!(
        (d.department.as_str(), d.rule_id.as_deref()),
        ("PWD-PKS", Some("tpe-streetlight-city"))
    );
    assert_eq!(d.reasons[2].id, "rule-reason-attribute-below");

    let d = route(&rules, &CaseFacts::new("1999-R01", "坑洞"), "PWD-NCO");
    assert_eq!((d.department.as_str(), d.rule_id), ("PWD-NCO", None));
    assert_eq!(ids(&d.reasons), ["route-default"]);
    assert_eq!(arg(&d.reasons[0], "category"), Some("1999-R01"));
    assert_eq!(validate_routing(&rules, &taipei()), Ok(()));
}

#[test]
fn first_match_by_order_then_id() {
    let rule = |id: &str, order: i32, department: &str| RoutingRule {
        id: id.into(),
        name: id.into(),
        order,
        enabled: true,
        when: Condition::CategoryIs("1999-L01".into()),
        department: department.into(),
    };
    let facts = streetlight("1");
    let rules = vec![rule("b", 5, "B"), rule("z", 1, "Z"), rule("a", 5, "A")];
    assert_eq!(route(&rules, &facts, "D").department, "Z");
    let rules = vec![rule("b", 5, "B"), rule("a", 5, "A")];
    assert_eq!(route(&rules, &facts, "D").department, "A");
    let mut rules = vec![rule("a", 1, "A"), rule("b", 2, "B")];
    rules[0].enabled = false;
    assert_eq!(route(&rules, &facts, "D").department, "B");
}

// ---------------------------------------------------------------------------- validation

#[test]
fn validation_reports_a_missing_department() {
    let mut rules = taipei_routing_rules();
    rules[0].department = "TPX".into();
    let errors = validate_routing(&rules, &taipei()).unwrap_err();
    assert_eq!(ids(&errors), ["rule-invalid-department"]);
    assert_eq!(arg(&errors[0], "rule"), Some("tpe-streetlight-taipower"));
    assert_eq!(arg(&errors[0], "department"), Some("TPX"));
}

#[test]
fn validation_reports_every_problem() {
    use AttributeTest as T;
    use Condition as C;
    let rule = |id: &str, name: &str, when: Condition| RoutingRule {
        id: id.into(),
        name: name.into(),
        order: 0,
        enabled: true,
        when,
        department: "PWD-PKS".into(),
    };
    let rules = vec![
        rule("unknown-category", "x", C::CategoryIs("1999-X99".into())),
        rule("empty-name", "   ", C::All(vec![])),
        rule(
            "reversed",
            "x",
            C::attribute(
                "lamps_out",
                T::Between {
                    min: 10.0,
                    max: 5.0,
                },
            ),
        ),
        rule(
            "contradiction",
            "x",
            C::All(vec![
                C::CategoryIs("1999-L01".into()),
                C::attribute("lamps_out", T::AtLeast(10.0)),
                C::All(vec![C::attribute("lamps_out", T::AtMost(9.0))]),
            ]),
        ),
        rule(
            "not-a-number",
            "x",
            C::All(vec![
                C::CategoryIs("1999-G01".into()),
                C::attribute("state", T::AtLeast(1.0)),
            ]),
        ),
        rule(
            "bad-value",
            "x",
            C::attribute("state", T::Equals("blocking".into())),
        ),
        rule(
            "wrong-category-attribute",
            "x",
            C::All(vec![
                C::CategoryIs("1999-R01".into()),
                C::attribute("lamps_out", T::AtLeast(1.0)),
            ]),
        ),
        rule("empty", "x", C::Any(vec![])),
        rule("blank-keyword", "x", C::keywords(&["瓦斯", " "])),
        rule("district", "x", C::DistrictIn(vec!["999".into()])),
        rule("bad id!", "x", C::All(vec![])),
        rule("empty-name", "dup", C::All(vec![])),
        rule(
            "infinite",
            "x",
            C::attribute("lamps_out", T::AtMost(f64::NAN)),
        ),
    ];
    let errors = validate_routing(&rules, &taipei()).unwrap_err();
    let found: Vec<(&str, Option<&str>)> = errors.iter().map(|e| (e.id, arg(e, "rule"))).collect();
    assert_eq!(
        found,
        [
            ("rule-invalid-category", Some("unknown-category")),
            ("rule-invalid-name", Some("empty-name")),
            ("rule-invalid-range", Some("reversed")),
            ("rule-invalid-range-contradiction", Some("contradiction")),
            ("rule-invalid-attribute-not-number", Some("not-a-number")),
            ("rule-invalid-attribute-value", Some("bad-value")),
            ("rule-invalid-attribute", Some("wrong-category-attribute")),
            ("rule-invalid-empty-list", Some("empty")),
            ("rule-invalid-keyword", Some("blank-keyword")),
            ("rule-invalid-district", Some("district")),
            ("rule-invalid-id", Some("bad id!")),
            ("rule-invalid-id-duplicate", Some("empty-name")),
            ("rule-invalid-number", Some("infinite")),
        ]
    );
}

#[test]
fn validation_limits_nesting() {
    let mut c = Condition::CategoryIs("1999-L01".into());
    for _ in 0..MAX_CONDITION_DEPTH + 1 {
        c = Condition::Not(Box::new(c));
    }
    let rule = TriageRule {
        id: "deep".into(),
        name: "deep".into(),
        enabled: true,
        when: c,
        raise_to: Urgency::P2,
    };
    let errors = validate_triage(&[rule], &taipei()).unwrap_err();
    assert_eq!(ids(&errors), ["rule-invalid-too-complex"]);
    assert_eq!(validate_triage(&default_triage_rules(), &taipei()), Ok(()));
}

// ------------------------------------------------------------------------------ proptest

const CATEGORIES: &[&str] = &["1999-L01", "1999-R01", "1999-G01"];
const PHRASES: &[&str] = &[
    "瓦斯味",
    "路面塌陷",
    "路樹倒塌",
    "擋住車道",
    "淹水",
    "路燈不亮",
    "ＧＡＳ",
    "gas",
    " ",
    "電線掉落",
];

fn arb_leaf() -> impl Strategy<Value = Condition> {
    let category = prop::sample::select(CATEGORIES).prop_map(|c| c.to_string());
    let number = (-8i32..40).prop_map(|n| f64::from(n) / 4.0);
    prop_oneof![
        category.clone().prop_map(Condition::CategoryIs),
        prop::collection::vec(category, 0..3).prop_map(Condition::CategoryIn),
        prop::collection::vec(prop::sample::select(vec!["106", "110"]), 0..2)
            .prop_map(|d| Condition::DistrictIn(d.into_iter().map(String::from).collect())),
        prop::collection::vec(prop::sample::select(PHRASES), 0..3)
            .prop_map(|k| { Condition::DescriptionAny(k.into_iter().map(String::from).collect()) }),
        number
            .clone()
            .prop_map(|n| Condition::attribute("lamps_out", AttributeTest::AtLeast(n))),
        number
            .clone()
            .prop_map(|n| Condition::attribute("lamps_out", AttributeTest::AtMost(n))),
        (number.clone(), number).prop_map(|(a, b)| Condition::attribute(
            "lamps_out",
            AttributeTest::Between { min: a, max: b }
        )),
        prop::sample::select(vec!["fallen_blocking", "leaning"])
            .prop_map(|v| Condition::attribute("state", AttributeTest::Equals(v.into()))),
        prop::collection::vec(prop::sample::select(vec!["dark", "wire", "pole"]), 0..3).prop_map(
            |v| Condition::attribute(
                "fault",
                AttributeTest::OneOf(v.into_iter().map(String::from).collect())
            )
        ),
        prop::sample::select(vec!["電線", "0505"])
            .prop_map(|t| Condition::attribute("pole_number", AttributeTest::Contains(t.into()))),
    ]
}

fn arb_condition() -> impl Strategy<Value = Condition> {
    arb_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Condition::All),
            prop::collection::vec(inner.clone(), 0..4).prop_map(Condition::Any),
            inner.prop_map(|c| Condition::Not(Box::new(c))),
        ]
    })
}

fn arb_urgency() -> impl Strategy<Value = Urgency> {
    prop::sample::select(Urgency::ALL)
}

fn arb_facts() -> impl Strategy<Value = CaseFacts> {
    (
        prop::sample::select(CATEGORIES),
        prop::option::of(prop::sample::select(vec!["106", "110", "112"])),
        prop::option::of(0u32..30),
        prop::option::of(prop::sample::select(vec!["fallen_blocking", "leaning"])),
        prop::collection::vec(prop::sample::select(PHRASES), 0..4),
    )
        .prop_map(|(category, district, lamps, state, phrases)| {
            let mut facts = CaseFacts::new(category, phrases.concat());
            facts.district = district.map(String::from);
            if let Some(n) = lamps {
                facts = facts.with_attribute("lamps_out", n.to_string());
            }
            if let Some(s) = state {
                facts = facts.with_attribute("state", s);
            }
            facts.with_attribute("fault", "wire")
        })
}

fn arb_triage_rules() -> impl Strategy<Value = Vec<TriageRule>> {
    prop::collection::vec((arb_condition(), arb_urgency(), any::<bool>()), 0..6).prop_map(|rules| {
        rules
            .into_iter()
            .enumerate()
            .map(|(i, (when, raise_to, enabled))| TriageRule {
                id: format!("t{i}"),
                name: format!("規則 {i}"),
                enabled,
                when,
                raise_to,
            })
            .collect()
    })
}

fn arb_routing_rules() -> impl Strategy<Value = Vec<RoutingRule>> {
    prop::collection::vec((arb_condition(), -3i32..3, any::<bool>()), 0..8).prop_map(|rules| {
        rules
            .into_iter()
            .enumerate()
            .map(|(i, (when, order, enabled))| RoutingRule {
                id: format!("r{i}"),
                name: format!("規則 {i}"),
                order,
                enabled,
                when,
                department: format!("D{i}"),
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn triage_only_raises(default in arb_urgency(), rules in arb_triage_rules(), facts in arb_facts()) {
        let (urgency, matches) = triage(default, &rules, &facts);
        prop_assert_eq!(most_urgent(urgency, default), urgency, "never lowered");
        let mut expected = default;
        let mut expected_ids = Vec::new();
        for rule in rules.iter().filter(|r| r.enabled) {
            if rule.when.evaluate(&facts).matched {
                expected = most_urgent(expected, rule.raise_to);
                expected_ids.push(rule.id.clone());
            }
        }
        prop_assert_eq!(urgency, expected);
        let ids: Vec<String> = matches.iter().map(|m| m.rule_id.clone()).collect();
        prop_assert_eq!(ids, expected_ids);
    }

    #[test]
    fn routing_is_deterministic_and_first_match(
        (rules, shuffled) in arb_routing_rules().prop_flat_map(|r| (Just(r.clone()), Just(r).prop_shuffle())),
        facts in arb_facts(),
    ) {
        let decision = route(&rules, &facts, "DEFAULT");
        prop_assert_eq!(&decision, &route(&shuffled, &facts, "DEFAULT"));
        let tried = ordered(&rules);
        let first = tried.iter().position(|r| r.when.evaluate(&facts).matched);
        match first {
            Some(i) => {
                prop_assert_eq!(decision.rule_id.as_deref(), Some(tried[i].id.as_str()));
                prop_assert_eq!(&decision.department, &tried[i].department);
            }
            None => {
                prop_assert_eq!(decision.rule_id, None);
                prop_assert_eq!(decision.department, "DEFAULT");
            }
        }
    }

    #[test]
    fn rules_round_trip_through_json(triage_rules in arb_triage_rules(), routing_rules in arb_routing_rules()) {
        let json = serde_json::to_string(&triage_rules).unwrap();
        prop_assert_eq!(&serde_json::from_str::<Vec<TriageRule>>(&json).unwrap(), &triage_rules);
        let json = serde_json::to_string(&routing_rules).unwrap();
        prop_assert_eq!(&serde_json::from_str::<Vec<RoutingRule>>(&json).unwrap(), &routing_rules);
    }

    #[test]
    fn evaluation_explains_itself(condition in arb_condition(), facts in arb_facts()) {
        // A match always says why, unless an empty `all` or `any` is involved.
        let outcome = condition.evaluate(&facts);
        if outcome.matched && !contains_empty_list(&condition) {
            prop_assert!(!outcome.reasons.is_empty());
        }
    }
}

fn contains_empty_list(c: &Condition) -> bool {
    match c {
        Condition::All(cs) | Condition::Any(cs) => {
            cs.is_empty() || cs.iter().any(contains_empty_list)
        }
        Condition::Not(inner) => contains_empty_list(inner),
        _ => false,
    }
}

proptest! {
    /// Moving a rule up and then down again gives back the order it had; every move keeps every
    /// rule and leaves the orders distinct, so the order tried is the order shown.
    #[test]
    fn moving_a_rule_up_and_down_is_undone(n in 2usize..8, pick in 0usize..8) {
        let mut rules: Vec<RoutingRule> = (0..n)
            .map(|i| RoutingRule {
                id: format!("r{i}"),
                name: format!("rule {i}"),
                order: i32::try_from(i).unwrap() * 3,
                enabled: i % 3 != 2,
                when: Condition::CategoryIs("1999-L01".into()),
                department: "PWD-PKS".into(),
            })
            .collect();
        let id = format!("r{}", pick % n);
        let before: Vec<String> = {
            let mut r = rules.clone();
            r.sort_by_key(|r| r.order);
            r.into_iter().map(|r| r.id).collect()
        };
        let at = before.iter().position(|x| *x == id).unwrap();
        prop_assert_eq!(move_rule(&mut rules, &id, true), at > 0);
        if at > 0 {
            prop_assert!(move_rule(&mut rules, &id, false));
        }
        let after: Vec<String> = rules.iter().map(|r| r.id.clone()).collect();
        prop_assert_eq!(after, before);
        let mut orders: Vec<i32> = rules.iter().map(|r| r.order).collect();
        orders.dedup();
        prop_assert_eq!(orders.len(), n);
        prop_assert!(!move_rule(&mut rules, "nope", true));
    }
}
