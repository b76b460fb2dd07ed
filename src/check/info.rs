//! 文件信息: the document facts, one `项目 | 内容` row each.
//!
//! Keys are matched leniently (spaces, full-width characters); an unknown key is a warning
//! with the closest known key as a suggestion, since it is most likely a typo of one.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use calamine::Data;
use chrono::NaiveDate;

use super::{Ctx, closest, key};
use crate::finding::{CellRef, Location};
use crate::input_format::info::{self as facts_format, LAST_YEAR as LAST_YEAR_FACT};
use crate::input_format::sheets::INFO;
use crate::model::{DocumentInfo, Points, ScoringMethod, full_date};
use crate::workbook::value::{self, ValueError};
use crate::workbook::{TableRow, Workbook};

use crate::input_format::info::{KEY, VALUE};

/// What the sheet gave: the document facts when all are valid, and the facts other sheets
/// are checked against even when some unrelated fact failed.
#[derive(Debug, Default)]
pub(super) struct Info {
    pub doc: Option<DocumentInfo>,
    /// 考评开始日期..=考评结束日期, when both are readable and in order.
    pub window: Option<(NaiveDate, NaiveDate)>,
    pub bonus_cap: Option<Points>,
    /// 上年度结果: the summary workbook it names, found next to the workbook.
    pub last_year: Option<NamedFile>,
}

/// A file a fact names, and where it was named.
#[derive(Debug, Clone)]
pub(super) struct NamedFile {
    /// As typed.
    pub typed: String,
    /// Resolved against the workbook's folder.
    pub path: PathBuf,
    pub location: Location,
}

pub(super) fn check(ctx: &mut Ctx, book: &Workbook) -> Info {
    let Some(sheet) = ctx.required_sheet(book, INFO) else {
        return Info::default();
    };
    let Some(table) = ctx.table(book, sheet, &facts_format::COLUMNS.map(|c| c.header())) else {
        return Info::default();
    };
    let mut facts = Facts {
        rows: BTreeMap::new(),
        sheet: Location::sheet(&book.path, &sheet.name),
        failed: false,
    };
    for row in table.rows() {
        let Some(name) = ctx.ok(row.required_text(KEY)) else {
            facts.failed = true;
            continue;
        };
        let typed = key(&name);
        let Some(known) = facts_format::FACTS.iter().map(|f| f.key).find(|k| key(k) == typed)
        else {
            let suggestion = closest(&name, facts_format::FACTS.iter().map(|f| f.key));
            ctx.warning(row.location(KEY), msg::unknown_key(&name, suggestion));
            continue;
        };
        if let Some(first) = facts.rows.get(known) {
            ctx.error(row.location(KEY), msg::duplicate_key(known, first.cell(KEY)));
            facts.failed = true;
            continue;
        }
        facts.rows.insert(known, row);
    }
    read(ctx, book, &mut facts)
}

