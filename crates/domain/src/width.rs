//! Full-width (全形) to half-width (半形): the one mapping every crate uses for what people
//! type with a Chinese input method.
//!
//! Full-width ASCII (U+FF01–U+FF5E) sits 0xFEE0 above its half-width form and the ideographic
//! space (U+3000) becomes a space. Identifiers, codes, amounts and passwords convert all of
//! it ([`to_half_width`]); prose keeps its Chinese punctuation ([`to_half_width_text`]).

/// The half-width form of a full-width ASCII character or of the ideographic space; `None`
/// for every other character.
pub fn half_width_of(c: char) -> Option<char> {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0),
        '\u{3000}' => Some(' '),
        _ => None,
    }
}

/// Converts all full-width ASCII and the ideographic space to half-width, for values that
/// are ASCII once typed correctly (ID numbers, phone numbers, one-time codes, amounts,
/// passwords). Everything else is kept.
pub fn to_half_width(text: &str) -> String {
    text.chars()
        .map(|c| half_width_of(c).unwrap_or(c))
        .collect()
}

/// Converts full-width digits, Latin letters, the symbols used in addresses, e-mails and
/// phone numbers (`－．／＠＋＃`) and the ideographic space to half-width:
/// `延吉街６４之２號` → `延吉街64之2號`. Chinese punctuation such as `，` and `（）` is kept, so
/// prose reads as it was written.
pub fn to_half_width_text(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '０'..='９'
            | 'Ａ'..='Ｚ'
            | 'ａ'..='ｚ'
            | '－'
            | '．'
            | '／'
            | '＠'
            | '＋'
            | '＃'
            | '\u{3000}' => half_width_of(c).unwrap_or(c),
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_convert_every_full_width_character() {
        assert_eq!(to_half_width("Ａ１２３４５６７８９"), "A123456789");
        assert_eq!(to_half_width("ＮＴ＄１，２３４"), "NT$1,234");
        assert_eq!(to_half_width("（０９１２）　３４５"), "(0912) 345");
        assert_eq!(to_half_width("路燈"), "路燈");
    }

    #[test]
    fn prose_keeps_chinese_punctuation() {
        assert_eq!(to_half_width_text("延吉街６４之２號"), "延吉街64之2號");
        assert_eq!(to_half_width_text("ＡＢＣ　１２３"), "ABC 123");
        assert_eq!(
            to_half_width_text("路燈不亮，請處理（急）！"),
            "路燈不亮，請處理（急）！"
        );
        assert_eq!(
            to_half_width_text("ａ＠ｂ．ｔｗ　＋８８６－２／＃"),
            "a@b.tw +886-2/#"
        );
    }

    /// Both forms agree on every character prose converts, and prose keeps exactly the rest.
    #[test]
    fn the_two_forms_share_one_mapping() {
        let all = ('\u{FF01}'..='\u{FF5E}').chain(['\u{3000}', '台', 'a', ' ']);
        for c in all {
            let text = c.to_string();
            let (every, prose) = (to_half_width(&text), to_half_width_text(&text));
            assert!(prose == every || prose == text, "{c:?}");
            let kept_by_prose = !(c.is_alphanumeric() || "－．／＠＋＃\u{3000}".contains(c));
            assert_eq!(
                prose == text && every != text,
                kept_by_prose && half_width_of(c).is_some(),
                "{c:?}"
            );
        }
        assert_eq!(half_width_of('\u{FF01}'), Some('!'));
        assert_eq!(half_width_of('\u{FF5E}'), Some('~'));
        assert_eq!(half_width_of('\u{FF5F}'), None);
        assert_eq!(half_width_of('\u{3000}'), Some(' '));
    }
}
