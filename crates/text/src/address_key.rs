//! A comparison key for Taiwanese addresses, used to spot reports of the same place
//! (`cases::domain::duplicates`). Two ways of writing one address give the same key:
//!
//! 1. full-width letters and digits become half-width, 台 becomes 臺, Latin letters are
//!    lower-cased;
//! 2. the 之 forms are unified: `5-1號` and `5號之1` both become `5之1號`;
//! 3. Chinese numerals before 段/巷/弄/衖/號/樓/鄰 and after 之 become digits (`二段` → `2段`,
//!    `七十巷` → `70巷`, `之一` → `之1`), and leading zeros go (`008鄰` → `8鄰`); numerals
//!    inside names (八德路, 五福一路) are kept;
//! 4. spaces and punctuation (`，、()#.-` …) are removed;
//! 5. the postal code, city or county (臺北市, 北市, 臺東縣臺東市), district or township
//!    (大安區, 鄉, 鎮), village (里/村) and neighbourhood (鄰) in front are removed, so the key
//!    is the street part: within one city a road name and section are unique. (In a city
//!    where two districts have a road of the same name, such as New Taipei's 中山路, two
//!    different places can share a key; duplicates are only ever suggested.)
//! 6. everything after the house number's 號 goes: floor, room, 前, 旁, 對面
//!    (`129號3樓之2` → `129號`); without a house number, a trailing 附近/旁邊/對面/前面/一帶
//!    goes.
//!
//! English addresses are only lower-cased and stripped of spaces and punctuation, not
//! reordered. The key is `None` when nothing more precise than a district remains.

use crate::normalize::to_halfwidth;

/// The comparison key of an address; see the module documentation.
/// `臺北市中山區吉林路七十巷5號之1 3樓` → `吉林路70巷5之1號`.
pub fn address_key(address: &str) -> Option<String> {
    let text = to_halfwidth(address).replace('台', "臺");
    let chars: Vec<char> = text.chars().map(|c| c.to_ascii_lowercase()).collect();
    let chars = hyphen_to_zhi(&chars);
    let chars = drop_punctuation(&chars);
    let chars = chinese_numerals(&chars);
    let chars = strip_leading_zeros(&chars);
    let chars = zhi_before_hao(&chars);
    let chars = strip_admin_prefix(chars);
    let chars = cut_after_house_number(chars);
    let key: String = chars.into_iter().filter(|c| *c != BREAK).collect();
    (!key.is_empty()).then_some(key)
}

/// Stands for removed spaces or punctuation between two digits until the house number is
/// found, so `5號之1 3樓` does not read as `5號之13樓`.
const BREAK: char = '|';

fn drop_punctuation(chars: &[char]) -> Vec<char> {
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate() {
        if c.is_alphanumeric() {
            out.push(c);
            continue;
        }
        let after_digit = out.last().is_some_and(char::is_ascii_digit);
        let before_digit = chars[i + 1..]
            .iter()
            .find(|c| c.is_alphanumeric())
            .is_some_and(char::is_ascii_digit);
        if after_digit && before_digit {
            out.push(BREAK);
        }
    }
    out
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '‐' | '‑' | '–' | '—' | '－' | '~' | '～')
}

/// `5-1` → `5之1` (a dash between digits, spaces around it allowed).
fn hyphen_to_zhi(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    for (i, &c) in chars.iter().enumerate() {
        if is_dash(c) {
            let prev = chars[..i].iter().rev().find(|c| **c != ' ');
            let next = chars[i + 1..].iter().find(|c| **c != ' ');
            if prev.is_some_and(char::is_ascii_digit) && next.is_some_and(char::is_ascii_digit) {
                out.push('之');
                continue;
            }
        }
        out.push(c);
    }
    out
}

