//! The table of what redaction masks. One row per kind of personal data; a new variant is a new
//! row (or a wider class below), with a unit test in `tests.rs` named by what it protects.
//!
//! Each row's `matches` is a regular expression (the `regex` crate's syntax, no look-around)
//! over the normalised text (half-width, invisible characters removed, see `super::normalise`).
//! The part in the group `(?P<m>…)` is replaced by the row's mask; what the row matches before
//! it (a boundary character, a keyword such as 電話, a road name's last character) is kept as
//! written, and what it matches after it (a boundary) is read again for the next match. Rows
//! are tried together: the match that starts first wins, and of two starting at the same place
//! the row listed first. After a mask, what follows starts afresh, as it does when the output
//! is read again: that keeps redaction idempotent.
//!
//! `{NAME}` in a pattern stands for one of the shared pieces in [`PIECES`].

/// The mask for contact details and identity numbers.
pub(super) const MASK: &str = "＊＊＊";
/// A masked house number (`信義路五段○號`); floors and rooms are dropped with it.
const HOUSE_MASK: &str = "○號";
/// A masked house number in an English address (`No. ○, Lane 5, Songren Rd.`).
const HOUSE_MASK_EN: &str = "○";

/// Where a row applies.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Applies {
    /// Free text and address fields.
    Everywhere,
    /// Free text only (descriptions, notes, comments, attribute answers): house numbers only
    /// where an address says they are one.
    FreeText,
    /// Address fields only, where every number before 號 is a house number.
    Address,
}

pub(super) struct Pattern {
    /// What the row protects; the unit tests are named after it.
    pub name: &'static str,
    /// What the row matches, with examples.
    #[allow(dead_code)] // documentation that stays next to the pattern it describes
    pub doc: &'static str,
    pub matches: &'static str,
    /// The replacement of the group `m`; `None` keeps it as written (a row that claims text so
    /// that no other row reads it, such as `Lane 5`).
    pub mask: Option<&'static str>,
    pub applies: Applies,
    /// A match this says no to is not one: the search goes on one character later. It is
    /// given the group `m` and the text after it.
    pub unless: Option<fn(&str, &str) -> bool>,
}

