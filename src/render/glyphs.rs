//! Glyph coverage of the workbook's text, checked before anything is typeset: a character
//! that no font of the document can draw must never print as a blank or a box. Checking
//! the plan (rather than only the laid-out pages) lets the message name the cell.

use crate::finding::{CellRef, Finding, Findings, Location};
use crate::model::{Origin, Plan};
use crate::workbook::Workbook;

use super::fonts::Fonts;

/// Every text of the plan with the cell it came from and what it is.
fn texts(plan: &Plan) -> Vec<(&str, &Origin, &'static str)> {
    let mut out = Vec::new();
    for d in &plan.departments {
        out.push((d.name.as_str(), &d.origin, "部门名称"));
        for text in [&d.head, &d.short].into_iter().flatten() {
            out.push((text.as_str(), &d.origin, "部门"));
        }
    }
    for l in &plan.leadership {
        out.push((l.name.as_str(), &l.origin, "姓名"));
        out.push((l.post.as_str(), &l.origin, "职务"));
    }
    for g in &plan.groups {
        for m in &g.members {
            out.push((g.name.as_str(), &m.origin, "考评组"));
            out.push((m.name.as_str(), &m.origin, "姓名"));
            out.push((m.post.as_str(), &m.origin, "职务"));
            for text in [&m.home, &m.phone].into_iter().flatten() {
                out.push((text.as_str(), &m.origin, "考评组"));
            }
        }
    }
    for s in &plan.schedule {
        if let Some(place) = &s.place {
            out.push((place.as_str(), &s.origin, "地点"));
        }
    }
    for i in &plan.indicators {
        out.push((i.level1.as_str(), &i.origin, "一级指标"));
        out.push((i.level2.as_str(), &i.origin, "二级指标"));
        if let Some(g) = &i.guidance {
            out.push((g.as_str(), &i.origin, "考评要点"));
        }
    }
    for s in &plan.scores {
        if let Some(note) = &s.note {
            out.push((note.as_str(), &s.origin, "备注"));
        }
    }
    // Last year's summary may have been edited by hand since it was typeset.
    if let Some(last_year) = &plan.last_year {
        for last in plan.dept_ids().filter_map(|d| last_year.of(d)) {
            out.push((last.name.as_str(), &last.origin, "部门"));
            out.push((last.grade.as_str(), &last.origin, "建议等次"));
        }
    }
    for a in &plan.adjustments {
        out.push((a.reason.as_str(), &a.origin, "事由"));
        out.push((a.authority.as_str(), &a.origin, "认定部门"));
        if let Some(e) = &a.evidence {
            out.push((e.as_str(), &a.origin, "佐证材料"));
        }
    }
    out
}

/// The 文件信息 texts, which the model keeps without cell positions.
fn info_texts(plan: &Plan) -> Vec<(&str, &'static str)> {
    let info = &plan.info;
    let mut out = vec![
        (info.org.as_str(), "单位名称"),
        (info.mark.as_str(), "发文机关标志"),
        (info.title.as_str(), "标题"),
        (info.signer.as_str(), "发文机关署名"),
        (info.meeting_place.as_str(), "动员会地点"),
        (info.office.as_str(), "领导小组办公室"),
    ];
    let optional = [
        (&info.doc_number, "发文字号"),
        (&info.recipients, "主送机关"),
        (&info.basis, "依据文件"),
        (&info.meeting_attendees, "动员会参加人员"),
        (&info.office_director, "办公室主任"),
        (&info.office_deputy, "办公室副主任"),
        (&info.cc, "抄送"),
        (&info.printer, "印发机关"),
    ];
    out.extend(optional.into_iter().filter_map(|(v, k)| v.as_deref().map(|v| (v, k))));
    out
}

/// Invisible formatting characters have no glyph anywhere and need none.
fn needs_glyph(c: char) -> bool {
    !(c.is_whitespace()
        || c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'))
}

fn message(c: char, field: &str) -> String {
    format!(
        "{field}中的字符“{c}”（U+{:04X}）在所有可用字体中都没有字形，打印出来会是空白或方框；请改用常用字，或安装包含该字的字体",
        c as u32
    )
}

/// The exact cell of the origin's row that holds the character (the model keeps one
/// origin per row; the character may sit in another column of it).
fn cell_with(books: &[Workbook], origin: &Origin, c: char) -> Location {
    let exact = books
        .iter()
        .filter(|b| b.path == origin.file)
        .filter_map(|b| b.sheet(&origin.sheet))
        .find_map(|sheet| {
            let (row0, col0) = sheet.cells.start()?;
            sheet.cells.used_cells().find_map(|(r, col, data)| {
                let on_row = row0 + r as u32 == origin.cell.row;
                (on_row && data.to_string().contains(c))
                    .then(|| CellRef::new(origin.cell.row, col0 + col as u32))
            })
        });
    Location::cell(&origin.file, &origin.sheet, exact.unwrap_or(origin.cell))
}

/// One error per character and cell that no role's fonts can draw.
pub fn check_plan(plan: &Plan, fonts: &Fonts, books: &[Workbook]) -> Findings {
    let mut findings = Findings::new();
    let mut seen = std::collections::BTreeSet::new();
    // A workbook uses a few hundred distinct characters over and over; a font's coverage
    // lookup walks its ranges, so each character is looked up once.
    let mut drawable = std::collections::HashMap::new();
    for (text, origin, field) in texts(plan) {
        for c in text.chars().filter(|&c| needs_glyph(c)) {
            if !*drawable.entry(c).or_insert_with(|| fonts.covers_everywhere(c)) {
                let location = cell_with(books, origin, c);
                if seen.insert((c, location.clone())) {
                    findings.push(Finding::error(location, message(c, field)));
                }
            }
        }
    }
    let info_location = plan
        .departments
        .first()
        .map(|d| Location::sheet(&d.origin.file, "文件信息"))
        .unwrap_or_default();
    for (text, key) in info_texts(plan) {
        for c in text.chars().filter(|&c| needs_glyph(c)) {
            if !fonts.covers_everywhere(c) && seen.insert((c, info_location.clone())) {
                findings.push(Finding::error(info_location.clone(), message(c, key)));
            }
        }
    }
    findings
}
