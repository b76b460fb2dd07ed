//! The HTML: minijinja templates compiled into the binary, HTML auto-escaping on, so every
//! cell text shows literally.

use std::path::Path;

use kaoping::check::Collection;
use kaoping::finding::Severity;
use minijinja::Environment;
use serde::Serialize;

use super::scoring::{EvaluatorLine, OfficeView};
use super::workspace::{Snapshot, Workspace};

/// The most bytes one upload request may carry.
pub const UPLOAD_LIMIT: usize = 50 * 1024 * 1024;

pub fn templates() -> Environment<'static> {
    let mut env = Environment::new();
    // `.html` names turn on HTML escaping for everything a template prints.
    for (name, text) in [
        ("page.html", include_str!("templates/page.html")),
        ("content.html", include_str!("templates/content.html")),
        ("score.html", include_str!("templates/score.html")),
    ] {
        env.add_template(name, text).expect("built-in templates parse");
    }
    env
}

/// Everything the templates show of one workspace.
#[derive(Serialize)]
pub struct View {
    title: String,
    /// URL prefix of the workspace: `` for the watched workbooks, `/jobs/<id>` for uploads.
    base: String,
    job: Option<String>,
    limit_mb: usize,
    version: u64,
    building: bool,
    workbooks: Vec<String>,
    checked_at: Option<String>,
    built_at: Option<String>,
    outputs_stale: bool,
    error: Option<String>,
    counts: Counts,
    finding_files: Vec<FileView>,
    outputs: Vec<OutputView>,
    collection: Option<CollectionView>,
    /// 网上评分, for the watched workbooks.
    online: Option<OfficeView>,
}

#[derive(Serialize)]
struct Counts {
    errors: usize,
    warnings: usize,
    infos: usize,
}

#[derive(Serialize)]
struct FileView {
    name: String,
    sheets: Vec<SheetView>,
}

#[derive(Serialize)]
struct SheetView {
    name: String,
    items: Vec<FindingView>,
}

#[derive(Serialize)]
struct FindingView {
    label: &'static str,
    place: String,
    message: String,
}

#[derive(Serialize)]
struct OutputView {
    path: String,
    /// The path, percent-encoded segment by segment.
    url: String,
    name: String,
    folder: Option<String>,
    kind: String,
    pages: Option<usize>,
    size: String,
    preview: bool,
    viewable: bool,
}

#[derive(Serialize)]
struct CollectionView {
    expected: usize,
    entered: usize,
    missing: usize,
    groups: Vec<Progress>,
}

#[derive(Serialize)]
struct Progress {
    name: String,
    expected: usize,
    entered: usize,
    missing: usize,
    percent: usize,
    evaluators: Vec<Progress>,
    /// An evaluator's online scoring.
    online: Option<EvaluatorLine>,
}

