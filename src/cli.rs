//! The command line: argument definitions and the glue from each command to
//! the library. Exit codes: 0 success, 1 gated failures or checks that could
//! not be evaluated, 2 bad definitions, arguments or usage.

use crate::engine;
use crate::explain::{self, Listing};
use crate::gate::FailOn;
use crate::inputs::Input;
use crate::load::Loaded;
use crate::model::Severity;
use crate::report::{self, Format, Report};
use crate::risk::RiskOptions;
use crate::run::{self, RunError, RunOptions};
use crate::walk::WalkOptions;
use clap::{Parser, Subcommand};
use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Compliance as code, tied to ranked risk and verifiable evidence.
#[derive(Debug, Parser)]
#[command(name = "assay", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate a repository against every check and report per framework.
    Check(CheckArgs),
    /// Rank the risk register, show what the passing controls save and what to fix next.
    Risks(RisksArgs),
    /// Evaluate and write an evidence bundle an auditor can verify.
    Evidence(EvidenceArgs),
    /// Check an evidence bundle: every digest, the manifest, the signature.
    Verify {
        /// A bundle written by `assay evidence`: a `.tar.gz` or a directory.
        bundle: PathBuf,
        /// Ed25519 public key (PEM) the bundle must be signed with.
        #[arg(long, value_name = "PUB")]
        key: Option<PathBuf>,
    },
    /// Print a shell completion script: `assay completions bash > /etc/bash_completion.d/assay`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Load all definitions and report every problem in them.
    Validate {
        /// Project directory: holds `assay.toml`, `policies/`, `frameworks/`.
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// Show a check, control, framework or risk and everything it links to, or
    /// document an export kind (`okta.users`) or an assertion (`not-contains`).
    Explain {
        /// A check, framework or risk id, a control id (`CC6.1` or `soc2:CC6.1`),
        /// an export kind or an assertion name.
        id: String,
        /// Project directory whose definitions extend the built-in ones.
        #[arg(long, default_value = ".")]
        project: PathBuf,
    },
    /// Run every check's examples and report those that do not behave as declared.
    Test {
        /// Project directory whose definitions extend the built-in ones.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// Only the examples of the checks this glob matches (repeatable), as
        /// `check --check` takes them: `repo.secrets.*`.
        #[arg(long, value_name = "PATTERN")]
        check: Vec<String>,
        /// Fail when a check has no examples.
        #[arg(long)]
        require_examples: bool,
    },
    /// Fold JSON reports of many repositories into one organisation-level report.
    Merge {
        /// JSON reports written by `assay check --format json`.
        #[arg(required = true)]
        reports: Vec<PathBuf>,
        /// Output format written to standard output.
        #[arg(long, value_enum, default_value = "human")]
        format: FormatArg,
        /// Exit 1 when a check at or above this severity fails in any report.
        #[arg(long, value_enum, default_value = "high")]
        fail_on: FailOnArg,
        /// The merged report's project name.
        #[arg(long, default_value = "organisation")]
        name: String,
    },
    /// Start a project: a commented `assay.toml`, a risk register to
    /// re-estimate, `waivers.toml`, a sample check mapped to a control, and a CI
    /// workflow. Asks on a terminal (unless --yes); never overwrites a file.
    Init(InitArgs),
    /// List the checks, controls, frameworks or risks that are loaded.
    List {
        #[arg(value_enum)]
        what: Listing,
        /// Project directory whose definitions extend the built-in ones.
        #[arg(long, default_value = ".")]
        project: PathBuf,
        /// With `checks`: only the imported checks of this scanner
        /// (`checkov`, `zizmor`), with the rules each maps.
        #[arg(long)]
        tool: Option<String>,
    },
}

