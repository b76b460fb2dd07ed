//! Sample input workbooks, described as plain sheets of cells.
//!
//! The description ([`Book`]) is deliberately independent of the validated model: tests take
//! a valid book, break it on purpose (drop a sheet, rename a column, put `九十` in a score
//! cell) and check that the reader and checker complain about the right cell. Two books are
//! built in: [`reference_2021`], every fact of the 2021 plan of 阿克苏职业技术学院 plus sample
//! indicators and scores, and [`synthetic`], an invented institution of any size for
//! benchmarks and scale tests.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, NaiveTime, Weekday};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, Workbook, XlsxError};

// The cell value a sample describes is the one every workbook writer writes.
use crate::input_format::{body, info, labels, sheets};
pub use crate::xlsx_cells::Value;
use crate::xlsx_cells::{CellFormats, col_num, display_width, width_of, write_value};

/// The file name of the reference sample inside `input/`.
pub const REFERENCE_FILE_NAME: &str = "2021年度绩效考评（示例）.xlsx";

/// One input workbook as plain sheets of cells, independent of the validated model, so tests
/// can break it on purpose (drop a sheet, rename a column, put `九十` in a score cell).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Book {
    /// Sheets in workbook order.
    pub sheets: Vec<SheetData>,
}

/// One worksheet: a header row and data rows below it.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetData {
    /// The worksheet name.
    pub name: String,
    /// Column headers, written in bold.
    pub header: Vec<String>,
    /// Data rows; a row shorter than the header leaves the remaining cells empty.
    pub rows: Vec<Vec<Value>>,
    /// Blank rows written above the header, because the reader must find the header as the
    /// first non-empty row rather than assume row 1.
    pub blank_rows_above: u32,
}

impl SheetData {
    /// An empty sheet with the given header.
    pub fn new(name: impl Into<String>, header: &[&str]) -> Self {
        SheetData {
            name: name.into(),
            header: header.iter().map(|h| (*h).to_owned()).collect(),
            rows: Vec::new(),
            blank_rows_above: 0,
        }
    }

    /// The index of the column whose header is exactly `header`.
    pub fn column(&self, header: &str) -> Option<usize> {
        self.header.iter().position(|h| h == header)
    }

    /// Appends a data row.
    pub fn push_row(&mut self, row: Vec<Value>) {
        self.rows.push(row);
    }

    /// The cell at `row` (0 = first data row) in the column named `header`; `None` if the
    /// column does not exist, [`Value::Empty`] for cells beyond a short row.
    pub fn get(&self, row: usize, header: &str) -> Option<&Value> {
        let col = self.column(header)?;
        let row = self.rows.get(row)?;
        Some(row.get(col).unwrap_or(&Value::Empty))
    }

    /// Sets one cell; `row` 0 is the first data row. Rows are added as needed, so tests can
    /// also append.
    ///
    /// # Panics
    /// If the sheet has no column `header`: a test that names a wrong column should fail
    /// loudly instead of silently testing nothing.
    pub fn set(&mut self, row: usize, header: &str, value: impl Into<Value>) -> &mut Self {
        let Some(col) = self.column(header) else {
            panic!(
                "sheet {} has no column {header:?} (columns: {})",
                self.name,
                self.header.join("|")
            );
        };
        if self.rows.len() <= row {
            self.rows.resize_with(row + 1, Vec::new);
        }
        let cells = &mut self.rows[row];
        if cells.len() <= col {
            cells.resize(col + 1, Value::Empty);
        }
        cells[col] = value.into();
        self
    }

    /// The first data row whose cell in column `header` is the text `text`.
    pub fn row_where(&self, header: &str, text: &str) -> Option<usize> {
        let col = self.column(header)?;
        self.rows.iter().position(|r| r.get(col).and_then(Value::as_text) == Some(text))
    }

    /// Renames a column header; returns whether the column existed.
    pub fn rename_column(&mut self, old: &str, new: &str) -> bool {
        match self.column(old) {
            Some(col) => {
                self.header[col] = new.to_owned();
                true
            }
            None => false,
        }
    }

    /// Removes a column with its cells; returns whether the column existed.
    pub fn remove_column(&mut self, header: &str) -> bool {
        let Some(col) = self.column(header) else {
            return false;
        };
        self.header.remove(col);
        for row in &mut self.rows {
            if col < row.len() {
                row.remove(col);
            }
        }
        true
    }
}

impl Book {
    /// The sheet named `name`.
    pub fn sheet(&self, name: &str) -> Option<&SheetData> {
        self.sheets.iter().find(|s| s.name == name)
    }

    /// The sheet named `name`, for editing.
    pub fn sheet_mut(&mut self, name: &str) -> Option<&mut SheetData> {
        self.sheets.iter_mut().find(|s| s.name == name)
    }

    /// Removes and returns the sheet named `name`.
    pub fn remove_sheet(&mut self, name: &str) -> Option<SheetData> {
        let i = self.sheets.iter().position(|s| s.name == name)?;
        Some(self.sheets.remove(i))
    }

    /// Sets the `内容` of a `文件信息` fact, adding the fact if it is missing.
    ///
    /// # Panics
    /// If the book has no `文件信息` sheet with `项目` and `内容` columns.
    pub fn set_fact(&mut self, key: &str, value: impl Into<Value>) -> &mut Self {
        let sheet = self.sheet_mut(sheets::INFO).expect("book has no 文件信息 sheet");
        let row = sheet.row_where(info::KEY, key).unwrap_or_else(|| {
            let row = sheet.rows.len();
            sheet.set(row, info::KEY, key);
            row
        });
        sheet.set(row, info::VALUE, value);
        self
    }

