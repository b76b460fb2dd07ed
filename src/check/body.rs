//! 正文: the notice's wording (optional sheet), one paragraph a row.
//!
//! A cell holding several lines (a Word draft pasted into one cell while editing it) is
//! split into one paragraph per line, each reported at that cell. Placeholders must name
//! a fact that this workbook has; markers must name a group of 考评组. Numbering that skips
//! or repeats is only a warning: the text prints as typed.

use super::org::Groups;
use super::sheets::BODY;
use super::{Ctx, closest, list};
use crate::finding::Location;
use crate::input_format;
use crate::model::body::{self, Block, Fact, Level, ParseError, Segment};
use crate::model::{Body, DocumentInfo, Paragraph};
use crate::workbook::Workbook;

const COLUMN: &str = input_format::body::PARAGRAPH;

/// `Some(None)` without the sheet (the built-in wording applies), `Some(Some(body))` for a
/// valid sheet, `None` after an error.
pub(super) fn check(
    ctx: &mut Ctx,
    book: &Workbook,
    groups: &Groups,
    info: Option<&DocumentInfo>,
) -> Option<Option<Body>> {
    let Some(sheet) = book.sheet(BODY) else {
        return Some(None);
    };
    let table = ctx.table(book, sheet, &input_format::body::COLUMNS.map(|c| c.header()))?;
    let names: Vec<&str> = groups.list.iter().map(|g| g.name.as_str()).collect();
    let mut paragraphs = Vec::new();
    let mut numbering = NumberingTrack::default();
    let mut failed = false;
    for row in table.rows() {
        let Some(cell) = ctx.ok(row.required_text(COLUMN)) else {
            failed = true;
            continue;
        };
        let location = row.location(COLUMN);
        for line in body::split_paragraphs(&cell) {
            let block = match body::parse_paragraph(line, &names) {
                Ok(block) => block,
                // A group whose own rows were broken has been reported already.
                Err(ParseError::UnknownGroup(_)) if !groups.complete => {
                    failed = true;
                    continue;
                }
                Err(error) => {
                    ctx.error(location.clone(), msg::parse_error(&error, &names));
                    failed = true;
                    continue;
                }
            };
            if let Some(info) = info
                && !facts_filled(ctx, &location, &block, info)
            {
                failed = true;
            }
            if let Some(warning) = block.numbering().and_then(|n| numbering.next(n.level, n.number))
            {
                ctx.warning(location.clone(), warning);
            }
            paragraphs.push(Paragraph { block, origin: Some(row.origin(COLUMN)) });
        }
    }
    if failed {
        return None;
    }
    match Body::new(paragraphs) {
        Some(body) => Some(Some(body)),
        None => {
            ctx.error(Location::sheet(&book.path, &sheet.name), msg::no_paragraph());
            None
        }
    }
}

/// Every 文件信息 fact the paragraph names has a value in this workbook; errors for those
/// that do not.
fn facts_filled(ctx: &mut Ctx, location: &Location, block: &Block, info: &DocumentInfo) -> bool {
    let mut ok = true;
    for segment in block.segments() {
        if let Segment::Fact(Fact::Info(key)) = segment
            && body::info_fact(info, key).is_none()
        {
            ctx.error(location.clone(), msg::empty_fact(key));
            ok = false;
        }
    }
    ok
}

/// The last number seen at each level; a shallower level starts the deeper ones afresh.
#[derive(Debug, Default)]
struct NumberingTrack {
    last: [Option<u32>; 4],
}

impl NumberingTrack {
    /// Records a numbering; a warning when it is not the next number of its level.
    fn next(&mut self, level: Level, number: u32) -> Option<String> {
        let i = level.index();
        let previous = self.last[i];
        let expected = previous.map_or(1, |n| n + 1);
        self.last[i] = Some(number);
        for deeper in &mut self.last[i + 1..] {
            *deeper = None;
        }
        (number != expected).then(|| {
            msg::numbering(level.label(number), level.label(expected), previous == Some(number))
        })
    }
}

/// The wording of this sheet's findings.
mod msg {
    use super::*;

    pub fn parse_error(error: &ParseError, groups: &[&str]) -> String {
        match error {
            ParseError::UnknownPlaceholder(name) => {
                let names: Vec<String> = Fact::names().map(|n| format!("{{{n}}}")).collect();
                let hint = match closest(name, Fact::names()) {
                    Some(known) => format!("；是否应为“{{{known}}}”？"),
                    None => String::new(),
                };
                format!(
                    "未知的占位符“{{{name}}}”{hint}（可用的占位符：{}；要印出花括号本身，请写 {{{{ 或 }}}}）",
                    names.join("、")
                )
            }
            ParseError::UnclosedBrace => {
                "花括号“{”没有配对的“}”：占位符应写成 {单位名称} 这样；要印出花括号本身，请写 {{"
                    .into()
            }
            ParseError::StrayClosingBrace => {
                "多余的“}”，前面没有对应的“{”；要印出花括号本身，请写 }}".into()
            }
            ParseError::UnknownGroup(name) => {
                format!("考评组“{name}”不在考评组表中（现有的考评组：{}）", list(groups))
            }
        }
    }