fn read(ctx: &mut Ctx, book: &Workbook, facts: &mut Facts<'_>) -> Info {
    let org = facts.get(ctx, facts_format::ORG, value::text);
    let org_short = facts.get(ctx, facts_format::ORG_SHORT, value::text);
    let year = facts.year(ctx);
    let mark = facts.get(ctx, facts_format::MARK, value::text);
    let doc_number = facts.doc_number(ctx);
    let title = facts.get(ctx, facts_format::TITLE, value::text);
    let recipients = facts.get(ctx, facts_format::RECIPIENTS, value::text);
    let basis = facts.get(ctx, facts_format::BASIS, value::text);
    let signer = facts.get(ctx, facts_format::SIGNER, value::text);
    let date = facts.get(ctx, facts_format::DATE, value::date);
    let eval_start = facts.get(ctx, facts_format::EVAL_START, value::date);
    let eval_end = facts.get(ctx, facts_format::EVAL_END, value::date);
    let self_check_deadline = facts.get(ctx, facts_format::SELF_CHECK_DEADLINE, value::date);
    let meeting = facts.get(ctx, facts_format::MEETING, value::datetime);
    let meeting_place = facts.get(ctx, facts_format::MEETING_PLACE, value::text);
    let meeting_attendees = facts.get(ctx, facts_format::MEETING_ATTENDEES, value::text);
    let office = facts.get(ctx, facts_format::OFFICE, value::text);
    let office_director = facts.get(ctx, facts_format::OFFICE_DIRECTOR, value::text);
    let office_deputy = facts.get(ctx, facts_format::OFFICE_DEPUTY, value::text);
    let cc = facts.get(ctx, facts_format::CC, value::text);
    let printer = facts.get(ctx, facts_format::PRINTER, value::text);
    let print_date = facts.get(ctx, facts_format::PRINT_DATE, value::date);
    let scoring_method = facts.scoring_method(ctx);
    let bonus_cap = facts.bonus_cap(ctx);
    let seal = facts.seal(ctx, book);
    let last_year = facts.last_year(ctx, book);

    // Dates in order, each reported at the later fact's cell.
    if let (Some(deadline), Some(start)) = (self_check_deadline, eval_start)
        && deadline >= start
    {
        facts.error(ctx, "自查截止日期", msg::deadline_not_before_start(deadline, start));
    }
    if let (Some(start), Some(end)) = (eval_start, eval_end)
        && end < start
    {
        facts.error(ctx, "考评结束日期", msg::end_before_start(end, start));
    }
    if let (Some(meeting), Some(start)) = (meeting, eval_start)
        && meeting.date() >= start
    {
        facts.error(ctx, "动员会时间", msg::meeting_not_before_start(meeting.date(), start));
    }
    if let (Some(date), Some(meeting)) = (date, meeting)
        && date > meeting.date()
    {
        facts.warning(ctx, "成文日期", msg::issued_after_meeting(date, meeting.date()));
    }
    if let (Some(date), Some(printed)) = (date, print_date)
        && printed < date
    {
        facts.warning(ctx, "印发日期", msg::printed_before_issued(printed, date));
    }

    let window = eval_start.zip(eval_end).filter(|(start, end)| start <= end);
    let doc = 'doc: {
        let (
            false,
            Some(org),
            Some(year),
            Some(signer),
            Some(date),
            Some(eval_start),
            Some(eval_end),
            Some(self_check_deadline),
            Some(meeting),
            Some(meeting_place),
            Some(office),
        ) = (
            facts.failed,
            org,
            year,
            signer,
            date,
            eval_start,
            eval_end,
            self_check_deadline,
            meeting,
            meeting_place,
            office,
        )
        else {
            break 'doc None;
        };
        Some(DocumentInfo {
            org_short: org_short.unwrap_or_else(|| derive_short(&org)),
            year,
            mark: mark.unwrap_or_else(|| format!("{org}文件")),
            doc_number,
            title: title.unwrap_or_else(|| format!("{org}{year}年度绩效考评工作实施方案")),
            recipients,
            basis,
            signer,
            date,
            eval_start,
            eval_end,
            self_check_deadline,
            meeting,
            meeting_place,
            meeting_attendees,
            office,
            office_director,
            office_deputy,
            cc,
            printer,
            print_date,
            scoring_method: scoring_method.unwrap_or(ScoringMethod::Mean),
            bonus_cap,
            seal,
            org,
        })
    };
    Info { doc, window, bonus_cap, last_year }
}

/// How the prose names the institution itself: `学院` for a 学院, `学校` for a 大学 or
/// 学校, otherwise the full name.
fn derive_short(org: &str) -> String {
    if org.ends_with("学院") {
        "学院".to_string()
    } else if org.ends_with("大学") || org.ends_with("学校") {
        "学校".to_string()
    } else {
        org.to_string()
    }
}

