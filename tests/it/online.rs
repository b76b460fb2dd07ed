//! 网上评分 end to end without HTTP: scores saved online give the same reports as the same
//! scores typed into the 评分 sheet, and the slips' QR codes decode to the links.

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use kaoping::build::{BuildOptions, build, read_inputs};
use kaoping::online::slips::{SLIPS_FILE, render_slips, slips_doc};
use kaoping::online::{EvaluatorId, Field, SaveRequest, Scoring, default_dir};
use kaoping::render::OutputFile;
use kaoping::sample::{Book, Value, reference_2021};
use kaoping::write::MemorySink;

fn write(dir: &Path, name: &str, book: &Book) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, book.to_xlsx_bytes().unwrap()).unwrap();
    path
}

fn pdfs(inputs: &[PathBuf]) -> Vec<OutputFile> {
    let books = read_inputs(inputs).unwrap();
    let sink = MemorySink::new();
    build(&books, common::engine(), &BuildOptions::default(), &sink, &|_| {}).unwrap();
    sink.into_files()
        .into_iter()
        .filter(|f| f.path.extension().is_some_and(|e| e == "pdf"))
        .collect()
}

fn text(value: &Value) -> String {
    match value {
        Value::Text(t) => t.clone(),
        // f64's Display is the shortest exact form: 9.5, 10.
        Value::Number(n) => n.to_string(),
        Value::Empty => String::new(),
        other => panic!("unexpected cell in 评分: {other:?}"),
    }
}

/// One evaluator's rows of the sample's 评分 sheet become online saves.
fn save_sample_scores(scoring: &Scoring, plan: &kaoping::model::Plan, book: &Book) -> usize {
    let sheet = book.sheet("评分").unwrap();
    let mut saved = 0;
    for row in 0..sheet.rows.len() {
        let cell = |h: &str| sheet.get(row, h).map(text).unwrap_or_default();
        let (dept, code, who) = (cell("部门"), cell("指标编号"), cell("考评人"));
        let group = plan
            .groups
            .iter()
            .find(|g| {
                let category = plan.category(g.target);
                plan.departments
                    .iter()
                    .any(|d| d.name == dept && plan.category(d.category).name == category.name)
            })
            .unwrap();
        let id = EvaluatorId::new(&group.name, &who);
        for field in [Field::Score(cell("得分")), Field::Note(cell("备注"))] {
            let request = SaveRequest { department: dept.clone(), indicator: code.clone(), field };
            scoring.save(&id, &request, "127.0.0.1").unwrap();
        }
        saved += 1;
    }
    saved
}

#[test]
fn scores_saved_online_build_the_same_documents_as_typed_ones() {
    let typed_dir = tempfile::tempdir().unwrap();
    let full = reference_2021();
    let typed = write(typed_dir.path(), "考评.xlsx", &full);

    let online_dir = tempfile::tempdir().unwrap();
    let mut empty = full.clone();
    empty.sheet_mut("评分").unwrap().rows.clear();
    let main = write(online_dir.path(), "考评.xlsx", &empty);
    let scores = default_dir(&main);
    let scoring = Scoring::open(&scores).unwrap();
    let plan = common::plan_of_file(&main);
    scoring.refresh(&plan).unwrap();
    assert!(save_sample_scores(&scoring, &plan, &full) > 0);

    let expected = pdfs(&[typed]);
    let got = pdfs(&[main, scores.clone()]);
    let names = |files: &[OutputFile]| files.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
    assert_eq!(names(&got), names(&expected));
    assert!(expected.iter().any(|f| f.path.starts_with("考评报告")));
    for (a, b) in got.iter().zip(&expected) {
        assert!(a.bytes == b.bytes, "{} differs", a.path.display());
    }
    // The folder holds the log and the link store besides the workbooks; the reader skips them.
    assert!(scores.join(kaoping::online::LOG_FILE).is_file());
    assert!(scores.join(kaoping::online::LINKS_FILE).is_file());
}

