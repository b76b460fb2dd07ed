//! The summary workbook `…考评结果汇总.xlsx`: the office's working copy of the results.
//!
//! Every sheet is one plain table (header in row 1, frozen, with an autofilter) so the
//! office can sort, filter and paste it elsewhere; numbers are stored as numbers. The
//! bytes depend on the plan only: the creation date is the plan's 成文日期, never the
//! clock, so building twice gives the same file.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;

use rust_xlsxwriter::{
    Color, DocProperties, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use crate::finding::{Finding, Severity};
use crate::model::{AdjustmentKind, Origin, Plan, Points};
use crate::score::{GradeState, Results, Versus};
use crate::summary_format::{self as format, columns, sheets, version};
use crate::xlsx_cells::{display_width, excel_date, wrapped_lines};

/// The font office PCs with Chinese Windows or WPS all have.
const FONT: &str = "等线";
const FONT_SIZE: f64 = 11.0;
/// Points per line of 11-point 等线, as Excel lays it out.
const LINE_HEIGHT: f64 = 15.0;
/// The widest a column grows before its text wraps, in Excel's character units.
const MAX_WIDTH: usize = 40;
/// Indicator columns of 得分明细 hold short numbers under a long header.
const MATRIX_WIDTH: usize = 14;

const HEADER_FILL: u32 = 0xD9E1F2;
const PENDING_FILL: u32 = 0xE4DFEC;
const ERROR_FILL: u32 = 0xFFC7CE;
const WARNING_FILL: u32 = 0xFFF2CC;
const MUTED_FONT: u32 = 0x808080;

/// `阿克苏职业技术学院2021年度绩效考评结果汇总.xlsx`
pub fn file_name(plan: &Plan) -> String {
    format!("{}{}年度绩效考评结果汇总.xlsx", plan.info.org, plan.info.year)
}

/// Builds the summary workbook in memory.
///
/// Sheets: 汇总, 类别统计, 得分明细, 评分记录, 加扣分, 问题清单, and 版本信息, which marks
/// the format so that next year's build can read this workbook as last year's results.
///
/// # Errors
///
/// Only what rust_xlsxwriter reports, e.g. a cell outside Excel's 1,048,576 rows.
pub fn summary_workbook<'a>(
    plan: &'a Plan,
    results: &'a Results,
    findings: &'a [Finding],
) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let info = &plan.info;
    // Format 1 readers find the year in this title; keep it.
    let title = format::title(&info.org, info.year);
    let created = excel_date(info.date)?;
    let properties = DocProperties::new()
        .set_title(&title)
        .set_company(&info.org)
        .set_author(&info.office)
        .set_creation_datetime(&created);
    workbook.set_properties(&properties);

    // Each sheet's rows are gathered just before it is written and dropped after, so only
    // one sheet's rows (评分记录 is the large one) are ever held twice.
    let sheets: [(&str, &dyn Fn() -> Vec<Table<'a>>); 7] = [
        (sheets::SUMMARY, &|| summary(plan, results)),
        (sheets::STATISTICS, &|| statistics(plan, results)),
        (sheets::MATRIX, &|| matrix(plan, results)),
        (sheets::RECORDS, &|| score_records(plan, results)),
        (sheets::ADJUSTMENTS, &|| adjustments(plan, results)),
        (sheets::PROBLEMS, &|| problems(findings)),
        (sheets::VERSION, &|| version_sheet(plan)),
    ];
    let mut formats = Formats::default();
    for (name, tables) in sheets {
        // Rows go to a temporary file as they are written (strings still shared, so the
        // file is what Excel itself would write): 评分记录 has a row per score, 250,000 at
        // 3,000 departments, which in memory took about 100 MB.
        let worksheet = workbook.add_worksheet_with_low_memory()?;
        worksheet.set_name(name)?;
        write_sheet(worksheet, &tables(), &mut formats)?;
        print_setup(worksheet, &format!("{title}——{name}"))?;
    }
    workbook.save_to_buffer()
}

