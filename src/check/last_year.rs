//! Last year's results: the summary workbook kaoping wrote a year ago, given as one more
//! input or named by 文件信息 `上年度结果`. Its figures are read as printed, never
//! recomputed, and matched to this year's departments by name or by 部门 `原名称`.

use std::collections::BTreeMap;
use std::path::Path;

use super::info::NamedFile;
use super::org::Departments;
use super::{Ctx, closest, file_name, key, list};
use crate::finding::{Finding, Location};
use crate::model::{LastYear, LastYearResult, Origin, Points};
use crate::summary_format::{self as format, columns, sheets, version};
use crate::workbook::{self, Workbook, required};

/// What this year's workbook says, to check last year's against.
pub(super) struct ThisYear<'a> {
    pub year: i32,
    pub org: &'a str,
    pub departments: &'a Departments,
}

/// Reads and matches last year's results; `None` when there are none, or after an error.
pub(super) fn check(
    ctx: &mut Ctx,
    this: Option<ThisYear<'_>>,
    given: &[&Workbook],
    named: Option<&NamedFile>,
) -> Option<LastYear> {
    let opened;
    let chosen;
    let given = match (given, named) {
        ([_, _, ..], None) => {
            chosen = [pick_of_several(ctx, given, this.as_ref().map(|t| t.year))?];
            &chosen[..]
        }
        _ => given,
    };
    let (book, at) = match (given, named) {
        ([], None) => return None,
        ([_, second, ..], _) => {
            ctx.error(Location::file(&second.path), msg::several(given));
            return None;
        }
        ([book], Some(named)) if !same_file(&book.path, &named.path) => {
            ctx.error(named.location.clone(), msg::named_and_given(&named.typed, book));
            return None;
        }
        ([book], named) => (*book, named.map(|n| n.location.clone())),
        ([], Some(named)) => {
            opened = open_named(ctx, named)?;
            (&opened, Some(named.location.clone()))
        }
    };
    let at = at.unwrap_or_else(|| Location::file(&book.path));
    let summary = read(ctx, book)?;
    let this = this?;
    if summary.year != this.year - 1 {
        ctx.error(at, msg::wrong_year(&book.path, summary.year, this.year));
        return None;
    }
    if let Some(org) = &summary.org
        && key(org) != key(this.org)
    {
        ctx.warning(at, msg::other_org(&book.path, org, this.org));
    }
    let matches = match_departments(ctx, &summary, this.departments, &book.path);
    Some(LastYear::new(summary.year, book.path.clone(), matches))
}

/// Of several summaries among the inputs (a folder holding the results of many years),
/// the one of last year; the others are left aside with a hint.
fn pick_of_several<'a>(
    ctx: &mut Ctx,
    given: &[&'a Workbook],
    this_year: Option<i32>,
) -> Option<&'a Workbook> {
    let this_year = this_year?;
    let years: Vec<Option<i32>> = given.iter().map(|book| year_of(book)).collect();
    let wanted = Some(this_year - 1);
    let mut last_years = given.iter().zip(&years).filter(|(_, year)| **year == wanted);
    match (last_years.next(), last_years.next()) {
        (Some((&book, _)), None) => {
            let others: Vec<String> = given
                .iter()
                .zip(&years)
                .filter(|(other, _)| !std::ptr::eq(**other, book))
                .map(|(other, year)| msg::file_and_year(other, *year))
                .collect();
            ctx.info(Location::file(&book.path), msg::others_left_aside(&others));
            Some(book)
        }
        _ => {
            let described: Vec<String> =
                given.iter().zip(&years).map(|(b, year)| msg::file_and_year(b, *year)).collect();
            ctx.error(Location::default(), msg::several_without_one(&described, this_year - 1));
            None
        }
    }
}