/// Where the page's images are, in points: the QR codes.
fn image_rects(
    frame: &typst::layout::Frame,
    at: typst::layout::Point,
    rects: &mut Vec<(f64, f64, f64, f64)>,
) {
    use typst::layout::FrameItem;
    for (pos, item) in frame.items() {
        let here = at + *pos;
        match item {
            FrameItem::Group(group) => {
                let shift = typst::layout::Point::new(group.transform.tx, group.transform.ty);
                image_rects(&group.frame, here + shift, rects);
            }
            FrameItem::Image(_, size, _) => {
                rects.push((here.x.to_pt(), here.y.to_pt(), size.x.to_pt(), size.y.to_pt()));
            }
            _ => {}
        }
    }
}

/// The QR codes on a rendered page, each cut out of the page where typst placed an image
/// and decoded on its own (a decoder given six codes at once pairs up finder patterns of
/// neighbouring codes).
fn decode_page(page: &typst_layout::Page) -> Vec<String> {
    const SCALE: f64 = 3.0;
    let options = typst_render::RenderOptions {
        pixel_per_pt: typst::utils::Scalar::new(SCALE),
        render_bleed: false,
    };
    let pixmap = typst_render::render(page, &options);
    let (w, h) = (pixmap.width() as usize, pixmap.height() as usize);
    let rgba = pixmap.data();
    // Premultiplied over white.
    let grey = |x: usize, y: usize| {
        let p = &rgba[(y * w + x) * 4..];
        let alpha = u16::from(p[3]);
        let grey = (u16::from(p[0]) + u16::from(p[1]) + u16::from(p[2])) / 3;
        (grey + (255 - alpha)).min(255) as u8
    };
    let mut rects = Vec::new();
    image_rects(&page.frame, typst::layout::Point::zero(), &mut rects);
    rects
        .into_iter()
        .map(|(x, y, width, height)| {
            let (x0, y0) = ((x * SCALE) as usize, (y * SCALE) as usize);
            let (cw, ch) =
                (((width * SCALE) as usize).min(w - x0), ((height * SCALE) as usize).min(h - y0));
            let mut image = rqrr::PreparedImage::prepare_from_greyscale(cw, ch, |cx, cy| {
                grey(x0 + cx, y0 + cy)
            });
            let grids = image.detect_grids();
            assert_eq!(grids.len(), 1, "one QR code per image");
            grids[0].decode().expect("a readable QR code").1
        })
        .collect()
}

#[test]
fn the_slips_carry_every_link_as_a_qr_code_that_decodes() {
    let dir = tempfile::tempdir().unwrap();
    let mut book = reference_2021();
    book.sheet_mut("评分").unwrap().rows.clear();
    let main = write(dir.path(), "考评.xlsx", &book);
    let scoring = Scoring::open(&default_dir(&main)).unwrap();
    let plan = common::plan_of_file(&main);
    scoring.refresh(&plan).unwrap();
    let slips = scoring.slips("http://192.168.1.20:8000").unwrap();
    assert!(slips.len() > 6, "more than one sheet");

    let engine = common::engine();
    let doc = slips_doc(engine, &plan, &slips).unwrap();
    let layout = engine.layout(&doc.name(), doc.source.clone(), doc.date, &doc.extras).unwrap();
    let mut decoded = BTreeSet::new();
    for page in layout.pages() {
        decoded.extend(decode_page(page));
    }
    let links: BTreeSet<String> = slips.iter().map(|s| s.link.clone()).collect();
    assert_eq!(decoded, links);
    assert!(layout.pages().len() >= slips.len().div_ceil(8), "several slips a sheet");
    assert!(layout.pages().len() <= slips.len().div_ceil(4), "several slips a sheet");

    let pdf = render_slips(engine, &plan, &slips).unwrap();
    assert_eq!(pdf.file.path, Path::new(SLIPS_FILE));
    if let Some(text) = common::pdftotext("-raw", &pdf.file.bytes) {
        for slip in &slips {
            assert!(text.contains(&slip.id.group), "{}", slip.id.group);
            let secret = slip.link.rsplit('/').next().unwrap();
            assert!(text.replace(['\n', ' '], "").contains(secret), "link of {}", slip.id.name);
        }
    }
}
