//! The notice's body (正文) as typed paragraphs: what a line of wording *is* (a heading, a
//! run-in heading, a paragraph, a list of people) decided once, so the renderer only lays
//! out and never re-reads the text.
//!
//! The same parser reads the 正文 sheet (in `check`) and the built-in wording (in
//! `render`), so the notice has one way for a body to reach typst.

use serde::Serialize;

use super::{DocumentInfo, GroupId, Origin, clock_time, full_date};
use crate::input_format::info;

/// The paragraphs of the body, in order; never empty.
#[derive(Debug, Clone, Serialize)]
pub struct Body {
    paragraphs: Vec<Paragraph>,
}

impl Body {
    /// `None` for no paragraph: a notice needs a body.
    pub fn new(paragraphs: Vec<Paragraph>) -> Option<Self> {
        (!paragraphs.is_empty()).then_some(Self { paragraphs })
    }

    pub fn paragraphs(&self) -> &[Paragraph] {
        &self.paragraphs
    }
}

/// One paragraph and, when it came from the 正文 sheet, its cell.
#[derive(Debug, Clone, Serialize)]
pub struct Paragraph {
    pub block: Block,
    pub origin: Option<Origin>,
}

/// GB/T 9704 §7.3.3: 一、 → （一） → 1. → （1）.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Level {
    One,
    Two,
    Three,
    Four,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::One, Level::Two, Level::Three, Level::Four];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The numbering as an office types it, for messages: `三、`, `（三）`, `3.`, `（3）`.
    pub fn label(self, number: u32) -> String {
        match self {
            Level::One => format!("{}、", chinese_numeral(number)),
            Level::Two => format!("（{}）", chinese_numeral(number)),
            Level::Three => format!("{number}."),
            Level::Four => format!("（{number}）"),
        }
    }
}

/// A paragraph's leading numbering: its level and the number it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Numbering {
    pub level: Level,
    pub number: u32,
}

/// What a paragraph is.
#[derive(Debug, Clone, Serialize)]
pub enum Block {
    /// A numbered line without sentence punctuation, set in its level's face and kept with
    /// the paragraph after it: `（一）考评准备`.
    Heading { numbering: Numbering, text: Vec<Segment> },
    /// A numbered paragraph whose first sentence, numbering included, is set in the level's
    /// face and the rest in 仿宋: `（二）建立健全考评工作责任制。考评工作是……`.
    RunIn { numbering: Numbering, lead: Vec<Segment>, rest: Vec<Segment> },
    /// Body text in 仿宋, keeping any numbering it starts with.
    Plain { numbering: Option<Numbering>, text: Vec<Segment> },
    /// `【领导小组名单】`
    Leadership,
    /// `【考评组名单：组名】`
    GroupList(GroupId),
}

impl Block {
    /// The text of the paragraph, placeholders included; none for a list.
    pub fn segments(&self) -> impl Iterator<Item = &Segment> {
        let (first, second): (&[Segment], &[Segment]) = match self {
            Block::Heading { text, .. } | Block::Plain { text, .. } => (text, &[]),
            Block::RunIn { lead, rest, .. } => (lead, rest),
            Block::Leadership | Block::GroupList(_) => (&[], &[]),
        };
        first.iter().chain(second)
    }

    pub fn numbering(&self) -> Option<Numbering> {
        match self {
            Block::Heading { numbering, .. } | Block::RunIn { numbering, .. } => Some(*numbering),
            Block::Plain { numbering, .. } => *numbering,
            Block::Leadership | Block::GroupList(_) => None,
        }
    }
}

/// A piece of paragraph text: typed wording, or a fact filled in when the notice is laid out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Segment {
    Text(String),
    Fact(Fact),
}