/// A cell before it is written; numbers stay numbers. Text borrows from the plan where it
/// can: 评分记录 repeats each department's and evaluator's name on thousands of rows.
#[derive(Debug, Clone)]
enum Cell<'a> {
    Text(Cow<'a, str>),
    /// Points, shown with two decimals.
    Points(Points),
    /// A count or a rank.
    Int(usize),
    Empty,
}

impl<'a> Cell<'a> {
    fn text(s: impl Into<Cow<'a, str>>) -> Self {
        Cell::Text(s.into())
    }

    fn opt(s: &'a Option<String>) -> Self {
        Cell::maybe(s.as_deref())
    }

    fn maybe(s: Option<impl Into<Cow<'a, str>>>) -> Self {
        s.map_or(Cell::Empty, Cell::text)
    }

    /// The width of what Excel shows, for sizing the column.
    fn width(&self) -> usize {
        match self {
            Cell::Text(s) => display_width(s),
            Cell::Points(p) => format!("{:.2}", p.to_f64()).len(),
            Cell::Int(n) => n.to_string().len(),
            Cell::Empty => 0,
        }
    }

    /// Lines the cell takes in a column of `width` units; only text wraps.
    fn lines(&self, width: usize) -> usize {
        match self {
            Cell::Text(s) => lines(s, width),
            _ => 1,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Row<'a> {
    cells: Vec<Cell<'a>>,
    fill: Option<u32>,
    /// Greyed out: a score that did not count.
    muted: bool,
    bold: bool,
}

impl<'a> Row<'a> {
    fn new(cells: Vec<Cell<'a>>) -> Self {
        Self { cells, ..Self::default() }
    }

    fn fill(mut self, fill: Option<u32>) -> Self {
        self.fill = fill;
        self
    }
}

/// One table of a sheet. The first table of a sheet gets the frozen header and the
/// autofilter; a later one (the ties under the statistics) sits below a title line.
#[derive(Debug, Clone, Default)]
struct Table<'a> {
    title: Option<String>,
    headers: Vec<String>,
    rows: Vec<Row<'a>>,
    /// Column widths are capped here instead of at [`MAX_WIDTH`] (indicator columns).
    narrow_from: Option<usize>,
    narrow_to: Option<usize>,
}

impl Table<'_> {
    fn new(headers: &[&str]) -> Self {
        Self { headers: headers.iter().map(|h| h.to_string()).collect(), ..Self::default() }
    }

    fn cap(&self, col: usize) -> usize {
        match (self.narrow_from, self.narrow_to) {
            (Some(from), Some(to)) if (from..to).contains(&col) => MATRIX_WIDTH,
            _ => MAX_WIDTH,
        }
    }
}

/// How many lines a text takes in a column of `width` units, of which the cell's padding
/// takes one.
fn lines(s: &str, width: usize) -> usize {
    wrapped_lines(s, width.saturating_sub(1))
}

fn base_format() -> Format {
    Format::new()
        .set_font_name(FONT)
        .set_font_size(FONT_SIZE)
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter)
}

