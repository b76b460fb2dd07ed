//! kaoping（考评）: one year's performance-evaluation workbook in, the paperwork out.
//!
//! The pipeline is visible in the module layout and runs in this order:
//! [`workbook`] (read the xlsx files) → [`check`] (validate into a [`model::Plan`] plus
//! findings) → [`score`] (pure arithmetic) → [`render`] (typst and xlsx, in memory) →
//! [`write`] (atomic placement on disk). [`build::build`] is the one entry that chains
//! them, so the CLI, `watch` and any later front end share exactly the same behaviour.

pub mod build;
pub mod check;
pub mod finding;
pub mod forms;
pub mod model;
pub mod online;
pub mod render;
pub mod sample;
pub mod score;
pub mod summary_format;
pub mod workbook;
pub mod write;
pub mod xlsx_cells;
