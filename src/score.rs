//! The scoring stage: from a validated [`Plan`] to totals, ranks and proposed grades.
//!
//! Pure arithmetic, no I/O. Every sum and mean is kept as an exact fraction of hundredths
//! ([`Exact`]) so that three means of 1/3 add up to exactly 1; only the official figures
//! shown to people are rounded, once, half away from zero, to two decimals ([`Points`]).
//!
//! Ranks and grades are decided on the rounded 总分, because that is the number printed,
//! signed and compared by every reader: two departments shown with the same total must
//! share a rank.
//!
//! A tie straddling a grade's quota is never broken here. The tied departments get a
//! [`GradeState::Pending`] grade and a [`TieAtQuota`] record, and the leadership group
//! decides.

use std::collections::HashMap;

use num_rational::Ratio;
use num_traits::Zero;
use serde::Serialize;

use crate::model::{
    AdjustmentKind, CategoryId, DeptId, GradeRule, IndicatorId, LastYearResult, Plan, Points,
    ScoringMethod,
};

/// An exact number of hundredths of a point: the mean 10/3 points is `1000/3`.
pub type Exact = Ratio<i64>;

fn exact(points: Points) -> Exact {
    Ratio::from_integer(points.hundredths())
}

/// The official two-decimal value: rounded half away from zero (`92.125` → `92.13`).
pub fn round(value: Exact) -> Points {
    Points::from_hundredths(value.round().to_integer())
}

/// Everything the scoring stage computed for one plan.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    /// Indexed by [`DeptId`].
    pub departments: Vec<DeptResult>,
    /// Indexed by [`CategoryId`].
    pub categories: Vec<CategoryResult>,
    /// Ties at a quota boundary, for the leadership group to decide; in category order.
    pub ties: Vec<TieAtQuota>,
}

impl Results {
    pub fn department(&self, id: DeptId) -> &DeptResult {
        &self.departments[id.0]
    }

    pub fn category(&self, id: CategoryId) -> &CategoryResult {
        &self.categories[id.0]
    }
}

/// One department's result.
#[derive(Debug, Clone, Serialize)]
pub struct DeptResult {
    pub dept: DeptId,
    pub category: CategoryId,
    /// One line per applicable indicator, in 指标 order.
    pub lines: Vec<IndicatorLine>,
    /// 指标得分: the exact sum of the indicator means, rounded once.
    pub indicator_total: Points,
    #[serde(skip)]
    pub indicator_total_exact: Exact,
    /// This department's 加扣分 items, in sheet order.
    pub adjustments: Vec<AdjustmentLine>,
    /// 加分 after the cap.
    pub bonus: Points,
    /// Σ 加分 before the cap.
    pub bonus_uncapped: Points,
    /// Whether 加分上限 cut the bonus.
    pub bonus_capped: bool,
    /// 扣分 (never capped).
    pub deduction: Points,
    #[serde(skip)]
    pub total_exact: Exact,
    /// 总分, the official figure: 指标得分 + 加分 − 扣分 computed exactly, then rounded.
    pub total: Points,
    /// Competition rank within the category (1, 2, 2, 4).
    pub rank: usize,
    /// Number of departments in the category.
    pub of: usize,
    /// 建议等次
    pub grade: Grade,
    /// Against last year's results; `None` when the build has none.
    pub versus: Option<Versus>,
}

/// A department against last year's summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Versus {
    /// 新增: last year's results do not know it.
    New,
    Compared {
        last: LastYearResult,
        /// This year's 总分 − last year's, both as printed.
        total_change: Points,
        rank_change: RankChange,
    },
}

/// How a department's rank moved since last year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RankChange {
    /// Up this many places (`↑3`).
    Up(usize),
    /// Down this many places (`↓2`).
    Down(usize),
    /// `—`
    Same,
    /// Last year it was ranked in another category, so the ranks do not compare.
    OtherCategory,
}

impl RankChange {
    pub fn between(last_rank: usize, rank: usize) -> Self {
        match rank.cmp(&last_rank) {
            std::cmp::Ordering::Less => RankChange::Up(last_rank - rank),
            std::cmp::Ordering::Greater => RankChange::Down(rank - last_rank),
            std::cmp::Ordering::Equal => RankChange::Same,
        }
    }
}

/// `↑3`, `↓2`, `—`, `类别变更`: the one place a rank change becomes text.
impl std::fmt::Display for RankChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RankChange::Up(n) => write!(f, "↑{n}"),
            RankChange::Down(n) => write!(f, "↓{n}"),
            RankChange::Same => f.write_str("—"),
            RankChange::OtherCategory => f.write_str("类别变更"),
        }
    }
}

/// Compares a department's official figures with what last year's summary states.
fn versus(last: Option<&LastYearResult>, result: &DeptResult) -> Versus {
    let Some(last) = last else { return Versus::New };
    let rank_change = if last.same_category {
        RankChange::between(last.rank, result.rank)
    } else {
        RankChange::OtherCategory
    };
    Versus::Compared { last: last.clone(), total_change: result.total - last.total, rank_change }
}

impl DeptResult {
    /// Indicators nobody scored (reports write 未评分).
    pub fn missing(&self) -> usize {
        self.lines.iter().filter(|l| l.missing).count()
    }
}

