//! Opening input files: which paths are workbooks, what a file really is when it is not
//! one, and reading an xlsx into [`Sheet`]s within bounded memory and time.
//!
//! Files are recognised by their content, never by their extension: office workers rename
//! a CSV to `.xlsx`, systems export HTML as `.xls`, and a copy still in progress is cut
//! short. Each case gets its own [`ReadError`] that says what the file is and what to do.
//!
//! Everything that sizes memory is checked before it is allocated: the file size, the
//! declared uncompressed sizes inside the zip (which the zip reader enforces while
//! inflating), the rows and cells of each sheet while streaming, and the area of the
//! rectangle a sheet becomes. A hostile file therefore ends in [`ReadError::TooLarge`],
//! not in an exhausted machine.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::{self, File};
use std::io::{self, Cursor, Read};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use calamine::{Cell, Data, DataRef, Dimensions, Range, Reader, SheetType, Xlsx, XlsxError};

use super::{Sheet, Workbook, value};
use crate::finding::{CellRef, Finding, Location};

const MIB: u64 = 1024 * 1024;

/// The largest file read at all; evaluation workbooks are a few hundred KB.
pub const MAX_FILE_BYTES: u64 = 200 * MIB;
/// The most the parts of one xlsx may unpack to, all together (zip-bomb guard).
pub const MAX_UNPACKED_BYTES: u64 = 512 * MIB;
/// The highest compression ratio accepted for a large part. Real worksheet XML compresses
/// 5–50:1; deflate's maximum is about 1000:1, reached only by crafted repetition.
pub const MAX_RATIO: u64 = 500;
/// Parts smaller than this unpacked are never refused for their ratio.
const RATIO_CHECK_FROM: u64 = 4 * MIB;
/// The most parts an xlsx may have; a real one has a few dozen.
pub const MAX_ZIP_ENTRIES: usize = 10_000;
/// The most non-empty rows one sheet may have.
pub const MAX_ROWS: usize = 500_000;
/// The most cells the rectangle of one sheet may span (every cell costs memory, blank or
/// not, about 32 bytes); 500,000 rows of 10 columns.
pub const MAX_SHEET_CELLS: u64 = 5_000_000;
/// The most cells all sheets of one workbook may span together.
pub const MAX_WORKBOOK_CELLS: u64 = 10_000_000;
/// Merged areas reported one by one per sheet; the rest are summed up in one note.
const MAX_MERGE_NOTES: usize = 200;

/// Why a file cannot be read at all (exit status 2). Every message names the file and
/// says what it is and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}：无法读取（{source}）；请检查文件的读取权限，或关闭正在占用它的程序后重试")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}：找不到这个文件或文件夹，请检查路径是否写对")]
    NotFound { path: PathBuf },
    #[error(
        "{path}：这是一个文件夹，不是 Excel 工作簿；请指定其中的 .xlsx 文件，或把文件夹交给 kaoping 让它自己查找"
    )]
    IsDirectory { path: PathBuf },
    #[error(
        "{path}：文件是空的（0 字节），不是 Excel 工作簿；可能保存或复制没有完成，请重新保存后再试"
    )]
    Empty { path: PathBuf },
    #[error("{path}：{kind}")]
    NotAWorkbook { path: PathBuf, kind: FileKind },
    #[error(
        "{path}：这是旧版 Excel 97-2003 (.xls) 格式的文件（或 WPS 表格 .et），kaoping 只读 .xlsx；请在 Excel 或 WPS 中打开它，“另存为” Excel 工作簿 (.xlsx) 后再试"
    )]
    LegacyXls { path: PathBuf },
    #[error(
        "{path}：工作簿设置了打开密码（已加密），kaoping 无法读取；请在 Excel 或 WPS 中打开它，取消密码后另存为 .xlsx 再试"
    )]
    Encrypted { path: PathBuf },
    #[error(
        "{path}：这是 OpenDocument 表格 (.ods)，不是 Excel 工作簿；请在 WPS、LibreOffice 或 Excel 中打开它，“另存为” Excel 工作簿 (.xlsx) 后再试"
    )]
    Ods { path: PathBuf },
    #[error("{path}：这是一个 zip 压缩包，但里面没有 Excel 工作簿（缺少 xl/workbook.xml）；{}", describe_entries(.entries))]
    ZipWithoutWorkbook { path: PathBuf, entries: Vec<String> },
    #[error(
        "{path}：文件不完整（zip 结构的结尾缺失或损坏），可能复制、下载或保存还没有完成；请重新复制，或用 Excel/WPS 重新保存后再试"
    )]
    Truncated { path: PathBuf },
    #[error(
        "{path}：工作簿已损坏或不完整，无法读取（{detail}）；可能复制还没有完成，请重新复制，或用 Excel/WPS 打开后重新另存为 .xlsx"
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error("{path}：{limit}")]
    TooLarge { path: PathBuf, limit: Limit },
    #[error("{path}：文件夹中没有 Excel 工作簿（.xlsx）；{}", describe_folder(.others))]
    NoWorkbookInFolder { path: PathBuf, others: Vec<String> },
}

impl ReadError {
    pub fn path(&self) -> &Path {
        match self {
            ReadError::Io { path, .. }
            | ReadError::NotFound { path }
            | ReadError::IsDirectory { path }
            | ReadError::Empty { path }
            | ReadError::NotAWorkbook { path, .. }
            | ReadError::LegacyXls { path }
            | ReadError::Encrypted { path }
            | ReadError::Ods { path }
            | ReadError::ZipWithoutWorkbook { path, .. }
            | ReadError::Truncated { path }
            | ReadError::Corrupt { path, .. }
            | ReadError::TooLarge { path, .. }
            | ReadError::NoWorkbookInFolder { path, .. } => path,
        }
    }
}

fn describe_entries(entries: &[String]) -> String {
    if entries.is_empty() {
        return "压缩包是空的；请确认选对了文件".to_string();
    }
    format!(
        "包内的文件有：{}；如果工作簿在压缩包里，请先解压再指定其中的 .xlsx",
        join_some(entries, 5)
    )
}

fn describe_folder(others: &[String]) -> String {
    if others.is_empty() {
        return "文件夹是空的；请把考评工作簿放进去，或直接指定 .xlsx 文件".to_string();
    }
    if others.iter().all(|name| name.starts_with("~$")) {
        return format!(
            "只有 Excel/WPS 打开工作簿时生成的临时锁定文件（{}）；请先在 Excel/WPS 中保存工作簿",
            join_some(others, 5)
        );
    }
    format!("其中的文件：{}；请把考评工作簿另存为 .xlsx 放进去", join_some(others, 5))
}

