//! `skywarden`: the binary. Parses the command line and hands off to the library modules.
//! Errors end as one line on stderr and a non-zero exit code (see `cli::ExitStatus`).

mod cli;
mod commands;
mod config;
mod connection;
mod drift;
mod http;
mod keyring;
mod metrics;
mod output;
mod packs;
mod pipeline;
mod scans;
mod scheduler;
mod serve;
mod telemetry;
mod tenancy;
mod terraform;
mod vault;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    telemetry::init(cli.log_level.as_deref());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(cli::EXIT_ERROR);
        }
    };
    match runtime.block_on(cli::run(cli)) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            ExitCode::from(cli::EXIT_ERROR)
        }
    }
}

/// `context: cause: cause` on one line, without repeating a cause already in the text.
pub(crate) fn one_line(e: &anyhow::Error) -> String {
    let mut s = String::new();
    for cause in e.chain() {
        let m = cause.to_string();
        if s.contains(&m) {
            continue;
        }
        if !s.is_empty() {
            s.push_str(": ");
        }
        s.push_str(&m);
    }
    s.replace('\n', " ")
}
