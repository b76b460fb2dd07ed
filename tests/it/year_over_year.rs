//! Year over year: year N − 1 is built from a generated workbook, year N from the same
//! institution with changed scores, a renamed department (followed through 原名称) and one
//! renamed without it (新增), given last year's summary. Every figure of year N's
//! documents is compared with last year's summary read back independently with calamine.

use crate::common;

use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::PathBuf;

use calamine::{Data, Reader, Xlsx};
use kaoping::build::{BuildError, BuildOptions, build, read_inputs};
use kaoping::render::OutputFile;
use kaoping::render::inspect::Layout;
use kaoping::render::result_docs::{Head, render_report};
use kaoping::sample::{Book, SheetData, Value, synthetic};
use kaoping::write::MemorySink;

/// Builds the inputs; the files, or the error.
fn build_files(inputs: &[PathBuf]) -> Result<Vec<OutputFile>, BuildError> {
    let books = read_inputs(inputs).unwrap();
    let sink = MemorySink::new();
    build(&books, common::engine(), &BuildOptions::default(), &sink, &|_| {})?;
    Ok(sink.into_files())
}

fn find<'a>(files: &'a [OutputFile], suffix: &str) -> &'a OutputFile {
    files
        .iter()
        .find(|f| f.path.to_string_lossy().ends_with(suffix))
        .unwrap_or_else(|| panic!("no output ending in {suffix}"))
}

fn error_messages(err: BuildError) -> Vec<String> {
    match err {
        BuildError::Input { findings, .. } => {
            findings.iter().filter(|f| f.is_error()).map(|f| f.to_string()).collect()
        }
        other => panic!("expected input errors, got {other}"),
    }
}

/// A sheet read with calamine, rows as maps from header to cell.
fn sheet_rows(xlsx: &[u8], sheet: &str) -> Vec<BTreeMap<String, Data>> {
    let mut book = Xlsx::new(Cursor::new(xlsx.to_vec())).unwrap();
    let range = book.worksheet_range(sheet).unwrap();
    let mut rows = range.rows();
    let header: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    rows.map(|r| header.iter().cloned().zip(r.iter().cloned()).collect()).collect()
}

fn text(cell: &Data) -> String {
    cell.to_string()
}

fn hundredths(cell: &Data) -> i64 {
    match cell {
        Data::Float(f) => (f * 100.0).round() as i64,
        Data::Int(i) => i * 100,
        other => panic!("expected a number, got {other:?}"),
    }
}

/// `92.50`, `+2.35`, `-1.20`, written here independently of the crate.
fn figure(h: i64, signed: bool) -> String {
    let sign = if h < 0 {
        "-"
    } else if signed && h > 0 {
        "+"
    } else {
        ""
    };
    format!("{sign}{}.{:02}", h.abs() / 100, h.abs() % 100)
}

#[derive(Debug, Clone)]
struct LastRow {
    category: String,
    total: i64,
    rank: i64,
    grade: String,
}

fn last_year_rows(summary: &[u8]) -> BTreeMap<String, LastRow> {
    sheet_rows(summary, "汇总")
        .into_iter()
        .map(|r| {
            let row = LastRow {
                category: text(&r["类别"]),
                total: hundredths(&r["总分"]),
                rank: hundredths(&r["排名"]) / 100,
                grade: text(&r["建议等次"]),
            };
            (text(&r["部门"]), row)
        })
        .collect()
}

/// Renames a department in every sheet, also inside lists (日程).
fn rename(book: &mut Book, old: &str, new: &str) {
    for sheet in &mut book.sheets {
        for row in &mut sheet.rows {
            for cell in row.iter_mut() {
                if let Value::Text(s) = cell
                    && s.split('、').any(|part| part == old)
                {
                    let parts: Vec<&str> =
                        s.split('、').map(|part| if part == old { new } else { part }).collect();
                    *s = parts.join("、");
                }
            }
        }
    }
}

fn departments(book: &Book) -> Vec<String> {
    let sheet = book.sheet("部门").unwrap();
    (0..sheet.rows.len())
        .map(|r| sheet.get(r, "部门名称").unwrap().as_text().unwrap().to_string())
        .collect()
}

fn year_of(book: &Book) -> i32 {
    let info = book.sheet("文件信息").unwrap();
    let row = info.row_where("项目", "年度").unwrap();
    match info.get(row, "内容").unwrap() {
        Value::Number(n) => *n as i32,
        Value::Text(t) => t.parse().unwrap(),
        other => panic!("{other:?}"),
    }
}