/// A placeholder's fact. 文件信息 facts keep their key; the others are computed from the
/// plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Fact {
    /// A 项目 of 文件信息, by its canonical name.
    Info(&'static str),
    /// `{部门类别}`: the categories joined with `、`.
    Categories,
    /// `{考评日期}`: `11月29日—11月30日`.
    EvalRange,
    /// `{自查截止}`: `11月24日`.
    SelfCheck,
    /// `{动员会日期}`: `11月26日（周五）`.
    MeetingDate,
    /// `{动员会时刻}`: `上午10:30`.
    MeetingClock,
    /// `{考评组数}`: `两`.
    GroupCount,
    /// `{具体工作负责人数}`: `两`.
    CoordinatorCount,
}

/// The keys of 文件信息 that are placeholders of their own name (`单位简称` among them, also
/// derived when not typed): all but the one naming an input file.
pub fn info_keys() -> impl Iterator<Item = &'static str> {
    info::FACTS.iter().map(|f| f.key).filter(|&key| key != info::LAST_YEAR)
}

const COMPUTED: [(&str, Fact); 7] = [
    ("部门类别", Fact::Categories),
    ("考评日期", Fact::EvalRange),
    ("自查截止", Fact::SelfCheck),
    ("动员会日期", Fact::MeetingDate),
    ("动员会时刻", Fact::MeetingClock),
    ("考评组数", Fact::GroupCount),
    ("具体工作负责人数", Fact::CoordinatorCount),
];

impl Fact {
    /// Looks a placeholder name up; spaces and full-width forms do not matter.
    pub fn named(name: &str) -> Option<Fact> {
        let wanted = loose(name);
        info_keys()
            .find(|k| loose(k) == wanted)
            .map(Fact::Info)
            .or_else(|| COMPUTED.iter().find(|(n, _)| loose(n) == wanted).map(|&(_, f)| f))
    }

    /// Every placeholder name, in the order messages list them.
    pub fn names() -> impl Iterator<Item = &'static str> {
        info_keys().chain(COMPUTED.iter().map(|(n, _)| *n))
    }

    pub fn name(self) -> &'static str {
        match self {
            Fact::Info(key) => key,
            computed => COMPUTED.iter().find(|(_, f)| *f == computed).map_or("", |(n, _)| n),
        }
    }
}

/// The text of a 文件信息 fact as the wording prints it (dates `2021年11月29日`); `None`
/// when the workbook leaves that optional fact empty.
pub fn info_fact(info: &DocumentInfo, key: &str) -> Option<String> {
    let date = |d: chrono::NaiveDate| Some(full_date(d));
    match key {
        "单位名称" => Some(info.org.clone()),
        "单位简称" => Some(info.org_short.clone()),
        "年度" => Some(info.year.to_string()),
        "发文机关标志" => Some(info.mark.clone()),
        "发文字号" => info.doc_number.clone(),
        "标题" => Some(info.title.clone()),
        "主送机关" => info.recipients.clone(),
        "依据文件" => info.basis.clone(),
        "发文机关署名" => Some(info.signer.clone()),
        "成文日期" => date(info.date),
        "考评开始日期" => date(info.eval_start),
        "考评结束日期" => date(info.eval_end),
        "自查截止日期" => date(info.self_check_deadline),
        "动员会时间" => {
            Some(format!("{}{}", full_date(info.meeting.date()), clock_time(info.meeting.time())))
        }
        "动员会地点" => Some(info.meeting_place.clone()),
        "动员会参加人员" => info.meeting_attendees.clone(),
        "领导小组办公室" => Some(info.office.clone()),
        "办公室主任" => info.office_director.clone(),
        "办公室副主任" => info.office_deputy.clone(),
        "抄送" => info.cc.clone(),
        "印发机关" => info.printer.clone(),
        "印发日期" => info.print_date.and_then(date),
        "计分方法" => Some(info.scoring_method.label().to_string()),
        "加分上限" => info.bonus_cap.map(|cap| cap.to_string()),
        "印章图片" => {
            info.seal.as_ref().and_then(|p| p.file_name()).map(|n| n.to_string_lossy().into_owned())
        }
        _ => None,
    }
}

