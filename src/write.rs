//! Stage 5, write: outputs reach the output folder all together or not at all.
//!
//! A build writes every file into a staging folder beside the output folder while the
//! documents render (so memory stays flat however many there are), and only when every
//! document has succeeded moves them into place, each with an atomic rename. Until then
//! the output folder is untouched: a failed build leaves earlier outputs byte-identical
//! and a failed first build leaves no files at all. Files a previous build wrote that this
//! one no longer produces (a department renamed) are removed, using a manifest, so the
//! folder always shows one build; files the user put there are never touched.
//!
//! Placing the files is itself all or nothing: every file the build replaces or removes is
//! first moved aside into the staging folder, and only then are the new ones moved in. On
//! Windows a file held open by a PDF reader or Excel cannot be moved, so a locked output
//! stops the build while every old output is still where it was; any other failure part
//! way through moves the old files back.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Mutex;

use crate::render::{OutputFile, slash_path};

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
    #[error(
        "{path} 正被其他程序打开（如 PDF 阅读器、Excel 或 WPS），无法替换；请关闭它后重新生成。输出目录中原有的文件都没有改动"
    )]
    InUse { path: PathBuf },
    #[error("{failure}；另有原来的输出文件未能放回原处，保存在 {kept}")]
    NotRestored { failure: Box<WriteError>, kept: PathBuf },
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
    /// build wrote but this one did not. Returns the files now in place. On failure the
    /// output folder holds exactly what it held before.
    pub fn commit(self) -> Result<Vec<PathBuf>, WriteError> {
        self.commit_with(&|from, to| fs::rename(from, to))
    }

    /// [`Staging::commit`] with the rename it uses given, so tests can make one fail the
    /// way a file locked on Windows does.
    fn commit_with(self, rename: &Rename) -> Result<Vec<PathBuf>, WriteError> {
        let written = self.written.into_inner().unwrap_or_else(|e| e.into_inner());
        fs::create_dir_all(&self.output).map_err(io_error(&self.output))?;
        let stale: Vec<PathBuf> = read_manifest(&self.output)
            .difference(&written)
            .filter(|p| is_plain_relative(p))
            .cloned()
            .collect();
        let mut swap = Swap { rename, set_aside: Vec::new(), placed: Vec::new() };
        let aside = self.dir.path().join(".replaced");
        fs::create_dir(&aside).map_err(io_error(&aside))?;
        let placed = swap
            .set_aside_all(&self.output, written.iter().chain(&stale), &aside)
            .and_then(|()| swap.place_all(self.dir.path(), &self.output, &written));
        if let Err(failure) = placed {
            return Err(match swap.undo() {
                Ok(()) => failure,
                Err(()) => {
                    WriteError::NotRestored { failure: Box::new(failure), kept: self.dir.keep() }
                }
            });
        }
        remove_emptied_folders(&self.output, &stale);
        write_manifest(&self.output, &written)?;
        Ok(written.into_iter().collect())
    }
}

type Rename = dyn Fn(&Path, &Path) -> io::Result<()>;

/// The moves of one commit, remembered so a failure can undo them.
struct Swap<'a> {
    rename: &'a Rename,
    /// Old outputs moved into the staging folder: (where it was, where it is now).
    set_aside: Vec<(PathBuf, PathBuf)>,
    /// New files moved into the output folder.
    placed: Vec<PathBuf>,
}

impl Swap<'_> {
    /// Moves the files at `rels` in `output`, those that exist, into `aside`.
    fn set_aside_all<'p>(
        &mut self,
        output: &Path,
        rels: impl Iterator<Item = &'p PathBuf>,
        aside: &Path,
    ) -> Result<(), WriteError> {
        for rel in rels {
            let path = output.join(rel);
            match fs::symlink_metadata(&path) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(WriteError::Io { path, source: e }),
                Ok(meta) if meta.is_dir() => {
                    let source = io::Error::from(io::ErrorKind::IsADirectory);
                    return Err(WriteError::Io { path, source });
                }
                Ok(_) => {}
            }
            let to = aside.join(self.set_aside.len().to_string());
            (self.rename)(&path, &to).map_err(|source| replace_error(&path, source))?;
            self.set_aside.push((path, to));
        }
        Ok(())
    }

    /// Moves the staged files at `rels` from `staged` into `output`.
    fn place_all(
        &mut self,
        staged: &Path,
        output: &Path,
        rels: &BTreeSet<PathBuf>,
    ) -> Result<(), WriteError> {
        for rel in rels {
            let to = output.join(rel);
            if let Some(parent) = to.parent() {
                fs::create_dir_all(parent).map_err(io_error(parent))?;
            }
            (self.rename)(&staged.join(rel), &to).map_err(|source| replace_error(&to, source))?;
            self.placed.push(to);
        }
        Ok(())
    }

    /// Takes the new files out again and puts the old ones back, newest move first.
    /// `Err` when an old file could not be put back (it is still in the staging folder).
    fn undo(self) -> Result<(), ()> {
        for path in self.placed.iter().rev() {
            let _ = fs::remove_file(path);
        }
        let mut restored = true;
        for (home, now) in self.set_aside.iter().rev() {
            restored &= (self.rename)(now, home).is_ok();
        }
        if restored { Ok(()) } else { Err(()) }
    }
}

/// The error for a file that could not be moved: [`WriteError::InUse`] when another
/// program holds it open.
fn replace_error(path: &Path, source: io::Error) -> WriteError {
    if held_open(&source) {
        WriteError::InUse { path: path.to_path_buf() }
    } else {
        WriteError::Io { path: path.to_path_buf(), source }
    }
}

