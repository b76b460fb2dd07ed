//! The build benchmark: synthetic workbooks of several sizes, each built in a fresh child
//! process so that cold start and peak memory are real.
//!
//! ```text
//! cargo bench --bench build                   # 30, 300, 1000 and 3000 departments, 2 runs each
//! cargo bench --bench build -- 30 300         # other sizes
//! cargo bench --bench build -- --runs 3 1000  # more runs per size (the best one is shown)
//! cargo bench --bench build -- --no-cli 30    # skip the `kaoping` CLI cross-check
//! cargo bench --bench build -- --no-edit 30   # skip the one-score-edit rebuilds
//! cargo bench --bench build -- --runs 50 --ofd # only the OFD overhead (for a profiler)
//! cargo test --bench build                    # a quick smoke run: 30 departments, once
//! ```
//!
//! Every measured build runs this binary again with a hidden flag (`--child IN OUT`): the
//! child reads the workbook, loads the engine (bundled fonts, built-in templates), runs
//! [`kaoping::build::build`] into a [`Staging`] folder, commits it, and prints its stage
//! times, its CPU time and its peak RSS (`VmHWM` from `/proc/self/status`). The parent
//! measures the wall time around the whole process. The `kaoping` binary itself
//! (`kaoping build IN -o OUT --no-system-fonts -q`) is timed as a cross-check, under
//! `/usr/bin/time` for its peak RSS when that is installed.
//!
//! The one-score edit: another child (`--child-edit IN EDITED OUT`) builds the workbook
//! with a [`Cache`], as `watch` and the web page keep one, then saves an edited copy over
//! it (one score lowered) and builds again with the same engine and cache, then once more
//! without the cache: the first build, the edit's incremental rebuild and a rebuild that
//! typesets everything, each timed from reading the workbook to the committed output.
//! The sample's edit uses the 2021 reference workbook that `input/` holds.
//!
//! When a `typst` executable is on `PATH`, every input is also emitted with `--emit-typst`
//! and compiled by the typst CLI, one process per document: the baseline the issue asks
//! to beat tenfold. Every whole-institution document is compiled, and at most
//! [`CLI_REPORTS`] reports spread evenly over the rest; the reports' total is extrapolated
//! from their mean, and the figure compared with kaoping's whole process.
//!
//! Timings on a shared machine are noisy: each size runs `--runs` times (default 2) and the
//! fastest run is shown, with the slowest next to it; CPU seconds are less sensitive to
//! other load than wall seconds.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kaoping::build::{BuildOptions, Built, Cache, build, read_inputs};
use kaoping::render::engine::{Engine, EngineOptions};
use kaoping::render::result_docs::REPORT_DIR;
use kaoping::sample::{self, Book};
use kaoping::write::Staging;

// The same allocator as the `kaoping` binary (src/main.rs), so the child's time and memory
// are the shipped program's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const DEFAULT_SIZES: [usize; 4] = [30, 300, 1000, 3000];
const CHILD_FLAG: &str = "--child";
const CHILD_EDIT_FLAG: &str = "--child-edit";
/// Prefix of the child's one line of figures on stdout.
const MARK: &str = "kaoping-bench:";
const SEED: u64 = 1;
/// At most this many reports per size are compiled by the typst CLI for its baseline.
const CLI_REPORTS: usize = 60;

