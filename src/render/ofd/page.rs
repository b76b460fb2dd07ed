//! One page's content: typst's frame items as OFD page objects, in drawing order.
//!
//! Coordinates: typst works in points from the page's top left, y down, as OFD does in
//! millimetres. Every object gets a `Boundary` (its box on the page, which some readers
//! clip to) and coordinates relative to it. An item under a group transform other than a
//! translation (a scaled label) keeps its own coordinates and gets the transform as `CTM`.

use std::fmt::Write as _;

use typst::layout::{Abs, Frame, FrameItem, GroupItem, Point, Size, Transform};
use typst::text::TextItem;
use typst::visualize::{
    Color, Curve, CurveItem, FillRule, FixedStroke, Geometry, Image, LineCap, LineJoin, Paint,
    Shape,
};
use typst_layout::Page;

use super::Ids;
use super::font::FontSet;
use super::image::ImageSet;
use super::xml::{Num, escape, is_forbidden};

/// Writes the objects of one page.
pub struct PageWriter<'a> {
    ids: &'a mut Ids,
    fonts: &'a mut FontSet,
    images: &'a mut ImageSet,
    params: &'a mut DrawParams,
    out: String,
}

/// The `DrawParam` resources: outlined text takes its line width from one, as readers
/// look for it there (a `TextObject` has no line width of its own in most readers).
#[derive(Default)]
pub struct DrawParams {
    index: std::collections::HashMap<String, u64>,
    xml: String,
}

impl DrawParams {
    fn id(&mut self, stroke: &FixedStroke, ids: &mut Ids) -> u64 {
        let mut attributes = String::new();
        stroke_attributes(&mut attributes, stroke);
        write_color(&mut attributes, "StrokeColor", &stroke.paint);
        if let Some(&id) = self.index.get(&attributes) {
            return id;
        }
        let id = ids.next();
        let (attrs, color) = attributes.split_at(attributes.find('<').unwrap_or(attributes.len()));
        let _ = write!(self.xml, "<ofd:DrawParam ID=\"{id}\"{attrs}>{color}</ofd:DrawParam>");
        self.index.insert(attributes, id);
        id
    }

    /// The `<ofd:DrawParams>` element, empty when there are none.
    pub fn finish(self) -> String {
        if self.xml.is_empty() {
            return String::new();
        }
        format!("<ofd:DrawParams>{}</ofd:DrawParams>", self.xml)
    }
}

impl<'a> PageWriter<'a> {
    pub fn new(
        ids: &'a mut Ids,
        fonts: &'a mut FontSet,
        images: &'a mut ImageSet,
        params: &'a mut DrawParams,
    ) -> Self {
        Self { ids, fonts, images, params, out: String::new() }
    }

    pub fn page(&mut self, page: &Page) {
        if let Some(fill) = page.fill_or_transparent() {
            let ground = Geometry::Rect(page.frame.size()).filled(fill);
            self.shape(Transform::identity(), &ground);
        }
        self.frame(Transform::identity(), &page.frame);
    }

    pub fn finish(self) -> String {
        self.out
    }

    fn frame(&mut self, ts: Transform, frame: &Frame) {
        for (pos, item) in frame.items() {
            let at = ts.pre_concat(Transform::translate(pos.x, pos.y));
            match item {
                FrameItem::Group(group) => self.group(at, group),
                FrameItem::Text(text) => self.text(at, text),
                FrameItem::Shape(shape, _) => self.shape(at, shape),
                FrameItem::Image(image, size, _) => self.image(at, image, *size),
                FrameItem::Link(..) | FrameItem::Tag(_) => {}
            }
        }
    }

    fn group(&mut self, at: Transform, group: &GroupItem) {
        self.frame(at.pre_concat(group.transform), &group.frame);
    }

