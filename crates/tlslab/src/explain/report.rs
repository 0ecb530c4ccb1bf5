//! What the explainer returns: ranked findings with their evidence, a
//! readable report (`Display`) and a stable JSON rendering.

use std::fmt::{self, Write as _};

use super::cause::Cause;
use crate::wire::ProtocolVersion;

/// How sure a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Certainty {
    /// A recomputation under this assumption verifies (the MAC, tag or
    /// verify_data matches), or the bytes themselves prove it.
    Proven,
    /// Consistent with the evidence but not proven. The score (0..=100)
    /// orders findings; it is a ranking weight, not a probability.
    Plausible(u8),
    /// Tested and does not verify, or excluded by a proven fact.
    RuledOut,
}

impl Certainty {
    fn rank(self) -> u16 {
        match self {
            Certainty::Proven => 1000,
            Certainty::Plausible(s) => 100 + u16::from(s),
            Certainty::RuledOut => 0,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Certainty::Proven => "proven",
            Certainty::Plausible(_) => "plausible",
            Certainty::RuledOut => "ruled_out",
        }
    }
}

/// The bytes behind a finding: what the recomputation produced and what was
/// received, side by side. Either may be empty when there is nothing to show
/// (an AEAD does not reveal the tag it expected).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Evidence {
    /// The value recomputed under the finding's assumption.
    pub computed: Vec<u8>,
    /// The value received (or sent, for a peer's complaint).
    pub received: Vec<u8>,
    /// What the two values are and how `computed` was obtained.
    pub what: String,
}

impl Evidence {
    /// Evidence with bytes.
    pub fn bytes(what: impl Into<String>, computed: &[u8], received: &[u8]) -> Evidence {
        Evidence {
            computed: computed.to_vec(),
            received: received.to_vec(),
            what: what.into(),
        }
    }

    /// Evidence that is an argument, not bytes.
    pub fn reason(what: impl Into<String>) -> Evidence {
        Evidence {
            what: what.into(),
            ..Evidence::default()
        }
    }
}

/// One tested (or reasoned) cause.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The cause.
    pub cause: Cause,
    /// How sure.
    pub certainty: Certainty,
    /// The bytes or the argument.
    pub evidence: Evidence,
    /// For a plausible cause: what evidence would confirm or exclude it.
    pub decide_by: Option<String>,
}

impl Finding {
    /// A proven finding.
    pub fn proven(cause: Cause, evidence: Evidence) -> Finding {
        Finding {
            cause,
            certainty: Certainty::Proven,
            evidence,
            decide_by: None,
        }
    }

    /// A plausible finding with its score and how to decide.
    pub fn plausible(cause: Cause, score: u8, evidence: Evidence, decide_by: impl Into<String>) -> Finding {
        Finding {
            cause,
            certainty: Certainty::Plausible(score.min(100)),
            evidence,
            decide_by: Some(decide_by.into()),
        }
    }

    /// A ruled-out finding.
    pub fn ruled_out(cause: Cause, evidence: Evidence) -> Finding {
        Finding {
            cause,
            certainty: Certainty::RuledOut,
            evidence,
            decide_by: None,
        }
    }
}

/// The short answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// A recomputation proves this cause.
    Certain(Cause),
    /// Nothing is proven; these causes remain, most plausible first.
    Plausible(Vec<Cause>),
    /// Nothing could be tested; the reason says what is missing.
    Unknown(String),
}

/// The explainer's report on one failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Explanation {
    /// What failed, in words ("record seq 1 server->client application_data, 53 bytes").
    pub subject: String,
    /// The short answer.
    pub verdict: Verdict,
    /// The recomputation under the connection's own assumptions, against
    /// the received value: the failure itself, side by side.
    pub expected: Option<Evidence>,
    /// Facts established by recomputation on the way (for example "our
    /// Finished record verifies under our own keys").
    pub facts: Vec<String>,
    /// Every finding: proven first, then plausible by score, then ruled out.
    pub ranked: Vec<Finding>,
    /// How many recomputations were run.
    pub recomputations: usize,
    /// The connection's protocol version: each cause cites the RFC of this
    /// version ([`Cause::rfc_in`]). TLS 1.2 unless [`Explanation::in_version`]
    /// says otherwise.
    pub version: ProtocolVersion,
}

impl Explanation {
    /// Sorts the findings and derives the verdict.
    #[doc(hidden)]
    pub fn new(
        subject: String,
        expected: Option<Evidence>,
        facts: Vec<String>,
        mut findings: Vec<Finding>,
        recomputations: usize,
        unknown_reason: &str,
    ) -> Explanation {
        // Stable sort: among equals, the catalogue order stays.
        findings.sort_by_key(|f| std::cmp::Reverse(f.certainty.rank()));
        let verdict = if let Some(f) = findings.iter().find(|f| f.certainty == Certainty::Proven) {
            Verdict::Certain(f.cause.clone())
        } else {
            let plausible: Vec<Cause> = findings
                .iter()
                .filter(|f| matches!(f.certainty, Certainty::Plausible(_)))
                .map(|f| f.cause.clone())
                .collect();
            if plausible.is_empty() {
                Verdict::Unknown(unknown_reason.to_owned())
            } else {
                Verdict::Plausible(plausible)
            }
        };
        Explanation {
            subject,
            verdict,
            expected,
            facts,
            ranked: findings,
            recomputations,
            version: ProtocolVersion::TLS12,
        }
    }

