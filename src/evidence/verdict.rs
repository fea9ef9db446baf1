//! What `assay verify` prints: intact or not, then each problem by name.

use super::{SignatureState, Verdict};
use std::fmt::Write;

pub fn render(bundle: &str, v: &Verdict) -> String {
    let mut out = String::new();
    let signature = match &v.signature {
        SignatureState::Unsigned => "not signed".to_owned(),
        SignatureState::NotChecked => {
            "signed, signature not checked (give --key to check it)".to_owned()
        }
        SignatureState::Verified { keyid } => format!("signature verified, key {keyid}"),
        SignatureState::Invalid(why) => format!("signature INVALID: {why}"),
        SignatureState::Missing => "NOT signed, but --key asks for a signature".to_owned(),
    };
    if v.intact() {
        let _ = writeln!(
            out,
            "{bundle}: intact. {} files match the manifest; {signature}.",
            v.checked
        );
        return out;
    }
    let _ = writeln!(out, "{bundle}: NOT intact.");
    let mut list = |what: &str, names: &mut dyn Iterator<Item = &String>| {
        for name in names {
            let _ = writeln!(out, "  {what:<12} {name}");
        }
    };
    list("altered", &mut v.altered.iter());
    list("added", &mut v.added.iter());
    list("missing", &mut v.missing.iter());
    list("unexpected", &mut v.unexpected.iter());
    list("inconsistent", &mut v.inconsistent.iter());
    let _ = writeln!(out, "  {signature}");
    out
}