    fn text(&mut self, at: Transform, text: &TextItem) {
        let Some(run) = Run::of(text) else { return };
        let font = self.fonts.id(text.font.font(), self.ids);
        let glyphs: Vec<u16> = run.glyphs.iter().map(|&g| self.fonts.glyph(font, g)).collect();
        for (c, glyph) in run.one_to_one(&glyphs) {
            self.fonts.map_char(font, c, glyph);
        }
        let size = text.size;
        // Wide enough for any glyph's ink: readers may clip to the boundary.
        let local = Rect {
            min: Point::new(run.min_x - size, -size * 1.5),
            max: Point::new(run.max_x + size, size * 0.75),
        };
        let place = Placement::of(at, local);
        let param = text.stroke.as_ref().map(|stroke| self.params.id(stroke, self.ids));
        let id = self.ids.next();
        let out = &mut self.out;
        let _ = write!(
            out,
            "<ofd:TextObject ID=\"{id}\" Boundary=\"{}\" Font=\"{}\" Size=\"{}\"",
            place.boundary(),
            self.fonts.resource_id(font),
            Num(size.to_mm())
        );
        place.write_ctm(out);
        if let (Some(stroke), Some(param)) = (&text.stroke, param) {
            // The line width both as the standard's `CT_GraphicUnit` attribute and in a
            // `DrawParam`, where readers look for it.
            let _ = write!(out, " DrawParam=\"{param}\" Stroke=\"true\"");
            stroke_attributes(out, stroke);
        }
        out.push('>');
        write_color(out, "FillColor", &text.fill);
        if let Some(stroke) = &text.stroke {
            write_color(out, "StrokeColor", &stroke.paint);
        }
        run.write_transforms(out, &glyphs);
        let first = run.positions[0];
        let (x, y) = place.point(first);
        let _ = write!(out, "<ofd:TextCode X=\"{}\" Y=\"{}\"", Num(x), Num(y));
        write_deltas(out, "DeltaX", run.positions.windows(2).map(|w| (w[1].x - w[0].x).to_mm()));
        if run.positions.windows(2).any(|w| w[1].y != w[0].y) {
            write_deltas(
                out,
                "DeltaY",
                run.positions.windows(2).map(|w| (w[1].y - w[0].y).to_mm()),
            );
        }
        let _ = write!(
            out,
            ">{}</ofd:TextCode></ofd:TextObject>",
            escape(&run.chars.iter().collect::<String>())
        );
    }

    fn shape(&mut self, at: Transform, shape: &Shape) {
        let Some(local) = shape_box(shape) else { return };
        let place = Placement::of(at, local);
        let id = self.ids.next();
        let out = &mut self.out;
        let _ = write!(out, "<ofd:PathObject ID=\"{id}\" Boundary=\"{}\"", place.boundary());
        place.write_ctm(out);
        let stroke = shape.stroke.as_ref().filter(|s| s.thickness > Abs::zero());
        match stroke {
            Some(stroke) => stroke_attributes(out, stroke),
            None => out.push_str(" Stroke=\"false\""),
        }
        if shape.fill.is_some() {
            out.push_str(" Fill=\"true\"");
            if shape.fill_rule == FillRule::EvenOdd {
                out.push_str(" Rule=\"Even-Odd\"");
            }
        }
        out.push('>');
        if let Some(stroke) = stroke {
            write_color(out, "StrokeColor", &stroke.paint);
        }
        if let Some(fill) = &shape.fill {
            write_color(out, "FillColor", fill);
        }
        out.push_str("<ofd:AbbreviatedData>");
        write_path(out, &place, &shape.geometry);
        out.push_str("</ofd:AbbreviatedData></ofd:PathObject>");
    }

