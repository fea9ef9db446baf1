//! How a file name the repository chose is shown: losslessly, distinctly,
//! and never as a line of its own.

/// How a relative path is shown and matched: `/`-separated; when every
/// byte is printable UTF-8 and there is no backslash, as is; otherwise with
/// backslashes doubled, control characters as `\n`, `\t`, `\u{1b}`, and each
/// byte that is not UTF-8 as `\xFF`. Two different names never look alike,
/// and a newline in a name cannot start a line of its own in a report.
pub fn display_name(rel: &std::path::Path) -> String {
    let bytes = rel.as_os_str().as_encoded_bytes();
    let plain = std::str::from_utf8(bytes)
        .ok()
        .filter(|s| !s.chars().any(|c| c.is_control() || c == '\\'));
    let name = match plain {
        Some(s) => s.to_owned(),
        None => escape_bytes(bytes),
    };
    if cfg!(unix) {
        name
    } else {
        name.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

fn escape_bytes(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => {
                    let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
                }
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02X}");
        }
    }
    out
}