/// Two years of one institution.
struct TwoYears {
    dir: tempfile::TempDir,
    last_summary: Vec<u8>,
    this_year: Book,
    /// This year's name → last year's, for the department renamed with 原名称.
    renamed: (String, String),
    /// The department renamed without 原名称: this year's name, and last year's.
    new: (String, String),
}

fn two_years() -> TwoYears {
    two_years_of(synthetic(24, 5))
}

fn two_years_of(last: Book) -> TwoYears {
    let dir = tempfile::tempdir().unwrap();
    let last_path = dir.path().join("上年.xlsx");
    std::fs::write(&last_path, last.to_xlsx_bytes().unwrap()).unwrap();
    let files = build_files(&[last_path]).unwrap();
    let last_summary = find(&files, "结果汇总.xlsx").bytes.clone();

    let mut this = last.clone();
    this.set_fact("年度", year_of(&last) + 1);
    // Different scores, so totals and ranks move both ways.
    let scores = this.sheet_mut("评分").unwrap();
    let col = scores.column("得分").unwrap();
    for (i, row) in scores.rows.iter_mut().enumerate() {
        if let Some(Value::Number(n)) = row.get_mut(col) {
            match i % 5 {
                0 if *n >= 1.0 => *n -= 1.0,
                1 if *n >= 0.5 => *n -= 0.5,
                _ => {}
            }
        }
    }
    let names = departments(&this);
    let (first, last_name) = (names[0].clone(), names[names.len() - 1].clone());
    let renamed = format!("{first}（更名）");
    let new = format!("{last_name}（新）");
    rename(&mut this, &first, &renamed);
    rename(&mut this, &last_name, &new);
    let sheet = this.sheet_mut("部门").unwrap();
    sheet.header.push("原名称".into());
    sheet.set(0, "原名称", first.as_str());
    TwoYears {
        dir,
        last_summary,
        this_year: this,
        renamed: (renamed, first),
        new: (new, last_name),
    }
}

impl TwoYears {
    fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn write_this_year(&self, book: &Book) -> PathBuf {
        self.write("本年.xlsx", &book.to_xlsx_bytes().unwrap())
    }
}

fn check_against_last_year(years: &TwoYears, files: &[OutputFile]) {
    let last = last_year_rows(&years.last_summary);
    let summary = find(files, "结果汇总.xlsx");
    let rows = sheet_rows(&summary.bytes, "汇总");
    assert_eq!(rows.len(), departments(&years.this_year).len());
    let summary_pdf = common::pdftotext("-layout", &find(files, "结果汇总表.pdf").bytes);
    let mut compared = 0;
    for row in &rows {
        let name = text(&row["部门"]);
        let last_name = if name == years.renamed.0 { &years.renamed.1 } else { &name };
        let report = files
            .iter()
            .find(|f| {
                f.path.starts_with("考评报告")
                    && f.path.to_string_lossy().ends_with(&format!("-{name}.pdf"))
            })
            .unwrap_or_else(|| panic!("report of {name}"));
        let report_text = common::pdftotext("-layout", &report.bytes);
        let Some(last) = last.get(last_name) else {
            assert_eq!(name, years.new.0, "only the department renamed without 原名称 is new");
            assert_eq!(text(&row["上年总分"]), "新增");
            assert_eq!(row["上年排名"], Data::Empty);
            if let Some(text) = report_text {
                assert!(text.contains("新增部门"), "report of {name}: {text}");
            }
            continue;
        };
        let (total, rank) = (hundredths(&row["总分"]), hundredths(&row["排名"]) / 100);
        assert_eq!(hundredths(&row["上年总分"]), last.total, "{name}");
        assert_eq!(hundredths(&row["上年排名"]) / 100, last.rank, "{name}");
        assert_eq!(text(&row["类别"]), last.category, "{name}");
        let rank_change = match last.rank - rank {
            0 => "—".to_string(),
            up if up > 0 => format!("↑{up}"),
            down => format!("↓{}", -down),
        };
        assert_eq!(text(&row["名次变化"]), rank_change, "{name}");
        if name != *last_name {
            assert!(text(&row["备注"]).contains(&format!("上年度名称：{last_name}")), "{name}");
        }
        if let Some(text) = &summary_pdf {
            // A long name may wrap inside its cell, so look at the lines around its start.
            let start: String = name.chars().take(5).collect();
            let lines: Vec<&str> = text.lines().collect();
            let at = lines.iter().position(|l| l.contains(&start)).unwrap();
            let around = lines[at.saturating_sub(1)..(at + 2).min(lines.len())].join("\n");
            for wanted in [figure(last.total, false), rank_change.clone()] {
                assert!(around.contains(&wanted), "summary row of {name} lacks {wanted}");
            }
        }
        if let Some(text) = report_text {
            let change = figure(total - last.total, true);
            for wanted in [&figure(last.total, false), &change, &rank_change, &last.grade] {
                assert!(text.contains(wanted.as_str()), "report of {name} lacks {wanted}: {text}");
            }
        }
        compared += 1;
    }
    assert_eq!(compared, rows.len() - 1);
    if let Some(text) = summary_pdf {
        for heading in ["上年", "总分", "排名", "名次", "变化"] {
            assert!(text.contains(heading), "summary PDF lacks {heading}");
        }
        assert!(text.contains("新增"));
    }
}

