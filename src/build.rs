//! The one entry of the pipeline: workbooks in → findings and finished files out, handed to
//! a [`Sink`]. The CLI's `build`, `watch` and any later front end call [`build`]; none of
//! them repeats a stage.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::check::{Checked, check};
use crate::finding::Findings;
use crate::model::{DeptId, Plan};
use crate::render::cache::Session;
use crate::render::engine::{Engine, RenderError};
use crate::render::result_docs::{self, Head};
use crate::render::{
    DocKind, OutputFile, PdfDoc, RenderedPdf, TypstSource, glyphs, plan_doc, xlsx,
};
use crate::score::{Results, score};
use crate::workbook::Workbook;
use crate::write::{Description, Sink};

pub use crate::render::cache::{Cache, CacheOutcome};

/// What a build should do besides the documents.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Also hand the typst source of every document to the sink, under `typst/`.
    pub emit_typst: bool,
    /// Worker threads for rendering; 0 means one per core.
    pub threads: usize,
    /// Files of earlier builds to reuse where nothing they depend on changed: front ends
    /// that rebuild on every save keep one and pass it to each build. `None` makes every
    /// file afresh.
    pub cache: Option<Arc<Cache>>,
}

/// One rendering job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    Notice,
    Schedule,
    Report(DeptId),
    Summary,
    Workbook,
}

/// One file a build handed to the sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub job: Job,
    /// Relative to the output folder, as the sink got it.
    pub path: PathBuf,
    /// Whether it was made by this build or reused from [`BuildOptions::cache`].
    pub outcome: CacheOutcome,
}

/// How far a build's rendering has come, reported as each document finishes.
#[derive(Debug, Clone, Copy)]
pub struct BuildProgress {
    pub done: usize,
    pub total: usize,
}

/// Time spent per stage, for `--verbose` and the benchmark.
#[derive(Debug, Clone, Default)]
pub struct Timings {
    pub check: Duration,
    pub score: Duration,
    pub render: Duration,
}

/// A finished build.
#[derive(Debug)]
pub struct Built {
    pub findings: Findings,
    /// Files handed to the sink (documents; typst sources are not counted).
    pub files: usize,
    /// Warnings typst raised, with template lines.
    pub typst_warnings: Vec<String>,
    pub timings: Timings,
    /// Whether the score documents were made (there were indicators and scores).
    pub scored: bool,
    /// Scores in and missing per group and evaluator, as the check counted them.
    pub collection: Option<crate::check::Collection>,
    /// Every document (not typst sources), sorted by path.
    pub documents: Vec<Document>,
}

impl Built {
    /// The documents this build typeset (or wrote, for the workbook).
    pub fn made(&self) -> impl Iterator<Item = &Document> {
        self.documents.iter().filter(|d| d.outcome == CacheOutcome::Made)
    }

