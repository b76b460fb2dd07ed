//! 网上评分: evaluators score on their phones, and the scores land in the scores folder as
//! ordinary scoring workbooks. This module is the library side, without HTTP: the folder,
//! validation of every save, the personal links, the log, the evaluator's and the office's
//! view, and the slips with the links.
//!
//! [`Scoring`] is the one entry. `serve` opens it on the scores folder (`网上评分/` beside
//! the first workbook, see [`default_dir`]), hands it every plan that checks
//! ([`Scoring::refresh`]) and calls its methods from blocking tasks: a save returns only
//! after the evaluator's workbook is on the disk ([`durable`]).
//!
//! Locking: one mutex per evaluator around their record and file, so evaluators never wait
//! for each other's disk writes and one evaluator's saves are serialised (no lost update);
//! the plan-derived [`Context`](context::Context) is swapped whole under a read-write lock
//! and each call works on the snapshot it started with; the link store has its own mutex.

mod context;
pub mod durable;
pub mod links;
pub mod log;
mod record;
mod refusal;
pub mod slips;
mod view;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use serde::{Deserialize, Serialize};

use crate::model::{Plan, Points, Score};
use crate::workbook::value;

pub use links::{LINKS_FILE, Secret};
pub use log::{LOG_FILE, LogEntry};
pub use refusal::Refusal;
pub use view::{
    DepartmentView, ElsewhereView, EvaluatorSummary, EvaluatorView, IndicatorView, Status,
};

use context::Context;
use links::Links;
use log::Log;
use record::Record;

/// The scores folder's name beside the first workbook.
pub const DEFAULT_DIR: &str = "网上评分";

/// The path of every personal link, before the secret: `http://host:port/s/<secret>`.
pub const LINK_PATH: &str = "/s/";

/// The longest 备注 accepted online, in characters: a remark, not an essay, and far below
/// Excel's 32767 per cell.
pub const NOTE_MAX_CHARS: usize = 500;

/// `网上评分/` beside the first workbook.
pub fn default_dir(first_workbook: &Path) -> PathBuf {
    first_workbook.parent().unwrap_or(Path::new(".")).join(DEFAULT_DIR)
}

/// The personal link of a secret under `base` (`http://192.168.1.20:8000`).
pub fn link_url(base: &str, secret: &str) -> String {
    format!("{}{LINK_PATH}{secret}", base.trim_end_matches('/'))
}

/// An evaluator, by the names the workbook gives: stable across edits of other rows, and
/// what the link store and the office page's requests name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct EvaluatorId {
    pub group: String,
    pub name: String,
}

impl EvaluatorId {
    pub fn new(group: &str, name: &str) -> Self {
        Self { group: group.trim().to_string(), name: name.trim().to_string() }
    }
}

/// Failures that are not the evaluator's doing: the disk, a damaged file.
#[derive(Debug, thiserror::Error)]
pub enum OnlineError {
    #[error("{path}：无法读写（{source}）")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path}：文件已损坏，无法读取（{reason}）")]
    Damaged { path: PathBuf, reason: String },
    #[error("无法生成评分工作簿 {file}：{reason}")]
    Form { file: String, reason: String },
    #[error("系统无法生成随机密钥：{0}")]
    Random(#[from] getrandom::Error),
}

/// A request that did not go through: refused (nothing saved; the page shows the reason
/// next to the field) or failed (保存失败; the disk or a file is at fault).
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Failed(#[from] OnlineError),
}

/// One field of a row, as the page sends it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// 得分 as typed; blank clears it.
    Score(String),
    /// 备注; blank clears it.
    Note(String),
}

/// A save request: which cell, what to put there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaveRequest {
    pub department: String,
    pub indicator: String,
    pub field: Field,
}

/// What a save did, for the page's 已保存 and 已评 n / N.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Saved {
    /// The value now stored, as the page should show it (`9.5`; empty when cleared).
    pub value: String,
    pub entered: usize,
    pub expected: usize,
}

/// An evaluator's record with the stamp of the file it was last read from or written to:
/// a refresh reads the file again only when the stamp changed (someone edited it).
#[derive(Debug, Default)]
struct Held {
    record: Record,
    stamp: Option<Stamp>,
}

/// Modification time and length of a file.
type Stamp = (std::time::SystemTime, u64);

fn stamp_of(path: &Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.modified().ok()?, meta.len()))
}

/// Online scoring over one scores folder.
pub struct Scoring {
    dir: PathBuf,
    links: Mutex<Links>,
    log: Log,
    context: RwLock<Option<Arc<Context>>>,
    records: RwLock<HashMap<EvaluatorId, Arc<Mutex<Held>>>>,
}

