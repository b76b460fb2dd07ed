//! 评分: the scores, from the main workbook and any extra score workbooks (one per group,
//! typically the returned scoring forms), merged.
//!
//! A row with 部门, 指标编号 and 考评人 but an empty 得分 is a placeholder (a returned form
//! not filled in yet): its references are checked, but it counts as a missing score, not as
//! an error. Missing scores are summarised at the end, at the coarsest level that is true:
//! nothing at all, a whole group, a whole evaluator, else per department and evaluator.

use std::collections::{BTreeMap, BTreeSet};

use super::indicators::Indicators;
use super::org::{Departments, Groups};
use super::sheets::SCORES;
use super::{Ctx, Found, closest, file_name};
use crate::finding::Location;
use crate::input_format::{self, scores};
use crate::model::{
    Applies, DeptId, IndicatorId, MemberId, MemberRole, Origin, Points, Score, ScoreEntry,
    ScoreError,
};
use crate::workbook::{Table, TableRow, Workbook};

/// A score's identity: the same triple twice is a duplicate.
type Key = (DeptId, IndicatorId, MemberId);

pub(super) fn check(
    ctx: &mut Ctx,
    main: &Workbook,
    extra: &[&Workbook],
    departments: &Departments,
    groups: &Groups,
    indicators: &Indicators,
) -> Vec<ScoreEntry> {
    let books = std::iter::once(main).chain(extra.iter().copied());
    let sources: Vec<&Workbook> = books.filter(|b| b.sheet(SCORES).is_some()).collect();
    let location = sources
        .first()
        .map_or_else(|| Location::file(&main.path), |b| Location::sheet(&b.path, SCORES));
    let mut state = State {
        departments,
        groups,
        indicators,
        seen: BTreeMap::new(),
        accepted: Vec::new(),
        any_score: false,
    };
    let columns = input_format::scores::COLUMNS.map(|c| c.header());
    for book in sources {
        let Some(sheet) = book.sheet(SCORES) else {
            continue;
        };
        let Some(table) = ctx.table(book, sheet, &columns) else {
            continue;
        };
        if !indicators.present {
            if table.rows().any(|row| !row.is_empty(scores::SCORE)) {
                ctx.error(Location::sheet(&book.path, &sheet.name), msg::no_indicators());
            }
            continue;
        }
        state.read(ctx, &table);
    }
    if indicators.present && departments.complete && groups.complete && indicators.complete {
        ctx.collection = Some(state.collection());
    }
    if indicators.present {
        if !state.any_score {
            ctx.info(location, msg::no_scores_yet());
        } else if departments.complete && groups.complete && indicators.complete {
            state.report_missing(ctx, &location);
        }
    }
    state.accepted
}

/// How far score collection has come: per evaluation group and evaluator, how many
/// scores are expected and how many are in (main workbook and returned forms together).
/// A score counts as in once a row holds it, even if the check refused it (the refusal is
/// an error of its own), exactly as the missing-score warnings count.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Collection {
    pub groups: Vec<GroupCollection>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GroupCollection {
    pub name: String,
    pub expected: usize,
    pub entered: usize,
    /// The members who score, in sheet order.
    pub evaluators: Vec<EvaluatorCollection>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EvaluatorCollection {
    pub name: String,
    pub expected: usize,
    pub entered: usize,
}

impl Collection {
    pub fn expected(&self) -> usize {
        self.groups.iter().map(|g| g.expected).sum()
    }

    pub fn entered(&self) -> usize {
        self.groups.iter().map(|g| g.entered).sum()
    }
}

struct State<'p> {
    departments: &'p Departments,
    groups: &'p Groups,
    indicators: &'p Indicators,
    /// Every resolved row with a 得分 (accepted or not), by identity: for duplicates, and
    /// so that a refused score is not also reported missing.
    seen: BTreeMap<Key, Origin>,
    accepted: Vec<ScoreEntry>,
    /// Whether any row of any score sheet has a 得分.
    any_score: bool,
}

