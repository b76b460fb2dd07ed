//! `kaoping build`: read, check, score, render, then put everything in place at once.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use kaoping::build::{
    BuildError, BuildOptions, Built, Cache, Progress, TYPST_DIR, build, input_dirs, read_inputs,
};
use kaoping::render::OutputFile;
use kaoping::render::engine::{Engine, EngineOptions};
use kaoping::render::fonts::{FontOptions, default_font_dir};
use kaoping::write::{Sink, Staging, check_output_location};

use super::Status;
use super::args::{BuildArgs, EngineArgs};
use super::report::{print_error, print_findings, summary_line};

pub fn font_options(args: &EngineArgs) -> FontOptions {
    FontOptions {
        dir: args.fonts.clone().unwrap_or_else(default_font_dir),
        roles: args.font_roles.clone(),
        system: !args.no_system_fonts,
    }
}

pub fn engine_options(args: &EngineArgs) -> EngineOptions {
    let templates = args.templates.clone().or_else(|| {
        let local = PathBuf::from("templates");
        local.is_dir().then_some(local)
    });
    EngineOptions { fonts: font_options(args), templates }
}

/// Routes typst sources to the `--emit-typst` folder and everything else to the output.
struct Split<'a> {
    docs: &'a Staging,
    typst: Option<&'a Staging>,
}

impl Sink for Split<'_> {
    fn put(&self, file: OutputFile) -> std::io::Result<()> {
        match (file.path.strip_prefix(TYPST_DIR), self.typst) {
            (Ok(rest), Some(typst)) => {
                typst.put(OutputFile { path: rest.to_path_buf(), bytes: file.bytes })
            }
            (Ok(_), None) => Ok(()),
            (Err(_), _) => self.docs.put(file),
        }
    }
}

pub fn run(args: &BuildArgs) -> Status {
    let engine = match Engine::new(&engine_options(&args.engine)) {
        Ok(engine) => engine,
        Err(error) => {
            print_error(error);
            return Status::Failed;
        }
    };
    run_with(args, &engine, None)
}

/// One build with an engine that may outlive it (`watch` keeps its fonts loaded), reusing
/// the files of earlier builds kept in `cache`.
pub fn run_with(args: &BuildArgs, engine: &Engine, cache: Option<&Arc<Cache>>) -> Status {
    let started = Instant::now();
    let paths = args.input.paths();
    let quiet = args.verbosity.quiet;
    let mut dirs = input_dirs(&paths);
    if let Err(error) = check_output_location(&args.output, &dirs) {
        print_error(error);
        return Status::Failed;
    }
    if let Some(emit) = &args.emit_typst {
        dirs.push(args.output.clone());
        if let Err(error) = check_output_location(emit, &dirs) {
            print_error(error);
            return Status::Failed;
        }
    }
    let books = match read_inputs(&paths) {
        Ok(books) => books,
        Err(error) => {
            print_error(error);
            return Status::Unreadable;
        }
    };
    let docs = match Staging::new(&args.output) {
        Ok(s) => s,
        Err(error) => {
            print_error(error);
            return Status::Failed;
        }
    };
    let typst = match args.emit_typst.as_deref().map(staging_with_lib(engine)).transpose() {
        Ok(t) => t,
        Err(error) => {
            print_error(error);
            return Status::Failed;
        }
    };

    let bar = progress_bar(quiet);
    let on_progress = |p: Progress| {
        if let Some(bar) = &bar {
            bar.set_length(p.total as u64);
            bar.set_position(p.done as u64);
        } else if args.verbosity.verbose {
            eprintln!("  已完成 {}/{}", p.done, p.total);
        }
    };
    let options = BuildOptions {
        emit_typst: typst.is_some(),
        ofd: args.ofd,
        threads: args.jobs,
        cache: cache.cloned(),
    };
    let result = build(
        &books,
        engine,
        &options,
        &Split { docs: &docs, typst: typst.as_ref() },
        &on_progress,
    );
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }

    match result {
        Ok(built) => {
            print_findings(&built.findings, quiet);
            if args.verbosity.verbose {
                for warning in &built.typst_warnings {
                    eprintln!("typst {warning}");
                }
                let t = &built.timings;
                eprintln!(
                    "用时：检查 {:.0} 毫秒，计分 {:.0} 毫秒，排版 {:.0} 毫秒",
                    t.check.as_secs_f64() * 1e3,
                    t.score.as_secs_f64() * 1e3,
                    t.render.as_secs_f64() * 1e3
                );
            }
            if let Err(error) = docs.commit() {
                print_error(error);
                return Status::Failed;
            }
            if let Some(typst) = typst
                && let Err(error) = typst.commit()
            {
                print_error(error);
                return Status::Failed;
            }
            if !built.scored && !quiet {
                eprintln!("提示：工作簿中没有指标或评分，只生成了实施方案和工作安排表。");
            }
            if !quiet {
                eprintln!(
                    "已生成 {} 个文件（{}/{}），用时 {:.1} 秒；{}",
                    built.files,
                    args.output.display(),
                    cache.map(|_| reuse_note(&built)).unwrap_or_default(),
                    started.elapsed().as_secs_f64(),
                    summary_line(&built.findings)
                );
            }
            Status::Ok
        }
        Err(BuildError::Input { findings }) => {
            print_findings(&findings, quiet);
            eprintln!("{}；未生成任何文件，输出目录保持不变。", summary_line(&findings));
            Status::Failed
        }
        Err(error) => {
            print_error(error);
            eprintln!("未生成任何文件，输出目录保持不变。");
            Status::Failed
        }
    }
}

/// `；其中 3 个重新生成，29 个沿用上次结果`: how much of the last build a cached build kept.
fn reuse_note(built: &Built) -> String {
    format!("；其中 {} 个重新生成，{} 个沿用上次结果", built.made().count(), built.reused().count())
}

/// The `--emit-typst` folder, pre-filled with the style library every source imports.
fn staging_with_lib(
    engine: &Engine,
) -> impl Fn(&Path) -> Result<Staging, Box<dyn std::fmt::Display>> + '_ {
    move |dir| {
        let staging = Staging::new(dir).map_err(|e| Box::new(e) as Box<dyn std::fmt::Display>)?;
        for (path, bytes) in engine.lib_files() {
            staging
                .put(OutputFile { path: PathBuf::from(path), bytes: bytes.to_vec() })
                .map_err(|e| Box::new(e) as Box<dyn std::fmt::Display>)?;
        }
        Ok(staging)
    }
}

fn progress_bar(quiet: bool) -> Option<ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("排版中 [{bar:30}] {pos}/{len} 个文件 {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    Some(bar)
}
