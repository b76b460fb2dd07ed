//! The few XML helpers the OFD parts need: escaping and compact numbers.

use std::borrow::Cow;
use std::fmt;

/// Text or an attribute value with `&`, `<`, `>` and `"` escaped, and characters XML 1.0
/// cannot hold (control characters) replaced, so the part always parses.
pub fn escape(text: &str) -> Cow<'_, str> {
    let needs = |c: char| matches!(c, '&' | '<' | '>' | '"') || is_forbidden(c);
    if !text.contains(needs) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if is_forbidden(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Characters XML 1.0 does not allow in a document.
pub fn is_forbidden(c: char) -> bool {
    (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{FFFE}' | '\u{FFFF}')
}

/// A length in millimetres (or any coordinate) to a thousandth, without trailing zeros:
/// a micrometre is far below what a printer or screen shows, and short numbers keep the
/// page descriptions small.
#[derive(Debug, Clone, Copy)]
pub struct Num(pub f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let thousandths = (self.0 * 1000.0).round() as i64;
        if thousandths == 0 {
            return f.write_str("0");
        }
        let sign = if thousandths < 0 { "-" } else { "" };
        let abs = thousandths.unsigned_abs();
        let (whole, frac) = (abs / 1000, abs % 1000);
        if frac == 0 {
            return write!(f, "{sign}{whole}");
        }
        let digits = format!("{frac:03}");
        write!(f, "{sign}{whole}.{}", digits.trim_end_matches('0'))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short_and_exact_to_a_thousandth() {
        let s = |v: f64| Num(v).to_string();
        assert_eq!(s(210.0), "210");
        assert_eq!(s(0.3528), "0.353");
        assert_eq!(s(-1.25), "-1.25");
        assert_eq!(s(-0.0004), "0");
        assert_eq!(s(12.0501), "12.05");
    }

    #[test]
    fn markup_characters_are_escaped() {
        assert_eq!(escape("a<b&\"c\""), "a&lt;b&amp;&quot;c&quot;");
        assert_eq!(escape("普通"), "普通");
        assert_eq!(escape("a\u{1}b"), "a\u{FFFD}b");
    }
}
