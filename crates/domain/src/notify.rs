//! Rules of notification delivery: channels and addresses, masking for logs, quiet hours,
//! the local day of the daily caps, and retry backoff.

/// A way to reach a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::Email, Channel::Sms];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
        }
    }

    pub fn parse(text: &str) -> Option<Channel> {
        match text.trim() {
            "email" => Some(Channel::Email),
            "sms" => Some(Channel::Sms),
            _ => None,
        }
    }
}

/// A plausible e-mail address: one `@`, a non-empty local part, a dotted domain, no spaces or
/// control characters (so it cannot inject headers).
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && text.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && text
            .chars()
            .all(|c| !c.is_whitespace() && !c.is_control() && !matches!(c, '<' | '>' | ',' | ';'))
}

/// An E.164 number: `+`, a non-zero digit, and 7 to 14 more digits.
pub fn is_e164(text: &str) -> bool {
    let Some(digits) = text.strip_prefix('+') else {
        return false;
    };
    (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// The channel an address belongs to, if it is a valid e-mail address or E.164 number.
pub fn channel_of(address: &str) -> Option<Channel> {
    if is_e164(address) {
        Some(Channel::Sms)
    } else if is_email(address) {
        Some(Channel::Email)
    } else {
        None
    }
}

/// An address made safe for logs and admin screens: `a***@example.com`, `+88691****678`.
pub fn mask_address(address: &str) -> String {
    if let Some((local, domain)) = address.split_once('@') {
        let first: String = local.chars().take(1).collect();
        return format!("{first}***@{domain}");
    }
    let chars: Vec<char> = address.chars().collect();
    if chars.len() >= 10 {
        let head: String = chars[..6].iter().collect();
        let tail: String = chars[chars.len() - 3..].iter().collect();
        format!("{head}****{tail}")
    } else {
        "****".to_string()
    }
}

/// Parses a channel preference: `none`, or a comma-separated list of channels (no repeats).
pub fn parse_channels(text: &str) -> Option<Vec<Channel>> {
    let text = text.trim();
    if text == "none" {
        return Some(Vec::new());
    }
    let mut out = Vec::new();
    for part in text.split(',') {
        let c = Channel::parse(part)?;
        if out.contains(&c) {
            return None;
        }
        out.push(c);
    }
    Some(out)
}

/// Formats channels as stored: `none` or `email,sms`.
pub fn format_channels(channels: &[Channel]) -> String {
    if channels.is_empty() {
        "none".into()
    } else {
        channels
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

pub const MINUTES_PER_DAY: i64 = 24 * 60;

/// If `now` falls in the quiet period `[start, end)` (minutes of the local day; it may wrap
/// past midnight, e.g. 22:00–07:00), the instant the period ends; otherwise `None`. Equal
/// start and end mean no quiet hours.
pub fn quiet_until(now: i64, offset_minutes: i32, start: i64, end: i64) -> Option<i64> {
    if start == end {
        return None;
    }
    let local = now + i64::from(offset_minutes) * 60;
    let minute_of_day = local.rem_euclid(86_400) / 60;
    let inside = if start < end {
        (start..end).contains(&minute_of_day)
    } else {
        minute_of_day >= start || minute_of_day < end
    };
    if !inside {
        return None;
    }
    let minutes_left = (end - minute_of_day).rem_euclid(MINUTES_PER_DAY);
    let second_of_minute = local.rem_euclid(60);
    Some(now + minutes_left * 60 - second_of_minute)
}

/// The first instant of the next local day.
pub fn next_local_midnight(now: i64, offset_minutes: i32) -> i64 {
    let offset = i64::from(offset_minutes) * 60;
    let local = now + offset;
    local - local.rem_euclid(86_400) + 86_400 - offset
}

/// The delay before retry number `attempt` (1 = after the first failure): the `attempt`-th
/// entry of `schedule` (the last one repeats), spread by up to ±20 % with `jitter` in
/// `[0, 1)` so that messages failing together do not retry together.
pub fn retry_delay(attempt: u32, schedule: &[u64], jitter: f64) -> u64 {
    let Some(last) = schedule.last() else {
        return 0;
    };
    let base = schedule.get((attempt.max(1) - 1) as usize).unwrap_or(last);
    let factor = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    (*base as f64 * factor).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_classified() {
        assert_eq!(channel_of("a@example.com"), Some(Channel::Email));
        assert_eq!(channel_of("+886912345678"), Some(Channel::Sms));
        assert_eq!(channel_of("0912345678"), None);
        assert_eq!(channel_of("a@b"), None);
        assert_eq!(channel_of("a@example.com\r\nBcc: x@y.z"), None);
        assert_eq!(channel_of("+0912345678"), None);
    }

    #[test]
    fn masks_hide_most_of_the_address() {
        assert_eq!(mask_address("alice@example.com"), "a***@example.com");
        assert_eq!(mask_address("+886912345678"), "+88691****678");
        assert_eq!(mask_address("+123"), "****");
    }

    #[test]
    fn channel_preferences_round_trip() {
        assert_eq!(parse_channels("none"), Some(vec![]));
        assert_eq!(
            parse_channels("sms,email"),
            Some(vec![Channel::Sms, Channel::Email])
        );
        assert_eq!(parse_channels("email,email"), None);
        assert_eq!(parse_channels("fax"), None);
        assert_eq!(
            format_channels(&[Channel::Email, Channel::Sms]),
            "email,sms"
        );
        assert_eq!(format_channels(&[]), "none");
    }

    #[test]
    fn quiet_hours_wrap_midnight() {
        // 2026-11-24T15:30:00Z is 23:30 in Taipei (+08:00).
        let t = 1_795_534_200;
        assert_eq!(t % 86_400, 15 * 3600 + 30 * 60);
        let end = quiet_until(t, 480, 22 * 60, 7 * 60).unwrap();
        assert_eq!(end - t, 7 * 3600 + 30 * 60, "until 07:00 local");
        assert_eq!(quiet_until(t, 480, 8 * 60, 22 * 60), None);
        assert_eq!(quiet_until(t, 480, 0, 0), None);
        // Inside a same-day window: 23:00–23:45.
        assert_eq!(
            quiet_until(t, 480, 23 * 60, 23 * 60 + 45),
            Some(t + 15 * 60)
        );
        // At exactly the end minute the window is over.
        assert_eq!(quiet_until(t, 480, 22 * 60, 23 * 60 + 30), None);
    }

    #[test]
    fn next_midnight_is_local() {
        let t = 1_795_534_200; // 23:30 Taipei
        let m = next_local_midnight(t, 480);
        assert_eq!(m - t, 30 * 60);
        assert_eq!(next_local_midnight(m, 480) - m, 86_400);
    }

    #[test]
    fn backoff_grows_and_is_jittered() {
        let s = [30, 120, 600, 3600, 21600];
        assert_eq!(retry_delay(1, &s, 0.5), 30);
        assert_eq!(retry_delay(2, &s, 0.5), 120);
        assert_eq!(retry_delay(9, &s, 0.5), 21600);
        assert_eq!(retry_delay(1, &s, 0.0), 24);
        assert_eq!(retry_delay(1, &s, 0.999_999), 36);
        assert_eq!(retry_delay(3, &[], 0.3), 0);
    }
}
