//! Reliability: hostile cell text prints literally, builds are byte-identical, a failing
//! build never touches earlier outputs, and the command line keeps its exit-status contract.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use kaoping::build::{BuildOptions, build, read_inputs};
use kaoping::render::OutputFile;
use kaoping::sample::{Book, Value, reference_2021};
use kaoping::write::MemorySink;

/// Builds a workbook file in memory.
fn build_files(path: &Path) -> Vec<OutputFile> {
    let books = read_inputs(&[path.to_path_buf()]).unwrap();
    let sink = MemorySink::new();
    let options = BuildOptions { threads: 2, ..BuildOptions::default() };
    build(&books, common::engine(), &options, &sink, &|_| {}).unwrap_or_else(|e| panic!("{e}"));
    sink.into_files()
}

/// Replaces a name in every text cell, whole cells and items of in-cell lists alike.
fn rename_everywhere(book: &mut Book, old: &str, new: &str) {
    for sheet in &mut book.sheets {
        for row in &mut sheet.rows {
            for cell in row.iter_mut() {
                let Some(text) = cell.as_text() else { continue };
                if text == old {
                    *cell = Value::text(new);
                } else if text.contains('、') && text.split('、').any(|item| item == old) {
                    let items: Vec<&str> =
                        text.split('、').map(|item| if item == old { new } else { item }).collect();
                    *cell = Value::text(items.join("、"));
                }
            }
        }
    }
}

fn set_column(book: &mut Book, sheet: &str, row: usize, column: &str, text: &str) {
    book.sheet_mut(sheet).unwrap().set(row, column, Value::text(text));
}

/// Hostile strings in every kind of text field. Department and person names avoid the
/// list separators (、，,;；), which legitimately split a cell into several names.
const HOSTILE_DEPTS: [&str; 4] =
    ["#set page(width: 1cm)", "{{ x }}", "$x^2$ *粗* _斜_", "[内容] @label <tag>"];
const HOSTILE_PEOPLE: [&str; 3] = ["= 标题", "- 列表 // 注释", "/* 块 */ ~ \\"];
const HOSTILE_TEXTS: [&str; 6] = [
    "#import \"/etc/passwd\"",
    "{% raw %}{{ y }}{% endraw %}",
    "`代码` \\u{41}",
    "\u{202E}右到左\u{202C}",
    "　全角空格　",
    "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
];

fn hostile_book() -> Book {
    let mut book = reference_2021();
    for (old, new) in ["医学院", "公共基础学院", "党政办公室", "宣传部"].iter().zip(HOSTILE_DEPTS)
    {
        rename_everywhere(&mut book, old, new);
    }
    for (old, new) in ["蒲思雄", "王新萍", "赵俊芬"].iter().zip(HOSTILE_PEOPLE) {
        rename_everywhere(&mut book, old, new);
    }
    set_column(&mut book, "领导小组", 0, "职务", HOSTILE_TEXTS[0]);
    set_column(&mut book, "考评组", 1, "职务", HOSTILE_TEXTS[1]);
    set_column(&mut book, "日程", 0, "地点", HOSTILE_TEXTS[2]);
    set_column(&mut book, "指标", 0, "二级指标", HOSTILE_TEXTS[3]);
    set_column(&mut book, "指标", 1, "一级指标", HOSTILE_TEXTS[4]);
    set_column(&mut book, "加扣分", 0, "事由", HOSTILE_TEXTS[5]);
    set_column(&mut book, "加扣分", 0, "佐证材料", HOSTILE_TEXTS[0]);
    book.set_fact("动员会地点", HOSTILE_TEXTS[1]);
    book.set_fact("发文机关署名", "<b>办公室</b> & \"引号\"");
    book
}

/// Text as a reader copies it: white space and the bidi controls that the layout consumes
/// are not compared.
fn normalise(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace() && !matches!(c, '\u{202A}'..='\u{202E}')).collect()
}