impl State<'_> {
    fn read(&mut self, ctx: &mut Ctx, table: &Table<'_>) {
        for row in table.rows() {
            // A row holding only a remark is not a score row.
            if ["部门", "指标编号", "考评人", "得分"].iter().all(|c| row.is_empty(c)) {
                continue;
            }
            self.read_row(ctx, &row);
        }
    }

    fn read_row(&mut self, ctx: &mut Ctx, row: &TableRow<'_>) {
        let dept = ctx.ok(row.required_text(scores::DEPARTMENT));
        let code = ctx.ok(row.required_text(scores::CODE));
        let who = ctx.ok(row.required_text(scores::EVALUATOR));
        let has_score = !row.is_empty(scores::SCORE);
        let points = ctx.ok(row.points(scores::SCORE)).flatten();
        let note = ctx.ok(row.text(scores::NOTE));
        self.any_score |= has_score;

        let dept = dept.and_then(|typed| match self.departments.find(&typed) {
            Found::Yes(id) => Some(id),
            Found::No => {
                let suggestion = self.departments.suggest(&typed);
                let message = super::msg::unknown_department(&typed, suggestion);
                ctx.error(row.location(scores::DEPARTMENT), message);
                None
            }
            Found::Broken => None,
        });
        let indicator = code.and_then(|typed| match self.indicators.find(&typed) {
            Found::Yes(id) => Some(id),
            Found::No => {
                ctx.error(row.location(scores::CODE), msg::unknown_indicator(&typed));
                None
            }
            Found::Broken => None,
        });
        let (Some(dept), Some(indicator), Some(who)) = (dept, indicator, who) else {
            return;
        };
        let department = self.departments.get(dept);
        let ind = self.indicators.get(indicator);
        if !ind.applies.includes(department.category) {
            ctx.error(row.location(scores::CODE), self.not_applicable(indicator, dept));
            return;
        }
        let Some(group) = self.groups.evaluating(department.category) else {
            return;
        };
        let Some(member) = self.groups.find_member(group, &who) else {
            if self.groups.complete {
                let others = self.groups.groups_of(&who, group);
                let suggestion = if others.is_empty() {
                    let names = self.groups.get(group).members.iter();
                    closest(&who, names.map(|m| m.name.as_str()))
                } else {
                    None
                };
                let message = msg::not_in_group(
                    &who,
                    &self.groups.get(group).name,
                    &department.name,
                    &others,
                    suggestion,
                );
                ctx.error(row.location(scores::EVALUATOR), message);
            }
            return;
        };
        if !has_score {
            return;
        }
        let person = self.groups.member(member);
        if person.role == MemberRole::Coordinator {
            let message = msg::coordinator_scores(&person.name, &self.groups.get(group).name);
            ctx.error(row.location(scores::EVALUATOR), message);
            return;
        }
        if person.home_dept == Some(dept) {
            ctx.error(row.location(scores::SCORE), msg::recused(&person.name, &department.name));
            return;
        }
        let origin = row.origin(scores::SCORE);
        if let Some(first) = self.seen.get(&(dept, indicator, member)) {
            let message = msg::duplicate(
                &department.name,
                &ind.code,
                &person.name,
                &where_is(first, &origin),
            );
            ctx.error(origin.location(), message);
            return;
        }
        self.seen.insert((dept, indicator, member), origin.clone());
        let (Some(points), Some(note)) = (points, note) else {
            return;
        };
        match Score::new(points, ind.max) {
            Ok(score) => self.accepted.push(ScoreEntry {
                dept,
                indicator,
                evaluator: member,
                score,
                note,
                origin,
            }),
            Err(ScoreError::Negative) => {
                ctx.error(origin.location(), msg::negative(points));
            }
            Err(ScoreError::AboveMax { max }) => {
                ctx.error(origin.location(), msg::above_max(points, &ind.code, max));
            }
        }
    }

    fn not_applicable(&self, indicator: IndicatorId, dept: DeptId) -> String {
        let ind = self.indicators.get(indicator);
        let department = self.departments.get(dept);
        let target = match ind.applies {
            Applies::Category(c) => self.departments.category_name(c),
            Applies::All => "全部",
        };
        let own = self.departments.category_name(department.category);
        msg::not_applicable(&ind.code, target, &department.name, own)
    }

    /// Applicable indicators of a department, in sheet order.
    fn indicators_for(&self, dept: DeptId) -> impl Iterator<Item = IndicatorId> + '_ {
        let category = self.departments.get(dept).category;
        (0..self.indicators.list.len())
            .map(IndicatorId)
            .filter(move |&i| self.indicators.get(i).applies.includes(category))
    }

    /// Expected and entered scores of every scoring member: one per applicable indicator
    /// of every department the member evaluates (recusals excluded).
    fn collection(&self) -> Collection {
        let groups = self.groups.list.iter().enumerate().map(|(g, group)| {
            let evaluators: Vec<EvaluatorCollection> = (group.members.iter().enumerate())
                .filter(|(_, person)| person.role.scores())
                .map(|(index, person)| {
                    let member = MemberId { group: crate::model::GroupId(g), index };
                    let (mut expected, mut entered) = (0, 0);
                    let evaluated = self.departments.in_category(group.target).filter(|&d| {
                        self.groups.evaluators_of(d, self.departments).contains(&member)
                    });
                    for dept in evaluated {
                        for indicator in self.indicators_for(dept) {
                            expected += 1;
                            entered +=
                                usize::from(self.seen.contains_key(&(dept, indicator, member)));
                        }
                    }
                    EvaluatorCollection { name: person.name.clone(), expected, entered }
                })
                .collect();
            GroupCollection {
                name: group.name.clone(),
                expected: evaluators.iter().map(|e| e.expected).sum(),
                entered: evaluators.iter().map(|e| e.entered).sum(),
                evaluators,
            }
        });
        Collection { groups: groups.collect() }
    }

    fn report_missing(&self, ctx: &mut Ctx, location: &Location) {
        let scored_depts: BTreeSet<DeptId> = self.seen.keys().map(|k| k.0).collect();
        let scored_members: BTreeSet<MemberId> = self.seen.keys().map(|k| k.2).collect();
        let all_depts = || (0..self.departments.list.len()).map(DeptId);

        // Whole groups, then whole evaluators, with nothing entered: one line each.
        let mut silent_groups = BTreeSet::new();
        for (g, group) in self.groups.list.iter().enumerate() {
            let depts: Vec<DeptId> = self.departments.in_category(group.target).collect();
            if !depts.iter().any(|d| scored_depts.contains(d)) {
                let scorers = group.members.iter().filter(|m| m.role.scores()).count();
                if scorers > 0 {
                    let message = msg::group_missing(&group.name, depts.len(), scorers);
                    ctx.warning(location.clone(), message);
                }
                silent_groups.insert(g);
            }
        }
        let mut silent_members = BTreeSet::new();
        for (g, group) in self.groups.list.iter().enumerate() {
            if silent_groups.contains(&g) {
                continue;
            }
            for (index, person) in group.members.iter().enumerate() {
                let member = MemberId { group: crate::model::GroupId(g), index };
                if !person.role.scores() || scored_members.contains(&member) {
                    continue;
                }
                let expected: Vec<DeptId> = all_depts()
                    .filter(|&d| self.groups.evaluators_of(d, self.departments).contains(&member))
                    .collect();
                if expected.is_empty() {
                    continue;
                }
                let items: usize = expected.iter().map(|&d| self.indicators_for(d).count()).sum();
                let message = msg::member_missing(&person.name, &group.name, expected.len(), items);
                ctx.warning(location.clone(), message);
                silent_members.insert(member);
            }
        }

        // Everyone else: per department and evaluator.
        for dept in all_depts() {
            for member in self.groups.evaluators_of(dept, self.departments) {
                if silent_groups.contains(&member.group.0) || silent_members.contains(&member) {
                    continue;
                }
                let missing: Vec<&str> = self
                    .indicators_for(dept)
                    .filter(|&i| !self.seen.contains_key(&(dept, i, member)))
                    .map(|i| self.indicators.get(i).code.as_str())
                    .collect();
                if !missing.is_empty() {
                    let message = msg::missing(
                        &self.departments.get(dept).name,
                        &self.groups.member(member).name,
                        &missing,
                    );
                    ctx.warning(location.clone(), message);
                }
            }
        }
    }
}

