//! The scoring forms of `kaoping forms`: one workbook per evaluation group, its 评分
//! sheet laid out for the group's evaluators and read back by the ordinary 评分 reader.

use rust_xlsxwriter::utility::row_col_to_cell;
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DataValidationRule, DocProperties,
    ExcelDateTime, Format, FormatAlign, FormatBorder, Formula, ProtectionOptions, Workbook,
    Worksheet, XlsxError,
};

use super::{MUTED_FONT, header_format, wrapped_row_height};
use crate::input_format::{indicators, scores, sheets};
use crate::model::{DeptId, GroupId, IndicatorId, MemberId, Plan, Points, ScoringMethod};
use crate::render::sanitize_file_name;
use crate::xlsx_cells::{display_width, excel_date, wrapped_lines};

/// Cells of a scoring form that are meant to be filled in.
const INPUT_FILL: u32 = 0xFFF2CC;
const INPUT_HEADER_FILL: u32 = 0xFFE699;
/// Rows of a scoring form an evaluator must recuse from.
const RECUSED_FILL: u32 = 0xD9D9D9;

/// The header of a scoring form's 评分 sheet. Its 部门, 指标编号, 考评人, 得分 and 备注
/// columns are what the 评分 reader takes; the others are there to be read by people.
pub const FORM_HEADER: [&str; 8] = [
    scores::DEPARTMENT,
    scores::EVALUATOR,
    scores::CODE,
    indicators::LEVEL1,
    indicators::LEVEL2,
    indicators::MAX,
    scores::SCORE,
    scores::NOTE,
];
const COL_SCORE: u16 = 6;
/// The sheet of an evaluator's own form that holds its online-scoring state.
pub const ONLINE_STATE_SHEET: &str = "网上评分";
const COL_MAX: u16 = 5;

/// One evaluation group's scoring form.
#[derive(Debug, Clone)]
pub struct ScoreForm {
    pub group: GroupId,
    /// `二级学院考评组-评分表.xlsx`, safe as a file name and unique among the forms.
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// The departments the group evaluates, in visit order.
    pub departments: Vec<DeptId>,
    /// The members who score, in 考评组 order.
    pub evaluators: Vec<MemberId>,
    /// 得分 cells to fill in.
    pub cells: usize,
    /// Rows greyed out and locked because the evaluator recuses.
    pub recused: usize,
}

/// One row of a form.
struct FormRow {
    dept: DeptId,
    member: MemberId,
    indicator: IndicatorId,
    recused: bool,
    /// 得分 and 备注 already filled in (an evaluator's online scores).
    score: Option<Points>,
    note: Option<String>,
}

/// What an evaluator's own form holds in a cell: 得分 and 备注.
pub type Filled = (Option<Points>, Option<String>);

/// The scoring forms of `kaoping forms`: one workbook per evaluation group that has
/// something to score, in 考评组 order.
///
/// Each form has one sheet `评分` with an evaluator column rather than a sheet per
/// evaluator: the 评分 reader takes exactly that sheet, so a returned form is read,
/// merged and checked with no special case, and the one file can be filled by one person
/// for the whole group or by each evaluator in a copy of their own (empty 得分 cells are
/// placeholders, not errors). Rows run department (visit order) → evaluator → indicator,
/// so one evaluator's scores for one department are a block, like a paper score sheet;
/// the autofilter narrows to one person.
///
/// Only 得分 and 备注 are unlocked (the sheet is protected without a password, so it
/// guards against slips, not people). 得分 accepts a number from 0 to the row's 分值.
/// Rows of a department an evaluator must recuse from are greyed, locked and marked in
/// 备注. A second sheet `填写说明` tells the group what to do; the reader ignores it.
///
/// # Errors
/// What rust_xlsxwriter reports: a plan date Excel cannot hold, text over Excel's limits.
pub fn score_forms(plan: &Plan) -> Result<Vec<ScoreForm>, XlsxError> {
    let mut forms: Vec<ScoreForm> = Vec::new();
    for g in 0..plan.groups.len() {
        let group = GroupId(g);
        let Some(mut form) = score_form(plan, group)? else { continue };
        // Two group names may sanitise to the same file name; keep both forms.
        let stem = form.file_name.trim_end_matches(".xlsx").to_string();
        let mut n = 2;
        while forms.iter().any(|f| f.file_name == form.file_name) {
            form.file_name = format!("{stem}（{n}）.xlsx");
            n += 1;
        }
        forms.push(form);
    }
    Ok(forms)
}

