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
const QUIET_PERIOD: Duration = Duration::from_millis(400);

pub fn run(args: &BuildArgs) -> Status {
    let options = engine_options(&args.engine);
    let mut engine = match Engine::new(&options) {
        Ok(engine) => engine,
        Err(error) => {
            print_error(error);
            return Status::Failed;
        }
    };
    let (tx, rx) = mpsc::channel();
    let mut watcher = match notify::recommended_watcher(tx) {
        Ok(w) => w,
        Err(error) => {
            print_error(format!("无法监视文件变化：{error}"));
            return Status::Failed;
        }
    };
    let mut watched: Vec<PathBuf> = args.input.paths();
    watched.extend(options.templates.clone());
    for path in &watched {
        // Watch a file's folder: editors replace the file, which ends a watch on the file.
        let target = if path.is_dir() { path.clone() } else { parent(path) };
        if let Err(error) = watcher.watch(&target, RecursiveMode::NonRecursive) {
            print_error(format!("无法监视 {}：{error}", target.display()));
            return Status::Failed;
        }
    }
    eprintln!("正在监视 {}；保存后自动重新生成，按 Ctrl+C 退出。", list(&watched));
    // One cache for the whole session: a reloaded template or a changed score makes only
    // the documents that depend on it be typeset again.
    let cache = Arc::new(Cache::new());
    rebuild(args, &engine, &cache);

    loop {
        let Ok(first) = rx.recv() else { return Status::Ok };
        let mut relevant = is_relevant(&first, &args.output);
        let mut templates_changed = touches_templates(&first, options.templates.as_deref());
        let deadline = Instant::now() + QUIET_PERIOD;
        while let Ok(event) = rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            relevant |= is_relevant(&event, &args.output);
            templates_changed |= touches_templates(&event, options.templates.as_deref());
        }
        if !relevant {
            continue;
        }
        if templates_changed {
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
fn is_relevant(event: &notify::Result<notify::Event>, output: &Path) -> bool {
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
        let ours = path.starts_with(output) || name.starts_with(".kaoping");
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