/// The markers a row may hold alone.
const LEADERSHIP_MARKER: &str = "领导小组名单";
const GROUP_MARKER: &str = "考评组名单";

/// Why a line of wording cannot be a paragraph.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// `{名称}` naming no fact.
    #[error("未知的占位符“{{{0}}}”")]
    UnknownPlaceholder(String),
    /// A `{` without its `}`.
    #[error("花括号“{{”没有配对的“}}”")]
    UnclosedBrace,
    /// A `}` that closes nothing.
    #[error("多余的“}}”")]
    StrayClosingBrace,
    /// `【考评组名单：组名】` naming no group.
    #[error("考评组“{0}”不在考评组表中")]
    UnknownGroup(String),
}

/// Reads one paragraph of wording. `groups` are the names of the 考评组 sheet, in order;
/// a marker names one of them (leniently: spaces and full-width forms do not matter).
pub fn parse_paragraph(text: &str, groups: &[&str]) -> Result<Block, ParseError> {
    let text = text.trim_matches(|c: char| c.is_whitespace());
    if let Some(block) = marker(text, groups)? {
        return Ok(block);
    }
    let segments = segments(&close_up_after_numbering(text))?;
    Ok(classify(segments))
}

/// Splits a cell into the paragraphs it holds: a Word draft pasted into one cell arrives
/// as lines; blank lines and the indentation Word drafts carry are dropped.
pub fn split_paragraphs(cell: &str) -> impl Iterator<Item = &str> {
    cell.lines().map(|l| l.trim_matches(|c: char| c.is_whitespace())).filter(|l| !l.is_empty())
}

fn marker(text: &str, groups: &[&str]) -> Result<Option<Block>, ParseError> {
    let inner = text
        .strip_prefix('【')
        .and_then(|t| t.strip_suffix('】'))
        .or_else(|| text.strip_prefix('[').and_then(|t| t.strip_suffix(']')));
    let Some(inner) = inner else { return Ok(None) };
    if loose(inner) == loose(LEADERSHIP_MARKER) {
        return Ok(Some(Block::Leadership));
    }
    let Some((head, name)) = inner.split_once(['：', ':']) else { return Ok(None) };
    if loose(head) != loose(GROUP_MARKER) {
        return Ok(None);
    }
    let name = name.trim();
    match groups.iter().position(|g| loose(g) == loose(name)) {
        Some(index) => Ok(Some(Block::GroupList(GroupId(index)))),
        None => Err(ParseError::UnknownGroup(name.to_string())),
    }
}

/// Text and `{placeholders}`; `{{` and `}}` are literal braces.
fn segments(text: &str) -> Result<Vec<Segment>, ParseError> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                current.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                current.push('}');
            }
            '{' => {
                let mut name = String::new();
                loop {
                    match chars.next() {
                        Some('}') => break,
                        Some('{') | None => return Err(ParseError::UnclosedBrace),
                        Some(c) => name.push(c),
                    }
                }
                let fact = Fact::named(&name).ok_or(ParseError::UnknownPlaceholder(name))?;
                if !current.is_empty() {
                    out.push(Segment::Text(std::mem::take(&mut current)));
                }
                out.push(Segment::Fact(fact));
            }
            '}' => return Err(ParseError::StrayClosingBrace),
            c => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push(Segment::Text(current));
    }
    Ok(out)
}

/// Sentence punctuation: a numbered line without any is a heading.
const SENTENCE_END: [char; 5] = ['。', '；', '！', '？', '：'];

