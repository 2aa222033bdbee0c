//! Normalisation of user-typed Chinese text.

/// Full-width digits, letters and address symbols to half-width, Chinese punctuation kept:
/// the prose form of the one mapping in [`domain::width`].
pub use domain::width::to_half_width_text as to_halfwidth;

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
