//! The fonts of an OFD package: each font typst used, cut down to the glyphs drawn.
//!
//! `subsetter` (what typst-pdf uses) renumbers the glyphs and drops the `cmap`, which a
//! PDF does not need but an OFD reader may: one that ignores `CGTransform` maps each
//! `TextCode` character through the font's `cmap`. So a `cmap` of the characters drawn
//! (to their new glyph ids) and the original `OS/2` table are added back with
//! `write-fonts`.

use std::collections::HashMap;

use typst::text::Font;
use write_fonts::FontBuilder;
use write_fonts::tables::cmap::Cmap;
use write_fonts::types::{GlyphId, Tag};

use super::OfdError;
use super::xml::escape;

/// The fonts used so far and the glyphs drawn from each.
#[derive(Default)]
pub struct FontSet {
    fonts: Vec<UsedFont>,
    index: HashMap<Font, usize>,
}

struct UsedFont {
    font: Font,
    id: u64,
    glyphs: subsetter::GlyphRemapper,
    /// Characters drawn with exactly one glyph, for the `cmap`; the first glyph a
    /// character was drawn with wins (the others are still drawn through `CGTransform`).
    chars: HashMap<char, u16>,
}

/// The finished fonts: their `<ofd:Fonts>` resource entry and files.
pub struct Fonts {
    pub resources: String,
    pub files: Vec<FontFile>,
}

pub struct FontFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl FontSet {
    /// The resource id of `font`, taking a new one from `ids` on first use.
    pub fn id(&mut self, font: &Font, ids: &mut super::Ids) -> usize {
        if let Some(&index) = self.index.get(font) {
            return index;
        }
        self.fonts.push(UsedFont {
            font: font.clone(),
            id: ids.next(),
            glyphs: subsetter::GlyphRemapper::new(),
            chars: HashMap::new(),
        });
        self.index.insert(font.clone(), self.fonts.len() - 1);
        self.fonts.len() - 1
    }

    pub fn resource_id(&self, index: usize) -> u64 {
        self.fonts[index].id
    }

    /// The glyph's id in the subset.
    pub fn glyph(&mut self, index: usize, glyph: u16) -> u16 {
        self.fonts[index].glyphs.remap(glyph)
    }

    /// Records that `c` was drawn as the subset glyph `glyph`, for the `cmap`.
    pub fn map_char(&mut self, index: usize, c: char, glyph: u16) {
        self.fonts[index].chars.entry(c).or_insert(glyph);
    }

    pub fn finish(self) -> Result<Fonts, OfdError> {
        let mut resources = String::new();
        let mut files = Vec::with_capacity(self.fonts.len());
        if !self.fonts.is_empty() {
            resources.push_str("<ofd:Fonts>");
        }
        for used in &self.fonts {
            let file = FontFile { name: format!("font_{}.ttf", used.id), bytes: subset(used)? };
            let info = used.font.info();
            let family = escape(&info.family);
            let bold = if info.variant.weight.to_number() >= 600 { " Bold=\"true\"" } else { "" };
            let italic = if info.variant.style != typst::text::FontStyle::Normal {
                " Italic=\"true\""
            } else {
                ""
            };
            resources.push_str(&format!(
                "<ofd:Font ID=\"{}\" FontName=\"{family}\" FamilyName=\"{family}\"{bold}{italic}>\
                 <ofd:FontFile>{}</ofd:FontFile></ofd:Font>",
                used.id, file.name
            ));
            files.push(file);
        }
        if !self.fonts.is_empty() {
            resources.push_str("</ofd:Fonts>");
        }
        Ok(Fonts { resources, files })
    }
}

/// The subset of `used`, with a `cmap` and `OS/2`.
fn subset(used: &UsedFont) -> Result<Vec<u8>, OfdError> {
    let error = |reason: String| OfdError::Font { font: used.font.info().family.clone(), reason };
    let data = used.font.data().as_slice();
    let subset = subsetter::subset(data, used.font.index(), &used.glyphs)
        .map_err(|e| error(format!("子集化失败：{e}")))?;
    let mut mappings: Vec<(char, GlyphId)> =
        used.chars.iter().map(|(&c, &g)| (c, GlyphId::new(u32::from(g)))).collect();
    mappings.sort();
    let cmap = Cmap::from_mappings(mappings).map_err(|e| error(e.to_string()))?;
    let mut builder = FontBuilder::new();
    builder.add_table(&cmap).map_err(|e| error(e.to_string()))?;
    let os2 = Tag::new(b"OS/2");
    let original = tables(data, used.font.index()).ok_or_else(|| error("字体文件损坏".into()))?;
    if let Some((_, table)) = original.iter().find(|(tag, _)| *tag == os2) {
        builder.add_raw(os2, table.to_vec());
    }
    let subset_tables = tables(&subset, 0).ok_or_else(|| error("子集字体损坏".into()))?;
    for (tag, table) in subset_tables {
        if !builder.contains(tag) {
            builder.add_raw(tag, table.to_vec());
        }
    }
    Ok(builder.build())
}

/// The tables of an OpenType font (face `index` of a collection), from its table
/// directory; `None` when the directory does not fit the data.
pub fn tables(data: &[u8], index: u32) -> Option<Vec<(Tag, &[u8])>> {
    let u32_at =
        |at: usize| data.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    let u16_at = |at: usize| data.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    let start =
        if data.get(..4)? == b"ttcf" { u32_at(12 + 4 * index as usize)? as usize } else { 0 };
    let count = u16_at(start + 4)? as usize;
    (0..count)
        .map(|i| {
            let record = start + 12 + 16 * i;
            let tag = Tag::new(data.get(record..record + 4)?.try_into().ok()?);
            let offset = u32_at(record + 8)? as usize;
            let length = u32_at(record + 12)? as usize;
            Some((tag, data.get(offset..offset.checked_add(length)?)?))
        })
        .collect()
}
