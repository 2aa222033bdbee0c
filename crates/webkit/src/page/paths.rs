//! Paths in links and redirects: percent-encoding query values, and the way back after the
//! language switch or signing in, which must never lead to another site.

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes a percent-encoded query value (`+` is a space).
pub fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A path of this site to go back to (after signing in, after switching the language), never
/// another site; `/` for anything else.
///
/// Accepted is only a path-absolute reference as RFC 3986 resolves it against our own origin:
/// it starts with one `/`, and neither it nor its path decoded again (up to four times, against
/// double encoding) holds a second leading `/` or `\`, a backslash, whitespace or a control
/// character. Browsers drop tabs and newlines from URLs and read `\` as `/`, so `/<TAB>/evil`
/// and `/\evil` would become `//evil`: another host. Characters outside ASCII are
/// percent-encoded, so the result is a valid `Location`.
pub fn safe_back(back: Option<&str>) -> String {
    match back {
        Some(b) if is_local_path(b) => encode_non_ascii(b),
        _ => "/".to_string(),
    }
}

fn is_local_path(back: &str) -> bool {
    let unsafe_char =
        |c: char| c.is_control() || c.is_whitespace() || c == '\\' || is_zero_width(c);
    if back.chars().any(unsafe_char) {
        return false;
    }
    let mut path = back
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
        .to_string();
    for _ in 0..5 {
        let mut chars = path.chars();
        if chars.next() != Some('/') || matches!(chars.next(), Some('/')) {
            return false;
        }
        if path.chars().any(unsafe_char) {
            return false;
        }
        let decoded = decode_percent(&path);
        if decoded == path {
            return true;
        }
        path = decoded;
    }
    false
}

fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}')
}

/// `%XX` decoded (not `+`: in a path it is a plus).
fn decode_percent(value: &str) -> String {
    decode(&value.replace('+', "%2B"))
}

fn encode_non_ascii(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// F6: every way of writing another host into `back` ends at `/`.
    #[test]
    fn going_back_never_leaves_the_site() {
        let attacks = [
            "//evil.example",
            "https://evil.example",
            "http:/evil.example",
            "javascript:alert(1)",
            "evil.example",
            "/\t/evil.example",
            "/%09/evil.example",
            "/%0A/evil.example",
            "/\r\n/evil.example",
            " //evil.example",
            "/ /evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/%5C%5Cevil.example",
            "/%5cevil.example",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%252F%252Fevil.example",
            "/%25252F/evil.example",
            "/\u{3000}/evil.example",
            "/\u{200B}/evil.example",
            "/\u{0000}/evil.example",
            "",
        ];
        for attack in attacks {
            assert_eq!(safe_back(Some(attack)), "/", "{attack:?}");
        }
        assert_eq!(safe_back(None), "/");
        for fine in [
            "/",
            "/work?x=1",
            "/my/cases",
            "/track?q=a%20b",
            "/a+b",
            "/x#top",
        ] {
            assert_eq!(safe_back(Some(fine)), fine);
        }
        assert_eq!(
            safe_back(Some("/track?q=路燈")),
            "/track?q=%E8%B7%AF%E7%87%88"
        );
    }
}
