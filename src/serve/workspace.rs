//! A workspace: a set of input workbooks and the last build made from them. The watched
//! workbooks are one, every upload is another; the page shows one workspace.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use kaoping::build::{BuildError, BuildOptions, Cache, build, read_inputs};
use kaoping::check::Collection;
use kaoping::finding::Findings;
use kaoping::render::engine::Engine;
use kaoping::write::{Description, MemorySink};
use tokio::sync::watch;

/// One output as the page offers it.
#[derive(Debug, Clone)]
pub struct Output {
    /// Relative path, `/`-separated (`考评报告/01-医学院.pdf`): the key of every URL.
    pub path: String,
    pub bytes: Bytes,
    /// For PDFs.
    pub pages: Option<usize>,
    pub preview: Option<Bytes>,
}

/// Where a workspace stands.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Bumped at every change; the page compares it to know it is stale.
    pub version: u64,
    pub building: bool,
    /// The input files, as shown to the user.
    pub workbooks: Vec<String>,
    /// When the last build (successful or not) finished, local time.
    pub checked_at: Option<String>,
    /// A failure that is not a finding: an unreadable file, a typst error.
    pub error: Option<String>,
    pub findings: Findings,
    pub collection: Option<Collection>,
    /// The outputs of the last successful build; kept when a later build fails, so the
    /// page, like the output folder, always offers one complete set.
    pub outputs: Vec<Output>,
    /// When `outputs` were made.
    pub built_at: Option<String>,
    /// Whether the last build failed while `outputs` come from an earlier one.
    pub outputs_stale: bool,
}

impl Snapshot {
    pub fn output(&self, path: &str) -> Option<&Output> {
        self.outputs.iter().find(|o| o.path == path)
    }
}

/// Inputs plus the last snapshot, with a channel that announces every new snapshot.
pub struct Workspace {
    pub inputs: Vec<PathBuf>,
    /// Shown instead of the folder the inputs live in (uploads sit in a temp folder the
    /// user never saw).
    hide_prefix: Option<PathBuf>,
    snapshot: Mutex<Arc<Snapshot>>,
    changed: watch::Sender<u64>,
    /// For workspaces built again and again (the watched workbooks): a save re-typesets
    /// only the documents it changed.
    cache: Option<Arc<Cache>>,
}

impl Workspace {
    /// A workspace built once (an upload).
    pub fn new(inputs: Vec<PathBuf>, hide_prefix: Option<PathBuf>) -> Self {
        Self {
            cache: None,
            inputs,
            hide_prefix,
            // A workspace is made to be built at once.
            snapshot: Mutex::new(Arc::new(Snapshot { building: true, ..Snapshot::default() })),
            changed: watch::Sender::new(0),
        }
    }

    /// A workspace rebuilt after every save, reusing unchanged documents.
    pub fn rebuilt_on_save(inputs: Vec<PathBuf>) -> Self {
        Self { cache: Some(Arc::new(Cache::new())), ..Self::new(inputs, None) }
    }

