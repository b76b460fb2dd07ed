//! Writing cells into xlsx workbooks the way Excel itself stores them: a [`Value`] becomes
//! text, a number, a real date or time with its number format, or a formula with its cached
//! result. The three workbook writers (the sample generator, the forms of `kaoping init`
//! and `kaoping forms`, and the summary workbook) share these helpers, so a date or a
//! column width comes out the same in all of them.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, XlsxError};

/// One cell value, in the forms Excel and WPS actually store.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No cell at all.
    Empty,
    /// A string cell, written verbatim (no trimming), so tests can add stray spaces. An empty
    /// string is written as a blank cell (rust_xlsxwriter does so), so it reads back as empty.
    Text(String),
    /// A number cell.
    Number(f64),
    /// A real Excel date, formatted `yyyy-mm-dd`.
    Date(NaiveDate),
    /// A real Excel date-time, formatted `yyyy-mm-dd hh:mm`.
    DateTime(NaiveDateTime),
    /// A real Excel time, formatted `hh:mm`.
    Time(NaiveTime),
    /// A formula with a numeric cached result (the reader must use the cached value).
    Formula { formula: String, cached: f64 },
    /// The formula `=1/0` whose cached result is `#DIV/0!`; calamine reads it as
    /// `Data::Error(CellErrorType::Div0)`.
    ErrorDiv0,
}

impl Value {
    /// A text cell.
    pub fn text(s: impl Into<String>) -> Self {
        Value::Text(s.into())
    }

    /// The text of a [`Value::Text`] cell, `None` for any other kind.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The number of a [`Value::Number`] cell, `None` for any other kind.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Text(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Text(s)
    }
}

impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}

impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Value::Number(f64::from(n))
    }
}

impl From<NaiveDate> for Value {
    fn from(d: NaiveDate) -> Self {
        Value::Date(d)
    }
}

impl From<NaiveDateTime> for Value {
    fn from(dt: NaiveDateTime) -> Self {
        Value::DateTime(dt)
    }
}

impl From<NaiveTime> for Value {
    fn from(t: NaiveTime) -> Self {
        Value::Time(t)
    }
}

/// Formats for the kinds of [`Value`], built on one base format: plain for sample data,
/// styled for the example rows of `kaoping init`, so both write cells the same way.
#[derive(Debug, Clone)]
pub struct CellFormats {
    /// Text and numbers.
    pub text: Format,
    /// [`Value::Date`]: `yyyy-mm-dd`.
    pub date: Format,
    /// [`Value::DateTime`]: `yyyy-mm-dd hh:mm`.
    pub datetime: Format,
    /// [`Value::Time`]: `hh:mm`.
    pub time: Format,
}

impl CellFormats {
    /// The cell formats on top of `base` (font, fill, protection…).
    pub fn on(base: &Format) -> Self {
        CellFormats {
            text: base.clone(),
            date: base.clone().set_num_format("yyyy-mm-dd"),
            datetime: base.clone().set_num_format("yyyy-mm-dd hh:mm"),
            time: base.clone().set_num_format("hh:mm"),
        }
    }
}

pub(crate) fn col_num(c: usize) -> Result<u16, XlsxError> {
    u16::try_from(c).map_err(|_| XlsxError::RowColumnLimitError)
}

/// A chrono date as an Excel date.
///
/// # Errors
/// A year Excel cannot hold (before 1900 or after 9999).
pub fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    // Years and months outside u16/u8 are impossible for chrono dates Excel accepts at all,
    // so an out-of-range year is reported as Excel's own date-range error.
    let year = u16::try_from(d.year()).map_err(|_| XlsxError::DateTimeRangeError(d.to_string()))?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8)
}

fn excel_time(t: NaiveTime) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_hms(t.hour() as u16, t.minute() as u8, t.second())
}