    /// The documents taken unchanged from the cache.
    pub fn reused(&self) -> impl Iterator<Item = &Document> {
        self.documents.iter().filter(|d| d.outcome == CacheOutcome::Reused)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The input has errors; `findings` lists them all. `collection` is the check's count
    /// of scores in and missing, which needs only the sheets that define it, so a front end
    /// can show it even when another sheet has an error.
    #[error("输入有 {} 个错误，未生成任何文件", findings.count(crate::finding::Severity::Error))]
    Input { findings: Findings, collection: Option<crate::check::Collection> },
    #[error(transparent)]
    Render(#[from] RenderError),
    #[error("{0}")]
    Xlsx(String),
    #[error("写入输出失败：{0}")]
    Sink(#[from] std::io::Error),
}

/// Checks, scores and renders everything, handing each finished file to `sink` as soon as
/// it is ready. On any error the sink may hold some files; callers that write to disk use
/// a staging sink and commit only on `Ok`.
pub fn build(
    books: &[Workbook],
    engine: &Engine,
    options: &BuildOptions,
    sink: &dyn Sink,
    progress: &(dyn Fn(BuildProgress) + Sync),
) -> Result<Built, BuildError> {
    let mut timings = Timings::default();
    let started = Instant::now();
    let Checked { plan, mut findings, collection } = check(books);
    let Some(plan) = plan else { return Err(BuildError::Input { findings, collection }) };
    findings.extend(glyphs::check_plan(&plan, engine.fonts(), books));
    if findings.has_errors() {
        return Err(BuildError::Input { findings, collection });
    }
    timings.check = started.elapsed();

    let started = Instant::now();
    let results = (!plan.indicators.is_empty() && !plan.scores.is_empty()).then(|| score(&plan));
    timings.score = started.elapsed();

    let started = Instant::now();
    let jobs = render_queues(&plan, results.is_some());
    let session = options.cache.as_deref().map(Cache::session);
    let run = Run {
        engine,
        plan: &plan,
        results: results.as_ref(),
        findings: &findings,
        options,
        sink,
        session: session.as_ref(),
    };
    let (typst_warnings, documents) = run.all(&jobs, progress)?;
    // Only a build that succeeded decides what the cache keeps: after an input error or a
    // failed document, the next build can still reuse everything before it.
    if let Some(session) = session {
        session.finish();
    }
    timings.render = started.elapsed();

    Ok(Built {
        findings,
        files: jobs.len(),
        typst_warnings,
        timings,
        scored: results.is_some(),
        collection,
        documents,
    })
}

/// The documents of a plan, in two queues.
///
/// The documents that list every department (summary, workbook, schedule, notice) each
/// take memory in proportion to the department count, so only one of them renders at a
/// time: worker 0 takes them one after the other while the others render reports. Peak
/// memory is then one such document plus the reports in flight, instead of all four at
/// once (measured at 3,000 departments: 722 MiB with all four in parallel, 478 MiB one at
/// a time). When they start is up to [`Queue`].
pub fn render_queues(plan: &Plan, scored: bool) -> RenderQueues {
    let mut jobs = RenderQueues::default();
    if scored {
        jobs.whole.extend([Job::Summary, Job::Workbook]);
        jobs.reports.extend(plan.dept_ids().map(Job::Report));
    }
    jobs.whole.extend([Job::Schedule, Job::Notice]);
    jobs
}

/// The rendering work of one build in its two queues: see [`render_queues`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderQueues {
    /// Documents about the whole institution, rendered one at a time.
    pub whole: Vec<Job>,
    /// One report per department, rendered by every worker.
    pub reports: Vec<Job>,
}

impl RenderQueues {
    pub fn len(&self) -> usize {
        self.whole.len() + self.reports.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The whole-institution documents together cost about this many reports, plus one
/// report per [`WHOLE_REPORTS_PER_DEPT`] departments (measured: 125 ms for the sample's
/// four, 0.9 ms more per department, against 9 ms per report).
const WHOLE_FIXED_REPORTS: usize = 14;
const WHOLE_REPORTS_PER_DEPT: usize = 10;

/// Hands out jobs to workers.
///
/// Worker 0 renders reports until the reports left would keep the other workers busy
/// for about as long as the whole-institution documents take it, then renders those,
/// then helps finish. Starting them earlier would leave the bulk of the reports to run
/// after them, and typst's cache tables, which grow with those documents and never
/// shrink, would make every later eviction slower (measured at 3,000 departments: 16.9 s
/// → 18.8 s); starting them last would leave one worker busy at the end while the
/// others idle.
struct Queue<'a> {
    jobs: &'a RenderQueues,
    next_whole: AtomicUsize,
    next_report: AtomicUsize,
    /// Reports left when worker 0 turns to the whole-institution documents.
    whole_from: usize,
}

impl<'a> Queue<'a> {
    fn new(jobs: &'a RenderQueues, workers: usize) -> Self {
        let whole_cost = WHOLE_FIXED_REPORTS + jobs.reports.len() / WHOLE_REPORTS_PER_DEPT;
        Self {
            jobs,
            next_whole: AtomicUsize::new(0),
            next_report: AtomicUsize::new(0),
            whole_from: whole_cost * workers.saturating_sub(1),
        }
    }

    /// The next job for `worker`, or `None` when it has nothing left to do.
    fn next(&self, worker: usize) -> Option<Job> {
        let take = |list: &[Job], next: &AtomicUsize| {
            list.get(next.fetch_add(1, Ordering::Relaxed)).copied()
        };
        // Without reports (no scores yet) there is nothing to balance against.
        let may_take_whole = worker == 0 || self.jobs.reports.is_empty();
        let reports_left =
            self.jobs.reports.len().saturating_sub(self.next_report.load(Ordering::Relaxed));
        if may_take_whole
            && reports_left <= self.whole_from
            && let Some(job) = take(&self.jobs.whole, &self.next_whole)
        {
            return Some(job);
        }
        take(&self.jobs.reports, &self.next_report).or_else(|| {
            if may_take_whole { take(&self.jobs.whole, &self.next_whole) } else { None }
        })
    }
}

struct Run<'a> {
    engine: &'a Engine,
    plan: &'a Plan,
    results: Option<&'a Results>,
    findings: &'a Findings,
    options: &'a BuildOptions,
    sink: &'a dyn Sink,
    session: Option<&'a Session<'a>>,
}

/// What one job left besides its file.
struct Done {
    warnings: Vec<String>,
    document: Option<Document>,
}

impl Run<'_> {
    /// Renders the jobs on plain threads. typst-pdf uses rayon inside; running our own
    /// loop on rayon's pool as well starves it (typst-embedding note, pitfall 10).
    fn all(
        &self,
        jobs: &RenderQueues,
        progress: &(dyn Fn(BuildProgress) + Sync),
    ) -> Result<(Vec<String>, Vec<Document>), BuildError> {
        let threads = match self.options.threads {
            0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        }
        .min(jobs.len().max(1));
        let head = Head::new(self.plan);
        let queue = Queue::new(jobs, threads);
        let done = AtomicUsize::new(0);
        let failed = AtomicBool::new(false);
        let first_error = Mutex::new(None);
        let warnings = Mutex::new(Vec::new());
        let documents = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for worker in 0..threads {
                let (queue, done, failed, first_error, warnings, documents, head) =
                    (&queue, &done, &failed, &first_error, &warnings, &documents, &head);
                scope.spawn(move || {
                    while !failed.load(Ordering::Relaxed) {
                        let Some(job) = queue.next(worker) else { break };
                        let result = self.one(job, head);
                        // The workbook is not typeset; the other whole-institution
                        // documents leave a cache as large as they are, unless reused.
                        let reused = matches!(&result, Ok(Done { document: Some(d), .. })
                            if d.outcome == CacheOutcome::Reused);
                        if !reused && matches!(job, Job::Summary | Job::Schedule | Job::Notice) {
                            self.engine.forget_cached_layouts();
                        }
                        match result {
                            Ok(Done { warnings: mut w, document }) => {
                                warnings.lock().unwrap_or_else(|e| e.into_inner()).append(&mut w);
                                if let Some(document) = document {
                                    documents
                                        .lock()
                                        .unwrap_or_else(|e| e.into_inner())
                                        .push(document);
                                }
                                let done = done.fetch_add(1, Ordering::Relaxed) + 1;
                                progress(BuildProgress { done, total: jobs.len() });
                            }
                            Err(error) => {
                                failed.store(true, Ordering::Relaxed);
                                first_error
                                    .lock()
                                    .unwrap_or_else(|e| e.into_inner())
                                    .get_or_insert(error);
                            }
                        }
                    }
                });
            }
        });
        if let Some(error) = first_error.into_inner().unwrap_or_else(|e| e.into_inner()) {
            return Err(error);
        }
        let mut warnings = warnings.into_inner().unwrap_or_else(|e| e.into_inner());
        warnings.sort();
        warnings.dedup();
        let mut documents = documents.into_inner().unwrap_or_else(|e| e.into_inner());
        documents.sort_by(|a, b| a.path.cmp(&b.path));
        Ok((warnings, documents))
    }

    fn one(&self, job: Job, head: &Head) -> Result<Done, BuildError> {
        let (plan, engine) = (self.plan, self.engine);
        let doc = match (job, self.results) {
            (Job::Notice, _) => plan_doc(engine, plan, DocKind::Notice)?,
            (Job::Schedule, _) => plan_doc(engine, plan, DocKind::Schedule)?,
            (Job::Report(dept), Some(results)) => {
                result_docs::report_doc(engine, plan, head, results, dept)?
            }
            (Job::Summary, Some(results)) => result_docs::summary_doc(engine, plan, head, results)?,
            (Job::Workbook, Some(results)) => return self.workbook(results),
            (_, None) => return Ok(Done { warnings: Vec::new(), document: None }),
        };
        let (rendered, outcome) = self.typeset(doc)?;
        let document = Document { job, path: rendered.file.path.clone(), outcome };
        let warnings = self.deliver(rendered)?;
        Ok(Done { warnings, document: Some(document) })
    }

    fn typeset(&self, doc: PdfDoc) -> Result<(RenderedPdf, CacheOutcome), RenderError> {
        match self.session {
            Some(session) => session.pdf(self.engine, doc),
            None => Ok((doc.compile(self.engine)?, CacheOutcome::Made)),
        }
    }

    fn workbook(&self, results: &Results) -> Result<Done, BuildError> {
        let findings: Vec<_> = self.findings.iter().cloned().collect();
        let make = || {
            xlsx::summary_workbook(self.plan, results, &findings)
                .map_err(|e| BuildError::Xlsx(format!("生成汇总工作簿失败：{e}")))
        };
        let (bytes, outcome) = match self.session {
            Some(session) => session.workbook(self.plan, &findings, make)?,
            None => (make()?, CacheOutcome::Made),
        };
        let path = result_docs::workbook_path(self.plan);
        self.sink.put(OutputFile { path: path.clone(), bytes })?;
        Ok(Done {
            warnings: Vec::new(),
            document: Some(Document { job: Job::Workbook, path, outcome }),
        })
    }

    fn deliver(&self, rendered: RenderedPdf) -> Result<Vec<String>, BuildError> {
        let RenderedPdf { file, source, warnings, pages, preview } = rendered;
        let path = file.path.clone();
        self.sink.put(file)?;
        // A PDF reused from the cache was not laid out: nothing to describe.
        if let Some(pages) = pages {
            self.sink.describe(Description { path, pages, preview });
        }
        if self.options.emit_typst {
            self.sink.put(typst_file(source))?;
        }
        Ok(warnings)
    }
}