/// `[2021]`, `【2021】`, `(2021)`, `（2021）` (any of these brackets, also mixed) around a
/// four-digit year become `〔2021〕`, as GB/T 9704 writes the year of a document number.
fn normalize_doc_number(text: &str) -> String {
    const OPEN: [char; 9] = ['[', '【', '(', '（', '［', '〔', '〖', '{', '｛'];
    const CLOSE: [char; 9] = [']', '】', ')', '）', '］', '〕', '〗', '}', '｝'];
    let chars: Vec<char> = text.chars().collect();
    let digit = |c: char| match c {
        '0'..='9' => Some(c),
        '０'..='９' => char::from_u32(c as u32 - 0xFEE0),
        _ => None,
    };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let year: Option<String> =
            (i + 5 < chars.len() && OPEN.contains(&chars[i]) && CLOSE.contains(&chars[i + 5]))
                .then(|| chars[i + 1..i + 5].iter().map(|&c| digit(c)).collect())
                .flatten();
        match year {
            Some(year) => {
                out.push('〔');
                out.push_str(&year);
                out.push('〕');
                i += 6;
            }
            None => {
                out.push(chars[i]);
                i += 1;
            }
        }
    }
    out
}

/// The rows of the sheet by key, and whether any of them failed.
struct Facts<'t> {
    rows: BTreeMap<&'static str, TableRow<'t>>,
    sheet: Location,
    failed: bool,
}

impl Facts<'_> {
    fn is_required(name: &str) -> bool {
        facts_format::is_required(name)
    }

    fn location(&self, name: &str) -> Location {
        self.rows.get(name).map_or_else(|| self.sheet.clone(), |row| row.location(VALUE))
    }

    fn error(&mut self, ctx: &mut Ctx, name: &str, message: String) {
        ctx.error(self.location(name), message);
        self.failed = true;
    }

    fn warning(&self, ctx: &mut Ctx, name: &str, message: String) {
        ctx.warning(self.location(name), message);
    }

    /// A fact parsed by `parse`. Absent or blank: `None`, an error when the fact is
    /// required. Unreadable: an error naming the fact.
    fn get<T>(
        &mut self,
        ctx: &mut Ctx,
        name: &'static str,
        parse: impl FnOnce(&Data) -> Result<Option<T>, ValueError>,
    ) -> Option<T> {
        let required = Self::is_required(name);
        let Some(row) = self.rows.get(name).copied() else {
            if required {
                ctx.error(self.sheet.clone(), msg::missing_key(name));
                self.failed = true;
            }
            return None;
        };
        match parse(row.raw(VALUE)) {
            Ok(Some(value)) => Some(value),
            Ok(None) => {
                if required {
                    self.error(ctx, name, msg::empty(name));
                }
                None
            }
            Err(err) => {
                self.error(ctx, name, format!("{name}{err}"));
                None
            }
        }
    }

    fn year(&mut self, ctx: &mut Ctx) -> Option<i32> {
        let text = self.get(ctx, facts_format::YEAR, value::text)?;
        let digits = key(&text);
        let digits = digits.strip_suffix('年').unwrap_or(&digits);
        match digits.parse::<i32>() {
            Ok(year) if digits.len() == 4 && digits.bytes().all(|b| b.is_ascii_digit()) => {
                Some(year)
            }
            _ => {
                self.error(ctx, "年度", msg::bad_year(&text));
                None
            }
        }
    }

    fn doc_number(&mut self, ctx: &mut Ctx) -> Option<String> {
        let text = self.get(ctx, facts_format::DOC_NUMBER, value::text_as_typed)?;
        let normalized = normalize_doc_number(&text);
        if normalized != text {
            self.warning(ctx, "发文字号", msg::doc_number_normalized(&text, &normalized));
        }
        Some(normalized)
    }

    fn scoring_method(&mut self, ctx: &mut Ctx) -> Option<ScoringMethod> {
        let text = self.get(ctx, facts_format::SCORING_METHOD, value::text)?;
        let method = [ScoringMethod::Mean, ScoringMethod::TrimmedMean]
            .into_iter()
            .find(|m| key(m.label()) == key(&text));
        if method.is_none() {
            self.error(ctx, "计分方法", msg::bad_scoring_method(&text));
        }
        method
    }

    fn bonus_cap(&mut self, ctx: &mut Ctx) -> Option<Points> {
        let cap = self.get(ctx, facts_format::BONUS_CAP, value::points)?;
        if cap.is_negative() {
            self.error(ctx, "加分上限", msg::negative_bonus_cap(cap));
            return None;
        }
        Some(cap)
    }

    fn seal(&mut self, ctx: &mut Ctx, book: &Workbook) -> Option<std::path::PathBuf> {
        let text = self.get(ctx, facts_format::SEAL, value::text)?;
        let folder = book.path.parent().unwrap_or(Path::new(""));
        let path = folder.join(&text);
        if !path.is_file() {
            self.error(ctx, "印章图片", msg::seal_not_found(&text, &path));
            return None;
        }
        Some(path)
    }

    fn last_year(&mut self, ctx: &mut Ctx, book: &Workbook) -> Option<NamedFile> {
        const NAME: &str = LAST_YEAR_FACT;
        let typed = self.get(ctx, NAME, value::text)?;
        let path = book.path.parent().unwrap_or(Path::new("")).join(&typed);
        if !path.is_file() {
            self.error(ctx, NAME, msg::last_year_not_found(&typed, &path));
            return None;
        }
        Some(NamedFile { typed, path, location: self.location(NAME) })
    }
}

