//! The command-line front end: one module per command, plus argument parsing and the
//! printing of findings they share.

pub mod args;
pub mod build;
pub mod check;
pub mod double_click;
pub mod fonts;
pub mod forms;
pub mod init;
pub mod report;
pub mod watch;

/// Exit statuses, as documented in `kaoping --help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Status {
    /// Done; warnings allowed.
    Ok = 0,
    /// The input has errors, or a document failed.
    Failed = 1,
    /// A file could not be read at all.
    Unreadable = 2,
}