fn classify(segments: Vec<Segment>) -> Block {
    let Some(numbering) = leading_numbering(&segments) else {
        return Block::Plain { numbering: None, text: segments };
    };
    let typed: String = segments
        .iter()
        .filter_map(|s| match s {
            Segment::Text(t) => Some(t.as_str()),
            Segment::Fact(_) => None,
        })
        .collect();
    // A trailing colon introduces what follows (`（二）二级学院考评组：` above its list):
    // still a heading.
    let typed = typed.trim_end().strip_suffix(['：', ':']).unwrap_or(&typed);
    if !typed.contains(SENTENCE_END) {
        return Block::Heading { numbering, text: segments };
    }
    match split_first_sentence(segments) {
        Ok((lead, rest)) => Block::RunIn { numbering, lead, rest },
        Err(text) => Block::Plain { numbering: Some(numbering), text },
    }
}

/// Splits after the first `。` when text follows it; gives the segments back otherwise
/// (the first sentence ends in `；` or is the whole paragraph).
fn split_first_sentence(
    segments: Vec<Segment>,
) -> Result<(Vec<Segment>, Vec<Segment>), Vec<Segment>> {
    let mut first_end = None;
    'find: for (i, segment) in segments.iter().enumerate() {
        if let Segment::Text(t) = segment
            && let Some(pos) = t.find(SENTENCE_END)
        {
            if t[pos..].starts_with('。') {
                first_end = Some((i, pos + '。'.len_utf8()));
            }
            break 'find;
        }
    }
    let Some((index, at)) = first_end else { return Err(segments) };
    let mut lead = Vec::new();
    let mut rest = Vec::new();
    for (i, segment) in segments.into_iter().enumerate() {
        match (i.cmp(&index), segment) {
            (std::cmp::Ordering::Less, s) => lead.push(s),
            (std::cmp::Ordering::Greater, s) => rest.push(s),
            (std::cmp::Ordering::Equal, Segment::Text(t)) => {
                let (a, b) = t.split_at(at);
                lead.push(Segment::Text(a.to_string()));
                if !b.trim().is_empty() {
                    rest.push(Segment::Text(b.to_string()));
                }
            }
            (std::cmp::Ordering::Equal, s) => lead.push(s),
        }
    }
    if rest.is_empty() { Err(lead) } else { Ok((lead, rest)) }
}

/// The numbering a paragraph starts with: `一、` `（一）` `1.` `1．` `1、` `（1）`, full- or
/// half-width parentheses.
fn leading_numbering(segments: &[Segment]) -> Option<Numbering> {
    let Some(Segment::Text(text)) = segments.first() else { return None };
    numbering_prefix(text).map(|(numbering, _)| numbering)
}

/// The numbering at the start of `text` and its length in characters.
fn numbering_prefix(text: &str) -> Option<(Numbering, usize)> {
    let chars: Vec<char> = text.chars().take(8).collect();
    let is_open = |c: char| c == '（' || c == '(';
    let is_close = |c: char| c == '）' || c == ')';
    if chars.first().copied().is_some_and(is_open) {
        let close = chars.iter().position(|&c| is_close(c))?;
        let inner: String = chars[1..close].iter().collect();
        let numbering = match parse_chinese_numeral(&inner) {
            Some(number) => Numbering { level: Level::Two, number },
            None => Numbering { level: Level::Four, number: ascii_number(&inner)? },
        };
        return Some((numbering, close + 1));
    }
    let digits = chars.iter().take_while(|c| digit(**c).is_some()).count();
    if digits > 0 {
        let number: String = chars[..digits].iter().filter_map(|&c| digit(c)).collect();
        let after = chars.get(digits).copied();
        let next = chars.get(digits + 1).copied();
        // `1.5倍` is a figure, not numbering.
        let is_mark =
            matches!(after, Some('.' | '．' | '、')) && next.is_none_or(|c| digit(c).is_none());
        let number = is_mark.then(|| number.parse().ok()).flatten()?;
        return Some((Numbering { level: Level::Three, number }, digits + 1));
    }
    let comma = chars.iter().position(|&c| c == '、')?;
    let inner: String = chars[..comma].iter().collect();
    parse_chinese_numeral(&inner).map(|number| (Numbering { level: Level::One, number }, comma + 1))
}

