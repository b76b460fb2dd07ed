//! The organisation: 部门 (departments and their categories), 领导小组 (the leadership
//! group) and 考评组 (the evaluation groups, their targets, recusal and cross evaluation).

use std::collections::BTreeMap;

use super::sheets::{DEPARTMENTS, GROUPS, LEADERSHIP};
use super::{BrokenNames, Ctx, Found, closest, key, list, person_key};
use crate::finding::{CellRef, Location};
use crate::input_format;
use crate::model::{
    Category, CategoryId, Department, DeptId, FormerName, Group, GroupId, Leader, LeaderRole,
    Member, MemberId, MemberRole,
};
use crate::workbook::Workbook;

/// The optional column naming a renamed department's name in last year's results.
const FORMER_NAME: &str = input_format::departments::FORMER_NAME;

/// The 部门 sheet: departments in sheet order, categories in order of first appearance.
#[derive(Debug, Default)]
pub(super) struct Departments {
    pub categories: Vec<Category>,
    pub list: Vec<Department>,
    category_keys: BTreeMap<String, CategoryId>,
    keys: BTreeMap<String, DeptId>,
    broken: BrokenNames,
    /// Whether the sheet could be read at all (found, with its columns).
    readable: bool,
    /// Readable and no row failed.
    pub complete: bool,
}

impl Departments {
    pub fn find(&self, name: &str) -> Found<DeptId> {
        let k = key(name);
        match self.keys.get(&k) {
            Some(&id) => Found::Yes(id),
            None if !self.readable || self.broken.contains(&k) => Found::Broken,
            None => Found::No,
        }
    }

    pub fn find_category(&self, name: &str) -> Found<CategoryId> {
        match self.category_keys.get(&key(name)) {
            Some(&id) => Found::Yes(id),
            None if !self.readable => Found::Broken,
            None => Found::No,
        }
    }

    pub fn get(&self, id: DeptId) -> &Department {
        &self.list[id.0]
    }

    pub fn category_name(&self, id: CategoryId) -> &str {
        &self.categories[id.0].name
    }

    /// `二级学院、处（室）`
    pub fn category_list(&self) -> String {
        list(self.categories.iter().map(|c| c.name.as_str()))
    }

    /// The closest department name to a typo.
    pub fn suggest(&self, typed: &str) -> Option<&str> {
        closest(typed, self.list.iter().map(|d| d.name.as_str()))
    }

    pub fn in_category(&self, category: CategoryId) -> impl Iterator<Item = DeptId> + '_ {
        (0..self.list.len()).map(DeptId).filter(move |&d| self.get(d).category == category)
    }
}

pub(super) fn departments(ctx: &mut Ctx, book: &Workbook) -> Departments {
    let mut out = Departments::default();
    let Some(sheet) = ctx.required_sheet(book, DEPARTMENTS) else {
        return out;
    };
    let columns = input_format::departments::COLUMNS.map(|c| c.header());
    let Some(table) = ctx.table(book, sheet, &columns) else {
        return out;
    };
    out.readable = true;
    out.complete = true;
    for row in table.rows() {
        let name = ctx.ok(row.required_text("部门名称"));
        let category = ctx.ok(row.required_text("类别"));
        let head = ctx.ok(row.text("负责人"));
        let short = ctx.ok(row.text("简称"));
        let former_name = ctx.ok(row.text(FORMER_NAME));
        let category = category.map(|c| {
            let next = CategoryId(out.categories.len());
            let id = *out.category_keys.entry(key(&c)).or_insert(next);
            if id == next {
                out.categories.push(Category { name: c });
            }
            id
        });
        let Some(name) = name else {
            out.complete = false;
            continue;
        };
        let k = key(&name);
        if let Some(&first) = out.keys.get(&k) {
            let first = out.list[first.0].origin.cell;
            ctx.error(row.location("部门名称"), msg::duplicate_department(&name, first));
            out.complete = false;
            continue;
        }
        let (Some(category), Some(head), Some(short), Some(former_name)) =
            (category, head, short, former_name)
        else {
            out.broken.insert(k);
            out.complete = false;
            continue;
        };
        out.keys.insert(k, DeptId(out.list.len()));
        let former_name =
            former_name.map(|name| FormerName { name, origin: row.origin(FORMER_NAME) });
        out.list.push(Department {
            name,
            category,
            head,
            short,
            former_name,
            origin: row.origin("部门名称"),
        });
    }
    if out.complete && out.list.is_empty() {
        ctx.error(Location::sheet(&book.path, &sheet.name), msg::no_departments());
        out.complete = false;
    }
    out
}

