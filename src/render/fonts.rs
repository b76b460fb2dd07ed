//! Fonts: the five typographic roles of GB/T 9704, each a preference list, resolved once per
//! process against the bundled fonts (`fonts/`) and, optionally, the fonts installed on the
//! machine, so an office with 方正小标宋 and 仿宋_GB2312 gets the real thing.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;
use typst::foundations::Bytes;
use typst::text::{Font, FontBook, FontInfo};
use typst::utils::LazyHash;
use typst_kit::fonts::{FontPath, FontStore};

/// The roles, in the order `kaoping fonts` lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// 小标宋: the red mark and the titles.
    XiaoBiaoSong,
    /// 仿宋: body text.
    FangSong,
    /// 黑体: first-level headings.
    HeiTi,
    /// 楷体: second-level headings.
    KaiTi,
    /// 宋体: page numbers, tables.
    SongTi,
}

impl Role {
    pub const ALL: [Role; 5] =
        [Role::XiaoBiaoSong, Role::FangSong, Role::HeiTi, Role::KaiTi, Role::SongTi];

    /// The key used in `roles.toml` and in the generated typst dictionary.
    pub fn key(self) -> &'static str {
        match self {
            Role::XiaoBiaoSong => "xiaobiaosong",
            Role::FangSong => "fangsong",
            Role::HeiTi => "heiti",
            Role::KaiTi => "kaiti",
            Role::SongTi => "songti",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::XiaoBiaoSong => "小标宋",
            Role::FangSong => "仿宋",
            Role::HeiTi => "黑体",
            Role::KaiTi => "楷体",
            Role::SongTi => "宋体",
        }
    }
}

/// One role as configured.
#[derive(Debug, Clone, Deserialize)]
pub struct RoleSpec {
    #[serde(default)]
    pub label: String,
    pub families: Vec<String>,
    #[serde(default = "regular_weight")]
    pub weight: u16,
}

fn regular_weight() -> u16 {
    400
}

/// `roles.toml`: every role must be present, so a typo is a load error, not a silent
/// fallback.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolesConfig {
    pub xiaobiaosong: RoleSpec,
    pub fangsong: RoleSpec,
    pub heiti: RoleSpec,
    pub kaiti: RoleSpec,
    pub songti: RoleSpec,
}

impl RolesConfig {
    /// The configuration shipped in `fonts/roles.toml`, compiled in.
    pub fn bundled() -> Self {
        toml::from_str(include_str!("../../fonts/roles.toml")).expect("bundled roles.toml parses")
    }

    pub fn from_file(path: &Path) -> Result<Self, FontError> {
        let text = fs::read_to_string(path)
            .map_err(|e| FontError::Config { path: path.to_path_buf(), reason: e.to_string() })?;
        toml::from_str(&text)
            .map_err(|e| FontError::Config { path: path.to_path_buf(), reason: e.to_string() })
    }

    pub fn get(&self, role: Role) -> &RoleSpec {
        match role {
            Role::XiaoBiaoSong => &self.xiaobiaosong,
            Role::FangSong => &self.fangsong,
            Role::HeiTi => &self.heiti,
            Role::KaiTi => &self.kaiti,
            Role::SongTi => &self.songti,
        }
    }
}

/// Where fonts come from.
#[derive(Debug, Clone)]
pub struct FontOptions {
    /// The folder of bundled fonts (`fonts/`).
    pub dir: PathBuf,
    /// A replacement for the role configuration; `None` uses `dir/roles.toml` when it
    /// exists, else the compiled-in one.
    pub roles: Option<PathBuf>,
    /// Also use fonts installed on the machine. Off in tests, so their output does not
    /// depend on the machine.
    pub system: bool,
}

impl FontOptions {
    /// Bundled fonts only, from the crate's own `fonts/` folder.
    pub fn bundled() -> Self {
        Self { dir: default_font_dir(), roles: None, system: false }
    }
}

/// `./fonts` when run from a checkout, else the folder this crate was built from (which is
/// where `cargo install --path .` leaves them).
pub fn default_font_dir() -> PathBuf {
    let local = PathBuf::from("fonts");
    if local.join("roles.toml").is_file() {
        local
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FontError {
    #[error("字体配置 {path} 无法读取：{reason}")]
    Config { path: PathBuf, reason: String },
    #[error("字体目录 {path} 无法读取：{reason}")]
    Dir { path: PathBuf, reason: String },
    #[error(
        "字体角色“{label}”没有可用的字体（配置的字体：{families}）；请检查 fonts/ 目录是否完整"
    )]
    NoFont { label: String, families: String },
}

