//! Command-line arguments, in Chinese for the office staff who use them. Parsed once in
//! `main` for every command, the terminal ones and `serve` alike, so both front ends read
//! their options (and the engine options they share) from here.

use std::path::PathBuf;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{ArgAction, Args, Parser, Subcommand};
use kaoping::render::engine::EngineOptions;
use kaoping::render::fonts::{FontOptions, default_font_dir};

const TEMPLATE: &str = "{about}\n\n用法：{usage}\n\n{all-args}{after-help}";

#[derive(Debug, Parser)]
#[command(
    name = "kaoping",
    version,
    about = "kaoping（考评）：把年度绩效考评工作簿生成红头文件、工作安排表、各部门考评报告、考评结果汇总表和汇总工作簿。",
    help_template = TEMPLATE,
    subcommand_help_heading = "命令",
    subcommand_value_name = "命令",
    disable_help_flag = true,
    disable_version_flag = true,
    disable_help_subcommand = true,
    after_help = "每年的流程：init 新建工作簿 → 填写 → check 检查 → build 生成实施方案和安排表\n  → forms 发评分表 → 收回评分表 → build 生成考评报告和汇总表。\n\n示例：\n  kaoping init input/2022年度绩效考评.xlsx   新建空白工作簿\n  kaoping check                              检查 input/ 中的工作簿\n  kaoping forms -o 评分表                     每个考评组生成一份评分表\n  kaoping build input 评分表/                 生成全部文件到 output/\n  kaoping watch                              保存后自动重新生成\n\n退出状态：0 成功（可有警告）；1 输入有错误或生成失败；2 文件无法读取。"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// 显示帮助
    #[arg(short = 'h', long = "help", action = ArgAction::Help, global = true, help_heading = "选项")]
    help: Option<bool>,
    /// 显示版本号
    #[arg(short = 'V', long = "version", action = ArgAction::Version, help_heading = "选项")]
    version: Option<bool>,
}

/// Parses the command line, or prints the mistake in Chinese and exits with status 2.
/// clap's own error texts are English; help and version pass through, their texts are ours.
pub fn parse() -> Cli {
    Cli::try_parse().unwrap_or_else(|error| match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => error.exit(),
        _ => {
            eprintln!("{}", chinese_error(&error));
            std::process::exit(2);
        }
    })
}

