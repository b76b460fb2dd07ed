//! The summary workbook `…考评结果汇总.xlsx` as a format: its sheet names, the columns of
//! its 汇总 sheet and the marker that tells its versions apart. kaoping writes it
//! ([`render::xlsx`](crate::render::xlsx)) and, a year later, reads it back as last year's
//! results (`check::last_year`); both take every name from here, so the reader can never
//! drift from the writer.
//!
//! Versions: format 1 is the workbook of the first releases, which carried no marker; its
//! year is only in the document title. Format 2 adds the sheet [`sheets::VERSION`] with the
//! format version, the institution and the year, and the year-over-year columns of 汇总.

/// The format this version of kaoping writes.
pub const VERSION: u32 = 2;

/// What the version sheet says the file is, so a hand-made sheet of that name is not
/// mistaken for the marker.
pub const KIND: &str = "kaoping 考评结果汇总";

/// Sheet names, in the order the writer adds them.
pub mod sheets {
    pub const SUMMARY: &str = "汇总";
    pub const STATISTICS: &str = "类别统计";
    pub const MATRIX: &str = "得分明细";
    pub const RECORDS: &str = "评分记录";
    pub const ADJUSTMENTS: &str = "加扣分";
    pub const PROBLEMS: &str = "问题清单";
    /// The format marker (format 2 on), a `项目 | 内容` table of [`super::version`] keys.
    pub const VERSION: &str = "版本信息";

    /// The sheets besides 汇总 that only a summary workbook has; 汇总 together with any
    /// of them (or with the version sheet) identifies one.
    pub const COMPANIONS: [&str; 4] = [STATISTICS, MATRIX, RECORDS, VERSION];
}

/// Column headers of the 汇总 sheet.
pub mod columns {
    pub const DEPARTMENT: &str = "部门";
    pub const CATEGORY: &str = "类别";
    pub const INDICATORS: &str = "指标得分";
    pub const BONUS: &str = "加分";
    pub const DEDUCTION: &str = "扣分";
    pub const TOTAL: &str = "总分";
    pub const RANK: &str = "排名";
    pub const GRADE: &str = "建议等次";
    /// Only when the build had last year's results.
    pub const LAST_TOTAL: &str = "上年总分";
    pub const LAST_RANK: &str = "上年排名";
    pub const RANK_CHANGE: &str = "名次变化";
    pub const NOTE: &str = "备注";
}

/// Keys and columns of the version sheet.
pub mod version {
    pub const KEY: &str = "项目";
    pub const VALUE: &str = "内容";
    pub const KIND: &str = "文件类型";
    pub const VERSION: &str = "格式版本";
    pub const ORG: &str = "单位名称";
    pub const YEAR: &str = "年度";
}

/// `阿克苏职业技术学院2021年度绩效考评结果汇总`: the document title, and the only place a
/// format-1 workbook states its year.
pub fn title(org: &str, year: i32) -> String {
    format!("{org}{year}年度{TITLE_TAIL}")
}

const TITLE_TAIL: &str = "绩效考评结果汇总";

/// The year in a [`title`]: the four digits before `年度绩效考评结果汇总`.
pub fn year_in_title(title: &str) -> Option<i32> {
    let head = title.trim().strip_suffix(TITLE_TAIL)?.strip_suffix("年度")?;
    let digits: String = head.chars().rev().take_while(char::is_ascii_digit).take(4).collect();
    if digits.len() != 4 {
        return None;
    }
    digits.chars().rev().collect::<String>().parse().ok()
}

/// Whether a workbook with these sheets is a summary workbook (of any format).
pub fn is_summary<'a>(sheet_names: impl IntoIterator<Item = &'a str>) -> bool {
    let names: Vec<&str> = sheet_names.into_iter().map(str::trim).collect();
    names.contains(&sheets::SUMMARY) && sheets::COMPANIONS.iter().any(|s| names.contains(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_year_is_read_back_from_the_title() {
        assert_eq!(year_in_title(&title("阿克苏职业技术学院", 2021)), Some(2021));
        assert_eq!(year_in_title(&title("第2中学", 2019)), Some(2019));
        assert_eq!(year_in_title("2021年度绩效考评工作簿"), None);
        assert_eq!(year_in_title("12021年度绩效考评结果汇总"), Some(2021));
        assert_eq!(year_in_title("21年度绩效考评结果汇总"), None);
    }

    #[test]
    fn summaries_are_recognised_by_their_sheets() {
        assert!(is_summary(["汇总", "类别统计", "得分明细"]));
        assert!(is_summary(["汇总", "版本信息"]));
        assert!(!is_summary(["汇总"]));
        assert!(!is_summary(["文件信息", "部门", "评分"]));
    }
}
