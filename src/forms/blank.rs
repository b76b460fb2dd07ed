//! The blank input workbook of `kaoping init`: a guide sheet, then every sheet of the
//! input format with its header, example rows that pass the check, drop-downs and input
//! messages. Names, need and help come from [`input_format`](crate::input_format); what
//! this file adds is the examples and what Excel can check while typing.

use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DataValidationRule, DocProperties,
    ExcelDateTime, Format, FormatAlign, Formula, Workbook, Worksheet, XlsxError,
};

use super::wording::wording_sheet;
use super::{MUTED_FONT, header_format, quiet_note, wrap_format, wrapped_row_height, ymd};
use crate::input_format;
use crate::input_format::info::{self, Fact};
use crate::input_format::{Column, SHEETS, Sheet, departments, groups, labels, sheets};
use crate::render::body::{WordingContext, WordingGroup, builtin_lines};
use crate::render::templates::{TemplateError, Templates};
use crate::xlsx_cells::{
    CellFormats, Value, display_width, excel_date, shown, width_of, wrapped_lines, write_value,
};

/// The example rows of the blank workbook: grey italic on a light grey fill.
const EXAMPLE_FILL: u32 = 0xF2F2F2;
const EXAMPLE_FONT: u32 = 0x7F7F7F;

/// Data rows of the blank workbook that carry validations and input messages; far more
/// than any college has departments or group members.
const INPUT_ROWS: u32 = 2000;
/// The same for the 评分 sheet, which has a row per department, indicator and evaluator.
const SCORE_ROWS: u32 = 50_000;

/// What a cell may hold, as far as Excel can check it while typing.
#[derive(Debug, Clone, Copy)]
enum Rule {
    /// Anything; the cell still shows its help as an input message.
    Free,
    /// One of a fixed list, offered as a drop-down.
    Choice(&'static [&'static str]),
    /// A category of the 部门 sheet.
    Category,
    /// A category of the 部门 sheet, or `全部`.
    CategoryOrAll,
    /// A department of the 部门 sheet, offered as a drop-down.
    Department,
    Date,
    Time,
    DateTime,
    Year,
    NonNegative,
    Positive,
}

/// One column of a sheet as the blank workbook shows it: the format's column, an example
/// and what Excel checks.
struct Col {
    column: &'static Column,
    example: Value,
    rule: Rule,
}

/// What the blank workbook puts below a sheet's header.
enum Prefill {
    /// One example row made of the columns' examples, marked as such.
    Example,
    /// The columns' examples and further example rows: the example groups need two
    /// categories, so that the built-in wording of 正文 names groups that exist.
    Examples(Vec<Vec<Value>>),
    /// The built-in wording of the notice's body, one paragraph a row (正文).
    Wording,
    /// Real rows that may stay as they are (the default grading rules).
    Defaults(Vec<Vec<Value>>, &'static str),
}

struct SheetSpec {
    sheet: &'static Sheet,
    columns: Vec<Col>,
    prefill: Prefill,
}

impl SheetSpec {
    /// The index of a column of this sheet.
    fn index_of(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.column.name == name)
    }
}

/// A fact of 文件信息 as the blank workbook shows it.
struct FactSpec {
    fact: &'static Fact,
    example: Value,
    rule: Rule,
}

fn hm(hour: u32, minute: u32) -> chrono::NaiveTime {
    chrono::NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(chrono::NaiveTime::MIN)
}

