//! Workbooks that people fill in: the blank input workbook of `kaoping init` and one
//! scoring form per evaluation group for `kaoping forms`.
//!
//! Both come back through the ordinary reader, so both follow its rules: every sheet the
//! reader uses has its header in row 1, and everything explanatory lives where the reader
//! does not look (a sheet of its own, an extra column, an input message, a cell note).
//! Bytes depend on the arguments only (the creation time is fixed), so generating twice
//! gives identical files.

use chrono::NaiveDate;
use rust_xlsxwriter::utility::row_col_to_cell;
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DataValidationRule, DocProperties,
    ExcelDateTime, Format, FormatAlign, FormatBorder, Formula, Note, ProtectionOptions, Workbook,
    Worksheet, XlsxError,
};

use crate::model::{
    CategoryId, DeptId, GroupId, IndicatorId, MemberId, Plan, Points, ScoringMethod,
};
use crate::render::body::{WordingContext, WordingGroup, builtin_lines};
use crate::render::sanitize_file_name;
use crate::render::templates::{TemplateError, Templates};
use crate::xlsx_cells::{CellFormats, Value, display_width, excel_date, write_value};

const HEADER_FILL: u32 = 0xD9E1F2;
/// The example rows of the blank workbook: grey italic on a light grey fill.
const EXAMPLE_FILL: u32 = 0xF2F2F2;
const EXAMPLE_FONT: u32 = 0x7F7F7F;
/// Cells of a scoring form that are meant to be filled in.
const INPUT_FILL: u32 = 0xFFF2CC;
const INPUT_HEADER_FILL: u32 = 0xFFE699;
/// Rows of a scoring form an evaluator must recuse from.
const RECUSED_FILL: u32 = 0xD9D9D9;
const MUTED_FONT: u32 = 0x808080;
/// Points per line of Excel's default 11-point font, for rows whose text wraps.
const LINE_HEIGHT: f64 = 15.0;

/// Data rows of the blank workbook that carry validations and input messages; far more
/// than any college has departments or group members.
const INPUT_ROWS: u32 = 2000;
/// The same for the 评分 sheet, which has a row per department, indicator and evaluator.
const SCORE_ROWS: u32 = 50_000;

// ---------------------------------------------------------------------------------------
// The blank input workbook
// ---------------------------------------------------------------------------------------

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

/// One column of a sheet, as the 说明 sheet explains it.
struct Col {
    name: &'static str,
    /// Whether a data row must fill this cell.
    required: bool,
    help: &'static str,
    example: Value,
    rule: Rule,
}

fn col(name: &'static str, required: bool, help: &'static str, example: Value, rule: Rule) -> Col {
    Col { name, required, help, example, rule }
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
    name: &'static str,
    /// 必需 / 可选 / 计分时必需
    need: &'static str,
    purpose: &'static str,
    columns: Vec<Col>,
    prefill: Prefill,
}

/// One fact of 文件信息: a row of `项目 | 内容`.
struct Fact {
    key: &'static str,
    required: bool,
    help: &'static str,
    example: Value,
    rule: Rule,
}

fn fact(key: &'static str, required: bool, help: &'static str, example: Value, rule: Rule) -> Fact {
    Fact { key, required, help, example, rule }
}

const LEADER_ROLES: &[&str] = &["组长", "副组长", "成员"];
const MEMBER_ROLES: &[&str] = &["组长", "副组长", "成员", "具体工作负责人"];
const ADJUSTMENT_KINDS: &[&str] = &["加分", "扣分"];
const SCORING_METHODS: &[&str] = &["平均", "去掉最高最低分后平均"];

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    // Month and day are constants valid in every year. A year chrono cannot hold gives a
    // date Excel refuses too, so the caller's excel_date reports it.
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

fn hm(hour: u32, minute: u32) -> chrono::NaiveTime {
    chrono::NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(chrono::NaiveTime::MIN)
}

