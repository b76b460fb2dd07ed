//! The typst engine, in process: one [`Engine`] per process holds the fonts, the standard
//! library and the template set; each document gets a short-lived world that serves only
//! its own source, the template library (`/lib/…`) and the files it was handed (the seal).
//! Nothing else is readable: no file system, no packages, no network.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{Datelike, NaiveDate};
use typst::diag::{FileError, FileResult, PackageError, Severity, SourceDiagnostic, Warned};
use typst::foundations::{Bytes, Datetime, Smart};
use typst::layout::{Frame, FrameItem};
use typst::syntax::{FileId, RootedPath, Source, VirtualPath, VirtualRoot};
use typst::text::{Font, FontBook};
use typst::utils::LazyHash;
use typst::{Library, LibraryExt, World, WorldExt};
use typst_layout::PagedDocument;
use typst_pdf::{PdfOptions, Timestamp};

use super::fonts::{FontError, FontOptions, Fonts};
use super::templates::{TemplateError, Templates};

/// How many eviction rounds a memoised result survives.
const CACHE_MAX_AGE: usize = 2;
/// Documents between two evictions. Eviction walks every cache table of the process, so
/// doing it after each document cost 5% of a build (perf, 300 departments); every fourth
/// keeps the cache to the last eight or so documents' worth, which still keeps memory flat
/// however many departments there are (typst-embedding note, pitfall 1).
const EVICT_EVERY: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error(transparent)]
    Fonts(#[from] FontError),
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("排版《{document}》失败：\n{details}")]
    Typst { document: String, details: String },
    #[error("导出《{document}》的 OFD 失败：{source}")]
    Ofd { document: String, source: super::ofd::OfdError },
    #[error(
        "《{document}》中的字符“{character}”（U+{code:04X}）没有可用的字形（字体 {font}，{place}）"
    )]
    MissingGlyph { document: String, character: char, code: u32, font: String, place: String },
}

/// Where templates and fonts come from.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    pub fonts: FontOptions,
    /// A folder whose files override the built-in templates.
    pub templates: Option<std::path::PathBuf>,
}

impl EngineOptions {
    /// Bundled fonts and built-in templates only: the same output on every machine.
    pub fn bundled() -> Self {
        Self { fonts: FontOptions::bundled(), templates: None }
    }
}

/// A file typst may read, other than the document itself.
struct LibFile {
    id: FileId,
    bytes: Bytes,
    /// Parsed once, for `.typ` files.
    source: Option<Source>,
}

/// Fonts, library and templates, loaded once and shared by every document (and thread).
pub struct Engine {
    fonts: Arc<Fonts>,
    library: LazyHash<Library>,
    templates: Templates,
    lib: HashMap<FileId, LibFile>,
    /// Documents finished since the engine was made, for [`EVICT_EVERY`].
    finished: AtomicUsize,
    /// Every document is compiled as `/main.typ`: file ids are global and never freed, so
    /// reusing one path keeps the id table from filling up (pitfall 2).
    main_id: FileId,
    /// Pixels per point of the first-page pictures, when a front end shows them.
    preview_scale: Option<f32>,
    /// A fingerprint of the files typst may read besides the document (style library,
    /// generated font roles, images), for [`Engine::identity`].
    lib_hash: u128,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("fonts", &self.fonts).finish_non_exhaustive()
    }
}

/// A file handed to one document (the seal image), served at `/lib/<name>`.
#[derive(Debug, Clone)]
pub struct ExtraFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// One compiled document.
#[derive(Debug)]
pub struct Compiled {
    pub pdf: Vec<u8>,
    /// The same pages as OFD, when asked for.
    pub ofd: Option<Vec<u8>>,
    pub pages: usize,
    /// typst's warnings, formatted with their template line.
    pub warnings: Vec<String>,
    /// The first page as PNG, when the engine was made [`Engine::with_previews`].
    pub preview: Option<Vec<u8>>,
}

fn project_file(path: &str) -> FileId {
    let vpath = VirtualPath::new(path).expect("a valid virtual path");
    RootedPath::new(VirtualRoot::Project, vpath).intern()
}

impl Engine {
    pub fn new(options: &EngineOptions) -> Result<Self, RenderError> {
        let fonts = Arc::new(Fonts::load(&options.fonts)?);
        Self::with_fonts(fonts, options.templates.as_deref())
    }

    /// An engine with freshly read templates and the fonts of this one: `watch` reloads
    /// edited templates without parsing the fonts again.
    pub fn reload_templates(
        &self,
        templates: Option<&std::path::Path>,
    ) -> Result<Self, RenderError> {
        let engine = Self::with_fonts(Arc::clone(&self.fonts), templates)?;
        Ok(Self { preview_scale: self.preview_scale, ..engine })
    }