/// A command-line mistake as office staff should read it: what is wrong, clap's
/// suggestion if it has one, the usage line, and where to find more.
pub fn chinese_error(error: &clap::Error) -> String {
    let context = |kind| match error.get(kind) {
        Some(ContextValue::String(s)) => s.clone(),
        Some(ContextValue::Strings(v)) => v.join("、"),
        Some(other) => other.to_string(),
        None => String::new(),
    };
    let arg = context(ContextKind::InvalidArg);
    let what = match error.kind() {
        ErrorKind::UnknownArgument => format!("不认识的参数“{arg}”"),
        ErrorKind::InvalidSubcommand => {
            format!("没有“{}”这个命令", context(ContextKind::InvalidSubcommand))
        }
        ErrorKind::ArgumentConflict => {
            format!("参数 {arg} 不能与 {} 同时使用", context(ContextKind::PriorArg))
        }
        ErrorKind::MissingRequiredArgument => format!("缺少必需的参数 {arg}"),
        ErrorKind::MissingSubcommand => "缺少命令".to_string(),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let valid = context(ContextKind::ValidValue);
            let valid = if valid.is_empty() { valid } else { format!("，可用的值：{valid}") };
            format!("参数 {arg} 的值“{}”无效{valid}", context(ContextKind::InvalidValue))
        }
        ErrorKind::TooManyValues | ErrorKind::TooFewValues | ErrorKind::WrongNumberOfValues => {
            format!("参数 {arg} 的值的个数不对")
        }
        ErrorKind::NoEquals => format!("参数 {arg} 的值要用“=”连写"),
        ErrorKind::InvalidUtf8 => "参数中有无法识别的字符".to_string(),
        _ => "命令行参数有误".to_string(),
    };
    let suggestion = [ContextKind::SuggestedArg, ContextKind::SuggestedSubcommand]
        .into_iter()
        .map(context)
        .find(|s| !s.is_empty())
        .map(|s| format!("（是否想用 {s}？）"))
        .unwrap_or_default();
    let usage = context(ContextKind::Usage);
    let usage = usage.trim().trim_start_matches("Usage:").trim();
    let usage = if usage.is_empty() { String::new() } else { format!("\n\n用法：{usage}") };
    format!("错误：{what}{suggestion}{usage}\n\n更多信息请运行 kaoping --help")
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 检查输入并生成全部文件（默认读取 input/，写入 output/）
    #[command(
        help_template = TEMPLATE,
        override_usage = "kaoping build [工作簿或目录]... [选项]",
        after_help = "示例：\n  kaoping build\n  kaoping build input/2021年度绩效考评.xlsx 评分表/ -o 输出\n  kaoping build --emit-typst typst源码/\n\n生成的文件先写入输出目录旁的临时目录，全部成功后才放入输出目录；\n任何一步失败时，输出目录中原有的文件保持不变。"
    )]
    Build(BuildArgs),
    /// 只检查输入工作簿，列出错误、警告和提示，不生成文件
    #[command(
        help_template = TEMPLATE,
        override_usage = "kaoping check [工作簿或目录]... [选项]",
        after_help = "示例：\n  kaoping check\n  kaoping check input/2021年度绩效考评.xlsx 评分表/\n\n退出状态：0 没有错误；1 有错误；2 有文件无法读取。"
    )]
    Check(CheckArgs),
    /// 新建空白的输入工作簿（含填写说明、示例行和数据验证）
    #[command(
        help_template = TEMPLATE,
        override_usage = "kaoping init [文件] [选项]",
        after_help = "示例：\n  kaoping init                                   新建 input/新年度.xlsx\n  kaoping init input/2025年度绩效考评.xlsx --year 2025\n\n已有同名文件时不会覆盖，退出状态为 1。"
    )]
    Init(InitArgs),
    /// 为每个考评组生成评分表（Excel 工作簿），收回后与主工作簿一起读取
    #[command(
        help_template = TEMPLATE,
        override_usage = "kaoping forms [工作簿或目录]... [选项]",
        after_help = "示例：\n  kaoping forms                                  读取 input/，写入 评分表/\n  kaoping forms input/2025年度绩效考评.xlsx -o 评分表\n  kaoping forms --force                          重新生成，覆盖已有的评分表\n\n收回评分表后放回同一目录，再运行：\n  kaoping check input/ 评分表/\n  kaoping build input/ 评分表/\n\n退出状态：0 成功；1 输入有错误、评分表已存在或写入失败；2 文件无法读取。"
    )]
    Forms(FormsArgs),
    /// 监视工作簿和模板，保存后自动重新生成（按 Ctrl+C 退出）
    #[command(
        help_template = TEMPLATE,
        override_usage = "kaoping watch [工作簿或目录]... [选项]",
        after_help = "示例：\n  kaoping watch\n  kaoping watch input/2022年度绩效考评.xlsx 评分表/ -o output\n\nExcel、WPS 保存时产生的临时文件和 ~$ 锁定文件会被忽略；出错后继续监视。"
    )]
    Watch(BuildArgs),
    /// 在浏览器中使用：打开本机网页，查看检查结果、预览和下载文件、上传工作簿（按 Ctrl+C 退出）
    #[command(
        help_template = TEMPLATE,
        override_usage = "kaoping serve [工作簿或目录]... [选项]",
        after_help = "示例：\n  kaoping serve                    打开 http://127.0.0.1:8000/ ，显示 input/ 中的工作簿\n  kaoping serve input 评分表/ --open\n  kaoping serve --host 0.0.0.0     让局域网内的其他电脑也能打开（请注意数据安全）\n\n网页只在本机运行，不连接互联网；保存工作簿后网页自动更新。\n上传的工作簿只保存在内存和临时文件夹中，退出后删除。"
    )]
    Serve(ServeArgs),
    /// 列出各字体角色（小标宋、仿宋、黑体、楷体、宋体）实际使用的字体
    #[command(
        help_template = TEMPLATE,
        override_usage = "kaoping fonts [选项]",
        after_help = "示例：\n  kaoping fonts\n  kaoping fonts --no-system-fonts"
    )]
    Fonts(FontArgs),
}

/// Where the workbooks are.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "输入")]
pub struct InputArgs {
    /// 输入工作簿或目录（可多个；目录中的 .xlsx 都会读取，评分表可单独放在其他工作簿中）[默认：input/]
    #[arg(value_name = "工作簿或目录")]
    pub inputs: Vec<PathBuf>,
}

impl InputArgs {
    pub fn paths(&self) -> Vec<PathBuf> {
        if self.inputs.is_empty() { vec![PathBuf::from("input")] } else { self.inputs.clone() }
    }
}

/// How much to print.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "输出信息")]
pub struct Verbosity {
    /// 只显示错误
    #[arg(short, long, conflicts_with = "verbose")]
    pub quiet: bool,
    /// 显示更多信息（各阶段用时、typst 警告）
    #[arg(short, long)]
    pub verbose: bool,
}

