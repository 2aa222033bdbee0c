//! Emergency detection. 1999 is a non-emergency line: a report describing a fire, a gas leak,
//! an injured person or a crime in progress must be redirected to 119 (fire and ambulance) or
//! 110 (police). Detection only advises — the agent or the citizen sees the redirect, and the
//! case may still be logged.
//!
//! Matching is on keywords in the normalised description (see
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

struct Group {
    kind: EmergencyKind,
    keywords: &'static [&'static str],
    /// Ignore when the description is about an animal and no person.
    people_only: bool,
    /// Ignore when the description mentions any of these.
    unless: &'static [&'static str],
}

const GROUPS: &[Group] = &[
    Group {
        kind: EmergencyKind::Fire119,
        keywords: &[
            "火災",
            "起火",
            "失火",
            "著火",
            "火警",
            "爆炸",
            "火燒",
            "燒起來",
            "冒火",
            "火苗",
            "fire",
            "on fire",
            "burning",
            "explosion",
            "exploded",
        ],
        people_only: false,
        // A hydrant, an escape or fireworks are everyday 1999 reports.
        unless: &[
            "hydrant",
            "fire escape",
            "fire exit",
            "fire lane",
            "extinguisher",
            "fire station",
        ],
    },
    Group {
        kind: EmergencyKind::Fire119,
        keywords: &["冒煙", "濃煙"],
        people_only: false,
        unless: &[
            "金紙",
            "紙錢",
            "金爐",
            "燒香",
            "燒垃圾",
            "露天燃燒",
            "燒稻草",
            "烤肉",
            "工廠",
            "煙囪",
            "排放",
        ],
    },
    Group {
        kind: EmergencyKind::Fire119,
        keywords: &[
            "瓦斯外洩",
            "瓦斯漏氣",
            "瓦斯味",
            "天然氣外洩",
            "聞到瓦斯",
            "一氧化碳",
            "gas leak",
            "leaking gas",
            "smell of gas",
            "smells of gas",
            "smell gas",
            "smells like gas",
            "carbon monoxide",
        ],
        people_only: false,
        unless: &[],
    },
    Group {
        kind: EmergencyKind::Fire119,
        keywords: &[
            "受傷",
            "流血",
            "昏倒",
            "昏迷",
            "暈倒",
            "倒地不起",
            "沒有呼吸",
            "沒呼吸",
            "呼吸困難",
            "休克",
            "抽搐",
            "溺水",
            "心跳停止",
            "骨折",
            "受困",
            "被困",
            "困在電梯",
            "卡在電梯",
            "injured",
            "hurt",
            "bleeding",
            "unconscious",
            "collapsed",
            "fainted",
            "not breathing",
            "stopped breathing",
            "can't breathe",
            "cannot breathe",
            "drowning",
            "trapped",
            "stuck in the lift",
            "stuck in the elevator",
        ],
        people_only: true,
        unless: &[],
    },
    Group {
        kind: EmergencyKind::Fire119,
        keywords: &["自殺", "輕生", "跳樓", "想不開", "suicide", "going to jump"],
        people_only: false,
        unless: &[],
    },
    Group {
        kind: EmergencyKind::Police110,
        keywords: &[
            "搶劫",
            "搶案",
            "搶奪",
            "打架",
            "鬥毆",
            "砍人",
            "持刀",
            "拿刀",
            "開槍",
            "槍聲",
            "持槍",
            "家暴",
            "家庭暴力",
            "性侵",
            "綁架",
            "擄人",
            "闖空門",
            "有人闖入",
            "小偷",
            "竊盜",
            "偷竊",
            "恐嚇",
            "殺人",
            "車禍",
            "肇事逃逸",
            "酒駕",
            "跟蹤",
            "robbery",
            "robbed",
            "fighting",
            "knife",
            "gun",
            "shooting",
            "domestic violence",
            "assault",
            "break-in",
            "breaking in",
            "burglar",
            "car crash",
            "car accident",
            "hit and run",
            "drunk driver",
            "stalking",
        ],
        people_only: false,
        unless: &[],
    },
];

