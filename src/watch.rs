//! Rebuild on save: the one watch loop of every front end that follows the input files
//! (`kaoping watch` writes an output folder after each round, `kaoping serve` refreshes
//! its page). Like mdBook's `rebuild_on_change(…, post_build)`, the loop owns the
//! watching, the burst handling and the template reload; each front end passes a closure
//! that builds and shows the result its own way.
//!
//! The reload policy lives here so it is the same everywhere: when saved templates fail
//! to load, the front end is told the error and nothing is rebuilt — the last good engine
//! stays in use and the last good outputs stay where they are, until the next save.
//!
//! The event filter is separate from the watcher ([`is_relevant`]), as zola keeps its in
//! `fs_utils`, so it can be tested against a table of the file names editors, Excel and
//! our own writes produce.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use notify::{EventKind, RecursiveMode, Watcher};

use crate::render::engine::{Engine, RenderError};

/// Excel and WPS save through temporary files and renames; wait for the burst to end.
/// Their bursts last a few tens of milliseconds; the page must update within a second
/// of a save, of which the rebuild of the sample takes most.
const QUIET_PERIOD: Duration = Duration::from_millis(250);

/// A stream of saves (thirty phones on a scoring day, each saving every few seconds) must
/// not keep the machine typesetting without pause: after a round, the next one waits
/// until as much time again has passed as the round took, at most this long, and takes
/// every save made meanwhile into one build. A save after a quiet spell is built at once.
const MAX_REST: Duration = Duration::from_secs(5);

/// How long the loop rests after a round that took `round`.
fn rest_after(round: Duration) -> Duration {
    round.min(MAX_REST)
}

/// Why the files cannot be watched.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("无法监视文件变化：{0}")]
    Start(notify::Error),
    #[error("无法监视 {}：{source}", path.display())]
    Path { path: PathBuf, source: notify::Error },
}

/// Saves of workbooks and templates, one per burst of file events.
pub struct Changes {
    /// Kept alive: dropping it ends the watch.
    _watcher: notify::RecommendedWatcher,
    events: mpsc::Receiver<notify::Result<notify::Event>>,
    templates: Option<PathBuf>,
    output: Option<PathBuf>,
    /// When the last change was handed out: the round built for it has run since.
    handed_out: Option<Instant>,
}

/// One burst of saves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Change {
    /// A template changed: the engine must reload them.
    pub templates: bool,
}

impl Changes {
    /// Watches `paths` (files or folders); saves below `templates` ask for a reload, and
    /// anything below `output` is ignored (our own writes).
    pub fn new(
        paths: &[PathBuf],
        templates: Option<PathBuf>,
        output: Option<&Path>,
    ) -> Result<Self, WatchError> {
        let (tx, events) = mpsc::channel();
        let mut watcher = notify::recommended_watcher(tx).map_err(WatchError::Start)?;
        for path in paths {
            // Watch a file's folder: editors replace the file, which ends a watch on the file.
            let target = if path.is_dir() { path.clone() } else { parent(path) };
            watcher
                .watch(&target, RecursiveMode::NonRecursive)
                .map_err(|source| WatchError::Path { path: target.clone(), source })?;
        }
        let output = output.map(|o| std::path::absolute(o).unwrap_or_else(|_| o.to_path_buf()));
        let templates =
            templates.map(|t| std::path::absolute(&t).unwrap_or_else(|_| t.to_path_buf()));
        Ok(Self { _watcher: watcher, events, templates, output, handed_out: None })
    }
}

impl Iterator for Changes {
    type Item = Change;

    /// Blocks until a relevant file was saved and the burst of events is over; `None`
    /// when the watcher has stopped.
    fn next(&mut self) -> Option<Change> {
        let rested = self.handed_out.take().map(|at| Instant::now() + rest_after(at.elapsed()));
        loop {
            let mut change = Burst::default();
            change.add(self.events.recv().ok()?, self);
            let quiet = Instant::now() + QUIET_PERIOD;
            let deadline = rested.map_or(quiet, |rested| rested.max(quiet));
            while let Ok(event) =
                self.events.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                change.add(event, self);
            }
            if change.relevant {
                self.handed_out = Some(Instant::now());
                return Some(Change { templates: change.templates });
            }
        }
    }
}

/// What a burst of events amounts to so far.
#[derive(Default)]
struct Burst {
    relevant: bool,
    templates: bool,
}