/// How a message points at an earlier cell: `D5` in the same sheet, `评分!D5` in another
/// sheet, `other.xlsx 评分!D5` in another file.
fn where_is(first: &Origin, here: &Origin) -> String {
    if first.file != here.file {
        format!("{} {}", file_name(&first.file), first)
    } else if first.sheet != here.sheet {
        first.to_string()
    } else {
        first.cell.to_string()
    }
}

/// The wording of this sheet's findings.
mod msg {
    use super::*;

    pub fn no_indicators() -> String {
        "有评分，但工作簿没有“指标”工作表，无法核对评分".to_string()
    }

    pub fn no_scores_yet() -> String {
        "尚未录入评分".to_string()
    }

    pub fn unknown_indicator(typed: &str) -> String {
        format!("指标编号“{typed}”不在指标表中")
    }

    pub fn not_applicable(code: &str, target: &str, dept: &str, own: &str) -> String {
        format!("指标 {code} 只适用于“{target}”，不适用于 {dept}（{own}）")
    }

    pub fn not_in_group(
        who: &str,
        group: &str,
        dept: &str,
        others: &[&str],
        suggestion: Option<&str>,
    ) -> String {
        let mut text =
            format!("{who} 不是考评组“{group}”的成员，不能为 {dept} 评分（{dept} 由该组考评");
        if !others.is_empty() {
            text.push_str(&format!("；{who} 属于考评组“{}”", others.join("”“")));
        }
        text.push('）');
        if let Some(name) = suggestion {
            text.push_str(&format!("；是否应为“{name}”？"));
        }
        text
    }