/// Shared pieces, expanded into the patterns by name (`{GAP}`). Pieces may use pieces listed
/// after them.
pub(super) const PIECES: &[(&str, &str)] = &[
    // Up to three separators between the digits of a phone or ID number: spaces, dashes of
    // every width, dots, slashes, underscores (brackets only around an area code).
    ("{GAP}", "{SEP}{0,3}"),
    (
        "{SEP}",
        r"[ \t\x{A0}\-\x{2010}-\x{2015}\x{2212}\x{30FC}~\x{FF5E}.\x{B7}\x{30FB}/_]",
    ),
    // Where a number may start: not inside a run of digits, nor right after a code's digits
    // and its dash, dot or slash (W20-1130816-00023, 2024/08/20).
    ("{NUM_START}", r"(?:^|[^0-9\-./]|(?:^|[^0-9])[\-./])"),
    // A lamp number: 3 to 10 digits, but not what a phone number with its 0 looks like: a
    // mobile number (09…), or 9 or 10 digits whose area code is followed by a subscriber
    // number (02 2720 8889); 0202257461 and 050505365 are lamp numbers.
    (
        "{LAMP}",
        r"(?:[1-9][0-9]{2,9}|0[0-8][0-9]{1,6}|0[01][0-9]{7,8}|0[2-8][01][0-9]{6,7})(?:-[0-9]{1,8})?",
    ),
    // Whitespace (no Unicode tables: they make the automaton large and slow).
    ("{WS}", r"[ \t\n\r\x{A0}\x{3000}]"),
    // Letters of internationalised e-mail addresses: Latin with accents, Greek, Cyrillic, CJK,
    // kana, Hangul.
    ("{IDN}", "[{IDN_CHARS}]"),
    (
        "{IDN_CHARS}",
        r"\x{C0}-\x{24F}\x{370}-\x{4FF}\x{3040}-\x{30FF}\x{3400}-\x{4DBF}\x{4E00}-\x{9FFF}\x{AC00}-\x{D7AF}",
    ),
    // Chinese numerals as digits (零九一二三四五六七八 = 0912345678).
    ("{CN}", "[零〇一二三四五六七八九]"),
    // A local number (7 or 8 digits, no area code) after a word that says it is a phone
    // number; numbers with a 0 or + in front are read by the rows for them.
    ("{NUM}", r"[2-9](?:{GAP}[0-9]){6,7}"),
    (
        "{PHONE_WORD}",
        r"(?:電話|手機|市話|室話|家電|專線|傳真|聯絡|聯繫|連絡|連繫|致電|回電|來電|撥打|撥|先生|小姐|太太|女士|老師|里長|鄰長|經理|主任|(?i:tel|phone|mobile|cell|call|fax))",
    ),
    // E-mail addresses: a local part (or one spelt out, `W A N G`), `@` or `(at)` / `[at]`,
    // and a domain whose dots may be `(dot)` / `[dot]`; labels may be non-ASCII (例子.台灣).
    (
        "{LOCAL}",
        r"(?:[A-Za-z0-9][A-Za-z0-9._%+\-]*|(?:[A-Za-z0-9] ){2,}[A-Za-z0-9])",
    ),
    ("{AT}", r"[ \t]*{AT_TIGHT}[ \t]*"),
    (
        "{AT_TIGHT}",
        r"(?:@|[(\[\x{FF08}\x{3010}<{]{WS}*(?i:at){WS}*[)\]\x{FF09}\x{3011}>}])",
    ),
    ("{DOMAIN}", r"{LABEL}(?:{DOT}{LABEL})*"),
    (
        "{LABEL}",
        r"(?:[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?|{IDN}+)",
    ),
    (
        "{DOT}",
        r"(?:\.|{WS}*[(\[\x{FF08}\x{3010}<{]{WS}*(?i:dot){WS}*[)\]\x{FF09}\x{3011}>}]{WS}*)",
    ),
    // A Chinese house number with its 之 part, floor and room: 12號, 12之3號4樓之1, 十二號五樓,
    // 12号, 12 號 5 樓, 10號之1, 12號3F, 12號B1, 12號5樓502室.
    (
        "{HOUSE}",
        r"{HN}(?:{WS}*[之\-]{WS}*{HN})?{WS}*[號号](?:{WS}*之{WS}*{HN})?{FLOOR}",
    ),
    (
        "{FLOOR}",
        r"(?:{WS}*(?:{HN}|[Bb]{WS}*[0-9]+){WS}*(?:樓|楼|層|层|[Ff])(?:{WS}*之{WS}*{HN})?)?(?:{WS}*{HN}{WS}*室)?",
    ),
    ("{HN}", "(?:[0-9]+|[零〇一二三四五六七八九十百千兩]+)"),
    // What follows a house number in an English address: a lane, alley or section, or a
    // street name ending in Rd., St., Ave. …
    (
        "{EN_ROAD}",
        r"{WS}*,?{WS}*(?:(?i:lane|ln\.?|alley|aly\.?|sec(?:tion|\.)?){WS}*[0-9]|(?:[A-Z][A-Za-z']*\.?{WS}+){1,3}(?i:rd|road|st|street|ave|avenue|blvd|boulevard|dr|drive|expy|hwy|highway)(?:$|[^A-Za-z]))",
    ),
];

