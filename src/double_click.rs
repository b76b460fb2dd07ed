//! `kaoping.exe` double-clicked in Explorer: no arguments and a console window of its own.
//! Printing the help into that window would only make it blink and close, so this starts
//! the office's page instead, on the workbooks in the program's own folder, opens the
//! browser and keeps the window open saying what is happening and how to stop.
//!
//! Started from a terminal (cmd, PowerShell, any shell on Linux), kaoping without arguments
//! prints its help as before: whoever types commands expects that, and a page over the
//! folder the program happens to be installed in (`~/.cargo/bin`) would surprise them.

use std::ffi::OsString;
use std::io::BufRead;
use std::path::{Path, PathBuf};

use clap::Parser;
use kaoping::forms::blank_workbook;
use kaoping::workbook::{ReadError, collect_inputs};

use crate::args::{Cli, Command};
use crate::cli::init::{DEFAULT_NAME, current_year, write_new};
use crate::front::{Error, Status, exit_status};

/// Whether this start is a double-click: no arguments, and no other process shares the
/// console (a terminal would be one), so the window closes when kaoping exits.
pub fn is_double_click() -> bool {
    std::env::args_os().len() == 1 && console_is_our_own()
}

#[cfg(windows)]
fn console_is_our_own() -> bool {
    use windows_sys::Win32::System::Console::GetConsoleProcessList;
    let mut processes = [0u32; 2];
    // SAFETY: the buffer is valid for `processes.len()` process ids, as the call is told.
    let attached = unsafe { GetConsoleProcessList(processes.as_mut_ptr(), processes.len() as u32) };
    attached == 1
}

#[cfg(not(windows))]
fn console_is_our_own() -> bool {
    false
}

/// Runs the page as `kaoping serve <program folder> --open` would, after making a blank
/// workbook there when the folder has none. On failure the window waits for Enter, so the
/// message can be read before it closes.
pub fn run() -> Status {
    let status = exit_status(serve_program_folder());
    if status != Status::Ok {
        println!("\n按回车键关闭此窗口。");
        let _ = std::io::stdin().lock().read_line(&mut String::new());
    }
    status
}

fn serve_program_folder() -> Result<(), Error> {
    let folder = program_folder().map_err(Error::ProgramFolder)?;
    println!("kaoping（考评）{}", env!("CARGO_PKG_VERSION"));
    println!("读取此文件夹中的工作簿：{}", folder.display());
    ensure_workbook(&folder)?;
    println!("正在打开考评网页，浏览器稍后自动打开；没有打开时，请在浏览器中输入下面的地址。");
    println!("要退出：关闭此窗口，或按 Ctrl+C。网页在此窗口关闭前一直可用。\n");
    let serve = [OsString::from("kaoping"), "serve".into(), folder.into(), "--open".into()];
    // Our own arguments: clap refusing them would be a bug, reported as clap reports it.
    match Cli::try_parse_from(serve).unwrap_or_else(|error| error.exit()).command {
        Command::Serve(args) => crate::serve::run(&args),
        _ => unreachable!("the arguments name the serve command"),
    }
}

/// The folder kaoping.exe is in, absolute.
fn program_folder() -> std::io::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    exe.parent().map(Path::to_path_buf).ok_or_else(|| std::io::Error::other("没有上级文件夹"))
}

/// Writes `init`'s blank workbook into `folder` when it holds no workbook, and says so.
fn ensure_workbook(folder: &Path) -> Result<(), Error> {
    match collect_inputs(&[folder.to_path_buf()]) {
        Err(ReadError::NoWorkbookInFolder { .. }) => {}
        // Workbooks, or a folder kaoping cannot list: the page says what it finds.
        _ => return Ok(()),
    }
    let path = folder.join(DEFAULT_NAME);
    let year = current_year();
    let bytes = blank_workbook(year).map_err(Error::BlankWorkbook)?;
    write_new(&path, &bytes)
        .map_err(|source| Error::WriteFile { file: path.display().to_string(), source })?;
    println!("此文件夹中还没有工作簿，已新建空白工作簿 {DEFAULT_NAME}（{year} 年度）。");
    println!("用 Excel 或 WPS 打开它，先看“说明”工作表，填写后保存，网页会自动更新。");
    Ok(())
}
