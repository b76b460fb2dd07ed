//! OFD (GB/T 33190-2016) export of any laid-out typst document, written from the same
//! frames the PDF is exported from, so the two agree page for page.
//!
//! What a reader gets:
//! - text as `TextObject`s (one per typst text run) with the characters in `TextCode`, their
//!   positions in `DeltaX`/`DeltaY`, and the glyph ids in `CGTransform`: a reader draws the
//!   exact glyphs typst shaped and can still select and search the text;
//! - fonts embedded as subsets (`subsetter`, as typst-pdf uses) with a `cmap` added back,
//!   so readers that ignore `CGTransform` still find the glyphs;
//! - shapes (rules, table lines, bars) as `PathObject`s, pictures as `ImageObject`s;
//! - page boxes in millimetres, `DocInfo` from the document's own title, author and date.
//!
//! The package is deterministic: ids are handed out in frame order, the zip has fixed
//! timestamps, and `DocID` is a hash of the caller's identifier.
//!
//! Not carried over: clipping paths of groups (the kaoping templates use none), gradients
//! and tilings (drawn in their first colour), links.

mod font;
mod image;
mod page;
mod xml;

use std::io::{Cursor, Write as _};

use chrono::NaiveDate;
use typst::layout::Size;
use typst::model::Document as _;
use typst_layout::PagedDocument;

use font::FontSet;
use image::ImageSet;
use page::{DrawParams, PageWriter};
use xml::{Num, escape};

/// What the package says about itself beyond the document's own metadata.
#[derive(Debug, Clone)]
pub struct OfdOptions<'a> {
    /// A stable name of the document (like `PdfOptions::ident`): `DocID` is derived from it.
    pub ident: &'a str,
    /// The creation and modification date written to `DocInfo`.
    pub date: NaiveDate,
}

#[derive(Debug, thiserror::Error)]
pub enum OfdError {
    #[error("无法嵌入字体 {font}（{reason}）")]
    Font { font: String, reason: String },
    #[error("无法嵌入图片（{0}）")]
    Image(String),
    #[error("无法写入 OFD 文件包（{0}）")]
    Package(String),
}

/// The namespace every part of the package is written in.
const NS: &str = "http://www.ofdspec.org/2016";

/// Exports a laid-out document as an OFD package.
pub fn ofd(document: &PagedDocument, options: &OfdOptions) -> Result<Vec<u8>, OfdError> {
    let pages = document.pages();
    let mut ids = Ids::default();
    // Page ids come first, so they read 1…n whatever the pages hold.
    let page_ids: Vec<u64> = pages.iter().map(|_| ids.next()).collect();
    let color_space = ids.next();
    let mut fonts = FontSet::default();
    let mut images = ImageSet::default();
    let mut params = DrawParams::default();
    let default_size = pages.first().map(|p| p.frame.size()).unwrap_or_default();
    let mut contents = Vec::with_capacity(pages.len());
    for page in pages {
        let mut writer = PageWriter::new(&mut ids, &mut fonts, &mut images, &mut params);
        writer.page(page);
        let objects = writer.finish();
        let size = page.frame.size();
        let own_size = (size != default_size).then_some(size);
        contents.push(page_xml(own_size, ids.next(), &objects));
    }
    let fonts = fonts.finish()?;
    let images = images.finish()?;

    let mut package = Package::new();
    package.add("OFD.xml", ofd_xml(document, options).as_bytes(), true)?;
    let document_xml = document_xml(ids.max(), default_size, color_space, &page_ids);
    package.add("Doc_0/Document.xml", document_xml.as_bytes(), true)?;
    let public_res = public_res_xml(color_space, &params.finish(), &fonts.resources);
    package.add("Doc_0/PublicRes.xml", public_res.as_bytes(), true)?;
    package.add("Doc_0/DocumentRes.xml", document_res_xml(&images).as_bytes(), true)?;
    for (i, content) in contents.iter().enumerate() {
        package.add(&format!("Doc_0/Pages/Page_{i}/Content.xml"), content.as_bytes(), true)?;
    }
    for file in &fonts.files {
        package.add(&format!("Doc_0/Res/{}", file.name), &file.bytes, true)?;
    }
    for image in &images {
        // PNG and JPEG are compressed already.
        package.add(&format!("Doc_0/Res/{}", image.name), &image.bytes, false)?;
    }
    package.finish()
}

/// The tables of an OpenType font as `(tag, data)`, for checking an embedded font.
pub fn font_tables(data: &[u8]) -> Option<Vec<([u8; 4], &[u8])>> {
    font::tables(data, 0)
        .map(|tables| tables.into_iter().map(|(t, d)| (t.into_bytes(), d)).collect())
}

/// Hands out the package's object ids (`ST_ID`), unique across the document.
#[derive(Debug, Default)]
pub(crate) struct Ids(u64);

impl Ids {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 += 1;
        self.0
    }

    fn max(&self) -> u64 {
        self.0
    }
}

/// A 32-digit hexadecimal identifier that depends only on `ident`.
fn doc_id(ident: &str) -> String {
    use siphasher::sip128::{Hasher128, SipHasher13};
    use std::hash::Hasher as _;
    let mut hasher = SipHasher13::new();
    hasher.write(ident.as_bytes());
    format!("{:032x}", hasher.finish128().as_u128())
}

