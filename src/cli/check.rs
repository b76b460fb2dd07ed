//! `kaoping check`: findings only, no output.

use kaoping::build::read_inputs;
use kaoping::check::check;

use super::report::print_findings;
use crate::args::CheckArgs;
use crate::front::Error;

pub fn run(args: &CheckArgs) -> Result<(), Error> {
    let books = read_inputs(&args.input.paths())?;
    let checked = check(&books);
    print_findings(&checked.findings, args.verbosity.quiet);
    let files: Vec<String> = books.iter().map(|b| b.path.display().to_string()).collect();
    if !args.verbosity.quiet {
        eprintln!("检查了 {}：{}", files.join("、"), checked.findings.summary_line());
    }
    if checked.findings.has_errors() { Err(Error::Reported) } else { Ok(()) }
}
