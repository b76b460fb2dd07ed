//! Stage 2, check: turn the workbooks' tables into a validated [`Plan`], collecting every
//! finding on the way instead of stopping at the first bad cell.

use crate::finding::Findings;
use crate::model::Plan;
use crate::workbook::Workbook;

/// The outcome of checking: every finding, and the plan when there is no error.
#[derive(Debug, Clone)]
pub struct Checked {
    /// `Some` exactly when `findings` holds no error.
    pub plan: Option<Plan>,
    pub findings: Findings,
}

/// Checks the main workbook (the one with a 文件信息 sheet) together with any extra score
/// workbooks (a 评分 sheet only).
pub fn check(books: &[Workbook]) -> Checked {
    todo!("{}", books.len())
}
