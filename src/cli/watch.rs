//! `kaoping watch`: rebuild whenever a workbook or a template is saved. It only passes a
//! round to [`rebuild_on_change`]; each round is the same build as `kaoping build`, with
//! the fonts kept loaded and the documents that did not change taken from the previous
//! round.

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Arc;

use kaoping::build::Cache;
use kaoping::render::engine::Engine;
use kaoping::watch::{Changes, Round, rebuild_on_change};

use super::build::run_with;
use crate::args::BuildArgs;
use crate::front::{Error, announce_rebuild, list_paths, print_error};

pub fn run(args: &BuildArgs) -> Result<(), Error> {
    let options = args.engine.engine_options();
    let engine = Engine::new(&options)?;
    let mut watched: Vec<PathBuf> = args.input.paths();
    watched.extend(options.templates.clone());
    let changes = Changes::new(&watched, options.templates.clone(), Some(&args.output))?;
    eprintln!("正在监视 {}；保存后自动重新生成，按 Ctrl+C 退出。", list_paths(&watched));
    // One cache for the whole session: a reloaded template or a changed score makes only
    // the documents that depend on it be typeset again.
    let cache = Arc::new(Cache::new());
    rebuild_on_change(Arc::new(engine), options.templates.as_deref(), changes, |round| {
        match round {
            Round::Build(engine) => {
                announce_rebuild();
                // A failed round is reported and the watch goes on: the next save may fix it.
                if let Err(error) = run_with(args, engine, Some(&cache)) {
                    error.print();
                }
            }
            Round::TemplatesFailed(error) => print_error(error),
        }
        ControlFlow::Continue(())
    });
    Ok(())
}
