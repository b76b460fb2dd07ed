//! What the two front ends (`src/cli/`, `src/serve/`) share on the binary side, so that
//! neither imports the other: the exit status, the one error type every command returns,
//! and the one place that prints it. Everything they share that is not about the process
//! (the watch loop, how findings are grouped and summed up, the jobs themselves) is in the
//! library instead.
//!
//! Commands return `Result<(), Error>` and `main` calls [`exit_status`] once, like
//! ripgrep's `try_main` and typst-cli's `dispatch`: a command says what went wrong, never
//! how it is printed. The messages are the Chinese texts office staff read; a variant
//! keeps the typed error it wraps, so the text comes from the stage that knows the cause.

use std::io;
use std::path::PathBuf;

use kaoping::blank_forms::FormsError;
use kaoping::build::BuildError;
use kaoping::render::engine::RenderError;
use kaoping::render::fonts::FontError;
use kaoping::watch::WatchError;
use kaoping::workbook::ReadError;
use kaoping::write::WriteError;

/// Exit statuses, as documented in `kaoping --help`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Status {
    /// Done; warnings allowed.
    Ok = 0,
    /// The input has errors, or a document failed.
    Failed = 1,
    /// A file could not be read at all.
    Unreadable = 2,
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    // ------------------------------------------------------------ from the library
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Fonts(#[from] FontError),
    #[error(transparent)]
    Engine(#[from] RenderError),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error(transparent)]
    Watch(#[from] WatchError),
    #[error(transparent)]
    Forms(#[from] FormsError),
    /// A document failed after the check passed; nothing was written.
    #[error(transparent)]
    Build(BuildError),
    /// The input has errors, already listed with the findings: the summary and what was
    /// therefore not done.
    #[error("{summary}；{consequence}")]
    Input { summary: String, consequence: &'static str },
    /// `kaoping check` found errors; the findings and the summary are already printed.
    #[error("")]
    Reported,

    // ------------------------------------------------------------ writing files
    /// The style library could not be put in the `--emit-typst` folder.
    #[error(transparent)]
    EmitTypst(io::Error),
    #[error("{}：文件名应以 .xlsx 结尾", .0.display())]
    NotXlsx(PathBuf),
    #[error(
        "{} 已存在，kaoping init 不会覆盖已有文件；请换一个文件名，或先移走原文件",
        .0.display()
    )]
    WouldOverwrite(PathBuf),
    #[error("生成工作簿失败：{0}")]
    BlankWorkbook(rust_xlsxwriter::XlsxError),
    #[error(
        "评分表已存在：{}。为免覆盖已填写的评分，未写入任何文件；确需重新生成请加 --force，或用 -o 指定其他目录",
        .0.join("、")
    )]
    FormsExist(Vec<String>),
    #[error("无法创建目录 {}：{source}", path.display())]
    CreateDir { path: PathBuf, source: io::Error },
    #[error("无法在 {} 中写入：{source}", dir.display())]
    WriteIn { dir: PathBuf, source: io::Error },
    #[error("无法写入 {file}：{source}")]
    WriteFile { file: String, source: io::Error },

    // ------------------------------------------------------------ the web page
    #[error("无法在 {host}:{port} 上启动网页服务：{source}")]
    Bind { host: std::net::IpAddr, port: u16, source: io::Error },
    #[error("端口 {port} 起的 {attempts} 个端口都被占用（{last}）；请用 --port 指定其他端口")]
    PortsTaken { port: u16, attempts: u16, last: String },
    #[error("无法创建存放上传文件的临时文件夹：{0}")]
    Uploads(io::Error),
    #[error("无法启动网页服务：{0}")]
    Runtime(io::Error),
    #[error("网页服务出错：{0}")]
    Serve(io::Error),
}

impl Error {
    /// The exit status this error ends the process with.
    pub fn status(&self) -> Status {
        match self {
            Self::Read(_) | Self::Forms(FormsError::Read(_)) => Status::Unreadable,
            _ => Status::Failed,
        }
    }

    /// Prints the error the way every command does: `错误：…` on standard error, except
    /// for input errors, which follow their findings as a summary line.
    pub fn print(&self) {
        match self {
            Self::Reported => {}
            Self::Input { .. } => eprintln!("{self}"),
            Self::Build(_) => {
                print_error(self);
                eprintln!("未生成任何文件，输出目录保持不变。");
            }
            _ => print_error(self),
        }
    }
}

impl From<BuildError> for Error {
    /// Input errors are expected to be turned into [`Error::Input`] after their findings
    /// are printed; this is for the failures that are not findings.
    fn from(error: BuildError) -> Self {
        Self::Build(error)
    }
}

/// Reports a command's failure, once, and says how the process should end.
pub fn exit_status(result: Result<(), Error>) -> Status {
    match result {
        Ok(()) => Status::Ok,
        Err(error) => {
            error.print();
            error.status()
        }
    }
}

/// `错误：…` for a failure that does not end the command (a browser that would not open).
pub fn print_error(message: impl std::fmt::Display) {
    eprintln!("错误：{message}");
}

/// `input/a.xlsx、templates`: paths as a sentence lists them.
pub fn list_paths(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join("、")
}

/// `[14:03:27] 重新生成……`: the line each round of a watch starts with.
pub fn announce_rebuild() {
    eprintln!("[{}] 重新生成……", chrono::Local::now().format("%H:%M:%S"));
}
