//! Emergency detection. 1999 is a non-emergency line: a report describing a fire, a gas leak,
//! an injured person or a crime in progress must be redirected to 119 (fire and ambulance) or
//! 110 (police). Detection only advises — the agent or the citizen sees the redirect, and the
//! case may still be logged.
//!
//! The words, per locale with their synonyms, and the guards below are data:
//! `data/emergency.toml`, read once. Matching is on keywords in the normalised description (see
//! [`normalize_for_match`](super::normalize_for_match)), with three guards against the commonest
//! false alarms in real 1999 reports:
//! - **negation**: a keyword right after 沒有/沒/無/未/並未/不是/並非/不會, optionally with a
//!   person in between (沒有人受傷, 無人受傷, 未起火), does not count;
//! - **hypothesis, habit and the past**: a keyword with 以免/避免/免得/怕/擔心/可能/容易/差點/
//!   萬一/如果/防止/會有人/會讓/會造成/經常/常常/常發生/昨天/之前/曾經 … in the twelve characters
//!   before it in the same clause does not count (以免路人受傷, 容易發生車禍);
//! - **animals**: injury and rescue words do not count when the description mentions an
//!   animal and no person (流浪狗受傷流血 is an animal-rescue case for 1999);
//!
//! and smoke words (冒煙, 濃煙) do not count next to joss-paper burning, open burning, barbecue
//! or factory emissions, which are pollution complaints.

use super::condition::normalize_for_match;
use domain::enums::string_enum;
use domain::error::Message;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

string_enum! {
    /// Where to redirect: 110 police, 119 fire and ambulance.
    EmergencyKind { Police110 = "110", Fire119 = "119" }
}

/// An emergency the description appears to describe, with the keywords that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Emergency {
    pub kind: EmergencyKind,
    pub matched: Vec<String>,
}

impl Emergency {
    /// The redirect notice for the agent or citizen: `emergency-redirect-119` or
    /// `emergency-redirect-110`, with the matched keywords.
    pub fn message(&self) -> Message {
        let m = match self.kind {
            EmergencyKind::Fire119 => Message::new("emergency-redirect-119"),
            EmergencyKind::Police110 => Message::new("emergency-redirect-110"),
        };
        m.arg("keywords", self.matched.join(", "))
    }
}

/// The keyword file (`data/emergency.toml`) as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeywordFile {
    #[serde(default)]
    emergency_prone: BTreeMap<String, EmergencyKind>,
    group: Vec<GroupFile>,
    #[serde(default)]
    guards: BTreeMap<String, Guards>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupFile {
    kind: EmergencyKind,
    /// What the words are synonyms of (for people reading the file).
    #[allow(dead_code)]
    concept: String,
    #[serde(default)]
    people_only: bool,
    /// The words per locale.
    words: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    unless: BTreeMap<String, Vec<String>>,
}

/// One locale's guards against false alarms (or all locales', merged).
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct Guards {
    #[serde(default)]
    negators: Vec<String>,
    #[serde(default)]
    negated_subjects: Vec<String>,
    #[serde(default)]
    hypothetical: Vec<String>,
    #[serde(default)]
    animals: Vec<String>,
    #[serde(default)]
    people: Vec<String>,
    #[serde(default)]
    not_people: Vec<String>,
}

/// A kind of emergency and its words in every locale, the default locale's first.
struct Group {
    kind: EmergencyKind,
    keywords: Vec<String>,
    /// Ignore when the description is about an animal and no person.
    people_only: bool,
    /// Ignore when the description mentions any of these.
    unless: Vec<String>,
}

/// Every locale's words and guards, merged: a citizen may write in either language whatever
/// the page's.
struct Keywords {
    groups: Vec<Group>,
    guards: Guards,
    prone: BTreeMap<String, EmergencyKind>,
}

/// Characters before a keyword in which a hypothesis word counts: enough for a Chinese
/// clause, and for the wider English words.
const HYPOTHESIS_WINDOW: usize = 12;
const HYPOTHESIS_WINDOW_ASCII: usize = 32;
const CLAUSE_ENDS: &[char] = &[
    '，', '。', '！', '？', '；', '、', ',', '.', '!', '?', ';', '\n', '\r',
];