fn write_sheet(
    ws: &mut Worksheet,
    tables: &[Table<'_>],
    formats: &mut Formats,
) -> Result<(), XlsxError> {
    let columns = tables.iter().map(|t| t.headers.len()).max().unwrap_or(0);
    let mut widths = vec![6usize; columns];
    for table in tables {
        for (col, width) in widths.iter_mut().enumerate() {
            let cap = table.cap(col);
            let header = table.headers.get(col).map_or(0, |h| display_width(h));
            let cells = table
                .rows
                .iter()
                .filter_map(|r| r.cells.get(col))
                .map(Cell::width)
                .max()
                .unwrap_or(0);
            let wanted = if cap == MAX_WIDTH {
                header.max(cells)
            } else {
                // Narrow columns wrap their header rather than grow for it.
                cells.max(8)
            };
            *width = (*width).max((wanted + 2).min(cap));
        }
    }
    for (col, &width) in widths.iter().enumerate() {
        ws.set_column_width(col as u16, width as f64)?;
    }

    let header_format = base_format()
        .set_bold()
        .set_background_color(Color::RGB(HEADER_FILL))
        .set_align(FormatAlign::Center)
        .set_text_wrap();
    let title_format = Format::new().set_font_name(FONT).set_font_size(FONT_SIZE).set_bold();

    let mut row = 0u32;
    for (t, table) in tables.iter().enumerate() {
        if t > 0 {
            row += 1;
        }
        if let Some(title) = &table.title {
            ws.write_string_with_format(row, 0, title, &title_format)?;
            row += 1;
        }
        let header_row = row;
        for (col, header) in table.headers.iter().enumerate() {
            ws.write_string_with_format(row, col as u16, header, &header_format)?;
        }
        let header_lines = table.headers.iter().zip(&widths).map(|(h, &w)| lines(h, w));
        fit_height(ws, row, header_lines)?;
        row += 1;

        for r in &table.rows {
            for (col, cell) in r.cells.iter().enumerate() {
                write_cell(ws, row, col as u16, cell, formats.get(cell, r))?;
            }
            fit_height(ws, row, r.cells.iter().zip(&widths).map(|(c, &w)| c.lines(w)))?;
            row += 1;
        }

        if t == 0 {
            ws.set_freeze_panes(header_row + 1, 0)?;
            ws.set_repeat_rows(header_row, header_row)?;
            let last_row = header_row + table.rows.len() as u32;
            let last_col = table.headers.len().saturating_sub(1) as u16;
            ws.autofilter(header_row, 0, last_row, last_col)?;
        }
    }
    Ok(())
}

/// Excel does not grow a row for wrapped text in a file it did not lay out itself.
fn fit_height(
    ws: &mut Worksheet,
    row: u32,
    lines: impl Iterator<Item = usize>,
) -> Result<(), XlsxError> {
    let needed = lines.max().unwrap_or(1);
    if needed > 1 {
        ws.set_row_height(row, LINE_HEIGHT * needed as f64 + 3.0)?;
    }
    Ok(())
}

fn write_cell(
    ws: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Cell<'_>,
    format: &Format,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(s) => ws.write_string_with_format(row, col, s.as_ref(), format)?,
        Cell::Points(p) => ws.write_number_with_format(row, col, p.to_f64(), format)?,
        Cell::Int(n) => ws.write_number_with_format(row, col, *n as f64, format)?,
        Cell::Empty => ws.write_blank(row, col, format)?,
    };
    Ok(())
}

