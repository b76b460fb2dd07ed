//! The input workbook as a format: its sheets, their columns, the facts of 文件信息 and the
//! words that cells must hold (roles, scoring methods, adjustment kinds). The reader
//! ([`check`](crate::check)), the blank workbook of `kaoping init`, the scoring forms, the
//! 正文 wording workbook and the sample generator all take their names from here, and a
//! test compares this module with the tables of the input contract
//! (`shared/spec/input-workbook.md`), so none of them can drift from the others or from
//! the spec. [`summary_format`](crate::summary_format) does the same for the workbook
//! kaoping writes.
//!
//! Help texts are the Chinese explanations the blank workbook shows for each sheet, column
//! and fact; they belong to the format because they say what a cell means.

/// Whether a workbook must have a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    Required,
    /// Without it the build makes the notice and the schedule only (指标).
    ForScoring,
    Optional,
}

impl Need {
    /// How the blank workbook's guide says it.
    pub fn label(self) -> &'static str {
        match self {
            Need::Required => "必需",
            Need::ForScoring => "计分时必需",
            Need::Optional => "可选",
        }
    }
}

/// One column of a sheet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The header, as the spec spells it.
    pub name: &'static str,
    /// The header must be present, or the reader refuses the sheet.
    pub required: bool,
    /// A data row must fill this cell (the guide's 必填).
    pub filled: bool,
    pub help: &'static str,
}

impl Column {
    /// The column as the table reader asks for it.
    pub const fn header(self) -> crate::workbook::Column {
        crate::workbook::Column { name: self.name, required: self.required }
    }
}

const fn column(name: &'static str, required: bool, filled: bool, help: &'static str) -> Column {
    Column { name, required, filled, help }
}

/// One sheet of the input workbook.
#[derive(Debug, Clone, Copy)]
pub struct Sheet {
    pub name: &'static str,
    pub need: Need,
    /// What the sheet is for, as the guide explains it.
    pub purpose: &'static str,
    pub columns: &'static [Column],
}

/// Sheet names, exactly as the input contract spells them.
pub mod sheets {
    pub const INFO: &str = "文件信息";
    pub const DEPARTMENTS: &str = "部门";
    pub const LEADERSHIP: &str = "领导小组";
    pub const GROUPS: &str = "考评组";
    pub const SCHEDULE: &str = "日程";
    pub const INDICATORS: &str = "指标";
    pub const SCORES: &str = "评分";
    pub const ADJUSTMENTS: &str = "加扣分";
    pub const GRADING: &str = "定等规则";
    pub const BODY: &str = "正文";
}