impl std::fmt::Debug for Scoring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scoring").field("dir", &self.dir).finish_non_exhaustive()
    }
}

impl Scoring {
    /// Opens (and creates) the scores folder with its link store and log. Scoring starts
    /// with the first [`refresh`](Self::refresh).
    ///
    /// # Errors
    /// The folder cannot be created, or its link store or log cannot be read.
    pub fn open(dir: &Path) -> Result<Self, OnlineError> {
        let io = |source| OnlineError::Io { path: dir.to_path_buf(), source };
        durable::create_dir(dir).map_err(io)?;
        let links = Links::load(dir)?;
        let log = Log::open(dir)
            .map_err(|source| OnlineError::Io { path: dir.join(LOG_FILE), source })?;
        Ok(Self {
            dir: dir.to_path_buf(),
            links: Mutex::new(links),
            log,
            context: RwLock::new(None),
            records: RwLock::new(HashMap::new()),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Takes a plan that checked (from the workbooks together with this folder): gives
    /// every evaluator a link and a workbook if they have none, and rereads the workbooks
    /// (someone may have edited one in Excel). Returns what could not be read, for the
    /// office to see; scoring goes on without those cells.
    ///
    /// # Errors
    /// The link store or a new workbook cannot be written, or a workbook is unreadable.
    pub fn refresh(&self, plan: &Plan) -> Result<Vec<String>, OnlineError> {
        let ctx = Arc::new(Context::new(Arc::new(plan.clone()), &self.dir));
        lock(&self.links).ensure(ctx.evaluators.iter().map(|e| &e.id))?;
        let mut warnings = Vec::new();
        let mut records = HashMap::new();
        for evaluator in &ctx.evaluators {
            let slot = self.record_slot(&evaluator.id);
            let mut held = lock(&slot);
            let path = self.dir.join(&evaluator.file_name);
            let stamp = stamp_of(&path);
            if stamp.is_none() {
                held.stamp = Some(self.store(&ctx, evaluator, &held.record)?);
            } else if stamp != held.stamp {
                if let Some(on_disk) = record::read(&path, &ctx, evaluator, &mut warnings)? {
                    held.record = on_disk;
                }
                held.stamp = stamp;
            }
            drop(held);
            records.insert(evaluator.id.clone(), slot);
        }
        *write(&self.records) = records;
        *write(&self.context) = Some(ctx);
        Ok(warnings)
    }

    fn record_slot(&self, id: &EvaluatorId) -> Arc<Mutex<Held>> {
        read(&self.records).get(id).cloned().unwrap_or_default()
    }

    fn context(&self) -> Result<Arc<Context>, Refusal> {
        read(&self.context).clone().ok_or(Refusal::NotReady)
    }

    /// The evaluator whose link carries `secret`. A wrong secret is logged with the
    /// client's address and refused.
    pub fn find_link(&self, secret: &str, client: &str) -> Result<EvaluatorId, Refusal> {
        let found = lock(&self.links).find(secret).cloned();
        let Some(id) = found else {
            self.log_refusal(None, "", "", "打开链接", client, &Refusal::UnknownLink);
            return Err(Refusal::UnknownLink);
        };
        Ok(id)
    }

    /// The evaluator's current secret (for the office page and the slips).
    pub fn secret_of(&self, id: &EvaluatorId) -> Option<Secret> {
        lock(&self.links).secret_of(id)
    }

    /// 重新生成链接: a new secret; the old link stops working as this returns.
    ///
    /// # Errors
    /// Unknown evaluator, or the link store cannot be written (the old link then stays).
    pub fn replace_link(&self, id: &EvaluatorId, client: &str) -> Result<Secret, SaveError> {
        self.context()?.evaluator(id)?;
        let secret = lock(&self.links).replace(id)?;
        self.log_event(id, "重新生成链接", client);
        Ok(secret)
    }

    /// Saves one field. Validated in this order: the evaluator is in the plan and has not
    /// submitted; the department exists, is theirs and not recused; the indicator applies;
    /// the cell is not already filled elsewhere; the value is a number of at most two
    /// decimals from 0 to the indicator's 分值 (or a note within [`NOTE_MAX_CHARS`]).
    /// Returns only when the evaluator's workbook is durably on the disk. Every accepted
    /// change and every refusal is logged.
    ///
    /// # Errors
    /// [`SaveError::Refused`] with the reason, or [`SaveError::Failed`] when the disk
    /// refused the write (nothing changed then, in memory or on disk).
    pub fn save(
        &self,
        id: &EvaluatorId,
        request: &SaveRequest,
        client: &str,
    ) -> Result<Saved, SaveError> {
        let result = self.try_save(id, request, client);
        if let Err(SaveError::Refused(refusal)) = &result {
            let what = field_label(&request.field);
            self.log_refusal(
                Some(id),
                &request.department,
                &request.indicator,
                what,
                client,
                refusal,
            );
        }
        result
    }

    fn try_save(
        &self,
        id: &EvaluatorId,
        request: &SaveRequest,
        client: &str,
    ) -> Result<Saved, SaveError> {
        let ctx = self.context()?;
        let evaluator = ctx.evaluator(id)?;
        let (dept, indicator) = ctx.target(evaluator, &request.department, &request.indicator)?;
        let slot = self.record_slot(id);
        let mut held = lock(&slot);
        let record = &held.record;
        if record.submitted_at.is_some() {
            return Err(Refusal::Submitted.into());
        }
        if let Some(found) = ctx.elsewhere(evaluator.member, dept, indicator) {
            return Err(
                Refusal::EnteredElsewhere { place: found.place(), value: found.value }.into()
            );
        }
        let plan = &ctx.plan;
        let old = record.entry(plan, dept, indicator);
        let mut new = old.clone();
        let (before, after) = match &request.field {
            Field::Score(text) => {
                new.score = parse_score(text, plan.indicator(indicator))?;
                (points_text(old.score), points_text(new.score))
            }
            Field::Note(text) => {
                new.note = parse_note(text)?;
                (old.note.clone().unwrap_or_default(), new.note.clone().unwrap_or_default())
            }
        };
        if new != old {
            let mut changed = record.clone();
            changed.set(record::cell_key(plan, dept, indicator), new.clone());
            held.stamp = Some(self.store(&ctx, evaluator, &changed)?);
            held.record = changed;
            let department = plan.department(dept).name.clone();
            let code = plan.indicator(indicator).code.clone();
            self.log(LogEntry {
                department,
                indicator: code,
                what: field_label(&request.field).to_string(),
                old: before,
                new: after.clone(),
                outcome: "已保存".into(),
                ..self.entry_for(id, client)
            });
        }
        let (entered, expected) = view::counts(&ctx, evaluator, &held.record);
        Ok(Saved { value: after, entered, expected })
    }

    /// 提交: the evaluator's scoring is finished and read-only until [`reopen`](Self::reopen).
    ///
    /// # Errors
    /// Already submitted, unknown evaluator, or the disk refused the write.
    pub fn submit(&self, id: &EvaluatorId, client: &str) -> Result<(), SaveError> {
        self.set_submitted(id, client, true)
    }

    /// 重新开放 (the office): the evaluator can change their scores again.
    ///
    /// # Errors
    /// Not submitted, unknown evaluator, or the disk refused the write.
    pub fn reopen(&self, id: &EvaluatorId, client: &str) -> Result<(), SaveError> {
        self.set_submitted(id, client, false)
    }

    fn set_submitted(&self, id: &EvaluatorId, client: &str, submit: bool) -> Result<(), SaveError> {
        let what = if submit { "提交" } else { "重新开放" };
        let result = (|| -> Result<(), SaveError> {
            let ctx = self.context()?;
            let evaluator = ctx.evaluator(id)?;
            let slot = self.record_slot(id);
            let mut held = lock(&slot);
            match (submit, held.record.submitted_at.is_some()) {
                (true, true) => return Err(Refusal::Submitted.into()),
                (false, false) => return Err(Refusal::NotSubmitted.into()),
                _ => {}
            }
            let mut changed = held.record.clone();
            changed.submitted_at = submit.then(now);
            held.stamp = Some(self.store(&ctx, evaluator, &changed)?);
            held.record = changed;
            Ok(())
        })();
        match &result {
            Ok(()) => self.log_event(id, what, client),
            Err(SaveError::Refused(refusal)) => {
                self.log_refusal(Some(id), "", "", what, client, refusal);
            }
            Err(SaveError::Failed(_)) => {}
        }
        result
    }

    /// The evaluator's page: their departments in visit order with every indicator, the
    /// saved values, recusals and scores entered elsewhere.
    ///
    /// # Errors
    /// Not ready, or the evaluator is not in the plan.
    pub fn evaluator_view(&self, id: &EvaluatorId) -> Result<EvaluatorView, Refusal> {
        let ctx = self.context()?;
        let evaluator = ctx.evaluator(id)?;
        let slot = self.record_slot(id);
        let held = lock(&slot);
        Ok(view::evaluator_view(&ctx, evaluator, &held.record))
    }

    /// Every evaluator for the office page, in 考评组 order: status, counts and link.
    pub fn summaries(&self) -> Vec<EvaluatorSummary> {
        let Ok(ctx) = self.context() else { return Vec::new() };
        let links = lock(&self.links);
        let records = read(&self.records);
        ctx.evaluators
            .iter()
            .map(|e| {
                let record = records.get(&e.id).map(|r| lock(r).record.clone()).unwrap_or_default();
                let secret = links.secret_of(&e.id).map(|s| s.to_string());
                view::summary(&ctx, e, &record, secret)
            })
            .collect()
    }

    /// Writes the evaluator's workbook durably; returns the new file's stamp.
    fn store(
        &self,
        ctx: &Context,
        evaluator: &context::Evaluator,
        record: &Record,
    ) -> Result<Stamp, OnlineError> {
        let bytes = record::render(ctx, evaluator, record)?;
        let path = self.dir.join(&evaluator.file_name);
        let io = |source| OnlineError::Io { path: path.clone(), source };
        durable::replace(&path, &bytes).map_err(io)?;
        let meta = std::fs::metadata(&path).map_err(io)?;
        Ok((meta.modified().map_err(io)?, meta.len()))
    }

    fn entry_for(&self, id: &EvaluatorId, client: &str) -> LogEntry {
        LogEntry {
            time: now(),
            group: id.group.clone(),
            evaluator: id.name.clone(),
            client: client.to_string(),
            ..LogEntry::default()
        }
    }

    fn log_event(&self, id: &EvaluatorId, what: &str, client: &str) {
        self.log(LogEntry {
            what: what.into(),
            outcome: "已保存".into(),
            ..self.entry_for(id, client)
        });
    }

    fn log_refusal(
        &self,
        id: Option<&EvaluatorId>,
        department: &str,
        indicator: &str,
        what: &str,
        client: &str,
        refusal: &Refusal,
    ) {
        let base = match id {
            Some(id) => self.entry_for(id, client),
            None => LogEntry { time: now(), client: client.to_string(), ..LogEntry::default() },
        };
        self.log(LogEntry {
            department: department.to_string(),
            indicator: indicator.to_string(),
            what: what.to_string(),
            outcome: "拒绝".into(),
            reason: refusal.to_string(),
            ..base
        });
    }

    /// Appends to the log. A log that cannot be written must not undo a save the disk
    /// already holds, so the failure is reported on stderr only.
    fn log(&self, entry: LogEntry) {
        if let Err(e) = self.log.append(&entry) {
            eprintln!("警告：{} 无法写入（{e}）", self.log.path().display());
        }
    }
}

fn field_label(field: &Field) -> &'static str {
    match field {
        Field::Score(_) => "得分",
        Field::Note(_) => "备注",
    }
}

/// A typed score: blank clears; otherwise the reader's own number rules (full-width
/// digits, at most two decimals), then the indicator's range.
fn parse_score(text: &str, indicator: &crate::model::Indicator) -> Result<Option<Points>, Refusal> {
    let cell = calamine::Data::String(text.to_string());
    let points = value::points(&cell).map_err(|e| match e {
        value::ValueError::TooManyDecimals(t) => Refusal::TooManyDecimals(t),
        _ => Refusal::NotANumber(text.trim().to_string()),
    })?;
    let Some(points) = points else { return Ok(None) };
    match Score::new(points, indicator.max) {
        Ok(score) => Ok(Some(score.points())),
        Err(crate::model::ScoreError::Negative) => Err(Refusal::Negative(points)),
        Err(crate::model::ScoreError::AboveMax { max }) => {
            Err(Refusal::AboveMax { value: points, indicator: indicator.code.clone(), max })
        }
    }
}

fn parse_note(text: &str) -> Result<Option<String>, Refusal> {
    let trimmed = text.trim();
    if trimmed.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Refusal::NoteControlCharacter);
    }
    let len = trimmed.chars().count();
    if len > NOTE_MAX_CHARS {
        return Err(Refusal::NoteTooLong { len, max: NOTE_MAX_CHARS });
    }
    Ok((!trimmed.is_empty()).then(|| trimmed.to_string()))
}

fn points_text(points: Option<Points>) -> String {
    points.map(|p| p.to_string()).unwrap_or_default()
}

fn now() -> String {
    chrono::Local::now().format("%Y-%m-%d %H:%M:%S").to_string()
}

/// Poisoning means another thread panicked mid-update; the records are replaced whole
/// only after a successful write, so the data behind the lock is still consistent.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests;
