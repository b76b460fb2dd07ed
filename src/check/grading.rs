//! 定等规则: the grades, highest first, with their minimum totals and quotas (optional
//! sheet; [`GradeRule::defaults`] without it).

use std::collections::BTreeMap;

use calamine::Data;

use super::sheets::GRADING;
use super::{Ctx, key};
use crate::finding::{CellRef, Location};
use crate::input_format::{self, grading};
use crate::model::{GradeRule, Percent, Points};
use crate::workbook::{TableRow, Workbook};

pub(super) fn check(ctx: &mut Ctx, book: &Workbook) -> Option<Vec<GradeRule>> {
    let Some(sheet) = book.sheet(GRADING) else {
        return Some(GradeRule::defaults());
    };
    let columns = input_format::grading::COLUMNS.map(|c| c.header());
    let table = ctx.table(book, sheet, &columns)?;
    let mut rules: Vec<GradeRule> = Vec::new();
    let mut failed = false;
    let mut names: BTreeMap<String, CellRef> = BTreeMap::new();
    // The previous grade's name and minimum, for the descending order.
    let mut previous: Option<(String, Points)> = None;
    let mut last_min_cell = None;
    for row in table.rows() {
        let name = ctx.ok(row.required_text(grading::GRADE));
        let min = ctx.ok(row.required_points(grading::MIN)).and_then(|min| {
            if min.is_negative() {
                ctx.error(row.location(grading::MIN), msg::negative_min(min));
                None
            } else {
                Some(min)
            }
        });
        let quota = quota(ctx, &row);
        if let Some(name) = &name {
            if let Some(first) = names.get(&key(name)) {
                ctx.error(row.location(grading::GRADE), msg::duplicate_grade(name, *first));
                failed = true;
            } else {
                names.insert(key(name), row.cell(grading::GRADE));
            }
        }
        if let (Some(min), Some((above, above_min))) = (min, &previous)
            && min >= *above_min
        {
            ctx.error(row.location(grading::MIN), msg::not_descending(min, above, *above_min));
            failed = true;
        }
        let (Some(name), Some(min), Some(quota)) = (name, min, quota) else {
            failed = true;
            continue;
        };
        previous = Some((name.clone(), min));
        last_min_cell = Some(row.location(grading::MIN));
        rules.push(GradeRule { name, min, quota });
    }
    if failed {
        return None;
    }
    match (rules.last(), last_min_cell) {
        (None, _) | (_, None) => {
            let location = Location::sheet(&book.path, &sheet.name);
            ctx.info(location, msg::empty_uses_defaults());
            Some(GradeRule::defaults())
        }
        (Some(last), Some(location)) => {
            if last.min > Points::ZERO {
                ctx.warning(location, msg::last_min_not_zero(&last.name, last.min));
            }
            Some(rules)
        }
    }
}

/// `30%`, `30％`, `0.3`, `30` or a cell formatted as a percentage → 30%. A number up to 1
/// is a fraction, above 1 a percentage. `Some(None)` for a blank cell, `None` after an
/// error.
fn quota(ctx: &mut Ctx, row: &TableRow<'_>) -> Option<Option<Percent>> {
    const COLUMN: &str = input_format::grading::QUOTA;
    // Reading as text first reports Excel errors and control characters.
    let text = ctx.ok(row.text(COLUMN))?;
    let Some(text) = text else {
        return Some(None);
    };
    let percent = match row.raw(COLUMN) {
        Data::Float(f) => Some(*f),
        Data::Int(i) => Some(*i as f64),
        _ => None,
    }
    .map(|n| if n <= 1.0 { n * 100.0 } else { n })
    .or_else(|| {
        let typed = key(&text);
        match typed.strip_suffix('%') {
            Some(number) => number.parse::<f64>().ok(),
            None => typed.parse::<f64>().ok().map(|n| if n <= 1.0 { n * 100.0 } else { n }),
        }
    });
    let basis_points = percent
        .filter(|p| *p >= 0.0)
        .and_then(Points::from_f64_exact)
        .and_then(|p| u32::try_from(p.hundredths()).ok())
        .and_then(Percent::from_basis_points);
    if basis_points.is_none() {
        ctx.error(row.location(COLUMN), msg::bad_quota(&text));
        return None;
    }
    Some(basis_points)
}

/// The wording of this sheet's findings.
mod msg {
    use super::*;