    pub fn coordinator_scores(who: &str, group: &str) -> String {
        format!("{who} 是考评组“{group}”的具体工作负责人，不参与评分")
    }

    pub fn recused(who: &str, dept: &str) -> String {
        format!("{who} 所在部门为 {dept}，应回避，该评分不予采纳")
    }

    pub fn duplicate(dept: &str, code: &str, who: &str, first: &str) -> String {
        format!("{dept} 的指标 {code} 已有 {who} 的评分（见 {first}），同一评分不能重复录入")
    }

    pub fn negative(points: Points) -> String {
        format!("得分 {points} 不能为负数")
    }

    pub fn above_max(points: Points, code: &str, max: Points) -> String {
        format!("得分 {points} 超过指标 {code} 的分值 {max}")
    }

    pub fn group_missing(group: &str, depts: usize, scorers: usize) -> String {
        format!("考评组“{group}”尚未录入任何评分（{depts} 个部门，{scorers} 位考评人）")
    }

    pub fn member_missing(who: &str, group: &str, depts: usize, items: usize) -> String {
        format!("{who}（{group}）尚未录入任何评分（应评 {depts} 个部门，共 {items} 项）")
    }

    pub fn missing(dept: &str, who: &str, codes: &[&str]) -> String {
        const SHOWN: usize = 10;
        let mut shown = codes[..codes.len().min(SHOWN)].join("、");
        if codes.len() > SHOWN {
            shown.push_str(" 等");
        }
        format!("{dept} 缺少 {who} 的 {} 项评分（{shown}）", codes.len())
    }
}

#[cfg(test)]
mod tests {
    use super::msg;
    use crate::check::testing::{check_book, new_findings, reference};
    use crate::sample::{Book, Value};

    /// Appends a score row; returns its sheet row number.
    fn push(book: &mut Book, dept: &str, code: &str, who: &str, score: Value) -> usize {
        let sheet = book.sheet_mut("评分").unwrap();
        let n = sheet.rows.len();
        sheet.push_row(vec![dept.into(), code.into(), who.into(), score]);
        n + 2
    }

    #[test]
    fn unknown_or_inapplicable_indicator() {
        let mut book = reference();
        let r = push(&mut book, "医学院", "X09", "王新萍", 10.into());
        assert_eq!(new_findings(&book), [format!("错误 评分!B{r}：指标编号“X09”不在指标表中")]);

        let mut book = reference();
        let r = push(&mut book, "医学院", "C01", "王新萍", 10.into());
        assert_eq!(
            new_findings(&book),
            [format!("错误 评分!B{r}：指标 C01 只适用于“处（室）”，不适用于 医学院（二级学院）")]
        );
    }

