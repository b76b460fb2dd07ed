//! The 正文 sheet with a given wording: `kaoping init` writes it with the built-in wording
//! into the blank workbook, and the README's picture of the sheet is made from a
//! workbook holding only it.

use rust_xlsxwriter::{DocProperties, Workbook, Worksheet, XlsxError};

use super::{header_format, quiet_note, wrap_format, wrapped_row_height, ymd};
use crate::input_format::{body, sheets};
use crate::xlsx_cells::{excel_date, wrapped_lines};

/// A workbook holding only a 正文 sheet with these paragraphs, laid out as `kaoping init`
/// writes it (the README's picture of the sheet is made from it).
///
/// # Errors
/// Whatever rust_xlsxwriter rejects (a paragraph beyond Excel's 32,767 characters).
///
/// # Examples
/// ```
/// let bytes = kaoping::forms::wording_workbook(&["一、总则".to_string()]).unwrap();
/// assert_eq!(&bytes[..2], b"PK");
/// ```
pub fn wording_workbook(paragraphs: &[String]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let created = excel_date(ymd(2021, 1, 1))?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    wording_sheet(workbook.add_worksheet(), paragraphs)?;
    workbook.save_to_buffer()
}

/// The 正文 sheet: one wide wrapped column, a paragraph a row, the way it reads when
/// printed; the header's note says how to edit it.
pub(super) fn wording_sheet(ws: &mut Worksheet, paragraphs: &[String]) -> Result<(), XlsxError> {
    const WIDTH: usize = 72;
    let [column] = body::COLUMNS;
    ws.set_name(sheets::BODY)?;
    ws.write_string_with_format(0, 0, column.name, &header_format())?;
    ws.set_column_width(0, WIDTH as f64)?;
    let wrap = wrap_format();
    for (r, paragraph) in paragraphs.iter().enumerate() {
        let row = 1 + r as u32;
        ws.write_string_with_format(row, 0, paragraph, &wrap)?;
        if let Some(height) = wrapped_row_height(wrapped_lines(paragraph, WIDTH)) {
            ws.set_row_height(row, height)?;
        }
    }
    let note = format!("{}\n详见“说明”工作表。", column.help);
    ws.insert_note(0, 0, &quiet_note(&note).set_width(420).set_height(150))?;
    ws.set_freeze_panes(1, 0)?;
    ws.set_paper_size(9).set_print_fit_to_pages(1, 0).set_print_gridlines(true);
    Ok(())
}
