//! The versioned JSON contract, serialized straight from the findings (no intermediate tree:
//! a large run produces hundreds of thousands of findings).

use serde::Serialize;

use crate::Report;
use plumb_diagnostics::{Applicability, Finding, Location};

/// The JSON contract version. Bumped only on a breaking change.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct Object<'a> {
    kind: &'a str,
    schema: &'a str,
    name: &'a str,
    column: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    object: Option<Object<'a>>,
    message: &'a str,
    help: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    lock: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rollback: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix_applicability: Option<Applicability>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix_placement: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    irreversible: Option<&'a str>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    notes: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<&'a str>,
}

/// One finding as the JSON contract writes it (for documents that embed findings, such as
/// `plumb workload`'s `findings`).
pub fn finding_value(f: &Finding) -> serde_json::Value {
    serde_json::to_value(JsonFinding::from(f)).unwrap_or(serde_json::Value::Null)
}

impl<'a> From<&'a Finding> for JsonFinding<'a> {
    fn from(f: &'a Finding) -> Self {
        let mut j = JsonFinding {
            rule: f.rule,
            severity: f.severity.as_str(),
            file: None,
            line: None,
            column: None,
            end_line: None,
            end_column: None,
            object: None,
            message: &f.message,
            help: &f.help,
            lock: f.lock.as_deref(),
            fix: f.fix.as_ref().map(|x| x.sql.as_str()),
            rollback: f.fix.as_ref().and_then(|x| x.rollback.as_deref()),
            fix_applicability: f.fix.as_ref().map(|x| x.applicability),
            fix_placement: f.fix.as_ref().map(|x| x.placement.as_str()),
            irreversible: f.irreversible.as_deref(),
            notes: &f.notes,
            label: f.label.as_deref(),
        };
        // A finding on an object of a schema read from files also says where it is defined.
        if let Some(Location::Span {
            file, start, end, ..
        }) = f.span()
        {
            j.file = Some(file);
            j.line = Some(start.line);
            j.column = Some(start.column);
            j.end_line = Some(end.line);
            j.end_column = Some(end.column);
        }
        if let Location::Object {
            object_kind,
            schema,
            name,
            column,
        } = &f.location
        {
            j.object = Some(Object {
                kind: object_kind,
                schema,
                name,
                column: column.as_deref(),
            });
        }

        j
    }
}

#[derive(Serialize)]
struct BySeverity {
    critical: usize,
    high: usize,
    medium: usize,
    low: usize,
    info: usize,
}

#[derive(Serialize)]
struct Summary {
    files: usize,
    statements: usize,
    findings_by_severity: BySeverity,
}

