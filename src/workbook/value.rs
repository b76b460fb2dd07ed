//! Cell values as office workers type them: numbers as text, full-width digits, dates as
//! serials or `2021年11月29日`, times as `上午10:30`. Each parser returns `Ok(None)` for a
//! blank cell and a [`ValueError`] whose message reads after the column name
//! (`得分` + `应为数字，实际为“九十”`).

use std::borrow::Cow;

use calamine::{CellErrorType, Data, ExcelDateTime};
use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

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
    /// Protects the exact arithmetic of [`Points`]: nothing in an evaluation comes near
    /// a trillion points, so such a value is a typo or a pasted id.
    #[error("数值 {0} 超出范围（绝对值不能超过 1000000000000）")]
    OutOfRange(String),
    #[error("应为日期（如 2021-11-29、2021/11/29 或 2021年11月29日），实际为“{0}”")]
    NotADate(String),
    #[error("应为时间（如 10:30、上午10:30 或 下午4:00），实际为“{0}”")]
    NotATime(String),
    #[error("应为日期和时间（如 2021-11-26 10:30 或 2021年11月26日上午10:30），实际为“{0}”")]
    NotADateTime(String),
    #[error("含有不可见的控制字符 U+{0:04X}，请删除后重试")]
    ControlCharacter(u32),
}

/// The largest integer part [`points`] accepts; matches `Points::from_f64_exact`.
const MAX_WHOLE_POINTS: u64 = 1_000_000_000_000;

/// Excel's last date, 9999-12-31, as a serial number (exclusive bound).
const MAX_SERIAL: f64 = 2_958_466.0;

/// Characters trimmed from both ends of every text: Unicode white space (which includes
/// the full-width space U+3000 and NBSP) plus the zero-width space and the byte-order
/// mark, which arrive invisibly with text pasted from web pages and Word.
fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{200B}' || c == '\u{FEFF}'
}

fn trim(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// Full-width ASCII forms (`９`, `：`, `．`, `（`, `Ａ`) as their ASCII twins, and the
/// ideographic space as a plain space. Chinese input methods produce these whenever the
/// full-width mode is on, and they look the same to the person typing.
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

fn folded(s: &str) -> Vec<char> {
    trim(s).chars().map(fold_width).collect()
}

/// Whether a cell counts as blank: empty, or text that is only white space.
pub fn is_blank(data: &Data) -> bool {
    match data {
        Data::Empty => true,
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => trim(s).is_empty(),
        _ => false,
    }
}

/// The text Excel would show for a cell, for headers and messages (never fails).
pub fn display(data: &Data) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(s) => trim(s).to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => display_float(*f),
        Data::Bool(true) => "TRUE".to_string(),
        Data::Bool(false) => "FALSE".to_string(),
        Data::Error(e) => e.to_string(),
        Data::DateTime(dt) => display_excel_datetime(dt),
        Data::DateTimeIso(s) => trim(s).replacen('T', " ", 1),
        Data::DurationIso(s) => trim(s).to_string(),
    }
}

/// Excel shows at most 15 significant digits, so a formula result stored as
/// `0.30000000000000004` reads `0.3`; Rust's shortest form then drops a trailing `.0`
/// and never switches to exponent notation (a phone number stays `18999678675`).
fn display_float(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f == 0.0 {
        // Also turns -0 into 0, as Excel does.
        return "0".to_string();
    }
    let rounded: f64 = format!("{f:.14e}").parse().unwrap_or(f);
    format!("{rounded}")
}

fn display_excel_datetime(dt: &ExcelDateTime) -> String {
    if dt.is_duration() {
        let secs = (dt.as_f64() * 86_400.0).round();
        if !secs.is_finite() || secs.abs() > 1e12 {
            return display_float(dt.as_f64());
        }
        let secs = secs as i64;
        let sign = if secs < 0 { "-" } else { "" };
        let secs = secs.unsigned_abs();
        let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
        return if s == 0 {
            format!("{sign}{h}:{m:02}")
        } else {
            format!("{sign}{h}:{m:02}:{s:02}")
        };
    }
    let value = dt.as_f64();
    let Some(datetime) = excel_datetime(dt) else {
        return display_float(value);
    };
    if (0.0..1.0).contains(&value) {
        display_time(datetime.time())
    } else if datetime.time() == NaiveTime::MIN {
        datetime.date().format("%Y-%m-%d").to_string()
    } else {
        format!("{} {}", datetime.date().format("%Y-%m-%d"), display_time(datetime.time()))
    }
}

fn display_time(time: NaiveTime) -> String {
    if time.second() == 0 {
        time.format("%H:%M").to_string()
    } else {
        time.format("%H:%M:%S").to_string()
    }
}

/// A calamine date-time, rounded to the second: the floating-point day fraction of
/// `10:31` is not exact, and nothing we read has sub-second meaning.
fn excel_datetime(dt: &ExcelDateTime) -> Option<NaiveDateTime> {
    let value = dt.as_f64();
    if !value.is_finite() || !(0.0..MAX_SERIAL).contains(&value) {
        return None;
    }
    dt.as_datetime().map(round_to_second)
}

fn round_to_second(datetime: NaiveDateTime) -> NaiveDateTime {
    let nanos = datetime.nanosecond();
    let truncated = datetime.with_nanosecond(0).unwrap_or(datetime);
    if nanos >= 500_000_000 { truncated + Duration::seconds(1) } else { truncated }
}

/// An Excel serial number (1900 date system) as a date-time. Serial 1 is 1900-01-01;
/// serial 60 is Excel's phantom 1900-02-29, which does not exist.
fn serial_datetime(serial: f64) -> Option<NaiveDateTime> {
    if !serial.is_finite() || !(1.0..MAX_SERIAL).contains(&serial) || serial.floor() == 60.0 {
        return None;
    }
    // Before the phantom leap day the serials are one day further from the usual epoch.
    let epoch = if serial < 60.0 {
        NaiveDate::from_ymd_opt(1899, 12, 31)?
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 30)?
    };
    let seconds = (serial * 86_400.0).round() as i64;
    let datetime = epoch.and_time(NaiveTime::MIN) + Duration::seconds(seconds);
    Some(datetime)
}

