//! kaoping（考评）: one year's performance-evaluation workbook in, the paperwork out.
//!
//! The pipeline is visible in the module layout and runs in this order:
//! [`workbook`] (read the xlsx files) → [`check`] (validate into a [`model::Plan`] plus
//! [`finding`]s) → [`score`] (pure arithmetic) → [`render`] (typst and xlsx, in memory) →
//! [`write`] (atomic placement on disk, or [`write::MemorySink`] for a front end that
//! serves files itself).
//!
//! A front end asks for a job and never chains the stages itself; each job is one entry:
//! - [`build::build`]: every document of a year, handed to a [`write::Sink`];
//! - [`blank_forms::blank_forms`]: the blank scoring forms of [`forms`], one per group;
//! - [`forms::blank_workbook`]: the empty input workbook `init` starts a year with.
//!
//! What the front ends share besides the jobs lives here too, so neither needs the other:
//! [`watch::rebuild_on_change`] (the one rebuild-on-save loop and its reload policy),
//! [`finding::Findings::grouped`] and [`finding::Findings::summary_line`] (how findings
//! are shown). [`sample`] builds the reference workbook the tests and `init` examples use.
//!
//! The binary (`src/main.rs`) holds the two front ends side by side, each importing only
//! this library and the binary's shared layer: `src/args.rs` (the command line, parsed
//! once for every command), `src/front.rs` (exit status, the one error type commands
//! return and the single place it is printed), `src/cli/` (one module per terminal
//! command: `build`, `check`, `init`, `forms`, `fonts`, `watch`) and `src/serve/` (the
//! office's page: HTTP routes, upload jobs, in-memory workspaces).

pub mod blank_forms;
pub mod build;
pub mod check;
pub mod finding;
pub mod forms;
pub mod input_format;
pub mod model;
pub mod online;
pub mod render;
pub mod sample;
pub mod score;
pub mod summary_format;
pub mod watch;
pub mod workbook;
pub mod write;
pub mod xlsx_cells;