    fn image(&mut self, at: Transform, image: &Image, size: Size) {
        let local = Rect { min: Point::zero(), max: size.to_point() };
        let place = Placement::of(at, local);
        let resource = self.images.id(image, size, self.ids);
        let id = self.ids.next();
        // The image fills the unit square of its own space; the CTM stretches it to
        // `size` (and applies any group transform).
        let ctm = place.ctm_with(Transform::scale(
            typst::layout::Ratio::new(size.x.to_mm()),
            typst::layout::Ratio::new(size.y.to_mm()),
        ));
        let _ = write!(
            self.out,
            "<ofd:ImageObject ID=\"{id}\" Boundary=\"{}\" ResourceID=\"{resource}\" CTM=\"{ctm}\"/>",
            place.boundary()
        );
    }
}

/// A rectangle in some item's own coordinates (points).
#[derive(Debug, Clone, Copy)]
struct Rect {
    min: Point,
    max: Point,
}

/// Where an item lands: its boundary on the page and how its own coordinates map into it.
struct Placement {
    /// Page coordinates in millimetres.
    origin: (f64, f64),
    size: (f64, f64),
    /// The item's transform; `None` when it only translates, in which case coordinates
    /// are shifted into the boundary instead of transformed.
    linear: Option<Transform>,
    /// For a translation: what to add to an item point (in mm) to get boundary coordinates.
    shift: (f64, f64),
}

impl Placement {
    fn of(at: Transform, local: Rect) -> Self {
        let corners = [
            local.min,
            Point::new(local.max.x, local.min.y),
            local.max,
            Point::new(local.min.x, local.max.y),
        ]
        .map(|p| p.transform(at));
        let (mut min_x, mut min_y) = (f64::INFINITY, f64::INFINITY);
        let (mut max_x, mut max_y) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
        for p in corners {
            min_x = min_x.min(p.x.to_mm());
            min_y = min_y.min(p.y.to_mm());
            max_x = max_x.max(p.x.to_mm());
            max_y = max_y.max(p.y.to_mm());
        }
        // Whole hundredths of a millimetre, so the boundary's own rounding never cuts ink.
        let origin = ((min_x * 100.0).floor() / 100.0, (min_y * 100.0).floor() / 100.0);
        let size = (
            ((max_x - origin.0) * 100.0).ceil() / 100.0,
            ((max_y - origin.1) * 100.0).ceil() / 100.0,
        );
        let translate_only =
            at.sx.get() == 1.0 && at.sy.get() == 1.0 && at.kx.get() == 0.0 && at.ky.get() == 0.0;
        let (linear, shift) = if translate_only {
            (None, (at.tx.to_mm() - origin.0, at.ty.to_mm() - origin.1))
        } else {
            (Some(at), (0.0, 0.0))
        };
        Self { origin, size: (size.0.max(0.01), size.1.max(0.01)), linear, shift }
    }

    fn boundary(&self) -> String {
        format!(
            "{} {} {} {}",
            Num(self.origin.0),
            Num(self.origin.1),
            Num(self.size.0),
            Num(self.size.1)
        )
    }

    /// An item point in boundary (or, with a CTM, the item's own) coordinates, in mm.
    fn point(&self, p: Point) -> (f64, f64) {
        (p.x.to_mm() + self.shift.0, p.y.to_mm() + self.shift.1)
    }

    /// ` CTM="…"` for an item under a transform other than a translation.
    fn write_ctm(&self, out: &mut String) {
        if self.linear.is_some() {
            let _ = write!(out, " CTM=\"{}\"", self.ctm_with(Transform::identity()));
        }
    }

    /// The CTM that maps `inner` (in mm) and then the item's transform into the boundary.
    fn ctm_with(&self, inner: Transform) -> String {
        let at = self.linear.unwrap_or_else(|| {
            Transform::translate(
                Abs::mm(self.shift.0 + self.origin.0),
                Abs::mm(self.shift.1 + self.origin.1),
            )
        });
        // `at` maps points to points; in mm the linear part is the same and the
        // translation is converted. Then the boundary's origin is taken off.
        let m = at.pre_concat(inner);
        let (e, f) = if self.linear.is_some() {
            (at.tx.to_mm() - self.origin.0, at.ty.to_mm() - self.origin.1)
        } else {
            self.shift
        };
        format!(
            "{} {} {} {} {} {}",
            Num(m.sx.get()),
            Num(m.ky.get()),
            Num(m.kx.get()),
            Num(m.sy.get()),
            Num(e),
            Num(f)
        )
    }
}

