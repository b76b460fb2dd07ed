//! `kaoping check`: findings only, no output.

use kaoping::build::read_inputs;
use kaoping::check::check;

use super::Status;
use super::args::CheckArgs;
use super::report::{print_error, print_findings, summary_line};

pub fn run(args: &CheckArgs) -> Status {
    let books = match read_inputs(&args.input.paths()) {
        Ok(books) => books,
        Err(error) => {
            print_error(error);
            return Status::Unreadable;
        }
    };
    let checked = check(&books);
    print_findings(&checked.findings, args.verbosity.quiet);
    let files: Vec<String> = books.iter().map(|b| b.path.display().to_string()).collect();
    if !args.verbosity.quiet {
        eprintln!("检查了 {}：{}", files.join("、"), summary_line(&checked.findings));
    }
    if checked.findings.has_errors() { Status::Failed } else { Status::Ok }
}