pub(super) fn leadership(ctx: &mut Ctx, book: &Workbook) -> Option<Vec<Leader>> {
    let sheet = ctx.required_sheet(book, LEADERSHIP)?;
    let table = ctx.table(book, sheet, &input_format::leadership::COLUMNS.map(|c| c.header()))?;
    let mut leaders = Vec::new();
    let mut failed = false;
    let mut seen: BTreeMap<String, CellRef> = BTreeMap::new();
    for row in table.rows() {
        let role = ctx.ok(row.required_text("小组职务")).and_then(|typed| {
            let role = leader_role(&typed);
            if role.is_none() {
                ctx.error(row.location("小组职务"), msg::bad_leader_role(&typed));
            }
            role
        });
        let name = ctx.ok(row.required_text("姓名"));
        let post = ctx.ok(row.text("职务"));
        let (Some(role), Some(name), Some(post)) = (role, name, post) else {
            failed = true;
            continue;
        };
        if let Some(&first) = seen.get(&person_key(&name)) {
            ctx.warning(row.location("姓名"), msg::duplicate_leader(&name, first));
        } else {
            seen.insert(person_key(&name), row.cell("姓名"));
        }
        leaders.push(Leader {
            role,
            name,
            post: post.unwrap_or_default(),
            origin: row.origin("姓名"),
        });
    }
    if leaders.is_empty() && !failed {
        ctx.warning(Location::sheet(&book.path, &sheet.name), msg::no_leaders());
    }
    (!failed).then_some(leaders)
}

fn leader_role(typed: &str) -> Option<LeaderRole> {
    [LeaderRole::Leader, LeaderRole::Deputy, LeaderRole::Member]
        .into_iter()
        .find(|r| key(r.label()) == key(typed))
}

fn member_role(typed: &str) -> Option<MemberRole> {
    [MemberRole::Leader, MemberRole::Deputy, MemberRole::Member, MemberRole::Coordinator]
        .into_iter()
        .find(|r| key(r.label()) == key(typed))
}

/// The 考评组 sheet: groups in order of first appearance, members in sheet order.
#[derive(Debug, Default)]
pub(super) struct Groups {
    pub list: Vec<Group>,
    /// The group evaluating each category (the first one, when two claim it).
    by_category: BTreeMap<CategoryId, GroupId>,
    /// Readable and no row failed, so a name that is not found is really not there.
    pub complete: bool,
}

impl Groups {
    pub fn evaluating(&self, category: CategoryId) -> Option<GroupId> {
        self.by_category.get(&category).copied()
    }

    pub fn get(&self, id: GroupId) -> &Group {
        &self.list[id.0]
    }

    pub fn member(&self, id: MemberId) -> &Member {
        &self.list[id.group.0].members[id.index]
    }

    pub fn find_member(&self, group: GroupId, name: &str) -> Option<MemberId> {
        let k = person_key(name);
        self.get(group)
            .members
            .iter()
            .position(|m| person_key(&m.name) == k)
            .map(|index| MemberId { group, index })
    }

    /// The groups, other than `except`, that have a member of this name.
    pub fn groups_of(&self, name: &str, except: GroupId) -> Vec<&str> {
        let k = person_key(name);
        self.list
            .iter()
            .enumerate()
            .filter(|&(g, group)| {
                g != except.0 && group.members.iter().any(|m| person_key(&m.name) == k)
            })
            .map(|(_, group)| group.name.as_str())
            .collect()
    }

    /// The members expected to score a department: the scoring members of the group that
    /// evaluates its category, minus those who recuse (as `Plan::evaluators_of`).
    pub fn evaluators_of(&self, dept: DeptId, departments: &Departments) -> Vec<MemberId> {
        let Some(group) = self.evaluating(departments.get(dept).category) else {
            return Vec::new();
        };
        self.get(group)
            .members
            .iter()
            .enumerate()
            .filter(|(_, m)| m.role.scores() && m.home_dept != Some(dept))
            .map(|(index, _)| MemberId { group, index })
            .collect()
    }
}

