//! The pictures of an OFD package (`MultiMedia` resources).
//!
//! PNG and JPEG files go in as they are. Anything else a reader may not decode (SVG — a
//! seal is often one —, PDF, WebP, raw pixels, a JPEG with an EXIF rotation) is drawn by
//! typst-render at [`RASTER_DPI`] for the size it is shown at, and stored as PNG, so it
//! looks in the OFD as typst draws it.

use std::collections::HashMap;

use typst::foundations::{Content, Smart};
use typst::layout::{Abs, Frame, FrameItem, Point, Sides, Size};
use typst::visualize::{ExchangeFormat, Image, ImageKind, RasterFormat};
use typst_layout::Page;

use super::OfdError;

/// Resolution for pictures that are drawn rather than copied: above what a laser printer
/// resolves for a stamp's fine lines, and a 42 mm seal stays below 1,000 px.
const RASTER_DPI: f64 = 600.0;

/// A picture as the package stores it.
pub struct ImageFile {
    pub id: u64,
    /// `MultiMedia/@Format`.
    pub format: &'static str,
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The pictures used so far, each stored once.
#[derive(Default)]
pub struct ImageSet {
    files: Vec<ImageFile>,
    /// Copied pictures by image; drawn ones by image and the size they are shown at.
    index: HashMap<(Image, Option<Size>), u64>,
    error: Option<OfdError>,
}

impl ImageSet {
    /// The resource id of `image` shown at `size`, storing it on first use.
    pub fn id(&mut self, image: &Image, size: Size, ids: &mut super::Ids) -> u64 {
        let copied = copyable(image);
        let key = (image.clone(), if copied.is_some() { None } else { Some(size) });
        if let Some(&id) = self.index.get(&key) {
            return id;
        }
        let id = ids.next();
        let stored = match copied {
            Some(format) => Ok((format, image_bytes(image))),
            None => draw(image, size).map(|png| ("PNG", png)),
        };
        match stored {
            Ok((format, bytes)) => {
                let ext = format.to_ascii_lowercase();
                let name = format!("image_{id}.{ext}");
                self.files.push(ImageFile { id, format, name, bytes });
            }
            Err(error) => {
                self.error.get_or_insert(error);
            }
        }
        self.index.insert(key, id);
        id
    }

    pub fn finish(self) -> Result<Vec<ImageFile>, OfdError> {
        match self.error {
            Some(error) => Err(error),
            None => Ok(self.files),
        }
    }
}

/// The `MultiMedia` format when the file can go in unchanged.
fn copyable(image: &Image) -> Option<&'static str> {
    let ImageKind::Raster(raster) = image.kind() else { return None };
    if raster.exif_rotation().is_some_and(|r| r != 1) || raster.icc().is_some() {
        return None;
    }
    match raster.format() {
        RasterFormat::Exchange(ExchangeFormat::Png) => Some("PNG"),
        RasterFormat::Exchange(ExchangeFormat::Jpg) => Some("JPEG"),
        _ => None,
    }
}

fn image_bytes(image: &Image) -> Vec<u8> {
    match image.kind() {
        ImageKind::Raster(raster) => raster.data().as_slice().to_vec(),
        _ => Vec::new(),
    }
}

/// `image` drawn by typst-render at the size it is shown, on a transparent ground.
fn draw(image: &Image, size: Size) -> Result<Vec<u8>, OfdError> {
    let mut frame = Frame::hard(size);
    frame.push(
        Point::zero(),
        FrameItem::Image(image.clone(), size, typst::syntax::Span::detached()),
    );
    let page = Page {
        frame,
        bleed: Sides::splat(Abs::zero()),
        fill: Smart::Custom(None),
        numbering: None,
        supplement: Content::empty(),
        number: 1,
    };
    let options = typst_render::RenderOptions {
        pixel_per_pt: typst::utils::Scalar::new(RASTER_DPI / 72.0),
        render_bleed: false,
    };
    typst_render::render(&page, &options).encode_png().map_err(|e| OfdError::Image(e.to_string()))
}
