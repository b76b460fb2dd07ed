//! Balanced title lines. GB/T 9704 wants a long title broken at word boundaries into a
//! symmetric shape (梯形 or 菱形) and never left with a short tail; typst's line breaker
//! fills greedily and knows no Chinese words, so the breaks are chosen here.

/// Widths in em: full-width characters 1, ASCII and other half-width characters ½.
fn width(text: &str) -> f64 {
    text.chars().map(char_width).sum()
}

fn char_width(c: char) -> f64 {
    if c.is_ascii() || ('\u{FF61}'..='\u{FFDC}').contains(&c) { 0.5 } else { 1.0 }
}

/// Words that commonly make up titles of this kind; a break between two of them reads
/// naturally, a break inside one does not.
const TITLE_WORDS: &[&str] = &[
    "年度",
    "关于",
    "印发",
    "绩效",
    "考评",
    "考核",
    "评价",
    "工作",
    "实施",
    "方案",
    "办法",
    "通知",
    "意见",
    "安排表",
    "安排",
    "计划",
    "结果",
    "汇总表",
    "汇总",
    "报告",
    "明细",
    "各",
    "的",
    "和",
    "与",
    "及",
];

/// Characters a line must not start with / end with.
const NO_LINE_START: &str = "、，。；：！？）》」』〕】”’·—…";
const NO_LINE_END: &str = "（《「『〔【“‘";

/// Splits `title` into lines of at most `max_em` ems, as even as possible, breaking at word
/// boundaries where it can. `words` are extra words of this institution (its name, the
/// category names) that should not be broken.
pub fn balance(title: &str, max_em: f64, words: &[String]) -> Vec<String> {
    let chars: Vec<char> = title.chars().collect();
    let total = width(title);
    if total <= max_em || chars.len() < 8 {
        return vec![title.to_string()];
    }
    let boundaries = word_boundaries(&chars, words);
    let lines = (total / max_em).ceil() as usize;
    let mut best: Option<(f64, Vec<usize>)> = None;
    let mut cuts = Vec::with_capacity(lines - 1);
    search(&chars, &boundaries, lines, max_em, 0, &mut cuts, &mut best);
    match best {
        Some((_, cuts)) => split_at(&chars, &cuts),
        None => vec![title.to_string()],
    }
}

/// Tries every admissible combination of cut positions (titles are short, lines few).
fn search(
    chars: &[char],
    boundaries: &[bool],
    lines: usize,
    max_em: f64,
    start: usize,
    cuts: &mut Vec<usize>,
    best: &mut Option<(f64, Vec<usize>)>,
) {
    if cuts.len() == lines - 1 {
        let parts = split_at(chars, cuts);
        if parts.iter().any(|p| width(p) > max_em) {
            return;
        }
        let cost = cost(&parts, cuts, boundaries);
        if best.as_ref().is_none_or(|(c, _)| cost < *c) {
            *best = Some((cost, cuts.clone()));
        }
        return;
    }
    for cut in start + 1..chars.len() {
        if !breakable(chars, cut) {
            continue;
        }
        cuts.push(cut);
        search(chars, boundaries, lines, max_em, cut, cuts, best);
        cuts.pop();
    }
}

/// Uneven lines cost their squared difference from the mean; a break inside a word costs
/// as much as being four ems off; a tail of three characters or fewer is never wanted.
fn cost(parts: &[String], cuts: &[usize], boundaries: &[bool]) -> f64 {
    let widths: Vec<f64> = parts.iter().map(|p| width(p)).collect();
    let mean = widths.iter().sum::<f64>() / widths.len() as f64;
    let unevenness: f64 = widths.iter().map(|w| (w - mean).powi(2)).sum();
    let inside_words = cuts.iter().filter(|&&c| !boundaries[c]).count() as f64 * 16.0;
    let short_tail = if widths.last().is_some_and(|&w| w <= 3.0) { 1000.0 } else { 0.0 };
    unevenness + inside_words + short_tail
}