/// A day fraction in `0..1` as a time of day, rounded to the second.
fn fraction_time(fraction: f64) -> Option<NaiveTime> {
    if !fraction.is_finite() || !(0.0..1.0).contains(&fraction) {
        return None;
    }
    let seconds = (fraction * 86_400.0).round() as u32;
    // 23:59:59.6 rounds to 24:00, which is no time of day.
    NaiveTime::from_num_seconds_from_midnight_opt(seconds, 0)
}

/// Header names compare trimmed, with full-width parentheses as half-width and inner
/// white space removed (`处（室）` = `处(室)`, `部门 名称` = `部门名称`).
///
/// All full-width ASCII forms are folded, not only parentheses, so `（`/`(` and `：`/`:`
/// compare alike too.
pub fn normalize_header(name: &str) -> String {
    name.chars().filter(|&c| !is_space(c)).map(fold_width).collect()
}

/// Trimmed text; numbers become the text Excel shows (a phone number typed as a number
/// stays `18999678675`, not `1.8999678675e10`); control characters other than line breaks
/// and tabs are refused.
///
/// Line breaks typed with Alt+Enter arrive as `\n`; `\r\n` and a lone `\r` (from text
/// pasted out of other programs) become `\n` too.
///
/// A cited document number's year in other brackets (`阿职院党办发[2021]41号`) is written
/// `〔2021〕`, as GB/T 9704 requires of every document number the documents print; the
/// check names each such cell in a hint ([`cited_numbers_normalized`]).
pub fn text(data: &Data) -> Result<Option<String>, ValueError> {
    Ok(text_as_typed(data)?.map(|t| match normalize_cited_numbers(&t) {
        Cow::Owned(normalized) => normalized,
        Cow::Borrowed(_) => t,
    }))
}

/// [`text`] without the citation rule, for cells with a rule of their own (发文字号).
pub fn text_as_typed(data: &Data) -> Result<Option<String>, ValueError> {
    let raw = match data {
        Data::Error(e) => return Err(ValueError::ExcelError(e.clone())),
        Data::String(s) => s.replace("\r\n", "\n").replace('\r', "\n"),
        other => display(other),
    };
    // Checked before trimming: Rust's white space includes some control characters
    // (U+000B, U+000C, U+0085), which must be reported rather than silently dropped.
    if let Some(c) = raw.chars().find(|&c| is_forbidden_control(c)) {
        return Err(ValueError::ControlCharacter(c as u32));
    }
    let trimmed = trim(&raw);
    Ok((!trimmed.is_empty()).then(|| trimmed.to_string()))
}

/// C0 controls except tab and line feed, DEL, and the C1 controls: invisible in Excel,
/// and meaningless or harmful in a PDF.
fn is_forbidden_control(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}'..='\u{1F}' | '\u{7F}'..='\u{9F}')
}

/// The first cited document number of a cell whose year is not in 六角括号, as typed and
/// as printed (`发[2021]41号`, `发〔2021〕41号`).
pub fn cited_number_normalized(data: &Data) -> Option<(String, String)> {
    let Data::String(typed) = data else { return None };
    if !typed.contains(CITE_OPEN) {
        return None;
    }
    let chars: Vec<char> = typed.chars().collect();
    let at = (0..chars.len()).find(|&i| cited_year_at(&chars, i))?;
    let serial = chars[at + 6..].iter().take_while(|&&c| is_digit(c)).count();
    let typed: String = chars[at - 1..at + 7 + serial].iter().collect();
    let normalized = normalize_cited_numbers(&typed).into_owned();
    Some((typed, normalized))
}

const CITE_OPEN: [char; 6] = ['[', '【', '(', '（', '［', '〖'];
const CITE_CLOSE: [char; 6] = [']', '】', ')', '）', '］', '〗'];

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('０'..='９').contains(&c)
}

/// Whether `chars[i]` opens the bracketed year of a cited document number: a four-digit
/// year in brackets, right after a character of the issuing code and right before the
/// serial number and `号`.
fn cited_year_at(chars: &[char], i: usize) -> bool {
    let Some(close) = chars.get(i + 5) else { return false };
    let after_code = i > 0 && !chars[i - 1].is_whitespace() && !CITE_OPEN.contains(&chars[i - 1]);
    let serial = chars[i + 6..].iter().take_while(|&&c| is_digit(c)).count();
    after_code
        && CITE_OPEN.contains(&chars[i])
        && chars[i + 1..i + 5].iter().all(|&c| is_digit(c))
        && CITE_CLOSE.contains(close)
        && serial > 0
        && chars.get(i + 6 + serial) == Some(&'号')
}