/// The wording of this sheet's findings.
mod msg {
    use super::*;

    pub fn unknown_key(typed: &str, suggestion: Option<&str>) -> String {
        match suggestion {
            Some(known) => format!("未知的项目“{typed}”，已忽略；是否应为“{known}”？"),
            None => format!("未知的项目“{typed}”，已忽略"),
        }
    }

    pub fn duplicate_key(name: &str, first: CellRef) -> String {
        format!("项目“{name}”重复（已在 {first} 填写）")
    }

    pub fn missing_key(name: &str) -> String {
        format!("缺少必填项目“{name}”（在“项目”列填写“{name}”，在“内容”列填写其值）")
    }

    pub fn empty(name: &str) -> String {
        format!("{name}不能为空")
    }

    pub fn bad_year(typed: &str) -> String {
        format!("年度应为四位数的年份（如 2021），实际为“{typed}”")
    }

    pub fn doc_number_normalized(typed: &str, normalized: &str) -> String {
        format!("发文字号“{typed}”中的年份括号已改为六角括号：“{normalized}”")
    }

    pub fn bad_scoring_method(typed: &str) -> String {
        format!("计分方法应为“平均”或“去掉最高最低分后平均”，实际为“{typed}”")
    }

    pub fn negative_bonus_cap(cap: Points) -> String {
        format!("加分上限不能为负数，实际为 {cap}")
    }

    pub fn seal_not_found(typed: &str, resolved: &Path) -> String {
        format!("找不到印章图片“{typed}”（按工作簿所在文件夹查找：{}）", resolved.display())
    }

    pub fn last_year_not_found(typed: &str, resolved: &Path) -> String {
        format!(
            "找不到上年度结果“{typed}”（按工作簿所在文件夹查找：{}）；应填写上年度 kaoping 生成的“……考评结果汇总.xlsx”的位置",
            resolved.display()
        )
    }

    pub fn deadline_not_before_start(deadline: NaiveDate, start: NaiveDate) -> String {
        format!("自查截止日期 {} 应早于考评开始日期 {}", full_date(deadline), full_date(start))
    }

    pub fn end_before_start(end: NaiveDate, start: NaiveDate) -> String {
        format!("考评结束日期 {} 早于考评开始日期 {}", full_date(end), full_date(start))
    }

    pub fn meeting_not_before_start(meeting: NaiveDate, start: NaiveDate) -> String {
        format!("动员会日期 {} 应早于考评开始日期 {}", full_date(meeting), full_date(start))
    }

