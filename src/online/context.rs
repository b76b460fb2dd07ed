//! What online scoring takes from the checked plan: who scores online, which departments
//! each of them visits (in visit order), and which of their scores already exist in the
//! main workbook's 评分 sheet or in a returned form.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::check::{code_key, key};
use crate::model::{DeptId, IndicatorId, MemberId, Origin, Plan, Points};
use crate::render::sanitize_file_name;

use super::EvaluatorId;
use super::refusal::Refusal;

/// One evaluator who scores online.
#[derive(Debug, Clone)]
pub struct Evaluator {
    pub id: EvaluatorId,
    pub member: MemberId,
    /// The departments of the group's category, in visit order.
    pub departments: Vec<DeptId>,
    /// The evaluator's workbook in the scores folder.
    pub file_name: String,
}

/// A score that lives outside the scores folder.
#[derive(Debug, Clone)]
pub struct Elsewhere {
    pub origin: Origin,
    pub value: Points,
}

impl Elsewhere {
    /// `考评.xlsx 评分!D12`, as the evaluator's page names it.
    pub fn place(&self) -> String {
        let file = self.origin.file.file_name().map_or_else(
            || self.origin.file.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        format!("{file} {}!{}", self.origin.sheet, self.origin.cell)
    }
}

/// The plan as online scoring sees it; replaced whole when the workbook changes.
#[derive(Debug)]
pub struct Context {
    pub plan: Arc<Plan>,
    /// In 考评组 order, members in sheet order.
    pub evaluators: Vec<Evaluator>,
    by_id: HashMap<EvaluatorId, usize>,
    elsewhere: HashMap<(MemberId, DeptId, IndicatorId), Elsewhere>,
}

impl Context {
    /// Reads `plan`; scores whose file lies in `scores_dir` are online scores, all others
    /// are entered elsewhere.
    pub fn new(plan: Arc<Plan>, scores_dir: &Path) -> Self {
        let evaluators = evaluators_of(&plan);
        let by_id = evaluators.iter().enumerate().map(|(i, e)| (e.id.clone(), i)).collect();
        let own = canonical(scores_dir);
        let elsewhere = plan
            .scores
            .iter()
            .filter(|s| s.origin.file.parent().map(canonical) != Some(own.clone()))
            .map(|s| {
                let found = Elsewhere { origin: s.origin.clone(), value: s.score.points() };
                ((s.evaluator, s.dept, s.indicator), found)
            })
            .collect();
        Self { plan, evaluators, by_id, elsewhere }
    }

    pub fn evaluator(&self, id: &EvaluatorId) -> Result<&Evaluator, Refusal> {
        self.by_id.get(id).map(|&i| &self.evaluators[i]).ok_or_else(|| Refusal::UnknownEvaluator {
            group: id.group.clone(),
            name: id.name.clone(),
        })
    }

    pub fn elsewhere(
        &self,
        member: MemberId,
        dept: DeptId,
        indicator: IndicatorId,
    ) -> Option<&Elsewhere> {
        self.elsewhere.get(&(member, dept, indicator))
    }

    /// Why the member must not score the department, if they must not.
    pub fn recusal(&self, member: MemberId, dept: DeptId) -> Option<String> {
        self.plan.recuses(member, dept).then(|| {
            let home = self.plan.member(member).home.clone();
            format!("本人所在部门{}", home.map(|h| format!("：{h}")).unwrap_or_default())
        })
    }

    /// The department and indicator a request names, checked against what this evaluator
    /// may score: an existing department of their group, not recused, an indicator that
    /// applies to it.
    pub fn target(
        &self,
        evaluator: &Evaluator,
        department: &str,
        indicator: &str,
    ) -> Result<(DeptId, IndicatorId), Refusal> {
        let plan = &self.plan;
        let wanted = key(department);
        let dept = plan
            .dept_ids()
            .find(|&d| key(&plan.department(d).name) == wanted)
            .ok_or_else(|| Refusal::UnknownDepartment(department.to_string()))?;
        let name = plan.department(dept).name.clone();
        if !evaluator.departments.contains(&dept) {
            let group = plan.group(evaluator.member.group).name.clone();
            return Err(Refusal::NotYourDepartment { department: name, group });
        }
        if let Some(reason) = self.recusal(evaluator.member, dept) {
            return Err(Refusal::Recused { department: name, reason });
        }
        let code = code_key(indicator);
        let ind = plan
            .indicators_for(dept)
            .find(|&i| code_key(&plan.indicator(i).code) == code)
            .ok_or_else(|| Refusal::UnknownIndicator {
                department: name.clone(),
                indicator: indicator.to_string(),
            })?;
        Ok((dept, ind))
    }

    /// The cells an evaluator is expected to fill: every indicator of every department
    /// they do not recuse from.
    pub fn expected_cells(
        &self,
        evaluator: &Evaluator,
    ) -> impl Iterator<Item = (DeptId, IndicatorId)> + '_ {
        let member = evaluator.member;
        evaluator
            .departments
            .clone()
            .into_iter()
            .filter(move |&d| !self.plan.recuses(member, d))
            .flat_map(move |d| self.plan.indicators_for(d).map(move |i| (d, i)))
    }
}

/// Every member who scores and whose group has a department with an indicator to score.
fn evaluators_of(plan: &Plan) -> Vec<Evaluator> {
    let mut out: Vec<Evaluator> = Vec::new();
    for (g, group) in plan.groups.iter().enumerate() {
        let departments = plan.visit_order(group.target);
        let has_cells = departments.iter().any(|&d| plan.indicators_for(d).next().is_some());
        if !has_cells {
            continue;
        }
        for (index, member) in group.members.iter().enumerate() {
            if !member.role.scores() {
                continue;
            }
            let id = EvaluatorId::new(&group.name, &member.name);
            let file_name = unique_file_name(&out, &id);
            let member = MemberId { group: crate::model::GroupId(g), index };
            out.push(Evaluator { id, member, departments: departments.clone(), file_name });
        }
    }
    out
}

/// `二级学院考评组-李军.xlsx`; two evaluators whose names sanitise alike get `（2）`.
fn unique_file_name(taken: &[Evaluator], id: &EvaluatorId) -> String {
    let stem = sanitize_file_name(&format!("{}-{}", id.group, id.name));
    let mut name = format!("{stem}.xlsx");
    let mut n = 2;
    while taken.iter().any(|e| e.file_name == name) {
        name = format!("{stem}（{n}）.xlsx");
        n += 1;
    }
    name
}

fn canonical(dir: &Path) -> PathBuf {
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}