    /// The same explanation for a connection of `version`: its causes cite
    /// that version's RFC.
    #[must_use]
    pub fn in_version(mut self, version: ProtocolVersion) -> Explanation {
        self.version = version;
        self
    }

    /// The RFC section a finding's cause violates, in this connection's
    /// version.
    pub fn rfc_of(&self, finding: &Finding) -> &'static str {
        finding.cause.rfc_in(self.version)
    }

    /// The first-ranked finding that is not ruled out.
    pub fn top(&self) -> Option<&Finding> {
        self.ranked.first().filter(|f| f.certainty != Certainty::RuledOut)
    }

    /// Whether a recomputation proves a cause.
    pub fn is_certain(&self) -> bool {
        matches!(self.verdict, Verdict::Certain(_))
    }

    /// The finding for a cause id, if tested.
    pub fn finding(&self, id: &str) -> Option<&Finding> {
        self.ranked.iter().find(|f| f.cause.id() == id)
    }

    /// The report as one JSON object (hand-written, stable field order):
    ///
    /// ```text
    /// {"subject":…, "verdict":{"kind":"certain"|"plausible"|"unknown", "causes":[ids], "reason":…},
    ///  "expected":{evidence}|null, "facts":[…], "recomputations":N,
    ///  "ranked":[{"cause":id, "description":…, "rfc":…, "certainty":…, "score":N|null,
    ///             "evidence":{"what":…, "computed":hex, "received":hex}, "decide_by":…|null}]}
    /// ```
    pub fn to_json(&self) -> String {
        let mut s = String::from("{");
        let _ = write!(s, "\"subject\":{}", json_str(&self.subject));
        let (kind, causes, reason) = match &self.verdict {
            Verdict::Certain(c) => ("certain", vec![c.id()], None),
            Verdict::Plausible(cs) => ("plausible", cs.iter().map(Cause::id).collect(), None),
            Verdict::Unknown(r) => ("unknown", vec![], Some(r.as_str())),
        };
        let causes: Vec<String> = causes.iter().map(|c| json_str(c)).collect();
        let _ = write!(
            s,
            ",\"verdict\":{{\"kind\":\"{kind}\",\"causes\":[{}],\"reason\":{}}}",
            causes.join(","),
            reason.map_or("null".into(), json_str)
        );
        let _ = write!(
            s,
            ",\"expected\":{}",
            self.expected.as_ref().map_or("null".into(), evidence_json)
        );
        let facts: Vec<String> = self.facts.iter().map(|f| json_str(f)).collect();
        let _ = write!(s, ",\"facts\":[{}]", facts.join(","));
        let _ = write!(s, ",\"recomputations\":{}", self.recomputations);
        let ranked: Vec<String> = self
            .ranked
            .iter()
            .map(|f| {
                let score = match f.certainty {
                    Certainty::Plausible(n) => n.to_string(),
                    _ => "null".into(),
                };
                format!(
                    "{{\"cause\":{},\"description\":{},\"rfc\":{},\"certainty\":\"{}\",\"score\":{score},\"evidence\":{},\"decide_by\":{}}}",
                    json_str(f.cause.id()),
                    json_str(&f.cause.description()),
                    json_str(self.rfc_of(f)),
                    f.certainty.name(),
                    evidence_json(&f.evidence),
                    f.decide_by.as_deref().map_or("null".into(), json_str)
                )
            })
            .collect();
        let _ = write!(s, ",\"ranked\":[{}]}}", ranked.join(","));
        s
    }
}

fn evidence_json(e: &Evidence) -> String {
    format!(
        "{{\"what\":{},\"computed\":\"{}\",\"received\":\"{}\"}}",
        json_str(&e.what),
        hex::encode(&e.computed),
        hex::encode(&e.received)
    )
}

/// A JSON string literal (RFC 8259 §7 escaping).
fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Bytes per row of the side-by-side hex.
const ROW: usize = 24;

