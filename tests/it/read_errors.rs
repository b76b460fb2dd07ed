//! Files that are not what they claim to be, generated here rather than kept as binary
//! fixtures: each must end in a [`ReadError`] that names the file and says what it is,
//! never in a panic. Also the awkward but valid cases (merged cells, formulas, lock files
//! beside a workbook, paths with spaces and Chinese characters).

use std::fs;
use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use calamine::{CellErrorType, Data};
use kaoping::finding::{CellRef, Severity};
use kaoping::workbook::{FileKind, Limit, ReadError, Workbook, collect_inputs, open, required};
use proptest::prelude::*;
use rust_xlsxwriter::{Format, Formula, Workbook as XlsxWorkbook};
use zip::write::SimpleFileOptions;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    fs::write(&path, bytes).unwrap();
    path
}

/// A small valid workbook with a 评分 sheet.
fn score_xlsx() -> Vec<u8> {
    let mut book = XlsxWorkbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("评分").unwrap();
    for (col, header) in ["部门", "指标编号", "考评人", "得分"].iter().enumerate() {
        sheet.write(0, col as u16, *header).unwrap();
    }
    sheet.write(1, 0, "教务处").unwrap();
    sheet.write(1, 1, "C01").unwrap();
    sheet.write(1, 2, "张三").unwrap();
    sheet.write(1, 3, 18.5).unwrap();
    book.save_to_buffer().unwrap()
}

fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in parts {
        writer.start_file(*name, options).unwrap();
        writer.write_all(data).unwrap();
    }
    writer.finish().unwrap().into_inner()
}

/// The parts every xlsx needs besides its one worksheet.
const CONTENT_TYPES: &[u8] = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const ROOT_RELS: &[u8] = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="评分" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &[u8] = br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;

/// A hand-made xlsx whose only sheet has the given `<sheetData>` content, for sizes
/// rust_xlsxwriter would take long to write.
fn xlsx_with_sheet_data(sheet_data: &[u8]) -> Vec<u8> {
    let mut sheet = Vec::with_capacity(sheet_data.len() + 300);
    sheet.extend_from_slice(
        br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    sheet.extend_from_slice(sheet_data);
    sheet.extend_from_slice(b"</sheetData></worksheet>");
    zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/worksheets/sheet1.xml", &sheet),
    ])
}

fn ole2_with(stream_name: &str) -> Vec<u8> {
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.resize(1024, 0);
    bytes.extend(stream_name.encode_utf16().flat_map(u16::to_le_bytes));
    bytes.resize(2048, 0);
    bytes
}

/// Opens a file that must fail, and checks that the message names it.
fn open_err(path: &Path) -> ReadError {
    let err = match open(path) {
        Ok(_) => panic!("{} should not open", path.display()),
        Err(err) => err,
    };
    let name = path.file_name().unwrap().to_string_lossy();
    let message = err.to_string();
    assert!(message.contains(&*name), "{message}");
    assert_eq!(err.path(), path);
    err
}

#[test]
fn text_file_named_xlsx_says_it_is_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "考评.xlsx", "这是一段说明文字。\n没有表格。\n".as_bytes());
    let err = open_err(&path);
    assert!(matches!(err, ReadError::NotAWorkbook { kind: FileKind::Text, .. }), "{err:?}");
    assert!(err.to_string().contains("文本文件"));
}

#[test]
fn csv_says_save_as_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "部门,指标编号,考评人,得分\n教务处,C01,张三,18\n人事处,C01,张三,19\n";
    for name in ["评分.csv", "评分.xlsx"] {
        let path = write(dir.path(), name, csv.as_bytes());
        let err = open_err(&path);
        assert!(
            matches!(err, ReadError::NotAWorkbook { kind: FileKind::Csv { .. }, .. }),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains("CSV"), "{message}");
        assert!(message.contains("另存为"), "{message}");
    }
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "empty.xlsx", b"");
    assert!(matches!(open_err(&path), ReadError::Empty { .. }));
}