    /// The same engine, also drawing every document's first page as a PNG at
    /// `pixel_per_pt` (0.5 gives a 298 × 421 px A4 page): the web page shows them instead
    /// of asking the browser for a PDF viewer. Drawn from the laid-out document, so it
    /// costs no second typesetting.
    pub fn with_previews(self, pixel_per_pt: f32) -> Self {
        Self { preview_scale: Some(pixel_per_pt), ..self }
    }

    fn with_fonts(
        fonts: Arc<Fonts>,
        templates: Option<&std::path::Path>,
    ) -> Result<Self, RenderError> {
        let templates = Templates::load(templates)?;
        let mut lib = HashMap::new();
        let generated = [("fonts.typ".to_string(), fonts.typst_definitions().into_bytes())];
        let files: Vec<(String, Vec<u8>)> = templates
            .lib_files()
            .iter()
            .map(|(n, b)| (n.clone(), b.clone()))
            .chain(generated)
            .collect();
        let lib_hash = typst::utils::hash128(&files);
        for (name, bytes) in files {
            let id = project_file(&format!("/lib/{name}"));
            let source = name
                .ends_with(".typ")
                .then(|| String::from_utf8(bytes.clone()).ok())
                .flatten()
                .map(|text| Source::new(id, text));
            lib.insert(id, LibFile { id, bytes: Bytes::new(bytes), source });
        }
        Ok(Self {
            fonts,
            library: LazyHash::new(Library::builder().build()),
            templates,
            lib,
            finished: AtomicUsize::new(0),
            main_id: project_file("/main.typ"),
            preview_scale: None,
            lib_hash,
        })
    }

    /// A fingerprint of everything besides a document's own source and files that decides
    /// its PDF: the fonts and the files it may import. Two engines with the same fonts and
    /// templates have the same identity; a changed style library, font role or font file
    /// gives another. The document templates (`*.typ.j2`) are not part of it: what they
    /// produce is the document's source, which [`super::cache`] keys on itself, so editing
    /// one template re-typesets only the documents made from it.
    pub fn identity(&self) -> u128 {
        typst::utils::hash128(&(self.lib_hash, self.fonts.identity()))
    }

    pub fn fonts(&self) -> &Fonts {
        &self.fonts
    }

    pub fn templates(&self) -> &Templates {
        &self.templates
    }

    /// The files a document can import, by their path below the project root
    /// (`lib/gongwen.typ`), for `--emit-typst`.
    pub fn lib_files(&self) -> Vec<(String, &[u8])> {
        let mut files: Vec<_> = self
            .lib
            .values()
            .map(|f| (f.id.vpath().get_without_slash().to_string(), f.bytes.as_slice()))
            .collect();
        files.sort();
        files
    }

    /// Typesets one document from its typst source and exports it as PDF.
    ///
    /// `date` is the document's own date (成文日期): it is both typst's `today` and the PDF
    /// creation date, so the same input always gives the same bytes.
    pub fn compile(
        &self,
        document: &str,
        source: String,
        date: NaiveDate,
        extras: &[ExtraFile],
    ) -> Result<Compiled, RenderError> {
        self.compile_to(document, source, date, extras, false)
    }

    /// Like [`Engine::compile`], also exporting the laid-out pages as OFD when `ofd` is
    /// set: one layout for both files.
    pub fn compile_to(
        &self,
        document: &str,
        source: String,
        date: NaiveDate,
        extras: &[ExtraFile],
        ofd: bool,
    ) -> Result<Compiled, RenderError> {
        let world = DocWorld::new(self, document, source, date, extras);
        let result = self.compile_in(&world, document, date, ofd);
        // Count failures too, or a run of bad documents never evicts.
        self.document_finished();
        result
    }

    /// Lays a document out without exporting it (for tests and geometry checks).
    pub fn layout(
        &self,
        document: &str,
        source: String,
        date: NaiveDate,
        extras: &[ExtraFile],
    ) -> Result<PagedDocument, RenderError> {
        let world = DocWorld::new(self, document, source, date, extras);
        let result = self.layout_in(&world, document).map(|(doc, _)| doc);
        self.document_finished();
        result
    }

    /// Empties typst's memo cache. A document that lists every department fills it in
    /// proportion to their number (about 70 KB each); dropping that at once, rather than
    /// a few documents later, lets the next large document reuse the memory.
    pub fn forget_cached_layouts(&self) {
        typst::comemo::evict(0);
    }

