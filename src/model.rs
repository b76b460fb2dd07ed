//! The validated model of one year's evaluation.
//!
//! Everything here has passed `check`: names are unique, references resolve (an id is an
//! index that exists), dates are in order and a [`Score`] never exceeds its indicator's
//! maximum. Later stages therefore never re-validate; they cannot be handed an illegal
//! state because only `check` constructs these types (unit tests of the later stages
//! build small plans directly, such as `score`'s test builder).
//!
//! The model serialises with serde so templates can read it; ids serialise as plain
//! indices.

use std::fmt;
use std::path::PathBuf;

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use serde::{Serialize, Serializer};

use crate::finding::{CellRef, Location};
use crate::input_format::labels;

pub mod body;

pub use body::{Body, Paragraph};

/// An amount of points in exact hundredths (`92.5` is `Points(9250)`). Input scores,
/// maxima and bonus items never need more than two decimals; keeping them as integers
/// means sums never drift the way binary floats do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Points(i64);

impl Points {
    pub const ZERO: Points = Points(0);

    pub fn from_hundredths(hundredths: i64) -> Self {
        Self(hundredths)
    }

    pub fn hundredths(self) -> i64 {
        self.0
    }

    /// Converts a value read from a cell; `None` when it has more than two decimals or is
    /// not finite (the caller reports the cell).
    pub fn from_f64_exact(value: f64) -> Option<Self> {
        if !value.is_finite() || value.abs() > 1e12 {
            return None;
        }
        let scaled = value * 100.0;
        let rounded = scaled.round();
        // Cells typed as 92.35 arrive as 92.349999…; accept what is a two-decimal number
        // up to float noise, refuse 8.333.
        if (scaled - rounded).abs() > 1e-6 * scaled.abs().max(1.0) {
            return None;
        }
        Some(Self(rounded as i64))
    }

    pub fn to_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }
}

impl std::ops::Add for Points {
    type Output = Points;
    fn add(self, rhs: Points) -> Points {
        Points(self.0 + rhs.0)
    }
}

impl std::ops::Sub for Points {
    type Output = Points;
    fn sub(self, rhs: Points) -> Points {
        Points(self.0 - rhs.0)
    }
}

impl std::iter::Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        Points(iter.map(|p| p.0).sum())
    }
}

/// Shortest exact form: `20`, `92.5`, `8.25`.
impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (int, frac) = (abs / 100, abs % 100);
        match frac {
            0 => write!(f, "{sign}{int}"),
            f10 if f10 % 10 == 0 => write!(f, "{sign}{int}.{}", f10 / 10),
            _ => write!(f, "{sign}{int}.{frac:02}"),
        }
    }
}

impl Serialize for Points {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.to_f64())
    }
}

/// A score that has been checked against its indicator: `0 ≤ value ≤ max`. The only way to
/// get one is [`Score::new`], so code after `check` can rely on the bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct Score(Points);

/// Why a number cannot be a score of an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreError {
    Negative,
    AboveMax { max: Points },
}

impl Score {
    pub fn new(value: Points, max: Points) -> Result<Self, ScoreError> {
        if value.is_negative() {
            Err(ScoreError::Negative)
        } else if value > max {
            Err(ScoreError::AboveMax { max })
        } else {
            Ok(Self(value))
        }
    }

    pub fn points(self) -> Points {
        self.0
    }
}

/// A share such as `30%`, in exact hundredths of a percent (`30%` is `3000`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Percent(u32);

impl Percent {
    pub fn from_basis_points(bp: u32) -> Option<Self> {
        (bp <= 10_000).then_some(Self(bp))
    }

    pub fn basis_points(self) -> u32 {
        self.0
    }

    /// ⌊share × n⌋, exactly.
    pub fn quota_of(self, n: usize) -> usize {
        (self.0 as usize * n) / 10_000
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", Points::from_hundredths(self.0 as i64))
    }
}

impl Serialize for Percent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[serde(transparent)]
        pub struct $name(pub usize);
    )*};
}