/// The form of one group, `None` when there is nothing to score (no scoring member, no
/// department, or no indicator that applies).
fn score_form(plan: &Plan, group: GroupId) -> Result<Option<ScoreForm>, XlsxError> {
    let g = plan.group(group);
    let departments = plan.visit_order(g.target);
    let evaluators: Vec<MemberId> = (0..g.members.len())
        .map(|index| MemberId { group, index })
        .filter(|&m| plan.member(m).role.scores())
        .collect();
    let rows = form_rows(plan, &departments, &evaluators, &|_, _| (None, None));
    if rows.is_empty() {
        return Ok(None);
    }
    let recused = rows.iter().filter(|r| r.recused).count();
    let cells = rows.len() - recused;
    let mut workbook = form_workbook(plan, group)?;
    score_sheet(workbook.add_worksheet(), plan, group, &rows)?;
    instructions_sheet(workbook.add_worksheet(), plan, group, &departments, &evaluators, cells)?;
    let bytes = workbook.save_to_buffer()?;
    Ok(Some(ScoreForm {
        group,
        file_name: format!("{}.xlsx", sanitize_file_name(&format!("{}-评分表", g.name))),
        bytes,
        departments,
        evaluators,
        cells,
        recused,
    }))
}

/// Rows department (visit order) → evaluator → indicator, with what `fill` holds.
fn form_rows(
    plan: &Plan,
    departments: &[DeptId],
    evaluators: &[MemberId],
    fill: &dyn Fn(DeptId, IndicatorId) -> Filled,
) -> Vec<FormRow> {
    let mut rows = Vec::new();
    for &dept in departments {
        for &member in evaluators {
            let recused = plan.recuses(member, dept);
            for indicator in plan.indicators_for(dept) {
                let (score, note) = if recused { (None, None) } else { fill(dept, indicator) };
                rows.push(FormRow { dept, member, indicator, recused, score, note });
            }
        }
    }
    rows
}

/// An empty form workbook with the group's document properties.
fn form_workbook(plan: &Plan, group: GroupId) -> Result<Workbook, XlsxError> {
    let info = &plan.info;
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(format!(
                "{}{}年度绩效考评 {}评分表",
                info.org,
                info.year,
                plan.group(group).name
            ))
            .set_company(&info.org)
            .set_author(&info.office)
            .set_creation_datetime(&excel_date(info.date)?),
    );
    Ok(workbook)
}

/// One evaluator's own form with their scores filled in: the group's form narrowed to the
/// evaluator's rows, so it is read, merged and checked exactly like a returned form. A
/// third sheet holds `state` as 项目 | 内容 rows (online scoring keeps its submitted flag
/// there); the reader ignores it.
///
/// # Errors
/// What rust_xlsxwriter reports: a plan date Excel cannot hold, text over Excel's limits.
pub fn evaluator_form(
    plan: &Plan,
    member: MemberId,
    fill: &dyn Fn(DeptId, IndicatorId) -> Filled,
    state: &[(&str, &str)],
) -> Result<Vec<u8>, XlsxError> {
    let group = member.group;
    let departments = plan.visit_order(plan.group(group).target);
    let rows = form_rows(plan, &departments, &[member], fill);
    let cells = rows.iter().filter(|r| !r.recused).count();
    let mut workbook = form_workbook(plan, group)?;
    score_sheet(workbook.add_worksheet(), plan, group, &rows)?;
    instructions_sheet(workbook.add_worksheet(), plan, group, &departments, &[member], cells)?;
    state_sheet(workbook.add_worksheet(), state)?;
    workbook.save_to_buffer()
}

fn state_sheet(ws: &mut Worksheet, state: &[(&str, &str)]) -> Result<(), XlsxError> {
    ws.set_name(ONLINE_STATE_SHEET)?;
    let header = header_format();
    ws.write_string_with_format(0, 0, "项目", &header)?;
    ws.write_string_with_format(0, 1, "内容", &header)?;
    for (i, (item, value)) in state.iter().enumerate() {
        ws.write_string(1 + i as u32, 0, *item)?;
        ws.write_string(1 + i as u32, 1, *value)?;
    }
    ws.set_column_width(0, 12)?;
    ws.set_column_width(1, 60)?;
    Ok(())
}

/// The format of one form cell.
fn form_format(column: u16, recused: bool, first_of_department: bool) -> Format {
    let mut f = Format::new().set_border(FormatBorder::Thin).set_align(FormatAlign::VerticalCenter);
    if first_of_department {
        f = f.set_border_top(FormatBorder::Medium);
    }
    f = match column {
        4 => f.set_text_wrap(),
        2 | COL_MAX => f.set_align(FormatAlign::Center),
        _ => f,
    };
    let input = column == COL_SCORE || column == 7;
    if recused {
        f.set_background_color(Color::RGB(RECUSED_FILL)).set_font_color(Color::RGB(MUTED_FONT))
    } else if input {
        f.set_unlocked().set_background_color(Color::RGB(INPUT_FILL))
    } else {
        f
    }
}

