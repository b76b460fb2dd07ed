//! 日程: the on-site visits. Every department appears in exactly one slot, a slot of its
//! own category, and every slot lies inside the evaluation window.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::org::Departments;
use super::sheets::SCHEDULE;
use super::{Ctx, Found};
use crate::finding::CellRef;
use crate::model::{DeptId, DocumentInfo, Slot, full_date};
use crate::workbook::{Workbook, optional, required};

pub(super) fn check(
    ctx: &mut Ctx,
    book: &Workbook,
    departments: &Departments,
    info: Option<&DocumentInfo>,
) -> Option<Vec<Slot>> {
    let sheet = ctx.required_sheet(book, SCHEDULE)?;
    let columns =
        [required("类别"), required("部门"), required("日期"), required("时间"), optional("地点")];
    let table = ctx.table(book, sheet, &columns)?;
    let mut slots = Vec::new();
    let mut failed = false;
    // Whether every 部门 cell could be read, so a department not seen is really missing.
    let mut all_lists_read = true;
    let mut placed: BTreeMap<DeptId, CellRef> = BTreeMap::new();
    for row in table.rows() {
        let category = ctx.ok(row.required_text("类别")).and_then(|typed| {
            match departments.find_category(&typed) {
                Found::Yes(id) => Some(id),
                Found::No => {
                    let message = msg::not_a_category(&typed, &departments.category_list());
                    ctx.error(row.location("类别"), message);
                    None
                }
                Found::Broken => None,
            }
        });
        let names = ctx.ok(row.list("部门"));
        if names.as_ref().is_some_and(Vec::is_empty) {
            ctx.error(row.location("部门"), msg::no_departments());
        }
        let date = ctx.ok(row.required_date("日期"));
        let time = ctx.ok(row.required_time("时间"));
        let place = ctx.ok(row.text("地点"));
        let mut row_ok = category.is_some() && date.is_some() && time.is_some() && place.is_some();

        if let (Some(date), Some(info)) = (date, info)
            && (date < info.eval_start || date > info.eval_end)
        {
            let message = msg::outside_window(date, info.eval_start, info.eval_end);
            ctx.error(row.location("日期"), message);
            row_ok = false;
        }

        let Some(names) = names else {
            all_lists_read = false;
            failed = true;
            continue;
        };
        let here = row.cell("部门");
        let mut ids = Vec::new();
        for name in &names {
            let id = match departments.find(name) {
                Found::Yes(id) => id,
                Found::No => {
                    let message = super::msg::unknown_department(name, departments.suggest(name));
                    ctx.error(row.location("部门"), message);
                    row_ok = false;
                    continue;
                }
                Found::Broken => {
                    row_ok = false;
                    continue;
                }
            };
            let dept = departments.get(id);
            if let Some(&first) = placed.get(&id) {
                ctx.error(row.location("部门"), msg::placed_twice(&dept.name, first, here));
                row_ok = false;
                continue;
            }
            placed.insert(id, here);
            if let Some(category) = category
                && dept.category != category
            {
                let message = msg::wrong_category(
                    &dept.name,
                    departments.category_name(dept.category),
                    departments.category_name(category),
                );
                ctx.error(row.location("部门"), message);
                row_ok = false;
            }
            ids.push(id);
        }
        match (row_ok && !names.is_empty(), category, date, time, place) {
            (true, Some(category), Some(date), Some(time), Some(place)) => slots.push(Slot {
                category,
                departments: ids,
                date,
                time,
                place,
                origin: row.origin("部门"),
            }),
            _ => failed = true,
        }
    }
    if all_lists_read && departments.complete {
        for (d, dept) in departments.list.iter().enumerate() {
            if !placed.contains_key(&DeptId(d)) {
                ctx.error(dept.origin.location(), msg::not_scheduled(&dept.name));
                failed = true;
            }
        }
    }
    (!failed).then_some(slots)
}

/// The wording of this sheet's findings.
mod msg {
    use super::*;

    pub fn not_a_category(typed: &str, categories: &str) -> String {
        format!("类别“{typed}”不是部门表中的类别（现有类别：{categories}）")
    }

    pub fn no_departments() -> String {
        "部门不能为空".to_string()
    }

    pub fn outside_window(date: NaiveDate, start: NaiveDate, end: NaiveDate) -> String {
        format!(
            "日期 {} 不在考评期间（{}至{}）内",
            full_date(date),
            full_date(start),
            full_date(end)
        )
    }

    pub fn placed_twice(name: &str, first: CellRef, here: CellRef) -> String {
        if first == here {
            format!("{name} 在同一格中出现两次")
        } else {
            format!("{name} 已排在 {first} 的日程中，每个部门只能排一次")
        }
    }

    pub fn wrong_category(name: &str, own: &str, slot: &str) -> String {
        format!("{name} 属于“{own}”，不能排在“{slot}”的日程中")
    }

    pub fn not_scheduled(name: &str) -> String {
        format!("{name} 没有排入日程（在“日程”工作表为它安排时间）")
    }
}