/// Writes `computed` and `received` as aligned hex rows, with `^^` under
/// every byte that differs.
fn side_by_side(f: &mut fmt::Formatter<'_>, e: &Evidence, indent: &str) -> fmt::Result {
    if e.computed.is_empty() && e.received.is_empty() {
        return Ok(());
    }
    let rows = e.computed.len().max(e.received.len()).div_ceil(ROW);
    for r in 0..rows {
        let range = r * ROW..(r + 1) * ROW;
        let hex_row = |v: &[u8]| -> String {
            v.get(range.start.min(v.len())..range.end.min(v.len()))
                .unwrap_or_default()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        let c = if e.computed.is_empty() && r == 0 {
            "(not revealed)".to_string()
        } else {
            hex_row(&e.computed)
        };
        let x = hex_row(&e.received);
        writeln!(f, "{indent}computed  {c}")?;
        writeln!(f, "{indent}received  {x}")?;
        if !e.computed.is_empty() && !e.received.is_empty() {
            let marks: String = range
                .map(|i| match (e.computed.get(i), e.received.get(i)) {
                    (Some(a), Some(b)) if a == b => "  ",
                    (None, None) => "",
                    _ => "^^",
                })
                .collect();
            let marks = marks.trim_end();
            if !marks.is_empty() {
                writeln!(f, "{indent}          {marks}")?;
            }
        }
    }
    Ok(())
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.verdict {
            Verdict::Certain(c) => writeln!(f, "CERTAIN: {}: {}", self.subject, c.description())?,
            Verdict::Plausible(cs) => {
                let first = cs.first().map(Cause::description).unwrap_or_default();
                writeln!(f, "NOT PROVEN: {}: most plausible: {}", self.subject, first)?;
            }
            Verdict::Unknown(r) => writeln!(f, "UNKNOWN: {}: {}", self.subject, r)?,
        }
        if let Some(e) = &self.expected {
            writeln!(f, "  as expected: {}", e.what)?;
            side_by_side(f, e, "    ")?;
        }
        for fact in &self.facts {
            writeln!(f, "  fact: {fact}")?;
        }
        let mut ruled_out = vec![];
        for (i, finding) in self.ranked.iter().enumerate() {
            let tag = match finding.certainty {
                Certainty::RuledOut => {
                    ruled_out.push(finding);
                    continue;
                }
                Certainty::Proven => "proven".to_string(),
                Certainty::Plausible(s) => format!("plausible {s}"),
            };
            writeln!(
                f,
                "{}. [{tag}] {} ({}) [{}]",
                i + 1,
                finding.cause.description(),
                self.rfc_of(finding),
                finding.cause.id()
            )?;
            if !finding.evidence.what.is_empty() {
                writeln!(f, "     {}", finding.evidence.what)?;
            }
            side_by_side(f, &finding.evidence, "     ")?;
            if let Some(d) = &finding.decide_by {
                writeln!(f, "     decide by: {d}")?;
            }
        }
        if !ruled_out.is_empty() {
            writeln!(f, "ruled out ({} recomputations in all):", self.recomputations)?;
            // One line per cause: "sequence_number: seq_num 0 …; seq_num 2 …".
            let mut groups: Vec<(&str, Vec<&str>)> = vec![];
            for finding in ruled_out {
                let id = finding.cause.id();
                match groups.iter_mut().find(|(g, _)| *g == id) {
                    Some((_, whats)) => whats.push(&finding.evidence.what),
                    None => groups.push((id, vec![&finding.evidence.what])),
                }
            }
            for (id, whats) in groups {
                writeln!(f, "  - {id}: {}", whats.join("; "))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_escapes_control_characters_and_quotes() {
        assert_eq!(json_str("a\"b\\c\n\u{1}"), "\"a\\\"b\\\\c\\n\\u0001\"");
    }

    #[test]
    fn proven_first_then_plausible_by_score_then_ruled_out() {
        let e = Explanation::new(
            "x".into(),
            None,
            vec![],
            vec![
                Finding::ruled_out(Cause::OtherDirectionKeys, Evidence::reason("r")),
                Finding::plausible(Cause::KeysDiffer, 10, Evidence::reason("k"), "d"),
                Finding::plausible(
                    Cause::CorruptedInTransit { bit: None },
                    60,
                    Evidence::reason("c"),
                    "d",
                ),
            ],
            3,
            "nothing",
        );
        assert_eq!(
            e.verdict,
            Verdict::Plausible(vec![Cause::CorruptedInTransit { bit: None }, Cause::KeysDiffer])
        );
        assert_eq!(e.top().unwrap().cause.id(), "corrupted_in_transit");
        let json = e.to_json();
        assert!(
            json.starts_with("{\"subject\":\"x\",\"verdict\":{\"kind\":\"plausible\""),
            "{json}"
        );
        let text = e.to_string();
        assert!(text.starts_with("NOT PROVEN: x:"), "{text}");
        assert!(text.contains("decide by: d"));
    }

    #[test]
    fn side_by_side_marks_differing_bytes() {
        let e = Explanation::new(
            "y".into(),
            Some(Evidence::bytes("MAC", &[1, 2, 3], &[1, 9, 3])),
            vec![],
            vec![],
            1,
            "none",
        );
        let text = e.to_string();
        assert!(text.contains("computed  010203"), "{text}");
        assert!(text.contains("received  010903"), "{text}");
        assert!(text.contains("            ^^\n"), "{text}");
        assert_eq!(e.verdict, Verdict::Unknown("none".into()));
    }
}
