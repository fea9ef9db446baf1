//! `assay init`: the files a new project starts from.
//!
//! The files are planned in memory, loaded as a project in a scratch
//! directory (so `init` can never write definitions `validate` refuses: a
//! mistyped framework is the same diagnostic, with its "did you mean"), and
//! only then written, each with `create_new` so that nothing is overwritten,
//! not even through a link planted where a file would go.

use crate::load;
use crate::source::kinds::ExportKind;
use miette::Diagnostic;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

/// What the project is to hold.
#[derive(Debug, Clone)]
pub struct Options {
    pub name: String,
    /// Framework selections as `assay.toml` writes them: `soc2`, `nist-800-53@moderate`.
    pub frameworks: Vec<String>,
    /// The repository under evaluation, relative to the project directory.
    pub repository: String,
    pub exports: Vec<(ExportKind, String)>,
    pub ci: Ci,
}

/// The CI system a workflow is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ci {
    Github,
    None,
}

/// The frameworks a project selects when it says nothing.
pub const DEFAULT_FRAMEWORKS: &[&str] = &["soc2"];

/// The sample check, and where each built-in framework maps it: the
/// controls its built-in secret checks already evidence.
const SAMPLE_CHECK: &str = "local.no-dotenv";
const SAMPLE_CONTROLS: &[(&str, &str)] = &[
    ("cis-v8", "16.12"),
    ("iso27001", "A.5.17"),
    ("nist-800-53", "IA-5(6)"),
    ("soc2", "CC6.1"),
];

/// The path of the workflow `--ci github` writes.
pub const GITHUB_WORKFLOW: &str = ".github/workflows/assay.yml";

/// One file to write: its path relative to the project directory, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    pub path: String,
    pub text: String,
}

#[derive(Debug, thiserror::Error, Diagnostic)]
pub enum InitError {
    #[error("already there, or not writable through real directories: {}", list(.0))]
    #[diagnostic(
        code(assay::init::exists),
        help(
            "`assay init` never overwrites and never writes through a link: move these \
             aside, or init another directory"
        )
    )]
    Exists(Vec<String>),
    #[error("{0} is not a directory")]
    #[diagnostic(
        code(assay::init::directory),
        help("create it first, or name the repository's root")
    )]
    NotADirectory(PathBuf),
    #[error("repository `{0}` is not a directory under {1}")]
    #[diagnostic(
        code(assay::init::repository),
        help("--repository is relative to the project directory and must exist")
    )]
    Repository(String, PathBuf),
    #[error("cannot write {path}: {source}")]
    #[diagnostic(code(assay::init::io))]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("nothing was written: the project `assay init` would write does not load")]
    #[diagnostic(
        code(assay::init::invalid),
        help(
            "the problems below are in the files as they would be written (to a scratch \
             directory first); --framework, --export and --repository chose their values"
        )
    )]
    Invalid(#[related] Vec<load::LoadError>),
}

