//! Templates: minijinja documents (`*.typ.j2`) that produce typst source, and the typst
//! style library they import. The built-in set is compiled in; a `templates/` folder
//! overrides it file by file, so an office can adjust wording without rebuilding.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use minijinja::value::Value;
use minijinja::{Environment, Error as JinjaError, ErrorKind, UndefinedBehavior};
use serde::Serialize;

use super::markup::{cell_markup, needs_breaks, string_literal};

/// The built-in templates, by file name.
const BUILTIN: &[(&str, &str)] = &[
    ("gongwen.typ", include_str!("../../templates/gongwen.typ")),
    ("texts.j2", include_str!("../../templates/texts.j2")),
    ("notice.typ.j2", include_str!("../../templates/notice.typ.j2")),
    ("schedule.typ.j2", include_str!("../../templates/schedule.typ.j2")),
    ("report.typ.j2", include_str!("../../templates/report.typ.j2")),
    ("summary.typ.j2", include_str!("../../templates/summary.typ.j2")),
    ("slips.typ.j2", include_str!("../../templates/slips.typ.j2")),
    ("正文.txt.j2", include_str!("../../templates/正文.txt.j2")),
];

/// Templates that produce wording (`*.txt.j2`) rather than typst source.
const TEXT_SUFFIX: &str = ".txt.j2";

#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    #[error("模板目录 {path} 无法读取：{reason}")]
    Dir { path: PathBuf, reason: String },
    #[error("模板 {name} 有误：{message}")]
    Syntax { name: String, message: String },
    #[error("模板 {name} 生成失败：{message}")]
    Render { name: String, message: String },
}

/// The template set: minijinja documents plus the files typst may read (`/lib/…`).
pub struct Templates {
    env: Environment<'static>,
    /// Wording templates: their output is text in the 正文 sheet's language, not typst.
    text_env: Environment<'static>,
    /// Non-jinja files (the style library, images), served to typst under `/lib/`.
    lib_files: BTreeMap<String, Vec<u8>>,
}

impl std::fmt::Debug for Templates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Templates").field("lib_files", &self.lib_files.keys()).finish()
    }
}

impl Templates {
    /// The built-in templates, overridden by the files of `dir` when given.
    pub fn load(dir: Option<&Path>) -> Result<Self, TemplateError> {
        let mut files: BTreeMap<String, Vec<u8>> =
            BUILTIN.iter().map(|(n, t)| (n.to_string(), t.as_bytes().to_vec())).collect();
        if let Some(dir) = dir {
            files.extend(read_dir_files(dir)?);
        }

        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_formatter(|out, _state, value| {
            if value.is_undefined() || value.is_none() {
                return Ok(());
            }
            let text =
                if value.is_safe() { value.to_string() } else { cell_markup(&value.to_string()) };
            out.write_str(&text).map_err(|_| JinjaError::new(ErrorKind::WriteFailure, "写入失败"))
        });
        // `str` is for code positions (paths, names the template computes): no break
        // opportunities are inserted, unlike cell data through `typ` and `{{ }}`.
        env.add_filter("str", |value: Value| {
            Value::from_safe_string(string_literal(&value.to_string()))
        });
        env.add_filter("typ", |value: Value| Value::from_safe_string(typst_value(&value)));
        env.add_filter("balance", |text: String, words: Vec<String>| {
            super::title::balance(&text, TITLE_MAX_EM, &words)
        });
        env.add_filter("cn", |n: u32| chinese_number(n));
        env.add_filter("cn_count", |n: u32| chinese_count(n));

        let mut text_env = Environment::new();
        text_env.set_undefined_behavior(UndefinedBehavior::Strict);
        // A value printed into wording is text, never a placeholder: braces are doubled.
        text_env.set_formatter(|out, _state, value| {
            if value.is_undefined() || value.is_none() {
                return Ok(());
            }
            let text = value.to_string().replace('{', "{{").replace('}', "}}");
            out.write_str(&text).map_err(|_| JinjaError::new(ErrorKind::WriteFailure, "写入失败"))
        });
        text_env.add_filter("cn", |n: u32| chinese_number(n));

        let mut lib_files = BTreeMap::new();
        for (name, bytes) in files {
            if name.ends_with(".j2") {
                let text = String::from_utf8(bytes).map_err(|_| TemplateError::Syntax {
                    name: name.clone(),
                    message: "不是 UTF-8 文本".into(),
                })?;
                let env = if name.ends_with(TEXT_SUFFIX) { &mut text_env } else { &mut env };
                env.add_template_owned(name.clone(), text)
                    .map_err(|e| TemplateError::Syntax { name, message: describe(&e) })?;
            } else {
                lib_files.insert(name, bytes);
            }
        }
        Ok(Self { env, text_env, lib_files })
    }

    /// Renders a document template into typst source.
    pub fn render(&self, name: &str, context: &impl Serialize) -> Result<String, TemplateError> {
        let template = self
            .env
            .get_template(name)
            .map_err(|e| TemplateError::Render { name: name.to_string(), message: describe(&e) })?;
        template
            .render(Value::from(minijinja::value::Serde(context)))
            .map_err(|e| TemplateError::Render { name: name.to_string(), message: describe(&e) })
    }

