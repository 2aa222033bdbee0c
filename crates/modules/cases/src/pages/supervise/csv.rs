//! CSV files for spreadsheets: UTF-8 with a byte-order mark (Excel otherwise reads Chinese as
//! the system code page), CRLF line ends, quoting as RFC 4180, and text that a spreadsheet
//! would run as a formula defused with a leading apostrophe.
//!
//! Spreadsheets set to a locale whose list separator is the semicolon (most of Europe) split
//! these lines at `;` instead of `,`, and there a quote in the middle of a field is just a
//! character. So a cell holding a `;` is quoted too, and whatever follows a `;` is defused as
//! the start of a cell would be: neither separator lets a formula through.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// One field.
pub enum Field {
    Text(String),
    Number(i64),
    /// A number written as is (e.g. `87.5`), never taken for a formula.
    Decimal(String),
    Empty,
}

impl From<&str> for Field {
    fn from(s: &str) -> Field {
        Field::Text(s.to_string())
    }
}

impl From<String> for Field {
    fn from(s: String) -> Field {
        Field::Text(s)
    }
}

impl From<i64> for Field {
    fn from(n: i64) -> Field {
        Field::Number(n)
    }
}

impl<T: Into<Field>> From<Option<T>> for Field {
    fn from(v: Option<T>) -> Field {
        v.map_or(Field::Empty, Into::into)
    }
}

/// A CSV document being written, in memory.
pub struct Csv {
    writer: csv::Writer<Vec<u8>>,
    /// Set if the writer ever failed (it writes to memory, so it should not): the download is
    /// then refused rather than cut short.
    failed: bool,
}

impl Default for Csv {
    fn default() -> Csv {
        Csv::new()
    }
}

/// A leading =, +, -, @, tab or carriage return starts a formula in spreadsheets, at the start
/// of the field and, for semicolon locales, after each `;`.
fn defused(s: &str) -> String {
    let mut defused = String::with_capacity(s.len() + 1);
    let mut cell_starts = true;
    for c in s.chars() {
        if cell_starts && matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r') {
            defused.push('\'');
        }
        defused.push(c);
        cell_starts = c == ';';
    }
    defused
}

impl Csv {
    pub fn new() -> Csv {
        let writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            // Rows may differ in length from the header, as they always could.
            .flexible(true)
            // The writer quotes a field holding its comment character anywhere, which is what
            // semicolon locales need: a `;` inside a quoted field separates nothing.
            .comment(Some(b';'))
            .from_writer("\u{feff}".as_bytes().to_vec());
        Csv {
            writer,
            failed: false,
        }
    }

    pub fn row(&mut self, fields: impl IntoIterator<Item = Field>) {
        let cells: Vec<String> = fields
            .into_iter()
            .map(|f| match f {
                Field::Text(s) => defused(&s),
                Field::Number(n) => n.to_string(),
                Field::Decimal(d) => d,
                Field::Empty => String::new(),
            })
            .collect();
        self.failed |= self.writer.write_record(&cells).is_err();
    }

    pub fn header<S: AsRef<str>>(&mut self, names: impl IntoIterator<Item = S>) {
        self.row(
            names
                .into_iter()
                .map(|s| Field::Text(s.as_ref().to_string())),
        );
    }

    /// The bytes written, or `None` if writing failed.
    fn into_bytes(self) -> Option<Vec<u8>> {
        if self.failed {
            return None;
        }
        self.writer.into_inner().ok()
    }

    #[cfg(test)]
    pub fn into_string(self) -> String {
        String::from_utf8(self.into_bytes().unwrap_or_default()).unwrap_or_default()
    }

    /// The file as a download named `filename` (ASCII).
    pub fn into_response(self, filename: &str) -> Response {
        let Some(body) = self.into_bytes() else {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        };
        let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
            .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
        (
            StatusCode::OK,
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/csv; charset=utf-8"),
                ),
                (header::CONTENT_DISPOSITION, disposition),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            body,
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_with_a_bom_and_quotes_what_needs_it() {
        let mut c = Csv::new();
        c.header(["代碼", "名稱"]);
        c.row([
            Field::from("1999-L01"),
            Field::from("路燈, \"不亮\""),
            Field::from(3),
            Field::Empty,
            Field::Decimal("87.5".into()),
        ]);
        c.row([
            Field::from("=HYPERLINK(\"x\")"),
            Field::from("-1"),
            Field::from(-1),
        ]);
        let s = c.into_string();
        assert!(s.starts_with('\u{feff}'));
        let lines: Vec<&str> = s.trim_start_matches('\u{feff}').split("\r\n").collect();
        assert_eq!(lines[0], "代碼,名稱");
        assert_eq!(lines[1], "1999-L01,\"路燈, \"\"不亮\"\"\",3,,87.5");
        assert_eq!(lines[2], "\"'=HYPERLINK(\"\"x\"\")\",'-1,-1");
        assert_eq!(lines[3], "");
    }

    /// F25: a spreadsheet that splits at `;` (semicolon locales) finds no formula either.
    #[test]
    fn semicolons_are_quoted_and_what_follows_them_defused() {
        let mut c = Csv::new();
        c.row([
            Field::from("a"),
            Field::from("路燈;=HYPERLINK(\"http://x\")"),
            Field::from("x; +1;-2;@3;ok"),
        ]);
        let s = c.into_string();
        let line = s.trim_start_matches('\u{feff}').trim_end();
        assert_eq!(
            line,
            "a,\"路燈;'=HYPERLINK(\"\"http://x\"\")\",\"x; +1;'-2;'@3;ok\""
        );
        for cell in line.split(';') {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "{cell:?} in {line:?}"
            );
        }
    }
}