fn join_some(items: &[String], shown: usize) -> String {
    let mut text = items.iter().take(shown).map(String::as_str).collect::<Vec<_>>().join("、");
    if items.len() > shown {
        text.push_str(&format!(" 等 {} 个", items.len()));
    }
    text
}

/// What a file that is not an xlsx workbook turned out to be; displayed as the whole
/// explanation, advice included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileKind {
    /// Plain text that is not a table.
    Text,
    /// Text with a separator on every line; `separator` as it should be named to a user.
    Csv {
        separator: &'static str,
    },
    /// An HTML table, what many business systems export as `.xls`.
    Html,
    /// The Excel 2003 XML spreadsheet format, another common "xls" export.
    Xml2003,
    Pdf,
    Image,
    Word,
    PowerPoint,
    /// Excel's binary workbook, `.xlsb`.
    Xlsb,
    /// A zipped OpenDocument file that is not a spreadsheet.
    OpenDocument,
    /// The `~$…` owner file Excel and WPS keep beside an open workbook.
    LockFile,
    /// Anything else; the first bytes in hex, for whoever investigates.
    Unknown {
        head: String,
    },
}

const SAVE_AS_XLSX: &str = "请用 Excel 或 WPS 打开它，“另存为” Excel 工作簿 (.xlsx) 后再试";

impl fmt::Display for FileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileKind::Text => write!(
                f,
                "这是一个文本文件，不是 Excel 工作簿（扩展名不能说明文件的真实格式）；请用 Excel 或 WPS 打开原来的工作簿，另存为 .xlsx 后再试"
            ),
            FileKind::Csv { separator } => write!(
                f,
                "这是 CSV 文本表格（以{separator}分隔），不是 Excel 工作簿；{SAVE_AS_XLSX}"
            ),
            FileKind::Html => write!(
                f,
                "这是网页 (HTML) 格式的表格（业务系统导出的 .xls 常是这种格式），不是真正的 Excel 工作簿；{SAVE_AS_XLSX}"
            ),
            FileKind::Xml2003 => {
                write!(f, "这是 Excel 2003 XML 表格格式，不是 .xlsx 工作簿；{SAVE_AS_XLSX}")
            }
            FileKind::Pdf => {
                write!(f, "这是 PDF 文件，不是 Excel 工作簿；kaoping 需要填写好的 .xlsx 考评工作簿")
            }
            FileKind::Image => {
                write!(f, "这是图片文件，不是 Excel 工作簿；kaoping 需要填写好的 .xlsx 考评工作簿")
            }
            FileKind::Word => write!(
                f,
                "这是 Word 文档，不是 Excel 工作簿；kaoping 需要填写好的 .xlsx 考评工作簿"
            ),
            FileKind::PowerPoint => write!(
                f,
                "这是 PowerPoint 演示文稿，不是 Excel 工作簿；kaoping 需要填写好的 .xlsx 考评工作簿"
            ),
            FileKind::Xlsb => write!(
                f,
                "这是 Excel 二进制工作簿 (.xlsb)，kaoping 只读 .xlsx；请在 Excel 中“另存为” Excel 工作簿 (.xlsx) 后再试"
            ),
            FileKind::OpenDocument => write!(
                f,
                "这是 OpenDocument 文档（不是表格），不是 Excel 工作簿；kaoping 需要填写好的 .xlsx 考评工作簿"
            ),
            FileKind::LockFile => write!(
                f,
                "这是 Excel/WPS 打开工作簿时生成的临时锁定文件（~$ 开头），不是工作簿本身；请改用同一文件夹中去掉 ~$ 的那个文件"
            ),
            FileKind::Unknown { head } => write!(
                f,
                "无法识别的文件格式（开头的字节：{head}），不是 Excel 工作簿；请确认选对了文件，必要时用 Excel 或 WPS 另存为 .xlsx"
            ),
        }
    }
}

/// Which limit a file exceeded; displayed as the whole explanation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limit {
    /// The file itself is larger than [`MAX_FILE_BYTES`].
    FileSize { bytes: u64 },
    /// The parts unpack to more than [`MAX_UNPACKED_BYTES`].
    Unpacked { bytes: u64 },
    /// One part compresses better than [`MAX_RATIO`]:1.
    Ratio { entry: String, ratio: u64 },
    /// More than [`MAX_ZIP_ENTRIES`] parts.
    Entries { count: usize },
    /// A sheet with more than [`MAX_ROWS`] non-empty rows.
    Rows { sheet: String },
    /// A sheet whose used rectangle spans more than [`MAX_SHEET_CELLS`] cells.
    SheetCells { sheet: String, range: String },
    /// All sheets together span more than [`MAX_WORKBOOK_CELLS`] cells.
    WorkbookCells { sheet: String },
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / MIB as f64)
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::FileSize { bytes } => write!(
                f,
                "文件有 {}，超过 kaoping 的上限 {}；考评工作簿通常只有几百 KB，请确认选对了文件",
                mib(*bytes),
                mib(MAX_FILE_BYTES)
            ),
            Limit::Unpacked { bytes } => write!(
                f,
                "工作簿解压后共 {}，超过 kaoping 的上限 {}（可能是恶意构造的“压缩炸弹”，或不是考评工作簿），已拒绝读取",
                mib(*bytes),
                mib(MAX_UNPACKED_BYTES)
            ),
            Limit::Ratio { entry, ratio } => write!(
                f,
                "工作簿中的 {entry} 压缩比异常（约 {ratio}:1，正常不超过 {MAX_RATIO}:1），可能是恶意构造的“压缩炸弹”，已拒绝读取"
            ),
            Limit::Entries { count } => write!(
                f,
                "压缩包中有 {count} 个部件，超过 kaoping 的上限 {MAX_ZIP_ENTRIES}；这不像是考评工作簿，已拒绝读取"
            ),
            Limit::Rows { sheet } => write!(
                f,
                "工作表“{sheet}”超过 {MAX_ROWS} 行，超出 kaoping 的上限；请删除多余的行，或把数据拆分到多个工作簿"
            ),
            Limit::SheetCells { sheet, range } => write!(
                f,
                "工作表“{sheet}”的数据范围 {range} 超过 {MAX_SHEET_CELLS} 个单元格，超出 kaoping 的上限；常见原因是很远的行或列里有零散内容，请删除多余的内容后再试"
            ),
            Limit::WorkbookCells { sheet } => write!(
                f,
                "读到工作表“{sheet}”时，全部工作表的数据范围合计超过 {MAX_WORKBOOK_CELLS} 个单元格，超出 kaoping 的上限；请删除不需要的工作表或多余的内容"
            ),
        }
    }
}