/// A text run as OFD wants it: characters with one position each, and the glyphs.
struct Run {
    /// The characters, without the spaces a run may start or end with (a reader may trim
    /// them from `TextCode`, shifting every position after).
    chars: Vec<char>,
    /// One position (points, y down, from the run's origin) per character.
    positions: Vec<Point>,
    /// Original glyph ids, in drawing order.
    glyphs: Vec<u16>,
    /// Clusters: (first character, characters, first glyph, glyphs).
    clusters: Vec<Cluster>,
    min_x: Abs,
    max_x: Abs,
}

#[derive(Debug, Clone, Copy)]
struct Cluster {
    char_start: usize,
    char_count: usize,
    glyph_start: usize,
    glyph_count: usize,
}

impl Run {
    /// `None` for a run with nothing to draw.
    fn of(text: &TextItem) -> Option<Self> {
        let mut run = Run {
            chars: Vec::new(),
            positions: Vec::new(),
            glyphs: Vec::new(),
            clusters: Vec::new(),
            min_x: Abs::inf(),
            max_x: -Abs::inf(),
        };
        let (mut x, mut y) = (Abs::zero(), Abs::zero());
        let glyphs = &text.glyphs;
        let mut i = 0;
        let mut char_count = 0;
        while i < glyphs.len() {
            let range = glyphs[i].range();
            let end =
                glyphs[i..].iter().position(|g| g.range() != range).map_or(glyphs.len(), |n| i + n);
            let cluster_text = text.text.get(range).unwrap_or("");
            let mut spots = Vec::with_capacity(end - i);
            for glyph in &glyphs[i..end] {
                let spot = Point::new(
                    x + glyph.x_offset.at(text.size),
                    -(y + glyph.y_offset.at(text.size)),
                );
                run.min_x.set_min(spot.x);
                run.max_x.set_max(spot.x + glyph.x_advance.at(text.size));
                spots.push(spot);
                x += glyph.x_advance.at(text.size);
                y += glyph.y_advance.at(text.size);
            }
            let chars: Vec<char> = cluster_text
                .chars()
                .map(|c| if is_forbidden(c) { '\u{FFFD}' } else { c })
                .collect();
            // A glyph with no character of its own (none in practice) is drawn as U+FFFD,
            // so every glyph keeps a position.
            let chars = if chars.is_empty() { vec!['\u{FFFD}'] } else { chars };
            run.clusters.push(Cluster {
                char_start: char_count,
                char_count: chars.len(),
                glyph_start: run.glyphs.len(),
                glyph_count: end - i,
            });
            // Characters beyond the glyphs (a ligature) stand where its last glyph does.
            for (k, &c) in chars.iter().enumerate() {
                run.chars.push(c);
                run.positions.push(spots[k.min(spots.len() - 1)]);
            }
            char_count += chars.len();
            run.glyphs.extend(glyphs[i..end].iter().map(|g| g.id));
            i = end;
        }
        run.trim();
        (!run.clusters.is_empty()).then_some(run)
    }

