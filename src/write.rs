//! Stage 5, write: outputs reach the output folder all together or not at all.
//!
//! A build writes every file into a staging folder beside the output folder while the
//! documents render (so memory stays flat however many there are), and only when every
//! document has succeeded moves them into place, each with an atomic rename. Until then
//! the output folder is untouched: a failed build leaves earlier outputs byte-identical
//! and a failed first build leaves no files at all. Files a previous build wrote that this
//! one no longer produces (a department renamed) are removed, using a manifest, so the
//! folder always shows one build; files the user put there are never touched.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use crate::render::OutputFile;

/// The list of files the last build wrote, kept in the output folder.
pub const MANIFEST: &str = ".kaoping-manifest";

/// Where finished files go while a build runs.
pub trait Sink: Sync {
    /// Takes one finished file (its path relative to the output folder).
    fn put(&self, file: OutputFile) -> io::Result<()>;

    /// What a front end may show of a PDF just [`put`](Sink::put): its page count and,
    /// when the engine draws them, its first page. Sinks that write files ignore it.
    fn describe(&self, _description: Description) {}
}

/// A finished PDF as a front end shows it.
#[derive(Debug, Clone)]
pub struct Description {
    /// The PDF's path, as given to [`Sink::put`].
    pub path: PathBuf,
    pub pages: usize,
    /// The first page as PNG.
    pub preview: Option<Vec<u8>>,
}

/// Keeps everything in memory: for tests and for front ends that serve files themselves.
#[derive(Debug, Default)]
pub struct MemorySink {
    files: Mutex<Vec<OutputFile>>,
    descriptions: Mutex<Vec<Description>>,
}

impl MemorySink {
    pub fn new() -> Self {
        Self::default()
    }

    /// The files, sorted by path.
    pub fn into_files(self) -> Vec<OutputFile> {
        self.into_parts().0
    }

    /// The files, sorted by path, and the descriptions of the PDFs the build described
    /// (not those reused from a cache), in the order they came.
    pub fn into_parts(self) -> (Vec<OutputFile>, Vec<Description>) {
        let mut files = self.files.into_inner().unwrap_or_else(|e| e.into_inner());
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let descriptions = self.descriptions.into_inner().unwrap_or_else(|e| e.into_inner());
        (files, descriptions)
    }
}

impl Sink for MemorySink {
    fn put(&self, file: OutputFile) -> io::Result<()> {
        self.files.lock().unwrap_or_else(|e| e.into_inner()).push(file);
        Ok(())
    }

    fn describe(&self, description: Description) {
        self.descriptions.lock().unwrap_or_else(|e| e.into_inner()).push(description);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(
        "输出目录 {output} 位于输入目录 {input} 之内或与之相同；请换一个输出目录，以免输出文件被当作输入读取"
    )]
    InsideInput { output: PathBuf, input: PathBuf },
    #[error("无法写入 {path}：{source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("文件路径 {0} 不在输出目录之内")]
    Escapes(PathBuf),
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> WriteError + '_ {
    move |source| WriteError::Io { path: path.to_path_buf(), source }
}

/// Refuses an output folder that is, or lies inside, a folder the inputs are read from:
/// the next build would read its own outputs.
pub fn check_output_location(output: &Path, input_dirs: &[PathBuf]) -> Result<(), WriteError> {
    let output_abs = absolute(output);
    for input in input_dirs {
        let input_abs = absolute(input);
        if output_abs.starts_with(&input_abs) {
            return Err(WriteError::InsideInput {
                output: output.to_path_buf(),
                input: input.clone(),
            });
        }
    }
    Ok(())
}

/// An absolute, lexically normalised path; symlinks resolved for the part that exists.
fn absolute(path: &Path) -> PathBuf {
    let joined = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    // Canonicalise the longest existing prefix so `input/../input` and links compare equal.
    let mut existing = joined.clone();
    let mut rest = Vec::new();
    while !existing.exists() {
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                rest.push(name.to_os_string());
                existing = parent.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = fs::canonicalize(&existing).unwrap_or(existing);
    for name in rest.into_iter().rev() {
        out.push(name);
    }
    out
}

/// A staging folder beside the output folder.
#[derive(Debug)]
pub struct Staging {
    output: PathBuf,
    dir: tempfile::TempDir,
    written: Mutex<BTreeSet<PathBuf>>,
}

impl Staging {
    /// Creates the staging folder next to `output` (same file system, so renames are
    /// atomic). Creates `output`'s parent if needed, never `output` itself.
    pub fn new(output: &Path) -> Result<Self, WriteError> {
        let output = std::path::absolute(output).map_err(io_error(output))?;
        let parent = output.parent().map(Path::to_path_buf).unwrap_or_else(|| PathBuf::from("."));
        fs::create_dir_all(&parent).map_err(io_error(&parent))?;
        let dir = tempfile::Builder::new()
            .prefix(".kaoping-staging-")
            .tempdir_in(&parent)
            .map_err(io_error(&parent))?;
        Ok(Self { output, dir, written: Mutex::new(BTreeSet::new()) })
    }

    pub fn output(&self) -> &Path {
        &self.output
    }

    /// Moves every staged file into the output folder and removes what the previous
    /// build wrote but this one did not. Returns the files now in place.
    pub fn commit(self) -> Result<Vec<PathBuf>, WriteError> {
        let written = self.written.into_inner().unwrap_or_else(|e| e.into_inner());
        fs::create_dir_all(&self.output).map_err(io_error(&self.output))?;
        for rel in &written {
            let from = self.dir.path().join(rel);
            let to = self.output.join(rel);
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(io_error(parent))?;
            }
            fs::rename(&from, &to).map_err(io_error(&to))?;
        }
        remove_stale(&self.output, &written)?;
        write_manifest(&self.output, &written)?;
        Ok(written.into_iter().collect())
    }
}