/// Everything personal, in the order rows win when two start at the same place.
pub(super) const PATTERNS: &[Pattern] = &[
    Pattern {
        name: "email",
        doc: "E-mail addresses, also written to dodge filters: wang@example.com, wang(at)example.com, \
              wang [at] example [dot] com, W A N G @ example.com, wang@localhost.",
        matches: r"(?:^|[^A-Za-z0-9._%+\-])(?P<m>{LOCAL}{AT}{DOMAIN})",
        mask: Some(MASK),
        applies: Applies::Everywhere,
        unless: None,
    },
    Pattern {
        name: "email_non_ascii",
        doc: "E-mail addresses with a non-ASCII local part: 王@例子.台灣. Chinese has no spaces, so \
              the whole run of letters before @ is masked. Not 號 (the end of a \
              masked house number, ○號@…).",
        matches: r"(?P<m>[A-Za-z0-9._%+\-{IDN_CHARS}]*[{IDN_CHARS}&&[^號号]]{AT_TIGHT}{DOMAIN})",
        mask: Some(MASK),
        applies: Applies::Everywhere,
        unless: None,
    },
    Pattern {
        name: "id_number",
        doc: "National and resident ID numbers, any case, with separators: A123456789, a123456789, \
              A 123456789, A123-456-789, AC01234567, A800000014. Not when part of a longer code \
              (A10-1130715-00193).",
        matches: r"(?:^|[^0-9])(?P<m>[A-Za-z]{GAP}[12ABCDabcd89](?:{GAP}[0-9]){8})(?:$|[^A-Za-z0-9\-]|-(?:$|[^A-Za-z0-9]))",
        mask: Some(MASK),
        applies: Applies::Everywhere,
        unless: None,
    },
    Pattern {
        name: "lamp_number",
        doc: "Lamp and pole numbers after the word are kept, even when they look like a landline: \
              路燈編號：050505365, 燈桿編號：025-2040554, 路燈0707468.469.464, \
              路燈編號 033 114 115 116. A mobile number is not a lamp number (路燈 0912345678), nor \
              is a phone number cut into short lamp-like groups (燈號 022.0000.000).",
        matches: r"(?:編號|燈號|桿號|(?:路燈|燈桿|電桿)號碼|路燈)[:：{WS}]*(?P<m>{LAMP}(?:{WS}*[、,，./{WS}]{WS}*{LAMP})*)(?:$|[^0-9A-Za-z\-])",
        mask: None,
        applies: Applies::Everywhere,
        unless: Some(reads_as_phone),
    },
    Pattern {
        name: "phone_chinese_numerals",
        doc: "Phone numbers in Chinese numerals: 零九一二三四五六七八, 〇九一二 三四五 六七八.",
        matches: r"(?P<m>[零〇](?:{GAP}{CN}){8,9})",
        mask: Some(MASK),
        applies: Applies::Everywhere,
        unless: None,
    },
    Pattern {
        name: "phone_taiwan_international",
        doc: "Taiwanese numbers with the country code: +886-912-345-678, 886912345678, \
              +886 (0)2 2720 8889, 00886 912 345 678.",
        matches: r"(?:^|[^0-9])(?P<m>(?:\+{GAP}|00{GAP})?886{GAP}(?:[(\x{FF08}]0[)\x{FF09}]{GAP})?[1-9](?:{GAP}[0-9]){7,8})(?:$|[^0-9])",
        mask: Some(MASK),
        applies: Applies::Everywhere,
        unless: None,
    },
    Pattern {
        name: "phone_taiwan",
        doc: "Taiwanese numbers with the leading 0, 9 or 10 digits: 0912-345-678, 0912.345.678, \
              0912/345/678, 0912 345 678, (02)2720-8889, （02）2720-8889, 02-2720-8889. A longer \
              run of digits is not cut into one (lamp numbers 0505364 0505365).",
        matches: r"{NUM_START}(?P<m>0(?:{GAP}[0-9]){8,9}|[(\x{FF08}]0[0-9][)\x{FF09}]{GAP}[0-9](?:{GAP}[0-9]){6,7}|[(\x{FF08}]0[0-9]{2}[)\x{FF09}]{GAP}[0-9](?:{GAP}[0-9]){5,6}|[(\x{FF08}]0[0-9]{3}[)\x{FF09}]{GAP}[0-9](?:{GAP}[0-9]){4,5})(?:$|[^0-9])",
        mask: Some(MASK),
        applies: Applies::Everywhere,
        unless: None,
    },
    Pattern {
        name: "phone_international",
        doc: "International numbers: +1 415 555 2671, +44 20 7946 0958.",
        matches: r"(?:^|[^0-9])(?P<m>\+{GAP}[1-9](?:{GAP}[0-9]){7,13})(?:$|[^0-9])",
        mask: Some(MASK),
        applies: Applies::Everywhere,
        unless: None,
    },
    Pattern {
        name: "phone_after_word",
        doc: "A local number of 7 or 8 digits after a word that says it is a phone number, or a \
              person's title: 電話27208889, tel 2720 8889, call 27208889, 沈先生29378667, \
              電話 2720-8889 / 2720-8890.",
        matches: r"{PHONE_WORD}(?:號碼|号码|(?i:number|no\.?))?[{WS}:：=#是為(\x{FF08}]*(?P<m>{NUM}(?:{WS}*(?:[/、,，&]|或|及|和|or){WS}*{NUM})*)(?:$|[^0-9])",
        mask: Some(MASK),
        applies: Applies::Everywhere,
        unless: None,
    },
    Pattern {
        name: "phone_before_title",
        doc: "A local number of 7 or 8 digits followed by whose it is: 通報公園處23121979高先生, \
              23121979，謝先生, 27208889 王小姐.",
        matches: r"(?:^|[^0-9])(?P<m>[2-9](?:{GAP}[0-9]){6,7})[{WS},，、]*[\x{4E00}-\x{9FFF}]{0,2}(?:先生|小姐|太太|女士)",
        mask: Some(MASK),
        applies: Applies::Everywhere,
        unless: None,
    },
    Pattern {
        name: "phone_with_extension",
        doc: "A number with an extension: 23815132#277, 23815132分機277, 2720-8889 ext. 12.",
        matches: r"(?:^|[^0-9])(?P<m>[0-9](?:{GAP}[0-9]){6,9}{WS}*(?:分機|轉|(?i:ext)\.?|#){WS}*[0-9]{1,6})(?:$|[^0-9])",
        mask: Some(MASK),
        applies: Applies::Everywhere,
        unless: None,
    },
    Pattern {
        name: "phone_local",
        doc: "Local landline numbers written as such: 2720-8889, 272-8889, 2736 2164. Not a range \
              of years or amounts (2024-2025, 2000-3000元).",
        matches: r"{NUM_START}(?P<m>[2-9][0-9]{2,3}[\-\x{2010}-\x{2015}\x{2212}][0-9]{4}|[2-9][0-9]{3} [0-9]{4})(?:$|[^0-9\-元塊萬年月日時點分號樓])",
        mask: Some(MASK),
        applies: Applies::Everywhere,
        unless: Some(|m, _| is_year_range(m)),
    },
    Pattern {
        name: "phone_grouped",
        doc: "Ten digits grouped 3-3-4 (North American numbers, and a number written backwards \
              behind a right-to-left override): 415-555-2671, 876-543-2190.",
        matches: r"{NUM_START}(?P<m>[0-9]{3}[\-. ][0-9]{3}[\-. ][0-9]{4})(?:$|[^0-9])",
        mask: Some(MASK),
        applies: Applies::Everywhere,
        unless: None,
    },
    Pattern {
        name: "phone_reversed",
        doc: "A mobile number written backwards (shown the right way round by a right-to-left \
              override): 8765432190.",
        matches: r"{NUM_START}(?P<m>[0-9](?:{GAP}[0-9]){7}{GAP}9{GAP}0)(?:$|[^0-9])",
        mask: Some(MASK),
        applies: Applies::Everywhere,
        unless: None,
    },
    Pattern {
        name: "bank_account",
        doc: "Bank account numbers after the word: 帳號 0123456789012, 帳戶：012-345-678901, \
              account no. 0123456789. A bare long number (a case number 2024110112552) is kept.",
        matches: r"(?:帳號|帳戶|戶頭|(?i:account(?:{WS}*(?:no\.?|number))?))[{WS}:：#]*(?P<m>[0-9](?:[ \-]?[0-9]){9,15})(?:$|[^0-9])",
        mask: Some(MASK),
        applies: Applies::Everywhere,
        unless: None,
    },
    Pattern {
        name: "licence_plate",
        doc: "Taiwanese licence plates, any case, with or without the dash: ABC-1234, AB-1234, \
              1234-AB, ABC-123, 123-ABC, abc1234, Z2-9772. Not an amount or a measure (NT3000, \
              NTD1500, 1500cc).",
        matches: r"(?:^|[^A-Za-z0-9\-])(?P<m>[A-Za-z]{2,3}-?[0-9]{4}|[A-Za-z]{3}-?[0-9]{3}|[0-9]{4}-?[A-Za-z]{2}|[0-9]{3}-?[A-Za-z]{3}|(?:[A-Za-z][0-9]|[0-9][A-Za-z])-[0-9]{4}|[0-9]{4}-(?:[A-Za-z][0-9]|[0-9][A-Za-z]))(?:$|[^A-Za-z0-9\-])",
        mask: Some(MASK),
        applies: Applies::Everywhere,
        unless: Some(|m, _| is_amount(m)),
    },
    Pattern {
        name: "house_number_on_a_road",
        doc: "A house number (and floor, room) after a road, section, lane or alley in free text: \
              我住信義路五段7號3樓 → 我住信義路五段○號, 100巷3弄12號 → 100巷3弄○號, 松仁路 12 號, \
              松仁路十二號, 31號和30號. Lane and alley numbers stay.",
        matches: r"[路街段巷弄道]{WS}*(?P<m>{HOUSE}(?:{WS}*(?:[和與与、,，~\-]|至|到|及|或){WS}*{HOUSE})*)",
        mask: Some(HOUSE_MASK),
        applies: Applies::FreeText,
        unless: None,
    },
    Pattern {
        name: "house_number_with_floor",
        doc: "A house number with a floor anywhere in free text: 我家7號3樓 → 我家○號.",
        matches: r"(?:^|[^0-9])(?P<m>{HN}(?:{WS}*[之\-]{WS}*{HN})?{WS}*[號号](?:{WS}*之{WS}*{HN})?{WS}*(?:{HN}|[Bb]{WS}*[0-9]+){WS}*(?:樓|楼|層|层|[Ff])(?:{WS}*之{WS}*{HN})?(?:{WS}*{HN}{WS}*室)?)",
        mask: Some(HOUSE_MASK),
        applies: Applies::FreeText,
        unless: None,
    },
    Pattern {
        name: "house_number",
        doc: "In an address field every number before 號 is the house number: 12號, 12 號, 十二號, \
              12号, １２號, 12之3號4樓之1 → ○號.",
        matches: r"(?:^|[^0-9])(?P<m>{HOUSE})",
        mask: Some(HOUSE_MASK),
        applies: Applies::Address,
        unless: None,
    },
    Pattern {
        name: "english_lane_or_section",
        doc: "Lane, alley and section numbers in English addresses are kept: Lane 5, Ln. 70, \
              Aly. 3, Sec. 5. Not a plate after the word (ln 0000-AA, ln 0000AA).",
        matches: r"(?:^|[^A-Za-z])(?P<m>(?i:lane|ln\.?|alley|aly\.?|sec(?:tion|\.)?){WS}*[0-9]{1,4})(?:$|[^0-9A-Za-z \-./]|[ ./](?:$|[^0-9])|-(?:$|[^0-9A-Za-z]))",
        mask: None,
        applies: Applies::Everywhere,
        unless: None,
    },
    Pattern {
        name: "english_floor",
        doc: "The floor before the house number of an English address is dropped: 5F., No. 12 → \
              No. ○; 3rd Fl., #12 → #○. Only there: dropping text elsewhere could join what is \
              left into something that reads differently the second time.",
        matches: r"(?:^|[^A-Za-z0-9])(?P<m>[0-9]{1,3}(?:[Ff]|(?i:st|nd|rd|th)?{WS}?(?i:fl|floor))(?:-[0-9]{1,3})?\.?(?:{WS}*,{WS}*|{WS}+))(?:(?i:no)\.?{WS}*[0-9]|#)",
        mask: Some(""),
        applies: Applies::Address,
        unless: None,
    },
    Pattern {
        name: "english_house_number",
        doc: "No. 12, No 12, no. 12, #12 in an address field: No. 5-1, Ln. 70 → No. ○, Ln. 70.",
        matches: r"(?:(?:^|[^A-Za-z])(?i:no)\.?|#){WS}*(?P<m>[0-9]{1,5}(?:-[0-9]{1,4})?)(?:$|[^0-9])",
        mask: Some(HOUSE_MASK_EN),
        applies: Applies::Address,
        unless: None,
    },
    Pattern {
        name: "english_house_number_on_a_road",
        doc: "No. 12, #12 in free text when a street follows: No. 12, Songren Rd.; #12 Songren Rd.",
        matches: r"(?:(?:^|[^A-Za-z])(?i:no)\.?|#){WS}*(?P<m>[0-9]{1,5}(?:-[0-9]{1,4})?){EN_ROAD}",
        mask: Some(HOUSE_MASK_EN),
        applies: Applies::FreeText,
        unless: None,
    },
    Pattern {
        name: "english_bare_house_number",
        doc: "A bare number before a lane or street: 12, Lane 5, Songren Rd. → ○, Lane 5, \
              Songren Rd.; 12 Songren Rd.",
        matches: r"(?:^|[{WS},(\x{FF08}]|[^\x00-\x7F])(?P<m>[0-9]{1,5}(?:-[0-9]{1,4})?){EN_ROAD}",
        mask: Some(HOUSE_MASK_EN),
        applies: Applies::Everywhere,
        unless: None,
    },
];

