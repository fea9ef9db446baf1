//! Redaction: matched secrets never reach any output.

/// How many leading characters of a match stay readable. Four shows the kind
/// of secret (`AKIA`, `-----`) without revealing any of it.
const VISIBLE: usize = 4;

/// Shows the first characters of `matched` and masks the rest, keeping its length visible.
pub fn redact(matched: &str) -> String {
    let total = matched.chars().count();
    let shown: String = if total > 2 * VISIBLE {
        matched.chars().take(VISIBLE).collect()
    } else {
        String::new()
    };
    let masked = total - shown.chars().count();
    format!("{shown}{}", "*".repeat(masked.min(32)))
}

/// Shapes of secrets masked in any text assay writes, whatever the catalog
/// holds: the built-in secret checks' patterns (a test keeps them in step)
/// and other widely used token formats.
pub const KNOWN: &[&str] = &[
    r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b",
    r"-----BEGIN (?:RSA |DSA |EC |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----",
    r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36,}\b",
    r"\bgithub_pat_[A-Za-z0-9_]{22,}\b",
    r"\bxox[abposr]-[A-Za-z0-9-]{10,}",
    r"\bAIza[0-9A-Za-z_-]{35}\b",
    r"\b[rs]k_live_[0-9a-zA-Z]{20,}\b",
    r"\bglpat-[0-9A-Za-z_-]{20,}\b",
];

/// Every secret pattern of a run: [`KNOWN`] and the patterns of the
/// catalog's secret checks (`not-contains` checks that do not show their match).
#[derive(Debug, Clone)]
pub struct Secrets {
    patterns: Vec<regex::bytes::Regex>,
    /// All of them in one automaton: one pass says whether any matches.
    any: Option<regex::bytes::RegexSet>,
}

impl Secrets {
    /// The known shapes alone: for diagnostics, written before any catalog
    /// exists. Compiled once however many diagnostics a run prints.
    pub fn known() -> &'static Self {
        static KNOWN_SHAPES: std::sync::LazyLock<Secrets> =
            std::sync::LazyLock::new(|| Secrets::with(std::iter::empty()));
        &KNOWN_SHAPES
    }

    pub fn with(extra: impl IntoIterator<Item = regex::bytes::Regex>) -> Self {
        let mut patterns: Vec<regex::bytes::Regex> = KNOWN
            .iter()
            .filter_map(|p| regex::bytes::Regex::new(p).ok())
            .collect();
        for re in extra {
            if !patterns.iter().any(|p| p.as_str() == re.as_str()) {
                patterns.push(re);
            }
        }
        let any = regex::bytes::RegexSet::new(patterns.iter().map(|p| p.as_str())).ok();
        Self { patterns, any }
    }

    /// [`KNOWN`] and the catalog's secret patterns.
    pub fn of(catalog: &crate::model::Catalog) -> Self {
        Self::with(
            catalog
                .checks
                .values()
                .filter(|c| !c.show_match)
                .filter_map(|c| c.kind.assertion()?.forbidden_pattern().cloned()),
        )
    }

    /// Whether any pattern matches in `bytes`.
    pub fn finds(&self, bytes: &[u8]) -> bool {
        match &self.any {
            Some(set) => set.is_match(bytes),
            None => self.patterns.iter().any(|re| re.is_match(bytes)),
        }
    }

    /// Byte ranges of every match of every pattern in `bytes`.
    pub fn ranges(&self, bytes: &[u8]) -> Vec<std::ops::Range<usize>> {
        self.patterns
            .iter()
            .flat_map(|re| re.find_iter(bytes).map(|m| m.range()))
            .collect()
    }

    /// `text` with every match of every pattern masked as [`redact`] masks a finding.
    pub fn scrub<'t>(&self, text: &'t str) -> std::borrow::Cow<'t, str> {
        let mut out = std::borrow::Cow::Borrowed(text);
        if !self.finds(text.as_bytes()) {
            return out;
        }
        for re in &self.patterns {
            if !re.is_match(out.as_bytes()) {
                continue;
            }
            let mut masked = Vec::with_capacity(out.len());
            let mut last = 0;
            for m in re.find_iter(out.as_bytes()) {
                masked.extend_from_slice(out.as_bytes().get(last..m.start()).unwrap_or_default());
                masked.extend_from_slice(redact(&String::from_utf8_lossy(m.as_bytes())).as_bytes());
                last = m.end();
            }
            masked.extend_from_slice(out.as_bytes().get(last..).unwrap_or_default());
            out = std::borrow::Cow::Owned(String::from_utf8_lossy(&masked).into_owned());
        }
        out
    }

    /// Every string inside `value` scrubbed, keys included, and its control
    /// characters but newline and tab escaped: an escape sequence in a waiver
    /// reason must not reach a terminal.
    pub fn scrub_json(&self, value: &mut serde_json::Value) {
        use serde_json::Value;
        match value {
            Value::String(s) => {
                if let std::borrow::Cow::Owned(clean) = self.scrub(s) {
                    *s = clean;
                }
                if let std::borrow::Cow::Owned(clean) = escape_controls(s) {
                    *s = clean;
                }
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.scrub_json(v)),
            Value::Object(map) => {
                let dirty = map.keys().any(|k| self.finds(k.as_bytes()));
                if dirty {
                    let old = std::mem::take(map);
                    for (k, v) in old {
                        map.insert(self.scrub(&k).into_owned(), v);
                    }
                }
                map.values_mut().for_each(|v| self.scrub_json(v));
            }
            _ => {}
        }
    }
}

