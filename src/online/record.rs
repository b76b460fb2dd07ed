//! One evaluator's durable state, and its file: the scoring workbook in the scores folder.
//!
//! The workbook is the record: its 评分 sheet is exactly a `kaoping forms` form narrowed
//! to this evaluator, with the saved values and notes filled in, and a sheet `网上评分`
//! says whose it is and whether it was submitted. Keeping the submitted flag in the same
//! file as the values means one atomic rename covers both, so after a crash they can never
//! disagree, and the office sees the status when it opens the file in Excel; the reader of
//! `check` ignores sheets it does not know, so the extra sheet costs nothing there.

use std::collections::BTreeMap;
use std::path::Path;

use crate::check::{code_key, key, person_key};
use crate::model::{DeptId, IndicatorId, Plan, Points};
use crate::workbook::{self, Sheet, optional, required};

use super::OnlineError;
use super::context::{Context, Evaluator};

/// The sheet that carries the state besides the values.
pub const STATE_SHEET: &str = crate::forms::ONLINE_STATE_SHEET;
const STATE_SUBMITTED: &str = "已提交";

/// One cell of the evaluator's form, as saved online.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Entry {
    pub score: Option<Points>,
    pub note: Option<String>,
}

impl Entry {
    fn is_empty(&self) -> bool {
        self.score.is_none() && self.note.is_none()
    }
}

/// Names as keys, not plan indices, so that saved values stay attached to their department
/// and indicator when the workbook gains or loses rows.
pub type CellKey = (String, String);

pub fn cell_key(plan: &Plan, dept: DeptId, indicator: IndicatorId) -> CellKey {
    (key(&plan.department(dept).name), code_key(&plan.indicator(indicator).code))
}

/// Everything saved for one evaluator.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    pub entries: BTreeMap<CellKey, Entry>,
    /// When 提交 was pressed; `None` while scoring is open.
    pub submitted_at: Option<String>,
}

impl Record {
    pub fn entry(&self, plan: &Plan, dept: DeptId, indicator: IndicatorId) -> Entry {
        self.entries.get(&cell_key(plan, dept, indicator)).cloned().unwrap_or_default()
    }

    /// Sets one cell; an emptied cell is forgotten.
    pub fn set(&mut self, cell: CellKey, entry: Entry) {
        if entry.is_empty() {
            self.entries.remove(&cell);
        } else {
            self.entries.insert(cell, entry);
        }
    }

    /// Whether anything was saved online.
    pub fn is_started(&self) -> bool {
        self.entries.values().any(|e| e.score.is_some() || e.note.is_some())
    }
}

/// The workbook bytes of a record: the evaluator's form with the values in.
///
/// # Errors
/// What the form writer reports (text beyond Excel's limits).
pub fn render(
    ctx: &Context,
    evaluator: &Evaluator,
    record: &Record,
) -> Result<Vec<u8>, OnlineError> {
    let plan = &ctx.plan;
    let status = if record.submitted_at.is_some() { STATE_SUBMITTED } else { "评分中" };
    let state = [
        ("考评组", evaluator.id.group.as_str()),
        ("考评人", evaluator.id.name.as_str()),
        ("状态", status),
        ("提交时间", record.submitted_at.as_deref().unwrap_or("")),
        (
            "说明",
            "本工作簿由 kaoping serve 的网上评分自动保存，与收回的评分表一样读取；网上评分进行中请不要在 Excel 中修改。",
        ),
    ];
    let fill = |dept: DeptId, indicator: IndicatorId| -> crate::forms::Filled {
        let entry = record.entry(plan, dept, indicator);
        (entry.score, entry.note)
    };
    crate::forms::evaluator_form(plan, evaluator.member, &fill, &state)
        .map_err(|e| OnlineError::Form { file: evaluator.file_name.clone(), reason: e.to_string() })
}

/// Reads a record back from its workbook; `Ok(None)` when there is no file yet. Cells
/// that cannot be read (someone typed text into 得分 in Excel) are left out and described
/// in `warnings`, so one bad cell does not stop online scoring for everyone.
///
/// # Errors
/// The file exists but is not a readable workbook of this evaluator.
pub fn read(
    path: &Path,
    ctx: &Context,
    evaluator: &Evaluator,
    warnings: &mut Vec<String>,
) -> Result<Option<Record>, OnlineError> {
    if !path.exists() {
        return Ok(None);
    }
    let book = workbook::open(path)
        .map_err(|e| OnlineError::Damaged { path: path.to_path_buf(), reason: e.to_string() })?;
    let damaged = |reason: String| OnlineError::Damaged { path: path.to_path_buf(), reason };
    let scores = book.sheet("评分").ok_or_else(|| damaged("缺少“评分”工作表".into()))?;
    let mut record =
        Record { submitted_at: read_state(path, book.sheet(STATE_SHEET)), ..Record::default() };
    let columns = [
        required("部门"),
        required("考评人"),
        required("指标编号"),
        optional("得分"),
        optional("备注"),
    ];
    let table = scores.table(path, &columns).map_err(|f| damaged(f.to_string()))?;
    let me = person_key(&evaluator.id.name);
    let plan = &ctx.plan;
    for row in table.rows() {
        let (Ok(Some(dept)), Ok(Some(code)), Ok(Some(who))) =
            (row.text("部门"), row.text("指标编号"), row.text("考评人"))
        else {
            continue;
        };
        if person_key(&who) != me {
            continue;
        }
        // The writer's own remark on a recused row is not a note of the evaluator's.
        let recused = plan
            .dept_ids()
            .find(|&d| key(&plan.department(d).name) == key(&dept))
            .is_some_and(|d| plan.recuses(evaluator.member, d));
        if recused {
            continue;
        }
        let score = row.points("得分").unwrap_or_else(|f| {
            warnings.push(f.to_string());
            None
        });
        let note = row.text("备注").unwrap_or_else(|f| {
            warnings.push(f.to_string());
            None
        });
        record.set((key(&dept), code_key(&code)), Entry { score, note });
    }
    Ok(Some(record))
}

/// The submission time when the state sheet says 已提交.
fn read_state(path: &Path, sheet: Option<&Sheet>) -> Option<String> {
    let table = sheet?.table(path, &[required("项目"), optional("内容")]).ok()?;
    let value = |item: &str| {
        table
            .rows()
            .find(|r| r.text("项目").ok().flatten().as_deref() == Some(item))
            .and_then(|r| r.text("内容").ok().flatten())
    };
    (value("状态").as_deref() == Some(STATE_SUBMITTED))
        .then(|| value("提交时间").unwrap_or_else(|| "时间不详".to_string()))
}