/// The formats of a workbook's cells, made once each: a few kinds of cell times a few row
/// styles, against hundreds of thousands of cells, each of which used to build its own
/// `Format` (with its font name) for rust_xlsxwriter to hash and find again.
#[derive(Default)]
struct Formats {
    made: HashMap<(CellKind, Option<u32>, bool, bool), Format>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum CellKind {
    Text,
    Points,
    Int,
    Empty,
}

impl Formats {
    fn get(&mut self, cell: &Cell<'_>, style: &Row<'_>) -> &Format {
        let kind = match cell {
            Cell::Text(_) => CellKind::Text,
            Cell::Points(_) => CellKind::Points,
            Cell::Int(_) => CellKind::Int,
            Cell::Empty => CellKind::Empty,
        };
        self.made
            .entry((kind, style.fill, style.muted, style.bold))
            .or_insert_with(|| cell_format(kind, style))
    }
}

fn cell_format(kind: CellKind, style: &Row<'_>) -> Format {
    let mut format = base_format();
    if let Some(fill) = style.fill {
        format = format.set_background_color(Color::RGB(fill));
    }
    if style.muted {
        format = format.set_font_color(Color::RGB(MUTED_FONT));
    }
    if style.bold {
        format = format.set_bold();
    }
    match kind {
        CellKind::Text => format.set_text_wrap(),
        CellKind::Points => format.set_num_format("0.00"),
        CellKind::Int => format.set_num_format("0").set_align(FormatAlign::Center),
        CellKind::Empty => format,
    }
}

fn print_setup(ws: &mut Worksheet, title: &str) -> Result<(), XlsxError> {
    const A4: u8 = 9;
    ws.set_paper_size(A4)
        .set_landscape()
        .set_print_fit_to_pages(1, 0)
        .set_print_center_horizontally(true)
        // `&` starts a control code in Excel headers.
        .set_header(format!("&C{}", title.replace('&', "&&")))
        .set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}

/// Soft fill per grade, by position: the best green, then blue and yellow; the last grade
/// of three or more is red.
fn grade_fill(state: GradeState, grades: usize) -> u32 {
    const PALETTE: [u32; 4] = [0xC6EFCE, 0xDDEBF7, 0xFFF2CC, 0xFCE4D6];
    match state {
        GradeState::Pending { .. } => PENDING_FILL,
        GradeState::Proposed { rule } if grades >= 3 && rule == grades - 1 => ERROR_FILL,
        GradeState::Proposed { rule } => PALETTE[rule.min(PALETTE.len() - 1)],
    }
}

fn summary<'a>(plan: &'a Plan, results: &'a Results) -> Vec<Table<'a>> {
    let mut headers = vec![
        columns::DEPARTMENT,
        columns::CATEGORY,
        columns::INDICATORS,
        columns::BONUS,
        columns::DEDUCTION,
        columns::TOTAL,
        columns::RANK,
        columns::GRADE,
    ];
    if plan.last_year.is_some() {
        headers.extend([columns::LAST_TOTAL, columns::LAST_RANK, columns::RANK_CHANGE]);
    }
    headers.push(columns::NOTE);
    let mut table = Table::new(&headers);
    for category in &results.categories {
        let grades = category.grades.len();
        for &d in &category.ranking {
            let r = results.department(d);
            let mut notes = Vec::new();
            if r.bonus_capped {
                notes.push(format!("加分合计{}分，超过上限，按{}分计", r.bonus_uncapped, r.bonus));
            }
            if r.missing() > 0 {
                notes.push(format!("{}项指标未评分，按0分计", r.missing()));
            }
            if r.grade.state.is_pending() {
                notes.push("总分并列于名额线，请领导小组确定".to_string());
            }
            let name = &plan.department(d).name;
            let mut cells = vec![
                Cell::text(name),
                Cell::text(&plan.category(r.category).name),
                Cell::Points(r.indicator_total),
                Cell::Points(r.bonus),
                Cell::Points(r.deduction),
                Cell::Points(r.total),
                Cell::Int(r.rank),
                Cell::text(&r.grade.text),
            ];
            match &r.versus {
                None => {}
                Some(Versus::New) => {
                    cells.extend([Cell::text("新增"), Cell::Empty, Cell::Empty]);
                }
                Some(Versus::Compared { last, rank_change, .. }) => {
                    if last.name != *name {
                        notes.push(format!("上年度名称：{}", last.name));
                    }
                    cells.extend([
                        Cell::Points(last.total),
                        Cell::Int(last.rank),
                        Cell::text(rank_change.to_string()),
                    ]);
                }
            }
            cells.push(Cell::text(notes.join("；")));
            let row = Row::new(cells);
            let mut row = row.fill(Some(grade_fill(r.grade.state, grades)));
            // The rows the leadership group has to decide on.
            row.bold = r.grade.state.is_pending();
            table.rows.push(row);
        }
    }
    vec![table]
}

/// The format marker: what the file is, its format version, whose and which year.
fn version_sheet(plan: &Plan) -> Vec<Table<'_>> {
    let mut table = Table::new(&[version::KEY, version::VALUE]);
    let year = usize::try_from(plan.info.year).map_or(Cell::Empty, Cell::Int);
    table.rows = [
        (version::KIND, Cell::text(format::KIND)),
        (version::VERSION, Cell::Int(format::VERSION as usize)),
        (version::ORG, Cell::text(&plan.info.org)),
        (version::YEAR, year),
        (
            "说明",
            Cell::text(
                "本工作簿由 kaoping 生成，下一年度可作为“上年度结果”输入；请勿改动工作表名称和列名",
            ),
        ),
    ]
    .into_iter()
    .map(|(key, value)| Row::new(vec![Cell::text(key), value]))
    .collect();
    vec![table]
}

