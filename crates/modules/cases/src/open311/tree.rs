//! One document model for every Open311 resource, rendered as XML or JSON with the "Spark"
//! convention GeoReport v2 uses: the XML root element is dropped in JSON and repeated child
//! elements become a bare array. Every field is always emitted (`<x/>` or `null`).

use std::fmt::Write;

#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Str(String),
    Int(i64),
    Num(f64),
    Bool(bool),
    /// Named children, in order.
    Obj(Vec<(&'static str, Node)>),
    /// Repeated children; in XML each one is an element named by the first field.
    List(&'static str, Vec<Node>),
}

impl Node {
    pub fn str(s: impl Into<String>) -> Node {
        Node::Str(s.into())
    }

    pub fn opt(s: Option<impl Into<String>>) -> Node {
        s.map_or(Node::Null, |s| Node::Str(s.into()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xml => "text/xml; charset=utf-8",
            Format::Json => "application/json; charset=utf-8",
        }
    }

    pub fn from_extension(ext: &str) -> Option<Format> {
        match ext {
            "xml" => Some(Format::Xml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// Renders a document whose XML root element is `root`.
pub fn render(format: Format, root: &'static str, node: &Node) -> String {
    let mut out = String::with_capacity(1024);
    match format {
        Format::Json => json(&mut out, node),
        Format::Xml => {
            out.push_str("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
            xml_element(&mut out, root, node);
        }
    }
    out
}

fn json(out: &mut String, node: &Node) {
    match node {
        Node::Null => out.push_str("null"),
        Node::Str(s) => out.push_str(&serde_json::Value::from(s.as_str()).to_string()),
        Node::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Node::Num(n) if n.is_finite() => out.push_str(&serde_json::Value::from(*n).to_string()),
        Node::Num(_) => out.push_str("null"),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Obj(fields) => {
            out.push('{');
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::Value::from(*k).to_string());
                out.push(':');
                json(out, v);
            }
            out.push('}');
        }
        Node::List(_, items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json(out, v);
            }
            out.push(']');
        }
    }
}

fn escape(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all are dropped.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
}

fn xml_element(out: &mut String, name: &str, node: &Node) {
    match node {
        Node::Null => {
            let _ = write!(out, "<{name}/>");
        }
        Node::List(item, items) => {
            let _ = write!(out, "<{name}>");
            for v in items {
                xml_element(out, item, v);
            }
            let _ = write!(out, "</{name}>");
        }
        Node::Obj(fields) => {
            let _ = write!(out, "<{name}>");
            for (k, v) in fields {
                xml_element(out, k, v);
            }
            let _ = write!(out, "</{name}>");
        }
        scalar => {
            let _ = write!(out, "<{name}>");
            match scalar {
                Node::Str(s) => escape(out, s),
                Node::Int(i) => {
                    let _ = write!(out, "{i}");
                }
                Node::Num(n) => {
                    let _ = write!(out, "{n}");
                }
                Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
                _ => {}
            }
            let _ = write!(out, "</{name}>");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Node {
        Node::List(
            "service",
            vec![Node::Obj(vec![
                ("service_code", Node::str("001")),
                ("metadata", Node::Bool(true)),
                ("description", Node::Null),
                ("name", Node::str("A & <B>")),
                ("order", Node::Int(1)),
                ("lat", Node::Num(25.5)),
            ])],
        )
    }

    #[test]
    fn json_drops_the_root_and_keeps_codes_as_strings() {
        assert_eq!(
            render(Format::Json, "services", &doc()),
            r#"[{"service_code":"001","metadata":true,"description":null,"name":"A & <B>","order":1,"lat":25.5}]"#
        );
    }

    #[test]
    fn xml_has_declaration_and_escapes() {
        assert_eq!(
            render(Format::Xml, "services", &doc()),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<services><service><service_code>001</service_code><metadata>true</metadata><description/><name>A &amp; &lt;B&gt;</name><order>1</order><lat>25.5</lat></service></services>"
        );
    }
}