/// `发[2021]41号`, `发【2021】41号`, `发(2021)41号` (any of these brackets, also full-width)
/// become `发〔2021〕41号`. Brackets around a year elsewhere (`《办法（2021）》`) are left
/// as typed.
pub fn normalize_cited_numbers(text: &str) -> Cow<'_, str> {
    // Most cells have no bracket at all; they cost one scan and no allocation.
    if !text.contains(CITE_OPEN) {
        return Cow::Borrowed(text);
    }
    let chars: Vec<char> = text.chars().collect();
    if !(0..chars.len()).any(|i| cited_year_at(&chars, i)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if cited_year_at(&chars, i) {
            out.push('〔');
            out.extend(chars[i + 1..i + 5].iter().map(|&c| fold_width(c)));
            out.push('〕');
            i += 6;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    Cow::Owned(out)
}

/// A number with at most two decimals, from a number cell or numeric text (`"95"`, `"９５"`,
/// `" 92.5 "`); formula cells arrive as their cached value.
pub fn points(data: &Data) -> Result<Option<Points>, ValueError> {
    match data {
        _ if is_blank(data) => Ok(None),
        Data::Error(e) => Err(ValueError::ExcelError(e.clone())),
        Data::Int(i) => {
            if i.unsigned_abs() > MAX_WHOLE_POINTS {
                return Err(ValueError::OutOfRange(i.to_string()));
            }
            Ok(Some(Points::from_hundredths(i * 100)))
        }
        Data::Float(f) => float_points(*f).map(Some),
        Data::String(s) => decimal_points(s).map(Some),
        other => Err(ValueError::NotANumber(display(other))),
    }
}

fn float_points(f: f64) -> Result<Points, ValueError> {
    if !f.is_finite() {
        return Err(ValueError::NotANumber(display_float(f)));
    }
    if f.abs() > MAX_WHOLE_POINTS as f64 {
        return Err(ValueError::OutOfRange(display_float(f)));
    }
    Points::from_f64_exact(f).ok_or_else(|| ValueError::TooManyDecimals(display_float(f)))
}

/// Parses decimal text exactly, digit by digit, so `"92.35"` is 9235 hundredths without
/// passing through a binary float.
fn decimal_points(text: &str) -> Result<Points, ValueError> {
    let original = trim(text);
    let chars = folded(text);
    let (negative, digits) = match chars.split_first() {
        Some(('-' | '\u{2212}', rest)) => (true, rest),
        Some(('+', rest)) => (false, rest),
        _ => (false, chars.as_slice()),
    };
    let hundredths = parse_unsigned(digits, original)? as i64;
    Ok(Points::from_hundredths(if negative { -hundredths } else { hundredths }))
}

/// `123.45` (also `.5`, `5.`, `92.500`) as hundredths.
fn parse_unsigned(chars: &[char], original: &str) -> Result<u64, ValueError> {
    let not_a_number = || ValueError::NotANumber(original.to_string());
    let (whole, fraction) = match chars.iter().position(|&c| c == '.') {
        Some(dot) => (&chars[..dot], &chars[dot + 1..]),
        None => (chars, &chars[..0]),
    };
    let all_digits = |part: &[char]| part.iter().all(char::is_ascii_digit);
    if whole.is_empty() && fraction.is_empty() || !all_digits(whole) || !all_digits(fraction) {
        return Err(not_a_number());
    }
    // `92.500` is 92.5 as Excel shows it; only significant decimals count.
    let significant = fraction.iter().rposition(|&c| c != '0').map_or(0, |last| last + 1);
    if significant > 2 {
        return Err(ValueError::TooManyDecimals(original.to_string()));
    }
    let whole_digits: String = whole.iter().skip_while(|&&c| c == '0').collect();
    if whole_digits.len() > 13 {
        return Err(ValueError::OutOfRange(original.to_string()));
    }
    let whole_value: u64 = if whole_digits.is_empty() {
        0
    } else {
        whole_digits.parse().map_err(|_| not_a_number())?
    };
    if whole_value > MAX_WHOLE_POINTS {
        return Err(ValueError::OutOfRange(original.to_string()));
    }
    let mut cents = 0;
    for (i, c) in fraction.iter().take(2).enumerate() {
        let digit = c.to_digit(10).unwrap_or(0) as u64;
        cents += digit * if i == 0 { 10 } else { 1 };
    }
    Ok(whole_value * 100 + cents)
}

/// A date from an Excel date, a serial number, or text `2021-11-29`, `2021/11/29`,
/// `2021年11月29日` (also with full-width digits).
///
/// Also `2021.11.29`, spaces between the parts, and a date with a time, of which the date
/// is taken.
pub fn date(data: &Data) -> Result<Option<NaiveDate>, ValueError> {
    let not_a_date = || ValueError::NotADate(display(data));
    match data {
        _ if is_blank(data) => Ok(None),
        Data::Error(e) => Err(ValueError::ExcelError(e.clone())),
        Data::DateTime(dt) => {
            // A pure time (value below one day) or a duration has no date.
            if dt.is_duration() || dt.as_f64() < 1.0 {
                return Err(not_a_date());
            }
            excel_datetime(dt).map(|d| Some(d.date())).ok_or_else(not_a_date)
        }
        Data::Int(i) => serial_datetime(*i as f64).map(|d| Some(d.date())).ok_or_else(not_a_date),
        Data::Float(f) => serial_datetime(*f).map(|d| Some(d.date())).ok_or_else(not_a_date),
        Data::String(s) | Data::DateTimeIso(s) => {
            parse_date_text(s).map(Some).ok_or_else(not_a_date)
        }
        Data::Bool(_) | Data::DurationIso(_) | Data::Empty => Err(not_a_date()),
    }
}

/// A time from an Excel time (a fraction of a day) or text `10:30`, `10：30`, `上午10:30`,
/// `下午4:00` (→ 16:00), `16:00`.
///
/// Also `中午12:00`, `晚上7:30`, `10点30分`, `10点半`, `4:00 PM`; from a date-time, its
/// time.
pub fn time(data: &Data) -> Result<Option<NaiveTime>, ValueError> {
    let not_a_time = || ValueError::NotATime(display(data));
    match data {
        _ if is_blank(data) => Ok(None),
        Data::Error(e) => Err(ValueError::ExcelError(e.clone())),
        Data::DateTime(dt) => {
            let value = dt.as_f64();
            if (0.0..1.0).contains(&value) {
                return fraction_time(value).map(Some).ok_or_else(not_a_time);
            }
            // A whole date (midnight) in a time column is a date typed in the wrong
            // column, not a meeting at 00:00.
            match excel_datetime(dt) {
                Some(d) if !dt.is_duration() && d.time() != NaiveTime::MIN => Ok(Some(d.time())),
                _ => Err(not_a_time()),
            }
        }
        Data::Float(f) => fraction_time(*f).map(Some).ok_or_else(not_a_time),
        Data::String(s) | Data::DateTimeIso(s) => {
            parse_time_text(s).map(Some).ok_or_else(not_a_time)
        }
        Data::Int(_) | Data::Bool(_) | Data::DurationIso(_) | Data::Empty => Err(not_a_time()),
    }
}

/// A date with a time from an Excel date-time or text such as `2021-11-26 10:30`,
/// `2021/11/26 10:30`, `2021年11月26日 10:30`, `2021年11月26日上午10:30`.
///
/// Any date form [`date`] reads followed by any time form [`time`] reads, with or without
/// a space between. A date without a time is refused: the time is what this column is for.
pub fn datetime(data: &Data) -> Result<Option<NaiveDateTime>, ValueError> {
    let not_a_datetime = || ValueError::NotADateTime(display(data));
    match data {
        _ if is_blank(data) => Ok(None),
        Data::Error(e) => Err(ValueError::ExcelError(e.clone())),
        Data::DateTime(dt) => {
            let value = dt.as_f64();
            if dt.is_duration() || value < 1.0 || value.fract() == 0.0 {
                return Err(not_a_datetime());
            }
            excel_datetime(dt).map(Some).ok_or_else(not_a_datetime)
        }
        Data::Float(f) if f.fract() != 0.0 => {
            serial_datetime(*f).map(Some).ok_or_else(not_a_datetime)
        }
        Data::String(s) | Data::DateTimeIso(s) => {
            parse_datetime_text(s).map(Some).ok_or_else(not_a_datetime)
        }
        _ => Err(not_a_datetime()),
    }
}

/// Splits a list typed in one cell on `、`, `，`, `,`, `;`, `；`; items trimmed, empty ones
/// dropped.
///
/// Line breaks separate items too: a list typed one item per line (Alt+Enter) is common.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(['、', '，', ',', ';', '；', '\n', '\r'])
        .map(trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

// ---------------------------------------------------------------------------------------
// Text forms of dates and times.

/// A tiny cursor over width-folded characters; white space is skipped explicitly where
/// the grammar allows it, so `2021-11-2 10:30` never reads as day 21.
struct Cursor<'a> {
    chars: &'a [char],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(chars: &'a [char]) -> Self {
        Self { chars, pos: 0 }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(is_space) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, wanted: char) -> bool {
        if self.peek() == Some(wanted) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_one_of(&mut self, set: &[char]) -> Option<char> {
        let c = self.peek().filter(|c| set.contains(c))?;
        self.pos += 1;
        Some(c)
    }

    /// Eats `word` if the text continues with it (ASCII case-insensitively).
    fn eat_word(&mut self, word: &str) -> bool {
        let len = word.chars().count();
        let Some(slice) = self.chars.get(self.pos..self.pos + len) else {
            return false;
        };
        if slice.iter().zip(word.chars()).all(|(a, b)| a.eq_ignore_ascii_case(&b)) {
            self.pos += len;
            true
        } else {
            false
        }
    }

    /// Between `min` and `max` ASCII digits (fewer than `min` is no number).
    fn number(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.pos;
        let mut value = 0u32;
        while self.pos - start < max {
            let Some(digit) = self.peek().and_then(|c| c.to_digit(10)) else {
                break;
            };
            value = value * 10 + digit;
            self.pos += 1;
        }
        if self.pos - start < min {
            self.pos = start;
            return None;
        }
        Some(value)
    }
}

const DATE_SEPARATORS: &[char] = &['-', '/', '.', '\u{2010}', '\u{2013}', '\u{2014}', '\u{2212}'];

/// `2021-11-29`, `2021/11/29`, `2021.11.29`, `2021年11月29日`/`号`, spaces allowed
/// between the parts. Leaves the cursor after the date.
fn date_prefix(cursor: &mut Cursor<'_>) -> Option<NaiveDate> {
    cursor.skip_space();
    let year = cursor.number(4, 4)?;
    if cursor.peek().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    cursor.skip_space();
    let (month, day) = if cursor.eat('年') {
        cursor.skip_space();
        let month = cursor.number(1, 2)?;
        cursor.skip_space();
        if !cursor.eat('月') {
            return None;
        }
        cursor.skip_space();
        let day = cursor.number(1, 2)?;
        cursor.skip_space();
        let _ = cursor.eat('日') || cursor.eat('号');
        (month, day)
    } else {
        let separator = cursor.eat_one_of(DATE_SEPARATORS)?;
        cursor.skip_space();
        let month = cursor.number(1, 2)?;
        cursor.skip_space();
        if !cursor.eat(separator) {
            return None;
        }
        cursor.skip_space();
        let day = cursor.number(1, 2)?;
        (month, day)
    };
    NaiveDate::from_ymd_opt(year as i32, month, day)
}

/// The part of the day a Chinese (or English) time names, which decides how a 12-hour
/// clock reading becomes a 24-hour one.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Period {
    None,
    Morning,
    EarlyMorning,
    Noon,
    Afternoon,
    Evening,
    Am,
    Pm,
}