/// `022.0000.000`, `0220 0000 00`: lamp numbers whose digits, read on together (through
/// the text after the list, with up to three separators between digits, as `{GAP}` does),
/// are exactly a phone number with its 0 (the shapes `{LAMP}` refuses one by one) are that
/// phone number. One pole number with its dash (`025-2040554`) and nothing after it stays; a run
/// longer than a phone number (`033 114 115 116`) is a list.
fn reads_as_phone(list: &str, after: &str) -> bool {
    let one_number = list.chars().all(|c| c.is_ascii_digit() || c == '-');
    let in_list = list.bytes().filter(u8::is_ascii_digit).count();
    let mut digits = Vec::new();
    let mut gap = 0;
    for c in list.chars().chain(after.chars()) {
        if c.is_ascii_digit() {
            digits.push(c as u8);
            gap = 0;
        } else if is_gap(c) && gap < 3 {
            gap += 1;
        } else {
            break;
        }
    }
    if one_number && digits.len() == in_list {
        return false;
    }
    match digits.as_slice() {
        [b'0', b'9', rest @ ..] => rest.len() == 8,
        [b'0', b'2'..=b'8', b'2'..=b'9', rest @ ..] => (6..=7).contains(&rest.len()),
        _ => false,
    }
}

/// A character of `{SEP}`.
fn is_gap(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\u{A0}' | '-' | '\u{2010}'
            ..='\u{2015}'
                | '\u{2212}'
                | '\u{30FC}'
                | '~'
                | '\u{FF5E}'
                | '.'
                | '\u{B7}'
                | '\u{30FB}'
                | '/'
                | '_'
    )
}