/// The shipped keyword file.
const KEYWORD_FILE: &str = include_str!("../../../data/emergency.toml");

/// Locales in the order their words are listed: the default language first.
fn in_locale_order<T>(map: BTreeMap<String, Vec<T>>) -> Vec<T> {
    let mut entries: Vec<(String, Vec<T>)> = map.into_iter().collect();
    entries.sort_by_key(|(locale, _)| (locale != domain::Locale::ZhTw.tag(), locale.clone()));
    entries.into_iter().flat_map(|(_, v)| v).collect()
}

fn parse_keywords(text: &str) -> Result<Keywords, toml::de::Error> {
    let file: KeywordFile = toml::from_str(text)?;
    let mut guards = Guards::default();
    let mut locales: Vec<(String, Guards)> = file.guards.into_iter().collect();
    locales.sort_by_key(|(locale, _)| (locale != domain::Locale::ZhTw.tag(), locale.clone()));
    for (_, g) in locales {
        guards.negators.extend(g.negators);
        guards.negated_subjects.extend(g.negated_subjects);
        guards.hypothetical.extend(g.hypothetical);
        guards.animals.extend(g.animals);
        guards.people.extend(g.people);
        guards.not_people.extend(g.not_people);
    }
    let normal = |words: Vec<String>| -> Vec<String> {
        words.iter().map(|w| normalize_for_match(w)).collect()
    };
    Ok(Keywords {
        groups: file
            .group
            .into_iter()
            .map(|g| Group {
                kind: g.kind,
                keywords: normal(in_locale_order(g.words)),
                people_only: g.people_only,
                unless: normal(in_locale_order(g.unless)),
            })
            .collect(),
        guards,
        prone: file.emergency_prone,
    })
}

fn keywords() -> &'static Keywords {
    static KEYWORDS: OnceLock<Keywords> = OnceLock::new();
    KEYWORDS.get_or_init(|| {
        // Checked by `the_keyword_file_is_complete`: a file that does not parse never ships.
        parse_keywords(KEYWORD_FILE).expect("data/emergency.toml parses")
    })
}

/// Whether `text` mentions `word`: as a whole word when the word is of Latin letters ("cat",
/// not "location"), anywhere otherwise (Chinese has no spaces).
fn mentions(text: &str, word: &str) -> bool {
    if word.is_empty() {
        return false;
    }
    if !word.is_ascii() {
        return text.contains(word);
    }
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    text.match_indices(word).any(|(at, _)| {
        !alnum(text[..at].chars().next_back()) && !alnum(text[at + word.len()..].chars().next())
    })
}

/// The emergency a category's reports often are (a gas leak, a fallen power line): its form
/// warns before the citizen writes anything.
pub fn emergency_prone(category_code: &str) -> Option<EmergencyKind> {
    keywords().prone.get(category_code).copied()
}

/// The most pressing emergency the description suggests: 119 before 110.
pub fn emergency(description: &str) -> Option<Emergency> {
    emergencies(description).into_iter().next()
}

/// Every emergency the description suggests, 119 first, then 110, each with its matched
/// keywords in list order.
pub fn emergencies(description: &str) -> Vec<Emergency> {
    let clauses: Vec<String> = description
        .split(CLAUSE_ENDS)
        .map(normalize_for_match)
        .filter(|c| !c.is_empty())
        .collect();
    let whole = clauses.join(" ");
    let k = keywords();
    let about_animal_only = {
        let mut people_text = whole.clone();
        for w in &k.guards.not_people {
            people_text = people_text.replace(w.as_str(), "");
        }
        k.guards.animals.iter().any(|a| mentions(&whole, a))
            && !k.guards.people.iter().any(|p| mentions(&people_text, p))
    };
    let mut found: Vec<Emergency> = Vec::new();
    for kind in [EmergencyKind::Fire119, EmergencyKind::Police110] {
        let mut matched: Vec<String> = Vec::new();
        for group in k.groups.iter().filter(|g| g.kind == kind) {
            if (group.people_only && about_animal_only)
                || group.unless.iter().any(|u| mentions(&whole, u))
            {
                continue;
            }
            for keyword in &group.keywords {
                if !matched.iter().any(|m| m == keyword)
                    && clauses
                        .iter()
                        .any(|c| occurs_affirmatively(c, keyword, &k.guards))
                {
                    matched.push(keyword.clone());
                }
            }
        }
        if !matched.is_empty() {
            found.push(Emergency { kind, matched });
        }
    }
    found
}