impl Burst {
    fn add(&mut self, event: notify::Result<notify::Event>, changes: &Changes) {
        let Ok(event) = event else { return };
        if matches!(event.kind, EventKind::Access(_)) {
            return;
        }
        for path in &event.paths {
            self.relevant |= is_relevant(path, changes.output.as_deref());
            self.templates |= changes.templates.as_deref().is_some_and(|t| path.starts_with(t));
        }
    }
}

/// A saved workbook, template, picture or font configuration; not an editor's temporary
/// file, an Excel lock file (`~$…`), a hidden file, or our own output.
pub fn is_relevant(path: &Path, output: Option<&Path>) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let temporary = name.starts_with("~$")
        || name.starts_with('.')
        || name.ends_with('~')
        || name.ends_with(".tmp");
    let ours = output.is_some_and(|o| path.starts_with(o)) || name.starts_with(".kaoping");
    let kind =
        Path::new(name).extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    !temporary && !ours && matches!(kind.as_str(), "xlsx" | "typ" | "j2" | "png" | "jpg" | "toml")
}

/// One round of [`rebuild_on_change`], as the front end's closure sees it.
pub enum Round<'a> {
    /// Build with this engine: the first round, and every save after which the templates
    /// (if they changed) loaded.
    Build(&'a Arc<Engine>),
    /// Saved templates failed to load. Nothing is rebuilt: the previous engine stays in
    /// use, and the previous outputs stay valid, until the next save.
    TemplatesFailed(RenderError),
}

/// Builds once, then once per change, until `changes` ends or `post_build` breaks.
/// `templates` is the folder the engine was loaded from; a change there reloads it.
pub fn rebuild_on_change(
    engine: Arc<Engine>,
    templates: Option<&Path>,
    changes: impl IntoIterator<Item = Change>,
    mut post_build: impl FnMut(Round<'_>) -> ControlFlow<()>,
) {
    let mut engine = engine;
    if post_build(Round::Build(&engine)).is_break() {
        return;
    }
    for change in changes {
        let round = if change.templates {
            match engine.reload_templates(templates) {
                Ok(reloaded) => {
                    engine = Arc::new(reloaded);
                    Round::Build(&engine)
                }
                Err(error) => Round::TemplatesFailed(error),
            }
        } else {
            Round::Build(&engine)
        };
        if post_build(round).is_break() {
            return;
        }
    }
}

fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rest_after_a_round_is_as_long_as_the_round_up_to_a_limit() {
        assert_eq!(rest_after(Duration::from_millis(400)), Duration::from_millis(400));
        assert_eq!(rest_after(Duration::from_secs(2)), Duration::from_secs(2));
        assert_eq!(rest_after(Duration::from_secs(60)), MAX_REST);
    }

    #[test]
    fn saves_of_inputs_count_and_temporary_files_do_not() {
        let output = Path::new("/work/output");
        let table: &[(&str, bool)] = &[
            // What the user edits.
            ("/work/input/2021年度.xlsx", true),
            ("/work/input/2021年度.XLSX", true),
            ("/work/templates/notice.typ.j2", true),
            ("/work/templates/lib/gongwen.typ", true),
            ("/work/templates/红头.png", true),
            ("/work/templates/印章.jpg", true),
            ("/work/fonts.toml", true),
            // Excel's and WPS's lock files and temporary saves.
            ("/work/input/~$2021年度.xlsx", false),
            ("/work/input/.~2021年度.xlsx", false),
            ("/work/input/8A1B2C3D.tmp", false),
            ("/work/input/2021年度.xlsx.tmp", false),
            // vim, emacs and gedit backups and swap files.
            ("/work/templates/notice.typ.j2~", false),
            ("/work/templates/.notice.typ.j2.swp", false),
            ("/work/templates/.#notice.typ.j2", false),
            // Our own writes: the output folder, staging files and the manifest.
            ("/work/output/考评报告/01-医学院.pdf", false),
            ("/work/output/汇总.xlsx", false),
            ("/work/input/.kaoping-AbC123", false),
            ("/work/.kaoping-manifest", false),
            // Files nobody builds from.
            ("/work/input/说明.docx", false),
            ("/work/input/2021年度.xls", false),
            ("/work/input", false),
        ];
        for (path, expected) in table {
            assert_eq!(is_relevant(Path::new(path), Some(output)), *expected, "{path}");
        }
    }

    #[test]
    fn without_an_output_folder_only_names_decide() {
        assert!(is_relevant(Path::new("/work/output/汇总.xlsx"), None));
        assert!(!is_relevant(Path::new("/work/output/~$汇总.xlsx"), None));
    }
}
