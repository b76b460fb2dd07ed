//! The OFD files, read back with an independent OFD library (`ofd-core`, which kaoping does
//! not use): each package validates, every page it draws matches typst's own rendering of
//! the same page, its text is the PDF's text, every font is embedded and draws the glyphs
//! it is asked for, and no glyph is drawn as a path.

use std::io::Cursor;
use std::path::Path;

use kaoping::build::{BuildOptions, build, read_inputs};
use kaoping::model::Plan;
use kaoping::render::OutputFile;
use kaoping::render::result_docs::{Head, report_doc, summary_doc};
use kaoping::render::{DocKind, PdfDoc, plan_doc};
use kaoping::sample::{Book, reference_2021, synthetic};
use kaoping::write::MemorySink;
use ofd_core::render::RenderOptions;
use ofd_core::{OfdPackage, OfdReader, PageBlock, parent_dir, resolve_path};
use typst::layout::{Frame, FrameItem};
use typst::model::Document as _;
use typst_layout::PagedDocument;

use crate::common;

/// Resolution of the page comparison: 1 px = 0.25 mm, fine enough that a glyph one
/// stroke off its place shows.
const DPI: f64 = 100.0;
/// A pixel of ink in one rendering matches when the other has a pixel of nearly the same
/// colour (every channel within [`COLOR_TOLERANCE`]) at most this many pixels away:
/// the two renderers anti-alias glyph edges differently.
const RADIUS: i64 = 1;
const COLOR_TOLERANCE: i32 = 96;
/// At most this share of a page's pixels may have no match.
const MAX_UNMATCHED: f64 = 0.002;

const SEAL: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" width="420" height="420" viewBox="0 0 420 420">
<circle cx="210" cy="210" r="195" fill="none" stroke="#e60012" stroke-width="14"/>
<polygon points="210,120 232,185 300,185 245,225 265,292 210,252 155,292 175,225 120,185 188,185" fill="#e60012"/>
</svg>"##;

/// Builds a workbook (with the seal beside it, if given) and returns the plan and files,
/// and the folder, which the plan's seal path points into.
fn build_book(
    book: &Book,
    seal: Option<&str>,
    ofd_all: bool,
) -> (Plan, Vec<OutputFile>, tempfile::TempDir) {
    let (dir, path) = common::write_book(book, "book.xlsx");
    if let Some(seal) = seal {
        std::fs::write(dir.path().join("印章.svg"), seal).unwrap();
    }
    let plan = common::plan_of_file(&path);
    let books = read_inputs(&[path]).unwrap();
    let sink = MemorySink::new();
    let options = BuildOptions { ofd: ofd_all, threads: 2, ..BuildOptions::default() };
    build(&books, common::engine(), &options, &sink, &|_| {}).unwrap();
    (plan, sink.into_files(), dir)
}

fn file<'a>(files: &'a [OutputFile], path: &Path) -> &'a OutputFile {
    files.iter().find(|f| f.path == path).unwrap_or_else(|| panic!("{} not built", path.display()))
}

fn layout(doc: &PdfDoc) -> PagedDocument {
    common::engine().layout(&doc.name(), doc.source.clone(), doc.date, &doc.extras).unwrap()
}

/// What the typst pages hold, to compare object counts with.
#[derive(Debug, Default, PartialEq)]
struct Drawn {
    texts: usize,
    shapes: usize,
    images: usize,
}

fn drawn(frame: &Frame, into: &mut Drawn) {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => drawn(&group.frame, into),
            FrameItem::Text(text) if text.text.chars().any(|c| !c.is_whitespace()) => {
                into.texts += 1
            }
            FrameItem::Shape(shape, _) => {
                let stroked = shape.stroke.as_ref().is_some_and(|s| s.thickness.to_pt() > 0.0);
                if shape.fill.is_some() || stroked {
                    into.shapes += 1;
                }
            }
            FrameItem::Image(..) => into.images += 1,
            _ => {}
        }
    }
}

fn blocks<'a>(objects: &'a [PageBlock], out: &mut Vec<&'a PageBlock>) {
    for object in objects {
        match object {
            PageBlock::Block(group) => blocks(&group.objects, out),
            other => out.push(other),
        }
    }
}

