//! Redaction of personal data in text that will be shown publicly (Open311 GET responses, open
//! data, delivery logs): phone numbers, e-mail addresses, national and resident ID numbers,
//! licence plates, bank account numbers and house numbers.
//!
//! One function, [`redact`], reads the text once against a table of patterns
//! ([`patterns::PATTERNS`]); [`redact_personal_data`] (free text) and
//! [`crate::mask_house_number`] (address fields) are that function with the rows that apply.
//! The text is first normalised ([`normalise`]): full-width digits and letters become
//! half-width, and invisible characters (zero-width spaces and joiners, soft hyphens,
//! bidirectional controls) are removed, so that `0912\u{200b}345678` or a number behind a
//! right-to-left override is read as what it shows. The output is the normalised text with
//! the masks in it; reading it again changes nothing.

mod patterns;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use std::sync::LazyLock;

use regex::Regex;

use patterns::{Applies, MASK, PATTERNS, PIECES, Pattern};

/// Replaces everything personal in free text (descriptions, notes, comments, string attribute
/// answers) with `＊＊＊`: phone numbers (`0912.345.678`, `(02)2720-8889`, `+1 415 555 2671`,
/// `零九一二三四五六七八`, `電話27208889`), e-mail addresses (`wang(at)example.com`,
/// `王@例子.台灣`), ID numbers (`a123456789`, `A800000014`), licence plates (`ABC-1234`,
/// `1234-AB`) and bank account numbers after the word (`帳號 0123456789012`). House numbers
/// on a road lose their number, floor and room (`我住信義路五段7號3樓` → `我住信義路五段○號`);
/// lamp numbers, lane numbers, case numbers, dates, times and amounts stay.
pub fn redact_personal_data(text: &str) -> String {
    redact(&FREE_TEXT, text)
}

/// The address-field table: see [`crate::mask_house_number`].
pub(crate) fn redact_address(text: &str) -> String {
    redact(&ADDRESS, text)
}

