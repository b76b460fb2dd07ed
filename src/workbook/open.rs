//! Opening input files: which paths are workbooks, what a file really is when it is not
//! one, and reading an xlsx into [`Sheet`]s within bounded memory and time.

use std::path::{Path, PathBuf};

use super::Workbook;

/// Why a file cannot be read at all (exit status 2). Every message names the file and
/// says what it is and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}：无法读取（{source}）")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}：文件是空的（0 字节），不是 Excel 工作簿")]
    Empty { path: PathBuf },
}

impl ReadError {
    pub fn path(&self) -> &Path {
        match self {
            ReadError::Io { path, .. } | ReadError::Empty { path } => path,
        }
    }
}

/// Expands the command line's files and folders into the workbooks to read, sorted for a
/// deterministic order: `.xlsx` files in folders (not recursive), skipping Excel/WPS lock
/// files (`~$…`) and hidden files. An explicitly named file is always taken.
pub fn collect_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ReadError> {
    todo!("{paths:?}")
}

/// Reads one workbook from disk.
pub fn open(path: &Path) -> Result<Workbook, ReadError> {
    todo!("{path:?}")
}