    /// Renders a wording template (`*.txt.j2`) into plain text.
    pub fn render_text(
        &self,
        name: &str,
        context: &impl Serialize,
    ) -> Result<String, TemplateError> {
        let render_error =
            |e: JinjaError| TemplateError::Render { name: name.to_string(), message: describe(&e) };
        self.text_env
            .get_template(name)
            .map_err(render_error)?
            .render(Value::from(minijinja::value::Serde(context)))
            .map_err(render_error)
    }

    pub fn lib_files(&self) -> &BTreeMap<String, Vec<u8>> {
        &self.lib_files
    }
}

/// The widest a 二号 title line may be: 156 mm of 22 pt characters, rounded down.
const TITLE_MAX_EM: f64 = 20.0;

/// Any template value as a typst literal: strings as string literals (so cell text stays
/// text; a string with a long unbroken run as escaped content, see [`cell_markup`]), maps as dictionaries, sequences as arrays, none as `none`.
pub fn typst_value(value: &Value) -> String {
    use minijinja::value::ValueKind;
    match value.kind() {
        ValueKind::Undefined | ValueKind::None => "none".to_string(),
        ValueKind::Bool => value.is_true().to_string(),
        ValueKind::Number => value.to_string(),
        ValueKind::Seq | ValueKind::Iterable => {
            let items: Vec<String> =
                value.try_iter().into_iter().flatten().map(|v| typst_value(&v)).collect();
            match items.len() {
                0 => "()".to_string(),
                1 => format!("({},)", items[0]),
                _ => format!("({})", items.join(", ")),
            }
        }
        ValueKind::Map => {
            let entries: Vec<String> = value
                .try_iter()
                .into_iter()
                .flatten()
                .map(|key| {
                    let item = value.get_item(&key).unwrap_or_default();
                    let key = key.to_string();
                    let key = if is_identifier(&key) { key } else { string_literal(&key) };
                    format!("{key}: {}", typst_value(&item))
                })
                .collect();
            if entries.is_empty() { "(:)".to_string() } else { format!("({})", entries.join(", ")) }
        }
        // A long unbroken run needs break opportunities, which only markup can hold; such
        // a value arrives as content, every other one as a string.
        _ => {
            let text = value.to_string();
            if needs_breaks(&text) {
                format!("[{}]", cell_markup(&text))
            } else {
                string_literal(&text)
            }
        }
    }
}

fn is_identifier(key: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "none", "auto", "true", "false", "let", "set", "show", "if", "else", "for", "in", "while",
        "break", "continue", "return", "import", "include", "as", "context", "and", "or", "not",
    ];
    if KEYWORDS.contains(&key) {
        return false;
    }
    let mut chars = key.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// minijinja's message with the template line it points at.
fn describe(error: &JinjaError) -> String {
    let mut message = error.to_string();
    if let (Some(name), Some(line)) = (error.name(), error.line()) {
        message = format!("{name} 第 {line} 行：{message}");
    }
    message
}

fn read_dir_files(dir: &Path) -> Result<Vec<(String, Vec<u8>)>, TemplateError> {
    let err =
        |e: std::io::Error| TemplateError::Dir { path: dir.to_path_buf(), reason: e.to_string() };
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).map_err(err)? {
        let entry = entry.map_err(err)?;
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else { continue };
        // Editors' backup and lock files are not templates.
        if name.starts_with('.') || name.starts_with('~') || name.ends_with('~') || !path.is_file()
        {
            continue;
        }
        files.push((name.to_string(), fs::read(&path).map_err(err)?));
    }
    files.sort();
    Ok(files)
}

/// 1 → 一, 12 → 十二, 20 → 二十: section numbers of official documents.
pub fn chinese_number(n: u32) -> String {
    crate::model::body::chinese_numeral(n)
}

/// Counting form: 2 → 两 (两个考评组), otherwise as [`chinese_number`].
pub fn chinese_count(n: u32) -> String {
    if n == 2 { "两".to_string() } else { chinese_number(n) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_numbers() {
        assert_eq!(chinese_number(1), "一");
        assert_eq!(chinese_number(10), "十");
        assert_eq!(chinese_number(12), "十二");
        assert_eq!(chinese_number(20), "二十");
        assert_eq!(chinese_number(34), "三十四");
        assert_eq!(chinese_count(2), "两");
        assert_eq!(chinese_count(3), "三");
    }

    #[test]
    fn values_are_escaped_unless_filtered_to_strings() {
        let mut templates = Templates::load(None).unwrap();
        templates.env.add_template_owned("t", "[{{ a }}] #f({{ a|str }})").unwrap();
        let out = templates.render("t", &serde_json::json!({ "a": "#set \"x\"" })).unwrap();
        assert_eq!(out, r##"[\#set \"x\"] #f("#set \"x\"")"##);
    }

    #[test]
    fn values_become_typst_literals() {
        let value = Value::from(minijinja::value::Serde(serde_json::json!({
            "name": "#x\"", "n": 3, "list": ["a"], "none": null, "ok": true
        })));
        // serde_json keeps keys sorted, so the order is stable.
        assert_eq!(
            typst_value(&value),
            r##"(list: ("a",), n: 3, name: "#x\"", "none": none, ok: true)"##
        );
    }

    #[test]
    fn undefined_variables_are_errors() {
        let mut templates = Templates::load(None).unwrap();
        templates.env.add_template_owned("t", "{{ nope }}").unwrap();
        assert!(templates.render("t", &serde_json::json!({})).is_err());
    }
}