#[test]
fn last_years_figures_match_its_own_summary() {
    let years = two_years();
    // Given as one more input, under a name that says nothing.
    let summary = years.write("数据.xlsx", &years.last_summary);
    let this = years.write_this_year(&years.this_year);
    let files = build_files(&[this, summary]).unwrap();
    check_against_last_year(&years, &files);
    // Some rank moved, or the test would not show much.
    let rows = sheet_rows(&find(&files, "结果汇总.xlsx").bytes, "汇总");
    assert!(rows.iter().any(|r| text(&r["名次变化"]).starts_with('↑')));
    assert!(rows.iter().any(|r| text(&r["名次变化"]).starts_with('↓')));
}

#[test]
fn last_years_results_named_in_the_workbook() {
    let years = two_years();
    std::fs::create_dir(years.dir.path().join("往年")).unwrap();
    years.write("往年/结果.xlsx", &years.last_summary);
    let mut book = years.this_year.clone();
    book.set_fact("上年度结果", "往年/结果.xlsx");
    let files = build_files(&[years.write_this_year(&book)]).unwrap();
    check_against_last_year(&years, &files);
}

#[test]
fn a_summary_of_the_wrong_year_is_refused_naming_file_and_years() {
    let years = two_years();
    let summary = years.write("结果.xlsx", &years.last_summary);
    let mut book = years.this_year.clone();
    let year = year_of(&book);
    book.set_fact("年度", year + 1);
    let err = build_files(&[years.write_this_year(&book), summary]).unwrap_err();
    let messages = error_messages(err);
    assert!(
        messages.iter().any(|m| m.contains("结果.xlsx")
            && m.contains(&format!("{} 年度", year - 1))
            && m.contains(&format!("{} 年度", year + 1))),
        "{messages:?}"
    );
}

/// Last year's summary as plain sheets, with `change` applied.
fn edited_summary(bytes: &[u8], change: impl FnOnce(&mut Book)) -> Vec<u8> {
    let mut book = summary_book(bytes);
    change(&mut book);
    book.to_xlsx_bytes().unwrap()
}

/// A workbook's cells as plain sheets (what copying the sheets into a new file keeps).
fn summary_book(bytes: &[u8]) -> Book {
    let mut xlsx = Xlsx::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut book = Book::default();
    for name in xlsx.sheet_names() {
        let range = xlsx.worksheet_range(&name).unwrap();
        let mut rows = range.rows();
        let header: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut sheet = SheetData::new(name.clone(), &header);
        for row in rows {
            sheet.push_row(
                row.iter()
                    .map(|c| match c {
                        Data::Float(f) => Value::Number(*f),
                        Data::Int(i) => Value::Number(*i as f64),
                        Data::Empty => Value::Empty,
                        other => Value::text(other.to_string()),
                    })
                    .collect(),
            );
        }
        book.sheets.push(sheet);
    }
    book
}

#[test]
fn a_summary_without_a_needed_column_is_refused_naming_it() {
    let years = two_years();
    let broken = edited_summary(&years.last_summary, |book| {
        assert!(book.sheet_mut("汇总").unwrap().remove_column("排名"));
    });
    let summary = years.write("结果.xlsx", &broken);
    let err = build_files(&[years.write_this_year(&years.this_year), summary]).unwrap_err();
    let messages = error_messages(err);
    assert!(
        messages.iter().any(|m| m.starts_with("汇总：") && m.contains("缺少必需的列：排名")),
        "{messages:?}"
    );
}

