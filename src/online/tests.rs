//! Online scoring against the reference sample with its 评分 sheet emptied (except for a
//! few rows kept to be "entered elsewhere"): validation, durability, concurrency, restart.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::*;
use crate::model::{DeptId, MemberId};
use crate::sample;

/// A main workbook in a temp folder, its plan, and online scoring beside it.
struct Fixture {
    _dir: tempfile::TempDir,
    main: PathBuf,
    scores: PathBuf,
    plan: Plan,
    scoring: Scoring,
}

/// How many rows of the sample's 评分 sheet stay in the main workbook.
const KEPT_SCORE_ROWS: usize = 3;

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let mut book = sample::reference_2021();
    book.sheet_mut("评分").unwrap().rows.truncate(KEPT_SCORE_ROWS);
    let main = dir.path().join("考评.xlsx");
    std::fs::write(&main, book.to_xlsx_bytes().unwrap()).unwrap();
    let scores = default_dir(&main);
    let plan = plan_of(std::slice::from_ref(&main));
    let scoring = Scoring::open(&scores).unwrap();
    assert!(scoring.refresh(&plan).unwrap().is_empty());
    Fixture { _dir: dir, main, scores, plan, scoring }
}

fn plan_of(inputs: &[PathBuf]) -> Plan {
    let books = crate::build::read_inputs(inputs).unwrap();
    let checked = crate::check::check(&books);
    let errors: Vec<String> =
        checked.findings.iter().filter(|f| f.is_error()).map(|f| f.to_string()).collect();
    checked.plan.unwrap_or_else(|| panic!("check failed: {errors:#?}"))
}

fn id_of(plan: &Plan, member: MemberId) -> EvaluatorId {
    EvaluatorId::new(&plan.group(member.group).name, &plan.member(member).name)
}

/// An evaluator with at least one department to score and one to recuse from, when the
/// sample has one; else any evaluator.
fn evaluator(f: &Fixture, recusing: bool) -> (EvaluatorId, MemberId) {
    let plan = &f.plan;
    let ctx = f.scoring.context().unwrap();
    let e = ctx
        .evaluators
        .iter()
        .find(|e| e.departments.iter().any(|&d| plan.recuses(e.member, d)) == recusing)
        .expect("the sample has such an evaluator");
    (e.id.clone(), e.member)
}

/// A (department, indicator code) this evaluator scores, not entered elsewhere.
fn free_cells(f: &Fixture, id: &EvaluatorId) -> Vec<(String, String, String)> {
    let view = f.scoring.evaluator_view(id).unwrap();
    view.departments
        .iter()
        .filter(|d| d.recused.is_none())
        .flat_map(|d| {
            d.indicators
                .iter()
                .filter(|i| i.elsewhere.is_none())
                .map(move |i| (d.name.clone(), i.code.clone(), i.max.clone()))
        })
        .collect()
}

fn score(dept: &str, code: &str, text: &str) -> SaveRequest {
    SaveRequest {
        department: dept.into(),
        indicator: code.into(),
        field: Field::Score(text.into()),
    }
}