/// `2024-2025`, `2019-2023`: a range of years, not a phone number.
fn is_year_range(text: &str) -> bool {
    let years: Vec<u32> = text
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|part| part.parse().ok())
        .collect();
    matches!(years.as_slice(), [from, to] if (1900..=2099).contains(from) && *to > *from && *to - *from <= 30)
}

/// `NT3000`, `NTD1500`, `1500cc`, `2000lm`: an amount of money or a measure, not a licence
/// plate.
pub(super) fn is_amount(text: &str) -> bool {
    if text.contains('-') {
        return false; // KG-0000 is a plate
    }
    let letters: String = text
        .chars()
        .filter(char::is_ascii_alphabetic)
        .collect::<String>()
        .to_ascii_uppercase();
    if text.starts_with(|c: char| c.is_ascii_alphabetic()) {
        // Money and times come before the number: NT3000, PM2030, No1234.
        matches!(
            letters.as_str(),
            "NT" | "NTD"
                | "TWD"
                | "USD"
                | "US"
                | "RMB"
                | "HKD"
                | "JPY"
                | "EUR"
                | "NO"
                | "AM"
                | "PM"
        )
    } else {
        // Measures come after it: 1500cc, 2000lm, 1200mm.
        matches!(
            letters.as_str(),
            "CM" | "MM"
                | "KM"
                | "KG"
                | "MG"
                | "ML"
                | "CC"
                | "LM"
                | "KW"
                | "HZ"
                | "KWH"
                | "MAH"
                | "MHZ"
                | "GHZ"
                | "RPM"
                | "LUX"
        )
    }
}
