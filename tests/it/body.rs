//! The 正文 sheet: the office's own wording laid out to GB/T 9704 (grid, faces, indent,
//! headings kept with their text, the signature never alone), `kaoping init`'s wording
//! giving the reference notice, and broken sheets refused before anything is written.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use kaoping::render::inspect::{Layout, TextRun};
use kaoping::sample::{Book, reference_2021};

use crate::notice::{CPITCH, LEFT, PITCH, TOL, TOP, TYPE_WIDTH, close, notice_layout};

const HEITI: &str = "Noto Sans SC";
const KAITI: &str = "FandolKai";
const FANGSONG: &str = "FandolFang R";

fn with_body(paragraphs: &[&str]) -> Book {
    let mut book = reference_2021();
    book.set_body(paragraphs);
    book
}

/// The 三号 text of the body pages (below the title, before the 附件 page), page numbers
/// and the 发文字号 of the header aside.
fn body_runs(layout: &Layout) -> Vec<&TextRun> {
    let attachment = attachment_page(layout);
    let title_bottom = layout
        .texts
        .iter()
        .filter(|t| t.page == 0 && (t.size - 22.0).abs() < 0.01)
        .map(|t| t.y)
        .fold(f64::MIN, f64::max);
    layout
        .texts
        .iter()
        .filter(|t| t.page < attachment && (t.size - 16.0).abs() < 0.01)
        .filter(|t| t.page > 0 || t.y > title_bottom)
        .collect()
}

fn attachment_page(layout: &Layout) -> usize {
    (0..layout.pages)
        .find(|&p| layout.texts.iter().any(|t| t.page == p && t.text == "附件" && t.size > 15.0))
        .expect("an attachment page")
}

/// The first run whose text starts with `start`.
fn run<'a>(layout: &'a Layout, start: &str) -> &'a TextRun {
    layout
        .texts
        .iter()
        .find(|t| t.text.starts_with(start))
        .unwrap_or_else(|| panic!("no run starts with {start}"))
}

/// The GB/T 9704 checks every body must pass: lines on the 22-line grid (pages after the
/// first start at the top of the type area), nothing outside the type area, every page
/// numbered, 附件说明 one blank line below the body and the signature below it on a page
/// that carries body text.
fn assert_layout_holds(layout: &Layout, what: &str) {
    let attachment = attachment_page(layout);
    let runs = body_runs(layout);
    for page in 0..attachment {
        let mut baselines: Vec<f64> = runs.iter().filter(|t| t.page == page).map(|t| t.y).collect();
        baselines.sort_by(f64::total_cmp);
        baselines.dedup_by(|a, b| (*a - *b).abs() < 0.01);
        assert!(!baselines.is_empty(), "{what}: page {} has body text", page + 1);
        for pair in baselines.windows(2) {
            let lines = (pair[1] - pair[0]) / PITCH;
            close(lines, lines.round(), 0.002, &format!("{what}: baselines on the grid"));
        }
        let first_slot = TOP + (PITCH - 16.0) / 2.0 + 0.88 * 16.0;
        if page > 0 {
            close(
                baselines[0],
                first_slot,
                0.01,
                &format!("{what}: page {} starts on line 1", page + 1),
            );
        }
        let last_slot = first_slot + 21.0 * PITCH;
        assert!(
            *baselines.last().unwrap() <= last_slot + 0.01,
            "{what}: page {} runs below line 22",
            page + 1
        );
    }
    for t in &runs {
        // Punctuation at a line's end may hang into the margin (typst's overhang).
        let hang = if t.text.ends_with(|c: char| !c.is_alphanumeric()) { 0.25 * 16.0 } else { 0.0 };
        assert!(
            t.x >= LEFT - TOL && t.x + t.width <= LEFT + TYPE_WIDTH + TOL + hang,
            "{what}: “{}” leaves the type area ({:.1}..{:.1})",
            t.text,
            t.x,
            t.x + t.width
        );
    }
    let numbers = layout.texts.iter().filter(|t| t.text.starts_with('—') && t.size < 15.0).count();
    assert_eq!(numbers, layout.pages, "{what}: one page number per page");

    let note = run(layout, "附件：");
    let signer =
        layout.texts.iter().find(|t| t.text == "阿克苏职业技术学院办公室" && t.page < attachment);
    let signer = signer.expect("署名");
    let date = layout.texts.iter().find(|t| t.text == "2021年11月8日").expect("成文日期");
    assert_eq!(
        (note.page, date.page),
        (signer.page, signer.page),
        "{what}: 附件说明 and signature together"
    );
    close(
        signer.y - note.y,
        2.0 * PITCH,
        0.01,
        &format!("{what}: one blank line above the signature"),
    );
    close(note.x, LEFT + 2.0 * CPITCH, TOL, &format!("{what}: 附件说明 indented two 字"));
    let body_above = runs.iter().any(|t| t.page == note.page && t.y < note.y - 1.5 * PITCH);
    assert!(body_above, "{what}: the signature's page carries body text above 附件说明");
}