/// A group while its rows are being read.
struct Draft {
    name: String,
    /// The 考评对象 and the cell it was first read from.
    target: Option<(CategoryId, CellRef)>,
    members: Vec<Member>,
}

pub(super) fn groups(ctx: &mut Ctx, book: &Workbook, departments: &Departments) -> Groups {
    let mut out = Groups::default();
    let Some(sheet) = ctx.required_sheet(book, GROUPS) else {
        return out;
    };
    let columns = input_format::groups::COLUMNS.map(|c| c.header());
    let Some(table) = ctx.table(book, sheet, &columns) else {
        return out;
    };
    let mut complete = true;
    let mut drafts: Vec<Draft> = Vec::new();
    let mut draft_keys: BTreeMap<String, usize> = BTreeMap::new();
    for row in table.rows() {
        let group = ctx.ok(row.required_text("考评组"));
        let target = ctx.ok(row.required_text("考评对象")).and_then(|typed| {
            match departments.find_category(&typed) {
                Found::Yes(id) => Some(id),
                Found::No => {
                    let location = row.location("考评对象");
                    ctx.error(location, msg::target_not_a_category(&typed, departments));
                    None
                }
                Found::Broken => None,
            }
        });
        let role = ctx.ok(row.required_text("小组职务")).and_then(|typed| {
            let role = member_role(&typed);
            if role.is_none() {
                ctx.error(row.location("小组职务"), msg::bad_member_role(&typed));
            }
            role
        });
        let name = ctx.ok(row.required_text("姓名"));
        let post = ctx.ok(row.text("职务"));
        let home = ctx.ok(row.text("所在部门"));
        let phone = ctx.ok(row.text("联系电话"));

        let Some(group) = group else {
            complete = false;
            continue;
        };
        let index = *draft_keys.entry(key(&group)).or_insert_with(|| {
            drafts.push(Draft { name: group.clone(), target: None, members: Vec::new() });
            drafts.len() - 1
        });
        let draft = &mut drafts[index];
        if let Some(target) = target {
            match draft.target {
                None => draft.target = Some((target, row.cell("考评对象"))),
                Some((first, cell)) if first != target => {
                    ctx.error(
                        row.location("考评对象"),
                        msg::target_changes(&draft.name, departments.category_name(first), cell),
                    );
                    complete = false;
                }
                Some(_) => {}
            }
        }
        // The group's 考评对象 (the first one read), which a row may contradict.
        let target = draft.target.map(|(t, _)| t).filter(|_| target.is_some());
        let (Some(target), Some(role), Some(name), Some(post), Some(home), Some(phone)) =
            (target, role, name, post, home, phone)
        else {
            complete = false;
            continue;
        };
        if let Some(first) = draft.members.iter().find(|m| person_key(&m.name) == person_key(&name))
        {
            let message = msg::duplicate_member(&name, &draft.name, first.origin.cell);
            ctx.error(row.location("姓名"), message);
            complete = false;
            continue;
        }
        let home_dept = match home.as_deref().map(|h| departments.find(h)) {
            Some(Found::Yes(dept)) => Some(dept),
            _ => None,
        };
        if role.scores()
            && let Some(dept) = home_dept
        {
            let location = row.location("所在部门");
            let home_name = &departments.get(dept).name;
            if departments.get(dept).category == target {
                ctx.info(location.clone(), msg::recusal(&name, home_name));
                let category = departments.category_name(target);
                ctx.warning(location, msg::cross_evaluation(&name, home_name, category));
            }
        }
        draft.members.push(Member {
            role,
            name,
            post: post.unwrap_or_default(),
            home,
            home_dept,
            phone,
            origin: row.origin("姓名"),
        });
    }

    let sheet_location = Location::sheet(&book.path, &sheet.name);
    // The cell each group's 考评对象 was first read from, by GroupId.
    let mut target_cells = Vec::new();
    for draft in drafts {
        let Some((target, cell)) = draft.target else {
            complete = false;
            continue;
        };
        let id = GroupId(out.list.len());
        if let Some(&first) = out.by_category.get(&target) {
            let message = msg::category_evaluated_twice(
                departments.category_name(target),
                &out.get(first).name,
                target_cells[first.0],
            );
            ctx.error(Location::cell(&book.path, &sheet.name, cell), message);
            complete = false;
        } else {
            out.by_category.insert(target, id);
        }
        target_cells.push(cell);
        if !draft.members.iter().any(|m| m.role.scores()) {
            ctx.warning(sheet_location.clone(), msg::no_scoring_members(&draft.name));
        }
        out.list.push(Group { name: draft.name, target, members: draft.members });
    }
    if complete {
        for (c, category) in departments.categories.iter().enumerate() {
            if !out.by_category.contains_key(&CategoryId(c)) {
                ctx.error(sheet_location.clone(), msg::category_without_group(&category.name));
                complete = false;
            }
        }
    }
    out.complete = complete && departments.complete;
    out
}