/// Expands the command line's files and folders into the workbooks to read, sorted for a
/// deterministic order: `.xlsx` files in folders (not recursive), skipping Excel/WPS lock
/// files (`~$…`), hidden files and the log of online scoring (`评分日志.csv`, which sits
/// beside the online scores and is kaoping's own). An explicitly named file is always taken.
///
/// In a folder, files that look like spreadsheets in another format (`.xls`, `.et`,
/// `.ods`, `.csv`, `.xlsm`) are taken too, so that [`open`] explains the format instead
/// of the file being silently ignored. The same file named twice is read once.
///
/// # Errors
///
/// [`ReadError::NotFound`] for a path that does not exist,
/// [`ReadError::NoWorkbookInFolder`] for a folder without any workbook, and
/// [`ReadError::Io`] when a folder cannot be listed.
pub fn collect_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ReadError> {
    let mut inputs = Vec::new();
    let mut seen = HashSet::new();
    let mut take = |path: PathBuf, inputs: &mut Vec<PathBuf>| {
        let key = fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        if seen.insert(key) {
            inputs.push(path);
        }
    };
    for path in paths {
        let metadata = fs::metadata(path).map_err(|err| io_error(path, err))?;
        if metadata.is_dir() {
            for file in workbooks_in(path)? {
                take(file, &mut inputs);
            }
        } else {
            take(path.clone(), &mut inputs);
        }
    }
    Ok(inputs)
}

/// Extensions of files a folder scan takes: workbooks, and spreadsheets in formats that
/// deserve an explanation rather than silence.
const SPREADSHEET_EXTENSIONS: &[&str] = &["xlsx", "xlsm", "xls", "et", "ods", "csv"];

fn workbooks_in(dir: &Path) -> Result<Vec<PathBuf>, ReadError> {
    let entries = fs::read_dir(dir).map_err(|err| io_error(dir, err))?;
    let mut found = Vec::new();
    let mut others = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|err| io_error(dir, err))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        // `fs::metadata` follows symbolic links, so a linked workbook counts.
        if !fs::metadata(&path).is_ok_and(|m| m.is_file()) {
            continue;
        }
        let extension =
            path.extension().map(|e| e.to_string_lossy().to_lowercase()).unwrap_or_default();
        let own_log = name == crate::online::LOG_FILE;
        if !name.starts_with("~$")
            && !own_log
            && SPREADSHEET_EXTENSIONS.contains(&extension.as_str())
        {
            found.push((entry.file_name(), path));
        } else {
            others.push(name);
        }
    }
    if found.is_empty() {
        others.sort();
        return Err(ReadError::NoWorkbookInFolder { path: dir.to_path_buf(), others });
    }
    found.sort();
    Ok(found.into_iter().map(|(_, path)| path).collect())
}

fn io_error(path: &Path, err: io::Error) -> ReadError {
    let path = path.to_path_buf();
    match err.kind() {
        io::ErrorKind::NotFound => ReadError::NotFound { path },
        _ => ReadError::Io { path, source: err },
    }
}

/// Reads one workbook from disk.
///
/// Every sheet is read (chart sheets have no cells and are skipped); formula cells hold
/// their cached value; every cell of a merged area holds the area's top-left value, and
/// each such area is reported in [`Workbook::notes`].
///
/// # Errors
///
/// A [`ReadError`] that names the file and says what it is when it is not an xlsx
/// workbook, when it is damaged, or when it exceeds one of the limits above. Never
/// panics, whatever the bytes.
pub fn open(path: &Path) -> Result<Workbook, ReadError> {
    let bytes = read_file(path)?;
    sniff(path, &bytes)?;
    check_zip(path, &bytes)?;
    let title = document_title(&bytes);
    // calamine is a large parser fed with untrusted bytes; should it ever panic, the user
    // still gets a message naming the file instead of a crash. Nothing shared is mutated
    // inside, so unwinding cannot leave broken state behind.
    match catch_unwind(AssertUnwindSafe(|| read_xlsx(path, &bytes))) {
        Ok(result) => result.map(|book| Workbook { title, ..book }),
        Err(payload) => Err(ReadError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("解析时出错：{}", panic_message(payload.as_ref())),
        }),
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "未知错误".to_string()
    }
}

/// The whole file in one read, refused before reading when it is too large.
fn read_file(path: &Path) -> Result<Vec<u8>, ReadError> {
    let metadata = fs::metadata(path).map_err(|err| io_error(path, err))?;
    if metadata.is_dir() {
        return Err(ReadError::IsDirectory { path: path.to_path_buf() });
    }
    // A pipe or device could block the read forever or never end.
    if !metadata.is_file() {
        return Err(ReadError::Io {
            path: path.to_path_buf(),
            source: io::Error::other("不是普通文件"),
        });
    }
    let too_large =
        |bytes| ReadError::TooLarge { path: path.to_path_buf(), limit: Limit::FileSize { bytes } };
    if metadata.len() > MAX_FILE_BYTES {
        return Err(too_large(metadata.len()));
    }
    let file = File::open(path).map_err(|err| io_error(path, err))?;
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    // The file may grow between the size check and the read (a copy in progress).
    file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(|err| io_error(path, err))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    if bytes.is_empty() {
        return Err(ReadError::Empty { path: path.to_path_buf() });
    }
    Ok(bytes)
}

const OLE2_MAGIC: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

/// `Ok` when the bytes are a zip (an xlsx is one); otherwise what the file is instead.
fn sniff(path: &Path, bytes: &[u8]) -> Result<(), ReadError> {
    let path_buf = || path.to_path_buf();
    // Local file header, empty archive, spanned archive: the three ways a zip begins.
    if [b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08"].iter().any(|magic| bytes.starts_with(*magic)) {
        return Ok(());
    }
    if bytes.starts_with(OLE2_MAGIC) {
        // Office encrypts a password-protected xlsx into an OLE2 compound file holding an
        // `EncryptedPackage` stream; the stream names are stored in UTF-16LE.
        return Err(if contains(bytes, &utf16le("EncryptedPackage")) {
            ReadError::Encrypted { path: path_buf() }
        } else if contains(bytes, &utf16le("WordDocument")) {
            ReadError::NotAWorkbook { path: path_buf(), kind: FileKind::Word }
        } else if contains(bytes, &utf16le("PowerPoint Document")) {
            ReadError::NotAWorkbook { path: path_buf(), kind: FileKind::PowerPoint }
        } else {
            ReadError::LegacyXls { path: path_buf() }
        });
    }
    let kind = sniff_kind(bytes);
    let is_lock_file = path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("~$"));
    let kind = match kind {
        FileKind::Unknown { .. } | FileKind::Text if is_lock_file => FileKind::LockFile,
        kind => kind,
    };
    Err(ReadError::NotAWorkbook { path: path_buf(), kind })
}

fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// What a file that is neither a zip nor an OLE2 compound file is.
fn sniff_kind(bytes: &[u8]) -> FileKind {
    if bytes.starts_with(b"%PDF") {
        return FileKind::Pdf;
    }
    if bytes.starts_with(b"\x89PNG")
        || bytes.starts_with(&[0xFF, 0xD8, 0xFF])
        || bytes.starts_with(b"GIF8")
    {
        return FileKind::Image;
    }
    let sample = &bytes[..bytes.len().min(64 * 1024)];
    let Some(text) = sample_text(sample) else {
        let head = bytes.iter().take(8).map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(" ");
        return FileKind::Unknown { head };
    };
    let start = text
        .trim_start_matches(['\u{FEFF}', ' ', '\t', '\r', '\n'])
        .chars()
        .take(4096)
        .collect::<String>()
        .to_lowercase();
    if start.starts_with("<!doctype html") || start.starts_with("<html") || start.contains("<table")
    {
        return FileKind::Html;
    }
    if start.starts_with("<?xml") && start.contains("urn:schemas-microsoft-com:office:spreadsheet")
    {
        return FileKind::Xml2003;
    }
    match csv_separator(&text) {
        Some(separator) => FileKind::Csv { separator },
        None => FileKind::Text,
    }
}

/// The sample as text when it is text: UTF-16 with a byte-order mark (Excel's "Unicode
/// text"), or any 8-bit text — UTF-8 or the GBK that Chinese Windows writes — without
/// NUL bytes and with hardly any control bytes. GBK is decoded lossily, which keeps the
/// ASCII separators the CSV check looks for.
fn sample_text(sample: &[u8]) -> Option<String> {
    let utf16 = |bytes: &[u8], little: bool| {
        let units = bytes.chunks_exact(2).map(|pair| {
            let pair = [pair[0], pair[1]];
            if little { u16::from_le_bytes(pair) } else { u16::from_be_bytes(pair) }
        });
        char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect::<String>()
    };
    if let Some(rest) = sample.strip_prefix(&[0xFF, 0xFE]) {
        return Some(utf16(rest, true));
    }
    if let Some(rest) = sample.strip_prefix(&[0xFE, 0xFF]) {
        return Some(utf16(rest, false));
    }
    let controls = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C | 0x1B))
        .count();
    if sample.contains(&0) || controls * 100 > sample.len() {
        return None;
    }
    Some(String::from_utf8_lossy(sample).into_owned())
}

/// The separator of a CSV: one that appears on nearly every one of several lines.
fn csv_separator(text: &str) -> Option<&'static str> {
    let lines: Vec<&str> = text.lines().filter(|line| !line.trim().is_empty()).take(50).collect();
    if lines.len() < 2 {
        return None;
    }
    [(',', "逗号"), ('\t', "制表符"), (';', "分号")]
        .into_iter()
        .find(|&(separator, _)| {
            let with = lines.iter().filter(|l| l.contains(separator)).count();
            with * 10 >= lines.len() * 8
        })
        .map(|(_, name)| name)
}

/// The zip-level checks: an archive that can be opened at all, that is an xlsx, and
/// whose declared sizes stay inside the limits (the zip reader refuses to inflate past
/// a declared size, so checking the declarations bounds the real work).
fn check_zip(path: &Path, bytes: &[u8]) -> Result<(), ReadError> {
    let path_buf = || path.to_path_buf();
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|_| ReadError::Truncated { path: path_buf() })?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(ReadError::TooLarge {
            path: path_buf(),
            limit: Limit::Entries { count: archive.len() },
        });
    }
    let mut entries = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let entry =
            archive.by_index_data(index).map_err(|_| ReadError::Truncated { path: path_buf() })?;
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        entries.push(ZipEntry {
            name,
            compressed: entry.compressed_size(),
            unpacked: entry.size(),
        });
    }
    let names: Vec<String> = entries.iter().map(|e| part_name(&e.name)).collect();
    let has = |wanted: &str| names.iter().any(|n| n == wanted);
    if !names.iter().any(|n| n.ends_with("workbook.xml")) {
        let kind = if has("xl/workbook.bin") {
            Some(FileKind::Xlsb)
        } else if has("word/document.xml") {
            Some(FileKind::Word)
        } else if has("ppt/presentation.xml") {
            Some(FileKind::PowerPoint)
        } else {
            None
        };
        if let Some(kind) = kind {
            return Err(ReadError::NotAWorkbook { path: path_buf(), kind });
        }
        if has("mimetype") || has("content.xml") {
            let mimetype = read_part_head(&mut archive, "mimetype", 200).unwrap_or_default();
            let mimetype = String::from_utf8_lossy(&mimetype);
            return Err(if mimetype.contains("opendocument.spreadsheet") || !has("mimetype") {
                ReadError::Ods { path: path_buf() }
            } else {
                ReadError::NotAWorkbook { path: path_buf(), kind: FileKind::OpenDocument }
            });
        }
        return Err(ReadError::ZipWithoutWorkbook {
            path: path_buf(),
            entries: entries.into_iter().map(|e| e.name).collect(),
        });
    }
    if let Some(limit) = zip_limit(&entries) {
        return Err(ReadError::TooLarge { path: path_buf(), limit });
    }
    check_shared_strings(path, &mut archive, &entries)
}

struct ZipEntry {
    name: String,
    compressed: u64,
    unpacked: u64,
}

/// A part name as compared: lower case, forward slashes, no leading slash.
fn part_name(name: &str) -> String {
    name.replace('\\', "/").trim_start_matches('/').to_lowercase()
}

fn zip_limit(entries: &[ZipEntry]) -> Option<Limit> {
    let total = entries.iter().fold(0u64, |sum, e| sum.saturating_add(e.unpacked));
    if total > MAX_UNPACKED_BYTES {
        return Some(Limit::Unpacked { bytes: total });
    }
    entries.iter().find_map(|e| {
        let ratio = e.unpacked / e.compressed.max(1);
        (e.unpacked >= RATIO_CHECK_FROM && ratio > MAX_RATIO)
            .then(|| Limit::Ratio { entry: e.name.clone(), ratio })
    })
}

/// `<dc:title>` of `docProps/core.xml`, when the file has one; calamine does not read
/// document properties.
fn document_title(bytes: &[u8]) -> Option<String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).ok()?;
    let xml = read_part_head(&mut archive, "docprops/core.xml", 64 * 1024)?;
    let xml = String::from_utf8_lossy(&xml);
    let open = xml.find("<dc:title")?;
    let start = open + xml[open..].find('>')? + 1;
    let end = start + xml[start..].find("</dc:title>")?;
    let title = xml_unescape(&xml[start..end]);
    (!title.trim().is_empty()).then_some(title)
}

/// Undoes the five predefined XML entities and numeric character references.
fn xml_unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';') else { break };
        let entity = &rest[1..end];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .map(|hex| u32::from_str_radix(hex, 16))
                .or_else(|| entity.strip_prefix('#').map(|dec| dec.parse::<u32>()))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Up to `limit` bytes of a part, found by its name in any case.