impl View {
    pub fn new(workspace: &Workspace, snapshot: &Snapshot, job: Option<&str>) -> Self {
        let findings = &snapshot.findings;
        let finding_files = findings
            .grouped(false)
            .into_iter()
            .map(|(file, sheets)| FileView {
                name: file
                    .as_deref()
                    .map_or_else(|| "（整体）".to_string(), |f| workspace.display(f)),
                sheets: sheets
                    .into_iter()
                    .map(|(sheet, items)| SheetView {
                        name: sheet.unwrap_or_else(|| "工作簿".to_string()),
                        items: items
                            .into_iter()
                            .map(|f| FindingView {
                                label: f.severity.label(),
                                place: f.location.sheet_and_cell(),
                                message: workspace.display_message(&f.message),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        Self {
            title: match job {
                Some(id) => format!("上传任务 {id} · kaoping 考评"),
                None => "kaoping 考评".to_string(),
            },
            base: job.map(|id| format!("/jobs/{id}")).unwrap_or_default(),
            job: job.map(str::to_string),
            limit_mb: UPLOAD_LIMIT / 1024 / 1024,
            version: snapshot.version,
            building: snapshot.building,
            workbooks: snapshot.workbooks.clone(),
            checked_at: snapshot.checked_at.clone(),
            built_at: snapshot.built_at.clone(),
            outputs_stale: snapshot.outputs_stale,
            error: snapshot.error.clone(),
            counts: Counts {
                errors: findings.count(Severity::Error),
                warnings: findings.count(Severity::Warning),
                infos: findings.count(Severity::Info),
            },
            finding_files,
            outputs: snapshot.outputs.iter().map(output_view).collect(),
            collection: snapshot.collection.as_ref().map(collection_view),
            online: None,
        }
    }

    /// Adds online scoring: each evaluator's status, link and actions, with their online
    /// count as of the last save (the columns from the build follow when the background
    /// rebuild ends).
    pub fn with_online(mut self, mut online: OfficeView) -> Self {
        self.workbooks = collapse_folder(&self.workbooks, &online.folder);
        if let Some(collection) = &mut self.collection {
            for group in &mut collection.groups {
                for evaluator in &mut group.evaluators {
                    evaluator.online = online
                        .evaluators
                        .iter()
                        .find(|l| l.group == group.name && l.name == evaluator.name)
                        .cloned();
                }
            }
        }
        online.evaluators.clear();
        self.online = Some(online);
        self
    }
}

fn output_view(output: &super::workspace::Output) -> OutputView {
    let path = Path::new(&output.path);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(|p| p.to_string_lossy().into_owned());
    let kind = path.extension().map(|e| e.to_string_lossy().to_uppercase()).unwrap_or_default();
    OutputView {
        url: url_path(&output.path),
        path: output.path.clone(),
        viewable: kind == "PDF",
        name,
        folder,
        kind,
        pages: output.pages,
        size: human_size(output.bytes.len()),
        preview: output.preview.is_some(),
    }
}

fn collection_view(collection: &Collection) -> CollectionView {
    let progress = |name: &str, expected: usize, entered: usize, evaluators| Progress {
        name: name.to_string(),
        expected,
        entered,
        missing: expected.saturating_sub(entered),
        percent: (entered * 100).checked_div(expected).unwrap_or(100),
        evaluators,
        online: None,
    };
    CollectionView {
        expected: collection.expected(),
        entered: collection.entered(),
        missing: collection.expected().saturating_sub(collection.entered()),
        groups: collection
            .groups
            .iter()
            .map(|g| {
                let evaluators = g
                    .evaluators
                    .iter()
                    .map(|e| progress(&e.name, e.expected, e.entered, Vec::new()))
                    .collect();
                progress(&g.name, g.expected, g.entered, evaluators)
            })
            .collect(),
    }
}

/// `/`-separated path with every segment percent-encoded, for `href`.
pub fn url_path(path: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const SEGMENT: &AsciiSet =
        &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');
    path.split('/')
        .map(|segment| utf8_percent_encode(segment, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// `87 KB`, `1.2 MB`.
fn human_size(bytes: usize) -> String {
    match bytes {
        b if b < 1024 => format!("{b} 字节"),
        b if b < 1024 * 1024 => format!("{} KB", b.div_ceil(1024)),
        b => format!("{:.1} MB", b as f64 / 1024.0 / 1024.0),
    }
}

/// The workbooks with those of the scores folder as one line: thirty evaluators' files
/// would bury the workbook the office edits.
fn collapse_folder(workbooks: &[String], folder: &str) -> Vec<String> {
    let inside = |w: &&String| {
        std::path::Path::new(w.as_str()).parent() == Some(std::path::Path::new(folder))
    };
    let count = workbooks.iter().filter(inside).count();
    let mut list: Vec<String> = workbooks.iter().filter(|w| !inside(w)).cloned().collect();
    if count > 0 {
        list.push(format!("{folder}（网上评分，{count} 个评分表）"));
    }
    list
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_scores_folder_shows_as_one_line() {
        let workbooks: Vec<String> = [
            "input/考评.xlsx",
            "input/网上评分/甲组-张三.xlsx",
            "input/网上评分/甲组-李四.xlsx",
            "input/评分表/乙组.xlsx",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            super::collapse_folder(&workbooks, "input/网上评分"),
            ["input/考评.xlsx", "input/评分表/乙组.xlsx", "input/网上评分（网上评分，2 个评分表）"]
        );
        assert_eq!(super::collapse_folder(&workbooks[..1], "input/网上评分"), ["input/考评.xlsx"]);
    }

    use super::*;

    #[test]
    fn url_paths_encode_each_segment() {
        assert_eq!(
            url_path("考评报告/a b#?.pdf"),
            "%E8%80%83%E8%AF%84%E6%8A%A5%E5%91%8A/a%20b%23%3F.pdf"
        );
    }

    #[test]
    fn sizes_read_like_a_file_manager() {
        assert_eq!(human_size(10), "10 字节");
        assert_eq!(human_size(90_000), "88 KB");
        assert_eq!(human_size(3 * 1024 * 1024), "3.0 MB");
    }
}