    /// Gives the book a 正文 sheet holding these paragraphs, one a row (replacing any).
    pub fn set_body<S: AsRef<str>>(
        &mut self,
        paragraphs: impl IntoIterator<Item = S>,
    ) -> &mut Self {
        self.remove_sheet(sheets::BODY);
        let mut sheet = SheetData::new(sheets::BODY, &[body::PARAGRAPH]);
        for paragraph in paragraphs {
            sheet.push_row(vec![Value::text(paragraph.as_ref())]);
        }
        self.sheets.push(sheet);
        self
    }

    /// Writes the book as an `.xlsx` file in memory. Dates, date-times and times become real
    /// Excel serial values with a date format, numbers stay numbers, headers are bold. The
    /// output is byte-identical from call to call: the creation time is fixed.
    ///
    /// # Errors
    /// Whatever rust_xlsxwriter rejects: a sheet name that is not a valid Excel sheet name
    /// (over 31 characters, `[]:*?/\`, duplicate), a date before 1900, a row or column
    /// beyond Excel's limits.
    ///
    /// # Examples
    /// ```
    /// let bytes = kaoping::sample::reference_2021().to_xlsx_bytes().unwrap();
    /// assert_eq!(&bytes[..2], b"PK");
    /// ```
    pub fn to_xlsx_bytes(&self) -> Result<Vec<u8>, XlsxError> {
        let mut workbook = Workbook::new();
        // A fixed creation time is the only thing that would otherwise differ between runs.
        let created = ExcelDateTime::from_ymd(2021, 1, 1)?;
        workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
        let header = Format::new().set_bold();
        let formats = CellFormats::on(&Format::new());
        for sheet in &self.sheets {
            let ws = workbook.add_worksheet();
            ws.set_name(&sheet.name)?;
            let top = sheet.blank_rows_above;
            for (c, h) in sheet.header.iter().enumerate() {
                ws.write_string_with_format(top, col_num(c)?, h, &header)?;
            }
            for (r, row) in sheet.rows.iter().enumerate() {
                let r = top + 1 + u32::try_from(r).map_err(|_| XlsxError::RowColumnLimitError)?;
                for (c, value) in row.iter().enumerate() {
                    write_value(ws, r, col_num(c)?, value, &formats)?;
                }
            }
            for (c, width) in column_widths(sheet).into_iter().enumerate() {
                ws.set_column_width(col_num(c)?, width)?;
            }
            ws.set_freeze_panes(top + 1, 0)?;
        }
        workbook.save_to_buffer()
    }
}

/// Column widths in Excel character units, wide enough for the content (CJK characters count
/// double) so the sample is pleasant to open, capped so long texts do not make huge columns.
fn column_widths(sheet: &SheetData) -> Vec<f64> {
    (0..sheet.header.len())
        .map(|c| {
            let widest = sheet
                .rows
                .iter()
                .filter_map(|r| r.get(c))
                .map(width_of)
                .chain(std::iter::once(display_width(&sheet.header[c])))
                .max()
                .unwrap_or(0);
            (widest + 2).clamp(6, 60) as f64
        })
        .collect()
}

/// A tiny deterministic generator (Knuth's MMIX LCG), so samples need no `rand` crate and
/// never change between versions or platforms.
struct Lcg(u64);

impl Lcg {
    /// A generator whose stream depends only on `parts`: seeding per score row keeps each
    /// score independent of how many rows were generated before it.
    fn seeded(parts: &[u64]) -> Self {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for &p in parts {
            state = splitmix(state ^ p);
        }
        Lcg(state)
    }

    fn next_u32(&mut self) -> u32 {
        self.0 =
            self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) as u32
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        f64::from(self.next_u32()) / f64::from(1u32 << 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.unit() * n as f64) as usize % n.max(1)
    }
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A score around `quality × max`, in half points, between 70% and 100% of `max`.
fn sample_score(max: f64, quality: f64, rng: &mut Lcg) -> f64 {
    let noise = (rng.unit() - 0.5) * 0.12;
    let raw = (max * (quality + noise)).clamp(max * 0.7, max);
    let halves = (raw * 2.0).round();
    // Rounding may step just outside the clamp range; keep within [0.7·max, max].
    (halves / 2.0).clamp((max * 1.4).ceil() / 2.0, max)
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("sample dates are valid")
}

fn time(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).expect("sample times are valid")
}

fn text_row(cells: &[&str]) -> Vec<Value> {
    cells.iter().map(|c| if c.is_empty() { Value::Empty } else { Value::text(*c) }).collect()
}

/// The sheets every book has, with the headers the spec names. The sample leaves out the
/// columns it never fills (部门's 原名称).
mod headers {
    use crate::input_format::{
        adjustments as adj, departments as dep, grading, groups, indicators as ind, info,
        leadership as lead, schedule as sch, scores,
    };

    pub const FACTS: [&str; 2] = [info::KEY, info::VALUE];
    pub const DEPARTMENTS: [&str; 4] = [dep::NAME, dep::CATEGORY, dep::HEAD, dep::SHORT];
    pub const LEADERSHIP: [&str; 3] = [lead::ROLE, lead::NAME, lead::POST];
    pub const GROUPS: [&str; 7] = [
        groups::GROUP,
        groups::TARGET,
        groups::ROLE,
        groups::NAME,
        groups::POST,
        groups::HOME,
        groups::PHONE,
    ];
    pub const SCHEDULE: [&str; 5] =
        [sch::CATEGORY, sch::DEPARTMENTS, sch::DATE, sch::TIME, sch::PLACE];
    pub const INDICATORS: [&str; 6] =
        [ind::CODE, ind::TARGET, ind::LEVEL1, ind::LEVEL2, ind::MAX, ind::POINTS];
    pub const SCORES: [&str; 5] =
        [scores::DEPARTMENT, scores::CODE, scores::EVALUATOR, scores::SCORE, scores::NOTE];
    pub const ADJUSTMENTS: [&str; 6] =
        [adj::DEPARTMENT, adj::KIND, adj::POINTS, adj::REASON, adj::CONFIRMED_BY, adj::EVIDENCE];
    pub const GRADES: [&str; 3] = [grading::GRADE, grading::MIN, grading::QUOTA];
}