#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// The project directory, usually the repository's root; it must exist.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// A framework to report on (repeatable): `soc2` (the default),
    /// `iso27001`, `cis-v8@ig1`, `nist-800-53@moderate`.
    #[arg(long, value_name = "ID")]
    pub framework: Vec<String>,
    /// An export to declare (repeatable): `okta.users=exports/okta-users.json`.
    #[arg(long, value_name = "KIND=PATH", value_parser = crate::init::parse_export)]
    pub export: Vec<(crate::source::kinds::ExportKind, String)>,
    /// The repository to evaluate, relative to DIR.
    #[arg(long, default_value = ".", value_name = "PATH")]
    pub repository: String,
    /// The project's name (default: the directory's name).
    #[arg(long)]
    pub name: Option<String>,
    /// The CI workflow to write: `github` (`.github/workflows/assay.yml`) or `none`.
    #[arg(long, value_enum, default_value = "github")]
    pub ci: CiArg,
    /// Ask nothing, even on a terminal: the flags and defaults decide.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// CI systems `init` writes a workflow for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum CiArg {
    Github,
    None,
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub eval: EvalArgs,
    /// Output format written to standard output.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// Also write this format to this file (repeatable), e.g.
    /// `--output sarif=assay.sarif --output junit=assay.xml`.
    #[arg(long, value_name = "FORMAT=PATH", value_parser = parse_output)]
    pub output: Vec<Output>,
    /// Gate only on findings not in this baseline (a file written by
    /// `--write-baseline`, or a previous JSON report, whose passing controls
    /// that fail now are regressions and gate too).
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record every finding of this run, by fingerprint, as a baseline.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// Exit 1 when fewer than PCT% of a selected framework's controls were
    /// evaluated (checks with a verdict, or a valid attestation): errors and
    /// missing exports count against it.
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    pub fail_coverage_below: Option<f64>,
    /// Print nothing on standard output and no warnings: the exit code, the
    /// `--output` files and errors only.
    #[arg(short, long)]
    pub quiet: bool,
    /// Name every path excluded by ignore rules and every link not followed
    /// in the human report (otherwise they are counted), list every manual
    /// control, and each passing check with what it examined.
    #[arg(short, long, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Colour the human report: `auto` on a terminal unless `NO_COLOR` is set.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// Exit 1 when a check at or above this severity fails (`none`: never).
    /// Checks that could not be evaluated always fail the run.
    #[arg(long, value_enum, default_value = "high")]
    pub fail_on: FailOnArg,
    /// Report, and exit 0 unless a check could not be evaluated, a declared
    /// export could not be read or the definitions are bad: `--fail-on none`
    /// without a coverage threshold.
    #[arg(long, conflicts_with_all = ["fail_on", "fail_coverage_below"])]
    pub soft_fail: bool,
}

#[derive(Debug, clap::Args)]
pub struct RisksArgs {
    #[command(flatten)]
    pub eval: EvalArgs,
    /// Output format written to standard output: `json` is the whole report,
    /// as `assay check` writes it, whose `risks` section is this view.
    #[arg(long, value_enum, default_value = "human")]
    pub format: FormatArg,
    /// Rank only the N risks of highest inherent loss; totals still count every risk.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub top: Option<u32>,
}

#[derive(Debug, clap::Args)]
pub struct EvidenceArgs {
    #[command(flatten)]
    pub eval: EvalArgs,
    /// Where to write the bundle: a `.tar.gz` file, or a directory when the
    /// path ends in `/`. Written under a temporary name, then renamed.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Copy examined files up to this many bytes into the bundle (redacted);
    /// larger ones are listed with their digest only.
    #[arg(long, value_name = "BYTES", default_value_t = crate::evidence::DEFAULT_COPY_LIMIT)]
    pub copy_limit: u64,
    /// Sign the bundle with this Ed25519 private key (PEM, PKCS#8): an in-toto
    /// statement in a DSSE envelope, `attestation.dsse.json`.
    #[arg(long, value_name = "KEY")]
    pub sign: Option<PathBuf>,
    /// Exit 1 when a check at or above this severity fails (the bundle is
    /// written either way). Checks that could not be evaluated always fail.
    #[arg(long, value_enum, default_value = "high")]
    pub fail_on: FailOnArg,
    /// Exit 1 when fewer than PCT% of a selected framework's controls were
    /// evaluated, as for `check` (the bundle is written either way).
    #[arg(long, value_name = "PCT", value_parser = parse_percent)]
    pub fail_coverage_below: Option<f64>,
    /// As for `check`: exit 0 unless a check could not be evaluated.
    #[arg(long, conflicts_with_all = ["fail_on", "fail_coverage_below"])]
    pub soft_fail: bool,
    /// No progress and no summary line: the exit code, the bundle and errors only.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Output formats, as the command line names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FormatArg {
    Human,
    Json,
    /// One self-contained HTML page.
    Html,
    /// OSCAL 1.1.3 assessment results (JSON).
    Oscal,
    /// SARIF 2.1.0, for code-scanning platforms.
    Sarif,
    /// JUnit XML: a test case per check and per control.
    Junit,
    /// A compact summary for a pull-request comment or `$GITHUB_STEP_SUMMARY`.
    Markdown,
    /// The control matrix, for spreadsheets (RFC 4180).
    Csv,
}