/// Fonts and templates.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "字体与模板")]
pub struct EngineArgs {
    /// 随附字体所在目录 [默认：fonts/]
    #[arg(long, value_name = "目录")]
    pub fonts: Option<PathBuf>,
    /// 字体角色配置文件 [默认：字体目录中的 roles.toml]
    #[arg(long, value_name = "文件")]
    pub font_roles: Option<PathBuf>,
    /// 不使用系统中安装的字体，只用随附字体（不同电脑上结果完全相同）
    #[arg(long)]
    pub no_system_fonts: bool,
    /// 自定义模板目录，其中的文件替换同名的内置模板 [默认：templates/（如存在）]
    #[arg(long, value_name = "目录")]
    pub templates: Option<PathBuf>,
}

impl EngineArgs {
    pub fn font_options(&self) -> FontOptions {
        FontOptions {
            dir: self.fonts.clone().unwrap_or_else(default_font_dir),
            roles: self.font_roles.clone(),
            system: !self.no_system_fonts,
        }
    }

    /// The engine options; the templates default to `templates/` when that folder exists.
    pub fn engine_options(&self) -> EngineOptions {
        let templates = self.templates.clone().or_else(|| {
            let local = PathBuf::from("templates");
            local.is_dir().then_some(local)
        });
        EngineOptions { fonts: self.font_options(), templates }
    }
}

#[derive(Debug, Clone, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// 输出目录 [默认：output/]
    #[arg(
        short,
        long,
        value_name = "目录",
        default_value = "output",
        hide_default_value = true,
        help_heading = "输出"
    )]
    pub output: PathBuf,
    /// 同时把每个文件的 typst 源码写入此目录（可用 typst compile 复现）
    #[arg(long, value_name = "目录", help_heading = "输出")]
    pub emit_typst: Option<PathBuf>,
    /// 并行排版的线程数 [默认：CPU 核数]
    #[arg(
        short = 'j',
        long,
        value_name = "数量",
        default_value_t = 0,
        hide_default_value = true,
        help_heading = "输出"
    )]
    pub jobs: usize,
    #[command(flatten)]
    pub engine: EngineArgs,
    #[command(flatten)]
    pub verbosity: Verbosity,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// 端口；被占用时依次尝试下一个 [默认：8000]
    #[arg(
        long,
        value_name = "端口",
        default_value_t = 8000,
        hide_default_value = true,
        help_heading = "网页"
    )]
    pub port: u16,
    /// 监听地址；默认只有本机能打开，--host 0.0.0.0 让局域网内的其他电脑也能打开 [默认：127.0.0.1]
    #[arg(
        long,
        value_name = "地址",
        default_value = "127.0.0.1",
        hide_default_value = true,
        help_heading = "网页"
    )]
    pub host: std::net::IpAddr,
    /// 启动后在浏览器中打开网页
    #[arg(long, help_heading = "网页")]
    pub open: bool,
    /// 并行排版的线程数 [默认：CPU 核数]
    #[arg(
        short = 'j',
        long,
        value_name = "数量",
        default_value_t = 0,
        hide_default_value = true,
        help_heading = "网页"
    )]
    pub jobs: usize,
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Clone, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub verbosity: Verbosity,
}

#[derive(Debug, Clone, Args)]
pub struct FontArgs {
    #[command(flatten)]
    pub engine: EngineArgs,
}

#[derive(Debug, Clone, Args)]
pub struct InitArgs {
    /// 新工作簿的路径（是已有目录时在其中新建 新年度.xlsx）[默认：input/新年度.xlsx]
    #[arg(value_name = "文件", help_heading = "新工作簿")]
    pub path: Option<PathBuf>,
    /// 考评年度 [默认：今年]
    #[arg(
        long,
        value_name = "年份",
        value_parser = clap::value_parser!(i32).range(2000..=2100),
        help_heading = "新工作簿"
    )]
    pub year: Option<i32>,
}

#[derive(Debug, Clone, Args)]
pub struct FormsArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// 评分表的输出目录 [默认：评分表/]
    #[arg(
        short,
        long,
        value_name = "目录",
        default_value = "评分表",
        hide_default_value = true,
        help_heading = "输出"
    )]
    pub output: PathBuf,
    /// 覆盖输出目录中已有的同名评分表（已收回的评分会丢失）
    #[arg(long, help_heading = "输出")]
    pub force: bool,
    #[command(flatten)]
    pub verbosity: Verbosity,
}
