//! A flat view of laid-out pages — text runs and lines with absolute positions — so tests
//! can check the geometry GB/T 9704 demands and that cell text printed literally, without
//! parsing the PDF.

use typst::layout::{Abs, Frame, FrameItem, Point, Transform};
use typst::visualize::{Geometry, Paint};
use typst_layout::PagedDocument;

/// A run of text on a page. Positions are in points from the page's top-left corner; `y`
/// is the baseline.
#[derive(Debug, Clone)]
pub struct TextRun {
    pub page: usize,
    pub x: f64,
    pub y: f64,
    pub size: f64,
    pub width: f64,
    pub text: String,
    pub family: String,
    /// RGB, 0–255.
    pub fill: [u8; 3],
    /// Drawn with an outline: how 仿宋 is made bold (the fonts have no bold face).
    pub stroked: bool,
    /// Advance of each glyph in points (tracking included).
    pub advances: Vec<f64>,
}

/// A straight line on a page.
#[derive(Debug, Clone)]
pub struct Line {
    pub page: usize,
    pub x: f64,
    pub y: f64,
    pub dx: f64,
    pub dy: f64,
    pub thickness: f64,
    pub stroke: [u8; 3],
}

/// Everything drawn on the pages that the checks need.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub pages: usize,
    pub page_sizes: Vec<(f64, f64)>,
    pub texts: Vec<TextRun>,
    pub lines: Vec<Line>,
    /// Images as (page, x, y, width, height), top-left corner.
    pub images: Vec<(usize, f64, f64, f64, f64)>,
}

impl Layout {
    pub fn of(document: &PagedDocument) -> Self {
        let mut layout = Layout { pages: document.pages().len(), ..Layout::default() };
        for (index, page) in document.pages().iter().enumerate() {
            layout.page_sizes.push((page.frame.width().to_pt(), page.frame.height().to_pt()));
            collect(&page.frame, Transform::identity(), index, &mut layout);
        }
        layout
    }

    /// The text of one page, runs joined in drawing order.
    pub fn page_text(&self, page: usize) -> String {
        self.texts.iter().filter(|t| t.page == page).map(|t| t.text.as_str()).collect()
    }

    /// All text, pages joined.
    pub fn text(&self) -> String {
        (0..self.pages).map(|p| self.page_text(p)).collect::<Vec<_>>().join("\n")
    }
}

fn rgb(paint: &Paint) -> [u8; 3] {
    match paint {
        Paint::Solid(color) => {
            let [r, g, b, _] = color.to_vec4_u8();
            [r, g, b]
        }
        _ => [0, 0, 0],
    }
}

fn collect(frame: &Frame, ts: Transform, page: usize, out: &mut Layout) {
    for (pos, item) in frame.items() {
        let at = pos.transform(ts);
        match item {
            FrameItem::Group(group) => {
                let inner =
                    ts.pre_concat(Transform::translate(pos.x, pos.y)).pre_concat(group.transform);
                collect(&group.frame, inner, page, out);
            }
            FrameItem::Text(text) => {
                let size = text.size;
                let scale = ts.sx.get();
                out.texts.push(TextRun {
                    page,
                    x: at.x.to_pt(),
                    y: at.y.to_pt(),
                    size: size.to_pt(),
                    width: text.width().to_pt() * scale,
                    text: text.text.to_string(),
                    family: text.font.font().info().family.clone(),
                    fill: rgb(&text.fill),
                    stroked: text.stroke.is_some(),
                    advances: text
                        .glyphs
                        .iter()
                        .map(|g| g.x_advance.at(size).to_pt() * scale)
                        .collect(),
                });
            }
            FrameItem::Shape(shape, _) => {
                if let (Geometry::Line(to), Some(stroke)) = (&shape.geometry, &shape.stroke) {
                    let end = Point::new(pos.x + to.x, pos.y + to.y).transform(ts);
                    out.lines.push(Line {
                        page,
                        x: at.x.to_pt(),
                        y: at.y.to_pt(),
                        dx: (end.x - at.x).to_pt(),
                        dy: (end.y - at.y).to_pt(),
                        thickness: stroke.thickness.to_pt(),
                        stroke: rgb(&stroke.paint),
                    });
                }
            }
            FrameItem::Image(_, size, _) => {
                out.images.push((page, at.x.to_pt(), at.y.to_pt(), size.x.to_pt(), size.y.to_pt()));
            }
            _ => {}
        }
    }
}

/// Millimetres in points.
pub fn mm(value: f64) -> f64 {
    Abs::mm(value).to_pt()
}
