//! The red-header notice measured against GB/T 9704-2012 (`shared/spec/gbt9704.md`), on the
//! laid-out pages: mark, number, red rule, title, grid, page numbers, attachment page.

use crate::common;

use kaoping::render::inspect::{Layout, TextRun, mm};
use kaoping::render::{DocKind, plan_doc_source};

pub(crate) const PITCH: f64 = 637.795_275_590_551 / 22.0; // 225 mm / 22 lines
pub(crate) const CPITCH: f64 = 442.204_724_409_448_8 / 28.0; // 156 mm / 28 characters
pub(crate) const TOP: f64 = 104.881_889_763_779_53; // 37 mm
pub(crate) const LEFT: f64 = 79.370_078_740_157_48; // 28 mm
pub(crate) const TYPE_WIDTH: f64 = 442.204_724_409_448_8;
pub(crate) const TOL: f64 = 0.6; // points

pub(crate) fn notice_layout(book: &kaoping::sample::Book) -> Layout {
    let plan = common::plan_of(book);
    let engine = common::engine();
    let (source, extras) = plan_doc_source(engine, &plan, DocKind::Notice).unwrap();
    Layout::of(&engine.layout("notice", source, plan.info.date, &extras).unwrap())
}

fn sample_notice() -> Layout {
    notice_layout(&kaoping::sample::reference_2021())
}

pub(crate) fn close(actual: f64, expected: f64, tol: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= tol,
        "{what}: {actual:.3} pt, expected {expected:.3} pt (±{tol})"
    );
}

/// The em-box top of a run: typst places text at its baseline.
pub(crate) fn top(run: &TextRun) -> f64 {
    run.y - 0.88 * run.size
}

fn centre(run: &TextRun) -> f64 {
    run.x + run.width / 2.0
}

#[test]
fn mark_is_red_centred_and_35mm_below_the_type_area() {
    let layout = sample_notice();
    let mark: Vec<&TextRun> =
        layout.texts.iter().filter(|t| t.page == 0 && t.fill == [255, 0, 0]).collect();
    assert_eq!(mark.iter().map(|t| t.text.as_str()).collect::<String>(), "阿克苏职业技术学院文件");
    let first = mark[0];
    close(top(first), TOP + mm(35.0), TOL, "mark top");
    let left = mark.iter().map(|t| t.x).fold(f64::MAX, f64::min);
    let right = mark.iter().map(|t| t.x + t.width).fold(f64::MIN, f64::max);
    close((left + right) / 2.0, LEFT + TYPE_WIDTH / 2.0, TOL, "mark centre");
    assert!(right - left <= TYPE_WIDTH + 0.01, "mark fits one line");
    assert!(mark.iter().all(|t| (t.y - first.y).abs() < 0.01), "mark on one line");
}

#[test]
fn number_rule_and_title_follow_the_standard() {
    let layout = sample_notice();
    let number =
        layout.texts.iter().find(|t| t.page == 0 && t.text.contains("〔2021〕")).expect("发文字号");
    assert!(number.text.contains("阿职院办发〔2021〕45号"), "normalised number: {}", number.text);
    close(number.size, 16.0, 0.01, "number size");
    close(centre(number), LEFT + TYPE_WIDTH / 2.0, TOL, "number centre");
    let mark = layout.texts.iter().find(|t| t.fill == [255, 0, 0]).unwrap();
    let mark_bottom = mark.y + 0.12 * mark.size;
    close(top(number) - mark_bottom, 2.0 * PITCH, TOL, "two blank lines below the mark");

    let rule =
        layout.lines.iter().find(|l| l.page == 0 && l.stroke == [255, 0, 0]).expect("red rule");
    close(rule.dx, TYPE_WIDTH, 0.01, "rule width");
    close(rule.x, LEFT, 0.01, "rule left");
    close(rule.dy, 0.0, 0.01, "rule horizontal");
    close(rule.y - (number.y + 0.12 * number.size), mm(4.0), TOL, "rule 4 mm below the number");
    assert!(rule.thickness >= mm(0.35) - 0.01 && rule.thickness <= mm(0.5) + 0.01);

    let title: Vec<&TextRun> =
        layout.texts.iter().filter(|t| t.page == 0 && (t.size - 22.0).abs() < 0.01).collect();
    assert_eq!(title.len(), 2, "two balanced title lines: {title:?}");
    assert_eq!(title[0].text, "阿克苏职业技术学院2021年度");
    assert_eq!(title[1].text, "绩效考评工作实施方案");
    for line in &title {
        close(centre(line), LEFT + TYPE_WIDTH / 2.0, TOL, "title centre");
    }
    let slot_top = top(title[0]) - (PITCH - 22.0) / 2.0;
    close(slot_top - rule.y, 2.0 * PITCH, TOL, "two blank lines below the rule");
    close(title[1].y - title[0].y, PITCH, 0.01, "title line pitch");
}