fn score_sheet(
    ws: &mut Worksheet,
    plan: &Plan,
    group: GroupId,
    rows: &[FormRow],
) -> Result<(), XlsxError> {
    ws.set_name(sheets::SCORES)?;
    let header = header_format().set_align(FormatAlign::Center);
    let input_header = header.clone().set_background_color(Color::RGB(INPUT_HEADER_FILL));
    for (c, h) in FORM_HEADER.iter().enumerate() {
        let c = c as u16;
        let format = if c == COL_SCORE || c == 7 { &input_header } else { &header };
        ws.write_string_with_format(0, c, *h, format)?;
    }

    // Widths from the content, so long indicator names wrap instead of running off.
    let mut widths: Vec<usize> = FORM_HEADER.iter().map(|h| display_width(h) + 4).collect();
    let text_of = |row: &FormRow| -> [String; 5] {
        let ind = plan.indicator(row.indicator);
        [
            plan.department(row.dept).name.clone(),
            plan.member(row.member).name.clone(),
            ind.code.clone(),
            ind.level1.clone(),
            ind.level2.clone(),
        ]
    };
    for row in rows {
        for (c, text) in text_of(row).iter().enumerate() {
            widths[c] = widths[c].max(display_width(text) + 2);
        }
    }
    widths[7] = widths[7].max(24);
    for (c, w) in widths.iter_mut().enumerate() {
        *w = (*w).min(if c == 4 { 36 } else { 30 });
        ws.set_column_width(c as u16, *w as f64)?;
    }

    let mut previous_dept = None;
    for (i, row) in rows.iter().enumerate() {
        let r = 1 + i as u32;
        let first = previous_dept != Some(row.dept);
        previous_dept = Some(row.dept);
        let format = |c: u16| form_format(c, row.recused, first);
        let texts = text_of(row);
        for (c, text) in texts.iter().enumerate() {
            ws.write_string_with_format(r, c as u16, text, &format(c as u16))?;
        }
        let max = plan.indicator(row.indicator).max.to_f64();
        ws.write_number_with_format(r, COL_MAX, max, &format(COL_MAX))?;
        match row.score {
            Some(score) => {
                ws.write_number_with_format(r, COL_SCORE, score.to_f64(), &format(COL_SCORE))?
            }
            None => ws.write_blank(r, COL_SCORE, &format(COL_SCORE))?,
        };
        match (&row.note, row.recused) {
            (_, true) => ws.write_string_with_format(r, 7, "回避（本人所在部门）", &format(7))?,
            (Some(note), false) => ws.write_string_with_format(r, 7, note, &format(7))?,
            (None, false) => ws.write_blank(r, 7, &format(7))?,
        };
        if let Some(height) = wrapped_row_height(wrapped_lines(&texts[4], widths[4])) {
            ws.set_row_height(r, height)?;
        }
    }
    let last = rows.len() as u32;

    // One rule for the whole column: the bound is this row's 分值, a relative reference
    // that Excel shifts down the rows, so no per-row validations are needed.
    let max_cell = format!("${}", row_col_to_cell(1, COL_MAX));
    let score = DataValidation::new()
        .allow_decimal_number_formula(DataValidationRule::Between(
            Formula::new("0"),
            Formula::new(max_cell),
        ))
        .set_input_title("得分")?
        .set_input_message("填写 0 到本行“分值”之间的分数，最多两位小数。")?
        .set_error_title("得分超出范围")?
        .set_error_message("得分须是 0 到本行“分值”之间的数。\n请重新输入。")?
        .set_error_style(DataValidationErrorStyle::Stop);
    ws.add_data_validation(1, COL_SCORE, last, COL_SCORE, &score)?;
    let note = DataValidation::new()
        .allow_any_value()
        .set_input_title("备注")?
        .set_input_message("选填：扣分理由等说明。")?;
    ws.add_data_validation(1, 7, last, 7, &note)?;

    ws.set_freeze_panes(1, 0)?;
    ws.autofilter(0, 0, last, FORM_HEADER.len() as u16 - 1)?;
    let options = ProtectionOptions {
        use_autofilter: true,
        format_columns: true,
        format_rows: true,
        ..ProtectionOptions::default()
    };
    ws.protect_with_options(&options);

    let g = plan.group(group);
    let info = &plan.info;
    ws.set_paper_size(9)
        .set_landscape()
        .set_print_fit_to_pages(1, 0)
        .set_print_center_horizontally(true)
        .set_header(format!(
            "&C&\"-,Bold\"{}",
            header_text(&format!("{}{}年度绩效考评 {}评分表", info.org, info.year, g.name))
        ))
        .set_footer("&L考评人签字：&C第 &P 页，共 &N 页");
    ws.set_repeat_rows(0, 0)?;
    Ok(())
}

