//! `check` on whole workbooks written with rust_xlsxwriter: the reference sample, another
//! institution's workbook, and every broken case of the foundation issue, each asserting
//! the exact finding (severity, file, sheet, cell, message).

use std::path::{Path, PathBuf};

use kaoping::check::{Checked, check};
use kaoping::finding::{Finding, Severity};
use kaoping::sample::{self, Book, Value};
use kaoping::workbook;

/// Books written into one temp folder, read back and checked together.
struct Run {
    dir: tempfile::TempDir,
    checked: Checked,
}

impl Run {
    fn new(books: &[(&str, &Book)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut read = Vec::new();
        for (name, book) in books {
            let path = dir.path().join(name);
            std::fs::write(&path, book.to_xlsx_bytes().unwrap()).unwrap();
            read.push(workbook::open(&path).unwrap());
        }
        let checked = check(&read);
        Self { dir, checked }
    }

    fn one(book: &Book) -> Self {
        Self::new(&[("考评.xlsx", book)])
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn errors(&self) -> Vec<&Finding> {
        self.checked.findings.iter().filter(|f| f.is_error()).collect()
    }

    /// Every finding as `严重性 文件 工作表!单元格：消息`, for failure messages.
    fn dump(&self) -> String {
        self.checked
            .findings
            .iter()
            .map(|f| {
                let file = f.location.file.as_deref().map(file_name).unwrap_or_default();
                format!("{} {file} {}", f.severity, f)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Asserts a finding with exactly this severity, file, sheet!cell (or sheet, or empty)
    /// and message.
    #[track_caller]
    fn expect(&self, severity: Severity, file: &str, place: &str, message: &str) {
        let found = self.checked.findings.iter().any(|f| {
            f.severity == severity
                && f.location.file.as_deref() == Some(self.path(file).as_path())
                && f.location.sheet_and_cell() == place
                && f.message == message
        });
        assert!(found, "expected {severity} {file} {place}：{message}\nfindings:\n{}", self.dump());
    }

    /// Asserts the only error is this one, and that there is no plan.
    #[track_caller]
    fn expect_only_error(&self, file: &str, place: &str, message: &str) {
        self.expect(Severity::Error, file, place, message);
        assert_eq!(self.errors().len(), 1, "findings:\n{}", self.dump());
        assert!(self.checked.plan.is_none());
    }

    #[track_caller]
    fn expect_no_errors(&self) {
        assert!(self.errors().is_empty(), "findings:\n{}", self.dump());
        assert!(self.checked.plan.is_some());
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

const MAIN: &str = "考评.xlsx";

fn reference() -> Book {
    sample::reference_2021()
}

/// The 1-based sheet row of data row `i` of a sample sheet (header in row 1).
fn row(i: usize) -> usize {
    i + 2
}

fn data_row(book: &Book, sheet: &str, column: &str, text: &str) -> usize {
    book.sheet(sheet)
        .unwrap()
        .row_where(column, text)
        .unwrap_or_else(|| panic!("{sheet} has no {column} = {text}"))
}

// ---------------------------------------------------------------------------------------
// Valid workbooks

/// Issue 11, item 4: a cited document number keeps the brackets it was typed with
/// (`党办发[2021]41号`) in 依据文件 and every other text; it is printed with 〔〕 and the
/// cell is named in a hint, as the 发文字号 is.
#[test]
fn cited_document_numbers_are_normalised_with_a_hint_naming_the_cell() {
    let mut book = reference();
    let adjustments = book.sheet_mut("加扣分").unwrap();
    adjustments.set(0, "事由", Value::text("按《通报》（院办发【2021】7号）加分"));
    let run = Run::one(&book);
    run.expect_no_errors();
    let basis = row(data_row(&book, "文件信息", "项目", "依据文件"));
    run.expect(
        Severity::Info,
        MAIN,
        &format!("文件信息!B{basis}"),
        "文号中的年份应使用六角括号：“发[2021]41号”已按“发〔2021〕41号”印出",
    );
    run.expect(
        Severity::Info,
        MAIN,
        "加扣分!D2",
        "文号中的年份应使用六角括号：“发【2021】7号”已按“发〔2021〕7号”印出",
    );
    let plan = run.checked.plan.as_ref().unwrap();
    assert!(plan.info.basis.as_deref().unwrap().ends_with("（阿职院党办发〔2021〕41号）"));
    assert_eq!(plan.adjustments[0].reason, "按《通报》（院办发〔2021〕7号）加分");
    // The 发文字号 keeps its own warning and gets no second finding.
    let doc_number = format!("文件信息!B{}", row(data_row(&book, "文件信息", "项目", "发文字号")));
    let on_doc_number =
        run.checked.findings.iter().filter(|f| f.location.sheet_and_cell() == doc_number).count();
    assert_eq!(on_doc_number, 1, "{}", run.dump());
}

#[test]
fn reference_sample_passes_with_recusal_and_doc_number_notes() {
    let run = Run::one(&reference());
    run.expect_no_errors();
    run.expect(
        Severity::Warning,
        MAIN,
        "文件信息!B5",
        "发文字号“阿职院办发[2021]45号”中的年份括号已改为六角括号：“阿职院办发〔2021〕45号”",
    );
    run.expect(
        Severity::Info,
        MAIN,
        "考评组!F12",
        "赵俊芬 所在部门为 教育教学质量监控中心，对该部门回避评分",
    );
    run.expect(
        Severity::Warning,
        MAIN,
        "考评组!F12",
        "赵俊芬 所在部门 教育教学质量监控中心 属于本组考评对象“处（室）”，不符合交叉考评原则",
    );
    run.expect(
        Severity::Info,
        MAIN,
        "加扣分!C3",
        "医学院 的加分合计 5.5 超过加分上限 5，按 5 计入总分",
    );
    run.expect(
        Severity::Info,
        MAIN,
        "文件信息!B7",
        "文号中的年份应使用六角括号：“发[2021]41号”已按“发〔2021〕41号”印出",
    );
    assert_eq!(run.checked.findings.len(), 5, "{}", run.dump());

    let plan = run.checked.plan.as_ref().unwrap();
    assert_eq!(plan.info.doc_number.as_deref(), Some("阿职院办发〔2021〕45号"));
    assert_eq!(plan.info.org_short, "学院");
    let categories: Vec<&str> = plan.categories.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(categories, ["二级学院", "处（室）"]);
    assert_eq!(plan.departments.len(), 28);
    assert_eq!(plan.schedule.len(), 8);
    let rows = reference().sheet("评分").unwrap().rows.len();
    assert_eq!(plan.scores.len(), rows);
    // Every expected score is there: recusal respected, nothing missing.
    let expected: usize =
        plan.dept_ids().map(|d| plan.evaluators_of(d).len() * plan.indicators_for(d).count()).sum();
    assert_eq!(plan.scores.len(), expected);
}

/// Replaces text in every text cell of every sheet.
fn replace_everywhere(book: &mut Book, from: &str, to: &str) {
    for sheet in &mut book.sheets {
        for row in &mut sheet.rows {
            for cell in row.iter_mut() {
                if let Value::Text(t) = cell {
                    *t = t.replace(from, to);
                }
            }
        }
    }
}

/// Appends an unknown column and reverses the column order of every sheet.
fn shuffle_columns(book: &mut Book) {
    for sheet in &mut book.sheets {
        sheet.header.push("说明（本单位自用）".to_string());
        let width = sheet.header.len();
        for (i, row) in sheet.rows.iter_mut().enumerate() {
            row.resize(width, Value::Empty);
            row[width - 1] = Value::text(format!("第{}行", i + 1));
            row.reverse();
        }
        sheet.header.reverse();
        sheet.blank_rows_above = 1;
    }
}

/// Dates, times and numbers typed as text, in the forms office staff type them.
fn type_as_text(book: &mut Book) {
    use chrono::{Datelike, Timelike};
    for sheet in &mut book.sheets {
        let scores = sheet.name == "评分";
        for row in &mut sheet.rows {
            for cell in row.iter_mut() {
                let text = match cell {
                    Value::Date(d) if sheet.name == "日程" => {
                        format!("{}/{}/{}", d.year(), d.month(), d.day())
                    }
                    Value::Date(d) => format!("{}年{}月{}日", d.year(), d.month(), d.day()),
                    Value::DateTime(dt) => format!(
                        "{}年{}月{}日上午{}:{:02}",
                        dt.year(),
                        dt.month(),
                        dt.day(),
                        dt.hour(),
                        dt.minute()
                    ),
                    Value::Time(t) if t.hour() >= 12 => {
                        format!("下午{}：{:02}", t.hour() - 12, t.minute())
                    }
                    Value::Time(t) => format!("{}:{:02}", t.hour(), t.minute()),
                    // Full-width digits, as some input methods type them.
                    Value::Number(n) if scores => n
                        .to_string()
                        .chars()
                        .map(|c| match c {
                            '0'..='9' => {
                                char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap()
                            }
                            '.' => '.',
                            c => c,
                        })
                        .collect(),
                    Value::Number(n) => n.to_string(),
                    _ => continue,
                };
                *cell = Value::Text(text);
            }
        }
    }
}

#[test]
fn another_institution_passes() {
    let mut book = sample::synthetic(40, 7);
    replace_everywhere(&mut book, "学院（部）", "学院(部)");
    replace_everywhere(&mut book, "处（室）", "处(室)");
    type_as_text(&mut book);
    shuffle_columns(&mut book);
    let run = Run::one(&book);
    run.expect_no_errors();
    let plan = run.checked.plan.as_ref().unwrap();
    let categories: Vec<&str> = plan.categories.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(categories, ["学院(部)", "处(室)", "直属单位"]);
    assert_eq!(plan.departments.len(), 40);
    assert!(!plan.scores.is_empty());
    assert_eq!(plan.scores.len(), book.sheet("评分").unwrap().rows.len());
}

#[test]
fn category_spelled_with_other_parentheses_in_one_sheet_still_matches() {
    let mut book = reference();
    let schedule = book.sheet_mut("日程").unwrap();
    for row in &mut schedule.rows {
        if row[0] == Value::text("处（室）") {
            row[0] = Value::text("处(室)");
        }
    }
    let groups = book.sheet_mut("考评组").unwrap();
    let at = groups.row_where("姓名", "叶岗").unwrap();
    groups.set(at, "考评对象", " 处 (室) ");
    Run::one(&book).expect_no_errors();
}

#[test]
fn returned_score_forms_are_merged() {
    // The main workbook without scores, and each group's scores in a form of its own.
    let mut main = reference();
    let scores = main.remove_sheet("评分").unwrap();
    let colleges: Vec<String> = main
        .sheet("部门")
        .unwrap()
        .rows
        .iter()
        .filter(|r| r[1] == Value::text("二级学院"))
        .filter_map(|r| r[0].as_text().map(str::to_string))
        .collect();
    let mut form1 = scores.clone();
    form1.rows.retain(|r| colleges.iter().any(|c| r[0].as_text() == Some(c)));
    let mut form2 = scores.clone();
    form2.rows.retain(|r| !colleges.iter().any(|c| r[0].as_text() == Some(c)));
    let run = Run::new(&[
        (MAIN, &main),
        ("二级学院考评组-评分表.xlsx", &Book { sheets: vec![form1] }),
        ("处（室）考评组-评分表.xlsx", &Book { sheets: vec![form2] }),
    ]);
    run.expect_no_errors();
    let plan = run.checked.plan.as_ref().unwrap();
    assert_eq!(plan.scores.len(), scores.rows.len());
}

// ---------------------------------------------------------------------------------------
// Broken workbooks: each names the file, the sheet and the cell (or the department).

#[test]
fn missing_sheet() {
    let mut book = reference();
    book.remove_sheet("日程");
    Run::one(&book).expect_only_error(
        MAIN,
        "",
        "缺少工作表“日程”（找到的工作表：文件信息、部门、领导小组、考评组、指标、评分、加扣分、定等规则）",
    );
}

#[test]
fn renamed_required_column() {
    let mut book = reference();
    book.sheet_mut("部门").unwrap().rename_column("类别", "分类");
    Run::one(&book).expect_only_error(
        MAIN,
        "部门",
        "缺少必需的列：类别（第 1 行找到的列：部门名称、分类、负责人、简称）",
    );
}

#[test]
fn score_typed_as_words() {
    let mut book = reference();
    book.sheet_mut("评分").unwrap().set(0, "得分", "九十");
    Run::one(&book).expect_only_error(MAIN, "评分!D2", "得分应为数字，实际为“九十”");
}

#[test]
fn score_above_max() {
    let mut book = reference();
    book.sheet_mut("评分").unwrap().set(0, "得分", 120);
    Run::one(&book).expect_only_error(MAIN, "评分!D2", "得分 120 超过指标 A01 的分值 20");
}

#[test]
fn negative_score() {
    let mut book = reference();
    book.sheet_mut("评分").unwrap().set(0, "得分", -5);
    Run::one(&book).expect_only_error(MAIN, "评分!D2", "得分 -5 不能为负数");
}

#[test]
fn excel_error_cell() {
    let mut book = reference();
    book.sheet_mut("评分").unwrap().set(0, "得分", Value::ErrorDiv0);
    Run::one(&book).expect_only_error(
        MAIN,
        "评分!D2",
        "得分是 Excel 错误值 #DIV/0!，请修正该单元格的公式或内容",
    );
}

#[test]
fn score_for_unknown_department() {
    let mut book = reference();
    book.sheet_mut("评分").unwrap().set(0, "部门", "医学部");
    let run = Run::one(&book);
    run.expect_only_error(MAIN, "评分!A2", "部门“医学部”不在部门表中；是否应为“医学院”？");
    // The score it should have been is now missing.
    run.expect(Severity::Warning, MAIN, "评分", "医学院 缺少 王新萍 的 1 项评分（A01）");
}

#[test]
fn duplicate_department() {
    let mut book = reference();
    let sheet = book.sheet_mut("部门").unwrap();
    let n = sheet.rows.len();
    sheet.set(n, "部门名称", "医学院").set(n, "类别", "二级学院");
    Run::one(&book).expect_only_error(
        MAIN,
        &format!("部门!A{}", row(n)),
        "部门“医学院”重复（已在 A2 填写）",
    );
}

#[test]
fn department_in_no_schedule_slot() {
    let mut book = reference();
    let schedule = book.sheet_mut("日程").unwrap();
    let at = schedule.row_where("部门", "教务处、科研处、教育教学质量监控中心、资产办").unwrap();
    schedule.set(at, "部门", "教务处、科研处、教育教学质量监控中心");
    let n = data_row(&book, "部门", "部门名称", "资产办");
    Run::one(&book).expect_only_error(
        MAIN,
        &format!("部门!A{}", row(n)),
        "资产办 没有排入日程（在“日程”工作表为它安排时间）",
    );
}

#[test]
fn unreadable_date() {
    let mut book = reference();
    book.sheet_mut("日程").unwrap().set(2, "日期", "2021年11月31日");
    Run::one(&book).expect_only_error(
        MAIN,
        "日程!C4",
        "日期应为日期（如 2021-11-29、2021/11/29 或 2021年11月29日），实际为“2021年11月31日”",
    );
}

#[test]
fn unreadable_fact_date() {
    let mut book = reference();
    book.set_fact("成文日期", "十一月八日");
    Run::one(&book).expect_only_error(
        MAIN,
        "文件信息!B9",
        "成文日期应为日期（如 2021-11-29、2021/11/29 或 2021年11月29日），实际为“十一月八日”",
    );
}

fn push_score(
    book: &mut Book,
    dept: &str,
    code: &str,
    who: &str,
    score: impl Into<Value>,
) -> usize {
    let sheet = book.sheet_mut("评分").unwrap();
    let n = sheet.rows.len();
    sheet.set(n, "部门", dept).set(n, "指标编号", code).set(n, "考评人", who).set(n, "得分", score);
    n
}

#[test]
fn recused_members_score_is_refused() {
    let mut book = reference();
    let n = push_score(&mut book, "教育教学质量监控中心", "C01", "赵俊芬", 18);
    Run::one(&book).expect_only_error(
        MAIN,
        &format!("评分!D{}", row(n)),
        "赵俊芬 所在部门为 教育教学质量监控中心，应回避，该评分不予采纳",
    );
}

#[test]
fn evaluator_not_in_the_group() {
    let mut book = reference();
    let n = push_score(&mut book, "医学院", "A01", "邱明科", 18);
    Run::one(&book).expect_only_error(
        MAIN,
        &format!("评分!C{}", row(n)),
        "邱明科 不是考评组“二级学院考评组”的成员，不能为 医学院 评分（医学院 由该组考评；邱明科 属于考评组“处（室）考评组”）",
    );
}

#[test]
fn score_workbook_from_the_wrong_group() {
    // The 处（室） group's form, filled in for a 二级学院 department by mistake.
    let mut form = Book { sheets: vec![reference().remove_sheet("评分").unwrap()] };
    form.sheets[0].rows.clear();
    push_score(&mut form, "信息工程学院", "A02", "刘洁", 9);
    let run = Run::new(&[(MAIN, &reference()), ("处（室）考评组-评分表.xlsx", &form)]);
    run.expect_only_error(
        "处（室）考评组-评分表.xlsx",
        "评分!C2",
        "刘洁 不是考评组“二级学院考评组”的成员，不能为 信息工程学院 评分（信息工程学院 由该组考评；刘洁 属于考评组“处（室）考评组”）",
    );
}

#[test]
fn duplicate_score_row() {
    let mut book = reference();
    let n = push_score(&mut book, "医学院", "A01", "王新萍", 18);
    Run::one(&book).expect_only_error(
        MAIN,
        &format!("评分!D{}", row(n)),
        "医学院 的指标 A01 已有 王新萍 的评分（见 D2），同一评分不能重复录入",
    );
}

#[test]
fn duplicate_score_across_workbooks_names_the_other_file() {
    let mut form = Book { sheets: vec![reference().remove_sheet("评分").unwrap()] };
    form.sheets[0].rows.truncate(1);
    let run = Run::new(&[(MAIN, &reference()), ("补交.xlsx", &form)]);
    run.expect_only_error(
        "补交.xlsx",
        "评分!D2",
        &format!("医学院 的指标 A01 已有 王新萍 的评分（见 {MAIN} 评分!D2），同一评分不能重复录入"),
    );
}

#[test]
fn slot_outside_the_evaluation_window() {
    let mut book = reference();
    let day = chrono::NaiveDate::from_ymd_opt(2021, 12, 1).unwrap();
    book.sheet_mut("日程").unwrap().set(0, "日期", day);
    Run::one(&book).expect_only_error(
        MAIN,
        "日程!C2",
        "日期 2021年12月1日 不在考评期间（2021年11月29日至2021年11月30日）内",
    );
}

#[test]
fn empty_required_cell() {
    let mut book = reference();
    book.sheet_mut("部门").unwrap().set(5, "类别", Value::Empty);
    Run::one(&book).expect_only_error(MAIN, "部门!B7", "类别不能为空");
}

#[test]
fn control_character_in_a_name_is_refused() {
    let mut book = reference();
    book.sheet_mut("领导小组").unwrap().set(0, "姓名", "蒲思\u{7}雄");
    let run = Run::one(&book);
    run.expect_only_error(MAIN, "领导小组!B2", "姓名含有不可见的控制字符 U+0007，请删除后重试");
}

// ---------------------------------------------------------------------------------------
// Which workbook is which

#[test]
fn no_main_workbook_lists_files_and_sheets() {
    let mut book = reference();
    book.remove_sheet("文件信息");
    let run = Run::one(&book);
    run.expect_only_error(
        MAIN,
        "",
        "找不到含“文件信息”工作表的主工作簿；读到的文件：考评.xlsx（工作表：部门、领导小组、考评组、日程、指标、评分、加扣分、定等规则）",
    );
}

#[test]
fn two_main_workbooks() {
    let run = Run::new(&[("a.xlsx", &reference()), ("b.xlsx", &reference())]);
    run.expect_only_error(
        "b.xlsx",
        "",
        "有 2 个工作簿含“文件信息”工作表：a.xlsx、b.xlsx；只能有一个主工作簿，其余应只含“评分”工作表",
    );
}

#[test]
fn extra_workbook_without_scores() {
    let other = Book { sheets: vec![sample::SheetData::new("Sheet1", &["甲", "乙"])] };
    let run = Run::new(&[(MAIN, &reference()), ("杂项.xlsx", &other)]);
    run.expect_only_error(
        "杂项.xlsx",
        "",
        "既没有“文件信息”也没有“评分”工作表，不是考评工作簿或评分表（找到的工作表：Sheet1）",
    );
}

// ---------------------------------------------------------------------------------------
// Missing scores

#[test]
fn form_returned_with_empty_scores_reports_them_per_department_and_evaluator() {
    let mut book = reference();
    let scores = book.sheet_mut("评分").unwrap();
    let mut blanked = 0;
    for r in &mut scores.rows {
        let who = r[2].as_text().unwrap_or("");
        let dept = r[0].as_text().unwrap_or("");
        if who == "张真" && dept == "医学院" && r[1] != Value::text("A03") {
            r[3] = Value::Empty;
            blanked += 1;
        }
    }
    assert_eq!(blanked, 6);
    let run = Run::one(&book);
    run.expect_no_errors();
    run.expect(
        Severity::Warning,
        MAIN,
        "评分",
        "医学院 缺少 张真 的 6 项评分（A01、A02、B01、B02、B03、B04）",
    );
}

#[test]
fn no_scores_at_all_is_one_note() {
    let mut book = reference();
    book.sheet_mut("评分").unwrap().rows.clear();
    let run = Run::one(&book);
    run.expect_no_errors();
    run.expect(Severity::Info, MAIN, "评分", "尚未录入评分");
    assert_eq!(run.checked.findings.count(Severity::Warning), 2, "{}", run.dump());
}

#[test]
fn a_group_without_scores_is_one_warning() {
    let mut book = reference();
    // Remove every score of the 处（室） departments.
    let offices: Vec<String> = reference()
        .sheet("部门")
        .unwrap()
        .rows
        .iter()
        .filter(|r| r[1] == Value::text("处（室）"))
        .filter_map(|r| r[0].as_text().map(str::to_string))
        .collect();
    let scores = book.sheet_mut("评分").unwrap();
    scores.rows.retain(|r| !offices.iter().any(|o| r[0].as_text() == Some(o)));
    let run = Run::one(&book);
    run.expect_no_errors();
    run.expect(
        Severity::Warning,
        MAIN,
        "评分",
        "考评组“处（室）考评组”尚未录入任何评分（18 个部门，7 位考评人）",
    );
    assert_eq!(run.checked.findings.count(Severity::Warning), 3, "{}", run.dump());
}

#[test]
fn an_evaluator_without_scores_is_one_warning() {
    let mut book = reference();
    let scores = book.sheet_mut("评分").unwrap();
    scores.rows.retain(|r| r[2] != Value::text("张真"));
    let run = Run::one(&book);
    run.expect_no_errors();
    run.expect(
        Severity::Warning,
        MAIN,
        "评分",
        "张真（二级学院考评组）尚未录入任何评分（应评 10 个部门，共 70 项）",
    );
}
