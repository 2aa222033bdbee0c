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

/// Masks what identifies a home in an ADDRESS field: the house number before `號` (with its
/// `之N` part) and any floor or room after it, in any of the ways people write them
/// (`12 號5樓`, `十二號`, `12号`, `１２號`, `12之3號4樓之1`): `大安區信義路二段86巷10之1號3樓` →
/// `大安區信義路二段86巷○號`. Lane and alley numbers stay: they locate a problem without
/// pointing at a household. English forms lose the number and the floor the same way
/// (`5F., No. 12, Lane 5, Songren Rd.`, `No 12`, `#12`, `12, Lane 5, Songren Rd.` →
/// `No. ○, Lane 5, Songren Rd.`, `No ○`, `#○`, `○, Lane 5, Songren Rd.`). Contact details
/// typed into the address are masked as in free text (see [`crate::redact_personal_data`]).
pub fn mask_house_number(address: &str) -> String {
    crate::redact::redact_address(address)
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

    /// F5: the address forms the security test saw published unmasked.
    #[test]
    fn masks_every_way_of_writing_a_house_number() {
        let cases = [
            (
                "臺北市大安區復興南路一段 12 號5樓",
                "臺北市大安區復興南路一段 ○號",
            ),
            ("松仁路12 號", "松仁路○號"),
            ("松仁路十二號五樓", "松仁路○號"),
            ("松仁路12号", "松仁路○號"),
            ("松仁路12\u{200b}號", "松仁路○號"),
            ("松仁路１２號", "松仁路○號"),
            ("松仁路12之3號4樓之1", "松仁路○號"),
            ("松仁路100巷3弄12號", "松仁路100巷3弄○號"),
            ("松仁路12號", "松仁路○號"),
            ("No. 12, Songren Rd.", "No. ○, Songren Rd."),
            ("No 12, Songren Rd.", "No ○, Songren Rd."),
            ("no. 12 Songren Rd", "no. ○ Songren Rd"),
            ("#12 Songren Rd", "#○ Songren Rd"),
            ("12, Lane 5, Songren Rd.", "○, Lane 5, Songren Rd."),
            (
                "5F., No. 12, Lane 5, Songren Rd.",
                "No. ○, Lane 5, Songren Rd.",
            ),
            ("12號", "○號"),
            ("12 號", "○號"),
            ("十二號", "○號"),
            ("No. 12", "No. ○"),
            ("no 12", "no ○"),
            ("#12", "#○"),
            ("3rd Fl., #12 Songren Rd.", "#○ Songren Rd."),
        ];
        for (address, masked) in cases {
            assert_eq!(mask_house_number(address), masked, "{address:?}");
            assert_eq!(mask_house_number(masked), masked, "{masked:?} again");
        }
    }

    /// An address field is no place for contact details either.
    #[test]
    fn masks_contact_details_typed_into_an_address() {
        assert_eq!(
            mask_house_number("松仁路12號 電話0912-345-678"),
            "松仁路○號 電話＊＊＊"
        );
    }

    /// Found by the `redaction` fuzz target: a dropped floor joined a number to the street
    /// after it, so the masked address read differently the second time.
    #[test]
    fn a_dropped_floor_does_not_join_what_is_left() {
        let address = "#12 12, Lad. 5F Nongren Rd. 5F No. 12";
        let masked = mask_house_number(address);
        assert_eq!(mask_house_number(&masked), masked);
    }

    #[test]
    fn keeps_addresses_without_a_house_number() {
        for address in [
            "信義路二段86巷",
            "臺北市北投區長安里008鄰光明路",
            "3樓住戶 冷氣滴水",
            "華中河濱公園(西)-284",
            "Sec. 5, Xinyi Rd.",
        ] {
            assert_eq!(mask_house_number(address), address);
        }
    }
}
