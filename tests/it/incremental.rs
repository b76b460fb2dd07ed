//! Incremental rebuilds: with a cache kept across builds, a build typesets exactly the
//! documents whose inputs changed and reuses the others, and every file is byte for byte
//! what a fresh build makes.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use kaoping::build::{
    BuildError, BuildOptions, Built, Cache, CacheOutcome, Job, build, read_inputs,
};
use kaoping::model::DeptId;
use kaoping::render::OutputFile;
use kaoping::render::engine::{Engine, EngineOptions};
use kaoping::render::fonts::FontOptions;
use kaoping::sample::{Book, Value, reference_2021, synthetic};
use kaoping::write::MemorySink;

use crate::common;

/// Where a test saves its workbook, again and again as a user would: the findings (and so
/// the summary workbook) name the file.
fn folder() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

/// Saves `book` in `folder` and builds it with `engine`, through `cache` when given.
fn build_book(
    folder: &tempfile::TempDir,
    book: &Book,
    engine: &Engine,
    cache: Option<&Arc<Cache>>,
) -> Result<(Built, Vec<OutputFile>), BuildError> {
    let path = folder.path().join("book.xlsx");
    std::fs::write(&path, book.to_xlsx_bytes().unwrap()).unwrap();
    let books = read_inputs(&[path]).unwrap();
    let options = BuildOptions { threads: 2, cache: cache.cloned(), ..BuildOptions::default() };
    let sink = MemorySink::new();
    let built = build(&books, engine, &options, &sink, &|_| {})?;
    Ok((built, sink.into_files()))
}

fn jobs(built: &Built, outcome: CacheOutcome) -> BTreeSet<String> {
    built
        .documents
        .iter()
        .filter(|d| d.outcome == outcome)
        .map(|d| format!("{:?}", d.job))
        .collect()
}

fn all_jobs(built: &Built) -> BTreeSet<String> {
    built.documents.iter().map(|d| format!("{:?}", d.job)).collect()
}

fn names(jobs: impl IntoIterator<Item = Job>) -> BTreeSet<String> {
    jobs.into_iter().map(|j| format!("{j:?}")).collect()
}

/// Compares two builds' files, naming the first that differs.
fn assert_same_files(got: &[OutputFile], want: &[OutputFile]) {
    let paths = |files: &[OutputFile]| files.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
    assert_eq!(paths(got), paths(want));
    for (g, w) in got.iter().zip(want) {
        assert!(g.bytes == w.bytes, "{} differs from a fresh build's", g.path.display());
    }
}

/// Row of the 评分 sheet to edit and the department it scores.
fn first_score(book: &Book) -> (usize, String, f64) {
    let scores = book.sheet("评分").unwrap();
    let dept = scores.get(0, "部门").and_then(Value::as_text).unwrap().to_string();
    let score = scores.get(0, "得分").and_then(Value::as_number).unwrap();
    (0, dept, score)
}

#[test]
fn a_one_score_edit_retypesets_that_categorys_reports_the_summary_and_the_workbook() {
    let dir = folder();
    let engine = common::engine();
    let cache = Arc::new(Cache::new());
    let book = reference_2021();

    let (first, first_files) = build_book(&dir, &book, engine, Some(&cache)).unwrap();
    assert_eq!(first.documents.len(), first.files);
    assert_eq!(first.reused().count(), 0, "an empty cache reuses nothing");
    assert_eq!(cache.len(), first.files);

    let (again, again_files) = build_book(&dir, &book, engine, Some(&cache)).unwrap();
    assert_eq!(again.made().count(), 0, "nothing changed: {:?}", jobs(&again, CacheOutcome::Made));
    assert_same_files(&again_files, &first_files);

    // One score of one department, lowered by 3 points.
    let mut edited = book.clone();
    let (row, dept_name, score) = first_score(&book);
    edited.sheet_mut("评分").unwrap().set(row, "得分", score - 3.0);
    let plan = common::plan_of(&book);
    let dept = plan.dept_ids().find(|&d| plan.department(d).name == dept_name).unwrap();
    let category = plan.department(dept).category;
    let same_category: Vec<DeptId> =
        plan.dept_ids().filter(|&d| plan.department(d).category == category).collect();
    assert!(same_category.len() < plan.departments.len(), "the sample has several categories");

    // The edit moves the department's total, which every report of its category shows
    // (rank, mean, chart) and no other does.
    let total = |plan: kaoping::model::Plan| kaoping::score::score(&plan).department(dept).total;
    assert_ne!(total(common::plan_of(&edited)), total(plan.clone()));

    let (edit, edit_files) = build_book(&dir, &edited, engine, Some(&cache)).unwrap();
    let (_, fresh_files) = build_book(&dir, &edited, engine, None).unwrap();

    let expected_made: BTreeSet<String> =
        names(same_category.iter().map(|&d| Job::Report(d)).chain([Job::Summary, Job::Workbook]));
    assert_eq!(jobs(&edit, CacheOutcome::Made), expected_made);
    let expected_reused: BTreeSet<String> =
        all_jobs(&edit).difference(&expected_made).cloned().collect();
    assert!(expected_reused.contains("Notice") && expected_reused.contains("Schedule"));
    assert_eq!(jobs(&edit, CacheOutcome::Reused), expected_reused);
    assert_same_files(&edit_files, &fresh_files);
    assert_eq!(cache.len(), edit.files, "the cache holds one build's files");
}