impl From<FormatArg> for Format {
    fn from(f: FormatArg) -> Self {
        match f {
            FormatArg::Human => Format::Human,
            FormatArg::Json => Format::Json,
            FormatArg::Html => Format::Html,
            FormatArg::Oscal => Format::Oscal,
            FormatArg::Sarif => Format::Sarif,
            FormatArg::Junit => Format::Junit,
            FormatArg::Markdown => Format::Markdown,
            FormatArg::Csv => Format::Csv,
        }
    }
}

/// Severities, as `--fail-on` names them, and `none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOnArg {
    Info,
    Low,
    Medium,
    High,
    Critical,
    /// No failing check gates; checks that could not be evaluated still do.
    None,
}

impl From<FailOnArg> for FailOn {
    fn from(s: FailOnArg) -> Self {
        match s {
            FailOnArg::Info => FailOn::At(Severity::Info),
            FailOnArg::Low => FailOn::At(Severity::Low),
            FailOnArg::Medium => FailOn::At(Severity::Medium),
            FailOnArg::High => FailOn::At(Severity::High),
            FailOnArg::Critical => FailOn::At(Severity::Critical),
            FailOnArg::None => FailOn::Never,
        }
    }
}

/// When to colour the human report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    fn enabled(self) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

fn parse_percent(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim_end_matches('%')
        .parse()
        .map_err(|_| format!("`{text}` is not a percentage"))?;
    if (0.0..=100.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not between 0 and 100"))
    }
}

/// What to evaluate and how: shared by `check` and `risks`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Project directory: its `assay.toml` (if any) names the repository to
    /// evaluate; without one, the directory itself is the repository.
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Evaluate as of this date or RFC 3339 time (default: `SOURCE_DATE_EPOCH`, else now).
    #[arg(long, value_name = "DATE")]
    pub as_of: Option<String>,
    /// Report only this framework (repeatable); overrides `assay.toml`.
    #[arg(long, value_name = "ID")]
    pub framework: Vec<String>,
    /// Run only the checks whose id matches this glob (repeatable), e.g.
    /// `repo.secrets.*`; a pattern that matches no check exits 2.
    #[arg(long = "check", value_name = "PATTERN")]
    pub checks: Vec<String>,
    /// Leave out the checks whose id matches this glob (repeatable), as
    /// Checkov's `--skip-check`; applied after `--check`, and a pattern that
    /// matches no check exits 2.
    #[arg(long = "skip-check", value_name = "PATTERN")]
    pub skip_checks: Vec<String>,
    /// Read an export of this kind from this file (repeatable), e.g.
    /// `aws.iam.credential-report=report.csv`; adds to the exports of `assay.toml`.
    #[arg(long, value_name = "KIND=PATH")]
    pub export: Vec<String>,
    /// Import another scanner's results from this file (repeatable):
    /// `--import results.sarif`, or `--import sarif=results.sarif` to name
    /// the format; adds to the imports of `assay.toml`.
    #[arg(long, value_name = "[FORMAT=]PATH")]
    pub import: Vec<String>,
    /// Also read files that `.gitignore` or `.ignore` exclude.
    #[arg(long)]
    pub no_ignore: bool,
    /// Check only this file of the repository (repeatable), relative to its
    /// root, without walking it: `-f Dockerfile -f k8s/pod.yaml`. Exports
    /// are read as declared.
    #[arg(
        short = 'f',
        long = "file",
        value_name = "FILE",
        conflicts_with = "since"
    )]
    pub files: Vec<PathBuf>,
    /// Evaluate only the checks whose inputs (repository files, exports)
    /// changed since this git revision, and name the skipped ones: for fast
    /// pull-request runs; a full run gives the full status.
    #[arg(long, value_name = "REV")]
    pub since: Option<String>,
    /// Ignore every `assay:ignore` directive in scanned files: a pull request
    /// must not be able to waive its own findings unnoticed.
    #[arg(long)]
    pub no_inline_waivers: bool,
    /// Files larger than this many bytes are not read; checks selecting them report an error.
    #[arg(long, value_name = "BYTES", default_value_t = engine::DEFAULT_MAX_FILE_SIZE)]
    pub max_file_size: u64,
    /// Findings kept in full per check; past them findings are counted, not
    /// kept, and every format says how many were left out. Bounds memory and
    /// report size however many matches a repository holds.
    #[arg(long, value_name = "N", default_value_t = engine::DEFAULT_MAX_FINDINGS)]
    pub max_findings: usize,
    /// Monte Carlo trials of the risk analysis (default: 1,000,000 for `risks`,
    /// whose percentiles are within 1%; 100,000 for the summary of `check`, within 5%).
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u32).range(i64::from(crate::risk::simulate::MIN_TRIALS)..))]
    pub trials: Option<u32>,
}

