//! Stage 1, read: xlsx files as Excel and WPS really write them, into plain sheets of
//! cells, and a [`Table`] view that finds columns by header name.
//!
//! Nothing here knows what a department or a score is; it only knows cells. Every value
//! that leaves this module through a [`TableRow`] getter is either well-formed or a
//! [`Finding`] naming the sheet and cell, so `check` never sees raw calamine errors.

mod open;
pub mod value;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use calamine::{Data, Range};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use crate::finding::{CellRef, Finding, Location};
use crate::model::{Origin, Points};

pub use open::{FileKind, Limit, ReadError, collect_inputs, open};
pub use value::ValueError;

/// One input workbook, read completely into memory.
#[derive(Debug, Clone)]
pub struct Workbook {
    pub path: PathBuf,
    pub sheets: Vec<Sheet>,
    /// The document title (File → Properties), which is how a summary workbook of the
    /// first format states its year.
    pub title: Option<String>,
    /// What reading noticed without failing (merged cells filled from their top-left value…).
    pub notes: Vec<Finding>,
}

impl Workbook {
    pub fn sheet(&self, name: &str) -> Option<&Sheet> {
        self.sheets.iter().find(|s| s.name.trim() == name)
    }

    pub fn sheet_names(&self) -> Vec<&str> {
        self.sheets.iter().map(|s| s.name.as_str()).collect()
    }
}

/// One worksheet: its cells with absolute positions (merged areas already filled).
#[derive(Debug, Clone)]
pub struct Sheet {
    pub name: String,
    pub cells: Range<Data>,
}

/// A column a sheet is expected to have.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub required: bool,
}

/// A required column.
pub const fn required(name: &'static str) -> Column {
    Column { name, required: true }
}

/// An optional column.
pub const fn optional(name: &'static str) -> Column {
    Column { name, required: false }
}

impl Sheet {
    /// Finds the header (the first non-empty row) and the given columns by name, in any
    /// order; unknown columns are ignored. A missing required column is an error that
    /// lists the columns that were found, so the user sees the typo.
    pub fn table<'a>(&'a self, file: &'a Path, columns: &[Column]) -> Result<Table<'a>, Finding> {
        let location = Location::sheet(file, &self.name);
        let Some(header_row) = self.first_non_empty_row() else {
            return Err(Finding::error(location, "工作表是空的，找不到表头行"));
        };
        let found = self.header_names(header_row);
        let mut positions = HashMap::new();
        let mut missing = Vec::new();
        for column in columns {
            let wanted = value::normalize_header(column.name);
            match found.iter().find(|(_, name)| *name == wanted) {
                Some(&(col, _)) => {
                    positions.insert(column.name, col);
                }
                None if column.required => missing.push(column.name),
                None => {}
            }
        }
        if !missing.is_empty() {
            let found_list: Vec<&str> = found.iter().map(|(_, n)| n.as_str()).collect();
            let message = format!(
                "缺少必需的列：{}（第 {} 行找到的列：{}）",
                missing.join("、"),
                header_row + 1,
                if found_list.is_empty() { "无".to_string() } else { found_list.join("、") }
            );
            return Err(Finding::error(location, message));
        }
        Ok(Table { file, sheet: self, header_row, positions })
    }

    fn first_non_empty_row(&self) -> Option<u32> {
        let (start_row, _) = self.cells.start()?;
        self.cells
            .rows()
            .position(|row| row.iter().any(|c| !value::is_blank(c)))
            .map(|i| start_row + i as u32)
    }

    /// (absolute column, normalised header text) of every non-empty header cell.
    fn header_names(&self, header_row: u32) -> Vec<(u32, String)> {
        let Some((_, start_col)) = self.cells.start() else { return Vec::new() };
        let Some((_, end_col)) = self.cells.end() else { return Vec::new() };
        (start_col..=end_col)
            .filter_map(|col| {
                let cell = self.cells.get_value((header_row, col))?;
                let text = value::display(cell);
                let name = value::normalize_header(&text);
                (!name.is_empty()).then_some((col, name))
            })
            .collect()
    }
}

/// A sheet seen through its header row.
#[derive(Debug, Clone)]
pub struct Table<'a> {
    file: &'a Path,
    sheet: &'a Sheet,
    header_row: u32,
    positions: HashMap<&'static str, u32>,
}

