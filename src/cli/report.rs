//! Printing findings the way office staff read them on a terminal: grouped by file and
//! sheet (the grouping the page shows too, [`Findings::grouped`]), each line with its cell.

use kaoping::finding::Findings;

/// Prints the findings grouped by file, then sheet; with `quiet` only errors.
pub fn print_findings(findings: &Findings, quiet: bool) {
    for (file, sheets) in findings.grouped(quiet) {
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
