//! Documents beyond the notice's geometry: the template sandbox, glyph coverage, the
//! imprint, `--emit-typst` reproducing the PDFs, and every figure reaching the PDFs.

use crate::common;

use std::path::Path;
use std::process::Command;

use kaoping::build::{BuildError, BuildOptions, build, read_inputs};
use kaoping::render::engine::{Engine, EngineOptions};
use kaoping::render::inspect::{Layout, mm};
use kaoping::render::result_docs::{Head, render_report, render_summary};
use kaoping::render::{DocKind, plan_doc_source};
use kaoping::sample::{Value, reference_2021};
use kaoping::write::MemorySink;

fn engine_with_template(name: &str, text: &str) -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(name), text).unwrap();
    let options =
        EngineOptions { templates: Some(dir.path().to_path_buf()), ..EngineOptions::bundled() };
    let engine = Engine::new(&options).unwrap();
    (dir, engine)
}

#[test]
fn templates_cannot_read_outside_their_folder() {
    let plan = common::plan_of(&reference_2021());
    for (attempt, expected) in [
        ("#read(\"/etc/passwd\")", "模板只能读取 templates/ 中的文件"),
        ("#read(\"../Cargo.toml\")", "escape the project root"),
        ("#import \"@preview/cetz:0.3.0\"", "不使用 typst 包"),
    ] {
        let (_dir, engine) = engine_with_template("schedule.typ.j2", attempt);
        let error =
            kaoping::render::render_plan_doc(&engine, &plan, DocKind::Schedule).unwrap_err();
        let message = error.to_string();
        assert!(message.contains(expected), "{attempt}: {message}");
        // The message points at the generated source line, as --emit-typst names it.
        assert!(message.contains("工作安排表.typ:1:"), "{message}");
    }
}

#[test]
fn template_errors_name_the_template_and_line() {
    let (_dir, engine) = engine_with_template("schedule.typ.j2", "第一行\n{{ c.no_such_field }}\n");
    let plan = common::plan_of(&reference_2021());
    let message = kaoping::render::render_plan_doc(&engine, &plan, DocKind::Schedule)
        .unwrap_err()
        .to_string();
    assert!(message.contains("schedule.typ.j2") && message.contains("第 2 行"), "{message}");
}

#[test]
fn a_character_no_font_has_is_an_error_naming_the_cell() {
    let mut book = reference_2021();
    book.sheet_mut("领导小组").unwrap().set(2, "职务", Value::text("副院长\u{E000}"));
    let (_dir, path) = common::write_book(&book, "x.xlsx");
    let books = read_inputs(&[path]).unwrap();
    let error =
        build(&books, common::engine(), &BuildOptions::default(), &MemorySink::new(), &|_| {})
            .unwrap_err();
    let BuildError::Input { findings, .. } = error else { panic!("{error}") };
    let finding = findings.iter().find(|f| f.message.contains("U+E000")).expect("glyph finding");
    assert_eq!(finding.to_string().split('：').next().unwrap(), "领导小组!C4");
    assert!(finding.is_error());
}

#[test]
fn imprint_sits_on_the_bottom_edge_without_a_page_number() {
    let mut book = reference_2021();
    book.set_fact("抄送", "地区教育局，学院纪委");
    book.set_fact("印发机关", "阿克苏职业技术学院办公室");
    book.set_fact("印发日期", Value::Date(chrono::NaiveDate::from_ymd_opt(2021, 11, 8).unwrap()));
    let plan = common::plan_of(&book);
    let engine = common::engine();
    let (source, extras) = plan_doc_source(engine, &plan, DocKind::Notice).unwrap();
    let layout = Layout::of(&engine.layout("n", source, plan.info.date, &extras).unwrap());
    let last = layout.pages - 1;
    // The imprint's rules: black, as wide as the type area, in the page's lowest part.
    let rules: Vec<_> = layout
        .lines
        .iter()
        .filter(|l| l.page == last && l.stroke == [0, 0, 0] && l.y > mm(37.0 + 225.0) - 120.0)
        .filter(|l| (l.dx - mm(156.0)).abs() < 0.1)
        .collect();
    assert_eq!(rules.len(), 3, "first, middle and last rule");
    let bottom = rules.iter().map(|l| l.y).fold(f64::MIN, f64::max);
    let type_bottom = mm(37.0 + 225.0);
    assert!(
        (bottom - type_bottom).abs() < 1.0,
        "last rule at {bottom}, type area ends {type_bottom}"
    );
    assert!(rules.iter().all(|l| (l.dx - mm(156.0)).abs() < 0.1), "rules as wide as the type area");
    let text = layout.page_text(last);
    assert!(text.contains("抄送：") && text.contains("2021年11月8日印发"), "{text}");
    assert!(
        !layout.texts.iter().any(|t| t.page == last && t.text.starts_with('—')),
        "no page number"
    );
}