#[test]
fn body_sits_on_the_22_by_28_grid() {
    let layout = sample_notice();
    let body: Vec<&TextRun> =
        layout.texts.iter().filter(|t| t.page == 1 && (t.size - 16.0).abs() < 0.01).collect();
    let mut baselines: Vec<f64> = body.iter().map(|t| t.y).collect();
    baselines.sort_by(f64::total_cmp);
    baselines.dedup_by(|a, b| (*a - *b).abs() < 0.01);
    assert!(baselines.len() >= 18, "a full page of lines: {}", baselines.len());
    for pair in baselines.windows(2) {
        let lines = (pair[1] - pair[0]) / PITCH;
        close(lines, lines.round(), 0.002, "baselines on the grid");
    }
    close(
        baselines[0] - 0.88 * 16.0 - (PITCH - 16.0) / 2.0,
        TOP,
        0.01,
        "first line at the type area top",
    );
    assert!(
        baselines.last().unwrap() + (PITCH - 16.0) / 2.0 + 0.12 * 16.0 <= TOP + 22.0 * PITCH + 0.01
    );

    // Ideographs advance by 156 mm / 28: 16 pt with slight negative tracking.
    let mut advances: Vec<f64> = body
        .iter()
        .filter(|t| t.family == "FandolFang R")
        .flat_map(|t| t.advances.iter().copied())
        .filter(|a| *a > 12.0)
        .collect();
    advances.sort_by(f64::total_cmp);
    let median = advances[advances.len() / 2];
    close(median, CPITCH, 0.01, "ideograph pitch");
}

#[test]
fn page_numbers_sit_7mm_below_the_type_area_alternating_sides() {
    let layout = sample_notice();
    let numbers: Vec<&TextRun> = layout
        .texts
        .iter()
        .filter(|t| t.text.starts_with('—') && (t.size - 14.0).abs() < 0.01)
        .collect();
    assert_eq!(numbers.len(), layout.pages, "one number per page");
    for n in numbers {
        let page = n.page + 1;
        assert_eq!(n.text, format!("— {page} —"));
        assert_eq!(n.family, "Noto Serif SC", "宋体 role");
        close(top(n), TOP + mm(225.0) + mm(7.0), TOL, "7 mm below the type area");
        if page % 2 == 1 {
            close(n.x + n.width, LEFT + TYPE_WIDTH - CPITCH, TOL, "odd pages: right, one 字 in");
        } else {
            close(n.x, LEFT + CPITCH, TOL, "even pages: left, one 字 in");
        }
    }
}

#[test]
fn attachment_page_has_label_title_and_table() {
    let layout = sample_notice();
    let page = (0..layout.pages)
        .find(|&p| {
            layout.texts.iter().filter(|t| t.page == p && t.size > 15.0).any(|t| t.text == "附件")
        })
        .expect("an attachment page");
    let label = layout.texts.iter().find(|t| t.page == page && t.text == "附件").unwrap();
    assert_eq!(label.family, "Noto Sans SC", "附件 in 黑体");
    close(label.x, LEFT, 0.01, "附件 flush left");
    close(top(label) - (PITCH - 16.0) / 2.0, TOP, TOL, "附件 on line 1");
    let title =
        layout.texts.iter().find(|t| t.page == page && (t.size - 22.0).abs() < 0.01).unwrap();
    close(top(title) - (PITCH - 22.0) / 2.0, TOP + 2.0 * PITCH, TOL, "title on line 3");
    let text = layout.page_text(page);
    assert!(text.contains("部门类别") && text.contains("具体安排") && text.contains("时间"));
    // The 附件说明 names the attachment exactly as its title.
    assert!(layout.text().contains("附件：学院各二级学院、处（室）年度绩效考评工作安排表"));
}

#[test]
fn signature_is_never_alone_on_a_page() {
    let layout = sample_notice();
    let signer = layout.texts.iter().find(|t| t.text == "阿克苏职业技术学院办公室").expect("署名");
    let date = layout.texts.iter().find(|t| t.text == "2021年11月8日").expect("成文日期");
    assert_eq!(signer.page, date.page);
    let body_above = layout.texts.iter().any(|t| {
        t.page == signer.page && t.y < signer.y - PITCH && !t.text.starts_with('—') && t.size > 15.0
    });
    assert!(body_above, "body text on the signature's page");
    // No seal: the date starts two 字 right of the name, the name ends two 字 from the right.
    close(
        signer.x + signer.width,
        LEFT + TYPE_WIDTH - 2.0 * CPITCH,
        TOL,
        "name two 字 from the right",
    );
    close(date.x - signer.x, 2.0 * CPITCH, TOL, "date two 字 right of the name");
}

#[test]
fn notice_text_matches_the_golden_file() {
    let layout = sample_notice();
    let text: String = (0..layout.pages).map(|p| layout.page_text(p) + "\n").collect();
    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/notice.txt");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden.parent().unwrap()).unwrap();
        std::fs::write(&golden, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&golden)
        .expect("golden file; run with UPDATE_GOLDEN=1 to create it");
    assert_eq!(
        text, expected,
        "the notice's text changed; if intended, rerun with UPDATE_GOLDEN=1"
    );
}

#[test]
fn every_fact_of_the_reference_is_printed() {
    let layout = sample_notice();
    let text = layout.text().replace(['\u{3000}'], "");
    for needle in [
        "阿职院办发〔2021〕45号",
        "11月26日（周五）上午10:30",
        "厚德楼二楼会议室",
        "11月29日—11月30日",
        "11月24日前",
        "2021年11月8日",
        "18999678675",
        "15569064563",
        "赵俊芬",
        "买尼沙木·亚生",
        "（阿职院党办发〔2021〕41号）",
        "教育教学质量监控中心",
    ] {
        assert!(text.contains(needle), "missing {needle}");
    }
    for dept in kaoping::sample::reference_2021().sheet("部门").unwrap().rows.iter() {
        let name = dept[0].as_text().unwrap();
        assert!(text.contains(name), "department {name} missing");
    }
}