/// The example and the check of a fact.
fn fact_input(key: &str, year: i32) -> (Value, Rule) {
    use Rule::*;
    let t = Value::text;
    match key {
        info::ORG => (t("阿克苏职业技术学院"), Free),
        info::ORG_SHORT => (t("学院"), Free),
        info::YEAR => (Value::from(year), Year),
        info::MARK => (t("阿克苏职业技术学院文件"), Free),
        info::DOC_NUMBER => (Value::text(format!("阿职院办发〔{year}〕45号")), Free),
        info::TITLE => {
            (Value::text(format!("阿克苏职业技术学院{year}年度绩效考评工作实施方案")), Free)
        }
        info::RECIPIENTS => (t("学院各二级学院、处（室）"), Free),
        info::BASIS => {
            (Value::text(format!("《阿克苏职业技术学院{year}年度绩效考评实施办法》")), Free)
        }
        info::SIGNER => (t("阿克苏职业技术学院办公室"), Free),
        info::DATE => (ymd(year, 11, 8).into(), Date),
        info::EVAL_START => (ymd(year, 11, 29).into(), Date),
        info::EVAL_END => (ymd(year, 11, 30).into(), Date),
        info::SELF_CHECK_DEADLINE => (ymd(year, 11, 24).into(), Date),
        info::MEETING => (ymd(year, 11, 26).and_time(hm(10, 30)).into(), DateTime),
        info::MEETING_PLACE => (t("厚德楼二楼会议室"), Free),
        info::MEETING_ATTENDEES => (t("各二级学院、处（室）主要负责人和考评组全体人员"), Free),
        info::OFFICE => (t("教育教学质量监控中心"), Free),
        info::OFFICE_DIRECTOR => (t("王新萍"), Free),
        info::OFFICE_DEPUTY => (t("朱玉新"), Free),
        info::CC => (t("学院党委"), Free),
        info::PRINTER => (t("阿克苏职业技术学院办公室"), Free),
        info::PRINT_DATE => (ymd(year, 11, 8).into(), Date),
        info::SCORING_METHOD => (t(labels::TRIMMED_MEAN), Choice(&labels::SCORING_METHODS)),
        info::BONUS_CAP => (Value::from(5), NonNegative),
        info::SEAL => (t("印章.png"), Free),
        info::LAST_YEAR => (Value::text(format!("{}年度绩效考评结果汇总.xlsx", year - 1)), Free),
        _ => (Value::Empty, Free),
    }
}

fn facts(year: i32) -> Vec<FactSpec> {
    info::FACTS
        .iter()
        .map(|fact| {
            let (example, rule) = fact_input(fact.key, year);
            FactSpec { fact, example, rule }
        })
        .collect()
}

/// The examples and checks of a sheet's columns, in the format's column order, and what
/// goes below the header; `None` for 文件信息, which is a sheet of facts.
fn sheet_inputs(name: &str, year: i32) -> Option<(Vec<(Value, Rule)>, Prefill)> {
    use Rule::*;
    let t = Value::text;
    let e = Value::Empty;
    let inputs = match name {
        sheets::DEPARTMENTS => (
            vec![
                (t("医学院"), Free),
                (t("二级学院"), Free),
                (t("张伟"), Free),
                (e.clone(), Free),
                (e, Free),
            ],
            Prefill::Examples(vec![vec![t("教务处"), t("处（室）"), t("刘芳")]]),
        ),
        sheets::LEADERSHIP => (
            vec![
                (t(labels::LEADER), Choice(&labels::LEADER_ROLES)),
                (t("王强"), Free),
                (t("党委书记"), Free),
            ],
            Prefill::Example,
        ),
        sheets::GROUPS => (
            vec![
                (t("二级学院考评组"), Free),
                (t("二级学院"), Category),
                (t(labels::LEADER), Choice(&labels::MEMBER_ROLES)),
                (t("李军"), Free),
                (t("党委委员、副院长"), Free),
                (t("教务处"), Free),
                (t("13800000000"), Free),
            ],
            Prefill::Examples(vec![vec![
                t("处（室）考评组"),
                t("处（室）"),
                t(labels::LEADER),
                t("陈静"),
                t("党委委员、副院长"),
                t("医学院"),
                t("13900000000"),
            ]]),
        ),
        sheets::SCHEDULE => (
            vec![
                (t("二级学院"), Category),
                (t("医学院"), Free),
                (ymd(year, 11, 29).into(), Date),
                (hm(10, 0).into(), Time),
                (t("行政楼会议室"), Free),
            ],
            Prefill::Examples(vec![vec![
                t("处（室）"),
                t("教务处"),
                ymd(year, 11, 30).into(),
                hm(10, 0).into(),
                t("行政楼会议室"),
            ]]),
        ),
        sheets::INDICATORS => (
            vec![
                (t("A01"), Free),
                (t(labels::ALL_CATEGORIES), CategoryOrAll),
                (t("党的建设"), Free),
                (t("党建责任落实"), Free),
                (Value::from(10), Positive),
                (t("查阅会议记录和工作台账"), Free),
            ],
            Prefill::Example,
        ),
        sheets::SCORES => (
            vec![
                (t("医学院"), Department),
                (t("A01"), Free),
                (t("李军"), Free),
                (Value::from(9.5), NonNegative),
                (e, Free),
            ],
            Prefill::Example,
        ),
        sheets::ADJUSTMENTS => (
            vec![
                (t("医学院"), Department),
                (t(labels::BONUS), Choice(&labels::ADJUSTMENT_KINDS)),
                (Value::from(1), Positive),
                (t("获省级教学成果奖"), Free),
                (t("教务处"), Free),
                (t("获奖证书复印件"), Free),
            ],
            Prefill::Example,
        ),
        sheets::GRADING => (
            vec![(t("优秀"), Free), (Value::from(90), NonNegative), (t("30%"), Free)],
            Prefill::Defaults(
                vec![
                    vec![t("优秀"), Value::from(90), t("30%")],
                    vec![t("良好"), Value::from(80)],
                    vec![t("合格"), Value::from(60)],
                    vec![t("不合格"), Value::from(0)],
                ],
                "已填入默认定等规则（与不填本表效果相同），可按本单位的考评办法修改。",
            ),
        ),
        sheets::BODY => {
            (vec![(t("（一）坚持客观公正、民主公平、注重实绩的原则；"), Free)], Prefill::Wording)
        }
        _ => return None,
    };
    Some(inputs)
}

