//! The score documents: one report per department and the signed summary for the
//! leadership group. Their contexts carry figures already formatted to two decimals, so
//! every document shows exactly the numbers of the summary workbook.

use std::path::PathBuf;

use serde::Serialize;

use super::context::date_with_weekday;
use super::engine::{Engine, RenderError};
use super::{PdfDoc, RenderedPdf, sanitize_file_name};
use crate::model::{self, CategoryId, DeptId, MemberRole, Plan, Points};
use crate::score::{DeptResult, Results, Versus};

/// The folder of department reports inside the output folder.
pub const REPORT_DIR: &str = "考评报告";

/// `92.50`, `-1.00`: figures in documents always show two decimals.
pub fn two_decimals(points: Points) -> String {
    let h = points.hundredths();
    let sign = if h < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", h.unsigned_abs() / 100, h.unsigned_abs() % 100)
}

/// Facts every score document shows in its head.
#[derive(Debug, Clone, Serialize)]
pub struct Head {
    pub org: String,
    pub org_short: String,
    pub year: i32,
    pub office: String,
    pub office_director: Option<String>,
    pub leader: Option<String>,
    pub method: String,
    pub bonus_cap: Option<String>,
}

impl Head {
    pub fn new(plan: &Plan) -> Self {
        let info = &plan.info;
        Self {
            org: info.org.clone(),
            org_short: info.org_short.clone(),
            year: info.year,
            office: info.office.clone(),
            office_director: info.office_director.clone(),
            leader: plan
                .leadership
                .iter()
                .find(|l| l.role == model::LeaderRole::Leader)
                .map(|l| l.name.clone()),
            method: info.scoring_method.label().to_string(),
            bonus_cap: info.bonus_cap.map(two_decimals),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportLine {
    pub level1: String,
    /// How many rows the 一级指标 cell spans (0 on the rows it covers).
    pub span: usize,
    pub level2: String,
    pub max: String,
    pub score: String,
    pub evaluators: usize,
    pub remark: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AdjustmentRow {
    pub kind: String,
    pub amount: String,
    pub counted: String,
    pub reason: String,
    pub authority: String,
    pub evidence: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Bar {
    pub name: String,
    pub total: f64,
    pub label: String,
    pub this: bool,
}

/// One department's report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub number: String,
    pub name: String,
    pub category: String,
    pub group: String,
    pub group_leader: Option<String>,
    pub visit: Option<String>,
    pub place: Option<String>,
    pub lines: Vec<ReportLine>,
    pub max_total: String,
    pub indicator_total: String,
    pub bonus: String,
    pub bonus_uncapped: String,
    pub bonus_capped: bool,
    pub deduction: String,
    pub total: String,
    pub rank: usize,
    pub of: usize,
    pub grade: String,
    pub pending: bool,
    pub adjustments: Vec<AdjustmentRow>,
    pub category_mean: String,
    pub category_highest: String,
    pub category_lowest: String,
    pub bars: Vec<Bar>,
    /// 与上年度比较, when the build has last year's results.
    pub versus: Option<ReportVersus>,
    pub date: String,
}

/// A report's 与上年度比较 block.
#[derive(Debug, Clone, Serialize)]
pub struct ReportVersus {
    pub last_year: i32,
    /// Last year's figures; `None` for a department new this year (新增).
    pub last: Option<LastFigures>,
}

/// Last year's figures and the changes since, formatted as printed.
#[derive(Debug, Clone, Serialize)]
pub struct LastFigures {
    /// Last year's name, when the department was renamed.
    pub former_name: Option<String>,
    pub total: String,
    pub rank: usize,
    pub grade: String,
    /// `+2.35`, `-1.20`, `0.00`
    pub total_change: String,
    /// `↑3`, `↓2`, `—`, `类别变更`
    pub rank_change: String,
}

/// `+2.35`: a change always shows its sign.
pub fn signed_two_decimals(points: Points) -> String {
    let sign = if points > Points::ZERO { "+" } else { "" };
    format!("{sign}{}", two_decimals(points))
}

fn report_versus(plan: &Plan, result: &DeptResult) -> Option<ReportVersus> {
    let last_year = plan.last_year.as_ref()?.year;
    let last = match result.versus.as_ref()? {
        Versus::New => None,
        Versus::Compared { last, total_change, rank_change } => Some(LastFigures {
            former_name: (last.name != plan.department(result.dept).name)
                .then(|| last.name.clone()),
            total: two_decimals(last.total),
            rank: last.rank,
            grade: last.grade.clone(),
            total_change: signed_two_decimals(*total_change),
            rank_change: rank_change.to_string(),
        }),
    };
    Some(ReportVersus { last_year, last })
}

#[derive(Serialize)]
struct ReportContext<'a> {
    h: &'a Head,
    d: &'a Report,
}

/// `考评报告/01-医学院` (numbered in 部门 order, zero-padded to the count's width).
pub fn report_stem(plan: &Plan, dept: DeptId) -> PathBuf {
    let width = plan.departments.len().to_string().len().max(2);
    let name = sanitize_file_name(&plan.department(dept).name);
    PathBuf::from(REPORT_DIR).join(format!("{:0width$}-{name}", dept.0 + 1))
}

pub fn report(plan: &Plan, results: &Results, dept: DeptId) -> Report {
    let department = plan.department(dept);
    let result = results.department(dept);
    let category = results.category(department.category);
    let group = plan.group(plan.group_for(department.category));
    let slot = plan.slot_of(dept);
    Report {
        number: format!("{:02}", dept.0 + 1),
        name: department.name.clone(),
        category: plan.category(department.category).name.clone(),
        group: group.name.clone(),
        group_leader: group
            .members
            .iter()
            .find(|m| m.role == MemberRole::Leader)
            .map(|m| m.name.clone()),
        visit: slot.map(|s| format!("{}{}", date_with_weekday(s.date), model::clock_time(s.time))),
        place: slot.and_then(|s| s.place.clone()),
        lines: report_lines(plan, result),
        max_total: result
            .lines
            .iter()
            .map(|l| plan.indicator(l.indicator).max)
            .sum::<Points>()
            .to_string(),
        indicator_total: two_decimals(result.indicator_total),
        bonus: two_decimals(result.bonus),
        bonus_uncapped: two_decimals(result.bonus_uncapped),
        bonus_capped: result.bonus_capped,
        deduction: two_decimals(result.deduction),
        total: two_decimals(result.total),
        rank: result.rank,
        of: result.of,
        grade: result.grade.text.clone(),
        pending: result.grade.state.is_pending(),
        adjustments: result
            .adjustments
            .iter()
            .map(|line| {
                let a = &plan.adjustments[line.adjustment];
                AdjustmentRow {
                    kind: a.kind.label().to_string(),
                    amount: two_decimals(line.amount),
                    counted: two_decimals(line.counted),
                    reason: a.reason.clone(),
                    authority: a.authority.clone(),
                    evidence: a.evidence.clone(),
                }
            })
            .collect(),
        category_mean: two_decimals(category.mean),
        category_highest: two_decimals(category.highest),
        category_lowest: two_decimals(category.lowest),
        bars: chart_bars(plan, results, &category.ranking, dept),
        versus: report_versus(plan, result),
        date: model::full_date(plan.info.date),
    }
}

/// Bars a report shows. A category of many departments would make every report carry the
/// whole ranking (and the build quadratic); beyond [`CHART_BARS`] only the top, the
/// department with its neighbours, and the bottom are drawn, gaps marked `…`.
const CHART_BARS: usize = 15;

fn chart_bars(plan: &Plan, results: &Results, ranking: &[DeptId], dept: DeptId) -> Vec<Bar> {
    let bar = |d: DeptId| {
        let total = results.department(d).total;
        let department = plan.department(d);
        Bar {
            name: chart_label(department.short.as_ref().unwrap_or(&department.name)),
            total: total.to_f64(),
            label: two_decimals(total),
            this: d == dept,
        }
    };
    chart_positions(ranking.len(), ranking.iter().position(|&d| d == dept).unwrap_or(0))
        .into_iter()
        .map(|position| match position {
            Some(p) => bar(ranking[p]),
            None => Bar { name: "…".into(), total: 0.0, label: String::new(), this: false },
        })
        .collect()
}

/// The widest name a bar's label column holds, in half-width units: 13 Chinese characters
/// of 六号 fit its 38 mm.
const CHART_LABEL_WIDTH: usize = 26;

/// A department's name as its bar shows it: one line, however long the name, so the names
/// stay level with their bars; a longer one is cut and ends in `…`. The report names the
/// department in full elsewhere.
fn chart_label(name: &str) -> String {
    // Capitals are nearly as wide as a Chinese character; other ASCII about half.
    let width = |c: char| if c.is_ascii() && !c.is_ascii_uppercase() { 1 } else { 2 };
    if name.chars().map(width).sum::<usize>() <= CHART_LABEL_WIDTH {
        return name.to_string();
    }
    let mut used = width('…');
    let mut label: String = name
        .chars()
        .take_while(|&c| {
            used += width(c);
            used <= CHART_LABEL_WIDTH
        })
        .collect();
    label.push('…');
    label
}

/// Which ranks a chart of `n` bars shows for the department at rank position `at`;
/// `None` marks a gap.
fn chart_positions(n: usize, at: usize) -> Vec<Option<usize>> {
    if n <= CHART_BARS {
        return (0..n).map(Some).collect();
    }
    let last = n - 1;
    let mut shown: Vec<usize> = (0..5).chain(at.saturating_sub(2)..=(at + 2).min(last)).collect();
    shown.extend(last - 2..=last);
    shown.sort_unstable();
    shown.dedup();
    let mut positions = Vec::with_capacity(shown.len() + 2);
    for (i, &position) in shown.iter().enumerate() {
        if i > 0 && position > shown[i - 1] + 1 {
            positions.push(None);
        }
        positions.push(Some(position));
    }
    positions
}

fn report_lines(plan: &Plan, result: &DeptResult) -> Vec<ReportLine> {
    let mut lines: Vec<ReportLine> = result
        .lines
        .iter()
        .map(|line| {
            let indicator = plan.indicator(line.indicator);
            let remark = if line.missing {
                "未评分".to_string()
            } else if let Some(dropped) = line.dropped {
                format!(
                    "去掉最高分 {}、最低分 {}",
                    model::Points::to_string(&dropped.highest),
                    model::Points::to_string(&dropped.lowest)
                )
            } else {
                String::new()
            };
            ReportLine {
                level1: indicator.level1.clone(),
                span: 1,
                level2: indicator.level2.clone(),
                max: indicator.max.to_string(),
                score: two_decimals(line.mean),
                evaluators: line.counted,
                remark,
            }
        })
        .collect();
    merge_spans(&mut lines);
    lines
}

/// Consecutive rows with the same 一级指标 share one merged cell.
fn merge_spans(lines: &mut [ReportLine]) {
    let mut start = 0;
    while start < lines.len() {
        let end = (start..lines.len())
            .find(|&i| lines[i].level1 != lines[start].level1)
            .unwrap_or(lines.len());
        lines[start].span = end - start;
        for line in &mut lines[start + 1..end] {
            line.span = 0;
        }
        start = end;
    }
}

/// One department's report, ready to typeset.
pub fn report_doc(
    engine: &Engine,
    plan: &Plan,
    head: &Head,
    results: &Results,
    dept: DeptId,
) -> Result<PdfDoc, RenderError> {
    let report = report(plan, results, dept);
    let source =
        engine.templates().render("report.typ.j2", &ReportContext { h: head, d: &report })?;
    Ok(PdfDoc { stem: report_stem(plan, dept), source, date: plan.info.date, extras: Vec::new() })
}

/// Renders one department's report.
pub fn render_report(
    engine: &Engine,
    plan: &Plan,
    head: &Head,
    results: &Results,
    dept: DeptId,
) -> Result<RenderedPdf, RenderError> {
    report_doc(engine, plan, head, results, dept)?.compile(engine)
}

#[derive(Debug, Clone, Serialize)]
pub struct SummaryRow {
    pub seq: usize,
    pub name: String,
    pub indicator_total: String,
    pub bonus: String,
    pub deduction: String,
    pub total: String,
    pub rank: usize,
    pub grade: String,
    pub pending: bool,
    /// 上年总分 (`新增` for a new department), 上年排名, 名次变化; empty without last
    /// year's results.
    pub last_total: String,
    pub last_rank: String,
    pub rank_change: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GradeQuota {
    pub name: String,
    pub quota: Option<usize>,
    pub count: usize,
    pub pending: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct SummaryCategory {
    pub name: String,
    pub rows: Vec<SummaryRow>,
    pub grades: Vec<GradeQuota>,
    pub mean: String,
    pub highest: String,
    pub lowest: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TieNote {
    pub category: String,
    pub grade: String,
    pub places: usize,
    pub names: Vec<String>,
    pub total: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub categories: Vec<SummaryCategory>,
    pub ties: Vec<TieNote>,
    /// 年度 of last year's results, when the build has them.
    pub last_year: Option<i32>,
    pub date: String,
}

pub fn summary(plan: &Plan, results: &Results) -> Summary {
    let categories = (0..plan.categories.len())
        .map(CategoryId)
        .map(|c| {
            let result = results.category(c);
            SummaryCategory {
                name: plan.category(c).name.clone(),
                rows: result
                    .ranking
                    .iter()
                    .enumerate()
                    .map(|(i, &d)| {
                        let r = results.department(d);
                        let (last_total, last_rank, rank_change) = match &r.versus {
                            None => Default::default(),
                            Some(Versus::New) => ("新增".into(), String::new(), String::new()),
                            Some(Versus::Compared { last, rank_change, .. }) => (
                                two_decimals(last.total),
                                last.rank.to_string(),
                                rank_change.to_string(),
                            ),
                        };
                        SummaryRow {
                            seq: i + 1,
                            name: plan.department(d).name.clone(),
                            indicator_total: two_decimals(r.indicator_total),
                            bonus: two_decimals(r.bonus),
                            deduction: two_decimals(r.deduction),
                            total: two_decimals(r.total),
                            rank: r.rank,
                            grade: r.grade.text.clone(),
                            pending: r.grade.state.is_pending(),
                            last_total,
                            last_rank,
                            rank_change,
                        }
                    })
                    .collect(),
                grades: result
                    .grades
                    .iter()
                    .map(|g| GradeQuota {
                        name: g.name.clone(),
                        quota: g.quota,
                        count: g.count,
                        pending: g.pending,
                    })
                    .collect(),
                mean: two_decimals(result.mean),
                highest: two_decimals(result.highest),
                lowest: two_decimals(result.lowest),
            }
        })
        .filter(|c| !c.rows.is_empty())
        .collect();
    let ties = results
        .ties
        .iter()
        .map(|t| TieNote {
            category: plan.category(t.category).name.clone(),
            grade: plan.grading[t.grade].name.clone(),
            places: t.places,
            names: t.tied.iter().map(|&d| plan.department(d).name.clone()).collect(),
            total: t
                .tied
                .first()
                .map(|&d| two_decimals(results.department(d).total))
                .unwrap_or_default(),
        })
        .collect();
    Summary {
        categories,
        ties,
        last_year: plan.last_year.as_ref().map(|l| l.year),
        date: model::full_date(plan.info.date),
    }
}

#[derive(Serialize)]
struct SummaryContext<'a> {
    h: &'a Head,
    s: &'a Summary,
}

pub fn summary_stem(plan: &Plan) -> PathBuf {
    PathBuf::from(sanitize_file_name(&format!(
        "{}{}年度绩效考评结果汇总表",
        plan.info.org, plan.info.year
    )))
}

pub fn workbook_path(plan: &Plan) -> PathBuf {
    PathBuf::from(sanitize_file_name(&format!(
        "{}{}年度绩效考评结果汇总.xlsx",
        plan.info.org, plan.info.year
    )))
}

/// The signed summary for the leadership group, ready to typeset.
pub fn summary_doc(
    engine: &Engine,
    plan: &Plan,
    head: &Head,
    results: &Results,
) -> Result<PdfDoc, RenderError> {
    let summary = summary(plan, results);
    let source =
        engine.templates().render("summary.typ.j2", &SummaryContext { h: head, s: &summary })?;
    Ok(PdfDoc { stem: summary_stem(plan), source, date: plan.info.date, extras: Vec::new() })
}

/// Renders the signed summary for the leadership group.
pub fn render_summary(
    engine: &Engine,
    plan: &Plan,
    head: &Head,
    results: &Results,
) -> Result<RenderedPdf, RenderError> {
    summary_doc(engine, plan, head, results)?.compile(engine)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chart_labels_fit_one_line() {
        assert_eq!(chart_label("医学院"), "医学院");
        assert_eq!(chart_label("马克思主义学院思想政治理论"), "马克思主义学院思想政治理论");
        assert_eq!(chart_label("马克思主义学院思想政治理论课"), "马克思主义学院思想政治理…");
        let long = "x".repeat(40);
        assert_eq!(chart_label(&long), format!("{}…", "x".repeat(24)));
        let capitals = "W".repeat(40);
        assert_eq!(chart_label(&capitals), format!("{}…", "W".repeat(12)));
    }

    #[test]
    fn charts_of_big_categories_show_top_neighbours_and_bottom() {
        let shown = |n, at| chart_positions(n, at);
        assert_eq!(shown(10, 3), (0..10).map(Some).collect::<Vec<_>>());
        let mid = [0, 1, 2, 3, 4].map(Some).into_iter().chain([None]);
        let mid: Vec<_> = mid.chain([48, 49, 50, 51, 52].map(Some)).chain([None]).collect();
        assert_eq!(shown(100, 50)[..mid.len()], mid[..]);
        assert_eq!(shown(100, 50)[mid.len()..], [Some(97), Some(98), Some(99)]);
        assert_eq!(
            shown(100, 0),
            [0, 1, 2, 3, 4]
                .map(Some)
                .into_iter()
                .chain([None, Some(97), Some(98), Some(99)])
                .collect::<Vec<_>>()
        );
        assert_eq!(shown(100, 99).len(), 5 + 1 + 3);
    }

    #[test]
    fn changes_show_their_sign() {
        assert_eq!(signed_two_decimals(Points::from_hundredths(235)), "+2.35");
        assert_eq!(signed_two_decimals(Points::from_hundredths(-120)), "-1.20");
        assert_eq!(signed_two_decimals(Points::ZERO), "0.00");
    }

    #[test]
    fn figures_show_two_decimals() {
        assert_eq!(two_decimals(Points::from_hundredths(9250)), "92.50");
        assert_eq!(two_decimals(Points::from_hundredths(5)), "0.05");
        assert_eq!(two_decimals(Points::from_hundredths(-100)), "-1.00");
    }
}
