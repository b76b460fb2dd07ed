//! `kaoping init`: a blank input workbook to start a year with.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::Datelike;
use kaoping::forms::blank_workbook;

use crate::args::InitArgs;
use crate::front::Error;

const DEFAULT_NAME: &str = "新年度.xlsx";

pub fn run(args: &InitArgs) -> Result<(), Error> {
    let path = match &args.path {
        None => Path::new("input").join(DEFAULT_NAME),
        Some(dir) if dir.is_dir() => dir.join(DEFAULT_NAME),
        Some(path) => path.clone(),
    };
    let is_xlsx = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    if !is_xlsx {
        return Err(Error::NotXlsx(path));
    }
    if path.exists() {
        return Err(Error::WouldOverwrite(path));
    }
    let year = args.year.unwrap_or_else(current_year);
    let bytes = blank_workbook(year).map_err(Error::BlankWorkbook)?;
    write_new(&path, &bytes).map_err(|source| match source.kind() {
        std::io::ErrorKind::AlreadyExists => Error::WouldOverwrite(path.clone()),
        _ => Error::WriteFile { file: path.display().to_string(), source },
    })?;
    let shown = path.display();
    eprintln!("已新建 {shown}（{year} 年度，空白工作簿）。接下来：");
    eprintln!("  1. 用 Excel 或 WPS 打开，先看“说明”工作表；各表灰色斜体的行为示例，");
    eprintln!(
        "     请改成本单位的内容或删除；“正文”表是实施方案的正文，在上一年的措辞上修改即可。"
    );
    eprintln!("  2. kaoping check {shown}          检查填写是否有误");
    eprintln!("  3. kaoping forms {shown}          为各考评组生成评分表");
    eprintln!("  4. kaoping build {shown} 评分表/  收回评分表后生成全部文件");
    Ok(())
}

/// Writes the file complete or not at all, and never over a file that appeared meanwhile:
/// a temporary file in the same folder, then a rename that refuses to replace.
fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent)?;
    let mut file = temp_file_in(&parent)?;
    file.write_all(bytes)?;
    file.persist_noclobber(path).map_err(|e| e.error)?;
    Ok(())
}

/// A hidden temporary file in `dir`, to be renamed into place once complete. It gets the
/// permissions of an ordinary new file (tempfile's default 0600 would hide a workbook
/// from colleagues on a shared drive).
pub(super) fn temp_file_in(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    let mut builder = tempfile::Builder::new();
    builder.prefix(".kaoping-");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    builder.tempfile_in(dir)
}

/// This calendar year (UTC), from the system clock: a default for a prompt, never part of
/// any output's bytes.
fn current_year() -> i32 {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    chrono::DateTime::from_timestamp(seconds, 0).map_or(2025, |t| t.year())
}