#[test]
fn a_template_change_retypesets_the_documents_made_from_it() {
    let dir = folder();
    let base = common::engine();
    let cache = Arc::new(Cache::new());
    let book = reference_2021();
    let (first, _) = build_book(&dir, &book, base, Some(&cache)).unwrap();
    let reports: BTreeSet<String> =
        names(first.documents.iter().map(|d| d.job).filter(|j| matches!(j, Job::Report(_))));
    assert!(!reports.is_empty());

    // A report template that says the same with one line more.
    let templates = tempfile::tempdir().unwrap();
    let report = include_str!("../../templates/report.typ.j2");
    let report = format!("{report}\n// 本行为测试添加\n");
    std::fs::write(templates.path().join("report.typ.j2"), report).unwrap();
    let edited = base.reload_templates(Some(templates.path())).unwrap();
    let (built, files) = build_book(&dir, &book, &edited, Some(&cache)).unwrap();
    assert_eq!(jobs(&built, CacheOutcome::Made), reports);
    let (_, fresh) = build_book(&dir, &book, &edited, None).unwrap();
    assert_same_files(&files, &fresh);

    // The style library every document imports: every PDF again, not the workbook.
    let gongwen = include_str!("../../templates/gongwen.typ");
    let gongwen = format!("{gongwen}\n// 本行为测试添加\n");
    std::fs::write(templates.path().join("gongwen.typ"), gongwen).unwrap();
    let restyled = base.reload_templates(Some(templates.path())).unwrap();
    let (built, files) = build_book(&dir, &book, &restyled, Some(&cache)).unwrap();
    assert_eq!(jobs(&built, CacheOutcome::Reused), names([Job::Workbook]));
    let (_, fresh) = build_book(&dir, &book, &restyled, None).unwrap();
    assert_same_files(&files, &fresh);

    // Back to the built-in templates: a reloaded engine is the same engine to the cache,
    // but the last build dropped what the built-in templates made.
    let reloaded = base.reload_templates(None).unwrap();
    assert_eq!(reloaded.identity(), base.identity());
    let (built, _) = build_book(&dir, &book, &reloaded, Some(&cache)).unwrap();
    assert_eq!(jobs(&built, CacheOutcome::Reused), names([Job::Workbook]));
}

#[test]
fn a_font_change_retypesets_every_pdf() {
    let dir = folder();
    let cache = Arc::new(Cache::new());
    let book = reference_2021();
    let (first, _) = build_book(&dir, &book, common::engine(), Some(&cache)).unwrap();

    // Another engine with the same fonts reuses everything.
    let same = Engine::new(&EngineOptions::bundled()).unwrap();
    assert_eq!(same.identity(), common::engine().identity());
    let (built, _) = build_book(&dir, &book, &same, Some(&cache)).unwrap();
    assert_eq!(built.made().count(), 0);

    // 宋体 set bold: the same font files, another role.
    let config = tempfile::tempdir().unwrap();
    let roles_path = config.path().join("roles.toml");
    let bundled = FontOptions::bundled();
    let roles = std::fs::read_to_string(bundled.dir.join("roles.toml")).unwrap();
    let bold = roles.replace(
        "families = [\"宋体\", \"SimSun\", \"STSong\", \"华文宋体\", \"Noto Serif SC\"]\nweight = 400",
        "families = [\"宋体\", \"SimSun\", \"STSong\", \"华文宋体\", \"Noto Serif SC\"]\nweight = 700",
    );
    assert_ne!(bold, roles, "roles.toml has the 宋体 role as expected");
    std::fs::write(&roles_path, bold).unwrap();
    let options = EngineOptions {
        fonts: FontOptions { roles: Some(roles_path), ..bundled },
        templates: None,
    };
    let bold = Engine::new(&options).unwrap();
    assert_ne!(bold.identity(), common::engine().identity());
    let (built, files) = build_book(&dir, &book, &bold, Some(&cache)).unwrap();
    let pdfs: BTreeSet<String> =
        names(first.documents.iter().map(|d| d.job).filter(|j| !matches!(j, Job::Workbook)));
    assert_eq!(jobs(&built, CacheOutcome::Made), pdfs);
    let (_, fresh) = build_book(&dir, &book, &bold, None).unwrap();
    assert_same_files(&files, &fresh);
}