/// `text` with control characters other than newline and tab written as `\u{1b}`.
pub fn escape_controls(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if unsafe_char(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Text bound for a terminal: each line at most `max` characters.
pub fn clip_lines(text: &str, max: usize) -> std::borrow::Cow<'_, str> {
    if text.lines().all(|l| l.len() <= max) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().min(1 << 20));
    for line in text.split_inclusive('\n') {
        let (body, end) = match line.strip_suffix('\n') {
            Some(body) => (body, "\n"),
            None => (line, ""),
        };
        if body.len() <= max {
            out.push_str(body);
        } else {
            out.extend(body.chars().take(max));
            out.push('…');
        }
        out.push_str(end);
    }
    std::borrow::Cow::Owned(out)
}

/// A match shown as is, but bounded and on one line.
pub fn excerpt(matched: &str) -> String {
    const MAX: usize = 120;
    let one_line: String = matched
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() > MAX {
        let cut: String = one_line.chars().take(MAX).collect();
        format!("{cut}…")
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_prefix_masks_rest() {
        assert_eq!(redact("AKIAIOSFODNN7EXAMPLE"), "AKIA****************");
        assert_eq!(redact("short"), "*****");
        assert!(!redact("AKIAIOSFODNN7EXAMPLE").contains("IOSFODNN7EXAMPLE"));
    }

    #[test]
    fn scrubs_every_known_secret_in_text() {
        let secrets = Secrets::known();
        let text =
            "reason: key AKIAZXCVBNMASDFGHJKL and ghp_abcdefghijklmnopqrstuvwxyz0123456789 end";
        let clean = secrets.scrub(text);
        assert!(!clean.contains("ZXCVBNMASDFGHJKL"), "{clean}");
        assert!(!clean.contains("abcdefghijklmnop"), "{clean}");
        assert!(clean.starts_with("reason: key AKIA") && clean.ends_with(" end"));
        assert_eq!(secrets.scrub("nothing here"), "nothing here");
        let mut v = serde_json::json!({"AKIAZXCVBNMASDFGHJKL": ["AKIAZXCVBNMASDFGHJKL"]});
        secrets.scrub_json(&mut v);
        assert!(!v.to_string().contains("ZXCVBNM"), "{v}");
    }

    #[test]
    fn known_shapes_include_every_builtin_secret_pattern() {
        let loaded = crate::load::load(std::path::Path::new("/nonexistent/assay-builtins-only"));
        let Ok(loaded) = loaded else {
            unreachable!("the built-in catalog loads");
        };
        let of_catalog = Secrets::of(&loaded.catalog);
        assert!(of_catalog.patterns.len() >= 2);
        assert_eq!(
            of_catalog.patterns.len(),
            KNOWN.len(),
            "a built-in secret pattern is missing from redact::KNOWN"
        );
    }

    #[test]
    fn escapes_controls_but_newline_and_tab() {
        assert_eq!(escape_controls("a\tb\nc"), "a\tb\nc");
        assert_eq!(escape_controls("a\x1b[2Jb\r"), "a\\u{1b}[2Jb\\u{d}");
    }

    #[test]
    fn clips_long_lines_only() {
        assert_eq!(clip_lines("a\nbb\n", 2), "a\nbb\n");
        assert_eq!(clip_lines("abc\nd", 2), "ab…\nd");
    }

    #[test]
    fn excerpt_is_bounded() {
        assert_eq!(excerpt("a\tb"), "a b");
        assert_eq!(excerpt(&"x".repeat(200)).chars().count(), 121);
    }
}
