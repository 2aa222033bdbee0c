//! The tests' SMTP server as a process, for the browser tests (e2e/) and the benchmarks
//! (bench/scaleout.sh), which run civicdesk as a separate program.
//!
//! Usage: `smtp_sink OUT_DIR`. Listens on a free loopback port and prints `READY <port>` once it
//! accepts connections. Every message received is written to OUT_DIR as `NNNNN.eml` (the raw
//! bytes) and `NNNNN.json` (the envelope and the decoded subject, addresses, Message-ID and
//! text/HTML parts), each renamed into place only when complete. Runs until its standard input
//! closes.

// The in-process API the HTTP tests use is not all needed here.
#[allow(dead_code)]
#[path = "../tests/http/smtp_sink.rs"]
mod smtp_sink;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: smtp_sink OUT_DIR");
        return ExitCode::from(2);
    };
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        return ExitCode::FAILURE;
    }
    let sink = smtp_sink::SmtpSink::start_spooling(&dir);
    println!("READY {}", sink.port);
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    ExitCode::SUCCESS
}
