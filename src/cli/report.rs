//! Printing findings the way office staff read them: grouped by file and sheet, each line
//! with its cell, then one summary line.

use std::collections::BTreeMap;
use std::path::PathBuf;

use kaoping::finding::{Finding, Findings, Severity};

/// Prints the findings grouped by file, then sheet; with `quiet` only errors.
pub fn print_findings(findings: &Findings, quiet: bool) {
    let mut groups: BTreeMap<(Option<PathBuf>, Option<String>), Vec<&Finding>> = BTreeMap::new();
    for finding in findings.iter().filter(|f| !quiet || f.is_error()) {
        groups
            .entry((finding.location.file.clone(), finding.location.sheet.clone()))
            .or_default()
            .push(finding);
    }
    let mut current_file: Option<Option<PathBuf>> = None;
    for ((file, sheet), list) in groups {
        if current_file.as_ref() != Some(&file) {
            match &file {
                Some(path) => eprintln!("{}", path.display()),
                None => eprintln!("（整体）"),
            }
            current_file = Some(file);
        }
        eprintln!("  【{}】", sheet.as_deref().unwrap_or("工作簿"));
        for f in list {
            eprintln!("    {}：{f}", f.severity);
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