    /// Evicts typst's memo cache every [`EVICT_EVERY`] documents. The cache is global to
    /// the process, but the count is the engine's: documents of other engines only make
    /// eviction come sooner.
    fn document_finished(&self) {
        if self.finished.fetch_add(1, Ordering::Relaxed) % EVICT_EVERY == EVICT_EVERY - 1 {
            typst::comemo::evict(CACHE_MAX_AGE);
        }
    }

    fn compile_in(
        &self,
        world: &DocWorld,
        document: &str,
        date: NaiveDate,
        ofd: bool,
    ) -> Result<Compiled, RenderError> {
        let (doc, warnings) = self.layout_in(world, document)?;
        let options = PdfOptions {
            ident: Smart::Custom(document.to_string()),
            timestamp: Some(Timestamp::new_utc(world.today)),
            // Untagged: these are documents to print and sign, and the structure tree
            // costs a fifth of a report's size (measured: median 113 KB tagged, 89 KB not).
            tagged: false,
            ..PdfOptions::default()
        };
        let pdf = typst_pdf::pdf(&doc, &options).map_err(|errors| RenderError::Typst {
            document: document.to_string(),
            details: format_diagnostics(world, &errors),
        })?;
        let ofd = ofd
            .then(|| {
                let options = super::ofd::OfdOptions { ident: document, date };
                super::ofd::ofd(&doc, &options)
                    .map_err(|source| RenderError::Ofd { document: document.to_string(), source })
            })
            .transpose()?;
        let preview = self.preview_scale.and_then(|scale| first_page_png(&doc, scale));
        Ok(Compiled { pdf, ofd, pages: doc.pages().len(), warnings, preview })
    }

    /// Compiles, treats unknown font families as errors and refuses missing glyphs.
    fn layout_in(
        &self,
        world: &DocWorld,
        document: &str,
    ) -> Result<(PagedDocument, Vec<String>), RenderError> {
        let Warned { output, warnings } = typst::compile::<PagedDocument>(world);
        let typst_error = |diags: &[SourceDiagnostic]| RenderError::Typst {
            document: document.to_string(),
            details: format_diagnostics(world, diags),
        };
        let doc = output.map_err(|errors| typst_error(&errors))?;
        // A wrong family name is only a warning in typst; for our own fonts it means the
        // document would silently use another typeface, so it is an error here.
        let (fatal, warnings): (Vec<_>, Vec<_>) =
            warnings.into_iter().partition(|w| w.message.contains("unknown font family"));
        if !fatal.is_empty() {
            return Err(typst_error(&fatal));
        }
        for page in doc.pages() {
            find_missing_glyph(world, &page.frame).map_or(Ok(()), |(c, font, place)| {
                Err(RenderError::MissingGlyph {
                    document: document.to_string(),
                    character: c,
                    code: c as u32,
                    font,
                    place,
                })
            })?;
        }
        Ok((doc, warnings.iter().map(|w| format_diagnostic(world, w)).collect()))
    }
}

/// The first page as PNG; `None` for an empty document or if encoding fails (a picture
/// is a convenience, never a reason to fail a build).
fn first_page_png(doc: &PagedDocument, pixel_per_pt: f32) -> Option<Vec<u8>> {
    let page = doc.pages().first()?;
    let options = typst_render::RenderOptions {
        pixel_per_pt: typst::utils::Scalar::new(f64::from(pixel_per_pt)),
        render_bleed: false,
    };
    typst_render::render(page, &options).encode_png().ok()
}

/// The world of one document.
struct DocWorld<'a> {
    engine: &'a Engine,
    document: String,
    main: Source,
    extras: Vec<(FileId, Bytes)>,
    today: Datetime,
}

impl<'a> DocWorld<'a> {
    fn new(
        engine: &'a Engine,
        document: &str,
        source: String,
        date: NaiveDate,
        extras: &[ExtraFile],
    ) -> Self {
        let extras = extras
            .iter()
            .map(|f| (project_file(&format!("/lib/{}", f.name)), Bytes::new(f.bytes.clone())))
            .collect();
        let today = Datetime::from_ymd(date.year(), date.month() as u8, date.day() as u8)
            .expect("a chrono date is a valid typst date");
        Self {
            engine,
            document: document.to_string(),
            main: Source::new(engine.main_id, source),
            extras,
            today,
        }
    }

    fn lib(&self, id: FileId) -> Option<&LibFile> {
        self.engine.lib.get(&id)
    }

    /// The refusal for anything outside the sandbox.
    fn refuse(&self, id: FileId) -> FileError {
        match id.root() {
            VirtualRoot::Package(spec) => FileError::Package(PackageError::Other(Some(
                format!("kaoping 不使用 typst 包（{spec}）").into(),
            ))),
            VirtualRoot::Project => FileError::Other(Some(
                format!(
                    "模板只能读取 templates/ 中的文件，不能读取 {}",
                    id.vpath().get_with_slash()
                )
                .into(),
            )),
        }
    }
}

