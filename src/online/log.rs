//! `评分日志.csv`: an append-only record of every accepted change and every refused
//! attempt of online scoring, for the office to open in Excel when a score is disputed.
//!
//! UTF-8 with a byte-order mark (without it Excel reads the Chinese as mojibake), CRLF
//! line ends, fields quoted by the `csv` crate. Each entry is formatted in full first and
//! then handed to the file in one `write` under a lock on a file opened for appending, so
//! concurrent entries never interleave; the data is flushed before the call returns, so the
//! log is as durable as the saves it records.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::durable;

/// The log's file name in the scores folder.
pub const LOG_FILE: &str = "评分日志.csv";

const BOM: &[u8] = "\u{FEFF}".as_bytes();

/// The header row.
pub const LOG_HEADER: [&str; 11] = [
    "时间",
    "考评组",
    "考评人",
    "部门",
    "指标编号",
    "项目",
    "原值",
    "新值",
    "客户端地址",
    "结果",
    "说明",
];

/// One line of the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogEntry {
    /// Local time, `2026-11-29 10:31:05`.
    pub time: String,
    pub group: String,
    pub evaluator: String,
    pub department: String,
    pub indicator: String,
    /// 得分, 备注, 提交, 重新开放, 重新生成链接, 打开链接.
    pub what: String,
    pub old: String,
    pub new: String,
    pub client: String,
    /// 已保存 or 拒绝.
    pub outcome: String,
    /// Why it was refused.
    pub reason: String,
}

impl LogEntry {
    fn fields(&self) -> [&str; 11] {
        [
            &self.time,
            &self.group,
            &self.evaluator,
            &self.department,
            &self.indicator,
            &self.what,
            &self.old,
            &self.new,
            &self.client,
            &self.outcome,
            &self.reason,
        ]
    }
}

/// The log file, open for appending.
#[derive(Debug)]
pub struct Log {
    path: PathBuf,
    file: Mutex<File>,
}

impl Log {
    /// Opens the log in `dir`, creating it with its BOM and header when absent.
    ///
    /// # Errors
    /// The file cannot be created or opened.
    pub fn open(dir: &Path) -> io::Result<Self> {
        let path = dir.join(LOG_FILE);
        let mut file = OpenOptions::new().create(true).append(true).open(&path)?;
        if file.metadata()?.len() == 0 {
            let mut head = BOM.to_vec();
            head.extend(record(&LOG_HEADER)?);
            file.write_all(&head)?;
            file.sync_all()?;
            durable::sync_dir(dir)?;
        }
        Ok(Self { path, file: Mutex::new(file) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one entry and flushes it to the disk.
    ///
    /// # Errors
    /// The file system refused the write.
    pub fn append(&self, entry: &LogEntry) -> io::Result<()> {
        let line = record(&entry.fields())?;
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(&line)?;
        file.sync_data()
    }
}

/// One CSV record with its line end.
fn record(fields: &[&str]) -> io::Result<Vec<u8>> {
    let mut writer =
        csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    writer.write_record(fields).map_err(io::Error::other)?;
    writer.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_entries(path: &Path) -> Vec<Vec<String>> {
        let bytes = std::fs::read(path).unwrap();
        assert!(bytes.starts_with(BOM));
        let mut reader =
            csv::ReaderBuilder::new().has_headers(false).from_reader(&bytes[BOM.len()..]);
        reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect()
    }

    #[test]
    fn entries_follow_one_header_and_quote_what_needs_it() {
        let dir = tempfile::tempdir().unwrap();
        let log = Log::open(dir.path()).unwrap();
        let entry = LogEntry {
            evaluator: "李军".into(),
            reason: "备注含逗号,和\"引号\"\n及换行".into(),
            ..LogEntry::default()
        };
        log.append(&entry).unwrap();
        drop(log);
        let log = Log::open(dir.path()).unwrap();
        log.append(&LogEntry { evaluator: "王东".into(), ..LogEntry::default() }).unwrap();
        let rows = read_entries(log.path());
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0], LOG_HEADER.map(str::to_string).to_vec());
        assert_eq!(rows[1][10], entry.reason);
        assert_eq!(rows[2][2], "王东");
    }

    #[test]
    fn concurrent_appends_never_interleave() {
        let dir = tempfile::tempdir().unwrap();
        let log = std::sync::Arc::new(Log::open(dir.path()).unwrap());
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let log = log.clone();
                std::thread::spawn(move || {
                    for i in 0..25 {
                        let entry = LogEntry {
                            evaluator: format!("考评人{t}"),
                            new: i.to_string(),
                            reason: "很长的说明".repeat(50),
                            ..LogEntry::default()
                        };
                        log.append(&entry).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let rows = read_entries(log.path());
        assert_eq!(rows.len(), 1 + 8 * 25);
        assert!(rows[1..].iter().all(|r| r.len() == 11 && r[10] == "很长的说明".repeat(50)));
    }
}