    pub fn snapshot(&self) -> Arc<Snapshot> {
        Arc::clone(&self.snapshot.lock().unwrap_or_else(|e| e.into_inner()))
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    /// How a path shows on the page: relative to the upload folder for uploads.
    pub fn display(&self, path: &Path) -> String {
        match self.hide_prefix.as_deref().and_then(|p| path.strip_prefix(p).ok()) {
            Some(rest) => rest.display().to_string(),
            None => path.display().to_string(),
        }
    }

    /// Hides the upload folder in a message that names files by their full path.
    pub fn display_message(&self, message: &str) -> String {
        match &self.hide_prefix {
            Some(prefix) => {
                let prefix = format!("{}{}", prefix.display(), std::path::MAIN_SEPARATOR);
                message.replace(&prefix, "")
            }
            None => message.to_string(),
        }
    }

    fn update(&self, change: impl FnOnce(&mut Snapshot)) {
        let mut guard = self.snapshot.lock().unwrap_or_else(|e| e.into_inner());
        let mut next = Snapshot::clone(&guard);
        change(&mut next);
        next.version += 1;
        let version = next.version;
        *guard = Arc::new(next);
        drop(guard);
        self.changed.send_replace(version);
    }

    /// Reads the inputs and builds everything in memory, then publishes the result.
    /// Blocking: typesetting takes a while; call it from a blocking thread.
    pub fn rebuild(&self, engine: &Engine, threads: usize) {
        self.update(|s| s.building = true);
        // A bug in a stage must not leave the page saying "building" for ever, nor take
        // the server down.
        let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.build_once(engine, threads)
        }))
        .unwrap_or_else(|_| Attempt {
            error: Some("内部错误：生成时程序出错，请把工作簿发给维护人员".to_string()),
            ..Attempt::default()
        });
        let now = chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string();
        self.update(move |s| {
            s.building = false;
            s.checked_at = Some(now.clone());
            s.workbooks = attempt.workbooks;
            s.error = attempt.error;
            s.findings = attempt.findings;
            s.collection = attempt.collection;
            match attempt.outputs {
                Some(outputs) => {
                    s.outputs = outputs;
                    s.built_at = Some(now);
                    s.outputs_stale = false;
                }
                None => s.outputs_stale = !s.outputs.is_empty(),
            }
        });
    }

    fn build_once(&self, engine: &Engine, threads: usize) -> Attempt {
        let books = match read_inputs(&self.inputs) {
            Ok(books) => books,
            Err(error) => {
                return Attempt {
                    workbooks: self.inputs.iter().map(|p| self.display(p)).collect(),
                    error: Some(self.display_message(&error.to_string())),
                    ..Attempt::default()
                };
            }
        };
        let workbooks = books.iter().map(|b| self.display(&b.path)).collect();
        let sink = MemorySink::new();
        let options = BuildOptions { emit_typst: false, threads, cache: self.cache.clone() };
        match build(&books, engine, &options, &sink, &|_| {}) {
            Ok(built) => Attempt {
                workbooks,
                error: None,
                findings: built.findings,
                collection: built.collection,
                outputs: Some(page_outputs(sink, &self.snapshot().outputs)),
            },
            Err(BuildError::Input { findings, collection }) => {
                Attempt { workbooks, findings, collection, ..Attempt::default() }
            }
            Err(error) => Attempt {
                workbooks,
                error: Some(self.display_message(&error.to_string())),
                ..Attempt::default()
            },
        }
    }
}

/// What one build of a workspace left, before it is published as a [`Snapshot`].
#[derive(Default)]
struct Attempt {
    workbooks: Vec<String>,
    error: Option<String>,
    findings: Findings,
    collection: Option<Collection>,
    /// `None` when the build failed.
    outputs: Option<Vec<Output>>,
}

/// A build's files, sorted for the page. A PDF reused from the build cache comes without
/// a description: it has the bytes of an earlier build's, so that build's page count and
/// picture still hold.
fn page_outputs(sink: MemorySink, earlier: &[Output]) -> Vec<Output> {
    let (mut files, descriptions) = sink.into_parts();
    let mut descriptions: HashMap<PathBuf, Description> =
        descriptions.into_iter().map(|d| (d.path.clone(), d)).collect();
    let earlier: HashMap<&str, &Output> = earlier.iter().map(|o| (o.path.as_str(), o)).collect();
    // The documents about the whole institution first, then the folder of reports.
    files.sort_by(|a, b| {
        let nested = |p: &Path| p.components().count() > 1;
        (nested(&a.path), &a.path).cmp(&(nested(&b.path), &b.path))
    });
    files
        .into_iter()
        .map(|file| {
            let path = url_key(&file.path);
            let (pages, preview) = match descriptions.remove(&file.path) {
                Some(description) => {
                    (Some(description.pages), description.preview.map(Bytes::from))
                }
                None => {
                    let same = earlier.get(path.as_str()).filter(|o| o.bytes == file.bytes);
                    (same.and_then(|o| o.pages), same.and_then(|o| o.preview.clone()))
                }
            };
            Output { path, bytes: Bytes::from(file.bytes), pages, preview }
        })
        .collect()
}

/// A relative path with `/` separators, whatever the platform.
fn url_key(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}