/// Word's automatic numbering arrives as `1.\t标题` or `（一）　标题`: the space after the
/// numbering goes, as a typist would not have typed it.
fn close_up_after_numbering(text: &str) -> std::borrow::Cow<'_, str> {
    let Some((_, len)) = numbering_prefix(text) else { return text.into() };
    let split = text.char_indices().nth(len).map_or(text.len(), |(i, _)| i);
    let (head, rest) = text.split_at(split);
    let trimmed = rest.trim_start();
    if trimmed.len() == rest.len() { text.into() } else { format!("{head}{trimmed}").into() }
}

fn digit(c: char) -> Option<char> {
    match c {
        '0'..='9' => Some(c),
        '０'..='９' => char::from_u32(c as u32 - 0xFEE0),
        _ => None,
    }
}

fn ascii_number(text: &str) -> Option<u32> {
    let digits: Option<String> = text.chars().map(digit).collect();
    digits.filter(|d| !d.is_empty() && d.len() <= 3).and_then(|d| d.parse().ok())
}

const NUMERALS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/// `一` … `九十九`.
fn parse_chinese_numeral(text: &str) -> Option<u32> {
    let value = |c: char| NUMERALS.iter().position(|&n| n == c).map(|v| v as u32);
    let chars: Vec<char> = text.chars().collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        [one] if *one != '零' => value(*one),
        ['十', ones] => value(*ones).filter(|&v| v > 0).map(|v| 10 + v),
        [tens, '十'] => value(*tens).filter(|&v| v > 1).map(|v| v * 10),
        [tens, '十', ones] => {
            let tens = value(*tens).filter(|&v| v > 1)?;
            value(*ones).filter(|&v| v > 0).map(|v| tens * 10 + v)
        }
        _ => None,
    }
}

/// 1 → 一, 12 → 十二, 20 → 二十.
pub fn chinese_numeral(n: u32) -> String {
    let digit = |d: u32| NUMERALS[d as usize];
    match n {
        0..=9 => digit(n).to_string(),
        10 => "十".to_string(),
        11..=19 => format!("十{}", digit(n - 10)),
        20..=99 if n.is_multiple_of(10) => format!("{}十", digit(n / 10)),
        20..=99 => format!("{}十{}", digit(n / 10), digit(n % 10)),
        _ => n.to_string(),
    }
}