fn facts(year: i32) -> Vec<Fact> {
    use Rule::*;
    let t = Value::text;
    vec![
        fact("单位名称", true, "本单位全称，用于各文件。", t("阿克苏职业技术学院"), Free),
        fact(
            "单位简称",
            false,
            "正文中对本单位的称呼；不填时由单位名称推出（学院、学校）。",
            t("学院"),
            Free,
        ),
        fact("年度", true, "考评年度，四位数。", Value::from(year), Year),
        fact(
            "发文机关标志",
            false,
            "红头文字；不填时为“单位名称+文件”。",
            t("阿克苏职业技术学院文件"),
            Free,
        ),
        fact(
            "发文字号",
            false,
            "年份用六角括号〔〕；写成 [ ] 或（ ）时自动改正。",
            Value::text(format!("阿职院办发〔{year}〕45号")),
            Free,
        ),
        fact(
            "标题",
            false,
            "实施方案的标题；不填时为“单位名称+年度+年度绩效考评工作实施方案”。",
            Value::text(format!("阿克苏职业技术学院{year}年度绩效考评工作实施方案")),
            Free,
        ),
        fact("主送机关", false, "实施方案的主送机关。", t("学院各二级学院、处（室）"), Free),
        fact(
            "依据文件",
            false,
            "实施方案第一段引用的文件，多个用顿号分隔。",
            Value::text(format!("《阿克苏职业技术学院{year}年度绩效考评实施办法》")),
            Free,
        ),
        fact("发文机关署名", true, "落款署名。", t("阿克苏职业技术学院办公室"), Free),
        fact("成文日期", true, "落款日期。", ymd(year, 11, 8).into(), Date),
        fact(
            "考评开始日期",
            true,
            "实地考评的第一天；日程中的日期须在考评期间内。",
            ymd(year, 11, 29).into(),
            Date,
        ),
        fact("考评结束日期", true, "实地考评的最后一天。", ymd(year, 11, 30).into(), Date),
        fact("自查截止日期", true, "须早于考评开始日期。", ymd(year, 11, 24).into(), Date),
        fact(
            "动员会时间",
            true,
            "日期和时间写在同一格；星期几自动算出，不用填写。",
            ymd(year, 11, 26).and_time(hm(10, 30)).into(),
            DateTime,
        ),
        fact("动员会地点", true, "", t("厚德楼二楼会议室"), Free),
        fact(
            "动员会参加人员",
            false,
            "",
            t("各二级学院、处（室）主要负责人和考评组全体人员"),
            Free,
        ),
        fact(
            "领导小组办公室",
            true,
            "领导小组办公室设在哪个部门。",
            t("教育教学质量监控中心"),
            Free,
        ),
        fact("办公室主任", false, "在考评结果汇总表上作为审核人。", t("王新萍"), Free),
        fact("办公室副主任", false, "", t("朱玉新"), Free),
        fact("抄送", false, "版记中的抄送机关。", t("学院党委"), Free),
        fact("印发机关", false, "版记中的印发机关。", t("阿克苏职业技术学院办公室"), Free),
        fact(
            "印发日期",
            false,
            "版记中的印发日期，不早于成文日期。",
            ymd(year, 11, 8).into(),
            Date,
        ),
        fact(
            "计分方法",
            false,
            "平均，或去掉最高最低分后平均（同一指标评分不少于 3 人时去掉一个最高分和一个最低分）；不填为平均。",
            t("去掉最高最低分后平均"),
            Choice(SCORING_METHODS),
        ),
        fact(
            "加分上限",
            false,
            "每个部门加分合计的上限；扣分不设上限；不填则加分不设上限。",
            Value::from(5),
            NonNegative,
        ),
        fact(
            "印章图片",
            false,
            "盖在落款日期上的印章图片（PNG），路径相对于本工作簿所在的文件夹。",
            t("印章.png"),
            Free,
        ),
        fact(
            "上年度结果",
            false,
            "上年度 kaoping 生成的“……考评结果汇总.xlsx”，路径相对于本工作簿所在的文件夹；填写后考评报告和汇总表与上年度比较。也可以把该文件和本工作簿一起交给 kaoping build。",
            Value::text(format!("{}年度绩效考评结果汇总.xlsx", year - 1)),
            Free,
        ),
    ]
}