/// One indicator of one department.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorLine {
    pub indicator: IndicatorId,
    /// The mean, rounded to two decimals for display; sums use [`Self::mean_exact`].
    pub mean: Points,
    #[serde(skip)]
    pub mean_exact: Exact,
    /// How many scores were received.
    pub evaluators: usize,
    /// How many of them entered the mean (two fewer when trimmed).
    pub counted: usize,
    /// The scores, as indices into [`Plan::scores`], in sheet order.
    pub entries: Vec<usize>,
    /// The highest and lowest scores dropped by 去掉最高最低分后平均.
    pub dropped: Option<Dropped>,
    /// No score at all: the line counts 0 and reports say 未评分.
    pub missing: bool,
}

/// The pair of scores left out of a trimmed mean. Among equal values the first in sheet
/// order is the one dropped; which one does not change the mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Dropped {
    /// Index into [`Plan::scores`].
    pub highest_entry: usize,
    pub highest: Points,
    /// Index into [`Plan::scores`].
    pub lowest_entry: usize,
    pub lowest: Points,
}

/// One 加扣分 item and how much of it counted.
#[derive(Debug, Clone, Serialize)]
pub struct AdjustmentLine {
    /// Index into [`Plan::adjustments`].
    pub adjustment: usize,
    pub kind: AdjustmentKind,
    pub amount: Points,
    /// What entered the total: bonus items fill 加分上限 in sheet order, so a later item
    /// may count only partly or not at all. Deductions always count in full.
    pub counted: Points,
}

/// Where a department stands in the grading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum GradeState {
    /// The grade proposed to the leadership group: an index into [`Plan::grading`].
    Proposed { rule: usize },
    /// Tied at the quota boundary of `higher`; the leadership group chooses between
    /// `higher` and `lower`. Counts against `lower` in the quota arithmetic.
    Pending { higher: usize, lower: usize },
}

impl GradeState {
    /// The grade this department occupies a place in.
    pub fn counts_as(self) -> usize {
        match self {
            GradeState::Proposed { rule } => rule,
            GradeState::Pending { lower, .. } => lower,
        }
    }

    pub fn is_pending(self) -> bool {
        matches!(self, GradeState::Pending { .. })
    }
}

/// A proposed grade with its display text, so every document writes it the same way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Grade {
    pub state: GradeState,
    /// `优秀`, or `待定（优秀/良好）`.
    pub text: String,
}

impl Grade {
    pub fn new(state: GradeState, rules: &[GradeRule]) -> Self {
        Self { state, text: grade_text(state, rules) }
    }
}

/// The one place where a grade becomes text.
pub fn grade_text(state: GradeState, rules: &[GradeRule]) -> String {
    match state {
        GradeState::Proposed { rule } => rules[rule].name.clone(),
        GradeState::Pending { higher, lower } => {
            format!("待定（{}/{}）", rules[higher].name, rules[lower].name)
        }
    }
}

/// Figures of one category.
#[derive(Debug, Clone, Serialize)]
pub struct CategoryResult {
    pub category: CategoryId,
    /// Departments in rank order (equal totals in 部门 order).
    pub ranking: Vec<DeptId>,
    pub count: usize,
    /// Mean of the official (rounded) totals, computed exactly and rounded.
    pub mean: Points,
    #[serde(skip)]
    pub mean_exact: Exact,
    pub highest: Points,
    pub lowest: Points,
    /// One entry per grade rule, highest first.
    pub grades: Vec<GradeCount>,
}

/// How many departments of a category a grade holds, against its quota.
#[derive(Debug, Clone, Serialize)]
pub struct GradeCount {
    /// Index into [`Plan::grading`].
    pub rule: usize,
    pub name: String,
    /// ⌊比例上限 × count⌋, when the grade has a quota.
    pub quota: Option<usize>,
    /// Departments that occupy a place in this grade, pending ones included.
    pub count: usize,
    /// Of `count`, those pending a decision between the grade above and this one.
    pub pending: usize,
}

/// A group of equal totals straddling a grade's quota boundary: the leadership group
/// decides which of them get the grade.
#[derive(Debug, Clone, Serialize)]
pub struct TieAtQuota {
    pub category: CategoryId,
    /// The grade with the quota: index into [`Plan::grading`].
    pub grade: usize,
    pub grade_name: String,
    /// The grade the others fall to.
    pub lower: usize,
    pub lower_name: String,
    /// Places of `grade` still free for the tied departments.
    pub places: usize,
    /// The shared total.
    pub total: Points,
    /// In 部门 order.
    pub tied: Vec<DeptId>,
}