/// Group roles that score; the 具体工作负责人 organises but does not score.
fn is_scorer(role: &str) -> bool {
    labels::LEADER_ROLES.contains(&role)
}

/// An indicator as the generators need it.
struct Indicator<'a> {
    code: String,
    target: &'a str,
    level1: &'a str,
    level2: &'a str,
    points: f64,
    note: &'a str,
}

fn indicator_sheet(indicators: &[Indicator<'_>], remark: Option<&str>) -> SheetData {
    let mut header: Vec<&str> = headers::INDICATORS.to_vec();
    if remark.is_some() {
        // Not a spec column: readers ignore unknown columns, and it marks the data as sample.
        header.push("备注");
    }
    let mut sheet = SheetData::new(sheets::INDICATORS, &header);
    for ind in indicators {
        let mut row = vec![
            Value::text(&ind.code),
            Value::text(ind.target),
            Value::text(ind.level1),
            Value::text(ind.level2),
            Value::Number(ind.points),
            if ind.note.is_empty() { Value::Empty } else { Value::text(ind.note) },
        ];
        if let Some(r) = remark {
            row.push(Value::text(r));
        }
        sheet.push_row(row);
    }
    sheet
}

/// One 考评组 row, as the score generator needs it.
struct Member<'a> {
    group: &'a str,
    target: &'a str,
    role: &'a str,
    name: &'a str,
    title: &'a str,
    department: &'a str,
    phone: &'a str,
}