/// A paragraph's first line starts two 字 in.
fn assert_indented(layout: &Layout, start: &str) {
    close(run(layout, start).x, LEFT + 2.0 * CPITCH, TOL, &format!("“{start}” indented two 字"));
}

fn family_of(layout: &Layout, start: &str) -> String {
    run(layout, start).family.clone()
}

pub const ALL_LEVELS: &[&str] = &[
    "为做好{年度}年度考评工作，经{单位简称}研究，定于{考评日期}开展考评。",
    "一、总体要求",
    "（一）工作目标",
    "1.完成时限",
    "（1）具体安排",
    "各{部门类别}于{自查截止}前完成自查；动员会定于{动员会日期}{动员会时刻}在{动员会地点}召开。",
    "二、组织机构。{单位简称}成立领导小组，下设{考评组数}个考评组。",
    "【领导小组名单】",
    "（一）考评分组：",
    "【考评组名单：处（室）考评组】",
    "（二）严格纪律。考评人员要遵守纪律，共有{具体工作负责人数}名具体工作负责人。",
    "2.资料报送。各部门按时报送资料。",
    "（1）报送方式。以纸质材料报送。",
    "（2）报送地点为{领导小组办公室}；",
    "特殊字符照印：#set page(width: 1cm) *粗* $x$ [链接] \\ <标签> // 注释 {{原样}}",
    "请各部门认真落实，按{依据文件}的要求做好工作。",
];

#[test]
fn every_level_prints_in_its_face_with_the_facts_filled_in() {
    let layout = notice_layout(&with_body(ALL_LEVELS));
    assert_layout_holds(&layout, "all levels");
    let text = layout.text().replace(['\u{3000}', '\u{200B}'], "");

    // Heading lines in their faces; level 3 is 仿宋 drawn bold.
    assert_eq!(family_of(&layout, "一、总体要求"), HEITI);
    assert_eq!(family_of(&layout, "（一）工作目标"), KAITI);
    assert_eq!(family_of(&layout, "1.完成时限"), FANGSONG);
    assert!(run(&layout, "1.完成时限").stroked, "level 3 heading bold");
    assert_eq!(family_of(&layout, "（1）具体安排"), FANGSONG);
    assert!(!run(&layout, "（1）具体安排").stroked);
    // Run-in headings: the first sentence in the level's face, the rest in 仿宋.
    assert_eq!(family_of(&layout, "二、组织机构。"), HEITI);
    assert!(!run(&layout, "二、组织机构。").text.contains("学院成立"));
    assert_eq!(family_of(&layout, "学院成立领导小组"), FANGSONG);
    assert_eq!(family_of(&layout, "（二）严格纪律。"), KAITI);
    assert_eq!(family_of(&layout, "2.资料报送。"), FANGSONG);
    assert!(run(&layout, "2.资料报送。").stroked);
    assert!(!run(&layout, "各部门按时报送资料").stroked);
    // A numbered paragraph with a sentence that does not run on stays 仿宋.
    assert_eq!(family_of(&layout, "（2）报送地点"), FANGSONG);
    for start in
        ["为做好", "一、总体要求", "（一）工作目标", "1.完成时限", "（1）具体安排", "二、组织机构"]
    {
        assert_indented(&layout, start);
    }

    for filled in [
        "为做好2021年度考评工作，经学院研究，定于11月29日—11月30日开展考评。",
        "各二级学院、处（室）于11月24日前完成自查；动员会定于11月26日（周五）上午10:30在厚德楼二楼会议室召开。",
        "下设两个考评组",
        "共有两名具体工作负责人",
        "报送地点为教育教学质量监控中心；",
        "按《2021阿克苏地区绩效综合考评办法》",
        "（阿职院党办发〔2021〕41号）",
        // The lists: leadership and the one group named.
        "组长：蒲思雄（党委书记）",
        "具体工作负责人：肖育婷15569064563",
        // Cell text printed literally.
        "#set page(width: 1cm) *粗* $x$ [链接] \\ <标签> // 注释 {原样}",
    ] {
        assert!(text.contains(filled), "missing “{filled}” in\n{text}");
    }
    assert!(!text.contains("郭艳丽"), "only the group named in the marker is listed");
    // A person's wrapped post stays on the page of the name (this body puts the break there).
    let name = run(&layout, "王玉国");
    let post_end = layout.texts.iter().find(|t| t.text == "任）").expect("the wrapped post");
    assert_eq!(name.page, post_end.page, "a list row split across pages");
    // None of the built-in wording is left, no placeholder survives.
    for built_in in ["考评原则", "组织领导", "工作要求", "以会代训"] {
        assert!(!text.contains(built_in), "built-in wording left: {built_in}");
    }
    assert_eq!(text.matches('{').count(), 1, "only the literal brace: {text}");
}