/// Exit codes, one meaning each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success = 0,
    Failed = 1,
    Usage = 2,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    run(Cli::parse()).into()
}

pub fn run(cli: Cli) -> Exit {
    match cli.command {
        Command::Check(args) => check(&args),
        Command::Risks(args) => risks(&args),
        Command::Evidence(args) => evidence(&args),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut out = std::io::stdout();
            clap_complete::generate(shell, &mut Cli::command(), "assay", &mut out);
            Exit::Success
        }
        Command::Verify { bundle, key } => verify(&bundle, key.as_deref()),
        Command::Validate { path } => validate(&path),
        Command::Explain { id, project } => {
            with_catalog(&project, |loaded| {
                match explain::explain(&loaded.catalog, &id) {
                    Ok(text) => {
                        print(&text);
                        Exit::Success
                    }
                    Err(e) => {
                        diagnostic(&e);
                        Exit::Usage
                    }
                }
            })
        }
        Command::Test {
            path,
            check,
            require_examples,
        } => test(&path, &check, require_examples),
        Command::Merge {
            reports,
            format,
            fail_on,
            name,
        } => merge(&reports, format.into(), fail_on.into(), &name),
        Command::Init(args) => init(&args),
        Command::List {
            what,
            project,
            tool,
        } => {
            if tool.is_some() && what != Listing::Checks {
                eprintln!("error: --tool lists imported checks: use it with `assay list checks`");
                return Exit::Usage;
            }
            with_catalog(&project, |loaded| {
                print(&explain::list(&loaded.catalog, what, tool.as_deref()));
                Exit::Success
            })
        }
    }
}

impl EvalArgs {
    /// The run's options, resolved once: the as-of time is parsed here.
    fn options(
        &self,
        gate: crate::gate::Rule,
        keep_inputs: Option<u64>,
        risk: RiskOptions,
    ) -> Result<RunOptions, Exit> {
        let epoch = std::env::var("SOURCE_DATE_EPOCH").ok();
        let as_of = crate::time::as_of(self.as_of.as_deref(), epoch.as_deref()).map_err(|e| {
            diagnostic(&e);
            Exit::Usage
        })?;
        Ok(RunOptions {
            path: self.path.clone(),
            as_of,
            frameworks: self.framework.clone(),
            checks: self.checks.clone(),
            skip_checks: self.skip_checks.clone(),
            exports: self.export.clone(),
            imports: self.import.clone(),
            since: self.since.clone(),
            baseline: None,
            walk: WalkOptions {
                no_ignore: self.no_ignore,
                only: self.files.clone(),
            },
            inline_waivers: !self.no_inline_waivers,
            max_file_size: self.max_file_size,
            max_findings: self.max_findings,
            risk,
            gate,
            keep_inputs,
        })
    }

    fn risk(&self, default_trials: u32, top: Option<u32>) -> RiskOptions {
        RiskOptions {
            top: top.map(|n| n as usize),
            trials: self.trials.unwrap_or(default_trials),
        }
    }
}