fn statistics<'a>(plan: &'a Plan, results: &'a Results) -> Vec<Table<'a>> {
    let mut headers: Vec<String> =
        ["类别", "部门数", "平均分", "最高分", "最低分"].map(String::from).to_vec();
    // Every category is graded by the same rules; take their names from the results,
    // which also hold the defaults when the plan has none.
    for g in results.categories.first().map_or(&[][..], |c| &c.grades[..]) {
        headers.push(g.name.clone());
        if g.quota.is_some() {
            headers.push(format!("{}名额", g.name));
        }
    }
    headers.push("待定".to_string());
    let mut table = Table { headers, ..Table::default() };
    for c in &results.categories {
        let mut cells = vec![
            Cell::text(&plan.category(c.category).name),
            Cell::Int(c.count),
            Cell::Points(c.mean),
            Cell::Points(c.highest),
            Cell::Points(c.lowest),
        ];
        for g in &c.grades {
            cells.push(Cell::Int(g.count));
            if let Some(quota) = g.quota {
                cells.push(Cell::Int(quota));
            }
        }
        cells.push(Cell::Int(c.grades.iter().map(|g| g.pending).sum()));
        table.rows.push(Row::new(cells));
    }
    let mut tables = vec![table];

    if !results.ties.is_empty() {
        let mut ties = Table::new(&["类别", "等次", "剩余名额", "总分", "并列部门", "说明"]);
        ties.title = Some("总分并列于名额线（请领导小组确定）".to_string());
        for tie in &results.ties {
            let names: Vec<&str> =
                tie.tied.iter().map(|&d| plan.department(d).name.as_str()).collect();
            ties.rows.push(
                Row::new(vec![
                    Cell::text(&plan.category(tie.category).name),
                    Cell::text(&tie.grade_name),
                    Cell::Int(tie.places),
                    Cell::Points(tie.total),
                    Cell::text(names.join("、")),
                    Cell::text(format!(
                        "{}个部门总分均为{}，{}仅余{}个名额，其余为{}",
                        tie.tied.len(),
                        tie.total,
                        tie.grade_name,
                        tie.places,
                        tie.lower_name
                    )),
                ])
                .fill(Some(PENDING_FILL)),
            );
        }
        tables.push(ties);
    }
    tables
}

fn matrix<'a>(plan: &'a Plan, results: &'a Results) -> Vec<Table<'a>> {
    let mut headers = vec!["部门".to_string(), "类别".to_string()];
    for indicator in &plan.indicators {
        headers.push(format!("{} {}（{}分）", indicator.code, indicator.level2, indicator.max));
    }
    let first_indicator = 2;
    let after_indicators = headers.len();
    headers.extend(["指标得分", "加分", "扣分", "总分"].map(String::from));
    let mut table = Table {
        headers,
        narrow_from: Some(first_indicator),
        narrow_to: Some(after_indicators),
        ..Table::default()
    };
    for category in &results.categories {
        for &d in &category.ranking {
            let r = results.department(d);
            let mut cells = vec![
                Cell::text(&plan.department(d).name),
                Cell::text(&plan.category(r.category).name),
            ];
            cells.extend((0..plan.indicators.len()).map(|i| {
                match r.lines.iter().find(|l| l.indicator.0 == i) {
                    Some(line) if line.missing => Cell::text("未评分"),
                    Some(line) => Cell::Points(line.mean),
                    None => Cell::Empty,
                }
            }));
            cells.extend([
                Cell::Points(r.indicator_total),
                Cell::Points(r.bonus),
                Cell::Points(r.deduction),
                Cell::Points(r.total),
            ]);
            table.rows.push(Row::new(cells));
        }
    }
    vec![table]
}

/// `[第一组评分.xlsx]评分!D12`, the way Excel writes a reference into another file.
fn source(origin: &Origin) -> String {
    let file = origin.file.file_name().unwrap_or(origin.file.as_os_str()).to_string_lossy();
    format!("[{file}]{}!{}", origin.sheet, origin.cell)
}