#[test]
fn truncated_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let xlsx = score_xlsx();
    let path = write(dir.path(), "half.xlsx", &xlsx[..xlsx.len() / 2]);
    let err = open_err(&path);
    assert!(matches!(err, ReadError::Truncated { .. }), "{err:?}");
    assert!(err.to_string().contains("不完整"));
}

#[test]
fn zip_without_workbook_lists_what_it_has() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = zip_of(&[("照片/1.jpg", b"\xFF\xD8\xFF"), ("说明.txt", b"hi")]);
    let path = write(dir.path(), "材料.xlsx", &bytes);
    let err = open_err(&path);
    assert!(matches!(err, ReadError::ZipWithoutWorkbook { .. }), "{err:?}");
    assert!(err.to_string().contains("说明.txt"));
}

#[test]
fn legacy_xls() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "旧表.xls", &ole2_with("Workbook"));
    let err = open_err(&path);
    assert!(matches!(err, ReadError::LegacyXls { .. }), "{err:?}");
    assert!(err.to_string().contains(".xls"));
    assert!(err.to_string().contains("另存为"));
}

#[test]
fn encrypted_workbook() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "加密.xlsx", &ole2_with("EncryptedPackage"));
    let err = open_err(&path);
    assert!(matches!(err, ReadError::Encrypted { .. }), "{err:?}");
    assert!(err.to_string().contains("密码"));
}

#[test]
fn ods_spreadsheet() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = zip_of(&[
        ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
        ("content.xml", b"<office:document-content/>"),
    ]);
    let path = write(dir.path(), "表格.ods", &bytes);
    let err = open_err(&path);
    assert!(matches!(err, ReadError::Ods { .. }), "{err:?}");
    assert!(err.to_string().contains(".ods"));
}

#[test]
fn lock_file_beside_a_workbook_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let real = write(dir.path(), "评分.xlsx", &score_xlsx());
    // What Excel leaves while the workbook is open: the owner's name, padded, in a
    // 165-byte file.
    let mut lock = vec![4u8];
    lock.extend(b"user");
    lock.resize(165, 0x20);
    write(dir.path(), "~$评分.xlsx", &lock);
    let inputs = collect_inputs(&[dir.path().to_path_buf()]).unwrap();
    assert_eq!(inputs, std::slice::from_ref(&real));
    open(&real).unwrap();

    // Named explicitly, the lock file is explained rather than read.
    let err = open_err(&dir.path().join("~$评分.xlsx"));
    assert!(matches!(err, ReadError::NotAWorkbook { kind: FileKind::LockFile, .. }), "{err:?}");
}

#[test]
fn folder_with_other_formats_includes_them_for_an_explanation() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.xlsx", &score_xlsx());
    write(dir.path(), "b.xls", &ole2_with("Workbook"));
    write(dir.path(), "c.csv", b"a,b\n1,2\n");
    write(dir.path(), "d.txt", b"notes");
    let inputs = collect_inputs(&[dir.path().to_path_buf()]).unwrap();
    let names: Vec<_> =
        inputs.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    assert_eq!(names, ["a.xlsx", "b.xls", "c.csv"]);

    let empty = tempfile::tempdir().unwrap();
    let err = collect_inputs(&[empty.path().to_path_buf()]).unwrap_err();
    assert!(matches!(err, ReadError::NoWorkbookInFolder { .. }), "{err:?}");
    assert_eq!(err.path(), empty.path());
}

#[test]
fn paths_with_spaces_and_chinese_characters() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("考评 材料 2021");
    fs::create_dir(&folder).unwrap();
    let path = write(&folder, "2021年度 绩效考评（评分）.xlsx", &score_xlsx());
    let inputs = collect_inputs(std::slice::from_ref(&folder)).unwrap();
    assert_eq!(inputs, std::slice::from_ref(&path));
    let book = open(&path).unwrap();
    assert_eq!(book.path, path);
    assert_eq!(book.sheet_names(), ["评分"]);

    let broken = write(&folder, "坏 文件.xlsx", b"not a workbook at all");
    let err = open_err(&broken);
    assert!(err.to_string().contains("考评 材料 2021"));
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("不存在.xlsx");
    assert!(matches!(open_err(&path), ReadError::NotFound { .. }));
    assert!(matches!(collect_inputs(&[path]), Err(ReadError::NotFound { .. })));
}

