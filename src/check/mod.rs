//! Stage 2, check: turn the workbooks' tables into a validated [`Plan`], collecting every
//! finding on the way instead of stopping at the first bad cell.
//!
//! One submodule per sheet (or pair of related sheets), run in the order the sheets depend
//! on each other: 文件信息, 部门, last year's results (another workbook, matched to 部门),
//! 领导小组 and 考评组, 日程, 指标, 评分, 加扣分, 定等规则, 正文.
//! Each reads its rows through the [`TableRow`](crate::workbook::TableRow) getters (which
//! already refuse bad cells with a finding naming the cell), resolves names against what
//! the earlier sheets defined and keeps what is valid. The [`Plan`] is assembled at the end,
//! and only when nothing was an error.
//!
//! Names are matched leniently ([`key`]): surrounding and inner white space is ignored and
//! full-width ASCII (including `（）`) equals half-width, so `组织部(人事处)` in 日程 finds
//! `组织部（人事处）` of 部门. Documents always print the spelling of the defining sheet.
//!
//! A row that fails leaves a trace (its name is remembered as *broken*), so later sheets do
//! not pile up follow-on errors such as "unknown department" for a department whose own row
//! was the problem.

mod adjust;
mod body;
mod grading;
mod indicators;
mod info;
mod last_year;
mod org;
mod schedule;
mod scores;

pub use scores::{Collection, EvaluatorCollection, GroupCollection};

use std::collections::BTreeSet;
use std::path::Path;

use crate::finding::{CellRef, Finding, Findings, Location};
use crate::model::Plan;
use crate::workbook::{Column, Sheet, Table, Workbook};

pub(crate) use crate::input_format::sheets;

/// The outcome of checking: every finding, and the plan when there is no error.
#[derive(Debug, Clone)]
pub struct Checked {
    /// `Some` exactly when `findings` holds no error.
    pub plan: Option<Plan>,
    pub findings: Findings,
    /// Scores in and missing per group and evaluator; `None` when the sheets that define
    /// them (部门, 考评组, 指标) are missing or have errors.
    pub collection: Option<Collection>,
}

/// Checks the main workbook (the one with a 文件信息 sheet) together with any extra score
/// workbooks (a 评分 sheet only) and last year's summary workbook (recognised by its
/// sheets, see [`summary_format`](crate::summary_format)).
///
/// Findings come in a fixed order: what the reader noted (merged cells…), which workbook is
/// which, then the sheets in dependency order, each in row order. Nothing depends on hash
/// order, so the same input always gives the same findings.
pub fn check(books: &[Workbook]) -> Checked {
    let mut ctx = Ctx::default();
    for book in books {
        ctx.findings.extend(book.notes.iter().cloned());
    }
    let plan = match pick_books(&mut ctx, books) {
        Some(picked) => check_main(&mut ctx, &picked),
        None => None,
    };
    let Ctx { findings, collection } = ctx;
    let plan = if findings.has_errors() { None } else { plan };
    Checked { plan, findings, collection }
}

fn check_main(ctx: &mut Ctx, picked: &Picked<'_>) -> Option<Plan> {
    let (main, extra) = (picked.main, &picked.extra[..]);
    let info = info::check(ctx, main);
    let departments = org::departments(ctx, main);
    let this_year = info.doc.as_ref().filter(|_| departments.complete).map(|doc| {
        last_year::ThisYear { year: doc.year, org: &doc.org, departments: &departments }
    });
    let last_year = last_year::check(ctx, this_year, &picked.summaries, info.last_year.as_ref());
    let leadership = org::leadership(ctx, main);
    let groups = org::groups(ctx, main, &departments);
    let schedule = schedule::check(ctx, main, &departments, info.window);
    let indicators = indicators::check(ctx, main, &departments);
    let scores = scores::check(ctx, main, extra, &departments, &groups, &indicators);
    let adjustments = adjust::check(ctx, main, &departments, info.bonus_cap);
    let grading = grading::check(ctx, main);
    let body = body::check(ctx, main, &groups, info.doc.as_ref());
    for book in std::iter::once(main).chain(extra.iter().copied()) {
        cited_number_hints(ctx, book);
    }

    if ctx.findings.has_errors() {
        return None;
    }
    // Every stage returns `None` only after reporting an error, so these all hold here.
    let (
        Some(info),
        Some(leadership),
        Some(schedule),
        Some(adjustments),
        Some(grading),
        Some(body),
    ) = (info.doc, leadership, schedule, adjustments, grading, body)
    else {
        ctx.push(Finding::error(
            Location::file(&main.path),
            "内部错误：检查未发现错误，却无法建立考评数据",
        ));
        return None;
    };
    Some(Plan {
        info,
        categories: departments.categories,
        departments: departments.list,
        leadership,
        groups: groups.list,
        schedule,
        indicators: indicators.list,
        scores,
        adjustments,
        grading,
        body,
        last_year,
    })
}