fn ofd_xml(document: &PagedDocument, options: &OfdOptions) -> String {
    let info = document.info();
    let mut doc_info = format!("<ofd:DocID>{}</ofd:DocID>", doc_id(options.ident));
    if let Some(title) = &info.title {
        doc_info += &format!("<ofd:Title>{}</ofd:Title>", escape(title));
    }
    if !info.author.is_empty() {
        let author = info.author.iter().map(|a| a.as_str()).collect::<Vec<_>>().join("、");
        doc_info += &format!("<ofd:Author>{}</ofd:Author>", escape(&author));
    }
    let date = options.date.format("%Y-%m-%d");
    doc_info += &format!(
        "<ofd:CreationDate>{date}</ofd:CreationDate><ofd:ModDate>{date}</ofd:ModDate>\
         <ofd:Creator>{}</ofd:Creator><ofd:CreatorVersion>{}</ofd:CreatorVersion>",
        env!("CARGO_PKG_NAME"),
        env!("CARGO_PKG_VERSION"),
    );
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <ofd:OFD xmlns:ofd=\"{NS}\" Version=\"1.0\" DocType=\"OFD\"><ofd:DocBody>\
         <ofd:DocInfo>{doc_info}</ofd:DocInfo><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot>\
         </ofd:DocBody></ofd:OFD>\n"
    )
}

/// `x y w h` of a page box at the origin, in millimetres.
fn physical_box(size: Size) -> String {
    format!("0 0 {} {}", Num(size.x.to_mm()), Num(size.y.to_mm()))
}

fn document_xml(max_id: u64, size: Size, color_space: u64, page_ids: &[u64]) -> String {
    let mut pages = String::new();
    for (i, id) in page_ids.iter().enumerate() {
        pages += &format!("<ofd:Page ID=\"{id}\" BaseLoc=\"Pages/Page_{i}/Content.xml\"/>");
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <ofd:Document xmlns:ofd=\"{NS}\"><ofd:CommonData><ofd:MaxUnitID>{max_id}</ofd:MaxUnitID>\
         <ofd:PageArea><ofd:PhysicalBox>{}</ofd:PhysicalBox></ofd:PageArea>\
         <ofd:PublicRes>PublicRes.xml</ofd:PublicRes><ofd:DocumentRes>DocumentRes.xml</ofd:DocumentRes>\
         <ofd:DefaultCS>{color_space}</ofd:DefaultCS></ofd:CommonData>\
         <ofd:Pages>{pages}</ofd:Pages></ofd:Document>\n",
        physical_box(size),
    )
}

fn page_xml(own_size: Option<Size>, layer_id: u64, objects: &str) -> String {
    let area = own_size
        .map(|size| {
            format!(
                "<ofd:Area><ofd:PhysicalBox>{}</ofd:PhysicalBox></ofd:Area>",
                physical_box(size)
            )
        })
        .unwrap_or_default();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <ofd:Page xmlns:ofd=\"{NS}\">{area}<ofd:Content>\
         <ofd:Layer ID=\"{layer_id}\" Type=\"Body\">{objects}</ofd:Layer></ofd:Content></ofd:Page>\n"
    )
}

fn public_res_xml(color_space: u64, params: &str, fonts: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <ofd:Res xmlns:ofd=\"{NS}\" BaseLoc=\"Res\"><ofd:ColorSpaces>\
         <ofd:ColorSpace ID=\"{color_space}\" Type=\"RGB\" BitsPerComponent=\"8\"/></ofd:ColorSpaces>\
         {params}{fonts}</ofd:Res>\n"
    )
}

fn document_res_xml(images: &[image::ImageFile]) -> String {
    let mut media = String::new();
    if !images.is_empty() {
        media += "<ofd:MultiMedias>";
        for image in images {
            media += &format!(
                "<ofd:MultiMedia ID=\"{}\" Type=\"Image\" Format=\"{}\">\
                 <ofd:MediaFile>{}</ofd:MediaFile></ofd:MultiMedia>",
                image.id, image.format, image.name
            );
        }
        media += "</ofd:MultiMedias>";
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <ofd:Res xmlns:ofd=\"{NS}\" BaseLoc=\"Res\">{media}</ofd:Res>\n"
    )
}

/// Deflate's fastest level. Deflating the package was 70% of the OFD's cost at the
/// default level 6 (11–14 ms of the sample notice's 15–17, mostly its font subsets); at
/// level 1 the whole export takes 5.6–6 ms, 15% of the notice's typesetting (38 ms), and
/// the package grows from 0.99× to 1.26× the PDF's size (level 2: 9.4–10.6 ms, 1.03×).
const DEFLATE_LEVEL: i64 = 1;

/// The zip container, with fixed timestamps so the same document gives the same bytes.
struct Package {
    zip: zip::ZipWriter<Cursor<Vec<u8>>>,
}

impl Package {
    fn new() -> Self {
        Self { zip: zip::ZipWriter::new(Cursor::new(Vec::new())) }
    }

    fn add(&mut self, path: &str, bytes: &[u8], compress: bool) -> Result<(), OfdError> {
        let method = if compress {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(method)
            .compression_level(compress.then_some(DEFLATE_LEVEL))
            .last_modified_time(zip::DateTime::default())
            // The writing system is recorded per entry and defaults to the one kaoping
            // runs on: fixed, so Windows and Linux write the same bytes.
            .system(zip::System::Unix)
            .unix_permissions(0o644);
        let error = |e: &dyn std::fmt::Display| OfdError::Package(format!("{path}：{e}"));
        self.zip.start_file(path, options).map_err(|e| error(&e))?;
        self.zip.write_all(bytes).map_err(|e| error(&e))
    }

    fn finish(self) -> Result<Vec<u8>, OfdError> {
        self.zip.finish().map(Cursor::into_inner).map_err(|e| OfdError::Package(e.to_string()))
    }
}
