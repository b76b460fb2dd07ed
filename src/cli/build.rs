//! `kaoping build`: read, check, score, render, then put everything in place at once.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use kaoping::build::{
    BuildError, BuildOptions, BuildProgress, Built, Cache, TYPST_DIR, build, input_dirs,
    read_inputs,
};
use kaoping::render::OutputFile;
use kaoping::render::engine::Engine;
use kaoping::write::{Sink, Staging, check_output_location};

use super::report::print_findings;
use crate::args::BuildArgs;
use crate::front::Error;

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

pub fn run(args: &BuildArgs) -> Result<(), Error> {
    let engine = Engine::new(&args.engine.engine_options())?;
    run_with(args, &engine, None)
}

/// One build with an engine that may outlive it (`watch` keeps its fonts loaded), reusing
/// the files of earlier builds kept in `cache`.
pub fn run_with(
    args: &BuildArgs,
    engine: &Engine,
    cache: Option<&Arc<Cache>>,
) -> Result<(), Error> {
    let started = Instant::now();
    let paths = args.input.paths();
    let quiet = args.verbosity.quiet;
    let mut dirs = input_dirs(&paths);
    check_output_location(&args.output, &dirs)?;
    if let Some(emit) = &args.emit_typst {
        dirs.push(args.output.clone());
        check_output_location(emit, &dirs)?;
    }
    let books = read_inputs(&paths)?;
    let docs = Staging::new(&args.output)?;
    let typst = args.emit_typst.as_deref().map(|dir| staging_with_lib(engine, dir)).transpose()?;

    let bar = progress_bar(quiet);
    let on_progress = |p: BuildProgress| {
        if let Some(bar) = &bar {
            bar.set_length(p.total as u64);
            bar.set_position(p.done as u64);
        } else if args.verbosity.verbose {
            eprintln!("  已完成 {}/{}", p.done, p.total);
        }
    };
    let options =
        BuildOptions { emit_typst: typst.is_some(), threads: args.jobs, cache: cache.cloned() };
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

    let built = match result {
        Ok(built) => built,
        Err(BuildError::Input { findings, .. }) => {
            print_findings(&findings, quiet);
            let consequence = "未生成任何文件，输出目录保持不变。";
            return Err(Error::Input { summary: findings.summary_line(), consequence });
        }
        Err(error) => return Err(error.into()),
    };
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
    docs.commit()?;
    if let Some(typst) = typst {
        typst.commit()?;
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
            built.findings.summary_line()
        );
    }
    Ok(())
}

/// `；其中 3 个重新生成，29 个沿用上次结果`: how much of the last build a cached build kept.
fn reuse_note(built: &Built) -> String {
    format!("；其中 {} 个重新生成，{} 个沿用上次结果", built.made().count(), built.reused().count())
}

/// The `--emit-typst` folder, pre-filled with the style library every source imports.
fn staging_with_lib(engine: &Engine, dir: &Path) -> Result<Staging, Error> {
    let staging = Staging::new(dir)?;
    for (path, bytes) in engine.lib_files() {
        staging
            .put(OutputFile { path: PathBuf::from(path), bytes: bytes.to_vec() })
            .map_err(Error::EmitTypst)?;
    }
    Ok(staging)
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