/// Share of pixels in `a` with ink that `b` has no match for (see [`RADIUS`]).
fn unmatched(a: &[u8], b: &[u8], width: usize, height: usize) -> usize {
    let pixel = |data: &[u8], x: usize, y: usize| {
        let i = (y * width + x) * 4;
        [data[i] as i32, data[i + 1] as i32, data[i + 2] as i32]
    };
    let mut count = 0;
    for y in 0..height {
        for x in 0..width {
            let p = pixel(a, x, y);
            if p.iter().all(|&c| c > 200) {
                continue;
            }
            let found = (-RADIUS..=RADIUS).any(|dy| {
                (-RADIUS..=RADIUS).any(|dx| {
                    let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                    if nx < 0 || ny < 0 || nx >= width as i64 || ny >= height as i64 {
                        return false;
                    }
                    let q = pixel(b, nx as usize, ny as usize);
                    (0..3).all(|k| (p[k] - q[k]).abs() <= COLOR_TOLERANCE)
                })
            });
            if !found {
                count += 1;
            }
        }
    }
    count
}

/// Every check of one OFD against its PDF and typst's layout of the same document.
fn check_ofd(name: &str, ofd: &[u8], pdf: &[u8], typst: &PagedDocument) {
    let mut reader = OfdReader::new(OfdPackage::new(Cursor::new(ofd.to_vec())).unwrap()).unwrap();
    let report = ofd_core::check_reader(&mut reader);
    assert!(report.conforms(), "{name}: {:?}", report.problems);

    let body = reader.ofd().doc_bodies[0].clone();
    let info = &body.doc_info;
    assert_eq!(info.title.as_deref(), typst.info().title.as_deref(), "{name}: title");
    assert_eq!(
        info.author.as_deref(),
        typst.info().author.first().map(|a| a.as_str()),
        "{name}: author"
    );
    let doc = reader.load_document(&body).unwrap();
    assert_eq!(doc.pages().len(), typst.pages().len(), "{name}: pages");

    // Every font embedded, in a file that parses, with a cmap and every glyph asked for.
    let mut fonts = std::collections::HashMap::new();
    let res_locs: Vec<_> = doc.public_res().iter().chain(doc.document_res()).cloned().collect();
    for loc in &res_locs {
        let res_path = resolve_path(&doc.base, loc);
        let res = reader.load_resource(&doc, loc).unwrap();
        let data_base = resolve_path(parent_dir(&res_path), &res.base_loc);
        for font in res.fonts() {
            let file = font
                .font_file
                .as_ref()
                .unwrap_or_else(|| panic!("{name}: font {} not embedded", font.font_name));
            let bytes = reader.package_mut().read(&resolve_path(&data_base, file)).unwrap();
            let tables = kaoping::render::ofd::font_tables(&bytes).expect("an OpenType font");
            let table = |tag: &[u8; 4]| tables.iter().find(|(t, _)| t == tag).map(|(_, d)| *d);
            assert!(table(b"cmap").is_some(), "{name}: {} has a cmap", font.font_name);
            assert!(table(b"glyf").or(table(b"CFF ")).is_some(), "{name}: outlines");
            let maxp = table(b"maxp").expect("maxp");
            let glyphs = u16::from_be_bytes([maxp[4], maxp[5]]);
            fonts.insert(font.id.value(), glyphs);
        }
    }
    assert!(!fonts.is_empty(), "{name}: fonts");

    let pdf_pages: Vec<String> = common::pdftotext("-raw", pdf)
        .map(|text| text.split('\u{c}').map(str::to_string).collect())
        .unwrap_or_default();
    for (index, page) in typst.pages().iter().enumerate() {
        let content = reader.load_page(&doc, &doc.pages()[index]).unwrap();
        let mut objects = Vec::new();
        for layer in &content.content.as_ref().unwrap().layers {
            blocks(&layer.objects, &mut objects);
        }
        let mut counted = Drawn::default();
        let mut text = String::new();
        for object in &objects {
            match object {
                PageBlock::Text(t) => {
                    counted.texts += 1;
                    let glyphs = fonts[&t.font.value()];
                    for transform in &t.cg_transforms {
                        let ids = transform.glyphs.as_ref().unwrap();
                        assert!(
                            ids.as_slice().iter().all(|&g| g < u32::from(glyphs)),
                            "{name}: glyph ids"
                        );
                    }
                    text.extend(t.text_codes.iter().filter_map(|c| c.text.as_deref()));
                }
                PageBlock::Path(_) => counted.shapes += 1,
                PageBlock::Image(_) => counted.images += 1,
                _ => {}
            }
        }
        // One text object per typst text run and one path per shape: no glyph is a path.
        let mut expected = Drawn::default();
        drawn(&page.frame, &mut expected);
        assert_eq!(counted, expected, "{name} page {}: objects", index + 1);

        // The text as the PDF's, character for character (pdftotext orders lines its own
        // way, so as a multiset; typst's own order as a sequence).
        let squeeze = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let sorted = |s: String| {
            let mut chars: Vec<char> = s.chars().collect();
            chars.sort_unstable();
            chars
        };
        if let Some(pdf_text) = pdf_pages.get(index) {
            assert_eq!(
                sorted(squeeze(&text)),
                sorted(squeeze(pdf_text)),
                "{name} page {}: text differs from the PDF's",
                index + 1
            );
        }
        let typst_text: String = typst_texts(&page.frame);
        assert_eq!(squeeze(&text), squeeze(&typst_text), "{name} page {}: text order", index + 1);

        // The page drawn by ofd-core against typst-render.
        let ours = reader.render_page(&doc, index, &RenderOptions::with_dpi(DPI)).unwrap();
        let options = typst_render::RenderOptions {
            pixel_per_pt: typst::utils::Scalar::new(DPI / 72.0),
            render_bleed: false,
        };
        let theirs = typst_render::render(page, &options);
        let (w, h) = (
            ours.width().min(theirs.width()) as usize,
            ours.height().min(theirs.height()) as usize,
        );
        assert!(
            ours.width().abs_diff(theirs.width()) <= 1
                && ours.height().abs_diff(theirs.height()) <= 1
        );
        let crop = |data: &[u8], stride: u32| -> Vec<u8> {
            (0..h).flat_map(|y| data[y * stride as usize * 4..][..w * 4].to_vec()).collect()
        };
        let (a, b) = (crop(ours.data(), ours.width()), crop(theirs.data(), theirs.width()));
        let bad = unmatched(&a, &b, w, h) + unmatched(&b, &a, w, h);
        let share = bad as f64 / (w * h) as f64;
        if std::env::var_os("KAOPING_OFD_PNG").is_some() {
            let dir = std::env::temp_dir();
            let _ = ours.save_png(dir.join(format!("ofd-{name}-{}.png", index + 1)));
            let _ = theirs.save_png(dir.join(format!("typst-{name}-{}.png", index + 1)));
            eprintln!("{name} page {}: {bad} unmatched pixels ({:.4}%)", index + 1, share * 100.0);
        }
        assert!(
            share <= MAX_UNMATCHED,
            "{name} page {}: {bad} pixels differ ({share:.4})",
            index + 1
        );
    }
}