fn list(paths: &[String]) -> String {
    paths
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Every file of a new project, in the order they are written.
pub fn plan(opts: &Options) -> Vec<Planned> {
    let mut files = vec![
        planned("assay.toml", project_toml(opts)),
        planned("risks.toml", risks_toml()),
        planned(load::WAIVERS_FILE, WAIVERS_TOML.to_owned()),
        planned("policies/local.toml", SAMPLE_POLICY.to_owned()),
    ];
    files.extend(mappings(opts));
    if opts.ci == Ci::Github {
        files.push(planned(GITHUB_WORKFLOW, github_workflow()));
    }
    files
}

fn planned(path: &str, text: String) -> Planned {
    Planned {
        path: path.to_owned(),
        text,
    }
}

/// Checks the plan against `dir`, loads it as a project, then writes it.
pub fn init(dir: &Path, opts: &Options) -> Result<Vec<Planned>, InitError> {
    if !dir.is_dir() {
        return Err(InitError::NotADirectory(dir.to_path_buf()));
    }
    if !inside(dir, Path::new(&opts.repository), true) {
        return Err(InitError::Repository(
            opts.repository.clone(),
            dir.to_path_buf(),
        ));
    }
    let files = plan(opts);
    let taken: Vec<String> = files
        .iter()
        .filter(|f| !inside(dir, Path::new(&f.path), false))
        .map(|f| f.path.clone())
        .collect();
    if !taken.is_empty() {
        return Err(InitError::Exists(taken));
    }
    trial(&files, &opts.repository)?;
    for file in &files {
        write_new(dir, file)?;
    }
    Ok(files)
}

/// Whether `rel` names a place inside `dir` reached through real
/// directories only: no `..`, no link on the way (a repository may plant
/// `.github` as a link out of it). `exists` asks for an existing directory at
/// the end; otherwise nothing may be there yet.
fn inside(dir: &Path, rel: &Path, exists: bool) -> bool {
    use std::path::Component;
    let mut at = dir.to_path_buf();
    let parts: Vec<_> = rel.components().collect();
    for (i, part) in parts.iter().enumerate() {
        match part {
            Component::CurDir => continue,
            Component::Normal(name) => at.push(name),
            _ => return false,
        }
        let last = i + 1 == parts.len();
        match at.symlink_metadata() {
            Ok(meta) if meta.is_dir() && (!last || exists) => {}
            Ok(_) => return false,
            Err(_) => return !exists,
        }
    }
    exists || !parts.is_empty()
}

/// Loads the planned files as a project in a scratch directory.
fn trial(files: &[Planned], repository: &str) -> Result<(), InitError> {
    let scratch = tempfile::tempdir().map_err(|source| InitError::Io {
        path: std::env::temp_dir(),
        source,
    })?;
    let io = |path: PathBuf| move |source| InitError::Io { path, source };
    let repo = scratch.path().join(repository);
    std::fs::create_dir_all(&repo).map_err(io(repo.clone()))?;
    for file in files {
        write_new(scratch.path(), file)?;
    }
    load::load(scratch.path())
        .map(|_| ())
        .map_err(|e| InitError::Invalid(e.errors))
}

/// Writes a file that must not exist yet; its directories are created.
fn write_new(dir: &Path, file: &Planned) -> Result<(), InitError> {
    let path = dir.join(&file.path);
    let io = |source| InitError::Io {
        path: path.clone(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(io)?;
    out.write_all(file.text.as_bytes()).map_err(io)
}

fn project_toml(opts: &Options) -> String {
    let frameworks = opts
        .frameworks
        .iter()
        .map(|f| toml_string(f))
        .collect::<Vec<_>>()
        .join(", ");
    let mut text = format!(
        "# The assay project: what is evaluated, against which frameworks, with\n\
         # which risk register. Written by `assay init`; `assay validate` checks it,\n\
         # `assay check` evaluates it. Every setting: the README's \"Definitions\".\n\
         \n\
         [project]\n\
         name = {name}\n\
         # Frameworks to report on. Built in: soc2, iso27001, cis-v8 (baselines\n\
         # ig1, ig2, ig3: \"cis-v8@ig1\"), nist-800-53 (low, moderate, high:\n\
         # \"nist-800-53@moderate\"); a file in frameworks/ with a new id adds one.\n\
         frameworks = [{frameworks}]\n\
         # The repository under evaluation, relative to this file.\n\
         repository = {repository}\n\
         # The risk register: risks.toml holds the built-in catalog's risks with\n\
         # generic figures. Re-estimate them; a risk there replaces the built-in\n\
         # one of its id.\n\
         risks = [\"risks.toml\"]\n\
         # Attestations of manual controls (training, reviews): files of\n\
         # [[attestation]] tables; see the README's \"Attestations\".\n\
         # attestations = [\"attestations.toml\"]\n\
         \n\
         # Waivers live in waivers.toml beside this file. At most this long:\n\
         [waiver_policy]\n\
         max_days = 90\n\
         \n\
         # Exports of live systems, judged with the repository. `assay explain KIND`\n\
         # says how to take each one.\n",
        name = toml_string(&opts.name),
        repository = toml_string(&opts.repository),
    );
    if opts.exports.is_empty() {
        text.push_str(&commented_exports());
    }
    for (name, (kind, path)) in export_names(&opts.exports).iter().zip(&opts.exports) {
        text.push_str(&format!(
            "\n[[export]]\nname = {}\nkind = {}\npath = {}\n",
            toml_string(name),
            toml_string(kind.name()),
            toml_string(path)
        ));
    }
    text
}

/// Every export kind, as a commented-out declaration to fill in.
fn commented_exports() -> String {
    let mut text = String::from("#\n# Kinds: ");
    text.push_str(&ExportKind::names().collect::<Vec<_>>().join(", "));
    text.push_str(
        ".\n#\n# [[export]]\n# name = \"aws-prod\"\n# kind = \"aws.iam.credential-report\"\n\
         # path = \"exports/credential-report.csv\"\n",
    );
    text
}

/// A name per export, from its kind: `aws-iam-credential-report`, then `-2`...
fn export_names(exports: &[(ExportKind, String)]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for (kind, _) in exports {
        let base = kind.name().replace('.', "-");
        let mut name = base.clone();
        let mut n = 1;
        while names.contains(&name) {
            n += 1;
            name = format!("{base}-{n}");
        }
        names.push(name);
    }
    names
}

/// The ids of the built-in frameworks, as their definitions declare them
/// (`[framework] id`), sorted: what `init` offers to select.
pub fn builtin_frameworks() -> Vec<String> {
    let mut ids: Vec<String> = crate::builtin::FILES
        .iter()
        .filter(|(path, _)| path.starts_with("frameworks/"))
        .filter_map(|(_, text)| {
            let table: toml::Table = toml::from_str(text).ok()?;
            let id = table.get("framework")?.get("id")?.as_str()?;
            Some(id.to_owned())
        })
        .collect();
    ids.sort();
    ids
}

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

/// The built-in catalog's risks, under a header that says what to do with them.
fn risks_toml() -> String {
    let catalog = crate::builtin::FILES
        .iter()
        .find(|(path, _)| *path == "risks/catalog.toml")
        .map_or("", |(_, text)| text);
    let body = catalog.find("[[risk]]").map_or("", |at| &catalog[at..]);
    format!(
        "# The risk register: the built-in catalog's risks, copied by `assay init`\n\
         # for this organisation to re-estimate. Their figures are generic,\n\
         # order-of-magnitude defaults. `frequency` is expected events a year;\n\
         # `loss` is a 90% interval (5th to 95th percentile) of the loss per event.\n\
         # Change them to your own estimates, remove risks that do not apply, add\n\
         # your own; `assay risks` ranks the register.\n\
         \n{body}"
    )
}

const WAIVERS_TOML: &str = "\
# Waivers: failing checks or controls accepted knowingly, for a while.
# Each names an approver and expires; see the README's \"Waivers\".
#
# [[waiver]]
# check = \"repo.codeowners\"
# justification = \"Two-person team; every change is reviewed in pairs.\"
# approver = \"cto@example.com\"
# expires = 2027-03-31
";

const SAMPLE_POLICY: &str = r#"# The project's own checks. This one is a sample to copy: a check, its
# documentation and examples that `assay test` runs. frameworks/ maps it to
# controls; `assay explain local.no-dotenv` shows it and what it links to.

[[check]]
id = "local.no-dotenv"
title = "No .env files are committed"
severity = "high"
files = ["**/.env", "**/.env.*"]
exclude = ["**/.env.example", "**/.env.sample", "**/.env.template"]
assert = "absent"
message = "an environment file is committed: such files usually hold credentials"
remediation = "Remove the file from the repository and its history, rotate what it held, list `.env` in .gitignore and commit a `.env.example` without values instead."

[check.doc]
what = "No file named `.env` or `.env.*` is in the repository, other than `.env.example`, `.env.sample` and `.env.template`."
why = "Environment files hold database passwords and API keys for local runs; committed, they reach every clone and fork."
example = '''
Fails:  app/.env
Passes: app/.env.example
'''
evidence = "One finding per environment file, naming it."

[[check.example]]
name = "only an example file"
expect = "pass"
files = { "app/.env.example" = "DATABASE_URL=\n" }

[[check.example]]
name = "a committed .env"
expect = "fail"
findings = 1
files = { "app/.env" = "DATABASE_URL=\n" }
"#;

/// For each selected built-in framework with a mapping, a file extending it
/// with the sample check.
fn mappings(opts: &Options) -> Vec<Planned> {
    let mut files = Vec::new();
    for selection in &opts.frameworks {
        let id = selection.split('@').next().unwrap_or(selection);
        let Some((_, control)) = SAMPLE_CONTROLS.iter().find(|(f, _)| *f == id) else {
            continue;
        };
        let path = format!("frameworks/{id}.toml");
        if files.iter().any(|f: &Planned| f.path == path) {
            continue;
        }
        let text = format!(
            "# Extends the built-in {id} framework: only what differs is written here.\n\
             # `assay validate` says what this file changes; `replace = true` in\n\
             # [framework] would replace the built-in framework whole instead.\n\
             \n\
             [framework]\n\
             id = {fw}\n\
             \n\
             # A built-in control, evidenced by the sample check too.\n\
             [[control]]\n\
             id = {control}\n\
             checks = [{check}]\n",
            fw = toml_string(id),
            control = toml_string(control),
            check = toml_string(SAMPLE_CHECK),
        );
        files.push(planned(&path, text));
    }
    files
}

fn github_workflow() -> String {
    format!(
        r#"# assay on every pull request and push to main. Written by `assay init`.
# The run fails when a check at or above `high` fails or a check could not be
# evaluated (`assay check --help`: --fail-on, --soft-fail). Results go to code
# scanning (SARIF) and to the run's summary page.
name: assay
on:
  pull_request:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  assay:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      security-events: write # upload SARIF to code scanning
    steps:
      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11 # v4.1.1
        with:
          persist-credentials: false
      - id: cache
        uses: actions/cache@0c45773b623bea8c8e75f6c82b208c3cf94ea4f9 # v4.0.2
        with:
          path: ~/.cargo/bin/assay
          key: assay-{version}-${{{{ runner.os }}}}
      - if: steps.cache.outputs.cache-hit != 'true'
        run: cargo install --locked --git https://github.com/assay-compliance/assay --tag v{version} assay
      - name: assay check
        # Inline `assay:ignore` directives are ignored: a pull request must not
        # waive its own findings. Waivers go in waivers.toml, with an approver.
        run: >
          assay check . --no-inline-waivers
          --output sarif=assay.sarif --output markdown=assay.md
      - if: always()
        run: if [ -f assay.md ]; then cat assay.md >> "$GITHUB_STEP_SUMMARY"; fi
      - if: always() && hashFiles('assay.sarif') != ''
        uses: github/codeql-action/upload-sarif@48ab28a6f5dbc2a99bf1e0131198dd8f1df78169 # v3.28.0
        with:
          sarif_file: assay.sarif
          category: assay
"#,
        version = env!("CARGO_PKG_VERSION"),
    )
}

/// Asks for the project's name, frameworks and exports on a terminal; an
/// empty answer keeps the default shown in brackets.
pub fn ask(
    input: &mut impl BufRead,
    output: &mut impl Write,
    opts: &mut Options,
    known_frameworks: &[String],
) -> std::io::Result<()> {
    let name = prompt(input, output, "Project name", &opts.name)?;
    opts.name = name;
    writeln!(output, "Frameworks: {}", known_frameworks.join(", "))?;
    let frameworks = prompt(
        input,
        output,
        "Frameworks to report on, separated by spaces",
        &opts.frameworks.join(" "),
    )?;
    opts.frameworks = frameworks.split_whitespace().map(str::to_owned).collect();
    writeln!(
        output,
        "Export kinds: {}",
        ExportKind::names().collect::<Vec<_>>().join(", ")
    )?;
    loop {
        let answer = prompt(input, output, "An export as KIND=PATH (empty: done)", "")?;
        if answer.is_empty() {
            return Ok(());
        }
        match parse_export(&answer) {
            Ok(export) => opts.exports.push(export),
            Err(e) => writeln!(output, "{e}")?,
        }
    }
}

fn prompt(
    input: &mut impl BufRead,
    output: &mut impl Write,
    question: &str,
    default: &str,
) -> std::io::Result<String> {
    if default.is_empty() {
        write!(output, "{question}: ")?;
    } else {
        write!(output, "{question} [{default}]: ")?;
    }
    output.flush()?;
    let mut line = String::new();
    // End of input keeps the default, as an empty answer does.
    input.read_line(&mut line)?;
    let answer = line.trim();
    Ok(if answer.is_empty() { default } else { answer }.to_owned())
}

/// `KIND=PATH`, as `--export` takes it.
pub fn parse_export(text: &str) -> Result<(ExportKind, String), String> {
    let (kind, path) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not KIND=PATH"))?;
    let kind = ExportKind::from_name(kind).ok_or_else(|| {
        let hint = crate::load::suggest(kind, ExportKind::names())
            .map(|s| format!("; {s}"))
            .unwrap_or_default();
        format!(
            "unknown export kind `{kind}`{hint} (kinds: {})",
            ExportKind::names().collect::<Vec<_>>().join(", ")
        )
    })?;
    if path.is_empty() {
        return Err(format!("`{text}` names no path"));
    }
    Ok((kind, path.to_owned()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn options() -> Options {
        Options {
            name: "Example".into(),
            frameworks: vec!["soc2".into()],
            repository: ".".into(),
            exports: Vec::new(),
            ci: Ci::Github,
        }
    }

    /// The frameworks offered are the catalog's, each with a sample control.
    #[test]
    fn the_offered_frameworks_are_the_catalogs() {
        let offered = builtin_frameworks();
        // A directory without assay.toml loads the built-in catalog alone.
        let empty = tempfile::tempdir().unwrap();
        let loaded = crate::run::load(empty.path()).unwrap();
        let builtin: Vec<String> = loaded
            .catalog
            .frameworks
            .keys()
            .map(|id| id.to_string())
            .collect();
        assert_eq!(offered, builtin);
        for id in &offered {
            assert!(SAMPLE_CONTROLS.iter().any(|(f, _)| f == id), "{id}");
        }
    }

    #[test]
    fn answers_replace_defaults_and_an_empty_answer_keeps_them() {
        let mut opts = options();
        let mut input = std::io::Cursor::new(
            "\niso27001 nist-800-53@moderate\nokta.user=a.json\nokta.users=okta.json\n\n",
        );
        let mut output = Vec::new();
        let known = vec!["soc2".to_owned(), "iso27001".to_owned()];
        ask(&mut input, &mut output, &mut opts, &known).unwrap();
        assert_eq!(opts.name, "Example");
        assert_eq!(opts.frameworks, ["iso27001", "nist-800-53@moderate"]);
        assert_eq!(opts.exports.len(), 1);
        assert_eq!(opts.exports[0].1, "okta.json");
        let said = String::from_utf8(output).unwrap();
        assert!(said.contains("Project name [Example]: "), "{said}");
        assert!(
            said.contains("unknown export kind `okta.user`; did you mean `okta.users`?"),
            "{said}"
        );
    }

    #[test]
    fn end_of_input_keeps_every_default() {
        let mut opts = options();
        ask(
            &mut std::io::Cursor::new(""),
            &mut Vec::new(),
            &mut opts,
            &[],
        )
        .unwrap();
        assert_eq!(opts.frameworks, ["soc2"]);
        assert!(opts.exports.is_empty());
    }

    #[test]
    fn exports_of_one_kind_get_distinct_names() {
        let kind = ExportKind::from_name("okta.users").unwrap();
        let names = export_names(&[(kind, "a".into()), (kind, "b".into())]);
        assert_eq!(names, ["okta-users", "okta-users-2"]);
    }

    #[test]
    fn a_name_with_quotes_is_written_as_a_toml_string() {
        let mut opts = options();
        opts.name = "Acme \"Prod\" \\ Co".into();
        let text = project_toml(&opts);
        let parsed: toml::Table = toml::from_str(&text).unwrap();
        assert_eq!(
            parsed["project"]["name"].as_str(),
            Some("Acme \"Prod\" \\ Co")
        );
    }
}