    /// Drops whole clusters of white space at either end.
    fn trim(&mut self) {
        let is_space = |run: &Run, c: &Cluster| {
            run.chars[c.char_start..c.char_start + c.char_count].iter().all(|c| c.is_whitespace())
        };
        let keep_from = self.clusters.iter().position(|c| !is_space(self, c));
        let Some(from) = keep_from else {
            self.clusters.clear();
            return;
        };
        let to = self.clusters.iter().rposition(|c| !is_space(self, c)).unwrap_or(from) + 1;
        let (first, last) = (self.clusters[from], self.clusters[to - 1]);
        let char_range = first.char_start..last.char_start + last.char_count;
        let glyph_range = first.glyph_start..last.glyph_start + last.glyph_count;
        self.chars = self.chars[char_range.clone()].to_vec();
        self.positions = self.positions[char_range].to_vec();
        self.glyphs = self.glyphs[glyph_range].to_vec();
        self.clusters = self.clusters[from..to]
            .iter()
            .map(|c| Cluster {
                char_start: c.char_start - first.char_start,
                glyph_start: c.glyph_start - first.glyph_start,
                ..*c
            })
            .collect();
    }

    /// Characters drawn by exactly one glyph, with that glyph (ids as given).
    fn one_to_one<'g>(&'g self, glyphs: &'g [u16]) -> impl Iterator<Item = (char, u16)> + 'g {
        self.clusters
            .iter()
            .filter(|c| c.char_count == 1 && c.glyph_count == 1)
            .map(move |c| (self.chars[c.char_start], glyphs[c.glyph_start]))
    }

    /// `CGTransform`s giving every glyph: one for each stretch of one-to-one clusters,
    /// one for each other cluster.
    fn write_transforms(&self, out: &mut String, glyphs: &[u16]) {
        let mut i = 0;
        while i < self.clusters.len() {
            let start = self.clusters[i];
            let mut end = i + 1;
            if start.char_count == start.glyph_count {
                while end < self.clusters.len()
                    && self.clusters[end].char_count == self.clusters[end].glyph_count
                {
                    end += 1;
                }
            }
            let last = self.clusters[end - 1];
            let codes = last.char_start + last.char_count - start.char_start;
            let count = last.glyph_start + last.glyph_count - start.glyph_start;
            let _ = write!(
                out,
                "<ofd:CGTransform CodePosition=\"{}\" CodeCount=\"{codes}\" GlyphCount=\"{count}\"><ofd:Glyphs>",
                start.char_start
            );
            for (k, glyph) in
                glyphs[start.glyph_start..start.glyph_start + count].iter().enumerate()
            {
                if k > 0 {
                    out.push(' ');
                }
                let _ = write!(out, "{glyph}");
            }
            out.push_str("</ofd:Glyphs></ofd:CGTransform>");
            i = end;
        }
    }
}

/// ` DeltaX="…"`, with runs of equal steps written `g n step` as the standard allows.
fn write_deltas(out: &mut String, name: &str, deltas: impl Iterator<Item = f64>) {
    let steps: Vec<String> = deltas.map(|d| Num(d).to_string()).collect();
    if steps.is_empty() {
        return;
    }
    let _ = write!(out, " {name}=\"");
    let mut i = 0;
    let mut first = true;
    while i < steps.len() {
        let same = steps[i..].iter().take_while(|s| **s == steps[i]).count();
        if !first {
            out.push(' ');
        }
        first = false;
        if same >= 3 {
            let _ = write!(out, "g {same} {}", steps[i]);
        } else {
            out.push_str(&steps[i..i + same].join(" "));
        }
        i += same;
    }
    out.push('"');
}