/// Every sheet of the format but 文件信息, in the format's order.
fn sheet_specs(year: i32) -> Vec<SheetSpec> {
    SHEETS
        .iter()
        .filter_map(|sheet| {
            let (inputs, prefill) = sheet_inputs(sheet.name, year)?;
            let columns = sheet
                .columns
                .iter()
                .zip(inputs)
                .map(|(column, (example, rule))| Col { column, example, rule })
                .collect();
            Some(SheetSpec { sheet, columns, prefill })
        })
        .collect()
}

/// The rows a sheet of the blank workbook is prefilled with (examples or defaults).
fn prefilled_rows(spec: &SheetSpec) -> Vec<Vec<Value>> {
    match &spec.prefill {
        Prefill::Example => vec![spec.columns.iter().map(|c| c.example.clone()).collect()],
        Prefill::Examples(more) => {
            let mut rows = vec![spec.columns.iter().map(|c| c.example.clone()).collect()];
            rows.extend(more.iter().cloned());
            rows
        }
        Prefill::Defaults(rows, _) => rows.clone(),
        Prefill::Wording => Vec::new(),
    }
}

/// The built-in wording for the example rows: its groups are the 考评组 examples, the
/// categories they draw members from follow 所在部门 through the 部门 examples, and every
/// optional fact counts as filled (each has an example), so the sheet shows all wording.
fn example_wording(specs: &[SheetSpec]) -> Result<Vec<String>, XlsxError> {
    let spec = |name: &str| specs.iter().find(|s| s.sheet.name == name);
    let rows = |name: &str| spec(name).map(prefilled_rows).unwrap_or_default();
    // The text of a row's cell in a column of the sheet, empty when there is none.
    let text = |row: &[Value], sheet: &str, column: &str| {
        let index = spec(sheet).and_then(|s| s.index_of(column));
        index.and_then(|i| row.get(i)).and_then(Value::as_text).unwrap_or_default().to_string()
    };
    let department_rows = rows(sheets::DEPARTMENTS);
    let category_of = |dept: &str| {
        department_rows
            .iter()
            .find(|d| text(d, sheets::DEPARTMENTS, departments::NAME) == dept)
            .map(|d| text(d, sheets::DEPARTMENTS, departments::CATEGORY))
    };
    let mut groups: Vec<WordingGroup> = Vec::new();
    for member in rows(sheets::GROUPS) {
        let name = text(&member, sheets::GROUPS, groups::GROUP);
        let target = text(&member, sheets::GROUPS, groups::TARGET);
        let index = match groups.iter().position(|g| g.name == name) {
            Some(i) => i,
            None => {
                groups.push(WordingGroup { name, target: target.clone(), drawn_from: Vec::new() });
                groups.len() - 1
            }
        };
        if let Some(home) = category_of(&text(&member, sheets::GROUPS, groups::HOME))
            && home != target
            && !groups[index].drawn_from.contains(&home)
        {
            groups[index].drawn_from.push(home);
        }
    }
    let context = WordingContext {
        org_short: "学院".to_string(),
        groups,
        filled: crate::model::body::info_keys().collect(),
    };
    let fail = |e: TemplateError| XlsxError::ParameterError(e.to_string());
    let templates = Templates::load(None).map_err(fail)?;
    builtin_lines(&templates, &context).map_err(fail)
}

