//! `kedao`: parse the command line, run it, and turn any failure into one line and exit code 1.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = kedao::cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(kedao::cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // `{:#}` prints the cause chain on one line: "context: cause: root cause".
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
