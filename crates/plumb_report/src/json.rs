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
                    let mut scratch = Vec::new();
                    for (i, f) in chunk.iter().enumerate() {
                        if i > 0 {
                            buf.extend_from_slice(b",\n");
                        }
                        pretty_at(&JsonFinding::from(f), 4, &mut scratch, buf);
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
    pretty_at(&summary, 2, &mut Vec::new(), &mut buf);
    w.write_all(&buf[2..])?;
    w.write_all(b"\n}\n")
}

/// Appends `value` as pretty JSON to `out`, every line indented by `indent` spaces (JSON strings
/// never hold a raw newline, so indenting lines cannot change a value). `scratch` is reused
/// from call to call.
fn pretty_at(value: &impl Serialize, indent: usize, scratch: &mut Vec<u8>, out: &mut Vec<u8>) {
    scratch.clear();
    // Serializing plain structs of strings and numbers into a Vec cannot fail.
    let _ = serde_json::to_writer_pretty(&mut *scratch, value);
    for (i, line) in scratch.split(|&b| b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        out.extend(std::iter::repeat_n(b' ', indent));
        out.extend_from_slice(line);
    }
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

    fn finding(i: usize) -> Finding {
        Finding {
            location: Location::Span {
                file: format!("m/{i:05}.sql"),
                start_byte: i,
                end_byte: i + 3,
                start: LineCol { line: 1, column: 1 },
                end: LineCol { line: 1, column: 3 },
            },
            rule: "drop-table",
            severity: if i % 2 == 0 {
                Severity::High
            } else {
                Severity::Low
            },
            message: format!("finding {i} with \"quotes\"\nand a newline"),
            help: "help".into(),
            lock: None,
            notes: vec![format!("note {i}")],
            fix: None,
            label: None,
            irreversible: None,
            defined_at: None,
        }
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
}
