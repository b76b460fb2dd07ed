//! `kaoping init` and `kaoping forms` through the real binary: the blank workbook has every
//! sheet of the input contract, and scoring forms filled in and returned give the totals
//! their scores imply.

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use calamine::{Data, Range, Reader, Xlsx};
use chrono::Timelike;
use kaoping::model::{DeptId, MemberId, Plan};
use kaoping::sample::{self, Book, SheetData, Value};
use num_rational::Ratio;

fn kaoping(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the kaoping binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn open(bytes: &[u8]) -> Xlsx<Cursor<Vec<u8>>> {
    Xlsx::new(Cursor::new(bytes.to_vec())).expect("calamine opens the workbook")
}

fn range(bytes: &[u8], sheet: &str) -> Range<Data> {
    open(bytes).worksheet_range(sheet).expect("the sheet exists")
}

fn header(range: &Range<Data>) -> Vec<String> {
    let width = range.width();
    (0..width as u32)
        .map(|c| range.get_value((0, c)).map(|d| d.to_string()).unwrap_or_default())
        .collect()
}

/// A workbook read back into plain sheets (header in row 1), so a test can fill cells and
/// write it again with the sample writer.
fn book_of(bytes: &[u8], skip: &[&str]) -> Book {
    let mut xlsx = open(bytes);
    let mut book = Book::default();
    for name in xlsx.sheet_names() {
        if skip.contains(&name.as_str()) {
            continue;
        }
        let range = xlsx.worksheet_range(&name).unwrap();
        let head = header(&range);
        let mut sheet = SheetData::new(&name, &head.iter().map(String::as_str).collect::<Vec<_>>());
        for r in 1..range.height() as u32 {
            let row = (0..head.len() as u32)
                .map(|c| value_of(range.get_value((r, c)).unwrap_or(&Data::Empty)))
                .collect();
            sheet.push_row(row);
        }
        book.sheets.push(sheet);
    }
    book
}

fn value_of(data: &Data) -> Value {
    match data {
        Data::Empty => Value::Empty,
        Data::String(s) => Value::text(s),
        Data::Float(f) => Value::Number(*f),
        Data::Int(i) => Value::Number(*i as f64),
        Data::DateTime(dt) => {
            let at = dt.as_datetime().expect("a valid date");
            if dt.as_f64() < 1.0 {
                Value::Time(at.time())
            } else if at.time().num_seconds_from_midnight() == 0 {
                Value::Date(at.date())
            } else {
                Value::DateTime(at)
            }
        }
        other => panic!("unexpected cell {other:?}"),
    }
}

/// The spec's sheets and their columns (`../shared/spec/input-workbook.md`).
const SPEC: [(&str, &[&str]); 10] = [
    ("文件信息", &["项目", "内容"]),
    ("部门", &["部门名称", "类别", "负责人", "简称", "原名称"]),
    ("领导小组", &["小组职务", "姓名", "职务"]),
    ("考评组", &["考评组", "考评对象", "小组职务", "姓名", "职务", "所在部门", "联系电话"]),
    ("日程", &["类别", "部门", "日期", "时间", "地点"]),
    ("指标", &["指标编号", "考评对象", "一级指标", "二级指标", "分值", "考评要点"]),
    ("评分", &["部门", "指标编号", "考评人", "得分", "备注"]),
    ("加扣分", &["部门", "类型", "分值", "事由", "认定部门", "佐证材料"]),
    ("定等规则", &["等次", "最低分", "比例上限"]),
    ("正文", &["正文"]),
];

/// Every fact the spec names for 文件信息.
const SPEC_FACTS: [&str; 25] = [
    "单位名称",
    "年度",
    "发文机关标志",
    "发文字号",
    "标题",
    "主送机关",
    "依据文件",
    "发文机关署名",
    "成文日期",
    "考评开始日期",
    "考评结束日期",
    "自查截止日期",
    "动员会时间",
    "动员会地点",
    "动员会参加人员",
    "领导小组办公室",
    "办公室主任",
    "办公室副主任",
    "抄送",
    "印发机关",
    "印发日期",
    "计分方法",
    "加分上限",
    "印章图片",
    "上年度结果",
];

/// The unzipped text of one part of an xlsx.
fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut text = String::new();
    zip.by_name(name).unwrap().read_to_string(&mut text).unwrap();
    text
}