/// Selects and evaluates, with a progress line; a failure is already reported.
fn evaluate(options: &RunOptions, quiet: bool) -> Result<run::Evaluated, Exit> {
    let t0 = std::time::Instant::now();
    let selected = run::select(options).map_err(|e| failed(&e))?;
    let t1 = std::time::Instant::now();
    let progress = Progress::start(quiet);
    let evaluated = run::evaluate(selected, options);
    progress.stop();
    if std::env::var_os("ASSAY_TIMINGS").is_some() {
        eprintln!("load {:?} evaluate {:?}", t1 - t0, t1.elapsed());
    }
    evaluated.map_err(|e| failed(&e))
}

/// Reports why a run stopped: exit 2.
fn failed(error: &RunError) -> Exit {
    match error {
        RunError::Definitions(errors) => {
            for e in &errors.errors {
                diagnostic(e);
            }
            eprintln!(
                "error: {} problem(s) in the definitions",
                errors.errors.len()
            );
        }
        RunError::Usage(d) => diagnostic(d.as_ref()),
    }
    Exit::Usage
}

/// A progress line on standard error while a long evaluation runs: only on
/// a terminal, only after a second, erased when done.
struct Progress {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn start(quiet: bool) -> Self {
        use std::sync::atomic::{AtomicBool, Ordering};
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let thread = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let start = std::time::Instant::now();
                let mut shown = false;
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    let elapsed = start.elapsed().as_secs_f64();
                    if elapsed >= 1.0 {
                        eprint!("\rassay: evaluating… {elapsed:.0} s");
                        shown = true;
                    }
                }
                if shown {
                    eprint!("\r\x1b[2K");
                }
            })
        });
        Self { stop, thread }
    }

    fn stop(self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread {
            let _ = t.join();
        }
    }
}

fn check(args: &CheckArgs) -> Exit {
    let gate = gate_rule(args.fail_on, args.fail_coverage_below, args.soft_fail);
    let needs_inputs = Format::from(args.format).needs_inputs()
        || args.output.iter().any(|o| o.format.needs_inputs());
    let risk = args.eval.risk(crate::risk::simulate::CHECK_TRIALS, None);
    let Ok(mut options) = args.eval.options(gate, needs_inputs.then_some(0), risk) else {
        return Exit::Usage;
    };
    options.baseline = args.baseline.clone();
    let mut done = match evaluate(&options, args.quiet) {
        Ok(done) => done,
        Err(exit) => return exit,
    };
    let inputs: Vec<Input> = match done.inputs(&options) {
        Ok(kept) => kept.into_iter().map(|k| k.input).collect(),
        Err(e) => return failed(&e),
    };
    let report = timed("report", || run::report(done, &options));
    if let Some(path) = &args.write_baseline {
        warn_incomplete_baseline(&report);
        let mut text =
            serde_json::to_string_pretty(&crate::baseline::of(&report)).unwrap_or_default();
        text.push('\n');
        if let Err(e) = std::fs::write(path, text) {
            diagnostic(&OutputError {
                path: path.display().to_string(),
                message: e.to_string(),
            });
            return Exit::Usage;
        }
    }
    if !args.quiet {
        if args.format == FormatArg::Human {
            let detail = if args.verbose {
                report::human::Detail::Verbose
            } else {
                report::human::Detail::Summary
            };
            let text = report::human::render(&report, detail);
            if args.color.enabled() {
                print(&report::human::colourise(&text));
            } else {
                print(&text);
            }
        } else {
            emit(&report, args.format.into(), &inputs);
        }
        warn_waivers(&report);
    }
    if let Err(exit) = write_outputs(&report, &args.output, &inputs) {
        return exit;
    }
    let exit = gate_exit(&report);
    std::mem::forget(report);
    exit
}

/// The gate `--fail-on`, `--fail-coverage-below` and `--soft-fail` ask for.
fn gate_rule(fail_on: FailOnArg, coverage: Option<f64>, soft_fail: bool) -> crate::gate::Rule {
    if soft_fail {
        return crate::gate::Rule::fail_on(FailOn::Never);
    }
    crate::gate::Rule {
        fail_on: fail_on.into(),
        coverage,
    }
}

/// Runs a step, timing it with `ASSAY_TIMINGS`.
fn timed<T>(step: &str, f: impl FnOnce() -> T) -> T {
    let t0 = std::time::Instant::now();
    let out = f();
    if std::env::var_os("ASSAY_TIMINGS").is_some() {
        eprintln!("{step} {:?}", t0.elapsed());
    }
    out
}