/// The blank input workbook of `kaoping init`.
///
/// Sheets: `说明` (what each sheet and column is for, with examples), then every sheet of
/// the input contract with its header in row 1. 文件信息 lists every fact with 内容 empty
/// except 年度. The other sheets hold example rows (grey italic on grey, with a note on
/// the first cell) that are real, mutually consistent data: once 文件信息 is filled in, the
/// workbook passes `check` as it is, so the examples show exactly what valid input looks
/// like, and whatever of them is left behind is checked like the rest instead of being
/// silently skipped or breaking the check. 定等规则 holds the default rules instead, and
/// 正文 the built-in wording, placeholders intact, for the example groups (two, as in the
/// reference plan, whose wording it therefore reproduces).
///
/// Cells that take values from a list have drop-downs or checks (小组职务, 类型, 计分方法;
/// 类别 and 考评对象 against the 部门 sheet; 部门 columns as a drop-down of 部门名称), dates,
/// times and numbers are checked, and every data cell shows its column's help when
/// selected.
///
/// # Errors
/// A year whose neighbours Excel cannot hold as dates (before 1901 or after 9998).
///
/// # Examples
/// ```
/// let bytes = kaoping::forms::blank_workbook(2025).unwrap();
/// assert_eq!(&bytes[..2], b"PK");
/// ```
pub fn blank_workbook(year: i32) -> Result<Vec<u8>, XlsxError> {
    let created = excel_date(ymd(year, 1, 1))?;
    // Validation bounds reach into the next year, which must exist too.
    excel_date(ymd(year + 1, 12, 31))?;
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!("{year}年度绩效考评工作簿"))
            .set_creation_datetime(&created),
    );
    let facts = facts(year);
    let specs = sheet_specs(year);
    let wording = example_wording(&specs)?;
    guide_sheet(workbook.add_worksheet(), year, &facts, &specs)?;
    facts_sheet(workbook.add_worksheet(), year, &facts)?;
    for spec in &specs {
        match spec.prefill {
            Prefill::Wording => wording_sheet(workbook.add_worksheet(), &wording)?,
            _ => table_sheet(workbook.add_worksheet(), year, spec)?,
        }
    }
    workbook.save_to_buffer()
}

fn example_format() -> Format {
    Format::new()
        .set_italic()
        .set_font_color(Color::RGB(EXAMPLE_FONT))
        .set_background_color(Color::RGB(EXAMPLE_FILL))
}

fn yes_no(required: bool) -> &'static str {
    if required { "是" } else { "否" }
}

