//! The module against the input contract: the tables of `shared/spec/input-workbook.md`
//! (sheets, their columns and which are optional, the 文件信息 facts and which are
//! required, the listed labels) must be what [`super`] defines.

use std::path::PathBuf;

use super::{Need, SHEETS, info, labels};

/// `shared/` sits beside the repository, in CI as on a developer's machine.
fn spec_text() -> Option<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/spec/input-workbook.md");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) => {
            println!("skipped: the input contract {} is not readable ({e})", path.display());
            None
        }
    }
}

/// One `### name — what (need)` section of the spec.
struct Section<'a> {
    name: &'a str,
    heading: &'a str,
    lines: Vec<&'a str>,
}

fn sheet_sections(text: &str) -> Vec<Section<'_>> {
    let mut sections: Vec<Section<'_>> = Vec::new();
    let mut current: Option<Section<'_>> = None;
    for line in text.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            sections.extend(current.take());
            // Only sheets have a dash between name and description.
            current = heading.split_once(" — ").map(|(name, _)| Section {
                name: name.trim(),
                heading,
                lines: Vec::new(),
            });
        } else if line.starts_with("## ") {
            sections.extend(current.take());
        } else if let Some(section) = current.as_mut() {
            section.lines.push(line);
        }
    }
    sections.extend(current);
    sections
}

fn need_of(heading: &str) -> Need {
    if heading.contains("(required for scoring)") {
        Need::ForScoring
    } else if heading.contains("(required)") {
        Need::Required
    } else {
        Need::Optional
    }
}

/// A column as the spec's header line lists it: the name, whether it is marked optional,
/// and the words given in parentheses (`(组长 / 副组长 / 成员)`).
struct SpecColumn<'a> {
    name: &'a str,
    optional: bool,
    choices: Vec<&'a str>,
}

fn between<'a>(text: &'a str, open: char, close: char) -> Option<&'a str> {
    let start = text.find(open)? + open.len_utf8();
    let end = start + text[start..].find(close)?;
    Some(&text[start..end])
}

/// The first line of a section that lists its columns: `` `a` | `b` (optional) `` or
/// ``One column, `正文`.``.
fn spec_columns<'a>(section: &Section<'a>) -> Vec<SpecColumn<'a>> {
    let line = section
        .lines
        .iter()
        .find(|l| l.contains('`') && (l.contains(" | ") || l.starts_with("One column")))
        .unwrap_or_else(|| panic!("no column line under {}", section.heading));
    line.split(" | ")
        .map(|segment| {
            let name = between(segment, '`', '`').expect("a column name in backticks");
            let after = &segment[segment.find(name).unwrap_or(0) + name.len() + 1..];
            let choices = between(after, '(', ')')
                .filter(|inner| inner.contains(" / "))
                .map(|inner| inner.split(" / ").map(str::trim).collect())
                .unwrap_or_default();
            SpecColumn { name, optional: segment.contains("(optional"), choices }
        })
        .collect()
}

/// Rows of the 文件信息 facts table: each key (`a / b` rows name two) and whether required.
fn spec_facts<'a>(section: &Section<'a>) -> Vec<(&'a str, bool)> {
    let mut facts = Vec::new();
    for line in section.lines.iter().filter(|l| l.starts_with("| ")) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        let (keys, required) = (cells[1], cells[2]);
        if keys == "项目" {
            continue;
        }
        for key in keys.split(" / ") {
            facts.push((key.trim(), required.starts_with("yes")));
        }
    }
    facts
}

#[test]
fn sheets_and_columns_are_those_of_the_spec() {
    let Some(text) = spec_text() else { return };
    let sections = sheet_sections(&text);
    let names: Vec<&str> = sections.iter().map(|s| s.name).collect();
    let ours: Vec<&str> = SHEETS.iter().map(|s| s.name).collect();
    assert_eq!(ours, names, "the sheets, in the spec's order");
    for (sheet, section) in SHEETS.iter().zip(&sections) {
        assert_eq!(sheet.need, need_of(section.heading), "{}", section.heading);
        let spec = spec_columns(section);
        let (listed, extra) = sheet.columns.split_at(spec.len().min(sheet.columns.len()));
        let listed: Vec<(&str, bool)> = listed.iter().map(|c| (c.name, !c.required)).collect();
        let wanted: Vec<(&str, bool)> = spec.iter().map(|c| (c.name, c.optional)).collect();
        assert_eq!(listed, wanted, "columns of {} (name, optional)", sheet.name);
        // A column the header line leaves out must be described as optional elsewhere.
        for column in extra {
            assert!(
                !column.required,
                "{}.{} is not in the spec's header line",
                sheet.name, column.name
            );
            let mention = format!("optional column `{}`", column.name);
            assert!(
                text.contains(&mention),
                "the spec does not mention {}.{}",
                sheet.name,
                column.name
            );
        }
    }
}

#[test]
fn role_and_kind_labels_are_those_of_the_spec() {
    let Some(text) = spec_text() else { return };
    let sections = sheet_sections(&text);
    let choices = |sheet: &str, column: &str| -> Vec<String> {
        let section = sections.iter().find(|s| s.name == sheet).expect(sheet);
        let spec = spec_columns(section);
        let found = spec.iter().find(|c| c.name == column).expect(column);
        found.choices.iter().map(|c| c.to_string()).collect()
    };
    assert_eq!(choices(super::sheets::LEADERSHIP, super::leadership::ROLE), labels::LEADER_ROLES);
    assert_eq!(choices(super::sheets::GROUPS, super::groups::ROLE), labels::MEMBER_ROLES);
    assert_eq!(
        choices(super::sheets::ADJUSTMENTS, super::adjustments::KIND),
        labels::ADJUSTMENT_KINDS
    );
    let methods = format!("{} or {}", labels::MEAN, labels::TRIMMED_MEAN);
    assert!(text.contains(&methods), "计分方法 should read {methods}");
    assert!(text.contains(&format!("`{}`", labels::ALL_CATEGORIES)));
}

#[test]
fn facts_are_those_of_the_spec() {
    let Some(text) = spec_text() else { return };
    let sections = sheet_sections(&text);
    let section = sections.iter().find(|s| s.name == super::sheets::INFO).expect("文件信息");
    let spec = spec_facts(section);
    let ours: Vec<(&str, bool)> = info::FACTS
        .iter()
        .filter(|f| spec.iter().any(|(k, _)| *k == f.key))
        .map(|f| (f.key, f.required))
        .collect();
    assert_eq!(ours, spec, "the facts of the table, in order, with their required flag");
    // Facts the table leaves out are named in the text as keys of 文件信息, and optional.
    for fact in info::FACTS.iter().filter(|f| !spec.iter().any(|(k, _)| *k == f.key)) {
        assert!(!fact.required, "{} is required but not in the spec's table", fact.key);
        let plain = format!("文件信息 key {}", fact.key);
        let quoted = format!("文件信息 key `{}`", fact.key);
        assert!(
            text.contains(&plain) || text.contains(&quoted),
            "the spec does not name the fact {}",
            fact.key
        );
    }
}
