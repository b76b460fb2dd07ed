//! Cell values as office workers type them: numbers as text, full-width digits, dates as
//! serials or `2021年11月29日`, times as `上午10:30`. Each parser returns `Ok(None)` for a
//! blank cell and a [`ValueError`] whose message reads after the column name
//! (`得分` + `应为数字，实际为“九十”`).

use calamine::{CellErrorType, Data};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::model::Points;

/// Why a cell's value is not what its column needs. Displayed in Chinese, to follow the
/// column name.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValueError {
    #[error("是 Excel 错误值 {0}，请修正该单元格的公式或内容")]
    ExcelError(CellErrorType),
    #[error("应为数字，实际为“{0}”")]
    NotANumber(String),
    #[error("最多保留两位小数，实际为 {0}")]
    TooManyDecimals(String),
    #[error("应为日期（如 2021-11-29、2021/11/29 或 2021年11月29日），实际为“{0}”")]
    NotADate(String),
    #[error("应为时间（如 10:30、上午10:30 或 下午4:00），实际为“{0}”")]
    NotATime(String),
    #[error("应为日期和时间（如 2021-11-26 10:30 或 2021年11月26日上午10:30），实际为“{0}”")]
    NotADateTime(String),
    #[error("含有不可见的控制字符 U+{0:04X}，请删除后重试")]
    ControlCharacter(u32),
}

/// Whether a cell counts as blank: empty, or text that is only white space.
pub fn is_blank(data: &Data) -> bool {
    todo!("{data:?}")
}

/// The text Excel would show for a cell, for headers and messages (never fails).
pub fn display(data: &Data) -> String {
    todo!("{data:?}")
}

/// Header names compare trimmed, with full-width parentheses as half-width and inner
/// white space removed (`处（室）` = `处(室)`, `部门 名称` = `部门名称`).
pub fn normalize_header(name: &str) -> String {
    todo!("{name}")
}

/// Trimmed text; numbers become the text Excel shows (a phone number typed as a number
/// stays `18999678675`, not `1.8999678675e10`); control characters other than line breaks
/// and tabs are refused.
pub fn text(data: &Data) -> Result<Option<String>, ValueError> {
    todo!("{data:?}")
}

/// A number with at most two decimals, from a number cell or numeric text (`"95"`, `"９５"`,
/// `" 92.5 "`); formula cells arrive as their cached value.
pub fn points(data: &Data) -> Result<Option<Points>, ValueError> {
    todo!("{data:?}")
}

/// A date from an Excel date, a serial number, or text `2021-11-29`, `2021/11/29`,
/// `2021年11月29日` (also with full-width digits).
pub fn date(data: &Data) -> Result<Option<NaiveDate>, ValueError> {
    todo!("{data:?}")
}

/// A time from an Excel time (a fraction of a day) or text `10:30`, `10：30`, `上午10:30`,
/// `下午4:00` (→ 16:00), `16:00`.
pub fn time(data: &Data) -> Result<Option<NaiveTime>, ValueError> {
    todo!("{data:?}")
}

/// A date with a time from an Excel date-time or text such as `2021-11-26 10:30`,
/// `2021/11/26 10:30`, `2021年11月26日 10:30`, `2021年11月26日上午10:30`.
pub fn datetime(data: &Data) -> Result<Option<NaiveDateTime>, ValueError> {
    todo!("{data:?}")
}

/// Splits a list typed in one cell on `、`, `，`, `,`, `;`, `；`; items trimmed, empty ones
/// dropped.
pub fn split_list(text: &str) -> Vec<String> {
    todo!("{text}")
}