#[test]
fn a_copied_summary_is_still_read_by_its_version_sheet() {
    // Copied sheet by sheet (as an office might), the document title is lost; the
    // version sheet still states the year.
    let years = two_years();
    let copy = edited_summary(&years.last_summary, |_| {});
    let summary = years.write("结果.xlsx", &copy);
    let files = build_files(&[years.write_this_year(&years.this_year), summary]).unwrap();
    check_against_last_year(&years, &files);
}

#[test]
fn a_first_format_summary_is_read_by_its_title() {
    // The summary workbook of the first releases: no version sheet, the year only in the
    // document title.
    let years = two_years();
    let mut without_marker = summary_book(&years.last_summary);
    assert!(without_marker.remove_sheet("版本信息").is_some());
    let year = year_of(&years.this_year) - 1;
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let title = format!("某学院{year}年度绩效考评结果汇总");
    workbook.set_properties(&rust_xlsxwriter::DocProperties::new().set_title(&title));
    for sheet in &without_marker.sheets {
        let ws = workbook.add_worksheet();
        ws.set_name(&sheet.name).unwrap();
        for (c, h) in sheet.header.iter().enumerate() {
            ws.write_string(0, c as u16, h).unwrap();
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            for (c, value) in row.iter().enumerate() {
                match value {
                    Value::Number(n) => ws.write_number(r as u32 + 1, c as u16, *n),
                    Value::Text(t) => ws.write_string(r as u32 + 1, c as u16, t),
                    _ => continue,
                }
                .unwrap();
            }
        }
    }
    let summary = years.write("结果.xlsx", &workbook.save_to_buffer().unwrap());
    let files = build_files(&[years.write_this_year(&years.this_year), summary]).unwrap();
    check_against_last_year(&years, &files);

    // Without the title its year cannot be known.
    let untitled = edited_summary(&years.last_summary, |book| {
        book.remove_sheet("版本信息");
    });
    let summary = years.write("结果.xlsx", &untitled);
    let err = build_files(&[years.write_this_year(&years.this_year), summary]).unwrap_err();
    let messages = error_messages(err);
    assert!(
        messages.iter().any(|m| m.contains("无法确定") && m.contains("结果.xlsx")),
        "{messages:?}"
    );
}

#[test]
fn a_missing_or_unreadable_named_file_is_reported_at_its_cell() {
    let years = two_years();
    let mut book = years.this_year.clone();
    book.set_fact("上年度结果", "没有这个文件.xlsx");
    let messages = error_messages(build_files(&[years.write_this_year(&book)]).unwrap_err());
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("文件信息!B")
                && m.contains("找不到上年度结果“没有这个文件.xlsx”")),
        "{messages:?}"
    );

    years.write("损坏.xlsx", b"not a workbook at all");
    book.set_fact("上年度结果", "损坏.xlsx");
    let messages = error_messages(build_files(&[years.write_this_year(&book)]).unwrap_err());
    assert!(
        messages.iter().any(|m| m.starts_with("文件信息!B") && m.contains("上年度结果无法读取")),
        "{messages:?}"
    );

    // A workbook, but no summary: this year's own input.
    let other = years.write("别的.xlsx", &years.this_year.to_xlsx_bytes().unwrap());
    book.set_fact("上年度结果", other.file_name().unwrap().to_str().unwrap());
    let messages = error_messages(build_files(&[years.write_this_year(&book)]).unwrap_err());
    assert!(
        messages
            .iter()
            .any(|m| m.starts_with("文件信息!B") && m.contains("不是 kaoping 生成的考评结果汇总")),
        "{messages:?}"
    );
}

#[test]
fn without_last_year_the_documents_are_unchanged() {
    let years = two_years();
    let files = build_files(&[years.write_this_year(&years.this_year)]).unwrap();
    let rows = sheet_rows(&find(&files, "结果汇总.xlsx").bytes, "汇总");
    assert!(!rows[0].contains_key("上年总分"));
    if let Some(text) = common::pdftotext("-layout", &find(&files, "结果汇总表.pdf").bytes) {
        assert!(!text.contains("上年"));
    }
    let report = files.iter().find(|f| f.path.starts_with("考评报告")).unwrap();
    if let Some(text) = common::pdftotext("-layout", &report.bytes) {
        assert!(!text.contains("与上年度比较"));
    }
}