/// Typst sources travel through the sink under this folder; the CLI moves them to the
/// `--emit-typst` folder.
pub const TYPST_DIR: &str = "typst";

fn typst_file(source: TypstSource) -> OutputFile {
    let mut path = PathBuf::from(TYPST_DIR).join(source.path);
    path.set_extension("typ");
    OutputFile { path, bytes: source.text.into_bytes() }
}

/// Reads every workbook the command line names (files and folders), in a stable order.
///
/// # Errors
/// The first file that cannot be read at all (not a workbook, damaged, encrypted…).
pub fn read_inputs(paths: &[PathBuf]) -> Result<Vec<Workbook>, crate::workbook::ReadError> {
    crate::workbook::collect_inputs(paths)?.iter().map(|p| crate::workbook::open(p)).collect()
}

/// The folders given as inputs, which the output folder must stay out of: every workbook
/// in them is read, so outputs written there would be read back by the next build. A
/// workbook *file* reads nothing else from its folder, so an output folder beside it is
/// fine, however the path is spelled.
pub fn input_dirs(paths: &[PathBuf]) -> Vec<PathBuf> {
    paths.iter().filter(|p| p.is_dir()).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jobs_with(reports: usize) -> RenderQueues {
        RenderQueues {
            whole: vec![Job::Summary, Job::Workbook, Job::Schedule, Job::Notice],
            reports: (0..reports).map(|d| Job::Report(DeptId(d))).collect(),
        }
    }

    #[test]
    fn only_worker_zero_takes_whole_institution_documents_while_there_are_reports() {
        let jobs = jobs_with(100);
        let queue = Queue::new(&jobs, 2);
        let mut seen = Vec::new();
        while let Some(job) = queue.next(1) {
            assert!(matches!(job, Job::Report(_)), "{job:?}");
            seen.push(job);
        }
        while let Some(job) = queue.next(0) {
            seen.push(job);
        }
        seen.sort_by_key(|j| format!("{j:?}"));
        let mut all = [jobs.whole.clone(), jobs.reports.clone()].concat();
        all.sort_by_key(|j| format!("{j:?}"));
        assert_eq!(seen, all, "every job once");
    }

    #[test]
    fn worker_zero_turns_to_whole_institution_documents_near_the_end() {
        let jobs = jobs_with(100);
        let queue = Queue::new(&jobs, 2);
        let first_whole = std::iter::from_fn(|| queue.next(0))
            .position(|job| !matches!(job, Job::Report(_)))
            .unwrap();
        // 14 + 100 / 10 reports' worth of work left for the other worker.
        assert_eq!(first_whole, 100 - 24);
    }

    #[test]
    fn a_single_worker_renders_the_reports_first() {
        let jobs = jobs_with(5);
        let queue = Queue::new(&jobs, 1);
        let order: Vec<_> = std::iter::from_fn(|| queue.next(0)).collect();
        assert_eq!(order, [jobs.reports.clone(), jobs.whole.clone()].concat());
    }

    #[test]
    fn without_reports_every_worker_takes_documents() {
        let jobs = jobs_with(0);
        let queue = Queue::new(&jobs, 2);
        assert_eq!(queue.next(1), Some(Job::Summary));
        assert_eq!(queue.next(0), Some(Job::Workbook));
    }
}
