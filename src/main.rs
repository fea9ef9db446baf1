//! The `assay` command: parse arguments, run, map the outcome to an exit code.

fn main() -> std::process::ExitCode {
    assay::cli::main()
}