/// Every sheet kaoping reads, in the order a workbook is filled in.
pub static SHEETS: [Sheet; 10] = [
    Sheet {
        name: sheets::INFO,
        need: Need::Required,
        purpose: "文件的基本信息，一项一行：在“内容”列填写，“项目”列不要改动。每一项的说明和示例见该表右侧。",
        columns: &info::COLUMNS,
    },
    Sheet {
        name: sheets::DEPARTMENTS,
        need: Need::Required,
        purpose: "参加考评的部门，一行一个；考评报告按本表顺序编号。",
        columns: &departments::COLUMNS,
    },
    Sheet {
        name: sheets::LEADERSHIP,
        need: Need::Required,
        purpose: "考评工作领导小组，按本表顺序印在实施方案中。",
        columns: &leadership::COLUMNS,
    },
    Sheet {
        name: sheets::GROUPS,
        need: Need::Required,
        purpose: "各考评组及其成员，一人一行；每个类别由一个考评组考评。",
        columns: &groups::COLUMNS,
    },
    Sheet {
        name: sheets::SCHEDULE,
        need: Need::Required,
        purpose: "实地考评日程，一行一个时段；每个部门恰好排一次。",
        columns: &schedule::COLUMNS,
    },
    Sheet {
        name: sheets::INDICATORS,
        need: Need::ForScoring,
        purpose: "考评指标及分值；没有本表时只生成实施方案和工作安排表。",
        columns: &indicators::COLUMNS,
    },
    Sheet {
        name: sheets::SCORES,
        need: Need::Optional,
        purpose: "各考评人的评分，一人一部门一指标一行。也可以用 kaoping forms 为各考评组生成评分表，收回后与本工作簿一起读取（此时本表留空）。",
        columns: &scores::COLUMNS,
    },
    Sheet {
        name: sheets::ADJUSTMENTS,
        need: Need::Optional,
        purpose: "加分和扣分事项，包括职能部门认定的公共目标加减分。",
        columns: &adjustments::COLUMNS,
    },
    Sheet {
        name: sheets::GRADING,
        need: Need::Optional,
        purpose: "等次从高到低；没有本表时按默认规则（优秀 90 分以上且每类不超过 30%，良好 80，合格 60，其余不合格）。",
        columns: &grading::COLUMNS,
    },
    Sheet {
        name: sheets::BODY,
        need: Need::Optional,
        purpose: "实施方案的正文，一段一行。已填入内置正文（上一年度实施方案的措辞），在此基础上修改即可；删除本表则使用内置正文。\n从 Word 粘贴：在 Word 中选中正文复制，单击本表 A2 单元格（不要双击进入编辑状态）后粘贴，每段自动占一行；粘贴进同一个单元格也可以，会按换行分成多段。\n占位符自动填入：文件信息各项目写成 {单位名称}、{年度}、{领导小组办公室} 等（日期印成 2021年11月29日）；另有 {单位简称} {部门类别} {考评日期} {自查截止} {动员会日期} {动员会时刻} {考评组数} {具体工作负责人数}。要印出花括号本身，写 {{ 和 }}。\n单独一行的【领导小组名单】或【考评组名单：组名】换成对齐的人员名单（组名与考评组表一致）。\n红头、文号、标题、主送机关、附件说明、落款和版记仍来自其他表，不要写进本表。",
        columns: &body::COLUMNS,
    },
];

/// The sheet of this name.
pub fn sheet(name: &str) -> Option<&'static Sheet> {
    SHEETS.iter().find(|s| s.name == name)
}

/// 文件信息: one fact a row.
pub mod info {
    use super::{Column, column};

    pub const KEY: &str = "项目";
    pub const VALUE: &str = "内容";
    pub const COLUMNS: [Column; 2] = [
        column(KEY, true, true, "信息的名称（已列出全部可填项目）。"),
        column(VALUE, true, false, "该项的值，各项如下。"),
    ];