    pub fn negative_min(min: Points) -> String {
        format!("最低分不能为负数，实际为 {min}")
    }

    pub fn duplicate_grade(name: &str, first: CellRef) -> String {
        format!("等次“{name}”重复（已在 {first} 填写）")
    }

    pub fn not_descending(min: Points, above: &str, above_min: Points) -> String {
        format!("最低分 {min} 应低于上一等次“{above}”的最低分 {above_min}（等次从高到低排列）")
    }

    pub fn bad_quota(typed: &str) -> String {
        format!("比例上限应为 0 到 100% 之间的百分比（如 30%），实际为“{typed}”")
    }

    pub fn empty_uses_defaults() -> String {
        "定等规则没有内容，按默认规则定等：优秀 90 分以上（不超过 30%）、良好 80 分以上、合格 60 分以上、其余不合格"
            .to_string()
    }

    pub fn last_min_not_zero(name: &str, min: Points) -> String {
        format!("最后一个等次“{name}”的最低分为 {min}：总分低于 {min} 的部门也定为“{name}”")
    }
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{check_book, lines, new_findings, reference, sheet};
    use crate::model::GradeRule;
    use crate::sample::Value;

    fn names(rules: &[GradeRule]) -> Vec<(String, i64, Option<u32>)> {
        rules
            .iter()
            .map(|r| (r.name.clone(), r.min.hundredths(), r.quota.map(|q| q.basis_points())))
            .collect()
    }

    #[test]
    fn defaults_without_the_sheet() {
        let mut book = reference();
        book.remove_sheet("定等规则");
        let plan = check_book(&book).plan.unwrap();
        assert_eq!(names(&plan.grading), names(&GradeRule::defaults()));
    }

    #[test]
    fn quota_forms() {
        for (typed, bp) in [
            (Value::text("30%"), 3000),
            (Value::text("30％"), 3000),
            (Value::text("３０%"), 3000),
            (Value::Number(0.3), 3000),
            (Value::text("0.3"), 3000),
            (Value::Number(30.0), 3000),
            (Value::text("12.5%"), 1250),
        ] {
            let mut book = reference();
            sheet(&mut book, "定等规则").set(0, "比例上限", typed.clone());
            let plan = check_book(&book).plan.unwrap_or_else(|| panic!("{typed:?}"));
            assert_eq!(plan.grading[0].quota.unwrap().basis_points(), bp, "{typed:?}");
        }
    }

    #[test]
    fn bad_quota() {
        for typed in ["很多", "120%", "-10%"] {
            let mut book = reference();
            sheet(&mut book, "定等规则").set(0, "比例上限", typed);
            assert_eq!(
                new_findings(&book),
                [format!(
                    "错误 定等规则!C2：比例上限应为 0 到 100% 之间的百分比（如 30%），实际为“{typed}”"
                )]
            );
        }
    }

    #[test]
    fn grades_unique_and_descending() {
        let mut book = reference();
        sheet(&mut book, "定等规则").set(2, "等次", "良好");
        assert_eq!(new_findings(&book), ["错误 定等规则!A4：等次“良好”重复（已在 A3 填写）"]);

        let mut book = reference();
        sheet(&mut book, "定等规则").set(2, "最低分", 85);
        assert_eq!(
            new_findings(&book),
            ["错误 定等规则!B4：最低分 85 应低于上一等次“良好”的最低分 80（等次从高到低排列）"]
        );

        let mut book = reference();
        sheet(&mut book, "定等规则").set(3, "最低分", -1);
        assert_eq!(new_findings(&book), ["错误 定等规则!B5：最低分不能为负数，实际为 -1"]);
    }

    #[test]
    fn last_minimum_above_zero_is_a_warning() {
        let mut book = reference();
        sheet(&mut book, "定等规则").set(3, "最低分", 50);
        assert_eq!(
            new_findings(&book),
            [
                "警告 定等规则!B5：最后一个等次“不合格”的最低分为 50：总分低于 50 的部门也定为“不合格”"
            ]
        );
    }

    #[test]
    fn empty_sheet_uses_the_defaults() {
        let mut book = reference();
        sheet(&mut book, "定等规则").rows.clear();
        let checked = check_book(&book);
        assert!(
            lines(&checked)
                .iter()
                .any(|l| l.starts_with("提示 定等规则：定等规则没有内容，按默认规则定等"))
        );
        assert_eq!(names(&checked.plan.unwrap().grading), names(&GradeRule::defaults()));
    }
}
