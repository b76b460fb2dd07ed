//! `kaoping forms`: check the workbook, then write one scoring form per evaluation group.

use std::io::Write;
use std::path::{Path, PathBuf};

use kaoping::build::read_inputs;
use kaoping::check::check;
use kaoping::forms::{ScoreForm, score_forms};

use super::Status;
use super::args::FormsArgs;
use super::report::{print_error, print_findings, summary_line};

pub fn run(args: &FormsArgs) -> Status {
    let quiet = args.verbosity.quiet;
    let paths = args.input.paths();
    let books = match read_inputs(&paths) {
        Ok(books) => books,
        Err(error) => {
            print_error(error);
            return Status::Unreadable;
        }
    };
    let checked = check(&books);
    print_findings(&checked.findings, quiet);
    let Some(plan) = checked.plan else {
        eprintln!("{}；请先改正错误，未生成评分表。", summary_line(&checked.findings));
        return Status::Failed;
    };
    if plan.indicators.is_empty() {
        print_error("工作簿中没有指标（“指标”工作表缺失或为空），无法生成评分表；请先填写指标");
        return Status::Failed;
    }
    let forms = match score_forms(&plan) {
        Ok(forms) => forms,
        Err(error) => {
            print_error(format!("生成评分表失败：{error}"));
            return Status::Failed;
        }
    };
    if forms.is_empty() {
        print_error("没有需要评分的考评组（各组都没有评分成员，或没有适用的指标）");
        return Status::Failed;
    }

    let targets: Vec<PathBuf> = forms.iter().map(|f| args.output.join(&f.file_name)).collect();
    let existing: Vec<String> =
        targets.iter().filter(|p| p.exists()).map(|p| p.display().to_string()).collect();
    if !existing.is_empty() && !args.force {
        print_error(format!(
            "评分表已存在：{}。为免覆盖已填写的评分，未写入任何文件；确需重新生成请加 --force，或用 -o 指定其他目录",
            existing.join("、")
        ));
        return Status::Failed;
    }
    if let Err(error) = write_all(&args.output, &forms, args.force) {
        print_error(error);
        return Status::Failed;
    }

    if !quiet {
        for (g, group) in plan.groups.iter().enumerate() {
            if !forms.iter().any(|f| f.group.0 == g) {
                eprintln!("提示：考评组“{}”没有需要评分的项目，未生成评分表。", group.name);
            }
        }
        if !plan.scores.is_empty() {
            eprintln!(
                "注意：已读到 {} 条评分（在主工作簿或已收回的评分表中）。新评分表收回后与它们一起读取，同一评分录入两次会报错；每个评分只在一处录入。",
                plan.scores.len()
            );
        }
        let out = args.output.display();
        eprintln!("已生成 {} 份评分表（{out}/）；{}", forms.len(), summary_line(&checked.findings));
        for form in &forms {
            let recused = match form.recused {
                0 => String::new(),
                n => format!("，回避 {n} 格"),
            };
            eprintln!(
                "  {}：{} 个部门，{} 位考评人，{} 个评分格{recused}",
                form.file_name,
                form.departments.len(),
                form.evaluators.len(),
                form.cells
            );
        }
        let inputs: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        let inputs = inputs.join(" ");
        eprintln!("把评分表发给各考评组填写“得分”列；收回后放回 {out}/，再运行：");
        eprintln!("  kaoping check {inputs} {out}/     检查缺漏");
        eprintln!("  kaoping build {inputs} {out}/     生成全部文件");
    }
    Status::Ok
}

/// Writes every form next to its final name first, then renames them into place, so an
/// interrupted run leaves no half-written workbook. Unlike the build's staging folder this
/// never deletes anything: the folder is where returned forms are collected.
fn write_all(dir: &Path, forms: &[ScoreForm], force: bool) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("无法创建目录 {}：{e}", dir.display()))?;
    let mut staged = Vec::new();
    for form in forms {
        let mut file = super::init::temp_file_in(dir)
            .map_err(|e| format!("无法在 {} 中写入：{e}", dir.display()))?;
        file.write_all(&form.bytes).map_err(|e| format!("无法写入 {}：{e}", form.file_name))?;
        staged.push((file, dir.join(&form.file_name)));
    }
    for (file, path) in staged {
        let placed = if force { file.persist(&path) } else { file.persist_noclobber(&path) };
        placed.map_err(|e| format!("无法写入 {}：{}", path.display(), e.error))?;
    }
    Ok(())
}
