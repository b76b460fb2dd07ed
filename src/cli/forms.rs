//! `kaoping forms`: check the workbook, then write one scoring form per evaluation group.

use std::io::Write;
use std::path::{Path, PathBuf};

use kaoping::blank_forms::{BlankForms, FormsError, blank_forms};
use kaoping::forms::ScoreForm;

use super::report::print_findings;
use crate::args::FormsArgs;
use crate::front::Error;

pub fn run(args: &FormsArgs) -> Result<(), Error> {
    let quiet = args.verbosity.quiet;
    let paths = args.input.paths();
    let made = blank_forms(&paths);
    if let Some(findings) = made.as_ref().map_or_else(FormsError::findings, |m| Some(&m.findings)) {
        print_findings(findings, quiet);
    }
    let BlankForms { forms, plan, findings } = match made {
        Ok(made) => made,
        Err(FormsError::Input { findings }) => {
            let consequence = "请先改正错误，未生成评分表。";
            return Err(Error::Input { summary: findings.summary_line(), consequence });
        }
        Err(error) => return Err(error.into()),
    };

    let targets: Vec<PathBuf> = forms.iter().map(|f| args.output.join(&f.file_name)).collect();
    let existing: Vec<String> =
        targets.iter().filter(|p| p.exists()).map(|p| p.display().to_string()).collect();
    if !existing.is_empty() && !args.force {
        return Err(Error::FormsExist(existing));
    }
    write_all(&args.output, &forms, args.force)?;

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
        eprintln!("已生成 {} 份评分表（{out}/）；{}", forms.len(), findings.summary_line());
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
    Ok(())
}

/// Writes every form next to its final name first, then renames them into place, so an
/// interrupted run leaves no half-written workbook. Unlike the build's staging folder this
/// never deletes anything: the folder is where returned forms are collected.
fn write_all(dir: &Path, forms: &[ScoreForm], force: bool) -> Result<(), Error> {
    std::fs::create_dir_all(dir)
        .map_err(|source| Error::CreateDir { path: dir.to_path_buf(), source })?;
    let mut staged = Vec::new();
    for form in forms {
        let mut file = super::init::temp_file_in(dir)
            .map_err(|source| Error::WriteIn { dir: dir.to_path_buf(), source })?;
        file.write_all(&form.bytes)
            .map_err(|source| Error::WriteFile { file: form.file_name.clone(), source })?;
        staged.push((file, dir.join(&form.file_name)));
    }
    for (file, path) in staged {
        let placed = if force { file.persist(&path) } else { file.persist_noclobber(&path) };
        placed
            .map_err(|e| Error::WriteFile { file: path.display().to_string(), source: e.error })?;
    }
    Ok(())
}