fn merged_schedule() -> Workbook {
    let mut book = XlsxWorkbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("日程").unwrap();
    for (col, header) in ["类别", "部门", "日期", "时间"].iter().enumerate() {
        sheet.write(0, col as u16, *header).unwrap();
    }
    sheet.merge_range(1, 0, 3, 0, "二级学院", &Format::new()).unwrap();
    for (row, dept) in [(1, "信息工程学院"), (2, "财经学院"), (3, "医学院")] {
        sheet.write(row, 1, dept).unwrap();
        sheet.write(row, 2, "2021-11-29").unwrap();
        sheet.write(row, 3, "上午10:30").unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "日程.xlsx", &book.save_to_buffer().unwrap());
    open(&path).unwrap()
}

#[test]
fn merged_cells_read_the_top_left_value_and_say_so() {
    let book = merged_schedule();
    assert_eq!(book.notes.len(), 1);
    let note = &book.notes[0];
    assert_eq!(note.severity, Severity::Info);
    assert_eq!(note.location.sheet.as_deref(), Some("日程"));
    assert_eq!(note.location.cell, Some(CellRef::new(1, 0)));
    assert_eq!(note.message, "合并单元格 A2:A4 已按左上角的值“二级学院”读取");

    let sheet = book.sheet("日程").unwrap();
    let table = sheet.table(&book.path, &[required("类别"), required("部门")]).unwrap();
    let categories: Vec<String> =
        table.rows().map(|row| row.required_text("类别").unwrap()).collect();
    assert_eq!(categories, ["二级学院", "二级学院", "二级学院"]);
}

#[test]
fn formula_cells_use_cached_values_and_error_cells_are_named() {
    let mut book = XlsxWorkbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("评分").unwrap();
    sheet.write(0, 0, "部门").unwrap();
    sheet.write(0, 1, "得分").unwrap();
    sheet.write(1, 0, "教务处").unwrap();
    sheet.write_formula(1, 1, Formula::new("=9*2").set_result("18")).unwrap();
    sheet.write(2, 0, "人事处").unwrap();
    sheet.write_formula(2, 1, Formula::new("=1/0").set_result("#DIV/0!")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "公式.xlsx", &book.save_to_buffer().unwrap());
    let book = open(&path).unwrap();
    let sheet = book.sheet("评分").unwrap();
    assert_eq!(sheet.cells.get_value((2, 1)), Some(&Data::Error(CellErrorType::Div0)));

    let table = sheet.table(&book.path, &[required("部门"), required("得分")]).unwrap();
    let rows: Vec<_> = table.rows().collect();
    assert_eq!(rows[0].required_points("得分").unwrap().hundredths(), 1800);
    let finding = rows[1].required_points("得分").unwrap_err();
    assert_eq!(finding.severity, Severity::Error);
    assert_eq!(finding.location.cell, Some(CellRef::new(2, 1)));
    assert_eq!(finding.location.file.as_deref(), Some(path.as_path()));
    assert_eq!(
        finding.to_string(),
        "评分!B3：得分是 Excel 错误值 #DIV/0!，请修正该单元格的公式或内容"
    );
}

