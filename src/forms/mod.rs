//! Workbooks that people fill in, one product a file: the blank input workbook of
//! `kaoping init` (`blank`), the 正文 sheet with a given wording (`wording`, which `init`
//! writes into its workbook) and one scoring form per evaluation group for
//! `kaoping forms` (`scoring`).
//!
//! All come back through the ordinary reader, so all follow its rules: every sheet the
//! reader uses has its header in row 1 and takes its names from
//! [`input_format`](crate::input_format), and everything explanatory lives where the
//! reader does not look (a sheet of its own, an extra column, an input message, a cell
//! note). Bytes depend on the arguments only (the creation time is fixed), so generating
//! twice gives identical files.

mod blank;
mod scoring;
mod wording;

pub use blank::blank_workbook;
pub use scoring::{
    FORM_HEADER, Filled, ONLINE_STATE_SHEET, ScoreForm, evaluator_form, score_forms,
};
pub use wording::wording_workbook;

use chrono::NaiveDate;
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Note};

const HEADER_FILL: u32 = 0xD9E1F2;
const MUTED_FONT: u32 = 0x808080;
/// Points per line of Excel's default 11-point font, for rows whose text wraps.
const LINE_HEIGHT: f64 = 15.0;

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_background_color(Color::RGB(HEADER_FILL))
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::VerticalCenter)
}

fn wrap_format() -> Format {
    Format::new().set_text_wrap().set_align(FormatAlign::Top)
}

fn quiet_note(text: &str) -> Note {
    Note::new(text).add_author_prefix(false).set_width(300).set_height(90)
}

fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    // Month and day are constants valid in every year. A year chrono cannot hold gives a
    // date Excel refuses too, so the caller's excel_date reports it.
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// The height of a row whose tallest wrapped cell takes `lines` lines; `None` keeps
/// Excel's default for a single line.
fn wrapped_row_height(lines: usize) -> Option<f64> {
    (lines > 1).then_some(lines as f64 * LINE_HEIGHT)
}
