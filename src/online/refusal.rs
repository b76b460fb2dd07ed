//! Why a save, a submission or a link was refused: one variant per rule, each with the
//! Chinese sentence the evaluator's page shows next to the field and the log records.

use crate::model::Points;

/// A request online scoring turns down. Nothing was saved.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("链接无效或已被更换，请向考评办公室索取新的链接")]
    UnknownLink,
    #[error("{name}（{group}）不在当前工作簿的考评组中，无法网上评分")]
    UnknownEvaluator { group: String, name: String },
    #[error("网上评分尚未就绪：工作簿还没有通过检查")]
    NotReady,
    #[error("已提交，不能再修改；如需修改请联系考评办公室重新开放")]
    Submitted,
    #[error("尚未提交")]
    NotSubmitted,
    #[error("部门“{0}”不在部门表中")]
    UnknownDepartment(String),
    #[error("“{department}”不由{group}考评，您不能为它评分")]
    NotYourDepartment { department: String, group: String },
    #[error("您对“{department}”回避评分（{reason}）")]
    Recused { department: String, reason: String },
    #[error("指标“{indicator}”不适用于“{department}”")]
    UnknownIndicator { department: String, indicator: String },
    #[error("这一项已在{place}录入（{value} 分），不能在网上修改；如需修改请联系考评办公室")]
    EnteredElsewhere { place: String, value: Points },
    #[error("得分应为数字，实际为“{0}”")]
    NotANumber(String),
    #[error("得分最多保留两位小数，实际为 {0}")]
    TooManyDecimals(String),
    #[error("得分不能为负数，实际为 {0}")]
    Negative(Points),
    #[error("得分 {value} 超过指标 {indicator} 的分值 {max}")]
    AboveMax { value: Points, indicator: String, max: Points },
    #[error("备注最多 {max} 个字，实际为 {len} 个字")]
    NoteTooLong { len: usize, max: usize },
    #[error("备注含有不可见的控制字符，请删除后重试")]
    NoteControlCharacter,
}

impl Refusal {
    /// Whether the request named something its sender may not touch (another evaluator's
    /// department, a recused one, a wrong link) rather than a value the evaluator mistyped:
    /// the HTTP side answers 403 for these and 422 for the others.
    pub fn is_forbidden(&self) -> bool {
        matches!(
            self,
            Refusal::UnknownLink
                | Refusal::UnknownEvaluator { .. }
                | Refusal::Submitted
                | Refusal::NotYourDepartment { .. }
                | Refusal::Recused { .. }
                | Refusal::EnteredElsewhere { .. }
        )
    }
}
