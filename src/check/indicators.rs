//! 指标: the indicators and their maximum points. Only needed for scoring, so a workbook
//! without the sheet still makes the notice and the schedule.

use std::collections::BTreeMap;

use super::org::Departments;
use super::sheets::INDICATORS;
use super::{BrokenNames, Ctx, Found, code_key, key};
use crate::finding::{CellRef, Location};
use crate::input_format::{self, indicators};
use crate::model::{Applies, Indicator, IndicatorId, Points};
use crate::workbook::Workbook;

/// `考评对象` of an indicator that applies to every category.
const ALL: &str = input_format::labels::ALL_CATEGORIES;

#[derive(Debug, Default)]
pub(super) struct Indicators {
    pub list: Vec<Indicator>,
    keys: BTreeMap<String, IndicatorId>,
    broken: BrokenNames,
    /// The sheet exists.
    pub present: bool,
    /// The sheet exists and has its columns.
    readable: bool,
    /// Readable and no row failed.
    pub complete: bool,
}

impl Indicators {
    pub fn find(&self, code: &str) -> Found<IndicatorId> {
        let k = code_key(code);
        match self.keys.get(&k) {
            Some(&id) => Found::Yes(id),
            None if !self.readable || self.broken.contains(&k) => Found::Broken,
            None => Found::No,
        }
    }

    pub fn get(&self, id: IndicatorId) -> &Indicator {
        &self.list[id.0]
    }
}

pub(super) fn check(ctx: &mut Ctx, book: &Workbook, departments: &Departments) -> Indicators {
    let mut out = Indicators::default();
    let Some(sheet) = book.sheet(INDICATORS) else {
        ctx.info(Location::file(&book.path), msg::no_sheet());
        return out;
    };
    out.present = true;
    let columns = input_format::indicators::COLUMNS.map(|c| c.header());
    let Some(table) = ctx.table(book, sheet, &columns) else {
        return out;
    };
    out.readable = true;
    out.complete = true;
    for row in table.rows() {
        let code = ctx.ok(row.required_text(indicators::CODE));
        let applies = ctx.ok(row.required_text(indicators::TARGET)).and_then(|typed| {
            if key(&typed) == ALL {
                return Some(Applies::All);
            }
            match departments.find_category(&typed) {
                Found::Yes(id) => Some(Applies::Category(id)),
                Found::No => {
                    let message = msg::bad_target(&typed, &departments.category_list());
                    ctx.error(row.location(indicators::TARGET), message);
                    None
                }
                Found::Broken => None,
            }
        });
        let level1 = ctx.ok(row.required_text(indicators::LEVEL1));
        let level2 = ctx.ok(row.required_text(indicators::LEVEL2));
        let max = ctx.ok(row.required_points(indicators::MAX)).and_then(|max| {
            if max > Points::ZERO {
                Some(max)
            } else {
                ctx.error(row.location(indicators::MAX), msg::max_not_positive(max));
                None
            }
        });
        let guidance = ctx.ok(row.text(indicators::POINTS));
        let Some(code) = code else {
            out.complete = false;
            continue;
        };
        let k = code_key(&code);
        if let Some(&first) = out.keys.get(&k) {
            let first = out.get(first).origin.cell;
            ctx.error(row.location(indicators::CODE), msg::duplicate_code(&code, first));
            out.complete = false;
            continue;
        }
        let (Some(applies), Some(level1), Some(level2), Some(max), Some(guidance)) =
            (applies, level1, level2, max, guidance)
        else {
            out.broken.insert(k);
            out.complete = false;
            continue;
        };
        out.keys.insert(k, IndicatorId(out.list.len()));
        out.list.push(Indicator {
            code,
            applies,
            level1,
            level2,
            max,
            guidance,
            origin: row.origin(indicators::CODE),
        });
    }
    if out.complete && departments.complete {
        let location = Location::sheet(&book.path, &sheet.name);
        for (c, category) in departments.categories.iter().enumerate() {
            let total: Points = out
                .list
                .iter()
                .filter(|i| i.applies.includes(crate::model::CategoryId(c)))
                .map(|i| i.max)
                .sum();
            if total != Points::from_hundredths(10_000) {
                ctx.info(location.clone(), msg::total_not_100(&category.name, total));
            }
        }
    }
    out
}

/// The wording of this sheet's findings.
mod msg {
    use super::*;

    pub fn no_sheet() -> String {
        "没有“指标”工作表：可以生成通知和日程，但暂不能生成评分表和考评结果".to_string()
    }

    pub fn bad_target(typed: &str, categories: &str) -> String {
        format!("考评对象应为部门类别或“全部”，实际为“{typed}”（现有类别：{categories}）")
    }

    pub fn max_not_positive(max: Points) -> String {
        format!("分值应大于 0，实际为 {max}")
    }

    pub fn duplicate_code(code: &str, first: CellRef) -> String {
        format!("指标编号“{code}”重复（已在 {first} 填写）")
    }

    pub fn total_not_100(category: &str, total: Points) -> String {
        format!("类别“{category}”适用的指标分值合计为 {total}，不是 100")
    }
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{check_book, new_findings, reference, sheet};

    #[test]
    fn without_the_sheet_scoring_is_off_but_nothing_fails() {
        let mut book = reference();
        book.remove_sheet("指标");
        sheet(&mut book, "评分").rows.clear();
        assert_eq!(
            new_findings(&book),
            ["提示 没有“指标”工作表：可以生成通知和日程，但暂不能生成评分表和考评结果"]
        );
        let plan = check_book(&book).plan.unwrap();
        assert!(plan.indicators.is_empty() && plan.scores.is_empty());
    }

    #[test]
    fn scores_without_indicators_cannot_be_checked() {
        let mut book = reference();
        book.remove_sheet("指标");
        assert_eq!(
            new_findings(&book),
            [
                "提示 没有“指标”工作表：可以生成通知和日程，但暂不能生成评分表和考评结果",
                "错误 评分：有评分，但工作簿没有“指标”工作表，无法核对评分",
            ]
        );
    }

    #[test]
    fn duplicate_code_ignores_case_and_width() {
        let mut book = reference();
        let indicators = sheet(&mut book, "指标");
        let mut copy = indicators.rows[0].clone();
        copy[0] = "ａ01".into();
        indicators.push_row(copy);
        assert_eq!(new_findings(&book), ["错误 指标!A13：指标编号“ａ01”重复（已在 A2 填写）"]);
    }

    #[test]
    fn target_is_a_category_or_all() {
        let mut book = reference();
        sheet(&mut book, "指标").set(3, "考评对象", "学院");
        assert_eq!(
            new_findings(&book),
            [
                "错误 指标!B5：考评对象应为部门类别或“全部”，实际为“学院”（现有类别：二级学院、处（室））"
            ]
        );
    }

    #[test]
    fn max_must_be_positive() {
        let mut book = reference();
        sheet(&mut book, "指标").set(10, "分值", 0);
        assert_eq!(new_findings(&book), ["错误 指标!E12：分值应大于 0，实际为 0"]);
    }

    #[test]
    fn a_total_other_than_100_is_a_note() {
        let mut book = reference();
        sheet(&mut book, "指标").set(10, "分值", 15);
        assert_eq!(
            new_findings(&book),
            ["提示 指标：类别“处（室）”适用的指标分值合计为 105，不是 100"]
        );
        assert!(check_book(&book).plan.is_some());
    }
}