#[test]
fn init_writes_every_sheet_of_the_spec_and_refuses_to_overwrite() {
    let dir = tempfile::tempdir().unwrap();
    let out = kaoping(dir.path(), &["init", "--year", "2025"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let path = dir.path().join("input/新年度.xlsx");
    let bytes = std::fs::read(&path).unwrap();
    assert!(stderr(&out).contains("kaoping check"), "says what to do next: {}", stderr(&out));

    let names = open(&bytes).sheet_names();
    let mut expected = vec!["说明".to_string()];
    expected.extend(SPEC.iter().map(|(s, _)| s.to_string()));
    assert_eq!(names, expected);
    for (sheet, columns) in SPEC {
        let head = header(&range(&bytes, sheet));
        if sheet == "文件信息" {
            // 项目 | 内容, then columns of help the reader ignores.
            assert_eq!(&head[..2], columns, "{sheet}");
        } else {
            assert_eq!(head, columns, "{sheet}");
        }
    }
    // The reference sample is written from the spec independently; its sheets agree.
    for sheet in sample::reference_2021().sheets {
        let head = header(&range(&bytes, &sheet.name));
        for column in sheet.header.iter().filter(|h| *h != "备注" || sheet.name == "评分") {
            assert!(head.contains(column), "{}: {column} missing from {head:?}", sheet.name);
        }
    }
    let facts = range(&bytes, "文件信息");
    let keys: Vec<String> = facts.rows().skip(1).map(|r| r[0].to_string()).collect();
    for key in SPEC_FACTS {
        assert!(keys.iter().any(|k| k == key), "文件信息 lists {key}");
    }

    // Headers frozen, validations in place (sheet order: 说明, 文件信息, 部门, 领导小组, 考评组…).
    let groups = part(&bytes, "xl/worksheets/sheet5.xml");
    assert!(groups.contains(r#"state="frozen""#));
    assert!(groups.contains("\"组长,副组长,成员,具体工作负责人\""), "小组职务 drop-down");
    assert!(groups.contains("COUNTIF('部门'!$B:$B,B2)&gt;0"), "考评对象 checked against 部门");
    let adjustments = part(&bytes, "xl/worksheets/sheet9.xml");
    assert!(adjustments.contains("\"加分,扣分\""), "类型 drop-down");
    let schedule = part(&bytes, "xl/worksheets/sheet6.xml");
    assert!(schedule.contains(r#"type="date""#) && schedule.contains(r#"type="time""#));

    // A second run refuses and leaves the file alone.
    let again = kaoping(dir.path(), &["init", "--year", "2026"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("已存在"), "{}", stderr(&again));
    assert_eq!(std::fs::read(&path).unwrap(), bytes);

    // A new folder is created for the file.
    let nested = kaoping(dir.path(), &["init", "新目录/2025.xlsx", "--year", "2025"]);
    assert!(nested.status.success(), "{}", stderr(&nested));
    assert_eq!(std::fs::read(dir.path().join("新目录/2025.xlsx")).unwrap(), bytes);
}

#[test]
fn blank_workbook_filled_with_its_examples_passes_check() {
    let bytes = kaoping::forms::blank_workbook(2025).unwrap();
    assert_eq!(bytes, kaoping::forms::blank_workbook(2025).unwrap(), "deterministic");
    let dir = tempfile::tempdir().unwrap();

    // As it comes, only the empty required facts are errors.
    let blank = dir.path().join("blank.xlsx");
    std::fs::write(&blank, &bytes).unwrap();
    let checked = kaoping::check::check(&kaoping::build::read_inputs(&[blank]).unwrap());
    let errors: Vec<_> = checked.findings.iter().filter(|f| f.is_error()).collect();
    assert!(!errors.is_empty());
    for error in errors {
        assert_eq!(error.location.sheet.as_deref(), Some("文件信息"), "{error}");
    }

    // Every fact filled with the example shown next to it (but the seal and last year's
    // results, which must be files): the examples of all sheets form a valid workbook.
    let mut book = book_of(&bytes, &["说明"]);
    let facts = book.sheet_mut("文件信息").unwrap();
    for row in 0..facts.rows.len() {
        let key = facts.get(row, "项目").and_then(Value::as_text).unwrap().to_string();
        let example = facts.get(row, "示例").unwrap().clone();
        let is_file = key == "印章图片" || key == "上年度结果";
        if !is_file && facts.get(row, "内容") == Some(&Value::Empty) {
            facts.set(row, "内容", example);
        }
    }
    let filled = dir.path().join("filled.xlsx");
    std::fs::write(&filled, book.to_xlsx_bytes().unwrap()).unwrap();
    let checked = kaoping::check::check(&kaoping::build::read_inputs(&[filled]).unwrap());
    let findings: Vec<String> =
        checked.findings.iter().map(|f| format!("{}：{f}", f.severity)).collect();
    assert!(checked.plan.is_some(), "{findings:#?}");
    assert!(!findings.iter().any(|f| f.contains("未知")), "{findings:#?}");
    let plan = checked.plan.unwrap();
    assert_eq!(plan.info.year, 2025);
    // Two example groups, one per example category, so that the built-in wording in 正文
    // (a list per group) names groups that exist.
    assert_eq!(plan.departments.len(), 2);
    assert_eq!(plan.groups.len(), 2);
    assert_eq!(plan.scores.len(), 1);
    assert!(plan.body.is_some(), "the 正文 sheet is read");
    assert_eq!(plan.grading.len(), 4);
}

/// The reference sample without scores (and, for plain totals, without 加扣分), written
/// as `main.xlsx` in a fresh folder.
fn main_workbook(dir: &Path) -> (PathBuf, Plan) {
    let mut book = sample::reference_2021();
    book.remove_sheet("评分").unwrap();
    book.remove_sheet("加扣分").unwrap();
    let path = dir.join("main.xlsx");
    std::fs::write(&path, book.to_xlsx_bytes().unwrap()).unwrap();
    let checked =
        kaoping::check::check(&kaoping::build::read_inputs(std::slice::from_ref(&path)).unwrap());
    (path, checked.plan.expect("the sample without scores is valid"))
}

/// One data row of a form as calamine reads it.
#[derive(Debug, Clone)]
struct FormRow {
    /// 1-based Excel row.
    excel_row: u32,
    dept: DeptId,
    member: MemberId,
    code: String,
    max: f64,
    recused: bool,
}

fn form_rows(bytes: &[u8], plan: &Plan) -> Vec<FormRow> {
    let range = range(bytes, "评分");
    let head = header(&range);
    assert_eq!(head, kaoping::forms::FORM_HEADER);
    let col = |name: &str| head.iter().position(|h| h == name).unwrap() as u32;
    let text = |r: u32, name: &str| range.get_value((r, col(name))).unwrap().to_string();
    (1..range.height() as u32)
        .map(|r| {
            let dept =
                DeptId(plan.departments.iter().position(|d| d.name == text(r, "部门")).unwrap());
            let group = plan.group_for(plan.department(dept).category);
            let index =
                plan.group(group).members.iter().position(|m| m.name == text(r, "考评人")).unwrap();
            let member = MemberId { group, index };
            let max = match range.get_value((r, col("分值"))) {
                Some(Data::Float(f)) => *f,
                other => panic!("分值 {other:?}"),
            };
            assert_eq!(range.get_value((r, col("得分"))), Some(&Data::Empty));
            FormRow {
                excel_row: r + 1,
                dept,
                member,
                code: text(r, "指标编号"),
                max,
                recused: plan.recuses(member, dept),
            }
        })
        .collect()
}

/// The 得分 a test evaluator gives: between 70% and 100% of the maximum, in hundredths,
/// different for every department, indicator and evaluator.
fn score_for(row: &FormRow) -> i64 {
    let max = (row.max * 100.0).round() as i64;
    let salt: usize = row.code.bytes().map(usize::from).sum();
    let k = 70 + ((row.dept.0 * 13 + salt * 7 + row.member.index * 5) % 31) as i64;
    max * k / 100
}

/// The form with 得分 cells filled, edited in the XML the way Excel stores a typed number,
/// so everything else (protection, validations, 填写说明) is returned as generated.
fn fill(bytes: &[u8], scores: &BTreeMap<u32, i64>) -> Vec<u8> {
    let sheet = part(bytes, "xl/worksheets/sheet1.xml");
    let mut edited = String::with_capacity(sheet.len() + scores.len() * 16);
    let mut rest = sheet.as_str();
    let mut filled = 0;
    while let Some(start) = rest.find("<c r=\"G") {
        edited.push_str(&rest[..start]);
        let cell = &rest[start..];
        let end = cell.find('>').unwrap() + 1;
        let tag = &cell[..end];
        let row: u32 = tag[7..].split('"').next().unwrap().parse().unwrap();
        match (scores.get(&row), tag.ends_with("/>")) {
            (Some(v), true) => {
                let open = tag.trim_end_matches("/>");
                edited.push_str(&format!("{open}><v>{}.{:02}</v></c>", v / 100, v % 100));
                filled += 1;
            }
            _ => edited.push_str(tag),
        }
        rest = &cell[end..];
    }
    edited.push_str(rest);
    assert_eq!(filled, scores.len(), "every score found its empty cell");

    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let file = zip.by_index_raw(i).unwrap();
        if file.name().unwrap() == "xl/worksheets/sheet1.xml" {
            drop(file);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Stored);
            out.start_file("xl/worksheets/sheet1.xml", options).unwrap();
            out.write_all(edited.as_bytes()).unwrap();
        } else {
            out.raw_copy_file(file).unwrap();
        }
    }
    out.finish().unwrap().into_inner()
}

struct Forms {
    dir: tempfile::TempDir,
    plan: Plan,
    /// File name → bytes, as `kaoping forms` wrote them.
    files: BTreeMap<String, Vec<u8>>,
}

fn generate_forms() -> Forms {
    let dir = tempfile::tempdir().unwrap();
    let (_, plan) = main_workbook(dir.path());
    let out = kaoping(dir.path(), &["forms", "main.xlsx", "-o", "forms"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let mut files = BTreeMap::new();
    for entry in std::fs::read_dir(dir.path().join("forms")).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        files.insert(name, std::fs::read(entry.path()).unwrap());
    }
    Forms { dir, plan, files }
}

/// Index of the style a cell uses, and whether that style is locked.
fn cell_locked(sheet_xml: &str, styles_xml: &str, cell: &str) -> bool {
    let at = sheet_xml.find(&format!("<c r=\"{cell}\"")).unwrap_or_else(|| panic!("{cell}"));
    let tag = &sheet_xml[at..at + sheet_xml[at..].find('>').unwrap()];
    let style: usize =
        tag.split("s=\"").nth(1).map_or(0, |s| s.split('"').next().unwrap().parse().unwrap());
    let xfs = styles_xml.split("<cellXfs").nth(1).unwrap().split("</cellXfs>").next().unwrap();
    let xf = xfs.split("<xf ").nth(style + 1).unwrap();
    let xf = xf.split("</xf>").next().unwrap();
    !xf.contains(r#"locked="0""#)
}

#[test]
fn forms_write_one_protected_validated_workbook_per_group() {
    let forms = generate_forms();
    let plan = &forms.plan;
    let names: Vec<&String> = forms.files.keys().collect();
    assert_eq!(names, ["二级学院考评组-评分表.xlsx", "处（室）考评组-评分表.xlsx"]);

    for (name, bytes) in &forms.files {
        assert_eq!(open(bytes).sheet_names(), ["评分", "填写说明"], "{name}");
        let rows = form_rows(bytes, plan);
        // Every department × scoring member × applicable indicator, nothing else.
        let group = plan.groups.iter().position(|g| name.starts_with(&g.name)).unwrap();
        let group = kaoping::model::GroupId(group);
        let scorers = plan.group(group).members.iter().filter(|m| m.role.scores()).count();
        let expected: usize = plan
            .departments_in(plan.group(group).target)
            .map(|d| plan.indicators_for(d).count() * scorers)
            .sum();
        assert_eq!(rows.len(), expected, "{name}");
        // Departments in visit order: the first rows are the first slot's first department.
        let first_slot =
            plan.schedule.iter().find(|s| s.category == plan.group(group).target).unwrap();
        assert_eq!(rows[0].dept, first_slot.departments[0]);

        let sheet = part(bytes, "xl/worksheets/sheet1.xml");
        let styles = part(bytes, "xl/styles.xml");
        assert!(sheet.contains("<sheetProtection"), "{name} is protected");
        assert!(sheet.contains(r#"<dataValidation type="decimal""#), "{name}");
        assert!(sheet.contains("<formula1>0</formula1><formula2>$F2</formula2>"), "{name}");
        assert!(sheet.contains(r#"state="frozen""#) && sheet.contains("<autoFilter"), "{name}");
        let setup = sheet.split("<pageSetup").nth(1).unwrap();
        assert!(setup.contains(r#"paperSize="9""#) && setup.contains(r#"orientation="landscape""#));
        assert!(part(bytes, "xl/workbook.xml").contains("_xlnm.Print_Titles"));
        for row in rows.iter().take(40).chain(rows.iter().filter(|r| r.recused)) {
            let r = row.excel_row;
            for col in ["A", "B", "C", "D", "E", "F"] {
                assert!(cell_locked(&sheet, &styles, &format!("{col}{r}")), "{name} {col}{r}");
            }
            for col in ["G", "H"] {
                let locked = cell_locked(&sheet, &styles, &format!("{col}{r}"));
                assert_eq!(locked, row.recused, "{name} {col}{r}");
            }
        }
    }
    // 赵俊芬 sits in 教育教学质量监控中心, which her group evaluates: her rows there are locked.
    let offices = &forms.files["处（室）考评组-评分表.xlsx"];
    let recused: Vec<FormRow> =
        form_rows(offices, plan).into_iter().filter(|r| r.recused).collect();
    assert!(!recused.is_empty());
    for row in &recused {
        assert_eq!(plan.member(row.member).name, "赵俊芬");
        assert_eq!(plan.department(row.dept).name, "教育教学质量监控中心");
    }

    // The library gives the same bytes again; the CLI does not overwrite without --force.
    let again = kaoping::forms::score_forms(plan).unwrap();
    for form in &again {
        assert_eq!(form.bytes, forms.files[&form.file_name], "{} deterministic", form.file_name);
    }
    let refused = kaoping(forms.dir.path(), &["forms", "main.xlsx", "-o", "forms"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("--force"), "{}", stderr(&refused));
    let forced = kaoping(forms.dir.path(), &["forms", "main.xlsx", "-o", "forms", "--force"]);
    assert!(forced.status.success(), "{}", stderr(&forced));
}

#[test]
fn forms_refuse_a_workbook_with_errors() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = sample::reference_2021();
    book.sheet_mut("部门").unwrap().set(0, "类别", "");
    std::fs::write(dir.path().join("main.xlsx"), book.to_xlsx_bytes().unwrap()).unwrap();
    let out = kaoping(dir.path(), &["forms", "main.xlsx"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("类别不能为空"), "{}", stderr(&out));
    assert!(!dir.path().join("评分表").exists());
}

/// What the trimmed-mean rule of the sample (去掉最高最低分后平均) makes of the scores, per
/// department, in hundredths rounded half away from zero, computed here independently.
fn expected_totals(plan: &Plan, scores: &[(FormRow, i64)]) -> BTreeMap<String, i64> {
    assert_eq!(plan.info.scoring_method, kaoping::model::ScoringMethod::TrimmedMean);
    let mut by_item: BTreeMap<(usize, String), Vec<i64>> = BTreeMap::new();
    for (row, score) in scores {
        by_item.entry((row.dept.0, row.code.clone())).or_default().push(*score);
    }
    let mut totals: BTreeMap<usize, Ratio<i64>> = BTreeMap::new();
    for ((dept, _), mut list) in by_item {
        list.sort();
        if list.len() >= 3 {
            list.remove(0);
            list.pop();
        }
        let mean = Ratio::new(list.iter().sum::<i64>(), list.len() as i64);
        *totals.entry(dept).or_default() += mean;
    }
    totals
        .into_iter()
        .map(|(d, total)| (plan.departments[d].name.clone(), total.round().to_integer()))
        .collect()
}

#[test]
fn filled_forms_build_the_totals_their_scores_imply() {
    let forms = generate_forms();
    let plan = &forms.plan;
    let root = forms.dir.path();
    let filled_dir = root.join("returned");
    std::fs::create_dir(&filled_dir).unwrap();
    let mut given = Vec::new();
    for (name, bytes) in &forms.files {
        let rows = form_rows(bytes, plan);
        let mut cells = BTreeMap::new();
        for row in rows.into_iter().filter(|r| !r.recused) {
            let score = score_for(&row);
            cells.insert(row.excel_row, score);
            given.push((row, score));
        }
        std::fs::write(filled_dir.join(name), fill(bytes, &cells)).unwrap();
    }

    let check = kaoping(root, &["check", "main.xlsx", "returned"]);
    assert!(check.status.success(), "{}", stderr(&check));
    assert!(!stderr(&check).contains("缺少"), "{}", stderr(&check));

    let out = kaoping(root, &["build", "main.xlsx", "returned", "-o", "out", "--no-system-fonts"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = std::fs::read_dir(root.join("out"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with("考评结果汇总.xlsx"))
        .expect("the summary workbook");
    let table = range(&std::fs::read(summary).unwrap(), "汇总");
    let head = header(&table);
    let col = |name: &str| head.iter().position(|h| h == name).unwrap() as u32;
    let mut built = BTreeMap::new();
    for r in 1..table.height() as u32 {
        let Some(Data::String(dept)) = table.get_value((r, col("部门"))) else { continue };
        let Some(Data::Float(total)) = table.get_value((r, col("总分"))) else {
            panic!("总分 of {dept}")
        };
        built.insert(dept.clone(), (total * 100.0).round() as i64);
    }
    let expected = expected_totals(plan, &given);
    assert_eq!(expected.len(), plan.departments.len());
    assert_eq!(built, expected);
}

#[test]
fn a_form_returned_with_empty_cells_reports_the_missing_scores() {
    let forms = generate_forms();
    let plan = &forms.plan;
    let root = forms.dir.path();
    let (name, bytes) = forms.files.iter().find(|(n, _)| n.starts_with("二级学院")).unwrap();
    let rows = form_rows(bytes, plan);
    // The second evaluator leaves two indicators of the first department empty.
    let first = rows[0].dept;
    let evaluators: Vec<MemberId> = {
        let mut seen = Vec::new();
        for r in rows.iter().filter(|r| r.dept == first) {
            if !seen.contains(&r.member) {
                seen.push(r.member);
            }
        }
        seen
    };
    let who = evaluators[1];
    let skipped: Vec<&FormRow> =
        rows.iter().filter(|r| r.dept == first && r.member == who).take(2).collect();
    let cells: BTreeMap<u32, i64> = rows
        .iter()
        .filter(|r| !r.recused && !skipped.iter().any(|s| s.excel_row == r.excel_row))
        .map(|r| (r.excel_row, score_for(r)))
        .collect();
    let partial = root.join("partial");
    std::fs::create_dir(&partial).unwrap();
    std::fs::write(partial.join(name), fill(bytes, &cells)).unwrap();

    let out = kaoping(root, &["check", "main.xlsx", "partial"]);
    let text = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "missing scores are warnings: {text}");
    let message = format!(
        "{} 缺少 {} 的 2 项评分（{}、{}）",
        plan.department(first).name,
        plan.member(who).name,
        skipped[0].code,
        skipped[1].code
    );
    assert!(text.contains(&message) && text.contains("警告"), "{text}");
    // The other group's form was not returned at all: one line for the whole group.
    assert!(text.contains("考评组“处（室）考评组”尚未录入任何评分"), "{text}");
}