/// Names every cell whose cited document number the reader rewrote to 〔〕
/// ([`value::text`](crate::workbook::value::text)), so the office can correct the
/// workbook too. A cell that already has a finding of its own (发文字号 warns about its
/// brackets) gets no second one.
fn cited_number_hints(ctx: &mut Ctx, book: &Workbook) {
    for sheet in book.sheets.iter().filter(|s| crate::input_format::sheet(s.name.trim()).is_some())
    {
        let Some((top, left)) = sheet.cells.start() else { continue };
        for (row, col, data) in sheet.cells.used_cells() {
            let Some((typed, normalized)) = crate::workbook::value::cited_number_normalized(data)
            else {
                continue;
            };
            let cell = CellRef::new(top + row as u32, left + col as u32);
            let location = Location::cell(&book.path, &sheet.name, cell);
            if ctx.findings.iter().any(|f| f.location == location) {
                continue;
            }
            ctx.info(location, msg::cited_number_normalized(&typed, &normalized));
        }
    }
}

/// The inputs sorted by what they are.
struct Picked<'a> {
    main: &'a Workbook,
    /// Score workbooks of evaluation groups.
    extra: Vec<&'a Workbook>,
    /// Summary workbooks (last year's results); more than one is an error.
    summaries: Vec<&'a Workbook>,
}

/// Finds the main workbook, the extra score workbooks and last year's summary.
fn pick_books<'a>(ctx: &mut Ctx, books: &'a [Workbook]) -> Option<Picked<'a>> {
    let mains: Vec<&Workbook> = books.iter().filter(|b| b.sheet(sheets::INFO).is_some()).collect();
    let Some(&main) = mains.first() else {
        let location = match books {
            [only] => Location::file(&only.path),
            _ => Location::default(),
        };
        ctx.push(Finding::error(location, msg::no_main_book(books)));
        return None;
    };
    if mains.len() > 1 {
        ctx.push(Finding::error(Location::file(&mains[1].path), msg::several_main_books(&mains)));
    }
    let mut extra = Vec::new();
    let mut summaries = Vec::new();
    for book in books {
        if mains.iter().any(|m| std::ptr::eq(*m, book)) {
            continue;
        }
        if crate::summary_format::is_summary(book.sheet_names()) {
            summaries.push(book);
        } else if book.sheet(sheets::SCORES).is_some() {
            extra.push(book);
        } else {
            ctx.push(Finding::error(Location::file(&book.path), msg::not_a_score_book(book)));
        }
    }
    Some(Picked { main, extra, summaries })
}

/// Collects findings while the sheets are checked.
#[derive(Debug, Default)]
pub(crate) struct Ctx {
    findings: Findings,
    /// Set by the 评分 check.
    collection: Option<Collection>,
}

impl Ctx {
    fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    fn error(&mut self, location: Location, message: impl Into<String>) {
        self.push(Finding::error(location, message));
    }

    fn warning(&mut self, location: Location, message: impl Into<String>) {
        self.push(Finding::warning(location, message));
    }

