//! The second job a front end can ask for, beside [`crate::build::build`]: the blank
//! scoring forms, one per evaluation group. Read → check → [`score_forms`] → refuse when
//! there is nothing to score. `kaoping forms` and the page's `forms.zip` both call
//! [`blank_forms`], so they refuse the same workbooks with the same messages and hand out
//! the same bytes; only where the forms go (a folder, a zip) is theirs.

use std::path::PathBuf;

use crate::build::read_inputs;
use crate::check::{Checked, check};
use crate::finding::{Findings, Severity};
use crate::forms::{ScoreForm, score_forms};
use crate::model::Plan;
use crate::workbook::ReadError;

/// The forms of one workbook set, with what the command line reports beside them.
#[derive(Debug)]
pub struct BlankForms {
    /// One per group with something to score, in group order; never empty.
    pub forms: Vec<ScoreForm>,
    pub plan: Plan,
    /// Warnings and hints of the check (no errors: those refuse).
    pub findings: Findings,
}

/// Why no forms were made. Every variant after reading carries the check's findings: the
/// command line lists them before the reason, as it does for a build.
#[derive(Debug, thiserror::Error)]
pub enum FormsError {
    #[error(transparent)]
    Read(#[from] ReadError),
    /// The input has errors; `findings` lists them all.
    #[error("输入有 {} 个错误，未生成评分表", findings.count(Severity::Error))]
    Input { findings: Findings },
    #[error("工作簿中没有指标（“指标”工作表缺失或为空），无法生成评分表；请先填写指标")]
    NoIndicators { findings: Findings },
    #[error("生成评分表失败：{source}")]
    Xlsx { findings: Findings, source: rust_xlsxwriter::XlsxError },
    #[error("没有需要评分的考评组（各组都没有评分成员，或没有适用的指标）")]
    NothingToScore { findings: Findings },
}

impl FormsError {
    /// The check's findings, when the workbooks could be read.
    pub fn findings(&self) -> Option<&Findings> {
        match self {
            Self::Read(_) => None,
            Self::Input { findings }
            | Self::NoIndicators { findings }
            | Self::Xlsx { findings, .. }
            | Self::NothingToScore { findings } => Some(findings),
        }
    }
}

/// Reads the workbooks at `paths` and makes their blank scoring forms in memory.
pub fn blank_forms(paths: &[PathBuf]) -> Result<BlankForms, FormsError> {
    let books = read_inputs(paths)?;
    let Checked { plan, findings, .. } = check(&books);
    let Some(plan) = plan else { return Err(FormsError::Input { findings }) };
    if plan.indicators.is_empty() {
        return Err(FormsError::NoIndicators { findings });
    }
    let forms = match score_forms(&plan) {
        Ok(forms) => forms,
        Err(source) => return Err(FormsError::Xlsx { findings, source }),
    };
    if forms.is_empty() {
        return Err(FormsError::NothingToScore { findings });
    }
    Ok(BlankForms { forms, plan, findings })
}
