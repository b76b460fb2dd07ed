//! The sample workbooks survive a trip through xlsx and calamine, and the generated data obey
//! the input contract (recusal, schedule, indicator totals) the checker will enforce.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;

use calamine::{CellErrorType, Data, Range, Reader, Xlsx};
use chrono::{NaiveDate, NaiveTime};
use kaoping::sample::{self, Book, SheetData, Value};

fn open(bytes: Vec<u8>) -> Xlsx<Cursor<Vec<u8>>> {
    Xlsx::new(Cursor::new(bytes)).expect("calamine opens the generated workbook")
}

fn text<'a>(sheet: &'a SheetData, row: usize, col: &str) -> &'a str {
    sheet.get(row, col).and_then(Value::as_text).unwrap_or("")
}

fn number(sheet: &SheetData, row: usize, col: &str) -> f64 {
    sheet.get(row, col).and_then(Value::as_number).expect("a number cell")
}

/// Every cell of the book reads back as the kind of cell it was written as.
fn assert_roundtrip(book: &Book) {
    let mut xlsx = open(book.to_xlsx_bytes().unwrap());
    let names: Vec<String> = book.sheets.iter().map(|s| s.name.clone()).collect();
    assert_eq!(xlsx.sheet_names(), names);
    for sheet in &book.sheets {
        let range: Range<Data> = xlsx.worksheet_range(&sheet.name).unwrap();
        let top = sheet.blank_rows_above;
        for (c, h) in sheet.header.iter().enumerate() {
            assert_eq!(range.get_value((top, c as u32)), Some(&Data::String(h.clone())));
        }
        for (r, row) in sheet.rows.iter().enumerate() {
            for (c, value) in row.iter().enumerate() {
                let pos = (top + 1 + r as u32, c as u32);
                let got = range.get_value(pos).cloned().unwrap_or(Data::Empty);
                let at = format!("{}!{:?}", sheet.name, pos);
                match value {
                    Value::Empty => assert_eq!(got, Data::Empty, "{at}"),
                    Value::Text(s) => assert_eq!(got, Data::String(s.clone()), "{at}"),
                    Value::Number(n) | Value::Formula { cached: n, .. } => {
                        assert_eq!(got, Data::Float(*n), "{at}")
                    }
                    Value::Date(d) => {
                        let Data::DateTime(dt) = got else { panic!("{at}: {got:?}") };
                        assert_eq!(dt.as_datetime(), Some(d.and_time(NaiveTime::MIN)), "{at}");
                    }
                    Value::DateTime(expected) => {
                        let Data::DateTime(dt) = got else { panic!("{at}: {got:?}") };
                        assert_eq!(dt.as_datetime(), Some(*expected), "{at}");
                    }
                    Value::Time(t) => {
                        let Data::DateTime(dt) = got else { panic!("{at}: {got:?}") };
                        assert_eq!(dt.as_datetime().map(|d| d.time()), Some(*t), "{at}");
                    }
                    Value::ErrorDiv0 => {
                        assert_eq!(got, Data::Error(CellErrorType::Div0), "{at}")
                    }
                }
            }
        }
    }
}

#[test]
fn reference_reads_back_cell_for_cell() {
    assert_roundtrip(&sample::reference_2021());
}

#[test]
fn reference_has_the_spec_sheets_and_headers() {
    let book = sample::reference_2021();
    let mut xlsx = open(book.to_xlsx_bytes().unwrap());
    assert_eq!(
        xlsx.sheet_names(),
        ["文件信息", "部门", "领导小组", "考评组", "日程", "指标", "评分", "加扣分", "定等规则"]
    );
    let headers = |xlsx: &mut Xlsx<_>, name: &str| -> Vec<String> {
        let range = xlsx.worksheet_range(name).unwrap();
        range.rows().next().unwrap().iter().map(|d| d.to_string()).collect()
    };
    assert_eq!(
        headers(&mut xlsx, "考评组"),
        ["考评组", "考评对象", "小组职务", "姓名", "职务", "所在部门", "联系电话"]
    );
    assert_eq!(headers(&mut xlsx, "日程"), ["类别", "部门", "日期", "时间", "地点"]);
    assert_eq!(headers(&mut xlsx, "评分"), ["部门", "指标编号", "考评人", "得分", "备注"]);

    // 成文日期 is a real date, 动员会时间 a real date-time.
    let facts = xlsx.worksheet_range("文件信息").unwrap();
    let fact = |key: &str| {
        facts.rows().find(|r| r[0] == Data::String(key.into())).map(|r| r[1].clone()).unwrap()
    };
    let Data::DateTime(signed) = fact("成文日期") else { panic!("成文日期 is not a date") };
    assert_eq!(signed.as_datetime().unwrap().date(), NaiveDate::from_ymd_opt(2021, 11, 8).unwrap());
    let Data::DateTime(meeting) = fact("动员会时间") else {
        panic!("动员会时间 is not a date-time")
    };
    assert_eq!(meeting.as_datetime().unwrap().to_string(), "2021-11-26 10:30:00");
    assert_eq!(fact("发文字号"), Data::String("阿职院办发[2021]45号".into()));
}