/// Scores from every scoring member of the group that evaluates each department, on every
/// indicator that applies to the department's category, except where the member sits in
/// that very department (recusal).
fn score_sheet(
    departments: &[(String, String, f64)],
    indicators: &[Indicator<'_>],
    members: &[Member<'_>],
    seed: u64,
    first_remark: Option<&str>,
) -> SheetData {
    let mut sheet = SheetData::new(sheets::SCORES, &headers::SCORES);
    for (d, (dept, category, quality)) in departments.iter().enumerate() {
        for (i, ind) in indicators.iter().enumerate() {
            if ind.target != labels::ALL_CATEGORIES && ind.target != category {
                continue;
            }
            let scorers = members
                .iter()
                .enumerate()
                .filter(|(_, m)| m.target == category && is_scorer(m.role));
            for (e, m) in scorers {
                if m.department == dept {
                    continue;
                }
                // A stable per-evaluator leniency makes the spread look like real people.
                let bias = (Lcg::seeded(&[seed, 0xB1A5, e as u64]).unit() - 0.5) * 0.04;
                let mut rng = Lcg::seeded(&[seed, d as u64, i as u64, e as u64]);
                let score = sample_score(ind.points, quality + bias, &mut rng);
                let remark = if sheet.rows.is_empty() {
                    first_remark.map_or(Value::Empty, Value::text)
                } else {
                    Value::Empty
                };
                sheet.push_row(vec![
                    Value::text(dept),
                    Value::text(&ind.code),
                    Value::text(m.name),
                    Value::Number(score),
                    remark,
                ]);
            }
        }
    }
    sheet
}

fn group_sheet(members: &[Member<'_>]) -> SheetData {
    let mut sheet = SheetData::new(sheets::GROUPS, &headers::GROUPS);
    for m in members {
        sheet.push_row(text_row(&[
            m.group,
            m.target,
            m.role,
            m.name,
            m.title,
            m.department,
            m.phone,
        ]));
    }
    sheet
}

fn default_grades() -> SheetData {
    let mut sheet = SheetData::new(sheets::GRADING, &headers::GRADES);
    sheet.push_row(vec!["优秀".into(), 90.into(), "30%".into()]);
    sheet.push_row(vec!["良好".into(), 80.into()]);
    sheet.push_row(vec!["合格".into(), 60.into()]);
    sheet.push_row(vec!["不合格".into(), 0.into()]);
    sheet
}

/// The 2021 schedule of the reference plan: category, departments of one slot, date, time.
/// The order of departments here is also the order of the 部门 sheet.
const REFERENCE_SCHEDULE: [(&str, &[&str], u32, u32); 8] = [
    ("二级学院", &["医学院", "公共基础学院", "本科教学部"], 29, 10),
    ("二级学院", &["生物工程学院", "信息工程学院"], 29, 16),
    ("二级学院", &["经济管理学院", "机电工程学院", "纺织工程学院"], 30, 10),
    ("二级学院", &["人文艺术学院", "马克思主义学院"], 30, 16),
    ("处（室）", &["党政办公室", "宣传部", "信息中心", "总务处", "保卫处"], 29, 10),
    ("处（室）", &["教务处", "科研处", "教育教学质量监控中心", "资产办"], 29, 16),
    ("处（室）", &["组织部（人事处）", "计财科", "纪检监察室", "工会", "产学合作处"], 30, 10),
    ("处（室）", &["学工部", "团委", "招生就业指导处", "继续教育中心"], 30, 16),
];

/// How good each reference department's sample scores are, as a fraction of full marks.
/// Chosen so that four 二级学院 reach 优秀 by score while the 30% quota admits three (so one
/// drops to 良好), most departments are 良好, one per category is 合格, no total lands
/// exactly on a grade boundary and no two totals of a category tie.
fn reference_quality(dept: &str) -> f64 {
    match dept {
        "医学院" => 0.925,
        "信息工程学院" => 0.925,
        "机电工程学院" => 0.91,
        "本科教学部" => 0.905,
        "人文艺术学院" => 0.79,
        "党政办公室" => 0.93,
        "教务处" => 0.935,
        "招生就业指导处" => 0.90,
        "学工部" => 0.915,
        "继续教育中心" => 0.77,
        "公共基础学院" | "宣传部" | "计财科" => 0.87,
        "生物工程学院" | "总务处" | "团委" => 0.84,
        "经济管理学院" | "保卫处" => 0.855,
        "工会" => 0.875,
        _ => 0.83 + (dept.chars().count() % 5) as f64 * 0.01,
    }
}

/// The reference sample: every fact of 阿克苏职业技术学院's 2021 plan, with sample indicators,
/// scores, bonus/deduction items and the default grading rules.
///
/// Deliberate imperfections that the checker must report: 发文字号 typed with square
/// brackets (`[2021]`), 赵俊芬 of the 处（室） group sitting in 教育教学质量监控中心 (a
/// department her group evaluates, so she gives it no scores), 医学院's 加分 summing above
/// the cap of 5.
pub fn reference_2021() -> Book {
    let mut facts = SheetData::new(sheets::INFO, &headers::FACTS);
    let fact_rows: Vec<(&str, Value)> = vec![
        ("单位名称", "阿克苏职业技术学院".into()),
        ("年度", 2021.into()),
        ("发文机关标志", "阿克苏职业技术学院文件".into()),
        ("发文字号", "阿职院办发[2021]45号".into()),
        ("主送机关", "学院各二级学院、处（室）".into()),
        (
            "依据文件",
            "《2021阿克苏地区绩效综合考评办法》、《阿克苏职业技术学院2021年度绩效考评实施办法》（阿职院党办发[2021]41号）".into(),
        ),
        ("发文机关署名", "阿克苏职业技术学院办公室".into()),
        ("成文日期", date(2021, 11, 8).into()),
        ("考评开始日期", date(2021, 11, 29).into()),
        ("考评结束日期", date(2021, 11, 30).into()),
        ("自查截止日期", date(2021, 11, 24).into()),
        ("动员会时间", date(2021, 11, 26).and_time(time(10, 30)).into()),
        ("动员会地点", "厚德楼二楼会议室".into()),
        (
            "动员会参加人员",
            "各二级学院、处（室）主要负责人和考评组全体人员".into(),
        ),
        ("领导小组办公室", "教育教学质量监控中心".into()),
        ("办公室主任", "王新萍".into()),
        ("办公室副主任", "朱玉新".into()),
        (info::SCORING_METHOD, labels::TRIMMED_MEAN.into()),
        ("加分上限", 5.into()),
    ];
    for (key, value) in fact_rows {
        facts.push_row(vec![key.into(), value]);
    }

    let short_names = [
        ("教育教学质量监控中心", "质量监控中心"),
        ("组织部（人事处）", "组织部"),
        ("招生就业指导处", "招就处"),
        ("马克思主义学院", "马院"),
    ];
    let mut departments = SheetData::new(sheets::DEPARTMENTS, &headers::DEPARTMENTS);
    let mut scored_departments = Vec::new();
    let mut schedule = SheetData::new(sheets::SCHEDULE, &headers::SCHEDULE);
    for (category, slot, day, hour) in REFERENCE_SCHEDULE {
        for &dept in slot {
            let short = short_names.iter().find(|(d, _)| *d == dept).map_or("", |(_, s)| *s);
            departments.push_row(text_row(&[dept, category, "", short]));
            scored_departments.push((
                dept.to_owned(),
                category.to_owned(),
                reference_quality(dept),
            ));
        }
        schedule.push_row(vec![
            category.into(),
            slot.join("、").into(),
            date(2021, 11, day).into(),
            time(hour, 0).into(),
        ]);
    }

    let mut leadership = SheetData::new(sheets::LEADERSHIP, &headers::LEADERSHIP);
    for (role, name, title) in [
        ("组长", "蒲思雄", "党委书记"),
        ("组长", "买尼沙木·亚生", "党委副书记、院长"),
        ("副组长", "王东", "党委委员、副院长"),
        ("副组长", "邱明科", "党委委员、副院长"),
        ("副组长", "徐高峰", "党委委员、副院长（援疆）"),
        ("副组长", "李晓龙", "党委委员、副院长"),
        ("成员", "安尼瓦尔·米阿不都热合曼", "党委委员、副院长"),
        ("成员", "韩勇", "党委委员、纪检委书记"),
        ("成员", "王新萍", "党委委员、副院长"),
        ("成员", "周军", "党委委员、宣传部<统战部>部长"),
        ("成员", "吴杰", "党委委员、组织部部长<人事处处长>"),
    ] {
        leadership.push_row(text_row(&[role, name, title]));
    }

    let member = |group, target, role, name, title, department, phone| Member {
        group,
        target,
        role,
        name,
        title,
        department,
        phone,
    };
    let (g1, t1) = ("二级学院考评组", "二级学院");
    let (g2, t2) = ("处（室）考评组", "处（室）");
    let members = [
        member(g1, t1, "组长", "王新萍", "党委委员、副院长", "", ""),
        member(g1, t1, "副组长", "朱玉新", "教育教学质量监控中心主任", "教育教学质量监控中心", ""),
        member(g1, t1, "成员", "阿克摆了江·尼亚孜", "教学管理科科长", "教务处", ""),
        member(g1, t1, "成员", "张真", "宣传部副部长", "宣传部", ""),
        member(g1, t1, "成员", "尚小斌", "资产设备科副科长", "资产办", ""),
        member(g1, t1, "成员", "沙拉依丁·沙地克", "学工部副科长", "学工部", ""),
        member(g1, t1, "成员", "高宗伟", "组织科科长", "组织部（人事处）", ""),
        member(g1, t1, "成员", "张高锟", "保卫处处长", "保卫处", ""),
        member(g1, t1, "具体工作负责人", "郭艳丽", "", "教育教学质量监控中心", "18999678675"),
        member(g2, t2, "组长", "邱明科", "党委委员、副院长", "", ""),
        member(
            g2,
            t2,
            "副组长",
            "赵俊芬",
            "教育教学质量监控中心六级职员",
            "教育教学质量监控中心",
            "",
        ),
        member(g2, t2, "成员", "刘洁", "医学院党总支副书记", "医学院", ""),
        member(g2, t2, "成员", "杜美丽", "本科教学部副主任", "本科教学部", ""),
        member(g2, t2, "成员", "罗彩玉", "机电工程学院副院长", "机电工程学院", ""),
        member(g2, t2, "成员", "叶岗", "马克思主义学院党总支副书记", "马克思主义学院", ""),
        member(g2, t2, "成员", "王玉国", "公共基础学院学院办公室主任", "公共基础学院", ""),
        member(g2, t2, "具体工作负责人", "肖育婷", "", "教育教学质量监控中心", "15569064563"),
    ];

    let indicators = reference_indicators();
    let scores = score_sheet(
        &scored_departments,
        &indicators,
        &members,
        2021,
        Some("示例数据：得分由程序生成"),
    );

    let mut adjustments = SheetData::new(sheets::ADJUSTMENTS, &headers::ADJUSTMENTS);
    for (dept, kind, points, reason, by, evidence) in [
        (
            "医学院",
            "加分",
            3.0,
            "学生获全国职业院校技能大赛护理赛项一等奖",
            "教务处",
            "获奖证书复印件",
        ),
        ("医学院", "加分", 2.5, "获批自治区级职业教育教学团队", "教务处", "立项文件"),
        ("信息工程学院", "加分", 1.5, "承办地区职业技能竞赛", "党政办公室", "承办通知及总结"),
        (
            "人文艺术学院",
            "扣分",
            1.0,
            "公共目标：意识形态阵地管理督查通报问题整改不及时",
            "宣传部",
            "督查通报",
        ),
        ("总务处", "扣分", 0.5, "公共目标：安全检查发现隐患未按期整改", "保卫处", "安全检查台账"),
        ("教务处", "加分", 2.0, "获自治区级教学成果奖二等奖", "科研处", ""),
    ] {
        adjustments.push_row(vec![
            dept.into(),
            kind.into(),
            points.into(),
            reason.into(),
            by.into(),
            if evidence.is_empty() { Value::Empty } else { evidence.into() },
        ]);
    }

    Book {
        sheets: vec![
            facts,
            departments,
            leadership,
            group_sheet(&members),
            schedule,
            indicator_sheet(&indicators, Some("示例数据")),
            scores,
            adjustments,
            default_grades(),
        ],
    }
}

/// Sample indicators of the reference book: three for every department (40 points) and
/// four per category (60 points), so each category totals 100.
fn reference_indicators() -> Vec<Indicator<'static>> {
    let rows: [(&str, &str, &str, &str, f64, &str); 11] = [
        (
            "A01",
            "全部",
            "党建工作",
            "党的建设与意识形态",
            20.0,
            "落实全面从严治党主体责任和意识形态工作责任制，基层党组织建设规范",
        ),
        (
            "A02",
            "全部",
            "党建工作",
            "党风廉政建设",
            10.0,
            "落实“一岗双责”，廉政风险防控措施到位，无违纪违规问题",
        ),
        (
            "A03",
            "全部",
            "公共目标",
            "安全稳定与综合治理",
            10.0,
            "安全稳定责任落实，隐患排查整改及时，信息报送准确",
        ),
        (
            "B01",
            "二级学院",
            "教育教学",
            "专业与课程建设",
            15.0,
            "专业人才培养方案修订、课程与教材建设、实训条件建设",
        ),
        (
            "B02",
            "二级学院",
            "教育教学",
            "教学质量与教学管理",
            15.0,
            "教学运行规范，教学检查与督导整改，学生技能竞赛成绩",
        ),
        (
            "B03",
            "二级学院",
            "科研与社会服务",
            "科研项目与社会培训",
            10.0,
            "科研立项与成果，校企合作，社会培训人次",
        ),
        (
            "B04",
            "二级学院",
            "学生工作",
            "学生管理与招生就业",
            20.0,
            "学生思想教育与日常管理，招生计划完成率，毕业生就业率",
        ),
        ("C01", "处（室）", "管理服务", "岗位职责履行", 20.0, "部门职责清晰，年度工作计划完成情况"),
        (
            "C02",
            "处（室）",
            "管理服务",
            "重点工作任务完成",
            20.0,
            "学院党委部署的重点工作按期保质完成",
        ),
        ("C03", "处（室）", "管理服务", "服务质量与效率", 10.0, "办事流程规范，服务师生及时高效"),
        ("C04", "处（室）", "作风建设", "服务对象满意度", 10.0, "二级学院及师生满意度测评结果"),
    ];
    rows.into_iter()
        .map(|(code, target, level1, level2, points, note)| Indicator {
            code: code.to_owned(),
            target,
            level1,
            level2,
            points,
            note,
        })
        .collect()
}

/// What distinguishes the categories of a synthetic institution.
struct CategoryKind {
    name: &'static str,
    topics: &'static [&'static str],
    suffixes: &'static [&'static str],
    titles: &'static [&'static str],
    level1: &'static str,
    level2: [&'static str; 2],
}