id_type! {
    /// Index into [`Plan::categories`].
    CategoryId;
    /// Index into [`Plan::departments`].
    DeptId;
    /// Index into [`Plan::groups`].
    GroupId;
    /// Index into [`Plan::indicators`].
    IndicatorId;
}

/// A member of an evaluation group: the group and the index into its `members`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct MemberId {
    pub group: GroupId,
    pub index: usize,
}

/// Where a value came from, for messages of later stages (glyph coverage, scoring notes).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Origin {
    pub file: PathBuf,
    pub sheet: String,
    pub cell: CellRef,
}

impl Origin {
    pub fn location(&self) -> Location {
        Location::cell(&self.file, &self.sheet, self.cell)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}!{}", self.sheet, self.cell)
    }
}

/// One year's evaluation, validated.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub info: DocumentInfo,
    /// In the order of first appearance in 部门.
    pub categories: Vec<Category>,
    /// In the order of the 部门 sheet; reports are numbered in this order.
    pub departments: Vec<Department>,
    pub leadership: Vec<Leader>,
    pub groups: Vec<Group>,
    /// In the order of the 日程 sheet.
    pub schedule: Vec<Slot>,
    pub indicators: Vec<Indicator>,
    /// Accepted scores only: refused ones (recusal, out of range…) are findings instead.
    pub scores: Vec<ScoreEntry>,
    pub adjustments: Vec<Adjustment>,
    /// Highest grade first; the last one catches every total below the others.
    pub grading: Vec<GradeRule>,
    /// The 正文 sheet's wording; `None` for the built-in wording.
    pub body: Option<Body>,
    /// Last year's results, when its summary workbook was given.
    pub last_year: Option<LastYear>,
}

/// The facts of the 文件信息 sheet.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentInfo {
    /// 单位名称
    pub org: String,
    /// How the prose refers to the institution itself (`学院` for a 学院): 单位简称, or
    /// derived from 单位名称.
    pub org_short: String,
    /// 年度
    pub year: i32,
    /// 发文机关标志 (defaults to `{单位名称}文件`)
    pub mark: String,
    /// 发文字号, normalised to 〔year〕.
    pub doc_number: Option<String>,
    /// 标题 (defaults to `{单位名称}{年度}年度绩效考评工作实施方案`)
    pub title: String,
    /// 主送机关
    pub recipients: Option<String>,
    /// 依据文件
    pub basis: Option<String>,
    /// 发文机关署名
    pub signer: String,
    /// 成文日期
    pub date: NaiveDate,
    /// 考评开始日期
    pub eval_start: NaiveDate,
    /// 考评结束日期
    pub eval_end: NaiveDate,
    /// 自查截止日期
    pub self_check_deadline: NaiveDate,
    /// 动员会时间
    pub meeting: NaiveDateTime,
    /// 动员会地点
    pub meeting_place: String,
    /// 动员会参加人员
    pub meeting_attendees: Option<String>,
    /// 领导小组办公室
    pub office: String,
    /// 办公室主任
    pub office_director: Option<String>,
    /// 办公室副主任
    pub office_deputy: Option<String>,
    /// 抄送
    pub cc: Option<String>,
    /// 印发机关
    pub printer: Option<String>,
    /// 印发日期
    pub print_date: Option<NaiveDate>,
    /// 计分方法
    pub scoring_method: ScoringMethod,
    /// 加分上限
    pub bonus_cap: Option<Points>,
    /// 印章图片, resolved against the workbook's folder.
    pub seal: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum ScoringMethod {
    /// 平均
    Mean,
    /// 去掉最高最低分后平均 (only with at least three scores)
    TrimmedMean,
}