    /// One 项目 of 文件信息.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct Fact {
        pub key: &'static str,
        pub required: bool,
        pub help: &'static str,
    }

    const fn fact(key: &'static str, required: bool, help: &'static str) -> Fact {
        Fact { key, required, help }
    }

    pub const ORG: &str = "单位名称";
    pub const ORG_SHORT: &str = "单位简称";
    pub const YEAR: &str = "年度";
    pub const MARK: &str = "发文机关标志";
    pub const DOC_NUMBER: &str = "发文字号";
    pub const TITLE: &str = "标题";
    pub const RECIPIENTS: &str = "主送机关";
    pub const BASIS: &str = "依据文件";
    pub const SIGNER: &str = "发文机关署名";
    pub const DATE: &str = "成文日期";
    pub const EVAL_START: &str = "考评开始日期";
    pub const EVAL_END: &str = "考评结束日期";
    pub const SELF_CHECK_DEADLINE: &str = "自查截止日期";
    pub const MEETING: &str = "动员会时间";
    pub const MEETING_PLACE: &str = "动员会地点";
    pub const MEETING_ATTENDEES: &str = "动员会参加人员";
    pub const OFFICE: &str = "领导小组办公室";
    pub const OFFICE_DIRECTOR: &str = "办公室主任";
    pub const OFFICE_DEPUTY: &str = "办公室副主任";
    pub const CC: &str = "抄送";
    pub const PRINTER: &str = "印发机关";
    pub const PRINT_DATE: &str = "印发日期";
    pub const SCORING_METHOD: &str = "计分方法";
    pub const BONUS_CAP: &str = "加分上限";
    pub const SEAL: &str = "印章图片";
    /// The one fact that names a file for kaoping to read rather than wording to print.
    pub const LAST_YEAR: &str = "上年度结果";

    /// Every fact, in the order the blank workbook lists them: the one list that check
    /// reads by and the wording's placeholders are named by.
    pub static FACTS: [Fact; 26] = [
        fact(ORG, true, "本单位全称，用于各文件。"),
        fact(ORG_SHORT, false, "正文中对本单位的称呼；不填时由单位名称推出（学院、学校）。"),
        fact(YEAR, true, "考评年度，四位数。"),
        fact(MARK, false, "红头文字；不填时为“单位名称+文件”。"),
        fact(DOC_NUMBER, false, "年份用六角括号〔〕；写成 [ ] 或（ ）时自动改正。"),
        fact(TITLE, false, "实施方案的标题；不填时为“单位名称+年度+年度绩效考评工作实施方案”。"),
        fact(RECIPIENTS, false, "实施方案的主送机关。"),
        fact(BASIS, false, "实施方案第一段引用的文件，多个用顿号分隔。"),
        fact(SIGNER, true, "落款署名。"),
        fact(DATE, true, "落款日期。"),
        fact(EVAL_START, true, "实地考评的第一天；日程中的日期须在考评期间内。"),
        fact(EVAL_END, true, "实地考评的最后一天。"),
        fact(SELF_CHECK_DEADLINE, true, "须早于考评开始日期。"),
        fact(MEETING, true, "日期和时间写在同一格；星期几自动算出，不用填写。"),
        fact(MEETING_PLACE, true, ""),
        fact(MEETING_ATTENDEES, false, ""),
        fact(OFFICE, true, "领导小组办公室设在哪个部门。"),
        fact(OFFICE_DIRECTOR, false, "在考评结果汇总表上作为审核人。"),
        fact(OFFICE_DEPUTY, false, ""),
        fact(CC, false, "版记中的抄送机关。"),
        fact(PRINTER, false, "版记中的印发机关。"),
        fact(PRINT_DATE, false, "版记中的印发日期，不早于成文日期。"),
        fact(
            SCORING_METHOD,
            false,
            "平均，或去掉最高最低分后平均（同一指标评分不少于 3 人时去掉一个最高分和一个最低分）；不填为平均。",
        ),
        fact(BONUS_CAP, false, "每个部门加分合计的上限；扣分不设上限；不填则加分不设上限。"),
        fact(SEAL, false, "盖在落款日期上的印章图片（PNG），路径相对于本工作簿所在的文件夹。"),
        fact(
            LAST_YEAR,
            false,
            "上年度 kaoping 生成的“……考评结果汇总.xlsx”，路径相对于本工作簿所在的文件夹；填写后考评报告和汇总表与上年度比较。也可以把该文件和本工作簿一起交给 kaoping build。",
        ),
    ];

    /// Whether `key` is a fact that must be filled.
    pub fn is_required(key: &str) -> bool {
        FACTS.iter().any(|f| f.key == key && f.required)
    }
}

/// 部门: one department a row.
pub mod departments {
    use super::{Column, column};

    pub const NAME: &str = "部门名称";
    pub const CATEGORY: &str = "类别";
    pub const HEAD: &str = "负责人";
    pub const SHORT: &str = "简称";
    /// The name last year's results know a renamed or merged department by.
    pub const FORMER_NAME: &str = "原名称";
    pub const COLUMNS: [Column; 5] = [
        column(NAME, true, true, "部门全称，不能重复。"),
        column(
            CATEGORY,
            true,
            true,
            "部门所属的类别，如 二级学院、处（室）；每个类别由一个考评组考评。",
        ),
        column(HEAD, false, false, "部门主要负责人。"),
        column(SHORT, false, false, "部门名称较长时在表格中使用的简称。"),
        column(
            FORMER_NAME,
            false,
            false,
            "部门更名或合并后，填写它在上年度考评结果中的名称，以便与上年度比较；未填写且上年度没有同名部门的，按新增部门处理。",
        ),
    ];
}