/// The exit code the gate decided.
fn gate_exit(report: &Report) -> Exit {
    if report.gate.passed {
        Exit::Success
    } else {
        Exit::Failed
    }
}

/// A baseline records only the findings kept: those past `--max-findings`
/// would gate the next run as new, which standard error says.
fn warn_incomplete_baseline(report: &Report) {
    for c in report
        .checks
        .iter()
        .filter(|c| c.result.findings_omitted > 0)
    {
        eprintln!(
            "warning: the baseline lacks {} findings of {} past --max-findings {}; \
             raise it to record them",
            c.result.findings_omitted,
            c.result.id,
            c.result.findings.len()
        );
    }
}

/// Waivers that need attention, on standard error: a CI log shows them
/// whatever the output format.
fn warn_waivers(report: &Report) {
    for w in &report.waivers {
        if let Some(note) = report::human::waiver_note(w) {
            eprintln!(
                "warning: waiver {}",
                note.split_whitespace().collect::<Vec<_>>().join(" ")
            );
        }
    }
}

/// `assay evidence`: evaluate, then write the bundle; the exit code is the gate's.
fn evidence(args: &EvidenceArgs) -> Exit {
    let key = match &args.sign {
        Some(path) => match read_key(path, crate::evidence::Signer::from_pem) {
            Ok(k) => Some(k),
            Err(exit) => return exit,
        },
        None => None,
    };
    let risk = args.eval.risk(crate::risk::simulate::CHECK_TRIALS, None);
    let gate = gate_rule(args.fail_on, args.fail_coverage_below, args.soft_fail);
    let Ok(options) = args.eval.options(gate, Some(args.copy_limit), risk) else {
        return Exit::Usage;
    };
    let done = match evaluate(&options, args.quiet) {
        Ok(done) => done,
        Err(exit) => return exit,
    };
    let bundled = timed("report", || {
        run::bundle(done, &options, command_line(), key.as_ref())
    });
    let run::Bundled {
        bundle,
        report,
        inputs,
    } = match bundled {
        Ok(b) => b,
        Err(e) => return failed(&e),
    };
    let mtime = options.as_of.as_second().max(0) as u64;
    if let Err(e) = crate::evidence::write_bundle(&bundle, &args.out, mtime) {
        diagnostic(&e);
        return Exit::Usage;
    }
    let signed = key
        .map(|k| format!(", signed by key {}", k.keyid()))
        .unwrap_or_default();
    if !args.quiet {
        eprintln!(
            "evidence bundle written to {}: {} files, {} inputs hashed{signed}",
            args.out.display(),
            bundle.files.len(),
            inputs
        );
    }
    gate_exit(&report)
}

/// The command line as given, with the program called by its name: where
/// the binary was installed says nothing about the run.
fn command_line() -> Vec<String> {
    std::iter::once("assay".to_owned())
        .chain(std::env::args().skip(1))
        .collect()
}

fn read_key<K>(
    path: &std::path::Path,
    parse: impl Fn(&str, &str) -> Result<K, crate::evidence::SignError>,
) -> Result<K, Exit> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        diagnostic(&crate::evidence::SignError::Key {
            path: name.clone(),
            message: e.to_string(),
        });
        Exit::Usage
    })?;
    parse(&name, &text).map_err(|e| {
        diagnostic(&e);
        Exit::Usage
    })
}

/// `assay verify`: exit 0 when intact, 1 naming each problem, 2 when the
/// bundle or key cannot be read.
fn verify(bundle: &std::path::Path, key: Option<&std::path::Path>) -> Exit {
    let key = match key {
        Some(path) => match read_key(path, crate::evidence::public_key_from_pem) {
            Ok(k) => Some(k),
            Err(exit) => return exit,
        },
        None => None,
    };
    let verdict = match crate::evidence::verify(bundle, key.as_ref()) {
        Ok(verdict) => verdict,
        Err(e) => {
            diagnostic(&e);
            return Exit::Usage;
        }
    };
    print(&crate::evidence::verdict::render(
        &bundle.display().to_string(),
        &verdict,
    ));
    if verdict.intact() {
        Exit::Success
    } else {
        Exit::Failed
    }
}