/// Renders the JSON contract (see the crate docs).
pub fn render_json(report: &Report<'_>) -> String {
    let mut out = Vec::new();
    // Writing into a Vec cannot fail.
    let _ = write_json(report, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Findings serialized per task when the findings are serialized in parallel.
const CHUNK: usize = 512;
/// Tasks per round (each round's output is written before the next begins).
const ROUND: usize = 8;

/// Streams the JSON contract to a writer, without building the document in memory.
///
/// The output is what `serde_json::to_writer_pretty` gives for
/// `{"version", "findings", "summary"}`; the findings are serialized in parallel, a chunk at a
/// time, since a large run has hundreds of thousands of them.
pub fn write_json(report: &Report<'_>, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    use rayon::prelude::*;
    let c = plumb_diagnostics::count_by_severity(report.findings);
    let summary = Summary {
        files: report.files,
        statements: report.statements,
        findings_by_severity: BySeverity {
            critical: c[4].1,
            high: c[3].1,
            medium: c[2].1,
            low: c[1].1,
            info: c[0].1,
        },
    };
    writeln!(w, "{{\n  \"version\": {JSON_VERSION},")?;
    if report.findings.is_empty() {
        w.write_all(b"  \"findings\": [],\n")?;
    } else {
        w.write_all(b"  \"findings\": [\n")?;
        // A round of chunks at a time into buffers reused from round to round: memory stays
        // bounded (and warm) however many findings there are.
        let mut bufs: Vec<Vec<u8>> = vec![Vec::new(); ROUND];
        for (r, round) in report.findings.chunks(CHUNK * ROUND).enumerate() {
            let chunks: Vec<&[Finding]> = round.chunks(CHUNK).collect();
            bufs.par_iter_mut()
                .zip(chunks.par_iter())
                .for_each(|(buf, chunk)| {
                    buf.clear();
                    for (i, f) in chunk.iter().enumerate() {
                        if i > 0 {
                            buf.extend_from_slice(b",\n");
                        }
                        JsonFinding::from(f).write_pretty(buf);
                    }
                });
            for (i, buf) in bufs.iter().take(chunks.len()).enumerate() {
                if r > 0 || i > 0 {
                    w.write_all(b",\n")?;
                }
                w.write_all(buf)?;
            }
        }
        w.write_all(b"\n  ],\n")?;
    }
    w.write_all(b"  \"summary\": ")?;
    let mut buf = Vec::new();
    // A few numbers: serde_json's pretty printer, re-indented.
    let _ = serde_json::to_writer_pretty(&mut buf, &summary);
    let summary = String::from_utf8_lossy(&buf).replace('\n', "\n  ");
    w.write_all(summary.as_bytes())?;
    w.write_all(b"\n}\n")
}

impl JsonFinding<'_> {
    /// Appends the finding as `serde_json::to_writer_pretty` prints it as an element of the
    /// `findings` array (indented four spaces), without its generic machinery: writing is most
    /// of the JSON output's cost on a large run, and the strings (fix SQL) are long.
    fn write_pretty(&self, out: &mut Vec<u8>) {
        let mut o = PrettyObject::open(out, 4);
        o.str("rule", self.rule);
        o.str("severity", self.severity);
        if let Some(file) = self.file {
            o.str("file", file);
        }
        for (key, n) in [
            ("line", self.line),
            ("column", self.column),
            ("end_line", self.end_line),
            ("end_column", self.end_column),
        ] {
            if let Some(n) = n {
                o.num(key, n);
            }
        }
        if let Some(obj) = &self.object {
            o.key("object");
            let mut inner = PrettyObject::open(o.out, o.indent + 2);
            inner.str("kind", obj.kind);
            inner.str("schema", obj.schema);
            inner.str("name", obj.name);
            match obj.column {
                Some(c) => inner.str("column", c),
                None => inner.raw("column", b"null"),
            }
            inner.close();
        }
        o.str("message", self.message);
        o.str("help", self.help);
        let optional = [
            ("lock", self.lock),
            ("fix", self.fix),
            ("rollback", self.rollback),
            (
                "fix_applicability",
                self.fix_applicability.map(Applicability::as_str),
            ),
            ("fix_placement", self.fix_placement),
            ("irreversible", self.irreversible),
        ];
        for (key, value) in optional {
            if let Some(v) = value {
                o.str(key, v);
            }
        }
        if !self.notes.is_empty() {
            o.key("notes");
            o.out.push(b'[');
            for (i, n) in self.notes.iter().enumerate() {
                o.out.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
                indent(o.out, o.indent + 4);
                escaped(o.out, n);
            }
            o.out.push(b'\n');
            indent(o.out, o.indent + 2);
            o.out.push(b']');
        }
        if let Some(label) = self.label {
            o.str("label", label);
        }
        o.close();
    }
}

/// A JSON object being written the way serde_json's pretty printer writes one, starting at
/// `indent` spaces (the object's own line; its keys go two spaces deeper).
struct PrettyObject<'o> {
    out: &'o mut Vec<u8>,
    indent: usize,
    first: bool,
}

impl<'o> PrettyObject<'o> {
    /// Starts the object on the current line, which already holds `indent` spaces or is the
    /// value after a key; `open` writes those spaces itself when it starts a fresh line.
    fn open(out: &'o mut Vec<u8>, indent_by: usize) -> Self {
        if out.last().is_none_or(|&b| b == b'\n') {
            indent(out, indent_by);
        }
        out.push(b'{');
        PrettyObject {
            out,
            indent: indent_by,
            first: true,
        }
    }

    fn key(&mut self, key: &str) {
        self.out
            .extend_from_slice(if self.first { b"\n" } else { b",\n" });
        self.first = false;
        indent(self.out, self.indent + 2);
        escaped(self.out, key);
        self.out.extend_from_slice(b": ");
    }

    fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        escaped(self.out, value);
    }

    fn raw(&mut self, key: &str, value: &[u8]) {
        self.key(key);
        self.out.extend_from_slice(value);
    }

    fn num(&mut self, key: &str, n: u32) {
        self.key(key);
        self.out.extend_from_slice(n.to_string().as_bytes());
    }

    fn close(self) {
        if self.first {
            self.out.push(b'}');
            return;
        }
        self.out.push(b'\n');
        indent(self.out, self.indent);
        self.out.push(b'}');
    }
}

/// Whether any of the eight bytes of `w` is a control character (below 0x20), `"` or `\`
/// (the "has a zero byte" and "has a byte less than n" bit tricks, exact for whole words; a hit
/// only sends the bytes through the byte-at-a-time path).
fn needs_escape(w: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGH;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGH;
    (below_space
        | zero_byte(w ^ (ONES * u64::from(b'"')))
        | zero_byte(w ^ (ONES * u64::from(b'\\'))))
        != 0
}

