//! The one place where text from the workbook enters typst.
//!
//! Cell text is data, never markup: a department called `#set page(width: 1cm)` or
//! `{{ x }}` must print literally. Templates never paste values themselves: minijinja's
//! formatter and the 正文 renderer call [`cell_markup`] on every value, the `typ` filter
//! turns values into typst literals (strings, or [`cell_markup`] content where a long run
//! needs break opportunities), and the `str` filter calls [`string_literal`] for values
//! used inside typst code.

/// Escapes text for typst markup mode. Every ASCII punctuation character is escaped with a
/// backslash (typst treats `\` + any symbol as that symbol), which also defuses comments,
/// labels, references, headings, lists, math and raw text; line breaks become explicit
/// `#linebreak()` so a blank line inside a cell cannot start a new paragraph.
fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {}
            '\n' => {
                out.push_str("#linebreak()");
                // Keep the next character from gluing onto the call (`#linebreak()(x)`).
                if chars.peek().is_some() {
                    out.push_str("#[]");
                }
            }
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            // Runs of spaces would collapse to one; a lone ASCII space is kept as is.
            ' ' if out.ends_with(' ') => out.push_str("#\" \""),
            '\t' => out.push_str("#h(2em)"),
            c => out.push(c),
        }
    }
    // A trailing space would be dropped by typst; keep it harmlessly.
    out
}

/// Runs of printable ASCII without a space at least this long get break opportunities.
const LONG_RUN: usize = 10;

/// What marks a break opportunity: a sliver of spacing. typst lays spacing out as a space
/// for line breaking, so a line may end there, but it is no character: copying or
/// searching the PDF gives back exactly the cell's text, where a zero-width space would
/// have put invisible characters into it. typst drops spacing of exactly zero, hence a
/// thousandth of a point (0.1 pt over a hundred characters).
const BREAK: &str = "#h(0.001pt)";

/// Cell text as typst markup: [`escape_markup`], and a long run without spaces (a code, a
/// URL, `AAAA…`) may break anywhere instead of running out of its line or table cell:
/// typst, like Unicode, never breaks inside a word. Figures (`100.00`, `18999678675`)
/// stay whole so copied numbers remain numbers.
pub fn cell_markup(text: &str) -> String {
    let pieces = break_pieces(text);
    if pieces.len() == 1 {
        return escape_markup(text);
    }
    pieces.iter().map(|piece| escape_markup(piece)).collect::<Vec<_>>().join(BREAK)
}

/// Whether [`cell_markup`] would add break opportunities, i.e. the text cannot travel as a
/// plain typst string without overflowing.
pub fn needs_breaks(text: &str) -> bool {
    text.split(|c: char| !is_run_char(c)).any(is_long_run)
}

/// The text cut at every break opportunity a long run gets; one piece when there is none.
fn break_pieces(text: &str) -> Vec<&str> {
    if !needs_breaks(text) {
        return vec![text];
    }
    let mut pieces = Vec::new();
    let mut piece_start = 0;
    let mut run_start = 0;
    let mut cut_run = |run: std::ops::Range<usize>, piece_start: &mut usize| {
        if !is_long_run(&text[run.clone()]) {
            return;
        }
        for (offset, _) in text[run.clone()].char_indices().skip(1) {
            pieces.push(&text[*piece_start..run.start + offset]);
            *piece_start = run.start + offset;
        }
    };
    for (i, c) in text.char_indices() {
        if !is_run_char(c) {
            cut_run(run_start..i, &mut piece_start);
            run_start = i + c.len_utf8();
        }
    }
    cut_run(run_start..text.len(), &mut piece_start);
    pieces.push(&text[piece_start..]);
    pieces
}

fn is_run_char(c: char) -> bool {
    c.is_ascii_graphic()
}

fn is_long_run(run: &str) -> bool {
    run.len() >= LONG_RUN && !is_figure(run)
}

fn is_figure(run: &str) -> bool {
    run.chars().all(|c| c.is_ascii_digit() || ".:%+-".contains(c))
}

/// Escapes text as a typst string literal (with the quotes), for code positions such as
/// `#text(font: …)` or function arguments.
pub fn string_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_specials_are_escaped() {
        assert_eq!(escape_markup("#set page(width: 1cm)"), r"\#set page\(width\: 1cm\)");
        assert_eq!(escape_markup("{{ x }}"), r"\{\{ x \}\}");
        assert_eq!(escape_markup(r"a\b"), r"a\\b");
        assert_eq!(escape_markup("$x^2$"), r"\$x\^2\$");
        assert_eq!(escape_markup("// 注释"), r"\/\/ 注释");
        assert_eq!(escape_markup("医学院"), "医学院");
    }

    #[test]
    fn long_runs_get_break_opportunities_but_figures_do_not() {
        assert_eq!(
            cell_markup("ABCDEFGHIJ 甲"),
            "A#h(0.001pt)B#h(0.001pt)C#h(0.001pt)D#h(0.001pt)E#h(0.001pt)F#h(0.001pt)G#h(0.001pt)H#h(0.001pt)I#h(0.001pt)J 甲"
        );
        assert_eq!(cell_markup("电话 18999678675"), "电话 18999678675");
        assert_eq!(cell_markup("short words"), "short words");
        assert!(!needs_breaks("电话 18999678675 short words"));
    }

    #[test]
    fn break_opportunities_go_between_escaped_characters() {
        assert_eq!(
            cell_markup("甲page(width:1cm)"),
            r"甲p#h(0.001pt)a#h(0.001pt)g#h(0.001pt)e#h(0.001pt)\(#h(0.001pt)w#h(0.001pt)i#h(0.001pt)d#h(0.001pt)t#h(0.001pt)h#h(0.001pt)\:#h(0.001pt)1#h(0.001pt)c#h(0.001pt)m#h(0.001pt)\)"
        );
        // Only the long run is cut; the text around it is escaped as usual.
        assert_eq!(
            cell_markup("#a ABCDEFGHIJ"),
            r"\#a A#h(0.001pt)B#h(0.001pt)C#h(0.001pt)D#h(0.001pt)E#h(0.001pt)F#h(0.001pt)G#h(0.001pt)H#h(0.001pt)I#h(0.001pt)J"
        );
    }

    #[test]
    fn line_breaks_stay_inside_the_value() {
        assert_eq!(escape_markup("甲\n\n乙"), "甲#linebreak()#[]#linebreak()#[]乙");
    }

    #[test]
    fn string_literals_escape_quotes_and_backslashes() {
        assert_eq!(string_literal(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(string_literal("行\n"), r#""行\n""#);
    }
}