fn read_part_head(
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    name: &str,
    limit: u64,
) -> Option<Vec<u8>> {
    let index = (0..archive.len()).find(|&i| {
        archive
            .by_index_data(i)
            .is_ok_and(|e| part_name(&String::from_utf8_lossy(e.name_raw())) == name)
    })?;
    let file = archive.by_index(index).ok()?;
    let mut head = Vec::new();
    // A damaged part simply yields fewer bytes; calamine reports it properly later.
    let _ = file.take(limit).read_to_end(&mut head);
    Some(head)
}

/// calamine reserves memory for as many shared strings as the file declares, before it
/// reads any; a forged count would abort the process (an allocation failure is no
/// panic). Each string takes at least `<si/>`, five bytes, so a count beyond a fifth of
/// the part's size is a lie.
fn check_shared_strings(
    path: &Path,
    archive: &mut zip::ZipArchive<Cursor<&[u8]>>,
    entries: &[ZipEntry],
) -> Result<(), ReadError> {
    for entry in entries {
        let name = part_name(&entry.name);
        if !name.ends_with("sharedstrings.xml") {
            continue;
        }
        let Some(head) = read_part_head(archive, &name, 64 * 1024) else {
            continue;
        };
        let head = String::from_utf8_lossy(&head);
        // Only `uniqueCount` is reserved for; `count` counts references to the strings
        // and may rightly be far larger than the part.
        let declared = attribute_number(&head, "<sst", "uniqueCount");
        if declared.is_some_and(|count| count > entry.unpacked / 5 + 16) {
            return Err(ReadError::Corrupt {
                path: path.to_path_buf(),
                detail: format!("{} 声明的字符串个数与其大小不符", entry.name),
            });
        }
    }
    Ok(())
}

/// The numeric value of `attribute` on the first `tag` element, e.g. `uniqueCount="12"`.
fn attribute_number(xml: &str, tag: &str, attribute: &str) -> Option<u64> {
    let start = xml.find(tag)?;
    let element = &xml[start..];
    let element = &element[..element.find('>').unwrap_or(element.len())];
    let mut search = element;
    loop {
        let at = search.find(attribute)?;
        let before = search[..at].chars().last();
        let after = &search[at + attribute.len()..];
        let after = after.trim_start();
        if before.is_some_and(char::is_whitespace) && after.starts_with('=') {
            let value = after[1..].trim_start();
            let value = value.trim_start_matches(['"', '\'']);
            let digits: String = value.chars().take_while(char::is_ascii_digit).collect();
            // An absurdly long number is as forged as a large one.
            return Some(digits.parse().unwrap_or(u64::MAX));
        }
        search = &search[at + attribute.len()..];
    }
}

fn read_xlsx(path: &Path, bytes: &[u8]) -> Result<Workbook, ReadError> {
    let corrupt = |err: XlsxError| match err {
        XlsxError::Password => ReadError::Encrypted { path: path.to_path_buf() },
        err => ReadError::Corrupt { path: path.to_path_buf(), detail: err.to_string() },
    };
    let mut xlsx: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(corrupt)?;
    let names: Vec<String> = xlsx
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect();
    let mut budget = MAX_WORKBOOK_CELLS;
    let mut sheets = Vec::with_capacity(names.len());
    let mut notes = Vec::new();
    for name in names {
        let mut cells = read_cells(&mut xlsx, &name).map_err(|err| match err {
            SheetError::Xlsx(err) => corrupt(err),
            SheetError::Limit(limit) => ReadError::TooLarge { path: path.to_path_buf(), limit },
        })?;
        let merged = xlsx.merge_cells_by_sheet_name(&name).map_err(corrupt)?;
        let too_large = |limit| ReadError::TooLarge { path: path.to_path_buf(), limit };
        notes.extend(fill_merged(path, &name, &mut cells, &merged).map_err(too_large)?);
        let area = bounding_area(&cells);
        if area > MAX_SHEET_CELLS {
            return Err(too_large(Limit::SheetCells {
                range: bounding_range(&cells),
                sheet: name,
            }));
        }
        if area > budget {
            return Err(too_large(Limit::WorkbookCells { sheet: name }));
        }
        budget -= area;
        sheets.push(Sheet { name, cells: Range::from_sparse(cells) });
    }
    Ok(Workbook { path: path.to_path_buf(), sheets, title: None, notes })
}

enum SheetError {
    Xlsx(XlsxError),
    Limit(Limit),
}

impl From<XlsxError> for SheetError {
    fn from(err: XlsxError) -> Self {
        SheetError::Xlsx(err)
    }
}