fn indent(out: &mut Vec<u8>, n: usize) {
    out.resize(out.len() + n, b' ');
}

/// Appends `s` as a JSON string, escaped as serde_json escapes it: `"` and `\`, the short
/// escapes `\b \t \n \f \r`, other control characters as `\u00xx`; everything else as is.
/// Runs of plain bytes are copied at once.
fn escaped(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Eight bytes at a time while none of them needs an escape.
        if let Some(word) = bytes.get(i..i + 8) {
            let mut w = [0u8; 8];
            w.copy_from_slice(word);
            if !needs_escape(u64::from_le_bytes(w)) {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        if b >= 0x20 && b != b'"' && b != b'\\' {
            i += 1;
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]),
        }
        i += 1;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use plumb_diagnostics::{LineCol, Severity};

    /// The document as one `serde_json` call would print it.
    #[derive(Serialize)]
    struct Whole<'a> {
        version: u32,
        findings: Vec<JsonFinding<'a>>,
        summary: Summary,
    }

    /// Findings that between them use every field of the contract, with strings that need
    /// every kind of escape.
    fn finding(i: usize) -> Finding {
        let span = Location::Span {
            file: format!("m/{i:05}.sql"),
            start_byte: i,
            end_byte: i + 3,
            start: LineCol { line: 1, column: 1 },
            end: LineCol { line: 1, column: 3 },
        };
        let object = Location::Object {
            object_kind: "table".into(),
            schema: "pub\"lic".into(),
            name: format!("t{i}"),
            column: (i % 3 == 0).then(|| "c\u{e9}".into()),
        };
        let mut f = Finding {
            location: if i % 4 == 1 { object.clone() } else { span.clone() },
            rule: "drop-table",
            severity: if i % 2 == 0 {
                Severity::High
            } else {
                Severity::Low
            },
            message: format!("finding {i} with \"quotes\"\nand a newline, \\ \t\r\u{8}\u{c}\u{1}\u{1f}\u{7f} \u{2028} \u{1f600}"),
            help: "help".into(),
            lock: None,
            notes: if i % 5 == 0 { Vec::new() } else { vec![format!("note {i}"), "two\n".into()] },
            fix: None,
            label: None,
            irreversible: None,
            defined_at: None,
        };
        if i % 4 == 2 {
            f.lock = Some("ACCESS EXCLUSIVE on public.t".into());
            f.fix = Some(Box::new(plumb_diagnostics::Fix {
                title: "t".into(),
                sql: "SELECT '\\x';\n-- a\tb".into(),
                rollback: (i % 8 == 2).then(|| "SELECT 1;".into()),
                applicability: Applicability::DisplayOnly,
                placement: plumb_diagnostics::Placement::Before,
                edits: Vec::new(),
            }));
            f.irreversible = Some("gone".into());
            f.label = Some("down".into());
        }
        if i % 4 == 3 {
            f.location = object;
            f.defined_at = Some(Box::new(span));
        }
        f
    }

    #[test]
    fn parallel_rounds_print_what_one_pretty_print_does() {
        for n in [0, 1, CHUNK, CHUNK * ROUND + 7, CHUNK * ROUND * 2 + 1] {
            let findings: Vec<Finding> = (0..n).map(finding).collect();
            let sources = std::collections::BTreeMap::new();
            let report = Report {
                findings: &findings,
                files: 3,
                statements: n,
                sources: &sources,
                rules: &[],
                subject: None,
            };
            let c = plumb_diagnostics::count_by_severity(&findings);
            let whole = Whole {
                version: JSON_VERSION,
                findings: findings.iter().map(JsonFinding::from).collect(),
                summary: Summary {
                    files: 3,
                    statements: n,
                    findings_by_severity: BySeverity {
                        critical: c[4].1,
                        high: c[3].1,
                        medium: c[2].1,
                        low: c[1].1,
                        info: c[0].1,
                    },
                },
            };
            let mut expected = serde_json::to_string_pretty(&whole).unwrap();
            expected.push('\n');
            assert_eq!(render_json(&report), expected, "{n} findings");
        }
    }

    #[test]
    fn escaping_equals_serde_json_for_every_byte_at_every_offset() {
        let mut chars: Vec<char> = (0u8..0x80).map(char::from).collect();
        chars.extend(['\u{e9}', '\u{2028}', '\u{fffd}', '\u{1f600}']);
        for c in chars {
            for at in 0..20 {
                let text: String = (0..24).map(|i| if i == at { c } else { 'a' }).collect();
                let mut out = Vec::new();
                escaped(&mut out, &text);
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    serde_json::to_string(&text).unwrap(),
                    "{c:?} at {at}"
                );
            }
        }
    }
}