#[test]
fn bytes_are_deterministic() {
    let book = sample::reference_2021();
    assert_eq!(book.to_xlsx_bytes().unwrap(), book.to_xlsx_bytes().unwrap());
    assert_eq!(sample::synthetic(40, 7), sample::synthetic(40, 7));
    assert_ne!(sample::synthetic(40, 7), sample::synthetic(40, 8));
}

#[test]
fn div0_and_formula_cells_read_as_excel_writes_them() {
    let mut book = sample::reference_2021();
    let scores = book.sheet_mut("评分").unwrap();
    scores.set(0, "得分", Value::ErrorDiv0);
    scores.set(1, "得分", Value::Formula { formula: "=4*4.5".into(), cached: 18.0 });
    scores.blank_rows_above = 2;
    let mut xlsx = open(book.to_xlsx_bytes().unwrap());
    let range = xlsx.worksheet_range("评分").unwrap();
    assert_eq!(range.get_value((3, 3)), Some(&Data::Error(CellErrorType::Div0)));
    assert_eq!(range.get_value((4, 3)), Some(&Data::Float(18.0)));
    let formulas = xlsx.worksheet_formula("评分").unwrap();
    assert_eq!(formulas.get_value((3, 3)).map(String::as_str), Some("1/0"));
    assert_roundtrip(&book);
}

/// Group name → (考评对象, scoring members with their 所在部门).
fn groups(book: &Book) -> BTreeMap<String, (String, Vec<(String, String)>)> {
    let sheet = book.sheet("考评组").unwrap();
    let mut out: BTreeMap<String, (String, Vec<(String, String)>)> = BTreeMap::new();
    for r in 0..sheet.rows.len() {
        let entry = out
            .entry(text(sheet, r, "考评组").to_owned())
            .or_insert_with(|| (text(sheet, r, "考评对象").to_owned(), Vec::new()));
        assert_eq!(entry.0, text(sheet, r, "考评对象"));
        if matches!(text(sheet, r, "小组职务"), "组长" | "副组长" | "成员") {
            entry.1.push((text(sheet, r, "姓名").into(), text(sheet, r, "所在部门").into()));
        }
    }
    out
}