/// Text for a page header: `&` starts a code there, `&&` is a literal ampersand.
fn header_text(text: &str) -> String {
    text.replace('&', "&&")
}

fn instructions_sheet(
    ws: &mut Worksheet,
    plan: &Plan,
    group: GroupId,
    departments: &[DeptId],
    evaluators: &[MemberId],
    cells: usize,
) -> Result<(), XlsxError> {
    ws.set_name("填写说明")?;
    let g = plan.group(group);
    let info = &plan.info;
    let category = &plan.category(g.target).name;
    let title = Format::new().set_bold().set_font_size(14);
    let bold = Format::new().set_bold();
    ws.write_string_with_format(
        0,
        0,
        format!("{}{}年度绩效考评 {}评分表 填写说明", info.org, info.year, g.name),
        &title,
    )?;
    let method = match info.scoring_method {
        ScoringMethod::Mean => "计分方法：每项指标取各考评人评分的平均分。".to_string(),
        ScoringMethod::TrimmedMean => {
            "计分方法：每项指标评分不少于 3 人时，去掉一个最高分和一个最低分后取平均分。"
                .to_string()
        }
    };
    let lines = [
        format!(
            "本表供{}使用，考评对象为{}，共 {} 个部门、{} 位考评人、{} 个评分格。",
            g.name,
            category,
            departments.len(),
            evaluators.len(),
            cells
        ),
        "只在“评分”工作表的浅黄色单元格中填写：“得分”列填分数，“备注”列可写扣分理由；其余单元格已锁定。".to_string(),
        "得分为 0 到本行“分值”之间的数，最多两位小数；超出范围的数无法输入。".to_string(),
        "灰色行为回避：考评人所在部门正是被考评部门，不评分。".to_string(),
        "点表头的筛选按钮，可以只显示某位考评人或某个部门的行。".to_string(),
        "可以由一人录入全组的评分，也可以每位考评人各填一份（只填自己的行）后分别交回；交回的表会自动合并。".to_string(),
        "不要增删行列，不要修改表头、工作表名称和文件格式（.xlsx）。".to_string(),
        method,
        format!("填好后保存，交回领导小组办公室（{}）。", info.office),
    ];
    for (i, line) in lines.iter().enumerate() {
        ws.write_string(1 + i as u32, 0, line)?;
    }
    let header = header_format();
    let mut row = 2 + lines.len() as u32;
    ws.write_string_with_format(row, 0, "考评安排", &bold)?;
    row += 1;
    for (c, h) in ["序号", "部门", "日期", "时间", "地点"].iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *h, &header)?;
    }
    row += 1;
    let date_format = Format::new().set_num_format("yyyy-mm-dd").set_align(FormatAlign::Left);
    let time_format = Format::new().set_num_format("hh:mm").set_align(FormatAlign::Left);
    for (i, &dept) in departments.iter().enumerate() {
        ws.write_number(row, 0, (i + 1) as f64)?;
        ws.write_string(row, 1, &plan.department(dept).name)?;
        if let Some(slot) = plan.slot_of(dept) {
            ws.write_datetime_with_format(row, 2, excel_date(slot.date)?, &date_format)?;
            let t = slot.time;
            let time = ExcelDateTime::from_hms(
                chrono::Timelike::hour(&t) as u16,
                chrono::Timelike::minute(&t) as u8,
                0,
            )?;
            ws.write_datetime_with_format(row, 3, time, &time_format)?;
            if let Some(place) = &slot.place {
                ws.write_string(row, 4, place)?;
            }
        }
        row += 1;
    }
    row += 1;
    ws.write_string_with_format(row, 0, "考评人", &bold)?;
    row += 1;
    for (c, h) in ["序号", "姓名", "小组职务", "职务", "回避"].iter().enumerate() {
        ws.write_string_with_format(row, c as u16, *h, &header)?;
    }
    row += 1;
    for (i, &member) in evaluators.iter().enumerate() {
        let m = plan.member(member);
        ws.write_number(row, 0, (i + 1) as f64)?;
        ws.write_string(row, 1, &m.name)?;
        ws.write_string(row, 2, m.role.label())?;
        ws.write_string(row, 3, &m.post)?;
        let recuses: Vec<&str> = departments
            .iter()
            .filter(|&&d| plan.recuses(member, d))
            .map(|&d| plan.department(d).name.as_str())
            .collect();
        if !recuses.is_empty() {
            ws.write_string(row, 4, recuses.join("、"))?;
        }
        row += 1;
    }
    for (c, w) in [6.0, 24.0, 14.0, 28.0, 24.0].iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    ws.set_paper_size(9).set_print_fit_to_pages(1, 0);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_header_escapes_ampersands() {
        assert_eq!(header_text("A&B组"), "A&&B组");
    }
}
