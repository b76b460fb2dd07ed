//! Tables that continue over pages (issue 11, item 2): the 工作安排表 on its own landscape
//! sheet and as the notice's 附件, on the sample, other institutions' workbooks and 300
//! departments. A table that tightening fits on one sheet prints on one; a continued one
//! leaves no page with fewer than three of its rows and repeats the 部门类别 on every page.
//!
//! Rows are counted by their date (`（周一）`, one per row); the 部门类别 column is found
//! by the table's vertical rules.

use crate::common;

use kaoping::model::{CategoryId, Plan};
use kaoping::render::inspect::Layout;
use kaoping::render::{DocKind, plan_doc_source};
use kaoping::sample::{Book, reference_2021, synthetic};

/// 四号: the smallest text of the stand-alone sheet.
const SIZE_4: f64 = 14.0;
/// 小四: the smallest text of the notice's 附件.
const SIZE_SMALL_4: f64 = 12.0;
const MIN_ROWS: usize = 3;

/// One page of a printed table.
#[derive(Debug)]
struct TablePage {
    page: usize,
    rows: usize,
    /// The 部门类别 column below the header, top to bottom.
    first_column: String,
    /// The smallest text on the page.
    smallest: f64,
}

/// The rows of the table as the plan has them: the meeting first (its first cell names the
/// organiser), then each category's slots.
struct Expected {
    organiser: String,
    /// Per category with slots: its name and its number of rows.
    categories: Vec<(String, usize)>,
}

impl Expected {
    fn of(plan: &Plan) -> Self {
        let categories = (0..plan.categories.len())
            .map(CategoryId)
            .map(|c| {
                let rows = plan.schedule.iter().filter(|s| s.category == c).count();
                (plan.category(c).name.clone(), rows)
            })
            .filter(|(_, rows)| *rows > 0)
            .collect();
        Expected { organiser: format!("{}绩效考评办", plan.info.org_short), categories }
    }

    fn rows(&self) -> usize {
        1 + self.categories.iter().map(|(_, n)| n).sum::<usize>()
    }

    /// What the 部门类别 column of a page holding rows `start..end` reads: the organiser
    /// for the meeting row, then each category once, marked （续） when it began on an
    /// earlier page.
    fn first_column(&self, start: usize, end: usize) -> String {
        let mut text = String::new();
        if start == 0 && end > 0 {
            text.push_str(&self.organiser);
        }
        let mut first_row = 1;
        for (name, rows) in &self.categories {
            let range = first_row..first_row + rows;
            let shown = range.start.max(start)..range.end.min(end);
            if !shown.is_empty() {
                text.push_str(name);
                if shown.start > range.start {
                    text.push_str("（续）");
                }
            }
            first_row = range.end;
        }
        text
    }
}

fn layout_of(plan: &Plan, kind: DocKind) -> Layout {
    let engine = common::engine();
    let (source, extras) = plan_doc_source(engine, plan, kind).unwrap();
    Layout::of(&engine.layout("table", source, plan.info.date, &extras).unwrap())
}

/// The pages from the table's first (the first with its header) to the document's end.
fn table_pages(layout: &Layout) -> Vec<TablePage> {
    let first = (0..layout.pages)
        .find(|&p| layout.page_text(p).contains("部门类别"))
        .expect("a page with the table's header");
    (first..layout.pages).map(|p| table_page(layout, p)).collect()
}

fn table_page(layout: &Layout, page: usize) -> TablePage {
    let text = layout.page_text(page);
    // The table's vertical rules, left to right: the first two bound the 部门类别 column.
    let mut rules: Vec<f64> = layout
        .lines
        .iter()
        .filter(|l| l.page == page && l.dx.abs() < 0.01 && l.dy.abs() > 1.0)
        .map(|l| l.x)
        .collect();
    rules.sort_by(f64::total_cmp);
    rules.dedup_by(|a, b| (*a - *b).abs() < 0.1);
    assert!(rules.len() >= 4, "page {}: a table's vertical rules: {rules:?}", page + 1);
    let (left, right) = (rules[0], rules[1]);
    let top = layout.lines.iter().filter(|l| l.page == page).map(|l| l.y).fold(f64::MAX, f64::min);
    let bottom =
        layout.lines.iter().filter(|l| l.page == page).map(|l| l.y + l.dy).fold(f64::MIN, f64::max);
    let first_column: String = layout
        .texts
        .iter()
        .filter(|t| t.page == page && t.x > left && t.x + t.width < right)
        .filter(|t| t.y > top && t.y < bottom)
        .map(|t| t.text.as_str())
        .collect();
    let first_column = first_column
        .strip_prefix("部门类别")
        .unwrap_or_else(|| panic!("page {}: header first: {first_column}", page + 1))
        .to_string();
    TablePage {
        page,
        rows: text.matches("（周").count(),
        first_column,
        smallest: layout
            .texts
            .iter()
            .filter(|t| t.page == page)
            .map(|t| t.size)
            .fold(f64::MAX, f64::min),
    }
}

/// What every printed table must satisfy, whatever the workbook: all rows printed once,
/// none alone (fewer than three on a page), the category named on every page that holds
/// its rows, no text below the floor.
fn check_table(what: &str, pages: &[TablePage], expected: &Expected, floor: f64) {
    let total = expected.rows();
    let printed: usize = pages.iter().map(|p| p.rows).sum();
    assert_eq!(printed, total, "{what}: rows printed {:?}", rows_per_page(pages));
    for page in pages {
        assert!(
            page.rows >= MIN_ROWS.min(total),
            "{what}: page {} holds {} of {total} rows; rows per page {:?}",
            page.page + 1,
            page.rows,
            rows_per_page(pages)
        );
    }
    let mut start = 0;
    for page in pages {
        let n = page.page + 1;
        let end = start + page.rows;
        assert_eq!(
            page.first_column,
            expected.first_column(start, end),
            "{what}: the 部门类别 column of page {n} (rows {}–{end})",
            start + 1
        );
        assert!(
            page.smallest >= floor - 0.01,
            "{what}: page {n} has text of {} pt, below the floor of {floor} pt",
            page.smallest
        );
        start = end;
    }
}