const PERIOD_WORDS: &[(&str, Period)] = &[
    ("上午", Period::Morning),
    ("早上", Period::Morning),
    ("早晨", Period::Morning),
    ("清晨", Period::Morning),
    ("凌晨", Period::EarlyMorning),
    ("中午", Period::Noon),
    ("下午", Period::Afternoon),
    ("晚上", Period::Evening),
    ("傍晚", Period::Evening),
    ("夜间", Period::Evening),
    ("AM", Period::Am),
    ("A.M.", Period::Am),
    ("PM", Period::Pm),
    ("P.M.", Period::Pm),
];

fn period_word(cursor: &mut Cursor<'_>) -> Period {
    for &(word, period) in PERIOD_WORDS {
        if cursor.eat_word(word) {
            return period;
        }
    }
    Period::None
}

/// `10:30`, `10:30:15`, `上午10:30`, `下午4:00`, `10点30分`, `10点半`, `10点`, `4:00 PM`
/// — the whole rest of the cursor must be the time.
fn time_rest(cursor: &mut Cursor<'_>) -> Option<NaiveTime> {
    cursor.skip_space();
    // ISO 8601 joins date and time with a `T`.
    if cursor.peek() == Some('T') || cursor.peek() == Some('t') {
        cursor.pos += 1;
    }
    let mut period = period_word(cursor);
    cursor.skip_space();
    let hour = cursor.number(1, 2)?;
    cursor.skip_space();
    let (minute, second) = if cursor.eat(':') {
        cursor.skip_space();
        let minute = cursor.number(2, 2)?;
        let second = if cursor.eat(':') {
            let second = cursor.number(2, 2)?;
            // Fractions of a second (ISO text) carry no meaning here.
            if cursor.eat('.') {
                cursor.number(1, 9)?;
            }
            second
        } else {
            0
        };
        (minute, second)
    } else if cursor.eat('点') || cursor.eat('时') {
        cursor.skip_space();
        let minute = if cursor.eat('半') {
            30
        } else if let Some(minute) = cursor.number(1, 2) {
            cursor.skip_space();
            let _ = cursor.eat('分');
            minute
        } else {
            let _ = cursor.eat('整');
            0
        };
        (minute, 0)
    } else {
        return None;
    };
    cursor.skip_space();
    if period == Period::None {
        period = period_word(cursor);
        if !matches!(period, Period::None | Period::Am | Period::Pm) {
            return None;
        }
        cursor.skip_space();
    }
    if !cursor.at_end() {
        return None;
    }
    let hour = to_24_hour(hour, period)?;
    NaiveTime::from_hms_opt(hour, minute, second)
}