/// A line may break before `chars[at]` unless that splits an ASCII run or puts
/// punctuation at the wrong end of a line.
fn breakable(chars: &[char], at: usize) -> bool {
    let (before, after) = (chars[at - 1], chars[at]);
    let splits_ascii = before.is_ascii_alphanumeric() && after.is_ascii_alphanumeric();
    let bad_punctuation = NO_LINE_START.contains(after) || NO_LINE_END.contains(before);
    !splits_ascii && !bad_punctuation
}

/// `boundaries[i]`: whether position `i` (before `chars[i]`) lies between two words.
fn word_boundaries(chars: &[char], extra: &[String]) -> Vec<bool> {
    let mut words: Vec<Vec<char>> = extra
        .iter()
        .chain(TITLE_WORDS.iter().map(|w| w.to_string()).collect::<Vec<_>>().iter())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().collect())
        .collect();
    // Longest first, so an institution's name wins over the words inside it.
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    let mut boundaries = vec![false; chars.len() + 1];
    let mut inside = vec![false; chars.len() + 1];
    let mut i = 0;
    while i < chars.len() {
        let len = if chars[i].is_ascii_digit() {
            // A year stays with its 年/年度 (`2021年度` is one word).
            let digits = chars[i..].iter().take_while(|c| c.is_ascii_digit()).count();
            let rest = &chars[i + digits..];
            digits
                + if rest.starts_with(&['年', '度']) {
                    2
                } else {
                    usize::from(rest.starts_with(&['年']))
                }
        } else {
            words.iter().find(|w| chars[i..].starts_with(w)).map_or(1, Vec::len)
        };
        boundaries[i] = true;
        inside[i + 1..i + len].fill(true);
        i += len;
    }
    boundaries[chars.len()] = true;
    // Every token starts at a boundary; only positions inside a known word or a number
    // are not breaks.
    (0..=chars.len()).map(|k| boundaries[k] && !inside[k]).collect()
}

fn split_at(chars: &[char], cuts: &[usize]) -> Vec<String> {
    let mut parts = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for &cut in cuts.iter().chain(std::iter::once(&chars.len())) {
        parts.push(chars[start..cut].iter().collect());
        start = cut;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_titles_stay_on_one_line() {
        assert_eq!(balance("考评结果汇总表", 20.0, &[]), ["考评结果汇总表"]);
    }

    #[test]
    fn the_reference_title_breaks_after_the_year() {
        let org = vec!["阿克苏职业技术学院".to_string()];
        assert_eq!(
            balance("阿克苏职业技术学院2021年度绩效考评工作实施方案", 20.0, &org),
            ["阿克苏职业技术学院2021年度", "绩效考评工作实施方案"]
        );
    }

    #[test]
    fn the_attachment_title_breaks_between_words() {
        let words = vec!["二级学院".to_string(), "处（室）".to_string()];
        assert_eq!(
            balance("学院各二级学院、处（室）年度绩效考评工作安排表", 20.0, &words),
            ["学院各二级学院、处（室）", "年度绩效考评工作安排表"]
        );
    }

    #[test]
    fn never_a_short_tail_and_never_too_wide() {
        let title = "某某某某某某某某某某某某某某某某某某某某某某";
        let lines = balance(title, 20.0, &[]);
        assert_eq!(lines.len(), 2);
        assert!(lines.iter().all(|l| width(l) <= 20.0 && width(l) > 3.0));
    }

    #[test]
    fn long_titles_take_three_lines() {
        let title = "关于印发某某省某某市某某区某某街道办事处二〇二一年度绩效考评工作实施方案和考评结果汇总的通知";
        let lines = balance(title, 20.0, &[]);
        assert_eq!(lines.len(), 3);
        assert!(lines.iter().all(|l| width(l) <= 20.0));
    }
}
