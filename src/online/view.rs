//! What the pages show, as serialisable data: the evaluator's page (their departments in
//! visit order, each indicator with its value or why it cannot be scored) and the office's
//! line per evaluator. Values are strings in the reader's shortest form (`9.5`, `20`), so
//! the page shows exactly what the workbook will hold.

use serde::Serialize;

use crate::model::{DeptId, Plan, clock_time, month_day, weekday};

use super::EvaluatorId;
use super::context::{Context, Evaluator};
use super::record::Record;

/// Where an evaluator's online scoring stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Status {
    #[serde(rename = "未开始")]
    NotStarted,
    #[serde(rename = "评分中")]
    InProgress,
    #[serde(rename = "已提交")]
    Submitted,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::NotStarted => "未开始",
            Status::InProgress => "评分中",
            Status::Submitted => "已提交",
        }
    }

    fn of(record: &Record) -> Self {
        if record.submitted_at.is_some() {
            Status::Submitted
        } else if record.is_started() {
            Status::InProgress
        } else {
            Status::NotStarted
        }
    }
}

/// The evaluator's page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvaluatorView {
    pub id: EvaluatorId,
    /// 组长, 副组长, 成员.
    pub role: String,
    /// The institution and year, for the page title.
    pub org: String,
    pub year: i32,
    pub status: Status,
    pub submitted_at: Option<String>,
    /// 已评 n / N: cells with a score (online or elsewhere) of the cells to score.
    pub entered: usize,
    pub expected: usize,
    pub departments: Vec<DepartmentView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepartmentView {
    pub name: String,
    /// `11月29日（星期一）10:00 行政楼会议室`, when the 日程 has the visit.
    pub visit: Option<String>,
    /// Why this evaluator does not score it (`本人所在部门：医学院`).
    pub recused: Option<String>,
    pub entered: usize,
    pub expected: usize,
    pub indicators: Vec<IndicatorView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndicatorView {
    pub code: String,
    pub level1: String,
    pub level2: String,
    pub guidance: Option<String>,
    /// 分值.
    pub max: String,
    /// The saved 得分; empty when none.
    pub value: String,
    pub note: String,
    /// Set when the score already exists in the workbook or a returned form; the field is
    /// then read-only.
    pub elsewhere: Option<ElsewhereView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ElsewhereView {
    /// `考评.xlsx 评分!D12`
    pub place: String,
    pub value: String,
}

/// One evaluator's line on the office page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvaluatorSummary {
    pub id: EvaluatorId,
    pub status: Status,
    pub submitted_at: Option<String>,
    pub entered: usize,
    pub expected: usize,
    /// The link's secret (the office page builds the link with [`super::link_url`]).
    pub secret: Option<String>,
    /// The evaluator's workbook in the scores folder.
    pub file_name: String,
}

pub fn evaluator_view(ctx: &Context, evaluator: &Evaluator, record: &Record) -> EvaluatorView {
    let plan = &ctx.plan;
    let member = plan.member(evaluator.member);
    let departments: Vec<DepartmentView> =
        evaluator.departments.iter().map(|&d| department_view(ctx, evaluator, record, d)).collect();
    EvaluatorView {
        id: evaluator.id.clone(),
        role: member.role.label().to_string(),
        org: plan.info.org.clone(),
        year: plan.info.year,
        status: Status::of(record),
        submitted_at: record.submitted_at.clone(),
        entered: departments.iter().map(|d| d.entered).sum(),
        expected: departments.iter().map(|d| d.expected).sum(),
        departments,
    }
}

fn department_view(
    ctx: &Context,
    evaluator: &Evaluator,
    record: &Record,
    dept: DeptId,
) -> DepartmentView {
    let plan = &ctx.plan;
    let recused = ctx.recusal(evaluator.member, dept);
    let indicators: Vec<IndicatorView> = plan
        .indicators_for(dept)
        .map(|i| {
            let ind = plan.indicator(i);
            let entry = record.entry(plan, dept, i);
            let elsewhere = ctx
                .elsewhere(evaluator.member, dept, i)
                .map(|e| ElsewhereView { place: e.place(), value: e.value.to_string() });
            IndicatorView {
                code: ind.code.clone(),
                level1: ind.level1.clone(),
                level2: ind.level2.clone(),
                guidance: ind.guidance.clone(),
                max: ind.max.to_string(),
                value: entry.score.map(|p| p.to_string()).unwrap_or_default(),
                note: entry.note.unwrap_or_default(),
                elsewhere,
            }
        })
        .collect();
    let (entered, expected) = if recused.is_some() {
        (0, 0)
    } else {
        let entered =
            indicators.iter().filter(|i| !i.value.is_empty() || i.elsewhere.is_some()).count();
        (entered, indicators.len())
    };
    DepartmentView {
        name: plan.department(dept).name.clone(),
        visit: visit_text(plan, dept),
        recused,
        entered,
        expected,
        indicators,
    }
}

fn visit_text(plan: &Plan, dept: DeptId) -> Option<String> {
    let slot = plan.slot_of(dept)?;
    let mut text =
        format!("{}（{}）{}", month_day(slot.date), weekday(slot.date), clock_time(slot.time));
    if let Some(place) = &slot.place {
        text.push(' ');
        text.push_str(place);
    }
    Some(text)
}

/// (entered, expected) over the cells the evaluator scores.
pub fn counts(ctx: &Context, evaluator: &Evaluator, record: &Record) -> (usize, usize) {
    let mut entered = 0;
    let mut expected = 0;
    for (dept, indicator) in ctx.expected_cells(evaluator) {
        expected += 1;
        let online = record.entry(&ctx.plan, dept, indicator).score.is_some();
        if online || ctx.elsewhere(evaluator.member, dept, indicator).is_some() {
            entered += 1;
        }
    }
    (entered, expected)
}

pub fn summary(
    ctx: &Context,
    evaluator: &Evaluator,
    record: &Record,
    secret: Option<String>,
) -> EvaluatorSummary {
    let (entered, expected) = counts(ctx, evaluator, record);
    EvaluatorSummary {
        id: evaluator.id.clone(),
        status: Status::of(record),
        submitted_at: record.submitted_at.clone(),
        entered,
        expected,
        secret,
        file_name: evaluator.file_name.clone(),
    }
}