impl World for DocWorld<'_> {
    fn library(&self) -> &LazyHash<Library> {
        &self.engine.library
    }

    fn book(&self) -> &LazyHash<FontBook> {
        self.engine.fonts.book()
    }

    fn main(&self) -> FileId {
        self.main.id()
    }

    fn source(&self, id: FileId) -> FileResult<Source> {
        if id == self.main.id() {
            return Ok(self.main.clone());
        }
        match self.lib(id) {
            Some(LibFile { source: Some(source), .. }) => Ok(source.clone()),
            Some(_) => Err(FileError::NotSource),
            None => Err(self.refuse(id)),
        }
    }

    fn file(&self, id: FileId) -> FileResult<Bytes> {
        if id == self.main.id() {
            return Ok(Bytes::from_string(self.main.clone()));
        }
        if let Some(lib) = self.lib(id) {
            return Ok(lib.bytes.clone());
        }
        self.extras
            .iter()
            .find(|(extra, _)| *extra == id)
            .map(|(_, bytes)| bytes.clone())
            .ok_or_else(|| self.refuse(id))
    }

    fn font(&self, index: usize) -> Option<Font> {
        self.engine.fonts.font(index)
    }

    fn today(&self, _offset: Option<typst::foundations::Duration>) -> Option<Datetime> {
        Some(self.today)
    }
}

fn format_diagnostics(world: &DocWorld, diags: &[SourceDiagnostic]) -> String {
    diags.iter().map(|d| format_diagnostic(world, d)).collect::<Vec<_>>().join("\n")
}

/// `lib/gongwen.typ:12:5: 错误：unknown variable: foo` plus hints and the source line, so a
/// template author can find the spot.
fn format_diagnostic(world: &DocWorld, diag: &SourceDiagnostic) -> String {
    let label = match diag.severity {
        Severity::Error => "错误",
        Severity::Warning => "警告",
    };
    let mut out = format!("{}{label}：{}", span_place(world, diag.span), diag.message);
    // typst's hints about `--root` and packages speak of its own CLI, not of kaoping.
    for hint in diag.hints.iter().filter(|h| !h.v.contains("--root")) {
        let _ = write!(out, "\n  提示：{}", hint.v);
    }
    out
}

/// `main.typ:12:5: ` (with the offending line's text for the generated document), or empty.
fn span_place(world: &DocWorld, span: impl Into<typst::syntax::DiagSpan> + Copy) -> String {
    let diag_span: typst::syntax::DiagSpan = span.into();
    let Some(id) = diag_span.id() else { return String::new() };
    let Ok(source) = world.source(id) else { return String::new() };
    let Some(range) = world.range(diag_span) else { return String::new() };
    let Some((line, col)) = source.lines().byte_to_line_column(range.start) else {
        return String::new();
    };
    // The generated document is named as `--emit-typst` writes it, so the line can be found.
    let name = if id == world.main.id() {
        format!("{}.typ", world.document)
    } else {
        id.vpath().get_without_slash().to_string()
    };
    let text = source.text().lines().nth(line).unwrap_or("").trim();
    let excerpt: String = text.chars().take(60).collect();
    format!("{name}:{}:{}（{excerpt}）：", line + 1, col + 1)
}

/// typst draws a missing character as glyph 0 without complaint (pitfall 5); find one.
fn find_missing_glyph(world: &DocWorld, frame: &Frame) -> Option<(char, String, String)> {
    for (_, item) in frame.items() {
        match item {
            FrameItem::Group(group) => {
                if let Some(found) = find_missing_glyph(world, &group.frame) {
                    return Some(found);
                }
            }
            FrameItem::Text(text) => {
                for glyph in text.glyphs.iter().filter(|g| g.id == 0) {
                    let c = text.text[glyph.range()].chars().next().unwrap_or('\u{FFFD}');
                    // Spaces and invisible marks have no outline in any font; not tofu.
                    if c.is_whitespace() || c.is_control() || is_invisible_format(c) {
                        continue;
                    }
                    let font = text.font.font().info().family.clone();
                    let place = span_place(world, glyph.span.0);
                    let place = place.trim_end_matches('：').to_string();
                    return Some((
                        c,
                        font,
                        if place.is_empty() { "位置未知".into() } else { place },
                    ));
                }
            }
            _ => {}
        }
    }
    None
}

/// Unicode format characters (RTL marks, zero-width joiners…) that render as nothing.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}