/// A role resolved against the loaded fonts.
#[derive(Debug, Clone)]
pub struct ResolvedRole {
    pub role: Role,
    /// The configured families that exist, in preference order.
    pub families: Vec<String>,
    pub weight: u16,
    /// Configured families that are not available here (for `kaoping fonts`).
    pub missing: Vec<String>,
}

/// Every font the documents may use, loaded once and shared by all documents.
pub struct Fonts {
    store: FontStore,
    roles: Vec<ResolvedRole>,
    /// Families that came from `fonts/` (the rest are the machine's).
    bundled_families: BTreeSet<String>,
    /// See [`Fonts::identity`]; computed on first use.
    identity: OnceLock<u128>,
}

impl std::fmt::Debug for Fonts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fonts").field("roles", &self.roles).finish_non_exhaustive()
    }
}

impl Fonts {
    /// Loads the bundled fonts eagerly (they are few and always used) and indexes the
    /// machine's fonts lazily, keeping only families some role asks for.
    pub fn load(options: &FontOptions) -> Result<Self, FontError> {
        let config = match &options.roles {
            Some(path) => RolesConfig::from_file(path)?,
            None if options.dir.join("roles.toml").is_file() => {
                RolesConfig::from_file(&options.dir.join("roles.toml"))?
            }
            None => RolesConfig::bundled(),
        };
        let wanted: BTreeSet<String> = Role::ALL
            .iter()
            .flat_map(|&r| config.get(r).families.iter().map(|f| f.to_lowercase()))
            .collect();

        let mut store = FontStore::new();
        let mut bundled_families = BTreeSet::new();
        for font in bundled_fonts(&options.dir)? {
            bundled_families.insert(font.info().family.to_lowercase());
            let info = font.info().clone();
            store.push((font, info));
        }
        if options.system {
            let mut system: Vec<(FontPath, FontInfo)> = typst_kit::fonts::system()
                .filter(|(_, info)| {
                    let family = info.family.to_lowercase();
                    wanted.contains(&family) && !bundled_families.contains(&family)
                })
                .collect();
            // fontdb's order follows the file system; sort so the book is the same each run.
            system.sort_by(|a, b| {
                (&a.1.family, &a.0.path, a.0.index).cmp(&(&b.1.family, &b.0.path, b.0.index))
            });
            store.extend(system);
        }

        let roles = Role::ALL
            .iter()
            .map(|&role| resolve(role, config.get(role), store.book()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { store, roles, bundled_families, identity: OnceLock::new() })
    }

    /// A fingerprint of every font documents may use: equal for two loads of the same
    /// fonts, different when a font file, the set of fonts or a role changes. Bundled
    /// fonts are hashed by content (typst hashes a font's bytes once and keeps the hash,
    /// and documents need those hashes anyway); the machine's fonts, loaded only when a
    /// document uses them, by path, size and modification time.
    pub fn identity(&self) -> u128 {
        *self.identity.get_or_init(|| {
            let mut slots = Vec::new();
            for index in 0.. {
                let Some(source) = self.store.source(index) else { break };
                let source: &dyn std::any::Any = source;
                slots.push(if let Some(font) = source.downcast_ref::<Font>() {
                    FontSlotId::Loaded(typst::utils::hash128(font))
                } else if let Some(path) = source.downcast_ref::<FontPath>() {
                    let meta = fs::metadata(&path.path).ok();
                    FontSlotId::File {
                        path: path.path.clone(),
                        index: path.index,
                        len: meta.as_ref().map(fs::Metadata::len),
                        modified: meta.and_then(|m| m.modified().ok()),
                    }
                } else {
                    // No other kind of source is ever pushed; keep identities distinct anyway.
                    FontSlotId::Unknown(index)
                });
            }
            let roles: Vec<_> =
                self.roles.iter().map(|r| (r.role, &r.families, r.weight)).collect();
            typst::utils::hash128(&(self.store.book(), slots, roles))
        })
    }

    pub fn book(&self) -> &LazyHash<FontBook> {
        self.store.book()
    }

    /// Tolerant of indices outside the book, as typst's `World::font` must be.
    pub fn font(&self, index: usize) -> Option<Font> {
        self.store.font(index)
    }

    pub fn role(&self, role: Role) -> &ResolvedRole {
        &self.roles[role as usize]
    }

    pub fn roles(&self) -> &[ResolvedRole] {
        &self.roles
    }

    pub fn is_bundled(&self, family: &str) -> bool {
        self.bundled_families.contains(&family.to_lowercase())
    }

    /// Whether some font of the role can draw the character.
    pub fn covers(&self, role: Role, c: char) -> bool {
        let book = self.store.book();
        self.role(role).families.iter().any(|family| {
            book.select_family(&family.to_lowercase())
                .filter_map(|i| book.info(i))
                .any(|info| info.coverage.contains(c as u32))
        })
    }

    /// Whether every role can draw the character: cell text may appear in any of them.
    pub fn covers_everywhere(&self, c: char) -> bool {
        Role::ALL.iter().all(|&r| self.covers(r, c))
    }

    /// The typst dictionary the style library imports as `/lib/fonts.typ`.
    pub fn typst_definitions(&self) -> String {
        let mut out = String::from(
            "// 由 kaoping 根据字体配置生成，请勿手工修改。\n// Generated by kaoping from the font roles.\n#let fonts = (\n",
        );
        for resolved in &self.roles {
            let families: Vec<String> =
                resolved.families.iter().map(|f| super::markup::string_literal(f)).collect();
            let _ = writeln!(
                out,
                "  {}: (families: ({},), weight: {}),",
                resolved.role.key(),
                families.join(", "),
                resolved.weight
            );
        }
        out.push_str(")\n");
        out
    }
}

/// What identifies one font of the store, for [`Fonts::identity`].
#[derive(Hash)]
enum FontSlotId {
    Loaded(u128),
    File { path: PathBuf, index: u32, len: Option<u64>, modified: Option<std::time::SystemTime> },
    Unknown(usize),
}

fn bundled_fonts(dir: &Path) -> Result<Vec<Font>, FontError> {
    let entries = fs::read_dir(dir)
        .map_err(|e| FontError::Dir { path: dir.to_path_buf(), reason: e.to_string() })?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                matches!(e.to_ascii_lowercase().as_str(), "ttf" | "otf" | "ttc" | "otc")
            })
        })
        .collect();
    paths.sort();
    // Reading and indexing 24 MB of fonts is most of a small build's start-up; the files
    // are independent, so they load side by side (engine start-up 15 ms -> 11-13 ms on
    // two cores).
    let loaded: Vec<Result<Vec<Font>, FontError>> = std::thread::scope(|scope| {
        let handles: Vec<_> =
            paths.iter().map(|path| scope.spawn(move || load_font_file(path))).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    let mut fonts = Vec::new();
    for faces in loaded {
        fonts.extend(faces?);
    }
    Ok(fonts)
}

fn load_font_file(path: &Path) -> Result<Vec<Font>, FontError> {
    let data = fs::read(path)
        .map_err(|e| FontError::Dir { path: path.to_path_buf(), reason: e.to_string() })?;
    // One shared buffer per file: every face of a collection points into it.
    Ok(Font::iter(Bytes::new(data)).collect())
}

fn resolve(role: Role, spec: &RoleSpec, book: &FontBook) -> Result<ResolvedRole, FontError> {
    let (families, missing): (Vec<String>, Vec<String>) =
        spec.families.iter().cloned().partition(|f| book.contains_family(&f.to_lowercase()));
    if families.is_empty() {
        return Err(FontError::NoFont {
            label: role.label().to_string(),
            families: spec.families.join("、"),
        });
    }
    Ok(ResolvedRole { role, families, weight: spec.weight, missing })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_fonts_resolve_every_role() {
        let fonts = Fonts::load(&FontOptions::bundled()).unwrap();
        assert_eq!(fonts.role(Role::FangSong).families, ["FandolFang R", "Noto Serif SC"]);
        assert_eq!(fonts.role(Role::XiaoBiaoSong).families, ["Noto Serif SC"]);
        assert_eq!(fonts.role(Role::XiaoBiaoSong).weight, 700);
        assert_eq!(fonts.role(Role::HeiTi).families, ["Noto Sans SC"]);
        assert_eq!(fonts.role(Role::KaiTi).families, ["FandolKai", "Noto Serif SC"]);
    }

    #[test]
    fn coverage_falls_back_within_a_role() {
        let fonts = Fonts::load(&FontOptions::bundled()).unwrap();
        // 啰 is missing from FandolFang but Noto Serif SC, later in the list, has it.
        assert!(fonts.covers(Role::FangSong, '啰'));
        assert!(fonts.covers_everywhere('〔'));
        assert!(fonts.covers_everywhere('·'));
        // A private-use character no bundled font draws.
        assert!(!fonts.covers(Role::FangSong, '\u{E000}'));
    }

    #[test]
    fn definitions_are_a_typst_dictionary() {
        let fonts = Fonts::load(&FontOptions::bundled()).unwrap();
        let defs = fonts.typst_definitions();
        assert!(
            defs.contains(
                r#"fangsong: (families: ("FandolFang R", "Noto Serif SC",), weight: 400),"#
            )
        );
    }
}