impl ScoringMethod {
    pub fn label(self) -> &'static str {
        match self {
            ScoringMethod::Mean => labels::MEAN,
            ScoringMethod::TrimmedMean => labels::TRIMMED_MEAN,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Category {
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Department {
    /// 部门名称
    pub name: String,
    pub category: CategoryId,
    /// 负责人
    pub head: Option<String>,
    /// 简称
    pub short: Option<String>,
    /// 原名称: the name last year's results know this department by.
    pub former_name: Option<FormerName>,
    pub origin: Origin,
}

/// A department's 原名称 and the cell it was typed in.
#[derive(Debug, Clone, Serialize)]
pub struct FormerName {
    pub name: String,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LeaderRole {
    Leader,
    Deputy,
    Member,
}

impl LeaderRole {
    pub fn label(self) -> &'static str {
        match self {
            LeaderRole::Leader => labels::LEADER,
            LeaderRole::Deputy => labels::DEPUTY,
            LeaderRole::Member => labels::MEMBER,
        }
    }
}

/// A row of 领导小组, printed in sheet order.
#[derive(Debug, Clone, Serialize)]
pub struct Leader {
    pub role: LeaderRole,
    pub name: String,
    /// 职务
    pub post: String,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MemberRole {
    Leader,
    Deputy,
    Member,
    /// 具体工作负责人: coordinates the group's work and does not score.
    Coordinator,
}

impl MemberRole {
    pub fn label(self) -> &'static str {
        match self {
            MemberRole::Leader => labels::LEADER,
            MemberRole::Deputy => labels::DEPUTY,
            MemberRole::Member => labels::MEMBER,
            MemberRole::Coordinator => labels::COORDINATOR,
        }
    }

    /// Whether members with this role are expected to hand in scores.
    pub fn scores(self) -> bool {
        !matches!(self, MemberRole::Coordinator)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Group {
    /// 考评组
    pub name: String,
    /// 考评对象: the category this group evaluates (exactly one group per category).
    pub target: CategoryId,
    /// In sheet order.
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub role: MemberRole,
    pub name: String,
    /// 职务
    pub post: String,
    /// 所在部门 as written.
    pub home: Option<String>,
    /// 所在部门 when it names a department of the plan.
    pub home_dept: Option<DeptId>,
    /// 联系电话
    pub phone: Option<String>,
    pub origin: Origin,
}

/// One row of 日程: a category's group visits these departments, in this order.
#[derive(Debug, Clone, Serialize)]
pub struct Slot {
    pub category: CategoryId,
    pub departments: Vec<DeptId>,
    pub date: NaiveDate,
    pub time: NaiveTime,
    pub place: Option<String>,
    pub origin: Origin,
}

/// 考评对象 of an indicator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Applies {
    /// 全部
    All,
    Category(CategoryId),
}

impl Applies {
    pub fn includes(self, category: CategoryId) -> bool {
        match self {
            Applies::All => true,
            Applies::Category(c) => c == category,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Indicator {
    /// 指标编号
    pub code: String,
    pub applies: Applies,
    /// 一级指标
    pub level1: String,
    /// 二级指标
    pub level2: String,
    /// 分值
    pub max: Points,
    /// 考评要点
    pub guidance: Option<String>,
    pub origin: Origin,
}

/// One accepted row of 评分.
#[derive(Debug, Clone, Serialize)]
pub struct ScoreEntry {
    pub dept: DeptId,
    pub indicator: IndicatorId,
    pub evaluator: MemberId,
    pub score: Score,
    /// 备注
    pub note: Option<String>,
    pub origin: Origin,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum AdjustmentKind {
    /// 加分
    Bonus,
    /// 扣分
    Deduction,
}

impl AdjustmentKind {
    pub fn label(self) -> &'static str {
        match self {
            AdjustmentKind::Bonus => labels::BONUS,
            AdjustmentKind::Deduction => labels::DEDUCTION,
        }
    }
}

/// One row of 加扣分.
#[derive(Debug, Clone, Serialize)]
pub struct Adjustment {
    pub dept: DeptId,
    pub kind: AdjustmentKind,
    /// Always positive; `kind` says which way it counts.
    pub amount: Points,
    /// 事由
    pub reason: String,
    /// 认定部门
    pub authority: String,
    /// 佐证材料
    pub evidence: Option<String>,
    pub origin: Origin,
}

/// One row of 定等规则.
#[derive(Debug, Clone, Serialize)]
pub struct GradeRule {
    /// 等次
    pub name: String,
    /// 最低分
    pub min: Points,
    /// 比例上限
    pub quota: Option<Percent>,
}

impl GradeRule {
    /// 优秀 ≥ 90 (at most 30% per category), 良好 ≥ 80, 合格 ≥ 60, 不合格 below.
    pub fn defaults() -> Vec<GradeRule> {
        let rule = |name: &str, min: i64, quota: Option<u32>| GradeRule {
            name: name.to_string(),
            min: Points::from_hundredths(min * 100),
            quota: quota.and_then(Percent::from_basis_points),
        };
        vec![
            rule("优秀", 90, Some(3000)),
            rule("良好", 80, None),
            rule("合格", 60, None),
            rule("不合格", 0, None),
        ]
    }
}

/// Last year's results as last year's summary workbook states them: read, never
/// recomputed, and matched to this year's departments.
#[derive(Debug, Clone, Serialize)]
pub struct LastYear {
    /// 年度 of the summary (always this year's 年度 − 1).
    pub year: i32,
    /// The summary workbook it came from.
    pub file: PathBuf,
    /// Indexed by [`DeptId`]; `None` for a department that is new this year (新增).
    matches: Vec<Option<LastYearResult>>,
}

impl LastYear {
    /// `matches` holds one entry per department of the plan, in 部门 order.
    pub fn new(year: i32, file: PathBuf, matches: Vec<Option<LastYearResult>>) -> Self {
        Self { year, file, matches }
    }

    /// What last year's summary says about this department; `None` when it is new.
    pub fn of(&self, dept: DeptId) -> Option<&LastYearResult> {
        self.matches.get(dept.0).and_then(Option::as_ref)
    }
}

/// One row of last year's 汇总.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LastYearResult {
    /// The department's name last year (its 原名称 when it was renamed).
    pub name: String,
    /// Whether it was in the category it is in this year; ranks compare only then.
    pub same_category: bool,
    pub total: Points,
    pub rank: usize,
    /// 建议等次 as printed.
    pub grade: String,
    /// The row's 部门 cell in last year's summary.
    pub origin: Origin,
}

impl Plan {
    pub fn category(&self, id: CategoryId) -> &Category {
        &self.categories[id.0]
    }

    pub fn department(&self, id: DeptId) -> &Department {
        &self.departments[id.0]
    }

    pub fn group(&self, id: GroupId) -> &Group {
        &self.groups[id.0]
    }

    pub fn indicator(&self, id: IndicatorId) -> &Indicator {
        &self.indicators[id.0]
    }

    pub fn member(&self, id: MemberId) -> &Member {
        &self.groups[id.group.0].members[id.index]
    }

    pub fn dept_ids(&self) -> impl Iterator<Item = DeptId> + '_ {
        (0..self.departments.len()).map(DeptId)
    }

    /// Departments of a category, in 部门 order.
    pub fn departments_in(&self, category: CategoryId) -> impl Iterator<Item = DeptId> + '_ {
        self.dept_ids().filter(move |&d| self.department(d).category == category)
    }

    /// The group whose 考评对象 is this category (check guarantees exactly one).
    pub fn group_for(&self, category: CategoryId) -> GroupId {
        let index = self
            .groups
            .iter()
            .position(|g| g.target == category)
            .expect("check guarantees one group per category");
        GroupId(index)
    }

    /// Indicators that apply to a department, in sheet order.
    pub fn indicators_for(&self, dept: DeptId) -> impl Iterator<Item = IndicatorId> + '_ {
        let category = self.department(dept).category;
        (0..self.indicators.len())
            .map(IndicatorId)
            .filter(move |&i| self.indicator(i).applies.includes(category))
    }

    /// Whether this member must stay out of scoring this department.
    pub fn recuses(&self, member: MemberId, dept: DeptId) -> bool {
        self.member(member).home_dept == Some(dept)
    }

    /// Members expected to score a department: the scoring members of its group minus
    /// those who recuse.
    pub fn evaluators_of(&self, dept: DeptId) -> Vec<MemberId> {
        let group = self.group_for(self.department(dept).category);
        self.group(group)
            .members
            .iter()
            .enumerate()
            .map(|(index, _)| MemberId { group, index })
            .filter(|&m| self.member(m).role.scores() && !self.recuses(m, dept))
            .collect()
    }

    /// The slot in which a department is visited (check guarantees exactly one).
    pub fn slot_of(&self, dept: DeptId) -> Option<&Slot> {
        self.schedule.iter().find(|s| s.departments.contains(&dept))
    }

    /// The departments of a category in the order its group visits them: by date and time
    /// of their 日程 slot (sheet order among equal times, order within a slot as written),
    /// then any department without a slot in 部门 order.
    pub fn visit_order(&self, category: CategoryId) -> Vec<DeptId> {
        let mut slots: Vec<_> = self.schedule.iter().filter(|s| s.category == category).collect();
        slots.sort_by_key(|s| (s.date, s.time));
        let mut order: Vec<DeptId> = Vec::new();
        for dept in slots
            .iter()
            .flat_map(|s| s.departments.iter().copied())
            .chain(self.departments_in(category))
        {
            if self.department(dept).category == category && !order.contains(&dept) {
                order.push(dept);
            }
        }
        order
    }
}

/// `11月26日`
pub fn month_day(date: NaiveDate) -> String {
    format!("{}月{}日", date.month(), date.day())
}

/// `2021年11月8日`: full year, no zero padding, as GB/T 9704 writes 成文日期.
pub fn full_date(date: NaiveDate) -> String {
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// `周五`, computed from the date, never typed.
pub fn weekday(date: NaiveDate) -> &'static str {
    const NAMES: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
    NAMES[date.weekday().num_days_from_monday() as usize]
}

/// `上午10:30` / `下午16:00`: the reference writes afternoon hours on the 24-hour clock
/// after 下午, and so do we.
pub fn clock_time(time: NaiveTime) -> String {
    let half = if time.hour() < 12 { "上午" } else { "下午" };
    format!("{half}{}:{:02}", time.hour(), time.minute())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_display_shortest_exact_form() {
        assert_eq!(Points::from_hundredths(2000).to_string(), "20");
        assert_eq!(Points::from_hundredths(9250).to_string(), "92.5");
        assert_eq!(Points::from_hundredths(825).to_string(), "8.25");
        assert_eq!(Points::from_hundredths(-50).to_string(), "-0.5");
    }

    #[test]
    fn points_accept_two_decimals_only() {
        assert_eq!(Points::from_f64_exact(92.35), Some(Points::from_hundredths(9235)));
        assert_eq!(Points::from_f64_exact(8.333), None);
        assert_eq!(Points::from_f64_exact(f64::NAN), None);
    }

    #[test]
    fn score_cannot_exceed_max_or_be_negative() {
        let max = Points::from_hundredths(2000);
        assert!(Score::new(Points::from_hundredths(2000), max).is_ok());
        assert_eq!(
            Score::new(Points::from_hundredths(12000), max),
            Err(ScoreError::AboveMax { max })
        );
        assert_eq!(Score::new(Points::from_hundredths(-1), max), Err(ScoreError::Negative));
    }

    #[test]
    fn quota_is_floor_of_share() {
        let p = Percent::from_basis_points(3000).unwrap();
        assert_eq!(p.quota_of(10), 3);
        assert_eq!(p.quota_of(18), 5);
        assert_eq!(p.quota_of(3), 0);
        assert_eq!(p.to_string(), "30%");
    }

    #[test]
    fn dates_are_written_the_chinese_way() {
        let d = NaiveDate::from_ymd_opt(2021, 11, 26).unwrap();
        assert_eq!(weekday(d), "周五");
        assert_eq!(month_day(d), "11月26日");
        assert_eq!(full_date(NaiveDate::from_ymd_opt(2021, 11, 8).unwrap()), "2021年11月8日");
        assert_eq!(clock_time(NaiveTime::from_hms_opt(10, 30, 0).unwrap()), "上午10:30");
        assert_eq!(clock_time(NaiveTime::from_hms_opt(16, 0, 0).unwrap()), "下午16:00");
    }
}