/// `下午4:00` is 16:00, `下午16:00` already 24-hour, `中午12:30` and `中午1:00` around noon,
/// `晚上7:30` is 19:30; `上午`/`AM` keep the hour (12 AM is midnight in English use).
fn to_24_hour(hour: u32, period: Period) -> Option<u32> {
    let hour = match period {
        Period::None => hour,
        Period::Morning => (hour <= 12).then_some(hour)?,
        Period::EarlyMorning => match hour {
            12 => 0,
            0..=11 => hour,
            _ => return None,
        },
        Period::Am => match hour {
            12 => 0,
            1..=11 => hour,
            _ => return None,
        },
        Period::Noon => match hour {
            11..=14 => hour,
            1..=3 => hour + 12,
            _ => return None,
        },
        Period::Afternoon | Period::Pm => match hour {
            1..=11 => hour + 12,
            12..=23 => hour,
            _ => return None,
        },
        Period::Evening => match hour {
            1..=11 => hour + 12,
            12 => 0,
            13..=23 => hour,
            _ => return None,
        },
    };
    (hour < 24).then_some(hour)
}

fn parse_date_text(text: &str) -> Option<NaiveDate> {
    let chars = folded(text);
    let mut cursor = Cursor::new(&chars);
    let date = date_prefix(&mut cursor)?;
    cursor.skip_space();
    // A date followed by a time still names the date.
    if cursor.at_end() || time_rest(&mut cursor).is_some() { Some(date) } else { None }
}

fn parse_time_text(text: &str) -> Option<NaiveTime> {
    let chars = folded(text);
    let mut cursor = Cursor::new(&chars);
    if let Some(time) = time_rest(&mut cursor) {
        return Some(time);
    }
    // A full date-time where only the time is wanted: take its time.
    parse_datetime_text(text).map(|d| d.time())
}

fn parse_datetime_text(text: &str) -> Option<NaiveDateTime> {
    let chars = folded(text);
    let mut cursor = Cursor::new(&chars);
    let date = date_prefix(&mut cursor)?;
    let time = time_rest(&mut cursor)?;
    Some(date.and_time(time))
}

#[cfg(test)]
mod tests {
    use calamine::ExcelDateTimeType;

    use super::*;

    #[test]
    fn cited_document_numbers_get_hexagonal_brackets() {
        for typed in
            ["党办发[2021]41号", "党办发【2021】41号", "党办发(2021)41号", "党办发（2021）41号"]
        {
            assert_eq!(normalize_cited_numbers(typed), "党办发〔2021〕41号", "{typed}");
        }
        assert_eq!(normalize_cited_numbers("发［２０２１］７号"), "发〔2021〕７号");
        let text = "《实施办法》（阿职院党办发[2021]41号）和办发(2020)3号";
        assert_eq!(
            normalize_cited_numbers(text),
            "《实施办法》（阿职院党办发〔2021〕41号）和办发〔2020〕3号"
        );
        let cell = Data::String(text.into());
        assert_eq!(
            cited_number_normalized(&cell),
            Some(("发[2021]41号".into(), "发〔2021〕41号".into()))
        );
        assert_eq!(text_of(&cell).unwrap(), normalize_cited_numbers(text));
    }

    #[test]
    fn other_bracketed_years_are_left_as_typed() {
        for typed in [
            "《考评办法（2021）》",
            "(2021)41号",
            "发 [2021]41号",
            "发[2021]号",
            "发[2021]41",
            "发[21]41号",
            "党办发〔2021〕41号",
        ] {
            assert!(matches!(normalize_cited_numbers(typed), Cow::Borrowed(_)), "{typed}");
            assert_eq!(cited_number_normalized(&Data::String(typed.into())), None, "{typed}");
        }
        assert_eq!(
            text_as_typed(&Data::String("发[2021]41号".into())).unwrap().unwrap(),
            "发[2021]41号"
        );
    }

    fn text_of(data: &Data) -> Option<String> {
        text(data).unwrap()
    }

    fn s(text: &str) -> Data {
        Data::String(text.to_string())
    }