fn sheet_specs(year: i32) -> Vec<SheetSpec> {
    use Rule::*;
    let t = Value::text;
    let e = Value::Empty;
    vec![
        SheetSpec {
            name: "部门",
            need: "必需",
            purpose: "参加考评的部门，一行一个；考评报告按本表顺序编号。",
            columns: vec![
                col("部门名称", true, "部门全称，不能重复。", t("医学院"), Free),
                col(
                    "类别",
                    true,
                    "部门所属的类别，如 二级学院、处（室）；每个类别由一个考评组考评。",
                    t("二级学院"),
                    Free,
                ),
                col("负责人", false, "部门主要负责人。", t("张伟"), Free),
                col("简称", false, "部门名称较长时在表格中使用的简称。", e.clone(), Free),
                col(
                    "原名称",
                    false,
                    "部门更名或合并后，填写它在上年度考评结果中的名称，以便与上年度比较；未填写且上年度没有同名部门的，按新增部门处理。",
                    e.clone(),
                    Free,
                ),
            ],
            prefill: Prefill::Examples(vec![vec![t("教务处"), t("处（室）"), t("刘芳")]]),
        },
        SheetSpec {
            name: "领导小组",
            need: "必需",
            purpose: "考评工作领导小组，按本表顺序印在实施方案中。",
            columns: vec![
                col("小组职务", true, "组长、副组长或成员。", t("组长"), Choice(LEADER_ROLES)),
                col("姓名", true, "", t("王强"), Free),
                col("职务", false, "本人的行政职务。", t("党委书记"), Free),
            ],
            prefill: Prefill::Example,
        },
        SheetSpec {
            name: "考评组",
            need: "必需",
            purpose: "各考评组及其成员，一人一行；每个类别由一个考评组考评。",
            columns: vec![
                col(
                    "考评组",
                    true,
                    "考评组名称；同一组的每一行写同一名称。",
                    t("二级学院考评组"),
                    Free,
                ),
                col(
                    "考评对象",
                    true,
                    "本组考评的类别，须与“部门”表中的类别一致。",
                    t("二级学院"),
                    Category,
                ),
                col(
                    "小组职务",
                    true,
                    "组长、副组长、成员或具体工作负责人（具体工作负责人不评分）。",
                    t("组长"),
                    Choice(MEMBER_ROLES),
                ),
                col("姓名", true, "评分按姓名核对考评人，同一组内不能重名。", t("李军"), Free),
                col("职务", false, "本人的行政职务。", t("党委委员、副院长"), Free),
                col(
                    "所在部门",
                    false,
                    "本人所在部门；若该部门正是本组的考评对象，本人对它回避评分。",
                    t("教务处"),
                    Free,
                ),
                col("联系电话", false, "", t("13800000000"), Free),
            ],
            prefill: Prefill::Examples(vec![vec![
                t("处（室）考评组"),
                t("处（室）"),
                t("组长"),
                t("陈静"),
                t("党委委员、副院长"),
                t("医学院"),
                t("13900000000"),
            ]]),
        },
        SheetSpec {
            name: "日程",
            need: "必需",
            purpose: "实地考评日程，一行一个时段；每个部门恰好排一次。",
            columns: vec![
                col("类别", true, "须与“部门”表中的类别一致。", t("二级学院"), Category),
                col(
                    "部门",
                    true,
                    "该时段考评的部门，按考评顺序；多个部门用顿号分隔。",
                    t("医学院"),
                    Free,
                ),
                col(
                    "日期",
                    true,
                    "须在考评开始日期至考评结束日期之间。",
                    ymd(year, 11, 29).into(),
                    Date,
                ),
                col("时间", true, "开始时间，如 10:30 或 下午4:00。", hm(10, 0).into(), Time),
                col("地点", false, "", t("行政楼会议室"), Free),
            ],
            prefill: Prefill::Examples(vec![vec![
                t("处（室）"),
                t("教务处"),
                ymd(year, 11, 30).into(),
                hm(10, 0).into(),
                t("行政楼会议室"),
            ]]),
        },
        SheetSpec {
            name: "指标",
            need: "计分时必需",
            purpose: "考评指标及分值；没有本表时只生成实施方案和工作安排表。",
            columns: vec![
                col("指标编号", true, "不能重复，如 A01。", t("A01"), Free),
                col(
                    "考评对象",
                    true,
                    "适用的类别（与“部门”表一致），适用于所有部门时填“全部”。",
                    t("全部"),
                    CategoryOrAll,
                ),
                col("一级指标", true, "", t("党的建设"), Free),
                col("二级指标", true, "", t("党建责任落实"), Free),
                col("分值", true, "该指标的满分，大于 0。", Value::from(10), Positive),
                col("考评要点", false, "", t("查阅会议记录和工作台账"), Free),
            ],
            prefill: Prefill::Example,
        },
        SheetSpec {
            name: "评分",
            need: "可选",
            purpose: "各考评人的评分，一人一部门一指标一行。也可以用 kaoping forms 为各考评组生成评分表，收回后与本工作簿一起读取（此时本表留空）。",
            columns: vec![
                col("部门", true, "被考评的部门。", t("医学院"), Department),
                col("指标编号", true, "“指标”表中的编号。", t("A01"), Free),
                col("考评人", true, "考评该部门的考评组成员的姓名。", t("李军"), Free),
                col(
                    "得分",
                    false,
                    "0 到该指标分值之间，最多两位小数；留空表示尚未评分。",
                    Value::from(9.5),
                    NonNegative,
                ),
                col("备注", false, "扣分理由等。", e.clone(), Free),
            ],
            prefill: Prefill::Example,
        },
        SheetSpec {
            name: "加扣分",
            need: "可选",
            purpose: "加分和扣分事项，包括职能部门认定的公共目标加减分。",
            columns: vec![
                col("部门", true, "加分或扣分的部门。", t("医学院"), Department),
                col("类型", true, "加分或扣分。", t("加分"), Choice(ADJUSTMENT_KINDS)),
                col("分值", true, "正数；扣分也填正数。", Value::from(1), Positive),
                col("事由", true, "", t("获省级教学成果奖"), Free),
                col("认定部门", true, "认定该事项的部门。", t("教务处"), Free),
                col("佐证材料", false, "", t("获奖证书复印件"), Free),
            ],
            prefill: Prefill::Example,
        },
        SheetSpec {
            name: "定等规则",
            need: "可选",
            purpose: "等次从高到低；没有本表时按默认规则（优秀 90 分以上且每类不超过 30%，良好 80，合格 60，其余不合格）。",
            columns: vec![
                col("等次", true, "", t("优秀"), Free),
                col(
                    "最低分",
                    true,
                    "达到该等次的最低总分；最后一个等次填 0。",
                    Value::from(90),
                    NonNegative,
                ),
                col(
                    "比例上限",
                    false,
                    "该等次在每个类别中所占比例的上限，如 30%；不填为不限。",
                    t("30%"),
                    Free,
                ),
            ],
            prefill: Prefill::Defaults(
                vec![
                    vec![t("优秀"), Value::from(90), t("30%")],
                    vec![t("良好"), Value::from(80)],
                    vec![t("合格"), Value::from(60)],
                    vec![t("不合格"), Value::from(0)],
                ],
                "已填入默认定等规则（与不填本表效果相同），可按本单位的考评办法修改。",
            ),
        },
        SheetSpec {
            name: BODY_SHEET,
            need: "可选",
            purpose: "实施方案的正文，一段一行。已填入内置正文（上一年度实施方案的措辞），在此基础上修改即可；删除本表则使用内置正文。\n从 Word 粘贴：在 Word 中选中正文复制，单击本表 A2 单元格（不要双击进入编辑状态）后粘贴，每段自动占一行；粘贴进同一个单元格也可以，会按换行分成多段。\n占位符自动填入：文件信息各项目写成 {单位名称}、{年度}、{领导小组办公室} 等（日期印成 2021年11月29日）；另有 {单位简称} {部门类别} {考评日期} {自查截止} {动员会日期} {动员会时刻} {考评组数} {具体工作负责人数}。要印出花括号本身，写 {{ 和 }}。\n单独一行的【领导小组名单】或【考评组名单：组名】换成对齐的人员名单（组名与考评组表一致）。\n红头、文号、标题、主送机关、附件说明、落款和版记仍来自其他表，不要写进本表。",
            columns: vec![col(
                "正文",
                true,
                "一行一段。层次由开头的编号决定：“一、”黑体，“（一）”楷体，“1.”仿宋加粗，“（1）”仿宋。没有句读标点的编号行是标题，与下一段排在同一页；编号后首句以“。”结束且后面还有内容的，首句按该层次的字体排，其余为仿宋。",
                t("（一）坚持客观公正、民主公平、注重实绩的原则；"),
                Free,
            )],
            prefill: Prefill::Wording,
        },
    ]
}