/// 领导小组: one person a row, in printing order.
pub mod leadership {
    use super::{Column, column};

    pub const ROLE: &str = "小组职务";
    pub const NAME: &str = "姓名";
    pub const POST: &str = "职务";
    pub const COLUMNS: [Column; 3] = [
        column(ROLE, true, true, "组长、副组长或成员。"),
        column(NAME, true, true, ""),
        column(POST, true, false, "本人的行政职务。"),
    ];
}

/// 考评组: one member a row.
pub mod groups {
    use super::{Column, column};

    pub const GROUP: &str = "考评组";
    pub const TARGET: &str = "考评对象";
    pub const ROLE: &str = "小组职务";
    pub const NAME: &str = "姓名";
    pub const POST: &str = "职务";
    pub const HOME: &str = "所在部门";
    pub const PHONE: &str = "联系电话";
    pub const COLUMNS: [Column; 7] = [
        column(GROUP, true, true, "考评组名称；同一组的每一行写同一名称。"),
        column(TARGET, true, true, "本组考评的类别，须与“部门”表中的类别一致。"),
        column(ROLE, true, true, "组长、副组长、成员或具体工作负责人（具体工作负责人不评分）。"),
        column(NAME, true, true, "评分按姓名核对考评人，同一组内不能重名。"),
        column(POST, true, false, "本人的行政职务。"),
        column(HOME, false, false, "本人所在部门；若该部门正是本组的考评对象，本人对它回避评分。"),
        column(PHONE, false, false, ""),
    ];
}

/// 日程: one visit slot a row.
pub mod schedule {
    use super::{Column, column};

    pub const CATEGORY: &str = "类别";
    pub const DEPARTMENTS: &str = "部门";
    pub const DATE: &str = "日期";
    pub const TIME: &str = "时间";
    pub const PLACE: &str = "地点";
    pub const COLUMNS: [Column; 5] = [
        column(CATEGORY, true, true, "须与“部门”表中的类别一致。"),
        column(DEPARTMENTS, true, true, "该时段考评的部门，按考评顺序；多个部门用顿号分隔。"),
        column(DATE, true, true, "须在考评开始日期至考评结束日期之间。"),
        column(TIME, true, true, "开始时间，如 10:30 或 下午4:00。"),
        column(PLACE, false, false, ""),
    ];
}

/// 指标: one indicator a row.
pub mod indicators {
    use super::{Column, column};

    pub const CODE: &str = "指标编号";
    pub const TARGET: &str = "考评对象";
    pub const LEVEL1: &str = "一级指标";
    pub const LEVEL2: &str = "二级指标";
    pub const MAX: &str = "分值";
    pub const POINTS: &str = "考评要点";
    pub const COLUMNS: [Column; 6] = [
        column(CODE, true, true, "不能重复，如 A01。"),
        column(TARGET, true, true, "适用的类别（与“部门”表一致），适用于所有部门时填“全部”。"),
        column(LEVEL1, true, true, ""),
        column(LEVEL2, true, true, ""),
        column(MAX, true, true, "该指标的满分，大于 0。"),
        column(POINTS, false, false, ""),
    ];
}

/// 评分: one score a row, in the main workbook or a returned scoring form.
pub mod scores {
    use super::{Column, column};

    pub const DEPARTMENT: &str = "部门";
    pub const CODE: &str = "指标编号";
    pub const EVALUATOR: &str = "考评人";
    pub const SCORE: &str = "得分";
    pub const NOTE: &str = "备注";
    pub const COLUMNS: [Column; 5] = [
        column(DEPARTMENT, true, true, "被考评的部门。"),
        column(CODE, true, true, "“指标”表中的编号。"),
        column(EVALUATOR, true, true, "考评该部门的考评组成员的姓名。"),
        column(SCORE, true, false, "0 到该指标分值之间，最多两位小数；留空表示尚未评分。"),
        column(NOTE, false, false, "扣分理由等。"),
    ];
}

/// 加扣分: one bonus or deduction a row.
pub mod adjustments {
    use super::{Column, column};