/// `assay risks`: exit 1 only when a check could not be evaluated, since
/// then the residual losses rest on missing evidence.
fn risks(args: &RisksArgs) -> Exit {
    let risk = args
        .eval
        .risk(crate::risk::simulate::DEFAULT_TRIALS, args.top);
    let gate = crate::gate::Rule::fail_on(Severity::High);
    let Ok(options) = args.eval.options(gate, None, risk) else {
        return Exit::Usage;
    };
    let done = match evaluate(&options, false) {
        Ok(done) => done,
        Err(exit) => return exit,
    };
    let report = timed("report", || run::report(done, &options));
    match Format::from(args.format) {
        Format::Human => print(&report::risks::render(&report)),
        other => emit(&report, other, &[]),
    }
    if crate::gate::evidence_complete(report.checks.iter().map(|c| &c.result)) {
        Exit::Success
    } else {
        Exit::Failed
    }
}

/// `assay test`: every selected check's examples, exit 1 if one misbehaves.
fn test(path: &std::path::Path, patterns: &[String], require_examples: bool) -> Exit {
    let Some(mut loaded) = load_or_report(path) else {
        return Exit::Usage;
    };
    if let Err(e) = run::select_checks(&mut loaded, patterns) {
        diagnostic(&e);
        return Exit::Usage;
    }
    let results = crate::policy_test::run(&loaded.catalog);
    let (text, ok) = report::examples::render(&loaded.catalog, &results, require_examples);
    print(&text);
    if ok { Exit::Success } else { Exit::Failed }
}

fn merge(reports: &[PathBuf], format: Format, fail_on: FailOn, name: &str) -> Exit {
    let report = match report::merge::merge_files(reports, name, fail_on) {
        Ok(report) => report,
        Err(e) => {
            diagnostic(&e);
            return Exit::Usage;
        }
    };
    emit(&report, format, &[]);
    gate_exit(&report)
}

/// Writes a report in a format; JSON is streamed. `inputs` are the hashed
/// inputs OSCAL cites as evidence (none for a merged report).
fn emit(report: &Report, format: Format, inputs: &[Input]) {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    // A closed pipe (`assay ... | head`) is not an error.
    let _ = report::write(report, format, inputs, &mut out).and_then(|()| out.flush());
}

/// Writes each `--output FORMAT=PATH`; a path that cannot be written is a usage error.
fn write_outputs(report: &Report, outputs: &[Output], inputs: &[Input]) -> Result<(), Exit> {
    for o in outputs {
        let written = std::fs::File::create(&o.path).and_then(|file| {
            let mut out = std::io::BufWriter::new(file);
            report::write(report, o.format, inputs, &mut out)?;
            out.flush()
        });
        if let Err(e) = written {
            diagnostic(&OutputError {
                path: o.path.display().to_string(),
                message: e.to_string(),
            });
            return Err(Exit::Usage);
        }
    }
    Ok(())
}

#[derive(Debug, thiserror::Error, Diagnostic)]
#[error("cannot write `{path}`: {message}")]
#[diagnostic(code(assay::cli::output))]
struct OutputError {
    path: String,
    message: String,
}

/// `--output FORMAT=PATH`.
#[derive(Debug, Clone)]
pub struct Output {
    pub format: Format,
    pub path: PathBuf,
}

fn parse_output(text: &str) -> Result<Output, String> {
    use clap::ValueEnum;
    let (name, path) = text
        .split_once('=')
        .ok_or_else(|| format!("`{text}` is not FORMAT=PATH, e.g. sarif=assay.sarif"))?;
    let format = FormatArg::from_str(name, true).map_err(|_| {
        let known: Vec<String> = FormatArg::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value().map(|v| v.get_name().to_owned()))
            .collect();
        format!("unknown format `{name}`: one of {}", known.join(", "))
    })?;
    if path.is_empty() {
        return Err(format!("`{text}` names no path"));
    }
    Ok(Output {
        format: format.into(),
        path: PathBuf::from(path),
    })
}