    fn info(&mut self, location: Location, message: impl Into<String>) {
        self.push(Finding::info(location, message));
    }

    /// The value, or `None` after recording the finding.
    fn ok<T>(&mut self, result: Result<T, Finding>) -> Option<T> {
        result.map_err(|f| self.push(f)).ok()
    }

    /// The sheet of the main workbook, or `None` after an error that lists the sheets found.
    fn required_sheet<'a>(&mut self, book: &'a Workbook, name: &str) -> Option<&'a Sheet> {
        let sheet = book.sheet(name);
        if sheet.is_none() {
            self.error(Location::file(&book.path), msg::missing_sheet(book, name));
        }
        sheet
    }

    /// The sheet's table, or `None` after the error naming the missing columns.
    fn table<'a>(
        &mut self,
        book: &'a Workbook,
        sheet: &'a Sheet,
        columns: &[Column],
    ) -> Option<Table<'a>> {
        self.ok(sheet.table(&book.path, columns))
    }
}

/// Whether something looked up by name exists, does not exist, or cannot be known because
/// its own row (or sheet) was broken and has been reported already.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found<T> {
    Yes(T),
    No,
    Broken,
}

/// The form in which names are compared: white space removed (also U+3000), full-width
/// ASCII as half-width (`（室）` = `(室)`, `Ａ０１` = `A01`), the middle dots of Uyghur names
/// unified.
pub(crate) fn key(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '•' | '・' | '‧' | '∙' | '⋅' | '･' | '●' => '·',
            _ => c,
        })
        .collect()
}

/// [`key`] for indicator codes, also case-insensitive (`a01` = `A01`).
pub(crate) fn code_key(text: &str) -> String {
    key(text).to_uppercase()
}

/// [`key`] for people's names, where a full stop typed between the parts of a Uyghur name
/// also counts as the middle dot (`买尼沙木.亚生` = `买尼沙木·亚生`).
pub(crate) fn person_key(text: &str) -> String {
    key(text).replace('.', "·")
}

/// The file name as users see it in messages.
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

/// The closest of `candidates` to `typed`, when it is close enough to be a likely typo
/// (edit distance at most 1 for short words, 2 otherwise, and less than the word itself).
pub(crate) fn closest<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let typed: Vec<char> = key(typed).chars().collect();
    let limit = if typed.len() <= 3 { 1 } else { 2 };
    // Ties go to the candidate sharing the longer beginning (`信息学院` → `信息工程学院`,
    // not `医学院`), then to the first one.
    let mut best: Option<((usize, usize), &str)> = None;
    for candidate in candidates {
        let c: Vec<char> = key(candidate).chars().collect();
        let d = edit_distance(&typed, &c);
        let shared = typed.iter().zip(&c).take_while(|(a, b)| a == b).count();
        let rank = (d, usize::MAX - shared);
        if d <= limit && d < typed.len().max(1) && best.is_none_or(|(b, _)| rank < b) {
            best = Some((rank, candidate));
        }
    }
    best.map(|(_, c)| c)
}

fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = prev[j] + usize::from(ca != cb);
            cur[j + 1] = substitution.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// `甲、乙、丙`, or `无` for nothing.
pub(crate) fn list<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> String {
    let joined: Vec<String> = items.into_iter().map(|s| s.as_ref().to_string()).collect();
    if joined.is_empty() { "无".to_string() } else { joined.join("、") }
}

/// Remembers which names were seen in broken rows.
#[derive(Debug, Default)]
pub(crate) struct BrokenNames(BTreeSet<String>);

impl BrokenNames {
    fn insert(&mut self, key: String) {
        self.0.insert(key);
    }

    fn contains(&self, key: &str) -> bool {
        self.0.contains(key)
    }
}

/// Messages about the workbooks as a whole, and those several sheets share.
mod msg {
    use super::{file_name, list};
    use crate::workbook::Workbook;

    pub fn cited_number_normalized(typed: &str, normalized: &str) -> String {
        format!("文号中的年份应使用六角括号：“{typed}”已按“{normalized}”印出")
    }

