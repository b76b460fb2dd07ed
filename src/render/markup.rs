//! The one place where text from the workbook enters typst.
//!
//! Cell text is data, never markup: a department called `#set page(width: 1cm)` or
//! `{{ x }}` must print literally. Templates never paste values themselves; minijinja's
//! formatter calls [`escape_markup`] on every `{{ value }}`, and the `str` filter calls
//! [`string_literal`] for values used inside typst code.

/// Escapes text for typst markup mode. Every ASCII punctuation character is escaped with a
/// backslash (typst treats `\` + any symbol as that symbol), which also defuses comments,
/// labels, references, headings, lists, math and raw text; line breaks become explicit
/// `#linebreak()` so a blank line inside a cell cannot start a new paragraph.
pub fn escape_markup(text: &str) -> String {
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

/// Lets a long run without spaces (a code, a URL, `AAAA…`) break anywhere instead of
/// running out of its line or table cell: typst, like Unicode, never breaks inside a
/// word, so a zero-width space goes between its characters. Figures (`100.00`,
/// `18999678675`) stay whole so copied numbers remain numbers.
pub fn breakable_runs(text: &str) -> std::borrow::Cow<'_, str> {
    let is_run_char = |c: char| c.is_ascii_graphic();
    let needs =
        text.split(|c: char| !is_run_char(c)).any(|run| run.len() >= LONG_RUN && !is_figure(run));
    if !needs {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() * 2);
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        if run.len() >= LONG_RUN && !is_figure(run) {
            let mut chars = run.chars();
            if let Some(first) = chars.next() {
                out.push(first);
            }
            for c in chars {
                out.push('\u{200B}');
                out.push(c);
            }
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in text.chars() {
        if is_run_char(c) {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(c);
        }
    }
    flush(&mut run, &mut out);
    std::borrow::Cow::Owned(out)
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
            breakable_runs("ABCDEFGHIJ 甲"),
            "A\u{200B}B\u{200B}C\u{200B}D\u{200B}E\u{200B}F\u{200B}G\u{200B}H\u{200B}I\u{200B}J 甲"
        );
        assert_eq!(breakable_runs("电话 18999678675"), "电话 18999678675");
        assert_eq!(breakable_runs("short words"), "short words");
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
