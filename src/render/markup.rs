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
    fn line_breaks_stay_inside_the_value() {
        assert_eq!(escape_markup("甲\n\n乙"), "甲#linebreak()#[]#linebreak()#[]乙");
    }

    #[test]
    fn string_literals_escape_quotes_and_backslashes() {
        assert_eq!(string_literal(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(string_literal("行\n"), r#""行\n""#);
    }
}