/// The optional sheet of the notice's wording.
const BODY_SHEET: &str = "正文";

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
    let rows =
        |name: &str| specs.iter().find(|s| s.name == name).map(prefilled_rows).unwrap_or_default();
    let text = |row: &[Value], i: usize| {
        row.get(i).and_then(Value::as_text).unwrap_or_default().to_string()
    };
    let departments = rows("部门");
    let category_of =
        |dept: &str| departments.iter().find(|d| text(d, 0) == dept).map(|d| text(d, 1));
    let mut groups: Vec<WordingGroup> = Vec::new();
    for member in rows("考评组") {
        let (name, target) = (text(&member, 0), text(&member, 1));
        let index = match groups.iter().position(|g| g.name == name) {
            Some(i) => i,
            None => {
                groups.push(WordingGroup { name, target: target.clone(), drawn_from: Vec::new() });
                groups.len() - 1
            }
        };
        if let Some(home) = category_of(&text(&member, 5))
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
            Prefill::Wording => wording_sheet(workbook.add_worksheet(), spec, &wording)?,
            _ => table_sheet(workbook.add_worksheet(), year, spec)?,
        }
    }
    workbook.save_to_buffer()
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_background_color(Color::RGB(HEADER_FILL))
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter)
}

fn wrap_format() -> Format {
    Format::new().set_text_wrap().set_align(FormatAlign::Top)
}

