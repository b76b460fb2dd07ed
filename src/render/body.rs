//! The notice's body as typst markup: the one renderer for the 正文 sheet and for the
//! built-in wording alike.
//!
//! Each paragraph becomes a call of the style library (gongwen.typ): headings in their
//! level's face and sticky to what follows, run-in headings with their first sentence in
//! that face, lists of people aligned by `people`. Text reaches typst only through
//! [`cell_markup`], after the placeholders are filled in.

use serde::Serialize;

use super::context::{Common, PersonRow};
use super::markup::cell_markup;
use super::templates::{TemplateError, Templates, chinese_count, typst_value};
use crate::model::body::{self, Block, Fact, Level, Segment, info_keys};
use crate::model::{Body, DocumentInfo, Paragraph, Plan};

/// The built-in wording, a template in the 正文 sheet's own language.
pub const BUILTIN_WORDING: &str = "正文.txt.j2";

/// The body as typst markup: all paragraphs but the last, and the last one, which the
/// notice keeps on one page with 附件说明 and the signature.
#[derive(Debug, Clone, Serialize)]
pub struct BodyMarkup {
    pub main: String,
    pub last: String,
    /// The last paragraph is text (not a heading or a list), so the signature can be
    /// joined to its last line when it is taller than a page.
    pub last_is_text: bool,
}

/// What the built-in wording depends on besides facts: the groups (the cross-evaluation
/// sentence, one list per group) and which optional facts have a value.
#[derive(Debug, Clone, Serialize)]
pub struct WordingContext {
    pub org_short: String,
    pub groups: Vec<WordingGroup>,
    /// The 文件信息 keys with a value.
    pub filled: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WordingGroup {
    pub name: String,
    /// The category evaluated.
    pub target: String,
    /// The other categories the members come from (交叉考评).
    pub drawn_from: Vec<String>,
}

impl WordingContext {
    /// The plan's structure as the notice's other parts see it.
    pub fn of(plan: &Plan, common: &Common) -> Self {
        let groups = common
            .groups
            .iter()
            .map(|g| WordingGroup {
                name: g.name.clone(),
                target: g.target.clone(),
                drawn_from: g.drawn_from.clone(),
            })
            .collect();
        Self { org_short: common.org_short.clone(), groups, filled: filled_keys(&plan.info) }
    }
}

fn filled_keys(info: &DocumentInfo) -> Vec<&'static str> {
    info_keys().filter(|k| body::info_fact(info, k).is_some()).collect()
}

/// The built-in wording as lines, one paragraph each, placeholders intact.
///
/// # Errors
/// A wording template (possibly overridden from a templates folder) that fails to render.
pub fn builtin_lines(
    templates: &Templates,
    context: &WordingContext,
) -> Result<Vec<String>, TemplateError> {
    let text = templates.render_text(BUILTIN_WORDING, context)?;
    Ok(body::split_paragraphs(&text).map(str::to_string).collect())
}

/// The plan's body: the 正文 sheet's, or the built-in wording read by the same parser.
///
/// # Errors
/// The built-in wording does not render, or names a fact or group this plan lacks.
pub fn body_of(templates: &Templates, plan: &Plan, common: &Common) -> Result<Body, TemplateError> {
    if let Some(body) = &plan.body {
        return Ok(body.clone());
    }
    let wrong =
        |message: String| TemplateError::Render { name: BUILTIN_WORDING.to_string(), message };
    let names: Vec<&str> = plan.groups.iter().map(|g| g.name.as_str()).collect();
    let mut paragraphs = Vec::new();
    for line in builtin_lines(templates, &WordingContext::of(plan, common))? {
        let block =
            body::parse_paragraph(&line, &names).map_err(|e| wrong(format!("“{line}”：{e}")))?;
        if let Some(key) = empty_facts(&block, &plan.info).next() {
            return Err(wrong(format!("“{line}”用到文件信息中未填写的“{key}”")));
        }
        paragraphs.push(Paragraph { block, origin: None });
    }
    Body::new(paragraphs).ok_or_else(|| wrong("没有任何段落".into()))
}

fn empty_facts<'a>(
    block: &'a Block,
    info: &'a DocumentInfo,
) -> impl Iterator<Item = &'static str> + 'a {
    block.segments().filter_map(move |s| match s {
        Segment::Fact(Fact::Info(key)) if body::info_fact(info, key).is_none() => Some(*key),
        _ => None,
    })
}

/// The body as typst markup calling gongwen.typ.
pub fn markup(body: &Body, plan: &Plan, common: &Common) -> BodyMarkup {
    let facts = Facts { plan, common };
    let rendered: Vec<String> =
        body.paragraphs().iter().map(|p| paragraph(&p.block, &facts)).collect();
    let (last, main) = rendered.split_last().expect("a body has a paragraph");
    let last_block = body.paragraphs().last().map(|p| &p.block);
    BodyMarkup {
        main: main.join("\n\n"),
        last: last.clone(),
        last_is_text: matches!(last_block, Some(Block::Plain { .. } | Block::RunIn { .. })),
    }
}

fn paragraph(block: &Block, facts: &Facts<'_>) -> String {
    match block {
        Block::Heading { numbering, text } => {
            let call = match numbering.level {
                Level::One => "h1",
                Level::Two => "h2",
                Level::Three => "h3",
                Level::Four => "h4",
            };
            format!("#{call}[{}]", facts.text(text))
        }
        Block::RunIn { numbering, lead, rest } => {
            let (face, bold) = match numbering.level {
                Level::One => ("heiti", false),
                Level::Two => ("kaiti", false),
                Level::Three => ("fangsong", true),
                Level::Four => ("fangsong", false),
            };
            let bold = if bold { ", bold: true" } else { "" };
            format!("#role-text(\"{face}\"{bold})[{}]{}", facts.text(lead), facts.text(rest))
        }
        Block::Plain { text, .. } => facts.text(text),
        Block::Leadership => people(&facts.common.leadership),
        Block::GroupList(id) => {
            let group = &facts.common.groups[id.0];
            let rows: Vec<PersonRow> =
                group.members.iter().chain(&group.coordinators).cloned().collect();
            people(&rows)
        }
    }
}

fn people(rows: &[PersonRow]) -> String {
    format!("#people({})", typst_value(&minijinja::Value::from(minijinja::value::Serde(rows))))
}

/// Fills placeholders in from the plan.
struct Facts<'a> {
    plan: &'a Plan,
    common: &'a Common,
}

impl Facts<'_> {
    /// Segments as escaped markup: every character typed prints as typed.
    fn text(&self, segments: &[Segment]) -> String {
        let plain: String = segments
            .iter()
            .map(|s| match s {
                Segment::Text(t) => t.clone(),
                Segment::Fact(fact) => self.value(*fact),
            })
            .collect();
        cell_markup(&plain)
    }

    fn value(&self, fact: Fact) -> String {
        let c = self.common;
        match fact {
            // check (or body_of) has made sure every fact named has a value.
            Fact::Info(key) => body::info_fact(&self.plan.info, key).unwrap_or_default(),
            Fact::Categories => c.categories.join("、"),
            Fact::EvalRange => c.eval_range.clone(),
            Fact::SelfCheck => c.self_check.clone(),
            Fact::MeetingDate => format!("{}（{}）", c.meeting.date, c.meeting.weekday),
            Fact::MeetingClock => c.meeting.time.clone(),
            Fact::GroupCount => chinese_count(c.groups.len() as u32),
            Fact::CoordinatorCount => chinese_count(c.coordinator_count as u32),
        }
    }
}