/// The wording of these sheets' findings.
mod msg {
    use super::*;

    pub fn duplicate_department(name: &str, first: CellRef) -> String {
        format!("部门“{name}”重复（已在 {first} 填写）")
    }

    pub fn no_departments() -> String {
        "没有任何部门".to_string()
    }

    pub fn bad_leader_role(typed: &str) -> String {
        format!("小组职务应为“组长”“副组长”或“成员”，实际为“{typed}”")
    }

    pub fn duplicate_leader(name: &str, first: CellRef) -> String {
        format!("{name} 在领导小组中出现两次（已在 {first} 填写）")
    }

    pub fn no_leaders() -> String {
        "领导小组没有成员".to_string()
    }

    pub fn bad_member_role(typed: &str) -> String {
        format!("小组职务应为“组长”“副组长”“成员”或“具体工作负责人”，实际为“{typed}”")
    }

    pub fn target_not_a_category(typed: &str, departments: &Departments) -> String {
        format!("考评对象“{typed}”不是部门表中的类别（现有类别：{}）", departments.category_list())
    }

    pub fn target_changes(group: &str, first: &str, cell: CellRef) -> String {
        format!(
            "考评组“{group}”的考评对象前后不一致：{cell} 为“{first}”，一个考评组只能考评一个类别"
        )
    }

    pub fn duplicate_member(name: &str, group: &str, first: CellRef) -> String {
        format!("{name} 在考评组“{group}”中出现两次（已在 {first} 填写）")
    }

    pub fn recusal(name: &str, home: &str) -> String {
        format!("{name} 所在部门为 {home}，对该部门回避评分")
    }

    pub fn cross_evaluation(name: &str, home: &str, category: &str) -> String {
        format!("{name} 所在部门 {home} 属于本组考评对象“{category}”，不符合交叉考评原则")
    }

    pub fn category_evaluated_twice(category: &str, first: &str, cell: CellRef) -> String {
        format!(
            "类别“{category}”已由考评组“{first}”考评（见 {cell}），每个类别只能由一个考评组考评"
        )
    }

    pub fn category_without_group(category: &str) -> String {
        format!("类别“{category}”没有考评组考评（在“考评对象”列填写该类别）")
    }

    pub fn no_scoring_members(group: &str) -> String {
        format!("考评组“{group}”没有评分成员（组长、副组长或成员）")
    }
}

#[cfg(test)]
mod tests {
    use crate::check::testing::{check_book, lines, new_findings, reference, sheet};

    #[test]
    fn duplicate_department_ignores_spaces() {
        let mut book = reference();
        sheet(&mut book, "部门").push_row(vec!["医学 院".into(), "二级学院".into()]);
        assert_eq!(new_findings(&book), ["错误 部门!A30：部门“医学 院”重复（已在 A2 填写）"]);
    }