/// Writes one cell as the kind of cell Excel would store: text, number, a real date or
/// time with its number format, or a formula with its cached result. [`Value::Empty`]
/// writes nothing.
///
/// # Errors
/// A position beyond Excel's limits, a date before 1900, text over 32,767 characters.
pub fn write_value(
    ws: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    value: &Value,
    formats: &CellFormats,
) -> Result<(), XlsxError> {
    match value {
        Value::Empty => {}
        Value::Text(s) => {
            ws.write_string_with_format(row, col, s, &formats.text)?;
        }
        Value::Number(n) => {
            ws.write_number_with_format(row, col, *n, &formats.text)?;
        }
        Value::Date(d) => {
            ws.write_datetime_with_format(row, col, excel_date(*d)?, &formats.date)?;
        }
        Value::DateTime(dt) => {
            let t = dt.time();
            let v =
                excel_date(dt.date())?.and_hms(t.hour() as u16, t.minute() as u8, t.second())?;
            ws.write_datetime_with_format(row, col, v, &formats.datetime)?;
        }
        Value::Time(t) => {
            ws.write_datetime_with_format(row, col, excel_time(*t)?, &formats.time)?;
        }
        Value::Formula { formula, cached } => {
            ws.write_formula_with_format(
                row,
                col,
                Formula::new(formula).set_result(cached.to_string()),
                &formats.text,
            )?;
        }
        Value::ErrorDiv0 => {
            // rust_xlsxwriter marks a cached result spelled exactly like an Excel error as
            // t="e", which is what Excel itself writes for a formula that fails.
            let formula = Formula::new("=1/0").set_result("#DIV/0!");
            ws.write_formula_with_format(row, col, formula, &formats.text)?;
        }
    }
    Ok(())
}

/// The width of text in Excel's character units: CJK and other non-ASCII characters count
/// double.
pub fn display_width(s: &str) -> usize {
    s.chars().map(|c| if c.is_ascii() { 1 } else { 2 }).sum()
}

/// The text Excel shows for a value written by [`write_value`] with [`CellFormats`]:
/// dates as `2021-11-29`, date-times as `2021-11-26 10:30`, times as `10:30`.
pub fn shown(value: &Value) -> String {
    match value {
        Value::Empty => String::new(),
        Value::Text(s) => s.clone(),
        Value::Number(n) | Value::Formula { cached: n, .. } => n.to_string(),
        Value::Date(d) => d.format("%Y-%m-%d").to_string(),
        Value::DateTime(dt) => dt.format("%Y-%m-%d %H:%M").to_string(),
        Value::Time(t) => t.format("%H:%M").to_string(),
        Value::ErrorDiv0 => "#DIV/0!".to_string(),
    }
}

/// The width of what Excel shows for a value, for sizing its column.
pub fn width_of(value: &Value) -> usize {
    display_width(&shown(value))
}

/// Lines a text takes in a wrapped column `width` units wide: each line of the text
/// breaks into as many as its width needs, an empty one still takes one.
pub fn wrapped_lines(text: &str, width: usize) -> usize {
    text.split('\n').map(|line| display_width(line).div_ceil(width.max(1)).max(1)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_are_those_of_the_shown_text() {
        let date = NaiveDate::from_ymd_opt(2021, 11, 29).unwrap();
        let time = NaiveTime::from_hms_opt(10, 30, 0).unwrap();
        assert_eq!(width_of(&Value::Date(date)), "2021-11-29".len());
        assert_eq!(width_of(&Value::DateTime(date.and_time(time))), "2021-11-29 10:30".len());
        assert_eq!(width_of(&Value::Time(time)), "10:30".len());
        assert_eq!(width_of(&Value::text("医学院")), 6);
        assert_eq!(width_of(&Value::Number(9.5)), 3);
        assert_eq!(width_of(&Value::ErrorDiv0), "#DIV/0!".len());
        assert_eq!(width_of(&Value::Empty), 0);
    }

    #[test]
    fn wrapped_lines_round_up_per_line() {
        assert_eq!(wrapped_lines("一二三四五", 10), 1);
        assert_eq!(wrapped_lines("一二三四五六", 10), 2);
        assert_eq!(wrapped_lines("a\n\nb", 10), 3);
        assert_eq!(wrapped_lines("abc", 0), 3);
    }
}