impl<'a> Table<'a> {
    pub fn sheet_name(&self) -> &'a str {
        &self.sheet.name
    }

    pub fn file(&self) -> &'a Path {
        self.file
    }

    pub fn has_column(&self, column: &str) -> bool {
        self.positions.contains_key(column)
    }

    /// The data rows below the header, skipping rows blank in every known column.
    pub fn rows(&self) -> impl Iterator<Item = TableRow<'_>> + '_ {
        let end_row = self.sheet.cells.end().map_or(0, |(r, _)| r);
        (self.header_row + 1..=end_row)
            .map(move |row| TableRow { table: self, row })
            .filter(|row| !row.is_blank())
    }
}

/// One data row of a [`Table`]. Getters take the column's header name as declared in the
/// [`Column`] list; asking for an undeclared column is a programming error.
#[derive(Debug, Clone, Copy)]
pub struct TableRow<'a> {
    table: &'a Table<'a>,
    row: u32,
}

impl<'a> TableRow<'a> {
    /// Zero-based absolute row number.
    pub fn row(&self) -> u32 {
        self.row
    }

    fn is_blank(&self) -> bool {
        self.table.positions.keys().all(|c| value::is_blank(self.raw(c)))
    }

    /// The cell of a column in this row. For an optional column that the sheet lacks, the
    /// first cell of the row, so a message still points at the right row.
    pub fn cell(&self, column: &str) -> CellRef {
        let col = self.table.positions.get(column).copied().unwrap_or(0);
        CellRef::new(self.row, col)
    }

    pub fn location(&self, column: &str) -> Location {
        Location::cell(self.table.file, &self.table.sheet.name, self.cell(column))
    }

    pub fn origin(&self, column: &str) -> Origin {
        Origin {
            file: self.table.file.to_path_buf(),
            sheet: self.table.sheet.name.clone(),
            cell: self.cell(column),
        }
    }

    /// The raw cell; `Empty` for an optional column the sheet does not have.
    pub fn raw(&self, column: &str) -> &'a Data {
        static EMPTY: Data = Data::Empty;
        match self.table.positions.get(column) {
            Some(&col) => self.table.sheet.cells.get_value((self.row, col)).unwrap_or(&EMPTY),
            None => &EMPTY,
        }
    }

    pub fn is_empty(&self, column: &str) -> bool {
        value::is_blank(self.raw(column))
    }

    fn convert<T>(
        &self,
        column: &str,
        parse: impl FnOnce(&Data) -> Result<Option<T>, ValueError>,
    ) -> Result<Option<T>, Finding> {
        parse(self.raw(column))
            .map_err(|err| Finding::error(self.location(column), format!("{column}{err}")))
    }

    fn require<T>(&self, column: &str, value: Option<T>) -> Result<T, Finding> {
        value.ok_or_else(|| Finding::error(self.location(column), format!("{column}不能为空")))
    }

    /// Trimmed text (numbers are written as Excel shows them); `None` when blank.
    pub fn text(&self, column: &str) -> Result<Option<String>, Finding> {
        self.convert(column, value::text)
    }

    pub fn required_text(&self, column: &str) -> Result<String, Finding> {
        let text = self.text(column)?;
        self.require(column, text)
    }

    /// A number of points with at most two decimals; numeric text (also full-width) is
    /// accepted.
    pub fn points(&self, column: &str) -> Result<Option<Points>, Finding> {
        self.convert(column, value::points)
    }

    pub fn required_points(&self, column: &str) -> Result<Points, Finding> {
        let points = self.points(column)?;
        self.require(column, points)
    }

    pub fn date(&self, column: &str) -> Result<Option<NaiveDate>, Finding> {
        self.convert(column, value::date)
    }

    pub fn required_date(&self, column: &str) -> Result<NaiveDate, Finding> {
        let date = self.date(column)?;
        self.require(column, date)
    }

    pub fn time(&self, column: &str) -> Result<Option<NaiveTime>, Finding> {
        self.convert(column, value::time)
    }

    pub fn required_time(&self, column: &str) -> Result<NaiveTime, Finding> {
        let time = self.time(column)?;
        self.require(column, time)
    }

    pub fn datetime(&self, column: &str) -> Result<Option<NaiveDateTime>, Finding> {
        self.convert(column, value::datetime)
    }

    /// A list in one cell, split on `、，,;；`; empty items dropped.
    pub fn list(&self, column: &str) -> Result<Vec<String>, Finding> {
        Ok(self.text(column)?.map(|t| value::split_list(&t)).unwrap_or_default())
    }
}