fn example_format() -> Format {
    Format::new()
        .set_italic()
        .set_font_color(Color::RGB(EXAMPLE_FONT))
        .set_background_color(Color::RGB(EXAMPLE_FILL))
}

/// How a value reads in the 说明 sheet.
fn shown(value: &Value) -> String {
    match value {
        Value::Empty | Value::ErrorDiv0 => String::new(),
        Value::Text(s) => s.clone(),
        Value::Number(n) | Value::Formula { cached: n, .. } => n.to_string(),
        Value::Date(d) => d.format("%Y-%m-%d").to_string(),
        Value::DateTime(dt) => dt.format("%Y-%m-%d %H:%M").to_string(),
        Value::Time(t) => t.format("%H:%M").to_string(),
    }
}

fn width_of(value: &Value) -> usize {
    match value {
        Value::Date(_) => 12,
        Value::DateTime(_) => 18,
        Value::Time(_) => 8,
        other => display_width(&shown(other)),
    }
}

/// Lines a text takes in a wrapped column of `width` characters.
fn lines(text: &str, width: f64) -> usize {
    text.split('\n')
        .map(|l| (display_width(l) as f64 / width.max(1.0)).ceil().max(1.0) as usize)
        .sum()
}

fn yes_no(required: bool) -> &'static str {
    if required { "是" } else { "否" }
}