const CATEGORY_KINDS: [CategoryKind; 4] = [
    CategoryKind {
        name: "学院（部）",
        topics: &[
            "机械", "电子", "化工", "建筑", "农学", "林学", "畜牧", "水利", "能源", "材料", "旅游",
            "商贸", "护理", "药学", "体育", "音乐", "美术", "外语", "数学", "物理",
        ],
        suffixes: &["工程学院", "学院", "技术学院", "科学学院", "应用学院"],
        titles: &["副院长", "党总支副书记", "办公室主任", "教研室主任"],
        level1: "人才培养",
        level2: ["专业与课程建设", "教学质量与学生发展"],
    },
    CategoryKind {
        name: "处（室）",
        topics: &[
            "教务", "人事", "财务", "后勤", "资产", "审计", "规划", "外事", "学生", "招生", "就业",
            "保卫", "信息", "档案", "科研", "督导", "基建", "采购", "法务", "宣传",
        ],
        suffixes: &["处", "办公室", "科", "管理中心"],
        titles: &["副处长", "科长", "副科长", "副主任"],
        level1: "管理服务",
        level2: ["岗位职责履行", "服务质量与效率"],
    },
    CategoryKind {
        name: "直属单位",
        topics: &[
            "图书",
            "实训",
            "培训",
            "测试",
            "创新创业",
            "继续教育",
            "网络",
            "校企合作",
            "文献",
            "技能鉴定",
        ],
        suffixes: &["中心", "馆", "基地", "服务部"],
        titles: &["副主任", "办公室主任", "科长"],
        level1: "业务发展",
        level2: ["业务目标完成", "社会服务成效"],
    },
    CategoryKind {
        name: "教辅部门",
        topics: &[
            "实验",
            "语言",
            "工程训练",
            "分析测试",
            "现代教育技术",
            "心理健康",
            "艺术教育",
            "体育教学",
            "创业孵化",
            "教材",
        ],
        suffixes: &["中心", "站", "室", "所"],
        titles: &["副主任", "主管", "科长"],
        level1: "教学保障",
        level2: ["保障能力建设", "师生服务评价"],
    },
];