/// Whether an error means another program holds the file open: Windows refuses to move
/// such a file (ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION); other systems never do.
fn held_open(error: &io::Error) -> bool {
    const ERROR_SHARING_VIOLATION: i32 = 32;
    const ERROR_LOCK_VIOLATION: i32 = 33;
    cfg!(windows)
        && matches!(error.raw_os_error(), Some(ERROR_SHARING_VIOLATION | ERROR_LOCK_VIOLATION))
}

/// A path of plain names, as every output has: never `..` out of the folder.
fn is_plain_relative(path: &Path) -> bool {
    path.components().all(|c| matches!(c, Component::Normal(_)))
}

impl Sink for Staging {
    fn put(&self, file: OutputFile) -> io::Result<()> {
        if !is_plain_relative(&file.path) {
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

/// The files the last build wrote. Written with `/`; `\` is read as a separator too, so
/// a folder on a shared drive reads the same from Windows and Linux (output names never
/// contain either character).
fn read_manifest(output: &Path) -> BTreeSet<PathBuf> {
    fs::read_to_string(output.join(MANIFEST))
        .map(|text| {
            text.lines()
                .filter(|l| !l.is_empty())
                .map(|line| line.split(['/', '\\']).collect())
                .collect()
        })
        .unwrap_or_default()
}

/// Drops the folders (考评报告/) that removing stale files emptied; keeps any with
/// something else in it.
fn remove_emptied_folders(output: &Path, stale: &[PathBuf]) {
    for rel in stale {
        if let Some(parent) = output.join(rel).parent().filter(|p| *p != output) {
            let _ = fs::remove_dir(parent);
        }
    }
}

fn write_manifest(output: &Path, written: &BTreeSet<PathBuf>) -> Result<(), WriteError> {
    let mut text = String::new();
    for path in written {
        text.push_str(&slash_path(path));
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

    /// An output folder after one build: a.pdf, b.pdf and 考评报告/01-甲.pdf, all "old".
    fn built_once(out: &Path) {
        let staging = Staging::new(out).unwrap();
        for name in ["a.pdf", "b.pdf", "考评报告/01-甲.pdf"] {
            staging.put(file(name, b"old")).unwrap();
        }
        staging.commit().unwrap();
    }

    /// The next build: a.pdf and b.pdf replaced, c.pdf new, 考评报告/ no longer made.
    fn second_build(out: &Path) -> Staging {
        let staging = Staging::new(out).unwrap();
        for name in ["a.pdf", "b.pdf", "c.pdf"] {
            staging.put(file(name, b"new")).unwrap();
        }
        staging
    }

    /// Every file under `dir` with its bytes, by `/`-separated relative path.
    fn contents(dir: &Path) -> Vec<(String, Vec<u8>)> {
        let mut found = Vec::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(d) = pending.pop() {
            for entry in fs::read_dir(&d).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    let rel = slash_path(path.strip_prefix(dir).unwrap());
                    found.push((rel, fs::read(&path).unwrap()));
                }
            }
        }
        found.sort();
        found
    }

    /// A rename that fails for `locked` the way Windows refuses to move a file a PDF
    /// reader holds open.
    fn locking(locked: PathBuf) -> impl Fn(&Path, &Path) -> io::Result<()> {
        move |from, to| {
            if from == locked || to == locked {
                // ERROR_SHARING_VIOLATION on Windows; EACCES elsewhere.
                Err(io::Error::from_raw_os_error(if cfg!(windows) { 32 } else { 13 }))
            } else {
                fs::rename(from, to)
            }
        }
    }

    #[test]
    fn a_locked_output_fails_the_commit_and_keeps_every_old_output() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("output");
        built_once(&out);
        let before = contents(&out);

        let locked = std::path::absolute(out.join("b.pdf")).unwrap();
        let error = second_build(&out).commit_with(&locking(locked)).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("b.pdf"), "{message}");
        if cfg!(windows) {
            assert!(matches!(error, WriteError::InUse { .. }), "{error:?}");
            assert!(message.contains("正被其他程序打开"), "{message}");
        } else {
            assert!(matches!(error, WriteError::Io { .. }), "{error:?}");
        }
        assert_eq!(contents(&out), before);
        // The staging folder, and the old files set aside in it, are gone.
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failure_while_placing_new_files_puts_the_old_ones_back() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("output");
        built_once(&out);
        let before = contents(&out);

        // c.pdf is new: everything old is already set aside when placing it fails.
        let locked = std::path::absolute(out.join("c.pdf")).unwrap();
        assert!(second_build(&out).commit_with(&locking(locked)).is_err());
        assert_eq!(contents(&out), before);
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 1);
    }

    #[test]
    fn the_manifest_uses_forward_slashes_and_reads_backslashes() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("output");
        built_once(&out);
        let manifest = fs::read_to_string(out.join(MANIFEST)).unwrap();
        assert_eq!(manifest, "a.pdf\nb.pdf\n考评报告/01-甲.pdf\n");

        // As the other system would have written it.
        fs::write(out.join(MANIFEST), manifest.replace('/', "\\")).unwrap();
        second_build(&out).commit().unwrap();
        assert!(!out.join("考评报告").exists());
        let names: Vec<_> = contents(&out).into_iter().map(|(name, _)| name).collect();
        assert_eq!(names, [MANIFEST, "a.pdf", "b.pdf", "c.pdf"]);
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
