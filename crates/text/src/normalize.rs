//! Normalisation of user-typed Chinese text.

/// Converts full-width digits, Latin letters, the symbols used in addresses, e-mails and
/// phone numbers (`－．／＠＋＃`) and the ideographic space to half-width:
/// `延吉街６４之２號` → `延吉街64之2號`. Chinese punctuation such as `，` and `（）` is kept.
pub fn to_halfwidth(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '－' | '．' | '／' | '＠' | '＋' | '＃' => {
                char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
            }
            _ => c,
        })
        .collect()
}

/// A key for matching place names: half-width, 台 → 臺 (the official character), whitespace
/// collapsed, ASCII lower-cased.
pub fn match_key(text: &str) -> String {
    let half = to_halfwidth(text).replace('台', "臺");
    let mut out = String::with_capacity(half.len());
    for word in half.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word.to_lowercase());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halfwidth_digits_and_letters() {
        assert_eq!(to_halfwidth("延吉街６４之２號"), "延吉街64之2號");
        assert_eq!(to_halfwidth("ＡＢＣ　１２３"), "ABC 123");
        assert_eq!(to_halfwidth("路燈不亮，請處理"), "路燈不亮，請處理");
    }

    #[test]
    fn match_key_unifies_variants() {
        assert_eq!(match_key("  台北市  大安區 "), "臺北市 大安區");
        assert_eq!(match_key("Da'an  DIST."), "da'an dist.");
    }
}
