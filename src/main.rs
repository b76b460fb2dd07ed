//! The `kaoping` command: parse the arguments, run one command, then report its error once
//! and set the exit status ([`front::exit_status`]). Everything else lives in the library.
//!
//! Two front ends sit side by side: `cli` (one module per terminal command) and `serve`
//! (the page). Neither imports the other; what both use is in `args`, `front` and the
//! library.

mod args;
mod cli;
mod front;
mod serve;

use std::process::ExitCode;

use args::Command;

// typst allocates many small, short-lived values across threads; glibc's allocator spent
// about a sixth of a build in malloc/free (perf), mimalloc far less.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let result = match args::parse().command {
        Command::Build(a) => cli::build::run(&a),
        Command::Check(a) => cli::check::run(&a),
        Command::Init(a) => cli::init::run(&a),
        Command::Forms(a) => cli::forms::run(&a),
        Command::Fonts(a) => cli::fonts::run(&a),
        Command::Watch(a) => cli::watch::run(&a),
        Command::Serve(a) => serve::run(&a),
    };
    ExitCode::from(front::exit_status(result) as u8)
}
