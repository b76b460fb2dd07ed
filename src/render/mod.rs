//! Stage 4, render: the documents, in memory. PDFs go through minijinja (typst source
//! from the templates) and the in-process typst [`engine::Engine`]; the summary workbook
//! through rust_xlsxwriter. Nothing here touches the output folder.

pub mod body;
pub mod cache;
pub mod context;
pub mod engine;
pub mod fonts;
pub mod glyphs;
pub mod inspect;
pub mod markup;
pub mod result_docs;
pub mod templates;
pub mod title;
pub mod xlsx;

use std::path::PathBuf;

use chrono::NaiveDate;
use serde::Serialize;

use crate::model::Plan;
use context::Common;
use engine::{Engine, ExtraFile, RenderError};

/// One finished output file, its path relative to the output folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

/// The typst source of a document, kept for `--emit-typst`.
#[derive(Debug, Clone)]
pub struct TypstSource {
    /// Relative path without extension, as the PDF's (`考评报告/01-医学院`).
    pub path: PathBuf,
    pub text: String,
}

/// A rendered PDF with its source.
#[derive(Debug)]
pub struct RenderedPdf {
    pub file: OutputFile,
    pub source: TypstSource,
    pub warnings: Vec<String>,
    /// `None` when the PDF was reused from the cache instead of laid out.
    pub pages: Option<usize>,
    /// The first page as PNG, when the engine draws previews.
    pub preview: Option<Vec<u8>>,
}

/// The documents made from the plan alone, before any score: the notice and the schedule
/// table. The score documents (reports, summary) are in [`result_docs`], the summary
/// workbook in [`xlsx`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    Notice,
    Schedule,
}

impl DocKind {
    fn template(self) -> &'static str {
        match self {
            DocKind::Notice => "notice.typ.j2",
            DocKind::Schedule => "schedule.typ.j2",
        }
    }

    /// The file name, from the plan's own facts.
    pub fn file_stem(self, plan: &Plan) -> String {
        let info = &plan.info;
        match self {
            DocKind::Notice => info.title.clone(),
            DocKind::Schedule => format!("{}{}年度绩效考评工作安排表", info.org, info.year),
        }
    }
}

/// The seal image named in 文件信息, served to typst as `/lib/seal.<ext>`.
fn seal_file(plan: &Plan) -> Result<Option<ExtraFile>, RenderError> {
    let Some(path) = &plan.info.seal else { return Ok(None) };
    let bytes = std::fs::read(path).map_err(|e| RenderError::Typst {
        document: "印章图片".into(),
        details: format!("{}：无法读取（{e}）", path.display()),
    })?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("png").to_ascii_lowercase();
    Ok(Some(ExtraFile { name: format!("seal.{ext}"), bytes }))
}

#[derive(Serialize)]
struct PlanContext<'a> {
    c: &'a Common,
    /// The notice's body; the schedule table has none.
    body: Option<body::BodyMarkup>,
}

/// The typst source of the notice or the schedule table, with the files it needs.
pub fn plan_doc_source(
    engine: &Engine,
    plan: &Plan,
    kind: DocKind,
) -> Result<(String, Vec<ExtraFile>), RenderError> {
    let seal = if kind == DocKind::Notice { seal_file(plan)? } else { None };
    let common = Common::new(plan, seal.as_ref().map(|s| format!("/lib/{}", s.name)));
    let body = match kind {
        DocKind::Notice => {
            let body = body::body_of(engine.templates(), plan, &common)?;
            Some(body::markup(&body, plan, &common))
        }
        DocKind::Schedule => None,
    };
    let source = engine.templates().render(kind.template(), &PlanContext { c: &common, body })?;
    Ok((source, seal.into_iter().collect()))
}

/// The notice or the schedule table, ready to typeset.
pub fn plan_doc(engine: &Engine, plan: &Plan, kind: DocKind) -> Result<PdfDoc, RenderError> {
    let (source, extras) = plan_doc_source(engine, plan, kind)?;
    let stem = PathBuf::from(sanitize_file_name(&kind.file_stem(plan)));
    Ok(PdfDoc { stem, source, date: plan.info.date, extras })
}

/// Renders the notice or the schedule table.
pub fn render_plan_doc(
    engine: &Engine,
    plan: &Plan,
    kind: DocKind,
) -> Result<RenderedPdf, RenderError> {
    plan_doc(engine, plan, kind)?.compile(engine)
}

/// A document ready to typeset: its typst source and everything else its PDF's bytes
/// depend on besides the engine (fonts and style library), which is what
/// [`cache::Cache`] keys it by.
#[derive(Debug, Clone)]
pub struct PdfDoc {
    /// Relative path without extension (`考评报告/01-医学院`); also the PDF's identifier.
    pub stem: PathBuf,
    pub source: String,
    /// The document's date: typst's `today` and the PDF creation date.
    pub date: NaiveDate,
    /// Files served to typst beside the style library (the seal image).
    pub extras: Vec<ExtraFile>,
}

impl PdfDoc {
    /// The name typst's messages and the PDF identifier use.
    pub fn name(&self) -> String {
        self.stem.display().to_string()
    }

    /// Typesets the document and exports it as PDF.
    pub fn compile(self, engine: &Engine) -> Result<RenderedPdf, RenderError> {
        let compiled =
            engine.compile(&self.name(), self.source.clone(), self.date, &self.extras)?;
        Ok(RenderedPdf {
            file: OutputFile { path: self.stem.with_extension("pdf"), bytes: compiled.pdf },
            source: TypstSource { path: self.stem, text: self.source },
            warnings: compiled.warnings,
            pages: Some(compiled.pages),
            preview: compiled.preview,
        })
    }
}

/// A name that is safe as a file name on Windows, macOS and Linux: path separators,
/// reserved characters and control characters become `_`, the length is bounded.
pub fn sanitize_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_control() || r#"/\:*?"<>|"#.contains(c) { '_' } else { c })
        .collect();
    let trimmed = cleaned.trim().trim_matches('.').trim();
    let bounded: String = trimmed.chars().take(80).collect();
    if bounded.is_empty() { "_".to_string() } else { bounded }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_sanitised() {
        assert_eq!(sanitize_file_name("组织部/人事处"), "组织部_人事处");
        assert_eq!(sanitize_file_name("..\\a:b*"), "_a_b_");
        assert_eq!(sanitize_file_name("  "), "_");
    }
}
