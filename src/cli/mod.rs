//! The command-line front end: one module per command, plus the printing of findings on
//! the terminal. Arguments, exit status and error printing are shared with `serve` and
//! live beside both (`crate::args`, `crate::front`).

pub mod build;
pub mod check;
pub mod fonts;
pub mod forms;
pub mod init;
pub mod report;
pub mod watch;