    fn describe(book: &Workbook) -> String {
        format!("{}（工作表：{}）", file_name(&book.path), list(book.sheet_names()))
    }

    pub fn no_main_book(books: &[Workbook]) -> String {
        if books.is_empty() {
            return "没有输入工作簿".to_string();
        }
        let described: Vec<String> = books.iter().map(describe).collect();
        format!("找不到含“文件信息”工作表的主工作簿；读到的文件：{}", described.join("；"))
    }

    pub fn several_main_books(mains: &[&Workbook]) -> String {
        format!(
            "有 {} 个工作簿含“文件信息”工作表：{}；只能有一个主工作簿，其余应只含“评分”工作表",
            mains.len(),
            list(mains.iter().map(|b| file_name(&b.path)))
        )
    }

    pub fn not_a_score_book(book: &Workbook) -> String {
        format!(
            "既没有“文件信息”也没有“评分”工作表，不是考评工作簿或评分表（找到的工作表：{}）",
            list(book.sheet_names())
        )
    }

    pub fn unknown_department(typed: &str, suggestion: Option<&str>) -> String {
        match suggestion {
            Some(known) => format!("部门“{typed}”不在部门表中；是否应为“{known}”？"),
            None => format!("部门“{typed}”不在部门表中"),
        }
    }

    pub fn missing_sheet(book: &Workbook, name: &str) -> String {
        format!("缺少工作表“{name}”（找到的工作表：{}）", list(book.sheet_names()))
    }
}

/// Helpers for the unit tests of the sheet modules: sample books written to a temp folder,
/// read back and checked, findings as `错误 部门!A30：…` lines.
#[cfg(test)]
pub(crate) mod testing {
    use std::path::Path;

    use super::{Checked, check};
    use crate::sample::{self, Book, SheetData};
    use crate::workbook;

    pub fn reference() -> Book {
        sample::reference_2021()
    }

    /// Checks `books` written into a fresh folder, after `prepare` has put anything else
    /// there (a seal image…).
    pub fn check_in(books: &[(&str, &Book)], prepare: impl FnOnce(&Path)) -> Checked {
        let dir = tempfile::tempdir().unwrap();
        prepare(dir.path());
        let read: Vec<_> = books
            .iter()
            .map(|(name, book)| {
                let path = dir.path().join(name);
                std::fs::write(&path, book.to_xlsx_bytes().unwrap()).unwrap();
                workbook::open(&path).unwrap()
            })
            .collect();
        check(&read)
    }

    pub fn check_book(book: &Book) -> Checked {
        check_in(&[("考评.xlsx", book)], |_| {})
    }

    pub fn lines(checked: &Checked) -> Vec<String> {
        checked.findings.iter().map(|f| format!("{} {f}", f.severity)).collect()
    }

    /// The findings of `book` that the unchanged reference sample does not have.
    pub fn new_findings(book: &Book) -> Vec<String> {
        let baseline = lines(&check_book(&reference()));
        lines(&check_book(book)).into_iter().filter(|l| !baseline.contains(l)).collect()
    }

    pub fn sheet<'a>(book: &'a mut Book, name: &str) -> &'a mut SheetData {
        book.sheet_mut(name).unwrap()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_ignore_spaces_and_width() {
        assert_eq!(key(" 处（室） "), key("处(室)"));
        assert_eq!(key("王  东"), key("王东"));
        assert_eq!(key("王\u{3000}东"), "王东");
        assert_eq!(code_key("ａ０１"), "A01");
        assert_eq!(person_key("买尼沙木.亚生"), person_key("买尼沙木•亚生"));
    }

    #[test]
    fn closest_suggests_only_near_misses() {
        let known = ["单位名称", "年度", "发文字号"];
        assert_eq!(closest("单位名城", known), Some("单位名称"));
        assert_eq!(closest("年份", known), Some("年度"));
        assert_eq!(closest("备注", known), None);
        assert_eq!(closest("完全无关的项目", known), None);
    }
}