const COMMON_INDICATORS: [(&str, &str); 8] = [
    ("党的建设", "党建责任落实"),
    ("党的建设", "意识形态工作"),
    ("党的建设", "党风廉政建设"),
    ("重点任务", "年度重点任务完成"),
    ("重点任务", "改革创新"),
    ("内部管理", "制度建设与执行"),
    ("内部管理", "安全稳定"),
    ("内部管理", "档案与信息报送"),
];

const SURNAMES: [&str; 24] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋",
];
const GIVEN: [&str; 24] = [
    "明", "华", "建", "国", "丽", "芳", "军", "伟", "静", "敏", "强", "磊", "洋", "艳", "勇", "杰",
    "娟", "涛", "超", "霞", "新", "玉", "红", "平",
];
const UYGHUR_GIVEN: [&str; 8] =
    ["阿卜杜拉", "艾合买提", "麦麦提", "热依汗", "古丽娜尔", "阿依努尔", "努尔兰", "迪丽拜尔"];
const UYGHUR_FAMILY: [&str; 6] = ["吐尔逊", "艾山", "买买提", "阿布都", "沙吾提", "依明"];

/// Unique person names, mostly Han two- or three-character names and some Uyghur names
/// with the middle dot, as in the reference.
struct NameGen {
    rng: Lcg,
    used: BTreeSet<String>,
}

impl NameGen {
    fn next(&mut self) -> String {
        loop {
            let rng = &mut self.rng;
            let name = if rng.below(6) == 0 {
                format!(
                    "{}·{}",
                    UYGHUR_GIVEN[rng.below(UYGHUR_GIVEN.len())],
                    UYGHUR_FAMILY[rng.below(UYGHUR_FAMILY.len())]
                )
            } else {
                let mut n = SURNAMES[rng.below(SURNAMES.len())].to_owned();
                for _ in 0..=rng.below(2) {
                    n.push_str(GIVEN[rng.below(GIVEN.len())]);
                }
                n
            };
            // Uniqueness matters: 评分 names the evaluator by name only.
            if self.used.insert(name.clone()) {
                return name;
            }
            // All short combinations taken (only for huge institutions): widen the space.
            if self.used.len() > 6000 {
                let n = format!("{name}{}", GIVEN[self.rng.below(GIVEN.len())]);
                if self.used.insert(n.clone()) {
                    return n;
                }
            }
        }
    }
}

/// The next weekday on or after `d`.
fn weekday_on_or_after(mut d: NaiveDate) -> NaiveDate {
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
        d = d + Days::new(1);
    }
    d
}