#[test]
fn font_files_are_part_of_the_engine_identity() {
    // The bundled fonts minus one file that no role needs alone: every role still
    // resolves, but documents could typeset differently.
    let bundled = FontOptions::bundled();
    let dir = tempfile::tempdir().unwrap();
    // Absolute, for the links.
    for entry in std::fs::read_dir(std::fs::canonicalize(&bundled.dir).unwrap()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_file() && !name.starts_with("FandolKai") {
            symlink_or_copy(&path, &dir.path().join(&name));
        }
    }
    let options = |dir: &Path| EngineOptions {
        fonts: FontOptions { dir: dir.to_path_buf(), roles: None, system: false },
        templates: None,
    };
    let fewer = Engine::new(&options(dir.path())).unwrap();
    assert_ne!(fewer.identity(), common::engine().identity());
    let same = Engine::new(&options(&bundled.dir)).unwrap();
    assert_eq!(same.identity(), common::engine().identity());
}

fn symlink_or_copy(from: &Path, to: &Path) {
    #[cfg(unix)]
    if std::os::unix::fs::symlink(from, to).is_ok() {
        return;
    }
    std::fs::copy(from, to).unwrap();
}

#[test]
fn the_cache_keeps_one_builds_files_and_survives_a_failed_build() {
    let dir = folder();
    let engine = common::engine();
    let cache = Arc::new(Cache::new());
    let (big, _) = build_book(&dir, &synthetic(12, 3), engine, Some(&cache)).unwrap();
    assert_eq!(cache.len(), big.files);

    // Another institution: nothing to reuse, and nothing of the first kept.
    let small_book = synthetic(6, 4);
    let (small, small_files) = build_book(&dir, &small_book, engine, Some(&cache)).unwrap();
    assert_eq!(small.reused().count(), 0);
    assert_eq!(cache.len(), small.files);

    // A typo the user then corrects: the failed build leaves the cache as it was.
    let mut broken = small_book.clone();
    broken.sheet_mut("评分").unwrap().set(0, "得分", "九十");
    assert!(matches!(
        build_book(&dir, &broken, engine, Some(&cache)),
        Err(BuildError::Input { .. })
    ));
    assert_eq!(cache.len(), small.files);
    let (fixed, fixed_files) = build_book(&dir, &small_book, engine, Some(&cache)).unwrap();
    assert_eq!(fixed.made().count(), 0);
    assert_same_files(&fixed_files, &small_files);
}

#[test]
fn reused_documents_still_hand_over_their_typst_source() {
    let engine = common::engine();
    let cache = Arc::new(Cache::new());
    let book = synthetic(4, 5);
    let (_dir, path) = common::write_book(&book, "book.xlsx");
    let books = read_inputs(&[path]).unwrap();
    let options = BuildOptions { emit_typst: true, threads: 2, cache: Some(Arc::clone(&cache)) };
    let typst_files = || {
        let sink = MemorySink::new();
        let built = build(&books, engine, &options, &sink, &|_| {}).unwrap();
        let files = sink.into_files();
        let typst: Vec<_> =
            files.into_iter().filter(|f| f.path.starts_with(kaoping::build::TYPST_DIR)).collect();
        (built, typst)
    };
    let (first, first_typst) = typst_files();
    let (second, second_typst) = typst_files();
    assert_eq!(second.reused().count(), first.files);
    assert_eq!(first_typst.len(), first.files - 1, "every PDF's source");
    assert_same_files(&second_typst, &first_typst);
}