/// The contract checks both generators must pass; returns the totals per department
/// (trimmed or plain mean per indicator, plus capped bonus, minus deductions).
fn check_contract(book: &Book, trimmed: bool, cap: Option<f64>) -> BTreeMap<String, (String, f64)> {
    let depts = book.sheet("部门").unwrap();
    let category: BTreeMap<&str, &str> = (0..depts.rows.len())
        .map(|r| (text(depts, r, "部门名称"), text(depts, r, "类别")))
        .collect();
    assert_eq!(category.len(), depts.rows.len(), "department names are unique");
    let groups = groups(book);
    let categories: BTreeSet<&str> = category.values().copied().collect();
    let targets: BTreeSet<&str> = groups.values().map(|(t, _)| t.as_str()).collect();
    assert_eq!(categories, targets, "one group per category");

    // Schedule: each department once, in a slot of its own category.
    let schedule = book.sheet("日程").unwrap();
    let mut seen = BTreeSet::new();
    for r in 0..schedule.rows.len() {
        let cat = text(schedule, r, "类别");
        let slot: Vec<&str> = text(schedule, r, "部门").split('、').collect();
        assert!(slot.len() <= 5);
        for d in slot {
            assert_eq!(category.get(d), Some(&cat), "{d} in a slot of {cat}");
            assert!(seen.insert(d), "{d} scheduled twice");
        }
        assert!(matches!(schedule.get(r, "日期"), Some(Value::Date(_))));
        assert!(matches!(schedule.get(r, "时间"), Some(Value::Time(_))));
    }
    assert_eq!(seen.len(), category.len());

    // Indicators sum to 100 per category.
    let inds = book.sheet("指标").unwrap();
    let mut points: BTreeMap<&str, (String, f64)> = BTreeMap::new();
    for cat in &categories {
        let total: f64 = (0..inds.rows.len())
            .filter(|&r| matches!(text(inds, r, "考评对象"), t if t == "全部" || t == *cat))
            .map(|r| number(inds, r, "分值"))
            .sum();
        assert_eq!(total, 100.0, "indicators of {cat}");
    }
    for r in 0..inds.rows.len() {
        points.insert(
            text(inds, r, "指标编号"),
            (text(inds, r, "考评对象").into(), number(inds, r, "分值")),
        );
    }

    // Scores: exactly the non-recused scoring members, on every applicable indicator.
    let scores = book.sheet("评分").unwrap();
    let mut given: BTreeMap<(&str, &str), Vec<(&str, f64)>> = BTreeMap::new();
    for r in 0..scores.rows.len() {
        let (d, code, who) =
            (text(scores, r, "部门"), text(scores, r, "指标编号"), text(scores, r, "考评人"));
        let s = number(scores, r, "得分");
        let (_, max) = &points[code];
        assert!((0.0..=*max).contains(&s));
        given.entry((d, code)).or_default().push((who, s));
    }
    let mut totals = BTreeMap::new();
    for (&d, &cat) in &category {
        let (_, scorers) = groups.values().find(|(t, _)| t == cat).unwrap();
        let expected: BTreeSet<&str> =
            scorers.iter().filter(|(_, home)| home != d).map(|(n, _)| n.as_str()).collect();
        let mut total = 0.0;
        for (code, (target, _)) in &points {
            if target != "全部" && target != cat {
                assert!(!given.contains_key(&(d, code)));
                continue;
            }
            let rows = &given[&(d, *code)];
            let who: BTreeSet<&str> = rows.iter().map(|(w, _)| *w).collect();
            assert_eq!(who.len(), rows.len(), "no duplicate scores for {d} {code}");
            assert_eq!(who, expected, "evaluators of {d} {code}");
            let mut s: Vec<f64> = rows.iter().map(|(_, s)| *s).collect();
            s.sort_by(f64::total_cmp);
            if trimmed && s.len() >= 3 {
                s = s[1..s.len() - 1].to_vec();
            }
            total += s.iter().sum::<f64>() / s.len() as f64;
        }
        totals.insert(d.to_owned(), (cat.to_owned(), total));
    }

    if let Some(adj) = book.sheet("加扣分") {
        let mut bonus: BTreeMap<String, f64> = BTreeMap::new();
        for r in 0..adj.rows.len() {
            let d = text(adj, r, "部门");
            assert!(category.contains_key(d));
            let v = number(adj, r, "分值");
            assert!(v > 0.0);
            match text(adj, r, "类型") {
                "加分" => *bonus.entry(d.into()).or_default() += v,
                "扣分" => totals.get_mut(d).unwrap().1 -= v,
                other => panic!("类型 {other}"),
            }
        }
        for (d, b) in bonus {
            totals.get_mut(&d).unwrap().1 += cap.map_or(b, |c| b.min(c));
        }
    }
    totals
}