/// Scores the whole plan.
pub fn score(plan: &Plan) -> Results {
    let defaults;
    let rules: &[GradeRule] = if plan.grading.is_empty() {
        // check always fills in the defaults; this keeps an empty list from panicking.
        defaults = GradeRule::defaults();
        &defaults
    } else {
        &plan.grading
    };

    let mut scores_of: HashMap<(DeptId, IndicatorId), Vec<usize>> = HashMap::new();
    for (i, entry) in plan.scores.iter().enumerate() {
        scores_of.entry((entry.dept, entry.indicator)).or_default().push(i);
    }
    let mut adjustments_of: HashMap<DeptId, Vec<usize>> = HashMap::new();
    for (i, adj) in plan.adjustments.iter().enumerate() {
        adjustments_of.entry(adj.dept).or_default().push(i);
    }

    let mut departments: Vec<DeptResult> = plan
        .dept_ids()
        .map(|dept| {
            let lines = plan
                .indicators_for(dept)
                .map(|indicator| {
                    let entries = scores_of.remove(&(dept, indicator)).unwrap_or_default();
                    indicator_line(plan, indicator, entries)
                })
                .collect();
            let adjustments = adjustments_of.remove(&dept).unwrap_or_default();
            dept_result(plan, dept, lines, &adjustments, rules)
        })
        .collect();

    let mut categories = Vec::with_capacity(plan.categories.len());
    let mut ties = Vec::new();
    for c in 0..plan.categories.len() {
        let category = CategoryId(c);
        let mut ranking: Vec<DeptId> = plan.departments_in(category).collect();
        ranking.sort_by_key(|&d| (std::cmp::Reverse(departments[d.0].total), d));
        let n = ranking.len();

        for (position, &d) in ranking.iter().enumerate() {
            let total = departments[d.0].total;
            // Competition ranking: the rank of the first department with this total.
            let first = ranking[..position]
                .iter()
                .position(|&o| departments[o.0].total == total)
                .unwrap_or(position);
            departments[d.0].rank = first + 1;
            departments[d.0].of = n;
        }

        let totals: Vec<Points> = ranking.iter().map(|&d| departments[d.0].total).collect();
        let (states, category_ties) = propose_grades(category, rules, &ranking, &totals);
        for (&d, state) in ranking.iter().zip(states) {
            departments[d.0].grade = Grade::new(state, rules);
        }
        ties.extend(category_ties);

        categories.push(category_result(category, ranking, &departments, rules));
    }

    if let Some(last_year) = &plan.last_year {
        for result in &mut departments {
            result.versus = Some(versus(last_year.of(result.dept), result));
        }
    }

    Results { departments, categories, ties }
}

fn indicator_line(plan: &Plan, indicator: IndicatorId, entries: Vec<usize>) -> IndicatorLine {
    let value = |i: usize| plan.scores[i].score.points();
    let evaluators = entries.len();
    let dropped =
        (plan.info.scoring_method == ScoringMethod::TrimmedMean && evaluators >= 3).then(|| {
            let highest_entry = first_by(&entries, |a, b| value(a) > value(b));
            let rest: Vec<usize> =
                entries.iter().copied().filter(|&e| e != highest_entry).collect();
            let lowest_entry = first_by(&rest, |a, b| value(a) < value(b));
            Dropped {
                highest_entry,
                highest: value(highest_entry),
                lowest_entry,
                lowest: value(lowest_entry),
            }
        });

    let counted_entries = entries
        .iter()
        .copied()
        .filter(|&e| dropped.is_none_or(|d| e != d.highest_entry && e != d.lowest_entry));
    let (sum, counted) =
        counted_entries.fold((0i64, 0i64), |(sum, n), e| (sum + value(e).hundredths(), n + 1));
    let mean_exact = if counted == 0 { Exact::zero() } else { Ratio::new(sum, counted) };

    IndicatorLine {
        indicator,
        mean: round(mean_exact),
        mean_exact,
        evaluators,
        counted: counted as usize,
        entries,
        dropped,
        missing: evaluators == 0,
    }
}

/// The first entry that no later entry beats: `better(a, b)` says a beats b.
fn first_by(entries: &[usize], better: impl Fn(usize, usize) -> bool) -> usize {
    entries
        .iter()
        .copied()
        .reduce(|best, e| if better(e, best) { e } else { best })
        .expect("at least one entry")
}

fn dept_result(
    plan: &Plan,
    dept: DeptId,
    lines: Vec<IndicatorLine>,
    adjustment_ids: &[usize],
    rules: &[GradeRule],
) -> DeptResult {
    let indicator_total_exact: Exact = lines.iter().map(|l| l.mean_exact).sum();

    let mut room = plan.info.bonus_cap;
    let mut adjustments = Vec::with_capacity(adjustment_ids.len());
    for &i in adjustment_ids {
        let adj = &plan.adjustments[i];
        let counted = match (adj.kind, room.as_mut()) {
            (AdjustmentKind::Bonus, Some(room)) => {
                let counted = adj.amount.min(*room);
                *room = *room - counted;
                counted
            }
            _ => adj.amount,
        };
        adjustments.push(AdjustmentLine {
            adjustment: i,
            kind: adj.kind,
            amount: adj.amount,
            counted,
        });
    }
    let sum = |kind: AdjustmentKind, f: fn(&AdjustmentLine) -> Points| -> Points {
        adjustments.iter().filter(|a| a.kind == kind).map(f).sum()
    };
    let bonus_uncapped = sum(AdjustmentKind::Bonus, |a| a.amount);
    let bonus = sum(AdjustmentKind::Bonus, |a| a.counted);
    let deduction = sum(AdjustmentKind::Deduction, |a| a.counted);

    let total_exact = indicator_total_exact + exact(bonus) - exact(deduction);
    DeptResult {
        dept,
        category: plan.department(dept).category,
        lines,
        indicator_total: round(indicator_total_exact),
        indicator_total_exact,
        adjustments,
        bonus,
        bonus_uncapped,
        bonus_capped: bonus < bonus_uncapped,
        deduction,
        total_exact,
        total: round(total_exact),
        // Filled in once the whole category is known.
        rank: 0,
        of: 0,
        grade: Grade::new(GradeState::Proposed { rule: rules.len() - 1 }, rules),
        versus: None,
    }
}