/// The year a summary states, without reporting anything (for choosing among several).
fn year_of(book: &Workbook) -> Option<i32> {
    match book.sheet(sheets::VERSION) {
        Some(_) => read_version(&mut Ctx::default(), book).map(|(year, _)| year),
        None => book.title.as_deref().and_then(format::year_in_title),
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

fn open_named(ctx: &mut Ctx, named: &NamedFile) -> Option<Workbook> {
    let book = match workbook::open(&named.path) {
        Ok(book) => book,
        Err(err) => {
            ctx.error(named.location.clone(), msg::unreadable(&err));
            return None;
        }
    };
    if !format::is_summary(book.sheet_names()) {
        ctx.error(named.location.clone(), msg::not_a_summary(&named.typed, &book));
        return None;
    }
    Some(book)
}

/// What a summary workbook states.
struct Summary {
    year: i32,
    org: Option<String>,
    rows: Vec<Row>,
}

/// One row of 汇总.
struct Row {
    name: String,
    category: String,
    total: Points,
    rank: usize,
    grade: String,
    origin: Origin,
}

fn read(ctx: &mut Ctx, book: &Workbook) -> Option<Summary> {
    let (year, org) = match book.sheet(sheets::VERSION) {
        Some(_) => read_version(ctx, book)?,
        // Format 1 states its year only in the document title.
        None => match book.title.as_deref().and_then(format::year_in_title) {
            Some(year) => (year, None),
            None => {
                ctx.error(Location::file(&book.path), msg::no_year(book));
                return None;
            }
        },
    };
    let rows = read_rows(ctx, book)?;
    Some(Summary { year, org, rows })
}

/// 年度 and 单位名称 of the version sheet, after checking the format is one we read.
fn read_version(ctx: &mut Ctx, book: &Workbook) -> Option<(i32, Option<String>)> {
    let sheet = book.sheet(sheets::VERSION)?;
    let table = ctx.table(book, sheet, &[required(version::KEY), required(version::VALUE)])?;
    let mut facts = BTreeMap::new();
    for row in table.rows() {
        if let Some(Some(name)) = ctx.ok(row.text(version::KEY)) {
            facts.insert(key(&name), row);
        }
    }
    let text = |ctx: &mut Ctx, name: &str| {
        let row = facts.get(&key(name))?;
        ctx.ok(row.text(version::VALUE)).flatten().map(|t| (t, row.location(version::VALUE)))
    };
    let sheet_at = Location::sheet(&book.path, &sheet.name);
    match text(ctx, version::KIND) {
        Some((kind, _)) if kind == format::KIND => {}
        found => {
            let found = found.map(|(k, _)| k);
            ctx.error(sheet_at, msg::not_our_version_sheet(book, found.as_deref()));
            return None;
        }
    }
    let Some((typed, at)) = text(ctx, version::VERSION) else {
        ctx.error(sheet_at, msg::missing_fact(book, version::VERSION));
        return None;
    };
    match typed.parse::<u32>() {
        Ok(v) if (1..=format::VERSION).contains(&v) => {}
        Ok(v) if v > format::VERSION => {
            ctx.error(at, msg::newer_format(book, v));
            return None;
        }
        _ => {
            ctx.error(at, msg::bad_fact(version::VERSION, &typed));
            return None;
        }
    }
    let Some((typed, at)) = text(ctx, version::YEAR) else {
        ctx.error(sheet_at, msg::missing_fact(book, version::YEAR));
        return None;
    };
    let Ok(year) = typed.parse::<i32>() else {
        ctx.error(at, msg::bad_fact(version::YEAR, &typed));
        return None;
    };
    let org = text(ctx, version::ORG).map(|(org, _)| org);
    Some((year, org))
}

fn read_rows(ctx: &mut Ctx, book: &Workbook) -> Option<Vec<Row>> {
    let sheet = book.sheet(sheets::SUMMARY)?;
    let wanted = [
        required(columns::DEPARTMENT),
        required(columns::CATEGORY),
        required(columns::TOTAL),
        required(columns::RANK),
        required(columns::GRADE),
    ];
    let table = match sheet.table(&book.path, &wanted) {
        Ok(table) => table,
        Err(finding) => {
            let message = msg::not_readable_as_summary(book, &finding.message);
            ctx.push(Finding { message, ..finding });
            return None;
        }
    };
    let mut rows: Vec<Row> = Vec::new();
    let mut failed = false;
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for row in table.rows() {
        let name = ctx.ok(row.required_text(columns::DEPARTMENT));
        let category = ctx.ok(row.required_text(columns::CATEGORY));
        let total = ctx.ok(row.required_points(columns::TOTAL));
        let rank = ctx.ok(row.required_points(columns::RANK)).and_then(|rank| {
            let whole = rank.hundredths() % 100 == 0 && rank.hundredths() > 0;
            if !whole {
                ctx.error(row.location(columns::RANK), msg::bad_rank(rank));
            }
            whole.then(|| (rank.hundredths() / 100) as usize)
        });
        let grade = ctx.ok(row.required_text(columns::GRADE));
        let (Some(name), Some(category), Some(total), Some(rank), Some(grade)) =
            (name, category, total, rank, grade)
        else {
            failed = true;
            continue;
        };
        let origin = row.origin(columns::DEPARTMENT);
        if let Some(&first) = seen.get(&key(&name)) {
            ctx.error(origin.location(), msg::duplicate(&name, &rows[first].origin));
            failed = true;
            continue;
        }
        seen.insert(key(&name), rows.len());
        rows.push(Row { name, category, total, rank, grade, origin });
    }
    (!failed).then_some(rows)
}

/// Last year's row of every department (in 部门 order), followed through 原名称; hints
/// about new departments and departments that are gone.
fn match_departments(
    ctx: &mut Ctx,
    summary: &Summary,
    departments: &Departments,
    file: &Path,
) -> Vec<Option<LastYearResult>> {
    let by_name: BTreeMap<String, usize> =
        summary.rows.iter().enumerate().map(|(i, r)| (key(&r.name), i)).collect();
    let mut continued = vec![false; summary.rows.len()];
    let mut new = Vec::new();
    let matches = departments
        .list
        .iter()
        .map(|dept| {
            let wanted = dept.former_name.as_ref().map_or(&dept.name, |f| &f.name);
            let Some(&i) = by_name.get(&key(wanted)) else {
                if let Some(former) = &dept.former_name {
                    let suggestion = closest(&former.name, summary.rows.iter().map(|r| &*r.name));
                    let message = msg::former_name_unknown(&former.name, file, suggestion);
                    ctx.warning(former.origin.location(), message);
                }
                new.push(dept.name.as_str());
                return None;
            };
            continued[i] = true;
            let row = &summary.rows[i];
            Some(LastYearResult {
                name: row.name.clone(),
                same_category: key(&row.category) == key(departments.category_name(dept.category)),
                total: row.total,
                rank: row.rank,
                grade: row.grade.clone(),
                origin: row.origin.clone(),
            })
        })
        .collect();
    if !new.is_empty() {
        ctx.info(Location::file(file), msg::new_departments(&new, summary.year));
    }
    let gone: Vec<&str> = summary
        .rows
        .iter()
        .zip(&continued)
        .filter(|(_, continued)| !**continued)
        .map(|(r, _)| r.name.as_str())
        .collect();
    if !gone.is_empty() {
        ctx.info(Location::file(file), msg::gone(&gone, summary.year));
    }
    matches
}

/// The wording of this module's findings.
mod msg {
    use std::path::Path;

    use super::{file_name, list};
    use crate::model::{Origin, Points};
    use crate::summary_format::{self as format, sheets};
    use crate::workbook::{ReadError, Workbook};

    pub fn several(given: &[&Workbook]) -> String {
        format!(
            "输入中有 {} 份考评结果汇总（{}）；上年度结果只能有一份",
            given.len(),
            list(given.iter().map(|b| file_name(&b.path)))
        )
    }

    pub fn file_and_year(book: &Workbook, year: Option<i32>) -> String {
        match year {
            Some(year) => format!("{}（{year} 年度）", file_name(&book.path)),
            None => format!("{}（年度不明）", file_name(&book.path)),
        }
    }

    pub fn others_left_aside(others: &[String]) -> String {
        format!("用作上年度结果；其他年度的考评结果汇总未使用：{}", list(others))
    }

    pub fn several_without_one(described: &[String], last_year: i32) -> String {
        format!(
            "输入中有 {} 份考评结果汇总：{}；其中应有且只有一份是 {last_year} 年度的",
            described.len(),
            list(described)
        )
    }

    pub fn named_and_given(typed: &str, book: &Workbook) -> String {
        format!(
            "上年度结果已指定为“{typed}”，输入中又有另一份考评结果汇总“{}”；请只保留一份",
            file_name(&book.path)
        )
    }

    pub fn unreadable(err: &ReadError) -> String {
        format!("上年度结果无法读取：{err}")
    }

    pub fn not_a_summary(typed: &str, book: &Workbook) -> String {
        format!(
            "上年度结果“{typed}”不是 kaoping 生成的考评结果汇总工作簿（应有“{}”“{}”等工作表，找到的工作表：{}）",
            sheets::SUMMARY,
            sheets::MATRIX,
            list(book.sheet_names())
        )
    }

    pub fn no_year(book: &Workbook) -> String {
        format!(
            "无法确定考评结果汇总“{}”的年度：没有“{}”工作表，文档标题中也没有年度（找到的标题：{}）；请使用 kaoping 生成的原文件",
            file_name(&book.path),
            sheets::VERSION,
            book.title.as_deref().unwrap_or("无")
        )
    }

    pub fn not_our_version_sheet(book: &Workbook, found: Option<&str>) -> String {
        format!(
            "考评结果汇总“{}”的“{}”工作表中，文件类型应为“{}”，实际为“{}”",
            file_name(&book.path),
            sheets::VERSION,
            format::KIND,
            found.unwrap_or("（空）")
        )
    }

    pub fn missing_fact(book: &Workbook, name: &str) -> String {
        format!(
            "考评结果汇总“{}”的“{}”工作表缺少项目“{name}”",
            file_name(&book.path),
            sheets::VERSION
        )
    }

    pub fn bad_fact(name: &str, typed: &str) -> String {
        format!("{name}应为整数，实际为“{typed}”")
    }

    pub fn newer_format(book: &Workbook, version: u32) -> String {
        format!(
            "考评结果汇总“{}”的格式版本为 {version}，本程序只能读取到版本 {}；请升级 kaoping",
            file_name(&book.path),
            format::VERSION
        )
    }

    pub fn not_readable_as_summary(book: &Workbook, problem: &str) -> String {
        format!("考评结果汇总“{}”无法作为上年度结果读取：{problem}", file_name(&book.path))
    }

    pub fn bad_rank(rank: Points) -> String {
        format!("排名应为正整数，实际为 {rank}")
    }

    pub fn duplicate(name: &str, first: &Origin) -> String {
        format!("部门“{name}”在上年度结果中出现两次（已在 {first} 出现）")
    }

    pub fn wrong_year(file: &Path, found: i32, this_year: i32) -> String {
        format!(
            "上年度结果“{}”是 {found} 年度的考评结果汇总，而本年度为 {this_year} 年度，应使用 {} 年度的考评结果汇总",
            file_name(file),
            this_year - 1
        )
    }

    pub fn other_org(file: &Path, found: &str, this_org: &str) -> String {
        format!(
            "上年度结果“{}”的单位名称为“{found}”，与本年度的“{this_org}”不同；请确认选对了文件",
            file_name(file)
        )
    }

    pub fn former_name_unknown(typed: &str, file: &Path, suggestion: Option<&str>) -> String {
        let hint = suggestion.map(|s| format!("；是否应为“{s}”？")).unwrap_or_default();
        format!("原名称“{typed}”不在上年度结果“{}”中，按新增部门处理{hint}", file_name(file))
    }

    pub fn new_departments(names: &[&str], last_year: i32) -> String {
        format!(
            "{} 年度结果中没有以下 {} 个部门，按新增部门处理：{}；如果是更名，请在“部门”表的“原名称”列填写其上年度名称",
            last_year,
            names.len(),
            list(names)
        )
    }

    pub fn gone(names: &[&str], last_year: i32) -> String {
        format!(
            "{} 年度结果中的以下 {} 个部门本年度已不存在：{}",
            last_year,
            names.len(),
            list(names)
        )
    }
}