#[test]
fn a_body_of_one_paragraph() {
    let layout = notice_layout(&with_body(&[
        "{单位名称}定于{考评日期}开展{年度}年度绩效考评，请各部门做好准备。",
    ]));
    assert_layout_holds(&layout, "one paragraph");
    assert_indented(&layout, "阿克苏职业技术学院定于");
    assert_eq!(attachment_page(&layout), 1, "the body fits page 1");
}

#[test]
fn a_body_of_three_pages() {
    let sentence =
        "各部门要对照考评指标逐项自查，如实填写自查报告，按时提交佐证材料，确保考评工作顺利完成。";
    let mut paragraphs = Vec::new();
    for section in ["一、工作目标", "二、工作内容", "三、工作步骤", "四、工作要求"]
    {
        paragraphs.push(section.to_string());
        for _ in 0..5 {
            paragraphs.push(sentence.repeat(2));
        }
    }
    let refs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
    let layout = notice_layout(&with_body(&refs));
    assert!(attachment_page(&layout) >= 3, "three pages of body: {}", attachment_page(&layout));
    assert_layout_holds(&layout, "three pages");
}

#[test]
fn a_paragraph_of_one_200_character_run_stays_in_the_type_area() {
    let latin = "A".repeat(200);
    let chinese = "甲".repeat(200);
    let layout = notice_layout(&with_body(&[&latin, &chinese, "以上为测试。"]));
    assert_layout_holds(&layout, "200-character runs");
    let text = layout.text().replace('\u{200B}', "");
    assert!(text.contains(&latin), "{text}");
    // The Chinese run crosses a page: every character is there, in order.
    assert_eq!(text.matches('甲').count(), 200, "{text}");
}

/// Wherever a heading falls, it never ends a page: before it, 0..=24 one-line paragraphs
/// move it across every line of the first pages. Two headings in a row move together.
#[test]
fn a_heading_never_ends_a_page() {
    for fillers in 0..=24 {
        let mut paragraphs: Vec<String> =
            (0..fillers).map(|i| format!("第{}行。", i + 1)).collect();
        paragraphs.push("二、工作安排".into());
        paragraphs.push("（一）考评准备".into());
        paragraphs.push("各部门按要求做好考评准备工作。".into());
        paragraphs.push("以上要求请认真落实。".into());
        let refs: Vec<&str> = paragraphs.iter().map(String::as_str).collect();
        let layout = notice_layout(&with_body(&refs));
        let first = run(&layout, "二、工作安排");
        let heading = run(&layout, "（一）考评准备");
        let next = run(&layout, "各部门按要求");
        assert_eq!(
            (first.page, heading.page),
            (next.page, next.page),
            "{fillers} fillers: a heading left at a page's end"
        );
        close(next.y - first.y, 2.0 * PITCH, 0.01, "the paragraph right below its headings");
        assert_eq!((first.family.as_str(), heading.family.as_str()), (HEITI, KAITI));
        assert_layout_holds(&layout, &format!("{fillers} fillers"));
    }
}

