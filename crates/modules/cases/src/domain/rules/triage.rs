//! Triage: rules that raise a case's urgency (P1 is the highest) from its category, attributes
//! and description. Urgency is only ever raised, never lowered: the category's default is the
//! floor, and the result is the most urgent of the default and every matching rule.

use super::check::{Known, check_condition};
use super::condition::{AttributeTest, CaseFacts, Condition, Prepared};
use super::{Match, check_identity, default_enabled};
use domain::category::Urgency;
use domain::error::Message;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// `{"id": "gas-leak", "name": "瓦斯外洩", "enabled": true, "when": {…}, "raise_to": "P1"}`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriageRule {
    pub id: String,
    pub name: String,
    #[serde(default = "default_enabled")]
    pub enabled: bool,
    pub when: Condition,
    pub raise_to: Urgency,
}

/// 1 for P1 (most urgent) … 4 for P4.
fn rank(u: Urgency) -> u8 {
    match u {
        Urgency::P1 => 1,
        Urgency::P2 => 2,
        Urgency::P3 => 3,
        Urgency::P4 => 4,
    }
}

/// The more urgent of two urgencies.
pub fn most_urgent(a: Urgency, b: Urgency) -> Urgency {
    if rank(b) < rank(a) { b } else { a }
}

/// Applies every enabled rule. Returns the resulting urgency (never less urgent than
/// `default_urgency`) and every rule that matched, in rule order, each with the reasons; the
/// first reason of each is `triage-rule` (rule name, the urgency it asks for).
pub fn triage(
    default_urgency: Urgency,
    rules: &[TriageRule],
    facts: &CaseFacts,
) -> (Urgency, Vec<Match>) {
    let prepared = Prepared::new(facts);
    let mut urgency = default_urgency;
    let mut matches = Vec::new();
    for rule in rules.iter().filter(|r| r.enabled) {
        let outcome = rule.when.eval(&prepared);
        if !outcome.matched {
            continue;
        }
        urgency = most_urgent(urgency, rule.raise_to);
        let mut reasons = vec![
            Message::new("triage-rule")
                .arg("rule", &rule.name)
                .arg("urgency", rule.raise_to.as_str()),
        ];
        reasons.extend(outcome.reasons);
        matches.push(Match {
            rule_id: rule.id.clone(),
            rule_name: rule.name.clone(),
            reasons,
        });
    }
    (urgency, matches)
}

