//! 加扣分: bonus and deduction items (optional sheet), including the public-target
//! adjustments reported by functional departments.

use std::collections::BTreeMap;

use super::org::Departments;
use super::sheets::ADJUSTMENTS;
use super::{Ctx, Found, key};
use crate::finding::Location;
use crate::input_format::{self, adjustments};
use crate::model::{Adjustment, AdjustmentKind, DeptId, Points};
use crate::workbook::Workbook;

pub(super) fn check(
    ctx: &mut Ctx,
    book: &Workbook,
    departments: &Departments,
    bonus_cap: Option<Points>,
) -> Option<Vec<Adjustment>> {
    let Some(sheet) = book.sheet(ADJUSTMENTS) else {
        return Some(Vec::new());
    };
    let columns = input_format::adjustments::COLUMNS.map(|c| c.header());
    let table = ctx.table(book, sheet, &columns)?;
    let mut items = Vec::new();
    let mut failed = false;
    // Each department's 加分 so far, and where the last one is.
    let mut bonus: BTreeMap<DeptId, (Points, Location)> = BTreeMap::new();
    for row in table.rows() {
        let dept =
            ctx.ok(row.required_text(adjustments::DEPARTMENT)).and_then(|typed| match departments
                .find(&typed)
            {
                Found::Yes(id) => Some(id),
                Found::No => {
                    let suggestion = departments.suggest(&typed);
                    let message = super::msg::unknown_department(&typed, suggestion);
                    ctx.error(row.location(adjustments::DEPARTMENT), message);
                    None
                }
                Found::Broken => None,
            });
        let kind = ctx.ok(row.required_text(adjustments::KIND)).and_then(|typed| {
            let kind = [AdjustmentKind::Bonus, AdjustmentKind::Deduction]
                .into_iter()
                .find(|k| key(k.label()) == key(&typed));
            if kind.is_none() {
                ctx.error(row.location(adjustments::KIND), msg::bad_kind(&typed));
            }
            kind
        });
        let amount = ctx.ok(row.required_points(adjustments::POINTS)).and_then(|amount| {
            if amount > Points::ZERO {
                Some(amount)
            } else {
                ctx.error(row.location(adjustments::POINTS), msg::not_positive(amount));
                None
            }
        });
        let reason = ctx.ok(row.required_text(adjustments::REASON));
        let authority = ctx.ok(row.required_text(adjustments::CONFIRMED_BY));
        let evidence = ctx.ok(row.text(adjustments::EVIDENCE));
        let (Some(dept), Some(kind), Some(amount), Some(reason), Some(authority), Some(evidence)) =
            (dept, kind, amount, reason, authority, evidence)
        else {
            failed = true;
            continue;
        };
        if kind == AdjustmentKind::Bonus {
            let (total, last) = bonus
                .entry(dept)
                .or_insert_with(|| (Points::ZERO, row.location(adjustments::POINTS)));
            *total = *total + amount;
            *last = row.location(adjustments::POINTS);
        }
        items.push(Adjustment {
            dept,
            kind,
            amount,
            reason,
            authority,
            evidence,
            origin: row.origin(adjustments::POINTS),
        });
    }
    // Reported once per department, at its last 加分 row, in 部门 order.
    if let Some(cap) = bonus_cap {
        for (dept, (total, last)) in bonus {
            if total > cap {
                ctx.info(last, msg::above_cap(&departments.get(dept).name, total, cap));
            }
        }
    }
    (!failed).then_some(items)
}

/// The wording of this sheet's findings.
mod msg {
    use super::*;

    pub fn bad_kind(typed: &str) -> String {
        format!("类型应为“加分”或“扣分”，实际为“{typed}”")
    }

    pub fn not_positive(amount: Points) -> String {
        format!("分值应大于 0，实际为 {amount}（扣分请在“类型”列填写“扣分”，分值填正数）")
    }

    pub fn above_cap(dept: &str, total: Points, cap: Points) -> String {
        format!("{dept} 的加分合计 {total} 超过加分上限 {cap}，按 {cap} 计入总分")
    }
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{check_book, lines, new_findings, reference, sheet};
    use crate::sample::Value;

    #[test]
    fn kind_amount_and_reason() {
        let mut book = reference();
        let items = sheet(&mut book, "加扣分");
        items.set(0, "类型", "奖励");
        items.set(3, "分值", -1);
        items.set(2, "事由", Value::Empty);
        items.set(4, "认定部门", Value::Empty);
        assert_eq!(
            new_findings(&book),
            [
                "错误 加扣分!B2：类型应为“加分”或“扣分”，实际为“奖励”",
                "错误 加扣分!D4：事由不能为空",
                "错误 加扣分!C5：分值应大于 0，实际为 -1（扣分请在“类型”列填写“扣分”，分值填正数）",
                "错误 加扣分!E6：认定部门不能为空",
            ]
        );
    }

    #[test]
    fn unknown_department() {
        let mut book = reference();
        sheet(&mut book, "加扣分").set(2, "部门", "信息学院");
        assert_eq!(
            new_findings(&book),
            ["错误 加扣分!A4：部门“信息学院”不在部门表中；是否应为“信息工程学院”？"]
        );
    }

    #[test]
    fn bonus_above_the_cap_is_noted_only_with_a_cap() {
        let found = lines(&check_book(&reference()));
        assert!(found.contains(
            &"提示 加扣分!C3：医学院 的加分合计 5.5 超过加分上限 5，按 5 计入总分".to_string()
        ));
        let mut book = reference();
        sheet(&mut book, "文件信息").rows.retain(|r| r[0] != "加分上限".into());
        assert!(lines(&check_book(&book)).iter().all(|l| !l.contains("加分上限")));
    }

    #[test]
    fn the_sheet_is_optional() {
        let mut book = reference();
        book.remove_sheet("加扣分");
        assert!(check_book(&book).plan.unwrap().adjustments.is_empty());
    }
}