fn guide_sheet(
    ws: &mut Worksheet,
    year: i32,
    facts: &[FactSpec],
    specs: &[SheetSpec],
) -> Result<(), XlsxError> {
    ws.set_name("说明")?;
    let title = Format::new().set_bold().set_font_size(14);
    ws.write_string_with_format(0, 0, format!("{year}年度绩效考评工作簿 填写说明"), &title)?;
    let notes = [
        "填写顺序：文件信息 → 部门 → 领导小组 → 考评组 → 日程 → 指标；评分可以录入“评分”表，也可以用 kaoping forms 为各考评组生成评分表分发填写。",
        "各表灰色斜体的行是示例，会被当作真实数据读取：请改成本单位的内容，或删除这些行。",
        "“正文”表是实施方案的正文（已填入上一年度的措辞），一段一行，可直接修改或从 Word 粘贴；删除该表则使用内置正文。",
        "表头文字和工作表名称不要改动；列的顺序可以调整，也可以增加其他列（不会读取）。",
        "日期写成 2021-11-29 或 2021年11月29日，时间写成 10:30 或 下午4:00；一格中有多个部门时用顿号（、）分隔。",
        "填好后运行 kaoping check 检查，有问题的单元格会逐一列出。",
    ];
    for (i, note) in notes.iter().enumerate() {
        ws.write_string(1 + i as u32, 0, *note)?;
    }
    let top = 2 + notes.len() as u32;
    let header = header_format();
    for (c, h) in ["工作表", "列", "必填", "说明", "示例"].iter().enumerate() {
        ws.write_string_with_format(top, c as u16, *h, &header)?;
    }
    let widths: [usize; 5] = [12, 16, 6, 60, 40];
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w as f64)?;
    }
    let sheet_row = Format::new().set_bold().set_background_color(Color::RGB(EXAMPLE_FILL));
    let wrap = wrap_format();
    let mut row = top + 1;
    let mut write_row = |ws: &mut Worksheet, cells: [&str; 5], format: &Format| {
        for (c, text) in cells.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, *text, format)?;
        }
        let lines = wrapped_lines(cells[3], widths[3]).max(wrapped_lines(cells[4], widths[4]));
        if let Some(height) = wrapped_row_height(lines) {
            ws.set_row_height(row, height)?;
        }
        row += 1;
        Ok::<(), XlsxError>(())
    };
    let whole_sheet =
        |sheet: &'static Sheet| [sheet.name, "（整表）", sheet.need.label(), sheet.purpose, ""];
    if let Some(sheet) = input_format::sheet(sheets::INFO) {
        write_row(ws, whole_sheet(sheet), &sheet_row)?;
    }
    let [key, value] = &info::COLUMNS;
    // 项目 names the fact and 内容 holds its value, so the rows take the first fact.
    let first = facts.first().map(|f| (f.fact.key, shown(&f.example))).unwrap_or_default();
    write_row(ws, [sheets::INFO, key.name, yes_no(key.filled), key.help, first.0], &wrap)?;
    write_row(ws, [sheets::INFO, value.name, "见下", value.help, &first.1], &wrap)?;
    for f in facts {
        let example = shown(&f.example);
        let item = format!("{}：{}", key.name, f.fact.key);
        let cells: [&str; 5] =
            [sheets::INFO, &item, yes_no(f.fact.required), f.fact.help, &example];
        write_row(ws, cells, &wrap)?;
    }
    for spec in specs {
        write_row(ws, whole_sheet(spec.sheet), &sheet_row)?;
        for c in &spec.columns {
            let example = shown(&c.example);
            let (name, column) = (spec.sheet.name, c.column);
            let cells: [&str; 5] =
                [name, column.name, yes_no(column.filled), column.help, &example];
            write_row(ws, cells, &wrap)?;
        }
    }
    ws.set_freeze_panes(top + 1, 0)?;
    ws.autofilter(top, 0, row - 1, 4)?;
    ws.set_paper_size(9).set_print_fit_to_pages(1, 0).set_repeat_rows(top, top)?;
    Ok(())
}