/// Proposes a grade for each department of one category. `ranking` is in rank order and
/// `totals` are the matching official totals.
fn propose_grades(
    category: CategoryId,
    rules: &[GradeRule],
    ranking: &[DeptId],
    totals: &[Points],
) -> (Vec<GradeState>, Vec<TieAtQuota>) {
    let n = ranking.len();
    let last = rules.len() - 1;
    let mut states: Vec<Option<GradeState>> = vec![None; n];
    // Places already taken in a grade by departments pending from the grade above.
    let mut charged = vec![0usize; rules.len()];
    let mut ties = Vec::new();

    for (g, rule) in rules.iter().enumerate() {
        let open = (0..n).filter(|&p| states[p].is_none());
        if g == last {
            // The last grade catches every remaining total, even one below its 最低分.
            for p in open.collect::<Vec<_>>() {
                states[p] = Some(GradeState::Proposed { rule: g });
            }
            break;
        }
        let candidates: Vec<usize> = open.filter(|&p| totals[p] >= rule.min).collect();
        let places = rule.quota.map(|q| q.quota_of(n).saturating_sub(charged[g]));
        let granted = match places {
            Some(places) if candidates.len() > places => {
                let straddles =
                    places > 0 && totals[candidates[places - 1]] == totals[candidates[places]];
                if straddles {
                    let tie_total = totals[candidates[places]];
                    let granted: Vec<usize> =
                        candidates.iter().copied().take_while(|&p| totals[p] > tie_total).collect();
                    let tied: Vec<usize> =
                        candidates.iter().copied().filter(|&p| totals[p] == tie_total).collect();
                    let lower = (g + 1..last).find(|&l| tie_total >= rules[l].min).unwrap_or(last);
                    for &p in &tied {
                        states[p] = Some(GradeState::Pending { higher: g, lower });
                    }
                    charged[lower] += tied.len();
                    let mut tied_depts: Vec<DeptId> = tied.iter().map(|&p| ranking[p]).collect();
                    tied_depts.sort();
                    ties.push(TieAtQuota {
                        category,
                        grade: g,
                        grade_name: rule.name.clone(),
                        lower,
                        lower_name: rules[lower].name.clone(),
                        places: places - granted.len(),
                        total: tie_total,
                        tied: tied_depts,
                    });
                    granted
                } else {
                    candidates[..places].to_vec()
                }
            }
            _ => candidates,
        };
        for p in granted {
            states[p] = Some(GradeState::Proposed { rule: g });
        }
    }

    let states =
        states.into_iter().map(|s| s.expect("the last grade catches every department")).collect();
    (states, ties)
}