    #[test]
    fn coordinator_does_not_score() {
        let mut book = reference();
        let r = push(&mut book, "医学院", "A01", "郭艳丽", 10.into());
        assert_eq!(
            new_findings(&book),
            [format!(
                "错误 评分!C{r}：郭艳丽 是考评组“二级学院考评组”的具体工作负责人，不参与评分"
            )]
        );
    }

    #[test]
    fn misspelt_evaluator_gets_a_suggestion() {
        let mut book = reference();
        book.sheet_mut("评分").unwrap().set(0, "考评人", "王新平");
        assert_eq!(
            new_findings(&book),
            [
                "错误 评分!C2：王新平 不是考评组“二级学院考评组”的成员，不能为 医学院 评分（医学院 由该组考评）；是否应为“王新萍”？",
                "警告 评分：医学院 缺少 王新萍 的 1 项评分（A01）",
            ]
        );
    }

    #[test]
    fn names_and_codes_match_leniently() {
        let mut book = reference();
        let scores = book.sheet_mut("评分").unwrap();
        scores.set(0, "考评人", "王 新萍").set(0, "部门", " 医学院 ").set(0, "指标编号", "a01");
        assert!(new_findings(&book).is_empty());
        assert_eq!(check_book(&book).plan.unwrap().scores.len(), 1435);
    }

    #[test]
    fn empty_score_is_missing_not_wrong() {
        let mut book = reference();
        book.sheet_mut("评分").unwrap().set(0, "得分", Value::Empty);
        // A greyed-out recusal row of a returned form, and a remark on its own.
        push(&mut book, "教育教学质量监控中心", "C01", "赵俊芬", Value::Empty);
        let sheet = book.sheet_mut("评分").unwrap();
        let n = sheet.rows.len();
        sheet.set(n, "备注", "以上为第一组评分");
        assert_eq!(new_findings(&book), ["警告 评分：医学院 缺少 王新萍 的 1 项评分（A01）"]);
        let plan = check_book(&book).plan.unwrap();
        assert_eq!(plan.scores.len(), 1434);
    }

    #[test]
    fn more_than_two_decimals() {
        let mut book = reference();
        book.sheet_mut("评分").unwrap().set(0, "得分", "18.333");
        assert_eq!(new_findings(&book), ["错误 评分!D2：得分最多保留两位小数，实际为 18.333"]);
    }

    #[test]
    fn collection_counts_scores_in_and_missing_per_evaluator() {
        let full = check_book(&reference()).collection.unwrap();
        assert_eq!(full.expected(), 1435);
        assert_eq!(full.entered(), 1435);

        let mut book = reference();
        book.sheet_mut("评分").unwrap().set(0, "得分", Value::Empty);
        let collection = check_book(&book).collection.unwrap();
        assert_eq!((collection.expected(), collection.entered()), (1435, 1434));
        let group = collection.groups.iter().find(|g| g.entered < g.expected).unwrap();
        assert_eq!(group.name, "二级学院考评组");
        let short: Vec<_> = group.evaluators.iter().filter(|e| e.entered < e.expected).collect();
        assert_eq!(short.len(), 1);
        assert_eq!(
            (short[0].name.as_str(), short[0].expected, short[0].entered),
            ("王新萍", 70, 69)
        );
        // A recused evaluator is expected for one department fewer.
        let recused = collection.groups[1].evaluators.iter().find(|e| e.name == "赵俊芬").unwrap();
        assert_eq!(recused.expected, 119);
    }

    #[test]
    fn long_lists_of_missing_codes_are_cut() {
        let codes: Vec<String> = (1..=12).map(|i| format!("K{i:02}")).collect();
        let codes: Vec<&str> = codes.iter().map(String::as_str).collect();
        assert_eq!(
            msg::missing("医学院", "王新萍", &codes),
            "医学院 缺少 王新萍 的 12 项评分（K01、K02、K03、K04、K05、K06、K07、K08、K09、K10 等）"
        );
    }
}