/// ` LineWidth="…" Cap="…" …` for a stroke (OFD's defaults are left out).
fn stroke_attributes(out: &mut String, stroke: &FixedStroke) {
    let _ = write!(out, " LineWidth=\"{}\"", Num(stroke.thickness.to_mm()));
    match stroke.cap {
        LineCap::Butt => {}
        LineCap::Round => out.push_str(" Cap=\"Round\""),
        LineCap::Square => out.push_str(" Cap=\"Square\""),
    }
    match stroke.join {
        LineJoin::Miter => {}
        LineJoin::Round => out.push_str(" Join=\"Round\""),
        LineJoin::Bevel => out.push_str(" Join=\"Bevel\""),
    }
    let _ = write!(out, " MiterLimit=\"{}\"", Num(stroke.miter_limit.get()));
    if let Some(dash) = &stroke.dash
        && !dash.array.is_empty()
    {
        // OFD wants pairs; an odd pattern repeats, as in PDF.
        let mut array: Vec<Abs> = dash.array.clone();
        if array.len() % 2 == 1 {
            array.extend(dash.array.iter().copied());
        }
        let pattern: Vec<String> = array.iter().map(|l| Num(l.to_mm()).to_string()).collect();
        let _ = write!(
            out,
            " DashOffset=\"{}\" DashPattern=\"{}\"",
            Num(dash.phase.to_mm()),
            pattern.join(" ")
        );
    }
}

/// `<ofd:FillColor Value="r g b" [Alpha="a"]/>` and the like.
fn write_color(out: &mut String, element: &str, paint: &Paint) {
    let color = solid(paint);
    let rgb = color.to_rgb();
    let byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    let _ = write!(
        out,
        "<ofd:{element} Value=\"{} {} {}\"",
        byte(rgb.red),
        byte(rgb.green),
        byte(rgb.blue)
    );
    let alpha = byte(rgb.alpha);
    if alpha != 255 {
        let _ = write!(out, " Alpha=\"{alpha}\"");
    }
    out.push_str("/>");
}

/// The colour a paint is drawn in: gradients and tilings by their first colour.
fn solid(paint: &Paint) -> Color {
    match paint {
        Paint::Solid(color) => color.clone(),
        Paint::Gradient(gradient) => {
            gradient.stops_ref().first().map_or(Color::BLACK, |(color, _)| color.clone())
        }
        Paint::Tiling(_) => Color::BLACK,
    }
}

/// The shape's extent in its own coordinates, stroke included; `None` when there is
/// nothing to draw.
fn shape_box(shape: &Shape) -> Option<Rect> {
    if shape.fill.is_none() && shape.stroke.as_ref().is_none_or(|s| s.thickness <= Abs::zero()) {
        return None;
    }
    let bbox = shape.bbox(true);
    let pad =
        shape.stroke.as_ref().map_or(Abs::zero(), |s| s.thickness * s.miter_limit.get().max(1.0));
    Some(Rect {
        min: Point::new(bbox.min.x - pad, bbox.min.y - pad),
        max: Point::new(bbox.max.x + pad, bbox.max.y + pad),
    })
}

/// The geometry as `AbbreviatedData` in boundary coordinates.
fn write_path(out: &mut String, place: &Placement, geometry: &Geometry) {
    let point = |out: &mut String, op: &str, p: Point| {
        let (x, y) = place.point(p);
        let _ = write!(out, "{op} {} {} ", Num(x), Num(y));
    };
    match geometry {
        Geometry::Line(to) => {
            point(out, "M", Point::zero());
            point(out, "L", *to);
        }
        Geometry::Rect(size) => {
            point(out, "M", Point::zero());
            point(out, "L", Point::with_x(size.x));
            point(out, "L", size.to_point());
            point(out, "L", Point::with_y(size.y));
            out.push_str("C ");
        }
        Geometry::Curve(Curve(items)) => {
            for item in items {
                match *item {
                    CurveItem::Move(p) => point(out, "M", p),
                    CurveItem::Line(p) => point(out, "L", p),
                    CurveItem::Cubic(a, b, c) => {
                        let [(ax, ay), (bx, by), (cx, cy)] = [a, b, c].map(|p| place.point(p));
                        let _ = write!(
                            out,
                            "B {} {} {} {} {} {} ",
                            Num(ax),
                            Num(ay),
                            Num(bx),
                            Num(by),
                            Num(cx),
                            Num(cy)
                        );
                    }
                    CurveItem::Close => out.push_str("C "),
                }
            }
        }
    }
    if out.ends_with(' ') {
        out.pop();
    }
}