#[test]
fn reports_and_summary_carry_every_departments_figures() {
    let (_dir, path) = common::write_book(&reference_2021(), "sample.xlsx");
    let plan = common::plan_of_file(&path);
    let results = kaoping::score::score(&plan);
    let books = read_inputs(&[path]).unwrap();
    let sink = MemorySink::new();
    build(&books, common::engine(), &BuildOptions::default(), &sink, &|_| {}).unwrap();
    let files = sink.into_files();
    let reports: Vec<_> = files.iter().filter(|f| f.path.starts_with("考评报告")).collect();
    assert_eq!(reports.len(), plan.departments.len());
    let summary =
        files.iter().find(|f| f.path.to_string_lossy().ends_with("结果汇总表.pdf")).unwrap();
    let Some(summary_text) = common::pdftotext("-layout", &summary.bytes) else {
        eprintln!("pdftotext not installed: PDF text not checked (CI installs poppler-utils)");
        return;
    };
    assert!(summary_text.contains("签字"));
    for dept in plan.dept_ids() {
        let name = &plan.department(dept).name;
        let total = kaoping::render::result_docs::two_decimals(results.department(dept).total);
        // A long name may wrap inside its cell, so look at the lines around its start.
        let start: String = name.chars().take(5).collect();
        let lines: Vec<&str> = summary_text.lines().collect();
        let at = lines.iter().position(|l| l.contains(&start)).unwrap_or_else(|| panic!("{name}"));
        let around = lines[at.saturating_sub(1)..(at + 2).min(lines.len())].join("\n");
        assert!(around.contains(&total), "summary row of {name} lacks {total}: {around}");
        let report =
            reports.iter().find(|r| r.path.to_string_lossy().contains(name.as_str())).unwrap();
        let text = common::pdftotext("-layout", &report.bytes).unwrap();
        assert!(text.contains(&total) && text.contains("签字"), "report of {name}");
        let rank = format!("{}/{}", results.department(dept).rank, results.department(dept).of);
        assert!(text.contains(&rank), "report of {name} lacks rank {rank}");
    }
}

#[test]
fn every_report_fits_one_sheet_with_its_page_number() {
    // The group leader signs the sheet that carries the figures; two institutions, so the
    // sample's short names and few indicators are not what makes it fit.
    let engine = common::engine();
    for book in [reference_2021(), kaoping::sample::synthetic(40, 7)] {
        let plan = common::plan_of(&book);
        let results = kaoping::score::score(&plan);
        let head = Head::new(&plan);
        for dept in plan.dept_ids() {
            let rendered = render_report(engine, &plan, &head, &results, dept).unwrap();
            let doc = engine.layout("r", rendered.source.text, plan.info.date, &[]).unwrap();
            let layout = Layout::of(&doc);
            let name = &plan.department(dept).name;
            assert_eq!(layout.pages, 1, "report of {name}");
            assert!(layout.texts.iter().any(|t| t.text == "— 1 —"), "page number of {name}");
        }
    }
}

