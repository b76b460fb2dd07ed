//! The rebuild-on-save loop both `kaoping watch` and `kaoping serve` run
//! ([`rebuild_on_change`]): driven by a scripted list of saves instead of a file watcher,
//! then through both commands with real saves.

use std::io::{BufRead, BufReader};
use std::ops::ControlFlow;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

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

/// Starts `kaoping ARGS` in `root` and hands its standard error over line by line.
fn spawn(root: &std::path::Path, args: &[&str]) -> (Child, mpsc::Receiver<String>) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .args(args)
        .current_dir(root)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    (child, rx)
}

/// Waits for a line that `matches`; the lines before it are returned too.
fn wait_for(lines: &mpsc::Receiver<String>, matches: impl Fn(&str) -> bool) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => {
                let found = matches(&line);
                seen.push(line);
                if found {
                    return seen;
                }
            }
            Err(_) => panic!("no such line; saw {seen:#?}"),
        }
    }
}

/// The same policy seen from outside, for each front end: after a broken template is
/// saved, the error is printed and no rebuild starts.
#[test]
fn both_front_ends_report_a_broken_template_and_rebuild_nothing() {
    for front_end in [["watch", "-o", "output"], ["serve", "--port", "0"]] {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("input")).unwrap();
        std::fs::create_dir(root.path().join("templates")).unwrap();
        let book = kaoping::sample::reference_2021().to_xlsx_bytes().unwrap();
        std::fs::write(root.path().join("input/2021年度.xlsx"), book).unwrap();
        let mut args = front_end.to_vec();
        args.extend(["input", "--templates", "templates", "--no-system-fonts"]);
        let (mut child, lines) = spawn(root.path(), &args);
        // Both end a round with the summary line.
        wait_for(&lines, |l| l.contains("个提示"));
        std::fs::write(root.path().join("templates/notice.typ.j2"), "{% if %}").unwrap();
        wait_for(&lines, |l| l.starts_with("错误：模板 notice.typ.j2 有误"));
        std::thread::sleep(Duration::from_secs(2));
        let after: Vec<String> = lines.try_iter().collect();
        assert!(!after.iter().any(|l| l.contains("重新生成")), "{}: {after:#?}", front_end[0]);
        let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
        let _ = child.wait();
    }
}