fn typst_texts(frame: &Frame) -> String {
    let mut out = String::new();
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => out.push_str(&typst_texts(&group.frame)),
            FrameItem::Text(text) => out.push_str(&text.text),
            _ => {}
        }
    }
    out
}

/// The notice and the schedule table of `plan`, each checked.
fn check_plan_documents(what: &str, plan: &Plan, files: &[OutputFile]) {
    for kind in [DocKind::Notice, DocKind::Schedule] {
        let doc = plan_doc(common::engine(), plan, kind).unwrap();
        let ofd = file(files, &doc.stem.with_extension("ofd"));
        let pdf = file(files, &doc.stem.with_extension("pdf"));
        assert!(
            ofd.bytes.len() as f64 <= 1.5 * pdf.bytes.len() as f64,
            "{what}: {} is {} bytes, its PDF {}",
            ofd.path.display(),
            ofd.bytes.len(),
            pdf.bytes.len()
        );
        check_ofd(&format!("{what}-{kind:?}"), &ofd.bytes, &pdf.bytes, &layout(&doc));
    }
}

#[test]
fn the_sample_notice_and_schedule_read_back_as_typst_drew_them() {
    let (plan, files, _dir) = build_book(&reference_2021(), None, false);
    check_plan_documents("sample", &plan, &files);
    // Only the notice and the schedule table without `--ofd`.
    let ofds = files.iter().filter(|f| f.path.extension().is_some_and(|e| e == "ofd")).count();
    assert_eq!(ofds, 2);
    // The same input gives the same bytes.
    let (_, again, _dir) = build_book(&reference_2021(), None, false);
    for f in files.iter().filter(|f| f.path.extension().is_some_and(|e| e == "ofd")) {
        assert!(file(&again, &f.path).bytes == f.bytes, "{} not deterministic", f.path.display());
    }
}