/// Issue 11, item 3: long runs got U+200B between their characters so they could wrap, and
/// copying `#set page(width: 1cm)` or a URL out of a PDF gave `p\u{200B}a\u{200B}g…`.
#[test]
fn copied_text_is_exactly_the_cell_text() {
    const URL: &str = "https://example.edu.cn/kaoping/2021/evidence.pdf?id=123456&type=report";
    let mut book = hostile_book();
    set_column(&mut book, "加扣分", 0, "佐证材料", URL);
    set_column(&mut book, "日程", 0, "地点", URL);
    book.set_fact("动员会地点", URL);
    let (_dir, path) = common::write_book(&book, "x.xlsx");
    let files = build_files(&path);
    let mut checked = 0;
    for file in files.iter().filter(|f| f.path.extension().is_some_and(|e| e == "pdf")) {
        let Some(text) = common::pdftotext("-raw", &file.bytes) else {
            eprintln!("pdftotext not installed: PDF text not checked (CI installs poppler-utils)");
            return;
        };
        let name = file.path.display();
        assert!(
            !text.contains(|c| matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')),
            "{name} has invisible characters in its text"
        );
        // A wrapped line ends a line of the extracted text, and a wrap at a space drops the
        // space: text without spaces must come back exactly once line ends are dropped.
        let joined: String = text.lines().collect();
        let expected: &[&str] = if name.to_string().contains("实施方案") {
            &[URL, HOSTILE_DEPTS[0]]
        } else if name.to_string().contains("考评报告/01-") {
            &[URL, HOSTILE_TEXTS[5], HOSTILE_DEPTS[0]]
        } else if name.to_string().contains("工作安排表") {
            &[URL, HOSTILE_DEPTS[0]]
        } else {
            &[]
        };
        for needle in expected {
            if needle.contains(' ') {
                assert!(normalise(&joined).contains(&normalise(needle)), "{name} lacks {needle:?}");
            } else {
                assert!(joined.contains(needle), "{name} lacks {needle:?} as typed:\n{joined}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 7, "documents checked");
}

#[test]
fn hostile_text_prints_literally_in_every_document() {
    let (_dir, path) = common::write_book(&hostile_book(), "恶意 输入.xlsx");
    let files = build_files(&path);
    let pdf_text = |name: &str| {
        let file = files.iter().find(|f| f.path.to_string_lossy().contains(name)).unwrap();
        common::pdftotext("-raw", &file.bytes)
    };
    let Some(notice) = pdf_text("实施方案") else {
        eprintln!("pdftotext not installed: PDF text not checked (CI installs poppler-utils)");
        return;
    };
    let notice = normalise(&notice);
    for needle in HOSTILE_DEPTS.iter().chain(&HOSTILE_PEOPLE[..2]).chain(&HOSTILE_TEXTS[..2]) {
        assert!(notice.contains(&normalise(needle)), "notice lacks {needle:?}");
    }
    assert!(notice.contains(&normalise("<b>办公室</b> & \"引号\"")));
    let schedule = normalise(&pdf_text("工作安排表").unwrap());
    assert!(schedule.contains(&normalise(HOSTILE_TEXTS[2])), "schedule lacks the place");
    let report = normalise(&pdf_text("考评报告/01-").unwrap());
    for needle in [HOSTILE_DEPTS[0], HOSTILE_TEXTS[4], HOSTILE_TEXTS[5], HOSTILE_TEXTS[0]] {
        assert!(report.contains(&normalise(needle)), "report lacks {needle:?}");
    }
    // A right-to-left override is honoured, as Word would: the text reads reversed.
    assert!(report.contains("右到左") || report.contains("左到右"), "report lacks the RTL text");
    let summary = normalise(&pdf_text("结果汇总表").unwrap());
    for needle in HOSTILE_DEPTS {
        assert!(summary.contains(&normalise(needle)), "summary lacks {needle:?}");
    }
}

#[test]
fn hostile_text_stays_inside_the_page() {
    let (_dir, path) = common::write_book(&hostile_book(), "x.xlsx");
    let plan = common::plan_of_file(&path);
    let engine = common::engine();
    let (source, extras) =
        kaoping::render::plan_doc_source(engine, &plan, kaoping::render::DocKind::Notice).unwrap();
    let layout = kaoping::render::inspect::Layout::of(
        &engine.layout("notice", source, plan.info.date, &extras).unwrap(),
    );
    // `#set page(width: 1cm)` did not change the page, and nothing runs off it.
    assert!(
        layout
            .page_sizes
            .iter()
            .all(|&(w, h)| (w - 595.28).abs() < 0.1 && (h - 841.89).abs() < 0.1)
    );
    for run in &layout.texts {
        assert!(
            run.x >= 0.0 && run.x + run.width <= 595.28 - 26.0 * 72.0 / 25.4 + 1.0,
            "overflow: {run:?}"
        );
    }
}

#[test]
fn two_builds_are_byte_identical() {
    let (_dir, path) = common::write_book(&reference_2021(), "sample.xlsx");
    let first = build_files(&path);
    let second = build_files(&path);
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a.path, b.path);
        assert!(a.bytes == b.bytes, "{} differs between builds", a.path.display());
    }
    // 28 reports, notice and schedule (PDF and OFD each), summary PDF and workbook.
    assert_eq!(first.len(), 34);
}

fn kaoping(args: &[&str], cwd: &Path) -> (i32, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kaoping"));
    command.args(args);
    if args[0] == "build" {
        command.arg("--no-system-fonts");
    }
    let out = command.current_dir(cwd).output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn tree(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    files.sort();
    files
}

#[test]
fn a_failing_build_leaves_earlier_outputs_untouched() {
    let root = tempfile::tempdir().unwrap();
    let input = root.path().join("输入 目录");
    std::fs::create_dir(&input).unwrap();
    let workbook = input.join("2021年度.xlsx");
    std::fs::write(&workbook, reference_2021().to_xlsx_bytes().unwrap()).unwrap();
    let (status, stderr) = kaoping(&["build", "输入 目录", "-o", "输出", "-q"], root.path());
    assert_eq!(status, 0, "{stderr}");
    let before = tree(&root.path().join("输出"));
    assert_eq!(before.len(), 35, "34 files and the manifest");

    let mut broken = reference_2021();
    broken.sheet_mut("评分").unwrap().set(0, "得分", Value::text("九十"));
    std::fs::write(&workbook, broken.to_xlsx_bytes().unwrap()).unwrap();
    let (status, stderr) = kaoping(&["build", "输入 目录", "-o", "输出"], root.path());
    assert_eq!(status, 1);
    assert!(stderr.contains("评分!") && stderr.contains("九十"), "{stderr}");
    assert_eq!(tree(&root.path().join("输出")), before, "earlier outputs changed");

    let (status, _) = kaoping(&["build", "输入 目录", "-o", "新目录"], root.path());
    assert_eq!(status, 1);
    assert!(!root.path().join("新目录").exists(), "a failed first build created files");
    // No staging folder is left behind either.
    let leftovers: Vec<_> = std::fs::read_dir(root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".kaoping"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn the_output_folder_may_not_be_inside_the_input() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("input")).unwrap();
    std::fs::write(root.path().join("input/a.xlsx"), reference_2021().to_xlsx_bytes().unwrap())
        .unwrap();
    let (status, stderr) = kaoping(&["build", "input", "-o", "input/out"], root.path());
    assert_eq!(status, 1);
    assert!(stderr.contains("输入目录"), "{stderr}");
    assert!(!root.path().join("input/out").exists());
}

/// Issue 11, item 1: `kaoping build /path/考评/2022.xlsx -o /path/考评/输出` was refused while
/// the relative spelling of the same command worked.
#[test]
fn output_beside_a_workbook_file_is_accepted_however_the_paths_are_spelled() {
    let root = tempfile::tempdir().unwrap();
    let folder = root.path().join("考评");
    std::fs::create_dir(&folder).unwrap();
    let workbook = folder.join("2022.xlsx");
    std::fs::write(&workbook, reference_2021().to_xlsx_bytes().unwrap()).unwrap();
    let absolute_out = folder.join("输出");
    let (status, stderr) = kaoping(
        &["build", workbook.to_str().unwrap(), "-o", absolute_out.to_str().unwrap(), "-q"],
        root.path(),
    );
    assert_eq!(status, 0, "absolute paths: {stderr}");
    assert!(absolute_out.join(".kaoping-manifest").exists());

    let (status, stderr) = kaoping(&["build", "2022.xlsx", "-o", "输出2", "-q"], &folder);
    assert_eq!(status, 0, "relative paths: {stderr}");
    let (status, stderr) =
        kaoping(&["build", "考评/2022.xlsx", "-o", "考评/输出3", "-q"], root.path());
    assert_eq!(status, 0, "relative paths from above: {stderr}");

    // A folder given as input is still guarded, in either spelling.
    let (status, stderr) = kaoping(
        &["build", folder.to_str().unwrap(), "-o", folder.join("out").to_str().unwrap()],
        root.path(),
    );
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("输入目录"), "{stderr}");
    let (status, stderr) = kaoping(&["build", ".", "-o", "out"], &folder);
    assert_eq!(status, 1, "{stderr}");
    assert!(!folder.join("out").exists());
}

#[test]
fn check_exit_statuses_follow_the_contract() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("ok.xlsx"), reference_2021().to_xlsx_bytes().unwrap()).unwrap();
    let (status, stderr) = kaoping(&["check", "ok.xlsx"], root.path());
    assert_eq!(status, 0, "{stderr}");
    assert!(stderr.contains("赵俊芬") && stderr.contains("回避"), "{stderr}");

    let mut bad = reference_2021();
    bad.remove_sheet("日程");
    std::fs::write(root.path().join("bad.xlsx"), bad.to_xlsx_bytes().unwrap()).unwrap();
    let (status, stderr) = kaoping(&["check", "bad.xlsx"], root.path());
    assert_eq!(status, 1);
    assert!(stderr.contains("bad.xlsx") && stderr.contains("日程"), "{stderr}");

    std::fs::write(root.path().join("text.xlsx"), "这不是工作簿\n").unwrap();
    let (status, stderr) = kaoping(&["check", "text.xlsx"], root.path());
    assert_eq!(status, 2);
    assert!(stderr.contains("text.xlsx") && stderr.contains("文本"), "{stderr}");
}

#[test]
fn help_is_chinese_and_lists_the_commands() {
    let out = Command::new(env!("CARGO_BIN_EXE_kaoping")).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(help.contains("用法") && help.contains("命令"), "{help}");
    for command in ["build", "check", "fonts"] {
        assert!(help.contains(command), "{command} missing from help");
    }
}

#[test]
fn command_line_mistakes_are_explained_in_chinese() {
    let root = tempfile::tempdir().unwrap();
    for (args, expected) in [
        (&["build", "--foo"][..], "错误：不认识的参数“--foo”"),
        (&["biuld"][..], "错误：没有“biuld”这个命令（是否想用 build？）"),
        (&["build", "-q", "-v"][..], "不能与"),
        (&["build", "-j", "x"][..], "错误：参数 --jobs <数量> 的值“x”无效"),
    ] {
        let (status, stderr) = kaoping(args, root.path());
        assert_eq!(status, 2, "{args:?}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("error:") && !stderr.contains("Usage"), "{args:?}: {stderr}");
    }
}

#[test]
fn fonts_lists_every_role() {
    let root = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .args(["fonts", "--no-system-fonts", "--fonts"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts"))
        .current_dir(root.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for role in [
        "小标宋：Noto Serif SC",
        "仿宋：FandolFang R",
        "黑体：Noto Sans SC",
        "楷体：FandolKai",
        "宋体：Noto Serif SC",
    ] {
        assert!(text.contains(role), "{role} missing:\n{text}");
    }
}

#[test]
fn control_characters_are_refused_naming_the_cell() {
    let mut book = reference_2021();
    book.sheet_mut("领导小组").unwrap().set(1, "职务", Value::text("副院长\u{7}"));
    let (_dir, path) = common::write_book(&book, "x.xlsx");
    let checked = kaoping::check::check(&read_inputs(&[path]).unwrap());
    let finding = checked.findings.iter().find(|f| f.message.contains("U+0007")).expect("refused");
    assert!(finding.is_error());
    assert_eq!(finding.location.sheet_and_cell(), "领导小组!C3");
}

#[test]
fn watch_rebuilds_when_the_workbook_is_saved_and_ignores_lock_files() {
    use std::io::{BufRead, BufReader};
    use std::time::{Duration, Instant};

    let root = tempfile::tempdir().unwrap();
    let input = root.path().join("input");
    std::fs::create_dir(&input).unwrap();
    let workbook = input.join("a.xlsx");
    std::fs::write(&workbook, reference_2021().to_xlsx_bytes().unwrap()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .args(["watch", "input", "-o", "out", "-q", "--no-system-fonts"])
        .current_dir(root.path())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    // Counts rebuild lines until `limit`, returning early once `stop_at` have been seen.
    let rebuilds = |limit: Duration, stop_at: usize| {
        let deadline = Instant::now() + limit;
        let mut count = 0;
        while count < stop_at {
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(line) => count += usize::from(line.contains("] 重新生成")),
                Err(_) => break,
            }
        }
        count
    };
    let built = |out: &Path| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !out.join(kaoping::write::MANIFEST).exists() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        out.join(kaoping::write::MANIFEST).exists()
    };
    assert_eq!(rebuilds(Duration::from_secs(60), 1), 1, "the first build");
    assert!(built(&root.path().join("out")));
    let manifest = root.path().join("out").join(kaoping::write::MANIFEST);
    let first = std::fs::metadata(&manifest).unwrap().modified().unwrap();

    // Excel's lock file appearing is not a change to rebuild for.
    std::fs::write(input.join("~$a.xlsx"), b"lock").unwrap();
    assert_eq!(rebuilds(Duration::from_secs(2), 1), 0, "lock file ignored");

    let mut edited = reference_2021();
    edited.set_fact("动员会地点", "行政楼三楼会议室");
    std::fs::write(&workbook, edited.to_xlsx_bytes().unwrap()).unwrap();
    assert_eq!(rebuilds(Duration::from_secs(60), 1), 1, "a rebuild after the save");
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::metadata(&manifest).unwrap().modified().unwrap() == first
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_ne!(
        std::fs::metadata(&manifest).unwrap().modified().unwrap(),
        first,
        "outputs rewritten"
    );
    assert_eq!(rebuilds(Duration::from_secs(1), 1), 0, "one rebuild for one save");
    child.kill().unwrap();
    let _ = child.wait();
}

/// Issue 11, items 3 and 4 on other institutions' workbooks, small and large: a cited
/// number typed with other brackets prints with 〔〕, and long runs wrap without any
/// character that was not typed, in the notice and the schedule alike.
#[test]
fn cited_numbers_and_long_runs_hold_for_other_institutions() {
    const URL: &str = "https://oa.example.edu.cn/notice/2022/plan.pdf?from=kaoping";
    for departments in [12, 300] {
        let mut book = kaoping::sample::synthetic(departments, 7);
        book.set_fact("依据文件", "《年度考核办法》（某校党发(2022)3号）");
        book.set_fact("动员会地点", URL);
        set_column(&mut book, "日程", 0, "地点", URL);
        let plan = common::plan_of(&book);
        assert_eq!(plan.info.basis.as_deref(), Some("《年度考核办法》（某校党发〔2022〕3号）"));
        for kind in [kaoping::render::DocKind::Notice, kaoping::render::DocKind::Schedule] {
            let pdf = kaoping::render::render_plan_doc(common::engine(), &plan, kind).unwrap();
            let Some(text) = common::pdftotext("-raw", &pdf.file.bytes) else {
                eprintln!("pdftotext not installed: PDF text not checked");
                return;
            };
            let joined: String = text.lines().collect();
            assert!(!text.contains('\u{200B}'), "{departments}: {kind:?} has U+200B");
            assert!(joined.contains(URL), "{departments}: {kind:?} lacks the URL as typed");
            if kind == kaoping::render::DocKind::Notice {
                // cjk-latin spacing puts a gap before 号, which pdftotext reads as a space.
                assert!(
                    normalise(&joined).contains("某校党发〔2022〕3号"),
                    "{departments}: {joined}"
                );
            }
        }
    }
}
