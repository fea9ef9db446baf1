//! The `assay` command: parse arguments, run, map the outcome to an exit code.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    assay::cli::main()
}
