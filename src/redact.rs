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
    fn excerpt_is_bounded() {
        assert_eq!(excerpt("a\tb"), "a b");
        assert_eq!(excerpt(&"x".repeat(200)).chars().count(), 121);
    }
}