/// The non-empty cells of a sheet, streamed so that an oversized sheet is refused after
/// [`MAX_ROWS`] rows instead of after loading all of it.
fn read_cells(xlsx: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> Result<Vec<Cell<Data>>, SheetError> {
    let mut reader = match xlsx.worksheet_cells_reader(name) {
        Ok(reader) => reader,
        // A part listed as a worksheet that holds something else has no cells to read.
        Err(XlsxError::NotAWorksheet(_)) => return Ok(Vec::new()),
        Err(err) => return Err(err.into()),
    };
    let mut cells = Vec::new();
    let mut rows = 0usize;
    let mut last_row = None;
    while let Some(cell) = reader.next_cell()? {
        if matches!(cell.get_value(), DataRef::Empty) {
            continue;
        }
        let position = cell.get_position();
        if last_row != Some(position.0) {
            last_row = Some(position.0);
            rows += 1;
            if rows > MAX_ROWS {
                return Err(SheetError::Limit(Limit::Rows { sheet: name.to_string() }));
            }
        }
        if cells.len() as u64 >= MAX_SHEET_CELLS {
            return Err(SheetError::Limit(Limit::SheetCells {
                sheet: name.to_string(),
                range: bounding_range(&cells),
            }));
        }
        cells.push(Cell::new(position, Data::from(cell.get_value().clone())));
    }
    Ok(cells)
}

/// Gives every cell of each merged area the area's top-left value, and says so once per
/// area. Office workers merge the 类别 cells of consecutive rows in 日程; without this only
/// the first row of each group would have a category.
fn fill_merged(
    path: &Path,
    sheet: &str,
    cells: &mut Vec<Cell<Data>>,
    merged: &[Dimensions],
) -> Result<Vec<Finding>, Limit> {
    // Excel's grid; anything beyond is forged and clipped.
    const LAST_ROW: u32 = 1_048_575;
    const LAST_COL: u32 = 16_383;
    let mut areas: Vec<Dimensions> = merged
        .iter()
        .map(|d| {
            let (top, bottom) = (d.start.0.min(d.end.0), d.start.0.max(d.end.0));
            let (left, right) = (d.start.1.min(d.end.1), d.start.1.max(d.end.1));
            Dimensions::new((top, left), (bottom.min(LAST_ROW), right.min(LAST_COL)))
        })
        .filter(|d| d.start.0 <= d.end.0 && d.start.1 <= d.end.1 && d.len() > 1)
        .collect();
    if areas.is_empty() {
        return Ok(Vec::new());
    }
    areas.sort();
    areas.dedup();
    let total: u64 = areas.iter().map(Dimensions::len).sum();
    if total > MAX_SHEET_CELLS {
        let range = format!(
            "{}:{}",
            CellRef::new(areas[0].start.0, areas[0].start.1),
            CellRef::new(areas[0].end.0, areas[0].end.1)
        );
        return Err(Limit::SheetCells { sheet: sheet.to_string(), range });
    }
    let wanted: HashSet<(u32, u32)> = areas.iter().map(|d| d.start).collect();
    let mut top_left: HashMap<(u32, u32), Data> = HashMap::new();
    for cell in cells.iter() {
        if wanted.contains(&cell.get_position()) {
            top_left.insert(cell.get_position(), cell.get_value().clone());
        }
    }
    let mut notes = Vec::new();
    let mut unreported = 0usize;
    for area in &areas {
        let Some(value) = top_left.get(&area.start).filter(|v| !value::is_blank(v)) else {
            continue;
        };
        for row in area.start.0..=area.end.0 {
            for col in area.start.1..=area.end.1 {
                if (row, col) != area.start {
                    cells.push(Cell::new((row, col), value.clone()));
                }
            }
        }
        if notes.len() < MAX_MERGE_NOTES {
            let start = CellRef::new(area.start.0, area.start.1);
            let end = CellRef::new(area.end.0, area.end.1);
            notes.push(Finding::info(
                Location::cell(path, sheet, start),
                format!(
                    "合并单元格 {start}:{end} 已按左上角的值“{}”读取",
                    shorten(&value::display(value), 30)
                ),
            ));
        } else {
            unreported += 1;
        }
    }
    if unreported > 0 {
        notes.push(Finding::info(
            Location::sheet(path, sheet),
            format!("另有 {unreported} 处合并单元格同样按左上角的值读取"),
        ));
    }
    Ok(notes)
}

fn shorten(text: &str, max_chars: usize) -> String {
    let single_line = text.replace('\n', " ");
    if single_line.chars().count() <= max_chars {
        single_line
    } else {
        let mut short: String = single_line.chars().take(max_chars).collect();
        short.push('…');
        short
    }
}

/// (top, left, bottom, right) of the cells, or `None` when there are none.
fn bounds(cells: &[Cell<Data>]) -> Option<(u32, u32, u32, u32)> {
    cells.iter().map(Cell::get_position).fold(None, |acc, (r, c)| {
        Some(match acc {
            None => (r, c, r, c),
            Some((top, left, bottom, right)) => {
                (top.min(r), left.min(c), bottom.max(r), right.max(c))
            }
        })
    })
}

fn bounding_area(cells: &[Cell<Data>]) -> u64 {
    bounds(cells).map_or(0, |(top, left, bottom, right)| {
        u64::from(bottom - top + 1) * u64::from(right - left + 1)
    })
}

fn bounding_range(cells: &[Cell<Data>]) -> String {
    bounds(cells).map_or_else(String::new, |(top, left, bottom, right)| {
        format!("{}:{}", CellRef::new(top, left), CellRef::new(bottom, right))
    })
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use rust_xlsxwriter::{Format, Formula, Workbook as XlsxWorkbook};

    use super::*;

    fn temp_file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        fs::write(&path, bytes).unwrap();
        path
    }

    fn small_xlsx() -> Vec<u8> {
        let mut book = XlsxWorkbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("部门").unwrap();
        sheet.write(0, 0, "部门名称").unwrap();
        sheet.write(0, 1, "类别").unwrap();
        sheet.write(1, 0, "教务处").unwrap();
        sheet.write(1, 1, "处（室）").unwrap();
        sheet.write(2, 0, 95).unwrap();
        book.save_to_buffer().unwrap()
    }

    fn zip_with(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in parts {
            writer.start_file(*name, options).unwrap();
            writer.write_all(data).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn reads_a_workbook() {
        let dir = tempfile::tempdir().unwrap();
        let path = temp_file(dir.path(), "a.xlsx", &small_xlsx());
        let book = open(&path).unwrap();
        assert_eq!(book.sheet_names(), ["部门"]);
        let cells = &book.sheet("部门").unwrap().cells;
        assert_eq!(cells.get_value((1, 1)), Some(&Data::String("处（室）".into())));
        assert!(matches!(cells.get_value((2, 0)), Some(Data::Float(_) | Data::Int(_))));
        assert!(book.notes.is_empty());
    }

    #[test]
    fn the_document_title_is_read() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let properties = rust_xlsxwriter::DocProperties::new().set_title("甲&乙<2021>年度");
        workbook.set_properties(&properties);
        workbook.add_worksheet();
        let dir = tempfile::tempdir().unwrap();
        let path = temp_file(dir.path(), "t.xlsx", &workbook.save_to_buffer().unwrap());
        assert_eq!(open(&path).unwrap().title.as_deref(), Some("甲&乙<2021>年度"));
        let path = temp_file(dir.path(), "a.xlsx", &small_xlsx());
        assert_eq!(open(&path).unwrap().title, None);
        assert_eq!(xml_unescape("a&#x4E2D;&#25991;&amp;&bogus"), "a中文&&bogus");
    }

    #[test]
    fn merged_areas_are_filled_and_noted() {
        let mut book = XlsxWorkbook::new();
        let sheet = book.add_worksheet();
        sheet.set_name("日程").unwrap();
        sheet.write(0, 0, "类别").unwrap();
        sheet.merge_range(1, 0, 4, 0, "二级学院", &Format::new()).unwrap();
        sheet.write(1, 1, "a").unwrap();
        sheet.write(6, 1, "b").unwrap();
        // Merged but its top-left is blank: nothing to fill, nothing to say.
        sheet.merge_range(6, 2, 7, 2, "", &Format::new()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = temp_file(dir.path(), "m.xlsx", &book.save_to_buffer().unwrap());
        let book = open(&path).unwrap();
        let cells = &book.sheet("日程").unwrap().cells;
        for row in 1..=4 {
            assert_eq!(
                cells.get_value((row, 0)),
                Some(&Data::String("二级学院".into())),
                "row {row}"
            );
        }
        assert_eq!(book.notes.len(), 1);
        let note = &book.notes[0];
        assert_eq!(note.message, "合并单元格 A2:A5 已按左上角的值“二级学院”读取");
        assert_eq!(note.location.cell, Some(CellRef::new(1, 0)));
        assert_eq!(note.location.sheet.as_deref(), Some("日程"));
    }

    #[test]
    fn formula_cells_hold_their_cached_value() {
        let mut book = XlsxWorkbook::new();
        let sheet = book.add_worksheet();
        sheet.write_formula(0, 0, Formula::new("=1+1").set_result("2")).unwrap();
        sheet.write_formula(1, 0, Formula::new("=1/0").set_result("#DIV/0!")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = temp_file(dir.path(), "f.xlsx", &book.save_to_buffer().unwrap());
        let book = open(&path).unwrap();
        let cells = &book.sheets[0].cells;
        assert_eq!(
            value::points(cells.get_value((0, 0)).unwrap()),
            Ok(Some(crate::model::Points::from_hundredths(200)))
        );
        assert_eq!(cells.get_value((1, 0)), Some(&Data::Error(calamine::CellErrorType::Div0)));
    }

    #[test]
    fn sniffs_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let cases: Vec<(&str, Vec<u8>)> = vec![
            ("text.xlsx", "这不是工作簿\n只是几行字\n".as_bytes().to_vec()),
            ("one.xlsx", b"hello".to_vec()),
            ("x.xlsx", b"a,b,c\n1,2,3\n4,5,6\n".to_vec()),
            ("t.xlsx", b"a\tb\n1\t2\n".to_vec()),
            ("h.xls", b"<html><body><table><tr><td>1</td></tr></table></body></html>".to_vec()),
            (
                "x2003.xls",
                b"<?xml version=\"1.0\"?>\n<Workbook xmlns=\"urn:schemas-microsoft-com:office:spreadsheet\">".to_vec(),
            ),
            ("p.xlsx", b"%PDF-1.7 ...".to_vec()),
            ("i.xlsx", b"\x89PNG\r\n\x1a\n\0\0".to_vec()),
            ("u.xlsx", vec![0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
            ("~$lock.xlsx", vec![5, b'a', 0, 0, 0, 0, 0]),
        ];
        let expected = [
            FileKind::Text,
            FileKind::Text,
            FileKind::Csv { separator: "逗号" },
            FileKind::Csv { separator: "制表符" },
            FileKind::Html,
            FileKind::Xml2003,
            FileKind::Pdf,
            FileKind::Image,
            FileKind::Unknown { head: "00 01 02 03 04 05 06 07".into() },
            FileKind::LockFile,
        ];
        for ((name, bytes), want) in cases.into_iter().zip(expected) {
            let path = temp_file(dir.path(), name, &bytes);
            match open(&path) {
                Err(ReadError::NotAWorkbook { kind, .. }) => assert_eq!(kind, want, "{name}"),
                other => panic!("{name}: {other:?}"),
            }
        }
    }

    #[test]
    fn gbk_and_utf16_csv_are_recognised() {
        // "部门,得分" in GBK, two lines.
        let gbk = b"\xb2\xbf\xc3\xc5,\xb5\xc3\xb7\xd6\r\n\xbd\xcc\xce\xf1\xb4\xa6,95\r\n";
        assert_eq!(sniff_kind(gbk), FileKind::Csv { separator: "逗号" });
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(utf16le("部门\t得分\r\n教务处\t95\r\n"));
        assert_eq!(sniff_kind(&utf16), FileKind::Csv { separator: "制表符" });
    }

    #[test]
    fn ole2_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut xls = OLE2_MAGIC.to_vec();
        xls.extend(vec![0; 512]);
        xls.extend(utf16le("Workbook"));
        let path = temp_file(dir.path(), "old.xls", &xls);
        assert!(matches!(open(&path), Err(ReadError::LegacyXls { .. })));

        let mut encrypted = OLE2_MAGIC.to_vec();
        encrypted.extend(vec![0; 512]);
        encrypted.extend(utf16le("EncryptedPackage"));
        let path = temp_file(dir.path(), "secret.xlsx", &encrypted);
        let err = open(&path).unwrap_err();
        assert!(matches!(err, ReadError::Encrypted { .. }));
        assert!(err.to_string().contains("secret.xlsx"));

        let mut doc = OLE2_MAGIC.to_vec();
        doc.extend(utf16le("WordDocument"));
        let path = temp_file(dir.path(), "d.xls", &doc);
        assert!(matches!(open(&path), Err(ReadError::NotAWorkbook { kind: FileKind::Word, .. })));
    }

    #[test]
    fn zips_that_are_not_workbooks() {
        let dir = tempfile::tempdir().unwrap();
        let path = temp_file(
            dir.path(),
            "z.xlsx",
            &zip_with(&[("readme.txt", b"hi"), ("data/a.csv", b"1,2")]),
        );
        let err = open(&path).unwrap_err();
        match &err {
            ReadError::ZipWithoutWorkbook { entries, .. } => {
                assert_eq!(entries, &["readme.txt", "data/a.csv"]);
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("readme.txt"));

        let ods = zip_with(&[
            ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
            ("content.xml", b"<x/>"),
        ]);
        let path = temp_file(dir.path(), "o.xlsx", &ods);
        assert!(matches!(open(&path), Err(ReadError::Ods { .. })));

        let odt = zip_with(&[
            ("mimetype", b"application/vnd.oasis.opendocument.text"),
            ("content.xml", b"<x/>"),
        ]);
        let path = temp_file(dir.path(), "o.odt", &odt);
        assert!(matches!(
            open(&path),
            Err(ReadError::NotAWorkbook { kind: FileKind::OpenDocument, .. })
        ));

        let docx = zip_with(&[("word/document.xml", b"<w/>")]);
        let path = temp_file(dir.path(), "w.xlsx", &docx);
        assert!(matches!(open(&path), Err(ReadError::NotAWorkbook { kind: FileKind::Word, .. })));

        let xlsb = zip_with(&[("xl/workbook.bin", b"\0")]);
        let path = temp_file(dir.path(), "b.xlsx", &xlsb);
        assert!(matches!(open(&path), Err(ReadError::NotAWorkbook { kind: FileKind::Xlsb, .. })));

        let path = temp_file(dir.path(), "empty.zip", &zip_with(&[]));
        let err = open(&path).unwrap_err();
        assert!(matches!(err, ReadError::ZipWithoutWorkbook { .. }));
        assert!(err.to_string().contains("压缩包是空的"));
    }

    #[test]
    fn truncated_and_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let xlsx = small_xlsx();
        let path = temp_file(dir.path(), "half.xlsx", &xlsx[..xlsx.len() / 2]);
        assert!(matches!(open(&path), Err(ReadError::Truncated { .. })));

        let broken = zip_with(&[("xl/workbook.xml", b"<not really")]);
        let path = temp_file(dir.path(), "broken.xlsx", &broken);
        let err = open(&path).unwrap_err();
        assert!(matches!(err, ReadError::Corrupt { .. }), "{err:?}");
    }

    #[test]
    fn empty_missing_and_directory() {
        let dir = tempfile::tempdir().unwrap();
        let path = temp_file(dir.path(), "empty.xlsx", b"");
        assert!(matches!(open(&path), Err(ReadError::Empty { .. })));
        let missing = dir.path().join("missing.xlsx");
        let err = open(&missing).unwrap_err();
        assert!(matches!(err, ReadError::NotFound { .. }));
        assert_eq!(err.path(), missing);
        assert!(matches!(open(dir.path()), Err(ReadError::IsDirectory { .. })));
    }

    #[test]
    fn zip_limits() {
        let entry =
            |name: &str, compressed, unpacked| ZipEntry { name: name.into(), compressed, unpacked };
        assert_eq!(zip_limit(&[entry("a", 100, 1000)]), None);
        assert_eq!(
            zip_limit(&[entry("a", MIB, 300 * MIB), entry("b", MIB, 300 * MIB)]),
            Some(Limit::Unpacked { bytes: 600 * MIB })
        );
        assert_eq!(
            zip_limit(&[entry("a", u64::MAX, u64::MAX), entry("b", 1, u64::MAX)]),
            Some(Limit::Unpacked { bytes: u64::MAX })
        );
        assert_eq!(
            zip_limit(&[entry("xl/worksheets/sheet1.xml", 10 * 1024, 100 * MIB)]),
            Some(Limit::Ratio { entry: "xl/worksheets/sheet1.xml".into(), ratio: 10240 })
        );
        // A small part may compress as well as it likes.
        assert_eq!(zip_limit(&[entry("xl/styles.xml", 10, 100_000)]), None);
    }

    #[test]
    fn forged_shared_string_count_is_refused() {
        assert_eq!(
            attribute_number(
                r#"<?xml?><sst xmlns="x" count="7" uniqueCount="5">"#,
                "<sst",
                "uniqueCount"
            ),
            Some(5)
        );
        assert_eq!(
            attribute_number(r#"<sst count="7" uniqueCount="5">"#, "<sst", "count"),
            Some(7)
        );
        assert_eq!(attribute_number("<sst>", "<sst", "count"), None);

        let dir = tempfile::tempdir().unwrap();
        let forged = rewrite_part(&small_xlsx(), "xl/sharedStrings.xml", |xml| {
            xml.replacen("uniqueCount=\"", "uniqueCount=\"99999999999", 1)
        });
        let path = temp_file(dir.path(), "forged.xlsx", &forged);
        let err = open(&path).unwrap_err();
        assert!(matches!(err, ReadError::Corrupt { .. }), "{err:?}");
        assert!(err.to_string().contains("声明的字符串个数"), "{err}");

        // `count` counts references and may exceed the part's size; that is no forgery.
        let many_refs = rewrite_part(&small_xlsx(), "xl/sharedStrings.xml", |xml| {
            xml.replacen(" count=\"", " count=\"99999999999", 1)
        });
        let path = temp_file(dir.path(), "refs.xlsx", &many_refs);
        open(&path).unwrap();
    }

    /// A copy of an xlsx with one part's text changed.
    fn rewrite_part(xlsx: &[u8], part: &str, change: impl Fn(&str) -> String) -> Vec<u8> {
        let mut archive = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
        let mut parts = Vec::new();
        for i in 0..archive.len() {
            let mut file = archive.by_index(i).unwrap();
            let mut data = Vec::new();
            file.read_to_end(&mut data).unwrap();
            let name = file.name().unwrap().to_string();
            if name == part {
                let text = String::from_utf8(data).unwrap();
                assert_ne!(change(&text), text, "the change must apply");
                data = change(&text).into_bytes();
            }
            parts.push((name, data));
        }
        let parts: Vec<(&str, &[u8])> =
            parts.iter().map(|(n, d)| (n.as_str(), d.as_slice())).collect();
        zip_with(&parts)
    }

    #[test]
    fn collect_inputs_scans_folders() {
        let dir = tempfile::tempdir().unwrap();
        let xlsx = small_xlsx();
        temp_file(dir.path(), "b.xlsx", &xlsx);
        temp_file(dir.path(), "A.XLSX", &xlsx);
        temp_file(dir.path(), "~$b.xlsx", b"lock");
        temp_file(dir.path(), ".hidden.xlsx", &xlsx);
        temp_file(dir.path(), "old.xls", b"x");
        temp_file(dir.path(), "notes.txt", b"x");
        fs::create_dir(dir.path().join("sub.xlsx")).unwrap();
        let inputs = collect_inputs(&[dir.path().to_path_buf()]).unwrap();
        let names: Vec<_> =
            inputs.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["A.XLSX", "b.xlsx", "old.xls"]);

        // Named explicitly, a file is taken as given, and only once.
        let lock = dir.path().join("~$b.xlsx");
        let inputs =
            collect_inputs(&[lock.clone(), dir.path().join("b.xlsx"), lock.clone()]).unwrap();
        assert_eq!(inputs, [lock, dir.path().join("b.xlsx")]);

        let missing = dir.path().join("nope.xlsx");
        assert!(matches!(collect_inputs(&[missing]), Err(ReadError::NotFound { .. })));
    }

    #[test]
    fn folder_without_workbook() {
        let dir = tempfile::tempdir().unwrap();
        let err = collect_inputs(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(matches!(err, ReadError::NoWorkbookInFolder { .. }));
        assert!(err.to_string().contains("文件夹是空的"));
        temp_file(dir.path(), "~$x.xlsx", b"lock");
        let err = collect_inputs(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(err.to_string().contains("临时锁定文件"), "{err}");
        temp_file(dir.path(), "readme.txt", b"x");
        let err = collect_inputs(&[dir.path().to_path_buf()]).unwrap_err();
        assert!(err.to_string().contains("readme.txt"), "{err}");
    }

    #[test]
    fn messages_name_the_file() {
        let path = PathBuf::from("/data/考评 2021.xlsx");
        let errors = [
            ReadError::Empty { path: path.clone() },
            ReadError::LegacyXls { path: path.clone() },
            ReadError::TooLarge {
                path: path.clone(), limit: Limit::Rows { sheet: "评分".into() }
            },
        ];
        for err in errors {
            assert!(err.to_string().starts_with("/data/考评 2021.xlsx："), "{err}");
            assert_eq!(err.path(), path);
        }
        assert_eq!(
            Limit::Rows { sheet: "评分".into() }.to_string(),
            "工作表“评分”超过 500000 行，超出 kaoping 的上限；请删除多余的行，或把数据拆分到多个工作簿"
        );
    }
}