    pub const DEPARTMENT: &str = "部门";
    pub const KIND: &str = "类型";
    pub const POINTS: &str = "分值";
    pub const REASON: &str = "事由";
    pub const CONFIRMED_BY: &str = "认定部门";
    pub const EVIDENCE: &str = "佐证材料";
    pub const COLUMNS: [Column; 6] = [
        column(DEPARTMENT, true, true, "加分或扣分的部门。"),
        column(KIND, true, true, "加分或扣分。"),
        column(POINTS, true, true, "正数；扣分也填正数。"),
        column(REASON, true, true, ""),
        column(CONFIRMED_BY, true, true, "认定该事项的部门。"),
        column(EVIDENCE, false, false, ""),
    ];
}

/// 定等规则: one grade a row, highest first.
pub mod grading {
    use super::{Column, column};

    pub const GRADE: &str = "等次";
    pub const MIN: &str = "最低分";
    pub const QUOTA: &str = "比例上限";
    pub const COLUMNS: [Column; 3] = [
        column(GRADE, true, true, ""),
        column(MIN, true, true, "达到该等次的最低总分；最后一个等次填 0。"),
        column(QUOTA, false, false, "该等次在每个类别中所占比例的上限，如 30%；不填为不限。"),
    ];
}

/// 正文: one paragraph a row.
pub mod body {
    use super::{Column, column};

    pub const PARAGRAPH: &str = "正文";
    pub const COLUMNS: [Column; 1] = [column(
        PARAGRAPH,
        true,
        true,
        "一行一段。层次由开头的编号决定：“一、”黑体，“（一）”楷体，“1.”仿宋加粗，“（1）”仿宋。没有句读标点的编号行是标题，与下一段排在同一页；编号后首句以“。”结束且后面还有内容的，首句按该层次的字体排，其余为仿宋。",
    )];
}

/// The words a cell must hold where the format allows only a few.
pub mod labels {
    /// 小组职务 in 领导小组 and 考评组.
    pub const LEADER: &str = "组长";
    pub const DEPUTY: &str = "副组长";
    pub const MEMBER: &str = "成员";
    /// Only in 考评组: organises the group's work and does not score.
    pub const COORDINATOR: &str = "具体工作负责人";
    pub const LEADER_ROLES: [&str; 3] = [LEADER, DEPUTY, MEMBER];
    pub const MEMBER_ROLES: [&str; 4] = [LEADER, DEPUTY, MEMBER, COORDINATOR];

    /// 计分方法 of 文件信息.
    pub const MEAN: &str = "平均";
    pub const TRIMMED_MEAN: &str = "去掉最高最低分后平均";
    pub const SCORING_METHODS: [&str; 2] = [MEAN, TRIMMED_MEAN];

    /// 类型 of 加扣分.
    pub const BONUS: &str = "加分";
    pub const DEDUCTION: &str = "扣分";
    pub const ADJUSTMENT_KINDS: [&str; 2] = [BONUS, DEDUCTION];

    /// 考评对象 of an indicator that applies to every category.
    pub const ALL_CATEGORIES: &str = "全部";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_texts_fit_excel_input_messages() {
        // Excel limits an input message to 255 UTF-16 units; the blank workbook shows
        // every help text as one.
        for f in info::FACTS {
            assert!(f.help.encode_utf16().count() <= 255, "{}", f.key);
        }
        for s in SHEETS {
            for c in s.columns {
                assert!(c.help.encode_utf16().count() <= 255, "{}.{}", s.name, c.name);
            }
        }
    }

    #[test]
    fn names_are_unique_within_their_list() {
        let mut keys: Vec<&str> = info::FACTS.iter().map(|f| f.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), info::FACTS.len());
        for s in SHEETS {
            let mut names: Vec<&str> = s.columns.iter().map(|c| c.name).collect();
            names.sort_unstable();
            names.dedup();
            assert_eq!(names.len(), s.columns.len(), "{}", s.name);
        }
    }
}

#[cfg(test)]
mod spec;