fn init(args: &InitArgs) -> Exit {
    let name = args.name.clone().unwrap_or_else(|| {
        std::path::absolute(&args.dir)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| "project".to_owned())
    });
    let mut opts = crate::init::Options {
        name,
        frameworks: if args.framework.is_empty() {
            crate::init::DEFAULT_FRAMEWORKS
                .iter()
                .map(|f| (*f).to_owned())
                .collect()
        } else {
            args.framework.clone()
        },
        repository: args.repository.clone(),
        exports: args.export.clone(),
        ci: match args.ci {
            CiArg::Github => crate::init::Ci::Github,
            CiArg::None => crate::init::Ci::None,
        },
    };
    // Asked only of a person at a terminal: in CI or a script the flags decide.
    if !args.yes && std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        let known = crate::init::builtin_frameworks();
        let asked = crate::init::ask(
            &mut std::io::stdin().lock(),
            &mut std::io::stderr(),
            &mut opts,
            &known,
        );
        if let Err(e) = asked {
            eprintln!("error: {e}");
            return Exit::Usage;
        }
    }
    match crate::init::init(&args.dir, &opts) {
        Ok(files) => {
            let mut text = format!("initialised {}:\n", args.dir.display());
            for file in &files {
                text.push_str(&format!("  {}\n", file.path));
            }
            let dir = args.dir.display();
            text.push_str(&format!(
                "next:\n  assay validate {dir}   # the definitions load\n  \
                 assay test {dir}       # the sample check's examples behave\n  \
                 assay check {dir}      # evaluate; edit risks.toml to re-estimate the risks\n"
            ));
            print(&text);
            Exit::Success
        }
        Err(e) => {
            diagnostic(&e);
            Exit::Usage
        }
    }
}

fn validate(path: &std::path::Path) -> Exit {
    with_catalog(path, |loaded| {
        let c = &loaded.catalog;
        let controls: usize = c.frameworks.values().map(|f| f.controls.len()).sum();
        print(&format!(
            "definitions are valid: {} checks, {} frameworks with {controls} controls, {} risks\n",
            c.checks.len(),
            c.frameworks.len(),
            c.risks.len()
        ));
        // A project file over a built-in framework changes what the audit
        // covers: say so, or a one-control replacement of SOC 2 looks valid and whole.
        for layering in &loaded.layering {
            print(&format!("{layering}\n"));
        }
        Exit::Success
    })
}

fn with_catalog(path: &std::path::Path, f: impl FnOnce(&Loaded) -> Exit) -> Exit {
    match load_or_report(path) {
        Some(loaded) => f(&loaded),
        None => Exit::Usage,
    }
}

fn load_or_report(path: &std::path::Path) -> Option<Loaded> {
    run::load(path).map_err(|e| failed(&e)).ok()
}

/// Renders a diagnostic to standard error: colour only on a terminal and
/// never with `NO_COLOR`.
pub fn diagnostic(d: &dyn Diagnostic) {
    let stderr = std::io::stderr();
    let colour = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let _ = stderr.lock().write_all(render(d, colour).as_bytes());
}

/// Renders a diagnostic at a fixed width; without colour it is what tests compare.
pub fn render(d: &dyn Diagnostic, colour: bool) -> String {
    let theme = if colour {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let mut text = String::new();
    let _ = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .render_report(&mut text, d);
    // A diagnostic quotes the file it is about, which the repository wrote:
    // secrets in it are masked, and a minified line does not flood the terminal.
    let text = crate::redact::Secrets::known().scrub(&text).into_owned();
    let text = crate::redact::clip_lines(&text, DIAGNOSTIC_LINE).into_owned();
    if colour {
        // miette's own colours are escape sequences: only the quoted text's are escaped.
        return text;
    }
    crate::redact::escape_controls(&text).into_owned()
}

/// Longest line a diagnostic prints, in bytes; longer ones are cut.
const DIAGNOSTIC_LINE: usize = 400;

/// Writes to standard output; a closed pipe (`assay ... | head`) is not an error.
fn print(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::{FailOnArg, FormatArg};
    use crate::gate::FailOn;
    use crate::report::Format;
    use clap::ValueEnum;

    /// The names the command line accepts are the names reports print.
    #[test]
    fn argument_names_are_the_model_s_names() {
        for s in FailOnArg::value_variants() {
            let name = s.to_possible_value().map(|v| v.get_name().to_owned());
            assert_eq!(name.as_deref(), Some(FailOn::from(*s).as_str()));
        }
        let formats: Vec<Format> = FormatArg::value_variants()
            .iter()
            .map(|&f| f.into())
            .collect();
        for (i, f) in formats.iter().enumerate() {
            assert!(!formats[..i].contains(f), "{f:?} is named twice");
        }
    }
}
