//! Taiwanese addresses: finding the district, and masking the house number for public output.

use crate::normalize::to_halfwidth;

/// Finds the district an address names. `districts` are `(code, zh name)` pairs such as
/// `("106", "大安區")`. The full name (`大安區`) is preferred; the short form without the
/// suffix (`大安`) is accepted only as a whole word, as the street-light data's district
/// column writes it, because many roads share a district's name (信義路 is not 信義區).
/// When several districts match, the earliest mention wins.
pub fn find_district<'a>(address: &str, districts: &'a [(String, String)]) -> Option<&'a str> {
    let text = to_halfwidth(address).replace('台', "臺");
    let text = text.trim_start();
    let text = text
        .strip_prefix("臺北市")
        .or_else(|| text.strip_prefix("新北市"))
        .or_else(|| text.strip_prefix("高雄市"))
        .unwrap_or(text);
    let mut best: Option<(usize, &str)> = None;
    for (code, name) in districts {
        if let Some(pos) = text.find(name.as_str())
            && best.is_none_or(|(p, _)| pos < p)
        {
            best = Some((pos, code));
        }
    }
    if let Some((_, code)) = best {
        return Some(code);
    }
    districts.iter().find_map(|(code, name)| {
        let short = name.trim_end_matches(['區', '鄉', '鎮', '市']);
        let rest = text.strip_prefix(short)?;
        let whole_word = rest.is_empty() || rest.starts_with([' ', ',', '，']);
        (short.chars().count() >= 2 && whole_word).then_some(code.as_str())
    })
}

/// Masks what identifies a home: the house number before `號` (with its `之N` part) and any
/// floor or room after it. `大安區信義路二段86巷10之1號3樓` → `大安區信義路二段86巷○號`.
/// Lane and alley numbers stay: they locate a problem without pointing at a household.
/// English `No. 5` forms are masked the same way.
pub fn mask_house_number(address: &str) -> String {
    let text = to_halfwidth(address);
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        // Chinese: a run of digits / 之 / - / 號-only content ending in 號.
        if chars[i].is_ascii_digit() {
            let start = i;
            let mut j = i;
            while j < chars.len() && (chars[j].is_ascii_digit() || matches!(chars[j], '之' | '-'))
            {
                j += 1;
            }
            if j < chars.len() && chars[j] == '號' {
                out.push_str("○號");
                // Drop floor and room after the house number.
                let mut k = j + 1;
                while k < chars.len()
                    && (chars[k].is_ascii_digit()
                        || matches!(chars[k], '樓' | '之' | '-' | '室' | 'F' | 'f' | ' ' | ','))
                {
                    k += 1;
                }
                i = k;
                continue;
            }
            out.extend(&chars[start..j]);
            i = j;
            continue;
        }
        // English: "No. 12-3" / "No.12".
        if chars[i] == 'N'
            && chars.get(i + 1) == Some(&'o')
            && chars.get(i + 2) == Some(&'.')
            && (i == 0 || !chars[i - 1].is_alphanumeric())
        {
            let mut j = i + 3;
            while j < chars.len() && chars[j] == ' ' {
                j += 1;
            }
            let digits_start = j;
            while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '-') {
                j += 1;
            }
            if j > digits_start {
                out.push_str("No. ○");
                i = j;
                continue;
            }
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taipei() -> Vec<(String, String)> {
        [
            ("106", "大安區"),
            ("112", "北投區"),
            ("110", "信義區"),
            ("100", "中正區"),
        ]
        .iter()
        .map(|(c, n)| (c.to_string(), n.to_string()))
        .collect()
    }

    #[test]
    fn finds_districts_in_real_addresses() {
        let d = taipei();
        assert_eq!(find_district("大安區和2弄", &d), Some("106"));
        assert_eq!(
            find_district("  臺北市北投區長安里008鄰光明路１２９號", &d),
            Some("112")
        );
        assert_eq!(find_district("台北市信義區松高路", &d), Some("110"));
        assert_eq!(find_district("北投", &d), Some("112"));
        assert_eq!(
            find_district("信義路二段86巷", &d),
            None,
            "a road named 信義 is not the district"
        );
        assert_eq!(find_district("3樓住戶 冷氣滴水", &d), None);
    }

    #[test]
    fn masks_house_numbers_but_keeps_lanes() {
        assert_eq!(
            mask_house_number("大安區信義路二段86巷10之1號3樓"),
            "大安區信義路二段86巷○號"
        );
        assert_eq!(mask_house_number("延吉街６４之２號"), "延吉街○號");
        assert_eq!(mask_house_number("光明路129號前"), "光明路○號前");
        assert_eq!(mask_house_number("北投區"), "北投區");
        assert_eq!(
            mask_house_number("No. 5-1, Ln. 70, Jilin Rd."),
            "No. ○, Ln. 70, Jilin Rd."
        );
        assert_eq!(mask_house_number("Nostalgia St."), "Nostalgia St.");
    }
}