fn guide_sheet(
    ws: &mut Worksheet,
    year: i32,
    facts: &[Fact],
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
    let widths = [12.0, 16.0, 6.0, 60.0, 40.0];
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    let sheet_row = Format::new().set_bold().set_background_color(Color::RGB(EXAMPLE_FILL));
    let wrap = wrap_format();
    let mut row = top + 1;
    let mut write_row = |ws: &mut Worksheet, cells: [&str; 5], format: &Format| {
        for (c, text) in cells.iter().enumerate() {
            ws.write_string_with_format(row, c as u16, *text, format)?;
        }
        let height = lines(cells[3], widths[3]).max(lines(cells[4], widths[4]));
        if height > 1 {
            ws.set_row_height(row, height as f64 * LINE_HEIGHT)?;
        }
        row += 1;
        Ok::<(), XlsxError>(())
    };
    write_row(
        ws,
        [
            "文件信息",
            "（整表）",
            "必需",
            "文件的基本信息，一项一行：在“内容”列填写，“项目”列不要改动。每一项的说明和示例见该表右侧。",
            "",
        ],
        &sheet_row,
    )?;
    write_row(
        ws,
        ["文件信息", "项目", "是", "信息的名称（已列出全部可填项目）。", "单位名称"],
        &wrap,
    )?;
    write_row(
        ws,
        ["文件信息", "内容", "见下", "该项的值，各项如下。", "阿克苏职业技术学院"],
        &wrap,
    )?;
    for f in facts {
        let example = shown(&f.example);
        let item = format!("项目：{}", f.key);
        write_row(ws, ["文件信息", &item, yes_no(f.required), f.help, &example], &wrap)?;
    }
    for spec in specs {
        write_row(ws, [spec.name, "（整表）", spec.need, spec.purpose, ""], &sheet_row)?;
        for c in &spec.columns {
            let example = shown(&c.example);
            write_row(ws, [spec.name, c.name, yes_no(c.required), c.help, &example], &wrap)?;
        }
    }
    ws.set_freeze_panes(top + 1, 0)?;
    ws.autofilter(top, 0, row - 1, 4)?;
    ws.set_paper_size(9).set_print_fit_to_pages(1, 0).set_repeat_rows(top, top)?;
    Ok(())
}