    #[test]
    fn categories_in_order_of_first_appearance_and_spelled_as_first_seen() {
        let mut book = reference();
        let departments = sheet(&mut book, "部门");
        departments.rows.rotate_left(10);
        departments.set(1, "类别", "处(室)");
        let plan = check_book(&book).plan.unwrap();
        let names: Vec<&str> = plan.categories.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["处（室）", "二级学院"]);
        assert_eq!(plan.departments[0].name, "党政办公室");
    }

    #[test]
    fn leader_roles() {
        let mut book = reference();
        let leaders = sheet(&mut book, "领导小组");
        leaders.set(0, "小组职务", "组　长");
        leaders.set(1, "小组职务", "组员");
        assert_eq!(
            new_findings(&book),
            ["错误 领导小组!A3：小组职务应为“组长”“副组长”或“成员”，实际为“组员”"]
        );
    }

    #[test]
    fn leader_listed_twice_is_a_warning() {
        let mut book = reference();
        sheet(&mut book, "领导小组").push_row(vec!["成员".into(), "王 东".into(), "副院长".into()]);
        assert_eq!(
            new_findings(&book),
            ["警告 领导小组!B13：王 东 在领导小组中出现两次（已在 B4 填写）"]
        );
        assert!(check_book(&book).plan.is_some());
    }

    #[test]
    fn member_roles() {
        let mut book = reference();
        sheet(&mut book, "考评组").set(3, "小组职务", "组员");
        assert_eq!(
            new_findings(&book),
            ["错误 考评组!C5：小组职务应为“组长”“副组长”“成员”或“具体工作负责人”，实际为“组员”"]
        );
    }

    #[test]
    fn target_must_be_a_category() {
        let mut book = reference();
        sheet(&mut book, "考评组").set(0, "考评对象", "学院");
        assert_eq!(
            new_findings(&book),
            ["错误 考评组!B2：考评对象“学院”不是部门表中的类别（现有类别：二级学院、处（室））"]
        );
    }

    #[test]
    fn a_group_keeps_one_target() {
        let mut book = reference();
        sheet(&mut book, "考评组").set(3, "考评对象", "处（室）");
        assert_eq!(
            new_findings(&book),
            [
                "错误 考评组!B5：考评组“二级学院考评组”的考评对象前后不一致：B2 为“二级学院”，一个考评组只能考评一个类别"
            ]
        );
    }

    #[test]
    fn a_category_without_group() {
        let mut book = reference();
        sheet(&mut book, "考评组").rows.truncate(9);
        assert_eq!(
            new_findings(&book),
            ["错误 考评组：类别“处（室）”没有考评组考评（在“考评对象”列填写该类别）"]
        );
    }

    #[test]
    fn a_category_with_two_groups() {
        let mut book = reference();
        let groups = sheet(&mut book, "考评组");
        for r in 9..groups.rows.len() {
            groups.set(r, "考评对象", "二级学院");
        }
        let found = new_findings(&book);
        assert!(found.contains(&"错误 考评组!B11：类别“二级学院”已由考评组“二级学院考评组”考评（见 B2），每个类别只能由一个考评组考评".to_string()), "{found:#?}");
        assert_eq!(found.iter().filter(|l| l.starts_with("错误")).count(), 1, "{found:#?}");
    }

    #[test]
    fn member_twice_in_a_group() {
        let mut book = reference();
        sheet(&mut book, "考评组").set(4, "姓名", "张真");
        assert_eq!(
            new_findings(&book),
            ["错误 考评组!D6：张真 在考评组“二级学院考评组”中出现两次（已在 D5 填写）"]
        );
    }

    #[test]
    fn recusal_and_cross_evaluation_only_for_scoring_members() {
        let found = lines(&check_book(&reference()));
        assert!(
            found.contains(
                &"提示 考评组!F12：赵俊芬 所在部门为 教育教学质量监控中心，对该部门回避评分"
                    .to_string()
            )
        );
        // 肖育婷 sits in the same department but coordinates and does not score.
        assert!(found.iter().all(|l| !l.contains("肖育婷")), "{found:#?}");

        let mut book = reference();
        sheet(&mut book, "考评组").set(11, "所在部门", "教务处");
        let scores = sheet(&mut book, "评分");
        scores.rows.retain(|r| !(r[0] == "教务处".into() && r[2] == "刘洁".into()));
        assert_eq!(
            new_findings(&book),
            [
                "提示 考评组!F13：刘洁 所在部门为 教务处，对该部门回避评分",
                "警告 考评组!F13：刘洁 所在部门 教务处 属于本组考评对象“处（室）”，不符合交叉考评原则",
            ]
        );
    }

    #[test]
    fn home_department_outside_the_plan_is_kept_as_text() {
        let mut book = reference();
        sheet(&mut book, "考评组").set(11, "所在部门", "地区教育局");
        let plan = check_book(&book).plan.unwrap();
        let member = &plan.groups[1].members[2];
        assert_eq!((member.home.as_deref(), member.home_dept), (Some("地区教育局"), None));
        let medicine = &plan.groups[1].members[2];
        assert_eq!(medicine.name, "刘洁");
    }
}
