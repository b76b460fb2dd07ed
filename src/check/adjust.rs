//! 加扣分: bonus and deduction items (optional sheet), including the public-target
//! adjustments reported by functional departments.

use std::collections::BTreeMap;

use super::org::Departments;
use super::sheets::ADJUSTMENTS;
use super::{Ctx, Found, key};
use crate::finding::Location;
use crate::model::{Adjustment, AdjustmentKind, DeptId, DocumentInfo, Points};
use crate::workbook::{Workbook, optional, required};

pub(super) fn check(
    ctx: &mut Ctx,
    book: &Workbook,
    departments: &Departments,
    info: Option<&DocumentInfo>,
) -> Option<Vec<Adjustment>> {
    let Some(sheet) = book.sheet(ADJUSTMENTS) else {
        return Some(Vec::new());
    };
    let columns = [
        required("部门"),
        required("类型"),
        required("分值"),
        required("事由"),
        required("认定部门"),
        optional("佐证材料"),
    ];
    let table = ctx.table(book, sheet, &columns)?;
    let mut items = Vec::new();
    let mut failed = false;
    // Each department's 加分 so far, and where the last one is.
    let mut bonus: BTreeMap<DeptId, (Points, Location)> = BTreeMap::new();
    for row in table.rows() {
        let dept =
            ctx.ok(row.required_text("部门")).and_then(|typed| match departments.find(&typed) {
                Found::Yes(id) => Some(id),
                Found::No => {
                    let suggestion = departments.suggest(&typed);
                    let message = super::msg::unknown_department(&typed, suggestion);
                    ctx.error(row.location("部门"), message);
                    None
                }
                Found::Broken => None,
            });
        let kind = ctx.ok(row.required_text("类型")).and_then(|typed| {
            let kind = [AdjustmentKind::Bonus, AdjustmentKind::Deduction]
                .into_iter()
                .find(|k| key(k.label()) == key(&typed));
            if kind.is_none() {
                ctx.error(row.location("类型"), msg::bad_kind(&typed));
            }
            kind
        });
        let amount = ctx.ok(row.required_points("分值")).and_then(|amount| {
            if amount > Points::ZERO {
                Some(amount)
            } else {
                ctx.error(row.location("分值"), msg::not_positive(amount));
                None
            }
        });
        let reason = ctx.ok(row.required_text("事由"));
        let authority = ctx.ok(row.required_text("认定部门"));
        let evidence = ctx.ok(row.text("佐证材料"));
        let (Some(dept), Some(kind), Some(amount), Some(reason), Some(authority), Some(evidence)) =
            (dept, kind, amount, reason, authority, evidence)
        else {
            failed = true;
            continue;
        };
        if kind == AdjustmentKind::Bonus {
            let (total, last) =
                bonus.entry(dept).or_insert_with(|| (Points::ZERO, row.location("分值")));
            *total = *total + amount;
            *last = row.location("分值");
        }
        items.push(Adjustment {
            dept,
            kind,
            amount,
            reason,
            authority,
            evidence,
            origin: row.origin("分值"),
        });
    }
    // Reported once per department, at its last 加分 row, in 部门 order.
    if let Some(cap) = info.and_then(|i| i.bonus_cap) {
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