fn facts_sheet(ws: &mut Worksheet, year: i32, facts: &[Fact]) -> Result<(), XlsxError> {
    ws.set_name("文件信息")?;
    let header = header_format();
    for (c, h) in ["项目", "内容", "必填", "说明", "示例"].iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &header)?;
    }
    let widths = [16.0, 40.0, 6.0, 50.0, 40.0];
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w)?;
    }
    let key = Format::new().set_bold();
    let wrap = wrap_format();
    let note = wrap.clone().set_font_color(Color::RGB(MUTED_FONT));
    let value = CellFormats::on(&Format::new());
    let example = CellFormats::on(&note.clone().set_align(FormatAlign::Left));
    for (i, f) in facts.iter().enumerate() {
        let row = 1 + i as u32;
        ws.write_string_with_format(row, 0, f.key, &key)?;
        // Pre-format the value cell so that a date typed there shows as a date.
        let blank = match f.rule {
            Rule::Date => &value.date,
            Rule::DateTime => &value.datetime,
            _ => &value.text,
        };
        ws.write_blank(row, 1, blank)?;
        if f.key == "年度" {
            write_value(ws, row, 1, &Value::from(year), &value)?;
        }
        ws.write_string_with_format(row, 2, yes_no(f.required), &note)?;
        ws.write_string_with_format(row, 3, f.help, &note)?;
        write_value(ws, row, 4, &f.example, &example)?;
        let height = lines(f.help, widths[3]).max(lines(&shown(&f.example), widths[4]));
        if height > 1 {
            ws.set_row_height(row, height as f64 * LINE_HEIGHT)?;
        }
        let help = if f.help.is_empty() {
            format!("例：{}", shown(&f.example))
        } else {
            f.help.to_string()
        };
        ws.add_data_validation(row, 1, row, 1, &validation(f.rule, f.key, &help, year, "B")?)?;
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

fn table_sheet(ws: &mut Worksheet, year: i32, spec: &SheetSpec) -> Result<(), XlsxError> {
    ws.set_name(spec.name)?;
    let header = header_format();
    let last_row = if spec.name == "评分" { SCORE_ROWS } else { INPUT_ROWS };
    let plain = CellFormats::on(&Format::new());
    for (c, column) in spec.columns.iter().enumerate() {
        let c16 = c as u16;
        ws.write_string_with_format(0, c16, column.name, &header)?;
        let width =
            (display_width(column.name) + 4).max(width_of(&column.example) + 2).clamp(8, 40);
        ws.set_column_width(c16, width as f64)?;
        // Pre-format date and time columns so that what is typed there shows as such.
        let column_format = match column.rule {
            Rule::Date => Some(&plain.date),
            Rule::Time => Some(&plain.time),
            Rule::DateTime => Some(&plain.datetime),
            _ => None,
        };
        if let Some(format) = column_format {
            ws.set_column_format(c16, format)?;
        }
        let letter = rust_xlsxwriter::utility::column_number_to_name(c16);
        let help = if column.help.is_empty() {
            format!("例：{}", shown(&column.example))
        } else {
            column.help.to_string()
        };
        let rule = validation(column.rule, column.name, &help, year, &letter)?;
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
/// # Errors
/// Whatever rust_xlsxwriter rejects (a paragraph beyond Excel's 32,767 characters).
///
/// # Examples
/// ```
/// let bytes = kaoping::forms::wording_workbook(&["一、总则".to_string()]).unwrap();
/// assert_eq!(&bytes[..2], b"PK");
/// ```
pub fn wording_workbook(paragraphs: &[String]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let created = excel_date(ymd(2021, 1, 1))?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    let spec = sheet_specs(2021).into_iter().find(|s| s.name == BODY_SHEET);
    let spec = spec.ok_or_else(|| XlsxError::ParameterError("正文 sheet spec".into()))?;
    wording_sheet(workbook.add_worksheet(), &spec, paragraphs)?;
    workbook.save_to_buffer()
}

/// The 正文 sheet: one wide wrapped column, a paragraph a row, the way it reads when
/// printed; the header's note says how to edit it.
fn wording_sheet(
    ws: &mut Worksheet,
    spec: &SheetSpec,
    paragraphs: &[String],
) -> Result<(), XlsxError> {
    const WIDTH: f64 = 72.0;
    ws.set_name(spec.name)?;
    ws.write_string_with_format(0, 0, BODY_SHEET, &header_format())?;
    ws.set_column_width(0, WIDTH)?;
    let wrap = wrap_format();
    for (r, paragraph) in paragraphs.iter().enumerate() {
        let row = 1 + r as u32;
        ws.write_string_with_format(row, 0, paragraph, &wrap)?;
        let height = lines(paragraph, WIDTH);
        if height > 1 {
            ws.set_row_height(row, height as f64 * LINE_HEIGHT)?;
        }
    }
    let note = format!("{}\n详见“说明”工作表。", spec.columns[0].help);
    ws.insert_note(0, 0, &quiet_note(&note).set_width(420).set_height(150))?;
    ws.set_freeze_panes(1, 0)?;
    ws.set_paper_size(9).set_print_fit_to_pages(1, 0).set_print_gridlines(true);
    Ok(())
}

fn quiet_note(text: &str) -> Note {
    Note::new(text).add_author_prefix(false).set_width(300).set_height(90)
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
    let (first, last) = (excel_date(ymd(year - 1, 1, 1))?, excel_date(ymd(year + 1, 12, 31))?);
    let dv = DataValidation::new();
    let (dv, error) = match rule {
        Rule::Free => (dv.allow_any_value(), String::new()),
        Rule::Choice(items) => {
            let message = format!("请从下拉列表中选择：{}。", items.join("、"));
            (dv.allow_list_strings(items)?, message)
        }
        Rule::Category => (
            dv.allow_custom(Formula::new(format!("COUNTIF('部门'!$B:$B,{here})>0"))),
            "“部门”表中没有这个类别。请先在“部门”表的“类别”列填写，或检查是否写错。".to_string(),
        ),
        Rule::CategoryOrAll => (
            dv.allow_custom(Formula::new(format!(
                "OR({here}=\"全部\",COUNTIF('部门'!$B:$B,{here})>0)"
            ))),
            "应为“全部”或“部门”表中的一个类别。".to_string(),
        ),
        Rule::Department => (
            dv.allow_list_formula(Formula::new(
                "OFFSET('部门'!$A$2,0,0,MAX(1,COUNTA('部门'!$A:$A)-1),1)",
            )),
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

// ---------------------------------------------------------------------------------------
// Scoring forms
// ---------------------------------------------------------------------------------------

/// The header of a scoring form's 评分 sheet. Its 部门, 指标编号, 考评人, 得分 and 备注
/// columns are what the 评分 reader takes; the others are there to be read by people.
pub const FORM_HEADER: [&str; 8] =
    ["部门", "考评人", "指标编号", "一级指标", "二级指标", "分值", "得分", "备注"];
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

/// The departments of a category in the order the group visits them: by date and time of
/// their 日程 slot (sheet order among equal times, order within a slot as written), then
/// any department without a slot in 部门 order.
pub fn visit_order(plan: &Plan, category: CategoryId) -> Vec<DeptId> {
    let mut slots: Vec<_> = plan.schedule.iter().filter(|s| s.category == category).collect();
    slots.sort_by_key(|s| (s.date, s.time));
    let mut order: Vec<DeptId> = Vec::new();
    for dept in slots
        .iter()
        .flat_map(|s| s.departments.iter().copied())
        .chain(plan.departments_in(category))
    {
        if plan.department(dept).category == category && !order.contains(&dept) {
            order.push(dept);
        }
    }
    order
}

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
    let departments = visit_order(plan, g.target);
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
    let departments = visit_order(plan, plan.group(group).target);
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
    ws.set_name("评分")?;
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
        let lines = lines(&texts[4], widths[4] as f64);
        if lines > 1 {
            ws.set_row_height(r, lines as f64 * LINE_HEIGHT)?;
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
    fn blank_workbook_is_deterministic() {
        assert_eq!(blank_workbook(2024).unwrap(), blank_workbook(2024).unwrap());
        assert!(blank_workbook(1800).is_err());
    }

    #[test]
    fn every_fact_and_column_has_help_within_excel_limits() {
        // Input titles are limited to 32 and messages to 255 UTF-16 units; validation()
        // would fail, but this names the offender.
        for f in facts(2024) {
            assert!(f.help.encode_utf16().count() <= 255, "{}", f.key);
        }
        for spec in sheet_specs(2024) {
            for c in spec.columns {
                assert!(c.help.encode_utf16().count() <= 255, "{}.{}", spec.name, c.name);
            }
        }
    }

    #[test]
    fn page_header_escapes_ampersands() {
        assert_eq!(header_text("A&B组"), "A&&B组");
    }
}
