//! The rebuild-on-save loop both `kaoping watch` and `kaoping serve` run
//! ([`rebuild_on_change`]), driven by a scripted list of saves instead of a file watcher.

use std::ops::ControlFlow;
use std::sync::Arc;

use kaoping::render::engine::{Engine, EngineOptions};
use kaoping::watch::{Change, Round, rebuild_on_change};

/// What the front end's closure saw in one round.
#[derive(Debug, PartialEq, Eq)]
enum Seen {
    /// A build, with the engine it was given: `0` the one the loop started with, `1` the
    /// first reloaded one…
    Build(usize),
    TemplatesFailed(String),
}

/// Saved templates that do not load are reported and nothing is rebuilt: both front ends
/// keep the last good engine (and so their last good outputs) until a later save loads.
/// `watch` prints the error and leaves the output folder as it was; `serve` prints it and
/// leaves the page's outputs and version as they were, since neither builds that round.
#[test]
fn templates_that_fail_to_load_rebuild_nothing_and_keep_the_last_good_engine() {
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates");
    std::fs::create_dir(&templates).unwrap();
    let options = EngineOptions { templates: Some(templates.clone()), ..EngineOptions::bundled() };
    let engine = Arc::new(Engine::new(&options).unwrap());
    let notice = templates.join("notice.typ.j2");
    // Each save is made when the loop asks for the next change, as a watcher would see it.
    let saves: Vec<(Option<&str>, bool)> = vec![
        (Some("{% if %}broken"), true),
        (None, false), // a workbook saved while the template is still broken
        (Some("= fixed {{ 1 + 1 }}"), true),
        (None, false),
    ];
    let changes = saves.into_iter().map(|(text, templates)| {
        if let Some(text) = text {
            std::fs::write(&notice, text).unwrap();
        }
        Change { templates }
    });

    // Kept alive, so a new engine cannot reuse a dropped one's address.
    let mut engines: Vec<Arc<Engine>> = Vec::new();
    let mut seen = Vec::new();
    rebuild_on_change(engine, Some(&templates), changes, |round| {
        seen.push(match round {
            Round::Build(engine) => {
                if !engines.iter().any(|e| Arc::ptr_eq(e, engine)) {
                    engines.push(Arc::clone(engine));
                }
                Seen::Build(engines.iter().position(|e| Arc::ptr_eq(e, engine)).unwrap())
            }
            Round::TemplatesFailed(error) => Seen::TemplatesFailed(error.to_string()),
        });
        ControlFlow::Continue(())
    });

    assert_eq!(seen.len(), 5, "{seen:?}");
    assert_eq!(seen[0], Seen::Build(0), "the first build");
    let Seen::TemplatesFailed(message) = &seen[1] else { panic!("{seen:?}") };
    assert!(message.contains("notice.typ.j2"), "the error names the template: {message}");
    assert_eq!(seen[2], Seen::Build(0), "the last good engine builds the next save");
    assert_eq!(seen[3], Seen::Build(1), "the fixed templates are loaded");
    assert_eq!(seen[4], Seen::Build(1), "and kept");
}

/// A front end stops the loop by breaking from its closure (`serve` on shutdown).
#[test]
fn the_closure_can_stop_the_loop() {
    let engine = Arc::new(Engine::new(&EngineOptions::bundled()).unwrap());
    let mut rounds = 0;
    let saves = std::iter::repeat(Change { templates: false });
    rebuild_on_change(engine, None, saves, |_| {
        rounds += 1;
        if rounds == 3 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    });
    assert_eq!(rounds, 3);
}