fn refusal(result: Result<Saved, SaveError>) -> Refusal {
    match result {
        Err(SaveError::Refused(r)) => r,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn file_of(f: &Fixture, id: &EvaluatorId) -> PathBuf {
    let summary = f.scoring.summaries().into_iter().find(|s| &s.id == id).unwrap();
    f.scores.join(summary.file_name)
}

fn log_text(scores: &Path) -> String {
    std::fs::read_to_string(scores.join(LOG_FILE)).unwrap()
}

#[test]
fn every_refusal_saves_nothing_and_is_logged() {
    let f = fixture();
    let (id, member) = evaluator(&f, true);
    let plan = &f.plan;
    let cells = free_cells(&f, &id);
    let (dept, code, max) = cells[0].clone();
    let file = file_of(&f, &id);
    let before = std::fs::read(&file).unwrap();

    let recused = f
        .scoring
        .context()
        .unwrap()
        .evaluators
        .iter()
        .find(|e| e.id == id)
        .unwrap()
        .departments
        .iter()
        .copied()
        .find(|&d| plan.recuses(member, d))
        .unwrap();
    let recused_name = plan.department(recused).name.clone();
    let foreign = plan
        .dept_ids()
        .find(|&d| plan.department(d).category != plan.group(member.group).target)
        .unwrap();
    let foreign_name = plan.department(foreign).name.clone();
    let elsewhere = plan.scores.first();

    type Expected = fn(&Refusal) -> bool;
    let cases: Vec<(SaveRequest, Expected)> = vec![
        (score("不存在的部门", &code, "1"), |r| matches!(r, Refusal::UnknownDepartment(_))),
        (score(&foreign_name, &code, "1"), |r| matches!(r, Refusal::NotYourDepartment { .. })),
        (score(&recused_name, &code, "1"), |r| matches!(r, Refusal::Recused { .. })),
        (score(&dept, "Z99", "1"), |r| matches!(r, Refusal::UnknownIndicator { .. })),
        (score(&dept, &code, "九十"), |r| matches!(r, Refusal::NotANumber(_))),
        (score(&dept, &code, "1.234"), |r| matches!(r, Refusal::TooManyDecimals(_))),
        (score(&dept, &code, "-1"), |r| matches!(r, Refusal::Negative(_))),
        (score(&dept, &code, &format!("{max}.01")), |r| matches!(r, Refusal::AboveMax { .. })),
        (
            SaveRequest {
                department: dept.clone(),
                indicator: code.clone(),
                field: Field::Note("长".repeat(NOTE_MAX_CHARS + 1)),
            },
            |r| matches!(r, Refusal::NoteTooLong { .. }),
        ),
        (
            SaveRequest {
                department: dept.clone(),
                indicator: code.clone(),
                field: Field::Note("a\u{7}b".into()),
            },
            |r| matches!(r, Refusal::NoteControlCharacter),
        ),
    ];
    for (request, expected) in &cases {
        let r = refusal(f.scoring.save(&id, request, "10.0.0.9"));
        assert!(expected(&r), "{request:?} gave {r:?}");
        assert!(!r.to_string().is_empty());
    }
    if let Some(entry) = elsewhere {
        let other = id_of(plan, entry.evaluator);
        let d = plan.department(entry.dept).name.clone();
        let c = plan.indicator(entry.indicator).code.clone();
        let r = refusal(f.scoring.save(&other, &score(&d, &c, "1"), "10.0.0.9"));
        assert!(matches!(r, Refusal::EnteredElsewhere { .. }), "{r:?}");
        assert!(r.to_string().contains("评分!"), "{r}");
    }
    let stranger = EvaluatorId::new("无此组", "无此人");
    assert!(matches!(
        refusal(f.scoring.save(&stranger, &score(&dept, &code, "1"), "10.0.0.9")),
        Refusal::UnknownEvaluator { .. }
    ));
    assert_eq!(
        f.scoring.find_link("AAAAAAAAAAAAAAAAAAAAAA", "10.0.0.7"),
        Err(Refusal::UnknownLink)
    );

    assert_eq!(std::fs::read(&file).unwrap(), before, "a refused save changed the workbook");
    let log = log_text(&f.scores);
    assert!(log.contains("拒绝"));
    assert!(log.contains("10.0.0.7") && log.contains("链接无效"));
    assert!(log.contains(&recused_name) && log.contains("回避"));
    let refusals = log.lines().filter(|l| l.contains("拒绝")).count();
    assert_eq!(refusals, cases.len() + 2 + usize::from(elsewhere.is_some()));
}

#[test]
fn a_save_is_read_back_by_check_like_a_returned_form() {
    let f = fixture();
    let (id, member) = evaluator(&f, false);
    let cells = free_cells(&f, &id);
    let (dept, code, _) = &cells[0];
    let saved = f.scoring.save(&id, &score(dept, code, "８.5"), "127.0.0.1").unwrap();
    assert_eq!(saved.value, "8.5");
    assert_eq!(saved.entered, 1 + f.plan.scores.iter().filter(|s| s.evaluator == member).count());
    let note = SaveRequest {
        department: dept.clone(),
        indicator: code.clone(),
        field: Field::Note("材料齐全, 但\"台账\"不全".into()),
    };
    f.scoring.save(&id, &note, "127.0.0.1").unwrap();

    let plan = plan_of(&[f.main.clone(), f.scores.clone()]);
    let online: Vec<_> =
        plan.scores.iter().filter(|s| s.origin.file.starts_with(&f.scores)).collect();
    assert_eq!(online.len(), 1);
    assert_eq!(online[0].evaluator, member);
    assert_eq!(online[0].score.points().to_string(), "8.5");
    assert_eq!(online[0].note.as_deref(), Some("材料齐全, 但\"台账\"不全"));
    assert_eq!(plan.department(online[0].dept).name, *dept);

    // Clearing takes the score out again; the note stays.
    let cleared = f.scoring.save(&id, &score(dept, code, " "), "127.0.0.1").unwrap();
    assert_eq!(cleared.value, "");
    let plan = plan_of(&[f.main.clone(), f.scores.clone()]);
    assert!(plan.scores.iter().all(|s| !s.origin.file.starts_with(&f.scores)));
    let log = log_text(&f.scores);
    assert!(log.contains(",8.5,127.0.0.1,已保存"), "{log}");
    assert!(log.contains(",8.5,,127.0.0.1,已保存"), "{log}");
}

#[test]
fn values_notes_submission_and_links_survive_a_restart() {
    let f = fixture();
    let (id, _) = evaluator(&f, true);
    let cells = free_cells(&f, &id);
    for (i, (dept, code, _)) in cells.iter().take(5).enumerate() {
        f.scoring.save(&id, &score(dept, code, &format!("{}.25", i)), "127.0.0.1").unwrap();
    }
    let (dept, code, _) = &cells[0];
    let note = SaveRequest {
        department: dept.clone(),
        indicator: code.clone(),
        field: Field::Note("好".into()),
    };
    f.scoring.save(&id, &note, "127.0.0.1").unwrap();
    f.scoring.submit(&id, "127.0.0.1").unwrap();
    let secret = f.scoring.secret_of(&id).unwrap().to_string();
    let before = f.scoring.evaluator_view(&id).unwrap();
    assert_eq!(before.status, Status::Submitted);
    drop(f.scoring);

    let again = Scoring::open(&f.scores).unwrap();
    assert!(again.refresh(&f.plan).unwrap().is_empty());
    assert_eq!(again.find_link(&secret, "127.0.0.1"), Ok(id.clone()));
    assert_eq!(again.evaluator_view(&id).unwrap(), before);
    assert!(matches!(refusal(again.save(&id, &score(dept, code, "1"), "x")), Refusal::Submitted));
    again.reopen(&id, "127.0.0.1").unwrap();
    assert_eq!(again.evaluator_view(&id).unwrap().status, Status::InProgress);
    again.save(&id, &score(dept, code, "1"), "x").unwrap();
}

#[test]
fn a_replaced_link_stops_working_at_once() {
    let f = fixture();
    let (id, _) = evaluator(&f, false);
    let old = f.scoring.secret_of(&id).unwrap().to_string();
    assert_eq!(f.scoring.find_link(&old, "x"), Ok(id.clone()));
    let new = f.scoring.replace_link(&id, "127.0.0.1").unwrap().to_string();
    assert_eq!(f.scoring.find_link(&old, "x"), Err(Refusal::UnknownLink));
    assert_eq!(f.scoring.find_link(&new, "x"), Ok(id.clone()));
    let summary = f.scoring.summaries().into_iter().find(|s| s.id == id).unwrap();
    assert_eq!(summary.secret.as_deref(), Some(new.as_str()));
}

#[test]
fn the_view_follows_visit_order_with_recusal_and_scores_entered_elsewhere() {
    let f = fixture();
    let plan = &f.plan;
    let ctx = f.scoring.context().unwrap();
    let mut saw_recusal = false;
    let mut saw_elsewhere = false;
    for e in &ctx.evaluators {
        let view = f.scoring.evaluator_view(&e.id).unwrap();
        let target = plan.group(e.member.group).target;
        let order: Vec<String> = plan
            .visit_order(target)
            .into_iter()
            .map(|d: DeptId| plan.department(d).name.clone())
            .collect();
        let names: Vec<String> = view.departments.iter().map(|d| d.name.clone()).collect();
        assert_eq!(names, order);
        for d in &view.departments {
            if let Some(reason) = &d.recused {
                saw_recusal = true;
                assert!(reason.contains("本人所在部门"), "{reason}");
                assert_eq!(d.expected, 0);
            }
            saw_elsewhere |= d
                .indicators
                .iter()
                .any(|i| i.elsewhere.as_ref().is_some_and(|w| w.place.contains("考评.xlsx 评分!")));
        }
        let elsewhere = plan.scores.iter().filter(|s| s.evaluator == e.member).count();
        assert_eq!(view.entered, elsewhere);
        assert_eq!(view.status, Status::NotStarted);
    }
    assert!(saw_recusal && saw_elsewhere);
    let summaries = f.scoring.summaries();
    assert_eq!(summaries.len(), ctx.evaluators.len());
    assert!(summaries.iter().all(|s| s.secret.is_some() && f.scores.join(&s.file_name).is_file()));
    let json = serde_json::to_string(&f.scoring.evaluator_view(&summaries[0].id).unwrap()).unwrap();
    assert!(json.contains("\"status\":\"未开始\""), "{json}");
}

#[test]
fn twenty_concurrent_savers_lose_nothing_and_readers_never_see_a_torn_file() {
    let f = fixture();
    let ctx = f.scoring.context().unwrap();
    let scoring = Arc::new(f.scoring);
    // Twenty threads over every evaluator: two threads share an evaluator when there are
    // fewer than twenty, which exercises the per-evaluator lock as well.
    let jobs: Vec<(EvaluatorId, Vec<(String, String)>)> = (0..20)
        .map(|t| {
            let e = &ctx.evaluators[t % ctx.evaluators.len()];
            let view = scoring.evaluator_view(&e.id).unwrap();
            let cells: Vec<(String, String)> = view
                .departments
                .iter()
                .filter(|d| d.recused.is_none())
                .flat_map(|d| {
                    d.indicators
                        .iter()
                        .filter(|i| i.elsewhere.is_none())
                        .map(|i| (d.name.clone(), i.code.clone()))
                })
                .skip(t / ctx.evaluators.len() * 4)
                .take(4)
                .collect();
            (e.id.clone(), cells)
        })
        .collect();
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let watched = f.scores.join(&ctx.evaluators[0].file_name);
    let reader = {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut reads = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                crate::workbook::open(&watched).expect("a whole workbook at every moment");
                reads += 1;
            }
            reads
        })
    };
    let threads: Vec<_> = jobs
        .iter()
        .cloned()
        .map(|(id, cells)| {
            let scoring = scoring.clone();
            std::thread::spawn(move || {
                for (dept, code) in cells {
                    scoring.save(&id, &score(&dept, &code, "1.5"), "127.0.0.1").unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    assert!(reader.join().unwrap() > 0);

    let expected: usize = {
        let mut all: Vec<_> = jobs
            .iter()
            .flat_map(|(id, cells)| cells.iter().map(move |c| (id.clone(), c.clone())))
            .collect();
        all.sort();
        all.dedup();
        all.len()
    };
    let plan = plan_of(&[f.main.clone(), f.scores.clone()]);
    let online = plan.scores.iter().filter(|s| s.origin.file.starts_with(&f.scores)).count();
    assert_eq!(online, expected);
    let accepted =
        log_text(&f.scores).lines().filter(|l| l.trim_end().ends_with("已保存,")).count();
    assert_eq!(accepted, expected);
}