    pub fn issued_after_meeting(date: NaiveDate, meeting: NaiveDate) -> String {
        format!(
            "成文日期 {} 晚于动员会日期 {}，通知应在动员会之前印发",
            full_date(date),
            full_date(meeting)
        )
    }

    pub fn printed_before_issued(printed: NaiveDate, date: NaiveDate) -> String {
        format!("印发日期 {} 早于成文日期 {}", full_date(printed), full_date(date))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testing::{check_book, check_in, new_findings, reference, sheet};
    use crate::sample::Value;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2021, m, d).unwrap()
    }

    #[test]
    fn unknown_key_is_a_warning_with_a_suggestion() {
        let mut book = reference();
        book.set_fact("单位名城", "某学院");
        book.set_fact("联系人", "张三");
        assert_eq!(
            new_findings(&book),
            [
                "警告 文件信息!A21：未知的项目“单位名城”，已忽略；是否应为“单位名称”？",
                "警告 文件信息!A22：未知的项目“联系人”，已忽略",
            ]
        );
    }

    #[test]
    fn keys_match_despite_spaces_and_width() {
        let mut book = reference();
        sheet(&mut book, INFO).set(0, KEY, " 单位 名称 ");
        assert!(check_book(&book).plan.is_some());
    }

    #[test]
    fn duplicate_key_names_both_cells() {
        let mut book = reference();
        sheet(&mut book, INFO).push_row(vec!["年度".into(), 2022.into()]);
        assert_eq!(new_findings(&book), ["错误 文件信息!A21：项目“年度”重复（已在 A3 填写）"]);
    }

    #[test]
    fn missing_and_empty_required_facts() {
        let mut book = reference();
        // Typed as GB/T 9704 wants, so that no cell's note moves with the removed row.
        book.set_fact("发文字号", "阿职院办发〔2021〕45号");
        book.set_fact("依据文件", "《实施办法》（阿职院党办发〔2021〕41号）");
        sheet(&mut book, INFO).rows.remove(0);
        book.set_fact("动员会地点", Value::Empty);
        assert_eq!(
            new_findings(&book),
            [
                "错误 文件信息：缺少必填项目“单位名称”（在“项目”列填写“单位名称”，在“内容”列填写其值）",
                "错误 文件信息!B13：动员会地点不能为空",
            ]
        );
    }

    #[test]
    fn defaults_and_derived_facts() {
        let mut book = reference();
        let facts = sheet(&mut book, INFO);
        facts.rows.retain(|r| {
            !matches!(r[0].as_text(), Some("发文机关标志" | "计分方法" | "加分上限" | "发文字号"))
        });
        let plan = check_book(&book).plan.unwrap();
        assert_eq!(plan.info.mark, "阿克苏职业技术学院文件");
        assert_eq!(plan.info.title, "阿克苏职业技术学院2021年度绩效考评工作实施方案");
        assert_eq!(plan.info.org_short, "学院");
        assert_eq!(plan.info.scoring_method, ScoringMethod::Mean);
        assert_eq!(plan.info.bonus_cap, None);
        assert_eq!(plan.info.doc_number, None);

        book.set_fact("单位简称", "我院");
        book.set_fact("年度", "2021年");
        let plan = check_book(&book).plan.unwrap();
        assert_eq!(plan.info.org_short, "我院");
        assert_eq!(plan.info.year, 2021);
    }

    #[test]
    fn every_bracket_form_of_the_doc_number_is_normalised_with_a_warning() {
        for typed in ["办发【2021】45号", "办发(2021)45号", "办发（2021）45号"] {
            let mut book = reference();
            book.set_fact("发文字号", typed);
            let checked = check_book(&book);
            let expected = format!(
                "警告 文件信息!B5：发文字号“{typed}”中的年份括号已改为六角括号：“办发〔2021〕45号”"
            );
            assert!(crate::check::testing::lines(&checked).contains(&expected), "{typed}");
            assert_eq!(checked.plan.unwrap().info.doc_number.unwrap(), "办发〔2021〕45号");
        }
        let mut book = reference();
        book.set_fact("发文字号", "阿职院办发〔2021〕45号");
        let checked = check_book(&book);
        assert!(checked.findings.iter().all(|f| !f.message.contains("发文字号")));
    }

    #[test]
    fn bad_year_method_and_cap() {
        let mut book = reference();
        book.set_fact("年度", "21");
        book.set_fact("计分方法", "中位数");
        book.set_fact("加分上限", -1);
        assert_eq!(
            new_findings(&book),
            [
                "错误 文件信息!B3：年度应为四位数的年份（如 2021），实际为“21”",
                "错误 文件信息!B19：计分方法应为“平均”或“去掉最高最低分后平均”，实际为“中位数”",
                "错误 文件信息!B20：加分上限不能为负数，实际为 -1",
            ]
        );
    }

    #[test]
    fn dates_out_of_order() {
        let mut book = reference();
        book.set_fact("自查截止日期", day(11, 29));
        book.set_fact("考评结束日期", day(11, 28));
        book.set_fact("动员会时间", day(11, 29).and_hms_opt(10, 30, 0).unwrap());
        assert_eq!(
            new_findings(&book),
            [
                "错误 文件信息!B12：自查截止日期 2021年11月29日 应早于考评开始日期 2021年11月29日",
                "错误 文件信息!B11：考评结束日期 2021年11月28日 早于考评开始日期 2021年11月29日",
                "错误 文件信息!B13：动员会日期 2021年11月29日 应早于考评开始日期 2021年11月29日",
            ]
        );
    }

    #[test]
    fn notice_issued_after_the_meeting_or_printed_before_issued_is_a_warning() {
        let mut book = reference();
        book.set_fact("成文日期", day(11, 27));
        book.set_fact("印发日期", day(11, 20));
        assert_eq!(
            new_findings(&book),
            [
                "警告 文件信息!B9：成文日期 2021年11月27日 晚于动员会日期 2021年11月26日，通知应在动员会之前印发",
                "警告 文件信息!B21：印发日期 2021年11月20日 早于成文日期 2021年11月27日",
            ]
        );
    }

    #[test]
    fn seal_image_is_resolved_next_to_the_workbook() {
        let mut book = reference();
        book.set_fact("印章图片", "印章/公章.png");
        let checked = check_in(&[("考评.xlsx", &book)], |dir| {
            std::fs::create_dir(dir.join("印章")).unwrap();
            std::fs::write(dir.join("印章/公章.png"), b"png").unwrap();
        });
        let seal = checked.plan.unwrap().info.seal.unwrap();
        assert!(seal.ends_with("印章/公章.png") && seal.is_absolute());

        let checked = check_book(&book);
        let error = checked.findings.iter().find(|f| f.is_error()).unwrap();
        assert_eq!(error.location.sheet_and_cell(), "文件信息!B21");
        assert!(
            error.message.starts_with("找不到印章图片“印章/公章.png”（按工作簿所在文件夹查找：")
        );
    }

    #[test]
    fn doc_number_brackets_become_hexagonal() {
        for typed in [
            "阿职院办发[2021]45号",
            "阿职院办发【2021】45号",
            "阿职院办发(2021)45号",
            "阿职院办发（2021）45号",
            "阿职院办发［２０２１］45号",
        ] {
            assert_eq!(normalize_doc_number(typed), "阿职院办发〔2021〕45号", "{typed}");
        }
        assert_eq!(normalize_doc_number("阿职院办发〔2021〕45号"), "阿职院办发〔2021〕45号");
        // Only a four-digit year in brackets is touched.
        assert_eq!(normalize_doc_number("办发(21)5号"), "办发(21)5号");
    }

    #[test]
    fn short_name_follows_the_kind_of_institution() {
        assert_eq!(derive_short("阿克苏职业技术学院"), "学院");
        assert_eq!(derive_short("新疆大学"), "学校");
        assert_eq!(derive_short("某某职业学校"), "学校");
        assert_eq!(derive_short("某某研究所"), "某某研究所");
    }
}