    pub fn empty_fact(key: &str) -> String {
        format!(
            "占位符“{{{key}}}”没有内容：文件信息中未填写“{key}”；请填写该项，或从正文中删去这个占位符"
        )
    }

    pub fn numbering(typed: String, expected: String, repeated: bool) -> String {
        let what = if repeated { "与上一个同级编号重复" } else { "不连续" };
        format!("编号“{typed}”{what}，按顺序应为“{expected}”；正文照原样印出")
    }

    pub fn no_paragraph() -> String {
        "“正文”工作表只有表头，没有正文段落；请在“正文”列下逐行填写正文，或删除本工作表以使用内置的正文".into()
    }
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{check_book, lines, new_findings, reference};
    use crate::model::body::Block;

    fn with_body(rows: &[&str]) -> crate::sample::Book {
        let mut book = reference();
        book.set_body(rows);
        book
    }

    #[test]
    fn a_valid_sheet_becomes_the_body() {
        let book = with_body(&[
            "一、总则",
            "经{单位简称}研究，定于{考评日期}考评。",
            "【领导小组名单】",
            "二、分组\n（一）{单位简称}考评组：\n【考评组名单：处(室)考评组】",
        ]);
        assert!(new_findings(&book).is_empty(), "{:?}", new_findings(&book));
        let body = check_book(&book).plan.unwrap().body.unwrap();
        let blocks: Vec<&Block> = body.paragraphs().iter().map(|p| &p.block).collect();
        assert_eq!(blocks.len(), 6, "the pasted cell gives three paragraphs");
        assert!(matches!(blocks[2], Block::Leadership));
        assert!(matches!(blocks[5], Block::GroupList(g) if g.0 == 1));
        let origin = body.paragraphs()[5].origin.as_ref().unwrap();
        assert_eq!(origin.to_string(), "正文!A5");
    }

    #[test]
    fn unknown_placeholders_groups_and_braces_are_errors_naming_the_cell() {
        let book = with_body(&[
            "定于{考评日期}考评，{单位全称}负责。",
            "【考评组名单：第三考评组】",
            "花括号{{照印}}，{年度",
            "多余}",
        ]);
        let found = new_findings(&book);
        assert_eq!(found.len(), 4, "{found:#?}");
        assert!(found[0].starts_with("错误 正文!A2：未知的占位符“{单位全称}”；是否应为“{单位名称}”？（可用的占位符：{单位名称}、{单位简称}"));
        assert!(found[0].contains("{具体工作负责人数}"));
        assert_eq!(
            found[1],
            "错误 正文!A3：考评组“第三考评组”不在考评组表中（现有的考评组：二级学院考评组、处（室）考评组）"
        );
        assert!(found[2].starts_with("错误 正文!A4：花括号“{”没有配对的“}”"));
        assert!(found[3].starts_with("错误 正文!A5：多余的“}”"));
        assert!(check_book(&book).plan.is_none());
    }

    #[test]
    fn a_placeholder_of_an_empty_fact_is_an_error() {
        let mut book = with_body(&["抄送{抄送}。"]);
        book.set_fact("抄送", crate::sample::Value::Empty);
        assert_eq!(
            new_findings(&book),
            [
                "错误 正文!A2：占位符“{抄送}”没有内容：文件信息中未填写“抄送”；请填写该项，或从正文中删去这个占位符"
            ]
        );
    }

    #[test]
    fn numbering_that_skips_or_repeats_is_a_warning() {
        let book = with_body(&[
            "一、原则",
            "（一）甲；",
            "（三）乙；",
            "二、组织",
            "（一）丙；",
            "1.子项；",
            "1.子项；",
            "（二）丁；",
            "1.又从一开始；",
            "四、要求",
        ]);
        assert_eq!(
            new_findings(&book),
            [
                "警告 正文!A4：编号“（三）”不连续，按顺序应为“（二）”；正文照原样印出",
                "警告 正文!A8：编号“1.”与上一个同级编号重复，按顺序应为“2.”；正文照原样印出",
                "警告 正文!A11：编号“四、”不连续，按顺序应为“三、”；正文照原样印出",
            ]
        );
        assert!(check_book(&book).plan.is_some());
    }

    #[test]
    fn a_header_without_paragraphs_is_an_error() {
        let book = with_body(&[]);
        assert_eq!(
            new_findings(&book),
            [
                "错误 正文：“正文”工作表只有表头，没有正文段落；请在“正文”列下逐行填写正文，或删除本工作表以使用内置的正文"
            ]
        );
    }

    #[test]
    fn without_the_sheet_the_built_in_wording_applies() {
        let checked = check_book(&reference());
        assert!(checked.plan.unwrap().body.is_none());
        assert!(lines(&check_book(&reference())).iter().all(|l| !l.contains("正文")));
    }
}