/// A valid workbook of an invented institution, for benchmarks and scale tests.
///
/// `departments` (at least 2; smaller values are raised to 2) are split over 2 categories
/// below 20 departments, 3 below 60, else 4. Each category has one evaluation group of 5–7
/// scoring members drawn from other categories (so no recusal conflicts) plus a
/// 具体工作负责人. Visits are slots of at most 5 departments, mornings 09:30 and afternoons
/// 15:00 on weekdays; the window is 3 days when the largest category fits (30 departments)
/// and as long as needed otherwise. There are 12 indicators, every scoring member scores
/// every applicable one, a handful of 加扣分 items, and no 定等规则 sheet or 计分方法 fact,
/// so the defaults apply. Same arguments, same book.
pub fn synthetic(departments: usize, seed: u64) -> Book {
    let n = departments.max(2);
    let n_categories = match n {
        0..20 => 2,
        20..60 => 3,
        _ => 4,
    };
    let kinds = &CATEGORY_KINDS[..n_categories];
    let mut rng = Lcg::seeded(&[seed, 0x5EED]);

    // Institution and year.
    let places = ["天山", "昆仑", "塔里木", "博斯腾", "阿尔泰", "伊犁河", "帕米尔", "胡杨"];
    let kinds_of_school = ["职业技术学院", "理工学院", "师范学院", "应用技术学院"];
    let place = places[rng.below(places.len())];
    let school_kind = kinds_of_school[rng.below(kinds_of_school.len())];
    let institution = format!("{place}{school_kind}");
    let abbreviation: String = place.chars().take(1).chain(school_kind.chars().take(1)).collect();
    let year = 2022 + (seed % 3) as i32;

    // Departments: round-robin over categories weighted towards the first two, names from
    // topic × suffix, numbered only when the combinations run out.
    let mut dept_names: Vec<Vec<String>> = vec![Vec::new(); n_categories];
    let mut used = BTreeSet::new();
    for i in 0..n {
        let c = if i < n_categories {
            i
        } else {
            // Half the departments in the first category, the rest spread evenly.
            match rng.below(2) {
                0 => 0,
                _ => 1 + rng.below(n_categories - 1),
            }
        };
        let kind = &kinds[c];
        let mut attempt = 0usize;
        let name = loop {
            let base = format!(
                "{}{}",
                kind.topics[rng.below(kind.topics.len())],
                kind.suffixes[rng.below(kind.suffixes.len())]
            );
            let candidate = if attempt < 20 { base } else { format!("{base}{}", attempt / 20 + 1) };
            if used.insert(candidate.clone()) {
                break candidate;
            }
            attempt += 1;
        };
        dept_names[c].push(name);
    }

    // Schedule: slots of at most 5, two a day on weekdays, each group on its own calendar.
    let max_slots = dept_names.iter().map(|d| d.len().div_ceil(5)).max().unwrap_or(1);
    let days_needed = max_slots.div_ceil(2).max(3);
    let start = weekday_on_or_after(date(year, 12, 1));
    let mut day_list = vec![start];
    while day_list.len() < days_needed {
        let last = *day_list.last().expect("day list starts non-empty");
        day_list.push(weekday_on_or_after(last + Days::new(1)));
    }
    let end = *day_list.last().expect("day list is non-empty");
    let mut schedule = SheetData::new(sheets::SCHEDULE, &headers::SCHEDULE);
    let mut department_sheet = SheetData::new(sheets::DEPARTMENTS, &headers::DEPARTMENTS);
    let mut scored_departments = Vec::new();
    let venues = ["行政楼会议室", "图书馆报告厅", "实训楼二楼会议室"];
    for (c, names) in dept_names.iter().enumerate() {
        let n_slots = names.len().div_ceil(5);
        // Spread departments evenly over the slots rather than 5,5,5,1.
        let per_slot = names.len().div_ceil(n_slots.max(1));
        for (s, chunk) in names.chunks(per_slot.max(1)).enumerate() {
            let (morning, afternoon) = (time(9, 30), time(15, 0));
            schedule.push_row(vec![
                kinds[c].name.into(),
                chunk.join("、").into(),
                day_list[s / 2].into(),
                if s % 2 == 0 { morning } else { afternoon }.into(),
                venues[c % venues.len()].into(),
            ]);
            for name in chunk {
                let leader_known = rng.below(3) == 0;
                let head = if leader_known {
                    Value::text(format!("{}主任", SURNAMES[rng.below(SURNAMES.len())]))
                } else {
                    Value::Empty
                };
                department_sheet.push_row(vec![name.as_str().into(), kinds[c].name.into(), head]);
                let quality = 0.76 + rng.unit() * 0.2;
                scored_departments.push((name.clone(), kinds[c].name.to_owned(), quality));
            }
        }
    }

    // People: leadership first, then evaluators drawn from departments of other categories.
    let mut names = NameGen { rng: Lcg::seeded(&[seed, 0x4E41_4D45]), used: BTreeSet::new() };
    let mut leadership = SheetData::new(sheets::LEADERSHIP, &headers::LEADERSHIP);
    leadership.push_row(text_row(&[labels::LEADER, &names.next(), "党委书记"]));
    leadership.push_row(text_row(&[labels::LEADER, &names.next(), "党委副书记、院长"]));
    let mut vice_presidents = Vec::new();
    for _ in 0..n_categories.max(3) {
        let name = names.next();
        leadership.push_row(text_row(&[labels::DEPUTY, &name, "党委委员、副院长"]));
        vice_presidents.push(name);
    }
    for title in ["党委委员、纪委书记", "党委委员、组织部部长"] {
        leadership.push_row(text_row(&[labels::MEMBER, &names.next(), title]));
    }

    struct Owned {
        group: String,
        target: String,
        role: &'static str,
        name: String,
        title: String,
        department: String,
        phone: String,
    }
    let mut people: Vec<Owned> = Vec::new();
    for (c, kind) in kinds.iter().enumerate() {
        let group = format!("{}考评组", kind.name);
        let target = kind.name.to_owned();
        people.push(Owned {
            group: group.clone(),
            target: target.clone(),
            role: labels::LEADER,
            name: vice_presidents[c].clone(),
            title: "党委委员、副院长".to_owned(),
            department: String::new(),
            phone: String::new(),
        });
        // Members come from the other categories' departments, one person per department
        // where possible, so nobody evaluates their own department.
        let pool: Vec<(usize, &String)> = dept_names
            .iter()
            .enumerate()
            .filter(|(other, _)| *other != c)
            .flat_map(|(other, ds)| ds.iter().map(move |d| (other, d)))
            .collect();
        let count = 4 + rng.below(3);
        let extra = rng.below(pool.len());
        for k in 0..=count {
            // k = count is the 具体工作负责人, who organises but does not score.
            let (other, dept) = pool[(extra + k * 7) % pool.len()];
            let other_kind = &kinds[other];
            let title = format!("{dept}{}", other_kind.titles[rng.below(other_kind.titles.len())]);
            let role = match k {
                0 => labels::DEPUTY,
                k if k == count => labels::COORDINATOR,
                _ => labels::MEMBER,
            };
            let phone = if k == count {
                format!("13{:09}", rng.next_u32() % 1_000_000_000)
            } else {
                String::new()
            };
            people.push(Owned {
                group: group.clone(),
                target: target.clone(),
                role,
                name: names.next(),
                title,
                department: dept.clone(),
                phone,
            });
        }
    }
    let members: Vec<Member<'_>> = people
        .iter()
        .map(|p| Member {
            group: &p.group,
            target: &p.target,
            role: p.role,
            name: &p.name,
            title: &p.title,
            department: &p.department,
            phone: &p.phone,
        })
        .collect();

    // Indicators: 12 in all, shared ones worth 60 points plus two of 20 per category.
    let n_common = 12 - 2 * n_categories;
    let mut indicators = Vec::new();
    for (i, (level1, level2)) in COMMON_INDICATORS[..n_common].iter().enumerate() {
        indicators.push(Indicator {
            code: format!("G{:02}", i + 1),
            target: labels::ALL_CATEGORIES,
            level1,
            level2,
            points: 60.0 / n_common as f64,
            note: "",
        });
    }
    for (c, kind) in kinds.iter().enumerate() {
        for (j, level2) in kind.level2.iter().enumerate() {
            indicators.push(Indicator {
                code: format!("K{}{}", c + 1, j + 1),
                target: kind.name,
                level1: kind.level1,
                level2,
                points: 20.0,
                note: "",
            });
        }
    }
    let scores = score_sheet(&scored_departments, &indicators, &members, seed, None);

    // A handful of bonus and deduction items, certified by the first office-type category.
    let certifier = &dept_names[1][0];
    let reasons_plus = ["获省级教学成果奖", "承办全省技能竞赛", "获评先进集体"];
    let reasons_minus = ["信息报送不及时", "安全检查问题整改滞后", "会议无故缺席"];
    let mut adjustments = SheetData::new(sheets::ADJUSTMENTS, &headers::ADJUSTMENTS);
    for k in 0..n.min(5) {
        let (dept, _, _) = &scored_departments[rng.below(scored_departments.len())];
        let plus = k % 2 == 0;
        let points = 0.5 * (1 + rng.below(6)) as f64;
        adjustments.push_row(vec![
            dept.as_str().into(),
            if plus { labels::BONUS } else { labels::DEDUCTION }.into(),
            points.into(),
            if plus { reasons_plus[k % 3] } else { reasons_minus[k % 3] }.into(),
            certifier.as_str().into(),
        ]);
    }

    let mut facts = SheetData::new(sheets::INFO, &headers::FACTS);
    // The mobilization meeting is on the last working day at least two days before the visits.
    let mut mobilization = start - Days::new(2);
    while matches!(mobilization.weekday(), Weekday::Sat | Weekday::Sun) {
        mobilization = mobilization - Days::new(1);
    }
    let target_names: Vec<&str> = kinds.iter().map(|k| k.name).collect();
    let fact_rows: Vec<(&str, Value)> = vec![
        ("单位名称", institution.as_str().into()),
        ("年度", year.into()),
        ("发文字号", format!("{abbreviation}院办发〔{year}〕{}号", 10 + seed % 80).into()),
        ("主送机关", format!("各{}", target_names.join("、")).into()),
        ("发文机关署名", format!("{institution}办公室").into()),
        ("成文日期", (start - Days::new(21)).into()),
        ("考评开始日期", start.into()),
        ("考评结束日期", end.into()),
        ("自查截止日期", (mobilization - Days::new(2)).into()),
        ("动员会时间", mobilization.and_time(time(10, 0)).into()),
        ("动员会地点", "行政楼一楼报告厅".into()),
        ("领导小组办公室", certifier.as_str().into()),
        ("加分上限", 5.into()),
    ];
    for (key, value) in fact_rows {
        facts.push_row(vec![key.into(), value]);
    }

    Book {
        sheets: vec![
            facts,
            department_sheet,
            leadership,
            group_sheet(&members),
            schedule,
            indicator_sheet(&indicators, None),
            scores,
            adjustments,
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_grows_rows_and_pads_cells() {
        let mut s = SheetData::new(sheets::SCORES, &headers::SCORES);
        s.set(2, "得分", "九十");
        assert_eq!(s.rows.len(), 3);
        assert_eq!(s.get(2, "得分"), Some(&Value::text("九十")));
        assert_eq!(s.get(0, "得分"), Some(&Value::Empty));
        assert!(s.rename_column("得分", "分数"));
        assert_eq!(s.column("分数"), Some(3));
        assert!(s.remove_column("部门"));
        assert_eq!(s.column("分数"), Some(2));
    }

    #[test]
    fn sample_scores_stay_in_range() {
        for max in [5.0, 7.5, 10.0, 15.0, 20.0] {
            for q in [0.6, 0.8, 0.95, 1.1] {
                let mut rng = Lcg::seeded(&[max as u64, (q * 100.0) as u64]);
                for _ in 0..200 {
                    let s = sample_score(max, q, &mut rng);
                    assert!(s >= max * 0.7 && s <= max, "{s} of {max}");
                    assert_eq!((s * 2.0).fract(), 0.0);
                }
            }
        }
    }
}
