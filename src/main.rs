//! The `kaoping` command: parse the arguments, run one command, print `错误：` lines and set
//! the exit status. Everything else lives in the library.

mod cli;
mod serve;

use std::process::ExitCode;

// typst allocates many small, short-lived values across threads; glibc's allocator spent
// about a sixth of a build in malloc/free (perf), mimalloc far less.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    if cli::double_click::is_double_click() {
        return ExitCode::from(cli::double_click::run() as u8);
    }
    let args = cli::args::parse();
    let status = match args.command {
        cli::args::Command::Build(a) => cli::build::run(&a),
        cli::args::Command::Check(a) => cli::check::run(&a),
        cli::args::Command::Init(a) => cli::init::run(&a),
        cli::args::Command::Forms(a) => cli::forms::run(&a),
        cli::args::Command::Fonts(a) => cli::fonts::run(&a),
        cli::args::Command::Watch(a) => cli::watch::run(&a),
        cli::args::Command::Serve(a) => serve::run(&a),
    };
    ExitCode::from(status as u8)
}