/// Checks triage rules before they are stored: ids, names, and every category, district and
/// attribute they name; lists that are empty and ranges that can never hold. Every problem is
/// reported.
pub fn validate_rules(rules: &[TriageRule], known: &Known) -> Result<(), Vec<Message>> {
    let mut errors = Vec::new();
    let mut seen = BTreeSet::new();
    for rule in rules {
        check_identity(&rule.id, &rule.name, &mut seen, &mut errors);
        check_condition(&rule.id, &rule.when, known, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn keyword_rule(id: &str, name: &str, raise_to: Urgency, when: Condition) -> TriageRule {
    TriageRule {
        id: id.into(),
        name: name.into(),
        enabled: true,
        when,
        raise_to,
    }
}

/// Built-in triage rules for Taiwan, on description keywords only, so they fit any
/// jurisdiction's catalogue. They follow the proposed urgency table (gas leak, road collapse,
/// fallen tree blocking a road, missing manhole cover → P1). Keywords do not see negation:
/// "沒有瓦斯味" still raises the urgency, which errs on the safe side.
pub fn default_triage_rules() -> Vec<TriageRule> {
    use Condition as C;
    vec![
        keyword_rule(
            "tw-gas-leak",
            "瓦斯外洩",
            Urgency::P1,
            C::keywords(&[
                "瓦斯外洩",
                "瓦斯漏氣",
                "瓦斯味",
                "天然氣外洩",
                "天然氣味",
                "聞到瓦斯",
                "瓦斯管破裂",
            ]),
        ),
        keyword_rule(
            "tw-road-collapse",
            "路面塌陷或掏空",
            Urgency::P1,
            C::keywords(&[
                "塌陷",
                "掏空",
                "天坑",
                "坑洞很大",
                "大坑洞",
                "地層下陷",
                "路基流失",
            ]),
        ),
        keyword_rule(
            "tw-fallen-tree-blocking",
            "路樹倒塌阻礙交通",
            Urgency::P1,
            C::All(vec![
                C::keywords(&[
                    "樹倒",
                    "倒樹",
                    "路樹傾倒",
                    "樹木倒塌",
                    "樹枝斷落",
                    "斷枝",
                    "樹幹斷裂",
                ]),
                C::keywords(&[
                    "阻礙交通",
                    "影響交通",
                    "擋住",
                    "擋路",
                    "擋到",
                    "無法通行",
                    "不能通行",
                    "佔用車道",
                    "占用車道",
                    "橫躺",
                    "堵住",
                ]),
            ]),
        ),
        keyword_rule(
            "tw-live-wires",
            "電線掉落",
            Urgency::P1,
            C::keywords(&[
                "電線掉落",
                "電線掉下",
                "電線垂落",
                "電線斷落",
                "電線斷掉",
                "電線桿倒",
                "電桿倒",
                "漏電",
            ]),
        ),
        keyword_rule(
            "tw-manhole-open",
            "人孔蓋遺失或掀開",
            Urgency::P1,
            C::keywords(&[
                "人孔蓋不見",
                "人孔蓋遺失",
                "孔蓋不見",
                "孔蓋遺失",
                "孔蓋被偷",
                "孔蓋掀開",
                "人孔蓋被掀",
                "溝蓋不見",
            ]),
        ),
        keyword_rule(
            "tw-landslide",
            "坍方落石",
            Urgency::P1,
            C::keywords(&["坍方", "落石", "土石流", "擋土牆倒"]),
        ),
        keyword_rule(
            "tw-flooding",
            "淹水",
            Urgency::P2,
            C::keywords(&["淹水", "水淹", "積淹水", "積水很深", "積水嚴重", "水深及膝"]),
        ),
        keyword_rule(
            "tw-signal-dark",
            "號誌故障",
            Urgency::P2,
            C::keywords(&[
                "號誌全暗",
                "號誌不亮",
                "號誌故障",
                "紅綠燈不亮",
                "紅綠燈全暗",
                "紅綠燈壞掉",
            ]),
        ),
        keyword_rule(
            "tw-water-main",
            "自來水管破裂",
            Urgency::P2,
            C::keywords(&["水管破裂", "水管爆裂", "大量漏水"]),
        ),
    ]
}

/// The built-in rules plus rules on the attributes of the Taipei catalogue
/// (`crates/platform/reference/taipei.toml`).
pub fn taipei_triage_rules() -> Vec<TriageRule> {
    use Condition as C;
    let mut rules = default_triage_rules();
    rules.extend([
        keyword_rule(
            "tpe-tree-fallen-blocking",
            "路樹倒塌並阻礙交通（選項）",
            Urgency::P1,
            C::All(vec![
                C::CategoryIs("1999-G01".into()),
                C::attribute("state", AttributeTest::Equals("fallen_blocking".into())),
            ]),
        ),
        keyword_rule(
            "tpe-streetlight-wire",
            "路燈電線外露或垂落",
            Urgency::P1,
            C::All(vec![
                C::CategoryIs("1999-L01".into()),
                C::attribute("fault", AttributeTest::Equals("wire".into())),
            ]),
        ),
        keyword_rule(
            "tpe-pothole-large-roadway",
            "車道或行人穿越道上的大坑洞",
            Urgency::P2,
            C::All(vec![
                C::CategoryIs("1999-R01".into()),
                C::attribute("size", AttributeTest::Equals("large".into())),
                C::attribute(
                    "lane",
                    AttributeTest::OneOf(vec!["roadway".into(), "crossing".into()]),
                ),
            ]),
        ),
    ]);
    rules
}