#[test]
fn reference_scores_respect_recusal_and_spread() {
    let book = sample::reference_2021();
    let scores = book.sheet("评分").unwrap();
    let recused = (0..scores.rows.len())
        .filter(|&r| {
            text(scores, r, "考评人") == "赵俊芬"
                && text(scores, r, "部门") == "教育教学质量监控中心"
        })
        .count();
    assert_eq!(recused, 0, "赵俊芬 must not score her own department");
    let groups = groups(&book);
    assert_eq!(groups["处（室）考评组"].1.len(), 7);
    assert_eq!(groups["二级学院考评组"].1.len(), 8);

    let totals = check_contract(&book, true, Some(5.0));
    assert_eq!(totals.len(), 28);
    for (cat, n_excellent, n_good) in [("二级学院", 4, 5), ("处（室）", 4, 13)] {
        let mut t: Vec<(f64, &str)> = totals
            .iter()
            .filter(|(_, (c, _))| c == cat)
            .map(|(d, (_, t))| (*t, d.as_str()))
            .collect();
        t.sort_by(|a, b| b.0.total_cmp(&a.0));
        eprintln!("{cat}: {t:?}");
        assert_eq!(t.iter().filter(|(s, _)| *s >= 90.0).count(), n_excellent, "{cat}");
        assert_eq!(t.iter().filter(|(s, _)| (80.0..90.0).contains(s)).count(), n_good, "{cat}");
        // No ties anywhere, so the sample's ranks and quota are unambiguous.
        assert!(t.windows(2).all(|w| (w[0].0 - w[1].0).abs() > 0.01), "{cat}: {t:?}");
    }
}

#[test]
fn reference_bonus_exceeds_the_cap_once() {
    let book = sample::reference_2021();
    let adj = book.sheet("加扣分").unwrap();
    let medicine: f64 = (0..adj.rows.len())
        .filter(|&r| text(adj, r, "部门") == "医学院" && text(adj, r, "类型") == "加分")
        .map(|r| number(adj, r, "分值"))
        .sum();
    assert!(medicine > 5.0);
}

#[test]
fn synthetic_books_obey_the_contract() {
    for (n, seed) in [(2, 1), (7, 2), (19, 3), (20, 4), (45, 5), (60, 6), (150, 7)] {
        let book = sample::synthetic(n, seed);
        let totals = check_contract(&book, false, Some(5.0));
        assert_eq!(totals.len(), n);
        // Scoring members never come from the category their group evaluates.
        let depts = book.sheet("部门").unwrap();
        let category: BTreeMap<&str, &str> = (0..depts.rows.len())
            .map(|r| (text(depts, r, "部门名称"), text(depts, r, "类别")))
            .collect();
        for (target, members) in groups(&book).values() {
            assert!((5..=7).contains(&members.len()), "{n}: {} members", members.len());
            for (_, home) in members {
                assert_ne!(category.get(home.as_str()).copied(), Some(target.as_str()));
            }
        }
        let names: Vec<String> =
            book.sheet("考评组").unwrap().rows.iter().map(|r| format!("{:?}", r[3])).collect();
        assert_eq!(names.iter().collect::<BTreeSet<_>>().len(), names.len(), "unique people");
        assert_roundtrip(&book);
    }
}

#[test]
fn synthetic_schedule_fits_the_window() {
    let book = sample::synthetic(30, 9);
    let facts = book.sheet("文件信息").unwrap();
    let fact = |k: &str| facts.get(facts.row_where("项目", k).unwrap(), "内容").cloned().unwrap();
    let (Value::Date(start), Value::Date(end)) = (fact("考评开始日期"), fact("考评结束日期"))
    else {
        panic!("window dates are dates")
    };
    assert!((end - start).num_days() <= 4, "3 weekdays");
    let schedule = book.sheet("日程").unwrap();
    for r in 0..schedule.rows.len() {
        let Some(Value::Date(d)) = schedule.get(r, "日期") else { panic!() };
        assert!((start..=end).contains(d));
        let Some(Value::Time(t)) = schedule.get(r, "时间") else { panic!() };
        assert!(
            *t == NaiveTime::from_hms_opt(9, 30, 0).unwrap()
                || *t == NaiveTime::from_hms_opt(15, 0, 0).unwrap()
        );
    }
}

/// The workbook in `input/` is the generator's output, byte for byte: a change to the
/// sample must regenerate it (`cargo run --example sample`).
#[test]
fn the_bundled_sample_is_what_the_generator_writes() {
    let bundled = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("input")
        .join(sample::REFERENCE_FILE_NAME);
    let generated = sample::reference_2021().to_xlsx_bytes().unwrap();
    assert!(
        std::fs::read(&bundled).unwrap() == generated,
        "{} is out of date: run `cargo run --example sample`",
        bundled.display()
    );
}