#[test]
fn another_institutions_notice_with_a_seal_reads_back_with_the_seal_beneath_the_text() {
    let mut book = synthetic(12, 7);
    book.set_fact("印章图片", "印章.svg");
    let (plan, files, _dir) = build_book(&book, Some(SEAL), false);
    check_plan_documents("seal", &plan, &files);

    // The seal is an image object drawn before the signature and date (黑字透红).
    let doc = plan_doc(common::engine(), &plan, DocKind::Notice).unwrap();
    let ofd = file(&files, &doc.stem.with_extension("ofd"));
    let mut reader =
        OfdReader::new(OfdPackage::new(Cursor::new(ofd.bytes.clone())).unwrap()).unwrap();
    let body = reader.ofd().doc_bodies[0].clone();
    let loaded = reader.load_document(&body).unwrap();
    let date = kaoping::model::full_date(plan.info.date);
    let found = (0..loaded.pages().len()).find_map(|i| {
        let page = reader.load_page(&loaded, &loaded.pages()[i]).unwrap();
        let mut objects = Vec::new();
        for layer in &page.content.as_ref().unwrap().layers {
            blocks(&layer.objects, &mut objects);
        }
        let seal = objects.iter().position(|o| matches!(o, PageBlock::Image(_)))?;
        let text_of = |o: &&PageBlock| match o {
            PageBlock::Text(t) => t.text_codes.iter().filter_map(|c| c.text.clone()).collect(),
            _ => String::new(),
        };
        let date_at = objects.iter().position(|o| text_of(o) == date)?;
        Some((seal, date_at))
    });
    let (seal, date_at) = found.expect("a page with the seal and the date");
    assert!(seal < date_at, "the seal is drawn beneath the date");
}

#[test]
fn a_notice_using_every_heading_level_reads_back_as_typst_drew_it() {
    let mut book = reference_2021();
    book.set_body(crate::body::ALL_LEVELS);
    let (plan, files, _dir) = build_book(&book, None, false);
    check_plan_documents("levels", &plan, &files);
}

#[test]
fn build_ofd_writes_every_document_as_ofd() {
    let (plan, files, _dir) = build_book(&synthetic(3, 11), None, true);
    let pdfs: Vec<_> =
        files.iter().filter(|f| f.path.extension().is_some_and(|e| e == "pdf")).collect();
    for pdf in &pdfs {
        assert!(
            files.iter().any(|f| f.path == pdf.path.with_extension("ofd")),
            "{}",
            pdf.path.display()
        );
    }
    // A report and the summary, read back like the notice.
    let engine = common::engine();
    let results = kaoping::score::score(&plan);
    let head = Head::new(&plan);
    let dept = plan.dept_ids().next().unwrap();
    for doc in [
        report_doc(engine, &plan, &head, &results, dept).unwrap(),
        summary_doc(engine, &plan, &head, &results).unwrap(),
    ] {
        let ofd = file(&files, &doc.stem.with_extension("ofd"));
        let pdf = file(&files, &doc.stem.with_extension("pdf"));
        check_ofd(&doc.name().replace('/', "-"), &ofd.bytes, &pdf.bytes, &layout(&doc));
    }
}