#[test]
fn form_page_numbers_sit_7mm_below_the_type_area_alternating_sides() {
    // Forms have their own margins, and the numbers must follow them to where GB/T 9704
    // puts them: 7 mm below the type area (28 mm bottom margin), odd pages right and even
    // pages left, one 字 in.
    let engine = common::engine();
    let plan = common::plan_of(&kaoping::sample::synthetic(60, 3));
    let results = kaoping::score::score(&plan);
    let summary = render_summary(engine, &plan, &Head::new(&plan), &results).unwrap();
    let layout = Layout::of(&engine.layout("s", summary.source.text, plan.info.date, &[]).unwrap());
    assert!(layout.pages >= 2, "odd and even pages");
    let numbers: Vec<_> = layout.texts.iter().filter(|t| t.text.starts_with("— ")).collect();
    assert_eq!(numbers.len(), layout.pages, "one number per page");
    let (left, type_width, zi) = (mm(28.0), mm(156.0), mm(156.0) / 28.0);
    for n in numbers {
        let page = n.page + 1;
        assert_eq!(n.text, format!("— {page} —"));
        assert_eq!(n.family, "Noto Serif SC", "宋体 role");
        let top = n.y - 0.88 * n.size;
        assert!((top - mm(297.0 - 28.0 + 7.0)).abs() < 0.6, "page {page}: top at {top}");
        let (actual, expected) =
            if page % 2 == 1 { (n.x + n.width, left + type_width - zi) } else { (n.x, left + zi) };
        assert!((actual - expected).abs() < 0.6, "page {page}: {actual} vs {expected}");
    }
}

#[test]
fn emitted_typst_reproduces_the_pdfs() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("in")).unwrap();
    std::fs::write(root.path().join("in/a.xlsx"), reference_2021().to_xlsx_bytes().unwrap())
        .unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_kaoping"))
        .args(["build", "in", "-o", "out", "--emit-typst", "typ", "--no-system-fonts", "-q"])
        .arg("--fonts")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts"))
        .current_dir(root.path())
        .status()
        .unwrap();
    assert!(status.success());
    let typ = root.path().join("typ");
    assert!(typ.join("lib/gongwen.typ").is_file() && typ.join("lib/fonts.typ").is_file());
    let plan = common::plan_of_file(&root.path().join("in/a.xlsx"));
    for (stem, pdf) in [
        (
            "阿克苏职业技术学院2021年度绩效考评工作实施方案",
            "阿克苏职业技术学院2021年度绩效考评工作实施方案.pdf",
        ),
        ("考评报告/01-医学院", "考评报告/01-医学院.pdf"),
    ] {
        let source = std::fs::read_to_string(typ.join(format!("{stem}.typ"))).unwrap();
        let compiled = common::engine().compile(stem, source, plan.info.date, &[]).unwrap();
        let built = std::fs::read(root.path().join("out").join(pdf)).unwrap();
        assert!(compiled.pdf == built, "{stem}: emitted source gives a different PDF");
    }
}

const SEAL: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="420" height="420" viewBox="0 0 420 420">
<circle cx="210" cy="210" r="195" fill="none" stroke="#ff0000" stroke-width="14"/>
<polygon points="210,120 232,185 300,185 245,225 265,292 210,252 155,292 175,225 120,185 188,185" fill="#ff0000"/>
</svg>"##;

#[test]
fn a_seal_presses_the_signature_and_date() {
    let mut book = reference_2021();
    book.set_fact("印章图片", "印章.svg");
    let (dir, path) = common::write_book(&book, "x.xlsx");
    std::fs::write(dir.path().join("印章.svg"), SEAL).unwrap();
    let plan = common::plan_of_file(&path);
    let engine = common::engine();
    let (source, extras) = plan_doc_source(engine, &plan, DocKind::Notice).unwrap();
    let layout = Layout::of(&engine.layout("n", source, plan.info.date, &extras).unwrap());
    let date = layout.texts.iter().find(|t| t.text == "2021年11月8日").expect("成文日期");
    let signer = layout.texts.iter().find(|t| t.text == "阿克苏职业技术学院办公室").unwrap();
    let &(page, x, y, w, h) = layout.images.first().expect("the seal");
    assert_eq!(page, date.page);
    let covers = |tx: f64, ty: f64| tx >= x && tx <= x + w && ty >= y && ty <= y + h;
    assert!(covers(date.x + date.width / 2.0, date.y), "seal over the date");
    assert!(covers(signer.x + signer.width / 2.0, signer.y), "seal over the name");
    // With a seal the date sits four 字 in from the right, the name centred over it.
    let right = mm(28.0 + 156.0);
    assert!((right - (date.x + date.width) - 4.0 * mm(156.0) / 28.0).abs() < 0.6);
    assert!(((signer.x + signer.width / 2.0) - (date.x + date.width / 2.0)).abs() < 0.6);
}
