//! 日程: the on-site visits. Every department appears in exactly one slot, a slot of its
//! own category, and every slot lies inside the evaluation window.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::org::Departments;
use super::sheets::SCHEDULE;
use super::{Ctx, Found};
use crate::finding::CellRef;
use crate::input_format::{self, schedule};
use crate::model::{DeptId, Slot, full_date};
use crate::workbook::Workbook;

pub(super) fn check(
    ctx: &mut Ctx,
    book: &Workbook,
    departments: &Departments,
    window: Option<(NaiveDate, NaiveDate)>,
) -> Option<Vec<Slot>> {
    let sheet = ctx.required_sheet(book, SCHEDULE)?;
    let columns = input_format::schedule::COLUMNS.map(|c| c.header());
    let table = ctx.table(book, sheet, &columns)?;
    let mut slots = Vec::new();
    let mut failed = false;
    // Whether every 部门 cell could be read, so a department not seen is really missing.
    let mut all_lists_read = true;
    let mut placed: BTreeMap<DeptId, CellRef> = BTreeMap::new();
    for row in table.rows() {
        let category = ctx.ok(row.required_text(schedule::CATEGORY)).and_then(|typed| {
            match departments.find_category(&typed) {
                Found::Yes(id) => Some(id),
                Found::No => {
                    let message = msg::not_a_category(&typed, &departments.category_list());
                    ctx.error(row.location(schedule::CATEGORY), message);
                    None
                }
                Found::Broken => None,
            }
        });
        let names = ctx.ok(row.list(schedule::DEPARTMENTS));
        if names.as_ref().is_some_and(Vec::is_empty) {
            ctx.error(row.location(schedule::DEPARTMENTS), msg::no_departments());
        }
        let date = ctx.ok(row.required_date(schedule::DATE));
        let time = ctx.ok(row.required_time(schedule::TIME));
        let place = ctx.ok(row.text(schedule::PLACE));
        let mut row_ok = category.is_some() && date.is_some() && time.is_some() && place.is_some();

        if let (Some(date), Some((start, end))) = (date, window)
            && (date < start || date > end)
        {
            let message = msg::outside_window(date, start, end);
            ctx.error(row.location(schedule::DATE), message);
            row_ok = false;
        }

        let Some(names) = names else {
            all_lists_read = false;
            failed = true;
            continue;
        };
        let here = row.cell(schedule::DEPARTMENTS);
        let mut ids = Vec::new();
        for name in &names {
            let id = match departments.find(name) {
                Found::Yes(id) => id,
                Found::No => {
                    let message = super::msg::unknown_department(name, departments.suggest(name));
                    ctx.error(row.location(schedule::DEPARTMENTS), message);
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
                ctx.error(
                    row.location(schedule::DEPARTMENTS),
                    msg::placed_twice(&dept.name, first, here),
                );
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
                ctx.error(row.location(schedule::DEPARTMENTS), message);
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
                origin: row.origin(schedule::DEPARTMENTS),
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

#[cfg(test)]
mod tests {
    use chrono::NaiveTime;

    use crate::check::testing::{check_book, new_findings, reference, sheet};
    use crate::sample::Value;

    #[test]
    fn slot_category_must_be_a_category() {
        let mut book = reference();
        sheet(&mut book, "日程").set(0, "类别", "学院");
        assert_eq!(
            new_findings(&book),
            ["错误 日程!A2：类别“学院”不是部门表中的类别（现有类别：二级学院、处（室））"]
        );
    }

    #[test]
    fn unknown_department_suggests_the_closest_and_the_real_one_is_unscheduled() {
        let mut book = reference();
        sheet(&mut book, "日程").set(1, "部门", "生物工程学院、信息工程学员");
        assert_eq!(
            new_findings(&book),
            [
                "错误 日程!B3：部门“信息工程学员”不在部门表中；是否应为“信息工程学院”？",
                "错误 部门!A6：信息工程学院 没有排入日程（在“日程”工作表为它安排时间）",
            ]
        );
    }

    #[test]
    fn department_in_a_slot_of_another_category() {
        let mut book = reference();
        let schedule = sheet(&mut book, "日程");
        schedule.set(0, "部门", "医学院、公共基础学院、本科教学部、信息中心");
        schedule.set(4, "部门", "党政办公室、宣传部、总务处、保卫处");
        assert_eq!(
            new_findings(&book),
            ["错误 日程!B2：信息中心 属于“处（室）”，不能排在“二级学院”的日程中"]
        );
    }

    #[test]
    fn department_twice_names_both_cells() {
        let mut book = reference();
        sheet(&mut book, "日程").set(1, "部门", "生物工程学院、信息工程学院、医学院");
        assert_eq!(
            new_findings(&book),
            ["错误 日程!B3：医学院 已排在 B2 的日程中，每个部门只能排一次"]
        );
        let mut book = reference();
        sheet(&mut book, "日程").set(1, "部门", "生物工程学院，信息工程学院; 生物工程学院");
        assert_eq!(new_findings(&book), ["错误 日程!B3：生物工程学院 在同一格中出现两次"]);
    }

    #[test]
    fn time_is_required_and_read_from_text() {
        let mut book = reference();
        sheet(&mut book, "日程").set(0, "时间", Value::Empty);
        assert_eq!(new_findings(&book), ["错误 日程!D2：时间不能为空"]);

        let mut book = reference();
        sheet(&mut book, "日程").set(0, "时间", "下午4：00").set(1, "时间", "上午10:30");
        let plan = check_book(&book).plan.unwrap();
        assert_eq!(plan.schedule[0].time, NaiveTime::from_hms_opt(16, 0, 0).unwrap());
        assert_eq!(plan.schedule[1].time, NaiveTime::from_hms_opt(10, 30, 0).unwrap());
    }

    #[test]
    fn window_is_checked_even_when_another_fact_failed() {
        let mut book = reference();
        book.set_fact("计分方法", "中位数");
        let day = chrono::NaiveDate::from_ymd_opt(2021, 11, 28).unwrap();
        sheet(&mut book, "日程").set(7, "日期", day);
        assert_eq!(
            new_findings(&book),
            [
                "错误 文件信息!B19：计分方法应为“平均”或“去掉最高最低分后平均”，实际为“中位数”",
                "错误 日程!C9：日期 2021年11月28日 不在考评期间（2021年11月29日至2021年11月30日）内",
            ]
        );
    }

    #[test]
    fn empty_department_cell() {
        let mut book = reference();
        sheet(&mut book, "日程").set(3, "部门", Value::Empty);
        assert_eq!(
            new_findings(&book),
            [
                "错误 日程!B5：部门不能为空",
                "错误 部门!A10：人文艺术学院 没有排入日程（在“日程”工作表为它安排时间）",
                "错误 部门!A11：马克思主义学院 没有排入日程（在“日程”工作表为它安排时间）",
            ]
        );
    }
}