fn category_result(
    category: CategoryId,
    ranking: Vec<DeptId>,
    departments: &[DeptResult],
    rules: &[GradeRule],
) -> CategoryResult {
    let n = ranking.len();
    let totals: Vec<Points> = ranking.iter().map(|&d| departments[d.0].total).collect();
    let mean_exact = if n == 0 {
        Exact::zero()
    } else {
        Ratio::new(totals.iter().copied().sum::<Points>().hundredths(), n as i64)
    };
    let grades = rules
        .iter()
        .enumerate()
        .map(|(rule, r)| {
            let holders = ranking
                .iter()
                .map(|&d| departments[d.0].grade.state)
                .filter(|s| s.counts_as() == rule);
            let (count, pending) =
                holders.fold((0, 0), |(c, p), s| (c + 1, p + usize::from(s.is_pending())));
            GradeCount {
                rule,
                name: r.name.clone(),
                quota: r.quota.map(|q| q.quota_of(n)),
                count,
                pending,
            }
        })
        .collect();
    CategoryResult {
        category,
        count: n,
        mean: round(mean_exact),
        mean_exact,
        highest: totals.iter().copied().max().unwrap_or_default(),
        lowest: totals.iter().copied().min().unwrap_or_default(),
        grades,
        ranking,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::PathBuf;

    use chrono::NaiveDate;

    use super::*;
    use crate::finding::CellRef;
    use crate::model::{
        Adjustment, Applies, Category, Department, DocumentInfo, Group, Indicator, Member,
        MemberId, MemberRole, Origin, Percent, Score, ScoreEntry,
    };

    fn origin(sheet: &str, row: u32) -> Origin {
        Origin {
            file: PathBuf::from("考评.xlsx"),
            sheet: sheet.to_string(),
            cell: CellRef::new(row, 0),
        }
    }

    fn pts(hundredths: i64) -> Points {
        Points::from_hundredths(hundredths)
    }

    /// Builds plans straight from the model types, one category per evaluation group.
    pub(crate) struct Builder {
        pub plan: Plan,
    }

    impl Builder {
        pub fn new() -> Self {
            let date = NaiveDate::from_ymd_opt(2021, 11, 8).unwrap();
            let info = DocumentInfo {
                org: "测试学院".into(),
                org_short: "学院".into(),
                year: 2021,
                mark: "测试学院文件".into(),
                doc_number: None,
                title: "测试学院2021年度绩效考评工作实施方案".into(),
                recipients: None,
                basis: None,
                signer: "测试学院办公室".into(),
                date,
                eval_start: date,
                eval_end: date,
                self_check_deadline: date,
                meeting: date.and_hms_opt(10, 30, 0).unwrap(),
                meeting_place: "会议室".into(),
                meeting_attendees: None,
                office: "质量监控中心".into(),
                office_director: None,
                office_deputy: None,
                cc: None,
                printer: None,
                print_date: None,
                scoring_method: ScoringMethod::Mean,
                bonus_cap: None,
                seal: None,
            };
            Self {
                plan: Plan {
                    info,
                    categories: Vec::new(),
                    departments: Vec::new(),
                    leadership: Vec::new(),
                    groups: Vec::new(),
                    schedule: Vec::new(),
                    indicators: Vec::new(),
                    scores: Vec::new(),
                    adjustments: Vec::new(),
                    grading: GradeRule::defaults(),
                    body: None,
                    last_year: None,
                },
            }
        }

        pub fn trimmed(mut self) -> Self {
            self.plan.info.scoring_method = ScoringMethod::TrimmedMean;
            self
        }

        pub fn cap(mut self, hundredths: i64) -> Self {
            self.plan.info.bonus_cap = Some(pts(hundredths));
            self
        }

        /// A category and the group that evaluates it.
        pub fn category(&mut self, name: &str) -> CategoryId {
            let id = CategoryId(self.plan.categories.len());
            self.plan.categories.push(Category { name: name.into() });
            self.plan.groups.push(Group {
                name: format!("第{}考评组", id.0 + 1),
                target: id,
                members: Vec::new(),
            });
            id
        }

        pub fn dept(&mut self, name: &str, category: CategoryId) -> DeptId {
            let id = DeptId(self.plan.departments.len());
            let row = id.0 as u32 + 1;
            self.plan.departments.push(Department {
                name: name.into(),
                category,
                head: None,
                short: None,
                former_name: None,
                origin: origin("部门", row),
            });
            id
        }

        pub fn member(
            &mut self,
            category: CategoryId,
            name: &str,
            home: Option<DeptId>,
        ) -> MemberId {
            let group = self.plan.group_for(category);
            let members = &mut self.plan.groups[group.0].members;
            members.push(Member {
                role: MemberRole::Member,
                name: name.into(),
                post: "教师".into(),
                home: home.map(|d| self.plan.departments[d.0].name.clone()),
                home_dept: home,
                phone: None,
                origin: origin("考评组", members.len() as u32 + 1),
            });
            MemberId { group, index: members.len() - 1 }
        }

        pub fn indicator(&mut self, code: &str, applies: Applies, max: i64) -> IndicatorId {
            let id = IndicatorId(self.plan.indicators.len());
            self.plan.indicators.push(Indicator {
                code: code.into(),
                applies,
                level1: "一级".into(),
                level2: format!("指标{code}"),
                max: pts(max),
                guidance: None,
                origin: origin("指标", id.0 as u32 + 1),
            });
            id
        }

        pub fn score(&mut self, dept: DeptId, indicator: IndicatorId, member: MemberId, h: i64) {
            let max = self.plan.indicator(indicator).max;
            let row = self.plan.scores.len() as u32 + 1;
            self.plan.scores.push(ScoreEntry {
                dept,
                indicator,
                evaluator: member,
                score: Score::new(pts(h), max).unwrap(),
                note: None,
                origin: origin("评分", row),
            });
        }

        pub fn adjust(&mut self, dept: DeptId, kind: AdjustmentKind, h: i64) {
            let row = self.plan.adjustments.len() as u32 + 1;
            self.plan.adjustments.push(Adjustment {
                dept,
                kind,
                amount: pts(h),
                reason: "事由".into(),
                authority: "办公室".into(),
                evidence: None,
                origin: origin("加扣分", row),
            });
        }

        /// A category whose departments get exactly these totals (one indicator of 100
        /// points, one evaluator).
        pub fn with_totals(&mut self, category: &str, totals: &[i64]) -> Vec<DeptId> {
            let c = self.category(category);
            let member = self.member(c, &format!("{category}考评人"), None);
            let indicator = self.indicator(&format!("{category}1"), Applies::Category(c), 10000);
            totals
                .iter()
                .enumerate()
                .map(|(i, &t)| {
                    let d = self.dept(&format!("{category}{}", i + 1), c);
                    self.score(d, indicator, member, t);
                    d
                })
                .collect()
        }
    }

    fn ranks(results: &Results, depts: &[DeptId]) -> Vec<usize> {
        depts.iter().map(|&d| results.department(d).rank).collect()
    }

    fn grades(results: &Results, depts: &[DeptId]) -> Vec<String> {
        depts.iter().map(|&d| results.department(d).grade.text.clone()).collect()
    }

    #[test]
    fn plain_mean_of_all_scores() {
        let mut b = Builder::new();
        let c = b.category("二级学院");
        let d = b.dept("经济学院", c);
        let i = b.indicator("A1", Applies::All, 2000);
        for (name, s) in [("甲", 1800), ("乙", 1500), ("丙", 1200), ("丁", 2000)] {
            let m = b.member(c, name, None);
            b.score(d, i, m, s);
        }
        let r = score(&b.plan);
        let line = &r.department(d).lines[0];
        // (18 + 15 + 12 + 20) / 4 = 16.25
        assert_eq!(line.mean, pts(1625));
        assert_eq!((line.evaluators, line.counted), (4, 4));
        assert!(line.dropped.is_none() && !line.missing);
        assert_eq!(r.department(d).total, pts(1625));
    }

    #[test]
    fn trimmed_mean_drops_one_highest_and_one_lowest() {
        let mut b = Builder::new().trimmed();
        let c = b.category("二级学院");
        let d = b.dept("经济学院", c);
        let i = b.indicator("A1", Applies::All, 2000);
        // Two equal highest: only one is dropped.
        for (name, s) in [("甲", 1800), ("乙", 2000), ("丙", 1200), ("丁", 2000), ("戊", 1500)]
        {
            let m = b.member(c, name, None);
            b.score(d, i, m, s);
        }
        let r = score(&b.plan);
        let line = &r.department(d).lines[0];
        // (18 + 20 + 15) / 3 = 17.666… → 17.67
        assert_eq!(line.mean, pts(1767));
        assert_eq!(line.mean_exact, Ratio::new(5300, 3));
        assert_eq!((line.evaluators, line.counted), (5, 3));
        let dropped = line.dropped.unwrap();
        assert_eq!((dropped.highest, dropped.lowest), (pts(2000), pts(1200)));
        // The first of the equal highest, in sheet order.
        assert_eq!((dropped.highest_entry, dropped.lowest_entry), (1, 2));
    }

    #[test]
    fn trimmed_mean_with_fewer_than_three_scores_is_plain() {
        let mut b = Builder::new().trimmed();
        let c = b.category("二级学院");
        let d = b.dept("经济学院", c);
        let i = b.indicator("A1", Applies::All, 2000);
        for (name, s) in [("甲", 1800), ("乙", 1500)] {
            let m = b.member(c, name, None);
            b.score(d, i, m, s);
        }
        let line = &score(&b.plan).departments[d.0].lines[0];
        assert_eq!(line.mean, pts(1650));
        assert!(line.dropped.is_none());
        assert_eq!(line.counted, 2);
    }

    #[test]
    fn trimmed_mean_of_equal_scores_drops_two_of_them() {
        let mut b = Builder::new().trimmed();
        let c = b.category("二级学院");
        let d = b.dept("经济学院", c);
        let i = b.indicator("A1", Applies::All, 2000);
        for name in ["甲", "乙", "丙"] {
            let m = b.member(c, name, None);
            b.score(d, i, m, 1700);
        }
        let line = &score(&b.plan).departments[d.0].lines[0];
        let dropped = line.dropped.unwrap();
        assert_ne!(dropped.highest_entry, dropped.lowest_entry);
        assert_eq!((line.mean, line.counted), (pts(1700), 1));
    }

    #[test]
    fn thirds_add_up_exactly() {
        // Three indicators with the mean 1/3 each: 1.00 exactly, not 0.99.
        let mut b = Builder::new();
        let c = b.category("二级学院");
        let d = b.dept("经济学院", c);
        let members: Vec<MemberId> =
            ["甲", "乙", "丙"].iter().map(|n| b.member(c, n, None)).collect();
        for code in ["A1", "A2", "A3"] {
            let i = b.indicator(code, Applies::All, 1000);
            b.score(d, i, members[0], 100);
            b.score(d, i, members[1], 0);
            b.score(d, i, members[2], 0);
        }
        let r = score(&b.plan);
        let dept = r.department(d);
        assert!(dept.lines.iter().all(|l| l.mean == pts(33)));
        assert_eq!(dept.indicator_total, pts(100));
        assert_eq!(dept.total, pts(100));
    }

    #[test]
    fn mean_of_ten_thirds_is_shown_rounded_and_summed_exactly() {
        let mut b = Builder::new();
        let c = b.category("二级学院");
        let d = b.dept("经济学院", c);
        let members: Vec<MemberId> =
            ["甲", "乙", "丙"].iter().map(|n| b.member(c, n, None)).collect();
        for code in ["A1", "A2"] {
            let i = b.indicator(code, Applies::All, 1000);
            // (4 + 3 + 3) / 3 = 10/3 = 3.333…
            for (m, s) in members.iter().zip([400, 300, 300]) {
                b.score(d, i, *m, s);
            }
        }
        let r = score(&b.plan);
        let dept = r.department(d);
        assert_eq!(dept.lines[0].mean, pts(333));
        // 20/3 = 6.666… → 6.67, whereas 3.33 + 3.33 would give 6.66.
        assert_eq!(dept.indicator_total, pts(667));
    }

    #[test]
    fn rounding_is_half_away_from_zero() {
        assert_eq!(round(Ratio::new(92125, 10)), pts(9213));
        assert_eq!(round(Ratio::new(-125, 10)), pts(-13));
        assert_eq!(round(Ratio::new(1000, 3)), pts(333));
        assert_eq!(round(Ratio::new(2000, 3)), pts(667));
    }

    #[test]
    fn recused_member_does_not_count_as_zero() {
        let mut b = Builder::new();
        let c = b.category("二级学院");
        let d = b.dept("经济学院", c);
        let other = b.dept("医学院", c);
        let i = b.indicator("A1", Applies::All, 2000);
        let a = b.member(c, "甲", None);
        let m = b.member(c, "乙", Some(d)); // works in 经济学院: recuses there
        b.score(d, i, a, 1800);
        b.score(other, i, a, 1600);
        b.score(other, i, m, 1400);
        assert!(b.plan.recuses(m, d));
        let r = score(&b.plan);
        assert_eq!(r.department(d).lines[0].mean, pts(1800));
        assert_eq!(r.department(d).lines[0].evaluators, 1);
        assert_eq!(r.department(other).lines[0].mean, pts(1500));
    }

    #[test]
    fn unscored_indicator_counts_zero_and_is_flagged() {
        let mut b = Builder::new();
        let c = b.category("二级学院");
        let d = b.dept("经济学院", c);
        let a1 = b.indicator("A1", Applies::All, 2000);
        b.indicator("A2", Applies::All, 2000);
        let m = b.member(c, "甲", None);
        b.score(d, a1, m, 1500);
        let r = score(&b.plan);
        let dept = r.department(d);
        assert_eq!(dept.lines.len(), 2);
        assert!(dept.lines[1].missing);
        assert_eq!(dept.lines[1].mean, Points::ZERO);
        assert_eq!(dept.missing(), 1);
        assert_eq!(dept.total, pts(1500));
    }

    #[test]
    fn indicators_of_another_category_do_not_apply() {
        let mut b = Builder::new();
        let colleges = b.category("二级学院");
        let offices = b.category("处（室）");
        let d = b.dept("经济学院", colleges);
        b.dept("教务处", offices);
        b.indicator("A1", Applies::All, 2000);
        b.indicator("B1", Applies::Category(offices), 2000);
        b.indicator("C1", Applies::Category(colleges), 2000);
        let r = score(&b.plan);
        let codes: Vec<IndicatorId> = r.department(d).lines.iter().map(|l| l.indicator).collect();
        assert_eq!(codes, vec![IndicatorId(0), IndicatorId(2)]);
    }

    #[test]
    fn bonus_is_capped_deduction_is_not() {
        let mut b = Builder::new().cap(500);
        let ds = b.with_totals("二级学院", &[8000]);
        let d = ds[0];
        b.adjust(d, AdjustmentKind::Bonus, 300);
        b.adjust(d, AdjustmentKind::Deduction, 400);
        b.adjust(d, AdjustmentKind::Bonus, 400);
        b.adjust(d, AdjustmentKind::Bonus, 100);
        b.adjust(d, AdjustmentKind::Deduction, 350);
        let r = score(&b.plan);
        let dept = r.department(d);
        assert_eq!(dept.bonus_uncapped, pts(800));
        assert_eq!(dept.bonus, pts(500));
        assert!(dept.bonus_capped);
        assert_eq!(dept.deduction, pts(750));
        // 80 + 5 − 7.5
        assert_eq!(dept.total, pts(7750));
        let counted: Vec<Points> = dept.adjustments.iter().map(|a| a.counted).collect();
        assert_eq!(counted, vec![pts(300), pts(400), pts(200), pts(0), pts(350)]);
    }

    #[test]
    fn bonus_under_the_cap_or_without_one_counts_in_full() {
        let mut b = Builder::new().cap(500);
        let ds = b.with_totals("二级学院", &[8000]);
        b.adjust(ds[0], AdjustmentKind::Bonus, 500);
        let r = score(&b.plan);
        assert_eq!(r.department(ds[0]).bonus, pts(500));
        assert!(!r.department(ds[0]).bonus_capped);

        b.plan.info.bonus_cap = None;
        b.adjust(ds[0], AdjustmentKind::Bonus, 700);
        let r = score(&b.plan);
        assert_eq!(r.department(ds[0]).bonus, pts(1200));
        assert_eq!(r.department(ds[0]).total, pts(9200));
    }

    #[test]
    fn equal_totals_share_a_rank() {
        let mut b = Builder::new();
        let ds = b.with_totals("二级学院", &[8800, 9500, 8800, 7000, 8800]);
        let r = score(&b.plan);
        assert_eq!(ranks(&r, &ds), vec![2, 1, 2, 5, 2]);
        let category = r.category(CategoryId(0));
        assert_eq!(category.ranking, vec![ds[1], ds[0], ds[2], ds[4], ds[3]]);
        assert!(r.departments.iter().all(|d| d.of == 5));
    }

    #[test]
    fn ranks_are_per_category() {
        let mut b = Builder::new();
        let colleges = b.with_totals("二级学院", &[9000, 8000]);
        let offices = b.with_totals("处室", &[7000, 8500]);
        let r = score(&b.plan);
        assert_eq!(ranks(&r, &colleges), vec![1, 2]);
        assert_eq!(ranks(&r, &offices), vec![2, 1]);
    }

    #[test]
    fn quota_demotes_departments_beyond_it() {
        // Ten departments at 90 or more, 30%: three 优秀, the rest 良好.
        let mut b = Builder::new();
        let ds = b
            .with_totals("二级学院", &[9900, 9800, 9700, 9600, 9500, 9400, 9300, 9200, 9100, 9000]);
        let r = score(&b.plan);
        let g = grades(&r, &ds);
        assert_eq!(&g[..3], ["优秀", "优秀", "优秀"]);
        assert!(g[3..].iter().all(|g| g == "良好"));
        assert!(r.ties.is_empty());
        let counts = &r.category(CategoryId(0)).grades;
        assert_eq!((counts[0].quota, counts[0].count), (Some(3), 3));
        assert_eq!((counts[1].quota, counts[1].count), (None, 7));
    }

    #[test]
    fn tie_at_the_quota_boundary_is_flagged_not_broken() {
        // Quota 3 of 10; places 3 and 4 tie at 97.
        let mut b = Builder::new();
        let ds = b
            .with_totals("二级学院", &[9900, 9800, 9700, 9700, 9500, 9400, 9300, 9200, 8500, 5000]);
        let r = score(&b.plan);
        let g = grades(&r, &ds);
        assert_eq!(&g[..2], ["优秀", "优秀"]);
        assert_eq!(&g[2..4], ["待定（优秀/良好）", "待定（优秀/良好）"]);
        assert_eq!(&g[4..], ["良好", "良好", "良好", "良好", "良好", "不合格"]);
        assert_eq!(r.department(ds[2]).grade.state, GradeState::Pending { higher: 0, lower: 1 });
        assert_eq!(r.ties.len(), 1);
        let tie = &r.ties[0];
        assert_eq!((tie.grade, tie.lower, tie.places), (0, 1, 1));
        assert_eq!(tie.total, pts(9700));
        assert_eq!(tie.tied, vec![ds[2], ds[3]]);
        let counts = &r.category(CategoryId(0)).grades;
        assert_eq!((counts[0].count, counts[0].pending), (2, 0));
        assert_eq!((counts[1].count, counts[1].pending), (7, 2));
    }

    #[test]
    fn tie_inside_the_quota_is_no_tie_at_the_boundary() {
        let mut b = Builder::new();
        let ds = b
            .with_totals("二级学院", &[9900, 9900, 9700, 9600, 9500, 9400, 9300, 9200, 8500, 5000]);
        let r = score(&b.plan);
        assert_eq!(&grades(&r, &ds)[..4], ["优秀", "优秀", "优秀", "良好"]);
        assert!(r.ties.is_empty());
    }

    #[test]
    fn pending_departments_take_places_of_the_lower_grade() {
        let mut b = Builder::new();
        b.plan.grading = vec![
            GradeRule {
                name: "优秀".into(),
                min: pts(9000),
                quota: Percent::from_basis_points(2000),
            },
            GradeRule {
                name: "良好".into(),
                min: pts(8000),
                quota: Percent::from_basis_points(3000),
            },
            GradeRule { name: "一般".into(), min: pts(0), quota: None },
        ];
        // n = 10: 优秀 2 places, 良好 3. 98 takes 优秀; 95 ×2 straddle the last place.
        let ds = b
            .with_totals("二级学院", &[9800, 9500, 9500, 9300, 9200, 9100, 8800, 8700, 8600, 8000]);
        let r = score(&b.plan);
        let g = grades(&r, &ds);
        assert_eq!(g[0], "优秀");
        assert_eq!(&g[1..3], ["待定（优秀/良好）", "待定（优秀/良好）"]);
        // Two of 良好's three places are held by the pending pair.
        assert_eq!(g[3], "良好");
        assert!(g[4..].iter().all(|g| g == "一般"), "{g:?}");
    }

    #[test]
    fn below_every_minimum_gets_the_last_grade() {
        let mut b = Builder::new();
        b.plan.grading = vec![
            GradeRule { name: "优秀".into(), min: pts(9000), quota: None },
            GradeRule { name: "不合格".into(), min: pts(6000), quota: None },
        ];
        let ds = b.with_totals("二级学院", &[9500, 4000]);
        let r = score(&b.plan);
        assert_eq!(grades(&r, &ds), ["优秀", "不合格"]);
    }

    #[test]
    fn default_rules_grade_by_minimum() {
        let mut b = Builder::new();
        let ds = b.with_totals("二级学院", &[9000, 8999, 8000, 6000, 5999]);
        let r = score(&b.plan);
        // 30% of 5 is 1: the single 优秀 place.
        assert_eq!(grades(&r, &ds), ["优秀", "良好", "良好", "合格", "不合格"]);
    }

    #[test]
    fn category_statistics() {
        let mut b = Builder::new();
        let ds = b.with_totals("二级学院", &[9000, 8000, 8001]);
        let r = score(&b.plan);
        let c = r.category(CategoryId(0));
        assert_eq!(c.count, 3);
        // (90 + 80 + 80.01) / 3 = 83.336…
        assert_eq!(c.mean, pts(8334));
        assert_eq!((c.highest, c.lowest), (pts(9000), pts(8000)));
        assert_eq!(c.ranking, vec![ds[0], ds[2], ds[1]]);
    }

    #[test]
    fn results_serialise_for_templates() {
        let mut b = Builder::new();
        b.with_totals("二级学院", &[9250]);
        let json = serde_json::to_value(score(&b.plan)).unwrap();
        let dept = &json["departments"][0];
        assert_eq!(dept["total"], 92.5);
        // 30% of one department is no 优秀 place at all.
        assert_eq!(dept["grade"]["text"], "良好");
        assert_eq!(dept["grade"]["state"]["kind"], "proposed");
    }

    #[test]
    fn last_year_is_compared_as_printed() {
        use crate::model::LastYear;
        let mut b = Builder::new();
        let ds = b.with_totals("二级学院", &[9250, 8800, 9000]);
        let last = |total: i64, rank: usize, same_category: bool| LastYearResult {
            name: "旧名".into(),
            same_category,
            total: pts(total),
            rank,
            grade: "良好".into(),
            origin: origin("汇总", 2),
        };
        b.plan.last_year = Some(LastYear::new(
            2020,
            "2020.xlsx".into(),
            vec![Some(last(9015, 3, true)), None, Some(last(9500, 1, false))],
        ));
        let r = score(&b.plan);
        let versus = |d: DeptId| r.department(d).versus.clone().unwrap();
        assert_eq!(
            versus(ds[0]),
            Versus::Compared {
                last: last(9015, 3, true),
                total_change: pts(235),
                rank_change: RankChange::Up(2),
            }
        );
        assert_eq!(versus(ds[1]), Versus::New);
        let Versus::Compared { total_change, rank_change, .. } = versus(ds[2]) else { panic!() };
        assert_eq!((total_change, rank_change), (pts(-500), RankChange::OtherCategory));
        assert_eq!(RankChange::between(2, 4).to_string(), "↓2");
        assert_eq!(RankChange::between(3, 3).to_string(), "—");
        assert_eq!(RankChange::between(4, 1).to_string(), "↑3");

        b.plan.last_year = None;
        assert_eq!(score(&b.plan).department(ds[0]).versus, None);
    }
}