fn rows_per_page(pages: &[TablePage]) -> Vec<usize> {
    pages.iter().map(|p| p.rows).collect()
}

/// The stand-alone sheet's and the attachment's pages, both checked.
fn both_tables(book: &Book, what: &str) -> (Vec<TablePage>, Vec<TablePage>) {
    let plan = common::plan_of(book);
    let expected = Expected::of(&plan);
    let schedule = table_pages(&layout_of(&plan, DocKind::Schedule));
    check_table(&format!("{what}: 工作安排表"), &schedule, &expected, SIZE_4);
    let attachment = table_pages(&layout_of(&plan, DocKind::Notice));
    check_table(&format!("{what}: 附件"), &attachment, &expected, SIZE_SMALL_4);
    (schedule, attachment)
}

#[test]
fn the_samples_schedule_prints_on_one_sheet() {
    // Issue 11: 10 rows (header included) printed on 2 sheets, 2 rows on the second.
    let (schedule, attachment) = both_tables(&reference_2021(), "sample");
    let rows = Expected::of(&common::plan_of(&reference_2021())).rows();
    assert_eq!(rows_per_page(&schedule), [rows], "stand-alone 工作安排表 on one sheet");
    // Issue 11: the 附件 left 1 row alone on its second page.
    assert_eq!(rows_per_page(&attachment), [rows], "附件 table on one page");
    // Tightening the row padding is enough: the text keeps its size (三号, 四号).
    assert_eq!(schedule[0].smallest, 16.0, "stand-alone text size");
    assert_eq!(attachment[0].smallest, SIZE_4, "附件 text size");
}

#[test]
fn a_table_a_little_too_long_tightens_its_text_down_to_the_floor() {
    // At their normal sizes both tables of this workbook take two pages; padding alone
    // does not save the second.
    let (schedule, attachment) = both_tables(&synthetic(34, 34), "34 departments");
    assert_eq!(schedule.len(), 1, "工作安排表 {:?}", rows_per_page(&schedule));
    assert_eq!(schedule[0].smallest, SIZE_4, "工作安排表 at 四号");
    assert_eq!(attachment.len(), 1, "附件 {:?}", rows_per_page(&attachment));
    assert_eq!(attachment[0].smallest, SIZE_SMALL_4, "附件 at 小四");
}

#[test]
fn another_institutions_small_schedule_prints_on_one_sheet() {
    let (schedule, attachment) = both_tables(&synthetic(12, 5), "12 departments");
    assert_eq!(schedule.len(), 1, "工作安排表 {:?}", rows_per_page(&schedule));
    assert_eq!(attachment.len(), 1, "附件 {:?}", rows_per_page(&attachment));
}

#[test]
fn a_continued_table_never_leaves_fewer_than_three_rows_on_a_page() {
    // Filling each page in turn would leave one or two rows on the last page of these:
    // 48 → stand-alone [5, 6, 1], 62 → 附件 [5, 8, 2], 97 → 附件 [5, 8, 8, 1],
    // 132 → stand-alone [5, 5, 6, 6, 6, 2].
    for departments in [48, 62, 97, 132] {
        let what = format!("{departments} departments");
        let (schedule, attachment) =
            both_tables(&synthetic(departments, departments as u64), &what);
        assert!(schedule.len() + attachment.len() > 3, "{what}: the tables continue");
    }
}

#[test]
fn three_hundred_departments_repeat_the_category_on_every_page() {
    // Issue 11: pages 2–11 of the schedule had an empty 部门类别 column.
    let (schedule, attachment) = both_tables(&synthetic(300, 1), "300 departments");
    for (what, pages) in [("工作安排表", &schedule), ("附件", &attachment)] {
        assert!(pages.len() > 2, "{what}: continued: {:?}", rows_per_page(pages));
        // check_table compared every page's 部门类别 column with the expected labels; here
        // only that the workbook exercises them.
        assert!(
            pages.iter().filter(|p| p.first_column.contains("（续）")).count() >= pages.len() / 2,
            "{what}: categories continued over pages: {pages:?}"
        );
    }
}

#[test]
fn a_table_with_room_for_fewer_than_three_rows_under_its_lead_starts_on_the_next_page() {
    // The lead leaves about two rows' room on the first page.
    let source = r#"#import "/lib/gongwen.typ": *
#show: setup.with(title: "t", author: "t")
#paged-table(
  header: ([类别], [内容], [时间]),
  rows: range(12).map(i => (group: 0, cells: ([第#(i + 1)行], [上午]))),
  groups: ("甲类",),
  columns: size => (3fr, 9fr, 5fr),
  lead: block(height: 190mm, [前文]),
)"#;
    let date = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
    let layout = Layout::of(&common::engine().layout("t", source.into(), date, &[]).unwrap());
    assert_eq!(layout.pages, 2);
    assert_eq!(layout.page_text(0).replace(|c: char| c == '—' || c.is_ascii(), ""), "前文");
    let second = layout.page_text(1);
    assert!(second.starts_with("类别内容时间第1行"), "{second}");
    assert!(second.contains("第12行") && second.contains("甲类"), "{second}");
    assert!(!second.contains("（续）"), "the category begins here: {second}");
}
