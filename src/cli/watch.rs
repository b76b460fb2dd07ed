//! `kaoping watch`: rebuild whenever a workbook or a template is saved. It only loops; each
//! round is the same build as `kaoping build`, with the fonts kept loaded and the documents
//! that did not change taken from the previous round.

use std::path::{Path, PathBuf};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use kaoping::build::Cache;
use kaoping::render::engine::Engine;
use notify::{EventKind, RecursiveMode, Watcher};

use super::Status;
use super::args::BuildArgs;
use super::build::{engine_options, run_with};
use super::report::print_error;

/// Excel and WPS save through temporary files and renames; wait for the burst to end.
/// Their bursts last a few tens of milliseconds; the page must update within a second
/// of a save, of which the rebuild of the sample takes most.
const QUIET_PERIOD: Duration = Duration::from_millis(250);

pub fn run(args: &BuildArgs) -> Status {
    let options = engine_options(&args.engine);
    let mut engine = match Engine::new(&options) {
        Ok(engine) => engine,
        Err(error) => {
            print_error(error);
            return Status::Failed;
        }
    };
    let mut watched: Vec<PathBuf> = args.input.paths();
    watched.extend(options.templates.clone());
    let changes = match Changes::new(&watched, options.templates.clone(), Some(&args.output)) {
        Ok(changes) => changes,
        Err(error) => {
            print_error(error);
            return Status::Failed;
        }
    };
    eprintln!("正在监视 {}；保存后自动重新生成，按 Ctrl+C 退出。", list(&watched));
    // One cache for the whole session: a reloaded template or a changed score makes only
    // the documents that depend on it be typeset again.
    let cache = Arc::new(Cache::new());
    rebuild(args, &engine, &cache);

    while let Some(change) = changes.next() {
        if change.templates {
            match engine.reload_templates(options.templates.as_deref()) {
                Ok(reloaded) => engine = reloaded,
                Err(error) => {
                    print_error(error);
                    continue;
                }
            }
        }
        rebuild(args, &engine, &cache);
    }
    Status::Ok
}

/// Saves of workbooks and templates, one per burst of file events: what `watch` and
/// `serve` react to.
pub struct Changes {
    /// Kept alive: dropping it ends the watch.
    _watcher: notify::RecommendedWatcher,
    events: mpsc::Receiver<notify::Result<notify::Event>>,
    templates: Option<PathBuf>,
    output: Option<PathBuf>,
}

/// One burst of saves.
#[derive(Debug, Clone, Copy)]
pub struct Change {
    /// A template changed: the engine must reload them.
    pub templates: bool,
}

impl Changes {
    /// Watches `paths` (files or folders); `output` is ignored (our own writes).
    pub fn new(
        paths: &[PathBuf],
        templates: Option<PathBuf>,
        output: Option<&Path>,
    ) -> Result<Self, String> {
        let (tx, events) = mpsc::channel();
        let mut watcher = notify::recommended_watcher(tx)
            .map_err(|error| format!("无法监视文件变化：{error}"))?;
        for path in paths {
            // Watch a file's folder: editors replace the file, which ends a watch on the file.
            let target = if path.is_dir() { path.clone() } else { parent(path) };
            watcher
                .watch(&target, RecursiveMode::NonRecursive)
                .map_err(|error| format!("无法监视 {}：{error}", target.display()))?;
        }
        let output = output.map(|o| std::path::absolute(o).unwrap_or_else(|_| o.to_path_buf()));
        Ok(Self { _watcher: watcher, events, templates, output })
    }

    /// Blocks until a relevant file was saved and the burst of events is over; `None`
    /// when the watcher has stopped.
    pub fn next(&self) -> Option<Change> {
        loop {
            let first = self.events.recv().ok()?;
            let mut relevant = self.is_relevant(&first);
            let mut templates = self.touches_templates(&first);
            let deadline = Instant::now() + QUIET_PERIOD;
            while let Ok(event) =
                self.events.recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                relevant |= self.is_relevant(&event);
                templates |= self.touches_templates(&event);
            }
            if relevant {
                return Some(Change { templates });
            }
        }
    }

    fn is_relevant(&self, event: &notify::Result<notify::Event>) -> bool {
        is_relevant(event, self.output.as_deref())
    }

    fn touches_templates(&self, event: &notify::Result<notify::Event>) -> bool {
        touches_templates(event, self.templates.as_deref())
    }
}

fn rebuild(args: &BuildArgs, engine: &Engine, cache: &Arc<Cache>) {
    eprintln!("[{}] 重新生成……", chrono::Local::now().format("%H:%M:%S"));
    let _ = run_with(args, engine, Some(cache));
}

fn parent(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn list(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join("、")
}

/// A saved workbook or template, not a lock file, a temporary file or our own output.
fn is_relevant(event: &notify::Result<notify::Event>, output: Option<&Path>) -> bool {
    let Ok(event) = event else { return false };
    if matches!(event.kind, EventKind::Access(_)) {
        return false;
    }
    event.paths.iter().any(|path| {
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let temporary = name.starts_with("~$")
            || name.starts_with('.')
            || name.ends_with('~')
            || name.ends_with(".tmp");
        let ours = output.is_some_and(|o| path.starts_with(o)) || name.starts_with(".kaoping");
        let kind =
            Path::new(name).extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
        !temporary
            && !ours
            && matches!(kind.as_str(), "xlsx" | "typ" | "j2" | "png" | "jpg" | "toml")
    })
}

fn touches_templates(event: &notify::Result<notify::Event>, templates: Option<&Path>) -> bool {
    let (Ok(event), Some(dir)) = (event, templates) else { return false };
    let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
    event.paths.iter().any(|p| p.starts_with(&dir))
}