fn score_records<'a>(plan: &'a Plan, results: &'a Results) -> Vec<Table<'a>> {
    let mut table =
        Table::new(&["部门", "指标编号", "指标", "考评人", "得分", "备注", "来源", "状态"]);
    for r in &results.departments {
        let dept = &plan.department(r.dept).name;
        for line in &r.lines {
            let indicator = plan.indicator(line.indicator);
            if line.missing {
                table.rows.push(
                    Row::new(vec![
                        Cell::text(dept),
                        Cell::text(&indicator.code),
                        Cell::text(&indicator.level2),
                        Cell::Empty,
                        Cell::Empty,
                        Cell::Empty,
                        Cell::Empty,
                        Cell::text("无人评分，按0分计"),
                    ])
                    .fill(Some(WARNING_FILL)),
                );
            }
            for &e in &line.entries {
                let entry = &plan.scores[e];
                let status = match line.dropped {
                    Some(d) if d.highest_entry == e => "去掉最高分",
                    Some(d) if d.lowest_entry == e => "去掉最低分",
                    _ => "计入",
                };
                let mut row = Row::new(vec![
                    Cell::text(dept),
                    Cell::text(&indicator.code),
                    Cell::text(&indicator.level2),
                    Cell::text(&plan.member(entry.evaluator).name),
                    Cell::Points(entry.score.points()),
                    Cell::opt(&entry.note),
                    Cell::text(source(&entry.origin)),
                    Cell::text(status),
                ]);
                row.muted = status != "计入";
                table.rows.push(row);
            }
        }
        // Recused members hand in no score for this department; their refused rows, if
        // any, are in 问题清单.
        let group = plan.group_for(r.category);
        for (index, member) in plan.group(group).members.iter().enumerate() {
            let id = crate::model::MemberId { group, index };
            if member.role.scores() && plan.recuses(id, r.dept) {
                let mut row = Row::new(vec![
                    Cell::text(dept),
                    Cell::Empty,
                    Cell::text("（全部指标）"),
                    Cell::text(&member.name),
                    Cell::Empty,
                    Cell::Empty,
                    Cell::Empty,
                    Cell::text("回避（本部门人员），不计入"),
                ]);
                row.muted = true;
                table.rows.push(row);
            }
        }
    }
    vec![table]
}

fn adjustments<'a>(plan: &'a Plan, results: &'a Results) -> Vec<Table<'a>> {
    let mut table = Table::new(&[
        "部门",
        "类别",
        "类型",
        "分值",
        "计入分值",
        "事由",
        "认定部门",
        "佐证材料",
        "来源",
        "说明",
    ]);
    for r in &results.departments {
        for line in &r.adjustments {
            let adj = &plan.adjustments[line.adjustment];
            let cut = line.counted < line.amount;
            let note = match (cut, plan.info.bonus_cap) {
                (true, Some(cap)) if line.counted == Points::ZERO => {
                    format!("加分已达上限{cap}分，未计入")
                }
                (true, Some(cap)) => {
                    format!("加分超过上限{cap}分，计入{}分", line.counted)
                }
                _ => String::new(),
            };
            let fill = match adj.kind {
                AdjustmentKind::Bonus if cut => Some(WARNING_FILL),
                _ => None,
            };
            table.rows.push(
                Row::new(vec![
                    Cell::text(&plan.department(r.dept).name),
                    Cell::text(&plan.category(r.category).name),
                    Cell::text(adj.kind.label()),
                    Cell::Points(adj.amount),
                    Cell::Points(line.counted),
                    Cell::text(&adj.reason),
                    Cell::text(&adj.authority),
                    Cell::opt(&adj.evidence),
                    Cell::text(source(&adj.origin)),
                    Cell::text(note),
                ])
                .fill(fill),
            );
        }
    }
    vec![table]
}