fn main() -> ExitCode {
    let args: Vec<String> = env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some(CHILD_FLAG) => return child(&args[1..]),
        Some(CHILD_EDIT_FLAG) => return child_edit(&args[1..]),
        _ => {}
    }
    let config = match Config::parse(&args) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("error: {message}");
            eprintln!(
                "usage: cargo bench --bench build -- [--runs N] [--no-cli] [--no-edit] [SIZE...]"
            );
            return ExitCode::from(2);
        }
    };
    match run(&config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

// ---------------------------------------------------------------------------------------
// The child: one build, figures on stdout.

/// Builds `IN` (a workbook or folder) into `OUT` the way `kaoping build` does and prints
/// one line of figures.
fn child(args: &[String]) -> ExitCode {
    let [input, output] = args else {
        eprintln!("error: {CHILD_FLAG} needs IN and OUT");
        return ExitCode::from(2);
    };
    match child_build(Path::new(input), Path::new(output)) {
        Ok(line) => {
            println!("{MARK} {line}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn child_build(input: &Path, output: &Path) -> Result<String, String> {
    let started = Instant::now();
    let lap = |since: &mut Instant| {
        let ms = since.elapsed().as_secs_f64() * 1e3;
        *since = Instant::now();
        ms
    };
    let mut at = Instant::now();
    let books = read_inputs(&[input.to_path_buf()]).map_err(|e| e.to_string())?;
    let read = lap(&mut at);
    let engine = Engine::new(&EngineOptions::bundled()).map_err(|e| e.to_string())?;
    let engine_ms = lap(&mut at);
    let staging = Staging::new(output).map_err(|e| e.to_string())?;
    let options = BuildOptions::default();
    let built = build(&books, &engine, &options, &staging, &|_| {}).map_err(|e| match e {
        kaoping::build::BuildError::Input { findings, .. } => {
            let errors: Vec<String> = findings.iter().map(|f| format!("{f:?}")).take(5).collect();
            format!("the input has errors: {}", errors.join("; "))
        }
        other => other.to_string(),
    })?;
    let build_ms = lap(&mut at);
    staging.commit().map_err(|e| e.to_string())?;
    let commit = lap(&mut at);
    let t = &built.timings;
    let (check, score, render) = (ms(t.check), ms(t.score), ms(t.render));
    Ok(format!(
        "files={} read={read:.1} engine={engine_ms:.1} check={check:.1} score={score:.1} \
         render={render:.1} other={:.1} commit={commit:.1} total={:.1} cpu={:.0} vmhwm_kb={}",
        built.files,
        (build_ms - check - score - render).max(0.0),
        started.elapsed().as_secs_f64() * 1e3,
        cpu_ms().unwrap_or(f64::NAN),
        peak_rss_kb().unwrap_or(0),
    ))
}

/// Builds `IN` (a workbook file) with a cache, overwrites it with `EDITED` and builds
/// again with the same engine and cache, then once more without the cache; prints one line
/// of figures.
fn child_edit(args: &[String]) -> ExitCode {
    let [input, edited, output] = args else {
        eprintln!("error: {CHILD_EDIT_FLAG} needs IN EDITED OUT");
        return ExitCode::from(2);
    };
    match child_edit_builds(Path::new(input), Path::new(edited), Path::new(output)) {
        Ok(line) => {
            println!("{MARK} {line}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn child_edit_builds(input: &Path, edited: &Path, output: &Path) -> Result<String, String> {
    let engine = Engine::new(&EngineOptions::bundled()).map_err(|e| e.to_string())?;
    let cache = Arc::new(Cache::new());
    let with_cache = BuildOptions { cache: Some(Arc::clone(&cache)), ..BuildOptions::default() };
    let (first_ms, first) = timed_build(input, output, &engine, &with_cache)?;
    // Saved over the same file, as Excel does: the findings name the same workbook.
    fs::copy(edited, input).map_err(|e| format!("{}: {e}", input.display()))?;
    let (edit_ms, edit) = timed_build(input, output, &engine, &with_cache)?;
    let cache_kb = cache.bytes() / 1024;
    let (rebuild_ms, _) = timed_build(input, output, &engine, &BuildOptions::default())?;
    let t = &edit.timings;
    Ok(format!(
        "files={} first={first_ms:.1} edit={edit_ms:.1} rebuild={rebuild_ms:.1} made={} \
         reused={} edit_check={:.1} edit_render={:.1} cache_kb={cache_kb} vmhwm_kb={}",
        first.files,
        edit.made().count(),
        edit.reused().count(),
        ms(t.check + t.score),
        ms(t.render),
        peak_rss_kb().unwrap_or(0),
    ))
}

/// Reads, builds and commits, as one `watch` round does.
fn timed_build(
    input: &Path,
    output: &Path,
    engine: &Engine,
    options: &BuildOptions,
) -> Result<(f64, Built), String> {
    let started = Instant::now();
    let books = read_inputs(&[input.to_path_buf()]).map_err(|e| e.to_string())?;
    let staging = Staging::new(output).map_err(|e| e.to_string())?;
    let built = build(&books, engine, options, &staging, &|_| {}).map_err(|e| e.to_string())?;
    staging.commit().map_err(|e| e.to_string())?;
    Ok((ms(started.elapsed()), built))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// This process's peak resident set (`VmHWM`), in KiB; Linux only.
fn peak_rss_kb() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User plus system CPU time of this process, all threads included; Linux only. The
/// clock tick is taken as 100 Hz, which it is on every usual Linux build.
fn cpu_ms() -> Option<f64> {
    let stat = fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may contain spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 * 10.0)
}

// ---------------------------------------------------------------------------------------
// The parent: sizes, runs, tables.

struct Config {
    sizes: Vec<usize>,
    runs: usize,
    cli: bool,
    /// Whether to time the one-score-edit rebuilds.
    edit: bool,
    /// Whether the typst CLI baseline may run (not in the smoke run).
    typst: bool,
    sample: bool,
    /// `--ofd`: only the OFD overhead, with this many rounds (for a profiler).
    ofd_only: Option<usize>,
}

impl Config {
    fn parse(args: &[String]) -> Result<Self, String> {
        // `cargo bench` passes `--bench`; `cargo test` passes nothing: a quick smoke run.
        let bench = args.iter().any(|a| a == "--bench");
        let mut sizes = Vec::new();
        let mut runs = None;
        let mut cli = true;
        let mut edit = true;
        let mut ofd_only = None;
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            match arg.as_str() {
                "--bench" => {}
                "--runs" => {
                    let n = iter.next().ok_or("--runs needs a number")?;
                    runs = Some(
                        n.parse::<usize>()
                            .map_err(|_| format!("--runs {n:?} is not a number"))?
                            .max(1),
                    );
                }
                "--no-cli" => cli = false,
                "--no-edit" => edit = false,
                "--ofd" => ofd_only = Some(runs.unwrap_or(10)),
                a if a.starts_with('-') => eprintln!("note: ignoring argument {a}"),
                a => sizes
                    .push(a.parse::<usize>().map_err(|_| format!("size {a:?} is not a number"))?),
            }
        }
        if bench {
            Ok(Self {
                sizes: if sizes.is_empty() { DEFAULT_SIZES.to_vec() } else { sizes },
                runs: runs.unwrap_or(2),
                cli,
                edit,
                typst: true,
                sample: true,
                ofd_only,
            })
        } else {
            Ok(Self {
                sizes: if sizes.is_empty() { vec![30] } else { sizes },
                runs: runs.unwrap_or(1),
                cli: false,
                edit,
                typst: false,
                sample: false,
                ofd_only,
            })
        }
    }
}

/// The figures one child printed.
#[derive(Debug, Clone, Default)]
struct Figures {
    files: usize,
    read: f64,
    engine: f64,
    check: f64,
    score: f64,
    render: f64,
    other: f64,
    commit: f64,
    total: f64,
    cpu: f64,
    vmhwm_kb: u64,
}

impl Figures {
    fn parse(stdout: &str) -> Option<Self> {
        let line = stdout.lines().find_map(|l| l.strip_prefix(MARK))?;
        let mut f = Figures::default();
        for pair in line.split_whitespace() {
            let (key, value) = pair.split_once('=')?;
            let number = || value.parse::<f64>().ok();
            match key {
                "files" => f.files = value.parse().ok()?,
                "vmhwm_kb" => f.vmhwm_kb = value.parse().ok()?,
                "read" => f.read = number()?,
                "engine" => f.engine = number()?,
                "check" => f.check = number()?,
                "score" => f.score = number()?,
                "render" => f.render = number()?,
                "other" => f.other = number()?,
                "commit" => f.commit = number()?,
                "total" => f.total = number()?,
                "cpu" => f.cpu = number().unwrap_or(f64::NAN),
                _ => {}
            }
        }
        Some(f)
    }
}

/// One measured child build.
#[derive(Debug, Clone)]
struct Measured {
    wall: Duration,
    figures: Figures,
    /// Sizes of the department reports, sorted.
    reports: Vec<u64>,
}

impl Measured {
    fn median_report_kb(&self) -> Option<f64> {
        (!self.reports.is_empty()).then(|| self.reports[self.reports.len() / 2] as f64 / 1024.0)
    }
}

/// The best and worst of the runs of one size.
struct Row {
    label: String,
    departments: Option<usize>,
    best: Measured,
    worst_wall: Duration,
    cli: Option<CliRun>,
}

#[derive(Debug, Clone, Copy)]
struct CliRun {
    wall: Duration,
    worst_wall: Duration,
    rss_kb: Option<u64>,
}

fn run(config: &Config) -> Result<(), String> {
    if config.ofd_only.is_some() {
        return print_ofd_overhead(config);
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp =
        tempfile::Builder::new().prefix("kaoping-bench-").tempdir().map_err(|e| e.to_string())?;
    let kaoping_bin = PathBuf::from(env!("CARGO_BIN_EXE_kaoping"));
    let time_bin = Path::new("/usr/bin/time");
    let time_bin = time_bin.is_file().then_some(time_bin);
    println!(
        "kaoping build benchmark: {} run(s) per size, best shown; {} core(s); {}",
        config.runs,
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        if cfg!(debug_assertions) {
            "DEBUG build: figures not representative"
        } else {
            "release build"
        },
    );
    let mut rows = Vec::new();
    // A size that fails (or whose child is killed) is reported, and the others still run.
    let mut failures = Vec::new();
    let mut keep = |result: Result<Row, String>| match result {
        Ok(row) => rows.push(row),
        Err(message) => {
            eprintln!("error: {message}");
            failures.push(message);
        }
    };

    if config.sample {
        let input = root.join("input");
        if input.is_dir() {
            keep(measure(
                "sample (input/)",
                None,
                &input,
                tmp.path(),
                config,
                &kaoping_bin,
                time_bin,
            ));
        } else {
            println!("sample: {} not found, skipped", input.display());
        }
    }
    // Measured after the whole builds of the same input, so their tables come first.
    let mut edits = Vec::new();
    if config.sample && config.edit {
        let dir = tmp.path().join("sample-edit");
        edits.push(measure_edit("sample (2021)", &sample::reference_2021(), &dir, config));
    }
    for &n in &config.sizes {
        let dir = tmp.path().join(format!("n{n}"));
        let input = dir.join("input").join(format!("synthetic-{n}.xlsx"));
        let started = Instant::now();
        let book = sample::synthetic(n, SEED);
        let bytes = book.to_xlsx_bytes().map_err(|e| e.to_string())?;
        fs::create_dir_all(input.parent().expect("input has a parent"))
            .map_err(|e| e.to_string())?;
        fs::write(&input, &bytes).map_err(|e| e.to_string())?;
        println!(
            "generated {n} departments: {} KB workbook in {:.1} s",
            bytes.len() / 1024,
            started.elapsed().as_secs_f64()
        );
        let label = format!("{n} departments");
        keep(measure(&label, Some(n), &input, &dir, config, &kaoping_bin, time_bin));
        if config.edit {
            edits.push(measure_edit(&label, &book, &dir.join("edit"), config));
        }
    }
    let edits: Vec<EditRow> = edits
        .into_iter()
        .filter_map(|result| {
            result.map(Some).unwrap_or_else(|message| {
                eprintln!("error: {message}");
                failures.push(message);
                None
            })
        })
        .collect();

    print_tables(&rows, config);
    print_edit_table(&edits, config);
    if let Err(message) = print_ofd_overhead(config) {
        eprintln!("error: {message}");
        failures.push(message);
    }

    if config.typst {
        typst_baseline(&rows, tmp.path(), &kaoping_bin, root)?;
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(format!("{} input(s) failed: {}", failures.len(), failures.join("; ")))
    }
}

/// What writing the OFD beside the PDF costs the notice and the schedule table of the
/// 2021 sample: the typesetting (layout and PDF, typst's memo cache emptied before each
/// round so every round lays the document out afresh) against the OFD export of the same
/// laid-out pages, each the best of its rounds. Timing the two apart rather than PDF
/// against PDF+OFD keeps the noise of the layout out of the difference. The issue allows
/// the OFD at most 20% of the notice's typesetting time and 1.5× its PDF's size.
fn print_ofd_overhead(config: &Config) -> Result<(), String> {
    use kaoping::render::ofd::{OfdOptions, ofd};
    use kaoping::render::{DocKind, plan_doc};
    let rounds = config.ofd_only.unwrap_or(if config.sample { 10 } else { 3 });
    let engine = Engine::new(&EngineOptions::bundled()).map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("sample.xlsx");
    let bytes = sample::reference_2021().to_xlsx_bytes().map_err(|e| e.to_string())?;
    fs::write(&path, bytes).map_err(|e| e.to_string())?;
    let books = read_inputs(&[path]).map_err(|e| e.to_string())?;
    let plan = kaoping::check::check(&books).plan.ok_or("the sample has errors")?;
    println!();
    println!("OFD beside the PDF (2021 sample, best of {rounds} rounds):");
    println!(
        "{:<12} {:>5} {:>12} {:>8} {:>9} {:>8} {:>8} {:>6}",
        "document", "pages", "typeset ms", "OFD ms", "overhead", "PDF KB", "OFD KB", "ratio"
    );
    for kind in [DocKind::Notice, DocKind::Schedule] {
        let doc = plan_doc(&engine, &plan, kind).map_err(|e| e.to_string())?;
        let name = doc.name();
        let laid_out = engine
            .layout(&name, doc.source.clone(), doc.date, &doc.extras)
            .map_err(|e| e.to_string())?;
        let options = OfdOptions { ident: &name, date: doc.date };
        let (mut typeset_best, mut ofd_best) = (f64::INFINITY, f64::INFINITY);
        let (mut pdf, mut package) = (Vec::new(), Vec::new());
        for _ in 0..rounds {
            engine.forget_cached_layouts();
            let started = Instant::now();
            let compiled = engine
                .compile(&name, doc.source.clone(), doc.date, &doc.extras)
                .map_err(|e| e.to_string())?;
            typeset_best = typeset_best.min(ms(started.elapsed()));
            pdf = compiled.pdf;
            let started = Instant::now();
            package = ofd(&laid_out, &options).map_err(|e| e.to_string())?;
            ofd_best = ofd_best.min(ms(started.elapsed()));
        }
        println!(
            "{:<12} {:>5} {:>12.1} {:>8.1} {:>8.1}% {:>8.1} {:>8.1} {:>6.2}",
            format!("{kind:?}"),
            laid_out.pages().len(),
            typeset_best,
            ofd_best,
            ofd_best / typeset_best * 100.0,
            pdf.len() as f64 / 1024.0,
            package.len() as f64 / 1024.0,
            package.len() as f64 / pdf.len() as f64,
        );
    }
    Ok(())
}

/// The edited workbook of the one-score-edit rebuild: the first score of 评分 one point
/// lower (higher when it is below one point).
fn edit_one_score(book: &Book) -> Result<Book, String> {
    let mut edited = book.clone();
    let scores = edited.sheet_mut("评分").ok_or("the workbook has no 评分 sheet")?;
    let score = scores
        .get(0, "得分")
        .and_then(sample::Value::as_number)
        .ok_or("the first row of 评分 has no score")?;
    scores.set(0, "得分", if score >= 1.0 { score - 1.0 } else { score + 1.0 });
    Ok(edited)
}

/// The figures of one `--child-edit` run, times in ms.
#[derive(Debug, Clone, Default)]
struct EditFigures {
    files: usize,
    first: f64,
    edit: f64,
    rebuild: f64,
    made: usize,
    reused: usize,
    /// The edit's check and score stages, and its render stage.
    edit_check: f64,
    edit_render: f64,
    cache_kb: u64,
    vmhwm_kb: u64,
}

impl EditFigures {
    fn parse(stdout: &str) -> Option<Self> {
        let line = stdout.lines().find_map(|l| l.strip_prefix(MARK))?;
        let mut f = EditFigures::default();
        for pair in line.split_whitespace() {
            let (key, value) = pair.split_once('=')?;
            match key {
                "files" => f.files = value.parse().ok()?,
                "first" => f.first = value.parse().ok()?,
                "edit" => f.edit = value.parse().ok()?,
                "rebuild" => f.rebuild = value.parse().ok()?,
                "made" => f.made = value.parse().ok()?,
                "reused" => f.reused = value.parse().ok()?,
                "edit_check" => f.edit_check = value.parse().ok()?,
                "edit_render" => f.edit_render = value.parse().ok()?,
                "cache_kb" => f.cache_kb = value.parse().ok()?,
                "vmhwm_kb" => f.vmhwm_kb = value.parse().ok()?,
                _ => {}
            }
        }
        Some(f)
    }
}

/// The runs of one input: each time the fastest of the runs, and the slowest edit.
struct EditRow {
    label: String,
    best: EditFigures,
    worst_edit: f64,
}

impl EditRow {
    fn new(label: &str, runs: &[EditFigures]) -> Self {
        let fastest =
            |time: fn(&EditFigures) -> f64| runs.iter().map(time).fold(f64::MAX, f64::min);
        let mut best =
            runs.iter().min_by(|a, b| a.edit.total_cmp(&b.edit)).cloned().unwrap_or_default();
        best.first = fastest(|f| f.first);
        best.rebuild = fastest(|f| f.rebuild);
        let worst_edit = runs.iter().map(|f| f.edit).fold(0.0, f64::max);
        Self { label: label.to_string(), best, worst_edit }
    }
}

/// Runs the one-score edit of `book` `config.runs` times, each in a fresh child process.
fn measure_edit(label: &str, book: &Book, dir: &Path, config: &Config) -> Result<EditRow, String> {
    let exe = env::current_exe().map_err(|e| e.to_string())?;
    let original = book.to_xlsx_bytes().map_err(|e| e.to_string())?;
    let edited = edit_one_score(book)?.to_xlsx_bytes().map_err(|e| e.to_string())?;
    let input = dir.join("input").join("workbook.xlsx");
    let edited_path = dir.join("edited.xlsx");
    fs::create_dir_all(dir.join("input")).map_err(|e| e.to_string())?;
    fs::write(&edited_path, &edited).map_err(|e| e.to_string())?;
    let mut runs = Vec::new();
    for i in 0..config.runs {
        // The child saves the edit over its input: start each run from the original.
        fs::write(&input, &original).map_err(|e| e.to_string())?;
        let out = dir.join(format!("out-{i}"));
        let result = Command::new(&exe)
            .arg(CHILD_EDIT_FLAG)
            .arg(&input)
            .arg(&edited_path)
            .arg(&out)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
        let stdout = String::from_utf8_lossy(&result.stdout);
        if !result.status.success() {
            return Err(format!(
                "{label}: one-score edit failed ({}): {}",
                result.status,
                String::from_utf8_lossy(&result.stderr).trim()
            ));
        }
        let f = EditFigures::parse(&stdout)
            .ok_or_else(|| format!("{label}: no edit figures in {stdout:?}"))?;
        let _ = fs::remove_dir_all(&out);
        println!(
            "  {label}, one-score edit run {}: first build {:.2} s, edit {:.2} s ({} typeset, \
             {} reused; check and score {:.0} ms, render {:.0} ms), rebuild without cache \
             {:.2} s",
            i + 1,
            f.first / 1e3,
            f.edit / 1e3,
            f.made,
            f.reused,
            f.edit_check,
            f.edit_render,
            f.rebuild / 1e3
        );
        runs.push(f);
    }
    Ok(EditRow::new(label, &runs))
}

fn print_edit_table(rows: &[EditRow], config: &Config) {
    if rows.is_empty() {
        return;
    }
    println!();
    println!(
        "One-score edit: one process keeps the engine and the cache across builds, as `watch` \
         and `serve` do\n(each time the best of {} run(s); slowest edit in parentheses)",
        config.runs
    );
    println!(
        "{:<18} {:>6} {:>13} {:>17} {:>8} {:>7} {:>14} {:>9} {:>10} {:>9}",
        "input",
        "docs",
        "full build s",
        "one-score edit s",
        "typeset",
        "reused",
        "rebuild all s",
        "edit gain",
        "cache MiB",
        "peak MiB"
    );
    for row in rows {
        let f = &row.best;
        println!(
            "{:<18} {:>6} {:>13.2} {:>17} {:>8} {:>7} {:>14.2} {:>8.1}× {:>10.1} {:>9.0}",
            row.label,
            f.files,
            f.first / 1e3,
            format!("{:.2} ({:.2})", f.edit / 1e3, row.worst_edit / 1e3),
            f.made,
            f.reused,
            f.rebuild / 1e3,
            f.rebuild / f.edit.max(0.001),
            f.cache_kb as f64 / 1024.0,
            f.vmhwm_kb as f64 / 1024.0,
        );
    }
    println!(
        "full build = the first build in the process (read, check, score, render, commit);\n\
         one-score edit = the same workbook saved again with one score changed, rebuilt with the\n\
         cache; rebuild all = that edited workbook rebuilt without the cache (every document\n\
         typeset, engine warm); edit gain = rebuild all ÷ one-score edit; cache = files held."
    );
}

/// Runs one input `config.runs` times in child processes, and the CLI as many times.
fn measure(
    label: &str,
    departments: Option<usize>,
    input: &Path,
    dir: &Path,
    config: &Config,
    kaoping_bin: &Path,
    time_bin: Option<&Path>,
) -> Result<Row, String> {
    let exe = env::current_exe().map_err(|e| e.to_string())?;
    let mut runs: Vec<Measured> = Vec::new();
    for i in 0..config.runs {
        let out = dir.join(format!("out-{i}"));
        let started = Instant::now();
        let result = Command::new(&exe)
            .arg(CHILD_FLAG)
            .arg(input)
            .arg(&out)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
        let wall = started.elapsed();
        let stdout = String::from_utf8_lossy(&result.stdout);
        if !result.status.success() {
            return Err(format!(
                "{label}: child build failed ({}): {}",
                result.status,
                String::from_utf8_lossy(&result.stderr).trim()
            ));
        }
        let figures =
            Figures::parse(&stdout).ok_or_else(|| format!("{label}: no figures in {stdout:?}"))?;
        let reports = report_sizes(&out.join(REPORT_DIR));
        let _ = fs::remove_dir_all(&out);
        println!(
            "  {label}, run {}: {:.2} s wall, {:.2} s CPU, {} files, peak {:.0} MiB",
            i + 1,
            wall.as_secs_f64(),
            figures.cpu / 1e3,
            figures.files,
            figures.vmhwm_kb as f64 / 1024.0
        );
        runs.push(Measured { wall, figures, reports });
    }
    runs.sort_by_key(|m| m.wall);
    let worst_wall = runs.last().map(|m| m.wall).unwrap_or_default();
    let best = runs.swap_remove(0);

    let cli = if config.cli {
        Some(cli_runs(label, input, dir, config.runs, kaoping_bin, time_bin)?)
    } else {
        None
    };
    Ok(Row { label: label.to_string(), departments, best, worst_wall, cli })
}

/// Times `kaoping build IN -o OUT --no-system-fonts -q`, best of `runs`.
fn cli_runs(
    label: &str,
    input: &Path,
    dir: &Path,
    runs: usize,
    kaoping_bin: &Path,
    time_bin: Option<&Path>,
) -> Result<CliRun, String> {
    let mut walls = Vec::new();
    let mut rss = Vec::new();
    for i in 0..runs {
        let out = dir.join(format!("cli-out-{i}"));
        let rss_file = dir.join(format!("cli-rss-{i}"));
        let mut command = match time_bin {
            Some(time) => {
                let mut c = Command::new(time);
                c.arg("-f").arg("%M").arg("-o").arg(&rss_file).arg(kaoping_bin);
                c
            }
            None => Command::new(kaoping_bin),
        };
        command
            .arg("build")
            .arg(input)
            .arg("-o")
            .arg(&out)
            .args(["--no-system-fonts", "-q"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .stdin(Stdio::null());
        let started = Instant::now();
        let result =
            command.output().map_err(|e| format!("cannot start {}: {e}", kaoping_bin.display()))?;
        let wall = started.elapsed();
        if !result.status.success() {
            return Err(format!(
                "{label}: `kaoping build` failed ({}): {}",
                result.status,
                String::from_utf8_lossy(&result.stderr).trim()
            ));
        }
        let _ = fs::remove_dir_all(&out);
        if let Some(kb) =
            fs::read_to_string(&rss_file).ok().and_then(|s| s.trim().parse::<u64>().ok())
        {
            rss.push(kb);
        }
        println!("  {label}, kaoping CLI run {}: {:.2} s wall", i + 1, wall.as_secs_f64());
        walls.push(wall);
    }
    walls.sort();
    Ok(CliRun {
        wall: walls[0],
        worst_wall: *walls.last().expect("at least one run"),
        rss_kb: rss.into_iter().max(),
    })
}

/// Sizes of the files in the reports folder, sorted.
fn report_sizes(dir: &Path) -> Vec<u64> {
    let mut sizes: Vec<u64> = fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok()?.metadata().ok().map(|m| m.len())).collect())
        .unwrap_or_default();
    sizes.sort_unstable();
    sizes
}

fn print_tables(rows: &[Row], config: &Config) {
    println!();
    println!(
        "Whole build, fresh process each (best of {} run(s); slowest run in parentheses)",
        config.runs
    );
    println!(
        "{:<18} {:>6} {:>15} {:>7} {:>7} {:>8} {:>8} {:>9} {:>10} {:>15} {:>9}",
        "input",
        "docs",
        "wall s",
        "CPU s",
        "docs/s",
        "ms/doc",
        "ms/dept",
        "peak MiB",
        "report KB",
        "CLI wall s",
        "CLI MiB"
    );
    for row in rows {
        let m = &row.best;
        let f = &m.figures;
        let wall = m.wall.as_secs_f64();
        let docs = f.files.max(1) as f64;
        let per_dept =
            row.departments.map_or("-".to_string(), |n| format!("{:.2}", wall * 1e3 / n as f64));
        let report_kb = m.median_report_kb().map_or("-".to_string(), |kb| format!("{kb:.0}"));
        let (cli_wall, cli_rss) = match &row.cli {
            Some(c) => (
                format!("{:.2} ({:.2})", c.wall.as_secs_f64(), c.worst_wall.as_secs_f64()),
                c.rss_kb.map_or("-".to_string(), |kb| format!("{:.0}", kb as f64 / 1024.0)),
            ),
            None => ("-".to_string(), "-".to_string()),
        };
        println!(
            "{:<18} {:>6} {:>15} {:>7.2} {:>7.1} {:>8.1} {:>8} {:>9.0} {:>10} {:>15} {:>9}",
            row.label,
            f.files,
            format!("{wall:.2} ({:.2})", row.worst_wall.as_secs_f64()),
            f.cpu / 1e3,
            docs / wall,
            f.render / docs,
            per_dept,
            f.vmhwm_kb as f64 / 1024.0,
            report_kb,
            cli_wall,
            cli_rss,
        );
    }
    println!(
        "docs/s = documents ÷ whole wall time; ms/doc = render stage ÷ documents (all threads);\n\
         ms/dept = wall ÷ departments; report KB = median department report; peak = VmHWM."
    );

    println!();
    println!("Stages of the best run, ms (process = wall − time inside main: exec, loading, exit)");
    println!(
        "{:<18} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8} {:>8} {:>8} {:>9}",
        "input", "read", "engine", "check", "score", "render", "other", "commit", "process", "wall"
    );
    for row in rows {
        let f = &row.best.figures;
        let wall = row.best.wall.as_secs_f64() * 1e3;
        println!(
            "{:<18} {:>8.1} {:>8.1} {:>8.1} {:>8.1} {:>9.1} {:>8.1} {:>8.1} {:>8.1} {:>9.1}",
            row.label,
            f.read,
            f.engine,
            f.check,
            f.score,
            f.render,
            f.other,
            f.commit,
            (wall - f.total).max(0.0),
            wall
        );
    }
    println!("engine = fonts and templates; render = typst, PDF export, xlsx and staging writes.");

    let sized: Vec<&Row> = rows.iter().filter(|r| r.departments.is_some()).collect();
    if sized.len() >= 2 {
        println!();
        println!("Growth between sizes (linear: time grows as departments do)");
        for pair in sized.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let (na, nb) = (a.departments.unwrap_or(1) as f64, b.departments.unwrap_or(1) as f64);
            println!(
                "  {:>5} → {:<5} departments ×{:<5.1} wall ×{:<6.1} render ×{:<6.1} CPU ×{:<6.1} peak RSS ×{:.1}",
                na,
                nb,
                nb / na,
                b.best.wall.as_secs_f64() / a.best.wall.as_secs_f64(),
                b.best.figures.render / a.best.figures.render,
                b.best.figures.cpu / a.best.figures.cpu,
                b.best.figures.vmhwm_kb as f64 / a.best.figures.vmhwm_kb.max(1) as f64,
            );
        }
    }
}

/// Finds an executable on `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    env::split_paths(&env::var_os("PATH")?).map(|dir| dir.join(name)).find(|p| p.is_file())
}

/// The typst CLI compiling the emitted sources, one process per document, against the
/// in-process build of the same input.
fn typst_baseline(rows: &[Row], tmp: &Path, kaoping_bin: &Path, root: &Path) -> Result<(), String> {
    println!();
    let Some(typst) = on_path("typst") else {
        println!("typst CLI not found, skipped");
        return Ok(());
    };
    let version = Command::new(&typst).arg("--version").output().map_err(|e| e.to_string())?;
    println!(
        "typst CLI baseline ({}): `typst compile --no-pdf-tags` one process per document, \
         sequentially",
        String::from_utf8_lossy(&version.stdout).trim()
    );
    let fonts = root.join("fonts");
    let inputs = rows.iter().map(|row| match row.departments {
        None => (row, root.join("input")),
        Some(n) => (row, tmp.join(format!("n{n}")).join("input")),
    });
    for (row, input) in inputs {
        let emit = tmp.join("typst-src");
        let out = tmp.join("typst-out");
        let _ = fs::remove_dir_all(&emit);
        let _ = fs::remove_dir_all(&out);
        let status = Command::new(kaoping_bin)
            .arg("build")
            .arg(&input)
            .arg("-o")
            .arg(&out)
            .arg("--emit-typst")
            .arg(&emit)
            .args(["--no-system-fonts", "-q"])
            .current_dir(root)
            .status()
            .map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("{}: `kaoping build --emit-typst` failed", row.label));
        }
        let sources = typst_sources(&emit);
        let (reports, whole): (Vec<_>, Vec<_>) =
            sources.iter().partition(|s| s.starts_with(emit.join(REPORT_DIR)));
        // Every document about the whole institution, and an even sample of the reports:
        // a thousand CLI runs would take a minute for the same per-report figure.
        let step = reports.len().div_ceil(CLI_REPORTS).max(1);
        let sampled: Vec<_> = reports.iter().step_by(step).collect();
        let pdf = tmp.join("typst-cli.pdf");
        let mut failed = 0;
        let mut compile = |source: &Path| -> Result<f64, String> {
            let started = Instant::now();
            let result = Command::new(&typst)
                .arg("compile")
                .arg("--root")
                .arg(&emit)
                .arg("--font-path")
                .arg(&fonts)
                .arg("--ignore-system-fonts")
                // kaoping writes untagged PDFs (src/render/engine.rs); compare like with like.
                .arg("--no-pdf-tags")
                .arg(source)
                .arg(&pdf)
                .stdin(Stdio::null())
                .output()
                .map_err(|e| e.to_string())?;
            if !result.status.success() {
                if failed == 0 {
                    eprintln!(
                        "typst compile {} failed: {}",
                        source.display(),
                        String::from_utf8_lossy(&result.stderr)
                    );
                }
                failed += 1;
            }
            Ok(started.elapsed().as_secs_f64())
        };
        let whole_s = whole.iter().map(|s| compile(s)).sum::<Result<f64, String>>()?;
        let sampled_s = sampled.iter().map(|s| compile(s)).sum::<Result<f64, String>>()?;
        let per_report = sampled_s / sampled.len().max(1) as f64;
        let cli = whole_s + per_report * reports.len() as f64;
        let ours = row.best.wall.as_secs_f64();
        let ours_docs = row.best.figures.files;
        println!(
            "  {:<18} typst CLI {} documents in {:.2} s ({:.0} ms each{}{}); kaoping {} files in \
             {:.2} s ({:.1} ms each, whole process): {:.1}× faster",
            row.label,
            sources.len(),
            cli,
            cli * 1e3 / sources.len().max(1) as f64,
            if sampled.len() < reports.len() {
                format!(", {} of {} reports timed", sampled.len(), reports.len())
            } else {
                String::new()
            },
            if failed > 0 { format!(", {failed} FAILED") } else { String::new() },
            ours_docs,
            ours,
            ours * 1e3 / ours_docs.max(1) as f64,
            cli / ours,
        );
        let _ = fs::remove_dir_all(&emit);
        let _ = fs::remove_dir_all(&out);
    }
    Ok(())
}

/// The emitted documents: every `.typ` file except the shared library under `lib/`.
fn typst_sources(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path != dir.join("lib") {
                    stack.push(path);
                }
            } else if path.extension().is_some_and(|e| e == "typ") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}
