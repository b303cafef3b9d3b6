//! A manifest's text as a tree of located nodes, read from TOML (the `toml` crate's
//! spanned parser) or JSON (`jsonc-parser`, strict): every key and value keeps its byte
//! span, so each problem the manifest check finds is reported at `file:LINE:COL`, and a
//! syntax error does not hide the others the parser recovered from.

use std::ops::Range;

/// The manifest text and how its offsets map to lines and columns.
pub(crate) struct Source {
    /// How messages name the file (as the user gave its path).
    pub name: String,
    line_starts: Vec<usize>,
    text: String,
}

/// A position in the manifest, 1-based, as editors count (columns in characters); line 0
/// is the file as a whole (one that cannot be read, a handler with no manifest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
}

impl Location {
    /// The file as a whole, at no line.
    pub fn whole(file: String) -> Location {
        Location {
            file,
            line: 0,
            column: 0,
        }
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            return write!(f, "{}", self.file);
        }
        write!(f, "{}:{}:{}", self.file, self.line, self.column)
    }
}

impl Source {
    pub fn new(name: String, text: String) -> Source {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Source {
            name,
            line_starts,
            text,
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The location of byte `offset`.
    pub fn locate(&self, offset: usize) -> Location {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        Location {
            file: self.name.clone(),
            line: line + 1,
            column,
        }
    }
}

/// One value of the document with its span.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub span: Range<usize>,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    String(String),
    Integer(i64),
    Float(f64),
    Bool(bool),
    /// A TOML date-time, as written.
    Datetime(String),
    /// JSON's `null` (TOML has none).
    Null,
    Array(Vec<Node>),
    Table(Vec<Entry>),
}

/// A key of a table with its span, and its value.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub key: String,
    pub key_span: Range<usize>,
    pub value: Node,
}

impl Kind {
    /// How messages name the kind: "a string", "an integer", ...
    pub fn describe(&self) -> &'static str {
        match self {
            Kind::String(_) => "a string",
            Kind::Integer(_) => "an integer",
            Kind::Float(_) => "a float",
            Kind::Bool(_) => "a boolean",
            Kind::Datetime(_) => "a date-time",
            Kind::Null => "null",
            Kind::Array(_) => "an array",
            Kind::Table(_) => "a table",
        }
    }
}

/// A syntax error: where, and what the parser said.
pub(crate) struct SyntaxError {
    pub span: Range<usize>,
    pub message: String,
}

/// Parses TOML, recovering from errors where the parser can.
pub(crate) fn parse_toml(text: &str) -> (Node, Vec<SyntaxError>) {
    let (table, errors) = toml::de::DeTable::parse_recoverable(text);
    let errors = errors
        .into_iter()
        .map(|e| SyntaxError {
            span: e.span().unwrap_or(0..0),
            message: e.message().trim().to_string(),
        })
        .collect();
    let span = table.span();
    let node = Node {
        span,
        kind: toml_table(table.get_ref()),
    };
    (node, errors)
}

fn toml_table(t: &toml::de::DeTable) -> Kind {
    Kind::Table(
        t.iter()
            .map(|(k, v)| Entry {
                key: k.get_ref().to_string(),
                key_span: k.span(),
                value: toml_node(v),
            })
            .collect(),
    )
}

fn toml_node(v: &toml::Spanned<toml::de::DeValue>) -> Node {
    use toml::de::DeValue;
    let kind = match v.get_ref() {
        DeValue::String(s) => Kind::String(s.to_string()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Kind::Integer(n),
            // Past i64: keep it as a float so the check can say it is too large.
            Err(_) => Kind::Float(f64::INFINITY),
        },
        DeValue::Float(f) => Kind::Float(parse_toml_float(f.as_str())),
        DeValue::Boolean(b) => Kind::Bool(*b),
        DeValue::Datetime(d) => Kind::Datetime(d.to_string()),
        DeValue::Array(a) => Kind::Array(a.iter().map(toml_node).collect()),
        DeValue::Table(t) => toml_table(t),
    };
    Node {
        span: v.span(),
        kind,
    }
}

fn parse_toml_float(s: &str) -> f64 {
    let s = s.replace('_', "");
    match s.as_str() {
        "inf" | "+inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        "nan" | "+nan" | "-nan" => f64::NAN,
        _ => s.parse().unwrap_or(f64::NAN),
    }
}

/// Parses strict JSON (no comments, no trailing commas).
pub(crate) fn parse_json(text: &str) -> (Option<Node>, Vec<SyntaxError>) {
    let options = jsonc_parser::ParseOptions {
        allow_comments: false,
        allow_loose_object_property_names: false,
        allow_trailing_commas: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        ..Default::default()
    };
    match jsonc_parser::parse_to_ast(text, &Default::default(), &options) {
        Ok(r) => (r.value.as_ref().map(json_node), Vec::new()),
        Err(e) => {
            let r = e.range();
            (
                None,
                vec![SyntaxError {
                    span: r.start..r.end,
                    message: e.kind().to_string(),
                }],
            )
        }
    }
}

fn json_node(v: &jsonc_parser::ast::Value) -> Node {
    use jsonc_parser::ast::{ObjectPropName, Value};
    let range = |r: jsonc_parser::common::Range| r.start..r.end;
    match v {
        Value::StringLit(s) => Node {
            span: range(s.range),
            kind: Kind::String(s.value.to_string()),
        },
        Value::NumberLit(n) => Node {
            span: range(n.range),
            kind: match n.value.parse::<i64>() {
                Ok(i) => Kind::Integer(i),
                Err(_) => Kind::Float(n.value.parse().unwrap_or(f64::NAN)),
            },
        },
        Value::BooleanLit(b) => Node {
            span: range(b.range),
            kind: Kind::Bool(b.value),
        },
        Value::NullKeyword(n) => Node {
            span: range(n.range),
            kind: Kind::Null,
        },
        Value::Array(a) => Node {
            span: range(a.range),
            kind: Kind::Array(a.elements.iter().map(json_node).collect()),
        },
        Value::Object(o) => Node {
            span: range(o.range),
            kind: Kind::Table(
                o.properties
                    .iter()
                    .map(|p| {
                        let (key, key_span) = match &p.name {
                            ObjectPropName::String(s) => (s.value.to_string(), range(s.range)),
                            ObjectPropName::Word(w) => (w.value.to_string(), range(w.range)),
                        };
                        Entry {
                            key,
                            key_span,
                            value: json_node(&p.value),
                        }
                    })
                    .collect(),
            ),
        },
    }
}
