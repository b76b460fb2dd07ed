//! The integration tests, as one binary: each test binary links typst, so nine of them
//! cost CI minutes of linking for nothing. One module per area, as the files were before.

mod body;
mod check;
mod common;
mod documents;
mod forms;
mod fuzz;
mod incremental;
mod notice;
mod ofd;
mod online;
mod read_errors;
mod reliability;
mod sample_roundtrip;
mod scoring;
mod scoring_day;
mod serve;
mod tables;
mod watch;
mod year_over_year;