#[test]
fn every_report_with_last_years_block_fits_one_sheet() {
    let engine = common::engine();
    let mut longer = Vec::new();
    for years in [two_years(), two_years_of(synthetic(40, 7))] {
        // Every department renamed, so every block carries last year's name too.
        let mut book = years.this_year.clone();
        let sheet = book.sheet("部门").unwrap();
        let formers: Vec<Value> =
            (0..sheet.rows.len()).map(|r| sheet.get(r, "原名称").unwrap().clone()).collect();
        for (row, (name, former)) in departments(&book).into_iter().zip(formers).enumerate() {
            let former = former.as_text().map_or(name.clone(), str::to_string);
            rename(&mut book, &name, &format!("{name}（更名）"));
            book.sheet_mut("部门").unwrap().set(row, "原名称", former);
        }
        let summary = years.write("结果.xlsx", &years.last_summary);
        let books = read_inputs(&[years.write_this_year(&book), summary]).unwrap();
        let plan = kaoping::check::check(&books).plan.unwrap();
        assert!(plan.last_year.is_some());
        let results = kaoping::score::score(&plan);
        let head = Head::new(&plan);
        for dept in plan.dept_ids() {
            let rendered = render_report(engine, &plan, &head, &results, dept).unwrap();
            assert!(rendered.source.text.contains("与上年度比较"));
            let doc = engine.layout("r", rendered.source.text, plan.info.date, &[]).unwrap();
            if Layout::of(&doc).pages != 1 {
                longer.push(plan.department(dept).name.clone());
            }
        }
    }
    assert!(longer.is_empty(), "reports longer than one page: {longer:?}");
}

#[test]
fn hints_name_new_and_gone_departments_and_unknown_former_names() {
    let years = two_years();
    let mut book = years.this_year.clone();
    let second = departments(&book)[1].clone();
    book.sheet_mut("部门").unwrap().set(1, "原名称", "查无此部门");
    let summary = years.write("结果.xlsx", &years.last_summary);
    let books = read_inputs(&[years.write_this_year(&book), summary]).unwrap();
    let checked = kaoping::check::check(&books);
    let lines: Vec<String> =
        checked.findings.iter().map(|f| format!("{} {f}", f.severity)).collect();
    assert!(
        lines.iter().any(|l| l.starts_with("警告 部门!")
            && l.contains("原名称“查无此部门”不在上年度结果“结果.xlsx”中，按新增部门处理")),
        "{lines:#?}"
    );
    let new = lines.iter().find(|l| l.contains("按新增部门处理：")).expect("hint on new ones");
    assert!(
        new.starts_with("提示") && new.contains(&years.new.0) && new.contains(&second),
        "{new}"
    );
    let gone = lines.iter().find(|l| l.contains("本年度已不存在")).expect("hint on gone ones");
    assert!(gone.starts_with("提示") && gone.contains(&years.new.1) && gone.contains(&second));
    let plan = checked.plan.unwrap();
    let last_year = plan.last_year.as_ref().unwrap();
    let of = |name: &str| {
        let dept = plan.dept_ids().find(|&d| plan.department(d).name == name).unwrap();
        last_year.of(dept)
    };
    assert_eq!(of(&second), None);
    assert_eq!(of(&years.renamed.0).unwrap().name, years.renamed.1);
}

#[test]
fn of_several_years_results_last_years_is_taken() {
    // A folder keeping every year's results, handed over whole.
    let years = two_years();
    let older_year = year_of(&years.this_year) - 3;
    let older = edited_summary(&years.last_summary, |book| {
        let sheet = book.sheet_mut("版本信息").unwrap();
        let row = sheet.row_where("项目", "年度").unwrap();
        sheet.set(row, "内容", older_year);
    });
    let folder = years.dir.path().join("历年结果");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("a.xlsx"), &older).unwrap();
    std::fs::write(folder.join("b.xlsx"), &years.last_summary).unwrap();
    let this = years.write_this_year(&years.this_year);
    let files = build_files(&[this.clone(), folder.clone()]).unwrap();
    check_against_last_year(&years, &files);

    std::fs::write(folder.join("b.xlsx"), &older).unwrap();
    let messages = error_messages(build_files(&[this, folder]).unwrap_err());
    let wanted = format!("a.xlsx（{older_year} 年度）、b.xlsx（{older_year} 年度）");
    assert!(messages.iter().any(|m| m.contains(&wanted)), "{messages:?}");
}
