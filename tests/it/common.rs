//! Shared test helpers: workbooks written to temp folders, plans checked from them, one
//! engine per test binary.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use kaoping::model::Plan;
use kaoping::render::engine::{Engine, EngineOptions};
use kaoping::sample::Book;

/// The bundled-fonts engine, loaded once per test binary (fonts are the slow part).
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(&EngineOptions::bundled()).expect("engine loads"))
}

/// Writes a book as `name` in a fresh temp folder.
pub fn write_book(book: &Book, name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, book.to_xlsx_bytes().unwrap()).unwrap();
    (dir, path)
}

/// Reads and checks a workbook file; panics with the findings when it has errors.
pub fn plan_of_file(path: &Path) -> Plan {
    let books = kaoping::build::read_inputs(&[path.to_path_buf()]).unwrap();
    let checked = kaoping::check::check(&books);
    match checked.plan {
        Some(plan) => plan,
        None => panic!(
            "check failed: {:#?}",
            checked.findings.iter().filter(|f| f.is_error()).collect::<Vec<_>>()
        ),
    }
}

pub fn plan_of(book: &Book) -> Plan {
    let (_dir, path) = write_book(book, "book.xlsx");
    plan_of_file(&path)
}

/// The PDF's text as poppler's `pdftotext` extracts it (`mode`: `-layout` or `-raw`);
/// `None` when poppler-utils is not installed (CI installs it).
pub fn pdftotext(mode: &str, pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out =
        std::process::Command::new("pdftotext").arg(mode).arg(&path).arg("-").output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}