const NEGATORS: &[&str] = &[
    "沒有", "沒", "無", "未", "並未", "不是", "並非", "不會", "no ", "not ", "nobody ", "never ",
    "without ",
];
/// Words allowed between a negator and the keyword: 沒有[人]受傷, 無[路人]受傷, no [one is]
/// hurt, nobody [was] injured.
const NEGATED_SUBJECTS: &[&str] = &[
    "任何人",
    "人員",
    "路人",
    "行人",
    "騎士",
    "民眾",
    "人",
    "one is ",
    "one was ",
    "one got ",
    "one ",
    "is ",
    "was ",
    "got ",
    "people are ",
    "people were ",
];
const HYPOTHETICAL: &[&str] = &[
    "以免",
    "避免",
    "免得",
    "怕",
    "擔心",
    "可能",
    "容易",
    "差點",
    "萬一",
    "如果",
    "防止",
    "會有人",
    "會讓",
    "會造成",
    "會害",
    "經常",
    "常常",
    "常發生",
    "時常",
    "多次",
    "昨天",
    "前天",
    "上週",
    "上次",
    "之前",
    "曾經",
    "could ",
    "might ",
    "may ",
    "in case",
    "to avoid",
    "to prevent",
    "risk of",
    "before someone",
    "before anyone",
    "otherwise",
    "if ",
    "yesterday",
    "last week",
    "often",
];
/// Characters before a keyword in which a hypothesis word counts: enough for a Chinese
/// clause, and for the wider English words.
const HYPOTHESIS_WINDOW: usize = 12;
const HYPOTHESIS_WINDOW_ASCII: usize = 32;
const CLAUSE_ENDS: &[char] = &[
    '，', '。', '！', '？', '；', '、', ',', '.', '!', '?', ';', '\n', '\r',
];
const ANIMALS: &[&str] = &[
    "狗", "犬", "貓", "鳥", "動物", "鴿", "猴", "蛇", "浪浪", "毛孩", "松鼠", "烏龜", "鴨",
];
const PEOPLE: &[&str] = &[
    "人", "民眾", "騎士", "駕駛", "司機", "小孩", "孩童", "兒童", "學生", "長者", "阿公", "阿嬤",
    "阿伯", "阿姨", "婦人", "先生", "小姐", "男子", "女子", "嬰兒", "媽媽", "爸爸", "我", "他",
    "她",
];
/// Removed before looking for people: 人行道 and 人孔 are not people, 其他 is not 他.
const NOT_PEOPLE: &[&str] = &["人行", "人孔", "其他", "其它"];

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
    let whole = clauses.concat();
    let about_animal_only = {
        let mut people_text = whole.clone();
        for w in NOT_PEOPLE {
            people_text = people_text.replace(w, "");
        }
        ANIMALS.iter().any(|a| whole.contains(a)) && !PEOPLE.iter().any(|p| people_text.contains(p))
    };
    let mut found: Vec<Emergency> = Vec::new();
    for kind in [EmergencyKind::Fire119, EmergencyKind::Police110] {
        let mut matched: Vec<String> = Vec::new();
        for group in GROUPS.iter().filter(|g| g.kind == kind) {
            if (group.people_only && about_animal_only)
                || group.unless.iter().any(|u| whole.contains(u))
            {
                continue;
            }
            for keyword in group.keywords {
                if !matched.iter().any(|m| m == keyword)
                    && clauses.iter().any(|c| occurs_affirmatively(c, keyword))
                {
                    matched.push((*keyword).to_string());
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
fn occurs_affirmatively(clause: &str, keyword: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    clause.match_indices(keyword).any(|(at, _)| {
        let before = &clause[..at];
        let after = &clause[at + keyword.len()..];
        let whole = !keyword.starts_with(|c: char| c.is_ascii_alphanumeric())
            || !word(before.chars().next_back());
        let whole = whole
            && (!keyword.ends_with(|c: char| c.is_ascii_alphanumeric())
                || !word(after.chars().next()));
        whole && !negated(before) && !hypothetical(before)
    })
}

fn negated(before: &str) -> bool {
    let subject_stripped = NEGATED_SUBJECTS
        .iter()
        .find_map(|s| before.strip_suffix(s))
        .unwrap_or(before);
    [before, subject_stripped]
        .iter()
        .any(|b| NEGATORS.iter().any(|n| b.ends_with(n)))
}

fn hypothetical(before: &str) -> bool {
    let chars: Vec<char> = before.chars().collect();
    let last = |n: usize| -> String { chars[chars.len().saturating_sub(n)..].iter().collect() };
    let (cjk, ascii) = (last(HYPOTHESIS_WINDOW), last(HYPOTHESIS_WINDOW_ASCII));
    HYPOTHETICAL.iter().any(|h| {
        if h.is_ascii() {
            ascii.contains(h)
        } else {
            cjk.contains(h)
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