/// The wording `kaoping init` writes, pasted into the reference workbook.
#[test]
fn init_wording_gives_the_reference_notice_word_for_word() {
    let bytes = kaoping::forms::blank_workbook(2021).unwrap();
    let mut xlsx = Xlsx::new(Cursor::new(bytes)).unwrap();
    // The 说明 sheet explains how to edit the wording and paste a Word draft.
    let guide = xlsx.worksheet_range("说明").unwrap();
    let guide: String = guide.cells().map(|(_, _, c)| c.to_string()).collect();
    for needle in ["从 Word 粘贴", "{单位名称}", "{具体工作负责人数}", "【考评组名单：组名】", "{{"]
    {
        assert!(guide.contains(needle), "说明 lacks {needle}");
    }
    let range = xlsx.worksheet_range("正文").unwrap();
    let mut rows = range.rows();
    assert_eq!(rows.next().unwrap()[0], Data::String("正文".into()));
    let paragraphs: Vec<String> = rows.map(|r| r[0].to_string()).collect();
    assert!(paragraphs.iter().any(|p| p.contains("{单位简称}")), "placeholders intact");
    assert!(paragraphs.iter().any(|p| p == "【领导小组名单】"));

    let layout =
        notice_layout(&with_body(&paragraphs.iter().map(String::as_str).collect::<Vec<_>>()));
    let text: String = (0..layout.pages).map(|p| layout.page_text(p) + "\n").collect();
    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/notice.txt");
    assert_eq!(text, std::fs::read_to_string(golden).unwrap());

    // The same paragraphs pasted into one cell, as a Word draft pasted while editing it.
    let pasted = notice_layout(&with_body(&[&paragraphs.join("\n")]));
    assert_eq!(pasted.text(), layout.text());
}

#[test]
fn the_built_in_wording_keeps_its_faces() {
    let layout = notice_layout(&reference_2021());
    assert_layout_holds(&layout, "reference");
    assert_eq!(family_of(&layout, "一、考评原则"), HEITI);
    assert_eq!(family_of(&layout, "（一）考评准备"), KAITI);
    assert_eq!(family_of(&layout, "（二）建立健全考评工作责任制。"), KAITI);
    assert_eq!(family_of(&layout, "（一）坚持客观公正"), FANGSONG);
}

#[test]
fn a_broken_body_is_refused_naming_the_cell_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let book = with_body(&["一、总则", "经{单位全称}研究决定。", "【考评组名单：第九组】"]);
    std::fs::write(dir.path().join("考评.xlsx"), book.to_xlsx_bytes().unwrap()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .args(["build", "考评.xlsx", "-o", "输出", "--no-system-fonts"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("正文!A3") && stderr.contains("{单位全称}"), "{stderr}");
    assert!(stderr.contains("正文!A4") && stderr.contains("第九组"), "{stderr}");
    assert!(!dir.path().join("输出").exists(), "nothing written");
}

/// A last paragraph taller than a page cannot stay whole with the signature; it breaks
/// like any paragraph instead of running off the page, and at least one of its lines comes
/// along with the signature, wherever its end falls (24 repeats end it on a page's last line).
#[test]
fn a_last_paragraph_longer_than_a_page_brings_a_line_along_with_the_signature() {
    for repeats in 22..=26 {
        let long =
            "各部门要对照考评指标逐项自查，如实填写自查报告，按时提交佐证材料。".repeat(repeats);
        let layout = notice_layout(&with_body(&["一、工作要求", &long]));
        assert!(attachment_page(&layout) >= 3, "the paragraph spans pages");
        assert_layout_holds(&layout, &format!("a last paragraph of {repeats} sentences"));
    }
}
