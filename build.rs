//! Embeds the built-in policies, frameworks and risk catalog in the binary, so
//! `assay check .` works anywhere. Listing the directories here (rather than a
//! hand-kept table) means a new file is picked up without touching code.

use std::fs;
use std::io::Write;
use std::path::Path;

const DIRS: [&str; 3] = ["policies", "frameworks", "risks"];

fn main() -> std::io::Result<()> {
    let root = std::env::var("CARGO_MANIFEST_DIR").map_err(std::io::Error::other)?;
    let out_dir = std::env::var("OUT_DIR").map_err(std::io::Error::other)?;
    let mut entries = Vec::new();
    for dir in DIRS {
        let path = Path::new(&root).join(dir);
        println!("cargo:rerun-if-changed={}", path.display());
        let Ok(read) = fs::read_dir(&path) else {
            continue;
        };
        for entry in read {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".toml") {
                entries.push(format!("{dir}/{name}"));
            }
        }
    }
    entries.sort();
    let mut out = fs::File::create(Path::new(&out_dir).join("builtin.rs"))?;
    writeln!(
        out,
        "/// Built-in definition files: (path relative to the crate, contents)."
    )?;
    writeln!(out, "pub static FILES: &[(&str, &str)] = &[")?;
    for entry in &entries {
        writeln!(
            out,
            "    ({entry:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/{entry}\"))),"
        )?;
    }
    writeln!(out, "];")?;
    Ok(())
}