    fn excel(value: f64) -> Data {
        Data::DateTime(ExcelDateTime::new(value, ExcelDateTimeType::DateTime, false))
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn p(hundredths: i64) -> Option<Points> {
        Some(Points::from_hundredths(hundredths))
    }

    // Serial of 2021-11-29 in the 1900 date system.
    const NOV_29: f64 = 44529.0;

    #[test]
    fn blank_cells() {
        assert!(is_blank(&Data::Empty));
        assert!(is_blank(&s("")));
        assert!(is_blank(&s("  \u{3000}\t\n")));
        assert!(!is_blank(&s(" x ")));
        assert!(!is_blank(&Data::Float(0.0)));
        assert!(!is_blank(&Data::Error(CellErrorType::NA)));
    }

    #[test]
    fn display_like_excel() {
        assert_eq!(display(&Data::Int(95)), "95");
        assert_eq!(display(&Data::Float(95.0)), "95");
        assert_eq!(display(&Data::Float(92.5)), "92.5");
        assert_eq!(display(&Data::Float(18999678675.0)), "18999678675");
        assert_eq!(display(&Data::Float(0.1 + 0.2)), "0.3");
        assert_eq!(display(&Data::Float(-0.0)), "0");
        assert_eq!(display(&Data::Bool(true)), "TRUE");
        assert_eq!(display(&Data::Error(CellErrorType::Div0)), "#DIV/0!");
        assert_eq!(display(&excel(NOV_29)), "2021-11-29");
        assert_eq!(display(&excel(NOV_29 + 0.4375)), "2021-11-29 10:30");
        assert_eq!(display(&excel(0.4375)), "10:30");
        assert_eq!(display(&s("  部门名称\u{3000}")), "部门名称");
        assert_eq!(display(&Data::Empty), "");
        assert_eq!(
            display(&Data::DateTimeIso("2021-11-26T10:30:00".into())),
            "2021-11-26 10:30:00"
        );
    }

    #[test]
    fn headers_normalise() {
        assert_eq!(normalize_header("处（室）"), normalize_header("处(室)"));
        assert_eq!(normalize_header(" 部门 名称\u{3000}"), "部门名称");
        assert_eq!(normalize_header("考评\n对象"), "考评对象");
        assert_eq!(normalize_header("\u{FEFF}项目"), "项目");
        assert_ne!(normalize_header("部门"), normalize_header("部门名称"));
    }

    #[test]
    fn text_is_trimmed_and_numbers_read_as_shown() {
        assert_eq!(text(&s("  教务处\u{3000}")), Ok(Some("教务处".into())));
        assert_eq!(text(&s(" \u{3000} ")), Ok(None));
        assert_eq!(text(&Data::Empty), Ok(None));
        assert_eq!(text(&Data::Float(18999678675.0)), Ok(Some("18999678675".into())));
        assert_eq!(text(&Data::Int(2021)), Ok(Some("2021".into())));
        assert_eq!(text(&Data::Float(92.5)), Ok(Some("92.5".into())));
        assert_eq!(text(&excel(NOV_29)), Ok(Some("2021-11-29".into())));
        assert_eq!(text(&s("第一行\r\n第二行")), Ok(Some("第一行\n第二行".into())));
        assert_eq!(text(&s("a\tb")), Ok(Some("a\tb".into())));
    }

    #[test]
    fn text_refuses_control_characters_and_errors() {
        assert_eq!(text(&s("教务\u{7}处")), Err(ValueError::ControlCharacter(7)));
        assert_eq!(text(&s("x\u{0}")), Err(ValueError::ControlCharacter(0)));
        assert_eq!(text(&s("\u{B}x")), Err(ValueError::ControlCharacter(0xB)));
        assert_eq!(text(&s("x\u{7F}")), Err(ValueError::ControlCharacter(0x7F)));
        assert_eq!(text(&s("x\u{85}")), Err(ValueError::ControlCharacter(0x85)));
        assert_eq!(
            text(&Data::Error(CellErrorType::Ref)),
            Err(ValueError::ExcelError(CellErrorType::Ref))
        );
        // Visible look-alikes and bidi marks are text, not control characters.
        assert!(text(&s("\u{202E}abc")).is_ok());
        assert_eq!(
            ValueError::ControlCharacter(7).to_string(),
            "含有不可见的控制字符 U+0007，请删除后重试"
        );
    }

    #[test]
    fn points_from_numbers_and_text() {
        assert_eq!(points(&Data::Int(95)), Ok(p(9500)));
        assert_eq!(points(&Data::Float(92.5)), Ok(p(9250)));
        assert_eq!(points(&Data::Float(92.35)), Ok(p(9235)));
        assert_eq!(points(&Data::Float(-5.0)), Ok(p(-500)));
        assert_eq!(points(&s("95")), Ok(p(9500)));
        assert_eq!(points(&s("９５")), Ok(p(9500)));
        assert_eq!(points(&s("９２．５")), Ok(p(9250)));
        assert_eq!(points(&s(" 92.5 ")), Ok(p(9250)));
        assert_eq!(points(&s("\u{3000}88\u{3000}")), Ok(p(8800)));
        assert_eq!(points(&s("92.35")), Ok(p(9235)));
        assert_eq!(points(&s("92.500")), Ok(p(9250)));
        assert_eq!(points(&s(".5")), Ok(p(50)));
        assert_eq!(points(&s("-3")), Ok(p(-300)));
        assert_eq!(points(&s("－３")), Ok(p(-300)));
        assert_eq!(points(&s("+2")), Ok(p(200)));
        assert_eq!(points(&s("")), Ok(None));
        assert_eq!(points(&Data::Empty), Ok(None));
    }

    #[test]
    fn points_refuses_what_is_not_a_two_decimal_number() {
        assert_eq!(points(&s("九十")), Err(ValueError::NotANumber("九十".into())));
        assert_eq!(points(&s("95分")), Err(ValueError::NotANumber("95分".into())));
        assert_eq!(points(&s("-")), Err(ValueError::NotANumber("-".into())));
        assert_eq!(points(&s(".")), Err(ValueError::NotANumber(".".into())));
        assert_eq!(points(&s("1.2.3")), Err(ValueError::NotANumber("1.2.3".into())));
        assert_eq!(points(&s("1e2")), Err(ValueError::NotANumber("1e2".into())));
        assert_eq!(points(&Data::Bool(true)), Err(ValueError::NotANumber("TRUE".into())));
        assert_eq!(points(&s("8.333")), Err(ValueError::TooManyDecimals("8.333".into())));
        assert_eq!(
            points(&Data::Float(25.0 / 3.0)),
            Err(ValueError::TooManyDecimals("8.33333333333333".into()))
        );
        assert_eq!(
            points(&Data::Error(CellErrorType::Div0)),
            Err(ValueError::ExcelError(CellErrorType::Div0))
        );
        assert!(matches!(points(&s("99999999999999999999")), Err(ValueError::OutOfRange(_))));
        assert!(matches!(points(&Data::Int(i64::MIN)), Err(ValueError::OutOfRange(_))));
        assert!(matches!(points(&Data::Float(1e300)), Err(ValueError::OutOfRange(_))));
        assert!(matches!(points(&Data::Float(f64::NAN)), Err(ValueError::NotANumber(_))));
        assert!(matches!(points(&excel(NOV_29)), Err(ValueError::NotANumber(_))));
        assert_eq!(ValueError::NotANumber("九十".into()).to_string(), "应为数字，实际为“九十”");
    }

    #[test]
    fn dates_from_excel_values_and_serials() {
        assert_eq!(date(&excel(NOV_29)), Ok(Some(ymd(2021, 11, 29))));
        // A date-time where a date is wanted: its date.
        assert_eq!(date(&excel(NOV_29 + 0.4375)), Ok(Some(ymd(2021, 11, 29))));
        assert_eq!(date(&Data::Int(44529)), Ok(Some(ymd(2021, 11, 29))));
        assert_eq!(date(&Data::Float(NOV_29)), Ok(Some(ymd(2021, 11, 29))));
        assert_eq!(date(&Data::Float(NOV_29 + 0.75)), Ok(Some(ymd(2021, 11, 29))));
        assert_eq!(date(&Data::Int(1)), Ok(Some(ymd(1900, 1, 1))));
        assert_eq!(date(&Data::Int(59)), Ok(Some(ymd(1900, 2, 28))));
        assert_eq!(date(&Data::Int(61)), Ok(Some(ymd(1900, 3, 1))));
        assert!(matches!(date(&Data::Int(60)), Err(ValueError::NotADate(_))));
        assert!(matches!(date(&Data::Int(0)), Err(ValueError::NotADate(_))));
        assert!(matches!(date(&Data::Int(-5)), Err(ValueError::NotADate(_))));
        assert!(matches!(date(&Data::Int(20211129)), Err(ValueError::NotADate(_))));
        assert!(matches!(date(&Data::Float(f64::INFINITY)), Err(ValueError::NotADate(_))));
        // A bare time is no date.
        assert!(matches!(date(&excel(0.4375)), Err(ValueError::NotADate(_))));
        assert_eq!(
            date(&Data::DateTimeIso("2021-11-29T00:00:00".into())),
            Ok(Some(ymd(2021, 11, 29)))
        );
        assert_eq!(date(&Data::Empty), Ok(None));
        assert_eq!(
            date(&Data::Error(CellErrorType::Value)),
            Err(ValueError::ExcelError(CellErrorType::Value))
        );
    }

    #[test]
    fn dates_from_text() {
        let want = Ok(Some(ymd(2021, 11, 29)));
        for form in [
            "2021-11-29",
            "2021/11/29",
            "2021.11.29",
            "2021年11月29日",
            "2021年11月29号",
            "2021年11月29",
            " 2021 年 11 月 29 日 ",
            "２０２１年１１月２９日",
            "２０２１－１１－２９",
            "２０２１／１１／２９",
            "\u{3000}2021-11-29\u{3000}",
            "2021-11-29 10:30",
            "2021年11月29日上午10:30",
        ] {
            assert_eq!(date(&s(form)), want, "{form}");
        }
        assert_eq!(date(&s("2021-1-5")), Ok(Some(ymd(2021, 1, 5))));
        assert_eq!(date(&s("2021年1月5日")), Ok(Some(ymd(2021, 1, 5))));
    }

    #[test]
    fn bad_date_text() {
        for form in [
            "2021-02-30",
            "2021-13-01",
            "2021-11-00",
            "2021-11/29",
            "21-11-29",
            "20211129",
            "11月29日",
            "明天",
            "2021年11月29日下周",
            "2021-11-291",
            "TRUE",
        ] {
            assert_eq!(date(&s(form)), Err(ValueError::NotADate(form.to_string())), "{form}");
        }
        assert!(matches!(date(&Data::Bool(true)), Err(ValueError::NotADate(_))));
    }

    #[test]
    fn times_from_excel_values() {
        assert_eq!(time(&excel(0.4375)), Ok(Some(hm(10, 30))));
        assert_eq!(time(&Data::Float(0.4375)), Ok(Some(hm(10, 30))));
        assert_eq!(time(&Data::Float(10.0 / 24.0 + 31.0 / 1440.0)), Ok(Some(hm(10, 31))));
        assert_eq!(time(&excel(0.0)), Ok(Some(hm(0, 0))));
        assert_eq!(time(&excel(NOV_29 + 0.4375)), Ok(Some(hm(10, 30))));
        let duration =
            Data::DateTime(ExcelDateTime::new(0.4375, ExcelDateTimeType::TimeDelta, false));
        assert_eq!(time(&duration), Ok(Some(hm(10, 30))));
        // A date in the time column is a mistake, not midnight.
        assert!(matches!(time(&excel(NOV_29)), Err(ValueError::NotATime(_))));
        assert!(matches!(time(&Data::Float(1.5)), Err(ValueError::NotATime(_))));
        assert!(matches!(time(&Data::Float(-0.1)), Err(ValueError::NotATime(_))));
        assert!(matches!(time(&Data::Int(10)), Err(ValueError::NotATime(_))));
        assert!(matches!(time(&Data::Float(0.999_999_9)), Err(ValueError::NotATime(_))));
        assert_eq!(
            time(&Data::Error(CellErrorType::NA)),
            Err(ValueError::ExcelError(CellErrorType::NA))
        );
        assert_eq!(time(&s(" ")), Ok(None));
    }

    #[test]
    fn times_from_text() {
        let cases = [
            ("10:30", hm(10, 30)),
            ("10：30", hm(10, 30)),
            ("１０：３０", hm(10, 30)),
            (" 9:05 ", hm(9, 5)),
            ("16:00", hm(16, 0)),
            ("10:30:15", NaiveTime::from_hms_opt(10, 30, 15).unwrap()),
            ("上午10:30", hm(10, 30)),
            ("上午 10:30", hm(10, 30)),
            ("早上8:00", hm(8, 0)),
            ("下午4:00", hm(16, 0)),
            ("下午 4:00", hm(16, 0)),
            ("下午16:00", hm(16, 0)),
            ("下午12:30", hm(12, 30)),
            ("中午12:00", hm(12, 0)),
            ("中午1:30", hm(13, 30)),
            ("晚上7:30", hm(19, 30)),
            ("凌晨12:10", hm(0, 10)),
            ("10点30分", hm(10, 30)),
            ("10点30", hm(10, 30)),
            ("10点", hm(10, 0)),
            ("10点整", hm(10, 0)),
            ("10点半", hm(10, 30)),
            ("下午3点", hm(15, 0)),
            ("10时30分", hm(10, 30)),
            ("4:00 PM", hm(16, 0)),
            ("4:00pm", hm(16, 0)),
            ("12:00 AM", hm(0, 0)),
            ("ＰＭ 4:00", hm(16, 0)),
            ("2021-11-26 10:30", hm(10, 30)),
            ("10:30:00.000", hm(10, 30)),
        ];
        for (form, want) in cases {
            assert_eq!(time(&s(form)), Ok(Some(want)), "{form}");
        }
    }

    #[test]
    fn bad_time_text() {
        for form in [
            "25:00",
            "24:00",
            "10:60",
            "10:3",
            "10",
            "10:30 下午",
            "上午13:00",
            "下午0:30",
            "中午5:00",
            "十点",
            "10:30abc",
            "2021-11-26",
        ] {
            assert_eq!(time(&s(form)), Err(ValueError::NotATime(form.to_string())), "{form}");
        }
    }

    #[test]
    fn datetimes() {
        let want = Ok(Some(ymd(2021, 11, 26).and_time(hm(10, 30))));
        for form in [
            "2021-11-26 10:30",
            "2021/11/26 10:30",
            "2021.11.26 10:30",
            "2021年11月26日 10:30",
            "2021年11月26日10:30",
            "2021年11月26日上午10:30",
            "2021年11月26日 上午 10:30",
            "2021年11月26日上午10点30分",
            "2021年11月26日上午10点半",
            "２０２１年１１月２６日上午１０：３０",
            "2021-11-2610:30",
            "2021-11-26T10:30:00",
        ] {
            assert_eq!(datetime(&s(form)), want, "{form}");
        }
        assert_eq!(
            datetime(&s("2021-11-2 10:30")),
            Ok(Some(ymd(2021, 11, 2).and_time(hm(10, 30))))
        );
        assert_eq!(
            datetime(&s("2021年11月26日下午4:00")),
            Ok(Some(ymd(2021, 11, 26).and_time(hm(16, 0))))
        );
        let serial = 44526.0 + 0.4375;
        assert_eq!(datetime(&excel(serial)), want);
        assert_eq!(datetime(&Data::Float(serial)), want);
        assert_eq!(datetime(&Data::DateTimeIso("2021-11-26T10:30:00".into())), want);
        assert_eq!(datetime(&Data::Empty), Ok(None));
        assert_eq!(
            datetime(&Data::Error(CellErrorType::Div0)),
            Err(ValueError::ExcelError(CellErrorType::Div0))
        );
        for bad in ["2021-11-26", "10:30", "2021-11-26 25:00", "2021-02-30 10:30", "下周五上午"]
        {
            assert_eq!(datetime(&s(bad)), Err(ValueError::NotADateTime(bad.to_string())), "{bad}");
        }
        // A date alone, or a time alone, is not enough for this column.
        assert!(matches!(datetime(&excel(44526.0)), Err(ValueError::NotADateTime(_))));
        assert!(matches!(datetime(&excel(0.4375)), Err(ValueError::NotADateTime(_))));
        assert!(matches!(datetime(&Data::Int(44526)), Err(ValueError::NotADateTime(_))));
    }

    #[test]
    fn lists_split_on_chinese_and_ascii_separators() {
        assert_eq!(
            split_list("教务处、人事处，财务处,科研处;后勤处；保卫处"),
            ["教务处", "人事处", "财务处", "科研处", "后勤处", "保卫处"]
        );
        assert_eq!(split_list(" 教务处 、、 人事处\u{3000}"), ["教务处", "人事处"]);
        assert_eq!(split_list("教务处\n人事处\r\n财务处"), ["教务处", "人事处", "财务处"]);
        assert!(split_list("").is_empty());
        assert!(split_list(" 、 ，").is_empty());
        assert_eq!(split_list("处（室）"), ["处（室）"]);
    }

    #[test]
    fn parsers_never_panic_on_odd_text() {
        let odd = [
            "",
            "年",
            "2021年",
            "2021-",
            "2021-11-",
            "::",
            "点",
            "上午",
            "PM",
            "9999-12-31 23:59:59",
            "0000-01-01",
            "2021-99999999999999999-01",
            "99999999999:00",
            "１",
            "\u{FF5E}",
        ];
        for text in odd {
            let data = s(text);
            let _ = (date(&data), time(&data), datetime(&data), points(&data), text_of(&data));
        }
        fn text_of(d: &Data) -> Result<Option<String>, ValueError> {
            text(d)
        }
    }
}
