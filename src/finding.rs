//! Findings: what `check` (and later stages) have to say about the input.
//!
//! Findings are data, not strings printed on the spot: each has a severity, a location
//! (file, sheet, cell) and a Chinese message, so the CLI can group them, the summary
//! workbook can list them and tests can compare them exactly. A run collects all of them
//! instead of stopping at the first bad cell.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

/// How serious a finding is. Ordered so that `max()` gives the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Severity {
    /// Worth knowing, changes nothing (e.g. a merged cell was read from its top-left value).
    Info,
    /// Probably a mistake, but the documents can still be built (e.g. cross evaluation).
    Warning,
    /// The input is wrong; nothing is built until it is fixed.
    Error,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Info => "提示",
            Severity::Warning => "警告",
            Severity::Error => "错误",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A cell position, zero-based internally, printed the way Excel names it (`D12`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct CellRef {
    pub row: u32,
    pub col: u32,
}

impl CellRef {
    pub fn new(row: u32, col: u32) -> Self {
        Self { row, col }
    }

    /// The column letters: 0 → `A`, 25 → `Z`, 26 → `AA`.
    pub fn column_name(col: u32) -> String {
        let mut n = col as u64 + 1;
        let mut letters = Vec::new();
        while n > 0 {
            let rem = ((n - 1) % 26) as u8;
            letters.push(b'A' + rem);
            n = (n - 1) / 26;
        }
        letters.reverse();
        String::from_utf8(letters).expect("ASCII letters")
    }
}

impl fmt::Display for CellRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", Self::column_name(self.col), self.row + 1)
    }
}

/// Where a finding points: as precise as is known.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    pub file: Option<PathBuf>,
    pub sheet: Option<String>,
    pub cell: Option<CellRef>,
}

impl Location {
    pub fn file(file: impl Into<PathBuf>) -> Self {
        Self { file: Some(file.into()), ..Self::default() }
    }

    pub fn sheet(file: &Path, sheet: &str) -> Self {
        Self { file: Some(file.to_path_buf()), sheet: Some(sheet.to_string()), cell: None }
    }

    pub fn cell(file: &Path, sheet: &str, cell: CellRef) -> Self {
        Self { file: Some(file.to_path_buf()), sheet: Some(sheet.to_string()), cell: Some(cell) }
    }

    /// `评分!D12`, `评分`, or empty: the part users know from Excel, without the file.
    pub fn sheet_and_cell(&self) -> String {
        match (&self.sheet, self.cell) {
            (Some(sheet), Some(cell)) => format!("{sheet}!{cell}"),
            (Some(sheet), None) => sheet.clone(),
            (None, _) => String::new(),
        }
    }
}

/// One thing `check` or a later stage has to say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub location: Location,
    /// The Chinese message, without the location prefix.
    pub message: String,
}

impl Finding {
    pub fn new(severity: Severity, location: Location, message: impl Into<String>) -> Self {
        Self { severity, location, message: message.into() }
    }

    pub fn error(location: Location, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, location, message)
    }

    pub fn warning(location: Location, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, location, message)
    }

    pub fn info(location: Location, message: impl Into<String>) -> Self {
        Self::new(Severity::Info, location, message)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `评分!D12：得分 120 超过指标 C03 的分值 20` — the form the brief asks for.
impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let place = self.location.sheet_and_cell();
        if place.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{place}：{}", self.message)
        }
    }
}

/// All findings of a run, in the order they were found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Findings(Vec<Finding>);

impl Findings {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, finding: Finding) {
        self.0.push(finding);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Finding>) {
        self.0.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Finding::is_error)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.0.iter().filter(|f| f.severity == severity).count()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Finding> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_vec(self) -> Vec<Finding> {
        self.0
    }

    /// The findings grouped by file (`None`: the input as a whole), then sheet, in a stable
    /// order; with `errors_only` only errors. The terminal and the web page show this same
    /// grouping, so it lives here rather than in either front end.
    pub fn grouped(&self, errors_only: bool) -> Vec<FileFindings<'_>> {
        let mut groups: BTreeMap<Option<PathBuf>, BTreeMap<Option<String>, Vec<&Finding>>> =
            BTreeMap::new();
        for finding in self.iter().filter(|f| !errors_only || f.is_error()) {
            groups
                .entry(finding.location.file.clone())
                .or_default()
                .entry(finding.location.sheet.clone())
                .or_default()
                .push(finding);
        }
        groups.into_iter().map(|(file, sheets)| (file, sheets.into_iter().collect())).collect()
    }

    /// `2 个错误，3 个警告，1 个提示`: the line every front end ends a run with.
    pub fn summary_line(&self) -> String {
        format!(
            "{} 个错误，{} 个警告，{} 个提示",
            self.count(Severity::Error),
            self.count(Severity::Warning),
            self.count(Severity::Info)
        )
    }
}

/// Findings of one sheet (`None`: the workbook as a whole).
pub type SheetFindings<'a> = (Option<String>, Vec<&'a Finding>);

/// Findings of one file (`None`: the input as a whole), by sheet.
pub type FileFindings<'a> = (Option<PathBuf>, Vec<SheetFindings<'a>>);

impl IntoIterator for Findings {
    type Item = Finding;
    type IntoIter = std::vec::IntoIter<Finding>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a Findings {
    type Item = &'a Finding;
    type IntoIter = std::slice::Iter<'a, Finding>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Extend<Finding> for Findings {
    fn extend<T: IntoIterator<Item = Finding>>(&mut self, iter: T) {
        self.0.extend(iter);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_names_follow_excel() {
        assert_eq!(CellRef::column_name(0), "A");
        assert_eq!(CellRef::column_name(25), "Z");
        assert_eq!(CellRef::column_name(26), "AA");
        assert_eq!(CellRef::column_name(701), "ZZ");
        assert_eq!(CellRef::column_name(702), "AAA");
        assert_eq!(CellRef::new(11, 3).to_string(), "D12");
    }

    #[test]
    fn finding_displays_sheet_and_cell_first() {
        let loc = Location::cell(Path::new("a.xlsx"), "评分", CellRef::new(11, 3));
        let f = Finding::error(loc, "得分 120 超过指标 C03 的分值 20");
        assert_eq!(f.to_string(), "评分!D12：得分 120 超过指标 C03 的分值 20");
    }
}
