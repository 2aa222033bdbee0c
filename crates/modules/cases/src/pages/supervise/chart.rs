//! Horizontal bar charts as inline SVG, drawn by the server: no script, readable in print and
//! with images of text off. Each bar has its label above it and its value beside it in text,
//! so nothing is told by colour or length alone; the chart is an image (`role="img"`) named
//! by its `<title>` and described by its `<desc>`, and the page puts a table with the same
//! numbers next to it.

use askama::Template;
use domain::Locale;

/// Drawing units across; the SVG scales to its box.
pub const WIDTH: i64 = 360;
const ROW: i64 = 44;
const TOP: i64 = 8;
const BAR_HEIGHT: i64 = 16;
/// Room kept right of the longest bar for its value.
const VALUE_ROOM: i64 = 96;
const BAR_MAX: i64 = WIDTH - VALUE_ROOM;

/// One bar: its label, the number it stands for and how that number is written.
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: i64,
    pub value_text: String,
}

impl Bar {
    pub fn new(label: impl Into<String>, value: i64, value_text: impl Into<String>) -> Bar {
        Bar {
            label: label.into(),
            value,
            value_text: value_text.into(),
        }
    }
}

/// A bar placed on the drawing.
#[derive(Debug, Clone)]
pub struct Placed {
    pub label: String,
    pub value_text: String,
    pub label_y: i64,
    pub bar_y: i64,
    pub bar_width: i64,
    pub value_x: i64,
    pub value_y: i64,
}

#[derive(Template, Debug, Clone)]
#[template(path = "supervise/chart.html")]
pub struct BarChart {
    /// Unique on the page: the ids of the title and description derive from it.
    pub id: String,
    pub title: String,
    pub desc: String,
    pub width: i64,
    pub height: i64,
    pub bar_height: i64,
    pub bars: Vec<Placed>,
}

/// How wide a text is drawn at 12 units per character, with room for the text spacing a
/// reader may set (WCAG 1.4.12: letters 0.12 em and words 0.16 em apart): CJK and full-width
/// characters take the full width and a bit, others about two thirds (a safe over-estimate
/// for Latin text).
fn text_width(s: &str) -> i64 {
    s.chars().map(|c| if is_wide(c) { 14 } else { 9 }).sum()
}

fn is_wide(c: char) -> bool {
    matches!(u32::from(c),
        0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6 | 0x20000..=0x3FFFD)
}

/// The label cut to the drawing's width with an ellipsis (the table beside the chart has
/// it whole).
pub fn fit(label: &str, max: i64) -> String {
    if text_width(label) <= max {
        return label.to_string();
    }
    let mut out = String::new();
    let mut used = text_width("…");
    for c in label.chars() {
        let w = text_width(c.encode_utf8(&mut [0; 4]));
        if used + w > max {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push('…');
    out
}

/// The length of a bar for `value` when `max` fills the drawing; a value above zero always
/// shows at least a sliver, and never more than the full length.
pub fn bar_length(value: i64, max: i64) -> i64 {
    if value <= 0 || max <= 0 {
        return 0;
    }
    let value = value.min(max);
    ((value * BAR_MAX + max / 2) / max).max(1)
}

impl BarChart {
    /// A chart of `bars` scaled so that `scale_max` (or the largest value, if larger) fills
    /// the width. The description reads every label with its value.
    pub fn new(
        locale: Locale,
        id: &str,
        title: String,
        bars: Vec<Bar>,
        scale_max: Option<i64>,
    ) -> BarChart {
        let largest = bars.iter().map(|b| b.value).max().unwrap_or(0);
        let max = scale_max.map_or(largest, |m| m.max(largest));
        let (colon, semicolon, stop) = match locale {
            Locale::ZhTw => ("：", "；", "。"),
            Locale::En => (": ", "; ", ". "),
        };
        let desc = bars
            .iter()
            .map(|b| format!("{}{colon}{}", b.label, b.value_text))
            .collect::<Vec<_>>()
            .join(semicolon);
        let placed = bars
            .into_iter()
            .enumerate()
            .map(|(i, b)| {
                let top = TOP + i as i64 * ROW;
                let bar_width = bar_length(b.value, max);
                Placed {
                    label: fit(&b.label, WIDTH),
                    value_text: b.value_text,
                    label_y: top + 12,
                    bar_y: top + 18,
                    bar_width,
                    value_x: bar_width + 6,
                    value_y: top + 18 + 13,
                }
            })
            .collect::<Vec<_>>();
        BarChart {
            id: id.to_string(),
            desc: format!("{title}{stop}{desc}"),
            title,
            width: WIDTH,
            height: TOP + placed.len() as i64 * ROW + 4,
            bar_height: BAR_HEIGHT,
            bars: placed,
        }
    }

    /// The SVG, for `{{ chart.svg()|safe }}` (escaped by its own template).
    pub fn svg(&self) -> String {
        self.render().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_and_keep_a_sliver() {
        assert_eq!(bar_length(0, 10), 0);
        assert_eq!(bar_length(10, 10), BAR_MAX);
        assert_eq!(bar_length(5, 10), BAR_MAX / 2);
        assert_eq!(bar_length(1, 1_000_000), 1);
        assert_eq!(bar_length(20, 10), BAR_MAX);
        assert_eq!(bar_length(3, 0), 0);
    }

    #[test]
    fn long_labels_are_cut_to_the_width() {
        assert_eq!(fit("工務局", WIDTH), "工務局");
        let long = "臺北市政府工務局公園路燈工程管理處".repeat(3);
        let cut = fit(&long, WIDTH);
        assert!(cut.ends_with('…'));
        assert!(text_width(&cut) <= WIDTH);
        let latin = "Parks and Street Lights Office of the Public Works Department";
        assert!(text_width(&fit(latin, WIDTH)) <= WIDTH);
    }

    #[test]
    fn the_svg_is_named_described_and_labelled_in_text() {
        crate::module::install_messages().unwrap();
        let chart = BarChart::new(
            Locale::En,
            "c-test",
            "Open cases".into(),
            vec![Bar::new("路燈 <A&B>", 3, "3 件"), Bar::new("Noise", 0, "0")],
            None,
        );
        let svg = chart.svg();
        assert!(svg.contains(r#"role="img""#), "{svg}");
        assert!(svg.contains(r#"aria-labelledby="c-test-title c-test-desc""#));
        assert!(svg.contains(r#"<title id="c-test-title">Open cases</title>"#));
        assert!(
            svg.contains(
                "<desc id=\"c-test-desc\">Open cases. 路燈 &#60;A&#38;B&#62;: 3 件; Noise: 0</desc>"
            ) || svg.contains(
                "<desc id=\"c-test-desc\">Open cases. 路燈 &lt;A&amp;B&gt;: 3 件; Noise: 0</desc>"
            ),
            "{svg}"
        );
        assert!(svg.contains(">3 件</text>"));
        assert_eq!(svg.matches("<rect").count(), 2);
        assert_eq!(chart.height, TOP + 2 * ROW + 4);
    }
}