#[test]
fn a_million_rows_are_refused_quickly() {
    let mut data = Vec::with_capacity(50 * 1_000_000);
    for row in 1..=1_000_000u32 {
        write!(data, r#"<row r="{row}"><c r="A{row}"><v>{row}</v></c></row>"#).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "百万行.xlsx", &xlsx_with_sheet_data(&data));
    drop(data);
    let started = Instant::now();
    let err = open_err(&path);
    let elapsed = started.elapsed();
    assert!(matches!(&err, ReadError::TooLarge { limit: Limit::Rows { .. }, .. }), "{err:?}");
    assert!(err.to_string().contains("工作表“评分”超过 500000 行"), "{err}");
    assert!(elapsed.as_secs() < 60, "took {elapsed:?}");
}

#[test]
fn scattered_cells_are_refused_before_allocating_their_rectangle() {
    // Two cells at opposite corners of the grid would need 17 billion cells in memory.
    let data = br#"<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><c r="XFD1048576"><v>2</v></c></row>"#;
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "角落.xlsx", &xlsx_with_sheet_data(data));
    let err = open_err(&path);
    assert!(matches!(&err, ReadError::TooLarge { limit: Limit::SheetCells { .. }, .. }), "{err:?}");
    assert!(err.to_string().contains("A1:XFD1048576"), "{err}");
}

#[test]
fn zip_bomb_by_ratio() {
    let zeros = vec![b' '; 64 * 1024 * 1024];
    let bytes = zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", WORKBOOK.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/sharedStrings.xml", &zeros),
    ]);
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "bomb.xlsx", &bytes);
    let err = open_err(&path);
    assert!(matches!(&err, ReadError::TooLarge { limit: Limit::Ratio { .. }, .. }), "{err:?}");
}

#[test]
fn zip_bomb_by_declared_size() {
    let mut bytes = score_xlsx();
    // Declare 600 MiB for the first part in the central directory; the zip reader would
    // stop at the declared size, so declarations are what bound the work.
    let central = bytes.windows(4).position(|w| w == b"PK\x01\x02").expect("a central directory");
    let size_field = central + 24;
    bytes[size_field..size_field + 4].copy_from_slice(&(600u32 * 1024 * 1024).to_le_bytes());
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "declared.xlsx", &bytes);
    let err = open_err(&path);
    assert!(matches!(&err, ReadError::TooLarge { limit: Limit::Unpacked { .. }, .. }), "{err:?}");
}

proptest! {
    // Kept quick for `cargo test`; a crash found here becomes a named regression test
    // rather than a persisted seed file.
    #![proptest_config(ProptestConfig {
        cases: 64,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "random.xlsx", &bytes);
        let _ = open(&path);
    }

    #[test]
    fn random_zip_headers_never_panic(tail in proptest::collection::vec(any::<u8>(), 0..4096)) {
        // Random bytes after a zip signature reach the zip reader instead of the sniffer.
        let mut bytes = b"PK\x03\x04".to_vec();
        bytes.extend(tail);
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "random.xlsx", &bytes);
        let _ = open(&path);
    }

    #[test]
    fn mutated_workbooks_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..16),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = score_xlsx();
        for (index, byte) in edits {
            let at = index.index(bytes.len());
            bytes[at] = byte;
        }
        if let Some(cut) = cut {
            let len = cut.index(bytes.len());
            bytes.truncate(len);
        }
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "mutated.xlsx", &bytes);
        let _ = open(&path);
    }

    #[test]
    fn mutated_xml_parts_never_panic(
        part in 0usize..8,
        edits in proptest::collection::vec(
            (any::<prop::sample::Index>(), prop::sample::select(MUTATION_BYTES)),
            1..8,
        ),
    ) {
        // Mutating the unpacked XML (and zipping it again with valid checksums) reaches
        // calamine's parsers, which random bytes in the compressed stream rarely do.
        let bytes = mutate_part(&score_xlsx(), part, &edits);
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "mutated.xlsx", &bytes);
        let _ = open(&path);
    }
}

/// Bytes that matter to XML and to cell references.
const MUTATION_BYTES: &[u8] = b"<>/=\"' :AZaz09-.#&;\0\xFF";

/// The workbook with one of its parts (by index, wrapping) edited at the given places.
fn mutate_part(xlsx: &[u8], part: usize, edits: &[(prop::sample::Index, u8)]) -> Vec<u8> {
    let mut archive = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
    let target = part % archive.len();
    let mut parts = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut file, &mut data).unwrap();
        if i == target && !data.is_empty() {
            for (index, byte) in edits {
                let at = index.index(data.len());
                data[at] = *byte;
            }
        }
        parts.push((file.name().unwrap().to_string(), data));
    }
    let parts: Vec<(&str, &[u8])> =
        parts.iter().map(|(name, data)| (name.as_str(), data.as_slice())).collect();
    zip_of(&parts)
}