fn numeral_value(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' => 0,
        '一' => 1,
        '二' | '兩' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn is_numeral(c: char) -> bool {
    numeral_value(c).is_some() || matches!(c, '十' | '百')
}

/// `七十` → 70, `一百零五` → 105, `一〇五` → 105.
fn parse_numerals(run: &[char]) -> Option<u32> {
    if run.iter().any(|c| matches!(c, '十' | '百')) {
        let (mut total, mut current) = (0, None);
        for &c in run {
            match c {
                '十' => {
                    total += current.unwrap_or(1) * 10;
                    current = None;
                }
                '百' => {
                    total += current.unwrap_or(1) * 100;
                    current = None;
                }
                _ => current = Some(numeral_value(c)?),
            }
        }
        Some(total + current.unwrap_or(0))
    } else {
        run.iter().try_fold(0u32, |acc, &c| {
            Some(acc.checked_mul(10)? + numeral_value(c)?)
        })
    }
}

/// Converts Chinese numeral runs that end right before an address unit or follow 之.
fn chinese_numerals(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if is_numeral(chars[i]) {
            let start = i;
            let mut end = i;
            while end < chars.len() && is_numeral(chars[end]) {
                end += 1;
            }
            let before_unit = chars
                .get(end)
                .is_some_and(|c| matches!(c, '段' | '巷' | '弄' | '衖' | '號' | '樓' | '鄰'));
            let after_zhi = start > 0 && chars[start - 1] == '之';
            if (before_unit || after_zhi)
                && let Some(n) = parse_numerals(&chars[start..end])
            {
                out.extend(n.to_string().chars());
                i = end;
                continue;
            }
            out.extend(&chars[start..end]);
            i = end;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// `008鄰` → `8鄰`, `0` stays `0`.
fn strip_leading_zeros(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let mut end = i;
            while end < chars.len() && chars[end].is_ascii_digit() {
                end += 1;
            }
            let run = &chars[i..end];
            let zeros = run
                .iter()
                .take_while(|c| **c == '0')
                .count()
                .min(run.len() - 1);
            out.extend(&run[zeros..]);
            i = end;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// `5號之1` → `5之1號`.
fn zhi_before_hao(chars: &[char]) -> Vec<char> {
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '號'
            && i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1) == Some(&'之')
            && chars.get(i + 2).is_some_and(char::is_ascii_digit)
        {
            let mut end = i + 2;
            while end < chars.len() && chars[end].is_ascii_digit() {
                end += 1;
            }
            out.push('之');
            out.extend(&chars[i + 2..end]);
            out.push('號');
            i = end;
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

const ROAD_START: &[char] = &['路', '街', '段', '巷', '弄', '道'];

/// Removes a leading name of 2–4 characters ending in one of `suffixes`, when it has no
/// digits and what follows does not start like a road (`城市路` keeps its 市).
fn strip_unit(chars: &mut Vec<char>, suffixes: &[char], require_road: bool) -> bool {
    for len in 2..=4 {
        if chars.len() <= len {
            break;
        }
        let (head, rest) = chars.split_at(len);
        let Some(last) = head.last() else { break };
        if head[..len - 1]
            .iter()
            .any(|c| c.is_ascii_digit() || suffixes.contains(c))
        {
            break;
        }
        if suffixes.contains(last) {
            if rest.first().is_some_and(|c| ROAD_START.contains(c)) {
                return false;
            }
            if require_road && !rest.iter().any(|c| matches!(c, '路' | '街' | '道' | '鄰')) {
                return false;
            }
            chars.drain(..len);
            return true;
        }
    }
    false
}

fn strip_admin_prefix(mut chars: Vec<char>) -> Vec<char> {
    // Postal code: 3, 5 or 6 digits before the rest.
    let digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
    if matches!(digits, 3 | 5 | 6) && chars.len() > digits {
        chars.drain(..digits);
    }
    // City or county, possibly followed by a county-administered city (臺東縣臺東市).
    for _ in 0..2 {
        if !strip_unit(&mut chars, &['市', '縣'], false) {
            break;
        }
    }
    strip_unit(&mut chars, &['區', '鄉', '鎮'], false);
    strip_unit(&mut chars, &['里', '村'], true);
    let digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 && chars.get(digits) == Some(&'鄰') && chars.len() > digits + 1 {
        chars.drain(..=digits);
    }
    // Nothing left but an administrative area: no key.
    let only_area = chars.len() <= 4
        && chars
            .last()
            .is_some_and(|c| matches!(c, '市' | '縣' | '區' | '鄉' | '鎮' | '里' | '村'));
    if only_area {
        chars.clear();
    }
    chars
}

fn cut_after_house_number(mut chars: Vec<char>) -> Vec<char> {
    if let Some(pos) = (1..chars.len()).find(|&i| chars[i] == '號' && chars[i - 1].is_ascii_digit())
    {
        chars.truncate(pos + 1);
        return chars;
    }
    for suffix in ["附近", "旁邊", "對面", "前面", "一帶"] {
        let s: Vec<char> = suffix.chars().collect();
        if chars.len() > s.len() && chars.ends_with(&s) {
            chars.truncate(chars.len() - s.len());
        }
    }
    chars
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(a: &str) -> String {
        address_key(a).unwrap_or_else(|| panic!("no key for {a}"))
    }

    #[test]
    fn one_address_written_many_ways() {
        let forms = [
            "臺北市大安區復興南路一段390號",
            "台北市大安區復興南路1段390號2樓",
            "106台北市大安區復興南路１段３９０號",
            "復興南路一段390號 B1",
            "大安區 復興南路 1 段 390 號 前",
            "北市大安區復興南路一段390號對面",
        ];
        for f in forms {
            assert_eq!(key(f), "復興南路1段390號", "{f}");
        }
    }

    #[test]
    fn zhi_forms_floors_and_lanes() {
        let forms = [
            "臺北市中山區吉林路70巷5號之1 3樓",
            "吉林路70巷5之1號",
            "吉林路70巷5-1號4樓之2",
            "吉林路七十巷五號之一",
            "中山區吉林路７０巷５－１號",
        ];
        for f in forms {
            assert_eq!(key(f), "吉林路70巷5之1號", "{f}");
        }
        assert_ne!(key("吉林路70巷5號"), key("吉林路70巷5之1號"));
    }

    #[test]
    fn village_neighbourhood_and_postal_code_are_dropped() {
        assert_eq!(
            key("  臺北市北投區長安里008鄰光明路１２９號前"),
            "光明路129號"
        );
        assert_eq!(key("11246 北投區光明路129號"), "光明路129號");
        assert_eq!(key("臺東縣臺東市中華路一段100號"), "中華路1段100號");
    }

    #[test]
    fn names_with_numerals_or_admin_characters_are_kept() {
        assert_eq!(key("臺北市松山區八德路四段"), "八德路4段");
        assert_eq!(key("台北市市民大道三段8號"), "市民大道3段8號");
        assert_eq!(key("高雄市新興區五福一路100號"), "五福一路100號");
        assert_eq!(key("臺北市信義區信義路五段7號89樓"), "信義路5段7號");
        assert_eq!(
            key("臺北市大安區忠孝東路四段與復興南路口附近"),
            "忠孝東路4段與復興南路口"
        );
        assert_eq!(key("大安區和平東路二段86巷10弄"), "和平東路2段86巷10弄");
    }

    #[test]
    fn different_places_differ_and_vague_addresses_have_no_key() {
        assert_ne!(key("信義區松高路11號"), key("信義區松高路12號"));
        assert_ne!(key("中山北路二段1號"), key("中山北路三段1號"));
        assert_eq!(address_key("臺北市大安區"), None);
        assert_eq!(address_key("台北市"), None);
        assert_eq!(address_key(" ，"), None);
        assert_eq!(address_key(""), None);
    }

    #[test]
    fn english_addresses_are_compacted() {
        assert_eq!(
            key("No. 5-1, Ln. 70, Jilin Rd."),
            key("no 5-1 ln 70 JILIN RD")
        );
    }
}