fn facts_sheet(ws: &mut Worksheet, year: i32, facts: &[FactSpec]) -> Result<(), XlsxError> {
    ws.set_name(sheets::INFO)?;
    let header = header_format();
    for (c, h) in [info::KEY, info::VALUE, "必填", "说明", "示例"].iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &header)?;
    }
    let widths: [usize; 5] = [16, 40, 6, 50, 40];
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w as f64)?;
    }
    let key = Format::new().set_bold();
    let wrap = wrap_format();
    let note = wrap.clone().set_font_color(Color::RGB(MUTED_FONT));
    let value = CellFormats::on(&Format::new());
    let example = CellFormats::on(&note.clone().set_align(FormatAlign::Left));
    for (i, spec) in facts.iter().enumerate() {
        let (f, row) = (spec.fact, 1 + i as u32);
        ws.write_string_with_format(row, 0, f.key, &key)?;
        // Pre-format the value cell so that a date typed there shows as a date.
        let blank = match spec.rule {
            Rule::Date => &value.date,
            Rule::DateTime => &value.datetime,
            _ => &value.text,
        };
        ws.write_blank(row, 1, blank)?;
        if f.key == info::YEAR {
            write_value(ws, row, 1, &Value::from(year), &value)?;
        }
        ws.write_string_with_format(row, 2, yes_no(f.required), &note)?;
        ws.write_string_with_format(row, 3, f.help, &note)?;
        write_value(ws, row, 4, &spec.example, &example)?;
        let shown_example = shown(&spec.example);
        let lines = wrapped_lines(f.help, widths[3]).max(wrapped_lines(&shown_example, widths[4]));
        if let Some(height) = wrapped_row_height(lines) {
            ws.set_row_height(row, height)?;
        }
        let help = input_message(f.help, &spec.example);
        ws.add_data_validation(row, 1, row, 1, &validation(spec.rule, f.key, &help, year, "B")?)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

/// The input message of a cell: its help, or the example when there is none.
fn input_message(help: &str, example: &Value) -> String {
    if help.is_empty() { format!("例：{}", shown(example)) } else { help.to_string() }
}

fn table_sheet(ws: &mut Worksheet, year: i32, spec: &SheetSpec) -> Result<(), XlsxError> {
    ws.set_name(spec.sheet.name)?;
    let header = header_format();
    let last_row = if spec.sheet.name == sheets::SCORES { SCORE_ROWS } else { INPUT_ROWS };
    let plain = CellFormats::on(&Format::new());
    for (c, Col { column, example, rule }) in spec.columns.iter().enumerate() {
        let c16 = c as u16;
        ws.write_string_with_format(0, c16, column.name, &header)?;
        let width = (display_width(column.name) + 4).max(width_of(example) + 2).clamp(8, 40);
        ws.set_column_width(c16, width as f64)?;
        // Pre-format date and time columns so that what is typed there shows as such.
        let column_format = match rule {
            Rule::Date => Some(&plain.date),
            Rule::Time => Some(&plain.time),
            Rule::DateTime => Some(&plain.datetime),
            _ => None,
        };
        if let Some(format) = column_format {
            ws.set_column_format(c16, format)?;
        }
        let letter = rust_xlsxwriter::utility::column_number_to_name(c16);
        let help = input_message(column.help, example);
        let rule = validation(*rule, column.name, &help, year, &letter)?;
        ws.add_data_validation(1, c16, last_row, c16, &rule)?;
    }
    match &spec.prefill {
        Prefill::Example | Prefill::Examples(_) => {
            let base = example_format();
            let formats = CellFormats::on(&base);
            for (r, row) in prefilled_rows(spec).iter().enumerate() {
                for c in 0..spec.columns.len() {
                    let at = (1 + r as u32, c as u16);
                    // Fill the empty example cells too, so the whole row reads as one example.
                    ws.write_blank(at.0, at.1, &base)?;
                    write_value(ws, at.0, at.1, row.get(c).unwrap_or(&Value::Empty), &formats)?;
                }
            }
            let note = "示例行（灰色）：照此格式填写，然后改成本单位的内容，或删除示例行。\n示例行不会被自动跳过，留下的内容会当作真实数据读取。";
            ws.insert_note(1, 0, &quiet_note(note))?;
        }
        Prefill::Defaults(rows, note) => {
            for (r, cells) in rows.iter().enumerate() {
                for (c, value) in cells.iter().enumerate() {
                    write_value(ws, 1 + r as u32, c as u16, value, &plain)?;
                }
            }
            ws.insert_note(1, 0, &quiet_note(note))?;
        }
        Prefill::Wording => {}
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

/// A workbook holding only a 正文 sheet with these paragraphs, laid out as `kaoping init`
/// writes it (the README's picture of the sheet is made from it).
///

/// A reference into the blank workbook's 部门 sheet: the whole column (`'部门'!$B:$B`), or
/// one cell of it when `row` is `$2`.
fn departments_column(name: &str, row: &str) -> String {
    let index = departments::COLUMNS.iter().position(|c| c.name == name).unwrap_or_default();
    let letter = rust_xlsxwriter::utility::column_number_to_name(index as u16);
    let sheet = sheets::DEPARTMENTS;
    if row.is_empty() {
        format!("'{sheet}'!${letter}:${letter}")
    } else {
        format!("'{sheet}'!${letter}{row}")
    }
}

/// The data validation of a rule, with the column's help as its input message.
///
/// Only fixed lists stop a wrong entry. Everything else warns and lets the user go on,
/// because the reader is more lenient than Excel: it takes `2021年11月29日` typed as text,
/// full-width digits, `处(室)` for `处（室）`; `check` reports what is really wrong.
/// `cell` is the column letter; custom formulas are written for row 2, the first cell of
/// the range, and Excel shifts them for the rows below.
fn validation(
    rule: Rule,
    title: &str,
    help: &str,
    year: i32,
    column: &str,
) -> Result<DataValidation, XlsxError> {
    let here = format!("{column}2");
    let categories = departments_column(departments::CATEGORY, "");
    let (first, last) = (excel_date(ymd(year - 1, 1, 1))?, excel_date(ymd(year + 1, 12, 31))?);
    let dv = DataValidation::new();
    let (dv, error) = match rule {
        Rule::Free => (dv.allow_any_value(), String::new()),
        Rule::Choice(items) => {
            let message = format!("请从下拉列表中选择：{}。", items.join("、"));
            (dv.allow_list_strings(items)?, message)
        }
        Rule::Category => (
            dv.allow_custom(Formula::new(format!("COUNTIF({categories},{here})>0"))),
            "“部门”表中没有这个类别。请先在“部门”表的“类别”列填写，或检查是否写错。".to_string(),
        ),
        Rule::CategoryOrAll => (
            dv.allow_custom(Formula::new(format!(
                "OR({here}=\"{all}\",COUNTIF({categories},{here})>0)",
                all = labels::ALL_CATEGORIES
            ))),
            "应为“全部”或“部门”表中的一个类别。".to_string(),
        ),
        Rule::Department => (
            dv.allow_list_formula(Formula::new(format!(
                "OFFSET({top},0,0,MAX(1,COUNTA({names})-1),1)",
                top = departments_column(departments::NAME, "$2"),
                names = departments_column(departments::NAME, ""),
            ))),
            "“部门”表中没有这个部门。".to_string(),
        ),
        Rule::Date => (
            dv.allow_date(DataValidationRule::Between(first, last)),
            format!("请填写日期，如 {year}-11-29。"),
        ),
        Rule::DateTime => (
            dv.allow_date(DataValidationRule::Between(first, last)),
            format!("请在同一格填写日期和时间，如 {year}-11-26 10:30。"),
        ),
        Rule::Time => (
            dv.allow_time(DataValidationRule::Between(
                ExcelDateTime::from_hms(0, 0, 0)?,
                ExcelDateTime::from_hms(23, 59, 59)?,
            )),
            "请填写时间，如 10:30。".to_string(),
        ),
        Rule::Year => (
            dv.allow_whole_number(DataValidationRule::Between(2000, 2100)),
            format!("年度应为四位数的年份，如 {year}。"),
        ),
        Rule::NonNegative => (
            dv.allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0)),
            "请填写不小于 0 的数。".to_string(),
        ),
        Rule::Positive => (
            dv.allow_decimal_number(DataValidationRule::GreaterThan(0.0)),
            "请填写大于 0 的数。".to_string(),
        ),
    };
    let style = match rule {
        Rule::Choice(_) => DataValidationErrorStyle::Stop,
        _ => DataValidationErrorStyle::Warning,
    };
    let mut dv = dv.set_input_title(title)?.set_input_message(help)?;
    if !error.is_empty() {
        dv = dv
            .set_error_title(format!("{title}填写有误"))?
            .set_error_message(error)?
            .set_error_style(style);
    }
    Ok(dv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_workbook_is_deterministic() {
        assert_eq!(blank_workbook(2024).unwrap(), blank_workbook(2024).unwrap());
        assert!(blank_workbook(1800).is_err());
    }

    #[test]
    fn every_sheet_and_column_of_the_format_has_an_example() {
        let specs = sheet_specs(2024);
        let names: Vec<&str> = specs.iter().map(|s| s.sheet.name).collect();
        let wanted: Vec<&str> =
            SHEETS.iter().map(|s| s.name).filter(|&n| n != sheets::INFO).collect();
        assert_eq!(names, wanted);
        for spec in &specs {
            assert_eq!(spec.columns.len(), spec.sheet.columns.len(), "{}", spec.sheet.name);
        }
        for f in facts(2024) {
            assert_ne!(f.example, Value::Empty, "{}", f.fact.key);
        }
    }

    #[test]
    fn validation_formulas_point_at_the_departments_sheet() {
        assert_eq!(departments_column(departments::CATEGORY, ""), "'部门'!$B:$B");
        assert_eq!(departments_column(departments::NAME, "$2"), "'部门'!$A$2");
    }
}