/// Whether `keyword` occurs in `clause` at least once without a negation or hypothesis before it.
/// An English keyword counts only as whole words ("fire", not "fireworks").
fn occurs_affirmatively(clause: &str, keyword: &str, guards: &Guards) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    clause.match_indices(keyword).any(|(at, _)| {
        let before = &clause[..at];
        let after = &clause[at + keyword.len()..];
        let whole = !keyword.starts_with(|c: char| c.is_ascii_alphanumeric())
            || !word(before.chars().next_back());
        let whole = whole
            && (!keyword.ends_with(|c: char| c.is_ascii_alphanumeric())
                || !word(after.chars().next()));
        whole && !negated(before, guards) && !hypothetical(before, guards)
    })
}

fn negated(before: &str, guards: &Guards) -> bool {
    let subject_stripped = guards
        .negated_subjects
        .iter()
        .find_map(|s| before.strip_suffix(s.as_str()))
        .unwrap_or(before);
    [before, subject_stripped]
        .iter()
        .any(|b| guards.negators.iter().any(|n| b.ends_with(n.as_str())))
}

fn hypothetical(before: &str, guards: &Guards) -> bool {
    let chars: Vec<char> = before.chars().collect();
    let last = |n: usize| -> String { chars[chars.len().saturating_sub(n)..].iter().collect() };
    let (cjk, ascii) = (last(HYPOTHESIS_WINDOW), last(HYPOTHESIS_WINDOW_ASCII));
    guards.hypothetical.iter().any(|h| {
        if h.is_ascii() {
            ascii.contains(h.as_str())
        } else {
            cjk.contains(h.as_str())
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(EmergencyKind, Vec<String>)> {
        emergencies(text)
            .into_iter()
            .map(|e| (e.kind, e.matched))
            .collect()
    }

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn the_keyword_file_is_complete() {
        let k = parse_keywords(KEYWORD_FILE).expect("parses");
        for kind in [EmergencyKind::Fire119, EmergencyKind::Police110] {
            assert!(
                k.groups
                    .iter()
                    .any(|g| g.kind == kind && !g.keywords.is_empty())
            );
        }
        assert!(!k.guards.negators.is_empty() && !k.guards.hypothetical.is_empty());
        assert_eq!(emergency_prone("1999-U03"), Some(EmergencyKind::Fire119));
        assert_eq!(emergency_prone("1999-L01"), None);
        // A word the file does not know is refused, not ignored.
        assert!(
            parse_keywords("[[group]]\nkind = \"119\"\nconcept = \"x\"\nwords = {}\nsynonym = 1\n")
                .is_err()
        );
    }

    #[test]
    fn synonyms_in_either_language_count_and_animals_are_whole_words() {
        let kind = |t: &str| emergency(t).map(|e| e.kind);
        assert_eq!(
            kind("Flames coming out of the window"),
            Some(EmergencyKind::Fire119)
        );
        // A hurt dog is an animal-rescue case; a hurt person is not.
        assert_eq!(kind("a dog was hit and is hurt"), None);
        assert_eq!(kind("a man is hurt"), Some(EmergencyKind::Fire119));
        // "location" holds "cat", "scatter" holds "cat": neither is an animal.
        assert_eq!(
            kind("the location: someone is hurt"),
            Some(EmergencyKind::Fire119)
        );
    }

    #[test]
    fn english_descriptions_are_read_too() {
        use EmergencyKind::{Fire119, Police110};
        let kind = |t: &str| emergency(t).map(|e| e.kind);
        for text in [
            "fire",
            "There is a fire",
            "The shop is on fire!",
            "gas leak, smells of gas",
            "someone collapsed and is not breathing",
            "An old man fainted at the bus stop",
            "carbon monoxide alarm going off",
        ] {
            assert_eq!(kind(text), Some(Fire119), "{text}");
        }
        for text in [
            "a car accident at the crossing",
            "a man with a knife outside",
        ] {
            assert_eq!(kind(text), Some(Police110), "{text}");
        }
        // Everyday reports and what did not happen stay everyday.
        for text in [
            "The fire hydrant is leaking",
            "Fireworks every night after 11",
            "Street light out on Xinyi Road",
            "The pavement is broken, no one is hurt",
            "Nobody was injured",
            "This pothole could hurt someone",
            "Please fix it before someone gets hurt",
            "The fire escape is blocked by bikes",
        ] {
            assert_eq!(kind(text), None, "{text}");
        }
    }

    #[test]
    fn fire_gas_and_injury_go_to_119() {
        let e = emergency("巷口民宅起火，冒出濃煙，裡面好像還有人").unwrap();
        assert_eq!(e.kind, EmergencyKind::Fire119);
        assert_eq!(e.matched, words(&["起火", "濃煙"]));
        assert_eq!(e.message().id, "emergency-redirect-119");
        assert_eq!(
            emergency("聞到很重的瓦斯味，整條巷子都是").map(|e| e.matched),
            Some(words(&["瓦斯味"]))
        );
        assert_eq!(
            kinds("電梯故障，有人受困在裡面"),
            [(EmergencyKind::Fire119, words(&["受困"]))]
        );
        assert_eq!(
            kinds("捷運站出口有位阿伯昏倒了"),
            [(EmergencyKind::Fire119, words(&["昏倒"]))]
        );
        assert_eq!(
            kinds("有人 受傷"),
            [(EmergencyKind::Fire119, words(&["受傷"]))],
            "spaces do not hide a keyword"
        );
    }

    #[test]
    fn crimes_go_to_110_and_injured_victims_to_119_first() {
        assert_eq!(
            kinds("有人拿刀在超商門口搶劫"),
            [(EmergencyKind::Police110, words(&["搶劫", "拿刀"]))]
        );
        assert_eq!(
            kinds("樓下住戶疑似家暴，一直聽到尖叫"),
            [(EmergencyKind::Police110, words(&["家暴"]))]
        );
        let both = kinds("路口車禍有人受傷倒在地上流血");
        assert_eq!(
            both,
            [
                (EmergencyKind::Fire119, words(&["受傷", "流血"])),
                (EmergencyKind::Police110, words(&["車禍"])),
            ]
        );
        assert_eq!(
            emergency("路口車禍有人受傷倒在地上流血").map(|e| e.kind),
            Some(EmergencyKind::Fire119)
        );
        let e = emergency("巷子裡有人打架").unwrap();
        assert_eq!(e.message().id, "emergency-redirect-110");
    }

    #[test]
    fn ordinary_1999_reports_are_not_emergencies() {
        for text in [
            "路燈不亮，晚上很暗很危險，以免有人受傷請盡快處理",
            "坑洞很大，容易讓機車騎士摔車受傷",
            "這裡常常發生車禍，希望增設紅綠燈",
            "坑洞很大，昨天有機車騎士摔車受傷",
            "流浪狗被車撞受傷流血，請動保處來救",
            "人行道上有一隻貓受傷",
            "鄰居每天燒金紙，冒煙很嗆",
            "工廠煙囪排放濃煙",
            "垃圾車沒有來",
            "瓦斯管線施工後路面沒有修復",
            "排水溝很臭",
        ] {
            assert_eq!(emergencies(text), vec![], "{text}");
        }
    }

    #[test]
    fn negation_is_local() {
        assert_eq!(
            kinds("剛才小車禍，沒有人受傷，但車子擋在路中間"),
            [(EmergencyKind::Police110, words(&["車禍"]))]
        );
        assert_eq!(kinds("幸好未起火，無人受傷"), vec![]);
        assert_eq!(
            kinds("沒多久就起火了"),
            [(EmergencyKind::Fire119, words(&["起火"]))],
            "沒 far before the keyword is not a negation"
        );
        assert_eq!(
            kinds("狗咬人，有人受傷"),
            [(EmergencyKind::Fire119, words(&["受傷"]))],
            "a person is hurt even though a dog is mentioned"
        );
    }

    #[test]
    fn json_shape() {
        let e = emergency("瓦斯外洩").unwrap();
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"kind": "119", "matched": ["瓦斯外洩"]})
        );
    }
}