/// Names compared without spaces and with full-width ASCII folded, as everywhere in check.
fn loose(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Block {
        parse_paragraph(text, &["二级学院考评组", "处（室）考评组"]).unwrap()
    }

    fn typed(s: &str) -> Vec<Segment> {
        vec![Segment::Text(s.to_string())]
    }

    #[test]
    fn levels_are_read_from_the_numbering() {
        let n = |text: &str| parse(text).numbering().map(|n| (n.level, n.number));
        assert_eq!(n("一、考评原则"), Some((Level::One, 1)));
        assert_eq!(n("十二、其他"), Some((Level::One, 12)));
        assert_eq!(n("（三）考评结果反馈"), Some((Level::Two, 3)));
        assert_eq!(n("(十)半角括号"), Some((Level::Two, 10)));
        assert_eq!(n("2.学院两个考评小组"), Some((Level::Three, 2)));
        assert_eq!(n("３．全角"), Some((Level::Three, 3)));
        assert_eq!(n("4、顿号"), Some((Level::Three, 4)));
        assert_eq!(n("（1）细则"), Some((Level::Four, 1)));
        assert_eq!(n("(12)细则"), Some((Level::Four, 12)));
        assert_eq!(n("2021年重点工作"), None);
        assert_eq!(n("1.5倍计算。"), None);
        assert_eq!(n("其中：各二级学院"), None);
        assert_eq!(n("（注）说明"), None);
    }

    #[test]
    fn headings_run_ins_and_numbered_paragraphs() {
        assert!(matches!(parse("（一）考评准备"), Block::Heading { .. }));
        assert!(matches!(parse("（二）二级学院考评组："), Block::Heading { .. }));
        let Block::RunIn { lead, rest, .. } =
            parse("（二）建立健全考评工作责任制。考评工作是一项工作。")
        else {
            panic!("run-in expected");
        };
        assert_eq!(lead, typed("（二）建立健全考评工作责任制。"));
        assert_eq!(rest, typed("考评工作是一项工作。"));
        assert!(matches!(
            parse("（一）坚持客观公正、民主公平、注重实绩的原则；"),
            Block::Plain { numbering: Some(_), .. }
        ));
        // One sentence only: a numbered paragraph, not a run-in heading.
        assert!(matches!(
            parse("1.各部门在截止日前自查。"),
            Block::Plain { numbering: Some(_), .. }
        ));
        assert!(matches!(parse("组成人员如下："), Block::Plain { numbering: None, .. }));
    }

    #[test]
    fn placeholders_and_literal_braces() {
        let Block::Plain { text, .. } = parse("经{单位简称}党委研究，{{ x }}于{ 考评日期 }")
        else {
            panic!()
        };
        assert_eq!(
            text,
            vec![
                Segment::Text("经".into()),
                Segment::Fact(Fact::Info("单位简称")),
                Segment::Text("党委研究，{ x }于".into()),
                Segment::Fact(Fact::EvalRange),
            ]
        );
        let groups = &[];
        assert_eq!(
            parse_paragraph("{单位全称}", groups).unwrap_err(),
            ParseError::UnknownPlaceholder("单位全称".into())
        );
        assert_eq!(parse_paragraph("a{年度", groups).unwrap_err(), ParseError::UnclosedBrace);
        assert_eq!(parse_paragraph("a}b", groups).unwrap_err(), ParseError::StrayClosingBrace);
        for name in Fact::names() {
            assert_eq!(Fact::named(name).unwrap().name(), name);
        }
    }

    #[test]
    fn markers_name_lists() {
        assert!(matches!(parse("【领导小组名单】"), Block::Leadership));
        assert!(matches!(parse(" 【考评组名单：处(室)考评组】 "), Block::GroupList(GroupId(1))));
        assert_eq!(
            parse_paragraph("【考评组名单：第三组】", &["甲组"]).unwrap_err(),
            ParseError::UnknownGroup("第三组".into())
        );
        // A marker inside a sentence is text.
        assert!(matches!(parse("见【领导小组名单】。"), Block::Plain { .. }));
    }

    #[test]
    fn word_numbering_loses_its_tab() {
        let Block::Heading { text, numbering } = parse("1.\t完成时限") else { panic!() };
        assert_eq!((numbering.level, text), (Level::Three, typed("1.完成时限")));
        let Block::Heading { text, .. } = parse("（一）　工作目标") else { panic!() };
        assert_eq!(text, typed("（一）工作目标"));
        let Block::Plain { text, .. } = parse("2021年 计划") else { panic!() };
        assert_eq!(text, typed("2021年 计划"));
    }

    #[test]
    fn a_pasted_draft_splits_into_paragraphs() {
        let cell = "　　一、考评原则\r\n\n　　（一）坚持原则；\n";
        assert_eq!(
            split_paragraphs(cell).collect::<Vec<_>>(),
            ["一、考评原则", "（一）坚持原则；"]
        );
    }

    #[test]
    fn chinese_numerals_both_ways() {
        for n in 1..=99 {
            assert_eq!(parse_chinese_numeral(&chinese_numeral(n)), Some(n), "{n}");
        }
        assert_eq!(parse_chinese_numeral("零"), None);
        assert_eq!(parse_chinese_numeral("十零"), None);
        assert_eq!(parse_chinese_numeral("一十"), None);
    }
}
