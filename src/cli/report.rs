//! Printing findings the way office staff read them: grouped by file and sheet, each line
//! with its cell, then one summary line.

use std::collections::BTreeMap;
use std::path::PathBuf;

use kaoping::finding::{Finding, Findings, Severity};

/// Findings of one sheet (`None`: the workbook as a whole).
pub type SheetFindings<'a> = (Option<String>, Vec<&'a Finding>);

/// Findings grouped by file (`None`: the input as a whole), then sheet, in a stable order;
/// with `quiet` only errors. The terminal and the web page show the same grouping.
pub fn grouped(findings: &Findings, quiet: bool) -> Vec<(Option<PathBuf>, Vec<SheetFindings<'_>>)> {
    let mut groups: BTreeMap<Option<PathBuf>, BTreeMap<Option<String>, Vec<&Finding>>> =
        BTreeMap::new();
    for finding in findings.iter().filter(|f| !quiet || f.is_error()) {
        groups
            .entry(finding.location.file.clone())
            .or_default()
            .entry(finding.location.sheet.clone())
            .or_default()
            .push(finding);
    }
    groups.into_iter().map(|(file, sheets)| (file, sheets.into_iter().collect())).collect()
}

/// Prints the findings grouped by file, then sheet; with `quiet` only errors.
pub fn print_findings(findings: &Findings, quiet: bool) {
    for (file, sheets) in grouped(findings, quiet) {
        match &file {
            Some(path) => eprintln!("{}", path.display()),
            None => eprintln!("（整体）"),
        }
        for (sheet, list) in sheets {
            eprintln!("  【{}】", sheet.as_deref().unwrap_or("工作簿"));
            for f in list {
                eprintln!("    {}：{f}", f.severity);
            }
        }
    }
}

/// `2 个错误，3 个警告，1 个提示`
pub fn summary_line(findings: &Findings) -> String {
    format!(
        "{} 个错误，{} 个警告，{} 个提示",
        findings.count(Severity::Error),
        findings.count(Severity::Warning),
        findings.count(Severity::Info)
    )
}

/// `错误：…` for failures that are not findings.
pub fn print_error(message: impl std::fmt::Display) {
    eprintln!("错误：{message}");
}