/// The rows for one kind of text, compiled into one regular expression whose alternatives are
/// the rows, in table order.
struct Table {
    regex: Regex,
    /// Per alternative: its row and the index of its group `m`.
    rows: Vec<(&'static Pattern, usize)>,
}

/// The lazy DFA's cache, per table and per thread that redacts at the same time.
const DFA_CACHE_BYTES: usize = 4 << 20;

static FREE_TEXT: LazyLock<Result<Table, regex::Error>> =
    LazyLock::new(|| Table::compile(Applies::FreeText));
static ADDRESS: LazyLock<Result<Table, regex::Error>> =
    LazyLock::new(|| Table::compile(Applies::Address));

impl Table {
    fn compile(kind: Applies) -> Result<Table, regex::Error> {
        let rows: Vec<&'static Pattern> = PATTERNS
            .iter()
            .filter(|p| p.applies == Applies::Everywhere || p.applies == kind)
            .collect();
        // Each row's group `m` is named after the row, so that a match says which row it is
        // (and two rows cannot share a name: the regex would not compile).
        let alternatives: Vec<String> = rows
            .iter()
            .map(|row| {
                let pattern = expand(row.matches).replace("(?P<m>", &format!("(?P<{}>", row.name));
                format!("(?:{pattern})")
            })
            .collect();
        // The default cache of the lazy DFA (2 MiB) is a little too small for this table on
        // real text: it is cleared over and over, and redaction gets ten times slower (measured
        // over Taipei's 20,667 street-light complaints: 16.8 µs → 1.8 µs per description).
        let regex = regex::RegexBuilder::new(&alternatives.join("|"))
            .dfa_size_limit(DFA_CACHE_BYTES)
            .build()?;
        let rows = rows
            .into_iter()
            .map(|row| {
                let group = regex
                    .capture_names()
                    .position(|n| n == Some(row.name))
                    .unwrap_or(0);
                (row, group)
            })
            .collect();
        Ok(Table { regex, rows })
    }
}

/// Replaces the `{NAME}` pieces of a pattern until none is left.
fn expand(pattern: &str) -> String {
    let mut out = pattern.to_string();
    while out.contains("{") {
        let before = out.clone();
        for (name, piece) in PIECES {
            out = out.replace(name, piece);
        }
        if out == before {
            break;
        }
    }
    out
}

/// Masks what the table's rows match, until reading the result again changes nothing. If the
/// table could not be compiled (a defect the unit tests catch), nothing is shown rather than
/// something personal.
///
/// One pass is not always enough: a row may decline a match because of what follows it
/// (`091NTD` is no plate when a digit follows), and what follows may be masked by the same
/// pass (`091NTD0912345678` → `091NTD＊＊＊`, where `091NTD` is now a plate). Each pass that
/// changes the text masks more of it, so this ends; text with nothing to mask takes one pass.
fn redact(table: &LazyLock<Result<Table, regex::Error>>, text: &str) -> String {
    let Ok(table) = table.as_ref() else {
        return MASK.to_string();
    };
    let mut text = normalise(text);
    for _ in 0..MAX_PASSES {
        let (next, masked) = redact_once(table, &text);
        if !masked || next == text {
            return next;
        }
        text = next;
    }
    text
}

/// Enough for any text a person writes; the fuzz target checks the result is stable.
const MAX_PASSES: usize = 16;

/// One pass over normalised text: the result, and whether anything was masked.
fn redact_once(table: &Table, text: &str) -> (String, bool) {
    let mut masked = false;
    let mut out = String::with_capacity(text.len() + 8);
    // Everything before `done` is in `out`. A search reads `text[base..]` from `from`: `base`
    // moves to the end of each match, so what follows a match starts afresh (`^`), as it does
    // when the output is read again.
    let (mut done, mut base, mut from) = (0, 0, 0);
    while let Some(caps) = table.regex.captures_at(&text[base..], from - base) {
        let Some((row, m)) = table
            .rows
            .iter()
            .find_map(|(row, group)| caps.get(*group).map(|m| (*row, m)))
        else {
            break;
        };
        let (start, end) = (base + m.start(), base + m.end());
        if start == end || row.unless.is_some_and(|no| no(m.as_str(), &text[end..])) {
            // Not a match after all: go on one character after where this one began.
            let began = base + caps.get(0).map_or(m.start(), |whole| whole.start());
            from = began + text[began..].chars().next().map_or(1, char::len_utf8);
            if from > text.len() {
                break;
            }
            continue;
        }
        out.push_str(&text[done..start]);
        out.push_str(row.mask.unwrap_or(&text[start..end]));
        masked |= row.mask.is_some();
        (done, base, from) = (end, end, end);
    }
    out.push_str(&text[done..]);
    (out, masked)
}

/// Half-width digits, letters and symbols (`to_halfwidth`), without the invisible characters
/// that can hide a number from a reader: zero-width spaces and joiners, word joiners, the byte
/// order mark, soft hyphens and bidirectional controls. A zero-width joiner between emoji
/// (👨‍👩‍👧) is kept.
fn normalise(text: &str) -> String {
    let half = crate::to_halfwidth(text);
    let mut out = String::with_capacity(half.len());
    let mut prev: Option<char> = None;
    for c in half.chars() {
        let invisible = match c {
            '\u{200D}' => !prev.is_some_and(is_emoji),
            '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{180E}' | '\u{FEFF}' => true,
            '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' => true,
            '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' => true,
            _ => false,
        };
        if !invisible {
            out.push(c);
            prev = Some(c);
        }
    }
    out
}

/// Characters an emoji sequence joins with U+200D (pictographs, their variation selector and
/// skin tones).
fn is_emoji(c: char) -> bool {
    matches!(c, '\u{2600}'..='\u{27BF}' | '\u{FE0F}' | '\u{1F000}'..='\u{1FAFF}')
}