impl Sink for Staging {
    fn put(&self, file: OutputFile) -> io::Result<()> {
        if !file.path.components().all(|c| matches!(c, Component::Normal(_))) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("路径越界：{}", file.path.display()),
            ));
        }
        let path = self.dir.path().join(&file.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&path, &file.bytes)?;
        self.written.lock().unwrap_or_else(|e| e.into_inner()).insert(file.path);
        Ok(())
    }
}

fn read_manifest(output: &Path) -> BTreeSet<PathBuf> {
    fs::read_to_string(output.join(MANIFEST))
        .map(|text| text.lines().filter(|l| !l.is_empty()).map(PathBuf::from).collect())
        .unwrap_or_default()
}

fn remove_stale(output: &Path, written: &BTreeSet<PathBuf>) -> Result<(), WriteError> {
    for stale in read_manifest(output).difference(written) {
        // Only paths we could have written: never follow `..` out of the folder.
        if !stale.components().all(|c| matches!(c, Component::Normal(_))) {
            continue;
        }
        let path = output.join(stale);
        match fs::remove_file(&path) {
            Ok(()) => {
                // Drop a folder (考评报告/) the build emptied; keep it if anything else is there.
                if let Some(parent) = path.parent().filter(|p| *p != output) {
                    let _ = fs::remove_dir(parent);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(WriteError::Io { path, source: e }),
        }
    }
    Ok(())
}

fn write_manifest(output: &Path, written: &BTreeSet<PathBuf>) -> Result<(), WriteError> {
    let mut text = String::new();
    for path in written {
        text.push_str(&path.to_string_lossy());
        text.push('\n');
    }
    let path = output.join(MANIFEST);
    let mut tmp = tempfile::NamedTempFile::new_in(output).map_err(io_error(output))?;
    io::Write::write_all(&mut tmp, text.as_bytes()).map_err(io_error(&path))?;
    tmp.persist(&path).map_err(|e| WriteError::Io { path: path.clone(), source: e.error })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, bytes: &[u8]) -> OutputFile {
        OutputFile { path: PathBuf::from(path), bytes: bytes.to_vec() }
    }

    #[test]
    fn nothing_reaches_the_output_before_commit() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("output");
        let staging = Staging::new(&out).unwrap();
        staging.put(file("a.pdf", b"1")).unwrap();
        assert!(!out.exists());
        drop(staging);
        assert!(!out.exists());
        // The staging folder is gone too.
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 0);
    }

    #[test]
    fn commit_replaces_and_removes_stale_outputs_only() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("output");
        let staging = Staging::new(&out).unwrap();
        staging.put(file("a.pdf", b"1")).unwrap();
        staging.put(file("考评报告/01-甲.pdf", b"2")).unwrap();
        staging.commit().unwrap();
        fs::write(out.join("mine.txt"), b"user file").unwrap();

        let staging = Staging::new(&out).unwrap();
        staging.put(file("a.pdf", b"3")).unwrap();
        staging.commit().unwrap();
        assert_eq!(fs::read(out.join("a.pdf")).unwrap(), b"3");
        assert!(!out.join("考评报告").exists());
        assert_eq!(fs::read(out.join("mine.txt")).unwrap(), b"user file");
    }

    #[test]
    fn paths_cannot_escape_the_output() {
        let root = tempfile::tempdir().unwrap();
        let staging = Staging::new(&root.path().join("o")).unwrap();
        assert!(staging.put(file("../x.pdf", b"")).is_err());
    }

    #[test]
    fn output_inside_input_is_refused() {
        let root = tempfile::tempdir().unwrap();
        let input = root.path().join("input");
        fs::create_dir(&input).unwrap();
        assert!(check_output_location(&input.join("out"), std::slice::from_ref(&input)).is_err());
        assert!(check_output_location(&input, std::slice::from_ref(&input)).is_err());
        assert!(check_output_location(&root.path().join("output"), &[input]).is_ok());
    }
}