fn problems(findings: &[Finding]) -> Vec<Table<'_>> {
    let mut table = Table::new(&["级别", "文件", "工作表", "单元格", "说明"]);
    for f in findings {
        let file = f
            .location
            .file
            .as_deref()
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned());
        let fill = match f.severity {
            Severity::Error => Some(ERROR_FILL),
            Severity::Warning => Some(WARNING_FILL),
            Severity::Info => None,
        };
        table.rows.push(
            Row::new(vec![
                Cell::text(f.severity.label()),
                Cell::maybe(file),
                Cell::opt(&f.location.sheet),
                Cell::maybe(f.location.cell.map(|c| c.to_string())),
                Cell::text(&f.message),
            ])
            .fill(fill),
        );
    }
    if findings.is_empty() {
        table.rows.push(Row::new(vec![
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::text("未发现问题"),
        ]));
    }
    vec![table]
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use calamine::{Data, Reader, Xlsx};

    use super::*;
    use crate::finding::{CellRef, Location};
    use crate::model::{AdjustmentKind, Applies};
    use crate::score::score;
    use crate::score::tests::Builder;

    fn plan() -> Plan {
        let mut b = Builder::new().cap(500).trimmed();
        // 30% of 10 = 3 优秀 places; the 3rd and 4th tie at 95.
        let colleges = b
            .with_totals("二级学院", &[9900, 9500, 9800, 9500, 9000, 8800, 8000, 7000, 6000, 5000]);
        b.adjust(colleges[4], AdjustmentKind::Bonus, 400);
        b.adjust(colleges[4], AdjustmentKind::Bonus, 300);
        b.adjust(colleges[5], AdjustmentKind::Deduction, 125);
        let offices = b.category("处（室）");
        let i = b.indicator("B1", Applies::Category(offices), 10000);
        let members: Vec<_> =
            ["张三", "李四", "王五", "赵六"].iter().map(|n| b.member(offices, n, None)).collect();
        let d1 = b.dept("教务处", offices);
        let d2 = b.dept("学生处", offices);
        let recused = b.member(offices, "钱七", Some(d2));
        for (m, s) in members.iter().zip([9000, 8000, 8500, 7000]) {
            b.score(d1, i, *m, s);
        }
        for (m, s) in members.iter().zip([9100, 8100, 8600, 7100]) {
            b.score(d2, i, *m, s);
        }
        b.score(d1, i, recused, 8333);
        b.plan
    }

    fn findings() -> Vec<Finding> {
        vec![
            Finding::error(
                Location::cell(Path::new("/tmp/in/考评.xlsx"), "评分", CellRef::new(11, 3)),
                "得分 120 超过指标 C03 的分值 20",
            ),
            Finding::warning(Location::sheet(Path::new("考评.xlsx"), "考评组"), "交叉考评"),
        ]
    }

    fn read(bytes: &[u8], sheet: &str) -> Vec<Vec<Data>> {
        let mut xlsx = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
        let range = xlsx.worksheet_range(sheet).unwrap();
        range.rows().map(|r| r.to_vec()).collect()
    }

    fn text(d: &Data) -> String {
        match d {
            Data::String(s) => s.clone(),
            Data::Empty => String::new(),
            other => panic!("expected text, got {other:?}"),
        }
    }

    fn number(d: &Data) -> f64 {
        match d {
            Data::Float(f) => *f,
            Data::Int(i) => *i as f64,
            other => panic!("expected a number, got {other:?}"),
        }
    }

    #[test]
    fn summary_sheet_equals_results() {
        let plan = plan();
        let results = score(&plan);
        let bytes = summary_workbook(&plan, &results, &findings()).unwrap();
        let rows = read(&bytes, "汇总");
        let header: Vec<String> = rows[0].iter().map(text).collect();
        assert_eq!(
            header,
            ["部门", "类别", "指标得分", "加分", "扣分", "总分", "排名", "建议等次", "备注"]
        );
        assert_eq!(rows.len(), 1 + plan.departments.len());
        let mut seen = Vec::new();
        for row in &rows[1..] {
            let name = text(&row[0]);
            let d = plan.dept_ids().find(|&d| plan.department(d).name == name).unwrap();
            let r = results.department(d);
            assert_eq!(text(&row[1]), plan.category(r.category).name);
            assert_eq!(number(&row[2]), r.indicator_total.to_f64());
            assert_eq!(number(&row[3]), r.bonus.to_f64());
            assert_eq!(number(&row[4]), r.deduction.to_f64());
            assert_eq!(number(&row[5]), r.total.to_f64());
            assert_eq!(number(&row[6]), r.rank as f64);
            assert_eq!(text(&row[7]), r.grade.text);
            seen.push(d);
        }
        // Per category, in rank order.
        let expected: Vec<_> = results.categories.iter().flat_map(|c| c.ranking.clone()).collect();
        assert_eq!(seen, expected);
        assert!(rows.iter().any(|r| text(&r[7]) == "待定（优秀/良好）"));
    }

    #[test]
    fn problem_sheet_lists_findings() {
        let plan = plan();
        let results = score(&plan);
        let bytes = summary_workbook(&plan, &results, &findings()).unwrap();
        let rows: Vec<Vec<String>> =
            read(&bytes, "问题清单").iter().map(|r| r.iter().map(text).collect()).collect();
        assert_eq!(
            rows,
            [
                vec!["级别", "文件", "工作表", "单元格", "说明"],
                vec!["错误", "考评.xlsx", "评分", "D12", "得分 120 超过指标 C03 的分值 20"],
                vec!["警告", "考评.xlsx", "考评组", "", "交叉考评"],
            ]
        );

        let bytes = summary_workbook(&plan, &results, &[]).unwrap();
        let rows = read(&bytes, "问题清单");
        assert_eq!(text(&rows[1][4]), "未发现问题");
    }

    #[test]
    fn score_records_mark_trimmed_and_recused() {
        let plan = plan();
        let results = score(&plan);
        let bytes = summary_workbook(&plan, &results, &[]).unwrap();
        let rows = read(&bytes, "评分记录");
        let of = |dept: &str| -> Vec<(String, String)> {
            rows.iter()
                .filter(|r| text(&r[0]) == dept)
                .map(|r| (text(&r[3]), text(&r[7])))
                .collect()
        };
        let status = |s: &str| s.to_string();
        assert_eq!(
            of("学生处"),
            [
                ("张三".into(), status("去掉最高分")),
                ("李四".into(), status("计入")),
                ("王五".into(), status("计入")),
                ("赵六".into(), status("去掉最低分")),
                ("钱七".into(), status("回避（本部门人员），不计入")),
            ]
        );
        let scored: Vec<_> = rows[1..].iter().filter(|r| !matches!(r[4], Data::Empty)).collect();
        assert_eq!(scored.len(), plan.scores.len());
        assert!(text(&rows[1][6]).starts_with("[考评.xlsx]评分!A"));
    }

    #[test]
    fn matrix_and_adjustments() {
        let plan = plan();
        let results = score(&plan);
        let bytes = summary_workbook(&plan, &results, &[]).unwrap();
        let rows = read(&bytes, "得分明细");
        assert_eq!(text(&rows[0][2]), "二级学院1 指标二级学院1（100分）");
        assert_eq!(text(&rows[0][rows[0].len() - 1]), "总分");
        // 教务处: trimmed (80 + 85 + 83.33) / 3 = 82.78, no 二级学院 indicator.
        let row = rows.iter().find(|r| text(&r[0]) == "教务处").unwrap();
        assert_eq!(row[2], Data::Empty);
        assert_eq!(number(&row[3]), 82.78);

        let rows = read(&bytes, "加扣分");
        let notes: Vec<(f64, String)> =
            rows[1..].iter().map(|r| (number(&r[4]), text(&r[9]))).collect();
        assert_eq!(
            notes,
            [(4.0, String::new()), (1.0, "加分超过上限5分，计入1分".into()), (1.25, String::new()),]
        );
    }

    #[test]
    fn bytes_are_deterministic() {
        let plan = plan();
        let results = score(&plan);
        let a = summary_workbook(&plan, &results, &findings()).unwrap();
        let b = summary_workbook(&plan, &results, &findings()).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn widths_count_cjk_twice() {
        assert_eq!(display_width("C01 党建"), 8);
        assert_eq!(lines("一二三四五六七八九十", 11), 2);
        assert_eq!(lines("abc", 10), 1);
    }
}
